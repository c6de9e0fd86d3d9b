/*
** dusk — the sync and threads schedulers
**
** One engine serves both. A run keeps, per task of the graph: how many of
** its dependencies are still missing (waiting), how many of its dependents
** in this run have yet to run (needed), and its result. Ready tasks sit in
** a binary heap ordered by dusk_graph_order priority. Finishing a task
** stores its result, makes dependents whose last input it was ready, and
** drops each input that no task needs any more (unless requested).
**
** sync runs the engine on the caller's thread. threads runs it on a pool of
** pthreads that share one mutex (run.mu) guarding the heap, the counters,
** the results table and the event stream; a worker holds it once per task,
** to record what it finished and take the next task, and never while a
** task's function runs or while callbacks are called. A worker that finds
** the lock taken spins briefly before it sleeps (see lock()).
**
** Events: with no listener, `listening` is 0 and no event is built and no
** clock is read; when no listener wants a per-task event (a progress bar
** counting in posttask), `timed` is 0 and no clock is read per task. When
** one does, the stream's events are built under the lock (so the stream
** gets one causal order with non-decreasing timestamps); under it a
** worker only notes what its section did, and builds the callbacks'
** events from that after unlocking, in a buffer sized so that it never
** needs to grow in the middle of a run.
**
** On failure: the first error is kept, no task starts after it, running
** tasks finish, and everything held is freed.
*/
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dusk/alloc.h"
#include "dusk/sched.h"
#include "events.h"
#include "graph.h"
#include "plan.h"
#include "value.h"

typedef struct worker worker;

/* What a run knows of one task; one cache line holds two of them. */
typedef struct slot {
    dusk_value *result;
    int64_t waiting;             /* dependencies not yet done */
    int64_t needed;              /* dependents in the run not yet done */
    int64_t wanted;              /* requested: keep the result */
} slot;

typedef struct run {
    /* What workers change under mu at every task, on the lock's own two
     * cache lines: the lock and the state it guards move between cores
     * together (a third line touched in each section, as last_t was
     * before, cost about 5 % of a task with 2 workers). */
    alignas(64) pthread_mutex_t mu;
    size_t nheap;
    uint64_t held;
    uint64_t last_t;             /* the last event time, for monotonic stamps */
    size_t done, running;
    uint64_t peak;
    int idle;
    int status;                  /* the first error's code */
    /* Set before the workers start and only read after. */
    alignas(64) dusk_graph *g;
    const dusk_plan *plan;       /* what the run executes */
    const int64_t *prio;
    size_t nrun;                 /* tasks in this run */
    slot *s;                     /* per task of the graph */
    int64_t *heap;               /* ready tasks, a min-heap on prio */
    int threaded;
    int listening;               /* some callback or a stream: the run has an epoch */
    int timed;                   /* some per-task event is wanted: read the clock */
    int has_pretask, has_posttask;
    uint32_t cb_want;            /* kinds some callback wants */
    uint32_t want;               /* kinds any listener wants (DUSK_EVMASK bits) */
    int run_index;
    uint64_t t0;
    dusk_stream *stream;
    const dusk_callbacks *cbs;
    size_t ncbs;
    /* Rarely touched. */
    pthread_cond_t cv;
    dusk_error err;
} run;

/* What one locked section of a worker did, kept for its callbacks: their
 * events are built from it after unlocking, so that listening adds only a
 * few stores to the time the lock is held. The RELEASED tasks of the
 * section are the worker's drop list. */
typedef struct section {
    uint64_t t_done, t_start;
    int64_t done;                /* the task finished, or -1 */
    int32_t done_kind, done_status;
    uint64_t done_nbytes, done_held;
    size_t nready;               /* READY tasks, in w->ready (if wanted) */
    int64_t start;               /* the task started, or -1 */
    uint64_t start_held;
} section;

