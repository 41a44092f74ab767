#!/bin/sh
# t/worker-twistedmanager.sh: Twisted's own manager side of trial -j
# (LocalWorker and LocalWorkerAMP, results in a real trial TestResult)
# drives the worker, through t/lib/twisted_manager.py.  Debian 12's
# Twisted 22.4 speaks the old dialect and refuses StreamOpen, so this is
# where the worker's fallback to inline texts is tested.  Skipped
# without a Python that has Twisted (Debian: python3-twisted).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import twisted.trial._dist.worker' >/dev/null 2>&1; then
		py=$p
		break
	fi
done
[ -n "$py" ] || skip_all 'no python3 with twisted'

"$py" t/lib/twisted_manager.py "$tmp/scratch" >"$tmp/out" 2>"$tmp/err"
rc=$?
while IFS= read -r line; do
	case $line in
	'ok '*) pass "${line#ok }" ;;
	'not ok '*) fail "${line#not ok }" ;;
	'#'*) printf '%s\n' "$line" ;;
	esac
done <"$tmp/out"
check "Twisted's manager exits 0 ($rc)" [ "$rc" -eq 0 ]
if [ "$rc" -ne 0 ]; then
	diag_file "$tmp/err"
fi
check_grep '--> t/fixtures/worker/fail1.sh <--' "$tmp/scratch/0/test.log" \
    "Twisted's manager wrote the worker's TestWrites to its test.log"

done_testing
