#!/bin/sh
# t/manager-memory.sh: what the manager holds does not grow with a
# test's results.  A test that prints 1,000,000 TAP points, beside one
# that fails, under ulimit -v 150000 (150 MB of address space for each
# process: the manager, its worker, the test): the full report, every
# point in it, in the tree and the TAP formats, and the JUnit XML with a
# testcase a point.  The manager held about 170 bytes a result until its
# test ended, and died here ("realloc: Cannot allocate memory", exit 2,
# no report).  Then 200,000 failing points, each with its own text,
# under ulimit -v 40000: every one is listed at the end, as the tree's
# sections list failures (their texts and names wait in a scratch file;
# in memory they took 230 bytes a failure, and the worker queued 75
# bytes a point beyond its text: both died there).  Skipped where this build cannot start under that limit
# (ASan reserves terabytes of address space for its shadow memory).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

limit=150000
# ulimit -v is not POSIX, but dash and bash have it; a shell without it
# skips.
# The probe runs in a shell of its own, whose note of an abort ("Aborted",
# as ASan's disttrial dies) goes nowhere.
# shellcheck disable=SC2016
sh -c 'ulimit -v "$1" && exec "$2" --version' sh "$limit" "$DT" \
    >/dev/null 2>&1 ||
    skip_all "this disttrial cannot start under ulimit -v $limit" \
	"(a sanitizer's shadow memory?)"

mkdir -p "$tmp/m"
cat >"$tmp/m/big.t" <<'FIX'
#!/bin/sh
awk 'BEGIN {
	print "1..1000000"
	for (i = 1; i <= 1000000; i++)
		print "ok " i " - point " i
}'
FIX
cat >"$tmp/m/small.t" <<'FIX'
#!/bin/sh
echo 1..2
echo ok 1 - one
echo not ok 2 - two
FIX
chmod +x "$tmp/m/big.t" "$tmp/m/small.t"

# dtrun runs $DT: here a script that sets the limit and runs disttrial,
# whose workers and tests inherit it.
# limitto KB: the limit those runs get.
limitto() {
	printf '#!/bin/sh\nulimit -v %s || exit 125\nexec "%s" "$@"\n' "$1" \
	    "$top/disttrial" >"$tmp/limited"
	chmod +x "$tmp/limited"
}
limitto "$limit"
DT=$tmp/limited

# count PATTERN FILE: how many lines of FILE match the basic RE (0 if
# there is no FILE).
count() {
	if [ -f "$2" ]; then
		grep -c "$1" "$2" || :
	else
		echo 0
	fi
}

dtrun m -j2 big.t small.t
check "1,000,000 points under ulimit -v $limit: exit 1, the failure ($rc)" \
    [ "$rc" -eq 1 ]
check_line 'FAILED (failures=1, successes=1000001)' "$tmp/m.out" \
    '... the whole count'
n=$(count '^  [0-9]* - point [0-9]* \.\.\. *\[OK\]$' "$tmp/m.out")
check "... every point in the tree ($n)" [ "$n" -eq 1000000 ]
check_line "$(treeline '  1000000 - point 1000000' '[OK]')" "$tmp/m.out" \
    '... the last one too'
check_nogrep 'memory' "$tmp/m.err" '... and no word of memory on stderr'

dtrun t -j2 -r tap --junit-xml j.xml ../m/big.t ../m/small.t
check "... in the TAP format, with --junit-xml: exit 1 ($rc)" [ "$rc" -eq 1 ]
check_line '1..1000002' "$tmp/t.out" '... the plan counts every point'
n=$(count '^ok [0-9]* - \.\./m/big\.t [0-9]* - point [0-9]*$' "$tmp/t.out")
check "... each one a point ($n)" [ "$n" -eq 1000000 ]
n=$(count '<testcase ' "$tmp/t/j.xml")
check "... and a testcase in the JUnit XML ($n)" [ "$n" -eq 1000002 ]
check_grep '<testsuites tests="1000002" failures="1"' "$tmp/t/j.xml" \
    '... which counts them all'
check_nogrep 'memory' "$tmp/t.err" '... no word of memory'

# The same limit, lower: the failures' sections.
cat >"$tmp/m/fails.t" <<'FIX'
#!/bin/sh
awk 'BEGIN {
	print "1..200000"
	for (i = 1; i <= 200000; i++)
		print "not ok " i " - point " i
}'
FIX
chmod +x "$tmp/m/fails.t"
limitto 40000
dtrun m -j1 fails.t
check "200,000 failing points under ulimit -v 40000: exit 1 ($rc)" \
    [ "$rc" -eq 1 ]
check_line 'FAILED (failures=200000)' "$tmp/m.out" '... the whole count'
n=$(count '^\[FAIL\]$' "$tmp/m.out")
check "... a section each, for each text ($n)" [ "$n" -eq 200000 ]
printf '%s\n' '[FAIL]' 'not ok 200000 - point 200000' '' \
    'fails.t 200000 - point 200000' >"$tmp/last"
check_block "$tmp/last" "$tmp/m.out" \
    '... the last one whole: its text and its name'
check_nogrep 'memory' "$tmp/m.err" '... and no word of memory'

done_testing
