/*
** dusk tests — the task stream, memory and progress panels and the status
** line (gui/panels.c), headless
**
** SDL's dummy video driver with its software renderer, as test_render.c.
** A run of sleeping tasks on two threads is recorded from a stream and
** replayed into a viewer; each panel is drawn alone into a box and read
** back before any present: a task's bar has its function's colour (the
** profiler's palette) at its mid-time in its worker's row, an idle worker's
** row is background, the progress bars' shares are the counts' shares of
** their width, the status line says the counts, the memory panel's peak is
** the held curve's. The RSS sampler is checked on a live run held by a gate.
*/
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <SDL.h>

#include "core/util.h"
#include "dusk/gui.h"
#include "dusk/profiler.h"
#include "gui/draw.h"
#include "helpers.h"

enum { W = 800, H = 1000 };

static SDL_Window *win;
static SDL_Renderer *ren;
static uint32_t pix[W * H];

static int sdl_up(void **state)
{
    (void)state;
    if (scratch_setup(state) != 0 || sdl_headless_open(W, H, &win, &ren) != 0)
        return -1;
    return 0;
}

static int sdl_down(void **state)
{
    (void)state;
    sdl_headless_close(&win, &ren);
    return scratch_teardown(state);
}

static void viewer_free(dusk_viewer *v)
{
    dusk_viewer_free(v);
}

typedef void (*panel_fn)(dusk_viewer *, dusk__frame *, SDL_Rect);

/* Clears the frame, draws one panel into b and reads the frame back; f
 * stays usable for the geometry helpers (its atlas texture is gone). */
static void draw(dusk_viewer *v, panel_fn panel, SDL_Rect b, dusk__frame *f)
{
    dusk_error err = DUSK_ERROR_INIT;
    SDL_SetRenderDrawColor(ren, 1, 2, 3, 255);   /* outside every box */
    SDL_RenderClear(ren);
    if (dusk__frame_begin(v, ren, f, "test_panels", &err) != 0)
        fail_msg("frame: %s", err.msg);
    panel(v, f, b);
    dusk__frame_end(f);
    assert_int_equal(SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, pix, W * 4), 0);
}

static uint32_t argb(const uint8_t c[3])
{
    return 0xff000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

static uint32_t at(float x, float y)
{
    int ix = (int)x, iy = (int)y;
    assert_true(ix >= 0 && ix < W && iy >= 0 && iy < H);
    return pix[iy * W + ix];
}

/* --- the run ------------------------------------------------------------------ */

/* Three loads of 30 ms, an inc of each, two adds, then one slow task of
 * 80 ms that keeps one of the two workers busy while the other idles. */
static dusk_graph *sleepy_graph(void)
{
    dusk_graph *g = dusk_graph_new();
    for (int i = 0; i < 3; i++) {
        char k[16], l[16];
        snprintf(k, sizeof k, "load-%d", i);
        dusk_task(g, k, &dusk_sleep, dusk_lit_int(30), dusk_lit_int(i));
        snprintf(l, sizeof l, "inc-%d", i);
        dusk_task(g, l, &dusk_inc, dusk_ref(k));
    }
    dusk_task(g, "add-0", &dusk_add, dusk_ref("inc-0"), dusk_ref("inc-1"));
    dusk_task(g, "add-1", &dusk_add, dusk_ref("add-0"), dusk_ref("inc-2"));
    dusk_task(g, "slow", &dusk_sleep, dusk_lit_int(80), dusk_ref("add-1"));
    return g;
}

static dusk_event *record(dusk_graph *g, const char *key, dusk_sched_kind k, int workers,
                          size_t *n)
{
    dusk_stream *s = dusk_stream_new();
    dusk_options o = opts_of(k, workers);
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

/* The same for n keys, on the sync scheduler. */
static dusk_event *record_keys(dusk_graph *g, const char *const *keys, size_t nkeys, size_t *n)
{
    dusk_stream *s = dusk_stream_new();
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.stream = s;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_get_list(g, keys, nkeys, &o, &v, &err);
    dusk_value_unref(v);
    size_t cap = (size_t)dusk_stream_appended(s);
    dusk_event *ev = malloc((cap + 1) * sizeof *ev);
    *n = dusk_stream_drain(s, ev, cap);
    dusk_stream_free(s);
    return ev;
}

static dusk_viewer *replay_viewer(dusk_graph *g, const char *key)
{
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &key, 1, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    return v;
}

static size_t find_event(const dusk_event *ev, size_t n, int kind, int64_t task)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == kind && ev[i].task == task)
            return i;
    fail_msg("no %s event of task %" PRId64, dusk_event_kind_name(kind), task);
    return 0;
}

/* The colour the stream gives key's task (its function's), once drawn. */
static uint32_t task_colour(const dusk_viewer *v, dusk_graph *g, const char *key)
{
    uint8_t c[3];
    assert_int_equal(dusk__stream_colour(v, dusk_graph_find(g, key), c), 0);
    return argb(c);
}

/* --- the task stream ------------------------------------------------------------ */

/* The function palette: its colours apart from each other and from every
 * theme's state colours; a run's functions (inc and identity, which the
 * profiler's hash gives one grey, and sub, whose grey was waiting's) get
 * colours as far apart; literals are no tasks of the stream. */
static void test_function_colours(void **state)
{
    (void)state;
    double closest = 1e9;
    for (int i = 0; i < DUSK__NFUNC_RGB; i++) {
        for (int j = i + 1; j < DUSK__NFUNC_RGB; j++) {
            double d = dusk__rgb_distance(dusk__func_rgb[i], dusk__func_rgb[j]);
            closest = d < closest ? d : closest;
        }
        for (int th = 0; th < DUSK__NTHEMES; th++)
            for (int k = 0; k < DUSK_TASK_NSTATES; k++) {
                double d = dusk__rgb_distance(dusk__func_rgb[i], dusk__theme_at(th)->state[k]);
                closest = d < closest ? d : closest;
            }
    }
    print_message("palette: %d colours, the closest two (or one and a state) %.1f apart\n",
                  DUSK__NFUNC_RGB, closest);
    assert_true(closest >= DUSK__FUNC_RGB_APART);

    static const dusk_func *const fns[] = {&dusk_inc, &dusk_identity, &dusk_sub, &dusk_add,
                                           &dusk_mul, &dusk_neg, &dusk_sum};
    enum { NF = sizeof fns / sizeof fns[0] };
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "lit", dusk_int(3));
    dusk_task(g, "f0", fns[0], dusk_ref("lit"));
    dusk_task(g, "f1", fns[1], dusk_ref("f0"));
    dusk_task(g, "f2", fns[2], dusk_ref("f1"), dusk_ref("lit"));
    dusk_task(g, "f3", fns[3], dusk_ref("f2"), dusk_ref("lit"));
    dusk_task(g, "f4", fns[4], dusk_ref("f3"), dusk_ref("lit"));
    dusk_task(g, "f5", fns[5], dusk_ref("f4"));
    dusk_task(g, "f6", fns[6], dusk_list(dusk_ref("f5"), dusk_ref("lit")));
    size_t n;
    dusk_event *ev = record(g, "f6", DUSK_SCHED_SYNC, 1, &n);
    dusk_viewer *v = replay_viewer(g, "f6");
    assert_int_equal(dusk_viewer_feed(v, ev, n), 0);
    SDL_Rect b = {20, 40, 700, 240};
    dusk__frame f;
    draw(v, dusk__panel_stream, b, &f);
    uint8_t c[NF][3];
    for (int i = 0; i < NF; i++) {
        char key[8];
        snprintf(key, sizeof key, "f%d", i);
        assert_int_equal(dusk__stream_colour(v, dusk_graph_find(g, key), c[i]), 0);
        for (int th = 0; th < DUSK__NTHEMES; th++)
            for (int k = 0; k < DUSK_TASK_NSTATES; k++)
                if (dusk__rgb_distance(c[i], dusk__theme_at(th)->state[k]) < DUSK__FUNC_RGB_APART)
                    fail_msg("%s's colour %02x%02x%02x is near %s's state %d", fns[i]->name,
                             c[i][0], c[i][1], c[i][2], dusk__theme_at(th)->name, k);
        for (int j = 0; j < i; j++)
            if (dusk__rgb_distance(c[i], c[j]) < DUSK__FUNC_RGB_APART)
                fail_msg("%s and %s: colours %02x%02x%02x and %02x%02x%02x", fns[i]->name,
                         fns[j]->name, c[i][0], c[i][1], c[i][2], c[j][0], c[j][1], c[j][2]);
    }
    /* the literal ran (its START is in the log) but is no task: no bar */
    int64_t lit = dusk_graph_find(g, "lit");
    SDL_FRect r;
    assert_int_equal(dusk__stream_colour(v, lit, c[0]), -1);
    assert_int_equal(dusk__stream_bar(v, &f, b, lit, &r), -1);
    assert_int_equal(dusk__stream_bar(v, &f, b, dusk_graph_find(g, "f0"), &r), 0);
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* A theme of the user's own whose running state is the colour inc's bars
 * take with the built-in themes: inc's bars take another, apart from
 * every state of that theme too, so that they never read as running
 * tasks. */
