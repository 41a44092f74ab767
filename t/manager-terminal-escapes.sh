#!/bin/sh
# t/manager-terminal-escapes.sh: what a test prints or puts in a name
# reaches the report visibly, never as bytes that act on a terminal:
# control characters but tab and newline (C0, DEL, C1) shown as \xHH in
# every format (-r) and in the status line; a NUL in a TAP description
# no longer cuts it; test.log keeps the bytes as they came.  And a line
# longer than one AMP value (10 MB) is one line in test.log, while
# Twisted's manager, which ignores continuesLine, still takes our
# worker's pieces as lines.  The status line needs script(1); Twisted's
# manager, a Python with Twisted: each skips without.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

esc=$(printf '\033')
bel=$(printf '\007')
c1=$(printf '\302\233')

# controls FILE: how many control characters FILE holds but tab and
# newline: C0 (NUL included), DEL, and C1 (U+0080..U+009F: C2 80..C2 9F).
controls() {
	od -An -v -tx1 "$1" | awk '
	    { for (i = 1; i <= NF; i++) {
		b = $i
		if (p == "c2" && b >= "80" && b <= "9f")
			n++
		else if ((b < "20" && b != "09" && b != "0a") || b == "7f")
			n++
		p = b
	    } }
	    END { print n + 0 }'
}

# The suite: the hostile TAP test, and a failing one whose name holds an
# escape sequence (it sorts first, so the first status line names it).
named="${esc}[7mnamed.sh"
mkdir -p "$tmp/esc/t"
cp "$mfx/escapes/hostile.t" "$tmp/esc/t/hostile.t"
cp "$mfx/escapes/named.sh" "$tmp/esc/t/$named"

for r in tree text summary timing tap; do
	dtrun esc -j1 -r "$r" t
	mv "$tmp/esc.out" "$tmp/$r.out"
	check "-r $r: the run fails, as its tests do ($rc)" [ "$rc" -eq 1 ]
	n=$(controls "$tmp/$r.out")
	check "... and no control character reaches its stdout ($n)" \
	    [ "$n" -eq 0 ]
done
o=$tmp/tree.out
check_grep 't/\x1b[7mnamed.sh ... ' "$o" \
    'tree: an escape sequence in a test name is shown, \x1b'
check_grep '  1 - title \x1b]0;pwned\x07 set ... ' "$o" \
    '... in a description: a title (OSC 0) and BEL'
check_grep '  2 - clear \x1b[2J\x1b[H screen ... ' "$o" \
    '... a cleared screen'
check_grep '  3 - nul \x00 del \x7f csi \x9b2J end ... ' "$o" \
    '... a NUL, which no longer cuts the description, DEL and C1'
check_grep '  4 - redraw\x0d\x1b[K[OK] ... ' "$o" \
    '... a failing line redrawn as [OK] (CR)'
check_grep '  6 - a literal \\x1b ... ' "$o" \
    '... a backslash before an x doubled: the text \x1b'
check_line '# clip \x1b]52;c;aGVsbG8=\x07 board' "$o" \
    'a diagnostic that writes the clipboard (OSC 52), in its section'
check_line '  got: "\x1b[31mred\x9b"' "$o" '... YAML'
check_line 'out \x1b[1mbold\x00nul' "$o" "... the test's output"
check_line 'bell \x07 nul \x00 end' "$o" 'a skip reason'
check_line "Reason: '\\x1b[31mlater\\x00on'" "$o" 'a todo reason'
check_line 'tail \x1b]0;x\x07' "$o" "a file's failure: its output's tail"
check_line 't/\x1b[7mnamed.sh' "$o" '... under its name'

check_line '# clip \x1b]52;c;aGVsbG8=\x07 board' "$tmp/text.out" \
    'text: the sections are shown so too'
check_line 't/hostile.t 3 - nul \x00 del \x7f csi \x9b2J end ... [OK]' \
    "$tmp/timing.out" 'timing: the names too'
o=$tmp/tap.out
check_line 'ok 2 - t/hostile.t 1 - title \x1b]0;pwned\x07 set' "$o" \
    'tap: the names too'
check_grep 'ok 6 - t/hostile.t 5 # SKIP bell \x07 nul \x00 end' "$o" \
    '... the reasons'
check_line 'ok 7 - t/hostile.t 6 - a literal \\x1b' "$o" \
    '... a backslash as TAP escapes it'
y='  message: "not ok 2 - clear \\x1b[2J\\x1b[H screen\n'
y=$y'# clip \\x1b]52;c;aGVsbG8=\\x07 board\n'
check_grep "$y" "$o" '... a failure as the tree shows it, in YAML'

# test.log keeps the bytes as they came.
l=$tmp/esc/_trial_temp/test.log
check_line "# clip ${esc}]52;c;aGVsbG8=$bel board" "$l" \
    'test.log: the diagnostic as it came'
