/*
** dusk tests — the window: input, panels, overlays, screenshots, dusk_view_get
**
** Headless: SDL's dummy video driver and its software renderer. Events are
** pushed with SDL_PushEvent and polled back into dusk_viewer_handle (no
** window has the keyboard's focus under the dummy driver, so the viewer's
** own handler is the way in, as for a program's own loop). Frames are read
** back before any present. Node positions come from the graph panel's box
** as the last frame arranged it. Every test checks that dusk's live
** blocks come back to where they were.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <SDL.h>
#include <cairo.h>

#include "dusk/array.h"
#include "dusk/gui.h"
#include "dusk/profiler.h"
#include "gui/window.h"
#include "helpers.h"

enum { W = 800, H = 500 };

static SDL_Window *win;
static SDL_Renderer *ren;
static uint32_t pix[W * H];
static long live_at_start;

static void dummy_driver(void)
{
    sdl_headless_env();
}

static int sdl_open(void)
{
    return sdl_headless_open(W, H, &win, &ren);
}

static int check_live(void)
{
    long live = dusk_alloc_live();
    if (live != live_at_start) {
        print_message("%ld blocks leaked\n", live - live_at_start);
        return -1;
    }
    return 0;
}

static void sdl_close(void)
{
    sdl_headless_close(&win, &ren);
}

static int sdl_up(void **state)
{
    (void)state;
    live_at_start = dusk_alloc_live();
    return sdl_open();
}

static int sdl_down(void **state)
{
    (void)state;
    sdl_close();
    return check_live();
}

static int live_up(void **state)
{
    (void)state;
    live_at_start = dusk_alloc_live();
    dummy_driver();
    return 0;
}

static int live_down(void **state)
{
    (void)state;
    return check_live();
}

/* --- helpers ------------------------------------------------------------------------- */

static void frame(dusk_viewer *v)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_viewer_render(v, ren, W, H, &err) != 0)
        fail_msg("dusk_viewer_render: %s", err.msg);
    assert_int_equal(SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, pix, W * 4), 0);
}

