#!/bin/sh
# t/manager-outcomes.sh: every kind of result goes through the manager
# into trial's tree report: [OK], [FAIL], [ERROR], [SKIPPED] (exit 77, a
# TAP SKIP, a skip-all), [TODO], [SUCCESS!?!]; equal texts share one
# section; the footer counts results in trial's order.  With -j1 the
# report is compared whole; with -j4 the same lines come in completion
# order, each test's block in one piece.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

exp=$mfx/expected

suite o outcomes
dtrun o -j1 outcomes
check "-j1: a run with failures exits 1 ($rc)" [ "$rc" -eq 1 ]
check_same "$exp/outcomes.j1" "$tmp/o.m" '-j1: the whole report, byte for byte'
check_logline "$tmp/o.err" _trial_temp \
    '-j1: on stderr, one line: where the full output is'
check_egrep '^Ran 11 tests in [0-9]+\.[0-9]{3}s$' "$tmp/o.out" \
    '-j1: the elapsed time has three decimals'

dtrun o -j4 outcomes
check "-j4: exits 1 ($rc)" [ "$rc" -eq 1 ]
check_logline "$tmp/o.err" _trial_temp '-j4: the same line on stderr'
check_sorted "$exp/outcomes.j1" "$tmp/o.m" \
    '-j4: the same lines as with -j1, in some order'
check '-j4: "Running 11 tests." comes first' \
    [ "$(head -n 1 "$tmp/o.m")" = 'Running 11 tests.' ]
tail -n 4 "$exp/outcomes.j1" >"$tmp/footer.want"
tail -n 4 "$tmp/o.m" >"$tmp/footer.got"
check_same "$tmp/footer.want" "$tmp/footer.got" '-j4: the same footer'

# Each multi-line block is printed in one piece.
block outcomes/h-tap.t 6 "$exp/outcomes.j1" >"$tmp/blk.h"
check_block "$tmp/blk.h" "$tmp/o.m" "-j4: h-tap.t's block is in one piece"
block outcomes/k-short.t 2 "$exp/outcomes.j1" >"$tmp/blk.k"
check_block "$tmp/blk.k" "$tmp/o.m" "-j4: k-short.t's block is in one piece"

# Equal texts are one section, whatever the order of completion.
check_count 1 'no widgets here' "$tmp/o.m" '-j4: the two equal skips share a section'
check_count 1 'exited with status 3' "$tmp/o.m" \
    '-j4: the two equal failures share a section'
awk '$0 == "exited with status 3" { getline; getline a; getline b
	print a; print b }' "$tmp/o.m" | LC_ALL=C sort >"$tmp/grp"
printf '%s\n' outcomes/f-same.sh outcomes/g-same.sh >"$tmp/grp.want"
check_same "$tmp/grp.want" "$tmp/grp" '-j4: ... naming both tests'
n=0
for d in 0 1 2 3; do
	[ -d "$tmp/o/_trial_temp/$d" ] && n=$((n + 1))
done
check "-j4: four workers, four worker directories ($n)" [ "$n" -eq 4 ]
check '-j4: ... and no fifth' [ ! -e "$tmp/o/_trial_temp/4" ]

# A passing run.
suite p pass
dtrun p -j1 pass
check "a passing run exits 0 ($rc)" [ "$rc" -eq 0 ]
check_same "$exp/pass.j1" "$tmp/p.m" 'a passing report, byte for byte'
check 'a passing run: nothing on stderr' [ ! -s "$tmp/p.err" ]
dtrun p --jobs=2 pass
check "-j2: a passing run exits 0 ($rc)" [ "$rc" -eq 0 ]
check_sorted "$exp/pass.j1" "$tmp/p.m" '-j2: the same lines'
block pass/c.t 2 "$exp/pass.j1" >"$tmp/blk.c"
check_block "$tmp/blk.c" "$tmp/p.m" "-j2: c.t's block is in one piece"

# pair/p1.t and p2.t run at the same time and take turns (they meet on
# fifos after each point), so their output is interleaved; the report
# and test.log keep each test's part together.  --timeout is a safety
# net: alone, either would wait forever.
suite r pair
mkfifo "$tmp/r/to-p1" "$tmp/r/to-p2"
MGR_PAIR=$tmp/r
export MGR_PAIR
dtrun r -j2 -t 20 pair
check "two tests taking turns, -j2: pass ($rc)" [ "$rc" -eq 0 ]
check_line 'PASSED (successes=6)' "$tmp/r.m" '... all 6 points'
for p in p1 p2; do
	{
		echo "pair/$p.t"
		for i in 1 2 3; do
			treeline "  $i - $p point $i" '[OK]'
		done
	} >"$tmp/blk.$p"
	check_block "$tmp/blk.$p" "$tmp/r.m" "$p.t's block is in one piece"
	awk -v p="$p" '
	    $0 == "--> pair/" p ".t <--" { on = 1; next }
	    on && index($0, p " ") == 1 { n++; next }
	    { on = 0 }
	    END { print n + 0 }' "$tmp/r/_trial_temp/test.log" >"$tmp/pairlines"
	check "test.log: $p.t's 6 lines follow its header ($(cat "$tmp/pairlines"))" \
	    [ "$(cat "$tmp/pairlines")" -eq 6 ]
done

# A test named as an operand runs though it is not executable: one error.
suite n exec
dtrun n -j1 exec/c.txt exec/d.sh
check "a file operand that cannot be executed fails the run ($rc)" \
    [ "$rc" -eq 1 ]
check_egrep '^exec/c\.txt \.\.\. +\[ERROR\]$' "$tmp/n.out" '... as an [ERROR]'
check_egrep '^exec/d\.sh \.\.\. +\[OK\]$' "$tmp/n.out" \
    '... and the other operand runs'
check_grep 'cannot execute exec/c.txt' "$tmp/n.out" \
    '... its section says it cannot be executed'
check_line 'FAILED (errors=1, successes=1)' "$tmp/n.out" '... and the counts'

# A failing point's section holds the output that came after it (here
# Test::More's diagnostics on stderr); its exit 1 is no extra error.
suite c context
dtrun c -j1 context
{
	rule '='
	echo '[FAIL]'
	echo 'not ok 2 - second'
	echo '--- output ---'
	echo "#   Failed test 'second'"
	echo "#          got: '1'"
	echo "#     expected: '2'"
	echo
	echo 'context/more.t 2 - second'
} >"$tmp/context.want"
check_block "$tmp/context.want" "$tmp/c.m" \
    "a failing point's section: the stderr that followed it"
check_line 'FAILED (failures=1, successes=1)' "$tmp/c.m" \
    '... and the exit 1 after a failed point is no error'

# --tap: a test that prints no TAP is an error; a TAP test passes.
suite t outcomes
dtrun t -j2 --tap outcomes/a-pass.sh outcomes/h-tap.t
check "--tap: exit 1 ($rc)" [ "$rc" -eq 1 ]
check_egrep '^outcomes/a-pass\.sh \.\.\. +\[ERROR\]$' "$tmp/t.out" \
    '... a test that prints no TAP is an [ERROR]'
{
	rule '='
	echo '[ERROR]'
	echo 'no TAP output'
	echo 'exited with status 0'
	echo '--- output ---'
	echo 'hello from a'
	echo
	echo 'outcomes/a-pass.sh'
} >"$tmp/notap.want"
check_block "$tmp/notap.want" "$tmp/t.m" '... saying "no TAP output", then why'
check_egrep '^  1 - first \.\.\. +\[OK\]$' "$tmp/t.out" \
    '... and the TAP test runs as ever'

done_testing
