/*
** dusk tests — one wall time, and the resource curves on it
**
** A run's wall time is RUN_BEGIN to RUN_END: the summary, the chart's
** header and the report say that one figure, and the time axis of the
** charts spans the run, however long a sample came after it. The recorder
** takes no sample after RUN_END (its last is taken there, not when the
** run's finish callbacks get to it), and its first at the run's start. A
** session's first sample has no CPU % (it says 0, having no interval
** before it): the charts treat it as not measured. The report gives the
** held bytes' scale the peak it states.
**
** The trace below is what a reviewer's 17-task run looked like: a run of
** 8 ms, tasks at its end, samples at 2, 7.5 and 16.5 ms, a peak held of
** 72 B while the samples saw 8.
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

#include <cairo.h>
#include <jansson.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "profiler/prof.h"
#include "helpers.h"

static const char late_trace[] =
    "{\"traceEvents\":[\n"
    "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":7000,\"dur\":50,\"pid\":1,\"tid\":0},\n"
    "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":7060,\"dur\":40,\"pid\":1,\"tid\":1},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":2000,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":0}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":2000,\"pid\":1,\"args\":{\"percent\":0}},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":7500,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":8}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":7500,\"pid\":1,\"args\":{\"percent\":10}},\n"
    "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":16500,\"pid\":1,\"args\":{\"rss\":20000000,\"held\":8}},\n"
    "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":16500,\"pid\":1,\"args\":{\"percent\":30}}\n"
    "],\"otherData\":{\"producer\":\"dusk\",\"version\":2,\"cache_metric\":\"bytes\",\"lost\":0,"
    "\"runs\":[{\"begin\":0.0,\"wall\":8000.0,\"ntasks\":2,\"workers\":2,\"status\":0,"
    "\"held_peak\":72}]}}\n";

static dusk_profiler *read_late(void)
{
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(late_trace, sizeof late_trace - 1, "late.json", &p, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_profiler_nsamples(p), 3);
    return p;
}

/* The report of p as text (malloc'd), and its viewer's JSON in *data. */
static char *report_of(dusk_profiler *p, const char *name, json_t **data)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_write_report(p, scratch(name), NULL, &err))
        fail_msg("%s", err.msg);
    char *html = slurp(scratch(name), NULL);
    assert_non_null(html);
    const char *open = "<script type=\"application/json\" id=\"dusk-data\">";
    char *a = strstr(html, open), *b = a ? strstr(a, "</script>") : NULL;
    assert_non_null(b);
    json_error_t je;
    *data = json_loadb(a + strlen(open), (size_t)(b - a - (ptrdiff_t)strlen(open)), 0, &je);
    if (!*data)
        fail_msg("the report's data: %s", je.text);
    return html;
}

/* The summary, the chart's header, the report's header and the axis of
 * every chart say the run's 8 ms: the sample at 16.5 ms does not stretch
 * the axis (it said 16.5 ms in the chart, 8.8 in the summary). */
static void test_one_wall_time(void **state)
{
    (void)state;
    dusk_profiler *p = read_late();
    dusk_profile_summary s;
    assert_int_equal(dusk_profiler_summary(p, &s), 0);
    assert_int_equal(s.wall_ns, 8000000);
    assert_int_equal(dusk__time_start(p), 0);
    if (dusk__time_end(p) != 8e6)
        fail_msg("the time axis ends at %.0f ns, the run at 8000000", dusk__time_end(p));
    assert_true(dusk__wall(p) == 8e6);   /* the chart's header */

    json_t *data;
    char *html = report_of(p, "late.html", &data);
    assert_contains(html, "2 tasks on 2 workers in 8.0 ms</p></header>");
    assert_contains(html, "<td>wall time</td><td>8.0 ms</td>");
    assert_int_equal(json_integer_value(json_object_get(data, "t1")), 8000000);
    /* the samples on the axis and the one past its end, which the curves
     * run to */
    json_t *t = json_object_get(json_object_get(data, "samples"), "t");
    assert_int_equal(json_array_size(t), 3);
    json_decref(data);
    free(html);

    /* the chart is drawn over the run's span, in any format */
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_chart(p, scratch("late.png"), NULL, &err), 0);
    dusk_profiler_free(p);
}