struct worker {
    run *r;
    int id;
    section sec;
    int64_t *ready;              /* the section's READY tasks */
    dusk__tclock clock;          /* this worker's readings of the time */
    dusk_event *evbuf;           /* events to hand to callbacks after unlocking */
    size_t nev;
    dusk_value **drop;           /* results to unref after unlocking */
    int64_t *drop_id;            /* ... their tasks and bytes, for RELEASED */
    uint64_t *drop_nb;
    size_t ndrop;
    char pad[128];               /* workers' hot fields on lines of their own */
};

static uint64_t now_ns(void) { return dusk_now_ns(); }

int dusk_ncores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* --- the ready heap (caller holds r->mu when threaded) -------------------- */

static void heap_push(run *r, int64_t t)
{
    size_t i = r->nheap++;
    int64_t p = r->prio[t];
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (r->prio[r->heap[up]] <= p)
            break;
        r->heap[i] = r->heap[up];
        i = up;
    }
    r->heap[i] = t;
}

static int64_t heap_pop(run *r)
{
    int64_t top = r->heap[0], last = r->heap[--r->nheap];
    size_t i = 0, n = r->nheap;
    int64_t p = r->prio[last];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && r->prio[r->heap[c + 1]] < r->prio[r->heap[c]])
            c++;
        if (r->prio[r->heap[c]] >= p)
            break;
        r->heap[i] = r->heap[c];
        i = c;
    }
    r->heap[i] = last;
    return top;
}

/* --- events -------------------------------------------------------------- */

/* Reads the clock for the events that follow, keeping the stream's
 * timestamps non-decreasing. One reading serves all the events of one
 * locked section: they happen together. Caller holds r->mu when threaded. */
static void stamp(run *r)
{
    uint64_t t = now_ns() - r->t0;
    if (t > r->last_t)
        r->last_t = t;
}

/* The same with a clock reading taken before the lock: keeps the read out
 * of the critical section, which other workers wait on. */
static void stamp_at(run *r, uint64_t now)
{
    uint64_t t = now - r->t0;
    if (now > r->t0 && t > r->last_t)
        r->last_t = t;
}

/* Hands n events to one set of callbacks. */
static void deliver_one(const dusk_callbacks *cb, const dusk_event *ev, size_t n)
{
    if (cb->on_events)
        cb->on_events(cb->ud, ev, n);
    if (cb->on_event)
        for (size_t k = 0; k < n; k++)
            if (!cb->kinds || (cb->kinds & DUSK_EVMASK(ev[k].kind)))
                cb->on_event(cb->ud, &ev[k]);
}

/* Builds an event stamped at the last stamp() for the stream, and for the
 * callbacks when no worker is involved (w NULL: the thread that called
 * the scheduler). A worker's events reach its callbacks through its
 * section instead (see deliver). Caller holds r->mu when threaded. */
static void emit_now(run *r, worker *w, int kind, int64_t task, uint64_t nbytes, int status)
{
    dusk_event ev = {r->last_t, nbytes, r->held, task, w ? w->id : -1, kind, status,
                     r->run_index};
    if (r->stream)
        dusk__stream_append(r->stream, &ev);
    if (!w && (r->cb_want & DUSK_EVMASK(kind)))
        for (size_t i = 0; i < r->ncbs; i++)
            deliver_one(&r->cbs[i], &ev, 1);
}

/* The test inline: with callbacks only, a worker's call costs a branch. */
static inline void emit(run *r, worker *w, int kind, int64_t task, uint64_t nbytes, int status)
{
    if (w ? r->stream != NULL : (r->want & DUSK_EVMASK(kind)) != 0)
        emit_now(r, w, kind, task, nbytes, status);
}

static void put_event(run *r, worker *w, uint64_t t, int kind, int64_t task,
                      uint64_t nbytes, uint64_t held, int status)
{
    if (r->cb_want & DUSK_EVMASK(kind))
        w->evbuf[w->nev++] = (dusk_event){t, nbytes, held, task, w->id, kind, status,
                                          r->run_index};
}

