/*
 * discover.c: the tests of a run, as trial's runner finds them.  Test
 * programs: operand files, and the executable files (or those matching a
 * pattern) of operand directories, searched sorted, dot entries skipped,
 * no directory entered twice.  Trial suites (--trial): dotted names,
 * package directories and .py files, handed to trial's own loader in a
 * Python of the user's, which lists the test ids in the order trial
 * would run them, so that each goes to a worker on its own.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
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

#include "discover.h"
#include "state.h"
#include "util.h"

/*
 * The directories entered, so that loops end: a hash set of (device,
 * inode), open addressing, so that a walk of many directories stays
 * linear.
 */
struct dirid {
	dev_t dev;
	ino_t ino;
	int used;
};

static struct {
	struct dirid *seen;
	size_t n, cap;		/* cap: a power of two, or 0 */
} walked;

static void
addtest(struct tests *ts, const char *path, size_t len, int isfile)
{
	ts->t = xgrow(ts->t, &ts->cap, ts->n + 1, sizeof(*ts->t), 64);
	ts->t[ts->n].path = xmemdup(path, len);
	ts->t[ts->n].isfile = isfile;
	ts->n++;
}

static size_t
dirhash(dev_t dev, ino_t ino, size_t cap)
{
	unsigned long long h = (unsigned long long)ino * 0x9e3779b97f4a7c15ULL;

	h ^= (unsigned long long)dev * 0xc2b2ae3d27d4eb4fULL;
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static void
addseen(struct dirid *set, size_t cap, dev_t dev, ino_t ino)
{
	size_t i = dirhash(dev, ino, cap);

	while (set[i].used)
		i = (i + 1) & (cap - 1);
	set[i].dev = dev;
	set[i].ino = ino;
	set[i].used = 1;
}

/* Whether st's directory was entered before; notes it if not. */
static int
entered(const struct stat *st)
{
	struct dirid *old = walked.seen;
	size_t i, oldcap = walked.cap;

	if (walked.cap > 0)
		for (i = dirhash(st->st_dev, st->st_ino, walked.cap);
		    walked.seen[i].used; i = (i + 1) & (walked.cap - 1))
			if (walked.seen[i].dev == st->st_dev &&
			    walked.seen[i].ino == st->st_ino)
				return 1;
	if (2 * (walked.n + 1) > walked.cap) {
		walked.cap = walked.cap ? walked.cap * 2 : 64;
		walked.seen = xreallocarray(NULL, walked.cap,
		    sizeof(*walked.seen));
		memset(walked.seen, 0, walked.cap * sizeof(*walked.seen));
		for (i = 0; i < oldcap; i++)
			if (old[i].used)
				addseen(walked.seen, walked.cap, old[i].dev,
				    old[i].ino);
		free(old);
	}
	addseen(walked.seen, walked.cap, st->st_dev, st->st_ino);
	walked.n++;
	return 0;
}

static int
bytename(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Searches dir for tests, sorted, skipping dot entries. */
static void
walk(struct tests *ts, const char *dir, const struct stat *dst,
    const char *pattern)
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
		names = xgrow(names, &cap, n + 1, sizeof(*names), 32);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	/* An empty directory has no array: qsort(NULL, 0) is undefined. */
	if (n > 1)
		qsort(names, n, sizeof(*names), bytename);
	for (i = 0; i < n; i++) {
		path = pathjoin(dir, names[i]);
		if (sigpipe_caught() == 0 && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(ts, path, &st, pattern);
			else if (S_ISREG(st.st_mode) && (pattern ?
			    fnmatch(pattern, names[i], 0) == 0 :
			    access(path, X_OK) == 0))
				addtest(ts, path, strlen(path), 1);
		}
		free(path);
		free(names[i]);
	}
	free(names);
}

static int
programs(struct tests *ts, char **operands, int n,
    const struct discover_opts *o, char *err, size_t errlen)
{
	struct stat st;
	int i;

	for (i = 0; i < n && sigpipe_caught() == 0; i++) {
		if (stat(operands[i], &st) == 0) {
			if (S_ISDIR(st.st_mode))
				walk(ts, operands[i], &st, o->pattern);
			else
				addtest(ts, operands[i], strlen(operands[i]),
				    1);
		} else if (errno == ENOENT && o->names) {
			/* a name for the worker */
			addtest(ts, operands[i], strlen(operands[i]), 0);
		} else {
			snprintf(err, errlen, "%s: %s", operands[i],
			    strerror(errno));
			return -1;
		}
	}
	ts->announce = ts->n;
	free(walked.seen);
	walked.seen = NULL;
	walked.n = walked.cap = 0;
	return sigpipe_caught() != 0;
}

/*
 * Run by the user's Python: trial's options and loader take the operands
 * as trial takes its own, and the suite is written out on what was
 * stdout, NUL after each field: first, before any test is imported, the
 * Python path for the workers (trial's manager gives its workers its
 * own), so that they can start while the tests load; then 't' and each
 * test id in trial's order, as soon as its module is loaded, so that
 * the workers can run the first while the rest load; last 'n' and
 * trial's count of tests ("Running N tests.").  What the tests print as
 * they are imported goes to stderr.
 *
 * trial's loadByNames loads each name whole, then keeps each name's
 * suite unless an equal one came before.  The lister hooks the loader
 * where a package's modules load (loadModule, and sort, whose modules
 * say when one fails to import), so the ids of a package go out module
 * by module in trial's order; an operand that is not a package goes
 * out once loaded.  At the end it checks the ids against the suite
 * trial itself builds from the same loads: any that were not sent go
 * out then (a name given twice, whose tests went early, still runs
 * twice: it never does under trial, which keeps one).
 *
 * Then, if the manager offered (DISTTRIAL_HANDOVER, a socket on fds 3
 * and 4), the loader becomes one of the workers, with every test module
 * already imported: the manager sends the worker's directory, its
 * number, the run's workers and trial's worker options (those the
 * loader has not applied already), a NUL after each and one more at
 * the end (nothing but that NUL, or EOF: it is not wanted), and it runs
 * Twisted's own worker, workertrial's main, there, as trial's workers
 * are run: stdin /dev/null, stdout and stderr out.log and err.log in
 * that directory, the Python path whole.
 */
static const char lister[] =
    "import os, sys\n"
    "out = os.fdopen(os.dup(1), 'wb')\n"
    "os.dup2(2, 1)\n"
    "path = os.pathsep.join(os.path.abspath(p) for p in sys.path)\n"
    "out.write(os.fsencode(path) + b'\\0')\n"
    "out.flush()\n"
    "from twisted.scripts import trial\n"
    "from twisted.trial.runner import ErrorHolder\n"
    "from twisted.python import failure, usage\n"
    "from twisted.python.modules import PythonModule\n"
    "def leaves(s):\n"
    "    try:\n"
    "        each = iter(s)\n"
    "    except TypeError:\n"
    "        yield s\n"
    "        return\n"
    "    for t in each:\n"
    "        yield from leaves(t)\n"
    "sent = []\n"
    "def send(ids):\n"
    "    for i in ids:\n"
    "        sent.append(i)\n"
    "        out.write(b't' + i.encode('utf-8', 'surrogateescape') + b'\\0')\n"
    "    out.flush()\n"
    "config = trial.Options()\n"
    "try:\n"
    "    config.parseOptions(sys.argv[1:])\n"
    "except usage.UsageError as e:\n"
    "    sys.stderr.write('trial: %s\\n' % e)\n"
    "    sys.exit(2)\n"
    "loader = trial._getLoader(config)\n"
    "early = [False]\n"
    "class Mod:\n"
    "    def __init__(self, m):\n"
    "        self.m = m\n"
    "    def __getattr__(self, a):\n"
    "        return getattr(self.m, a)\n"
    "    def load(self, *a, **k):\n"
    "        try:\n"
    "            return self.m.load(*a, **k)\n"
    "        except BaseException:\n"
    "            if early[0]:\n"
    "                send([self.m.name])\n"
    "            raise\n"
    "base = type(loader)\n"
    "class Hooked(base):\n"
    "    __slots__ = ()\n"
    "    def sort(self, xs):\n"
    "        xs = base.sort(self, xs)\n"
    "        if xs and all(isinstance(x, PythonModule) for x in xs):\n"
    "            return [Mod(x) for x in xs]\n"
    "        return xs\n"
    "    def loadModule(self, m):\n"
    "        s = base.loadModule(self, m)\n"
    "        if early[0]:\n"
    "            send(t.id() for t in leaves(s))\n"
    "        return s\n"
    "loader.__class__ = Hooked\n"
    "recurse = not config['no-recurse']\n"
    "things, errors, given = [], [], set()\n"
    "for name in config['tests']:\n"
    "    early[0] = name not in given\n"
    "    given.add(name)\n"
    "    before = len(sent)\n"
    "    try:\n"
    "        thing = loader.loadByName(name, recurse=recurse)\n"
    "    except BaseException:\n"
    "        errors.append(ErrorHolder(name, failure.Failure()))\n"
    "        continue\n"
    "    things.append(thing)\n"
    "    if len(sent) == before and early[0]:\n"
    "        send(t.id() for t in leaves(thing))\n"
    "early[0] = False\n"
    "suite = loader.suiteFactory(loader._uniqueTests(things + errors))\n"
    "left = {}\n"
    "for i in sent:\n"
    "    left[i] = left.get(i, 0) + 1\n"
    "late = []\n"
    "for t in leaves(suite):\n"
    "    if left.get(t.id(), 0) > 0:\n"
    "        left[t.id()] -= 1\n"
    "    else:\n"
    "        late.append(t.id())\n"
    "send(late)\n"
    "out.write(b'n%d\\0' % suite.countTestCases())\n"
    "out.close()\n"
    "sys.stdout.flush()\n"
    "sys.stderr.flush()\n"
    "if os.environ.pop('DISTTRIAL_HANDOVER', None) != '1':\n"
    "    sys.exit(0)\n"
    "fields, f = [], b''\n"
    "while True:\n"
    "    c = os.read(3, 1)\n"
    "    if not c:\n"
    "        sys.exit(0)\n"
    "    if c != b'\\0':\n"
    "        f += c\n"
    "    elif f:\n"
    "        fields.append(os.fsdecode(f))\n"
    "        f = b''\n"
    "    else:\n"
    "        break\n"
    "if not fields:\n"
    "    sys.exit(0)\n"
    "sys.path[:] = [os.path.abspath(p) for p in sys.path]\n"
    "os.environ['PYTHONPATH'] = path\n"
    "os.environ['DISTTRIAL_WORKER'] = fields[1]\n"
    "os.environ['DISTTRIAL_JOBS'] = fields[2]\n"
    "fd = os.open(os.devnull, os.O_RDONLY)\n"
    "os.dup2(fd, 0)\n"
    "os.close(fd)\n"
    "for n, log in ((1, 'out.log'), (2, 'err.log')):\n"
    "    fd = os.open(os.path.join(fields[0], log),\n"
    "        os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)\n"
    "    os.dup2(fd, n)\n"
    "    os.close(fd)\n"
    "sys.argv[:] = ['workertrial'] + fields[3:]\n"
    "from twisted.trial._dist import workertrial\n"
    "workertrial.main()\n";

static struct {			/* the lister, while it runs */
	const char *python;
	pid_t pid;
	int fd;
	int stopfd;		/* discover_opts' */
	int readerr;		/* the errno of a failed read, or 0 */
	int stopped;		/* a stop signal came first */
	struct buf out;
	size_t done;		/* bytes of out taken */
	int counted;		/* its count came: the listing is whole */
	int handover;		/* it was offered to become a worker */
	int handed;		/* it listed, and waits for the offer */
} ls = { NULL, 0, -1, -1, 0, 0, { NULL, 0, 0 }, 0, 0, 0, 0 };

/* At exit too: a fatal error (a temp directory in use) leaves no lister. */
void
discover_stop(void)
{
	if (ls.pid <= 0)
		return;
	kill(ls.pid, SIGKILL);
	while (waitpid(ls.pid, NULL, 0) < 0 && errno == EINTR)
		;
	ls.pid = 0;
}

/*
 * Starts python on the lister, trial's loader options before "--" and
 * the operands; 0, or -1 with errno set.
 */
static int
startlister(const char *python, char **operands, int n,
    char *const *opts, int nopts, int handover)
{
	char **argv;
	int fd[2], i, k = 3;

	if (pipe(fd) < 0)
		return -1;
	argv = xreallocarray(NULL, (size_t)n + (size_t)nopts + 5,
	    sizeof(*argv));
	argv[0] = (char *)python;
	argv[1] = "-c";
	argv[2] = (char *)lister;
	for (i = 0; i < nopts; i++)
		argv[k++] = opts[i];
	argv[k++] = "--";
	for (i = 0; i < n; i++)
		argv[k++] = operands[i];
	argv[k] = NULL;
	fflush(NULL);
	if ((ls.pid = fork()) == 0) {
		signal(SIGPIPE, SIG_DFL);	/* the manager ignores it */
		setpgid(0, 0);	/* killed as a group, as a worker is */
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		if (handover >= 0 && (dup2(handover, 3) < 0 ||
		    dup2(handover, 4) < 0 ||
		    setenv("DISTTRIAL_HANDOVER", "1", 1) < 0))
			_exit(127);
		execvp(python, argv);
		fprintf(stderr, "disttrial: cannot execute %s: %s\n", python,
		    strerror(errno));
		_exit(127);
	}
	free(argv);
	close(fd[1]);
	if (ls.pid < 0) {
		close(fd[0]);
		return -1;
	}
	setpgid(ls.pid, ls.pid);	/* the race with the child's own */
	ls.handover = handover >= 0;
	fdflags(fd[0], FD_CLOEXEC, 0);	/* the workers start meanwhile */
	ls.fd = fd[0];
	ls.python = python;
	atexit(discover_stop);
	return 0;
}

/*
 * The lister's next bytes into ls.out: 1, or 0 at EOF, on a read error
 * (ls.readerr) or once a stop signal came (ls.stopped): the self-pipe
 * is polled beside the lister, so that a signal that comes while the
 * lister is silent (a test module slow to import) is seen at once.  A
 * SIGCHLD's byte is taken and kept for the manager (sigpipe_take).
 */
static int
more(void)
{
	struct pollfd pfd[2];
	ssize_t r;

	for (;;) {
		if (sigpipe_caught() != 0) {
			ls.stopped = 1;
			return 0;
		}
		pfd[0].fd = ls.fd;
		pfd[1].fd = ls.stopfd;
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			ls.readerr = errno;
			return 0;
		}
		/* A stop's byte taken with a SIGCHLD's is seen at the top. */
		if (pfd[1].revents != 0 && sigpipe_caught() == 0) {
			sigpipe_take(NULL);
			continue;
		}
		if (pfd[0].revents == 0)
			continue;
		buf_reserve(&ls.out, 65536);
		r = read(ls.fd, ls.out.data + ls.out.len,
		    ls.out.cap - ls.out.len);
		if (r >= 0) {
			ls.out.len += (size_t)r;
			return r > 0;
		}
		if (errno != EINTR) {
			ls.readerr = errno;
			return 0;
		}
	}
}