/* A finish callback that takes 60 ms, as a caller's might: called before
 * the profiler's, the run's sampler would sample on through it. */
static void slow_finish(void *ud, int status)
{
    (void)ud;
    (void)status;
    struct timespec ts = {0, 60 * 1000000L};
    nanosleep(&ts, NULL);
}

static dusk_graph *naps(int n, int ms)
{
    dusk_graph *g = dusk_graph_new();
    for (int i = 0; i < n; i++) {
        char k[16];
        snprintf(k, sizeof k, "nap-%d", i);
        dusk_task(g, k, &dusk_sleep, dusk_lit_int(ms), dusk_lit_int(i));
    }
    return g;
}

static void run(dusk_graph *g, dusk_callbacks *cbs, size_t ncb)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.workers = 2;
    o.callbacks = cbs;
    o.ncallbacks = ncb;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    if (dusk_get(g, "nap-0", &o, &v, &err))
        fail_msg("%s", err.msg);
    dusk_value_unref(v);
}

/* The samples of a run lie within it: the first at its start, before any
 * task; the last at RUN_END, not when the finish callbacks are done. */
static void test_samples_within_the_run(void **state)
{
    (void)state;
    dusk_graph *g = naps(4, 5);
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cbs[2];
    memset(&cbs[0], 0, sizeof cbs[0]);
    cbs[0].finish = slow_finish;
    cbs[1] = dusk_profiler_callbacks(p);
    run(g, cbs, 2);
    assert_int_equal(dusk_profiler_nruns(p), 1);
    const dusk_run_record *r = dusk_profiler_runs(p);
    uint64_t end = r->begin_ns + r->wall_ns;
    size_t n = dusk_profiler_nsamples(p);
    const dusk_resource_sample *s = dusk_profiler_samples(p);
    assert_true(n >= 2);
    assert_true(s[0].t_ns <= dusk_profiler_tasks(p)[0].start_ns);
    /* 60 ms of finish callbacks, sampled every ms before: a few ms at most
     * (the time to take the sample, on a loaded machine) */
    if (s[n - 1].t_ns > end + 5000000)
        fail_msg("the last of %zu samples is %.1f ms after the run's end", n,
                 (double)(s[n - 1].t_ns - end) / 1e6);
    dusk_profiler_free(p);

    /* in a begin..end block, sampling goes on after the run */
    p = dusk_profiler_new(NULL);
    cbs[1] = dusk_profiler_callbacks(p);
    assert_int_equal(dusk_profiler_begin(p), 0);
    run(g, cbs, 2);
    assert_int_equal(dusk_profiler_end(p), 0);
    r = dusk_profiler_runs(p);
    n = dusk_profiler_nsamples(p);
    s = dusk_profiler_samples(p);
    assert_true(s[n - 1].t_ns > r->begin_ns + r->wall_ns + 20000000);
    /* and the axis still spans the run */
    assert_true(dusk__time_end(p) == (double)(r->begin_ns + r->wall_ns));
    json_t *data;
    free(report_of(p, "block.html", &data));
    json_t *t = json_object_get(json_object_get(data, "samples"), "t");
    /* the samples past the run are left out, but for the one at its edge */
    json_int_t last = json_integer_value(json_array_get(t, json_array_size(t) - 1));
    json_int_t before = json_integer_value(json_array_get(t, json_array_size(t) - 2));
    assert_true(json_array_size(t) < n);
    assert_true((double)before < dusk__time_end(p) - (double)dusk__time_start(p));
    assert_true((double)last >= dusk__time_end(p) - (double)dusk__time_start(p));
    json_decref(data);
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* A session's first sample has no CPU %: not drawn, null in the report,
 * where the charts drew a ramp from a made-up 0 %. Two runs, two sessions. */
static void test_first_cpu_not_measured(void **state)
{
    (void)state;
    dusk_profiler *p = read_late();
    assert_false(dusk__cpu_known(p, 0));
    assert_true(dusk__cpu_known(p, 1));
    assert_true(dusk__cpu_known(p, 2));
    json_t *data;
    free(report_of(p, "cpu.html", &data));
    json_t *cpu = json_object_get(json_object_get(data, "samples"), "cpu");
    assert_true(json_is_null(json_array_get(cpu, 0)));
    assert_true(json_number_value(json_array_get(cpu, 1)) == 10);
    json_decref(data);
    dusk_profiler_free(p);

    dusk_graph *g = naps(2, 3);
    p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    run(g, &cb, 1);
    run(g, &cb, 1);
    assert_int_equal(dusk_profiler_nruns(p), 2);
    const dusk_resource_sample *s = dusk_profiler_samples(p);
    size_t n = dusk_profiler_nsamples(p), firsts = 0;
    for (size_t i = 0; i < n; i++) {
        int first = i == 0 || (s[i].t_ns >= dusk_profiler_runs(p)[1].begin_ns &&
                                  s[i - 1].t_ns < dusk_profiler_runs(p)[1].begin_ns);
        if (first)
            firsts++;
        if (first == dusk__cpu_known(p, i))
            fail_msg("sample %zu of %zu (at %llu ns, cpu %.1f): %s", i, n,
                     (unsigned long long)s[i].t_ns, s[i].cpu,
                     first ? "a run's first, taken as measured" : "measured, taken as a first");
    }
    assert_int_equal(firsts, 2);
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* The report's memory chart draws the held bytes on a scale that reaches
 * the peak it states (72 B, where the samples saw 8): the data carries
 * that peak, and a trace written without it (0) has none. */
static void test_held_peak_in_data(void **state)
{
    (void)state;
    dusk_profiler *p = read_late();
    json_t *data;
    free(report_of(p, "peak.html", &data));
    assert_int_equal(json_integer_value(json_object_get(data, "peak")), 72);
    assert_int_equal(dusk__held_peak(p), 72);
    json_decref(data);
    dusk_profiler_free(p);
}

/* The cairo charts' curves at the top of their scale (CPU at exactly
 * 100 %) lie under the frame's top, not on it, where the frame hid them:
 * the chart of the CPU alone has the curve's green in it. */
static void test_curve_top_off_the_frame(void **state)
{
    (void)state;
    static const char full[] =
        "{\"traceEvents\":[\n"
        "{\"name\":\"inc\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":100,\"dur\":7000,\"pid\":1,\"tid\":0},\n"
        "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":0,\"pid\":1,\"args\":{\"percent\":0}},\n"
        "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":4000,\"pid\":1,\"args\":{\"percent\":100}},\n"
        "{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":8000,\"pid\":1,\"args\":{\"percent\":100}}\n"
        "],\"otherData\":{\"producer\":\"dusk\",\"version\":2,\"cache_metric\":\"bytes\","
        "\"lost\":0,\"runs\":[{\"begin\":0.0,\"wall\":8000.0,\"ntasks\":1,\"workers\":1,"
        "\"status\":0,\"held_peak\":8}]}}\n";
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(full, sizeof full - 1, "full.json", &p, &err))
        fail_msg("%s", err.msg);
    dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
    o.panels = DUSK_PANEL_CPU;
    assert_int_equal(dusk_profiler_write_chart(p, scratch("cpu.png"), &o, &err), 0);
    cairo_surface_t *img = cairo_image_surface_create_from_png(scratch("cpu.png"));
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *d = cairo_image_surface_get_data(img);
    long green = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t px = *(const uint32_t *)(d + (size_t)y * (size_t)stride + (size_t)x * 4);
            int r = (px >> 16) & 255, g = (px >> 8) & 255, b = px & 255;
            if (g > 120 && r < 110 && b < 110)   /* the curve's (44, 160, 44), antialiased */
                green++;
        }
    cairo_surface_destroy(img);
    /* the legend's swatch is 10 x 10: the curve is hundreds more */
    if (green < 300)
        fail_msg("the CPU curve at 100 %% shows %ld green pixels: hidden by the frame", green);
    dusk_profiler_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_one_wall_time, reset_alloc),
        cmocka_unit_test_teardown(test_samples_within_the_run, reset_alloc),
        cmocka_unit_test_teardown(test_first_cpu_not_measured, reset_alloc),
        cmocka_unit_test_teardown(test_held_peak_in_data, reset_alloc),
        cmocka_unit_test_teardown(test_curve_top_off_the_frame, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
