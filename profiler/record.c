/*
** dusk profiler — recording runs: callbacks, per-worker buffers, sampler
**
** The hot path is cb_events on the worker threads, once a task. It touches
** only the worker's own dusk__pworker (found through the run's slot table,
** created on the worker's first event), so it takes no lock and writes no
** shared cache line: START keeps the start time; END/ERROR appends an
** entry to the worker's log (task, times, bytes: 11 bytes for a tiny task,
** see prof.h); RELEASED appends (task, time). Log blocks are allocated as
** they fill; when one cannot be, the record is counted as lost and the run
** goes on. `start` takes a reference to the run's plan (plan.h), which
** says the keys, functions and dependencies of its task ids whatever
** becomes of the graph; decoding the logs and reading the plan wait for
** the first read (dusk__prepare): neither is on the run's time. A prepared
** run's plan stays with the profile, whose records point to its keys.
**
** Resource samples: each reads RSS from /proc/self/statm, the process's
** CPU time and the bytes held from the workers' last events, and is
** appended under p->mu (during a processes run, RSS is the pool's: this
** process's plus each worker process's, from dusk__workers_rss in
** core/util.c). Sampling goes on from `start` to RUN_END of each run (its
** first and last samples taken there, on the run's thread, so that no
** sample lies outside the run), or from dusk_profiler_begin to
** dusk_profiler_end: a session. A sample falls
** due every interval: dt when the options fix one; by default it adapts to
** the session's length (prof.h: 1 ms at first, doubling as old samples are
** thinned out), so a 200 ms run gets a curve of some 200 points and an
** hour's run still about a thousand. While a run's workers are busy, the
** worker whose END or RELEASED finds a sample due takes it between two
** tasks (a pread and a clock, a few microseconds; under a trylock, so it
** never waits); a thread of the profiler's own takes the others (between
** runs, in a long task), in a timed wait on p->cv (so stopping it is
** immediate). Waking that thread every millisecond cost some 25 us of CPU
** a wake-up here, taken from a worker when the workers fill the cores;
** while the workers sample, it wakes only DUSK__SAMPLE_GRACE_NS past each
** due time.
**
** The scheduler's peak of bytes held is kept per worker from the `held`
** of END events and, with RUN_END's, is the run record's held_peak:
** exactly the run's dusk_run_stats.held_peak.
**
** dusk__prepare moves finished runs into the arrays readers see; see
** prof.h for the two halves.
*/
#define _GNU_SOURCE   /* pthread_setname_np */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prof.h"

/* --- per-worker buffers (worker thread only) -------------------------------- */

/* Worker id's state, NULL when it has none yet (id in range). */
static inline dusk__pworker *slot_get(dusk__prun *r, int32_t id)
{
    dusk__slot *c = atomic_load_explicit(&r->slots[id / DUSK__SLOT_CHUNK], memory_order_acquire);
    return c ? atomic_load_explicit(&c[id % DUSK__SLOT_CHUNK], memory_order_acquire) : NULL;
}

/* Puts w in id's slot, making its chunk if no worker made it first; -1 out
 * of memory. Workers of one chunk may race to make it: one chunk wins. */
static int slot_set(dusk__prun *r, int32_t id, dusk__pworker *w)
{
    _Atomic(dusk__slot *) *top = &r->slots[id / DUSK__SLOT_CHUNK];
    dusk__slot *c = atomic_load_explicit(top, memory_order_acquire);
    if (!c) {
        dusk__slot *made = dusk_malloc(DUSK__SLOT_CHUNK * sizeof *made);
        if (!made)
            return -1;
        for (int i = 0; i < DUSK__SLOT_CHUNK; i++)
            atomic_init(&made[i], NULL);
        if (atomic_compare_exchange_strong_explicit(top, &c, made, memory_order_acq_rel,
                                                    memory_order_acquire))
            c = made;
        else
            dusk_free(made);   /* c is the chunk that won */
    }
    atomic_store_explicit(&c[id % DUSK__SLOT_CHUNK], w, memory_order_release);
    return 0;
}

/* A worker's first event: its dusk__pworker, made now; NULL (the event lost,
 * which the caller counts) for an id out of range or on allocation failure. */