static void test_user_theme_states_apart(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    size_t n;
    dusk_event *ev = record(g, "b", DUSK_SCHED_SYNC, 1, &n);
    SDL_Rect b = {20, 40, 700, 240};
    dusk__frame f;
    uint8_t was[3], c[3];
    dusk_viewer *v = replay_viewer(g, "b");
    assert_int_equal(dusk_viewer_feed(v, ev, n), 0);
    draw(v, dusk__panel_stream, b, &f);
    assert_int_equal(dusk__stream_colour(v, dusk_graph_find(g, "b"), was), 0);
    viewer_free(v);
    const char *path = scratch("running-inc.theme");
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "base = dark\nrunning = #%02x%02x%02x\n", was[0], was[1], was[2]);
    fclose(fp);
    int builtin;
    dusk__theme *user = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk__theme_open(path, &builtin, &user, &err) != 0)
        fail_msg("%s", err.msg);
    v = replay_viewer(g, "b");
    v->theme = builtin;
    v->user_theme = user;   /* the viewer's now */
    assert_int_equal(dusk_viewer_feed(v, ev, n), 0);
    draw(v, dusk__panel_stream, b, &f);
    assert_int_equal(dusk__stream_colour(v, dusk_graph_find(g, "b"), c), 0);
    for (int k = 0; k < DUSK_TASK_NSTATES; k++)
        if (dusk__rgb_distance(c, user->state[k]) < DUSK__FUNC_RGB_APART)
            fail_msg("inc's colour %02x%02x%02x is near the user theme's state %d", c[0], c[1],
                     c[2], k);
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

static void test_stream_bars(void **state)
{
    (void)state;
    dusk_graph *g = sleepy_graph();
    size_t n;
    dusk_event *ev = record(g, "slow", DUSK_SCHED_THREADS, 2, &n);
    dusk_viewer *v = replay_viewer(g, "slow");
    assert_int_equal(dusk_viewer_feed(v, ev, n), 0);
    SDL_Rect b = {20, 40, 700, 240};
    dusk__frame f;
    draw(v, dusk__panel_stream, b, &f);

    static const char *const keys[] = {"load-0", "load-1", "load-2", "inc-0", "inc-1",
                                       "inc-2",  "add-0",  "add-1",  "slow"};
    static const char *const funcs[] = {"sleep", "sleep", "sleep", "inc", "inc",
                                        "inc",   "add",   "add",   "sleep"};
    int64_t slow = dusk_graph_find(g, "slow");
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int64_t t = dusk_graph_find(g, keys[k]);
        const dusk_event *s = &ev[find_event(ev, n, DUSK_EV_START, t)];
        const dusk_event *e = &ev[find_event(ev, n, DUSK_EV_END, t)];
        SDL_FRect r;
        assert_int_equal(dusk__stream_bar(v, &f, b, t, &r), 0);
        /* the bar is in its worker's row (worker 0 on top) and inside the box */
        float cy = r.y + r.h / 2, half = (float)b.y + (float)b.h / 2;
        assert_true(r.y >= (float)b.y && r.y + r.h <= (float)(b.y + b.h));
        assert_true(s->worker ? cy > half + 10 : cy < half - 10);
        /* its pixel at its mid-time: the function's colour; only the long
         * tasks are wider than a pixel and cannot be covered by a later bar */
        if (r.w >= 4) {
            float mid = r.x + r.w / 2, y = r.y + r.h / 2;
            if (at(mid, y) != task_colour(v, g, keys[k]))
                fail_msg("%s: pixel 0x%08x at its mid-time, want %s's 0x%08x", keys[k],
                         at(mid, y), funcs[k], task_colour(v, g, keys[k]));
            assert_int_equal(dusk__stream_hit(v, &f, b, (int)mid, (int)y), t);
        }
        (void)e;
    }
    /* The time axis is linear: slow's bar is as long, relative to the
     * whole run, as its duration. */
    SDL_FRect rs, rl;
    assert_int_equal(dusk__stream_bar(v, &f, b, slow, &rs), 0);
    assert_int_equal(dusk__stream_bar(v, &f, b, dusk_graph_find(g, "load-0"), &rl), 0);
    const dusk_event *s0 = &ev[find_event(ev, n, DUSK_EV_START, slow)];
    const dusk_event *e0 = &ev[find_event(ev, n, DUSK_EV_END, slow)];
    const dusk_event *sl = &ev[find_event(ev, n, DUSK_EV_START, dusk_graph_find(g, "load-0"))];
    double px_per_ns = (double)(rs.x - rl.x) / (double)(s0->t_ns - sl->t_ns);
    assert_true(fabs((double)(rs.w + 1) - px_per_ns * (double)(e0->t_ns - s0->t_ns)) < 3.0);

    /* While slow runs the other worker idles: its row (a row is a bar's
     * height and its two 1-pixel gaps) is background. */
    int other = 1 - s0->worker;
    float gap_x = rs.x + rs.w / 2, gap_y = rs.y + rs.h / 2 + (float)(other - s0->worker) * (rs.h + 2);
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        int64_t t = dusk_graph_find(g, keys[k]);
        SDL_FRect r;
        if (ev[find_event(ev, n, DUSK_EV_START, t)].worker == other &&
            dusk__stream_bar(v, &f, b, t, &r) == 0) {
            assert_true(fabs((r.y + r.h / 2) - gap_y) < 1);   /* that row */
            assert_true(r.x + r.w < gap_x - 2);   /* no task of that worker runs then */
        }
    }
    assert_int_equal(at(gap_x, gap_y), argb(dusk__theme_at(DUSK__THEME_LIGHT)->bg));
    assert_int_equal(dusk__stream_hit(v, &f, b, (int)gap_x, (int)gap_y), -1);
    assert_int_equal(dusk__stream_hit(v, &f, b, b.x + 2, b.y + 2), -1);   /* the strip */

    /* The selected task and what it needs are outlined in the accent; an
     * unrelated task is not. */
    v->selected = slow;
    draw(v, dusk__panel_stream, b, &f);
    uint32_t accent = argb(dusk__theme_at(DUSK__THEME_LIGHT)->accent);
    assert_int_equal(at(rs.x + rs.w / 2, rs.y + 1), accent);
    SDL_FRect ra;
    assert_int_equal(dusk__stream_bar(v, &f, b, dusk_graph_find(g, "add-1"), &ra), 0);
    assert_int_equal(at(ra.x, ra.y + ra.h / 2), accent);
    assert_int_equal(at(rl.x + rl.w / 2, rl.y + 1), task_colour(v, g, "slow"));

    /* Scrubbed back to slow's START: slow runs "now" (its bar reaches the
     * plot's right end) and nothing after it is drawn. */
    size_t si = find_event(ev, n, DUSK_EV_START, slow);
    v->shown = si + 1;
    v->selected = -1;
    draw(v, dusk__panel_stream, b, &f);
    assert_int_equal(dusk__stream_bar(v, &f, b, slow, &rs), 0);
    assert_true(rs.w <= 2);
    SDL_FRect r1;
    assert_int_equal(dusk__stream_bar(v, &f, b, dusk_graph_find(g, "load-0"), &r1), 0);
    assert_true(r1.w > rl.w);   /* the window is shorter: the same bar wider */
    v->shown = si;   /* before slow's START */
    assert_int_equal(dusk__stream_bar(v, &f, b, slow, &rs), -1);

    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* A run of 20,001 tiny tasks on 2 workers, many bars to a pixel: the
 * stream drawn row by row, bisecting past the bars painted pixels hide,
 * has exactly the pixels of the walk over every bar, at points through
 * the run, scrolled, in rows far apart and in rows that touch. */
static void test_stream_rows_bisected(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(10001, &root);
    size_t n;
    dusk_event *ev = record(g, root, DUSK_SCHED_THREADS, 2, &n);
    dusk_viewer *v = replay_viewer(g, root);
    assert_int_equal(dusk_viewer_feed(v, ev, n), 0);
    static uint32_t walked[W * H];
    /* rows far apart, and rows with no gap (4 px high: put in order) */
    SDL_Rect boxes[] = {{0, 0, 800, 300}, {10, 20, 300, 90}, {10, 20, 300, 65}};
    size_t points[] = {n / 7, n / 2, n - 1, n};
    double spans[] = {10, 1e-4};
    int bisected = 0;
    for (size_t bi = 0; bi < 3; bi++)
        for (size_t pi = 0; pi < 4; pi++)
            for (size_t si = 0; si < 2; si++) {
                dusk__show(v, points[pi]);
                v->stream_span = spans[si];
                dusk__frame f;
                dusk__stream_walk_all = 1;
                draw(v, dusk__panel_stream, boxes[bi], &f);
                assert_false(dusk__stream_walked_rows);
                memcpy(walked, pix, sizeof pix);
                dusk__stream_walk_all = 0;
                draw(v, dusk__panel_stream, boxes[bi], &f);
                bisected += dusk__stream_walked_rows;
                assert_memory_equal(pix, walked, sizeof pix);
            }
    assert_int_equal(bisected, 24);   /* a run's rows are mono: never walked */
    free(ev);
    viewer_free(v);
    dusk_graph_free(g);
}


/* A live run waits for the viewer's start callback to lay it out before
 * its first task: the task stream begins where the layout ended, not with
 * a gap as long as it, on the run's time axis still. The recorded run is
 * put after a real start callback's layout (L ns) and squeezed into L ns,
 * so the plot from 0 would put the first bar half-way across. */
