/*
** dusk tests — out of memory anywhere in a whole program
**
** One program that uses every library the way a user does: read an HDF5
** dataset, compute an array from it, store the result to HDF5, draw the
** graph (SVG, and PNG coloured by the run's durations), and write every
** output of the profiler (trace, HTML report, PNG and SVG charts, three
** CSVs). SQLite's loop: for n = 0, 1, 2 ... make dusk's n-th allocation
** (and every later one) fail, and check that the program
**   - stops with DUSK_ENOMEM and a message (never DUSK_EIO, which is for
**     real I/O, never a crash);
**   - leaves every output whole: each file is either the one the
**     previous pass wrote or a new complete one, and no temporary file
**     is left beside them;
**   - leaks nothing: dusk's count of live blocks is where it was
**     (sanitizer builds: LeakSanitizer also checks at exit);
** until the program runs with no failure injected. Then the same with
** the n-th allocation failing alone (dusk_alloc_fail_once): the program
** fails with DUSK_ENOMEM, or succeeds with every output whole and every
** task in the trace, never quietly short of a run.
**
** Two smaller loops take every n: the HTML report of a bigger profile
** (where the issue counted 589 of 2,983 failure points giving DUSK_EIO),
** and each profiler writer as the first reader of a fresh profile (it
** prepares the run's records, and must fail rather than leave them out).
**
** Allocations that cairo, Graphviz, HDF5, jansson and libc make for
** themselves are not under dusk_alloc_fail_after.
**
** Time: a pass makes about 1,500 allocations and takes some tens of ms,
** so every n, twice, would take minutes (2 min 20 s of CPU here). The
** whole-program loops take every n up to DENSE, then a stride chosen so
** that about PASSES passes cover the rest (fewer under the sanitizers);
** the stride starts at an offset that moves with the seed, so that runs
** differ. DUSK_ALLOC_LOOP_STRIDE=1 takes every n (the full check, run by
** hand); DUSK_ALLOC_LOOP_SEED picks the offset.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/profiler.h"
#include "dusk/viz.h"
#include "helpers.h"

/* 1 under ASan, 2 under TSan (slower still), else 0 */
#if defined(__SANITIZE_THREAD__)
#define SANITIZED 2
#elif defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SANITIZED 2
#elif __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#define FIXTURE "tests/data/array/h5py_fixture.h5"
#define DENSE (SANITIZED ? 50L : 100L)
#define PASSES (SANITIZED == 2 ? 40L : SANITIZED ? 120L : 200L)   /* in each of two modes */

/* The outputs and what a whole one looks like. */
enum { K_H5, K_SVG, K_PNG, K_TRACE, K_HTML, K_CPNG, K_CSVG, K_CSV };
static const struct {
    const char *name;
    int kind;
} OUTS[] = {
    {"r.h5", K_H5},          {"graph.svg", K_SVG},      {"graph.png", K_PNG},
    {"trace.json", K_TRACE}, {"report.html", K_HTML},   {"chart.png", K_CPNG},
    {"chart.svg", K_CSVG},   {"tasks.csv", K_CSV},      {"resources.csv", K_CSV},
    {"cache.csv", K_CSV},
};
#define NOUTS (sizeof OUTS / sizeof OUTS[0])

static const char *out_path(const char *name)
{
    return scratch(name);
}

/* The program. Returns 0 or the code of the first step that failed, with
 * err saying why and *step naming the step. */
