/*
 * workertrial.h: the worker process (--worker), as trial's workertrial:
 * it answers Start and Run over AMP, runs each test program and reports
 * its results.  It knows only the wire.
 */
struct workertrial_opts {
	double timeout;		/* seconds per test; 0: none */
	const char *exec;	/* run tests as "EXEC TEST"; NULL: directly */
	int stdio;		/* AMP on fds 0/1 instead of 3/4 */
	int notefd;		/* a local worker's pipe for its test's group: -1 */
	int tap;		/* every test must speak TAP */
	int leakerror;		/* --leaks error: what a test left is an error */
};

/* The --worker main loop, on fds 3/4 (0/1); returns the exit status. */
int workertrial_main(const struct workertrial_opts *o);
