# bench/lib.sh: what the bench scripts share, sourced from them.
#
#	trivial DIR N	makes DIR with N trivial TAP tests, t0.sh to
#			tN-1.sh, each a passing plan of one point

trivial() {
	mkdir "$1"
	_i=0
	while [ "$_i" -lt "$2" ]; do
		printf '#!/bin/sh\necho 1..1\necho ok 1\n' >"$1/t$_i.sh"
		chmod +x "$1/t$_i.sh"
		_i=$((_i + 1))
	done
}
