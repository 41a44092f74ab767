#!/bin/sh
# bench/run.sh [N] [JOBS]: times disttrial against xargs -P, make -j and
# prove -j on the same generated suite of N small TAP tests, and prints
# each time with its ratio to xargs -P (the floor: it only runs them).
# Run from the top of the tree after make.  Not a test: timing on a
# shared machine is noisy, so read the ratios, not the seconds.
set -eu
n=${1:-400}
jobs=${2:-2}
top=$(pwd)
dt=$top/disttrial
[ -x "$dt" ] || { echo "bench: build first (make)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/disttrial-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/t"
i=0
while [ "$i" -lt "$n" ]; do
	f=$(printf '%s/t/test%04d.t' "$work" "$i")
	printf '#!/bin/sh\necho 1..3\necho ok 1 - a\necho ok 2 - b\necho ok 3 - c\n' >"$f"
	chmod +x "$f"
	i=$((i + 1))
done
{
	printf 'all:'
	for f in "$work"/t/*.t; do printf ' %s.ok' "$f"; done
	printf '\n.SUFFIXES: .t .t.ok\n'
	for f in "$work"/t/*.t; do printf '%s.ok:\n\t@%s >/dev/null\n' "$f" "$f"; done
} >"$work/Makefile"

now() { date +%s.%N; }
timeit() {
	s=$(now)
	"$@" >/dev/null 2>&1 || true
	e=$(now)
	echo "$s $e" | awk '{ printf "%.3f", $2 - $1 }'
}

cd "$work"
base=$(timeit sh -c "ls t/*.t | xargs -P $jobs -n 1 sh -c '\"\$0\" >/dev/null'")
dtt=$(timeit "$dt" -j "$jobs" t)
mk=$(timeit make -s -j "$jobs" -f "$work/Makefile")
if command -v prove >/dev/null 2>&1; then
	pr=$(timeit prove -j "$jobs" -e '' t)
else
	pr=
fi
echo "$n TAP tests, $jobs jobs, $(nproc) processors"
printf '%-12s %8s %8s\n' runner seconds ratio
for r in "xargs -P:$base" "disttrial:$dtt" "make -j:$mk" "prove -j:$pr"; do
	name=${r%%:*}
	t=${r#*:}
	[ -n "$t" ] || continue
	printf '%-12s %8s %8s\n' "$name" "$t" \
	    "$(echo "$t $base" | awk '{ printf "%.2f", $1 / $2 }')"
done
