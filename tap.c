/*
 * tap.c: the incremental TAP parser.  The worker feeds it a test's
 * stdout one line at a time; it hands back one result per top-level
 * test point, a skip for a skip-all file, and at the end at most one
 * extra error listing everything wrong with the file as a whole.
 *
 * The format as read here (TAP 12, 13 and 14; disttrial(1) states it):
 *
 *	TAP version 14		optional; the first TAP line; 13 or 14
 *	1..4			the plan, first or last; 1..0 skips the file
 *	1..0 # SKIP why		(1..0's reason, a leading SKIP word dropped)
 *	1..4 todo 2 3;		old form: points 2 and 3 are TODO
 *	ok 1 - description	a point: "ok" or "not ok" as a word, an
 *	not ok 2 # TODO why	optional number that must be its position,
 *	ok 3 # skipped: why	a description (\# and \\ escaped) and a
 *	  ---			directive from the first unescaped #: SKIP
 *	  yaml: of point 3	or TODO in any case, perhaps with a suffix
 *	  ...			(anything else stays in the description)
 *	pragma +strict		other lines become problems until -strict
 *	    # Subtest: name	indented lines belong to the next top-level
 *	    ok 1		point and never count ...
 *	Bail out! reason	... except Bail out!, any case and indentation:
 *				the points after it are ignored
 *
 * Lines starting with # are comments.  The comments right after a
 * failing point (at any indentation) and its YAML block are that
 * failure's text, so a failure is delivered only when a line that is
 * neither arrives.  A YAML block may open (an indented "---") only right
 * after a point or its comments, and ends at "..." at its own
 * indentation or at any line indented less than its "---", so that an
 * unterminated block cannot hide the rest of the file.
 *
 * Problems are noted by line number as they are found and listed, with
 * the missing or mismatched plan and the exit, after the bail out line
 * if there was one (the first line names the problem), in the one
 * error tap_end() delivers.  Texts are capped at TAP_MAXTEXT and each
 * kind of problem at MAXPROBS lines, so memory stays bounded whatever
 * the test prints.
 */
#define _POSIX_C_SOURCE 200809L

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"

#define NOTEROOM 64	/* room kept in a text for the cut note */
#define TEXTMAX (TAP_MAXTEXT - NOTEROOM)
#define QUOTEMAX 80	/* a problem quotes at most this much of a line */
#define MAXPROBS 20	/* problems listed per kind, then "... and N more" */
#define OTHERMAX 4096	/* a failure's share of the other output */

/* What a line is, once its indentation is skipped. */
enum { LOTHER, LVERSION, LPLAN, LBADPLAN, LPOINT, LPRAGMA, LBAIL };

/* Kinds of problem, each listed at most MAXPROBS times. */
enum { PVERSION, PPLAN, PNUMBER, PSTRICT, NPKIND };

enum { DNONE, DSKIP, DTODO };

static const char *const pkindname[NPKIND] = {
	"TAP version problems", "plan problems", "numbering problems",
	"non-TAP lines",
};

struct text {
	char *p;		/* NUL-terminated once anything was added */
	size_t len, cap;
	size_t cut;		/* bytes dropped at the cap */
};

/* A point's line, taken apart; the pointers are into the line. */
struct point {
	int notok, dir;
	const char *num, *desc, *why;
	size_t numlen, desclen, whylen;
};

