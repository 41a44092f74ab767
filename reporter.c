/*
 * reporter.c: the DistReporter, the machinery its formats share, and
 * the formats: trial's tree, text, summary and timing reports, and one
 * TAP stream.
 *
 * Tests run at the same time on worker slots, so results arrive
 * interleaved.  Each slot holds its test's results as a block from
 * reporter_start until the test's Run is answered (reporter_stop), and
 * only then is the block printed, so blocks never interleave and appear
 * in completion order, as trial's DistReporter replays them.  A test
 * that never ran (reporter_notrun) is a block of one result that no
 * slot holds.  A result's section text is rendered when it arrives,
 * since the frames and strings of a struct rep_result live only as long
 * as the call.
 *
 * How blocks look is a format's business: a row of the formats table,
 * whose functions print the start of the run, one block, a line between
 * blocks and the end of the run.  They write into the reporter's buffer,
 * which emit() hands to the output once the status line is erased, and
 * they may use the shared machinery: the counts by kind, trial's
 * sections (equal texts grouped through a hash table) and its
 * footer.  Printed blocks are counted and filed in their sections
 * whatever the format.  A format's own state lives in the reporter
 * beside the shared one.  Whatever the format, a printed block is also
 * handed to junit.c, a result at a time, for --junit-xml, and its time
 * and outcome kept for --state.
 *
 * Nothing a test wrote or named reaches the output as a control
 * character (visible(): \x1b): a result's section text is rendered so
 * when it arrives, and so handed to junit.c too; names are kept as they
 * came, since the tree compares them with the test's path, and shown so
 * when printed, as is the status line.
 *
 * The tree is trial's TreeReporter byte for byte:
 * a result's tree levels come from its test file's path, or from a
 * dotted Python id by trial's rule; a level is printed when it differs
 * from the same level of the test printed before (level by level, as
 * trial compares them); the status ends in column 79, counted in code
 * points.  At the end come the sections and the footer.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "junit.h"
#include "reporter.h"
#include "util.h"

#define COLUMNS 79
#define NKIND 6
#define NFLAVOUR 5

/*
 * What a block holds of a test's results past this many bytes goes to a
 * scratch file: the manager's memory does not grow with a test's
 * results (a million TAP points), only with the number of workers.
 */
#ifndef HOLDMAX
#define HOLDMAX (256 * 1024)
#endif
/* The output is handed on in pieces of about this size, even mid-block. */
#define EMITMAX (64 * 1024)

/*
 * One result of a block, as a format sees it while the block is printed;
 * its strings live until the next result is read.
 */
struct held {
	int kind;
	const char *name;
	const unsigned char *text;	/* the section text; NULL for a success */
	size_t textlen;
	const char *reason;	/* a skip's reason or a todo, else NULL */
	double secs;
};

/*
 * A held result as a record: this header, then the name and a NUL, the
 * text, the reason and a NUL.
 */
struct record {
	int kind;
	int hasreason;
	double secs;
	size_t namelen, textlen, reasonlen;
};

/*
 * One test's results, in the order they came: records in rec, the older
 * ones in the spill file once rec outgrew HOLDMAX.
 */
struct block {
	char *test;		/* the Run's test, NULL if none was started */
	int isfile;
	struct buf rec;		/* the newest records */
	FILE *spill;		/* the older records, or NULL */
	int nospill;		/* no scratch file: all in memory */
	size_t n;		/* its results */
	double secs;		/* their times summed, for --state */
	int failed;		/* one of them is a failure or an error */
	struct buf out;		/* its output, for JUnit's system-out */
};

/* Reads a block's records in order, the spill file's first. */
struct cursor {
	const struct block *b;
	FILE *f;		/* the spill file, until its end */
	size_t off;		/* then the next record in b->rec */
	struct buf tmp;		/* a record read from the file */
};

struct slot {
	int busy;
	struct block blk;
};

/*
 * The sections' texts and names, kept until the end of the pass: in
 * memory up to STOREMAX bytes, then in a scratch file (a million failing
 * points, each with its own text, would take hundreds of megabytes).
 * Bytes are found by their offset.  A file that cannot be written (a
 * full disk) is read back and the store stays in memory.
 */
#define STOREMAX (1024 * 1024)
#define NONE UINT64_MAX

struct store {
	struct buf mem;		/* everything, while there is no file */
	struct buf cmp;		/* a text read back, to compare */
	FILE *f;
	uint64_t size;
	int nofile;
};

/*
 * A name in the store: this header, then its bytes; next is the offset
 * of the group's next name, NONE for its last.
 */
struct nameh {
	uint64_t next;
	uint64_t len;
};

/* The tests of one section entry: one flavour, one text. */
struct group {
	uint64_t hash;
	uint64_t text;		/* in the store */
	size_t len;
	uint64_t first, last;	/* its names in the store, chained */
	int flavour;
};

struct section {
	size_t *group;		/* indices in r->group, by first occurrence */
	size_t n, cap;
};

/*
 * An output format.  Each function writes into the reporter's buffer;
 * result gets one test's held results one at a time (i counts them from
 * 0 in the block) before each is counted and filed in the sections;
 * reset forgets the format's own state, for a new pass and before the
 * reporter is freed.
 */
struct format {
	const char *name;
	const char *about;	/* for --help-reporters */
	void (*begin)(struct reporter *r, size_t ntests);
	void (*result)(struct reporter *r, const struct block *b,
	    const struct held *h, size_t i);
	void (*line)(struct reporter *r, const char *line);
	void (*end)(struct reporter *r, double seconds);
	void (*reset)(struct reporter *r);
	void (*blockend)(struct reporter *r);	/* after a block's last */
};

/*
 * The tree's own state: the levels of the test printed last, and in the
 * block being printed the name of the last result and its line's length.
 */
struct tree {
	char *seg[2];
	size_t nseg;
	struct buf prev;
	size_t linelen;
	int open;		/* bwverbose, timing: a test's line is open */
	double secs;		/* timing: that test's time so far */
};

