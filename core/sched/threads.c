/*
** dusk — the threads scheduler: a pool of pthreads sharing one run
**
** Worker 0 is the calling thread; workers 1.. are threads of a pool kept
** across runs (see "the pool" below). Every run goes without the lock
** (sched.h says the protocol): each worker finishes its task with atomic
** decrements of the dependents' counters, runs next the one it made ready
** first, keeps the others in its own Chase-Lev deque, and when it has none
** takes the next of the plan's first ready tasks, steals the oldest of
** another's deque (bounded rounds), and parks on the run's condition
** variable. A push wakes a parked worker only when some worker has said it
** is about to park (r->nsleep): one fence and one load otherwise. Nothing
** is written per task to a line every worker writes, but for held bytes
** (counted per worker and moved to the run's in 4 KiB steps, a release
** of another worker's result at once: when stats or listeners want them),
** the first list's index (one addition for several tasks) and, for a fan of ready
** tasks, the deque's top as it is stolen.
**
** Listeners take no lock either. A worker hands its events to the
** callbacks and to its own queue of a stream (merged by time by the
** consumer: core/events.c) after each task, outside any lock. A gate is
** passed by the worker that owns the task it is about to start (the one
** its last task made ready, or one it took from a deque or the first
** list), after its last task's events are delivered; the task cannot be
** taken by another worker meanwhile, so every START follows a pass on its
** worker and a closed gate holds the whole pool (the others park, or wait
** in their own gates). r->mu guards only parking and the first error.
*/
#define _GNU_SOURCE   /* pthread_setname_np */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "sched.h"

/* What the pool keeps besides r->mu. */
typedef struct pool {
    pthread_cond_t cv;           /* waiting for a ready task or the end */
    pthread_t *threads;          /* when the pool is held by another run */
    int mu_init, cv_init;
} pool;

static int threads_workers(const dusk_options *o, dusk_error *err)
{
    (void)err;
    return o->workers > 0 ? o->workers : dusk_ncores();
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* --- without the lock: deques, stealing, parking (sched.h) ------------------ */

/* Chase-Lev as Le et al. give it in C11, with two changes that cost
 * nothing on x86 and let ThreadSanitizer (which ignores fences) see every
 * edge: the pop's "store bottom; seq_cst fence; load top" is a seq_cst
 * store and load, the steal's "load top; fence; load bottom" two seq_cst
 * loads, and every store of bottom releases. */
enum { DQ_FIRST_CAP = 64 };

static int dq_init(dusk__deque *q)
{
    q->top = q->bottom = 0;
    q->buf = dusk_malloc(sizeof *q->buf + DQ_FIRST_CAP * sizeof q->buf->item[0]);
    if (!q->buf)
        return DUSK_ENOMEM;
    q->buf->cap = DQ_FIRST_CAP;
    q->buf->older = NULL;
    return 0;
}

static void dq_free(dusk__deque *q)
{
    for (dusk__dqbuf *b = q->buf, *o; b; b = o) {
        o = b->older;
        dusk_free(b);
    }
    q->buf = NULL;
}

/* The owner's push; DUSK_ENOMEM when the deque cannot grow. */
static int dq_push(dusk__deque *q, int64_t x)
{
    int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_RELAXED);
    int64_t t = __atomic_load_n(&q->top, __ATOMIC_ACQUIRE);
    dusk__dqbuf *a = __atomic_load_n(&q->buf, __ATOMIC_RELAXED);
    if (b - t > a->cap - 1) {
        /* Twice as big; thieves may still read the old one, which is
         * kept until the run ends. */
        dusk__dqbuf *n = dusk_malloc(sizeof *n + 2 * (size_t)a->cap * sizeof n->item[0]);
        if (!n)
            return DUSK_ENOMEM;
        n->cap = 2 * a->cap;
        n->older = a;
        for (int64_t i = t; i < b; i++)
            __atomic_store_n(&n->item[i & (n->cap - 1)],
                             __atomic_load_n(&a->item[i & (a->cap - 1)], __ATOMIC_RELAXED),
                             __ATOMIC_RELAXED);
        __atomic_store_n(&q->buf, n, __ATOMIC_RELEASE);
        a = n;
    }
    __atomic_store_n(&a->item[b & (a->cap - 1)], x, __ATOMIC_RELAXED);
    __atomic_store_n(&q->bottom, b + 1, __ATOMIC_RELEASE);
    return 0;
}

