/*
 * t/unit/reporter.c: the DistReporter's blocks, tests that never ran,
 * the formats by name and trial's tree report, compared byte for byte
 * with what trial -j prints (captured from Twisted's own trial); the
 * JUnit XML written beside it (junit.c, through reporter_junit).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../reporter.h"
#include "../../util.h"
#include "tap.h"

#define EQ "==============================================================================="
#define DASH "-------------------------------------------------------------------------------"

/* A reporter writing to memory, and how much of it was checked. */
struct out {
	FILE *f;
	char *data;
	size_t len, seen;
	struct reporter *r;
};

static char srcpath[64];	/* a Python source file for tracebacks */

/* format NULL is the default. */
static void
open_format(struct out *o, const char *format, int color)
{
	memset(o, 0, sizeof(*o));
	if ((o->f = open_memstream(&o->data, &o->len)) == NULL)
		fatal("open_memstream:");
	if ((o->r = reporter_new(o->f, format, color)) == NULL)
		fatal("reporter_new: no format %s", format ? format : "NULL");
}

static void
open_out(struct out *o, int color)
{
	open_format(o, NULL, color);
}

static void
close_out(struct out *o)
{
	reporter_free(o->r);
	fclose(o->f);
	free(o->data);
}

static void
show(const char *label, const char *p, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i <= len; i++)
		if (i == len || p[i] == '\n') {
			if (i > start || i < len)
				diag("%s|%.*s%s", label, (int)(i - start),
				    p + start, i < len ? "$" : "");
			start = i + 1;
		}
}

/* Is what was written since the last check exactly want? */
static int
same(struct out *o, const char *want, const char *what)
{
	size_t len;
	const char *got;
	int good;

	fflush(o->f);
	got = o->data + o->seen;
	len = o->len - o->seen;
	o->seen = o->len;
	good = len == strlen(want) && memcmp(got, want, len) == 0;
	if (!ok(good, "%s", what)) {
		show("got ", got, len);
		show("want", want, strlen(want));
	}
	return good;
}

static void
add(struct out *o, int slot, int kind, const char *name)
{
	struct rep_result res;

	memset(&res, 0, sizeof(res));
	res.kind = kind;
	res.name = name;
	reporter_add(o->r, slot, &res);
}

/*
 * A result with everything.  frames is a NULL-ended flat list of (name,
 * file, line) triples, made whole triples as the manager does, or NULL
 * for no traceback; an empty list is a traceback without a whole frame.
 * Returns the frames, for the caller to free.
 */
static struct rep_frame *
mkresult(struct rep_result *res, int kind, const char *name,
    const char *class, const char *text, const char *reason,
    const char *const *frames)
{
	struct rep_frame *f;
	size_t i, n = 0;

	while (frames != NULL && frames[n] != NULL)
		n++;
	f = xreallocarray(NULL, n / 3, sizeof(*f));
	for (i = 0; i < n / 3; i++) {
		f[i].func = frames[3 * i];
		f[i].file = frames[3 * i + 1];
		f[i].line = frames[3 * i + 2];
		f[i].funclen = strlen(f[i].func);
		f[i].filelen = strlen(f[i].file);
		f[i].linelen = strlen(f[i].line);
	}
	memset(res, 0, sizeof(*res));
	res->kind = kind;
	res->name = name;
	res->class = class;
	res->text = text;
	res->textlen = text != NULL ? strlen(text) : 0;
	res->reason = reason;
	res->frames = f;
	res->nframes = n / 3;
	res->framed = frames != NULL;
	return f;
}

static void
put(struct out *o, int slot, int kind, const char *name, const char *class,
    const char *text, const char *reason, const char *const *frames)
{
	struct rep_result res;
	struct rep_frame *f;

	f = mkresult(&res, kind, name, class, text, reason, frames);
	reporter_add(o->r, slot, &res);
	free(f);
}

static void
addtext(struct out *o, int slot, int kind, const char *name,
    const char *class, const char *text, const char *reason)
{
	put(o, slot, kind, name, class, text, reason, NULL);
}

/* One test run on slot 0 with one result, printed at once. */
static void
one(struct out *o, const char *test, int isfile, int kind, const char *name)
{
	reporter_start(o->r, 0, test, isfile);
	add(o, 0, kind, name);
	reporter_stop(o->r, 0);
}

/* The error of a test that never ran, printed without a worker slot. */
static void
notrun(struct out *o, const char *test, int isfile, const char *name,
    const char *const *frames)
{
	struct rep_result res;
	struct rep_frame *f;

	f = mkresult(&res, REP_ERROR, name, "builtins.ConnectionError",
	    "not run", NULL, frames);
	reporter_notrun(o->r, test, isfile, &res);
	free(f);
}

static void
mksource(void)
{
	FILE *f;
	int fd, i;

	strcpy(srcpath, "/tmp/disttrial-reporterXXXXXX");
	if ((fd = mkstemp(srcpath)) < 0 || (f = fdopen(fd, "w")) == NULL)
		fatal("mkstemp:");
	for (i = 1; i < 15; i++)
		fprintf(f, "# line %d\n", i);
	fputs("        self.assertEqual(1, 2)\n", f);	/* 15 */
	fputs("\t\traise RuntimeError(\"boom\")  \r\n", f);	/* 16 */
	fputs("\n", f);						/* 17 */
	fputs("\t\xff bad utf-8\n", f);				/* 18 */
	fputs("last line, no newline", f);			/* 19 */
	if (fclose(f) == EOF)
		fatal("%s:", srcpath);
}

/* A run captured from trial -j: its tree, sections and footer. */
static const char reftree[] =
    "Running 13 tests.\n"
    "disttrial_sample.test_outcomes\n"
    "  MoreOutcomes\n"
    "    test_class_skip ...                                               [SKIPPED]\n"
    "  Outcomes\n"
    "    test_a_success ...                                                     [OK]\n"
    "    test_b_failure ...                                                   [FAIL]\n"
    "    test_c_error ...                                                    [ERROR]\n"
    "    test_d_skip ...                                                   [SKIPPED]\n"
    "    test_e_todo ...                                                      [TODO]\n"
    "    test_f_unexpected_success ...                                  [SUCCESS!?!]\n"
    "    test_g_log ...                                                         [OK]\n"
    "    test_h_big_failure ...                                               [FAIL]\n"
    "    test_i_unicode ...                                                   [FAIL]\n"
    "    test_j_na\xc3\xafve_name ...                                                  [OK]\n"
    "  Plain\n"
    "    test_sync_attr_skip ...                                           [SKIPPED]\n"
    "    test_sync_ok ...                                                       [OK]\n";

#define M "disttrial_sample.test_outcomes."
#define FAILTEST "twisted.trial.unittest.FailTest"
#define UNI "h\xc3\xa9llo w\xc3\xb6rld \xe2\x98\x83 \xe6\x97\xa5\xe6\x9c\xac " \
    "\xf0\x9f\x98\x80"

static const char *const fr_async[] = {
	"maybeDeferred", "/nonexistent/twisted/internet/defer.py", "190",
	"runWithWarningsSuppressed", "/nonexistent/twisted/internet/utils.py",
	"221",
	"runWithWarningsSuppressed", "/nonexistent/twisted/python/util.py",
	"1097",
	"test_b_failure", srcpath, "15",
	"assertEqual", "/nonexistent/twisted/trial/_synctest.py", "444",
	"fail", "/nonexistent/twisted/trial/_synctest.py", "380",
	NULL
};

static const char *const fr_error[] = { "test_c_error", srcpath, "16", NULL };

