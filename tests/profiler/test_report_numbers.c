/*
** dusk tests — the report's numbers: the peak held and the resource curve
**
** The peak of bytes held that the report states is the scheduler's own
** (dusk_run_stats.held_peak, what the demo prints), not the top of a
** sampled or rebuilt series, which misses a peak that lasts no time. A
** short run gets a resource curve with many points, busy where the run
** was busy and idle where it slept (not a ramp between three samples); a
** long session keeps a bounded number of evenly spaced samples.
**
** The time axis of the charts and of the report's live charts starts
** where the profile does: a trace of another tool, whose times are its
** clock's (Chrome's: us since boot), is drawn as the same trace with its
** times from 0 is.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "profiler/prof.h"
#include "helpers.h"

/* The report's "peak held by the scheduler" cell, malloc'd. */
static char *report_peak(dusk_profiler *p, const char *name)
{
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_report(p, scratch(name), NULL, &err), 0);
    char *html = slurp(scratch(name), NULL);
    assert_non_null(html);
    const char *row = strstr(html, "<td>peak held by the scheduler</td><td>");
    assert_non_null(row);
    row += strlen("<td>peak held by the scheduler</td><td>");
    const char *end = strstr(row, "</td>");
    assert_non_null(end);
    char *cell = strndup(row, (size_t)(end - row));
    free(html);
    return cell;
}

/* A chain of n inc tasks from 'a': each step stores a result and drops its
 * input at the same instant, so a series of ENDs and releases never shows
 * two results held at once, while the scheduler did hold them. */
static dusk_graph *chain(int n, char *last, size_t len)
{
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "c0", dusk_int(1));
    for (int i = 1; i <= n; i++) {
        char k[16], d[16];
        snprintf(k, sizeof k, "c%d", i);
        snprintf(d, sizeof d, "c%d", i - 1);
        dusk_task(g, k, &dusk_inc, dusk_ref(d));
    }
    snprintf(last, len, "c%d", n);
    return g;
}

static void check_peak(dusk_graph *g, const char *key, dusk_sched_kind kind, int workers,
                       const char *name)
{
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_run_stats st;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = kind;
    o.workers = workers;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stats = &st;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, key, &o, &v, &err), 0);
    dusk_value_unref(v);
    assert_true(st.held_peak > 0);
    assert_int_equal(dusk_profiler_nruns(p), 1);
    assert_int_equal(dusk_profiler_runs(p)[0].held_peak, st.held_peak);

    /* the report says the same number, as the demo prints it, or the task
     * records' exact one when larger: with several workers the scheduler's
     * is inexact below 4 KiB a result (events.h) */
    uint64_t peak = dusk__held_peak(p);
    assert_true(peak >= st.held_peak);
    if (kind == DUSK_SCHED_SYNC || workers == 1)
        assert_int_equal(peak, st.held_peak);
    char want[96], human[32];
    snprintf(human, sizeof human, "%llu B", (unsigned long long)peak);
    if (peak < 921)
        snprintf(want, sizeof want, "%s", human);
    else
        snprintf(want, sizeof want, "(%llu bytes)", (unsigned long long)peak);
    char *cell = report_peak(p, name);
    if (!strstr(cell, want))
        fail_msg("%s: the report says peak held \"%s\", the scheduler %llu bytes, the records "
                 "%llu", name, cell, (unsigned long long)st.held_peak, (unsigned long long)peak);
    free(cell);

    /* and a trace keeps it: read back, its report says the same */
    char tname[96];
    snprintf(tname, sizeof tname, "%s.json", name);
    assert_int_equal(dusk_profiler_write_trace(p, scratch(tname), NULL, &err), 0);
    dusk_profiler *back = NULL;
    if (dusk_profiler_read_trace(scratch(tname), &back, &err))
        fail_msg("%s: %s", tname, err.msg);
    assert_int_equal(dusk_profiler_nruns(back), 1);
    assert_int_equal(dusk_profiler_runs(back)[0].held_peak, st.held_peak);
    cell = report_peak(back, name);
    if (!strstr(cell, want))
        fail_msg("%s read back: the report says peak held \"%s\", the scheduler %llu bytes",
                 tname, cell, (unsigned long long)st.held_peak);
    free(cell);
    dusk_profiler_free(back);
    dusk_profiler_free(p);
}