static uint32_t rgb(const uint8_t c[3])
{
    return 0xff000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

/* Task t's node in the last frame, in pixels: left, top, side. */
static void node_px(dusk_viewer *v, int64_t t, float *x, float *y, float *side)
{
    dusk_view_rect r;
    assert_int_equal(dusk_viewer_node(v, t, &r), 0);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    assert_true(b->w > 0);
    dusk__fit fit;
    dusk__view_fit(v, b->w, b->h, &fit);
    *x = (float)b->x + dusk__node_x(&fit, r.x);
    *y = (float)b->y + dusk__node_y(&fit, r.y);
    *side = fit.side;
}

static void centre(dusk_viewer *v, int64_t t, int *x, int *y)
{
    float nx, ny, side;
    node_px(v, t, &nx, &ny, &side);
    *x = (int)(nx + side / 2);
    *y = (int)(ny + side / 2);
}

/* A pixel of t's node that its label leaves in the state's colour: across
 * its centre, an eighth of its side under its top (a label is centred in
 * a node at least two lines high). */
static void fill_point(dusk_viewer *v, int64_t t, int *x, int *y)
{
    float nx, ny, side;
    node_px(v, t, &nx, &ny, &side);
    *x = (int)(nx + side / 2);
    *y = (int)(ny + side / 8 + 1);
}

/* Sends e the way a window's loop does: SDL's queue, then the viewer. */
static int send(dusk_viewer *v, SDL_Event e)
{
    assert_int_equal(SDL_PushEvent(&e), 1);
    SDL_Event got;
    int used = 0;
    while (SDL_PollEvent(&got))
        used += dusk_viewer_handle(v, &got);
    return used;
}

static int key(dusk_viewer *v, SDL_Keycode sym, Uint16 mod)
{
    SDL_Event e = {0};
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    return send(v, e);
}

static void button(dusk_viewer *v, Uint32 type, int x, int y)
{
    SDL_Event e = {0};
    e.type = type;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.clicks = 1;
    e.button.x = x;
    e.button.y = y;
    send(v, e);
}

static void motion(dusk_viewer *v, int x, int y, int held)
{
    SDL_Event e = {0};
    e.type = SDL_MOUSEMOTION;
    e.motion.x = x;
    e.motion.y = y;
    e.motion.state = held ? SDL_BUTTON_LMASK : 0;
    send(v, e);
}

static void wheel(dusk_viewer *v, int x, int y, int notches)
{
    motion(v, x, y, 0);
    SDL_Event e = {0};
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = notches;
    e.wheel.preciseY = (float)notches;
    e.wheel.direction = SDL_MOUSEWHEEL_NORMAL;
#if SDL_VERSION_ATLEAST(2, 26, 0)
    e.wheel.mouseX = x;
    e.wheel.mouseY = y;
#endif
    assert_int_equal(send(v, e), 1);
}

/* A viewer showing the lecture's graph at the RUN_BEGIN of a run of "z"
 * (every task waiting), drawn once. */
static dusk_viewer *lecture_viewer(dusk_graph **g)
{
    *g = lecture_dsk();
    const char *keys[] = {"z"};
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(*g, keys, 1, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 2};
    assert_int_equal(dusk_viewer_feed(v, &begin, 1), 0);
    frame(v);
    return v;
}

/* --- input ------------------------------------------------------------------------------ */

static void test_wheel_zooms_about_the_pointer(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t z = dusk_graph_find(g, "z"), a = dusk_graph_find(g, "a");
    int x, y;
    centre(v, z, &x, &y);
    float bx, by, side0;
    node_px(v, a, &bx, &by, &side0);
    wheel(v, x, y, 2);
    assert_true(v->zoom > 1.5f);
    frame(v);
    /* z's centre is where it was; a, elsewhere, moved away from it */
    int x2, y2;
    centre(v, z, &x2, &y2);
    assert_true(abs(x2 - x) <= 1 && abs(y2 - y) <= 1);
    fill_point(v, z, &x2, &y2);
    assert_int_equal(pix[y2 * W + x2], rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
    float ax, ay, side1;
    node_px(v, a, &ax, &ay, &side1);
    assert_true(side1 > side0 * 1.5f);
    assert_true(fabsf(ax - (float)x) > fabsf(bx - (float)x) * 1.3f);
    /* and back out: the same point stays */
    wheel(v, x, y, -2);
    frame(v);
    centre(v, z, &x2, &y2);
    assert_true(abs(x2 - x) <= 1 && abs(y2 - y) <= 1);
    assert_true(fabsf(v->zoom - 1.0f) < 1e-4f);
    /* the wheel away from the graph is not the viewer's */
    SDL_Event e = {0};
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = 1;
    e.wheel.preciseY = 1;
#if SDL_VERSION_ATLEAST(2, 26, 0)
    e.wheel.mouseX = W / 2;
    e.wheel.mouseY = H - 2;   /* the status strip */
#endif
    motion(v, W / 2, H - 2, 0);
    assert_int_equal(send(v, e), 0);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

static void test_drag_pans(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t z = dusk_graph_find(g, "z");
    int x, y;
    fill_point(v, z, &x, &y);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    int x0 = b->x + 4, y0 = b->y + b->h / 2;   /* the margin left of the nodes */
    button(v, SDL_MOUSEBUTTONDOWN, x0, y0);
    motion(v, x0 + 20, y0 + 5, 1);
    motion(v, x0 + 37, y0 + 21, 1);
    button(v, SDL_MOUSEBUTTONUP, x0 + 37, y0 + 21);
    assert_true(v->pan_x == 37.0f && v->pan_y == 21.0f);
    assert_int_equal(v->selected, -1);   /* a drag is no click */
    frame(v);
    int x2, y2;
    fill_point(v, z, &x2, &y2);
    assert_int_equal(x2 - x, 37);
    assert_int_equal(y2 - y, 21);
    assert_int_equal(pix[y2 * W + x2], rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
    /* the arrow keys pan too, and f fits again */
    assert_int_equal(key(v, SDLK_LEFT, 0), 1);
    assert_true(v->pan_x == 37.0f + 40.0f);
    assert_int_equal(key(v, SDLK_f, 0), 1);
    assert_true(v->pan_x == 0 && v->pan_y == 0 && v->zoom == 1.0f);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

static void test_hover_tooltip(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t z = dusk_graph_find(g, "z");
    int x, y;
    centre(v, z, &x, &y);
    motion(v, x, y, 0);
    assert_int_equal(v->hover, z);
    frame(v);
    assert_contains(v->ui.tooltip, "key: 'z'");
    assert_contains(v->ui.tooltip, "function: add");
    assert_contains(v->ui.tooltip, "state: waiting");
    assert_contains(v->ui.tooltip, "waits for: 'b', 'y'");
    /* the tooltip is drawn below and right of the pointer, in the strip colour */
    const dusk__theme *th = dusk__theme_at(DUSK__THEME_LIGHT);
    assert_int_equal(pix[(y + 16 + 3) * W + x + 16 + 3], rgb(th->strip));
    /* as the run goes on: b and y in memory, z running on worker 1 */
    int64_t b = dusk_graph_find(g, "b"), yy = dusk_graph_find(g, "y");
    dusk_event ev[] = {
        {.t_ns = 10, .kind = DUSK_EV_READY, .task = b, .worker = 0},
        {.t_ns = 20, .kind = DUSK_EV_START, .task = b, .worker = 0},
        {.t_ns = 30, .kind = DUSK_EV_END, .task = b, .worker = 0, .nbytes = 8, .held = 8},
    };
    dusk_viewer_feed(v, ev, 3);
    char text[768];
    dusk__tooltip_text(v, z, text, sizeof text);
    assert_contains(text, "waits for: 'y'");
    assert_false(contains(text, "waits for: 'b'"));
    dusk__tooltip_text(v, b, text, sizeof text);
    assert_contains(text, "state: in memory");
    assert_contains(text, "worker: 0");
    assert_contains(text, "duration: 10 ns");
    assert_contains(text, "bytes: 8 B");
    (void)yy;
    /* away from the nodes: no task, no tooltip */
    motion(v, 2, H / 2, 0);
    assert_int_equal(v->hover, -1);
    frame(v);
    assert_string_equal(v->ui.tooltip, "");
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

static void test_click_selects_and_outlines(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    const uint32_t accent = rgb(dusk__theme_at(DUSK__THEME_LIGHT)->accent);
    int64_t z = dusk_graph_find(g, "z"), b = dusk_graph_find(g, "b"), a = dusk_graph_find(g, "a");
    float nx, ny, side;
    /* nothing selected: no accent beside z */
    node_px(v, z, &nx, &ny, &side);
    int lx = (int)nx - 2, cy = (int)(ny + side / 2);
    assert_true(pix[cy * W + lx] != accent);
    int x, y;
    centre(v, b, &x, &y);
    button(v, SDL_MOUSEBUTTONDOWN, x, y);
    button(v, SDL_MOUSEBUTTONUP, x + 1, y);
    assert_int_equal(v->selected, b);
    frame(v);
    /* b, what it needs (a) and what needs it (z) are outlined; x is not */
    for (int64_t t = 0; t < 5; t++) {
        node_px(v, t, &nx, &ny, &side);
        lx = (int)nx - 2;
        cy = (int)(ny + side / 2);
        int want = t == a || t == b || t == z;
        if ((pix[cy * W + lx] == accent) != want)
            fail_msg("task %s: pixel left of its node 0x%08x, accent %s", dusk_graph_key(g, t),
                     pix[cy * W + lx], want ? "wanted" : "not wanted");
        /* the node itself keeps its state's colour (above its label) */
        assert_int_equal(pix[(int)(ny + side / 8 + 1) * W + (int)(nx + side / 2)],
                         rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
    }
    /* a click on nothing clears the selection (a point of the graph panel
     * that no node covers, whichever layout placed them) */
    const dusk__box *gb = &v->ui.box[DUSK__P_GRAPH];
    SDL_Rect gr = {gb->x, gb->y, gb->w, gb->h};
    int ex = -1, ey = -1;
    for (int yy = gb->y + gb->h - 10; ex < 0 && yy > gb->y + 40; yy -= 7)   /* off the splitters */
        for (int xx = gb->x + 10; xx < gb->x + gb->w - 10; xx += 7)
            if (dusk__graph_hit(v, gr, xx, yy) < 0) {
                ex = xx;
                ey = yy;
                break;
            }
    assert_true(ex >= 0);
    button(v, SDL_MOUSEBUTTONDOWN, ex, ey);
    button(v, SDL_MOUSEBUTTONUP, ex, ey);
    assert_int_equal(v->selected, -1);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* A running task is outlined in its worker's colour. */
static void test_running_outline(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t y = dusk_graph_find(g, "y");
    float nx, ny, side;
    node_px(v, y, &nx, &ny, &side);
    int lx = (int)nx - 2, cy = (int)(ny + side / 2);
    uint32_t before = pix[cy * W + lx];
    dusk_event ev[] = {{.t_ns = 10, .kind = DUSK_EV_READY, .task = y, .worker = 1},
                       {.t_ns = 20, .kind = DUSK_EV_START, .task = y, .worker = 1}};
    dusk_viewer_feed(v, ev, 2);
    frame(v);
    uint32_t ring = pix[cy * W + lx];
    assert_true(ring != before);
    for (int k = 0; k < DUSK_TASK_NSTATES; k++)
        assert_true(ring != rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[k]));
    assert_int_equal(pix[cy * W + (int)(nx + side / 2)], rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_RUNNING]));
    dusk_event end = {.t_ns = 30, .kind = DUSK_EV_END, .task = y, .worker = 1};
    dusk_viewer_feed(v, &end, 1);
    frame(v);
    assert_int_equal(pix[cy * W + lx], before);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* A bar clicked in the task stream selects its task and, in a zoomed-in
 * graph, brings the task's node to the middle of the graph panel. */
static void test_stream_click_finds_task(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t y = dusk_graph_find(g, "y");
    dusk_event ev[] = {{.t_ns = 10, .kind = DUSK_EV_READY, .task = y, .worker = 1},
                       {.t_ns = 20, .kind = DUSK_EV_START, .task = y, .worker = 1},
                       {.t_ns = 1000, .kind = DUSK_EV_END, .task = y, .worker = 1}};
    dusk_viewer_feed(v, ev, 3);
    frame(v);
    /* zoom the graph in far, about its top-left corner: y is off the panel */
    const dusk__box *gb = &v->ui.box[DUSK__P_GRAPH];
    wheel(v, gb->x + 40, gb->y + 40, 12);
    frame(v);
    /* y's bar in the stream, as drawn */
    dusk__frame f;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk__frame_begin(v, ren, &f, "test", &err), 0);
    SDL_FRect bar;
    assert_int_equal(dusk__stream_bar(v, &f, dusk__panel_box(v, DUSK__P_STREAM), y, &bar), 0);
    dusk__frame_end(&f);
    int bx = (int)(bar.x + bar.w / 2), by = (int)(bar.y + bar.h / 2);
    button(v, SDL_MOUSEBUTTONDOWN, bx, by);
    button(v, SDL_MOUSEBUTTONUP, bx, by);
    assert_int_equal(v->selected, y);
    int x, yy;
    centre(v, y, &x, &yy);
    assert_true(abs(x - (gb->x + gb->w / 2)) <= 1 && abs(yy - (gb->y + gb->h / 2)) <= 1);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* --- keys --------------------------------------------------------------------------------- */

static void test_help_lists_every_key(void **state)
{
    (void)state;
    static char lines[64][96];
    size_t n = dusk__help_lines(lines, 64);
    /* every labelled key is on a line, and every action has one */
    for (size_t i = 0; i < dusk__nkeys; i++) {
        const dusk__key *k = &dusk__keys[i];
        int found = 0;
        for (size_t l = 0; l < n && !found; l++) {
            char keys[96];
            memcpy(keys, lines[l], sizeof keys);
            char *tab = strchr(keys, '\t');
            assert_non_null(tab);
            *tab = '\0';
            found = k->label ? contains(keys, k->label) : 1;
        }
        if (!found)
            fail_msg("the help overlay does not list the key %s", k->label);
    }
    for (int a = 0; a < DUSK__NACTIONS; a++) {
        int bound = 0;
        for (size_t i = 0; i < dusk__nkeys; i++)
            bound |= dusk__keys[i].action == a && dusk__keys[i].label != NULL;
        if (!bound)
            fail_msg("action %d has no key the help overlay names", a);
    }
    for (int p = 0; p < DUSK__NPANELS; p++) {
        if (!dusk__panels[p].key)
            continue;
        int found = 0;
        for (size_t l = 0; l < n; l++)
            found |= contains(lines[l], dusk__panels[p].name);
        if (!found)
            fail_msg("the help overlay does not say how to show the %s", dusk__panels[p].name);
    }
    int mouse = 0;
    for (size_t l = 0; l < n; l++)
        mouse += strncmp(lines[l], "wheel\t", 6) == 0 || strncmp(lines[l], "click\t", 6) == 0;
    assert_int_equal(mouse, 2);

    /* h shows it, drawn over the graph; h again hides it */
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    const uint32_t accent = rgb(dusk__theme_at(DUSK__THEME_LIGHT)->accent);
    int accents_before = 0, accents_after = 0;
    for (size_t i = 0; i < (size_t)W * H; i++)
        accents_before += pix[i] == accent;
    assert_int_equal(key(v, SDLK_h, 0), 1);
    assert_int_equal(v->ui.help, 1);
    frame(v);
    for (size_t i = 0; i < (size_t)W * H; i++)
        accents_after += pix[i] == accent;
    assert_true(accents_after > accents_before + 500);   /* its border and key column */
    /* '?' turns its pages (this 800x500 window has 2: a box wide enough for
     * every key would be cut off on the right), then hides it */
    assert_true(v->ui.help_pages >= 1);
    for (int page = 2; page <= v->ui.help_pages; page++) {
        assert_int_equal(key(v, SDLK_SLASH, KMOD_LSHIFT), 1);
        assert_int_equal(v->ui.help, page);
    }
    assert_int_equal(key(v, SDLK_SLASH, KMOD_LSHIFT), 1);   /* '?' */
    assert_int_equal(v->ui.help, 0);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* A window too small for every key (here 360x220: a few lines of two
 * cells, one column) pages the help: each page's box lies inside the
 * window, the pages list every key once in order, h turns them and closes
 * after the last; grown back, one page shows them all. */
static void test_help_pages_in_small_window(void **state)
{
    (void)state;
    char lines[64][96];
    size_t n = dusk__help_lines(lines, 64);
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    dusk_error err = DUSK_ERROR_INIT;
    enum { SW = 360, SH = 220 };
    assert_int_equal(key(v, SDLK_h, 0), 1);
    int next = 0, pages = 0;
    for (int page = 1; v->ui.help != 0; page++) {
        assert_int_equal(v->ui.help, page);
        if (dusk_viewer_render(v, ren, SW, SH, &err) != 0)
            fail_msg("dusk_viewer_render: %s", err.msg);
        const dusk__box *b = &v->ui.help_box;
        if (b->x < 0 || b->y < 0 || b->x + b->w > SW || b->y + b->h > SH)
            fail_msg("page %d of the help is drawn at %d,%d %dx%d, outside the %dx%d window",
                     page, b->x, b->y, b->w, b->h, SW, SH);
        assert_int_equal(v->ui.help_first, next);
        assert_true(v->ui.help_count > 0);
        next += v->ui.help_count;
        pages = v->ui.help_pages;
        assert_true(page <= pages);
        key(v, SDLK_h, 0);
    }
    assert_true(pages > 1);
    assert_int_equal(next, (int)n);   /* every key, once */

    /* the window's default size, 1280x800: one page, h closes it */
    assert_int_equal(key(v, SDLK_h, 0), 1);
    if (dusk_viewer_render(v, ren, 1280, 800, &err) != 0)
        fail_msg("dusk_viewer_render: %s", err.msg);
    assert_int_equal(v->ui.help_pages, 1);
    assert_int_equal(v->ui.help_count, (int)n);
    const dusk__box *b = &v->ui.help_box;
    assert_true(b->x >= 0 && b->y >= 0 && b->x + b->w <= 1280 && b->y + b->h <= 800);
    key(v, SDLK_h, 0);
    assert_int_equal(v->ui.help, 0);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

static void test_keys(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    /* slow motion: s slower through the steps, S faster down to off */
    const double slower[] = {0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.0};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(key(v, SDLK_s, 0), 1);
        assert_true(v->ui.delay == slower[i]);
    }
    for (int i = 5; i >= 0; i--) {
        assert_int_equal(key(v, SDLK_s, KMOD_RSHIFT), 1);
        assert_true(v->ui.delay == (i ? slower[i - 1] : 0.0));
    }
    /* from a delay between the steps (vo.delay = 0.07, or 10): faster is
     * the step below it, slower the one above (10: kept) */
    const double from[] = {0.07, 0.3, 10.0}, faster[] = {0.05, 0.25, 2.0},
                 slower_of[] = {0.1, 0.5, 10.0};
    for (size_t i = 0; i < 3; i++) {
        assert_true(dusk__delay_next(from[i], 0) == faster[i]);
        assert_true(dusk__delay_next(from[i], 1) == slower_of[i]);
    }
    assert_true(dusk__delay_next(0.0, 0) == 0.0);   /* full speed stays */
    assert_true(dusk__delay_next(0.01, 0) == 0.0);
    /* pause, and steps only while paused; Right steps when paused, pans
     * otherwise */
    assert_int_equal(key(v, SDLK_n, 0), 1);
    assert_int_equal(v->ui.steps, 0);
    assert_int_equal(key(v, SDLK_SPACE, 0), 1);
    assert_int_equal(v->ui.paused, 1);
    assert_int_equal(dusk_viewer_paused(v), 1);   /* the run's gate holds */
    key(v, SDLK_n, 0);
    key(v, SDLK_RIGHT, 0);
    assert_int_equal(v->ui.steps, 2);
    assert_true(v->pan_x == 0);
    key(v, SDLK_SPACE, 0);
    assert_int_equal(dusk_viewer_paused(v), 0);
    key(v, SDLK_RIGHT, 0);
    assert_int_equal(v->ui.steps, 2);
    assert_true(v->pan_x == -40.0f);
    key(v, SDLK_s, 0);
    assert_true(dusk_viewer_delay(v) == 0.05);    /* slow motion reaches the gate */
    key(v, SDLK_s, KMOD_RSHIFT);
    assert_true(dusk_viewer_delay(v) == 0.0);
    /* text size */
    key(v, SDLK_EQUALS, KMOD_LCTRL);
    assert_true(fabsf(v->font_scale - 1.25f) < 1e-6f);
    frame(v);
    assert_true(fabsf(v->render->scale - 1.25f) < 1e-6f);   /* the atlas remade */
    key(v, SDLK_MINUS, KMOD_LCTRL);
    assert_true(fabsf(v->font_scale - 1.0f) < 1e-6f);
    /* "ctrl++" as typed on a US layout: ctrl+shift and the '=' key */
    key(v, SDLK_EQUALS, KMOD_LCTRL | KMOD_LSHIFT);
    assert_true(fabsf(v->font_scale - 1.25f) < 1e-6f);
    assert_true(v->zoom == 1.0f);
    key(v, SDLK_MINUS, KMOD_LCTRL);
    /* zoom keys; '-' with ctrl was text, not zoom */
    assert_true(v->zoom == 1.0f);
    key(v, SDLK_PLUS, 0);
    assert_true(v->zoom > 1.2f);
    key(v, SDLK_MINUS, 0);
    assert_true(fabsf(v->zoom - 1.0f) < 1e-5f);
    /* fullscreen, close */
    key(v, SDLK_F11, 0);
    assert_int_equal(v->ui.fullscreen, 1);
    assert_int_equal(v->ui.close, 0);
    key(v, SDLK_q, 0);
    assert_int_equal(v->ui.close, 1);
    /* a key with no binding is not the viewer's */
    assert_int_equal(key(v, SDLK_z, 0), 0);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* The scrubber: keys, the time bar under the status lines, playback. */
/* A frame is drawn when something it shows changed, and skipped while the
 * last one still shows everything: a finished run looked at, nothing
 * touched, costs no drawing; a live run, a playback, an event, a key, a
 * resize, a pause or a second gone draw again. */
static void test_frame_skipped_while_unchanged(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t b = dusk_graph_find(g, "b");
    dusk_event ev[] = {
        {.t_ns = 1000, .kind = DUSK_EV_READY, .task = b, .worker = 0},
        {.t_ns = 2000, .kind = DUSK_EV_START, .task = b, .worker = 0},
    };
    dusk_viewer_feed(v, ev, 1);
    dusk__drawn d = {0};
    assert_true(dusk__frame_due(v, &d, 0, W, H, 5000));    /* the first */
    assert_false(dusk__frame_due(v, &d, 0, W, H, 5016));   /* nothing new */
    assert_false(dusk__frame_due(v, &d, 0, W, H, 5900));
    assert_true(dusk__frame_due(v, &d, 1, W, H, 5916));    /* an SDL event */
    assert_false(dusk__frame_due(v, &d, 0, W, H, 5932));
    dusk_viewer_feed(v, ev + 1, 1);
    assert_true(dusk__frame_due(v, &d, 0, W, H, 5948));    /* an event applied */
    assert_false(dusk__frame_due(v, &d, 0, W, H, 5964));
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 5980));   /* resized */
    assert_false(dusk__frame_due(v, &d, 0, W, H - 10, 5996));
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 6980));   /* a second on */
    dusk_viewer_pause(v, 1);
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 6996));   /* paused elsewhere */
    assert_false(dusk__frame_due(v, &d, 0, W, H - 10, 7012));
    dusk__show(v, 1);   /* scrubbed back */
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 7028));
    assert_false(dusk__frame_due(v, &d, 0, W, H - 10, 7044));
    v->ui.playing = 1;   /* a playback moves by itself */
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 7060));
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 7076));
    v->ui.playing = 0;
    assert_false(dusk__frame_due(v, &d, 0, W, H - 10, 7092));
    v->epoch = dusk_now_ns();   /* a live run followed: its clock moves now */
    dusk_viewer_follow(v);
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 7108));
    assert_true(dusk__frame_due(v, &d, 0, W, H - 10, 7124));
    v->epoch = 0;
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