static dusk__pworker *worker_new(dusk__prun *r, int32_t id)
{
    if (id < 0 || id >= DUSK__PROF_MAX_WORKERS)
        return NULL;
    dusk__pworker *w = dusk_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->cur_task = -1;
    atomic_init(&w->held, 0);
    atomic_init(&w->held_t, 0);
    if (slot_set(r, id, w) != 0) {
        dusk_free(w);
        return NULL;
    }
    int n = atomic_load_explicit(&r->nworkers, memory_order_relaxed);
    while (n < id + 1 &&
           !atomic_compare_exchange_weak_explicit(&r->nworkers, &n, id + 1,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
    return w;
}

static inline dusk__pworker *worker_of(dusk__prun *r, int32_t id)
{
    dusk__pworker *w = id >= 0 && id < DUSK__PROF_MAX_WORKERS ? slot_get(r, id) : NULL;
    return w ? w : worker_new(r, id);
}

/* --- the worker's log ------------------------------------------------------ */

/* A new block at the end of the log with room for n bytes; NULL if out
 * of memory. */
static unsigned char *log_grow(dusk__pworker *w, size_t n)
{
    dusk__arena_block *b = w->log_tail;
    size_t cap = n > DUSK__LOG_BLOCK ? n : DUSK__LOG_BLOCK;
    dusk__arena_block *nb = dusk_malloc(sizeof *nb + cap);
    if (!nb)
        return NULL;
    nb->next = NULL;
    nb->used = 0;
    nb->cap = cap;
    if (b)
        b->next = nb;
    else
        w->log = nb;
    w->log_tail = nb;
    return nb->data;
}

/* Makes room for n bytes at the end of the log; NULL if out of memory. */
static inline unsigned char *log_room(dusk__pworker *w, size_t n)
{
    dusk__arena_block *b = w->log_tail;
    return b && b->cap - b->used >= n ? b->data + b->used : log_grow(w, n);
}

/* Entries (prof.h): a tag, then fields of 2, 4 or 8 bytes in native
 * order (the log is read back in this process), written with a few plain
 * stores and one test of the values' size: no loop, no branch per field. */
static inline unsigned char *put16(unsigned char *o, uint64_t v)
{
    uint16_t x = (uint16_t)v;
    memcpy(o, &x, 2);
    return o + 2;
}

static inline unsigned char *put32(unsigned char *o, uint64_t v)
{
    uint32_t x = (uint32_t)v;
    memcpy(o, &x, 4);
    return o + 4;
}

static inline unsigned char *put64(unsigned char *o, uint64_t v)
{
    memcpy(o, &v, 8);
    return o + 8;
}

/* The most bytes one entry takes: a wide one (two tag bytes and five
 * 8-byte fields). */
enum { LOG_ENTRY_MAX = 2 + 5 * 8 };

/* A wide entry: kind, task, time delta (two's complement), then for END
 * and ERROR the duration, bytes and (ERROR) status. */
static unsigned char *put_wide(unsigned char *o, int kind, int64_t task, uint64_t dt,
                               uint64_t dur, uint64_t nbytes, int64_t status)
{
    *o++ = DUSK__LOG_WIDE;
    *o++ = (unsigned char)kind;
    o = put64(o, (uint64_t)task);
    o = put64(o, dt);
    if (kind == DUSK__LOG_RELEASED)
        return o;
    o = put64(o, dur);
    o = put64(o, nbytes);
    return kind == DUSK__LOG_ERROR ? put64(o, (uint64_t)status) : o;
}

/* Encoders: write one entry at o (room is the caller's), return its end. */
static inline unsigned char *put_end(dusk__pworker *w, unsigned char *o, const dusk_event *ev)
{
    uint64_t start = w->cur_task == ev->task ? w->cur_start : ev->t_ns;
    uint64_t end = ev->t_ns >= start ? ev->t_ns : start;
    uint64_t ds = start - w->last_t, dur = end - start, nb = ev->nbytes;
    uint64_t all = ds | dur | nb;
    int fits = ev->kind == DUSK_EV_END && (uint64_t)ev->task <= UINT32_MAX && start >= w->last_t;
    w->last_t = end;
    w->nrecs++;
    w->cur_task = -1;
    if (fits && all <= UINT16_MAX) {
        *o = DUSK__LOG_END | DUSK__LOG_SMALL;
        o = put32(o + 1, (uint64_t)ev->task);
        o = put16(o, ds);
        o = put16(o, dur);
        return put16(o, nb);
    }
    if (fits && all <= UINT32_MAX) {
        *o = DUSK__LOG_END;
        o = put32(o + 1, (uint64_t)ev->task);
        o = put32(o, ds);
        o = put32(o, dur);
        return put32(o, nb);
    }
    if (ev->kind == DUSK_EV_ERROR)
        return put_wide(o, DUSK__LOG_ERROR, ev->task, ds, dur, 0,
                        ev->status ? ev->status : DUSK_ETASK);
    return put_wide(o, DUSK__LOG_END, ev->task, ds, dur, nb, 0);
}

static inline unsigned char *put_release(dusk__pworker *w, unsigned char *o, const dusk_event *ev)
{
    uint64_t dt = ev->t_ns - w->last_t;
    int fits = (uint64_t)ev->task <= UINT32_MAX && ev->t_ns >= w->last_t;
    w->last_t = ev->t_ns;
    if (fits && dt <= UINT16_MAX) {
        *o = DUSK__LOG_RELEASED | DUSK__LOG_SMALL;
        return put16(put32(o + 1, (uint64_t)ev->task), dt);
    }
    if (fits && dt <= UINT32_MAX) {
        *o = DUSK__LOG_RELEASED;
        return put32(put32(o + 1, (uint64_t)ev->task), dt);
    }
    return put_wide(o, DUSK__LOG_RELEASED, ev->task, dt, 0, 0, 0);
}

/* One entry with its own room; a failed block loses it. */
static void record_one(dusk__pworker *w, const dusk_event *ev)
{
    unsigned char *o = log_room(w, LOG_ENTRY_MAX);
    if (!o) {
        /* dusk_profiler_lost counts task records, one an END or ERROR */
        if (ev->kind == DUSK_EV_RELEASED)
            w->lost_releases++;
        else
            w->lost++;
        return;
    }
    unsigned char *end = ev->kind == DUSK_EV_RELEASED ? put_release(w, o, ev) : put_end(w, o, ev);
    w->log_tail->used += (size_t)(end - o);
}

/* --- the sampler ------------------------------------------------------------------ */

static uint64_t cpu_time_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int dusk__ncpu(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);   /* the cores this process may run on */
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* Bytes held per the latest event of the active run. Caller holds p->mu. */
static uint64_t held_now(dusk_profiler *p)
{
    dusk__prun *r = p->active;
    uint64_t best_t = 0, held = 0;
    if (!r)
        return 0;
    int n = atomic_load_explicit(&r->nworkers, memory_order_relaxed);
    for (int i = 0; i < n; i++) {
        dusk__pworker *w = slot_get(r, i);
        if (!w)
            continue;
        uint64_t t = atomic_load_explicit(&w->held_t, memory_order_relaxed);
        if (t >= best_t) {
            best_t = t;
            held = atomic_load_explicit(&w->held, memory_order_relaxed);
        }
    }
    return held;
}

/* Adaptive sampling: a session that reached DUSK__SAMPLE_KEEP samples
 * keeps every other one (its first among them) and samples half as often
 * from now on. Caller holds p->mu. */
static void thin_session(dusk_profiler *p)
{
    size_t first = p->sess_first, n = p->nraw - first, k = 0;
    for (size_t i = 0; i < n; i += 2)
        p->raw[first + k++] = p->raw[first + i];
    p->nraw = first + k;
    p->interval *= 2;
}

/* Takes one sample: its time t and the CPU time cpu read when it fell due,
 * the RSS now (reading /proc took 40-130 us on a loaded machine, and the
 * RSS is a level, not a rate: read late, it is still the RSS then). Caller
 * holds p->mu. */
static uint64_t rss_now(dusk_profiler *p)
{
    return dusk__statm_rss(p->statm_fd) + dusk__workers_rss();
}

/* The session's first sample's RSS, when its reading was left to later
 * (session_open). Caller holds p->mu. */
static void first_rss(dusk_profiler *p)
{
    if (p->rss_pending && p->sess_first < p->nraw)
        p->raw[p->sess_first].rss = rss_now(p);
    p->rss_pending = 0;
}

static void take_sample_at(dusk_profiler *p, int first, uint64_t t, uint64_t cpu)
{
    /* a session's first: its RSS read off the run's start (session_open) */
    uint64_t rss = first ? 0 : rss_now(p);
    if (!p->has_epoch) {
        p->has_epoch = 1;
        p->epoch_abs = t;
    }
    if (p->nraw == p->capraw) {
        size_t cap = p->capraw ? 2 * p->capraw : 256;
        dusk__raw_sample *raw = dusk_realloc(p->raw, cap * sizeof *raw);
        if (!raw) {
            /* lost; the next falls due as ever (left in the past, it
             * would be retried at once, over and over, by the sampler
             * and every worker's END; left unset, never) */
            p->raw_lost++;
            atomic_store_explicit(&p->due, t + p->interval, memory_order_relaxed);
            return;
        }
        p->raw = raw;
        p->capraw = cap;
    }
    if (first)
        p->rss_pending = 1;
    p->raw[p->nraw++] = (dusk__raw_sample){t, rss, held_now(p), cpu, first};
    p->raw_changed = 1;
    if (p->o.dt == 0 && p->nraw - p->sess_first >= DUSK__SAMPLE_KEEP)
        thin_session(p);
    atomic_store_explicit(&p->due, t + p->interval, memory_order_relaxed);
}

static void take_sample(dusk_profiler *p, int first)
{
    uint64_t t = dusk_now_ns();
    take_sample_at(p, first, t, cpu_time_ns());
}

/* A worker whose event at t_abs found a sample due takes it, unless the
 * sampler thread or another worker is at it: it never waits for p->mu. */
static void sample_on_worker(dusk_profiler *p, uint64_t t_abs)
{
    if (pthread_mutex_trylock(&p->mu) != 0)
        return;
    if (p->sampler_on && !p->sampler_stop &&
        t_abs >= atomic_load_explicit(&p->due, memory_order_relaxed)) {
        take_sample(p, 0);
        p->worker_samples++;
    }
    pthread_mutex_unlock(&p->mu);
}

/* After a worker's END or RELEASED at run time t: the bytes held for the
 * sampler, and the sample itself when one is due. */
static inline void note_held(dusk_profiler *p, const dusk__prun *r, dusk__pworker *w,
                             const dusk_event *ev)
{
    atomic_store_explicit(&w->held, ev->held, memory_order_relaxed);
    atomic_store_explicit(&w->held_t, ev->t_ns, memory_order_relaxed);
    if (r->t0_abs + ev->t_ns >= atomic_load_explicit(&p->due, memory_order_relaxed))
        sample_on_worker(p, r->t0_abs + ev->t_ns);
}

/* Opens a sampling session and takes its first sample, on the thread that
 * starts it (a run's RUN_BEGIN, dusk_profiler_begin): at the session's
 * start t0, whose CPU time cpu0 the caller read with it, not when the
 * sampler thread first gets a core (1-8 ms later on a busy machine), nor
 * once the run's record is allocated and /proc/self/statm opened (which
 * put it 190-410 us into the run). Its RSS, a level, is read a little
 * later, off the run's start (reading /proc here took 36-60 us of a
 * fresh process's run before its first task): by the sampler thread when
 * it wakes, or at the session's close, whichever comes first. Caller
 * holds p->mu. */
static void session_open(dusk_profiler *p, uint64_t t0, uint64_t cpu0)
{
    if (p->statm_fd < 0)   /* else opened beforehand (sampler_prepare) */
        p->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    p->session++;
    p->sess_first = p->nraw;
    p->interval = p->o.dt > 0 ? (uint64_t)(p->o.dt * 1e9) : DUSK__SAMPLE_MIN_NS;
    take_sample_at(p, 1, t0, cpu0);
}

/* Takes the session's last sample and tells the sampler thread to stop:
 * at a run's RUN_END, so that no sample falls after the run (the finish
 * callback, where the thread is joined, can come milliseconds later), or
 * at dusk_profiler_end. Does nothing when the session is closed. Caller
 * holds p->mu. */
static void session_close(dusk_profiler *p)
{
    if (!p->sampler_on || p->sampler_stop)
        return;
    first_rss(p);
    take_sample(p, 0);
    p->sampler_stop = 1;
    atomic_store_explicit(&p->due, UINT64_MAX, memory_order_relaxed);
    pthread_cond_signal(&p->cv);
}

static void *sampler_main(void *arg)
{
    dusk_profiler *p = arg;
#ifdef __linux__
    pthread_setname_np(pthread_self(), "dusk-sampler");   /* in top -H, gdb, the bench */
#endif
    pthread_mutex_lock(&p->mu);
    uint64_t seen = p->worker_samples;
    while (!p->quit) {
        if (!p->sampler_on || p->sampler_stop) {   /* between sessions */
            pthread_cond_wait(&p->cv, &p->mu);
            seen = p->worker_samples;
            continue;
        }
        first_rss(p);
        /* While workers take the samples, look again only after a grace:
         * a wake-up costs this machine tens of microseconds, taken from
         * a worker when the workers fill the cores. The wait is this
         * session's: a session closed and the next opened while the
         * thread waited for p->mu left it waiting for the old one's due
         * time (30 ms, or seconds, after a long session), with no sample. */
        int busy = p->worker_samples != seen;
        seen = p->worker_samples;
        uint64_t sess = p->session;
        uint64_t deadline = atomic_load_explicit(&p->due, memory_order_relaxed) +
                            (busy ? DUSK__SAMPLE_GRACE_NS : 0);
        struct timespec ts = {(time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u)};
        uint64_t now = 0;
        while (!p->sampler_stop && !p->quit && p->session == sess &&
               (now = dusk_now_ns()) < deadline)
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        if (p->sampler_stop || p->quit || p->session != sess)
            continue;
        p->sampler_wakes += now >= deadline;
        if (now >= atomic_load_explicit(&p->due, memory_order_relaxed))
            take_sample(p, 0);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The sampler thread, parked until a session opens, and /proc/self/statm
 * open: made before a run where they can be, so that the run's start does
 * not wait for them. 0, or DUSK_ESYS when no thread can be made. Caller
 * holds p->mu. */
static void init_cv(dusk_profiler *p)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* In a child forked after the thread was made: the thread is the
 * parent's, p->cv still counts it as a waiter (destroying it then waited
 * for good), and statm_fd reads the parent's memory. Made anew, as if no
 * thread had been; a run of the child makes its own. Caller holds p->mu. */
static void forked_child(dusk_profiler *p)
{
    if (!p->thread_up || p->thread_pid == getpid())
        return;
    init_cv(p);
    p->thread_up = 0;
    if (p->statm_fd >= 0)
        close(p->statm_fd);
    p->statm_fd = -1;
}

static int sampler_prepare(dusk_profiler *p)
{
    forked_child(p);
    if (p->statm_fd < 0)
        p->statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (!p->thread_up && pthread_create(&p->sampler, NULL, sampler_main, p) == 0) {
        p->thread_up = 1;
        p->thread_pid = getpid();
    }
    return p->thread_up ? 0 : DUSK_ESYS;
}

/* Opens a session begun at t0 (CPU time cpu0) for its thread (made now if
 * it was not before), which the caller wakes once it has let go of p->mu
 * (pthread_cond_signal(&p->cv)): woken under it, the thread only waited
 * for it, a switch more on the run's start. Caller holds p->mu. */
static int sampler_start(dusk_profiler *p, uint64_t t0, uint64_t cpu0)
{
    if (p->sampler_on)
        return 0;
    p->sampler_stop = 0;
    session_open(p, t0, cpu0);
    if (sampler_prepare(p) != 0) {
        first_rss(p);   /* its RSS now: no thread will read it */
        atomic_store_explicit(&p->due, UINT64_MAX, memory_order_relaxed);
        return DUSK_ESYS;
    }
    p->sampler_on = 1;
    return 0;
}

/* Closes the session (unless its run's end did): its last sample taken,
 * the thread takes no other (it looks at sampler_stop under p->mu) and
 * parks. Caller holds p->mu. */
static void sampler_stop(dusk_profiler *p)
{
    if (!p->sampler_on)
        return;
    session_close(p);
    p->sampler_on = 0;
}

/* Ends the thread, for dusk_profiler_free. Caller holds p->mu; it is
 * released while waiting for the thread. */
static void sampler_quit(dusk_profiler *p)
{
    forked_child(p);
    sampler_stop(p);
    if (p->thread_up) {
        p->quit = 1;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->sampler, NULL);
        pthread_mutex_lock(&p->mu);
        p->thread_up = 0;
    }
    if (p->statm_fd >= 0)
        close(p->statm_fd);
    p->statm_fd = -1;
}

/* --- the callbacks ------------------------------------------------------------------ */

/* Workers whose state and first log block RUN_BEGIN makes (64 KiB each). */
enum { PREMADE_WORKERS = 64 };

/* At RUN_BEGIN, on the run's calling thread before any task starts: each
 * announced worker's state and (when tasks or cache are recorded) the first
 * block of its log. Made at the worker's first START, they fell between
 * its first task's START and END: those allocations and their first page
 * faults made the first task of a run last 17-70 us where it took 2-3 us
 * without the profiler (sync and threads alike). A worker above
 * PREMADE_WORKERS, or one whose memory is not there now, makes them at its
 * first event, as before. */
static void premake_workers(dusk_profiler *p, dusk__prun *r, int32_t nworkers)
{
    int log = (p->o.record & (DUSK_PROF_TASKS | DUSK_PROF_CACHE)) != 0;
    for (int32_t id = 0; id < nworkers && id < PREMADE_WORKERS; id++) {
        dusk__pworker *w = worker_of(r, id);
        if (!w)
            return;
        if (log && !w->log_tail && !log_grow(w, 0))
            return;
    }
}

static void cb_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    dusk_profiler *p = ud;
    /* The run's epoch was read just before the start callbacks. */
    uint64_t t0 = dusk_now_ns();
    if (p->readonly)
        return;
    /* the first sample's CPU time, with t0: before the allocations */
    uint64_t cpu0 = p->o.record & DUSK_PROF_RESOURCES ? cpu_time_ns() : 0;
    dusk__prun *r = dusk_calloc(1, sizeof *r);
    pthread_mutex_lock(&p->mu);
    if (!r || p->active) {
        /* Out of memory (or a second run at once, which is not supported):
         * this run is not recorded. */
        dusk_free(r);
        if (!p->active) {
            p->status = DUSK_ENOMEM;
            p->lost += ntasks;
        }
        pthread_mutex_unlock(&p->mu);
        return;
    }
    r->plan = dusk_plan_ref(plan);
    r->gsize = dusk_plan_graph_size(plan);
    for (size_t c = 0; c < sizeof r->slots / sizeof *r->slots; c++)
        atomic_init(&r->slots[c], NULL);
    r->ntasks = ntasks;
    atomic_init(&r->nworkers, 0);
    atomic_init(&r->lost, 0);
    atomic_init(&r->lost_other, 0);
    r->index = p->nruns_total++;
    r->t0_abs = t0;
    if (!p->has_epoch) {
        p->has_epoch = 1;
        p->epoch_abs = t0;
    }
    p->active = r;
    if ((p->o.record & DUSK_PROF_RESOURCES) && sampler_start(p, t0, cpu0) != 0)
        p->status = DUSK_ESYS;
    pthread_mutex_unlock(&p->mu);
    pthread_cond_signal(&p->cv);   /* the sampler's session is open */
}

static void cb_event(void *ud, const dusk_event *ev)
{
    dusk_profiler *p = ud;
    dusk__prun *r = p->active;
    dusk__pworker *w;
    if (!r)
        return;
    switch (ev->kind) {
    case DUSK_EV_START:
        if ((w = worker_of(r, ev->worker)) != NULL) {
            w->cur_task = ev->task;
            w->cur_start = ev->t_ns;
        } else if (ev->worker >= 0) {
            /* its END may still find memory and record the task with no
             * start (a duration of 0): the profile says something was lost */
            atomic_store_explicit(&r->lost_other, 1, memory_order_relaxed);
        }
        break;
    case DUSK_EV_END:
    case DUSK_EV_ERROR:
        if ((w = worker_of(r, ev->worker)) == NULL) {
            atomic_fetch_add_explicit(&r->lost, 1, memory_order_relaxed);
            break;
        }
        /* END only, as in the batched path: the scheduler's held_peak is
         * taken where results are stored */
        if (ev->kind == DUSK_EV_END && ev->held > w->held_peak)
            w->held_peak = ev->held;
        if (p->o.record & (DUSK_PROF_TASKS | DUSK_PROF_CACHE))
            record_one(w, ev);
        if (p->o.record & DUSK_PROF_RESOURCES)
            note_held(p, r, w, ev);
        break;
    case DUSK_EV_RELEASED:
        if (ev->worker < 0)
            break;
        if ((w = worker_of(r, ev->worker)) == NULL) {
            atomic_store_explicit(&r->lost_other, 1, memory_order_relaxed);
            break;
        }
        if (p->o.record & (DUSK_PROF_TASKS | DUSK_PROF_CACHE))
            record_one(w, ev);
        if (p->o.record & DUSK_PROF_RESOURCES)
            note_held(p, r, w, ev);
        break;
    case DUSK_EV_RUN_BEGIN:
        r->ntasks = ev->nbytes;
        r->announced = ev->status;   /* the run's workers */
        premake_workers(p, r, ev->status);
        break;
    case DUSK_EV_RUN_END:
        r->wall = ev->t_ns;
        r->end_held = ev->held;
        r->status = ev->status;
        r->ended = 1;
        if (p->o.record & DUSK_PROF_RESOURCES) {
            /* the run's last sample now: a block samples on */
            pthread_mutex_lock(&p->mu);
            if (!p->block)
                session_close(p);
            pthread_mutex_unlock(&p->mu);
        }
        break;
    default:
        break;
    }
}

static void cb_finish(void *ud, int status)
{
    dusk_profiler *p = ud;
    pthread_mutex_lock(&p->mu);
    dusk__prun *r = p->active;
    if (!r) {
        pthread_mutex_unlock(&p->mu);
        return;
    }
    if (!r->ended) {
        r->status = status;
        r->wall = dusk_now_ns() - (r->t0_abs ? r->t0_abs : dusk_now_ns());
    }
    if (!p->block)
        sampler_stop(p);   /* a run without RUN_END: its last sample now */
    /* Keys and dependencies are read from the plan when the records are
     * first read: not here, on the time of the computation measured. */
    p->active = NULL;
    if (p->pending_tail)
        p->pending_tail->next = r;
    else
        p->pending = r;
    p->pending_tail = r;
    pthread_mutex_unlock(&p->mu);
}

/* A worker's events of one step at once: one call instead of four. */
static void cb_events(void *ud, const dusk_event *ev, size_t n)
{
    dusk_profiler *p = ud;
    dusk__prun *r = p->active;
    dusk__pworker *w;
    if (!r || n == 0)
        return;
    if (ev[0].worker < 0 || (w = worker_of(r, ev[0].worker)) == NULL) {
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind != DUSK_EV_READY)
                cb_event(ud, &ev[i]);
        return;
    }
    /* A worker's batch (events.h): its dusk__pworker is looked up once, room
     * in its log is made once, and the sampler only needs the bytes held
     * after the last event. A short batch (a step of a task with few
     * dependents and dependencies) gets room for an entry per event
     * without counting its entries. */
    int rec = (p->o.record & (DUSK_PROF_TASKS | DUSK_PROF_CACHE)) != 0;
    size_t entries = n;
    if (n > 8) {
        entries = 0;
        for (size_t i = 0; i < n; i++)
            entries += ev[i].kind == DUSK_EV_END || ev[i].kind == DUSK_EV_ERROR ||
                       ev[i].kind == DUSK_EV_RELEASED;
    }
    unsigned char *o0 = rec && entries ? log_room(w, entries * LOG_ENTRY_MAX) : NULL, *o = o0;
    const dusk_event *held = NULL;
    for (size_t i = 0; i < n; i++) {
        const dusk_event *e = &ev[i];
        if (e->worker != ev[0].worker) {
            cb_event(ud, e);
            continue;
        }
        switch (e->kind) {
        case DUSK_EV_START:
            w->cur_task = e->task;
            w->cur_start = e->t_ns;
            break;
        case DUSK_EV_END:
        case DUSK_EV_ERROR:
        case DUSK_EV_RELEASED:
            /* the scheduler's peak is the `held` of an END (it only adds
             * there), which a sampled or rebuilt series can miss */
            if (e->kind == DUSK_EV_END && e->held > w->held_peak)
                w->held_peak = e->held;
            if (o)
                o = e->kind == DUSK_EV_RELEASED ? put_release(w, o, e) : put_end(w, o, e);
            else if (rec)
                record_one(w, e);   /* no room in one piece: entry by entry */
            held = e;
            break;
        case DUSK_EV_READY:
            break;
        default:
            cb_event(ud, e);
            break;
        }
    }
    if (o)
        w->log_tail->used += (size_t)(o - o0);
    if (held && (p->o.record & DUSK_PROF_RESOURCES))
        note_held(p, r, w, held);
}

