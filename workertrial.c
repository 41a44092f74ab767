/*
 * worker.c: the worker, the side of trial's workertrial that runs tests.
 *
 * It reads AMP commands on fd 3 (fd 0 with --stdio) and writes on fd 4
 * (fd 1).  Start names a scratch directory; each Run names a test
 * program, which runs in its own process group with stdin on /dev/null
 * and stdout and stderr on pipes.  Its stdout goes line by line through
 * the TAP parser; lines that are not TAP, and all of stderr, go back as
 * TestWrite.  Results go back as trial's Add* commands, their texts in
 * StreamOpen/StreamWrite streams, and the Run is answered once every one
 * of them has been answered.
 *
 * Everything outgoing waits in one ordered queue: a result whose stream
 * ids have not come back holds up what follows it, so the manager sees
 * results and output in the order they happened.  While the queue and
 * the socket buffer hold more than WBACKLOG bytes, the test's pipes are
 * not read: a test printing a gigabyte is slowed to the manager's pace
 * instead of growing the worker.
 *
 * A manager that does not know StreamOpen (Twisted before 22.10 answers
 * it with UNHANDLED) gets the old dialect from then on: texts inline,
 * cut to one value, and an empty ListOf of frames.
 *
 * The second half of this file is the manager's side of a worker
 * (struct wconn): spawning it, answering its commands in both dialects,
 * handing results to the reporter, and noticing when it dies.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "amp.h"
#include "reporter.h"
#include "stream.h"
#include "tap.h"
#include "util.h"
#include "worker.h"

#define WBACKLOG (1024 * 1024)	/* outgoing bytes before pipes pause */
#define WTAIL 65536		/* output kept for a failure's text */
#define WLASTLINE 1024		/* the last line, kept for a skip reason */
#define WSTRAYMS 300		/* grace for pipes held open by strays */
#define WKILLMS 1000		/* grace between SIGTERM and SIGKILL */
#define WPGIDFILE ".disttrial-pgid"	/* in the scratch directory */

struct item {
	const char *cmd;	/* TestWrite, AddSuccess, AddFailure... */
	char *name;		/* testName */
	char *reason;		/* reason (AddSkip) or todo */
	char *class;		/* failClass or errorClass */
	struct buf text;	/* out (TestWrite), or the result's text */
	int nstream;		/* streams it needs: text, frames */
	int nopen;		/* StreamOpen answers still awaited */
	int inlined;		/* old dialect: the text goes inline */
	long long sid[2];
};

struct ask {
	unsigned long tag;
	struct item *it;	/* a StreamOpen's item, else NULL */
	int slot;
};

struct run {
	char *test;
	char *tag;		/* the Run's _ask, NULL if none */
};

struct test {
	char *path;
	pid_t pid;		/* 0 once reaped */
	pid_t pgid;		/* 0 once judged */
	int status;
	int fd[2];		/* stdout, stderr; -1 at EOF */
	struct buf line[2];	/* the line being read */
	int spill[2];		/* the line was cut: the rest is output */
	struct tap *tap;
	struct buf tail;	/* the last output, for texts */
	size_t outlen;		/* all output, in bytes */
	char lastline[WLASTLINE];
	int execerr;		/* errno of a failed exec, or 0 */
	int timedout, killed, stray;
	long long deadline;	/* ms: time-out, kill or stray grace; 0 none */
};

static struct {
	const struct worker_opts *o;
	int in, out;
	int inflags, outflags;	/* as they were, restored at exit */
	struct amp_dec *dec;
	struct buf wbuf;	/* encoded, not yet written */
	unsigned long ctr;
	struct item **q;	/* the outgoing queue */
	size_t qhead, qlen, qcap, qbytes;
	struct ask *ask;
	size_t nask, askcap;
	struct run *run;	/* Runs waiting, the first one running */
	size_t nrun, runcap;
	int runok;		/* every result of this Run was accepted */
	struct test *t;		/* the test running, or NULL */
	int olddialect;
	char *pgidfile;		/* names the running test's group, if set */
	char **xargv;		/* --exec split into words, plus 2 slots */
	int nxargv;
	int selfpipe[2];
} W;

static long long
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Both sides: a box into a write buffer; one too long for AMP is a bug. */
static void
encode(struct buf *out, struct amp_box *b)
{
	if (amp_encode(out, b) < 0)
		fatal("a value too long for AMP");
}

/* Both sides: answers the command whose _ask is tag (none if NULL). */
static void
reply(struct buf *out, const void *tag, size_t taglen, const char *key,
    const char *val)
{
	struct amp_box b = { 0 };

	if (tag == NULL)
		return;
	amp_answer(&b, tag, taglen);
	if (key != NULL)
		amp_addstr(&b, key, val);
	encode(out, &b);
	amp_free(&b);
}

static void
newask(unsigned long tag, struct item *it, int slot)
{
	if (W.nask == W.askcap) {
		W.askcap = W.askcap ? W.askcap * 2 : 16;
		W.ask = xreallocarray(W.ask, W.askcap, sizeof(*W.ask));
	}
	W.ask[W.nask].tag = tag;
	W.ask[W.nask].it = it;
	W.ask[W.nask].slot = slot;
	W.nask++;
}

static void
freeitem(struct item *it)
{
	free(it->name);
	free(it->reason);
	free(it->class);
	buf_free(&it->text);
	free(it);
}

static void
streamopen(struct item *it, int slot)
{
	struct amp_box b = { 0 };

	newask(amp_ask(&b, "StreamOpen", &W.ctr), it, slot);
	encode(&W.wbuf, &b);
	amp_free(&b);
	it->nopen++;
}

static void
enqueue(struct item *it)
{
	int i;

	if (W.qlen == W.qcap) {
		if (W.qhead > 0) {
			memmove(W.q, W.q + W.qhead,
			    (W.qlen - W.qhead) * sizeof(*W.q));
			W.qlen -= W.qhead;
			W.qhead = 0;
		} else {
			W.qcap = W.qcap ? W.qcap * 2 : 64;
			W.q = xreallocarray(W.q, W.qcap, sizeof(*W.q));
		}
	}
	W.q[W.qlen++] = it;
	W.qbytes += it->text.len;
	if (W.olddialect)
		it->inlined = 1;
	else
		for (i = 0; i < it->nstream; i++)
			streamopen(it, i);
}

static void
writeline(const unsigned char *p, size_t len)
{
	struct item *it;

	it = xmalloc(sizeof(*it));
	memset(it, 0, sizeof(*it));
	it->cmd = "TestWrite";
	buf_add(&it->text, p, len);
	enqueue(it);
}

/* A line of output, without its newline, as TestWrites of valid UTF-8. */
static void
testwrite(const unsigned char *p, size_t len)
{
	struct buf fixed = { 0 };
	size_t off = 0, n;

	amp_utf8fix(&fixed, p, len);
	do {
		n = stream_chunk(fixed.data + off, fixed.len - off, 1);
		writeline(fixed.data + off, n);
		off += n;
	} while (off < fixed.len);
	buf_free(&fixed);
}