static int program(dusk_error *err, const char **step)
{
    int rc = 0;
    dusk_array_ctx *ctx = NULL;
    dusk_profiler *prof = NULL;
    dusk_viz_recorder *rec = NULL;
    dusk_value *v = NULL;
    char *svg = NULL;
    size_t nsvg = 0;

#define STEP(name, call)          \
    do {                          \
        *step = (name);           \
        if ((rc = (call)) != 0)   \
            goto done;            \
    } while (0)
#define NEW(name, var, call)                                              \
    do {                                                                  \
        *step = (name);                                                   \
        if (!((var) = (call))) {                                          \
            rc = dusk_error_set(err, DUSK_ENOMEM, "%s: out of memory", name); \
            goto done;                                                    \
        }                                                                 \
    } while (0)

    NEW("dusk_array_ctx_new", ctx, dusk_array_ctx_new());
    dusk_array *x = dusk_from_hdf5(ctx, FIXTURE, "/grp/ints", "(2, 3)");
    dusk_array *y = dusk_array_astype(x, DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(y, dusk_array_mean(y, DUSK_AXIS(0), false));
    STEP("read and build", dusk_array_status(r, err));

    NEW("dusk_profiler_new", prof, dusk_profiler_new(NULL));
    NEW("dusk_viz_recorder_new", rec, dusk_viz_recorder_new());
    dusk_callbacks cb[2] = {dusk_profiler_callbacks(prof), dusk_viz_recorder_callbacks(rec)};
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.callbacks = cb;
    o.ncallbacks = 2;
    STEP("compute", dusk_array_compute(r, &o, &v, err));
    if (dusk_viz_recorder_lost(rec)) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "viz recorder: events lost");
        goto done;
    }

    o.ncallbacks = 1;   /* the picture is of the compute run */
    o.scheduler = DUSK_SCHED_THREADS;   /* the store on worker threads */
    o.workers = 2;
    dusk_store_options so = {0, true};
    STEP("store", dusk_array_store(r, out_path("r.h5"), "/r", &so, &o, err));

    dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
    vo.view = DUSK_VIZ_TASKS;
    STEP("visualize svg", dusk_visualize_array(r, out_path("graph.svg"), &vo, err));
    vo.events = dusk_viz_recorder_events(rec, &vo.nevents);
    vo.color = DUSK_VIZ_COLOR_DURATION;
    STEP("visualize png", dusk_visualize_array(r, out_path("graph.png"), &vo, err));
    STEP("visualize mem", dusk_visualize_array_mem(r, "svg", &vo, &svg, &nsvg, err));

    *step = "profiler status";
    if ((rc = dusk_profiler_status(prof)) != 0) {
        dusk_error_set(err, rc, "profiler: %" PRIu64 " records lost",
                       dusk_profiler_lost(prof));
        goto done;
    }
    STEP("trace", dusk_profiler_write_trace(prof, out_path("trace.json"), NULL, err));
    dusk_report_options ro = DUSK_REPORT_OPTIONS_INIT;
    ro.graph_svg = svg;
    STEP("report", dusk_profiler_write_report(prof, out_path("report.html"), &ro, err));
    STEP("chart png", dusk_profiler_write_chart(prof, out_path("chart.png"), NULL, err));
    STEP("chart svg", dusk_profiler_write_chart(prof, out_path("chart.svg"), NULL, err));
    STEP("tasks csv", dusk_profiler_write_tasks_csv(prof, out_path("tasks.csv"), err));
    STEP("resources csv",
         dusk_profiler_write_resources_csv(prof, out_path("resources.csv"), err));
    STEP("cache csv", dusk_profiler_write_cache_csv(prof, out_path("cache.csv"), err));
    *step = "done";
#undef STEP
#undef NEW

done:
    dusk_free(svg);
    dusk_value_unref(v);
    dusk_viz_recorder_free(rec);
    dusk_profiler_free(prof);
    dusk_array_ctx_free(ctx);
    return rc;
}

static int ends_with(const char *data, size_t n, const char *tail, size_t k)
{
    return n >= k && memcmp(data + n - k, tail, k) == 0;
}

/* NULL when the output at path is whole, else what is wrong with it.
 * Called with injection off. */
