/*
** dusk — one event per task transition
** Library: libdusk (core/; the run engine in core/sched/).
**
** Schedulers describe each run as a sequence of events: RUN_BEGIN, then for
** every task READY (its inputs are in memory), START, END or ERROR, and
** RELEASED (its result was dropped because no task needs it any more;
** requested results are kept and have no RELEASED), then RUN_END.
**
** Two ways to listen, usable together:
**
**  - dusk_callbacks, in the spirit of dask.callbacks: start (which gets the
**    run's plan, plan.h), pretask, posttask and finish, plus on_event or
**    on_events for every event. The scheduling side of a run calls them,
**    in the caller's process, from what its workers report: a backend
**    whose workers are other processes or other machines calls them from
**    its own threads, never in a worker. Several threads may call them at
**    once: keep them short and thread-safe.
**
**    A gate (dusk_callbacks.gate) lets a listener hold the run itself: a
**    worker calls it before it starts its next task, and waits while it
**    blocks (a viewer's pause, step and slow motion); a gate that refuses
**    stops the run (see the field).
**
**  - dusk_stream, a lossless queue that one consumer on another thread
**    drains, e.g. a window at 60 frames a second. The scheduler appends
**    without ever waiting for the consumer (the consumer holds no lock a
**    worker takes); the queue grows in blocks while the consumer falls
**    behind, so memory, not the run, pays for a slow consumer. Each
**    worker writes its own events to a queue of its own after each task,
**    taking no lock and no shared counter. In a threads run the consumer
**    merges the queues by time: events carry times in which every cause
**    is strictly earlier than its effect on another worker, and a worker
**    says when it is quiet (in a task, in a gate, idle), so that the
**    consumer never waits on an idle worker nor on one busy in a long
**    task: it holds back only the last 20 us of events and those of a
**    worker between two tasks (a few hundred ns). The other schedulers
**    (sync, processes, remote) number the events of each serialised step
**    and the consumer merges them by number.
**
** Who calls what
**                    start, finish, and      pretask, posttask, gate, and
**                    events of worker -1     the events of worker k >= 0
**    sync            the calling thread      the calling thread
**    threads         the calling thread      worker k's thread (a threads
**                                            run takes no lock per task,
**                                            listened to or not)
**  Every scheduler calls the first column on the calling thread, and the
**  second on threads of the calling process, one thread at a time per
**  worker id: one whose workers are other processes or machines calls them
**  from the threads that hand out tasks and receive their outcomes.
**
** Ordering guarantees
**  - In a stream, events come in one total order that respects causality:
**    RUN_BEGIN first and RUN_END last; for each task READY < START <
**    END|ERROR < RELEASED; a task's READY comes after the END of every task
**    it depends on; a RELEASED comes after the END of the last task that
**    needed it.
**  - Timestamps are non-decreasing in stream order, across all workers.
**    In a threads run a READY, START or RELEASED that follows an event of
**    another worker is at least 1 ns later than it (its time is raised
**    if that worker's clock read later), so that time alone orders them.
**  - held: in a stream, the bytes of the ENDs less those of the
**    RELEASEDs before the event in the stream's order (the consumer sums
**    them); delivered to callbacks, the run's count as the worker saw it.
**    Several threads workers share no count a task: each adds its tasks'
**    results in a count of its own and moves it to the run's once it
**    reaches 4 KiB (a result of 4 KiB or more at once, before anyone can
**    release it); what they release comes off that count while it covers
**    it, off the run's at once beyond. A worker sees the run's count and
**    its own part, so it may be below the stream's sum in between by what
**    the other workers have not moved, under 4 KiB each, never above it;
**    RUN_END's agree.
**  - Per worker, START and END/ERROR alternate in time.
**  - Callbacks: start comes before anything else of the run and finish
**    after everything else. Each worker's events reach on_event in the
**    order above, one call at a time per worker id; a task's pretask comes
**    after its START has reached on_event, and its posttask after its
**    pretask and before its END or ERROR reaches on_event. Events with
**    worker -1 (RUN_BEGIN, the first READYs, RUN_END) are never delivered
**    while a worker's are. Across workers, calls interleave in any order:
**    the START of a task on worker B may be delivered before the READY
**    that worker A emitted for it. The timestamps, and the stream, keep
**    the true order.
**  - Time: t_ns is dusk_now_ns() at the transition minus the run's epoch,
**    which is read just before the start callbacks are called; a recorder
**    that reads dusk_now_ns() in start has the epoch to well under a
**    microsecond (for samples taken on threads of its own). Workers read
**    the time through the CPU's time-stamp counter where it is invariant
**    (x86-64) and the kernel's clock runs on it ("tsc", or "kvm-clock",
**    which scales it), calibrated against dusk_now_ns() at least every
**    millisecond: their times agree with it to within a few microseconds,
**    typically tens of ns. Each calibration checks the counter; one found
**    5 us off (and more, by 0.1 %, for calibrations far apart) turns it
**    off for the process, within a millisecond on every worker. A threads worker that
**    goes from one task straight to its next (one its task made ready, or
**    found at once in its own queue; no gate, steal or wait between) reads
**    no clock for the START: it carries the previous END's time (the
**    START is later by the delivery of that step's events to the
**    callbacks, which it does not count).
**
** With no listener (no callbacks, no stream) a scheduler does no event work
** per task: it builds no event and reads no clock (a run reads the clock
** twice in all, for dusk_run_stats.wall_ns). Callbacks whose kinds hold no
** per-task event (only pretask/posttask, or only RUN_BEGIN/RUN_END) cost no
** clock reading per task either.
*/
#ifndef DUSK_EVENTS_H
#define DUSK_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "value.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DUSK_EV_RUN_BEGIN = 0,
    DUSK_EV_READY,
    DUSK_EV_START,
    DUSK_EV_END,
    DUSK_EV_ERROR,
    DUSK_EV_RELEASED,
    DUSK_EV_RUN_END
} dusk_event_kind;

