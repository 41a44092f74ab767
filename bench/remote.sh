#!/bin/sh
# bench/remote.sh [ROUNDS] [TESTS]: what a run costs through ssh and
# through SLURM against a local one, on this machine: an sshd and a SLURM
# cluster of its own on 127.0.0.1 (t/lib/remote.sh; root, with
# openssh-server, slurmctld, slurmd, slurm-client and munge).  Each
# round (default 5) times, in alternation: TESTS (default 200) trivial
# TAP tests at 4 workers, local (-j4), through ssh (--ssh
# 4/127.0.0.1) and as SLURM job steps (salloc -n4 disttrial --slurm); and
# one test on one worker each way, whose difference from the local one
# is what starting a worker costs there (a connection and a login; a
# step, or an allocation too).  It prints the medians in ms and the
# ratios to the local run.  Wall time from date +%s%N (GNU date).  Not a
# test: a shared machine is noisy.
# shellcheck disable=SC2154 # remote_why: set by t/lib/remote.sh
set -eu
rounds=${1:-5}
ntests=${2:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
dt=$top/disttrial
[ -x "$dt" ] || { echo "bench: no $dt (run make)" >&2; exit 1; }
work=$(mktemp -d)
# shellcheck source=t/lib/remote.sh disable=SC1091,SC2154
. "$top/t/lib/remote.sh"
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
trap 'remote_stop; rm -rf "$work"' EXIT
remote_sshd "$work/sshd" || { echo "bench: $remote_why" >&2; exit 1; }
remote_slurm "$work/slurm" || { echo "bench: $remote_why" >&2; exit 1; }
DISTTRIAL_SSH="ssh -F $work/sshd/ssh_config"
export DISTTRIAL_SSH

mkdir "$work/one"
trivial "$work/s" "$ntests"
cp "$work/s/t0.sh" "$work/one/t.sh"

# run NAME ARGS...: one timed run of disttrial ARGS, in ms, to NAME.t.
run() {
	_k=$1
	shift
	_a=$(date +%s%N)
	(cd "$work" && "$@") >/dev/null 2>&1 </dev/null ||
	    echo "bench: $_k failed" >&2
	_b=$(date +%s%N)
	echo $(((_b - _a) / 1000000)) >>"$work/$_k.t"
}

r=0
while [ "$r" -lt "$rounds" ]; do
	run here "$dt" -j4 s
	run ssh "$dt" --ssh 4/127.0.0.1 s
	run slurm salloc --quiet -n4 "$dt" --slurm s
	run here1 "$dt" -j1 one
	run ssh1 "$dt" --ssh 127.0.0.1 one
	run slurm1 salloc --quiet -n1 "$dt" --slurm one
	r=$((r + 1))
done

median() {
	sort -n "$work/$1.t" | awk '{ v[NR] = $1 } END {
	    print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
l=$(median here)
l1=$(median here1)
echo "$ntests trivial tests on 4 workers, $rounds rounds, medians:"
for k in here ssh slurm; do
	m=$(median "$k")
	echo "  $k: $m ms ($(echo "$m $l" | awk '{ printf "%.2f", $1 / $2 }') of here)"
done
echo "one test on one worker (a worker's start, less here's):"
for k in here1 ssh1 slurm1; do
	m=$(median "$k")
	echo "  ${k%1}: $m ms (+$((m - l1)) ms)"
done
