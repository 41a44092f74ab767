/* util.h: diagnostics and checked allocation, shared by every module. */
#include <stddef.h>

enum {
	RC_OK = 0,		/* nothing failed or errored */
	RC_FAILED = 1,		/* a test failed or errored */
	RC_ERROR = 2,		/* bad usage, or disttrial could not run */
};

/* Print "disttrial: message"; a format ending in ':' adds strerror(errno). */
void warn(const char *fmt, ...);
void fatal(const char *fmt, ...);

void *xmalloc(size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t len);	/* adds a NUL */

/* Adds descriptor flags (FD_CLOEXEC) and status flags (O_NONBLOCK) to fd. */
void fdflags(int fd, int fdflag, int flflag);

/*
 * The self-pipe.  SIGCHLD and each of sigs write a byte into a
 * non-blocking, close-on-exec pipe, whose ends go in fds (poll the
 * first); SIGPIPE is ignored.  sigpipe_take empties the pipe and returns
 * the last signal other than SIGCHLD since it was last called, or 0.
 */
void sigpipe_open(const int *sigs, int nsigs, int fds[2]);
int sigpipe_take(void);
