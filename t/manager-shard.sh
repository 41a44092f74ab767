#!/bin/sh
# t/manager-shard.sh: --shard K/N runs part K of N of the suite, so that N
# CI jobs split one suite.  The parts cover every test once, and depend
# only on the tests' paths (and --state's durations), never on the order
# they were found or run in.  With --state they are balanced by the
# recorded durations, longest first into the lightest part (a test the
# file does not know counts as the mean); without it, by count.  The
# report and the JUnit file say which part they are; an empty part
# passes and says so.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

mkdir -p "$tmp/s/s"
for t in a b c d e f g; do
	printf '#!/bin/sh\necho 1..1\necho ok 1\n' >"$tmp/s/s/$t.sh"
	chmod +x "$tmp/s/s/$t.sh"
done

# ran NAME: the tests the run NAME ran, sorted, one a line.
ran() {
	sed -n 's/^ok [0-9]* - \(s\/[a-g]\.sh\) 1$/\1/p' "$tmp/$1.out" |
	    LC_ALL=C sort
}

# By count: 7 tests in 3 parts.
: >"$tmp/all"
for k in 1 2 3; do
	dtrun s -r tap --shard "$k/3" s
	check "--shard $k/3: exit 0 ($rc)" [ "$rc" -eq 0 ]
	ran s >"$tmp/part$k"
	n=$(wc -l <"$tmp/part$k")
	check_line "# Shard $k of 3: $n of 7 tests" "$tmp/s.out" \
	    "... says which part it is, and its $n tests"
	cat "$tmp/part$k" >>"$tmp/all"
done
n1=$(wc -l <"$tmp/part1")
n2=$(wc -l <"$tmp/part2")
n3=$(wc -l <"$tmp/part3")
check "... by count: 3, 2 and 2 ($n1, $n2, $n3)" \
    [ "$n1.$n2.$n3" = 3.2.2 ]
printf 's/%s.sh\n' a b c d e f g >"$tmp/want"
LC_ALL=C sort "$tmp/all" >"$tmp/all.sorted"
check_same "$tmp/want" "$tmp/all.sorted" '... every test in one part, once'

# The same parts whatever the order: operands reversed, or shuffled.
dtrun s -r tap --shard 2/3 s/g.sh s/f.sh s/e.sh s/d.sh s/c.sh s/b.sh s/a.sh
ran s >"$tmp/rev"
check_same "$tmp/part2" "$tmp/rev" '--shard 2/3, the operands reversed: the same part'
dtrun s -r tap --shard 2/3 --random 7 s
ran s >"$tmp/rnd"
check_same "$tmp/part2" "$tmp/rnd" '... shuffled: the same part'

# By --state's durations: a 8 s, b 5, c 4, d 3, e 3, f 2, g 1; longest
# first into the lightest part (ties to the lower part, equal times by
# path): {a, g} 9 s, {b, e} 8 s, {c, d, f} 9 s.  Each run gets its own
# copy of the file, which it rewrites.
printf 'disttrial state 1\n' >"$tmp/state"
for t in a:8 b:5 c:4 d:3 e:3 f:2 g:1; do
	printf '%s.000\tpass\ts/%s.sh\n' "${t#*:}" "${t%:*}" >>"$tmp/state"
done
for k in 1 2 3; do
	cp "$tmp/state" "$tmp/s/st"
	dtrun s -r tap --state st --shard "$k/3" s
	ran s | tr '\n' ' ' >"$tmp/bal$k"
done
check_line 's/a.sh s/g.sh ' "$tmp/bal1" '--state: part 1 is a and g (9 s)'
check_line 's/b.sh s/e.sh ' "$tmp/bal2" '... part 2 b and e (8 s)'
check_line 's/c.sh s/d.sh s/f.sh ' "$tmp/bal3" '... part 3 c, d and f (9 s)'

# A test the file does not know counts as the mean (26/7 s, 3.7 s): with
# h, a 4-way split puts it where a 3 s test would not go.
printf '#!/bin/sh\necho 1..1\necho ok 1\n' >"$tmp/s/s/h.sh"
chmod +x "$tmp/s/s/h.sh"
: >"$tmp/all"
for k in 1 2 3 4; do
	cp "$tmp/state" "$tmp/s/st"
	dtrun s -r tap --state st --shard "$k/4" s
	sed -n 's/^ok [0-9]* - \(s\/[a-h]\.sh\) 1$/\1/p' "$tmp/s.out" \
	    >>"$tmp/all"
done
# a 8 | b 5 | c 4 | h 3.7 ; d 3 -> h (6.7) ; e 3 -> c (7) ; f 2 -> b (7) ;
# g 1 -> h (6.7 < 7)
cp "$tmp/state" "$tmp/s/st"
dtrun s -r tap --state st --shard 4/4 s
sed -n 's/^ok [0-9]* - \(s\/[a-h]\.sh\) 1$/\1/p' "$tmp/s.out" |
    LC_ALL=C sort | tr '\n' ' ' >"$tmp/new4"
check_line 's/d.sh s/g.sh s/h.sh ' "$tmp/new4" \
    '... an unknown test counts as the mean: part 4 is h, d and g'
n=$(LC_ALL=C sort -u "$tmp/all" | wc -l)
check "... and the 4 parts still cover the 8 tests ($n)" [ "$n" -eq 8 ]

# JUnit names the part; an empty part passes, saying so.
dtrun s --shard 10/20 --junit-xml j.xml s
check "--shard 10/20 of 8 tests: an empty part, exit 0 ($rc)" [ "$rc" -eq 0 ]
check_line 'Running 0 tests.' "$tmp/s.out" '... running no test'
check_line 'disttrial: --shard 10/20: this part has no test (8 in all)' \
    "$tmp/s.err" '... saying so on stderr'
check_grep '<testsuites name="shard 10 of 20" tests="0" ' "$tmp/s/j.xml" \
    '... and a JUnit file that names the part'

# Usage errors.
for bad in 0/3 4/3 1/0 -1/3 1/x 1/3x ' 1/3' 1 /3; do
	dtrun s --shard "$bad" s
	check "--shard '$bad': a usage error ($rc)" [ "$rc" -eq 2 ]
	check_grep "disttrial: --shard needs K/N, part K of N (1 <= K <= N), not '$bad'" \
	    "$tmp/s.err" '... saying so'
done

done_testing