struct tap {
	tap_fn *fn;
	void *arg;
	unsigned long lineno;
	unsigned long npoints;	/* top-level points before any bail out */
	unsigned long nfailed;	/* of them, failures */
	int istap, bailed, strict;
	int inyaml, afterpoint;
	size_t yamlind;		/* indentation of the open YAML block */
	int planned, planlate, middle, badplan;
	unsigned long plan, planline;
	char *skip;		/* reason of a 1..0 plan, NULL if none */
	size_t skiplen;
	unsigned long *todo;	/* sorted numbers of a todo plan */
	size_t ntodo;
	int pending, pkind;	/* a point waiting for the end of its text */
	size_t potherlen, pothercut;	/* bytes of other output, kept, cut */
	char *pname, *preason;	/* NUL-terminated, and may hold a NUL */
	size_t pnamelen, preasonlen;
	struct text ptext;
	struct text probs;	/* one line per problem, as found */
	unsigned long nprob[NPKIND];
	char *bail;		/* the first Bail out! line */
	size_t baillen;
};

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Does p start with w (w in lower case if icase)? */
static int
prefix(const char *p, size_t n, const char *w, int icase)
{
	size_t i;
	int c;

	for (i = 0; w[i] != '\0'; i++) {
		if (i == n)
			return 0;
		c = icase ? lower((unsigned char)p[i]) : p[i];
		if (c != w[i])
			return 0;
	}
	return 1;
}

/* Does p start with w followed by a blank or the end? */
static int
word(const char *p, size_t n, const char *w)
{
	size_t len = strlen(w);

	return prefix(p, n, w, 0) && (n == len || blank(p[len]));
}

static size_t
skipblanks(const char *p, size_t n, size_t i)
{
	while (i < n && blank(p[i]))
		i++;
	return i;
}

/* The length of p without its trailing blanks. */
static size_t
trimblanks(const char *p, size_t n)
{
	while (n > 0 && blank(p[n - 1]))
		n--;
	return n;
}

/* Reads digits from p[i]; *v saturates at ULONG_MAX.  Returns the end. */
static size_t
number(const char *p, size_t n, size_t i, unsigned long *v)
{
	unsigned long d;

	*v = 0;
	for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		d = p[i] - '0';
		if (*v > (ULONG_MAX - d) / 10)
			*v = ULONG_MAX;
		else
			*v = *v * 10 + d;
	}
	return i;
}

