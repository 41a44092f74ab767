/*
 * disttrial.c: main, as trial's disttrial and options.  Options, test
 * discovery, the temp directory and its lock, and the manager's poll
 * loop that hands tests to workers; or, with --worker, the worker loop.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"
#include "reporter.h"
#include "state.h"
#include "util.h"
#include "worker.h"
#include "workertrial.h"

#define VERSION "0.1"
#define MAXJOBS 1024
#define MAXRESTARTS 5		/* replacements of one worker slot */
/* --trial's workers: Twisted's own, in the Python that listed the tests. */
#define TRIALWORKER \
    "exec \"${PYTHON:-python3}\" -m twisted.trial._dist.workertrial"

enum {
	OPT_COLOR = 1,
	OPT_EXEC,
	OPT_EXITFIRST,
	OPT_FAILED,
	OPT_HELP,
	OPT_JOBS,
	OPT_JUNIT,
	OPT_ORDER,
	OPT_PATTERN,
	OPT_RANDOM,
	OPT_REPORTER,
	OPT_STATE,
	OPT_STDIO,
	OPT_TAP,
	OPT_TEMPDIR,
	OPT_TIMEOUT,
	OPT_TRIAL,
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
	{ 0, "color", 1, OPT_COLOR },
	{ 'e', "exec", 1, OPT_EXEC },
	{ 'x', "exitfirst", 0, OPT_EXITFIRST },
	{ 0, "failed", 0, OPT_FAILED },
	{ 'h', "help", 0, OPT_HELP },
	{ 'j', "jobs", 1, OPT_JOBS },
	{ 0, "junit-xml", 1, OPT_JUNIT },
	{ 0, "order", 1, OPT_ORDER },
	{ 'p', "pattern", 1, OPT_PATTERN },
	{ 0, "random", 1, OPT_RANDOM },
	{ 'r', "reporter", 1, OPT_REPORTER },
	{ 0, "state", 1, OPT_STATE },
	{ 0, "stdio", 0, OPT_STDIO },
	{ 0, "tap", 0, OPT_TAP },
	{ 'T', "temp-directory", 1, OPT_TEMPDIR },
	{ 't', "timeout", 1, OPT_TIMEOUT },
	{ 0, "trial", 0, OPT_TRIAL },
	{ 'u', "until-failure", 0, OPT_UNTILFAILURE },
	{ 'V', "version", 0, OPT_VERSION },
	{ 0, "worker", 0, OPT_WORKER },
	{ 0, "worker-command", 1, OPT_WORKERCMD },
};

static const char synopsis[] =
    "usage: disttrial [-hVux] [-j jobs] [-r reporter] [-t seconds] "
    "[-e command]\n"
    "                 [-p glob] [-T dir] [--color when] [--junit-xml file]\n"
    "                 [--order order] [--random seed] [--state file "
    "[--failed]]\n"
    "                 [--tap] [--worker-command command] [test ...]\n"
    "       disttrial --trial [-hVux] [-j jobs] [-r reporter] [-T dir]\n"
    "                 [--junit-xml file] [--worker-command command] "
    "suite ...\n"
    "       disttrial --worker [--stdio] [--tap] [-t seconds] "
    "[-e command]\n";

static const char help[] =
    "Run a project's tests in parallel on a pool of worker processes.\n"
    "Operands are test files and directories to search (default: t).\n"
    "\n"
    "      --color WHEN          auto (a terminal, no NO_COLOR), always,\n"
    "                            never\n"
    "  -e, --exec CMD            run each test as CMD TEST\n"
    "      --failed              with --state: only what failed last time\n"
    "  -h, --help                print this help and exit\n"
    "  -j, --jobs N|auto         workers (default auto: online processors)\n"
    "      --junit-xml FILE      also write JUnit XML for CI servers\n"
    "      --order NAME          alphabetical, random, slowest (--state)\n"
    "  -p, --pattern GLOB        tests in directories are files matching\n"
    "                            GLOB, not executable files\n"
    "      --random SEED         shuffle the tests from SEED\n"
    "  -r, --reporter NAME       tree (trial's), text, summary, timing,\n"
    "                            tap (one TAP stream)\n"
    "      --state FILE          learn from the last run: slowest first,\n"
    "                            --failed; FILE written after the run\n"
    "      --stdio               with --worker: AMP on stdin/stdout\n"
    "      --tap                 every test must print TAP: one that\n"
    "                            prints none is an error\n"
    "  -T, --temp-directory DIR  default _trial_temp\n"
    "  -t, --timeout SECS        kill a test that runs longer, an error\n"
    "      --trial               operands are Python trial suites, each\n"
    "                            test method run on Twisted's worker\n"
    "                            ($PYTHON, default python3)\n"
    "  -u, --until-failure       repeat the run until a pass fails\n"
    "  -V, --version             print the version and exit\n"
    "      --worker              be a worker for an AMP manager\n"
    "      --worker-command CMD  start each worker as sh -c CMD, AMP on\n"
    "                            its fds 3/4\n"
    "  -x, --exitfirst           stop after the first failure or error\n"
    "\n"
    "See disttrial(1).\n";