/* The tests of that run in completion order; text BIG is 75 KB. */
static const struct {
	const char *id;
	int kind;
	const char *class, *text, *reason;
	const char *const *frames;
} reftests[] = {
	{ M "MoreOutcomes.test_class_skip", REP_SKIP, 0, 0, 0, 0 },
	{ M "Outcomes.test_a_success", REP_SUCCESS, 0, 0, 0, 0 },
	{ M "Outcomes.test_b_failure", REP_FAILURE, FAILTEST, "1 != 2", 0,
	    fr_async },
	{ M "Outcomes.test_c_error", REP_ERROR, "builtins.RuntimeError", "boom",
	    0, fr_error },
	{ M "Outcomes.test_d_skip", REP_SKIP, 0, 0, "skipping this one", 0 },
	{ M "Outcomes.test_e_todo", REP_XFAIL, 0, "expected to fail",
	    "known bug", 0 },
	{ M "Outcomes.test_f_unexpected_success", REP_XPASS, 0, 0,
	    "should have failed", 0 },
	{ M "Outcomes.test_g_log", REP_SUCCESS, 0, 0, 0, 0 },
	{ M "Outcomes.test_h_big_failure", REP_FAILURE, FAILTEST, "BIG", 0, 0 },
	{ M "Outcomes.test_i_unicode", REP_FAILURE, FAILTEST, UNI, 0, 0 },
	{ M "Outcomes.test_j_na\xc3\xafve_name", REP_SUCCESS, 0, 0, 0, 0 },
	{ M "Plain.test_sync_attr_skip", REP_SKIP, 0, 0, 0, 0 },
	{ M "Plain.test_sync_ok", REP_SUCCESS, 0, 0, 0, 0 },
};

static const char refsections[] =
    "\n"
    EQ "\n[SKIPPED]\n\n\n" M "MoreOutcomes.test_class_skip\n"
    M "Plain.test_sync_attr_skip\n"
    EQ "\n[SKIPPED]\nskipping this one\n\n" M "Outcomes.test_d_skip\n"
    EQ "\n[TODO]\nReason: 'known bug'\nexpected to fail\n\n"
    M "Outcomes.test_e_todo\n"
    EQ "\n[FAIL]\nTraceback (most recent call last):\n"
    "  File \"%s\", line 15, in test_b_failure\n"
    "    self.assertEqual(1, 2)\n"
    "  File \"/nonexistent/twisted/trial/_synctest.py\", line 444, "
    "in assertEqual\n"
    "    \n"
    "twisted.trial.unittest.FailTest: 1 != 2\n"
    "\n" M "Outcomes.test_b_failure\n"
    EQ "\n[FAIL]\n%s\n\n" M "Outcomes.test_h_big_failure\n"
    EQ "\n[FAIL]\n" UNI "\n\n" M "Outcomes.test_i_unicode\n"
    EQ "\n[ERROR]\nTraceback (most recent call last):\n"
    "  File \"%s\", line 16, in test_c_error\n"
    "    raise RuntimeError(\"boom\")\n"
    "builtins.RuntimeError: boom\n\n" M "Outcomes.test_c_error\n"
    EQ "\n[SUCCESS!?!]\nReason: 'should have failed'\n\n"
    M "Outcomes.test_f_unexpected_success\n"
    DASH "\nRan 13 tests in 0.026s\n\n"
    "FAILED (skips=3, expectedFailures=1, failures=3, errors=1, "
    "unexpectedSuccesses=1, successes=4)\n";

/* How much of reftree is printed once n tests have stopped. */
static size_t
upto(size_t n)
{
	const char *p = reftree;

	while (n-- > 0)
		p = strstr(p, "]\n") + 2;
	return (size_t)(p - reftree);
}

static void
reference(void)
{
	struct out o;
	const char *text;
	char *big, *want;
	size_t i, len;

	ok(strlen(EQ) == 79 && strlen(DASH) == 79, "rules are 79 long");
	open_out(&o, 0);
	reporter_begin(o.r, 13);
	same(&o, "Running 13 tests.\n", "Running N tests. first, flushed");
	big = xmalloc(75007);
	memset(big, 'x', 75006);
	memcpy(big, "BIG", 3);
	memcpy(big + 75003, "END", 4);
	for (i = 0; i < 13; i++) {
		text = reftests[i].text;
		if (text != NULL && strcmp(text, "BIG") == 0)
			text = big;
		reporter_start(o.r, 0, reftests[i].id, 0);
		put(&o, 0, reftests[i].kind, reftests[i].id,
		    reftests[i].class, text, reftests[i].reason,
		    reftests[i].frames);
		reporter_stop(o.r, 0);
		len = upto(i + 1);
		ok(o.len == len && memcmp(o.data, reftree, len) == 0,
		    "block %zu printed and flushed when its test stops", i + 1);
	}
	o.seen = 0;
	same(&o, reftree, "trial's captured tree, byte for byte");
	ok(reporter_failed(o.r), "the run failed");
	reporter_end(o.r, 0.0261);
	len = sizeof(refsections) + 75006 + 2 * sizeof(srcpath);
	want = xmalloc(len);
	snprintf(want, len, refsections, srcpath, big, srcpath);
	same(&o, want, "trial's captured sections and footer");
	free(want);
	free(big);
	close_out(&o);
}

/* Levels are printed when they differ, level by level, as trial does. */
static void
prelude(void)
{
	struct out o;

	open_out(&o, 0);
	one(&o, "a.b.C.test_1", 0, REP_SUCCESS, "a.b.C.test_1");
	one(&o, "a.b.D.test_2", 0, REP_SUCCESS, "a.b.D.test_2");
	one(&o, "a.b.C.test_3", 0, REP_SUCCESS, "a.b.C.test_3");
	same(&o,
	    "a.b\n"
	    "  C\n"
	    "    test_1 ...                                                             [OK]\n"
	    "  D\n"
	    "    test_2 ...                                                             [OK]\n"
	    "  C\n"
	    "    test_3 ...                                                             [OK]\n",
	    "the class is re-announced when it changes back");
	one(&o, "x.C.test_4", 0, REP_SUCCESS, "x.C.test_4");
	same(&o,
	    "x\n"
	    "    test_4 ...                                                             [OK]\n",
	    "a same-named class in another module is not re-announced");
	one(&o, "pkg.name", 0, REP_ERROR, "pkg.name");
	one(&o, "lonely", 0, REP_ERROR, "lonely");
	one(&o, "pkg.other", 0, REP_ERROR, "pkg.other");
	same(&o,
	    "pkg\n"
	    "  name ...                                                              [ERROR]\n"
	    "lonely ...                                                              [ERROR]\n"
	    "pkg\n"
	    "  other ...                                                             [ERROR]\n",
	    "two components: one level; none: a leaf at level 0");
	one(&o, ".a..b.c", 0, REP_SUCCESS, ".a..b.c");
	one(&o, "..c", 0, REP_SUCCESS, "..c");
	same(&o,
	    ".a.\n"
	    "  b\n"
	    "    c ...                                                                  [OK]\n"
	    "c ...                                                                      [OK]\n",
	    "empty levels are dropped");
	close_out(&o);
}