static void test_stream_from_layout(void **state)
{
    (void)state;
    dusk_graph *g = sleepy_graph();
    size_t n;
    dusk_event *ev = record(g, "slow", DUSK_SCHED_THREADS, 2, &n);
    const char *key = "slow";
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &key, 1, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    cb.start(cb.ud, plan, dusk_plan_ntasks(plan));   /* as core calls it */
    int64_t first = -1, last = -1;
    uint64_t s0 = 0, e1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == DUSK_EV_START && first < 0) {
            first = ev[i].task;
            s0 = ev[i].t_ns;
        }
        if (ev[i].kind == DUSK_EV_END) {
            last = ev[i].task;
            e1 = ev[i].t_ns;
        }
    }
    assert_int_equal(dusk_viewer_feed(v, ev, 1), 0);   /* the RUN_BEGIN adopts the layout */
    uint64_t L = dusk_viewer_layout_ns(v);
    assert_true(L > 1 && e1 > s0);
    /* [s0, e1] -> [L, 2 L]; the first READYs, before s0, into [0, L) as a
     * live run stamps them before its workers start (the recorded run's
     * first START may come later than this layout took, on a busy machine) */
    for (size_t i = 1; i < n; i++)
        ev[i].t_ns = ev[i].t_ns >= s0
                         ? L + (uint64_t)((double)(ev[i].t_ns - s0) * (double)L / (double)(e1 - s0))
                         : (uint64_t)((double)ev[i].t_ns * (double)(L - 1) / (double)s0);
    assert_int_equal(dusk_viewer_feed(v, ev + 1, n - 1), 0);
    SDL_Rect b = {20, 40, 700, 240};
    dusk__frame f;
    draw(v, dusk__panel_stream, b, &f);
    SDL_FRect rf, rl;
    assert_int_equal(dusk__stream_bar(v, &f, b, first, &rf), 0);
    assert_int_equal(dusk__stream_bar(v, &f, b, last, &rl), 0);
    float plot_w = rl.x + rl.w - rf.x;
    assert_true(rf.x < (float)b.x + 60);   /* at the plot's left, not half-way */
    assert_true(plot_w > 0.8f * (float)b.w);
    assert_int_equal(at(rf.x + 1, rf.y + rf.h / 2), task_colour(v, g, "slow"));
    /* the axis is the run's time from L: slow's START where its time says */
    int64_t slow = dusk_graph_find(g, "slow");
    SDL_FRect rs;
    assert_int_equal(dusk__stream_bar(v, &f, b, slow, &rs), 0);
    double want = (double)(ev[find_event(ev, n, DUSK_EV_START, slow)].t_ns - L) / (double)L;
    assert_true(fabs((double)(rs.x - rf.x) / (double)plot_w - want) < 0.01);
    /* the memory curve's time axis starts where the stream's does (it
     * started at 0, the stream at L: ~80 ms apart in a class's window) */
    draw(v, dusk__panel_memory, b, &f);
    print_message("stream %.3f..%.3f ms, memory %.3f..%.3f ms (layout %.3f ms)\n",
                  (double)dusk__axis_drawn[0][0] / 1e6, (double)dusk__axis_drawn[0][1] / 1e6,
                  (double)dusk__axis_drawn[1][0] / 1e6, (double)dusk__axis_drawn[1][1] / 1e6,
                  (double)L / 1e6);
    assert_true(dusk__axis_drawn[0][0] == L);
    assert_true(dusk__axis_drawn[1][0] == dusk__axis_drawn[0][0]);
    assert_true(dusk__axis_drawn[1][1] == dusk__axis_drawn[0][1]);
    viewer_free(v);

    /* a run no start callback laid out (a replay) starts at 0, as before */
    v = replay_viewer(g, "slow");
    assert_int_equal(dusk_viewer_feed(v, ev, n), 0);
    assert_int_equal(dusk_viewer_layout_ns(v), 0);
    draw(v, dusk__panel_stream, b, &f);
    assert_int_equal(dusk__stream_bar(v, &f, b, first, &rf), 0);
    assert_true(rf.x > (float)b.x + 0.4f * (float)b.w);   /* after the gap */
    viewer_free(v);
    dusk_plan_unref(plan);
    free(ev);
    dusk_graph_free(g);
}

/* Past stream_span the window scrolls: the first tasks leave the plot. */
static void test_stream_scrolls(void **state)
{
    (void)state;
    dusk_graph *g = sleepy_graph();
    size_t n;
    dusk_event *ev = record(g, "slow", DUSK_SCHED_THREADS, 2, &n);
    dusk_viewer *v = replay_viewer(g, "slow");
    dusk_viewer_feed(v, ev, n);
    v->stream_span = 0.05;   /* the last 50 ms: slow alone (80 ms) */
    SDL_Rect b = {0, 0, W, 200};
    dusk__frame f;
    draw(v, dusk__panel_stream, b, &f);
    SDL_FRect r;
    assert_int_equal(dusk__stream_bar(v, &f, b, dusk_graph_find(g, "load-0"), &r), -1);
    assert_int_equal(dusk__stream_bar(v, &f, b, dusk_graph_find(g, "slow"), &r), 0);
    assert_int_equal(at(r.x + r.w / 2, r.y + r.h / 2), task_colour(v, g, "slow"));
    /* a window longer than the run shows all of it again */
    v->stream_span = 10;
    draw(v, dusk__panel_stream, b, &f);
    assert_int_equal(dusk__stream_bar(v, &f, b, dusk_graph_find(g, "load-0"), &r), 0);
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* --- progress ------------------------------------------------------------------- */

static int done_state(int s)
{
    return s == DUSK_TASK_MEMORY || s == DUSK_TASK_RELEASED;
}

/* Pixels of row y from x0 on whose colour is one of cs (nc of them), in a run. */
static int run_of(int x0, int y, int xmax, const uint32_t *cs, int nc)
{
    int x = x0;
    for (; x < xmax; x++) {
        uint32_t p = pix[y * W + x];
        int ok = 0;
        for (int k = 0; k < nc; k++)
            ok |= p == cs[k];
        if (!ok)
            break;
    }
    return x - x0;
}

static const dusk_plan *sort_plan;
static int by_priority(const void *a, const void *b)
{
    int64_t x = dusk_plan_priority(sort_plan, *(const int64_t *)a);
    int64_t y = dusk_plan_priority(sort_plan, *(const int64_t *)b);
    return (x > y) - (x < y);
}

static void check_progress(dusk_viewer *v, dusk_graph *g, const dusk_plan *plan, SDL_Rect b)
{
    dusk__frame f;
    draw(v, dusk__panel_progress, b, &f);
    /* the groups in order of first appearance in static order, counted here */
    size_t nt = dusk_plan_ntasks(plan);
    const int64_t *tasks = dusk_plan_tasks(plan);
    int64_t *by_prio = malloc(nt * sizeof *by_prio);
    memcpy(by_prio, tasks, nt * sizeof *by_prio);
    sort_plan = plan;
    qsort(by_prio, nt, sizeof *by_prio, by_priority);
    char names[64][32];
    size_t ng = 0, total[64] = {0}, done[64] = {0}, erred[64] = {0}, running[64] = {0};
    for (size_t i = 0; i < nt; i++) {
        char grp[32];
        dusk_key_split(dusk_graph_key(g, by_prio[i]), grp, sizeof grp);
        size_t k = 0;
        while (k < ng && strcmp(names[k], grp) != 0)
            k++;
        if (k == ng)
            strcpy(names[ng++], grp);
        int s = dusk_viewer_state(v, by_prio[i]);
        total[k]++;
        done[k] += done_state(s);
        erred[k] += s == DUSK_TASK_ERRED;
        running[k] += s == DUSK_TASK_RUNNING;
    }
    free(by_prio);
    uint32_t cdone[2] = {argb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_RELEASED]),
                         argb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_MEMORY])};
    uint32_t cerr = argb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_ERRED]);
    uint32_t crun = argb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_RUNNING]);
    size_t k = 0;
    for (;; k++) {
        const char *name;
        SDL_Rect bar;
        size_t tot;
        if (dusk__progress_row(v, &f, b, k, &name, &bar, &tot) != 0)
            break;
        assert_true(k < ng);
        assert_string_equal(name, names[k]);
        assert_int_equal(tot, total[k]);
        int y = bar.y + bar.h / 2, xmax = bar.x + bar.w;
        int wd = run_of(bar.x, y, xmax, cdone, 2);
        int we = run_of(bar.x + wd, y, xmax, &cerr, 1);
        int wr = run_of(bar.x + wd + we, y, xmax, &crun, 1);
        double want_d = (double)done[k] / (double)total[k] * bar.w;
        double want_e = (double)erred[k] / (double)total[k] * bar.w;
        double want_r = (double)running[k] / (double)total[k] * bar.w;
        if (fabs(wd - want_d) > 1 || fabs(we - want_e) > 1 || fabs(wr - want_r) > 1)
            fail_msg("group %s: done/erred/running %d/%d/%d px, want %.1f/%.1f/%.1f of %d "
                     "(%zu/%zu/%zu of %zu)",
                     name, wd, we, wr, want_d, want_e, want_r, bar.w, done[k], erred[k],
                     running[k], total[k]);
    }
    assert_int_equal(k, ng < 40 ? ng : 40);
}

