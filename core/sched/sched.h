/*
** dusk — the run engine and its scheduler backends. This file is private
** to dusk's core (core/sched/).
**
** A run (run.c) is a state machine over a plan (core/plan.h): per task,
** how many inputs are still missing and how many dependents have yet to
** run; a heap of ready tasks by priority; the results held; the first
** error. It builds every event (stream and callbacks) and calls every
** callback. A backend decides where tasks run and who drives the machine:
** `sync` on the caller's thread, `threads` on a pool of pthreads,
** `remote` (remote.c) in other processes through a transport that another
** library registers (MPI ranks: libdusk-mpi). template.c is a commented
** empty backend to start a new one from.
**
** How a backend drives a run (see dusk__backend below):
**
**   for each worker w, on whichever thread serves it:
**       now = dusk__run_clock(r, w)
**       t = dusk__run_step(r, w, now, -1, ...)         serialised
**       while t >= 0:
**           dusk__run_started(r, w, t)                  not serialised
**           ... the task runs: in this thread (dusk__run_execute), or
**               elsewhere: its message (dusk__run_message) encoded and
**               sent, run there by dusk__task_call, the result sent back ...
**           dusk__run_ended(r, w, t, result, status)    not serialised
**           now = dusk__run_clock(r, w)
**           t = dusk__run_step(r, w, now, t, result, status, terr)   serialised
**       (t < 0 and !dusk__run_over(r): nothing is ready yet; if
**        dusk__run_pending(w), dusk__run_flush(r, w) outside the lock and
**        step again (the stream's consumer waits for w's numbers); else
**        wait until another worker's step makes something ready, or the
**        run is over)
**       dusk__run_flush(r, w)                           not serialised
**
** When a callback has a gate (r->gated), each step is split in two around
** it, so that the gate is called outside every lock and after the
** finished task is recorded:
**
**       dusk__run_record(r, w, now, t, result, status, terr)   serialised
**       if dusk__run_wants_gate(r):                             serialised
**           rc = dusk__run_gate(r, w, &gerr)            not serialised
**           rc ? dusk__run_refused(r, rc, &gerr)        serialised
**              : t = dusk__run_take(r, w, now)  (-1 if another worker
**                                                took the task meanwhile)
**
** and a worker that waited for a task passes the gate again before it
** takes one (processes.c). The threads backend has no step: see "without
** the lock" below.
**
** dusk__run_task is started + execute + ended for a task run in this
** process. "Serialised": at most one dusk__run_step of a run at a time,
** under the backend's lock (processes, remote) or on one thread (sync). The other
** calls for worker w come from one thread at a time and in the order
** above: they deliver w's events to the callbacks (events.h: one thread at
** a time per worker id) and drop the results w's step released. A backend
** whose tasks run in another address space calls all of these on its own
** threads in the caller's process; its workers only compute.
**
** Invariant: a task's inputs are stored (by the step that finished them)
** before the step that hands the task out, and dropped only by steps after
** the task's own finish; so reading them outside the lock is safe.
*/
#ifndef DUSK_CORE_SCHED_SCHED_H
#define DUSK_CORE_SCHED_SCHED_H

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>

#include "core/events.h"
#include "core/graph.h"
#include "core/plan.h"
#include "dusk/sched.h"

typedef struct dusk__run dusk__run;
typedef struct dusk__worker dusk__worker;

/* --- a backend ----------------------------------------------------------------- */