static int
cmpnum(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Appends without looking at the cap; only textadd and textend call it. */
static void
textput(struct text *x, const char *s, size_t n)
{
	x->p = xgrow(x->p, &x->cap, x->len + n + 1, 1, 128);
	memcpy(x->p + x->len, s, n);
	x->len += n;
	x->p[x->len] = '\0';
}

/* Appends what fits under the cap and counts the rest. */
static void
textadd(struct text *x, const char *s, size_t n)
{
	size_t room;

	room = x->len < TEXTMAX ? TEXTMAX - x->len : 0;
	if (n > room) {
		x->cut += n - room;
		n = room;
	}
	textput(x, s, n);
}

static void
textline(struct text *x, const char *s, size_t n)
{
	textadd(x, s, n);
	textadd(x, "\n", 1);
}

/* Closes a text, saying on a line of its own how much the cap cut. */
static void
textend(struct text *x)
{
	char note[64];

	textput(x, "", 0);	/* allocates: a delivered text is never NULL */
	if (x->cut == 0)
		return;
	if (x->len > 0 && x->p[x->len - 1] != '\n')
		textput(x, "\n", 1);
	snprintf(note, sizeof(note), "[... %zu more bytes cut]\n", x->cut);
	textput(x, note, strlen(note));
}

/* How much of an n-byte line a problem quotes, and what follows. */
static int
qlen(size_t n)
{
	return n > QUOTEMAX ? QUOTEMAX : (int)n;
}

static const char *
qmore(size_t n)
{
	return n > QUOTEMAX ? "..." : "";
}

/* Notes "line N: what"; past MAXPROBS of a kind, only counts it. */
static void
problem(struct tap *t, int kind, unsigned long line, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int len;

	if (t->nprob[kind]++ >= MAXPROBS)
		return;
	len = snprintf(buf, sizeof(buf), "line %lu: ", line);
	va_start(ap, fmt);
	vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	textline(&t->probs, buf, strlen(buf));
}

/*
 * Hands one result to the caller's function: its name and reason of
 * namelen and reasonlen bytes (a NUL in one does not end it), its text.
 */
static void
deliver(struct tap *t, struct tap_result *r, const struct text *x)
{
	r->text = x != NULL ? x->p : "";
	r->textlen = x != NULL ? x->len : 0;
	t->fn(t->arg, r);
}

/* Delivers the pending point, if any. */
static void
flushpoint(struct tap *t)
{
	struct tap_result r;
	char note[96];
	int failed;

	if (!t->pending)
		return;
	t->pending = 0;
	if (t->pkind == TAP_FAILURE)
		t->nfailed++;
	failed = t->pkind == TAP_FAILURE || t->pkind == TAP_XFAIL;
	if (t->pothercut > 0) {
		snprintf(note, sizeof(note), "[%zu more bytes of output cut; "
		    "test.log has them]", t->pothercut);
		textline(&t->ptext, note, strlen(note));
	}
	t->potherlen = t->pothercut = 0;
	if (failed)
		textend(&t->ptext);
	r.kind = t->pkind;
	r.name = t->pname;
	r.namelen = t->pnamelen;
	r.reason = t->preason;
	r.reasonlen = t->preasonlen;
	r.class = failed ? CLASS_FAIL : "";
	deliver(t, &r, failed ? &t->ptext : NULL);
	free(t->pname);
	free(t->preason);
	t->pname = t->preason = NULL;
	t->ptext.len = t->ptext.cut = 0;
}

/*
 * The old "todo 3 5;" tail of a plan: stores the numbers in list (if
 * not NULL) and returns how many there are, 0 if it is not one.
 */
static size_t
todoplan(const char *p, size_t n, unsigned long *list)
{
	unsigned long v;
	size_t i, j, k, nnum = 0;

	if (!prefix(p, n, "todo", 1))
		return 0;
	for (i = 4;; i = k) {
		j = skipblanks(p, n, i);
		k = number(p, n, j, &v);
		if (j == i || k == j)
			break;
		if (list != NULL)
			list[nnum] = v;
		nnum++;
	}
	i = skipblanks(p, n, i);
	if (i < n && p[i] == ';')
		i = skipblanks(p, n, i + 1);
	return i == n ? nnum : 0;
}

/*
 * A line starting with "1..": returns 1 for a plan, with *rest at its
 * "#" or "todo" (n if none), or -1 for a malformed one.
 */
static int
parseplan(const char *p, size_t n, unsigned long *count, size_t *rest)
{
	size_t i, j;

	i = number(p, n, 3, count);
	if (i == 3 || *count == ULONG_MAX)
		return -1;
	j = skipblanks(p, n, i);
	*rest = j;
	if (j == n)
		return 1;
	if (p[j] == '#' || todoplan(p + j, n - j, NULL) > 0)
		return 1;
	return -1;
}

/* "TAP version N", N any number. */
static int
isversion(const char *p, size_t n)
{
	unsigned long v;
	size_t i, j;

	if (!word(p, n, "TAP version"))
		return 0;
	i = skipblanks(p, n, 11);
	j = number(p, n, i, &v);
	return j > i && skipblanks(p, n, j) == n;
}

/* "pragma +NAME" or "pragma -NAME": returns '+' or '-', 0 if neither. */
static int
pragma(const char *p, size_t n, const char **name, size_t *len)
{
	size_t i, j;

	if (!word(p, n, "pragma"))
		return 0;
	i = skipblanks(p, n, 6);
	if (i == n || (p[i] != '+' && p[i] != '-'))
		return 0;
	for (j = i + 1; j < n && !blank(p[j]); j++)
		;
	if (j == i + 1 || skipblanks(p, n, j) != n)
		return 0;
	*name = p + i + 1;
	*len = j - i - 1;
	return p[i];
}

static int
kindof(const char *p, size_t n)
{
	const char *name;
	unsigned long count;
	size_t len;

	if (word(p, n, "ok") || word(p, n, "not ok"))
		return LPOINT;
	if (prefix(p, n, "1..", 0))
		return parseplan(p, n, &count, &len) > 0 ? LPLAN : LBADPLAN;
	if (isversion(p, n))
		return LVERSION;
	if (pragma(p, n, &name, &len) != 0)
		return LPRAGMA;
	if (prefix(p, n, "bail out!", 1))
		return LBAIL;
	return LOTHER;
}

/* A blank-terminated line of just "---" or "...". */
static int
marker(const char *p, size_t n, const char *m)
{
	return prefix(p, n, m, 0) && skipblanks(p, n, 3) == n;
}

/* The 1..0 plan's "# reason": a leading SKIP word and colons go. */
static char *
skipreason(const char *p, size_t n, size_t *len)
{
	size_t i;

	i = skipblanks(p, n, 0);
	if (prefix(p + i, n - i, "skip", 1) &&
	    (i + 4 == n || blank(p[i + 4]) || p[i + 4] == ':'))
		for (i += 4; i < n && (blank(p[i]) || p[i] == ':'); i++)
			;
	*len = trimblanks(p + i, n - i);
	return xmemdup(p + i, *len);
}

static void
plan(struct tap *t, const char *p, size_t n)
{
	unsigned long count;
	size_t rest;

	n = trimblanks(p, n);
	if (parseplan(p, n, &count, &rest) < 0) {
		t->badplan = 1;
		problem(t, PPLAN, t->lineno, "malformed plan: %.*s%s",
		    qlen(n), p, qmore(n));
		return;
	}
	if (t->planned) {
		problem(t, PPLAN, t->lineno, "second plan: %.*s%s",
		    qlen(n), p, qmore(n));
		return;
	}
	t->planned = 1;
	t->plan = count;
	t->planline = t->lineno;
	t->planlate = t->npoints > 0;
	if (rest == n)
		return;
	if (p[rest] == '#') {
		if (count == 0)
			t->skip = skipreason(p + rest + 1, n - rest - 1,
			    &t->skiplen);
		return;
	}
	t->todo = xreallocarray(NULL, n / 2 + 1, sizeof(*t->todo));
	t->ntodo = todoplan(p + rest, n - rest, t->todo);
	qsort(t->todo, t->ntodo, sizeof(*t->todo), cmpnum);
}

static void
version(struct tap *t, const char *p, size_t n)
{
	unsigned long v;
	size_t i, j;

	if (t->istap)
		problem(t, PVERSION, t->lineno,
		    "TAP version is not the first TAP line");
	i = skipblanks(p, n, 11);
	j = number(p, n, i, &v);
	if (v != 13 && v != 14)
		problem(t, PVERSION, t->lineno, "unknown TAP version %.*s%s",
		    qlen(j - i), p + i, qmore(j - i));
}

/* After a point's '#': SKIP or TODO, any case, any suffix, a reason. */
static int
directive(const char *p, size_t n, const char **why, size_t *whylen)
{
	size_t i;
	int dir;

	i = skipblanks(p, n, 0);
	if (prefix(p + i, n - i, "skip", 1))
		dir = DSKIP;
	else if (prefix(p + i, n - i, "todo", 1))
		dir = DTODO;
	else
		return DNONE;
	while (i < n && !blank(p[i]))
		i++;
	i = skipblanks(p, n, i);
	*why = p + i;
	*whylen = trimblanks(p + i, n - i);
	return dir;
}

static void
parsepoint(const char *p, size_t n, struct point *pt)
{
	unsigned long v;
	size_t i, j;

	pt->notok = p[0] == 'n';
	pt->num = NULL;
	pt->numlen = 0;
	i = skipblanks(p, n, pt->notok ? 6 : 2);
	j = number(p, n, i, &v);
	if (j > i && (j == n || blank(p[j]))) {
		pt->num = p + i;
		pt->numlen = j - i;
		i = skipblanks(p, n, j);
	}
	if (i < n && p[i] == '-')
		i = skipblanks(p, n, i + 1);
	for (j = i; j < n && p[j] != '#'; j++)
		if (p[j] == '\\' && j + 1 < n &&
		    (p[j + 1] == '#' || p[j + 1] == '\\'))
			j++;
	pt->dir = DNONE;
	pt->why = "";
	pt->whylen = 0;
	if (j < n)
		pt->dir = directive(p + j + 1, n - j - 1, &pt->why,
		    &pt->whylen);
	if (pt->dir == DNONE)
		j = n;
	pt->desc = p + i;
	pt->desclen = trimblanks(p + i, j - i);
}

/* "N - DESC" or "N", with \# and \\ in DESC undone; its length in *lenp. */
static char *
pointname(const struct point *pt, size_t *lenp)
{
	char *s;
	size_t i, len;

	s = xmalloc(pt->numlen + 3 + pt->desclen + 1);
	memcpy(s, pt->num, pt->numlen);
	len = pt->numlen;
	if (pt->desclen > 0) {
		memcpy(s + len, " - ", 3);
		len += 3;
	}
	for (i = 0; i < pt->desclen; i++) {
		if (pt->desc[i] == '\\' && i + 1 < pt->desclen &&
		    (pt->desc[i + 1] == '#' || pt->desc[i + 1] == '\\'))
			i++;
		s[len++] = pt->desc[i];
	}
	s[len] = '\0';
	*lenp = len;
	return s;
}

static int
pointkind(const struct point *pt)
{
	switch (pt->dir) {
	case DSKIP:
		return pt->notok ? TAP_FAILURE : TAP_SKIP;
	case DTODO:
		return pt->notok ? TAP_XFAIL : TAP_XPASS;
	default:
		return pt->notok ? TAP_FAILURE : TAP_SUCCESS;
	}
}

static int
istodo(const struct tap *t, unsigned long v)
{
	return t->ntodo > 0 && bsearch(&v, t->todo, t->ntodo,
	    sizeof(*t->todo), cmpnum) != NULL;
}

/* A top-level point: checks its number, then makes it pending. */
static void
point(struct tap *t, const char *p, size_t n)
{
	struct point pt;
	char num[32];
	unsigned long v;
	const char *dflt = "";

	parsepoint(p, n, &pt);
	t->npoints++;
	if (t->planned && t->planlate && !t->middle) {
		t->middle = 1;
		problem(t, PPLAN, t->planline,
		    "plan in the middle of the tests");
	}
	if (pt.num != NULL) {
		number(pt.num, pt.numlen, 0, &v);
		if (v != t->npoints)
			problem(t, PNUMBER, t->lineno,
			    "test %lu has number %.*s%s", t->npoints,
			    qlen(pt.numlen), pt.num, qmore(pt.numlen));
	} else {
		v = t->npoints;
		snprintf(num, sizeof(num), "%lu", v);
		pt.num = num;
		pt.numlen = strlen(num);
	}
	if (pt.dir == DNONE && istodo(t, v))
		pt.dir = DTODO;
	t->pkind = pointkind(&pt);
	if (t->pkind == TAP_SKIP)
		dflt = "no reason given";
	else if (t->pkind == TAP_XFAIL || t->pkind == TAP_XPASS)
		dflt = "Test expected to fail";
	else
		pt.whylen = 0;
	t->pname = pointname(&pt, &t->pnamelen);
	if (pt.whylen == 0) {
		pt.why = dflt;
		pt.whylen = strlen(dflt);
	}
	t->preason = xmemdup(pt.why, pt.whylen);
	t->preasonlen = pt.whylen;
	t->pending = 1;
	if (t->pkind == TAP_FAILURE || t->pkind == TAP_XFAIL)
		textline(&t->ptext, p, n);
	else
		flushpoint(t);
}

static void
toplevel(struct tap *t, int kind, const char *p, size_t n)
{
	const char *name;
	size_t len;
	int sign;

	switch (kind) {
	case LVERSION:
		version(t, p, n);
		break;
	case LPLAN:
	case LBADPLAN:
		plan(t, p, n);
		break;
	case LPOINT:
		point(t, p, n);
		break;
	case LPRAGMA:
		sign = pragma(p, n, &name, &len);
		if (len == 6 && memcmp(name, "strict", 6) == 0)
			t->strict = sign == '+';
		break;
	}
}

/* A line that is not TAP, nor a comment, YAML, subtest or blank line. */
static void
nottap(struct tap *t, const char *line, size_t len)
{
	if (t->strict && !t->bailed)
		problem(t, PSTRICT, t->lineno,
		    "not TAP under pragma +strict: %.*s%s",
		    qlen(len), line, qmore(len));
}

/* Inside a YAML block: returns 0 if the line ends it unterminated. */
static int
yaml(struct tap *t, const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len && i < t->yamlind && blank(line[i]); i++)
		;
	if (i < len && i < t->yamlind) {
		t->inyaml = 0;
		return 0;
	}
	if (t->pending)
		textline(&t->ptext, line, len);
	if (i == t->yamlind && marker(line + i, len - i, "..."))
		t->inyaml = 0;
	return 1;
}

