#!/bin/sh
# t/manager-ssh.sh: --ssh [N/]HOST through real OpenSSH, an sshd of this
# file's own on 127.0.0.1.  Workers only on the host (no -j): every test
# runs there, the report a local run's, each test told its own worker's
# number by its Start directory (ssh forwards no environment) and the
# run's count of workers; a mixed pool of 2 local and 2 ssh workers, the
# same footer, and each of its workers (here and there) told its own
# number and the run's count.  A host lost mid-test (its sshd session killed): one
# error, the rest run on, nothing left there.  A host that refuses (no
# such user's key) retires its slots, each error naming ssh's own words,
# exit 2.
#
# The sshd (t/lib/remote.sh) runs from this file's scratch directory on
# a port of its own, in a mount namespace of its own whose /run is a
# fresh tmpfs (sshd insists on /run/sshd, and this file writes nothing
# under /run), and is stopped by its pid at the end.  Skipped, saying
# why, without sshd, ssh, ssh-keygen or unshare, when a mount namespace
# cannot be had (not root), or when the sshd does not come up.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

# shellcheck source=t/lib/remote.sh
. t/lib/remote.sh
trap 'remote_stop; rm -rf "$tmp"; wait $watchers' EXIT
s=$tmp/sshd
remote_sshd "$s" || skip_all "$remote_why"
port=$remote_port
DISTTRIAL_SSH="ssh -F $s/ssh_config"
export DISTTRIAL_SSH

# Only ssh workers: every test runs on the host.
suite h env outcomes
dtrun h -r tap --ssh 2/127.0.0.1 env
check "--ssh 2/127.0.0.1: the run passes ($rc)" [ "$rc" -eq 0 ]
check_line '# PASSED (successes=4)' "$tmp/h.out" '... 4 tests passed'
log=$tmp/h/_trial_temp/test.log
for t in e1 e2 e3 e4; do
	w=$(sed -n "s|^env/$t.sh worker=||p" "$log")
	d=$(sed -n "s|^env/$t.sh temp=$ptmp/h/_trial_temp/\\([0-9]*\\)/tmp\$|\\1|p" \
	    "$log")
	same=0
	case $w in 0 | 1) [ "$w" = "$d" ] && same=1 ;; esac
	check "... $t.sh on ssh worker $w, its own number ($d)" \
	    [ "$same" -eq 1 ]
	check_line "env/$t.sh jobs=2 harness=1" "$log" \
	    '... told the run has 2 workers'
	check_line "env/$t.sh pwd=$ptmp/h" "$log" '... in this directory'
done
# Through ssh indeed: sshd's session names the connection.
# shellcheck disable=SC2016 # the test's own expansion
printf '#!/bin/sh\necho "conn=${SSH_CONNECTION:-none}"\n' >"$tmp/h/conn.sh"
chmod +x "$tmp/h/conn.sh"
dtrun h --ssh 127.0.0.1 conn.sh
check_egrep '^conn=127\.0\.0\.1 [0-9]+ 127\.0\.0\.1 '"$port"'$' \
    "$tmp/h/_trial_temp/test.log" '... (the test ran in an ssh session)'

# A host lost mid-test: the test kills the sshd session its worker runs
# under, so the connection drops.  That test gets one error, the others
# run on, and nothing is left running on the host.
# (ssh forwards no FIXTURE_PIDS: its value is written in.)
printf '#!/bin/sh\necho $$ >>"%s/lose.test"\n' "$FIXTURE_PIDS" \
    >"$tmp/h/lose.sh"
cat >>"$tmp/h/lose.sh" <<'FIX'
session=$(ps -o ppid= -p "$PPID" | tr -d ' ')
kill -9 "$session"
exec sleep 31483
FIX
chmod +x "$tmp/h/lose.sh"
dtrun h --ssh 127.0.0.1 lose.sh env
check "a host lost mid-test: the run ends, exit 1 ($rc)" [ "$rc" -eq 1 ]
check_egrep '^worker 0 exited with status 255 while running lose\.sh' \
    "$tmp/h.m" '... the test an error: ssh exited 255'
check_line 'FAILED (errors=1, successes=4)' "$tmp/h.m" \
    '... the other tests ran on a new worker'
check_gone '... and the lost test is gone' lose.test

# A mixed pool: the same footer as a local run.
dtrun h -j2 outcomes
tail -n 1 "$tmp/h.m" >"$tmp/local.foot"
dtrun h -j2 --ssh 2/127.0.0.1 outcomes
tail -n 1 "$tmp/h.m" >"$tmp/mixed.foot"
check_same "$tmp/local.foot" "$tmp/mixed.foot" \
    '-j2 --ssh 2/127.0.0.1: the footer of a local run'
# Each of 4 tests that meet on 4 workers is told its own number.
meeting "$tmp/h/meet" 4
dtrun h -j2 --ssh 2/127.0.0.1 meet
sed -n 's|^m[1-4]\.sh worker=\([0-9]*\) jobs=4 temp=.*/_trial_temp/\1/tmp$|\1|p' \
    "$log" | sort >"$tmp/workers"
printf '0\n1\n2\n3\n' >"$tmp/want"
check_same "$tmp/want" "$tmp/workers" \
    '... 4 tests on 4 workers, each told its own number and of 4 workers'

# A host that will not let us in: ssh's own words in each error.
dtrun h --ssh nobody@127.0.0.1 env/e1.sh
check "a host that refuses: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_egrep '^not run: no worker started \(the last: worker 0 exited with status 255 before it answered Start; its stderr: .*Permission denied.*\)$' \
    "$tmp/h.m" '... the test an error, in ssh'"'"'s words'

done_testing
