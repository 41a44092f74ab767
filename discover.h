/*
 * discover.h: the tests of a run, found from the operands, as trial's
 * runner finds them: test programs by a directory walk, or Python trial
 * suites expanded into test ids by trial's own loader.
 */
#include <sys/types.h>

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
	char *const *loadopts;	/* and trial's options for its loader */
	int nloadopts;
	int stopfd;		/* the self-pipe (sigpipe_open), or -1 */
	/*
	 * Or a socket (above fd 4) on which trial's loader, once it has
	 * listed, may become a worker: its fds 3 and 4.  -1: no offer.
	 */
	int handover;
};

/*
 * Fills ts from the operands; 0, or -1 with a one-line message in err.
 * With o->python, it only starts trial's loader in that Python and sets
 * PYTHONPATH for the workers to its path, as trial's manager does (they
 * import the tests from elsewhere), so that they can start while the
 * loader runs; discover_wait then fills ts.  Both stop once a signal
 * that stops the run came (sigpipe_caught), the loader killed and
 * reaped, and return 1, ts holding what was found; while the loader is
 * silent, a stop is seen at once through o->stopfd.  A manager that
 * exits meanwhile (exit(3)) kills the loader too.
 */
int discover(struct tests *ts, char **operands, int n,
    const struct discover_opts *o, char *err, size_t errlen);
/* The loader's tests into ts: 0, 1 or -1 with err; 0 at once without it. */
int discover_wait(struct tests *ts, char *err, size_t errlen);
/*
 * Or a piece at a time, while the tests run: the loader's descriptor to
 * poll (-1 once it is done), and discover_more when it is readable,
 * which adds the tests that came and returns 2 while more are to come,
 * then 0 when the listing is whole (ts->announce set), or -1 with err.
 */
int discover_fd(void);
void discover_take(struct tests *ts);	/* those read already, at first */
/*
 * With o->handover, once the listing is whole: the loader's pid, now the
 * caller's to wait for, which offers it a slot on the socket; 0 if it is
 * not there to take.  Or discover_decline, after the caller closed its
 * end of the socket: the loader exits and is waited for.
 */
pid_t discover_handover(void);
void discover_decline(void);
int discover_more(struct tests *ts, char *err, size_t errlen);
/* The loader, if it still runs, is killed and reaped: the run stops. */
void discover_stop(void);
void tests_free(struct tests *ts);

/*
 * The run's order: as found (operands as given, directories sorted,
 * trial's order), alphabetical, random from seed, or slowest first by
 * st's durations (longest processing time first), tests st does not
 * know first, as if slow.
 */
enum { ORDER_FOUND, ORDER_ALPHA, ORDER_RANDOM, ORDER_SLOWEST };
struct state;
void discover_order(struct tests *ts, int order, unsigned long seed,
    const struct state *st);
/* Keeps only the tests that failed or errored the last time in st. */
void discover_failed(struct tests *ts, const struct state *st);
/*
 * --shard K/N: keeps the tests of part k (1 to n) in the order they
 * were, and returns how many there were in all.  The parts depend only
 * on the tests' paths and st, never on their order: every machine that
 * finds the same tests makes the same parts.  With durations in st (it
 * may be NULL), longest first into the lightest part (a test st does not
 * know counts as their mean); else by count, every n-th by path.
 */
size_t discover_shard(struct tests *ts, int k, int n,
    const struct state *st);
