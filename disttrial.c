/*
 * disttrial.c: main.  Options, test discovery, the temp directory and
 * its lock, and the manager's poll loop that hands tests to workers;
 * or, with --worker, the worker loop.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reporter.h"
#include "stream.h"
#include "util.h"
#include "worker.h"

#define VERSION "0.1"
#define MAXJOBS 1024
#define MAXRESTARTS 5		/* replacements of one worker slot */

enum {
	OPT_EXEC = 1,
	OPT_EXITFIRST,
	OPT_HELP,
	OPT_JOBS,
	OPT_PATTERN,
	OPT_STDIO,
	OPT_TEMPDIR,
	OPT_TIMEOUT,
	OPT_UNTILFAILURE,
	OPT_VERSION,
	OPT_WORKER,
	OPT_WORKERCMD,
};

static const struct option {
	char shortname;		/* 0: long form only */
	const char *longname;
	int hasarg;
	int id;
} options[] = {
	{ 'e', "exec", 1, OPT_EXEC },
	{ 'x', "exitfirst", 0, OPT_EXITFIRST },
	{ 'h', "help", 0, OPT_HELP },
	{ 'j', "jobs", 1, OPT_JOBS },
	{ 'p', "pattern", 1, OPT_PATTERN },
	{ 0, "stdio", 0, OPT_STDIO },
	{ 'T', "temp-directory", 1, OPT_TEMPDIR },
	{ 't', "timeout", 1, OPT_TIMEOUT },
	{ 'u', "until-failure", 0, OPT_UNTILFAILURE },
	{ 'V', "version", 0, OPT_VERSION },
	{ 0, "worker", 0, OPT_WORKER },
	{ 0, "worker-command", 1, OPT_WORKERCMD },
};

static const char synopsis[] =
    "usage: disttrial [-hVux] [-j jobs] [-t seconds] [-e command] "
    "[-p glob]\n"
    "                 [-T dir] [--worker-command command] [test ...]\n"
    "       disttrial --worker [--stdio] [-t seconds] [-e command]\n";

static const char help[] =
    "Run a project's tests in parallel on a pool of worker processes.\n"
    "Operands are test files and directories to search (default: t).\n"
    "\n"
    "  -e, --exec CMD            run each test as CMD TEST\n"
    "  -h, --help                print this help and exit\n"
    "  -j, --jobs N|auto         workers (default auto: online processors)\n"
    "  -p, --pattern GLOB        tests in directories are files matching\n"
    "                            GLOB, not executable files\n"
    "      --stdio               with --worker: AMP on stdin/stdout\n"
    "  -T, --temp-directory DIR  default _trial_temp\n"
    "  -t, --timeout SECS        kill a test that runs longer, an error\n"
    "  -u, --until-failure       repeat the run until a pass fails\n"
    "  -V, --version             print the version and exit\n"
    "      --worker              be a worker for an AMP manager\n"
    "      --worker-command CMD  start each worker as sh -c CMD, AMP on\n"
    "                            its fds 3/4\n"
    "  -x, --exitfirst           stop after the first failure or error\n"
    "\n"
    "See disttrial(1).\n";

static struct {
	struct worker_opts wopts;
	int isworker;
	int jobs;
	int exitfirst;
	int untilfailure;
	const char *pattern;
	const char *tempdir;
	const char *workercmd;
} opt;

static void
usage(const char *fmt, const char *what)
{
	fprintf(stderr, "disttrial: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, "\n%s", synopsis);
	exit(RC_ERROR);
}

static const struct option *
findlong(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].longname) == len &&
		    strncmp(options[i].longname, name, len) == 0)
			return &options[i];
	return NULL;
}

static const struct option *
findshort(int c)
{
	size_t i;

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (options[i].shortname == c)
			return &options[i];
	return NULL;
}

static double
seconds(const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(v > 0) || v > 1e9)
		usage("--timeout needs a positive number of seconds, not '%s'",
		    arg);
	return v;
}

static int
jobs(const char *arg)
{
	char *end;
	long v;
	long n;

	if (strcmp(arg, "auto") == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		return n < 1 ? 1 : n > MAXJOBS ? MAXJOBS : (int)n;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > MAXJOBS)
		usage("--jobs needs a number from 1 to 1024 or 'auto', not "
		    "'%s'", arg);
	return (int)v;
}

