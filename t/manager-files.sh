#!/bin/sh
# t/manager-files.sh: the files the manager reads and writes, and the
# directories it walks, where a test or a user can reach them.  A
# directory in the walk may be empty (clang's UBSan once aborted there:
# CI runs this file under ASan and UBSan).
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

done_testing
