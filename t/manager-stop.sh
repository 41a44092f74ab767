#!/bin/sh
# t/manager-stop.sh: a run that stops early says so.  After Bail out! or
# the first failure under --exitfirst, stderr says how many tests did not
# run, and test.log names each of them.  A test whose name is not UTF-8
# (AMP cannot carry it to a worker) gets one error that names it, and
# the rest of the run goes on.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

suite s bail flow
plan 14
log=$tmp/s/_trial_temp/test.log

dtrun s -j1 bail
check "Bail out!: the run fails ($rc)" [ "$rc" -eq 1 ]
check_line 'disttrial: stopped by Bail out!; 2 of 4 tests did not run' \
    "$tmp/s.err" '... stderr says how many tests did not run'
check_line 'disttrial: not run (stopped by Bail out!): bail/c-pass.sh' \
    "$log" '... test.log names the first'
check_line 'disttrial: not run (stopped by Bail out!): bail/d-pass.sh' \
    "$log" '... and the second'
check_count 2 'disttrial: not run' "$log" '... and no other'

dtrun s -j1 -x flow
check "--exitfirst: the run fails ($rc)" [ "$rc" -eq 1 ]
check_line 'disttrial: stopped by --exitfirst; 2 of 4 tests did not run' \
    "$tmp/s.err" '... stderr says how many tests did not run'
check_line 'disttrial: not run (stopped by --exitfirst): flow/c-pass.sh' \
    "$log" '... test.log names them'
check_line 'disttrial: not run (stopped by --exitfirst): flow/d-pass.sh' \
    "$log" '... both'

# A name that is not UTF-8.
mkdir "$tmp/u"
bad=$(printf 'u/bad\377name.sh')
printf '#!/bin/sh\nexit 0\n' >"$tmp/$bad"
printf '#!/bin/sh\nexit 0\n' >"$tmp/u/good.sh"
chmod +x "$tmp/$bad" "$tmp/u/good.sh"
(cd "$tmp" && "$DT" -j1 u) >"$tmp/u.out" 2>"$tmp/u.err" </dev/null
rc=$?
check "a name that is not UTF-8: the run fails ($rc)" [ "$rc" -eq 1 ]
check_egrep "^u/bad$(printf '\357\277\275')name\\.sh \\.\\.\\. +\\[ERROR\\]\$" \
    "$tmp/u.out" '... its test is an [ERROR], named with U+FFFD'
check_grep 'its name is not UTF-8' "$tmp/u.out" '... which says why'
check_egrep '^u/good\.sh \.\.\. +\[OK\]$' "$tmp/u.out" '... the other test runs'
check_line 'FAILED (errors=1, successes=1)' "$tmp/u.out" '... and both count'
done_testing
