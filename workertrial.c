/*
 * workertrial.c: the worker process (--worker), as trial's workertrial,
 * WorkerProtocol and workerreporter.  It knows only the wire: any AMP
 * manager that speaks trial's commands can drive it, Twisted's included.
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
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amp.h"
#include "stream.h"
#include "tap.h"
#include "util.h"
#include "workertrial.h"

extern char **environ;

#define WBACKLOG (1024 * 1024)	/* outgoing bytes before pipes pause */
/*
 * What an item costs beyond its values' bytes, counted in the backlog:
 * its struct, its allocations and its StreamOpen asks.  Counting only
 * the text let a million short failing points queue 75 MB.
 */
#define WITEMCOST 256
#define WTAIL 65536		/* output kept for a failure's text */
#define WLASTLINE 1024		/* the last line, kept for a skip reason */
#define WSTRAYMS 300		/* grace for pipes held open by strays */
#define WLEFTSHOWN 20		/* processes left behind named in a result */
#define WNAMEMAX 200		/* bytes of a command line named */
#define WTEMPDIR "tmp"		/* DISTTRIAL_TEMP, in the Start directory */
#define WLINGERMS 5000		/* for a Twisted 22.4 manager to go: linger() */
#define WBOTHMS 50		/* for both directions to close: linger() */

/* Something to send, in the order it happened. */
struct item {
	const char *cmd;	/* TestWrite, AddSuccess, AddFailure... */
	/* Unicode values, none if data is NULL (a NUL in one is a character) */
	struct buf name;	/* testName */
	struct buf reason;	/* reason (AddSkip) or todo */
	struct buf class;	/* failClass or errorClass */
	struct buf text;	/* out (TestWrite), or the result's text */
	int nstream;		/* streams it needs: text, frames */
	int nopen;		/* StreamOpen answers still awaited */
	int inlined;		/* old dialect: the text goes inline */
	int lines;		/* a TestWrite: lines joined by newlines */
	int joins;		/* its first line ends the last one's */
	long long sid[2];
};

struct ask {
	unsigned long tag;
	struct item *it;	/* a StreamOpen's item, else NULL */
	int slot;
};

/* A Run the manager asked for, waiting or running. */
struct runreq {
	char *test;
	char *tag;		/* the Run's _ask, NULL if none */
};

/* Where a test program is on its way from its spawn to the Run's answer. */
enum {
	TP_RUNNING,	/* its process runs; the ladder holds any time-out */
	TP_DRAINING,	/* reaped: its pipes are read to EOF, or for a grace */
	TP_SWEEPING,	/* what it left running is killed: see sweep() */
	TP_JUDGED,	/* nothing of it is left; its results are queued */
};

/* A process that a test left running, found by sweep(). */
struct left {
	pid_t pid;
	char *name;		/* its command line; NULL: not a leak */
	int sig;		/* the last signal sent to it, or 0 */
	int status;		/* how it ended, if reaped here */
	int reaped;		/* reaped here: status says how it ended */
	int stuck;		/* it outlived SIGKILL: given up */
};

/* How the bytes read next on a pipe continue a line cut at TAP_MAXLINE. */
enum {
	LINE_NEW,	/* they start a line */
	LINE_LOGGED,	/* they are the rest of a line being logged */
	LINE_DROPPED,	/* they are the rest of a TAP line: dropped */
};

/* The test program running. */
struct testproc {
	char *path;
	int phase;		/* TP_RUNNING... */
	pid_t pid;		/* 0 once reaped */
	int status;
	int fd[2];		/* stdout, stderr; -1 at EOF */
	struct buf line[2];	/* the line being read */
	int cont[2];		/* LINE_NEW... */
	struct tap *tap;
	struct buf tail;	/* the last output, for texts */
	size_t outlen;		/* all output, in bytes */
	char lastline[WLASTLINE];
	int execerr;		/* errno of a failed exec, or 0 */
	const char *cannot;	/* pipe or posix_spawn, if that failed */
	int timedout;		/* the ladder's SIGTERM was sent */
	long long began;	/* us, when its Run began here */
	int stray;		/* something it left held its pipes */
	struct ladder kill;	/* the time-out's, then the sweep's ladder */
	int sig;		/* TP_SWEEPING: the ladder's signal so far */
	long long graceend;	/* ms: TP_DRAINING's end for strays, or the
				   sweep's after its SIGKILL; 0 none */
	struct left *left;	/* what it left running, as found */
	size_t nleft, leftcap;
};

static struct {
	const struct workertrial_opts *o;
	int in, out;
	int inflags, outflags;	/* as they were, restored at exit */
	struct amp_dec *dec;
	struct buf wbuf;	/* encoded, not yet written */
	unsigned long ctr;
	struct item **q;	/* the outgoing queue */
	size_t qhead, qlen, qcap, qbytes;
	struct ask *ask;
	size_t askhead, nask, askcap;	/* asked in order, [askhead, nask) */
	struct runreq *run;	/* Runs waiting, the first one running */
	size_t nrun, runcap;
	int runok;		/* every result of this Run was accepted */
	int dirty;		/* this Run failed: a manager may stop (-x) */
	struct testproc *t;	/* the test running, or NULL */
	int olddialect;
	char *tempdir;		/* the tests' own DISTTRIAL_TEMP, in Start's */
	int notefd;		/* a local worker's channel for groups, or -1 */
	long long pausedat;	/* ms, since when output is held back; 0 */
	char **xargv;		/* --exec split into words, plus 2 slots */
	int nxargv;
	int selfpipe[2];
	pid_t group;		/* the tests' process group: see anchor() */
	int reaper;		/* the tests' reaper: see sweep() */
	pid_t *kids;		/* reaper_list's, for sweep() */
	size_t kidcap;
	pid_t *stuck;		/* processes that outlived SIGKILL */
	size_t nstuck, stuckcap;
	int null;		/* /dev/null for the tests' stdin, or -1 */
	posix_spawnattr_t attr;	/* the tests' group, mask, SIGPIPE */
	posix_spawn_file_actions_t fa;	/* see actions() */
	int fafd[4], havefa;
	struct buf fixed;	/* scratch: a line made valid UTF-8 */
	int openline;		/* the stream (1, 2) whose line is cut */
	int wblocked;		/* the last write was short: wait for POLLOUT */
	int pinged;		/* a Ping came: the manager is ours */
	pid_t parent;		/* the manager, most likely, at the start */
} W;

/*
 * Room for one more item at the end of a queue whose items [*head, *len)
 * are waiting, size bytes each: the room taken from its front is used
 * again before it grows.  Returns the queue.
 */
static void *
qroom(void *q, size_t *head, size_t *len, size_t *cap, size_t size,
    size_t first)
{
	if (*len == *cap && *head > 0) {
		memmove(q, (char *)q + *head * size, (*len - *head) * size);
		*len -= *head;
		*head = 0;
	}
	return xgrow(q, cap, *len + 1, size, first);
}

/* One item was taken from the queue's front; once empty it starts over. */
static void
qtaken(size_t *head, size_t *len)
{
	if (++*head == *len)
		*head = *len = 0;
}

