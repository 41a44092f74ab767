#!/bin/sh
# t/manager-tempdir.sh: the temp directory, as trial keeps it.
# _trial_temp holds _trial_marker, test.log (every TestWrite line, each
# test's lines together) and per worker N/ with out.log and err.log;
# tests see DISTTRIAL_WORKER=N, DISTTRIAL_JOBS, HARNESS_ACTIVE=1 and
# DISTTRIAL_TEMP=<absolute N/tmp>, and run
# in the directory disttrial was started from.  The lock
# _trial_temp.lock -> PID: a live one sends a second run to
# _trial_temp-1; a stale one is taken over; a directory without the
# marker is refused and left alone; a busy -T DIR is an error.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

# What a run with two workers leaves.
suite e env
dtrun e -j2 env
tt=$tmp/e/_trial_temp
log=$tt/test.log
check "a run of the env suite passes ($rc)" [ "$rc" -eq 0 ]
check 'the temp directory holds _trial_marker' [ -f "$tt/_trial_marker" ]
check '... empty' [ ! -s "$tt/_trial_marker" ]
check '... and test.log' [ -f "$log" ]
for n in 0 1; do
	check "worker $n has $n/out.log" [ -f "$tt/$n/out.log" ]
	check "worker $n has $n/err.log" [ -f "$tt/$n/err.log" ]
done
check 'no third worker directory' [ ! -e "$tt/2" ]
check 'the lock is released at the end' [ ! -L "$tmp/e/_trial_temp.lock" ]
check 'no _trial_temp-1' [ ! -e "$tmp/e/_trial_temp-1" ]

# The environment of each test (its lines in test.log).
for t in e1 e2 e3 e4; do
	w=$(sed -n "s|^env/$t.sh worker=||p" "$log")
	case $w in
	0 | 1)	pass "$t.sh ran with DISTTRIAL_WORKER=$w" ;;
	*)	fail "$t.sh ran with DISTTRIAL_WORKER=$w (want 0 or 1)" ;;
	esac
	check_line "env/$t.sh jobs=2 harness=1" "$log" \
	    '... with DISTTRIAL_JOBS=2 and HARNESS_ACTIVE=1'
	check_line "env/$t.sh temp=$ptmp/e/_trial_temp/$w/tmp" "$log" \
	    "... and DISTTRIAL_TEMP, tmp in its worker's absolute directory"
	check_line "env/$t.sh temp is a directory" "$log" '... which exists'
	check_line "env/$t.sh pwd=$ptmp/e" "$log" \
	    '... in the directory disttrial was started from'
done

# A launcher that forwards no environment (ssh): each worker still knows
# its number, from its Start directory, so each test's DISTTRIAL_WORKER
# is the N of its DISTTRIAL_TEMP (both were worker 0 of 1).
suite u env
dtrun u -j2 --worker-command \
    "unset DISTTRIAL_WORKER DISTTRIAL_JOBS; exec '$DT' --worker" env
check "workers without the environment: the run passes ($rc)" [ "$rc" -eq 0 ]
for t in e1 e2 e3 e4; do
	w=$(sed -n "s|^env/$t.sh worker=||p" "$tmp/u/_trial_temp/test.log")
	d=$(sed -n "s|^env/$t.sh temp=$ptmp/u/_trial_temp/\([0-9]*\)/tmp\$|\1|p" \
	    "$tmp/u/_trial_temp/test.log")
	same=0
	[ -n "$w" ] && [ "$w" = "$d" ] && same=1
	check "... $t.sh: DISTTRIAL_WORKER=$w, its directory's number ($d)" \
	    [ "$same" -eq 1 ]
done
check_nogrep 'worker=unset' "$tmp/u/_trial_temp/test.log" '... never unset'

# test.log: "Log opened." once per worker, "--> PATH <--" once per test,
# then that test's lines (stdout and stderr), none of another test's.
check_count 2 'Log opened.' "$log" 'test.log: "Log opened." once per worker'
for t in e1 e2 e3 e4; do
	check_count 1 "--> env/$t.sh <--" "$log" \
	    "test.log: \"--> env/$t.sh <--\" once"
	check_count 20 "env/$t.sh out " "$log" "... its 20 lines of stdout"
	check_count 20 "env/$t.sh err " "$log" "... its 20 lines of stderr"
done
awk '
	/^--> .* <--$/ { cur = substr($0, 5, length($0) - 8); next }
	$0 == "Log opened." { next }
	index($0, cur " ") != 1 { bad++; print "# " NR ": " $0 }
	END { exit bad > 0 }' "$log" >"$tmp/stray"
check "test.log: each test's lines follow its own header" [ $? -eq 0 ]
cat "$tmp/stray"

