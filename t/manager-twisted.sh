#!/bin/sh
# t/manager-twisted.sh: the manager runs Python trial suites on Twisted's
# own workers, for the system's Twisted (Debian 12's 22.4, the old
# dialect) and for 24.7 (../shared/peers, the stream dialect), each as
# shipped.  With --trial, the operands (dotted names, package directories,
# .py files) are expanded into test ids by trial's own loader and handed
# out one at a time, and the report is what Twisted's trial -j1 prints
# for the same operands, byte for byte with the time masked: trial -j1 is
# run here as the reference (Twisted's manager on Twisted's worker).
# Left out of the comparison: an unexpected success, which trial's own
# -j reporter mishandles.  The worker imports the tests after its chdir
# into its N/, so PYTHONPATH is absolute.  Skipped without a Python that
# has Twisted (Debian: python3-twisted).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

peer system || skip_all "$why"

PYTHONPATH=$mfx/pytrial
PYTHONDONTWRITEBYTECODE=1	# no __pycache__ in the tree
export PYTHONPATH PYTHONDONTWRITEBYTECODE
src=$mfx/pytrial/mgrsample/test_outcomes.py
m=mgrsample.test_outcomes

# reference NAME ARGS: Twisted's trial -j ARGS in $tmp/NAME.t, the report
# with the time masked in $tmp/NAME.t.m.
reference() {
	_r=$1
	shift
	mkdir -p "$tmp/$_r.t"
	(cd "$tmp/$_r.t" && peer_python -m twisted.trial "$@") \
	    >"$tmp/$_r.t.out" 2>"$tmp/$_r.t.err" </dev/null
	echo $? >"$tmp/$_r.t.rc"
	mask "$tmp/$_r.t.out" >"$tmp/$_r.t.m"
}

# unaddr FILE...: a DelayedCall's address and time masked, in place.
unaddr() {
	for _f; do
		sed 's/0x[0-9a-f]*/0xX/g; s/\[[0-9.]*s\]/[Xs]/g' "$_f" >"$_f.u"
		mv "$_f.u" "$_f"
	done
}

# norm: a report on stdin as lines in which -j2's order does not show:
# times and cgitb's numbers masked, the tree's levels (a line of one
# name before the first rule) dropped, the rest sorted.
norm() {
	sed -e 's/^\(Ran [0-9]* tests in \).*/\1X/' \
	    -e 's/^([0-9.]* secs)$/(X secs)/' \
	    -e 's/^[0-9.e-]* \([0-9]* [0-9]* [0-9]* [0-9]* [0-9]*\)$/X \1/' \
	    -e 's/Failure #[0-9]*/Failure #N/' |
	    awk '/^[-=][-=][-=][-=][-=]/ && length($0) == 79 { rule = 1 }
		!rule && /^ *[A-Za-z_][A-Za-z0-9_.]*$/ { next }
		{ print }' | LC_ALL=C sort
}

# trialrun NAME ARGS: disttrial --trial ARGS and trial -j ARGS; their
# reports are $tmp/NAME.m and $tmp/NAME.t.m.
trialrun() {
	_n=$1
	shift
	reference "$_n" "$@"
	PYTHONPATH=$twpath${twpath:+:}$PYTHONPATH PYTHON=$py \
	    dtrun "$_n" --trial "$@"
}