static void
testwrites(const char *s)
{
	testwrite((const unsigned char *)s, strlen(s));
}

/* Appends the text's next chunk that fits in one Unicode value. */
static void
inlinetext(struct amp_box *b, const char *key, const struct buf *text)
{
	amp_add(b, key, text->data, stream_chunk(text->data, text->len, 1));
}

static void
sendwrites(long long sid, const struct buf *text)
{
	struct amp_box b = { 0 };
	char id[32];
	size_t off, n;

	snprintf(id, sizeof(id), "%lld", sid);
	for (off = 0; off < text->len; off += n) {
		n = stream_chunk(text->data + off, text->len - off, 0);
		newask(amp_ask(&b, "StreamWrite", &W.ctr), NULL, -1);
		amp_addstr(&b, "streamId", id);
		amp_add(&b, "data", text->data + off, n);
		encode(&W.wbuf, &b);
	}
	amp_free(&b);
}

/* Sends the head item: its stream writes, then the command itself. */
static void
senditem(struct item *it)
{
	struct amp_box b = { 0 };
	char id[2][32];
	int fail = strcmp(it->cmd, "AddFailure") == 0;

	if (it->nstream > 0 && !it->inlined)
		sendwrites(it->sid[0], &it->text);
	newask(amp_ask(&b, it->cmd, &W.ctr), NULL, -1);
	if (it->name != NULL)
		amp_addstr(&b, "testName", it->name);
	if (strcmp(it->cmd, "TestWrite") == 0)
		amp_add(&b, "out", it->text.data, it->text.len);
	if (strcmp(it->cmd, "AddSkip") == 0)
		amp_addstr(&b, "reason", it->reason);
	else if (it->reason != NULL)
		amp_addstr(&b, "todo", it->reason);
	if (it->class != NULL)
		amp_addstr(&b, fail ? "failClass" : "errorClass",
		    it->class);
	if (it->nstream > 0 && it->inlined) {
		inlinetext(&b, fail ? "fail" : "error", &it->text);
		if (it->nstream > 1)
			amp_add(&b, "frames", "", 0);
	} else if (it->nstream > 0) {
		snprintf(id[0], sizeof(id[0]), "%lld", it->sid[0]);
		snprintf(id[1], sizeof(id[1]), "%lld", it->sid[1]);
		amp_addstr(&b, fail ? "failStreamId" : "errorStreamId",
		    id[0]);
		if (it->nstream > 1)
			amp_addstr(&b, "framesStreamId", id[1]);
	}
	encode(&W.wbuf, &b);
	amp_free(&b);
}

/*
 * Sends what the queue allows, from its head: up to a result whose
 * stream ids have not come back, or until the write buffer is full.
 */
static void
flush(void)
{
	struct item *it;

	while (W.qhead < W.qlen && W.wbuf.len < WBACKLOG) {
		it = W.q[W.qhead];
		if (it->nopen > 0)
			break;
		senditem(it);
		W.qbytes -= it->text.len;
		W.qhead++;
		freeitem(it);
	}
	if (W.qhead == W.qlen)
		W.qhead = W.qlen = 0;
}

/* A copy of s fit for a Unicode value: UTF-8, at most one value long. */
static char *
unicode(const char *s)
{
	struct buf b = { 0 };

	if (s == NULL)
		return NULL;
	amp_utf8fix(&b, (const unsigned char *)s, strlen(s));
	b.len = stream_chunk(b.data, b.len, 1);
	buf_addc(&b, '\0');
	return (char *)b.data;
}

static void
result(const char *cmd, const char *name, const char *reason,
    const char *class, const char *text, size_t textlen)
{
	struct item *it;

	it = xmalloc(sizeof(*it));
	memset(it, 0, sizeof(*it));
	it->cmd = cmd;
	it->name = unicode(name);
	it->reason = unicode(reason);
	it->class = unicode(class);
	if (text != NULL)
		amp_utf8fix(&it->text, (const unsigned char *)text, textlen);
	if (strcmp(cmd, "AddFailure") == 0 || strcmp(cmd, "AddError") == 0)
		it->nstream = 2;
	else if (strcmp(cmd, "AddExpectedFailure") == 0)
		it->nstream = 1;
	enqueue(it);
}

static void
answered(const struct amp_box *b)
{
	const struct amp_pair *tag, *v;
	unsigned long n;
	long long sid;
	struct ask a;
	size_t i;

	tag = amp_get(b, b->kind == AMP_ANSWER ? "_answer" : "_error");
	if (amp_tagnum(tag->val, tag->vlen, &n) < 0)
		n = 0;
	for (i = 0; i < W.nask && W.ask[i].tag != n; i++)
		;
	if (i == W.nask)
		fatal("worker: an answer for tag '%.*s', which was never asked",
		    (int)(tag->vlen > 32 ? 32 : tag->vlen), tag->val);
	a = W.ask[i];
	W.ask[i] = W.ask[--W.nask];
	if (a.it != NULL) {
		a.it->nopen--;
		v = amp_get(b, "streamId");
		if (b->kind == AMP_ERROR || v == NULL ||
		    amp_int(v->val, v->vlen, &sid) < 0) {
			/* No streams here: a manager of the old dialect. */
			W.olddialect = 1;
			a.it->inlined = 1;
		} else {
			a.it->sid[a.slot] = sid;
		}
		return;
	}
	if (b->kind == AMP_ERROR) {
		v = amp_get(b, "_error_description");
		warn("worker: the manager refused a result: %.*s",
		    v ? (int)(v->vlen > 200 ? 200 : v->vlen) : 0,
		    v ? (const char *)v->val : "");
		W.runok = 0;
	}
}

