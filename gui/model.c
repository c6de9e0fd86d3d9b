/*
** dusk gui — the viewer's model: plans handed over, events applied
**
** Two threads meet here. The run's thread calls `start` before any task
** of the run can start: it lays the plan out and sets every task WAITING
** there (linear time: some 10 ms for 200,000 tasks, which the run waits
** for, so that the window shows it from its first START), then appends
** all that to v->pending under v->mu (a few instructions; the UI thread
** holds mu no longer); its workers append events to the core's lossless
** dusk_stream, which never waits for its consumer. The UI thread calls
** dusk_viewer_pump, which drains the stream in batches of DUSK__BATCH and
** applies each event: a RUN_BEGIN adopts the oldest pending plan and its
** layout (start is called before the run's RUN_BEGIN is appended, so they
** are always there first). A RUN_BEGIN with no layout made (a plan given
** by dusk_viewer_set_plan, or a start callback out of memory) is laid out
** by the pump, a bounded one (dusk_viewer_pump_for) in steps over as many
** calls as it takes, the batch's events after it kept for when it is
** done. READY, START, END, ERROR and
** RELEASED move one task and the per-state and per-layer counts; START and END/ERROR also set
** the worker's current task; a change of `held` adds a point to the curve.
** Applying an event is a handful of loads and stores: no allocation but
** the curve's and the log's doubling, no lock.
**
** Scrubbing: every event of the current run goes to v->log, and the
** states show its first v->shown events. While following (v->follow, the
** default) shown is nlog and each event is applied as it comes. Once the
** window seeks back, events still go to the log (and to the facts kept per
** task: start, end, worker, and the held curve) but not to the states,
** until a seek forward or dusk_viewer_follow applies them. Applying log[i]
** keeps what it overwrote (the task's state, its worker's task) in
** undo_state[i] / undo_worker[i]; undoing it puts them back. Events are
** applied and undone in log order only, so what is kept for log[i] is
** always what the states held just before it, and a move of the cursor
** costs the events it crosses, never the run.
*/
#define _DEFAULT_SOURCE   /* madvise's MADV_HUGEPAGE */
#include <math.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gui.h"

dusk_viewer *dusk_viewer_new(const dusk_viewer_options *o)
{
    dusk_viewer *v = dusk_calloc(1, sizeof *v);
    if (!v)
        return NULL;
    if (o)
        v->opts = *o;
    if (!v->opts.layer_view_threshold)
        v->opts.layer_view_threshold = 100000;
    v->follow = 1;
    v->speed = 1.0;
    v->font_scale = 1.0f;
    v->zoom = 1.0f;
    v->selected = v->hover = -1;
    v->stream = dusk_stream_new();
    v->batch = dusk_malloc(DUSK__BATCH * sizeof *v->batch);
    if (!v->stream || !v->batch || pthread_mutex_init(&v->mu, NULL) != 0) {
        dusk_stream_free(v->stream);
        dusk_free(v->batch);
        dusk_free(v);
        return NULL;
    }
    if (dusk__control_init(v) != 0) {
        dusk_viewer_free(v);
        return NULL;
    }
    return v;
}

static void clear_run(dusk_viewer *v)
{
    v->runs++;
    v->begin_pending = 0;
    dusk__layout_job_free(&v->begin_job);
    dusk__layout_free(&v->begin_layout);
    dusk_free(v->begin_state);
    dusk_free(v->begin_counts);
    v->begin_state = NULL;
    v->begin_counts = NULL;
    v->epoch = 0;
    v->layout_ns = 0;
    dusk_free(v->state);
    dusk_free(v->layer_counts);
    dusk_free(v->worker_task);
    dusk_free(v->held);
    dusk_free(v->held_log);
    dusk_free(v->t_start);
    dusk_free(v->t_end);
    dusk_free(v->worker_of);
    dusk_free(v->rss);
    v->t_start = v->t_end = NULL;
    v->worker_of = NULL;
    v->rss = NULL;
    v->nrss = v->rss_cap = 0;
    v->shown = 0;
    v->follow = 1;   /* a new run is followed live */
    v->cursor = 0;
    v->carry = 0;
    v->state = NULL;
    v->layer_counts = NULL;
    v->worker_task = NULL;
    v->held = NULL;
    v->held_log = NULL;
    v->nlog = 0;   /* the log's memory is kept for the next run */
    v->t0 = 0;
    v->run_over = v->run_status = 0;
    v->selected = v->hover = -1;
    v->nworkers = v->nheld = v->held_cap = 0;
    v->held_peak = 0;
    memset(v->counts, 0, sizeof v->counts);
    dusk__layout_free(&v->layout);
}

