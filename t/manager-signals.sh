#!/bin/sh
# t/manager-signals.sh: SIGINT, SIGTERM or SIGHUP (a closed terminal, a
# dropped ssh) to the manager (its pid alone) while a test runs: the
# manager kills every test and worker, prints the partial report, says on
# stderr how many tests did not run, releases the lock and dies by the
# signal (exit 130, 143 or 129).
#
# sig/b-block.sh records its pid and its background child's (check_gone),
# says "started" on $MGR_READY, the fifo that is also the manager's
# stdout, and blocks; reading that fifo up to "started" is the wait, and
# a manager that never starts the test ends it with EOF.  disttrial is
# run as $DTS, a link in $tmp, so that its workers, this program run again
# with the manager's argv[0], carry this run's $tmp in them
# (check_noprocs).  It is started through t/lib/sigdfl: as a background
# job of sh it would ignore SIGINT, and a signal ignored at start stays
# ignored.
#
# The same while the report's stdout is a full pipe (disttrial | less,
# less paused): the signal ends the blocked write, and the run ends as
# for any signal.  The reader of that fifo (a sh, waiting for a line on
# $tmp/go before it reads) reads nothing until the manager is gone.
# fullpipe/b-block.sh and c-many.sh then say "started" on $tmp/ready,
# which the manager holds open (fd 3, replaced by the socket in its
# workers), so that reading it ends at the manager's exit.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh
[ -x t/lib/sigdfl ] || skip_all 'no t/lib/sigdfl (run make)'

suite g sig
mkfifo "$tmp/report"
MGR_READY=$tmp/report
export MGR_READY
mkdir "$tmp/bin"
ln -s "$DT" "$tmp/bin/disttrial"
DTS=$tmp/bin/disttrial

# interrupt NAME SIGNAL ARGS...: runs disttrial ARGS in $tmp/g, sends
# SIGNAL to it once b-block.sh has started, and waits: $rc is its exit
# status, $tmp/NAME.out the report (without "started"), $tmp/NAME.err
# its stderr, $started 1 if the test started.
interrupt() {
	_name=$1
	_sig=$2
	shift 2
	: >"$tmp/$_name.out"
	(cd "$tmp/g" && exec "$top/t/lib/sigdfl" "$DTS" "$@") >"$tmp/report" \
	    2>"$tmp/$_name.err" </dev/null &
	_pid=$!
	watch "$_pid"
	{
		upto_started "$tmp/$_name.out"
		[ "$started" -eq 1 ] && kill -s "$_sig" "$_pid"
		cat >>"$tmp/$_name.out"
	} <"$tmp/report"
	watched "$_pid"
	mask "$tmp/$_name.out" >"$tmp/$_name.m"
}

for sig in INT TERM HUP; do
	case $sig in
	INT) want=130 ;;
	TERM) want=143 ;;
	HUP) want=129 ;;
	esac
	interrupt "$sig" "$sig" -j1 sig
	check "SIG$sig, -j1: the test started" [ "$started" -eq 1 ]
	check "SIG$sig, -j1: exit $want ($rc)" [ "$rc" -eq "$want" ]
	check_line 'Running 3 tests.' "$tmp/$sig.m" \
	    "SIG$sig, -j1: the report begins"
	check_egrep '^sig/a-pass\.sh \.\.\. +\[OK\]$' "$tmp/$sig.m" \
	    "SIG$sig, -j1: the test that ran before is reported"
	check_egrep '^sig/b-block\.sh \.\.\. +\[ERROR\]$' "$tmp/$sig.m" \
	    "SIG$sig, -j1: the interrupted test is an [ERROR]"
	check_grep "the run was interrupted (SIG$sig)" "$tmp/$sig.m" \
	    "SIG$sig, -j1: ... saying why"
	check_nogrep 'c-pass.sh' "$tmp/$sig.m" \
	    "SIG$sig, -j1: the test after it did not run"
	check_line 'Ran 2 tests in X.XXXs' "$tmp/$sig.m" \
	    "SIG$sig, -j1: the footer counts the 2 tests that ran"
	check_egrep '^FAILED \(' "$tmp/$sig.m" "SIG$sig, -j1: the run FAILED"
	check_line "disttrial: interrupted by SIG$sig; 1 of 3 tests did not run" \
	    "$tmp/$sig.err" "SIG$sig, -j1: stderr says so"
	check "SIG$sig, -j1: the lock is released" \
	    [ ! -L "$tmp/g/_trial_temp.lock" ]
	check_gone "SIG$sig, -j1: the test is killed" b-block.test
	check_gone "SIG$sig, -j1: ... and its background process" b-block.child
	check_noprocs "$DTS" "SIG$sig, -j1: no worker is left"
	check_nogrep 'c-pass.sh' "$tmp/g/_trial_temp/test.log" \
	    "SIG$sig, -j1: c-pass.sh was never started"
done

# --junit-xml: an interrupted run still writes the file whole.
interrupt ju TERM -j1 --junit-xml "$tmp/ju.xml" sig
check "SIGTERM with --junit-xml: exit 143 ($rc)" [ "$rc" -eq 143 ]
check_grep '<testsuites tests="2" failures="0" errors="1" skipped="0"' \
    "$tmp/ju.xml" '... the JUnit file holds the two tests that ran'