struct reporter {
	FILE *out;
	const struct format *fmt;
	int color;
	struct slot *slot;
	size_t nslot;
	size_t count[NKIND];	/* results of this pass, by REP_ kind */
	size_t nrun;		/* blocks printed in this pass */
	struct section sect[NFLAVOUR];
	struct group *group;	/* every group */
	size_t ngroup, groupcap;
	size_t *hash;		/* index + 1 in group, 0 empty; open addressing */
	size_t hashcap;
	struct store store;
	struct buf buf;		/* the format's output, not yet emitted */
	int progress;		/* a status line is on the terminal */
	int begun;		/* reporter_begin: output goes out */
	int partial;		/* the output's last line is not ended */
	struct tree tree;
	size_t npoints;		/* the TAP format's points so far */
	struct junit *junit;	/* --junit-xml, or NULL */
	int tbformat;		/* TB_ */
	int realtime;		/* --rterrors */
	unsigned long nfailures;	/* Python tracebacks so far (cgitb) */
	int keepruns;		/* --state: the runs below are kept */
	struct run {
		char *test;
		double secs;
		int failed;
	} *runs;
	size_t nruns, runcap;
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

static void
addn(struct buf *b, int c, size_t n)
{
	if (n == 0)
		return;
	buf_reserve(b, n);
	memset(b->data + b->len, c, n);
	b->len += n;
}

/* Appends what printf would print. */
static void
addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("reporter: vsnprintf:");
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * The length of the control character that p starts, as the report
 * escapes it (C0 but tab and newline, DEL, C1), with its code in *c; 0
 * if it starts none.  C0 80 is a name's NUL (reporter.h).
 */
static size_t
control(const unsigned char *p, size_t len, int *c)
{
	if ((p[0] < 0x20 && p[0] != '\t' && p[0] != '\n') || p[0] == 0x7f) {
		*c = p[0];
		return 1;
	}
	if (len < 2 || p[1] < 0x80 || p[1] > 0x9f ||
	    (p[0] != 0xc2 && !(p[0] == 0xc0 && p[1] == 0x80)))
		return 0;
	*c = p[0] == 0xc2 ? p[1] : 0;
	return 2;
}

/* Copied as it is: neither a control's first byte nor a backslash. */
static int
plain(int c, int tap)
{
	if (c == '\t' || (c == '\n' && !tap))
		return 1;
	return c >= 0x20 && c != 0x7f && c != '\\' && c != 0xc0 &&
	    c != 0xc2 && !(tap && c == '#');
}

/* Repairs p to UTF-8, all but the C0 80 of a NUL in a name. */
static void
repairnul(struct buf *u, const unsigned char *p, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i = n + 2) {
		for (n = i; n < len && !(p[n] == 0xc0 && n + 1 < len &&
		    p[n + 1] == 0x80); n++)
			;
		utf8_repair(u, p + i, n - i);
		if (n < len)
			buf_add(u, "\xc0\x80", 2);
	}
}

/*
 * Appends what a test wrote, or named, as every format shows it
 * (disttrial(1), DESCRIPTION): nothing in it may act on a terminal.  Each
 * control character but tab and newline becomes \xHH, its code (ESC
 * \x1b, NUL \x00, DEL \x7f, U+009B \x9b); bytes that are not UTF-8
 * become U+FFFD.  So that \xHH reads one way only, a run of backslashes
 * just before an x or an escape is doubled (the text \x1b shows as
 * \\x1b); any other backslash, as in trial's tracebacks, stays as it
 * is.  tap: the TAP stream's one-line names, where TAP escapes every
 * backslash and #, and a newline becomes a blank.
 */
static void
visible(struct buf *b, const void *s, size_t len, int tap)
{
	static const char hex[] = "0123456789abcdef";
	struct buf u = { 0 };
	const unsigned char *p = s;
	size_t i = 0, n;
	char e[4] = { '\\', 'x', 0, 0 };
	int c;

	if (!utf8_valid(p, len)) {
		repairnul(&u, p, len);
		p = u.data;
		len = u.len;
	}
	while (i < len) {
		for (n = i; n < len && plain(p[n], tap); n++)
			;
		buf_add(b, p + i, n - i);
		if ((i = n) == len)
			break;
		if ((n = control(p + i, len - i, &c)) > 0) {
			e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			buf_add(b, e, 4);
		} else if (p[i] == '\\') {
			for (n = 1; i + n < len && p[i + n] == '\\'; n++)
				;
			buf_add(b, p + i, n);
			if (tap || (i + n < len && (p[i + n] == 'x' ||
			    control(p + i + n, len - i - n, &c) > 0)))
				buf_add(b, p + i, n);
		} else {
			n = 1;
			if (p[i] == '#')
				buf_addc(b, '\\');
			buf_addc(b, p[i] == '\n' ? ' ' : p[i]);
		}
		i += n;
	}
	buf_free(&u);
}

static void
addvis(struct buf *b, const void *p, size_t len)
{
	visible(b, p, len, 0);
}

static void
addvisstr(struct buf *b, const char *s)
{
	visible(b, s, strlen(s), 0);
}

/* Shown visibly, then a newline unless it already ends in one. */
static void
addline(struct buf *b, const void *p, size_t len)
{
	addvis(b, p, len);
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
reprstr(struct buf *b, const char *s)
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
		} else if (*p == 0xc0 && p[1] == 0x80) {
			buf_addstr(b, "\\x00");	/* a NUL (reporter.h) */
			p++;
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
modis(const char *file, size_t len, const char *mod)
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
at(const struct rep_frame *f, const char *fn, const char *mod)
{
	return f->funclen == strlen(fn) &&
	    memcmp(f->func, fn, f->funclen) == 0 &&
	    modis(f->file, f->filelen, mod);
}

/*
 * trial's _trimFrames: drops the framework's frames around the test's
 * own, as trial does.  Puts the frames to print in show (room for
 * n) and returns how many; the caller's frames stay as they are.
 */
static size_t
trimframes(const struct rep_frame *f, size_t n, const struct rep_frame **show)
{
	size_t i, k, drop = 0;

	if (n < 2) {
		for (i = 0; i < n; i++)
			show[i] = &f[i];
		return n;
	}
	if (at(&f[0], "_run", "_synctest") &&
	    at(&f[1], "runWithWarningsSuppressed", "util"))
		drop = 2;
	else if (at(&f[0], "maybeDeferred", "defer") &&
	    at(&f[1], "runWithWarningsSuppressed", "utils"))
		drop = 3;
	else if (at(&f[0], "_runCallbacks", "defer"))
		drop = 1;
	/*
	 * Python 3's re-raising frame in twisted.python.compat goes too,
	 * before the drop is counted.
	 */
	for (i = k = 0; i < n; i++) {
		if (at(&f[i], "reraise", "compat"))
			continue;
		if (drop > 0)
			drop--;
		else
			show[k++] = &f[i];
	}
	if (k > 0 && show[k - 1]->funclen >= 4 &&
	    memcmp(show[k - 1]->func, "fail", 4) == 0 &&
	    modis(show[k - 1]->file, show[k - 1]->filelen, "_synctest"))
		k--;
	return k;
}

static int
isstrip(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c &&
	    c <= 0x1f);
}

