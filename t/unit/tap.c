/*
 * t/unit/tap.c: the TAP parser against the rules in tap.c, one small
 * stream at a time, then floods of diagnostics and problems that must
 * stay capped.  Note the two headers: "../../tap.h" is the parser,
 * "tap.h" (next to this file) the helpers that print our own TAP.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../tap.h"
#include "../../util.h"
#include "tap.h"

#define FAIL "twisted.trial.unittest.FailTest"
#define BADPLAN "builtins.ValueError"
#define MAXRES 64

/* A result as the callback saw it, copied. */
struct res {
	int kind;
	char *name;		/* NULL: the file itself */
	char *reason, *text, *class;
	size_t namelen, reasonlen, textlen;
};

static struct res res[MAXRES];
static int nres, badres;
static char rets[1024];		/* tap_line's answers, one digit a line */
static int istap, bailed;

static void
collect(void *arg, const struct tap_result *r)
{
	struct res *p;

	(void)arg;
	if (nres == MAXRES)
		fatal("too many results");
	if (r->reason == NULL || r->text == NULL || r->class == NULL ||
	    r->text[r->textlen] != '\0' || r->reason[r->reasonlen] != '\0' ||
	    (r->name != NULL && r->name[r->namelen] != '\0'))
		badres++;
	p = &res[nres++];
	p->kind = r->kind;
	p->name = r->name != NULL ? xmemdup(r->name, r->namelen) : NULL;
	p->namelen = r->namelen;
	p->reason = xmemdup(r->reason != NULL ? r->reason : "", r->reasonlen);
	p->reasonlen = r->reasonlen;
	p->text = xmemdup(r->text != NULL ? r->text : "", r->textlen);
	p->textlen = r->textlen;
	p->class = xstrdup(r->class != NULL ? r->class : "");
}

static void
clear(void)
{
	int i;

	for (i = 0; i < nres; i++) {
		free(res[i].name);
		free(res[i].reason);
		free(res[i].text);
		free(res[i].class);
	}
	nres = 0;
	rets[0] = '\0';
}

static int
feed(struct tap *t, const char *s)
{
	return tap_line(t, s, strlen(s));
}

/* Parses in line by line, as the worker would, ending as it would. */
static void
run(const char *in, const char *how, const char *class)
{
	struct tap *t;
	const char *p, *e;
	size_t n = 0;

	clear();
	t = tap_new(collect, NULL);
	for (p = in; *p != '\0'; p = *e == '\0' ? e : e + 1) {
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		if (strncmp(p, "2>", 2) == 0)	/* a line of stderr */
			tap_other(t, p + 2, e - p - 2);
		else if (n + 1 < sizeof(rets))
			rets[n++] = '0' + tap_line(t, p, e - p);
	}
	rets[n] = '\0';
	istap = tap_istap(t);
	if (istap)
		tap_end(t, how, class);
	tap_free(t);
	/* A Bail out! is known by its error: the class and first line. */
	bailed = 0;
	for (n = 0; n < (size_t)nres; n++)
		if (res[n].class != NULL &&
		    strcmp(res[n].class, "builtins.RuntimeError") == 0 &&
		    strncasecmp(res[n].text, "Bail out!", 9) == 0)
			bailed = 1;
}

/* Prints s with newlines escaped, so that it cannot break our TAP. */
static void
show(const char *what, const char *s)
{
	char *e;
	size_t i, len = 0;

	if (s == NULL) {
		diag("%s (null)", what);
		return;
	}
	e = xmalloc(2 * strlen(s) + 1);
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\n' || s[i] == '\r') {
			e[len++] = '\\';
			e[len++] = s[i] == '\n' ? 'n' : 'r';
		} else {
			e[len++] = s[i];
		}
	}
	e[len] = '\0';
	diag("%s \"%s\"", what, e);
	free(e);
}

static int
same(const char *got, const char *want)
{
	if (got == NULL ? want == NULL :
	    want != NULL && strcmp(got, want) == 0)
		return 1;
	show("got ", got);
	show("want", want);
	return 0;
}

/* Is result i of this kind and name (NULL: the file)? */
static int
is(int i, int kind, const char *name)
{
	if (i >= nres) {
		diag("no result %d (%d in all)", i, nres);
		return 0;
	}
	if (res[i].kind != kind) {
		diag("result %d has kind %d, want %d", i, res[i].kind, kind);
		return 0;
	}
	return same(res[i].name, name);
}

/* The file's extra error text, NULL if there is none. */
static const char *
errtext(void)
{
	if (nres > 0 && res[nres - 1].kind == TAP_ERROR)
		return res[nres - 1].text;
	return NULL;
}

static const char *
errclass(void)
{
	if (nres > 0 && res[nres - 1].kind == TAP_ERROR)
		return res[nres - 1].class;
	return NULL;
}

