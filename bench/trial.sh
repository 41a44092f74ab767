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

# run NAME CMD...: one timed run; appends its wall time to
# $work/NAME.times and keeps the footer in $work/NAME.foot.
run() {
	_name=$1
	shift
	rm -rf _trial_temp
	_s=$(date +%s.%N)
	"$@" >out 2>err || true
	_e=$(date +%s.%N)
	grep '^Ran \|^PASSED\|^FAILED' out >"$_name.foot" || true
	echo "$_s $_e" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$_name.times"
}

# trial's loader listing the ids (as --trial lists them), one a line.
lister='
import os, sys
from twisted.scripts import trial
def leaves(s):
    try:
        each = iter(s)
    except TypeError:
        yield s
        return
    for t in each:
        yield from leaves(t)
c = trial.Options()
c.parseOptions(["--"] + sys.argv[1:])
for t in leaves(trial._getSuite(c)):
    print(t.id())
'
pypath=$("$py" -c 'import os, sys; print(os.pathsep.join(os.path.abspath(p) for p in sys.path))')
tw="exec \"$py\" -m twisted.trial._dist.workertrial"

i=0
while [ "$i" -lt "$rounds" ]; do
	# shellcheck disable=SC2086 # the suites, split
	run trial "$py" -m twisted.trial -j"$jobs" $suites
	# shellcheck disable=SC2086
	run disttrial "$dt" --trial -j"$jobs" $suites
	# shellcheck disable=SC2086
	run list "$py" -c "$lister" $suites
	cp out ids
	# shellcheck disable=SC2046 # one id a line, no blanks
	PYTHONPATH=$pypath run ids "$dt" -j"$jobs" --worker-command "$tw" $(cat ids)
	i=$((i + 1))
done

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo "Twisted's trial -j$jobs against disttrial --trial -j$jobs, $rounds rounds, wall seconds:"
echo "  $suites ($(wc -l <ids) tests)"
paste -d' ' list.times ids.times | awk '{ printf "%.3f\n", $1 + $2 }' \
    >both.times
for n in trial disttrial ids list both; do
	printf '  %-10s' "$n"
	awk '{ printf " %s", $1 }' "$n.times"
	echo
done
trw=$(median <trial.times)
dw=$(median <disttrial.times)
iw=$(median <ids.times)
bw=$(median <both.times)
ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }
echo "  medians: trial $trw, disttrial --trial $dw, ids $iw, list+ids $bw"
echo "  ratios to trial: disttrial --trial $(ratio "$dw" "$trw"), ids $(ratio "$iw" "$trw"), list+ids $(ratio "$bw" "$trw")"
for n in trial disttrial ids; do
	printf '  %-10s %s\n' "$n" "$(tr '\n' ' ' <"$n.foot")"
done
