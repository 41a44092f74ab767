#!/bin/sh
# t/manager-state.sh: a run that learns from the last.  --state FILE is
# written after each run (each test's time and outcome, whole, renamed
# over the old); with it the tests run slowest first, new ones first of
# all; --failed runs only what failed; a missing, foreign or corrupt file
# is a warning; --order and --random.  The orders are read off a -j1
# tree, whose blocks come in the order the tests ran; the state files
# that order them are written here, so no check hangs on the machine's
# speed.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite k skew
st=$tmp/k/state

# order NAME: the tests of $tmp/NAME.out in the order they ran.
order() {
	sed -n 's|^skew/\([^ ]*\) \.\.\. .*|\1|p' "$tmp/$1.out" | tr '\n' ' '
}

# A first run: the file is new (a warning), then written.
dtrun k -j1 --state state skew
check "--state, no file yet: the run goes on (exit $rc: d-fail fails)" \
    [ "$rc" -eq 1 ]
check_grep "disttrial: --state state: No such file or directory; every test counts as new" \
    "$tmp/k.err" '... with a warning'
check_line 'disttrial state 1' "$st" 'the state file is written'
check_egrep '^[0-9]+\.[0-9]{3}	pass	skew/a\.sh$' "$st" \
    '... a line a test: its time, pass, its path'
check_egrep '^[0-9]+\.[0-9]{3}	fail	skew/d-fail\.sh$' "$st" \
    '... fail for the test that failed'
secs=$(sed -n 's|^\([0-9.]*\)	pass	skew/z-slow\.sh$|\1|p' "$st")
check "... the long test's time is at least its sleep ($secs)" \
    awk -v s="$secs" 'BEGIN { exit !(s >= 0.5) }'
check_count 6 '' "$st" '... and nothing else'
n=$(find "$tmp/k" -name 'state.tmp*' | wc -l)
check "... no scratch file left ($n)" [ "$n" -eq 0 ]

# Slowest first, from a state file of our own.
{
	echo 'disttrial state 1'
	printf '0.100\tpass\tskew/a.sh\n'
	printf '0.300\tpass\tskew/b.sh\n'
	printf '0.200\tfail\tskew/d-fail.sh\n'
	printf '2.000\tpass\tskew/z-slow.sh\n'
} >"$st"
dtrun k -j1 --state state skew
check "--state: the slowest first, a new test before all ($(order k))" \
    [ "$(order k)" = 'c.sh z-slow.sh b.sh d-fail.sh a.sh ' ]
check "... without a warning" [ "$(grep -c -v 'full output' "$tmp/k.err")" -eq 0 ]
check_egrep '^[0-9.]+	pass	skew/c\.sh$' "$st" '... and the new test is recorded'
dtrun k -j1 --state state --order alphabetical skew
check "--order alphabetical wins over --state ($(order k))" \
    [ "$(order k)" = 'a.sh b.sh c.sh d-fail.sh z-slow.sh ' ]

# --failed: what failed the last time, alone.
dtrun k -j1 --state state --failed skew
check "--failed: exit 1 ($rc)" [ "$rc" -eq 1 ]
check "... only the test that failed ran ($(order k))" \
    [ "$(order k)" = 'd-fail.sh ' ]
check_line 'Running 1 tests.' "$tmp/k.out" '... "Running 1 tests."'
check_egrep '	fail	skew/d-fail\.sh$' "$st" '... still failed'
check_egrep '	pass	skew/a\.sh$' "$st" '... the others kept their lines'
sed 's/	fail	/	pass	/' "$st" >"$st.new" && mv "$st.new" "$st"
dtrun k -j1 --state state --failed skew
check "--failed when nothing failed: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_grep 'disttrial: --failed: no test failed the last time (state)' \
    "$tmp/k.err" '... saying so'
check "... and no test ran" [ ! -s "$tmp/k.out" ]

# A corrupt file and a foreign one: warnings, never errors.
{
	echo 'disttrial state 1'
	echo 'garbage'
	printf 'x\tpass\tskew/a.sh\n'
	printf '1.0\tmaybe\tskew/b.sh\n'
	printf '9.000\tpass\tskew/a.sh\n'
} >"$st"
dtrun k -j1 --state state skew
check "a corrupt state file: the run goes on ($rc)" [ "$rc" -eq 1 ]
check_grep 'disttrial: --state state: line 2 is not SECONDS<tab>pass|fail<tab>TEST; such lines are ignored' \
    "$tmp/k.err" '... one warning, for its first bad line'
check_count 1 'disttrial: --state' "$tmp/k.err" '... only one'
check "... its good line counts: unknown tests first, then a.sh ($(order k))" \
    [ "$(order k)" = 'b.sh c.sh d-fail.sh z-slow.sh a.sh ' ]
check_nogrep garbage "$st" '... and the file is written anew'
echo 'just some file' >"$st"
dtrun k -j1 --state state skew
check_grep 'disttrial: --state state: not a state file' "$tmp/k.err" \
    'a foreign file: a warning'
check "... and the run goes on ($rc)" [ "$rc" -eq 1 ]

# --random SEED: the same order each time, and the seed said.
dtrun k -j1 --random 42 skew
one=$(order k)
check_grep 'disttrial: tests in random order, seed 42 (--random 42 repeats it)' \
    "$tmp/k.err" '--random 42: the seed is said'
dtrun k -j1 --random 42 skew
check "... the same order again ($one)" [ "$(order k)" = "$one" ]
n=0
for s in 1 2 3 4 5 6 7 8; do
	dtrun k -j1 --random "$s" skew
	[ "$(order k)" = "$one" ] || n=$((n + 1))
done
check "... other seeds, other orders ($n of 8)" [ "$n" -gt 0 ]
dtrun k -j1 --order random skew
check_egrep '^disttrial: tests in random order, seed [0-9]+ \(--random [0-9]+ repeats it\)$' \
    "$tmp/k.err" '--order random: the seed it took is said'

# Usage.
dtrun k --failed skew
check_grep 'disttrial: --failed needs --state FILE' "$tmp/k.err" \
    '--failed without --state: a usage error'
check "... exit 2 ($rc)" [ "$rc" -eq 2 ]
dtrun k --order slowest skew
check_grep 'disttrial: --order slowest needs --state FILE' "$tmp/k.err" \
    '--order slowest without --state: a usage error'
dtrun k --order fast skew
check_grep "disttrial: --order takes alphabetical, random, slowest or (with --trial) toptobottom, not 'fast'" \
    "$tmp/k.err" '--order fast: a usage error'
dtrun k --random x skew
check_grep "disttrial: --random takes a number (a seed), not 'x'" \
    "$tmp/k.err" '--random x: a usage error'

done_testing
