/*
 * disttrial.c: main, as trial's disttrial and options.  The options
 * (opt_), then the manager: the tests discover.c finds, put in order;
 * the temp directory and its lock (temp_); the workers and the poll
 * loop that hands them tests (pool_, pass_); the passes and --state
 * (run_); the whole of the manager's life (manager_).  With --worker,
 * main hands over to workertrial.c's loop.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <ctype.h>
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

/*
 * How the manager's run ends short of its passes, each told to main,
 * which gives it its exit status; otherwise an RC_ status.
 */
enum {
	RUN_STOPPED = -5,	/* a stop signal while the tests were found */
	RUN_USAGE,	/* bad operands: usagemsg says why (RC_ERROR) */
	RUN_NOTHING,	/* --failed: nothing failed the last time (RC_OK) */
	RUN_NONE,	/* no tests listed, or the loader failed (RC_ERROR) */
	RUN_TESTS,	/* run_listed: there are tests to run */
};
#define MAXJOBS 1024
#define MAXRESTARTS 5		/* replacements of one worker slot */
#define STARTTIMEOUT 300	/* s: --start-timeout's default */
#define COVERAGEMS 60000	/* ms: a worker writing its coverage, to exit */
#define ORDER_TOPTOBOTTOM 100	/* --order toptobottom: trial's, --trial */
/* --trial's workers: Twisted's own, in the Python that listed the tests. */
#define TRIALWORKER \
    "exec \"${PYTHON:-python3}\" -m twisted.trial._dist.workertrial"

enum {
	OPT_COLOR = 1,
	OPT_COVERAGE,
	OPT_DEBUG,
	OPT_DEBUGGER,
	OPT_DEBUGST,
	OPT_DISABLEGC,
	OPT_EXEC,
	OPT_DRYRUN,
	OPT_EXITFIRST,
	OPT_FAILED,
	OPT_FORCEGC,
	OPT_GROUPFD,
	OPT_HELP,
	OPT_HELPORDERS,
	OPT_HELPREACTORS,
	OPT_HELPREPORTERS,
	OPT_JOBS,
	OPT_JUNIT,
	OPT_LEAKS,
	OPT_LOGFILE,
	OPT_NOPM,
	OPT_NORECURSE,
	OPT_ORDER,
	OPT_PATTERN,
	OPT_PROFILE,
	OPT_RANDOM,
	OPT_REACTOR,
	OPT_RECURSIONLIMIT,
	OPT_REPORTER,
	OPT_RTERRORS,
	OPT_SHARD,
	OPT_SPEW,
	OPT_SLURM,
	OPT_SSH,
	OPT_STARTTIMEOUT,
	OPT_STATE,
	OPT_STDIO,
	OPT_TAP,
	OPT_TBFORMAT,
	OPT_TEMPDIR,
	OPT_TESTMODULE,
	OPT_TIMEOUT,
	OPT_TRIAL,
	OPT_UNCLEAN,
	OPT_UNTILFAILURE,
	OPT_VERSION,
	OPT_WITHOUTMODULE,
	OPT_WORKER,
	OPT_WORKERCMD,
};

static const struct option {
	char shortname;		/* 0: long form only */
	const char *longname;
	int hasarg;		/* 2: optional, as --name=value only */
	int id;
} options[] = {
	{ 0, "color", 1, OPT_COLOR },
	{ 0, "coverage", 0, OPT_COVERAGE },
	{ 'b', "debug", 0, OPT_DEBUG },
	{ 0, "debugger", 1, OPT_DEBUGGER },
	{ 'B', "debug-stacktraces", 0, OPT_DEBUGST },
	{ 0, "disablegc", 0, OPT_DISABLEGC },
	{ 'n', "dry-run", 0, OPT_DRYRUN },
	{ 'e', "exec", 1, OPT_EXEC },
	{ 'x', "exitfirst", 0, OPT_EXITFIRST },
	{ 0, "failed", 0, OPT_FAILED },
	{ 0, "force-gc", 0, OPT_FORCEGC },
	{ 0, "group-fd", 1, OPT_GROUPFD },
	{ 'h', "help", 0, OPT_HELP },
	{ 0, "help-orders", 0, OPT_HELPORDERS },
	{ 0, "help-reactors", 0, OPT_HELPREACTORS },
	{ 0, "help-reporters", 0, OPT_HELPREPORTERS },
	{ 'j', "jobs", 1, OPT_JOBS },
	{ 0, "junit-xml", 1, OPT_JUNIT },
	{ 0, "leaks", 1, OPT_LEAKS },
	{ 'l', "logfile", 1, OPT_LOGFILE },
	{ 0, "nopm", 0, OPT_NOPM },
	{ 'N', "no-recurse", 0, OPT_NORECURSE },
	{ 0, "order", 1, OPT_ORDER },
	{ 'p', "pattern", 1, OPT_PATTERN },
	{ 0, "profile", 0, OPT_PROFILE },
	{ 'z', "random", 1, OPT_RANDOM },
	{ 0, "reactor", 1, OPT_REACTOR },
	{ 0, "recursionlimit", 1, OPT_RECURSIONLIMIT },
	{ 'r', "reporter", 1, OPT_REPORTER },
	{ 0, "rterrors", 0, OPT_RTERRORS },
	{ 0, "shard", 1, OPT_SHARD },
	{ 0, "spew", 0, OPT_SPEW },
	{ 0, "slurm", 2, OPT_SLURM },	/* 2: --slurm or --slurm=N */
	{ 0, "ssh", 1, OPT_SSH },
	{ 0, "start-timeout", 1, OPT_STARTTIMEOUT },
	{ 0, "state", 1, OPT_STATE },
	{ 0, "stdio", 0, OPT_STDIO },
	{ 0, "tap", 0, OPT_TAP },
	{ 0, "tbformat", 1, OPT_TBFORMAT },
	{ 'T', "temp-directory", 1, OPT_TEMPDIR },
	{ 0, "testmodule", 1, OPT_TESTMODULE },
	{ 't', "timeout", 1, OPT_TIMEOUT },
	{ 0, "trial", 0, OPT_TRIAL },
	{ 0, "unclean-warnings", 0, OPT_UNCLEAN },
	{ 'u', "until-failure", 0, OPT_UNTILFAILURE },
	{ 'V', "version", 0, OPT_VERSION },
	{ 0, "without-module", 1, OPT_WITHOUTMODULE },
	{ 0, "worker", 0, OPT_WORKER },
	{ 0, "worker-command", 1, OPT_WORKERCMD },
};

static const char synopsis[] =
    "usage: disttrial [-hVux] [-j jobs] [-r reporter] [-t seconds] "
    "[-e command]\n"
    "                 [-l file] [-p glob] [-T dir] [--color when]\n"
    "                 [--junit-xml file] [--leaks how] [--order order]\n"
    "                 [-z seed] [--rterrors] [--shard k/n] [--slurm[=n]]\n"
    "                 [--ssh [n/]host] [--start-timeout seconds]\n"
    "                 [--state file [--failed]] [--tap]\n"
    "                 [--worker-command command] [test ...]\n"
    "       disttrial --trial [-ehnNVux] [-j jobs] [-l file] [-T dir]\n"
    "                 [--reporter reporter] [--junit-xml file]\n"
    "                 [--worker-command command] [--coverage]\n"
    "                 [--disablegc] [--force-gc] [-r reactor]\n"
    "                 [--recursionlimit n] [--without-module module]\n"
    "                 [--order order] [-z seed] [--testmodule file]\n"
    "                 [--tbformat format] [--unclean-warnings]\n"
    "                 [suite ...]\n"
    "       disttrial [--trial] --help-orders | --help-reactors |\n"
    "                 --help-reporters\n"
    "       disttrial --worker [--stdio] [--tap] [-t seconds] "
    "[-e command]\n"
    "                 [--group-fd fd] [--leaks how]\n";

static const char help[] =
    "Run a project's tests in parallel on a pool of worker processes.\n"
    "Operands are test files and directories to search (default: t).\n"
    "\n"
    "      --color WHEN          auto (a terminal, no NO_COLOR), always,\n"
    "                            never\n"
    "      --coverage, --disablegc, --force-gc, --reactor NAME,\n"
    "      --recursionlimit N, --without-module MODULE\n"
    "                            trial's worker options: with --trial,\n"
    "                            for Twisted's workers, as trial -j\n"
    "                            gives them; --worker takes them\n"
    "                            (with --trial, -r is --reactor)\n"
    "  -n, --dry-run             with --trial: every test passes unrun\n"
    "  -N, --no-recurse          with --trial: not into packages in\n"
    "                            packages, as trial's loader\n"
    "  -e, --exec CMD            run each test as CMD TEST\n"
    "      --failed              with --state: only what failed last time\n"
    "      --group-fd FD         with --worker: note the tests' process\n"
    "                            group on FD, once\n"
    "  -h, --help                print this help and exit\n"
    "      --help-orders, --help-reporters\n"
    "                            list the orders, the report's formats\n"
    "      --help-reactors       with --trial: Twisted's reactors\n"
    "  -j, --jobs N|auto         workers here (default auto: online\n"
    "                            processors; none beside --ssh or --slurm)\n"
    "      --junit-xml FILE      also write JUnit XML for CI servers\n"
    "      --leaks HOW           what a test left running is: warn (a\n"
    "                            skip naming it, the default), error\n"
    "  -l, --logfile FILE        test.log's name, in the temp directory\n"
    "                            unless FILE is absolute\n"
    "      --order NAME          alphabetical, random, slowest (--state);\n"
    "                            with --trial, trial's toptobottom (-o)\n"
    ;

