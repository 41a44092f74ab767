#!/bin/sh
# t/worker-twistedmanager.sh: Twisted's own manager, trial -j as shipped
# (the system's Twisted, Debian 12's 22.4 in the old dialect, and 24.7 in
# the stream dialect), runs test programs on disttrial's worker.  The
# suite is t/fixtures/pyprograms/dtprograms.py, whose test ids are the
# programs' paths; Twisted's manager starts `disttrial --worker` where it
# would start its workertrial (t/lib/asworker).  Every outcome reaches
# Twisted's reporter with its kind and text, its counts are ours for the
# same tests, and it prints nothing on stderr: not even 22.4's note of
# an unhandled ProcessDone, which it printed in 5 runs of 6 when our
# worker ended as its reactor stopped (the worker now waits for such a
# manager to go: workertrial.c's linger).  Left out: an
# unexpected success, which Twisted's own -j reporter mishandles (its
# bug, in both versions: the status lands on a line of its own).  Skipped
# without a Python that has Twisted.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

peer system || skip_all "$why"
top=$(pwd -P)

PYTHONPATH=$(pwd -P)/t/fixtures/pyprograms
PYTHONDONTWRITEBYTECODE=1
ASWORKER_ARGS='--timeout 1'
export PYTHONPATH PYTHONDONTWRITEBYTECODE ASWORKER_ARGS

# The tests: one of each outcome, none of them an unexpected success.
for f in pass.sh skip77.sh hard99.sh fail1.sh sigkill.sh timeout.sh \
    noexec.sh tap-kinds.sh tap-badplan.sh \
    utf8-fail.sh bigtail.sh; do
	echo "$fx/$f"
done >"$tmp/programs"

