#!/bin/sh
# bench/workers.sh ROUNDS DISTTRIAL DISTTRIAL...: what starting a worker
# costs, for each disttrial binary given (two or more; the same one
# twice shows the noise).  A run of N trivial tests at -jN starts N
# workers, each running one test; it is timed for N in $BENCH_NS
# (default "1 8 32"; at most 64, the floor's limit), the binaries
# alternating in each of ROUNDS rounds (7 is plenty; their order
# reversed every other round), beside the floor (bench/floor.c -s:
# posix_spawn, read to EOF, waitpid, N at a time) on the same tests.  From the medians: per binary, the slope of wall and
# CPU time (user + system, all processes) against N, by least squares,
# in ms a worker; less the floor's slope (one test's start), a worker's
# start; and its difference from the first binary's.  For perspective,
# the same rounds also time $BENCH_TESTS (default 500) trivial tests at
# -j2: the milliseconds a test, as bench/run.sh's suite (a) gives them.
# A trivial test is a tiny C program that exits 0, static where cc can,
# like suite (a)'s (which print TAP).  Timing is done by a small C program (wall
# in µs, CPU from getrusage), not by /usr/bin/time's centiseconds.  Not
# a test: timings on a shared machine are noisy, so read the slopes'
# difference against the two-copies-of-one-binary noise.
set -eu
[ "$#" -ge 3 ] || {
	echo "usage: sh bench/workers.sh ROUNDS DISTTRIAL DISTTRIAL..." >&2
	exit 2
}
rounds=$1
shift
ns=${BENCH_NS:-1 8 32}
ntests=${BENCH_TESTS:-500}
for n in $ns; do
	case $n in
	[1-9] | [1-5][0-9] | 6[0-4]) ;;
	*) echo "bench: BENCH_NS: $n is not from 1 to 64" >&2; exit 2 ;;
	esac