/* The rest (C99 promises string literals of 4095 bytes, no more). */
static const char help2[] =
    "  -p, --pattern GLOB        tests in directories are files matching\n"
    "                            GLOB, not executable files\n"
    "  -z, --random SEED         shuffle the tests from SEED (trial's\n"
    "                            shuffle with --trial)\n"
    "  -r, --reporter NAME       tree (trial's verbose), bwverbose, text,\n"
    "                            summary, timing, tap (a TAP stream)\n"
    "      --rterrors            a failure's text at its test's line too\n"
    "                            (with --trial, -e)\n"
    "      --shard K/N           run part K of N of the tests, the same\n"
    "                            parts everywhere (by --state's times)\n"
    "      --slurm[=N]           N workers more as SLURM job steps (srun);\n"
    "                            in an allocation, at most its tasks\n"
    "      --ssh [N/]HOST        N workers more (1) on HOST through ssh,\n"
    "                            in this directory; again for more hosts\n"
    "      --spew                with --trial: trial's loader's trace\n"
    "      --start-timeout SECS  give up a worker that has not started\n"
    "                            after SECS (default 300)\n"
    "      --state FILE          learn from the last run: slowest first,\n"
    "                            --failed; FILE written after the run\n"
    "      --stdio               with --worker: AMP on stdin/stdout\n"
    "      --tap                 every test must print TAP: one that\n"
    "                            prints none is an error\n"
    "  -T, --temp-directory DIR  default _trial_temp\n"
    "      --tbformat FORMAT     with --trial: tracebacks plain, emacs,\n"
    "                            cgitb, as trial shows them\n"
    "      --testmodule FILE     with --trial: the tests FILE's\n"
    "                            test-case-name line names, as trial\n"
    "  -t, --timeout SECS        kill a test that runs longer, an error\n"
    "      --trial               operands are Python trial suites, each\n"
    "                            test method run on Twisted's worker\n"
    "                            ($PYTHON, else trial's own Python)\n"
    "  -u, --until-failure       repeat the run until a pass fails\n"
    "      --unclean-warnings    with --trial: a dirty reactor is a\n"
    "                            warning, not an error\n"
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
	int help, version;	/* print it and exit: parsing stops there */
	int helpon;		/* --help-orders, -reactors, -reporters: */
				/* OPT_HELP... */
	int jobs;
	int exitfirst;
	int untilfailure;
	int trial;
	int trialletters;	/* --trial is among the options */
	int rterrors;		/* trial's --rterrors (-e) */
	int unclean;		/* trial's --unclean-warnings */
	int coverage;		/* trial's --coverage */
	int spew;		/* trial's --spew: its loader's trace */
	int nopm;		/* trial's --nopm, which needs --debug */
	int tbformat;		/* trial's --tbformat, as TB_ */
	const char *tbformatarg;	/* as given */
	const char *logfile;	/* -l: test.log's name */
	int dryrun;		/* trial's -n: with --trial only */
	const char *pattern;
	const char *tempdir;
	const char *timeout;	/* -t as given, for local workers */
	double starttimeout;	/* --start-timeout, seconds */
	int shard, shards;	/* --shard K/N; 0/0: the whole suite */
	int jobsgiven;		/* -j was given */
	int slurm;		/* --slurm[=N] was given */
	int nslurm;		/* its N, or 0 */
	int nslurmgiven;	/* N was given */
	int slurmalloc;		/* and the run is in an allocation */
	struct sshhost {
		const char *host;
		int n;
	} *ssh;			/* --ssh [N/]HOST, in order */
	size_t nssh;
	int nsshworkers;	/* their N, summed */
	const char *workercmd;
	/*
	 * The options trial's manager forwards to its workers (trial's
	 * WorkerOptions: --force-gc, --disablegc, --coverage,
	 * --recursionlimit, --reactor, --without-module), as given: with
	 * --trial they go to Twisted's workers, with --worker they are
	 * taken and mean nothing to a test program.
	 */
	const char **pyargs;
	int npyargs;
	/*
	 * And with --trial, what trial's loader takes: those, and -N,
	 * --testmodule FILE (trial's manager applies them to itself).
	 */
	const char **loadargs;
	int nloadargs;
	const char *testmodule;	/* --testmodule FILE, the last */
	const char *refused;	/* the first of trial's options trial -j */
				/* refuses: --debug, --debug-stacktraces, */
				/* --profile */
	const char *color;	/* auto, always, never */
	const char *reporter;	/* the report's format */
	const char *junit;	/* --junit-xml FILE */
	const char *state;	/* --state FILE */
	int failed;		/* --failed */
	int order;		/* ORDER_..., -1: the default */
	unsigned long seed;
	int seeded;
	const char *seedarg;	/* --random's, as given */
	const char *trialseed;	/* that, given to trial's loader */
} opt;

/* A usage error's message, which main prints before the synopsis. */
static char usagemsg[PATH_MAX + 256];

/* Says what is wrong with the command line; returns -1. */
static int
opt_bad(const char *fmt, const char *what)
{
	snprintf(usagemsg, sizeof(usagemsg), fmt, what);
	return -1;
}

static const struct option *
opt_findlong(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < countof(options); i++)
		if (strlen(options[i].longname) == len &&
		    strncmp(options[i].longname, name, len) == 0)
			return &options[i];
	return NULL;
}

/*
 * A letter.  With --trial anywhere before "--", letters mean what they
 * mean to trial where they differ: -r is --reactor, -e --rterrors, and
 * trial's -o is --order.
 */
static const struct option *
opt_findshort(int c)
{
	size_t i;

	if (opt.trialletters && c == 'r')
		return opt_findlong("reactor", 7);
	if (opt.trialletters && c == 'e')
		return opt_findlong("rterrors", 8);
	if (opt.trialletters && c == 'o')
		return opt_findlong("order", 5);
	for (i = 0; i < countof(options); i++)
		if (options[i].shortname == c)
			return &options[i];
	return NULL;
}

/*
 * --ssh [N/]HOST: N (default 1) more workers on HOST.  A host that
 * starts with '-' would be an option to ssh.
 */
static int
opt_ssh(const char *arg)
{
	const char *host = arg, *slash;
	char *end;
	long n = 1;

	if ((slash = strchr(arg, '/')) != NULL && slash > arg &&
	    strspn(arg, "0123456789") == (size_t)(slash - arg)) {
		errno = 0;
		n = strtol(arg, &end, 10);
		host = slash + 1;
		if (errno != 0 || n < 1)
			n = 0;
	}
	if (n < 1 || *host == '\0' || *host == '-' ||
	    strpbrk(host, " \t\n") != NULL ||
	    opt.nsshworkers + n > MAXJOBS)
		return opt_bad("--ssh needs [N/]HOST, N workers (1 to 1024 "
		    "in all) on a host, not '%s'", arg);
	opt.ssh = xreallocarray(opt.ssh, opt.nssh + 1, sizeof(*opt.ssh));
	opt.ssh[opt.nssh].host = host;
	opt.ssh[opt.nssh].n = (int)n;
	opt.nssh++;
	opt.nsshworkers += (int)n;
	return 0;
}

/* NAME, and VAL if it is not NULL, appended to the arguments *v. */
static void
opt_append(const char ***v, int *n, const char *name, const char *val)
{
	*v = xreallocarray(*v, (size_t)*n + 2, sizeof(**v));
	(*v)[(*n)++] = name;
	if (val != NULL)
		(*v)[(*n)++] = val;
}

/* One of trial's loader options, and its value if it has one. */
static int
opt_loadarg(const char *name, const char *val)
{
	opt_append(&opt.loadargs, &opt.nloadargs, name, val);
	return 0;
}

/* One of trial's worker options (its loader's too), and its value. */
static int
opt_pyarg(const char *name, const char *val)
{
	opt_append(&opt.pyargs, &opt.npyargs, name, val);
	return opt_loadarg(name, val);
}

/* --recursionlimit N: an integer, as trial takes it. */
static int
opt_recursionlimit(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > INT_MAX)
		return opt_bad("--recursionlimit needs a positive integer, "
		    "not '%s'", arg);
	return opt_pyarg("--recursionlimit", arg);
}

/* --shard K/N: 1 <= K <= N. */
static int
opt_shard(const char *arg)
{
	char *end;
	long k, n;

	errno = 0;
	k = strtol(arg, &end, 10);
	if (errno == 0 && end != arg && *end == '/' && isdigit((unsigned
	    char)arg[0]) && isdigit((unsigned char)end[1])) {
		n = strtol(end + 1, &end, 10);
		if (errno == 0 && *end == '\0' && k >= 1 && n >= k &&
		    n <= 1000000) {
			opt.shard = (int)k;
			opt.shards = (int)n;
			return 0;
		}
	}
	return opt_bad("--shard needs K/N, part K of N (1 <= K <= N), not "
	    "'%s'", arg);
}

/* A positive number of seconds; the message names the option. */
static int
opt_seconds(const char *bad, const char *arg, double *secs)
{
	char *end;

	errno = 0;
	*secs = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(*secs > 0) ||
	    *secs > 1e9)
		return opt_bad(bad, arg);
	return 0;
}

/* --order's names, for it and for --help-orders. */
static const struct {
	const char *name;
	int order;
	const char *about;
} orders[] = {
	{ "alphabetical", ORDER_ALPHA,
	    "by name (with --trial, trial's: its test methods by name)" },
	{ "random", ORDER_RANDOM, "shuffled (-z SEED: the same way each time)" },
	{ "slowest", ORDER_SLOWEST, "the slowest first, by --state's times" },
	{ "toptobottom", ORDER_TOPTOBOTTOM,
	    "with --trial: as the source defines them" },
};

static int
opt_order(const char *arg, int *ord)
{
	size_t i;

	for (i = 0; i < countof(orders); i++)
		if (strcmp(arg, orders[i].name) == 0) {
			*ord = orders[i].order;
			return 0;
		}
	return opt_bad("--order takes alphabetical, random, slowest or (with "
	    "--trial) toptobottom, not '%s'", arg);
}

/*
 * -l FILE: test.log's name, in the temp directory (and not out of it,
 * as trial has it) unless it is absolute.
 */
static int
opt_logfile(const char *arg)
{
	const char *p;
	size_t n;

	if (*arg == '\0' || arg[strlen(arg) - 1] == '/')
		return opt_bad("--logfile needs a file name, not '%s'", arg);
	for (p = arg; *arg != '/' && *p != '\0'; p += n + (p[n] == '/'))
		if ((n = strcspn(p, "/")) == 2 && strncmp(p, "..", 2) == 0)
			return opt_bad("--logfile: '%s' is outside the temp "
			    "directory (give an absolute path)", arg);
	opt.logfile = arg;
	return 0;
}

/* --tbformat: trial's plain (default), emacs (brief), cgitb (verbose). */
static int
opt_tbformat(const char *arg)
{
	static const char *names[] = { "plain", "default", "emacs", "brief",
	    "cgitb", "verbose" };
	static const int formats[] = { TB_PLAIN, TB_PLAIN, TB_EMACS,
	    TB_EMACS, TB_CGITB, TB_CGITB };
	size_t i;

	for (i = 0; i < countof(names); i++)
		if (strcmp(arg, names[i]) == 0) {
			opt.tbformat = formats[i];
			opt.tbformatarg = arg;
			return 0;
		}
	return opt_bad("--tbformat takes plain, emacs or cgitb, not '%s'",
	    arg);
}