static size_t
count(const char *s, const char *sub)
{
	size_t n = 0;

	while (s != NULL && (s = strstr(s, sub)) != NULL) {
		n++;
		s++;
	}
	return n;
}

static void
mode(void)
{
	run("okay\nhello\nokra 1\nnot okay\n", NULL, NULL);
	ok(!istap && same(rets, "0000"), "okay, okra, not okay are not points");
	run("ok", NULL, NULL);
	ok(istap && same(rets, "1") && is(0, TAP_SUCCESS, "1"),
	    "bare ok at the end without a newline is a point");
	run("ok\t2\tfirst", NULL, NULL);
	ok(istap && is(0, TAP_SUCCESS, "2 - first"),
	    "ok followed by a tab is a point");
	run("not ok\n", NULL, NULL);
	ok(is(0, TAP_FAILURE, "1"), "bare not ok is a failure");
	run("OK 1\nnot  ok 2\nnothing ok\n", NULL, NULL);
	ok(!istap && nres == 0, "OK, not  ok and nothing ok are not TAP");
	run("pragmatic +strict\npragma strict\npragma +\n", NULL, NULL);
	ok(!istap && same(rets, "000"),
	    "pragmatic and signless pragmas are not TAP");
	run("pragma +strict\n", NULL, NULL);
	ok(istap && same(rets, "1"), "pragma +strict is TAP");
	run("pragma -foo\n", NULL, NULL);
	ok(istap && same(rets, "1"), "pragma -foo is TAP");
	run("TAP version 13\n", NULL, NULL);
	ok(istap && same(rets, "1"), "TAP version 13 alone is TAP");
	run("TAP version 14 extra\nTAP version\n", NULL, NULL);
	ok(!istap, "TAP version with junk or no number is not TAP");
	run("# 1..3\n# ok 1\n\n    ok 1\n  1..2\nhello\n", NULL, NULL);
	ok(!istap && same(rets, "000000") && nres == 0,
	    "comments and indented points alone are not TAP");
	run("1..-1\n", NULL, NULL);
	ok(istap && same(rets, "1"), "1..-1 makes the file TAP");
	ok(same(errtext(), "line 1: malformed plan: 1..-1\n") &&
	    same(errclass(), BADPLAN),
	    "1..-1 is a malformed plan, no other problem");
	run("1..3 foo\nok\nok\nok\n", NULL, NULL);
	ok(nres == 4 && same(errtext(), "line 1: malformed plan: 1..3 foo\n"),
	    "1..3 foo is a malformed plan");
	run("1..2x\nok\nok\n1..\n", NULL, NULL);
	ok(same(errtext(), "line 1: malformed plan: 1..2x\n"
	    "line 4: malformed plan: 1..\n"), "1..2x and 1.. are malformed");
	run("1..2 todo\nok\nok\n", NULL, NULL);
	ok(same(errtext(), "line 1: malformed plan: 1..2 todo\n"),
	    "todo without numbers is malformed");
	run("1..99999999999999999999999\n", NULL, NULL);
	ok(same(errtext(),
	    "line 1: malformed plan: 1..99999999999999999999999\n"),
	    "a plan too large to count is malformed");
}

static void
plans(void)
{
	run("1..2\nok\nok 2\n", NULL, NULL);
	ok(nres == 2 && same(rets, "111"), "plan first: no error");
	run("ok\nok 2\n1..2\n", NULL, NULL);
	ok(nres == 2 && is(1, TAP_SUCCESS, "2"), "plan last: no error");
	run("1..2 # anything\nok\nok\n", NULL, NULL);
	ok(nres == 2, "a plan may carry a comment");
	run("1..2 \t\nok\nok\n", NULL, NULL);
	ok(nres == 2, "a plan may end in blanks");
	run("ok\n1..2\nok\n", NULL, NULL);
	ok(nres == 3 &&
	    same(errtext(), "line 2: plan in the middle of the tests\n") &&
	    same(errclass(), BADPLAN), "plan in the middle");
	run("1..1\nok\n1..1\n", NULL, NULL);
	ok(same(errtext(), "line 3: second plan: 1..1\n"), "second plan");
	run("ok\nok\n", NULL, NULL);
	ok(same(errtext(), "no plan\n") && same(errclass(), BADPLAN),
	    "no plan");
	run("1..3\nok\nok\n", NULL, NULL);
	ok(same(errtext(), "planned 3 tests but ran 2\n"), "too few points");
	run("1..1\nok\nok\n", NULL, NULL);
	ok(same(errtext(), "planned 1 test but ran 2\n"), "too many points");
	run("1..3 todo 2 3;\nok\nnot ok\nok\n", NULL, NULL);
	ok(nres == 3 && is(0, TAP_SUCCESS, "1") && is(1, TAP_XFAIL, "2") &&
	    is(2, TAP_XPASS, "3"), "todo plan: listed points are TODO");
	ok(same(res[1].reason, "Test expected to fail") &&
	    same(res[2].reason, "Test expected to fail"),
	    "todo plan points get the default reason");
	run("1..3 TODO 3 1 2\nnot ok\nok # SKIP x\nnot ok 3 # TODO own\n",
	    NULL, NULL);
	ok(is(0, TAP_XFAIL, "1") && is(1, TAP_SKIP, "2") &&
	    is(2, TAP_XFAIL, "3") && same(res[2].reason, "own") && nres == 3,
	    "todo plan: any case, no semicolon, own directives win");
}

