#!/bin/sh
# t/manager-flow.sh: what decides which tests run.  --exitfirst hands out
# no test after the first failure; --until-failure repeats the run,
# "Test Pass N" before each pass, until a pass fails; a "Bail out!"
# hands out no more tests (running ones finish); --timeout kills a test
# that hangs.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite f flow flowj bail until

# --exitfirst, -j1: a and b run, c and d do not.
{
	echo 'Running 4 tests.'
	treeline flow/a-pass.sh '[OK]'
	treeline flow/b-fail.sh '[FAIL]'
	echo
	rule '='
	echo '[FAIL]'
	echo 'exited with status 1'
	echo '--- output ---'
	echo 'first failure'
	echo
	echo 'flow/b-fail.sh'
	rule -
	echo 'Ran 2 tests in X.XXXs'
	echo
	echo 'FAILED (failures=1, successes=1)'
} >"$tmp/x.want"
dtrun f -j1 --exitfirst flow
check "--exitfirst: exits 1 ($rc)" [ "$rc" -eq 1 ]
check_same "$tmp/x.want" "$tmp/f.m" \
    '--exitfirst -j1: the run stops after the failure (the whole report)'
dtrun f -x -j1 flow
check_same "$tmp/x.want" "$tmp/f.m" '-x is --exitfirst'
dtrun f -j1 flow
check "without --exitfirst every test runs ($rc)" [ "$rc" -eq 1 ]
check_line 'Ran 4 tests in X.XXXs' "$tmp/f.m" '... all 4'

# -j2: the failing test comes first, seven pass after it; the run stops
# handing out tests when its result comes, and takes back those queued
# ahead on the workers (Withdraw).  a-fail.sh fails only once a passing
# test has begun on the other worker, and the passing ones end only
# once that result is in (a-fail.sh's block is in test.log), so exactly
# two run, whatever the machine's load, however late the second worker
# starts and wherever tests were queued ahead.
dtrun f -xj2 flowj
check "--exitfirst -j2: exits 1 ($rc)" [ "$rc" -eq 1 ]
check_line 'Running 8 tests.' "$tmp/f.m" '... 8 tests were found'
n=$(sed -n 's/^Ran \([0-9]*\) tests in X\.XXXs$/\1/p' "$tmp/f.m")
check "... but only the 2 begun before the failure ran (${n:-none})" \
    [ "${n:-8}" -eq 2 ]
check_line 'disttrial: stopped by --exitfirst; 6 of 8 tests did not run' \
    "$tmp/f.err" '... stderr says 6 did not run'
k=$(grep -c '^disttrial: not run (stopped by --exitfirst): flowj/' \
    "$tmp/f/_trial_temp/test.log")
check "... test.log names each ($k)" [ "$k" -eq 6 ]
check_egrep '^flowj/a-fail\.sh \.\.\. +\[FAIL\]$' "$tmp/f.m" \
    '... the failure is reported'
n2=$(grep -c ' \[OK\]$' "$tmp/f.m")
check "... and every test that ran is reported ($n2 + 1 = ${n:-?})" \
    [ "$((n2 + 1))" -eq "${n:-0}" ]
check_line "FAILED (failures=1, successes=$n2)" "$tmp/f.m" '... and counted'

# --until-failure: b-third.sh fails on its third run.
mkdir "$tmp/state"
MGR_STATE=$tmp/state
export MGR_STATE
{
	echo 'Running 2 tests.'
	for i in 1 2; do
		echo "Test Pass $i"
		treeline until/a-pass.sh '[OK]'
		treeline until/b-third.sh '[OK]'
		echo
		rule -
		echo 'Ran 2 tests in X.XXXs'
		echo
		echo 'PASSED (successes=2)'
	done
	echo 'Test Pass 3'
	treeline until/a-pass.sh '[OK]'
	treeline until/b-third.sh '[FAIL]'
	echo
	rule '='
	echo '[FAIL]'
	echo 'exited with status 1'
	echo '--- output ---'
	echo 'run 3'
	echo
	echo 'until/b-third.sh'
	rule -
	echo 'Ran 2 tests in X.XXXs'
	echo
	echo 'FAILED (failures=1, successes=1)'
} >"$tmp/u.want"
dtrun f -j1 --until-failure until
check "--until-failure: exits 1 when a pass fails ($rc)" [ "$rc" -eq 1 ]
check_same "$tmp/u.want" "$tmp/f.m" \
    '--until-failure -j1: passes 1 and 2 pass, pass 3 fails (the whole report)'
check "... the test ran exactly 3 times ($(cat "$tmp/state/count"))" \
    [ "$(cat "$tmp/state/count")" -eq 3 ]
check_logline "$tmp/f.err" _trial_temp '... on stderr only the line that names test.log'
check '... the lock is released' [ ! -L "$tmp/f/_trial_temp.lock" ]

rm -f "$tmp/state/count"
dtrun f -u -j2 until
check "-u -j2: exits 1 ($rc)" [ "$rc" -eq 1 ]
check_count 3 'Test Pass ' "$tmp/f.m" '-u -j2: three passes'
check_line 'Test Pass 3' "$tmp/f.m" '... the third is "Test Pass 3"'
check_count 2 'PASSED (successes=2)' "$tmp/f.m" '... two pass'
check_count 1 'FAILED (failures=1, successes=1)' "$tmp/f.m" \
    '... and the last fails'
check "... the test ran exactly 3 times ($(cat "$tmp/state/count"))" \
    [ "$(cat "$tmp/state/count")" -eq 3 ]
n=0
while [ -d "$tmp/f/_trial_temp/$n" ]; do
	n=$((n + 1))
done
check "... with two workers ($n)" [ "$n" -eq 2 ]

# Bail out!: with -j1 the tests after it do not run.
{
	echo 'Running 4 tests.'
	treeline bail/a-pass.sh '[OK]'
	echo 'bail/b-bail.t'
	treeline '  1 - fine' '[OK]'
	treeline bail/b-bail.t '[ERROR]'
	echo
	rule '='
	echo '[ERROR]'
	echo 'Bail out! database went away'
	echo
	echo 'bail/b-bail.t'
	rule -
	echo 'Ran 2 tests in X.XXXs'
	echo
	echo 'FAILED (errors=1, successes=2)'
} >"$tmp/b.want"
dtrun f -j1 bail
check "Bail out!: exits 1 ($rc)" [ "$rc" -eq 1 ]
check_same "$tmp/b.want" "$tmp/f.m" \
    'Bail out! -j1: no test after it runs (the whole report)'
check_nogrep '--> bail/c-pass.sh <--' "$tmp/f/_trial_temp/test.log" \
    '... c-pass.sh did not start'

# --timeout: a test that hangs is killed, an [ERROR]; the next one runs.
suite t hang
{
	echo 'Running 2 tests.'
	treeline hang/hang.sh '[ERROR]'
	treeline hang/pass.sh '[OK]'
	echo
	rule '='
	echo '[ERROR]'
	echo 'timed out after 0.5 s'
	echo '--- output ---'
	echo 'waiting forever'
	echo
	echo 'hang/hang.sh'
	rule '-'
	echo 'Ran 2 tests in X.XXXs'
	echo
	echo 'FAILED (errors=1, successes=1)'
} >"$tmp/t.want"
dtrun t -j1 --timeout=0.5 hang
check "--timeout=0.5: exits 1 ($rc)" [ "$rc" -eq 1 ]
check_same "$tmp/t.want" "$tmp/t.m" \
    '--timeout=0.5: the hanging test is an [ERROR] (the whole report)'
check_gone '... and it is killed' hang.test

done_testing
