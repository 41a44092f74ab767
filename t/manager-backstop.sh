#!/bin/sh
# t/manager-backstop.sh: with --timeout, a worker that never answers a
# Run is killed once the time-out and a margin (1 s of kill grace, 5 s
# more) have passed; its test gets one error (the worker was lost) and
# the run ends instead of hanging.  The worker here answers Start and
# then nothing at all: it holds the AMP descriptors open and sleeps, its
# pid recorded in $FIXTURE_PIDS/silent.worker.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite b pass
# shellcheck disable=SC2016 # expanded by the worker command's sh
dtrun b -j1 -t 0.1 --worker-command "$answerstart"'
    echo $$ >>"$FIXTURE_PIDS/silent.worker"; exec sleep 31481' pass/a.sh
check "a worker that never answers: the run ends, exit 1 ($rc)" [ "$rc" -eq 1 ]
check_egrep '^pass/a\.sh \.\.\. +\[ERROR\]$' "$tmp/b.m" \
    '... its test is an [ERROR]'
check_egrep '^worker 0 did not answer the Run of pass/a\.sh within [0-9]+ s; it was killed$' \
    "$tmp/b.m" '... saying the worker did not answer the Run in time'
# Only a lower bound: a loaded machine may take longer, never shorter.
n=$(sed -n 's/^worker 0 did not answer the Run of pass\/a\.sh within \([0-9]*\) s; it was killed$/\1/p' "$tmp/b.m")
check "... not before the time-out and its margin, 6.1 s (${n:-?} s)" \
    [ "${n:-0}" -ge 6 ]
check_line 'FAILED (errors=1)' "$tmp/b.m" '... and only that error'
check_gone '... the silent worker is gone' silent.worker
check '... the lock is released' [ ! -L "$tmp/b/_trial_temp.lock" ]
done_testing