/* The owner's pop (newest first), or -1. */
static int64_t dq_pop(dusk__deque *q)
{
    int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_RELAXED);
    if (b <= __atomic_load_n(&q->top, __ATOMIC_RELAXED))
        return -1;   /* empty, and only this thread can change that */
    b--;
    dusk__dqbuf *a = __atomic_load_n(&q->buf, __ATOMIC_RELAXED);
    __atomic_store_n(&q->bottom, b, __ATOMIC_SEQ_CST);
    int64_t t = __atomic_load_n(&q->top, __ATOMIC_SEQ_CST), x = -1;
    if (t <= b) {
        x = __atomic_load_n(&a->item[b & (a->cap - 1)], __ATOMIC_RELAXED);
        if (t == b) {
            /* the last one: a thief may be taking it too */
            if (!__atomic_compare_exchange_n(&q->top, &t, t + 1, 0, __ATOMIC_SEQ_CST,
                                             __ATOMIC_RELAXED))
                x = -1;
            __atomic_store_n(&q->bottom, b + 1, __ATOMIC_RELEASE);
        }
    } else {
        __atomic_store_n(&q->bottom, b + 1, __ATOMIC_RELEASE);
    }
    return x;
}

/* A thief's take (oldest first): the task, -1 empty, -2 lost a race. */
static int64_t dq_steal(dusk__deque *q)
{
    int64_t t = __atomic_load_n(&q->top, __ATOMIC_SEQ_CST);
    int64_t b = __atomic_load_n(&q->bottom, __ATOMIC_SEQ_CST);
    if (t >= b)
        return -1;
    dusk__dqbuf *a = __atomic_load_n(&q->buf, __ATOMIC_ACQUIRE);
    int64_t x = __atomic_load_n(&a->item[t & (a->cap - 1)], __ATOMIC_RELAXED);
    if (!__atomic_compare_exchange_n(&q->top, &t, t + 1, 0, __ATOMIC_SEQ_CST,
                                     __ATOMIC_RELAXED))
        return -2;
    return x;
}

static int dq_nonempty(dusk__deque *q)
{
    return __atomic_load_n(&q->top, __ATOMIC_SEQ_CST) <
           __atomic_load_n(&q->bottom, __ATOMIC_SEQ_CST);
}

/* Wakes parked workers (all, or one). The caller has made work visible
 * (or ended the run) before; the seq_cst fence pairs with a parker's
 * seq_cst increment of nsleep before it looks for work a last time: one
 * of the two sees the other. Nobody parked: one fence and one load. */
static void lf_wake(dusk__run *r, int all)
{
    pool *pl = r->backend;
#if defined(__SANITIZE_THREAD__)
    /* TSan does not model fences (GCC warns): a seq_cst read-modify-write
     * of nsleep orders the same, and it sees that */
    if (__atomic_fetch_add(&r->nsleep, 0, __ATOMIC_SEQ_CST) == 0)
        return;
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->nsleep, __ATOMIC_RELAXED) == 0)
        return;