static void
done(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal("write error:");
	exit(RC_OK);
}

static void
option(const struct option *o, const char *arg)
{
	switch (o->id) {
	case OPT_EXEC:
		if (strspn(arg, " \t") == strlen(arg))
			usage("%s", "--exec needs a command");
		opt.wopts.exec = arg;
		break;
	case OPT_EXITFIRST:
		opt.exitfirst = 1;
		break;
	case OPT_HELP:
		fputs(synopsis, stdout);
		fputs(help, stdout);
		done();
		break;
	case OPT_JOBS:
		opt.jobs = jobs(arg);
		break;
	case OPT_PATTERN:
		opt.pattern = arg;
		break;
	case OPT_STDIO:
		opt.wopts.stdio = 1;
		break;
	case OPT_TEMPDIR:
		if (*arg == '\0')
			usage("%s", "--temp-directory needs a name");
		opt.tempdir = arg;
		break;
	case OPT_TIMEOUT:
		opt.wopts.timeout = seconds(arg);
		break;
	case OPT_UNTILFAILURE:
		opt.untilfailure = 1;
		break;
	case OPT_VERSION:
		puts("disttrial " VERSION);
		done();
		break;
	case OPT_WORKER:
		opt.isworker = 1;
		break;
	case OPT_WORKERCMD:
		opt.workercmd = arg;
		break;
	}
}

/* One long option at argv[*i]: "--name", "--name=value", "--name value". */
static void
longopt(char **argv, int *i)
{
	const struct option *o;
	const char *name = argv[*i] + 2, *eq;

	eq = strchr(name, '=');
	o = findlong(name, eq ? (size_t)(eq - name) : strlen(name));
	if (o == NULL)
		usage("unknown option %s", argv[*i]);
	if (!o->hasarg && eq != NULL)
		usage("option --%s takes no value", o->longname);
	if (o->hasarg && eq == NULL && argv[*i + 1] == NULL)
		usage("option --%s needs a value", o->longname);
	option(o, !o->hasarg ? NULL : eq ? eq + 1 : argv[++*i]);
}

/* Bundled short options at argv[*i]: "-xj4", "-j 4". */
static void
shortopts(char **argv, int *i)
{
	const struct option *o;
	const char *p;
	char flag[3] = "-?";

	for (p = argv[*i] + 1; *p != '\0'; p++) {
		flag[1] = *p;
		if ((o = findshort(*p)) == NULL)
			usage("unknown option %s", flag);
		if (!o->hasarg) {
			option(o, NULL);
			continue;
		}
		if (p[1] != '\0') {
			option(o, p + 1);
		} else {
			if (argv[*i + 1] == NULL)
				usage("option %s needs a value", flag);
			option(o, argv[++*i]);
		}
		return;
	}
}

/* Parses options; the operands are moved to the front of argv. */
static int
parse(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (++i < argc)
				argv[n++] = argv[i];
			break;
		}
		if (strncmp(argv[i], "--", 2) == 0)
			longopt(argv, &i);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			shortopts(argv, &i);
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	return n;
}

/*
 * Discovery.
 */

struct test {
	char *path;
	int isfile;		/* a file found here, not a name for a worker */
};

static struct {
	struct test *t;
	size_t n, cap;
	struct {		/* directories entered, so loops end */
		dev_t dev;
		ino_t ino;
	} *seen;
	size_t nseen, seencap;
} found;

static void
addtest(const char *path, int isfile)
{
	if (found.n == found.cap) {
		found.cap = found.cap ? found.cap * 2 : 64;
		found.t = xreallocarray(found.t, found.cap, sizeof(*found.t));
	}
	found.t[found.n].path = xstrdup(path);
	found.t[found.n].isfile = isfile;
	found.n++;
}

static int
entered(const struct stat *st)
{
	size_t i;

	for (i = 0; i < found.nseen; i++)
		if (found.seen[i].dev == st->st_dev &&
		    found.seen[i].ino == st->st_ino)
			return 1;
	if (found.nseen == found.seencap) {
		found.seencap = found.seencap ? found.seencap * 2 : 16;
		found.seen = xreallocarray(found.seen, found.seencap,
		    sizeof(*found.seen));
	}
	found.seen[found.nseen].dev = st->st_dev;
	found.seen[found.nseen].ino = st->st_ino;
	found.nseen++;
	return 0;
}

