#!/bin/sh
# t/manager-usage.sh: the command line.  Exit status 0 (nothing failed),
# 1 (something did), 2 (bad usage: a one-line "disttrial: ..." naming the
# problem, then the synopsis, and no run); the short and long forms of
# options; -j larger than the number of tests; the default operand t;
# --pattern and --exec.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite u pass outcomes empty exec

dtrun u -h
check "-h exits 0 ($rc)" [ "$rc" -eq 0 ]
check_grep 'usage: disttrial' "$tmp/u.out" '-h prints the synopsis on stdout'
check_grep '--jobs' "$tmp/u.out" '... and the options'
check '-h: nothing on stderr' [ ! -s "$tmp/u.err" ]
dtrun u --help
check "--help exits 0 ($rc)" [ "$rc" -eq 0 ]
check_grep 'usage: disttrial' "$tmp/u.out" '--help prints the synopsis'
dtrun u -V
check "-V exits 0 ($rc)" [ "$rc" -eq 0 ]
check_egrep '^disttrial [0-9]' "$tmp/u.out" '-V prints "disttrial VERSION"'
dtrun u --version
check "--version exits 0 ($rc)" [ "$rc" -eq 0 ]
check_egrep '^disttrial [0-9]' "$tmp/u.out" '--version prints the version'
check 'no option so far ran anything' [ ! -e "$tmp/u/_trial_temp" ]

# usage WORD DESC ARGS...: disttrial ARGS is a usage error: exit 2, a
# first line "disttrial: ..." matching *WORD* (a pattern), nothing on
# stdout, no run (two checks); and the synopsis after that line (a
# third).
usage() {
	_word=$1
	_desc=$2
	shift 2
	rm -rf "$tmp/u/_trial_temp"
	dtrun u "$@"
	_first=$(head -n 1 "$tmp/u.err")
	# shellcheck disable=SC2254 # WORD is a pattern
	case $_first in
	"disttrial:"*$_word*) _ok=1 ;;
	*) _ok=0 ;;
	esac
	if [ "$rc" -eq 2 ] && [ "$_ok" -eq 1 ]; then
		pass "$_desc: exit 2, a message naming $_word"
	else
		fail "$_desc: exit 2, a message naming $_word"
		diag "disttrial $*: exit $rc (want 2)," \
		    "want stderr 'disttrial: ...$_word...'"
		diag_file "$tmp/u.err" 5
	fi
	if [ ! -s "$tmp/u.out" ] && [ ! -e "$tmp/u/_trial_temp" ]; then
		pass "$_desc: ... and no run"
	else
		fail "$_desc: ... and no run"
		diag_file "$tmp/u.out" 5
		[ -e "$tmp/u/_trial_temp" ] && diag 'and it made _trial_temp'
	fi
	case $(sed -n 2p "$tmp/u.err") in
	'usage: disttrial '*) pass "$_desc: ... then the synopsis" ;;
	*)	fail "$_desc: ... then the synopsis"
		diag "disttrial $*: the second line of stderr is not the synopsis"
		diag_file "$tmp/u.err" 5 ;;
	esac
}

usage --bogus 'an unknown long option' --bogus pass
usage -q 'an unknown short option' -q pass
usage -q 'an unknown option bundled after a known one' -xq pass
usage "'0'" '-j0' -j0 pass
usage "'0'" '-j 0' -j 0 pass
usage "'abc'" '-j abc' -j abc pass
usage "'abc'" '--jobs=abc' --jobs=abc pass
usage "'-3'" '--jobs -3' --jobs -3 pass
usage "'4x'" '-j4x' -j4x pass
usage 'jobs' '--jobs without a value' pass --jobs
usage '-j' '-j without a value' pass -j
usage 'exitfirst' '--exitfirst=1: a flag takes no value' --exitfirst=1 pass
usage 'nosuch' 'an operand that does not exist, named' pass nosuch
usage 'empty' 'a directory with no tests, named' empty
usage 'stdio' '--stdio without --worker' --stdio pass
usage 'group-fd' '--group-fd without --worker' --group-fd 5 pass
usage 'group-fd' '--worker --group-fd 1 (not above 2)' --worker \
    --group-fd=1
usage 'worker' '--worker with an operand' --worker pass
usage 'timeout' '--timeout 0' -t 0 pass
usage 'timeout' '--timeout abc' --timeout=abc pass
usage 'exec' '--exec with an empty command' -e '' pass
usage 'temp' '-T with an empty name' -T '' pass
usage '--job' '--job is not --jobs (no abbreviations)' --job 2 pass
usage 'ssh needs' '--ssh with no host' --ssh '' pass
usage 'ssh needs' '--ssh 0/host' --ssh 0/host pass
usage 'ssh needs' '--ssh 2/ (no host)' --ssh 2/ pass
usage 'ssh needs' '--ssh -oProxyCommand=x (an option to ssh)' \
    --ssh -oProxyCommand=x pass
usage 'ssh needs' '--ssh with a blank in the host' --ssh 'a b' pass
usage 'ssh needs' '--ssh past 1024 workers' --ssh 1000/a --ssh 25/b pass
usage 'more than 1024' '-j and --ssh past 1024 workers' -j 1000 \
    --ssh 25/a pass
