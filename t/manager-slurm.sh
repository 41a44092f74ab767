#!/bin/sh
# t/manager-slurm.sh: workers as SLURM job steps, on a real SLURM cluster
# of this file's own: munged and slurmctld with two slurmd nodes of 3
# CPUs each, on 127.0.0.1, every file in this run's scratch directory
# (nothing under /etc or /run), stopped by their pids at the end.  The
# worker command is the manual's: srun -N1 -n1 --exact --unbuffered
# --quiet, inside an salloc of 4 tasks.
# - -j6 in an allocation of 4 CPUs: two steps wait in the queue, and
#   their tests used to wait with them, for ever (the run was killed at
#   its watchdog).  Now the 4 steps that start run every test, the run
#   ends, the waiting sruns are told to go, and no job is left running.
# - The report is a local run's, test for test.
# - A step cancelled under its test (scancel): that test's error quotes
#   srun's words; the rest run on.
# - --slurm, built in: in the allocation as many workers as its tasks
#   (or =N's fewer), outside one a job per worker; beside -j's here.
# - Outside an allocation, where each worker is a job: SLURM's time
#   limit, an srun killed with SIGKILL, a node lost (its slurmd and the
#   step's slurmstepd killed) under -t.  Each time that test's error
#   names its cause, the other tests run on, and no job is left RUNNING
#   or PENDING (a worker's job is cancelled by name; before, an srun
#   killed left its job RUNNING on a lost node until SlurmdTimeout).
# Skipped, saying why, without SLURM's and munge's programs, as a user
# other than root (SlurmUser=root), or if the cluster does not come up.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

# shellcheck source=t/lib/remote.sh
. t/lib/remote.sh
# At the end, the time limit's run too, should it still go (this file
# failed first): its srun cancels its job while the cluster is up.
tlpid=
trap '[ -n "$tlpid" ] && kill "$tlpid" 2>/dev/null && wait "$tlpid"
    remote_stop; rm -rf "$tmp"; wait $watchers' EXIT
remote_slurm "$tmp/slurm" || skip_all "$remote_why"

# dtrun runs $DT: here salloc of 4 tasks around disttrial.
printf '#!/bin/sh\nexec salloc --quiet -n4 "%s" "$@"\n' "$top/disttrial" \
    >"$tmp/insalloc"
chmod +x "$tmp/insalloc"
# shellcheck disable=SC2034 # dtrun runs it
DT=$tmp/insalloc
step="exec srun -N1 -n1 --exact --unbuffered --quiet '$top/disttrial' --worker --stdio <&3 >&4"

# noneleft: no job of this cluster is running or pending; bounded (30 s).
# The time limit's job (its id in $tmp/tl/job) counts only once that
# run is judged ($tlrun empty).
jobsleft() {
	squeue -h -t PD,R,CF -o %i 2>/dev/null |
	    grep -vx "${tlrun:+$(cat "$tmp/tl/job" 2>/dev/null)}"
}
noneleft() {
	_i=0
	while [ "$_i" -lt 60 ] && [ -n "$(jobsleft)" ]; do
		sleep 0.5 2>/dev/null || sleep 1
		_i=$((_i + 1))
	done
	[ -z "$(jobsleft)" ]
}

# A time limit (SLURM's are minutes, enforced within about half a
# minute more): this run starts now, in the background, on one CPU of
# the six, and is judged at the end.
mkdir -p "$tmp/tl"
# shellcheck disable=SC2016 # the test's own expansions
printf '#!/bin/sh\necho $$ >>"$FIXTURE_PIDS/limit.test"\necho "$SLURM_JOB_ID" >%s\nexec sleep 31485\n' \
    "$tmp/tl/job" >"$tmp/tl/limit.sh"
chmod +x "$tmp/tl/limit.sh"
(cd "$tmp/tl" && SLURM_TIMELIMIT=1 exec "$top/disttrial" --slurm=1 \
    limit.sh) >"$tmp/tl.out" 2>"$tmp/tl.err" </dev/null &
tlpid=$!
tlrun=1
deadline=${DT_DEADLINE:-30}
DT_DEADLINE=200
watch "$tlpid"
DT_DEADLINE=$deadline

# check_noneleft DESC: ok if noneleft.
check_noneleft() {
	_left=0
	noneleft && _left=1
	check "$1" [ "$_left" -eq 1 ]
}

