#!/bin/sh
# t/worker-strays.sh: what a test leaves running, in its process group or
# not (a daemon's fork, setsid, fork; a child's setpgid), holding its
# output or not, is found (the worker is its reaper), named in a result
# of the test's own (a skip; an error with --leaks error, through
# Twisted's manager too), killed (SIGTERM, a grace, SIGKILL) and reaped
# before the Run is answered; a stray that holds the output stops being
# read after a short grace.  --timeout kills a hanging test's process
# group (SIGTERM, then SIGKILL) and is one Timeout error; no test
# process is ever left behind.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

# elapsed NAME TEST: how long the Run of TEST took, in ms.
elapsed() {
	sed -n "s|^elapsed testCase=$2 ms=||p" "$tmp/$1.out"
}

# Strays: each child would sleep for hours.
drive s -m -w 'exec ./disttrial --worker --timeout 3' "$fx/stray.sh" \
    "$fx/stray-stderr.sh" "$fx/stray-fail.sh" "$fx/stray-noterm.sh" \
    "$fx/stray-tap.sh" "$fx/slow-ok.sh"
o=$tmp/s.out
check_drive s 'strays: the worker keeps to the protocol'
check_line "$AS/stray.sh" "$o" \
    'a test that exits 0 leaving a child holding stdout is a success'
if [ "$reaper" -eq 1 ]; then
	# Named as it was before its exec (the test's sh) or during it,
	# on a machine slow enough.
	check_egrep "^AddSkip testName=$fx/stray.sh processes left behind reason=the test left 1 process running:\\\\npid [0-9]+, killed by SIGTERM: (sleep 31337|\\[sleep\\]|.*stray\\.sh)\$" \
	    "$o" '... and a skip that names the child, which SIGTERM killed'
	check_count 2 "testName=$fx/stray.sh" "$o" '... and nothing else'
else
	skipn 2 'a skip names the child'
fi
check_line 'TestWrite out=parent done' "$o" '... its output is logged'
n=$(grep -c '^TestWrite out=.*still held' "$o")
check "... a TestWrite says the output was still held, for each stray ($n)" \
    [ "$n" -eq 5 ]
check_gone '... the child is killed' stray.child
ms=$(elapsed s "$fx/stray.sh")
# Upper bounds are generous (a loaded machine is slow): they only tell
# "waited for a grace" from "waited for the child", which sleeps hours.
check "... and the Run is answered after a short grace, not the child ($ms ms)" \
    [ "$ms" -lt 10000 ]
check "... not at once (a grace of a few hundred ms: $ms ms)" \
    [ "$ms" -ge 100 ]

check_line "$AS/stray-stderr.sh" "$o" \
    'a child holding only stderr: a success'
check_gone '... the child is killed' stray-stderr.child
ms=$(elapsed s "$fx/stray-stderr.sh")
check "... after a short grace ($ms ms)" [ "$ms" -lt 10000 ]

check_grep "$AF/stray-fail.sh $TF fail=exited with status 1" \
    "$o" 'a failing test with a stray: a failure'
check_egrep "^$AF/stray-fail.sh .*fail=.*still held" \
    "$o" '... whose text notes the stray'
check_gone '... the child is killed' stray-fail.child

check_line "$AS/stray-noterm.sh" "$o" \
    'a stray that ignores SIGTERM: a success'
check_gone '... the child is killed all the same' stray-noterm.child
ms=$(elapsed s "$fx/stray-noterm.sh")
check "... soon ($ms ms)" [ "$ms" -lt 10000 ]

check_line "$AS/stray-tap.sh 1 - fine" "$o" \
    'a TAP file with a stray: its point'
check_nogrep "$AE/stray-tap.sh" "$o" \
    '... and no error for the file'
check_gone '... the child is killed' stray-tap.child

check_line "$AS/slow-ok.sh" "$o" \
    'a test that takes 1 s under --timeout 3 passes'

# recorded NAME: the pid a fixture recorded in $FIXTURE_PIDS/NAME.
# $SLEEP: how the strays of leave-*.sh are named (see below).
SLEEP='(.*sleep 3136[0-9]|\[sleep\])'
recorded() {
	cat "$FIXTURE_PIDS/$1" 2>/dev/null || echo none
}

