/*
** dusk tests — the chunk map panel (gui/chunks.c), headless
**
** The lecture's array job, r = x - x.mean(axis=0) on ones((15, 15),
** chunks=(5, 5)), is run once with the sync scheduler and its events
** recorded; they are then fed to a viewer one by one. At chosen points the
** panel is drawn with SDL's dummy driver and software renderer (the same
** pixels on every machine) and read back before any present: the pixel at
** the centre of every block must be the colour of the state its task is
** in, that state worked out here from the events fed so far (not read
** from the viewer), and the blocks of each colour must be as many as the
** tasks in that state.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <SDL.h>

#include "dusk/array.h"
#include "dusk/gui.h"
#include "gui/draw.h"
#include "helpers.h"

enum { W = 900, H = 500 };

static SDL_Window *win;
static SDL_Renderer *ren;
static uint32_t pix[W * H];
static const SDL_Rect BOX = {20, 10, W - 40, H - 20};

static int sdl_up(void **state)
{
    (void)state;
    if (sdl_headless_open(W, H, &win, &ren) != 0)
        return -1;
    return scratch_setup(state);
}

static int sdl_down(void **state)
{
    scratch_teardown(state);
    sdl_headless_close(&win, &ren);
    return 0;
}

static uint32_t rgb_of(const uint8_t *c)
{
    return 0xff000000u | (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

/* Draws the chunk map of v into BOX and reads the window back; *f stays
 * usable for the geometry (dusk__chunks_cell, dusk__chunks_hit). */
static void draw(dusk_viewer *v, dusk__frame *f)
{
    dusk_error err = DUSK_ERROR_INIT;
    SDL_SetRenderDrawColor(ren, 1, 2, 3, 255);   /* outside the box: not the theme's */
    SDL_RenderClear(ren);
    if (dusk__frame_begin(v, ren, f, "test_chunks", &err) != 0)
        fail_msg("dusk__frame_begin: %s", err.msg);
    dusk__panel_chunks(v, f, BOX);
    dusk__frame_end(f);
    assert_int_equal(SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, pix, W * 4), 0);
}

/* --- the lecture's array job, recorded ---------------------------------------------- */

typedef struct job {
    dusk_array_ctx *ctx;
    dusk_array *x, *r;
    const dusk_plan *plan;    /* the run's, from its start callback */
    dusk_event *ev;
    size_t n;
} job;

static void take_plan(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ntasks;
    job *j = ud;
    dusk_plan_unref(j->plan);
    j->plan = dusk_plan_ref(plan);
}

/* x = ones((15, 15), chunks) (or the dataset /x of the HDF5 file h5) and r = x - x.mean(axis=0), run with the sync
 * scheduler, its plan and events kept. */
static void run_job(job *j, const char *chunks, const char *h5)
{
    memset(j, 0, sizeof *j);
    j->ctx = dusk_array_ctx_new();
    j->x = h5 ? dusk_from_hdf5(j->ctx, h5, "/x", chunks)
              : dusk_ones(j->ctx, DUSK_SHAPE(15, 15), chunks, DUSK_DT_F8);
    j->r = dusk_array_sub(j->x, dusk_array_mean(j->x, DUSK_AXIS(0), false));
    dusk_stream *s = dusk_stream_new();
    dusk_callbacks cb = {0};
    cb.ud = j;
    cb.start = take_plan;
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    o.stream = s;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_compute(j->r, &o, &out, &err) != 0)
        fail_msg("compute: %s", err.msg);
    dusk_value_unref(out);
    size_t cap = (size_t)dusk_stream_appended(s);
    j->ev = malloc((cap + 1) * sizeof *j->ev);
    j->n = dusk_stream_drain(s, j->ev, cap);
    assert_int_equal(j->n, cap);
    dusk_stream_free(s);
    assert_non_null(j->plan);
}