dusk_callbacks dusk_profiler_callbacks(dusk_profiler *p)
{
    dusk_callbacks cb;
    memset(&cb, 0, sizeof cb);
    if (!p)   /* no profiler: callbacks that listen to nothing */
        return cb;
    /* a run is coming: the sampler now, not at its start (a failure here
     * is met again, and reported, when the run starts) */
    if ((p->o.record & DUSK_PROF_RESOURCES) && !p->readonly) {
        pthread_mutex_lock(&p->mu);
        sampler_prepare(p);
        pthread_mutex_unlock(&p->mu);
    }
    cb.ud = p;
    cb.start = cb_start;
    cb.on_events = cb_events;
    cb.finish = cb_finish;
    /* READY tells the profiler nothing it records: not built for it */
    cb.kinds = DUSK_EVMASK(DUSK_EV_RUN_BEGIN) | DUSK_EVMASK(DUSK_EV_START) |
               DUSK_EVMASK(DUSK_EV_END) | DUSK_EVMASK(DUSK_EV_ERROR) |
               DUSK_EVMASK(DUSK_EV_RELEASED) | DUSK_EVMASK(DUSK_EV_RUN_END);
    return cb;
}

/* --- life cycle ------------------------------------------------------------------------ */

/* --- fork ----------------------------------------------------------------------------------
 * The sampler thread lives between runs, and takes p->mu now and then. A
 * fork while it held p->mu left the child's copy locked for good (the
 * child's free or next run waited on it): every live profiler's mu is
 * taken before a fork and let go on both sides after it, so a child
 * starts with them free (forked_child then makes the rest anew). */