/* Builds the events of the worker's last section, in the stream's order
 * (END or ERROR, the READY and RELEASED it caused, the next START), and
 * hands them to the callbacks; no lock held. */
static void deliver(run *r, worker *w)
{
    section *sec = &w->sec;
    w->nev = 0;
    if (sec->done >= 0) {
        uint64_t held = sec->done_held;
        put_event(r, w, sec->t_done, sec->done_kind, sec->done, sec->done_nbytes, held,
                  sec->done_status);
        for (size_t i = 0; i < sec->nready; i++)
            put_event(r, w, sec->t_done, DUSK_EV_READY, w->ready[i], 0, held, 0);
        for (size_t i = 0; i < w->ndrop; i++) {
            held -= w->drop_nb[i];
            put_event(r, w, sec->t_done, DUSK_EV_RELEASED, w->drop_id[i], w->drop_nb[i],
                      held, 0);
        }
    }
    if (sec->start >= 0)
        put_event(r, w, sec->t_start, DUSK_EV_START, sec->start, 0, sec->start_held, 0);
    sec->done = sec->start = -1;
    sec->nready = 0;
    if (w->nev)
        for (size_t i = 0; i < r->ncbs; i++)
            deliver_one(&r->cbs[i], w->evbuf, w->nev);
    w->nev = 0;
}

/* --- running one task (no lock held) ------------------------------------- */

/* The value of an argument: a new reference (tuples for lists), or NULL
 * when a tuple cannot be allocated. */
static dusk_value *arg_value(run *r, const dusk_arg *a)
{
    switch (a->kind) {
    case ARG_LIT:
        return dusk_value_ref(a->u.lit);
    case ARG_REF:
        return dusk_value_ref(r->s[r->g->name_task[a->u.ref.name]].result);
    default: {
        dusk_value *t = dusk_tuple_new(a->u.list.n);
        for (size_t i = 0; t && i < a->u.list.n; i++) {
            dusk_value *item = arg_value(r, a->u.list.items[i]);
            if (!item) {
                dusk_value_unref(t);
                return NULL;
            }
            dusk_tuple_set(t, i, item);
        }
        return t;
    }
    }
}

/* Computes task t. Returns 0 and *out, or an error code with terr filled.
 * Reading r->s[].result without the lock is safe: a task's inputs were
 * stored before it became ready (under the lock, which this worker has
 * taken since) and are not dropped before it finishes. */
