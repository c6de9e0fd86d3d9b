/*
** dusk — schedulers: running a graph for some of its keys
** Library: libdusk (core/sched/: the run engine and one file per backend).
**
** dusk_get runs what a key needs and returns its value, as dask's get(dsk,
** 'z') does; dusk_get_list takes a list of keys and returns a tuple;
** dusk_compute takes any nesting of lists of keys (the request is an
** argument tree of dusk_ref and dusk_list) and returns the same nesting of
** tuples.
**
** A run executes the plan of the request (plan.h: the graph validated,
** culled to what the keys need and ordered; the graph keeps it for the
** next run of the same keys) on the scheduler dusk_options.scheduler
** names; any other value is DUSK_EINVAL, with a message naming it. Every
** scheduler runs the same graph to the same results. Ready tasks are taken
** in dusk_graph_order priority; each intermediate result is dropped as
** soon as the last task needing it has run; requested results are kept.
** When a task fails, no new task starts, running tasks finish, everything
** held is freed and the call returns the task's code with a message naming
** the key: "task 'b' (inc) failed: ...". The graph's entries are only
** read. Which thread calls the listeners, per scheduler: events.h.
**
** DUSK_SCHED_PROCESSES computes tasks in a pool of worker processes forked
** when the run starts (so register the functions first: dusk_func_register;
** a task whose function is not registered fails with DUSK_EINVAL naming
** its key). This process schedules: every event, pretask and posttask
** happens here, with the worker process's index (0 .. workers-1) as the
** worker id, and every result is held here. What travels, encoded
** (encode.h): None, bool, int, float, string, tuples of these and
** ndarrays (any dtype; encodings of 64 KiB or more through shared memory,
** mapped by the receiver, not copied element by element). Opaque values
** hold a pointer, which means nothing in another process: a task whose
** argument or result holds one fails with DUSK_ETYPE, "task 'k' (f)
** failed: its arguments cannot travel between processes: ..." (the value
** itself may still be asked for: it never leaves this process). A task
** whose worker dies (a signal, abort, exit) ends the run with DUSK_ETASK,
** "task 'k' (f) died: signal 11 (Segmentation fault)", unless retries
** allows a fresh worker to run it again (a worker found dead before the
** task reached it, killed while idle, is restarted once for that task
** without counting as a retry); the other workers finish their
** task and stop, and no worker process outlives the run (nor this
** process: they get SIGKILL if it dies). A task's side effects on this
** process's memory (its ud, globals) stay in its worker: functions talk
** through their arguments and results. Array stores (array.h) write their
** blocks from this process, which holds the HDF5 file.
*/
#ifndef DUSK_SCHED_H
#define DUSK_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "events.h"
#include "graph.h"
#include "plan.h"
#include "value.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    DUSK_SCHED_SYNC = 0,   /* one thread, the caller's: for debugging */
    DUSK_SCHED_THREADS,    /* a pool of pthreads: the default */
    DUSK_SCHED_PROCESSES = 2,  /* a pool of forked processes: see the top */
    DUSK_SCHED_MPI = 3         /* MPI ranks, once dusk_mpi_init has run (dusk/mpi.h) */
} dusk_sched_kind;

/* What a run measured. */
typedef struct dusk_run_stats {
    uint64_t ntasks;       /* tasks run (after culling) */
    uint64_t wall_ns;      /* from first to last event of the run */
    uint64_t held_peak;    /* most bytes held at once (several threads
                              workers: the most one saw at a task's end,
                              or held_end if more, which may miss what the
                              others had not counted in yet, under 4 KiB
                              each: see `held` in events.h) */
    uint64_t held_end;     /* bytes held at the end (the requested results) */
    int workers;           /* worker threads used */
} dusk_run_stats;

typedef struct dusk_options {
    dusk_sched_kind scheduler;
    int workers;                       /* 0: the number of cores */
    const dusk_callbacks *callbacks;   /* array of ncallbacks, or NULL */
    size_t ncallbacks;
    dusk_stream *stream;               /* or NULL */
    dusk_run_stats *stats;             /* filled when not NULL */
    int retries;                       /* processes: restarts of a dead worker
                                          per task (0: a death fails the run) */
} dusk_options;

/* The defaults: threads, one worker per core, no listeners. opts may be NULL
 * wherever it is taken, meaning these. */
#define DUSK_OPTIONS_INIT {DUSK_SCHED_THREADS, 0, NULL, 0, NULL, NULL, 0}

/* Runs the graph for key and sets *out to its value (a new reference). */
DUSK_API int dusk_get(dusk_graph *g, const char *key, const dusk_options *opts,
             dusk_value **out, dusk_error *err);
/* For n keys; *out is a tuple of their values in order. */
DUSK_API int dusk_get_list(dusk_graph *g, const char *const *keys, size_t n,
                  const dusk_options *opts, dusk_value **out, dusk_error *err);
/* For a request made of dusk_ref and (nested) dusk_list; takes the request
 * over. Literals in it come back as they are. A NULL request is a
 * constructor that ran out of memory: DUSK_ENOMEM (error.h, rule 2). */
DUSK_API int dusk_compute(dusk_graph *g, dusk_arg *request, const dusk_options *opts,
                 dusk_value **out, dusk_error *err);

/* The process ids of the worker processes of every DUSK_SCHED_PROCESSES
 * run going on in this process (from any thread): up to n of them into pids
 * (which may be NULL when n is 0); returns how many there are, which may
 * exceed n. For a memory sampler: the pool's RSS is this process's plus
 * theirs (the profiler's sampler adds them). 0 when no such run is going. */
DUSK_API size_t dusk_sched_worker_pids(int *pids, size_t n);

/* Number of online processors (at least 1). */
DUSK_API int dusk_ncores(void);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_SCHED_H */
