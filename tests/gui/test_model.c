/*
** dusk tests — the viewer's model and layout (gui/model.c, gui/layout.c)
**
** Runs recorded from a plain stream are replayed into a viewer event by
** event, and the states, counts and workers' tasks are checked at chosen
** points against what the events say; a 100,000-task run on the threads
** scheduler is pumped live from this thread while it runs (TSan watches
** the hand-off) and must lose no event; layouts of random DAGs are checked
** edge by edge.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk/gui.h"
#include "gui/gui.h"
#include "helpers.h"

/* Runs key of g with a plain stream and returns every event (malloc'd). */
static dusk_event *record(dusk_graph *g, const char *key, dusk_sched_kind k, int workers,
                          size_t *n)
{
    dusk_stream *s = dusk_stream_new();
    dusk_options o = opts_of(k, workers);
    o.stream = s;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_get(g, key, &o, &v, &err), 0);
    dusk_value_unref(v);
    size_t cap = (size_t)dusk_stream_appended(s);
    dusk_event *ev = malloc((cap + 1) * sizeof *ev);
    *n = dusk_stream_drain(s, ev, cap);
    assert_int_equal(*n, cap);
    dusk_stream_free(s);
    return ev;
}

static int64_t id_of(dusk_graph *g, const char *key)
{
    int64_t id = dusk_graph_find(g, key);
    assert_true(id >= 0);
    return id;
}

static size_t total(const dusk_viewer *v)
{
    size_t sum = 0;
    for (int s = 0; s < DUSK_TASK_NSTATES; s++)
        sum += dusk_viewer_count(v, s);
    return sum;
}

static void test_replay_lecture(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    size_t n;
    dusk_event *ev = record(g, "z", DUSK_SCHED_SYNC, 1, &n);
    const char *keys[] = {"z"};
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, 1, &plan, &err), 0);
    size_t nt = dusk_plan_ntasks(plan);
    assert_int_equal(nt, 5);

    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);   /* the viewer holds its own reference */
    int64_t z = id_of(g, "z"), b = id_of(g, "b"), y = id_of(g, "y");
    int saw_z_running = 0, saw_b_memory_z_waiting = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(dusk_viewer_feed(v, &ev[i], 1), 0);
        if (ev[i].kind == DUSK_EV_RUN_BEGIN) {
            assert_int_equal(dusk_viewer_count(v, DUSK_TASK_WAITING), 5);
            assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_WAITING);
        }
        if (ev[i].kind == DUSK_EV_END && ev[i].task == b &&
            dusk_viewer_state(v, y) != DUSK_TASK_MEMORY) {
            /* b done, y not yet: z still waits for y */
            assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_WAITING);
            assert_int_equal(dusk_viewer_state(v, b), DUSK_TASK_MEMORY);
            saw_b_memory_z_waiting = 1;
        }
        if (ev[i].kind == DUSK_EV_START && ev[i].task == z) {
            assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_RUNNING);
            assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RUNNING), 1);
            assert_int_equal(dusk_viewer_worker_task(v, ev[i].worker), z);
            assert_int_equal(dusk_viewer_state(v, b), DUSK_TASK_MEMORY);
            assert_int_equal(dusk_viewer_state(v, y), DUSK_TASK_MEMORY);
            saw_z_running = 1;
        }
        if (ev[i].kind == DUSK_EV_END && ev[i].task == z)
            assert_int_equal(dusk_viewer_worker_task(v, ev[i].worker), -1);
        assert_int_equal(total(v), 5);   /* every task in exactly one state */
    }
    assert_true(saw_z_running);
    assert_true(saw_b_memory_z_waiting);
    /* the end: the requested key in memory, every other result released */
    assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_MEMORY);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_MEMORY), 1);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RELEASED), 4);
    assert_int_equal(dusk_viewer_events(v), n);
    assert_int_equal(dusk_viewer_unplaced(v), 0);
    const dusk_held_point *pts;
    uint64_t peak;
    size_t np = dusk_viewer_held(v, &pts, &peak);
    assert_true(np >= 2);
    for (size_t i = 1; i < np; i++) {
        assert_true(pts[i].t_ns >= pts[i - 1].t_ns);
        assert_true(pts[i].held != pts[i - 1].held);   /* one point per change */
        assert_true(pts[i].held <= peak);
    }
    assert_int_equal(pts[np - 1].held, ev[n - 1].held);

    /* bad events are counted, not applied */
    dusk_event bad[] = {{.kind = DUSK_EV_END, .task = 1000000, .worker = 0},
                        {.kind = DUSK_EV_START, .task = -5, .worker = 0},
                        {.kind = 99, .task = z, .worker = 0}};
    assert_int_equal(dusk_viewer_feed(v, bad, 3), 0);
    assert_int_equal(dusk_viewer_unplaced(v), 3);
    assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_MEMORY);
    assert_int_equal(dusk_viewer_feed(v, NULL, 1), DUSK_EINVAL);
    /* a RUN_BEGIN claiming 2^31 - 1 workers: the run still shows */
    dusk_event huge = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = INT32_MAX};
    dusk_event start = {.kind = DUSK_EV_START, .task = z, .worker = 70000};
    assert_int_equal(dusk_viewer_feed(v, &huge, 1), 0);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_WAITING), 5);
    assert_int_equal(dusk_viewer_feed(v, &start, 1), 0);
    assert_int_equal(dusk_viewer_state(v, z), DUSK_TASK_RUNNING);
    assert_int_equal(dusk_viewer_worker_task(v, 70000), -1);
    dusk_viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* A failing task shows as ERRED, through the callbacks and the stream. */