static pthread_mutex_t forks_mu = PTHREAD_MUTEX_INITIALIZER;
static dusk_profiler *live_profilers;
static pthread_once_t forks_once = PTHREAD_ONCE_INIT;

static void forks_prepare(void)
{
    pthread_mutex_lock(&forks_mu);
    for (dusk_profiler *p = live_profilers; p; p = p->fork_next)
        pthread_mutex_lock(&p->mu);
}

static void forks_release(void)
{
    for (dusk_profiler *p = live_profilers; p; p = p->fork_next)
        pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&forks_mu);
}

static void forks_init(void)
{
    pthread_atfork(forks_prepare, forks_release, forks_release);
}

/* Not while holding p->mu (forks_mu comes first). */
static void live_add(dusk_profiler *p)
{
    pthread_once(&forks_once, forks_init);
    pthread_mutex_lock(&forks_mu);
    p->fork_next = live_profilers;
    live_profilers = p;
    pthread_mutex_unlock(&forks_mu);
}

static void live_remove(dusk_profiler *p)
{
    pthread_mutex_lock(&forks_mu);
    for (dusk_profiler **at = &live_profilers; *at; at = &(*at)->fork_next)
        if (*at == p) {
            *at = p->fork_next;
            break;
        }
    pthread_mutex_unlock(&forks_mu);
}

