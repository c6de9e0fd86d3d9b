/*
** dusk — the remote backend: a run whose workers are other processes,
** reached through a registered transport (include/dusk/transport.h)
**
** libdusk links no MPI: libdusk-mpi registers a dusk_transport (a table of
** functions: send a task, receive an outcome, end the run, serve) under
** DUSK_SCHED_MPI, and this file makes a backend of it. That table is the
** whole interface between the two libraries, all of it public dusk_ API,
** so libdusk keeps exporting nothing but dusk_ names and another transport
** (TCP, say) would need no change here.
**
** The scheduling process keeps the run (sched.h: "a backend whose tasks
** run in another address space calls all of these on its own threads in
** the caller's process"). Here that is one thread, the caller's: for each
** idle worker it takes a step, computes values and aliases itself, and
** sends the first real task's message; then it waits for any outcome and
** takes that worker's next step with it. Steps are serialised by being on
** one thread. A worker with nothing to do flushes its events at once, as a
** worker about to wait must. With no worker at all (a job of one process)
** it is the sync backend.
**
** Serving processes never reach the run engine: dusk__compute_on asks the
** backend's serve hook after making the plan (so that a bad graph fails in
** every process alike), and serve runs task messages until the scheduler
** ends the run.
*/
#include <pthread.h>
#include <string.h>

#include "core/util.h"
#include "dusk/alloc.h"
#include "dusk/encode.h"
#include "dusk/transport.h"
#include "sched.h"

enum { MAX_TRANSPORTS = 4 };

/* Registered transports and a backend for each (name and kind filled at
 * registration). Registration happens before runs, normally once at start
 * (dusk_mpi_init); the lock keeps two registering threads apart. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static dusk_transport transports[MAX_TRANSPORTS];
static dusk__backend remote_backends[MAX_TRANSPORTS];
static int used[MAX_TRANSPORTS];

static const dusk_transport *transport_of(const dusk__backend *be)
{
    return &transports[be - remote_backends];
}

static const dusk_transport *transport_for_kind(int kind)
{
    for (int i = 0; i < MAX_TRANSPORTS; i++)
        if (used[i] && transports[i].kind == kind)
            return &transports[i];
    return NULL;
}

/* DUSK_SCHED_MPI before libdusk-mpi has registered its transport: a
 * backend that refuses with a message saying what to call, where an
 * unknown scheduler's would only say which ones there are. */
static int unregistered_workers(const dusk_options *o, dusk_error *err)
{
    (void)o;
    return dusk_error_set(err, DUSK_EINVAL, "scheduler DUSK_SCHED_MPI is not started: call "
                          "dusk_mpi_init (dusk/mpi.h, libdusk-mpi) on every rank first");
}
static const dusk__backend mpi_unregistered = {.name = "mpi", .kind = DUSK_SCHED_MPI,
                                               .workers = unregistered_workers};

const dusk__backend *dusk__remote_find(int kind)
{
    pthread_mutex_lock(&reg_mu);
    const dusk__backend *be = NULL;
    for (int i = 0; i < MAX_TRANSPORTS && !be; i++)
        if (used[i] && transports[i].kind == kind)
            be = &remote_backends[i];
    pthread_mutex_unlock(&reg_mu);
    if (!be && kind == DUSK_SCHED_MPI)
        be = &mpi_unregistered;
    return be;
}

/* --- the scheduling side --------------------------------------------------------- */

typedef struct remote {
    const dusk_transport *tp;
    int64_t *inflight;   /* per worker: the task it runs, or -1 */
    int nbusy;
    int ended;           /* the serving processes have been told */
} remote;

static int remote_workers(const dusk_options *o, dusk_error *err)
{
    const dusk_transport *tp = transport_for_kind((int)o->scheduler);
    if (!tp)
        return dusk_error_set(err, DUSK_EINVAL, "scheduler %d has no transport registered",
                              (int)o->scheduler);
    int n = tp->workers(tp->ud);
    return n > 0 ? n : 1;
}