static void test_erred(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "a", &dusk_inc, dusk_lit_str("not a number")), 0);
    assert_int_equal(dusk_task(g, "b", &dusk_inc, dusk_ref("a")), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_true(dusk_get(g, "b", &o, &out, &err) != 0);
    assert_true(dusk_viewer_pump(v) > 0);
    assert_int_equal(dusk_viewer_state(v, id_of(g, "a")), DUSK_TASK_ERRED);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_ERRED), 1);
    assert_int_equal(dusk_viewer_unplaced(v), 0);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

typedef struct {
    dusk_graph *g;
    const char *root;
    dusk_options o;
    int rc;
    _Atomic int done;
} bg_run;

static void *run_thread(void *arg)
{
    bg_run *r = arg;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    r->rc = dusk_get(r->g, r->root, &r->o, &out, &err);
    dusk_value_unref(out);
    atomic_store(&r->done, 1);
    return NULL;
}

/* 100,000+ tasks on two worker threads, pumped live, then again pumped
 * once at the end: nothing lost, and two runs in a row through one viewer
 * each start afresh. */
static void test_lossless_live(void **state)
{
    (void)state;
    bg_run r = {0};
    r.g = tree_graph(50001, &r.root);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    r.o = opts_of(DUSK_SCHED_THREADS, 2);
    r.o.callbacks = &cb;
    r.o.ncallbacks = 1;
    r.o.stream = dusk_viewer_stream(v);
    for (int run = 0; run < 2; run++) {
        atomic_store(&r.done, 0);
        pthread_t th;
        /* counted before the run starts: read after, it may hold some of
         * the run's events already */
        uint64_t before = dusk_stream_appended(r.o.stream);
        assert_int_equal(pthread_create(&th, NULL, run_thread, &r), 0);
        size_t pumped = 0, pumps = 0;
        /* the first run is pumped while it runs, the second only once it
         * has ended: one pump then takes all its events */
        while (run == 0 && !atomic_load(&r.done)) {
            size_t got = dusk_viewer_pump(v);
            pumped += got;
            pumps++;
            if (!got)
                sleep_ms(1);   /* as a window between frames */
        }
        pthread_join(th, NULL);
        assert_int_equal(r.rc, 0);
        pumped += dusk_viewer_pump(v);
        assert_int_equal(pumped, dusk_stream_appended(r.o.stream) - before);
        size_t nt = total(v);
        assert_true(nt >= 100000);
        assert_int_equal(dusk_viewer_events(v), dusk_stream_appended(r.o.stream));
        assert_int_equal(dusk_stream_lost(r.o.stream), 0);
        assert_int_equal(dusk_viewer_unplaced(v), 0);
        assert_int_equal(dusk_viewer_count(v, DUSK_TASK_MEMORY), 1);
        assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RELEASED), nt - 1);
        assert_int_equal(dusk_viewer_worker_task(v, 0), -1);
        assert_int_equal(dusk_viewer_worker_task(v, 1), -1);
        print_message("run %d: %zu tasks, %zu events in %zu pumps\n", run, nt, pumped, pumps);
    }
    dusk_viewer_free(v);
    dusk_graph_free(r.g);
}

/* A virtual clock for the pump: every reading moves it on by step ns, so
 * that what a bounded pump does depends on how often it reads the clock,
 * not on the machine or its load. */
typedef struct vclock {
    uint64_t t, step;
    size_t reads;
} vclock;

static uint64_t vclock_read(void *ud)
{
    vclock *c = ud;
    c->reads++;
    return c->t += c->step;
}

static void use_vclock(dusk_viewer *v, vclock *c, uint64_t step)
{
    *c = (vclock){1000000000u, step, 0};
    v->pump_clock = vclock_read;
    v->pump_clock_ud = c;
}

/* What the first task's pretask saw of the viewer's queued run. */
typedef struct probe {
    dusk_viewer *v;
    size_t calls;
    size_t laid_out;   /* tasks of the queued run's layout at the first call */
    int waiting;       /* ... and its states made, every task WAITING */
} probe;

static void probe_pretask(void *ud, int64_t task, int worker)
{
    probe *p = ud;
    (void)task;
    (void)worker;
    if (p->calls++)
        return;
    pthread_mutex_lock(&p->v->mu);
    const dusk__pending *q = p->v->pending;
    if (q && q->state && q->layout.order) {
        p->laid_out = q->layout.ntasks;
        p->waiting = 1;
        for (size_t i = 0; i < q->layout.ntasks; i++)
            p->waiting &= q->state[q->layout.order[i]] == DUSK_TASK_WAITING;
    }
    pthread_mutex_unlock(&p->v->mu);
}

/* The viewer lays a run out before the run's first task starts (in its
 * start callback): when the first task starts, the run's layout and its
 * WAITING states are made, and the viewer's first pump, however short,
 * shows the whole run laid out, its events following at once (the old
 * viewer laid the plan out in that pump, 4,096 steps a call: 1 event and
 * no task shown after the first pump of 1 ns). */
