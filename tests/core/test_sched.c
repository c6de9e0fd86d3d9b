/*
** dusk tests — schedulers (include/dusk/sched.h)
**
** The lecture's results under sync and threads (1, 2, 4 workers), nested
** requests, unknown keys, culling, task failures (code, message, no new
** starts, cleanup), agreement of the schedulers on random DAGs, early
** release of intermediates and the memory a tree reduction holds; the
** backends behind dusk_options.scheduler, an unknown one refused, the
** template backend, compiled but never selected, and a backend that runs
** tasks on a thread of its own while callbacks stay on the caller's.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/sched/sched.h"   /* the backends, for the backend tests */
#include "dusk.h"
#include "helpers.h"

/* --- user task functions ---------------------------------------------------- */

typedef struct counter {
    atomic_int calls;
    atomic_int inflight;
    atomic_int max_inflight;
    int sleep_ms;
} counter;

/* Counts calls and concurrency, sleeps, returns its first argument (or 0). */
static int count_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                    dusk_error *err, void *ud)
{
    (void)err;
    counter *c = ud;
    atomic_fetch_add(&c->calls, 1);
    int now = atomic_fetch_add(&c->inflight, 1) + 1;
    int m = atomic_load(&c->max_inflight);
    while (now > m && !atomic_compare_exchange_weak(&c->max_inflight, &m, now))
        ;
    if (c->sleep_ms)
        sleep_ms(c->sleep_ms);
    atomic_fetch_sub(&c->inflight, 1);
    *out = nargs ? dusk_value_ref(args[0]) : dusk_int(0);
    return *out ? 0 : DUSK_ENOMEM;
}

/* Fails with the code in *ud after sleeping a little, with a message. */
typedef struct failer {
    int code;
    int sleep_ms;
    int say;          /* set a message? */
    atomic_int calls;
} failer;

static int fail_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                   dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)out;
    failer *f = ud;
    atomic_fetch_add(&f->calls, 1);
    if (f->sleep_ms)
        sleep_ms(f->sleep_ms);
    if (f->say)
        return dusk_error_set(err, f->code, "boom %d", 42);
    return f->code;
}

static void assert_run_int(dusk_graph *g, const char *key,
                           const dusk_options *o, int64_t want)
{
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_get(g, key, o, &out, &err);
    if (rc != 0)
        fail_msg("get %s: %s: %s", key, dusk_err_name(rc), err.msg);
    assert_int_equal(err.code, 0);
    assert_int_value(out, want);
    dusk_value_unref(out);
}

static size_t cull_count(dusk_graph *g, const char *const *keys, size_t n)
{
    int64_t *ids = NULL;
    size_t nids = 0;
    assert_int_equal(dusk_graph_cull(g, keys, n, &ids, &nids, NULL), 0);
    dusk_free(ids);
    return nids;
}

/* --- the lecture -------------------------------------------------------------- */

