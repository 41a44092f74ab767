/*
 * util.c: the ground floor.  warn(), fatal() and the checked allocators,
 * kept apart from main so that any module links alone into a unit test;
 * byte buffers; UTF-8 in one place; the clock, signal names and the kill
 * ladder; and the descriptor and signal helpers that the manager and the
 * worker share.  It knows nothing of the modules above it.
 */
/*
 * FreeBSD: procctl(2)'s and sysctl(3)'s headers need its BSD types
 * (u_int), which _POSIX_C_SOURCE hides; there, util.c sees everything.
 */
#ifndef __FreeBSD__
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/stat.h>
#include <sys/types.h>
#if defined(__linux__)
#include <sys/prctl.h>		/* Linux: the child subreaper */
#endif
#if defined(__FreeBSD__)
#include <sys/procctl.h>	/* FreeBSD: the reaper */
#include <sys/sysctl.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int sigfd[2] = { -1, -1 };
static volatile sig_atomic_t pending, overflow;
static int keptchild;		/* a SIGCHLD sigpipe_take was not asked for */
/*
 * sigpipe_openout: whether it watches stdout and stderr, their status
 * flags as they were (-1: closed), how many ticks in a row each was
 * found full, whether a tick made it non-blocking, and whether the ticks
 * have begun.
 */
static int watching, outflags[2] = { -1, -1 };
static volatile sig_atomic_t outfull[2], unblocked[2], ticking;

static void
vwarn(const char *fmt, va_list ap)
{
	size_t len = strlen(fmt);
	int saved = errno;

	fflush(stdout);
	fputs("disttrial: ", stderr);
	vfprintf(stderr, fmt, ap);
	if (len > 0 && fmt[len - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(RC_ERROR);
}

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		fatal("malloc:");
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		fatal("realloc:");
	}
	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = realloc(p, n * size)) == NULL)
		fatal("realloc:");
	return p;
}

void *
xgrow(void *p, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t c = *cap;

	if (n <= c && p != NULL)
		return p;
	if (c == 0)
		c = first > 0 ? first : 1;
	while (c < n)
		c = c > SIZE_MAX / 2 ? n : c * 2;
	p = xreallocarray(p, c, size);
	*cap = c;
	return p;
}

FILE *
scratchfile(void)
{
	FILE *f;

	if ((f = tmpfile()) != NULL)
		fdflags(fileno(f), FD_CLOEXEC, 0);
	return f;
}

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
}

char *
pathjoin(const char *dir, const char *name)
{
	size_t len = strlen(dir);
	char *p;

	p = xmalloc(len + strlen(name) + 2);
	sprintf(p, "%s%s%s", dir, len > 0 && dir[len - 1] == '/' ? "" : "/",
	    name);
	return p;
}

/*
 * A target is replaced when it is a regular file or nothing; anything
 * else (a symbolic link, a device, a FIFO) is written in place.  What
 * lstat cannot look at goes the scratch file's way, whose failure says
 * why.
 */
static int
replaceable(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 || S_ISREG(st.st_mode);
}

/*
 * The scratch file beside r->path: made by mkstemp (O_CREAT|O_EXCL, so
 * a link planted at its name is never followed, under a name no one can
 * guess), close-on-exec, with the mode a new file would get (mkstemp's
 * is 0600).  Its descriptor, or -1 with errno set and no file left.
 */
static int
scratch(struct replace *r)
{
	mode_t mask;
	int fd, e;

	r->tmp = xmalloc(strlen(r->path) + sizeof(".tmpXXXXXX"));
	sprintf(r->tmp, "%s.tmpXXXXXX", r->path);
	if ((fd = mkstemp(r->tmp)) < 0)
		goto fail;
	fdflags(fd, FD_CLOEXEC, 0);
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) == 0)
		return fd;
	e = errno;
	close(fd);
	unlink(r->tmp);
	errno = e;
fail:
	free(r->tmp);
	r->tmp = NULL;
	return -1;
}

/*
 * The target itself, as a shell's > opens it, but never blocking: a FIFO
 * with no reader is ENXIO, not a hang.  A regular file (a link led
 * there) is truncated; a device or a FIFO is not.
 */