# A second run in the same place empties and reuses _trial_temp.
echo 'left by someone' >"$tt/leftover"
dtrun e -j1 env/e1.sh
check "a second run passes ($rc)" [ "$rc" -eq 0 ]
check '... in _trial_temp again, emptied' [ ! -e "$tt/leftover" ]
check "... one worker's directory only" [ ! -e "$tt/1" ]
check_count 0 'env/e2.sh' "$log" '... and a fresh test.log'

# -T DIR: relative and absolute.
dtrun e -j1 -T mytemp env/e1.sh
check "-T mytemp: passes ($rc)" [ "$rc" -eq 0 ]
check '... mytemp has the marker' [ -f "$tmp/e/mytemp/_trial_marker" ]
check_line "env/e1.sh temp=$ptmp/e/mytemp/0/tmp" "$tmp/e/mytemp/test.log" \
    '... and DISTTRIAL_TEMP is in it'
check '... its lock is released' [ ! -L "$tmp/e/mytemp.lock" ]
dtrun e -j1 --temp-directory="$ptmp/abs" env/e1.sh
check "--temp-directory=/absolute/path: passes ($rc)" [ "$rc" -eq 0 ]
check_line "env/e1.sh temp=$ptmp/abs/0/tmp" "$ptmp/abs/test.log" \
    '... and is used as is'
check '... its lock is released' [ ! -L "$ptmp/abs.lock" ]

# A live lock (this shell's pid): the next run uses _trial_temp-1 and
# leaves _trial_temp and its lock alone.
suite l env
mkdir "$tmp/l/_trial_temp"
: >"$tmp/l/_trial_temp/_trial_marker"
echo mine >"$tmp/l/_trial_temp/keep"
ln -s $$ "$tmp/l/_trial_temp.lock"
dtrun l -j1 env/e1.sh
check "a live lock: the run passes ($rc)" [ "$rc" -eq 0 ]
check_line "env/e1.sh temp=$ptmp/l/_trial_temp-1/0/tmp" \
    "$tmp/l/_trial_temp-1/test.log" '... in _trial_temp-1'
check '... _trial_temp is untouched' [ "$(cat "$tmp/l/_trial_temp/keep")" = mine ]
check '... its lock too' [ "$(linkof "$tmp/l/_trial_temp.lock")" = $$ ]
check '... _trial_temp-1.lock is released' [ ! -L "$tmp/l/_trial_temp-1.lock" ]
# Two live locks: _trial_temp-2.
ln -s $$ "$tmp/l/_trial_temp-1.lock"
dtrun l -j1 env/e1.sh
check "two live locks: the run passes ($rc)" [ "$rc" -eq 0 ]
check_line "env/e1.sh temp=$ptmp/l/_trial_temp-2/0/tmp" \
    "$tmp/l/_trial_temp-2/test.log" '... in _trial_temp-2'
# A failing run says where its full output is: the directory it used.
suite lf outcomes
mkdir "$tmp/lf/_trial_temp"
: >"$tmp/lf/_trial_temp/_trial_marker"
ln -s $$ "$tmp/lf/_trial_temp.lock"
dtrun lf -j1 outcomes/b-fail.sh
check "a failing run beside a live lock: exit 1 ($rc)" [ "$rc" -eq 1 ]
check_logline "$tmp/lf.err" _trial_temp-1 \
    '... names _trial_temp-1/test.log, the log it wrote'
check_grep 'outcomes/b-fail.sh' "$tmp/lf/_trial_temp-1/test.log" \
    '... which holds the failing test'
dtrun lf -j1 -T "$tmp/lf-abs" outcomes/b-fail.sh
check_logline "$tmp/lf.err" "$tmp/lf-abs" \
    '... with -T DIR, names DIR/test.log'
dtrun lf -j1 -T "$tmp/lf-abs" outcomes/a-pass.sh
check "... a passing run says nothing on stderr" [ ! -s "$tmp/lf.err" ]
rm -f "$tmp/l/_trial_temp-1.lock" "$tmp/lf/_trial_temp.lock"

# A stale lock (the pid of a process that has ended) is taken over.
sh -c 'exit 0' &
dead=$!
wait "$dead"
suite s env
mkdir "$tmp/s/_trial_temp"
: >"$tmp/s/_trial_temp/_trial_marker"
echo old >"$tmp/s/_trial_temp/leftover"
ln -s "$dead" "$tmp/s/_trial_temp.lock"
dtrun s -j1 env/e1.sh
check "a stale lock: the run passes ($rc)" [ "$rc" -eq 0 ]
check_line "env/e1.sh temp=$ptmp/s/_trial_temp/0/tmp" \
    "$tmp/s/_trial_temp/test.log" '... in _trial_temp, taken over'
check '... which was emptied' [ ! -e "$tmp/s/_trial_temp/leftover" ]
check '... the lock is released' [ ! -L "$tmp/s/_trial_temp.lock" ]
check '... no _trial_temp-1' [ ! -e "$tmp/s/_trial_temp-1" ]

