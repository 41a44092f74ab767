/*
 * bench/relay.c: a link with latency, for bench/far.sh.
 *
 *	relay MS COMMAND [ARG...]
 *
 * Runs COMMAND with its stdin and stdout on pipes, and relays its
 * bytes to fd 4 and fd 3's bytes to it, as a --worker-command would
 * (fds 3/4 are the manager's AMP connection), each chunk held MS
 * milliseconds first, in order, each direction on its own: a worker
 * MS away from its manager each way.  An EOF is relayed late too;
 * the relay exits with COMMAND's status once both ways are done.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct chunk {
	long long due;		/* ms, when it may go */
	size_t len, off;	/* len 0: EOF */
	char *data;
	struct chunk *next;
};

/* One direction: from in to out, through a queue of chunks. */
struct way {
	int in, out;
	struct chunk *head, *tail;
	int done;		/* EOF read */
};

static long long
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
die(const char *what)
{
	fprintf(stderr, "relay: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void
hold(struct way *w, const char *p, size_t len, long long due)
{
	struct chunk *c = malloc(sizeof(*c));

	if (c == NULL || (len > 0 && (c->data = malloc(len)) == NULL))
		die("malloc");
	if (len > 0)
		memcpy(c->data, p, len);
	c->due = due;
	c->len = len;
	c->off = 0;
	c->next = NULL;
	if (w->tail != NULL)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
}

/* Reads what is there into the queue, due ms from now. */
static void
take(struct way *w, long long ms)
{
	char buf[65536];
	ssize_t n;

	n = read(w->in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		w->done = 1;
		n = 0;
	}
	hold(w, buf, (size_t)n, now() + ms);
}

/* Writes what is due; -1 once the way is over (its EOF passed on). */
static int
give(struct way *w)
{
	struct chunk *c;
	ssize_t n;

	while ((c = w->head) != NULL && c->due <= now()) {
		if (c->len == 0) {
			close(w->out);
			w->out = -1;
			return -1;
		}
		n = write(w->out, c->data + c->off, c->len - c->off);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)	/* the other end is gone: so is this way */
			return -1;
		c->off += (size_t)n;
		if (c->off < c->len)
			return 0;
		w->head = c->next;
		if (w->head == NULL)
			w->tail = NULL;
		free(c->data);
		free(c);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct way w[2];
	struct pollfd pfd[4];
	int to[2], from[2], st, i, alive = 2, ms;
	long long soonest;
	pid_t pid;

	if (argc < 3 || (ms = atoi(argv[1])) < 0) {
		fprintf(stderr, "usage: relay MS COMMAND [ARG...]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(to) < 0 || pipe(from) < 0)
		die("pipe");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		dup2(to[0], 0);
		dup2(from[1], 1);
		close(to[0]);
		close(to[1]);
		close(from[0]);
		close(from[1]);
		close(3);
		close(4);
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	close(to[0]);
	close(from[1]);
	memset(w, 0, sizeof(w));
	w[0].in = 3;		/* the manager's, to the command */
	w[0].out = to[1];
	w[1].in = from[0];	/* the command's, to the manager */
	w[1].out = 4;
	for (i = 0; i < 2; i++)
		fcntl(w[i].out, F_SETFL, fcntl(w[i].out, F_GETFL) | O_NONBLOCK);
	while (alive > 0) {
		soonest = -1;
		for (i = 0; i < 2; i++) {
			pfd[2 * i].fd = w[i].done || w[i].out < 0 ? -1 :
			    w[i].in;
			pfd[2 * i].events = POLLIN;
			pfd[2 * i + 1].fd = -1;
			pfd[2 * i + 1].events = POLLOUT;
			if (w[i].head == NULL || w[i].out < 0)
				continue;
			if (w[i].head->due <= now())
				pfd[2 * i + 1].fd = w[i].out;
			else if (soonest < 0 || w[i].head->due < soonest)
				soonest = w[i].head->due;
		}
		if (poll(pfd, 4, soonest < 0 ? -1 : (int)(soonest - now() >
		    0 ? soonest - now() : 0)) < 0 && errno != EINTR)
			die("poll");
		for (i = 0; i < 2; i++) {
			if (pfd[2 * i].fd >= 0 && pfd[2 * i].revents != 0)
				take(&w[i], ms);
			if (w[i].out >= 0 && give(&w[i]) < 0) {
				if (w[i].out >= 0)
					close(w[i].out);
				w[i].out = -1;
				alive--;
			}
		}
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
