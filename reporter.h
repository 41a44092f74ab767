/*
 * reporter.h: the DistReporter, which holds each running test's results
 * until its Run is answered and then prints them as one block, in one of
 * the output formats (trial's tree report).
 */
#include <stddef.h>
#include <stdio.h>

enum {
	REP_SUCCESS,
	REP_FAILURE,
	REP_ERROR,
	REP_SKIP,
	REP_XFAIL,	/* expected failure: [TODO] */
	REP_XPASS,	/* unexpected success: [SUCCESS!?!] */
};

/* One frame of a Python traceback: function, file and line number. */
struct rep_frame {
	const char *func, *file, *line;
	size_t funclen, filelen, linelen;
};

/*
 * The strings are UTF-8 (the manager repairs them) ending in a NUL; a NUL
 * a test put in a name, class or reason is carried as C0 80, as in Java's
 * and Tcl's modified UTF-8, and shown as \x00.  The texts have lengths
 * and may hold any byte.  Every format shows a control character in any
 * of them as \xHH (disttrial(1), DESCRIPTION).
 */
struct rep_result {
	int kind;
	const char *name;	/* testName as the worker sent it */
	const char *class;	/* failClass or errorClass, or NULL */
	const char *text;	/* failure, error or xfail text, or NULL */
	size_t textlen;
	const char *reason;	/* skip reason or todo, or NULL */
	/*
	 * A Python worker's traceback, outermost frame first.  framed: the
	 * text is shown in trial's framing (a Python test's failure or
	 * error, even with no frames); else as it is (a test program's).
	 */
	const struct rep_frame *frames;
	size_t nframes;
	int framed;
	double secs;		/* how long it took: since the last result */
};

struct reporter;

/*
 * format: the output format by name: "tree" (trial's default; trial
 * calls it "verbose"), "bwverbose" (a line a test), "text" (a
 * character a result), "summary" (trial's minimal counts), "timing"
 * (bwverbose's lines, each with its time), "tap" (one TAP 14 stream);
 * NULL if there is none of that name.  color: wrap the tree's statuses in trial's
 * ANSI colours (the caller decides; the other formats have none).
 */
struct reporter *reporter_new(FILE *out, const char *format, int color);
void reporter_free(struct reporter *r);
/* trial's --tbformat: how a Python worker's tracebacks are shown. */
enum { TB_PLAIN, TB_EMACS, TB_CGITB };
/*
 * tbformat: TB_; realtime (trial's --rterrors): a failure's or an
 * error's text is shown at its test's line too, not only in its
 * section.
 */
void reporter_tracebacks(struct reporter *r, int tbformat, int realtime);

/*
 * "Running N tests.", then what was printed since reporter_hold, held
 * until now (the tests run while trial's loader still counts them).
 */
void reporter_begin(struct reporter *r, size_t ntests);
void reporter_hold(struct reporter *r);	/* nothing out until begin */
int reporter_begun(const struct reporter *r);	/* not held */
/*
 * A Run went to worker slot; isfile says test is a file the manager
 * found (tree levels by path), else a name for trial's dotted rule.
 */
void reporter_start(struct reporter *r, int slot, const char *test,
    int isfile);
void reporter_add(struct reporter *r, int slot, const struct rep_result *res);
void reporter_stop(struct reporter *r, int slot);	/* prints the block */
/* A test that never ran (no worker was left): its one result, as a block. */
void reporter_notrun(struct reporter *r, const char *test, int isfile,
    const struct rep_result *res);
/* The sections, the rule, "Ran N tests in X.XXXs" and PASSED/FAILED. */
void reporter_end(struct reporter *r, double seconds);
/* Forgets the results for a new pass (--until-failure). */
void reporter_reset(struct reporter *r);
int reporter_failed(const struct reporter *r);	/* a failure or error */
/* The name of the i-th format ("tree" first), NULL past the last. */
const char *reporter_format(size_t i);
const char *reporter_about(size_t i);	/* what the i-th format shows */
/*
 * --junit-xml: also write JUnit XML to path at each reporter_end, a
 * <testsuite> a printed block; -1 (errno set) if no scratch file.
 */
int reporter_junit(struct reporter *r, const char *path);
/* The JUnit file's <testsuites> name, as --shard's "shard 2 of 4". */
void reporter_junitname(struct reporter *r, const char *name);
/* The output of the test running on slot, for JUnit's system-out. */
void reporter_output(struct reporter *r, int slot, const void *p,
    size_t len);
/*
 * Keeps, for this pass, each printed test's time (its results' times
 * summed) and whether it failed or errored, for --state; reporter_each
 * gives them to fn.
 */
void reporter_keepruns(struct reporter *r);
void reporter_each(const struct reporter *r, void (*fn)(void *arg,
    const char *test, double secs, int failed), void *arg);
/* A line between blocks, e.g. "Test Pass 2". */
void reporter_line(struct reporter *r, const char *line);
size_t reporter_problems(const struct reporter *r);	/* failures + errors */
/*
 * A terminal's status line, erased before other output; NULL erases it.
 * Shown as names are (controls as \xHH), cut to width code points.
 */
void reporter_progress(struct reporter *r, const char *line, size_t width);