static void test_scrub_and_play(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t b = dusk_graph_find(g, "b");
    dusk_event ev[] = {
        {.t_ns = 1000, .kind = DUSK_EV_READY, .task = b, .worker = 0},
        {.t_ns = 2000, .kind = DUSK_EV_START, .task = b, .worker = 0},
        {.t_ns = 11000, .kind = DUSK_EV_END, .task = b, .worker = 0, .nbytes = 8, .held = 8},
    };
    dusk_viewer_feed(v, ev, 3);
    frame(v);
    assert_int_equal(dusk_viewer_duration(v), 11000);
    assert_int_equal(dusk_viewer_state(v, b), DUSK_TASK_MEMORY);
    /* Home: the start; '.': forward a 50th; End: live again */
    key(v, SDLK_HOME, 0);
    assert_int_equal(dusk_viewer_time(v), 0);
    assert_int_equal(dusk_viewer_state(v, b), DUSK_TASK_WAITING);
    key(v, SDLK_PERIOD, 0);
    assert_int_equal(dusk_viewer_time(v), 220);
    key(v, SDLK_END, 0);
    assert_int_equal(dusk_viewer_state(v, b), DUSK_TASK_MEMORY);
    /* the time bar: a press at its middle shows the run's middle (b
     * running), a drag to its left end the start, a release at the right
     * end follows the run again */
    frame(v);
    const dusk__box *bar = &v->ui.scrub;
    assert_true(bar->w > 100);
    int y = bar->y + bar->h / 2;
    button(v, SDL_MOUSEBUTTONDOWN, bar->x + (bar->w - 1) / 2, y);
    uint64_t t = dusk_viewer_time(v);
    assert_true(t > 5000 && t < 6000);
    assert_int_equal(dusk_viewer_state(v, b), DUSK_TASK_RUNNING);
    motion(v, bar->x, y, 1);
    assert_int_equal(dusk_viewer_time(v), 0);
    button(v, SDL_MOUSEBUTTONUP, bar->x + bar->w + 5, y);
    assert_int_equal(dusk_viewer_state(v, b), DUSK_TASK_MEMORY);
    /* k plays from the start (as it was at the end), ] doubles the speed,
     * r turns it back */
    key(v, SDLK_k, 0);
    assert_int_equal(v->ui.playing, 1);
    assert_int_equal(dusk_viewer_time(v), 0);
    dusk_viewer_advance(v, 1000);
    assert_int_equal(dusk_viewer_time(v), 1000);
    key(v, SDLK_RIGHTBRACKET, 0);
    dusk_viewer_advance(v, 1000);
    assert_int_equal(dusk_viewer_time(v), 3000);
    key(v, SDLK_r, 0);
    dusk_viewer_advance(v, 500);
    assert_int_equal(dusk_viewer_time(v), 2000);
    key(v, SDLK_k, 0);   /* stopped */
    dusk_viewer_advance(v, 5000);
    assert_int_equal(dusk_viewer_time(v), 2000);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* A playback of a finished run stops at its end (and, backwards, at its
 * start) as a player does: the status no longer says "replay ... (k:
 * stop)", no frame is drawn for it any more, and one k plays it again. */