static const char *whole(const char *path, int kind, size_t ntasks)
{
    static const char iend[] = "IEND\xae\x42\x60\x82";
    size_t n;
    char *d = slurp(path, &n);
    if (!d)
        return "missing";
    const char *bad = NULL;
    switch (kind) {
    case K_H5: {
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_array *a = dusk_from_hdf5(ctx, path, "/r", "auto");
        dusk_value *v = NULL;
        dusk_error e = DUSK_ERROR_INIT;
        if (dusk_array_compute(a, NULL, &v, &e) != 0)
            bad = "not a readable HDF5 file with /r";
        else if (dusk_ndarray_size(v) != 12)
            bad = "/r is not 12 values";
        dusk_value_unref(v);
        dusk_array_ctx_free(ctx);
        break;
    }
    case K_SVG:
        if (!strstr(d, "<svg") || !strstr(d, "</svg>"))
            bad = "not a whole SVG";
        break;
    case K_CSVG:
        if (!strstr(d, "<svg") || !ends_with(d, n, "</svg>\n", 7))
            bad = "not a whole SVG";
        break;
    case K_PNG:
    case K_CPNG:
        if (n < 8 || memcmp(d, "\x89PNG", 4) || !ends_with(d, n, iend, 8))
            bad = "not a whole PNG";
        break;
    case K_TRACE: {
        dusk_profiler *p = NULL;
        dusk_error e = DUSK_ERROR_INIT;
        if (dusk_profiler_read_trace(path, &p, &e) != 0)
            bad = "trace does not read back";
        else if (dusk_profiler_ntasks(p) != ntasks)
            bad = "trace has the wrong number of tasks";
        dusk_profiler_free(p);
        break;
    }
    case K_HTML:
        if (!ends_with(d, n, "</html>\n", 8))
            bad = "not a whole HTML file";
        break;
    default:
        if (n == 0 || d[n - 1] != '\n' || !strstr(d, "_ns,"))
            bad = "not a whole CSV file";
        break;
    }
    free(d);
    return bad;
}

static long env_long(const char *name, long dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtol(s, NULL, 10) : dflt;
}

static void test_whole_program(void **state)
{
    (void)state;
    dusk_error err = DUSK_ERROR_INIT;
    const char *step = "";

    /* A pass with nothing injected: every output exists and is whole, and
     * we learn how many allocations a pass makes. */
    long live0 = dusk_alloc_live();
    unsigned long calls0 = dusk_alloc_calls();
    int rc = program(&err, &step);
    if (rc)
        fail_msg("without injection, %s: %s (%s)", step, err.msg, dusk_err_name(rc));
    unsigned long total = dusk_alloc_calls() - calls0;
    assert_int_equal(dusk_alloc_live(), live0);
    dusk_profiler *tp = NULL;
    assert_int_equal(dusk_profiler_read_trace(out_path("trace.json"), &tp, &err), 0);
    size_t ntasks = dusk_profiler_ntasks(tp);
    dusk_profiler_free(tp);
    for (size_t k = 0; k < NOUTS; k++) {
        const char *bad = whole(out_path(OUTS[k].name), OUTS[k].kind, ntasks);
        if (bad)
            fail_msg("%s after a clean pass: %s", OUTS[k].name, bad);
    }

    long stride = env_long("DUSK_ALLOC_LOOP_STRIDE", 0);
    if (stride <= 0) {
        stride = ((long)total - DENSE) / PASSES;
        if (stride < 1)
            stride = 1;
    }
    long seed = env_long("DUSK_ALLOC_LOOP_SEED", (long)time(NULL));
    long offset = stride > 1 ? seed % stride : 0;
    print_message("alloc loop: %lu allocations a pass; every n to %ld, then stride %ld "
                  "from offset %ld (DUSK_ALLOC_LOOP_SEED=%ld)\n",
                  total, DENSE, stride, offset, seed);

    /* once = 0: every allocation from the n-th on fails; 1: the n-th alone,
     * and the program must then fail with ENOMEM or write whole files that
     * hold every task (nothing lost quietly) */
    for (int once = 0; once < 2; once++) {
        long passes = 0, failures = 0;
        for (long n = 0;; n = n < DENSE ? n + 1 : n + stride) {
            if (n == DENSE && stride > 1)
                n += offset;
            dusk_error_clear(&err);
            step = "";
            long live = dusk_alloc_live();
            unsigned long calls = dusk_alloc_calls();
            if (once)
                dusk_alloc_fail_once(n);
            else
                dusk_alloc_fail_after(n);
            rc = program(&err, &step);
            dusk_alloc_fail_after(-1);
            calls = dusk_alloc_calls() - calls;
            passes++;
            if (rc == 0 && calls <= (unsigned long)n)
                break;   /* nothing failed: the end */
            failures += rc != 0;
            if (rc != 0 && rc != DUSK_ENOMEM)
                fail_msg("n = %ld%s, %s: %s, want DUSK_ENOMEM: %s", n, once ? " alone" : "",
                         step, dusk_err_name(rc), err.msg);
            if (rc != 0 && !err.msg[0])
                fail_msg("n = %ld, %s: DUSK_ENOMEM without a message", n, step);
            long now = dusk_alloc_live();
            if (now != live)
                fail_msg("n = %ld%s, %s (%s): %ld blocks leaked", n, once ? " alone" : "", step,
                         err.msg, now - live);
            int tmps = count_entries_with(scratch_dir, ".tmp");
            if (tmps != 0)
                fail_msg("n = %ld, %s: %d temporary files left", n, step, tmps);
            for (size_t k = 0; k < NOUTS; k++) {
                const char *bad = whole(out_path(OUTS[k].name), OUTS[k].kind, ntasks);
                if (bad)
                    fail_msg("n = %ld%s, %s (%s): %s: %s", n, once ? " alone" : "", step,
                             rc ? err.msg : "succeeded", OUTS[k].name, bad);
            }
            if (n > (long)total * 4 + 100000)
                fail_msg("n = %ld: the program still fails (%s: %s)", n, step, err.msg);
        }
        print_message("alloc loop%s: %ld passes, %ld out of memory\n",
                      once ? " (one failure at a time)" : "", passes, failures);
    }
}