static void test_progress_bars(void **state)
{
    (void)state;
    dusk_graph *g = sleepy_graph();
    size_t n;
    dusk_event *ev = record(g, "slow", DUSK_SCHED_THREADS, 2, &n);
    const char *key = "slow";
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &key, 1, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_viewer_set_plan(v, plan, &err);
    SDL_Rect b = {10, 300, 600, 250};
    /* at every event: the shares follow the counts */
    for (size_t i = 0; i < n; i++) {
        dusk_viewer_feed(v, &ev[i], 1);
        check_progress(v, g, plan, b);
    }
    viewer_free(v);
    free(ev);

    /* a failing run: the erred share in black */
    dusk_graph *bad = dusk_graph_new();
    dusk_task(bad, "a-0", &dusk_inc, dusk_lit_str("not a number"));
    dusk_task(bad, "a-1", &dusk_inc, dusk_lit_int(1));
    dusk_task(bad, "b-0", &dusk_add, dusk_ref("a-0"), dusk_ref("a-1"));
    ev = record(bad, "b-0", DUSK_SCHED_SYNC, 1, &n);
    dusk_plan_unref(plan);
    key = "b-0";
    assert_int_equal(dusk_plan_new(bad, &key, 1, &plan, &err), 0);
    v = dusk_viewer_new(NULL);
    dusk_viewer_set_plan(v, plan, &err);
    dusk_viewer_feed(v, ev, n);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_ERRED), 1);
    check_progress(v, bad, plan, b);
    viewer_free(v);
    free(ev);
    dusk_plan_unref(plan);
    dusk_graph_free(bad);
    dusk_graph_free(g);
}

/* Fifty groups: forty rows, then "... 10 more". */
static void test_progress_many_groups(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    for (int i = 0; i < 50; i++) {
        char k[16];
        snprintf(k, sizeof k, "g%02d-0", i);
        dusk_task(g, k, &dusk_inc, dusk_lit_int(i));
    }
    const char *keys[50];
    char kb[50][16];
    for (int i = 0; i < 50; i++) {
        snprintf(kb[i], sizeof kb[i], "g%02d-0", i);
        keys[i] = kb[i];
    }
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, 50, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_viewer_set_plan(v, plan, &err);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
    dusk_viewer_feed(v, &begin, 1);
    SDL_Rect b = {0, 0, W, H};   /* room for more than 41 rows */
    dusk__frame f;
    check_progress(v, g, plan, b);
    draw(v, dusk__panel_progress, b, &f);
    const char *name;
    SDL_Rect bar, last;
    size_t tot;
    assert_int_equal(dusk__progress_row(v, &f, b, 39, &name, &last, &tot), 0);
    assert_int_equal(dusk__progress_row(v, &f, b, 40, &name, &bar, &tot), -1);
    /* the "... 10 more" line under the last bar has text on it */
    int y0 = last.y + last.h + 2, ink = 0;
    uint32_t bg = argb(dusk__theme_at(DUSK__THEME_LIGHT)->bg);
    for (int y = y0; y < y0 + f.line; y++)
        for (int x = 8; x < 200; x++)
            ink += pix[y * W + x] != bg;
    assert_true(ink > 20);
    viewer_free(v);
    dusk_plan_unref(plan);
    dusk_graph_free(g);
}

/* Fifty groups, one failing past the fortieth: its row takes the last
 * one's place, so that the failure is not hidden under "... 10 more". */
static void test_progress_erred_group_shown(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    const char *keys[50];
    char kb[50][16];
    for (int i = 0; i < 50; i++) {
        snprintf(kb[i], sizeof kb[i], "g%02d-0", i);
        keys[i] = kb[i];
        if (i == 45)
            dusk_task(g, kb[i], &dusk_inc, dusk_lit_str("not a number"));
        else
            dusk_task(g, kb[i], &dusk_inc, dusk_lit_int(i));
    }
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, 50, &plan, &err), 0);
    size_t n;
    dusk_event *ev = record_keys(g, keys, 50, &n);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_viewer_set_plan(v, plan, &err);
    dusk_viewer_feed(v, ev, n);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_ERRED), 1);
    SDL_Rect b = {0, 0, W, H};
    dusk__frame f;
    draw(v, dusk__panel_progress, b, &f);
    const char *name;
    SDL_Rect bar;
    size_t tot;
    int seen45 = 0;
    for (size_t k = 0; k < 40; k++) {
        assert_int_equal(dusk__progress_row(v, &f, b, k, &name, &bar, &tot), 0);
        seen45 += strcmp(name, "g45") == 0;
        if (k < 39)   /* the others in plan order */
            assert_true(strncmp(name, "g", 1) == 0 && atoi(name + 1) == (int)k);
    }
    assert_int_equal(seen45, 1);
    assert_int_equal(dusk__progress_row(v, &f, b, 39, &name, &bar, &tot), 0);
    assert_string_equal(name, "g45");
    /* its bar is the erred black */
    uint32_t cerr = argb(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_ERRED]);
    assert_int_equal(pix[(bar.y + bar.h / 2) * W + bar.x + 2], cerr);
    viewer_free(v);
    free(ev);
    dusk_plan_unref(plan);
    dusk_graph_free(g);
}

/* The status line and the progress panel count tasks as Dask's ProgressBar
 * does (dask/diagnostics/progress.py: ready + waiting + running +
 * finished; a literal, 'a': 1, goes to its cache, none of them; an alias
 * is a task): the lecture's graph with an alias of z is 4 tasks, b y z w,
 * not 6, while the graph and its legend still show the literals' nodes. */
static void test_counts_are_dasks(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    assert_int_equal(dusk_graph_alias(g, "w", "z"), 0);
    size_t n;
    dusk_event *ev = record(g, "w", DUSK_SCHED_SYNC, 1, &n);
    dusk_viewer *v = replay_viewer(g, "w");
    int64_t a = dusk_graph_find(g, "a"), x = dusk_graph_find(g, "x");
    /* up to the second literal's END: both done, which the line leaves out */
    size_t upto = find_event(ev, n, DUSK_EV_END, a);
    size_t ex = find_event(ev, n, DUSK_EV_END, x);
    upto = (upto > ex ? upto : ex) + 1;
    dusk_viewer_feed(v, ev, upto);
    assert_true(done_state(dusk_viewer_state(v, a)) && done_state(dusk_viewer_state(v, x)));
    size_t done = 0;
    const char *tasks[] = {"b", "y", "z", "w"};
    for (int i = 0; i < 4; i++)
        done += done_state(dusk_viewer_state(v, dusk_graph_find(g, tasks[i])));
    char got[512], want[64];
    snprintf(want, sizeof want, "tasks done %zu / 4 ", done);
    dusk__status_line(v, got, sizeof got);
    assert_contains(got, want);
    dusk_viewer_feed(v, ev + upto, n - upto);
    dusk__status_line(v, got, sizeof got);
    assert_contains(got, "tasks done 4 / 4 ");
    /* the legend counts the nodes drawn, the literals' too */
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_MEMORY) +
                         dusk_viewer_count(v, DUSK_TASK_RELEASED), 6);
    /* a bar per group of tasks, none for the literals */
    dusk__frame f;
    SDL_Rect b = {0, 0, W, 400};
    draw(v, dusk__panel_progress, b, &f);
    size_t k = 0, total = 0;
    for (;; k++) {
        const char *name;
        SDL_Rect bar;
        size_t tot;
        if (dusk__progress_row(v, &f, b, k, &name, &bar, &tot) != 0)
            break;
        if (!strcmp(name, "a") || !strcmp(name, "x"))
            fail_msg("a progress bar for the literal '%s'", name);
        total += tot;
    }
    assert_int_equal(k, 4);
    assert_int_equal(total, 4);
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* --- status line and memory ------------------------------------------------------- */

static void with_commas(char *buf, size_t n, uint64_t x)
{
    char d[32], out[48];
    int len = snprintf(d, sizeof d, "%" PRIu64, x), o = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = d[i];
    }
    out[o] = '\0';
    snprintf(buf, n, "%s", out);
}