static void
padding(void)
{
	struct out o;
	const char *long80 =
	    "a.B.test_this_name_is_so_long_that_the_status_cannot_end_in_column_79_at_all_really_long";
	const char *fit =
	    "a.B.test_this_name_is_exactly_long_enough_to_leave_no_space_at_all_x";

	open_out(&o, 0);
	one(&o, long80, 0, REP_SUCCESS, long80);
	same(&o,
	    "a\n  B\n"
	    "    test_this_name_is_so_long_that_the_status_cannot_end_in_column_79_at_all_really_long ... [OK]\n",
	    "negative padding: no spaces");
	one(&o, fit, 0, REP_FAILURE, fit);
	same(&o,
	    "    test_this_name_is_exactly_long_enough_to_leave_no_space_at_all_x ... [FAIL]\n",
	    "zero padding: the status ends in column 79");
	one(&o, "a.B.caf\xc3\xa9_\xe2\x98\x83", 0, REP_SUCCESS,
	    "a.B.caf\xc3\xa9_\xe2\x98\x83");
	same(&o,
	    "    caf\xc3\xa9_\xe2\x98\x83 ...                                                             [OK]\n",
	    "padding counts code points, not bytes");
	reporter_start(o.r, 0, "a.B.test_multi", 0);
	add(&o, 0, REP_ERROR, "a.B.test_multi");
	add(&o, 0, REP_FAILURE, "a.B.test_multi");
	add(&o, 0, REP_SUCCESS, "a.B.test_multi");
	reporter_stop(o.r, 0);
	same(&o,
	    "    test_multi ...                                                      [ERROR]\n"
	    "                                                      [FAIL]\n"
	    "                                                        [OK]\n",
	    "more results for one test: padded from the stale test line");
	one(&o, "a.B.test_multi", 0, REP_SUCCESS, "a.B.test_multi");
	same(&o,
	    "    test_multi ...                                                         [OK]\n",
	    "the same test in the next block gets its own line");
	close_out(&o);
}

static void
files(void)
{
	struct out o;

	open_out(&o, 0);
	reporter_start(o.r, 0, "t/amp.t", 1);
	add(&o, 0, REP_SUCCESS, "t/amp.t 1 - encodes a box");
	addtext(&o, 0, REP_FAILURE, "t/amp.t 2", "twisted.trial.unittest.FailTest",
	    "not ok 2", NULL);
	add(&o, 0, REP_SKIP, "t/amp.t 3 - decodes empty box");
	add(&o, 0, REP_ERROR, "t/amp.t");
	add(&o, 0, REP_SUCCESS, "t/amp.t.bak 4");
	reporter_stop(o.r, 0);
	same(&o,
	    "t/amp.t\n"
	    "  1 - encodes a box ...                                                    [OK]\n"
	    "  2 ...                                                                  [FAIL]\n"
	    "  3 - decodes empty box ...                                           [SKIPPED]\n"
	    "t/amp.t ...                                                             [ERROR]\n"
	    "t/amp.t.bak 4 ...                                                          [OK]\n",
	    "a file's points are a level under its path");
	one(&o, "t/exit77.sh", 1, REP_SKIP, "t/exit77.sh");
	one(&o, "t/amp.t", 1, REP_SUCCESS, "t/amp.t 1 - again");
	one(&o, "t/amp.t", 1, REP_SUCCESS, "t/amp.t 2 - again");
	one(&o, "t/b.t", 1, REP_SUCCESS, "t/b.t 1");
	one(&o, "t/c.sh", 1, REP_SUCCESS, NULL);
	same(&o,
	    "t/exit77.sh ...                                                       [SKIPPED]\n"
	    "t/amp.t\n"
	    "  1 - again ...                                                            [OK]\n"
	    "  2 - again ...                                                            [OK]\n"
	    "t/b.t\n"
	    "  1 ...                                                                    [OK]\n"
	    "t/c.sh ...                                                                 [OK]\n",
	    "a result named by its path is a leaf at level 0; no name: the path");
	one(&o, "t/x.t", 1, REP_SUCCESS, "pkg.mod.C.test");
	same(&o,
	    "pkg.mod.C.test ...                                                         [OK]\n",
	    "a file's result with a foreign name is a leaf at level 0");
	close_out(&o);
}

/* The end of blocks(): slots started again while busy, and the end. */
static void
busy(struct out *o)
{
	reporter_start(o->r, 2, "t/d.t", 1);
	add(o, 2, REP_SUCCESS, "t/d.t 1");
	reporter_start(o->r, 2, "t/e.t", 1);
	same(o,
	    "t/d.t\n"
	    "  1 ...                                                                    [OK]\n",
	    "starting a busy slot prints its held block first");
	reporter_start(o->r, 3, "t/f.t", 1);
	add(o, 3, REP_SKIP, "t/f.t");
	reporter_start(o->r, 40, "t/g.t", 1);
	reporter_end(o->r, 1.5);
	same(o,
	    "t/f.t ...                                                             [SKIPPED]\n"
	    "\n"
	    EQ "\n[SKIPPED]\n\n\nt/f.t\n"
	    EQ "\n[FAIL]\n\n\nt/c.t 1\n"
	    EQ "\n[ERROR]\nnot run\n\nt/n.t\n"
	    DASH "\nRan 9 tests in 1.500s\n\n"
	    "FAILED (skips=1, failures=1, errors=1, successes=7)\n",
	    "the end prints held blocks; Ran counts every block");
}

static void
blocks(void)
{
	struct out o;

	open_out(&o, 0);
	reporter_start(o.r, 0, "t/a.t", 1);
	reporter_start(o.r, 1, "t/b.t", 1);
	reporter_start(o.r, 7, "t/c.t", 1);
	add(&o, 0, REP_SUCCESS, "t/a.t 1");
	add(&o, 1, REP_SUCCESS, "t/b.t 1");
	add(&o, 7, REP_FAILURE, "t/c.t 1");
	add(&o, 0, REP_SUCCESS, "t/a.t 2");
	add(&o, 1, REP_SUCCESS, "t/b.t 2");
	same(&o, "", "nothing is printed while tests run");
	reporter_stop(o.r, 1);
	same(&o,
	    "t/b.t\n"
	    "  1 ...                                                                    [OK]\n"
	    "  2 ...                                                                    [OK]\n",
	    "the first test to stop prints first, as one block");
	add(&o, 0, REP_SUCCESS, "t/a.t 3");
	notrun(&o, "t/n.t", 1, "t/n.t", NULL);
	same(&o,
	    "t/n.t ...                                                               [ERROR]\n",
	    "a test that never ran prints at once, held blocks stay held");
	reporter_stop(o.r, 7);
	reporter_stop(o.r, 7);
	same(&o,
	    "t/c.t\n"
	    "  1 ...                                                                  [FAIL]\n",
	    "a slot stopped twice prints its block once");
	reporter_start(o.r, 7, "t/c.t", 1);
	add(&o, 7, REP_SUCCESS, "t/c.t 1");
	reporter_stop(o.r, 0);
	reporter_stop(o.r, 7);
	same(&o,
	    "t/a.t\n"
	    "  1 ...                                                                    [OK]\n"
	    "  2 ...                                                                    [OK]\n"
	    "  3 ...                                                                    [OK]\n"
	    "t/c.t\n"
	    "  1 ...                                                                    [OK]\n",
	    "blocks in stop order, the re-run test in a block of its own");
	busy(&o);
	close_out(&o);
}

