#!/bin/sh
# t/manager-fakeworker.sh: the manager with --worker-command and a fake
# Twisted 22.4 worker (t/lib/fakeworker.py, plain Python): the old
# dialect's inline texts and ListOf frames become trial's tree, sections
# and tracebacks, as trial prints them; operands that are not files
# are test names, split into trial's dotted levels.  A worker that
# answers a tag never asked, sends bytes that are not AMP or exits
# mid-Run costs its test one error, and the run goes on.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

py=
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import os, sys' >/dev/null 2>&1; then
		py=$p
		break
	fi
done
[ -n "$py" ] || skip_all 'no python3'

src=$mfx/pysrc/fake_source.py
# Each fake worker records its pid (check_gone).
fw="echo \$\$ >>\"\$FIXTURE_PIDS/fake.worker\"; exec '$py' '$top/t/lib/fakeworker.py' '$src'"
m=fake.test_mod
mkdir -p "$tmp/f"

{
	echo 'Running 9 tests.'
	echo 'fake.test_mod'
	echo '  Case'
	treeline '    test_pass' '[OK]'
	treeline '    test_fail' '[FAIL]'
	treeline '    test_error' '[ERROR]'
	treeline '    test_todo' '[TODO]'
	treeline '    test_skip' '[SKIPPED]'
	treeline '    test_xpass' '[SUCCESS!?!]'
	echo '  Other'
	treeline '    test_log' '[OK]'
	treeline '    test_two' '[ERROR]'
	# A second result: padded as if "    test_two ... " were the line.
	printf '%56s[FAIL]\n' ''
	echo 'fake'
	treeline '  test_pass' '[OK]'
	echo
	rule '='
	echo '[SKIPPED]'
	echo 'not today'
	echo
	echo "$m.Case.test_skip"
	rule '='
	echo '[TODO]'
	echo "Reason: 'known bug'"
	echo 'expected to fail'
	echo
	echo "$m.Case.test_todo"
	for msg in '1 != 2' second; do
		rule '='
		echo '[FAIL]'
		echo 'Traceback (most recent call last):'
		echo "  File \"$src\", line 9, in test_fail"
		echo '    self.assertEqual(1, 2)'
		echo '  File "/nonexistent/missing.py", line 12, in helper'
		echo '    '
		echo "twisted.trial.unittest.FailTest: $msg"
		echo
		case $msg in
		second) echo "$m.Other.test_two" ;;
		*) echo "$m.Case.test_fail" ;;
		esac
	done
	for msg in boom first; do
		rule '='
		echo '[ERROR]'
		echo 'Traceback (most recent call last):'
		echo "  File \"$src\", line 12, in test_error"
		echo '    raise RuntimeError("boom")'
		echo "builtins.RuntimeError: $msg"
		echo
		case $msg in
		first) echo "$m.Other.test_two" ;;
		*) echo "$m.Case.test_error" ;;
		esac
	done
	rule '='
	echo '[SUCCESS!?!]'
	echo "Reason: 'should have failed'"
	echo
	echo "$m.Case.test_xpass"
	rule '-'
	echo 'Ran 9 tests in X.XXXs'
	echo
	echo 'FAILED (skips=1, expectedFailures=1, failures=2, errors=2, unexpectedSuccesses=1, successes=3)'
} >"$tmp/old.want"
set -- "$m.Case.test_pass" "$m.Case.test_fail" "$m.Case.test_error" \
    "$m.Case.test_todo" "$m.Case.test_skip" "$m.Case.test_xpass" \
    "$m.Other.test_log" "$m.Other.test_two" fake.test_pass

dtrun f -j1 --worker-command "$fw" "$@"
check "the old dialect, -j1: exit 1 ($rc)" [ "$rc" -eq 1 ]
check_same "$tmp/old.want" "$tmp/f.m" \
    'the old dialect, -j1: the whole report (levels, tracebacks rebuilt from frames)'
check_logline "$tmp/f.err" _trial_temp '... on stderr only the line that names test.log'
{
	echo 'Log opened.'
	for t in "$@"; do
		echo "--> $t <--"
		case $t in
		*.test_log)
			echo 'hello from test_log'
			echo 'second line café' ;;
		esac
	done
} >"$tmp/log.want"
check_same "$tmp/log.want" "$tmp/f/_trial_temp/test.log" \
    '... test.log holds every TestWrite line, in order'
