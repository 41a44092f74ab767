/* util.h: diagnostics and checked allocation, shared by every module. */
#include <stddef.h>

enum {
	RC_OK = 0,		/* nothing failed or errored */
	RC_FAILED = 1,		/* a test failed or errored */
	RC_ERROR = 2,		/* bad usage, or disttrial could not run */
};

/* Print "disttrial: message"; a format ending in ':' adds strerror(errno). */
void warn(const char *fmt, ...);
void fatal(const char *fmt, ...);

void *xmalloc(size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t len);	/* adds a NUL */