static void
skipall(void)
{
	run("1..0\n", NULL, NULL);
	ok(nres == 1 && is(0, TAP_SKIP, NULL) &&
	    same(res[0].reason, "no reason given"), "1..0 without a reason");
	run("1..0 # SKIP no database\n", NULL, NULL);
	ok(nres == 1 && is(0, TAP_SKIP, NULL) &&
	    same(res[0].reason, "no database"), "1..0 # SKIP reason");
	run("1..0 #skip:  no db  \n", NULL, NULL);
	ok(same(res[0].reason, "no db"),
	    "SKIP in any case, colon and blanks go");
	run("1..0 # SKIP\n", NULL, NULL);
	ok(same(res[0].reason, "no reason given"), "1..0 # SKIP alone");
	run("1..0 # not needed here\n", NULL, NULL);
	ok(same(res[0].reason, "not needed here"),
	    "1..0 # reason without SKIP");
	run("1..0#skip why\n", NULL, NULL);
	ok(nres == 1 && same(res[0].reason, "why"),
	    "blanks before # are optional");
	run("1..0 # skipping is fun\n", NULL, NULL);
	ok(same(res[0].reason, "skipping is fun"), "only SKIP as a word goes");
	run("# preamble\n1..0 # SKIP later\n", "exited with status 1", FAIL);
	ok(nres == 2 && is(0, TAP_SKIP, NULL) && is(1, TAP_ERROR, NULL) &&
	    same(errtext(), "exited with status 1\n") && same(errclass(), FAIL),
	    "skip-all with a non-zero exit gets its skip and an error");
	run("1..0\nok\n", NULL, NULL);
	ok(nres == 2 && is(0, TAP_SUCCESS, "1") &&
	    same(errtext(), "planned 0 tests but ran 1\n"),
	    "1..0 with points is a plan mismatch, no skip");
}

static void
versions(void)
{
	run("TAP version 14\n1..1\nok\n", NULL, NULL);
	ok(nres == 1 && same(rets, "111"), "TAP version 14 first");
	run("# hello\nTAP version 13\n1..1\nok\n", NULL, NULL);
	ok(nres == 1 && same(rets, "0111"), "comments may precede TAP version");
	run("1..1\nTAP version 14\nok\n", NULL, NULL);
	ok(same(errtext(), "line 2: TAP version is not the first TAP line\n"),
	    "TAP version after the plan");
	run("TAP version 14\nTAP version 14\n1..1\nok\n", NULL, NULL);
	ok(same(errtext(), "line 2: TAP version is not the first TAP line\n"),
	    "a second TAP version");
	run("pragma +strict\nTAP version 14\n1..0\n", NULL, NULL);
	ok(same(errtext(), "line 2: TAP version is not the first TAP line\n"),
	    "TAP version after a pragma");
	run("TAP version 12\n1..1\nok\n", NULL, NULL);
	ok(same(errtext(), "line 1: unknown TAP version 12\n") &&
	    same(errclass(), BADPLAN), "TAP version 12 is unknown");
}

static void
numbering(void)
{
	run("ok 1\nok 3\n1..2\n", NULL, NULL);
	ok(same(errtext(), "line 2: test 2 has number 3\n") &&
	    is(1, TAP_SUCCESS, "3"), "gap: the name keeps the number given");
	run("ok 1\nok 1\n1..2\n", NULL, NULL);
	ok(same(errtext(), "line 2: test 2 has number 1\n"), "repeat");
	run("ok 1\nok 2\nok 1\n1..3\n", NULL, NULL);
	ok(same(errtext(), "line 3: test 3 has number 1\n"), "step back");
	run("ok 1\nok - foo\nnot ok\n1..3\n", NULL, NULL);
	ok(nres == 3 && is(1, TAP_SUCCESS, "2 - foo") &&
	    is(2, TAP_FAILURE, "3"), "no number: the position is used");
	run("ok 1\nok 2nd thing\n1..2\n", NULL, NULL);
	ok(nres == 2 && is(1, TAP_SUCCESS, "2 - 2nd thing"),
	    "digits not followed by a blank are the description");
}