# outofgroup: the checks of strays that leave the group (a reaper's).
outofgroup() {
	# Strays that leave the tests' process group, holding the test's
	# output or not.  Before the worker was their reaper, all four
	# outlived the run and a passing test's report said nothing of them.
	drive l -m -w 'exec ./disttrial --worker' "$fx/leave-daemon.sh" \
	    "$fx/leave-daemon-quiet.sh" "$fx/leave-group.sh" \
	    "$fx/leave-group-quiet.sh" "$fx/leave-tree.sh" "$fx/pass.sh"
	o=$tmp/l.out
	check_drive l 'out of the group: the worker keeps to the protocol'
	for k in daemon daemon-quiet group group-quiet; do
		p=$(recorded "leave-$k.stray")
		check_line "$AS/leave-$k.sh" "$o" "leave-$k.sh: the test passes"
		# Before it execs sleep, the stray runs t/lib/leave, whose
		# arguments end so too; in the middle of that exec it has
		# none, and is named as ps names it.
		check_egrep "^AddSkip testName=$fx/leave-$k.sh processes left behind reason=the test left 1 process running:\\\\npid $p, killed by SIGTERM: $SLEEP\$" \
		    "$o" "... a skip names its stray, pid $p, and how it ended"
		check_egrep "^TestWrite out=disttrial: left running by the test: pid $p, killed by SIGTERM: $SLEEP\$" \
		    "$o" '... so does test.log'
		check_gone '... which is gone after the run' "leave-$k.stray"
	done
	check_grep "TestWrite out=disttrial: something the test left running still held its output after it exited" \
	    "$o" 'a stray that held the output: the note says so'
	check_nogrep 'process group was killed' "$o" \
	    '... and no longer that the group was killed'

	p=$(recorded leave-tree.stray)
	c=$(recorded leave-tree.child)
	check_line "$AS/leave-tree.sh" "$o" \
	    'a daemon with a child, both ignoring SIGTERM: the test passes'
	# The child may be named as it was before its exec (sh), or
	# during it.
	check_egrep "^AddSkip testName=$fx/leave-tree.sh processes left behind reason=the test left 2 processes running:\\\\npid $p, killed by SIGKILL: sh -c .*\\\\npid $c, (killed by|gone after) SIGKILL: (sleep 31366|\[sleep\]|sh -c .*)\$" \
	    "$o" "... a skip names both, $p and $c, killed by SIGKILL"
	check_gone '... which are gone' leave-tree.stray leave-tree.child
	ms=$(elapsed l "$fx/leave-tree.sh")
	check "... after the grace for SIGTERM, not their sleep ($ms ms)" \
	    [ "$ms" -lt 10000 ]
	check_count 1 "testName=$fx/pass.sh" "$o" \
	    'a test that leaves nothing: its one result, no skip'

	# --leaks error: what a test left is an error of its own.
	drive e -w 'exec ./disttrial --worker --leaks error' \
	    "$fx/leave-group.sh" "$fx/leave-daemon-quiet.sh" "$fx/pass.sh"
	o=$tmp/e.out
	check_drive e '--leaks error: the worker keeps to the protocol'
	for k in group daemon-quiet; do
		p=$(recorded "leave-$k.stray")
		check_line "$AS/leave-$k.sh" "$o" "leave-$k.sh: the test passes"
		check_egrep "^AddError testName=$fx/leave-$k.sh processes left behind $EC=builtins.ResourceWarning error=the test left 1 process running:\\\\npid $p, killed by SIGTERM: $SLEEP frames=0\$" \
		    "$o" "... and what it left, pid $p, is an error, ResourceWarning"
		check_gone '... gone' "leave-$k.stray"
	done
	check_nogrep "$AE/pass.sh" "$o" '... a test that leaves nothing: no error'

	# A worker that ends in the middle of a test (here the test sends
	# it SIGTERM) kills what the test left out of the group too.
	drive k -w 'exec ./disttrial --worker' "$fx/leave-term.sh"
	check_line 'exit 0' "$tmp/k.out" 'a worker sent SIGTERM mid-test exits 0'
	check_gone '... its test is killed' leave-term.test
	check_gone '... and so is the daemon the test left' leave-term.stray

	# Twisted's own manager (trial -j1, t/lib/asworker) takes the
	# result: a skip, or with --leaks error an error, each naming the
	# stray.
	if peer system; then
		PYTHONPATH=$(pwd -P)/t/fixtures/pyprograms
		PYTHONDONTWRITEBYTECODE=1
		DTPROGRAMS=$tmp/programs
		export PYTHONPATH PYTHONDONTWRITEBYTECODE DTPROGRAMS ASWORKER_ARGS
		echo "$fx/leave-daemon.sh" >"$tmp/programs"
		for ASWORKER_ARGS in '--leaks warn' '--leaks error'; do
			twisted_trial -j1 --temp-directory="$tmp/tw.temp" \
			    dtprograms >"$tmp/tw.out" 2>"$tmp/tw.err"
			p=$(recorded leave-daemon.stray)
			case $ASWORKER_ARGS in
			*warn)
				check_line 'PASSED (skips=1, successes=1)' \
				    "$tmp/tw.out" \
				    "Twisted $twver's trial -j, $ASWORKER_ARGS: a skip"
				printf '%s\n' '[SKIPPED]' \
				    'the test left 1 process running:' >"$tmp/tw.want"
				;;
			*)
				check_line 'FAILED (errors=1, successes=1)' \
				    "$tmp/tw.out" \
				    "Twisted $twver's trial -j, $ASWORKER_ARGS: an error"
				printf '%s%s\n' 'Failure: builtins.ResourceWarning: ' \
				    'the test left 1 process running:' \
				    >"$tmp/tw.want"
				;;
			esac
			check_block "$tmp/tw.want" "$tmp/tw.out" '... saying so'
			check_egrep "^pid $p, killed by SIGTERM: $SLEEP\$" \
			    "$tmp/tw.out" '... naming the stray, and how it ended'
			check_gone '... which is gone' leave-daemon.stray
		done
	else
		skipn 8 "Twisted's manager takes what a test left" "$why"
	fi
}
if [ "$reaper" -eq 1 ]; then
	outofgroup
