/*
 * junit.c: JUnit XML beside the report (--junit-xml).
 *
 * Each test the reporter prints is a <testsuite> of its results, one
 * <testcase> each, and its output as system-out.  The <testsuite>'s
 * counts and time are its testcases', which come one at a time, so its
 * testcases wait in a scratch file of their own until junit_end (a test
 * of a million results costs disk, not memory); then the suite is
 * written to the scratch file of the suites.  At the end of a pass (junit_write) the whole
 * file, the totals first, is written beside its final name and renamed
 * over it; a new pass empties the scratch file.
 *
 * A test program's results are named by the program (classname) and the
 * point (name); a Python test's by its id, cut at the last dot.  Text is
 * UTF-8 repaired and stripped of what XML 1.0 cannot hold.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junit.h"
#include "reporter.h"
#include "util.h"

struct counts {
	size_t tests, failures, errors, skipped;
	double secs;
};

struct junit {
	char *path;
	char *name;		/* the <testsuites>' name, or NULL */
	FILE *suites;		/* the scratch file: this pass's <testsuite>s */
	struct counts all;	/* theirs, for <testsuites> */
	/* The <testsuite> between junit_begin and junit_end. */
	const char *test;
	int isfile;
	struct counts suite;
	FILE *cases;		/* its testcases; emptied for each suite */
};

/*
 * XML text of p: UTF-8 repaired, the characters XML 1.0 cannot hold
 * (controls but tab, newline and return; U+FFFE, U+FFFF) replaced, the
 * markup escaped, and in an attribute the blanks too.
 */
static void
xmlesc(FILE *f, const void *p, size_t len, int attr)
{
	struct buf u = { 0 };
	size_t i;
	int c;

	utf8_repair(&u, p, len);
	for (i = 0; i < u.len; i++) {
		c = u.data[i];
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (attr && c == '"')
			fputs("&quot;", f);
		else if (attr && (c == '\n' || c == '\r' || c == '\t'))
			fprintf(f, "&#%d;", c);
		else if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
			fputs("\xef\xbf\xbd", f);
		else if (c == 0xef && i + 2 < u.len && u.data[i + 1] == 0xbf &&
		    (u.data[i + 2] == 0xbe || u.data[i + 2] == 0xbf)) {
			fputs("\xef\xbf\xbd", f);
			i += 2;
		} else
			putc(c, f);
	}
	buf_free(&u);
}

static void
xmlstr(FILE *f, const char *s, int attr)
{
	xmlesc(f, s, strlen(s), attr);
}

/* A result's classname and name: its test and the point, or id halves. */
static void
names(FILE *f, const struct junit *j, const char *name)
{
	size_t len = strlen(j->test);
	const char *dot;

	fputs("    <testcase classname=\"", f);
	if (j->isfile) {
		xmlstr(f, j->test, 1);
		fputs("\" name=\"", f);
		xmlstr(f, strncmp(name, j->test, len) == 0 &&
		    name[len] == ' ' ? name + len + 1 : name, 1);
	} else if ((dot = strrchr(name, '.')) != NULL) {
		xmlesc(f, name, (size_t)(dot - name), 1);
		fputs("\" name=\"", f);
		xmlstr(f, dot + 1, 1);
	} else {
		xmlstr(f, name, 1);
		fputs("\" name=\"", f);
		xmlstr(f, name, 1);
	}
	fputc('"', f);
}

struct junit *
junit_new(const char *path)
{
	struct junit *j;
	FILE *f;

	if ((f = scratchfile()) == NULL)
		return NULL;
	j = xmalloc(sizeof(*j));
	memset(j, 0, sizeof(*j));
	j->path = xstrdup(path);
	j->suites = f;
	if ((j->cases = scratchfile()) == NULL) {
		junit_free(j);
		return NULL;
	}
	return j;
}

void
junit_free(struct junit *j)
{
	if (j == NULL)
		return;
	fclose(j->suites);
	free(j->name);
	if (j->cases != NULL)
		fclose(j->cases);
	free(j->path);
	free(j);
}

void
junit_begin(struct junit *j, const char *test, int isfile)
{
	j->test = test;
	j->isfile = isfile;
	memset(&j->suite, 0, sizeof(j->suite));
	if (fflush(j->cases) == EOF || ftruncate(fileno(j->cases), 0) < 0)
		fatal("junit: a scratch file:");
	rewind(j->cases);
}