/* Like mkdir -p. */
static int
mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0777) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static void
start(const struct amp_pair *tag, const struct amp_pair *dir)
{
	struct buf path = { 0 };
	char cwd[PATH_MAX];
	struct stat st;
	int ok;

	if (dir->vlen == 0 || dir->val[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			fatal("worker: getcwd:");
		buf_addstr(&path, cwd);
		buf_addc(&path, '/');
	}
	buf_add(&path, dir->val, dir->vlen);
	buf_addc(&path, '\0');
	ok = memchr(dir->val, '\0', dir->vlen) == NULL &&
	    mkdirs((char *)path.data) == 0 &&
	    stat((char *)path.data, &st) == 0 && S_ISDIR(st.st_mode);
	if (ok) {
		setenv("DISTTRIAL_TEMP", (char *)path.data, 1);
		path.len--;
		buf_addstr(&path, "/" WPGIDFILE);
		buf_addc(&path, '\0');
		free(W.pgidfile);
		W.pgidfile = xstrdup((char *)path.data);
	} else {
		warn("worker: cannot create %s:", (char *)path.data);
	}
	reply(&W.wbuf, tag ? tag->val : NULL, tag ? tag->vlen : 0, "success",
	    ok ? "True" : "False");
	buf_free(&path);
}

static void
queuerun(const struct amp_pair *tag, const struct amp_pair *test)
{
	struct run *r;

	if (W.nrun == W.runcap) {
		W.runcap = W.runcap ? W.runcap * 2 : 8;
		W.run = xreallocarray(W.run, W.runcap, sizeof(*W.run));
	}
	r = &W.run[W.nrun++];
	r->test = xmemdup(test->val, test->vlen);
	r->tag = tag ? xmemdup(tag->val, tag->vlen) : NULL;
}

static void
command(const struct amp_box *b)
{
	const struct amp_pair *cmd, *tag, *arg = NULL;
	int isstart;

	cmd = amp_get(b, "_command");
	tag = amp_get(b, "_ask");
	isstart = amp_is(cmd, "Start");
	if (isstart) {
		arg = amp_get(b, "directory");
	} else if (amp_is(cmd, "Run")) {
		arg = amp_get(b, "testCase");
	} else {
		if (tag != NULL && amp_unhandled(&W.wbuf, tag->val, tag->vlen,
		    cmd->val, cmd->vlen) < 0)
			fatal("worker: a tag too long to answer");
		return;
	}
	if (arg == NULL || !amp_utf8ok(arg->val, arg->vlen) ||
	    memchr(arg->val, '\0', arg->vlen) != NULL) {
		warn("worker: %.*s without a valid %s", (int)cmd->vlen,
		    cmd->val, isstart ? "directory" : "testCase");
		if (tag != NULL)
			amp_error(&W.wbuf, tag->val, tag->vlen, "UNKNOWN",
			    "Unknown Error");
		return;
	}
	if (isstart)
		start(tag, arg);
	else
		queuerun(tag, arg);
}

/* Reads the manager's bytes; 0 at EOF. */
static int
readamp(void)
{
	unsigned char chunk[65536];
	struct amp_box b = { 0 };
	ssize_t n;
	int r;

	if ((n = read(W.in, chunk, sizeof(chunk))) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 1;
		if (errno != ECONNRESET)
			warn("worker: read:");
		return 0;
	}
	if (n == 0)
		return 0;
	amp_dec_feed(W.dec, chunk, (size_t)n);
	while ((r = amp_dec_next(W.dec, &b)) == 1) {
		if (b.kind == AMP_COMMAND)
			command(&b);
		else
			answered(&b);
	}
	amp_free(&b);
	if (r < 0)
		fatal("worker: bad AMP from the manager: %s",
		    amp_dec_error(W.dec));
	return 1;
}

/*
 * The child's half of spawning: only async-signal-safe calls, and any
 * exec error goes back as an errno through the close-on-exec pipe.
 * W.xargv holds the --exec words and two free slots, for the path and
 * the NULL: this is the child's own copy of it.
 */
static void
child(char *path, int out, int err, int errfd)
{
	char *argv[3];
	int null, e;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if ((null = open("/dev/null", O_RDONLY)) < 0 || dup2(null, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		goto fail;
	if (null > 2)
		close(null);
	if (W.nxargv > 0) {
		W.xargv[W.nxargv] = path;
		W.xargv[W.nxargv + 1] = NULL;
		execvp(W.xargv[0], W.xargv);
		goto fail;
	}
	argv[0] = path;
	argv[1] = NULL;
	execv(path, argv);
	if (errno == ENOEXEC) {
		/* No #! line: a shell script, as execvp and shells run it. */
		argv[0] = "sh";
		argv[1] = path;
		argv[2] = NULL;
		execv("/bin/sh", argv);
	}
fail:
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0) {
		/* nothing more can be done */
	}
	_exit(127);
}

static const struct {
	int sig;
	const char *name;
} signames[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGXCPU, "SIGXCPU" }, { SIGXFSZ, "SIGXFSZ" }, { SIGSYS, "SIGSYS" },
};

static const char *
signame(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signames) / sizeof(signames[0]); i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	return "unknown";
}

