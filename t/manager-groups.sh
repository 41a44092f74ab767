#!/bin/sh
# t/manager-groups.sh: a test's process group dies with it, and nothing
# else does.  A test that kills its worker as its first act leaves no
# child behind (a local worker tells the manager its test's group before
# the test runs); a child that holds neither pipe dies with its test; a
# process group that a test names in a file is never killed.  Each
# fixture records its child's pid in $FIXTURE_PIDS, which is how this
# looks for them (check_gone): by pid, never by name.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite g groups
plan 20

# The killer, five times over: the window was narrow.
i=1
while [ "$i" -le 5 ]; do
	dtrun g -j1 groups/killer.sh
	check "killer $i: the run fails ($rc)" [ "$rc" -eq 1 ]
	check_grep 'killed by signal 9 (SIGKILL) while running groups/killer.sh' \
	    "$tmp/g.m" "... its test's error says its worker was killed"
	check_gone "... and the child it left is killed" killer.child
	i=$((i + 1))
done

# A child that holds neither pipe, under a local and a command worker.
dtrun g -j1 groups/detached.sh
check "detached: the test passes ($rc)" [ "$rc" -eq 0 ]
check_gone '... and its child is killed at its end' detached.child
dtrun g -j1 --worker-command "exec '$DT' --worker" groups/detached.sh
check "detached, a command worker: the test passes ($rc)" [ "$rc" -eq 0 ]
check_gone '... and its child is killed at its end' detached.child

# This script's own process group is the victim a test names: if the
# manager killed it, this script would die here.
MGR_VICTIM=$(ps -o pgid= -p $$ | tr -d ' ')
export MGR_VICTIM
dtrun g -j1 groups/forge.sh
check "forge: the run fails, its worker lost ($rc)" [ "$rc" -eq 1 ]
done_testing