static int remote_init(dusk__run *r, dusk_error *err)
{
    remote *rm = dusk_calloc(1, sizeof *rm);
    if (!rm)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    r->backend = rm;
    rm->tp = transport_of(r->be);
    if (!(rm->inflight = dusk_malloc((size_t)r->nworkers * sizeof *rm->inflight)))
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    for (int i = 0; i < r->nworkers; i++)
        rm->inflight[i] = -1;
    return 0;
}

/* One step for w with the outcome of done (-1: none), split around the
 * gates when a callback has one (as sync.c's gated_step). */
static int64_t step(dusk__run *r, dusk__worker *w, int64_t done, dusk_value *v, int status,
                    const dusk_error *terr)
{
    if (!dusk__run_gate_armed(r))
        return dusk__run_step(r, w, dusk__run_clock(r, w), done, v, status, terr);
    dusk__run_record(r, w, dusk__run_clock(r, w), done, v, status, terr);
    if (!dusk__run_wants_gate(r))
        return -1;
    dusk_error gerr;
    int rc = dusk__run_gate(r, w, &gerr);
    if (rc) {
        dusk__run_refused(r, rc, &gerr);
        return -1;
    }
    return dusk__run_take(r, w, dusk__run_clock(r, w));
}

/* Takes w's steps from the outcome of done until a task is sent to w (1)
 * or none is ready (0; w's events flushed). Values, aliases and tasks that
 * cannot be sent are settled here. */
static int feed(dusk__run *r, dusk__worker *w, int64_t done, dusk_value *v, int status,
                dusk_error *terr)
{
    remote *rm = r->backend;
    const dusk_transport *tp = rm->tp;
    for (;;) {
        int64_t t = step(r, w, done, v, status, terr);
        if (t < 0) {
            dusk__run_flush(r, w);
            return 0;
        }
        dusk__run_started(r, w, t);
        dusk_value *msg = NULL;
        void *buf = NULL;
        size_t len = 0;
        dusk_error_clear(terr);
        v = NULL;
        status = dusk__run_message(r, t, &msg, terr);
        if (status == 0 && !msg) {
            status = dusk__run_execute(r, t, &v, terr);   /* a value or an alias */
        } else if (status == 0) {
            status = dusk_value_encode(msg, &buf, &len, terr);
            if (status) {
                dusk_error e = *terr;
                dusk_error_set(terr, status, "its arguments cannot travel to another process "
                               "(%s)", e.msg);
            }
            if (status == 0)
                status = tp->send(tp->ud, w->id, t, buf, len, terr);
            dusk_free(buf);
            if (status == 0) {
                dusk_value_unref(msg);
                rm->inflight[w->id] = t;
                rm->nbusy++;
                return 1;
            }
        }
        dusk_value_unref(msg);
        dusk__run_ended(r, w, t, v, status);
        done = t;
    }
}

/* A worker's outcome bytes (dusk_task_run's) as a result or an error. */
static int outcome(const void *buf, size_t len, dusk_value **v, dusk_error *terr)
{
    *v = NULL;
    if (len == 0)
        return dusk_error_set(terr, DUSK_ENOMEM, "out of memory in the worker process");
    dusk_value *o = NULL;
    int rc = dusk_value_decode(buf, len, &o, NULL, terr);
    if (rc)
        return dusk_error_set(terr, DUSK_EINVAL, "its outcome from the worker process could "
                              "not be decoded");
    const dusk_value *code = dusk_tuple_get(o, 0);
    if (dusk_tuple_len(o) != 2 || dusk_value_kind(code) != DUSK_KIND_INT) {
        dusk_value_unref(o);
        return dusk_error_set(terr, DUSK_EINVAL, "its outcome from the worker process is "
                              "not (code, value)");
    }
    int64_t c = dusk_value_int(code);
    if (c == 0) {
        *v = dusk_value_ref(dusk_tuple_get(o, 1));
    } else {
        const char *m = dusk_value_str(dusk_tuple_get(o, 1));
        rc = dusk_error_set(terr, c < 0 && c >= DUSK_ECANCELED ? (int)c : DUSK_ETASK, "%s",
                            m ? m : "failed");
    }
    dusk_value_unref(o);
    return c == 0 ? 0 : rc;
}

