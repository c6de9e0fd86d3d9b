/*
** dusk gui — the viewer's model: plans handed over, events applied
**
** Two threads meet here. The run's thread calls `start`, which takes a
** reference to the plan and appends it to v->pending under v->mu (a few
** instructions; the UI thread holds mu no longer), and appends events to
** the core's lossless dusk_stream, which never waits for its consumer.
** The UI thread calls dusk_viewer_pump, which drains the stream in
** batches of DUSK__BATCH and applies each event: a RUN_BEGIN adopts the
** oldest pending plan (start is called before the run's RUN_BEGIN is
** appended, so the plan is always there first), lays it out and sets
** every task WAITING; READY, START, END, ERROR and RELEASED move one task
** and the per-state and per-layer counts; START and END/ERROR also set
** the worker's current task; a change of `held` adds a point to the curve.
** Applying an event is a handful of loads and stores: no allocation but
** the curve's doubling, no lock.
*/
#include <stdlib.h>
#include <string.h>

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
    dusk_free(v->state);
    dusk_free(v->layer_counts);
    dusk_free(v->worker_task);
    dusk_free(v->held);
    v->state = NULL;
    v->layer_counts = NULL;
    v->worker_task = NULL;
    v->held = NULL;
    v->nworkers = v->nheld = v->held_cap = 0;
    v->held_peak = 0;
    memset(v->counts, 0, sizeof v->counts);
    dusk__layout_free(&v->layout);
}

void dusk_viewer_free(dusk_viewer *v)
{
    if (!v)
        return;
    clear_run(v);
    dusk__render_free(v->render);
    for (dusk__pending *p = v->pending, *next; p; p = next) {
        next = p->next;
        dusk_plan_unref(p->plan);
        dusk_free(p);
    }
    dusk_plan_unref(v->plan);
    dusk_plan_unref(v->next_plan);
    pthread_mutex_destroy(&v->mu);
    dusk__control_fini(v);
    dusk_stream_free(v->stream);
    dusk_free(v->batch);
    dusk_free(v);
}

/* --- the run's side ---------------------------------------------------------- */

static void cb_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    dusk_viewer *v = ud;
    (void)ntasks;
    dusk__pending *p = dusk_malloc(sizeof *p);
    pthread_mutex_lock(&v->mu);
    if (p) {
        p->next = NULL;
        p->plan = dusk_plan_ref(plan);
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

/* The oldest plan a start callback queued, or NULL. */
static const dusk_plan *pop_pending(dusk_viewer *v)
{
    pthread_mutex_lock(&v->mu);
    dusk__pending *p = v->pending;
    if (p) {
        v->pending = p->next;
        if (!v->pending)
            v->pending_tail = NULL;
    }
    pthread_mutex_unlock(&v->mu);
    if (!p)
        return NULL;
    const dusk_plan *plan = p->plan;
    dusk_free(p);
    return plan;
}

/* A new run: adopt its plan, lay it out, every task WAITING. On failure
 * the run's events are counted as unplaced. */
static void begin_run(dusk_viewer *v, const dusk_event *ev)
{
    const dusk_plan *plan = pop_pending(v);
    if (!plan && v->next_plan) {
        plan = v->next_plan;
        v->next_plan = NULL;
    }
    if (plan) {
        dusk_plan_unref(v->plan);
        v->plan = plan;
    }
    clear_run(v);
    if (!v->plan)
        return;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk__layout_build(&v->layout, v->plan, v->opts.layer_view_threshold, &err) != 0)
        return;
    size_t ng = v->layout.ngraph;
    v->state = dusk_malloc(ng ? ng : 1);
    v->layer_counts = dusk_calloc(v->layout.nlayers * DUSK_TASK_NSTATES + 1, sizeof *v->layer_counts);
    /* workers past DUSK__MAX_WORKERS (a corrupt RUN_BEGIN, say) are not
     * followed; their tasks' states still are */
    size_t nw = ev->status > 0 ? (size_t)ev->status : 0;
    if (nw > DUSK__MAX_WORKERS)
        nw = DUSK__MAX_WORKERS;
    v->worker_task = dusk_malloc((nw ? nw : 1) * sizeof *v->worker_task);
    if (!v->state || !v->layer_counts || !v->worker_task) {
        clear_run(v);
        return;
    }
    memset(v->state, 0xff, ng);   /* 0xff: not in the plan */
    for (size_t i = 0; i < v->layout.ntasks; i++) {
        int64_t t = v->layout.order[i];
        v->state[t] = DUSK_TASK_WAITING;
        v->layer_counts[(size_t)v->layout.layer[t] * DUSK_TASK_NSTATES + DUSK_TASK_WAITING]++;
    }
    v->counts[DUSK_TASK_WAITING] = v->layout.ntasks;
    v->nworkers = nw;
    for (size_t w = 0; w < nw; w++)
        v->worker_task[w] = -1;
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
        v->held_cap = cap;
    }
    v->held[v->nheld++] = (dusk_held_point){t, held};
    if (held > v->held_peak)
        v->held_peak = held;
}