/* --leaks: warn (the default) or error. */
static int
opt_leaks(const char *arg, int *error)
{
	if (strcmp(arg, "warn") == 0 || strcmp(arg, "error") == 0) {
		*error = strcmp(arg, "error") == 0;
		return 0;
	}
	return opt_bad("--leaks takes warn or error, not '%s'", arg);
}

static int
opt_seed(const char *arg, unsigned long *seed)
{
	char *end;

	errno = 0;
	*seed = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || errno != 0)
		return opt_bad("--random takes a number (a seed), not '%s'",
		    arg);
	return 0;
}

static int
opt_jobs(const char *arg, int *jobs)
{
	char *end;
	long v;

	if (strcmp(arg, "auto") == 0) {
		v = sysconf(_SC_NPROCESSORS_ONLN);
		*jobs = v < 1 ? 1 : v > MAXJOBS ? MAXJOBS : (int)v;
		return 0;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 1 || v > MAXJOBS)
		return opt_bad("--jobs needs a number from 1 to 1024 or "
		    "'auto', not '%s'", arg);
	*jobs = (int)v;
	return 0;
}

/*
 * --slurm's workers.  Inside an allocation (salloc, sbatch): as many as
 * it has tasks, fewer if --slurm=N says so; never more, or a step would
 * wait for a place the run's own steps hold.  Outside one: N jobs, or
 * one per processor here.
 */
static void
opt_slurmjobs(void)
{
	const char *n = getenv("SLURM_NTASKS");
	long v;

	if (opt.nslurm == 0)
		opt_jobs("auto", &opt.nslurm);
	if (!(opt.slurmalloc = getenv("SLURM_JOB_ID") != NULL))
		return;
	if (n == NULL)
		n = getenv("SLURM_NPROCS");
	if (n == NULL || (v = strtol(n, NULL, 10)) < 1)
		return;
	if (v > MAXJOBS)
		v = MAXJOBS;
	if (!opt.nslurmgiven || opt.nslurm > v)
		opt.nslurm = (int)v;
}

/* --group-fd: a descriptor above stderr that is open. */
static int
opt_fd(const char *arg, int *fd)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 3 || v > INT_MAX ||
	    fcntl((int)v, F_GETFD) < 0)
		return opt_bad("--group-fd needs an open descriptor above 2, "
		    "not '%s'", arg);
	*fd = (int)v;
	return 0;
}

/* One of trial's options that trial -j refuses: the first is named. */
static void
opt_refuse(const char *name)
{
	if (opt.refused == NULL)
		opt.refused = name;
}

/* An option that takes no value. */
static void
opt_flag(int id)
{
	switch (id) {
	case OPT_EXITFIRST:
		opt.exitfirst = 1;
		break;
	case OPT_FAILED:
		opt.failed = 1;
		break;
	case OPT_COVERAGE:
		opt.coverage = 1;
		opt_pyarg("--coverage", NULL);
		break;
	case OPT_DEBUG:
		opt_refuse("debug");
		break;
	case OPT_RTERRORS:
		opt.rterrors = 1;
		break;
	case OPT_DRYRUN:
		opt.dryrun = 1;
		break;
	case OPT_NORECURSE:
		opt_loadarg("--no-recurse", NULL);
		break;
	case OPT_DEBUGST:
		opt_refuse("debug-stacktraces");
		break;
	case OPT_PROFILE:
		opt_refuse("profile");
		break;
	case OPT_NOPM:
		opt.nopm = 1;
		break;
	case OPT_SPEW:
		opt.spew = 1;
		opt_loadarg("--spew", NULL);
		break;
	case OPT_DISABLEGC:
		opt_pyarg("--disablegc", NULL);
		break;
	case OPT_FORCEGC:
		opt_pyarg("--force-gc", NULL);
		break;
	case OPT_HELP:
		opt.help = 1;
		break;
	case OPT_HELPORDERS:
	case OPT_HELPREACTORS:
	case OPT_HELPREPORTERS:
		opt.helpon = id;
		break;
	case OPT_UNCLEAN:
		opt.unclean = 1;
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
		opt.version = 1;
		break;
	case OPT_WORKER:
		opt.isworker = 1;
		break;
	}
}

/* A value that must not be empty (or blank, with blank set). */
static int
opt_given(const char *arg, int blank, const char *msg, const char **val)
{
	if (blank ? strspn(arg, " \t") == strlen(arg) : *arg == '\0')
		return opt_bad("%s", msg);
	*val = arg;
	return 0;
}

static int
opt_color(const char *arg)
{
	if (strcmp(arg, "auto") != 0 && strcmp(arg, "always") != 0 &&
	    strcmp(arg, "never") != 0)
		return opt_bad("--color takes auto, always or never, not '%s'",
		    arg);
	opt.color = arg;
	return 0;
}

/* A format the reporter has; else the error lists them. */
static int
opt_reporter(const char *arg)
{
	struct buf msg = { 0 };
	const char *name;
	size_t i;

	for (i = 0; (name = reporter_format(i)) != NULL; i++)
		if (strcmp(arg, name) == 0) {
			opt.reporter = arg;
			return 0;
		}
	buf_addstr(&msg, "unknown reporter '");
	buf_addstr(&msg, arg);
	buf_addstr(&msg, "' (there are ");
	for (i = 0; (name = reporter_format(i)) != NULL; i++) {
		buf_addstr(&msg, i > 0 ? ", " : "");
		buf_addstr(&msg, name);
	}
	buf_addstr(&msg, ")");
	buf_addc(&msg, '\0');
	opt_bad("%s", (char *)msg.data);
	buf_free(&msg);
	return -1;
}

/* One option and its value (NULL for a flag); -1 if it is refused. */
static int
opt_value(const struct option *o, const char *arg)
{
	switch (o->hasarg ? o->id : 0) {
	case 0:
		opt_flag(o->id);
		return 0;
	case OPT_COLOR:
		return opt_color(arg);
	case OPT_EXEC:
		return opt_given(arg, 1, "--exec needs a command",
		    &opt.wopts.exec);
	case OPT_GROUPFD:
		return opt_fd(arg, &opt.wopts.notefd);
	case OPT_JOBS:
		opt.jobsgiven = 1;
		return opt_jobs(arg, &opt.jobs);
	case OPT_SSH:
		return opt_ssh(arg);
	case OPT_SLURM:
		opt.slurm = 1;
		opt.nslurmgiven = arg != NULL;
		if (arg != NULL && (strcmp(arg, "auto") == 0 ||
		    opt_jobs(arg, &opt.nslurm) < 0))
			return opt_bad("--slurm=N needs a number of workers from "
			    "1 to 1024, not '%s'", arg);
		return 0;
	case OPT_JUNIT:
		return opt_given(arg, 0, "--junit-xml needs a file name",
		    &opt.junit);
	case OPT_LEAKS:
		return opt_leaks(arg, &opt.wopts.leakerror);
	case OPT_LOGFILE:
		return opt_logfile(arg);
	case OPT_TBFORMAT:
		return opt_tbformat(arg);
	case OPT_DEBUGGER:	/* trial's, for --debug, which -j refuses */
		return opt_given(arg, 0, "--debugger needs a name", &arg) < 0 ?
		    -1 : opt_loadarg("--debugger", arg);
	case OPT_ORDER:
		return opt_order(arg, &opt.order);
	case OPT_PATTERN:
		opt.pattern = arg;
		return 0;
	case OPT_RANDOM:
		opt.order = ORDER_RANDOM;
		opt.seeded = 1;
		opt.seedarg = arg;
		return opt_seed(arg, &opt.seed);
	case OPT_REPORTER:
		return opt_reporter(arg);
	case OPT_STATE:
		return opt_given(arg, 0, "--state needs a file name",
		    &opt.state);
	case OPT_TEMPDIR:
		return opt_given(arg, 0, "--temp-directory needs a name",
		    &opt.tempdir);
	case OPT_TIMEOUT:
		opt.timeout = arg;
		return opt_seconds("--timeout needs a positive number of "
		    "seconds, not '%s'", arg, &opt.wopts.timeout);
	case OPT_SHARD:
		return opt_shard(arg);
	case OPT_REACTOR:
		return opt_given(arg, 0, "--reactor needs a name",
		    &arg) < 0 ? -1 : opt_pyarg("--reactor", arg);
	case OPT_RECURSIONLIMIT:
		return opt_recursionlimit(arg);
	case OPT_TESTMODULE:
		if (opt_given(arg, 0, "--testmodule needs a file name",
		    &opt.testmodule) < 0)
			return -1;
		return opt_loadarg("--testmodule", arg);
	case OPT_WITHOUTMODULE:
		return opt_given(arg, 0, "--without-module needs a module "
		    "name", &arg) < 0 ? -1 : opt_pyarg("--without-module",
		    arg);
	case OPT_STARTTIMEOUT:
		return opt_seconds("--start-timeout needs a positive "
		    "number of seconds, not '%s'", arg, &opt.starttimeout);
	case OPT_WORKERCMD:
		/* One launcher for all: a second silently replaced the first. */
		if (opt.workercmd != NULL)
			return opt_bad("--worker-command is given twice ('%s'); "
			    "one command starts every worker", arg);
		opt.workercmd = arg;
		return 0;
	}
	return 0;
}

/* One long option at argv[*i]: "--name", "--name=value", "--name value". */
static int
opt_long(char **argv, int *i)
{
	const struct option *o;
	const char *name = argv[*i] + 2, *eq;

	eq = strchr(name, '=');
	o = opt_findlong(name, eq ? (size_t)(eq - name) : strlen(name));
	if (o == NULL)
		return opt_bad("unknown option %s", argv[*i]);
	if (!o->hasarg && eq != NULL)
		return opt_bad("option --%s takes no value", o->longname);
	if (o->hasarg == 2)
		return opt_value(o, eq ? eq + 1 : NULL);
	if (o->hasarg && eq == NULL && argv[*i + 1] == NULL)
		return opt_bad("option --%s needs a value", o->longname);
	return opt_value(o, !o->hasarg ? NULL : eq ? eq + 1 : argv[++*i]);
}

/* Bundled short options at argv[*i]: "-xj4", "-j 4". */
static int
opt_short(char **argv, int *i)
{
	const struct option *o;
	const char *p;
	char name[3] = "-?";

	for (p = argv[*i] + 1; *p != '\0'; p++) {
		name[1] = *p;
		if ((o = opt_findshort(*p)) == NULL)
			return opt_bad("unknown option %s", name);
		if (!o->hasarg) {
			opt_value(o, NULL);
			if (opt.help || opt.version || opt.helpon)
				return 0;
			continue;
		}
		if (p[1] != '\0')
			return opt_value(o, p + 1);
		if (argv[*i + 1] == NULL)
			return opt_bad("option %s needs a value", name);
		return opt_value(o, argv[++*i]);
	}
	return 0;
}

