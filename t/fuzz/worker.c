/*
 * t/fuzz/worker.c: a libFuzzer target over the worker's side of the
 * wire (make fuzz): the input is what a manager sends, fed to the
 * worker's decoder and command handling with results of a test waiting
 * on their StreamOpen answers, in either dialect.
 *
 * It includes workertrial.c itself, to reach its static functions; the
 * worker's own forget() empties its state between inputs.  mkdir is
 * replaced by one that makes nothing, so that a Start naming any
 * directory creates none (this may run as root); Runs are only queued, never run, as the worker's loop is not.
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>

static int fuzz_mkdir(const char *, mode_t);

#define mkdir(path, mode) fuzz_mkdir(path, mode)
#include "../../workertrial.c"
#undef mkdir

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_mkdir(const char *path, mode_t mode)
{
	(void)path;
	(void)mode;
	errno = EEXIST;
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char big[] = "a failure's text";

	forget();
	if (size > 0 && data[0] & 1)
		W.olddialect = 1;
	/* Results waiting on the manager: their StreamOpen asks are out. */
	queueresult("AddFailure", "t/a.t 1 - x", NULL,
	    "twisted.trial.unittest.FailTest", big, sizeof(big) - 1);
	queueresult("AddExpectedFailure", "t/a.t 2 - y", "todo", NULL, big,
	    sizeof(big) - 1);
	testwrites("a line");
	sendqueue();
	if (feed(data, size) == 0)
		sendqueue();
	forget();
	return 0;
}