usage 'does not go with --trial' '--ssh with --trial' --trial --ssh h pass
usage 'slurm starts' '--slurm with --trial' --slurm --trial pass
usage 'option of Python trial suites' '--force-gc without --trial' \
    --force-gc pass
usage 'option of Python trial suites' '--reactor poll without --trial' \
    --reactor poll pass
usage "You can't specify --debug when using --jobs" \
    '--trial --debug: trial -j'"'"'s refusal' --trial --debug mgr
usage "You can't specify --debug-stacktraces when using --jobs" \
    '--trial -B: trial -j'"'"'s refusal' --trial -B mgr
usage "You can't specify --profile when using --jobs" \
    '--trial --profile: trial -j'"'"'s refusal' --trial --profile mgr
usage 'unknown option --debug' '-b without --trial' -b pass
usage 'option of Python trial suites' '-N without --trial' -N pass
usage 'dry-run' "-n without --trial" -n pass
usage 'You must specify --debug when using --nopm' \
    "--trial --nopm: trial's words" --trial --nopm mgr
usage 'unknown option --nopm' '--nopm without --trial' --nopm pass
usage 'option of Python trial suites' '--spew without --trial' --spew pass
usage 'tbformat takes' '--tbformat with a format trial does not have' \
    --trial --tbformat fancy mgr
usage 'tbformat shows Python' '--tbformat without --trial' \
    --tbformat emacs pass
usage 'unclean-warnings is for Python' '--unclean-warnings without --trial' \
    --unclean-warnings pass
usage 'outside the temp directory' '-l climbing out of the temp directory' \
    -l ../x.log pass
usage 'outside the temp directory' '-l sub/../../x.log' -l sub/../../x.log \
    pass
usage 'logfile needs' '-l with an empty name' -l '' pass
usage 'logfile needs' '-l naming a directory' -l logs/ pass
usage 'help-reactors lists' '--help-reactors without --trial' \
    --help-reactors
usage 'toptobottom is trial' "--order toptobottom without --trial" \
    --order toptobottom pass
usage 'testmodule needs' '--testmodule with an empty name' --trial \
    --testmodule ''
usage 'not options of a worker' '--worker -N' --worker -N
usage 'recursionlimit needs' '--recursionlimit abc' --trial \
    --recursionlimit abc pass
usage 'without-module needs' '--without-module with an empty name' \
    --trial --without-module '' pass
usage 'slurm=N needs' '--slurm=yes' --slurm=yes pass
usage 'slurm=N needs' '--slurm=0' --slurm=0 pass
usage 'slurm=N needs' '--slurm=auto (a count here means nothing there)' \
    --slurm=auto pass
usage 'more than 1024' '-j, --ssh and --slurm past 1024 workers' -j 1000 \
    --ssh 20/a --slurm=5 pass
usage 'given twice' '--worker-command twice (one replaced the other)' \
    --worker-command 'exec sh' --worker-command 'exec dash' pass
usage "[ ']t[:' ]" 'no operand and no t: t is named' -j1

# --help-orders: every order --order takes.
"$DT" --help-orders >"$tmp/orders" 2>&1
rc=$?
check "--help-orders: exit 0 ($rc)" [ "$rc" -eq 0 ]
for o in alphabetical random slowest toptobottom; do
	check_egrep "^    $o +[a-z(]" "$tmp/orders" "... lists $o"
	dtrun ho --order "$o" --state "$tmp/ho.state" --trial mgr
	check_nogrep 'order takes' "$tmp/ho.err" '... which --order takes'
done

# --group-fd names a descriptor that must be open: 9 is closed here.
"$DT" --worker --group-fd 9 9>&- </dev/null >"$tmp/gfd.out" \
    2>"$tmp/gfd.err"
rc=$?
check "--worker --group-fd on a closed descriptor: exit 2 ($rc)" \
    [ "$rc" -eq 2 ]
check_egrep '^disttrial: --group-fd needs an open descriptor' \
    "$tmp/gfd.err" '... saying so'

# The forms of -j: each gives that many workers (so many directories).
# jobs_ok DESC N ARGS...: a passing run of the 3 tests of pass/ with ARGS
# uses workers 0..N-1 and no more.
jobs_ok() {
	_desc=$1
	_n=$2
	shift 2
	dtrun j "$@"
	_got=0
	while [ -d "$tmp/j/_trial_temp/$_got" ]; do
		_got=$((_got + 1))
	done
	if [ "$rc" -eq 0 ] && [ "$_got" -eq "$_n" ] &&
	    grep -x 'PASSED (successes=4)' "$tmp/j.out" >/dev/null; then
		pass "$_desc"
	else
		fail "$_desc"
		diag "disttrial $*: exit $rc, $_got worker directories" \
		    "(want exit 0, $_n)"
		diag_file "$tmp/j.err" 5
	fi
}