/* The HTML report alone, of a bigger profile (many tasks, two runs, every
 * panel), where the issue counted its failure points: every n, with the
 * profile's derived data (summary, cache series) dropped before each pass
 * so that each pass computes them again. */
/* profiler/prof.h (private to profiler/; the test links the static
 * library): forgets the summary and cache series computed so far. */
void dusk__drop_derived(dusk_profiler *p);

static void test_report(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    char key[32], prev[32] = "";
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "inc-%d", i);
        if (i % 10)
            dusk_task(g, key, &dusk_inc, dusk_ref(prev));
        else
            dusk_task(g, key, &dusk_inc, dusk_lit_int(i));
        memcpy(prev, key, sizeof key);
    }
    dusk_profiler *p = dusk_profiler_new(NULL);
    assert_non_null(p);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.workers = 2;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err = DUSK_ERROR_INIT;
    const char *keys[30];
    char kb[30][32];
    for (int i = 0; i < 30; i++) {
        snprintf(kb[i], sizeof kb[i], "inc-%d", i * 10 + 9);
        keys[i] = kb[i];
    }
    for (int run = 0; run < 2; run++) {
        dusk_value *v = NULL;
        assert_int_equal(dusk_get_list(g, keys, 30, &o, &v, &err), 0);
        dusk_value_unref(v);
    }
    assert_int_equal(dusk_profiler_status(p), 0);
    const char *path = out_path("big-report.html");
    remove(path);

    dusk__drop_derived(p);
    long n = 0, live = dusk_alloc_live();
    for (;; n++) {
        dusk_error_clear(&err);
        dusk_alloc_fail_after(n);
        int rc = dusk_profiler_write_report(p, path, NULL, &err);
        dusk_alloc_fail_after(-1);
        if (rc == 0)
            break;
        if (rc != DUSK_ENOMEM)
            fail_msg("n = %ld: %s, want DUSK_ENOMEM: %s", n, dusk_err_name(rc), err.msg);
        dusk__drop_derived(p);   /* what the profiler keeps for next time */
        if (dusk_alloc_live() != live)
            fail_msg("n = %ld (%s): %ld blocks leaked", n, err.msg, dusk_alloc_live() - live);
        if (file_exists(path) || count_entries_with(scratch_dir, ".tmp") != 0)
            fail_msg("n = %ld (%s): a file was left", n, err.msg);
        if (n > 1000000)
            fail_msg("the report still fails: %s", err.msg);
    }
    print_message("report loop: %ld failure points, each DUSK_ENOMEM\n", n);
    size_t len;
    char *d = slurp(path, &len);
    assert_non_null(d);
    assert_true(len > 8 && strcmp(d + len - 8, "</html>\n") == 0);
    free(d);
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* A writer that is the first to read a profile prepares its records (the
 * run's records are merged on first read): memory that runs out there
 * must fail the write, not leave out the run. For each writer and every
 * n: a fresh profile of one run, then the write with the n-th allocation
 * failing; DUSK_ENOMEM and no file, or a file with every task. */
static int first_trace(dusk_profiler *p, const char *path, dusk_error *err)
{
    return dusk_profiler_write_trace(p, path, NULL, err);
}

static int first_csv(dusk_profiler *p, const char *path, dusk_error *err)
{
    return dusk_profiler_write_tasks_csv(p, path, err);
}

static int first_chart(dusk_profiler *p, const char *path, dusk_error *err)
{
    return dusk_profiler_write_chart(p, path, NULL, err);
}

static int first_report(dusk_profiler *p, const char *path, dusk_error *err)
{
    return dusk_profiler_write_report(p, path, NULL, err);
}

/* Tasks in a written file: the trace read back, lines of the CSV; the
 * others: -1 (they are checked for being whole only). */
static long tasks_in(const char *path)
{
    if (strstr(path, ".json")) {
        dusk_profiler *p = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        long n = dusk_profiler_read_trace(path, &p, &err) == 0 ? (long)dusk_profiler_ntasks(p)
                                                                : -2;
        dusk_profiler_free(p);
        return n;
    }
    size_t len;
    char *d = slurp(path, &len);
    long n = -2;
    if (d && strstr(path, ".csv")) {
        n = -1;   /* the header */
        for (size_t i = 0; i < len; i++)
            n += d[i] == '\n';
    } else if (d && len > 8 && (!strcmp(d + len - 8, "</html>\n") ||
                                !memcmp(d + len - 8, "IEND\xae\x42\x60\x82", 8))) {
        n = -1;
    }
    free(d);
    return n;
}

static void test_first_reader(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int (*write)(dusk_profiler *, const char *, dusk_error *);
    } W[] = {
        {"first.json", first_trace},
        {"first.csv", first_csv},
        {"first.png", first_chart},
        {"first.html", first_report},
    };
    /* once = 0: every allocation from the n-th on fails; 1: the n-th alone */
    for (int once = 0; once < 2; once++)
        for (size_t w = 0; w < sizeof W / sizeof W[0]; w++) {
            const char *path = out_path(W[w].file);
            long n = 0;
            for (;; n++) {
                remove(path);
                long live = dusk_alloc_live();
                dusk_graph *g = lecture_dsk();
                dusk_profiler *p = dusk_profiler_new(NULL);
                assert_non_null(p);
                dusk_callbacks cb = dusk_profiler_callbacks(p);
                dusk_options o = DUSK_OPTIONS_INIT;
                o.scheduler = DUSK_SCHED_SYNC;
                o.callbacks = &cb;
                o.ncallbacks = 1;
                dusk_error err = DUSK_ERROR_INIT;
                dusk_value *v = NULL;
                assert_int_equal(dusk_get(g, "z", &o, &v, &err), 0);
                dusk_value_unref(v);
                unsigned long calls = dusk_alloc_calls();
                if (once)
                    dusk_alloc_fail_once(n);
                else
                    dusk_alloc_fail_after(n);
                int rc = W[w].write(p, path, &err);
                dusk_alloc_fail_after(-1);
                calls = dusk_alloc_calls() - calls;
                long tasks = rc == 0 ? tasks_in(path) : 0;
                dusk_profiler_free(p);
                dusk_graph_free(g);
                if (dusk_alloc_live() != live)
                    fail_msg("%s, n = %ld (%s): %ld blocks leaked", W[w].file, n, err.msg,
                             dusk_alloc_live() - live);
                if (rc == 0) {
                    if (tasks != 5 && tasks != -1)
                        fail_msg("%s, n = %ld%s: written with %ld of 5 tasks", W[w].file, n,
                                 once ? " alone" : "", tasks);
                    if (calls <= (unsigned long)n)   /* nothing failed: done */
                        break;
                    continue;
                }
                if (rc != DUSK_ENOMEM)
                    fail_msg("%s, n = %ld: %s, want DUSK_ENOMEM: %s", W[w].file, n,
                             dusk_err_name(rc), err.msg);
                if (file_exists(path) || count_entries_with(scratch_dir, ".tmp") != 0)
                    fail_msg("%s, n = %ld (%s): a file was left", W[w].file, n, err.msg);
                if (n > 100000)
                    fail_msg("%s still fails: %s", W[w].file, err.msg);
            }
            print_message("%s as the first reader: %ld allocations%s\n", W[w].file, n,
                          once ? ", each failing alone" : "");
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_whole_program, reset_alloc),
        cmocka_unit_test_teardown(test_report, reset_alloc),
        cmocka_unit_test_teardown(test_first_reader, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
