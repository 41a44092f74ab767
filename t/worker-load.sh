#!/bin/sh
# t/worker-load.sh: under a slow manager nothing is lost.  The worker's
# AMP output goes through t/lib/slowpipe (bursts of 256 KiB, each
# followed by 400 ms of nothing: longer than the 300 ms grace for
# strays), so the worker holds back reading its test again and again;
# the test exits while the tail of its output still waits in the pipe,
# and the grace must not count until that tail has been read.  Likewise
# a time-out must not count while output is held back.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker
[ -x t/lib/slowpipe ] || skip_all 'no t/lib/slowpipe (run make)'

# slow [OPTION...]: a worker command whose AMP output goes through it.
slow() {
	echo "exec ./disttrial --worker $* 4>&1 | t/lib/slowpipe 262144 400 >&4"
}

plan 12
drive f -q -w "$(slow)" "$fx/flood.sh"
o=$tmp/f.out
check_drive f 'through a slow link: the worker keeps to the protocol'
check_count 20000 "$AS/flood.sh " "$o" '... every one of 20,000 points arrives'
check_nogrep 'AddError' "$o" '... with no error (no plan mismatch)'
check_nogrep 'left behind' "$o" '... and no false note of a stray'
check_line "Run testCase=$fx/flood.sh success=True" "$o" '... the Run is answered'

# The same under a time-out far longer than the test needs but shorter
# than the slow link takes: the clock stands still while it is held.
drive t -q -w "$(slow --timeout 1)" "$fx/flood.sh"
o=$tmp/t.out
check_drive t 'with --timeout 1: the worker keeps to the protocol'
check_count 20000 "$AS/flood.sh " "$o" '... all 20,000 points arrive'
check_nogrep 'AddError' "$o" '... and no time-out while output was held'

# The manager's side of it: a whole run through the slow link.
mkdir "$tmp/m"
top=$(pwd -P)
(cd "$tmp/m" && "$top/$dt" -j1 \
    --worker-command "exec '$top/$dt' --worker 4>&1 | '$top/t/lib/slowpipe' 262144 400 >&4" \
    "$top/$fx/flood.sh") >"$tmp/m.out" 2>"$tmp/m.err"
rc=$?
check "a run through a slow link passes ($rc)" [ "$rc" -eq 0 ]
check_grep 'PASSED (successes=20000)' "$tmp/m.out" '... with all 20,000 points'
check 'its stderr is empty' [ ! -s "$tmp/m.err" ]
check_nofixtures 'no test process is left behind' flood.sh
done_testing
