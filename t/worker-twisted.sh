#!/bin/sh
# t/worker-twisted.sh: Twisted's own AMP (twisted.protocols.amp) drives
# the worker as trial's manager does, through t/lib/twisted_driver.py,
# and accepts every box it sends.  Skipped without a Python that has
# Twisted (Debian: python3-twisted).
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
need_worker

py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import twisted.protocols.amp, twisted.internet.reactor' \
	    >/dev/null 2>&1; then
		py=$p
		break
	fi
done
[ -n "$py" ] || skip_all 'no python3 with twisted'

"$py" t/lib/twisted_driver.py "$tmp/scratch" >"$tmp/out" 2>"$tmp/err"
rc=$?
while IFS= read -r line; do
	case $line in
	'ok '*) pass "${line#ok }" ;;
	'not ok '*) fail "${line#not ok }" ;;
	'#'*) printf '%s\n' "$line" ;;
	esac
done <"$tmp/out"
check "the Twisted driver exits 0 ($rc)" [ "$rc" -eq 0 ]
if [ "$rc" -ne 0 ]; then
	diag_file "$tmp/err"
fi
check_noprocs 'sleep 31352' 'no test process is left behind'

done_testing
