/*
** dusk tests — charts and traces of a profile with a task group per task
**
** Keys that key_split leaves whole ("s0", "s1", ...) make one task group
** each, so a profile can have as many groups as tasks. The chart draws a
** line for the few groups that held most and a dashed one for all
** groups; the trace's cache counter names each group only when there are
** few (24) and is binned to 2,000 points when it changes more often. Only
** what is drawn or written is binned (a row per group took 3.4 GB for a
** 200,006-task run), and what is drawn must still be right:
**  - the groups chosen are those of the highest peaks (of equal peaks the
**    first by name), each found from the task records here;
**  - each drawn row, and the row of all groups, is per bin the most that
**    the records say the group (all groups) held during the bin;
**  - the trace's counter is the records' total, bin by bin;
**  - writing the trace and the chart takes memory for what they draw, not
**    a row per group (the process's peak RSS, where Linux lets a process
**    reset it).
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"
#include "profiler/prof.h"   /* dusk__cache_top, dusk__cache_binned */

/* 20,000 singleton groups s<i>, ten heavy groups h<j> of 10 (j + 1) tasks
 * each ("h3-0" ... : key_split gives "h3"), all summed by "total", which
 * holds every result until it runs. */
enum { NSINGLE = 20000, NHEAVY = 10, NBINS = 50, NSHOW = 15 };

static dusk_profiler *profile_many(size_t *ntasks)
{
    size_t nleaves = NSINGLE + 10 * NHEAVY * (NHEAVY + 1) / 2, k = 0;
    dusk_graph *g = dusk_graph_new();
    dusk_arg **refs = malloc(nleaves * sizeof *refs);
    char key[32];
    assert_non_null(g);
    assert_non_null(refs);
    for (int i = 0; i < NSINGLE; i++) {
        snprintf(key, sizeof key, "s%d", i);
        dusk_task(g, key, &dusk_inc, dusk_lit_int(i));
        refs[k++] = dusk_ref(key);
    }
    for (int j = 0; j < NHEAVY; j++)
        for (int m = 0; m < 10 * (j + 1); m++) {
            snprintf(key, sizeof key, "h%d-%d", j, m);
            dusk_task(g, key, &dusk_inc, dusk_lit_int(m));
            refs[k++] = dusk_ref(key);
        }
    assert_int_equal(k, nleaves);
    dusk_task(g, "total", &dusk_sum, dusk_listv(nleaves, refs));
    free(refs);
    assert_int_equal(dusk_graph_status(g, NULL), 0);

    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_TASKS | DUSK_PROF_CACHE;
    po.cache_metric = DUSK_CACHE_COUNT;
    dusk_profiler *p = dusk_profiler_new(&po);
    assert_non_null(p);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_THREADS;
    o.workers = 2;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_get(g, "total", &o, &v, &err), 0);
    dusk_value_unref(v);
    dusk_graph_free(g);
    *ntasks = nleaves + 1;
    return p;
}

/* --- what the records say, computed here ------------------------------------ */

typedef struct change {
    uint64_t t;
    int dv;
} change;