typedef struct dusk__backend {
    const char *name;            /* "sync", "threads": for messages */
    int kind;                    /* the dusk_sched_kind that selects it */
    /* The number of workers a run with these options has (o->workers is
     * >= 0; 0 means "choose"), at least 1. Called first, before anything is
     * allocated; may refuse options it cannot honour with DUSK_EINVAL
     * (negative return, err set). */
    int (*workers)(const dusk_options *o, dusk_error *err);
    /* Optional (NULL: nothing to do). Prepares what the backend needs for
     * run r (r->workers are ready; r->backend is its own pointer); called
     * before any callback, so a failure here (a code, err set) is the
     * run's failure and no listener hears of the run. fini follows even
     * then, so init need not undo what it did before failing. */
    int (*init)(dusk__run *r, dusk_error *err);
    /* Runs every task of r->plan, driving r as described at the top, and
     * returns once no step will be taken any more: the run is over, or
     * failed, or nothing can run. Returns 0, or a code of its own (err
     * set) when it could not run at all; task failures are the run's
     * (r->status), not the backend's. Sets r->used to the workers that
     * took part. */
    int (*run)(dusk__run *r, dusk_error *err);
    /* Optional. Undoes init (all of it, or what it did before failing);
     * called once run has returned, or when init failed. */
    void (*fini)(dusk__run *r);
    /* Optional, for a backend whose run spans processes that all make the
     * same call (remote.c: MPI ranks). Called once the plan is made, in
     * every process: sets *served to 0 in the process that runs the plan
     * here; elsewhere it serves the run's tasks until the run is over and
     * returns the run's status (err set), *served 1, and dusk_compute
     * returns that status with *out None, no listener having heard of it.
     * failed non-NULL: this process's call failed before its part of the
     * run (failed says why), and the others wait for that part all the
     * same: the process that schedules ends the run at once with that
     * reason; one that serves serves it, answering each task with the
     * reason instead of running it (the run fails naming that process).
     * Returns failed's code then. */
    int (*serve)(const struct dusk__backend *be, const dusk_error *failed, int *served,
                 dusk_error *err);
    /* 1 for a backend that chooses among the ready tasks itself (remote.c
     * runs a task where its inputs are): every ready task is then in
     * r->heap[0..hsize), a min-heap of prio << 32 | id, the tasks ready
     * from the start included (no plan->first list); 0: the run takes the
     * least of plan->first and the heap. */
    int picks;
    /* 1 for a backend that drives every run without serialising it
     * (threads: see "without the lock" below); the run sets r->lockfree. */
    int lockfree;
} dusk__backend;

/* The registered backends (run.c), and the one a kind selects (NULL for
 * an unknown kind). */
const dusk__backend *dusk__backend_find(int kind);
/* The backend of the transport registered for kind (remote.c), or NULL.
 * Other libraries reach the run only through such a transport
 * (include/dusk/transport.h): libdusk exports dusk_ names alone, so the
 * run protocol below stays private to core. */
const dusk__backend *dusk__remote_find(int kind);
/* The one of libdusk's own backends (sync, threads, processes) that kind
 * selects, or NULL: a transport cannot take their kinds. */
const dusk__backend *dusk__backend_find_own(int kind);
extern const dusk__backend dusk__sched_sync, dusk__sched_threads, dusk__sched_processes;
/* Compiled, not registered: the backend to copy (template.c). */
extern const dusk__backend dusk__sched_template;

/* --- the run's state ------------------------------------------------------------ */

/* What a run knows of one task, in 16 bytes: four to a cache line, and
 * 16 bytes a task of a run's memory. */
typedef struct dusk__slot {
    union {
        dusk_value *result;
        uint64_t tready;         /* a timed lock-free run, until the task
                                    ends: the least time its READY and START
                                    may have, t << 1 | 1 (odd: an int to
                                    whoever frees a slot of a task that
                                    never ran; see dusk__run_finish) */
    };
    uint32_t waiting;            /* dependencies not yet done */
    uint32_t needed;             /* 2 x the dependents in the run not yet done,
                                    plus 1 when requested (keep the result):
                                    each done dependent takes 2 off, and the
                                    result goes at 0 */
} dusk__slot;