static void
sections(void)
{
	struct out o;

	open_out(&o, 0);
	reporter_start(o.r, 0, "t/s.t", 1);
	addtext(&o, 0, REP_ERROR, "t/s.t 1", "builtins.ChildProcessError", "", NULL);
	addtext(&o, 0, REP_FAILURE, "t/s.t 2", "twisted.trial.unittest.FailTest",
	    "not ok 2\n# got 1\n", NULL);
	addtext(&o, 0, REP_XPASS, "t/s.t 3", NULL, NULL, "later");
	addtext(&o, 0, REP_FAILURE, "t/s.t 4", "twisted.trial.unittest.FailTest",
	    "same", NULL);
	addtext(&o, 0, REP_SKIP, "t/s.t 5", NULL, NULL, "no network");
	addtext(&o, 0, REP_FAILURE, "t/s.t 6", "twisted.trial.unittest.FailTest",
	    "not ok 2\n# got 1\n", NULL);
	addtext(&o, 0, REP_XFAIL, "t/s.t 7", NULL, "not ok 7 # TODO", "");
	addtext(&o, 0, REP_FAILURE, "t/s.t 8", "builtins.KeyError",
	    "same\n", NULL);
	addtext(&o, 0, REP_ERROR, "t/s.t 9", NULL, NULL, NULL);
	addtext(&o, 0, REP_SKIP, "t/s.t 10", NULL, NULL, "no network");
	addtext(&o, 0, REP_XFAIL, "t/s.t 11", NULL, NULL, NULL);
	addtext(&o, 0, REP_SKIP, "t/s.t 12", NULL, NULL, "same");
	reporter_stop(o.r, 0);
	o.seen = o.len;
	reporter_end(o.r, 0);
	same(&o,
	    "\n"
	    EQ "\n[SKIPPED]\nno network\n\nt/s.t 5\nt/s.t 10\n"
	    EQ "\n[SKIPPED]\nsame\n\nt/s.t 12\n"
	    EQ "\n[TODO]\nReason: ''\nnot ok 7 # TODO\n\nt/s.t 7\n"
	    EQ "\n[TODO]\nReason: ''\n\nt/s.t 11\n"
	    EQ "\n[FAIL]\nnot ok 2\n# got 1\n\nt/s.t 2\nt/s.t 6\n"
	    EQ "\n[FAIL]\nsame\n\nt/s.t 4\nt/s.t 8\n"
	    EQ "\n[ERROR]\nbuiltins.ChildProcessError\n\nt/s.t 1\n"
	    EQ "\n[ERROR]\n\n\nt/s.t 9\n"
	    EQ "\n[SUCCESS!?!]\nReason: 'later'\n\nt/s.t 3\n"
	    DASH "\nRan 1 tests in 0.000s\n\n"
	    "FAILED (skips=3, expectedFailures=2, failures=4, errors=2, "
	    "unexpectedSuccesses=1)\n",
	    "sections: trial's flavour order, equal texts grouped");
	close_out(&o);
}

/* Python's repr() of the todo reason, in a [SUCCESS!?!] section. */
static void
repr(const char *reason, const char *want, const char *what)
{
	struct out o;
	char exp[512];

	open_out(&o, 0);
	reporter_start(o.r, 0, "t/x", 1);
	addtext(&o, 0, REP_XPASS, "t/x", NULL, NULL, reason);
	reporter_stop(o.r, 0);
	o.seen = o.len;
	reporter_end(o.r, 0.0004);
	snprintf(exp, sizeof(exp), "\n" EQ "\n[SUCCESS!?!]\nReason: %s\n\n"
	    "t/x\n" DASH "\nRan 1 tests in 0.000s\n\n"
	    "PASSED (unexpectedSuccesses=1)\n", want);
	same(&o, exp, what);
	close_out(&o);
}

static void
reprs(void)
{
	repr("known bug", "'known bug'", "repr: single quotes");
	repr("it's", "\"it's\"", "repr: double quotes around a '");
	repr("it's \"x\"", "'it\\'s \"x\"'", "repr: both quotes");
	repr("say \"hi\"", "'say \"hi\"'", "repr: \" needs no escape");
	repr("a\\b\tc\nd\re\x01\x1f\x7f", "'a\\\\b\\tc\\nd\\re\\x01\\x1f\\x7f'",
	    "repr: backslash and control characters escaped");
	repr("caf\xc3\xa9 \xe2\x98\x83", "'caf\xc3\xa9 \xe2\x98\x83'",
	    "repr: other UTF-8 as is");
	repr("\xc2\x85\xc2\xa0\xc2\xa1", "'\\x85\\xa0\xc2\xa1'",
	    "repr: C1 controls and no-break space escaped");
	repr(NULL, "''", "repr: no reason");
}

/* A Twisted worker's failure: the traceback trial rebuilds. */
static void
trace(const char *const *el, const char *want, const char *what)
{
	struct out o;
	char exp[2048];

	open_out(&o, 0);
	reporter_start(o.r, 0, "m.C.t", 0);
	put(&o, 0, REP_ERROR, "m.C.t", "builtins.ValueError", "bad", NULL,
	    el);
	reporter_stop(o.r, 0);
	o.seen = o.len;
	reporter_end(o.r, 0);
	snprintf(exp, sizeof(exp), "\n" EQ "\n[ERROR]\n%s\nm.C.t\n" DASH
	    "\nRan 1 tests in 0.000s\n\nFAILED (errors=1)\n", want);
	same(&o, exp, what);
	close_out(&o);
}

/* Trimming shows fewer frames but leaves the caller's as they were. */
static void
kept(const char *const *el)
{
	struct out o;
	struct rep_result res;
	struct rep_frame *f;
	size_t i;
	int same = 1;

	open_out(&o, 0);
	reporter_start(o.r, 0, "m.C.t", 0);
	f = mkresult(&res, REP_ERROR, "m.C.t", "E", "bad", NULL, el);
	reporter_add(o.r, 0, &res);
	for (i = 0; i < res.nframes; i++)
		if (f[i].func != el[3 * i] || f[i].file != el[3 * i + 1] ||
		    f[i].line != el[3 * i + 2] ||
		    f[i].funclen != strlen(el[3 * i]))
			same = 0;
	ok(same && res.nframes == 4, "the caller's frames are not rewritten");
	free(f);
	close_out(&o);
}

static void
tracebacks(void)
{
	char want[1024];
	const char *sync[] = {
		"_run", "/x/twisted/trial/_synctest.py", "1",
		"runWithWarningsSuppressed", "/x/twisted/python/util.py",
		"2",
		"test", srcpath, "15",
		"failUnlessEqual", "/x/twisted/trial/_synctest.py", "3", NULL
	};
	const char *notsync[] = {
		"_run", "/x/twisted/trial/_synctest.py", "1",
		"runWithWarningsSuppressed", "/x/twisted/python/utils.py",
		"2", NULL
	};
	const char *cb[] = {
		"_runCallbacks", "defer.pyc", "1",
		"reraise", "/x/twisted/python/compat.py", "9",
		"test", srcpath, "19",
		"assertX", "_synctest", "1", NULL
	};
	const char *lone[] = {
		"fail", "/x/_synctest.py", "1", NULL
	};
	const char *gone[] = {
		"maybeDeferred", "/x/defer.py", "1",
		"runWithWarningsSuppressed", "utils.py", "2", NULL
	};

	snprintf(want, sizeof(want), "Traceback (most recent call last):\n"
	    "  File \"%s\", line 15, in test\n"
	    "    self.assertEqual(1, 2)\n"
	    "builtins.ValueError: bad\n", srcpath);
	trace(sync, want, "synchronous case: two frames and fail* dropped");
	trace(notsync, "Traceback (most recent call last):\n"
	    "  File \"/x/twisted/trial/_synctest.py\", line 1, in _run\n"
	    "    \n"
	    "  File \"/x/twisted/python/utils.py\", line 2, in "
	    "runWithWarningsSuppressed\n"
	    "    \n"
	    "builtins.ValueError: bad\n",
	    "util is not utils: nothing dropped");
	snprintf(want, sizeof(want), "Traceback (most recent call last):\n"
	    "  File \"%s\", line 19, in test\n"
	    "    last line, no newline\n"
	    "  File \"_synctest\", line 1, in assertX\n"
	    "    \n"
	    "builtins.ValueError: bad\n", srcpath);
	trace(cb, want,
	    "_runCallbacks: one frame dropped, and compat's reraise");
	trace(lone, "Traceback (most recent call last):\n"
	    "  File \"/x/_synctest.py\", line 1, in fail\n"
	    "    \n"
	    "builtins.ValueError: bad\n", "a single frame is kept");
	trace(gone, "Traceback (most recent call last):\n"
	    "Failure: builtins.ValueError: bad\n",
	    "all frames dropped: trial's Failure: line");
	kept(cb);
}

