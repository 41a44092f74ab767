#!/bin/sh
# A plain test: judged by its exit status (0 passes).
s="disttrial"
[ "${#s}" -eq 9 ] || { echo "length of $s is ${#s}" >&2; exit 1; }
case $s in dist*) ;; *) exit 1 ;; esac
echo "string checks passed"