/*
 * With --trial, the orders trial has are trial's loader's, so that the
 * tests go as under trial: --order alphabetical and toptobottom, and
 * --random (-z) SEED.  Ours are left: slowest, random without a seed.
 */
static void
opt_trialorder(void)
{
	if (opt.order == ORDER_ALPHA || opt.order == ORDER_TOPTOBOTTOM)
		opt_loadarg("--order", opt.order == ORDER_ALPHA ?
		    "alphabetical" : "toptobottom");
	else if (opt.order == ORDER_RANDOM && opt.seeded)
		opt_loadarg("--random", opt.trialseed = opt.seedarg);
	else
		return;
	opt.order = ORDER_FOUND;
}

/*
 * What the options ask for, alone and together.  -1 if they cannot go
 * together; the operands' own errors come later.
 */
static int
opt_check(int nops)
{
	if (opt.isworker && nops > 0)
		return opt_bad("%s", "--worker takes no operands");
	if (!opt.isworker && opt.wopts.stdio)
		return opt_bad("%s", "--stdio goes with --worker");
	if (!opt.isworker && opt.wopts.notefd >= 0)
		return opt_bad("%s", "--group-fd goes with --worker");
	if (opt.refused != NULL && opt.trial && !opt.isworker)
		return opt_bad("You can't specify --%s when using --jobs",
		    opt.refused);	/* trial -j's words */
	if (opt.nopm && opt.trial && !opt.isworker)
		return opt_bad("%s", "You must specify --debug when using "
		    "--nopm");	/* trial's */
	if (opt.nopm)
		return opt_bad("%s", "unknown option --nopm (trial's, for "
		    "--debug, which trial -j refuses)");
	if (opt.refused != NULL)
		return opt_bad("unknown option --%s (trial's, which trial -j "
		    "refuses)", opt.refused);
	if (opt.isworker && opt.nloadargs > opt.npyargs)
		return opt_bad("%s", "-N and --testmodule are not options of "
		    "a worker");
	if (opt.isworker)
		return 0;	/* trial's worker options: taken, unused */
	if (opt.dryrun && !opt.trial)
		return opt_bad("%s", "-n (--dry-run) is trial's: give --trial");
	if (opt.unclean && !opt.trial)
		return opt_bad("%s", "--unclean-warnings is for Python trial "
		    "suites: give --trial");
	if (opt.tbformatarg != NULL && !opt.trial)
		return opt_bad("%s", "--tbformat shows Python tracebacks: give "
		    "--trial");
	if (opt.nloadargs > 0 && !opt.trial)
		return opt_bad("%s is an option of Python trial suites: give "
		    "--trial", opt.loadargs[0]);

	if (opt.failed && opt.state == NULL)
		return opt_bad("%s", "--failed needs --state FILE");
	if (opt.order == ORDER_TOPTOBOTTOM && !opt.trial)
		return opt_bad("%s", "--order toptobottom is trial's: give "
		    "--trial");
	if (opt.trial)
		opt_trialorder();
	if (opt.order == ORDER_SLOWEST && opt.state == NULL)
		return opt_bad("%s", "--order slowest needs --state FILE");
	if (opt.nssh > 0 && opt.trial)
		return opt_bad("%s", "--ssh does not go with --trial: give "
		    "--worker-command the way to start Twisted's worker there");
	if (opt.slurm && opt.trial)
		return opt_bad("%s", "--slurm starts this program's workers, "
		    "not Twisted's: not with --trial");
	if (opt.slurm)
		opt_slurmjobs();
	/* Only the far workers, unless -j or --worker-command asks. */
	if ((opt.nssh > 0 || opt.slurm) && !opt.jobsgiven &&
	    opt.workercmd == NULL)
		opt.jobs = 0;
	if (opt.jobs + opt.nsshworkers + opt.nslurm > MAXJOBS)
		return opt_bad("%s", "-j, --ssh and --slurm ask for more than "
		    "1024 workers");
	return 0;
}

/*
 * Parses options; the operands are moved to the front of argv and
 * counted.  -1 on a usage error, usagemsg saying which.  Parsing stops
 * at --help or --version, which are printed whatever follows.
 */
static int
opt_parse(int argc, char **argv)
{
	int i, n = 0, r = 0;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--trial") == 0)
			opt.trialletters = 1;
	for (i = 1; i < argc && r == 0 && !opt.help && !opt.version &&
	    !opt.helpon; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (++i < argc)
				argv[n++] = argv[i];
			break;
		}
		if (strncmp(argv[i], "--", 2) == 0)
			r = opt_long(argv, &i);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			r = opt_short(argv, &i);
		else
			argv[n++] = argv[i];
	}
	argv[n] = NULL;
	if (r < 0)
		return -1;
	if (opt.help || opt.version || opt.helpon)
		return 0;
	return opt_check(n) < 0 ? -1 : n;
}

/* The run's tests, as discover() found them; what the last run left. */
static struct tests found;
static struct state state;
static size_t shardof;		/* --shard: the tests of all the parts */

/*
 * The temp directory, as trial keeps it: DIR holds an empty _trial_marker,
 * and DIR.lock, a symlink whose target is the owner's pid, locks it.
 */

#define MARKER "_trial_marker"
#define DEFTEMP "_trial_temp"

static char *lockpath;		/* DIR.lock, DIR as the user names it */
static pid_t lockowner;

static void
temp_unlock(void)
{
	if (lockpath != NULL && getpid() == lockowner)
		unlink(lockpath);
	free(lockpath);
	lockpath = NULL;
}

/* 1: taken; 0: a live process holds it. */
static int
temp_takelock(const char *lock)
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

/*
 * Empties path; 0, or -1 once it said what it could not remove.  A
 * failure frees what it holds before the caller exits: memory left to a
 * fatal exit is a leak to LeakSanitizer, which changes the exit status.
 */
static int
temp_rmtree(const char *path)
{
	struct dirent *e;
	struct stat st;
	char *sub;
	DIR *d;
	int bad = 0;

	if ((d = opendir(path)) == NULL) {
		warn("cannot empty %s:", path);
		return -1;
	}
	while (!bad && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		sub = pathjoin(path, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (temp_rmtree(sub) < 0)
				bad = 1;
			else if (rmdir(sub) < 0)
				bad = 2;
		} else if (unlink(sub) < 0 && errno != ENOENT) {
			bad = 2;
		}
		if (bad == 2)
			warn("cannot remove %s:", sub);
		free(sub);
	}
	closedir(d);
	return bad ? -1 : 0;
}

/*
 * Empties dir for reuse if it is ours (it holds the marker), else refuses;
 * 0, or -1 once it said why not.
 */
static int
temp_prepare(const char *dir)
{
	struct stat st;
	char *marker;
	int fd = -1;

	marker = pathjoin(dir, MARKER);
	if (lstat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || access(marker, F_OK) < 0)
			warn("%s is not a disttrial temp directory (it has no "
			    "%s); refusing to empty it", dir, MARKER);
		else if (temp_rmtree(dir) == 0)
			fd = 0;
	} else if (mkdir(dir, 0777) < 0) {
		warn("cannot create %s:", dir);
	} else {
		fd = 0;
	}
	if (fd == 0 &&
	    (fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0)
		warn("cannot create %s:", marker);
	free(marker);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Locks and prepares the temp directory; returns its absolute path. */
static char *
temp_open(void)
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
		if (temp_takelock(lock))
			break;
		if (opt.tempdir != NULL || i >= 1000)
			warn("temp directory %s is in use (locked by %s)",
			    dir, lock);
		free(dir);
		free(lock);
		if (opt.tempdir != NULL || i >= 1000)
			exit(RC_ERROR);
	}
	lockpath = lock;
	lockowner = getpid();
	atexit(temp_unlock);
	if (temp_prepare(dir) < 0) {
		free(dir);
		temp_unlock();
		exit(RC_ERROR);
	}
	if (dir[0] == '/')
		return dir;
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		free(dir);
		fatal("getcwd:");
	}
	abs = pathjoin(cwd, dir);
	free(dir);
	return abs;
}

/*
 * Opens test.log (or -l's name) in the temp directory, or where -l's
 * absolute path says; the run's workers share it.  *path: as the user
 * would name it, for the message that points at it.
 */
static int
temp_log(const char *dir, char **path)
{
	const char *name = opt.logfile != NULL ? opt.logfile : "test.log";
	char *log;
	int fd;

	log = name[0] == '/' ? xstrdup(name) : pathjoin(dir, name);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND |
	    O_CLOEXEC, 0666)) < 0)
		warn("cannot create %s:", log);
	free(log);
	if (fd < 0)
		exit(RC_ERROR);
	if (name[0] == '/') {
		*path = xstrdup(name);
	} else {	/* DIR as the user names it: DIR.lock's DIR */
		*path = xmalloc(strlen(lockpath) + strlen(name) + 2);
		sprintf(*path, "%.*s/%s", (int)(strlen(lockpath) -
		    strlen(".lock")), lockpath, name);
	}
	return fd;
}

/*
 * The terminal: the status line and colour.
 */

/* A terminal that takes escape codes: the status line, colour. */
static int
term_escapes(void)
{
	const char *term = getenv("TERM");

	return isatty(STDOUT_FILENO) && (term == NULL ||
	    strcmp(term, "dumb") != 0);
}

/* trial's colours: --color, else on a terminal unless NO_COLOR. */
static int
term_color(void)
{
	const char *nc = getenv("NO_COLOR");

	if (opt.color != NULL && strcmp(opt.color, "auto") != 0)
		return strcmp(opt.color, "always") == 0;
	return term_escapes() && (nc == NULL || *nc == '\0');
}

/* The terminal's width, else $COLUMNS, else 80. */
static size_t
term_columns(void)
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
 * The pool: the run's workers, and the poll loop's one wait for them.
 */