static void test_play_stops_at_the_end(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t b = dusk_graph_find(g, "b");
    dusk_event ev[] = {
        {.t_ns = 1000, .kind = DUSK_EV_READY, .task = b, .worker = 0},
        {.t_ns = 2000, .kind = DUSK_EV_START, .task = b, .worker = 0},
        {.t_ns = 11000, .kind = DUSK_EV_END, .task = b, .worker = 0, .nbytes = 8, .held = 8},
        {.t_ns = 12000, .kind = DUSK_EV_RUN_END, .task = -1, .worker = -1},
    };
    dusk_viewer_feed(v, ev, 4);
    assert_true(v->run_over);
    key(v, SDLK_k, 0);
    assert_int_equal(v->ui.playing, 1);
    assert_int_equal(dusk_viewer_time(v), 0);
    dusk__play(v, 5000);
    assert_int_equal(dusk_viewer_time(v), 5000);
    assert_int_equal(v->ui.playing, 1);
    dusk__play(v, 1000000);   /* past the end */
    assert_int_equal(dusk_viewer_time(v), 12000);
    assert_int_equal(v->ui.playing, 0);
    dusk__drawn d = {0};
    assert_true(dusk__frame_due(v, &d, 0, W, H, 5000));
    assert_false(dusk__frame_due(v, &d, 0, W, H, 5016));   /* nothing moves */
    /* one k plays it again, from the start */
    key(v, SDLK_k, 0);
    assert_int_equal(v->ui.playing, 1);
    assert_int_equal(dusk_viewer_time(v), 0);
    /* backwards: it stops at the start; k then plays it from the end */
    key(v, SDLK_r, 0);
    dusk__play(v, 1000);
    assert_int_equal(dusk_viewer_time(v), 0);
    assert_int_equal(v->ui.playing, 0);
    key(v, SDLK_k, 0);
    assert_int_equal(v->ui.playing, 1);
    assert_int_equal(dusk_viewer_time(v), 12000);
    dusk__play(v, 4000);
    assert_int_equal(dusk_viewer_time(v), 8000);
    assert_int_equal(v->ui.playing, 1);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

static void test_themes(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    int bg = (b->y + b->h - 4) * W + b->x + 4, strip = (b->y + 2) * W + b->x + b->w - 4;
    assert_int_equal(pix[bg], rgb(dusk__theme_at(DUSK__THEME_LIGHT)->bg));
    assert_int_equal(pix[strip], rgb(dusk__theme_at(DUSK__THEME_LIGHT)->strip));
    key(v, SDLK_t, 0);
    frame(v);
    assert_int_equal(pix[bg], rgb(dusk__theme_at(DUSK__THEME_DARK)->bg));
    assert_int_equal(pix[strip], rgb(dusk__theme_at(DUSK__THEME_DARK)->strip));
    key(v, SDLK_t, 0);
    frame(v);
    assert_int_equal(pix[strip], rgb(dusk__theme_at(DUSK__THEME_CONTRAST)->strip));
    assert_true(pix[strip] != rgb(dusk__theme_at(DUSK__THEME_LIGHT)->strip));
    key(v, SDLK_t, 0);
    assert_int_equal(v->theme, DUSK__THEME_LIGHT);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* At the largest text the graph's legend strip grows with it: its ground
 * reaches below a whole line of text (it stayed 28 px, the labels ran
 * out of it, over the nodes), and no node is placed under it. */
static void test_legend_grows_with_text(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    for (int i = 0; i < 12; i++)
        key(v, SDLK_EQUALS, KMOD_LCTRL);
    assert_true(fabsf(v->font_scale - 4.0f) < 1e-6f);
    frame(v);
    int line = v->render->atlas->h;
    assert_true(line > 40);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    uint32_t strip = rgb(dusk__theme_at(DUSK__THEME_LIGHT)->strip);
    for (int y = b->y; y < b->y + line + 4; y++)
        if (pix[y * W + b->x + 2] != strip)
            fail_msg("legend row %d (of a %d px line): 0x%08x, not the strip's 0x%08x",
                     y - b->y, line, pix[y * W + b->x + 2], strip);
    const char *keys[] = {"a", "b", "x", "y", "z"};
    for (size_t k = 0; k < 5; k++) {
        float x, y, side;
        node_px(v, dusk_graph_find(g, keys[k]), &x, &y, &side);
        if (y < (float)(b->y + line + 8))
            fail_msg("node %s at y %g, under the legend (%d px)", keys[k], (double)(y - b->y),
                     line + 8);
    }
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* In a narrow window the legend takes as many rows as its labels need:
 * every state's swatch is in it (one row cut "released" and "erred" off
 * at 600 px), and no node is placed under it. */
static void test_legend_wraps(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    const int w = 560;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_viewer_render(v, ren, w, H, &err) != 0)
        fail_msg("dusk_viewer_render: %s", err.msg);
    assert_int_equal(SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, pix, W * 4), 0);
    const dusk__box *b = &v->ui.box[DUSK__P_GRAPH];
    assert_true(b->w < 420);
    uint32_t strip = rgb(dusk__theme_at(DUSK__THEME_LIGHT)->strip);
    int bottom = b->y;   /* the legend's ground: from the panel's top down */
    while (bottom < b->y + b->h && pix[bottom * W + b->x + 2] == strip)
        bottom++;
    assert_true(bottom - b->y > 2 * v->render->atlas->h);   /* two rows or more */
    for (int s = DUSK_TASK_READY; s < DUSK_TASK_NSTATES; s++) {
        size_t n = 0;
        for (int y = b->y; y < bottom; y++)
            for (int x = b->x; x < b->x + b->w; x++)
                n += pix[y * W + x] == rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[s]);
        if (n < 100)
            fail_msg("state %d's swatch: %zu pixels in the legend", s, n);
    }
    const char *keys[] = {"a", "b", "x", "y", "z"};
    for (size_t k = 0; k < 5; k++) {
        float x, y, side;
        node_px(v, dusk_graph_find(g, keys[k]), &x, &y, &side);
        assert_true(y >= (float)bottom);
    }
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* A status line longer than the window (a failed run's message) stops
 * before "h: help" instead of being written through it: no pixel of the
 * line's colour where the hint is, and the hint's own pixels there. */
static void test_status_spares_the_hint(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    memset(v->ui.message, 'H', 300);
    v->ui.message[300] = '\0';
    frame(v);
    const dusk__box *st = &v->ui.box[DUSK__P_STATUS];
    assert_true(st->w > 0);
    int line = v->render->atlas->h;
    float hint_w = 0;
    for (const char *c = "h: help"; *c; c++)
        hint_w += (float)v->render->gw[*c - ' '];
    int hx = st->x + st->w - 8 - (int)hint_w;
    uint32_t fg = rgb(dusk__theme_at(DUSK__THEME_LIGHT)->fg);
    uint32_t dim = rgb(dusk__theme_at(DUSK__THEME_LIGHT)->dim);
    size_t hint = 0, before = 0;
    /* the lower line: from the strip's middle down to the time bar */
    for (int y = st->y + st->h / 2 - line / 2; y < st->y + st->h - 12; y++)
        for (int x = st->x; x < st->x + st->w; x++) {
            uint32_t c = pix[y * W + x];
            if (c == fg && x >= hx - 2)
                fail_msg("the status line's text at (%d, %d), in the hint from %d", x, y, hx);
            hint += c == dim && x >= hx;
            before += c == fg && x < hx - 8;
        }
    assert_true(hint > 10);
    assert_true(before > 100);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* --- panels ------------------------------------------------------------------------------- */

static void test_panels_arranged(void **state)
{
    (void)state;
    dusk__ui ui = {0};
    ui.split[DUSK__S_RIGHT] = 0.75f;
    ui.split[DUSK__S_BOTTOM] = 0.5f;
    ui.split[DUSK__S_COLUMN] = 0.5f;
    ui.split[DUSK__S_ROW] = 0.25f;
    dusk__arrange(&ui, DUSK_VIEW_ALL, 1200, 820, 20);
    const dusk__box want[DUSK__NPANELS] = {
        [DUSK__P_GRAPH] = {0, 0, 900, 400},     [DUSK__P_CHUNKS] = {900, 0, 300, 200},
        [DUSK__P_PROGRESS] = {900, 200, 300, 200}, [DUSK__P_STREAM] = {0, 400, 300, 400},
        [DUSK__P_MEMORY] = {300, 400, 900, 400},  [DUSK__P_STATUS] = {0, 800, 1200, 20}};
    for (int k = 0; k < DUSK__NPANELS; k++) {
        const dusk__box *b = &ui.box[k];
        if (memcmp(b, &want[k], sizeof *b) != 0)
            fail_msg("panel %s at %d,%d %dx%d, want %d,%d %dx%d", dusk__panels[k].name, b->x, b->y,
                     b->w, b->h, want[k].x, want[k].y, want[k].w, want[k].h);
    }
    for (int k = 0; k < DUSK__NSPLITS; k++)
        assert_true(ui.split_box[k].w > 0);
    /* hidden: the right column goes, the graph takes the width; no bottom
     * row: the top takes the height */
    dusk__arrange(&ui, DUSK_VIEW_GRAPH | DUSK_VIEW_STREAM | DUSK_VIEW_STATUS, 1200, 820, 20);
    assert_int_equal(ui.box[DUSK__P_GRAPH].w, 1200);
    assert_int_equal(ui.box[DUSK__P_STREAM].w, 1200);
    assert_int_equal(ui.box[DUSK__P_CHUNKS].w, 0);
    assert_int_equal(ui.box[DUSK__P_MEMORY].w, 0);
    assert_int_equal(ui.split_box[DUSK__S_RIGHT].w, 0);
    dusk__arrange(&ui, DUSK_VIEW_GRAPH, 1200, 820, 20);
    assert_true(memcmp(&ui.box[DUSK__P_GRAPH], &(dusk__box){0, 0, 1200, 820}, sizeof(dusk__box)) ==
                0);

    /* in a viewer: keys 1 to 5 hide and show; a splitter drags */
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    v->ui.avail = DUSK_VIEW_ALL;   /* as once every panel is built in */
    frame(v);
    const dusk__box *gb = &v->ui.box[DUSK__P_GRAPH];
    assert_int_equal(gb->w, (int)(W * 0.7f + 0.5f));
    const dusk__box *sb = &v->ui.split_box[DUSK__S_RIGHT];
    int sx = sb->x + sb->w / 2, sy = sb->y + sb->h / 2;
    button(v, SDL_MOUSEBUTTONDOWN, sx, sy);
    motion(v, W / 2 + 10, sy, 1);
    motion(v, W / 2, sy, 1);
    button(v, SDL_MOUSEBUTTONUP, W / 2, sy);
    frame(v);
    assert_int_equal(gb->w, W / 2);
    assert_true(v->pan_x == 0 && v->pan_y == 0);   /* a splitter's drag is no pan */
    /* the nodes still sit in the graph's box, in their colours */
    int x, y;
    fill_point(v, dusk_graph_find(g, "z"), &x, &y);
    assert_true(x < W / 2);
    assert_int_equal(pix[y * W + x], rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
    key(v, SDLK_2, 0);
    key(v, SDLK_5, 0);
    frame(v);
    assert_int_equal(gb->w, W);   /* no right column */
    key(v, SDLK_1, 0);
    frame(v);
    assert_int_equal(gb->w, 0);
    assert_int_equal(v->ui.box[DUSK__P_STREAM].y, 0);   /* the bottom row takes the top */
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* --- screenshots ----------------------------------------------------------------------- */

static uint32_t png_pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    return 0xff000000u | *(const uint32_t *)(d + (size_t)y * (size_t)stride + (size_t)x * 4);
}

static void test_screenshot(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    int64_t b = dusk_graph_find(g, "b");
    dusk_event ev[] = {{.t_ns = 10, .kind = DUSK_EV_READY, .task = b, .worker = 0},
                       {.t_ns = 20, .kind = DUSK_EV_START, .task = b, .worker = 0},
                       {.t_ns = 30, .kind = DUSK_EV_END, .task = b, .worker = 0}};
    dusk_viewer_feed(v, ev, 3);
    const char *path = scratch("shot.png");
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_screenshot(v, ren, W, H, path, &err), 0);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(s), W);
    assert_int_equal(cairo_image_surface_get_height(s), H);
    int x, y;
    fill_point(v, b, &x, &y);
    assert_int_equal(png_pixel(s, x, y), rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_MEMORY]));
    fill_point(v, dusk_graph_find(g, "z"), &x, &y);
    assert_int_equal(png_pixel(s, x, y), rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
    cairo_surface_destroy(s);

    /* p: the next frame goes to dusk-screenshot-N.png, N the first free */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(scratch_dir), 0);
    FILE *f = fopen("dusk-screenshot-1.png", "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(key(v, SDLK_p, 0), 1);
    frame(v);
    assert_true(file_exists("dusk-screenshot-2.png"));
    assert_contains(v->ui.shot_note, "dusk-screenshot-2.png");
    s = cairo_image_surface_create_from_png("dusk-screenshot-2.png");
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(s), W);
    cairo_surface_destroy(s);
    assert_int_equal(chdir(cwd), 0);

    /* a path that cannot be written: EIO naming it, nothing left there */
    assert_int_equal(dusk_viewer_screenshot(v, ren, W, H, "/nonexistent-dusk/x.png", &err),
                     DUSK_EIO);
    assert_contains(err.msg, "/nonexistent-dusk/x.png");
    assert_int_equal(dusk_viewer_screenshot(v, ren, 0, H, path, &err), DUSK_EINVAL);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* --- dusk_view_get ----------------------------------------------------------------------- */

