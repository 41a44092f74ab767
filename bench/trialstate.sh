#!/bin/sh
# bench/trialstate.sh [ROUNDS] [JOBS] [SUITE...]: --state's slowest
# first for a Python trial suite.  A first run of disttrial --trial
# -jJOBS --state FILE learns each test's time; then, for ROUNDS rounds
# (default 3, -j2), alternating: Twisted's trial -jJOBS, trial's loader
# listing the ids alone, and disttrial --trial -jJOBS --state FILE
# again, slowest first.  After each of those it computes the best
# schedule that run's recorded times allow: longest first onto the
# least loaded of JOBS workers (its makespan), plus the listing, which
# comes first since the order needs every id.  It prints each round's
# wall times, the medians, and disttrial's ratios to the best schedule
# and to trial.  The suites default to Twisted's own twisted.test,
# twisted.trial.test and twisted.protocols.  PYTHON is the Python with
# Twisted (default python3, or /usr/bin/python3 if only that one has
# it); PYTHONPATH reaches another Twisted.  Run from the top of the tree
# after make.  Not a test: read the ratios, not the seconds.
set -eu
rounds=${1:-3}
jobs=${2:-2}
if [ $# -gt 2 ]; then shift 2; else set --; fi
[ $# -gt 0 ] || set -- twisted.test twisted.trial.test twisted.protocols
py=${PYTHON:-python3}
if [ -z "${PYTHON-}" ] && ! "$py" -c 'import twisted.trial' 2>/dev/null &&
    /usr/bin/python3 -c 'import twisted.trial' 2>/dev/null; then
	py=/usr/bin/python3	# a python3 of its own earlier on PATH
fi
top=$(pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
dt=$top/disttrial
[ -x "$dt" ] || { echo "bench: build first (make)" >&2; exit 1; }
"$py" -c 'import twisted.trial' 2>/dev/null || {
	echo "bench: $py cannot import Twisted (Debian: python3-twisted)" >&2
	exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/disttrial-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export PYTHON="$py" PYTHONDONTWRITEBYTECODE=1

# best FILE: the makespan of the times in a --state FILE, longest first
# onto the least loaded of $jobs workers.
best() {
	awk 'NR > 1 { print $1 }' "$1" | sort -rn |
	    awk -v j="$jobs" '{ m = 1; for (i = 2; i <= j; i++)
			if (load[i] < load[m]) m = i
		load[m] += $1 }
	    END { for (i = 1; i <= j; i++) if (load[i] > x) x = load[i]
		printf "%.3f\n", x }'
}

timed first "$dt" --trial -j"$jobs" --state state "$@"
i=0
while [ "$i" -lt "$rounds" ]; do
	timed trial "$py" -m twisted.trial -j"$jobs" "$@"
	timed list "$py" -c "$trial_lister" "$@"
	n=$(wc -l <out)
	timed disttrial "$dt" --trial -j"$jobs" --state state "$@"
	# The best: the listing just timed, then the run's own times.
	echo "$(tail -n 1 list.times) $(best state)" |
	    awk '{ printf "%.3f\n", $1 + $2 }' >>best.times
	i=$((i + 1))
done

echo "--state: disttrial --trial -j$jobs slowest first, $rounds rounds, wall seconds:"
echo "  $* ($n tests)"
rows trial list disttrial best
tw=$(median <trial.times)
dw=$(median <disttrial.times)
bw=$(median <best.times)
echo "  medians: trial $tw, disttrial --trial --state $dw, best $bw"
echo "  ratios: disttrial to the best $(ratio "$dw" "$bw" 3), to trial $(ratio "$dw" "$tw" 3)"
for f in trial disttrial; do
	printf '  %-10s %s\n' "$f" "$(tr '\n' ' ' <"$f.foot")"
done
