/*
** dusk tests — the profiler (include/dusk/profiler.h)
**
** Records: every task exactly once, times and workers as the event stream
** of the same run says, dependencies, releases, several runs, a failing
** task, a large run without loss, failed allocations. The sampler starts
** and stops cleanly. Outputs: the trace written and read back unchanged;
** truncated, mistyped and absurd traces rejected with a place, without a
** crash or a leak; CSV columns; charts of the asked size, not blank,
** another tool's nested slices each in a lane of its own; the
** report's parts, offline, and (when Debian's chromium is there) loaded
** in headless Chromium with no console error (test_report_browser.c drives
** its live charts). The progress bar's lines.
** A hand-written trace (tests/data/profiler/small.json) pins the summary.
*/
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <cairo.h>
#include <jansson.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"
#include "profiler/prof.h"   /* worker_samples */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

/* --- helpers ------------------------------------------------------------------ */


/* Runs g for key with the given callbacks (and stream); returns dusk_get's code. */
static int run_with(dusk_graph *g, const char *key, dusk_sched_kind kind, int workers,
                    const dusk_callbacks *cbs, size_t ncbs, dusk_stream *s, dusk_run_stats *st)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    o.scheduler = kind;
    o.workers = workers;
    o.callbacks = cbs;
    o.ncallbacks = ncbs;
    o.stream = s;
    o.stats = st;
    int rc = dusk_get(g, key, &o, &v, &err);
    dusk_value_unref(v);
    return rc;
}

/* Checks a profile against the graph: each task of the run exactly once,
 * start <= end <= released, worker in range, key/func/deps as the graph
 * says, records ordered by start. */
static void check_records(dusk_profiler *p, dusk_graph *g, const char *const *keys, size_t nkeys,
                          size_t run, int workers)
{
    int64_t *ids;
    size_t nids;
    assert_int_equal(dusk_graph_cull(g, keys, nkeys, &ids, &nids, NULL), 0);
    size_t gsz = dusk_graph_size(g);
    int *seen = calloc(gsz, sizeof *seen);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    size_t n = dusk_profiler_ntasks(p);
    const dusk_run_record *rr = &dusk_profiler_runs(p)[run];
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            assert_true(r[i - 1].start_ns <= r[i].start_ns);
        if ((size_t)r[i].run != run)
            continue;
        count++;
        assert_true(r[i].task >= 0 && (size_t)r[i].task < gsz);
        seen[r[i].task]++;
        assert_true(r[i].start_ns <= r[i].end_ns);
        assert_true(r[i].end_ns <= r[i].released_ns);
        assert_true(r[i].start_ns >= rr->begin_ns);
        assert_true(r[i].end_ns <= rr->begin_ns + rr->wall_ns);
        assert_true(r[i].worker >= 0 && r[i].worker < workers);
        assert_true(r[i].worker < rr->workers);
        assert_string_equal(r[i].key, dusk_graph_key(g, r[i].task));
        const dusk_func *f = dusk_graph_func(g, r[i].task);
        assert_string_equal(r[i].func, f ? f->name
                                         : dusk_graph_entry_kind(g, r[i].task) == DUSK_ENTRY_ALIAS
                                               ? "(alias)" : "(value)");
        const int64_t *deps;
        int64_t nd = dusk_graph_dependencies(g, r[i].task, &deps);
        assert_int_equal((int64_t)r[i].ndeps, nd);
        for (uint32_t j = 0; j < r[i].ndeps; j++) {
            const dusk_task_record *d = &r[r[i].deps[j]];
            assert_int_equal(d->task, deps[j]);
            assert_int_equal(d->run, r[i].run);
            assert_true(d->end_ns <= r[i].start_ns);
        }
        char grp[256];
        dusk_key_split(r[i].key, grp, sizeof grp);
        assert_string_equal(r[i].group, grp);
    }
    assert_int_equal(count, nids);
    for (size_t i = 0; i < nids; i++)
        assert_int_equal(seen[ids[i]], 1);
    free(seen);
    dusk_free(ids);
}

/* --- recording --------------------------------------------------------------------- */

