/*
 * worker.h: the worker's side of a disttrial worker: answer Start and
 * Run over AMP, run each test program, report its results.
 */
#include <sys/types.h>

struct worker_opts {
	double timeout;		/* seconds per test; 0: none */
	const char *exec;	/* run tests as "EXEC TEST"; NULL: directly */
	int stdio;		/* AMP on fds 0/1 instead of 3/4 */
};

/* The --worker main loop; returns the exit status. */
int worker_main(const struct worker_opts *o);

/*
 * The manager's side of a worker: a forked local worker, or a command
 * speaking AMP on its fds 3/4.  Results go to the reporter as they
 * arrive; TestWrite lines are held per test and written to the log as
 * one piece when its Run is answered.
 */
struct reporter;
struct wconn;

struct wconn_cfg {
	const struct worker_opts *o;	/* a local worker's options */
	const char *command;		/* --worker-command, or NULL */
	const char *tempdir;		/* absolute; worker N gets N/ */
	struct reporter *rep;
	int logfd;			/* test.log */
	const int *closefds;		/* the manager's, closed in children */
	int nclosefds;
	double timeout;			/* for the Run backstop; 0: none */
};

enum {
	WC_STARTING,	/* spawned, no Run yet */
	WC_IDLE,
	WC_BUSY,	/* a Run in flight */
	WC_DYING,	/* failed or closing: being reaped */
	WC_GONE,	/* reaped; wconn_why() says why if it failed */
};

struct wconn *wconn_spawn(const struct wconn_cfg *cfg, int slot);
void wconn_free(struct wconn *w);
int wconn_state(const struct wconn *w);
int wconn_failed(const struct wconn *w);	/* gone by a fault */
const char *wconn_why(const struct wconn *w);
int wconn_bailed(const struct wconn *w);	/* a test said Bail out! */
/* The fd to poll and its events, or -1. */
int wconn_pollfd(const struct wconn *w, short *events);
void wconn_io(struct wconn *w, short revents);
void wconn_run(struct wconn *w, const char *test, int isfile);
void wconn_reaped(struct wconn *w, pid_t pid, int status);
pid_t wconn_pid(const struct wconn *w);
void wconn_close(struct wconn *w);	/* no more tests: let it exit */
void wconn_kill(struct wconn *w, const char *why);
long long wconn_deadline(const struct wconn *w);	/* ms, 0: none */
void wconn_tick(struct wconn *w);
long long wconn_now(void);
const char *wconn_test(const struct wconn *w);	/* the Run in flight */
long long wconn_started(const struct wconn *w);	/* ms, when its Run went */
