# t/lib/lib.sh: TAP helpers for the behaviour tests, sourced (never run)
# by t/*.sh from the top of the tree.
#
#	check DESC CMD...		ok if CMD exits 0
#	check_exit STATUS DESC CMD...	ok if CMD exits STATUS
#	check_grep STRING FILE DESC	ok if a line of FILE contains STRING
#	check_egrep REGEX FILE DESC	the same with an extended regex
#	check_line LINE FILE DESC	ok if FILE has exactly that line
#	check_nogrep STRING FILE DESC	ok if no line contains STRING
#	check_count N STRING FILE DESC	ok if N lines contain STRING
#	check_gone [-o] DESC NAME...	ok if the processes whose pids were
#					recorded in $FIXTURE_PIDS/NAME are gone
#	check_noprocs TOKEN DESC	ok if no process has TOKEN, which holds
#					"$tmp/", in its arguments
#	check_nofixtures DESC NAME...	ok if no process runs $fx/NAME
#	drive NAME [wdriver args]	runs t/lib/wdriver, output in $tmp/NAME.*
#	check_drive NAME DESC		the driver saw no breach and exit 0
#	done_testing			prints the plan, exits 1 on a failure
#	skipn N DESC [REASON]		N points skipped, for want of a
#					reaper ($reaper is 1 where the worker
#					is one) unless REASON says otherwise
#
# $tmp is a fresh directory, removed on exit.  A test missing something it
# needs calls skip_all REASON.
#
# A test's reach is its own run: it looks for, and kills, only processes
# it started, by pid or by $tmp (unique to this run) in their arguments,
# never by a name or a fixed marker that another clone's make check
# shares.  So:
#   - $fx, where the worker's fixtures are, is a link in $tmp: a test
#     process the worker starts from it has $tmp in its arguments.  It is
#     a relative path, as t/fixtures/worker was, so "$top/$fx" names the
#     same place when $top is the physical top of the tree (pwd -P).
#   - A fixture that starts a process writes its pid, one a line, to
#     $FIXTURE_PIDS/NAME, where NAME says what it is (stray.child,
#     timeout.test); a --worker-command does the same with $$ before it
#     execs.  Unset (a fixture run by hand), nothing is written.