# No marker: refused, named, left alone, no run, no lock left.
suite m env
mkdir "$tmp/m/_trial_temp"
echo precious >"$tmp/m/_trial_temp/data"
dtrun m -j1 env/e1.sh
check "a _trial_temp without _trial_marker: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep '_trial_temp' "$tmp/m.err" '... the message names it'
check_egrep '^disttrial: ' "$tmp/m.err" '... a disttrial: message'
check '... its files are left alone' \
    [ "$(cat "$tmp/m/_trial_temp/data")" = precious ]
check '... no marker is added' [ ! -e "$tmp/m/_trial_temp/_trial_marker" ]
check '... nothing else is added' \
    [ "$(ls "$tmp/m/_trial_temp")" = data ]
check '... no lock is left' [ ! -L "$tmp/m/_trial_temp.lock" ]
check '... no _trial_temp-1 instead' [ ! -e "$tmp/m/_trial_temp-1" ]
check '... no test ran' [ ! -s "$tmp/m.out" ]
# A file where the directory should be.
rm -rf "$tmp/m/_trial_temp"
echo precious >"$tmp/m/_trial_temp"
dtrun m -j1 env/e1.sh
check "a file named _trial_temp: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep '_trial_temp' "$tmp/m.err" '... the message names it'
check '... it is left alone' [ "$(cat "$tmp/m/_trial_temp")" = precious ]
check '... no lock is left' [ ! -L "$tmp/m/_trial_temp.lock" ]
# -T DIR without the marker.
mkdir "$tmp/m/mine"
echo precious >"$tmp/m/mine/data"
dtrun m -j1 -T mine env/e1.sh
check "-T DIR without _trial_marker: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep 'mine' "$tmp/m.err" '... the message names it'
check '... its files are left alone' [ "$(ls "$tmp/m/mine")" = data ]

# A busy -T DIR is an error; no -1 fallback.
suite b env
ln -s $$ "$tmp/b/busy.lock"
dtrun b -j1 -T busy env/e1.sh
check "a busy -T DIR: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep 'busy' "$tmp/b.err" '... the message names it'
check '... its lock is left alone' [ "$(linkof "$tmp/b/busy.lock")" = $$ ]
check '... no busy-1 instead' [ ! -e "$tmp/b/busy-1" ]
check '... no busy directory made' [ ! -e "$tmp/b/busy" ]
check '... no test ran' [ ! -s "$tmp/b.out" ]

# Two concurrent runs: the first holds its lock while its test waits on
# a fifo; the second runs meanwhile in _trial_temp-1; then the first is
# let go.  The first run's stdout is a fifo the test also says "started"
# on, so a run that never starts the test ends the wait (EOF).
suite c gate pass
mkfifo "$tmp/first.fifo" "$tmp/gate"
MGR_READY=$tmp/first.fifo
MGR_GATE=$tmp/gate
export MGR_READY MGR_GATE
(cd "$tmp/c" && exec "$DT" -j1 gate) >"$tmp/first.fifo" \
    2>"$tmp/first.err" </dev/null &
first=$!
watch "$first"
{
	upto_started "$tmp/first.out"
	check 'concurrent runs: the first run started its test' \
	    [ "$started" -eq 1 ]
	check "... holding _trial_temp.lock -> its pid" \
	    [ "$(linkof "$tmp/c/_trial_temp.lock")" = "$first" ]
	dtrun c -j1 pass
	check "... the second run passes meanwhile ($rc)" [ "$rc" -eq 0 ]
	check_line 'PASSED (successes=4)' "$tmp/c.m" '... with its report'
	check_grep '--> pass/a.sh <--' "$tmp/c/_trial_temp-1/test.log" \
	    '... in _trial_temp-1'
	check_nogrep 'pass/a.sh' "$tmp/c/_trial_temp/test.log" \
	    '... not in _trial_temp'
	check '... _trial_temp-1.lock is released' \
	    [ ! -L "$tmp/c/_trial_temp-1.lock" ]
	check "... the first run's lock is left alone" \
	    [ "$(linkof "$tmp/c/_trial_temp.lock")" = "$first" ]
	# In the background: if the test is gone, nothing reads the gate.
	(echo go >"$tmp/gate") &
	gatepid=$!
	cat >>"$tmp/first.out"
} <"$tmp/first.fifo"
wait "$first"
rc=$?
unwatch "$first"
kill "$gatepid" 2>/dev/null
wait "$gatepid"
[ -e "$tmp/hung.$first" ] && diag 'the first run hung and was killed'
check "... then the first run passes too ($rc)" [ "$rc" -eq 0 ]
check_egrep '^gate/gate\.sh \.\.\. +\[OK\]$' "$tmp/first.out" \
    '... with its report'
check '... and its lock is released' [ ! -L "$tmp/c/_trial_temp.lock" ]

done_testing