static void test_peak_held_is_the_schedulers(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    char last[16];
    dusk_graph *g = chain(20, last, sizeof last);
    check_peak(g, last, DUSK_SCHED_SYNC, 1, "chain-sync.html");
    check_peak(g, last, DUSK_SCHED_THREADS, 2, "chain-threads.html");

    /* the series the report used to take its figure from falls short here:
     * a chain never holds two results in it */
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_run_stats st;
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stats = &st;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, last, &o, &v, &err), 0);
    dusk_value_unref(v);
    const dusk_cache_point *pts;
    size_t n = dusk_profiler_cache_series(p, dusk_profiler_ngroups(p), &pts);
    double top = 0;
    for (size_t i = 0; i < n; i++)
        if (pts[i].value > top)
            top = pts[i].value;
    assert_true(top < (double)st.held_peak);
    dusk_profiler_free(p);
    dusk_graph_free(g);

    /* a larger graph on four threads: 2,000 leaves summed by a tree */
    const char *root;
    g = tree_graph(2000, &root);
    check_peak(g, root, DUSK_SCHED_THREADS, 4, "tree-threads.html");
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* meet(n): n bytes, once both such tasks are running (up to 2 s): so that
 * the two are made on two workers */
static atomic_int met;

static int meet(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                void *ud)
{
    (void)nargs;
    (void)err;
    (void)ud;
    size_t n = (size_t)dusk_value_int(args[0]);
    atomic_fetch_add(&met, 1);
    uint64_t t0 = now_ns();
    while (atomic_load(&met) < 2 && now_ns() - t0 < 2000000000ull)
        sleep_ms(1);
    void *b = malloc(n);
    *out = b ? dusk_opaque(b, free, n) : NULL;
    if (!*out)
        free(b);
    return *out ? 0 : DUSK_ENOMEM;
}

/* Two small results kept to the end, made on two workers: neither worker
 * saw the other's at its END (a threads run counts held per worker), but
 * both were held at once at the end. The scheduler's peak covers its end,
 * and the profiler's, from the same events, says the same. */
static void test_peak_held_kept_on_two_workers(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const dusk_func MEET = {"report_meet", meet, NULL};
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "keep-0", &MEET, dusk_lit_int(100));
    dusk_task(g, "keep-1", &MEET, dusk_lit_int(100));
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    const char *keys[] = {"keep-0", "keep-1"};
    for (int round = 0; round < 3; round++) {
        atomic_store(&met, 0);
        dusk_profiler *p = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(p);
        dusk_run_stats st;
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = DUSK_SCHED_THREADS;
        o.workers = 2;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        o.stats = &st;
        dusk_error err = DUSK_ERROR_INIT;
        dusk_value *v = NULL;
        assert_int_equal(dusk_get_list(g, keys, 2, &o, &v, &err), 0);
        dusk_value_unref(v);
        if (atomic_load(&met) < 2)
            fail_msg("round %d: the two tasks did not run at once", round);
        assert_int_equal(st.held_end, 200);
        assert_int_equal(st.held_peak, 200);
        assert_int_equal(dusk_profiler_nruns(p), 1);
        assert_int_equal(dusk_profiler_runs(p)[0].held_peak, st.held_peak);
        dusk_profiler_free(p);
    }
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- the resource curve ---------------------------------------------------- */

/* The share of a core that spin's thread got (a loaded machine gives it
 * less than all), in %. */
static double spin_share;

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Keeps a core busy for args[0] ms of wall time. */
static int spin(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                void *ud)
{
    (void)nargs;
    (void)err;
    (void)ud;
    double ms;
    dusk_value_number(args[0], &ms);
    uint64_t t0 = now_ns(), c0 = thread_cpu_ns(), until = t0 + (uint64_t)(ms * 1e6);
    volatile uint64_t x = 0;
    while (now_ns() < until)
        for (int i = 0; i < 1000; i++)
            x = x + (uint64_t)i;
    spin_share = 100.0 * (double)(thread_cpu_ns() - c0) / (double)(now_ns() - t0);
    *out = dusk_int((int64_t)(x & 1));
    return 0;
}

static const dusk_func spin_fn = {"spin", spin, NULL};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The CPU % of the samples over [t0, t1), weighted by the time each one
 * covers: the process's CPU share there, as the curve draws it (a
 * scheduler's time slices make single samples jumpy on a loaded machine). */
