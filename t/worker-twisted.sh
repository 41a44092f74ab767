#!/bin/sh
# t/worker-twisted.sh: Twisted's own AMP (twisted.protocols.amp) drives
# the worker as trial's manager does, through t/lib/twisted_driver.py,
# and accepts every box it sends.  Skipped without a Python that has
# Twisted (Debian: python3-twisted).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

need_twisted 'twisted.protocols.amp, twisted.internet.reactor'

"$py" t/lib/twisted_driver.py "$tmp/scratch" >"$tmp/d.out" 2>"$tmp/d.err"
relay "$tmp/d" 'the Twisted driver' $?
check_gone 'no test process is left behind' stray-twisted.child

done_testing