else
	skipn 43 'strays out of the group'
fi
check_exit 2 '--worker --leaks bogus: a usage error' \
    ./disttrial --worker --leaks bogus 2>/dev/null

# Time-outs.
drive t -m -w 'exec ./disttrial --worker --timeout 1' "$fx/timeout.sh" \
    "$fx/timeout-noterm.sh" "$fx/timeout-child.sh" "$fx/timeout-tap.sh"
o=$tmp/t.out
check_drive t 'time-outs: the worker keeps to the protocol'
check_grep "$AE/timeout.sh $EC_TIMEOUT error=timed out after 1 s${OUT}before the hang" \
    "$o" 'a hanging test is a Timeout error "timed out after 1 s", with output'
check_count 1 "testName=$fx/timeout.sh" "$o" '... its only result'
check_gone '... and it is killed' timeout.test
ms=$(elapsed t "$fx/timeout.sh")
check "... after the time-out ($ms ms)" [ "$ms" -ge 950 ]
check "... promptly ($ms ms)" [ "$ms" -lt 10000 ]

check_grep "$AE/timeout-noterm.sh $EC_TIMEOUT error=timed out after 1 s" \
    "$o" 'a hanging test that ignores SIGTERM: a Timeout error'
check_gone '... killed with SIGKILL after a grace, its child too' \
    timeout-noterm.test timeout-noterm.child
check_nogrep "timeout-noterm.sh processes left behind" "$o" \
    '... which the time-out signalled: not named as left behind'
ms=$(elapsed t "$fx/timeout-noterm.sh")
check "... a short grace ($ms ms)" [ "$ms" -lt 10000 ]

check_grep "$AE/timeout-child.sh $EC_TIMEOUT error=timed out after 1 s" \
    "$o" 'a hanging test whose child ignores SIGTERM: a Timeout error'
check_count 1 "testName=$fx/timeout-child.sh" "$o" \
    '... its only result: the child the time-out signalled is no leak'
check_gone '... and the child is killed all the same' timeout-child.child

check_line "$AS/timeout-tap.sh 1 - first" "$o" \
    'a hanging TAP file: the point it printed counts'
check_grep "$AE/timeout-tap.sh $EC_TIMEOUT error=" \
    "$o" '... and the file gets a Timeout error'
check_egrep "^$AE/timeout-tap.sh .*timed out after 1 s" \
    "$o" '... saying "timed out after 1 s"'
check_count 1 "$AE/timeout-tap.sh" "$o" '... only one'
check_gone '... and it is killed' timeout-tap.test

drive f -m -w 'exec ./disttrial --worker --timeout 0.5' "$fx/timeout-frac.sh"
o=$tmp/f.out
check_drive f 'a fractional time-out: the protocol is kept'
check_grep "$AE/timeout-frac.sh $EC_TIMEOUT error=timed out after 0.5 s" \
    "$o" '--timeout 0.5 is "timed out after 0.5 s"'
ms=$(elapsed f "$fx/timeout-frac.sh")
check "... after half a second ($ms ms)" [ "$ms" -ge 450 ]
check_gone '... and it is killed' timeout-frac.test

done_testing
