/*
 * reporter.c: the DistReporter and trial's tree report.
 *
 * Tests run at the same time on worker slots, so results arrive
 * interleaved.  Each slot holds its test's results from reporter_start
 * until the test's Run is answered (reporter_stop), and only then is
 * the whole block printed, so blocks never interleave and appear in
 * completion order, as trial's DistReporter replays them.
 *
 * The tree is trial's TreeReporter byte for byte (REFERENCE.md 2.2):
 * a result's tree levels come from its test file's path, or from a
 * dotted Python id by trial's rule; a level is printed when it differs
 * from the same level of the test printed before (level by level, as
 * trial compares them); the status ends in column 79, counted in code
 * points.  At the end come trial's sections (2.3), equal texts grouped
 * through a hash table, and its footer (2.4).  Section texts are
 * rendered when a result arrives, since the frames and strings of a
 * struct rep_result live only as long as the call.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amp.h"
#include "reporter.h"
#include "stream.h"
#include "util.h"

#define COLUMNS 79
#define NKIND 6
#define NFLAVOUR 5

/* One result held until its test's block is printed. */
struct held {
	int kind;
	char *name;
	unsigned char *text;	/* the section text; NULL for a success */
	size_t textlen;
};

struct slot {
	int busy;
	int isfile;
	char *test;		/* the Run's test, NULL if none was started */
	struct held *res;
	size_t n, cap;
};

/* The tests of one section entry: one flavour, one text. */
struct group {
	unsigned char *text;
	size_t len;
	uint64_t hash;
	int flavour;
	char **name;
	size_t n, cap;
};

struct section {
	struct group **group;	/* in order of first occurrence */
	size_t n, cap;
};

struct reporter {
	FILE *out;
	int color;
	struct slot *slot;
	size_t nslot;
	char *seg[2];		/* tree levels of the test printed last */
	size_t nseg;
	size_t count[NKIND];	/* results of this pass, by REP_ kind */
	size_t nrun;		/* blocks printed in this pass */
	struct section sect[NFLAVOUR];
	struct group **hash;	/* every group, open addressing */
	size_t hashcap, ngroup;
	struct buf blk;		/* the block being printed */
	int progress;		/* a status line is on the terminal */
};

struct frame {
	const unsigned char *fn, *file, *line;
	size_t fnlen, filelen, linelen;
};

static const struct {
	const char *status;	/* in the tree, and the section's title */
	int color;		/* ANSI, as trial's TreeReporter */
	int flavour;		/* its section, -1 for none */
} kinds[NKIND] = {
	[REP_SUCCESS] = { "[OK]", 32, -1 },
	[REP_FAILURE] = { "[FAIL]", 31, 2 },
	[REP_ERROR] = { "[ERROR]", 31, 3 },
	[REP_SKIP] = { "[SKIPPED]", 34, 0 },
	[REP_XFAIL] = { "[TODO]", 34, 1 },
	[REP_XPASS] = { "[SUCCESS!?!]", 31, 4 },
};

/* Sections in trial's order. */
static const int flavours[NFLAVOUR] = {
	REP_SKIP, REP_XFAIL, REP_FAILURE, REP_ERROR, REP_XPASS,
};

/* The footer's counts in trial's order. */
static const struct {
	int kind;
	const char *name;
} counts[NKIND] = {
	{ REP_SKIP, "skips" },
	{ REP_XFAIL, "expectedFailures" },
	{ REP_FAILURE, "failures" },
	{ REP_ERROR, "errors" },
	{ REP_XPASS, "unexpectedSuccesses" },
	{ REP_SUCCESS, "successes" },
};

/* Code points in UTF-8 text: Python's len() of the decoded string. */
static size_t
ulen(const unsigned char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			n++;
	return n;
}

static void
addn(struct buf *b, int c, size_t n)
{
	if (n == 0)
		return;
	buf_reserve(b, n);
	memset(b->data + b->len, c, n);
	b->len += n;
}

/* Appends the text and a newline unless it already ends in one. */
static void
addline(struct buf *b, const void *p, size_t len)
{
	buf_add(b, p, len);
	if (len == 0 || ((const unsigned char *)p)[len - 1] != '\n')
		buf_addc(b, '\n');
}

