#!/bin/sh
# t/manager-twisted.sh: the manager runs a Python trial suite on
# Twisted's own workers: --worker-command 'PYTHON -m
# twisted.trial._dist.workertrial', the operands dotted test names.  The
# worker needs no arguments; it reads AMP on fd 3, writes on fd 4, and
# chdirs into its N/ on Start before it imports the tests, so
# PYTHONPATH must be absolute.  Skipped without a Python that has
# Twisted (Debian: python3-twisted).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

need_twisted twisted.trial._dist.workertrial

# Absolute: the worker imports the tests after its chdir.  No
# __pycache__ in the tree.
PYTHONPATH=$mfx/pytrial
PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH PYTHONDONTWRITEBYTECODE
# Each worker records its pid (check_gone).
tw="echo \$\$ >>\"\$FIXTURE_PIDS/twisted.worker\"; exec '$py' -m twisted.trial._dist.workertrial"
m=mgrsample.test_outcomes
src=$mfx/pytrial/mgrsample/test_outcomes.py
mkdir -p "$tmp/w"

# One operand, a module: one Run, all its tests' results in one block.
{
	echo 'Running 1 tests.'
	echo "$m"
	echo '  Outcomes'
	treeline '    test_a_pass' '[OK]'
	treeline '    test_b_fail' '[FAIL]'
	treeline '    test_c_error' '[ERROR]'
	treeline '    test_d_skip' '[SKIPPED]'
	treeline '    test_e_todo' '[TODO]'
	echo '  Plain'
	treeline '    test_ok' '[OK]'
	echo
} >"$tmp/tree.want"
dtrun w -j1 --worker-command "$tw" "$m"
check "a module through Twisted's worker: exit 1 ($rc)" [ "$rc" -eq 1 ]
head -n 11 "$tmp/w.m" >"$tmp/tree.got"
check_same "$tmp/tree.want" "$tmp/tree.got" \
    "the tree: trial's dotted levels, each test's status"
check_line "FAILED (skips=1, expectedFailures=1, failures=1, errors=1, successes=2)" \
    "$tmp/w.m" 'the counts'
check_line 'Ran 1 tests in X.XXXs' "$tmp/w.m" '"Ran 1 tests": one Run'
{
	rule '='
	echo '[SKIPPED]'
	echo 'not today'
	echo
	echo "$m.Outcomes.test_d_skip"
} >"$tmp/skip.want"
check_block "$tmp/skip.want" "$tmp/w.m" 'the [SKIPPED] section'
{
	rule '='
	echo '[TODO]'
	echo "Reason: 'known bug'"
	echo 'expected to fail'
	echo
	echo "$m.Outcomes.test_e_todo"
} >"$tmp/todo.want"
check_block "$tmp/todo.want" "$tmp/w.m" 'the [TODO] section'
{
	rule '='
	echo '[FAIL]'
	echo 'Traceback (most recent call last):'
	echo "  File \"$src\", line 11, in test_b_fail"
	echo '    self.assertEqual(1, 2)'
} >"$tmp/fail.want"
check_block "$tmp/fail.want" "$tmp/w.m" \
    "the [FAIL] section: a traceback from the test's frame on"
{
	echo 'twisted.trial.unittest.FailTest: 1 != 2'
	echo
	echo "$m.Outcomes.test_b_fail"
} >"$tmp/fail2.want"
check_block "$tmp/fail2.want" "$tmp/w.m" '... ending with the exception'
{
	rule '='
	echo '[ERROR]'
	echo 'Traceback (most recent call last):'
	echo "  File \"$src\", line 14, in test_c_error"
	echo '    raise RuntimeError("boom")'
	echo 'builtins.RuntimeError: boom'
	echo
	echo "$m.Outcomes.test_c_error"
} >"$tmp/error.want"
check_block "$tmp/error.want" "$tmp/w.m" \
    "the [ERROR] section: trial's framework frames are dropped"
check_line 'Log opened.' "$tmp/w/_trial_temp/test.log" \
    'test.log: the worker said "Log opened."'
check_line "--> $m.Outcomes.test_a_pass <--" "$tmp/w/_trial_temp/test.log" \
    '... and "--> ID <--" before each test'
check '... the worker has its out.log' [ -f "$tmp/w/_trial_temp/0/out.log" ]
check "... and an empty err.log (Twisted's worker complained of nothing)" \
    [ ! -s "$tmp/w/_trial_temp/0/err.log" ]
[ -s "$tmp/w/_trial_temp/0/err.log" ] &&
    diag_file "$tmp/w/_trial_temp/0/err.log" 10

# One operand per test method, -j2: one Run each.
set -- "$m.Outcomes.test_a_pass" "$m.Outcomes.test_b_fail" \
    "$m.Outcomes.test_c_error" "$m.Outcomes.test_d_skip" \
    "$m.Outcomes.test_e_todo" "$m.Plain.test_ok"
dtrun w -j2 --worker-command "$tw" "$@"
check "six methods, -j2: exit 1 ($rc)" [ "$rc" -eq 1 ]
check_line 'Running 6 tests.' "$tmp/w.m" '... "Running 6 tests."'
check_line 'Ran 6 tests in X.XXXs' "$tmp/w.m" '... "Ran 6 tests"'
check_line "FAILED (skips=1, expectedFailures=1, failures=1, errors=1, successes=2)" \
    "$tmp/w.m" '... the same counts'
grep '^    test_' "$tmp/tree.want" | LC_ALL=C sort >"$tmp/leaves.want"
grep '^    test_' "$tmp/w.m" | LC_ALL=C sort >"$tmp/leaves.got"
check_same "$tmp/leaves.want" "$tmp/leaves.got" '... the same statuses'
check_count 2 'Log opened.' "$tmp/w/_trial_temp/test.log" \
    '... two workers said "Log opened."'
check_block "$tmp/error.want" "$tmp/w.m" '... the same [ERROR] section'
check_gone 'no Twisted worker is left' twisted.worker

done_testing