static void
newask(unsigned long tag, struct item *it, int slot)
{
	W.ask = qroom(W.ask, &W.askhead, &W.nask, &W.askcap, sizeof(*W.ask),
	    16);
	W.ask[W.nask].tag = tag;
	W.ask[W.nask].it = it;
	W.ask[W.nask].slot = slot;
	W.nask++;
}

static void
freeitem(struct item *it)
{
	buf_free(&it->name);
	buf_free(&it->reason);
	buf_free(&it->class);
	buf_free(&it->text);
	free(it);
}

static void
streamopen(struct item *it, int slot)
{
	struct amp_box b = { 0 };

	newask(amp_ask(&b, "StreamOpen", &W.ctr), it, slot);
	amp_send(&W.wbuf, &b);
	amp_free(&b);
	it->nopen++;
}

/* An item's share of the backlog; its text may grow while it waits. */
static size_t
itemcost(const struct item *it)
{
	return it->text.len + it->name.len + it->reason.len + it->class.len +
	    WITEMCOST;
}

static void
enqueue(struct item *it)
{
	int i;

	W.q = qroom(W.q, &W.qhead, &W.qlen, &W.qcap, sizeof(*W.q), 64);
	W.q[W.qlen++] = it;
	W.qbytes += itemcost(it);
	if (W.olddialect)
		it->inlined = 1;
	else
		for (i = 0; i < it->nstream; i++)
			streamopen(it, i);
}

static struct item *
writeline(const unsigned char *p, size_t len)
{
	struct item *it;

	it = xmalloc(sizeof(*it));
	memset(it, 0, sizeof(*it));
	it->cmd = "TestWrite";
	it->lines = 1;
	buf_add(&it->text, p, len);
	enqueue(it);
	return it;
}

/*
 * A line of output, or a piece of one, without its newline, as
 * TestWrites of valid UTF-8.  Lines that come in one wake-up share a
 * TestWrite, joined by newlines, up to one value's worth: the queue's
 * last item, which has not gone out yet, takes them while it has room.
 *
 * stream is 1 (stdout) or 2 (stderr), 0 for the worker's own lines; a
 * line longer than a value comes in pieces, end unset but on the last.
 * A piece that continues the line the last TestWrite ended in joins it
 * without a newline: in that TestWrite if it waits yet, else in one
 * marked continuesLine=True, whose first line our manager joins to the
 * line before.  Other managers ignore a key they do not know, as AMP's
 * receivers do, and log the pieces as lines (Twisted's: see
 * t/manager-terminal-escapes.sh).  A line of the other stream in between
 * ends the cut line where it stands; the rest is a line of its own.
 */
static void
testwrite(const unsigned char *p, size_t len, int stream, int end)
{
	struct item *it = W.qlen > W.qhead ? W.q[W.qlen - 1] : NULL;
	struct buf *fixed = &W.fixed;
	size_t off = 0, n;
	int joins = stream != 0 && W.openline == stream;

	if (it != NULL && !it->lines)
		it = NULL;
	fixed->len = 0;
	utf8_repair(fixed, p, len);
	W.openline = end ? 0 : stream;
	if (joins && fixed->len == 0)
		return;
	do {
		n = stream_chunk(fixed->data + off, fixed->len - off, 1);
		if (it != NULL && it->text.len + !joins + n <= STREAM_CHUNK) {
			if (!joins)
				buf_addc(&it->text, '\n');
			buf_add(&it->text, fixed->data + off, n);
			W.qbytes += n + !joins;
		} else {
			it = writeline(fixed->data + off, n);
			it->joins = joins;
		}
		off += n;
		joins = 1;	/* a value's worth of a line: the rest joins */
	} while (off < fixed->len);
}

static void
testwrites(const char *s)
{
	testwrite((const unsigned char *)s, strlen(s), 0, 1);
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
		amp_send(&W.wbuf, &b);
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
	if (it->name.data != NULL)
		amp_add(&b, "testName", it->name.data, it->name.len);
	if (strcmp(it->cmd, "TestWrite") == 0)
		amp_add(&b, "out", it->text.data, it->text.len);
	if (it->joins)
		amp_addstr(&b, "continuesLine", "True");
	if (it->reason.data != NULL)
		amp_add(&b, strcmp(it->cmd, "AddSkip") == 0 ? "reason" :
		    "todo", it->reason.data, it->reason.len);
	if (it->class.data != NULL)
		amp_add(&b, fail ? "failClass" : "errorClass",
		    it->class.data, it->class.len);
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
	amp_send(&W.wbuf, &b);
	amp_free(&b);
}

/*
 * Sends what the queue allows, from its head: up to a result whose
 * stream ids have not come back, or until the write buffer is full.
 */
static void
sendqueue(void)
{
	struct item *it;

	while (W.qhead < W.qlen && W.wbuf.len < WBACKLOG) {
		it = W.q[W.qhead];
		if (it->nopen > 0)
			break;
		senditem(it);
		W.qbytes -= itemcost(it);
		qtaken(&W.qhead, &W.qlen);
		freeitem(it);
	}
}

/*
 * The len bytes of s as a Unicode value in out: UTF-8, at most one value
 * long, a NUL kept as U+0000; no value (out->data NULL) if s is NULL.
 */
static void
unicode(struct buf *out, const char *s, size_t len)
{
	if (s == NULL)
		return;
	utf8_repair(out, (const unsigned char *)s, len);
	out->len = stream_chunk(out->data, out->len, 1);
}

/* A result, its text repaired and its streams counted, not yet queued. */
static struct item *
newresult(const char *cmd, const char *class, const char *text,
    size_t textlen)
{
	struct item *it;

	it = xmalloc(sizeof(*it));
	memset(it, 0, sizeof(*it));
	it->cmd = cmd;
	unicode(&it->class, class, class != NULL ? strlen(class) : 0);
	if (text != NULL)
		utf8_repair(&it->text, (const unsigned char *)text, textlen);
	if (strcmp(cmd, "AddFailure") == 0 || strcmp(cmd, "AddError") == 0)
		it->nstream = 2;
	if (it->nstream == 2 || strcmp(cmd, "AddUnexpectedSuccess") == 0)
		W.dirty = 1;
	else if (strcmp(cmd, "AddExpectedFailure") == 0)
		it->nstream = 1;
	return it;
}

static void
queueresult(const char *cmd, const char *name, const char *reason,
    const char *class, const char *text, size_t textlen)
{
	struct item *it;

	it = newresult(cmd, class, text, textlen);
	unicode(&it->name, name, name != NULL ? strlen(name) : 0);
	unicode(&it->reason, reason, reason != NULL ? strlen(reason) : 0);
	enqueue(it);
}

/* A breach of the protocol by the manager, which ends the worker. */
static char breach[160];

