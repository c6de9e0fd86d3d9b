/*
** dusk tests — a store reads a file's blocks again for each layer that
** reads them (array/emit.c, dusk__array_graph_stream)
**
** r = x - x.mean(axis=0) from an HDF5 file, stored: the mean needs a whole
** column of x's blocks before the column's first 'sub' runs, so a graph
** whose 'sub' and mean share the reads holds a column of the file. A
** store's graph reads the blocks again for 'sub' instead. These tests
** check that the stored numbers are what libhdf5 reads and a plain
** computation in C (the lecture's NumPy line) gives, the same bytes as
** dusk_array_compute (which keeps the shared reads); that the store's run
** reads every block twice and holds far less than a column, on two
** workers too, however slow the mean (a second read waits for it); that
** reads stay shared where fewer than 8 blocks wait (x * x, (x * x) - x, a
** column of 7 blocks); and that blocks that are no file's (from_buffer)
** are not read again.
*/
#define _POSIX_C_SOURCE 200809L
#include <hdf5.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"
#include "h5_read.h"

enum { ROWS = 200, COLS = 20, CR = 10, CC = 10 };   /* 20 x 2 blocks of 800 bytes */
#define CHUNKS "(10, 10)"

static int setup(void **state) { return scratch_setup(state); }
static int teardown(void **state) { return scratch_teardown(state); }

/* x: seeded normal numbers in path:/x, (ROWS, COLS) in CHUNKS. */
static const char *make_x(void)
{
    const char *path = scratch("x.h5");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options sync = opts_of(DUSK_SCHED_SYNC, 1);
    if (dusk_array_store(dusk_random_normal(ctx, 3, 5, 2, DUSK_SHAPE(ROWS, COLS), CHUNKS), path,
                         "/x", &(dusk_store_options){0, true}, &sync, &err) != 0)
        fail_msg("writing x: %s", err.msg);
    dusk_array_ctx_free(ctx);
    return path;
}

typedef struct {
    size_t reads;     /* tasks of the run that read x's blocks ('array-...') */
    size_t sources;   /* 'original-array-...' keys */
} plan_count;

static void count_plan(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ntasks;
    plan_count *c = ud;
    for (int64_t id = 0; id < (int64_t)dusk_plan_graph_size(plan); id++) {
        if (!dusk_plan_contains(plan, id))
            continue;
        char key[256];
        dusk_plan_key_repr(plan, id, key, sizeof key);
        c->reads += strncmp(key, "('array-", 8) == 0;
        c->sources += strstr(key, "original-array-") != NULL;
    }
}

/* Stores y to out:/r on kind with 2 workers (sync: 1); what the run
 * counted and held. */
static void store_counted(dusk_array *y, const char *out, dusk_sched_kind kind, plan_count *c,
                          dusk_run_stats *st)
{
    memset(c, 0, sizeof *c);
    dusk_callbacks cb = {.ud = c, .start = count_plan};
    dusk_options o = opts_of(kind, kind == DUSK_SCHED_SYNC ? 1 : 2);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    o.stats = st;
    dusk_store_options so = {0, true};
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_store(y, out, "/r", &so, &o, &err) != 0)
        fail_msg("store: %s", err.msg);
}

/* The stored r is x - x.mean(axis=0) as C computes it from what libhdf5
 * reads of x, and the very bytes dusk_array_compute gives, on one worker
 * and two; the store read each of x's 40 blocks twice (one source each)
 * and held at most a few blocks, where sharing the reads holds a column
 * of 20 (16,000 bytes). */
