/*
 * tap.h: incremental TAP parser (see tap.c for the rules it applies).
 * Lines go in one at a time; results come out through a callback, a
 * failing point's only once its diagnostics and YAML block have ended.
 */
#include <stddef.h>

#define TAP_MAXLINE 65535	/* longer lines are cut here by the caller */
#define TAP_MAXTEXT 65536	/* a result's text is capped here, saying so */

enum {
	TAP_SUCCESS,
	TAP_FAILURE,
	TAP_SKIP,
	TAP_XFAIL,	/* not ok # TODO */
	TAP_XPASS,	/* ok # TODO */
	TAP_ERROR,
};

/*
 * name and reason end in a NUL, and namelen and reasonlen say where:
 * a NUL a test put in a description or a reason is part of it.
 */
struct tap_result {
	int kind;
	const char *name;	/* "N - DESC" or "N"; NULL: the file itself */
	size_t namelen;
	const char *reason;	/* SKIP or TODO reason, never NULL */
	size_t reasonlen;
	const char *text;	/* failure, xfail or error text, never NULL */
	size_t textlen;
	const char *class;	/* CLASS_FAIL, CLASS_BADTAP, ... (util.h) */
};

typedef void tap_fn(void *arg, const struct tap_result *r);

struct tap *tap_new(tap_fn *fn, void *arg);
void tap_free(struct tap *t);

/*
 * One line of stdout without its newline; a trailing CR is ignored.
 * Returns 1 for a top-level TAP line (version, plan, point, pragma,
 * Bail out!), which is not logged; 0 for anything else (comments,
 * YAML, subtests, other output), which the caller logs.
 */
int tap_line(struct tap *t, const char *line, size_t len);

/*
 * A line of the test's other output (stderr) as it arrives: part of the
 * failing point's text if one waits for the next point.
 */
void tap_other(struct tap *t, const char *line, size_t len);

int tap_istap(const struct tap *t);	/* a top-level TAP line was seen */

/*
 * End of output.  how is NULL for a process that exited 0, else why it
 * did not ("exited with status 3", "killed by signal 9 (SIGKILL)",
 * "timed out after 5 s"), with class its error class.  Delivers the
 * pending point, a skip-all result, and at most one extra error listing
 * every problem found.  Call only if tap_istap().
 */
void tap_end(struct tap *t, const char *how, const char *class);
