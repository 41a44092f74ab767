/*
 * t/lib/sigdfl.c: sigdfl COMMAND [ARG...] runs COMMAND with SIGINT,
 * SIGQUIT, SIGTERM and SIGHUP at their default actions.  A
 * non-interactive sh starts its background jobs with SIGINT and SIGQUIT
 * ignored, and dash cannot undo that (trap - INT does not), so a test
 * that means to interrupt a background disttrial starts it through this.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	size_t i;

	if (argc < 2) {
		fputs("usage: sigdfl command [arg ...]\n", stderr);
		return 2;
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	execvp(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
