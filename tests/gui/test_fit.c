/*
** dusk tests — the graph fitted to the window as it first opens (gui/layout.c,
** gui/render.c), headless
**
** The demo's window (`dusk demo window`: r = x - x.mean(axis=0), x ones
** (1000, 1000) in (250, 250) blocks, 52 tasks) at its default size, 1280 x
** 800, with every panel: its nodes must come out at least two lines of text
** high, so that every one is labelled, where dot's layout drew them 22 px
** (dot spreads the rows to route each block's edge past two ranks). The
** same job on the demo file's (1000, 10000) in (500, 500) blocks (140 tasks,
** 40 in a row) cannot be labelled whole in that window, but its nodes keep
** the layered layout's size, not dot's 8.6 px, and each row of it says
** what it is: its task group's name ("ones", "mean_chunk", "sub" ...) once
** over its nodes, no two names over each other. SDL's dummy video driver,
** software renderer.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <SDL.h>

#include "dusk/array.h"
#include "dusk/gui.h"
#include "gui/draw.h"
#include "gui/window.h"
#include "helpers.h"

enum { W = 1280, H = 800 };   /* dusk_view_options' default size */

static SDL_Window *win;
static SDL_Renderer *ren;

static int sdl_up(void **state)
{
    (void)state;
    return sdl_headless_open(W, H, &win, &ren);
}

static int sdl_down(void **state)
{
    (void)state;
    sdl_headless_close(&win, &ren);
    return 0;
}

/* The window's first frame after r = x - x.mean(axis=0) of x ones(shape)
 * in blocks `chunks` has run through a viewer, as dusk_view_array_compute
 * shows it: the node side in pixels, the labels drawn, the text's line. */
static void demo_frame(int64_t cols, const char *chunks, size_t want_tasks, float *side,
                       size_t *labels, int *line, size_t *group_labels)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(1000, cols), chunks, DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_compute(r, &o, &out, &err) != 0)
        fail_msg("dusk_array_compute: %s", err.msg);
    dusk_value_unref(out);
    dusk_viewer_pump(v);
    if (dusk_viewer_render(v, ren, W, H, &err) != 0)
        fail_msg("dusk_viewer_render: %s", err.msg);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    assert_true(b->w > W / 2 && b->h > H / 2);   /* the graph panel, large */
    dusk__fit t;
    dusk__view_fit(v, b->w, b->h, &t);
    *side = t.side;
    *labels = dusk__graph_labels;
    *group_labels = dusk__graph_group_labels;
    *line = v->render->atlas->h;
    assert_int_equal(v->layout.ntasks, want_tasks);
    print_message("%zu tasks, widest layer %zu, %s layout %.1f x %.1f units in %dx%d px: "
                  "nodes %.1f px, %zu labelled (a label wants %d px)\n",
                  v->layout.ntasks, v->layout.widest, v->layout.graphviz ? "dot" : "layered",
                  v->layout.width, v->layout.height, b->w, b->h, t.side, *labels,
                  2 * *line);
    dusk_viewer_free(v);
    dusk_array_ctx_free(ctx);
}

static void test_demo_labelled(void **state)
{
    (void)state;
    float side;
    size_t labels, groups;
    int line;
    demo_frame(1000, "(250, 250)", 52, &side, &labels, &line, &groups);
    assert_true(side >= 2.0f * (float)line);
    assert_int_equal(labels, 52);
    assert_int_equal(groups, 0);   /* labelled node by node: no group names */
    /* 40 blocks in a row: no labels at this size, but nodes half as
     * large again as dot's 8.6 px, and the rows named */
    demo_frame(10000, "(500, 500)", 140, &side, &labels, &line, &groups);
    assert_true(side >= 14.0f);
    assert_int_equal(labels, 0);
    print_message("group names drawn: %zu:", groups);
    int ones = 0, sub = 0, chunk = 0;
    for (size_t k = 0; k < groups && k < 8; k++) {
        print_message(" %s", dusk__graph_group_label[k]);
        ones |= !strcmp(dusk__graph_group_label[k], "ones_like");
        sub |= !strcmp(dusk__graph_group_label[k], "sub");
        chunk |= !strcmp(dusk__graph_group_label[k], "mean_chunk");
    }
    print_message("\n");
    assert_true(groups >= 3);
    assert_true(ones && sub && chunk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_demo_labelled, sdl_up, sdl_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
