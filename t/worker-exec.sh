#!/bin/sh
# t/worker-exec.sh: a test that cannot be executed is one OSError error
# saying why, and never stops the worker; --exec CMD runs tests as
# "CMD TEST", CMD split into words on blanks.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

mkdir "$tmp/adir"
ln -s loop2 "$tmp/loop1"
ln -s loop1 "$tmp/loop2"
ln -s "$tmp/nonexistent" "$tmp/dangling"

drive x "$fx/no-such-test" "$fx/noexec.sh" "$tmp/adir" "$fx/badinterp.sh" \
    "$tmp/loop1" "$tmp/dangling" "$fx/noshebang" "$fx/with space.sh" \
    "$fx/pass.sh"
o=$tmp/x.out
check_drive x 'exec failures do not break the worker or the protocol'
check_count 9 'Run testCase=' "$o" 'every Run is answered'

# An ExecFailed error with exactly this text (a final newline allowed).
execfailed() {
	check_egrep "^AddError testName=$1 errorClass=builtins\\.OSError error=cannot execute $1: $2(\\\\n)? frames=0\$" \
	    "$o" "$3"
	check_count 1 "testName=$1" "$o" '... its only result'
}

execfailed "$fx/no-such-test" 'No such file or directory' \
    'a missing file: "No such file or directory"'
execfailed "$fx/noexec.sh" 'Permission denied' \
    'a file that is not executable: "Permission denied"'
execfailed "$tmp/adir" 'Is a directory' 'a directory: "Is a directory"'
execfailed "$fx/badinterp.sh" 'bad interpreter \(No such file or directory\)' \
    'a missing #! interpreter: "bad interpreter (...)"'
# glibc says "Too many levels of symbolic links", musl "Symbolic link loop".
execfailed "$tmp/loop1" '(Too many levels of symbolic links|Symbolic link loop)' \
    'a symlink loop: ELOOP in words'
execfailed "$tmp/dangling" 'No such file or directory' \
    'a dangling symlink: "No such file or directory"'

check_line "$AS/noshebang" "$o" \
    'an executable text file with no #! runs under /bin/sh'
check_line "TestWrite out=ran under sh" "$o" '... and its output is logged'
check_line "$AS/with space.sh" "$o" \
    'a name with spaces is one test'
check_line "TestWrite out=--> $fx/with space.sh <--" "$o" \
    '... named whole in its banner'
check_line "$AS/pass.sh" "$o" \
    'the worker runs the next test after all those failures'

# --exec: words split on blanks (spaces and a tab), the test path last
# and whole.
tab=$(printf '\t')
drive e -w "exec ./disttrial --worker --exec '$fx/interp.sh  --flag$tab two'" \
    "$fx/noexec.sh" "$fx/with space.sh"
o=$tmp/e.out
check_drive e '--exec: the protocol is kept'
check_line "$AS/noexec.sh" "$o" \
    '--exec runs a file that is not executable through CMD'
check_grep "TestWrite out=[--flag][two][$fx/noexec.sh]" "$o" \
    '... as "CMD TEST", CMD split into words on blanks (spaces, a tab)'
check_grep "TestWrite out=[--flag][two][$fx/with space.sh]" "$o" \
    '... a path with spaces is one argument'
check_line "$AS/with space.sh" "$o" \
    '... and named as the test'

drive m -w "exec ./disttrial --worker --exec $tmp/no-such-interp" \
    "$fx/pass.sh" "$fx/fail1.sh"
o=$tmp/m.out
check_drive m 'a missing --exec interpreter does not break the worker'
check_grep "$AE/pass.sh $EC_EXEC error=cannot execute " \
    "$o" '... each test is an OSError error'
check_grep "$AE/fail1.sh $EC_EXEC error=" \
    "$o" '... the next one too'
check_grep "no-such-interp" "$o" '... naming the interpreter'

check_nofixtures 'no test process is left behind' noexec.sh badinterp.sh \
    noshebang 'with space.sh' interp.sh

done_testing