static int remote_run(dusk__run *r, dusk_error *err)
{
    remote *rm = r->backend;
    const dusk_transport *tp = rm->tp;
    if (tp->workers(tp->ud) <= 0) {
        int rc = dusk__sched_sync.run(r, err);
        tp->end(tp->ud, r->status, &r->err);
        rm->ended = 1;
        return rc;
    }
    dusk_error terr = DUSK_ERROR_INIT;
    for (int i = 0; i < r->nworkers; i++)
        feed(r, &r->workers[i], -1, NULL, 0, &terr);
    while (rm->nbusy > 0) {
        int wi = -1;
        int64_t t = -1;
        void *buf = NULL;
        size_t len = 0;
        dusk_error rerr = DUSK_ERROR_INIT;
        int rc = tp->recv(tp->ud, &wi, &t, &buf, &len, &rerr);
        if (rc || wi < 0 || wi >= r->nworkers || rm->inflight[wi] != t) {
            /* A worker is gone or talks nonsense: nothing more can be
             * trusted to come back, so the run ends here. */
            dusk_free(buf);
            if (!rc)
                dusk_error_set(&rerr, DUSK_EINVAL, "%s: an outcome for task %lld from "
                               "worker %d, which was not running it", tp->name,
                               (long long)t, wi);
            dusk__run_refused(r, rc ? rc : DUSK_EINVAL, &rerr);
            break;
        }
        dusk__worker *w = &r->workers[wi];
        rm->inflight[wi] = -1;
        rm->nbusy--;
        dusk_value *v = NULL;
        dusk_error_clear(&terr);
        int status = outcome(buf, len, &v, &terr);
        dusk_free(buf);
        dusk__run_ended(r, w, t, v, status);
        feed(r, w, t, v, status, &terr);
        /* That outcome may have made more tasks ready than w takes. */
        for (int i = 0; i < r->nworkers && dusk__run_has_ready(r) && !dusk__run_over(r); i++)
            if (rm->inflight[i] < 0)
                feed(r, &r->workers[i], -1, NULL, 0, &terr);
    }
    for (int i = 0; i < r->nworkers; i++)
        dusk__run_flush(r, &r->workers[i]);
    r->used = r->nworkers;
    int rc = r->status;
    dusk_error e = r->err;
    if (!rc && r->done < r->nrun)
        rc = dusk_error_set(&e, DUSK_ESYS, "run stopped with %zu of %zu tasks done",
                            r->done, r->nrun);
    tp->end(tp->ud, rc, &e);
    rm->ended = 1;
    return 0;
}

static void remote_fini(dusk__run *r)
{
    remote *rm = r->backend;
    if (!rm) {
        /* The run failed before init (run.c's early exits): the serving
         * processes wait for it all the same. */
        dusk_error e;
        dusk_error_set(&e, DUSK_ECANCELED, "the scheduling process could not start the run");
        const dusk_transport *tp = transport_of(r->be);
        tp->end(tp->ud, DUSK_ECANCELED, &e);
        return;
    }
    if (!rm->ended) {
        /* The run never started (init failed): the serving processes wait
         * for it all the same, and must hear that it is over. */
        dusk_error e;
        dusk_error_set(&e, DUSK_ECANCELED, "the scheduling process could not start the run");
        rm->tp->end(rm->tp->ud, DUSK_ECANCELED, &e);
    }
    dusk_free(rm->inflight);
    dusk_free(rm);
    r->backend = NULL;
}

