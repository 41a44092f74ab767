#!/bin/sh
# t/worker-output.sh: a test's output: every line that is not TAP goes
# back whole and in order in a TestWrite (the lines of one wake-up share
# one, joined by newlines; wdriver prints each line on its own); CR LF
# ends are stripped; long lines are split; bytes that are not UTF-8 are
# repaired; big outputs take bounded memory; stdin is at EOF.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

ff=$(printf '\357\277\275')	# U+FFFD, the replacement character

# A worker built with AddressSanitizer (as CI builds it once) would keep
# freed memory in its quarantine and look as if it grew with the output.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS

# Lines, in order, each whole on a line of wdriver's.
drive l "$fx/lines.sh" "$fx/fail1.sh" "$fx/nonl.sh" "$fx/crlf.sh" \
    "$fx/control.sh" "$fx/invalid-utf8.sh" "$fx/utf8-fail.sh" "$fx/stdin.sh"
o=$tmp/l.out
check_drive l 'the worker keeps to the protocol'
i=1
while [ "$i" -le 300 ]; do
	echo "TestWrite out=line $i"
	i=$((i + 1))
done >"$tmp/want"
{
	echo "TestWrite out="
	echo "TestWrite out=after blank"
} >>"$tmp/want"
sed -n "\\|^TestWrite out=--> $fx/lines.sh <--\$|,/^Add/p" "$o" |
    sed '1d; $d' >"$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then
	pass '300 lines and a blank one: each whole, in order'
else
	fail '300 lines and a blank one: each whole, in order'
	diag_file "$tmp/got" 5
fi
check_line 'TestWrite out=boom' "$o" 'each line is logged whole (boom)'
check_line 'TestWrite out=second line' "$o" '... (second line)'
check_line 'TestWrite out=first' "$o" 'nonl.sh: the first line'
check_line 'TestWrite out=no newline at end' "$o" \
    'a last line without a newline is logged'

check_grep 'dos line' "$o" 'crlf.sh: its output is logged'
check_nogrep 'dos line\r' "$o" 'a CR before the newline is stripped'
check_nogrep 'err dos\r' "$o" '... on stderr too'
check_grep 'mid\rcr' "$o" 'a CR inside a line stays'
check_line 'TestWrite out=dos line' "$o" 'crlf.sh: each line is logged whole'
check_line 'TestWrite out=mid\rcr' "$o" '... (CR inside)'
check_line 'TestWrite out=err dos' "$o" '... (stderr)'

check_grep 'tab\there' "$o" 'a tab passes through'
check_grep 'nul\x00byte' "$o" 'a NUL byte passes through, not cutting the line'
check_grep 'esc\x1b[0m' "$o" 'an escape character passes through'
check_line 'TestWrite out=tab\there' "$o" \
    'control.sh: each line is logged whole'
check_line 'TestWrite out=nul\x00byte' "$o" '... (NUL)'

check_grep "bad $ff$ff bytes" "$o" \
    'bytes that are not UTF-8 become U+FFFD, one per bad byte'
check_grep "cut $ff" "$o" 'a cut sequence becomes U+FFFD'
check_grep "good café" "$o" 'good UTF-8 passes through'
check_grep "err $ff" "$o" 'stderr is repaired too'
check_line "TestWrite out=bad $ff$ff bytes" "$o" \
    'invalid-utf8.sh: each line is logged whole'
check_line "TestWrite out=good café" "$o" '... (good)'
check_line "TestWrite out=err $ff" "$o" '... (stderr)'

check_grep "fail=exited with status 1${OUT}bad $ff byte" "$o" \
    'a failure text that is not UTF-8 is repaired'
check_line "$AS/stdin.sh" "$o" 'a test reading stdin sees EOF'
check_grep 'stdin at EOF' "$o" '... and says so'

# stdin is /dev/null even when the worker's own stdin has data.
echo 'worker input' >"$tmp/data"
drive s -w "exec ./disttrial --worker <$tmp/data" "$fx/stdin.sh"
check_drive s 'a worker with data on its stdin keeps to the protocol'
check_line "$AS/stdin.sh" "$tmp/s.out" \
    "... and the test's stdin is still at EOF"