static void test_laid_out_before_start(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(20001, &root);
    dusk_viewer *v = dusk_viewer_new(NULL);
    probe pr = {.v = v};
    dusk_callbacks cb[2] = {dusk_viewer_callbacks(v), {.ud = &pr, .pretask = probe_pretask}};
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.callbacks = cb;
    o.ncallbacks = 2;
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    assert_int_equal(dusk_get(g, root, &o, &out, NULL), 0);
    dusk_value_unref(out);
    size_t n = pr.calls;
    assert_true(n > 40000);
    assert_int_equal(pr.laid_out, n);
    assert_true(pr.waiting);
    uint64_t all = dusk_stream_appended(o.stream);
    assert_int_equal(dusk_viewer_backlog(v), all);
    vclock c;
    use_vclock(v, &c, 1);
    /* 1 ns: the RUN_BEGIN and the events up to the first clock reading */
    assert_int_equal(dusk_viewer_pump_for(v, 1), 1024);
    assert_int_equal(c.reads, 2);   /* the deadline's, and that one */
    assert_int_equal(total(v), n);
    assert_true(dusk_viewer_nlayers(v) > 10);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_WAITING) +
                         dusk_viewer_count(v, DUSK_TASK_READY) +
                         dusk_viewer_count(v, DUSK_TASK_RUNNING) +
                         dusk_viewer_count(v, DUSK_TASK_MEMORY) +
                         dusk_viewer_count(v, DUSK_TASK_RELEASED),
                     n);
    assert_int_equal(dusk_viewer_events(v), 1024);
    assert_true(dusk_viewer_count(v, DUSK_TASK_WAITING) < n);   /* the events applied too */
    assert_int_equal(dusk_viewer_pump(v) + 1024, all);
    assert_int_equal(dusk_viewer_unplaced(v), 0);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RELEASED) + 1, n);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* A plan with no layout made (dusk_viewer_set_plan, a run's stream with
 * no start callback) is laid out by the pump, a bounded pump in steps;
 * then a bounded pump works in slices with a yield between them until its
 * budget is spent. Time is a virtual clock's (10 us a reading), so every
 * count below is the same on every machine. */
static void test_pump_budget(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(20001, &root);
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &root, 1, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    vclock c;
    use_vclock(v, &c, 10000);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    assert_int_equal(dusk_get(g, root, &o, &out, NULL), 0);
    dusk_value_unref(out);
    uint64_t all = dusk_stream_appended(o.stream);
    assert_true(all > 3 * DUSK__BATCH);
    assert_int_equal(dusk_viewer_backlog(v), all);
    /* 1 ns: the RUN_BEGIN is taken, its 40,011 tasks laid out in part */
    size_t got = dusk_viewer_pump_for(v, 1), calls = 1;
    assert_int_equal(got, 1);
    assert_int_equal(dusk_viewer_backlog(v), all - 1);
    assert_int_equal(total(v), 0);
    assert_int_equal(dusk_viewer_nlayers(v), 0);
    while (total(v) == 0) {
        got += dusk_viewer_pump_for(v, 1);
        assert_true(++calls < 10000);
    }
    print_message("laid out in %zu pumps of 1 ns\n", calls);
    assert_true(calls > 10);   /* some 4,096 steps a call */
    size_t nt = total(v);
    assert_true(nt > 40000);
    /* begun: slices of 1,024 events */
    size_t k = dusk_viewer_pump_for(v, 1);
    assert_int_equal(k, 1024);
    got += k;
    assert_int_equal(dusk_viewer_events(v), got);
    assert_int_equal(dusk_viewer_backlog(v), all - got);
    /* 1 ms: slices of 0.1 ms with a yield between them until the budget
     * is spent, not one slice: the clock read every 1,024 events (and once
     * more after each yield), 10 us a reading, 100 readings in all */
    uint64_t yields = v->pump_yields, t0 = c.t;
    size_t reads = c.reads;
    k = dusk_viewer_pump_for(v, 1000000u);
    print_message("1 ms: %zu events, %zu clock readings, %" PRIu64 " yields\n", k,
                  c.reads - reads, v->pump_yields - yields);
    assert_int_equal(c.t - t0, 1000000u + 10000u);   /* its start's, then up to the deadline */
    assert_int_equal(c.reads - reads, 101);
    assert_int_equal(v->pump_yields - yields, 9);   /* 10 slices */
    /* 1,024 events a reading, but for the readings after a yield and at
     * the end of each batch of 4,096: 1,024 x (100 - 9 - some 18) */
    assert_true(k > 70 * 1024);
    assert_true(k <= 91 * 1024);
    got += k;
    assert_true(dusk_viewer_backlog(v) > 0);   /* stopped by its budget */
    /* a minute: everything */
    assert_int_equal(dusk_viewer_pump_for(v, 60000000000u), all - got);
    assert_int_equal(dusk_viewer_backlog(v), 0);
    assert_int_equal(dusk_viewer_pump_for(v, 1), 0);
    assert_int_equal(dusk_viewer_unplaced(v), 0);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RELEASED) + 1, total(v));

    /* the same run again: a feed in the middle of the layout catches up
     * (the run begun, the drained events applied) before its own events */
    assert_int_equal(dusk_get(g, root, &o, &out, NULL), 0);
    dusk_value_unref(out);
    assert_int_equal(dusk_viewer_pump_for(v, 1), 1);
    assert_int_equal(total(v), 0);
    assert_int_equal(dusk_viewer_feed(v, NULL, 0), 0);
    assert_int_equal(total(v), nt);
    assert_int_equal(dusk_viewer_backlog(v), all - DUSK__BATCH);   /* the batch it drained */
    assert_int_equal(dusk_viewer_pump(v) + DUSK__BATCH, all);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RELEASED) + 1, total(v));
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

typedef struct sync_run {
    dusk_graph *g;
    const char *root;
    dusk_options o;
    atomic_int done;
    int rc;
} sync_run;

static void *sync_thread(void *arg)
{
    sync_run *r = arg;
    dusk_value *out = NULL;
    r->rc = dusk_get(r->g, r->root, &r->o, &out, NULL);
    dusk_value_unref(out);
    atomic_store(&r->done, 1);
    return NULL;
}

/* A viewer pumped 1 ns at a time while the run goes, as a window whose
 * frames are all spent (events left in its buffer between pumps), gets
 * every event in the stream's
 * order: its log is the one of a viewer that pumped the same run (the sync
 * scheduler's, the same each time) at once, event for event. */
