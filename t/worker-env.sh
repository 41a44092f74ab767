#!/bin/sh
# t/worker-env.sh: what a test gets from the worker: DISTTRIAL_WORKER and
# DISTTRIAL_TEMP (tmp in the absolute Start directory, the tests' own,
# made again if a test removed it), the rest of the worker's
# environment, the worker's directory, a process group apart from the
# worker's, stdin at EOF, no stray descriptors, default signal
# dispositions.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

top=$(pwd -P)
unset DISTTRIAL_WORKER DISTTRIAL_JOBS HARNESS_ACTIVE
WTEST_CUSTOM='some value'
export WTEST_CUSTOM

drive a "$fx/env.sh"
o=$tmp/a.out
check_drive a 'the worker keeps to the protocol'
check_line "$AS/env.sh" "$o" 'env.sh passes'
check_grep 'worker=0' "$o" 'DISTTRIAL_WORKER is 0 when the worker has none'
check_grep 'jobs=1' "$o" 'DISTTRIAL_JOBS is 1 when the worker has none'
check_grep 'harness=1' "$o" 'HARNESS_ACTIVE is 1, as under prove'
check_line "TestWrite out=temp=$tmp/a.d/tmp" "$o" 'DISTTRIAL_TEMP is tmp in the Start directory'
check_grep 'temp exists' "$o" '... which exists'
check_grep 'custom=some value' "$o" "the worker's environment is passed on"
check_grep "pwd=$top" "$o" "the test runs in the worker's directory"
check_nogrep 'fd ' "$o" 'no descriptor above 2 is open in the test'
check_grep "a process group apart from the worker's" "$o" \
    "the test runs in a process group apart from its worker's"
check_grep 'stdin at EOF' "$o" 'stdin is at EOF'
check_grep 'sigpipe: yes-status 141' "$o" 'SIGPIPE has its default action'
if [ -r /proc/self/status ]; then
	check_grep 'SigBlk:\t0000000000000000' "$o" 'no signal is blocked'
fi

(
	DISTTRIAL_WORKER=5 DISTTRIAL_JOBS=7
	export DISTTRIAL_WORKER DISTTRIAL_JOBS
	drive b "$fx/env.sh"
)
check_drive b 'with DISTTRIAL_WORKER=5: the protocol is kept'
check_grep 'worker=5' "$tmp/b.out" "DISTTRIAL_WORKER comes from the worker's"
check_grep 'jobs=7' "$tmp/b.out" "... and DISTTRIAL_JOBS"

# A relative Start directory becomes absolute; the worker does not chdir.
mkdir "$tmp/cwd"
(
	cd "$tmp/cwd" &&
	    "$top/$wd" -t 30 -w "exec '$top/$dt' --worker" -d rel/dir \
	    "$top/$fx/env.sh" >"$tmp/c.out" 2>"$tmp/c.err"
	echo $? >"$tmp/c.rc"
)
cwd=$(cd "$tmp/cwd" && pwd -P)
check_drive c 'a relative Start directory: the protocol is kept'
check 'the relative directory is made' [ -d "$tmp/cwd/rel/dir" ]
check_line "TestWrite out=temp=$cwd/rel/dir/tmp" "$tmp/c.out" \
    'DISTTRIAL_TEMP is in its absolute path'
check_grep "pwd=$cwd" "$tmp/c.out" "the test runs in the worker's directory"

# --stdio: the AMP descriptors are the worker's 0 and 1, never the test's.
drive s -s "$fx/env.sh"
o=$tmp/s.out
check_drive s '--stdio: the protocol is kept'
check_grep 'stdin at EOF' "$o" "--stdio: the test's stdin is at EOF"
check_nogrep 'fd ' "$o" '... and no descriptor above 2 is open'
check_line "$AS/env.sh" "$o" '... and env.sh passes'

# A test that removes its DISTTRIAL_TEMP breaks nothing: the next test
# gets it again, and the worker's bookkeeping was never there.
drive r "$fx/rmtemp.sh" "$fx/env.sh" "$fx/rmtemp.sh"
o=$tmp/r.out
check_drive r 'a test removes DISTTRIAL_TEMP: the protocol is kept'
check_count 2 'temp removed' "$o" '... both times it was there to remove'
check_grep 'temp exists' "$o" '... and the test after it has it again'
check_count 3 "AddSuccess testName=$fx/" "$o" '... and all three pass'
check 'the Start directory itself stays' [ -d "$tmp/r.d" ]

check_nofixtures 'no test process is left behind' env.sh

done_testing
