#!/bin/sh
# t/manager-terminal.sh: the status line and colour, seen through a real
# pseudo-terminal (script(1) from util-linux, the terminal's size set
# with stty inside it).  The status line is as wide as the terminal, one
# column short, whatever $COLUMNS says; there is none with TERM=dumb or
# through a pipe, and no escape code at all then; colour follows
# --color, NO_COLOR and the terminal.  Skipped without script(1).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

command -v script >/dev/null 2>&1 ||
    skip_all 'no script(1) for a pseudo-terminal (Debian: util-linux)'
script -qefc true /dev/null </dev/null >/dev/null 2>&1 ||
    skip_all 'script(1) cannot make a pseudo-terminal here'

# One test whose path is longer than 50 columns: the first status line,
# drawn as soon as it is handed out, names it.
name=a-test-whose-name-is-long-enough-to-pass-fifty-columns.sh
mkdir -p "$tmp/run/t"
printf '#!/bin/sh\necho 1..1\necho ok 1 - fine\n' >"$tmp/run/t/$name"
chmod +x "$tmp/run/t/$name"
esc=$(printf '\033')

# onpty NAME COLS ARGS: disttrial ARGS in $tmp/run on a pseudo-terminal
# COLS wide; what it wrote in $tmp/NAME.ts, its status lines (the text
# between the erasures) in $tmp/NAME.st.
onpty() {
	_n=$1
	_c=$2
	shift 2
	(cd "$tmp/run" && script -qefc "stty cols $_c rows 24; exec $DT $*" \
	    "$tmp/$_n.ts") </dev/null >/dev/null 2>&1
	rc=$?
	sed 1d "$tmp/$_n.ts" | tr '\r' '\n' | tr '\033' '\n' |
	    grep -E '^\[[0-9]+/[0-9]+\]' >"$tmp/$_n.st"
}

# widest FILE: the length of its longest line.
widest() {
	awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$1"
}

TERM=xterm
export TERM
unset COLUMNS NO_COLOR

onpty w50 50 -j1 t
check "50 columns: the run passes ($rc)" [ "$rc" -eq 0 ]
check '... a status line is drawn' [ -s "$tmp/w50.st" ]
w=$(widest "$tmp/w50.st")
check "... at most 49 columns wide ($w)" [ "$w" -le 49 ] && [ "$w" -gt 30 ]
check_grep "${esc}[K" "$tmp/w50.ts" '... and erased'
check_grep "${esc}[32;1m[OK]${esc}[0m" "$tmp/w50.ts" \
    '... the statuses in colour'

onpty w120 120 -j1 t
w=$(widest "$tmp/w120.st")
check "120 columns: the status line is wider than 50 ($w)" [ "$w" -gt 50 ] &&
    [ "$w" -le 119 ]
check_grep "t/$name 0s" "$tmp/w120.st" '... and names the whole test'

COLUMNS=200 onpty c200 50 -j1 t
w=$(widest "$tmp/c200.st")
check "50 columns, COLUMNS=200: the terminal's width wins ($w)" \
    [ "$w" -le 49 ] && [ "$w" -gt 30 ]

TERM=dumb onpty dumb 50 -j1 t
check "TERM=dumb: the run passes ($rc)" [ "$rc" -eq 0 ]
check_grep '[OK]' "$tmp/dumb.ts" '... and reports'
check_nogrep "$esc" "$tmp/dumb.ts" '... without one escape code'

NO_COLOR=1 onpty nocolor 50 -j1 t
check_nogrep "${esc}[32" "$tmp/nocolor.ts" 'NO_COLOR: no colour'
check '... the status line stays' [ -s "$tmp/nocolor.st" ]
onpty never 50 -j1 --color never t
check_nogrep "${esc}[32" "$tmp/never.ts" '--color never: no colour'
onpty always 50 -j1 --color=always t
check_grep "${esc}[32;1m[OK]" "$tmp/always.ts" '--color always: colour'

# Through a pipe: no status line, no escape code; colour only if asked.
(cd "$tmp/run" && "$DT" -j1 t) </dev/null 2>&1 | cat >"$tmp/pipe.out"
check_grep '[OK]' "$tmp/pipe.out" 'through a pipe: the report'
check_nogrep "$esc" "$tmp/pipe.out" '... without one escape code'
check "... without a carriage return" [ "$(tr -cd '\r' <"$tmp/pipe.out" |
    wc -c)" -eq 0 ]
(cd "$tmp/run" && "$DT" -j1 --color always t) </dev/null 2>&1 |
    cat >"$tmp/pipec.out"
check_grep "${esc}[32;1m[OK]" "$tmp/pipec.out" \
    '--color always through a pipe: colour'
check_nogrep "${esc}[K" "$tmp/pipec.out" '... but no status line'

dtrun bad --color sometimes t
check "--color sometimes: a usage error ($rc)" [ "$rc" -eq 2 ]
check_grep "disttrial: --color takes auto, always or never, not 'sometimes'" \
    "$tmp/bad.err" '... saying so'

done_testing