/* NULL-safe. */
static void pending_free(dusk__pending *p)
{
    if (!p)
        return;
    dusk_plan_unref(p->plan);
    dusk__layout_free(&p->layout);
    dusk_free(p->state);
    dusk_free(p->layer_counts);
    dusk_free(p);
}

void dusk_viewer_free(dusk_viewer *v)
{
    if (!v)
        return;
    clear_run(v);
    dusk__render_free(v->render);
    dusk_free(v->user_theme);
    dusk__chunks_free(v->chunks);
    dusk__panels_free(v);
    for (dusk__pending *p = v->pending, *next; p; p = next) {
        next = p->next;
        pending_free(p);
    }
    dusk_plan_unref(v->plan);
    dusk_plan_unref(v->next_plan);
    dusk__replayed_free(v->replayed);   /* after the plans that use them */
    pthread_mutex_destroy(&v->mu);
    dusk__control_fini(v);
    dusk_stream_free(v->stream);
    dusk_free(v->batch);
    dusk_free(v->log);
    dusk_free(v->undo_state);
    dusk_free(v->undo_worker);
    dusk_free(v);
}

/* --- the run's side ---------------------------------------------------------- */

/* The states of a laid-out plan before its run: every task WAITING (0xff:
 * not in the plan) and the per-layer counts to match. 0, or -1 on out of
 * memory (nothing made). */
static int waiting_states(const dusk__layout *L, uint8_t **state, uint32_t **counts)
{
    size_t ng = L->ngraph;
    uint8_t *s = dusk_malloc(ng ? ng : 1);
    uint32_t *c = dusk_calloc(L->nlayers * DUSK_TASK_NSTATES + 1, sizeof *c);
    if (!s || !c) {
        dusk_free(s);
        dusk_free(c);
        return -1;
    }
    /* a plan of the whole graph (the usual run) is one memset */
    memset(s, L->ntasks == ng ? DUSK_TASK_WAITING : 0xff, ng);
    if (L->ntasks != ng)
        for (size_t i = 0; i < L->ntasks; i++)
            s[L->order[i]] = DUSK_TASK_WAITING;
    for (size_t l = 0; l < L->nlayers; l++)   /* a layer's tasks, all waiting */
        c[l * DUSK_TASK_NSTATES + DUSK_TASK_WAITING] =
            (uint32_t)(L->layer_start[l + 1] - L->layer_start[l]);
    *state = s;
    *counts = c;
    return 0;
}

/* The run is laid out here, on the run's thread before its first task
 * (core calls start before any task can start): the window shows it from
 * its first START, where a UI thread laying it out within its budget a
 * frame showed a big run only after many frames, or after the run. What
 * fails here (memory) is left to the pump, which lays the plan out again.
 * Reads only v->opts, which never changes. */
static void prepare(const dusk_viewer *v, dusk__pending *p)
{
    if (dusk__layout_build(&p->layout, p->plan, v->opts.layer_view_threshold, NULL) != 0)
        return;
    /* small runs: Graphviz's positions (the layered ones stay if it fails) */
    dusk__layout_graphviz(&p->layout, p->plan, v->opts.graphviz_threshold, NULL);
    if (waiting_states(&p->layout, &p->state, &p->layer_counts) != 0)
        dusk__layout_free(&p->layout);
}

static void cb_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    dusk_viewer *v = ud;
    (void)ntasks;
    uint64_t epoch = dusk_now_ns();   /* first: core has just read the run's */
    dusk__control_begin(v);
    dusk__pending *p = dusk_calloc(1, sizeof *p);
    if (p) {
        p->plan = dusk_plan_ref(plan);
        p->epoch = epoch;
        prepare(v, p);
        p->layout_ns = dusk_now_ns() - epoch;   /* what the run waited for */
    }
    pthread_mutex_lock(&v->mu);
    if (p) {
        if (v->pending_tail)
            v->pending_tail->next = p;
        else
            v->pending = p;
        v->pending_tail = p;
    } else {
        v->plans_lost++;   /* the run then shows with the previous plan */
    }
    pthread_mutex_unlock(&v->mu);
}

