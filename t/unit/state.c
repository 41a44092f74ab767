/*
 * t/unit/state.c: the --state file read back, whatever the order of its
 * lines: every good line counts, the last line of a test wins, the
 * entries come out sorted; and a read is n log n.  The work is counted,
 * never timed: this program includes state.c itself with its strcmp
 * and memmove counted (qsort's comparisons call that strcmp), so that a
 * read that inserts each line in its place (bytes moved quadratic in the
 * lines: 16 to 36 s for 300,000 lines in reverse) fails here on any
 * machine.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static unsigned long long ncmp, nmoved;

static int
countcmp(const char *a, const char *b)
{
	ncmp++;
	return strcmp(a, b);
}

static void *
countmove(void *dst, const void *src, size_t n)
{
	nmoved += n;
	return memmove(dst, src, n);
}

/* state.c brings state.h and util.h, which have no include guards. */
#define strcmp countcmp
#define memmove countmove
#include "../../state.c"
#undef strcmp
#undef memmove

#define NTESTS 4000

static char dir[64];

/* path: "disttrial state 1", then lines. */
static void
writefile(const char *path, const char *lines)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		fatal("%s:", path);
	fprintf(f, "disttrial state 1\n%s", lines);
	if (fclose(f) == EOF)
		fatal("%s:", path);
}

static int
sorted(const struct state *st)
{
	size_t i;

	for (i = 1; i < st->n; i++)
		if (strcmp(st->e[i - 1].test, st->e[i].test) >= 0)
			return 0;
	return 1;
}

static unsigned long long
log2up(unsigned long long n)
{
	unsigned long long b = 0;

	while ((1ULL << b) < n)
		b++;
	return b;
}

/*
 * The tests in reverse order, each twice: first "fail" and 1 s, then, in
 * a second round in the same order, "pass" and its own number.
 */
static void
reverse(void)
{
	struct state st = { 0 };
	const struct state_entry *e;
	unsigned long long lines = 2 * NTESTS, maxcmp, maxmoved;
	char *path, name[32];
	FILE *f;
	int i, good = 1;

	path = pathjoin(dir, "reverse");
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s:", path);
	fputs("disttrial state 1\n", f);
	for (i = NTESTS; i > 0; i--)
		fprintf(f, "1.000\tfail\tt/%05d.sh\n", i);
	for (i = NTESTS; i > 0; i--)
		fprintf(f, "%d.500\tpass\tt/%05d.sh\n", i, i);
	if (fclose(f) == EOF)
		fatal("%s:", path);
	ncmp = nmoved = 0;
	state_read(&st, path);
	/* glibc's merge sort makes 1 n log2 n, musl's smoothsort 3. */
	maxcmp = 6 * lines * log2up(lines);
	maxmoved = lines * sizeof(struct state_entry);
	ok(ncmp <= maxcmp, "a file in reverse order, %llu lines: %llu "
	    "comparisons, at most 6 n log2 n (%llu)", lines, ncmp, maxcmp);
	ok(nmoved <= maxmoved, "... %llu bytes memmoved, at most n entries "
	    "(%llu)", nmoved, maxmoved);
	ok(st.n == NTESTS && sorted(&st), "... %zu entries, one a test, "
	    "sorted", st.n);
	for (i = 1; i <= NTESTS; i++) {
		snprintf(name, sizeof(name), "t/%05d.sh", i);
		e = state_get(&st, name);
		if (e == NULL || e->failed || e->secs != i + 0.5)
			good = 0;
	}
	ok(good, "... each test's last line wins");
	ok(state_get(&st, "t/00000.sh") == NULL &&
	    state_get(&st, "t/99999.sh") == NULL, "... and no other test");
	state_free(&st);
	free(path);
}

/* A shuffled file, with a test three times and bad lines among them. */
static void
shuffled(void)
{
	struct state st = { 0 };
	const struct state_entry *e;
	char *path;
	int good = 1, i;

	path = pathjoin(dir, "shuffled");
	writefile(path, "3.000\tpass\tm\n2.000\tpass\tz\n1.000\tfail\tm\n"
	    "bad line\n9.000\tpass\ta\tb\n4.000\tpass\tm\n5.000\tfail\tb\n");
	state_read(&st, path);
	ok(st.n == 4 && sorted(&st), "shuffled lines: 4 entries, sorted "
	    "(%zu)", st.n);
	e = state_get(&st, "m");
	ok(e != NULL && e->secs == 4 && !e->failed,
	    "... a test three times: its last line wins");
	e = state_get(&st, "a\tb");
	ok(e != NULL && e->secs == 9, "... a test with a tab in its name");
	state_set(&st, "c", 7, 1);
	state_set(&st, "m", 1, 1);
	ok(st.n == 5 && sorted(&st), "... state_set keeps them sorted");
	ok(state_write(&st, path) == 0, "... written");
	state_free(&st);
	state_read(&st, path);
	for (i = 0; i < (int)st.n; i++)
		if (strchr("abcmz", st.e[i].test[0]) == NULL)
			good = 0;
	e = state_get(&st, "m");
	ok(good && st.n == 5 && e != NULL && e->secs == 1 && e->failed,
	    "... and read back the same");
	state_free(&st);
	ok(st.n == 0 && st.e == NULL, "... and freed");
	state_read(&st, path);
	state_read(&st, path);
	ok(st.n == 5 && sorted(&st), "read twice into one state: the same "
	    "5 entries");
	state_free(&st);
	unlink(path);
	free(path);
}

/* A file with one line, an empty one: nothing to sort. */
static void
small(void)
{
	struct state st = { 0 };
	char *path;

	path = pathjoin(dir, "small");
	writefile(path, "1.000\tpass\tt/1\n");
	state_read(&st, path);
	ok(st.n == 1 && strcmp(st.e[0].test, "t/1") == 0,
	    "a file with one line: one entry");
	state_free(&st);
	writefile(path, "");
	state_read(&st, path);
	ok(st.n == 0, "a file with no line: none");
	state_free(&st);
	unlink(path);
	free(path);
}

int
main(void)
{
	const char *t = getenv("TMPDIR");
	char *path;

	snprintf(dir, sizeof(dir), "%s/disttrial-stateXXXXXX",
	    t != NULL && *t != '\0' && strlen(t) < 32 ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp:");
	reverse();
	shuffled();
	small();
	path = pathjoin(dir, "reverse");
	unlink(path);
	free(path);
	rmdir(dir);
	return tap_done();
}
