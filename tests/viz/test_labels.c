/*
** dusk tests — what the boxes of an array's picture say (viz/tasks.c)
**
** The source of dusk_from_hdf5 is one literal, Dask's 'original-array-<token>'
** key holding (path, dataset). Dask draws its box blank; dusk labels it with
** the file's name and the dataset, "src.hdf5:/data_set_1", in the DOT text
** and in the SVG, while the key stays Dask's and the tooltip keeps the full
** path. verbose shows the key, as for every box.
**
** A key of tens of thousands of lines is drawn, its box's label cut after
** a thousand lines (Graphviz exits the process past 32,767).
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "dusk/viz.h"
#include "helpers.h"

static dusk_array_ctx *ctx;

static int setup(void **state)
{
    ctx = dusk_array_ctx_new();
    return ctx ? scratch_setup(state) : -1;
}

static int teardown(void **state)
{
    dusk_array_ctx_free(ctx);
    return scratch_teardown(state);
}

/* r = x - x.mean(axis=0) with x read from a 4 x 6 dataset of file. */
static dusk_array *lecture_r(const char *file, const char *dataset)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *src = dusk_random_normal(ctx, 3, 0, 1, DUSK_SHAPE(4, 6), "(2, 3)");
    if (dusk_array_store(src, file, dataset, NULL, NULL, &err) != 0)
        fail_msg("storing %s: %s", file, err.msg);
    dusk_array *x = dusk_from_hdf5(ctx, file, dataset, "(2, 3)");
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    if (dusk_array_status(r, &err) != 0)
        fail_msg("r: %s", err.msg);
    return r;
}

static char *draw(const dusk_array *a, const char *format, bool verbose)
{
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.verbose = verbose;
    o.view = DUSK_VIZ_TASKS;
    char *buf = NULL;
    size_t len = 0;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_visualize_array_mem(a, format, &o, &buf, &len, &err) != 0)
        fail_msg("drawing %s: %s", format, err.msg);
    return buf;
}

/* The key of r's graph that names the HDF5 source, Dask's. */
static void source_key(const dusk_array *r, char *key, size_t n)
{
    dusk_graph *g = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_graph(r, &g, &err), 0);
    key[0] = '\0';
    for (int64_t id = 0; id < (int64_t)dusk_graph_size(g); id++)
        if (!strncmp(dusk_graph_key(g, id), "original-array-", 15))
            snprintf(key, n, "%s", dusk_graph_key(g, id));
    dusk_graph_free(g);
    assert_int_equal(strlen(key), 15 + 32);   /* original-array-<32 hex digits> */
}

static void hdf5_source_box_names_file_and_dataset(void **state)
{
    (void)state;
    const char *file = scratch("src.hdf5");
    dusk_array *r = lecture_r(file, "/data_set_1");
    char key[128];
    source_key(r, key, sizeof key);

    char *dot = draw(r, "dot", false);
    assert_contains(dot, "label=\"src.hdf5:/data_set_1\"");
    char keylabel[160];
    snprintf(keylabel, sizeof keylabel, "label=\"%s\"", key);
    if (contains(dot, keylabel))
        fail_msg("the source's box still shows its key %s", key);
    /* the tooltip keeps the key and the whole path */
    assert_contains(dot, key);
    assert_contains(dot, file);
    dusk_free(dot);

    char *svg = draw(r, "svg", false);
    assert_contains(svg, ">src.hdf5:/data_set_1</text>");
    dusk_free(svg);

    /* verbose: every box its full key, this one too */
    dot = draw(r, "dot", true);
    assert_contains(dot, keylabel);
    assert_false(contains(dot, "label=\"src.hdf5:/data_set_1\""));
    dusk_free(dot);
}

/* A string key of the user's that looks like the source but holds
 * something else keeps its key as its label. */
static void other_literals_keep_their_key(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "original-array-mine", dusk_string("not a file"));
    dusk_task(g, "y", &dusk_identity, dusk_ref("original-array-mine"));
    char *dot = NULL;
    size_t len;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_visualize_mem(g, "dot", NULL, &dot, &len, &err), 0);
    assert_contains(dot, "label=\"original-array-mine\"");
    dusk_free(dot);
    dusk_graph_free(g);
}

/* A box whose key has 40,000 lines: Graphviz, which counts a label's
 * lines in a short, must not be given them all. */
static void key_of_many_lines_is_drawn(void **state)
{
    (void)state;
    size_t nlines = 40000;
    char *key = malloc(2 * nlines + 1);
    assert_non_null(key);
    for (size_t i = 0; i < nlines; i++)
        memcpy(key + 2 * i, "x\n", 2);
    key[2 * nlines] = '\0';
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, key, dusk_int(1));
    dusk_task(g, "y", &dusk_identity, dusk_ref(key));
    static const struct { const char *format; dusk_viz_layout_mode layout; } how[] = {
        {"svg", DUSK_VIZ_LAYOUT_AUTO}, {"svg", DUSK_VIZ_LAYOUT_LAYERED},
        {"svg:graphviz", DUSK_VIZ_LAYOUT_LAYERED}, {"png", DUSK_VIZ_LAYOUT_AUTO},
    };
    dusk_error err = DUSK_ERROR_INIT;
    for (size_t k = 0; k < sizeof how / sizeof *how; k++) {
        dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
        o.layout = how[k].layout;
        char *buf = NULL;
        size_t len = 0;
        if (dusk_visualize_mem(g, how[k].format, &o, &buf, &len, &err) != 0)
            fail_msg("%s: %s", how[k].format, err.msg);
        assert_true(len > 0);
        dusk_free(buf);
    }
    /* the label: its first thousand lines, the last ending in an ellipsis */
    char *dot = NULL;
    size_t len;
    assert_int_equal(dusk_visualize_mem(g, "dot", NULL, &dot, &len, &err), 0);
    const char *label = strstr(dot, "label=\"x\n");
    assert_non_null(label);
    /* its text, less agwrite's continuations of a long string ("\\\n") */
    char *text = malloc(strlen(label));
    size_t n = 0;
    for (const char *c = label + 7; *c && *c != '"'; c++) {
        if (c[0] == '\\' && c[1] == '\n')
            c++;
        else
            text[n++] = *c;
    }
    text[n] = '\0';
    size_t lines = 1;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    assert_int_equal(lines, 1000);
    assert_true(n >= 5);
    assert_memory_equal(text + n - 5, "\nx\xe2\x80\xa6", 5);   /* the last line "x…" */
    free(text);
    dusk_free(dot);
    dusk_graph_free(g);
    free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hdf5_source_box_names_file_and_dataset),
        cmocka_unit_test(other_literals_keep_their_key),
        cmocka_unit_test(key_of_many_lines_is_drawn),
    };
    return cmocka_run_group_tests_name("viz_labels", tests, setup, teardown);
}