static inline void apply(dusk_viewer *v, const dusk_event *ev)
{
    static const int8_t to_state[] = {
        [DUSK_EV_READY] = DUSK_TASK_READY,     [DUSK_EV_START] = DUSK_TASK_RUNNING,
        [DUSK_EV_END] = DUSK_TASK_MEMORY,      [DUSK_EV_ERROR] = DUSK_TASK_ERRED,
        [DUSK_EV_RELEASED] = DUSK_TASK_RELEASED};
    v->events++;
    switch (ev->kind) {
    case DUSK_EV_RUN_BEGIN:
        begin_run(v, ev);
        return;
    case DUSK_EV_RUN_END:
        add_held(v, ev->t_ns, ev->held);
        return;
    case DUSK_EV_READY: case DUSK_EV_START: case DUSK_EV_END:
    case DUSK_EV_ERROR: case DUSK_EV_RELEASED:
        break;
    default:
        v->unplaced++;
        return;
    }
    int64_t t = ev->task;
    if (!v->state || t < 0 || (uint64_t)t >= v->layout.ngraph || v->state[t] == 0xff) {
        v->unplaced++;
        return;
    }
    int from = v->state[t], to = to_state[ev->kind];
    v->state[t] = (uint8_t)to;
    v->counts[from]--;
    v->counts[to]++;
    uint32_t *lc = v->layer_counts + (size_t)v->layout.layer[t] * DUSK_TASK_NSTATES;
    lc[from]--;
    lc[to]++;
    if (ev->worker >= 0 && (size_t)ev->worker < v->nworkers) {
        if (ev->kind == DUSK_EV_START)
            v->worker_task[ev->worker] = t;
        else if ((ev->kind == DUSK_EV_END || ev->kind == DUSK_EV_ERROR) &&
                 v->worker_task[ev->worker] == t)
            v->worker_task[ev->worker] = -1;
    }
    add_held(v, ev->t_ns, ev->held);
}

size_t dusk_viewer_pump(dusk_viewer *v)
{
    if (!v)
        return 0;
    size_t total = 0, n;
    do {
        n = dusk_stream_drain(v->stream, v->batch, DUSK__BATCH);
        for (size_t i = 0; i < n; i++)
            apply(v, &v->batch[i]);
        total += n;
    } while (n == DUSK__BATCH);
    return total;
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
    for (size_t i = 0; i < n; i++)
        apply(v, &ev[i]);
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

size_t dusk_viewer_held(const dusk_viewer *v, const dusk_held_point **pts, uint64_t *peak)
{
    if (pts)
        *pts = v ? v->held : NULL;
    if (peak)
        *peak = v ? v->held_peak : 0;
    return v ? v->nheld : 0;
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
    float step = 1.0f + DUSK__GAP;
    float x = (float)L->layer[task] * step;
    if (L->layer_view)
        *r = (dusk_view_rect){x, 0.0f, 1.0f, 1.0f};
    else
        *r = (dusk_view_rect){x, (float)L->slot[task] * step, 1.0f, 1.0f};
    return 0;
}