/* Appends line n of the file, stripped, as Python's linecache would. */
static void
addsource(struct buf *b, const struct rep_frame *f)
{
	char *path, *s, *end;
	size_t cap = 0, len, i;
	long n;
	ssize_t got = -1;
	FILE *fp = NULL;

	if (f->filelen == 0 || f->linelen == 0)
		return;
	path = xmemdup(f->file, f->filelen);
	s = xmemdup(f->line, f->linelen);
	n = strtol(s, &end, 10);
	if (*end == '\0' && n > 0 && strlen(path) == f->filelen)
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
		if (utf8_valid((unsigned char *)s + i, len - i))
			addvis(b, s + i, len - i);
	}
	free(s);
}

/*
 * Python's str() of the class a worker named: <class 'NAME'>, builtins'
 * without their module.
 */
static void
addclass(struct buf *b, const char *class)
{
	static const char bi[] = "builtins.";

	if (class == NULL)
		class = "";
	if (strncmp(class, bi, sizeof(bi) - 1) == 0 &&
	    strchr(class + sizeof(bi) - 1, '.') == NULL)
		class += sizeof(bi) - 1;
	buf_addstr(b, "<class '");
	addvisstr(b, class);
	buf_addstr(b, "'>");
}

/*
 * trial's traceback rebuilt from a Twisted worker's frames, in the
 * form --tbformat names (Twisted's Failure.printTraceback, its frames
 * trimmed as trial trims them):
 *   plain  "Traceback (most recent call last):", each frame with its
 *          source line, then "CLASS: TEXT"; with no frames left,
 *          "Failure: CLASS: TEXT";
 *   emacs  one line "Traceback: <class 'CLASS'>: TEXT" ("Traceback
 *          (failure with no frames)" without frames), then a
 *          FILE:LINE:FUNCTION line a frame;
 *   cgitb  between "*--- Failure #N ---" and "*--- End of Failure #N
 *          ---": a FILE:LINE: FUNCTION(...) line a frame, a note that
 *          no variables were captured, and "CLASS: TEXT" (with
 *          "Failure: " before it if there are no frames).  N counts
 *          the run's Python failures and errors from 1.
 */
static void
traceback(struct buf *b, const struct rep_result *res, int tbformat,
    unsigned long count)
{
	const struct rep_frame **show = NULL;
	const char *class = res->class != NULL ? res->class : "";
	size_t textlen = res->text != NULL ? res->textlen : 0;
	size_t n = 0, i;

	if (res->nframes > 0) {
		show = xreallocarray(NULL, res->nframes, sizeof(*show));
		n = trimframes(res->frames, res->nframes, show);
	}
	if (tbformat == TB_EMACS) {
		buf_addstr(b, n > 0 ? "Traceback: " :
		    "Traceback (failure with no frames): ");
		addclass(b, res->class);
		buf_addstr(b, ": ");
		addvis(b, res->text, textlen);
		buf_addc(b, '\n');
	} else if (tbformat == TB_CGITB) {
		addf(b, "*--- Failure #%lu ---\n", count);
	} else {
		buf_addstr(b, "Traceback (most recent call last):\n");
	}
	for (i = 0; i < n; i++) {
		if (tbformat == TB_PLAIN)
			buf_addstr(b, "  File \"");
		addvis(b, show[i]->file, show[i]->filelen);
		buf_addstr(b, tbformat == TB_PLAIN ? "\", line " : ":");
		addvis(b, show[i]->line, show[i]->linelen);
		buf_addstr(b, tbformat == TB_PLAIN ? ", in " :
		    tbformat == TB_CGITB ? ": " : ":");
		addvis(b, show[i]->func, show[i]->funclen);
		if (tbformat == TB_PLAIN) {
			buf_addstr(b, "\n    ");
			addsource(b, show[i]);
		} else if (tbformat == TB_CGITB) {
			buf_addstr(b, "(...)");
		}
		buf_addc(b, '\n');
	}
	free(show);
	if (tbformat == TB_EMACS)
		return;
	if (tbformat == TB_CGITB && n > 0)
		buf_addstr(b, " [Capture of Locals and Globals disabled (use "
		    "captureVars=True)]\n");
	if (n == 0)
		buf_addstr(b, "Failure: ");
	addvisstr(b, class);
	buf_addstr(b, ": ");
	addvis(b, res->text, textlen);
	buf_addc(b, '\n');
	if (tbformat == TB_CGITB)
		addf(b, "*--- End of Failure #%lu ---\n", count);
}

/*
 * The text of the result's section entry, as trial shows it; a Python
 * traceback in the reporter's --tbformat.
 */
static void
render(struct reporter *r, struct buf *b, const struct rep_result *res)
{
	size_t textlen = res->text != NULL ? res->textlen : 0;
	const char *reason = res->reason != NULL ? res->reason : "";

	switch (res->kind) {
	case REP_SKIP:
		addvisstr(b, reason);
		buf_addc(b, '\n');
		break;
	case REP_XFAIL:
	case REP_XPASS:
		buf_addstr(b, "Reason: ");
		reprstr(b, reason);
		buf_addc(b, '\n');
		if (res->kind == REP_XFAIL && textlen > 0)
			addline(b, res->text, textlen);
		break;
	case REP_FAILURE:
	case REP_ERROR:
		if (res->framed)
			traceback(b, res, r->tbformat, ++r->nfailures);
		else if (textlen > 0)
			addline(b, res->text, textlen);
		else
			addline(b, res->class != NULL ? res->class : "",
			    res->class != NULL ? strlen(res->class) : 0);
		break;
	}
}

/*
 * The block's newest records to its spill file, once they outgrow
 * HOLDMAX.  With no scratch file to be had, or one that cannot be
 * written (a full disk), the block keeps them in memory, as the file's
 * records up to the failed write are still whole.
 */
static void
spill(struct block *b)
{
	off_t good;

	if (b->rec.len <= HOLDMAX || b->nospill)
		return;
	if (b->spill == NULL && (b->spill = scratchfile()) == NULL) {
		b->nospill = 1;
		return;
	}
	if ((good = ftello(b->spill)) < 0)
		good = 0;
	if (fwrite(b->rec.data, 1, b->rec.len, b->spill) == b->rec.len &&
	    fflush(b->spill) == 0) {
		b->rec.len = 0;
		return;
	}
	b->nospill = 1;
	clearerr(b->spill);
	if (ftruncate(fileno(b->spill), good) < 0 ||
	    fseeko(b->spill, good, SEEK_SET) < 0)
		fatal("reporter: a scratch file of held results:");
}