struct dusk__run {
    /* What each step changes, on the cache lines of the backend's lock:
     * the lock and the state it guards move between cores together (a
     * third line touched in each step costs about 5 % of a task with 2
     * workers). mu and idle are the backend's; run.c never touches them. */
    alignas(64) pthread_mutex_t mu;
    size_t nheap;                /* ready tasks: first's left and the heap's */
    size_t hsize;                /* ... of which in the heap */
    size_t ifirst;               /* the next of plan->first to hand out */
    uint64_t held;
    uint64_t last_t;             /* the last event time, for monotonic stamps */
    uint64_t seq;                /* the stream's next sequence number */
    size_t done;
    uint64_t peak;
    int idle;                    /* the backend's: workers waiting */
    int status;                  /* the first error's code (read atomically
                                    in a lock-free run) */
    /* A lock-free run's shared words (see "Without the lock"): */
    uint32_t sinks_left;         /* tasks with no dependent not yet done */
    int over;                    /* every sink done, or a task failed */
    int nsleep;                  /* workers about to park or parked */
    unsigned epoch;              /* bumped (under mu) to wake parked ones */
    /* Set before the backend runs and only read after. */
    alignas(64) dusk_graph *g;
    const dusk_plan *plan;       /* what the run executes */
    const uint32_t *prio;
    size_t nrun;                 /* tasks in this run */
    dusk__slot *s;               /* per task id of the graph */
    uint64_t *heap;              /* tasks made ready by others, a min-heap of
                                    prio << 32 | id (both fit in 32 bits: see
                                    core/graph.h) */
    const uint64_t *first;       /* the plan's tasks ready from the start, in
                                    the same form, increasing; a run takes the
                                    least of first[ifirst] and the heap's top */
    size_t nfirst;
    int listening;               /* some callback or a stream: the run has an epoch */
    int timed;                   /* some per-task event is wanted: read the clock */
    int has_pretask, has_posttask;
    int gated;                   /* some callback has a gate */
    int lockfree;                /* driven without serialising (see below) */
    int track_held;              /* held/peak are wanted (stats or listeners) */
    int sizes;                   /* results' sizes are wanted (the above, or a
                                    stream, which may sum them itself) */
    uint64_t *tt;                /* lock-free and timed: per task that has
                                    ended, the latest END of its dependents
                                    but the last, which its RELEASED must
                                    follow (before it ends, the slot's
                                    tready: see dusk__run_finish) */
    int gate_always;             /* ... one without gate_armed */
    uint32_t cb_want;            /* kinds some callback wants */
    uint32_t want;               /* kinds any listener wants (DUSK_EVMASK bits) */
    int run_index;
    uint64_t t0;
    dusk_stream *stream;
    const dusk_callbacks *cbs;
    size_t ncbs;
    /* The backend and its workers. */
    const dusk__backend *be;
    const dusk_options *opts;    /* the caller's (a backend's own options: retries) */
    void *backend;               /* the backend's own state */
    dusk__worker *workers;       /* nworkers of them */
    int nworkers;
    int used;                    /* workers that took part (the backend says) */
    dusk_error err;              /* the first task error's message */
};

/* What one step of a worker did, kept for its callbacks: their events are
 * built from it after the step, outside the backend's lock, so listening
 * adds only a few stores to the serialised part. The RELEASED tasks of the
 * step are the worker's drop list. */
typedef struct dusk__section {
    uint64_t t_done, t_start;
    uint64_t t_after;            /* the READY and RELEASED of the done part
                                    (t_done but in a lock-free run, where it
                                    may be later: see dusk__run_finish) */
    int64_t done;                /* the task finished, or -1 */
    int32_t done_kind, done_status;
    uint64_t done_nbytes, done_held;
    size_t nready;               /* READY tasks, in w->ready (if wanted) */
    int64_t start;               /* the task started, or -1 */
    uint64_t start_held;
    uint64_t seq_done, seq_start;   /* the stream's numbers for both parts */
} dusk__section;

/* A worker's work-stealing deque (Chase-Lev, with the C11 memory orders
 * of Le, Pop, Cohen, Zappa Nardelli, PPoPP 2013): its owner pushes and
 * pops at the bottom, others steal at the top. top and bottom on lines of
 * their own (thieves write top, the owner bottom). threads.c. */
typedef struct dusk__dqbuf {
    int64_t cap;                 /* a power of two */
    struct dusk__dqbuf *older;   /* the buffers it replaced, freed at the end */
    int64_t item[];
} dusk__dqbuf;

typedef struct dusk__deque {   /* 64 bytes apart, as workers are not 64-aligned */
    int64_t top;
    char pad1[56];
    int64_t bottom;
    dusk__dqbuf *buf;
    char pad2[112];
} dusk__deque;

struct dusk__worker {
    dusk__run *r;
    int id;
    /* lock-free runs: the successors a finish made ready beyond the one
     * the worker runs next (to its deque), the tasks of plan->first it
     * claimed, its count of tasks done and its last event time */
    int64_t *succ;
    size_t nsucc;
    size_t flo, fhi;
    size_t ndone;
    uint64_t last_t;
    uint64_t t_claimed;          /* timed: its last START's time, read by a
                                    failing worker (dusk__run_claimed) */
    int64_t held_d;              /* lock-free, held tracked: bytes its tasks
                                    added (less those they released, never
                                    below 0) not yet moved to r->held (see
                                    dusk__run_finish) */
    uint64_t held_peak;          /* ... the most it saw held, at its ENDs */
    int unquiet;                 /* with a stream: its queue is not quiet */
    dusk__section sec;
    int64_t *ready;              /* the section's READY tasks */
    dusk__tclock clock;          /* this worker's readings of the time */
    dusk_event *evbuf;           /* events to hand to callbacks after the step */
    dusk_value **drop;           /* results to unref after the step */
    int64_t *drop_id;            /* ... their tasks and bytes, for RELEASED */
    uint64_t *drop_nb;
    size_t ndrop;
    char pad[128];               /* workers' hot fields on lines of their own */
    dusk__deque dq;              /* on lines of its own, after the pad */
};