# check_fault WHAT REGEX DESC: a fault under one test ended the run,
# exit 1; the report ($tmp/s.m) has that test's error, matching REGEX;
# the 4 other tests passed.
check_fault() {
	check "$1: the run ends, exit 1 ($rc)" [ "$rc" -eq 1 ]
	check_egrep "$2" "$tmp/s.m" "$3"
	check_line 'FAILED (errors=1, successes=4)' "$tmp/s.m" \
	    '... the rest ran'
}

# outside ARGS...: disttrial ARGS in $tmp/s outside any allocation,
# watched; as dtrun, its report masked in $tmp/s.m.
outside() {
	(cd "$tmp/s" && exec "$top/disttrial" "$@") >"$tmp/s.out" \
	    2>"$tmp/s.err" </dev/null &
	watch "$!"
	watched "$!"
	mask "$tmp/s.out" >"$tmp/s.m"
}

suite s env outcomes pass
dtrun s -j6 --worker-command "$step" env pass
check "-j6 steps in an allocation of 4 CPUs: the run passes ($rc)" \
    [ "$rc" -eq 0 ]
check_line 'Ran 7 tests in X.XXXs' "$tmp/s.m" '... every test ran'
check_noneleft '... and no job is left running'

# A test that says whether it runs in a job step.
mkdir -p "$tmp/s/st"
for t in a b c d e f; do
	# shellcheck disable=SC2016 # the test's own expansion
	printf '#!/bin/sh\necho "in step ${SLURM_STEP_ID:-none} of job ${SLURM_JOB_ID:-none} as worker $DISTTRIAL_WORKER"\n' \
	    >"$tmp/s/st/$t.sh"
	chmod +x "$tmp/s/st/$t.sh"
done

# --slurm in the allocation: as many workers as its 4 tasks, unless =N
# says fewer (=9 would leave 5 steps waiting); =2 fewer.
dtrun s --slurm st
check "--slurm in an allocation: passes ($rc)" [ "$rc" -eq 0 ]
n=$(grep -c '^in step [0-9][0-9]* of job [0-9][0-9]* as worker [0-3]$' \
    "$tmp/s/_trial_temp/test.log")
check "... each test in a job step ($n of 6)" [ "$n" -eq 6 ]
for j in '' =9 =2; do
	want=4
	[ "$j" = =2 ] && want=2
	dtrun s "--slurm$j" env
	check "--slurm$j in an allocation of 4 tasks: passes ($rc)" \
	    [ "$rc" -eq 0 ]
	n=$(grep -c "^env/e[1-4]\.sh jobs=$want harness=1\$" \
	    "$tmp/s/_trial_temp/test.log")
	check "... $want workers, as every test was told ($n)" [ "$n" -eq 4 ]
done
# Outside any allocation: each worker a job of its own.
(cd "$tmp/s" && exec "$top/disttrial" --slurm=2 st) \
    >"$tmp/o.out" 2>"$tmp/o.err" </dev/null
rc=$?
check "--slurm=2 outside an allocation: passes ($rc)" [ "$rc" -eq 0 ]
n=$(grep -c '^in step [0-9][0-9]* of job [0-9][0-9]* as worker [01]$' \
    "$tmp/s/_trial_temp/test.log")
check "... each test in a job step ($n of 6)" [ "$n" -eq 6 ]
# Each worker that ran tests is one job, and no two share one.
sed -n 's/^in step [0-9]* of job \([0-9]*\) as worker \([01]\)$/\2 \1/p' \
    "$tmp/s/_trial_temp/test.log" | sort -u >"$tmp/pairs"
nw=$(cut -d ' ' -f 1 "$tmp/pairs" | sort -u | wc -l)
nj=$(cut -d ' ' -f 2 "$tmp/pairs" | sort -u | wc -l)
np=$(wc -l <"$tmp/pairs")
check "... each worker a job of its own ($nw workers, $nj jobs, $np pairs)" \
    [ "$nw.$nj" = "$np.$np" ]
check_noneleft '... and no job is left running'

# A mixed pool in the allocation: worker 0 here, 1 and 2 job steps,
# each told its own number and that the run has 3.
meeting "$tmp/s/meet" 3
dtrun s -j1 --slurm=2 meet
check "-j1 --slurm=2 in an allocation: passes ($rc)" [ "$rc" -eq 0 ]
log=$tmp/s/_trial_temp/test.log
sed -n 's|^m[1-3]\.sh worker=\([0-9]*\) jobs=3 temp=.*/_trial_temp/\1/tmp$|\1|p' \
    "$log" | sort >"$tmp/workers"
