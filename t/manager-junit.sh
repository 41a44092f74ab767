#!/bin/sh
# t/manager-junit.sh: --junit-xml FILE, read with Python's XML parser: a
# <testsuite> a test program whose counts and time agree with its
# testcases, the totals in <testsuites>, classname and name, failure,
# error and skipped with message and text, the output in system-out,
# markup escaped and bad bytes repaired; the file written whole (no
# scratch file left), an unwritable one refused before any test runs.
# Skipped without python3.
# shellcheck source=t/lib/lib.sh disable=SC1091,SC2154
. t/lib/lib.sh
# shellcheck source=t/fixtures/manager/lib.sh disable=SC1091
. t/fixtures/manager/lib.sh

command -v python3 >/dev/null 2>&1 || skip_all 'no python3 to parse XML'

# xmlcheck FILE: Python's checks of FILE as "ok DESC" / "not ok DESC".
xmlcheck() {
	python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET


def check(cond, desc):
    print(("ok " if cond else "not ok ") + desc)


root = ET.parse(sys.argv[1]).getroot()
check(root.tag == "testsuites", "the root is <testsuites>")
tot = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
good = True
for s in root.findall("testsuite"):
    cases = s.findall("testcase")
    n = {"tests": len(cases),
         "failures": sum(1 for c in cases if c.find("failure") is not None),
         "errors": sum(1 for c in cases if c.find("error") is not None),
         "skipped": sum(1 for c in cases if c.find("skipped") is not None)}
    for k in n:
        good = good and int(s.get(k)) == n[k]
        tot[k] += n[k]
    secs = sum(float(c.get("time")) for c in cases)
    good = good and abs(float(s.get("time")) - secs) <= 0.001 * len(cases)
check(good, "each testsuite's counts and time are its testcases'")
check(all(int(root.get(k)) == tot[k] for k in tot),
      "the totals are the testsuites' (%s)" % tot)
for s in root.findall("testsuite"):
    for c in s.findall("testcase"):
        print("case %s|%s|%s" % (s.get("name"), c.get("classname"),
                                 c.get("name")))
        for kind in ("failure", "error", "skipped"):
            e = c.find(kind)
            if e is not None:
                print("%s %s|%s" % (kind, c.get("name"), e.get("message")))
                print("text %s|%s" % (c.get("name"),
                                      (e.text or "").replace("\n", "\\n")))
    o = s.find("system-out")
    if o is not None:
        print("out %s|%s" % (s.get("name"), o.text.replace("\n", "\\n")))
EOF
}

# relaypy NAME: the "ok"/"not ok" lines of $tmp/NAME.py as points.
relaypy() {
	while IFS= read -r _line; do
		case $_line in
		'ok '*) pass "${_line#ok }" ;;
		'not ok '*) fail "${_line#not ok }" ;;
		esac
	done <"$tmp/$1.py"
}

suite o outcomes
dtrun o -j2 --junit-xml "$tmp/o.xml" outcomes
check "--junit-xml: the run exits 1 as ever ($rc)" [ "$rc" -eq 1 ]
check 'the file is there' [ -s "$tmp/o.xml" ]
xmlcheck "$tmp/o.xml" >"$tmp/o.py" 2>"$tmp/o.pyerr"
check "Python's XML parser reads it ($?)" [ ! -s "$tmp/o.pyerr" ]
[ ! -s "$tmp/o.pyerr" ] || diag_file "$tmp/o.pyerr"
relaypy o
p=$tmp/o.py
check_line 'case outcomes/h-tap.t|outcomes/h-tap.t|2 - second' "$p" \
    'a TAP point: classname its test, name the point'
check_line 'case outcomes/a-pass.sh|outcomes/a-pass.sh|outcomes/a-pass.sh' \
    "$p" 'a test judged by its exit: its path, both'
check_line 'failure outcomes/b-fail.sh|exited with status 1' "$p" \
    'a failure, its first line the message'
check_line 'text outcomes/b-fail.sh|exited with status 1\n--- output ---\nboom\nsecond line\n' \
    "$p" '... its whole text the text'
check_line 'error outcomes/c-error.sh|exited with status 99 (a hard error)' \
    "$p" 'an error'
check_line 'skipped outcomes/d-skip.sh|no widgets here' "$p" \
    'a skip, its reason the message'
check_line 'skipped 4 - fourth|expected failure: known bug' "$p" \
    'an expected failure is skipped, saying so'
check_grep 'out outcomes/a-pass.sh|' "$p" 'the output in system-out'
check_grep 'hello from a' "$p" '... as the test printed it'
check_count 17 'case ' "$p" 'a testcase a result, 17'
n=$(find "$tmp" -name 'o.xml.tmp*' | wc -l)
check "no scratch file is left ($n)" [ "$n" -eq 0 ]

# Markup and bad bytes in names and output.
mkdir -p "$tmp/x/t"
bad='t/a&b<c>"d'"'"'.t'
cat >"$tmp/x/$bad" <<'EOF'
#!/bin/sh
echo '1..2'
echo 'ok 1 - x & y < z > w "q" ]]>'
echo 'not ok 2 - fails'
printf 'bad \377 byte \001 ctrl \357\277\276 nonchar & <tag>\n' >&2
exit 1
EOF
chmod +x "$tmp/x/$bad"
dtrun x -j1 --junit-xml out.xml t
xmlcheck "$tmp/x/out.xml" >"$tmp/x.py" 2>"$tmp/x.pyerr"
check "markup in names and output: the parser reads it ($?)" \
    [ ! -s "$tmp/x.pyerr" ]
[ ! -s "$tmp/x.pyerr" ] || diag_file "$tmp/x.pyerr"
check_line "case $bad|$bad|1 - x & y < z > w \"q\" ]]>" "$tmp/x.py" \
    '... the names as they were'
r=$(printf '\357\277\275')
check_grep "bad $r byte $r ctrl $r nonchar & <tag>" "$tmp/x.py" \
    '... bad bytes, a control character and U+FFFE repaired as U+FFFD'
check_line "failure 2 - fails|not ok 2 - fails" "$tmp/x.py" \
    '... and the failing point'

# An existing file is replaced; one that cannot be written is refused.
echo old >"$tmp/o.xml"
dtrun o -j1 --junit-xml "$tmp/o.xml" outcomes/a-pass.sh
check "a passing run with --junit-xml: exit 0 ($rc)" [ "$rc" -eq 0 ]
check_grep '<testsuites tests="1" failures="0" errors="0" skipped="0"' \
    "$tmp/o.xml" '... replaces the old file'
dtrun o -j1 --junit-xml "$tmp/no/such/dir/j.xml" outcomes/a-pass.sh
check "an unwritable --junit-xml: exit 2 ($rc)" [ "$rc" -eq 2 ]
check_grep "disttrial: cannot write $tmp/no/such/dir/j.xml: No such file or directory" \
    "$tmp/o.err" '... saying so'
check '... before any test ran' [ ! -s "$tmp/o.out" ]

done_testing
