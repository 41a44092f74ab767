/*
 * t/fuzz/tap.c: a libFuzzer target over the TAP parser (make fuzz).
 *
 * The input is a test's stdout, cut into lines as the worker cuts them
 * (at TAP_MAXLINE, a cut line's rest never parsed); its first byte says
 * how the test ended: by exit 0, a status, a signal or a time-out.  Each
 * result must be well formed: a known kind, and a text within its cap.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../tap.h"
#include "../../util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(void *arg, const struct tap_result *r)
{
	size_t *n = arg;

	if (r->kind < TAP_SUCCESS || r->kind > TAP_ERROR ||
	    r->reason == NULL || r->text == NULL ||
	    r->text[r->textlen] != '\0' || r->textlen > TAP_MAXTEXT + 1024)
		abort();
	(*n)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const how[][2] = {
		{ NULL, NULL },
		{ "exited with status 3", "twisted.trial.unittest.FailTest" },
		{ "killed by signal 9 (SIGKILL)", "builtins.ChildProcessError" },
		{ "timed out after 5 s", "builtins.TimeoutError" },
	};
	const uint8_t *p, *nl;
	struct tap *t;
	size_t n = 0, len, k;
	int end;

	if (size == 0)
		return 0;
	end = data[0] % 4;
	t = tap_new(check, &n);
	for (p = data + 1; p < data + size; p += len) {
		nl = memchr(p, '\n', (size_t)(data + size - p));
		len = nl ? (size_t)(nl - p) : (size_t)(data + size - p);
		k = len > TAP_MAXLINE ? TAP_MAXLINE : len;
		tap_line(t, (const char *)p, k);
		if (nl != NULL)
			len++;
	}
	if (tap_istap(t))
		tap_end(t, how[end][0], how[end][1]);
	tap_free(t);
	return 0;
}
