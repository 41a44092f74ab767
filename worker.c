/*
 * worker.c: the manager's view of one worker, as trial's LocalWorker
 * and LocalWorkerAMP.
 *
 * A worker is this program run again with --worker, or a
 * --worker-command, started the same way (posix_spawn, as trial's
 * LocalWorker starts workertrial), with AMP on its fds 3/4 over a
 * socketpair.  Its states are in worker.h.  It is sent Start (its scratch directory N/) and then one Run at a time.  Its
 * commands are answered in both dialects (texts inline, or in streams
 * from the one table all workers share), its results go to the
 * reporter as plain structs, and its TestWrite lines are held per test
 * and written to test.log in one piece when the Run is answered.
 *
 * It is trusted, never parsed: TAP is the worker's business.  A fault
 * (a protocol error, the connection lost, the Run backstop) condemns
 * it: the kill ladder runs, and once it is reaped the test it was
 * running gets exactly one error.  disttrial.c replaces it.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "amp.h"
#include "reporter.h"
#include "stream.h"
#include "util.h"
#include "worker.h"

extern char **environ;

#define WNOTEFD 5		/* a local worker's note of its tests' group */
#define WSTR(n) WSTR1(n)	/* a number macro as a string */
#define WSTR1(n) #n
#define WLOGMAX (256 * 1024)	/* a test's log lines held in memory */
#define NOTHING "the worker reported nothing for this test"
#define WEXITMS 1000		/* for a worker to exit before signals */
#define WMARGINMS 5000		/* the Run backstop past the time-out */
#define WSTREAMCAP ((size_t)64 * 1024 * 1024)	/* open streams, in all */
#define WAHEADMAX 128		/* Runs a worker holds, at most */
#define WPINGMS 2000		/* between two timings of the round trip */
#define WCANCELMS 10000		/* for scancel, before SIGKILL */

/* A Run sent ahead, behind the one in flight. */
struct ahead {
	char *test;
	int isfile;
	size_t id;		/* worker_run's, for cfg->requeue */
	unsigned long tag;
};

struct wconn {
	struct worker_cfg *cfg;
	int fd;			/* -1 once closed */
	struct amp_dec *dec;
	struct buf wbuf;	/* encoded, not yet written */
	int wblocked;		/* the last write fell short: wait for POLLOUT */
	unsigned long ctr, runtag;
	size_t nres;		/* results of the Run in flight */
	int unclean;		/* and its dirty reactor was a warning */
	long long lastres;	/* ms: its last result, or its start */
	int python;		/* which is a name, not a file: a Python test */
	char *dir;		/* absolute N/ */
	struct buf log;		/* this test's TestWrite lines */
	FILE *spill;		/* and those past WLOGMAX */
	int nl;			/* logout's last newline: 1 in log, 2 in */
				/* spill, 0 none (a stale one is checked) */
	size_t dropped;		/* lines that could not be kept */
	int droperr;		/* why: the errno of the first */
	int byexit;		/* the fault was its leaving: name its status */
	int eofsent;		/* WORKER_CLOSING: it was told to finish */
	struct ladder kill;	/* CLOSING, DYING: the way to SIGKILL */
	int notefd;		/* a local worker's note of its tests' group */
	pid_t testpgid;		/* the tests' group, once noted; 0: none */
	long long backstop;	/* ms: WORKER_BUSY's limit; 0: none */
	int started;		/* it answered Start */
	const char *command;	/* how it starts (sh -c), or NULL: local */
	off_t errfrom;		/* N/err.log's size before it began */
	/*
	 * Runs queued ahead, for a worker that takes them (queueAhead in
	 * Start's answer): w->ahead of them, oldest first.  As many as it
	 * runs in a round trip are kept (worker_room): the round trip is
	 * timed with Ping, the least seen; a Run's time is the worker's
	 * own (elapsed in its answer), averaged.
	 */
	struct ahead *q;
	size_t qcap;
	int queueahead;
	unsigned long pingtag;	/* the Ping in flight, or 0 */
	unsigned long wdtag;	/* the Withdraw in flight, or 0 */
	long long pingsent;	/* us */
	long long nextping;	/* ms: not before */
	long long rtt;		/* us; -1 until timed */
	double runsecs;		/* 0 until a Run is answered */
	pid_t cancelpid;	/* scancel of its SLURM job, running */
	long long canceldue;	/* ms: SIGKILL to that scancel */
};

/* On its way out: CLOSING, DYING or GONE, it takes no more work. */
static int
leaving(const struct worker *w)
{
	return w->state == WORKER_CLOSING || w->state == WORKER_DYING ||
	    w->state == WORKER_GONE;
}

/*
 * The last n Runs queued ahead (all, with n 0) will not run here: they
 * go back to the run's queue.
 */
static void
giveback(struct worker *w, int n)
{
	struct wconn *c = w->conn;
	int k = n == 0 || n > w->ahead ? 0 : w->ahead - n;

	while (w->ahead > k) {
		w->ahead--;
		if (c->cfg->requeue != NULL)
			c->cfg->requeue(c->cfg->arg, c->q[w->ahead].id);
		free(c->q[w->ahead].test);
	}
}

/* What is due next: the backstop while busy, the ladder on the way out. */
long long
worker_due(const struct worker *w)
{
	if (w->state == WORKER_BUSY)
		return w->conn->backstop;
	if (w->state == WORKER_STARTING && w->conn->cfg->starttimeout > 0)
		return w->spawned + (long long)(w->conn->cfg->starttimeout *
		    1000);
	if (w->state == WORKER_DYING && w->pid == 0 && w->conn->cancelpid != 0)
		return w->conn->canceldue;
	if (w->state == WORKER_CLOSING || w->state == WORKER_DYING)
		return w->conn->kill.due;
	return 0;
}

static struct worker *
newworker(struct worker_cfg *cfg, int slot)
{
	struct worker *w;
	struct wconn *c;

	w = xmalloc(sizeof(*w));
	memset(w, 0, sizeof(*w));
	c = xmalloc(sizeof(*c));
	memset(c, 0, sizeof(*c));
	w->conn = c;
	w->slot = slot;
	c->cfg = cfg;
	c->fd = -1;
	c->notefd = -1;
	c->rtt = -1;
	c->dir = xmalloc(strlen(cfg->tempdir) + 24);
	sprintf(c->dir, "%s/%d", cfg->tempdir, slot);
	c->command = cfg->commands != NULL && slot < cfg->ncommands &&
	    cfg->commands[slot] != NULL ? cfg->commands[slot] : cfg->command;
	if (cfg->streams == NULL)
		cfg->streams = streams_new(WSTREAMCAP);
	return w;
}