versions() {
	v=$twver
	# Each worker records its pid (check_gone).
	tw="echo \$\$ >>\"\$FIXTURE_PIDS/twisted.worker\"; exec '$py' -m twisted.trial._dist.workertrial"

	# A package, -j1: what trial -j1 prints, to the byte.
	trialrun "$v.pkg" -j1 mgrsample
	check "$v: --trial -j1 mgrsample: exit 1 ($rc)" [ "$rc" -eq 1 ]
	check_same "$tmp/$v.pkg.t.m" "$tmp/$v.pkg.m" \
	    "$v: ... the report is trial -j1's, byte for byte"
	check "... which ran (exit 1, nothing on stderr)" \
	    [ -s "$tmp/$v.pkg.t.m" ] && [ ! -s "$tmp/$v.pkg.t.err" ]
	check_line 'Running 12 tests.' "$tmp/$v.pkg.m" \
	    '... "Running 12 tests.": one Run a test method'
	check_line "FAILED (skips=3, expectedFailures=1, failures=3, errors=3, successes=2)" \
	    "$tmp/$v.pkg.m" '... the counts'
	check_logline "$tmp/$v.pkg.err" _trial_temp \
	    '... and on our stderr only the line that names test.log'
	{
		rule '='
		echo '[ERROR]'
		echo 'Traceback (most recent call last):'
		echo 'Failure: twisted.internet.defer.TimeoutError: <mgrsample.test_more.Frameless testMethod=test_deferred_timeout> (test_deferred_timeout) still running at 0.01 secs'
		echo
		echo 'mgrsample.test_more.Frameless.test_deferred_timeout'
	} >"$tmp/frameless.want"
	check_block "$tmp/frameless.want" "$tmp/$v.pkg.m" \
	    '... a result with no frames, in trial'"'"'s framing'
	{
		rule '='
		echo '[FAIL]'
		echo 'Traceback (most recent call last):'
		echo "  File \"$src\", line 11, in test_b_fail"
		echo '    self.assertEqual(1, 2)'
	} >"$tmp/fail.want"
	check_block "$tmp/fail.want" "$tmp/$v.pkg.m" \
	    "... a failure's traceback, from the test's frame on"
	echo 'twisted.trial.unittest.FailTest: 1 != 2' >"$tmp/fail2.want"
	check_block "$tmp/fail2.want" "$tmp/$v.pkg.m" \
	    '... ending with the exception'
	check_line 'Log opened.' "$tmp/$v.pkg/_trial_temp/test.log" \
	    '... test.log: the worker said "Log opened."'
	check_line "--> $m.Outcomes.test_a_pass <--" \
	    "$tmp/$v.pkg/_trial_temp/test.log" '... and "--> ID <--" before each test'
	check "... an empty err.log (Twisted's worker complained of nothing)" \
	    [ -f "$tmp/$v.pkg/_trial_temp/0/err.log" ] &&
	    [ ! -s "$tmp/$v.pkg/_trial_temp/0/err.log" ]

	# The same on the worker command given, with -j2: the ids shared out.
	trialrun "$v.j2" -j2 --worker-command "$tw" mgrsample
	check_line 'Running 12 tests.' "$tmp/$v.j2.m" \
	    "$v: -j2 --worker-command: \"Running 12 tests.\""
	check_count 2 'Log opened.' "$tmp/$v.j2/_trial_temp/test.log" \
	    '... both workers ran tests'
	grep '^    test_' "$tmp/$v.pkg.t.m" >"$tmp/$v.leaves.want"
	grep '^    test_' "$tmp/$v.j2.m" >"$tmp/$v.leaves.got"
	check_sorted "$tmp/$v.leaves.want" "$tmp/$v.leaves.got" \
	    '... the same statuses'
	sed -n '/^-\{79\}$/,$p' "$tmp/$v.pkg.m" >"$tmp/$v.foot.want"
	sed -n '/^-\{79\}$/,$p' "$tmp/$v.j2.m" >"$tmp/$v.foot.got"
	check_same "$tmp/$v.foot.want" "$tmp/$v.foot.got" '... the same footer'
	check_gone "... no Twisted worker is left" twisted.worker

	# With Twisted's workers, trial's loader itself becomes worker 0
	# once it has listed, its test modules imported: at -j1 it is the
	# one Python that runs tests; a --worker-command's are their own.
	PYTHONPATH=$twpath${twpath:+:}$PYTHONPATH PYTHON=$py \
	    dtrun "$v.where" --trial -j1 mgrwhere
	check_line 'twisted.trial.unittest.FailTest: in 0, worker 0, the loader: True' \
	    "$tmp/$v.where.m" \
	    "$v: -j1: the test ran in trial's loader, become worker 0, in 0/"
	check "... which wrote nothing to 0/err.log" \
	    [ -f "$tmp/$v.where/_trial_temp/0/err.log" ] &&
	    [ ! -s "$tmp/$v.where/_trial_temp/0/err.log" ]
	check_same "$tmp/$v.pkg.t.m" "$tmp/$v.pkg.m" \
	    '... and gave trial -j1'"'"'s report of mgrsample (above)'
	PYTHONPATH=$twpath${twpath:+:}$PYTHONPATH PYTHON=$py \
	    dtrun "$v.where" --trial -j1 --worker-command "$tw" mgrwhere
	check_line 'twisted.trial.unittest.FailTest: in 0, worker 0, the loader: False' \
	    "$tmp/$v.where.m" '... with --worker-command, a worker of its own'
	check_gone '... which is gone' twisted.worker
	PYTHONPATH=$twpath${twpath:+:}$PYTHONPATH PYTHON=$py \
	    dtrun "$v.where" --trial -j2 mgrsample
	check_count 2 'Log opened.' "$tmp/$v.where/_trial_temp/test.log" \
	    '... -j2: the loader and one Twisted worker started'
	sed -n '/^-\{79\}$/,$p' "$tmp/$v.where.m" >"$tmp/$v.where.foot"
	check_same "$tmp/$v.foot.want" "$tmp/$v.where.foot" \
	    '... with trial'"'"'s footer'

	# trial's worker options reach Twisted's workers: the probes say
	# what their worker was told, as under trial -j1 with the same.
	trialrun "$v.probe" -j1 --force-gc --disablegc --recursionlimit 2000 \
	    --reactor poll --without-module colorsys mgrprobe
	check "$v: --trial with trial's worker options: exit 1 ($rc)" \
	    [ "$rc" -eq 1 ]
	check_same "$tmp/$v.probe.t.m" "$tmp/$v.probe.m" \
	    '... the report is trial -j1'"'"'s, byte for byte'
	for l in 'gc enabled: False' 'recursion limit: 2000' \
	    'reactor: PollReactor' 'colorsys hidden'; do
		check_grep "FailTest: $l" "$tmp/$v.probe.m" \
		    "... the worker was told: $l"
	done
	# With --trial, -r is trial's --reactor; a reactor trial does not
	# have is trial's one-line complaint.
	trialrun "$v.probe" -j1 -r poll mgrprobe
	check_grep 'FailTest: reactor: PollReactor' "$tmp/$v.probe.m" \
	    '... -r poll is --reactor poll'
	PYTHONPATH=$twpath${twpath:+:}$PYTHONPATH PYTHON=$py \
	    dtrun "$v.badr" --trial -r nosuchreactor mgrprobe
	check "... -r nosuchreactor: exit 2 ($rc)" [ "$rc" -eq 2 ]
	check_grep "trial: The specified reactor does not exist: 'nosuchreactor'." \
	    "$tmp/$v.badr.err" '... trial saying so in one line'
	check_nogrep 'Traceback' "$tmp/$v.badr.err" '... with no traceback'

	# Every option of trial -j's under trial -j2 OPTIONS and disttrial
	# --trial -j2 OPTIONS, on the probe suite (the probes and a test of
	# each outcome): the same report, in any order (norm).  Options
	# that do not touch one another go together (a run is seconds).
	for o in '--force-gc --recursionlimit 2000 --reactor poll
	    --without-module colorsys -N --order toptobottom -e
	    --tbformat emacs -l my.log --reporter bwverbose
	    --unclean-warnings' \
	    '--disablegc -r select -z 42 --tbformat cgitb --reporter timing' \
	    '--coverage --order alphabetical --rterrors --tbformat plain
	    --reporter summary' \
	    '-n --reporter verbose --debugger pdb'; do
		# shellcheck disable=SC2086 # $o is words
		trialrun "$v.opt" -j2 $o mgrprobe
		# shellcheck disable=SC2086,SC2116 # on one line
		o=$(echo $o)
		# trial --coverage also traces its manager, saying where to.
		sed '/^Setting coverage directory to /d' "$tmp/$v.opt.t.m" |
		    norm >"$tmp/$v.opt.t.n"
		norm <"$tmp/$v.opt.m" >"$tmp/$v.opt.n"
		check_same "$tmp/$v.opt.t.n" "$tmp/$v.opt.n" \
		    "$v: -j2 $o: trial -j2's report (in any order)"
		check "... and its exit status ($rc)" [ "$rc" -eq "$(cat \
		    "$tmp/$v.opt.t.rc")" ]
		case $o in
		--coverage*)
			# (Which worker ran which test is the machine's.)
			for n in 0 1; do
				ls "$tmp/$v.opt/_trial_temp/$n/coverage" \
				    >"$tmp/$v.cover.$n" 2>&1
				# (one Twisted imports as it starts)
				check_grep 'twisted.internet.defer.cover' \
				    "$tmp/$v.cover.$n" \
				    "... worker $n wrote its coverage, as trial's"
			done
			cat "$tmp/$v.cover.0" "$tmp/$v.cover.1" >"$tmp/$v.cover"
			for f in test_kinds test_probe; do
				check_line "mgrprobe.$f.cover" "$tmp/$v.cover" \
				    "... of mgrprobe.$f, too"
			done
			;;
		*' -l '*)
			check_line "--> mgrprobe.test_kinds.Kinds.test_pass <--" \
			    "$tmp/$v.opt/_trial_temp/my.log" \
			    '... the log is _trial_temp/my.log'
			check '... and there is no test.log' \
			    [ ! -e "$tmp/$v.opt/_trial_temp/test.log" ]
			check_line 'disttrial: full output in _trial_temp/my.log' \
			    "$tmp/$v.opt.err" '... which the last line names'
			;;
		esac
	done
	# The report options again under -j1, byte for byte (but cgitb's
	# numbers, which in trial count its manager's own tracebacks too).
	# The times of timing's lines and summary's too: trial -j's are its
	# manager's replay of a test's results, always 0.000.
	for o in '-e --tbformat emacs --reporter text' \
	    '--tbformat cgitb --reporter bwverbose' '-e --reporter summary' \
	    '-e --reporter timing' '-e --tbformat cgitb'; do
		# shellcheck disable=SC2086 # $o is words
		trialrun "$v.opt" -j1 $o mgrprobe mgrsample
		for f in "$tmp/$v.opt.t.m" "$tmp/$v.opt.m"; do
			sed -e 's/Failure #[0-9]* ---$/Failure #N ---/' \
			    -e 's/^([0-9.]* secs)$/(X secs)/' \
			    -e 's/^[0-9.e-]* \([0-9 ]*\)$/X \1/' "$f" >"$f.c"
		done
		check_same "$tmp/$v.opt.t.m.c" "$tmp/$v.opt.m.c" \
		    "$v: -j1 $o: trial -j1's report, byte for byte"
	done
	trialrun "$v.cgitb" -j1 --tbformat cgitb mgrsample
	sed -n 's/^\*--- Failure #\([0-9]*\) ---$/\1/p' "$tmp/$v.cgitb.m" |
	    tr '\n' ' ' >"$tmp/$v.cgitb.nums"
	check "... cgitb's tracebacks numbered from 1 as they came ($(cat \
	    "$tmp/$v.cgitb.nums"))" [ "$(cat "$tmp/$v.cgitb.nums")" = \
	    '3 4 5 1 2 6 ' ]

	# --spew: trial's manager traces itself onto its report; ours
	# traces trial's loader, onto stderr, and the report stays whole.
	trialrun "$v.spew" -j1 --spew mgrsample
	check_same "$tmp/$v.pkg.m" "$tmp/$v.spew.m" \
	    "$v: --spew: the report is the one without it"
	check_grep 'method parseArgs of twisted.scripts.trial.Options' \
	    "$tmp/$v.spew.err" '... and the loader'"'"'s trace is on stderr'
	check_grep 'method parseArgs of twisted.scripts.trial.Options' \
	    "$tmp/$v.spew.t.out" '... where trial puts its own in its report'

	# --help-reactors: trial's list, from the same Twisted.
	peer_python -m twisted.trial --help-reactors >"$tmp/$v.hr.t" 2>&1
	PYTHONPATH=$twpath${twpath:+:}$PYTHONPATH PYTHON=$py \
	    "$DT" --trial --help-reactors >"$tmp/$v.hr" 2>&1
	rc=$?
	check "$v: --help-reactors: exit 0 ($rc)" [ "$rc" -eq 0 ]
	check_same "$tmp/$v.hr.t" "$tmp/$v.hr" '... trial'"'"'s list'
	check_grep 'poll(2) based reactor' "$tmp/$v.hr" '... which it is'

	# --unclean-warnings: a dirty reactor is a warning, and a test with
	# no other result passes, where trial leaves its line without a
	# status and counts it nowhere.
	trialrun "$v.dirty" -j1 mgrdirty
	unaddr "$tmp/$v.dirty.t.m" "$tmp/$v.dirty.m"
	check_same "$tmp/$v.dirty.t.m" "$tmp/$v.dirty.m" \
	    "$v: a test that leaves its reactor dirty: trial -j1's error"
	check_line 'FAILED (errors=1, successes=1)' "$tmp/$v.dirty.m" \
	    '... one error, one success'
	trialrun "$v.unclean" -j1 --unclean-warnings mgrdirty
	check "... --unclean-warnings: exit 0 ($rc)" [ "$rc" -eq 0 ]
	# unclean NL DIRTY N: the report, trial's with "" ' ' 1.
	unclean() {
		echo 'Running 2 tests.'
		echo 'mgrdirty.test_dirty'
		echo '  Dirty'
		printf '    test_clean ...%61s\n' '[OK]'
		printf '    test_dirty ...%s\n' "$2"
		printf '%s' "$1"
		rule -
		echo 'Ran 2 tests in X.XXXs'
		echo
		echo "PASSED (successes=$3)"
	}
	unclean '