/* A line of output that is not TAP: log it, keep it for texts. */
static void
logline(struct test *t, const unsigned char *p, size_t len)
{
	size_t i;

	testwrite(p, len);
	buf_add(&t->tail, p, len);
	buf_addc(&t->tail, '\n');
	t->outlen += len + 1;
	if (t->tail.len > 2 * WTAIL)
		buf_consume(&t->tail, t->tail.len - WTAIL);
	for (i = 0; i < len && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	if (i < len) {
		len = len < WLASTLINE - 1 ? len : WLASTLINE - 1;
		memcpy(t->lastline, p, len);
		t->lastline[len] = '\0';
	}
}

/*
 * A line of stream i, or with end unset the first TAP_MAXLINE bytes of a
 * longer one (its rest comes in further pieces).  Only a line's first
 * piece goes to the TAP parser; the rest of a TAP line is dropped, the
 * rest of any other line is logged.
 */
static void
gotline(struct test *t, int i, unsigned char *p, size_t len, int end)
{
	if (end && len > 0 && p[len - 1] == '\r')
		len--;
	if (t->spill[i] == 2) {
		if (end)
			t->spill[i] = 0;
		return;
	}
	if (i == 0 && t->spill[i] == 0 && tap_line(t->tap, (char *)p, len)) {
		t->spill[i] = end ? 0 : 2;
		return;
	}
	logline(t, p, len);
	t->spill[i] = end ? 0 : 1;
}

static void
closepipe(struct test *t, int i)
{
	if (t->fd[i] < 0)
		return;
	if (t->line[i].len > 0 || t->spill[i] != 0)
		gotline(t, i, t->line[i].data, t->line[i].len, 1);
	t->line[i].len = 0;
	close(t->fd[i]);
	t->fd[i] = -1;
}

static void
readpipe(struct test *t, int i)
{
	unsigned char chunk[65536], *nl;
	struct buf *line = &t->line[i];
	size_t off, take, room;
	ssize_t n;

	if ((n = read(t->fd[i], chunk, sizeof(chunk))) < 0 &&
	    (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		closepipe(t, i);
		return;
	}
	for (off = 0; off < (size_t)n;) {
		nl = memchr(chunk + off, '\n', (size_t)n - off);
		take = nl ? (size_t)(nl - (chunk + off)) : (size_t)n - off;
		room = TAP_MAXLINE - line->len;
		if (take > room) {
			buf_add(line, chunk + off, room);
			off += room;
			gotline(t, i, line->data, line->len, 0);
			line->len = 0;
			continue;
		}
		buf_add(line, chunk + off, take);
		off += take;
		if (nl != NULL) {
			gotline(t, i, line->data, line->len, 1);
			line->len = 0;
			off++;
		}
	}
}

/* The text of a file-level failure or error: why, then the output's tail. */
static void
filetext(struct test *t, struct buf *out, const char *why, size_t whylen)
{
	const unsigned char *p = t->tail.data, *nl;
	size_t len = t->tail.len;
	char mark[96];

	buf_add(out, why, whylen);
	if (whylen > 0 && why[whylen - 1] != '\n')
		buf_addc(out, '\n');
	if (t->stray)
		buf_addstr(out, "A process the test left behind still held "
		    "its output; its process group was killed.\n");
	if (len == 0)
		return;
	if (len > WTAIL) {
		p += len - WTAIL;
		len = WTAIL;
		if ((nl = memchr(p, '\n', len - 1)) != NULL) {
			len -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
	}
	if (len < t->outlen)
		snprintf(mark, sizeof(mark), "--- output (last %zu of %zu "
		    "bytes) ---\n", len, t->outlen);
	else
		snprintf(mark, sizeof(mark), "--- output ---\n");
	buf_addstr(out, mark);
	buf_add(out, p, len);
}

static char *
testname(const struct test *t, const char *name)
{
	struct buf b = { 0 };

	buf_addstr(&b, t->path);
	if (name != NULL) {
		buf_addc(&b, ' ');
		buf_addstr(&b, name);
	}
	buf_addc(&b, '\0');
	return (char *)b.data;
}

static void
ontap(void *arg, const struct tap_result *r)
{
	struct test *t = arg;
	struct buf text = { 0 };
	char *name;

	name = testname(t, r->name);
	switch (r->kind) {
	case TAP_SUCCESS:
		result("AddSuccess", name, NULL, NULL, NULL, 0);
		break;
	case TAP_FAILURE:
		result("AddFailure", name, NULL, r->class, r->text, r->textlen);
		break;
	case TAP_SKIP:
		result("AddSkip", name, r->reason, NULL, NULL, 0);
		break;
	case TAP_XFAIL:
		result("AddExpectedFailure", name, r->reason, NULL, r->text,
		    r->textlen);
		break;
	case TAP_XPASS:
		result("AddUnexpectedSuccess", name, r->reason, NULL, NULL, 0);
		break;
	default:
		if (r->name == NULL)
			filetext(t, &text, r->text, r->textlen);
		else
			buf_add(&text, r->text, r->textlen);
		result("AddError", name, NULL, r->class, (char *)text.data,
		    text.len);
		break;
	}
	buf_free(&text);
	free(name);
}

/* Why a test ended badly, and its error class; NULL if it exited 0. */
static const char *
how(const struct test *t, char *why, size_t len)
{
	int code;

	if (t->timedout) {
		snprintf(why, len, "timed out after %g s", W.o->timeout);
		return "disttrial.Timeout";
	}
	if (WIFSIGNALED(t->status)) {
		snprintf(why, len, "killed by signal %d (%s)",
		    WTERMSIG(t->status), signame(WTERMSIG(t->status)));
		return "disttrial.Signal";
	}
	code = WEXITSTATUS(t->status);
	if (code == 0)
		return NULL;
	snprintf(why, len, "exited with status %d", code);
	if (code == 99 && !tap_istap(t->tap))
		return "disttrial.HardError";
	return "disttrial.TestFailure";
}

static void
execfailed(struct test *t)
{
	char why[PATH_MAX + 128];
	struct stat st;

	if (W.nxargv > 0)
		snprintf(why, sizeof(why), "cannot execute %s (for %s): %s",
		    W.xargv[0], t->path, strerror(t->execerr));
	else if (t->execerr == EACCES && stat(t->path, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		snprintf(why, sizeof(why), "cannot execute %s: %s", t->path,
		    strerror(EISDIR));
	else if (t->execerr == ENOENT && stat(t->path, &st) == 0)
		snprintf(why, sizeof(why), "cannot execute %s: bad "
		    "interpreter (%s)", t->path, strerror(t->execerr));
	else
		snprintf(why, sizeof(why), "cannot execute %s: %s", t->path,
		    strerror(t->execerr));
	result("AddError", t->path, NULL, "disttrial.ExecFailed", why,
	    strlen(why));
}

/* The test's process is reaped and its pipes closed: its last results. */
static void
judge(struct test *t)
{
	struct buf text = { 0 };
	const char *class;
	char why[128];

	if (t->execerr != 0) {
		execfailed(t);
		return;
	}
	class = how(t, why, sizeof(why));
	if (tap_istap(t->tap)) {
		tap_end(t->tap, class ? why : NULL, class);
		return;
	}
	if (class == NULL) {
		result("AddSuccess", t->path, NULL, NULL, NULL, 0);
	} else if (WIFEXITED(t->status) && WEXITSTATUS(t->status) == 77 &&
	    !t->timedout) {
		result("AddSkip", t->path, t->lastline[0] ? t->lastline :
		    "exit status 77", NULL, NULL, 0);
	} else {
		filetext(t, &text, why, strlen(why));
		result(strcmp(class, "disttrial.TestFailure") == 0 ?
		    "AddFailure" : "AddError", t->path, NULL, class,
		    (char *)text.data, text.len);
	}
	buf_free(&text);
}

/*
 * The running test's process group, in the scratch directory: if this
 * worker is killed, the manager reads it and kills what it left.
 */
static void
notepgid(pid_t pgid)
{
	FILE *f;

	if (W.pgidfile == NULL)
		return;
	if (pgid == 0) {
		unlink(W.pgidfile);
		return;
	}
	if ((f = fopen(W.pgidfile, "w")) == NULL)
		return;
	fprintf(f, "%ld\n", (long)pgid);
	fclose(f);
}

static void
spawn(const char *path)
{
	struct buf hdr = { 0 };
	struct test *t;
	int out[2], err[2], ep[2], i;
	ssize_t n;

	t = xmalloc(sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->path = xstrdup(path);
	t->fd[0] = t->fd[1] = -1;
	t->tap = tap_new(ontap, t);
	W.t = t;
	W.runok = 1;
	buf_addstr(&hdr, "--> ");
	buf_addstr(&hdr, path);
	buf_addstr(&hdr, " <--");
	testwrite(hdr.data, hdr.len);
	buf_free(&hdr);
	if (pipe(out) < 0 || pipe(err) < 0 || pipe(ep) < 0)
		fatal("worker: pipe:");
	for (i = 0; i < 2; i++) {
		fdflags(out[i], FD_CLOEXEC, 0);
		fdflags(err[i], FD_CLOEXEC, 0);
		fdflags(ep[i], FD_CLOEXEC, 0);
	}
	if ((t->pid = fork()) < 0)
		fatal("worker: fork:");
	if (t->pid == 0)
		child(t->path, out[1], err[1], ep[1]);
	t->pgid = t->pid;
	setpgid(t->pid, t->pid);
	notepgid(t->pgid);
	close(out[1]);
	close(err[1]);
	close(ep[1]);
	while ((n = read(ep[0], &t->execerr, sizeof(t->execerr))) < 0 &&
	    errno == EINTR)
		;
	if (n != sizeof(t->execerr))
		t->execerr = 0;
	close(ep[0]);
	t->fd[0] = out[0];
	t->fd[1] = err[0];
	fdflags(out[0], 0, O_NONBLOCK);
	fdflags(err[0], 0, O_NONBLOCK);
	if (W.o->timeout > 0)
		t->deadline = now() + (long long)(W.o->timeout * 1000);
}

static void
freetest(struct test *t)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		buf_free(&t->line[i]);
	}
	tap_free(t->tap);
	buf_free(&t->tail);
	free(t->path);
	free(t);
}

/* Time-outs and the grace for strays, once their deadline has passed. */
static void
deadline(struct test *t)
{
	if (t->deadline == 0 || now() < t->deadline)
		return;
	t->deadline = 0;
	if (t->pid != 0 && !t->timedout) {
		t->timedout = 1;
		kill(-t->pid, SIGTERM);
		t->deadline = now() + WKILLMS;
	} else if (t->pid != 0) {
		kill(-t->pid, SIGKILL);
	} else if (t->fd[0] >= 0 || t->fd[1] >= 0) {
		t->stray = 1;
		kill(-t->pgid, SIGKILL);
		testwrites("disttrial: a process the test left behind still "
		    "held its output; its process group was killed");
		closepipe(t, 0);
		closepipe(t, 1);
	}
}

static void
reap(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (W.t == NULL || pid != W.t->pid)
			continue;
		W.t->status = st;
		W.t->pid = 0;
		if (W.t->fd[0] >= 0 || W.t->fd[1] >= 0)
			W.t->deadline = now() + WSTRAYMS;
	}
}

/*
 * Moves the running test along: once its process is reaped and its
 * pipes are closed, its group is killed (nothing it started outlives
 * it) and it is judged; once every result is answered, so is the Run.
 */
static void
progress(void)
{
	struct test *t = W.t;

	if (t != NULL && t->pid == 0 && t->fd[0] < 0 && t->fd[1] < 0 &&
	    t->pgid != 0) {
		kill(-t->pgid, SIGKILL);
		t->pgid = 0;
		notepgid(0);
		judge(t);
	}
	if (t != NULL && t->pgid == 0 && W.qlen == W.qhead && W.nask == 0) {
		reply(&W.wbuf, W.run[0].tag, W.run[0].tag ?
		    strlen(W.run[0].tag) : 0, "success",
		    W.runok ? "True" : "False");
		freetest(t);
		W.t = NULL;
		free(W.run[0].test);
		free(W.run[0].tag);
		memmove(W.run, W.run + 1, --W.nrun * sizeof(*W.run));
	}
	if (W.t == NULL && W.nrun > 0)
		spawn(W.run[0].test);
}

/* At any exit, fatal() included: no test process is left behind. */
static void
cleanup(void)
{
	if (W.t != NULL && W.t->pgid != 0) {
		kill(-W.t->pgid, SIGKILL);
		if (W.t->pid != 0)
			waitpid(W.t->pid, NULL, 0);
		W.t->pid = W.t->pgid = 0;
		notepgid(0);
	}
	/* Shared descriptions (a terminal, a pipe) get their flags back. */
	fcntl(W.in, F_SETFL, W.inflags);
	fcntl(W.out, F_SETFL, W.outflags);
}

static void
setup(const struct worker_opts *o)
{
	static const int stops[] = { SIGTERM, SIGHUP, SIGINT };
	char *p, *words;

	W.o = o;
	W.in = o->stdio ? 0 : 3;
	W.out = o->stdio ? 1 : 4;
	if (fcntl(W.in, F_GETFD) < 0 || fcntl(W.out, F_GETFD) < 0)
		fatal("worker: AMP needs fds %d and %d open (see --stdio)",
		    W.in, W.out);
	W.inflags = fcntl(W.in, F_GETFL);
	W.outflags = fcntl(W.out, F_GETFL);
	fdflags(W.in, FD_CLOEXEC, O_NONBLOCK);
	fdflags(W.out, FD_CLOEXEC, O_NONBLOCK);
	sigpipe_open(stops, sizeof(stops) / sizeof(stops[0]), W.selfpipe);
	atexit(cleanup);
	if (getenv("DISTTRIAL_WORKER") == NULL)
		setenv("DISTTRIAL_WORKER", "0", 1);
	if (o->exec != NULL) {
		words = xstrdup(o->exec);
		W.xargv = xreallocarray(NULL, strlen(words) + 3,
		    sizeof(*W.xargv));
		for (p = strtok(words, " \t"); p; p = strtok(NULL, " \t"))
			W.xargv[W.nxargv++] = p;
		if (W.nxargv == 0)
			fatal("worker: --exec names no command");
	}
	W.dec = amp_dec_new();
}

/* Writes what it can; 0 once the manager is gone. */
static int
writeamp(void)
{
	ssize_t n;

	if ((n = write(W.out, W.wbuf.data, W.wbuf.len)) < 0)
		return errno == EINTR || errno == EAGAIN;
	buf_consume(&W.wbuf, (size_t)n);
	return 1;
}

static int
pollwait(void)
{
	long long d;

	if (W.t == NULL || W.t->deadline == 0)
		return -1;
	d = W.t->deadline - now();
	return d < 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
}

int
worker_main(const struct worker_opts *o)
{
	struct pollfd pfd[5];
	int i, n, paused;

	setup(o);
	testwrites("Log opened.");
	for (;;) {
		progress();
		flush();
		paused = W.wbuf.len + W.qbytes > WBACKLOG;
		pfd[0].fd = W.selfpipe[0];
		pfd[1].fd = W.in;
		pfd[2].fd = W.wbuf.len > 0 ? W.out : -1;
		pfd[3].fd = W.t && !paused ? W.t->fd[0] : -1;
		pfd[4].fd = W.t && !paused ? W.t->fd[1] : -1;
		for (i = 0; i < 5; i++) {
			pfd[i].events = i == 2 ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		if ((n = poll(pfd, 5, pollwait())) < 0 && errno != EINTR)
			fatal("worker: poll:");
		if (sigpipe_take() != 0)
			break;		/* SIGTERM, SIGHUP or SIGINT */
		reap();
		if (pfd[2].revents != 0 && !writeamp())
			break;
		if (pfd[1].revents != 0 && !readamp())
			break;
		for (i = 0; i < 2; i++)
			if (pfd[3 + i].revents != 0)
				readpipe(W.t, i);
		if (W.t != NULL)
			deadline(W.t);
	}
	cleanup();
	return 0;
}

/*
 * The manager's side.
 */

#define WLOGMAX (256 * 1024)	/* a test's log lines held in memory */
#define WEXITMS 1000		/* for a worker to exit before signals */
#define WMARGINMS 5000		/* the Run backstop past the time-out */

struct wconn {
	const struct wconn_cfg *cfg;
	int slot;
	int state;
	pid_t pid;		/* its process group too; 0 once reaped */
	int fd;			/* -1 once closed */
	struct amp_dec *dec;
	struct buf wbuf;
	unsigned long ctr, runtag;
	char *test;		/* the Run in flight */
	long long started;	/* ms */
	char *dir;		/* absolute N/ */
	struct buf log;		/* this test's TestWrite lines */
	FILE *spill;		/* and those past WLOGMAX */
	int bailed;
	int failed;
	int byexit;		/* the fault was its leaving: name its status */
	int closing;		/* 1: told to finish, 2: EOF sent */
	char why[512];		/* the first fault */
	long long deadline;	/* ms: exit, SIGTERM, SIGKILL; backstop */
	int killstage;
};

static struct streams *streams;	/* one table, one id counter, all workers */
static struct wconn **conns;	/* every open connection, for children */
static size_t nconns, connscap;

long long
wconn_now(void)
{
	return now();
}

static void
mkchild(const struct wconn_cfg *cfg, int slot, int sock)
{
	char n[32], *path;
	int fd, i, out, err, spare[4];

	setpgid(0, 0);
	for (i = 0; i < cfg->nclosefds; i++)
		close(cfg->closefds[i]);
	for (i = 0; i < (int)nconns; i++)
		if (conns[i]->fd >= 0)
			close(conns[i]->fd);
	snprintf(n, sizeof(n), "%d", slot);
	setenv("DISTTRIAL_WORKER", n, 1);
	path = xmalloc(strlen(cfg->tempdir) + 48);
	sprintf(path, "%s/%d/out.log", cfg->tempdir, slot);
	/* Appended: a replacement keeps what its dead predecessor said. */
	out = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
	sprintf(path, "%s/%d/err.log", cfg->tempdir, slot);
	err = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
	free(path);
	if (out < 0 || err < 0 || (fd = open("/dev/null", O_RDONLY)) < 0)
		_exit(127);
	if ((sock = fcntl(sock, F_DUPFD, 10)) < 0 || dup2(fd, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0 || dup2(sock, 3) < 0 ||
	    dup2(sock, 4) < 0)
		_exit(127);
	spare[0] = sock;
	spare[1] = fd;
	spare[2] = out;
	spare[3] = err;
	for (i = 0; i < 4; i++)
		if (spare[i] > 4)
			close(spare[i]);
	signal(SIGPIPE, SIG_DFL);
	if (cfg->command != NULL) {
		execl("/bin/sh", "sh", "-c", cfg->command, (char *)NULL);
		_exit(127);
	}
	signal(SIGPIPE, SIG_IGN);
	_exit(worker_main(cfg->o));
}

struct wconn *
wconn_spawn(const struct wconn_cfg *cfg, int slot)
{
	struct amp_box b = { 0 };
	struct wconn *w;
	int sv[2], i;

	w = xmalloc(sizeof(*w));
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->slot = slot;
	w->fd = -1;
	w->dir = xmalloc(strlen(cfg->tempdir) + 24);
	sprintf(w->dir, "%s/%d", cfg->tempdir, slot);
	if (mkdir(w->dir, 0777) < 0 && errno != EEXIST)
		fatal("cannot create %s:", w->dir);
	if (streams == NULL)
		streams = streams_new(64 * 1024 * 1024);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		fatal("socketpair:");
	for (i = 0; i < 2; i++)
		fdflags(sv[i], FD_CLOEXEC, 0);
	/* Registered before the fork, so a local worker's copy is reachable. */
	if (nconns == connscap) {
		connscap = connscap ? connscap * 2 : 8;
		conns = xreallocarray(conns, connscap, sizeof(*conns));
	}
	conns[nconns++] = w;
	fflush(NULL);
	if ((w->pid = fork()) < 0)
		fatal("fork:");
	if (w->pid == 0) {
		close(sv[0]);
		mkchild(cfg, slot, sv[1]);
	}
	setpgid(w->pid, w->pid);
	close(sv[1]);
	w->fd = sv[0];
	fdflags(w->fd, 0, O_NONBLOCK);
	w->dec = amp_dec_new();
	w->state = WC_STARTING;
	amp_ask(&b, "Start", &w->ctr);
	amp_addstr(&b, "directory", w->dir);
	encode(&w->wbuf, &b);
	amp_free(&b);
	return w;
}

static void
unregister(struct wconn *w)
{
	size_t i;

	for (i = 0; i < nconns; i++)
		if (conns[i] == w) {
			conns[i] = conns[--nconns];
			break;
		}
}

void
wconn_free(struct wconn *w)
{
	if (w == NULL)
		return;
	unregister(w);
	if (w->fd >= 0)
		close(w->fd);
	if (streams != NULL)
		streams_drop(streams, w->slot);
	amp_dec_free(w->dec);
	buf_free(&w->wbuf);
	buf_free(&w->log);
	if (w->spill != NULL)
		fclose(w->spill);
	free(w->test);
	free(w->dir);
	free(w);
}

static void
writeall(int fd, const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, s, len)) < 0) {
			if (errno == EINTR)
				continue;
			fatal("write test.log:");
		}
		s += n;
		len -= (size_t)n;
	}
}

/* A TestWrite line: held with its test's lines, spilled past WLOGMAX. */
static void
logout(struct wconn *w, const unsigned char *p, size_t len)
{
	if (w->test == NULL) {
		writeall(w->cfg->logfd, p, len);
		writeall(w->cfg->logfd, "\n", 1);
		return;
	}
	if (w->spill == NULL && w->log.len + len + 1 > WLOGMAX &&
	    (w->spill = tmpfile()) == NULL)
		fatal("tmpfile:");
	if (w->spill != NULL) {
		if (fwrite(p, 1, len, w->spill) != len ||
		    putc('\n', w->spill) == EOF)
			fatal("write a spilled log:");
		return;
	}
	buf_add(&w->log, p, len);
	buf_addc(&w->log, '\n');
}

/* The Run is over: its test's lines go to test.log in one piece. */
static void
logflush(struct wconn *w)
{
	char chunk[65536];
	size_t n;

	writeall(w->cfg->logfd, w->log.data, w->log.len);
	w->log.len = 0;
	if (w->spill == NULL)
		return;
	rewind(w->spill);
	while ((n = fread(chunk, 1, sizeof(chunk), w->spill)) > 0)
		writeall(w->cfg->logfd, chunk, n);
	fclose(w->spill);
	w->spill = NULL;
}

/* The Run is over: flush the reporter's block and the log. */
static void
rundone(struct wconn *w)
{
	reporter_stop(w->cfg->rep, w->slot);
	logflush(w);
	free(w->test);
	w->test = NULL;
	w->runtag = 0;
	if (w->state == WC_BUSY)
		w->state = WC_IDLE;
	w->deadline = 0;
}

void
wconn_run(struct wconn *w, const char *test, int isfile)
{
	struct amp_box b = { 0 };

	w->test = xstrdup(test);
	w->runtag = amp_ask(&b, "Run", &w->ctr);
	amp_addstr(&b, "testCase", test);
	encode(&w->wbuf, &b);
	amp_free(&b);
	reporter_start(w->cfg->rep, w->slot, test, isfile);
	w->state = WC_BUSY;
	w->started = now();
	if (w->cfg->timeout > 0)
		w->deadline = w->started + (long long)(w->cfg->timeout *
		    1000) + WKILLMS + WMARGINMS;
}

/* Kills the worker's group, and the test group named in its N/. */
static void
killall(struct wconn *w, int sig)
{
	char path[PATH_MAX];
	long pgid = 0;
	FILE *f;

	if (w->pid != 0)
		kill(-w->pid, sig);
	snprintf(path, sizeof(path), "%s/%s", w->dir, WPGIDFILE);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fscanf(f, "%ld", &pgid) == 1 && pgid > 1)
		kill(-(pid_t)pgid, SIGKILL);
	fclose(f);
	if (w->pid == 0)
		unlink(path);
}