/* The window's options for a run (o, or NULL: dusk_get's defaults) in a
 * W x H window that closes once the run ends, with a screenshot to shot
 * (NULL: none). */
static dusk_view_options closing_window(const dusk_options *o, const char *shot)
{
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    vo.run = o;
    vo.close_when_done = 1;
    vo.width = W;
    vo.height = H;
    vo.screenshot = shot;
    return vo;
}

static int finished;
static void count_finish(void *ud, int status)
{
    (void)ud;
    (void)status;
    finished++;
}

/* vo.stop: a flag turned while the run is paused (its workers wait in the
 * window's gate) closes the window and stops the run: the call returns
 * DUSK_ECANCELED, "interrupted", no task having run. */
static int stop_flag;
static int tasks_started;
static void count_start(void *ud, int64_t task, int worker)
{
    (void)ud;
    (void)task;
    (void)worker;
    __atomic_add_fetch(&tasks_started, 1, __ATOMIC_RELAXED);
}

static void *turn_stop(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 200000000L};
    nanosleep(&ts, NULL);
    __atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void test_view_stop_flag(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_callbacks mine = {.pretask = count_start};
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = &mine;
    o.ncallbacks = 1;
    dusk_view_options vo = closing_window(&o, NULL);
    vo.start_paused = 1;
    vo.stop = &stop_flag;
    stop_flag = tasks_started = 0;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, turn_stop, NULL), 0);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_view_get(g, "z", &vo, &out, &err);
    pthread_join(th, NULL);
    if (rc != DUSK_ECANCELED || strcmp(err.msg, "interrupted") != 0)
        fail_msg("a paused run whose stop turned gave %s \"%s\"", dusk_err_name(rc), err.msg);
    assert_null(out);
    assert_int_equal(__atomic_load_n(&tasks_started, __ATOMIC_RELAXED), 0);
    dusk_graph_free(g);
}

