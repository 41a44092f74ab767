#!/bin/sh
# t/worker-tap.sh: a test that prints TAP on stdout: each top-level point
# is a result named "PATH N - DESC", and the file gets at most one extra
# error listing its problems (the rules at the top of tap.c).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

set -- pass fail yaml skip todo escape skipall skipall-plain skipall-exit \
    noplan shortplan badnum lateplan midplan twoplans badplan version \
    version-late version-bad bailout bailout-case yaml-bailout subtest \
    strict okay pragma crlf nonl exit1 signal oldtodo stderr comment utf8 \
    plan-junk strict-off repeat stepback nonum bigdiag failexit
for t do
	set -- "$@" "$fx/tap-$t.sh"
	shift
done
drive tap "$@"
o=$tmp/tap.out
check_drive tap 'the worker keeps to the protocol'
check_count $# 'Run testCase=' "$o" 'every Run is answered'

# The results of one fixture, in order, into $tmp/NAME.
results() {
	grep "^Add[A-Za-z]* testName=$fx/tap-$1.sh[ ]" "$o" >"$tmp/$1"
	grep -c '' "$tmp/$1"
}

# Results of tap-pass.sh: three points, no file error.
check_line "$AS/tap-pass.sh 1 - first" "$o" \
    'ok N - DESC is a success named "PATH N - DESC"'
check_line "$AS/tap-pass.sh 2 - second one" "$o" \
    '... the whole description'
check_line "$AS/tap-pass.sh 3" "$o" \
    '... "PATH N" with no description'
check '... and nothing else' [ "$(results pass)" -eq 3 ]
check_nogrep "TestWrite out=ok 1 - first" "$o" 'TAP lines are not logged'

# Failures: the not ok line, its diagnostics, its YAML block.
check_line "$AS/tap-fail.sh 1 - good" "$o" \
    'tap-fail: the passing point'
check_grep "$AF/tap-fail.sh 2 - bad $TF fail=not ok 2 - bad\\n# got 1\\n# expected 2" \
    "$o" 'not ok is a failure whose text is the line and its diagnostics'
check '... and no file error when the plan is kept' \
    [ "$(results fail)" -eq 2 ]
check_grep "$AF/tap-yaml.sh 1 - with yaml $TF fail=not ok 1 - with yaml\\n  ---\\n  message: values differ\\n  got: 3\\n  ..." \
    "$o" 'the YAML block after a point is part of its text'
check_line "$AS/tap-yaml.sh 2 - after yaml" "$o" \
    '... and the point after it counts'
check '... TAP version 13 is fine' [ "$(results yaml)" -eq 2 ]

# SKIP
check_line "$AK/tap-skip.sh 1 - db test reason=no database" \
    "$o" 'ok # SKIP reason is a skip'
check_grep "$AK/tap-skip.sh 2" "$o" \
    'ok # skip (any case, no reason) is a skip'
check_line "$AK/tap-skip.sh 3 - lazy reason=not today" \
    "$o" '#SKIPPED (a longer word, no blank) is a skip'
check_grep "$AF/tap-skip.sh 4 - broken $TF fail=not ok 4 - broken # SKIP but not ok" \
    "$o" 'not ok # SKIP is a failure'
check_line "$AS/tap-skip.sh 5 - plain" "$o" \
    'tap-skip: the plain point'
check 'tap-skip: five results' [ "$(results skip)" -eq 5 ]

# TODO
check_grep "$AX/tap-todo.sh 1 - unwritten error=not ok 1 - unwritten # TODO not yet" \
    "$o" 'not ok # TODO is an expected failure, with the line as text'
check_grep "$AX/tap-todo.sh 1 - unwritten error=" \
    "$o" '... named without the directive'
check_egrep "^$AX/tap-todo.sh 1 - unwritten error=.* todo=not yet\$" \
    "$o" '... and todo is the reason'
check_line "$AU/tap-todo.sh 2 - fixed todo=should fail" \
    "$o" 'ok # TODO is an unexpected success'