/*
 * A worker's command line: sh -c COMMAND, or this program as a worker
 * that notes its tests' group on fd WNOTEFD, with the run's options.
 */
static char **
workerargv(const struct worker_cfg *cfg, const char *command)
{
	static char sh[] = "sh", dashc[] = "-c", worker[] = "--worker";
	static char groupfd[] = "--group-fd=" WSTR(WNOTEFD);
	char **argv;
	size_t n;

	for (n = 0; cfg->wopts != NULL && cfg->wopts[n] != NULL; n++)
		;
	argv = xreallocarray(NULL, n + 4, sizeof(*argv));
	if (command != NULL) {
		argv[0] = sh;
		argv[1] = dashc;
		argv[2] = (char *)command;
		argv[3] = NULL;
		return argv;
	}
	argv[0] = (char *)cfg->name;
	argv[1] = worker;
	argv[2] = groupfd;
	memcpy(argv + 3, cfg->wopts, n * sizeof(*argv));
	argv[n + 3] = NULL;
	return argv;
}

/* The environment with DISTTRIAL_WORKER=slot in it, in env's memory. */
static char **
workerenv(int slot, struct buf *env)
{
	static const char name[] = "DISTTRIAL_WORKER=";
	char **envp, num[24];
	size_t n, i, k = 0;

	for (n = 0; environ[n] != NULL; n++)
		;
	envp = xreallocarray(NULL, n + 2, sizeof(*envp));
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], name, sizeof(name) - 1) != 0)
			envp[k++] = environ[i];
	snprintf(num, sizeof(num), "%d", slot);
	buf_addstr(env, name);
	buf_addstr(env, num);
	buf_addc(env, '\0');
	envp[k++] = (char *)env->data;
	envp[k] = NULL;
	return envp;
}

/* N/err.log, the worker's stderr (and its launcher's). */
static void
errlog(const struct wconn *c, char *path, size_t len)
{
	snprintf(path, len, "%s/err.log", c->dir);
}

/* The size of N/err.log, 0 if there is none. */
static off_t
errsize(const struct wconn *c)
{
	char path[PATH_MAX];
	struct stat st;

	errlog(c, path, sizeof(path));
	return stat(path, &st) == 0 ? st.st_size : 0;
}

/*
 * How a worker starts: stdin on /dev/null, stdout and stderr appended
 * to N/out.log and N/err.log (a replacement keeps what its dead
 * predecessor said), the socket on fds 3 and 4, a local worker's note
 * pipe on WNOTEFD; in a process group of its own, with every signal's
 * default action and none blocked, whatever the manager's are.  The
 * descriptors given are above WNOTEFD, so no dup2 overwrites another.
 */
static int
workeractions(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr,
    const char *dir, int sock, int note)
{
	static const char *logs[] = { "out.log", "err.log" };
	sigset_t none, all;
	char *path;
	int e, i;

	if ((e = posix_spawn_file_actions_init(fa)) != 0)
		return e;
	e = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY,
	    0);
	for (i = 0; i < 2 && e == 0; i++) {
		path = pathjoin(dir, logs[i]);
		e = posix_spawn_file_actions_addopen(fa, i + 1, path,
		    O_WRONLY | O_CREAT | O_APPEND, 0666);
		free(path);
	}
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(fa, sock, 3);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(fa, sock, 4);
	if (e == 0 && note >= 0)
		e = posix_spawn_file_actions_adddup2(fa, note, WNOTEFD);
	if (e != 0 || (e = posix_spawnattr_init(attr)) != 0) {
		posix_spawn_file_actions_destroy(fa);
		return e;
	}
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if ((e = posix_spawnattr_setpgroup(attr, 0)) != 0 ||
	    (e = posix_spawnattr_setsigmask(attr, &none)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(attr, &all)) != 0 ||
	    (e = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0) {
		posix_spawn_file_actions_destroy(fa);
		posix_spawnattr_destroy(attr);
	}
	return e;
}

/* The worker's process, its argv and environment made; an errno, or 0. */
static int
spawnworker(struct worker *w, int sock, int note)
{
	const struct worker_cfg *cfg = w->conn->cfg;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct buf env = { 0 };
	char **argv, **envp;
	int e;

	if ((e = workeractions(&fa, &attr, w->conn->dir, sock, note)) != 0)
		return e;
	argv = workerargv(cfg, w->conn->command);
	envp = workerenv(w->slot, &env);
	e = posix_spawn(&w->pid, w->conn->command != NULL ? "/bin/sh" :
	    cfg->self,
	    &fa, &attr, argv, envp);
	if (e == 0)	/* it is in its group already; this is for the race */
		setpgid(w->pid, w->pid);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(argv);
	free(envp);
	buf_free(&env);
	return e;
}

/*
 * A descriptor of ours moved above WNOTEFD, close-on-exec like all of
 * the manager's: no worker holds another's socket, nor test.log.
 */
static int
highfd(int fd)
{
	int high;

	if (fd < 0 || fd > WNOTEFD) {
		if (fd >= 0)
			fdflags(fd, FD_CLOEXEC, 0);
		return fd;
	}
	high = fcntl(fd, F_DUPFD_CLOEXEC, WNOTEFD + 1);
	close(fd);
	return high;
}

/*
 * The descriptors and the process; -1 with why filled in if one of them
 * cannot be had (fds or processes run out): the caller goes on with
 * fewer workers.
 */
static int
startchild(struct worker *w, char *why, size_t whylen)
{
	struct wconn *c = w->conn;
	const char *what = "socketpair";
	int sv[2] = { -1, -1 }, np[2] = { -1, -1 }, i, e;

	if (mkdir(c->dir, 0777) < 0 && errno != EEXIST) {
		snprintf(why, whylen, "cannot create %s: %s", c->dir,
		    strerror(errno));
		return -1;
	}
	c->errfrom = errsize(c);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		goto fail;
	/* Only a local worker's tests share our host: only it notes them. */
	what = "pipe";
	if (c->command == NULL && pipe(np) < 0)
		goto fail;
	for (i = 0; i < 2; i++) {
		sv[i] = highfd(sv[i]);
		np[i] = highfd(np[i]);
	}
	what = "fcntl";
	if (sv[0] < 0 || sv[1] < 0 ||
	    (c->command == NULL && (np[0] < 0 || np[1] < 0)))
		goto fail;
	what = c->command != NULL ? "/bin/sh" : c->cfg->self;
	if ((e = spawnworker(w, sv[1], np[1])) != 0) {
		w->pid = 0;
		errno = e;
		goto fail;
	}
	close(sv[1]);
	if (np[1] >= 0)
		close(np[1]);
	c->notefd = np[0];
	c->fd = sv[0];
	return 0;
fail:
	snprintf(why, whylen, "%s: %s", what, strerror(errno));
	for (i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		if (np[i] >= 0)
			close(np[i]);
	}
	return -1;
}