static void test_view_get(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_callbacks mine = {.finish = count_finish};
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = &mine;
    o.ncallbacks = 1;
    dusk_view_options vo = closing_window(&o, scratch("view-get.png"));
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    finished = 0;
    if (dusk_view_get(g, "z", &vo, &out, &err) != 0)
        fail_msg("dusk_view_get: %s", err.msg);
    assert_int_value(out, 13);
    dusk_value_unref(out);
    assert_int_equal(finished, 1);   /* the caller's callbacks are kept */
    cairo_surface_t *s = cairo_image_surface_create_from_png(vo.screenshot);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(s), W);
    assert_int_equal(cairo_image_surface_get_height(s), H);
    cairo_surface_destroy(s);

    /* bad options, before any window: what only a C program can get
     * wrong names the call; what a user of `dusk view` or Python sets is
     * said in their words, naming no C function */
    dusk_stream *st = dusk_stream_new();
    o.stream = st;
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EINVAL);
    assert_contains(err.msg, "dusk_view_get: ");
    assert_contains(err.msg, "stream of their own");
    assert_null(out);
    o.stream = NULL;
    dusk_stream_free(st);
    const char *png = vo.screenshot;
    vo.screenshot = scratch("shot.txt");   /* a PNG under another name: refused */
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EINVAL);
    assert_contains(err.msg, "shot.txt is a PNG: name it .png");
    assert_false(access(vo.screenshot, F_OK) == 0);
    vo.screenshot = png;
    vo.theme = "sepia";
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EINVAL);
    assert_string_equal(err.msg,
                        "the theme \"sepia\" is not one of light, dark, contrast, nor a theme file");
    vo.theme = scratch("gone.theme");
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EIO);
    assert_contains(err.msg, "cannot read the theme ");
    assert_contains(err.msg, "gone.theme: No such file or directory");
    /* a theme of the user's own: dark with one colour changed, drawn */
    const char *theme_file = scratch("mine.theme");
    FILE *tf = fopen(theme_file, "w");
    assert_non_null(tf);
    fputs("# my projector\nbase = dark\nbackground = #123456\n", tf);
    assert_int_equal(fclose(tf), 0);
    vo.theme = theme_file;
    if (dusk_view_get(g, "z", &vo, &out, &err) != 0)
        fail_msg("dusk_view_get with %s: %s", theme_file, err.msg);
    assert_int_value(out, 13);
    dusk_value_unref(out);
    out = NULL;
    s = cairo_image_surface_create_from_png(vo.screenshot);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    long mine_bg = 0, dark_strip = 0;
    uint32_t strip = 0xff000000u | (uint32_t)dusk__theme_at(DUSK__THEME_DARK)->strip[0] << 16 |
                     (uint32_t)dusk__theme_at(DUSK__THEME_DARK)->strip[1] << 8 |
                     dusk__theme_at(DUSK__THEME_DARK)->strip[2];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            mine_bg += png_pixel(s, x, y) == 0xff123456u;
            dark_strip += png_pixel(s, x, y) == strip;
        }
    cairo_surface_destroy(s);
    assert_true(mine_bg > (long)W * H / 10);   /* the panels' background is the file's */
    assert_true(dark_strip > 0);               /* and the strips its base's, dark */
    tf = fopen(theme_file, "w");
    assert_non_null(tf);
    fputs("base = dark\nbackground = blue\n", tf);
    assert_int_equal(fclose(tf), 0);
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EINVAL);
    assert_contains(err.msg, "mine.theme:2: background 'blue' is not a colour #rrggbb");
    assert_null(out);
    vo.theme = "dark";
    vo.delay = -1;
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "the delay -1 s is not 0 or more");
    vo.delay = 0;
    vo.width = -5;
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EINVAL);
    assert_string_equal(err.msg, "the window size -5x500 is negative");
    vo.width = W;
    /* a font scale out of the keys' range: 1000 asked SDL_ttf for a
     * 48 GB glyph atlas, 0.2 drew at 1 */
    const float scales[] = {1000.0f, 0.2f, -1.0f, INFINITY, NAN};
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        vo.font_scale = scales[i];
        assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EINVAL);
        assert_contains(err.msg, "font scale");
        assert_contains(err.msg, "0.5 to 4");
        assert_null(strstr(err.msg, "dusk_"));
        assert_null(out);
    }
    vo.font_scale = 0;
    /* a font that cannot be read fails before anything runs */
    vo.font = "/nonexistent/dusk-font.ttf";
    finished = 0;
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EIO);
    assert_contains(err.msg, "/nonexistent/dusk-font.ttf");
    assert_true(strncmp(err.msg, "cannot open the font ", 21) == 0);   /* not dusk_viewer_render's */
    assert_int_equal(finished, 0);
    assert_null(out);
    vo.font = NULL;
    /* a screenshot that cannot be written: its path, and no C function */
    const char *shot = vo.screenshot;
    vo.screenshot = "/nonexistent-dusk/x.png";
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EIO);
    assert_contains(err.msg, "/nonexistent-dusk/x.png");
    assert_null(strstr(err.msg, "dusk_"));
    assert_null(out);
    vo.screenshot = shot;
    /* an unknown key: dusk_get's error, as dusk_get gives it */
    dusk_error want = DUSK_ERROR_INIT;
    int want_rc = dusk_get(g, "nope", &(dusk_options)DUSK_OPTIONS_INIT, &out, &want);
    assert_int_equal(dusk_view_get(g, "nope", &vo, &out, &err), want_rc);
    assert_string_equal(err.msg, want.msg);
    assert_null(out);
    dusk_graph_free(g);
}