/* Each task's state after events ev[0..n), as the dashboard's rules say. */
static void states_after(const dusk_event *ev, size_t n, uint8_t *want)
{
    for (size_t i = 0; i < n; i++)
        switch (ev[i].kind) {
        case DUSK_EV_READY: want[ev[i].task] = DUSK_TASK_READY; break;
        case DUSK_EV_START: want[ev[i].task] = DUSK_TASK_RUNNING; break;
        case DUSK_EV_END: want[ev[i].task] = DUSK_TASK_MEMORY; break;
        case DUSK_EV_RELEASED: want[ev[i].task] = DUSK_TASK_RELEASED; break;
        case DUSK_EV_ERROR: want[ev[i].task] = DUSK_TASK_ERRED; break;
        default: break;
        }
}

static void free_job(job *j)
{
    dusk_plan_unref(j->plan);
    free(j->ev);
    dusk_array_ctx_free(j->ctx);
}

/* The key of block (i, j) of a 2-d array. */
static int64_t block_task(const dusk_plan *p, const dusk_array *a, int64_t i, int64_t j)
{
    char key[256];
    int64_t idx[2] = {i, j};
    assert_true(dusk_array_block_key(a, idx, key, sizeof key) > 0);
    const int64_t *tasks = dusk_plan_tasks(p);
    for (size_t k = 0; k < dusk_plan_ntasks(p); k++)
        if (strcmp(dusk_plan_key(p, tasks[k]), key) == 0)
            return tasks[k];
    fail_msg("no task %s in the plan", key);
    return -1;
}

/* Checks every block of shown grid k (array a, rows x cols blocks):
 * its task, its centre pixel's colour against want[task], dusk__chunks_hit
 * at its centre; and the blocks of each colour against the tasks in each
 * state. */
static void check_grid(dusk_viewer *v, const dusk__frame *f, size_t k, const dusk_plan *p,
                       const dusk_array *a, int64_t rows, int64_t cols, const uint8_t *want)
{
    size_t by_colour[DUSK_TASK_NSTATES] = {0}, by_state[DUSK_TASK_NSTATES] = {0};
    for (int64_t i = 0; i < rows; i++)
        for (int64_t j = 0; j < cols; j++) {
            int64_t t = block_task(p, a, i, j);
            assert_int_equal(dusk__chunks_task(v, k, i, j), t);
            SDL_FRect r;
            assert_int_equal(dusk__chunks_cell(v, f, BOX, k, i, j, &r), 0);
            int cx = (int)(r.x + r.w / 2), cy = (int)(r.y + r.h / 2);
            assert_true(cx >= BOX.x && cx < BOX.x + BOX.w && cy >= BOX.y && cy < BOX.y + BOX.h);
            uint32_t got = pix[cy * W + cx];
            if (got != rgb_of(dusk__theme_at(DUSK__THEME_LIGHT)->state[want[t]]))
                fail_msg("grid %zu block (%lld, %lld): pixel 0x%08x, want state %d's 0x%08x", k,
                         (long long)i, (long long)j, got, want[t],
                         rgb_of(dusk__theme_at(DUSK__THEME_LIGHT)->state[want[t]]));
            for (int s = 0; s < DUSK_TASK_NSTATES; s++)
                if (got == rgb_of(dusk__theme_at(DUSK__THEME_LIGHT)->state[s]))
                    by_colour[s]++;
            by_state[want[t]]++;
            assert_int_equal(dusk__chunks_hit(v, f, BOX, cx, cy), t);
        }
    for (int s = 0; s < DUSK_TASK_NSTATES; s++)
        assert_int_equal(by_colour[s], by_state[s]);
}