# A 1 MiB line is split into TestWrites of at most 65535 bytes, in
# bounded memory.
drive b0 -r "$fx/pass.sh"
before=$(sed -n 's/^maxrss=//p' "$tmp/b0.out")
drive m -r "$fx/line1m.sh" "$fx/line1m-utf8.sh"
o=$tmp/m.out
check_drive m 'long lines: the protocol is kept (every piece UTF-8)'
LC_ALL=C awk '/^TestWrite out=aaaa/ {
	n++; len = length($0) - 14; total += len; if (len > max) max = len
    } END { print n + 0, total + 0, max + 0 }' "$o" >"$tmp/a"
read -r n total max <"$tmp/a"
check "a 1 MiB line arrives whole ($total bytes)" [ "$total" -eq 1048576 ]
check "... in pieces of at most 65535 bytes ($max)" [ "$max" -le 65535 ]
check "... not too many of them ($n)" [ "$n" -le 20 ]
check_line 'TestWrite out=after the long line' "$o" \
    '... and the line after it is whole'
LC_ALL=C awk '/^TestWrite out=x/ {
	n++; len = length($0) - 14; total += len; if (len > max) max = len
    } END { print n + 0, total + 0, max + 0 }' "$o" >"$tmp/a"
read -r n total max <"$tmp/a"
check "a line of 1.5 MiB of UTF-8 arrives whole ($total bytes)" \
    [ "$total" -eq 1572864 ]
check "... in pieces of at most 65535 bytes ($max)" [ "$max" -le 65535 ]
check_nogrep "$ff" "$o" '... never cutting a character'
after=$(sed -n 's/^maxrss=//p' "$o")
check "... the worker grows by less than 8 MiB ($before KiB, then $after)" \
    [ $((after - before)) -lt 8192 ]

# 50 MB of output: it all goes as TestWrites, many lines to each, the
# failure text is the tail, and the worker's memory does not grow with
# it.
drive b -q -r -m "$fx/big50.sh" "$fx/big50-fail.sh"
o=$tmp/b.out
check_drive b '50 MB of output: the protocol is kept'
check_line "$AS/big50.sh" "$o" '... a success'
n=$(sed -n 's/^TestWrites lines=\([0-9]*\) bytes=\([0-9]*\)$/\2/p' "$o")
banners=$((11 + 2 * 8 + ${#fx} * 2 + 9 + 14))
check "... every byte is logged ($n)" \
    [ "$n" -eq $((2 * 500000 * 99 + 12 + banners)) ]
check_line "TestWrites lines=1000004 bytes=$n" "$o" \
    '... every line of it, whole'
# awk writes 4 KiB at a time into its pipe, so each read of the worker
# holds 40 lines or more, and those that come together share a box.
boxes=$(sed -n 's/^TestWrite boxes=//p' "$o")
check "... many lines a TestWrite ($boxes boxes)" \
    [ "${boxes:-1000004}" -le 50000 ]
check_grep "$AF/big50-fail.sh $TF fail=exited with status 1\\n--- output (last 65513 of 50000013 bytes) ---\\n" \
    "$o" '... the failure text is the tail, saying how much was cut'
check_grep '\nthe very end\n frames=0' "$o" '... ending with the last line'
after=$(sed -n 's/^maxrss=//p' "$o")
check "... the worker grows by less than 8 MiB ($before KiB, then $after)" \
    [ $((after - before)) -lt 8192 ]
for t in big50 big50-fail; do
	ms=$(sed -n "s|^elapsed testCase=$fx/$t.sh ms=||p" "$o")
	check "... $t.sh takes less than 10 s ($ms ms)" [ "$ms" -lt 10000 ]
done

check_nofixtures 'no test process is left behind' lines.sh nonl.sh \
    crlf.sh control.sh utf8-fail.sh stdin.sh line1m.sh line1m-utf8.sh \
    big50.sh big50-fail.sh

done_testing