static void
directives(void)
{
	run("ok 1 - a # SKIP why\nok 2 # skip\nok 3 #skipped: later\n"
	    "ok 4 - b\t# SkIp   spaced out  \n1..4\n", NULL, NULL);
	ok(is(0, TAP_SKIP, "1 - a") && same(res[0].reason, "why"),
	    "SKIP reason");
	ok(is(1, TAP_SKIP, "2") && same(res[1].reason, "no reason given"),
	    "SKIP without a reason: the default");
	ok(is(2, TAP_SKIP, "3") && same(res[2].reason, "later"),
	    "#skipped: suffix and no blank before it");
	ok(is(3, TAP_SKIP, "4 - b") && same(res[3].reason, "spaced out"),
	    "mixed case, blanks around the reason trimmed");
	ok(nres == 4 && res[0].textlen == 0 && same(res[0].text, "") &&
	    same(res[0].class, ""), "a skip has no text");
	run("not ok 1 # TODO not yet\nnot ok 2 # todos\nok 3 # TODOs fixed\n"
	    "ok 4 #TODO\n1..4\n", NULL, NULL);
	ok(is(0, TAP_XFAIL, "1") && same(res[0].reason, "not yet"),
	    "TODO reason");
	ok(same(res[0].text, "not ok 1 # TODO not yet\n") &&
	    same(res[0].class, FAIL),
	    "an expected failure has its line as text");
	ok(is(1, TAP_XFAIL, "2") &&
	    same(res[1].reason, "Test expected to fail"),
	    "todos: default reason");
	ok(is(2, TAP_XPASS, "3") && same(res[2].reason, "fixed") &&
	    res[2].textlen == 0, "ok # TODOs is an unexpected success");
	ok(is(3, TAP_XPASS, "4") &&
	    same(res[3].reason, "Test expected to fail"),
	    "ok #TODO: default reason");
	ok(nres == 4, "TODOs are not errors");
	run("not ok 1 - b # SKIP x\n1..1\n", NULL, NULL);
	ok(is(0, TAP_FAILURE, "1 - b") && same(res[0].class, FAIL) &&
	    same(res[0].text, "not ok 1 - b # SKIP x\n"),
	    "not ok # SKIP is a failure");
	run("ok 1 - c # not a directive\nok 2 - d # skip\n1..2\n", NULL, NULL);
	ok(is(0, TAP_SUCCESS, "1 - c # not a directive") &&
	    same(res[0].reason, ""), "# without SKIP/TODO stays in the name");
	run("ok 1 - d \\# SKIP\n1..1\n", NULL, NULL);
	ok(is(0, TAP_SUCCESS, "1 - d # SKIP"), "\\# is a literal #");
	run("ok 1 - e \\\\# SKIP why\n1..1\n", NULL, NULL);
	ok(is(0, TAP_SKIP, "1 - e \\") && same(res[0].reason, "why"),
	    "in \\\\# the # starts a directive");
	run("ok 1 - back\\\\slash \\n \\# x # TODO y\n1..1\n", NULL, NULL);
	ok(is(0, TAP_XPASS, "1 - back\\slash \\n # x") &&
	    same(res[0].reason, "y"), "\\\\ is one backslash, other \\ stay");
	run("ok 1 -   spaced   \nok 2 no dash\nok 3 -\n1..3\n", NULL, NULL);
	ok(is(0, TAP_SUCCESS, "1 - spaced") &&
	    is(1, TAP_SUCCESS, "2 - no dash") && is(2, TAP_SUCCESS, "3"),
	    "dash and blanks around descriptions go");
	ok(same(res[0].reason, "") && same(res[0].class, ""),
	    "a success has an empty reason and class");
}