#endif
    pthread_mutex_lock(&r->mu);
    r->epoch++;
    if (all)
        pthread_cond_broadcast(&pl->cv);
    else
        pthread_cond_signal(&pl->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Rounds of steal attempts over all the other workers before parking:
 * the first ones with a pause between, the rest yielding the core (with
 * more workers than cores, the worker that holds the work may need it). */
enum { STEAL_SPINS = 4, STEAL_ROUNDS = 8 };

/* Work for w: its deque's newest, its claimed first tasks, a steal; parks
 * when there is none. -1 when the run is over. *straight: 1 when the task
 * came from w's own deque or first tasks before anything else was done
 * (no delivery, steal or park since its last task), so that its START may
 * take that task's time (dusk__run_claimed's fresh). */
static int64_t lf_find(dusk__run *r, dusk__worker *w, int *straight)
{
    pool *pl = r->backend;
    int n = r->nworkers;
    *straight = 1;
    for (;;) {
        /* after a task's error no task starts, as on the locked path:
         * what is left in the deques is dropped with the run */
        if (dusk__run_lf_over(r))
            return -1;
        int64_t t = dq_pop(&w->dq);
        if (t >= 0)
            return t;
        if ((t = dusk__run_claim(r, w)) >= 0)
            return t;
        *straight = 0;
        /* Nothing of its own: what the last step did reaches the listeners
         * (a stream's reader waits for this worker's events) and its
         * released results are freed before it spends rounds stealing. */
        if (dusk__run_pending(w)) {
            dusk__run_flush(r, w);
            continue;
        }
        for (int round = 0; round < STEAL_ROUNDS; round++) {
            if (dusk__run_lf_over(r))
                return -1;
            for (int k = 1; k < n; k++) {
                dusk__deque *q = &r->workers[(w->id + k) % n].dq;
                while ((t = dq_steal(q)) == -2)
                    ;   /* another took the top: try the next */
                if (t >= 0)
                    return t;
            }
            if (round < STEAL_SPINS)
                cpu_relax();
            else
                sched_yield();
        }
        /* Nothing to steal either: park until a push or the end. */
        pthread_mutex_lock(&r->mu);
        unsigned e = r->epoch;
        pthread_mutex_unlock(&r->mu);
        __atomic_fetch_add(&r->nsleep, 1, __ATOMIC_SEQ_CST);
        int any = dusk__run_lf_over(r) ||
                  __atomic_load_n(&r->ifirst, __ATOMIC_SEQ_CST) < r->nfirst;
        for (int k = 1; k < n && !any; k++)
            any = dq_nonempty(&r->workers[(w->id + k) % n].dq);
        if (!any) {
            pthread_mutex_lock(&r->mu);
            while (r->epoch == e && !dusk__run_lf_over(r))
                pthread_cond_wait(&pl->cv, &r->mu);
            pthread_mutex_unlock(&r->mu);
        }
        __atomic_fetch_sub(&r->nsleep, 1, __ATOMIC_SEQ_CST);
    }
}

/* A lock-free run's worker (sched.h, "without the lock"). */
static void lf_main(dusk__worker *w)
{
    dusk__run *r = w->r;
    dusk_value *v = NULL;
    dusk_error terr;
    int straight;
    int64_t t = lf_find(r, w, &straight);
    /* 1: t's START needs a clock reading of its own; 0: t follows this
     * worker's last task straight (made ready by it, or found at once in
     * its own deque or first tasks), and that task's time serves */
    int fresh = 1;
    while (t >= 0) {
        if (dusk__run_gate_armed(r)) {
            fresh = 1;
            /* t is this worker's alone: the gates are passed with its last
             * task delivered (dusk__run_gate), then t starts, its START
             * read after the pass; a refusal ends the run and t with it */
            dusk_error gerr;
            int rc = dusk__run_gate(r, w, &gerr);
            if (rc) {
                pthread_mutex_lock(&r->mu);
                dusk__run_refused(r, rc, &gerr);
                pthread_mutex_unlock(&r->mu);
                __atomic_store_n(&r->over, 1, __ATOMIC_SEQ_CST);
                break;
            }
            if (__atomic_load_n(&r->status, __ATOMIC_ACQUIRE))
                break;   /* a task failed while this worker waited */
        }
        if (dusk__run_claimed(r, w, t, fresh))
            break;   /* the run failed as t was taken: it does not start */
        int status = dusk__run_task(r, w, t, &v, &terr);
        t = dusk__run_finish(r, w, t, v, status, &terr);
        fresh = 0;
        if (w->nsucc) {
            for (size_t i = 0; i < w->nsucc; i++)
                if (dq_push(&w->dq, w->succ[i]) != 0) {
                    dusk_error e;
                    dusk_error_set(&e, DUSK_ENOMEM, "out of memory for the ready tasks");
                    pthread_mutex_lock(&r->mu);
                    dusk__run_refused(r, DUSK_ENOMEM, &e);
                    pthread_mutex_unlock(&r->mu);
                    __atomic_store_n(&r->over, 1, __ATOMIC_SEQ_CST);
                    break;
                }
            lf_wake(r, w->nsucc > 1);
        }
        if (__atomic_load_n(&r->status, __ATOMIC_ACQUIRE))
            break;   /* a task failed: none starts after it */
        if (t < 0) {
            t = lf_find(r, w, &straight);
            fresh = !straight;
        }
    }
    dusk__run_flush(r, w);
    lf_wake(r, 1);   /* the end, or a failure: parked workers see it */
}

/* One worker's loop: runs tasks until none is left or the run failed. */
static void *worker_main(void *arg)
{
    lf_main(arg);
    return NULL;
}

/* --- the pool: threads kept across runs ------------------------------------------- */

/* Making and joining a thread per worker in every dusk_get cost a small
 * graph tens of microseconds, more than its tasks. So the threads are
 * made once, the first time a run needs them (more when a run wants more
 * workers than there are), kept parked between runs, each on a semaphore
 * of its own (a run wakes exactly the workers it uses), and named
 * "dusk-worker". The calling thread serves worker 0 itself. One run holds
 * the pool at a time: a run that finds it held (another thread's, or a
 * task's own dusk_get on a pool thread) makes threads of its own for the
 * run, as dusk always did. A forked child has no pool threads: its first
 * run makes them anew. Parked threads hold no lock, so exit() with a
 * parked pool is safe; the pool's memory is malloc's, not dusk_malloc's,
 * since it outlives every run (dusk_alloc_live counts a run's blocks). */
typedef struct pool_slot {
    alignas(64) sem_t go;        /* posted once per run this thread serves */
    dusk__worker *w;             /* the worker it serves (set before go) */
} pool_slot;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t left;         /* the last worker of a run left it */
    int held;                    /* a run holds the pool */
    int active;                  /* pool threads still inside that run */
    int nthreads;                /* parked or serving */
    int cap;
    pool_slot **slot;            /* nthreads of them, slot[i] serves worker i + 1 */
    int atfork;
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, NULL, 0};