static void test_lecture_job(void **state)
{
    (void)state;
    job j;
    run_job(&j, "(5, 5)", NULL);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_set_plan(v, j.plan, &err), 0);
    size_t ng = dusk_plan_graph_size(j.plan);
    uint8_t *want = calloc(ng, 1);   /* every task WAITING from RUN_BEGIN */
    dusk__frame f;
    int points = 0, ended = 0;
    size_t colours_seen = 0;
    for (size_t i = 0; i < j.n; i++) {
        const dusk_event *e = &j.ev[i];
        dusk_viewer_feed(v, e, 1);
        states_after(e, 1, want);
        ended += e->kind == DUSK_EV_END;
        /* at the start, after every 4th task ends, and at the end */
        if (e->kind != DUSK_EV_RUN_BEGIN && !(e->kind == DUSK_EV_END && ended % 4 == 0) &&
            i + 1 != j.n)
            continue;
        draw(v, &f);
        points++;
        /* the result, 3x3 blocks of 'sub', and its one input, ones_like */
        assert_int_equal(dusk__chunks_ngrids(v), 2);
        const char *name, *title;
        int64_t rows, cols;
        assert_int_equal(dusk__chunks_grid(v, 0, &name, &title, &rows, &cols), 0);
        assert_string_equal(name, dusk_array_name(j.r));
        assert_string_equal(title, "sub  3x3 blocks");
        assert_true(rows == 3 && cols == 3);
        check_grid(v, &f, 0, j.plan, j.r, 3, 3, want);
        assert_int_equal(dusk__chunks_grid(v, 1, &name, &title, &rows, &cols), 0);
        assert_string_equal(name, dusk_array_name(j.x));
        assert_string_equal(title, "ones_like  3x3 blocks");
        assert_true(rows == 3 && cols == 3);
        check_grid(v, &f, 1, j.plan, j.x, 3, 3, want);
        /* how many states the pictures went through */
        for (int64_t t = 0; t < (int64_t)ng; t++)
            colours_seen |= (size_t)1 << want[t];
    }
    assert_true(points >= 5);
    /* waiting, running (sync: a task ends before the next starts, but it
     * is drawn between START and END only by chance), in memory, released */
    assert_true(colours_seen & (1u << DUSK_TASK_WAITING));
    assert_true(colours_seen & (1u << DUSK_TASK_MEMORY));
    assert_true(colours_seen & (1u << DUSK_TASK_RELEASED));

    /* the result large on the left, the input small on the right, both
     * with square cells (no chunk sizes set), apart */
    SDL_FRect r0, r1;
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, 0, &r0), 0);
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 1, 2, 2, &r1), 0);
    assert_true(r0.w > 2 * r1.w);
    assert_true(r0.w == r0.h && r1.w == r1.h);
    SDL_FRect r02;
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 2, 2, &r02), 0);
    assert_true(r02.x + r02.w <= r1.x);
    /* off the grids: no task */
    assert_int_equal(dusk__chunks_hit(v, &f, BOX, BOX.x + 1, BOX.y + 1), -1);
    assert_int_equal(dusk__chunks_hit(v, &f, BOX, BOX.x + BOX.w + 5, BOX.y + 5), -1);
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 3, 0, &r0), DUSK_EINVAL);
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 2, 0, 0, &r0), DUSK_EINVAL);
    free(want);
    dusk_viewer_free(v);
    free_job(&j);
}

/* dusk_viewer_set_array: cells in proportion to the chunks of the array
 * set; the other grids keep square cells. */
static void test_chunk_sizes(void **state)
{
    (void)state;
    job j;
    run_job(&j, "(10, 5)", NULL);   /* rows of 10 and 5, columns of 5 */
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_set_array(v, j.r, &err), 0);
    assert_int_equal(dusk_viewer_set_plan(v, j.plan, &err), 0);
    assert_int_equal(dusk_viewer_feed(v, j.ev, j.n), 0);
    dusk__frame f;
    draw(v, &f);
    int64_t rows, cols;
    assert_int_equal(dusk__chunks_grid(v, 0, NULL, NULL, &rows, &cols), 0);
    assert_true(rows == 2 && cols == 3);
    SDL_FRect a, b, c;
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, 0, &a), 0);
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 1, 0, &b), 0);
    assert_true(a.h > 1.99f * b.h && a.h < 2.01f * b.h);   /* 10 rows against 5 */
    assert_true(a.w > 0.99f * b.h && a.w < 1.01f * b.h);   /* 5 columns: as wide as 5 rows */
    /* a pixel in the lower half of block (0, 0) is that block, not (1, 0) */
    assert_int_equal(dusk__chunks_hit(v, &f, BOX, (int)(a.x + 2), (int)(a.y + a.h * 0.8f)),
                     dusk__chunks_task(v, 0, 0, 0));
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 1, 0, 0, &c), 0);
    assert_true(c.w == c.h);   /* the input's: squares */
    /* all done: r's blocks in memory, x's released */
    uint8_t *want = calloc(dusk_plan_graph_size(j.plan), 1);
    states_after(j.ev, j.n, want);
    check_grid(v, &f, 0, j.plan, j.r, 2, 3, want);
    check_grid(v, &f, 1, j.plan, j.x, 2, 3, want);
    assert_int_equal(want[dusk__chunks_task(v, 0, 1, 2)], DUSK_TASK_MEMORY);
    assert_int_equal(want[dusk__chunks_task(v, 1, 1, 2)], DUSK_TASK_RELEASED);
    free(want);
    dusk_viewer_free(v);
    free_job(&j);
}