static void test_pump_deferred_order(void **state)
{
    (void)state;
    sync_run r = {0};
    r.g = tree_graph(30000, &r.root);
    dusk_viewer *v[2];
    dusk_callbacks cb[2];
    for (int k = 0; k < 2; k++) {
        v[k] = dusk_viewer_new(NULL);
        cb[k] = dusk_viewer_callbacks(v[k]);
        r.o = opts_of(DUSK_SCHED_SYNC, 1);
        r.o.callbacks = &cb[k];
        r.o.ncallbacks = 1;
        r.o.stream = dusk_viewer_stream(v[k]);
        atomic_store(&r.done, 0);
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, sync_thread, &r), 0);
        size_t pumps = 0;
        while (k == 1 && !atomic_load(&r.done)) {
            dusk_viewer_pump_for(v[k], 1);
            pumps++;
        }
        pthread_join(th, NULL);
        assert_int_equal(r.rc, 0);
        if (k == 1) {   /* what a window does once the run has ended */
            while (dusk_viewer_backlog(v[k]))
                pumps += dusk_viewer_pump_for(v[k], 1) > 0;
            print_message("%zu pumps of 1 ns\n", pumps);
        }
        dusk_viewer_pump(v[k]);
        assert_int_equal(dusk_viewer_events(v[k]), dusk_stream_appended(r.o.stream));
        assert_int_equal(dusk_viewer_unplaced(v[k]), 0);
    }
    assert_int_equal(v[1]->nlog, v[0]->nlog);
    assert_int_equal(v[1]->nlog, dusk_viewer_events(v[1]));
    for (size_t i = 0; i < v[0]->nlog; i++) {
        const dusk_event *a = &v[0]->log[i], *b = &v[1]->log[i];
        if (a->kind != b->kind || a->task != b->task || a->worker != b->worker ||
            a->held != b->held || a->nbytes != b->nbytes || a->status != b->status)
            fail_msg("event %zu: %s of task %" PRId64 ", want %s of %" PRId64, i,
                     dusk_event_kind_name(b->kind), b->task, dusk_event_kind_name(a->kind),
                     a->task);
    }
    for (int s = 0; s < DUSK_TASK_NSTATES; s++)
        assert_int_equal(dusk_viewer_count(v[1], s), dusk_viewer_count(v[0], s));
    for (int k = 0; k < 2; k++)
        dusk_viewer_free(v[k]);
    dusk_graph_free(r.g);
}

/* A sanitizer maps shadow memory for every block, faulted as it is used. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* The log of a big run (here 400,000 events: 19 MB of events and 3 MB of
 * undo) is in 2 MiB pages: pumping the whole run takes fewer faults than
 * a 4 KiB page per 4 KiB of log, everything else the pump touches (the
 * layout and the per-task arrays) included. */
static void test_log_in_huge_pages(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(50000, &root);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    assert_int_equal(dusk_get(g, root, &o, &out, NULL), 0);
    dusk_value_unref(out);
    long f0 = minor_faults();
    size_t n = dusk_viewer_pump(v);
    long faults = minor_faults() - f0;
    assert_int_equal(n, dusk_stream_appended(o.stream));
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RELEASED) + 1, total(v));
    long log_pages = (long)(n * (sizeof(dusk_event) + sizeof(int64_t) + 1) / 4096);
    print_message("%zu events: %ld faults (the log: %ld pages of 4 KiB)\n", n, faults, log_pages);
    int advised, huge;
    if (!SANITIZED && huge_pages_on()) {
        assert_int_equal(huge_pages_at(v->log, &advised, &huge), 0);
        assert_true(advised);
        if (huge)   /* else the kernel gave 4 KiB pages: no fewer faults to see */
            assert_true(faults < log_pages * 3 / 4);   /* 2,900 here; 7,000 in 4 KiB pages */
        else
            print_message("the log is not in 2 MiB pages here: faults not checked\n");
    }
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* --- layout ------------------------------------------------------------------- */

static void check_layout(const dusk_plan *p, const dusk__layout *L)
{
    size_t n = dusk_plan_ntasks(p);
    const int64_t *tasks = dusk_plan_tasks(p);
    assert_int_equal(L->ntasks, n);
    for (size_t i = 0; i < n; i++) {
        int64_t t = tasks[i];
        const int64_t *deps;
        int64_t nd = dusk_plan_dependencies(p, t, &deps);
        assert_true(nd >= 0);
        int32_t deepest = -1;
        for (int64_t k = 0; k < nd; k++) {
            assert_true(L->layer[deps[k]] < L->layer[t]);   /* edges go forward */
            if (L->layer[deps[k]] > deepest)
                deepest = L->layer[deps[k]];
        }
        assert_int_equal(L->layer[t], deepest + 1);          /* the depth exactly */
    }
    /* order: every task once; within a layer, slots 0.. in priority order;
     * so no two tasks share (layer, slot): no overlap */
    char *seen = calloc(L->ngraph, 1);
    for (size_t l = 0; l < L->nlayers; l++) {
        assert_true(L->layer_start[l + 1] > L->layer_start[l]);   /* no empty layer */
        for (size_t i = L->layer_start[l]; i < L->layer_start[l + 1]; i++) {
            int64_t t = L->order[i];
            assert_false(seen[t]);
            seen[t] = 1;
            assert_int_equal(L->layer[t], l);
            if (i > L->layer_start[l])
                assert_true(dusk_plan_priority(p, L->order[i - 1]) < dusk_plan_priority(p, t));
        }
    }
    assert_int_equal(L->layer_start[L->nlayers], n);
    free(seen);
}