static void pool_forked(void)
{
    /* The child has the forking thread only; the slots of the parent's
     * threads are forgotten (their memory is the child's to lose). */
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.left, NULL);
    P.held = P.active = P.nthreads = P.cap = 0;
    P.slot = NULL;
}

static void *pool_main(void *arg)
{
    pool_slot *sl = arg;
#ifdef __linux__
    pthread_setname_np(pthread_self(), "dusk-worker");
#endif
    for (;;) {
        while (sem_wait(&sl->go) != 0)
            ;   /* EINTR */
        worker_main(sl->w);
        pthread_mutex_lock(&P.mu);
        if (--P.active == 0)
            pthread_cond_signal(&P.left);
        pthread_mutex_unlock(&P.mu);
    }
    return NULL;
}

/* Grows the pool to n threads (P.mu held); returns how many there are. */
static int pool_grow(int n)
{
    if (!P.atfork)
        P.atfork = pthread_atfork(NULL, NULL, pool_forked) == 0;
    if (!P.atfork)
        return P.nthreads;
    if (n > P.cap) {
        pool_slot **s = realloc(P.slot, (size_t)n * sizeof *s);
        if (!s)
            return P.nthreads;
        P.slot = s;
        P.cap = n;
    }
    pthread_attr_t at;
    if (pthread_attr_init(&at) != 0)
        return P.nthreads;
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    while (P.nthreads < n) {
        pool_slot *sl = aligned_alloc(64, sizeof *sl);
        pthread_t th;
        if (!sl)
            break;
        memset(sl, 0, sizeof *sl);
        if (sem_init(&sl->go, 0, 0) != 0) {
            free(sl);
            break;
        }
        if (pthread_create(&th, &at, pool_main, sl) != 0) {
            sem_destroy(&sl->go);
            free(sl);
            break;
        }
        P.slot[P.nthreads++] = sl;
    }
    pthread_attr_destroy(&at);
    return P.nthreads;
}

/* Takes the pool for r and wakes n - 1 of its threads on workers 1..;
 * returns how many workers will serve (the caller's included), or 0 when
 * the pool is held by another run. */