/* The lecture's own input: from_hdf5 (its blocks read a literal, the
 * file and dataset, which is no array). */
static void test_from_hdf5(void **state)
{
    (void)state;
    const char *h5 = scratch("x.hdf5");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_options sync = opts_of(DUSK_SCHED_SYNC, 1);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_store(dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8), h5, "/x",
                         NULL, &sync, &err) != 0)
        fail_msg("store: %s", err.msg);
    dusk_array_ctx_free(ctx);
    job j;
    run_job(&j, "(5, 5)", h5);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, j.plan, &err), 0);
    uint8_t *want = calloc(dusk_plan_graph_size(j.plan), 1);
    dusk__frame f;
    for (size_t i = 0; i < j.n; i++) {   /* drawn halfway and at the end */
        dusk_viewer_feed(v, &j.ev[i], 1);
        states_after(&j.ev[i], 1, want);
        if (i != j.n / 2 && i + 1 != j.n)
            continue;
        draw(v, &f);
        assert_int_equal(dusk__chunks_ngrids(v), 2);
        const char *name, *title;
        assert_int_equal(dusk__chunks_grid(v, 0, &name, &title, NULL, NULL), 0);
        assert_string_equal(name, dusk_array_name(j.r));
        check_grid(v, &f, 0, j.plan, j.r, 3, 3, want);
        assert_int_equal(dusk__chunks_grid(v, 1, &name, &title, NULL, NULL), 0);
        assert_string_equal(name, dusk_array_name(j.x));
        assert_string_equal(title, "array  3x3 blocks");
        check_grid(v, &f, 1, j.plan, j.x, 3, 3, want);
    }
    free(want);
    dusk_viewer_free(v);
    free_job(&j);
}

static void test_set_array_errors(void **state)
{
    (void)state;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    dusk_array *bad = dusk_array_add(a, dusk_ones(ctx, DUSK_SHAPE(3), "3", DUSK_DT_F8));
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_array(NULL, a, &err), DUSK_EINVAL);
    assert_contains(err.msg, "v is NULL");
    assert_int_equal(dusk_viewer_set_array(v, NULL, &err), DUSK_EINVAL);
    assert_contains(err.msg, "a is NULL");
    dusk_error want = DUSK_ERROR_INIT;
    int code = dusk_array_status(bad, &want);
    assert_true(code != 0);
    assert_int_equal(dusk_viewer_set_array(v, bad, &err), code);
    assert_string_equal(err.msg, want.msg);
    assert_int_equal(dusk_viewer_set_array(v, a, NULL), 0);
    dusk_viewer_free(v);
    dusk_array_ctx_free(ctx);
}

/* The plan of an array's blocks, without a run: RUN_BEGIN fed alone. */
static dusk_viewer *viewer_of(const dusk_array *a, dusk_plan **out)
{
    dusk_graph *g;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_graph(a, &g, &err), 0);
    int64_t nb = dusk_array_nchunks(a), nd = dusk_array_ndim(a);
    char (*keys)[256] = malloc((size_t)nb * sizeof *keys);
    const char **kp = malloc((size_t)nb * sizeof *kp);
    for (int64_t k = 0; k < nb; k++) {
        int64_t idx[DUSK_MAXDIMS], rest = k;
        for (int64_t d = nd - 1; d >= 0; d--) {
            idx[d] = rest % dusk_array_numblocks(a, (int)d);
            rest /= dusk_array_numblocks(a, (int)d);
        }
        dusk_array_block_key(a, idx, keys[k], sizeof keys[k]);
        kp[k] = keys[k];
    }
    assert_int_equal(dusk_plan_new(g, kp, (size_t)nb, out, &err), 0);
    free(keys);
    free(kp);
    dusk_graph_free(g);
    dusk_viewer *v = dusk_viewer_new(NULL);
    assert_int_equal(dusk_viewer_set_plan(v, *out, &err), 0);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
    dusk_viewer_feed(v, &begin, 1);
    return v;
}