static void test_lecture_records(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (size_t c = 0; c < NSCHEDS; c++) {
        dusk_graph *g = lecture_dsk();
        dusk_profiler *p = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        dusk_run_stats st;
        assert_int_equal(run_with(g, "z", SCHEDS[c].kind, SCHEDS[c].workers, &cb, 1, NULL, &st), 0);
        assert_int_equal(dusk_profiler_status(p), 0);
        assert_int_equal(dusk_profiler_ntasks(p), 5);
        assert_int_equal(dusk_profiler_nruns(p), 1);
        const dusk_run_record *rr = dusk_profiler_runs(p);
        assert_int_equal(rr->ntasks, 5);
        assert_int_equal(rr->status, 0);
        assert_int_equal(rr->workers, st.workers);   /* from RUN_BEGIN */
        const char *keys[] = {"z"};
        check_records(p, g, keys, 1, 0, st.workers);
        /* z is kept: released at the end of the run; b was released. */
        const dusk_task_record *r = dusk_profiler_tasks(p);
        for (size_t i = 0; i < 5; i++) {
            assert_int_equal(r[i].nbytes, 8);
            if (!strcmp(r[i].key, "z"))
                assert_int_equal(r[i].released_ns, rr->begin_ns + rr->wall_ns);
            if (!strcmp(r[i].key, "z"))
                assert_int_equal(r[i].ndeps, 2);
        }
        dusk_profile_summary s;
        assert_int_equal(dusk_profiler_summary(p, &s), 0);
        /* a and x are literals: not tasks, as Dask counts, nor on the path */
        assert_int_equal(s.ntasks, 3);
        assert_int_equal(s.nliterals, 2);
        assert_int_equal(s.ncritical, 2);   /* b -> z, or y -> z */
        assert_string_equal(r[s.critical[1]].key, "z");
        assert_true(s.efficiency > 0 && s.efficiency <= 1);
        dusk_profiler_free(p);
        dusk_graph_free(g);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* Keys and dependencies are read from the run's plan after the run: they
 * must be the run's even when the graph changes or is freed before the
 * first read, also with two runs of one graph waiting to be read. */
static const dusk_task_record *record_of(dusk_profiler *p, size_t run, const char *key)
{
    const dusk_task_record *r = dusk_profiler_tasks(p);
    for (size_t i = 0, n = dusk_profiler_ntasks(p); i < n; i++)
        if ((size_t)r[i].run == run && !strcmp(r[i].key, key))
            return &r[i];
    return NULL;
}

static void test_keys_outlive_graph(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (int c = 0; c < 3; c++) {
        dusk_graph *g = lecture_dsk();
        dusk_profiler *p = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        assert_int_equal(run_with(g, "z", DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL), 0);
        assert_int_equal(run_with(g, "z", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
        if (c == 0) {
            dusk_graph_free(g);
            g = NULL;
        } else if (c == 1) {
            /* z now has one dependency and another function; y is gone */
            assert_int_equal(dusk_task(g, "z", &dusk_neg, dusk_ref("a")), 0);
            assert_int_equal(dusk_task(g, "y", &dusk_neg, dusk_lit_int(3)), 0);
        }
        assert_int_equal(dusk_profiler_ntasks(p), 10);
        for (size_t run = 0; run < 2; run++) {
            const dusk_task_record *z = record_of(p, run, "z");
            const dusk_task_record *y = record_of(p, run, "y");
            assert_non_null(z);
            assert_non_null(y);
            assert_string_equal(z->func, "add");
            assert_int_equal(z->ndeps, 2);
            const char *a = dusk_profiler_tasks(p)[z->deps[0]].key;
            const char *b = dusk_profiler_tasks(p)[z->deps[1]].key;
            assert_true((!strcmp(a, "b") && !strcmp(b, "y")) || (!strcmp(a, "y") && !strcmp(b, "b")));
            assert_int_equal(y->ndeps, 1);
            assert_string_equal(dusk_profiler_tasks(p)[y->deps[0]].key, "x");
        }
        /* the graph may change or go after the first read, too */
        if (g) {
            assert_int_equal(dusk_graph_value(g, "x", dusk_int(0)), 0);
            dusk_graph_free(g);
        }
        assert_string_equal(record_of(p, 1, "z")->key, "z");
        dusk_profiler_free(p);
    }
    /* a profiler freed before its graph leaves nothing behind in it */
    dusk_graph *g = lecture_dsk();
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    assert_int_equal(run_with(g, "z", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
    dusk_profiler_free(p);
    assert_int_equal(dusk_graph_value(g, "a", dusk_int(2)), 0);   /* no call into p */
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A graph changed or freed on one thread while its profile is first read,
 * or its profiler freed, on another: the profile reads the run's plan, not
 * the graph, so keys stay the run's and nothing races (the sanitizer
 * builds check). */
typedef struct changer {
    pthread_barrier_t *go;
    dusk_graph *g;
    dusk_profiler *p;
    int what;   /* 0: add keys whose arguments name new keys, 1: free p */
} changer;

static void *change_graph(void *arg)
{
    changer *c = arg;
    pthread_barrier_wait(c->go);
    if (c->what == 0) {
        /* one task naming enough new keys to grow the graph's tables
         * while its arguments are interned (never computed) */
        enum { NREFS = 50000 };
        dusk_arg **args = malloc(NREFS * sizeof *args);
        char ref[32];
        for (int i = 0; i < NREFS; i++) {
            snprintf(ref, sizeof ref, "unset-%d", i);
            args[i] = dusk_ref(ref);
        }
        dusk_graph_taskv(c->g, "late", &dusk_sum, NREFS, args);
        free(args);
    } else {
        dusk_profiler_free(c->p);
    }
    return NULL;
}

static void test_graph_changed_while_reading(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (int what = 0; what < 2; what++) {
        const char *root;
        dusk_graph *g = tree_graph(SANITIZED ? 2000 : 20000, &root);
        char rootkey[64];
        snprintf(rootkey, sizeof rootkey, "%s", root);
        size_t n = dusk_graph_size(g);
        dusk_profiler *p = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        assert_int_equal(run_with(g, rootkey, DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL), 0);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        changer c = {&go, g, p, what};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, change_graph, &c), 0);
        pthread_barrier_wait(&go);
        if (what == 0) {
            assert_int_equal(dusk_profiler_ntasks(p), n);
            assert_non_null(record_of(p, 0, rootkey));
            assert_string_equal(record_of(p, 0, rootkey)->func, "add");
        } else {
            dusk_graph_free(g);   /* while the profiler is being freed */
            g = NULL;
        }
        pthread_join(th, NULL);
        pthread_barrier_destroy(&go);
        if (what == 0) {
            assert_int_equal(dusk_graph_size(g), n + 1);
            dusk_profiler_free(p);
            dusk_graph_free(g);
        }
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* The records say what the event stream of the same run says, to the ns. */
typedef struct drained {
    dusk_event *ev;
    size_t n;
} drained;

static void drain_all(dusk_stream *s, drained *d)
{
    dusk_event buf[256];
    size_t k;
    while ((k = dusk_stream_drain(s, buf, 256)) > 0) {
        d->ev = realloc(d->ev, (d->n + k) * sizeof *d->ev);
        memcpy(d->ev + d->n, buf, k * sizeof *buf);
        d->n += k;
    }
}

static void test_records_match_stream(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (uint64_t seed = 1; seed <= 6; seed++) {
        rdag r;
        assert_int_equal(rdag_build(&r, seed, 300), 0);
        const char *keys[4];
        int idx[4];
        rdag_requests(&r, seed, 4, keys, idx);
        dusk_profiler *p = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        dusk_stream *s = dusk_stream_new();
        dusk_options o = DUSK_OPTIONS_INIT;
        dusk_error err = DUSK_ERROR_INIT;
        dusk_value *v;
        o.workers = (int)(seed % 4) + 1;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        o.stream = s;
        assert_int_equal(dusk_get_list(r.g, keys, 4, &o, &v, &err), 0);
        dusk_value_unref(v);
        drained d = {NULL, 0};
        drain_all(s, &d);
        check_records(p, r.g, keys, 4, 0, o.workers);

        const dusk_task_record *rec = dusk_profiler_tasks(p);
        size_t n = dusk_profiler_ntasks(p);
        const dusk_run_record *rr = dusk_profiler_runs(p);
        size_t gsz = dusk_graph_size(r.g);
        size_t *of = malloc(gsz * sizeof *of);
        for (size_t i = 0; i < gsz; i++)
            of[i] = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            of[rec[i].task] = i;
        size_t starts = 0, ends = 0, rels = 0;
        for (size_t i = 0; i < d.n; i++) {
            const dusk_event *e = &d.ev[i];
            uint64_t t = rr->begin_ns + e->t_ns;
            if (e->kind == DUSK_EV_RUN_END)
                assert_int_equal(rr->wall_ns, e->t_ns);
            if (e->task < 0)
                continue;
            const dusk_task_record *x = &rec[of[e->task]];
            assert_true(of[e->task] != SIZE_MAX);
            if (e->kind == DUSK_EV_START) {
                assert_int_equal(x->start_ns, t);
                assert_int_equal(x->worker, e->worker);
                starts++;
            } else if (e->kind == DUSK_EV_END) {
                assert_int_equal(x->end_ns, t);
                assert_int_equal(x->nbytes, e->nbytes);
                ends++;
            } else if (e->kind == DUSK_EV_RELEASED) {
                assert_int_equal(x->released_ns, t);
                rels++;
            }
        }
        assert_int_equal(starts, n);
        assert_int_equal(ends, n);
        assert_true(rels < n);

        /* The events rebuilt from the records: same times, a causal order. */
        dusk_event *re;
        size_t nre;
        assert_int_equal(dusk_profiler_run_events(p, 0, &re, &nre), 0);
        assert_int_equal(nre, d.n);
        assert_int_equal(re[0].kind, DUSK_EV_RUN_BEGIN);
        assert_int_equal(re[0].status, dusk_profiler_runs(p)[0].workers);   /* events.h */
        assert_true(re[0].status > 0);
        assert_int_equal(re[nre - 1].kind, DUSK_EV_RUN_END);
        int *stage = calloc(gsz, sizeof *stage);
        for (size_t i = 1; i < nre; i++) {
            assert_true(re[i - 1].t_ns <= re[i].t_ns);
            const dusk_event *e = &re[i];
            if (e->task < 0)
                continue;
            const dusk_task_record *x = &rec[of[e->task]];
            int want = e->kind == DUSK_EV_READY ? 0 : e->kind == DUSK_EV_START ? 1
                       : e->kind == DUSK_EV_RELEASED ? 3 : 2;
            assert_int_equal(stage[e->task], want);
            stage[e->task]++;
            if (e->kind == DUSK_EV_READY)
                for (uint32_t j = 0; j < x->ndeps; j++)
                    assert_true(stage[rec[x->deps[j]].task] >= 3);
        }
        /* Held bytes after the last event: the requested results. */
        dusk_run_stats st;
        assert_int_equal(run_with(r.g, keys[0], DUSK_SCHED_SYNC, 1, NULL, 0, NULL, &st), 0);
        assert_int_equal(re[nre - 1].held, d.ev[d.n - 1].held);
        free(stage);
        dusk_free(re);
        free(of);
        free(d.ev);
        dusk_stream_free(s);
        dusk_profiler_free(p);
        rdag_free(&r);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_several_runs(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = lecture_dsk2();
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    assert_int_equal(run_with(g, "c", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
    assert_int_equal(dusk_profiler_ntasks(p), 3);   /* read between runs */
    assert_int_equal(run_with(g, "d", DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL), 0);
    assert_int_equal(run_with(g, "a", DUSK_SCHED_THREADS, 3, &cb, 1, NULL, NULL), 0);
    assert_int_equal(dusk_profiler_nruns(p), 3);
    assert_int_equal(dusk_profiler_ntasks(p), 3 + 4 + 1);
    const dusk_run_record *rr = dusk_profiler_runs(p);
    assert_true(rr[0].begin_ns + rr[0].wall_ns <= rr[1].begin_ns);
    assert_true(rr[1].begin_ns + rr[1].wall_ns <= rr[2].begin_ns);
    const char *k1[] = {"c"}, *k2[] = {"d"}, *k3[] = {"a"};
    check_records(p, g, k1, 1, 0, 1);
    check_records(p, g, k2, 1, 1, 2);
    check_records(p, g, k3, 1, 2, 3);
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.nruns, 3);
    assert_int_equal(s.wall_ns, rr[0].wall_ns + rr[1].wall_ns + rr[2].wall_ns);
    dusk_profiler_clear(p);
    assert_int_equal(dusk_profiler_ntasks(p), 0);
    assert_int_equal(dusk_profiler_nruns(p), 0);
    assert_int_equal(run_with(g, "d", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
    assert_int_equal(dusk_profiler_ntasks(p), 4);
    assert_int_equal(dusk_profiler_runs(p)[0].begin_ns < 1000000000u, 1);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

static const dusk_func failing = {"failing", fail_task, NULL};

/* A task of 5 ms. */
static int slow_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                     void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    sleep_ms(5);
    *out = dusk_int(7);
    return 0;
}
static const dusk_func slow = {"slow", slow_task, NULL};

/* Allocations fail from the k-th on until the task starts (its pretask,
 * after its START reached the profiler). */
static void heal_alloc(void *ud, int64_t task, int worker)
{
    (void)ud;
    (void)task;
    (void)worker;
    dusk_alloc_fail_after(-1);
}

/* A START the profiler could not keep (no worker state: its allocation
 * failed) and the END that then found memory: the record would say the
 * task took no time; the profile must say something was lost. */
static void test_lost_start_says_so(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "y", &slow, dusk_lit(dusk_int(1))), 0);
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_TASKS;
    long live = 0;
    int seen = 0;
    /* two rounds: the first fills what a run caches (also on the paths a
     * failure takes), the second checks that nothing more stays */
    for (long kk = 0; kk < 80; kk++) {
        long k = kk % 40;
        if (kk == 40)
            live = dusk_alloc_live();
        dusk_profiler *p = dusk_profiler_new(&po);
        assert_non_null(p);
        dusk_callbacks cb[2] = {dusk_profiler_callbacks(p), {.pretask = heal_alloc}};
        dusk_alloc_fail_after(k);
        int rc = run_with(g, "y", DUSK_SCHED_SYNC, 1, cb, 2, NULL, NULL);
        dusk_alloc_fail_after(-1);
        if (rc == 0 && dusk_profiler_ntasks(p) == 1) {
            const dusk_task_record *r = dusk_profiler_tasks(p);
            if (r[0].end_ns - r[0].start_ns < 4000000) {
                seen++;
                if (dusk_profiler_status(p) != DUSK_ENOMEM)
                    fail_msg("k %ld: the task took %" PRIu64 " ns by its record, status %d",
                             k, r[0].end_ns - r[0].start_ns, dusk_profiler_status(p));
            }
        }
        dusk_profiler_free(p);
        if (kk >= 40)
            assert_int_equal(dusk_alloc_live(), live);
    }
    assert_true(seen > 0);   /* the case happened */
    dusk_graph_free(g);
}

static void test_failed_task(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_task(g, "bad", &failing, dusk_ref("a"));
    dusk_task(g, "after", &dusk_inc, dusk_ref("bad"));
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    assert_int_equal(run_with(g, "after", DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL), DUSK_EIO);
    assert_int_equal(dusk_profiler_ntasks(p), 2);   /* a and bad; after never started */
    const dusk_task_record *r = dusk_profiler_tasks(p);
    int found = 0;
    for (size_t i = 0; i < 2; i++)
        if (!strcmp(r[i].key, "bad")) {
            found = 1;
            assert_int_equal(r[i].status, DUSK_EIO);
            assert_int_equal(r[i].nbytes, 0);
            assert_string_equal(r[i].func, "failing");
        }
    assert_true(found);
    assert_int_equal(dusk_profiler_runs(p)[0].status, DUSK_EIO);
    dusk_profile_summary s;
    dusk_profiler_summary(p, &s);
    assert_int_equal(s.nerrors, 1);
    /* and through the trace */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_trace(p, scratch("failed.json"), NULL, &err), 0);
    dusk_profiler *q;
    assert_int_equal(dusk_profiler_read_trace(scratch("failed.json"), &q, &err), 0);
    dusk_profiler_summary(q, &s);
    assert_int_equal(s.nerrors, 1);
    assert_int_equal(dusk_profiler_runs(q)[0].status, DUSK_EIO);
    dusk_profiler_free(q);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A run over before the sampler's thread first ran still gets two
 * samples: the thread's first, and its last when stopped (both after
 * the run then). */
static void test_short_run_two_samples(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "one", &dusk_inc, dusk_lit_int(1)), 0);
    for (int i = 0; i < 200; i++) {
        dusk_profiler *p = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        assert_int_equal(run_with(g, "one", i % 2 ? DUSK_SCHED_THREADS : DUSK_SCHED_SYNC, 2,
                                  &cb, 1, NULL, NULL), 0);
        assert_int_equal(dusk_profiler_ntasks(p), 1);
        assert_true(dusk_profiler_nsamples(p) >= 2);
        dusk_profiler_free(p);
    }
    dusk_graph_free(g);
}

/* Lossless: a million tasks give a million records (fewer under the
 * sanitizers, which are ten times slower). */
static void test_lossless_large(void **state)
{
    (void)state;
    const char *root;
    size_t leaves = SANITIZED ? 50000 : 500003;   /* 2 x leaves tasks, about */
    dusk_graph *g = tree_graph(leaves, &root);
    size_t n = dusk_graph_size(g);
    assert_true(n >= 2 * leaves - 1);
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    assert_int_equal(run_with(g, root, DUSK_SCHED_THREADS, 4, &cb, 1, NULL, NULL), 0);
    assert_int_equal(dusk_profiler_ntasks(p), n);
    assert_int_equal(dusk_profiler_lost(p), 0);
    /* a busy run of tens of ms: samples fell due while the workers ran,
     * and they took some of them between tasks (record.c) */
    assert_true(dusk_profiler_nsamples(p) >= 2);
    pthread_mutex_lock(&p->mu);
    assert_true(p->worker_samples > 0);
    pthread_mutex_unlock(&p->mu);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    unsigned char *seen = calloc(n, 1);
    for (size_t i = 0; i < n; i++) {
        assert_true(r[i].start_ns <= r[i].end_ns);
        assert_true(r[i].worker >= 0 && r[i].worker < 4);
        assert_int_equal(seen[r[i].task], 0);
        seen[r[i].task] = 1;
    }
    free(seen);
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    /* Every path from a leaf to the root is an inc and ceil(log2(leaves))
     * adds or carries (the inc may drop off if it took 0 ns). */
    size_t levels = 0;
    while (((size_t)1 << levels) < leaves)
        levels++;
    assert_true(s.ncritical == levels + 1 || s.ncritical == levels);
    assert_string_equal(r[s.critical[s.ncritical - 1]].key, root);
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* The recorder's log keeps every value exactly, whatever its size: a
 * duration and a result over 32 bits, times that go back (a RELEASED and
 * a START before the worker's last entry), a failed task's code; fed
 * straight to the callbacks, with times no real run of a test would
 * reach. */
static void test_log_extremes(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(2, &root);   /* two leaves and their sum */
    dusk_plan *plan = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &root, 1, &plan, &err), 0);
    assert_int_equal(dusk_plan_graph_size(plan), 3);
    dusk_profiler *p = dusk_profiler_new(&(dusk_profiler_options){.record = DUSK_PROF_TASKS});
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    const uint64_t G = 1000000000u;
    /* {t_ns, nbytes, held, task, worker, kind, status, run} */
    const dusk_event w0[] = {
        {7, 0, 0, 0, 0, DUSK_EV_START, 0, 0},
        {7 + 5 * G, UINT64_C(6000000000), 0, 0, 0, DUSK_EV_END, 0, 0},  /* 5 s, 6 GB */
        {5 * G + 100, 0, 0, 1, 0, DUSK_EV_START, 0, 0},                 /* 2nd task: earlier */
        {5 * G + 400, 70000, 0, 1, 0, DUSK_EV_END, 0, 0},
        {5 * G + 390, UINT64_C(6000000000), 0, 0, 0, DUSK_EV_RELEASED, 0, 0},  /* back */
        {6 * G + 70000, 70000, 0, 1, 0, DUSK_EV_RELEASED, 0, 0},
    };
    const dusk_event w1[] = {
        {6 * G, 0, 0, 2, 1, DUSK_EV_START, 0, 0},
        {6 * G + 300, 0, 0, 2, 1, DUSK_EV_ERROR, DUSK_EIO, 0},
    };
    const dusk_event begin = {0, 3, 0, -1, -1, DUSK_EV_RUN_BEGIN, 2, 0};
    const dusk_event end = {7 * G, 0, 0, -1, -1, DUSK_EV_RUN_END, DUSK_EIO, 0};
    cb.start(cb.ud, plan, 3);
    cb.on_events(cb.ud, &begin, 1);
    cb.on_events(cb.ud, w0, 2);        /* a batch ... */
    cb.on_events(cb.ud, w1, 2);
    for (size_t i = 2; i < 6; i++)
        cb.on_events(cb.ud, &w0[i], 1);  /* ... and one at a time */
    cb.on_events(cb.ud, &end, 1);
    cb.finish(cb.ud, DUSK_EIO);
    dusk_plan_unref(plan);

    assert_int_equal(dusk_profiler_ntasks(p), 3);
    assert_int_equal(dusk_profiler_lost(p), 0);
    const dusk_task_record *r = dusk_profiler_tasks(p), *byid[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < 3; i++) {
        assert_true(r[i].task >= 0 && r[i].task < 3);
        byid[r[i].task] = &r[i];
    }
    uint64_t b = dusk_profiler_runs(p)[0].begin_ns;
    assert_int_equal(byid[0]->start_ns - b, 7);
    assert_int_equal(byid[0]->end_ns - b, 7 + 5 * G);
    assert_int_equal(byid[0]->nbytes, UINT64_C(6000000000));
    assert_int_equal(byid[0]->released_ns - b, 5 * G + 390);
    assert_int_equal(byid[0]->worker, 0);
    assert_int_equal(byid[1]->start_ns - b, 5 * G + 100);
    assert_int_equal(byid[1]->end_ns - b, 5 * G + 400);
    assert_int_equal(byid[1]->nbytes, 70000);
    assert_int_equal(byid[1]->released_ns - b, 6 * G + 70000);
    assert_int_equal(byid[1]->status, 0);
    assert_int_equal(byid[2]->start_ns - b, 6 * G);
    assert_int_equal(byid[2]->end_ns - b, 6 * G + 300);
    assert_int_equal(byid[2]->status, DUSK_EIO);
    assert_int_equal(byid[2]->nbytes, 0);
    assert_int_equal(byid[2]->worker, 1);
    assert_int_equal(byid[2]->released_ns - b, 7 * G);   /* kept: the run's end */
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* Allocation failures while recording lose records but never the run,
 * and leak nothing. */
static void test_recording_oom(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(3000, &root);
    /* a first run fills what the graph caches (order, the plan, and the
     * plan's 64-bit dependency lists, which the profiler asks for) */
    dusk_profiler *first = dusk_profiler_new(NULL);
    dusk_callbacks fcb = dusk_profiler_callbacks(first);
    assert_int_equal(run_with(g, root, DUSK_SCHED_SYNC, 1, &fcb, 1, NULL, NULL), 0);
    assert_true(dusk_profiler_ntasks(first) > 0);   /* reads the records */
    dusk_profiler_free(first);
    long live = dusk_alloc_live();
    size_t n = dusk_graph_size(g);
    for (long k = 0; k < 60; k += 3) {
        dusk_profiler *p = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        dusk_alloc_fail_after(k);
        int rc = run_with(g, root, DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL);
        dusk_alloc_fail_after(-1);
        assert_true(rc == 0 || rc == DUSK_ENOMEM);
        size_t got = dusk_profiler_ntasks(p);
        if (rc == 0 && dusk_profiler_nruns(p) == 1)
            assert_int_equal(got + dusk_profiler_lost(p), n);
        if (got + dusk_profiler_lost(p) < n && rc == 0)
            assert_int_equal(dusk_profiler_status(p), DUSK_ENOMEM);
        dusk_profiler_free(p);
        assert_int_equal(dusk_alloc_live(), live);
    }
    dusk_graph_free(g);
}

/* --- the sampler ---------------------------------------------------------------------- */

static int thread_count_now(void)
{
    char line[256];
    int n = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

/* The threads of this process once those that are exiting are gone: a
 * joined thread has finished its work, but the kernel may still count it
 * for a moment while it is torn down. Waits up to a second for the count
 * to settle (to stop changing for 10 ms). */
static int thread_count(void)
{
    int n = thread_count_now();
    for (int i = 0, still = 0; i < 1000 && still < 10; i++) {
        sleep_ms(1);
        int m = thread_count_now();
        still = m == n ? still + 1 : 0;
        n = m;
    }
    return n;
}

static void test_sampler(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    /* The threads scheduler keeps its workers between runs (one parked
     * thread per worker past the first): a run of 2 beforehand makes them,
     * so that the counts below see the sampler's thread alone. */
    dusk_graph *warm = dusk_graph_new();
    dusk_task(warm, "w", &dusk_identity, dusk_lit_int(1));
    assert_int_equal(run_with(warm, "w", DUSK_SCHED_THREADS, 2, NULL, 0, NULL, NULL), 0);
    dusk_graph_free(warm);
    int threads0 = thread_count();
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_RESOURCES;
    po.dt = 0.01;
    dusk_profiler *p = dusk_profiler_new(&po);
    assert_int_equal(thread_count(), threads0);   /* none before a run is coming */
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    /* the sampler made before the run (not at its start, where it kept the
     * first task waiting), once: callbacks asked for again make no other */
    assert_int_equal(thread_count(), threads0 + 1);
    dusk_callbacks again = dusk_profiler_callbacks(p);
    assert_true(again.ud == cb.ud);
    assert_int_equal(thread_count(), threads0 + 1);
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "s1", &dusk_sleep, dusk_lit_int(60));
    dusk_task(g, "s2", &dusk_sleep, dusk_lit_int(60), dusk_ref("s1"));
    assert_int_equal(run_with(g, "s2", DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL), 0);
    assert_int_equal(thread_count(), threads0 + 1);   /* the sampler waits ... */
    size_t n = dusk_profiler_nsamples(p);
    sleep_ms(40);   /* ... and samples nothing between runs (4 due at 10 ms) */
    assert_int_equal(dusk_profiler_nsamples(p), n);
    const dusk_resource_sample *s = dusk_profiler_samples(p);
    assert_true(n >= 5);
    assert_int_equal(dusk_profiler_ntasks(p), 0);   /* only resources */
    for (size_t i = 0; i < n; i++) {
        assert_true(s[i].rss > 0);
        assert_true(s[i].cpu >= 0);
        if (i)
            assert_true(s[i - 1].t_ns <= s[i].t_ns);
    }
    /* a block of work: begin, two runs and a pause, end */
    assert_int_equal(dusk_profiler_end(p), DUSK_EINVAL);
    assert_int_equal(dusk_profiler_begin(p), 0);
    assert_int_equal(dusk_profiler_begin(p), DUSK_EINVAL);
    assert_int_equal(thread_count(), threads0 + 1);
    assert_int_equal(run_with(g, "s1", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
    sleep_ms(40);
    assert_int_equal(thread_count(), threads0 + 1);   /* still sampling between runs */
    assert_int_equal(run_with(g, "s1", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
    assert_int_equal(dusk_profiler_end(p), 0);
    assert_int_equal(thread_count(), threads0 + 1);
    assert_true(dusk_profiler_nsamples(p) >= n + 8);
    /* start and stop quickly, many times: one thread throughout */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(dusk_profiler_begin(p), 0);
        assert_int_equal(dusk_profiler_end(p), 0);
    }
    assert_int_equal(thread_count(), threads0 + 1);
    /* freeing with a block open stops the sampler, and ends its thread */
    assert_int_equal(dusk_profiler_begin(p), 0);
    dusk_profiler_free(p);
    assert_int_equal(thread_count(), threads0);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A child forked after the sampler thread was made (Python's Profiler
 * and os.fork): the thread is the parent's, so the child's profiler makes
 * its own for a run, samples, and is freed (it waited for good in
 * pthread_cond_destroy, for a waiter of the parent's). */
static void test_sampler_after_fork(void **state)
{
    (void)state;
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_RESOURCES;
    po.dt = 0.005;
    dusk_profiler *p = dusk_profiler_new(&po);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "s", &dusk_sleep, dusk_lit_int(30));
    assert_int_equal(run_with(g, "s", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
    size_t before = dusk_profiler_nsamples(p);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20);   /* a hang fails the test, not the suite */
        int ok = 1;
#if !defined(__SANITIZE_THREAD__)
        /* (ThreadSanitizer starts no thread in a child of a threaded
         * process: there the child only frees its profiler) */
        ok = run_with(g, "s", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL) == 0 &&
             dusk_profiler_nsamples(p) >= before + 4;   /* 30 ms at 5 ms: the thread's */
#endif
        dusk_profiler_free(p);
        _exit(ok ? 0 : 3);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("the forked child %s %d", WIFEXITED(status) ? "exited" : "was killed by signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    /* the parent's profiler is untouched by it */
    assert_int_equal(run_with(g, "s", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
    assert_true(dusk_profiler_nsamples(p) >= before + 4);
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* A block opened right after another closed samples from its own start:
 * the thread, waiting for the first block's next sample (half a second
 * away here, as a long adaptive session's interval grows), took none of
 * the second's until then. */
static void test_sessions_back_to_back(void **state)
{
    (void)state;
    dusk_profiler *p = dusk_profiler_new(NULL);   /* adaptive: from every 1 ms */
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    (void)cb;
    assert_int_equal(dusk_profiler_begin(p), 0);
    sleep_ms(5);
    /* the first session as if it had lasted long: its next sample far off */
    pthread_mutex_lock(&p->mu);
    p->interval = 500000000u;
    atomic_store(&p->due, dusk_now_ns() + 500000000u);
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    sleep_ms(5);   /* the thread now waits for that */
    size_t n0 = 0, n1 = 0;
    for (int round = 0; round < 5; round++) {
        assert_int_equal(dusk_profiler_end(p), 0);
        assert_int_equal(dusk_profiler_begin(p), 0);
        n0 = dusk_profiler_nsamples(p);
        sleep_ms(60);
        n1 = dusk_profiler_nsamples(p);
        /* the thread's samples: its session's 1 ms interval, not 500 ms */
        if (n1 - n0 < 10)
            fail_msg("round %d: %zu samples in 60 ms of a new session", round, n1 - n0);
        pthread_mutex_lock(&p->mu);
        p->interval = 500000000u;
        atomic_store(&p->due, dusk_now_ns() + 500000000u);
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        sleep_ms(5);
    }
    assert_int_equal(dusk_profiler_end(p), 0);
    dusk_profiler_free(p);
}

/* A sample that finds no memory is lost, and the next falls due an
 * interval later as ever: the sampler neither stops sampling (its first
 * sample lost) nor retries at once (a later one lost: a spin of the
 * sampler, and of every worker at each END). */
static void test_sample_without_memory(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_RESOURCES;
    po.dt = 0.001;
    dusk_profiler *p = dusk_profiler_new(&po);
    /* the session's first sample (nothing else allocates meanwhile: no
     * run, this thread asleep) finds no memory, the later ones do */
    dusk_alloc_fail_once(0);
    assert_int_equal(dusk_profiler_begin(p), 0);
    uint64_t t0 = dusk_now_ns();
    sleep_ms(30);
    pthread_mutex_lock(&p->mu);
    uint64_t lost = p->raw_lost, taken = p->nraw;
    pthread_mutex_unlock(&p->mu);
    uint64_t ms = (dusk_now_ns() - t0) / 1000000u;
    assert_int_equal(dusk_profiler_end(p), 0);
    dusk_alloc_fail_after(-1);
    assert_int_equal(lost, 1);
    assert_true(taken >= 2);   /* some 30, an interval apart */
    assert_true(taken <= ms + 2);
    assert_int_equal(dusk_profiler_status(p), DUSK_ENOMEM);   /* says one was lost */
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- cache ---------------------------------------------------------------------------------- */

static void test_cache_series(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    rdag r;
    assert_int_equal(rdag_build(&r, 42, 400), 0);
    const char *keys[1] = {r.keys[r.n - 1]};
    for (int count = 0; count < 2; count++) {
        dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
        po.record = DUSK_PROF_CACHE;
        po.cache_metric = count ? DUSK_CACHE_COUNT : DUSK_CACHE_BYTES;
        dusk_profiler *p = dusk_profiler_new(&po);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        dusk_run_stats st;
        assert_int_equal(run_with(r.g, keys[0], DUSK_SCHED_THREADS, 3, &cb, 1, NULL, &st), 0);
        size_t ng = dusk_profiler_ngroups(p);
        assert_true(ng >= 1);
        for (size_t k = 1; k < ng; k++)
            assert_true(strcmp(dusk_profiler_group(p, k - 1), dusk_profiler_group(p, k)) < 0);
        assert_null(dusk_profiler_group(p, ng));
        const dusk_cache_point *tot;
        size_t nt = dusk_profiler_cache_series(p, ng, &tot);
        assert_true(nt > 0);
        double peak = 0, sum_last = 0;
        for (size_t i = 0; i < nt; i++) {
            if (tot[i].value > peak)
                peak = tot[i].value;
            if (i)
                assert_true(tot[i - 1].t_ns < tot[i].t_ns);
        }
        /* The total ends with what stays held, in each group's terms. */
        for (size_t k = 0; k < ng; k++) {
            const dusk_cache_point *s;
            size_t n = dusk_profiler_cache_series(p, k, &s);
            assert_true(n > 0);
            sum_last += s[n - 1].value;
        }
        assert_true(sum_last == tot[nt - 1].value);
        assert_true(tot[nt - 1].value == 0);   /* the run's end releases nothing: the
                                                   kept result leaves at the end too */
        if (!count)
            assert_true(peak <= (double)st.held_peak + 1e-9);
        else
            assert_true(peak >= 1);
        dusk_profiler_free(p);
    }
    rdag_free(&r);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- the trace ------------------------------------------------------------------------------ */

static dusk_profiler *profile_lecture_and_rdag(void)
{
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.dt = 0.005;
    dusk_profiler *p = dusk_profiler_new(&po);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_graph *g = lecture_dsk();
    dusk_task(g, "('nap', 0)", &dusk_sleep, dusk_lit_int(30), dusk_ref("z"));
    dusk_task(g, "tab\tquote\"back\\slash<&>é", &dusk_inc, dusk_ref("z"));
    const char *k[] = {"('nap', 0)", "tab\tquote\"back\\slash<&>é"};
    dusk_options o = DUSK_OPTIONS_INIT;
    dusk_value *v;
    o.workers = 2;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    assert_int_equal(dusk_get_list(g, k, 2, &o, &v, NULL), 0);
    dusk_value_unref(v);
    rdag r;
    assert_int_equal(rdag_build(&r, 7, 200), 0);
    assert_int_equal(run_with(r.g, r.keys[r.n - 1], DUSK_SCHED_THREADS, 3, &cb, 1, NULL, NULL), 0);
    rdag_free(&r);
    dusk_graph_free(g);
    return p;
}

static void same_profiles(dusk_profiler *a, dusk_profiler *b)
{
    assert_int_equal(dusk_profiler_ntasks(a), dusk_profiler_ntasks(b));
    assert_int_equal(dusk_profiler_nruns(a), dusk_profiler_nruns(b));
    assert_int_equal(dusk_profiler_nsamples(a), dusk_profiler_nsamples(b));
    const dusk_task_record *x = dusk_profiler_tasks(a), *y = dusk_profiler_tasks(b);
    for (size_t i = 0; i < dusk_profiler_ntasks(a); i++) {
        assert_string_equal(x[i].key, y[i].key);
        assert_string_equal(x[i].func, y[i].func);
        assert_string_equal(x[i].group, y[i].group);
        assert_int_equal(x[i].start_ns, y[i].start_ns);
        assert_int_equal(x[i].end_ns, y[i].end_ns);
        assert_int_equal(x[i].released_ns, y[i].released_ns);
        assert_int_equal(x[i].nbytes, y[i].nbytes);
        assert_int_equal(x[i].task, y[i].task);
        assert_int_equal(x[i].worker, y[i].worker);
        assert_int_equal(x[i].run, y[i].run);
        assert_int_equal(x[i].status, y[i].status);
        assert_int_equal(x[i].ndeps, y[i].ndeps);
        for (uint32_t j = 0; j < x[i].ndeps; j++)
            assert_int_equal(x[i].deps[j], y[i].deps[j]);
    }
    const dusk_run_record *ra = dusk_profiler_runs(a), *rb = dusk_profiler_runs(b);
    for (size_t i = 0; i < dusk_profiler_nruns(a); i++) {
        assert_int_equal(ra[i].begin_ns, rb[i].begin_ns);
        assert_int_equal(ra[i].wall_ns, rb[i].wall_ns);
        assert_int_equal(ra[i].ntasks, rb[i].ntasks);
        assert_int_equal(ra[i].workers, rb[i].workers);
        assert_int_equal(ra[i].status, rb[i].status);
    }
    const dusk_resource_sample *sa = dusk_profiler_samples(a), *sb = dusk_profiler_samples(b);
    for (size_t i = 0; i < dusk_profiler_nsamples(a); i++) {
        assert_int_equal(sa[i].t_ns, sb[i].t_ns);
        assert_int_equal(sa[i].rss, sb[i].rss);
        assert_int_equal(sa[i].held, sb[i].held);
        assert_true(sa[i].cpu - sb[i].cpu < 0.006 && sb[i].cpu - sa[i].cpu < 0.006);
    }
    dusk_profile_summary s1, s2;
    dusk_profiler_summary(a, &s1);
    dusk_profiler_summary(b, &s2);
    assert_int_equal(s1.critical_ns, s2.critical_ns);
    assert_int_equal(s1.ncritical, s2.ncritical);
    assert_int_equal(s1.nfuncs, s2.nfuncs);
}

static void test_trace_round_trip(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p = profile_lecture_and_rdag();
    dusk_error err = DUSK_ERROR_INIT;
    for (int flows = 0; flows < 2; flows++) {
        dusk_trace_options to = DUSK_TRACE_OPTIONS_INIT;
        to.flows = flows;
        assert_int_equal(dusk_profiler_write_trace(p, scratch("trace.json"), &to, &err), 0);
        size_t n;
        char *text = slurp(scratch("trace.json"), &n);
        assert_non_null(text);
        assert_contains(text, "\"ph\":\"X\"");
        assert_contains(text, "\"ph\":\"M\"");
        assert_contains(text, "\"thread_name\"");
        assert_contains(text, "\"name\":\"memory\",\"ph\":\"C\"");
        assert_contains(text, "\"name\":\"cpu\",\"ph\":\"C\"");
        assert_contains(text, "\"name\":\"cache\",\"ph\":\"C\"");
        assert_contains(text, "tab\\tquote\\\"back\\\\slash<&>é");
        if (flows)
            assert_contains(text, "\"ph\":\"f\",\"bp\":\"e\"");
        else
            assert_null(strstr(text, "\"ph\":\"s\""));
        dusk_profiler *q;
        assert_int_equal(dusk_profiler_read_trace(scratch("trace.json"), &q, &err), 0);
        same_profiles(p, q);
        /* what was read writes the same file again */
        assert_int_equal(dusk_profiler_write_trace(q, scratch("again.json"), &to, &err), 0);
        char *again = slurp(scratch("again.json"), NULL);
        assert_string_equal(text, again);
        /* and it only reads: a run it sees is ignored */
        dusk_callbacks cb = dusk_profiler_callbacks(q);
        dusk_graph *g = lecture_dsk();
        assert_int_equal(run_with(g, "z", DUSK_SCHED_SYNC, 1, &cb, 1, NULL, NULL), 0);
        assert_int_equal(dusk_profiler_ntasks(q), dusk_profiler_ntasks(p));
        assert_int_equal(dusk_profiler_begin(q), DUSK_EINVAL);
        dusk_graph_free(g);
        free(text);
        free(again);
        dusk_profiler_free(q);
    }
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* The hand-written trace: the summary to the ns. */
static void test_trace_small_summary(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_read_trace("tests/data/profiler/small.json", &p, &err), 0);
    assert_int_equal(dusk_profiler_ntasks(p), 5);
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.wall_ns, 100000000u);
    assert_int_equal(s.busy_ns, 150000000u);
    assert_int_equal(s.workers, 2);
    assert_true(s.efficiency > 0.7499 && s.efficiency < 0.7501);
    assert_int_equal(s.critical_ns, 90000000u);
    assert_int_equal(s.ncritical, 3);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    assert_string_equal(r[s.critical[0]].key, "load-0");
    assert_string_equal(r[s.critical[1]].key, "('proc-a1b2', 0)");
    assert_string_equal(r[s.critical[2]].key, "total");
    assert_int_equal(s.nfuncs, 3);
    assert_string_equal(s.funcs[0].func, "load");
    assert_int_equal(s.funcs[0].count, 2);
    assert_int_equal(s.funcs[0].total_ns, 70000000u);
    assert_int_equal(s.funcs[0].max_ns, 40000000u);
    assert_true(s.funcs[0].mean_ns == 35e6);
    assert_true(s.funcs[0].share > 0.4666 && s.funcs[0].share < 0.4667);
    assert_string_equal(s.funcs[1].func, "proc");
    assert_string_equal(s.funcs[2].func, "sum");
    assert_string_equal(r[1].group, "load");
    /* records sorted by start: load-0 and load-1 at 0 (worker order) */
    assert_string_equal(r[0].key, "load-0");
    assert_string_equal(r[2].key, "('proc-a1b2', 1)");
    assert_string_equal(r[2].group, "proc");
    /* samples, cpu paired with memory */
    assert_int_equal(dusk_profiler_nsamples(p), 2);
    assert_int_equal(dusk_profiler_samples(p)[1].rss, 2000000);
    assert_true(dusk_profiler_samples(p)[1].cpu == 150.5);
    /* cache: "load" holds 1600 bytes from 40 to 60 ms */
    size_t ng = dusk_profiler_ngroups(p);
    assert_int_equal(ng, 3);
    assert_string_equal(dusk_profiler_group(p, 0), "load");
    const dusk_cache_point *c;
    size_t nc = dusk_profiler_cache_series(p, 0, &c);
    double peak = 0;
    for (size_t i = 0; i < nc; i++)
        if (c[i].value > peak)
            peak = c[i].value;
    assert_true(peak == 1600);
    /* printing */
    FILE *f = fopen(scratch("summary.txt"), "w");
    assert_int_equal(dusk_profiler_print_summary(p, f), 0);
    fclose(f);
    char *text = slurp(scratch("summary.txt"), NULL);
    assert_contains(text, "5 tasks in 1 run on 2 workers");
    assert_contains(text, "parallel efficiency 75.0%");
    assert_contains(text, "critical path: 3 tasks, 90.0 ms: "
                          "'load-0' -> ('proc-a1b2', 0) -> 'total'");
    assert_contains(text, "load                     2     70.0 ms     35.0 ms     40.0 ms   46.7%");
    free(text);
    dusk_profiler_free(p);

    /* Another tool's trace, in the array format: X events only. */
    assert_int_equal(dusk_profiler_read_trace("tests/data/profiler/array-format.json", &p, &err),
                     0);
    /* three X slices and a B-E pair; one process whose threads (tids 1,
     * 2, 3) are its workers, numbered densely in tid order (tid 0 is no
     * idle worker: the trace has no such thread) */
    assert_int_equal(dusk_profiler_ntasks(p), 4);
    assert_int_equal(dusk_profiler_runs(p)[0].workers, 3);
    for (size_t i = 0; i < 4; i++) {
        const dusk_task_record *t = &dusk_profiler_tasks(p)[i];
        assert_int_equal(t->worker, t->start_ns == 10000 ? 2 : t->start_ns == 700000 ? 1 : 0);
        if (t->start_ns == 700000) {
            assert_string_equal(t->func, "B-E pair");
            assert_int_equal(t->end_ns, 710000);
        }
    }
    assert_int_equal(dusk_profiler_runs(p)[0].wall_ns, 700000);
    dusk_profiler_summary(p, &s);
    assert_string_equal(s.funcs[0].func, "compile");
    dusk_profiler_free(p);

    /* small.json's events in other shapes of the outer structure: every
     * blank around its tokens, "otherData" first, an escaped key, other
     * tools' members of every type (their arrays are walked, too). */
    size_t n;
    char *small = slurp("tests/data/profiler/small.json", &n);
    assert_non_null(small);
    char *from = strchr(small, '\n') + 1, *to = strstr(small, "\n],\n\"displayTimeUnit\"");
    assert_non_null(to);
    size_t cap = n + 1024;
    char *shaped = malloc(cap);
    int len = snprintf(shaped, cap,
                       " \r\n\t{ \"stackFrames\" : {\"1\":{\"name\":\"f\"}} ,\n"
                       "\"samples\":[ [1, {\"a\":[]}] ,\r\n \"x\" , null,-1e3,true ] ,\n"
                       "\"otherData\" : { \"runs\" : [ {\"begin\":0.0,\"wall\":100000.0,"
                       "\"ntasks\":5,\"workers\":2} ] , \"lost\" : 0 , \"x\":[{},[]] } ,\n"
                       "\"empty\":[],\"trace\\u0045vents\"\t:\r\n[ %.*s \n ] ,"
                       " \"meta\": \"\" }\n\n",
                       (int)(to - from), from);
    assert_true(len > 0 && (size_t)len < cap);
    assert_int_equal(dusk_profiler_read_trace_buffer(shaped, (size_t)len, "shaped", &p, &err),
                     0);
    assert_int_equal(dusk_profiler_ntasks(p), 5);
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.critical_ns, 90000000u);
    assert_int_equal(dusk_profiler_nsamples(p), 2);
    dusk_profiler_free(p);
    free(shaped);
    free(small);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Every prefix of a trace is rejected, with a place, no crash, no leak. */
static void test_trace_truncated(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    size_t n;
    char *text = slurp("tests/data/profiler/small.json", &n);
    assert_non_null(text);
    dusk_error err;
    dusk_profiler *p;
    for (size_t k = 0; k < n; k++) {
        /* Cutting only trailing blanks leaves a whole trace. */
        int whole = 1;
        for (size_t i = k; i < n; i++)
            if (text[i] != '\n' && text[i] != ' ')
                whole = 0;
        dusk_error_clear(&err);
        int rc = dusk_profiler_read_trace_buffer(text, k, "cut.json", &p, &err);
        if (whole) {
            assert_int_equal(rc, 0);
            dusk_profiler_free(p);
            continue;
        }
        if (rc == 0)
            fail_msg("a trace cut at %zu of %zu bytes was accepted", k, n);
        assert_int_equal(rc, DUSK_EINVAL);
        assert_null(p);
        assert_contains(err.msg, "cut.json:");
    }
    /* The message says where, in the file's line:column: just after the
     * last character, for a file that stops short. */
    dusk_error_clear(&err);
    assert_int_equal(dusk_profiler_read_trace("tests/data/profiler/truncated.json", &p, &err),
                     DUSK_EINVAL);
    assert_string_equal(err.msg, "tests/data/profiler/truncated.json:7:131: "
                                 "premature end of input near '\"'");
    /* A trace of the real size, cut at many places. */
    dusk_profiler *big = profile_lecture_and_rdag();
    assert_int_equal(dusk_profiler_write_trace(big, scratch("big.json"), NULL, &err), 0);
    dusk_profiler_free(big);
    free(text);
    text = slurp(scratch("big.json"), &n);
    for (size_t k = 0; k < n - 2; k += n / 97 + 1) {
        assert_int_equal(dusk_profiler_read_trace_buffer(text, k, "big.json", &p, &err),
                         DUSK_EINVAL);
        assert_contains(err.msg, "big.json:");
    }
    free(text);
    assert_int_equal(dusk_alloc_live(), live);
}

typedef struct bad_trace {
    const char *text;
    const char *message;   /* a part of the expected message */
} bad_trace;

#define EV(fields) "{\"traceEvents\":[" fields "]}"
#define EVO(fields, other) "{\"traceEvents\":[" fields "]," other "}"
/* An X event; XF gives its name, ts, dur and tid (keys may not repeat). */
#define XF(name, ts, dur, tid, extra) \
    "{\"name\":" name ",\"ph\":\"X\",\"ts\":" ts ",\"dur\":" dur ",\"tid\":" tid extra "}"
#define X(extra) XF("\"f\"", "1", "2", "0", extra)
#define X_NAME(v) XF(v, "1", "2", "0", "")
#define X_TS(v) XF("\"f\"", v, "2", "0", "")
#define X_DUR(v) XF("\"f\"", "1", v, "0", "")
#define X_TID(v) XF("\"f\"", "1", "2", v, "")
/* A B (named name, at ts) on thread tid, a line break and its E (at te). */
#define B_E(name, ts, te, tid)                                                              \
    "{\"name\":" name ",\"ph\":\"B\",\"ts\":" ts ",\"tid\":" tid "},\n{\"ph\":\"E\",\"ts\":" te \
    ",\"tid\":" tid "}"
#define RUN1 "\"otherData\":{\"runs\":[{\"begin\":0.0,\"wall\":3.0,\"ntasks\":1,\"workers\":1}]}"

/* Every message has a line:column. Syntax errors in the outer structure
 * (the reader's scanner) are at the first character of what is wrong (a
 * trailing comma: the comma); inside an event or another value they are in
 * jansson's words, at the last character it read (the end of the offending
 * token). The others are at the start of the event (or run, or
 * "otherData") and name it and the field. */
static const bad_trace bad_traces[] = {
    /* the outer structure: not a trace */
    {"", "t:1:1: expected '{' or '[' (a trace), found the end of the file"},
    {"   \n  ", "t:2:3: expected '{' or '[' (a trace), found the end of the file"},
    {"null", "t:1:1: expected '{' or '[' (a trace), found 'null'"},
    {" 5", "t:1:2: expected '{' or '[' (a trace), found '5'"},
    {"\"traceEvents\"", "t:1:1: expected '{' or '[' (a trace), found '\"traceEvents\"'"},
    {"{}", "t: no \"traceEvents\" array"},
    {"{\"traceEvents\":{}}", "t:1:16: \"traceEvents\" must be an array, found '{'"},
    {"{\"traceEvents\":\"x\"}", "t:1:16: \"traceEvents\" must be an array, found '\"x\"'"},
    {"{\"traceEvents\":null}", "t:1:16: \"traceEvents\" must be an array, found 'null'"},
    {EVO("", "\"otherData\":[]"), "t:1:31: \"otherData\" must be an object, found '['"},
    {EVO("", "\"otherData\":{\"runs\":{}}"), "t:1:39: \"runs\" must be an array, found '{'"},
    /* ... garbage after it */
    {"{\"traceEvents\":[]} x",
     "t:1:20: expected the end of the file after the trace, found 'x'"},
    {"{\"traceEvents\":[]}}",
     "t:1:19: expected the end of the file after the trace, found '}'"},
    {"[]\n\n  ,", "t:3:3: expected the end of the file after the trace, found ','"},
    {"[] []", "t:1:4: expected the end of the file after the trace, found '['"},
    /* ... trailing commas, at every level the scanner walks */
    {"{\"traceEvents\":[],}",
     "t:1:18: trailing ',' after the value of \"traceEvents\" (before '}')"},
    {"{\"traceEvents\":[" X("") ",\n]}", "t:1:61: trailing ',' after event 0 (before ']')"},
    {"[" X("") "," X("") " , ]", "t:1:92: trailing ',' after event 1 (before ']')"},
    {EVO("", "\"otherData\":{\"lost\":0,}"),
     "t:1:40: trailing ',' after the value of \"lost\""},
    {EVO("", "\"otherData\":{\"runs\":[{},]}"),
     "t:1:42: trailing ',' after run 0 (before ']')"},
    {EVO("", "\"samples\":[1,2,]"), "t:1:33: trailing ',' after element 1 (before ']')"},
    /* ... missing commas, colons and keys */
    {EV(X("") " " X("")), "t:1:62: expected ',' or ']' after event 0, found '{'"},
    {"[" X("") "\n" X("") "]", "t:2:1: expected ',' or ']' after event 0, found '{'"},
    {"{\"traceEvents\":[] \"otherData\":{}}",
     "t:1:19: expected ',' or '}' after the value of \"traceEvents\", found '\"otherData\"'"},
    {EVO("", "\"otherData\":{\"runs\":[{}{}]}"),
     "t:1:42: expected ',' or ']' after run 0, found '{'"},
    {EVO("", "\"otherData\":{\"lost\":0 \"runs\":[]}"),
     "t:1:41: expected ',' or '}' after the value of \"lost\", found '\"runs\"'"},
    {"{\"traceEvents\" []}", "t:1:16: expected ':' after \"traceEvents\", found '['"},
    {"{traceEvents:[]}", "t:1:2: expected a key (a string) in the trace, found 'traceEvents'"},
    {EVO("", "1:2"), "t:1:19: expected a key (a string) in the trace, found '1'"},
    {EVO("", "\"otherData\":{,}"),
     "t:1:32: expected a key (a string) in \"otherData\", found ','"},
    {"[,]", "t:1:2: unexpected token near ','"},
    {"{\"trace\\x\":[]}", "t:1:9: invalid escape near '\"trace\\x'"},
    /* ... a text that stops short, between values */
    {"{", "t:1:2: expected a key (a string) in the trace, found the end of the file"},
    {"{\"traceEvents\"",
     "t:1:15: expected ':' after \"traceEvents\", found the end of the file"},
    {"{\"traceEvents\": ",
     "t:1:17: expected the value of \"traceEvents\", found the end of the file"},
    {"{\"traceEvents\":[", "t:1:17: expected event 0, found the end of the file"},
    {"{\"traceEvents\":[" X(""),
     "t:1:61: expected ',' or ']' after event 0, found the end of the file"},
    {"{\"traceEvents\":[" X("") ",\n", "t:2:1: expected event 1, found the end of the file"},
    {"{\"traceEvents\":[]",
     "t:1:18: expected ',' or '}' after the value of \"traceEvents\", found the end"},
    {"[" X(""), "t:1:46: expected ',' or ']' after event 0, found the end of the file"},
    /* ... keys that repeat (which one would count?) */
    {"{\"traceEvents\":[],\n\"traceEvents\":[]}",
     "t:2:1: duplicate key \"traceEvents\" in the trace"},
    {"{\"traceEvents\":[],\"trace\\u0045vents\":[]}", "t:1:19: duplicate key \"traceEvents\""},
    {EVO("", "\"otherData\":{\"lost\":0,\"lost\":0}"),
     "t:1:41: duplicate key \"lost\" in \"otherData\""},
    {EVO("", "\"otherData\":{\"runs\":[],\"runs\":[]}"), "t:1:42: duplicate key \"runs\""},
    {EVO("", "\"otherData\":{},\"otherData\":{}"), "t:1:34: duplicate key \"otherData\""},
    /* what the events, runs and otherData say */
    {"{\"traceEvents\":[1]}", "t:1:17: event 0 must be an object"},
    {EV("{\"ph\":\"X\",}"), "t:1:27: string or '}' expected near '}'"},
    {EV("{}"), "event 0 has no \"ph\""},
    {EV("{\"ph\":7}"), "\"ph\" of event 0 must be a string"},
    {EV("{\"ph\":\"XX\"}"), "must be one letter"},
    {EV("{\"ph\":\"X\",\"ts\":1}"), "needs \"ts\" and \"dur\""},
    {EV(X_TS("\"5\"")), "\"ts\" of event 0 must be a number"},
    {EV(X_TS("-5")), "\"ts\" of event 0 is negative"},
    {EV(X_DUR("-0.5")), "\"dur\" of event 0 is negative"},
    {EV(X_DUR("1e300")), "\"dur\" of event 0 is absurdly large"},
    {EV(X_TS("4611686018427387")), "event 0 ends absurdly late"},
    {EV(X_TS("4611686018427388")), "\"ts\" of event 0 is absurdly large"},
    {EV(X_TS("5e15")), "\"ts\" of event 0 is absurdly large"},
    {EV(X_TID("1.5")), "\"tid\" of event 0 must be an integer"},
    /* dusk's traces (with "runs") name the worker in "tid" */
    {EV("{\"ph\":\"B\",\"name\":\"f\"}"), "t:1:17: event 0 (B) needs \"ts\""},
    /* a task of a B and its E: every message about it is at its B and
     * names both places (and its name, when it has one) */
    {EV("{\"ph\":\"B\",\"ts\":5},{\"ph\":\"E\",\"ts\":3}"),
     "t:1:17: the slice begun at 1:17 and ended at 1:35: its E (3.000 us) is before its B "
     "(5.000 us)"},
    {"[{\"name\":\"outer\",\"ph\":\"B\",\"ts\":1},\n" B_E("\"inner\"", "5", "4", "0")
     ",\n{\"ph\":\"E\",\"ts\":9}]",
     "t:2:1: the slice \"inner\" begun at 2:1 and ended at 3:1: its E (4.000 us) is before its "
     "B (5.000 us)"},
    {EVO("\n" B_E("\"f\"", "1", "2", "3"), "\"otherData\":{\"runs\":[{\"workers\":2}]}"),
     "t:2:1: the slice \"f\" begun at 2:1 and ended at 3:1 ran on worker 3, but run 0 has 2 "
     "worker(s)"},
    {EVO("\n" B_E("\"f\"", "1", "2", "0"), "\"otherData\":{\"runs\":[]}"),
     "t:2:1: the slice \"f\" begun at 2:1 and ended at 3:1 is in run 0, but the trace has 0 "
     "run(s)"},
    {"[" X(",\"args\":{\"id\":1}") ",\n" B_E("\"f\"", "4", "5", "0") "]",
     "t:2:1: task id 1 appears twice in run 0 (the slice \"f\" begun at 2:1 and ended at 3:1)"},
    {EVO(X_TID("-1"), RUN1), "t:1:17: event 0: worker (tid) -1 is out of range 0..65535"},
    {EVO(X_TID("1e9"), RUN1), "event 0: worker (tid) 1000000000 is out of range"},
    {EV(X_TID("1e300")), "\"tid\" of event 0 is out of range"},
    {EV(X(",\"args\":[]")), "\"args\" of event 0 must be an object"},
    {EV(X(",\"args\":{\"key\":5}")), "\"key\" of event 0 must be a string"},
    {EV(X(",\"args\":{\"bytes\":-8}")), "\"bytes\" of event 0 is negative"},
    {EV(X(",\"args\":{\"bytes\":1e30}")), "\"bytes\" of event 0 is out of range"},
    {EV(X(",\"args\":{\"deps\":\"1\"}")), "\"deps\" of event 0 must be an array"},
    {EV(X(",\"args\":{\"deps\":[1.5]}")), "\"deps\" of event 0 must be an integer"},
    {EV(X(",\"args\":{\"deps\":[7]}")), "depends on task id 7, which is not in run 0"},
    {EV(X(",\"args\":{\"id\":3,\"deps\":[3]}")), "depends on itself"},
    {EV(X(",\"args\":{\"id\":1}") "," X(",\"args\":{\"id\":1}")), "task id 1 appears twice"},
    {EV(X(",\"args\":{\"released\":1}")), "\"released\" is before the task ended"},
    {EVO(X(",\"args\":{\"run\":2}"), "\"otherData\":{\"runs\":[{\"workers\":1}]}"),
     "is in run 2, but the trace has 1 run(s)"},
    {EV(X(",\"args\":{\"run\":2000000}")), "2000001 runs, and no \"runs\""},
    {EV(X(",\"args\":{\"status\":5}")), "\"status\" of event 0 is out of range"},
    {EVO(X_TID("3"), "\"otherData\":{\"runs\":[{\"workers\":2}]}"),
     "ran on worker 3, but run 0 has 2 worker(s)"},
    {EVO("", "\"otherData\":{\"runs\":[{\"workers\":1e12}]}"),
     "t:1:40: \"workers\" of run 0 is out of range"},
    {EVO("", "\"otherData\":{\"lost\":-1}"), "t:1:31: \"lost\" of otherData is negative"},
    {EVO("", "\"otherData\":{\"runs\":[5]}"), "t:1:40: run 0 must be an object"},
    {EV("{\"ph\":\"C\",\"name\":\"memory\",\"args\":{\"rss\":1}}"), "(C) needs \"ts\""},
    {EV("{\"ph\":\"C\",\"name\":\"cpu\",\"ts\":0,\"args\":{\"percent\":-1}}"),
     "\"percent\" of event 0 is out of range"},
    {EV("{\"ph\":\"C\",\"name\":\"memory\",\"ts\":0,\"args\":{\"rss\":true}}"),
     "\"rss\" of event 0 must be a number"},
    /* the task's key names the event, where it has one; the place is the
     * event's start */
    {EV(X("") "," X(",\"args\":{\"key\":\"inc-7\",\"bytes\":-1}")),
     "t:1:62: \"bytes\" of event 1 (key \"inc-7\") is negative"},
    {"{\"traceEvents\":[\n" X("") ",\n  " X(",\"args\":{\"key\":\"inc-7\",\"bytes\":-1}") "]}",
     "t:3:3: \"bytes\" of event 1 (key \"inc-7\") is negative"},
    /* ... and the task's, for what is found once all are read */
    {"[" X(",\"args\":{\"id\":0}") ",\n " X(",\"args\":{\"id\":1,\"deps\":[7]}") "]",
     "t:2:2: task 'f' depends on task id 7, which is not in run 0"},
    {"[" X(",\"args\":{\"id\":1}") ",\n " X(",\"args\":{\"id\":1}") "]",
     "t:2:2: task id 1 appears twice in run 0 ('f')"},
    {EVO("\n" X_TID("3"), "\"otherData\":{\"runs\":[{\"workers\":2}]}"),
     "t:2:1: task 'f' ran on worker 3, but run 0 has 2 worker(s)"},
    {EV(X_NAME("\"\\x\"")), "t:1:27: invalid escape near '\"\\x'"},
    {EV(X_NAME("\"\\ud800\"")), "invalid Unicode '\\uD800'"},
    {EV(X_NAME("\"\\u00\"")), "t:1:30: invalid escape near '\"\\u00\"'"},
    {EV(X_NAME("\"a\001b\"")), "t:1:27: control character 0x1 near '\"a'"},
    {EV(X_NAME("\"a\nb\"")), "t:1:27: unexpected newline near '\"a'"},
    {EV(X_NAME("\"\xff\"")), "t:1:26: unable to decode byte 0xff"},
    {EV(X_NAME("\"\xc0\xaf\"")), "t:1:26: unable to decode byte 0xc0"},
    {EV(X_NAME("\"\\u0000\"")), "t:1:32: \\u0000 in a string"},
    {EV(X_TS("01")), "invalid token near '0'"},
    {EV(X_TS("1.")), "invalid token near '1.'"},
    {EV(X_TS("1e")), "invalid token near '1e'"},
    {EV(X_TS(".5")), "invalid token near '.'"},
    {EV(X_TS("NaN")), "invalid token near 'NaN'"},
    {EV(X_TS("1x")), "'}' expected near 'x'"},
    {EV(X(",\"extra\":tru")), "t:1:71: invalid token near 'tru'"},
    {EV(X(",\"extra\":[1 2]")), "t:1:72: ']' expected near '2'"},
    {EV(X(",\"extra\":{\"a\" 1}")), "t:1:74: ':' expected near '1'"},
    {EV(X(" \"more\":1")), "t:1:66: '}' expected near '\"more\"'"},
    {EV(X(",\"extra\":[1,]")), "t:1:72: unexpected token near ']'"},
    /* keys may not repeat (which one would count?) */
    {EV(X(",\"ts\":5")), "t:1:64: duplicate object key near '\"ts\"'"},
    /* numbers past what jansson holds (a 64-bit integer, a double) */
    {EV(X(",\"args\":{\"bytes\":18446744073709551616}")),
     "t:1:96: too big integer near '18446744073709551616'"},
    {EV(X_TID("1e400")), "t:1:63: real number overflow near '1e400'"},
    /* the line and column count lines and characters (not bytes) */
    {"{\"traceEvents\":[\n{\"name\":\"é\",\"ph\":\"X\",\"ts\":1,\"dur\":2,,}]}",
     "t:2:37: string or '}' expected near ','"},
};

static void test_trace_rejects(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (size_t i = 0; i < sizeof bad_traces / sizeof *bad_traces; i++) {
        dusk_error err = DUSK_ERROR_INIT;
        dusk_profiler *p = (dusk_profiler *)&err;   /* must come back NULL */
        const char *t = bad_traces[i].text;
        int rc = dusk_profiler_read_trace_buffer(t, strlen(t), "t", &p, &err);
        if (rc == 0)
            fail_msg("accepted: %s", t);
        assert_int_equal(rc, DUSK_EINVAL);
        assert_null(p);
        if (!strstr(err.msg, bad_traces[i].message))
            fail_msg("for %s\n  got:  %s\n  want: %s", t, err.msg, bad_traces[i].message);
        assert_true(!strncmp(err.msg, "t:", 2));
    }
    /* Deep nesting: refused past jansson's 2048 levels (counted from the
     * element of "x", which the scanner walks), without recursing further. */
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 64);
    strcpy(deep, "{\"traceEvents\":[],\"x\":");
    size_t k = strlen(deep);
    for (size_t i = 0; i < depth; i++)
        deep[k++] = '[';
    for (size_t i = 0; i < depth; i++)
        deep[k++] = ']';
    deep[k++] = '}';
    dusk_error err = DUSK_ERROR_INIT;
    dusk_profiler *p;
    assert_int_equal(dusk_profiler_read_trace_buffer(deep, k, "deep", &p, &err), DUSK_EINVAL);
    assert_contains(err.msg, "deep:1:2072: maximum parsing depth reached");
    free(deep);
    /* A file that cannot be opened */
    assert_int_equal(dusk_profiler_read_trace("/nonexistent/trace.json", &p, &err), DUSK_EIO);
    assert_contains(err.msg, "/nonexistent/trace.json");
    assert_int_equal(dusk_alloc_live(), live);
}

/* A run whose "begin" comes after its first task (another tool's runs, or
 * a begin rounded up): the run begins with that task and ends where it
 * did, and its events are timed from there (not from 2^64 ns less). */
static void test_trace_run_begins_by_its_tasks(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const char text[] =
        EVO(X("") "," XF("\"g\"", "4", "2", "0", ""),
            "\"otherData\":{\"runs\":[{\"begin\":3,\"wall\":4,\"workers\":1}]}");
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(text, sizeof text - 1, "t", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_profiler_nruns(p), 1);
    assert_int_equal(dusk_profiler_runs(p)[0].begin_ns, 1000);
    assert_int_equal(dusk_profiler_runs(p)[0].wall_ns, 6000);   /* to 7 us, as said */
    dusk_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(dusk_profiler_run_events(p, 0, &ev, &n), 0);
    assert_true(n > 2);
    assert_int_equal(ev[0].kind, DUSK_EV_RUN_BEGIN);
    for (size_t i = 0; i < n; i++)
        if (ev[i].t_ns > 6000)
            fail_msg("event %zu of the run is at %" PRIu64 " ns, past its end", i, ev[i].t_ns);
    assert_int_equal(ev[n - 1].kind, DUSK_EV_RUN_END);
    assert_int_equal(ev[n - 1].t_ns, 6000);
    dusk_free(ev);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* clang's -ftime-trace of a small file, as tt.json in the scratch
 * folder: 1, or 0 without clang. */
static int clang_time_trace(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "printf 'int f(int x) { return x * 2; }\\n' > '%s' && "
             "cd '%s' && clang -ftime-trace -c tt.c -o tt.o 2>/dev/null",
             scratch("tt.c"), scratch(""));
    return system(cmd) == 0;
}

/* Another tool's trace names threads by the system's ids, in several
 * processes, and nests slices on a thread: the workers are its threads
 * numbered in (pid, tid) order, and busy time counts a nested slice once. */
static void test_trace_other_tools_threads(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const char text[] =
        "[{\"name\":\"phase\",\"ph\":\"X\",\"ts\":0,\"dur\":100,\"pid\":500,\"tid\":70000},\n"
        "{\"name\":\"pass\",\"ph\":\"X\",\"ts\":10,\"dur\":20,\"pid\":500,\"tid\":70000},\n"
        "{\"name\":\"pass\",\"ph\":\"X\",\"ts\":40,\"dur\":80,\"pid\":500,\"tid\":70000},\n"
        "{\"name\":\"job\",\"ph\":\"X\",\"ts\":50,\"dur\":100,\"pid\":600,\"tid\":5},\n"
        "{\"name\":\"io\",\"ph\":\"X\",\"ts\":0,\"dur\":30,\"pid\":500,\"tid\":-3},\n"
        "{\"name\":\"span\",\"ph\":\"B\",\"ts\":60,\"pid\":600,\"tid\":5},\n"
        "{\"name\":\"inner\",\"ph\":\"B\",\"ts\":70,\"pid\":600,\"tid\":5},\n"
        "{\"ph\":\"E\",\"ts\":80,\"pid\":600,\"tid\":5},\n"
        "{\"ph\":\"E\",\"ts\":90,\"pid\":600,\"tid\":5},\n"
        "{\"name\":\"never ended\",\"ph\":\"B\",\"ts\":95,\"pid\":600,\"tid\":5},\n"
        /* a thread with a B never ended and nothing else: no worker */
        "{\"name\":\"open\",\"ph\":\"B\",\"ts\":1,\"pid\":700,\"tid\":1},\n"
        /* an E whose B is before the trace: skipped */
        "{\"ph\":\"E\",\"ts\":2,\"pid\":500,\"tid\":70000},\n"
        /* a process named, not numbered: a thread of its own */
        "{\"name\":\"named\",\"ph\":\"X\",\"ts\":0,\"dur\":10,\"pid\":\"Main\",\"tid\":5}]";
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(text, sizeof text - 1, "t", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_profiler_nruns(p), 1);
    assert_int_equal(dusk_profiler_runs(p)[0].workers, 4);
    assert_int_equal(dusk_profiler_ntasks(p), 8);   /* the Bs never ended are not tasks */
    const dusk_task_record *r = dusk_profiler_tasks(p);
    int spans = 0;
    for (size_t i = 0; i < dusk_profiler_ntasks(p); i++)
        if (!strcmp(r[i].func, "span") || !strcmp(r[i].func, "inner")) {
            assert_int_equal(r[i].start_ns, r[i].func[0] == 's' ? 60000 : 70000);
            assert_int_equal(r[i].end_ns, r[i].func[0] == 's' ? 90000 : 80000);
            spans++;
        }
    assert_int_equal(spans, 2);
    for (size_t i = 0; i < dusk_profiler_ntasks(p); i++) {
        /* "Main" hashes below every numbered pid: its thread is first */
        int want = !strcmp(r[i].func, "named")                             ? 0
                   : !strcmp(r[i].func, "io")                              ? 1
                   : !strcmp(r[i].func, "phase") || !strcmp(r[i].func, "pass") ? 2
                                                                               : 3;
        if (r[i].worker != want)
            fail_msg("%s at %" PRIu64 " ns is on worker %d, not %d", r[i].func, r[i].start_ns,
                     r[i].worker, want);
    }
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.wall_ns, 150000);
    /* 0..120 us on tid 70000 (phase, and the pass past its end), 30 on -3,
     * 100 on pid 600, 10 on "Main": not the 370 us of the durations */
    assert_int_equal(s.busy_ns, 260000);
    assert_true(s.efficiency > 260.0 / 600 - 1e-9 && s.efficiency < 260.0 / 600 + 1e-9);
    FILE *f = fopen(scratch("other.txt"), "w");
    assert_int_equal(dusk_profiler_print_summary(p, f), 0);
    fclose(f);
    char *sum = slurp(scratch("other.txt"), NULL);
    assert_contains(sum, "8 tasks in 1 run on 4 workers; wall 150.0 us, busy 260.0 us, "
                         "parallel efficiency 43.3%");
    free(sum);
    dusk_profiler_free(p);

    /* A real one: clang's -ftime-trace (pid and tids the system's; a
     * "Total" slice per tid of its own) */
    if (!clang_time_trace())
        skip();   /* no clang (install-deps.sh installs it) */
    if (dusk_profiler_read_trace(scratch("tt.json"), &p, &err) != 0)
        fail_msg("%s", err.msg);
    size_t lanes = 0;
    char *json = slurp(scratch("tt.json"), NULL);
    for (const char *t = json; (t = strstr(t, "\"tid\":")); t++)
        lanes++;   /* an upper bound on its threads */
    free(json);
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_true(s.workers >= 2 && (size_t)s.workers <= lanes);
    assert_true(s.busy_ns <= (uint64_t)s.workers * s.wall_ns);
    assert_true(s.efficiency > 0 && s.efficiency <= 1);
    int found = 0;
    for (size_t i = 0; i < s.nfuncs; i++)
        found += !strcmp(s.funcs[i].func, "ExecuteCompiler");
    assert_int_equal(found, 1);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A syntax error deep in a file: the file's path, the line and the
 * column (in characters) of the place, counted here independently. */
static void test_trace_syntax_place(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    size_t n;
    char *text = slurp("tests/data/profiler/small.json", &n);
    assert_non_null(text);
    /* a second comma after the first "dur" of the proc tasks, and an
     * "é" before it on the same line, which is one column */
    char *at = strstr(text, "\"name\":\"proc\"");
    assert_non_null(at);
    memcpy(at + 8, "\xc3\xa9", 2);   /* "proc" -> "\u00e9oc", as UTF-8 */
    at = strstr(at, "\"dur\":30000.000,") + strlen("\"dur\":30000.000,");
    size_t off = (size_t)(at - text), line = 1, col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            col++;
        }
    }
    FILE *f = fopen(scratch("comma.json"), "wb");
    assert_non_null(f);
    fwrite(text, 1, off, f);
    fputc(',', f);
    fwrite(text + off, 1, n - off, f);
    fclose(f);
    char want[256];
    snprintf(want, sizeof want, "%s:%zu:%zu: string or '}' expected near ','", scratch("comma.json"),
             line, col);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_profiler *p;
    assert_int_equal(dusk_profiler_read_trace(scratch("comma.json"), &p, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, want);
    assert_int_equal(line, 7);
    /* Between events (the reader's scanner): event 5, the one that puts
     * "args" first, loses its comma; the place is the next event's start. */
    at = strstr(text, "\n{\"args\":");
    assert_non_null(at);
    at = strstr(at + 1, "},\n") + 1;
    off = (size_t)(at - text);
    f = fopen(scratch("comma.json"), "wb");
    assert_non_null(f);
    fwrite(text, 1, off, f);
    fwrite(text + off + 1, 1, n - off - 1, f);
    fclose(f);
    snprintf(want, sizeof want, "%s:8:1: expected ',' or ']' after event 5, found '{'",
             scratch("comma.json"));
    assert_int_equal(dusk_profiler_read_trace(scratch("comma.json"), &p, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, want);
    free(text);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Reads text with the k-th allocation failing, k = 0, 1, ... until a read
 * succeeds: every failure is DUSK_ENOMEM (or, when einval_ok, DUSK_EINVAL)
 * with no profiler and no leak. Returns how many were DUSK_ENOMEM. */
static int read_failing(const char *text, size_t n, int einval_ok)
{
    long live = dusk_alloc_live();
    int nomem = 0;
    for (long k = 0;; k++) {
        dusk_error err = DUSK_ERROR_INIT;
        dusk_profiler *p = NULL;
        assert_true(k < 4000);
        dusk_alloc_fail_after(k);
        int rc = dusk_profiler_read_trace_buffer(text, n, "small", &p, &err);
        dusk_alloc_fail_after(-1);
        if (rc == 0) {
            dusk_profile_summary s;
            assert_int_equal(dusk_profiler_summary(p, &s), 0);
            assert_int_equal(s.critical_ns, 90000000u);
            dusk_profiler_free(p);
            assert_int_equal(dusk_alloc_live(), live);
            return nomem;
        }
        if (rc != DUSK_ENOMEM && !(einval_ok && rc == DUSK_EINVAL))
            fail_msg("allocation %ld failing: %d %s", k, rc, err.msg);
        nomem += rc == DUSK_ENOMEM;
        assert_null(p);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* Reading with the N-th allocation failing: DUSK_ENOMEM and no leak. */
static void test_trace_read_oom(void **state)
{
    (void)state;
    size_t n;
    char *text = slurp("tests/data/profiler/small.json", &n);
    long live = dusk_alloc_live();
    read_failing(text, n, 0);
    /* writing, too: never a half-written file */
    dusk_profiler *p;
    assert_int_equal(dusk_profiler_read_trace_buffer(text, n, "small", &p, NULL), 0);
    int ok = 0;
    for (long k = 0; k < 400 && !ok; k++) {
        dusk_profiler *q;
        dusk_profiler_read_trace_buffer(text, n, "small", &q, NULL);
        long live2 = dusk_alloc_live();
        remove(scratch("oom.json"));
        dusk_alloc_fail_after(k);
        int rc = dusk_profiler_write_trace(q, scratch("oom.json"), NULL, NULL);
        dusk_alloc_fail_after(-1);
        if (rc == 0)
            ok = 1;
        else
            assert_false(file_exists(scratch("oom.json")));
        dusk_profiler_free(q);
        (void)live2;
    }
    assert_true(ok);
    dusk_profiler_free(p);
    free(text);
    assert_int_equal(dusk_alloc_live(), live);
}

/* jansson's allocations failing too: the library leaves jansson on malloc
 * (its allocator is the process's), so here the test hands it dusk's, for
 * once. Never a crash, never a leak; mostly DUSK_ENOMEM, but jansson's
 * lexer reports some failed allocations as a syntax error at the token it
 * could not keep (akheron/jansson#362), which is all the reader sees. */
static void test_trace_read_oom_jansson(void **state)
{
    (void)state;
    size_t n;
    char *text = slurp("tests/data/profiler/small.json", &n);
    json_set_alloc_funcs(dusk_malloc, dusk_free);
    int nomem = read_failing(text, n, 1);
    json_set_alloc_funcs(malloc, free);
    assert_true(nomem > 0);
    free(text);
}

/* --- CSV ------------------------------------------------------------------------------------ */

/* Splits one CSV line (RFC 4180 quoting) into at most max fields. */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *w = line, *r = line;
    while (n < max) {
        fields[n++] = w;
        if (*r == '"') {
            r++;
            for (;;) {
                if (*r == '"' && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else if (!*r) {
                    return -1;
                } else {
                    *w++ = *r++;
                }
            }
        } else {
            while (*r && *r != ',' && *r != '\n')
                *w++ = *r++;
        }
        if (*r == ',') {
            *w++ = '\0';
            r++;
            continue;
        }
        *w = '\0';
        break;
    }
    return n;
}

static void test_csv(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p = profile_lecture_and_rdag();
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_tasks_csv(p, scratch("tasks.csv"), &err), 0);
    assert_int_equal(dusk_profiler_write_resources_csv(p, scratch("res.csv"), &err), 0);
    assert_int_equal(dusk_profiler_write_cache_csv(p, scratch("cache.csv"), &err), 0);

    FILE *f = fopen(scratch("tasks.csv"), "r");
    char line[4096];
    char *fl[16];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "task,key,function,group,worker,run,start_ns,end_ns,duration_ns,"
                              "released_ns,nbytes,status\n");
    const dusk_task_record *r = dusk_profiler_tasks(p);
    size_t i = 0;
    int saw_tuple = 0, saw_tab = 0;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(csv_split(line, fl, 16), 12);
        assert_true(i < dusk_profiler_ntasks(p));
        assert_string_equal(fl[1], r[i].key);
        assert_string_equal(fl[2], r[i].func);
        assert_int_equal(strtoll(fl[0], NULL, 10), r[i].task);
        assert_int_equal(strtoull(fl[6], NULL, 10), r[i].start_ns);
        assert_int_equal(strtoull(fl[8], NULL, 10), r[i].end_ns - r[i].start_ns);
        assert_int_equal(strtol(fl[4], NULL, 10), r[i].worker);
        saw_tuple |= !strcmp(fl[1], "('nap', 0)");
        saw_tab |= strchr(fl[1], '"') != NULL;
        i++;
    }
    fclose(f);
    assert_int_equal(i, dusk_profiler_ntasks(p));
    assert_true(saw_tuple && saw_tab);

    f = fopen(scratch("res.csv"), "r");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "t_ns,rss_bytes,held_bytes,cpu_percent\n");
    i = 0;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(csv_split(line, fl, 16), 4);
        assert_int_equal(strtoull(fl[1], NULL, 10), dusk_profiler_samples(p)[i].rss);
        assert_non_null(strchr(fl[3], '.'));
        i++;
    }
    fclose(f);
    assert_int_equal(i, dusk_profiler_nsamples(p));
    assert_true(i >= 2);

    f = fopen(scratch("cache.csv"), "r");
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "t_ns,group,value\n");
    i = 0;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(csv_split(line, fl, 16), 3);
        i++;
    }
    fclose(f);
    assert_true(i > 0);
    /* a path that cannot be written: an error naming it, no file */
    assert_int_equal(dusk_profiler_write_tasks_csv(p, "/nonexistent/dir/t.csv", &err), DUSK_EIO);
    assert_contains(err.msg, "/nonexistent/dir/t.csv");
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- charts ---------------------------------------------------------------------------------- */

static int count_bytes(void *closure, const unsigned char *data, size_t n)
{
    (void)data;
    *(size_t *)closure += n;
    return 0;
}

/* Share of pixels that are not the white background, and distinct colours. */
static double png_ink(const char *path, int *w, int *h, int *colours)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    *w = cairo_image_surface_get_width(s);
    *h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    size_t ink = 0;
    uint32_t seen[64];
    int ns = 0;
    for (int y = 0; y < *h; y++)
        for (int x = 0; x < *w; x++) {
            uint32_t px = *(const uint32_t *)(d + (size_t)y * (size_t)stride + 4 * (size_t)x) &
                          0xffffff;
            if (px != 0xffffff)
                ink++;
            int k = 0;
            while (k < ns && seen[k] != px)
                k++;
            if (k == ns && ns < 64)
                seen[ns++] = px;
        }
    cairo_surface_destroy(s);
    *colours = ns;
    return (double)ink / ((double)*w * *h);
}

/* The box of a colour in a PNG chart, below the panel's legend (its
 * swatches have the same colours): left, top, right, bottom, inclusive;
 * left -1 when the colour is not there. A channel may differ by 2 from
 * dusk_profiler_colour's (cairo rounds its own way). */
typedef struct pbox {
    int x0, y0, x1, y1;
} pbox;

static uint32_t png_pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    return *(const uint32_t *)(d + (size_t)y * (size_t)cairo_image_surface_get_stride(s) +
                               4 * (size_t)x) & 0xffffff;
}

static int near_colour(uint32_t px, const uint8_t rgb[3])
{
    for (int c = 0; c < 3; c++) {
        int v = (int)(px >> (16 - 8 * c) & 0xff);
        if (v < rgb[c] - 2 || v > rgb[c] + 2)
            return 0;
    }
    return 1;
}

static pbox colour_box(cairo_surface_t *s, const uint8_t rgb[3])
{
    pbox b = {-1, -1, -1, -1};
    for (int y = 52; y < cairo_image_surface_get_height(s); y++)
        for (int x = 0; x < cairo_image_surface_get_width(s); x++)
            if (near_colour(png_pixel(s, x, y), rgb)) {
                if (b.x0 < 0 || x < b.x0)
                    b.x0 = x;
                if (b.y0 < 0)
                    b.y0 = y;
                if (x > b.x1)
                    b.x1 = x;
                b.y1 = y;
            }
    return b;
}

typedef struct png_mem {
    unsigned char *data;
    size_t len, at;
} png_mem;

static int png_append(void *closure, const unsigned char *data, size_t n)
{
    png_mem *m = closure;
    unsigned char *d = realloc(m->data, m->len + n);
    if (!d)
        return 1;
    memcpy(d + m->len, data, n);
    m->data = d;
    m->len += n;
    return 0;
}

static cairo_status_t png_read(void *closure, unsigned char *data, unsigned int n)
{
    png_mem *m = closure;
    if (m->len - m->at < n)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, m->data + m->at, n);
    m->at += n;
    return CAIRO_STATUS_SUCCESS;
}

/* p's task stream alone, drawn as a PNG of w x h and read back. */
static cairo_surface_t *task_stream_png(dusk_profiler *p, int w, int h)
{
    dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
    o.format = DUSK_CHART_PNG;
    o.panels = DUSK_PANEL_TASKS;
    o.width = w;
    o.height = h;
    png_mem m = {0};
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_chart_to(p, png_append, &m, &o, &err) != 0)
        fail_msg("%s", err.msg);
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(png_read, &m);
    free(m.data);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    return s;
}

/* The report's data for p, malloc'd. */
static char *report_data(dusk_profiler *p, const char *name)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_write_report(p, scratch(name), NULL, &err) != 0)
        fail_msg("%s", err.msg);
    char *html = slurp(scratch(name), NULL);
    const char *d = strstr(html, "<script type=\"application/json\" id=\"dusk-data\">");
    assert_non_null(d);
    char *data = strndup(d, (size_t)(strstr(d, "</script>") - d));
    free(html);
    return data;
}

/* Another tool's slices nested on a thread (clang's -ftime-trace: a pass
 * inside a phase) are drawn as trace viewers draw them: each a lane below
 * the one it is in, lanes of one height, so that every slice shows; of
 * two that start together the longer is outside. The next worker's row
 * comes below all of them. The report's live chart gets each task's lane
 * ("dp"); tasks back to back, 0 ns ones too (dusk's own), do not nest. */
static void test_chart_nested_slices(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const char nested[] =
        "[{\"name\":\"outer\",\"ph\":\"X\",\"ts\":0,\"dur\":1000,\"pid\":1,\"tid\":1},\n"
        "{\"name\":\"first\",\"ph\":\"X\",\"ts\":0,\"dur\":100,\"pid\":1,\"tid\":1},\n"
        "{\"name\":\"inner\",\"ph\":\"B\",\"ts\":200,\"pid\":1,\"tid\":1},\n"
        "{\"name\":\"leaf\",\"ph\":\"X\",\"ts\":300,\"dur\":100,\"pid\":1,\"tid\":1},\n"
        "{\"ph\":\"E\",\"ts\":600,\"pid\":1,\"tid\":1},\n"
        "{\"name\":\"solo\",\"ph\":\"X\",\"ts\":0,\"dur\":1000,\"pid\":1,\"tid\":2}]";
    static const char *const names[] = {"outer", "first", "inner", "leaf", "solo"};
    enum { OUTER, FIRST, INNER, LEAF, SOLO };
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(nested, sizeof nested - 1, "nested", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_profiler_ntasks(p), 5);
    cairo_surface_t *s = task_stream_png(p, 1000, 400);
    uint8_t rgb[5][3];
    pbox b[5];
    for (int k = 0; k < 5; k++) {
        dusk_profiler_colour(p, names[k], rgb[k]);
        b[k] = colour_box(s, rgb[k]);
        if (b[k].x0 < 0)
            fail_msg("%s is not drawn", names[k]);
        for (int j = 0; j < k; j++)
            assert_false(near_colour((uint32_t)rgb[j][0] << 16 | rgb[j][1] << 8 | rgb[j][2],
                                     rgb[k]));
    }
    /* lanes of one height, each below the one it is nested in */
    int lh = b[OUTER].y1 - b[OUTER].y0;
    assert_true(lh >= 8);
    for (int k = 0; k < 5; k++)
        if (abs(b[k].y1 - b[k].y0 - lh) > 1)
            fail_msg("%s is %d pixels high, outer %d", names[k], b[k].y1 - b[k].y0, lh);
    if (b[INNER].y0 <= b[OUTER].y1)
        fail_msg("inner (rows %d..%d) is not below outer (rows %d..%d)", b[INNER].y0,
                 b[INNER].y1, b[OUTER].y0, b[OUTER].y1);
    assert_true(abs(b[FIRST].y0 - b[INNER].y0) <= 1);   /* one lane: after each other */
    assert_true(b[LEAF].y0 > b[INNER].y1);
    assert_true(b[SOLO].y0 > b[LEAF].y1);               /* worker 1, below them all */
    /* outer shows above inner and leaf, where they run */
    assert_true(b[OUTER].x0 <= b[FIRST].x0 && b[OUTER].x1 >= b[SOLO].x1 - 1);
    int mx = (b[LEAF].x0 + b[LEAF].x1) / 2, my = (b[OUTER].y0 + b[OUTER].y1) / 2;
    assert_true(near_colour(png_pixel(s, mx, my), rgb[OUTER]));
    assert_true(near_colour(png_pixel(s, mx, (b[INNER].y0 + b[INNER].y1) / 2), rgb[INNER]));
    assert_true(b[INNER].x0 < b[LEAF].x0 && b[INNER].x1 > b[LEAF].x1);
    cairo_surface_destroy(s);

    /* the report: each task's lane */
    char *data = report_data(p, "nested.html");
    const dusk_task_record *r = dusk_profiler_tasks(p);
    char want[64] = "\"dp\":[";
    for (size_t i = 0; i < 5; i++) {
        int d = !strcmp(r[i].func, "inner") || !strcmp(r[i].func, "first") ? 1
                : !strcmp(r[i].func, "leaf")                               ? 2
                                                                           : 0;
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", i ? "," : "", d);
    }
    strcat(want, "]");
    assert_contains(data, want);
    free(data);
    dusk_profiler_free(p);

    /* back to back, with 0 ns tasks where one ends and the next starts */
    static const char flat[] =
        "[{\"name\":\"a\",\"ph\":\"X\",\"ts\":0,\"dur\":5,\"tid\":0},"
        "{\"name\":\"z\",\"ph\":\"X\",\"ts\":5,\"dur\":0,\"tid\":0},"
        "{\"name\":\"b\",\"ph\":\"X\",\"ts\":5,\"dur\":4,\"tid\":0},"
        "{\"name\":\"z\",\"ph\":\"X\",\"ts\":9,\"dur\":0,\"tid\":0},"
        "{\"name\":\"z\",\"ph\":\"X\",\"ts\":9,\"dur\":0,\"tid\":0},"
        "{\"name\":\"c\",\"ph\":\"X\",\"ts\":9,\"dur\":3,\"tid\":0}]";
    if (dusk_profiler_read_trace_buffer(flat, sizeof flat - 1, "flat", &p, &err) != 0)
        fail_msg("%s", err.msg);
    data = report_data(p, "flat.html");
    assert_contains(data, "\"e\":[]");
    assert_null(strstr(data, "\"dp\""));
    free(data);
    dusk_profiler_free(p);

    /* A real one, clang's -ftime-trace: on each worker, no two tasks of a
     * lane overlap, and a task below the top lane starts within a task of
     * the lane above it */
    if (!clang_time_trace()) {
        fprintf(stderr, "  (no clang: its -ftime-trace not tried)\n");
        assert_int_equal(dusk_alloc_live(), live);
        return;
    }
    if (dusk_profiler_read_trace(scratch("tt.json"), &p, &err) != 0)
        fail_msg("%s", err.msg);
    data = report_data(p, "tt.html");
    dusk_profiler_free(p);
    json_error_t je;
    json_t *d = json_loads(strchr(data, '>') + 1, 0, &je);
    if (!d)
        fail_msg("the report's data: %s", je.text);
    json_t *st = json_object_get(d, "s"), *du = json_object_get(d, "d"),
           *wk = json_object_get(d, "w"), *dp = json_object_get(d, "dp");
    assert_non_null(dp);   /* clang nests its phases */
    size_t n = json_array_size(st), deep = 0;
    assert_int_equal(json_array_size(dp), n);
#define AT(a, i) json_integer_value(json_array_get(a, i))
    for (size_t i = 0; i < n; i++) {
        int in_above = AT(dp, i) == 0;
        deep += AT(dp, i) > 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i || AT(wk, j) != AT(wk, i))
                continue;
            int over = AT(st, j) < AT(st, i) + AT(du, i) && AT(st, i) < AT(st, j) + AT(du, j);
            if (AT(dp, j) == AT(dp, i) && over)
                fail_msg("clang's tasks %zu and %zu overlap in lane %lld of worker %lld", i, j,
                         (long long)AT(dp, i), (long long)AT(wk, i));
            if (AT(dp, j) == AT(dp, i) - 1 && AT(st, j) <= AT(st, i) &&
                AT(st, i) < AT(st, j) + AT(du, j))
                in_above = 1;
        }
        if (!in_above)
            fail_msg("clang's task %zu (lane %lld) starts within no task of the lane above", i,
                     (long long)AT(dp, i));
    }
#undef AT
    assert_true(deep > 0);
    json_decref(d);
    free(data);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_charts(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p = profile_lecture_and_rdag();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
    int w, h, colours;

    assert_int_equal(dusk_profiler_write_chart(p, scratch("c.png"), NULL, &err), 0);
    double ink = png_ink(scratch("c.png"), &w, &h, &colours);
    assert_int_equal(w, 1000);
    assert_true(h > 400);
    assert_true(ink > 0.03);
    assert_true(colours >= 8);

    o.width = 640;
    o.height = 480;
    o.panels = DUSK_PANEL_TASKS;
    assert_int_equal(dusk_profiler_write_chart(p, scratch("t.png"), &o, &err), 0);
    ink = png_ink(scratch("t.png"), &w, &h, &colours);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    assert_true(ink > 0.05);

    o.panels = 0;
    o.width = 800;
    o.height = 900;
    assert_int_equal(dusk_profiler_write_chart(p, scratch("c.svg"), &o, &err), 0);
    char *svg = slurp(scratch("c.svg"), NULL);
    assert_contains(svg, "<svg");
    assert_contains(svg, "width=\"800pt\" height=\"900pt\"");
    assert_contains(svg, "<path");
    assert_contains(svg, "</svg>");
    free(svg);

    assert_int_equal(dusk_profiler_write_chart(p, scratch("c.pdf"), &o, &err), 0);
    size_t n;
    char *pdf = slurp(scratch("c.pdf"), &n);
    assert_memory_equal(pdf, "%PDF-", 5);
    assert_true(n > 2000);
    int mediabox = 0;
    for (size_t i = 0; i + 25 <= n && !mediabox; i++)
        mediabox = !memcmp(pdf + i, "/MediaBox [ 0 0 800 900 ]", 25);
    assert_true(mediabox);
    free(pdf);

    /* into memory */
    size_t total = 0;
    o.format = DUSK_CHART_PNG;
    assert_int_equal(dusk_profiler_chart_to(p, count_bytes, &total, &o, &err), 0);
    assert_true(total > 1000);

    /* bad requests: an error, and no file */
    assert_int_equal(dusk_profiler_write_chart(p, scratch("c.bmp"), NULL, &err), DUSK_EINVAL);
    assert_contains(err.msg, "c.bmp");
    assert_false(file_exists(scratch("c.bmp")));
    o.format = DUSK_CHART_AUTO;
    o.width = -3;
    assert_int_equal(dusk_profiler_write_chart(p, scratch("bad.png"), &o, &err), DUSK_EINVAL);
    assert_false(file_exists(scratch("bad.png")));
    assert_int_equal(dusk_profiler_write_chart(p, "/nonexistent/x.png", NULL, &err), DUSK_EIO);

    /* an empty profile still draws (axes, no boxes) */
    dusk_profiler *e = dusk_profiler_new(NULL);
    assert_int_equal(dusk_profiler_write_chart(e, scratch("empty.png"), NULL, &err), 0);
    dusk_profiler_free(e);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- the report ---------------------------------------------------------------------------- */

static const char graph_svg[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
    "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
    "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
    "<svg width=\"200pt\" height=\"120pt\" viewBox=\"0 0 200 120\" "
    "xmlns=\"http://www.w3.org/2000/svg\"><g id=\"graph0\"><title>g</title>"
    "<ellipse cx=\"100\" cy=\"60\" rx=\"60\" ry=\"30\" fill=\"#fde725\" stroke=\"black\"/>"
    "<text x=\"100\" y=\"64\" text-anchor=\"middle\">inc</text></g></svg>\n";

static void test_report(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p = profile_lecture_and_rdag();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_report_options o = DUSK_REPORT_OPTIONS_INIT;
    o.title = "A <test> & report";
    o.graph_svg = graph_svg;
    assert_int_equal(dusk_profiler_write_report(p, scratch("report.html"), &o, &err), 0);
    char *html = slurp(scratch("report.html"), NULL);
    assert_true(!strncmp(html, "<!DOCTYPE html>", 15));
    assert_contains(html, "<title>A &lt;test&gt; &amp; report</title>");
    static const char *ids[] = {"summary", "task-stream", "resources", "cache", "graph",
                                "functions"};
    for (size_t i = 0; i < 6; i++) {
        char want[64];
        snprintf(want, sizeof want, "<section id=\"%s\">", ids[i]);
        assert_contains(html, want);
    }
    /* three charts as data URIs, the graph inline without its prolog */
    size_t imgs = 0;
    for (const char *s = html; (s = strstr(s, "src=\"data:image/svg+xml;base64,")) != NULL; s++)
        imgs++;
    assert_int_equal(imgs, 3);
    assert_contains(html, "<svg width=\"200pt\"");
    assert_null(strstr(html, "<?xml"));
    assert_null(strstr(html, "<!DOCTYPE svg"));
    /* offline: nothing is fetched */
    assert_null(strstr(html, "src=\"http"));
    assert_null(strstr(html, "href=\"http"));
    assert_null(strstr(html, "url(http"));
    assert_null(strstr(html, "<script src"));   /* its scripts are inline */
    assert_null(strstr(html, "<link"));
    /* summary numbers and the function table */
    assert_contains(html, "parallel efficiency");
    assert_contains(html, "critical path");
    assert_contains(html, "<td><span class=\"swatch\"");
    assert_contains(html, ">sleep</td>");
    free(html);
    /* without a graph picture: a note */
    assert_int_equal(dusk_profiler_write_report(p, scratch("report2.html"), NULL, &err), 0);
    html = slurp(scratch("report2.html"), NULL);
    assert_contains(html, "No picture of the graph was given.");
    /* `dusk profile -o r.html` users read the note too: no C names */
    assert_null(strstr(html, "dusk_report_options"));
    free(html);
    assert_int_equal(dusk_profiler_write_report(p, "/nonexistent/r.html", NULL, &err), DUSK_EIO);
    assert_string_equal(err.msg, "cannot write /nonexistent/r.html: No such file or directory");
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Headless Chromium (Debian's chromium): the report loads with no console
 * error and shows each part. A check script goes first into <head>: it
 * records errors (script errors, failed loads, console.error) and, on
 * load, checks each section and image, and writes its verdict into
 * <body data-check>, which --dump-dom prints. The same check must fail on
 * a broken copy (a bad image, a throwing script), so that it can fail. */
static const char check_script[] =
    "<script>\n"
    "window.__errors = [];\n"
    "window.addEventListener('error', function (e) {\n"
    "  var t = e.target;\n"
    "  window.__errors.push(t && t !== window && t.tagName ? 'failed to load ' + t.tagName\n"
    "    + (t.alt ? ' (' + t.alt + ')' : '') : 'error: ' + e.message);\n"
    "}, true);\n"
    "(function () { var ce = console.error; console.error = function () {\n"
    "  window.__errors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));\n"
    "  ce.apply(console, arguments); }; })();\n"
    "window.addEventListener('load', function () {\n"
    "  var bad = window.__errors.slice();\n"
    "  ['summary', 'task-stream', 'resources', 'cache', 'graph', 'functions'].forEach(\n"
    "    function (id) {\n"
    "      var e = document.getElementById(id);\n"
    "      if (!e) bad.push('missing #' + id);\n"
    "      else if (e.getBoundingClientRect().height < 40) bad.push('empty #' + id);\n"
    "    });\n"
    "  for (var i = 0; i < document.images.length; i++) {\n"
    "    var im = document.images[i], live = im.closest('section.live');\n"
    "    if (!im.complete || im.naturalWidth < 100 ||\n"
    "        (!live && im.getBoundingClientRect().height < 50))\n"
    "      bad.push('image not shown: ' + im.alt);\n"
    "    if (live && !live.querySelector('svg.ix-chart'))\n"
    "      bad.push('no live chart for ' + im.alt);\n"
    "  }\n"
    "  document.querySelectorAll('svg.ix-chart').forEach(function (c) {\n"
    "    if (c.getBoundingClientRect().height < 50) bad.push('live chart not shown');\n"
    "  });\n"
    "  var g = document.querySelector('#graph svg');\n"
    "  if (!g || g.getBoundingClientRect().height < 20) bad.push('graph picture not shown');\n"
    "  if (document.querySelectorAll('#functions tr').length < 2) bad.push('no function rows');\n"
    "  document.body.setAttribute('data-check', bad.length ? 'FAIL: ' + bad.join('; ')\n"
    "    : 'OK ' + document.images.length + ' images');\n"
    "});\n"
    "</script>\n";

/* Writes html with the check script into dir/name, runs Chromium on it and
 * returns its verdict (malloc'd); *console gets the console lines of its
 * stderr (malloc'd, "" when none). */
static char *chromium_check(const char *html, const char *name, char **console)
{
    const char *chrome = chromium_path();
    char page[400], dom[512], errs[512], profile[512], cmd[4096];
    snprintf(page, sizeof page, "%s", scratch(name));
    snprintf(dom, sizeof dom, "%s.dom", page);
    snprintf(errs, sizeof errs, "%s.err", page);
    snprintf(profile, sizeof profile, "%s/chrome-profile-XXXXXX", scratch_dir);
    assert_non_null(mkdtemp(profile));
    const char *head = strstr(html, "<head>");
    assert_non_null(head);
    FILE *f = fopen(page, "w");
    fwrite(html, 1, (size_t)(head - html) + 6, f);
    fputs(check_script, f);
    fputs(head + 6, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "timeout 120 %s --headless --no-sandbox --disable-gpu --disable-quic "
             "--no-first-run --disable-background-networking --disable-component-update "
             "--disable-sync --disable-extensions --proxy-server=127.0.0.1:9 "
             "--user-data-dir=%s --enable-logging=stderr --v=0 --dump-dom 'file://%s' "
             ">'%s' 2>'%s'; rm -rf '%s'",
             chrome, profile, page, dom, errs, profile);
    int rc = system(cmd);
    (void)rc;
    char *out = slurp(dom, NULL), *err = slurp(errs, NULL);
    assert_non_null(out);
    char *verdict = NULL;
    const char *v = strstr(out, "data-check=\"");
    if (v) {
        v += 12;
        const char *e = strchr(v, '"');
        verdict = strndup(v, e ? (size_t)(e - v) : strlen(v));
    } else {
        verdict = strdup("no verdict (the page did not load?)");
    }
    size_t nc = 0;
    *console = calloc(1, err ? strlen(err) + 1 : 1);
    for (char *l = err ? strtok(err, "\n") : NULL; l; l = strtok(NULL, "\n"))
        if (strstr(l, ":CONSOLE")) {
            strcpy(*console + nc, l);
            nc += strlen(l);
            (*console)[nc++] = '\n';
        }
    free(out);
    free(err);
    return verdict;
}

static void test_report_in_chromium(void **state)
{
    (void)state;
    SKIP_WITHOUT_CHROMIUM();
    dusk_profiler *p = profile_lecture_and_rdag();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_report_options o = DUSK_REPORT_OPTIONS_INIT;
    o.graph_svg = graph_svg;
    assert_int_equal(dusk_profiler_write_report(p, scratch("r.html"), &o, &err), 0);
    dusk_profiler_free(p);
    char *html = slurp(scratch("r.html"), NULL);
    char *console;
    char *verdict = chromium_check(html, "good.html", &console);
    if (strncmp(verdict, "OK 3 images", 11) != 0 || *console)
        fail_msg("chromium: %s\nconsole:\n%s", verdict, console);
    free(verdict);
    free(console);

    /* The negative control: a broken image and a throwing script. */
    char *bad = malloc(strlen(html) + 100);
    strcpy(bad, html);
    char *img = strstr(bad, "base64,");
    assert_non_null(img);
    memcpy(img + 7, "!!!!", 4);
    char *end = strstr(bad, "</body>");
    strcpy(end, "<script>no_such_function();</script></body></html>\n");
    verdict = chromium_check(bad, "bad.html", &console);
    assert_true(!strncmp(verdict, "FAIL", 4));
    assert_contains(verdict, "no_such_function");
    assert_contains(verdict, "image not shown");
    assert_contains(console, "no_such_function");
    free(verdict);
    free(console);
    free(bad);
    free(html);
}

/* --- the progress bar -------------------------------------------------------------------- */

static char *progress_of(dusk_graph *g, const char *key, dusk_progress_options *po, int *rc)
{
    FILE *f = tmpfile();
    po->out = f;
    dusk_progress *b = dusk_progress_new(po);
    dusk_callbacks cb = dusk_progress_callbacks(b);
    *rc = run_with(g, key, DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL);
    dusk_progress_free(b);
    long n = ftell(f);
    char *s = calloc(1, (size_t)n + 1);
    rewind(f);
    if (fread(s, 1, (size_t)n, f) != (size_t)n)
        s[0] = '\0';
    fclose(f);
    return s;
}

/* Literals ('v0': 0) are not tasks, as Dask counts: six of them and two
 * tasks, the second sleeping 300 ms, show 50 % while it sleeps (they
 * showed 7 of 8, 87 %). The profile counts 2 tasks and says 6 literals,
 * which its records (and so its trace) keep; the critical path and the
 * per-function table leave them out. */
static void test_literals_not_tasks(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    dusk_arg *refs[6];
    char key[8];
    for (int i = 0; i < 6; i++) {
        snprintf(key, sizeof key, "v%d", i);
        dusk_graph_value(g, key, dusk_int(i));
        refs[i] = dusk_ref(key);
    }
    dusk_task(g, "total", &dusk_sum, dusk_listv(6, refs));
    dusk_task(g, "slow", &dusk_sleep, dusk_lit_int(300), dusk_ref("total"));
    int rc;
    dusk_progress_options po = DUSK_PROGRESS_OPTIONS_INIT;
    po.force = 1;
    po.dt = 0.02;
    po.width = 20;
    char *s = progress_of(g, "slow", &po, &rc);
    assert_int_equal(rc, 0);
    int most = -1, lines = 0;
    for (char *l = strtok(s, "\r"); l; l = strtok(NULL, "\r")) {
        int pct;
        if (sscanf(l, "[%*[# ]] | %d%% Completed", &pct) != 1)
            fail_msg("progress line \"%s\"", l);
        lines++;
        if (pct < 100 && pct > most)
            most = pct;
    }
    free(s);
    assert_true(lines >= 3);
    if (most != 50)
        fail_msg("while the second of 2 tasks ran the bar said %d %%, not 50 %%", most);

    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    assert_int_equal(run_with(g, "slow", DUSK_SCHED_THREADS, 2, &cb, 1, NULL, NULL), 0);
    dusk_profile_summary sm;
    assert_int_equal(dusk_profiler_summary(p, &sm), 0);
    assert_int_equal(sm.ntasks, 2);
    assert_int_equal(sm.nliterals, 6);
    assert_int_equal(dusk_profiler_ntasks(p), 8);   /* the records keep them */
    assert_int_equal(sm.ncritical, 2);
    for (size_t i = 0; i < sm.nfuncs; i++)
        assert_string_not_equal(sm.funcs[i].func, "(value)");
    FILE *f = fopen(scratch("literals.txt"), "w");
    assert_int_equal(dusk_profiler_print_summary(p, f), 0);
    fclose(f);
    char *text = slurp(scratch("literals.txt"), NULL);
    assert_contains(text, "profile: 2 tasks in 1 run");
    assert_contains(text, "and 6 literals (a key set to a value), not counted");
    free(text);
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* A literal's record (1-4 ms) beside a task (5-9 ms) on one worker: the
 * chart's task stream draws the task and not the literal (its bar, in a
 * colour no legend names, read as a task), and the report's live chart
 * gets its index in "lit", which it leaves out of its lanes. */
static void test_literals_not_drawn(void **state)
{
    (void)state;
    static const char trace[] =
        "{\"traceEvents\":[\n"
        "{\"name\":\"(value)\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":1000,\"dur\":3000,\"pid\":1,"
        "\"tid\":0},\n"
        "{\"name\":\"a\",\"cat\":\"task.record\",\"ph\":\"i\",\"s\":\"t\",\"ts\":4000,\"pid\":1,"
        "\"tid\":0,\"args\":{\"key\":\"a\",\"function\":\"(value)\",\"group\":\"a\",\"start_ns\":"
        "1000000,\"end_ns\":4000000,\"released_ns\":9000000,\"bytes\":8,\"id\":0,\"run\":0,"
        "\"deps\":[]}},\n"
        "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":5000,\"dur\":4000,\"pid\":1,"
        "\"tid\":0},\n"
        "{\"name\":\"b\",\"cat\":\"task.record\",\"ph\":\"i\",\"s\":\"t\",\"ts\":9000,\"pid\":1,"
        "\"tid\":0,\"args\":{\"key\":\"b\",\"function\":\"inc\",\"group\":\"b\",\"start_ns\":"
        "5000000,\"end_ns\":9000000,\"released_ns\":10000000,\"bytes\":8,\"id\":1,\"run\":0,"
        "\"deps\":[0]}}\n"
        "],\"otherData\":{\"producer\":\"dusk\",\"version\":2,\"cache_metric\":\"bytes\",\"lost\":0,"
        "\"runs\":[{\"begin\":0.0,\"wall\":10000.0,\"ntasks\":2,\"workers\":1,\"status\":0,"
        "\"held_peak\":16}]}}\n";
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(trace, sizeof trace - 1, "lit.json", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_profiler_ntasks(p), 2);
    cairo_surface_t *s = task_stream_png(p, 1000, 300);
    uint8_t lit[3], inc[3];
    dusk_profiler_colour(p, "(value)", lit);
    dusk_profiler_colour(p, "inc", inc);
    assert_false(near_colour((uint32_t)lit[0] << 16 | lit[1] << 8 | lit[2], inc));
    assert_true(colour_box(s, inc).x0 >= 0);
    if (colour_box(s, lit).x0 >= 0)
        fail_msg("the literal's record is drawn as a task");
    cairo_surface_destroy(s);
    char *data = report_data(p, "lit.html");
    const dusk_task_record *r = dusk_profiler_tasks(p);
    assert_string_equal(r[0].key, "a");   /* by start time */
    assert_contains(data, "\"lit\":[0]");
    free(data);
    dusk_profiler_free(p);
}

/* The times as Dask's ProgressBar writes them: dask.utils.format_time's
 * own examples, and the edges of its ranges. */
static void test_progress_times(void **state)
{
    (void)state;
    static const struct {
        double t;
        const char *s;
    } cases[] = {
        {0, "0.00 us"},       {0.00012345, "123.45 us"}, {0.001234, "1.23 ms"},
        {0.9999, "999.90 ms"}, {1, "1.00 s"},            {123.456, "123.46 s"},
        {600, "600.00 s"},    {601, "10m 1s"},          {1234.567, "20m 34s"},
        {7200, "120m 0s"},    {7201, "2hr 0m"},         {12345.67, "3hr 25m"},
        {172800, "48hr 0m"},  {172801, "2d 0hr"},       {1234567.89, "14d 6hr"},
    };
    char out[48];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        dusk__format_time(out, sizeof out, cases[i].t);
        assert_string_equal(out, cases[i].s);
    }
}

static void test_progress(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &dusk_sleep, dusk_lit_int(150), dusk_lit_int(1));
    dusk_task(g, "b", &dusk_sleep, dusk_lit_int(150), dusk_ref("a"));
    dusk_task(g, "c", &dusk_inc, dusk_lit_int(1));
    dusk_task(g, "d", &dusk_sum, dusk_list(dusk_ref("b"), dusk_ref("c")));
    int rc;

    dusk_progress_options po = DUSK_PROGRESS_OPTIONS_INIT;
    po.force = 1;
    po.dt = 0.02;
    po.width = 24;
    char *s = progress_of(g, "d", &po, &rc);
    assert_int_equal(rc, 0);
    /* lines: \r[bar] | N% Completed | 0.Xs ... then the final one and \n */
    size_t lines = 0;
    int last_pct = -1;
    for (char *l = strtok(s, "\r"); l; l = strtok(NULL, "\r")) {
        char bar[64];
        int pct;
        double secs;
        char unit[4];
        assert_int_equal(sscanf(l, "[%24[# ]] | %d%% Completed | %lf %3s", bar, &pct, &secs, unit),
                         4);
        secs *= !strcmp(unit, "s") ? 1 : !strcmp(unit, "ms") ? 1e-3 : !strcmp(unit, "us") ? 1e-6 : -1;
        assert_int_equal(strlen(bar), 24);
        assert_int_equal(strspn(bar, "#"), 24 * pct / 100);
        assert_true(pct >= last_pct);
        assert_true(secs >= 0 && secs < 60);
        last_pct = pct;
        lines++;
    }
    free(s);
    assert_true(lines >= 5);      /* 300 ms at 20 ms */
    assert_true(lines <= 40);     /* at most every dt (and the last line) */
    assert_int_equal(last_pct, 100);

    s = progress_of(g, "d", &po, &rc);
    size_t n = strlen(s);
    assert_true(n > 2 && s[n - 1] == '\n');
    const char *last = strrchr(s, '\r');
    double secs;
    assert_non_null(last);
    char unit[4];
    assert_int_equal(sscanf(last, "\r[########################] | 100%% Completed | %lf %3s",
                            &secs, unit),
                     2);
    if (!strcmp(unit, "ms"))   /* Dask's units: "303.35 ms", "1.20 s" */
        secs /= 1e3;
    else
        assert_string_equal(unit, "s");
    assert_true(secs >= 0.25 && secs < 30);
    while (n > 2 && s[n - 2] == ' ')   /* the padding over a longer line before */
        memmove(s + n - 2, s + n - 1, 2), n--;
    while (n > 2 && s[n - 2] == ' ')   /* the padding over a longer line before */
        memmove(s + n - 2, s + n - 1, 2), n--;
    assert_true(!strcmp(s + n - 2, "s\n"));
    free(s);

    /* a short run under the minimum: nothing at all */
    po.minimum = 10;
    s = progress_of(g, "c", &po, &rc);
    assert_string_equal(s, "");
    free(s);
    /* not a terminal and not forced: nothing */
    po.minimum = 0;
    po.force = 0;
    s = progress_of(g, "d", &po, &rc);
    assert_string_equal(s, "");
    free(s);
    /* a failed run ends below 100% */
    dusk_task(g, "e", &failing, dusk_ref("a"));
    po.force = 1;
    s = progress_of(g, "e", &po, &rc);
    assert_int_equal(rc, DUSK_EIO);
    assert_null(strstr(s, "100%"));
    assert_contains(s, "% Completed |");
    free(s);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Every recorder together on one run, and a second profiler beside them. */
static void test_recorders_together(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    const char *root;
    dusk_graph *g = tree_graph(20000, &root);
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_profiler_options ro = DUSK_PROFILER_OPTIONS_INIT;
    ro.record = DUSK_PROF_RESOURCES | DUSK_PROF_CACHE;
    ro.cache_metric = DUSK_CACHE_COUNT;
    ro.dt = 0.001;
    dusk_profiler *p2 = dusk_profiler_new(&ro);
    dusk_progress_options po = DUSK_PROGRESS_OPTIONS_INIT;
    po.force = 1;
    po.out = tmpfile();
    dusk_progress *b = dusk_progress_new(&po);
    dusk_callbacks cbs[3] = {dusk_profiler_callbacks(p), dusk_progress_callbacks(b),
                             dusk_profiler_callbacks(p2)};
    dusk_stream *s = dusk_stream_new();
    assert_int_equal(run_with(g, root, DUSK_SCHED_THREADS, 3, cbs, 3, s, NULL), 0);
    drained d = {NULL, 0};
    drain_all(s, &d);
    assert_int_equal(dusk_profiler_ntasks(p), dusk_graph_size(g));
    assert_int_equal(dusk_profiler_ntasks(p2), dusk_graph_size(g));   /* cache needs them */
    /* a busy run's samples are taken on the workers' threads, between
     * their tasks: in order, each with its memory and CPU */
    size_t ns = dusk_profiler_nsamples(p2);
    const dusk_resource_sample *rs = dusk_profiler_samples(p2);
    assert_true(ns >= 2);
    for (size_t i = 0; i < ns; i++) {
        assert_true(rs[i].rss > 0);
        assert_true(rs[i].cpu >= 0);
        if (i)
            assert_true(rs[i - 1].t_ns <= rs[i].t_ns);
    }
    const char *keys[] = {root};
    check_records(p, g, keys, 1, 0, 3);
    /* the cache series of the counting profiler ends with the one result */
    const dusk_cache_point *c;
    size_t nc = dusk_profiler_cache_series(p2, dusk_profiler_ngroups(p2), &c);
    assert_true(nc > 0);
    free(d.ev);
    dusk_stream_free(s);
    fclose(po.out);
    dusk_progress_free(b);
    dusk_profiler_free(p);
    dusk_profiler_free(p2);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_lecture_records, reset_alloc),
        cmocka_unit_test_teardown(test_keys_outlive_graph, reset_alloc),
        cmocka_unit_test_teardown(test_graph_changed_while_reading, reset_alloc),
        cmocka_unit_test_teardown(test_records_match_stream, reset_alloc),
        cmocka_unit_test_teardown(test_several_runs, reset_alloc),
        cmocka_unit_test_teardown(test_failed_task, reset_alloc),
        cmocka_unit_test_teardown(test_short_run_two_samples, reset_alloc),
        cmocka_unit_test_teardown(test_lossless_large, reset_alloc),
        cmocka_unit_test_teardown(test_log_extremes, reset_alloc),
        cmocka_unit_test_teardown(test_recording_oom, reset_alloc),
        cmocka_unit_test_teardown(test_lost_start_says_so, reset_alloc),
        cmocka_unit_test_teardown(test_sampler, reset_alloc),
        cmocka_unit_test_teardown(test_sampler_after_fork, reset_alloc),
        cmocka_unit_test_teardown(test_sessions_back_to_back, reset_alloc),
        cmocka_unit_test_teardown(test_sample_without_memory, reset_alloc),
        cmocka_unit_test_teardown(test_cache_series, reset_alloc),
        cmocka_unit_test_teardown(test_trace_round_trip, reset_alloc),
        cmocka_unit_test_teardown(test_trace_small_summary, reset_alloc),
        cmocka_unit_test_teardown(test_trace_truncated, reset_alloc),
        cmocka_unit_test_teardown(test_trace_rejects, reset_alloc),
        cmocka_unit_test_teardown(test_trace_run_begins_by_its_tasks, reset_alloc),
        cmocka_unit_test_teardown(test_trace_other_tools_threads, reset_alloc),
        cmocka_unit_test_teardown(test_trace_syntax_place, reset_alloc),
        cmocka_unit_test_teardown(test_trace_read_oom, reset_alloc),
        cmocka_unit_test_teardown(test_trace_read_oom_jansson, reset_alloc),
        cmocka_unit_test_teardown(test_csv, reset_alloc),
        cmocka_unit_test_teardown(test_charts, reset_alloc),
        cmocka_unit_test_teardown(test_chart_nested_slices, reset_alloc),
        cmocka_unit_test_teardown(test_report, reset_alloc),
        cmocka_unit_test_teardown(test_report_in_chromium, reset_alloc),
        cmocka_unit_test(test_progress_times),
        cmocka_unit_test_teardown(test_progress, reset_alloc),
        cmocka_unit_test_teardown(test_literals_not_tasks, reset_alloc),
        cmocka_unit_test_teardown(test_literals_not_drawn, reset_alloc),
        cmocka_unit_test_teardown(test_recorders_together, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