static void init_common(dusk_profiler *p)
{
    pthread_mutex_init(&p->mu, NULL);
    init_cv(p);
}

dusk_profiler *dusk_profiler_new(const dusk_profiler_options *o)
{
    static const dusk_profiler_options defaults = DUSK_PROFILER_OPTIONS_INIT;
    dusk_profiler *p = dusk_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->o = o ? *o : defaults;
    if (!p->o.record)
        p->o.record = DUSK_PROF_ALL;
    p->o.record &= DUSK_PROF_ALL;
    if (!(p->o.dt > 0) || p->o.dt > 3600)
        p->o.dt = 0;   /* adaptive */
    else if (p->o.dt < 0.001)
        p->o.dt = 0.001;
    if (p->o.cache_metric != DUSK_CACHE_COUNT)
        p->o.cache_metric = DUSK_CACHE_BYTES;
    p->statm_fd = -1;
    atomic_init(&p->due, UINT64_MAX);
    init_common(p);
    live_add(p);
    return p;
}

dusk_profiler *dusk__new_readonly(void)
{
    dusk_profiler *p = dusk_profiler_new(NULL);
    if (p) {
        p->readonly = 1;
        p->has_epoch = 1;
    }
    return p;
}

static void free_worker(dusk__pworker *w)
{
    for (dusk__arena_block *b = w->log, *next; b; b = next) {
        next = b->next;
        dusk_free(b);
    }
    dusk_free(w);
}

static void free_run(dusk__prun *r)
{
    if (!r)
        return;
    int n = atomic_load(&r->nworkers);
    for (int i = 0; i < n; i++) {
        dusk__pworker *w = slot_get(r, i);
        if (w)
            free_worker(w);
    }
    for (size_t c = 0; c < sizeof r->slots / sizeof *r->slots; c++)
        dusk_free(atomic_load(&r->slots[c]));
    dusk_plan_unref(r->plan);
    dusk_free(r);
}

void dusk__drop_derived(dusk_profiler *p)
{
    dusk_free(p->fstats);
    dusk_free(p->critical);
    p->fstats = NULL;
    p->critical = NULL;
    p->nfstats = p->ncritical = 0;
    p->critical_ns = 0;
    p->have_summary = 0;
    if (p->series)
        for (size_t k = 0; k <= p->nseries_groups; k++)
            dusk_free(p->series[k]);
    dusk_free(p->series);
    dusk_free(p->nseries);
    dusk_free(p->group_order);
    p->series = NULL;
    p->nseries = NULL;
    p->group_order = NULL;
    p->nseries_groups = 0;
    p->have_cache = 0;
}

/* Caller holds p->mu. */
static void clear_data(dusk_profiler *p)
{
    for (dusk__prun *r = p->pending, *next; r; r = next) {
        next = r->next;
        free_run(r);
    }
    p->pending = p->pending_tail = NULL;
    dusk__drop_derived(p);
    dusk_free(p->recs);
    dusk_free(p->rec_func);
    dusk_free(p->rec_group);
    dusk_free(p->runs);
    dusk_free(p->samples);
    dusk_free(p->raw);
    p->recs = NULL;
    p->rec_func = p->rec_group = NULL;
    p->runs = NULL;
    p->samples = NULL;
    p->raw = NULL;
    p->nrecs = p->caprecs = p->nruns = p->capruns = p->nsamples = p->capsamples = 0;
    p->nraw = p->capraw = 0;
    p->raw_changed = 0;
    p->sess_first = 0;
    p->raw_lost = 0;
    dusk__arena_free(&p->mem);
    for (size_t i = 0; i < p->nplans; i++)
        dusk_plan_unref(p->plans[i]);
    dusk_free(p->plans);
    p->plans = NULL;
    p->nplans = p->capplans = 0;
    dusk__strtab_free(&p->funcs);
    dusk__strtab_free(&p->groups);
    p->status = 0;
    p->lost = 0;
    p->nruns_total = 0;
}