static void test_store_reads_again(void **state)
{
    (void)state;
    const char *in = make_x(), *out = scratch("r.h5");
    static const dusk_sched_kind kinds[] = {DUSK_SCHED_SYNC, DUSK_SCHED_THREADS};
    int64_t nx;
    double *x = h5_read_all(in, "/x", &nx);
    assert_int_equal(nx, ROWS * COLS);
    double want[ROWS * COLS];
    for (int j = 0; j < COLS; j++) {
        double s = 0;
        for (int i = 0; i < ROWS; i++)
            s += x[i * COLS + j];
        for (int i = 0; i < ROWS; i++)
            want[i * COLS + j] = x[i * COLS + j] - s / ROWS;
    }
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_array *xa = dusk_from_hdf5(ctx, in, "/x", CHUNKS);
        dusk_array *r = dusk_array_sub(xa, dusk_array_mean(xa, DUSK_AXIS(0), false));
        plan_count c;
        dusk_run_stats st = {0};
        store_counted(r, out, kinds[k], &c, &st);
        int64_t n;
        double *got = h5_read_all(out, "/r", &n);
        assert_int_equal(n, ROWS * COLS);
        for (int64_t e = 0; e < n; e++)
            if (fabs(got[e] - want[e]) > 1e-12)
                fail_msg("r[%lld] is %.17g, not %.17g", (long long)e, got[e], want[e]);
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        dusk_options sync = opts_of(DUSK_SCHED_SYNC, 1);
        assert_int_equal(dusk_array_compute(r, &sync, &v, &err), 0);
        assert_memory_equal(dusk_ndarray_data(v), got, sizeof want);
        assert_int_equal(c.reads, 2 * (ROWS / CR) * (COLS / CC));
        assert_int_equal(c.sources, 2);
        /* the column's mean blocks (80 bytes each) and a few blocks: sync
         * 3,026 bytes (sharing the reads, 17,113), threads 2-3 kB (a
         * block's second read waits for the mean: none is read early) */
        assert_true(st.held_peak < 6 * CR * CC * 8);
        dusk_value_unref(v);
        free(got);
        dusk_array_ctx_free(ctx);
    }
    free(x);
}

/* A plan's mean_chunk tasks made slow (a pretask that sleeps): what a
 * worker with nothing else to do would run meanwhile. */
typedef struct {
    const dusk_plan *plan;
} slow_means;

static void slow_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ntasks;
    ((slow_means *)ud)->plan = plan;
}

static void slow_pretask(void *ud, int64_t task, int worker)
{
    (void)worker;
    char key[256];
    dusk_plan_key_repr(((slow_means *)ud)->plan, task, key, sizeof key);
    if (strncmp(key, "('mean_chunk-", 13) == 0)
        sleep_ms(2);
}

/* Two workers, the mean slow: a block's second read waits for the
 * column's mean as its 'sub' does, so the other worker cannot read the
 * copies ahead and hold them (before: every block of x, 32,000 bytes;
 * array.big held 600 MiB on a machine where a run's timing led there). */
static void test_reads_again_wait_for_the_mean(void **state)
{
    (void)state;
    const char *in = make_x(), *out = scratch("slow.h5");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *xa = dusk_from_hdf5(ctx, in, "/x", CHUNKS);
    dusk_array *r = dusk_array_sub(xa, dusk_array_mean(xa, DUSK_AXIS(0), false));
    uint64_t most = 0;
    for (int run = 0; run < 3; run++) {
        slow_means sm = {NULL};
        dusk_callbacks cb = {.ud = &sm, .start = slow_start, .pretask = slow_pretask};
        dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
        o.callbacks = &cb;
        o.ncallbacks = 1;
        dusk_run_stats st = {0};
        o.stats = &st;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_store(r, out, "/r", &(dusk_store_options){0, true}, &o, &err) != 0)
            fail_msg("store: %s", err.msg);
        most = st.held_peak > most ? st.held_peak : most;
    }
    print_message("held at most %" PRIu64 " bytes\n", most);
    assert_true(most < 8 * CR * CC * 8);
    dusk_array_ctx_free(ctx);
}

/* No file dusk read stays open after from_hdf5, a compute or a store: a
 * program sharing dusk's libhdf5 (h5py, rewriting the file a notebook's
 * earlier cell wrote) may truncate it ("unable to truncate a file which
 * is already open" before). */
static void test_files_closed_between_runs(void **state)
{
    (void)state;
    const char *in = make_x(), *out = scratch("closed.h5");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *xa = dusk_from_hdf5(ctx, in, "/x", CHUNKS);
    hid_t f = H5Fcreate(out, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);   /* out exists */
    assert_true(f >= 0);
    H5Fclose(f);
    for (int run = 0; run < 3; run++) {
        if (run == 1) {
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
            assert_int_equal(dusk_array_compute(dusk_array_mul(xa, xa), &o, &v, &err), 0);
            dusk_value_unref(v);
        } else if (run == 2) {
            plan_count c;
            dusk_run_stats st = {0};
            store_counted(dusk_array_sub(xa, dusk_array_mean(xa, DUSK_AXIS(0), false)), out,
                          DUSK_SCHED_THREADS, &c, &st);
        }
        const char *files[] = {in, out};
        for (int k = 0; k < 2; k++) {
            H5E_BEGIN_TRY { f = H5Fcreate(files[k], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); }
            H5E_END_TRY;
            if (f < 0)
                fail_msg("after %s, '%s' is still open in libhdf5",
                         run == 0 ? "from_hdf5" : run == 1 ? "a compute" : "a store", files[k]);
            H5Fclose(f);
        }
        if (run < 2) {   /* x again, for the next run */
            dusk_array_ctx_free(ctx);
            in = make_x();
            ctx = dusk_array_ctx_new();
            xa = dusk_from_hdf5(ctx, in, "/x", CHUNKS);
        }
    }
    dusk_array_ctx_free(ctx);
}