static struct {
	struct workertrial_opts wopts;
	int isworker;
	int jobs;
	int exitfirst;
	int untilfailure;
	int trial;
	const char *pattern;
	const char *tempdir;
	const char *workercmd;
	const char *color;	/* auto, always, never */
	const char *reporter;	/* the report's format */
	const char *junit;	/* --junit-xml FILE */
	const char *state;	/* --state FILE */
	int failed;		/* --failed */
	int order;		/* ORDER_..., -1: the default */
	unsigned long seed;
	int seeded;
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
order(const char *arg)
{
	static const char *names[] = { "alphabetical", "random", "slowest" };
	static const int orders[] = { ORDER_ALPHA, ORDER_RANDOM,
	    ORDER_SLOWEST };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(arg, names[i]) == 0)
			return orders[i];
	usage("--order takes alphabetical, random or slowest, not '%s'", arg);
	return -1;
}

static unsigned long
seed(const char *arg)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0)
		usage("--random takes a number (a seed), not '%s'", arg);
	return n;
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

/* An option that takes no value. */
static void
flag(int id)
{
	switch (id) {
	case OPT_EXITFIRST:
		opt.exitfirst = 1;
		break;
	case OPT_FAILED:
		opt.failed = 1;
		break;
	case OPT_HELP:
		fputs(synopsis, stdout);
		fputs(help, stdout);
		done();
		break;
	case OPT_STDIO:
		opt.wopts.stdio = 1;
		break;
	case OPT_TAP:
		opt.wopts.tap = 1;
		break;
	case OPT_TRIAL:
		opt.trial = 1;
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
	}
}

/* A value that must not be empty (or blank, with blank set). */
static const char *
given(const char *arg, int blank, const char *msg)
{
	if (blank ? strspn(arg, " \t") == strlen(arg) : *arg == '\0')
		usage("%s", msg);
	return arg;
}

static const char *
colorarg(const char *arg)
{
	if (strcmp(arg, "auto") != 0 && strcmp(arg, "always") != 0 &&
	    strcmp(arg, "never") != 0)
		usage("--color takes auto, always or never, not '%s'", arg);
	return arg;
}

/* A format the reporter has; else the error lists them. */
static const char *
reporterarg(const char *arg)
{
	struct buf msg = { 0 };
	const char *name;
	size_t i;

	for (i = 0; (name = reporter_format(i)) != NULL; i++)
		if (strcmp(arg, name) == 0)
			return arg;
	buf_addstr(&msg, "unknown reporter '");
	buf_addstr(&msg, arg);
	buf_addstr(&msg, "' (there are ");
	for (i = 0; (name = reporter_format(i)) != NULL; i++) {
		buf_addstr(&msg, i > 0 ? ", " : "");
		buf_addstr(&msg, name);
	}
	buf_addstr(&msg, ")");
	buf_addc(&msg, '\0');
	usage("%s", (char *)msg.data);
	return arg;
}

