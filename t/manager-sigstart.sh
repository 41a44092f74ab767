#!/bin/sh
# t/manager-sigstart.sh: signals as a run starts, beyond those of
# t/manager-signals.sh.  A signal that was ignored when disttrial started
# (SIGINT for a background job of a non-interactive sh) stays ignored.
# A signal that comes while an old temp directory is being emptied still
# releases the lock: the handlers are in place before the lock is taken.
# A signal while the tests are found (trial's loader importing them)
# ends in a report of no test and death by the signal, the loader
# killed and reaped, whether it comes before the lock or once the
# workers run; a run that fails meanwhile kills the loader too.
#
# hup/block.sh and lister/python (a PYTHON for --trial that hangs where
# trial's loader imports the tests) say "started" on $MGR_READY, the
# fifo that is also the manager's stdout: reading it up to "started" is
# the wait, and a manager that never starts them ends it with EOF.
# Where a check looks for workers (check_noprocs), disttrial is run as
# $DTS, a link in $tmp, which their arguments then hold.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh
[ -x t/lib/sigdfl ] || skip_all 'no t/lib/sigdfl (run make)'

suite h hup
mkfifo "$tmp/report" "$tmp/go"
MGR_READY=$tmp/report
export MGR_READY
mkdir "$tmp/bin"
ln -s "$DT" "$tmp/bin/disttrial"
DTS=$tmp/bin/disttrial

# finish NAME PID: the rest of the report, then the exit status in $rc.
finish() {
	cat >>"$tmp/$1.out"
	watched "$2"
	mask "$tmp/$1.out" >"$tmp/$1.m"
}

plan 32

# SIGINT ignored from the start (a plain & here): it stays ignored, and
# the run goes on to pass once the test is let go.
MGR_GO=$tmp/go
export MGR_GO
: >"$tmp/ign.out"
(cd "$tmp/h" && exec "$DT" -j1 hup) >"$tmp/report" 2>"$tmp/ign.err" \
    </dev/null &
pid=$!
watch "$pid"
{
	upto_started "$tmp/ign.out"
	if [ "$started" -eq 1 ]; then
		kill -s INT "$pid"
		# In the background: a test killed by the SIGINT never reads it.
		echo go >"$tmp/go" &
		gopid=$!
	fi
	finish ign "$pid"
} <"$tmp/report"
[ -n "${gopid-}" ] && kill "$gopid" 2>/dev/null
unset MGR_GO
check "an ignored SIGINT: the run passes ($rc)" [ "$rc" -eq 0 ]
check_egrep '^PASSED \(successes=1\)$' "$tmp/ign.m" '... and says so'

# SIGTERM as soon as the lock is taken, while 30,000 files of an old run
# are being removed.
old=$tmp/h/_trial_temp
mkdir -p "$old"
: >"$old/_trial_marker"
awk 'BEGIN { for (i = 0; i < 30000; i++) print "f" i }' |
    (cd "$old" && xargs touch)
MGR_READY=$tmp/ready.log
(cd "$tmp/h" && exec "$top/t/lib/sigdfl" "$DT" -j1 hup) >"$tmp/rm.out" \
    2>"$tmp/rm.err" </dev/null &
pid=$!
watch "$pid"
n=0
while [ ! -L "$old.lock" ] && [ "$n" -lt 1000000 ]; do
	n=$((n + 1))
done
kill -s TERM "$pid"
wait "$pid"
rc=$?
unwatch "$pid"
check "SIGTERM while emptying the old directory: exit 143 ($rc)" \
    [ "$rc" -eq 143 ]
check '... and the lock is released' [ ! -L "$old.lock" ]
check '... and the directory is still ours' [ -f "$old/_trial_marker" ]

# A signal while trial's loader runs.  lister NAME SIGNAL ARGS...: runs
# disttrial --trial ARGS in $tmp/l, on lister/python, workers as $DTS,
# and sends SIGNAL once the loader says "started"; finish as above.
mkdir "$tmp/l"
MGR_READY=$tmp/report
PYTHON=$mfx/lister/python
export PYTHON
lister() {
	_name=$1
	_sig=$2
	shift 2
	: >"$tmp/$_name.out"
	(cd "$tmp/l" && exec "$top/t/lib/sigdfl" "$DTS" --trial -j2 \
	    --worker-command "exec $DTS --worker" "$@") >"$tmp/report" \
	    2>"$tmp/$_name.err" </dev/null &
	_pid=$!
	watch "$_pid"
	{
		upto_started "$tmp/$_name.out"
		[ "$started" -eq 1 ] && kill -s "$_sig" "$_pid"
		finish "$_name" "$_pid"
	} <"$tmp/report"
}

# Before the lock: the loader has not yet given the Python path that the
# manager waits for before it starts the workers.
MGR_LISTER=none
export MGR_LISTER
lister l1 TERM pkg.tests
check 'SIGTERM while the loader runs, before the lock: it started' \
    [ "$started" -eq 1 ]
