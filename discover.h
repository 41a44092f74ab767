/*
 * discover.h: the tests of a run, found from the operands, as trial's
 * runner finds them: test programs by a directory walk, or Python trial
 * suites expanded into test ids by trial's own loader.
 */
struct testfile {
	char *path;
	int isfile;		/* a file found here, not a name for a worker */
};

struct tests {
	struct testfile *t;
	size_t n, cap;
	size_t announce;	/* "Running N tests.": trial's count */
};

struct discover_opts {
	const char *pattern;	/* tests in directories match it; NULL: +x */
	int names;		/* an operand that is no file is a name */
	const char *python;	/* trial suites, expanded by this Python */
};

/*
 * Fills ts from the operands; 0, or -1 with a one-line message in err.
 * With o->python, also sets PYTHONPATH for the workers to that Python's
 * path, as trial's manager does, since they import from elsewhere.
 */
int discover(struct tests *ts, char **operands, int n,
    const struct discover_opts *o, char *err, size_t errlen);
void tests_free(struct tests *ts);
