/*
** dusk tests — drawing the graph panel (gui/render.c), headless
**
** SDL's dummy video driver with its software renderer gives the same
** pixels on every machine. A recorded run is replayed into a viewer event
** by event; at chosen points the frame is drawn and read back before any
** present, and the pixel at the centre of each named task's node must be
** its state's colour (Dask's dashboard colours).
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <SDL.h>

#include "dusk/gui.h"
#include "gui/gui.h"
#include "helpers.h"

enum { W = 640, H = 400 };

static SDL_Window *win;
static SDL_Renderer *ren;
static uint32_t pix[W * H];

static int sdl_up(void **state)
{
    (void)state;
    if (sdl_headless_open(W, H, &win, &ren) != 0)
        return -1;
    return 0;
}

static int sdl_down(void **state)
{
    (void)state;
    sdl_headless_close(&win, &ren);
    return 0;
}

/* Draws v and reads the frame back (no present). */
static void frame(dusk_viewer *v)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_viewer_render(v, ren, W, H, &err) != 0)
        fail_msg("dusk_viewer_render: %s", err.msg);
    assert_int_equal(SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, pix, W * 4), 0);
}

static uint32_t rgb_of(int state)
{
    const uint8_t *c = dusk__state_rgb[state];
    return 0xff000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

/* The pixel at the centre of task's node in the last frame. */
static uint32_t node_pixel(dusk_viewer *v, int64_t task)
{
    dusk_view_rect r;
    assert_int_equal(dusk_viewer_node(v, task, &r), 0);
    /* the graph panel's box, as the frame arranged it */
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    assert_true(b->w > 0 && b->h > 0);
    float s, ox, oy;
    dusk__view_fit(v, b->w, b->h, &s, &ox, &oy);
    int x = b->x + (int)(ox + (r.x + r.w / 2) * s), y = b->y + (int)(oy + (r.y + r.h / 2) * s);
    assert_true(x >= 0 && x < W && y >= 0 && y < H);
    return pix[y * W + x];
}

static void expect_colour(dusk_viewer *v, dusk_graph *g, const char *key, int state)
{
    int64_t t = dusk_graph_find(g, key);
    assert_int_equal(dusk_viewer_state(v, t), state);
    uint32_t got = node_pixel(v, t);
    if (got != rgb_of(state))
        fail_msg("node %s: pixel 0x%08x, want 0x%08x (state %d)", key, got, rgb_of(state), state);
}

static dusk_event *record(dusk_graph *g, const char *key, size_t *n)
{
    dusk_stream *s = dusk_stream_new();
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.stream = s;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_get(g, key, &o, &v, &err);
    dusk_value_unref(v);
    size_t cap = (size_t)dusk_stream_appended(s);
    dusk_event *ev = malloc((cap + 1) * sizeof *ev);
    *n = dusk_stream_drain(s, ev, cap);
    dusk_stream_free(s);
    return ev;
}

static void test_replay_colours(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    size_t n;
    dusk_event *ev = record(g, "z", &n);
    const char *keys[] = {"z"};
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, 1, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    int64_t z = dusk_graph_find(g, "z"), b = dusk_graph_find(g, "b");
    int points = 0;
    for (size_t i = 0; i < n; i++) {
        dusk_viewer_feed(v, &ev[i], 1);
        if (ev[i].kind == DUSK_EV_RUN_BEGIN) {
            frame(v);
            for (const char *const *k = (const char *const[]){"a", "b", "x", "y", "z", NULL}; *k; k++)
                expect_colour(v, g, *k, DUSK_TASK_WAITING);
            /* the legend's first swatch is WAITING's */
            assert_int_equal(pix[14 * W + 14], rgb_of(DUSK_TASK_WAITING));
            points++;
        } else if (ev[i].kind == DUSK_EV_READY && ev[i].task == z) {
            frame(v);
            expect_colour(v, g, "z", DUSK_TASK_READY);
            expect_colour(v, g, "b", DUSK_TASK_MEMORY);
            expect_colour(v, g, "y", DUSK_TASK_MEMORY);
            points++;
        } else if (ev[i].kind == DUSK_EV_START && ev[i].task == z) {
            frame(v);
            expect_colour(v, g, "z", DUSK_TASK_RUNNING);
            points++;
        } else if (ev[i].kind == DUSK_EV_RELEASED && ev[i].task == b) {
            frame(v);
            expect_colour(v, g, "b", DUSK_TASK_RELEASED);
            points++;
        }
    }
    frame(v);
    expect_colour(v, g, "z", DUSK_TASK_MEMORY);
    for (const char *const *k = (const char *const[]){"a", "b", "x", "y", NULL}; *k; k++)
        expect_colour(v, g, *k, DUSK_TASK_RELEASED);
    assert_int_equal(points, 4);
    dusk_viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* A live run of a failing graph: the failing task in black. */
static void test_erred_black(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &dusk_inc, dusk_lit_str("not a number"));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_true(dusk_get(g, "b", &o, &out, &err) != 0);
    dusk_viewer_pump(v);
    frame(v);
    expect_colour(v, g, "a", DUSK_TASK_ERRED);
    expect_colour(v, g, "b", DUSK_TASK_WAITING);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* Past the threshold, one node per layer in its majority's colour. */
static void test_layer_view(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(64, &root);
    size_t n;
    dusk_event *ev = record(g, root, &n);
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &root, 1, &plan, &err), 0);
    dusk_viewer_options vo = {.layer_view_threshold = 50};
    dusk_viewer *v = dusk_viewer_new(&vo);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    /* up to the END of the 40th leaf: most of layer 0 is done (in memory
     * or released) while the root's layer waits */
    int64_t leaf = dusk_graph_find(g, "inc-0"), top = dusk_graph_find(g, root);
    size_t done = 0;
    for (size_t i = 0; i < n && done < 40; i++) {
        dusk_viewer_feed(v, &ev[i], 1);
        done = 0;
        for (size_t k = 0; k < 64; k++) {
            char key[32];
            snprintf(key, sizeof key, "inc-%zu", k);
            int s = dusk_viewer_state(v, dusk_graph_find(g, key));
            done += s == DUSK_TASK_MEMORY || s == DUSK_TASK_RELEASED;
        }
    }
    assert_int_equal(done, 40);
    assert_int_equal(dusk_viewer_layer_view(v), 1);
    frame(v);
    uint32_t p0 = node_pixel(v, leaf);
    assert_true(p0 == rgb_of(DUSK_TASK_MEMORY) || p0 == rgb_of(DUSK_TASK_RELEASED));
    assert_int_equal(node_pixel(v, top), rgb_of(DUSK_TASK_WAITING));
    dusk_viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

static void test_bad_input(void **state)
{
    (void)state;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_viewer_options vo = {.font = "/nonexistent/dusk-font.ttf"};
    dusk_viewer *v = dusk_viewer_new(&vo);
    assert_int_equal(dusk_viewer_render(v, ren, W, H, &err), DUSK_EIO);
    assert_contains(err.msg, "/nonexistent/dusk-font.ttf");
    assert_int_equal(dusk_viewer_render(v, ren, 0, H, &err), DUSK_EINVAL);
    assert_contains(err.msg, "0x400");
    dusk_viewer_free(v);
    /* nothing to show yet: the legend alone, every count 0 */
    v = dusk_viewer_new(NULL);
    frame(v);
    assert_int_equal(pix[14 * W + 14], rgb_of(DUSK_TASK_WAITING));
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    assert_int_equal(pix[(b->y + b->h - 10) * W + W / 2], 0xffffffffu);
    dusk_viewer_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_colours),
        cmocka_unit_test(test_erred_black),
        cmocka_unit_test(test_layer_view),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, sdl_up, sdl_down);
}
