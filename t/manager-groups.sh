#!/bin/sh
# t/manager-groups.sh: a test's process group dies with it, and nothing
# else does.  A test that kills its worker as its first act leaves no
# child behind (a local worker tells the manager its test's group before
# the test runs); a child that holds neither pipe dies with its test; a
# process group that a test names in a file is never killed.  What a
# test leaves running out of its group (a daemon, a child in a group of
# its own), holding its output or not, is gone too, and named in the
# report under that test, passing or not: a skip, or with --leaks=error
# an error.  Each fixture records its child's pid in $FIXTURE_PIDS,
# which is how this looks for them (check_gone): by pid, never by name.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite g groups
plan 50

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
if [ "$reaper" -eq 1 ]; then
	check_grep 'groups/detached.sh processes left behind' "$tmp/g.m" \
	    '... and named in the report'
else
	skipn 1 'a child in the group named'
fi
dtrun g -j1 --worker-command "exec '$DT' --worker" groups/detached.sh
check "detached, a command worker: the test passes ($rc)" [ "$rc" -eq 0 ]
check_gone '... and its child is killed at its end' detached.child

# This script's own process group is the victim a test names: if the
# manager killed it, this script would die here.
MGR_VICTIM=$(ps -o pgid= -p $$ | tr -d ' ')
export MGR_VICTIM
dtrun g -j1 groups/forge.sh
check "forge: the run fails, its worker lost ($rc)" [ "$rc" -eq 1 ]

# Out of the group: a daemon (fork, setsid, fork) and a child in a group
# of its own (setpgid), each holding the test's output or not.  Before
# the worker was their reaper all four outlived the run, and the report
# said nothing of them.
leave() {
	for _k in daemon daemon-quiet group group-quiet; do
		echo "$tmp/fx/leave-$_k.sh"
	done
}
outofgroup() {
	# shellcheck disable=SC2046 # four paths, no blanks
	dtrun l -j2 $(leave)
	check "out of the group: the run passes, a leak warns ($rc)" \
	    [ "$rc" -eq 0 ]
	check_line 'PASSED (skips=4, successes=4)' "$tmp/l.m" \
	    '... one skip a test, beside its success'
	for k in daemon daemon-quiet group group-quiet; do
		t=$tmp/fx/leave-$k.sh
		p=$(cat "$FIXTURE_PIDS/leave-$k.stray" 2>/dev/null)
		{
			echo "$t"
			treeline '  processes left behind' '[SKIPPED]'
		} >"$tmp/want"
		check_block "$tmp/want" "$tmp/l.m" \
		    "leave-$k.sh: a skip in its tree"
		check_egrep "^pid $p, killed by SIGTERM: (.*sleep 3136[0-9]|\[sleep\])\$" \
		    "$tmp/l.m" "... whose section names its stray, pid $p"
		check_gone '... which is gone' "leave-$k.stray"
	done
	log=$tmp/l/_trial_temp/test.log
	check_grep 'held its output after it exited' "$log" \
	    'test.log says what held the output'
	check_nogrep 'process group was killed' "$log" \
	    '... and not that a group was killed'
	check_egrep '^disttrial: left running by the test: pid [0-9]+, killed by SIGTERM: (.*sleep 31362|\[sleep\])$' \
	    "$log" '... and what was left, and how it ended'

	# shellcheck disable=SC2046 # four paths, no blanks
	dtrun l -j2 --leaks=error $(leave)
	check "--leaks=error: the run fails ($rc)" [ "$rc" -eq 1 ]
	check_line 'FAILED (errors=4, successes=4)' "$tmp/l.m" \
	    '... one error a test, beside its success'
	for k in daemon daemon-quiet group group-quiet; do
		p=$(cat "$FIXTURE_PIDS/leave-$k.stray" 2>/dev/null)
		{
			echo "$tmp/fx/leave-$k.sh"
			treeline '  processes left behind' '[ERROR]'
		} >"$tmp/want"
		check_block "$tmp/want" "$tmp/l.m" \
		    "leave-$k.sh: an error in its tree"
		check_gone "... its stray, pid $p, gone" "leave-$k.stray"
	done
}
if [ "$reaper" -eq 1 ]; then
	outofgroup
else
	skipn 27 'strays out of the group'
fi
(cd "$tmp" && "$DT" --leaks bogus) >/dev/null 2>"$tmp/bogus.err"
rc=$?
check "--leaks bogus: a usage error ($rc)" [ "$rc" -eq 2 ]
check_line "disttrial: --leaks takes warn or error, not 'bogus'" \
    "$tmp/bogus.err" '... which says so'
done_testing