/* --- what a backend calls ---------------------------------------------------------- */

/* Serialised. Records the outcome of task `done` (if >= 0: its result,
 * taken over, or its error code and message) and hands out the next ready
 * task, or returns -1 when none is ready or the run has failed. now is a
 * clock reading from dusk__run_clock, taken before the serialised part. */
int64_t dusk__run_step(dusk__run *r, dusk__worker *w, uint64_t now, int64_t done,
                       dusk_value *result, int status, const dusk_error *terr);
/* The same in two halves, for a gated run (see the top): record only
 * records `done` (if >= 0), take only hands out the next ready task (-1
 * when none is ready or the run has failed). Both serialised. */
void dusk__run_record(dusk__run *r, dusk__worker *w, uint64_t now, int64_t done,
                      dusk_value *result, int status, const dusk_error *terr);
int64_t dusk__run_take(dusk__run *r, dusk__worker *w, uint64_t now);
/* Not serialised. Delivers w's last step's events, drops the results it
 * released, then calls every callback's gate for w in turn: 0 when all
 * pass, or the first refusal's code (a negative DUSK_E...) with its
 * message in *gerr. */
int dusk__run_gate(dusk__run *r, dusk__worker *w, dusk_error *gerr);
/* Serialised. A gate refused: the run fails with its code and message as
 * with a failed task's (the first failure is kept). */
void dusk__run_refused(dusk__run *r, int code, const dusk_error *gerr);
/* Task t was handed to w: delivers w's last step's events, drops the
 * results it released, calls pretask. */
void dusk__run_started(dusk__run *r, dusk__worker *w, int64_t t);
/* Computes task t in this process: 0 and *out, or a code with terr set.
 * Reads the run's results (see the invariant above). */
int dusk__run_execute(dusk__run *r, int64_t t, dusk_value **out, dusk_error *terr);
/* For a backend that runs tasks in another address space. The scheduling
 * side makes task t's message, a tuple (function key, arguments...) of
 * plain values with list arguments as tuples, ready for dusk_value_encode
 * (0 with *msg NULL for a value or an alias, which the scheduling side
 * computes itself with dusk__run_execute; an error naming the task when
 * its function is not registered). The other side decodes it and calls
 * dusk__task_call, which finds the function by its key and runs it. */
int dusk__run_message(dusk__run *r, int64_t t, dusk_value **msg, dusk_error *err);
int dusk__task_call(const dusk_value *msg, dusk_value **out, dusk_error *err);
/* Task t's outcome is known: calls posttask (result NULL when the
 * backend does not hold results in this process). */
void dusk__run_ended(dusk__run *r, dusk__worker *w, int64_t t, const dusk_value *result,
                     int status);
/* started + execute + ended, for a task run by the calling thread; returns
 * its status, *out and terr as dusk__run_execute. */
int dusk__run_task(dusk__run *r, dusk__worker *w, int64_t t, dusk_value **out,
                   dusk_error *terr);
/* After w's last step: delivers its events and drops what it released. */
void dusk__run_flush(dusk__run *r, dusk__worker *w);

/* --- without the lock ---------------------------------------------------------------
 *
 * A lock-free run (r->lockfree: the threads backend, with listeners or
 * not) has no serialised step. Each task's counters (waiting, needed) are
 * decremented atomically by the tasks that finish; the worker whose
 * decrement brings a task's `waiting` to zero owns it: the first such
 * successor (the least priority) it runs next, the others it pushes to
 * its own deque (w->succ, most urgent last). The tasks ready from the
 * start (plan->first, by priority) are claimed in order through
 * r->ifirst, a few at a time while many are left (dusk__run_claim). held
 * is counted per worker and moved to r->held (a relaxed atomic) in 4 KiB
 * steps, the peak per worker, and only when someone wants them
 * (r->track_held: held_seen); done is counted per worker; the run is
 * over when every task without a dependent has finished (r->sinks_left
 * reaches 0) or a task failed (r->status, set under r->mu, then r->over).
 *
 *   t = (next ready task: own deque, dusk__run_claim, stolen)
 *   while t >= 0:
 *       if dusk__run_gate_armed(r): dusk__run_gate(r, w, &gerr)
 *                                         (a refusal: dusk__run_refused
 *                                          under r->mu, the run over)
 *       if dusk__run_claimed(r, w, t, fresh): stop   its START (timed
 *                                         runs; non-zero: the run failed)
 *       dusk__run_task(r, w, t, ...)      started + execute + ended
 *       t = dusk__run_finish(r, w, t, ...)   -1: look for work
 *       push w->succ[0..nsucc), wake a parked worker if any
 *   dusk__run_flush(r, w)
 *
 * Events keep events.h's rules without a shared clock: r->tt carries, per
 * task, the time its next event must not precede, 1 ns past the event of
 * another worker it follows (its READY: its inputs' ENDs; its START: its
 * READY; its RELEASED: its dependents' ENDs), and a worker's own times
 * never go back; so a stream's queues merge by (time, worker) into a
 * causal order (core/events.c), with no number taken. A worker's queue
 * is quiet (dusk__stream_quiet) from the moment its step's events are
 * published until it reads the clock for its next one (w->unquiet).
 * Gates: a worker that owns its next task passes them first (threads.c),
 * its last task delivered, and only then reads the START's time. */