static void test_status_line(void **state)
{
    (void)state;
    char got[512], want[512];
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk__status_line(v, got, sizeof got);
    assert_string_equal(got, "tasks done 0 / 0 \xc2\xb7 elapsed 0 ns \xc2\xb7 0 tasks/s \xc2\xb7 "
                             "workers busy 0/0 \xc2\xb7 events dropped 0");
    viewer_free(v);

    /* a run of 4,095 tasks: thousands of tasks a second */
    const char *root;
    dusk_graph *g = tree_graph(2048, &root);
    size_t n;
    dusk_event *ev = record(g, root, DUSK_SCHED_THREADS, 2, &n);
    v = replay_viewer(g, root);
    /* half-way, then at the end */
    for (int part = 0; part < 2; part++) {
        size_t upto = part ? n : n / 2;
        dusk_viewer_feed(v, ev + (part ? n / 2 : 0), part ? n - n / 2 : n / 2);
        size_t done = 0, busy = 0, total = 0;
        for (int64_t t = 0; t < (int64_t)dusk_graph_size(g); t++) {
            int s = dusk_viewer_state(v, t);
            total += s >= 0;
            done += done_state(s);
        }
        for (int w = 0; w < 2; w++)
            busy += dusk_viewer_worker_task(v, w) >= 0;
        uint64_t el = ev[upto - 1].t_ns - ev[0].t_ns;
        char elapsed[32], rate[48];
        dusk__fmt_ns(elapsed, sizeof elapsed, (double)el);
        with_commas(rate, sizeof rate, (uint64_t)((double)done / ((double)el / 1e9) + 0.5));
        snprintf(want, sizeof want,
                 "tasks done %zu / %zu \xc2\xb7 elapsed %s \xc2\xb7 %s tasks/s \xc2\xb7 "
                 "workers busy %zu/2 \xc2\xb7 events dropped 0",
                 done, total, elapsed, rate, busy);
        size_t len = dusk__status_line(v, got, sizeof got);
        assert_string_equal(got, want);
        assert_int_equal(len, strlen(want));
        if (part) {
            assert_int_equal(done, total);
            assert_non_null(strchr(rate, ','));   /* 4,095 tasks in well under a second */
        }
    }
    /* cut short, it says how long it wanted */
    char small[16];
    size_t len = dusk__status_line(v, small, sizeof small);
    assert_int_equal(len, strlen(want));
    assert_int_equal(strlen(small), sizeof small - 1);
    /* the panel draws it: ink on the strip */
    dusk__frame f;
    SDL_Rect b = {0, H - 30, W, 30};
    draw(v, dusk__panel_status, b, &f);
    int ink = 0;
    uint32_t strip = argb(dusk__theme_at(DUSK__THEME_LIGHT)->strip);
    for (int x = 0; x < W; x++)
        ink += pix[(H - 15) * W + x] != strip;
    assert_true(ink > 50);
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);

    /* a failed run says which task failed, by its key, in the user's
     * words: no code's name (DUSK_ETYPE) */
    g = dusk_graph_new();
    dusk_task(g, "parse-1", &dusk_inc, dusk_lit_str("not a number"));
    ev = record(g, "parse-1", DUSK_SCHED_SYNC, 1, &n);
    v = replay_viewer(g, "parse-1");
    dusk_viewer_feed(v, ev, n);
    dusk__status_line(v, got, sizeof got);
    assert_int_equal(ev[n - 1].kind, DUSK_EV_RUN_END);
    assert_true(ev[n - 1].status != 0);
    assert_contains(got, "tasks done 0 / 1 \xc2\xb7 ");
    assert_contains(got, "events dropped 0 \xc2\xb7 task 'parse-1' failed");
    assert_null(strstr(got, "DUSK_E"));
    assert_null(strstr(got, "#"));
    viewer_free(v);
    free(ev);
    /* a run that failed with no task's error (out of memory before any
     * ran) says what in words; a stopped one, that it stopped */
    static const int status[] = {DUSK_ENOMEM, DUSK_ECANCELED};
    static const char *const said[] = {"\xc2\xb7 run failed: out of memory",
                                       "\xc2\xb7 run stopped"};
    for (int k = 0; k < 2; k++) {
        v = replay_viewer(g, "parse-1");
        dusk_event end[] = {
            {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1},
            {.t_ns = 1000, .kind = DUSK_EV_RUN_END, .task = -1, .worker = -1,
             .status = status[k]},
        };
        assert_int_equal(dusk_viewer_feed(v, end, 2), 0);
        size_t wanted = dusk__status_line(v, got, sizeof got);
        assert_int_equal(wanted, strlen(got));
        assert_true(wanted > strlen(said[k]));
        assert_string_equal(got + wanted - strlen(said[k]), said[k]);
        assert_null(strstr(got, "DUSK_E"));
        viewer_free(v);
    }
    dusk_graph_free(g);

    /* a viewer behind its stream says by how much, until it catches up;
     * its run is laid out before it starts (the start callback), so it
     * shows at the first pump */
    g = tree_graph(8192, &root);
    v = dusk_viewer_new(NULL);
    dusk_callbacks cb = dusk_viewer_callbacks(v);
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    assert_int_equal(dusk_get(g, root, &o, &out, NULL), 0);
    dusk_value_unref(out);
    assert_true(dusk_viewer_pump_for(v, 1) > 0);
    char cnt[48];
    with_commas(cnt, sizeof cnt, dusk_viewer_backlog(v));
    assert_true(dusk_viewer_backlog(v) > 0);
    snprintf(want, sizeof want, "events dropped 0 \xc2\xb7 catching up: %s events", cnt);
    dusk__status_line(v, got, sizeof got);
    assert_contains(got, want);
    assert_contains(got, "tasks done 0 / 16383 ");
    assert_null(strstr(got, "laying out"));
    dusk_viewer_pump(v);
    dusk__status_line(v, got, sizeof got);
    assert_null(strstr(got, "catching up"));
    viewer_free(v);

    /* a plan given with dusk_viewer_set_plan (16,383 tasks) is laid out
     * by the pump, over the next pumps */
    v = dusk_viewer_new(NULL);
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &root, 1, &plan, &err), 0);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    o.callbacks = NULL;
    o.ncallbacks = 0;
    o.stream = dusk_viewer_stream(v);
    assert_int_equal(dusk_get(g, root, &o, &out, NULL), 0);
    dusk_value_unref(out);
    assert_int_equal(dusk_viewer_pump_for(v, 1), 1);
    dusk__status_line(v, got, sizeof got);
    assert_contains(got, "catching up: ");
    assert_contains(got, " events \xc2\xb7 laying out 16,383 tasks");
    assert_contains(got, "tasks done 0 / 0 ");
    while (dusk_viewer_count(v, DUSK_TASK_WAITING) == 0)
        dusk_viewer_pump_for(v, 1);
    dusk__status_line(v, got, sizeof got);
    assert_null(strstr(got, "laying out"));
    assert_contains(got, "catching up: ");
    dusk_viewer_pump(v);
    dusk__status_line(v, got, sizeof got);
    assert_null(strstr(got, "catching up"));
    viewer_free(v);
    dusk_graph_free(g);
}

/* The memory stats a frame carries on from the frame before equal those
 * summed afresh, and the curve drawn from its blocks' minima and maxima
 * has the pixels of the one that reads every point (a wide panel and a
 * narrow one, many points a column): as a run comes in piece by piece,
 * scrubbed back, played forward again, and after a second run of the
 * same plan. */
static void test_memory_stats_carried(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(2000, &root);
    size_t n;
    dusk_event *ev = record(g, root, DUSK_SCHED_THREADS, 2, &n);
    dusk_viewer *v = replay_viewer(g, root);
    SDL_Rect box = {0, 100, W, 300};
    dusk__frame f;
    int carried = 0;
    for (int run = 0; run < 2; run++) {
        /* the first run in 10 pieces, the second (same plan) in 3 */
        size_t step = n / (run ? 3 : 10) + 1;
        for (size_t fed = 0; fed < n; fed += step) {
            size_t k = fed + step < n ? step : n - fed;
            assert_int_equal(dusk_viewer_feed(v, ev + fed, k), 0);
            size_t shows[] = {0, v->nlog / 3, v->nlog / 2, v->nlog / 5, v->nlog};
            for (size_t si = 0; si < 5; si++) {
                if (si == 4)
                    dusk_viewer_follow(v);
                else if (si)
                    dusk__show(v, shows[si]);
                static uint32_t walked[W * H];
                SDL_Rect narrow = {10, 50, 90, 200};
                dusk__memory_walk_all = 1;
                draw(v, dusk__panel_memory, narrow, &f);
                memcpy(walked, pix, sizeof pix);
                dusk__memory_walk_all = 0;
                draw(v, dusk__panel_memory, narrow, &f);
                assert_memory_equal(pix, walked, sizeof pix);
                dusk__memory_walk_all = 1;
                draw(v, dusk__panel_memory, box, &f);
                memcpy(walked, pix, sizeof pix);
                dusk__memory_walk_all = 0;
                draw(v, dusk__panel_memory, box, &f);   /* sums kept in its cache */
                assert_memory_equal(pix, walked, sizeof pix);
                dusk__memory_stats m, fresh;
                assert_non_null(v->panels);
                dusk__memory_stats_of(v, &m);
                carried += m.n[0] > 0;
                struct dusk__panels *P = v->panels;
                v->panels = NULL;   /* no cache: summed from the first point */
                dusk__memory_stats_of(v, &fresh);
                v->panels = P;
                assert_memory_equal(&m, &fresh, sizeof m);
            }
        }
    }
    assert_true(carried > 20);
    free(ev);
    viewer_free(v);
    dusk_graph_free(g);
}

/* Pixel (x, y) is in r, give or take the pixel r's fractional edges
 * round to. */
static int in_box(const SDL_FRect *r, int x, int y)
{
    return (float)x >= r->x - 1 && (float)x < r->x + r->w + 1 && (float)y >= r->y - 1 &&
           (float)y < r->y + r->h + 1;
}

