/*
** dusk — a run: the state machine every scheduler backend drives
**
** A run executes a plan (core/plan.h). It keeps, per task: how many of its
** dependencies are still missing (waiting), how many of its dependents in
** the plan have yet to run (needed), and its result. Ready tasks sit in a
** binary heap ordered by the plan's priorities. A step (dusk__run_step)
** stores a finished task's result, makes the dependents whose last input
** it was ready, drops each input no task needs any more (unless
** requested) and hands out the next ready task. Backends (sync.c,
** threads.c) decide where tasks run and serialise the steps; see sched.h.
** A lock-free run (every threads run) has no step: the finishing worker
** updates the counters atomically and keeps the tasks it made ready
** (dusk__run_finish, "without the lock" in sched.h); its stream takes no
** numbers and is merged by time, its events' times strictly causal.
**
** Events: with no listener, `listening` is 0 and no event is built and no
** clock is read; when no listener wants a per-task event (a progress bar
** counting in posttask), `timed` is 0 and no clock is read per task. When
** one does, a step only notes what it did (the task done, the tasks it
** made ready, the results it released, the task it took, their time) and,
** for a stream, takes the sequence numbers of those events: the stream's
** one causal order, with non-decreasing timestamps, is the order of the
** steps (serialised backends; a lock-free run's is its events' times). The worker builds the events afterwards (dusk__run_started,
** _gate, _flush), outside the backend's lock, in a buffer sized so that it
** never needs to grow in the middle of a run, and writes them to its own
** queue of the stream and to the callbacks. A worker about to wait for
** work flushes first, as the stream's consumer waits for every number.
**
** Callbacks: start, the first READYs, RUN_BEGIN and RUN_END, and finish
** are called here on the calling thread, before the backend runs and after
** it returns; a worker's events, pretask and posttask from the calls the
** backend makes for that worker (sched.h), so that a backend whose tasks
** run in other processes still calls them in this one.
**
** Gates (dusk_callbacks.gate): a backend of a gated run records a
** finished task, calls the gates outside its lock (dusk__run_gate) and
** only then takes the next task; a refusal fails the run as a task's
** error does (dusk__run_refused). An ungated run takes the one step.
**
** On failure: the first error is kept, no task starts after it, running
** tasks finish, and everything held is freed.
*/
#define _GNU_SOURCE   /* syscall (membarrier) */
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "dusk/alloc.h"
#include "sched.h"

/* For the pieces of a task's way that both dusk__run_task and the calls
 * for other backends use: one call per task on the hot path, not four. */
#if defined(__GNUC__) || defined(__clang__)
#define HOT_INLINE inline __attribute__((always_inline))
#else
#define HOT_INLINE inline
#endif

int dusk_ncores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* --- the backends --------------------------------------------------------- */

static const dusk__backend *const backends[] = {&dusk__sched_sync, &dusk__sched_threads,
                                                &dusk__sched_processes};

const dusk__backend *dusk__backend_find_own(int kind)
{
    for (size_t i = 0; i < sizeof backends / sizeof *backends; i++)
        if (backends[i]->kind == kind)
            return backends[i];
    return NULL;
}

const dusk__backend *dusk__backend_find(int kind)
{
    for (size_t i = 0; i < sizeof backends / sizeof *backends; i++)
        if (backends[i]->kind == kind)
            return backends[i];
    return dusk__remote_find(kind);   /* a transport's (MPI) */
}

/* --- the ready heap (serialised) -------------------------------------------- */

/* An entry is the task's priority over its id, so that sifting compares
 * the entries themselves: looking each priority up in the plan's array
 * costs a cache miss a level once the heap outgrows the caches (a
 * 10M-task graph starts with 5M ready leaves). Priorities and ids are
 * below 2^32 (core/graph.h). */
static void heap_push(dusk__run *r, int64_t t)
{
    size_t i = r->hsize++;
    uint64_t e = (uint64_t)r->prio[t] << 32 | (uint64_t)t;
    r->nheap++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (r->heap[up] <= e)
            break;
        r->heap[i] = r->heap[up];
        i = up;
    }
    r->heap[i] = e;
}

/* The ready task of least priority (some is ready): the next of the
 * plan's first ones, or the heap's top. In a depth-first order the heap
 * holds few (the tasks made ready along the current path), so sifting is
 * short; the wide start never goes through it. */
static HOT_INLINE int64_t ready_pop(dusk__run *r)
{
    r->nheap--;
    if (r->ifirst < r->nfirst && (r->hsize == 0 || r->first[r->ifirst] < r->heap[0]))
        return (int64_t)(r->first[r->ifirst++] & UINT32_MAX);
    uint64_t top = r->heap[0], last = r->heap[--r->hsize];
    size_t i = 0, n = r->hsize;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && r->heap[c + 1] < r->heap[c])
            c++;
        if (r->heap[c] >= last)
            break;
        r->heap[i] = r->heap[c];
        i = c;
    }
    r->heap[i] = last;
    return (int64_t)(top & UINT32_MAX);
}

/* --- events ----------------------------------------------------------------- */

/* Sets the time of the events that follow from a clock reading (taken
 * before the serialised part, which other workers wait on), keeping the
 * stream's timestamps non-decreasing. One reading serves all the events of
 * one step: they happen together. Serialised. */
static void stamp_at(dusk__run *r, uint64_t now)
{
    uint64_t t = now - r->t0;
    if (now > r->t0 && t > r->last_t)
        r->last_t = t;
}

/* Hands n events to one set of callbacks. */
static HOT_INLINE void deliver_one(const dusk_callbacks *cb, const dusk_event *ev, size_t n)
{
    if (cb->on_events)
        cb->on_events(cb->ud, ev, n);
    if (cb->on_event)
        for (size_t k = 0; k < n; k++)
            if (!cb->kinds || (cb->kinds & DUSK_EVMASK(ev[k].kind)))
                cb->on_event(cb->ud, &ev[k]);
}

/* An event of no worker (the run's calling thread: RUN_BEGIN, the first
 * READYs, RUN_END), stamped at the last stamp_at(), to the stream and the
 * callbacks. A worker's events reach both through its section instead
 * (see deliver). */
static void emit(dusk__run *r, int kind, int64_t task, uint64_t nbytes, int status)
{
    if (!(r->want & DUSK_EVMASK(kind)))
        return;
    dusk_event ev = {r->last_t, nbytes, r->held, task, -1, kind, status, r->run_index};
    if (r->stream) {
        dusk__stream_event(r->stream, r->nworkers, r->seq++, &ev);
        dusk__stream_publish(r->stream, r->nworkers);
    }
    if (r->cb_want & DUSK_EVMASK(kind))
        for (size_t i = 0; i < r->ncbs; i++)
            deliver_one(&r->cbs[i], &ev, 1);
}

/* The READY of each of the n tasks ready from the start, as emit() would
 * make them one by one, in the plan's order, but written to the stream as
 * one record of their ids: a wide graph has hundreds of thousands, and
 * this thread writes them before any worker starts. */
static void emit_first_ready(dusk__run *r, size_t n)
{
    if (!(r->want & DUSK_EVMASK(DUSK_EV_READY)))
        return;
    int64_t *e = r->stream ? dusk__stream_readys(r->stream, r->nworkers, r->seq, n, r->last_t,
                                                 r->held)
                           : NULL;
    int cbs = (r->cb_want & DUSK_EVMASK(DUSK_EV_READY)) != 0;
    const dusk_plan *p = r->plan;
    /* to the callbacks in batches (on_events gets one call a batch) */
    dusk_event buf[128];
    size_t k = 0, nb = 0;
    for (size_t i = 0; i < p->n && k < n; i++) {
        int64_t t = dusk__plan_task(p, i);
        if (r->s[t].waiting != 0)
            continue;
        if (e)
            e[k] = t;
        k++;
        if (cbs) {
            buf[nb++] = (dusk_event){r->last_t, 0, r->held, t, -1, DUSK_EV_READY, 0,
                                     r->run_index};
            if (nb == sizeof buf / sizeof *buf || k == n) {
                for (size_t j = 0; j < r->ncbs; j++)
                    deliver_one(&r->cbs[j], buf, nb);
                nb = 0;
            }
        }
    }
    if (nb)   /* fewer ready than n: not reached while the counters are right */
        for (size_t j = 0; j < r->ncbs; j++)
            deliver_one(&r->cbs[j], buf, nb);
    if (r->stream) {
        r->seq += n;
        if (e)
            dusk__stream_publish(r->stream, r->nworkers);
    }
}

/* Writes the events of the done part of w's last step (END or ERROR, the
 * READY and RELEASED it caused), kinds in want only, to e, for the
 * callbacks; returns how many. */