/* The workers of one run and where the run is. */
struct pool {
	struct worker **w;	/* one per slot; NULL once retired */
	int nw;
	int *restarts;
	int tty;		/* show a status line */
	long long shown;	/* ms, when it was last drawn */
	size_t next;		/* the next test of the queue */
	char *slurmjobs;	/* cfg.slurmjobs */
	size_t *back;		/* tests given back (worker.h's requeue), */
	size_t nback, backcap;	/* before next in the queue, in order */
	int stopping;		/* hand out no more tests */
	const char *stopwhy;	/* "Bail out!" or "--exitfirst" */
	char why[512];		/* the last fault of a retiring slot */
	int started;		/* a worker answered Start */
	int unstarted;		/* tests were left, and no worker ever started */
	int drawnstarted;	/* the status line has shown that */
	/*
	 * --trial, in the order trial's loader lists them: the tests run
	 * while it lists the rest (listing), and the report's first line
	 * waits for its count.  listfailed: it failed (said), or listed
	 * nothing; RUN_NONE.
	 */
	int listing;
	int listfailed;
	int reserved;		/* slot 0 waits for the loader (handsock) */
	int uncounted;		/* the loader was stopped before its count */
	const char *what;	/* the operands, for "no tests found in" */
	struct worker_cfg cfg;
	struct reporter *rep;
};

static int selfpipe[2] = { -1, -1 };
/*
 * --trial with Twisted's workers: the manager's end of the socket on
 * which trial's loader, once it has listed the tests, becomes worker 0
 * with every test module imported (discover.h's handover), or -1.
 */
static int handsock = -1;
static int interrupted;		/* SIGINT, SIGTERM or SIGHUP, once one came */
static long long began;		/* ms, when the manager began */

/* A local worker's options: the run's -t, -e, --tap and --leaks. */
static char *const *
pool_wopts(void)
{
	static char timeout[] = "--timeout", exec[] = "--exec",
	    tap[] = "--tap", leaks[] = "--leaks", error[] = "error";
	static char *argv[10];
	int n = 0;

	if (opt.timeout != NULL) {
		argv[n++] = timeout;
		argv[n++] = (char *)opt.timeout;
	}
	if (opt.wopts.exec != NULL) {
		argv[n++] = exec;
		argv[n++] = (char *)opt.wopts.exec;
	}
	if (opt.wopts.tap)
		argv[n++] = tap;
	if (opt.wopts.leakerror) {
		argv[n++] = leaks;
		argv[n++] = error;
	}
	argv[n] = NULL;
	return argv;
}

/*
 * The run's report on stdout, in its format; --junit-xml beside it, a
 * file that must be writable now, not only at the end.  It is checked
 * before the reporter is made: a fatal exit leaves nothing allocated
 * that no one holds (LeakSanitizer would change the exit status).
 */
static struct reporter *
pool_reporter(void)
{
	struct reporter *rep;
	char name[64];
	int e;

	if (opt.junit != NULL && replace_check(opt.junit) < 0)
		fatal("cannot write %s:", opt.junit);
	rep = reporter_new(stdout, opt.reporter, term_color());
	reporter_tracebacks(rep, opt.tbformat, opt.rterrors);
	if (opt.state != NULL)
		reporter_keepruns(rep);
	if (opt.junit != NULL && reporter_junit(rep, opt.junit) < 0) {
		e = errno;
		reporter_free(rep);
		errno = e;
		fatal("--junit-xml: no scratch file:");
	}
	if (opt.shards > 0) {
		snprintf(name, sizeof(name), "shard %d of %d", opt.shard,
		    opt.shards);
		reporter_junitname(rep, name);
	}
	return rep;
}

/* Appends s quoted for sh: in single quotes, each ' as '\''. */
static void
shquote(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s != '\0'; s++)
		if (*s == '\'')
			buf_addstr(b, "'\\''");
		else
			buf_addc(b, *s);
	buf_addc(b, '\'');
}

/*
 * This program, by its path, as a worker on stdin and stdout with the
 * run's options: what --slurm and --ssh start at the far end.
 */
static void
pool_farworker(struct buf *b, const struct pool *p, const char *self)
{
	char *const *o;

	shquote(b, self);
	buf_addstr(b, " --worker --stdio");
	for (o = p->cfg.wopts; *o != NULL; o++) {
		buf_addc(b, ' ');
		shquote(b, *o);
	}
}

/*
 * --slurm's worker: a job step (srun) of this program as a worker on
 * stdin and stdout, with the run's options.  Inside an allocation the
 * step takes one task's CPUs and no more (--exact); outside one, each
 * srun is a job of its own, named for the worker's pid, so that it can
 * be cancelled by name (worker_cfg's slurmjobs).  --unbuffered, or
 * SLURM forwards output by lines and an AMP box, which ends in no
 * newline, waits.
 */
static char *
pool_slurm(const struct pool *p, const char *self)
{
	struct buf b = { 0 };

	buf_addstr(&b, "exec srun -N1 -n1 ");
	if (opt.slurmalloc)
		buf_addstr(&b, "--exact --job-name=disttrial ");
	else	/* $$: the shell that becomes srun, the worker's pid */
		buf_addstr(&b, "--job-name=disttrial.$$ ");
	buf_addstr(&b, "--unbuffered --quiet ");
	pool_farworker(&b, p, self);
	buf_addstr(&b, " <&3 >&4");
	buf_addc(&b, '\0');
	return (char *)b.data;
}

/*
 * The far workers' commands, after the -j ones (cfg.command's): first
 * the --ssh hosts', in order.  ssh goes in batch mode with keepalives
 * (a lost host is noticed in about 15 s) to HOST, where this program,
 * by the same path, is a worker on stdin and stdout in this directory,
 * told how many workers the run has (ssh forwards no environment; the
 * worker learns its number from Start).  Then --slurm's.  The files are
 * assumed shared: paths go as the manager sees them.
 */
static void
pool_far(struct pool *p, const char *self)
{
	const char *ssh = getenv("DISTTRIAL_SSH");
	char cwd[PATH_MAX], jobs[48];
	char **cmds, *slurm;
	struct buf remote = { 0 }, local = { 0 };
	size_t h;
	int i, k, slot = opt.jobs;

	if (ssh == NULL || *ssh == '\0')
		ssh = "ssh";
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("getcwd:");
	snprintf(jobs, sizeof(jobs), " && DISTTRIAL_JOBS=%d exec ", p->nw);
	cmds = xreallocarray(NULL, (size_t)(opt.jobs + opt.nsshworkers +
	    opt.nslurm), sizeof(*cmds));
	for (i = 0; i < opt.jobs; i++)
		cmds[i] = NULL;
	/* What runs there is the same on every host. */
	buf_addstr(&remote, "cd ");
	shquote(&remote, cwd);
	buf_addstr(&remote, jobs);
	pool_farworker(&remote, p, self);
	buf_addc(&remote, '\0');
	for (h = 0; h < opt.nssh; h++) {
		local.len = 0;
		buf_addstr(&local, "exec ");
		buf_addstr(&local, ssh);
		buf_addstr(&local, " -T -o BatchMode=yes -o "
		    "ServerAliveInterval=5 -o ServerAliveCountMax=3 -- ");
		shquote(&local, opt.ssh[h].host);
		buf_addc(&local, ' ');
		shquote(&local, (char *)remote.data);
		buf_addstr(&local, " <&3 >&4");
		buf_addc(&local, '\0');
		for (k = 0; k < opt.ssh[h].n; k++)
			cmds[slot++] = xstrdup((char *)local.data);
	}
	if (opt.slurm) {
		slurm = pool_slurm(p, self);
		if (!opt.slurmalloc) {
			p->slurmjobs = xmalloc((size_t)slot +
			    (size_t)opt.nslurm);
			memset(p->slurmjobs, 0, (size_t)slot);
			memset(p->slurmjobs + slot, 1, (size_t)opt.nslurm);
			p->cfg.slurmjobs = p->slurmjobs;
		}
		for (k = 0; k < opt.nslurm; k++)
			cmds[slot++] = xstrdup(slurm);
		free(slurm);
	}
	buf_free(&remote);
	buf_free(&local);
	p->cfg.commands = cmds;
	p->cfg.ncommands = slot;
}

static void pass_requeue(void *, size_t);
static void pass_listed(struct pool *);
static void run_header(struct pool *);
static int run_listend(struct pool *, int, const char *);

/* The workers of one run: as many as there are tests, up to -j. */
static void
pool_init(struct pool *p, char *dir, int logfd, const char *self,
    const char *name)
{
	int all = opt.jobs + opt.nsshworkers + opt.nslurm;

	memset(p, 0, sizeof(*p));
	/* --trial: the tests are counted once the workers have started. */
	p->nw = opt.trial || (size_t)all < found.n ? all : (int)found.n;
	p->w = xreallocarray(NULL, (size_t)p->nw, sizeof(*p->w));
	p->restarts = xreallocarray(NULL, (size_t)p->nw,
	    sizeof(*p->restarts));
	memset(p->restarts, 0, (size_t)p->nw * sizeof(*p->restarts));
	p->tty = term_escapes();
	p->rep = pool_reporter();
	p->cfg.self = self;
	p->cfg.name = name;
	p->cfg.wopts = pool_wopts();
	p->cfg.command = opt.workercmd;
	if (opt.nssh > 0 || opt.slurm)
		pool_far(p, self);
	p->cfg.tempdir = dir;
	p->cfg.rep = p->rep;
	p->cfg.uncleanwarnings = opt.unclean;
	p->cfg.exitms = opt.coverage ? COVERAGEMS : 0;
	p->cfg.logfd = logfd;
	p->cfg.timeout = opt.wopts.timeout;
	p->cfg.starttimeout = opt.starttimeout;
	p->cfg.requeue = pass_requeue;
	p->cfg.arg = p;
	p->reserved = handsock >= 0 && p->nw > 0;
}

/* Everything pool_init made, once its workers are gone. */
static void
pool_free(struct pool *p)
{
	int i;

	for (i = 0; i < p->cfg.ncommands; i++)
		free(p->cfg.commands[i]);
	free((void *)p->cfg.commands);
	worker_cfg_free(&p->cfg);
	reporter_free(p->rep);
	free(p->back);
	free(p->slurmjobs);
	free(p->w);
	free(p->restarts);
}

/*
 * The workers of the run, as many as can be had: when fds or processes
 * run out, the run goes on with fewer, saying so.
 */
