#!/bin/sh
# t/manager-sigstart.sh: signals as a run starts, beyond those of
# t/manager-signals.sh.  A signal that was ignored when disttrial started
# (SIGINT for a background job of a non-interactive sh) stays ignored.
# A signal that comes while an old temp directory is being emptied still
# releases the lock: the handlers are in place before the lock is taken.
#
# hup/block.sh says "started" on $MGR_READY, the fifo that is also the
# manager's stdout: reading it up to "started" is the wait, and a
# manager that never starts the test ends it with EOF.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh
[ -x t/lib/sigdfl ] || skip_all 'no t/lib/sigdfl (run make)'

suite h hup
mkfifo "$tmp/report" "$tmp/go"
MGR_READY=$tmp/report
export MGR_READY

# finish NAME PID: the rest of the report, then the exit status in $rc.
finish() {
	cat >>"$tmp/$1.out"
	wait "$2"
	rc=$?
	unwatch "$2"
	[ -e "$tmp/hung.$2" ] && rc=124
	mask "$tmp/$1.out" >"$tmp/$1.m"
}

plan 5

# SIGINT ignored from the start (a plain & here): it stays ignored, and
# the run goes on to pass once the test is let go.
MGR_GO=$tmp/go
export MGR_GO
: >"$tmp/ign.out"
(cd "$tmp/h" && exec "$DT" -j1 hup) >"$tmp/report" 2>"$tmp/ign.err" \
    </dev/null &
pid=$!
watch "$pid"
{
	upto_started "$tmp/ign.out"
	if [ "$started" -eq 1 ]; then
		kill -s INT "$pid"
		# In the background: a test killed by the SIGINT never reads it.
		echo go >"$tmp/go" &
		gopid=$!
	fi
	finish ign "$pid"
} <"$tmp/report"
[ -n "${gopid-}" ] && kill "$gopid" 2>/dev/null
unset MGR_GO
check "an ignored SIGINT: the run passes ($rc)" [ "$rc" -eq 0 ]
check_egrep '^PASSED \(successes=1\)$' "$tmp/ign.m" '... and says so'

# SIGTERM as soon as the lock is taken, while 30,000 files of an old run
# are being removed.
old=$tmp/h/_trial_temp
mkdir -p "$old"
: >"$old/_trial_marker"
awk 'BEGIN { for (i = 0; i < 30000; i++) print "f" i }' |
    (cd "$old" && xargs touch)
MGR_READY=$tmp/ready.log
(cd "$tmp/h" && exec "$top/t/lib/sigdfl" "$DT" -j1 hup) >"$tmp/rm.out" \
    2>"$tmp/rm.err" </dev/null &
pid=$!
watch "$pid"
n=0
while [ ! -L "$old.lock" ] && [ "$n" -lt 1000000 ]; do
	n=$((n + 1))
done
kill -s TERM "$pid"
wait "$pid"
rc=$?
unwatch "$pid"
check "SIGTERM while emptying the old directory: exit 143 ($rc)" \
    [ "$rc" -eq 143 ]
check '... and the lock is released' [ ! -L "$old.lock" ]
check '... and the directory is still ours' [ -f "$old/_trial_marker" ]
done_testing