dusk_callbacks dusk_viewer_callbacks(dusk_viewer *v)
{
    dusk_callbacks cb = {0};
    if (!v)
        return cb;
    cb.ud = v;
    cb.start = cb_start;
    /* no on_event: the events come through the stream */
    cb.kinds = DUSK_EVMASK(DUSK_EV_RUN_BEGIN);
    dusk__control_callbacks(v, &cb);   /* classroom mode's gate (control.c) */
    return cb;
}

dusk_stream *dusk_viewer_stream(dusk_viewer *v)
{
    return v ? v->stream : NULL;
}

/* --- the UI's side ------------------------------------------------------------ */

/* The oldest plan a start callback queued (the caller's to free), or
 * NULL. */
static dusk__pending *pop_pending(dusk_viewer *v)
{
    pthread_mutex_lock(&v->mu);
    dusk__pending *p = v->pending;
    if (p) {
        v->pending = p->next;
        if (!v->pending)
            v->pending_tail = NULL;
    }
    pthread_mutex_unlock(&v->mu);
    return p;
}

/* Asks for 2 MiB pages under the aligned part of [p, p + len): the log of
 * a big run is tens of megabytes written while the run goes, and a fresh
 * 4 KiB page costs a fault of 4 to 8 us in a virtual machine, on the UI
 * thread that shares the cores with the run. Advice, which a kernel
 * without transparent huge pages ignores. */