check_line "  got: \"${esc}[31mred$c1\"" "$l" '... its YAML'
check_line "err ${esc}[5mblink$c1" "$l" '... stderr'
check_grep "out ${esc}[1mbold" "$l" '... stdout'
n=$(tr -cd '\000' <"$l" | wc -c)
check "... with its NUL ($n)" [ "$n" -eq 1 ]
check_line "tail ${esc}]0;x$bel" "$l" "... the failure's output"
check_line "--> t/$named <--" "$l" '... the name as it is'

# On a terminal: the status line too.  The only escape sequences on it
# are disttrial's own: the status line's erasure and colour.
if ! command -v script >/dev/null 2>&1; then
	skip 'on a terminal' 'no script(1) (Debian: util-linux)'
	skip '...' 'no script(1)'
elif ! script -qefc true /dev/null </dev/null >/dev/null 2>&1; then
	skip 'on a terminal' 'script(1) cannot make a pseudo-terminal here'
	skip '...' 'no pseudo-terminal'
else
	(cd "$tmp/esc" && TERM=xterm script -qefc \
	    "stty cols 100 rows 24; exec $DT -j1 t" "$tmp/pty.ts") \
	    </dev/null >/dev/null 2>&1
	sed 1d "$tmp/pty.ts" | tr -d '\r' | sed "s/$esc\\[K//g;
	    s/$esc\\[3[1-4];1m//g; s/$esc\\[0m//g" >"$tmp/pty.rest"
	n=$(controls "$tmp/pty.rest")
	check "on a terminal: no control but disttrial's own ($n)" \
	    [ "$n" -eq 0 ]
	tr '\r' '\n' <"$tmp/pty.ts" | grep '^\[[0-9]*/[0-9]*\]' \
	    >"$tmp/pty.st"
	check_grep '| t/\x1b[7mnamed.sh 0s' "$tmp/pty.st" \
	    '... the status line shows a test name so too'
fi

# A line of 10 MB is one line in test.log, as is one of 200,000 bytes of
# two-byte characters (none cut between the pieces: no U+FFFD).
suite long longline
dtrun long -j1 longline
check "a 10 MB line: the run passes ($rc)" [ "$rc" -eq 0 ]
l=$tmp/long/_trial_temp/test.log
LC_ALL=C awk 'f { printf "%s ", length($0) } /^--> / { f = 1 }
    END { print "" }' "$l" >"$tmp/lens"
check_line '10000000 200000 5 ' "$tmp/lens" \
    "... is one line in test.log, as are the others ($(cut -c 1-60 \
    "$tmp/lens"))"
check_nogrep "$(printf '\357\277\275')" "$l" '... no character cut'
check_line 'after' "$l" '... and the line after them is whole'

# The worker marks each piece past the first as continuing the line, and
# Twisted's manager, which ignores the key, logs the pieces as lines.
if [ -x "$wd" ]; then
	drive w "$mfx/longline/long.sh"
	check_drive w 'the worker, a line at a time: the protocol is kept'
	n=$(LC_ALL=C awk '/^TestWrite continuesLine=True$/ { m = 1; next }
	    m && /^TestWrite out=a/ { n++ } { m = 0 } END { print n + 0 }' \
	    "$tmp/w.out")
	check "... 10 MB in 153 values, the 152 after the first continuing it ($n)" \
	    [ "$n" -eq 152 ]
	check_nogrep "$(printf '\357\277\275')" "$tmp/w.out" \
	    '... each piece cut between characters'
else
	skip 'the worker, a line at a time' 'no t/lib/wdriver (make it)'
	skip '...' 'no t/lib/wdriver'
fi
# twlong: Twisted's manager (the last peer's) runs long.sh on our worker;
# its test.log (in its temp directory, or in 0/ there before 24.7) holds
# the 10 MB line's bytes as the 153 lines it was sent in.
twlong() {
	printf '%s\n' "$mfx/longline/long.sh" >"$tmp/programs"
	DTPROGRAMS=$tmp/programs PYTHONPATH=$top/t/fixtures/pyprograms \
	    PYTHONDONTWRITEBYTECODE=1 twisted_trial -j1 \
	    --temp-directory="$tmp/tw$twver" dtprograms \
	    >"$tmp/tw.out" 2>"$tmp/tw.err"
	rc=$?
	check "Twisted $twver's manager on our worker: long lines pass ($rc)" \
	    [ "$rc" -eq 0 ]
	find "$tmp/tw$twver" -name test.log -exec cat {} + |
	    LC_ALL=C awk '/^a+$/ { n++; b += length($0) }
	    END { print n + 0, b + 0 }' >"$tmp/tw.a"
	check_line '153 10000000' "$tmp/tw.a" \
	    "... its test.log holds every byte, in lines ($(cat "$tmp/tw.a"))"
}
for v in system 24.7; do
	if peer "$v"; then
		twlong
	else
		skip "Twisted's manager ($v) on our worker" "$why"
		skip '...' "$why"
	fi
done

done_testing