static void test_layout_random(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        rdag r;
        assert_int_equal(rdag_build(&r, seed, 40 + (int)seed * 30), 0);
        const char *keys[4];
        int idx[4];
        rdag_requests(&r, seed, 4, keys, idx);
        dusk_plan *p;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_plan_new(r.g, keys, 4, &p, &err), 0);
        dusk__layout L = {0};
        assert_int_equal(dusk__layout_build(&L, p, 1000, &err), 0);
        assert_false(L.layer_view);
        check_layout(p, &L);
        dusk__layout_free(&L);
        dusk_plan_unref(p);
        rdag_free(&r);
    }
}

/* The layout the viewer made before it walked the plan's arrays in
 * priority order (Kahn's walk over dependents through the per-task API,
 * then the tasks sorted by (layer, priority)), written here plainly: the
 * positions must not have moved. */
static const dusk_plan *ref_plan;
static const int32_t *ref_layer;

static int by_layer_prio(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (ref_layer[x] != ref_layer[y])
        return ref_layer[x] < ref_layer[y] ? -1 : 1;
    int64_t px = dusk_plan_priority(ref_plan, x), py = dusk_plan_priority(ref_plan, y);
    return (px > py) - (px < py);
}

static void check_against_kahn(const dusk_plan *p, const dusk__layout *L)
{
    size_t n = dusk_plan_ntasks(p), ng = dusk_plan_graph_size(p);
    const int64_t *tasks = dusk_plan_tasks(p);
    int32_t *layer = malloc(ng * sizeof *layer), *indeg = calloc(ng, sizeof *indeg);
    int64_t *queue = malloc(n * sizeof *queue), *slot = malloc(ng * sizeof *slot);
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < ng; i++)
        layer[i] = -1;
    for (size_t i = 0; i < n; i++) {
        const int64_t *ids;
        indeg[tasks[i]] = (int32_t)dusk_plan_dependencies(p, tasks[i], &ids);
        layer[tasks[i]] = 0;
        if (!indeg[tasks[i]])
            queue[tail++] = tasks[i];
    }
    while (head < tail) {
        int64_t t = queue[head++];
        const int64_t *ids;
        int64_t nd = dusk_plan_dependents(p, t, &ids);
        for (int64_t k = 0; k < nd; k++) {
            if (layer[ids[k]] < layer[t] + 1)
                layer[ids[k]] = layer[t] + 1;
            if (--indeg[ids[k]] == 0)
                queue[tail++] = ids[k];
        }
    }
    assert_int_equal(tail, n);
    ref_plan = p;
    ref_layer = layer;
    qsort(queue, n, sizeof *queue, by_layer_prio);
    /* layers fold into rows of about sqrt(1.6 n) slots, half a step
     * between layers, where that makes nodes 3 times as large in a panel
     * 1.6 times as wide as tall as the layers whole */
    size_t nl = 0, widest = 0, *width = calloc(n + 1, sizeof *width);
    for (size_t i = 0; i < n; i++) {
        int64_t l = layer[queue[i]];
        nl = (size_t)l + 1 > nl ? (size_t)l + 1 : nl;
        if (++width[l] > widest)
            widest = width[l];
    }
    size_t fold = (size_t)ceil(sqrt((double)n * 1.6));
    fold = fold < 8 ? 8 : fold;
    double rows = 0;
    for (size_t l = 0; l < nl; l++)
        rows += (double)((width[l] + fold - 1) / fold) + (l ? 0.5 : 0);
    double as_is = fmin(1.6 / (double)widest, 1.0 / (double)nl);
    if (L->layer_view || widest <= fold || fmin(1.6 / (double)fold, 1.0 / rows) < 3 * as_is)
        fold = 0;
    assert_int_equal(L->fold, fold);
    float *rowy = calloc(nl + 1, sizeof *rowy);
    for (size_t l = 0; fold && l < nl; l++)
        rowy[l + 1] = rowy[l] + (float)((width[l] + fold - 1) / fold) + 0.5f;
    float top = fold ? rowy[nl] - 0.5f : (float)nl;   /* rows in steps, from the bottom */
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(L->order[i], queue[i]);
        slot[queue[i]] = i == 0 || layer[queue[i - 1]] != layer[queue[i]] ? 0 : slot[queue[i - 1]] + 1;
        int64_t t = queue[i];
        assert_int_equal(L->layer[t], layer[t]);
        /* visualize()'s BT: layer 0 at the bottom (y grows down) */
        if (fold) {   /* a layer's slots in rows of fold, upwards */
            assert_true(L->x[t] == (float)(slot[t] % (int64_t)fold) * 1.5f);
            assert_true(L->y[t] ==
                        (top - 1 - rowy[layer[t]] - (float)(slot[t] / (int64_t)fold)) * 1.5f);
        } else if (!L->layer_view) {   /* a layer a row, centred, a slot a column, 1.5 apart */
            assert_true(L->x[t] == ((float)(widest - width[layer[t]]) / 2 + (float)slot[t]) * 1.5f);
            assert_true(L->y[t] == (top - 1 - (float)layer[t]) * 1.5f);
        }
    }
    free(width);
    free(rowy);
    for (size_t i = 0; i < ng; i++)   /* the ids not in the plan too */
        assert_int_equal(L->layer[i], layer[i]);
    free(layer);
    free(indeg);
    free(queue);
    free(slot);
}