static void
pool_spawn(struct pool *p)
{
	char why[256];
	int i;

	snprintf(why, sizeof(why), "%d", p->nw);
	if (setenv("DISTTRIAL_JOBS", why, 1) < 0)	/* for the tests */
		fatal("setenv DISTTRIAL_JOBS:");
	for (i = 0; i < p->nw; i++)
		p->w[i] = NULL;
	for (i = p->reserved; i < p->nw; i++)
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

/* A gone worker is replaced, unless its slot has failed too often. */
static void
pool_replace(struct pool *p, int i)
{
	int failed = p->w[i]->failed, gaveup = p->w[i]->gaveup;
	char why[256];

	if (failed) {
		snprintf(p->why, sizeof(p->why), "%s", p->w[i]->why);
		p->restarts[i]++;
	}
	worker_free(p->w[i]);
	p->w[i] = NULL;
	if (gaveup) {	/* one that never started: no second try */
		warn("%s; its slot is retired", p->why);
		return;
	}
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
 * trial's worker options for the loader become worker: those it has not
 * applied itself (its reactor is installed, its modules hidden).
 */
static char **
pool_handargs(void)
{
	char **v = xreallocarray(NULL, (size_t)opt.npyargs + 1, sizeof(*v));
	int i, n = 0;

	for (i = 0; i < opt.npyargs; i++)
		if (strcmp(opt.pyargs[i], "--reactor") == 0 ||
		    strcmp(opt.pyargs[i], "--without-module") == 0)
			i++;	/* and its value */
		else
			v[n++] = (char *)opt.pyargs[i];
	v[n] = NULL;
	return v;
}

/*
 * The listing is over: trial's loader becomes worker 0 if slot 0 was
 * kept for it and there is a test for it; else it is let go.
 */
static void
pool_takeover(struct pool *p, int ok)
{
	char **args;
	pid_t pid;

	if (!p->reserved)
		return;
	p->reserved = 0;
	pid = ok && !interrupted && found.n > 0 ? discover_handover() : 0;
	if (pid != 0) {
		args = pool_handargs();
		p->w[0] = worker_takeover(&p->cfg, 0, handsock, pid, p->nw,
		    args);
		free(args);
		if (p->w[0] != NULL) {
			handsock = -1;
			return;
		}
	}
	close(handsock);	/* it reads EOF and exits */
	handsock = -1;
	if (pid == 0)
		discover_decline();
	else	/* handed to us, but no slot could be made */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

/* The workers beyond one a test, now that the tests are listed, go. */
static void
pool_spare(struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && (size_t)i >= found.n)
			worker_close(p->w[i]);
}

/* After a SIGCHLD: each worker is waited for by its own pid. */
static void
pool_reap(struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			worker_reap(p->w[i]);
}

/* A Run is in flight, or its worker is dying and owes its test a result. */
static int
pool_holding(const struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->test != NULL)
			return 1;
	return 0;
}

static int
pool_alive(const struct pool *p)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->state != WORKER_GONE)
			return 1;
	return 0;
}

static int
pool_retired(const struct pool *p)
{
	int i;

	if (p->reserved)
		return 0;
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			return 0;
	return 1;
}

/* One wait: worker sockets, the self-pipe, the nearest deadline. */
static void
pool_wait(struct pool *p, struct pollfd *pfd)
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
	pfd[p->nw + 1].fd = p->listing ? discover_fd() : -1;
	pfd[p->nw + 1].events = POLLIN;
	pfd[p->nw + 1].revents = 0;
	if (p->tty && (soonest == 0 || soonest > p->shown + 1000))
		soonest = p->shown + 1000;	/* the status line's next tick */
	wait = soonest == 0 ? -1 : soonest <= now ? 0 :
	    soonest - now > INT_MAX ? INT_MAX : (int)(soonest - now);
	if (poll(pfd, (nfds_t)p->nw + 2, wait) < 0 && errno != EINTR)
		fatal("poll:");
	if (pfd[0].revents != 0 && (sig = sigpipe_take(&child)) != 0)
		interrupted = sig;
	if (child)
		pool_reap(p);
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && pfd[i + 1].fd >= 0 &&
		    pfd[i + 1].revents != 0)
			worker_io(p->w[i], pfd[i + 1].revents);
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			worker_tick(p->w[i]);
	if (p->listing && pfd[p->nw + 1].revents != 0)
		pass_listed(p);
}

/* No more tests: every worker is told to finish, and is waited for. */
static void
pool_finish(struct pool *p, struct pollfd *pfd)
{
	int i;

	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL)
			worker_close(p->w[i]);
	while (pool_alive(p))
		pool_wait(p, pfd);
	for (i = 0; i < p->nw; i++)
		worker_free(p->w[i]);
}

/*
 * One pass over the queue: tests handed out until none is left.
 */

/*
 * A test whose name is not UTF-8 cannot go to a worker (AMP carries it
 * as Unicode): it gets one error, which names it as well as it can.
 */
static void
pass_badname(struct pool *p, const struct testfile *t)
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

/* The tests still to be handed out. */
static size_t
pass_left(const struct pool *p)
{
	return found.n - p->next + p->nback;
}

/* The i-th of those, in the queue's order: those given back first. */
static const struct testfile *
pass_leftat(const struct pool *p, size_t i)
{
	return &found.t[i < p->nback ? p->back[i] : p->next + i - p->nback];
}

/*
 * The next test that a worker can be given, taken from the queue, its
 * index in *id; NULL at the end.  Those given back come first.
 */
static const struct testfile *
pass_take(struct pool *p, size_t *id)
{
	const struct testfile *t;

	if (p->nback > 0) {
		*id = p->back[0];
		memmove(p->back, p->back + 1, --p->nback * sizeof(*p->back));
		return &found.t[*id];
	}
	for (; p->next < found.n; p->next++) {
		t = &found.t[p->next];
		if (utf8_valid((const unsigned char *)t->path,
		    strlen(t->path))) {
			*id = p->next++;
			return t;
		}
		pass_badname(p, t);
	}
	return NULL;
}

/*
 * Each worker that has started is given tests, unless the run is
 * stopping: as many as worker_room says, but one ahead only while it
 * holds less than its share of what is left (among the workers that
 * are or will be there), so that the end of the run stays balanced:
 * tests wait in a worker's queue only while at least twice as many as
 * workers are left.
 */
static void
pass_dispatch(struct pool *p)
{
	const struct testfile *t;
	struct worker *w;
	size_t id, active = 0, held;
	int i, room;

	for (i = 0; i < p->nw; i++) {
		if (p->w[i] == NULL)
			continue;
		if (!p->stopping && p->w[i]->bailed)
			p->stopwhy = "Bail out!";
		else if (!p->stopping && opt.exitfirst &&
		    (reporter_failed(p->rep) || p->w[i]->problem))
			p->stopwhy = "--exitfirst";
		p->stopping = p->stopwhy != NULL;
		if (p->w[i]->state == WORKER_GONE && !interrupted &&
		    !p->stopping && !p->listfailed && (p->listing ||
		    (pass_left(p) > 0 && (size_t)i < found.n)))
			pool_replace(p, i);
		if (p->w[i] != NULL && (p->w[i]->state == WORKER_STARTING ||
		    p->w[i]->state == WORKER_IDLE ||
		    p->w[i]->state == WORKER_BUSY))
			active++;
	}
	for (i = 0; i < p->nw; i++) {
		if ((w = p->w[i]) == NULL)
			continue;
		if (w->state == WORKER_IDLE)
			p->started = 1;
		if (p->stopping || interrupted || p->listfailed) {
			worker_withdraw(w);	/* what it has not begun */
			continue;
		}
		held = (w->test != NULL) + (size_t)w->ahead;
		for (room = worker_room(w); room > 0 && (held == 0 ||
		    held < pass_left(p) / active) &&
		    (t = pass_take(p, &id)) != NULL; room--, held++)
			worker_run(w, t->path, t->isfile, id);
	}
}

/*
 * trial's loader listed more: the tests join the queue.  Once it is
 * done, the report begins with its count (what the tests printed is
 * held until then), and the workers beyond one a test are let go.
 */
static void
pass_listed(struct pool *p)
{
	char err[PATH_MAX + 128];
	int r;

	if ((r = discover_more(&found, err, sizeof(err))) == 2)
		return;
	p->listing = 0;
	if (run_listend(p, r, err) != RUN_TESTS) {
		p->listfailed = 1;
		return;
	}
	run_header(p);
	pool_spare(p);
}

/* worker.h's requeue: a test that did not run goes back, in order. */
static void
pass_requeue(void *arg, size_t id)
{
	struct pool *p = arg;
	size_t i;

	p->back = xgrow(p->back, &p->backcap, p->nback + 1,
	    sizeof(*p->back), 8);
	for (i = p->nback; i > 0 && p->back[i - 1] > id; i--)
		p->back[i] = p->back[i - 1];
	p->back[i] = id;
	p->nback++;
}

/* With every worker slot retired, the tests left are errors saying why. */
static void
pass_notrun(struct pool *p)
{
	struct rep_result res = { 0 };
	const struct testfile *t;
	char text[700];
	size_t i;

	snprintf(text, sizeof(text), "not run: %s (the last: %s)",
	    p->started ? "every worker kept dying" : "no worker started",
	    p->why);
	res.kind = REP_ERROR;
	res.class = CLASS_LOST;
	res.text = text;
	res.textlen = strlen(text);
	for (i = 0; i < pass_left(p); i++) {
		t = pass_leftat(p, i);
		res.name = t->path;
		reporter_notrun(p->rep, res.name, t->isfile, &res);
	}
	p->nback = 0;
	p->next = found.n;
}

/*
 * On a terminal: "[done/total] N failed | test 3s, test 0s", redrawn
 * each second and whenever a test ends, cut to the terminal's width.
 */
static void
pass_status(struct pool *p)
{
	struct buf b = { 0 };
	long long now = now_ms();
	size_t running = 0, width;
	const char *sep = " | ";
	char s[96];
	int i;

	/* Each second, and at once when the first worker has started. */
	if (!p->tty || (now - p->shown < 1000 &&
	    p->started == p->drawnstarted))
		return;
	p->drawnstarted = p->started;
	width = term_columns();
	p->shown = now;
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->test != NULL)
			running += 1 + (size_t)p->w[i]->ahead;
	snprintf(s, sizeof(s), "[%zu/%zu]", p->next - p->nback - running,
	    found.n);
	buf_addstr(&b, s);
	if (reporter_problems(p->rep) > 0) {
		snprintf(s, sizeof(s), " %zu failed",
		    reporter_problems(p->rep));
		buf_addstr(&b, s);
	}
	if (!p->started)
		buf_addstr(&b, " | no worker has started yet");
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
	buf_addc(&b, '\0');
	/* One column short of the width: the cursor stays on the line. */
	reporter_progress(p->rep, (char *)b.data, width - 1);
	buf_free(&b);
}

/* The running tests of an interrupted run each get an error saying so. */
static void
pass_interrupt(struct pool *p)
{
	char why[64];
	int i;

	snprintf(why, sizeof(why), "the run was interrupted (%s)",
	    signame(interrupted));
	for (i = 0; i < p->nw; i++)
		if (p->w[i] != NULL && p->w[i]->test != NULL)
			worker_kill(p->w[i], why);
}