void dusk_profiler_free(dusk_profiler *p)
{
    if (!p)
        return;
    live_remove(p);
    pthread_mutex_lock(&p->mu);
    p->block = 0;
    sampler_quit(p);
    if (p->active)
        free_run(p->active);
    p->active = NULL;
    clear_data(p);
    pthread_mutex_unlock(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    dusk_free(p);
}

void dusk_profiler_clear(dusk_profiler *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    if (!p->active) {
        clear_data(p);
        p->has_epoch = p->readonly;
        p->epoch_abs = 0;
        if (p->block) {
            p->has_epoch = 1;
            p->epoch_abs = dusk_now_ns();
        }
    }
    pthread_mutex_unlock(&p->mu);
}

int dusk_profiler_begin(dusk_profiler *p)
{
    int rc = 0;
    if (!p)
        return DUSK_EINVAL;
    pthread_mutex_lock(&p->mu);
    if (p->block || p->readonly) {
        rc = DUSK_EINVAL;
    } else {
        p->block = 1;
        uint64_t t0 = dusk_now_ns(), cpu0 = cpu_time_ns();
        if (!p->has_epoch) {
            p->has_epoch = 1;
            p->epoch_abs = t0;
        }
        if ((p->o.record & DUSK_PROF_RESOURCES) && (rc = sampler_start(p, t0, cpu0)) != 0)
            p->block = 0;
    }
    pthread_mutex_unlock(&p->mu);
    pthread_cond_signal(&p->cv);   /* the sampler's session is open */
    return rc;
}

int dusk_profiler_end(dusk_profiler *p)
{
    int rc = 0;
    if (!p)
        return DUSK_EINVAL;
    pthread_mutex_lock(&p->mu);
    if (!p->block) {
        rc = DUSK_EINVAL;
    } else {
        p->block = 0;
        if (!p->active)
            sampler_stop(p);   /* else the run's finish stops it */
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* --- preparing --------------------------------------------------------------------- */

static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *a = dusk_realloc(*arr, c * size);
    if (!a)
        return DUSK_ENOMEM;
    *arr = a;
    *cap = c;
    return 0;
}

static int reserve_records(dusk_profiler *p, size_t need)
{
    size_t cap = p->caprecs;
    if (need <= cap)
        return 0;
    size_t c1 = cap, c2 = cap, c3 = cap;
    if (grow((void **)&p->recs, &c1, need, sizeof *p->recs) ||
        grow((void **)&p->rec_func, &c2, need, sizeof *p->rec_func) ||
        grow((void **)&p->rec_group, &c3, need, sizeof *p->rec_group)) {
        /* Whatever grew stays grown; the capacity is the smallest. */
        p->caprecs = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
        return DUSK_ENOMEM;
    }
    p->caprecs = c1;
    return 0;
}

dusk_task_record *dusk__push_record(dusk_profiler *p)
{
    if (reserve_records(p, p->nrecs + 1))
        return NULL;
    dusk_task_record *r = &p->recs[p->nrecs++];
    memset(r, 0, sizeof *r);
    return r;
}

dusk_run_record *dusk__push_run(dusk_profiler *p)
{
    if (grow((void **)&p->runs, &p->capruns, p->nruns + 1, sizeof *p->runs))
        return NULL;
    dusk_run_record *r = &p->runs[p->nruns++];
    memset(r, 0, sizeof *r);
    return r;
}

int dusk__push_sample(dusk_profiler *p, const dusk_resource_sample *s)
{
    if (grow((void **)&p->samples, &p->capsamples, p->nsamples + 1, sizeof *p->samples))
        return DUSK_ENOMEM;
    p->samples[p->nsamples++] = *s;
    return 0;
}

int dusk__intern_records(dusk_profiler *p, size_t first)
{
    const char *last_f = NULL;
    long last_fi = -1;
    char group[512];
    for (size_t i = first; i < p->nrecs; i++) {
        dusk_task_record *r = &p->recs[i];
        long fi = last_fi;
        if (!r->func)
            r->func = "(value)";
        if (r->func != last_f || fi < 0) {
            fi = dusk__strtab_intern(&p->funcs, r->func, strlen(r->func));
            if (fi < 0)
                return DUSK_ENOMEM;
            last_f = r->func;
            last_fi = fi;
        }
        size_t glen = dusk_key_split(r->key, group, sizeof group);
        if (glen >= sizeof group)
            glen = sizeof group - 1;
        long gi = dusk__strtab_intern(&p->groups, group, glen);
        if (gi < 0)
            return DUSK_ENOMEM;
        p->rec_func[i] = (uint32_t)fi;
        p->rec_group[i] = (uint32_t)gi;
        r->func = dusk__strtab_text(&p->funcs, fi);
        r->group = dusk__strtab_text(&p->groups, gi);
    }
    return 0;
}

static uint64_t since(uint64_t t, uint64_t epoch) { return t > epoch ? t - epoch : 0; }

/* --- decoding a worker's log ------------------------------------------------ */

typedef struct reader {
    dusk__arena_block *b;
    size_t i;
} reader;

static int rd_byte(reader *rd, unsigned char *c)
{
    while (rd->b && rd->i >= rd->b->used) {
        rd->b = rd->b->next;
        rd->i = 0;
    }
    if (!rd->b)
        return 0;
    *c = rd->b->data[rd->i++];
    return 1;
}

/* Entries never straddle blocks, so after the tag a plain pointer works.
 * A field of `size` bytes (2, 4 or 8). */
static uint64_t get_field(const unsigned char **pp, int size)
{
    uint64_t v;
    if (size == 2) {
        uint16_t x;
        memcpy(&x, *pp, 2);
        v = x;
    } else if (size == 4) {
        uint32_t x;
        memcpy(&x, *pp, 4);
        v = x;
    } else {
        memcpy(&v, *pp, 8);
    }
    *pp += size;
    return v;
}

typedef struct relrec {
    int64_t task;
    uint64_t t;
} relrec;

/* Decodes w's log: records into out (run times), releases into rel.
 * Returns 0 or DUSK_ENOMEM. */
static int decode_worker(dusk_profiler *p, const dusk__prun *run, dusk__pworker *w, int32_t worker,
                         dusk_task_record *out, size_t *nout, relrec *rel, size_t *nrel)
{
    uint64_t last = 0;
    reader rd = {w->log, 0};
    unsigned char tag;
    while (rd_byte(&rd, &tag)) {
        const unsigned char *q = rd.b->data + rd.i;
        int kind = tag & 3, size = tag == DUSK__LOG_WIDE ? 8 : tag & DUSK__LOG_SMALL ? 2 : 4;
        int64_t task;
        uint64_t dt;
        if (size == 8) {
            kind = *q++;
            task = (int64_t)get_field(&q, 8);
        } else {
            task = (int64_t)get_field(&q, 4);
        }
        dt = get_field(&q, size);
        if (kind == DUSK__LOG_RELEASED) {
            last += dt;
            rel[(*nrel)++] = (relrec){task, last};
            rd.i = (size_t)(q - rd.b->data);
            continue;
        }
        dusk_task_record *r = &out[(*nout)++];
        memset(r, 0, sizeof *r);
        r->task = task;
        r->start_ns = last + dt;
        r->end_ns = r->start_ns + get_field(&q, size);
        r->nbytes = get_field(&q, size);
        r->key = r->func = "(unknown)";  /* unless the run's plan has it */
        const char *k = dusk_plan_key(run->plan, r->task);
        if (k) {
            /* the key stays in the plan, which the profile keeps; the
             * dependencies become record indices (merge_run) */
            const int64_t *ids;
            int64_t m = dusk_plan_dependencies(run->plan, r->task, &ids);
            if (m == DUSK_ENOMEM)   /* the plan makes its id array at the first call */
                return DUSK_ENOMEM;
            size_t *deps = m > 0 ? dusk__arena_alloc(&p->mem, (size_t)m * sizeof *deps) : NULL;
            if (m > 0 && !deps)
                return DUSK_ENOMEM;
            for (int64_t j = 0; j < m; j++)
                deps[j] = (size_t)ids[j];
            r->key = k;
            r->deps = deps;
            r->ndeps = m > 0 ? (uint32_t)m : 0;
            const dusk_func *f = dusk_plan_func(run->plan, r->task);
            r->func = f ? (f->name ? f->name : "(unnamed)")
                      : dusk_plan_entry_kind(run->plan, r->task) == DUSK_ENTRY_ALIAS ? "(alias)"
                                                                                  : "(value)";
        }
        if (kind == DUSK__LOG_ERROR)
            r->status = (int32_t)(int64_t)get_field(&q, 8);
        r->worker = worker;
        last = r->end_ns;
        rd.i = (size_t)(q - rd.b->data);
    }
    return 0;
}

typedef struct cursor {
    size_t i, end;
} cursor;

static int cur_less(const dusk_task_record *t, const cursor *a, const cursor *b)
{
    const dusk_task_record *x = &t[a->i], *y = &t[b->i];
    return x->start_ns < y->start_ns || (x->start_ns == y->start_ns && x->worker < y->worker);
}

static void sift_down(const dusk_task_record *t, cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && cur_less(t, &h[c + 1], &h[c]))
            c++;
        if (!cur_less(t, &h[c], &h[i]))
            return;
        cursor x = h[c];
        h[c] = h[i];
        h[i] = x;
        i = c;
    }
}

