/*
** dusk tests — what the boxes of an array's picture say (viz/tasks.c)
**
** The source of dusk_from_hdf5 is one literal, Dask's 'original-array-<token>'
** key holding (path, dataset). Dask draws its box blank; dusk labels it with
** the file's name and the dataset, "src.hdf5:/data_set_1", in the DOT text
** and in the SVG, while the key stays Dask's and the tooltip keeps the full
** path. verbose shows the key, as for every string key's box.
**
** Labels of other boxes and of circles are Dask's (dot.py's box_label and
** key_split): a string key's box blank (verbose: the key), a tuple key's
** its indices (verbose too), a circle key_split of its key.
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
#include <unistd.h>
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

/* prefix and a hex token: a key of 20,000 characters (malloc'd). */
static char *long_key(const char *prefix)
{
    size_t n = 20000, at = strlen(prefix);
    char *key = malloc(n + 1);
    assert_non_null(key);
    memcpy(key, prefix, at);
    for (size_t i = at; i < n; i++)
        key[i] = "0123456789abcdef"[i % 16];
    key[n] = '\0';
    return key;
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

    /* verbose: a string key's box shows its key, this one's too */
    dot = draw(r, "dot", true);
    assert_contains(dot, keylabel);
    assert_false(contains(dot, "label=\"src.hdf5:/data_set_1\""));
    dusk_free(dot);
}

/* A source named by dusk_from_hdf5_named ('original-<name>', as Dask's
 * from_array(name=)) is labelled alike: it was blank, its key unread. */
static void named_hdf5_source_labelled(void **state)
{
    (void)state;
    const char *file = scratch("named.hdf5");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *src = dusk_random_normal(ctx, 3, 0, 1, DUSK_SHAPE(4, 6), "(2, 3)");
    if (dusk_array_store(src, file, "/x", NULL, NULL, &err) != 0)
        fail_msg("storing %s: %s", file, err.msg);
    dusk_array *x = dusk_from_hdf5_named(ctx, file, "/x", "(2, 3)", "temps");
    dusk_array *r = dusk_array_binop_scalar(DUSK_BINOP_ADD, x, 1.0, false);
    if (dusk_array_status(r, &err) != 0)
        fail_msg("r: %s", err.msg);
    char *dot = draw(r, "dot", false);
    assert_contains(dot, "label=\"named.hdf5:/x\"");
    assert_contains(dot, "original-temps");   /* in its tooltip */
    dusk_free(dot);
}

/* A string key of the user's that looks like the source but holds
 * something else is an ordinary string key: its box blank, as Dask draws
 * it, or its key with verbose. */
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
    assert_contains(dot, "label=\"\"");
    assert_false(contains(dot, "label=\"original-array-mine\""));
    dusk_free(dot);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.verbose = true;
    assert_int_equal(dusk_visualize_mem(g, "dot", &o, &dot, &len, &err), 0);
    assert_contains(dot, "label=\"original-array-mine\"");
    dusk_free(dot);
    dusk_graph_free(g);
}

/* A box whose key has 40,000 lines, drawn verbose: Graphviz, which counts
 * a label's lines in a short, must not be given them all. */
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
        o.verbose = true;
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
    dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
    vo.verbose = true;
    assert_int_equal(dusk_visualize_mem(g, "dot", &vo, &dot, &len, &err), 0);
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

