/*
 * worker.h: the worker's side of a disttrial worker: answer Start and
 * Run over AMP, run each test program, report its results.
 */
struct worker_opts {
	double timeout;		/* seconds per test; 0: none */
	const char *exec;	/* run tests as "EXEC TEST"; NULL: directly */
	int stdio;		/* AMP on fds 0/1 instead of 3/4 */
};

/* The --worker main loop; returns the exit status. */
int worker_main(const struct worker_opts *o);