static void
addcolor(const struct reporter *r, struct buf *b, const char *s, int color)
{
	char esc[16];

	if (!r->color) {
		buf_addstr(b, s);
		return;
	}
	snprintf(esc, sizeof(esc), "\033[%d;1m", color);
	buf_addstr(b, esc);
	buf_addstr(b, s);
	buf_addstr(b, "\033[0m");
}

/*
 * Python's repr() of a str: single quotes unless the text holds ' and
 * no ".  XXX: Python also escapes the non-printable characters beyond
 * Latin-1 (U+2028, U+FEFF, ...); they pass through here.
 */
static void
pyrepr(struct buf *b, const char *s)
{
	const unsigned char *p;
	char hex[8];
	int q = '\'';

	if (strchr(s, '\'') != NULL && strchr(s, '"') == NULL)
		q = '"';
	buf_addc(b, q);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == q || *p == '\\') {
			buf_addc(b, '\\');
			buf_addc(b, *p);
		} else if (*p == '\n')
			buf_addstr(b, "\\n");
		else if (*p == '\r')
			buf_addstr(b, "\\r");
		else if (*p == '\t')
			buf_addstr(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f) {
			snprintf(hex, sizeof(hex), "\\x%02x", *p);
			buf_addstr(b, hex);
		} else if (*p == 0xc2 && ((p[1] >= 0x80 && p[1] <= 0xa0) ||
		    p[1] == 0xad)) {
			/* C1 controls, no-break space, soft hyphen */
			snprintf(hex, sizeof(hex), "\\x%02x", *++p);
			buf_addstr(b, hex);
		} else
			buf_addc(b, *p);
	}
	buf_addc(b, q);
}

/* Python's os.path.splitext(os.path.basename(file))[0] == mod. */
static int
modis(const unsigned char *file, size_t len, const char *mod)
{
	size_t base = len, end = len, dot, i;

	while (base > 0 && file[base - 1] != '/')
		base--;
	for (dot = len; dot > base && file[dot - 1] != '.'; dot--)
		;
	if (dot > base) {
		/* A dot that only leading dots precede starts no suffix. */
		for (i = base; i < dot - 1; i++)
			if (file[i] != '.') {
				end = dot - 1;
				break;
			}
	}
	return end - base == strlen(mod) && memcmp(file + base, mod,
	    end - base) == 0;
}

/* Is the frame the function fn in the module mod? */
static int
at(const struct frame *f, const char *fn, const char *mod)
{
	return f->fnlen == strlen(fn) && memcmp(f->fn, fn, f->fnlen) == 0 &&
	    modis(f->file, f->filelen, mod);
}

/*
 * trial's _trimFrames: drops the framework's frames around the test's
 * own (REFERENCE.md 2.3).  Returns the first frame to print and sets
 * *n to how many to print.
 */
static struct frame *
trim(struct frame *f, size_t *n)
{
	size_t i, k, drop = 0;

	if (*n < 2)
		return f;
	if (at(&f[0], "_run", "_synctest") &&
	    at(&f[1], "runWithWarningsSuppressed", "util"))
		drop = 2;
	else if (at(&f[0], "maybeDeferred", "defer") &&
	    at(&f[1], "runWithWarningsSuppressed", "utils"))
		drop = 3;
	else if (at(&f[0], "_runCallbacks", "defer"))
		drop = 1;
	/* Python 3's re-raising frame in twisted.python.compat goes too. */
	for (i = k = 0; i < *n; i++)
		if (!at(&f[i], "reraise", "compat"))
			f[k++] = f[i];
	if (drop > k)
		drop = k;
	*n = k - drop;
	f += drop;
	if (*n > 0 && f[*n - 1].fnlen >= 4 &&
	    memcmp(f[*n - 1].fn, "fail", 4) == 0 &&
	    modis(f[*n - 1].file, f[*n - 1].filelen, "_synctest"))
		(*n)--;
	return f;
}

static int
isstrip(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c &&
	    c <= 0x1f);
}