/* An answer to one of our commands; -1 for a tag never asked. */
static int
manageranswer(const struct amp_box *b)
{
	const struct amp_pair *tag, *v;
	unsigned long n;
	long long sid;
	struct ask a;
	size_t i;

	tag = amp_get(b, b->kind == AMP_ANSWER ? "_answer" : "_error");
	if (amp_tagnum(tag->val, tag->vlen, &n) < 0)
		n = 0;
	/* Answers come in the order asked: the oldest is the one, mostly. */
	for (i = W.askhead; i < W.nask && W.ask[i].tag != n; i++)
		;
	if (i == W.nask) {
		snprintf(breach, sizeof(breach), "an answer for tag '%.*s', "
		    "which was never asked",
		    (int)(tag->vlen > 32 ? 32 : tag->vlen), tag->val);
		return -1;
	}
	a = W.ask[i];
	if (i == W.askhead) {
		qtaken(&W.askhead, &W.nask);
	} else {
		memmove(W.ask + i, W.ask + i + 1,
		    (--W.nask - i) * sizeof(*W.ask));
	}
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
		return 0;
	}
	if (b->kind == AMP_ERROR) {
		v = amp_get(b, "_error_description");
		warn("worker: the manager refused a result: %.*s",
		    v ? (int)(v->vlen > 200 ? 200 : v->vlen) : 0,
		    v ? (const char *)v->val : "");
		W.runok = 0;
	}
	return 0;
}

/*
 * The tests' own scratch directory, made again before each test: a test
 * that removes it breaks nothing, since the worker keeps nothing there.
 */
static void
maketemp(void)
{
	if (W.tempdir != NULL && mkdir(W.tempdir, 0777) < 0 &&
	    errno != EEXIST)
		warn("worker: cannot create %s:", W.tempdir);
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

/*
 * DISTTRIAL_WORKER from the Start directory: a manager, ours or
 * Twisted's, starts worker N in TEMP/N.  A launcher such as ssh forwards
 * no environment, and two workers on one host would both be worker 0.
 */
static void
slotfrom(const char *dir, size_t len)
{
	char num[16];
	size_t end = len, i;

	while (end > 1 && dir[end - 1] == '/')
		end--;
	for (i = end; i > 0 && dir[i - 1] >= '0' && dir[i - 1] <= '9'; i--)
		;
	if (i == end || end - i >= sizeof(num) || i == 0 || dir[i - 1] != '/')
		return;
	memcpy(num, dir + i, end - i);
	num[end - i] = '\0';
	setenv("DISTTRIAL_WORKER", num, 1);
}

static void
start(const struct amp_pair *tag, const struct amp_pair *dir)
{
	struct buf path = { 0 };
	struct amp_box b = { 0 };
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
		path.len--;
		slotfrom((char *)path.data, path.len);
		buf_addstr(&path, "/" WTEMPDIR);
		buf_addc(&path, '\0');
		free(W.tempdir);
		W.tempdir = xstrdup((char *)path.data);
		setenv("DISTTRIAL_TEMP", W.tempdir, 1);
		maketemp();
	} else {
		warn("worker: cannot create %s:", (char *)path.data);
	}
	if (tag != NULL) {
		amp_answer(&b, tag->val, tag->vlen);
		amp_addstr(&b, "success", ok ? "True" : "False");
		amp_addstr(&b, "queueAhead", "True");	/* see withdraw() */
		amp_send(&W.wbuf, &b);
		amp_free(&b);
	}
	buf_free(&path);
}

/*
 * Our manager's own commands, beside trial's (a Twisted manager sends
 * neither, and ignores Start's queueAhead).  Start's answer says
 * queueAhead: Runs may be sent before the last is answered; they run
 * one after another, in order.  Withdraw takes back every Run not yet
 * begun (the manager stops early): they are dropped unanswered, and
 * the answer says how many, the last ones sent.  Ping is answered at
 * once, whatever runs: the manager times the round trip with it.
 */
static void
withdraw(const struct amp_pair *tag)
{
	char n[32];
	size_t keep = W.t != NULL ? 1 : 0, i;

	for (i = keep; i < W.nrun; i++) {
		free(W.run[i].test);
		free(W.run[i].tag);
	}
	snprintf(n, sizeof(n), "%zu", W.nrun - keep);
	W.nrun = keep;
	if (tag != NULL)
		amp_reply(&W.wbuf, tag->val, tag->vlen, "withdrawn", n);
}

static void
queuerun(const struct amp_pair *tag, const struct amp_pair *test)
{
	struct runreq *r;

	W.run = xgrow(W.run, &W.runcap, W.nrun + 1, sizeof(*W.run), 8);
	r = &W.run[W.nrun++];
	r->test = xmemdup(test->val, test->vlen);
	r->tag = tag ? xmemdup(tag->val, tag->vlen) : NULL;
}

/* A command from the manager; -1 for one that cannot be answered. */
static int
managercmd(const struct amp_box *b)
{
	const struct amp_pair *cmd, *tag, *arg = NULL;
	int isstart;

	cmd = amp_get(b, "_command");
	tag = amp_get(b, "_ask");
	isstart = amp_is(cmd, "Start");
	if (amp_is(cmd, "Withdraw")) {
		withdraw(tag);
		return 0;
	}
	if (amp_is(cmd, "Ping")) {
		W.pinged = 1;
		if (tag != NULL)
			amp_reply(&W.wbuf, tag->val, tag->vlen, NULL, NULL);
		return 0;
	}
	if (isstart) {
		arg = amp_get(b, "directory");
	} else if (amp_is(cmd, "Run")) {
		arg = amp_get(b, "testCase");
	} else {
		if (tag != NULL && amp_unhandled(&W.wbuf, tag->val, tag->vlen,
		    cmd->val, cmd->vlen) < 0) {
			snprintf(breach, sizeof(breach), "a tag too long to "
			    "answer");
			return -1;
		}
		return 0;
	}
	if (arg == NULL || !utf8_valid(arg->val, arg->vlen) ||
	    memchr(arg->val, '\0', arg->vlen) != NULL) {
		warn("worker: %.*s without a valid %s", (int)cmd->vlen,
		    cmd->val, isstart ? "directory" : "testCase");
		if (tag != NULL)
			amp_error(&W.wbuf, tag->val, tag->vlen, "UNKNOWN",
			    "Unknown Error");
		return 0;
	}
	if (isstart)
		start(tag, arg);
	else
		queuerun(tag, arg);
	return 0;
}

/* The manager's bytes, box by box; -1 at a breach (breach says which). */
static int
feed(const void *p, size_t len)
{
	struct amp_box b = { 0 };
	int r;

	if (W.dec == NULL)
		W.dec = amp_dec_new();
	amp_dec_feed(W.dec, p, len);
	while ((r = amp_dec_next(W.dec, &b)) == 1)
		if ((b.kind == AMP_COMMAND ? managercmd(&b) : manageranswer(&b)) < 0)
			break;
	amp_free(&b);
	if (r < 0)
		snprintf(breach, sizeof(breach), "bad AMP from the manager: "
		    "%s", amp_dec_error(W.dec));
	return r == 0 ? 0 : -1;
}

/* Reads the manager's bytes; 0 at EOF. */
static int
readamp(void)
{
	unsigned char chunk[65536];
	ssize_t n;

	if ((n = read(W.in, chunk, sizeof(chunk))) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 1;
		if (errno != ECONNRESET)
			warn("worker: read:");
		return 0;
	}
	if (n == 0)
		return 0;
	if (feed(chunk, (size_t)n) < 0)
		fatal("worker: %s", breach);
	return 1;
}

/*
 * A line of output that is not TAP, or a piece of a long one (gotline):
 * log it, keep it for texts.
 */