static int
bytename(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
join(const char *dir, const char *name)
{
	size_t len = strlen(dir);
	char *p;

	p = xmalloc(len + strlen(name) + 2);
	sprintf(p, "%s%s%s", dir, len > 0 && dir[len - 1] == '/' ? "" : "/",
	    name);
	return p;
}

/* Searches dir for tests, sorted, skipping dot entries. */
static void
walk(const char *dir, const struct stat *dst)
{
	struct dirent *e;
	struct stat st;
	char **names = NULL, *path;
	size_t n = 0, cap = 0, i;
	DIR *d;

	if (entered(dst))
		return;
	if ((d = opendir(dir)) == NULL)
		fatal("cannot read directory %s:", dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), bytename);
	for (i = 0; i < n; i++) {
		path = join(dir, names[i]);
		if (stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(path, &st);
			else if (S_ISREG(st.st_mode) && (opt.pattern ?
			    fnmatch(opt.pattern, names[i], 0) == 0 :
			    access(path, X_OK) == 0))
				addtest(path, 1);
		}
		free(path);
		free(names[i]);
	}
	free(names);
}

static void
discover(char **operands, int n)
{
	struct stat st;
	char msg[PATH_MAX + 128];
	int i;

	for (i = 0; i < n; i++) {
		if (stat(operands[i], &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(operands[i], &st);
			else
				addtest(operands[i], 1);
		} else if (errno == ENOENT && opt.workercmd != NULL) {
			addtest(operands[i], 0);	/* a name for the worker */
		} else {
			snprintf(msg, sizeof(msg), "%s: %s", operands[i],
			    strerror(errno));
			usage("%s", msg);
		}
	}
	free(found.seen);
	found.seen = NULL;
}

/*
 * The temp directory, as trial keeps it: DIR holds an empty _trial_marker,
 * and DIR.lock, a symlink whose target is the owner's pid, locks it.
 */

#define MARKER "_trial_marker"
#define DEFTEMP "_trial_temp"

static char *lockpath;
static pid_t lockowner;

static void
unlock(void)
{
	if (lockpath != NULL && getpid() == lockowner)
		unlink(lockpath);
	free(lockpath);
	lockpath = NULL;
}

/* 1: taken; 0: a live process holds it. */
static int
takelock(const char *lock)
{
	char me[32], target[64];
	ssize_t n;
	long pid;
	int try;

	snprintf(me, sizeof(me), "%ld", (long)getpid());
	for (try = 0; try < 2; try++) {
		if (symlink(me, lock) == 0)
			return 1;
		if (errno != EEXIST)
			fatal("cannot lock %s:", lock);
		if ((n = readlink(lock, target, sizeof(target) - 1)) < 0)
			continue;
		target[n] = '\0';
		pid = strtol(target, NULL, 10);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			return 0;
		unlink(lock);	/* its owner is dead: stale */
	}
	return 0;
}

static void
rmtree(const char *path)
{
	struct dirent *e;
	struct stat st;
	char *sub;
	DIR *d;

	if ((d = opendir(path)) == NULL)
		fatal("cannot empty %s:", path);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = join(path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			rmtree(sub);
			if (rmdir(sub) < 0)
				fatal("cannot remove %s:", sub);
		} else if (unlink(sub) < 0 && errno != ENOENT) {
			fatal("cannot remove %s:", sub);
		}
		free(sub);
	}
	closedir(d);
}

