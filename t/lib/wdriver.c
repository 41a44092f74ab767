/*
 * wdriver.c: drives one `disttrial --worker` over AMP for the behaviour
 * tests (t/worker-*.sh), playing the manager's part.
 *
 * It starts the worker with one end of a socketpair on fds 3 and 4 (on
 * 0 and 1 with -s), sends Start(directory), then Run(testCase) for each
 * operand, one at a time or all at once (-p), answers every command the
 * worker sends as a Twisted manager would, and prints what it receives,
 * one line a command or answer (a TestWrite, one line for each of the
 * lines its value joins), so that a shell script can grep it:
 *
 *	TestWrite out=Log opened.
 *	Start success=True
 *	AddFailure testName=T failClass=C fail=TEXT frames=0
 *	Run testCase=T success=True
 *	exit 0
 *
 * A TestWrite marked continuesLine=True (its first line ends the last
 * TestWrite's, cut as longer than a value) is preceded by a line
 * "TestWrite continuesLine=True".
 *
 * testName comes first, then the other keys in sorted order; a stream id
 * is replaced by the stream's joined text (failStreamId by fail=,
 * errorStreamId by error=) or, for frames, by the number of writes.
 * Values are escaped: \\ \n \r \t, \xNN for other control bytes, UTF-8
 * passed through.  Each breach of the protocol found on the way is a
 * line "PROTOCOL: ..." and makes the exit status 1: a stream used twice
 * or never opened, a stream left unused, a Unicode value that is not
 * UTF-8, a missing or unknown key, a tag out of sequence, a result for
 * another test or outside a test's banner and its Run's answer, a Run
 * answered without a result, out of order, or before all its commands
 * were answered (visible with -D) unless another Run waits behind it
 * and it did not fail (then a line "ahead testCase=T" says so), Start's answer without queueAhead=True or a
 * Run's without elapsed seconds (our manager's extensions, not
 * printed), and more.  "DRIVER: ..." lines are
 * the driver's own trouble; "DRIVER TIMEOUT" means it gave up and
 * killed the worker.
 *
 *	-s	AMP on the worker's fds 0 and 1 (default command with --stdio)
 *	-w CMD	start the worker as /bin/sh -c CMD
 *	-d DIR	the Start directory (default: a fresh one under $TMPDIR)
 *	-p	send all Runs at once instead of one at a time
 *	-E	close the connection at the first "--> TEST <--" (EOF mid-test)
 *	-G	send bytes that are not AMP after Start's answer, or mid-test
 *		when tests are given
 *	-k SIG	send the worker signal SIG at the first banner
 *	-U	first send the unknown command Bogus, print the error answer
 *	-D MS	hold every answer back MS milliseconds
 *	-1	write to the worker one byte at a time
 *	-q	count TestWrites' lines (except banners) and bytes, and the
 *		boxes that carried them, instead of printing them
 *	-m	print each Run's time: "elapsed testCase=T ms=N", and the
 *		time from EOF (or -E, -G, -k) to the worker's exit:
 *		"elapsed exit ms=N"
 *	-r	print the largest resident size of the worker and what it
 *		reaped: "maxrss=KIB"
 *	-t SECS	give up after SECS seconds (default 60)
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../amp.h"
#include "../../stream.h"
#include "../../util.h"

#define DEADLINE 60		/* seconds before the driver gives up */
#define EXITGRACE 2000		/* ms to wait for EOF once the worker exited */

/* An answer held back by -D until its time. */
struct held {
	struct timespec due;
	size_t run;		/* the Run in flight then, or (size_t)-1 */
	unsigned char *data;
	size_t len;
};

struct run {
	char *path;
	unsigned long tag;
	struct timespec sent;
	size_t nresults;
	int failed;		/* AddFailure, AddError, AddUnexpectedSuccess */
};

/* One key of a worker command, and how its value is checked. */
struct argspec {
	const char *key;
	int type;		/* 'u' Unicode, 'i' Integer, 'b' bytes, */
				/* 'T' text stream id, 'F' frames stream id, */
				/* 'B' Boolean, the one optional kind */
};

/* The commands a worker may send, and their arguments (required but 'B'). */
static const struct cmdspec {
	const char *name;
	struct argspec arg[4];
} cmds[] = {
	{ "TestWrite", { { "out", 'u' }, { "continuesLine", 'B' } } },
	{ "StreamOpen", { { NULL, 0 } } },
	{ "StreamWrite", { { "streamId", 'i' }, { "data", 'b' } } },
	{ "AddSuccess", { { "testName", 'u' } } },
	{ "AddError", { { "testName", 'u' }, { "errorClass", 'u' },
	    { "errorStreamId", 'T' }, { "framesStreamId", 'F' } } },
	{ "AddFailure", { { "testName", 'u' }, { "failClass", 'u' },
	    { "failStreamId", 'T' }, { "framesStreamId", 'F' } } },
	{ "AddSkip", { { "testName", 'u' }, { "reason", 'u' } } },
	{ "AddExpectedFailure", { { "testName", 'u' },
	    { "errorStreamId", 'T' }, { "todo", 'u' } } },
	{ "AddUnexpectedSuccess", { { "testName", 'u' }, { "todo", 'u' } } },
};