static void
option(const struct option *o, const char *arg)
{
	switch (o->hasarg ? o->id : 0) {
	case 0:
		flag(o->id);
		break;
	case OPT_COLOR:
		opt.color = colorarg(arg);
		break;
	case OPT_EXEC:
		opt.wopts.exec = given(arg, 1, "--exec needs a command");
		break;
	case OPT_JOBS:
		opt.jobs = jobs(arg);
		break;
	case OPT_JUNIT:
		opt.junit = given(arg, 0, "--junit-xml needs a file name");
		break;
	case OPT_ORDER:
		opt.order = order(arg);
		break;
	case OPT_PATTERN:
		opt.pattern = arg;
		break;
	case OPT_RANDOM:
		opt.order = ORDER_RANDOM;
		opt.seed = seed(arg);
		opt.seeded = 1;
		break;
	case OPT_REPORTER:
		opt.reporter = reporterarg(arg);
		break;
	case OPT_STATE:
		opt.state = given(arg, 0, "--state needs a file name");
		break;
	case OPT_TEMPDIR:
		opt.tempdir = given(arg, 0, "--temp-directory needs a name");
		break;
	case OPT_TIMEOUT:
		opt.wopts.timeout = seconds(arg);
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

/* The run's tests, as discover() found them; what the last run left. */
static struct tests found;
static struct state state;

/*
 * The temp directory, as trial keeps it: DIR holds an empty _trial_marker,
 * and DIR.lock, a symlink whose target is the owner's pid, locks it.
 */

#define MARKER "_trial_marker"
#define DEFTEMP "_trial_temp"

static char *lockpath;		/* DIR.lock, DIR as the user names it */
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
		sub = pathjoin(path, e->d_name);
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

	marker = pathjoin(dir, MARKER);
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
	abs = pathjoin(cwd, dir);
	free(dir);
	return abs;
}

/*
 * The manager's loop.
 */

/* The workers of one run and where the run is. */
struct pool {
	struct worker **w;	/* one per slot; NULL once retired */
	int nw;
	int *restarts;
	int tty;		/* show a status line */
	long long shown;	/* ms, when it was last drawn */
	size_t next;		/* the next test of the queue */
	int stopping;		/* hand out no more tests */
	const char *stopwhy;	/* "Bail out!" or "--exitfirst" */
	char why[512];		/* the last fault of a retiring slot */
	struct worker_cfg cfg;
	struct reporter *rep;
};

static int selfpipe[2] = { -1, -1 };
static int interrupted;		/* SIGINT, SIGTERM or SIGHUP, once one came */

static void
reapworkers(struct pool *p)
{
	pid_t pid;
	int st, i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		for (i = 0; i < p->nw; i++)
			if (p->w[i] != NULL && p->w[i]->pid == pid)
				worker_reaped(p->w[i], st);
}

/* A gone worker is replaced, unless its slot has failed too often. */
static void
replace(struct pool *p, int i)
{
	int failed = p->w[i]->failed;
	char why[256];

	if (failed) {
		snprintf(p->why, sizeof(p->why), "%s", p->w[i]->why);
		p->restarts[i]++;
	}
	worker_free(p->w[i]);
	p->w[i] = NULL;
	if (failed && p->restarts[i] > MAXRESTARTS) {
		warn("worker %d failed %d times; its slot is retired: %s", i,
		    p->restarts[i], p->why);
		return;
	}
	if ((p->w[i] = worker_spawn(&p->cfg, i, why, sizeof(why))) == NULL) {
		snprintf(p->why, sizeof(p->why), "worker %d could not be "
		    "started again: %s", i, why);
		warn("%s; its slot is retired", p->why);
	}
}

/*
 * The workers of the run, as many as can be had: when fds or processes
 * run out, the run goes on with fewer, saying so.
 */
static void
spawnall(struct pool *p)
{
	char why[256];
	int i;

	snprintf(why, sizeof(why), "%d", p->nw);
	if (setenv("DISTTRIAL_JOBS", why, 1) < 0)	/* for the tests */
		fatal("setenv DISTTRIAL_JOBS:");
	for (i = 0; i < p->nw; i++)
		p->w[i] = NULL;
	for (i = 0; i < p->nw; i++)
		if ((p->w[i] = worker_spawn(&p->cfg, i, why,
		    sizeof(why))) == NULL)
			break;
	if (i == p->nw)
		return;
	snprintf(p->why, sizeof(p->why), "worker %d could not be started: "
	    "%s", i, why);
	warn("%s; the run goes on with %d of %d workers", p->why, i, p->nw);
	p->nw = i;	/* poll(2) takes no more fds than the limit */
}

/*
 * A test whose name is not UTF-8 cannot go to a worker (AMP carries it
 * as Unicode): it gets one error, which names it as well as it can.
 */
static void
badname(struct pool *p, const struct testfile *t)
{
	struct rep_result res = { 0 };
	struct buf name = { 0 };
	static const char text[] = "cannot run it: its name is not UTF-8, "
	    "which AMP cannot carry to a worker";

	utf8_repair(&name, (const unsigned char *)t->path, strlen(t->path));
	buf_addc(&name, '\0');
	res.kind = REP_ERROR;
	res.name = (char *)name.data;
	res.class = CLASS_NAME;
	res.text = text;
	res.textlen = sizeof(text) - 1;
	reporter_notrun(p->rep, res.name, t->isfile, &res);
	buf_free(&name);
}

/* The next test that a worker can be given, or NULL at the end. */
static const struct testfile *
nexttest(struct pool *p)
{
	const struct testfile *t;

	for (; p->next < found.n; p->next++) {
		t = &found.t[p->next];
		if (utf8_valid((const unsigned char *)t->path, strlen(t->path)))
			return t;
		badname(p, t);
	}
	return NULL;
}

/* Hands the next test to each idle worker, unless the run is stopping. */
static void
dispatch(struct pool *p)
{
	const struct testfile *t;
	int i, st;

	for (i = 0; i < p->nw; i++) {
		if (p->w[i] == NULL)
			continue;
		if (!p->stopping && p->w[i]->bailed)
			p->stopwhy = "Bail out!";
		else if (!p->stopping && opt.exitfirst &&
		    reporter_failed(p->rep))
			p->stopwhy = "--exitfirst";
		p->stopping = p->stopwhy != NULL;
		st = p->w[i]->state;
		if (st == WORKER_GONE && !interrupted && !p->stopping &&
		    p->next < found.n && (size_t)i < found.n) {
			replace(p, i);
			if (p->w[i] == NULL)
				continue;
			st = p->w[i]->state;
		}
		if ((st == WORKER_STARTING || st == WORKER_IDLE) &&
		    !p->stopping && !interrupted && (t = nexttest(p))) {
			worker_run(p->w[i], t->path, t->isfile);
			p->next++;
		}
	}
}

/* A Run is in flight, or its worker is dying and owes its test a result. */
static int
busy(const struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->test != NULL)
			return 1;
	return 0;
}