typedef struct dusk_event {
    uint64_t t_ns;     /* monotonic ns since the run began */
    uint64_t nbytes;   /* END: the result's bytes; RELEASED: bytes freed;
                          RUN_BEGIN: number of tasks in the run */
    uint64_t held;     /* bytes the scheduler holds after this transition */
    int64_t task;      /* the task's id in the graph; -1 for RUN_* */
    int32_t worker;    /* 0..workers-1; -1 where no worker is involved */
    int32_t kind;      /* a dusk_event_kind; RUN_END: also see status */
    int32_t status;    /* RUN_END and ERROR: the run's / task's code;
                          RUN_BEGIN: the number of workers */
    int32_t run;       /* which run of the stream (0, 1, ...) */
} dusk_event;

DUSK_API const char *dusk_event_kind_name(int kind);   /* "ready", "start", ... */

/* The clock events are measured with (CLOCK_MONOTONIC), in ns. */
DUSK_API uint64_t dusk_now_ns(void);

struct dusk_plan;

/* Fill with designated initializers ({.on_event = f}): fields may be
 * added at the end in later versions. See "Who calls what" above. */
typedef struct dusk_callbacks {
    void *ud;  /* passed to every callback */
    /* Before any task: the run's plan (borrowed for the call; keep it with
     * dusk_plan_ref) and the number of tasks in the run. */
    void (*start)(void *ud, const struct dusk_plan *plan, size_t ntasks);
    /* A worker is about to run the task (sync and threads: just before
     * its function runs, on the thread that runs it). */
    void (*pretask)(void *ud, int64_t task, int worker);
    /* The task's outcome is known (sync and threads: right after its
     * function returns, on that thread). result is borrowed, NULL on
     * error, and NULL from a backend whose results stay with its worker
     * (another process or machine); status is the task's code. */
    void (*posttask)(void *ud, int64_t task, const dusk_value *result,
                     int status, int worker);
    /* After the last task, with the run's status. */
    void (*finish)(void *ud, int status);
    /* Every event, as in the stream. */
    void (*on_event)(void *ud, const dusk_event *ev);
    /* The same in batches: a worker's events of one step (its task's END,
     * the READY and RELEASED it caused, its next START) in one call, in
     * order; the READYs of worker -1 (the tasks ready from the start) up
     * to 128 a call. Cheaper than on_event for a recorder that loops anyway. A
     * batch may hold kinds outside `kinds` when another callback of the
     * run asked for them: skip what you do not want. */
    void (*on_events)(void *ud, const dusk_event *ev, size_t n);
    /* Which kinds on_event gets, as a mask of DUSK_EVMASK(kind); 0: all.
     * A scheduler builds no event that no callback (and no stream) wants. */
    uint32_t kinds;
    /* Optional: lets worker `worker` start its next task (0), holds it (by
     * blocking: a pause, slow motion), or stops the run (non-zero). Called
     * before every task starts, only when one is ready for the worker,
     * outside every lock, on the worker's thread (sync: the calling
     * thread), after the worker's last task has been recorded (its END and
     * what it made READY or RELEASED are in the stream and have reached
     * on_event): a paused run shows its finished tasks in memory. Each
     * START of a worker follows one pass of its gate. threads: the worker
     * already owns the task when it calls the gate (no other worker can
     * take it meanwhile), so a pass goes unused only when the run ends
     * meanwhile. sync, processes and remote: the task is taken after the
     * pass, a worker that waited for a task to become ready passes again
     * before it takes one, and a pass goes unused only when another worker
     * (that passed its own gate) took the task meanwhile or the run ended.
     * With several callbacks'
     * gates, all must pass, in order. A refusal (a DUSK_E... code, with a
     * message in err, which comes cleared; a positive code counts as
     * DUSK_ECANCELED) stops the run as a failed task does: no task starts
     * after it, running tasks finish (their END events still come), and
     * the run returns that code and message, unless a task failed first.
     * A threads run costs a gate its call a task; the other schedulers
     * take their lock twice a task for it (to record the last task before
     * the gate, to take the next after it; see gate_armed). */
    int (*gate)(void *ud, int worker, dusk_error *err);
    /* Optional, with a gate that holds the run only at times (a pause
     * button): while the int it points to reads 0 (an atomic load, made by
     * the worker before it starts a task: threads; under the run's lock
     * before it takes one: the others), the gate is not called and the run
     * goes as an ungated run; while it reads non-zero, every rule of the
     * gate above holds. A change is seen at each worker's next task (a
     * task being started as the int is set still starts). NULL: the gate
     * is always called.
     * Whoever sets the int stores it atomically (__atomic_store_n, or
     * atomic_store_explicit on a C11 atomic_int, which has int's
     * representation on the compilers dusk supports). */
    const int *gate_armed;
} dusk_callbacks;

#define DUSK_EVMASK(kind) (1u << (kind))

typedef struct dusk_stream dusk_stream;

/* A new empty stream, or NULL. One stream may follow several runs, one at
 * a time; free it after its last run has ended. */
DUSK_API dusk_stream *dusk_stream_new(void);
DUSK_API void dusk_stream_free(dusk_stream *s);   /* NULL-safe */
/* Copies up to max of the oldest undrained events into out and returns
 * how many. Never blocks. Only one thread may drain a stream. A NULL s or
 * out takes nothing and returns 0. */
DUSK_API size_t dusk_stream_drain(dusk_stream *s, dusk_event *out, size_t max);
/* Events appended so far, and events lost (only when a block could not be
 * allocated; a run with a stream then still completes, and its other
 * events still come out, though near a loss not always in order).
 * During a run, appended counts events some of which a drain may not
 * return yet (an earlier one in the order is still being written, or,
 * in a threads run, they are of the last 20 us). Once the run has
 * returned, a drain returns them all. */
DUSK_API uint64_t dusk_stream_appended(const dusk_stream *s);
DUSK_API uint64_t dusk_stream_lost(const dusk_stream *s);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_EVENTS_H */
