/*
 * worker.h: the manager's view of one worker, as trial's LocalWorker and
 * LocalWorkerAMP: this program run again as --worker, or a command,
 * speaking AMP on its fds 3/4.  Results go to the reporter as they
 * arrive; TestWrite lines are held per test and written to the log as
 * one piece when its Run is answered.
 */
#include <stddef.h>
#include <sys/types.h>

struct reporter;
struct streams;
struct wconn;

/* What the workers of one run share. */
struct worker_cfg {
	const char *self;		/* this program, for local workers */
	const char *name;		/* their argv[0]: the manager's */
	char *const *wopts;		/* their --worker options; NULL-ended */
	const char *command;		/* --worker-command, or NULL: local */
	/*
	 * Or a slot's own (--ssh): commands[slot] where it is not NULL
	 * and slot is below ncommands; command for the rest.
	 */
	char *const *commands;
	int ncommands;
	/*
	 * slurmjobs[slot], if not NULL: the slot's launcher is --slurm's
	 * srun outside an allocation, its job named disttrial.PID (PID its
	 * shell's, which became srun); a worker that did not close cleanly
	 * has that job cancelled (scancel) before it is GONE.
	 */
	const char *slurmjobs;
	const char *tempdir;		/* absolute; worker N gets N/ */
	struct reporter *rep;
	/*
	 * trial's --unclean-warnings: a Python test's dirty reactor error
	 * is a warning, not a result.
	 */
	int uncleanwarnings;
	int logfd;			/* test.log */
	double timeout;			/* for the Run backstop; 0: none */
	double starttimeout;		/* for Start's answer; 0: none */
	/*
	 * ms a worker told to finish has before it is signalled; 0: a
	 * second.  Twisted's writes its --coverage first.
	 */
	long long exitms;
	struct streams *streams;	/* worker.c's: one id counter for all */
	/*
	 * Takes back a test that was queued ahead on a worker and will not
	 * run there (it died first, or the Run was withdrawn): id is the
	 * one worker_run was given.
	 */
	void (*requeue)(void *arg, size_t id);
	void *arg;
};

/*
 * A worker's life.  Each state, what enters it, and what the fields
 * may be in it.  test is the Run a worker holds: in flight while BUSY,
 * or owed exactly one error while DYING; it is NULL in every other
 * state.  Behind it, while BUSY, a worker of ours (it says so in
 * Start's answer) may hold more Runs queued ahead, which it runs in
 * turn: the next becomes test when test's Run is answered.  They are
 * never an error: a dying worker's, or a withdrawn Run's, go back to
 * the queue through cfg->requeue.  A worker's connection is open until it is DYING or GONE,
 * except that a CLOSING one closes it when the worker does.
 *
 *   STARTING  worker_spawn or worker_adopt: Start is sent, not yet
 *             answered; it is given no Run (a launcher may never start
 *             it: a job queued behind the run's own).  Past the start
 *             time-out it is given up (DYING, gaveup set).
 *   IDLE      the answer to Start, or to its Run: it waits for a Run.
 *   BUSY      worker_run: a Run in flight; the Run backstop runs.
 *   CLOSING   worker_close, on a worker that holds no test: told to
 *             finish, by EOF once the answers it is owed are out; the
 *             kill ladder runs in case it dawdles.
 *   DYING     a fault or worker_kill, from STARTING, IDLE or BUSY: its
 *             connection is closed and the kill ladder runs; failed is
 *             set, why says what happened.  Or reaped (pid 0), while
 *             its SLURM job is cancelled (see slurmjobs).
 *   GONE      worker_reaped, from any state: its process is waited for
 *             (pid 0), a test it held has had its error.
 */
enum {
	WORKER_STARTING,
	WORKER_IDLE,
	WORKER_BUSY,
	WORKER_CLOSING,
	WORKER_DYING,
	WORKER_GONE,
};

/* The manager reads these fields; only worker.c writes them. */
struct worker {
	int slot;
	int state;		/* WORKER_STARTING... */
	pid_t pid;		/* and its process group; 0 once reaped */
	char *test;		/* the Run it holds: see the states */
	long long started;	/* ms, when that Run went */
	int failed;		/* it went by a fault */
	int bailed;		/* a test it ran said Bail out! */
	int problem;		/* a failure or error came, perhaps mid-test */
	int gaveup;		/* it never answered Start: retire its slot */
	int ahead;		/* Runs queued behind test */
	long long spawned;	/* ms, when it was started */
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
/*
 * trial's loader, pid, which listed the tests and now becomes a worker
 * on fd (discover.h): it is sent its directory (slot's), its number, the
 * run's workers (jobs) and args, trial's worker options, as discover.c's
 * loader reads them, then Start.  NULL if the directory cannot be made.
 */
struct worker *worker_takeover(struct worker_cfg *cfg, int slot, int fd,
    pid_t pid, int jobs, char *const *args);
void worker_free(struct worker *w);
/* The fd to poll and its events, or -1. */
int worker_pollfd(const struct worker *w, short *events);
void worker_io(struct worker *w, short revents);
void worker_flush(struct worker *w);	/* once a wake-up, before poll */
/*
 * How many more Runs the worker would take now: 1 when IDLE; when BUSY,
 * as many as keep it busy through a round trip, if it takes Runs ahead;
 * 0 otherwise.
 */
int worker_room(const struct worker *w);
void worker_run(struct worker *w, const char *test, int isfile, size_t id);
/* Takes back the Runs queued ahead that have not begun (see requeue). */
void worker_withdraw(struct worker *w);
/* Waits for the worker's process without blocking, if it has one. */
void worker_reap(struct worker *w);
void worker_close(struct worker *w);	/* no more tests: let it exit */
void worker_kill(struct worker *w, const char *why);
void worker_tick(struct worker *w);	/* time-outs; call when due */
long long worker_due(const struct worker *w);	/* ms, for worker_tick; 0 */
void worker_cfg_free(struct worker_cfg *cfg);	/* after the last worker */