/* 1-d: one row; 3-d: the first two axes, and the title says so. */
static void test_ranks(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a1 = dusk_array_binop_scalar(DUSK_BINOP_ADD,
                                             dusk_ones(ctx, DUSK_SHAPE(12), "4", DUSK_DT_F8),
                                             1.0, false);
    dusk_plan *p;
    dusk_viewer *v = viewer_of(a1, &p);
    dusk__frame f;
    draw(v, &f);
    const char *title;
    int64_t rows, cols;
    assert_int_equal(dusk__chunks_grid(v, 0, NULL, &title, &rows, &cols), 0);
    assert_true(rows == 1 && cols == 3);
    assert_string_equal(title, "add  3 blocks");
    int64_t idx[1] = {2};
    char key[256];
    dusk_array_block_key(a1, idx, key, sizeof key);
    assert_string_equal(dusk_plan_key(p, dusk__chunks_task(v, 0, 0, 2)), key);
    SDL_FRect r;
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, 2, &r), 0);
    assert_int_equal(pix[(int)(r.y + r.h / 2) * W + (int)(r.x + r.w / 2)],
                     rgb_of(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
    dusk_viewer_free(v);
    dusk_plan_unref(p);

    dusk_array *a3 = dusk_array_binop_scalar(
        DUSK_BINOP_MUL, dusk_ones(ctx, DUSK_SHAPE(4, 6, 8), "(2, 2, 2)", DUSK_DT_F8), 2.0, false);
    v = viewer_of(a3, &p);
    draw(v, &f);
    assert_int_equal(dusk__chunks_grid(v, 0, NULL, &title, &rows, &cols), 0);
    assert_true(rows == 2 && cols == 3);
    assert_string_equal(title, "mul  2x3 blocks (axes 0, 1 of 3)");
    int64_t idx3[3] = {1, 2, 0};
    dusk_array_block_key(a3, idx3, key, sizeof key);
    assert_string_equal(dusk_plan_key(p, dusk__chunks_task(v, 0, 1, 2)), key);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_array_ctx_free(ctx);
}

/* A 1-d array set with dusk_viewer_set_array (as dusk_view_array_compute
 * does): its one row is as high as its chunks are long, not one element
 * (a hairline), so that equal chunks are squares and uneven ones keep
 * their proportions. */
static void test_chunk_sizes_1d(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_array_binop_scalar(DUSK_BINOP_ADD,
                                            dusk_ones(ctx, DUSK_SHAPE(100), "10", DUSK_DT_F8),
                                            1.0, false);
    dusk_plan *p;
    dusk_viewer *v = viewer_of(a, &p);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_set_array(v, a, &err), 0);
    dusk__frame f;
    draw(v, &f);
    int64_t rows, cols;
    assert_int_equal(dusk__chunks_grid(v, 0, NULL, NULL, &rows, &cols), 0);
    assert_true(rows == 1 && cols == 10);
    for (int64_t j = 0; j < cols; j++) {
        SDL_FRect r;
        assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, j, &r), 0);
        assert_true(r.w > 10 && r.h > 10);
        assert_true(fabsf(r.w - r.h) < 1.01f);   /* squares (a pixel's gap aside) */
        int cx = (int)(r.x + r.w / 2), cy = (int)(r.y + r.h / 2);
        assert_int_equal(pix[cy * W + cx], rgb_of(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
        assert_int_equal(dusk__chunks_hit(v, &f, BOX, cx, (int)(r.y + r.h - 2)),
                         dusk__chunks_task(v, 0, 0, j));
    }
    dusk_viewer_free(v);
    dusk_plan_unref(p);

    /* uneven chunks (10, 10, 5): the last cell half as wide, as high */
    dusk_array *b = dusk_array_binop_scalar(DUSK_BINOP_ADD,
                                            dusk_ones(ctx, DUSK_SHAPE(25), "10", DUSK_DT_F8),
                                            1.0, false);
    v = viewer_of(b, &p);
    assert_int_equal(dusk_viewer_set_array(v, b, &err), 0);
    draw(v, &f);
    SDL_FRect r0, r2;
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, 0, &r0), 0);
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, 2, &r2), 0);
    assert_true(r0.h > 10 && fabsf(r0.w - r0.h) < 1.01f);
    assert_true(fabsf(r2.w + 1 - (r0.w + 1) / 2) < 1.01f && r2.h == r0.h);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_array_ctx_free(ctx);
}