/* Appends line n of the file, stripped, as Python's linecache would. */
static void
addsource(struct buf *b, const struct frame *f)
{
	char *path, *s, *end;
	size_t cap = 0, len, i;
	long n;
	ssize_t got = -1;
	FILE *fp = NULL;

	path = xmemdup(f->file, f->filelen);
	s = xmemdup(f->line, f->linelen);
	n = strtol(s, &end, 10);
	if (f->linelen > 0 && *end == '\0' && n > 0 &&
	    strlen(path) == f->filelen)
		fp = fopen(path, "r");
	free(path);
	free(s);
	s = NULL;
	if (fp == NULL)
		return;
	while (n-- > 0 && (got = getline(&s, &cap, fp)) >= 0)
		;
	fclose(fp);
	if (got > 0) {
		len = (size_t)got;
		for (i = 0; i < len && isstrip((unsigned char)s[i]); i++)
			;
		while (len > i && isstrip((unsigned char)s[len - 1]))
			len--;
		if (amp_utf8ok((unsigned char *)s + i, len - i))
			buf_add(b, s + i, len - i);
	}
	free(s);
}

/* trial's traceback rebuilt from a Twisted worker's frames. */
static void
traceback(struct buf *b, const struct rep_result *res)
{
	const unsigned char *p = res->frames, *e[3];
	struct frame *f = NULL, *show;
	size_t len = res->frameslen, el[3], n = 0, cap = 0, i;

	for (;;) {
		for (i = 0; i < 3; i++)
			if (amp_list_next(&p, &len, &e[i], &el[i]) != 1)
				break;
		if (i < 3)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			f = xreallocarray(f, cap, sizeof(*f));
		}
		f[n].fn = e[0];
		f[n].file = e[1];
		f[n].line = e[2];
		f[n].fnlen = el[0];
		f[n].filelen = el[1];
		f[n].linelen = el[2];
		n++;
	}
	show = trim(f, &n);
	buf_addstr(b, "Traceback (most recent call last):\n");
	for (i = 0; i < n; i++) {
		buf_addstr(b, "  File \"");
		buf_add(b, show[i].file, show[i].filelen);
		buf_addstr(b, "\", line ");
		buf_add(b, show[i].line, show[i].linelen);
		buf_addstr(b, ", in ");
		buf_add(b, show[i].fn, show[i].fnlen);
		buf_addstr(b, "\n    ");
		addsource(b, &show[i]);
		buf_addc(b, '\n');
	}
	if (n == 0)
		buf_addstr(b, "Failure: ");
	buf_addstr(b, res->class != NULL ? res->class : "");
	buf_addstr(b, ": ");
	buf_add(b, res->text, res->text != NULL ? res->textlen : 0);
	buf_addc(b, '\n');
	free(f);
}

/* The text of the result's section entry (REFERENCE.md 2.3). */
static void
render(struct buf *b, const struct rep_result *res)
{
	size_t textlen = res->text != NULL ? res->textlen : 0;
	const char *reason = res->reason != NULL ? res->reason : "";

	switch (res->kind) {
	case REP_SKIP:
		buf_addstr(b, reason);
		buf_addc(b, '\n');
		break;
	case REP_XFAIL:
	case REP_XPASS:
		buf_addstr(b, "Reason: ");
		pyrepr(b, reason);
		buf_addc(b, '\n');
		if (res->kind == REP_XFAIL && textlen > 0)
			addline(b, res->text, textlen);
		break;
	case REP_FAILURE:
	case REP_ERROR:
		if (res->frameslen > 0)
			traceback(b, res);
		else if (textlen > 0)
			addline(b, res->text, textlen);
		else
			addline(b, res->class != NULL ? res->class : "",
			    res->class != NULL ? strlen(res->class) : 0);
		break;
	}
}

struct reporter *
reporter_new(FILE *out, int color)
{
	struct reporter *r;

	r = xmalloc(sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->color = color;
	return r;
}

static void
dropheld(struct slot *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->res[i].name);
		free(s->res[i].text);
	}
	s->n = 0;
	free(s->test);
	s->test = NULL;
	s->busy = 0;
}

void
reporter_free(struct reporter *r)
{
	size_t i;

	if (r == NULL)
		return;
	reporter_reset(r);
	for (i = 0; i < r->nslot; i++) {
		dropheld(&r->slot[i]);
		free(r->slot[i].res);
	}
	free(r->slot);
	buf_free(&r->blk);
	free(r);
}