/* Moves run r into the prepared arrays. */
static int merge_run(dusk_profiler *p, dusk__prun *r)
{
    int nw = atomic_load(&r->nworkers);
    size_t n = 0, base = p->nrecs, nrel = 0, nlogs = 0;
    uint64_t lost = atomic_load(&r->lost);
    int other = atomic_load(&r->lost_other);
    int rc = 0;
    for (int i = 0; i < nw; i++) {
        dusk__pworker *w = slot_get(r, i);
        if (w) {
            n += w->nrecs;
            lost += w->lost;
            other |= w->lost_releases != 0;
            for (dusk__arena_block *b = w->log; b; b = b->next)
                nlogs += b->used;
        }
    }
    p->lost += lost;
    if ((lost || other) && !p->status)
        p->status = DUSK_ENOMEM;

    dusk_run_record *run = dusk__push_run(p);
    size_t *map = dusk_malloc((r->gsize ? r->gsize : 1) * sizeof *map);
    cursor *heap = dusk_malloc((size_t)(nw ? nw : 1) * sizeof *heap);
    dusk_task_record *tmp = dusk_malloc((n ? n : 1) * sizeof *tmp);
    relrec *rel = dusk_malloc((nlogs / 7 + 1) * sizeof *rel);   /* a release takes 7+ bytes */
    /* room to keep the run's plan, which the records' keys point into */
    if (!run || !map || !heap || !tmp || !rel || reserve_records(p, base + n) ||
        grow((void **)&p->plans, &p->capplans, p->nplans + 1, sizeof *p->plans)) {
        rc = DUSK_ENOMEM;
        goto fail;
    }
    size_t nh = 0, k = 0;
    for (int i = 0; i < nw; i++) {
        dusk__pworker *w = slot_get(r, i);
        if (!w)
            continue;
        size_t first = k;
        if ((rc = decode_worker(p, r, w, i, tmp, &k, rel, &nrel)) != 0)
            goto fail;
        if (k > first)
            heap[nh++] = (cursor){first, k};
        dusk__arena_move(&p->mem, &(dusk__arena){w->log});   /* keys point into it */
        w->log = w->log_tail = NULL;
    }
    uint64_t offset = since(r->t0_abs, p->epoch_abs);
    run->begin_ns = offset;
    run->wall_ns = r->wall;
    run->ntasks = r->ntasks;
    run->workers = r->announced > nw ? r->announced : nw;
    run->status = r->status;
    /* as dusk_run_stats.held_peak: the most held at an END, or at the end */
    run->held_peak = r->end_held;
    for (int i = 0; i < nw; i++) {
        dusk__pworker *w = slot_get(r, i);
        if (w && w->held_peak > run->held_peak)
            run->held_peak = w->held_peak;
    }
    /* The run's index is its position among the prepared runs. */
    int32_t index = (int32_t)(p->nruns - 1);

    for (size_t t = 0; t < r->gsize; t++)
        map[t] = SIZE_MAX;
    for (size_t i = nh; i-- > 0;)
        sift_down(tmp, heap, nh, i);
    k = base;
    while (nh) {
        dusk_task_record *d = &p->recs[k];
        *d = tmp[heap[0].i];
        d->start_ns += offset;
        d->end_ns += offset;
        d->released_ns = offset + r->wall;
        d->run = index;
        if (d->task >= 0 && (size_t)d->task < r->gsize)
            map[d->task] = k;
        k++;
        if (++heap[0].i == heap[0].end)
            heap[0] = heap[--nh];
        sift_down(tmp, heap, nh, 0);
    }
    p->nrecs = k;
    /* RELEASED joins its record; dependency ids become record indices. */
    for (size_t j = 0; j < nrel; j++) {
        int64_t t = rel[j].task;
        if (t >= 0 && (size_t)t < r->gsize && map[t] != SIZE_MAX)
            p->recs[map[t]].released_ns = offset + rel[j].t;
    }
    for (size_t i = base; i < k; i++) {
        dusk_task_record *d = &p->recs[i];
        size_t *deps = (size_t *)(uintptr_t)d->deps;
        uint32_t m = 0;
        for (uint32_t j = 0; j < d->ndeps; j++)
            if (deps[j] < r->gsize && map[deps[j]] != SIZE_MAX)
                deps[m++] = map[deps[j]];
        d->ndeps = m;
        if (!m)
            d->deps = NULL;
    }
    if (r->plan) {
        p->plans[p->nplans++] = r->plan;   /* the run's reference, now the profile's */
        r->plan = NULL;
    }
    dusk_free(map);
    dusk_free(heap);
    dusk_free(tmp);
    dusk_free(rel);
    if ((rc = dusk__intern_records(p, base)) != 0) {
        /* records whose names could not be kept are lost with their run:
         * readers index by rec_func and rec_group */
        p->lost += k - base;
        p->nrecs = base;
        p->nruns--;
    }
    return rc;
fail:
    dusk_free(map);
    dusk_free(heap);
    dusk_free(tmp);
    dusk_free(rel);
    if (run)
        p->nruns--;
    p->lost += n;
    return rc;
}

int dusk__prepare(dusk_profiler *p)
{
    pthread_mutex_lock(&p->mu);
    dusk__prun *list = p->pending;
    p->pending = p->pending_tail = NULL;
    if (p->sampler_on && !p->sampler_stop)
        first_rss(p);   /* read now, if the sampler thread has not yet */
    int new_samples = !p->readonly && p->raw_changed;
    int rc = 0;
    if (new_samples) {
        dusk_resource_sample *s = dusk_realloc(p->samples, (p->nraw ? p->nraw : 1) * sizeof *s);
        if (s) {
            p->capsamples = p->nraw ? p->nraw : 1;
            /* The process's CPU clock counts a thread running on another
             * core only when that core's tick or a context switch updates
             * it: over 1 ms it jumped by several ms at once (615-700 % on 2
             * cores). CPU time an interval cannot have used (more than
             * every core for all of it) is carried over to the intervals
             * after it, so the curve never exceeds what the cores can do
             * and its mean over the session is still its CPU time / wall. */
            double max_pct = 100.0 * dusk__ncpu();
            double carry = 0;   /* ns of CPU time not yet shown */
            for (size_t i = 0; i < p->nraw; i++) {
                const dusk__raw_sample *r = &p->raw[i];
                double cpu = 0;
                if (r->first)
                    carry = 0;
                if (i && !r->first) {
                    /* over an interval too short to measure (the sample
                     * taken as a session stops), the previous figure,
                     * its CPU time carried to the interval after it */
                    uint64_t dt = r->t_abs - p->raw[i - 1].t_abs;
                    carry += (double)(r->cpu_ns - p->raw[i - 1].cpu_ns);
                    if (dt >= 100000u) {
                        cpu = 100.0 * carry / (double)dt;
                        if (cpu > max_pct)
                            cpu = max_pct;
                        carry -= cpu / 100.0 * (double)dt;
                    } else {
                        cpu = s[i - 1].cpu;
                        double used = cpu / 100.0 * (double)dt;
                        carry = carry > used ? carry - used : 0;
                    }
                }
                s[i] = (dusk_resource_sample){since(r->t_abs, p->epoch_abs), r->rss, r->held,
                                              cpu};
            }
            p->samples = s;
            p->nsamples = p->nraw;
            p->raw_changed = 0;
        } else {
            rc = DUSK_ENOMEM;
        }
    }
    if (p->raw_lost) {
        /* lost while recording: the profile's status says so, not this
         * preparation's code, which says whether preparing failed now
         * (dusk_profiler_lost counts task records, not samples) */
        p->raw_lost = 0;
        if (!p->status)
            p->status = DUSK_ENOMEM;
    }
    pthread_mutex_unlock(&p->mu);
    if (list || new_samples)
        dusk__drop_derived(p);
    for (dusk__prun *r = list, *next; r; r = next) {
        next = r->next;
        int mrc = merge_run(p, r);
        if (mrc && !rc)
            rc = mrc;
        free_run(r);
    }
    if (rc && !p->status)
        p->status = rc;
    return rc;
}

/* --- readers ------------------------------------------------------------------------ */

int dusk_profiler_status(dusk_profiler *p)
{
    if (!p)
        return DUSK_EINVAL;
    dusk__prepare(p);
    return p->status;
}

uint64_t dusk_profiler_lost(dusk_profiler *p)
{
    if (!p)
        return 0;
    dusk__prepare(p);
    return p->lost;
}

size_t dusk_profiler_ntasks(dusk_profiler *p)
{
    if (!p)
        return 0;
    dusk__prepare(p);
    return p->nrecs;
}