static HOT_INLINE size_t done_events(dusk__run *r, dusk__worker *w, dusk_event *e, uint32_t want)
{
    const dusk__section *sec = &w->sec;
    uint64_t held = sec->done_held, t = sec->t_done;
    int32_t id = w->id, run = r->run_index;
    size_t n = 0;
    if (want & DUSK_EVMASK(sec->done_kind))
        e[n++] = (dusk_event){t, sec->done_nbytes, held, sec->done, id, sec->done_kind,
                              sec->done_status, run};
    t = sec->t_after;
    if (want & DUSK_EVMASK(DUSK_EV_READY))
        for (size_t i = 0; i < sec->nready; i++)
            e[n++] = (dusk_event){t, 0, held, w->ready[i], id, DUSK_EV_READY, 0, run};
    if (want & DUSK_EVMASK(DUSK_EV_RELEASED))
        for (size_t i = 0; i < w->ndrop; i++) {
            /* a lock-free run's count as a worker sees it can be short
             * of what it releases (held_seen) */
            held = held > w->drop_nb[i] ? held - w->drop_nb[i] : 0;
            e[n++] = (dusk_event){t, w->drop_nb[i], held, w->drop_id[i], id,
                                  DUSK_EV_RELEASED, 0, run};
        }
    return n;
}

static inline dusk_event start_event(const dusk__worker *w, int32_t run)
{
    return (dusk_event){w->sec.t_start, 0, w->sec.start_held, w->sec.start, w->id,
                        DUSK_EV_START, 0, run};
}

/* The events of the worker's last step, in the stream's order (END or
 * ERROR, the READY and RELEASED it caused, the next START): written to
 * the worker's queue of the stream as one record under the numbers the
 * step took (the stream's consumer unfolds it into those events), and
 * built into w->evbuf for the callbacks (the kinds they want), which get
 * them before the stream's consumer does; not serialised. */
static void deliver(dusk__run *r, dusk__worker *w)
{
    dusk__section *sec = &w->sec;
    int wrote = r->stream && (sec->done >= 0 || sec->start >= 0);
    if (wrote) {
        /* One R_STEP record (core/events.c) for the step, which the
         * consumer unfolds into its events: the START joins the done part
         * when it follows it in number and time (an ungated step's). */
        int done = sec->done >= 0, start = sec->start >= 0;
        size_t nready = sec->nready, ndrop = w->ndrop;
        size_t nd = done ? 1 + nready + ndrop : 0;
        /* a lock-free run's parts have times of their own (F_TIMES): its
         * stream is merged by time, not by number */
        int timed = r->lockfree;
        int joined = done && start &&
                     (timed || (sec->seq_start == sec->seq_done + nd &&
                                sec->t_start == sec->t_done));
        int err = done && sec->done_kind == DUSK_EV_ERROR;
        size_t nw = done ? 6 + (size_t)err + (size_t)timed + nready + 2 * ndrop : 0;
        size_t ns = start ? (joined ? 2 + (size_t)timed : 4) : 0;
        uint64_t *p = dusk__stream_reserve(r->stream, w->id, nw + ns, nd + (size_t)start);
        if (p) {
            if (done) {
                unsigned flags = DUSK__R_STEP | DUSK__F_DONE | (err ? DUSK__F_ERROR : 0) |
                                 (joined ? DUSK__F_START : 0) | (timed ? DUSK__F_TIMES : 0);
                p[0] = dusk__rec_head(sec->seq_done, flags, w->id);
                p[1] = (uint64_t)(uint32_t)nready | (uint64_t)ndrop << 32;
                p[2] = sec->t_done;
                p[3] = (uint64_t)sec->done;
                p[4] = sec->done_nbytes;
                p[5] = sec->done_held;
                p += 6;
                if (err)
                    *p++ = (uint64_t)(uint32_t)sec->done_status;
                if (timed)
                    *p++ = sec->t_after;
                for (size_t i = 0; i < nready; i++)
                    *p++ = (uint64_t)w->ready[i];
                for (size_t i = 0; i < ndrop; i++, p += 2) {
                    p[0] = (uint64_t)w->drop_id[i];
                    p[1] = w->drop_nb[i];
                }
            }
            if (start) {
                if (!joined) {
                    *p++ = dusk__rec_head(sec->seq_start, DUSK__R_STEP | DUSK__F_START, w->id);
                    *p++ = sec->t_start;
                }
                p[0] = (uint64_t)sec->start;
                p[1] = sec->start_held;
                if (joined && timed)
                    p[2] = sec->t_start;
            }
        }
    }
    if (r->cb_want) {
        size_t n = 0;
        if (sec->done >= 0)
            n = done_events(r, w, w->evbuf, r->cb_want);
        if (sec->start >= 0 && (r->cb_want & DUSK_EVMASK(DUSK_EV_START)))
            w->evbuf[n++] = start_event(w, r->run_index);
        if (n)
            for (size_t i = 0; i < r->ncbs; i++)
                deliver_one(&r->cbs[i], w->evbuf, n);
    }
    sec->done = sec->start = -1;
    sec->nready = 0;
    if (wrote)
        dusk__stream_publish(r->stream, w->id);
}

/* --- the step (serialised) ---------------------------------------------------------- */

/* dusk_value_nbytes, with the scalars (most results of small tasks)
 * answered here: the step asks twice a task, under the lock. */
static HOT_INLINE uint64_t nbytes_of(const dusk_value *v)
{
    return dusk__value_nbytes_fast(v);
}

static HOT_INLINE void finish_ok(dusk__run *r, dusk__worker *w, int64_t t, dusk_value *v)
{
    const dusk_plan *p = r->plan;
    /* sizes only when stats or listeners want the held bytes */
    uint64_t nb = r->track_held ? nbytes_of(v) : 0;
    r->s[t].result = v;
    r->held += nb;
    if (r->held > r->peak)
        r->peak = r->held;
    r->done++;
    if (r->timed) {
        /* field by field, not a compound literal: this is under the
         * run's lock, and the literal zeroes the whole section first */
        dusk__section *sec = &w->sec;
        sec->t_done = sec->t_after = r->last_t;
        sec->done = t;
        sec->done_kind = DUSK_EV_END;
        sec->done_status = 0;
        sec->done_nbytes = nb;
        sec->done_held = r->held;
        sec->nready = 0;
        sec->start = -1;
    }
    for (int64_t k = p->rdep_off[t]; k < p->rdep_off[t + 1]; k++) {
        int64_t d = p->rdep_ids[k];
        if (--r->s[d].waiting == 0) {   /* the plan's dependents are all in the run */
            heap_push(r, d);
            if (w->ready)
                w->ready[w->sec.nready++] = d;
        }
    }
    for (int64_t k = p->dep_off[t]; k < p->dep_off[t + 1]; k++) {
        int64_t d = p->dep_ids[k];
        if ((r->s[d].needed -= 2) == 0) {
            dusk_value *dv = r->s[d].result;
            uint64_t db = r->track_held ? nbytes_of(dv) : 0;
            r->s[d].result = NULL;
            r->held -= db;
            if (w->drop_id) {
                w->drop_id[w->ndrop] = d;
                w->drop_nb[w->ndrop] = db;
            }
            w->drop[w->ndrop++] = dv;
        }
    }
}

static void finish_error(dusk__run *r, dusk__worker *w, int64_t t, int code,
                         const dusk_error *terr)
{
    r->done++;
    if (r->timed) {
        w->sec = (dusk__section){.t_done = r->last_t, .t_after = r->last_t, .done = t,
                                 .done_kind = DUSK_EV_ERROR,
                                 .done_status = code, .done_held = r->held, .start = -1};
    }
    if (r->status)
        return;  /* keep the first error */
    char key[256];
    dusk_plan_key_repr(r->plan, t, key, sizeof key);
    const dusk_func *f = dusk_plan_func(r->plan, t);
    r->status = code;
    const char *msg = terr && terr->code && terr->msg[0] ? terr->msg : dusk_strerror(code);
    /* A task whose worker process died says so itself (processes.c). */
    dusk_error_set(&r->err, code, "task %s (%s) %s%s", key, f ? f->name : "?",
                   strncmp(msg, "died: ", 6) ? "failed: " : "", msg);
}

/* The two halves of a step: the finished task's outcome, and the next
 * ready task handed out (some is ready). They, ready_pop and
 * finish_ok are inlined in dusk__run_step as well as in the gated halves,
 * so that an ungated step stays one call. */
static HOT_INLINE void record(dusk__run *r, dusk__worker *w, int64_t done, dusk_value *result,
                              int status, const dusk_error *terr)
{
    if (status)
        finish_error(r, w, done, status, terr);
    else
        finish_ok(r, w, done, result);
    if (r->stream) {   /* numbers for the END or ERROR, READYs and RELEASEDs */
        w->sec.seq_done = r->seq;
        r->seq += 1 + w->sec.nready + w->ndrop;
    }
}

static HOT_INLINE int64_t take(dusk__run *r, dusk__worker *w)
{
    int64_t t = ready_pop(r);
    if (r->timed) {
        w->sec.t_start = r->last_t;
        w->sec.start = t;
        w->sec.start_held = r->held;
        if (r->stream)
            w->sec.seq_start = r->seq++;
    }
    return t;
}