/* A value to print: a key and either bytes or a number. */
struct field {
	const unsigned char *key;
	size_t klen;
	const char *name;	/* printed name; NULL: the key */
	const unsigned char *val;
	size_t vlen;
	struct buf text;	/* a stream's text, owned */
	long count;		/* frames: the number of writes */
};

static struct {
	/* options */
	int stdio, pipeline, eofmid, garbage, unknown, quiet, timing;
	int dribble, killsig, rusage;
	long delay;		/* -D: ms to hold each answer back */
	long deadline;
	const char *cmd, *dir;

	pid_t pid;
	int status, reaped;
	struct timespec reapedat;
	int fd;			/* our end, -1 once closed */
	int rdone;		/* EOF or a read error was seen */
	int expecteof;		/* we broke the connection on purpose */
	int sigpipe[2];
	struct timespec start;

	struct amp_dec *dec;
	struct buf out;
	struct streams *streams;
	long nopen;		/* streams opened and not yet used */
	unsigned long tag;	/* our ask counter */
	unsigned long wtag;	/* the worker's last tag */
	unsigned long starttag, bogustag;
	int startdone, bogusdone;

	struct held *held;
	size_t nheld, capheld;
	int shutfd;		/* closeconn's, until the end, or -1 */

	struct run *runs;
	size_t nruns, nsent, cur;
	int started;		/* runs[cur]'s banner was seen */
	int triggered;		/* -E, -G or -k has acted */
	struct timespec endat;	/* when we told the worker to end */
	unsigned long ncmds, nwrites, nwritebytes, nboxes;
	int errors;
} d;

static void
usage(void)
{
	fputs("usage: t/lib/wdriver [-1EGmpqrsU] [-D ms] [-d dir] "
	    "[-k signal] [-t seconds]\n"
	    "                      [-w command] [test ...]\n", stderr);
	exit(2);
}