/* Frames the manager cannot use or whose source it cannot read. */
static void
badframes(void)
{
	char w2[1024];
	const char *bad[] = {
		"f", srcpath, "0", "g", srcpath, "x", "h", srcpath, "18",
		"i", srcpath, "17", "j", srcpath, "20", "k", srcpath, "99999",
		"l", "", "1", "m", "/x/.defer", "1", NULL
	};
	const char *none[] = { NULL };

	trace(none, "Traceback (most recent call last):\n"
	    "Failure: builtins.ValueError: bad\n",
	    "a traceback without a whole frame keeps trial's framing");
	snprintf(w2, sizeof(w2), "Traceback (most recent call last):\n"
	    "  File \"%s\", line 0, in f\n    \n"
	    "  File \"%s\", line x, in g\n    \n"
	    "  File \"%s\", line 18, in h\n    \n"
	    "  File \"%s\", line 17, in i\n    \n"
	    "  File \"%s\", line 20, in j\n    \n"
	    "  File \"%s\", line 99999, in k\n    \n"
	    "  File \"\", line 1, in l\n    \n"
	    "  File \"/x/.defer\", line 1, in m\n    \n"
	    "builtins.ValueError: bad\n", srcpath, srcpath, srcpath, srcpath,
	    srcpath, srcpath);
	trace(bad, w2, "unreadable source lines are empty");
}

static void
footers(void)
{
	struct out o;

	open_out(&o, 0);
	reporter_begin(o.r, 0);
	reporter_end(o.r, 0.5);
	same(&o, "Running 0 tests.\n\n" DASH "\n\nPASSED\n",
	    "empty run: no Ran line, PASSED without counts");
	ok(!reporter_failed(o.r), "an empty run has not failed");
	close_out(&o);

	open_out(&o, 0);
	reporter_start(o.r, 0, "t/none", 1);
	reporter_stop(o.r, 0);
	reporter_end(o.r, 12.3456);
	same(&o, "\n" DASH "\nRan 1 tests in 12.346s\n\nPASSED\n",
	    "a test without results is counted, not printed");
	close_out(&o);

	open_out(&o, 0);
	one(&o, "t/a", 1, REP_SUCCESS, "t/a");
	one(&o, "t/b", 1, REP_ERROR, "t/b");
	o.seen = o.len;
	reporter_end(o.r, 0);
	same(&o, "\n" EQ "\n[ERROR]\n\n\nt/b\n" DASH
	    "\nRan 2 tests in 0.000s\n\nFAILED (errors=1, successes=1)\n",
	    "an error fails the run");
	close_out(&o);
}

static void
colors(void)
{
	struct out o;

	open_out(&o, 1);
	reporter_start(o.r, 0, "a.B.test_x", 0);
	add(&o, 0, REP_SUCCESS, "a.B.test_x");
	add(&o, 0, REP_FAILURE, "a.B.test_x");
	add(&o, 0, REP_ERROR, "a.B.test_x");
	add(&o, 0, REP_SKIP, "a.B.test_x");
	add(&o, 0, REP_XFAIL, "a.B.test_x");
	add(&o, 0, REP_XPASS, "a.B.test_x");
	reporter_stop(o.r, 0);
	same(&o, "a\n  B\n"
	    "    test_x ...                                                             \033[32;1m[OK]\033[0m\n"
	    "                                                          \033[31;1m[FAIL]\033[0m\n"
	    "                                                         \033[31;1m[ERROR]\033[0m\n"
	    "                                                       \033[34;1m[SKIPPED]\033[0m\n"
	    "                                                          \033[34;1m[TODO]\033[0m\n"
	    "                                                    \033[31;1m[SUCCESS!?!]\033[0m\n",
	    "colours: statuses wrapped, padding without the escapes");
	o.seen = o.len;
	reporter_reset(o.r);
	one(&o, "a.B.test_y", 0, REP_SUCCESS, "a.B.test_y");
	o.seen = o.len;
	reporter_end(o.r, 0);
	same(&o, "\n" DASH "\nRan 1 tests in 0.000s\n\n"
	    "\033[32;1mPASSED\033[0m (successes=1)\n", "PASSED in green");
	reporter_reset(o.r);
	one(&o, "a.B.test_z", 0, REP_FAILURE, "a.B.test_z");
	o.seen = o.len;
	reporter_end(o.r, 0);
	same(&o, "\n" EQ "\n[FAIL]\n\n\na.B.test_z\n" DASH
	    "\nRan 1 tests in 0.000s\n\n"
	    "\033[31;1mFAILED\033[0m (failures=1)\n", "FAILED in red");
	close_out(&o);
}

static void
passes(void)
{
	struct out o;

	open_out(&o, 0);
	reporter_line(o.r, "Test Pass 1");
	one(&o, "t/a.t", 1, REP_SUCCESS, "t/a.t 1");
	one(&o, "t/a.t", 1, REP_XPASS, "t/a.t 2");
	ok(!reporter_failed(o.r), "an unexpected success fails nothing");
	reporter_end(o.r, 0.001);
	same(&o, "Test Pass 1\n"
	    "t/a.t\n"
	    "  1 ...                                                                    [OK]\n"
	    "  2 ...                                                            [SUCCESS!?!]\n"
	    "\n" EQ "\n[SUCCESS!?!]\nReason: ''\n\nt/a.t 2\n"
	    DASH "\nRan 2 tests in 0.001s\n\n"
	    "PASSED (unexpectedSuccesses=1, successes=1)\n",
	    "pass 1: an xpass alone passes; the level is not repeated");
	reporter_reset(o.r);
	reporter_line(o.r, "Test Pass 2");
	one(&o, "t/a.t", 1, REP_FAILURE, "t/a.t 1");
	ok(reporter_failed(o.r), "a failure fails the pass");
	reporter_end(o.r, 0.002);
	same(&o, "Test Pass 2\n"
	    "t/a.t\n"
	    "  1 ...                                                                  [FAIL]\n"
	    "\n" EQ "\n[FAIL]\n\n\nt/a.t 1\n"
	    DASH "\nRan 1 tests in 0.002s\n\nFAILED (failures=1)\n",
	    "pass 2: fresh tree, sections and counts");
	reporter_reset(o.r);
	ok(!reporter_failed(o.r), "reset forgets the failure");
	close_out(&o);
}

/* 100,000 failing points in 1,000 distinct texts. */
static void
many(void)
{
	struct out o;
	struct rep_result res;
	char name[64], text[64], *p, *end;
	size_t i, rules = 0, ids = 0;
	int inorder = 1;

	open_out(&o, 0);
	memset(&res, 0, sizeof(res));
	res.kind = REP_FAILURE;
	res.class = "twisted.trial.unittest.FailTest";
	res.name = name;
	res.text = text;
	for (i = 0; i < 100000; i++) {
		if (i % 100 == 0)
			reporter_start(o.r, (int)(i / 100 % 8), "t/big.t", 1);
		snprintf(name, sizeof(name), "t/big.t %zu", i + 1);
		res.textlen = (size_t)snprintf(text, sizeof(text),
		    "not ok %zu\n", i % 1000);
		reporter_add(o.r, (int)(i / 100 % 8), &res);
		if (i % 100 == 99)
			reporter_stop(o.r, (int)(i / 100 % 8));
	}
	o.seen = o.len;
	reporter_end(o.r, 3);
	fflush(o.f);
	end = o.data + o.len;
	for (p = o.data + o.seen; p < end; p = strchr(p, '\n') + 1) {
		if (strncmp(p, EQ "\n", 80) == 0) {
			snprintf(text, sizeof(text), "[FAIL]\nnot ok %zu\n\n",
			    rules);
			if (strncmp(p + 80, text, strlen(text)) != 0)
				inorder = 0;
			rules++;
		} else if (strncmp(p, "t/big.t ", 8) == 0)
			ids++;
	}
	ok(rules == 1000, "1000 groups for 1000 texts (%zu)", rules);
	ok(inorder, "groups in order of first occurrence");
	ok(ids == 100000, "every id listed (%zu)", ids);
	ok(o.len - o.seen > 1000 * 100 && strstr(o.data + o.seen,
	    "\nRan 1000 tests in 3.000s\n\nFAILED (failures=100000)\n") !=
	    NULL, "footer counts results, not tests");
	close_out(&o);
}