/*
 * The lister's next field, NUL-terminated in ls.out, or NULL at EOF, on
 * a read error or once a stop signal came (more() says which).
 */
static const char *
field(size_t *len)
{
	const char *f;
	char *nul;

	for (;;) {
		nul = ls.done < ls.out.len ? memchr(ls.out.data + ls.done, '\0',
		    ls.out.len - ls.done) : NULL;
		if (nul != NULL) {
			f = (const char *)ls.out.data + ls.done;
			*len = (size_t)(nul - f);
			ls.done += *len + 1;
			return f;
		}
		if (!more())
			return NULL;
	}
}

/*
 * The lister is done, or failed: -1 with err saying how; or a stop
 * signal came: 1, the lister killed (SIGKILL: a module that is slow to
 * import may not heed less) and reaped.  It is reaped by its own pid; a
 * wait that fails (the lister gone without its status) is an error too,
 * and then there is no status to read.  A failed read comes before the
 * status, which it may have caused (the lister writing to a pipe closed
 * under it).
 */
static int
endlister(int ok, char *err, size_t errlen)
{
	pid_t pid;
	int status, e;

	close(ls.fd);
	ls.fd = -1;
	if (ok && ls.handover && !ls.stopped && ls.readerr == 0) {
		buf_free(&ls.out);	/* it waits for the manager's offer */
		ls.done = 0;
		ls.counted = 0;
		ls.handed = 1;
		return 0;
	}
	if (ls.stopped)
		kill(ls.pid, SIGKILL);
	while ((pid = waitpid(ls.pid, &status, 0)) < 0 && errno == EINTR)
		;
	e = errno;
	ls.pid = 0;
	buf_free(&ls.out);
	ls.done = 0;
	ls.counted = 0;
	if (ls.stopped)
		return 1;
	if (pid < 0) {
		snprintf(err, errlen, "--trial: cannot wait for %s: %s",
		    ls.python, strerror(e));
		return -1;
	}
	if (ls.readerr != 0) {
		snprintf(err, errlen, "--trial: cannot read from %s: %s",
		    ls.python, strerror(ls.readerr));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "--trial: %s could not load the trial "
		    "suites (%s %d)", ls.python, WIFEXITED(status) ?
		    "exit status" : "signal", WIFEXITED(status) ?
		    WEXITSTATUS(status) : WTERMSIG(status));
		return -1;
	}
	if (!ok) {
		snprintf(err, errlen, "--trial: %s listed the trial suites "
		    "in a form disttrial cannot read", ls.python);
		return -1;
	}
	return 0;
}

