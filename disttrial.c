/*
 * disttrial.c: main.  Options, then either the worker loop (--worker)
 * or the manager.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "worker.h"

#define VERSION "0.1"

enum {
	OPT_EXEC = 1,
	OPT_HELP,
	OPT_STDIO,
	OPT_TIMEOUT,
	OPT_VERSION,
	OPT_WORKER,
};

static const struct option {
	char shortname;		/* 0: long form only */
	const char *longname;
	int hasarg;
	int id;
} options[] = {
	{ 'e', "exec", 1, OPT_EXEC },
	{ 'h', "help", 0, OPT_HELP },
	{ 0, "stdio", 0, OPT_STDIO },
	{ 't', "timeout", 1, OPT_TIMEOUT },
	{ 'V', "version", 0, OPT_VERSION },
	{ 0, "worker", 0, OPT_WORKER },
};

static struct worker_opts wopts;
static int isworker;

static const char synopsis[] =
    "usage: disttrial [-hV]\n"
    "       disttrial --worker [--stdio] [-t seconds] [-e command]\n";

static const char help[] =
    "Run a project's tests in parallel on a pool of worker processes.\n"
    "\n"
    "  -e, --exec CMD      run each test as CMD TEST\n"
    "  -h, --help          print this help and exit\n"
    "      --stdio         with --worker: AMP on stdin/stdout, not fds 3/4\n"
    "  -t, --timeout SECS  kill a test that runs longer, report an error\n"
    "  -V, --version       print the version and exit\n"
    "      --worker        be a worker: run the tests an AMP manager sends\n"
    "\n"
    "See disttrial(1).\n";

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
seconds(const char *name, const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(v > 0) ||
	    v > 1e9)
		usage("%s needs a positive number of seconds", name);
	return v;
}

static void
option(const struct option *o, const char *arg)
{
	switch (o->id) {
	case OPT_EXEC:
		if (strspn(arg, " \t") == strlen(arg))
			usage("%s", "--exec needs a command");
		wopts.exec = arg;
		break;
	case OPT_STDIO:
		wopts.stdio = 1;
		break;
	case OPT_TIMEOUT:
		wopts.timeout = seconds("--timeout", arg);
		break;
	case OPT_WORKER:
		isworker = 1;
		break;
	case OPT_HELP:
		fputs(synopsis, stdout);
		fputs(help, stdout);
		if (fflush(stdout) == EOF || ferror(stdout))
			fatal("write error:");
		exit(RC_OK);
	case OPT_VERSION:
		puts("disttrial " VERSION);
		if (fflush(stdout) == EOF || ferror(stdout))
			fatal("write error:");
		exit(RC_OK);
	}
}

/*
 * One long option at argv[*i] ("--name", "--name=value", "--name value").
 */
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

/* Bundled short options at argv[*i] ("-xj4", "-j 4"). */
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

int
main(int argc, char **argv)
{
	int i, noperands = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			noperands += argc - i - 1;
			break;
		}
		if (strncmp(argv[i], "--", 2) == 0)
			longopt(argv, &i);
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			shortopts(argv, &i);
		else
			noperands++;
	}
	if (isworker) {
		if (noperands > 0)
			usage("%s", "--worker takes no operands");
		return worker_main(&wopts);
	}
	if (wopts.stdio)
		usage("%s", "--stdio goes with --worker");
	/* XXX: the manager comes next; until then only the worker runs. */
	usage("%s", "running tests needs --worker for now");
	return RC_ERROR;
}
