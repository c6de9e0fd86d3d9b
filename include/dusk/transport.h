/*
** dusk — transports: schedulers whose workers are other processes
** Library: libdusk (core/sched/remote.c).
**
** A transport carries tasks to workers in other processes and their
** outcomes back; libdusk-mpi's MPI ranks are one (dusk/mpi.h). libdusk
** itself links no transport library: the transport registers itself here
** under a dusk_sched_kind, and from then on dusk_get / dusk_compute /
** the array store calls with that `scheduler` run on it, with the same
** plan, priorities, early release, events and errors as the threads
** scheduler.
**
** Every process of the job calls the same dusk_compute on the same graph.
** In the process that schedules (transport->schedules() is 1) the run
** engine takes its steps on the calling thread and, for each worker the
** transport has, sends a ready task as a message, then waits for an
** outcome and hands out more tasks with it. Events, pretask and posttask
** are called there, with worker ids 0..workers()-1, and times on that
** process's clock (a task's START is when it was sent, its END when its
** outcome came back). In every other process the call serves instead:
** transport->serve() runs the messages it is given with dusk_task_run
** until the run is over, and the call returns the run's status and
** message (the scheduler's: the failing task's key) with *out None.
**
** Data locality: a result whose encoding is larger than DUSK_TASK_INLINE
** bytes stays in the worker that made it (dusk_task_run keeps it; the
** outcome says only its size), and the scheduler holds a handle in its
** place (an opaque value of the result's size, so held bytes and events
** count it; posttask gets NULL for it). A task message names such inputs
** by (task, holder) instead of carrying them; the worker that runs it
** takes them from its own results or fetches them from their holder
** (dusk_task_run's fetch: the transport asks the holder, which answers
** with dusk_task_held_encode). A worker keeps a copy of each input it
** fetched, and its outcome names them, so that its later tasks need not
** fetch them again. The scheduler hands each ready task to the free
** worker that holds most of its input bytes (copies count), and runs a
** later ready task first where its inputs are when the first one's
** holders are busy. When the run releases a held result, its holder and
** every worker with a copy are told (drop); the
** requested results are fetched to the scheduling process at the end;
** ending a run drops every result a worker still holds. Smaller results
** come back in the outcome and travel inside task messages, as before.
**
** The task message (dusk_encode.h bytes) is the tuple (inputs, call):
** call is (function key, arguments...) with None where a held input goes,
** inputs a tuple of (task id, holder worker, path...), path the indices
** from call down to that None (lists are tuples). The outcome is (0,
** result), (code, message), or (0, None, bytes) for a result kept; a task
** that fetched inputs and kept copies of them names them after: (0,
** result, None, (t...)) or (0, None, bytes, (t...)). A task that fails
** keeps no copy. (code, message, None): the serving process could not
** take part in this run (its own call failed before the run: a graph not
** the scheduler's), and the run fails naming that worker.
**
** Values that cannot be encoded (opaque values) cannot travel: such a task
** fails the run with a message naming its key. Functions must be
** registered (dusk_func_register) in every process, before the run.
**
** A process whose call fails before its part of the run (its graph lacks
** a key the others have, say) takes that part all the same, so that the
** others do not wait for it: the scheduling process ends the run at once
** (end, with its reason), a serving one serves it, answering each task
** with its reason instead of running it; its call returns its own error.
*/
#ifndef DUSK_TRANSPORT_H
#define DUSK_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dusk_transport {
    const char *name;      /* "mpi": in messages */
    int kind;              /* the dusk_options.scheduler value that selects it */
    void *ud;              /* passed to every function below */
    /* 1 in the process that schedules runs, 0 in those that serve them. */
    int (*schedules)(void *ud);
    /* How many workers the scheduling process can send tasks to (0: none;
     * the scheduling process then runs every task itself). */
    int (*workers)(void *ud);
    /* Scheduling side. send hands worker w (0 <= w < workers()) task t's
     * message of len bytes (borrowed until the call returns). t is the
     * run's number << 32 | the task's id in the graph: recv gives it back
     * with the outcome, and an outcome of an earlier run (one that failed
     * while the task ran) is ignored. Held results, fetch and drop name
     * tasks by the same t. */
    int (*send)(void *ud, int w, int64_t t, const void *msg, size_t len, dusk_error *err);
    /* Blocks until some worker's outcome has come back: sets *w, *t and
     * *out / *len to a buffer the transport allocated with dusk_malloc (the
     * caller frees it) holding dusk_task_run's bytes. A code (err set)
     * when a worker cannot be reached any more: the run fails with it.
     * A code with *w and *t set to a worker and the task it runs: that
     * worker failed during the run (it runs nothing more in it), and the
     * run fails with the code once the other workers' tasks are done. */
    int (*recv)(void *ud, int *w, int64_t *t, void **out, size_t *len, dusk_error *err);
    /* The run is over with status rc (0, or the code of rerr): every
     * serving process is told, so that its serve returns rc and rerr. */
    void (*end)(void *ud, int rc, const dusk_error *rerr);
    /* Serving side: runs the messages of one run (dusk_task_run) until the
     * scheduler ends it, answering other processes' fetches meanwhile (also
     * while its own task waits for an input: two workers may fetch from
     * each other), and then drops every result it holds
     * (dusk_task_held_clear); returns the run's status, its message in err. */
    int (*serve)(void *ud, dusk_error *err);
    /* Scheduling side, once no task runs (the end of a run): brings the
     * result of task t that worker w holds, as *out / *len, a buffer from
     * dusk_malloc holding dusk_task_held_encode's bytes (the caller frees
     * it). A code (err set) fails the run. */
    int (*fetch)(void *ud, int w, int64_t t, void **out, size_t *len, dusk_error *err);
    /* Scheduling side: tells worker w to drop the results of tasks ts[0..n)
     * (borrowed until the call returns), which the run has released. It
     * must not wait for w's running task: w reads it when that is done. */
    int (*drop)(void *ud, int w, const int64_t *ts, size_t n, dusk_error *err);
} dusk_transport;