static void test_lecture_dsk(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    size_t nz = cull_count(g, (const char *[]){"z"}, 1);
    size_t nb = cull_count(g, (const char *[]){"b"}, 1);
    assert_int_equal(nz, 5);
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_run_stats st;
        memset(&st, 0xff, sizeof st);
        dusk_options o = mkopts(&SCHEDS[s], &st);
        assert_run_int(g, "z", &o, 13);
        assert_int_equal(st.ntasks, nz);
        assert_int_equal(st.held_end, 8);
        assert_true(st.held_peak >= 16 && st.held_peak <= 5 * 8);
        assert_true(st.workers >= 1 && st.workers <= SCHEDS[s].workers);
        if (SCHEDS[s].kind == DUSK_SCHED_SYNC)
            assert_int_equal(st.workers, 1);
        assert_true(st.wall_ns < 10000000000ull);
        /* the graph is only read: again, and for another key */
        assert_run_int(g, "z", &o, 13);
        assert_run_int(g, "b", &o, 2);
        assert_int_equal(st.ntasks, nb);
        assert_run_int(g, "y", &o, 11);
        assert_run_int(g, "a", &o, 1);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_lecture_dsk2(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk2();
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        assert_run_int(g, "c", &o, 3);   /* Out[104]: 3 */
        assert_run_int(g, "d", &o, 6);   /* Out[105]: 6 */
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        /* Out[106]: (1, 2, 3) */
        assert_int_equal(dusk_get_list(g, (const char *[]){"a", "b", "c"}, 3,
                                       &o, &out, &err), 0);
        assert_int_equal(dusk_value_kind(out), DUSK_KIND_TUPLE);
        assert_repr(out, "(1, 2, 3)");
        dusk_value_unref(out);
        assert_int_equal(dusk_get_list(g, (const char *[]){"d"}, 1, &o, &out,
                                       &err), 0);
        assert_repr(out, "(6,)");
        dusk_value_unref(out);
        assert_int_equal(dusk_get_list(g, (const char *[]){"c", "a", "c", "d"},
                                       4, &o, &out, &err), 0);
        assert_repr(out, "(3, 1, 3, 6)");
        dusk_value_unref(out);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_defaults(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    assert_true(dusk_ncores() >= 1);
    dusk_graph *g = lecture_dsk();
    dusk_value *out = NULL;
    assert_int_equal(dusk_get(g, "z", NULL, &out, NULL), 0);
    assert_int_value(out, 13);
    dusk_value_unref(out);
    dusk_run_stats st;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.stats = &st;
    assert_int_equal(dusk_get(g, "z", &o, &out, NULL), 0);
    dusk_value_unref(out);
    assert_true(st.workers >= 1 && st.workers <= dusk_ncores());
    /* unknown key without an error struct */
    out = NULL;
    assert_int_equal(dusk_get(g, "nope", NULL, &out, NULL), DUSK_ENOKEY);
    assert_null(out);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- backends ------------------------------------------------------------------- */

/* DUSK_SCHED_SYNC and DUSK_SCHED_THREADS select the two registered
 * backends; no kind selects the template; an unknown kind is refused with
 * a message naming it, before anything runs. */
static atomic_int starts_seen;
static void count_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ud;
    (void)plan;
    (void)ntasks;
    atomic_fetch_add(&starts_seen, 1);
}

static void test_backend_selection(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    assert_ptr_equal(dusk__backend_find(DUSK_SCHED_SYNC), &dusk__sched_sync);
    assert_ptr_equal(dusk__backend_find(DUSK_SCHED_THREADS), &dusk__sched_threads);
    assert_string_equal(dusk__sched_sync.name, "sync");
    assert_string_equal(dusk__sched_threads.name, "threads");
    assert_null(dusk__backend_find(dusk__sched_template.kind));
    assert_null(dusk__backend_find(7));

    dusk_graph *g = lecture_dsk();
    dusk_callbacks cb = {.start = count_start};
    atomic_store(&starts_seen, 0);
    for (int kind = -1; kind <= 7; kind += 8) {
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = (dusk_sched_kind)kind;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        dusk_value *out = (dusk_value *)&o;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "z", &o, &out, &err), DUSK_EINVAL);
        assert_null(out);
        char want[32];
        snprintf(want, sizeof want, "unknown scheduler %d", kind);
        assert_contains(err.msg, want);
        assert_contains(err.msg, "DUSK_SCHED_SYNC, _THREADS, _PROCESSES or _MPI");
    }
    assert_int_equal(atomic_load(&starts_seen), 0);   /* no run began */
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* The template backend compiles, fills every function, and refuses to
 * run: the run fails cleanly (listeners see it begin and fail, nothing
 * leaks) and the graph still computes afterwards. dusk__compute_on runs a
 * request on any backend, as dusk_compute does on the selected one. */
static atomic_int finish_status;
static void note_finish(void *ud, int status)
{
    (void)ud;
    atomic_store(&finish_status, status);
}

static void test_template_backend(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const dusk__backend *b = &dusk__sched_template;
    assert_non_null(b->name);
    assert_non_null(b->workers);
    assert_non_null(b->init);
    assert_non_null(b->run);
    assert_non_null(b->fini);
    dusk_graph *g = lecture_dsk();
    dusk_callbacks cb = {.start = count_start, .finish = note_finish};
    dusk_options o = DUSK_OPTIONS_INIT;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    atomic_store(&starts_seen, 0);
    atomic_store(&finish_status, 0);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk__compute_on(b, g, dusk_ref("z"), &o, &out, &err), DUSK_EINVAL);
    assert_null(out);
    assert_contains(err.msg, "template backend runs nothing");
    assert_int_equal(atomic_load(&starts_seen), 1);
    assert_int_equal(atomic_load(&finish_status), DUSK_EINVAL);
    /* the engine's entry runs the registered ones as dusk_compute does */
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options so = mkopts(&SCHEDS[s], NULL);
        assert_int_equal(dusk__compute_on(dusk__backend_find(SCHEDS[s].kind), g,
                                          dusk_ref("z"), &so, &out, &err), 0);
        assert_int_value(out, 13);
        dusk_value_unref(out);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A backend whose tasks run on a thread of their own, standing in for a
 * forked worker or an MPI rank: the scheduling thread (the caller's) takes
 * the steps and calls dusk__run_started and dusk__run_ended around each
 * task, and sends the executor only bytes: the task's message
 * (dusk__run_message) encoded with dusk_value_encode; the executor
 * decodes it, runs it by its function's key (dusk__task_call) and sends
 * back the encoded result. Every result and every callback must come out
 * as with sync, and no callback may be called on the executor's thread. */
typedef struct remote {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    dusk__run *r;
    void *bytes;         /* handed over: the task; handed back: its result */
    size_t len;
    int busy, quit;
    int status;
    dusk_error terr;
} remote;

static int remote_sent;  /* tasks that travelled as bytes (one run at a time) */

static void *remote_main(void *arg)
{
    remote *x = arg;
    pthread_mutex_lock(&x->mu);
    for (;;) {
        while (!x->busy && !x->quit)
            pthread_cond_wait(&x->cv, &x->mu);
        if (x->quit)
            break;
        dusk_error_clear(&x->terr);
        dusk_value *msg = NULL, *v = NULL;
        x->status = dusk_value_decode(x->bytes, x->len, &msg, NULL, &x->terr);
        dusk_free(x->bytes);
        x->bytes = NULL;
        if (!x->status)
            x->status = dusk__task_call(msg, &v, &x->terr);
        if (!x->status)
            x->status = dusk_value_encode(v, &x->bytes, &x->len, &x->terr);
        dusk_value_unref(msg);
        dusk_value_unref(v);
        x->busy = 0;
        pthread_cond_broadcast(&x->cv);
    }
    pthread_mutex_unlock(&x->mu);
    return NULL;
}

/* Runs task t on the executor, through bytes both ways; values and
 * aliases are computed here. */
static int remote_execute(remote *x, int64_t t, dusk_value **out, dusk_error *terr)
{
    dusk_value *msg = NULL;
    *out = NULL;
    dusk_error_clear(terr);
    int rc = dusk__run_message(x->r, t, &msg, terr);
    if (rc || !msg)
        return rc ? rc : dusk__run_execute(x->r, t, out, terr);
    void *bytes = NULL;
    size_t len = 0;
    rc = dusk_value_encode(msg, &bytes, &len, terr);
    dusk_value_unref(msg);
    if (rc)
        return rc;
    pthread_mutex_lock(&x->mu);
    x->bytes = bytes;
    x->len = len;
    x->busy = 1;
    remote_sent++;
    pthread_cond_broadcast(&x->cv);
    while (x->busy)
        pthread_cond_wait(&x->cv, &x->mu);
    rc = x->status;
    *terr = x->terr;
    bytes = x->bytes;
    len = x->len;
    x->bytes = NULL;
    pthread_mutex_unlock(&x->mu);
    if (!rc)
        rc = dusk_value_decode(bytes, len, out, NULL, terr);
    dusk_free(bytes);
    return rc;
}

static int remote_workers(const dusk_options *o, dusk_error *err)
{
    (void)o;
    (void)err;
    return 1;
}

static int remote_init(dusk__run *r, dusk_error *err)
{
    remote *x = calloc(1, sizeof *x);
    if (!x)
        return dusk_error_set(err, DUSK_ENOMEM, "no memory for the remote");
    x->r = r;
    pthread_mutex_init(&x->mu, NULL);
    pthread_cond_init(&x->cv, NULL);
    r->backend = x;
    if (pthread_create(&x->th, NULL, remote_main, x) != 0)
        return dusk_error_set(err, DUSK_ESYS, "cannot start the remote");
    return 0;
}

static int remote_run(dusk__run *r, dusk_error *err)
{
    (void)err;
    remote *x = r->backend;
    dusk__worker *w = &r->workers[0];
    int64_t t = dusk__run_step(r, w, dusk__run_clock(r, w), -1, NULL, 0, NULL);
    while (t >= 0) {
        dusk__run_started(r, w, t);
        dusk_value *v = NULL;
        dusk_error terr;
        int status = remote_execute(x, t, &v, &terr);
        dusk__run_ended(r, w, t, v, status);
        t = dusk__run_step(r, w, dusk__run_clock(r, w), t, v, status, &terr);
    }
    dusk__run_flush(r, w);
    r->used = 1;
    return 0;
}

static void remote_fini(dusk__run *r)
{
    remote *x = r->backend;
    pthread_mutex_lock(&x->mu);
    x->quit = 1;
    pthread_cond_broadcast(&x->cv);
    pthread_mutex_unlock(&x->mu);
    pthread_join(x->th, NULL);
    pthread_cond_destroy(&x->cv);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

static const dusk__backend remote_backend = {"remote", 99, remote_workers, remote_init,
                                             remote_run, remote_fini, NULL, 0, 0};

typedef struct where {
    pthread_t caller;
    atomic_int calls, elsewhere, pre, post, events;
} where;

static void where_check(where *h)
{
    atomic_fetch_add(&h->calls, 1);
    if (!pthread_equal(pthread_self(), h->caller))
        atomic_fetch_add(&h->elsewhere, 1);
}
static void w_start(void *ud, const dusk_plan *p, size_t n)
{
    (void)p;
    (void)n;
    where_check(ud);
}
static void w_pre(void *ud, int64_t t, int worker)
{
    (void)t;
    (void)worker;
    where_check(ud);
    atomic_fetch_add(&((where *)ud)->pre, 1);
}
static void w_post(void *ud, int64_t t, const dusk_value *v, int status, int worker)
{
    (void)t;
    (void)worker;
    where_check(ud);
    if ((status == 0) == (v != NULL))
        atomic_fetch_add(&((where *)ud)->post, 1);
}
static void w_event(void *ud, const dusk_event *ev)
{
    (void)ev;
    where_check(ud);
    atomic_fetch_add(&((where *)ud)->events, 1);
}
static void w_finish(void *ud, int status)
{
    (void)status;
    where_check(ud);
}

static void test_backend_out_of_thread(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    rdag r;
    assert_int_equal(rdag_build(&r, 17, 150), 0);
    const char *key = r.keys[149];
    static failer f = {DUSK_EIO, 0, 1, 0};
    static const dusk_func bad = {"bad", fail_fn, &f};
    /* tasks travel by their function's key: one not registered cannot */
    static const dusk_func unknown = {"unknown", fail_fn, &f};
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_task(g, "u", &unknown, dusk_ref("a"));
    dusk_options o1 = DUSK_OPTIONS_INIT;
    dusk_value *v1 = NULL;
    dusk_error e1 = DUSK_ERROR_INIT;
    assert_int_equal(dusk__compute_on(&remote_backend, g, dusk_ref("u"), &o1, &v1, &e1), DUSK_EINVAL);
    assert_contains(e1.msg, "task 'u': its function 'unknown' is not registered");
    dusk_graph_free(g);
    assert_int_equal(dusk_func_register_as("test.sched.bad", &bad), 0);
    for (int failing = 0; failing < 2; failing++) {
        remote_sent = 0;
        if (failing) {
            dusk_task(r.g, "broken", &bad, dusk_ref(key));
            key = "broken";
        }
        where h = {.caller = pthread_self()};
        dusk_callbacks cb = {.ud = &h, .start = w_start, .pretask = w_pre, .posttask = w_post,
                             .on_event = w_event, .finish = w_finish};
        dusk_stream *st = dusk_stream_new();
        dusk_run_stats stats;
        dusk_options o = {DUSK_SCHED_SYNC, 1, &cb, 1, st, &stats, 0};
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk__compute_on(&remote_backend, r.g, dusk_ref(key), &o, &out, &err);
        if (failing) {
            assert_int_equal(rc, DUSK_EIO);
            assert_contains(err.msg, "task 'broken' (bad) failed: boom 42");
            assert_null(out);
        } else {
            assert_int_equal(rc, 0);
            assert_int_value(out, r.expect[149]);
            dusk_value_unref(out);
        }
        assert_true(remote_sent > 0);   /* the tasks went as bytes */
        assert_int_equal(atomic_load(&h.elsewhere), 0);
        assert_int_equal(atomic_load(&h.pre), (int)stats.ntasks);
        assert_int_equal(atomic_load(&h.post), (int)stats.ntasks);
        assert_int_equal(atomic_load(&h.events), (int)dusk_stream_appended(st));
        assert_true(atomic_load(&h.calls) > 2 * (int)stats.ntasks);
        dusk_stream_free(st);
    }
    rdag_free(&r);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_compute_nested(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk2();
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_compute(g, dusk_list(dusk_ref("a"),
                                                   dusk_list(dusk_ref("b"),
                                                             dusk_ref("c"))),
                                      &o, &out, &err), 0);
        assert_repr(out, "(1, (2, 3))");
        dusk_value_unref(out);

        assert_int_equal(dusk_compute(g, dusk_ref("d"), &o, &out, &err), 0);
        assert_int_value(out, 6);
        dusk_value_unref(out);

        assert_int_equal(
            dusk_compute(g, dusk_list(dusk_list(dusk_list(dusk_ref("c"))),
                                      dusk_lit_int(7), dusk_lit_str("s"),
                                      dusk_listv(0, NULL), dusk_ref("c")),
                         &o, &out, &err), 0);
        assert_repr(out, "(((3,),), 7, 's', (), 3)");
        dusk_value_unref(out);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A request with no keys runs nothing, and says so in the stats. */
static void test_request_without_keys(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_run_stats st;
        memset(&st, 0xff, sizeof st);
        dusk_options o = mkopts(&SCHEDS[s], &st);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_compute(g, dusk_list(dusk_lit_int(5),
                                                   dusk_listv(0, NULL)),
                                      &o, &out, &err), 0);
        assert_repr(out, "(5, ())");
        dusk_value_unref(out);
        assert_int_equal(st.ntasks, 0);
        assert_int_equal(st.held_peak, 0);
        assert_int_equal(st.held_end, 0);
        memset(&st, 0xff, sizeof st);
        assert_int_equal(dusk_get_list(g, NULL, 0, &o, &out, &err), 0);
        assert_repr(out, "()");
        dusk_value_unref(out);
        assert_int_equal(st.ntasks, 0);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "nokey", &o, &out, &err), DUSK_ENOKEY);
        assert_null(out);
        assert_int_equal(err.code, DUSK_ENOKEY);
        assert_contains(err.msg, "'nokey'");

        dusk_error_clear(&err);
        assert_int_equal(dusk_get_list(g, (const char *[]){"z", "missing1"}, 2,
                                       &o, &out, &err), DUSK_ENOKEY);
        assert_null(out);
        assert_contains(err.msg, "'missing1'");

        dusk_error_clear(&err);
        assert_int_equal(dusk_compute(g, dusk_list(dusk_ref("a"),
                                                   dusk_list(dusk_ref("b"),
                                                             dusk_ref("deep"))),
                                      &o, &out, &err), DUSK_ENOKEY);
        assert_null(out);
        assert_contains(err.msg, "'deep'");

        dusk_error_clear(&err);
        assert_int_equal(dusk_get(g, "('x', 0)", &o, &out, &err), DUSK_ENOKEY);
        assert_contains(err.msg, "('x', 0)");
        if (contains(err.msg, "'('")) /* printed as Dask prints tuple keys */
            fail_msg("tuple key quoted like a string key: %s", err.msg);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- culling ------------------------------------------------------------------ */

static void test_only_needed_tasks_run(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static counter needed, unneeded;
    static failer never = {DUSK_ETASK, 0, 1, 0};
    const dusk_func need_f = {"need", count_fn, &needed};
    const dusk_func unneed_f = {"unneed", count_fn, &unneeded};
    const dusk_func fail_f = {"fail", fail_fn, &never};
    dusk_graph *g = lecture_dsk();
    dusk_task(g, "n1", &need_f, dusk_ref("b"));
    dusk_task(g, "n2", &need_f, dusk_ref("n1"));
    dusk_task(g, "u1", &unneed_f, dusk_ref("z"));
    dusk_task(g, "u2", &unneed_f, dusk_ref("n2"));
    dusk_task(g, "u3", &fail_f, dusk_ref("a"));
    size_t n = cull_count(g, (const char *[]){"n2"}, 1);
    assert_int_equal(n, 4); /* a, b, n1, n2 */
    for (size_t s = 0; s < NSCHEDS; s++) {
        if (sched_remote(&SCHEDS[s]))
            continue;   /* counts calls in this process: on processes, in the workers */
        atomic_store(&needed.calls, 0);
        atomic_store(&unneeded.calls, 0);
        dusk_run_stats st;
        dusk_options o = mkopts(&SCHEDS[s], &st);
        assert_run_int(g, "n2", &o, 2);
        assert_int_equal(st.ntasks, n);
        assert_int_equal(atomic_load(&needed.calls), 2);
        assert_int_equal(atomic_load(&unneeded.calls), 0);
        assert_int_equal(atomic_load(&never.calls), 0);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- failures ----------------------------------------------------------------- */

static void test_failure_code_and_message(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const int codes[] = {DUSK_ETASK, DUSK_EIO, DUSK_ETYPE};
    for (size_t c = 0; c < 3; c++)
        for (int say = 0; say <= 1; say++) {
            failer fl = {codes[c], 0, say, 0};
            const dusk_func fail_f = {"failing", fail_fn, &fl};
            dusk_graph *g = lecture_dsk();
            dusk_task(g, "b", &fail_f, dusk_ref("a"));   /* replaces b */
            char first[DUSK_ERROR_MSG_MAX] = "";
            for (size_t s = 0; s < NSCHEDS; s++) {
                if (sched_remote(&SCHEDS[s]))
                    continue;   /* its failing function is not registered (a ud per case): test_processes checks errors from workers */
                dusk_options o = mkopts(&SCHEDS[s], NULL);
                dusk_value *out = NULL;
                dusk_error err = DUSK_ERROR_INIT;
                int rc = dusk_get(g, "z", &o, &out, &err);
                assert_int_equal(rc, codes[c]);
                assert_null(out);
                assert_int_equal(err.code, codes[c]);
                assert_contains(err.msg, "'b'");
                if (say)
                    assert_contains(err.msg, "boom 42");
                if (s == 0)
                    strcpy(first, err.msg);
                else
                    assert_string_equal(err.msg, first); /* same everywhere */
                /* a get that does not need b still works */
                assert_run_int(g, "y", &o, 11);
            }
            dusk_graph_free(g);
        }
    assert_int_equal(dusk_alloc_live(), live);
}

/* A task function that "succeeds" without a value is a failed task, not a
 * crash. */
static int no_value_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                       dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)out;
    (void)err;
    (void)ud;
    return 0;
}

static void test_task_without_value(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const dusk_func f = {"novalue", no_value_fn, NULL};
    dusk_graph *g = lecture_dsk();
    dusk_task(g, "y", &f, dusk_ref("x"));
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_get(g, "z", &o, &out, &err);
        assert_true(rc < 0);
        assert_null(out);
        assert_contains(err.msg, "'y'");
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_builtin_failure_under_all_schedulers(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk();
    dusk_graph_value(g, "x", dusk_string("ten")); /* inc('ten') fails */
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_options o = mkopts(&SCHEDS[s], NULL);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "z", &o, &out, &err), DUSK_ETYPE);
        assert_null(out);
        assert_contains(err.msg, "'y'");
        assert_contains(err.msg, "inc");
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Drains everything a finished run left in the stream (libc memory). */
static dusk_event *drain_all(dusk_stream *st, size_t *n)
{
    size_t cap = 256, len = 0;
    dusk_event *ev = malloc(cap * sizeof *ev);
    for (;;) {
        if (len == cap)
            ev = realloc(ev, (cap *= 2) * sizeof *ev);
        size_t got = dusk_stream_drain(st, ev + len, cap - len);
        if (!got)
            break;
        len += got;
    }
    *n = len;
    return ev;
}

/* f fails; a chain of sleeps after it must never start; independent slow
 * tasks beside it stop being started once the failure is known; the run
 * returns only when running tasks have finished; nothing leaks. */
static void test_no_new_tasks_after_failure(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (size_t s = 0; s < NSCHEDS; s++) {
        if (sched_remote(&SCHEDS[s]))
            continue;   /* counts starts through ud in this process's memory */
        static counter side;
        memset(&side, 0, sizeof side);
        side.sleep_ms = 3;
        failer fl = {DUSK_ETASK, 5, 1, 0};
        const dusk_func fail_f = {"failing", fail_fn, &fl};
        const dusk_func side_f = {"side", count_fn, &side};
        dusk_graph *g = dusk_graph_new();
        /* the long chain (the critical path) starts with the failing task */
        dusk_graph_taskv(g, "f", &fail_f, 0, NULL);
        char k[16], prev[16] = "f";
        for (int i = 0; i < 12; i++) {
            snprintf(k, sizeof k, "s%02d", i);
            dusk_task(g, k, &dusk_sleep, dusk_lit_int(1), dusk_ref(prev));
            strcpy(prev, k);
        }
        dusk_arg *items[41];
        items[0] = dusk_ref(prev);
        for (int i = 0; i < 40; i++) {
            snprintf(k, sizeof k, "w%02d", i);
            dusk_graph_taskv(g, k, &side_f, 0, NULL);
            items[i + 1] = dusk_ref(k);
        }
        dusk_task(g, "total", &dusk_sum, dusk_listv(41, items));
        assert_int_equal(dusk_graph_status(g, NULL), 0);

        dusk_stream *stream = dusk_stream_new();
        dusk_run_stats st;
        dusk_options o = mkopts(&SCHEDS[s], &st);
        o.stream = stream;
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get(g, "total", &o, &out, &err), DUSK_ETASK);
        assert_null(out);
        assert_contains(err.msg, "'f'");
        assert_int_equal(atomic_load(&side.inflight), 0); /* all finished */
        assert_int_equal(atomic_load(&fl.calls), 1);

        size_t n;
        dusk_event *ev = drain_all(stream, &n);
        int64_t fid = dusk_graph_find(g, "f");
        size_t err_at = n;
        int starts_after = 0, errors = 0, side_starts = 0;
        for (size_t i = 0; i < n; i++) {
            if (ev[i].kind == DUSK_EV_ERROR) {
                errors++;
                err_at = i;
                assert_int_equal(ev[i].task, fid);
                assert_int_equal(ev[i].status, DUSK_ETASK);
            }
            if (ev[i].kind == DUSK_EV_START) {
                const char *key = dusk_graph_key(g, ev[i].task);
                assert_true(key[0] != 's' && strcmp(key, "total") != 0);
                if (key[0] == 'w')
                    side_starts++;
                if (i > err_at)
                    starts_after++;
            }
        }
        assert_int_equal(errors, 1);
        assert_int_equal(ev[n - 1].kind, DUSK_EV_RUN_END);
        assert_int_equal(ev[n - 1].status, DUSK_ETASK);
        assert_int_equal(side_starts, atomic_load(&side.calls));
        /* the failing task ran first (critical path), so most side tasks
         * never started; a worker may have picked one just as f failed */
        assert_true(starts_after <= SCHEDS[s].workers - 1);
        assert_true(atomic_load(&side.calls) < 40);
        free(ev);
        dusk_stream_free(stream);
        dusk_graph_free(g);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- schedulers agree ------------------------------------------------------------ */

static void test_random_dags_agree(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (uint64_t seed = 1; seed <= 200; seed++) {
        rdag r;
        int n = 20 + (int)((seed * 7919) % 281);
        assert_int_equal(rdag_build(&r, seed, n), 0);
        const char *keys[4];
        int idx[4];
        int nreq = 1 + (int)(seed % 4);
        rdag_requests(&r, seed, nreq, keys, idx);
        size_t nculled = cull_count(r.g, keys, (size_t)nreq);

        const sched_cfg *th = &SCHEDS[1 + seed % 3];
        const sched_cfg *cfgs[2] = {&SCHEDS[0], th};
        char reprs[2][512];
        for (int c = 0; c < 2; c++) {
            dusk_run_stats st;
            dusk_options o = mkopts(cfgs[c], &st);
            dusk_value *out = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            int rc = dusk_get_list(r.g, keys, (size_t)nreq, &o, &out, &err);
            if (rc != 0)
                fail_msg("seed %llu n %d %s: %s %s", (unsigned long long)seed,
                         n, cfgs[c]->name, dusk_err_name(rc), err.msg);
            assert_int_equal(dusk_tuple_len(out), (size_t)nreq);
            for (int j = 0; j < nreq; j++) {
                dusk_value *v = dusk_tuple_get(out, (size_t)j);
                if (dusk_value_kind(v) != DUSK_KIND_INT ||
                    dusk_value_int(v) != r.expect[idx[j]])
                    fail_msg("seed %llu %s key %s: got %lld want %lld",
                             (unsigned long long)seed, cfgs[c]->name, keys[j],
                             (long long)dusk_value_int(v),
                             (long long)r.expect[idx[j]]);
            }
            dusk_value_repr(out, reprs[c], sizeof reprs[c]);
            assert_int_equal(st.ntasks, nculled);
            dusk_value_unref(out);
        }
        assert_string_equal(reprs[0], reprs[1]);
        rdag_free(&r);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- memory ------------------------------------------------------------------------ */

static dusk_graph *chain(int n)
{
    dusk_graph *g = dusk_graph_new();
    char k[16], prev[16];
    dusk_graph_value(g, "c0", dusk_int(0));
    for (int i = 1; i < n; i++) {
        snprintf(k, sizeof k, "c%d", i);
        snprintf(prev, sizeof prev, "c%d", i - 1);
        dusk_task(g, k, &dusk_inc, dusk_ref(prev));
    }
    return g;
}

static void test_chain_early_release(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = chain(10000);
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    const size_t which[] = {0, 2, 3};
    for (size_t w = 0; w < 3; w++) {
        const sched_cfg *c = &SCHEDS[which[w]];
        dusk_run_stats st;
        dusk_options o = mkopts(c, &st);
        assert_run_int(g, "c9999", &o, 9999);
        assert_int_equal(st.ntasks, 10000);
        assert_int_equal(st.held_peak, 2 * 8);
        assert_int_equal(st.held_end, 8);

        /* a requested intermediate is kept */
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get_list(g, (const char *[]){"c4999", "c9999"}, 2,
                                       &o, &out, &err), 0);
        assert_repr(out, "(4999, 9999)");
        assert_int_equal(st.held_peak, 3 * 8);
        assert_int_equal(st.held_end, 2 * 8);
        dusk_value_unref(out);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A binary tree sum of 1024 leaves (each a task): ordered depth first it
 * holds O(log n) results, not O(n). */
static void test_tree_sum_memory(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    enum { LOGN = 10, N = 1 << LOGN };
    dusk_graph *g = dusk_graph_new();
    char k[32], l[32], r[32];
    for (int i = 0; i < N; i++) {
        snprintf(k, sizeof k, "('leaf', %d)", i);
        dusk_task(g, k, &dusk_identity, dusk_lit_int(i));
    }
    /* level h node j sums level h-1 nodes 2j and 2j+1 */
    for (int h = 1; h <= LOGN; h++)
        for (int j = 0; j < (N >> h); j++) {
            snprintf(k, sizeof k, "('s%d', %d)", h, j);
            if (h == 1) {
                snprintf(l, sizeof l, "('leaf', %d)", 2 * j);
                snprintf(r, sizeof r, "('leaf', %d)", 2 * j + 1);
            } else {
                snprintf(l, sizeof l, "('s%d', %d)", h - 1, 2 * j);
                snprintf(r, sizeof r, "('s%d', %d)", h - 1, 2 * j + 1);
            }
            dusk_task(g, k, &dusk_add, dusk_ref(l), dusk_ref(r));
        }
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    snprintf(k, sizeof k, "('s%d', 0)", LOGN);
    for (size_t s = 0; s < NSCHEDS; s++) {
        dusk_run_stats st;
        dusk_options o = mkopts(&SCHEDS[s], &st);
        assert_run_int(g, k, &o, (int64_t)N * (N - 1) / 2);
        assert_int_equal(st.ntasks, 2 * N - 1);
        uint64_t bound = 8u * (uint64_t)(2 * LOGN + 2 + 4 * SCHEDS[s].workers);
        if (st.held_peak > bound)
            fail_msg("%s: held_peak %llu > %llu (O(n) would be %d)",
                     SCHEDS[s].name, (unsigned long long)st.held_peak,
                     (unsigned long long)bound, 8 * N);
        assert_int_equal(st.held_end, 8);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Intermediate values are released (their destructor runs) during the run;
 * a requested one survives until its caller lets it go. */
static atomic_int opq_freed;
static void opq_dtor(void *p)
{
    free(p);
    atomic_fetch_add(&opq_freed, 1);
}
static int make_opaque_fn(dusk_value *const *args, size_t nargs,
                          dusk_value **out, dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    *out = dusk_opaque(malloc(100), opq_dtor, 100);
    return *out ? 0 : DUSK_ENOMEM;
}
static int use_opaque_fn(dusk_value *const *args, size_t nargs,
                         dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    if (nargs != 1 || dusk_value_kind(args[0]) != DUSK_KIND_OPAQUE)
        return dusk_error_set(err, DUSK_ETYPE, "wants an opaque");
    *out = dusk_int((int64_t)dusk_value_nbytes(args[0]));
    return *out ? 0 : DUSK_ENOMEM;
}

static void test_opaque_intermediates_released(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const dusk_func mk = {"make_opaque", make_opaque_fn, NULL};
    const dusk_func use = {"use_opaque", use_opaque_fn, NULL};
    dusk_graph *g = dusk_graph_new();
    dusk_graph_taskv(g, "o1", &mk, 0, NULL);
    dusk_graph_taskv(g, "o2", &mk, 0, NULL);
    dusk_task(g, "u1", &use, dusk_ref("o1"));
    dusk_task(g, "u2", &use, dusk_ref("o2"));
    dusk_task(g, "t", &dusk_add, dusk_ref("u1"), dusk_ref("u2"));
    for (size_t s = 0; s < NSCHEDS; s++) {
        if (sched_remote(&SCHEDS[s]))
            continue;   /* opaque values cannot travel (test_processes checks the message) */
        atomic_store(&opq_freed, 0);
        dusk_run_stats st;
        dusk_options o = mkopts(&SCHEDS[s], &st);
        assert_run_int(g, "t", &o, 200);
        assert_int_equal(atomic_load(&opq_freed), 2);
        assert_true(st.held_peak >= 100 + 8);
        assert_true(st.held_peak <= 200 + 3 * 8);
        assert_int_equal(st.held_end, 8);

        /* requested: (o1, t) */
        atomic_store(&opq_freed, 0);
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_get_list(g, (const char *[]){"o1", "t"}, 2, &o,
                                       &out, &err), 0);
        assert_int_equal(atomic_load(&opq_freed), 1);
        assert_int_equal(st.held_end, 100 + 8);
        assert_int_equal(dusk_value_kind(dusk_tuple_get(out, 0)), DUSK_KIND_OPAQUE);
        dusk_value_unref(out);
        assert_int_equal(atomic_load(&opq_freed), 2);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- parallelism ------------------------------------------------------------------ */

static void test_workers_bound_concurrency(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (size_t s = 0; s < NSCHEDS; s++) {
        if (sched_remote(&SCHEDS[s]))
            continue;   /* counts concurrency through ud in this process's memory */
        static counter c;
        memset(&c, 0, sizeof c);
        c.sleep_ms = 15;
        const dusk_func f = {"slow", count_fn, &c};
        dusk_graph *g = dusk_graph_new();
        dusk_arg *items[8];
        char k[8];
        for (int i = 0; i < 8; i++) {
            snprintf(k, sizeof k, "p%d", i);
            dusk_task(g, k, &f, dusk_lit_int(i));
            items[i] = dusk_ref(k);
        }
        dusk_task(g, "all", &dusk_sum, dusk_listv(8, items));
        dusk_run_stats st;
        dusk_options o = mkopts(&SCHEDS[s], &st);
        assert_run_int(g, "all", &o, 28);
        int maxc = atomic_load(&c.max_inflight);
        assert_int_equal(atomic_load(&c.calls), 8);
        assert_true(maxc >= 1 && maxc <= SCHEDS[s].workers);
        if (SCHEDS[s].workers >= 2)
            assert_true(maxc >= 2); /* 8 sleeping tasks do overlap */
        assert_int_equal(st.workers, SCHEDS[s].workers);
        dusk_graph_free(g);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* The tasks ready from the start: the plan lists them once, by priority
 * (plan.h: first), and a sync run starts every task in priority order
 * (the leaves from that list, the others from the heap, the least of
 * the two each time): for the whole graph and for a culled plan. */
static int64_t start_next, start_bad;
static const int64_t *start_prio;
static void on_start(void *ud, const dusk_event *ev)
{
    (void)ud;
    if (ev->kind != DUSK_EV_START)
        return;
    if (start_next >= 0 && start_prio[ev->task] <= start_next)
        start_bad++;
    start_next = start_prio[ev->task];
}

static void test_first_ready_by_priority(void **state)
{
    (void)state;
    const char *key;
    dusk_graph *g = tree_graph(777, &key);
    char root[48];
    snprintf(root, sizeof root, "%s", key);
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
    const char *reqs[2] = {root, "add-3-20"};   /* the whole graph, then a part */
    for (int k = 0; k < 2; k++) {
        dusk_plan *p = NULL;
        assert_int_equal(dusk_plan_new(g, &reqs[k], 1, &p, NULL), 0);
        size_t leaves = 0;
        for (size_t i = 0; i < p->n; i++) {
            int64_t t = dusk__plan_task(p, i);
            leaves += p->dep_off[t + 1] == p->dep_off[t];
        }
        assert_int_equal(p->nfirst, leaves);
        assert_int_equal(leaves, k == 0 ? 777 : 8);
        for (size_t i = 0; i < p->nfirst; i++) {
            int64_t t = (int64_t)(p->first[i] & UINT32_MAX);
            assert_true(dusk__plan_has(p, t));
            assert_int_equal(p->dep_off[t + 1], p->dep_off[t]);
            assert_int_equal(p->first[i] >> 32, (uint64_t)prio[t]);
            if (i)
                assert_true(p->first[i - 1] < p->first[i]);
        }
        dusk_plan_unref(p);
        dusk_callbacks cb = {.on_event = on_start};
        dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
        o.callbacks = &cb;
        o.ncallbacks = 1;
        start_next = -1;
        start_bad = 0;
        start_prio = prio;
        dusk_value *v = NULL;
        assert_int_equal(dusk_get(g, reqs[k], &o, &v, NULL), 0);
        assert_int_value(v, k == 0 ? 777 * 778 / 2 : (8 * 20 + 1 + 8 * 21) * 8 / 2);
        dusk_value_unref(v);
        assert_int_equal(start_bad, 0);
    }
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_lecture_dsk, reset_alloc),
        cmocka_unit_test_teardown(test_lecture_dsk2, reset_alloc),
        cmocka_unit_test_teardown(test_defaults, reset_alloc),
        cmocka_unit_test_teardown(test_backend_selection, reset_alloc),
        cmocka_unit_test_teardown(test_template_backend, reset_alloc),
        cmocka_unit_test_teardown(test_backend_out_of_thread, reset_alloc),
        cmocka_unit_test_teardown(test_compute_nested, reset_alloc),
        cmocka_unit_test_teardown(test_request_without_keys, reset_alloc),
        cmocka_unit_test_teardown(test_unknown_keys, reset_alloc),
        cmocka_unit_test_teardown(test_only_needed_tasks_run, reset_alloc),
        cmocka_unit_test_teardown(test_failure_code_and_message, reset_alloc),
        cmocka_unit_test_teardown(test_task_without_value, reset_alloc),
        cmocka_unit_test_teardown(test_builtin_failure_under_all_schedulers,
                                  reset_alloc),
        cmocka_unit_test_teardown(test_no_new_tasks_after_failure, reset_alloc),
        cmocka_unit_test_teardown(test_random_dags_agree, reset_alloc),
        cmocka_unit_test_teardown(test_chain_early_release, reset_alloc),
        cmocka_unit_test_teardown(test_tree_sum_memory, reset_alloc),
        cmocka_unit_test_teardown(test_opaque_intermediates_released,
                                  reset_alloc),
        cmocka_unit_test_teardown(test_workers_bound_concurrency, reset_alloc),
        cmocka_unit_test_teardown(test_first_ready_by_priority, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