static void
texts(void)
{
	run("not ok 1 - f\n# diag 1\n   # indented diag\n  ---\n  msg: x\n"
	    "  ...\n# after yaml\nok 2\n1..2\n", NULL, NULL);
	ok(same(rets, "100000011") && nres == 2 && is(0, TAP_FAILURE, "1 - f"),
	    "a failure with diagnostics and YAML");
	ok(same(res[0].text, "not ok 1 - f\n# diag 1\n   # indented diag\n"
	    "  ---\n  msg: x\n  ...\n# after yaml\n") &&
	    res[0].textlen == strlen(res[0].text),
	    "its text: line, diag, YAML");
	ok(same(res[0].class, FAIL) && same(res[0].reason, ""),
	    "a failure's class and reason");
	run("not ok 1\n# d\njunk\n# later\n1..1\n", NULL, NULL);
	ok(same(res[0].text, "not ok 1\n# d\n--- output ---\njunk\n# later\n"),
	    "other output up to the next TAP line joins the text");
	run("not ok 1\n# d\n\n# later\n1..1\n", NULL, NULL);
	ok(same(res[0].text, "not ok 1\n# d\n--- output ---\n\n# later\n"),
	    "... a blank line too");
	run("ok 1\nnot ok 2\n2>#   Failed test\n2>#     got: 1\nx\nok 3\n"
	    "2>late\n1..3\n", NULL, NULL);
	ok(nres == 3 && same(res[1].text, "not ok 2\n--- output ---\n"
	    "#   Failed test\n#     got: 1\nx\n"),
	    "stderr after a failing point joins its text, up to the next");
	run("2>early\nnot ok 1 # TODO\n2>mine?\nok 2\n1..2\n", NULL, NULL);
	ok(nres == 2 && same(res[0].text, "not ok 1 # TODO\n"),
	    "... not an expected failure's, nor what came before");
	clear();
	{
		struct tap *t = tap_new(collect, NULL);
		char line[100];
		int i;

		tap_line(t, "not ok 1", 8);
		memset(line, 'y', sizeof(line));
		for (i = 0; i < 100; i++)
			tap_other(t, line, sizeof(line));
		tap_line(t, "1..1", 4);
		tap_end(t, NULL, NULL);
		tap_free(t);
	}
	ok(nres == 1 && res[0].textlen < 4200 &&
	    count(res[0].text, "[6060 more bytes of output cut; test.log has "
	    "them]\n") == 1, "... capped at 4 KiB, saying how much was cut");
	run("not ok 1\n# d\nnot ok 2\n# e", NULL, NULL);
	ok(nres == 3 && same(res[0].text, "not ok 1\n# d\n") &&
	    same(res[1].text, "not ok 2\n# e\n"),
	    "the next point ends the text; so does the end");
	run("ok 1\n# note\n  ---\n  a: 1\n  ...\nok 2\n1..2\n", NULL, NULL);
	ok(nres == 2 && same(res[0].text, "") && same(rets, "1000011"),
	    "a success's diagnostics and YAML are not its text");
	run("not ok 1\n  ---\n  ok 5\n  Bail out! no\n  not ok 7\n  1..9\n"
	    "  ...\nok 2\n1..2\n", NULL, NULL);
	ok(nres == 2 && !bailed && same(rets, "100000011"),
	    "ok, plan and Bail out! inside YAML are not TAP");
	ok(same(res[0].text, "not ok 1\n  ---\n  ok 5\n  Bail out! no\n"
	    "  not ok 7\n  1..9\n  ...\n"), "they are YAML, in the text");
	run("not ok 1\n  ---\n  a: |\n\n    deeper\n     ...\nok 2\n1..2\n",
	    NULL, NULL);
	ok(nres == 2 && same(res[0].text, "not ok 1\n  ---\n  a: |\n\n"
	    "    deeper\n     ...\n"), "YAML keeps blank lines and deeper ...");
	run("not ok 1\n  ---\n  a: b\nok 2\n1..2\n", NULL, NULL);
	ok(nres == 2 && same(res[0].text, "not ok 1\n  ---\n  a: b\n") &&
	    same(rets, "10011"), "a dedent ends an unterminated YAML block");
	run("pragma +strict\n1..1\n  ---\n  a: b\nok 1\n", NULL, NULL);
	ok(same(errtext(), "line 3: not TAP under pragma +strict:   ---\n"
	    "line 4: not TAP under pragma +strict:   a: b\n"),
	    "--- not after a point does not open YAML");
}

static void
timing(void)
{
	struct tap *t;

	clear();
	t = tap_new(collect, NULL);
	feed(t, "not ok 1 - slow");
	ok(nres == 0, "a failure waits for its diagnostics");
	feed(t, "  # more");
	feed(t, "  ---");
	feed(t, "  ...");
	ok(nres == 0, "and for its YAML block");
	feed(t, "ok 2");
	ok(nres == 2 && is(0, TAP_FAILURE, "1 - slow") &&
	    is(1, TAP_SUCCESS, "2"), "the next point delivers it, then itself");
	feed(t, "not ok 3");
	feed(t, "    # Subtest: s");
	ok(nres == 3 && same(res[2].text, "not ok 3\n"),
	    "a subtest header is not a diagnostic");
	feed(t, "    ok 1");
	feed(t, "not ok 4\r");
	feed(t, "# why\r");
	tap_end(t, NULL, NULL);
	ok(nres == 5 && same(res[3].text, "not ok 4\n# why\n"),
	    "tap_end delivers the pending failure; CRs are gone");
	ok(same(errtext(), "no plan\n"), "then the error");
	tap_free(t);
}