static int by_t(const void *a, const void *b)
{
    const change *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The results of group `group` (NULL: of all) held over time, from the
 * records: (t, held from t on) at each time it changes, in *steps. */
static size_t held_steps(dusk_profiler *p, const char *group, change **steps)
{
    size_t n = dusk_profiler_ntasks(p), nc = 0;
    const dusk_task_record *r = dusk_profiler_tasks(p);
    change *c = malloc((2 * n + 1) * sizeof *c);
    assert_non_null(c);
    for (size_t i = 0; i < n; i++) {
        if (r[i].status || (group && strcmp(r[i].group, group) != 0))
            continue;
        uint64_t rel = r[i].released_ns > r[i].end_ns ? r[i].released_ns : r[i].end_ns;
        c[nc++] = (change){r[i].end_ns, 1};
        c[nc++] = (change){rel, -1};
    }
    qsort(c, nc, sizeof *c, by_t);
    size_t ns = 0;
    int held = 0;
    for (size_t i = 0; i < nc; i++) {
        held += c[i].dv;
        if (i + 1 < nc && c[i + 1].t == c[i].t)
            continue;   /* the value after every change at that time */
        c[ns++] = (change){c[i].t, held};
    }
    *steps = c;
    return ns;
}

/* The most held at a change time in [lo, hi) or carried into it. */
static int most_held(const change *s, size_t n, uint64_t lo, uint64_t hi)
{
    int m = 0;
    for (size_t i = 0; i < n && s[i].t < hi; i++) {
        if (s[i].t < lo)
            m = s[i].dv;   /* carried in: the last value before lo */
        else if (s[i].dv > m)
            m = s[i].dv;
    }
    return m;
}

static int peak_of(const change *s, size_t n)
{
    return most_held(s, n, 0, UINT64_MAX);
}

/* --- the checks -------------------------------------------------------------- */

static void test_drawn_groups_are_right(void **state)
{
    (void)state;
    size_t ntasks;
    dusk_profiler *p = profile_many(&ntasks);
    assert_int_equal(dusk_profiler_ntasks(p), ntasks);
    size_t ng = dusk_profiler_ngroups(p);
    assert_int_equal(ng, NSINGLE + NHEAVY + 1);   /* and "total" */

    /* the groups with the highest peaks: h9 (100) ... h0 (10), then of
     * the groups that held one result the first five by name */
    uint64_t t0 = dusk__time_start(p), t1 = (uint64_t)dusk__time_end(p);
    size_t top[NSHOW];
    assert_int_equal(dusk__cache_top(p, t1, NSHOW, top), NSHOW);
    static const char *const want[NSHOW] = {"h9", "h8", "h7", "h6", "h5", "h4", "h3", "h2",
                                            "h1", "h0", "s0", "s1", "s10", "s100", "s1000"};
    for (size_t a = 0; a < NSHOW; a++) {
        const char *name = dusk_profiler_group(p, top[a]);
        assert_string_equal(name, want[a]);
        change *s;
        size_t n = held_steps(p, name, &s);
        assert_int_equal(peak_of(s, n), a < NHEAVY ? 10 * (NHEAVY - (int)a) : 1);
        free(s);
    }

    /* the drawn rows and the row of all groups, bin by bin */
    size_t rows[NSHOW + 1];
    memcpy(rows, top, sizeof top);
    rows[NSHOW] = ng;
    double *bins = malloc((NSHOW + 1) * NBINS * sizeof *bins);
    assert_non_null(bins);
    assert_int_equal(dusk__cache_binned(p, t0, t1, NBINS, rows, NSHOW + 1, bins), 0);
    double span = (double)(t1 - t0);
    for (size_t r = 0; r <= NSHOW; r++) {
        change *s;
        size_t n = held_steps(p, r < NSHOW ? dusk_profiler_group(p, rows[r]) : NULL, &s);
        for (size_t b = 0; b < NBINS; b++) {
            uint64_t lo = b ? t0 + (uint64_t)(span * (double)b / NBINS) : 0;
            uint64_t hi = b + 1 < NBINS ? t0 + (uint64_t)(span * (double)(b + 1) / NBINS)
                                        : t1 + 1;
            if (bins[r * NBINS + b] != most_held(s, n, lo, hi))
                fail_msg("row %zu (%s) bin %zu: %g, the records say %d", r,
                         r < NSHOW ? dusk_profiler_group(p, rows[r]) : "(all groups)", b,
                         bins[r * NBINS + b], most_held(s, n, lo, hi));
        }
        if (r == NSHOW)   /* every result held until "total" ran */
            assert_true(peak_of(s, n) >= (int)ntasks - 1);
        free(s);
    }
    /* a series that is not there */
    size_t bad = ng + 1;
    assert_int_equal(dusk__cache_binned(p, t0, t1, NBINS, &bad, 1, bins), DUSK_EINVAL);
    free(bins);
    dusk_profiler_free(p);
}

/* Peak RSS since the last reset_peak, bytes; 0 when Linux does not say. */
static int reset_peak(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;   /* 5: reset the peak RSS to the current */
    return fclose(f) == 0 && ok ? 0 : -1;
}

static uint64_t peak_rss(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %" SCNu64, &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

static void test_trace_and_chart_of_many_groups(void **state)
{
    (void)state;
    size_t ntasks;
    dusk_profiler *p = profile_many(&ntasks);
    dusk_error err = DUSK_ERROR_INIT;
    /* the records first, so that what is measured below is the writing */
    assert_int_equal(dusk_profiler_ntasks(p), ntasks);
    assert_true(dusk_profiler_ngroups(p) > 24);
    int measure = reset_peak() == 0 && peak_rss() > 0;
    uint64_t before = peak_rss();
    assert_int_equal(dusk_profiler_write_trace(p, scratch("many.json"), NULL, &err), 0);
    assert_int_equal(dusk_profiler_write_chart(p, scratch("many.png"), NULL, &err), 0);
    uint64_t grew = peak_rss() - before;
    if (measure) {
        /* a row per group: 20,011 x 2,000 bins x 8 bytes, 320 MB, for the
         * trace; the chart's pixels and the trace's few rows: a few MB */
        if (grew > 48u << 20)
            fail_msg("writing the trace and chart raised the peak RSS by %" PRIu64 " MB",
                     grew >> 20);
    } else {
        print_message("note: /proc/self/clear_refs cannot reset the peak RSS here: "
                      "memory not checked\n");
    }

    /* The trace's cache counter: the total alone (too many groups to
     * name), binned to 2,000 points, each the most held in its bin. */
    json_error_t je;
    json_t *root = json_load_file(scratch("many.json"), 0, &je);
    assert_non_null(root);
    json_t *events = json_object_get(root, "traceEvents");
    change *s;
    size_t n = held_steps(p, NULL, &s);
    uint64_t t0 = (uint64_t)s[0].t, t1 = (uint64_t)s[n - 1].t;
    size_t ncache = 0, i;
    json_t *e;
    json_array_foreach(events, i, e) {
        if (strcmp(json_string_value(json_object_get(e, "name")), "cache") != 0)
            continue;
        json_t *args = json_object_get(e, "args");
        assert_int_equal(json_object_size(args), 1);
        json_t *all = json_object_get(args, "(all groups)");
        assert_non_null(all);
        size_t b = ncache++;
        uint64_t lo = b ? t0 + (uint64_t)((double)(t1 - t0) * (double)b / 2000) : 0;
        uint64_t hi = b + 1 < 2000 ? t0 + (uint64_t)((double)(t1 - t0) * (double)(b + 1) / 2000)
                                   : t1 + 1;
        assert_int_equal(json_integer_value(all), most_held(s, n, lo, hi));
    }
    assert_int_equal(ncache, 2000);
    free(s);
    json_decref(root);
    dusk_profiler_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drawn_groups_are_right),
        cmocka_unit_test(test_trace_and_chart_of_many_groups),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