static struct slot *
getslot(struct reporter *r, int slot)
{
	size_t n;

	if (slot < 0)
		fatal("reporter: bad worker slot %d", slot);
	if ((size_t)slot >= r->nslot) {
		n = (size_t)slot + 1 > r->nslot * 2 ? (size_t)slot + 1 :
		    r->nslot * 2;
		r->slot = xreallocarray(r->slot, n, sizeof(*r->slot));
		memset(r->slot + r->nslot, 0,
		    (n - r->nslot) * sizeof(*r->slot));
		r->nslot = n;
	}
	return &r->slot[slot];
}

/* Erases the status line, if one is shown, before other output. */
static void
unprogress(struct reporter *r)
{
	if (!r->progress)
		return;
	fputs("\r\033[K", r->out);
	r->progress = 0;
}

void
reporter_progress(struct reporter *r, const char *line)
{
	unprogress(r);
	if (line != NULL) {
		fputs(line, r->out);
		r->progress = 1;
	}
	fflush(r->out);
}

size_t
reporter_problems(const struct reporter *r)
{
	return r->count[REP_FAILURE] + r->count[REP_ERROR];
}

void
reporter_begin(struct reporter *r, size_t ntests)
{
	unprogress(r);
	fprintf(r->out, "Running %zu tests.\n", ntests);
	fflush(r->out);
}

/* A slot still busy has its block printed first: nothing is lost. */
void
reporter_start(struct reporter *r, int slot, const char *test, int isfile)
{
	struct slot *s;

	s = getslot(r, slot);
	if (s->busy)
		reporter_stop(r, slot);
	s->test = xstrdup(test != NULL ? test : "");
	s->isfile = isfile;
	s->busy = 1;
}

void
reporter_add(struct reporter *r, int slot, const struct rep_result *res)
{
	struct slot *s;
	struct held *h;
	struct buf b = { 0 };

	if (res->kind < 0 || res->kind >= NKIND)
		fatal("reporter: bad result kind %d", res->kind);
	s = getslot(r, slot);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->res = xreallocarray(s->res, s->cap, sizeof(*s->res));
	}
	h = &s->res[s->n++];
	h->kind = res->kind;
	if (res->name != NULL)
		h->name = xstrdup(res->name);
	else
		h->name = xstrdup(s->test != NULL ? s->test : "");
	h->text = NULL;
	h->textlen = 0;
	if (res->kind != REP_SUCCESS) {
		render(&b, res);
		h->text = b.data;
		h->textlen = b.len;
	}
	s->busy = 1;
}

/*
 * Splits a result's name into tree levels and leaf: under its test's
 * path for a file, else by trial's rule for a dotted id (the module,
 * then the class; empty levels dropped).
 */
static size_t
levels(const struct slot *s, const char *name, const char *seg[2],
    size_t seglen[2], const char **leaf)
{
	const char *dot, *mid;
	size_t len, n = 0;

	*leaf = name;
	if (s->isfile && s->test != NULL) {
		len = strlen(s->test);
		if (strncmp(name, s->test, len) == 0 && name[len] == ' ') {
			seg[0] = name;
			seglen[0] = len;
			*leaf = name + len + 1;
			return 1;
		}
		return 0;
	}
	if ((dot = strrchr(name, '.')) == NULL)
		return 0;
	*leaf = dot + 1;
	for (mid = dot; mid > name && mid[-1] != '.'; mid--)
		;
	if (mid > name && mid - 1 > name) {
		seg[n] = name;
		seglen[n++] = (size_t)(mid - 1 - name);
	}
	if (dot > mid) {
		seg[n] = mid;
		seglen[n++] = (size_t)(dot - mid);
	}
	return n;
}

/*
 * Writes the levels that differ from the last test's, then the test's
 * line; returns that line's length in code points.
 */