static void
logline(struct testproc *t, int i, const unsigned char *p, size_t len,
    int end)
{
	size_t k;

	testwrite(p, len, i + 1, end);
	buf_add(&t->tail, p, len);
	t->outlen += len;
	if (end) {
		buf_addc(&t->tail, '\n');
		t->outlen++;
	}
	if (t->tail.len > 2 * WTAIL)
		buf_consume(&t->tail, t->tail.len - WTAIL);
	for (k = 0; k < len && (p[k] == ' ' || p[k] == '\t'); k++)
		;
	if (k < len) {
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
gotline(struct testproc *t, int i, unsigned char *p, size_t len, int end)
{
	if (end && len > 0 && p[len - 1] == '\r')
		len--;
	if (t->cont[i] == LINE_DROPPED) {
		if (end)
			t->cont[i] = LINE_NEW;
		return;
	}
	if (i == 0 && t->cont[i] == LINE_NEW &&
	    tap_line(t->tap, (char *)p, len)) {
		t->cont[i] = end ? LINE_NEW : LINE_DROPPED;
		return;
	}
	if (i == 1 && t->cont[i] == LINE_NEW)
		tap_other(t->tap, (char *)p, len);	/* stderr */
	logline(t, i, p, len, end);
	t->cont[i] = end ? LINE_NEW : LINE_LOGGED;
}

static void
closepipe(struct testproc *t, int i)
{
	if (t->fd[i] < 0)
		return;
	if (t->line[i].len > 0 || t->cont[i] != LINE_NEW)
		gotline(t, i, t->line[i].data, t->line[i].len, 1);
	t->line[i].len = 0;
	close(t->fd[i]);
	t->fd[i] = -1;
}

/*
 * len, less a UTF-8 sequence cut short at the end of p: the next piece
 * of the line completes it.
 */
static size_t
whole(const unsigned char *p, size_t len)
{
	size_t back, need;
	int c;

	for (back = 1; back <= 3 && back <= len; back++) {
		c = p[len - back];
		if ((c & 0xc0) == 0x80)
			continue;
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		return need > back ? len - back : len;
	}
	return len;
}

/*
 * Reads stream i into lines.  A line longer than TAP_MAXLINE is handed
 * on in pieces, each cut where a character ends.
 */
static void
readpipe(struct testproc *t, int i)
{
	unsigned char chunk[65536], *nl;
	struct buf *line = &t->line[i];
	size_t off, take, room, cut;
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
			cut = whole(line->data, line->len);
			gotline(t, i, line->data, cut, 0);
			buf_consume(line, cut);
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
filetext(struct testproc *t, struct buf *out, const char *why, size_t whylen)
{
	const unsigned char *p = t->tail.data, *nl;
	size_t len = t->tail.len;
	char mark[96];

	buf_add(out, why, whylen);
	if (whylen > 0 && why[whylen - 1] != '\n')
		buf_addc(out, '\n');
	if (t->stray)
		buf_addstr(out, "Something the test left running still held "
		    "its output after it exited.\n");
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

/*
 * A TAP result, named "PATH N - DESC" (PATH for the file's own), its
 * name and reason whole whatever bytes they hold.
 */
static void
ontap(void *arg, const struct tap_result *r)
{
	static const char *const cmds[] = {
		[TAP_SUCCESS] = "AddSuccess", [TAP_FAILURE] = "AddFailure",
		[TAP_SKIP] = "AddSkip", [TAP_XFAIL] = "AddExpectedFailure",
		[TAP_XPASS] = "AddUnexpectedSuccess", [TAP_ERROR] = "AddError",
	};
	struct testproc *t = arg;
	struct buf name = { 0 }, text = { 0 };
	struct item *it;
	int k = r->kind;

	buf_addstr(&name, t->path);
	if (r->name != NULL) {
		buf_addc(&name, ' ');
		buf_add(&name, r->name, r->namelen);
	}
	if (k == TAP_ERROR && r->name == NULL)
		filetext(t, &text, r->text, r->textlen);
	else if (k == TAP_FAILURE || k == TAP_XFAIL || k == TAP_ERROR)
		buf_add(&text, r->text, r->textlen);
	it = newresult(cmds[k], k == TAP_FAILURE || k == TAP_ERROR ?
	    r->class : NULL, (char *)text.data, text.len);
	unicode(&it->name, (char *)name.data, name.len);
	if (k == TAP_SKIP || k == TAP_XFAIL || k == TAP_XPASS)
		unicode(&it->reason, r->reason, r->reasonlen);
	enqueue(it);
	buf_free(&name);
	buf_free(&text);
}

/* Why a test ended badly, and its error class; NULL if it exited 0. */
static const char *
how(const struct testproc *t, char *why, size_t len)
{
	int code;

	if (t->timedout) {
		snprintf(why, len, "timed out after %g s", W.o->timeout);
		return CLASS_TIMEOUT;
	}
	if (WIFSIGNALED(t->status)) {
		snprintf(why, len, "killed by signal %d (%s)",
		    WTERMSIG(t->status), signame(WTERMSIG(t->status)));
		return CLASS_SIGNAL;
	}
	code = WEXITSTATUS(t->status);
	if (code == 0)
		return NULL;
	if (code == 99 && !tap_istap(t->tap)) {
		snprintf(why, len, "exited with status 99 (a hard error)");
		return CLASS_HARD;
	}
	snprintf(why, len, "exited with status %d", code);
	return CLASS_FAIL;
}

static void
execfailed(struct testproc *t)
{
	char why[PATH_MAX + 128];
	struct stat st;

	if (t->cannot != NULL)
		snprintf(why, sizeof(why), "cannot start %s: %s: %s", t->path,
		    t->cannot, strerror(t->execerr));
	else if (W.nxargv > 0)
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
	queueresult("AddError", t->path, NULL, CLASS_EXEC, why,
	    strlen(why));
}

/* --tap: a test that printed no TAP, however it exited, is an error. */
static void
notap(struct testproc *t, const char *why)
{
	struct buf text = { 0 };

	buf_addstr(&text, "no TAP output\n");
	filetext(t, &text, why, strlen(why));
	queueresult("AddError", t->path, NULL, CLASS_BADTAP, (char *)text.data,
	    text.len);
	buf_free(&text);
}

/* The test's process is reaped and its pipes closed: its last results. */
static void
judge(struct testproc *t)
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
	if (W.o->tap && !t->timedout && !WIFSIGNALED(t->status)) {
		notap(t, class ? why : "exited with status 0");
		return;
	}
	if (class == NULL) {
		queueresult("AddSuccess", t->path, NULL, NULL, NULL, 0);
	} else if (WIFEXITED(t->status) && WEXITSTATUS(t->status) == 77 &&
	    !t->timedout) {
		queueresult("AddSkip", t->path, t->lastline[0] ? t->lastline :
		    "exit status 77", NULL, NULL, 0);
	} else {
		filetext(t, &text, why, strlen(why));
		queueresult(strcmp(class, CLASS_FAIL) == 0 ?
		    "AddFailure" : "AddError", t->path, NULL, class,
		    (char *)text.data, text.len);
	}
	buf_free(&text);
}

/*
 * A local worker tells the manager its tests' process group on a pipe
 * that only it holds, once, before any test exists: if this worker is
 * killed, the manager kills what its test left.  A remote worker's tests
 * are its own host's business: it kills them itself when its manager
 * goes (EOF, SIGHUP).
 */
static void
notepgid(pid_t pgid)
{
	char note[32];
	int n;

	if (W.notefd < 0)
		return;
	n = snprintf(note, sizeof(note), "%ld\n", (long)pgid);
	while (write(W.notefd, note, (size_t)n) < 0 && errno == EINTR)
		;
}

/*
 * The tests' process group, made before the first test: a child that
 * leads a new group and exits at once.  It is never reaped, and a
 * process waited for by no one is still a member of its group, so the
 * group lives as long as this worker and can be noted to the manager
 * before any test runs: a test that kills its worker as its first act is
 * still found.  Each test joins it as it is spawned, one at a time; the
 * zombie takes no signal, so killing the group after a test kills only
 * what the test left.
 */
static void
anchor(void)
{
	pid_t pid;

	if ((pid = fork()) < 0)
		fatal("worker: fork:");
	if (pid == 0) {
		setpgid(0, 0);
		_exit(0);
	}
	setpgid(pid, pid);	/* whichever runs first makes the group */
	W.group = pid;
	notepgid(pid);
}

/* The test's process, /bin/sh's for a file with no #! line; an errno. */
static int
spawnpath(struct testproc *t, const posix_spawn_file_actions_t *fa)
{
	char *argv[3], sh[] = "sh";
	int e;

	if (W.nxargv > 0) {
		W.xargv[W.nxargv] = t->path;
		W.xargv[W.nxargv + 1] = NULL;
		return posix_spawnp(&t->pid, W.xargv[0], fa, &W.attr, W.xargv,
		    environ);
	}
	argv[0] = t->path;
	argv[1] = NULL;
	e = posix_spawn(&t->pid, t->path, fa, &W.attr, argv, environ);
	if (e == ENOEXEC) {
		/* No #! line: a shell script, as execvp and shells run it. */
		argv[0] = sh;
		argv[1] = t->path;
		argv[2] = NULL;
		e = posix_spawn(&t->pid, "/bin/sh", fa, &W.attr, argv,
		    environ);
	}
	return e;
}

/*
 * The file actions for pipes at p: stdin on /dev/null, stdout and
 * stderr on the pipes, whose own ends are closed.  They are made again
 * only when the pipes' numbers change, which they seldom do: each test's
 * are closed before the next test's are made.  An errno, or 0.
 */
static int
actions(const int (*p)[2])
{
	posix_spawn_file_actions_t *fa = &W.fa;
	int i, e;

	if (W.havefa && memcmp(W.fafd, p, sizeof(W.fafd)) == 0)
		return 0;
	if (W.havefa)
		posix_spawn_file_actions_destroy(fa);
	W.havefa = 0;
	if ((e = posix_spawn_file_actions_init(fa)) != 0)
		return e;
	e = W.null >= 0 ? posix_spawn_file_actions_adddup2(fa, W.null, 0) :
	    posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	for (i = 0; i < 2 && e == 0; i++)
		e = posix_spawn_file_actions_adddup2(fa, p[i][1], i + 1);
	for (i = 0; i < 4 && e == 0; i++)
		e = posix_spawn_file_actions_addclose(fa, p[i / 2][i % 2]);
	if (e != 0) {
		posix_spawn_file_actions_destroy(fa);
		return e;
	}
	memcpy(W.fafd, p, sizeof(W.fafd));
	W.havefa = 1;
	return 0;
}

/*
 * Spawns the test in the tests' group, stdin on /dev/null, stdout and
 * stderr on pipes.  posix_spawn copies nothing of the worker, where fork
 * would copy its page tables and make its every page fault again, and
 * it returns exec's errno itself.  When pipes or a process cannot be had
 * (fds or processes ran out), the test is left without a process,
 * t->cannot and t->execerr saying why: it becomes one error.
 */
static void
spawntest(struct testproc *t)
{
	int p[2][2] = { { -1, -1 }, { -1, -1 } }, i, e;

	/* setup() keeps fds 0-2 open, so no pipe end is one of them. */
	if (pipe(p[0]) < 0 || pipe(p[1]) < 0) {
		e = errno;
		t->cannot = "pipe";
	} else if ((e = actions((const int (*)[2])p)) != 0 ||
	    ((e = spawnpath(t, &W.fa)) != 0 && (e == EAGAIN || e == ENOMEM))) {
		t->cannot = "posix_spawn";
	}
	for (i = 0; i < 2; i++) {
		if (p[i][1] >= 0)
			close(p[i][1]);
		t->fd[i] = p[i][0];
	}
	if (e != 0) {
		t->pid = 0;
		t->execerr = e;
		closepipe(t, 0);
		closepipe(t, 1);
		t->phase = TP_DRAINING;
	}
}

static int writeamp(void);

static void
spawn(const char *path)
{
	struct buf hdr = { 0 };
	struct testproc *t;

	t = xmalloc(sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->path = xstrdup(path);
	t->phase = TP_RUNNING;
	t->fd[0] = t->fd[1] = -1;
	t->tap = tap_new(ontap, t);
	W.t = t;
	W.runok = 1;
	W.dirty = 0;
	t->began = now_us();
	buf_addstr(&hdr, "--> ");
	buf_addstr(&hdr, path);
	buf_addstr(&hdr, " <--");
	testwrite(hdr.data, hdr.len, 0, 1);
	buf_free(&hdr);
	/*
	 * The banner goes out before the test exists, with the last Run's
	 * answer, in the write the loop would make anyway: a test that
	 * kills its worker at once still has it in test.log.
	 */
	sendqueue();
	if (W.wbuf.len > 0 && !W.wblocked)
		writeamp();	/* a manager gone is the loop's to see */
	maketemp();
	spawntest(t);
	if (W.o->timeout > 0)
		ladder_start(&t->kill, (long long)(W.o->timeout * 1000));
}

static void
freetest(struct testproc *t)
{
	size_t j;
	int i;

	for (i = 0; i < 2; i++) {
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		buf_free(&t->line[i]);
	}
	tap_free(t->tap);
	buf_free(&t->tail);
	for (j = 0; j < t->nleft; j++)
		free(t->left[j].name);
	free(t->left);
	free(t->path);
	free(t);
}

/* Signals the test's process group: never 0, which would be our own. */
static void
killgroup(pid_t pgid, int sig)
{
	if (pgid > 1)
		kill(-pgid, sig);
}

static int
isstuck(pid_t pid)
{
	size_t i;

	for (i = 0; i < W.nstuck; i++)
		if (W.stuck[i] == pid)
			return 1;
	return 0;
}

static struct left *
findleft(struct testproc *t, pid_t pid)
{
	size_t i;

	for (i = 0; i < t->nleft; i++)
		if (t->left[i].pid == pid)
			return &t->left[i];
	return NULL;
}

/*
 * A living process first seen by the sweep, named by its command line
 * (control characters made spaces, so that it keeps to one line).  One
 * in the tests' group after a time-out is not counted as left behind:
 * the time-out signalled it, and it may only be dying slowly.  NULL for
 * a zombie, which its parent, alive, will reap or hand over.
 */
static struct left *
newleft(struct testproc *t, pid_t pid)
{
	struct buf name = { 0 };
	struct left *l;
	size_t i;

	if (reaper_name(pid, &name, WNAMEMAX) < 0) {
		buf_free(&name);
		return NULL;
	}
	for (i = 0; i < name.len; i++)
		if (name.data[i] < 0x20 || name.data[i] == 0x7f)
			name.data[i] = ' ';
	buf_addc(&name, '\0');
	t->left = xgrow(t->left, &t->leftcap, t->nleft + 1, sizeof(*t->left),
	    4);
	l = &t->left[t->nleft++];
	memset(l, 0, sizeof(*l));
	l->pid = pid;
	l->name = (char *)name.data;
	if (t->timedout && getpgid(pid) == W.group) {
		free(l->name);
		l->name = NULL;
	}
	return l;
}

/*
 * Without a reaper, or when the descendants cannot be listed, the
 * tests' group is killed as a whole, and whatever left it is not found.
 */
static int
groupsweep(struct testproc *t)
{
	char why[160];

	if (W.reaper) {
		snprintf(why, sizeof(why), "disttrial: cannot list what the "
		    "test left running (%s): its process group was killed",
		    strerror(errno));
		testwrites(why);
	} else if (t->stray) {
		testwrites("disttrial: its process group was killed; what "
		    "left that group is not found here");
	}
	killgroup(W.group, SIGKILL);
	return 1;
}

/*
 * One look at what the test left running, in its group or not.  The
 * worker is the reaper of its tests (reaper_acquire): an orphan among
 * their descendants becomes its child rather than init's, so every
 * process a test started and that still exists is among the worker's
 * descendants, and once the worker has no child but the anchor nothing
 * is left.  The anchor holds the tests' group open (see anchor()):
 * reaper_list leaves it out, so that it is never reaped nor taken for a
 * stray.  Each look reaps the dead children and names each living
 * descendant when first seen.  Only the worker's own children are
 * signalled, as their pids cannot be another's before the worker reaps
 * them, where a deeper one's could be by then: each child gets the
 * ladder's signal once (a stopped one SIGCONT after SIGTERM, or it could
 * not act on it), and a deeper one its turn once its parent is gone and
 * it is the worker's.  1 once nothing is left.
 */
static int
sweep(struct testproc *t)
{
	struct left *l;
	ssize_t n, i;
	pid_t pid, r;
	int st, left = 0;

	if (!W.reaper || (n = reaper_list(&W.kids, &W.kidcap, W.group)) < 0)
		return groupsweep(t);
	for (i = 0; i < n; i++) {
		l = findleft(t, pid = W.kids[i]);
		if ((r = waitpid(pid, &st, WNOHANG)) == pid) {
			if (l != NULL) {
				l->status = st;
				l->reaped = 1;
			}
			continue;
		}
		if (isstuck(pid))
			continue;
		left++;
		if (l == NULL)
			l = newleft(t, pid);
		/* r is 0 for a child; -1 (ECHILD) for a deeper one. */
		if (r != 0 || t->sig == 0 || (l != NULL && l->sig == t->sig))
			continue;
		kill(pid, t->sig);
		if (t->sig == SIGTERM)
			kill(pid, SIGCONT);
		if (l != NULL)
			l->sig = t->sig;
	}
	return left == 0;
}

/* Once the test's process is reaped and its pipes closed: the sweep. */
static void
startsweep(struct testproc *t)
{
	t->phase = TP_SWEEPING;
	t->graceend = 0;
	t->sig = 0;
	ladder_start(&t->kill, 0);
}

/*
 * The sweep's ladder, SIGTERM at once and SIGKILL after a grace: 1 once
 * nothing the test left is running.  What outlives SIGKILL by another
 * grace (a process stuck in the kernel) is given up, so that no test
 * waits for it; it is named as such and never counted again.
 */
static int
swept(struct testproc *t)
{
	long long now = now_ms();
	ssize_t n, i;
	struct left *l;
	int sig;

	if ((sig = ladder_due(&t->kill, now)) != 0) {
		t->sig = sig;
		if (sig == SIGKILL)
			t->graceend = now + LADDER_GRACEMS;
	}
	if (sweep(t))
		return 1;
	if (t->graceend == 0 || now < t->graceend)
		return 0;
	if ((n = reaper_list(&W.kids, &W.kidcap, W.group)) < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		if (isstuck(W.kids[i]))
			continue;
		W.stuck = xgrow(W.stuck, &W.stuckcap, W.nstuck + 1,
		    sizeof(*W.stuck), 4);
		W.stuck[W.nstuck++] = W.kids[i];
		if ((l = findleft(t, W.kids[i])) != NULL)
			l->stuck = 1;
	}
	return 1;
}

/* "pid 123, killed by SIGTERM: sleep 60": what became of it. */
static void
describeleft(struct buf *b, const struct left *l)
{
	char s[128];

	if (l->stuck)
		snprintf(s, sizeof(s), "pid %ld, still there after SIGKILL",
		    (long)l->pid);
	else if (l->reaped && WIFSIGNALED(l->status))
		snprintf(s, sizeof(s), "pid %ld, killed by %s", (long)l->pid,
		    signame(WTERMSIG(l->status)));
	else if (l->reaped && l->sig != 0)
		snprintf(s, sizeof(s), "pid %ld, exited with status %d on %s",
		    (long)l->pid, WEXITSTATUS(l->status), signame(l->sig));
	else if (l->reaped)
		snprintf(s, sizeof(s), "pid %ld, exited with status %d",
		    (long)l->pid, WEXITSTATUS(l->status));
	else if (l->sig != 0)	/* reaped by its own parent */
		snprintf(s, sizeof(s), "pid %ld, gone after %s", (long)l->pid,
		    signame(l->sig));
	else
		snprintf(s, sizeof(s), "pid %ld, gone", (long)l->pid);
	buf_addstr(b, s);
	buf_addstr(b, ": ");
	buf_addstr(b, l->name);
}

/*
 * What the test left running, in its report whether it passed or not:
 * a result of its own, "TEST processes left behind", a skip whose reason
 * names each process (a warning: it fails nothing) or, with --leaks
 * error, an error; and a line each in test.log.  A manager, Twisted's
 * too, takes it as any other result of the test.
 */
static void
reportleft(struct testproc *t)
{
	struct buf text = { 0 }, line = { 0 };
	size_t i, n = 0;
	char note[96];

	for (i = 0; i < t->nleft; i++)
		n += t->left[i].name != NULL;
	if (n == 0)
		return;
	snprintf(note, sizeof(note), "the test left %zu process%s running:",
	    n, n == 1 ? "" : "es");
	buf_addstr(&text, note);
	for (i = n = 0; i < t->nleft; i++) {
		if (t->left[i].name == NULL)
			continue;
		line.len = 0;
		buf_addstr(&line, "disttrial: left running by the test: ");
		describeleft(&line, &t->left[i]);
		testwrite(line.data, line.len, 0, 1);
		if (n++ < WLEFTSHOWN) {
			buf_addc(&text, '\n');
			describeleft(&text, &t->left[i]);
		}
	}
	if (n > WLEFTSHOWN) {
		snprintf(note, sizeof(note), "\n... and %zu more (test.log "
		    "names them all)", n - WLEFTSHOWN);
		buf_addstr(&text, note);
	}
	buf_addc(&text, '\0');
	line.len = 0;
	buf_addstr(&line, t->path);
	buf_addstr(&line, " processes left behind");
	buf_addc(&line, '\0');
	if (W.o->leakerror)
		queueresult("AddError", (char *)line.data, NULL, CLASS_LEAK,
		    (char *)text.data, text.len - 1);
	else
		queueresult("AddSkip", (char *)line.data, (char *)text.data,
		    NULL, NULL, 0);
	buf_free(&line);
	buf_free(&text);
}

/*
 * At the worker's end in the middle of a test: each child but the
 * anchor gets SIGKILL at once and is reaped, round after round, as the
 * children of those killed come to the worker in turn, until it has
 * none.  The rounds are bounded: a fork bomb does not keep it here.
 */
static void
killleft(void)
{
	ssize_t n, i;
	pid_t pid, r;
	int round, more = 1;

	for (round = 0; round < 100 && W.reaper && more; round++) {
		if ((n = reaper_list(&W.kids, &W.kidcap, W.group)) < 0)
			return;
		for (i = 0, more = 0; i < n; i++) {
			pid = W.kids[i];
			if (isstuck(pid) || (r = waitpid(pid, NULL, WNOHANG)) < 0)
				continue;	/* not a child of its own */
			if (r == 0) {
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
			}
			more = 1;
		}
	}
}

/*
 * While output is held back for a slow manager, the test's pipes are
 * not read, and no clock that would throw output away may run: the
 * time-out and the grace for strays stand still until it flows again.
 */
static void
holdclocks(int paused)
{
	long long d;

	if (paused && W.pausedat == 0) {
		W.pausedat = now_ms();
	} else if (!paused && W.pausedat != 0) {
		d = now_ms() - W.pausedat;
		W.pausedat = 0;
		if (W.t == NULL || W.t->phase == TP_SWEEPING)
			return;	/* it throws no output away: never held */
		if (W.t->kill.due != 0)
			W.t->kill.due += d;
		if (W.t->graceend != 0)
			W.t->graceend += d;
	}
}

/*
 * The time-out's ladder while the test runs; once it is reaped, the
 * grace for strays that still hold its pipes.
 */
static void
expire(struct testproc *t)
{
	long long now = now_ms();
	int sig;

	if (W.pausedat != 0)
		return;
	if (t->phase == TP_RUNNING && (sig = ladder_due(&t->kill, now))) {
		if (sig == SIGTERM)
			t->timedout = 1;
		killgroup(W.group, sig);
	}
	if (t->phase == TP_DRAINING && t->graceend != 0 &&
	    now >= t->graceend) {
		t->stray = 1;
		testwrites("disttrial: something the test left running "
		    "still held its output after it exited; no more of it "
		    "is read");
		/* Named while alive: one that writes on dies when they close. */
		startsweep(t);
		closepipe(t, 0);
		closepipe(t, 1);
	}
}

/* After a SIGCHLD: the test, if it has exited; never the anchor. */
static void
reaptest(void)
{
	pid_t pid;
	int st;

	if (W.t == NULL || W.t->pid == 0)
		return;
	if ((pid = waitpid(W.t->pid, &st, WNOHANG)) != W.t->pid)
		return;
	W.t->status = st;
	W.t->pid = 0;
	W.t->phase = TP_DRAINING;
	if (W.t->fd[0] >= 0 || W.t->fd[1] >= 0)
		W.t->graceend = now_ms() + WSTRAYMS;
}

/*
 * The Run's answer: trial's success, and how long the Run took here,
 * in seconds (elapsed: our manager's, which Twisted's ignores), for the
 * manager to reckon how many Runs to keep queued ahead.
 */
static void
runanswer(const struct testproc *t)
{
	struct amp_box b = { 0 };
	char secs[32];

	if (W.run[0].tag == NULL)
		return;
	snprintf(secs, sizeof(secs), "%.6f",
	    (double)(now_us() - t->began) / 1e6);
	amp_answer(&b, (const unsigned char *)W.run[0].tag,
	    strlen(W.run[0].tag));
	amp_addstr(&b, "success", W.runok ? "True" : "False");
	amp_addstr(&b, "elapsed", secs);
	amp_send(&W.wbuf, &b);
	amp_free(&b);
}

/*
 * Moves the running test along: once its process is reaped and its
 * pipes are closed, what it left running is swept away (nothing it
 * started outlives it) and it is judged; once every result is answered,
 * so is the Run, as trial's worker does.  But with another Run waiting
 * (our manager queues them ahead, to keep a far worker busy), the Run
 * is answered as soon as its results are on their way, and the next
 * test begins: waiting for their answers would cost a round trip a
 * test.  Its results still go out before its answer, the next test's
 * after it.  Not after a failure: the manager may stop there (-x), and
 * its Withdraw comes with its answers, before the next test begins.
 */
static void
advance(void)
{
	struct testproc *t = W.t;

	if (t != NULL && t->phase == TP_DRAINING && t->fd[0] < 0 &&
	    t->fd[1] < 0)
		startsweep(t);
	if (t != NULL && t->phase == TP_SWEEPING && swept(t)) {
		t->phase = TP_JUDGED;
		judge(t);
		reportleft(t);
		sendqueue();	/* out now: its Run may be answered ahead */
	}
	if (t != NULL && t->phase == TP_JUDGED && W.qlen == W.qhead &&
	    (W.nask == W.askhead || (W.nrun > 1 && !W.dirty))) {
		runanswer(t);
		freetest(t);
		W.t = NULL;
		free(W.run[0].test);
		free(W.run[0].tag);
		memmove(W.run, W.run + 1, --W.nrun * sizeof(*W.run));
	}
	if (W.t == NULL && W.nrun > 0)
		spawn(W.run[0].test);
}

/*
 * After EOF, with nothing left running.  Twisted 22.4's manager ends by
 * stopping its reactor without waiting for its workers: that closes
 * every pipe to them, fd 3 and fd 4 alike, and a worker that exits
 * before the manager's process does is reaped by it and printed as an
 * unhandled ProcessDone.  So a worker whose manager is not ours (no
 * Ping came) and whose output is closed too (at once, or within
 * WBOTHMS) waits for its parent to go, WLINGERMS at most.  Twisted
 * 24.7's manager and ours close fd 3 alone and wait for the worker,
 * which then exits at once (ours pings: no wait at all).
 */
static void
linger(void)
{
	struct pollfd pfd;
	int i;

	if (W.pinged || W.parent <= 1)
		return;
	pfd.fd = W.out;
	pfd.events = 0;		/* only its end: POLLERR, POLLHUP */
	pfd.revents = 0;
	while (poll(&pfd, 1, WBOTHMS) < 0 && errno == EINTR)
		;
	if (!(pfd.revents & (POLLERR | POLLHUP | POLLNVAL)))
		return;
	for (i = 0; i < WLINGERMS / 20 && getppid() == W.parent; i++)
		poll(NULL, 0, 20);
}

/* At any exit, fatal() included: no test process is left behind. */
static void
cleanup(void)
{
	if (W.t != NULL && W.t->phase != TP_JUDGED) {
		killgroup(W.group, SIGKILL);
		if (W.t->pid != 0)
			waitpid(W.t->pid, NULL, 0);
		W.t->pid = 0;
		W.t->phase = TP_JUDGED;
		killleft();
	}
	/* Shared descriptions (a terminal, a pipe) get their flags back. */
	fcntl(W.in, F_SETFL, W.inflags);
	fcntl(W.out, F_SETFL, W.outflags);
}

/*
 * What every test is spawned with: the tests' group, no signal blocked,
 * SIGPIPE back to its default (the worker ignores it), stdin on
 * /dev/null, opened once.  Fds 0-2 are kept open (on /dev/null if they
 * were closed), so that no pipe of a test's is ever one of them.
 */
static void
spawnsetup(void)
{
	sigset_t none, dfl;
	int fd, e;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if ((W.null = fd) >= 0)
		fdflags(W.null, FD_CLOEXEC, 0);
	W.reaper = reaper_acquire();
	anchor();
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((e = posix_spawnattr_init(&W.attr)) != 0 ||
	    (e = posix_spawnattr_setpgroup(&W.attr, W.group)) != 0 ||
	    (e = posix_spawnattr_setsigmask(&W.attr, &none)) != 0 ||
	    (e = posix_spawnattr_setsigdefault(&W.attr, &dfl)) != 0 ||
	    (e = posix_spawnattr_setflags(&W.attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0)
		fatal("worker: posix_spawnattr: %s", strerror(e));
}

static void
setup(const struct workertrial_opts *o)
{
	static const int stops[] = { SIGTERM, SIGHUP, SIGINT };
	char *p, *words;

	W.o = o;
	W.parent = getppid();
	W.notefd = o->notefd;
	if (W.notefd >= 0)	/* the manager's, not the tests' */
		fdflags(W.notefd, FD_CLOEXEC, 0);
	W.in = o->stdio ? 0 : 3;
	W.out = o->stdio ? 1 : 4;
	if (fcntl(W.in, F_GETFD) < 0 || fcntl(W.out, F_GETFD) < 0)
		fatal("worker: AMP needs fds %d and %d open (see --stdio)",
		    W.in, W.out);
	W.inflags = fcntl(W.in, F_GETFL);
	W.outflags = fcntl(W.out, F_GETFL);
	fdflags(W.in, FD_CLOEXEC, O_NONBLOCK);
	fdflags(W.out, FD_CLOEXEC, O_NONBLOCK);
	sigpipe_open(stops, (int)countof(stops), W.selfpipe);
	spawnsetup();
	atexit(cleanup);
	/* What the tests see: prove's flag, and which worker of how many. */
	setenv("HARNESS_ACTIVE", "1", 1);
	if (getenv("DISTTRIAL_WORKER") == NULL)
		setenv("DISTTRIAL_WORKER", "0", 1);
	if (getenv("DISTTRIAL_JOBS") == NULL)
		setenv("DISTTRIAL_JOBS", "1", 1);
	if (o->exec != NULL) {
		words = xstrdup(o->exec);
		W.xargv = xreallocarray(NULL, strlen(words) + 3,
		    sizeof(*W.xargv));
		for (p = strtok(words, " \t"); p; p = strtok(NULL, " \t"))
			W.xargv[W.nxargv++] = p;
		if (W.nxargv == 0)
			fatal("worker: --exec names no command");
	}
}

/*
 * Everything of the traffic with a manager goes: the queue, the asks,
 * the Runs waiting, the buffers and the decoder, as if none had come.
 * The worker does it at its end; the fuzzer between two inputs, so that
 * nothing of one is left for the next.
 */
static void
forget(void)
{
	size_t i;

	for (i = W.qhead; i < W.qlen; i++)
		freeitem(W.q[i]);
	free(W.q);
	W.q = NULL;
	W.qhead = W.qlen = W.qcap = W.qbytes = 0;
	free(W.ask);
	W.ask = NULL;
	W.askhead = W.nask = W.askcap = 0;
	for (i = 0; i < W.nrun; i++) {
		free(W.run[i].test);
		free(W.run[i].tag);
	}
	free(W.run);
	W.run = NULL;
	W.nrun = W.runcap = 0;
	buf_free(&W.wbuf);
	buf_free(&W.fixed);
	W.openline = 0;
	free(W.tempdir);
	W.tempdir = NULL;
	amp_dec_free(W.dec);
	W.dec = NULL;
	W.ctr = 0;
	W.olddialect = 0;
	W.runok = 1;
	W.wblocked = 0;
	if (W.t != NULL)	/* its process is gone: see cleanup() */
		freetest(W.t);
	W.t = NULL;
}

/*
 * Writes what it can, once; 0 once the manager is gone.  Short of all,
 * it waits for POLLOUT before it writes again.
 */
static int
writeamp(void)
{
	int r = buf_write(W.out, &W.wbuf);

	W.wblocked = r == 0;
	return r >= 0;
}

/* Until the running test's next deadline, in ms; -1 for none. */
static int
pollwait(void)
{
	long long d = 0;

	if (W.t != NULL && W.t->phase == TP_SWEEPING)
		d = W.t->kill.due != 0 ? W.t->kill.due : W.t->graceend;
	else if (W.pausedat != 0)
		return -1;	/* until the manager takes some output */
	else if (W.t != NULL && W.t->phase == TP_RUNNING)
		d = W.t->kill.due;
	else if (W.t != NULL && W.t->phase == TP_DRAINING)
		d = W.t->graceend;
	if (d == 0)
		return -1;
	d -= now_ms();
	return d < 0 ? 0 : d > INT_MAX ? INT_MAX : (int)d;
}

/*
 * The loop: each wake-up's events are taken, then the test is moved
 * along and everything it queued goes out in one write.  Only a SIGCHLD
 * makes it reap.
 */
int
workertrial_main(const struct workertrial_opts *o)
{
	struct pollfd pfd[5];
	int i, n, paused, child, eof = 0;

	setup(o);
	testwrites("Log opened.");
	for (;;) {
		advance();
		sendqueue();
		if (W.wbuf.len > 0 && !W.wblocked && !writeamp())
			break;
		paused = W.wbuf.len + W.qbytes > WBACKLOG;
		holdclocks(paused);
		pfd[0].fd = W.selfpipe[0];
		pfd[1].fd = W.in;
		pfd[2].fd = W.wblocked ? W.out : -1;
		pfd[3].fd = W.t && !paused ? W.t->fd[0] : -1;
		pfd[4].fd = W.t && !paused ? W.t->fd[1] : -1;
		for (i = 0; i < 5; i++) {
			pfd[i].events = i == 2 ? POLLOUT : POLLIN;
			pfd[i].revents = 0;
		}
		if ((n = poll(pfd, 5, pollwait())) < 0 && errno != EINTR)
			fatal("worker: poll:");
		if (pfd[0].revents != 0) {
			if (sigpipe_take(&child) != 0)
				break;		/* SIGTERM, SIGHUP or SIGINT */
			if (child)
				reaptest();
		}
		if (pfd[2].revents != 0)
			W.wblocked = 0;
		if (pfd[1].revents != 0 && !readamp()) {
			eof = 1;
			break;
		}
		for (i = 0; i < 2; i++)
			if (pfd[3 + i].revents != 0)
				readpipe(W.t, i);
		if (W.t != NULL)
			expire(W.t);
	}
	cleanup();
	if (eof)
		linger();
	forget();
	free(W.kids);
	free(W.stuck);
	W.kids = W.stuck = NULL;
	W.kidcap = W.nstuck = W.stuckcap = 0;
	return 0;
}
