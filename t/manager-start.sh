#!/bin/sh
# t/manager-start.sh: a worker is given a test only once it has answered
# Start, so a worker that never starts (an srun waiting in the queue
# behind the run's own jobs, a step that cannot be placed) holds no test
# and cannot hang the run.  One that has not answered within
# --start-timeout is given up: SIGTERM first (srun then cancels its
# step), its slot retired with a warning naming its launcher and its
# last words on stderr; if no worker ever starts, every test is an error
# saying why, exit 2.  Workers that started run the suite without it,
# and the run ends once they are done: the one still starting is told
# to go, SIGTERM first.  Each fake worker records its pid, and the
# signal it got, by its slot.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

# A launcher that never starts its worker: it says so on stderr, keeps
# the AMP descriptors, and notes a SIGTERM before it goes.
# shellcheck disable=SC2016 # expanded by the worker command's sh
queued='echo $$ >>"$FIXTURE_PIDS/queued.$DISTTRIAL_WORKER"
	trap '\''echo TERM >>"$FIXTURE_PIDS/sig.$DISTTRIAL_WORKER"; exit 0'\'' TERM
	echo "srun: job 31415 queued and waiting for resources" >&2
	sleep 31482 & wait'

# No worker ever starts.
suite q pass
dtrun q -j1 --start-timeout 1 --worker-command "$queued" pass
check "no worker starts: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_line 'FAILED (errors=3)' "$tmp/q.m" '... each of the 3 tests an error'
# shellcheck disable=SC2016 # the launcher's words, as they are
check_egrep '^not run: no worker started \(the last: worker 0 did not answer Start within [0-9]+ s \(started by echo \$\$ >>"\$FIXTURE_PIDS/queued\.\$DISTTRIAL_WORKER" trap .*\.\.\.\); its stderr: srun: job 31415 queued and waiting for resources\)$' \
    "$tmp/q.m" '... saying why: no answer to Start, its launcher on one line, its words'
check_egrep '^disttrial: worker 0 did not answer Start within [0-9]+ s .*; its slot is retired$' \
    "$tmp/q.err" '... its slot retired, on stderr'
check_grep 'disttrial: no worker started: the run could not go on' \
    "$tmp/q.err" '... and that no worker started'
n=$(sed -n 's/^disttrial: worker 0 did not answer Start within \([0-9]*\) s.*/\1/p' \
    "$tmp/q.err")
# Only a lower bound: a loaded machine may take longer, never shorter.
check "... not before the time-out (${n:-?} s)" [ "${n:-0}" -ge 1 ]
check_line TERM "$FIXTURE_PIDS/sig.0" '... it got SIGTERM first'
check_gone '... and it is gone' queued.0
check '... the lock is released' [ ! -L "$tmp/q/_trial_temp.lock" ]

# Worker 1 never starts; worker 0 runs every test.  The run does not
# wait for the start time-out (300 s by default; the watchdog of this
# file would kill it after 30).
suite s env
dtrun s -j2 --worker-command \
    "if [ \"\$DISTTRIAL_WORKER\" = 1 ]; then $queued; fi; exec '$DT' --worker" \
    env
check "a worker that never starts beside one that does: exit 0 ($rc)" \
    [ "$rc" -eq 0 ]
check_line 'PASSED (successes=4)' "$tmp/s.m" '... every test passed'
n=$(grep -c ' worker=0$' "$tmp/s/_trial_temp/test.log")
check "... all 4 on worker 0 ($n)" [ "$n" -eq 4 ]
check_nogrep ' worker=1$' "$tmp/s/_trial_temp/test.log" '... none on worker 1'
check_line TERM "$FIXTURE_PIDS/sig.1" '... which got SIGTERM at the end'
check_gone '... and is gone' queued.1

# A worker that started and then went once its Run came: the error
# says why in its launcher's own words (here slurmstepd's, which sat
# unread in err.log while the error said only "exited with status 0").
suite c pass
dtrun c -j1 --worker-command "$answerstart"'
    echo "slurmstepd: error: *** STEP 12.0 ON n1 CANCELLED DUE TO TIME LIMIT ***" >&2
    dd bs=1 count=1 <&3 >/dev/null 2>&1; exit 0' pass/a.sh
check "a worker cancelled while running a test: exit 1 ($rc)" [ "$rc" -eq 1 ]
check_line 'worker 0 exited with status 0 while running pass/a.sh; its stderr: slurmstepd: error: *** STEP 12.0 ON n1 CANCELLED DUE TO TIME LIMIT ***' \
    "$tmp/c.m" "... its test's error quotes the launcher's last words"

# The option.
dtrun q -j1 --start-timeout 0 pass
check "--start-timeout 0: a usage error ($rc)" [ "$rc" -eq 2 ]
check_grep "disttrial: --start-timeout needs a positive number of seconds, not '0'" \
    "$tmp/q.err" '... saying so'

done_testing
