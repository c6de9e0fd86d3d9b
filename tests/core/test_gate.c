/*
** dusk tests — the gate (dusk_callbacks.gate, include/dusk/events.h)
**
** On every scheduler configuration: a gate that counts its passes sees
** each START on a worker follow one pass on that worker, only with the
** worker's last task already recorded (its END delivered), and passes
** lost only where another worker could take the task; a gate that blocks
** holds the run (no START while closed, the running task finishes and
** shows in memory, idle workers woken by new ready tasks wait in the gate
** too) until it opens; a gate that refuses stops the run with its code and
** message, no task starting after it, running tasks ending, nothing
** leaked; a gate on a failing graph gives the task's error.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

enum { MAXW = 8 };

/* fail_task (helpers.c), registered in main so that it runs on processes too. */
static const dusk_func failf = {"failing", fail_task, NULL};

/* --- a gate that counts, checked against the worker's own events ------------------ */

typedef struct counter {
    atomic_long passes, starts, ends, errors, lost, bad;
    /* per worker, touched only on that worker's thread (events.h) */
    long pending[MAXW];      /* passes not yet followed by a START */
    int64_t running[MAXW];   /* the worker's task between START and END */
    /* refuse: the gate's calls from the refuse-th on return this code */
    long refuse;
    int refuse_code;
    atomic_long calls;
} counter;

static void counter_init(counter *c)
{
    memset(c, 0, sizeof *c);
    for (int w = 0; w < MAXW; w++)
        c->running[w] = -1;
    c->refuse = -1;
}

static int count_gate(void *ud, int worker, dusk_error *err)
{
    counter *c = ud;
    if (worker < 0 || worker >= MAXW) {
        atomic_fetch_add(&c->bad, 1);
        return 0;
    }
    /* The worker's last task is recorded and its END has reached
     * on_event before its gate is called. */
    if (c->running[worker] != -1)
        atomic_fetch_add(&c->bad, 1);
    if (err->code != 0 || err->msg[0])
        atomic_fetch_add(&c->bad, 1);   /* err comes cleared */
    long k = atomic_fetch_add(&c->calls, 1);
    if (c->refuse >= 0 && k >= c->refuse) {
        if (c->refuse_code > 0)
            return c->refuse_code;   /* a positive code, no message */
        return dusk_error_set(err, c->refuse_code, "the window was closed");
    }
    if (c->pending[worker] > 0)
        atomic_fetch_add(&c->lost, 1);   /* the last pass went unused */
    c->pending[worker] = 1;
    atomic_fetch_add(&c->passes, 1);
    return 0;
}

static void count_event(void *ud, const dusk_event *ev)
{
    counter *c = ud;
    int w = ev->worker;
    if (w < 0)
        return;
    if (w >= MAXW) {
        atomic_fetch_add(&c->bad, 1);
        return;
    }
    switch (ev->kind) {
    case DUSK_EV_START:
        if (c->pending[w] != 1 || c->running[w] != -1)
            atomic_fetch_add(&c->bad, 1);   /* a START with no pass before it */
        c->pending[w] = 0;
        c->running[w] = ev->task;
        atomic_fetch_add(&c->starts, 1);
        break;
    case DUSK_EV_END:
    case DUSK_EV_ERROR:
        if (c->running[w] != ev->task)
            atomic_fetch_add(&c->bad, 1);
        c->running[w] = -1;
        atomic_fetch_add(ev->kind == DUSK_EV_END ? &c->ends : &c->errors, 1);
        break;
    default:
        break;
    }
}

static dusk_callbacks counting(counter *c)
{
    dusk_callbacks cb = {.ud = c, .on_event = count_event, .gate = count_gate};
    return cb;
}

/* The stream's events (malloc'd) and their number. */
static dusk_event *drain_all(dusk_stream *s, size_t *n)
{
    size_t cap = (size_t)dusk_stream_appended(s);
    dusk_event *ev = malloc((cap + 1) * sizeof *ev);
    *n = dusk_stream_drain(s, ev, cap);
    assert_int_equal(*n, cap);
    return ev;
}

static size_t count_kind(const dusk_event *ev, size_t n, int kind)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ev[i].kind == kind;
    return k;
}

