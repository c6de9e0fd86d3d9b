/*
** dusk tests — the bytes held, drawn and stated as they were
**
** Bytes held change only at events (a task's END, a result's release):
** the chart draws them as steps at those times, from the task records when
** they carry bytes, never as a ramp between two sparse samples (which drew
** them rising from the run's start, before any task ran). And the peak
** stated is the exact one where the records give it: the scheduler's own
** figure is inexact below 4 KiB a result with several workers (32 B said
** where 40 results of 8 B were held at once).
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

#include <cairo.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "profiler/prof.h"
#include "helpers.h"
#include "held_trace.h"

static dusk_profiler *read_it(void)
{
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(held_trace, sizeof held_trace - 1, "held.json", &p, &err))
        fail_msg("%s", err.msg);
    return p;
}

static int is_held_colour(const unsigned char *px)
{
    /* cairo ARGB32, little-endian: B G R A; the held line is (255, 127, 14) */
    return px[2] > 230 && px[1] > 100 && px[1] < 150 && px[0] < 50;
}

/* Over the first 7 ms (no task yet) the held line lies at one height (the
 * floor), with the dashed peak line the only other orange: a ramp from 0
 * at 0 ms to 1000 B at 10 ms put it at a new height in every column. */
static void test_held_drawn_as_steps(void **state)
{
    (void)state;
    dusk_profiler *p = read_it();
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_write_chart(p, scratch("held.png"), NULL, &err))
        fail_msg("%s", err.msg);
    dusk_profiler_free(p);
    cairo_surface_t *s = cairo_image_surface_create_from_png(scratch("held.png"));
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int heights[4096];
    int nh = 0;
    /* the frame runs from x 80 to w - 60 or so: 40 % to 60 % of the width
     * is well inside the first 7 ms, right of the peak's label and the
     * legend's swatch */
    for (int x = w * 4 / 10; x < w * 6 / 10; x++)
        for (int y = 0; y < h; y++)
            if (is_held_colour(d + (size_t)y * (size_t)stride + 4 * (size_t)x)) {
                int k = 0;
                while (k < nh && abs(heights[k] - y) > 3)   /* a line is 2-3 rows */
                    k++;
                if (k == nh && nh < 4096)
                    heights[nh++] = y;
            }
    cairo_surface_destroy(s);
    if (nh < 1 || nh > 2)
        fail_msg("the held line over 0-7 ms is drawn at %d heights (want the floor, and the "
                 "peak's dashed line)", nh);
}

/* The peak stated is the records' exact 1000 B, not the run's 100 B. */
static void test_exact_peak_stated(void **state)
{
    (void)state;
    dusk_profiler *p = read_it();
    assert_int_equal(dusk__held_peak(p), 1000);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_write_report(p, scratch("held.html"), NULL, &err), 0);
    char *html = slurp(scratch("held.html"), NULL);
    assert_non_null(html);
    assert_non_null(strstr(html, "peak held by the scheduler</td><td>0.98 kiB (1000 bytes)"));
    free(html);
    dusk_profiler_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_held_drawn_as_steps),
        cmocka_unit_test(test_exact_peak_stated),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
