/*
 * t/fuzz/manager.c: a libFuzzer target over the manager's side of a
 * worker (make fuzz): the input is what a worker sends, fed to a worker
 * adopted on a socketpair with a Run in flight, read and answered as in
 * a run, and then the connection closes.  Seeds in t/fuzz/seeds/manager
 * are recorded transcripts of real workers, ours and Twisted's.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../reporter.h"
#include "../../util.h"
#include "../../worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct worker_cfg cfg;
static char tempdir[64];

static void
setup(void)
{
	FILE *devnull;

	snprintf(tempdir, sizeof(tempdir), "/tmp/disttrial-fuzz.%ld",
	    (long)getpid());
	if (mkdir(tempdir, 0777) < 0 && errno != EEXIST)
		abort();
	if ((devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	signal(SIGPIPE, SIG_IGN);	/* the worker's side may be gone */
	cfg.tempdir = tempdir;
	cfg.rep = reporter_new(devnull, "tree", 0);
	cfg.logfd = fileno(devnull);
}

/* Reads and drops what the manager answered. */
static void
drain(int fd)
{
	char junk[65536];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct worker *w;
	size_t off = 0;
	ssize_t n;
	int sv[2], rounds = 0;

	if (cfg.rep == NULL)
		setup();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	fdflags(sv[1], FD_CLOEXEC, O_NONBLOCK);
	w = worker_adopt(&cfg, 0, sv[0]);
	worker_run(w, "t/a.t", 1, 0);
	worker_run(w, "t/b.t", 1, 1);	/* queued ahead behind it */
	while (off < size && w->state != WORKER_DYING && rounds++ < 100000) {
		if ((n = write(sv[1], data + off, size - off)) > 0)
			off += (size_t)n;
		worker_io(w, POLLIN | POLLOUT);
		drain(sv[1]);
	}
	close(sv[1]);
	while (w->state != WORKER_DYING && w->state != WORKER_GONE &&
	    rounds++ < 200000)
		worker_io(w, POLLIN | POLLOUT);
	worker_free(w);
	/* Nothing of one input lingers into the next. */
	reporter_stop(cfg.rep, 0);
	reporter_reset(cfg.rep);
	return 0;
}