/* dusk_plan_get_arrays says what the per-task calls say. */
static void check_arrays(const dusk_plan *p)
{
    dusk_plan_arrays a;
    assert_int_equal(dusk_plan_get_arrays(p, &a), 0);
    assert_int_equal(a.graph_size, dusk_plan_graph_size(p));
    assert_int_equal(a.ntasks, dusk_plan_ntasks(p));
    const int64_t *tasks = dusk_plan_tasks(p);
    if (!a.tasks)
        assert_int_equal(a.ntasks, a.graph_size);
    for (size_t i = 0; i < a.ntasks; i++) {
        int64_t t = tasks[i];
        assert_int_equal(a.tasks ? a.tasks[i] : i, t);
        assert_int_equal(a.priority[t], dusk_plan_priority(p, t));
        const int64_t *ids;
        int64_t nd = dusk_plan_dependencies(p, t, &ids);
        assert_int_equal(a.dep_off[t + 1] - a.dep_off[t], nd);
        for (int64_t k = 0; k < nd; k++)
            assert_int_equal(a.dep_ids[a.dep_off[t] + k], ids[k]);
    }
}

/* Random DAGs, culled by random requests and whole: the same layers,
 * order, slots and positions as the old Kahn's walk (a node per task and
 * the layer view), from arrays that are the plan's. */
static void test_layout_as_before(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 16; seed++) {
        rdag r;
        assert_int_equal(rdag_build(&r, seed, 50 + (int)seed * 37), 0);
        const char *keys[4];
        int idx[4];
        rdag_requests(&r, seed, 4, keys, idx);
        for (int whole = 0; whole < 2; whole++) {
            dusk_plan *p;
            dusk_error err = DUSK_ERROR_INIT;
            if (whole) {   /* every key: a plan with no task array */
                size_t ng = dusk_graph_size(r.g);
                const char **all = malloc(ng * sizeof *all);
                for (size_t i = 0; i < ng; i++)
                    all[i] = dusk_graph_key(r.g, (int64_t)i);
                assert_int_equal(dusk_plan_new(r.g, all, ng, &p, &err), 0);
                free(all);
            } else {
                assert_int_equal(dusk_plan_new(r.g, keys, 4, &p, &err), 0);
            }
            check_arrays(p);
            for (int lv = 0; lv < 2; lv++) {
                dusk__layout L = {0};
                assert_int_equal(dusk__layout_build(&L, p, lv ? 1 : 100000, &err), 0);
                assert_int_equal(L.layer_view, lv);
                check_against_kahn(p, &L);
                dusk__layout_free(&L);
            }
            dusk_plan_unref(p);
        }
        rdag_free(&r);
    }
}

/* The layout of a big run (200,006 tasks: layer, order and the queue, 2.4
 * MB) is written in 2 MiB pages: a few faults, where fresh 4 KiB pages
 * would be hundreds, each before the run's first task (mallopt makes the
 * block fresh memory of its own mapping, as in a process that has not
 * freed such a block yet). Then the start callback's whole layout, every
 * task WAITING. */
static void test_layout_in_huge_pages(void **state)
{
    (void)state;
    /* the first test of the file, before any big block is freed (which
     * raises glibc's threshold for blocks of their own mapping); a
     * sanitizer's allocator has no such setting */
    int set = mallopt(M_MMAP_THRESHOLD, 1 << 20);
    if (!SANITIZED)
        assert_int_equal(set, 1);
    const char *root;
    dusk_graph *g = tree_graph(100000, &root);
    dusk_plan *p;
    assert_int_equal(dusk_plan_new(g, &root, 1, &p, NULL), 0);
    size_t n = dusk_plan_ntasks(p);
    dusk__layout L = {0};
    dusk_error err = DUSK_ERROR_INIT;
    long f0 = minor_faults();
    assert_int_equal(dusk__layout_build(&L, p, 1000, &err), 0);   /* the layer view */
    long faults = minor_faults() - f0;
    mallopt(M_MMAP_THRESHOLD, 128 << 10);   /* glibc's default again */
    check_layout(p, &L);
    long block_pages = (long)(3 * n * sizeof(uint32_t) / 4096);
    print_message("%zu tasks laid out: %ld faults (the block: %ld pages of 4 KiB)\n", n, faults,
                  block_pages);
    int advised, huge;
    if (!SANITIZED && huge_pages_on()) {
        assert_int_equal(huge_pages_at(L.layer, &advised, &huge), 0);
        assert_true(advised);
        if (huge)   /* else the kernel gave 4 KiB pages: no fewer faults to see */
            assert_true(faults < block_pages / 8);
        else
            print_message("the block is not in 2 MiB pages here: faults not checked\n");
    }
    dusk__layout_free(&L);

    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    cb.start(cb.ud, p, n);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
    dusk_viewer_feed(v, &begin, 1);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_WAITING), n);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A map over 1,000 blocks (2 layers of 1,000 tasks) drew as a hairline:
 * its layers fold into rows, each layer's below the next one's (inputs at
 * the bottom, as visualize() draws), for a drawing about 1.6 times as
 * wide as tall, no two nodes in one place. */