# Before the first command, so for the whole file:
# shellcheck disable=SC2034 # the variables are used by the scripts that source this
tmp=${TMPDIR:-/tmp}/disttrial-t.$$
rm -rf "$tmp"
(umask 077 && mkdir "$tmp" "$tmp/fixture-pids") || {
	echo "Bail out! cannot make $tmp"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
FIXTURE_PIDS=$tmp/fixture-pids
export FIXTURE_PIDS

ntest=0
nfail=0
dt=./disttrial
wd=t/lib/wdriver
# ../.. up to / from the physical top of the tree, then down to $tmp/fx.
case $tmp in
/*) fx=$(pwd -P | sed 's|/[^/]*|../|g')${tmp#/}/fx ;;
*) fx=$tmp/fx ;;
esac
ln -s "$(pwd -P)/t/fixtures/worker" "$tmp/fx" || {
	echo "Bail out! cannot link $tmp/fx"
	exit 1
}
# The starts of the driver's result lines for a fixture: "$AF/fail1.sh".
AF="AddFailure testName=$fx"
AE="AddError testName=$fx"
AS="AddSuccess testName=$fx"
AK="AddSkip testName=$fx"
AX="AddExpectedFailure testName=$fx"
AU="AddUnexpectedSuccess testName=$fx"
TF=failClass=twisted.trial.unittest.FailTest
# The errorClass of each kind of problem (util.h).
EC=errorClass
EC_FAIL=$EC=twisted.trial.unittest.FailTest
EC_HARD=$EC=builtins.RuntimeError	# exit 99, a bail out
EC_BADTAP=$EC=builtins.ValueError
EC_SIGNAL=$EC=builtins.ChildProcessError
EC_TIMEOUT=$EC=builtins.TimeoutError
EC_EXEC=$EC=builtins.OSError
OUT='\n--- output ---\n'	# as the driver prints it

# A description as TAP wants it: a # would start a directive (SKIP, TODO),
# so it is escaped, and so is a backslash.
tapdesc() {
	case $1 in
	*'#'* | *\\*) printf '%s\n' "$1" | sed 's/\\/\\\\/g; s/#/\\#/g' ;;
	*) printf '%s\n' "$1" ;;
	esac
}

pass() {
	ntest=$((ntest + 1))
	printf 'ok %s - %s\n' "$ntest" "$(tapdesc "$1")"
}

fail() {
	ntest=$((ntest + 1))
	nfail=$((nfail + 1))
	printf 'not ok %s - %s\n' "$ntest" "$(tapdesc "$1")"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# Shows the first lines of a file as diagnostics.
diag_file() {
	if [ -f "$1" ]; then
		echo "# --- $1 ---"
		head -n "${2:-15}" "$1" | cut -c 1-300 | sed 's/^/# /'
	fi
}

# skip DESC REASON: a point not checked here, and why.
skip() {
	ntest=$((ntest + 1))
	printf 'ok %s - %s # SKIP %s\n' "$ntest" "$(tapdesc "$1")" \
	    "$(tapdesc "$2")"
}

# Whether the worker is its tests' reaper here (disttrial.1, --worker):
# on Linux with /proc, and on FreeBSD.  Elsewhere what leaves the tests'
# process group escapes and nothing is named: those checks are skipped.
reaper=0
case $(uname -s) in
Linux) [ -r /proc/self/stat ] && reaper=1 ;;
FreeBSD) reaper=1 ;;
esac
noreaper="no reaper on $(uname -s) (disttrial.1: --worker)"

# skipn N DESC [REASON]: N points skipped, for want of a reaper unless
# REASON says otherwise.
skipn() {
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_i=$((_i + 1))
		skip "$2 ($_i of $1)" "${3:-$noreaper}"
	done
}

# skip_all REASON: the whole file skipped, as TAP says it ("1..0 # SKIP
# REASON"), exit 0.  Not 77: these files print TAP, and a TAP file that
# exits non-zero has an error too (prove's rule, automake's, ours), so
# a skip that exits 77 is reported as a skip and an error.
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

plan() {
	echo "1..$1"
	planned=$1
}

check() {
	_desc=$1
	shift
	if "$@"; then
		pass "$_desc"
	else
		fail "$_desc"
		diag "command: $*"
	fi
}

check_exit() {
	_want=$1
	_desc=$2
	shift 2
	"$@"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		pass "$_desc"
	else
		fail "$_desc"
		diag "command: $*" "exit status $_got, expected $_want"
	fi
}

check_grep() {
	if grep -F -e "$1" "$2" >/dev/null 2>&1; then
		pass "$3"
	else
		fail "$3"
		diag "no line of $2 contains: $1"
		diag_file "$2"
	fi
}

check_egrep() {
	if grep -E -e "$1" "$2" >/dev/null 2>&1; then
		pass "$3"
	else
		fail "$3"
		diag "no line of $2 matches: $1"
		diag_file "$2"
	fi
}

check_line() {
	if grep -F -x -e "$1" "$2" >/dev/null 2>&1; then
		pass "$3"
	else
		fail "$3"
		diag "no line of $2 is: $1"
		diag_file "$2"
	fi
}

check_nogrep() {
	if grep -F -e "$1" "$2" >/dev/null 2>&1; then
		fail "$3"
		diag "a line of $2 contains: $1"
		grep -F -e "$1" "$2" | head -n 5 | cut -c 1-300 | sed 's/^/# /'
	else
		pass "$3"
	fi
}

# ok if exactly N lines of FILE contain STRING.
check_count() {
	_got=$(grep -c -F -e "$2" "$3")
	if [ "$_got" -eq "$1" ]; then
		pass "$4"
	else
		fail "$4"
		diag "$_got lines of $3 contain: $2 (expected $1)"
		diag_file "$3"
	fi
}

# Prints "pid args" for every process: ps, or where a minimal system has
# no ps (Debian without procps), /proc.  Only procs_with reads it, for a
# token of this run.
pslist() {
	if command -v ps >/dev/null 2>&1; then
		ps -eo pid=,args=
		return
	fi
	for _d in /proc/[0-9]*; do
		[ -r "$_d/cmdline" ] || continue
		printf '%s %s\n' "${_d#/proc/}" \
		    "$(tr '\000' ' ' <"$_d/cmdline" 2>/dev/null)"
	done
}

# mine TOKEN: whether TOKEN is this run's own: it holds "$tmp/", which no
# other run's process has in its arguments (another $tmp differs before
# the slash: disttrial-t.12/ is not in disttrial-t.123/).
mine() {
	case $1 in
	*"$tmp/"*) return 0 ;;
	esac
	return 1
}

# procs_with TOKEN...: prints "pid args" of the processes whose arguments
# contain one of the TOKENs.  The tokens reach awk through its
# environment, so awk's own arguments never match.
procs_with() {
	pslist | PROCTOKENS=$(printf '%s\n' "$@") awk '
	    BEGIN { n = split(ENVIRON["PROCTOKENS"], t, "\n") }
	    { for (i = 1; i <= n; i++) if (t[i] != "" && index($0, t[i])) {
		print; next } }'
}

# alive PID: whether PID is a process still running.  A zombie (dead, not
# yet reaped: an orphan waits for init, which may take seconds) is not.
# Where neither /proc nor ps can say, a process that is there is alive.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)
	else
		_st=$(ps -o stat= -p "$1" 2>/dev/null)
		_st=${_st#"${_st%%[! ]*}"}
	fi
	case $_st in
	Z*) return 1 ;;
	'') kill -0 "$1" 2>/dev/null ;;
	*) return 0 ;;
	esac
}

# alive_of PID...: prints those of the PIDs that are alive.
alive_of() {
	for _a do
		alive "$_a" && echo "$_a"
	done
	return 0
}

# settle CMD...: runs CMD until it prints nothing, and prints what it
# printed last.  A process that is being killed may take a moment to go:
# CMD is tried at once 20 times, then once a second for 10 s, a bound
# that tells "going" from "left behind" on a loaded machine too.
settle() {
	_try=0
	while _out=$("$@") && [ -n "$_out" ] && [ "$_try" -lt 30 ]; do
		_try=$((_try + 1))
		[ "$_try" -gt 20 ] && sleep 1
	done
	printf '%s' "$_out"
}

# check_gone [-o] DESC NAME...: ok if every process whose pid was
# recorded in $FIXTURE_PIDS/NAME (by a fixture or a --worker-command) is
# gone.  A NAME with no pid recorded fails the check, as what should have
# written it did not run, or not that far; with -o it passes, for a test
# that may be killed before its first command (then it started nothing).
# The records are removed, so that the next check of NAME sees only what
# ran after this one.  A process still running is killed, by its pid, so
# that one failure does not spoil the tests after it.
check_gone() {
	_opt=0
	if [ "$1" = -o ]; then
		_opt=1
		shift
	fi
	_desc=$1
	shift
	_pids=
	_bad=
	for _n do
		_f=$FIXTURE_PIDS/$_n
		if [ ! -s "$_f" ]; then
			if [ "$_opt" -eq 0 ]; then
				_bad="$_bad no pid was recorded in $_f;"
			else
				diag "($_n: none recorded; killed before it began)"
			fi
			continue
		fi
		while IFS= read -r _p; do
			case $_p in
			'' | *[!0-9]* | 0 | 1) _bad="$_bad $_f holds '$_p';" ;;
			*) _pids="$_pids $_p" ;;
			esac
		done <"$_f"
		rm -f "$_f"
	done
	# shellcheck disable=SC2086 # one word a pid
	_left=$(settle alive_of $_pids)
	if [ -z "$_bad" ] && [ -z "$_left" ]; then
		pass "$_desc"
		return
	fi
	fail "$_desc"
	[ -n "$_bad" ] && diag "${_bad# }"
	for _p in $_left; do
		diag "left behind: $(ps -o pid=,ppid=,stat=,args= -p "$_p" \
		    2>/dev/null || echo "pid $_p")"
		kill -9 "$_p" 2>/dev/null
	done
}

# noargs DESC TOKEN...: ok if no process has one of the TOKENs, each of
# this run (mine), in its arguments.  One left is killed, by its pid.
noargs() {
	_desc=$1
	shift
	for _t do
		if ! mine "$_t"; then
			fail "$_desc"
			diag "'$_t' is not this run's own (no $tmp/ in it)"
			return
		fi
	done
	_left=$(settle procs_with "$@")
	if [ -z "$_left" ]; then
		pass "$_desc"
		return
	fi
	fail "$_desc"
	diag "left behind:" "$_left"
	for _p in $(printf '%s\n' "$_left" | awk '{ print $1 }'); do
		[ "$_p" -gt 1 ] && [ "$_p" -ne $$ ] && kill -9 "$_p" 2>/dev/null
	done
}

# check_noprocs TOKEN DESC: ok if no process has TOKEN in its arguments.
# TOKEN must be this run's own: it holds "$tmp/" (a link in $tmp through
# which the test ran a command, say), or the check fails.
check_noprocs() {
	noargs "$2" "$1"
}

# check_nofixtures DESC NAME...: ok if no process runs one of the named
# fixtures of $fx, that is, has "$tmp/fx/NAME" in its arguments.  As $fx
# is this run's own, test files running at the same time, in this clone
# or another, never see each other's.
check_nofixtures() {
	_desc=$1
	shift
	for _f do
		shift
		set -- "$@" "$tmp/fx/$_f"
	done
	noargs "$_desc" "$@"
}

# drive NAME [wdriver args]: runs the driver with its scratch directory
# in $tmp/NAME.d (unless -d is given), stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err, and its exit status in $tmp/NAME.rc and $drive_rc.
drive() {
	_name=$1
	shift
	"$wd" -t "${WDRIVER_DEADLINE:-30}" -d "$tmp/$_name.d" "$@" \
	    >"$tmp/$_name.out" 2>"$tmp/$_name.err" </dev/null
	drive_rc=$?
	echo "$drive_rc" >"$tmp/$_name.rc"
	return 0
}

# The driver found the worker faultless: no breach of the protocol, no
# time-out, and the worker exited 0.
check_drive() {
	_out=$tmp/$1.out
	_end=$(grep -E '^(exit|signal) [0-9]+$' "$_out" | tail -n 1)
	if [ "$(cat "$tmp/$1.rc")" -eq 0 ] &&
	    ! grep -E '^(PROTOCOL|DRIVER)' "$_out" >/dev/null &&
	    [ "$_end" = "exit 0" ]; then
		pass "$2"
	else
		fail "$2"
		diag "driver exit status $(cat "$tmp/$1.rc")"
		grep -E '^(PROTOCOL|DRIVER)' "$_out" | head -n 10 |
		    sed 's/^/# /'
		diag "the worker ended: ${_end:-?}"
		diag_file "$tmp/$1.err" 10
	fi
}

done_testing() {
	if [ -z "${planned:-}" ]; then
		echo "1..$ntest"
	elif [ "$planned" -ne "$ntest" ]; then
		echo "# planned $planned tests but ran $ntest"
		nfail=$((nfail + 1))
	fi
	[ "$nfail" -eq 0 ] && exit 0
	echo "# failed $nfail of $ntest"
	exit 1
}

# The tests need the worker and the driver, built by make.
# need_twisted MODULE: sets $py to a python3 that can import MODULE
# (python3 on PATH, else Debian's /usr/bin/python3), or skips the file.
need_twisted() {
	py=
	for _p in python3 /usr/bin/python3; do
		if "$_p" -c "import $1" >/dev/null 2>&1; then
			py=$_p
			return
		fi
	done
	skip_all 'no python3 with twisted'
}

# peer NAME: picks the Twisted to test against, as shipped: "system"
# (the python3 that has Twisted: Debian 12's python3-twisted is 22.4, the
# old dialect) or "24.7" (the stream dialect, ../shared/peers, unpacked
# into $tmp and run on Debian's Python and Debian's packages of its
# dependencies).  Sets $py, $twpath (PYTHONPATH for it; empty for the
# system's) and $twver; or returns 1, with the reason in $why.
peer() {
	twpath=''
	why=''
	case $1 in
	system) ;;
	24.7)
		_tar=$(pwd -P)/../shared/peers/twisted-24.7.0.tar.xz
		if [ ! -f "$_tar" ]; then
			why="no $_tar"
			return 1
		fi
		if [ ! -d "$tmp/tw24" ] && ! { mkdir "$tmp/tw24" &&
		    tar -xJf "$_tar" -C "$tmp/tw24"; }; then
			why="cannot unpack $_tar"
			return 1
		fi
		twpath=$tmp/tw24/src
		;;
	esac
	for py in python3 /usr/bin/python3; do
		twver=$(PYTHONPATH=$twpath "$py" -c 'import twisted.trial._dist.workertrial, twisted
print(twisted.__version__)' 2>/dev/null) && break
		twver=
	done
	if [ -z "$twver" ]; then
		why="no python3 that runs Twisted $1 (Debian: python3-twisted python3-typing-extensions)"
		return 1
	fi
	case $1 in
	24.7*) [ "$twver" = 24.7.0 ] || { why="found Twisted $twver, not 24.7"; return 1; } ;;
	esac
}

# peer_python ARGS: runs the last peer's Python, its Twisted first on the
# path.
peer_python() {
	PYTHONPATH=$twpath${twpath:+${PYTHONPATH:+:}}${PYTHONPATH-} \
	    "$py" "$@"
}

# twisted_trial ARGS: runs Twisted's own trial (python -m twisted.trial)
# of the last peer, as shipped, except that its Python believes itself to
# be t/lib/asworker, so that a trial -j starts disttrial's worker with
# $ASWORKER_ARGS where it would start its own.
twisted_trial() {
	ASWORKER_PYTHON=$("$py" -c 'import sys; print(sys.executable)')
	ASWORKER_DISTTRIAL=$(pwd -P)/disttrial
	export ASWORKER_PYTHON ASWORKER_DISTTRIAL
	peer_python -c 'import os, sys; os.execv(sys.argv[1], sys.argv[2:])' \
	    "$ASWORKER_PYTHON" "$(pwd -P)/t/lib/asworker" -m twisted.trial "$@"
}

# relay FILE DESC STATUS: passes on a Python checker's "ok DESC", "not ok
# DESC" and "# ..." lines (FILE.out) as points, then checks its exit
# STATUS and shows its stderr (FILE.err) if that was not 0.
relay() {
	while IFS= read -r _line; do
		case $_line in
		'ok '*) pass "${_line#ok }" ;;
		'not ok '*) fail "${_line#not ok }" ;;
		'#'*) printf '%s\n' "$_line" ;;
		esac
	done <"$1.out"
	check "$2 exits 0 ($3)" [ "$3" -eq 0 ]
	[ "$3" -eq 0 ] || diag_file "$1.err"
}

need_worker() {
	[ -x "$dt" ] || skip_all "no ./disttrial (run make)"
	[ -x "$wd" ] || skip_all "no t/lib/wdriver (run make t/lib/wdriver)"
}
