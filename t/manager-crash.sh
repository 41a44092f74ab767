#!/bin/sh
# t/manager-crash.sh: workers that die or talk nonsense.  The test a
# worker was running gets exactly one [ERROR] (builtins.ConnectionError)
# naming the cause, the worker is replaced, every other test is
# reported once, and nothing is left running.  A slot whose workers
# keep dying is retired; when all are, the tests left are errors.  Also
# --worker-command with disttrial's own worker.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite k crash dying pass

# b-kill.sh SIGKILLs its worker and leaves a child behind (its pid in
# $FIXTURE_PIDS/b-kill.child).
{
	echo 'Running 5 tests.'
	treeline crash/a.sh '[OK]'
	treeline crash/b-kill.sh '[ERROR]'
	treeline crash/c.sh '[OK]'
	treeline crash/d.sh '[OK]'
	treeline crash/e.sh '[OK]'
	echo
	rule '='
	echo '[ERROR]'
	echo 'worker 0 was killed by signal 9 (SIGKILL) while running crash/b-kill.sh'
	echo
	echo 'crash/b-kill.sh'
	rule '-'
	echo 'Ran 5 tests in X.XXXs'
	echo
	echo 'FAILED (errors=1, successes=4)'
} >"$tmp/k.want"
dtrun k -j1 crash
check "a worker killed mid-test: the run exits 1 ($rc)" [ "$rc" -eq 1 ]
check_same "$tmp/k.want" "$tmp/k.m" \
    '-j1: one [ERROR] for its test, every other test reported (the whole report)'
check_gone '... the killed test left nothing running' b-kill.child
check '... the lock is released' [ ! -L "$tmp/k/_trial_temp.lock" ]
# The worker sends a test's banner before the test exists, so even a
# test that kills its worker at once is named in test.log.
check_line '--> crash/b-kill.sh <--' "$tmp/k/_trial_temp/test.log" \
    "... and test.log has its banner, though it killed its worker"

dtrun k -j3 crash
check "-j3: the run exits 1 ($rc)" [ "$rc" -eq 1 ]
check_count 1 'crash/b-kill.sh ...' "$tmp/k.m" '-j3: b-kill.sh is reported once'
check_egrep '^crash/b-kill\.sh \.\.\. +\[ERROR\]$' "$tmp/k.m" '... as an [ERROR]'
check_egrep '^worker [0-2] was killed by signal 9 \(SIGKILL\) while running crash/b-kill\.sh$' \
    "$tmp/k.m" '... naming the worker, the signal and the test'
for t in a c d e; do
	check_count 1 "crash/$t.sh ..." "$tmp/k.m" "-j3: $t.sh is reported once"
done
check_count 5 ' ...  ' "$tmp/k.m" '-j3: five results in all'
check_line 'FAILED (errors=1, successes=4)' "$tmp/k.m" '-j3: the counts'
check_line 'Ran 5 tests in X.XXXs' "$tmp/k.m" '-j3: 5 tests ran'
check_gone '-j3: nothing left running' b-kill.child

# Every test kills its worker: a slot is retired after its 6th failure
# (replaced 5 times), and the tests left are errors saying why.
dtrun k -j1 dying
check "workers that keep dying: the run ends, exit 1 ($rc)" [ "$rc" -eq 1 ]
for i in 1 2 3 4 5 6; do
	check_line "worker 0 was killed by signal 9 (SIGKILL) while running dying/t$i.sh" \
	    "$tmp/k.m" "t$i.sh: its worker's death is its error"
done
check_line 'not run: every worker kept dying (the last: worker 0 was killed by signal 9 (SIGKILL) while running dying/t6.sh)' \
    "$tmp/k.m" 't7.sh and t8.sh: not run, saying why'
awk '/^not run: every worker kept dying/ { getline; getline a; getline b
	print a; print b }' "$tmp/k.m" >"$tmp/notrun"
printf '%s\n' dying/t7.sh dying/t8.sh >"$tmp/notrun.want"
check_same "$tmp/notrun.want" "$tmp/notrun" '... both in that section'
check_line 'FAILED (errors=8)' "$tmp/k.m" '... 8 errors in all'
check_grep 'retired' "$tmp/k.err" '... stderr says the slot was retired'

# A worker command that sends garbage, then reads its AMP input: it never
# starts, so it is given no test; it is replaced and its slot retired;
# each test is an error saying no worker started and why, exit 2.  Each
# worker records its pid.
# shellcheck disable=SC2016 # expanded by the worker command's sh
dtrun k -j1 --worker-command \
    'echo $$ >>"$FIXTURE_PIDS/garbage.worker"; printf "this is not AMP" >&4; exec cat <&3 >/dev/null' \
    pass
check "a worker sending garbage: the run ends, exit 2 ($rc)" [ "$rc" -eq 2 ]
for t in a.sh b.sh c.t; do
	check_egrep "^pass/$t \\.\\.\\. +\\[ERROR\\]\$" "$tmp/k.m" \
	    "pass/$t is an [ERROR]"
done
check_egrep '^not run: no worker started \(the last: worker 0 sent bytes that are not AMP \(.+\); it was killed\)$' \
    "$tmp/k.m" '... saying no worker started: it sent bytes that are not AMP'
check_line 'FAILED (errors=3)' "$tmp/k.m" '... 3 errors'
check_grep 'disttrial: no worker started: the run could not go on' \
    "$tmp/k.err" '... and so on stderr'
check_gone '... and the garbage workers are gone' garbage.worker

# A worker command that exits, or cannot be run: the same, with its
# status and its last words on stderr.
dtrun k -j1 --worker-command 'echo bye >&2; exit 3' pass/a.sh
check "a worker that exits 3: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_line 'not run: no worker started (the last: worker 0 exited with status 3 before it answered Start; its stderr: bye)' \
    "$tmp/k.m" '... its test says "worker 0 exited with status 3", and its stderr'
dtrun k -j1 --worker-command 'no-such-command-31463' pass/a.sh
check "a worker command not found: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_egrep '^not run: no worker started \(the last: worker 0 exited with status 127 before it answered Start; its stderr: .*no-such-command-31463.*\)$' \
    "$tmp/k.m" '... its test says "worker 0 exited with status 127", and why'

# --worker-command with disttrial's own worker: the same report.
dtrun k -j1 --worker-command "exec '$DT' --worker" pass
check "--worker-command 'disttrial --worker': passes ($rc)" [ "$rc" -eq 0 ]
check_same "$mfx/expected/pass.j1" "$tmp/k.m" '... the same report'
dtrun k -j2 --worker-command "exec '$DT' --worker --stdio <&3 >&4" pass
check "--worker-command 'disttrial --worker --stdio <&3 >&4': passes ($rc)" \
    [ "$rc" -eq 0 ]
check_sorted "$mfx/expected/pass.j1" "$tmp/k.m" '... the same report'
dtrun k -j2 --worker-command \
    "echo \"out of \$DISTTRIAL_WORKER\"; echo \"err of \$DISTTRIAL_WORKER\" >&2; exec '$DT' --worker" \
    pass
check "a worker command that writes to stdout and stderr passes ($rc)" \
    [ "$rc" -eq 0 ]
for n in 0 1; do
	check_line "out of $n" "$tmp/k/_trial_temp/$n/out.log" \
	    "worker $n: its stdout is $n/out.log, DISTTRIAL_WORKER=$n"
	check_line "err of $n" "$tmp/k/_trial_temp/$n/err.log" \
	    "worker $n: its stderr is $n/err.log"
done
check_nogrep 'of ' "$tmp/k.out" "... and neither reaches the report"

done_testing