static size_t
testline(struct reporter *r, const struct slot *s, const char *name)
{
	const char *seg[2], *leaf;
	size_t seglen[2], n, i, start;

	n = levels(s, name, seg, seglen, &leaf);
	for (i = 0; i < n; i++) {
		if (i < r->nseg && strlen(r->seg[i]) == seglen[i] &&
		    memcmp(r->seg[i], seg[i], seglen[i]) == 0)
			continue;
		addn(&r->blk, ' ', 2 * i);
		buf_add(&r->blk, seg[i], seglen[i]);
		buf_addc(&r->blk, '\n');
	}
	for (i = 0; i < r->nseg; i++)
		free(r->seg[i]);
	for (i = 0; i < n; i++)
		r->seg[i] = xmemdup(seg[i], seglen[i]);
	r->nseg = n;
	start = r->blk.len;
	addn(&r->blk, ' ', 2 * n);
	buf_addstr(&r->blk, leaf);
	buf_addstr(&r->blk, " ... ");
	return ulen(r->blk.data + start, r->blk.len - start);
}

static void
rehash(struct reporter *r)
{
	struct group **old = r->hash;
	size_t oldcap = r->hashcap, mask, i, j;

	r->hashcap = oldcap ? oldcap * 2 : 64;
	r->hash = xreallocarray(NULL, r->hashcap, sizeof(*r->hash));
	for (i = 0; i < r->hashcap; i++)
		r->hash[i] = NULL;
	mask = r->hashcap - 1;
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		for (j = (size_t)old[i]->hash & mask; r->hash[j] != NULL;
		    j = (j + 1) & mask)
			;
		r->hash[j] = old[i];
	}
	free(old);
}

/* The group of the result's flavour and text; takes the text. */
static struct group *
lookup(struct reporter *r, struct held *h)
{
	struct section *sec;
	struct group *g;
	int flav = kinds[h->kind].flavour;
	uint64_t hash = UINT64_C(14695981039346656037);
	size_t i, mask;

	/* FNV-1a over the flavour and the text */
	hash = (hash ^ (uint64_t)flav) * UINT64_C(1099511628211);
	for (i = 0; i < h->textlen; i++)
		hash = (hash ^ h->text[i]) * UINT64_C(1099511628211);
	if ((r->ngroup + 1) * 2 > r->hashcap)
		rehash(r);
	mask = r->hashcap - 1;
	for (i = (size_t)hash & mask; (g = r->hash[i]) != NULL;
	    i = (i + 1) & mask)
		if (g->hash == hash && g->flavour == flav &&
		    g->len == h->textlen &&
		    memcmp(g->text, h->text, h->textlen) == 0) {
			free(h->text);
			h->text = NULL;
			return g;
		}
	g = xmalloc(sizeof(*g));
	memset(g, 0, sizeof(*g));
	g->text = h->text;
	g->len = h->textlen;
	g->hash = hash;
	g->flavour = flav;
	h->text = NULL;
	r->hash[i] = g;
	r->ngroup++;
	sec = &r->sect[flav];
	if (sec->n == sec->cap) {
		sec->cap = sec->cap ? sec->cap * 2 : 16;
		sec->group = xreallocarray(sec->group, sec->cap,
		    sizeof(*sec->group));
	}
	sec->group[sec->n++] = g;
	return g;
}

/* Counts the result and files it in its section; takes its strings. */
static void
tally(struct reporter *r, struct held *h)
{
	struct group *g;

	r->count[h->kind]++;
	if (kinds[h->kind].flavour < 0) {
		free(h->name);
		h->name = NULL;
		return;
	}
	g = lookup(r, h);
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 4;
		g->name = xreallocarray(g->name, g->cap, sizeof(*g->name));
	}
	g->name[g->n++] = h->name;
	h->name = NULL;
}

/*
 * The status ends in column 79 of the test's line; a second result of
 * the same test gets a line of its own, padded as if the test's line
 * (now stale) were still the current one, as trial does.
 */
static void
status(struct reporter *r, int kind, size_t linelen)
{
	const char *st = kinds[kind].status;
	size_t used = linelen + strlen(st);

	if (used < COLUMNS)
		addn(&r->blk, ' ', COLUMNS - used);
	addcolor(r, &r->blk, st, kinds[kind].color);
	buf_addc(&r->blk, '\n');
}

/*
 * Prints the slot's block and files its results.  A test without
 * results prints nothing (trial would leave "name ... " hanging) but is
 * counted in "Ran N tests".
 */