static void
closefd(struct wconn *w)
{
	if (w->fd < 0)
		return;
	close(w->fd);
	w->fd = -1;
}

/*
 * The first fault (a protocol error, a time-out, the connection lost)
 * condemns the worker: it is killed, and once reaped its test gets one
 * error.  With exited set, the worker may be exiting by itself: give
 * it WEXITMS to be reaped with its own status before signalling.
 */
static void
fault(struct wconn *w, int exited, const char *fmt, ...)
{
	va_list ap;

	if (w->state == WC_DYING || w->state == WC_GONE)
		return;
	va_start(ap, fmt);
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	w->failed = 1;
	w->byexit = exited;
	w->state = WC_DYING;
	closefd(w);
	w->killstage = exited ? 0 : 1;
	if (!exited)
		killall(w, SIGTERM);
	w->deadline = now() + (exited ? WEXITMS : WKILLMS);
}

void
wconn_kill(struct wconn *w, const char *why)
{
	fault(w, 0, "%s", why);
}

/* EOF tells a worker to finish, once every answer owed has gone out. */
static void
shut(struct wconn *w)
{
	if (w->closing == 1 && w->fd >= 0 && w->wbuf.len == 0) {
		shutdown(w->fd, SHUT_WR);
		w->closing = 2;
	}
}