/* dusk_view_compute runs several keys in one run and adds nothing to the
 * graph: the plan the window lays out (the one every listener gets) has
 * the user's tasks only, so no node, bar or count shows a task of dusk's. */
static size_t started_tasks;
static char started_keys[8][16];
static void note_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ud;
    started_tasks = ntasks;
    const int64_t *ids = dusk_plan_tasks(plan);
    for (size_t i = 0; ids && i < ntasks && i < 8; i++)
        snprintf(started_keys[i], sizeof started_keys[i], "%s", dusk_plan_key(plan, ids[i]));
}

static void test_view_compute(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    size_t size = dusk_graph_size(g);
    dusk_callbacks mine = {.start = note_start};
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = &mine;
    o.ncallbacks = 1;
    dusk_view_options vo = closing_window(&o, NULL);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    started_tasks = 0;
    /* two keys, one of them nested twice: ((13, 2), 2) */
    dusk_arg *req = dusk_list(dusk_list(dusk_ref("z"), dusk_ref("b")), dusk_ref("b"));
    if (dusk_view_compute(g, req, &vo, &out, &err) != 0)
        fail_msg("dusk_view_compute: %s", err.msg);
    assert_repr(out, "((13, 2), 2)");
    dusk_value_unref(out);
    assert_int_equal(dusk_graph_size(g), size);   /* no gathering task */
    assert_int_equal(started_tasks, 5);           /* a x b y z */
    for (size_t i = 0; i < started_tasks; i++)
        assert_true(dusk_graph_find(g, started_keys[i]) >= 0 &&
                    dusk_graph_find(g, started_keys[i]) < (int64_t)size);
    /* the request is taken over on every path (ASan: no leak) */
    assert_int_equal(dusk_view_compute(NULL, dusk_list(dusk_ref("z")), &vo, &out, &err),
                     DUSK_EINVAL);
    assert_contains(err.msg, "dusk_view_compute: g is NULL");
    assert_int_equal(dusk_view_compute(g, dusk_ref("z"), &vo, NULL, &err), DUSK_EINVAL);
    assert_int_equal(dusk_view_compute(g, NULL, &vo, &out, &err), DUSK_ENOMEM);
    vo.theme = "sepia";
    assert_int_equal(dusk_view_compute(g, dusk_ref("z"), &vo, &out, &err), DUSK_EINVAL);
    assert_null(out);
    vo.theme = NULL;
    /* a key not in the graph: dusk_compute's error */
    dusk_error want = DUSK_ERROR_INIT;
    int want_rc = dusk_compute(g, dusk_ref("nope"), NULL, &out, &want);
    assert_int_equal(dusk_view_compute(g, dusk_ref("nope"), &vo, &out, &err), want_rc);
    assert_string_equal(err.msg, want.msg);
    assert_null(out);
    dusk_graph_free(g);
}

/* The note a finished run leaves counts its tasks as the status line does:
 * the lecture's a and x are literals, not tasks (b, y, z are). */
static void test_done_note_counts_tasks(void **state)
{
    (void)state;
    dusk_graph *g;
    dusk_viewer *v = lecture_viewer(&g);
    dusk__note_outcome(v, 0, NULL, 1.5);
    assert_string_equal(v->ui.message, "done in 1.50 s: 3 tasks");
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* The screenshot of a failing run shows its failing task in black. */
static void test_view_get_fails(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    static const dusk_func failing = {"fail_task", fail_task, NULL};
    dusk_task(g, "boom", &failing, dusk_ref("a"));
    dusk_task(g, "c", &dusk_inc, dusk_ref("boom"));
    dusk_view_options vo = closing_window(NULL, scratch("failed.png"));
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT, want = DUSK_ERROR_INIT;
    int want_rc = dusk_get(g, "c", NULL, &out, &want);
    assert_true(want_rc != 0);
    assert_int_equal(dusk_view_get(g, "c", &vo, &out, &err), want_rc);
    assert_string_equal(err.msg, want.msg);
    assert_contains(err.msg, "disk on fire");
    assert_null(out);
    /* where the window drew "boom": the same plan, size and font */
    const char *keys[] = {"c"};
    dusk_plan *plan;
    assert_int_equal(dusk_plan_new(g, keys, 1, &plan, &err), 0);
    assert_int_equal(sdl_open(), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_viewer_set_plan(v, plan, &err);
    dusk_plan_unref(plan);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
    dusk_viewer_feed(v, &begin, 1);
    frame(v);
    cairo_surface_t *s = cairo_image_surface_create_from_png(vo.screenshot);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    int x, y;
    fill_point(v, dusk_graph_find(g, "boom"), &x, &y);
    assert_int_equal(png_pixel(s, x, y), rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_ERRED]));
    fill_point(v, dusk_graph_find(g, "c"), &x, &y);
    assert_int_equal(png_pixel(s, x, y), rgb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
    cairo_surface_destroy(s);
    /* the status strip's message: the error the program got, which names
     * the task and says what it said, without the code's name */
    dusk__note_outcome(v, want_rc, want.msg, 1.5);
    const char *msg = v->ui.message;
    assert_true(strncmp(msg, "failed after 1.50 s: ", 21) == 0);
    assert_string_equal(msg + 21, want.msg);
    assert_contains(msg, "'boom'");
    assert_null(strstr(msg, "DUSK_E"));
    dusk__note_outcome(v, DUSK_ENOMEM, "", 0.25);
    assert_string_equal(v->ui.message, "failed after 250.0 ms: out of memory");
    dusk_viewer_free(v);
    dusk_graph_free(g);
    sdl_close();
}

/* Closing the window while a task runs: DUSK_ECANCELED, no value. */
static int slow_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                     void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    sleep_ms(300);
    *out = dusk_int(7);
    return 0;
}