/* The connection is there: it is sent Start. */
static void
hello(struct worker *w)
{
	struct amp_box b = { 0 };
	struct wconn *c = w->conn;

	fdflags(c->fd, 0, O_NONBLOCK);
	c->dec = amp_dec_new();
	w->state = WORKER_STARTING;
	w->spawned = now_ms();
	amp_ask(&b, "Start", &c->ctr);
	amp_addstr(&b, "directory", c->dir);
	amp_send(&c->wbuf, &b);
	amp_free(&b);
}

struct worker *
worker_spawn(struct worker_cfg *cfg, int slot, char *why, size_t whylen)
{
	struct worker *w;
	struct wconn *c;

	w = newworker(cfg, slot);
	c = w->conn;
	if (startchild(w, why, whylen) < 0) {
		worker_free(w);
		return NULL;
	}
	if (c->notefd >= 0)
		fdflags(c->notefd, 0, O_NONBLOCK);
	hello(w);
	return w;
}

struct worker *
worker_adopt(struct worker_cfg *cfg, int slot, int fd)
{
	struct worker *w;

	w = newworker(cfg, slot);
	w->conn->fd = fd;
	fdflags(fd, FD_CLOEXEC, 0);
	hello(w);
	return w;
}

struct worker *
worker_takeover(struct worker_cfg *cfg, int slot, int fd, pid_t pid,
    int jobs, char *const *args)
{
	struct worker *w;
	struct wconn *c;
	char num[24];

	w = newworker(cfg, slot);
	c = w->conn;
	if (mkdir(c->dir, 0777) < 0 && errno != EEXIST) {
		worker_free(w);
		return NULL;
	}
	c->errfrom = errsize(c);
	c->fd = fd;
	w->pid = pid;
	fdflags(fd, FD_CLOEXEC, 0);
	buf_add(&c->wbuf, c->dir, strlen(c->dir) + 1);
	snprintf(num, sizeof(num), "%d", slot);
	buf_add(&c->wbuf, num, strlen(num) + 1);
	snprintf(num, sizeof(num), "%d", jobs);
	buf_add(&c->wbuf, num, strlen(num) + 1);
	for (; args != NULL && *args != NULL; args++)
		buf_add(&c->wbuf, *args, strlen(*args) + 1);
	buf_addc(&c->wbuf, '\0');
	hello(w);
	return w;
}

void
worker_free(struct worker *w)
{
	struct wconn *c;

	if (w == NULL)
		return;
	c = w->conn;
	if (c->fd >= 0)
		close(c->fd);
	if (c->notefd >= 0)
		close(c->notefd);
	streams_drop(c->cfg->streams, w->slot);
	amp_dec_free(c->dec);
	buf_free(&c->wbuf);
	buf_free(&c->log);
	if (c->spill != NULL)
		fclose(c->spill);
	free(c->dir);
	giveback(w, 0);
	free(c->q);
	free(c);
	free(w->test);
	free(w);
}

void
worker_cfg_free(struct worker_cfg *cfg)
{
	streams_free(cfg->streams);
	cfg->streams = NULL;
}

/*
 * test.log that cannot be written (a full disk, a file size limit)
 * costs the log, not the run: one warning, and what cannot be written
 * is dropped.
 */