void
wconn_close(struct wconn *w)
{
	if (w->state == WC_DYING || w->state == WC_GONE)
		return;
	w->closing = 1;
	shut(w);
	/* One that dawdles is signalled. */
	w->state = WC_DYING;
	w->killstage = 0;
	w->deadline = now() + WEXITMS;
}

void
wconn_tick(struct wconn *w)
{
	if (w->deadline == 0 || now() < w->deadline)
		return;
	if (w->state == WC_BUSY) {
		fault(w, 0, "worker %d did not answer the Run of %s within "
		    "%.0f s; it was killed", w->slot, w->test,
		    (double)(now() - w->started) / 1000);
		return;
	}
	if (w->state != WC_DYING)
		return;
	w->killstage++;
	killall(w, w->killstage == 1 ? SIGTERM : SIGKILL);
	w->deadline = w->killstage >= 2 ? 0 : now() + WKILLMS;
}

long long
wconn_deadline(const struct wconn *w)
{
	return w->deadline;
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

static int readconn(struct wconn *);

/*
 * The worker's process is gone.  What it wrote before dying is read
 * first; then the test it was running, if any, gets exactly one error.
 */
void
wconn_reaped(struct wconn *w, pid_t pid, int status)
{
	struct rep_result res = { 0 };
	char st[96];

	if (pid != w->pid || w->pid == 0)
		return;
	while (w->fd >= 0 && readconn(w))
		;
	w->pid = 0;
	killall(w, SIGKILL);
	closefd(w);
	statustext(st, sizeof(st), status);
	if (w->test != NULL && (!w->failed || w->byexit))
		snprintf(w->why, sizeof(w->why), "worker %d %s while running "
		    "%s", w->slot, st, w->test);
	if (w->test != NULL) {
		w->failed = 1;
		res.kind = REP_ERROR;
		res.name = w->test;
		res.class = "disttrial.WorkerLost";
		res.text = w->why;
		res.textlen = strlen(w->why);
		reporter_add(w->cfg->rep, w->slot, &res);
		rundone(w);
	}
	streams_drop(streams, w->slot);
	w->state = WC_GONE;
	w->deadline = 0;
}

static void
manswer(struct wconn *w, const struct amp_pair *tag, const char *key,
    const char *val)
{
	if (tag != NULL)
		reply(&w->wbuf, tag->val, tag->vlen, key, val);
}

/* A Unicode argument, repaired to UTF-8 and NUL-terminated; NULL if missing. */
static char *
ustr(const struct amp_box *b, const char *key, struct buf *out)
{
	const struct amp_pair *p;

	if ((p = amp_get(b, key)) == NULL)
		return NULL;
	out->len = 0;
	amp_utf8fix(out, p->val, p->vlen);
	buf_addc(out, '\0');
	return (char *)out->data;
}

/*
 * A text given inline (old dialect) or as a stream (new); a stream the
 * worker never opened still leaves a result, saying its text was lost.
 */
static void
text(struct wconn *w, const struct amp_box *b, const char *inl,
    const char *sid, int aslist, struct buf *out)
{
	const struct amp_pair *p;
	long long id;

	if ((p = amp_get(b, inl)) != NULL) {
		buf_add(out, p->val, p->vlen);
		return;
	}
	if ((p = amp_get(b, sid)) == NULL)
		return;
	if (amp_int(p->val, p->vlen, &id) < 0 ||
	    streams_finish(streams, id, w->slot, out, aslist) < 0) {
		warn("worker %d: %s names an unknown stream", w->slot, sid);
		if (!aslist)
			buf_addstr(out, "(the text was lost: its stream was "
			    "never opened)");
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

static void
addresult(struct wconn *w, const struct amp_box *b, int i)
{
	struct buf name = { 0 }, class = { 0 }, reason = { 0 }, txt = { 0 };
	struct buf frames = { 0 };
	struct rep_result r = { 0 };

	r.kind = adds[i].kind;
	r.name = ustr(b, "testName", &name);
	if (adds[i].class != NULL)
		r.class = ustr(b, adds[i].class, &class);
	if (adds[i].reason != NULL)
		r.reason = ustr(b, adds[i].reason, &reason);
	if (adds[i].inl != NULL) {
		text(w, b, adds[i].inl, adds[i].sid, 0, &txt);
		if (r.kind != REP_XFAIL)
			text(w, b, "frames", "framesStreamId", 1, &frames);
		buf_addc(&txt, '\0');
		txt.len--;
		r.text = (char *)txt.data;
		r.textlen = txt.len;
		r.frames = frames.data;
		r.frameslen = frames.len;
	}
	if (r.name == NULL)
		r.name = w->test ? w->test : "(unnamed)";
	if (r.class != NULL && strcmp(r.class, "disttrial.BailOut") == 0)
		w->bailed = 1;
	if (w->test != NULL)
		reporter_add(w->cfg->rep, w->slot, &r);
	else
		warn("worker %d: a result outside any Run: %s", w->slot,
		    r.name);
	buf_free(&name);
	buf_free(&class);
	buf_free(&reason);
	buf_free(&txt);
	buf_free(&frames);
}

static void
mcommand(struct wconn *w, const struct amp_box *b)
{
	const struct amp_pair *cmd, *tag, *p, *data;
	long long id;
	char sid[32];
	size_t i;

	cmd = amp_get(b, "_command");
	tag = amp_get(b, "_ask");
	if (amp_is(cmd, "TestWrite") && (p = amp_get(b, "out")) != NULL) {
		logout(w, p->val, p->vlen);
		manswer(w, tag, "success", "True");
		return;
	}
	if (amp_is(cmd, "StreamOpen")) {
		snprintf(sid, sizeof(sid), "%lld",
		    streams_open(streams, w->slot));
		manswer(w, tag, "streamId", sid);
		return;
	}
	if (amp_is(cmd, "StreamWrite")) {
		p = amp_get(b, "streamId");
		data = amp_get(b, "data");
		if (p == NULL || data == NULL ||
		    amp_int(p->val, p->vlen, &id) < 0 ||
		    streams_write(streams, id, w->slot, data->val,
		    data->vlen) < 0) {
			warn("worker %d: a bad StreamWrite: %s", w->slot,
			    streams_error(streams));
			if (tag != NULL)
				amp_error(&w->wbuf, tag->val, tag->vlen,
				    "UNKNOWN", "Unknown Error");
		} else {
			manswer(w, tag, NULL, NULL);
		}
		return;
	}
	for (i = 0; i < sizeof(adds) / sizeof(adds[0]); i++)
		if (amp_is(cmd, adds[i].cmd)) {
			addresult(w, b, (int)i);
			manswer(w, tag, "success", "True");
			return;
		}
	if (tag != NULL)
		amp_unhandled(&w->wbuf, tag->val, tag->vlen, cmd->val,
		    cmd->vlen);
}

/* An answer from the worker: to Start, or to the Run in flight. */
static void
manswered(struct wconn *w, const struct amp_box *b)
{
	const struct amp_pair *tag, *v;
	struct rep_result r = { 0 };
	char text[512];
	unsigned long n;

	tag = amp_get(b, b->kind == AMP_ANSWER ? "_answer" : "_error");
	if (amp_tagnum(tag->val, tag->vlen, &n) < 0 || n == 0 ||
	    (n != 1 && n != w->runtag)) {
		fault(w, 0, "worker %d answered tag '%.*s', which was never "
		    "asked; it was killed", w->slot,
		    (int)(tag->vlen > 32 ? 32 : tag->vlen), tag->val);
		return;
	}
	if (n == 1) {
		if (b->kind == AMP_ERROR ||
		    !amp_is(amp_get(b, "success"), "True"))
			warn("worker %d could not start in %s", w->slot,
			    w->dir);
		if (w->state == WC_STARTING)
			w->state = WC_IDLE;
		return;
	}
	if (b->kind == AMP_ERROR) {
		v = amp_get(b, "_error_description");
		snprintf(text, sizeof(text), "the worker failed the Run: %.*s",
		    v ? (int)(v->vlen > 400 ? 400 : v->vlen) : 0,
		    v ? (const char *)v->val : "");
		r.kind = REP_ERROR;
		r.name = w->test;
		r.class = "disttrial.WorkerError";
		r.text = text;
		r.textlen = strlen(text);
		reporter_add(w->cfg->rep, w->slot, &r);
	}
	rundone(w);
}

/* Reads what the worker sent; 1 if it read anything. */
static int
readconn(struct wconn *w)
{
	unsigned char chunk[65536];
	struct amp_box b = { 0 };
	ssize_t n;
	int r = 0;

	if ((n = read(w->fd, chunk, sizeof(chunk))) < 0 &&
	    (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0 && w->state == WC_DYING) {
		closefd(w);	/* it is finishing, as asked */
		return 0;
	}
	if (n <= 0) {
		fault(w, 1, "worker %d closed its connection", w->slot);
		return 0;
	}
	amp_dec_feed(w->dec, chunk, (size_t)n);
	while (w->fd >= 0 && (r = amp_dec_next(w->dec, &b)) == 1) {
		if (b.kind == AMP_COMMAND)
			mcommand(w, &b);
		else
			manswered(w, &b);
	}
	amp_free(&b);
	if (w->fd >= 0 && r < 0)
		fault(w, 0, "worker %d sent bytes that are not AMP (%s); it "
		    "was killed", w->slot, amp_dec_error(w->dec));
	return 1;
}

void
wconn_io(struct wconn *w, short revents)
{
	ssize_t n;

	if (w->fd >= 0 && (revents & POLLOUT) && w->wbuf.len > 0) {
		if ((n = write(w->fd, w->wbuf.data, w->wbuf.len)) >= 0) {
			buf_consume(&w->wbuf, (size_t)n);
		} else if (errno != EINTR && errno != EAGAIN) {
			/* Nobody reads it any more: drop it, do not spin. */
			w->wbuf.len = 0;
			fault(w, 1, "worker %d closed its connection", w->slot);
		}
		shut(w);
	}
	if (w->fd >= 0 && (revents & (POLLIN | POLLHUP | POLLERR)))
		readconn(w);
}

int
wconn_pollfd(const struct wconn *w, short *events)
{
	*events = POLLIN;
	if (w->wbuf.len > 0)
		*events |= POLLOUT;
	return w->fd;
}

int
wconn_state(const struct wconn *w)
{
	return w->state;
}

int
wconn_failed(const struct wconn *w)
{
	return w->failed;
}

const char *
wconn_why(const struct wconn *w)
{
	return w->why;
}

int
wconn_bailed(const struct wconn *w)
{
	return w->bailed;
}

pid_t
wconn_pid(const struct wconn *w)
{
	return w->pid;
}

const char *
wconn_test(const struct wconn *w)
{
	return w->test;
}

long long
wconn_started(const struct wconn *w)
{
	return w->started;
}