/* Results whose encoding is at most this many bytes come back to the
 * scheduling process in the outcome; larger ones stay with their worker. */
#define DUSK_TASK_INLINE 4096

/* How a worker's dusk_task_run gets an input that another worker w holds:
 * the encoding of task t's result (dusk_task_held_encode's bytes there),
 * in *out (dusk_malloc'd; dusk_task_run frees it) and *len; or a code with
 * err set, which fails the task. */
typedef int (*dusk_task_fetch_fn)(void *ud, int w, int64_t t, void **out, size_t *len,
                                  dusk_error *err);

/* Registers t (copied) under t->kind, replacing an earlier registration of
 * that kind. Not during a run of that kind. Returns 0, or DUSK_EINVAL when
 * t lacks a function (every one is needed) or its kind is one of
 * libdusk's own schedulers (SYNC, THREADS, PROCESSES), or DUSK_ENOMEM when
 * 4 kinds are registered. */
DUSK_API int dusk_transport_register(const dusk_transport *t, dusk_error *err);
/* Forgets the transport of that kind (nothing if none): later runs with
 * that scheduler are DUSK_EINVAL again. */
DUSK_API void dusk_transport_unregister(int kind);

/* Serving side: runs task t's message (len bytes from the scheduler's send;
 * see the format above). Its inputs held here come from this process's
 * results; the others are fetched with fetch(fetch_ud, holder, ...)
 * (fetch NULL: such an input fails the task). Sets *out (dusk_malloc'd;
 * the caller frees it with dusk_free) and *outlen to its outcome, to be
 * returned through recv: the result, or the task's error code and
 * message, or, for a result larger than DUSK_TASK_INLINE bytes, its size,
 * the result being kept here under t (t < 0: never kept). Returns 0 once
 * *out is set, whether the task worked or not; DUSK_ENOMEM (err set) when
 * no outcome could be made at all, and the transport then sends an empty
 * outcome (len 0), which the scheduler reads as "out of memory in a
 * worker". One run at a time in a process. */
DUSK_API int dusk_task_run(int64_t t, const void *msg, size_t len, dusk_task_fetch_fn fetch,
                           void *fetch_ud, void **out, size_t *outlen, dusk_error *err);

/* Serving side, the results this process keeps. held_encode encodes task
 * t's result for another process (*out dusk_malloc'd, as
 * dusk_value_encode): DUSK_ENOKEY when it is not held here. held_drop
 * forgets t's (nothing if none); held_clear forgets all of them (the end
 * of a run). held_bytes gives the bytes held now and the most held at once
 * since the process started (either pointer may be NULL). */
DUSK_API int dusk_task_held_encode(int64_t t, void **out, size_t *len, dusk_error *err);
DUSK_API void dusk_task_held_drop(int64_t t);
DUSK_API void dusk_task_held_clear(void);
DUSK_API void dusk_task_held_bytes(uint64_t *bytes, uint64_t *peak);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_TRANSPORT_H */