suite j pass
jobs_ok '-j2' 2 -j2 pass
jobs_ok '-j 2' 2 -j 2 pass
jobs_ok '--jobs=2' 2 --jobs=2 pass
jobs_ok '--jobs 2' 2 --jobs 2 pass
jobs_ok '-xj2 (bundled)' 2 -xj2 pass
jobs_ok '-x -j 2 after the operand' 2 pass -x -j 2
jobs_ok '-j1' 1 -j1 pass
jobs_ok '-j 8 with 3 tests: 3 workers' 3 -j 8 pass
jobs_ok '--jobs=1024' 3 --jobs=1024 pass
n=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ "$n" -gt 3 ] && n=3
jobs_ok "-j auto: the processors online, at most the tests ($n)" "$n" \
    -j auto pass
jobs_ok "no -j: the processors online, at most the tests ($n)" "$n" pass
jobs_ok '-- ends the options' 1 -j1 -- pass

# Exit statuses of runs.
dtrun u -j2 outcomes
check "a run with failures exits 1 ($rc)" [ "$rc" -eq 1 ]
dtrun u -j2 pass
check "a passing run exits 0 ($rc)" [ "$rc" -eq 0 ]
dtrun u -j2 pass/a.sh exec/d.sh
check "file operands run ($rc)" [ "$rc" -eq 0 ]
check_line 'Running 2 tests.' "$tmp/u.out" '... just those'

# No operand: t.
suite d pass
ln -s pass "$tmp/d/t"
dtrun d -j1
check "no operand: t is searched ($rc)" [ "$rc" -eq 0 ]
check_line 'Running 3 tests.' "$tmp/d.out" '... and its 3 tests run'
check_egrep '^t/a\.sh \.\.\. +\[OK\]$' "$tmp/d.out" '... named t/...'

# Discovery: a directory gives its executable regular files, sorted;
# with --pattern, the files whose names match instead.
dtrun u -j1 exec
check "a search finds only the executable file ($rc)" [ "$rc" -eq 0 ]
check_line 'Running 1 tests.' "$tmp/u.out" '... one test'
check_egrep '^exec/d\.sh \.\.\. +\[OK\]$' "$tmp/u.out" '... d.sh'

# Dot entries are skipped, subdirectories searched, sorted by name, and
# a symlink back to a directory already searched ends there.
mkdir -p "$tmp/u/disc/sub" "$tmp/u/disc/.dotdir"
for f in b.sh a.sh .hidden.sh .dotdir/x.sh sub/c.sh sub/B.sh; do
	printf '#!/bin/sh\nexit 0\n' >"$tmp/u/disc/$f"
	chmod +x "$tmp/u/disc/$f"
done
printf '#!/bin/sh\nexit 0\n' >"$tmp/u/disc/noexec.sh"
ln -s .. "$tmp/u/disc/sub/loop"
ln -s . "$tmp/u/disc/self"
mkfifo "$tmp/u/disc/fifo"
dtrun u -j1 disc
check "a search with dot entries, symlink loops and a fifo passes ($rc)" \
    [ "$rc" -eq 0 ]
{
	echo 'Running 4 tests.'
	treeline disc/a.sh '[OK]'
	treeline disc/b.sh '[OK]'
	treeline disc/sub/B.sh '[OK]'
	treeline disc/sub/c.sh '[OK]'
} >"$tmp/disc.want"
tree "$tmp/u.m" >"$tmp/disc.tree"
sed 1q "$tmp/u.m" | cat - "$tmp/disc.tree" >"$tmp/disc.got"
check_same "$tmp/disc.want" "$tmp/disc.got" \
    '... finds a.sh, b.sh, sub/B.sh, sub/c.sh in that order, nothing else'

dtrun u -j1 -e sh -p '*.sh' exec
check "--pattern '*.sh' with --exec sh passes ($rc)" [ "$rc" -eq 0 ]
{
	echo 'Running 3 tests.'
	echo 'exec/a.sh ...                                                              [OK]'
	echo 'exec/b.sh'
	echo '  1 - tap via exec ...                                                     [OK]'
	echo 'exec/d.sh ...                                                              [OK]'
	echo
	echo '-------------------------------------------------------------------------------'
	echo 'Ran 3 tests in X.XXXs'
	echo
	echo 'PASSED (successes=3)'
} >"$tmp/pat.want"
check_same "$tmp/pat.want" "$tmp/u.m" \
    '... runs the *.sh files, sorted, not c.txt: the whole report'
check_line 'run by exec/a.sh' "$tmp/u/_trial_temp/test.log" \
    "... each as \"sh PATH\" (its \$0 is the path)"
dtrun u -j1 --pattern='*.txt' --exec=sh exec
check "--pattern='*.txt' --exec=sh: c.txt exits 1 ($rc)" [ "$rc" -eq 1 ]
check_egrep '^exec/c\.txt \.\.\. +\[FAIL\]$' "$tmp/u.out" '... as a [FAIL]'
check_line 'Running 1 tests.' "$tmp/u.out" '... and it alone ran'
dtrun u -j1 --exec sh exec/a.sh
check "--exec sh runs a file operand that is not executable ($rc)" \
    [ "$rc" -eq 0 ]

done_testing