/* Every START follows a pass on its worker; the run's result is right. */
static void test_passes_and_starts(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(600, &root);   /* 1,199 tasks */
    size_t ntasks = dusk_graph_size(g);
    for (size_t s = 0; s < NSCHEDS; s++) {
        counter c;
        counter_init(&c);
        dusk_callbacks cb = counting(&c);
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        o.callbacks = &cb;
        o.ncallbacks = 1;
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, root, &o, &out, &err), 0);
        assert_int_value(out, 600 * 601 / 2);
        dusk_value_unref(out);
        long passes = atomic_load(&c.passes), starts = atomic_load(&c.starts);
        long lost = atomic_load(&c.lost);
        print_message("%s: %ld passes, %ld starts, %ld lost\n", SCHEDS[s].name, passes, starts,
                      lost);
        assert_int_equal(atomic_load(&c.bad), 0);
        assert_int_equal(starts, (long)ntasks);
        assert_int_equal(atomic_load(&c.ends), (long)ntasks);
        /* passes not followed by a START: lost ones, and at most one per
         * worker left at the end */
        long left = 0;
        for (int w = 0; w < SCHEDS[s].workers; w++)
            left += c.pending[w];
        assert_int_equal(passes, starts + lost + left);
        if (SCHEDS[s].workers == 1) {
            /* no other worker to take a task: no pass is lost */
            assert_int_equal(lost, 0);
            assert_int_equal(left, 0);
            assert_int_equal(passes, (long)ntasks);
        }
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- a gate that blocks -------------------------------------------------------------- */

typedef struct holder {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long allowance;      /* passes left; -1: open */
    int waiting;         /* workers blocked in the gate */
    atomic_long starts, ends;
} holder;

static int hold_gate(void *ud, int worker, dusk_error *err)
{
    (void)worker;
    (void)err;
    holder *h = ud;
    pthread_mutex_lock(&h->mu);
    h->waiting++;
    while (h->allowance == 0)
        pthread_cond_wait(&h->cv, &h->mu);
    h->waiting--;
    if (h->allowance > 0)
        h->allowance--;
    pthread_mutex_unlock(&h->mu);
    return 0;
}

static void hold_event(void *ud, const dusk_event *ev)
{
    holder *h = ud;
    if (ev->kind == DUSK_EV_START)
        atomic_fetch_add(&h->starts, 1);
    if (ev->kind == DUSK_EV_END)
        atomic_fetch_add(&h->ends, 1);
}

/* Sleeps 30 ms and returns its int argument. */
static int nap(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err, void *ud)
{
    (void)nargs;
    (void)err;
    (void)ud;
    sleep_ms(30);
    *out = dusk_int(dusk_value_int(args[0]));
    return 0;
}

static const dusk_func NAP = {"nap", nap, NULL};

typedef struct bg {
    dusk_graph *g;
    const char *key;
    dusk_options o;
    int rc;
    dusk_error err;
    int64_t value;
} bg;

static void *bg_run(void *arg)
{
    bg *b = arg;
    dusk_value *out = NULL;
    dusk_error_clear(&b->err);
    b->rc = dusk_get(b->g, b->key, &b->o, &out, &b->err);
    b->value = out ? dusk_value_int(out) : -1;
    dusk_value_unref(out);
    return NULL;
}

/* s = nap(1) (30 ms), then ten tasks x_i = inc(s), then their sum: while s
 * runs nothing else is ready (a second worker waits idle). The gate lets
 * one task through: s starts, finishes, its results shows in memory, and
 * every worker (the idle one woken by the ready x_i) then waits in the
 * gate; no other task starts until it opens. */