static void
violation(const char *fmt, ...)
{
	va_list ap;

	d.errors++;
	fputs("PROTOCOL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
drivererr(const char *fmt, ...)
{
	va_list ap;

	d.errors++;
	fputs("DRIVER: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
putesc(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				printf("\\x%02x", p[i]);
			else
				putchar(p[i]);
		}
	}
}

/* A copy of a value as a C string, for messages (NULs shown as '?'). */
static char *
cstr(const unsigned char *p, size_t len)
{
	char *s;
	size_t i;

	s = xmemdup(p, len);
	for (i = 0; i < len; i++)
		if (s[i] == '\0')
			s[i] = '?';
	return s;
}

static long
msec(const struct timespec *a, const struct timespec *b)
{
	return (long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void
now(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

static void
onchld(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (write(d.sigpipe[1], &c, 1) < 0) {
		/* pipe full: a wakeup is already pending */
	}
	errno = saved;
}

static void
cloexec(int fd, int nonblock)
{
	fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	if (nonblock)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void
childfail(const char *what)
{
	const char *e = strerror(errno);

	if (write(2, "wdriver: ", 9) < 0 || write(2, what, strlen(what)) < 0 ||
	    write(2, ": ", 2) < 0 || write(2, e, strlen(e)) < 0 ||
	    write(2, "\n", 1) < 0) {
		/* nothing more to do */
	}
	_exit(127);
}

/*
 * In the child: AMP on 3/4 (or 0/1), stdin /dev/null, stdout to stderr,
 * no other descriptor.
 */
static void
child(int end)
{
	char *argv[5];
	long i, maxfd;
	int fd, null;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	if ((fd = fcntl(end, F_DUPFD, 10)) < 0)
		childfail("fcntl");
	close(end);
	if (d.stdio) {
		if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
			childfail("dup2");
		close(3);
		close(4);
	} else {
		if ((null = open("/dev/null", O_RDONLY)) < 0)
			childfail("/dev/null");
		if (dup2(null, 0) < 0 || dup2(2, 1) < 0)
			childfail("dup2");
		if (null != 0)
			close(null);
		if (dup2(fd, 3) < 0 || dup2(fd, 4) < 0)
			childfail("dup2");
	}
	close(fd);
	/*
	 * Whatever else the driver inherited (a manager running this suite
	 * may leak descriptors) is no part of the worker's world.
	 */
	if ((maxfd = sysconf(_SC_OPEN_MAX)) < 0 || maxfd > 4096)
		maxfd = 4096;
	for (i = d.stdio ? 3 : 5; i < maxfd; i++)
		close((int)i);
	if (d.cmd != NULL) {
		argv[0] = "sh";
		argv[1] = "-c";
		argv[2] = (char *)d.cmd;
		argv[3] = NULL;
		execv("/bin/sh", argv);
		childfail("/bin/sh");
	}
	argv[0] = "./disttrial";
	argv[1] = "--worker";
	argv[2] = d.stdio ? "--stdio" : NULL;
	argv[3] = NULL;
	execv(argv[0], argv);
	childfail(argv[0]);
}

static void
spawn(void)
{
	struct sigaction sa;
	int sv[2];

	if (pipe(d.sigpipe) < 0)
		fatal("pipe:");
	cloexec(d.sigpipe[0], 1);
	cloexec(d.sigpipe[1], 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onchld;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		fatal("socketpair:");
	cloexec(sv[0], 1);
	fflush(stdout);
	if ((d.pid = fork()) < 0)
		fatal("fork:");
	if (d.pid == 0)
		child(sv[1]);
	setpgid(d.pid, d.pid);
	close(sv[1]);
	d.fd = sv[0];
	d.shutfd = -1;
}

static void
sendbox(struct amp_box *b)
{
	if (amp_encode(&d.out, b) < 0)
		drivererr("cannot encode a box");
}

static void
sendstart(void)
{
	struct amp_box b = { 0 };

	d.starttag = amp_ask(&b, "Start", &d.tag);
	amp_addstr(&b, "directory", d.dir);
	sendbox(&b);
	amp_free(&b);
}

static void
sendrun(void)
{
	struct amp_box b = { 0 };
	struct run *r = &d.runs[d.nsent++];

	r->tag = amp_ask(&b, "Run", &d.tag);
	amp_addstr(&b, "testCase", r->path);
	sendbox(&b);
	amp_free(&b);
	now(&r->sent);
}

static void
sendbogus(void)
{
	struct amp_box b = { 0 };

	d.bogustag = amp_ask(&b, "Bogus", &d.tag);
	amp_addstr(&b, "whatever", "1");
	sendbox(&b);
	amp_free(&b);
}

static void
sendgarbage(void)
{
	/* A key length of 0xffff can never start a valid box. */
	buf_add(&d.out, "\xff\xffnot AMP at all", 16);
	d.expecteof = 1;
}

/*
 * EOF for the worker, as Twisted 24.7's manager gives it (it closes the
 * worker's fd 3 alone): our end is shut for writing and no longer read,
 * and closed once the worker is reaped.  A worker that sees both
 * directions closed takes its manager for Twisted 22.4's and waits for
 * it to go (workertrial.c's linger).
 */
static void
closeconn(void)
{
	if (d.fd < 0)
		return;
	shutdown(d.fd, SHUT_WR);
	d.shutfd = d.fd;
	d.fd = -1;
}

/* Acts on -E, -G or -k at the first banner. */
static void
trigger(void)
{
	if (d.triggered)
		return;
	now(&d.endat);
	if (d.eofmid) {
		d.triggered = 1;
		closeconn();
	} else if (d.garbage) {
		d.triggered = 1;
		sendgarbage();
	} else if (d.killsig != 0) {
		d.triggered = 1;
		d.expecteof = 1;
		if (kill(d.pid, d.killsig) < 0)
			drivererr("kill: %s", strerror(errno));
	}
}

static const struct cmdspec *
findcmd(const struct amp_pair *p)
{
	size_t i;

	for (i = 0; i < countof(cmds); i++)
		if (amp_is(p, cmds[i].name))
			return &cmds[i];
	return NULL;
}

static const struct argspec *
findarg(const struct cmdspec *c, const struct amp_pair *p)
{
	size_t i;

	for (i = 0; i < 4 && c->arg[i].key != NULL; i++)
		if (p->klen == strlen(c->arg[i].key) &&
		    memcmp(p->key, c->arg[i].key, p->klen) == 0)
			return &c->arg[i];
	return NULL;
}

static int
fieldcmp(const void *a, const void *b)
{
	const struct field *x = a, *y = b;
	int c;

	c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);
	if (c != 0)
		return c;
	return (x->klen > y->klen) - (x->klen < y->klen);
}

static int
iskey(const struct field *f, const char *key)
{
	return f->klen == strlen(key) && memcmp(f->key, key, f->klen) == 0;
}

/*
 * Joins (or, for frames, counts) the stream a field names and forgets
 * it.  -1 if the stream is unknown or not UTF-8.
 */
static int
usestream(struct field *f, int type, const char *cmd)
{
	const unsigned char *p, *e;
	size_t len, elen;
	long long id;
	int r;

	if (amp_int(f->val, f->vlen, &id) < 0)
		return -1;
	if (streams_finish(d.streams, id, 0, &f->text, type == 'F') < 0) {
		violation("%s names %s", cmd, streams_error(d.streams));
		return -1;
	}
	d.nopen--;
	if (type == 'T') {
		if (!utf8_valid(f->text.data, f->text.len)) {
			violation("%s: stream %lld is not UTF-8", cmd, id);
			return -1;
		}
		f->name = iskey(f, "errorStreamId") ? "error" : "fail";
		return 0;
	}
	p = f->text.data;
	len = f->text.len;
	f->count = 0;
	while ((r = amp_list_next(&p, &len, &e, &elen)) == 1) {
		f->count++;
		if (!utf8_valid(e, elen))
			violation("%s: a frame of stream %lld is not UTF-8",
			    cmd, id);
	}
	f->name = "frames";
	return r < 0 ? -1 : 0;
}

/*
 * Checks a command's keys against its spec, filling in the fields to
 * print (testName first, then the rest sorted).  Returns the number of
 * fields, or -1 if the command is malformed (answered with an error).
 */
static int
checkargs(const struct cmdspec *c, const struct amp_box *b, struct field *f,
    size_t nf)
{
	const struct argspec *a;
	long long v;
	size_t i, j, n = 0;
	int bad = 0;

	for (i = 0; i < b->n; i++) {
		const struct amp_pair *p = &b->pair[i];

		if ((p->klen == 4 && memcmp(p->key, "_ask", 4) == 0) ||
		    (p->klen == 8 && memcmp(p->key, "_command", 8) == 0))
			continue;
		if ((a = findarg(c, p)) == NULL || n == nf) {
			char *k = cstr(p->key, p->klen);

			violation("%s has an unexpected key %s", c->name, k);
			free(k);
			continue;
		}
		for (j = 0; j < n; j++)
			if (f[j].klen == p->klen &&
			    memcmp(f[j].key, p->key, p->klen) == 0)
				break;
		if (j < n) {
			violation("%s has key %s twice", c->name, a->key);
			bad = 1;
			continue;
		}
		memset(&f[n], 0, sizeof(f[n]));
		f[n].key = p->key;
		f[n].klen = p->klen;
		f[n].val = p->val;
		f[n].vlen = p->vlen;
		f[n].count = -1;
		n++;
		if (a->type == 'u' && !utf8_valid(p->val, p->vlen)) {
			violation("%s: %s is not UTF-8", c->name, a->key);
			bad = 1;
		} else if (strchr("iTF", a->type) != NULL &&
		    amp_int(p->val, p->vlen, &v) < 0) {
			violation("%s: %s is not an Integer", c->name, a->key);
			bad = 1;
		} else if (a->type == 'B' && !amp_is(p, "True") &&
		    !amp_is(p, "False")) {
			violation("%s: %s is not a Boolean", c->name, a->key);
			bad = 1;
		}
	}
	for (i = 0; i < 4 && c->arg[i].key != NULL; i++) {
		if (c->arg[i].type == 'B')
			continue;
		for (j = 0; j < n; j++)
			if (iskey(&f[j], c->arg[i].key))
				break;
		if (j == n) {
			violation("%s lacks %s", c->name, c->arg[i].key);
			bad = 1;
		}
	}
	qsort(f, n, sizeof(*f), fieldcmp);
	return bad ? -1 : (int)n;
}

static void
printfields(const char *name, struct field *f, size_t n)
{
	size_t i;
	int pass;

	fputs(name, stdout);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (iskey(&f[i], "testName") != (pass == 0))
				continue;
			putchar(' ');
			if (f[i].name != NULL)
				fputs(f[i].name, stdout);
			else
				putesc(f[i].key, f[i].klen);
			putchar('=');
			if (f[i].count >= 0 && f[i].name != NULL &&
			    strcmp(f[i].name, "frames") == 0)
				printf("%ld", f[i].count);
			else if (f[i].name != NULL)
				putesc(f[i].text.data, f[i].text.len);
			else
				putesc(f[i].val, f[i].vlen);
		}
	}
	putchar('\n');
}

static int
isbanner(const unsigned char *p, size_t len)
{
	return len >= 8 && memcmp(p, "--> ", 4) == 0 &&
	    memcmp(p + len - 4, " <--", 4) == 0;
}

static void
line(const unsigned char *p, size_t len)
{
	struct run *r = d.cur < d.nsent ? &d.runs[d.cur] : NULL;
	int first = d.ncmds == 1;

	if (first && !(len == 11 && memcmp(p, "Log opened.", 11) == 0))
		violation("the first command is not TestWrite(Log opened.)");
	if (isbanner(p, len)) {
		if (r == NULL)
			violation("a banner with no Run in flight");
		else if (d.started)
			violation("a banner while %s is still running",
			    r->path);
		else if (len - 8 != strlen(r->path) ||
		    memcmp(p + 4, r->path, len - 8) != 0)
			violation("a banner for another test than %s",
			    r->path);
		if (r != NULL)
			d.started = 1;
		trigger();
	} else if (!first && !d.started) {
		violation("a TestWrite outside a test");
	}
	d.nwrites++;
	d.nwritebytes += len;
	if (d.quiet && !first && !isbanner(p, len))
		return;
	fputs("TestWrite out=", stdout);
	putesc(p, len);
	putchar('\n');
}

/* A TestWrite: lines joined by newlines, each one checked and printed. */
static void
testwrite(const unsigned char *p, size_t len)
{
	const unsigned char *nl;

	d.nboxes++;
	while (len > 0 && (nl = memchr(p, '\n', len)) != NULL) {
		line(p, (size_t)(nl - p));
		len -= (size_t)(nl + 1 - p);
		p = nl + 1;
	}
	line(p, len);
}

/* The context of a result: the test in flight, and its name. */
static void
result(const char *name, struct field *f, size_t n)
{
	struct run *r = d.cur < d.nsent ? &d.runs[d.cur] : NULL;
	size_t i, plen;

	if (r == NULL || !d.started) {
		violation("%s outside a test", name);
		return;
	}
	r->nresults++;
	if (strcmp(name, "AddFailure") == 0 || strcmp(name, "AddError") == 0 ||
	    strcmp(name, "AddUnexpectedSuccess") == 0)
		r->failed = 1;
	plen = strlen(r->path);
	for (i = 0; i < n; i++)
		if (iskey(&f[i], "testName") &&
		    !(f[i].vlen >= plen && memcmp(f[i].val, r->path, plen) == 0 &&
		    (f[i].vlen == plen || f[i].val[plen] == ' ')))
			violation("%s for another test than %s", name, r->path);
}

static void
answersuccess(const unsigned char *tag, size_t taglen, int ok)
{
	struct amp_box b = { 0 };

	if (!ok) {
		if (amp_error(&d.out, tag, taglen, "UNKNOWN", "Unknown Error")
		    < 0)
			drivererr("cannot encode an error");
		return;
	}
	amp_answer(&b, tag, taglen);
	amp_addstr(&b, "success", "True");
	sendbox(&b);
	amp_free(&b);
}

static void
command(const struct amp_box *b)
{
	const struct amp_pair *name, *ask, *p;
	const struct cmdspec *c;
	struct field f[8];
	struct amp_box a = { 0 };
	char num[32], *s;
	unsigned long t;
	long long id;
	int i, n, ok;

	d.ncmds++;
	name = amp_get(b, "_command");
	if ((ask = amp_get(b, "_ask")) == NULL) {
		s = cstr(name->val, name->vlen);
		violation("%s without _ask", s);
		free(s);
		return;
	}
	if (amp_tagnum(ask->val, ask->vlen, &t) < 0 || t != d.wtag + 1) {
		s = cstr(ask->val, ask->vlen);
		violation("tag %s out of sequence (expected %lx)", s,
		    d.wtag + 1);
		free(s);
	}
	if (amp_tagnum(ask->val, ask->vlen, &t) == 0)
		d.wtag = t;
	if ((c = findcmd(name)) == NULL) {
		s = cstr(name->val, name->vlen);
		violation("unknown command %s", s);
		free(s);
		amp_unhandled(&d.out, ask->val, ask->vlen, name->val,
		    name->vlen);
		return;
	}
	n = checkargs(c, b, f, countof(f));
	ok = n >= 0;
	if (strcmp(c->name, "StreamOpen") == 0) {
		d.nopen++;
		snprintf(num, sizeof(num), "%lld",
		    streams_open(d.streams, 0));
		amp_answer(&a, ask->val, ask->vlen);
		amp_addstr(&a, "streamId", num);
		sendbox(&a);
		amp_free(&a);
		return;
	}
	if (!ok) {
		answersuccess(ask->val, ask->vlen, 0);
		return;
	}
	if (strcmp(c->name, "StreamWrite") == 0) {
		p = amp_get(b, "data");
		amp_int(amp_get(b, "streamId")->val,
		    amp_get(b, "streamId")->vlen, &id);
		if (streams_write(d.streams, id, 0, p->val, p->vlen) < 0) {
			violation("StreamWrite: %s", streams_error(d.streams));
			answersuccess(ask->val, ask->vlen, 0);
			return;
		}
		amp_answer(&a, ask->val, ask->vlen);
		sendbox(&a);
		amp_free(&a);
		return;
	}
	if (strcmp(c->name, "TestWrite") == 0) {
		if (!d.quiet && amp_is(amp_get(b, "continuesLine"), "True"))
			puts("TestWrite continuesLine=True");
		p = amp_get(b, "out");
		testwrite(p->val, p->vlen);
		answersuccess(ask->val, ask->vlen, 1);
		return;
	}
	for (i = 0; i < n; i++) {
		if (iskey(&f[i], "errorStreamId") ||
		    iskey(&f[i], "failStreamId"))
			ok &= usestream(&f[i], 'T', c->name) == 0;
		else if (iskey(&f[i], "framesStreamId"))
			ok &= usestream(&f[i], 'F', c->name) == 0;
	}
	result(c->name, f, (size_t)n);
	printfields(c->name, f, (size_t)n);
	for (i = 0; i < n; i++)
		buf_free(&f[i].text);
	answersuccess(ask->val, ask->vlen, ok);
}

static void
printanswer(const char *what, const char *arg, const struct amp_box *b)
{
	struct field f[8];
	size_t i, n = 0;

	for (i = 0; i < b->n && n < 8; i++) {
		if ((b->pair[i].klen == 7 &&
		    memcmp(b->pair[i].key, "_answer", 7) == 0) ||
		    (b->pair[i].klen == 10 &&
		    memcmp(b->pair[i].key, "queueAhead", 10) == 0) ||
		    (b->pair[i].klen == 7 &&
		    memcmp(b->pair[i].key, "elapsed", 7) == 0))
			continue;
		memset(&f[n], 0, sizeof(f[n]));
		f[n].key = b->pair[i].key;
		f[n].klen = b->pair[i].klen;
		f[n].val = b->pair[i].val;
		f[n].vlen = b->pair[i].vlen;
		f[n].count = -1;
		n++;
	}
	qsort(f, n, sizeof(*f), fieldcmp);
	fputs(what, stdout);
	if (arg != NULL) {
		fputs(" testCase=", stdout);
		putesc((const unsigned char *)arg, strlen(arg));
	}
	printfields("", f, n);
}

static void
printerror(const struct amp_box *b)
{
	const struct amp_pair *code, *desc;

	code = amp_get(b, "_error_code");
	desc = amp_get(b, "_error_description");
	fputs("ERROR code=", stdout);
	if (code != NULL)
		putesc(code->val, code->vlen);
	fputs(" description=", stdout);
	if (desc != NULL)
		putesc(desc->val, desc->vlen);
	putchar('\n');
}

static void
checksuccess(const char *what, const struct amp_box *b)
{
	const struct amp_pair *p;
	int v;

	if ((p = amp_get(b, "success")) == NULL)
		violation("%s answer lacks success", what);
	else if (amp_bool(p->val, p->vlen, &v) < 0)
		violation("%s answer: success is not a Boolean", what);
}

/* Our worker's extensions to the answers: see workertrial.c. */
static void
checkours(const char *what, const struct amp_box *b)
{
	const struct amp_pair *p;
	char s[32], *end;
	double v;

	if (strcmp(what, "Start") == 0) {
		if (!amp_is(amp_get(b, "queueAhead"), "True"))
			violation("Start answer lacks queueAhead=True");
		return;
	}
	if ((p = amp_get(b, "elapsed")) == NULL || p->vlen == 0 ||
	    p->vlen >= sizeof(s)) {
		violation("Run answer lacks elapsed");
		return;
	}
	memcpy(s, p->val, p->vlen);
	s[p->vlen] = '\0';
	v = strtod(s, &end);
	if (*end != '\0' || !(v >= 0 && v < 1e6))
		violation("Run answer: elapsed is not seconds: %s", s);
}

static void
runanswer(const struct amp_box *b, size_t i)
{
	struct run *r = &d.runs[i];
	struct timespec t;
	size_t j, n;

	if (b->kind == AMP_ERROR) {
		printerror(b);
		violation("Run %s answered with an error", r->path);
	} else {
		printanswer("Run", r->path, b);
		checksuccess("Run", b);
		checkours("Run", b);
	}
	now(&t);
	if (d.timing)
		printf("elapsed testCase=%s ms=%ld\n", r->path,
		    msec(&r->sent, &t));
	if (i != d.cur)
		violation("Run %s answered out of order", r->path);
	if (!d.started)
		violation("Run %s answered without a banner", r->path);
	if (r->nresults == 0)
		violation("Run %s answered without a result", r->path);
	if (d.nopen != 0)
		violation("%ld stream(s) left open at the end of %s", d.nopen,
		    r->path);
	for (j = n = 0; j < d.nheld; j++)
		n += d.held[j].run == i;
	/* With a Run behind it, a Run that passed need not wait. */
	if (n != 0 && (r->failed || i + 1 >= d.nsent))
		violation("Run %s answered before %zu of its commands were",
		    r->path, n);
	else if (n != 0)
		printf("ahead testCase=%s\n", r->path);
	d.cur = i + 1;
	d.started = 0;
	if (!d.pipeline && d.nsent < d.nruns)
		sendrun();
}

static void
answer(const struct amp_box *b)
{
	const struct amp_pair *tp;
	unsigned long t;
	size_t i;
	char *s;

	tp = amp_get(b, b->kind == AMP_ERROR ? "_error" : "_answer");
	if (amp_tagnum(tp->val, tp->vlen, &t) < 0)
		t = 0;
	if (t != 0 && t == d.bogustag && !d.bogusdone) {
		d.bogusdone = 1;
		if (b->kind == AMP_ERROR)
			printerror(b);
		else
			violation("the unknown command Bogus was answered");
		return;
	}
	if (t != 0 && t == d.starttag && !d.startdone) {
		d.startdone = 1;
		if (b->kind == AMP_ERROR) {
			printerror(b);
			violation("Start answered with an error");
		} else {
			printanswer("Start", NULL, b);
			checksuccess("Start", b);
			checkours("Start", b);
		}
		if (d.garbage && d.nruns == 0)
			sendgarbage();
		else if (!d.pipeline && d.nsent < d.nruns)
			sendrun();
		return;
	}
	for (i = d.cur; i < d.nsent; i++)
		if (t != 0 && d.runs[i].tag == t) {
			runanswer(b, i);
			return;
		}
	s = cstr(tp->val, tp->vlen);
	violation("an answer for an unknown tag %s", s);
	free(s);
}

static int
alldone(void)
{
	return d.startdone && (d.bogustag == 0 || d.bogusdone) &&
	    d.cur == d.nruns && !d.expecteof;
}

/*
 * With -D, moves the answer a command just queued (the bytes of d.out
 * from mark on) aside, to be sent d.delay ms later.  A worker that
 * answers a Run before all of its test's commands are answered is then
 * caught: see runanswer.
 */
static void
hold(size_t mark)
{
	struct held *h;

	if (d.delay == 0 || d.out.len <= mark)
		return;
	d.held = xgrow(d.held, &d.capheld, d.nheld + 1, sizeof(*d.held), 16);
	h = &d.held[d.nheld++];
	now(&h->due);
	h->due.tv_sec += d.delay / 1000;
	h->due.tv_nsec += d.delay % 1000 * 1000000;
	if (h->due.tv_nsec >= 1000000000) {
		h->due.tv_sec++;
		h->due.tv_nsec -= 1000000000;
	}
	h->run = d.started ? d.cur : (size_t)-1;
	h->len = d.out.len - mark;
	h->data = (unsigned char *)xmemdup(d.out.data + mark, h->len);
	d.out.len = mark;
}

/* Sends the held answers whose time has come; ms until the next one. */
static long
release(void)
{
	struct timespec t;
	size_t i;
	long left = 0;

	now(&t);
	for (i = 0; i < d.nheld; i++) {
		if ((left = msec(&t, &d.held[i].due)) > 0)
			break;
		buf_add(&d.out, d.held[i].data, d.held[i].len);
		free(d.held[i].data);
	}
	if (i > 0)
		memmove(d.held, d.held + i, (d.nheld - i) * sizeof(*d.held));
	d.nheld -= i;
	return d.nheld == 0 ? -1 : left < 1 ? 1 : left;
}

static void
readconn(void)
{
	unsigned char tmp[65536];
	struct amp_box b = { 0 };
	size_t mark;
	ssize_t n;
	int r;

	n = read(d.fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		d.rdone = 1;
		if (amp_dec_pending(d.dec) != 0)
			violation("EOF in the middle of a box");
		return;
	}
	amp_dec_feed(d.dec, tmp, (size_t)n);
	while (d.fd >= 0 && (r = amp_dec_next(d.dec, &b)) != 0) {
		if (r < 0) {
			violation("bad AMP from the worker: %s",
			    amp_dec_error(d.dec));
			d.rdone = 1;
			break;
		}
		if (b.kind == AMP_COMMAND) {
			mark = d.out.len;
			command(&b);
			hold(mark);
		} else {
			answer(&b);
		}
	}
	amp_free(&b);
}

static void
writeconn(void)
{
	size_t len = d.dribble ? 1 : d.out.len;
	ssize_t n;

	n = write(d.fd, d.out.data, len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		/* The worker is gone; its EOF tells the rest. */
		d.out.len = 0;
		return;
	}
	buf_consume(&d.out, (size_t)n);
}

static void
reap(void)
{
	unsigned char c[64];
	pid_t p;

	while (read(d.sigpipe[0], c, sizeof(c)) > 0)
		;
	if (d.reaped)
		return;
	while ((p = waitpid(d.pid, &d.status, WNOHANG)) < 0 && errno == EINTR)
		;
	if (p == d.pid) {
		d.reaped = 1;
		now(&d.reapedat);
	}
}

static void
timeout(void)
{
	puts("DRIVER TIMEOUT");
	d.errors++;
	kill(-d.pid, SIGKILL);
	kill(d.pid, SIGKILL);
	closeconn();
	while (!d.reaped && waitpid(d.pid, &d.status, 0) < 0 && errno == EINTR)
		;
	d.reaped = 1;
	now(&d.reapedat);
}

/* Milliseconds poll may wait, or 0 after the deadline has passed. */
static int
waitms(void)
{
	struct timespec t;
	long left, grace;

	now(&t);
	left = d.deadline * 1000 - msec(&d.start, &t);
	if (d.reaped && d.fd >= 0) {
		grace = EXITGRACE - msec(&d.reapedat, &t);
		if (grace < left)
			left = grace;
	}
	return left < 0 ? 0 : (int)left;
}

static void
loop(void)
{
	struct pollfd pfd[2];
	long next;
	int ms, n;

	while (d.fd >= 0 && !d.rdone && !alldone()) {
		pfd[0].fd = d.sigpipe[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = d.fd;
		pfd[1].events = POLLIN | (d.out.len > 0 ? POLLOUT : 0);
		ms = waitms();
		if ((next = release()) >= 0 && next < ms && ms != 0)
			ms = (int)next;
		pfd[1].events = POLLIN | (d.out.len > 0 ? POLLOUT : 0);
		if (ms == 0) {
			if (!d.reaped) {
				timeout();
				return;
			}
			violation("the connection is still open %d ms after "
			    "the worker exited", EXITGRACE);
			return;
		}
		if ((n = poll(pfd, 2, ms)) < 0 && errno != EINTR)
			fatal("poll:");
		if (n <= 0)
			continue;
		if (pfd[0].revents != 0)
			reap();
		if (pfd[1].revents & POLLOUT)
			writeconn();
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
			readconn();
	}
	if (d.fd >= 0 && d.rdone && !alldone() && !d.expecteof)
		drivererr("the worker closed the connection with %zu Run(s) "
		    "unanswered", d.nruns - d.cur);
}

/* Closes our end and waits for the worker until the deadline. */
static void
finish(void)
{
	struct pollfd pfd;
	int ms;

	if (!d.triggered)
		now(&d.endat);
	closeconn();
	reap();
	while (!d.reaped) {
		pfd.fd = d.sigpipe[0];
		pfd.events = POLLIN;
		if ((ms = waitms()) == 0) {
			timeout();
			break;
		}
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR)
			fatal("poll:");
		reap();
	}
	if (WIFEXITED(d.status))
		printf("exit %d\n", WEXITSTATUS(d.status));
	else if (WIFSIGNALED(d.status))
		printf("signal %d\n", WTERMSIG(d.status));
	if (d.timing)
		printf("elapsed exit ms=%ld\n", msec(&d.endat, &d.reapedat) < 0 ?
		    0 : msec(&d.endat, &d.reapedat));
}

/*
 * The largest resident size of the worker and the descendants it reaped
 * (KiB on Linux and the BSDs).  ru_maxrss is not POSIX, but every system
 * we build on has it.
 */
static void
maxrss(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		printf("maxrss=%ld\n", (long)ru.ru_maxrss);
}

static void
rmtree(const char *dir)
{
	pid_t p;
	int st;

	if ((p = fork()) == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	if (p > 0)
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
}

static long
number(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	char tmpl[4096], scratch[4200];
	const char *tmpdir;
	int c, i, made = 0;

	d.deadline = DEADLINE;
	while ((c = getopt(argc, argv, "1D:d:EGk:mpqrst:Uw:")) != -1) {
		switch (c) {
		case '1':
			d.dribble = 1;
			break;
		case 'D':
			d.delay = number(optarg, 0, 10000);
			break;
		case 'd':
			d.dir = optarg;
			break;
		case 'E':
			d.eofmid = 1;
			break;
		case 'G':
			d.garbage = 1;
			break;
		case 'k':
			d.killsig = (int)number(optarg, 1, 64);
			break;
		case 'm':
			d.timing = 1;
			break;
		case 'p':
			d.pipeline = 1;
			break;
		case 'q':
			d.quiet = 1;
			break;
		case 'r':
			d.rusage = 1;
			break;
		case 's':
			d.stdio = 1;
			break;
		case 't':
			d.deadline = number(optarg, 1, 86400);
			break;
		case 'U':
			d.unknown = 1;
			break;
		case 'w':
			d.cmd = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (d.dir == NULL) {
		if ((tmpdir = getenv("TMPDIR")) == NULL || *tmpdir == '\0')
			tmpdir = "/tmp";
		snprintf(tmpl, sizeof(tmpl), "%s/wdriver.XXXXXX", tmpdir);
		if (mkdtemp(tmpl) == NULL)
			fatal("mkdtemp %s:", tmpl);
		snprintf(scratch, sizeof(scratch), "%s/scratch", tmpl);
		d.dir = scratch;
		made = 1;
	}
	d.nruns = (size_t)argc;
	d.runs = xreallocarray(NULL, d.nruns, sizeof(*d.runs));
	for (i = 0; i < argc; i++) {
		memset(&d.runs[i], 0, sizeof(d.runs[i]));
		d.runs[i].path = argv[i];
	}
	d.dec = amp_dec_new();
	d.streams = streams_new((size_t)64 << 20);
	now(&d.start);
	spawn();
	if (d.unknown)
		sendbogus();
	sendstart();
	while (d.pipeline && d.nsent < d.nruns)
		sendrun();
	loop();
	finish();
	if (d.quiet)
		printf("TestWrites lines=%lu bytes=%lu\nTestWrite boxes=%lu\n",
		    d.nwrites, d.nwritebytes, d.nboxes);
	if (d.rusage)
		maxrss();
	if (made)
		rmtree(tmpl);
	amp_dec_free(d.dec);
	streams_free(d.streams);
	buf_free(&d.out);
	while (d.nheld > 0)
		free(d.held[--d.nheld].data);
	free(d.held);
	free(d.runs);
	if (d.shutfd >= 0)
		close(d.shutfd);
	close(d.sigpipe[0]);
	close(d.sigpipe[1]);
	if (fflush(stdout) == EOF || ferror(stdout))
		fatal("write error:");
	return d.errors != 0;
}