static int
alive(const struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->state != WORKER_GONE)
			return 1;
	return 0;
}

/* One wait: worker sockets, the self-pipe, the nearest deadline. */
static void
step(struct pool *p, struct pollfd *pfd)
{
	long long d, soonest = 0, now = now_ms();
	int i, wait, sig, child = 0;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			worker_flush(p->w[i]);
	pfd[0].fd = selfpipe[0];
	pfd[0].revents = 0;
	pfd[0].events = POLLIN;
	for (i = 0; i < p->nw; i++) {
		pfd[i + 1].fd = -1;
		pfd[i + 1].revents = 0;
		if (p->w[i] == NULL)
			continue;
		pfd[i + 1].fd = worker_pollfd(p->w[i], &pfd[i + 1].events);
		d = worker_due(p->w[i]);
		if (d != 0 && (soonest == 0 || d < soonest))
			soonest = d;
	}
	if (p->tty && (soonest == 0 || soonest > p->shown + 1000))
		soonest = p->shown + 1000;	/* the status line's next tick */
	wait = soonest == 0 ? -1 : soonest <= now ? 0 :
	    soonest - now > INT_MAX ? INT_MAX : (int)(soonest - now);
	if (poll(pfd, (nfds_t)p->nw + 1, wait) < 0 && errno != EINTR)
		fatal("poll:");
	if (pfd[0].revents != 0 && (sig = sigpipe_take(&child)) != 0)
		interrupted = sig;
	if (child)
		reapworkers(p);
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && pfd[i + 1].fd >= 0 &&
		    pfd[i + 1].revents != 0)
			worker_io(p->w[i], pfd[i + 1].revents);
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			worker_tick(p->w[i]);
}

static int
retired(const struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			return 0;
	return 1;
}

/* With every worker slot retired, the tests left are errors saying why. */
static void
notrun(struct pool *p)
{
	struct rep_result res = { 0 };
	char text[700];

	snprintf(text, sizeof(text), "not run: every worker kept dying "
	    "(the last: %s)", p->why);
	res.kind = REP_ERROR;
	res.class = CLASS_LOST;
	res.text = text;
	res.textlen = strlen(text);
	for (; p->next < found.n; p->next++) {
		res.name = found.t[p->next].path;
		reporter_notrun(p->rep, res.name, found.t[p->next].isfile,
		    &res);
	}
}

