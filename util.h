/*
 * util.h: the ground floor, shared by every module: diagnostics, checked
 * allocation, byte buffers, paths and files written whole, UTF-8, the
 * monotonic clock, signal names, the kill ladder, the self-pipe and the
 * reaper.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>

enum {
	RC_OK = 0,		/* nothing failed or errored */
	RC_FAILED = 1,		/* a test failed or errored */
	RC_ERROR = 2,		/* bad usage, or disttrial could not run */
};

/*
 * fatal() does not return: compilers that can be told so are, so that
 * static analysis reads no path past it.
 */
#if defined(__GNUC__) || defined(__clang__)
#define UTIL_NORETURN __attribute__((__noreturn__))
#else
#define UTIL_NORETURN
#endif

/* Print "disttrial: message"; a format ending in ':' adds strerror(errno). */
void warn(const char *fmt, ...);
void fatal(const char *fmt, ...) UTIL_NORETURN;

#define countof(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
/*
 * An array p of *cap items of size bytes, grown to hold at least n: its
 * room doubles, from first when it has none.  Returns the array.
 */
void *xgrow(void *p, size_t *cap, size_t n, size_t size, size_t first);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t len);	/* adds a NUL */
char *pathjoin(const char *dir, const char *name);	/* "dir/name" */
/* tmpfile(), close-on-exec: no worker or test started later holds it. */
FILE *scratchfile(void);

/*
 * A file written whole, then renamed over path, so that no reader sees
 * it half written: replace_open opens a scratch file beside path, made
 * exclusively under a name no one can guess (a link planted beside path
 * is never followed), close-on-exec; replace_close closes it and renames
 * it over path.  Only a regular file (or nothing) is replaced: anything
 * else at path (a symbolic link, a device such as /dev/null, a FIFO) is
 * opened and written in place, as a shell's > would, except that a FIFO
 * with no reader is an error (ENXIO), not a wait.  Each returns -1
 * (errno set) on failure, and then no scratch file is left.
 * replace_check says, writing nothing, whether path could be written now.
 */
struct replace {
	FILE *f;
	char *tmp;		/* the scratch file; NULL: path, in place */
	const char *path;
};
int replace_open(struct replace *r, const char *path);
int replace_close(struct replace *r);
int replace_check(const char *path);

struct buf {
	unsigned char *data;
	size_t len, cap;
};