/* 20,000 different texts: 20,000 groups, in order. */
static void
distinct(void)
{
	struct out o;
	char name[32], text[32];
	size_t i, n = 0;
	const char *p;
	int inorder = 1;

	open_out(&o, 0);
	reporter_start(o.r, 0, "t/d.t", 1);
	for (i = 0; i < 20000; i++) {
		snprintf(name, sizeof(name), "t/d.t %zu", i);
		snprintf(text, sizeof(text), "text %zu", i);
		addtext(&o, 0, i % 2 ? REP_ERROR : REP_SKIP, name, "E", text,
		    text);
	}
	reporter_stop(o.r, 0);
	o.seen = o.len;
	reporter_end(o.r, 0);
	fflush(o.f);
	for (p = o.data + o.seen; (p = strstr(p, EQ "\n[")) != NULL; p++) {
		snprintf(text, sizeof(text), "text %zu\n", n % 10000 * 2 +
		    (n >= 10000));
		if (strncmp(strchr(p + 80, '\n') + 1, text, strlen(text)) != 0)
			inorder = 0;
		n++;
	}
	ok(n == 20000 && inorder,
	    "distinct texts: a group each, skips before errors (%zu)", n);
	close_out(&o);
}

/*
 * bigblock's results: result i of a test named t/s.t, every kind, with
 * texts and reasons, a few repeated names; into slot, a block of per.
 */
static void
bigresults(struct out *o, int slot, size_t n, size_t per)
{
	static const int kind[] = { REP_SUCCESS, REP_FAILURE, REP_SUCCESS,
	    REP_SKIP, REP_ERROR, REP_XFAIL, REP_XPASS, REP_SUCCESS };
	char name[64], text[96], reason[32];
	size_t i;

	for (i = 0; i < n; i++) {
		if (i % per == 0)
			reporter_start(o->r, slot, "t/s.t", 1);
		snprintf(name, sizeof(name), "t/s.t %zu - point", i / 3 * 3);
		snprintf(text, sizeof(text), "not ok %zu\n  a \033 text %zu\n",
		    i, i % 97);
		snprintf(reason, sizeof(reason), "why %zu", i % 5);
		addtext(o, slot, kind[i % countof(kind)], name, NULL, text,
		    i % 3 == 1 ? reason : NULL);
		if (i % per == per - 1)
			reporter_stop(o->r, slot);
	}
}

/*
 * A block far past what the reporter holds in memory (it goes to a
 * scratch file) prints as the same results in blocks of 99 do, in
 * every format, sections and counts too; another test's block printed
 * meanwhile comes out whole.
 */
static void
bigblock(void)
{
	struct out a, b;
	const char *fmt;
	size_t i, cut;
	int good;

	for (i = 0; (fmt = reporter_format(i)) != NULL; i++) {
		open_format(&a, fmt, 0);
		open_format(&b, fmt, 0);
		reporter_begin(a.r, 1);
		reporter_begin(b.r, 1);
		reporter_start(a.r, 1, "t/x.t", 1);
		addtext(&a, 1, REP_FAILURE, "t/x.t 1", NULL, "x", NULL);
		bigresults(&a, 0, 30000, 30000 + 1);
		reporter_stop(a.r, 1);
		reporter_stop(a.r, 0);
		reporter_end(a.r, 1);
		reporter_start(b.r, 1, "t/x.t", 1);
		addtext(&b, 1, REP_FAILURE, "t/x.t 1", NULL, "x", NULL);
		reporter_stop(b.r, 1);
		bigresults(&b, 0, 30000, 99);
		reporter_end(b.r, 1);
		fflush(a.f);
		fflush(b.f);
		/* "Ran 2 tests" and "Ran 301 tests": the same up to there. */
		for (cut = 0; cut < a.len && cut < b.len &&
		    a.data[cut] == b.data[cut]; cut++)
			;
		good = (a.len > 30000 * 4 || strcmp(fmt, "summary") == 0) &&
		    (cut == a.len ||
		    strncmp(a.data + cut, "2 ", 2) == 0 ||
		    strncmp(a.data + cut - 4, "Ran ", 4) == 0);
		if (!ok(good, "%s: a block of 30,000 results prints as in "
		    "blocks of 99 (%zu bytes alike of %zu)", fmt, cut, a.len))
			show("from", a.data + cut, a.len - cut < 200 ?
			    a.len - cut : 200);
		close_out(&a);
		close_out(&b);
	}
}

/* What the interface leaves open. */
static void
odds(void)
{
	struct out o;
	const char *fr[] = { "t", "/x/y.py", "1", NULL };

	open_out(&o, 0);
	reporter_begin(o.r, 1);
	same(&o, "Running 1 tests.\n", "Running 1 tests. (always plural)");
	add(&o, 5, REP_SUCCESS, "m.C.test_orphan");
	reporter_stop(o.r, 5);
	same(&o, "m\n  C\n"
	    "    test_orphan ...                                                        [OK]\n",
	    "a result without a start is still printed at its stop");
	reporter_start(o.r, 5, "m.C.test_named", 0);
	add(&o, 5, REP_FAILURE, NULL);
	put(&o, 5, REP_ERROR, NULL, NULL, "", NULL, fr);
	reporter_stop(o.r, 5);
	same(&o,
	    "    test_named ...                                                       [FAIL]\n"
	    "                                                     [ERROR]\n",
	    "a result without a name is the test's");
	o.seen = o.len;
	reporter_end(o.r, 0);
	same(&o, "\n" EQ "\n[FAIL]\n\n\nm.C.test_named\n"
	    EQ "\n[ERROR]\nTraceback (most recent call last):\n"
	    "  File \"/x/y.py\", line 1, in t\n    \n: \n\nm.C.test_named\n"
	    DASH "\nRan 2 tests in 0.000s\n\n"
	    "FAILED (failures=1, errors=1, successes=1)\n",
	    "no class, no text: empty strings");
	close_out(&o);
}

/* Tests that never ran, of both kinds of name, one with frames. */
static const struct {
	const char *test, *name;
	int isfile;
	const char *const *frames;
} nrtests[] = {
	{ "t/b.t", "t/b.t", 1, NULL },
	{ "t/b.t", "t/b.t 1", 1, NULL },
	{ "t/c.t", NULL, 1, NULL },
	{ "pkg.mod.C.test_x", NULL, 0, fr_error },
	{ "pkg.mod.D.test_y", "pkg.mod.D.test_y", 0, NULL },
};

/*
 * What the manager did before reporter_notrun: a start, the one result
 * and a stop on a spare slot, one past the last worker's.
 */
static void
spare(struct out *o, int slot, size_t i)
{
	struct rep_result res;
	struct rep_frame *f;

	reporter_start(o->r, slot, nrtests[i].test, nrtests[i].isfile);
	f = mkresult(&res, REP_ERROR, nrtests[i].name, "builtins.ConnectionError",
	    "not run", NULL, nrtests[i].frames);
	reporter_add(o->r, slot, &res);
	reporter_stop(o->r, slot);
	free(f);
}