/* Holds the result in the block, its name defaulting to the test's. */
static void
addheld(struct reporter *r, struct block *b, const struct rep_result *res)
{
	struct record h;
	const char *name;
	size_t at = b->rec.len, text;

	if (res->kind < 0 || res->kind >= NKIND)
		fatal("reporter: bad result kind %d", res->kind);
	name = res->name != NULL ? res->name : b->test != NULL ? b->test : "";
	memset(&h, 0, sizeof(h));
	h.kind = res->kind;
	h.hasreason = res->reason != NULL;
	h.secs = res->secs;
	h.namelen = strlen(name);
	h.reasonlen = res->reason != NULL ? strlen(res->reason) : 0;
	/* The header's room, then the strings; its text's length last. */
	buf_add(&b->rec, &h, sizeof(h));
	buf_add(&b->rec, name, h.namelen + 1);
	text = b->rec.len;
	if (res->kind != REP_SUCCESS)
		render(r, &b->rec, res);
	h.textlen = b->rec.len - text;
	buf_add(&b->rec, h.hasreason ? res->reason : "", h.reasonlen + 1);
	memcpy(b->rec.data + at, &h, sizeof(h));
	b->n++;
	b->secs += res->secs;
	if (res->kind == REP_FAILURE || res->kind == REP_ERROR)
		b->failed = 1;
	spill(b);
}

static void
cursor_open(struct cursor *c, const struct block *b)
{
	memset(c, 0, sizeof(*c));
	c->b = b;
	if ((c->f = b->spill) != NULL && (fflush(c->f) == EOF ||
	    fseeko(c->f, 0, SEEK_SET) < 0))
		fatal("reporter: a scratch file of held results:");
}

/* The record at p as a result whose strings point into it. */
static void
fromrecord(struct held *h, const struct record *rec, const unsigned char *p)
{
	h->kind = rec->kind;
	h->secs = rec->secs;
	h->name = (const char *)p;
	p += rec->namelen + 1;
	h->text = rec->kind != REP_SUCCESS ? p : NULL;
	h->textlen = rec->textlen;
	p += rec->textlen;
	h->reason = rec->hasreason ? (const char *)p : NULL;
}

/* The next result of the block into h: 1, or 0 after the last. */
static int
cursor_next(struct cursor *c, struct held *h)
{
	struct record rec;
	size_t len;

	if (c->f != NULL) {
		if (fread(&rec, sizeof(rec), 1, c->f) == 1) {
			len = rec.namelen + 1 + rec.textlen + rec.reasonlen + 1;
			c->tmp.len = 0;
			buf_reserve(&c->tmp, len);
			if (fread(c->tmp.data, 1, len, c->f) != len)
				fatal("reporter: a scratch file of held "
				    "results is cut short");
			fromrecord(h, &rec, c->tmp.data);
			return 1;
		}
		if (ferror(c->f))
			fatal("reporter: a scratch file of held results:");
		c->f = NULL;
	}
	if (c->off >= c->b->rec.len)
		return 0;
	memcpy(&rec, c->b->rec.data + c->off, sizeof(rec));
	fromrecord(h, &rec, c->b->rec.data + c->off + sizeof(rec));
	c->off += sizeof(rec) + rec.namelen + 1 + rec.textlen +
	    rec.reasonlen + 1;
	return 1;
}

static void
cursor_close(struct cursor *c)
{
	buf_free(&c->tmp);
}