static void test_memory_peak(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(256, &root);
    size_t n;
    dusk_event *ev = record(g, root, DUSK_SCHED_THREADS, 2, &n);
    dusk_viewer *v = replay_viewer(g, root);
    dusk_viewer_feed(v, ev, n);
    uint64_t peak;
    const dusk_held_point *pts;
    size_t np = dusk_viewer_held(v, &pts, &peak);
    assert_true(np > 2 && peak > 0);
    dusk__memory_stats m;
    dusk__memory_stats_of(v, &m);
    assert_int_equal(m.peak[0], peak);
    assert_int_equal(m.now[0], pts[np - 1].held);
    assert_int_equal(m.n[1], 0);   /* a replay: no RSS */
    char got[64], want[64], b[32];
    dusk__memory_label(&m, 0, 1, got, sizeof got);
    dusk__fmt_bytes(b, sizeof b, (double)peak);
    snprintf(want, sizeof want, "held peak %s", b);
    assert_string_equal(got, want);

    /* drawn: the peak's dot (7 x 7 in the held colour) is the curve's
     * highest point */
    SDL_Rect box = {0, 100, W, 300};
    dusk__frame f;
    draw(v, dusk__panel_memory, box, &f);
    uint32_t held = argb((const uint8_t[]){0xff, 0x7f, 0x0e});
    SDL_FRect card;   /* the label's card, framed in the held colour */
    assert_int_equal(dusk__memory_peak_box(v, 0, &card), 0);
    int top = -1, dot_y = -1;
    for (int y = box.y + 28; y < box.y + box.h && dot_y < 0; y++)
        for (int x = 0; x + 7 <= W && dot_y < 0; x++) {
            if (pix[y * W + x] != held || in_box(&card, x, y))
                continue;
            if (top < 0)
                top = y;
            int solid = 1;
            for (int dy = 0; dy < 7 && solid; dy++)
                for (int dx = 0; dx < 7 && solid; dx++)
                    solid = y + dy < H && pix[(y + dy) * W + x + dx] == held;
            if (solid)
                dot_y = y;
        }
    assert_true(dot_y > 0);
    assert_true(top >= dot_y - 1 && top <= dot_y + 3);   /* nothing held is drawn above it */

    /* scrubbed back to the first quarter: the peak is that part's */
    v->shown = n / 4;
    dusk__memory_stats_of(v, &m);
    uint64_t part = 0;
    for (size_t i = 0; i < np && pts[i].t_ns <= ev[n / 4 - 1].t_ns; i++)
        part = pts[i].held > part ? pts[i].held : part;
    assert_int_equal(m.peak[0], part);
    assert_true(part <= peak);
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* --- RSS sampling on a live run ------------------------------------------------------- */

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int open;
} gate;

static void gate_pretask(void *ud, int64_t task, int worker)
{
    (void)task, (void)worker;
    gate *gt = ud;
    pthread_mutex_lock(&gt->mu);
    while (!gt->open)
        pthread_cond_wait(&gt->cv, &gt->mu);
    pthread_mutex_unlock(&gt->mu);
}

typedef struct live {
    dusk_graph *g;
    const char *key;
    dusk_callbacks cb[2];
    dusk_stream *s;
    int rc;
} live;

static void *run_live(void *arg)
{
    live *l = arg;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = l->cb;
    o.ncallbacks = 2;
    o.stream = l->s;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    l->rc = dusk_get(l->g, l->key, &o, &out, &err);
    dusk_value_unref(out);
    return NULL;
}

/* hog(n): helpers.h's hog_task, n MiB held 300 ms once the other hog holds its own. */
static const dusk_func hog = {"panels_hog", hog_task, NULL};

typedef struct pool_run {
    dusk_graph *g;
    dusk_stream *s;
    dusk_callbacks cb;
    int rc;
} pool_run;

static void *run_pool(void *arg)
{
    pool_run *l = arg;
    dusk_options o = opts_of(DUSK_SCHED_PROCESSES, 2);
    o.callbacks = &l->cb;
    o.ncallbacks = 1;
    o.stream = l->s;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    l->rc = dusk_get(l->g, "both", &o, &out, &err);
    dusk_value_unref(out);
    return NULL;
}

/* During a processes run the memory curve is the pool's: two worker
 * processes holding 48 MiB each show in its samples, though this process
 * never holds them. */
static void test_rss_sampler_pool(void **state)
{
    (void)state;
    dusk_func_register(&hog);
    dusk_viewer *v = dusk_viewer_new(NULL);
    pool_run l = {.g = dusk_graph_new(), .s = dusk_viewer_stream(v),
                  .cb = dusk_viewer_callbacks(v)};
    hogs_held(1);
    assert_int_equal(dusk_task(l.g, "h1", &hog, dusk_lit_int(48)), 0);
    assert_int_equal(dusk_task(l.g, "h2", &hog, dusk_lit_int(48)), 0);
    assert_int_equal(dusk_task(l.g, "both", &dusk_add, dusk_ref("h1"), dusk_ref("h2")), 0);
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, res = 0;
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%ld %ld", &size, &res), 2);
    fclose(f);
    uint64_t mine = (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);

    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run_pool, &l), 0);
    uint64_t top = 0;
    for (int i = 0; i < 20000 && !v->run_over; i++) {
        dusk_viewer_pump(v);
        size_t n0 = v->nrss;
        dusk__rss_sample(v, dusk_now_ns());
        if (v->nrss > n0 && v->rss[v->nrss - 1].held > top)
            top = v->rss[v->nrss - 1].held;
        sleep_ms(1);
    }
    pthread_join(th, NULL);
    assert_int_equal(l.rc, 0);
    print_message("this process %.0f MiB, the pool's peak in the window %.0f MiB\n",
                  mine / 1048576.0, top / 1048576.0);
    assert_true(top >= mine + (80u << 20));
    dusk_viewer_free(v);
    dusk_graph_free(l.g);
}

static void test_rss_sampler(void **state)
{
    (void)state;
    dusk_viewer *v = dusk_viewer_new(NULL);
    uint64_t t = dusk_now_ns();
    dusk__rss_sample(v, t);   /* no run followed: nothing */
    assert_int_equal(v->nrss, 0);

    gate gt = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    live l = {.g = lecture_dsk(), .key = "z", .s = dusk_viewer_stream(v)};
    l.cb[0] = dusk_viewer_callbacks(v);
    l.cb[1] = (dusk_callbacks){.ud = &gt, .pretask = gate_pretask};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, run_live, &l), 0);
    for (int i = 0; i < 5000 && v->nlog == 0; i++) {
        dusk_viewer_pump(v);
        sleep_ms(1);
    }
    assert_int_equal(v->log[0].kind, DUSK_EV_RUN_BEGIN);
    assert_false(v->run_over);

    t = dusk_now_ns();
    dusk__rss_sample(v, t);
    assert_int_equal(v->nrss, 1);
    assert_true(v->rss[0].held > 1024 * 1024);   /* this process's resident bytes */
    assert_true(v->rss[0].t_ns >= v->log[v->nlog - 1].t_ns);
    dusk__rss_sample(v, t + 5000000);    /* 5 ms later: too soon */
    dusk__rss_sample(v, t + 19000000);
    assert_int_equal(v->nrss, 1);
    dusk__rss_sample(v, t + 25000000);   /* 25 ms later */
    assert_int_equal(v->nrss, 2);
    assert_int_equal(v->rss[1].t_ns - v->rss[0].t_ns, 25000000);
    for (int k = 2; k < 600; k++)        /* grows past its first 256 */
        dusk__rss_sample(v, t + (uint64_t)k * 25000000);
    assert_int_equal(v->nrss, 600);

    pthread_mutex_lock(&gt.mu);
    gt.open = 1;
    pthread_cond_broadcast(&gt.cv);
    pthread_mutex_unlock(&gt.mu);
    pthread_join(th, NULL);
    assert_int_equal(l.rc, 0);
    dusk_viewer_pump(v);
    assert_true(v->run_over);
    dusk__rss_sample(v, t + 600 * 25000000ull);   /* the run has ended */
    assert_int_equal(v->nrss, 600);

    /* the memory panel shows the RSS curve's peak */
    dusk__memory_stats m;
    dusk__memory_stats_of(v, &m);
    assert_true(m.n[1] > 0);
    viewer_free(v);
    dusk_graph_free(l.g);
}

/* Every panel with nothing to show, and in each theme, does not fail. */
static void test_empty_and_themes(void **state)
{
    (void)state;
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk__frame f;
    static const panel_fn panels[] = {dusk__panel_stream, dusk__panel_memory,
                                      dusk__panel_progress, dusk__panel_status};
    for (size_t k = 0; k < 4; k++) {
        draw(v, panels[k], (SDL_Rect){5, 5, 300, 200}, &f);
        /* the title strip (or status strip) is there, and nothing outside the box */
        assert_int_equal(at(100, 8), argb(dusk__theme_at(0)->strip));
        assert_int_equal(at(310, 100), 0xff010203u);
    }
    assert_int_equal(dusk__stream_hit(v, &f, (SDL_Rect){5, 5, 300, 200}, 100, 100), -1);
    viewer_free(v);

    dusk_graph *g = sleepy_graph();
    size_t n;
    dusk_event *ev = record(g, "slow", DUSK_SCHED_THREADS, 2, &n);
    v = replay_viewer(g, "slow");
    dusk_viewer_feed(v, ev, n);
    for (int th = 0; th < DUSK__NTHEMES; th++) {
        v->theme = th;
        for (size_t k = 0; k < 4; k++) {
            draw(v, panels[k], (SDL_Rect){0, 0, W, 150}, &f);
            assert_int_equal(at(W - 2, 2), argb(dusk__theme_at(th)->strip));
        }
        /* a box too small for anything but its strip */
        for (size_t k = 0; k < 4; k++)
            draw(v, panels[k], (SDL_Rect){0, 0, 20, 10}, &f);
    }
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* The time axes' labels never meet (ticks every 90 px put "252800 us"
 * on "253000 us" for a 1.5 ms run that began 250 ms in, and every label
 * on the next at 4x text), and never use an exponent. */