/* o[0] the spare slot's way, o[1] reporter_notrun, while slot 1 runs. */
static void
notruns(void)
{
	static const char foot[] = "\nRan 7 tests in 0.250s\n\n"
	    "FAILED (errors=5, successes=2)\n";
	struct out o[2];
	size_t i, j;

	for (j = 0; j < 2; j++) {
		open_out(&o[j], 0);
		reporter_begin(o[j].r, 7);
		reporter_start(o[j].r, 1, "t/a.t", 1);
		add(&o[j], 1, REP_SUCCESS, "t/a.t 1");
		one(&o[j], "t/b.t", 1, REP_SUCCESS, "t/b.t 1");
		fflush(o[j].f);
		o[j].seen = o[j].len;
		for (i = 0; i < countof(nrtests); i++)
			if (j == 0)
				spare(&o[j], 3, i);
			else
				notrun(&o[j], nrtests[i].test,
				    nrtests[i].isfile, nrtests[i].name,
				    nrtests[i].frames);
	}
	same(&o[1],
	    "t/b.t ...                                                               [ERROR]\n"
	    "t/b.t\n"
	    "  1 ...                                                                 [ERROR]\n"
	    "t/c.t ...                                                               [ERROR]\n"
	    "pkg.mod\n"
	    "  C\n"
	    "    test_x ...                                                          [ERROR]\n"
	    "  D\n"
	    "    test_y ...                                                          [ERROR]\n",
	    "tests that never ran print at once, a block each, in the tree");
	for (j = 0; j < 2; j++) {
		reporter_stop(o[j].r, 1);
		reporter_end(o[j].r, 0.25);
		fflush(o[j].f);
	}
	ok(o[0].len == o[1].len && memcmp(o[0].data, o[1].data,
	    o[0].len) == 0, "reporter_notrun prints what a spare slot "
	    "printed (%zu bytes)", o[1].len);
	ok(o[1].len > strlen(foot) && strcmp(o[1].data + o[1].len -
	    strlen(foot), foot) == 0,
	    "tests that never ran count in Ran N and the footer");
	close_out(&o[0]);
	close_out(&o[1]);
}

/* Formats are looked up by name; NULL is the tree. */
static void
formats(void)
{
	const char *bad[] = { "bogus", "", "Tree", "tre", "tree ", NULL };
	struct reporter *r;
	struct out o[2];
	size_t i;
	int none = 1;

	for (i = 0; bad[i] != NULL; i++)
		if ((r = reporter_new(stdout, bad[i], 0)) != NULL) {
			none = 0;
			reporter_free(r);
		}
	ok(none, "an unknown format name gives NULL (names match exactly)");
	r = reporter_new(stdout, "tree", 0);
	ok(r != NULL, "the tree is a format by name");
	reporter_free(r);
	for (i = 0; i < 2; i++) {
		open_format(&o[i], i == 0 ? NULL : "tree", 0);
		reporter_begin(o[i].r, 1);
		one(&o[i], "t/a.t", 1, REP_FAILURE, "t/a.t 1");
		reporter_end(o[i].r, 0);
		fflush(o[i].f);
	}
	ok(o[0].len == o[1].len && memcmp(o[0].data, o[1].data,
	    o[0].len) == 0, "no format name is the tree");
	close_out(&o[0]);
	close_out(&o[1]);
}

/* A result that took secs. */
static void
timed(struct out *o, int slot, int kind, const char *name, const char *text,
    const char *reason, const char *const *frames, double secs)
{
	struct rep_result res;
	struct rep_frame *f;

	f = mkresult(&res, kind, name, kind == REP_ERROR ?
	    "builtins.RuntimeError" : NULL, text, reason, frames);
	res.secs = secs;
	reporter_add(o->r, slot, &res);
	free(f);
}