static void
subtests(void)
{
	run("TAP version 14\n# Subtest: sub\n    1..2\n    ok 1 - a\n"
	    "    not ok 2 - b\n      ---\n      x: 1\n      ...\n"
	    "not ok 1 - sub\nok 2\n1..2\n", NULL, NULL);
	ok(nres == 2 && is(0, TAP_FAILURE, "1 - sub") &&
	    is(1, TAP_SUCCESS, "2"), "indented points and plans do not count");
	ok(same(rets, "10000000111"), "subtest lines are logged");
	ok(same(res[0].text, "not ok 1 - sub\n"),
	    "a subtest's YAML is not the parent's text");
	run("1..3\nok 1\n    Bail out! inner\nok 2\nok 3\n", NULL, NULL);
	ok(bailed && nres == 2 && is(0, TAP_SUCCESS, "1"),
	    "an indented Bail out! bails");
	ok(same(rets, "11011"), "an indented Bail out! is logged");
	ok(same(errtext(), "Bail out! inner\n") &&
	    same(errclass(), "builtins.RuntimeError"), "its error names it");
	run("pragma +strict\n1..1\n    ok 1\n    1..1\n    # Subtest: x\n"
	    "    pragma +foo\nok 1\n", NULL, NULL);
	ok(nres == 1, "under strict, subtest lines are no problem");
}

static void
bails(void)
{
	run("1..3\nok 1\nBail out! database down\nok 2\nnot ok 3\n1..9\n",
	    NULL, NULL);
	ok(bailed && same(rets, "111111"), "Bail out! is TAP");
	ok(nres == 2 && is(0, TAP_SUCCESS, "1") && is(1, TAP_ERROR, NULL),
	    "points after a bail out are ignored");
	ok(same(errtext(), "Bail out! database down\n") &&
	    same(errclass(), "builtins.RuntimeError"),
	    "no plan mismatch after a bail out");
	run("ok 1\n  bail OUT!  \nok 7\nBail out! second\n", NULL, NULL);
	ok(bailed && same(errtext(), "bail OUT!\n") && same(rets, "1011"),
	    "any case, leading blanks; only the first counts; no numbering "
	    "problem after it");
	run("Bail out!", "timed out after 5 s", "builtins.TimeoutError");
	ok(istap && bailed &&
	    same(errtext(), "Bail out!\ntimed out after 5 s\n") &&
	    same(errclass(), "builtins.RuntimeError"),
	    "a bail out beats a time-out");
	run("not ok 1\n# d\nBail out!\n", NULL, NULL);
	ok(nres == 2 && same(res[0].text, "not ok 1\n# d\n"),
	    "a bail out delivers the pending failure first");
	run("# Bail out!\n", NULL, NULL);
	ok(!istap && !bailed, "# Bail out! is a comment");
}

static void
strict(void)
{
	run("pragma +strict\n1..2\nok 1\n  ---\n  a: 1\n  ...\n# comment\n\n"
	    "junk here\n    ok 1 - sub\nok 2\npragma -strict\nmore junk\n",
	    NULL, NULL);
	ok(same(rets, "1110000000110"), "pragmas are TAP, junk is not");
	ok(nres == 3 && same(errtext(),
	    "line 9: not TAP under pragma +strict: junk here\n") &&
	    same(errclass(), BADPLAN), "strict names the non-TAP line");
	run("pragma +strict\nBail out!\njunk\n", NULL, NULL);
	ok(same(errtext(), "Bail out!\n"), "strict stops at a bail out");
	run("junk\npragma +foo\njunk\n1..0\n", NULL, NULL);
	ok(nres == 1 && is(0, TAP_SKIP, NULL), "without +strict junk is fine");
	clear();
	run("pragma +strict\n1..0\n"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	    NULL, NULL);
	ok(errtext() != NULL && strlen(errtext()) < 150 &&
	    count(errtext(), "...\n") == 1, "a long line is quoted in part");
}

static void
crlf(void)
{
	run("1..2\r\nok 1 - crlf\r\nok\r\n", NULL, NULL);
	ok(nres == 2 && is(0, TAP_SUCCESS, "1 - crlf") &&
	    is(1, TAP_SUCCESS, "2"), "CR before the newline is ignored");
	run("1..0 # SKIP why\r\n", NULL, NULL);
	ok(same(res[0].reason, "why"), "CR is not in a skip reason");
	run("not ok 1 - x # TODO y\r\n  ---\r\n  ...\r\nok 2\r\n1..2\r\n",
	    NULL, NULL);
	ok(nres == 2 && same(res[0].reason, "y") &&
	    same(res[0].text, "not ok 1 - x # TODO y\n  ---\n  ...\n"),
	    "CRs go from YAML lines too");
	run("ok 1 - a\r\r\n1..1\n", NULL, NULL);
	ok(nres == 1 && is(0, TAP_SUCCESS, "1 - a\r"),
	    "only one CR is stripped");
}