' "$(printf '%61s' '[OK]')" 2 >"$tmp/unclean.want"
	check_same "$tmp/unclean.want" "$tmp/$v.unclean.m" '... both pass'
	unclean '' ' ' 1 >"$tmp/unclean.t.want"
	check_same "$tmp/unclean.t.want" "$tmp/$v.unclean.t.m" \
	    '... where trial leaves test_dirty without a status or a count'
	check_grep 'disttrial: warning: mgrdirty.test_dirty.Dirty.test_dirty: Reactor was unclean.' \
	    "$tmp/$v.unclean.err" '... the warning on stderr, naming the test'
	check_grep 'DelayedCall' "$tmp/$v.unclean.err" \
	    '... and what was left'
	check_grep 'warning: mgrdirty.test_dirty.Dirty.test_dirty: Reactor was unclean.' \
	    "$tmp/$v.unclean/_trial_temp/test.log" '... and in test.log'

	# trial's loader options: -N (not into mgrnest.sub), --testmodule
	# (the tests its test-case-name line names).
	trialrun "$v.nest" -j1 mgrnest
	check_line 'Running 2 tests.' "$tmp/$v.nest.m" \
	    "$v: a package and the package in it: 2 tests"
	trialrun "$v.norec" -j1 -N mgrnest
	check_same "$tmp/$v.norec.t.m" "$tmp/$v.norec.m" \
	    '... -N: the report is trial -j1'"'"'s, byte for byte'
	check_line 'Running 1 tests.' "$tmp/$v.norec.m" '... 1 test, not the inner one'
	trialrun "$v.tm" -j1 --testmodule "$mfx/pytrial/mgrnest/code.py"
	check_same "$tmp/$v.tm.t.m" "$tmp/$v.tm.m" \
	    '... --testmodule: the report is trial -j1'"'"'s, byte for byte'
	check_line 'Running 1 tests.' "$tmp/$v.tm.m" \
	    '... 1 test, the one its test-case-name names'

	# trial's orders are its loader's: -z SEED, --order toptobottom and
	# alphabetical give trial -j1's report, shuffle line and all.
	for o in '-z 42' '--random 7' '--order toptobottom' \
	    '--order alphabetical' '-o toptobottom'; do
		# shellcheck disable=SC2086 # $o is two words
		trialrun "$v.order" -j1 $o mgrsample
		check_same "$tmp/$v.order.t.m" "$tmp/$v.order.m" \
		    "$v: $o: the report is trial -j1's, byte for byte"
		case $o in
		-z*) check_line 'Running tests shuffled with seed 42' \
		    "$tmp/$v.order.m" '... which names its seed first' ;;
		esac
	done

	# trial's -n: every test passes unrun, in trial -j2's report.
	trialrun "$v.dry" -j2 -n mgrsample
	check "$v: -n: exit 0 ($rc)" [ "$rc" -eq 0 ]
	check_same "$tmp/$v.dry.t.m" "$tmp/$v.dry.m" \
	    '... the report is trial -j2'"'"'s, byte for byte'
	check_nogrep 'Outcomes' "$tmp/$v.dry/_trial_temp/test.log" \
	    '... and no test ran'

	# No operand: trial -j2's run of no test, which passes.  (Its
	# report, as trial prints it; trial itself is not run for it, since
	# Twisted 22.4's trial -j2 of no test now and then hangs at its end.)
	{
		echo 'Running 0 tests.'
		echo
		rule -
		echo
		echo 'PASSED'
	} >"$tmp/none.want"
	PYTHONPATH=$twpath${twpath:+:}$PYTHONPATH PYTHON=$py \
	    dtrun "$v.none" --trial -j2
	check "$v: --trial -j2 without an operand: exit 0 ($rc)" [ "$rc" -eq 0 ]
	check_same "$tmp/none.want" "$tmp/$v.none.m" \
	    '... the report is trial -j2'"'"'s: no test, PASSED'

	# Operands as trial takes them: a module, a class, a method, a
	# package directory, a .py file, and a name that is none of them.
	trialrun "$v.forms" -j1 "$m.Plain" "$m.Outcomes.test_a_pass" \
	    "$mfx/pytrial/mgrsample/test_more.py" "$mfx/pytrial/mgrsample" \
	    nosuch.module
	check "$v: a class, a method, a .py file, a package directory, no module: exit 1 ($rc)" \
	    [ "$rc" -eq 1 ]
	check_same "$tmp/$v.forms.t.m" "$tmp/$v.forms.m" \
	    '... the report is trial -j1'"'"'s, byte for byte'
	check_line 'nosuch.module' "$tmp/$v.forms.m" \
	    '... which names the module that is not there'

	# A failure text over 64 KiB: 22.4's worker sends nothing for it.
	trialrun "$v.big" -j1 mgrbig
	case $v in
	22.*)
		{
			rule '='
			echo '[ERROR]'
			echo 'the worker reported nothing for this test; the worker failed the Run: Unknown Error'
			echo
			echo 'mgrbig.test_big.Big.test_big'
		} >"$tmp/big.want"
		check_block "$tmp/big.want" "$tmp/$v.big.m" \
		    "$v: a test the worker reports nothing for is an error saying so"
		check_line 'FAILED (errors=1)' "$tmp/$v.big.m" '... and counts'
		;;
	*)
		check_same "$tmp/$v.big.t.m" "$tmp/$v.big.m" \
		    "$v: a failure text over 64 KiB: trial -j1's report"
		check_line 'line 01199 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' \
		    "$tmp/$v.big.m" '... to its last line'
		;;
	esac
}

