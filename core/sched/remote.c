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
** the caller's process"). Here that is one thread, the caller's: it hands
** ready tasks to idle workers (computing values and aliases itself), then
** waits for any outcome, records it and hands out more. Steps are
** serialised by being on one thread; each is split (record, then take) so
** that the task taken and the worker it goes to can be chosen apart: a
** task goes where most of its input bytes are (transport.h, "Data
** locality"). Large results stay with their workers; the run holds handles
** for them (opaque values whose destructor queues the holder's drop). With
** no worker at all (a job of one process) it is the sync backend.
**
** Serving processes never reach the run engine: dusk__compute_on asks the
** backend's serve hook after making the plan (so that a bad graph fails in
** every process alike), and serve runs task messages until the scheduler
** ends the run; the results a serving process keeps are in its store
** below (dusk_task_held_*). A call that fails before its part of the run
** (a graph that is not the other processes') still takes that part, as
** the others wait for it: serve is asked with the failure, and ends the
** run at once in the scheduling process, or serves it refusing every task
** with the reason (dusk_task_run's (code, message, None) outcome), which
** fails the run there naming the worker. One that fails during the run
** (its transport's recv says which worker, and the task it ran) is lost to
** the run with that task: the run fails with its reason once the other
** workers' tasks are done, so that none is left running into the next.
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

/* How messages name worker w (-1: the process that schedules): by the
 * rank for MPI, whose users think in ranks (dusk/mpi.h fixes worker w as
 * rank w + 1: dusk_mpi_worker_rank), else by the worker. */
static const char *who(const dusk_transport *tp, int w, char *buf, size_t size)
{
    if (tp->kind == DUSK_SCHED_MPI)
        snprintf(buf, size, "rank %d", w + 1);
    else if (w < 0)
        snprintf(buf, size, "the scheduling process");
    else
        snprintf(buf, size, "worker %d", w);
    return buf;
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

/* A result kept by the worker that made it: the run holds an opaque value
 * whose pointer is this handle, and whose size is the result's (so the
 * run's memory figures and events are the holder's), instead of the value.
 * When the run drops it (released, or replaced by the value gathered at
 * the end) the holder is told to drop the result too. */
typedef struct held {
    struct remote *rm;
    int64_t t;                   /* the task's id as the transport carries it (tag) */
    int holder;                  /* the worker */
    uint64_t copies;             /* workers 0..63 (bits) that fetched it and keep a copy */
    uint64_t nbytes;
    dusk_value *gathered;        /* the value brought back, at the end */
} held;

typedef struct remote {
    const dusk_transport *tp;
    int64_t *inflight;   /* per worker: the task it runs, or -1 */
    int nbusy, nfree, nw;
    int ended;           /* the serving processes have been told */
    int64_t tag;         /* this run's number << 32: or'd into the task ids sent */
    held *handles;       /* per task id of the graph */
    size_t nhandles;
    uint64_t *on;        /* per worker: input bytes of the task being placed */
    int64_t *drops;      /* tasks whose results the run released, per holder: */
    size_t *ndrops;      /* drops + w * ndrops_cap, ndrops[w] of them */
    size_t ndrops_cap;
    int drop_failed;     /* out of memory queueing one: the run fails */
} remote;

/* The handle behind v when v stands for a result held by a worker, or NULL
 * (any other value, a user's opaque ones included). */
static held *held_of(const remote *rm, const dusk_value *v)
{
    if (!v || dusk_value_kind(v) != DUSK_KIND_OPAQUE)
        return NULL;
    uintptr_t p = (uintptr_t)dusk_opaque_ptr(v), lo = (uintptr_t)rm->handles;
    if (p < lo || p >= lo + rm->nhandles * sizeof(held))
        return NULL;
    return (held *)p;
}

/* Queues "drop t" for worker w, sent by the next send_drops. */
static void queue_drop(remote *rm, int w, int64_t t)
{
    size_t *n = &rm->ndrops[w];
    if (*n == rm->ndrops_cap) {
        size_t cap = rm->ndrops_cap ? 2 * rm->ndrops_cap : 64;
        int64_t *d = dusk_malloc(cap * (size_t)rm->nw * sizeof *d);
        if (!d) {
            rm->drop_failed = 1;
            return;
        }
        for (int k = 0; k < rm->nw; k++)
            if (rm->ndrops[k])
                memcpy(d + (size_t)k * cap, rm->drops + (size_t)k * rm->ndrops_cap,
                       rm->ndrops[k] * sizeof *d);
        dusk_free(rm->drops);
        rm->drops = d;
        rm->ndrops_cap = cap;
    }
    rm->drops[(size_t)w * rm->ndrops_cap + (*n)++] = t;
}

static void held_dtor(void *p)
{
    held *h = p;
    remote *rm = h->rm;
    dusk_value_unref(h->gathered);
    h->gathered = NULL;
    if (rm->ended)
        return;   /* the holders have dropped everything with the end */
    queue_drop(rm, h->holder, h->t);
    for (int w = 0; w < 64 && h->copies >> w; w++)
        if (h->copies >> w & 1)
            queue_drop(rm, w, h->t);
    h->copies = 0;
    h->t = -1;   /* dropped: a copy named after this is dropped at once (note_copies) */
}

/* Tells the holders what the run released since the last call: one
 * message to each holder with something to drop. */
static void send_drops(dusk__run *r)
{
    remote *rm = r->backend;
    dusk_error e;
    int rc = 0;
    if (rm->drop_failed) {
        rm->drop_failed = 0;
        rc = dusk_error_set(&e, DUSK_ENOMEM, "out of memory telling a worker to drop a result");
    }
    for (int w = 0; w < r->nworkers && !rc; w++)
        if (rm->ndrops[w])
            rc = rm->tp->drop(rm->tp->ud, w, rm->drops + (size_t)w * rm->ndrops_cap,
                              rm->ndrops[w], &e);
    for (int w = 0; w < r->nworkers; w++)
        rm->ndrops[w] = 0;
    if (rc)
        dusk__run_refused(r, rc, &e);
}

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
    size_t nw = (size_t)r->nworkers;
    rm->nhandles = r->plan->gsize ? r->plan->gsize : 1;
    rm->inflight = dusk_malloc(nw * sizeof *rm->inflight);
    rm->on = dusk_calloc(nw, sizeof *rm->on);
    rm->ndrops = dusk_calloc(nw, sizeof *rm->ndrops);
    rm->handles = dusk_calloc(rm->nhandles, sizeof *rm->handles);
    if (!rm->inflight || !rm->on || !rm->ndrops || !rm->handles)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    for (int i = 0; i < r->nworkers; i++)
        rm->inflight[i] = -1;
    rm->nfree = rm->nw = r->nworkers;
    /* Task ids are below 2^32 (core/graph.h); the run's number above them
     * tells this run's outcomes from a failed earlier run's. */
    static uint32_t runs;
    rm->tag = (int64_t)(__atomic_add_fetch(&runs, 1, __ATOMIC_RELAXED) & 0x7fffffff) << 32;
    return 0;
}

/* --- placing a task ---------------------------------------------------------------- */

/* Input bytes of task t held by each worker (rm->on); the most any worker
 * holds. */
static uint64_t inputs_on(dusk__run *r, int64_t t)
{
    remote *rm = r->backend;
    const dusk_plan *p = r->plan;
    uint64_t most = 0;
    memset(rm->on, 0, (size_t)r->nworkers * sizeof *rm->on);
    for (int64_t k = p->dep_off[t]; k < p->dep_off[t + 1]; k++) {
        held *h = held_of(rm, r->s[p->dep_ids[k]].result);
        if (!h)
            continue;
        if ((rm->on[h->holder] += h->nbytes) > most)
            most = rm->on[h->holder];
        for (int w = 0; w < r->nworkers && w < 64 && h->copies >> w; w++)
            if ((h->copies >> w & 1) && (rm->on[w] += h->nbytes) > most)
                most = rm->on[w];
    }
    return most;
}

/* The free worker holding most of t's input bytes (ties: prefer, then the
 * lowest); *all gets whether no busy worker holds more. */
static int best_free(dusk__run *r, int64_t t, int prefer, int *all)
{
    remote *rm = r->backend;
    uint64_t most = inputs_on(r, t);
    int best = -1;
    for (int w = 0; w < r->nworkers; w++)
        if (rm->inflight[w] < 0 &&
            (best < 0 || rm->on[w] > rm->on[best] || (rm->on[w] == rm->on[best] && w == prefer)))
            best = w;
    *all = best >= 0 && rm->on[best] == most;
    return best;
}

/* The ready heap is run.c's (sched.h): with .picks set, every ready task
 * is in r->heap[0..hsize), a binary min-heap of prio << 32 | id. To run a
 * task other than the top where its inputs are, it is moved to the top by
 * lowering its key to prio 0 (its id alone), which the next dusk__run_take
 * pops; only when that key is below the top's, so that it surely ends
 * there. Its priority no longer matters once it is taken. Returns whether
 * it moved. */
static int promote(dusk__run *r, size_t j)
{
    uint64_t e = r->heap[j] & UINT32_MAX;
    if (e >= r->heap[0])
        return 0;
    while (j > 0) {
        size_t up = (j - 1) / 2;
        r->heap[j] = r->heap[up];
        j = up;
    }
    r->heap[0] = e;
    return 1;
}

enum { SCAN = 256 };   /* ready tasks looked at for one that fits a free worker */

/* Picks the next task to hand out and the free worker to run it: the top
 * of the heap, on the free worker holding most of its input bytes. But
 * when a busy worker holds more of them, the first ready task (by
 * priority, among the first SCAN in the heap) that moves nothing, its
 * inputs being mostly on a free worker or none held at all, goes first,
 * and the top waits for its holder; only when no ready task fits do its
 * inputs move. Returns the worker. */
static int place(dusk__run *r, int prefer)
{
    int all = 0;
    int64_t top = (int64_t)(r->heap[0] & UINT32_MAX);
    int w = best_free(r, top, prefer, &all);
    if (all)
        return w;
    size_t n = r->hsize < SCAN ? r->hsize : SCAN, pick = 0;
    int pick_w = -1;
    for (size_t j = 1; j < n; j++) {
        if (pick_w >= 0 && r->heap[j] > r->heap[pick])
            continue;
        int fits = 0;
        int k = best_free(r, (int64_t)(r->heap[j] & UINT32_MAX), prefer, &fits);
        if (fits) {
            pick = j;
            pick_w = k;
        }
    }
    if (pick_w >= 0 && promote(r, pick))
        return pick_w;
    return w;
}

/* --- messages ---------------------------------------------------------------------- */

/* Replaces, in tuple m (at path[0..depth)), each value that stands for a
 * held result with None, and adds (task, holder, path...) to refs. Only
 * tuples the run built for this message hold such values (a result held
 * here never contains one), so m is changed in place. */
static int strip(remote *rm, dusk_value *m, int64_t *path, int depth, dusk_value ***refs,
                 size_t *nrefs, size_t *cap)
{
    size_t n = dusk_tuple_len(m);
    for (size_t i = 0; i < n; i++) {
        dusk_value *v = dusk_tuple_get(m, i);
        path[depth] = (int64_t)i;
        held *h = held_of(rm, v);
        if (!h) {
            if (dusk_value_kind(v) == DUSK_KIND_TUPLE && depth + 1 < DUSK_ENCODE_MAXDEPTH) {
                int rc = strip(rm, v, path, depth + 1, refs, nrefs, cap);
                if (rc)
                    return rc;
            }
            continue;
        }
        if (*nrefs == *cap) {
            size_t c = *cap ? 2 * *cap : 8;
            dusk_value **a = dusk_realloc(*refs, c * sizeof *a);
            if (!a)
                return DUSK_ENOMEM;
            *refs = a;
            *cap = c;
        }
        dusk_value *ref = dusk_tuple_new(3 + (size_t)depth);
        if (!ref)
            return DUSK_ENOMEM;
        dusk_tuple_set(ref, 0, dusk_int(h->t));
        dusk_tuple_set(ref, 1, dusk_int(h->holder));
        for (int d = 0; d <= depth; d++)
            dusk_tuple_set(ref, 2 + (size_t)d, dusk_int(path[d]));
        (*refs)[(*nrefs)++] = ref;
        dusk_tuple_set(m, i, dusk_none());
    }
    return 0;
}

/* Task t's message for a worker (dusk_task_run's format, transport.h):
 * (refs, (key, args...)), encoded. */
static int encode_task(remote *rm, dusk_value *call, void **buf, size_t *len, dusk_error *terr)
{
    int64_t path[DUSK_ENCODE_MAXDEPTH];
    dusk_value **refs = NULL;
    size_t nrefs = 0, cap = 0;
    int rc = strip(rm, call, path, 0, &refs, &nrefs, &cap);
    dusk_value *rt = rc ? NULL : dusk_tuple_new(nrefs);
    for (size_t i = 0; i < nrefs; i++)
        dusk_tuple_set(rt, i, refs[i]);   /* steals each, rt NULL or not */
    dusk_free(refs);
    dusk_value *m = rt ? dusk_tuple_new(2) : NULL;
    if (!m) {
        dusk_value_unref(rt);
        return dusk_error_set(terr, DUSK_ENOMEM, "out of memory for its message");
    }
    dusk_tuple_set(m, 0, rt);
    dusk_tuple_set(m, 1, dusk_value_ref(call));
    rc = dusk_value_encode(m, buf, len, terr);
    dusk_value_unref(m);
    if (rc) {
        dusk_error e = *terr;
        dusk_error_set(terr, rc, "its arguments cannot travel to another process (%s)", e.msg);
    }
    return rc;
}

/* Worker w kept a copy of each input it fetched for its task, named in
 * its outcome (copies): counted where it is for placing later tasks, and
 * dropped with the result. A copy of something no longer held here (or
 * on a worker past the 64 a mask records) is dropped at once. */
static void note_copies(dusk__run *r, int w, const dusk_value *copies)
{
    remote *rm = r->backend;
    for (size_t i = 0; i < dusk_tuple_len(copies); i++) {
        const dusk_value *c = dusk_tuple_get(copies, i);
        if (dusk_value_kind(c) != DUSK_KIND_INT)
            continue;
        int64_t ct = dusk_value_int(c), tid = ct & UINT32_MAX;
        /* the handle itself, not tid's slot: an alias settled here holds
         * the handle after tid's own slot has been released */
        held *h = (ct & ~(int64_t)UINT32_MAX) == rm->tag && (size_t)tid < rm->nhandles
                      ? &rm->handles[tid]
                      : NULL;
        if (h && h->t != ct)
            h = NULL;   /* never made, or dropped (held_dtor) */
        if (h && w == h->holder)
            continue;   /* its own result (a worker never fetches those) */
        if (h && w < 64)
            h->copies |= (uint64_t)1 << w;
        else
            queue_drop(rm, w, ct);
    }
}

/* A worker's outcome bytes (dusk_task_run's) as a result, a handle to the
 * result the worker kept, or an error. */
static int outcome(dusk__run *r, int w, int64_t t, const void *buf, size_t len,
                   dusk_value **v, int *refused, dusk_error *terr)
{
    remote *rm = r->backend;
    *v = NULL;
    *refused = 0;
    if (len == 0)
        return dusk_error_set(terr, DUSK_ENOMEM, "out of memory in the worker process");
    dusk_value *o = NULL;
    int rc = dusk_value_decode(buf, len, &o, NULL, terr);
    if (rc)
        return dusk_error_set(terr, DUSK_EINVAL, "its outcome from the worker process could "
                              "not be decoded");
    const dusk_value *code = dusk_tuple_get(o, 0);
    size_t n = dusk_tuple_len(o);
    dusk_kind held_kind = n >= 3 ? dusk_value_kind(dusk_tuple_get(o, 2)) : DUSK_KIND_NONE;
    if (n == 3 && dusk_value_kind(code) == DUSK_KIND_INT && dusk_value_int(code) != 0 &&
        held_kind == DUSK_KIND_NONE) {
        /* (code, message, None): the worker takes no part in this run */
        int64_t c = dusk_value_int(code);
        const char *m = dusk_value_str(dusk_tuple_get(o, 1));
        *refused = 1;
        rc = dusk_error_set(terr, c < 0 && c >= DUSK_ECANCELED ? (int)c : DUSK_ETASK, "%s",
                            m ? m : "failed");
        dusk_value_unref(o);
        return rc;
    }
    if (n < 2 || n > 4 || dusk_value_kind(code) != DUSK_KIND_INT ||
        (n >= 3 && (dusk_value_int(code) != 0 ||
                    (held_kind != DUSK_KIND_INT && held_kind != DUSK_KIND_NONE))) ||
        (n == 4 && dusk_value_kind(dusk_tuple_get(o, 3)) != DUSK_KIND_TUPLE)) {
        dusk_value_unref(o);
        return dusk_error_set(terr, DUSK_EINVAL, "its outcome from the worker process is "
                              "not (code, value) or (0, value or None, bytes held or None[, "
                              "copies])");
    }
    int64_t c = dusk_value_int(code);
    if (n == 4)
        note_copies(r, w, dusk_tuple_get(o, 3));
    if (held_kind == DUSK_KIND_INT) {
        held *h = &rm->handles[t];
        *h = (held){.rm = rm, .t = rm->tag | t, .holder = w,
                    .nbytes = (uint64_t)dusk_value_int(dusk_tuple_get(o, 2))};
        if (!(*v = dusk_opaque(h, held_dtor, h->nbytes))) {
            h->t = -1;   /* no handle: nothing here is held (note_copies) */
            rc = dusk_error_set(terr, DUSK_ENOMEM, "out of memory for its result's handle");
        }
    } else if (c == 0) {
        *v = dusk_value_ref(dusk_tuple_get(o, 1));
    } else {
        const char *m = dusk_value_str(dusk_tuple_get(o, 1));
        rc = dusk_error_set(terr, c < 0 && c >= DUSK_ECANCELED ? (int)c : DUSK_ETASK, "%s",
                            m ? m : "failed");
    }
    dusk_value_unref(o);
    return rc;
}

/* --- the run ---------------------------------------------------------------------- */

/* Hands ready tasks to free workers, each where most of its input bytes
 * are, until no worker is free or nothing is ready. Values, aliases and
 * tasks that cannot be sent are settled here. */
static void dispatch(dusk__run *r, int prefer)
{
    remote *rm = r->backend;
    const dusk_transport *tp = rm->tp;
    dusk_error terr = DUSK_ERROR_INIT;
    while (rm->nfree > 0 && dusk__run_has_ready(r) && !dusk__run_over(r)) {
        int k = place(r, prefer);
        dusk__worker *w = &r->workers[k];
        if (dusk__run_gate_armed(r)) {
            dusk_error gerr;
            int rc = dusk__run_gate(r, w, &gerr);
            if (rc) {
                dusk__run_refused(r, rc, &gerr);
                break;
            }
        }
        int64_t t = dusk__run_take(r, w, dusk__run_clock(r, w));
        if (t < 0)
            break;
        dusk__run_started(r, w, t);
        dusk_value *call = NULL, *v = NULL;
        void *buf = NULL;
        size_t len = 0;
        dusk_error_clear(&terr);
        int status = dusk__run_message(r, t, &call, &terr);
        if (status == 0 && !call) {
            status = dusk__run_execute(r, t, &v, &terr);   /* a value or an alias */
        } else if (status == 0) {
            status = encode_task(rm, call, &buf, &len, &terr);
            if (status == 0)
                status = tp->send(tp->ud, k, rm->tag | t, buf, len, &terr);
            dusk_free(buf);
            dusk_value_unref(call);
            if (status == 0) {
                rm->inflight[k] = t;
                rm->nbusy++;
                rm->nfree--;
                continue;
            }
        }
        dusk__run_ended(r, w, t, held_of(rm, v) ? NULL : v, status);
        dusk__run_record(r, w, dusk__run_clock(r, w), t, v, status, &terr);
        dusk__run_flush(r, w);
    }
}

/* After a successful run: the requested results that workers hold are
 * brought here (each once, aliases sharing it); then every handle left
 * (a failed run's) is dropped, while this run's state still exists. */
static void gather(dusk__run *r)
{
    remote *rm = r->backend;
    const dusk_plan *p = r->plan;
    for (size_t i = 0; i < p->nwant && !r->status; i++) {
        int64_t t = p->want[i];
        held *h = held_of(rm, r->s[t].result);
        if (!h)
            continue;
        if (!h->gathered) {
            void *buf = NULL;
            size_t len = 0;
            dusk_error e = DUSK_ERROR_INIT;
            int rc = rm->tp->fetch(rm->tp->ud, h->holder, h->t, &buf, &len, &e);
            if (rc == 0 && dusk_value_decode(buf, len, &h->gathered, NULL, &e) != 0)
                rc = dusk_error_set(&e, DUSK_EINVAL, "%s: task %lld's result from worker %d "
                                    "could not be decoded", rm->tp->name, (long long)h->t,
                                    h->holder);
            dusk_free(buf);
            if (rc) {
                dusk_error why = e;
                char repr[256];
                dusk_error_set(&e, rc, "the result of task %s could not be brought back: %s",
                               dusk__task_repr(r->g, t, repr, sizeof repr), why.msg);
                dusk__run_refused(r, rc, &e);
                break;
            }
        }
        dusk_value *v = r->s[t].result;
        r->s[t].result = dusk_value_ref(h->gathered);
        dusk_value_unref(v);
    }
    for (size_t i = 0; i < p->n; i++) {
        int64_t t = dusk__plan_task(p, i);
        held *h = held_of(rm, r->s[t].result);
        if (h) {
            r->held -= h->nbytes;
            dusk_value_unref(r->s[t].result);
            r->s[t].result = NULL;
        }
    }
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
    dispatch(r, 0);
    send_drops(r);
    while (rm->nbusy > 0) {
        int wi = -1;
        int64_t t = -1;
        void *buf = NULL;
        size_t len = 0;
        dusk_error rerr = DUSK_ERROR_INIT;
        int rc = tp->recv(tp->ud, &wi, &t, &buf, &len, &rerr);
        if ((!rc || wi >= 0) && (t & ~(int64_t)UINT32_MAX) != rm->tag) {
            /* An earlier run's: that run ended (failed) while the task
             * ran. Its worker hears of this run only after it, so it is
             * no sign of trouble now; applying it could be (the same
             * task id may be running again). */
            dusk_free(buf);
            continue;
        }
        t &= UINT32_MAX;
        /* A code for worker wi's task: that worker failed (transport.h),
         * and it is lost to the run, with its task; the others' tasks are
         * waited for, so that none of them is left running. */
        int lost = rc && wi >= 0 && wi < r->nworkers && rm->inflight[wi] == t;
        if (!lost && (rc || wi < 0 || wi >= r->nworkers || rm->inflight[wi] != t)) {
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
        dusk_error terr = DUSK_ERROR_INIT;
        int refused = 0, status = rc;
        if (lost) {
            terr = rerr;
            dusk__run_refused(r, rc, &rerr);
        } else {
            rm->nfree++;
            status = outcome(r, wi, t, buf, len, &v, &refused, &terr);
        }
        dusk_free(buf);
        if (refused) {
            /* Not the task's failure: the worker's, which the run names
             * (the task's ERROR event follows, with its code). */
            char name[32];
            dusk_error e;
            dusk_error_set(&e, status, "%s: %s could not take part in the run: %s", tp->name,
                           who(tp, wi, name, sizeof name), terr.msg);
            dusk__run_refused(r, status, &e);
        }
        dusk__run_ended(r, w, t, held_of(rm, v) ? NULL : v, status);
        dusk__run_record(r, w, dusk__run_clock(r, w), t, v, status, &terr);
        /* w's END and READYs reach the listeners before any START they
         * allow; the results it released are dropped by their holders
         * before these hear of another task (so a chain holds two). */
        dusk__run_flush(r, w);
        send_drops(r);
        dispatch(r, wi);
        send_drops(r);
    }
    for (int i = 0; i < r->nworkers; i++)
        dusk__run_flush(r, &r->workers[i]);
    send_drops(r);
    gather(r);
    r->used = r->nworkers;
    int rc = r->status;
    dusk_error e = r->err;
    if (!rc && r->done < r->nrun)
        rc = dusk_error_set(&e, DUSK_ESYS, "run stopped with %zu of %zu tasks done",
                            r->done, r->nrun);
    rm->ended = 1;   /* ending drops every held result: no more drop lists */
    tp->end(tp->ud, rc, &e);
    return 0;
}

/* The run failed before it started (run.c's early exits, or init): the
 * serving processes wait for it all the same, and hear why it will not
 * come (r->status and r->err, set by run.c). */
static void end_unstarted(dusk__run *r)
{
    const dusk_transport *tp = transport_of(r->be);
    int code = r->status ? r->status : DUSK_ECANCELED;
    char name[32];
    dusk_error e;
    dusk_error_set(&e, code, "%s: %s could not start the run: %s", tp->name,
                   who(tp, -1, name, sizeof name),
                   r->err.msg[0] ? r->err.msg : dusk_strerror(code));
    tp->end(tp->ud, code, &e);
}

static void remote_fini(dusk__run *r)
{
    remote *rm = r->backend;
    if (!rm) {
        end_unstarted(r);
        return;
    }
    if (!rm->ended)
        end_unstarted(r);
    dusk_free(rm->inflight);
    dusk_free(rm->on);
    dusk_free(rm->ndrops);
    dusk_free(rm->drops);
    dusk_free(rm->handles);
    dusk_free(rm);
    r->backend = NULL;
}
/* --- the serving side ----------------------------------------------------------- */

/* Set while this process serves a run. A task it runs that starts a run
 * of the same kind would serve again inside the first: it would wait for
 * the scheduler's next message while the scheduler waits for the task's
 * outcome, and the end of the inner run would clear the outer one's
 * results (one run at a time per process). */
static int serving;

/* Set while this process serves a run it could not make (remote_serve's
 * failed): dusk_task_run answers every task with it. */
static const dusk_error *refusal;

static int remote_serve(const dusk__backend *be, const dusk_error *failed, int *served,
                        dusk_error *err)
{
    const dusk_transport *tp = transport_of(be);
    *served = !tp->schedules(tp->ud);
    if (failed && !*served) {
        /* The serving processes are waiting for this run: it is over. */
        char name[32];
        dusk_error e;
        dusk_error_set(&e, failed->code, "%s: %s could not start the run: %s", tp->name,
                       who(tp, -1, name, sizeof name),
                       failed->msg[0] ? failed->msg : dusk_strerror(failed->code));
        tp->end(tp->ud, failed->code, &e);
        return failed->code;
    }
    if (!*served)
        return 0;
    if (__atomic_exchange_n(&serving, 1, __ATOMIC_ACQ_REL)) {
        if (failed)
            return failed->code;   /* inside a task: no run of its own to take part in */
        return dusk_error_set(err, DUSK_EINVAL, "%s: a task cannot start a run on the "
                              "scheduler that runs it (this process serves that run "
                              "already); inside a task use DUSK_SCHED_SYNC, THREADS or "
                              "PROCESSES", tp->name);
    }
    __atomic_store_n(&refusal, failed, __ATOMIC_RELEASE);
    int rc = tp->serve(tp->ud, err);
    __atomic_store_n(&refusal, NULL, __ATOMIC_RELEASE);
    __atomic_store_n(&serving, 0, __ATOMIC_RELEASE);
    return failed ? failed->code : rc;
}

/* The results this process holds for the scheduler's run, by task id: an
 * open-addressing table (linear probing, key -1 empty), with the bytes
 * held. One run at a time per process (transport.h). */
static struct {
    pthread_mutex_t mu;
    int64_t *key;
    dusk_value **val;
    size_t cap, n;               /* cap a power of two, or 0 */
    uint64_t bytes, peak;
} H = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, 0, 0, 0};

static size_t slot_of(int64_t t, size_t cap)
{
    uint64_t x = (uint64_t)t * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 17) & (cap - 1);
}

/* Under H.mu: the slot holding t, or the empty one where it would go.
 * t >= 0: -1 marks an empty slot, whose value is never set. */
static size_t held_find(int64_t t)
{
    size_t i = slot_of(t, H.cap);
    while (H.key[i] != -1 && H.key[i] != t)
        i = (i + 1) & (H.cap - 1);
    return i;
}

/* Under H.mu: keeps v (taken over) as t's result. */
static int held_put(int64_t t, dusk_value *v)
{
    if (2 * (H.n + 1) > H.cap) {
        size_t cap = H.cap ? 2 * H.cap : 64;
        int64_t *key = dusk_malloc(cap * sizeof *key);
        dusk_value **val = dusk_malloc(cap * sizeof *val);
        if (!key || !val) {
            dusk_free(key);
            dusk_free(val);
            dusk_value_unref(v);
            return DUSK_ENOMEM;
        }
        for (size_t i = 0; i < cap; i++)
            key[i] = -1;
        for (size_t i = 0; i < H.cap; i++)
            if (H.key[i] != -1) {
                size_t j = slot_of(H.key[i], cap);
                while (key[j] != -1)
                    j = (j + 1) & (cap - 1);
                key[j] = H.key[i];
                val[j] = H.val[i];
            }
        dusk_free(H.key);
        dusk_free(H.val);
        H.key = key;
        H.val = val;
        H.cap = cap;
    }
    size_t i = held_find(t);
    if (H.key[i] == t) {
        H.bytes -= dusk_value_nbytes(H.val[i]);
        dusk_value_unref(H.val[i]);
    } else {
        H.n++;
    }
    H.key[i] = t;
    H.val[i] = v;
    H.bytes += dusk_value_nbytes(v);
    if (H.bytes > H.peak)
        H.peak = H.bytes;
    return 0;
}

/* Under H.mu: a new reference to t's result, or NULL. No result is kept
 * under a negative id (an ask too short to name one reads as -1). */
static dusk_value *held_get(int64_t t)
{
    if (!H.cap || t < 0)
        return NULL;
    size_t i = held_find(t);
    return H.key[i] == t ? dusk_value_ref(H.val[i]) : NULL;
}

void dusk_task_held_drop(int64_t t)
{
    if (t < 0)
        return;   /* never kept (and -1 would match an empty slot) */
    pthread_mutex_lock(&H.mu);
    size_t i = H.cap ? held_find(t) : 0;
    if (H.cap && H.key[i] == t) {
        H.bytes -= dusk_value_nbytes(H.val[i]);
        dusk_value_unref(H.val[i]);
        H.key[i] = -1;
        H.n--;
        /* Backward-shift: the entries after the hole that probed past it
         * move back, so that every lookup still finds its key. */
        for (size_t j = (i + 1) & (H.cap - 1); H.key[j] != -1; j = (j + 1) & (H.cap - 1)) {
            size_t home = slot_of(H.key[j], H.cap);
            if (((j - home) & (H.cap - 1)) >= ((j - i) & (H.cap - 1))) {
                H.key[i] = H.key[j];
                H.val[i] = H.val[j];
                H.key[j] = -1;
                i = j;
            }
        }
    }
    pthread_mutex_unlock(&H.mu);
}

void dusk_task_held_clear(void)
{
    pthread_mutex_lock(&H.mu);
    for (size_t i = 0; i < H.cap; i++)
        if (H.key[i] != -1)
            dusk_value_unref(H.val[i]);
    dusk_free(H.key);
    dusk_free(H.val);
    H.key = NULL;
    H.val = NULL;
    H.cap = H.n = 0;
    H.bytes = 0;
    pthread_mutex_unlock(&H.mu);
}

void dusk_task_held_bytes(uint64_t *bytes, uint64_t *peak)
{
    pthread_mutex_lock(&H.mu);
    if (bytes)
        *bytes = H.bytes;
    if (peak)
        *peak = H.peak;
    pthread_mutex_unlock(&H.mu);
}

int dusk_task_held_encode(int64_t t, void **out, size_t *len, dusk_error *err)
{
    if (out)
        *out = NULL;
    if (len)
        *len = 0;
    DUSK__NONNULL(err, out);
    DUSK__NONNULL(err, len);
    pthread_mutex_lock(&H.mu);
    dusk_value *v = held_get(t);
    pthread_mutex_unlock(&H.mu);
    if (!v)
        return dusk_error_set(err, DUSK_ENOKEY, "task %lld's result is not held here",
                              (long long)t);
    int rc = dusk_value_encode(v, out, len, err);
    dusk_value_unref(v);
    return rc;
}

/* What one task's inputs took: the (task, value) pairs it fetched and
 * could not keep (got), and the tasks whose results it fetched and keeps
 * here as copies (kept), for later tasks placed here; the outcome names
 * them, so that the scheduler counts them here and drops them later. */
typedef struct fetched {
    dusk_value **got;
    size_t ngot;
    int64_t *kept;
    size_t nkept;
    int keep;                    /* copies may be kept (the task's t >= 0) */
} fetched;

/* Puts input ref = (task, holder, path...) into call: from this process's
 * results (its own and the copies it kept), or from those this task
 * fetched already (an input named twice moves once), or fetched from its
 * holder and kept as a copy. */
static int resolve(dusk_value *call, const dusk_value *ref, dusk_task_fetch_fn fetch, void *fud,
                   fetched *f, dusk_error *err)
{
    size_t n = dusk_tuple_len(ref);
    for (size_t i = 0; i < n; i++)
        if (dusk_value_kind(dusk_tuple_get(ref, i)) != DUSK_KIND_INT)
            n = 0;
    if (n < 3)
        return dusk_error_set(err, DUSK_EINVAL, "a task message's input is not (task, holder, "
                              "path...)");
    int64_t t = dusk_value_int(dusk_tuple_get(ref, 0));
    int64_t w = dusk_value_int(dusk_tuple_get(ref, 1));
    dusk_value *parent = call;
    for (size_t i = 2; i + 1 < n && parent; i++) {
        int64_t k = dusk_value_int(dusk_tuple_get(ref, i));
        parent = k >= 0 && (size_t)k < dusk_tuple_len(parent) ? dusk_tuple_get(parent, (size_t)k)
                                                               : NULL;
    }
    int64_t last = dusk_value_int(dusk_tuple_get(ref, n - 1));
    if (!parent || dusk_value_kind(parent) != DUSK_KIND_TUPLE || last < 0 ||
        (size_t)last >= dusk_tuple_len(parent))
        return dusk_error_set(err, DUSK_EINVAL, "a task message's input %lld has a path that "
                              "is not in its arguments", (long long)t);
    pthread_mutex_lock(&H.mu);
    dusk_value *v = held_get(t);
    pthread_mutex_unlock(&H.mu);
    for (size_t i = 0; i < f->ngot && !v; i++)
        if (dusk_value_int(dusk_tuple_get(f->got[i], 0)) == t)
            v = dusk_value_ref(dusk_tuple_get(f->got[i], 1));
    if (!v) {
        if (!fetch || w < 0 || w > INT32_MAX)
            return dusk_error_set(err, DUSK_EINVAL, "input task %lld is held by worker %lld, "
                                  "which cannot be reached from here", (long long)t,
                                  (long long)w);
        void *buf = NULL;
        size_t len = 0;
        int rc = fetch(fud, (int)w, t, &buf, &len, err);
        if (rc == 0 && (rc = dusk_value_decode(buf, len, &v, NULL, err)) != 0)
            rc = dusk_error_set(err, rc, "input task %lld from worker %lld could not be "
                                "decoded", (long long)t, (long long)w);
        dusk_free(buf);
        if (rc)
            return rc;
        int kept = 0;
        if (f->keep && t >= 0) {
            pthread_mutex_lock(&H.mu);
            kept = held_put(t, dusk_value_ref(v)) == 0;
            pthread_mutex_unlock(&H.mu);
        }
        dusk_value *pair = kept ? NULL : dusk_tuple_new(2);
        if (kept) {
            f->kept[f->nkept++] = t;
        } else if (pair) {   /* without either the next use fetches again */
            dusk_tuple_set(pair, 0, dusk_int(t));
            dusk_tuple_set(pair, 1, dusk_value_ref(v));
            f->got[f->ngot++] = pair;
        }
    }
    dusk_tuple_set(parent, (size_t)last, v);
    return 0;
}

/* A failed task keeps none of the copies it fetched: its outcome does not
 * name them, so the scheduler would never drop them. */
static void drop_copies(fetched *f)
{
    for (size_t i = 0; i < f->nkept; i++)
        dusk_task_held_drop(f->kept[i]);
    f->nkept = 0;
}

int dusk_task_run(int64_t t, const void *msg, size_t len, dusk_task_fetch_fn fetch,
                  void *fetch_ud, void **out, size_t *outlen, dusk_error *err)
{
    if (out)
        *out = NULL;
    if (outlen)
        *outlen = 0;
    DUSK__NONNULL(err, msg);
    DUSK__NONNULL(err, out);
    DUSK__NONNULL(err, outlen);
    const dusk_error *no = __atomic_load_n(&refusal, __ATOMIC_ACQUIRE);
    if (no) {
        /* (code, why, None): this process takes no part in the run */
        dusk_value *o = dusk_tuple_new(3);
        if (o) {
            dusk_tuple_set(o, 0, dusk_int(no->code));
            dusk_tuple_set(o, 1, dusk_string(no->msg[0] ? no->msg : dusk_strerror(no->code)));
            dusk_tuple_set(o, 2, dusk_none());
        }
        int rc = o ? dusk_value_encode(o, out, outlen, err) : DUSK_ENOMEM;
        dusk_value_unref(o);
        return rc ? dusk_error_set(err, DUSK_ENOMEM, "out of memory for a task's outcome") : 0;
    }
    dusk_value *m = NULL, *res = NULL, *copies = NULL;
    dusk_error terr = DUSK_ERROR_INIT;
    int rc = dusk_value_decode(msg, len, &m, NULL, &terr);
    dusk_value *refs = dusk_tuple_get(m, 0), *call = dusk_tuple_get(m, 1);
    if (rc == 0 && (dusk_tuple_len(m) != 2 || dusk_value_kind(refs) != DUSK_KIND_TUPLE))
        rc = dusk_error_set(&terr, DUSK_EINVAL, "a task message is (inputs, (key, args...))");
    size_t nrefs = dusk_tuple_len(refs);
    dusk_value *one[8];
    int64_t kept_one[8];
    fetched f = {.got = nrefs > 8 ? dusk_malloc(nrefs * sizeof *f.got) : one,
                 .kept = nrefs > 8 ? dusk_malloc(nrefs * sizeof *f.kept) : kept_one,
                 .keep = t >= 0};
    if ((!f.got || !f.kept) && rc == 0)
        rc = dusk_error_set(&terr, DUSK_ENOMEM, "out of memory for its inputs");
    for (size_t i = 0; rc == 0 && i < nrefs; i++)
        rc = resolve(call, dusk_tuple_get(refs, i), fetch, fetch_ud, &f, &terr);
    for (size_t i = 0; i < f.ngot; i++)
        dusk_value_unref(f.got[i]);
    if (f.got != one)
        dusk_free(f.got);
    if (rc == 0)
        rc = dusk__task_call(call, &res, &terr);
    dusk_value_unref(m);
    if (rc == 0 && f.nkept) {
        if (!(copies = dusk_tuple_new(f.nkept)))
            rc = dusk_error_set(&terr, DUSK_ENOMEM, "out of memory for its outcome");
        for (size_t i = 0; copies && i < f.nkept; i++)
            dusk_tuple_set(copies, i, dusk_int(f.kept[i]));
    }
    int keep = 0;
    if (rc == 0 && t >= 0) {
        size_t size = dusk_value_encoded_size(res);
        keep = size > DUSK_TASK_INLINE;
    }
    if (keep) {
        /* Kept here: the scheduler gets its size, and whoever needs it
         * fetches it (dusk_task_held_encode). */
        uint64_t nb = dusk_value_nbytes(res);
        pthread_mutex_lock(&H.mu);
        int prc = held_put(t, res);
        pthread_mutex_unlock(&H.mu);
        res = NULL;
        if (prc == 0) {
            dusk_value *o = dusk_tuple_new(copies ? 4 : 3);
            if (o) {
                dusk_tuple_set(o, 0, dusk_int(0));
                dusk_tuple_set(o, 2, dusk_int((int64_t)nb));
                if (copies)
                    dusk_tuple_set(o, 3, dusk_value_ref(copies));
                int erc = dusk_value_encode(o, out, outlen, &terr);
                dusk_value_unref(o);
                if (erc == 0)
                    goto done;
            }
            dusk_task_held_drop(t);
        }
        rc = dusk_error_set(&terr, DUSK_ENOMEM, "out of memory keeping its result");
    }
    for (int pass = 0; pass < 2; pass++) {
        dusk_value *o = dusk_tuple_new(rc == 0 && copies ? 4 : 2);
        if (!o)
            break;
        dusk_tuple_set(o, 0, dusk_int(rc));
        dusk_tuple_set(o, 1, rc ? dusk_string(terr.msg[0] ? terr.msg : dusk_strerror(rc))
                                : dusk_value_ref(res));
        if (rc == 0 && copies)
            dusk_tuple_set(o, 3, dusk_value_ref(copies));   /* (0, value, None, copies) */
        int erc = dusk_value_encode(o, out, outlen, &terr);
        dusk_value_unref(o);
        if (erc == 0) {
            if (rc)
                drop_copies(&f);
            goto done;
        }
        if (rc)
            break;   /* not even the error travels */
        /* The result cannot travel (an opaque value): the task fails. */
        rc = erc;
        dusk_error e = terr;
        dusk_error_set(&terr, erc, "its result cannot travel to the scheduling process (%s)",
                       e.msg);
    }
    drop_copies(&f);
    rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for a task's outcome");
done:
    dusk_value_unref(res);
    dusk_value_unref(copies);
    if (f.kept != kept_one)
        dusk_free(f.kept);
    return *out ? 0 : rc;
}

/* --- registration --------------------------------------------------------------- */

int dusk_transport_register(const dusk_transport *t, dusk_error *err)
{
    DUSK__NONNULL(err, t);
    if (!t->name || !t->schedules || !t->workers || !t->send || !t->recv || !t->end ||
        !t->serve || !t->fetch || !t->drop)
        return dusk_error_set(err, DUSK_EINVAL, "transport %s lacks a function (name, "
                              "schedules, workers, send, recv, end, serve, fetch and drop are "
                              "needed)",
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
            .serve = remote_serve, .picks = 1};
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