int64_t dusk__run_step(dusk__run *r, dusk__worker *w, uint64_t now, int64_t done,
                       dusk_value *result, int status, const dusk_error *terr)
{
    if (r->timed)
        stamp_at(r, now);
    if (done >= 0)
        record(r, w, done, result, status, terr);
    if (r->status || r->nheap == 0)
        return -1;
    return take(r, w);
}

void dusk__run_record(dusk__run *r, dusk__worker *w, uint64_t now, int64_t done,
                      dusk_value *result, int status, const dusk_error *terr)
{
    if (done < 0)
        return;
    if (r->timed)
        stamp_at(r, now);
    record(r, w, done, result, status, terr);
}

int64_t dusk__run_take(dusk__run *r, dusk__worker *w, uint64_t now)
{
    if (r->status || r->nheap == 0)
        return -1;
    if (r->timed)
        stamp_at(r, now);
    return take(r, w);
}

void dusk__run_refused(dusk__run *r, int code, const dusk_error *gerr)
{
    if (r->status)
        return;   /* keep the first error */
    if (gerr && gerr->msg[0]) {
        r->err = *gerr;
        r->err.code = code;
    } else {
        dusk_error_set(&r->err, code, "a gate stopped the run: %s", dusk_strerror(code));
    }
    /* atomic: a lock-free run's workers read it without the lock
     * (seq_cst: see dusk__run_claimed) */
    __atomic_store_n(&r->status, code, __ATOMIC_SEQ_CST);
}

/* --- without the lock (see sched.h) ------------------------------------------------ */

/* Held bytes in a lock-free run. No shared word moves a task: each worker
 * counts its tasks' results in w->held_d and moves them to r->held once
 * they reach HELD_BATCH, and at its end; it takes its releases off its own
 * part while that covers them, off r->held at once beyond. What a worker
 * sees held is r->held and its own part: the run's count less the parts
 * other workers have not moved yet, each in [0, HELD_BATCH), so never more
 * than is held (a run of results of that size or more is counted exactly;
 * RUN_END's and held_end always are). */
enum { HELD_BATCH = 4096 };

static inline uint64_t held_seen(dusk__run *r, const dusk__worker *w)
{
    int64_t h = (int64_t)__atomic_load_n(&r->held, __ATOMIC_RELAXED) + w->held_d;
    return h > 0 ? (uint64_t)h : 0;
}

/* A run time from worker w's clock, never before its last one. With a
 * stream, a quiet worker says it is not any more first (events.h). */
static inline uint64_t lf_now(dusk__run *r, dusk__worker *w)
{
    if (r->stream && !w->unquiet) {
        dusk__stream_quiet(r->stream, w->id, 0);
        w->unquiet = 1;
    }
    uint64_t now = dusk__tclock_now(&w->clock);
    uint64_t t = now > r->t0 ? now - r->t0 : 0;
    return t > w->last_t ? t : w->last_t;
}

/* Whether a START may publish its time without a fence (1), the failing
 * worker making every other thread fence for it instead: membarrier's
 * private expedited command (Linux 4.14), registered once for the process
 * (racing first calls register alike and get the same answer). A seq_cst
 * store is a full fence, some 20 ns a task for a listened-to run here;
 * the failure that pays the membarrier (~15 us) happens once a run at
 * most. ThreadSanitizer does not see membarrier: its builds fence. */
static int light_start_fence(void)
{
#if defined(__linux__) && defined(__NR_membarrier) && !defined(__SANITIZE_THREAD__)
    static _Atomic int ok = -1;
    int u = atomic_load_explicit(&ok, memory_order_relaxed);
    if (u < 0) {
        u = syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
        atomic_store_explicit(&ok, u, memory_order_relaxed);
    }
    return u;
#else
    return 0;
#endif
}

/* The failing side's fence: after it every thread of the process has
 * fenced, so a START that read the status as 0 has its time published. */
