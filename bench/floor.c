/*
 * bench/floor.c: the floor a test runner is measured against: runs each
 * test named on stdin (one path a line), JOBS at a time, as fork, exec,
 * read its stdout to EOF, waitpid; nothing else.  With -s it starts them
 * with posix_spawn instead of fork and exec, which copies nothing of the
 * parent: the floor of a runner that does the same.
 *
 *	floor [-s] JOBS <list
 *
 * Exits 0; a test it cannot start is said on stderr.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXJOBS 64

extern char **environ;

static int usespawn;

static struct {
	pid_t pid;
	int fd;			/* -1: the slot is free */
} run[MAXJOBS];

static int
spawn(int i, char **argv, int *p)
{
	posix_spawn_file_actions_t fa;
	int e;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	posix_spawn_file_actions_addclose(&fa, p[1]);
	e = posix_spawn(&run[i].pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (e != 0) {
		close(p[0]);
		errno = e;
		return -1;
	}
	run[i].fd = p[0];
	return 0;
}

/* Starts path in slot i; 0, or -1 if it could not. */
static int
start(int i, char *path)
{
	char *argv[2];
	int p[2];

	if (pipe(p) < 0)
		return -1;
	argv[0] = path;
	argv[1] = NULL;
	if (usespawn)
		return spawn(i, argv, p);
	if ((run[i].pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv(path, argv);
		_exit(127);
	}
	close(p[1]);
	if (run[i].pid < 0) {
		close(p[0]);
		return -1;
	}
	run[i].fd = p[0];
	return 0;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[MAXJOBS];
	char line[4096], buf[65536];
	int jobs, i, busy = 0, more = 1, status;
	ssize_t n;

	if (argc > 1 && strcmp(argv[1], "-s") == 0) {
		usespawn = 1;
		argv++;
		argc--;
	}
	jobs = argc > 1 ? atoi(argv[1]) : 1;
	if (jobs < 1 || jobs > MAXJOBS)
		jobs = 1;
	for (i = 0; i < jobs; i++)
		run[i].fd = -1;
	while (more || busy > 0) {
		for (i = 0; i < jobs && more; i++) {
			if (run[i].fd >= 0)
				continue;
			if (fgets(line, sizeof(line), stdin) == NULL) {
				more = 0;
				break;
			}
			line[strcspn(line, "\n")] = '\0';
			if (start(i, line) < 0)
				fprintf(stderr, "floor: %s: %s\n", line,
				    strerror(errno));
			else
				busy++;
		}
		for (i = 0; i < jobs; i++) {
			pfd[i].fd = run[i].fd;
			pfd[i].events = POLLIN;
		}
		if (busy == 0)
			continue;
		if (poll(pfd, (nfds_t)jobs, -1) < 0 && errno != EINTR)
			return 1;
		for (i = 0; i < jobs; i++) {
			if (run[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if ((n = read(run[i].fd, buf, sizeof(buf))) > 0)
				continue;
			close(run[i].fd);
			run[i].fd = -1;
			waitpid(run[i].pid, &status, 0);
			busy--;
		}
	}
	return 0;
}
