/*
 * util.c: warn(), fatal() and the checked allocators, kept apart from
 * main so that any module links alone into a unit test; and the few
 * descriptor and signal helpers that the manager and the worker share.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static int sigfd[2] = { -1, -1 };
static volatile sig_atomic_t pending;

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

char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s));
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
fdflags(int fd, int fdflag, int flflag)
{
	int f;

	if ((f = fcntl(fd, F_GETFD)) < 0 || fcntl(fd, F_SETFD, f | fdflag) < 0)
		fatal("fcntl:");
	if ((f = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, f | flflag) < 0)
		fatal("fcntl:");
}

static void
onsignal(int sig)
{
	int saved = errno;
	unsigned char c = (unsigned char)sig;

	if (sig != SIGCHLD)
		pending = sig;
	if (write(sigfd[1], &c, 1) < 0) {
		/* the pipe is full: a wakeup is pending anyway */
	}
	errno = saved;
}

void
sigpipe_open(const int *sigs, int nsigs, int fds[2])
{
	struct sigaction sa;
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
	for (i = 0; i < nsigs; i++)
		sigaction(sigs[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int
sigpipe_take(void)
{
	unsigned char junk[64];
	int sig;

	while (read(sigfd[0], junk, sizeof(junk)) > 0)
		;
	sig = pending;
	pending = 0;
	return sig;
}
