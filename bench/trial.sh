#!/bin/sh
# bench/trial.sh [ROUNDS] [JOBS]: a Python trial suite, Twisted's own
# twisted.test.test_amp, twisted.trial.test.test_reporter and
# twisted.protocols.test.test_basic, under Twisted's trial -jJOBS and
# under disttrial --trial -jJOBS, alternating for ROUNDS rounds (default
# 5, -j2), and prints each round's wall time, the medians and the ratios.
# A third row, "ids", is disttrial given the test ids as operands, on
# Twisted's worker: the run without trial's loader, whose own start
# (importing every test module once) --trial pays as trial -j does;
# "list" is that loader listing the ids alone, and "list+ids" the two
# one after the other, as a user without --trial would have to.  CPU
# time is left out: trial's manager does not wait for its workers, so
# theirs would not be counted.  PYTHON is the Python with Twisted
# (default python3, or /usr/bin/python3 if only that one has it).  Run from the top of the
# tree after make.  Not a test: read the ratios, not the seconds.
set -eu
rounds=${1:-5}
jobs=${2:-2}
py=${PYTHON:-python3}
tests='import twisted.test.test_amp, twisted.trial.test.test_reporter, twisted.protocols.test.test_basic'
if [ -z "${PYTHON-}" ] && ! "$py" -c "$tests" 2>/dev/null &&
    /usr/bin/python3 -c "$tests" 2>/dev/null; then
	py=/usr/bin/python3	# a python3 of its own earlier on PATH
fi
top=$(pwd)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
dt=$top/disttrial
[ -x "$dt" ] || { echo "bench: build first (make)" >&2; exit 1; }
"$py" -c "$tests" 2>/dev/null || {
	echo "bench: $py cannot import Twisted's tests (Debian: python3-twisted)" >&2
	exit 1
}
suites="twisted.test.test_amp twisted.trial.test.test_reporter twisted.protocols.test.test_basic"
work=$(mktemp -d "${TMPDIR:-/tmp}/disttrial-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export PYTHON="$py" PYTHONDONTWRITEBYTECODE=1

pypath=$("$py" -c 'import os, sys; print(os.pathsep.join(os.path.abspath(p) for p in sys.path))')
tw="exec \"$py\" -m twisted.trial._dist.workertrial"

i=0
while [ "$i" -lt "$rounds" ]; do
	# shellcheck disable=SC2086 # the suites, split
	timed trial "$py" -m twisted.trial -j"$jobs" $suites
	# shellcheck disable=SC2086
	timed disttrial "$dt" --trial -j"$jobs" $suites
	# shellcheck disable=SC2086
	timed list "$py" -c "$trial_lister" $suites
	cp out ids
	# shellcheck disable=SC2046 # one id a line, no blanks
	PYTHONPATH=$pypath timed ids "$dt" -j"$jobs" --worker-command "$tw" $(cat ids)
	i=$((i + 1))
done

echo "Twisted's trial -j$jobs against disttrial --trial -j$jobs, $rounds rounds, wall seconds:"
echo "  $suites ($(wc -l <ids) tests)"
paste -d' ' list.times ids.times | awk '{ printf "%.3f\n", $1 + $2 }' \
    >both.times
rows trial disttrial ids list both
trw=$(median <trial.times)
dw=$(median <disttrial.times)
iw=$(median <ids.times)
bw=$(median <both.times)
echo "  medians: trial $trw, disttrial --trial $dw, ids $iw, list+ids $bw"
echo "  ratios to trial: disttrial --trial $(ratio "$dw" "$trw"), ids $(ratio "$iw" "$trw"), list+ids $(ratio "$bw" "$trw")"
for n in trial disttrial ids; do
	printf '  %-10s %s\n' "$n" "$(tr '\n' ' ' <"$n.foot")"
done
