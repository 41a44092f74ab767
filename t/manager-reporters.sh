#!/bin/sh
# t/manager-reporters.sh: the report formats of -r, on the outcomes
# suite (every kind of result) with -j1: text (trial's character a
# result, then the tree's sections and footer), summary (trial's
# MinimalReporter), timing (trial's verbose lines, each with its time)
# and tap (one TAP stream, read back by prove and by our own parser).
# The expected texts are t/fixtures/manager/expected/outcomes.*.j1 with
# the times masked; the text format's is derived from the tree's.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

exp=$mfx/expected
suite o outcomes

# text: the tree's statuses as characters, then its sections and footer.
dtrun o -j1 -r text outcomes
check "-r text: exit 1 ($rc)" [ "$rc" -eq 1 ]
{
	echo 'Running 11 tests.'
	awk 'BEGIN { c["[OK]"] = "."; c["[FAIL]"] = "F"; c["[ERROR]"] = "E"
		c["[SKIPPED]"] = "S"; c["[TODO]"] = "T"; c["[SUCCESS!?!]"] = "!" }
	    / \.\.\. / && ($NF in c) { printf "%s", c[$NF] }' "$exp/outcomes.j1"
	echo
	sed -n '/^=\{79\}$/,$p' "$exp/outcomes.j1"
} >"$tmp/text.want"
check_same "$tmp/text.want" "$tmp/o.m" \
    '-r text: a character a result in the tree'"'"'s order, then its sections and footer'
check_logline "$tmp/o.err" _trial_temp '... and the log line on stderr'

# summary: the rule, "Ran", then time, tests twice, errors, failures,
# skips.
dtrun o -j1 -r summary outcomes
check "-r summary: exit 1 ($rc)" [ "$rc" -eq 1 ]
{
	echo 'Running 11 tests.'
	rule '-'
	echo 'Ran 11 tests in X.XXXs'
	echo
	echo 'X 11 11 3 4 4'
} >"$tmp/summary.want"
sed 's/^[0-9][0-9.e+-]* \(11 11 \)/X \1/' "$tmp/o.m" >"$tmp/summary.got"
check_same "$tmp/summary.want" "$tmp/summary.got" \
    '-r summary: trial'"'"'s minimal counts, no PASSED or FAILED'
check_egrep '^[0-9]+\.[0-9]+ 11 11 3 4 4$' "$tmp/o.m" \
    '... the time as a float'

# timing: "ID ... [STATUS]" and "(S secs)" for each result.
dtrun o -j1 -r timing outcomes
check "-r timing: exit 1 ($rc)" [ "$rc" -eq 1 ]
sed 's/^([0-9]*\.[0-9][0-9][0-9] secs)$/(X.XXX secs)/' "$tmp/o.m" \
    >"$tmp/timing.got"
check_same "$exp/outcomes.timing.j1" "$tmp/timing.got" \
    '-r timing: each result with its time, then the sections and footer'
check_count 17 ' secs)' "$tmp/o.m" '... a time for each of the 17 results'

# bwverbose: timing's lines without the times; verbose: the tree.
dtrun o -j1 -r bwverbose outcomes
check "-r bwverbose: exit 1 ($rc)" [ "$rc" -eq 1 ]
grep -v '^(X.XXX secs)$' "$exp/outcomes.timing.j1" >"$tmp/bw.want"
check_same "$tmp/bw.want" "$tmp/o.m" \
    '-r bwverbose: a line a result, then the sections and footer'
dtrun o -j1 -r verbose outcomes
check_same "$exp/outcomes.j1" "$tmp/o.m" '-r verbose: the tree'

