#!/bin/sh
# t/worker-protocol.sh: the worker's side of the wire: Start creates its
# directory, Runs queue and run in order, unknown commands get Twisted's
# UNHANDLED error, garbage ends the worker with a message and a non-zero
# status, EOF, SIGTERM and SIGHUP end it with 0, and --stdio works;
# never is a test process left behind.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker
[ -x t/lib/sigdfl ] || skip_all 'no t/lib/sigdfl (run make)'
# shellcheck disable=SC2034 # read by drive in lib.sh
WDRIVER_DEADLINE=15

# How long the worker took to exit once told to, in ms.
quit() {
	sed -n 's/^elapsed exit ms=//p' "$tmp/$1.out"
}

# The status the worker ended with, as the driver saw it.
ended() {
	grep -E '^(exit|signal) [0-9]+$' "$tmp/$1.out" | tail -n 1
}

# shellcheck disable=SC2317 # called through check
nonzero() {
	case $(ended "$1") in
	'exit 0') return 1 ;;
	'exit '*) return 0 ;;
	*) return 1 ;;
	esac
}

# An unknown command.
drive u -U "$fx/pass.sh"
o=$tmp/u.out
check_line "ERROR code=UNHANDLED description=Unhandled Command: b'Bogus'" \
    "$o" "an unknown command gets Twisted's UNHANDLED error"
check_drive u '... and the worker goes on keeping to the protocol'
check_line "$AS/pass.sh" "$o" '... and runs tests after it'

# Start.
drive d -d "$tmp/a/b/c" "$fx/pass.sh"
check_line 'Start success=True' "$tmp/d.out" \
    'Start with missing parents answers success=True'
check 'the directory is made, parents and all' [ -d "$tmp/a/b/c" ]
check_drive d '... and the protocol is kept'
drive e -d "$tmp/a/b/c"
check_line 'Start success=True' "$tmp/e.out" \
    'Start with an existing directory answers success=True'
check_drive e 'a worker given no test exits 0 on EOF'
: >"$tmp/file"
drive n -d "$tmp/file/sub"
check_line 'Start success=False' "$tmp/n.out" \
    'Start with a directory that cannot be made answers success=False'
check '... with a line on stderr' [ -s "$tmp/n.err" ]
check_grep 'disttrial: ' "$tmp/n.err" '... a "disttrial:" line'
check_drive n '... and the worker still exits 0 on EOF'

# Pipelined Runs are queued and run one at a time, in order.
drive p -p "$fx/pass.sh" "$fx/fail1.sh" "$fx/tap-pass.sh" "$fx/skip77.sh" \
    "$fx/serial.sh" "$fx/serial.sh" "$fx/serial.sh" "$fx/no-such-test" \
    "$fx/pass.sh"
o=$tmp/p.out
check_drive p 'pipelined Runs: banners, results and answers in order'
for t in pass fail1 tap-pass skip77 serial serial serial; do
	echo "Run testCase=$fx/$t.sh success=True"
done >"$tmp/want"
{
	echo "Run testCase=$fx/no-such-test success=True"
	echo "Run testCase=$fx/pass.sh success=True"
} >>"$tmp/want"
grep '^Run ' "$o" >"$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then
	pass '... every Run answered, in the order sent'
else
	fail '... every Run answered, in the order sent'
	diag_file "$tmp/got"
fi
check_count 3 "$AS/serial.sh" "$o" \
    '... never two tests at once'
check_count 2 "$AS/pass.sh" "$o" \
    '... the same test twice is run twice'

# Every answer held back 30 ms: no Run may be answered before all of its
# test's commands are, unless another Run waits behind it and it did
# not fail (then the next test need not wait a round trip: the driver
# checks each answer against that rule).
drive w -D 30 -p "$fx/pass.sh" "$fx/fail1.sh" "$fx/tap-todo.sh" \
    "$fx/skip77.sh" "$fx/bigtail.sh" "$fx/no-such-test"
check_drive w 'with slow answers, a Run waits for its answers as it must'
check_count 6 'Run testCase=' "$tmp/w.out" '... and all are answered'
# Held back a second: with a Run behind them, the passing tests are
# answered at once, the failing one and the last only once their
# answers came.  One at a time, every Run waits.
drive a -D 1000 -p "$fx/pass.sh" "$fx/tap-pass.sh" "$fx/fail1.sh" \
    "$fx/pass.sh"
