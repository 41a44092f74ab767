/*
 * t/unit/tap.h: the few TAP helpers the C unit tests share.
 * ok() prints one test point; tap_done() prints the plan and returns
 * the exit status (1 if any point failed).
 */
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

/* A description's '#' and backslash are escaped: no text reads as a directive. */
static int
ok(int cond, const char *fmt, ...)
{
	char desc[1024], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	for (p = desc; *p != '\0'; p++) {
		if (*p == '#' || *p == '\\')
			putchar('\\');
		putchar(*p == '\n' ? ' ' : *p);
	}
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

static void
diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int
tap_done(void)
{
	(void)diag;	/* not every test uses it */
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