check "... exit 143 ($rc)" [ "$rc" -eq 143 ]
check_line "$(rule -)" "$tmp/l1.m" '... a report of no test (its footer)'
check_line 'disttrial: interrupted by SIGTERM while the tests were being found; no test ran' \
    "$tmp/l1.err" '... and stderr says what stopped it'
check_gone "... trial's loader is killed" lister.python
check '... and no lock is left' [ ! -L "$tmp/l/_trial_temp.lock" ]

# Once the workers run and the lock is held.
MGR_LISTER=path
lister l2 INT --reporter summary pkg.tests
check 'SIGINT while the loader runs, the workers started: it started' \
    [ "$started" -eq 1 ]
check "... exit 130 ($rc)" [ "$rc" -eq 130 ]
check_line 'Ran 0 tests in X.XXXs' "$tmp/l2.m" '... a report of no test'
check_line 'disttrial: interrupted by SIGINT while the tests were being found; no test ran' \
    "$tmp/l2.err" '... and stderr says what stopped it'
check_gone "... trial's loader is killed" lister.python
check '... the lock is released' [ ! -L "$tmp/l/_trial_temp.lock" ]
check_noprocs "$DTS" '... and no worker is left'

# Tests run while the loader still lists: one listed test runs (and
# says "started") while the listing never ends; a SIGINT then gives
# the report of that test, and the loader is killed.
MGR_LISTER=ids
MGR_TEST=$tmp/l/started.sh
export MGR_TEST
# shellcheck disable=SC2016 # $MGR_READY is the test's
printf '#!/bin/sh\necho started >"$MGR_READY"\n' >"$MGR_TEST"
chmod +x "$MGR_TEST"
lister l4 INT pkg.tests
check 'a test listed while the loader lists: it ran' [ "$started" -eq 1 ]
check "... SIGINT: exit 130 ($rc)" [ "$rc" -eq 130 ]
check_line 'Running 1 tests.' "$tmp/l4.m" \
    '... a report of the test listed so far'
check_line 'Ran 1 tests in X.XXXs' "$tmp/l4.m" \
    '... which ran (and may have had the interrupt as an error)'
check_line 'disttrial: interrupted by SIGINT while the tests were being found, 1 of them begun' \
    "$tmp/l4.err" '... and stderr says what stopped it'
check_gone "... trial's loader is killed" lister.python
check_noprocs "$DTS" '... and no worker is left'
unset MGR_TEST

# A run that cannot go on (its temp directory locked by a live process,
# this shell) while the loader runs: the loader goes with it.
MGR_READY=$tmp/ready.log
ln -s "$$" "$tmp/l/busy.lock"
(cd "$tmp/l" && exec "$DT" --trial -T busy --worker-command \
    "exec $DTS --worker" pkg.tests) >"$tmp/l3.out" 2>"$tmp/l3.err" </dev/null
rc=$?
check "a locked temp directory while the loader runs: exit 2 ($rc)" \
    [ "$rc" -eq 2 ]
check_grep 'temp directory busy is in use' "$tmp/l3.err" '... saying why'
check_gone "... and trial's loader is killed, not left running" \
    lister.python
unset PYTHON MGR_LISTER

# A worker starts with every signal at its default and none blocked,
# whatever the manager's: here the manager ignores SIGINT (a plain &),
# its worker does not, so a worker is never deaf to what stops its tests.
suite w wsig
(cd "$tmp/w" && exec "$DT" -j1 wsig) >"$tmp/wsig.out" 2>"$tmp/wsig.err" \
    </dev/null &
pid=$!
watch "$pid"
wait "$pid"
rc=$?
unwatch "$pid"
log=$tmp/w/_trial_temp/test.log
# bit MASKNAME N: whether the mask on the line "MASKNAME HEX" of test.log
# has bit N set (signal N + 1); false if the line is missing.
bit() {
	_m=$(sed -n "s/^$1 \([0-9a-fA-F]*\)$/\1/p" "$log")
	[ -n "$_m" ] && [ $(((0x$_m >> $2) & 1)) -eq 1 ]
}
if grep -q '^no /proc' "$log"; then
	for _d in 'the manager ignores SIGINT' '... its worker has a mask' \
	    '... but not SIGINT' '... and blocks no signal'; do
		skip "$_d" 'no /proc to read the masks from'
	done
else
	check "the manager ignores SIGINT, as started (exit $rc)" \
	    bit 'manager ignores' 1
	check_egrep '^worker ignores [0-9a-f]+$' "$log" '... its worker has a mask'
	if bit 'worker ignores' 1; then
		fail '... but not SIGINT'
		diag_file "$log" 10
	else
		pass '... but not SIGINT'
	fi
	b=$(sed -n "s/^worker blocks \([0-9a-fA-F]*\)$/\1/p" "$log")
	none=0
	[ -n "$b" ] && [ "$((0x$b))" -eq 0 ] && none=1
	check "... and blocks no signal (${b:-no mask})" [ "$none" -eq 1 ]
fi
done_testing
