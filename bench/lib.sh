# bench/lib.sh: what the bench scripts share, sourced from them.
#
#	trivial DIR N	makes DIR with N trivial TAP tests, t0.sh to
#			tN-1.sh, each a passing plan of one point
#	timed NAME CMD...
#			runs CMD (output in out and err, a fresh
#			_trial_temp), appends its wall seconds to NAME.times
#			and keeps its footer in NAME.foot
#	rows NAME...	a line a NAME: its times, from NAME.times
#	median		the median of the numbers on stdin
#	ratio A B [DIGITS]
#			A / B, to DIGITS decimals (2)
#	trial_lister	Python: trial's loader listing the ids of the
#			suites it is given, one a line, as --trial lists

trivial() {
	mkdir "$1"
	_i=0
	while [ "$_i" -lt "$2" ]; do
		printf '#!/bin/sh\necho 1..1\necho ok 1\n' >"$1/t$_i.sh"
		chmod +x "$1/t$_i.sh"
		_i=$((_i + 1))
	done
}

timed() {
	_name=$1
	shift
	rm -rf _trial_temp
	_s=$(date +%s.%N)
	"$@" >out 2>err || true
	_e=$(date +%s.%N)
	grep '^Ran \|^PASSED\|^FAILED' out >"$_name.foot" || true
	echo "$_s $_e" | awk '{ printf "%.3f\n", $2 - $1 }' >>"$_name.times"
}

rows() {
	for _n; do
		printf '  %-10s' "$_n"
		awk '{ printf " %s", $1 }' "$_n.times"
		echo
	done
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() {
	echo "$1 $2 ${3:-2}" | awk '{ printf "%.*f", $3, $1 / $2 }'
}

# shellcheck disable=SC2034 # for the scripts that source this
trial_lister='
import sys
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