/* Empties dir for reuse if it is ours (it holds the marker), else refuses. */
static void
prepare(const char *dir)
{
	struct stat st;
	char *marker;
	int fd;

	marker = join(dir, MARKER);
	if (lstat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || access(marker, F_OK) < 0) {
			unlock();
			fatal("%s is not a disttrial temp directory (it has no "
			    "%s); refusing to empty it", dir, MARKER);
		}
		rmtree(dir);
	} else if (mkdir(dir, 0777) < 0) {
		unlock();
		fatal("cannot create %s:", dir);
	}
	if ((fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
		fatal("cannot create %s:", marker);
	close(fd);
	free(marker);
}

/* Locks and prepares the temp directory; returns its absolute path. */
static char *
tempdir(void)
{
	const char *base = opt.tempdir ? opt.tempdir : DEFTEMP;
	char *dir, *lock, *abs, cwd[PATH_MAX];
	int i;

	for (i = 0;; i++) {
		dir = xmalloc(strlen(base) + 32);
		if (i == 0)
			sprintf(dir, "%s", base);
		else
			sprintf(dir, "%s-%d", base, i);
		while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
			dir[strlen(dir) - 1] = '\0';
		lock = xmalloc(strlen(dir) + 6);
		sprintf(lock, "%s.lock", dir);
		if (takelock(lock))
			break;
		if (opt.tempdir != NULL || i >= 1000)
			fatal("temp directory %s is in use (locked by %s)",
			    dir, lock);
		free(dir);
		free(lock);
	}
	lockpath = lock;
	lockowner = getpid();
	atexit(unlock);
	prepare(dir);
	if (dir[0] == '/')
		return dir;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd:");
	abs = join(cwd, dir);
	free(dir);
	return abs;
}

/*
 * The manager's loop.
 */

struct run {
	struct wconn **w;	/* one per slot; NULL once retired */
	int tty;		/* show a status line */
	long long shown;	/* ms, when it was last drawn */
	int *restarts;
	int nw;
	size_t next;		/* the next test of the queue */
	int stopping;		/* hand out no more tests */
	int failed;		/* a slot was retired: the last one's why */
	char why[512];
	struct wconn_cfg cfg;
	struct reporter *rep;
};

static int selfpipe[2] = { -1, -1 };
static int interrupted;		/* SIGINT or SIGTERM, once one came */

static void
reap(struct run *r)
{
	pid_t pid;
	int st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < r->nw; i++)
			if (r->w[i] != NULL && wconn_pid(r->w[i]) == pid)
				wconn_reaped(r->w[i], pid, st);
}

/* A gone worker is replaced, unless its slot has failed too often. */
static void
replace(struct run *r, int i)
{
	int failed = wconn_failed(r->w[i]);

	if (failed) {
		snprintf(r->why, sizeof(r->why), "%s", wconn_why(r->w[i]));
		r->restarts[i]++;
	}
	wconn_free(r->w[i]);
	r->w[i] = NULL;
	if (failed && r->restarts[i] > MAXRESTARTS) {
		warn("worker %d failed %d times; its slot is retired: %s", i,
		    r->restarts[i], r->why);
		r->failed = 1;
		return;
	}
	r->w[i] = wconn_spawn(&r->cfg, i);
}

/* Hands the next test to each idle worker, unless the run is stopping. */
static void
dispatch(struct run *r)
{
	int i, st;

	for (i = 0; i < r->nw; i++) {
		if (r->w[i] == NULL)
			continue;
		if (wconn_bailed(r->w[i]) ||
		    (opt.exitfirst && reporter_failed(r->rep)))
			r->stopping = 1;
		st = wconn_state(r->w[i]);
		if (st == WC_GONE && !interrupted && !r->stopping &&
		    r->next < found.n) {
			replace(r, i);
			if (r->w[i] == NULL)
				continue;
			st = wconn_state(r->w[i]);
		}
		if ((st == WC_STARTING || st == WC_IDLE) && !r->stopping &&
		    !interrupted && r->next < found.n) {
			wconn_run(r->w[i], found.t[r->next].path,
			    found.t[r->next].isfile);
			r->next++;
		}
	}
}

/* A Run is in flight, or its worker is dying and owes its test a result. */
static int
busy(const struct run *r)
{
	int i;

	for (i = 0; i < r->nw; i++)
		if (r->w[i] != NULL && wconn_test(r->w[i]) != NULL)
			return 1;
	return 0;
}

static int
alive(const struct run *r)
{
	int i;

	for (i = 0; i < r->nw; i++)
		if (r->w[i] != NULL && wconn_state(r->w[i]) != WC_GONE)
			return 1;
	return 0;
}