/* A test that never stops explaining its failure. */
static void
flood(void)
{
	char line[64], note[64];
	struct tap *t;
	size_t total, cut = 0, i;
	const char *p, *s;

	clear();
	t = tap_new(collect, NULL);
	feed(t, "not ok 1 - big");
	total = strlen("not ok 1 - big\n");
	for (i = 0; i < 200000; i++) {
		snprintf(line, sizeof(line), "# diagnostic line %zu", i);
		total += strlen(line) + 1;
		feed(t, line);
	}
	feed(t, "ok 2");
	feed(t, "1..2");
	tap_end(t, NULL, NULL);
	tap_free(t);
	ok(nres == 2 && is(0, TAP_FAILURE, "1 - big") &&
	    is(1, TAP_SUCCESS, "2"),
	    "200,000 diagnostic lines: the points still come out");
	s = res[0].text;
	ok(res[0].textlen <= TAP_MAXTEXT && res[0].textlen > TAP_MAXTEXT - 200,
	    "the text is capped at TAP_MAXTEXT (%zu)", res[0].textlen);
	ok(strncmp(s, "not ok 1 - big\n# diagnostic line 0\n# diagnostic "
	    "line 1\n", 52) == 0, "the text keeps the beginning");
	p = strstr(s, "[... ");
	ok(p != NULL && sscanf(p, "[... %zu more bytes cut]", &cut) == 1 &&
	    s[res[0].textlen - 1] == '\n', "the text ends in a cut note");
	snprintf(note, sizeof(note), "[... %zu more bytes cut]\n", cut);
	ok(p != NULL && same(p, note) && p[-1] == '\n' &&
	    (cut == total - (p - s) || cut == total - (p - s - 1)),
	    "the note counts exactly the bytes cut");
}

/* A line as long as the worker passes, then one longer than the cap. */
static void
longlines(void)
{
	struct tap *t;
	char *line;

	line = xmalloc(TAP_MAXLINE + 1);
	memset(line, 'x', TAP_MAXLINE);
	memcpy(line, "not ok 1 - ", 11);
	clear();
	t = tap_new(collect, NULL);
	tap_line(t, line, TAP_MAXLINE);
	line[0] = '#';
	tap_line(t, line, TAP_MAXLINE);
	tap_end(t, "exited with status 1", FAIL);
	tap_free(t);
	free(line);
	ok(nres == 2 && res[0].name != NULL &&
	    strlen(res[0].name) == TAP_MAXLINE - 7, "a longest line's name");
	ok(res[0].textlen <= TAP_MAXTEXT &&
	    count(res[0].text, " more bytes cut]\n") == 1 &&
	    count(res[0].text, "\n") == 2, "a longest line's text is cut");
	ok(same(errtext(), "no plan\n") && same(errclass(), BADPLAN),
	    "a bad plan; the exit, after a failed point, is none");
}

/* Is result i's name or reason (which) exactly the len bytes of s? */
static void
bytes(int i, int which, const char *s, size_t len, const char *what)
{
	const char *got = NULL;
	size_t gotlen = 0;

	if (i < nres) {
		got = which == 'n' ? res[i].name : res[i].reason;
		gotlen = which == 'n' ? res[i].namelen : res[i].reasonlen;
	}
	if (!ok(got != NULL && gotlen == len && memcmp(got, s, len) == 0,
	    "%s", what))
		diag("%zu bytes, want %zu", gotlen, len);
}

/*
 * A NUL in a description, a reason, a skip-all reason or a bail out is
 * part of it, the lengths say where each ends: nothing is cut at it.
 */
static void
nuls(void)
{
#define L(s) { s, sizeof(s) - 1 }
	static const struct {
		const char *s;
		size_t len;
	} in[] = {
		L("1..4"), L("ok 1 - a\0b"), L("ok 2 # SKIP why\0not"),
		L("not ok 3 - c\0d # TODO later\0on"), L("ok 4 - \\\\\0\\# e"),
		L("Bail out! gone\0away"),
	};
#undef L
	static const char skip[] = "1..0 # SKIP no\0db";
	struct tap *t;
	size_t i;

	clear();
	t = tap_new(collect, NULL);
	for (i = 0; i < countof(in); i++)
		tap_line(t, in[i].s, in[i].len);
	tap_end(t, NULL, NULL);
	tap_free(t);
	bytes(0, 'n', "1 - a\0b", 7, "a NUL in a description is kept");
	bytes(1, 'r', "why\0not", 7, "a NUL in a SKIP reason is kept");
	bytes(2, 'n', "3 - c\0d", 7, "... in a TODO point's description");
	bytes(2, 'r', "later\0on", 8, "... and in its reason");
	bytes(3, 'n', "4 - \\\0# e", 9, "... next to escapes undone");
	ok(nres == 5 && res[2].textlen == in[3].len + 1 &&
	    memcmp(res[2].text, in[3].s, in[3].len) == 0,
	    "an expected failure's text is its whole line");
	ok(nres == 5 && res[4].textlen >= 20 &&
	    memcmp(res[4].text, "Bail out! gone\0away\n", 20) == 0,
	    "a bail out's line is whole in the error");
	clear();
	t = tap_new(collect, NULL);
	tap_line(t, skip, sizeof(skip) - 1);
	tap_end(t, NULL, NULL);
	tap_free(t);
	ok(nres == 1 && res[0].kind == TAP_SKIP && res[0].name == NULL,
	    "a skip-all file with a NUL in its reason is a skip");
	bytes(0, 'r', "no\0db", 5, "... whose reason is whole");
}