/* Room for n more bytes; data is not NULL after it, even for n = 0. */
void buf_reserve(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addc(struct buf *b, int c);
void buf_consume(struct buf *b, size_t n);	/* drop n bytes from the front */
void buf_free(struct buf *b);
/*
 * One write of what b holds to fd, and what went is dropped: 1 if all
 * went, 0 if some is left (fd is full, or the write was interrupted:
 * wait for POLLOUT), -1 on an error, errno saying which.
 */
int buf_write(int fd, struct buf *b);

/*
 * UTF-8 as Python decodes it: overlong forms, surrogates and code points
 * past U+10FFFF are invalid; repairing replaces each maximal ill-formed
 * subpart with one U+FFFD, as Python's "replace" does.
 */
int utf8_valid(const unsigned char *p, size_t len);
void utf8_repair(struct buf *out, const unsigned char *p, size_t len);
/* The length of at most max bytes of p that ends on a character boundary. */
size_t utf8_cut(const unsigned char *p, size_t len, size_t max);
/* Code points in p (Python's len() of the decoded string). */
size_t utf8_count(const unsigned char *p, size_t len);
/* The bytes of p's first n code points. */
size_t utf8_span(const unsigned char *p, size_t len, size_t n);

/*
 * The failClass and errorClass of every result: classes that any Python 3
 * with Twisted can import, since Twisted's manager imports them by name.
 * The kind of problem (a bad plan, a signal, a bail out, ...) is named in
 * the first line of the result's text.
 */
#define CLASS_FAIL	"twisted.trial.unittest.FailTest"
#define CLASS_TIMEOUT	"builtins.TimeoutError"
#define CLASS_SIGNAL	"builtins.ChildProcessError"
#define CLASS_HARD	"builtins.RuntimeError"	/* exit 99, a bail out, ... */
#define CLASS_BADTAP	"builtins.ValueError"	/* a bad plan or TAP */
#define CLASS_EXEC	"builtins.OSError"	/* cannot start or execute */
#define CLASS_LOST	"builtins.ConnectionError"	/* a worker gone */
#define CLASS_NAME	"builtins.UnicodeError"	/* a name not UTF-8 */
#define CLASS_LEAK	"builtins.ResourceWarning"	/* left running */
#define BAIL_PREFIX	"Bail out!"	/* a bail out's text begins so */

long long now_ms(void);		/* the monotonic clock, in milliseconds */
long long now_us(void);		/* and in microseconds */
const char *signame(int sig);	/* "SIGTERM"; "unknown" if not known */

/*
 * The kill ladder, the same for a test's process group and a worker's:
 * SIGTERM when it is due, SIGKILL LADDER_GRACEMS later.
 */
#define LADDER_GRACEMS 1000
struct ladder {
	int rung;		/* 0: nothing sent; 1: SIGTERM; 2: SIGKILL */
	long long due;		/* ms, when the next rung is; 0: none */
};
void ladder_start(struct ladder *l, long long delay);	/* SIGTERM in delay ms */
/* The signal due now (and the next rung set), or 0 for none yet. */
int ladder_due(struct ladder *l, long long now);

/*
 * Sets FD_CLOEXEC (fdflag) and adds status flags (O_NONBLOCK) to fd, with
 * no call for what is 0 or already set.
 */
void fdflags(int fd, int fdflag, int flflag);

/*
 * The self-pipe.  SIGCHLD and each of sigs write a byte into a
 * non-blocking, close-on-exec pipe, whose ends go in fds (poll the
 * first); a signal of sigs that was ignored stays ignored, as in make
 * and sh; SIGPIPE is ignored.  sigpipe_take empties the pipe and returns
 * the last signal other than SIGCHLD since it was last called, or 0; if
 * child is not NULL, *child says whether SIGCHLD came since it was last
 * asked (and it is forgotten), so that only then is anything reaped.
 */
void sigpipe_open(const int *sigs, int nsigs, int fds[2]);
int sigpipe_take(int *child);

/*
 * The reaper.  reaper_acquire makes this process adopt each orphan among
 * its descendants, as init would, so that nothing a child starts gets
 * away by leaving its process group or session (a daemon's fork, setsid,
 * fork): Linux's child subreaper, FreeBSD's reaper (util.c).  It returns
 * 0 where the system has neither or where the descendants cannot be
 * listed: then a caller has only its process groups.
 *
 * For a process with one thread, reaper_list puts the pids of its
 * descendants, the living and the zombies not yet reaped, its own
 * children first, in *pids (an array of *cap, grown as xgrow does) and
 * returns how many, or -1 (errno set) if they cannot be listed now (no
 * descriptor left, say).  Its child except (a zombie kept on purpose)
 * is left out, with all under it.  reaper_name appends at most max bytes
 * of a living process's command line to out, its arguments joined by
 * spaces ("[comm]" as ps shows one that has none): 0, or -1 if the
 * process is gone or a zombie.
 */
int reaper_acquire(void);
ssize_t reaper_list(pid_t **pids, size_t *cap, pid_t except);
int reaper_name(pid_t pid, struct buf *out, size_t max);

/*
 * The manager's sigpipe_open: once one of sigs (the signals that stop a
 * run) came, the report is still written to a reader that takes it, but
 * not to one that takes nothing, such as a paused less: stdout or
 * stderr found full at two ticks a second apart (SIGALRM) is made
 * non-blocking, which ends the write that waits on it (a stream error
 * then: no write error) and any later one.  sigpipe_restore gives them
 * back their flags and stops the ticks, at exit too; call it before
 * dying by the signal.
 */
void sigpipe_openout(const int *sigs, int nsigs, int fds[2]);
void sigpipe_restore(void);
/* The last of sigs that came since sigpipe_open, or 0; it stays. */
int sigpipe_caught(void);