void
reporter_stop(struct reporter *r, int slot)
{
	struct slot *s;
	struct held *h;
	const char *prev = NULL;
	size_t i, linelen = 0;

	s = getslot(r, slot);
	if (!s->busy)
		return;
	r->blk.len = 0;
	for (i = 0; i < s->n; i++) {
		h = &s->res[i];
		if (prev == NULL || strcmp(prev, h->name) != 0)
			linelen = testline(r, s, h->name);
		status(r, h->kind, linelen);
		prev = h->name;
	}
	if (r->blk.len > 0) {
		unprogress(r);
		fwrite(r->blk.data, 1, r->blk.len, r->out);
		fflush(r->out);
	}
	for (i = 0; i < s->n; i++)
		tally(r, &s->res[i]);
	r->nrun++;
	dropheld(s);
}

void
reporter_discard(struct reporter *r, int slot)
{
	dropheld(getslot(r, slot));
}

void
reporter_line(struct reporter *r, const char *line)
{
	unprogress(r);
	fprintf(r->out, "%s\n", line);
	fflush(r->out);
}

static void
sections(struct reporter *r)
{
	const struct section *sec;
	const struct group *g;
	size_t f, i, k;
	char rule[COLUMNS + 2];

	memset(rule, '=', COLUMNS);
	rule[COLUMNS] = '\n';
	rule[COLUMNS + 1] = '\0';
	for (f = 0; f < NFLAVOUR; f++) {
		sec = &r->sect[f];
		for (i = 0; i < sec->n; i++) {
			g = sec->group[i];
			fputs(rule, r->out);
			fprintf(r->out, "%s\n", kinds[flavours[f]].status);
			fwrite(g->text, 1, g->len, r->out);
			fputc('\n', r->out);
			for (k = 0; k < g->n; k++)
				fprintf(r->out, "%s\n", g->name[k]);
		}
	}
}

/* The rule, "Ran N tests in X.XXXs" and PASSED or FAILED with counts. */
static void
footer(struct reporter *r, double seconds)
{
	struct buf b = { 0 };
	const char *sep = " (";
	size_t i, n;
	int failed;
	char num[64];

	addn(&b, '-', COLUMNS);
	buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, r->out);
	if (r->nrun > 0)
		fprintf(r->out, "Ran %zu tests in %.3fs\n", r->nrun, seconds);
	b.len = 0;
	buf_addc(&b, '\n');
	failed = reporter_failed(r);
	addcolor(r, &b, failed ? "FAILED" : "PASSED", failed ? 31 : 32);
	for (i = 0; i < NKIND; i++) {
		if ((n = r->count[counts[i].kind]) == 0)
			continue;
		snprintf(num, sizeof(num), "%s%s=%zu", sep, counts[i].name, n);
		buf_addstr(&b, num);
		sep = ", ";
	}
	if (*sep == ',')
		buf_addc(&b, ')');
	buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, r->out);
	buf_free(&b);
}

/*
 * Tests still held are printed first.  A report that could not be
 * written is a failure, not a success.
 */
void
reporter_end(struct reporter *r, double seconds)
{
	size_t i;

	for (i = 0; i < r->nslot; i++)
		reporter_stop(r, (int)i);
	unprogress(r);
	fputc('\n', r->out);
	sections(r);
	footer(r, seconds);
	if (fflush(r->out) == EOF || ferror(r->out))
		fatal("write error:");
}

/* Tests running on a slot stay; their blocks belong to the new pass. */
void
reporter_reset(struct reporter *r)
{
	struct group *g;
	size_t f, i, k;

	for (f = 0; f < NFLAVOUR; f++) {
		for (i = 0; i < r->sect[f].n; i++) {
			g = r->sect[f].group[i];
			for (k = 0; k < g->n; k++)
				free(g->name[k]);
			free(g->name);
			free(g->text);
			free(g);
		}
		free(r->sect[f].group);
		memset(&r->sect[f], 0, sizeof(r->sect[f]));
	}
	free(r->hash);
	r->hash = NULL;
	r->hashcap = r->ngroup = 0;
	for (i = 0; i < r->nseg; i++)
		free(r->seg[i]);
	r->nseg = 0;
	memset(r->count, 0, sizeof(r->count));
	r->nrun = 0;
}

int
reporter_failed(const struct reporter *r)
{
	return r->count[REP_FAILURE] > 0 || r->count[REP_ERROR] > 0;
}
