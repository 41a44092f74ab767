#!/bin/sh
# bench/far.sh [ROUNDS] [TESTS] [MS] [OLD]: what a far worker costs.
# Each round (default 5) times, in alternation, TESTS (default 200)
# trivial TAP tests at -j2: near (each worker through bench/relay with
# no delay) and far (through bench/relay holding every chunk MS, default
# 20, milliseconds each way: a round trip of 2 MS).  With OLD, another
# disttrial, the same two runs of it.  It prints the medians in ms, and
# far against the issue's bound, 1.5 times near plus a second.  Wall
# time from date +%s%N (GNU date).  Not a test: a shared machine is
# noisy.
set -eu
rounds=${1:-5}
ntests=${2:-200}
ms=${3:-20}
old=${4:-}
top=$(cd "$(dirname "$0")/.." && pwd)
dt=$top/disttrial
[ -x "$dt" ] || { echo "bench: no $dt (run make)" >&2; exit 1; }
work=$(mktemp -d)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/relay" "$top/bench/relay.c"
trivial "$work/s" "$ntests"

# run NAME DISTTRIAL DELAY: one timed run, in ms, to NAME.t.
run() {
	_a=$(date +%s%N)
	(cd "$work" && "$2" -j2 --worker-command \
	    "exec '$work/relay' $3 '$2' --worker --stdio" s) \
	    >"$work/out" 2>&1 </dev/null || echo "bench: $1 failed" >&2
	_b=$(date +%s%N)
	grep -q "^PASSED (successes=$ntests)\$" "$work/out" ||
	    echo "bench: $1 did not pass every test" >&2
	echo $(((_b - _a) / 1000000)) >>"$work/$1.t"
}

r=0
while [ "$r" -lt "$rounds" ]; do
	run near "$dt" 0
	run far "$dt" "$ms"
	if [ -n "$old" ]; then
		run oldnear "$old" 0
		run oldfar "$old" "$ms"
	fi
	r=$((r + 1))
done

median() {
	sort -n "$work/$1.t" | awk '{ v[NR] = $1 } END {
	    print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
near=$(median near)
far=$(median far)
printf '%s trivial tests, -j2, %s rounds, relay %s ms each way\n' \
    "$ntests" "$rounds" "$ms"
printf '%-10s %8s\n' run ms
printf '%-10s %8s\n' near "$near" far "$far"
if [ -n "$old" ]; then
	printf '%-10s %8s\n' old-near "$(median oldnear)" \
	    old-far "$(median oldfar)"
fi
awk -v n="$near" -v f="$far" 'BEGIN {
    b = 1.5 * n + 1000
    printf "far: %.2f times near; the bound 1.5 near + 1 s is %d ms: %s\n",
	f / n, b, f <= b ? "met" : "NOT met" }'