/* A run stopped early says how many tests it left, and names them. */
static void
pass_unrun(struct pool *p)
{
	size_t i;

	if (pass_left(p) == 0)
		return;
	warn("stopped by %s; %zu of %zu tests did not run", p->stopwhy,
	    pass_left(p), found.n);
	for (i = 0; i < pass_left(p); i++)
		dprintf(p->cfg.logfd, "disttrial: not run (stopped by %s): "
		    "%s\n", p->stopwhy, pass_leftat(p, i)->path);
}

static void
pass_run(struct pool *p, struct pollfd *pfd)
{
	int killed = 0;

	p->next = 0;
	p->nback = 0;
	p->stopping = 0;
	p->stopwhy = NULL;
	p->shown = now_ms();	/* the first line waits for a worker, or 1 s */
	for (;;) {
		pass_dispatch(p);
		if (interrupted && !killed) {
			pass_interrupt(p);
			killed = 1;
		}
		if (interrupted && p->listing) {	/* the loader too */
			discover_stop();
			p->listing = 0;
			p->uncounted = 1;
			pool_takeover(p, 0);
		}
		if (!pool_holding(p) && !p->listing && (pass_left(p) == 0 ||
		    p->stopping || interrupted || pool_retired(p) ||
		    p->listfailed))
			break;
		pass_status(p);
		pool_wait(p, pfd);
	}
	if (pool_retired(p) && !interrupted && !p->stopping) {
		p->unstarted = !p->started && pass_left(p) > 0;
		pass_notrun(p);
	}
	if (p->stopping && !interrupted)
		pass_unrun(p);
}

/*
 * The run: its tests in order, its passes, what --state learns.
 */

/*
 * --state, --failed and the order: the last run's state is read, the
 * tests kept and put in order (slowest first with --state, unless an
 * order is asked for).  1 if --failed left no test, said on stderr.
 */
static int
run_arrange(void)
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
	if (opt.shards > 0)
		shardof = discover_shard(&found, opt.shard, opt.shards,
		    opt.state != NULL ? &state : NULL);
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

/*
 * trial's -n: every test listed passes without running, in trial -j's
 * words (no "Running N tests." line); the workers are let go unused.
 */
static int
run_dry(struct pool *p)
{
	struct rep_result res = { 0 };
	long long start = now_ms();
	size_t i;

	res.kind = REP_SUCCESS;
	for (i = 0; i < found.n; i++) {
		res.name = found.t[i].path;
		reporter_start(p->rep, 0, res.name, found.t[i].isfile);
		reporter_add(p->rep, 0, &res);
		reporter_stop(p->rep, 0);
	}
	reporter_end(p->rep, (double)(now_ms() - start) / 1000);
	return RC_OK;
}

/*
 * The report's first words: trial's for its shuffle (its loader's went
 * to stderr; not in a TAP stream), then "Running N tests." with trial's
 * count.
 */
static void
run_header(struct pool *p)
{
	if (opt.trial && opt.trialseed != NULL && (opt.reporter == NULL ||
	    strcmp(opt.reporter, "tap") != 0)) {
		reporter_progress(p->rep, NULL, 0);
		printf("Running tests shuffled with seed %lu\n\n", opt.seed);
		fflush(stdout);
	}
	/* A run stopped while the loader listed has no count of trial's. */
	reporter_begin(p->rep, p->uncounted ? found.n : found.announce);
}

/* The passes of the run (one, or until one fails with -u). */
static int
run_passes(struct pool *p, struct pollfd *pfd)
{
	long long start;
	char line[96];
	int i, failed = 0;

	if (!p->listing)
		run_header(p);
	if (opt.shards > 0) {
		snprintf(line, sizeof(line), "Shard %d of %d: %zu of %zu tests",
		    opt.shard, opt.shards, found.n, shardof);
		reporter_line(p->rep, line);
	}
	for (i = 1;; i++) {
		start = now_ms();
		if (opt.untilfailure) {
			if (i > 1)
				reporter_reset(p->rep);
			snprintf(line, sizeof(line), "Test Pass %d", i);
			reporter_line(p->rep, line);
		}
		pass_run(p, pfd);
		if (p->listfailed)
			return RC_ERROR;	/* nothing printed but why */
		if (!reporter_begun(p->rep))	/* stopped while listing */
			run_header(p);
		reporter_end(p->rep, (double)(now_ms() - start) / 1000);
		if (p->unstarted) {
			warn("no worker started: the run could not go on");
			return RC_ERROR;
		}
		failed = reporter_failed(p->rep);
		if (interrupted || failed || !opt.untilfailure)
			break;
	}
	return failed ? RC_FAILED : RC_OK;
}

static void
run_record(void *arg, const char *test, double secs, int failed)
{
	state_set(arg, test, secs, failed);
}

/* --state: this run's tests, their times and outcomes, for the next. */
static void
run_remember(struct pool *p)
{
	reporter_each(p->rep, run_record, &state);
	if (state_write(&state, opt.state) < 0)
		warn("--state %s: cannot write it:", opt.state);
	state_free(&state);
}

/*
 * The listing is over (discover_wait's or discover_more's r, and err):
 * the loader is taken on as worker 0 or let go.  RUN_TESTS, or RUN_NONE
 * (it failed, or found nothing: said) or RUN_STOPPED (a stop signal).
 */
static int
run_listend(struct pool *p, int r, const char *err)
{
	pool_takeover(p, r == 0);
	if (r > 0) {
		interrupted = sigpipe_caught();
		return RUN_STOPPED;
	}
	if (r == 0 && (found.n > 0 || shardof > 0))
		return RUN_TESTS;
	reporter_progress(p->rep, NULL, 0);	/* off the status line */
	if (r < 0)
		warn("%s", err);
	else
		warn("no tests found in %s", p->what);
	return RUN_NONE;
}

/*
 * With --trial, the tests can run while trial's loader lists the rest,
 * unless their order, or which of them run, needs them all first
 * (--state, --failed, --shard, our own orders), or none is to run (-n).
 */
static int
run_streams(void)
{
	return opt.trial && opt.state == NULL && !opt.failed &&
	    opt.shards == 0 && !opt.dryrun && (opt.order < 0 ||
	    opt.order == ORDER_FOUND);
}

/*
 * The tests are listed: with --trial, the workers started while
 * trial's loader listed them, and those beyond one a test are let go.
 * RUN_TESTS, or why there is nothing to run: RUN_NOTHING (--failed),
 * RUN_NONE (no tests, or the loader failed: said), RUN_STOPPED (a stop
 * signal came first: the loader is gone).
 */
static int
run_listed(struct pool *p, const char *what)
{
	char err[PATH_MAX + 128];
	int r;

	p->what = what;
	if (run_streams()) {	/* listed as they run: pass_listed */
		p->listing = 1;
		reporter_hold(p->rep);
		discover_take(&found);
		return RUN_TESTS;
	}
	r = discover_wait(&found, err, sizeof(err));
	if ((r = run_listend(p, r, err)) != RUN_TESTS)
		return r;
	if (opt.trial && run_arrange() != 0)
		return RUN_NOTHING;
	if (found.n == 0)	/* --shard: an empty part passes, and says so */
		warn("--shard %d/%d: this part has no test (%zu in all)",
		    opt.shard, opt.shards, shardof);
	pool_spare(p);
	return RUN_TESTS;
}

/*
 * The run, once the workers are started: the passes when the tests are
 * listed, then --state learns from them; the workers are let go.
 */
static int
run_main(struct pool *p, struct pollfd *pfd, const char *what)
{
	int rc, listed;

	rc = listed = run_listed(p, what);
	if (listed == RUN_TESTS && opt.dryrun)
		rc = run_dry(p);
	else if (listed == RUN_TESTS)
		rc = run_passes(p, pfd);
	else if (listed == RUN_STOPPED)	/* a report of no test */
		reporter_end(p->rep, (double)(now_ms() - began) / 1000);
	pool_finish(p, pfd);
	if (listed == RUN_TESTS && opt.state != NULL && !interrupted &&
	    !opt.dryrun)	/* -n ran nothing to learn from */
		run_remember(p);
	return rc;
}

/*
 * The manager, from the operands to its exit status.
 */

/*
 * --trial's worker command: Twisted's workertrial, with trial's worker
 * options as trial's manager gives them (its _getWorkerArguments).
 */
static const char *
manager_trialworker(void)
{
	static struct buf b;
	int i;

	if (opt.npyargs == 0)
		return TRIALWORKER;
	b.len = 0;
	buf_addstr(&b, TRIALWORKER);
	for (i = 0; i < opt.npyargs; i++) {
		buf_addc(&b, ' ');
		shquote(&b, opt.pyargs[i]);
	}
	buf_addc(&b, '\0');
	return (char *)b.data;
}

/* The executable NAME in a directory of PATH, or NULL. */
static char *
manager_onpath(const char *name)
{
	const char *path = getenv("PATH"), *end;
	char *dir, *file;
	size_t len;

	for (; path != NULL; path = *end != '\0' ? end + 1 : NULL) {
		end = strchr(path, ':');
		if (end == NULL)
			end = path + strlen(path);
		len = (size_t)(end - path);
		dir = len == 0 ? xstrdup(".") : xmemdup(path, len);
		file = pathjoin(dir, name);
		free(dir);
		if (access(file, X_OK) == 0)
			return file;
		free(file);
	}
	return NULL;
}

/*
 * --trial without PYTHON: the Python that trial itself would run, the
 * interpreter its script names (#!/usr/bin/python3, or through env), the
 * first of trial and Debian's trial3 on PATH that names a Python; else
 * python3.  So Twisted in a virtualenv or Debian's package is found.
 * PYTHON is set to it, for the loader and the workers alike.
 */
static void
manager_python(void)
{
	static const char *const names[] = { "trial", "trial3" };
	const char *p = getenv("PYTHON"), *base;
	char line[PATH_MAX + 8], *word, *next;
	size_t i;
	FILE *f;

	for (i = 0; i < countof(names) && (p == NULL || *p == '\0'); i++) {
		if ((word = manager_onpath(names[i])) == NULL)
			continue;
		f = fopen(word, "r");
		free(word);
		if (f == NULL)
			continue;
		if (fgets(line, sizeof(line), f) == NULL ||
		    strncmp(line, "#!", 2) != 0) {
			fclose(f);
			continue;
		}
		fclose(f);
		word = line + 2 + strspn(line + 2, " \t");
		next = word + strcspn(word, " \t\r\n");
		base = strrchr(word, '/') ? strrchr(word, '/') + 1 : word;
		if (next - base == 3 && strncmp(base, "env", 3) == 0) {
			word = next + strspn(next, " \t");
			next = word + strcspn(word, " \t\r\n");
			base = word;
		}
		*next = '\0';
		if (strncmp(base, "python", 6) == 0 ||
		    strncmp(base, "pypy", 4) == 0) {
			if (setenv("PYTHON", word, 1) < 0)
				fatal("setenv PYTHON:");
			p = getenv("PYTHON");
		}
	}
}

