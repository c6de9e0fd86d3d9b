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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "dusk/gui.h"
#include "gui/draw.h"
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
    const uint8_t *c = dusk__theme_at(DUSK__THEME_LIGHT)->state[state];
    return 0xff000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

/* A pixel of task's node in the last frame: across its centre, an eighth
 * of its side under its top, above the label drawn in its middle. */
static uint32_t node_pixel(dusk_viewer *v, int64_t task)
{
    dusk_view_rect r;
    assert_int_equal(dusk_viewer_node(v, task, &r), 0);
    /* the graph panel's box, as the frame arranged it */
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    assert_true(b->w > 0 && b->h > 0);
    dusk__fit t;
    dusk__view_fit(v, b->w, b->h, &t);
    int x = b->x + (int)(t.ox + (r.x + r.w / 2) * t.sx);
    int y = b->y + (int)(t.oy + (r.y + r.h / 2) * t.sy - t.side / 2 + t.side / 8 + 1);
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

/* A viewer holding the plan of g for key. */
static dusk_viewer *viewer_of(dusk_graph *g, const char *key, dusk_error *err)
{
    const char *keys[] = {key};
    dusk_plan *plan;
    assert_int_equal(dusk_plan_new(g, keys, 1, &plan, err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, plan, err), 0);
    dusk_plan_unref(plan);
    return v;
}

static void test_replay_colours(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    size_t n;
    dusk_event *ev = record(g, "z", &n);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_viewer *v = viewer_of(g, "z", &err);
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

/* A graph of `wide` independent chains of `deep` tasks (c<i>-<k> needs
 * c<i>-<k-1>), all gathered by "all". */
static dusk_graph *chains(int wide, int deep)
{
    dusk_graph *g = dusk_graph_new();
    dusk_arg **tops = malloc((size_t)wide * sizeof *tops);
    for (int i = 0; i < wide; i++) {
        char key[32], prev[32];
        for (int k = 0; k < deep; k++) {
            snprintf(key, sizeof key, "c%d-%d", i, k);
            if (k == 0)
                dusk_task(g, key, &dusk_inc, dusk_lit_int(i));
            else
                dusk_task(g, key, &dusk_inc, dusk_ref(prev));
            snprintf(prev, sizeof prev, "%s", key);
        }
        tops[i] = dusk_ref(prev);
    }
    dusk_task(g, "all", &dusk_identity, dusk_listv((size_t)wide, tops));
    free(tops);
    return g;
}

/* A viewer of g's run up to its RUN_BEGIN: every task waiting. */
static dusk_viewer *waiting_viewer(dusk_graph *g)
{
    size_t n;
    dusk_event *ev = record(g, "all", &n);
    const char *keys[] = {"all"};
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, 1, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    assert_int_equal(ev[0].kind, DUSK_EV_RUN_BEGIN);
    dusk_viewer_feed(v, ev, 1);
    free(ev);
    return v;
}

/* The box of the pixels in rgb inside the graph panel, `below` px under
 * its top (top-left, bottom-right, inclusive); 0 when there are none. */
static int ink_box(const dusk_viewer *v, uint32_t rgb, int below, int *x0, int *y0, int *x1,
                   int *y1)
{
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    *x0 = *y0 = 1 << 30;
    *x1 = *y1 = -1;
    /* not the splitters' handles at the box's right and bottom edges
     * (drawn in the light theme's dim grey, which is waiting's) */
    for (int y = b->y + below; y < b->y + b->h - 4; y++)
        for (int x = b->x; x < b->x + b->w - 4; x++)
            if (pix[y * W + x] == rgb) {
                *x0 = x < *x0 ? x : *x0;
                *y0 = y < *y0 ? y : *y0;
                *x1 = x > *x1 ? x : *x1;
                *y1 = y > *y1 ? y : *y1;
            }
    return *x1 >= 0;
}

/* Fitted to its panel each axis on its own: a graph of 40 short chains
 * (wide and shallow) and one of 3 long chains (drawn long and narrow)
 * both spread their nodes over 3/4 of the panel's width and height or more, where
 * one scale for both axes drew the first as a strip 30 px high. Nodes stay
 * square, whole, in their state's colour, and apart. */
static void test_fit_per_axis(void **state)
{
    (void)state;
    static const int shape[][2] = {{40, 2}, {3, 12}, {60, 3}};
    for (size_t c = 0; c < sizeof shape / sizeof shape[0]; c++) {
        dusk_graph *g = chains(shape[c][0], shape[c][1]);
        dusk_viewer *v = waiting_viewer(g);
        frame(v);
        const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
        dusk__fit t;
        dusk__view_fit(v, b->w, b->h, &t);
        int legend = (int)(t.oy + 0.5f) - 8;   /* the drawing area's top, less its margin */
        assert_true(legend > 0 && legend < b->h / 4);
        int x0, y0, x1, y1;
        assert_true(ink_box(v, rgb_of(DUSK_TASK_WAITING), legend, &x0, &y0, &x1, &y1));
        int aw = b->w - 16, ah = b->h - legend - 16;
        if (x1 - x0 + 1 < aw * 75 / 100 || y1 - y0 + 1 < ah * 75 / 100)
            fail_msg("%dx%d chains: nodes over %dx%d px of a %dx%d area", shape[c][0],
                     shape[c][1], x1 - x0 + 1, y1 - y0 + 1, aw, ah);
        assert_true(x0 >= b->x && x1 < b->x + b->w && y1 < b->y + b->h);
        /* each node: its centre in its colour, square, no bigger than
         * either axis's step allows */
        assert_true(t.side == (t.sx < t.sy ? t.sx : t.sy) || t.side == 1.0f);
        for (int i = 0; i < shape[c][0]; i += 7) {
            char key[32];
            snprintf(key, sizeof key, "c%d-%d", i, shape[c][1] - 1);
            expect_colour(v, g, key, DUSK_TASK_WAITING);
        }
        expect_colour(v, g, "all", DUSK_TASK_WAITING);
        dusk_viewer_free(v);
        dusk_graph_free(g);
    }
}

/* The top-left pixel and side of task's node in the last frame. */
static void node_px(dusk_viewer *v, int64_t task, int *x, int *y, int *side)
{
    dusk_view_rect r;
    assert_int_equal(dusk_viewer_node(v, task, &r), 0);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    dusk__fit t;
    dusk__view_fit(v, b->w, b->h, &t);
    *x = b->x + (int)dusk__node_x(&t, r.x);
    *y = b->y + (int)dusk__node_y(&t, r.y);
    *side = (int)t.side;
}

/* The window draws the graph as visualize() does (rankdir BT): the
 * lecture's inputs a and x on the bottom row, b and y above them, z on
 * top; the edges run between the rows (from an input's top up to its
 * user's foot), none above the results or below the inputs. Graphviz's
 * layout (5 tasks) and the layered one alike. */
static void test_drawn_upwards(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    const uint8_t *e = dusk__theme_at(DUSK__THEME_LIGHT)->edge;
    uint32_t edge = 0xff000000u | (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
    for (int gv = 0; gv < 2; gv++) {
        const char *keys[] = {"z"};
        dusk_plan *plan;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_plan_new(g, keys, 1, &plan, &err), 0);
        dusk_viewer_options o = DUSK_VIEWER_OPTIONS_INIT;
        o.graphviz_threshold = gv ? 0 : DUSK_VIEWER_NO_GRAPHVIZ;
        dusk_viewer *v = dusk_viewer_new(&o);
        assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
        dusk_plan_unref(plan);
        dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
        dusk_viewer_feed(v, &begin, 1);
        frame(v);
        int x[5], y[5], side;
        const char *names[] = {"a", "x", "b", "y", "z"};
        for (int i = 0; i < 5; i++)
            node_px(v, dusk_graph_find(g, names[i]), &x[i], &y[i], &side);
        assert_true(side >= 8);
        assert_true(y[0] == y[1] && y[2] == y[3]);             /* rows */
        assert_true(y[0] >= y[2] + side && y[2] >= y[4] + side);  /* inputs lowest */
        assert_true(x[0] != x[1]);
        expect_colour(v, g, "a", DUSK_TASK_WAITING);
        expect_colour(v, g, "z", DUSK_TASK_WAITING);
        const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
        size_t between = 0, outside = 0;
        for (int py = b->y + 40; py < b->y + b->h; py++)
            for (int px = b->x; px < b->x + b->w; px++) {
                if (pix[py * W + px] != edge)
                    continue;
                if (py > y[4] + side && py < y[0])
                    between++;
                else if (py < y[4] || py > y[0] + side)
                    outside++;
            }
        if (between < 20 || outside)
            fail_msg("%s: %zu edge pixels between the rows, %zu outside",
                     gv ? "Graphviz" : "layered", between, outside);
        dusk_viewer_free(v);
    }
    dusk_graph_free(g);
}

/* WCAG's relative luminance of an sRGB colour, and two colours' contrast. */
static double luminance(const uint8_t c[3])
{
    double l[3];
    for (int k = 0; k < 3; k++) {
        double u = c[k] / 255.0;
        l[k] = u <= 0.03928 ? u / 12.92 : pow((u + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

static double contrast(const uint8_t a[3], const uint8_t b[3])
{
    double x = luminance(a), y = luminance(b);
    return x > y ? (x + 0.05) / (y + 0.05) : (y + 0.05) / (x + 0.05);
}

/* The high-contrast theme is one for a projector: white text on black
 * (21:1), every state's colour saturated and at least 4.5:1 on the
 * background (Dask's black "erred" would vanish on it), no two states
 * alike, and its strokes twice as thick: a frame draws twice the edge
 * pixels of the light theme's, in its own colours. */
static void test_contrast_theme(void **state)
{
    (void)state;
    const dusk__theme *th = dusk__theme_at(DUSK__THEME_CONTRAST);
    assert_true(contrast(th->fg, th->bg) >= 20);
    assert_true(contrast(th->accent, th->bg) >= 7);
    assert_true(contrast(th->dim, th->bg) >= 7);
    assert_true(th->stroke >= 2);
    for (int k = 0; k < DUSK_TASK_NSTATES; k++) {
        if (contrast(th->state[k], th->bg) < 4.5)
            fail_msg("state %d: contrast %.2f on the background", k,
                     contrast(th->state[k], th->bg));
        for (int j = 0; j < k; j++) {
            int d = abs(th->state[k][0] - th->state[j][0]) +
                    abs(th->state[k][1] - th->state[j][1]) +
                    abs(th->state[k][2] - th->state[j][2]);
            assert_true(d >= 150);
        }
        /* saturated: a grey (waiting) aside, one channel full, one empty */
        if (k != DUSK_TASK_WAITING) {
            int hi = 0, lo = 255;
            for (int c = 0; c < 3; c++) {
                hi = th->state[k][c] > hi ? th->state[k][c] : hi;
                lo = th->state[k][c] < lo ? th->state[k][c] : lo;
            }
            assert_true(hi == 255 && lo == 0);
        }
    }
    /* drawn: a small graph's nodes and edges */
    dusk_graph *g = chains(4, 3);
    dusk_viewer *v = waiting_viewer(g);
    size_t edge_px[2];
    for (int pass = 0; pass < 2; pass++) {
        const dusk__theme *t = dusk__theme_at(pass ? DUSK__THEME_CONTRAST : DUSK__THEME_LIGHT);
        v->theme = pass ? DUSK__THEME_CONTRAST : DUSK__THEME_LIGHT;
        frame(v);
        uint32_t edge = 0xff000000u | (uint32_t)t->edge[0] << 16 | (uint32_t)t->edge[1] << 8 |
                        t->edge[2];
        const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
        edge_px[pass] = 0;
        for (int y = b->y + 40; y < b->y + b->h; y++)
            for (int x = b->x; x < b->x + b->w; x++)
                edge_px[pass] += pix[y * W + x] == edge;
        int64_t a = dusk_graph_find(g, "all");
        uint32_t want = 0xff000000u | (uint32_t)t->state[DUSK_TASK_WAITING][0] << 16 |
                        (uint32_t)t->state[DUSK_TASK_WAITING][1] << 8 |
                        t->state[DUSK_TASK_WAITING][2];
        assert_int_equal(node_pixel(v, a), want);
        uint32_t bg = 0xff000000u | (uint32_t)t->bg[0] << 16 | (uint32_t)t->bg[1] << 8 | t->bg[2];
        assert_int_equal(pix[(b->y + b->h - 3) * W + b->x + 3], bg);
    }
    assert_true(edge_px[0] > 100);
    if (edge_px[1] < edge_px[0] * 17 / 10)
        fail_msg("edge pixels: %zu light, %zu high contrast", edge_px[0], edge_px[1]);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* --- labels ---------------------------------------------------------------------- */

/* The pixels of task's node square in the last frame that are not fill
 * (its state's colour), inset by 1 px; into pat (side x side, 0 for fill)
 * when pat is not NULL. */
static int label_ink(dusk_viewer *v, int64_t task, uint32_t fill, uint8_t *pat, int *side_out)
{
    dusk_view_rect r;
    assert_int_equal(dusk_viewer_node(v, task, &r), 0);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    dusk__fit t;
    dusk__view_fit(v, b->w, b->h, &t);
    int x0 = b->x + (int)(t.ox + (r.x + r.w / 2) * t.sx - t.side / 2) + 1;
    int y0 = b->y + (int)(t.oy + (r.y + r.h / 2) * t.sy - t.side / 2) + 1;
    int side = (int)t.side - 2, ink = 0;
    if (side_out)
        *side_out = side;
    for (int y = 0; y < side; y++)
        for (int x = 0; x < side; x++) {
            int px = x0 + x, py = y0 + y;
            if (px < b->x || py < b->y || px >= b->x + b->w || py >= b->y + b->h)
                continue;
            int on = pix[py * W + px] != fill;
            ink += on;
            if (pat)
                pat[y * side + x] = (uint8_t)on;
        }
    return ink;
}

/* A small graph's nodes carry their labels (ink inside each square, a
 * different drawing for "a" and "z"); a 10,001-task graph fitted to the
 * panel draws none (its nodes are a few px), and zoomed in, only the
 * nodes in the panel get one. */
static void test_labels(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    size_t n;
    dusk_event *ev = record(g, "z", &n);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_viewer *v = viewer_of(g, "z", &err);
    dusk_viewer_feed(v, ev, 1);   /* the RUN_BEGIN: every node waiting */
    free(ev);
    frame(v);
    assert_int_equal(dusk__graph_labels, 5);
    static const char *const names[] = {"a", "b", "x", "y", "z"};
    uint8_t *pat[5];
    int side = 0;
    for (int k = 0; k < 5; k++) {
        int64_t t = dusk_graph_find(g, names[k]);
        int s;
        label_ink(v, t, rgb_of(DUSK_TASK_WAITING), NULL, &s);
        assert_true(s >= 2 * 14);
        side = s;
        pat[k] = calloc((size_t)s * (size_t)s, 1);
        int ink = label_ink(v, t, rgb_of(DUSK_TASK_WAITING), pat[k], NULL);
        print_message("node %s: %d px of label in a %d px square\n", names[k], ink, s);
        assert_true(ink >= 10 && ink < s * s / 2);
    }
    assert_true(memcmp(pat[0], pat[4], (size_t)side * (size_t)side) != 0);   /* "a" is not "z" */
    for (int k = 0; k < 5; k++)
        free(pat[k]);
    dusk_viewer_free(v);
    dusk_graph_free(g);

    g = chains(100, 100);   /* 10,001 tasks */
    ev = record(g, "all", &n);
    const char *all[] = {"all"};
    dusk_plan *plan;
    assert_int_equal(dusk_plan_new(g, all, 1, &plan, &err), 0);
    dusk_viewer_options vo = {.layer_view_threshold = 100000};
    v = dusk_viewer_new(&vo);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    dusk_viewer_feed(v, ev, 1);
    free(ev);
    assert_int_equal(dusk_viewer_layer_view(v), 0);
    frame(v);
    assert_int_equal(dusk__graph_labels, 0);
    int s;
    int64_t c0 = dusk_graph_find(g, "c0-0");
    assert_int_equal(label_ink(v, c0, rgb_of(DUSK_TASK_WAITING), NULL, &s), 0);
    assert_true(s < 2 * 14);
    /* zoomed in 40 times: labels on the few nodes in the panel */
    v->zoom = 40;
    frame(v);
    print_message("10,001 tasks zoomed in 40x: %zu labels\n", dusk__graph_labels);
    assert_true(dusk__graph_labels > 0 && dusk__graph_labels < 200);
    dusk_viewer_free(v);
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
        cmocka_unit_test(test_fit_per_axis),
        cmocka_unit_test(test_drawn_upwards),
        cmocka_unit_test(test_contrast_theme),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, sdl_up, sdl_down);
}