static double window_cpu(const dusk_resource_sample *s, size_t n, uint64_t t0, uint64_t t1,
                         size_t *count)
{
    double sum = 0, span = 0;
    size_t m = 0;
    for (size_t i = 1; i < n; i++)
        if (s[i].t_ns >= t0 && s[i].t_ns < t1) {
            double dt = (double)(s[i].t_ns - s[i - 1].t_ns);
            sum += s[i].cpu * dt;
            span += dt;
            m++;
        }
    *count = m;
    return span > 0 ? sum / span : -1;
}

static void test_short_run_curve(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    /* 100 ms busy, then 100 ms asleep: a ~200 ms run */
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "busy", &spin_fn, dusk_lit_int(100));
    dusk_task(g, "idle", &dusk_sleep, dusk_lit_int(100), dusk_ref("busy"));
    dusk_profiler *p = dusk_profiler_new(NULL);   /* the defaults: adaptive */
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, "idle", &o, &v, &err), 0);
    dusk_value_unref(v);

    size_t n = dusk_profiler_nsamples(p);
    const dusk_resource_sample *s = dusk_profiler_samples(p);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    assert_int_equal(dusk_profiler_ntasks(p), 2);
    const dusk_task_record *busy = r[0].key[0] == 'b' ? &r[0] : &r[1];
    const dusk_task_record *idle = r[0].key[0] == 'b' ? &r[1] : &r[0];
    if (n < 50)
        fail_msg("a %.0f ms run got %zu samples (want at least 50)",
                 (double)dusk_profiler_runs(p)[0].wall_ns / 1e6, n);
    for (size_t i = 1; i < n; i++)
        assert_true(s[i - 1].t_ns <= s[i].t_ns);
    /* the curve follows the run: busy while spinning (as busy as the
     * machine let the spinning thread be), idle while asleep (the first
     * and last 10 ms of each task are left out) */
    size_t nb, ni;
    if (spin_share < 10) {   /* a machine too loaded to tell busy from idle */
        fprintf(stderr, "  (the spinning thread got %.0f%% of a core: curve shape not "
                        "checked)\n", spin_share);
        dusk_profiler_free(p);
        dusk_graph_free(g);
        return;
    }
    double cb_busy = window_cpu(s, n, busy->start_ns + 10000000u, busy->end_ns - 10000000u, &nb);
    double cb_idle = window_cpu(s, n, idle->start_ns + 10000000u, idle->end_ns - 10000000u, &ni);
    /* 10+ samples a window: CI's loaded host once gave the sampler 18 in
     * the 80 ms asleep (70 while spinning), with the curve plainly right */
    if (nb < 10 || ni < 10 || cb_busy < spin_share / 2 || cb_idle > 20)
        fail_msg("CPU while spinning: %.0f%% over %zu samples (the spinning thread "
                 "had %.0f%% of a core); while asleep: %.0f%% over %zu (want >= half the "
                 "spinner's share and <= 20%%, 10+ samples each)",
                 cb_busy, nb, spin_share, cb_idle, ni);
    /* not a ramp: it falls by more than half from the busy part to the idle one */
    assert_true(cb_idle < cb_busy / 2);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A long session keeps a bounded, evenly spaced set of samples; a fixed
 * dt still samples at dt. */