static int
comment(struct tap *t, const char *line, size_t len, size_t ind)
{
	size_t i;

	i = skipblanks(line, len, ind + 1);
	if (prefix(line + i, len - i, "Subtest", 0)) {
		flushpoint(t);
		t->afterpoint = 0;
	} else if (t->pending) {
		textline(&t->ptext, line, len);
	}
	return 0;
}

static int
bail(struct tap *t, const char *p, size_t n, int top)
{
	flushpoint(t);
	t->afterpoint = 0;
	if (!t->bailed) {
		t->bailed = 1;
		t->baillen = trimblanks(p, n);
		t->bail = xmemdup(p, t->baillen);
	}
	t->istap = 1;
	return top;
}

/* An indented line: a YAML block's start, a subtest line, or junk. */
static int
indented(struct tap *t, const char *line, size_t len, size_t ind, int kind)
{
	if (kind == LOTHER && t->afterpoint &&
	    marker(line + ind, len - ind, "---")) {
		t->inyaml = 1;
		t->yamlind = ind;
		if (t->pending)
			textline(&t->ptext, line, len);
		return 0;
	}
	flushpoint(t);
	t->afterpoint = kind == LPOINT;
	if (kind == LOTHER)
		nottap(t, line, len);
	return 0;
}

struct tap *
tap_new(tap_fn *fn, void *arg)
{
	static const struct tap zero;
	struct tap *t;

	t = xmalloc(sizeof(*t));
	*t = zero;
	t->fn = fn;
	t->arg = arg;
	return t;
}