const dusk_task_record *dusk_profiler_tasks(dusk_profiler *p)
{
    if (!p)
        return NULL;
    dusk__prepare(p);
    return p->recs;
}

size_t dusk_profiler_nruns(dusk_profiler *p)
{
    if (!p)
        return 0;
    dusk__prepare(p);
    return p->nruns;
}

const dusk_run_record *dusk_profiler_runs(dusk_profiler *p)
{
    if (!p)
        return NULL;
    dusk__prepare(p);
    return p->runs;
}

size_t dusk_profiler_nsamples(dusk_profiler *p)
{
    if (!p)
        return 0;
    dusk__prepare(p);
    return p->nsamples;
}

const dusk_resource_sample *dusk_profiler_samples(dusk_profiler *p)
{
    if (!p)
        return NULL;
    dusk__prepare(p);
    return p->samples;
}

/* --- events rebuilt from records --------------------------------------------------- */

/* Events are generated per record, sorted by (time, rank, generation) with
 * what ends first at a given time, then what becomes ready, what is
 * released and what starts (the order of one locked section of the
 * scheduler). A task of zero duration would have its END before its START
 * that way; such an event is held back until the events it needs are out:
 * READY after its dependencies' END, START after READY, END after START,
 * RELEASED after END. */

typedef struct sev {
    dusk_event ev;
    size_t rec;          /* its record */
    uint64_t seq;
} sev;

static int rank_of(int kind)
{
    switch (kind) {
    case DUSK_EV_END: case DUSK_EV_ERROR: return 1;
    case DUSK_EV_READY: return 2;
    case DUSK_EV_RELEASED: return 3;
    default: return 4;   /* START */
    }
}

static int by_time_rank(const void *a, const void *b)
{
    const sev *x = a, *y = b;
    if (x->ev.t_ns != y->ev.t_ns)
        return x->ev.t_ns < y->ev.t_ns ? -1 : 1;
    int rx = rank_of(x->ev.kind), ry = rank_of(y->ev.kind);
    if (rx != ry)
        return rx < ry ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

enum { DONE_READY = 1, DONE_START = 2, DONE_END = 4 };

static int can_emit(dusk_profiler *p, const sev *e, const unsigned char *done)
{
    const dusk_task_record *r = &p->recs[e->rec];
    switch (e->ev.kind) {
    case DUSK_EV_READY:
        for (uint32_t j = 0; j < r->ndeps; j++)
            if (!(done[r->deps[j]] & DONE_END))
                return 0;
        return 1;
    case DUSK_EV_START: return (done[e->rec] & DONE_READY) != 0;
    case DUSK_EV_END: case DUSK_EV_ERROR: return (done[e->rec] & DONE_START) != 0;
    default: return (done[e->rec] & DONE_END) != 0;
    }
}

static void mark_done(unsigned char *done, const sev *e)
{
    done[e->rec] |= e->ev.kind == DUSK_EV_READY ? DONE_READY
                    : e->ev.kind == DUSK_EV_START ? DONE_START
                    : e->ev.kind == DUSK_EV_RELEASED ? 0 : DONE_END;
}

int dusk_profiler_run_events(dusk_profiler *p, size_t run, dusk_event **out, size_t *n)
{
    if (out)
        *out = NULL;
    if (n)
        *n = 0;
    if (!p || !out || !n)
        return DUSK_EINVAL;
    dusk__prepare(p);
    if (run >= p->nruns)
        return DUSK_EINVAL;
    const dusk_run_record *rr = &p->runs[run];
    size_t m = 0;
    for (size_t i = 0; i < p->nrecs; i++)
        if ((size_t)p->recs[i].run == run)
            m++;
    sev *ev = dusk_malloc((4 * m + 1) * sizeof *ev);
    sev *held_back = dusk_malloc((4 * m + 1) * sizeof *held_back);
    unsigned char *done = dusk_calloc(p->nrecs ? p->nrecs : 1, 1);
    dusk_event *o = dusk_malloc((4 * m + 2) * sizeof *o);
    if (!ev || !held_back || !done || !o) {
        dusk_free(ev);
        dusk_free(held_back);
        dusk_free(done);
        dusk_free(o);
        return DUSK_ENOMEM;
    }
    size_t k = 0;
    uint64_t seq = 0, b = rr->begin_ns;
    for (size_t i = 0; i < p->nrecs; i++) {
        const dusk_task_record *r = &p->recs[i];
        if ((size_t)r->run != run)
            continue;
        uint64_t ready = b;
        for (uint32_t j = 0; j < r->ndeps; j++)
            if (p->recs[r->deps[j]].end_ns > ready)
                ready = p->recs[r->deps[j]].end_ns;
        if (ready > r->start_ns)
            ready = r->start_ns;
        dusk_event e = {ready - b, 0, 0, r->task, -1, DUSK_EV_READY, 0, (int32_t)run};
        ev[k++] = (sev){e, i, seq++};
        e.worker = r->worker;
        e.kind = DUSK_EV_START;
        e.t_ns = r->start_ns - b;
        ev[k++] = (sev){e, i, seq++};
        e.kind = r->status ? DUSK_EV_ERROR : DUSK_EV_END;
        e.t_ns = r->end_ns - b;
        e.nbytes = r->nbytes;
        e.status = r->status;
        ev[k++] = (sev){e, i, seq++};
        if (!r->status && r->released_ns < b + rr->wall_ns) {
            e.kind = DUSK_EV_RELEASED;
            e.t_ns = r->released_ns - b;
            e.status = 0;
            ev[k++] = (sev){e, i, seq++};
        }
    }
    qsort(ev, k, sizeof *ev, by_time_rank);

    uint64_t held = 0, last = 0;
    size_t no = 0, nheld = 0;
    /* RUN_BEGIN's status is the run's number of workers (events.h) */
    o[no++] = (dusk_event){0, rr->ntasks, 0, -1, -1, DUSK_EV_RUN_BEGIN, rr->workers, (int32_t)run};
    for (size_t i = 0; i <= k; i++) {
        if (i < k && !can_emit(p, &ev[i], done)) {
            held_back[nheld++] = ev[i];
            continue;
        }
        /* Emit ev[i], then whatever it (or they) let out, in order. */
        int progress = i < k;
        const sev *cur = i < k ? &ev[i] : NULL;
        while (cur || progress) {
            if (cur) {
                dusk_event *e = &o[no++];
                *e = cur->ev;
                if (e->t_ns < last)
                    e->t_ns = last;   /* keep the times non-decreasing */
                last = e->t_ns;
                if (e->kind == DUSK_EV_END)
                    held += e->nbytes;
                else if (e->kind == DUSK_EV_RELEASED)
                    held -= e->nbytes <= held ? e->nbytes : held;
                e->held = held;
                mark_done(done, cur);
                cur = NULL;
            }
            progress = 0;
            for (size_t h = 0; h < nheld; h++)
                if (can_emit(p, &held_back[h], done)) {
                    sev tmp = held_back[h];
                    memmove(held_back + h, held_back + h + 1, (nheld - h - 1) * sizeof *held_back);
                    nheld--;
                    held_back[nheld] = tmp;   /* park it past the end ... */
                    cur = &held_back[nheld];  /* ... and emit it next */
                    progress = 1;
                    break;
                }
        }
    }
    /* Whatever could not go out (a forged trace's broken order) goes last. */
    for (size_t h = 0; h < nheld; h++) {
        o[no] = held_back[h].ev;
        if (o[no].t_ns < last)
            o[no].t_ns = last;
        last = o[no].t_ns;
        o[no++].held = held;
    }
    o[no] = (dusk_event){rr->wall_ns > last ? rr->wall_ns : last, 0, held, -1, -1,
                         DUSK_EV_RUN_END, rr->status, (int32_t)run};
    no++;
    dusk_free(ev);
    dusk_free(held_back);
    dusk_free(done);
    *out = o;
    *n = no;
    return 0;
}
