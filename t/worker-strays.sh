#!/bin/sh
# t/worker-strays.sh: children a test leaves holding its output are killed
# after a short grace (noted, not an error); --timeout kills a hanging
# test's process group (SIGTERM, then SIGKILL) and is one Timeout error;
# no test process is ever left behind.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

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
check_count 1 "testName=$fx/stray.sh" "$o" '... and nothing else'
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

# Time-outs.
drive t -m -w 'exec ./disttrial --worker --timeout 1' "$fx/timeout.sh" \
    "$fx/timeout-noterm.sh" "$fx/timeout-tap.sh"
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
ms=$(elapsed t "$fx/timeout-noterm.sh")
check "... a short grace ($ms ms)" [ "$ms" -lt 10000 ]

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
