#!/bin/sh
# t/manager-files.sh: the files the manager reads and writes, and the
# directories it walks, where a test or a user can reach them.
# --junit-xml and --state are written whole through a scratch file made
# exclusively under a name no one can guess: a test that plants a link
# where a scratch file named FILE.tmp<the manager's pid> would be makes
# the manager write nothing through it.  A target that is not a regular
# file (a link, a FIFO; a device such as /dev/null, never tried here: as
# root, a manager that replaced it would break the machine) is written in
# place, never replaced, and a FIFO no one reads is an error, not a hang.
# --state is read only from a regular file (a FIFO hung the run before
# any test).  Everything is in $tmp.  A directory in the walk may be
# empty (clang's UBSan once aborted there: CI runs this file under ASan
# and UBSan).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

# The walk: an empty directory beside a test, under it, and alone.
mkdir -p "$tmp/w/d/empty" "$tmp/w/d/sub/deeper" "$tmp/w/none/sub"
cp "$mfx/pass/a.sh" "$tmp/w/d/sub/a.sh"
dtrun w -j1 d
check "a walk through empty directories: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_line 'Running 1 tests.' "$tmp/w.out" '... the one test found'
check "... nothing on stderr" [ ! -s "$tmp/w.err" ]
dtrun w -j1 none
check "a walk that finds nothing: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep 'disttrial: no tests found in none' "$tmp/w.err" '... saying so'
check_nogrep 'runtime error' "$tmp/w.err" '... with no sanitizer report'

# inode FILE: its inode number (ls -i: stat(1) is not POSIX).
inode() {
	# shellcheck disable=SC2012
	ls -i "$1" | awk '{ print $1 }'
}

# kind FILE: file, link, fifo, other or none, from ls -ld (a link is not
# followed).
kind() {
	# shellcheck disable=SC2012
	case $(ls -ld "$1" 2>/dev/null) in
	-*) echo file ;;
	l*) echo link ;;
	p*) echo fifo ;;
	'') echo none ;;
	*) echo other ;;
	esac
}

# A test plants links to ./victim at FILE.tmp<the manager's pid>.
suite p plant
echo precious >"$tmp/p/victim"
vino=$(inode "$tmp/p/victim")
umask 022
dtrun p -j1 --junit-xml out.xml --state state plant
check "a test that plants links at the old scratch names: exit 0 ($rc)" \
    [ "$rc" -eq 0 ]
check_grep 'planted out.xml.tmp' "$tmp/p/_trial_temp/test.log" \
    '... it planted them'
check_line precious "$tmp/p/victim" '... the victim is untouched'
check "... the same file ($vino, $(inode "$tmp/p/victim"))" \
    [ "$(inode "$tmp/p/victim")" = "$vino" ]
n=$(find "$tmp/p" -name '*.tmp*' -type l | wc -l)
check "... the planted links are left as they were ($n)" [ "$n" -eq 2 ]
k=$(kind "$tmp/p/out.xml")
check "out.xml is a regular file, not a link ($k)" [ "$k" = file ]
check_grep '<testsuites tests="1" failures="0"' "$tmp/p/out.xml" \
    '... the JUnit XML'
k=$(kind "$tmp/p/state")
check "state too ($k)" [ "$k" = file ]
check_egrep '	pass	plant/plant\.sh$' "$tmp/p/state" '... the state'
# shellcheck disable=SC2012
perm=$(ls -l "$tmp/p/out.xml" | cut -c 1-10)
check "... with the mode of a new file, not mkstemp's ($perm)" \
    [ "$perm" = '-rw-r--r--' ]
n=$(find "$tmp/p" -name '*.tmp*' ! -type l | wc -l)
check "... and no scratch file left ($n)" [ "$n" -eq 0 ]

# A link to a regular file: written through, never replaced.
suite l pass
echo old >"$tmp/l/real.xml"
ino=$(inode "$tmp/l/real.xml")
ln -s real.xml "$tmp/l/link.xml"
cp "$tmp/p/state" "$tmp/l/real.state"
sino=$(inode "$tmp/l/real.state")
ln -s real.state "$tmp/l/link.state"
dtrun l -j1 --junit-xml link.xml --state link.state pass/a.sh
check "--junit-xml and --state naming links: exit 0 ($rc)" [ "$rc" -eq 0 ]
k="$(kind "$tmp/l/link.xml") $(kind "$tmp/l/link.state")"
check "... the links are still links ($k)" [ "$k" = 'link link' ]
check_grep '<testsuites tests="1"' "$tmp/l/real.xml" \
    '... the XML went through to the file'