/* A 1-d array of 1,000 blocks: in one row its cells would be under a
 * pixel wide (a hairline); the row is folded into lines, as text is, of
 * squares of 8 pixels or more, in order, each cell its block's task. */
static void test_fold_1d(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_array_binop_scalar(DUSK_BINOP_ADD,
                                            dusk_ones(ctx, DUSK_SHAPE(1000), "1", DUSK_DT_F8),
                                            1.0, false);
    dusk_plan *p;
    dusk_viewer *v = viewer_of(a, &p);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_set_array(v, a, &err), 0);
    dusk__frame f;
    draw(v, &f);
    int64_t rows, cols;
    assert_int_equal(dusk__chunks_grid(v, 0, NULL, NULL, &rows, &cols), 0);
    assert_true(rows == 1 && cols == 1000);
    SDL_FRect first, r, prev;
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, 0, &first), 0);
    assert_true(first.w >= 8 && fabsf(first.w - first.h) < 0.01f);
    int64_t fold = 0, lines = 1;
    prev = first;
    for (int64_t j = 1; j < cols; j++) {
        assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, j, &r), 0);
        if (fabsf(r.x - first.x) < 0.01f) {   /* a new line, under the last */
            if (!fold)
                fold = j;
            assert_int_equal(j % fold, 0);
            assert_true(fabsf(r.y - (prev.y + prev.h)) < 0.01f);
            lines++;
        } else {   /* next to the one before */
            assert_true(fabsf(r.x - (prev.x + prev.w)) < 0.01f && r.y == prev.y);
        }
        assert_true(r.x >= BOX.x && r.y >= BOX.y && r.x + r.w <= BOX.x + BOX.w &&
                    r.y + r.h <= BOX.y + BOX.h);
        prev = r;
    }
    assert_true(fold > 1 && lines == (1000 + fold - 1) / fold);
    const int64_t probe[] = {0, 1, fold - 1, fold, 517, 999};
    for (size_t k = 0; k < sizeof probe / sizeof *probe; k++) {
        assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, probe[k], &r), 0);
        int cx = (int)(r.x + r.w / 2), cy = (int)(r.y + r.h / 2);
        assert_int_equal(pix[cy * W + cx], rgb_of(dusk__theme_at(DUSK__THEME_LIGHT)->state[DUSK_TASK_WAITING]));
        int64_t idx[1] = {probe[k]};
        char key[256];
        dusk_array_block_key(a, idx, key, sizeof key);
        int64_t t = dusk__chunks_hit(v, &f, BOX, cx, cy);
        assert_true(t >= 0);
        assert_string_equal(dusk_plan_key(p, t), key);
    }
    /* past the last line's last cell: no task */
    assert_int_equal(dusk__chunks_cell(v, &f, BOX, 0, 0, 999, &r), 0);
    if (999 % fold != fold - 1 && r.x + 1.5f * r.w < BOX.x + BOX.w)
        assert_int_equal(dusk__chunks_hit(v, &f, BOX, (int)(r.x + 1.5f * r.w),
                                          (int)(r.y + r.h / 2)), -1);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_array_ctx_free(ctx);
}