check_egrep "^$AX/tap-todo.sh 3 error=.* todo=Test expected to fail\$" \
    "$o" 'a TODO without a reason is "Test expected to fail"'
check_egrep "^$AX/tap-todo.sh 4 - plural error=.* todo=later\$" \
    "$o" '# todos (a longer word) is a TODO'
check 'tap-todo: four results' [ "$(results todo)" -eq 4 ]
check_egrep "^$AX/tap-oldtodo.sh 2 - b error=not ok 2 - b" \
    "$o" 'the old plan "1..3 todo 2 3;" makes not ok 2 a TODO'
check_grep "$AU/tap-oldtodo.sh 3 - c todo=" \
    "$o" '... and ok 3 an unexpected success'
check_line "$AS/tap-oldtodo.sh 1 - a" "$o" \
    '... and leaves ok 1 alone'
check 'tap-oldtodo: the plan is good' [ "$(results oldtodo)" -eq 3 ]

# Escapes
check_grep "$AS/tap-escape.sh 1 - a " "$o" \
    '\# is not a directive'
check_egrep "^$AK/tap-escape.sh 2 - b .*reason=real one\$" \
    "$o" 'in \\# the # starts a directive'

# Skip all
check_line "$AK/tap-skipall.sh reason=no network here" \
    "$o" '1..0 # SKIP why is one skip for the file'
check 'tap-skipall: only that' [ "$(results skipall)" -eq 1 ]
check_grep "$AK/tap-skipall-plain.sh reason=" "$o" \
    '1..0 with no reason is a skip too'
check 'tap-skipall-plain: only that' [ "$(results skipall-plain)" -eq 1 ]
check_line "$AK/tap-skipall-exit.sh reason=not here" "$o" \
    'a skip-all file that exits 3 gets its skip'
check_grep "$AE/tap-skipall-exit.sh $EC_FAIL error=" \
    "$o" '... and an error'
check_grep "$AE/tap-skipall-exit.sh $EC_FAIL error=exited with status 3" \
    "$o" '... saying "exited with status 3"'

# Plans and numbering
check_grep "$AE/tap-noplan.sh $EC_BADTAP error=no plan" \
    "$o" 'no plan is a ValueError error for the file'
check 'tap-noplan: its points count too' [ "$(results noplan)" -eq 3 ]
check_grep "$AE/tap-shortplan.sh $EC_BADTAP error=planned 3 tests but ran 2" \
    "$o" 'too few points: "planned 3 tests but ran 2"'
check_grep "$AE/tap-badnum.sh $EC_BADTAP error=" \
    "$o" 'a gap in the numbering is a ValueError error'
check_count 1 "$AE/tap-badnum.sh " "$o" \
    '... one error for the file, however many problems'
check_line "$AS/tap-badnum.sh 3 - c" "$o" \
    '... and points keep their own numbers'
check 'a plan at the end is fine' [ "$(results lateplan)" -eq 2 ]
check_grep "$AE/tap-midplan.sh $EC_BADTAP error=" \
    "$o" 'a plan in the middle is a problem'
check_grep "$AE/tap-twoplans.sh $EC_BADTAP error=" \
    "$o" 'a second plan is a problem'
check_grep "$AE/tap-badplan.sh $EC_BADTAP error=" \
    "$o" '1..-1 makes the file TAP and is a problem'
check_nogrep "$AS/tap-badplan.sh" "$o" \
    '... so the exit status does not make it a success'
check 'TAP version 14 first is fine' [ "$(results version)" -eq 1 ]
check_grep "$AE/tap-version-late.sh $EC_BADTAP error=" \
    "$o" 'a TAP version after the plan is a problem'
check_grep "$AE/tap-version-bad.sh $EC_BADTAP error=" \
    "$o" 'an unknown TAP version is a problem'
check_grep "$AE/tap-pragma.sh $EC_BADTAP error=no plan" \
    "$o" 'a pragma alone makes the file TAP (with no plan)'

