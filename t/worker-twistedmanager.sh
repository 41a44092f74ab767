#!/bin/sh
# t/worker-twistedmanager.sh: Twisted's own manager side of trial -j
# (LocalWorker and LocalWorkerAMP, results in a real trial TestResult)
# drives the worker, through t/lib/twisted_manager.py.  Debian 12's
# Twisted 22.4 speaks the old dialect and refuses StreamOpen, so this is
# where the worker's fallback to inline texts is tested.  Skipped
# without a Python that has Twisted (Debian: python3-twisted).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

need_twisted twisted.trial._dist.worker

"$py" t/lib/twisted_manager.py "$tmp/scratch" >"$tmp/m.out" 2>"$tmp/m.err"
relay "$tmp/m" "Twisted's manager" $?
check_grep '--> t/fixtures/worker/fail1.sh <--' "$tmp/scratch/0/test.log" \
    "Twisted's manager wrote the worker's TestWrites to its test.log"

done_testing
