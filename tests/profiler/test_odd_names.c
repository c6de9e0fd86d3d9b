/*
** dusk tests — the profiler's outputs for tasks with odd names
**
** Keys and function names are any bytes but NUL: quotes, backslashes,
** line breaks, control characters, markup, bytes that are not UTF-8.
** Every output must still be written, and be what its readers accept:
**  - the charts and the report draw such names (cairo refuses text that
**    is not UTF-8, which must not cost the whole picture).
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"

static int one(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
               void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    *out = dusk_int(1);
    return 0;
}

/* Names of keys and functions; the last two are not UTF-8 (a lone 0xff,
 * a sequence cut short at the end). */
static const char *const odd[] = {
    "quote\"and\\backslash", "comma,and\nnewline", "</script><img src=x onerror=alert(1)>",
    "ctl\x01\x1f\x7f", "latin1 caf\xe9", "cut \xc3",
};
#define NODD (sizeof odd / sizeof *odd)

/* A chain of tasks, task i keyed odd[i] and calling a function named
 * odd[i + 1], run once under a profiler. */
static dusk_profiler *profile_odd(void)
{
    static dusk_func fs[NODD];
    dusk_graph *g = dusk_graph_new();
    for (size_t i = 0; i < NODD; i++) {
        fs[i] = (dusk_func){odd[(i + 1) % NODD], one, NULL};
        if (i == 0)
            assert_int_equal(dusk_task(g, odd[i], &fs[i], dusk_lit_int(1)), 0);
        else
            assert_int_equal(dusk_task(g, odd[i], &fs[i], dusk_ref(odd[i - 1])), 0);
    }
    dusk_profiler *p = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get(g, odd[NODD - 1], &o, &v, &err) != 0)
        fail_msg("run: %s", err.msg);
    dusk_value_unref(v);
    dusk_graph_free(g);
    assert_int_equal(dusk_profiler_ntasks(p), NODD);
    return p;
}

static void test_charts_and_report(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p = profile_odd();
    dusk_error err = DUSK_ERROR_INIT;
    static const char *const charts[] = {"odd.png", "odd.svg", "odd.pdf"};
    for (size_t i = 0; i < 3; i++) {
        dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
        o.title = odd[NODD - 2];   /* the title too */
        if (dusk_profiler_write_chart(p, scratch(charts[i]), &o, &err) != 0)
            fail_msg("%s: %s", charts[i], err.msg);
        assert_true(file_exists(scratch(charts[i])));
    }
    if (dusk_profiler_write_report(p, scratch("odd.html"), NULL, &err) != 0)
        fail_msg("report: %s", err.msg);
    char *html = slurp(scratch("odd.html"), NULL);
    /* the charts are in it, and no name made markup of its own */
    assert_contains(html, "<img class=\"chart static\"");
    assert_false(contains(html, "<img src=x"));
    assert_false(contains(html, "</script><img"));
    free(html);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_charts_and_report, reset_alloc),
    };
    return cmocka_run_group_tests_name("profiler_odd_names", tests, scratch_setup,
                                       scratch_teardown);
}
