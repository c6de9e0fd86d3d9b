/*
** dusk tests — the man page's plugin example (dusk.1, PLUGINS)
**
** The example is taken from dusk.1 itself, so the page cannot drift from
** what is tested: built as a shared library, loaded, registered, and run
** through the C API on the arguments a graph file can give it: none, a
** string, a float, an integer whose square is past int64, and a good one.
** Each mistake fails with a message naming it, before any read past
** nargs: the example declares square's arity (dusk_func_set_arity) and
** reads args[0] unchecked, so a wrong count must be refused by the engine
** (this program runs under ASan/UBSan in CI). Its link exports the
** dusk API (-rdynamic, Makefile) as the dusk command's does.
*/
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

/* The text between "#include <dusk/graph.h>" and ".RE" in dusk.1's PLUGINS
 * section, with roff's escapes undone; NULL (the test fails) when it is
 * not there or holds an escape this does not know. */
static char *example_from_man(void)
{
    FILE *f = fopen("dusk.1", "r");
    assert_non_null(f);
    static char page[1 << 17];
    size_t n = fread(page, 1, sizeof page - 1, f);
    fclose(f);
    page[n] = 0;
    const char *sec = strstr(page, "\n.SH PLUGINS\n");
    assert_non_null(sec);
    const char *start = strstr(sec, "#include <dusk/graph.h>");
    assert_non_null(start);
    const char *end = strstr(start, "\n.RE");
    assert_non_null(end);
    char *out = malloc((size_t)(end - start) + 2);
    assert_non_null(out);
    size_t o = 0;
    for (const char *p = start; p <= end; p++) {
        if (*p != '\\') {
            out[o++] = *p;
        } else if (p[1] == '-') {
            out[o++] = '-';
            p++;
        } else if (p[1] == 'e') {
            out[o++] = '\\';
            p++;
        } else if (!strncmp(p, "\\(dq", 4)) {
            out[o++] = '"';
            p += 3;
        } else {
            fail_msg("dusk.1's example holds an escape this test does not undo: %.8s", p);
        }
    }
    out[o] = 0;
    return out;
}

static const dusk_func *load_square(void)
{
    static const dusk_func *square;
    if (square)
        return square;
    char dir[] = "/tmp/dusk-plugin-doc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char src[64], so[64], cmd[512];
    snprintf(src, sizeof src, "%s/plugin.c", dir);
    snprintf(so, sizeof so, "%s/plugin.so", dir);
    char *text = example_from_man();
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(text);
    /* as the page says to build it, with warnings as errors: the example
     * is code people copy */
    snprintf(cmd, sizeof cmd,
             "cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -Iinclude %s -o %s 2>&1", src, so);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int st = pclose(p);
    if (st != 0)
        fail_msg("dusk.1's plugin example does not build: %s", out);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        fail_msg("cannot load the example: %s", dlerror());
    int (*init)(int (*)(const dusk_func *));
    *(void **)&init = dlsym(h, "dusk_plugin_init");
    assert_non_null(init);
    assert_int_equal(init(dusk_func_register), 0);
    square = dusk_func_lookup("square");
    assert_non_null(square);
    unlink(so);
    unlink(src);
    rmdir(dir);
    return square;   /* the library stays loaded: the registry points into it */
}

/* Runs square(vals...) (vals stolen) in a graph, on the sync scheduler
 * and on threads; want NULL: it must give want_int; else fail with a
 * message holding want. */
static void expect(size_t nargs, dusk_value **vals, int64_t want_int, const char *want)
{
    const dusk_func *sq = load_square();
    static const dusk_sched_kind kinds[] = {DUSK_SCHED_SYNC, DUSK_SCHED_THREADS};
    for (size_t k = 0; k < 2; k++) {
        dusk_graph *g = dusk_graph_new();
        assert_non_null(g);
        dusk_arg *args[4];
        for (size_t i = 0; i < nargs; i++)
            args[i] = dusk_lit(dusk_value_ref(vals[i]));
        assert_int_equal(dusk_graph_taskv(g, "t", sq, nargs, args), 0);
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = kinds[k];
        o.workers = 2;
        dusk_value *v = NULL;
        dusk_error err = {0};
        int rc = dusk_get(g, "t", &o, &v, &err);
        if (!want) {
            assert_int_equal(rc, 0);
            assert_int_value(v, want_int);
        } else {
            assert_int_not_equal(rc, 0);
            assert_null(v);
            if (!strstr(err.msg, want))
                fail_msg("message '%s' lacks '%s'", err.msg, want);
        }
        dusk_value_unref(v);
        dusk_graph_free(g);
    }
    for (size_t i = 0; i < nargs; i++)
        dusk_value_unref(vals[i]);
}

static void square_good(void **state)
{
    (void)state;
    dusk_value *a[] = {dusk_int(7)};
    expect(1, a, 49, NULL);
    dusk_value *b[] = {dusk_int(-3037000499)};
    expect(1, b, 3037000499LL * 3037000499LL, NULL);
}

static void square_no_argument(void **state)
{
    (void)state;
    expect(0, NULL, 0, "task 't' (square) failed: square takes 1 argument, got 0");
}

static void square_two_arguments(void **state)
{
    (void)state;
    dusk_value *a[] = {dusk_int(1), dusk_int(2)};
    expect(2, a, 0, "square takes 1 argument, got 2");
}

static void square_string(void **state)
{
    (void)state;
    dusk_value *a[] = {dusk_string("hello")};
    expect(1, a, 0, "square: expected an integer, got string");
    dusk_value *b[] = {dusk_float(2.5)};
    expect(1, b, 0, "square: expected an integer, got float");
    dusk_value *c[] = {dusk_none()};
    expect(1, c, 0, "square: expected an integer, got none");
}

static void square_too_big(void **state)
{
    (void)state;
    dusk_value *a[] = {dusk_int(4000000000)};
    expect(1, a, 0, "square: 4000000000 * 4000000000 is beyond 64-bit integers");
    dusk_value *b[] = {dusk_int(3037000500)};
    expect(1, b, 0, "beyond 64-bit integers");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(square_good),
        cmocka_unit_test(square_no_argument),
        cmocka_unit_test(square_two_arguments),
        cmocka_unit_test(square_string),
        cmocka_unit_test(square_too_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