/* Empties the block, keeping its memory for the slot's next test. */
static void
dropheld(struct block *b)
{
	b->rec.len = 0;
	if (b->spill != NULL)
		fclose(b->spill);
	b->spill = NULL;
	b->nospill = 0;
	b->n = 0;
	b->secs = 0;
	b->failed = 0;
	free(b->test);
	b->test = NULL;
	b->out.len = 0;
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

/* Leaves the file for memory: its bytes read back, or fatal. */
static void
store_tomem(struct store *st)
{
	ssize_t n;

	st->mem.len = 0;
	buf_reserve(&st->mem, (size_t)st->size);
	while (st->mem.len < st->size) {
		n = pread(fileno(st->f), st->mem.data + st->mem.len,
		    (size_t)st->size - st->mem.len, (off_t)st->mem.len);
		if (n <= 0)
			fatal("reporter: a scratch file of the sections cannot "
			    "be read:");
		st->mem.len += (size_t)n;
	}
	fclose(st->f);
	st->f = NULL;
	st->nofile = 1;
}

static int
writeat(FILE *f, const void *p, size_t len, uint64_t off)
{
	const unsigned char *s = p;
	ssize_t n;

	while (len > 0) {
		if ((n = pwrite(fileno(f), s, len, (off_t)off)) <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Writes len bytes at off, an offset the store already holds. */
static void
store_put(struct store *st, uint64_t off, const void *p, size_t len)
{
	if (st->f != NULL && writeat(st->f, p, len, off) < 0)
		store_tomem(st);
	if (st->f == NULL)
		memcpy(st->mem.data + off, p, len);
}

/* Appends a (and b, if blen > 0); the offset of a. */
static uint64_t
store_add(struct store *st, const void *a, size_t alen, const void *b,
    size_t blen)
{
	uint64_t off = st->size;

	if (st->f == NULL && !st->nofile &&
	    st->mem.len + alen + blen > STOREMAX) {
		if ((st->f = scratchfile()) != NULL &&
		    writeat(st->f, st->mem.data, st->mem.len, 0) < 0) {
			fclose(st->f);
			st->f = NULL;
		}
		if (st->f == NULL)
			st->nofile = 1;
		else
			buf_free(&st->mem);
	}
	if (st->f != NULL && (writeat(st->f, a, alen, off) < 0 ||
	    writeat(st->f, b, blen, off + alen) < 0))
		store_tomem(st);
	if (st->f == NULL) {
		st->mem.len = (size_t)off;	/* a half-written tail */
		buf_add(&st->mem, a, alen);
		buf_add(&st->mem, b, blen);
	}
	st->size = off + alen + blen;
	return off;
}

/* Reads len bytes at off into p. */
static void
store_get(struct store *st, uint64_t off, void *p, size_t len)
{
	unsigned char *d = p;
	ssize_t n;

	if (st->f == NULL) {
		memcpy(d, st->mem.data + off, len);
		return;
	}
	while (len > 0) {
		if ((n = pread(fileno(st->f), d, len, (off_t)off)) <= 0)
			fatal("reporter: a scratch file of the sections cannot "
			    "be read:");
		d += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
}

/* Appends the len bytes at off to b. */
static void
store_addto(struct store *st, struct buf *b, uint64_t off, size_t len)
{
	buf_reserve(b, len);
	store_get(st, off, b->data + b->len, len);
	b->len += len;
}

static void
store_reset(struct store *st)
{
	if (st->f != NULL)
		fclose(st->f);
	st->f = NULL;
	st->nofile = 0;
	st->size = 0;
	buf_free(&st->mem);
	buf_free(&st->cmp);
}

static void
rehash(struct reporter *r)
{
	size_t i, j, mask;

	free(r->hash);
	r->hashcap = r->hashcap ? r->hashcap * 2 : 64;
	r->hash = xreallocarray(NULL, r->hashcap, sizeof(*r->hash));
	memset(r->hash, 0, r->hashcap * sizeof(*r->hash));
	mask = r->hashcap - 1;
	for (i = 0; i < r->ngroup; i++) {
		for (j = (size_t)r->group[i].hash & mask; r->hash[j] != 0;
		    j = (j + 1) & mask)
			;
		r->hash[j] = i + 1;
	}
}

/* Is the group's text the len bytes at p? */
static int
sametext(struct reporter *r, const struct group *g, const void *p,
    size_t len)
{
	struct buf *t = &r->store.cmp;

	if (g->len != len)
		return 0;
	t->len = 0;
	store_addto(&r->store, t, g->text, len);
	return memcmp(t->data, p, len) == 0;
}

/* The group of the result's flavour and text. */
static struct group *
lookup(struct reporter *r, const struct held *h)
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
	for (i = (size_t)hash & mask; r->hash[i] != 0; i = (i + 1) & mask) {
		g = &r->group[r->hash[i] - 1];
		if (g->hash == hash && g->flavour == flav &&
		    sametext(r, g, h->text, h->textlen))
			return g;
	}
	r->group = xgrow(r->group, &r->groupcap, r->ngroup + 1,
	    sizeof(*r->group), 64);
	g = &r->group[r->ngroup];
	g->hash = hash;
	g->flavour = flav;
	g->text = store_add(&r->store, h->text, h->textlen, NULL, 0);
	g->len = h->textlen;
	g->first = g->last = NONE;
	r->hash[i] = ++r->ngroup;
	sec = &r->sect[flav];
	sec->group = xgrow(sec->group, &sec->cap, sec->n + 1,
	    sizeof(*sec->group), 16);
	sec->group[sec->n++] = r->ngroup - 1;
	return g;
}

/* Counts the result and files it in its section. */
static void
tally(struct reporter *r, const struct held *h)
{
	struct group *g;
	struct nameh nh;
	uint64_t off;

	r->count[h->kind]++;
	if (kinds[h->kind].flavour < 0)
		return;
	g = lookup(r, h);
	nh.next = NONE;
	nh.len = strlen(h->name);
	off = store_add(&r->store, &nh, sizeof(nh), h->name, (size_t)nh.len);
	if (g->last != NONE)
		store_put(&r->store, g->last + offsetof(struct nameh, next),
		    &off, sizeof(off));
	else
		g->first = off;
	g->last = off;
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

/*
 * Hands what the format wrote to the output, erasing the status line
 * first if there is any.  The callers flush.
 */
static void
emit(struct reporter *r)
{
	if (r->buf.len == 0 || !r->begun)
		return;
	unprogress(r);
	fwrite(r->buf.data, 1, r->buf.len, r->out);
	r->partial = r->buf.data[r->buf.len - 1] != '\n';
	r->buf.len = 0;
}

/*
 * trial's sections, emitted group by group so that
 * the output buffer never holds more than one.
 */
static void
sections(struct reporter *r)
{
	const struct section *sec;
	const struct group *g;
	struct buf name = { 0 };
	struct nameh nh;
	uint64_t off;
	size_t f, i;

	for (f = 0; f < NFLAVOUR; f++) {
		sec = &r->sect[f];
		for (i = 0; i < sec->n; i++) {
			g = &r->group[sec->group[i]];
			addn(&r->buf, '=', COLUMNS);
			buf_addc(&r->buf, '\n');
			buf_addstr(&r->buf, kinds[flavours[f]].status);
			buf_addc(&r->buf, '\n');
			store_addto(&r->store, &r->buf, g->text, g->len);
			buf_addc(&r->buf, '\n');
			for (off = g->first; off != NONE; off = nh.next) {
				store_get(&r->store, off, &nh, sizeof(nh));
				name.len = 0;
				store_addto(&r->store, &name, off + sizeof(nh),
				    (size_t)nh.len);
				addvis(&r->buf, name.data, name.len);
				buf_addc(&r->buf, '\n');
				if (r->buf.len >= EMITMAX)
					emit(r);
			}
			emit(r);
		}
	}
	buf_free(&name);
}

/* The rule, "Ran N tests in X.XXXs" and PASSED or FAILED with counts. */
static void
footer(struct reporter *r, double seconds)
{
	const char *sep = " (";
	size_t i, n;
	int failed;

	addn(&r->buf, '-', COLUMNS);
	buf_addc(&r->buf, '\n');
	if (r->nrun > 0)
		addf(&r->buf, "Ran %zu tests in %.3fs\n", r->nrun, seconds);
	buf_addc(&r->buf, '\n');
	failed = reporter_failed(r);
	addcolor(r, &r->buf, failed ? "FAILED" : "PASSED", failed ? 31 : 32);
	for (i = 0; i < NKIND; i++) {
		if ((n = r->count[counts[i].kind]) == 0)
			continue;
		addf(&r->buf, "%s%s=%zu", sep, counts[i].name, n);
		sep = ", ";
	}
	if (*sep == ',')
		buf_addc(&r->buf, ')');
	buf_addc(&r->buf, '\n');
}

/*
 * Splits a result's name into tree levels and leaf: under its test's
 * path for a file, else by trial's rule for a dotted id (the module,
 * then the class; empty levels dropped).
 */
static size_t
levels(const struct block *b, const char *name, const char *seg[2],
    size_t seglen[2], const char **leaf)
{
	const char *dot, *mid;
	size_t len, n = 0;

	*leaf = name;
	if (b->isfile && b->test != NULL) {
		len = strlen(b->test);
		if (strncmp(name, b->test, len) == 0 && name[len] == ' ') {
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
testline(struct reporter *r, const struct block *b, const char *name)
{
	struct tree *t = &r->tree;
	const char *seg[2], *leaf;
	size_t seglen[2], n, i, start;

	n = levels(b, name, seg, seglen, &leaf);
	for (i = 0; i < n; i++) {
		if (i < t->nseg && strlen(t->seg[i]) == seglen[i] &&
		    memcmp(t->seg[i], seg[i], seglen[i]) == 0)
			continue;
		addn(&r->buf, ' ', 2 * i);
		addvis(&r->buf, seg[i], seglen[i]);
		buf_addc(&r->buf, '\n');
	}
	for (i = 0; i < t->nseg; i++)
		free(t->seg[i]);
	for (i = 0; i < n; i++)
		t->seg[i] = xmemdup(seg[i], seglen[i]);
	t->nseg = n;
	start = r->buf.len;
	addn(&r->buf, ' ', 2 * n);
	addvisstr(&r->buf, leaf);
	buf_addstr(&r->buf, " ... ");
	return utf8_count(r->buf.data + start, r->buf.len - start);
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
		addn(&r->buf, ' ', COLUMNS - used);
	addcolor(r, &r->buf, st, kinds[kind].color);
	buf_addc(&r->buf, '\n');
}

/*
 * --rterrors: a failure's or an error's text right after its test's
 * name, as trial's reporters write it in realtime (the same text
 * again in its section); 1 if it was written.
 */
static int
realtime(struct reporter *r, const struct held *h)
{
	if (!r->realtime || (h->kind != REP_FAILURE && h->kind != REP_ERROR))
		return 0;
	buf_add(&r->buf, h->text, h->textlen);
	return 1;
}

static void
tree_begin(struct reporter *r, size_t ntests)
{
	addf(&r->buf, "Running %zu tests.\n", ntests);
}

/*
 * A result's line, or its status alone after a result of the same name.
 * A test without results prints nothing (trial would leave "name ... "
 * hanging).
 */
static void
tree_result(struct reporter *r, const struct block *b, const struct held *h,
    size_t i)
{
	struct tree *t = &r->tree;
	size_t len = strlen(h->name);

	if (i == 0 || t->prev.len != len + 1 ||
	    memcmp(t->prev.data, h->name, len) != 0) {
		t->linelen = testline(r, b, h->name);
		t->prev.len = 0;
		buf_add(&t->prev, h->name, len + 1);
	}
	if (realtime(r, h))
		t->linelen = utf8_count(h->text, h->textlen);
	status(r, h->kind, t->linelen);
}

static void
tree_line(struct reporter *r, const char *line)
{
	addvisstr(&r->buf, line);
	buf_addc(&r->buf, '\n');
}

static void
tree_end(struct reporter *r, double seconds)
{
	buf_addc(&r->buf, '\n');
	sections(r);
	footer(r, seconds);
}

/* A new pass starts a fresh tree. */
static void
tree_reset(struct reporter *r)
{
	size_t i;

	for (i = 0; i < r->tree.nseg; i++)
		free(r->tree.seg[i]);
	r->tree.nseg = 0;
	buf_free(&r->tree.prev);
	r->tree.open = 0;
}

/* text: trial's TextReporter, a character a result on one line. */
static void
text_result(struct reporter *r, const struct block *b, const struct held *h,
    size_t i)
{
	static const char mark[NKIND] = {
		[REP_SUCCESS] = '.', [REP_FAILURE] = 'F', [REP_ERROR] = 'E',
		[REP_SKIP] = 'S', [REP_XFAIL] = 'T', [REP_XPASS] = '!',
	};

	(void)b;
	(void)i;
	realtime(r, h);
	buf_addc(&r->buf, mark[h->kind]);
}

/* A line between blocks ends the line of characters first. */
static void
text_line(struct reporter *r, const char *line)
{
	if (r->partial)
		buf_addc(&r->buf, '\n');
	tree_line(r, line);
}

static void
nothing(struct reporter *r)
{
	(void)r;
}

/*
 * summary: trial's MinimalReporter; nothing but the counts at the end
 * (and with --rterrors, the failures' and errors' texts).
 */
static void
summary_result(struct reporter *r, const struct block *b,
    const struct held *h, size_t i)
{
	(void)b;
	(void)i;
	realtime(r, h);
}

/*
 * "Ran N tests", then the time as Python's repr() of a float (the
 * shortest digits that read back the same), the tests twice, the
 * errors, the failures and the skips; no PASSED or FAILED.
 */
static void
summary_end(struct reporter *r, double seconds)
{
	char num[40];
	int p;

	addn(&r->buf, '-', COLUMNS);
	buf_addc(&r->buf, '\n');
	addf(&r->buf, "Ran %zu tests in %.3fs\n\n", r->nrun, seconds);
	for (p = 1; p <= 17; p++) {
		snprintf(num, sizeof(num), "%.*g", p, seconds);
		if (strtod(num, NULL) == seconds)
			break;
	}
	if (strpbrk(num, ".e") == NULL)
		strcat(num, ".0");
	addf(&r->buf, "%s %zu %zu %zu %zu %zu\n", num, r->nrun, r->nrun,
	    r->count[REP_ERROR], r->count[REP_FAILURE], r->count[REP_SKIP]);
}

/*
 * bwverbose: trial's VerboseTextReporter, "ID ... " and the status of
 * each of the test's results after it ([FAILURE] for a failure), one
 * line a test; timing: trial's TimingTextReporter, the same lines each
 * followed by the test's time.
 */
static void
verbose_result(struct reporter *r, const struct block *b,
    const struct held *h, size_t i)
{
	struct tree *t = &r->tree;
	size_t len = strlen(h->name);

	(void)b;
	if (i == 0 || !t->open || t->prev.len != len + 1 ||
	    memcmp(t->prev.data, h->name, len) != 0) {
		r->fmt->blockend(r);
		addvisstr(&r->buf, h->name);
		buf_addstr(&r->buf, " ... ");
		t->prev.len = 0;
		buf_add(&t->prev, h->name, len + 1);
		t->open = 1;
		t->secs = 0;
	}
	realtime(r, h);
	buf_addstr(&r->buf, h->kind == REP_FAILURE ? "[FAILURE]" :
	    kinds[h->kind].status);
	t->secs += h->secs;
}

/* Ends the open line; timing's time after it. */
static void
verbose_close(struct reporter *r, int timed)
{
	if (!r->tree.open)
		return;
	buf_addc(&r->buf, '\n');
	if (timed)
		addf(&r->buf, "(%.3f secs)\n", r->tree.secs);
	r->tree.open = 0;
}

static void
bwverbose_blockend(struct reporter *r)
{
	verbose_close(r, 0);
}

static void
timing_blockend(struct reporter *r)
{
	verbose_close(r, 1);
}

/*
 * tap: one TAP stream, a point a result, the plan at the end (tapfmt_:
 * the report format, not tap.c's parser).  A name or a reason is one
 * line with # and \ escaped and controls shown as everywhere (visible);
 * a failure's or an error's section text, as the tree shows it, is a
 * YAML block's double-quoted message (prove's YAML reader takes no
 * block scalar with blank lines), in which no control is left but tab
 * and newline (a stray one would be replaced).  The header says version
 * 13: prove 3.44 (Debian 12) refuses "TAP version 14" as a parse error;
 * the stream uses nothing TAP 14 added, and TAP 14 readers take 13.
 */
static void
tapesc(struct buf *b, const char *s)
{
	visible(b, s, strlen(s), 1);
}

static void
tapyaml(struct buf *b, const struct held *h)
{
	const unsigned char *p = h->text, *end = h->text + h->textlen;

	if (p < end && end[-1] == '\n')
		end--;
	buf_addstr(b, "  ---\n  message: \"");
	for (; p < end; p++) {
		if (*p == '\\' || *p == '"')
			buf_addc(b, '\\');
		if (*p == '\n')
			buf_addstr(b, "\\n");
		else if (*p == '\t')
			buf_addstr(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_addstr(b, "\xef\xbf\xbd");
		else
			buf_addc(b, *p);
	}
	addf(b, "\"\n  severity: %s\n  ...\n", h->kind == REP_ERROR ?
	    "error" : "fail");
}

static void
tapfmt_begin(struct reporter *r, size_t ntests)
{
	(void)ntests;
	buf_addstr(&r->buf, "TAP version 13\n");
}

static void
tapfmt_result(struct reporter *r, const struct block *b,
    const struct held *h, size_t i)
{
	(void)b;
	(void)i;
	addf(&r->buf, "%s %zu - ", h->kind == REP_FAILURE ||
	    h->kind == REP_ERROR || h->kind == REP_XFAIL ? "not ok" : "ok",
	    ++r->npoints);
	tapesc(&r->buf, h->name);
	if (h->kind == REP_SKIP || h->kind == REP_XFAIL ||
	    h->kind == REP_XPASS) {
		buf_addstr(&r->buf, h->kind == REP_SKIP ? " # SKIP " :
		    " # TODO ");
		tapesc(&r->buf, h->reason != NULL ? h->reason : "");
	}
	buf_addc(&r->buf, '\n');
	if (h->kind == REP_FAILURE || h->kind == REP_ERROR)
		tapyaml(&r->buf, h);
}

static void
tapfmt_line(struct reporter *r, const char *line)
{
	buf_addstr(&r->buf, "# ");
	tapesc(&r->buf, line);
	buf_addc(&r->buf, '\n');
}

/* The plan, then trial's footer as comments, without its rule. */
static void
tapfmt_end(struct reporter *r, double seconds)
{
	struct buf foot = { 0 }, save;
	size_t i, end;

	addf(&r->buf, "1..%zu\n", r->npoints);
	save = r->buf;
	r->buf = foot;
	footer(r, seconds);
	foot = r->buf;
	r->buf = save;
	for (i = 0; i < foot.len; i = end + 1) {
		for (end = i; end < foot.len && foot.data[end] != '\n'; end++)
			;
		if (end > i && foot.data[i] != '-') {
			buf_addstr(&r->buf, "# ");
			buf_add(&r->buf, foot.data + i, end - i);
			buf_addc(&r->buf, '\n');
		}
	}
	buf_free(&foot);
}

static void
tapfmt_reset(struct reporter *r)
{
	r->npoints = 0;
}

/* The formats by name; the first is the default. */
static const struct format formats[] = {
	{ "tree", "the tests as a tree, a status each (colour on a "
	    "terminal)", tree_begin, tree_result, tree_line, tree_end,
	    tree_reset, nothing },
	{ "verbose", "the tree, by trial's name for it", tree_begin,
	    tree_result, tree_line, tree_end, tree_reset, nothing },
	{ "bwverbose", "a line a test: its name and its statuses",
	    tree_begin, verbose_result, tree_line, tree_end, tree_reset,
	    bwverbose_blockend },
	{ "text", "a character a result", tree_begin, text_result,
	    text_line, tree_end, nothing, nothing },
	{ "summary", "the counts alone", tree_begin, summary_result,
	    tree_line, summary_end, nothing, nothing },
	{ "timing", "bwverbose's lines, each with the test's time",
	    tree_begin, verbose_result, tree_line, tree_end, tree_reset,
	    timing_blockend },
	{ "tap", "one TAP stream of every result, for TAP readers",
	    tapfmt_begin, tapfmt_result, tapfmt_line, tapfmt_end,
	    tapfmt_reset, nothing },
};

const char *
reporter_format(size_t i)
{
	return i < countof(formats) ? formats[i].name : NULL;
}

const char *
reporter_about(size_t i)
{
	return i < countof(formats) ? formats[i].about : NULL;
}

int
reporter_junit(struct reporter *r, const char *path)
{
	if ((r->junit = junit_new(path)) == NULL)
		return -1;
	return 0;
}

void
reporter_junitname(struct reporter *r, const char *name)
{
	if (r->junit != NULL)
		junit_name(r->junit, name);
}

void
reporter_output(struct reporter *r, int slot, const void *p, size_t len)
{
	if (r->junit != NULL)
		buf_add(&getslot(r, slot)->blk.out, p, len);
}

static void
keeprun(struct reporter *r, const struct block *b)
{
	struct run *run;

	r->runs = xgrow(r->runs, &r->runcap, r->nruns + 1, sizeof(*r->runs),
	    64);
	run = &r->runs[r->nruns++];
	run->test = xstrdup(b->test);
	run->secs = b->secs;
	run->failed = b->failed;
}

void
reporter_keepruns(struct reporter *r)
{
	r->keepruns = 1;
}

void
reporter_each(const struct reporter *r, void (*fn)(void *arg,
    const char *test, double secs, int failed), void *arg)
{
	size_t i;

	for (i = 0; i < r->nruns; i++)
		fn(arg, r->runs[i].test, r->runs[i].secs, r->runs[i].failed);
}

struct reporter *
reporter_new(FILE *out, const char *format, int color)
{
	struct reporter *r;
	size_t i;

	for (i = 0; i < countof(formats); i++)
		if (format == NULL || strcmp(formats[i].name, format) == 0)
			break;
	if (i == countof(formats))
		return NULL;
	r = xmalloc(sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->begun = 1;
	r->fmt = &formats[i];
	/* trial colours only its tree */
	r->color = formats[i].result == tree_result && color;
	return r;
}

void
reporter_hold(struct reporter *r)
{
	r->begun = 0;
}

int
reporter_begun(const struct reporter *r)
{
	return r->begun;
}

void
reporter_tracebacks(struct reporter *r, int tbformat, int realtime)
{
	r->tbformat = tbformat;
	r->realtime = realtime;
}

void
reporter_free(struct reporter *r)
{
	size_t i;

	if (r == NULL)
		return;
	reporter_reset(r);
	for (i = 0; i < r->nslot; i++) {
		dropheld(&r->slot[i].blk);
		buf_free(&r->slot[i].blk.rec);
		buf_free(&r->slot[i].blk.out);
	}
	free(r->slot);
	free(r->runs);
	junit_free(r->junit);
	buf_free(&r->buf);
	free(r);
}

void
reporter_progress(struct reporter *r, const char *line, size_t width)
{
	struct buf b = { 0 };

	unprogress(r);
	/* Erasing the line would take a line the format has begun with it. */
	if (line != NULL && !r->partial) {
		addvisstr(&b, line);
		if (b.len > 0)
			fwrite(b.data, 1, utf8_span(b.data, b.len, width),
			    r->out);
		r->progress = 1;
		buf_free(&b);
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
	struct buf held = r->buf;

	memset(&r->buf, 0, sizeof(r->buf));
	r->fmt->begin(r, ntests);
	if (held.len > 0)
		buf_add(&r->buf, held.data, held.len);
	buf_free(&held);
	r->begun = 1;
	emit(r);
	fflush(r->out);
}

/* A result as a <testcase> of the block's <testsuite>. */
static void
tojunit(struct junit *j, const struct held *h)
{
	struct junit_case c;

	c.kind = h->kind;
	c.name = h->name;
	c.text = h->text;
	c.textlen = h->textlen;
	c.reason = h->reason;
	c.secs = h->secs;
	junit_add(j, &c);
}

/*
 * Prints the block and files its results, then empties it.  A block
 * counts in "Ran N tests" even if it holds no results.  A long block
 * goes out in pieces, so that the output buffer stays small too.
 */
static void
printblock(struct reporter *r, struct block *b)
{
	struct cursor c;
	struct held h;
	size_t i;

	if (r->junit != NULL)
		junit_begin(r->junit, b->test, b->isfile);
	cursor_open(&c, b);
	for (i = 0; cursor_next(&c, &h); i++) {
		r->fmt->result(r, b, &h, i);
		if (r->buf.len >= EMITMAX)
			emit(r);
		if (r->junit != NULL)
			tojunit(r->junit, &h);
		tally(r, &h);
	}
	cursor_close(&c);
	r->fmt->blockend(r);
	emit(r);
	fflush(r->out);
	if (r->junit != NULL)
		junit_end(r->junit, b->out.data, b->out.len);
	if (r->keepruns && b->test != NULL)
		keeprun(r, b);
	r->nrun++;
	dropheld(b);
}

/* A slot still busy has its block printed first: nothing is lost. */
void
reporter_start(struct reporter *r, int slot, const char *test, int isfile)
{
	struct slot *s;

	s = getslot(r, slot);
	if (s->busy)
		reporter_stop(r, slot);
	s->blk.test = xstrdup(test != NULL ? test : "");
	s->blk.isfile = isfile;
	s->busy = 1;
}

void
reporter_add(struct reporter *r, int slot, const struct rep_result *res)
{
	struct slot *s;

	s = getslot(r, slot);
	addheld(r, &s->blk, res);
	s->busy = 1;
}

void
reporter_stop(struct reporter *r, int slot)
{
	struct slot *s;

	s = getslot(r, slot);
	if (!s->busy)
		return;
	printblock(r, &s->blk);
	s->busy = 0;
}

void
reporter_notrun(struct reporter *r, const char *test, int isfile,
    const struct rep_result *res)
{
	struct block b = { 0 };

	b.test = xstrdup(test != NULL ? test : "");
	b.isfile = isfile;
	addheld(r, &b, res);
	printblock(r, &b);
	buf_free(&b.rec);
}

void
reporter_line(struct reporter *r, const char *line)
{
	r->fmt->line(r, line);
	emit(r);
	fflush(r->out);
}

/*
 * Tests still held are printed first.  A report that could not be
 * written is a failure, not a success; unless a signal that stops the
 * run ended the write (sigpipe_openout): the run ends by that signal.
 */
void
reporter_end(struct reporter *r, double seconds)
{
	size_t i;

	for (i = 0; i < r->nslot; i++)
		reporter_stop(r, (int)i);
	r->begun = 1;	/* a run stopped before it began says so too */
	r->fmt->end(r, seconds);
	emit(r);
	if ((fflush(r->out) == EOF || ferror(r->out)) && sigpipe_caught() == 0)
		fatal("write error:");
	if (r->junit != NULL)
		junit_write(r->junit);
}

/* Tests running on a slot stay; their blocks belong to the new pass. */
void
reporter_reset(struct reporter *r)
{
	size_t f, i;

	for (f = 0; f < NFLAVOUR; f++) {
		free(r->sect[f].group);
		memset(&r->sect[f], 0, sizeof(r->sect[f]));
	}
	free(r->group);
	r->group = NULL;
	r->ngroup = r->groupcap = 0;
	free(r->hash);
	r->hash = NULL;
	r->hashcap = 0;
	store_reset(&r->store);
	memset(r->count, 0, sizeof(r->count));
	r->nrun = 0;
	r->fmt->reset(r);
	if (r->junit != NULL)
		junit_reset(r->junit);
	for (i = 0; i < r->nruns; i++)
		free(r->runs[i].test);
	r->nruns = 0;
}

int
reporter_failed(const struct reporter *r)
{
	return r->count[REP_FAILURE] > 0 || r->count[REP_ERROR] > 0;
}