/* Too many problems to list: the list stays short. */
static void
manyproblems(void)
{
	struct tap *t;
	char *s;
	int i;

	s = xmalloc(8 * 30 + 1);
	s[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(s, "ok 0 - \n");
	run(s, NULL, NULL);
	free(s);
	ok(count(errtext(), "has number 0\n") == 20 &&
	    count(errtext(), "... and 10 more numbering problems\n") == 1,
	    "numbering problems are listed up to 20");
	ok(count(errtext(), "line 20: test 20 has number 0\nline 21") == 0 &&
	    strstr(errtext(), "line 20: test 20 has number 0\n") != NULL,
	    "the first 20 are the ones listed");
	clear();
	t = tap_new(collect, NULL);
	feed(t, "pragma +strict");
	for (i = 0; i < 100000; i++)
		feed(t, "junk");
	feed(t, "1..0");
	tap_end(t, NULL, NULL);
	tap_free(t);
	ok(errtext() != NULL && strlen(errtext()) < 2048 &&
	    count(errtext(), "not TAP under pragma +strict: junk\n") == 20 &&
	    strstr(errtext(), "\n... and 99980 more non-TAP lines\n") != NULL,
	    "100,000 strict problems: a short list");
}

static void
precedence(void)
{
	run("1..1\nok\n", NULL, NULL);
	ok(nres == 1, "a clean file exiting 0 has no error");
	run("1..2\nok 1\nnot ok 2\n", "exited with status 1", FAIL);
	ok(nres == 2 && errtext() == NULL,
	    "a non-zero exit after a failed point is no problem");
	run("1..1\nnot ok 1 # TODO\n", "exited with status 1", FAIL);
	ok(nres == 2 && same(errtext(), "exited with status 1\n"),
	    "... but after an expected failure it is");
	run("1..1\nnot ok 1\n", "killed by signal 9 (SIGKILL)",
	    "builtins.ChildProcessError");
	ok(nres == 2 && same(errtext(), "killed by signal 9 (SIGKILL)\n"),
	    "... and so is a signal after a failed point");
	run("1..1\nnot ok 1\n", "timed out after 5 s", "builtins.TimeoutError");
	ok(nres == 2 && same(errtext(), "timed out after 5 s\n"),
	    "... and a time-out");
	run("1..1\nok\n", "exited with status 1", FAIL);
	ok(nres == 2 && same(errtext(), "exited with status 1\n") &&
	    same(errclass(), FAIL) && same(res[1].reason, "") &&
	    is(1, TAP_ERROR, NULL), "a non-zero exit alone: its class");
	run("ok\n", "exited with status 1", FAIL);
	ok(same(errtext(), "no plan\nexited with status 1\n") &&
	    same(errclass(), BADPLAN), "bad plan beats a non-zero exit");
	run("ok\n", "timed out after 5 s", "builtins.TimeoutError");
	ok(same(errtext(), "no plan\ntimed out after 5 s\n") &&
	    same(errclass(), "builtins.TimeoutError"),
	    "a time-out beats a bad plan");
	run("ok\n", "killed by signal 9 (SIGKILL)", "builtins.ChildProcessError");
	ok(same(errclass(), "builtins.ChildProcessError"), "a signal beats a bad plan");
	run("ok 1\n1..3\nTAP version 14\nok 5\n1..x\n1..2\n",
	    "killed by signal 9 (SIGKILL)", "builtins.ChildProcessError");
	ok(same(errtext(), "line 3: TAP version is not the first TAP line\n"
	    "line 2: plan in the middle of the tests\n"
	    "line 4: test 2 has number 5\n"
	    "line 5: malformed plan: 1..x\n"
	    "line 6: second plan: 1..2\n"
	    "planned 3 tests but ran 2\n"
	    "killed by signal 9 (SIGKILL)\n"), "every problem, one per line");
	ok(same(rets, "111111") && nres == 3,
	    "tap_line answers 1 for them all");
	run("ok 1\nok 3\nBail out! stop\n", "exited with status 255", FAIL);
	ok(same(errtext(), "Bail out! stop\nline 2: test 2 has number 3\n"
	    "exited with status 255\n") &&
	    same(errclass(), "builtins.RuntimeError"),
	    "a bail out beats them all, its line first");
	ok(badres == 0, "every result had a reason, text and class");
}

int
main(void)
{
	mode();
	plans();
	skipall();
	versions();
	numbering();
	directives();
	texts();
	timing();
	subtests();
	bails();
	strict();
	crlf();
	flood();
	longlines();
	nuls();
	manyproblems();
	precedence();
	clear();
	return tap_done();
}