static void close_at_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ud;
    (void)plan;
    (void)ntasks;
    SDL_Event e = {0};
    e.type = SDL_QUIT;
    SDL_PushEvent(&e);   /* as the window's close button does */
}

static void test_view_get_closed(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    static const dusk_func slow = {"slow", slow_task, NULL};
    dusk_task(g, "slow", &slow, dusk_lit_int(1));
    dusk_callbacks cb = {.start = close_at_start};
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 1);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    vo.run = &o;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_view_get(g, "slow", &vo, &out, &err), DUSK_ECANCELED);
    assert_string_equal(err.msg, "the window was closed before the run ended");
    assert_null(out);
    dusk_graph_free(g);
}

/* The lecture's array job in the window: its value, its chunk map drawn
 * with the array's chunks; its trace (recorded by a profiler beside the
 * window) replayed in a window of its own to the end; a trace that is not
 * there: an error naming it, no window. */
static void test_view_array_and_trace(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(10, 5)", DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_profiler *prof = dusk_profiler_new(NULL);
    dusk_callbacks cb = dusk_profiler_callbacks(prof);
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_view_options vo = closing_window(&o, scratch("view-array.png"));
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_view_array_compute(r, &vo, &out, &err) != 0)
        fail_msg("dusk_view_array_compute: %s", err.msg);
    assert_int_equal(dusk_ndarray_ndim(out), 2);
    assert_int_equal(dusk_ndarray_shape(out)[0], 15);
    assert_int_equal(dusk_ndarray_shape(out)[1], 15);
    const double *d = dusk_ndarray_data(out);
    for (int i = 0; i < 225; i++)
        assert_true(d[i] == 0.0);   /* ones minus their mean */
    dusk_value_unref(out);
    cairo_surface_t *png = cairo_image_surface_create_from_png(vo.screenshot);
    assert_int_equal(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_width(png), W);
    cairo_surface_destroy(png);

    const char *trace = scratch("view-array.trace.json");
    if (dusk_profiler_write_trace(prof, trace, NULL, &err) != 0)
        fail_msg("write_trace: %s", err.msg);
    dusk_profiler_free(prof);
    vo.run = NULL;
    vo.screenshot = scratch("view-trace.png");
    if (dusk_view_trace(trace, &vo, &err) != 0)
        fail_msg("dusk_view_trace: %s", err.msg);
    png = cairo_image_surface_create_from_png(vo.screenshot);
    assert_int_equal(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_height(png), H);
    cairo_surface_destroy(png);
    const char *missing = scratch("no-such.trace.json");
    assert_int_not_equal(dusk_view_trace(missing, &vo, &err), 0);
    assert_contains(err.msg, missing);
    dusk_array_ctx_free(ctx);
}

/* Closing the window stops the run itself: of a chain of 40 tasks (the
 * first 500 ms, the others 50 ms), the one running finishes and no other
 * starts. The window is closed as the first task starts, after the run's
 * start callbacks (the viewer's Graphviz layout, which took over 200 ms
 * under ThreadSanitizer at load), and the run is timed from there. The
 * first task is long so that the window's loop, which sees the close at
 * its next frame (slow under a sanitizer at load), has seen it before the
 * chain could go on. */
static atomic_int chain_started;
static _Atomic uint64_t chain_closed_ns;

static int chain_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                      void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    int first = atomic_fetch_add(&chain_started, 1) == 0;
    if (first) {
        atomic_store(&chain_closed_ns, dusk_now_ns());
        close_at_start(NULL, NULL, 0);   /* the close button, during the run */
    }
    sleep_ms(first ? 500 : 50);
    *out = dusk_int(1);
    return 0;
}

static void test_close_stops_run(void **state)
{
    (void)state;
    static const dusk_func link = {"link", chain_task, NULL};
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "c0", &link, dusk_lit_int(0));
    for (int i = 1; i < 40; i++) {
        char k[16], prev[16];
        snprintf(k, sizeof k, "c%d", i);
        snprintf(prev, sizeof prev, "c%d", i - 1);
        dusk_task(g, k, &link, dusk_ref(prev));
    }
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    vo.run = &o;
    atomic_store(&chain_started, 0);
    atomic_store(&chain_closed_ns, 0);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_view_get(g, "c39", &vo, &out, &err), DUSK_ECANCELED);
    assert_string_equal(err.msg, "the window was closed before the run ended");
    uint64_t closed = atomic_load(&chain_closed_ns);
    assert_true(closed > 0);
    double took = (double)(dusk_now_ns() - closed) / 1e9;
    assert_null(out);
    assert_true(atomic_load(&chain_started) <= 2);
    assert_true(took < 1.5);   /* from the close; the rest of the chain takes 2.45 s */
    dusk_graph_free(g);
}

/* No display: a clear DUSK_EIO, and nothing runs. */
static void test_no_display(void **state)
{
    (void)state;
    char *display = getenv("DISPLAY") ? strdup(getenv("DISPLAY")) : NULL;
    unsetenv("DISPLAY");
    unsetenv("WAYLAND_DISPLAY");
    setenv("SDL_VIDEODRIVER", "x11", 1);
    dusk_graph *g = lecture_dsk();
    dusk_callbacks cb = {.finish = count_finish};
    dusk_options o = DUSK_OPTIONS_INIT;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    vo.run = &o;
    finished = 0;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EIO);
    assert_true(strncmp(err.msg, "cannot open a window: ", 22) == 0);
    assert_contains(err.msg, "set DISPLAY or use SDL_VIDEODRIVER=dummy");
    assert_null(out);
    assert_int_equal(finished, 0);
    /* no driver asked for: whichever SDL falls back on (offscreen shows
     * nothing), the call says there is no display, and nothing runs */
    unsetenv("SDL_VIDEODRIVER");
    unsetenv("SDL_RENDER_DRIVER");
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EIO);
    assert_true(strncmp(err.msg, "cannot open a window: ", 22) == 0);
    assert_null(out);
    assert_int_equal(finished, 0);
    /* DISPLAY set to a display that is not there: the message says so,
     * not "set DISPLAY" */
    setenv("DISPLAY", ":9871", 1);
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EIO);
    assert_true(strncmp(err.msg, "cannot open a window: ", 22) == 0);
    assert_contains(err.msg, "DISPLAY is \":9871\" but no window opens there");
    assert_null(strstr(err.msg, "set DISPLAY"));
    setenv("SDL_VIDEODRIVER", "x11", 1);
    assert_int_equal(dusk_view_get(g, "z", &vo, &out, &err), DUSK_EIO);
    assert_contains(err.msg, "DISPLAY is \":9871\" but no window opens there");
    unsetenv("SDL_VIDEODRIVER");
    unsetenv("DISPLAY");
    assert_null(out);
    assert_int_equal(finished, 0);
    dusk_graph_free(g);
    if (display) {
        setenv("DISPLAY", display, 1);
        free(display);
    }
    dummy_driver();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wheel_zooms_about_the_pointer, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_drag_pans, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_hover_tooltip, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_click_selects_and_outlines, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_running_outline, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_stream_click_finds_task, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_help_lists_every_key, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_help_pages_in_small_window, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_keys, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_scrub_and_play, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_play_stops_at_the_end, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_frame_skipped_while_unchanged, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_themes, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_legend_grows_with_text, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_status_spares_the_hint, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_legend_wraps, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_panels_arranged, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_screenshot, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_view_get, live_up, live_down),
        cmocka_unit_test_setup_teardown(test_view_compute, live_up, live_down),
        cmocka_unit_test_setup_teardown(test_done_note_counts_tasks, sdl_up, sdl_down),
        cmocka_unit_test_setup_teardown(test_view_get_fails, live_up, live_down),
        cmocka_unit_test_setup_teardown(test_view_get_closed, live_up, live_down),
        cmocka_unit_test_setup_teardown(test_view_stop_flag, live_up, live_down),
        cmocka_unit_test_setup_teardown(test_close_stops_run, live_up, live_down),
        cmocka_unit_test_setup_teardown(test_view_array_and_trace, live_up, live_down),
        cmocka_unit_test_setup_teardown(test_no_display, live_up, live_down),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