/*
 * The socket on which trial's loader may become a worker (handsock, the
 * manager's end; the loader's is returned), both above fd 4, which the
 * loader takes for 3 and 4; -1 if there is none to be had (then the
 * loader only lists).  The coverage (or --spew's trace) the loader
 * keeps is not a worker's, nor is a --worker-command's worker: not
 * with those.
 */
static int
manager_handsock(void)
{
	int sv[2], high, i;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fdflags(sv[i], FD_CLOEXEC, 0);
		if (sv[i] > 4)
			continue;
		high = fcntl(sv[i], F_DUPFD_CLOEXEC, 5);
		close(sv[i]);
		sv[i] = high;
	}
	if (sv[0] < 0 || sv[1] < 0) {
		if (sv[0] >= 0)
			close(sv[0]);
		if (sv[1] >= 0)
			close(sv[1]);
		return -1;
	}
	handsock = sv[0];
	return sv[1];
}

/*
 * The tests of the operands (t without any); with --trial only begun
 * (discover_wait finishes), and the workers are Twisted's unless a
 * command is given.  *what is what was searched.  0, RUN_USAGE, or
 * RUN_STOPPED when a stop signal came first.
 */
static int
manager_find(char **operands, int nops, const char **what)
{
	static char *deflt[] = { "t", NULL };
	struct discover_opts d = { NULL, 0, NULL, NULL, 0, -1, -1 };
	char err[PATH_MAX + 128];
	int r;

	if (nops == 0 && !opt.trial) {
		operands = deflt;
		nops = 1;
	}
	*what = nops == 1 ? operands[0] : nops == 0 ? opt.testmodule :
	    "the operands";
	if (opt.trial) {
		manager_python();
		d.python = getenv("PYTHON");
		d.loadopts = (char *const *)opt.loadargs;
		d.nloadopts = opt.nloadargs;
		if (d.python == NULL || *d.python == '\0')
			d.python = "python3";
		if (opt.workercmd == NULL && !opt.coverage && !opt.spew &&
		    opt.jobs > 0)
			d.handover = manager_handsock();
		if (opt.workercmd == NULL)
			opt.workercmd = manager_trialworker();
	}
	d.pattern = opt.pattern;
	d.names = opt.workercmd != NULL;
	d.stopfd = selfpipe[0];
	r = discover(&found, operands, nops, &d, err, sizeof(err));
	if (d.handover >= 0)
		close(d.handover);	/* the loader's end */
	if (r != 0 && handsock >= 0) {
		close(handsock);
		handsock = -1;
	}
	if (r > 0)
		return RUN_STOPPED;
	if (r < 0) {
		opt_bad("%s", err);
		return RUN_USAGE;
	}
	if (!opt.trial && found.n == 0) {
		opt_bad("no tests found in %s", *what);
		return RUN_USAGE;
	}
	return 0;
}

/*
 * This program, to be run again for each local worker: the file that
 * /proc/self/exe names where there is one (as a tool that runs us, such
 * as valgrind, also says it), or /proc/self/exe itself once that file
 * is gone (replaced by a build, say); else argv[0], found through PATH
 * if it has no slash.  NULL if none of them is there to run.
 */
static char *
manager_self(const char *argv0)
{
	char exe[PATH_MAX];
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		if (exe[0] == '/' && access(exe, X_OK) == 0)
			return xstrdup(exe);
	}
	if (access("/proc/self/exe", X_OK) == 0)
		return xstrdup("/proc/self/exe");
	if (argv0 == NULL || *argv0 == '\0')
		return NULL;
	if (strchr(argv0, '/') != NULL)
		return access(argv0, X_OK) == 0 ? xstrdup(argv0) : NULL;
	return manager_onpath(argv0);
}

/*
 * The end of a run that a signal stopped: what stopped it said, trial's
 * loader killed if it still runs, the lock released, death by that
 * signal (or, should it not kill, the status a shell would show).
 * next: the tests handed out; finding: it came while they were found.
 */
static int
manager_die(size_t next, int finding)
{
	if (finding && next == 0)
		warn("interrupted by %s while the tests were being found; "
		    "no test ran", signame(interrupted));
	else if (finding)	/* --trial: they run as they are listed */
		warn("interrupted by %s while the tests were being found, "
		    "%zu of them begun", signame(interrupted), next);
	else
		warn("interrupted by %s; %zu of %zu tests did not run",
		    signame(interrupted), found.n - next, found.n);
	discover_stop();
	temp_unlock();
	tests_free(&found);
	sigpipe_restore();
	signal(interrupted, SIG_DFL);
	raise(interrupted);
	return 128 + interrupted;
}

/* --trial without an operand: trial -jN's run of no test, which passes. */
static int
manager_none(void)
{
	struct reporter *rep;

	rep = pool_reporter();
	reporter_begin(rep, 0);
	reporter_end(rep, (double)(now_ms() - began) / 1000);
	reporter_free(rep);
	return RC_OK;
}

/*
 * A stop signal before the temp directory is taken: the report of a run
 * of no test, then death by the signal.
 */
static int
manager_stopped(void)
{
	struct reporter *rep;

	rep = pool_reporter();
	reporter_end(rep, (double)(now_ms() - began) / 1000);
	reporter_free(rep);
	return manager_die(0, 1);
}

/*
 * The manager: the tests are found (in t without operands), the temp
 * directory is locked and test.log opened, the workers run the passes,
 * the lock is released and an interrupted run dies by its signal (or
 * returns as if it had, should the signal not kill).  RUN_USAGE and
 * RUN_NOTHING are left to main.
 */
static int
manager_main(char **operands, int nops, const char *argv0)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP };
	struct pollfd *pfd;
	struct pool p;
	const char *what;
	char *dir, *self = NULL, *logpath;
	int rc, logfd;

	/*
	 * The handlers come first: a signal while the tests are found, or
	 * while an old temp directory is emptied, still ends in a report
	 * and a released lock.
	 */
	began = now_ms();
	if (opt.trial && nops == 0 && opt.testmodule == NULL)
		return manager_none();
	sigpipe_openout(stops, (int)countof(stops), selfpipe);
	rc = manager_find(operands, nops, &what);
	if (rc == 0 && !opt.trial && run_arrange() != 0)
		rc = RUN_NOTHING;
	if ((interrupted = sigpipe_caught()) != 0)
		return manager_stopped();
	if (rc != 0)
		return rc;
	if ((opt.workercmd == NULL || opt.nssh > 0 || opt.slurm) &&
	    (self = manager_self(argv0)) == NULL)
		fatal("cannot find this program to run its workers (argv[0] "
		    "is '%s'); name it with --worker-command 'exec "
		    "/path/to/disttrial --worker'", argv0 ? argv0 : "");
	dir = temp_open();
	logfd = temp_log(dir, &logpath);
	interrupted = sigpipe_caught();
	pool_init(&p, dir, logfd, self, argv0 != NULL ? argv0 : "disttrial");
	pfd = xreallocarray(NULL, (size_t)p.nw + 2, sizeof(*pfd));
	pool_spawn(&p);
	rc = run_main(&p, pfd, what);
	free(pfd);
	pool_free(&p);
	close(logfd);
	free(dir);
	free(self);
	if (rc == RC_FAILED)
		warn("full output in %s", logpath);
	free(logpath);
	if (interrupted)
		return manager_die(p.next - p.nback, rc == RUN_STOPPED ||
		    p.uncounted);
	temp_unlock();
	tests_free(&found);
	return rc;
}

/*
 * --help-reactors: trial's own list, from the Twisted that --trial
 * would run; it needs --trial, as reactors are Twisted's.
 */
static int
info_reactors(void)
{
	if (!opt.trialletters) {
		fprintf(stderr, "disttrial: --help-reactors lists Twisted's "
		    "reactors: give --trial\n%s", synopsis);
		return RC_ERROR;
	}
	manager_python();
	fflush(stdout);
	execl("/bin/sh", "sh", "-c", "exec \"${PYTHON:-python3}\" -m "
	    "twisted.trial --help-reactors", (char *)NULL);
	fatal("cannot run /bin/sh:");
	return RC_ERROR;
}

/* --help-reporters: the formats; --help-orders: the orders. */
static void
info_lists(void)
{
	const char *name;
	size_t i;

	if (opt.helpon == OPT_HELPREPORTERS) {
		puts("Formats of the report, for --reporter (-r) NAME:\n");
		for (i = 0; (name = reporter_format(i)) != NULL; i++)
			printf("    %-10s %s\n", name, reporter_about(i));
		return;
	}
	puts("Orders of the tests, for --order NAME:\n");
	for (i = 0; i < countof(orders); i++)
		printf("    %-13s %s\n", orders[i].name, orders[i].about);
}

/* --help, --help-... or --version, on stdout, which must take it. */
static int
info(void)
{
	if (opt.helpon == OPT_HELPREACTORS)
		return info_reactors();
	if (opt.help) {
		fputs(synopsis, stdout);
		fputs(help, stdout);
		fputs(help2, stdout);
	} else if (opt.helpon != 0) {
		info_lists();
	} else {
		puts("disttrial " VERSION);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal("write error:");
	return RC_OK;
}

/* Options; a worker, or the manager; the exit status. */
int
main(int argc, char **argv)
{
	const char *argv0 = argv[0];
	int nops, rc;

	opt_jobs("auto", &opt.jobs);
	opt.starttimeout = STARTTIMEOUT;
	opt.order = -1;
	opt.wopts.notefd = -1;
	if ((nops = opt_parse(argc, argv)) < 0) {
		fprintf(stderr, "disttrial: %s\n%s", usagemsg, synopsis);
		return RC_ERROR;
	}
	if (opt.help || opt.version || opt.helpon)
		return info();
	if (opt.isworker)
		return workertrial_main(&opt.wopts);
	switch ((rc = manager_main(argv, nops, argv0))) {
	case RUN_USAGE:
		fprintf(stderr, "disttrial: %s\n%s", usagemsg, synopsis);
		return RC_ERROR;
	case RUN_NOTHING:
		return RC_OK;
	case RUN_NONE:
		return RC_ERROR;
	}
	return rc;
}