# Bail out!
check_line "$AS/tap-bailout.sh 1 - before" "$o" \
    'the point before Bail out! counts'
check_nogrep "testName=$fx/tap-bailout.sh 2" "$o" \
    '... the point after it does not'
check_grep "$AE/tap-bailout.sh $EC_HARD error=" \
    "$o" 'Bail out! is a RuntimeError error for the file, its first line the bail out'
check_grep "$AE/tap-bailout.sh $EC_HARD error=Bail out! database went away" \
    "$o" '... naming the reason'
check_grep "$AE/tap-bailout-case.sh $EC_HARD error=" \
    "$o" 'an indented BAIL OUT! in a subtest bails out too'
check_nogrep "testName=$fx/tap-yaml-bailout.sh $EC_HARD" \
    "$o" 'Bail out! inside a YAML block does not'
check_line "$AS/tap-yaml-bailout.sh 2 - still counted" \
    "$o" '... and the point after the block counts'

# Subtests, strict, not TAP
check_grep "$AF/tap-subtest.sh 1 - inner $TF fail=not ok 1 - inner" \
    "$o" 'a subtest belongs to the top-level point that closes it'
check_nogrep "testName=$fx/tap-subtest.sh 2 - inner b" "$o" \
    '... its own points are not results'
check 'tap-subtest: two results' [ "$(results subtest)" -eq 2 ]
check_egrep '^TestWrite out=.*    ok 1 - inner a' "$o" \
    '... and its lines are logged'
check_grep "$AE/tap-strict.sh errorClass=" "$o" \
    'under pragma +strict a line that is not TAP is a problem'
check_grep "$AE/tap-strict.sh $EC_BADTAP error=" \
    "$o" '... a BadPlan one'
check_line "$AS/tap-okay.sh" "$o" \
    'okay, pragmatic, "# 1..2" and indented points are not TAP'
check_line "$AS/tap-stderr.sh" "$o" \
    'TAP on stderr does not count'
check_egrep '^TestWrite out=(.*\\n)?not ok 1 - on stderr' "$o" \
    '... it is logged'

# Line ends, comments
check_line "$AS/tap-crlf.sh 1 - crlf" "$o" \
    'a CR before the newline is ignored'
check 'tap-crlf: two points, plan good' [ "$(results crlf)" -eq 2 ]
check_line "TestWrite out=plain dos line" "$o" \
    '... in logged lines too'
check_line "$AS/tap-nonl.sh 2 - last" "$o" \
    'the last line counts without a newline'
check 'tap-nonl: plan good' [ "$(results nonl)" -eq 2 ]
check_egrep '^TestWrite out=(.*\\n)?# a comment' "$o" 'comments are logged'
check_line "TestWrite out=some other output" "$o" \
    'other lines are logged, each whole'
check_line "TestWrite out=on stderr" "$o" 'stderr lines are logged'
check_line "$AS/tap-utf8.sh 1 - caf$(printf '\357\277\275')" \
    "$o" 'a description that is not UTF-8 is repaired'

# How the file ended
check_line "$AS/tap-exit1.sh 1 - a" "$o" \
    'tap-exit1: its point counts'
check_grep "$AE/tap-exit1.sh $EC_FAIL error=exited with status 1" \
    "$o" 'a TAP file that exits 1 gets an error "exited with status 1"'
check_grep "$AF/tap-failexit.sh 2 - b $TF" "$o" \
    'tap-failexit: its failing point is a failure'
check_nogrep "$AE/tap-failexit.sh" "$o" \
    '... and its exit 1, which says so, no extra error'
results signal >/dev/null
check_grep "$AE/tap-signal.sh $EC_SIGNAL error=" \
    "$o" 'a TAP file killed by a signal gets a Signal error'
check_grep 'killed by signal 9 (SIGKILL)' "$tmp/signal" \
    '... naming the signal'
check_grep 'planned 2 tests but ran 1' "$tmp/signal" \
    '... and listing the plan problem in the same error'
check_count 1 "$AE/tap-signal.sh " "$o" \
    '... one error only'