/* One wait: worker sockets, the self-pipe, the nearest deadline. */
static void
step(struct run *r, struct pollfd *pfd)
{
	long long d, soonest = 0, now = wconn_now();
	int i, wait, sig;

	pfd[0].fd = selfpipe[0];
	pfd[0].events = POLLIN;
	for (i = 0; i < r->nw; i++) {
		pfd[i + 1].fd = -1;
		pfd[i + 1].revents = 0;
		if (r->w[i] == NULL)
			continue;
		pfd[i + 1].fd = wconn_pollfd(r->w[i], &pfd[i + 1].events);
		d = wconn_deadline(r->w[i]);
		if (d != 0 && (soonest == 0 || d < soonest))
			soonest = d;
	}
	if (r->tty && (soonest == 0 || soonest > r->shown + 1000))
		soonest = r->shown + 1000;	/* the status line's next tick */
	wait = soonest == 0 ? -1 : soonest <= now ? 0 :
	    soonest - now > INT_MAX ? INT_MAX : (int)(soonest - now);
	if (poll(pfd, (nfds_t)r->nw + 1, wait) < 0 && errno != EINTR)
		fatal("poll:");
	if ((sig = sigpipe_take()) != 0)
		interrupted = sig;
	reap(r);
	for (i = 0; i < r->nw; i++)
		if (r->w[i] != NULL && pfd[i + 1].fd >= 0 &&
		    pfd[i + 1].revents != 0)
			wconn_io(r->w[i], pfd[i + 1].revents);
	for (i = 0; i < r->nw; i++)
		if (r->w[i] != NULL)
			wconn_tick(r->w[i]);
}

static int
retired(const struct run *r)
{
	int i;

	for (i = 0; i < r->nw; i++)
		if (r->w[i] != NULL)
			return 0;
	return 1;
}

/* With every worker slot retired, the tests left are errors saying why. */
static void
notrun(struct run *r)
{
	struct rep_result res = { 0 };
	char text[700];

	snprintf(text, sizeof(text), "not run: every worker kept dying "
	    "(the last: %s)", r->why);
	res.kind = REP_ERROR;
	res.class = "disttrial.WorkerLost";
	res.text = text;
	res.textlen = strlen(text);
	for (; r->next < found.n; r->next++) {
		res.name = found.t[r->next].path;
		reporter_start(r->rep, r->nw, res.name,
		    found.t[r->next].isfile);
		reporter_add(r->rep, r->nw, &res);
		reporter_stop(r->rep, r->nw);
	}
}

/*
 * On a terminal: "[done/total] N failed | test 3s, test 0s", redrawn
 * each second and whenever a test ends, cut to the terminal's width.
 */
static void
progress(struct run *r)
{
	struct buf b = { 0 };
	long long now = wconn_now();
	size_t running = 0, width = 80, cut;
	const char *sep = " | ", *cols = getenv("COLUMNS");
	char s[96];
	int i;

	if (!r->tty || now - r->shown < 1000)
		return;
	r->shown = now;
	for (i = 0; i < r->nw; i++)
		if (r->w[i] != NULL && wconn_test(r->w[i]) != NULL)
			running++;
	snprintf(s, sizeof(s), "[%zu/%zu]", r->next - running, found.n);
	buf_addstr(&b, s);
	if (reporter_problems(r->rep) > 0) {
		snprintf(s, sizeof(s), " %zu failed",
		    reporter_problems(r->rep));
		buf_addstr(&b, s);
	}
	for (i = 0; i < r->nw; i++) {
		if (r->w[i] == NULL || wconn_test(r->w[i]) == NULL)
			continue;
		snprintf(s, sizeof(s), " %llds", (now -
		    wconn_started(r->w[i])) / 1000);
		buf_addstr(&b, sep);
		buf_addstr(&b, wconn_test(r->w[i]));
		buf_addstr(&b, s);
		sep = ", ";
	}
	if (cols != NULL && atoi(cols) > 10)
		width = (size_t)atoi(cols);
	/* Cut at the width, counting UTF-8 lead bytes, before a lead. */
	for (cut = 0, i = 0; cut < b.len; cut++)
		if ((b.data[cut] & 0xc0) != 0x80 && (size_t)++i >= width)
			break;
	b.len = cut;
	buf_addc(&b, '\0');
	reporter_progress(r->rep, (char *)b.data);
	buf_free(&b);
}

static void
pass(struct run *r, struct pollfd *pfd)
{
	int i, killed = 0;

	r->next = 0;
	r->stopping = 0;
	for (;;) {
		dispatch(r);
		if (interrupted && !killed) {
			for (i = 0; i < r->nw; i++)
				if (r->w[i] != NULL &&
				    wconn_state(r->w[i]) == WC_BUSY)
					wconn_kill(r->w[i], interrupted ==
					    SIGINT ? "the run was interrupted "
					    "(SIGINT)" : "the run was "
					    "interrupted (SIGTERM)");
			killed = 1;
		}
		if (!busy(r) && (r->next >= found.n || r->stopping ||
		    interrupted || retired(r)))
			break;
		progress(r);
		step(r, pfd);
	}
	if (retired(r) && !interrupted && !r->stopping)
		notrun(r);
}