static void test_gate_holds(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "s", &NAP, dusk_lit_int(1)), 0);
    dusk_arg *xs[10];
    for (int i = 0; i < 10; i++) {
        char key[16];
        snprintf(key, sizeof key, "x%d", i);
        assert_int_equal(dusk_task(g, key, &dusk_inc, dusk_ref("s")), 0);
        xs[i] = dusk_ref(key);
    }
    assert_int_equal(dusk_task(g, "total", &dusk_sum, dusk_listv(10, xs)), 0);
    int64_t sid = dusk_graph_find(g, "s");
    for (size_t s = 0; s < NSCHEDS; s++) {
        holder h = {.allowance = 1};
        pthread_mutex_init(&h.mu, NULL);
        pthread_cond_init(&h.cv, NULL);
        dusk_callbacks cb = {.ud = &h, .on_event = hold_event, .gate = hold_gate};
        dusk_stream *st = dusk_stream_new();
        bg b = {.g = g, .key = "total"};
        b.o = mkopts(&SCHEDS[s], NULL);
        b.o.callbacks = &cb;
        b.o.ncallbacks = 1;
        b.o.stream = st;
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, bg_run, &b), 0);
        /* held: every worker ends up in the gate, s done, nothing else started */
        int waiting = 0;
        for (int k = 0; k < 400 && waiting < SCHEDS[s].workers; k++) {
            sleep_ms(5);
            pthread_mutex_lock(&h.mu);
            waiting = h.waiting;
            pthread_mutex_unlock(&h.mu);
        }
        assert_int_equal(waiting, SCHEDS[s].workers);
        sleep_ms(200);
        assert_int_equal(atomic_load(&h.starts), 1);
        assert_int_equal(atomic_load(&h.ends), 1);
        size_t n;
        dusk_event *ev = drain_all(st, &n);
        assert_int_equal(count_kind(ev, n, DUSK_EV_START), 1);
        assert_int_equal(count_kind(ev, n, DUSK_EV_END), 1);
        for (size_t i = 0; i < n; i++)
            if (ev[i].kind == DUSK_EV_END)
                assert_int_equal(ev[i].task, sid);   /* in memory while held */
        assert_int_equal(count_kind(ev, n, DUSK_EV_READY), 11);
        free(ev);
        pthread_mutex_lock(&h.mu);
        h.allowance = -1;
        pthread_cond_broadcast(&h.cv);
        pthread_mutex_unlock(&h.mu);
        pthread_join(th, NULL);
        assert_int_equal(b.rc, 0);
        assert_int_equal(b.value, 10 * 2);
        assert_int_equal(atomic_load(&h.starts), 12);
        dusk_stream_free(st);
        pthread_cond_destroy(&h.cv);
        pthread_mutex_destroy(&h.mu);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- a gate that refuses ------------------------------------------------------------ */

/* 40 naps (1 ms each in the tasks' own time, so that another worker is
 * running when the gate refuses) summed. */
static int short_nap(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                     void *ud)
{
    (void)nargs;
    (void)err;
    (void)ud;
    sleep_ms(1);
    *out = dusk_int(dusk_value_int(args[0]));
    return 0;
}

static const dusk_func SHORT_NAP = {"short_nap", short_nap, NULL};

static dusk_graph *naps_graph(int n)
{
    dusk_graph *g = dusk_graph_new();
    dusk_arg **xs = malloc((size_t)n * sizeof *xs);
    for (int i = 0; i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "n%d", i);
        dusk_task(g, key, &SHORT_NAP, dusk_lit_int(i));
        xs[i] = dusk_ref(key);
    }
    dusk_task(g, "total", &dusk_sum, dusk_listv((size_t)n, xs));
    free(xs);
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    return g;
}