static void heavy_fence(void)
{
#if defined(__linux__) && defined(__NR_membarrier) && !defined(__SANITIZE_THREAD__)
    if (light_start_fence())
        syscall(__NR_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
#endif
}

/* Raises a task's time to at least t (relaxed: the counters' acquire and
 * release order it with the events it bounds). */
static inline void tt_raise(uint64_t *p, uint64_t t)
{
    uint64_t old = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (old < t &&
           !__atomic_compare_exchange_n(p, &old, t, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

int dusk__run_claimed(dusk__run *r, dusk__worker *w, int64_t t, int fresh)
{
    if (!r->timed)
        return 0;
    /* Not before its READY, which another worker may have stamped. A task
     * that follows its worker's last task straight (made ready by it, or
     * found at once in the worker's own deque or first tasks: fresh 0)
     * starts right after that one's events: their time serves (a clock
     * reading less a task, some 40 ns where the clock is not the CPU's
     * counter). */
    uint64_t ts = fresh ? lf_now(r, w) : w->last_t;
    uint64_t tr = __atomic_load_n(&r->s[t].tready, __ATOMIC_RELAXED) >> 1;
    if (tr > ts)
        ts = tr;
    w->last_t = ts;
    /* No task starts after the run failed (events.h), in time either:
     * the START's time is published, then the status read, both seq_cst,
     * while a failing worker sets the status and then reads every
     * worker's t_claimed for its ERROR's time (lf_failed). Either this
     * worker sees the failure, and t does not start, or the ERROR is
     * stamped after this START. With a light fence the store and the read
     * are ordered by the failing worker's membarrier instead (Dekker with
     * the fence on one side: see light_start_fence). */
    if (light_start_fence()) {
        __atomic_store_n(&w->t_claimed, ts, __ATOMIC_RELAXED);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        if (__atomic_load_n(&r->status, __ATOMIC_RELAXED))
            return 1;
    } else {
        __atomic_store_n(&w->t_claimed, ts, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&r->status, __ATOMIC_SEQ_CST))
            return 1;
    }
    w->sec.t_start = ts;
    w->sec.start = t;
    w->sec.start_held = held_seen(r, w);
    return 0;
}

int64_t dusk__run_claim(dusk__run *r, dusk__worker *w)
{
    if (w->flo < w->fhi)
        return (int64_t)(r->first[w->flo++] & UINT32_MAX);
    size_t n = r->nfirst, i = __atomic_load_n(&r->ifirst, __ATOMIC_RELAXED);
    if (i >= n)
        return -1;
    /* A few at a time while many are left (one shared write for several
     * tasks), one at a time near the end, so that no worker sits on
     * claimed tasks while another idles; in order either way. */
    size_t k = (n - i) / (8 * (size_t)r->nworkers);
    k = k < 1 ? 1 : k > 32 ? 32 : k;
    size_t lo = __atomic_fetch_add(&r->ifirst, k, __ATOMIC_RELAXED);
    if (lo >= n)
        return -1;
    w->flo = lo + 1;
    w->fhi = lo + k < n ? lo + k : n;
    return (int64_t)(r->first[lo] & UINT32_MAX);
}

/* Task t failed (or could not be handed on): the first failure is the
 * run's, kept under the lock (rare), and the run is over. */
static void lf_failed(dusk__run *r, dusk__worker *w, int64_t t, int code,
                      const dusk_error *terr)
{
    pthread_mutex_lock(&r->mu);
    if (!r->status) {
        char key[256];
        dusk_plan_key_repr(r->plan, t, key, sizeof key);
        const dusk_func *f = dusk_plan_func(r->plan, t);
        const char *msg = terr && terr->code && terr->msg[0] ? terr->msg : dusk_strerror(code);
        dusk_error_set(&r->err, code, "task %s (%s) %s%s", key, f ? f->name : "?",
                       strncmp(msg, "died: ", 6) ? "failed: " : "", msg);
        __atomic_store_n(&r->status, code, __ATOMIC_SEQ_CST);
    }
    pthread_mutex_unlock(&r->mu);
    if (r->timed) {
        /* After the status, and after every START that did not see it
         * (dusk__run_claimed): no task starts after an ERROR, in a
         * stream's order too */
        heavy_fence();
        uint64_t now = lf_now(r, w);
        for (int k = 0; k < r->nworkers; k++) {
            uint64_t tc = __atomic_load_n(&r->workers[k].t_claimed, __ATOMIC_SEQ_CST);
            if (tc + 1 > now)
                now = tc + 1;
        }
        w->last_t = now;
        w->sec = (dusk__section){.t_done = now, .t_after = now, .done = t,
                                 .done_kind = DUSK_EV_ERROR, .done_status = code,
                                 .done_held = held_seen(r, w),
                                 .start = -1};
    }
    __atomic_store_n(&r->over, 1, __ATOMIC_SEQ_CST);
}

int64_t dusk__run_finish(dusk__run *r, dusk__worker *w, int64_t done, dusk_value *v,
                         int status, const dusk_error *terr)
{
    const dusk_plan *p = r->plan;
    dusk__slot *s = r->s;
    uint64_t *tt = r->tt;
    w->ndone++;
    w->nsucc = 0;
    if (status) {
        lf_failed(r, w, done, status, terr);
        return -1;
    }
    uint64_t t_end = 0, t_after = 0;
    if (r->timed)
        t_end = t_after = lf_now(r, w);
    /* v's bytes counted in before the releases below publish it: from
     * then on a dependent may run, finish and count them out (counted in
     * after, held wrapped below 0 meanwhile and the peak missed them) */
    uint64_t nb = r->sizes ? nbytes_of(v) : 0, dropped = 0, top = 0;
    if (r->track_held) {
        /* the peak is the moment between the result in and the inputs out;
         * a result of HELD_BATCH bytes or more is in r->held before it is
         * published, as the count it makes exact needs (d >= nb: a
         * worker's own part is never below 0, see the releases below) */
        int64_t d = w->held_d + (int64_t)nb;
        if (d >= HELD_BATCH) {
            __atomic_fetch_add(&r->held, (uint64_t)d, __ATOMIC_RELAXED);
            d = 0;
        }
        w->held_d = d;
        top = held_seen(r, w);
        if (top > w->held_peak)
            w->held_peak = top;
    }
    s[done].result = v;
    /* Successors: the one of least priority runs next on this thread
     * (depth-first: it uses what was just made), the others go to w->succ
     * with the most urgent last, the deque's next pop. */
    int64_t next = -1;
    size_t nready = 0;
    dusk__off k0 = p->rdep_off[done], k1 = p->rdep_off[done + 1];
    for (dusk__off k = k0; k < k1; k++) {
        int64_t d = p->rdep_ids[k];
        uint32_t *wt = &s[d].waiting;
        /* its READY comes after this END, strictly: on another worker's
         * queue of a stream, which is merged by time, a tie would not say
         * which came first */
        /* 1 left is this decrement: no other task touches it again, and
         * this worker stamps the READY itself (no raise for others) */
        /* The bound sits in the slot, beside the counter, until the task
         * ends: the raise and the decrement touch one cache line. */
        if (__atomic_load_n(wt, __ATOMIC_ACQUIRE) != 1) {
            if (tt)
                tt_raise(&s[d].tready, (t_end + 1) << 1 | 1);
            if (__atomic_sub_fetch(wt, 1, __ATOMIC_ACQ_REL) != 0)
                continue;
        }
        if (tt) {
            uint64_t tr = __atomic_load_n(&s[d].tready, __ATOMIC_RELAXED) >> 1;
            if (tr > t_after)
                t_after = tr;
        }
        if (w->ready)
            w->ready[nready++] = d;
        if (next < 0) {
            next = d;
            continue;
        }
        if (r->prio[d] < r->prio[next]) {
            int64_t x = next;
            next = d;
            d = x;
        }
        /* insert d, keeping w->succ by decreasing priority */
        size_t i = w->nsucc++;
        while (i > 0 && r->prio[w->succ[i - 1]] < r->prio[d]) {
            w->succ[i] = w->succ[i - 1];
            i--;
        }
        w->succ[i] = d;
    }
    /* Inputs: the last dependent to finish drops one. */
    for (dusk__off k = p->dep_off[done]; k < p->dep_off[done + 1]; k++) {
        int64_t d = p->dep_ids[k];
        uint32_t *nd = &s[d].needed;
        /* its RELEASED comes after this END: the time raised for whichever
         * worker drops it, unless this one is the last to need it */
        if (__atomic_load_n(nd, __ATOMIC_ACQUIRE) != 2) {
            if (tt) {
                tt_raise(&tt[d], t_end + 1);
                /* d has ended: its waiting, 0 or 1 since (the last
                 * input may not decrement it), says it was raised (the
                 * dropper reads tt[d], a line of its own, only then) */
                __atomic_store_n(&s[d].waiting, 2, __ATOMIC_RELAXED);
            }
            if (__atomic_sub_fetch(nd, 2, __ATOMIC_ACQ_REL) != 0)
                continue;
        }
        dusk_value *dv = s[d].result;
        uint64_t db = r->sizes ? nbytes_of(dv) : 0;
        s[d].result = NULL;
        dropped += db;
        if (tt && __atomic_load_n(&s[d].waiting, __ATOMIC_RELAXED) == 2) {
            uint64_t tr = __atomic_load_n(&tt[d], __ATOMIC_RELAXED);
            if (tr > t_after)
                t_after = tr;
        }
        if (w->drop_id) {
            w->drop_id[w->ndrop] = d;
            w->drop_nb[w->ndrop] = db;
        }
        w->drop[w->ndrop++] = dv;
    }
    if (dropped && r->track_held) {
        /* out of this worker's own part while it covers them (most often:
         * depth first, a worker drops what it made), the rest at once: no
         * worker's part is below 0, so no worker sees more than is held
         * (a part below 0 is bytes another worker's view still counts) */
        int64_t d = w->held_d - (int64_t)dropped;
        if (d < 0) {
            __atomic_fetch_add(&r->held, (uint64_t)d, __ATOMIC_RELAXED);   /* wraps: takes off */
            d = 0;
        }
        w->held_d = d;
    }
    if (r->timed) {
        dusk__section *sec = &w->sec;
        sec->t_done = t_end;
        sec->t_after = t_after;
        sec->done = done;
        sec->done_kind = DUSK_EV_END;
        sec->done_status = 0;
        sec->done_nbytes = nb;
        sec->done_held = top;
        sec->nready = nready;
        sec->start = -1;
        w->last_t = t_after;
        /* a successor's START, on whichever worker, is after its READY */
        if (tt)
            for (size_t i = 0; i < nready; i++)
                __atomic_store_n(&s[w->ready[i]].tready, (t_after + 1) << 1 | 1,
                                 __ATOMIC_RELAXED);
    }
    if (k0 == k1 && __atomic_sub_fetch(&r->sinks_left, 1, __ATOMIC_ACQ_REL) == 0)
        __atomic_store_n(&r->over, 1, __ATOMIC_SEQ_CST);
    return next;
}

/* --- around a task (not serialised) ------------------------------------------------- */

/* Delivers the worker's last step's events and drops what it released. */
static HOT_INLINE void after_step(dusk__run *r, dusk__worker *w)
{
    if (w->evbuf)
        deliver(r, w);
    if (w->unquiet) {
        /* all it read the clock for is published: the stream's consumer
         * need not wait for it (a task, a gate, or idling follows) */
        dusk__stream_quiet(r->stream, w->id, 1);
        w->unquiet = 0;
    }
    for (size_t i = 0; i < w->ndrop; i++)
        dusk_value_unref(w->drop[i]);
    w->ndrop = 0;
}

static HOT_INLINE void started(dusk__run *r, dusk__worker *w, int64_t t)
{
    after_step(r, w);
    if (r->has_pretask)
        for (size_t i = 0; i < r->ncbs; i++)
            if (r->cbs[i].pretask)
                r->cbs[i].pretask(r->cbs[i].ud, t, w->id);
}

static HOT_INLINE void ended(dusk__run *r, dusk__worker *w, int64_t t, const dusk_value *v,
                         int status)
{
    if (r->has_posttask)
        for (size_t i = 0; i < r->ncbs; i++)
            if (r->cbs[i].posttask)
                r->cbs[i].posttask(r->cbs[i].ud, t, v, status, w->id);
}

/* The value of an argument: a new reference (tuples for lists), or NULL
 * when a tuple cannot be allocated. */
static dusk_value *arg_value(dusk__run *r, const dusk__targ *a)
{
    switch (a->kind) {
    case DUSK__ARG_LIT:
        return dusk_value_ref(a->u.lit);
    case DUSK__ARG_REF:
        return dusk_value_ref(r->s[dusk__name_task(r->g, a->u.name)].result);
    default: {
        dusk_value *t = dusk_tuple_new(a->n);
        for (uint32_t i = 0; t && i < a->n; i++) {
            dusk_value *item = arg_value(r, &a->u.items[i]);
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

/* Calls f on argv[0..n) (borrowed) and checks what it returned: 0 with
 * *out set, or a negative code with *out NULL and terr set. */
static HOT_INLINE int call(const dusk_func *f, dusk_value *const *argv, size_t n,
                           dusk_value **out, dusk_error *terr)
{
    int rc = f->fn(argv, n, out, terr, f->ud);
    if (rc > 0)
        rc = DUSK_ETASK;
    if (rc == 0 && !*out)
        rc = dusk_error_set(terr, DUSK_ETASK, "returned no value");
    if (rc == 0 && dusk__depth(*out) > DUSK_MAX_DEPTH)   /* inline: ints are in the pointer */
        rc = dusk_error_set(terr, DUSK_EINVAL, "returned a tuple that refused an item "
                            "nested deeper than %d (DUSK_MAX_DEPTH)", DUSK_MAX_DEPTH);
    if (rc && *out) {
        dusk_value_unref(*out);
        *out = NULL;
    }
    return rc;
}

/* A task whose arguments are its dependencies' results (the plan's
 * DUSK__PLAN_DEPARGS, e.g. every `add` of a reduction tree): read,
 * borrowed, from the slots of its dependency list deps[0..n), which is
 * all a run touches of such a task besides its function. */
static HOT_INLINE int execute_depargs(const dusk_func *f, const dusk__id *deps, size_t n,
                                      const dusk__slot *s, dusk_value **out, dusk_error *terr)
{
    dusk_value *argv[DUSK__PLAN_DEPARGS_MAX];
    for (size_t i = 0; i < n; i++)
        argv[i] = s[deps[i]].result;
    *out = NULL;
    return call(f, argv, n, out, terr);
}

/* A task whose arguments are literals and its dependencies' results
 * (DUSK__PLAN_FLAT, e.g. `inc` of a literal): the literals from the
 * graph's arguments, the references from its dependency list, deps. */
static HOT_INLINE int execute_flat(const dusk__task *task, const dusk__id *deps,
                                   const dusk__slot *s, dusk_value **out, dusk_error *terr)
{
    const dusk__targ *args = task->args;
    dusk_value *argv[DUSK__PLAN_DEPARGS_MAX];
    size_t n = task->nargs;
    for (size_t i = 0; i < n; i++)
        argv[i] = args[i].kind == DUSK__ARG_LIT ? args[i].u.lit : s[*deps++].result;
    *out = NULL;
    return call(task->func, argv, n, out, terr);
}

/* Any other entry. The graph holds the tasks' arguments; the plan, which
 * the graph cannot change during a run, says what to run. Not inlined:
 * the loops that call it keep their registers for their own work. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int execute_entry(dusk__run *r, int64_t t, dusk_value **out, dusk_error *terr)
{
    const dusk__task *task = &r->g->tasks[t];
    *out = NULL;
    if (task->kind == DUSK_ENTRY_VALUE) {
        *out = dusk_value_ref(task->value);
        return 0;
    }
    if (task->kind == DUSK_ENTRY_ALIAS) {
        *out = dusk_value_ref(r->s[dusk__name_task(r->g, task->target)].result);
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
            const dusk__targ *a = &task->args[i];
            argv[i] = a->kind == DUSK__ARG_LIT ? a->u.lit
                      : r->s[dusk__name_task(r->g, a->u.name)].result;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            if (!(argv[i] = arg_value(r, &task->args[i])) || dusk_value_too_deep(argv[i])) {
                rc = argv[i] ? dusk_error_set(terr, DUSK_EINVAL, "argument %zu nests deeper "
                                              "than %d lists or tuples (DUSK_MAX_DEPTH) with "
                                              "its inputs' results", i, DUSK_MAX_DEPTH)
                             : dusk_error_set(terr, DUSK_ENOMEM, "out of memory for the arguments");
                for (size_t j = 0; j <= i; j++)
                    dusk_value_unref(argv[j]);
                break;
            }
    }
    if (!rc) {
        rc = call(task->func, argv, n, out, terr);
        if (task->has_list)
            for (size_t i = 0; i < n; i++)
                dusk_value_unref(argv[i]);
    }
    if (argv != small)
        dusk_free(argv);
    return rc;
}

/* Computes task t: 0 and *out, or a code with terr set. */
static HOT_INLINE int execute(dusk__run *r, int64_t t, dusk_value **out, dusk_error *terr)
{
    const dusk_plan *p = r->plan;
    if (p->kind[t] == DUSK__PLAN_DEPARGS)
        return execute_depargs((const dusk_func *)p->entry[t], p->dep_ids + p->dep_off[t],
                               p->dep_off[t + 1] - p->dep_off[t], r->s, out, terr);
    if (p->kind[t] == DUSK__PLAN_FLAT)
        return execute_flat(&r->g->tasks[t], p->dep_ids + p->dep_off[t], r->s, out, terr);
    return execute_entry(r, t, out, terr);
}

void dusk__run_started(dusk__run *r, dusk__worker *w, int64_t t) { started(r, w, t); }

int dusk__run_gate(dusk__run *r, dusk__worker *w, dusk_error *gerr)
{
    /* What the last step did reaches the callbacks (and its released
     * results are freed) before a gate holds the worker. */
    after_step(r, w);
    for (size_t i = 0; i < r->ncbs; i++) {
        /* a gate whose own gate_armed reads 0 is not called, whoever
         * else's is armed (events.h) */
        if (!r->cbs[i].gate ||
            (r->cbs[i].gate_armed && !__atomic_load_n(r->cbs[i].gate_armed, __ATOMIC_ACQUIRE)))
            continue;
        dusk_error_clear(gerr);
        int rc = r->cbs[i].gate(r->cbs[i].ud, w->id, gerr);
        if (rc)
            return rc < 0 ? rc : DUSK_ECANCELED;
    }
    return 0;
}

/* --- tasks that travel -------------------------------------------------------------- */

int dusk__run_message(dusk__run *r, int64_t t, dusk_value **msg, dusk_error *err)
{
    const dusk__task *task = &r->g->tasks[t];
    *msg = NULL;
    if (task->kind != DUSK_ENTRY_TASK)
        return 0;
    char repr[256];
    const char *key = dusk_func_key(task->func);
    if (!key)
        return dusk_error_set(err, DUSK_EINVAL, "task %s: its function '%s' is not registered, "
                              "so it cannot run in another process (dusk_func_register)",
                              dusk__task_repr(r->g, t, repr, sizeof repr), task->func->name);
    dusk_value *m = dusk_tuple_new(1 + task->nargs), *k = dusk_string(key);
    if (!m || !k) {
        dusk_value_unref(m);
        dusk_value_unref(k);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for task %s's message",
                              dusk__task_repr(r->g, t, repr, sizeof repr));
    }
    dusk_tuple_set(m, 0, k);
    for (size_t i = 0; i < task->nargs; i++) {
        dusk_value *v = arg_value(r, &task->args[i]);
        if (!v || dusk_value_too_deep(v)) {
            dusk_value_unref(m);
            if (v) {
                dusk_value_unref(v);
                return dusk_error_set(err, DUSK_EINVAL, "task %s: argument %zu nests deeper "
                                      "than %d lists or tuples (DUSK_MAX_DEPTH)",
                                      dusk__task_repr(r->g, t, repr, sizeof repr), i,
                                      DUSK_MAX_DEPTH);
            }
            return dusk_error_set(err, DUSK_ENOMEM, "out of memory for task %s's message",
                                  dusk__task_repr(r->g, t, repr, sizeof repr));
        }
        dusk_tuple_set(m, 1 + i, v);
    }
    *msg = m;
    return 0;
}

int dusk__task_call(const dusk_value *msg, dusk_value **out, dusk_error *err)
{
    *out = NULL;
    size_t n = dusk_tuple_len(msg);
    const char *key = n ? dusk_value_str(dusk_tuple_get(msg, 0)) : NULL;
    if (dusk_value_kind(msg) != DUSK_KIND_TUPLE || !key)
        return dusk_error_set(err, DUSK_EINVAL, "a task message is a tuple (key, args...)");
    const dusk_func *f = dusk_func_lookup(key);
    if (!f)
        return dusk_error_set(err, DUSK_EINVAL, "no function is registered as '%s' here", key);
    dusk_value *small[8], **argv = n - 1 > 8 ? dusk_malloc((n - 1) * sizeof *argv) : small;
    if (!argv)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for the arguments");
    for (size_t i = 1; i < n; i++)
        argv[i - 1] = dusk_tuple_get(msg, i);   /* borrowed, as tasks take them */
    int rc = f->fn(argv, n - 1, out, err, f->ud);
    if (rc > 0)
        rc = DUSK_ETASK;
    if (rc == 0 && !*out)
        rc = dusk_error_set(err, DUSK_ETASK, "returned no value");
    if (rc && *out) {
        dusk_value_unref(*out);
        *out = NULL;
    }
    if (argv != small)
        dusk_free(argv);
    return rc;
}

int dusk__run_execute(dusk__run *r, int64_t t, dusk_value **out, dusk_error *terr)
{
    return execute(r, t, out, terr);
}

void dusk__run_ended(dusk__run *r, dusk__worker *w, int64_t t, const dusk_value *result,
                     int status)
{
    ended(r, w, t, result, status);
}

int dusk__run_task(dusk__run *r, dusk__worker *w, int64_t t, dusk_value **out,
                   dusk_error *terr)
{
    started(r, w, t);
    terr->code = 0;
    terr->msg[0] = '\0';
    int status = execute(r, t, out, terr);
    ended(r, w, t, *out, status);
    return status;
}

void dusk__run_flush(dusk__run *r, dusk__worker *w) { after_step(r, w); }

/* --- a whole run on one thread, unheard (sync.c) ------------------------------------ */

/* A min-heap of entries in h[0..n) (the run's heap, kept in the unheard
 * loop's locals): push returns the new size, pop takes the least. */
static HOT_INLINE size_t entry_push(uint64_t *h, size_t n, uint64_t e)
{
    size_t i = n;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (h[up] <= e)
            break;
        h[i] = h[up];
        i = up;
    }
    h[i] = e;
    return n + 1;
}

static HOT_INLINE uint64_t entry_pop(uint64_t *h, size_t *np)
{
    uint64_t top = h[0], last = h[--*np];
    size_t i = 0, n = *np;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h[c + 1] < h[c])
            c++;
        if (h[c] >= last)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

/* The sync backend's loop when nobody listens: the steps dusk__run_step
 * and dusk__run_task would take, in the same order (the least entry
 * ready is the take), with no event, clock, pretask or gate to check
 * between them, in one frame instead of two calls a task. finish_ok's
 * work without its sections: a finished task's released inputs are
 * dropped at once, before the next task starts, as started() drops them.
 *
 * The ready set is the run's (plan->first's rest and the heap) plus
 * `next`, the least entry the last task made ready, held out of the heap:
 * in a depth-first order it is nearly always the one taken next (a
 * reduction's parent right after its last input), which then never goes
 * through the heap. The heap's state lives in locals for the loop (the
 * heap's stores could otherwise be to the run's counters, as the
 * compiler sees it, and reload them) and goes back to r at the end. */
void dusk__run_unheard(dusk__run *r, dusk__worker *w)
{
    const uint64_t none = UINT64_MAX;   /* no entry: ids and priorities < 2^32 - 1 */
    const dusk_plan *p = r->plan;
    const dusk__off *rdep_off = p->rdep_off, *dep_off = p->dep_off;
    const dusk__id *rdep_ids = p->rdep_ids, *dep_ids = p->dep_ids;
    const unsigned char *kind = p->kind;
    const void *const *entry = p->entry;
    const dusk__task *tasks = r->g->tasks;
    const uint32_t *prio = r->prio;
    const uint64_t *first = r->first;
    uint64_t *heap = r->heap;
    size_t ifirst = r->ifirst, nfirst = r->nfirst, hsize = r->hsize;
    dusk__slot *s = r->s;
    const int track = r->track_held;
    uint64_t held = r->held, peak = r->peak, next = none;
    size_t done = 0;
    int status = 0;
    int64_t t = -1;
    dusk_error terr;
    for (;;) {
        uint64_t f = ifirst < nfirst ? first[ifirst] : none, e;
        if (next < f && (hsize == 0 || next < heap[0])) {
            e = next;
        } else {
            if (next != none)
                hsize = entry_push(heap, hsize, next);
            if (hsize && heap[0] < f) {
                e = entry_pop(heap, &hsize);
            } else if (f != none) {
                e = f;
                ifirst++;
            } else {
                break;   /* nothing ready: the run is over */
            }
        }
        next = none;
        t = (int64_t)(e & UINT32_MAX);
        dusk_value *v;
        terr.code = 0;
        terr.msg[0] = '\0';
        dusk__off a = dep_off[t], b = dep_off[t + 1];
        unsigned char kt = kind[t];
        status = kt == DUSK__PLAN_DEPARGS
                     ? execute_depargs((const dusk_func *)entry[t], dep_ids + a, b - a, s, &v, &terr)
                 : kt == DUSK__PLAN_FLAT ? execute_flat(&tasks[t], dep_ids + a, s, &v, &terr)
                                         : execute_entry(r, t, &v, &terr);
        if (status)
            break;   /* no task starts after the first error */
        done++;
        s[t].result = v;
        if (track) {
            held += nbytes_of(v);
            if (held > peak)
                peak = held;
        }
        for (dusk__off k = rdep_off[t], ke = rdep_off[t + 1]; k < ke; k++) {
            int64_t d = rdep_ids[k];
            if (--s[d].waiting != 0)   /* the plan's dependents are all in the run */
                continue;
            uint64_t x = (uint64_t)prio[d] << 32 | (uint64_t)d;
            if (x < next) {
                if (next != none)
                    hsize = entry_push(heap, hsize, next);
                next = x;
            } else {
                hsize = entry_push(heap, hsize, x);
            }
        }
        for (dusk__off k = a; k < b; k++) {
            int64_t d = dep_ids[k];
            if ((s[d].needed -= 2) == 0) {
                dusk_value *dv = s[d].result;
                s[d].result = NULL;
                if (track)
                    held -= nbytes_of(dv);
                if (!dusk__is_imm(dv))   /* an int in the pointer holds nothing */
                    dusk_value_unref(dv);
            }
        }
    }
    r->ifirst = ifirst;
    r->hsize = hsize;
    r->nheap = (nfirst - ifirst) + hsize + (next != none);
    r->held = held;
    r->peak = peak;
    r->done += done;
    if (status)
        finish_error(r, w, t, status, &terr);   /* counts t */
}

/* --- a whole run ---------------------------------------------------------------------- */

/* A run's array that a plan keeps between runs in slot (core/plan.h),
 * taken; NULL when there is none (a first run, or another run has it). */
static void *spare_take(_Atomic(void *) *slot)
{
    return atomic_exchange_explicit(slot, NULL, memory_order_acquire);
}

/* Gives array a back to plan p (slot is p's) for its next run; freed when
 * there is no plan, or when another run gave one back first. */
static void spare_put(const dusk_plan *p, _Atomic(void *) *slot, void *a)
{
    void *none = NULL;
    if (!a)
        return;
    if (!p || !atomic_compare_exchange_strong_explicit(slot, &none, a, memory_order_release,
                                                       memory_order_relaxed))
        dusk_free(a);
}

/* Every slot of p's tasks as a run starts: no result, the inputs missing
 * and twice the dependents to come (the requested bit is set after). */
static void slots_init(dusk__slot *s, const dusk_plan *p)
{
    const dusk__off *dep_off = p->dep_off, *rdep_off = p->rdep_off;
    if (p->tasks) {
        for (size_t i = 0; i < p->n; i++) {
            int64_t t = p->tasks[i];
            s[t].result = NULL;
            s[t].waiting = (uint32_t)(dep_off[t + 1] - dep_off[t]);
            s[t].needed = 2 * (uint32_t)(rdep_off[t + 1] - rdep_off[t]);
        }
        return;
    }
    /* the whole graph: both offset arrays read once, in order */
    size_t t = 0, n = p->n;
#ifdef __SSE2__
    /* four slots a round: the counts of four tasks as differences of
     * offsets, interleaved and put beside a null result (a quarter of
     * the instructions of the loop below) */
    _Static_assert(sizeof(dusk__slot) == 16 && offsetof(dusk__slot, waiting) == 8 &&
                   offsetof(dusk__slot, needed) == 12, "a slot is result, waiting, needed");
    const __m128i zero = _mm_setzero_si128();
    for (; t + 4 <= n; t += 4) {
        __m128i w = _mm_sub_epi32(_mm_loadu_si128((const __m128i *)(dep_off + t + 1)),
                                  _mm_loadu_si128((const __m128i *)(dep_off + t)));
        __m128i nd = _mm_sub_epi32(_mm_loadu_si128((const __m128i *)(rdep_off + t + 1)),
                                   _mm_loadu_si128((const __m128i *)(rdep_off + t)));
        nd = _mm_add_epi32(nd, nd);
        __m128i lo = _mm_unpacklo_epi32(w, nd), hi = _mm_unpackhi_epi32(w, nd);
        _mm_storeu_si128((__m128i *)(s + t), _mm_unpacklo_epi64(zero, lo));
        _mm_storeu_si128((__m128i *)(s + t + 1), _mm_unpackhi_epi64(zero, lo));
        _mm_storeu_si128((__m128i *)(s + t + 2), _mm_unpacklo_epi64(zero, hi));
        _mm_storeu_si128((__m128i *)(s + t + 3), _mm_unpackhi_epi64(zero, hi));
    }
#endif
    dusk__off d0 = dep_off[t], r0 = rdep_off[t];
    for (; t < n; t++) {
        dusk__off d1 = dep_off[t + 1], r1 = rdep_off[t + 1];
        s[t].result = NULL;   /* field by field: a literal is zeroed first */
        s[t].waiting = (uint32_t)(d1 - d0);
        s[t].needed = 2 * (uint32_t)(r1 - r0);
        d0 = d1;
        r0 = r1;
    }
}

static void run_free(dusk__run *r)
{
    /* A run that finished every task has dropped every result but the
     * requested ones (their counters reached 0), except where a backend
     * holds results its own way (remote.c): then, and after a failure,
     * every task's slot is looked at. */
    if (r->s && r->plan && r->status == 0 && r->nrun && r->done == r->nrun && !r->be->picks) {
        for (size_t i = 0; i < r->plan->nwant; i++) {   /* repeats: NULL after the first */
            dusk__slot *sl = &r->s[r->plan->want[i]];
            dusk_value_unref(sl->result);
            sl->result = NULL;
        }
    } else if (r->s && r->plan) {
        for (size_t i = 0; i < r->plan->n; i++)
            dusk_value_unref(r->s[dusk__plan_task(r->plan, i)].result);
    }
    /* the slots (and times) go back to the plan for its next run; a block
     * of the other layout that a run at once gave back goes (a plan keeps
     * one block) */
    dusk_plan *mp = (dusk_plan *)r->plan;
    spare_put(mp, mp ? (r->tt ? &mp->spare_st : &mp->spare_s) : NULL, r->s);
    if (mp && r->s)
        dusk_free(spare_take(r->tt ? &mp->spare_s : &mp->spare_st));
    dusk_free(r->heap);
    r->tt = NULL;
    if (r->workers)
        for (int i = 0; i < r->nworkers; i++) {
            dusk_free(r->workers[i].succ);
            dusk_free(r->workers[i].evbuf);
            dusk_free(r->workers[i].ready);
            dusk_free(r->workers[i].drop_id);
            dusk_free(r->workers[i].drop_nb);
            dusk_free(r->workers[i].drop);
        }
    dusk_free(r->workers);
    r->s = NULL;
    r->heap = NULL;
    r->workers = NULL;
}

/* Which listeners there are and what they want. */
static void listeners(dusk__run *r, const dusk_options *opts)
{
    r->opts = opts;
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
        r->gated |= cb->gate != NULL;
        r->gate_always |= cb->gate != NULL && cb->gate_armed == NULL;
    }
    r->want = r->stream ? 0x7fu : r->cb_want;  /* the stream is lossless: everything */
    /* Callbacks that want no per-task event (a progress bar counting in
     * posttask) cost no clock reading. */
    r->timed = (r->want & ~(DUSK_EVMASK(DUSK_EV_RUN_BEGIN) | DUSK_EVMASK(DUSK_EV_RUN_END))) != 0;
}

/* The per-worker buffers: drops, and the callbacks' events of one step. */
static int workers_new(dusk__run *r, int n)
{
    const dusk_plan *p = r->plan;
    size_t maxdeps = p->maxdeps, maxrdeps = p->maxrdeps;
    int evs = r->timed && (r->want & ~(DUSK_EVMASK(DUSK_EV_RUN_BEGIN) |
                                       DUSK_EVMASK(DUSK_EV_RUN_END)));
    int ready = evs && (r->want & DUSK_EVMASK(DUSK_EV_READY));
    if (!(r->workers = dusk_calloc((size_t)n, sizeof *r->workers)))
        return DUSK_ENOMEM;
    r->nworkers = n;
    for (int i = 0; i < n; i++) {
        dusk__worker *w = &r->workers[i];
        w->r = r;
        w->id = i;
        w->sec.done = w->sec.start = -1;
        w->drop = dusk_malloc((maxdeps + 1) * sizeof *w->drop);
        if (r->lockfree && !(w->succ = dusk_malloc((maxrdeps + 1) * sizeof *w->succ)))
            return DUSK_ENOMEM;
        if (evs) {
            /* a step: END, its READY and RELEASED, the next START */
            w->evbuf = dusk_malloc((maxdeps + maxrdeps + 2) * sizeof *w->evbuf);
            w->drop_id = dusk_malloc((maxdeps + 1) * sizeof *w->drop_id);
            w->drop_nb = dusk_malloc((maxdeps + 1) * sizeof *w->drop_nb);
            if (ready)
                w->ready = dusk_malloc((maxrdeps + 1) * sizeof *w->ready);
        }
        if (!w->drop || (evs && (!w->evbuf || !w->drop_id || !w->drop_nb || (ready && !w->ready))))
            return DUSK_ENOMEM;
    }
    return 0;
}

/* A run that failed before it started (rc, err's message): its status,
 * for fini (a backend whose other processes wait for the run tells them
 * why it will not come). */
static void run_failed_early(dusk__run *r, int rc, const dusk_error *err)
{
    r->status = rc;
    if (err && err->code == rc)
        r->err = *err;
    else
        dusk_error_set(&r->err, rc, NULL);
}

/* Runs plan p of g on backend be. On success, the results of the
 * requested tasks stay in r->s[].result for the caller to take. */
static int run_plan(dusk__run *r, const dusk__backend *be, dusk_graph *g, const dusk_plan *p,
                    int nworkers, const dusk_options *opts, dusk_error *err)
{
    int rc = 0, inited = 0;
    uint64_t wall0 = dusk_now_ns();
    r->g = g;
    r->plan = p;
    r->prio = p->prio;
    r->be = be;
    r->nrun = p->n;

    /* Counters: inputs missing and dependents to come, per task, in 32
     * bits (twice the dependents, for the requested bit). */
    if (p->maxdeps > UINT32_MAX || p->maxrdeps > UINT32_MAX / 2 - 1) {
        rc = dusk_error_set(err, DUSK_EINVAL, "a task with %zu dependencies or %zu "
                            "dependents is more than a run counts", p->maxdeps, p->maxrdeps);
        goto early;
    }
    /* a function that declared its arity never sees another count: the
     * engine refuses the task before any task starts */
    if ((rc = dusk__arity_check(g, p->tasks, p->n, 1, err)) != 0)
        goto early;
    listeners(r, opts);
    /* A backend that can runs without the lock, listened to or not: its
     * stream is merged by time, its gates are passed by a worker before
     * it starts the task it owns (threads.c). */
    r->lockfree = be->lockfree;
    /* The slots, and for a timed lock-free run its event times after them
     * in the same block (zeroed): the plan's last run's block (a plan
     * keeps one), resized when it had the other layout (its slots stay in
     * their pages: none is faulted in anew), else a new one. The slots of
     * ids outside a culled plan are zero in any of them: no run writes
     * them. A plan of the whole graph sets every slot below, so no zeroing
     * first. */
    int with_tt = r->lockfree && r->timed, zeroed = 0;
    size_t gs = p->gsize ? p->gsize : 1;
    size_t bytes = gs * (sizeof *r->s + (with_tt ? sizeof *r->tt : 0));
    dusk_plan *mp = (dusk_plan *)p;   /* its spares are not part of its value */
    _Atomic(void *) *mine = with_tt ? &mp->spare_st : &mp->spare_s;
    _Atomic(void *) *other = with_tt ? &mp->spare_s : &mp->spare_st;
    void *old = NULL;
    if ((r->s = spare_take(mine)) == NULL && (old = spare_take(other)) != NULL &&
        (r->s = dusk_realloc(old, bytes)) == NULL)
        spare_put(mp, other, old);   /* kept as it was */
    if (!r->s && !old) {
        zeroed = with_tt || p->tasks;
        r->s = zeroed ? dusk_calloc(1, bytes) : dusk_malloc(bytes);
    }
    if (!r->s) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
        goto early;
    }
    if (with_tt)
        r->tt = (uint64_t *)(r->s + gs);
    if (with_tt && !zeroed && !p->tasks)
        memset(r->tt, 0, gs * sizeof *r->tt);
    else if (with_tt && !zeroed)   /* culled: only its tasks' times are read, */
        for (size_t i = 0; i < p->n; i++)   /* not the graph's (O(graph) a run) */
            r->tt[p->tasks[i]] = 0;
    slots_init(r->s, p);
    r->sinks_left = (uint32_t)p->nsinks;
    size_t hcap = p->maxready + (be->picks ? p->nfirst : 0);
    if (!(r->heap = dusk_malloc((hcap ? hcap : 1) * sizeof *r->heap))) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
        goto early;
    }
    for (size_t i = 0; i < p->nwant; i++)
        r->s[p->want[i]].needed |= 1;

    /* (remote.c moves held itself as it gathers results: always) */
    r->track_held = opts->stats != NULL || r->listening || be->picks;
    /* A lock-free run's stream sums held itself (core/events.c): with no
     * callback that hears events and no stats (a viewer's run), the run
     * keeps no shared count (an atomic addition a task on a line every
     * worker writes), only the sizes its events carry. */
    if (r->lockfree && r->stream && !opts->stats && !be->picks && !r->cb_want)
        r->track_held = 0;
    r->sizes = r->track_held || r->stream;
    if (r->timed) {
        dusk__tclock_counter();   /* its one-time probe here, not in a task's time */
        /* and the membarrier registration (once a process, an RCU grace
         * period: 0.04-20 ms here), which a START would otherwise count in its
         * task's time */
        if (r->lockfree)
            light_start_fence();
    }
    if (workers_new(r, nworkers) != 0) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory starting a run");
        goto early;
    }
    r->used = nworkers;
    inited = 1;   /* fini undoes whatever init did, also when it failed */
    if (be->init && (rc = be->init(r, err)) != 0) {
        run_failed_early(r, rc, err);
        goto end;
    }

    /* Begin: events for the run and the tasks ready from the start. */
    if (r->listening) {
        r->t0 = dusk_now_ns();  /* the epoch: read before start, as events.h says */
        for (size_t i = 0; i < r->ncbs; i++)
            if (r->cbs[i].start)
                r->cbs[i].start(r->cbs[i].ud, p, p->n);
        /* queues: one per worker, and the last for this thread's events;
         * a task makes some 4 (READY, START, END, RELEASED) */
        r->run_index =
            !r->stream ? 0
            : r->lockfree ? dusk__stream_begin_by_time(r->stream, nworkers + 1, 4 * p->n, r->t0)
                          : dusk__stream_begin(r->stream, nworkers + 1, 4 * p->n, &r->seq);
        emit(r, DUSK_EV_RUN_BEGIN, -1, p->n, nworkers);  /* t = 0 */
    }
    size_t nfirst = p->nfirst;
    r->nheap = nfirst;
    if (be->picks) {
        /* An increasing array is a min-heap as it stands. */
        if (nfirst)
            memcpy(r->heap, p->first, nfirst * sizeof *r->heap);
        r->hsize = nfirst;
    } else {
        r->first = p->first;
        r->nfirst = nfirst;
    }
    if (r->timed && nfirst)
        emit_first_ready(r, nfirst);

    rc = be->run(r, err);
    if (r->lockfree) {
        /* the workers' own counts and clocks, now that they have left */
        for (int i = 0; i < nworkers; i++) {
            r->done += r->workers[i].ndone;
            r->held += (uint64_t)r->workers[i].held_d;   /* never below 0 */
            if (r->workers[i].held_peak > r->peak)
                r->peak = r->workers[i].held_peak;
            /* RUN_END strictly after every worker's event: the stream
             * merges by time */
            if (r->workers[i].last_t + 1 > r->last_t)
                r->last_t = r->workers[i].last_t + 1;
        }
        /* what is held at the end was held at once, though no worker saw
         * the others' unmoved parts of it at an END */
        if (r->held > r->peak)
            r->peak = r->held;
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
        stamp_at(r, dusk_now_ns());
        emit(r, DUSK_EV_RUN_END, -1, 0, rc);
        if (r->stream)
            dusk__stream_end(r->stream, r->seq);
        for (size_t i = 0; i < r->ncbs; i++)
            if (r->cbs[i].finish)
                r->cbs[i].finish(r->cbs[i].ud, rc);
    }
    if (opts->stats) {
        opts->stats->ntasks = r->nrun;
        opts->stats->wall_ns = dusk_now_ns() - wall0;
        opts->stats->held_peak = r->peak;
        opts->stats->held_end = r->held;
        opts->stats->workers = r->used;
    }
end:
    if (inited && be->fini)
        be->fini(r);
    return rc;
early:
    /* The backend was never prepared; fini still runs (it undoes what init
     * did, here nothing), as a backend whose serving processes wait for
     * this run (MPI) must tell them it will not come, and why. */
    run_failed_early(r, rc, err);
    if (be->fini)
        be->fini(r);
    return rc;
}

/* --- the public calls ---------------------------------------------------------------- */

/* Collects the task ids a request names; DUSK_ENOKEY for an unknown key. */
static int request_ids(dusk_graph *g, const dusk_arg *a, int64_t *ids, size_t *n,
                       dusk_error *err)
{
    switch (a->kind) {
    case DUSK__ARG_REF: {
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
    case DUSK__ARG_LIST:
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

/* The request's shape filled with results (new references), or NULL. r
 * is NULL when the request names no key. */
static dusk_value *request_value(dusk__run *r, dusk_graph *g, const dusk_arg *a)
{
    switch (a->kind) {
    case DUSK__ARG_REF:
        return dusk_value_ref(r->s[dusk_graph_find(g, a->u.ref.text)].result);
    case DUSK__ARG_LIT:
        return dusk_value_ref(a->u.lit);
    default: {
        dusk_value *t = dusk_tuple_new(a->u.list.n);
        for (size_t i = 0; t && i < a->u.list.n; i++) {
            dusk_value *item = request_value(r, g, a->u.list.items[i]);
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

/* Whether the request names a key (so that the call makes a run), read
 * from its shape alone: a request whose keys are not in the graph names
 * some all the same. */
static int request_names_key(const dusk_arg *a)
{
    if (a->kind == DUSK__ARG_REF)
        return 1;
    if (a->kind == DUSK__ARG_LIST)
        for (size_t i = 0; i < a->u.list.n; i++)
            if (request_names_key(a->u.list.items[i]))
                return 1;
    return 0;
}

/* be NULL: the scheduler opts names is not one dusk has. */
int dusk__compute_on(const dusk__backend *be, dusk_graph *g, dusk_arg *request,
                     const dusk_options *opts, dusk_value **out, dusk_error *err)
{
    static const dusk_options defaults = DUSK_OPTIONS_INIT;
    int rc, nworkers = 0, took_part = 0;
    size_t n = 0;
    int64_t *ids = NULL;
    dusk_plan *plan = NULL;
    dusk__run r;
    dusk_error mine = DUSK_ERROR_INIT;
    memset(&r, 0, sizeof r);
    if (!err)
        err = &mine;   /* a failure's reason may have to reach other processes */
    /* A request of literals makes no run in any process; one that cannot
     * be read (out of memory building it) is taken to make one. */
    int asks = !request || request->depth > DUSK_MAX_DEPTH || request_names_key(request);
    if (!opts)
        opts = &defaults;
    if (out)
        *out = NULL;
    if (!g || !request || !out) {
        rc = dusk_error_set(err, !request ? DUSK_ENOMEM : DUSK_EINVAL,
                            !request ? "out of memory building the request"
                                     : "dusk_compute needs a graph, a request and an output");
        goto done;
    }
    if (request->depth > DUSK_MAX_DEPTH) {
        rc = dusk_error_set(err, DUSK_EINVAL, "the request nests deeper than %d lists "
                            "(DUSK_MAX_DEPTH)", DUSK_MAX_DEPTH);
        goto done;
    }
    if ((rc = dusk__graph_finalize(g, err)) < 0)
        goto done;
    if ((rc = request_ids(g, request, NULL, &n, err)) < 0)
        goto done;
    if (n == 0) {
        /* Nothing to run: literals and empty lists come back as they are. */
        if (!(*out = request_value(NULL, g, request)))
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for the results");
        if (opts->stats)
            memset(opts->stats, 0, sizeof *opts->stats);
        goto done;
    }
    if (!be) {
        rc = dusk_error_set(err, DUSK_EINVAL,
                            "unknown scheduler %d (dusk_options.scheduler is DUSK_SCHED_SYNC, "
                            "_THREADS, _PROCESSES or _MPI)", (int)opts->scheduler);
        goto done;
    }
    if (opts->workers < 0) {
        rc = dusk_error_set(err, DUSK_EINVAL, "workers must be 0 (one per core) or more, not %d",
                            opts->workers);
        goto done;
    }
    if ((nworkers = be->workers(opts, err)) < 0) {
        rc = nworkers;
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
    if (be->serve) {
        /* A process that serves another's run (an MPI rank but 0). */
        int served = 0;
        took_part = 1;
        rc = be->serve(be, NULL, &served, err);
        if (served) {
            if (rc == 0)
                *out = dusk_none();
            if (opts->stats)
                memset(opts->stats, 0, sizeof *opts->stats);
            goto done;
        }
    }
    dusk__big_hold();
    took_part = 1;   /* run_plan ends the run on the serving side, whatever happens */
    rc = run_plan(&r, be, g, plan, nworkers, opts, err);
    dusk__big_release();
    if (rc == 0 && !(*out = request_value(&r, g, request)))
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory for the results");
    if (rc == 0 && dusk_value_too_deep(*out)) {
        dusk_value_unref(*out);
        *out = NULL;
        rc = dusk_error_set(err, DUSK_EINVAL, "the request's lists and the results in them "
                            "nest deeper than %d lists or tuples (DUSK_MAX_DEPTH)",
                            DUSK_MAX_DEPTH);
    }
done:
    if (rc < 0 && !took_part && asks && be && be->serve) {
        /* This process failed before its part of a run that spans
         * processes (its graph is not the others', say): they make the
         * same call and wait for this part, so it is taken all the same,
         * failing the run with this process's reason. */
        int served = 0;
        dusk_error ignored;
        be->serve(be, err, &served, &ignored);
    }
    run_free(&r);
    dusk_plan_unref(plan);
    dusk_free(ids);
    dusk_arg_free(request);
    return rc;
}

int dusk_compute(dusk_graph *g, dusk_arg *request, const dusk_options *opts,
                 dusk_value **out, dusk_error *err)
{
    if (!g || !out) {   /* the request is ours, also on failure */
        dusk_arg_free(request);
        if (out)
            *out = NULL;
        DUSK__NONNULL(err, g);
        DUSK__NONNULL(err, out);
    }
    return dusk__compute_on(dusk__backend_find(opts ? (int)opts->scheduler : DUSK_SCHED_THREADS),
                            g, request, opts, out, err);
}

int dusk_get(dusk_graph *g, const char *key, const dusk_options *opts,
             dusk_value **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, g);
    DUSK__NONNULL(err, key);
    DUSK__NONNULL(err, out);
    return dusk_compute(g, dusk_ref(key), opts, out, err);
}

int dusk_get_list(dusk_graph *g, const char *const *keys, size_t n,
                  const dusk_options *opts, dusk_value **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, g);
    if (n)
        DUSK__NONNULL(err, keys);
    DUSK__NONNULL(err, out);
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