check_nogrep old "$tmp/l/real.xml" '... which was truncated first'
check "... the same file ($ino, $(inode "$tmp/l/real.xml"))" \
    [ "$(inode "$tmp/l/real.xml")" = "$ino" ]
check_egrep '	pass	pass/a\.sh$' "$tmp/l/real.state" \
    '... the state went through, read and written'
check_egrep '	pass	plant/plant\.sh$' "$tmp/l/real.state" \
    '... keeping what it had'
check "... the same file ($sino, $(inode "$tmp/l/real.state"))" \
    [ "$(inode "$tmp/l/real.state")" = "$sino" ]

# A FIFO, as --junit-xml and --state, with a reader.  The reader is
# known to have opened it once the shell's own writer (fd 4) could.
# reader NAME FIFO: starts cat FIFO >$tmp/NAME.got, and opens fd 4.
reader() {
	cat "$2" >"$tmp/$1.got" &
	catpid=$!
	exec 4>"$2"
}
suite f pass
mkfifo "$tmp/f/j.fifo" "$tmp/f/s.fifo"
reader fj "$tmp/f/j.fifo"
dtrun f -j1 --junit-xml j.fifo pass/a.sh 4>&-
exec 4>&-
wait "$catpid"
check "--junit-xml naming a FIFO that is read: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_grep '<testsuites tests="1"' "$tmp/fj.got" '... the reader has the XML'
check_grep '</testsuites>' "$tmp/fj.got" '... whole'
check '... the FIFO is still a FIFO' [ -p "$tmp/f/j.fifo" ]
reader fs "$tmp/f/s.fifo"
dtrun f -j1 --state s.fifo pass/a.sh 4>&-
exec 4>&-
wait "$catpid"
check "--state naming a FIFO: exit 0, no hang ($rc)" [ "$rc" -eq 0 ]
check_line 'disttrial: --state s.fifo: not a regular file; every test counts as new' \
    "$tmp/f.err" '... it is not read, saying so'
check_grep 'Ran 1 tests' "$tmp/f.out" '... and the test ran'
check_egrep '	pass	pass/a\.sh$' "$tmp/fs.got" '... its reader has the state'
check '... the FIFO is still a FIFO' [ -p "$tmp/f/s.fifo" ]

# The same FIFOs, with no reader: an error, never a wait.
dtrun f -j1 --junit-xml j.fifo pass/a.sh
check "--junit-xml naming a FIFO no one reads: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_line 'disttrial: cannot write j.fifo: No such device or address' \
    "$tmp/f.err" '... saying so'
check '... after the report' grep -q 'Ran 1 tests' "$tmp/f.out"
check '... the FIFO is still a FIFO' [ -p "$tmp/f/j.fifo" ]
dtrun f -j1 --state s.fifo pass/a.sh
check "--state naming a FIFO no one reads: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_line 'disttrial: --state s.fifo: cannot write it: No such device or address' \
    "$tmp/f.err" '... a warning'
check '... the FIFO is still a FIFO' [ -p "$tmp/f/s.fifo" ]

# --state naming a directory: not read, not replaced.
mkdir "$tmp/f/sd"
dtrun f -j1 --state sd pass/a.sh
check "--state naming a directory: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_line 'disttrial: --state sd: not a regular file; every test counts as new' \
    "$tmp/f.err" '... not read, saying so'
check_line 'disttrial: --state sd: cannot write it: Is a directory' \
    "$tmp/f.err" '... nor written'

# A link to /dev/fd/1 (what /dev/stdout is, on Linux) with stdout a pipe:
# the XML goes down the pipe after the report.
suite o pass
if [ -e /dev/fd/1 ]; then
	ln -s /dev/fd/1 "$tmp/o/so"
	mkfifo "$tmp/o.pipe"
	cat "$tmp/o.pipe" >"$tmp/o.got" &
	catpid=$!
	(cd "$tmp/o" && exec "$DT" -j1 --junit-xml so pass/a.sh) \
	    >"$tmp/o.pipe" 2>"$tmp/o.err" </dev/null &
	opid=$!
	watch "$opid"
	wait "$opid"
	rc=$?
	unwatch "$opid"
	wait "$catpid"
	check "--junit-xml through a link to /dev/fd/1, a pipe: exit 0 ($rc)" \
	    [ "$rc" -eq 0 ]
	check_grep 'Ran 1 tests' "$tmp/o.got" '... the report down the pipe'
	check_grep '<testsuites tests="1"' "$tmp/o.got" '... and the XML'
	k=$(kind "$tmp/o/so")
	check "... the link is still a link ($k)" [ "$k" = link ]
else
	for d in 'a link to /dev/fd/1' '... the report' '... the XML' \
	    '... the link'; do
		skip "$d" 'no /dev/fd/1 here'
	done
fi

done_testing