versions
if peer 24.7; then
	versions
else
	skip 'Twisted 24.7, the stream dialect' "$why"
fi

# Without --trial, an operand that is no file is one Run on the worker
# command: the module runs whole on one worker.
peer system

# Without PYTHON, the Python trial itself runs: the one its script
# (trial, or Debian's trial3, on PATH) names, not the python3 on PATH
# (here one that runs nothing).
tscript=$(command -v trial || command -v trial3)
if [ -n "$tscript" ]; then
	mkdir -p "$tmp/nopy"
	printf '#!/bin/sh\necho "not this python" >&2\nexit 1\n' \
	    >"$tmp/nopy/python3"
	chmod +x "$tmp/nopy/python3"
	opath=$PATH
	PATH=$tmp/nopy:$PATH
	unset PYTHON
	dtrun nopy -j1 --trial mgrsample
	PATH=$opath
	check "no PYTHON, python3 on PATH broken: exit 1 ($rc)" [ "$rc" -eq 1 ]
	check_same "$tmp/$twver.pkg.t.m" "$tmp/nopy.m" \
	    "... the report is trial -j1's: $tscript's Python ran it"
else
	skip 'no PYTHON: the Python of trial on PATH' 'no trial or trial3 on PATH'
fi
dtrun whole -j1 --worker-command "exec '$py' -m twisted.trial._dist.workertrial" \
    "$m"