static void test_gate_refuses(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = naps_graph(40);
    for (size_t s = 0; s < NSCHEDS; s++) {
        counter c;
        counter_init(&c);
        c.refuse = 5;
        c.refuse_code = DUSK_ECANCELED;
        dusk_callbacks cb = counting(&c);
        dusk_stream *st = dusk_stream_new();
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        o.callbacks = &cb;
        o.ncallbacks = 1;
        o.stream = st;
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "total", &o, &out, &err), DUSK_ECANCELED);
        assert_null(out);
        assert_int_equal(err.code, DUSK_ECANCELED);
        assert_string_equal(err.msg, "the window was closed");
        assert_int_equal(atomic_load(&c.bad), 0);
        long passes = atomic_load(&c.passes), starts = atomic_load(&c.starts);
        /* no task starts past the refusal: only the 5 passes' tasks (a
         * pass may go unused with several workers); every one ended */
        assert_int_equal(passes, 5);
        assert_true(starts >= 1 && starts <= 5);
        if (SCHEDS[s].workers == 1)
            assert_int_equal(starts, 5);
        assert_int_equal(atomic_load(&c.ends), starts);
        size_t n;
        dusk_event *ev = drain_all(st, &n);
        assert_int_equal(count_kind(ev, n, DUSK_EV_START), (size_t)starts);
        assert_int_equal(count_kind(ev, n, DUSK_EV_END), (size_t)starts);
        assert_int_equal(ev[n - 1].kind, DUSK_EV_RUN_END);
        assert_int_equal(ev[n - 1].status, DUSK_ECANCELED);
        free(ev);
        dusk_stream_free(st);
    }
    /* sync: a positive code counts as DUSK_ECANCELED; no message says so */
    counter c;
    counter_init(&c);
    c.refuse = 2;
    c.refuse_code = 1;
    dusk_callbacks cb = counting(&c);
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_get(g, "total", &o, &out, &err), DUSK_ECANCELED);
    assert_contains(err.msg, "a gate stopped the run");
    assert_int_equal(atomic_load(&c.starts), 2);
    /* two sets of callbacks: the second's gate is not asked once the
     * first refuses, and both are asked otherwise */
    counter c1, c2;
    counter_init(&c1);
    counter_init(&c2);
    c1.refuse = 3;
    c1.refuse_code = DUSK_EIO;
    dusk_callbacks two[2] = {counting(&c1), counting(&c2)};
    o.callbacks = two;
    o.ncallbacks = 2;
    assert_int_equal(dusk_get(g, "total", &o, &out, &err), DUSK_EIO);
    assert_string_equal(err.msg, "the window was closed");
    assert_int_equal(atomic_load(&c1.calls), 4);
    assert_int_equal(atomic_load(&c2.calls), 3);
    assert_int_equal(atomic_load(&c2.starts), 3);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A gate on a graph whose task fails: the task's error, and no START after
 * the ERROR in the stream. */
static void test_gate_failing_graph(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = naps_graph(30);
    assert_int_equal(dusk_task(g, "bad", &failf, dusk_ref("n7")), 0);
    dusk_arg *both[2] = {dusk_ref("total"), dusk_ref("bad")};
    assert_int_equal(dusk_task(g, "top", &dusk_sum, dusk_listv(2, both)), 0);
    for (size_t s = 0; s < NSCHEDS; s++) {
        counter c;
        counter_init(&c);
        dusk_callbacks cb = counting(&c);
        dusk_stream *st = dusk_stream_new();
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        o.callbacks = &cb;
        o.ncallbacks = 1;
        o.stream = st;
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "top", &o, &out, &err), DUSK_EIO);
        assert_null(out);
        assert_contains(err.msg, "disk on fire");
        assert_int_equal(atomic_load(&c.bad), 0);
        assert_int_equal(atomic_load(&c.errors), 1);
        long starts = atomic_load(&c.starts);
        assert_int_equal(atomic_load(&c.ends) + 1, starts);
        if (SCHEDS[s].workers == 1)   /* no gate is asked once the run failed */
            assert_int_equal(atomic_load(&c.passes), starts);
        size_t n;
        dusk_event *ev = drain_all(st, &n);
        int failed = 0;
        for (size_t i = 0; i < n; i++) {
            if (ev[i].kind == DUSK_EV_ERROR)
                failed = 1;
            if (failed)
                assert_int_not_equal(ev[i].kind, DUSK_EV_START);
        }
        assert_true(failed);
        free(ev);
        dusk_stream_free(st);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- gate_armed: the gate is called only while its int reads non-zero ---------------- */

typedef struct armer {
    int armed;              /* the run's gate_armed */
    long arm_at;            /* the START that arms it (-1: never) */
    atomic_long starts, passes, starts_armed, unarmed_calls;
} armer;

static int armed_gate(void *ud, int worker, dusk_error *err)
{
    (void)worker;
    (void)err;
    armer *a = ud;
    /* armed only goes from 0 to 1: a call is made only after the worker
     * read 1, so the gate never sees 0 */
    if (!__atomic_load_n(&a->armed, __ATOMIC_ACQUIRE))
        atomic_fetch_add(&a->unarmed_calls, 1);
    atomic_fetch_add(&a->passes, 1);
    return 0;
}

static void armed_event(void *ud, const dusk_event *ev)
{
    armer *a = ud;
    if (ev->kind != DUSK_EV_START)
        return;
    long k = atomic_fetch_add(&a->starts, 1);
    if (__atomic_load_n(&a->armed, __ATOMIC_ACQUIRE))
        atomic_fetch_add(&a->starts_armed, 1);
    if (k + 1 == a->arm_at)
        __atomic_store_n(&a->armed, 1, __ATOMIC_RELEASE);
}

