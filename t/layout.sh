#!/bin/sh
# t/layout.sh: the arrows between the files that must never exist (see
# HACKING): the worker knows only the wire, the manager never parses
# TAP nor calls the worker's code (a local worker is this program run
# again), reports (reporter.c and its junit.c) never see wire bytes, and
# the lower floors (amp, stream, tap, util) include nothing above them.
# Headers include no project header.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh

# never FILE HEADER...: FILE includes none of the HEADERs.
never() {
	_f=$1
	shift
	check "$_f is there to look at" [ -f "$_f" ]
	for _h in "$@"; do
		check_nogrep "#include \"$_h\"" "$_f" "$_f does not include $_h"
	done
}

plan 62
never workertrial.c reporter.h worker.h
never worker.c tap.h workertrial.h
never disttrial.c tap.h amp.h stream.h
never reporter.c amp.h stream.h
never junit.c amp.h stream.h tap.h worker.h workertrial.h discover.h state.h
never amp.c stream.h tap.h reporter.h worker.h workertrial.h
never stream.c amp.h tap.h reporter.h worker.h workertrial.h
never tap.c amp.h stream.h reporter.h worker.h workertrial.h
never util.c amp.h stream.h tap.h reporter.h worker.h workertrial.h
never discover.c amp.h stream.h tap.h reporter.h worker.h workertrial.h
never state.c amp.h stream.h tap.h reporter.h worker.h workertrial.h discover.h
n=$(grep -l '#include "' ./*.h | wc -l)
check "no header includes a project header ($n do)" [ "$n" -eq 0 ]
done_testing
