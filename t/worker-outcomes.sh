#!/bin/sh
# t/worker-outcomes.sh: a test that prints no TAP is judged by its exit
# status (0 pass, 77 skip, 99 hard error, other failure, a signal error),
# and each result goes as trial's stream-dialect command.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

drive o "$fx/pass.sh" "$fx/skip77.sh" "$fx/skip77-stderr.sh" \
    "$fx/skip77-silent.sh" "$fx/hard99.sh" "$fx/fail1.sh" \
    "$fx/fail2-stderr.sh" "$fx/fail3-silent.sh" "$fx/exit255.sh" \
    "$fx/sigkill.sh" "$fx/sigsegv.sh" "$fx/sigabrt.sh" "$fx/sigterm.sh" \
    "$fx/bigtail.sh"
o=$tmp/o.out
check_drive o 'the worker keeps to the protocol and exits 0 on EOF'
check_line 'TestWrite out=Log opened.' "$o" 'the worker says "Log opened."'
check_count 1 'TestWrite out=Log opened.' "$o" '... once'
check_line 'Start success=True' "$o" 'Start is answered success=True'
check_line "TestWrite out=--> $fx/pass.sh <--" "$o" \
    'each test begins with a "--> PATH <--" TestWrite'

check_line "$AS/pass.sh" "$o" 'exit 0 is a success'
check_line "TestWrite out=pass output" "$o" "a passing test's output is logged"
check_line "Run testCase=$fx/pass.sh success=True" "$o" \
    'the Run is answered success=True'

check_line "$AK/skip77.sh reason=no widgets here" "$o" \
    'exit 77 is a skip; the reason is the last non-blank line'
check_line "$AK/skip77-stderr.sh reason=needs a frobnicator" \
    "$o" '... also when it was on stderr'
check_line "$AK/skip77-silent.sh reason=exit status 77" \
    "$o" '... and "exit status 77" when nothing was printed'

check_grep "$AE/hard99.sh $EC_HARD error=exited with status 99 (a hard error)${OUT}hard error detail" \
    "$o" 'exit 99 is a hard error, with the output'

check_grep "$AF/fail1.sh $TF fail=exited with status 1${OUT}boom\\nsecond line" \
    "$o" 'exit 1 is a failure whose text ends with the output'
check_grep "$AF/fail2-stderr.sh $TF fail=exited with status 2${OUT}to stderr" \
    "$o" 'exit 2 is a failure; stderr is part of the output'
check_egrep "^$AF/fail3-silent.sh $TF fail=exited with status 3(\\\\n)? frames=0\$" \
    "$o" 'a silent failure has no output section'
check_egrep "^$AF/exit255.sh $TF fail=exited with status 255(\\\\n)? frames=0\$" \
    "$o" 'exit 255 is a failure'

check_grep "$AE/sigkill.sh $EC_SIGNAL error=killed by signal 9 (SIGKILL)${OUT}about to die" \
    "$o" 'death by SIGKILL is an error naming the signal, with the output'
check_grep "$AE/sigsegv.sh $EC_SIGNAL error=killed by signal 11 (SIGSEGV)" \
    "$o" 'death by SIGSEGV'
check_grep "$AE/sigabrt.sh $EC_SIGNAL error=killed by signal 6 (SIGABRT)" \
    "$o" 'death by SIGABRT'
check_grep "$AE/sigterm.sh $EC_SIGNAL error=killed by signal 15 (SIGTERM)" \
    "$o" 'death by SIGTERM'

# The tail: 2000 lines of 51 bytes, the last 65536 bytes kept.
check_grep "$AF/bigtail.sh $TF fail=exited with status 1\\n--- output (last 65535 of 102000 bytes) ---\\n" \
    "$o" 'a long output is cut to its last whole lines within 64 KiB, saying so'
grep -F "$AF/bigtail.sh " "$o" >"$tmp/bigtail"
tail=$(sed 's/^.*bytes) ---\\n//; s/ frames=0$//' "$tmp/bigtail" |
    LC_ALL=C awk '{ gsub(/\\n/, "\n"); printf "%s", $0 }' | wc -c)
check "... and the kept tail is at most 65536 bytes ($tail)" \
    [ "$tail" -le 65536 ]
check '... and not much less' [ "$tail" -ge 65000 ]
check_grep 'line 1999 0000000000000000000000000000000000000000\n frames=0' \
    "$tmp/bigtail" '... ending with the last line'
check_nogrep 'line 0000 ' "$tmp/bigtail" '... without the first lines'

# Every test: one result, and texts come with an empty frames stream.
for t in pass skip77 skip77-stderr skip77-silent hard99 fail1 fail2-stderr \
    fail3-silent exit255 sigkill sigsegv sigabrt sigterm bigtail; do
	n=$(grep -c "^Add[A-Za-z]* testName=$fx/$t.sh" "$o")
	check "$t.sh has exactly one result" [ "$n" -eq 1 ]
done
n=$(grep -E '^Add(Error|Failure) ' "$o" | grep -c -v ' frames=0$')
check 'every error and failure has an empty frames stream' [ "$n" -eq 0 ]
check_count 14 'Run testCase=' "$o" 'every Run is answered'

# Output is logged, stdout and stderr alike.
check_line 'TestWrite out=to stderr' "$o" 'a stderr line is a TestWrite'
check_line 'TestWrite out=about to die' "$o" \
    'the output of a killed test is logged'

check_nofixtures 'no test process is left behind' skip77-stderr.sh \
    skip77-silent.sh fail2-stderr.sh fail3-silent.sh exit255.sh sigkill.sh \
    sigsegv.sh sigabrt.sh sigterm.sh

done_testing