# sections FILE: "ID<TAB>[KIND]<TAB>FIRST TEXT LINE" for each test id in
# each section of trial's report in FILE; its text's first line is its
# "Failure: CLASS: ..." line when it has one.
sections() {
	awk '
	function flush(   i, n) {
		if (kind == "")
			return
		for (n = nl; n > 0 && l[n] != ""; n--)
			;
		for (i = n + 1; i <= nl; i++)
			print l[i] "\t" kind "\t" first
	}
	BEGIN { for (i = 0; i < 79; i++) { eq = eq "="; dash = dash "-" } }
	$0 == eq || $0 == dash { flush(); kind = ""; first = ""; nl = 0; next }
	kind == "" && /^\[/ { kind = $0; next }
	kind != "" {
		l[++nl] = $0
		if (first == "" && $0 != "Traceback (most recent call last):")
			first = $0
	}
	' "$1"
}

# section ID KIND FIRST DESC: ID is in a section of that kind whose text
# begins so.
section() {
	check_line "$1	$2	$3" "$tmp/$v.sections" "$v: $4"
}

twcheck() {
	v=$twver
	twisted_trial -j2 --temp-directory="$tmp/$v.temp" dtprograms \
	    >"$tmp/$v.out" 2>"$tmp/$v.err"
	rc=$?
	check "Twisted $v's trial -j2 on our worker: exit 1 ($rc)" [ "$rc" -eq 1 ]
	check "... and nothing on its stderr" [ ! -s "$tmp/$v.err" ]
	[ ! -s "$tmp/$v.err" ] || diag_file "$tmp/$v.err" 20
	sections "$tmp/$v.out" >"$tmp/$v.sections"
	f=twisted.trial.unittest.FailTest
	section "$fx/skip77.sh" '[SKIPPED]' 'no widgets here' 'exit 77: a skip'
	section "$fx/hard99.sh" '[ERROR]' \
	    'Failure: builtins.RuntimeError: exited with status 99 (a hard error)' \
	    'exit 99: an error, RuntimeError, its text naming it'
	section "$fx/fail1.sh" '[FAIL]' "Failure: $f: exited with status 1" \
	    'exit 1: a failure, FailTest'
	section "$fx/sigkill.sh" '[ERROR]' \
	    'Failure: builtins.ChildProcessError: killed by signal 9 (SIGKILL)' \
	    'a signal: an error, ChildProcessError'
	section "$fx/timeout.sh" '[ERROR]' \
	    'Failure: builtins.TimeoutError: timed out after 1 s' \
	    'a time-out: an error, TimeoutError'
	section "$fx/noexec.sh" '[ERROR]' \
	    "Failure: builtins.OSError: cannot execute $fx/noexec.sh: Permission denied" \
	    'cannot execute: an error, OSError'
	section "$fx/tap-kinds.sh" '[FAIL]' "Failure: $f: not ok 2 - broken" \
	    'a failing TAP point: a failure'
	section "$fx/tap-kinds.sh" '[SKIPPED]' 'no database' 'a TAP SKIP: a skip'
	section "$fx/tap-kinds.sh" '[TODO]' "Reason: 'not yet'" \
	    'a TAP TODO: an expected failure'
	section "$fx/tap-badplan.sh" '[ERROR]' \
	    'Failure: builtins.ValueError: line 1: malformed plan: 1..-1' \
	    'a bad plan: an error, ValueError'
	check_grep "Failure: $f: exited with status 1" "$tmp/$v.out" \
	    'invalid UTF-8: its failure'
	check_line "bad $(printf '\357\277\275') byte" "$tmp/$v.out" \
	    '... with U+FFFD where the bad byte was'
	n=$(grep -c '^line [0-9]' "$tmp/$v.out")
	check_line 'line 0715 0000000000000000000000000000000000000000' \
	    "$tmp/$v.out" 'a failure text over 64 KiB: its first output line'
	case $v in
	22.*)
		check "... as much as one AMP value holds, in the old dialect ($n lines)" \
		    [ "$n" -gt 1200 ] && [ "$n" -lt 1285 ] ;;
	*)
		check "... to its last line, in the stream dialect ($n lines)" \
		    [ "$n" -eq 1285 ]
		check_line 'line 1999 0000000000000000000000000000000000000000' \
		    "$tmp/$v.out" '... which is there' ;;
	esac

	# The same tests under our manager: the same counts.
	# (dtrun runs in a directory of its own: the paths from the top.)
	# shellcheck disable=SC2046 # one path a line, no blanks
	dtrun "$v.dt" -j2 -t 1 $(sed "s|^|$top/|" "$tmp/programs")
	grep '^Running \|^Ran \|^PASSED\|^FAILED' "$tmp/$v.dt.m" >"$tmp/$v.dt.foot"
	mask "$tmp/$v.out" | grep '^Running \|^Ran \|^PASSED\|^FAILED' \
	    >"$tmp/$v.foot"
	check_same "$tmp/$v.dt.foot" "$tmp/$v.foot" \
	    "Twisted $v's footer counts what ours counts"

	# A bail out, on its own: our manager stops there, Twisted's goes on.
	echo "$fx/tap-bailout.sh" >"$tmp/programs.bail"
	DTPROGRAMS=$tmp/programs.bail twisted_trial -j1 \
	    --temp-directory="$tmp/$v.temp" dtprograms >"$tmp/$v.bail" 2>&1
	sections "$tmp/$v.bail" >"$tmp/$v.sections"
	section "$fx/tap-bailout.sh" '[ERROR]' \
	    'Failure: builtins.RuntimeError: Bail out! database went away' \
	    'a bail out: an error, RuntimeError, the bail out line first'
	# Every option trial's manager forwards to its workers reaches ours
	# untouched, and is taken: the run is as without them.
	printf '%s\n' "$fx/pass.sh" "$fx/fail1.sh" >"$tmp/programs.opts"
	rm -f "$tmp/argv"
	DTPROGRAMS=$tmp/programs.opts ASWORKER_ARGV=$tmp/argv twisted_trial \
	    -j2 --force-gc --disablegc --recursionlimit 2000 --reactor poll \
	    --without-module no_such_module --coverage \
	    --temp-directory="$tmp/$v.temp" dtprograms >"$tmp/$v.opts" \
	    2>"$tmp/$v.opts.err"
	rc=$?
	check "Twisted $v's trial -j2 with its worker options on our worker: exit 1 ($rc)" \
	    [ "$rc" -eq 1 ]
	for o in --force-gc --disablegc '--recursionlimit 2000' \
	    '--reactor poll' '--without-module no_such_module' --coverage; do
		check_egrep "(^| )$o( |\$)" "$tmp/argv" "... $o reached our worker"
	done
	check_line 'FAILED (failures=1, successes=1)' "$tmp/$v.opts" \
	    '... which ran both tests'
	check "... and nothing on its stderr" [ ! -s "$tmp/$v.opts.err" ]
	[ ! -s "$tmp/$v.opts.err" ] || diag_file "$tmp/$v.opts.err" 20
	check_gone "Twisted $v: no worker is left" asworker.worker
	check_gone "... nor a test" timeout.test
}

DTPROGRAMS=$tmp/programs
export DTPROGRAMS
twcheck
if peer 24.7; then
	twcheck
else
	skip 'Twisted 24.7, the stream dialect' "$why"
fi

done_testing