check_drive a 'Runs queued: the passing ones answered ahead of their answers'
printf 'ahead testCase=%s\n' "$fx/pass.sh" "$fx/tap-pass.sh" >"$tmp/want"
grep '^ahead ' "$tmp/a.out" >"$tmp/got"
if cmp -s "$tmp/want" "$tmp/got"; then
	pass '... those two, and not the failing one'
else
	fail '... those two, and not the failing one'
	diag_file "$tmp/got"
fi
drive b -D 1000 "$fx/pass.sh" "$fx/tap-pass.sh"
check_drive b 'Runs one at a time: each waits for its answers'
check_count 0 'ahead testCase=' "$tmp/b.out" '... none answered ahead'

# Bytes one at a time.
drive o -1 "$fx/pass.sh" "$fx/tap-fail.sh"
check_drive o 'boxes arriving a byte at a time are understood'
check_line "$AS/tap-fail.sh 1 - good" "$tmp/o.out" \
    '... and the tests run'

# --stdio
drive s -s "$fx/pass.sh" "$fx/fail1.sh"
o=$tmp/s.out
check_drive s '--worker --stdio speaks AMP on fds 0 and 1'
check_line "$AS/pass.sh" "$o" '... and runs tests'
check_grep "$AF/fail1.sh $TF fail=exited with status 1" \
    "$o" '... failures too'
drive s2 -s -U -p "$fx/tap-todo.sh" "$fx/pass.sh"
check_drive s2 '... with pipelined Runs and an unknown command'

# EOF in the middle of a test.  -E, -G and -k act at the test's banner,
# which may come before its first command, where it records its pids (and
# starts its child): so none recorded passes (check_gone -o), and the
# last check looks for the test's own shell by its path.
drive x -m -E "$fx/hang-eof.sh" "$fx/pass.sh"
check "EOF mid-test: the worker exits 0 ($(ended x))" \
    [ "$(ended x)" = 'exit 0' ]
check_nogrep PROTOCOL "$tmp/x.out" '... keeping to the protocol till then'
check_gone -o '... having killed the test' hang-eof.test
check_gone -o "... and the test's process group" hang-eof.child
check "... at once ($(quit x) ms)" [ "$(quit x)" -lt 2000 ]
check_nogrep 'testCase=' "$tmp/x.out" '... answering no Run'

# Garbage.
drive g -m -G
check "garbage on the AMP input: the worker exits non-zero ($(ended g))" \
    nonzero g
check_grep 'disttrial: ' "$tmp/g.err" '... with a message on stderr'
drive h -m -G "$fx/hang-garbage.sh"
check "garbage mid-test: the worker exits non-zero ($(ended h))" \
    nonzero h
check_grep 'disttrial: ' "$tmp/h.err" '... with a message on stderr'
check_gone -o '... having killed the test' hang-garbage.test
check "... at once ($(quit h) ms)" [ "$(quit h)" -lt 2000 ]

# Signals.  The worker starts with them at their default actions,
# whatever this script started with (under nohup SIGHUP is ignored, and
# a signal ignored at start stays ignored): the driver, which the worker
# inherits them from, runs through t/lib/sigdfl.
# shellcheck disable=SC2016 # "$@" is the wrapper's
printf '%s\n' '#!/bin/sh' 'exec t/lib/sigdfl t/lib/wdriver "$@"' \
    >"$tmp/wdriver-dfl"
chmod +x "$tmp/wdriver-dfl"
# shellcheck disable=SC2034 # read by drive in lib.sh
wd=$tmp/wdriver-dfl
drive t -m -k 15 "$fx/hang-term.sh"
check "SIGTERM mid-test: the worker exits 0 ($(ended t))" \
    [ "$(ended t)" = 'exit 0' ]
check_gone -o '... having killed the test' hang-term.test
check "... at once ($(quit t) ms)" [ "$(quit t)" -lt 2000 ]
drive v -m -k 1 "$fx/hang-hup.sh"
check "SIGHUP mid-test: the worker exits 0 ($(ended v))" \
    [ "$(ended v)" = 'exit 0' ]
check_gone -o '... having killed the test' hang-hup.test
check "... at once ($(quit v) ms)" [ "$(quit v)" -lt 2000 ]

cat "$tmp/x.out" "$tmp/g.out" "$tmp/h.out" "$tmp/t.out" "$tmp/v.out" \
    >"$tmp/all"
check_nogrep DRIVER "$tmp/all" 'the worker always ended before the deadline'

check_nofixtures 'no test process is left behind' serial.sh hang-eof.sh \
    hang-garbage.sh hang-term.sh hang-hup.sh

done_testing
