/*
 * t/lib/leave.c: leave HOW NAME COMMAND [ARG...] starts COMMAND as a
 * process that leaves its parent's process group, the way a test's
 * strays do, and returns at once, exit 0:
 *
 *	daemon	as daemon(3) does it: a child that calls setsid() and
 *		forks again, COMMAND running in the grandchild, which
 *		is in a session and a group of its own and whose parent
 *		is gone
 *	group	a child that calls setpgid(0, 0) and runs COMMAND: a
 *		process group of its own, in the same session
 *
 * COMMAND keeps this program's stdin, stdout and stderr (redirect them
 * for a stray that holds no output).  Its pid is written to
 * $FIXTURE_PIDS/NAME (t/lib/lib.sh, check_gone) before this returns, so
 * that the record exists even if COMMAND is killed at once.  POSIX sh
 * has no way to do either: setsid(1) is Linux's, and set -m needs a
 * terminal in dash.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends "pid\n" to $FIXTURE_PIDS/name, if FIXTURE_PIDS is set. */
static void
record(const char *name, pid_t pid)
{
	const char *dir = getenv("FIXTURE_PIDS");
	char path[4096];
	FILE *f;

	if (dir == NULL || *dir == '\0')
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "a")) == NULL) {
		perror(path);
		return;
	}
	fprintf(f, "%ld\n", (long)pid);
	if (fclose(f) == EOF)
		perror(path);
}

static void
run(char **argv)
{
	execvp(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

int
main(int argc, char **argv)
{
	pid_t pid, mid;
	int st;

	if (argc < 4 || (strcmp(argv[1], "daemon") != 0 &&
	    strcmp(argv[1], "group") != 0)) {
		fputs("usage: leave daemon|group name command [arg ...]\n",
		    stderr);
		return 2;
	}
	fflush(stdout);
	if (strcmp(argv[1], "group") == 0) {
		if ((pid = fork()) < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			setpgid(0, 0);
			run(argv + 3);
		}
		setpgid(pid, pid);	/* whichever runs first makes it */
		record(argv[2], pid);
		return 0;
	}
	if ((mid = fork()) < 0) {
		perror("fork");
		return 1;
	}
	if (mid == 0) {
		if (setsid() < 0)
			perror("setsid");
		if ((pid = fork()) < 0) {
			perror("fork");
			_exit(1);
		}
		if (pid == 0)
			run(argv + 3);
		record(argv[2], pid);
		_exit(0);
	}
	if (waitpid(mid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return 1;
	return 0;
}