static int pool_take(dusk__run *r, int n)
{
    pthread_mutex_lock(&P.mu);
    if (P.held) {
        pthread_mutex_unlock(&P.mu);
        return 0;
    }
    int have = P.nthreads >= n - 1 ? P.nthreads : pool_grow(n - 1);
    int use = have < n - 1 ? have + 1 : n;
    P.held = 1;
    P.active = use - 1;
    pthread_mutex_unlock(&P.mu);
    for (int i = 1; i < use; i++) {
        P.slot[i - 1]->w = &r->workers[i];
        sem_post(&P.slot[i - 1]->go);
    }
    return use;
}

/* Waits for the pool's threads to leave the run, and frees the pool. */
static void pool_give_back(void)
{
    pthread_mutex_lock(&P.mu);
    while (P.active > 0)
        pthread_cond_wait(&P.left, &P.mu);
    P.held = 0;
    pthread_mutex_unlock(&P.mu);
}

/* --- the backend -------------------------------------------------------------------- */

static int threads_init(dusk__run *r, dusk_error *err)
{
    pool *pl = dusk_calloc(1, sizeof *pl);
    if (!pl)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    r->backend = pl;
    /* A plain mutex: lock() spins before it waits (an adaptive one would
     * spin a second time). */
    if (pthread_mutex_init(&r->mu, NULL) != 0)
        return dusk_error_set(err, DUSK_ESYS, "cannot create a mutex");
    pl->mu_init = 1;
    if (pthread_cond_init(&pl->cv, NULL) != 0)
        return dusk_error_set(err, DUSK_ESYS, "cannot create a condition variable");
    pl->cv_init = 1;
    if (r->lockfree)
        for (int i = 0; i < r->nworkers; i++)
            if (dq_init(&r->workers[i].dq) != 0)
                return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    /* The pool's threads made now, before the run's epoch: made when the
     * run takes the pool, a process's first run waited for them (60-150 us
     * of a trace's start with no task running). Fewer made is no error:
     * pool_take grows or falls back as before. */
    pthread_mutex_lock(&P.mu);
    if (!P.held && P.nthreads < r->nworkers - 1)
        pool_grow(r->nworkers - 1);
    pthread_mutex_unlock(&P.mu);
    return 0;
}

/* Workers 1.. on threads of this run's own (the pool being held), worker 0
 * on the calling thread. */
static int own_threads(dusk__run *r, dusk_error *err)
{
    pool *pl = r->backend;
    int started = 0;
    if (r->nworkers > 1 &&
        !(pl->threads = dusk_malloc((size_t)(r->nworkers - 1) * sizeof *pl->threads)))
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
    for (; started < r->nworkers - 1; started++)
        if (pthread_create(&pl->threads[started], NULL, worker_main,
                           &r->workers[started + 1]) != 0)
            break;
    /* With fewer threads than asked for, the ones that started do it all. */
    r->used = started + 1;
    worker_main(&r->workers[0]);
    for (int i = 0; i < started; i++)
        pthread_join(pl->threads[i], NULL);
    return 0;
}

static int threads_run(dusk__run *r, dusk_error *err)
{
    int use = pool_take(r, r->nworkers);
    if (use == 0)
        return own_threads(r, err);
    r->used = use;
    worker_main(&r->workers[0]);
    pool_give_back();
    return 0;
}

static void threads_fini(dusk__run *r)
{
    pool *pl = r->backend;
    if (!pl)
        return;
    if (pl->cv_init)
        pthread_cond_destroy(&pl->cv);
    if (pl->mu_init)
        pthread_mutex_destroy(&r->mu);
    if (r->workers)
        for (int i = 0; i < r->nworkers; i++)
            dq_free(&r->workers[i].dq);
    dusk_free(pl->threads);
    dusk_free(pl);
    r->backend = NULL;
}

const dusk__backend dusk__sched_threads = {
    .name = "threads",
    .kind = DUSK_SCHED_THREADS,
    .workers = threads_workers,
    .init = threads_init,
    .run = threads_run,
    .fini = threads_fini,
    .lockfree = 1,
};