/* A <testcase>, with its failure, error or skip. */
void
junit_add(struct junit *j, const struct junit_case *c)
{
	static const char *const tag[] = {
		[REP_SUCCESS] = NULL, [REP_FAILURE] = "failure",
		[REP_ERROR] = "error", [REP_SKIP] = "skipped",
		[REP_XFAIL] = "skipped", [REP_XPASS] = NULL,
	};
	const unsigned char *nl;
	size_t first;
	FILE *f = j->cases;

	if (c->kind < 0 || (size_t)c->kind >= countof(tag))
		fatal("junit: bad result kind %d", c->kind);
	j->suite.tests++;
	if (c->kind == REP_FAILURE)
		j->suite.failures++;
	else if (c->kind == REP_ERROR)
		j->suite.errors++;
	else if (c->kind == REP_SKIP || c->kind == REP_XFAIL)
		j->suite.skipped++;
	j->suite.secs += c->secs;
	names(f, j, c->name);
	fprintf(f, " time=\"%.3f\"", c->secs);
	if (tag[c->kind] == NULL) {
		fputs("/>\n", f);
		return;
	}
	fprintf(f, ">\n      <%s message=\"", tag[c->kind]);
	if (c->kind == REP_XFAIL)
		fputs("expected failure: ", f);
	if (c->kind == REP_SKIP || c->kind == REP_XFAIL)
		xmlstr(f, c->reason != NULL ? c->reason : "", 1);
	else if (c->text != NULL) {
		nl = memchr(c->text, '\n', c->textlen);
		first = nl != NULL ? (size_t)(nl - c->text) : c->textlen;
		xmlesc(f, c->text, first, 1);
	}
	fputs("\">", f);
	if (c->kind != REP_SKIP && c->text != NULL)
		xmlesc(f, c->text, c->textlen, 0);
	fprintf(f, "</%s>\n    </testcase>\n", tag[c->kind]);
}

/* The suite, its counts first, to the scratch file; they join the totals. */
void
junit_end(struct junit *j, const void *out, size_t len)
{
	const struct counts *s = &j->suite;
	FILE *f = j->suites;
	char chunk[65536];
	size_t n;

	if (fflush(j->cases) == EOF)
		fatal("junit: a scratch file:");
	rewind(j->cases);
	fputs("  <testsuite name=\"", f);
	xmlstr(f, j->test != NULL ? j->test : "", 1);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"%zu\" time=\"%.3f\">\n", s->tests, s->failures,
	    s->errors, s->skipped, s->secs);
	while ((n = fread(chunk, 1, sizeof(chunk), j->cases)) > 0)
		fwrite(chunk, 1, n, f);
	if (ferror(j->cases))
		fatal("junit: a scratch file's read error:");
	if (len > 0) {
		fputs("    <system-out>", f);
		xmlesc(f, out, len, 0);
		fputs("</system-out>\n", f);
	}
	fputs("  </testsuite>\n", f);
	j->all.tests += s->tests;
	j->all.failures += s->failures;
	j->all.errors += s->errors;
	j->all.skipped += s->skipped;
	j->all.secs += s->secs;
	j->test = NULL;
}

void
junit_name(struct junit *j, const char *name)
{
	free(j->name);
	j->name = name != NULL ? xstrdup(name) : NULL;
}

void
junit_write(struct junit *j)
{
	struct replace out;
	char chunk[65536];
	size_t n;
	FILE *f;

	if (replace_open(&out, j->path) < 0)
		fatal("cannot write %s:", j->path);
	f = out.f;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", f);
	if (j->name != NULL) {
		fputs("name=\"", f);
		xmlstr(f, j->name, 1);
		fputs("\" ", f);
	}
	fprintf(f, "tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
	    "skipped=\"%zu\" time=\"%.3f\">\n", j->all.tests, j->all.failures,
	    j->all.errors, j->all.skipped, j->all.secs);
	fflush(j->suites);
	rewind(j->suites);
	while ((n = fread(chunk, 1, sizeof(chunk), j->suites)) > 0)
		fwrite(chunk, 1, n, f);
	fseek(j->suites, 0, SEEK_END);
	fputs("</testsuites>\n", f);
	if (ferror(j->suites))
		fatal("junit: a scratch file's read error:");
	if (replace_close(&out) < 0)
		fatal("cannot write %s:", j->path);
}

void
junit_reset(struct junit *j)
{
	fflush(j->suites);
	if (ftruncate(fileno(j->suites), 0) < 0)
		fatal("junit: ftruncate:");
	rewind(j->suites);
	memset(&j->all, 0, sizeof(j->all));
}