static void test_long_session_bounded(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_RESOURCES;
    dusk_profiler *p = dusk_profiler_new(&po);
    assert_int_equal(dusk_profiler_begin(p), 0);
    sleep_ms(1500);
    assert_int_equal(dusk_profiler_end(p), 0);
    size_t n = dusk_profiler_nsamples(p);
    const dusk_resource_sample *s = dusk_profiler_samples(p);
    /* 1.5 s at 1 ms would be 1,500; thinned at 1,024 to 512, then every
     * 2 ms: between 512 and 1,024, spread over the whole session. A
     * sampler that wakes late (a loaded machine: it never makes up a
     * missed sample) may not reach 1,024 and thin: then it keeps them all,
     * and its median gap says how many. */
    if (n > 1024)
        fail_msg("a 1.5 s session kept %zu samples (want at most 1024)", n);
    assert_true(s[n - 1].t_ns - s[0].t_ns > 1400000000u);
    /* spread over the whole session: no gap of an eighth of it (a loaded
     * machine may starve the sampler for tens of ms, not more) */
    uint64_t *gaps = malloc(n * sizeof *gaps);
    for (size_t i = 1; i < n; i++)
        gaps[i - 1] = s[i].t_ns - s[i - 1].t_ns;
    qsort(gaps, n - 1, sizeof *gaps, cmp_u64);
    uint64_t mid = gaps[(n - 1) / 2], big = gaps[n - 2];
    size_t late = 0;   /* gaps past the 2 ms of a thinned sampler, and some */
    for (size_t i = 0; i + 1 < n; i++)
        late += gaps[i] > 2500000u;
    free(gaps);
    /* 1 or 2 ms apart (more on a loaded machine, whose sampler wakes late) */
    if (mid < 900000u || mid > 5000000u)
        fail_msg("samples %.2f ms apart (median)", mid / 1e6);
    double want = mid <= 2200000u ? 512 : 0.8 * (double)(s[n - 1].t_ns - s[0].t_ns) / (double)mid;
    /* a sampler the machine starved (more than a tenth of its gaps late:
     * a loaded machine, a sanitizer build) has fewer samples than its
     * spacing says, through no fault of the thinning: the count is then
     * not checked, as test_cpu_curve does not check a starved curve */
    if (late > (n - 1) / 10) {
        fprintf(stderr, "  (%zu of %zu gaps late: the sampler was starved, count not checked)\n",
                late, n - 1);
        want = 0;
    }
    if ((double)n < want)
        fail_msg("a 1.5 s session kept %zu samples %.2f ms apart (median); want %.0f or more",
                 n, mid / 1e6, want);
    if (big > (s[n - 1].t_ns - s[0].t_ns) / 8)
        fail_msg("a gap of %.1f ms between samples (median %.1f ms)", big / 1e6, mid / 1e6);
    dusk_profiler_free(p);

    po.dt = 0.02;
    p = dusk_profiler_new(&po);
    assert_int_equal(dusk_profiler_begin(p), 0);
    sleep_ms(300);
    assert_int_equal(dusk_profiler_end(p), 0);
    n = dusk_profiler_nsamples(p);
    assert_true(n >= 8 && n <= 17);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

typedef struct trace_out {
    unsigned char *data;
    size_t len;
    char *data_json;           /* the report's dusk-data script */
} trace_out;

static int append_bytes(void *closure, const unsigned char *data, size_t n)
{
    trace_out *b = closure;
    unsigned char *d = realloc(b->data, b->len + n);
    if (!d)
        return 1;
    memcpy(d + b->len, data, n);
    b->data = d;
    b->len += n;
    return 0;
}

/* The chart (PNG, into memory) of a trace, and its report's data. */
static trace_out chart_of(const char *trace)
{
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(trace, strlen(trace), "other.json", &p, &err) != 0)
        fail_msg("%s", err.msg);
    trace_out png = {0};
    dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
    o.format = DUSK_CHART_PNG;
    o.panels = DUSK_PANEL_TASKS;
    assert_int_equal(dusk_profiler_chart_to(p, append_bytes, &png, &o, &err), 0);
    if (dusk_profiler_write_report(p, scratch("other.html"), NULL, &err) != 0)
        fail_msg("%s", err.msg);
    char *html = slurp(scratch("other.html"), NULL);
    const char *data = strstr(html, "<script type=\"application/json\" id=\"dusk-data\">");
    assert_non_null(data);
    png.data_json = strndup(data, (size_t)(strstr(data, "</script>") - data));
    free(html);
    dusk_profiler_free(p);
    return png;
}

static void test_other_tools_clock(void **state)
{
    (void)state;
    static const char at0[] =
        "[{\"name\":\"f\",\"ph\":\"X\",\"ts\":0,\"dur\":500,\"tid\":1},"
        "{\"name\":\"g\",\"ph\":\"X\",\"ts\":600,\"dur\":300,\"tid\":2}]";
    static const char since_boot[] =
        "[{\"name\":\"f\",\"ph\":\"X\",\"ts\":1700000000000,\"dur\":500,\"tid\":1},"
        "{\"name\":\"g\",\"ph\":\"X\",\"ts\":1700000000600,\"dur\":300,\"tid\":2}]";
    trace_out a = chart_of(at0), b = chart_of(since_boot);
    assert_true(a.len > 0);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        fail_msg("the chart of a trace at 1700000 s is not the one of the same trace at 0");
    assert_string_equal(b.data_json, a.data_json);
    free(a.data);
    free(b.data);
    free(a.data_json);
    free(b.data_json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_peak_held_is_the_schedulers, reset_alloc),
        cmocka_unit_test_teardown(test_peak_held_kept_on_two_workers, reset_alloc),
        cmocka_unit_test_teardown(test_short_run_curve, reset_alloc),
        cmocka_unit_test_teardown(test_long_session_bounded, reset_alloc),
        cmocka_unit_test_teardown(test_other_tools_clock, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
