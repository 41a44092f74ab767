/*
 * worker.h: the manager's view of one worker, as trial's LocalWorker and
 * LocalWorkerAMP: a forked local worker, or a command speaking AMP on
 * its fds 3/4.  Results go to the reporter as they arrive; TestWrite
 * lines are held per test and written to the log as one piece when its
 * Run is answered.
 */
#include <stddef.h>
#include <sys/types.h>

struct reporter;
struct streams;
struct workertrial_opts;
struct wconn;

/* What the workers of one run share. */
struct worker_cfg {
	const struct workertrial_opts *o;	/* a local worker's options */
	const char *command;		/* --worker-command, or NULL */
	const char *tempdir;		/* absolute; worker N gets N/ */
	struct reporter *rep;
	int logfd;			/* test.log */
	const int *closefds;		/* the manager's, closed in children */
	int nclosefds;
	double timeout;			/* for the Run backstop; 0: none */
	struct streams *streams;	/* worker.c's: one id counter for all */
};

enum {
	WORKER_STARTING,	/* spawned, no Run yet */
	WORKER_IDLE,
	WORKER_BUSY,		/* a Run in flight */
	WORKER_DYING,		/* failed or closing: being reaped */
	WORKER_GONE,		/* reaped; failed and why say if by a fault */
};

/* The manager reads these fields; only worker.c writes them. */
struct worker {
	int slot;
	int state;		/* WORKER_STARTING... */
	pid_t pid;		/* and its process group; 0 once reaped */
	char *test;		/* the Run in flight (or owed an error) */
	long long started;	/* ms, when that Run went */
	int failed;		/* it went by a fault */
	int bailed;		/* a test it ran said Bail out! */
	char why[512];		/* the first fault */
	struct wconn *conn;	/* the connection: worker.c's alone */
};

/* NULL, why saying why, if fds, processes or the disk ran out. */
struct worker *worker_spawn(struct worker_cfg *cfg, int slot, char *why,
    size_t whylen);
/*
 * A worker on a connection the caller already has, fd both ways, with no
 * process of ours behind it: what the fuzzer feeds a worker's bytes.
 */
struct worker *worker_adopt(struct worker_cfg *cfg, int slot, int fd);
void worker_free(struct worker *w);
/* The fd to poll and its events, or -1. */
int worker_pollfd(const struct worker *w, short *events);
void worker_io(struct worker *w, short revents);
void worker_flush(struct worker *w);	/* once a wake-up, before poll */
void worker_run(struct worker *w, const char *test, int isfile);
void worker_reaped(struct worker *w, int status);	/* w->pid was reaped */
void worker_close(struct worker *w);	/* no more tests: let it exit */
void worker_kill(struct worker *w, const char *why);
void worker_tick(struct worker *w);	/* time-outs; call when due */
long long worker_due(const struct worker *w);	/* ms, for worker_tick; 0 */
void worker_cfg_free(struct worker_cfg *cfg);	/* after the last worker */