static int execute(run *r, int64_t t, dusk_value **out, dusk_error *terr)
{
    const dusk__task *task = &r->g->tasks[t];
    *out = NULL;
    if (task->kind == DUSK_ENTRY_VALUE) {
        *out = dusk_value_ref(task->value);
        return 0;
    }
    if (task->kind == DUSK_ENTRY_ALIAS) {
        *out = dusk_value_ref(r->s[r->g->name_task[task->target]].result);
        return 0;
    }
    dusk_value *small[8], **argv = small;
    size_t n = task->nargs;
    if (n > 8 && !(argv = dusk_malloc(n * sizeof *argv)))
        return dusk_error_set(terr, DUSK_ENOMEM, "out of memory for the arguments");
    int rc = 0;
    if (!task->has_list) {
        /* Borrowed: nothing to build, nothing to drop. */
        for (size_t i = 0; i < n; i++) {
            const dusk_arg *a = task->args[i];
            argv[i] = a->kind == ARG_LIT ? a->u.lit
                      : r->s[r->g->name_task[a->u.ref.name]].result;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            if (!(argv[i] = arg_value(r, task->args[i]))) {
                for (size_t j = 0; j < i; j++)
                    dusk_value_unref(argv[j]);
                rc = dusk_error_set(terr, DUSK_ENOMEM, "out of memory for the arguments");
                break;
            }
    }
    if (!rc) {
        rc = task->func->fn(argv, n, out, terr, task->func->ud);
        if (rc > 0)
            rc = DUSK_ETASK;
        if (rc == 0 && !*out)
            rc = dusk_error_set(terr, DUSK_ETASK, "returned no value");
        if (rc && *out) {
            dusk_value_unref(*out);
            *out = NULL;
        }
        if (task->has_list)
            for (size_t i = 0; i < n; i++)
                dusk_value_unref(argv[i]);
    }
    if (argv != small)
        dusk_free(argv);
    return rc;
}

/* --- bookkeeping (caller holds r->mu when threaded) ----------------------- */

static void finish_ok(run *r, worker *w, int64_t t, dusk_value *v)
{
    const dusk_plan *pl = r->plan;
    uint64_t nb = dusk_value_nbytes(v);
    r->s[t].result = v;
    r->held += nb;
    if (r->held > r->peak)
        r->peak = r->held;
    r->done++;
    if (r->timed) {
        w->sec = (section){.t_done = r->last_t, .done = t, .done_kind = DUSK_EV_END,
                           .done_nbytes = nb, .done_held = r->held, .start = -1};
        emit(r, w, DUSK_EV_END, t, nb, 0);
    }
    for (int64_t k = pl->rdep_off[t]; k < pl->rdep_off[t + 1]; k++) {
        int64_t d = pl->rdep_ids[k];
        if (--r->s[d].waiting == 0) {   /* the plan's dependents are all in the run */
            heap_push(r, d);
            if (r->timed) {
                if (w->ready)
                    w->ready[w->sec.nready++] = d;
                emit(r, w, DUSK_EV_READY, d, 0, 0);
            }
        }
    }
    for (int64_t k = pl->dep_off[t]; k < pl->dep_off[t + 1]; k++) {
        int64_t p = pl->dep_ids[k];
        if (--r->s[p].needed == 0 && !r->s[p].wanted) {
            dusk_value *pv = r->s[p].result;
            uint64_t pb = dusk_value_nbytes(pv);
            r->s[p].result = NULL;
            r->held -= pb;
            if (w->drop_id) {
                w->drop_id[w->ndrop] = p;
                w->drop_nb[w->ndrop] = pb;
            }
            w->drop[w->ndrop++] = pv;
            if (r->timed)
                emit(r, w, DUSK_EV_RELEASED, p, pb, 0);
        }
    }
}

static void finish_error(run *r, worker *w, int64_t t, int code, const dusk_error *terr)
{
    r->done++;
    if (r->timed) {
        w->sec = (section){.t_done = r->last_t, .done = t, .done_kind = DUSK_EV_ERROR,
                           .done_status = code, .done_held = r->held, .start = -1};
        emit(r, w, DUSK_EV_ERROR, t, 0, code);
    }
    if (r->status)
        return;  /* keep the first error */
    char key[256];
    dusk__task_repr(r->g, t, key, sizeof key);
    const dusk__task *task = &r->g->tasks[t];
    r->status = code;
    dusk_error_set(&r->err, code, "task %s (%s) failed: %s", key,
                   task->func ? task->func->name : "?",
                   terr->code && terr->msg[0] ? terr->msg : dusk_strerror(code));
}

/* --- the worker loop ----------------------------------------------------- */

/* A worker that finds the lock taken tries again this many times, with a
 * pause between, before it sleeps: sections under r->mu last a few hundred
 * ns, while sleeping and being woken costs two system calls and, in a
 * virtual machine, an interrupt between cores (measured: 610 against 380
 * ns a task with 2 workers on bench/overhead's graph). */
enum { LOCK_SPINS = 100 };

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void lock(run *r)
{
    if (!r->threaded)
        return;
    for (int i = 0; i < LOCK_SPINS; i++) {
        if (pthread_mutex_trylock(&r->mu) == 0)
            return;
        cpu_relax();
    }
    pthread_mutex_lock(&r->mu);
}

static void unlock(run *r)
{
    if (r->threaded)
        pthread_mutex_unlock(&r->mu);
}

/* Runs tasks until none is left or the run failed. In a threaded run,
 * several of these share r under r->mu. */
static void work(worker *w)
{
    run *r = w->r;
    int64_t t = -1;          /* the task this worker holds, if any */
    int tstatus = 0;
    dusk_value *tv = NULL;
    dusk_error terr;

    uint64_t clock = r->timed ? dusk__tclock_now(&w->clock) : 0;  /* read before locking */
    lock(r);
    for (;;) {
        if (r->timed)
            stamp_at(r, clock);
        if (t >= 0) {
            r->running--;
            if (tstatus)
                finish_error(r, w, t, tstatus, &terr);
            else
                finish_ok(r, w, t, tv);
            t = -1;
        }
        while (r->threaded && r->nheap == 0 && !r->status && r->done < r->nrun) {
            r->idle++;
            pthread_cond_wait(&r->cv, &r->mu);
            r->idle--;
            if (r->timed)
                stamp(r);  /* time has passed while waiting */
        }
        if (r->status || r->nheap == 0) {
            /* Done, failed, or (sync) nothing runnable. Wake the others so
             * that they see it too. */
            if (r->threaded)
                pthread_cond_broadcast(&r->cv);
            break;
        }
        t = heap_pop(r);
        r->running++;
        if (r->threaded && r->nheap > 0 && r->idle > 0)
            pthread_cond_signal(&r->cv);
        if (r->timed) {
            w->sec.t_start = r->last_t;
            w->sec.start = t;
            w->sec.start_held = r->held;
            emit(r, w, DUSK_EV_START, t, 0, 0);
        }
        unlock(r);

        /* Outside the lock: tell the callbacks, drop released inputs, run. */
        if (w->evbuf)
            deliver(r, w);
        for (size_t i = 0; i < w->ndrop; i++)
            dusk_value_unref(w->drop[i]);
        w->ndrop = 0;
        if (r->has_pretask)
            for (size_t i = 0; i < r->ncbs; i++)
                if (r->cbs[i].pretask)
                    r->cbs[i].pretask(r->cbs[i].ud, t, w->id);
        terr.code = 0;
        terr.msg[0] = '\0';
        tstatus = execute(r, t, &tv, &terr);
        if (r->has_posttask)
            for (size_t i = 0; i < r->ncbs; i++)
                if (r->cbs[i].posttask)
                    r->cbs[i].posttask(r->cbs[i].ud, t, tv, tstatus, w->id);
        if (r->timed)
            clock = dusk__tclock_now(&w->clock);
        lock(r);
    }
    unlock(r);
    if (w->evbuf)
        deliver(r, w);
    for (size_t i = 0; i < w->ndrop; i++)
        dusk_value_unref(w->drop[i]);
    w->ndrop = 0;
}

static void *thread_main(void *arg)
{
    work(arg);
    return NULL;
}

/* --- a whole run ----------------------------------------------------------- */

static void run_free(run *r)
{
    if (r->s && r->plan)
        for (size_t i = 0; i < r->plan->n; i++)
            dusk_value_unref(r->s[r->plan->tasks[i]].result);
    dusk_free(r->s);
    dusk_free(r->heap);
}

/* Runs plan p of g. On success, the results of the requested tasks stay
 * in r->s[].result for the caller to take. */
static int run_graph(run *r, dusk_graph *g, const dusk_plan *p, const dusk_options *opts,
                     dusk_error *err)
{
    static const dusk_options defaults = DUSK_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    int rc = 0;
    const int64_t *ids = p->tasks;
    size_t nids = p->n;
    worker *workers = NULL;
    pthread_t *threads = NULL;
    int nworkers = opts->scheduler == DUSK_SCHED_SYNC ? 1
                   : opts->workers > 0 ? opts->workers : dusk_ncores();
    int started = 0, mu_init = 0, cv_init = 0;
    uint64_t wall0 = now_ns();

    memset(r, 0, sizeof *r);
    r->g = g;
    r->plan = p;
    r->prio = p->prio;
    if (opts->scheduler != DUSK_SCHED_SYNC && opts->scheduler != DUSK_SCHED_THREADS)
        return dusk_error_set(err, DUSK_EINVAL, "unknown scheduler %d", (int)opts->scheduler);
    if (opts->workers < 0)
        return dusk_error_set(err, DUSK_EINVAL, "workers must be 0 (one per core) or more, not %d",
                              opts->workers);

    /* Counters: inputs missing and dependents to come, per task. */
    r->s = dusk_calloc(p->gsize ? p->gsize : 1, sizeof *r->s);
    if (!r->s) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
        goto done;
    }
    for (size_t i = 0; i < nids; i++) {
        int64_t t = ids[i];
        r->s[t].waiting = p->dep_off[t + 1] - p->dep_off[t];
        r->s[t].needed = p->rdep_off[t + 1] - p->rdep_off[t];
    }
    for (size_t i = 0; i < p->nwant; i++)
        r->s[p->want[i]].wanted = 1;
    r->nrun = nids;
    size_t maxdeps = p->maxdeps, maxrdeps = p->maxrdeps;
    r->heap = dusk_malloc(nids * sizeof *r->heap);
    workers = dusk_calloc((size_t)nworkers, sizeof *workers);
    if (!r->heap || !workers) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
        goto done;
    }

    r->cbs = opts->callbacks;
    r->ncbs = opts->callbacks ? opts->ncallbacks : 0;
    r->stream = opts->stream;
    r->listening = r->ncbs > 0 || r->stream != NULL;
    for (size_t i = 0; i < r->ncbs; i++) {
        const dusk_callbacks *cb = &r->cbs[i];
        if (cb->on_event || cb->on_events)
            r->cb_want |= cb->kinds ? cb->kinds : 0x7fu;
        r->has_pretask |= cb->pretask != NULL;
        r->has_posttask |= cb->posttask != NULL;
    }
    r->want = r->stream ? 0x7fu : r->cb_want;  /* the stream is lossless: everything */
    /* Callbacks that want no per-task event (a progress bar counting in
     * posttask) cost no clock reading. */
    r->timed = (r->want & ~(DUSK_EVMASK(DUSK_EV_RUN_BEGIN) | DUSK_EVMASK(DUSK_EV_RUN_END))) != 0;
    if (r->timed)
        dusk__tclock_counter();   /* its one-time probe here, not in a task's time */
    for (int i = 0; i < nworkers; i++) {
        worker *w = &workers[i];
        w->r = r;
        w->id = i;
        w->sec.done = w->sec.start = -1;
        w->drop = dusk_malloc((maxdeps + 1) * sizeof *w->drop);
        int evs = r->timed && (r->cb_want & ~(DUSK_EVMASK(DUSK_EV_RUN_BEGIN) |
                                              DUSK_EVMASK(DUSK_EV_RUN_END)));
        if (evs) {
            /* a section: END, its READY and RELEASED, the next START */
            w->evbuf = dusk_malloc((maxdeps + maxrdeps + 2) * sizeof *w->evbuf);
            w->drop_id = dusk_malloc((maxdeps + 1) * sizeof *w->drop_id);
            w->drop_nb = dusk_malloc((maxdeps + 1) * sizeof *w->drop_nb);
            if (r->cb_want & DUSK_EVMASK(DUSK_EV_READY))
                w->ready = dusk_malloc((maxrdeps + 1) * sizeof *w->ready);
        }
        if (!w->drop || (evs && (!w->evbuf || !w->drop_id || !w->drop_nb ||
                                 ((r->cb_want & DUSK_EVMASK(DUSK_EV_READY)) && !w->ready)))) {
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
            goto done;
        }
    }

    r->threaded = opts->scheduler == DUSK_SCHED_THREADS;
    if (r->threaded) {
        threads = dusk_malloc((size_t)nworkers * sizeof *threads);
        if (!threads) {
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
            goto done;
        }
        /* A plain mutex: lock() spins before it waits (an adaptive one
         * would spin a second time). */
        if (pthread_mutex_init(&r->mu, NULL) != 0) {
            rc = dusk_error_set(err, DUSK_ESYS, "cannot create a mutex");
            goto done;
        }
        mu_init = 1;
        if (pthread_cond_init(&r->cv, NULL) != 0) {
            rc = dusk_error_set(err, DUSK_ESYS, "cannot create a condition variable");
            goto done;
        }
        cv_init = 1;
    }

    /* Begin: events for the run and the tasks ready from the start. */
    if (r->listening) {
        r->t0 = now_ns();  /* the epoch: read before start, as events.h says */
        for (size_t i = 0; i < r->ncbs; i++)
            if (r->cbs[i].start)
                r->cbs[i].start(r->cbs[i].ud, p, nids);
        r->run_index = r->stream ? dusk__stream_next_run(r->stream) : 0;
        emit(r, NULL, DUSK_EV_RUN_BEGIN, -1, nids, r->threaded ? nworkers : 1);  /* t = 0 */
    }
    for (size_t i = 0; i < nids; i++)
        if (r->s[ids[i]].waiting == 0) {
            heap_push(r, ids[i]);
            if (r->timed)
                emit(r, NULL, DUSK_EV_READY, ids[i], 0, 0);
        }

    if (!r->threaded) {
        work(&workers[0]);
    } else {
        for (started = 0; started < nworkers; started++)
            if (pthread_create(&threads[started], NULL, thread_main, &workers[started]) != 0)
                break;
        if (started < nworkers && started == 0) {
            rc = dusk_error_set(err, DUSK_ESYS, "cannot start worker threads");
        }
        /* With fewer threads than asked for, the ones that started do it all. */
        for (int i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
    }
    if (!rc && !r->status && r->done < r->nrun)
        rc = dusk_error_set(err, DUSK_ESYS, "run stopped with %zu of %zu tasks done",
                            r->done, r->nrun);
    if (!rc && r->status) {
        rc = r->status;
        if (err)
            *err = r->err;
    }
    if (r->listening) {
        stamp(r);
        emit(r, NULL, DUSK_EV_RUN_END, -1, 0, rc);
        for (size_t i = 0; i < r->ncbs; i++)
            if (r->cbs[i].finish)
                r->cbs[i].finish(r->cbs[i].ud, rc);
    }
    if (opts->stats) {
        opts->stats->ntasks = r->nrun;
        opts->stats->wall_ns = now_ns() - wall0;
        opts->stats->held_peak = r->peak;
        opts->stats->held_end = r->held;
        opts->stats->workers = r->threaded ? (started ? started : nworkers) : 1;
    }
done:
    if (workers)
        for (int i = 0; i < nworkers; i++) {
            dusk_free(workers[i].evbuf);
            dusk_free(workers[i].ready);
            dusk_free(workers[i].drop_id);
            dusk_free(workers[i].drop_nb);
            dusk_free(workers[i].drop);
        }
    dusk_free(workers);
    dusk_free(threads);
    if (cv_init)
        pthread_cond_destroy(&r->cv);
    if (mu_init)
        pthread_mutex_destroy(&r->mu);
    return rc;
}

