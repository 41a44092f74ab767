#!/bin/sh
# A TAP test: one point per check.
echo 1..4
[ $((2 + 2)) -eq 4 ] && echo "ok 1 - addition" || echo "not ok 1 - addition"
[ $((7 / 2)) -eq 3 ] && echo "ok 2 - integer division" || echo "not ok 2 - integer division"
[ $((7 % 3)) -eq 1 ] && echo "ok 3 - remainder" || echo "not ok 3 - remainder"
echo "ok 4 - floating point # SKIP sh has no floats"