/* No more tests: every worker is told to finish, and is waited for. */
static void
finish(struct run *r, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < r->nw; i++)
		if (r->w[i] != NULL)
			wconn_close(r->w[i]);
	while (alive(r))
		step(r, pfd);
	for (i = 0; i < r->nw; i++)
		wconn_free(r->w[i]);
}

static int
manager(struct run *r)
{
	struct pollfd *pfd;
	long long start;
	char line[32];
	int i, failed = 0;

	pfd = xreallocarray(NULL, (size_t)r->nw + 1, sizeof(*pfd));
	for (i = 0; i < r->nw; i++)
		r->w[i] = wconn_spawn(&r->cfg, i);
	reporter_begin(r->rep, found.n);
	for (i = 1;; i++) {
		start = wconn_now();
		if (opt.untilfailure) {
			if (i > 1)
				reporter_reset(r->rep);
			snprintf(line, sizeof(line), "Test Pass %d", i);
			reporter_line(r->rep, line);
		}
		pass(r, pfd);
		reporter_end(r->rep, (double)(wconn_now() - start) / 1000);
		failed = reporter_failed(r->rep);
		if (interrupted || failed || !opt.untilfailure)
			break;
	}
	finish(r, pfd);
	free(pfd);
	return failed ? RC_FAILED : RC_OK;
}

static int
color(void)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0');
}

int
main(int argc, char **argv)
{
	static const int stops[] = { SIGINT, SIGTERM };
	struct run r;
	char *dir, *log;
	long n;
	int nops, rc, logfd, closefds[3];

	nops = parse(argc, argv);
	if (opt.isworker) {
		if (nops > 0)
			usage("%s", "--worker takes no operands");
		return worker_main(&opt.wopts);
	}
	if (opt.wopts.stdio)
		usage("%s", "--stdio goes with --worker");
	if (nops == 0) {
		argv[0] = "t";
		nops = 1;
	}
	discover(argv, nops);
	if (found.n == 0)
		usage("no tests found in %s", nops == 1 ? argv[0] :
		    "the operands");
	if (opt.jobs == 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		opt.jobs = n < 1 ? 1 : n > MAXJOBS ? MAXJOBS : (int)n;
	}
	memset(&r, 0, sizeof(r));
	r.nw = (size_t)opt.jobs < found.n ? opt.jobs : (int)found.n;
	dir = tempdir();
	log = join(dir, "test.log");
	if ((logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
	    0666)) < 0 || fcntl(logfd, F_SETFD, FD_CLOEXEC) < 0)
		fatal("cannot create %s:", log);
	free(log);
	sigpipe_open(stops, 2, selfpipe);
	r.w = xreallocarray(NULL, (size_t)r.nw, sizeof(*r.w));
	r.restarts = xreallocarray(NULL, (size_t)r.nw, sizeof(*r.restarts));
	memset(r.restarts, 0, (size_t)r.nw * sizeof(*r.restarts));
	r.tty = isatty(STDOUT_FILENO);
	r.rep = reporter_new(stdout, color());
	r.cfg.o = &opt.wopts;
	r.cfg.command = opt.workercmd;
	r.cfg.tempdir = dir;
	r.cfg.rep = r.rep;
	r.cfg.logfd = logfd;
	closefds[0] = selfpipe[0];
	closefds[1] = selfpipe[1];
	closefds[2] = logfd;
	r.cfg.closefds = closefds;
	r.cfg.nclosefds = 3;
	r.cfg.timeout = opt.wopts.timeout;
	rc = manager(&r);
	close(logfd);
	reporter_free(r.rep);
	free(r.w);
	free(r.restarts);
	free(dir);
	for (n = 0; n < (long)found.n; n++)
		free(found.t[n].path);
	free(found.t);
	if (interrupted) {
		warn("interrupted by %s; %zu of %zu tests did not run",
		    interrupted == SIGINT ? "SIGINT" : "SIGTERM",
		    found.n - r.next, found.n);
		unlock();
		signal(interrupted, SIG_DFL);
		raise(interrupted);
	}
	unlock();
	return rc;
}
