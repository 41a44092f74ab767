/*
 * junit.h: JUnit XML beside the report (--junit-xml), a <testsuite> a
 * printed test, written to a scratch file as the tests end and at the
 * end of a pass written whole and renamed over its name.
 */
#include <stddef.h>

/* One result of a test: a <testcase>. */
struct junit_case {
	int kind;		/* REP_SUCCESS, ... (reporter.h) */
	const char *name;	/* the result's name */
	/* its text as the report's section shows it, NULL for a success */
	const unsigned char *text;
	size_t textlen;
	const char *reason;	/* a skip's reason or a todo, or NULL */
	double secs;
};

struct junit;

/* The scratch file for path; NULL (errno set) if there is none. */
struct junit *junit_new(const char *path);
void junit_free(struct junit *j);
/*
 * One test's <testsuite>: junit_begin with its test (a file the manager
 * found, else a Python id), which must live until junit_end; junit_add
 * for each of its results; junit_end with its output, for system-out.
 */
void junit_begin(struct junit *j, const char *test, int isfile);
void junit_add(struct junit *j, const struct junit_case *c);
void junit_end(struct junit *j, const void *out, size_t len);
/* The <testsuites>' name (--shard's part), or none if NULL. */
void junit_name(struct junit *j, const char *name);
/* The file, written whole and renamed over path; fatal() if it cannot be. */
void junit_write(struct junit *j);
/* A new pass: the file will hold that pass alone. */
void junit_reset(struct junit *j);