/* --- the serving side ----------------------------------------------------------- */

static int remote_serve(const dusk__backend *be, int *served, dusk_error *err)
{
    const dusk_transport *tp = transport_of(be);
    *served = !tp->schedules(tp->ud);
    if (!*served)
        return 0;
    return tp->serve(tp->ud, err);
}

int dusk_task_run(const void *msg, size_t len, void **out, size_t *outlen, dusk_error *err)
{
    if (out)
        *out = NULL;
    if (outlen)
        *outlen = 0;
    DUSK__NONNULL(err, msg);
    DUSK__NONNULL(err, out);
    DUSK__NONNULL(err, outlen);
    dusk_value *m = NULL, *res = NULL;
    dusk_error terr = DUSK_ERROR_INIT;
    int rc = dusk_value_decode(msg, len, &m, NULL, &terr);
    if (rc == 0)
        rc = dusk__task_call(m, &res, &terr);
    dusk_value_unref(m);
    for (int pass = 0; pass < 2; pass++) {
        dusk_value *o = dusk_tuple_new(2);
        if (!o)
            break;
        dusk_tuple_set(o, 0, dusk_int(rc));
        dusk_tuple_set(o, 1, rc ? dusk_string(terr.msg[0] ? terr.msg : dusk_strerror(rc))
                                : dusk_value_ref(res));
        int erc = dusk_value_encode(o, out, outlen, &terr);
        dusk_value_unref(o);
        if (erc == 0) {
            dusk_value_unref(res);
            return 0;
        }
        if (rc)
            break;   /* not even the error travels */
        /* The result cannot travel (an opaque value): the task fails. */
        rc = erc;
        dusk_error e = terr;
        dusk_error_set(&terr, erc, "its result cannot travel to the scheduling process (%s)",
                       e.msg);
    }
    dusk_value_unref(res);
    return dusk_error_set(err, DUSK_ENOMEM, "out of memory for a task's outcome");
}

/* --- registration --------------------------------------------------------------- */

int dusk_transport_register(const dusk_transport *t, dusk_error *err)
{
    DUSK__NONNULL(err, t);
    if (!t->name || !t->schedules || !t->workers || !t->send || !t->recv || !t->end ||
        !t->serve)
        return dusk_error_set(err, DUSK_EINVAL, "transport %s lacks a function (name, "
                              "schedules, workers, send, recv, end and serve are needed)",
                              t->name ? t->name : "(unnamed)");
    if (dusk__backend_find_own(t->kind))
        return dusk_error_set(err, DUSK_EINVAL, "transport %s: scheduler %d is libdusk's own",
                              t->name, t->kind);
    pthread_mutex_lock(&reg_mu);
    int slot = -1;
    for (int i = 0; i < MAX_TRANSPORTS; i++)
        if (used[i] && transports[i].kind == t->kind)
            slot = i;
    for (int i = 0; i < MAX_TRANSPORTS && slot < 0; i++)
        if (!used[i])
            slot = i;
    if (slot >= 0) {
        transports[slot] = *t;
        remote_backends[slot] = (dusk__backend){
            .name = t->name, .kind = t->kind, .workers = remote_workers,
            .init = remote_init, .run = remote_run, .fini = remote_fini,
            .serve = remote_serve};
        used[slot] = 1;
    }
    pthread_mutex_unlock(&reg_mu);
    if (slot < 0)
        return dusk_error_set(err, DUSK_ENOMEM, "transport %s: %d transports are registered "
                              "already", t->name, MAX_TRANSPORTS);
    return 0;
}

void dusk_transport_unregister(int kind)
{
    pthread_mutex_lock(&reg_mu);
    for (int i = 0; i < MAX_TRANSPORTS; i++)
        if (used[i] && transports[i].kind == kind)
            used[i] = 0;
    pthread_mutex_unlock(&reg_mu);
}