/* Width and height of a PNG, from its IHDR chunk. */
static void png_size(const char *png, size_t len, unsigned *w, unsigned *h)
{
    assert_true(len > 24);
    assert_memory_equal(png, "\x89PNG", 4);
    const unsigned char *p = (const unsigned char *)png + 16;
    *w = (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
    *h = (unsigned)p[4] << 24 | (unsigned)p[5] << 16 | (unsigned)p[6] << 8 | p[7];
}

/* Dask's labels: string keys with tokens, a tuple key, a 20,000-character
 * key. Circles say key_split of the key, 'inc' (not the token, nor the
 * function's name: 'total' runs sum); a string key's box is blank and a
 * tuple key's shows its index, so a long key does not widen the picture;
 * verbose writes string keys out and keeps tuple keys' indices. */
static void boxes_and_circles_are_dasks(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    char *longkey = long_key("sum-");   /* key_split says 'sum' */
    dusk_graph_value(g, "x", dusk_int(1));
    dusk_task(g, "inc-6a94eca2-fbba-41c0-aaad-a527b4e41f2e", &dusk_inc, dusk_ref("x"));
    dusk_task(g, "('double-81dc9bdb52d04dc20036dbd8313ed055', 3)", &dusk_inc,
              dusk_ref("inc-6a94eca2-fbba-41c0-aaad-a527b4e41f2e"));
    dusk_task(g, longkey, &dusk_inc, dusk_ref("('double-81dc9bdb52d04dc20036dbd8313ed055', 3)"));
    dusk_task(g, "total", &dusk_add, dusk_ref(longkey), dusk_ref("x"));
    dusk_error err = DUSK_ERROR_INIT;
    char *dot = NULL;
    size_t len;
    assert_int_equal(dusk_visualize_mem(g, "dot", NULL, &dot, &len, &err), 0);
    assert_contains(dot, "f1\t[label=inc,");
    assert_contains(dot, "f2\t[label=double,");
    assert_contains(dot, "f3\t[label=sum,");
    assert_contains(dot, "f4\t[label=total,");
    assert_contains(dot, "k0\t[label=\"\",");                /* x */
    assert_contains(dot, "k1\t[label=\"\",");                /* inc-6a94... */
    assert_contains(dot, "k2\t[label=3,");                   /* (..., 3) */
    assert_contains(dot, "k3\t[label=\"\",");                /* the long key */
    assert_contains(dot, "k4\t[label=\"\",");                /* total */
    dusk_free(dot);
    /* the long key is in its tooltip only: a narrow picture */
    char *png = NULL;
    assert_int_equal(dusk_visualize_mem(g, "png", NULL, &png, &len, &err), 0);
    unsigned w, h;
    png_size(png, len, &w, &h);
    if (w > 400)
        fail_msg("the picture is %u pixels wide", w);
    dusk_free(png);

    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.verbose = true;
    assert_int_equal(dusk_visualize_mem(g, "dot", &o, &dot, &len, &err), 0);
    assert_contains(dot, "f1\t[label=inc,");                 /* circles as before */
    assert_contains(dot, "k0\t[label=x,");
    assert_contains(dot, "k1\t[label=\"inc-6a94eca2-fbba-41c0-aaad-a527b4e41f2e\",");
    assert_contains(dot, "k2\t[label=3,");                   /* still its index */
    assert_contains(dot, "k4\t[label=total,");
    dusk_free(dot);
    dusk_graph_free(g);
    free(longkey);
}

/* A bitmap too big for Graphviz's cairo renderer (32,767 pixels a side),
 * here a 20,000-character key written out (verbose): dusk scales it down
 * itself and says so, attributed and with what to do instead (in the
 * words of the caller's users, dusk_viz_options.layers_hint), and nothing
 * of Graphviz's reaches stderr unattributed ("(null): graph is too large
 * for cairo-renderer bitmaps"). */
static void big_bitmap_is_scaled_with_a_note(void **state)
{
    (void)state;
    char *key = long_key("inc-");
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "x", dusk_int(1));
    dusk_task(g, key, &dusk_inc, dusk_ref("x"));
    const char *formats[] = {"png", "jpg"};
    for (int f = 0; f < 2; f++) {
        dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
        o.verbose = true;
        if (f == 1) {   /* a front end's own words for the layer view, and its name */
            o.layers_hint = "--view layers";
            o.who = "dusk render";
        }
        char *buf = NULL;
        size_t len = 0;
        dusk_error err = DUSK_ERROR_INIT;
        fflush(stderr);
        int saved = dup(2);
        FILE *cap = tmpfile();
        assert_non_null(cap);
        dup2(fileno(cap), 2);
        int rc = dusk_visualize_mem(g, formats[f], &o, &buf, &len, &err);
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        rewind(cap);
        char said[4096];
        size_t got = fread(said, 1, sizeof said - 1, cap);
        said[got] = '\0';
        fclose(cap);
        if (rc)
            fail_msg("%s: %s", formats[f], err.msg);
        assert_true(len > 0);
        if (f == 0) {
            unsigned w, h;
            png_size(buf, len, &w, &h);
            assert_true(w <= 32000 && h <= 32000);
        }
        dusk_free(buf);
        /* every line is dusk's, as the caller names it */
        const char *who = f == 1 ? "dusk render: " : "dusk: visualize: ";
        for (const char *line = said; *line; line = strchr(line, '\n') + 1) {
            if (strncmp(line, who, strlen(who)) != 0)
                fail_msg("%s: unattributed on stderr: %s", formats[f], line);
            if (!strchr(line, '\n'))
                break;
        }
        assert_false(contains(said, "(null)"));
        assert_true(contains(said, "pixels, more than a"));
        assert_true(contains(said, "write SVG or PDF, or draw the layer view"));
        assert_true(contains(said, f == 1 ? "(--view layers)" : "(view DUSK_VIZ_LAYERS)"));
    }
    /* SVG is not a bitmap: no note */
    char *buf = NULL;
    size_t len = 0;
    dusk_error err = DUSK_ERROR_INIT;
    fflush(stderr);
    int saved = dup(2);
    FILE *cap = tmpfile();
    dup2(fileno(cap), 2);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.verbose = true;
    int rc = dusk_visualize_mem(g, "svg", &o, &buf, &len, &err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(rc, 0);
    assert_int_equal(ftell(cap), 0);
    fclose(cap);
    dusk_free(buf);
    dusk_graph_free(g);
    free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hdf5_source_box_names_file_and_dataset),
        cmocka_unit_test(named_hdf5_source_labelled),
        cmocka_unit_test(other_literals_keep_their_key),
        cmocka_unit_test(key_of_many_lines_is_drawn),
        cmocka_unit_test(boxes_and_circles_are_dasks),
        cmocka_unit_test(big_bitmap_is_scaled_with_a_note),
    };
    return cmocka_run_group_tests_name("viz_labels", tests, setup, teardown);
}
