/*
 * t/lib/slowpipe.c: slowpipe BYTES MS copies its stdin to its stdout in
 * bursts of up to BYTES (a burst ends early when nothing comes for 50
 * ms), each followed by a pause of MS milliseconds.  It is a slow link
 * (a busy manager, a slow ssh) between a worker and its manager: during
 * each pause the worker's output is held back.  It ends at EOF, or when
 * its reader is gone.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char chunk[4 << 20];

/* Reads up to max bytes, until nothing comes for 50 ms. */
static ssize_t
burst(size_t max)
{
	struct pollfd p = { 0, POLLIN, 0 };
	size_t len = 0;
	ssize_t n;

	while (len < max) {
		if ((n = read(0, chunk + len, max - len)) < 0 && errno == EINTR)
			continue;
		/* Its stdin may be shared with a non-blocking fd, too. */
		if (n < 0 && errno == EAGAIN && len == 0) {
			poll(&p, 1, -1);
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return len > 0 ? (ssize_t)len : n;
		len += (size_t)n;
		if (poll(&p, 1, 50) != 1)
			break;
	}
	return (ssize_t)len;
}

int
main(int argc, char **argv)
{
	struct pollfd out = { 1, POLLOUT, 0 };
	struct timespec tick;
	long bytes, ms;
	ssize_t n, off, w;

	if (argc != 3 || (bytes = atol(argv[1])) <= 0 ||
	    bytes > (long)sizeof(chunk) || (ms = atol(argv[2])) < 0) {
		fputs("usage: slowpipe bytes ms\n", stderr);
		return 2;
	}
	tick.tv_sec = ms / 1000;
	tick.tv_nsec = (ms % 1000) * 1000000L;
	for (;;) {
		if ((n = burst((size_t)bytes)) <= 0)
			return n < 0;
		for (off = 0; off < n; off += w)
			if ((w = write(1, chunk + off, (size_t)(n - off))) < 0) {
				/* The socket may be shared with a non-blocking fd. */
				if (errno == EAGAIN)
					poll(&out, 1, -1);
				else if (errno != EINTR)
					return 1;
				w = 0;
			}
		nanosleep(&tick, NULL);
	}
}