/* A terminal that takes escape codes: the status line, colour. */
static int
terminal(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && (term == NULL ||
	    strcmp(term, "dumb") != 0);
}

/* trial's colours: --color, else on a terminal unless NO_COLOR. */
static int
color(void)
{
	const char *nc = getenv("NO_COLOR");

	if (opt.color != NULL && strcmp(opt.color, "auto") != 0)
		return strcmp(opt.color, "always") == 0;
	return terminal() && (nc == NULL || *nc == '\0');
}

/* The terminal's width, else $COLUMNS, else 80. */
static size_t
columns(void)
{
	const char *cols = getenv("COLUMNS");
#ifdef TIOCGWINSZ
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
		return ws.ws_col;
#endif
	if (cols != NULL && atoi(cols) > 10)
		return (size_t)atoi(cols);
	return 80;
}

/*
 * On a terminal: "[done/total] N failed | test 3s, test 0s", redrawn
 * each second and whenever a test ends, cut to the terminal's width.
 */
static void
statusline(struct pool *p)
{
	struct buf b = { 0 };
	long long now = now_ms();
	size_t running = 0, width;
	const char *sep = " | ";
	char s[96];
	int i;

	if (!p->tty || now - p->shown < 1000)
		return;
	width = columns();
	p->shown = now;
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->test != NULL)
			running++;
	snprintf(s, sizeof(s), "[%zu/%zu]", p->next - running, found.n);
	buf_addstr(&b, s);
	if (reporter_problems(p->rep) > 0) {
		snprintf(s, sizeof(s), " %zu failed",
		    reporter_problems(p->rep));
		buf_addstr(&b, s);
	}
	for (i = 0; i < p->nw; i++) {
		if (p->w[i] == NULL || p->w[i]->test == NULL)
			continue;
		snprintf(s, sizeof(s), " %llds",
		    (now - p->w[i]->started) / 1000);
		buf_addstr(&b, sep);
		buf_addstr(&b, p->w[i]->test);
		buf_addstr(&b, s);
		sep = ", ";
	}
	/* One column short of the width: the cursor stays on the line. */
	b.len = utf8_span(b.data, b.len, width - 1);
	buf_addc(&b, '\0');
	reporter_progress(p->rep, (char *)b.data);
	buf_free(&b);
}

/* The running tests of an interrupted run each get an error saying so. */
static void
interrupt(struct pool *p)
{
	char why[64];
	int i;

	snprintf(why, sizeof(why), "the run was interrupted (%s)",
	    signame(interrupted));
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->state == WORKER_BUSY)
			worker_kill(p->w[i], why);
}

/* A run stopped early says how many tests it left, and names them. */
static void
unrun(struct pool *p)
{
	size_t i;

	if (p->next >= found.n)
		return;
	warn("stopped by %s; %zu of %zu tests did not run", p->stopwhy,
	    found.n - p->next, found.n);
	for (i = p->next; i < found.n; i++)
		dprintf(p->cfg.logfd, "disttrial: not run (stopped by %s): "
		    "%s\n", p->stopwhy, found.t[i].path);
}

static void
pass(struct pool *p, struct pollfd *pfd)
{
	int killed = 0;

	p->next = 0;
	p->stopping = 0;
	p->stopwhy = NULL;
	for (;;) {
		dispatch(p);
		if (interrupted && !killed) {
			interrupt(p);
			killed = 1;
		}
		if (!busy(p) && (p->next >= found.n || p->stopping ||
		    interrupted || retired(p)))
			break;
		statusline(p);
		step(p, pfd);
	}
	if (retired(p) && !interrupted && !p->stopping)
		notrun(p);
	if (p->stopping && !interrupted)
		unrun(p);
}

/* No more tests: every worker is told to finish, and is waited for. */
static void
finish(struct pool *p, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			worker_close(p->w[i]);
	while (alive(p))
		step(p, pfd);
	for (i = 0; i < p->nw; i++)
		worker_free(p->w[i]);
}