# More plans, numbers and strictness
check_grep "$AE/tap-plan-junk.sh $EC_BADTAP error=" \
    "$o" 'other text after 1..N makes a malformed plan, a problem'
check_line "$AS/tap-plan-junk.sh 2 - b" "$o" \
    '... and the points count'
check 'pragma -strict turns strict off again' \
    [ "$(results strict-off)" -eq 1 ]
check_grep "$AE/tap-repeat.sh $EC_BADTAP error=" \
    "$o" 'a repeated number is a problem'
check_grep "$AE/tap-stepback.sh $EC_BADTAP error=" \
    "$o" 'a step back in the numbering is a problem'
check_line "$AS/tap-nonum.sh 1 - first" "$o" \
    'a point without a number is named by its position'
check_grep "$AF/tap-nonum.sh 2 $TF fail=not ok" \
    "$o" '... "PATH N" when it has no description either'
check 'tap-nonum: no problem with the plan' [ "$(results nonum)" -eq 2 ]

# A failure text is capped, saying so.
results bigdiag >/dev/null
len=$(sed 's/^.* fail=//; s/ frames=0$//' "$tmp/bigdiag" |
    LC_ALL=C awk '{ gsub(/\\n/, "\n"); printf "%s", $0 }' | wc -c)
check "100000 diagnostic lines: the text is capped ($len bytes)" \
    [ "$len" -le 66000 ]
check_grep 'not ok 1 - chatty\n# diagnostic 000000\n' "$tmp/bigdiag" \
    '... it starts with the not ok line'
check_grep 'cut' "$tmp/bigdiag" '... and says it was cut'

# --tap: a test that prints no TAP is an error, however it exits; one
# that does is judged as ever; a signal is still a signal.
drive must -w "exec ./disttrial --worker --tap" "$fx/pass.sh" \
    "$fx/skip77.sh" "$fx/fail1.sh" "$fx/tap-pass.sh" "$fx/sigkill.sh"
check_drive must '--tap: the worker keeps to the protocol'
m=$tmp/must.out
check_grep "$AE/pass.sh $EC_BADTAP error=no TAP output\nexited with status 0\n" \
    "$m" '--tap: exit 0 and no TAP is an error, "no TAP output"'
check_grep "$AE/skip77.sh $EC_BADTAP error=no TAP output\nexited with status 77\n" \
    "$m" '... and so is exit 77'
check_grep "$AE/fail1.sh $EC_BADTAP error=no TAP output\nexited with status 1\n" \
    "$m" '... and exit 1, with its output'
check_nogrep "$AS/pass.sh" "$m" '... which is no success'
check_nogrep "$AK/skip77.sh" "$m" '... nor a skip'
check_grep "$AS/tap-pass.sh 1" "$m" '... a TAP test is judged as ever'
check_nogrep "$AE/tap-pass.sh" "$m" '... without an error'
check_grep "$AE/sigkill.sh $EC_SIGNAL error=killed by signal 9" "$m" \
    '... a signal is still a signal'

check_nofixtures 'no test process is left behind' tap-yaml.sh tap-skip.sh \
    tap-escape.sh tap-skipall-plain.sh tap-skipall-exit.sh tap-noplan.sh \
    tap-badnum.sh tap-lateplan.sh tap-midplan.sh tap-twoplans.sh \
    tap-badplan.sh tap-version.sh tap-version-late.sh tap-version-bad.sh \
    tap-bailout.sh tap-bailout-case.sh tap-yaml-bailout.sh tap-subtest.sh \
    tap-strict.sh tap-okay.sh tap-pragma.sh tap-crlf.sh tap-nonl.sh \
    tap-exit1.sh tap-signal.sh tap-oldtodo.sh tap-stderr.sh tap-comment.sh \
    tap-utf8.sh tap-plan-junk.sh tap-strict-off.sh tap-repeat.sh \
    tap-stepback.sh tap-nonum.sh tap-bigdiag.sh tap-failexit.sh

done_testing