check_nogrep 'PROTOCOL' "$tmp/f/_trial_temp/0/err.log" \
    '... every ask of the worker was answered (its err.log)'

dtrun f -j3 --worker-command "$fw" "$@"
check "the old dialect, -j3: exit 1 ($rc)" [ "$rc" -eq 1 ]
# The tree's leaves and statuses are the same; the levels depend on the
# order of completion, the sections' order too: compare sorted lines
# of everything but the level lines.
grep -v -x -e 'fake.test_mod' -e '  Case' -e '  Other' -e 'fake' \
    "$tmp/old.want" >"$tmp/old.want2"
grep -v -x -e 'fake.test_mod' -e '  Case' -e '  Other' -e 'fake' \
    "$tmp/f.m" >"$tmp/f.m2"
check_sorted "$tmp/old.want2" "$tmp/f.m2" \
    '-j3: the same lines, in the order of completion'
block "$(treeline '    test_two' '[ERROR]')" 1 "$tmp/old.want" >"$tmp/blk.two"
check_block "$tmp/blk.two" "$tmp/f.m" "-j3: test_two's two results stay together"
for n in 0 1 2; do
	check_nogrep 'PROTOCOL' "$tmp/f/_trial_temp/$n/err.log" \
	    "-j3: worker $n's asks were all answered"
done

# Equal tracebacks of two tests share one section.
dtrun f -j2 --worker-command "$fw" fake.a.C.test_fail fake.b.C.test_fail
check "two equal failures: exit 1 ($rc)" [ "$rc" -eq 1 ]
check_count 1 'twisted.trial.unittest.FailTest: 1 != 2' "$tmp/f.m" \
    '... one section'
awk '$0 == "twisted.trial.unittest.FailTest: 1 != 2" { getline
	getline a; getline b; print a; print b }' "$tmp/f.m" |
    LC_ALL=C sort >"$tmp/grp"
printf '%s\n' fake.a.C.test_fail fake.b.C.test_fail >"$tmp/grp.want"
check_same "$tmp/grp.want" "$tmp/grp" '... naming both tests'
check_line 'FAILED (failures=2)' "$tmp/f.m" '... two failures'

# misbehave KIND WHY: test_KIND makes the worker misbehave between two
# passing tests; WHY is the error's text.
misbehave() {
	{
		echo 'Running 3 tests.'
		echo 'fake.a'
		echo '  C'
		treeline '    test_pass' '[OK]'
		echo 'fake.m'
		treeline "    test_$1" '[ERROR]'
		echo 'fake.z'
		treeline '    test_pass' '[OK]'
		echo
		rule '='
		echo '[ERROR]'
		echo "$2"
		echo
		echo "fake.m.C.test_$1"
		rule '-'
		echo 'Ran 3 tests in X.XXXs'
		echo
		echo 'FAILED (errors=1, successes=2)'
	} >"$tmp/mis.want"
	dtrun f -j1 --worker-command "$fw" fake.a.C.test_pass \
	    "fake.m.C.test_$1" fake.z.C.test_pass
	check "test_$1: exit 1 ($rc)" [ "$rc" -eq 1 ]
	check_same "$tmp/mis.want" "$tmp/f.m" \
	    "test_$1: one error, the next test runs"
}
misbehave badtag \
    "worker 0 answered tag 'ffff', which was never asked; it was killed"
misbehave garbage \
    'worker 0 sent bytes that are not AMP (key of 65535 bytes (at most 255)); it was killed'
misbehave exit3 \
    'worker 0 exited with status 3 while running fake.m.C.test_exit3'
misbehave silent 'the worker reported nothing for this test'
misbehave refuse \
    'the worker reported nothing for this test; the worker failed the Run: Unknown Error'
# A worker that does not say queueAhead (Twisted's does not) is sent a
# Run only once the last is answered, however many tests wait.
dtrun f -j1 --worker-command "$fw" fake.s.C.test_slow fake.t.C.test_slow \
    fake.u.C.test_slow fake.v.C.test_slow
check "four slow tests, -j1: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_nogrep 'PROTOCOL' "$tmp/f/_trial_temp/0/err.log" \
    '... no Run was sent before the last was answered'
check_gone 'no fake worker is left running' fake.worker

done_testing