/* The passes of the run (one, or until one fails with -u). */
static int
passes(struct pool *p, struct pollfd *pfd)
{
	long long start;
	char line[32];
	int i, failed = 0;

	reporter_begin(p->rep, found.announce);
	for (i = 1;; i++) {
		start = now_ms();
		if (opt.untilfailure) {
			if (i > 1)
				reporter_reset(p->rep);
			snprintf(line, sizeof(line), "Test Pass %d", i);
			reporter_line(p->rep, line);
		}
		pass(p, pfd);
		reporter_end(p->rep, (double)(now_ms() - start) / 1000);
		failed = reporter_failed(p->rep);
		if (interrupted || failed || !opt.untilfailure)
			break;
	}
	finish(p, pfd);
	return failed ? RC_FAILED : RC_OK;
}


/* Opens test.log in the temp directory; the run's workers share it. */
static int
openlog(const char *dir)
{
	char *log;
	int fd;

	log = pathjoin(dir, "test.log");
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND,
	    0666)) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		fatal("cannot create %s:", log);
	free(log);
	return fd;
}

/* --junit-xml FILE: it must be writable now, not only at the end. */
static void
junit(struct reporter *rep)
{
	struct replace probe;

	if (replace_open(&probe, opt.junit) < 0)
		fatal("cannot write %s:", opt.junit);
	fclose(probe.f);
	unlink(probe.tmp);
	free(probe.tmp);
	if (reporter_junit(rep, opt.junit) < 0)
		fatal("--junit-xml: no scratch file:");
}

/* What every worker gets; closefds has room for the manager's three. */
static void
setpool(struct pool *p, char *dir, int logfd, int *closefds)
{
	memset(p, 0, sizeof(*p));
	/* --trial: the tests are counted once the workers have started. */
	p->nw = opt.trial || (size_t)opt.jobs < found.n ? opt.jobs :
	    (int)found.n;
	p->w = xreallocarray(NULL, (size_t)p->nw, sizeof(*p->w));
	p->restarts = xreallocarray(NULL, (size_t)p->nw,
	    sizeof(*p->restarts));
	memset(p->restarts, 0, (size_t)p->nw * sizeof(*p->restarts));
	p->tty = terminal();
	p->rep = reporter_new(stdout, opt.reporter, color());
	if (opt.state != NULL)
		reporter_keepruns(p->rep);
	if (opt.junit != NULL)
		junit(p->rep);
	p->cfg.o = &opt.wopts;
	p->cfg.command = opt.workercmd;
	p->cfg.tempdir = dir;
	p->cfg.rep = p->rep;
	p->cfg.logfd = logfd;
	closefds[0] = selfpipe[0];
	closefds[1] = selfpipe[1];
	closefds[2] = logfd;
	p->cfg.closefds = closefds;
	p->cfg.nclosefds = 3;
	p->cfg.timeout = opt.wopts.timeout;
}

/*
 * --state, --failed and the order: the last run's state is read, the
 * tests kept and put in order (slowest first with --state, unless an
 * order is asked for).  1 if --failed left no test, said on stderr.
 */
static int
arrange(void)
{
	int ord = opt.order;

	if (opt.state != NULL)
		state_read(&state, opt.state);
	if (opt.failed) {
		discover_failed(&found, &state);
		if (found.n == 0) {
			warn("--failed: no test failed the last time (%s)",
			    opt.state);
			return 1;
		}
	}
	if (ord < 0)
		ord = opt.state != NULL ? ORDER_SLOWEST : ORDER_FOUND;
	if (ord == ORDER_RANDOM) {
		if (!opt.seeded)
			opt.seed = ((unsigned long)time(NULL) ^
			    ((unsigned long)getpid() << 16)) % 1000000000;
		warn("tests in random order, seed %lu (--random %lu repeats "
		    "it)", opt.seed, opt.seed);
	}
	discover_order(&found, ord, opt.seed, &state);
	return 0;
}

static void
record(void *arg, const char *test, double secs, int failed)
{
	state_set(arg, test, secs, failed);
}

/* --state: this run's tests, their times and outcomes, for the next. */
static void
remember(struct pool *p)
{
	reporter_each(p->rep, record, &state);
	if (state_write(&state, opt.state) < 0)
		warn("--state %s: cannot write it:", opt.state);
	state_free(&state);
}

/*
 * The tests of the operands (t without any), or a usage error; with
 * --trial only begun (discover_wait finishes), and the workers are
 * Twisted's unless a command is given.  Returns what was searched.
 */
