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
#	check_noprocs MARKER DESC	ok if no process has MARKER in its args
#	check_nofixtures DESC NAME...	ok if no process runs those fixtures
#	drive NAME [wdriver args]	runs t/lib/wdriver, output in $tmp/NAME.*
#	check_drive NAME DESC		the driver saw no breach and exit 0
#	done_testing			prints the plan, exits 1 on a failure
#
# $tmp is a fresh directory, removed on exit.  A test missing something it
# needs calls skip_all REASON.

# shellcheck disable=SC2034 # used by the scripts that source this
ntest=0
nfail=0
dt=./disttrial
wd=t/lib/wdriver
fx=t/fixtures/worker
# The starts of the driver's result lines for a fixture: "$AF/fail1.sh".
AF="AddFailure testName=$fx"
AE="AddError testName=$fx"
AS="AddSuccess testName=$fx"
AK="AddSkip testName=$fx"
AX="AddExpectedFailure testName=$fx"
AU="AddUnexpectedSuccess testName=$fx"
TF=failClass=disttrial.TestFailure
EC=errorClass=disttrial
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

skip_all() {
	echo "1..0 # SKIP $1"
	exit 77
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
# no ps (Debian without procps), /proc.
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

# Prints "pid args" of the processes whose arguments contain $1.  The
# marker reaches awk through its environment, so awk's own arguments
# never match; an empty or short marker matches nothing.
procs_with() {
	[ "${#1}" -ge 6 ] || return 0
	pslist | PROCMARK=$1 awk '
	    BEGIN { m = ENVIRON["PROCMARK"]; if (length(m) < 6) exit }
	    index($0, m) != 0 { print }'
}

# The processes whose arguments contain one of the markers; as a process
# that is being killed may take a moment to go, ps is asked a few times.
leftovers() {
	_n=0
	while [ "$_n" -lt 50 ]; do
		_left=
		for _m do
			_one=$(procs_with "$_m")
			[ -n "$_one" ] && _left="$_left$_one
"
		done
		[ -z "$_left" ] && break
		_n=$((_n + 1))
	done
	printf '%s' "$_left"
}

# Kills the processes whose whole command line is the marker.
killmarked() {
	for _p in $(procs_with "$1" | PROCMARK=$1 awk '{
	    pid = $1; sub(/^ *[0-9]+ +/, "")
	    if ($0 == ENVIRON["PROCMARK"]) print pid }'); do
		[ "$_p" -gt 1 ] && [ "$_p" -ne $$ ] && kill -9 "$_p" 2>/dev/null
	done
}

# ok if no process has MARKER (at least 6 characters, e.g. "sleep
# 31337") in its arguments.  A process left whose command line is
# exactly the marker is killed, so that one failure does not spoil the
# tests after it.
check_noprocs() {
	if [ "${#1}" -lt 6 ]; then
		fail "$2"
		diag "check_noprocs: marker too short: '$1'"
		return
	fi
	_left=$(leftovers "$1")
	if [ -z "$_left" ]; then
		pass "$2"
		return
	fi
	fail "$2"
	diag "left behind:" "$_left"
	killmarked "$1"
}

# check_nofixtures DESC NAME...: ok if no process runs one of the named
# fixtures.  Name only fixtures that no other test file runs, so that
# test files may run at the same time.
check_nofixtures() {
	_desc=$1
	shift
	for _f do
		shift
		set -- "$@" "$fx/$_f"
	done
	_left=$(leftovers "$@")
	if [ -z "$_left" ]; then
		pass "$_desc"
	else
		fail "$_desc"
		diag "left behind:" "$_left"
	fi
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

tmp=${TMPDIR:-/tmp}/disttrial-t.$$
rm -rf "$tmp"
(umask 077 && mkdir "$tmp") || {
	echo "Bail out! cannot make $tmp"
	exit 1
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