static void test_tick_labels_apart(void **state)
{
    (void)state;
    dusk_viewer *v = dusk_viewer_new(NULL);
    const float scales[] = {0.5f, 1.0f, 4.0f};
    const struct { float w; uint64_t lo, hi; } axes[] = {
        {510, 252800000, 254300000},   /* the window's task stream, a short array job */
        {300, 0, 270000000},           /* its memory axis */
        {200, 1100000000, 1100010000}, /* 10 us, 1.1 s in */
        {60, 0, 1000000000},
        {2000, 123456789, 987654321},
    };
    for (size_t k = 0; k < sizeof scales / sizeof scales[0]; k++) {
        v->font_scale = scales[k];
        dusk__frame f;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk__frame_begin(v, ren, &f, "test_panels", &err) != 0)
            fail_msg("frame: %s", err.msg);
        for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++) {
            double first, range = (double)(axes[i].hi - axes[i].lo);
            double step = dusk__tick_step(&f, axes[i].w, axes[i].lo, axes[i].hi, &first);
            float px = (float)(step / range) * axes[i].w;
            size_t ticks = 0;
            for (double t = first; t <= (double)axes[i].hi; t += step, ticks++) {
                char s[32];
                dusk__tick_label(s, sizeof s, t, step, (double)axes[i].hi);
                assert_null(strchr(s, 'e'));
                /* labels are centred on their ticks: two meet when one is
                 * wider than the ticks are apart */
                if (t + step <= (double)axes[i].hi && dusk__text_width(&f, s) >= px)
                    fail_msg("scale %g, axis %zu: label '%s' is %g px wide, ticks %g px apart",
                             (double)scales[k], i, s, (double)dusk__text_width(&f, s),
                             (double)px);
            }
            /* still a scale to read where two labels fit, one where none do */
            assert_true(ticks >= 1);
            if (axes[i].w >= 200 && scales[k] <= 1)
                assert_true(ticks >= 2);
        }
        dusk__frame_end(&f);
    }
    char s[32];
    /* the unit of the axis's end, the decimals of the step */
    dusk__tick_label(s, sizeof s, 1100003000.0, 1000.0, 1100010000.0);
    assert_string_equal(s, "1.100003 s");
    dusk__tick_label(s, sizeof s, 250000000.0, 5e7, 270000000.0);
    assert_string_equal(s, "250 ms");
    dusk__tick_label(s, sizeof s, 1500000.0, 5e5, 2000000.0);
    assert_string_equal(s, "1.5 ms");
    dusk__tick_label(s, sizeof s, 176500000.0, 5e5, 254300000.0);
    assert_string_equal(s, "176.5 ms");
    dusk__tick_label(s, sizeof s, 0.0, 5e5, 254300000.0);
    assert_string_equal(s, "0.0 ms");
    dusk__tick_label(s, sizeof s, 0.4, 0.2, 0.4);   /* a run of no length's axis */
    assert_string_equal(s, "0.4 ns");
    viewer_free(v);
}

/* A group name too long for the labels' column (at most 45% of the
 * panel) is shortened; its count stays whole ("mean_agg-aggregate 4/"
 * was cut there in the window's default 384 px column). */
static void test_progress_label_keeps_count(void **state)
{
    (void)state;
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk__frame f;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk__frame_begin(v, ren, &f, "test_panels", &err) != 0)
        fail_msg("frame: %s", err.msg);
    char s[300];
    const char *name = "mean_agg-aggregate";
    dusk__progress_label(&f, name, 4, 4, 1000, s, sizeof s);
    assert_string_equal(s, "mean_agg-aggregate 4/4");
    float full = dusk__text_width(&f, s);
    for (float room = full - 1; room > 10; room -= 7) {
        dusk__progress_label(&f, name, 4, 4, room, s, sizeof s);
        size_t n = strlen(s);
        assert_true(n >= 3 && strcmp(s + n - 3, "4/4") == 0);
        if (dusk__text_width(&f, s) > room && strcmp(s, "4/4") != 0)
            fail_msg("'%s' is %g px, room %g", s, (double)dusk__text_width(&f, s), (double)room);
        if (strcmp(s, "4/4") != 0) {
            assert_non_null(strstr(s, "... 4/4"));
            size_t kept = (size_t)(strstr(s, "...") - s);
            assert_memory_equal(s, name, kept);
            /* cut where a word ends ("mean_agg", "mean"), not mid-word,
             * unless the first word alone is too wide */
            char first[16];
            snprintf(first, sizeof first, "mean... 4/4");
            if (dusk__text_width(&f, first) <= room && !strchr("-_", name[kept]))
                fail_msg("'%s' (room %g) cuts '%s' mid-word", s, (double)room, name);
        }
    }
    dusk__frame_end(&f);
    viewer_free(v);
}

/* The demo's task groups in the window's default right column (384 px):
 * every label is drawn whole ("mean_agg-aggregate 20/20" was cut to
 * "mean_agg-aggr... 20/20" by a column capped at 45%), left of its bar,
 * and the bars keep 30% of the panel; in a panel too narrow for that the
 * labels shorten at a word's end. */
static void test_progress_names_whole(void **state)
{
    (void)state;
    static const char *const grp[] = {"original-array", "array", "mean_chunk",
                                      "mean_agg-aggregate", "sub"};
    static const int count[] = {1, 40, 40, 20, 40};
    dusk_graph *g = dusk_graph_new();
    const char *keys[141];
    char names[141][64];
    size_t nk = 0;
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < count[k]; i++) {
            snprintf(names[nk], sizeof names[nk], "('%s-4c1e9b7f2a6d0358', %d)", grp[k], i);
            dusk_task(g, names[nk], &dusk_inc, dusk_lit_int(i));
            keys[nk] = names[nk];
            nk++;
        }
    size_t n;
    dusk_event *ev = record_keys(g, keys, nk, &n);
    dusk_plan *plan;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, nk, &plan, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, plan, &err), 0);
    dusk_plan_unref(plan);
    dusk_viewer_feed(v, ev, n);
    for (int pass = 0; pass < 2; pass++) {
        SDL_Rect b = {10, 100, pass ? 200 : 384, 300};
        dusk__frame f;
        draw(v, dusk__panel_progress, b, &f);
        size_t rows = 0, whole = 0;
        for (size_t k = 0;; k++) {
            const char *name;
            SDL_Rect bar;
            size_t tot;
            if (dusk__progress_row(v, &f, b, k, &name, &bar, &tot) != 0)
                break;
            rows++;
            char want[128], got[128];
            snprintf(want, sizeof want, "%s %zu/%zu", name, tot, tot);
            float room = (float)(bar.x - 8 - (b.x + 8));   /* the labels' column */
            dusk__progress_label(&f, name, (uint32_t)tot, (uint32_t)tot, room, got,
                                 sizeof got);
            assert_true(bar.w >= b.w * 3 / 10 - 1);
            assert_true(dusk__text_width(&f, got) <= room + 1);
            if (!strcmp(got, want)) {
                whole++;
                continue;
            }
            assert_true(pass == 1);
            /* shortened at the end of a word of the name */
            const char *dots = strstr(got, "...");
            assert_non_null(dots);
            size_t kept = (size_t)(dots - got);
            assert_memory_equal(got, name, kept);
            assert_non_null(strchr("-_", name[kept]));
        }
        assert_int_equal(rows, 5);
        if (pass == 0)
            assert_int_equal(whole, 5);
        else
            assert_true(whole < 5);
    }
    viewer_free(v);
    free(ev);
    dusk_graph_free(g);
}

/* Counts the pixels of exactly colour c in rows y0..y1 of the frame read back. */
static size_t count_colour(uint32_t c, int y0, int y1)
{
    size_t n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < W; x++)
            n += pix[y * W + x] == c;
    return n;
}

/* A peak at the top of the memory axis (8 B held, an axis to 8 B) has its
 * value written whole, not half under the title strip: the plot holds as
 * many pixels of the text colour (only the peak's label has it there) as
 * the label drawn alone. */
static void test_memory_peak_label_whole(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viewer *v = replay_viewer(g, "z");
    int64_t b = dusk_graph_find(g, "b");
    dusk_event ev[] = {
        {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1},
        {.t_ns = 1000, .kind = DUSK_EV_READY, .task = b, .worker = 0},
        {.t_ns = 2000, .kind = DUSK_EV_START, .task = b, .worker = 0},
        {.t_ns = 3000, .kind = DUSK_EV_END, .task = b, .worker = 0, .nbytes = 8, .held = 8},
        {.t_ns = 4000, .kind = DUSK_EV_RUN_END, .task = -1, .worker = -1, .held = 8},
    };
    assert_int_equal(dusk_viewer_feed(v, ev, 5), 0);
    SDL_Rect box = {0, 100, W, 300};
    dusk__frame f;
    draw(v, dusk__panel_memory, box, &f);
    uint32_t fg = argb(f.th->fg);
    size_t in_plot = count_colour(fg, box.y + 28, box.y + box.h);
    /* the label alone, on a clear frame */
    dusk__memory_stats m;
    dusk__memory_stats_of(v, &m);
    char label[64];
    dusk__memory_label(&m, 0, 1, label, sizeof label);
    assert_string_equal(label, "held peak 8 B");
    SDL_SetRenderDrawColor(ren, 255, 255, 255, 255);
    SDL_RenderClear(ren);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk__frame_begin(v, ren, &f, "test_panels", &err), 0);
    dusk__text(&f, 20, 20, label, f.th->fg);
    dusk__frame_end(&f);
    assert_int_equal(SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, pix, W * 4), 0);
    size_t alone = count_colour(fg, 0, H);
    assert_true(alone > 20);
    if (in_plot != alone)
        fail_msg("the peak's label: %zu pixels of the text colour in the plot, %zu drawn alone",
                 in_plot, alone);
    viewer_free(v);
    dusk_graph_free(g);
}