void
tap_free(struct tap *t)
{
	if (t == NULL)
		return;
	free(t->skip);
	free(t->todo);
	free(t->pname);
	free(t->preason);
	free(t->ptext.p);
	free(t->probs.p);
	free(t->bail);
	free(t);
}

/* A failing point waits for the next point: other output is its. */
static int
failing(const struct tap *t)
{
	return t->pending && t->pkind == TAP_FAILURE;
}

/*
 * A line of other output (non-TAP stdout, stderr) after a failing
 * point: its text, under "--- output ---", up to OTHERMAX bytes.
 */
static void
other(struct tap *t, const char *line, size_t len)
{
	if (t->potherlen + len + 1 > OTHERMAX) {
		t->pothercut += len + 1;
		return;
	}
	if (t->potherlen == 0)	/* the first line kept */
		textline(&t->ptext, "--- output ---", 14);
	textline(&t->ptext, line, len);
	t->potherlen += len + 1;
}

void
tap_other(struct tap *t, const char *line, size_t len)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (failing(t) && !t->inyaml)
		other(t, line, len);
}

int
tap_line(struct tap *t, const char *line, size_t len)
{
	size_t ind;
	int kind;

	t->lineno++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (t->inyaml && yaml(t, line, len))
		return 0;
	ind = skipblanks(line, len, 0);
	if (ind == len && failing(t)) {
		other(t, line, len);
		t->afterpoint = 0;
		return 0;
	}
	if (ind == len) {
		flushpoint(t);
		t->afterpoint = 0;
		return 0;
	}
	if (line[ind] == '#')
		return comment(t, line, len, ind);
	kind = kindof(line + ind, len - ind);
	if (kind == LBAIL)
		return bail(t, line + ind, len - ind, ind == 0);
	if (ind > 0)
		return indented(t, line, len, ind, kind);
	if (kind == LOTHER && failing(t)) {
		nottap(t, line, len);
		other(t, line, len);
		t->afterpoint = 0;
		return 0;
	}
	flushpoint(t);
	t->afterpoint = kind == LPOINT;
	if (kind == LOTHER) {
		nottap(t, line, len);
		return 0;
	}
	if (!t->bailed)
		toplevel(t, kind, line, len);
	t->istap = 1;
	return 1;
}