static const char *
find(char **operands, int nops)
{
	static char *deflt[] = { "t", NULL };
	struct discover_opts d = { NULL, 0, NULL };
	char err[PATH_MAX + 128];

	if (nops == 0) {
		operands = deflt;
		nops = 1;
	}
	if (opt.trial) {
		d.python = getenv("PYTHON");
		if (d.python == NULL || *d.python == '\0')
			d.python = "python3";
		if (opt.workercmd == NULL)
			opt.workercmd = TRIALWORKER;
	}
	if (opt.failed && opt.state == NULL)
		usage("%s", "--failed needs --state FILE");
	if (opt.order == ORDER_SLOWEST && opt.state == NULL)
		usage("%s", "--order slowest needs --state FILE");
	d.pattern = opt.pattern;
	d.names = opt.workercmd != NULL;
	if (discover(&found, operands, nops, &d, err, sizeof(err)) < 0)
		usage("%s", err);
	if (!opt.trial && found.n == 0)
		usage("no tests found in %s", nops == 1 ? operands[0] :
		    "the operands");
	if (!opt.trial && arrange() != 0)
		exit(RC_OK);
	return nops == 1 ? operands[0] : "the operands";
}

/*
 * --trial: the workers started while trial's loader listed the tests;
 * those beyond one a test are let go.  -1 if there are no tests, the
 * workers gone and the problem said.
 */
static int
listed(struct pool *p, struct pollfd *pfd, const char *what)
{
	char err[PATH_MAX + 128];
	int i;

	if (discover_wait(&found, err, sizeof(err)) == 0) {
		if (opt.trial && found.n > 0 && arrange() != 0) {
			finish(p, pfd);
			return 1;
		}
		if (found.n > 0) {
			for (i = 0; i < p->nw; i++)
				if (p->w[i] != NULL && (size_t)i >= found.n)
					worker_close(p->w[i]);
			return 0;
		}
		snprintf(err, sizeof(err), "no tests found in %s", what);
	}
	warn("%s", err);
	finish(p, pfd);
	return -1;
}

/* The passes, once the tests are listed; --state learns from them. */
static int
run(struct pool *p, struct pollfd *pfd, const char *what)
{
	int rc;

	switch (listed(p, pfd, what)) {
	case 0:
		rc = passes(p, pfd);
		break;
	case 1:
		return RC_OK;	/* --failed: nothing failed */
	default:
		return RC_ERROR;
	}
	if (opt.state != NULL && !interrupted)
		remember(p);
	return rc;
}

/*
 * The manager: the tests are found (in t without operands), the temp
 * directory is locked and test.log opened, the workers run the passes,
 * the lock is released and an interrupted run dies by its signal.
 */
static int
manager(char **operands, int nops)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP };
	struct pollfd *pfd;
	struct pool p;
	const char *what;
	char *dir;
	int rc, logfd, closefds[3];

	what = find(operands, nops);
	/*
	 * The handlers come before the lock: a signal while an old temp
	 * directory is emptied still ends in a report and a released lock.
	 */
	sigpipe_open(stops, 3, selfpipe);
	dir = tempdir();
	logfd = openlog(dir);
	interrupted = sigpipe_take(NULL);
	setpool(&p, dir, logfd, closefds);
	pfd = xreallocarray(NULL, (size_t)p.nw + 1, sizeof(*pfd));
	spawnall(&p);
	rc = run(&p, pfd, what);
	free(pfd);
	worker_cfg_free(&p.cfg);
	close(logfd);
	reporter_free(p.rep);
	free(p.w);
	free(p.restarts);
	free(dir);
	if (rc == RC_FAILED)
		warn("full output in %.*s/test.log",
		    (int)(strlen(lockpath) - strlen(".lock")), lockpath);
	if (interrupted) {
		warn("interrupted by %s; %zu of %zu tests did not run",
		    signame(interrupted), found.n - p.next, found.n);
		unlock();
		signal(interrupted, SIG_DFL);
		raise(interrupted);
	}
	unlock();
	tests_free(&found);
	return rc;
}

int
main(int argc, char **argv)
{
	int nops;

	opt.jobs = jobs("auto");
	opt.order = -1;
	opt.wopts.notefd = -1;
	nops = parse(argc, argv);
	if (opt.isworker) {
		if (nops > 0)
			usage("%s", "--worker takes no operands");
		return workertrial_main(&opt.wopts);
	}
	if (opt.wopts.stdio)
		usage("%s", "--stdio goes with --worker");
	return manager(argv, nops);
}