# --rterrors: a failure's or an error's text also at its line, where
# trial's realtime reporter writes it, then the status, padded as trial
# pads it: to column 79 as if the whole text were one line (53 code
# points here, so 20 spaces; none for a longer text).
dtrun o -j1 --rterrors outcomes
check "--rterrors: exit 1 ($rc)" [ "$rc" -eq 1 ]
{
	printf 'outcomes/b-fail.sh ... exited with status 1\n'
	echo '--- output ---'
	echo boom
	echo 'second line'
	printf '%26s\n' '[FAIL]'
	echo 'outcomes/c-error.sh ... exited with status 99 (a hard error)'
} >"$tmp/rt.want"
check_block "$tmp/rt.want" "$tmp/o.m" \
    '... the text right after the name, the status after it'
sed -n '/^=\{79\}$/,$p' "$exp/outcomes.j1" >"$tmp/rt.foot"
sed -n '/^=\{79\}$/,$p' "$tmp/o.m" >"$tmp/rt.got"
check_same "$tmp/rt.foot" "$tmp/rt.got" '... and the same sections and footer'
n=$(grep -c ' \.\.\. ' "$tmp/o.m")
check "... a line for each of the 17 results ($n)" [ "$n" -eq 17 ]
dtrun o -j1 -r text --rterrors outcomes
check_line '.exited with status 1' "$tmp/o.m" \
    '-r text --rterrors: the text after the characters before it'
check_egrep '^F' "$tmp/o.m" '... and its character after the text'

# --help-reporters: every format there is, one a line.
"$DT" --help-reporters >"$tmp/hr.out" 2>&1
rc=$?
check "--help-reporters: exit 0 ($rc)" [ "$rc" -eq 0 ]
for f in tree verbose bwverbose text summary timing tap; do
	check_egrep "^    $f +[a-z]" "$tmp/hr.out" "... lists $f"
done

# tap: one stream; prove and our own parser count what the tree counts.
dtrun o -j1 -r tap outcomes
check "-r tap: exit 1 ($rc)" [ "$rc" -eq 1 ]
sed 's/^\(# Ran [0-9]* tests in \)[0-9]*\.[0-9]*s$/\1X.XXXs/' "$tmp/o.out" \
    >"$tmp/tap.got"
check_same "$exp/outcomes.tap.j1" "$tmp/tap.got" \
    '-r tap: a point a result, failures in YAML, the plan at the end'
mkdir "$tmp/back"
cp "$tmp/o.out" "$tmp/back/report.tap"
printf '#!/bin/sh\ncat "%s"\n' "$tmp/back/report.tap" >"$tmp/back/replay.t"
chmod +x "$tmp/back/replay.t"
# TAP has no errors: the tree's 4 failures and 3 errors are 7 failures.
foot='FAILED (skips=4, expectedFailures=1, failures=7, unexpectedSuccesses=1, successes=4)'
dtrun back -j1 "$tmp/back/replay.t"
check_line "$foot" "$tmp/back.m" \
    "... read back by our own parser: the tree's counts, errors as failures"
check_nogrep '[ERROR]' "$tmp/back.m" '... and no problem with the stream'
if command -v prove >/dev/null 2>&1; then
	(cd "$tmp/back" && prove ./replay.t) >"$tmp/prove.out" 2>&1
	check_grep 'Tests: 17 Failed: 7)' "$tmp/prove.out" \
	    '... read back by prove: 17 points, 7 failed'
	check_grep 'TODO passed:   12' "$tmp/prove.out" \
	    '... the unexpected success'
	check_nogrep 'Parse errors' "$tmp/prove.out" '... and no parse error'
	[ -s "$tmp/prove.out" ] && grep -q 'Parse errors' "$tmp/prove.out" &&
	    diag_file "$tmp/prove.out" 20
else
	skip '... read back by prove' 'no prove (Debian: perl)'
fi

# A name that is no format.
dtrun bad -r fancy outcomes
check "-r fancy: a usage error ($rc)" [ "$rc" -eq 2 ]
check_grep "disttrial: unknown reporter 'fancy' (there are tree, verbose, bwverbose, text, summary, timing, tap)" \
    "$tmp/bad.err" '... naming the formats'

done_testing