check_line 'Running 1 tests.' "$tmp/whole.m" \
    'without --trial, a module is one Run'
check_line "FAILED (skips=1, expectedFailures=1, failures=1, errors=1, successes=2)" \
    "$tmp/whole.m" '... of all its tests'

# Bad --trial set-ups: one line, exit 2, no test run.
PYTHON=$tmp/no-such-python dtrun nopy --trial mgrsample
check "a Python that is not there: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep "disttrial: --trial: $tmp/no-such-python could not load the trial suites (exit status 127)" \
    "$tmp/nopy.err" '... saying so'
check_grep "disttrial: cannot execute $tmp/no-such-python: No such file or directory" \
    "$tmp/nopy.err" '... and why'
check "... nothing on stdout" [ ! -s "$tmp/nopy.out" ]
PYTHON=false dtrun false --trial mgrsample
check_grep "disttrial: --trial: false could not load the trial suites (exit status 1)" \
    "$tmp/false.err" 'a Python that fails: exit 2, saying so'
PYTHON=true dtrun true --trial mgrsample
check "a Python that lists nothing: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep "disttrial: --trial: true listed the trial suites in a form disttrial cannot read" \
    "$tmp/true.err" '... saying so'
# One that fails once the workers have started: they are let go, the
# lock released.
printf '#!/bin/sh\n# prints a path, then fails as a Python without Twisted would\nprintf "/nowhere\\000"\nexit 3\n' \
    >"$tmp/latepy"