static int
inplace(const char *path)
{
	struct stat st;
	int fd, fl, e;

	if ((fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK)) < 0)
		return -1;
	fdflags(fd, FD_CLOEXEC, 0);
	if (fstat(fd, &st) < 0 ||
	    (S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) ||
	    (fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
replace_open(struct replace *r, const char *path)
{
	int fd, e;

	r->path = path;
	r->tmp = NULL;
	r->f = NULL;
	fd = replaceable(path) ? scratch(r) : inplace(path);
	if (fd < 0)
		return -1;
	if ((r->f = fdopen(fd, "w")) != NULL)
		return 0;
	e = errno;
	close(fd);
	if (r->tmp != NULL)
		unlink(r->tmp);
	free(r->tmp);
	r->tmp = NULL;
	errno = e;
	return -1;
}

int
replace_close(struct replace *r)
{
	int bad, e;

	bad = fflush(r->f) == EOF || ferror(r->f);
	if (fclose(r->f) == EOF || bad ||
	    (r->tmp != NULL && rename(r->tmp, r->path) < 0)) {
		e = errno;
		if (r->tmp != NULL)
			unlink(r->tmp);
		errno = e;
		bad = 1;
	}
	free(r->tmp);
	r->tmp = NULL;
	r->f = NULL;
	return bad ? -1 : 0;
}

int
replace_check(const char *path)
{
	struct replace r;
	struct stat st;
	int fd;

	if (!replaceable(path)) {
		if (stat(path, &st) < 0)
			return -1;
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			return -1;
		}
		return access(path, W_OK);
	}
	r.path = path;
	if ((fd = scratch(&r)) < 0)
		return -1;
	close(fd);
	unlink(r.tmp);
	free(r.tmp);
	return 0;
}

char *
xmemdup(const void *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		fatal("xmemdup: size overflow");
	s = xmalloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

void
buf_reserve(struct buf *b, size_t n)
{
	/* Once reserved, data is never NULL: p + 0 is defined for callers. */
	if (b->cap - b->len >= n && b->data != NULL)
		return;
	if (n > (size_t)-1 - b->len)
		fatal("buffer size overflow");
	b->data = xgrow(b->data, &b->cap, b->len + n, 1, 256);
}

void
buf_add(struct buf *b, const void *p, size_t len)
{
	if (len == 0)
		return;
	buf_reserve(b, len);
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

void
buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, int c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = (unsigned char)c;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

int
buf_write(int fd, struct buf *b)
{
	ssize_t n;

	if ((n = write(fd, b->data, b->len)) < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	buf_consume(b, (size_t)n);
	return b->len == 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/*
 * The length of the well-formed UTF-8 sequence at p, or 0 and in *bad
 * the length of its maximal ill-formed start (Unicode's "maximal
 * subpart"), which becomes one U+FFFD, as Python's "replace" does.
 * Overlong forms, surrogates and code points past U+10FFFF are invalid.
 */
static size_t
utf8seq(const unsigned char *p, size_t len, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3;
	else {
		*bad = 1;
		return 0;
	}
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	for (i = 1; i <= need; i++) {
		if (i >= len || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* Past the ASCII bytes from i on, eight at a time where it can. */
static size_t
ascii(const unsigned char *p, size_t len, size_t i)
{
	uint64_t w;

	for (; len - i >= 8; i += 8) {
		memcpy(&w, p + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

int
utf8_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, n, bad;

	while ((i = ascii(p, len, i)) < len) {
		if ((n = utf8seq(p + i, len - i, &bad)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

void
utf8_repair(struct buf *out, const unsigned char *p, size_t len)
{
	size_t i = 0, start = 0, n, bad;

	buf_reserve(out, len);
	while ((i = ascii(p, len, i)) < len) {
		if ((n = utf8seq(p + i, len - i, &bad)) != 0) {
			i += n;
			continue;
		}
		buf_add(out, p + start, i - start);
		buf_add(out, "\xef\xbf\xbd", 3);
		i += bad;
		start = i;
	}
	buf_add(out, p + start, i - start);
}

/*
 * While p[n] (the first byte left out) is a continuation byte
 * (10xxxxxx), step back, at most 3 times: a longer run is not UTF-8
 * anyway and is cut where it stands.
 */
size_t
utf8_cut(const unsigned char *p, size_t len, size_t max)
{
	size_t n = max, back;

	if (len <= max)
		return len;
	for (back = 0; back < 3 && back < n && (p[n - back] & 0xc0) == 0x80;
	    back++)
		;
	if (back < 3 || (p[n - back] & 0xc0) != 0x80)
		n -= back;
	return n;
}

size_t
utf8_count(const unsigned char *p, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Counts lead bytes: the span ends before the lead of code point n + 1. */
size_t
utf8_span(const unsigned char *p, size_t len, size_t n)
{
	size_t i, seen = 0;

	for (i = 0; i < len; i++)
		if ((p[i] & 0xc0) != 0x80 && ++seen > n)
			break;
	return i;
}

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

const char *
signame(int sig)
{
	size_t i;

	for (i = 0; i < countof(signames); i++)
		if (signames[i].sig == sig)
			return signames[i].name;
	return "unknown";
}

void
ladder_start(struct ladder *l, long long delay)
{
	l->rung = 0;
	l->due = now_ms() + delay;
}

int
ladder_due(struct ladder *l, long long now)
{
	if (l->due == 0 || now < l->due)
		return 0;
	if (++l->rung == 1) {
		l->due = now + LADDER_GRACEMS;
		return SIGTERM;
	}
	l->due = 0;
	return SIGKILL;
}

void
fdflags(int fd, int fdflag, int flflag)
{
	int f;

	/* FD_CLOEXEC is the only descriptor flag: it is set, not added. */
	if (fdflag != 0 && fcntl(fd, F_SETFD, fdflag) < 0)
		fatal("fcntl:");
	if (flflag == 0)
		return;
	if ((f = fcntl(fd, F_GETFL)) < 0 ||
	    ((f & flflag) != flflag && fcntl(fd, F_SETFL, f | flflag) < 0))
		fatal("fcntl:");
}

static void
onsignal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (sig != SIGCHLD) {
		pending = sig;
		if (watching && !ticking) {
			ticking = 1;
			alarm(1);
		}
	}
	if (write(sigfd[1], &c, 1) < 0)
		overflow = 1;	/* full: a wakeup is pending anyway */
	errno = saved;
}

/*
 * sigpipe_openout's tick, each second once a stop signal came: stdout
 * or stderr that has no room at two ticks in a row has a reader that
 * takes nothing (a paused less), and is made non-blocking, so that the
 * write waiting on it fails when it is restarted, and no later write
 * waits.  A reader that keeps up gets the rest of the report.  poll,
 * fcntl and alarm are async-signal-safe.
 */
static void
ontick(int sig)
{
	struct pollfd pfd;
	int saved = errno, i, more = 0;

	(void)sig;
	for (i = 0; i < 2; i++) {
		if (outflags[i] < 0 || (outflags[i] & O_NONBLOCK) != 0 ||
		    unblocked[i])
			continue;
		pfd.fd = i + 1;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) != 0)
			outfull[i] = 0;
		else if (++outfull[i] >= 2 &&
		    fcntl(i + 1, F_SETFL, outflags[i] | O_NONBLOCK) == 0)
			unblocked[i] = 1;
		more |= !unblocked[i];
	}
	if (more)
		alarm(1);
	errno = saved;
}

void
sigpipe_open(const int *sigs, int nsigs, int fds[2])
{
	struct sigaction sa, old;
	int i;

	if (pipe(sigfd) < 0)
		fatal("pipe:");
	for (i = 0; i < 2; i++) {
		fdflags(sigfd[i], FD_CLOEXEC, O_NONBLOCK);
		fds[i] = sigfd[i];
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = onsignal;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	for (i = 0; i < nsigs; i++) {
		/* Ignored when we started (nohup, a background job): stays so. */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

void
sigpipe_openout(const int *sigs, int nsigs, int fds[2])
{
	struct sigaction sa;
	sigset_t alrm;
	int i;

	/* The tick is the manager's own: whatever SIGALRM was, it is caught. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = ontick;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	for (i = 0; i < 2; i++)
		outflags[i] = fcntl(i + 1, F_GETFL);
	watching = 1;
	atexit(sigpipe_restore);
	sigpipe_open(sigs, nsigs, fds);
}

void
sigpipe_restore(void)
{
	int i;

	alarm(0);
	for (i = 0; i < 2; i++)
		if (unblocked[i]) {
			fcntl(i + 1, F_SETFL, outflags[i]);
			unblocked[i] = 0;
		}
}

int
sigpipe_caught(void)
{
	return pending;
}

int
sigpipe_take(int *child)
{
	unsigned char got[64];
	ssize_t n, i;
	int sig = 0, c = 0;

	/*
	 * Each byte is a signal's number, so nothing that came is lost
	 * between reading a flag and clearing it.  A short read has
	 * emptied the pipe: no read is wasted on EAGAIN.  Signals whose
	 * bytes did not fit count too.
	 */
	do {
		n = read(sigfd[0], got, sizeof(got));
		for (i = 0; i < n; i++) {
			if (got[i] == SIGCHLD)
				c = 1;
			else
				sig = got[i];
		}
	} while (n == (ssize_t)sizeof(got));
	if (overflow) {
		overflow = 0;
		c = 1;
		if (sig == 0)
			sig = pending;
	}
	c |= keptchild;
	keptchild = child == NULL && c;
	if (child != NULL)
		*child = c;
	return sig;
}

/*
 * The reaper.  Each system that has one gets its branch below; elsewhere
 * there is none, and a caller has only its process groups.
 */
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
#define REAP_LINUX
#elif defined(__FreeBSD__) && defined(PROC_REAP_ACQUIRE)
#define REAP_FREEBSD
#endif

#if defined(REAP_LINUX) || defined(REAP_FREEBSD)
static void
addpid(pid_t **pids, size_t *n, size_t *cap, long v)
{
	*pids = xgrow(*pids, cap, *n + 1, sizeof(**pids), 16);
	(*pids)[(*n)++] = (pid_t)v;
}
#endif

#if defined(REAP_LINUX)
/*
 * Linux (3.4 on): PR_SET_CHILD_SUBREAPER.  The orphans a subreaper
 * adopts become its children, so its descendants are its children and
 * theirs, down the tree.  A thread's children are listed in
 * /proc/PID/task/TID/children (3.5 on, where the kernel is built with
 * CONFIG_PROC_CHILDREN, as Debian's and Fedora's are): the walk reads
 * one such file a process (a file a thread), never the whole machine.
 * The file is exact for a parent's children that do not change while
 * it is read, as this process's do not (they are added only, and
 * removed only by its own waits); deeper down it may miss a process
 * that moves while it is read, which the next look finds as this
 * process's child.  Without the file, the fallback reads the stat file
 * of every numeric directory of /proc for its parent's pid: the whole
 * machine, but only on a kernel that gives no other way.
 */
enum {
	PROC_NONE,
	PROC_CHILDREN,	/* /proc/PID/task/TID/children */
	PROC_SCAN,	/* every /proc/PID/stat */
};
static int procmode = PROC_NONE;
static char selfkids[64];	/* this process's children file */

/* Reads the pids in a children file ("12 34 ") into the list. */
static int
readpids(const char *path, pid_t **pids, size_t *n, size_t *cap)
{
	char chunk[4096];
	ssize_t got, i;
	long v = -1;
	int fd;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			close(fd);
			return -1;
		}
		for (i = 0; i < got; i++) {
			if (chunk[i] >= '0' && chunk[i] <= '9' && v < 100000000)
				v = (v < 0 ? 0 : v * 10) + (chunk[i] - '0');
			else if (v >= 0) {
				addpid(pids, n, cap, v);
				v = -1;
			}
		}
	}
	if (v >= 0)
		addpid(pids, n, cap, v);
	close(fd);
	return 0;
}

/*
 * Appends pid's children: those of each of its threads.  A process that
 * is gone has none.
 */
static int
childrenof(pid_t pid, pid_t **pids, size_t *n, size_t *cap)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT || errno == ESRCH ? 0 : -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.20s/children",
		    (long)pid, e->d_name);
		if (readpids(path, pids, n, cap) < 0 && errno != ENOENT &&
		    errno != ESRCH) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/*
 * A process's state letter and its parent's pid, from /proc/PID/stat:
 * "pid (comm) S ppid ...", where comm may hold spaces and parentheses;
 * its comm too if comm is not NULL (room for 64 bytes).
 */
static int
procstat(long pid, char *state, long *ppid, char *comm)
{
	char path[64], text[512], *lp, *rp;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	while ((got = read(fd, text, sizeof(text) - 1)) < 0 && errno == EINTR)
		;
	close(fd);
	if (got <= 0)
		return -1;
	text[got] = '\0';
	if ((lp = strchr(text, '(')) == NULL ||
	    (rp = strrchr(text, ')')) == NULL || rp < lp ||
	    sscanf(rp + 1, " %c %ld", state, ppid) != 2)
		return -1;
	if (comm != NULL)
		snprintf(comm, 64, "%.*s", (int)(rp - lp - 1), lp + 1);
	return 0;
}

/*
 * The fallback: every process's parent, read from the whole of /proc;
 * except is left out, and so are its descendants.
 */
static int
scan(pid_t **pids, size_t *n, size_t *cap, pid_t except)
{
	struct { long pid, ppid; } *all = NULL;
	size_t nall = 0, allcap = 0, i, j, had;
	struct dirent *e;
	long pid, ppid, self = (long)getpid();
	char *end, state;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		pid = strtol(e->d_name, &end, 10);
		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end != '\0' ||
		    pid == (long)except ||
		    procstat(pid, &state, &ppid, NULL) < 0)
			continue;	/* not a process, or gone meanwhile */
		all = xgrow(all, &allcap, nall + 1, sizeof(*all), 256);
		all[nall].pid = pid;
		all[nall++].ppid = ppid;
	}
	closedir(d);
	/* Each round takes the children of what was taken before it. */
	do {
		had = *n;
		for (i = 0; i < nall; i++) {
			if (all[i].pid == 0)
				continue;
			for (j = 0; j < had && (*pids)[j] != all[i].ppid; j++)
				;
			if (all[i].ppid == self || j < had) {
				addpid(pids, n, cap, all[i].pid);
				all[i].pid = 0;
			}
		}
	} while (*n > had);
	free(all);
	return 0;
}

int
reaper_acquire(void)
{
	/* This program has one thread, whose id is its pid (STYLE.md). */
	snprintf(selfkids, sizeof(selfkids), "/proc/self/task/%ld/children",
	    (long)getpid());
	if (access(selfkids, R_OK) == 0)
		procmode = PROC_CHILDREN;
	else if (access("/proc/self/stat", R_OK) == 0)
		procmode = PROC_SCAN;
	else
		return 0;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1UL, 0UL, 0UL, 0UL) < 0) {
		procmode = PROC_NONE;
		return 0;
	}
	return 1;
}

ssize_t
reaper_list(pid_t **pids, size_t *cap, pid_t except)
{
	size_t n = 0, i, k;

	if (procmode == PROC_SCAN)
		return scan(pids, &n, cap, except) < 0 ? -1 : (ssize_t)n;
	if (procmode != PROC_CHILDREN) {
		errno = ENOSYS;
		return -1;
	}
	if (readpids(selfkids, pids, &n, cap) < 0)
		return -1;
	for (i = k = 0; i < n; i++)
		if ((*pids)[i] != except)
			(*pids)[k++] = (*pids)[i];
	for (i = 0, n = k; i < n; i++)
		if (childrenof((*pids)[i], pids, &n, cap) < 0)
			return -1;
	return (ssize_t)n;
}

int
reaper_name(pid_t pid, struct buf *out, size_t max)
{
	struct timespec ms = { 0, 1000000 };
	char path[64], comm[64], state;
	size_t start = out->len, i;
	ssize_t got = 0;
	long ppid;
	int fd, try;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	buf_reserve(out, max);
	/*
	 * A process in the middle of an exec has no arguments for a few
	 * microseconds: it is asked again, a millisecond apart, for a
	 * while.  None at all (a kernel thread's) is shown as ps shows it.
	 */
	for (try = 0; try < 20; try++) {
		if (procstat(pid, &state, &ppid, comm) < 0 || state == 'Z' ||
		    state == 'X' || (fd = open(path, O_RDONLY)) < 0)
			return -1;
		while ((got = read(fd, out->data + out->len, max)) < 0 &&
		    errno == EINTR)
			;
		close(fd);
		if (got != 0)
			break;
		nanosleep(&ms, NULL);
	}
	if (got < 0)
		return -1;
	/* Its arguments end in NULs: they are joined by spaces. */
	while (got > 0 && out->data[out->len + (size_t)got - 1] == '\0')
		got--;
	for (i = 0; i < (size_t)got; i++)
		if (out->data[out->len + i] == '\0')
			out->data[out->len + i] = ' ';
	out->len += (size_t)got;
	if (out->len == start) {	/* none, as a kernel thread: ps's way */
		buf_addc(out, '[');
		buf_addstr(out, comm);
		buf_addc(out, ']');
	}
	return 0;
}

#elif defined(REAP_FREEBSD)
/*
 * FreeBSD (10.2 on): procctl(PROC_REAP_ACQUIRE).  A reaper keeps the
 * list of its descendants itself, however they were reparented, and
 * PROC_REAP_GETPIDS hands it over in one call, each marked if it is the
 * reaper's own child; sysctl(KERN_PROC_ARGS) gives a command line.
 * None of this was built on FreeBSD by the tests of this tree, which
 * run on Linux: read it against procctl(2) before trusting it.
 */
int
reaper_acquire(void)
{
	/* EBUSY: this process is a reaper already. */
	return procctl(P_PID, getpid(), PROC_REAP_ACQUIRE, NULL) == 0 ||
	    errno == EBUSY;
}

ssize_t
reaper_list(pid_t **pids, size_t *cap, pid_t except)
{
	struct procctl_reaper_status rs;
	struct procctl_reaper_pids rp;
	struct procctl_reaper_pidinfo *pi = NULL;
	size_t room, n = 0, i;
	int pass, child;

	/* Room for those counted and a few more: they may be forking. */
	do {
		if (procctl(P_PID, getpid(), PROC_REAP_STATUS, &rs) < 0)
			goto fail;
		room = (size_t)rs.rs_descendants + 16;
		pi = xreallocarray(pi, room, sizeof(*pi));
		memset(pi, 0, room * sizeof(*pi));
		memset(&rp, 0, sizeof(rp));
		rp.rp_count = (u_int)room;
		rp.rp_pids = pi;
		if (procctl(P_PID, getpid(), PROC_REAP_GETPIDS, &rp) < 0)
			goto fail;
	} while (pi[room - 1].pi_flags & REAPER_PIDINFO_VALID);
	/* Its own children first (pass 0), as the contract says. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < room; i++) {
			child = (pi[i].pi_flags & REAPER_PIDINFO_CHILD) != 0;
			if ((pi[i].pi_flags & REAPER_PIDINFO_VALID) &&
			    child == (pass == 0) && pi[i].pi_pid != except &&
			    pi[i].pi_subtree != except)
				addpid(pids, &n, cap, pi[i].pi_pid);
		}
	free(pi);
	return (ssize_t)n;
fail:
	free(pi);
	return -1;
}

int
reaper_name(pid_t pid, struct buf *out, size_t max)
{
	int mib[4] = { CTL_KERN, KERN_PROC, KERN_PROC_ARGS, (int)pid };
	size_t len = 0, i;

	/*
	 * A zombie is refused (ESRCH); a process on its way out has no
	 * arguments left: either is gone.
	 */
	if (sysctl(mib, 4, NULL, &len, NULL, 0) < 0)
		return -1;
	buf_reserve(out, len);
	if (sysctl(mib, 4, out->data + out->len, &len, NULL, 0) < 0 ||
	    len == 0)
		return -1;
	len = len < max ? len : max;
	while (len > 0 && out->data[out->len + len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++)
		if (out->data[out->len + i] == '\0')
			out->data[out->len + i] = ' ';
	out->len += len;
	return 0;
}

#else
/* Any other system: no reaper, only process groups. */
int
reaper_acquire(void)
{
	return 0;
}

ssize_t
reaper_list(pid_t **pids, size_t *cap, pid_t except)
{
	(void)pids;
	(void)cap;
	(void)except;
	errno = ENOSYS;
	return -1;
}

int
reaper_name(pid_t pid, struct buf *out, size_t max)
{
	(void)pid;
	(void)out;
	(void)max;
	return -1;
}
#endif