/* --- the public calls -------------------------------------------------------- */

/* Collects the task ids a request names; DUSK_ENOKEY for an unknown key. */
static int request_ids(dusk_graph *g, const dusk_arg *a, int64_t *ids, size_t *n,
                       dusk_error *err)
{
    switch (a->kind) {
    case ARG_REF: {
        int64_t t = dusk_graph_find(g, a->u.ref.text);
        if (t < 0) {
            char what[256];
            dusk__key_repr(a->u.ref.text, what, sizeof what);
            return dusk_error_set(err, DUSK_ENOKEY, "key %s is not in the graph", what);
        }
        if (ids)
            ids[*n] = t;
        (*n)++;
        return 0;
    }
    case ARG_LIST:
        for (size_t i = 0; i < a->u.list.n; i++) {
            int rc = request_ids(g, a->u.list.items[i], ids, n, err);
            if (rc < 0)
                return rc;
        }
        return 0;
    default:
        return 0;
    }
}

/* The request's shape filled with results (new references), or NULL. */
static dusk_value *request_value(run *r, const dusk_arg *a)
{
    switch (a->kind) {
    case ARG_REF:
        return dusk_value_ref(r->s[dusk_graph_find(r->g, a->u.ref.text)].result);
    case ARG_LIT:
        return dusk_value_ref(a->u.lit);
    default: {
        dusk_value *t = dusk_tuple_new(a->u.list.n);
        for (size_t i = 0; t && i < a->u.list.n; i++) {
            dusk_value *item = request_value(r, a->u.list.items[i]);
            if (!item) {
                dusk_value_unref(t);
                return NULL;
            }
            dusk_tuple_set(t, i, item);
        }
        return t;
    }
    }
}

