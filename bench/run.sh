#!/bin/sh
# bench/run.sh [ROUNDS] [SUITES]: times disttrial against a C floor
# (bench/floor.c: fork, exec, read the pipe to EOF, waitpid, N at a
# time; also with posix_spawn in place of fork and exec, as disttrial's
# workers start their tests), make -j, xargs -P and prove -j on suites
# generated in a
# temporary directory, alternating the commands in each of ROUNDS rounds
# (default 3), and prints per suite and command the medians of wall and
# CPU time (user + system, all processes), the ratio to the floor, the
# milliseconds per test and the peak RSS of the largest process.
# SUITES (default "a b c d e f"):
#   a  2,000 trivial TAP tests, as #!/bin/sh scripts and as hard links
#      to a tiny static C test, -j2
#   b  16 tests of sleep 0.25, -j2 and -j8
#   c  a skewed suite: 20 tests of 0.2 s and one of 2 s that sorts last,
#      -j2, with --state after one run (the optimum is 3.0 s), and the
#      floor given the best order (the slow test first)
#   d  one test printing $BENCH_MIB MiB (default 1024) in 70-byte lines,
#      against the same test writing into a file
#   e  100,000 trivial tests over 100 directories (one round)
#   f  a Python trial suite (bench/trial.sh), if Twisted is there
# Run from the top of the tree after make.  Not a test: timings on a
# shared machine are noisy, so read the ratios, not the seconds.
# shellcheck disable=SC2016 # the sh -c scripts expand their own $0, $1
set -eu
rounds=${1:-3}
suites=${2:-a b c d e f}
mib=${BENCH_MIB:-1024}
top=$(pwd)
dt=$top/disttrial
[ -x "$dt" ] || { echo "bench: build first (make)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/disttrial-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/floor" bench/floor.c
printf '#include <unistd.h>\nint main(void) { return write(1, "1..1\\nok 1\\n", 10) != 10; }\n' \
    >"$work/tiny.c"
cc -O2 -static -o "$work/tiny" "$work/tiny.c" 2>/dev/null ||
    cc -O2 -o "$work/tiny" "$work/tiny.c"
havetime=0
[ -x /usr/bin/time ] && /usr/bin/time -f '%e' true 2>/dev/null && havetime=1

# measure KEY CMD...: one run; appends "WALL CPU RSS_KIB" to $work/KEY.t.
measure() {
	_k=$1
	shift
	if [ "$havetime" -eq 1 ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$work/one" "$@" \
		    >/dev/null 2>&1 </dev/null || true
		awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$work/one" \
		    >>"$work/$_k.t"
	else
		_s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 </dev/null || true
		_e=$(date +%s.%N)
		echo "$_s $_e" | awk '{ printf "%.3f - -\n", $2 - $1 }' \
		    >>"$work/$_k.t"
	fi
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
	    else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# report TITLE NTESTS KEY...: a table of the KEYs' medians; the first
# KEY is the floor the ratios are to.
report() {
	_title=$1
	_n=$2
	shift 2
	echo
	echo "$_title"
	printf '  %-22s %8s %8s %7s %8s %9s\n' command wall cpu ratio ms/test \
	    'rss KiB'
	_floor=
	for _k do
		[ -s "$work/$_k.t" ] || continue
		_w=$(cut -d' ' -f1 "$work/$_k.t" | median)
		_c=$(cut -d' ' -f2 "$work/$_k.t" | median)
		_r=$(cut -d' ' -f3 "$work/$_k.t" | median)
		[ -n "$_floor" ] || _floor=$_w
		printf '  %-22s %8s %8s %7s %8s %9s\n' "$_k" "$_w" "$_c" \
		    "$(echo "$_w $_floor" | awk '{ printf "%.2f", $1 / $2 }')" \
		    "$(echo "$_w $_n" | awk '{ printf "%.3f", 1000 * $1 / $2 }')" \
		    "$_r"
	done
}

# makefile DIR LIST: a Makefile in DIR running each test of LIST once.
makefile() {
	awk '{ t[NR] = $0 } END {
		printf "all:"; for (i = 1; i <= NR; i++) printf " r%d", i; printf "\n"
		for (i = 1; i <= NR; i++) printf "r%d:\n\t@%s >/dev/null\n", i, t[i]
	}' "$2" >"$1/Makefile"
}

# runners NAME DIR LIST JOBS [noprove]: one round of every runner.
runners() {
	measure "$1.floor" sh -c '"$0" "$1" <"$2"' "$work/floor" "$4" "$3"
	measure "$1.floor-spawn" sh -c '"$0" -s "$1" <"$2"' "$work/floor" "$4" \
	    "$3"
	measure "$1.disttrial" "$dt" -j"$4" -T "$work/tt" "$2"
	measure "$1.make" make -s -j"$4" -f "$2/Makefile"
	measure "$1.xargs" sh -c 'xargs -P "$0" -n 1 sh -c '"'"'"$0" >/dev/null'"'"' <"$1"' \
	    "$4" "$3"
	if [ "${5-}" != noprove ] && command -v prove >/dev/null 2>&1; then
		measure "$1.prove" prove -j"$4" -e '' -r "$2"
	fi
}

# A suite of N copies (hard links, or scripts) in DIR, listed in DIR.list.
trivial() {
	mkdir -p "$1"
	i=0
	while [ "$i" -lt "$2" ]; do
		f=$(printf '%s/t%05d.t' "$1" "$i")
		if [ "$3" = sh ]; then
			printf '#!/bin/sh\necho 1..1\necho ok 1\n' >"$f"
			chmod +x "$f"
		else
			ln "$work/tiny" "$f"
		fi
		i=$((i + 1))
	done
	find "$1" -type f -name '*.t' | sort >"$1.list"
	makefile "$1" "$1.list"
}

for s in $suites; do
	case $s in
	a)
		trivial "$work/a-sh" 2000 sh
		trivial "$work/a-bin" 2000 bin
		r=0
		while [ "$r" -lt "$rounds" ]; do
			runners a-sh "$work/a-sh" "$work/a-sh.list" 2
			runners a-bin "$work/a-bin" "$work/a-bin.list" 2
			r=$((r + 1))
		done
		report '(a) 2,000 #!/bin/sh TAP tests, -j2' 2000 a-sh.floor \
		    a-sh.floor-spawn a-sh.disttrial a-sh.make a-sh.xargs \
		    a-sh.prove
		report '(a) 2,000 links to a static C TAP test, -j2' 2000 \
		    a-bin.floor a-bin.floor-spawn a-bin.disttrial a-bin.make \
		    a-bin.xargs a-bin.prove
		;;
	b)
		mkdir -p "$work/b"
		for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16; do
			printf '#!/bin/sh\nsleep 0.25\necho 1..1\necho ok 1\n' \
			    >"$work/b/t$i.t"
		done
		chmod +x "$work"/b/*.t
		find "$work/b" -name '*.t' | sort >"$work/b.list"
		makefile "$work/b" "$work/b.list"
		r=0
		while [ "$r" -lt "$rounds" ]; do
			runners b2 "$work/b" "$work/b.list" 2
			runners b8 "$work/b" "$work/b.list" 8
			r=$((r + 1))
		done
		report '(b) 16 tests of sleep 0.25, -j2' 16 b2.floor \
		    b2.floor-spawn b2.disttrial b2.make b2.xargs b2.prove
		report '(b) 16 tests of sleep 0.25, -j8' 16 b8.floor \
		    b8.floor-spawn b8.disttrial b8.make b8.xargs b8.prove
		;;
	c)
		mkdir -p "$work/c"
		for i in 00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 \
		    17 18 19; do
			printf '#!/bin/sh\nsleep 0.2\necho 1..1\necho ok 1\n' \
			    >"$work/c/a$i.t"
		done
		printf '#!/bin/sh\nsleep 2\necho 1..1\necho ok 1\n' >"$work/c/z.t"
		chmod +x "$work"/c/*.t
		find "$work/c" -name '*.t' | sort >"$work/c.list"
		{ echo "$work/c/z.t"; grep -v '/z\.t$' "$work/c.list"; } \
		    >"$work/c-best.list"
		makefile "$work/c" "$work/c.list"
		"$dt" -j2 -T "$work/tt" --state "$work/c.state" "$work/c" \
		    >/dev/null 2>&1 || true
		r=0
		while [ "$r" -lt "$rounds" ]; do
			runners c "$work/c" "$work/c.list" 2 noprove
			measure c.floor-best sh -c '"$0" 2 <"$1"' "$work/floor" \
			    "$work/c-best.list"
			measure c.disttrial-state "$dt" -j2 -T "$work/tt" \
			    --state "$work/c.state" "$work/c"
			r=$((r + 1))
		done
		report '(c) 20 tests of 0.2 s and one of 2 s sorted last, -j2 (optimum 3.0 s)' \
		    21 c.floor c.floor-spawn c.disttrial c.floor-best \
		    c.disttrial-state c.make c.xargs
		;;
	d)
		mkdir -p "$work/d"
		printf '#!/bin/sh\nawk -v n=%s '"'"'BEGIN { s = sprintf("%%069d", 0); for (i = 0; i < n; i++) print s }'"'"'\n' \
		    "$((mib * 1048576 / 70))" >"$work/d/big.t"
		chmod +x "$work/d/big.t"
		echo "$work/d/big.t" >"$work/d.list"
		r=0
		while [ "$r" -lt "$rounds" ]; do
			measure d.file sh -c '"$0" >"$1"' "$work/d/big.t" \
			    "$work/d.out"
			rm -f "$work/d.out"
			measure d.floor sh -c '"$0" 1 <"$1"' "$work/floor" \
			    "$work/d.list"
			measure d.disttrial "$dt" -j1 -T "$work/tt" "$work/d"
			r=$((r + 1))
		done
		n=$(wc -c <"$work/tt/test.log")
		report "(d) one test printing $mib MiB (test.log: $n bytes)" 1 \
		    d.file d.floor d.disttrial
		;;
	e)
		mkdir -p "$work/e"
		cp "$work/tiny" "$work/tiny2"
		# 1,000 links in d0 and in d50 (a link count stops near
		# 65,000), then copies of those as links, if cp can.
		for d in 0 50; do
			mkdir "$work/e/d$d"
			src=$work/tiny
			[ "$d" -lt 50 ] || src=$work/tiny2
			i=0
			while [ "$i" -lt 1000 ]; do
				ln "$src" "$work/e/d$d/t$i.t"
				i=$((i + 1))
			done
		done
		d=1
		while [ "$d" -lt 100 ]; do
			from=0
			[ "$d" -lt 50 ] || from=50
			if [ "$d" -ne 50 ] && ! cp -Rl "$work/e/d$from" \
			    "$work/e/d$d" 2>/dev/null; then
				rm -rf "$work/e/d$d"
				mkdir "$work/e/d$d"
				for f in "$work/e/d$from"/*.t; do
					ln "$f" "$work/e/d$d/${f##*/}"
				done
			fi
			d=$((d + 1))
		done
		find "$work/e" -name '*.t' >"$work/e.list"
		makefile "$work/e" "$work/e.list"
		measure e.floor sh -c '"$0" 2 <"$1"' "$work/floor" "$work/e.list"
		measure e.floor-spawn sh -c '"$0" -s 2 <"$1"' "$work/floor" \
		    "$work/e.list"
		measure e.disttrial "$dt" -j2 -T "$work/tt" "$work/e"
		measure e.make make -s -j2 -f "$work/e/Makefile"
		report '(e) 100,000 trivial tests in 100 directories, -j2' 100000 \
		    e.floor e.floor-spawn e.disttrial e.make
		# Discovery alone: trees of empty directories (no test, so
		# the run ends at once with exit 2), 30,000 and 100,000.
		for n in 30 100; do
			mkdir "$work/e$n"
			i=0
			while [ "$i" -lt "$n" ]; do
				(cd "$work/e$n" && mkdir "$i" && cd "$i" &&
				    awk 'BEGIN { for (j = 0; j < 1000; j++)
				    printf "%d ", j }' | xargs mkdir)
				i=$((i + 1))
			done
			measure "e.walk$n" "$dt" -j1 -T "$work/tt" "$work/e$n"
			rm -rf "$work/e$n"
		done
		report '(e) discovery alone, 30,000 directories (ms/test: a directory)' \
		    30000 e.walk30
		report '(e) discovery alone, 100,000 directories' 100000 \
		    e.walk100
		;;
	f)
		echo
		if ! sh bench/trial.sh "$rounds" 2 2>"$work/f.err"; then
			echo "(f) skipped: $(tail -n 1 "$work/f.err")"
		fi
		;;
	esac
done