/* Starts the lister and takes the workers' Python path from it. */
static int
trialsuites(char **operands, int n, const struct discover_opts *o,
    char *err, size_t errlen)
{
	const char *path, *python = o->python;
	size_t len;

	ls.stopfd = o->stopfd;
	if (startlister(python, operands, n, o->loadopts, o->nloadopts,
	    o->handover) < 0) {
		snprintf(err, errlen, "--trial: cannot start %s: %s", python,
		    strerror(errno));
		return -1;
	}
	if ((path = field(&len)) == NULL)
		return endlister(0, err, errlen);
	if (setenv("PYTHONPATH", path, 1) < 0)
		fatal("setenv PYTHONPATH:");
	return 0;
}

/*
 * The lister's fields from ls.done on that are whole: each 't' a test
 * into ts, 'n' the count, which ends the listing.  1 once the count came
 * (ls.count), -1 on a field that is neither, else 0.
 */
static int
takefields(struct tests *ts)
{
	const unsigned char *f;
	char *nul, *stop;
	size_t len;

	while (!ls.counted && ls.done < ls.out.len && (nul = memchr(ls.out.data +
	    ls.done, '\0', ls.out.len - ls.done)) != NULL) {
		f = ls.out.data + ls.done;
		len = (size_t)((unsigned char *)nul - f);
		ls.done += len + 1;
		if (len > 0 && f[0] == 't') {
			addtest(ts, (const char *)f + 1, len - 1, 0);
		} else if (len > 1 && f[0] == 'n' && isdigit(f[1])) {
			ts->announce = strtoul((const char *)f + 1, &stop, 10);
			if (*stop != '\0')
				return -1;
			ls.counted = 1;
		} else {
			return -1;
		}
	}
	return ls.counted;
}