check_grep '</testsuites>' "$tmp/ju.xml" '... whole'
if command -v python3 >/dev/null 2>&1; then
	check "... and an XML parser reads it" python3 -c \
	    'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' \
	    "$tmp/ju.xml"
fi

# -j2: the other worker is stopped too; nothing is left running.
interrupt j2 INT -j2 sig
check 'SIGINT, -j2: the test started' [ "$started" -eq 1 ]
check "SIGINT, -j2: exit 130 ($rc)" [ "$rc" -eq 130 ]
check_egrep '^Ran [1-3] tests in X\.XXXs$' "$tmp/j2.m" \
    'SIGINT, -j2: a partial report'
check_egrep '^disttrial: interrupted by SIGINT; [0-9]+ of 3 tests did not run$' \
    "$tmp/j2.err" 'SIGINT, -j2: stderr says so'
check 'SIGINT, -j2: the lock is released' [ ! -L "$tmp/g/_trial_temp.lock" ]
check_gone 'SIGINT, -j2: the test is killed' b-block.test
check_gone 'SIGINT, -j2: ... and its background process' b-block.child
check_noprocs "$DTS" 'SIGINT, -j2: no worker is left (each is the link run with --worker)'

# blocked PID: where /proc shows it, waits until PID is blocked in a
# write to a pipe (its wchan names pipe_write), so that the signal finds
# the report's write blocked rather than coming before it; diagnostics
# say which.  A bounded wait: the run must end by the signal either way.
blocked() {
	# This shell, waiting for cat, has a wchan unless none is shown.
	case $(cat "/proc/$$/wchan" 2>/dev/null) in
	'' | 0)
		diag 'no /proc wchan: the signal may come before the write blocks'
		return
		;;
	esac
	_try=0
	while [ "$_try" -lt 40 ]; do
		case $(cat "/proc/$1/wchan" 2>/dev/null) in
		*pipe_write*)
			diag 'the manager is blocked writing the report'
			return
			;;
		esac
		_try=$((_try + 1))
		[ "$_try" -gt 20 ] && sleep 1
	done
	diag 'the manager did not block writing within 20 s'
}

# fullpipe NAME SIGNAL WAIT ARGS...: runs disttrial ARGS in $tmp/f, its
# stdout the full pipe, and sends SIGNAL once a test says "started"
# (and, WAIT being 1, once blocked says so); $rc is its exit status,
# $tmp/NAME.err its stderr, $tmp/NAME.out what the pipe held.
fullpipe() {
	_name=$1
	_sig=$2
	_wait=$3
	shift 3
	# shellcheck disable=SC2016 # $1 is the inner sh's
	sh -c 'read -r _ <"$1"; exec cat' sh "$tmp/go" <"$tmp/full" \
	    >"$tmp/$_name.out" &
	_reader=$!
	(cd "$tmp/f" && exec "$top/t/lib/sigdfl" "$DTS" "$@" 3>"$tmp/ready") \
	    >"$tmp/full" 2>"$tmp/$_name.err" </dev/null &
	_pid=$!
	watch "$_pid"
	{
		upto_started /dev/null
		if [ "$started" -eq 1 ]; then
			[ "$_wait" -eq 1 ] && blocked "$_pid"
			kill -s "$_sig" "$_pid"
		fi
		cat >/dev/null
	} <"$tmp/ready"
	watched "$_pid"
	echo go >"$tmp/go"
	wait "$_reader"
}

# check_fullpipe NAME SIG STATUS NTESTS: the checks of a run that
# fullpipe stopped with SIGSIG.
check_fullpipe() {
	check "$1: the test started" [ "$started" -eq 1 ]
	check "$1: exit $3, death by SIG$2 ($rc)" [ "$rc" -eq "$3" ]
	check_egrep "^disttrial: interrupted by SIG$2; [0-9]+ of $4 tests did not run\$" \
	    "$tmp/$1.err" "$1: stderr says so"
	check "$1: the lock is released" [ ! -L "$tmp/f/_trial_temp.lock" ]
	check_gone "$1: the test is killed" fullpipe.test
	check_gone "$1: ... and its background process" fullpipe.child
	check_noprocs "$DTS" "$1: no worker is left"
	check_line "Running $4 tests." "$tmp/$1.out" \
	    "$1: the reader got what the pipe held: the report's start"
}

suite f fullpipe
mkfifo "$tmp/full" "$tmp/go" "$tmp/ready"
MGR_READY=$tmp/ready
# A signal while the manager is blocked writing a-big.sh's 1.6 MB
# block, b-block.sh running.
for sig in INT TERM HUP; do
	case $sig in
	INT) want=130 ;;
	TERM) want=143 ;;
	HUP) want=129 ;;
	esac
	fullpipe "full$sig" "$sig" 1 -j2 fullpipe/a-big.sh fullpipe/b-block.sh
	check_fullpipe "full$sig" "$sig" "$want" 2
done
# A signal before the manager writes c-many.sh's block of 20,000
# points (held until the test ends, which the signal brings): that
# write must not wait either.
fullpipe fullmany TERM 0 -j1 fullpipe/c-many.sh
check_fullpipe fullmany TERM 143 1

done_testing