int dusk_compute(dusk_graph *g, dusk_arg *request, const dusk_options *opts,
                 dusk_value **out, dusk_error *err)
{
    int rc;
    size_t n = 0;
    int64_t *ids = NULL;
    dusk_plan *plan = NULL;
    run r;
    memset(&r, 0, sizeof r);
    if (out)
        *out = NULL;
    if (!g || !request || !out) {
        rc = dusk_error_set(err, !request ? DUSK_ENOMEM : DUSK_EINVAL,
                            !request ? "out of memory building the request"
                                     : "dusk_compute needs a graph, a request and an output");
        goto done;
    }
    if ((rc = dusk__graph_finalize(g, err)) < 0)
        goto done;
    if ((rc = request_ids(g, request, NULL, &n, err)) < 0)
        goto done;
    if (n == 0) {
        /* Nothing to run: literals and empty lists come back as they are. */
        r.g = g;
        if (!(*out = request_value(&r, request)))
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for the results");
        if (opts && opts->stats)
            memset(opts->stats, 0, sizeof *opts->stats);
        goto done;
    }
    if (!(ids = dusk_malloc(n * sizeof *ids))) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
        goto done;
    }
    n = 0;
    request_ids(g, request, ids, &n, err);
    if ((rc = dusk__plan_make(g, ids, n, &plan, err)) < 0)
        goto done;
    rc = run_graph(&r, g, plan, opts, err);
    if (rc == 0 && !(*out = request_value(&r, request)))
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for the results");
done:
    run_free(&r);
    dusk_plan_unref(plan);
    dusk_free(ids);
    dusk_arg_free(request);
    return rc;
}

int dusk_get(dusk_graph *g, const char *key, const dusk_options *opts,
             dusk_value **out, dusk_error *err)
{
    if (!key) {
        if (out)
            *out = NULL;
        return dusk_error_set(err, DUSK_EINVAL, "no key given");
    }
    return dusk_compute(g, dusk_ref(key), opts, out, err);
}

int dusk_get_list(dusk_graph *g, const char *const *keys, size_t n,
                  const dusk_options *opts, dusk_value **out, dusk_error *err)
{
    dusk_arg **items = dusk_malloc((n ? n : 1) * sizeof *items);
    if (!items) {
        if (out)
            *out = NULL;
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory building the request");
    }
    int missing = 0;
    for (size_t i = 0; i < n; i++)
        if (!keys[i])
            missing = 1;
    if (missing) {
        dusk_free(items);
        if (out)
            *out = NULL;
        return dusk_error_set(err, DUSK_EINVAL, "a key in the list is NULL");
    }
    for (size_t i = 0; i < n; i++)
        items[i] = dusk_ref(keys[i]);
    dusk_arg *req = dusk_listv(n, items);
    dusk_free(items);
    return dusk_compute(g, req, opts, out, err);
}
