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
** transport has, sends the next ready task as a message (dusk_encode.h
** bytes: the function's registered key and its argument values, inputs
** included), then waits for an outcome and takes the next step with it.
** Events, pretask and posttask are called there, with worker ids
** 0..workers()-1, and times on that process's clock (a task's START is
** when it was sent, its END when its outcome came back). In every other
** process the call serves instead: transport->serve() runs the messages
** it is given with dusk_task_run until the run is over, and the call
** returns the run's status and message (the scheduler's: the failing
** task's key) with *out set to None.
**
** Values that cannot be encoded (opaque values) cannot travel: such a task
** fails the run with a message naming its key. Functions must be
** registered (dusk_func_register) in every process, before the run.
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
     * message of len bytes (borrowed until the call returns). */
    int (*send)(void *ud, int w, int64_t t, const void *msg, size_t len, dusk_error *err);
    /* Blocks until some worker's outcome has come back: sets *w, *t and
     * *out / *len to a buffer the transport allocated with dusk_malloc (the
     * caller frees it) holding dusk_task_run's bytes. A code (err set)
     * when a worker cannot be reached any more: the run fails with it. */
    int (*recv)(void *ud, int *w, int64_t *t, void **out, size_t *len, dusk_error *err);
    /* The run is over with status rc (0, or the code of rerr): every
     * serving process is told, so that its serve returns rc and rerr. */
    void (*end)(void *ud, int rc, const dusk_error *rerr);
    /* Serving side: runs the messages of one run (dusk_task_run) until the
     * scheduler ends it; returns the run's status, its message in err. */
    int (*serve)(void *ud, dusk_error *err);
} dusk_transport;

/* Registers t (copied) under t->kind, replacing an earlier registration of
 * that kind. Not during a run of that kind. Returns 0,
 * or DUSK_EINVAL when t lacks a function or its kind is one of libdusk's own
 * schedulers (SYNC, THREADS, PROCESSES), or DUSK_ENOMEM when 4 kinds are registered. */
DUSK_API int dusk_transport_register(const dusk_transport *t, dusk_error *err);
/* Forgets the transport of that kind (nothing if none): later runs with
 * that scheduler are DUSK_EINVAL again. */
DUSK_API void dusk_transport_unregister(int kind);

/* Serving side: runs one task message (len bytes from the scheduler's
 * send) and sets *out (dusk_malloc'd; the caller frees it with dusk_free)
 * and *outlen to its outcome, to be returned through recv: the result, or
 * the task's error code and message. Returns 0 once *out is set, whether
 * the task worked or not; DUSK_ENOMEM (err set) when no outcome could be
 * made at all, and the transport then sends an empty outcome (len 0),
 * which the scheduler reads as "out of memory in a worker". */
DUSK_API int dusk_task_run(const void *msg, size_t len, void **out, size_t *outlen,
                           dusk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_TRANSPORT_H */