/* In a narrow panel the result's title stops where the inputs' slot
 * begins (it ran into the input's title): no pixel of the result's title
 * colour right of that edge, and the input's title still drawn. */
static void test_titles_kept_apart(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a3 = dusk_array_binop_scalar(
        DUSK_BINOP_MUL, dusk_ones(ctx, DUSK_SHAPE(4, 6, 8), "(2, 2, 2)", DUSK_DT_F8), 2.0, false);
    dusk_plan *p;
    dusk_viewer *v = viewer_of(a3, &p);
    const SDL_Rect box = {20, 10, 270, 200};
    dusk_error err = DUSK_ERROR_INIT;
    dusk__frame f;
    SDL_SetRenderDrawColor(ren, 1, 2, 3, 255);
    SDL_RenderClear(ren);
    assert_int_equal(dusk__frame_begin(v, ren, &f, "test_chunks", &err), 0);
    dusk__panel_chunks(v, &f, box);
    dusk__frame_end(&f);
    assert_int_equal(SDL_RenderReadPixels(ren, NULL, SDL_PIXELFORMAT_ARGB8888, pix, W * 4), 0);
    assert_int_equal(dusk__chunks_ngrids(v), 2);   /* mul, and its input */
    const char *title;
    int64_t rows, cols;
    assert_int_equal(dusk__chunks_grid(v, 0, NULL, &title, &rows, &cols), 0);
    assert_true(dusk__text_width(&f, title) > box.w * 2 / 3);   /* too long for its slot */
    int edge = box.x + box.w * 2 / 3;   /* where the inputs' slot begins */
    size_t fg_left = 0, dim_right = 0;
    for (int y = box.y; y < box.y + 4 + f.line; y++)
        for (int x = box.x; x < box.x + box.w; x++) {
            uint32_t c = pix[y * W + x];
            if (c == rgb_of(f.th->fg)) {
                if (x >= edge)
                    fail_msg("the result's title at (%d, %d), right of %d", x, y, edge);
                fg_left++;
            }
            if (x >= edge && c == rgb_of(f.th->dim))
                dim_right++;
        }
    assert_true(fg_left > 10);   /* "mul  2x3 blocks", shortened to its slot */
    assert_true(dim_right > 5);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_array_ctx_free(ctx);
}

/* Each title fits its slot, shortened at a word's end and never cut
 * mid-word by the slot's edge (the demo's input slot showed "array  2x20
 * bloc"): what is drawn is the whole title, or a start of it that ends
 * where a word does, or the name cut with "...", and is no wider than the
 * slot; the array's name is kept whole wherever it fits. A slot wide
 * enough shows the whole title. */
static void check_titles(dusk_viewer *v, SDL_Rect box, int want_whole)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk__frame f;
    assert_int_equal(dusk__frame_begin(v, ren, &f, "test_chunks", &err), 0);
    dusk__panel_chunks(v, &f, box);
    size_t n = dusk__chunks_ngrids(v), shortened = 0;
    assert_true(n >= 2);
    for (size_t k = 0; k < n; k++) {
        const char *name, *title;
        assert_int_equal(dusk__chunks_grid(v, k, &name, &title, NULL, NULL), 0);
        char got[256];
        float room = dusk__chunks_title(v, &f, box, k, got, sizeof got);
        assert_true(room > 0);
        if (dusk__text_width(&f, got) > room)
            fail_msg("grid %zu: '%s' is %.0f px in a slot of %.0f", k, got,
                     (double)dusk__text_width(&f, got), (double)room);
        size_t len = strlen(got);
        if (len >= 3 && !strcmp(got + len - 3, "...")) {
            assert_memory_equal(got, title, len - 3);   /* the name, cut */
            assert_true(dusk__text_width(&f, title) > room);
        } else {
            assert_true(len > 0);
            assert_memory_equal(got, title, len);
            if (title[len] != '\0' && title[len] != ' ')
                fail_msg("grid %zu: '%s' ends mid-word of '%s'", k, got, title);
            shortened += title[len] != '\0';
        }
        /* the name whole when it fits */
        char name_only[256];
        snprintf(name_only, sizeof name_only, "%.*s", (int)strcspn(title, " "), title);
        if (dusk__text_width(&f, name_only) <= room)
            assert_true(strncmp(got, name_only, strlen(name_only)) == 0 &&
                        (got[strlen(name_only)] == '\0' || got[strlen(name_only)] == ' '));
        if (want_whole)
            assert_string_equal(got, title);
    }
    if (!want_whole)
        assert_true(shortened > 0);
    dusk__frame_end(&f);
}