printf '0\n1\n2\n' >"$tmp/want"
check_same "$tmp/want" "$tmp/workers" \
    '... 3 tests on 3 workers, each told its own number and of 3 workers'
n=$(grep -c '^m[1-3]\.sh step=none worker=0$' "$log")
m=$(grep -c '^m[1-3]\.sh step=[0-9][0-9]* worker=[12]$' "$log")
check "... worker 0 here, 1 and 2 job steps ($n + $m)" [ "$n.$m" = 1.2 ]

# The report of a local run.
dtrun s -j4 --worker-command "$step" outcomes
sed '/^Ran /d' "$tmp/s.m" | LC_ALL=C sort >"$tmp/slurm.sorted"
(cd "$tmp/s" && exec "$top/disttrial" -j2 outcomes) >"$tmp/local.out" \
    2>/dev/null
mask "$tmp/local.out" | sed '/^Ran /d' | LC_ALL=C sort >"$tmp/local.sorted"
check_same "$tmp/local.sorted" "$tmp/slurm.sorted" \
    'outcomes through srun: the lines of a local run'
outside --slurm=2 outcomes
sed '/^Ran /d' "$tmp/s.m" | LC_ALL=C sort >"$tmp/slurm.sorted"
check_same "$tmp/local.sorted" "$tmp/slurm.sorted" \
    'outcomes as --slurm=2 jobs: the lines of a local run'
check_noneleft '... and no job is left running'

# A step cancelled under its test.
cat >"$tmp/s/cancel.sh" <<'FIX'
#!/bin/sh
scancel "$SLURM_JOB_ID.$SLURM_STEP_ID"
exec sleep 31484
FIX
chmod +x "$tmp/s/cancel.sh"
dtrun s -j2 --worker-command "$step" cancel.sh env
check_fault 'a step cancelled under its test' \
    '^worker [0-9]+ exited with status [0-9]+ while running cancel\.sh; its stderr: .*CANCELLED' \
    "... its error quotes srun's words"
check_noneleft '... and no job is left running'

# An srun killed with SIGKILL (its job is named for its pid): that
# test's error says so, the rest run on a new job, and the job is
# cancelled by name, not left RUNNING.
cat >"$tmp/s/ksrun.sh" <<FIX
#!/bin/sh
echo \$\$ >>"$FIXTURE_PIDS/ksrun.test"
kill -9 "\${SLURM_JOB_NAME#disttrial.}"
exec sleep 31486
FIX
chmod +x "$tmp/s/ksrun.sh"
outside --slurm=1 ksrun.sh env
check_fault 'an srun killed under its test' \
    '^worker 0 was killed by signal 9 \(SIGKILL\) while running ksrun\.sh' \
    '... its error says so'
check_noneleft '... and no job is left running'
check_gone '... nor its test' ksrun.test

# The time limit's run.
watched "$tlpid"
tlpid=
tlrun=
check "a job's time limit under its test: the run ends, exit 1 ($rc)" \
    [ "$rc" -eq 1 ]
check_egrep '^worker 0 exited with status [0-9]+ while running limit\.sh; its stderr: .*DUE TO TIME LIMIT' \
    "$tmp/tl.out" "... its error quotes SLURM's words"
check_noneleft '... and no job is left running'
check_gone '... nor its test' limit.test

# A node lost, last (its slurmd stays dead): the test kills its node's
# slurmd and its step's slurmstepd.  -t 5 bounds it; the rest run on
# the other node at once, since the lost one's job is cancelled.
cat >"$tmp/s/lost.sh" <<FIX
#!/bin/sh
echo \$\$ >>"$FIXTURE_PIDS/lost.test"
kill -9 "\$(cat "$tmp/slurm/slurmd-\$SLURMD_NODENAME.pid")"
kill -9 "\$(ps -o ppid= -p "\$PPID" | tr -d ' ')"
exec sleep 31487
FIX
chmod +x "$tmp/s/lost.sh"
outside -t 5 --slurm=1 lost.sh env
check_fault 'a node lost under its test, -t 5' \
    '^worker 0 did not answer the Run of lost\.sh within [0-9]+ s; it was killed' \
    '... its error says so'
check_noneleft '... and no job is left running or pending'
check_gone '... nor its test' lost.test

done_testing