int
tap_istap(const struct tap *t)
{
	return t->istap;
}

/*
 * Lists the problems noted, then the plan's count against the points
 * run (not after a bail out, which explains it); returns whether the
 * file broke any rule of the format.
 */
static int
problems(const struct tap *t, struct text *x)
{
	char buf[128];
	int i, bad = 0;

	if (t->probs.len > 0)
		textadd(x, t->probs.p, t->probs.len);
	for (i = 0; i < NPKIND; i++) {
		if (t->nprob[i] > 0)
			bad = 1;
		if (t->nprob[i] <= MAXPROBS)
			continue;
		snprintf(buf, sizeof(buf), "... and %lu more %s",
		    t->nprob[i] - MAXPROBS, pkindname[i]);
		textline(x, buf, strlen(buf));
	}
	if (t->bailed)
		return bad;
	if (!t->planned && !t->badplan)
		snprintf(buf, sizeof(buf), "no plan");
	else if (t->planned && t->plan != t->npoints)
		snprintf(buf, sizeof(buf), "planned %lu test%s but ran %lu",
		    t->plan, t->plan == 1 ? "" : "s", t->npoints);
	else
		return bad;
	textline(x, buf, strlen(buf));
	return 1;
}

/*
 * The extra error's class, first match wins: a bail out; the class of
 * how the process ended unless that is a plain non-zero exit (a
 * time-out or a signal says more than a plan cut short by it); a
 * broken format; the non-zero exit.
 */