int
discover_fd(void)
{
	return ls.fd;
}

pid_t
discover_handover(void)
{
	pid_t pid = ls.handed ? ls.pid : 0;

	if (pid != 0)
		ls.pid = 0;
	ls.handed = 0;
	return pid;
}

void
discover_decline(void)
{
	if (!ls.handed)
		return;
	while (waitpid(ls.pid, NULL, 0) < 0 && errno == EINTR)
		;
	ls.pid = 0;
	ls.handed = 0;
}

void
discover_take(struct tests *ts)
{
	if (ls.fd >= 0)
		takefields(ts);
}

/*
 * The listing is over: it counted and then closed its end, or it did
 * not (endlister says why).
 */
static int
listed(int r, char *err, size_t errlen)
{
	int whole = r == 1 && ls.done == ls.out.len;

	return endlister(whole, err, errlen);
}

int
discover_more(struct tests *ts, char *err, size_t errlen)
{
	ssize_t r;
	int t;

	if (ls.fd < 0)
		return 0;
	buf_reserve(&ls.out, 65536);
	r = read(ls.fd, ls.out.data + ls.out.len, ls.out.cap - ls.out.len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 2;
	if (r < 0)
		ls.readerr = errno;
	else
		ls.out.len += (size_t)r;
	if ((t = takefields(ts)) < 0 || r <= 0)
		return listed(t, err, errlen);
	return 2;
}

int
discover_wait(struct tests *ts, char *err, size_t errlen)
{
	int t = 0;

	if (ls.fd < 0)
		return 0;
	while ((t = takefields(ts)) == 0 && more())
		;
	if (t == 1)	/* the lister's end, after its count */
		while (more())
			;
	return listed(t, err, errlen);
}

int
discover(struct tests *ts, char **operands, int n,
    const struct discover_opts *o, char *err, size_t errlen)
{
	if (o->python != NULL)
		return trialsuites(operands, n, o, err, errlen);
	return programs(ts, operands, n, o, err, errlen);
}

void
tests_free(struct tests *ts)
{
	size_t i;

	for (i = 0; i < ts->n; i++)
		free(ts->t[i].path);
	free(ts->t);
	ts->t = NULL;
	ts->n = ts->cap = 0;
}

static int
bypath(const void *a, const void *b)
{
	return strcmp(((const struct testfile *)a)->path,
	    ((const struct testfile *)b)->path);
}

/* For the slowest first: a test and what it is known to take. */
struct timed {
	struct testfile t;
	double secs;		/* < 0: new */
	size_t at;		/* its place as found, for ties */
};

static int
byslowest(const void *a, const void *b)
{
	const struct timed *x = a, *y = b;
	int xnew = x->secs < 0, ynew = y->secs < 0;

	if (xnew != ynew)
		return xnew ? -1 : 1;
	if (x->secs != y->secs)
		return x->secs > y->secs ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static void
slowest(struct tests *ts, const struct state *st)
{
	const struct state_entry *e;
	struct timed *t;
	size_t i;

	t = xreallocarray(NULL, ts->n ? ts->n : 1, sizeof(*t));
	for (i = 0; i < ts->n; i++) {
		t[i].t = ts->t[i];
		e = state_get(st, ts->t[i].path);
		t[i].secs = e != NULL ? e->secs : -1;
		t[i].at = i;
	}
	qsort(t, ts->n, sizeof(*t), byslowest);
	for (i = 0; i < ts->n; i++)
		ts->t[i] = t[i].t;
	free(t);
}

/* Fisher and Yates's shuffle, on xorshift64* from the seed. */
static void
shuffle(struct tests *ts, unsigned long seed)
{
	unsigned long long x = (unsigned long long)seed * 2654435761ULL + 1;
	struct testfile tmp;
	size_t i, j;

	for (i = ts->n; i > 1; i--) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		j = (size_t)((x * 2685821657736338717ULL) % i);
		tmp = ts->t[i - 1];
		ts->t[i - 1] = ts->t[j];
		ts->t[j] = tmp;
	}
}

void
discover_order(struct tests *ts, int order, unsigned long seed,
    const struct state *st)
{
	switch (order) {
	case ORDER_ALPHA:
		if (ts->n > 1)
			qsort(ts->t, ts->n, sizeof(*ts->t), bypath);
		break;
	case ORDER_RANDOM:
		shuffle(ts, seed);
		break;
	case ORDER_SLOWEST:
		slowest(ts, st);
		break;
	}
}

/* For the shards: a test, what it is known to take, its part. */
struct sharded {
	const char *path;
	double secs;
	size_t at;		/* its place as found */
	int part;
};

static int
shardbypath(const void *a, const void *b)
{
	const struct sharded *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c != 0 ? c : x->at < y->at ? -1 : x->at > y->at;
}

static int
shardbytime(const void *a, const void *b)
{
	const struct sharded *x = a, *y = b;

	if (x->secs != y->secs)
		return x->secs > y->secs ? -1 : 1;
	return shardbypath(a, b);
}

static int
shardbyplace(const void *a, const void *b)
{
	const struct sharded *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

size_t
discover_shard(struct tests *ts, int k, int n, const struct state *st)
{
	const struct state_entry *e;
	struct sharded *s;
	double *load, sum = 0, mean;
	size_t i, known = 0, all = ts->n, kept = 0;
	int p, best;

	s = xreallocarray(NULL, all ? all : 1, sizeof(*s));
	for (i = 0; i < all; i++) {
		s[i].path = ts->t[i].path;
		e = st != NULL ? state_get(st, s[i].path) : NULL;
		s[i].secs = e != NULL ? e->secs : -1;
		s[i].at = i;
		if (s[i].secs >= 0) {
			sum += s[i].secs;
			known++;
		}
	}
	if (all > 1)
		qsort(s, all, sizeof(*s), shardbypath);
	if (known > 0) {
		mean = sum / (double)known;
		for (i = 0; i < all; i++)
			if (s[i].secs < 0)
				s[i].secs = mean;
		if (all > 1)
			qsort(s, all, sizeof(*s), shardbytime);
		load = xreallocarray(NULL, (size_t)n, sizeof(*load));
		for (p = 0; p < n; p++)
			load[p] = 0;
		for (i = 0; i < all; i++) {
			for (best = 0, p = 1; p < n; p++)
				if (load[p] < load[best])
					best = p;
			s[i].part = best;
			load[best] += s[i].secs;
		}
		free(load);
	} else {
		for (i = 0; i < all; i++)
			s[i].part = (int)(i % (size_t)n);
	}
	if (all > 1)
		qsort(s, all, sizeof(*s), shardbyplace);
	for (i = 0; i < all; i++) {
		if (s[i].part == k - 1)
			ts->t[kept++] = ts->t[s[i].at];
		else
			free(ts->t[s[i].at].path);
	}
	free(s);
	ts->n = kept;
	if (ts->announce > kept)
		ts->announce = kept;
	return all;
}

void
discover_failed(struct tests *ts, const struct state *st)
{
	const struct state_entry *e;
	size_t i, n = 0;

	for (i = 0; i < ts->n; i++) {
		e = state_get(st, ts->t[i].path);
		if (e != NULL && e->failed)
			ts->t[n++] = ts->t[i];
		else
			free(ts->t[i].path);
	}
	ts->n = n;
	if (ts->announce > n)
		ts->announce = n;
}