static void test_titles_fit(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    /* the demo's r = x - x.mean(axis=0) on 2x20 blocks, in the right column
     * of a 1280 px window (384 px), and a 3-d array in a narrower one */
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(1000, 10000), "(500, 500)", DUSK_DT_F8);
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_plan *p;
    dusk_viewer *v = viewer_of(r, &p);
    check_titles(v, (SDL_Rect){20, 10, 384, 200}, 0);
    check_titles(v, (SDL_Rect){20, 10, 130, 200}, 0);
    check_titles(v, (SDL_Rect){0, 0, W, 200}, 1);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_array *a3 = dusk_array_binop_scalar(
        DUSK_BINOP_MUL, dusk_ones(ctx, DUSK_SHAPE(4, 6, 8), "(2, 2, 2)", DUSK_DT_F8), 2.0, false);
    v = viewer_of(a3, &p);
    check_titles(v, (SDL_Rect){20, 10, 270, 200}, 0);
    check_titles(v, (SDL_Rect){0, 0, W, 200}, 1);
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_array_ctx_free(ctx);
}

/* No tuple keys: the panel says so, and nothing is under any pixel. */
static void test_no_arrays(void **state)
{
    (void)state;
    dusk_graph *g = lecture_dsk();
    dusk_plan *p;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, (const char *[]){"z"}, 1, &p, &err), 0);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk__frame f;
    draw(v, &f);   /* before any run, too */
    assert_int_equal(dusk__chunks_ngrids(v), 0);
    assert_int_equal(dusk_viewer_set_plan(v, p, &err), 0);
    dusk_event begin = {.kind = DUSK_EV_RUN_BEGIN, .task = -1, .worker = -1, .status = 1};
    dusk_viewer_feed(v, &begin, 1);
    draw(v, &f);
    assert_int_equal(dusk__chunks_ngrids(v), 0);
    assert_int_equal(dusk__chunks_hit(v, &f, BOX, BOX.x + BOX.w / 2, BOX.y + BOX.h / 2), -1);
    /* the message: text pixels on the middle line, no state colour anywhere */
    uint32_t bg = rgb_of(f.th->bg);
    size_t text = 0;
    for (int y = BOX.y; y < BOX.y + BOX.h; y++)
        for (int x = BOX.x; x < BOX.x + BOX.w; x++) {
            uint32_t c = pix[y * W + x];
            /* no block: no yellow, green, red or blue (waiting's gray is
             * the light theme's text colour, erred's black may be too) */
            for (int s = DUSK_TASK_READY; s <= DUSK_TASK_RELEASED; s++)
                assert_true(c != rgb_of(dusk__theme_at(DUSK__THEME_LIGHT)->state[s]));
            if (c != bg) {
                assert_true(abs(y - (BOX.y + BOX.h / 2)) < f.line);
                text++;
            }
        }
    assert_true(text > 50);
    assert_int_equal(pix[5 * W + 5], 0xff010203u);   /* nothing drawn outside the box */
    dusk_viewer_free(v);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lecture_job),
        cmocka_unit_test(test_chunk_sizes),
        cmocka_unit_test(test_from_hdf5),
        cmocka_unit_test(test_set_array_errors),
        cmocka_unit_test(test_ranks),
        cmocka_unit_test(test_chunk_sizes_1d),
        cmocka_unit_test(test_fold_1d),
        cmocka_unit_test(test_titles_kept_apart),
        cmocka_unit_test(test_titles_fit),
        cmocka_unit_test(test_no_arrays),
    };
    return cmocka_run_group_tests(tests, sdl_up, sdl_down);
}
