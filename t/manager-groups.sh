#!/bin/sh
# t/manager-groups.sh: a test's process group dies with it, and nothing
# else does.  A test that kills its worker as its first act leaves no
# child behind (a local worker tells the manager its test's group before
# the test runs); a child that holds neither pipe dies with its test; a
# process group that a test names in a file is never killed.  Each
# fixture writes its child's pid into $MGR_PIDS, which is how this looks
# for them: by pid, never by name.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

MGR_PIDS=$tmp/pids
mkdir "$MGR_PIDS"
export MGR_PIDS

# alive PID: the process runs (a zombie, killed and not yet reaped by
# init, does not count).
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	Z*) return 1 ;;
	esac
	return 0
}

# gone FILE DESC: ok if the process whose pid FILE holds is gone, within
# 10 s.
gone() {
	if [ ! -s "$1" ]; then
		fail "$2"
		diag "no pid in $1"
		return
	fi
	_pid=$(cat "$1")
	_n=0
	while alive "$_pid" && [ "$_n" -lt 10 ]; do
		sleep 1
		_n=$((_n + 1))
	done
	if alive "$_pid"; then
		fail "$2"
		diag "pid $_pid is still running"
		kill -9 "$_pid" 2>/dev/null
	else
		pass "$2"
	fi
}

suite g groups
plan 20

# The killer, five times over: the window was narrow.
i=1
while [ "$i" -le 5 ]; do
	rm -f "$MGR_PIDS"/killer.*
	dtrun g -j1 groups/killer.sh
	check "killer $i: the run fails ($rc)" [ "$rc" -eq 1 ]
	check_grep 'killed by signal 9 (SIGKILL) while running groups/killer.sh' \
	    "$tmp/g.m" "... its test's error says its worker was killed"
	gone "$MGR_PIDS/killer.0" "... and the child it left is killed"
	i=$((i + 1))
done

# A child that holds neither pipe, under a local and a command worker.
dtrun g -j1 groups/detached.sh
check "detached: the test passes ($rc)" [ "$rc" -eq 0 ]
gone "$MGR_PIDS/detached.0" '... and its child is killed at its end'
rm -f "$MGR_PIDS/detached.0"
dtrun g -j1 --worker-command "exec '$DT' --worker" groups/detached.sh
check "detached, a command worker: the test passes ($rc)" [ "$rc" -eq 0 ]
gone "$MGR_PIDS/detached.0" '... and its child is killed at its end'

# This script's own process group is the victim a test names: if the
# manager killed it, this script would die here.
MGR_VICTIM=$(ps -o pgid= -p $$ | tr -d ' ')
export MGR_VICTIM
dtrun g -j1 groups/forge.sh
check "forge: the run fails, its worker lost ($rc)" [ "$rc" -eq 1 ]
done_testing