/* Both peaks labelled readably: each value on a card of its own, saying
 * which series it is ("held peak 1.00 kiB", "RSS peak 1.10 kiB"), inside the
 * plot, apart from the other card, and with no pixel of either curve
 * inside it (the curves ran through the bare text); the highest peak's
 * card above its dot. The strip gives the current values, "held now"
 * and "RSS now". */
static void test_memory_peak_cards(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viewer *v = replay_viewer(g, "z");
    int64_t b = dusk_graph_find(g, "b"), y = dusk_graph_find(g, "y");
    dusk_event ev[] = {
        {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1},
        {.t_ns = 1000000, .kind = DUSK_EV_READY, .task = b, .worker = 0},
        {.t_ns = 2000000, .kind = DUSK_EV_START, .task = b, .worker = 0},
        {.t_ns = 3000000, .kind = DUSK_EV_END, .task = b, .worker = 0, .nbytes = 1024,
         .held = 1024},
        {.t_ns = 4000000, .kind = DUSK_EV_READY, .task = y, .worker = 0, .held = 1024},
        {.t_ns = 5000000, .kind = DUSK_EV_START, .task = y, .worker = 0, .held = 1024},
        {.t_ns = 9000000, .kind = DUSK_EV_END, .task = y, .worker = 0, .nbytes = 8, .held = 900},
        {.t_ns = 10000000, .kind = DUSK_EV_RUN_END, .task = -1, .worker = -1, .held = 900},
    };
    assert_int_equal(dusk_viewer_feed(v, ev, 8), 0);
    /* an RSS series just above held's, peaking at the same moment: the
     * cards would meet where each is put by its dot alone */
    static const uint64_t rss_t[] = {0, 2000000, 3000000, 6000000, 10000000};
    static const uint64_t rss_b[] = {600, 900, 1130, 1100, 1000};
    v->rss = dusk_malloc(5 * sizeof *v->rss);
    assert_non_null(v->rss);
    for (int i = 0; i < 5; i++)
        v->rss[i] = (dusk_held_point){.t_ns = rss_t[i], .held = rss_b[i]};
    v->nrss = v->rss_cap = 5;
    dusk__memory_stats m;
    dusk__memory_stats_of(v, &m);
    assert_int_equal(m.peak[0], 1024);
    assert_int_equal(m.peak[1], 1130);
    char label[64];
    dusk__memory_label(&m, 1, 1, label, sizeof label);
    assert_string_equal(label, "RSS peak 1.10 kiB");
    dusk__memory_label(&m, 0, 1, label, sizeof label);
    assert_string_equal(label, "held peak 1.00 kiB");
    dusk__memory_label(&m, 0, 0, label, sizeof label);
    assert_string_equal(label, "held now 900 B");

    static const SDL_Rect boxes[] = {{0, 100, W, 300}, {0, 100, 420, 160}};
    for (int t = 0; t < DUSK__NTHEMES; t++)
        for (size_t k = 0; k < sizeof boxes / sizeof boxes[0]; k++) {
            SDL_Rect box = boxes[k];
            v->theme = t;
            dusk__frame f;
            draw(v, dusk__panel_memory, box, &f);
            SDL_FRect c[2];
            assert_int_equal(dusk__memory_peak_box(v, 0, &c[0]), 0);
            assert_int_equal(dusk__memory_peak_box(v, 1, &c[1]), 0);
            uint32_t held = argb((const uint8_t[]){0xff, 0x7f, 0x0e});
            uint32_t rss = argb((const uint8_t[]){0x1f, 0x77, 0xb4});
            uint32_t fg = argb(f.th->fg);
            int strip_h = f.line + 8 > 28 ? f.line + 8 : 28;
            for (int s = 0; s < 2; s++) {
                /* inside the panel, below its strip */
                assert_true(c[s].x >= (float)box.x && c[s].x + c[s].w <= (float)(box.x + box.w));
                assert_true(c[s].y >= (float)(box.y + strip_h) &&
                            c[s].y + c[s].h <= (float)(box.y + box.h));
                /* inside its frame: text, and nothing of either curve */
                int ring = f.th->stroke, text = 0;
                for (int yy = (int)c[s].y + ring + 1; yy < (int)(c[s].y + c[s].h) - ring - 1; yy++)
                    for (int xx = (int)c[s].x + ring + 1; xx < (int)(c[s].x + c[s].w) - ring - 1;
                         xx++) {
                        uint32_t p = pix[yy * W + xx];
                        if (p == held || p == rss)
                            fail_msg("theme %d box %zu: a curve's pixel at (%d, %d) in the "
                                     "card of series %d",
                                     t, k, xx, yy, s);
                        text += p == fg;
                    }
                assert_true(text > 20);
            }
            if (c[0].x < c[1].x + c[1].w && c[1].x < c[0].x + c[0].w && c[0].y < c[1].y + c[1].h &&
                c[1].y < c[0].y + c[0].h)
                fail_msg("theme %d box %zu: the cards meet", t, k);
            /* the RSS peak is the highest point: its card is above its dot,
             * whose top row is the highest RSS pixel of the plot */
            int dot_top = -1;
            for (int yy = box.y + strip_h; yy < box.y + box.h && dot_top < 0; yy++)
                for (int xx = box.x; xx < box.x + box.w; xx++)
                    if (pix[yy * W + xx] == rss && !in_box(&c[0], xx, yy) &&
                        !in_box(&c[1], xx, yy)) {
                        dot_top = yy;
                        break;
                    }
            assert_true(dot_top > 0);
            if (!(c[1].y + c[1].h <= (float)dot_top + 1))
                fail_msg("theme %d box %zu: the RSS card at y %g..%g, its dot's top %d", t, k,
                         (double)c[1].y, (double)(c[1].y + c[1].h), dot_top);
        }
    viewer_free(v);
    dusk_graph_free(g);
}

/* The memory axis' labels are all whole: its label column is as wide
 * as the widest ("0.8 kiB"), not the top one ("1 kiB"), whose width cut
 * the others' first digits at the panel's left edge: nothing but the
 * ground in the panel's left margin. */
static void test_memory_axis_labels_whole(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_viewer *v = replay_viewer(g, "z");
    int64_t b = dusk_graph_find(g, "b");
    dusk_event ev[] = {
        {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1},
        {.t_ns = 1000, .kind = DUSK_EV_READY, .task = b, .worker = 0},
        {.t_ns = 2000, .kind = DUSK_EV_START, .task = b, .worker = 0},
        {.t_ns = 3000, .kind = DUSK_EV_END, .task = b, .worker = 0, .nbytes = 1024, .held = 1024},
    };
    assert_int_equal(dusk_viewer_feed(v, ev, 4), 0);
    SDL_Rect box = {100, 100, 400, 300};
    dusk__frame f;
    draw(v, dusk__panel_memory, box, &f);
    uint32_t bg = argb(f.th->bg);
    size_t text = 0;
    for (int y = box.y + 28; y < box.y + box.h; y++) {
        for (int x = box.x; x < box.x + 8; x++)
            if (pix[y * W + x] != bg)
                fail_msg("(%d, %d), in the panel's left margin: 0x%08x, not the ground",
                         x - box.x, y - box.y, pix[y * W + x]);
        for (int x = box.x + 8; x < box.x + 60; x++)
            text += pix[y * W + x] != bg;
    }
    assert_true(text > 50);   /* the labels are there */
    viewer_free(v);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_bars),
        cmocka_unit_test(test_function_colours),
        cmocka_unit_test(test_user_theme_states_apart),
        cmocka_unit_test(test_stream_from_layout),
        cmocka_unit_test(test_stream_scrolls),
        cmocka_unit_test(test_stream_rows_bisected),
        cmocka_unit_test(test_progress_bars),
        cmocka_unit_test(test_progress_many_groups),
        cmocka_unit_test(test_progress_erred_group_shown),
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_counts_are_dasks),
        cmocka_unit_test(test_memory_peak),
        cmocka_unit_test(test_memory_stats_carried),
        cmocka_unit_test(test_rss_sampler),
        cmocka_unit_test(test_rss_sampler_pool),
        cmocka_unit_test(test_empty_and_themes),
        cmocka_unit_test(test_tick_labels_apart),
        cmocka_unit_test(test_progress_label_keeps_count),
        cmocka_unit_test(test_progress_names_whole),
        cmocka_unit_test(test_memory_peak_cards),
        cmocka_unit_test(test_memory_peak_label_whole),
        cmocka_unit_test(test_memory_axis_labels_whole),
    };
    return cmocka_run_group_tests(tests, sdl_up, sdl_down);
}