void dusk__advise_huge(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + len) & ~(huge - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

void *dusk__huge_block(size_t len, void **block)
{
    const size_t huge = (size_t)2 << 20;
    if (len < huge / 2) {   /* less than half a page: 4 KiB ones */
        *block = dusk_malloc(len ? len : 1);
        return *block;
    }
    /* whole 2 MiB pages from a 2 MiB boundary: the room before it and
     * after len is address space, never touched */
    size_t span = (len + huge - 1) & ~(huge - 1);
    if (!(*block = dusk_malloc(span + huge)))
        return NULL;
    void *a = (void *)(((uintptr_t)*block + huge - 1) & ~(uintptr_t)(huge - 1));
    dusk__advise_huge(a, span);
    return a;
}

/* Makes the log and its undo arrays hold cap events; 0 on out of memory
 * (then nothing is lost: each array is at least as long as log_cap). */
static int reserve_log(dusk_viewer *v, size_t cap)
{
    dusk_event *l = dusk_realloc(v->log, cap * sizeof *l);
    if (!l)
        return 0;
    v->log = l;
    dusk__advise_huge(l, cap * sizeof *l);
    uint8_t *us = dusk_realloc(v->undo_state, cap);
    if (!us)
        return 0;
    v->undo_state = us;
    int64_t *uw = dusk_realloc(v->undo_worker, cap * sizeof *uw);
    if (!uw)
        return 0;
    v->undo_worker = uw;
    dusk__advise_huge(uw, cap * sizeof *uw);
    v->log_cap = cap;
    return 1;
}

static inline size_t log_event(dusk_viewer *v, const dusk_event *ev, uint64_t t_ns);

/* The pump's clock: dusk_now_ns, or a test's. */
static inline uint64_t pump_now(const dusk_viewer *v)
{
    return v->pump_clock ? v->pump_clock(v->pump_clock_ud) : dusk_now_ns();
}

/* Whether a bounded pump that has just done step i of a loop must stop
 * (deadline 0: unbounded); the clock is read every 4,096 steps. */
static inline int due(const dusk_viewer *v, uint64_t deadline, size_t i)
{
    return deadline && (i & 4095u) == 4095u && pump_now(v) >= deadline;
}

/* A new run of plan (its reference handed over; NULL: the current plan
 * again) at the RUN_BEGIN ev, epoch its t = 0 (0: not live): laid out by
 * begin_work, until which the viewer shows no run and applies no event.
 * made: a start callback's entry whose layout and states (taken from it)
 * are the plan's, or NULL. */
enum { B_LAYOUT, B_ARRAYS, B_WAITING };

static void begin_open(dusk_viewer *v, const dusk_plan *plan, const dusk_event *ev,
                       uint64_t epoch, dusk__pending *made)
{
    if (plan) {
        dusk_plan_unref(v->plan);
        v->plan = plan;
    }
    clear_run(v);
    v->layout_ns = made ? made->layout_ns : 0;
    v->events++;
    v->begin_ev = *ev;
    v->begin_epoch = epoch;
    v->begin_phase = 0;
    v->begin_i = 0;
    v->begin_pending = 1;
    if (made && made->state) {
        v->begin_layout = made->layout;
        memset(&made->layout, 0, sizeof made->layout);
        v->begin_state = made->state;
        v->begin_counts = made->layer_counts;
        made->state = NULL;
        made->layer_counts = NULL;
        v->begin_phase = B_ARRAYS;
    }
}

/* Goes on with the pending RUN_BEGIN until deadline (0: none): the plan
 * laid out, every task WAITING. 1 once the run has begun (on failure, with
 * no states: its events are then counted as unplaced), 0 if the deadline
 * came first. */
static int begin_work(dusk_viewer *v, uint64_t deadline)
{
    dusk__layout *L = &v->begin_layout;
    const dusk_event *ev = &v->begin_ev;
    if (!v->plan)
        goto begun;
    if (v->begin_phase == B_LAYOUT) {
        dusk_error err = DUSK_ERROR_INIT;
        v->begin_job.now = v->pump_clock;
        v->begin_job.now_ud = v->pump_clock_ud;
        int rc = dusk__layout_job_run(L, &v->begin_job, v->plan, v->opts.layer_view_threshold,
                                      deadline, &err);
        if (rc == 1)
            return 0;
        if (rc != 0)
            goto begun;
        /* small runs: Graphviz's positions (the layered ones stay if it fails) */
        dusk__layout_graphviz(L, v->plan, v->opts.graphviz_threshold, NULL);
        v->begin_phase = B_ARRAYS;
    }
    if (v->begin_phase == B_ARRAYS) {
        size_t ng = L->ngraph;
        int made = v->begin_state != NULL;   /* every task WAITING already */
        if (made) {
            v->layer_counts = v->begin_counts;
            v->begin_counts = NULL;
        } else {
            v->begin_state = dusk_malloc(ng ? ng : 1);
            v->layer_counts = dusk_calloc(L->nlayers * DUSK_TASK_NSTATES + 1,
                                          sizeof *v->layer_counts);
        }
        /* workers past DUSK__MAX_WORKERS (a corrupt RUN_BEGIN, say) are not
         * followed; their tasks' states still are */
        size_t nw = ev->status > 0 ? (size_t)ev->status : 0;
        if (nw > DUSK__MAX_WORKERS)
            nw = DUSK__MAX_WORKERS;
        v->worker_task = dusk_malloc((nw ? nw : 1) * sizeof *v->worker_task);
        v->t_start = dusk_calloc(ng ? ng : 1, sizeof *v->t_start);
        v->t_end = dusk_calloc(ng ? ng : 1, sizeof *v->t_end);
        v->worker_of = dusk_malloc((ng ? ng : 1) * sizeof *v->worker_of);
        if (!v->begin_state || !v->layer_counts || !v->worker_task || !v->t_start ||
            !v->t_end || !v->worker_of) {
            clear_run(v);
            goto begun;
        }
        if (!made)
            memset(v->begin_state, 0xff, ng);                   /* 0xff: not in the plan */
        memset(v->worker_of, 0xff, ng * sizeof *v->worker_of);   /* -1: no worker */
        v->nworkers = nw;
        for (size_t w = 0; w < nw; w++)
            v->worker_task[w] = -1;
        v->begin_phase = B_WAITING;
        v->begin_i = made ? L->ntasks : 0;
    }
    for (size_t i = v->begin_i; i < L->ntasks; i++) {
        int64_t t = L->order[i];
        v->begin_state[t] = DUSK_TASK_WAITING;
        v->layer_counts[(size_t)L->layer[t] * DUSK_TASK_NSTATES + DUSK_TASK_WAITING]++;
        if (due(v, deadline, i)) {
            v->begin_i = i + 1;
            return 0;
        }
    }
    v->counts[DUSK_TASK_WAITING] = L->ntasks;
    /* A run has at most four events a task (READY, START, END or ERROR,
     * RELEASED) and two of its own: room for all of them now, rather than
     * copying the log as it doubles in the middle of a run. */
    size_t need = 4 * L->ntasks + 2;
    if (need > v->log_cap)
        reserve_log(v, need);   /* on failure, the log grows as it goes */
    /* the run's from here on */
    dusk__layout_free(&v->layout);
    v->layout = *L;
    memset(L, 0, sizeof *L);
    v->state = v->begin_state;
    v->begin_state = NULL;
begun:
    v->begin_pending = 0;
    v->t0 = ev->t_ns;
    log_event(v, ev, ev->t_ns);
    v->shown = v->nlog;
    v->epoch = v->begin_epoch;
    return 1;
}

static inline void add_held(dusk_viewer *v, uint64_t t, uint64_t held)
{
    if (v->nheld && v->held[v->nheld - 1].held == held)
        return;
    if (v->nheld == v->held_cap) {
        size_t cap = v->held_cap ? 2 * v->held_cap : 256;
        dusk_held_point *h = dusk_realloc(v->held, cap * sizeof *h);
        if (!h)
            return;   /* the curve loses a point; the states do not */
        v->held = h;
        size_t *hl = dusk_realloc(v->held_log, cap * sizeof *hl);
        if (!hl)
            return;
        v->held_log = hl;
        v->held_cap = cap;
    }
    v->held_log[v->nheld] = v->nlog;   /* the event that moved it is logged */
    v->held[v->nheld++] = (dusk_held_point){t, held};
    if (held > v->held_peak)
        v->held_peak = held;
}

/* Keeps ev, at time t_ns, in the run's log and returns its index; on out
 * of memory the log stops growing (the states still follow while followed)
 * and the event counts as unplaced: SIZE_MAX. */
static inline size_t log_event(dusk_viewer *v, const dusk_event *ev, uint64_t t_ns)
{
    if (v->nlog == v->log_cap && !reserve_log(v, v->log_cap ? 2 * v->log_cap : 4096)) {
        v->unplaced++;
        return SIZE_MAX;
    }
    dusk_event *e = &v->log[v->nlog];
    *e = *ev;
    e->t_ns = t_ns;
    return v->nlog++;
}

static const uint8_t to_state[] = {
    [DUSK_EV_READY] = DUSK_TASK_READY,     [DUSK_EV_START] = DUSK_TASK_RUNNING,
    [DUSK_EV_END] = DUSK_TASK_MEMORY,      [DUSK_EV_ERROR] = DUSK_TASK_ERRED,
    [DUSK_EV_RELEASED] = DUSK_TASK_RELEASED};

static inline int is_task_event(int32_t kind)
{
    return kind >= DUSK_EV_READY && kind <= DUSK_EV_RELEASED;
}

/* Whether ev moves its worker's current task (a worker the viewer follows). */
static inline int moves_worker(const dusk_viewer *v, const dusk_event *ev)
{
    return ev->worker >= 0 && (size_t)ev->worker < v->nworkers &&
           (ev->kind == DUSK_EV_START || ev->kind == DUSK_EV_END || ev->kind == DUSK_EV_ERROR);
}

static inline void move_task(dusk_viewer *v, int64_t t, int from, int to)
{
    v->state[t] = (uint8_t)to;
    v->counts[from]--;
    v->counts[to]++;
    uint32_t *lc = v->layer_counts + (size_t)v->layout.layer[t] * DUSK_TASK_NSTATES;
    lc[from]--;
    lc[to]++;
}

/* Applies the task event ev (of a task in the plan) to the states, keeping
 * what it overwrites in *us and *uw. */
static inline void change(dusk_viewer *v, const dusk_event *ev, uint8_t *us, int64_t *uw)
{
    int64_t t = ev->task;
    int from = v->state[t];
    *us = (uint8_t)from;
    move_task(v, t, from, to_state[ev->kind]);
    if (moves_worker(v, ev)) {
        int64_t *wt = &v->worker_task[ev->worker];
        *uw = *wt;
        if (ev->kind == DUSK_EV_START)
            *wt = t;
        else if (*wt == t)
            *wt = -1;
    }
}

/* log[i] applied to the states: shown goes from i to i + 1. */
static inline void step(dusk_viewer *v, size_t i)
{
    const dusk_event *ev = &v->log[i];
    if (is_task_event(ev->kind))
        change(v, ev, &v->undo_state[i], &v->undo_worker[i]);
}

/* log[i] undone: shown goes from i + 1 to i. */
static inline void unstep(dusk_viewer *v, size_t i)
{
    const dusk_event *ev = &v->log[i];
    if (!is_task_event(ev->kind))
        return;
    move_task(v, ev->task, v->state[ev->task], v->undo_state[i]);
    if (moves_worker(v, ev))
        v->worker_task[ev->worker] = v->undo_worker[i];
}

/* Shows the log's events at or before t (absolute, as the log's times):
 * forward applies, backward undoes; never before the RUN_BEGIN. */
static void move_to(dusk_viewer *v, uint64_t t)
{
    while (v->shown < v->nlog && v->log[v->shown].t_ns <= t) {
        step(v, v->shown);
        v->shown++;
    }
    while (v->shown > 1 && v->log[v->shown - 1].t_ns > t) {
        v->shown--;
        unstep(v, v->shown);
    }
}

/* A RUN_BEGIN of plan (a reference handed over, or NULL). */
uint64_t dusk__view_now(const dusk_viewer *v)
{
    uint64_t last = v->shown ? v->log[v->shown - 1].t_ns : v->t0;
    if (!v->epoch || !v->follow || v->run_over)
        return last;
    uint64_t now = dusk_now_ns();
    return now > v->epoch && now - v->epoch > last ? now - v->epoch : last;
}

/* A RUN_BEGIN: the oldest plan a start callback queued (else set_plan's,
 * else the last one again), laid out until deadline (0: none), the rest
 * by later begin_work calls. Out of apply's way: once a run. */
static __attribute__((noinline)) void apply_begin(dusk_viewer *v, const dusk_event *ev,
                                                  uint64_t deadline)
{
    dusk__pending *p = pop_pending(v);
    const dusk_plan *plan = NULL;
    uint64_t epoch = 0;
    if (p) {
        plan = p->plan;
        p->plan = NULL;
        epoch = p->epoch;
    } else if (v->next_plan) {
        plan = v->next_plan;
        v->next_plan = NULL;
    }
    begin_open(v, plan, ev, epoch, p);
    pending_free(p);
    begin_work(v, deadline);
}

static __attribute__((noinline)) void apply_end(dusk_viewer *v, const dusk_event *ev, uint64_t tn)
{
    v->run_over = 1;
    v->run_status = ev->status;
    log_event(v, ev, tn);
    add_held(v, tn, ev->held);
    if (v->follow)
        v->shown = v->nlog;
}

/* Applies ev (a RUN_BEGIN: see apply_begin). Inlined in the pump's loop:
 * it runs once an event. */
static inline __attribute__((always_inline)) void apply(dusk_viewer *v, const dusk_event *ev,
                                                        uint64_t deadline)
{
    if (ev->kind == DUSK_EV_RUN_BEGIN) {
        apply_begin(v, ev, deadline);
        return;
    }
    v->events++;
    /* the log's times never go back (the stream's do not either; fed
     * events might) */
    uint64_t tn = ev->t_ns;
    if (v->nlog && tn < v->log[v->nlog - 1].t_ns)
        tn = v->log[v->nlog - 1].t_ns;
    if (ev->kind == DUSK_EV_RUN_END) {
        apply_end(v, ev, tn);
        return;
    }
    if (!is_task_event(ev->kind)) {
        v->unplaced++;
        return;
    }
    int64_t t = ev->task;
    if (!v->state || t < 0 || (uint64_t)t >= v->layout.ngraph || v->state[t] == 0xff) {
        v->unplaced++;
        return;
    }
    size_t i = log_event(v, ev, tn);
    if (v->follow) {
        if (i != SIZE_MAX) {
            change(v, &v->log[i], &v->undo_state[i], &v->undo_worker[i]);
            v->shown = v->nlog;
        } else {
            uint8_t us;
            int64_t uw;
            change(v, ev, &us, &uw);
        }
    }
    if (ev->kind == DUSK_EV_START) {
        v->t_start[t] = tn;
        v->worker_of[t] = ev->worker;
    } else if (ev->kind == DUSK_EV_END || ev->kind == DUSK_EV_ERROR) {
        v->t_end[t] = tn;
    }
    add_held(v, tn, ev->held);
}

/* Finishes what a bounded pump left: the RUN_BEGIN being laid out, and
 * the events drained after it. */
static void catch_up(dusk_viewer *v)
{
    if (v->begin_pending)
        begin_work(v, 0);
    while (v->batch_i < v->batch_n)
        apply(v, &v->batch[v->batch_i++], 0);
}

/* A bounded pump works in slices of PUMP_SLICE_NS and yields its core
 * between them (sched_yield): on a machine whose cores the run's workers
 * fill, a worker the UI thread took the core from (perhaps holding the
 * run's lock, which the others then wait for) gets it back within a
 * slice rather than after the whole budget; on an idle one the yield
 * returns at once. */
#define PUMP_SLICE_NS 100000u

typedef struct pump_clock {
    dusk_viewer *v;                 /* its clock, and its count of yields */
    uint64_t deadline, slice_end;   /* deadline 0: unbounded */
} pump_clock;

/* The end of the current slice (0: unbounded). */
static inline uint64_t slice_of(const pump_clock *c)
{
    return c->deadline && c->slice_end < c->deadline ? c->slice_end : c->deadline;
}

/* 1 once the pump's time is spent; at the end of a slice, yields. */
static int spent(pump_clock *c)
{
    uint64_t now = pump_now(c->v);
    if (now >= c->deadline)
        return 1;
    if (now >= c->slice_end) {
        sched_yield();
        c->v->pump_yields++;
        c->slice_end = pump_now(c->v) + PUMP_SLICE_NS;
    }
    return 0;
}

size_t dusk_viewer_pump_for(dusk_viewer *v, uint64_t max_ns)
{
    if (!v)
        return 0;
    pump_clock c = {v, 0, 0};
    if (max_ns) {
        uint64_t now = pump_now(v);
        c.deadline = now + max_ns < now ? UINT64_MAX : now + max_ns;
        c.slice_end = now + PUMP_SLICE_NS;
    }
    size_t total = 0;
    int last = 0;   /* this call drained what the stream held */
    for (;;) {
        while (v->begin_pending && !begin_work(v, slice_of(&c)))
            if (spent(&c))
                return total;
        while (v->batch_i < v->batch_n) {
            apply(v, &v->batch[v->batch_i++], slice_of(&c));
            total++;
            if (v->begin_pending)
                break;   /* laid out in part: go on with it above */
            if (c.deadline && (v->batch_i & 1023u) == 0 && spent(&c))
                return total;
        }
        if (v->begin_pending)
            continue;
        /* at least one slice of events a call, unless the stream is empty */
        if (last || (c.deadline && total && spent(&c)))
            return total;
        v->batch_n = dusk_stream_drain(v->stream, v->batch, DUSK__BATCH);
        v->batch_i = 0;
        last = v->batch_n < DUSK__BATCH;
        if (!v->batch_n)
            return total;
    }
}

size_t dusk_viewer_pump(dusk_viewer *v)
{
    return dusk_viewer_pump_for(v, 0);
}

uint64_t dusk_viewer_backlog(const dusk_viewer *v)
{
    if (!v)
        return 0;
    uint64_t appended = dusk_stream_appended(v->stream);
    return appended > v->events ? appended - v->events : 0;
}

int dusk_viewer_set_plan(dusk_viewer *v, const dusk_plan *plan, dusk_error *err)
{
    if (!v)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viewer_set_plan: v is NULL");
    if (!plan)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viewer_set_plan: plan is NULL");
    dusk_plan_unref(v->next_plan);
    v->next_plan = dusk_plan_ref(plan);
    return 0;
}

int dusk_viewer_feed(dusk_viewer *v, const dusk_event *ev, size_t n)
{
    if (!v || (!ev && n))
        return DUSK_EINVAL;
    catch_up(v);   /* in order after what a bounded pump left */
    for (size_t i = 0; i < n; i++)
        apply(v, &ev[i], 0);
    return 0;
}

/* --- reading ------------------------------------------------------------------------ */

int dusk_viewer_state(const dusk_viewer *v, int64_t task)
{
    if (!v || !v->state || task < 0 || (uint64_t)task >= v->layout.ngraph ||
        v->state[task] == 0xff)
        return -1;
    return v->state[task];
}

size_t dusk_viewer_count(const dusk_viewer *v, int state)
{
    return v && state >= 0 && state < DUSK_TASK_NSTATES ? v->counts[state] : 0;
}

int64_t dusk_viewer_worker_task(const dusk_viewer *v, int worker)
{
    return v && worker >= 0 && (size_t)worker < v->nworkers ? v->worker_task[worker] : -1;
}

uint64_t dusk_viewer_events(const dusk_viewer *v)
{
    return v ? v->events : 0;
}

uint64_t dusk_viewer_unplaced(const dusk_viewer *v)
{
    return v ? v->unplaced : 0;
}

uint64_t dusk_viewer_layout_ns(const dusk_viewer *v)
{
    return v ? v->layout_ns : 0;
}

size_t dusk_viewer_held(const dusk_viewer *v, const dusk_held_point **pts, uint64_t *peak)
{
    if (pts)
        *pts = v ? v->held : NULL;
    if (peak)
        *peak = v ? v->held_peak : 0;
    return v ? dusk__held_at(v) : 0;
}

size_t dusk_viewer_nlayers(const dusk_viewer *v)
{
    return v && v->state ? v->layout.nlayers : 0;
}

int dusk_viewer_layer_view(const dusk_viewer *v)
{
    return v && v->state ? v->layout.layer_view : 0;
}

int dusk_viewer_node(const dusk_viewer *v, int64_t task, dusk_view_rect *r)
{
    if (!v || !r || dusk_viewer_state(v, task) < 0)
        return DUSK_EINVAL;
    const dusk__layout *L = &v->layout;
    size_t k = L->layer_view ? (size_t)L->layer[task] : (size_t)task;
    *r = (dusk_view_rect){L->x[k], L->y[k], 1.0f, 1.0f};
    return 0;
}

/* --- time: scrubbing and playback -------------------------------------------------- */

size_t dusk__points_upto(const dusk_held_point *p, size_t n, uint64_t t)
{
    size_t lo = 0, hi = n;   /* the first point after t */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].t_ns <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t dusk__held_at(const dusk_viewer *v)
{
    if (v->follow)
        return v->nheld;
    size_t lo = 0, hi = v->nheld;   /* the first point of an event not shown */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->held_log[mid] <= v->shown)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t dusk__rss_at(const dusk_viewer *v)
{
    return v->follow ? v->nrss : dusk__points_upto(v->rss, v->nrss, v->cursor);
}

void dusk__show(dusk_viewer *v, size_t k)
{
    if (!v->nlog)
        return;
    if (k < 1)
        k = 1;
    if (k > v->nlog)
        k = v->nlog;
    while (v->shown < k) {
        step(v, v->shown);
        v->shown++;
    }
    while (v->shown > k) {
        v->shown--;
        unstep(v, v->shown);
    }
    v->follow = 0;
    v->cursor = v->log[k - 1].t_ns - v->t0;
}

void dusk__begin_with(dusk_viewer *v, const dusk_plan *plan, const dusk_event *begin)
{
    catch_up(v);
    begin_open(v, dusk_plan_ref(plan), begin, 0, NULL);
    begin_work(v, 0);
}

uint64_t dusk_viewer_duration(const dusk_viewer *v)
{
    return v && v->nlog ? v->log[v->nlog - 1].t_ns - v->t0 : 0;
}

uint64_t dusk_viewer_time(const dusk_viewer *v)
{
    if (!v)
        return 0;
    return v->follow ? dusk_viewer_duration(v) : v->cursor;
}

void dusk_viewer_follow(dusk_viewer *v)
{
    if (!v)
        return;
    move_to(v, UINT64_MAX);
    v->follow = 1;
    v->cursor = 0;
    v->carry = 0;
}

int dusk_viewer_seek(dusk_viewer *v, uint64_t t_ns)
{
    if (!v)
        return DUSK_EINVAL;
    if (t_ns >= dusk_viewer_duration(v)) {
        dusk_viewer_follow(v);
        return 0;
    }
    move_to(v, v->t0 + t_ns);   /* below the log's last time: no overflow */
    v->follow = 0;
    v->cursor = t_ns;
    return 0;
}

int dusk_viewer_set_speed(dusk_viewer *v, double speed)
{
    if (!v || isnan(speed))
        return DUSK_EINVAL;
    v->speed = speed;
    v->carry = 0;
    return 0;
}

int dusk_viewer_advance(dusk_viewer *v, uint64_t wall_dt_ns)
{
    if (!v || !v->nlog || v->speed == 0 || wall_dt_ns == 0)
        return 0;   /* (0 x an infinite speed would be NaN) */
    uint64_t now = dusk_viewer_time(v), end = dusk_viewer_duration(v), to;
    /* the fraction of a ns left over carries to the next frame, so that
     * slow motion (0.001 x 1 ms) still moves */
    double d = v->speed * (double)wall_dt_ns + v->carry;
    if (d >= 0) {
        if (d >= (double)(end - now)) {
            to = end;
            v->carry = 0;
        } else {
            uint64_t w = (uint64_t)d;
            v->carry = d - (double)w;
            to = now + w;
        }
    } else {
        if (-d >= (double)now) {
            to = 0;
            v->carry = 0;
        } else {
            uint64_t w = (uint64_t)-d;
            v->carry = d + (double)w;
            to = now - w;
        }
    }
    double carry = v->carry;
    dusk_viewer_seek(v, to);   /* the end: follow */
    v->carry = carry;
    if (v->speed > 0)
        return to < end || !v->run_over;
    return to > 0;
}