chmod +x "$tmp/latepy"
PYTHON=$tmp/latepy dtrun late -j3 --trial --worker-command "$tw" mgrsample
check "a Python that fails after the workers started: exit 2 ($rc)" \
    [ "$rc" -eq 2 ]
check_grep "disttrial: --trial: $tmp/latepy could not load the trial suites (exit status 3)" \
    "$tmp/late.err" '... saying so'
n=$(wc -l <"$FIXTURE_PIDS/twisted.worker")
check "... its three workers started ($n)" [ "$n" -eq 3 ]
check_gone '... and are gone' twisted.worker
check '... the lock released' [ ! -e "$tmp/late/_trial_temp.lock" ] &&
    [ ! -L "$tmp/late/_trial_temp.lock" ]
rm -f "$FIXTURE_PIDS/twisted.worker"

# More workers than tests: those beyond one a test are let go.
PYTHON=$py dtrun few -j6 --trial --worker-command "$tw" "$m.Plain" \
    "$m.Outcomes.test_a_pass"
check "-j6 for two tests: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_line 'PASSED (successes=2)' "$tmp/few.m" '... both pass'
check_gone '... every worker is gone' twisted.worker

PYTHON=$py dtrun empty --trial mgrsample.helper
check "a module with no tests: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep 'disttrial: no tests found in mgrsample.helper' "$tmp/empty.err" \
    '... saying so'

done_testing