/* fresh: the clock is read for the START (else w's last time serves: t
 * is the task its last finish returned, or one found at once in w's own
 * deque or first tasks, with no gate, delivery, steal or wait between).
 * Non-zero when the run has failed (a task's error, a refusal) by then: t
 * does not start. A timed run's ERROR is stamped after every START that
 * did not see the failure (no task starts after it, events.h). */
int dusk__run_claimed(dusk__run *r, dusk__worker *w, int64_t t, int fresh);
int64_t dusk__run_finish(dusk__run *r, dusk__worker *w, int64_t done, dusk_value *result,
                         int status, const dusk_error *terr);
/* The next of w's claimed first tasks, claiming more when its range is
 * spent; -1 when plan->first is. */
int64_t dusk__run_claim(dusk__run *r, dusk__worker *w);

static inline int dusk__run_lf_over(const dusk__run *r)
{
    /* seq_cst, as the waker's fence: a worker about to park and one
     * ending the run each see the other's write (C11 promises it only
     * between seq_cst operations) */
    return __atomic_load_n(&r->over, __ATOMIC_SEQ_CST);
}

/* w's last step did something its listeners have not heard of yet, or
 * released results it has not dropped: a worker about to wait flushes it
 * first (outside the lock), as the stream's consumer waits for its events. */
static inline int dusk__run_pending(const dusk__worker *w)
{
    return w->sec.done >= 0 || w->sec.start >= 0 || w->ndrop > 0;
}

/* Nothing more will be handed out: every task done, or one failed. Read
 * it where steps are serialised. */
static inline int dusk__run_over(const dusk__run *r)
{
    return r->status != 0 || r->done >= r->nrun;
}

/* Ready tasks wait in plan->first or the heap (serialised, as above). */
static inline int dusk__run_has_ready(const dusk__run *r) { return r->nheap > 0; }

/* Whether the next take passes the gates (serialised, or in a lock-free
 * run before a worker starts its task: it reads only atomics): in a gated
 * run, when some gate is always called or some gate_armed reads non-zero. */
static inline int dusk__run_gate_armed(const dusk__run *r)
{
    if (!r->gated)
        return 0;
    if (r->gate_always)
        return 1;
    for (size_t i = 0; i < r->ncbs; i++)
        if (r->cbs[i].gate && __atomic_load_n(r->cbs[i].gate_armed, __ATOMIC_ACQUIRE))
            return 1;
    return 0;
}

/* In a gated run: a task can be taken, so the gate is to be passed first
 * (serialised). */
static inline int dusk__run_wants_gate(const dusk__run *r)
{
    return r->status == 0 && r->nheap > 0;
}

/* The time for w's next step, when the run is timed (0 otherwise). */
static inline uint64_t dusk__run_clock(dusk__run *r, dusk__worker *w)
{
    return r->timed ? dusk__tclock_now(&w->clock) : 0;
}

/* The same with the real clock: for a worker that has been waiting. */
static inline uint64_t dusk__run_clock_real(const dusk__run *r)
{
    return r->timed ? dusk_now_ns() : 0;
}

/* --- the engine's entry, for dusk_compute and the tests ------------------------------ */

/* Runs g for request (taken over, as dusk_compute) on backend be; be NULL
 * stands for an unknown dusk_options.scheduler (DUSK_EINVAL). */
int dusk__compute_on(const dusk__backend *be, dusk_graph *g, dusk_arg *request,
                     const dusk_options *opts, dusk_value **out, dusk_error *err);
void dusk__run_unheard(dusk__run *r, dusk__worker *w);  /* sync.c's loop when nobody listens */

#endif /* DUSK_CORE_SCHED_SCHED_H */