static void test_gate_armed(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(600, &root);   /* 1,199 tasks */
    long ntasks = (long)dusk_graph_size(g);
    for (size_t s = 0; s < NSCHEDS; s++) {
        for (int mode = 0; mode < 3; mode++) {   /* never, from the start, mid-run */
            armer a = {.armed = mode == 1, .arm_at = mode == 2 ? 300 : -1};
            dusk_callbacks cb = {.ud = &a, .on_event = armed_event, .gate = armed_gate,
                                 .gate_armed = &a.armed};
            dusk_options o = mkopts(&SCHEDS[s], NULL);
            o.callbacks = &cb;
            o.ncallbacks = 1;
            dusk_value *out = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            assert_int_equal(dusk_get(g, root, &o, &out, &err), 0);
            assert_int_value(out, 600 * 601 / 2);
            dusk_value_unref(out);
            long passes = atomic_load(&a.passes), armed = atomic_load(&a.starts_armed);
            int workers = SCHEDS[s].workers;
            assert_int_equal(atomic_load(&a.starts), ntasks);
            assert_int_equal(atomic_load(&a.unarmed_calls), 0);
            if (mode == 0) {
                assert_int_equal(passes, 0);   /* never armed: never called */
            } else {
                /* armed: every START but those taken as it was set follows
                 * a pass (more passes than that where a worker woke for a
                 * task another one took: never with one worker) */
                assert_true(passes >= armed - workers);
                if (mode == 1 && workers == 1)
                    assert_int_equal(passes, ntasks);
                if (mode == 2)
                    assert_true(passes > 0);
            }
        }
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Two gates, one armed and one never (a viewer's slow motion beside
 * Python's Ctrl-C gate): the armed one is called, the other never is,
 * though the run is gated. */
static void test_gate_armed_per_callback(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(200, &root);
    long ntasks = (long)dusk_graph_size(g);
    for (size_t s = 0; s < NSCHEDS; s++) {
        armer on = {.armed = 1, .arm_at = -1}, off = {.armed = 0, .arm_at = -1};
        dusk_callbacks cb[2] = {
            {.ud = &on, .on_event = armed_event, .gate = armed_gate, .gate_armed = &on.armed},
            {.ud = &off, .on_event = armed_event, .gate = armed_gate, .gate_armed = &off.armed},
        };
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        o.callbacks = cb;
        o.ncallbacks = 2;
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, root, &o, &out, &err), 0);
        assert_int_value(out, 200 * 201 / 2);
        dusk_value_unref(out);
        assert_int_equal(atomic_load(&on.starts), ntasks);
        assert_true(atomic_load(&on.passes) >= ntasks - SCHEDS[s].workers);
        assert_int_equal(atomic_load(&off.passes), 0);
        assert_int_equal(atomic_load(&off.unarmed_calls), 0);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A gate that lets `open` passes through, then holds until the test lets
 * it go (or 3 s, so that a failing test still ends). */
typedef struct latch {
    atomic_long passes;
    long open;
    atomic_int holding, go;
} latch;

static int latch_gate(void *ud, int worker, dusk_error *err)
{
    (void)worker;
    (void)err;
    latch *l = ud;
    if (atomic_fetch_add(&l->passes, 1) < l->open)
        return 0;
    atomic_store(&l->holding, 1);
    /* until the consumer says go; a minute at most, by the clock (a count
     * of 1 ms sleeps ran out under a loaded sanitizer build) */
    for (uint64_t t0 = now_ns(); !atomic_load(&l->go) && now_ns() - t0 < 60000000000u;)
        sleep_ms(1);
    atomic_store(&l->holding, 0);
    return 0;
}

/* A stream while the gate holds the run (a viewer's pause): the consumer
 * gets every event up to the pause, the held task's inputs in memory,
 * while the run is still held (the worker waiting in the gate is quiet,
 * the other idles), and, once the gate opens, the rest in order. */
static void test_gate_stream_while_held(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    enum { N = 200, OPEN = 120 };
    dusk_graph *g = dusk_graph_new();
    char key[32], prev[32];
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "c-%d", i);
        if (i == 0)
            dusk_task(g, key, &dusk_add, dusk_lit_int(0), dusk_lit_int(1));
        else
            dusk_task(g, key, &dusk_add, dusk_ref(prev), dusk_lit_int(1));
        memcpy(prev, key, sizeof key);
    }
    latch l = {.open = OPEN};
    atomic_init(&l.passes, 0);
    atomic_init(&l.holding, 0);
    atomic_init(&l.go, 0);
    dusk_callbacks cb = {.ud = &l, .gate = latch_gate};
    dusk_stream *s = dusk_stream_new();
    bg b = {.g = g, .key = prev};
    b.o = (dusk_options){DUSK_SCHED_THREADS, 2, &cb, 1, s, NULL, 0};
    /* c-(OPEN-1) is the last task to start: its END, and the READY of
     * c-OPEN, which waits for the gate, come out while it holds (found
     * before the run: it finalises the graph) */
    snprintf(key, sizeof key, "c-%d", OPEN - 1);
    int64_t last = dusk_graph_find(g, key);
    snprintf(key, sizeof key, "c-%d", OPEN);
    int64_t next = dusk_graph_find(g, key);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, bg_run, &b), 0);
    size_t cap = 4 * N + 2, n = 0;
    dusk_event *ev = malloc(cap * sizeof *ev);
    int seen_end = 0, seen_ready = 0, during = 0;
    /* 30 s at most by the clock: the run reaches the gate in a few ms, but a
     * sanitizer build on a loaded machine took longer than 2500 sleeps */
    for (uint64_t t0 = now_ns(); !(seen_end && seen_ready) && now_ns() - t0 < 30000000000u;) {
        size_t got = dusk_stream_drain(s, ev + n, cap - n);
        for (size_t i = n; i < n + got; i++) {
            seen_end |= ev[i].kind == DUSK_EV_END && ev[i].task == last;
            seen_ready |= ev[i].kind == DUSK_EV_READY && ev[i].task == next;
            assert_false(ev[i].kind == DUSK_EV_START && ev[i].task == next);
        }
        n += got;
        if (!got)
            sleep_ms(1);
    }
    /* the worker emits c-OPEN's READY, then enters the gate: a consumer
     * quick enough sees both events just before it holds */
    for (uint64_t t0 = now_ns(); seen_end && seen_ready && !atomic_load(&l.holding) &&
                                 now_ns() - t0 < 30000000000u;)
        sleep_ms(1);
    during = seen_end && seen_ready && atomic_load(&l.holding);
    atomic_store(&l.go, 1);
    pthread_join(th, NULL);
    assert_int_equal(b.rc, 0);
    assert_int_equal(b.value, N);
    assert_true(during);
    size_t got;
    while ((got = dusk_stream_drain(s, ev + n, cap - n)) > 0)
        n += got;
    assert_int_equal(n, 4 * N - 1 + 2);   /* the last task is kept: no RELEASED */
    /* no stats and no callback event: the run keeps no held count, the
     * stream sums its events' sizes (the last result is kept) */
    uint64_t last_nb = 0;
    for (size_t i = 1; i < n; i++) {
        assert_true(ev[i - 1].t_ns <= ev[i].t_ns);
        if (ev[i].kind == DUSK_EV_END) {
            assert_true(ev[i].nbytes > 0);
            last_nb = ev[i].nbytes;
        }
        if (ev[i].kind == DUSK_EV_START)
            assert_int_equal(ev[i].held, i > 2 ? last_nb : 0);   /* one result held */
    }
    assert_int_equal(ev[n - 1].kind, DUSK_EV_RUN_END);
    assert_int_equal(ev[n - 1].held, last_nb);
    assert_int_equal(dusk_stream_lost(s), 0);
    free(ev);
    dusk_stream_free(s);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    /* The tasks' functions, by name, for the processes scheduler's workers. */
    dusk_func_register(&failf);
    dusk_func_register(&NAP);
    dusk_func_register(&SHORT_NAP);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_passes_and_starts, reset_alloc),
        cmocka_unit_test_teardown(test_gate_holds, reset_alloc),
        cmocka_unit_test_teardown(test_gate_refuses, reset_alloc),
        cmocka_unit_test_teardown(test_gate_failing_graph, reset_alloc),
        cmocka_unit_test_teardown(test_gate_armed, reset_alloc),
        cmocka_unit_test_teardown(test_gate_armed_per_callback, reset_alloc),
        cmocka_unit_test_teardown(test_gate_stream_while_held, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