done
here=$(dirname "$0")
nb=0
for b do
	nb=$((nb + 1))
	[ -x "$b" ] || { echo "bench: $b: not an executable" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/disttrial-workers.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/floor" "$here/floor.c"
printf 'int main(void) { return 0; }\n' >"$work/tiny.c"
cc -O2 -static -o "$work/tiny" "$work/tiny.c" 2>/dev/null ||
    cc -O2 -o "$work/tiny" "$work/tiny.c"
# timer [-i FILE] CMD...: runs CMD (stdin FILE or /dev/null, stdout and
# stderr /dev/null) and prints "WALL_MS CPU_MS STATUS".
cat >"$work/timer.c" <<'EOF'
#define _POSIX_C_SOURCE 200809L
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

extern char **environ;

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec a, b;
	struct rusage ru;
	const char *in = "/dev/null";
	pid_t pid;
	int st;

	if (argc > 2 && strcmp(argv[1], "-i") == 0) {
		in = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc < 2)
		return 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in, O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (posix_spawnp(&pid, argv[1], &fa, NULL, argv + 1, environ) != 0)
		return 1;
	if (waitpid(pid, &st, 0) < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%.3f %.3f %d\n", (b.tv_sec - a.tv_sec) * 1e3 +
	    (b.tv_nsec - a.tv_nsec) / 1e6,
	    (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
EOF
cc -O2 -o "$work/timer" "$work/timer.c"

# suite DIR N: N links to the trivial test in DIR, listed in DIR.list.
suite() {
	mkdir "$1"
	i=0
	while [ "$i" -lt "$2" ]; do
		ln "$work/tiny" "$(printf '%s/t%05d' "$1" "$i")"
		i=$((i + 1))
	done
	find "$1" -type f | sort >"$1.list"
}

# measure KEY CMD...: one run; appends "WALL CPU STATUS" to $work/KEY.t.
measure() {
	_k=$1
	shift
	"$work/timer" "$@" >>"$work/$_k.t"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
	    else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# col KEY FIELD: the median of a column of $work/KEY.t.
col() {
	cut -d' ' -f"$2" "$work/$1.t" | median
}

# slope KEY FIELD: least squares, ms a worker, over the Ns.
slope() {
	for _n in $ns; do
		echo "$_n $(col "$1.$_n" "$2")"
	done | awk '{ x[NR] = $1; y[NR] = $2; sx += $1; sy += $2 } END {
		mx = sx / NR; my = sy / NR
		for (i = 1; i <= NR; i++) {
			sxy += (x[i] - mx) * (y[i] - my); sxx += (x[i] - mx) ^ 2
		}
		printf "%.2f", (sxx > 0) ? sxy / sxx : 0 }'
}

for n in $ns; do
	suite "$work/s$n" "$n"
done
suite "$work/sp" "$ntests"

# Each binary once on each suite: it must pass (and the page cache is
# warm before the first round).  Each binary and suite has a temp
# directory of its own, so that each run empties what the same command
# left (N workers' directories), not another's.
j=0
for b do
	j=$((j + 1))
	for n in $ns p; do
		jn=$n
		[ "$n" != p ] || jn=2
		"$b" -j"$jn" -T "$work/tt.$j.$n" "$work/s$n" >"$work/out" \
		    2>&1 || {
			echo "bench: #$j $b -j$jn on $work/s$n failed" \
			    "(exit $?):" >&2
			tail -n 5 "$work/out" >&2
			exit 1
		}
	done
done

# oneround REVERSE BINARY...: every command once, binaries in the order
# given, or reversed.
oneround() {
	_rev=$1
	shift
	_order=
	_j=0
	for _b do
		_j=$((_j + 1))
		if [ "$_rev" -eq 1 ]; then
			_order="$_j $_order"
		else
			_order="$_order $_j"
		fi
	done
	for _n in $ns; do
		measure "floor.$_n" -i "$work/s$_n.list" "$work/floor" -s "$_n"
		for _j in $_order; do
			eval "_b=\${$_j}"
			measure "b$_j.$_n" "$_b" -j"$_n" \
			    -T "$work/tt.$_j.$_n" "$work/s$_n"
		done
	done
	measure floor.p -i "$work/sp.list" "$work/floor" -s 2
	for _j in $_order; do
		eval "_b=\${$_j}"
		measure "b$_j.p" "$_b" -j2 -T "$work/tt.$_j.p" "$work/sp"
	done
}

r=0
while [ "$r" -lt "$rounds" ]; do
	oneround $((r % 2)) "$@"
	r=$((r + 1))
done

# Runs that did not exit 0 are counted, not hidden.
bad=$(cat "$work"/*.t | awk '$3 != 0 { n++ } END { print n + 0 }')

echo
echo "Workers' start: N trivial tests at -jN (N workers, a test each),"
echo "medians of $rounds rounds, wall ms; slopes by least squares over N."
j=0
for b do
	j=$((j + 1))
	echo "  #$j  $b"
done
printf '  %-8s' command
for n in $ns; do
	printf ' %8s' "N=$n"
done
printf ' %10s %10s %10s\n' ms/worker cpu/worker start
keys=floor
j=0
while [ "$j" -lt "$nb" ]; do
	j=$((j + 1))
	keys="$keys b$j"
done
fw=$(slope floor 1)
for k in $keys; do
	case $k in
	floor) printf '  %-8s' 'floor -s' ;;
	*) printf '  %-8s' "#${k#b}" ;;
	esac
	for n in $ns; do
		printf ' %8.1f' "$(col "$k.$n" 1)"
	done
	w=$(slope "$k" 1)
	c=$(slope "$k" 2)
	if [ "$k" = floor ]; then
		printf ' %10s %10s %10s\n' "$w" "$c" -
	else
		printf ' %10s %10s %10s\n' "$w" "$c" \
		    "$(echo "$w $fw" | awk '{ printf "%.2f", $1 - $2 }')"
	fi
done
echo "  (start: ms/worker less the floor's, i.e. less one test's start)"
w1=$(slope b1 1)
c1=$(slope b1 2)
j=1
while [ "$j" -lt "$nb" ]; do
	j=$((j + 1))
	w=$(slope "b$j" 1)
	c=$(slope "b$j" 2)
	echo "$j $w $w1 $c $c1" | awk '{ printf "  #%d - #1: %+.2f ms a worker (wall), %+.2f ms (cpu)\n",
	    $1, $2 - $3, $4 - $5 }'
done

echo
echo "For perspective, $ntests trivial tests at -j2, wall and CPU ms:"
printf '  %-8s %8s %8s %8s\n' command wall cpu ms/test
for k in $keys; do
	case $k in
	floor) printf '  %-8s' 'floor -s' ;;
	*) printf '  %-8s' "#${k#b}" ;;
	esac
	w=$(col "$k.p" 1)
	printf ' %8.1f %8.1f %8s\n' "$w" "$(col "$k.p" 2)" \
	    "$(echo "$w $ntests" | awk '{ printf "%.3f", $1 / $2 }')"
done
[ "$bad" -eq 0 ] || echo "bench: $bad timed runs did not exit 0" >&2
