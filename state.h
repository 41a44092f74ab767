/*
 * state.h: what a run learns for the next (--state FILE): each test's
 * duration and last outcome, in a small line-based file.
 */
struct state_entry {
	char *test;
	double secs;		/* its last duration; < 0: not known */
	int failed;		/* it failed or errored last time */
};

struct state {
	struct state_entry *e;	/* sorted by test, for lookup */
	size_t n, cap;
};

/*
 * Reads path into st, its last line for a test winning, in time n log n
 * whatever the order of the lines.  A missing, unreadable, stale or
 * corrupt file, or one that is not a regular file (a FIFO, a device), is
 * one warning on stderr, never an error: the lines that are good count.
 */
void state_read(struct state *st, const char *path);
/* The entry for test, or NULL. */
const struct state_entry *state_get(const struct state *st,
    const char *test);
/* Records a run of test: its duration and whether it failed. */
void state_set(struct state *st, const char *test, double secs,
    int failed);
/*
 * Writes st to path whole and renames it over (util.h's replace_open: a
 * path that is no regular file is written in place); -1 (errno set) on
 * an error.
 */
int state_write(const struct state *st, const char *path);
void state_free(struct state *st);