static void
writeall(int fd, const void *p, size_t len)
{
	static int warned;
	const char *s = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) < 0) {
			if (errno == EINTR)
				continue;
			if (!warned)
				warn("cannot write test.log (its lines are "
				    "dropped from here on):");
			warned = 1;
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

/*
 * Takes back the newline that logout put after this test's last line,
 * if it is still there: a TestWrite that continues that line follows.
 */
static void
unnewline(struct wconn *c)
{
	if (c->nl == 1 && c->log.len > 0 && c->spill == NULL)
		c->log.len--;
	else if (c->nl == 2 && c->spill != NULL)
		fseek(c->spill, -1, SEEK_CUR);
	c->nl = 0;
}

/*
 * A TestWrite's lines: held with its test's lines, spilled past WLOGMAX,
 * a newline after each.  joins (continuesLine=True): its first line ends
 * the last TestWrite's, which our worker cut as longer than a value.  A
 * spill file that cannot be made or written (no fds, a full disk) costs
 * the test's further lines, counted for a note in test.log.
 */
static void
logout(struct worker *w, const unsigned char *p, size_t len, int joins)
{
	struct wconn *c = w->conn;

	if (w->test == NULL) {
		writeall(c->cfg->logfd, p, len);
		writeall(c->cfg->logfd, "\n", 1);
		c->nl = 0;
		return;
	}
	if (joins)
		unnewline(c);
	if (c->dropped == 0 && c->spill == NULL &&
	    c->log.len + len + 1 > WLOGMAX) {
		if ((c->spill = scratchfile()) == NULL)
			c->droperr = errno;
		else	/* a gigabyte in 64 KiB writes, not 4 KiB ones */
			setvbuf(c->spill, NULL, _IOFBF, 65536);
	}
	if (c->dropped == 0 && c->spill != NULL &&
	    (fwrite(p, 1, len, c->spill) != len ||
	    putc('\n', c->spill) == EOF))
		c->droperr = errno;
	if (c->droperr != 0) {
		c->dropped += !joins;
		c->nl = 0;
		return;
	}
	c->nl = c->spill != NULL ? 2 : 1;
	if (c->spill != NULL)
		return;
	buf_add(&c->log, p, len);
	buf_addc(&c->log, '\n');
}

/* The note in test.log where a test's lines were dropped. */
static void
dropnote(struct wconn *c)
{
	static int warned;
	char note[256];
	int n;

	if (c->dropped == 0)
		return;
	n = snprintf(note, sizeof(note), "disttrial: %zu more lines of this "
	    "test's output were dropped: %s\n", c->dropped,
	    strerror(c->droperr));
	writeall(c->cfg->logfd, note, (size_t)n);
	if (!warned) {
		errno = c->droperr;
		warn("cannot keep all of a test's output for test.log "
		    "(its lines are dropped, with a note there):");
	}
	warned = 1;
	c->dropped = 0;
	c->droperr = 0;
}

/* The Run is over: its test's lines go to test.log in one piece. */
static void
logflush(struct wconn *c)
{
	char chunk[65536];
	size_t n;

	writeall(c->cfg->logfd, c->log.data, c->log.len);
	c->log.len = 0;
	if (c->spill != NULL) {
		rewind(c->spill);
		while ((n = fread(chunk, 1, sizeof(chunk), c->spill)) > 0)
			writeall(c->cfg->logfd, chunk, n);
		fclose(c->spill);
		c->spill = NULL;
	}
	dropnote(c);
}

/*
 * Reads a local worker's note of its tests' process group, keeping the
 * last whole one.  A note is one short write, so it arrives whole; the
 * worker writes one, before its first test, and it is read before any
 * kill.
 */
static void
readnotes(struct wconn *c)
{
	char chunk[512], *p, *nl;
	ssize_t n;
	long v;

	if (c->notefd < 0)
		return;
	while ((n = read(c->notefd, chunk, sizeof(chunk) - 1)) > 0) {
		chunk[n] = '\0';
		for (p = chunk; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
			v = strtol(p, NULL, 10);
			c->testpgid = v > 1 ? (pid_t)v : 0;
		}
	}
}

/* A result of the Run in flight, to the reporter, timed. */
static void
report(struct worker *w, const struct rep_result *r)
{
	struct rep_result timed = *r;
	long long now = now_ms();

	timed.secs = (double)(now - w->conn->lastres) / 1000;
	w->conn->lastres = now;
	w->conn->nres++;
	reporter_add(w->conn->cfg->rep, w->slot, &timed);
}

/*
 * The Run is over: flush the reporter's block and the log.  A Run with
 * no result at all gets an error: nothing a worker was given vanishes.
 */
static void
rundone(struct worker *w)
{
	static const char spilled[] = "[more of the output is in test.log]\n";
	struct rep_result r = { 0 };

	if (w->conn->nres == 0 && w->conn->unclean) {
		r.kind = REP_SUCCESS;
		r.name = w->test;
		report(w, &r);
	} else if (w->conn->nres == 0) {
		r.kind = REP_ERROR;
		r.name = w->test;
		r.class = CLASS_HARD;
		r.text = NOTHING;
		r.textlen = sizeof(NOTHING) - 1;
		report(w, &r);
	}
	reporter_output(w->conn->cfg->rep, w->slot, w->conn->log.data,
	    w->conn->log.len);
	if (w->conn->spill != NULL)
		reporter_output(w->conn->cfg->rep, w->slot, spilled,
		    sizeof(spilled) - 1);
	reporter_stop(w->conn->cfg->rep, w->slot);
	logflush(w->conn);
	free(w->test);
	w->test = NULL;
	w->conn->runtag = 0;
	w->conn->backstop = 0;
	if (w->state == WORKER_BUSY)
		w->state = WORKER_IDLE;
}

/* test (the worker's to free) is the Run in flight now: its block opens. */
static void
begin(struct worker *w, char *test, int isfile, unsigned long tag)
{
	struct wconn *c = w->conn;

	w->test = test;
	c->nres = 0;
	c->unclean = 0;
	c->python = !isfile;
	c->runtag = tag;
	reporter_start(c->cfg->rep, w->slot, test, isfile);
	w->state = WORKER_BUSY;
	w->started = c->lastres = now_ms();
	if (c->cfg->timeout > 0)
		c->backstop = w->started + (long long)(c->cfg->timeout *
		    1000) + LADDER_GRACEMS + WMARGINMS;
}

/* Sends a command with no arguments; its tag. */
static unsigned long
bare(struct wconn *c, const char *cmd)
{
	struct amp_box b = { 0 };
	unsigned long tag;

	tag = amp_ask(&b, cmd, &c->ctr);
	amp_send(&c->wbuf, &b);
	amp_free(&b);
	return tag;
}

/* The round trip is timed again, now and then. */
static void
ping(struct wconn *c)
{
	if (!c->queueahead || c->pingtag != 0 || now_ms() < c->nextping)
		return;
	c->pingsent = now_us();
	c->pingtag = bare(c, "Ping");
}

int
worker_room(const struct worker *w)
{
	struct wconn *c = w->conn;
	double want = 1;

	if (w->state != WORKER_IDLE && w->state != WORKER_BUSY)
		return 0;
	if (c->queueahead && c->wdtag == 0) {
		/* One ahead, and what it runs while a round trip lasts. */
		want = 2;
		if (c->rtt > 0 && c->runsecs > 0)
			want += (double)c->rtt / 1e6 / c->runsecs;
		if (want > WAHEADMAX)
			want = WAHEADMAX;
	} else if (w->state == WORKER_BUSY) {
		return 0;
	}
	return (int)want - (w->test != NULL) - w->ahead;
}

void
worker_run(struct worker *w, const char *test, int isfile, size_t id)
{
	struct amp_box b = { 0 };
	struct wconn *c = w->conn;
	unsigned long tag;

	tag = amp_ask(&b, "Run", &c->ctr);
	amp_addstr(&b, "testCase", test);
	amp_send(&c->wbuf, &b);
	amp_free(&b);
	if (w->test == NULL) {
		begin(w, xstrdup(test), isfile, tag);
		return;
	}
	c->q = xgrow(c->q, &c->qcap, (size_t)w->ahead + 1, sizeof(*c->q), 8);
	c->q[w->ahead].test = xstrdup(test);
	c->q[w->ahead].isfile = isfile;
	c->q[w->ahead].id = id;
	c->q[w->ahead].tag = tag;
	w->ahead++;
}

void
worker_withdraw(struct worker *w)
{
	struct wconn *c = w->conn;

	if (w->ahead > 0 && c->wdtag == 0 && c->fd >= 0 && !leaving(w))
		c->wdtag = bare(c, "Withdraw");
}

/* The Run in flight is answered: the next queued, if any, is in flight. */
static void
next(struct worker *w)
{
	struct wconn *c = w->conn;
	struct ahead a;

	if (w->ahead == 0 || w->state != WORKER_IDLE)
		return;
	a = c->q[0];
	memmove(c->q, c->q + 1, (size_t)--w->ahead * sizeof(*c->q));
	begin(w, a.test, a.isfile, a.tag);
}

/* Kills the worker's group, and the group of the test it last noted. */
static void
killall(struct worker *w, int sig)
{
	struct wconn *c = w->conn;

	if (w->pid != 0)
		kill(-w->pid, sig);
	readnotes(c);
	if (c->testpgid != 0)
		kill(-c->testpgid, SIGKILL);
}

static void
closefd(struct wconn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
}

/*
 * The first fault (a protocol error, a time-out, the connection lost)
 * condemns the worker: it is killed, and once reaped its test gets one
 * error.  With exited set, the worker may be exiting by itself: give
 * it WEXITMS to be reaped with its own status before signalling.
 */
static void
fault(struct worker *w, int exited, const char *fmt, ...)
{
	struct wconn *c = w->conn;
	va_list ap;

	if (leaving(w))
		return;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	w->failed = 1;
	c->byexit = exited;
	w->state = WORKER_DYING;
	closefd(c);
	ladder_start(&c->kill, exited ? WEXITMS : 0);
	if (!exited)
		killall(w, ladder_due(&c->kill, now_ms()));
}

void
worker_kill(struct worker *w, const char *why)
{
	fault(w, 0, "%s", why);
}

/*
 * EOF tells a worker to finish, once every answer owed has gone out, and
 * not before it has answered Start: what it asks before that answer
 * (Twisted's worker and ours: "Log opened.") is owed an answer too.  One
 * that never answers is signalled by the ladder.
 */
static void
shut(struct worker *w)
{
	struct wconn *c = w->conn;

	if (w->state == WORKER_CLOSING && !c->eofsent && c->fd >= 0 &&
	    c->wbuf.len == 0 && c->started) {
		shutdown(c->fd, SHUT_WR);
		c->eofsent = 1;
	}
}

void
worker_close(struct worker *w)
{
	if (leaving(w))
		return;
	w->state = WORKER_CLOSING;
	shut(w);
	/* One that dawdles is signalled. */
	ladder_start(&w->conn->kill, w->conn->cfg->exitms > 0 ?
	    w->conn->cfg->exitms : WEXITMS);
}

/*
 * For a message about the worker: "; its stderr: " and the last lines
 * it wrote to its err.log (its launcher's words, as srun's or ssh's),
 * joined by " | ", into s; empty if it wrote none.
 */
static void
lastwords(const struct worker *w, char *s, size_t len)
{
	static const char lead[] = "; its stderr: ";
	char path[PATH_MAX], tail[400], *p, *e;
	ssize_t n;
	off_t end, from;
	size_t i, k = sizeof(lead) - 1;
	int fd;

	s[0] = '\0';
	if (len < sizeof(lead) + 4)
		return;
	errlog(w->conn, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	from = end - w->conn->errfrom > (off_t)sizeof(tail) - 1 ?
	    end - (off_t)sizeof(tail) + 1 : w->conn->errfrom;
	n = from < end ? pread(fd, tail, sizeof(tail) - 1, from) : 0;
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	p = tail;
	if (from > w->conn->errfrom && (e = strchr(p, '\n')) != NULL)
		p = e + 1;	/* a cut first line */
	memcpy(s, lead, k);
	for (i = 0; p[i] != '\0' && k + 4 < len; i++) {
		if (p[i] == '\n') {
			if (p[i + 1] != '\0' && k > sizeof(lead) - 1) {
				memcpy(s + k, " | ", 3);
				k += 3;
			}
		} else {
			s[k++] = (unsigned char)p[i] < 0x20 ? '?' : p[i];
		}
	}
	s[k] = '\0';
	if (k == sizeof(lead) - 1)
		s[0] = '\0';	/* no words */
}

/*
 * The worker's launcher, for a message: --worker-command on one line,
 * each run of blanks and newlines one space, cut past 120 bytes.
 */
static void
launcher(const struct worker *w, char *s, size_t len)
{
	const char *p = w->conn->command;
	size_t k = 0;

	if (p == NULL)
		p = "this program's --worker";
	for (; *p != '\0' && k + 4 < len && k < 120; p++) {
		if (isspace((unsigned char)*p)) {
			if (k > 0 && s[k - 1] != ' ')
				s[k++] = ' ';
		} else {
			s[k++] = (unsigned char)*p < 0x20 ? '?' : *p;
		}
	}
	if (*p != '\0') {
		memcpy(s + k, "...", 3);
		k += 3;
	}
	s[k] = '\0';
}

void
worker_tick(struct worker *w)
{
	long long now = now_ms();
	char words[300], cmd[128];
	int sig;

	if (w->state == WORKER_STARTING && worker_due(w) != 0 &&
	    now >= worker_due(w)) {
		lastwords(w, words, sizeof(words));
		launcher(w, cmd, sizeof(cmd));
		w->gaveup = 1;
		fault(w, 0, "worker %d did not answer Start within %.0f s "
		    "(started by %s)%s", w->slot, (double)(now -
		    w->spawned) / 1000, cmd, words);
		return;
	}

	if (w->state == WORKER_BUSY && w->conn->backstop != 0 &&
	    now >= w->conn->backstop) {
		lastwords(w, words, sizeof(words));
		fault(w, 0, "worker %d did not answer the Run of %s within "
		    "%.0f s; it was killed%s", w->slot, w->test,
		    (double)(now - w->started) / 1000, words);
		return;
	}
	if (w->state == WORKER_DYING && w->pid == 0 &&
	    w->conn->cancelpid != 0) {
		if (now >= w->conn->canceldue)
			kill(w->conn->cancelpid, SIGKILL);
		return;
	}
	if ((w->state == WORKER_CLOSING || w->state == WORKER_DYING) &&
	    (sig = ladder_due(&w->conn->kill, now)) != 0)
		killall(w, sig);
}

static void
statustext(char *s, size_t len, int status)
{
	if (WIFSIGNALED(status))
		snprintf(s, len, "was killed by signal %d (%s)",
		    WTERMSIG(status), signame(WTERMSIG(status)));
	else
		snprintf(s, len, "exited with status %d", WEXITSTATUS(status));
}

static int readconn(struct worker *);
static void reaped(struct worker *, int);

/*
 * scancel --name=disttrial.PID: a --slurm worker's job outside an
 * allocation is named by the pid of the shell that became its srun
 * (worker_cfg's slurmjobs), so it is found even if srun never told its
 * id: one killed while its job waited, or whose node is lost, leaves
 * no job RUNNING or PENDING.  Its words go to N/err.log.  0 if it runs.
 */
static int
scancel(struct worker *w, pid_t pid)
{
	posix_spawn_file_actions_t fa;
	char name[64], path[PATH_MAX], *argv[4];
	pid_t cpid;
	int e;

	snprintf(name, sizeof(name), "--name=disttrial.%ld", (long)pid);
	argv[0] = "scancel";
	argv[1] = "--quiet";
	argv[2] = name;
	argv[3] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	errlog(w->conn, path, sizeof(path));
	e = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
	    0);
	if (e == 0)
		e = posix_spawn_file_actions_addopen(&fa, 1, path,
		    O_WRONLY | O_CREAT | O_APPEND, 0666);
	if (e == 0)
		e = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (e == 0)
		e = posix_spawnp(&cpid, "scancel", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0)
		return -1;
	w->conn->cancelpid = cpid;
	w->conn->canceldue = now_ms() + WCANCELMS;
	return 0;
}

/*
 * Each worker is waited for by its own pid, never by waitpid(-1), which
 * could take the status of a child that is not a worker's.  A wait that
 * fails is a bug, not a worker's fault.
 */
void
worker_reap(struct worker *w)
{
	pid_t pid;
	int st;

	if (w->pid == 0 && w->conn->cancelpid != 0) {
		while ((pid = waitpid(w->conn->cancelpid, &st, WNOHANG)) < 0 &&
		    errno == EINTR)
			;
		if (pid < 0)
			fatal("waitpid %ld, scancel:", (long)w->conn->cancelpid);
		if (pid == w->conn->cancelpid) {
			w->conn->cancelpid = 0;
			w->state = WORKER_GONE;
		}
		return;
	}
	if (w->pid == 0)
		return;
	while ((pid = waitpid(w->pid, &st, WNOHANG)) < 0 && errno == EINTR)
		;
	if (pid < 0)
		fatal("waitpid %ld, worker %d:", (long)w->pid, w->slot);
	if (pid == w->pid)
		reaped(w, st);
}

/*
 * The worker's process is gone.  What it wrote before dying is read
 * first; then the test it was running, if any, gets exactly one error.
 */
static void
reaped(struct worker *w, int status)
{
	struct rep_result res = { 0 };
	struct wconn *c = w->conn;
	pid_t pid = w->pid;
	int closing = w->state == WORKER_CLOSING;
	char st[96], words[300];
	int running, early;

	while (w->conn->fd >= 0 && readconn(w))
		;
	w->pid = 0;
	killall(w, SIGKILL);
	closefd(w->conn);
	statustext(st, sizeof(st), status);
	/* Its exit is the news: while running a test, or before Start. */
	running = w->test != NULL && (!w->failed || w->conn->byexit);
	early = !running && w->state == WORKER_DYING && w->conn->byexit &&
	    !w->conn->started;
	if (running || early)
		lastwords(w, words, sizeof(words));
	if (running)
		snprintf(w->why, sizeof(w->why), "worker %d %s while running "
		    "%s%s", w->slot, st, w->test, words);
	else if (early)
		snprintf(w->why, sizeof(w->why), "worker %d %s before it "
		    "answered Start%s", w->slot, st, words);
	if (w->test != NULL) {
		w->failed = 1;
		res.kind = REP_ERROR;
		res.name = w->test;
		res.class = CLASS_LOST;
		res.text = w->why;
		res.textlen = strlen(w->why);
		report(w, &res);
		rundone(w);
	}
	giveback(w, 0);		/* those behind it never began */
	streams_drop(w->conn->cfg->streams, w->slot);
	w->state = WORKER_GONE;
	/* A SLURM job of its own that did not end well: cancelled. */
	if (c->cfg->slurmjobs != NULL && c->cfg->slurmjobs[w->slot] &&
	    !(closing && WIFEXITED(status) && WEXITSTATUS(status) == 0) &&
	    scancel(w, pid) == 0)
		w->state = WORKER_DYING;	/* until scancel is reaped */
}

static void
answer(struct worker *w, const struct amp_pair *tag, const char *key,
    const char *val)
{
	if (tag != NULL)
		amp_reply(&w->conn->wbuf, tag->val, tag->vlen, key, val);
}

/*
 * A Unicode argument, repaired to UTF-8 and NUL-terminated, a NUL in it
 * carried as C0 80 (reporter.h); NULL if missing.
 */
static char *
ustr(const struct amp_box *b, const char *key, struct buf *out)
{
	const struct amp_pair *p;
	const unsigned char *s, *end, *nul;
	struct buf u = { 0 };

	if ((p = amp_get(b, key)) == NULL)
		return NULL;
	utf8_repair(&u, p->val, p->vlen);
	out->len = 0;
	end = u.data + u.len;
	for (s = u.data; (nul = memchr(s, '\0', (size_t)(end - s))) != NULL;
	    s = nul + 1) {
		buf_add(out, s, (size_t)(nul - s));
		buf_add(out, "\xc0\x80", 2);
	}
	buf_add(out, s, (size_t)(end - s));
	buf_free(&u);
	buf_addc(out, '\0');
	return (char *)out->data;
}

/*
 * A text given inline (old dialect) or as a stream (new); a stream the
 * worker never opened still leaves a result, saying its text was lost.
 */
static void
text(struct worker *w, const struct amp_box *b, const char *inl,
    const char *sid, int aslist, struct buf *out)
{
	struct streams *s = w->conn->cfg->streams;
	const struct amp_pair *p;
	long long id;

	if ((p = amp_get(b, inl)) != NULL) {
		buf_add(out, p->val, p->vlen);
		return;
	}
	if ((p = amp_get(b, sid)) == NULL)
		return;
	if (amp_int(p->val, p->vlen, &id) < 0 ||
	    streams_finish(s, id, w->slot, out, aslist) < 0) {
		warn("worker %d: %s names an unknown stream", w->slot, sid);
		if (!aslist)
			buf_addstr(out, "(the text was lost: its stream was "
			    "never opened)");
	}
}

/*
 * A traceback's frames, a ListOf of (function, file, line) triples, as
 * plain structs pointing into list; an incomplete triple, or anything
 * after a malformed element, is dropped.
 */
static struct rep_frame *
frames(const struct buf *list, size_t *n)
{
	const unsigned char *p = list->data, *e[3];
	struct rep_frame *f = NULL;
	size_t len = list->len, el[3], cap = 0, i;

	*n = 0;
	for (;;) {
		for (i = 0; i < 3; i++)
			if (amp_list_next(&p, &len, &e[i], &el[i]) != 1)
				return f;
		f = xgrow(f, &cap, *n + 1, sizeof(*f), 16);
		f[*n].func = (const char *)e[0];
		f[*n].funclen = el[0];
		f[*n].file = (const char *)e[1];
		f[*n].filelen = el[1];
		f[*n].line = (const char *)e[2];
		f[*n].linelen = el[2];
		(*n)++;
	}
}

static const struct {
	const char *cmd;
	int kind;
	const char *inl, *sid;	/* the text, inline or as a stream */
	const char *class, *reason;
} adds[] = {
	{ "AddSuccess", REP_SUCCESS, NULL, NULL, NULL, NULL },
	{ "AddFailure", REP_FAILURE, "fail", "failStreamId", "failClass",
	    NULL },
	{ "AddError", REP_ERROR, "error", "errorStreamId", "errorClass",
	    NULL },
	{ "AddSkip", REP_SKIP, NULL, NULL, NULL, "reason" },
	{ "AddExpectedFailure", REP_XFAIL, "error", "errorStreamId", NULL,
	    "todo" },
	{ "AddUnexpectedSuccess", REP_XPASS, NULL, NULL, NULL, "todo" },
};

/* A TAP test's bail out: its error's text begins with the Bail out! line. */
static int
isbail(const struct rep_result *r)
{
	size_t n = sizeof(BAIL_PREFIX) - 1;

	return r->class != NULL && strcmp(r->class, CLASS_HARD) == 0 &&
	    r->textlen >= n && strncasecmp(r->text, BAIL_PREFIX, n) == 0;
}

/* trial's error for a test that left its reactor unclean. */
#define DIRTY "twisted.trial.util.DirtyReactorAggregateError"

static int
isunclean(const struct worker *w, const struct rep_result *r)
{
	return w->conn->cfg->uncleanwarnings && r->class != NULL &&
	    strcmp(r->class, DIRTY) == 0;
}

/*
 * --unclean-warnings: the error is a warning on stderr and a line in
 * test.log, and a test that has no other result passed (rundone).
 */
static void
unclean(struct worker *w, const struct rep_result *r)
{
	struct buf msg = { 0 };
	size_t i;

	buf_addstr(&msg, "warning: ");
	buf_addstr(&msg, r->name);
	buf_addstr(&msg, ": ");
	buf_add(&msg, r->text, r->textlen);
	while (msg.len > 0 && msg.data[msg.len - 1] == '\n')
		msg.len--;
	logout(w, msg.data, msg.len, 0);
	for (i = 0; i < msg.len; i++) {	/* no escape reaches a terminal */
		if (msg.data[i] == 0xc2 && i + 1 < msg.len &&
		    msg.data[i + 1] >= 0x80 && msg.data[i + 1] <= 0x9f) {
			msg.data[i] = '?';	/* C1 */
			msg.data[++i] = '?';
		} else if ((msg.data[i] < 0x20 && msg.data[i] != '\n' &&
		    msg.data[i] != '\t') || msg.data[i] == 0x7f)
			msg.data[i] = '?';
	}
	buf_addc(&msg, '\0');
	reporter_progress(w->conn->cfg->rep, NULL, 0);
	warn("%s", (char *)msg.data);
	buf_free(&msg);
	w->conn->unclean = 1;
}

/* The result of an Add* command, in the reporter's own terms. */
static void
addresult(struct worker *w, const struct amp_box *b, int i)
{
	struct buf name = { 0 }, class = { 0 }, reason = { 0 }, txt = { 0 };
	struct buf list = { 0 };
	struct rep_result r = { 0 };
	struct rep_frame *f = NULL;

	r.kind = adds[i].kind;
	r.name = ustr(b, "testName", &name);
	if (adds[i].class != NULL)
		r.class = ustr(b, adds[i].class, &class);
	if (adds[i].reason != NULL)
		r.reason = ustr(b, adds[i].reason, &reason);
	if (adds[i].inl != NULL) {
		text(w, b, adds[i].inl, adds[i].sid, 0, &txt);
		if (r.kind != REP_XFAIL)
			text(w, b, "frames", "framesStreamId", 1, &list);
		buf_addc(&txt, '\0');
		txt.len--;
		r.text = (char *)txt.data;
		r.textlen = txt.len;
		r.frames = f = frames(&list, &r.nframes);
		r.framed = list.len > 0 || w->conn->python;
	}
	if (r.name == NULL)
		r.name = w->test ? w->test : "(unnamed)";
	if (r.kind == REP_ERROR && w->test != NULL && isunclean(w, &r)) {
		unclean(w, &r);
		goto done;
	}
	if (r.kind == REP_ERROR && isbail(&r))
		w->bailed = 1;
	if (r.kind == REP_FAILURE || r.kind == REP_ERROR)
		w->problem = 1;
	if (w->test != NULL)
		report(w, &r);
	else
		warn("worker %d: a result outside any Run: %s", w->slot,
		    r.name);
done:
	free(f);
	buf_free(&name);
	buf_free(&class);
	buf_free(&reason);
	buf_free(&txt);
	buf_free(&list);
}

static void
streamwrite(struct worker *w, const struct amp_box *b,
    const struct amp_pair *tag)
{
	struct streams *s = w->conn->cfg->streams;
	const struct amp_pair *p, *data;
	long long id;

	p = amp_get(b, "streamId");
	data = amp_get(b, "data");
	if (p == NULL || data == NULL || amp_int(p->val, p->vlen, &id) < 0 ||
	    streams_write(s, id, w->slot, data->val, data->vlen) < 0) {
		warn("worker %d: a bad StreamWrite: %s", w->slot,
		    streams_error(s));
		if (tag != NULL)
			amp_error(&w->conn->wbuf, tag->val, tag->vlen,
			    "UNKNOWN", "Unknown Error");
	} else {
		answer(w, tag, NULL, NULL);
	}
}

/* A command from the worker, as trial's LocalWorkerAMP answers it. */
static void
workercmd(struct worker *w, const struct amp_box *b)
{
	const struct amp_pair *cmd, *tag, *p;
	char sid[32];
	size_t i;

	cmd = amp_get(b, "_command");
	tag = amp_get(b, "_ask");
	if (amp_is(cmd, "TestWrite") && (p = amp_get(b, "out")) != NULL) {
		logout(w, p->val, p->vlen,
		    amp_is(amp_get(b, "continuesLine"), "True"));
		answer(w, tag, "success", "True");
		return;
	}
	if (amp_is(cmd, "StreamOpen")) {
		snprintf(sid, sizeof(sid), "%lld",
		    streams_open(w->conn->cfg->streams, w->slot));
		answer(w, tag, "streamId", sid);
		return;
	}
	if (amp_is(cmd, "StreamWrite")) {
		streamwrite(w, b, tag);
		return;
	}
	for (i = 0; i < countof(adds); i++)
		if (amp_is(cmd, adds[i].cmd)) {
			addresult(w, b, (int)i);
			answer(w, tag, "success", "True");
			return;
		}
	if (tag != NULL)
		amp_unhandled(&w->conn->wbuf, tag->val, tag->vlen, cmd->val,
		    cmd->vlen);
}

/*
 * The answer to a Ping (the round trip's time) or to a Withdraw (how
 * many of the last Runs queued ahead it dropped: they go back).
 */
static void
ahead(struct worker *w, const struct amp_box *b, unsigned long n)
{
	struct wconn *c = w->conn;
	const struct amp_pair *v;
	long long k, rtt;

	if (n == c->pingtag) {
		rtt = now_us() - c->pingsent;
		if (c->rtt < 0 || rtt < c->rtt)
			c->rtt = rtt;
		c->pingtag = 0;
		c->nextping = now_ms() + WPINGMS;
		return;
	}
	c->wdtag = 0;
	v = amp_get(b, "withdrawn");
	if (b->kind != AMP_ANSWER || v == NULL ||
	    amp_int(v->val, v->vlen, &k) < 0 || k < 0 || k > w->ahead) {
		fault(w, 0, "worker %d answered Withdraw wrongly; it was "
		    "killed", w->slot);
		return;
	}
	if (k > 0)
		giveback(w, (int)k);
}

/* An answer from the worker: to Start, or to the Run in flight. */
static void
workeranswer(struct worker *w, const struct amp_box *b)
{
	const struct amp_pair *tag, *v;
	struct rep_result r = { 0 };
	struct wconn *c = w->conn;
	char text[512];
	unsigned long n;
	double secs;

	tag = amp_get(b, b->kind == AMP_ANSWER ? "_answer" : "_error");
	if (amp_tagnum(tag->val, tag->vlen, &n) < 0)
		n = 0;
	if (n != 0 && (n == c->pingtag || n == c->wdtag)) {
		ahead(w, b, n);
		return;
	}
	if (n == 0 || (n != 1 && n != c->runtag)) {
		fault(w, 0, "worker %d answered tag '%.*s', which was never "
		    "asked; it was killed", w->slot,
		    (int)(tag->vlen > 32 ? 32 : tag->vlen), tag->val);
		return;
	}
	if (n == 1) {
		if (b->kind == AMP_ERROR ||
		    !amp_is(amp_get(b, "success"), "True"))
			warn("worker %d could not start in %s", w->slot,
			    w->conn->dir);
		w->conn->started = 1;
		w->conn->queueahead = amp_is(amp_get(b, "queueAhead"), "True");
		ping(w->conn);
		if (w->state == WORKER_STARTING)
			w->state = WORKER_IDLE;
		shut(w);	/* closed while it was starting */
		return;
	}
	if (b->kind == AMP_ERROR) {
		v = amp_get(b, "_error_description");
		snprintf(text, sizeof(text), "%s%s: %.*s", w->conn->nres == 0 ?
		    NOTHING "; " : "", "the worker failed the Run",
		    v ? (int)(v->vlen > 400 ? 400 : v->vlen) : 0,
		    v ? (const char *)v->val : "");
		r.kind = REP_ERROR;
		r.name = w->test;
		r.class = CLASS_HARD;
		r.text = text;
		r.textlen = strlen(text);
		report(w, &r);
	}
	v = amp_get(b, "elapsed");
	if (v != NULL && v->vlen < sizeof(text)) {
		memcpy(text, v->val, v->vlen);
		text[v->vlen] = '\0';
		secs = strtod(text, NULL);
		if (secs > 0 && secs < 1e6)	/* a mean that forgets */
			c->runsecs = c->runsecs == 0 ? secs :
			    (3 * c->runsecs + secs) / 4;
	}
	rundone(w);
	next(w);
	ping(c);
}

/* Reads what the worker sent; 1 if it read anything. */
static int
readconn(struct worker *w)
{
	struct wconn *c = w->conn;
	unsigned char chunk[65536];
	struct amp_box b = { 0 };
	ssize_t n;
	int r = 0;

	if ((n = read(c->fd, chunk, sizeof(chunk))) < 0 &&
	    (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0 && w->state == WORKER_CLOSING) {
		closefd(c);	/* it is finishing, as asked */
		return 0;
	}
	if (n <= 0) {
		fault(w, 1, "worker %d closed its connection", w->slot);
		return 0;
	}
	amp_dec_feed(c->dec, chunk, (size_t)n);
	while (c->fd >= 0 && (r = amp_dec_next(c->dec, &b)) == 1) {
		if (b.kind == AMP_COMMAND)
			workercmd(w, &b);
		else
			workeranswer(w, &b);
	}
	amp_free(&b);
	if (c->fd >= 0 && r < 0)
		fault(w, 0, "worker %d sent bytes that are not AMP (%s); it "
		    "was killed", w->slot, amp_dec_error(c->dec));
	return 1;
}

/*
 * Writes what was queued since the last wake-up, in one write; it waits
 * for POLLOUT only when that fell short.
 */
void
worker_flush(struct worker *w)
{
	struct wconn *c = w->conn;
	int r;

	if (c->fd < 0 || c->wbuf.len == 0 || c->wblocked)
		return;
	if ((r = buf_write(c->fd, &c->wbuf)) < 0) {
		/* Nobody reads it any more: drop it, do not spin. */
		c->wbuf.len = 0;
		fault(w, 1, "worker %d closed its connection", w->slot);
	}
	c->wblocked = r == 0;
	shut(w);
}

void
worker_io(struct worker *w, short revents)
{
	struct wconn *c = w->conn;

	if (revents & POLLOUT)
		c->wblocked = 0;
	if (c->fd >= 0 && (revents & (POLLIN | POLLHUP | POLLERR)))
		readconn(w);
}

int
worker_pollfd(const struct worker *w, short *events)
{
	*events = POLLIN;
	if (w->conn->wblocked && w->conn->wbuf.len > 0)
		*events |= POLLOUT;
	return w->conn->fd;
}