/* Is the file at path exactly want? */
static void
samefile(const char *path, const char *want, const char *what)
{
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f;
	int good;

	if ((f = fopen(path, "r")) == NULL)
		fatal("%s:", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	good = b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
	if (!ok(good, "%s", what)) {
		show("got ", (const char *)b.data, b.len);
		show("want", want, strlen(want));
	}
	buf_free(&b);
}

/*
 * --junit-xml: a printed block is a <testsuite>, its counts and time its
 * testcases'; a program's points are named under it, a Python id is cut
 * at its last dot; messages, texts and output escaped.  A new pass
 * writes only its own suites.
 */
static void
junits(void)
{
	static const char *const noframes[] = { NULL };
	static const char output[] = "--> t/a.t <--\n\x01 \xff\n";
	static const char head[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	static const char pass1[] =
	    "<testsuites tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"2\" time=\"1.750\">\n"
	    "  <testsuite name=\"t/a.t\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\" time=\"0.750\">\n"
	    "    <testcase classname=\"t/a.t\" name=\"1 - fine\" time=\"0.250\"/>\n"
	    "    <testcase classname=\"t/a.t\" name=\"2 - &lt;a&gt; &amp; &quot;b&quot;&#9;c\" time=\"0.500\">\n"
	    "      <failure message=\"got &lt;1&gt;\">got &lt;1&gt;\nwant 2\n</failure>\n"
	    "    </testcase>\n"
	    "    <testcase classname=\"t/a.t\" name=\"3\" time=\"0.000\">\n"
	    "      <skipped message=\"no &quot;net&quot;\"></skipped>\n"
	    "    </testcase>\n"
	    "    <system-out>--&gt; t/a.t &lt;--\n\xef\xbf\xbd \xef\xbf\xbd\n</system-out>\n"
	    "  </testsuite>\n"
	    "  <testsuite name=\"pkg.mod.C.test_x\" tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"1\" time=\"1.000\">\n"
	    "    <testcase classname=\"pkg.mod.C\" name=\"test_x\" time=\"0.750\">\n"
	    "      <error message=\"Traceback (most recent call last):\">Traceback (most recent call last):\n"
	    "Failure: builtins.RuntimeError: boom\n</error>\n"
	    "    </testcase>\n"
	    "    <testcase classname=\"pkg.mod.C\" name=\"test_y\" time=\"0.250\">\n"
	    "      <skipped message=\"expected failure: later\">Reason: 'later'\nnope\n</skipped>\n"
	    "    </testcase>\n"
	    "  </testsuite>\n"
	    "</testsuites>\n";
	static const char pass2[] =
	    "<testsuites tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.125\">\n"
	    "  <testsuite name=\"t/b.t\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.125\">\n"
	    "    <testcase classname=\"t/b.t\" name=\"t/b.t\" time=\"0.125\"/>\n"
	    "  </testsuite>\n"
	    "</testsuites>\n";
	char dir[] = "/tmp/disttrial-junitXXXXXX", *path, *want;
	struct out o;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp:");
	path = pathjoin(dir, "j.xml");
	open_out(&o, 0);
	ok(reporter_junit(o.r, path) == 0, "--junit-xml gets its scratch file");
	reporter_begin(o.r, 2);
	reporter_start(o.r, 0, "t/a.t", 1);
	reporter_start(o.r, 1, "pkg.mod.C.test_x", 0);
	timed(&o, 0, REP_SUCCESS, "t/a.t 1 - fine", NULL, NULL, NULL, 0.25);
	timed(&o, 1, REP_ERROR, "pkg.mod.C.test_x", "boom", NULL, noframes,
	    0.75);
	timed(&o, 0, REP_FAILURE, "t/a.t 2 - <a> & \"b\"\tc",
	    "got <1>\nwant 2", NULL, NULL, 0.5);
	timed(&o, 0, REP_SKIP, "t/a.t 3", NULL, "no \"net\"", NULL, 0);
	reporter_output(o.r, 0, output, sizeof(output) - 1);
	reporter_stop(o.r, 0);
	timed(&o, 1, REP_XFAIL, "pkg.mod.C.test_y", "nope", "later", NULL,
	    0.25);
	reporter_stop(o.r, 1);
	reporter_end(o.r, 2);
	want = xmalloc(sizeof(head) + sizeof(pass1));
	strcpy(want, head);
	samefile(path, strcat(want, pass1),
	    "pass 1: a <testsuite> a block, each result a <testcase>");
	reporter_reset(o.r);
	reporter_start(o.r, 0, "t/b.t", 1);
	timed(&o, 0, REP_SUCCESS, NULL, NULL, NULL, NULL, 0.125);
	reporter_stop(o.r, 0);
	reporter_end(o.r, 1);
	strcpy(want, head);
	samefile(path, strcat(want, pass2),
	    "pass 2: the file holds this pass alone");
	close_out(&o);
	free(want);
	unlink(path);
	free(path);
	if (rmdir(dir) < 0)
		fatal("rmdir %s:", dir);
}

/* "LINE ... " and status, the status ending in column 79, as the tree. */
static char *
treeline(char *out, size_t size, const char *line, const char *status)
{
	size_t n;

	n = utf8_count((const unsigned char *)line, strlen(line)) + 5 +
	    strlen(status);
	snprintf(out, size, "%s ... %*s%s\n", line, n < 79 ? (int)(79 - n) :
	    0, "", status);
	return out;
}

/*
 * What a test printed or named is shown so that it cannot act on a
 * terminal: controls but tab and newline as \xHH, a name's NUL (C0 80)
 * as \x00, a run of backslashes before an x or an escape doubled, bytes
 * that are not UTF-8 as U+FFFD, in every format and the status line.
 */
static void
controls(void)
{
	struct out o;
	struct buf want = { 0 };
	char l[256];

	open_out(&o, 0);
	reporter_begin(o.r, 1);
	reporter_start(o.r, 0, "t/e\033.t", 1);
	addtext(&o, 0, REP_FAILURE, "t/e\033.t 1 - a\033[2Jb\007",
	    "twisted.trial.unittest.FailTest",
	    "not ok 1 - x\033[31m\n# \xc2\x9b\x7f\r\ttab\n", NULL);
	addtext(&o, 0, REP_SKIP, "t/e\033.t 2 - n\xc0\x80ul", NULL, NULL,
	    "r\033");
	addtext(&o, 0, REP_XFAIL, "t/e\033.t 3", NULL, "\xc2\x85",
	    "q\033\xc0\x80");
	reporter_stop(o.r, 0);
	buf_addstr(&want, "Running 1 tests.\nt/e\\x1b.t\n");
	buf_addstr(&want, treeline(l, sizeof(l), "  1 - a\\x1b[2Jb\\x07",
	    "[FAIL]"));
	buf_addstr(&want, treeline(l, sizeof(l), "  2 - n\\x00ul",
	    "[SKIPPED]"));
	buf_addstr(&want, treeline(l, sizeof(l), "  3", "[TODO]"));
	buf_addc(&want, '\0');
	same(&o, (char *)want.data, "tree: a level, leaves, escaped");
	reporter_end(o.r, 0);
	same(&o, "\n"
	    EQ "\n[SKIPPED]\nr\\x1b\n\nt/e\\x1b.t 2 - n\\x00ul\n"
	    EQ "\n[TODO]\nReason: 'q\\x1b\\x00'\n\\x85\n\nt/e\\x1b.t 3\n"
	    EQ "\n[FAIL]\nnot ok 1 - x\\x1b[31m\n# \\x9b\\x7f\\x0d\ttab\n\n"
	    "t/e\\x1b.t 1 - a\\x1b[2Jb\\x07\n"
	    DASH "\nRan 1 tests in 0.000s\n\n"
	    "FAILED (skips=1, expectedFailures=1, failures=1)\n",
	    "tree: sections' texts, reasons and names escaped");
	close_out(&o);

	open_out(&o, 0);
	reporter_start(o.r, 0, "t/b.t", 1);
	add(&o, 0, REP_SUCCESS, "t/b.t 1 - a\\x1b");
	add(&o, 0, REP_SUCCESS, "t/b.t 2 - c:\\dir\\new\\");
	add(&o, 0, REP_SUCCESS, "t/b.t 3 - q\\\\x");
	add(&o, 0, REP_SUCCESS, "t/b.t 4 - e\\\033");
	add(&o, 0, REP_SUCCESS, "t/\xff\x9b.t");
	reporter_stop(o.r, 0);
	want.len = 0;
	buf_addstr(&want, "t/b.t\n");
	buf_addstr(&want, treeline(l, sizeof(l), "  1 - a\\\\x1b", "[OK]"));
	buf_addstr(&want, treeline(l, sizeof(l), "  2 - c:\\dir\\new\\",
	    "[OK]"));
	buf_addstr(&want, treeline(l, sizeof(l), "  3 - q\\\\\\\\x", "[OK]"));
	buf_addstr(&want, treeline(l, sizeof(l), "  4 - e\\\\\\x1b", "[OK]"));
	buf_addstr(&want, treeline(l, sizeof(l),
	    "t/\xef\xbf\xbd\xef\xbf\xbd.t", "[OK]"));
	buf_addc(&want, '\0');
	same(&o, (char *)want.data, "a backslash run before x or an escape is "
	    "doubled, others stay; bytes not UTF-8 are U+FFFD");
	reporter_progress(o.r, "[0/1] | t/\033[7m.t 0s", 79);
	same(&o, "[0/1] | t/\\x1b[7m.t 0s", "the status line: escaped");
	reporter_progress(o.r, "[0/1] | t/\033[7m.t 0s", 15);
	same(&o, "\r\033[K[0/1] | t/\\x1b[", "... cut to the width given");
	reporter_line(o.r, "a \007 line");
	same(&o, "\r\033[Ka \\x07 line\n", "a line between blocks: escaped");
	close_out(&o);

	open_format(&o, "timing", 0);
	one(&o, "t/e.t", 1, REP_SUCCESS, "t/e.t 1 - \033]0;x\007");
	same(&o, "t/e.t 1 - \\x1b]0;x\\x07 ... [OK]\n(0.000 secs)\n",
	    "timing: the name escaped");
	close_out(&o);

	open_format(&o, "tap", 0);
	reporter_start(o.r, 0, "t/e.t", 1);
	add(&o, 0, REP_SUCCESS, "t/e.t 1 - a\033b#c\\d\ne\xc0\x80\r");
	addtext(&o, 0, REP_SKIP, "t/e.t 2", NULL, NULL, "r\007\\x");
	addtext(&o, 0, REP_FAILURE, "t/e.t 3",
	    "twisted.trial.unittest.FailTest", "x\033y\\z\\x\n", NULL);
	reporter_stop(o.r, 0);
	same(&o, "ok 1 - t/e.t 1 - a\\x1bb\\#c\\\\d e\\x00\\x0d\n"
	    "ok 2 - t/e.t 2 # SKIP r\\x07\\\\x\n"
	    "not ok 3 - t/e.t 3\n  ---\n"
	    "  message: \"x\\\\x1by\\\\z\\\\\\\\x\"\n"
	    "  severity: fail\n  ...\n",
	    "tap: names and reasons escaped as TAP's; YAML holds what the "
	    "tree shows");
	close_out(&o);
	buf_free(&want);
}

/* A report that cannot be written ends in fatal(), exit 2. */
static struct reporter *childrep;

static void
writeerror(void)
{
	pid_t pid;
	int fd[2], st;
	FILE *f;

	fflush(stdout);
	if ((pid = fork()) < 0)
		fatal("fork:");
	if (pid == 0) {
		if (freopen("/dev/null", "w", stderr) == NULL ||
		    pipe(fd) < 0 || (f = fdopen(fd[1], "w")) == NULL)
			_exit(3);
		signal(SIGPIPE, SIG_IGN);
		close(fd[0]);
		childrep = reporter_new(f, "tree", 0);
		reporter_begin(childrep, 1);
		reporter_end(childrep, 0);
		_exit(0);
	}
	ok(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == RC_ERROR, "a write error is fatal");
}

int
main(void)
{
	mksource();
	reference();
	prelude();
	padding();
	files();
	blocks();
	sections();
	reprs();
	tracebacks();
	badframes();
	footers();
	colors();
	passes();
	many();
	distinct();
	bigblock();
	odds();
	notruns();
	formats();
	junits();
	controls();
	writeerror();
	unlink(srcpath);
	return tap_done();
}