static void test_layout_folds_wide_layers(void **state)
{
    (void)state;
    enum { N = 1000 };
    dusk_graph *g = dusk_graph_new();
    char a[32], b[32];
    const char **keys = malloc(N * sizeof *keys);
    for (int i = 0; i < N; i++) {
        snprintf(a, sizeof a, "a-%d", i);
        snprintf(b, sizeof b, "b-%d", i);
        assert_int_equal(dusk_task(g, a, &dusk_inc, dusk_lit_int(i)), 0);
        assert_int_equal(dusk_task(g, b, &dusk_inc, dusk_ref(a)), 0);
    }
    for (int i = 0; i < N; i++)
        keys[i] = dusk_graph_key(g, 2 * (int64_t)i + 1);
    dusk_plan *p;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, N, &p, &err), 0);
    dusk__layout L = {0};
    assert_int_equal(dusk__layout_build(&L, p, 100000, &err), 0);
    assert_int_equal(L.nlayers, 2);
    assert_int_equal(L.fold, 57);   /* ceil(sqrt(2000 * 1.6)) */
    check_against_kahn(p, &L);
    assert_true(L.width / L.height > 1.0f && L.width / L.height < 3.0f);
    float top_of_a = 1e30f, foot_of_b = 0;
    for (int64_t t = 0; t < 2 * N; t++) {
        if (L.layer[t] == 0 && L.y[t] < top_of_a)
            top_of_a = L.y[t];
        if (L.layer[t] == 1 && L.y[t] + 1 > foot_of_b)
            foot_of_b = L.y[t] + 1;
        assert_true(L.x[t] >= 0 && L.x[t] + 1 <= L.width + 0.001f);
        assert_true(L.y[t] >= 0 && L.y[t] + 1 <= L.height + 0.001f);
    }
    assert_true(foot_of_b < top_of_a);
    int64_t *cell = malloc(2 * N * sizeof *cell);
    for (int64_t t = 0; t < 2 * N; t++)
        cell[t] = (int64_t)(L.x[t] / 1.5f + 0.25f) * 100000 + (int64_t)(L.y[t] / 1.5f + 0.25f);
    qsort(cell, 2 * N, sizeof *cell, cmp_i64);
    for (int64_t t = 1; t < 2 * N; t++)
        assert_true(cell[t] != cell[t - 1]);
    free(cell);
    dusk__layout_free(&L);
    dusk_plan_unref(p);
    free(keys);
    dusk_graph_free(g);
}

/* A plan far deeper than the layers' counts start with (64): a chain of
 * 3,000 tasks, each also fed by a leaf of its own, some added after the
 * task that needs them (graph ids are not a topological order), laid out
 * whole (the priorities a permutation) and culled, in one go and in steps,
 * as Kahn's walk lays it out. */
static void test_layout_deep(void **state)
{
    (void)state;
    enum { DEPTH = 3000 };
    dusk_graph *g = dusk_graph_new();
    char key[32], prev[32], leaf[32];
    assert_int_equal(dusk_task(g, "c-0", &dusk_inc, dusk_lit_int(0)), 0);
    for (int i = 1; i < DEPTH; i++) {
        snprintf(prev, sizeof prev, "c-%d", i - 1);
        snprintf(key, sizeof key, "c-%d", i);
        snprintf(leaf, sizeof leaf, "leaf-%d", i);
        if (i % 3 == 0)   /* the leaf before the task that needs it */
            assert_int_equal(dusk_task(g, leaf, &dusk_inc, dusk_lit_int(i)), 0);
        assert_int_equal(dusk_task(g, key, &dusk_add, dusk_ref(prev), dusk_ref(leaf)), 0);
        if (i % 3 != 0)
            assert_int_equal(dusk_task(g, leaf, &dusk_inc, dusk_lit_int(i)), 0);
    }
    snprintf(key, sizeof key, "c-%d", DEPTH - 1);
    const char *whole = key, *mid = "c-1500";
    for (int culled = 0; culled < 2; culled++) {
        dusk_plan *p;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_plan_new(g, culled ? &mid : &whole, 1, &p, &err), 0);
        dusk_plan_arrays a;
        assert_int_equal(dusk_plan_get_arrays(p, &a), 0);
        assert_int_equal(a.tasks != NULL, culled);
        for (int lv = 0; lv < 2; lv++) {
            dusk__layout L = {0}, S = {0};
            assert_int_equal(dusk__layout_build(&L, p, lv ? 1 : 100000, &err), 0);
            assert_int_equal(L.nlayers, culled ? 1501 : DEPTH);
            check_layout(p, &L);
            check_against_kahn(p, &L);
            dusk__layout_job j = {0};
            int rc;
            while ((rc = dusk__layout_job_run(&S, &j, p, lv ? 1 : 100000, 1, &err)) == 1)
                ;
            assert_int_equal(rc, 0);
            assert_null(j.count);
            check_against_kahn(p, &S);
            dusk__layout_free(&L);
            dusk__layout_free(&S);
        }
        dusk_plan_unref(p);
    }
    dusk_graph_free(g);
}

/* The layer view's edges are the pairs of layers the plan's dependencies
 * join, each once (random DAGs and a tree, the layer view forced). */
static void test_layer_view_edges(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed <= 12; seed++) {
        rdag r = {0};
        const char *root = NULL;
        dusk_graph *g;
        dusk_plan *p;
        dusk_error err = DUSK_ERROR_INIT;
        if (seed) {
            assert_int_equal(rdag_build(&r, seed, 60 + (int)seed * 40), 0);
            const char *keys[4];
            int idx[4];
            rdag_requests(&r, seed, 4, keys, idx);
            g = r.g;
            assert_int_equal(dusk_plan_new(g, keys, 4, &p, &err), 0);
        } else {
            g = tree_graph(3000, &root);
            assert_int_equal(dusk_plan_new(g, &root, 1, &p, &err), 0);
        }
        dusk__layout L = {0};
        assert_int_equal(dusk__layout_build(&L, p, 1, &err), 0);
        assert_true(L.layer_view);
        size_t nl = L.nlayers;
        uint8_t *want = calloc(nl * nl, 1), *seen = calloc(nl * nl, 1);
        assert_non_null(want);
        assert_non_null(seen);
        size_t nwant = 0;
        for (size_t i = 0; i < L.ntasks; i++) {
            int64_t t = L.order[i];
            const int64_t *ids;
            int64_t nd = dusk_plan_dependencies(p, t, &ids);
            for (int64_t k = 0; k < nd; k++) {
                size_t at = (size_t)L.layer[ids[k]] * nl + (size_t)L.layer[t];
                nwant += !want[at];
                want[at] = 1;
            }
        }
        assert_true(seed == 0 || nwant > 0);
        assert_int_equal(L.nledges, nwant);
        for (size_t k = 0; k < L.nledges; k++) {
            uint32_t a = L.ledges[2 * k], b = L.ledges[2 * k + 1];
            assert_true(a < b && b < nl);   /* an edge goes to a later layer */
            assert_true(want[a * nl + b]);
            assert_false(seen[a * nl + b]);   /* once */
            seen[a * nl + b] = 1;
        }
        free(want);
        free(seen);
        dusk__layout_free(&L);
        dusk_plan_unref(p);
        if (seed)
            rdag_free(&r);
        else
            dusk_graph_free(g);
    }
}

