#!/bin/sh
# t/manager-backstop.sh: with --timeout, a worker that never answers a
# Run is killed once the time-out and a margin (1 s of kill grace, 5 s
# more) have passed; its test gets one WorkerLost error and the run
# ends instead of hanging.  The worker here answers nothing at all: it
# holds the AMP descriptors open and sleeps ("sleep 31481" marks it).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite b pass
dtrun b -j1 -t 0.1 --worker-command 'exec sleep 31481' pass/a.sh
check "a worker that never answers: the run ends, exit 1 ($rc)" [ "$rc" -eq 1 ]
check_egrep '^pass/a\.sh \.\.\. +\[ERROR\]$' "$tmp/b.m" \
    '... its test is an [ERROR]'
check_egrep '^worker 0 did not answer the Run of pass/a\.sh within [0-9]+ s; it was killed$' \
    "$tmp/b.m" '... saying the worker did not answer the Run in time'
check_line 'FAILED (errors=1)' "$tmp/b.m" '... and only that error'
check_noprocs 'sleep 31481' '... the silent worker is gone'
check '... the lock is released' [ ! -L "$tmp/b/_trial_temp.lock" ]
done_testing