static const char *
errclass(const struct tap *t, int bad, const char *how, const char *class)
{
	if (class == NULL)
		class = CLASS_FAIL;
	if (t->bailed)
		return CLASS_HARD;
	if (how != NULL && strcmp(class, CLASS_FAIL) != 0)
		return class;
	if (bad)
		return CLASS_BADTAP;
	return class;
}

void
tap_end(struct tap *t, const char *how, const char *class)
{
	struct text x = { NULL, 0, 0, 0 };
	struct tap_result r;
	int bad;

	flushpoint(t);
	t->inyaml = 0;
	r.name = NULL;
	r.namelen = 0;
	r.class = "";
	if (t->planned && t->plan == 0 && t->npoints == 0) {
		r.kind = TAP_SKIP;
		r.reason = "no reason given";
		r.reasonlen = strlen(r.reason);
		if (t->skip != NULL && t->skiplen > 0) {
			r.reason = t->skip;
			r.reasonlen = t->skiplen;
		}
		deliver(t, &r, NULL);
	}
	if (t->bail != NULL)
		textline(&x, t->bail, t->baillen);
	bad = problems(t, &x);
	/*
	 * A plain non-zero exit is no problem when a point failed: Test::More
	 * and git's test-lib exit so because points failed.
	 */
	if (how != NULL && class != NULL && strcmp(class, CLASS_FAIL) == 0 &&
	    t->nfailed > 0)
		how = NULL;
	if (how != NULL)
		textline(&x, how, strlen(how));
	if (x.len > 0) {
		textend(&x);
		r.kind = TAP_ERROR;
		r.reason = "";
		r.reasonlen = 0;
		r.class = errclass(t, bad, how, class);
		deliver(t, &r, &x);
	}
	free(x.p);
}