/* A layout made in steps, stopped at every deadline check, is the one made
 * at once, array for array (a node per task, and the layer view). */
static void test_layout_in_steps(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(25000, &root);
    dusk_plan *p;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &root, 1, &p, &err), 0);
    size_t n = dusk_plan_ntasks(p), ng = dusk_plan_graph_size(p);
    for (int lv = 0; lv < 2; lv++) {
        size_t threshold = lv ? 1000 : 10 * n;
        dusk__layout A = {0}, B = {0};
        assert_int_equal(dusk__layout_build(&A, p, threshold, &err), 0);
        dusk__layout_job j = {0};
        size_t calls = 0;
        int rc;
        while ((rc = dusk__layout_job_run(&B, &j, p, threshold, 1, &err)) == 1)
            calls++;
        assert_int_equal(rc, 0);
        assert_true(calls > 10);
        assert_null(j.count);   /* the job's scratch is freed */
        assert_null(j.queue);
        check_layout(p, &B);
        assert_int_equal(B.layer_view, lv);
        assert_int_equal(B.nlayers, A.nlayers);
        assert_int_equal(B.widest, A.widest);
        assert_true(B.width == A.width && B.height == A.height);
        assert_memory_equal(B.layer, A.layer, ng * sizeof *A.layer);
        assert_memory_equal(B.order, A.order, n * sizeof *A.order);
        assert_memory_equal(B.layer_start, A.layer_start, (A.nlayers + 1) * sizeof *A.layer_start);
        assert_int_equal(B.nledges, A.nledges);
        if (lv)
            assert_memory_equal(B.ledges, A.ledges, 2 * A.nledges * sizeof *A.ledges);
        size_t npos = lv ? A.nlayers : ng;
        for (size_t i = 0; i < npos; i++)
            if (lv || A.layer[i] >= 0)
                assert_true(B.x[i] == A.x[i] && B.y[i] == A.y[i]);
        dusk__layout_free(&A);
        dusk__layout_free(&B);
    }
    /* a job given up half-way frees what it holds (ASan's leak check) */
    dusk__layout L = {0};
    dusk__layout_job j = {0};
    assert_int_equal(dusk__layout_job_run(&L, &j, p, 10 * n, 1, &err), 1);
    dusk__layout_job_free(&j);
    dusk__layout_free(&L);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

/* The viewer's nodes: distinct rectangles, columns by layer; past the
 * threshold one node per layer. */
static void test_nodes_and_layer_view(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(64, &root);
    dusk_plan *p;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &root, 1, &p, &err), 0);
    size_t n = dusk_plan_ntasks(p);
    assert_int_equal(n, 127);
    const int64_t *tasks = dusk_plan_tasks(p);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
    for (int lv = 0; lv < 2; lv++) {
        dusk_viewer_options vo = {.layer_view_threshold = lv ? 100 : 1000};
        dusk_viewer *v = dusk_viewer_new(&vo);
        assert_int_equal(dusk_viewer_set_plan(v, p, &err), 0);
        assert_int_equal(dusk_viewer_feed(v, &begin, 1), 0);
        assert_int_equal(dusk_viewer_layer_view(v), lv);
        assert_int_equal(dusk_viewer_nlayers(v), 7);   /* 64 leaves, 6 levels of add */
        dusk_view_rect *rs = malloc(n * sizeof *rs);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(dusk_viewer_node(v, tasks[i], &rs[i]), 0);
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                int overlap = rs[i].x < rs[j].x + rs[j].w && rs[j].x < rs[i].x + rs[i].w &&
                              rs[i].y < rs[j].y + rs[j].h && rs[j].y < rs[i].y + rs[i].h;
                /* in the layer view tasks of one layer share its node
                 * (a row of its own: layer 0 the bottom one) */
                assert_int_equal(overlap, lv && rs[i].y == rs[j].y);
            }
        dusk_view_rect r;
        assert_int_equal(dusk_viewer_node(v, (int64_t)dusk_graph_size(g) + 3, &r), DUSK_EINVAL);
        free(rs);
        dusk_viewer_free(v);
    }
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_in_huge_pages),   /* first: see there */
        cmocka_unit_test(test_replay_lecture),
        cmocka_unit_test(test_erred),
        cmocka_unit_test(test_lossless_live),
        cmocka_unit_test(test_laid_out_before_start),
        cmocka_unit_test(test_pump_budget),
        cmocka_unit_test(test_pump_deferred_order),
        cmocka_unit_test(test_log_in_huge_pages),
        cmocka_unit_test(test_layout_random),
        cmocka_unit_test(test_layout_as_before),
        cmocka_unit_test(test_layout_in_steps),
        cmocka_unit_test(test_nodes_and_layer_view),
        cmocka_unit_test(test_layer_view_edges),
        cmocka_unit_test(test_layout_deep),
        cmocka_unit_test(test_layout_folds_wide_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