/* x * x reads each block once, in one task; (x * x) - x reads it once
 * too: the difference's blocks wait for nothing but blocks made at once.
 * x - x.mean(axis=0) with 7 blocks a column holds them (fewer than 8 wait
 * for the column's mean, array/emit.c), with 8 reads them again. */
static void test_reads_shared_unless_blocks_wait(void **state)
{
    (void)state;
    const char *in = make_x(), *out = scratch("sq.h5");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *xa = dusk_from_hdf5(ctx, in, "/x", CHUNKS);
    dusk_array *sq = dusk_array_mul(xa, xa);
    plan_count c;
    dusk_run_stats st = {0};
    store_counted(sq, out, DUSK_SCHED_SYNC, &c, &st);
    assert_int_equal(c.reads, (ROWS / CR) * (COLS / CC));
    assert_int_equal(c.sources, 1);
    store_counted(dusk_array_sub(sq, xa), out, DUSK_SCHED_SYNC, &c, &st);
    assert_int_equal(c.reads, (ROWS / CR) * (COLS / CC));
    assert_int_equal(c.sources, 1);
    int64_t nx, n;
    double *x = h5_read_all(in, "/x", &nx), *got = h5_read_all(out, "/r", &n);
    assert_int_equal(n, nx);
    for (int64_t e = 0; e < n; e++)
        assert_true(got[e] == x[e] * x[e] - x[e]);
    free(x);
    free(got);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options sync = opts_of(DUSK_SCHED_SYNC, 1);
    for (int rows = 7; rows <= 8; rows++) {
        const char *small = scratch("small.h5");
        if (dusk_array_store(dusk_random_normal(ctx, 4, 0, 1, DUSK_SHAPE(rows * CR, COLS), CHUNKS),
                             small, "/x", &(dusk_store_options){0, true}, &sync, &err) != 0)
            fail_msg("writing %s: %s", small, err.msg);
        dusk_array *s = dusk_from_hdf5(ctx, small, "/x", CHUNKS);
        store_counted(dusk_array_sub(s, dusk_array_mean(s, DUSK_AXIS(0), false)), out,
                      DUSK_SCHED_SYNC, &c, &st);
        assert_int_equal(c.reads, (size_t)(rows == 7 ? 1 : 2) * rows * (COLS / CC));
        assert_int_equal(c.sources, rows == 7 ? 1 : 2);
    }
    dusk_array_ctx_free(ctx);
}

/* Blocks of a buffer are views of one value, which costs nothing to hold:
 * no copy is made, and the result is the same. */
static void test_buffer_blocks_shared(void **state)
{
    (void)state;
    const char *out = scratch("b.h5");
    double b[ROWS * COLS];
    for (int e = 0; e < ROWS * COLS; e++)
        b[e] = (e * 7919) % 1000 / 10.0;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *xa = dusk_from_buffer(ctx, b, DUSK_DT_F8, DUSK_SHAPE(ROWS, COLS), CHUNKS);
    plan_count c;
    dusk_run_stats st = {0};
    store_counted(dusk_array_sub(xa, dusk_array_mean(xa, DUSK_AXIS(0), false)), out,
                  DUSK_SCHED_SYNC, &c, &st);
    assert_int_equal(c.reads, (ROWS / CR) * (COLS / CC));
    assert_int_equal(c.sources, 1);
    int64_t n;
    double *got = h5_read_all(out, "/r", &n);
    for (int j = 0; j < COLS; j++) {
        double s = 0;
        for (int i = 0; i < ROWS; i++)
            s += b[i * COLS + j];
        for (int i = 0; i < ROWS; i++)
            assert_true(fabs(got[i * COLS + j] - (b[i * COLS + j] - s / ROWS)) < 1e-12);
    }
    free(got);
    dusk_array_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_reads_again),
        cmocka_unit_test(test_reads_shared_unless_blocks_wait),
        cmocka_unit_test(test_reads_again_wait_for_the_mean),
        cmocka_unit_test(test_files_closed_between_runs),
        cmocka_unit_test(test_buffer_blocks_shared),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
