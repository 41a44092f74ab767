#!/bin/sh
# t/manager-degrade.sh: when a resource runs out, it costs what it must
# (a worker, a test, the logs) with a warning; the run goes on, reports
# every test and exits 0 or 1, never by a signal; 2 only where no worker
# could start at all, as it says (its tests are still reported).  Open files
# run short (a sweep of `ulimit -n` over the range where workers, tests
# and spill files begin to fail), -j asks for more workers than the fd
# limit allows, and test.log cannot be written (a file size limit, with
# SIGXFSZ ignored: a full disk's ENOSPC takes the same path).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154,SC3045
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

# ulimit -n and -S are not POSIX (hence SC3045 above), but dash and
# bash have them.
(ulimit -S -n 64) 2>/dev/null || skip_all 'this sh has no ulimit -S -n'

suite d degrade
log=$tmp/d/_trial_temp/test.log

# sweep FROM TO [ARGS...]: at each soft limit of open files from FROM to
# TO, disttrial -j4 ARGS degrade reports all 6 tests and exits 0 or 1;
# $dropped counts the limits at which test.log lost lines (and each of
# those must have said so on stderr); $spawnfds is 1 if starting a
# worker itself ran out of descriptors at some limit, after its socket
# was made.
sweep() {
	_n=$1
	_to=$2
	shift 2
	dropped=0
	spawnfds=0
	while [ "$_n" -le "$_to" ]; do
		(ulimit -S -n "$_n" && cd "$tmp/d" && exec "$DT" -j4 "$@" \
		    degrade) >"$tmp/n.out" 2>"$tmp/n.err" </dev/null
		rc=$?
		_none=0
		[ "$rc" -eq 2 ] && grep -q '^FAILED (errors=6)$' "$tmp/n.out" &&
		    grep -q 'no worker started: the run could not go on' \
		    "$tmp/n.err" && _none=1
		if { [ "$rc" -le 1 ] || [ "$_none" -eq 1 ]; } &&
		    grep -q '^Ran 6 tests in ' "$tmp/n.out" &&
		    grep -Eq '^(PASSED|FAILED) \(' "$tmp/n.out"; then
			pass "ulimit -n $_n $*: all 6 tests reported, exit $rc"
		else
			fail "ulimit -n $_n $*: all 6 tests reported, exit 0 or 1, or 2 if no worker started ($rc)"
			diag_file "$tmp/n.out" 10
			diag_file "$tmp/n.err" 10
		fi
		# Lines lost from test.log are noted there and on stderr.
		_lost=0
		grep -q 'lines of this test.s output were dropped' "$log" &&
		    _lost=1
		_said=0
		grep -q 'cannot keep all of a test' "$tmp/n.err" && _said=1
		dropped=$((dropped + _lost))
		grep -q 'could not be started: /bin/sh: ' "$tmp/n.err" &&
		    spawnfds=1
		check "ulimit -n $_n $*: lost lines are said ($_lost, $_said)" \
		    [ "$_lost" -eq "$_said" ]
		_n=$((_n + 1))
	done
}

# Local workers share the limit: workers, then tests, fail to start.
sweep 8 24
# Workers that raise their own limit: the manager's spill files fail.
# Not where a worker's start takes spare descriptors of its own (musl's
# posix_spawn makes a pipe to learn of a failed exec): a limit then
# stops the workers starting before it starves the spill files.
sweep 8 16 --worker-command "ulimit -S -n 256; exec '$DT' --worker"
if [ "$dropped" -eq 0 ] && [ "$spawnfds" -eq 1 ]; then
	skip "some limit cost a test's log lines" \
	    'a worker'"'"'s start here takes spare descriptors, so no limit starts the workers and then starves the spill files'
else
	check "some limit cost a test's log lines ($dropped did)" \
	    [ "$dropped" -gt 0 ]
fi

# More workers than the fd limit allows.
mkdir "$tmp/j"
i=0
while [ "$i" -lt 64 ]; do
	printf '#!/bin/sh\nexit 0\n' >"$tmp/j/t$i.sh"
	chmod +x "$tmp/j/t$i.sh"
	i=$((i + 1))
done
(ulimit -S -n 48 && cd "$tmp" && exec "$DT" -j64 j) >"$tmp/j.out" \
    2>"$tmp/j.err" </dev/null
rc=$?
check "-j64 under ulimit -n 48: the run passes ($rc)" [ "$rc" -eq 0 ]
check_line 'PASSED (successes=64)' "$tmp/j.out" '... every test ran'
check_egrep 'the run goes on with [0-9]+ of 64 workers$' "$tmp/j.err" \
    '... on fewer workers, saying so'

# A worker that dies while the manager is short of fds (a spill file
# holds one): the replacement cannot be started, the slot is retired
# with a warning, and the test left runs on the other worker.
suite r respawn
MGR_STATE=$tmp/r
export MGR_STATE
retired=0
n=9
while [ "$n" -le 12 ]; do
	rm -f "$tmp/r/big" "$tmp/r/c"
	(ulimit -S -n "$n" && cd "$tmp/r" && exec "$DT" -j2 \
	    --worker-command "ulimit -S -n 256; exec '$DT' --worker" \
	    respawn) >"$tmp/r.out" 2>"$tmp/r/err" </dev/null
	rc=$?
	# All 3 reported: the one whose worker died an error, exit 1; or,
	# where no worker could start at all (a start that takes spare
	# descriptors, as musl's), all 3 errors saying so, exit 2.
	whole=0
	grep -q '^Ran 3 tests in ' "$tmp/r.out" &&
	    grep -q '^FAILED (errors=1, successes=2)$' "$tmp/r.out" &&
	    whole=1.1
	grep -q '^Ran 3 tests in ' "$tmp/r.out" &&
	    grep -q '^FAILED (errors=3)$' "$tmp/r.out" &&
	    grep -q 'goes on with 0 of 2 workers$' "$tmp/r/err" &&
	    grep -q '^not run: no worker started' "$tmp/r.out" && whole=2.1
	check "respawn, ulimit -n $n: all 3 tests reported, exit 1 (or 2 if no worker started) ($rc)" \
	    [ "$rc.1" = "$whole" ]
	grep -q 'could not be started again.*its slot is retired' \
	    "$tmp/r/err" && retired=$((retired + 1))
	n=$((n + 1))
done
check "some limit left a worker that could not be started again ($retired)" \
    [ "$retired" -gt 0 ]

# test.log cannot be written past 100 KiB.
rm -rf "$tmp/d/_trial_temp"
(ulimit -f 200 && trap '' XFSZ && cd "$tmp/d" && exec "$DT" -j2 degrade) \
    >"$tmp/f.out" 2>"$tmp/f.err" </dev/null
rc=$?
check "test.log cannot be written: the run passes ($rc)" [ "$rc" -eq 0 ]
check_line 'PASSED (successes=6)' "$tmp/f.out" '... with every test'
check_grep 'cannot write test.log' "$tmp/f.err" '... and stderr says so'
done_testing
