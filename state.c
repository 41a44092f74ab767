/*
 * state.c: the --state file, what one run leaves for the next: a first
 * line "disttrial state 1", then a line for each test,
 *
 *	SECONDS TAB pass|fail TAB TEST
 *
 * the test last, so that it may hold tabs (a test whose name holds a
 * newline is not recorded), in any order: reading sorts them once.  The
 * file is written whole beside its name and renamed over it (util.c's
 * replace_open: in place if it is no regular file, /dev/null say).  What
 * cannot be read is warned of once and skipped, and only a regular file
 * is read: a state file never stops a run.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "util.h"

#define MAGIC "disttrial state 1"

/* The index test has, or would have, in the sorted entries. */
static size_t
findentry(const struct state *st, const char *test, int *found)
{
	size_t lo = 0, hi = st->n, mid;
	int c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(st->e[mid].test, test);
		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct state_entry *
state_get(const struct state *st, const char *test)
{
	size_t i;
	int found;

	i = findentry(st, test, &found);
	return found ? &st->e[i] : NULL;
}

void
state_set(struct state *st, const char *test, double secs, int failed)
{
	size_t i;
	int found;

	if (strchr(test, '\n') != NULL)
		return;
	i = findentry(st, test, &found);
	if (!found) {
		st->e = xgrow(st->e, &st->cap, st->n + 1, sizeof(*st->e), 64);
		memmove(&st->e[i + 1], &st->e[i],
		    (st->n - i) * sizeof(*st->e));
		st->e[i].test = xstrdup(test);
		st->n++;
	}
	st->e[i].secs = secs;
	st->e[i].failed = failed;
}

/*
 * One line of the file, added at the end of st (sortentries() puts it in
 * its place); -1 if it is not a state line.
 */
static int
parseline(struct state *st, char *line)
{
	char *tab, *end, *how;
	double secs;

	if ((tab = strchr(line, '\t')) == NULL)
		return -1;
	*tab = '\0';
	secs = strtod(line, &end);
	if (end == line || *end != '\0' || !(secs >= 0) || secs > 1e9)
		return -1;
	how = tab + 1;
	if ((tab = strchr(how, '\t')) == NULL || tab[1] == '\0')
		return -1;
	*tab = '\0';
	if (strcmp(how, "pass") != 0 && strcmp(how, "fail") != 0)
		return -1;
	st->e = xgrow(st->e, &st->cap, st->n + 1, sizeof(*st->e), 64);
	st->e[st->n].test = xstrdup(tab + 1);
	st->e[st->n].secs = secs;
	st->e[st->n].failed = strcmp(how, "fail") == 0;
	st->n++;
	return 0;
}

/* By test; entries of one test by their place, so the last comes last. */
static int
bytest(const void *a, const void *b)
{
	const struct state_entry *x = *(const struct state_entry *const *)a;
	const struct state_entry *y = *(const struct state_entry *const *)b;
	int c;

	if ((c = strcmp(x->test, y->test)) != 0)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * Sorts st by test, the last entry of a test winning (a line read over
 * what st held, a later line over an earlier one): one sort, n log n,
 * where inserting each line in its place took time quadratic in the
 * lines of a file that was not sorted.
 */
static void
sortentries(struct state *st)
{
	struct state_entry **p, *e;
	size_t i, n = 0;

	if (st->n < 2)
		return;
	p = xreallocarray(NULL, st->n, sizeof(*p));
	for (i = 0; i < st->n; i++)
		p[i] = &st->e[i];
	qsort(p, st->n, sizeof(*p), bytest);
	e = xreallocarray(NULL, st->n, sizeof(*e));
	for (i = 0; i < st->n; i++) {
		if (i + 1 < st->n && strcmp(p[i]->test, p[i + 1]->test) == 0)
			free(p[i]->test);
		else
			e[n++] = *p[i];
	}
	free(p);
	free(st->e);
	st->e = e;
	st->cap = st->n;
	st->n = n;
}

/*
 * The file, if it is a regular one: a FIFO would hang the run before any
 * test, and a device is nothing to read state from.
 */
static FILE *
openstate(const char *path)
{
	struct stat st;
	FILE *f;
	int fd, e;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		goto notreg;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) < 0)
		goto fail;
	fdflags(fd, FD_CLOEXEC, 0);
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		goto notreg;
	}
	if ((f = fdopen(fd, "r")) != NULL)
		return f;
	e = errno;
	close(fd);
	errno = e;
fail:
	warn("--state %s: %s; every test counts as new", path,
	    strerror(errno));
	return NULL;
notreg:
	warn("--state %s: not a regular file; every test counts as new",
	    path);
	return NULL;
}

void
state_read(struct state *st, const char *path)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0, bad = 0;
	ssize_t len;
	FILE *f;

	if ((f = openstate(path)) == NULL)
		return;
	while ((len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (++lineno == 1) {
			if (strcmp(line, MAGIC) == 0)
				continue;
			warn("--state %s: not a state file (its first line is "
			    "not \"" MAGIC "\"); every test counts as new",
			    path);
			break;
		}
		if (parseline(st, line) < 0 && bad++ == 0)
			warn("--state %s: line %zu is not SECONDS<tab>pass|fail"
			    "<tab>TEST; such lines are ignored", path, lineno);
	}
	if (ferror(f))
		warn("--state %s: read error:", path);
	free(line);
	fclose(f);
	sortentries(st);
}

int
state_write(const struct state *st, const char *path)
{
	struct replace out;
	size_t i;

	if (replace_open(&out, path) < 0)
		return -1;
	fprintf(out.f, "%s\n", MAGIC);
	for (i = 0; i < st->n; i++)
		fprintf(out.f, "%.3f\t%s\t%s\n", st->e[i].secs,
		    st->e[i].failed ? "fail" : "pass", st->e[i].test);
	return replace_close(&out);
}

void
state_free(struct state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->e[i].test);
	free(st->e);
	st->e = NULL;
	st->n = st->cap = 0;
}
