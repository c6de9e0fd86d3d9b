/*
** dusk tests — NumPy's ufuncs beyond the operators, clip, round, isclose,
** allclose and nan_to_num in C: values NumPy 1.24 gives for the edge
** cases (nan, inf, halves, signed zeros), dtypes, layer names, refusals
** and NULL inputs. tests/python/test_ufuncs.py compares the same
** functions with NumPy and Dask over every dtype and many chunkings.
*/
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

static dusk_array_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    ctx = dusk_array_ctx_new();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dusk_array_ctx_free(ctx);
    return 0;
}

static dusk_array *vec(const double *v, int64_t n, const char *chunks)
{
    return dusk_from_buffer(ctx, v, DUSK_DT_F8, DUSK_SHAPE(n), chunks);
}

/* a's values as doubles into out (n of them), checking its dtype. */
static void values(dusk_array *a, dusk_dtype dt, double *out, int64_t n)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    assert_int_equal(dusk_array_dtype(a), dt);
    int rc = dusk_array_compute(a, NULL, &v, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_ndarray_size(v), n);
    const char *p = dusk_ndarray_data(v);
    for (int64_t i = 0; i < n; i++) {
        if (dt == DUSK_DT_F8)
            memcpy(&out[i], p + 8 * i, 8);
        else if (dt == DUSK_DT_BOOL)
            out[i] = p[i];
        else if (dt == DUSK_DT_I2) {
            int16_t x;
            memcpy(&x, p + 2 * i, 2);
            out[i] = x;
        } else
            fail_msg("dtype %d", (int)dt);
    }
    dusk_value_unref(v);
    dusk_error_clear(&err);
}

/* Equal as NumPy's assert_array_equal: nan equals nan, -0.0 is told from 0.0. */
static void same(const double *got, const double *want, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (isnan(want[i]) && isnan(got[i]))
            continue;
        if (got[i] != want[i] || signbit(got[i]) != signbit(want[i]))
            fail_msg("element %lld: %.17g, want %.17g", (long long)i, got[i], want[i]);
    }
}

static void test_binary_edges(void **state)
{
    (void)state;
    const double a[] = {NAN, 1.0, NAN, INFINITY, -INFINITY, 0.0};
    const double b[] = {1.0, NAN, NAN, NAN, 2.0, -3.0};
    dusk_array *x = vec(a, 6, "2"), *y = vec(b, 6, "3");
    double got[6];
    /* fmax ignores a nan, maximum does not; hypot of inf and nan is inf */
    values(dusk_array_binop(DUSK_BINOP_FMAX, x, y), DUSK_DT_F8, got, 6);
    same(got, (double[]){1, 1, NAN, INFINITY, 2, 0}, 6);
    values(dusk_array_binop(DUSK_BINOP_MAX, x, y), DUSK_DT_F8, got, 6);
    same(got, (double[]){NAN, NAN, NAN, NAN, 2, 0}, 6);
    values(dusk_array_binop(DUSK_BINOP_HYPOT, x, y), DUSK_DT_F8, got, 6);
    same(got, (double[]){NAN, NAN, NAN, INFINITY, INFINITY, 3}, 6);
    values(dusk_array_binop(DUSK_BINOP_COPYSIGN, x, y), DUSK_DT_F8, got, 6);
    assert_true(signbit(got[5]) && got[5] == 0);
    /* the operator's function name names the layer */
    dusk_array *s = dusk_array_binop(DUSK_BINOP_SUBTRACT, x, y);
    assert_int_equal(strncmp(dusk_array_name(s), "subtract-", 9), 0);
    assert_int_equal(strncmp(dusk_array_name(dusk_array_binop(DUSK_BINOP_SUB, x, y)), "sub-", 4), 0);
    /* int8 with uint8 in arctan2 is float16, as NumPy's first loop */
    dusk_array *i1 = dusk_ones(ctx, DUSK_SHAPE(3), "2", DUSK_DT_I1);
    dusk_array *u1 = dusk_ones(ctx, DUSK_SHAPE(3), "2", DUSK_DT_U1);
    assert_int_equal(dusk_array_dtype(dusk_array_binop(DUSK_BINOP_ARCTAN2, i1, u1)), DUSK_DT_F2);
    assert_int_equal(dusk_array_dtype(dusk_array_binop(DUSK_BINOP_ADD, i1, u1)), DUSK_DT_I2);
}

static void test_clip_round_isclose(void **state)
{
    (void)state;
    const double a[] = {-2.5, 0.5, 1.5, 2.5, NAN, 7.0};
    dusk_array *x = vec(a, 6, "4");
    double got[6];
    dusk_scalar lo = dusk_scalar_int(0), hi = dusk_scalar_float(2.0);
    dusk_array *c = dusk_array_clip(x, &lo, &hi);
    assert_int_equal(strncmp(dusk_array_name(c), "clip-", 5), 0);
    values(c, DUSK_DT_F8, got, 6);
    same(got, (double[]){0, 0.5, 1.5, 2, NAN, 2}, 6);
    /* int8 clipped to 300 is int16, by value */
    dusk_array *i1 = dusk_ones(ctx, DUSK_SHAPE(3), "2", DUSK_DT_I1);
    dusk_scalar big = dusk_scalar_int(300);
    values(dusk_array_clip(i1, NULL, &big), DUSK_DT_I2, got, 3);
    same(got, (double[]){1, 1, 1}, 3);
    /* halves to even */
    dusk_array *r = dusk_array_round(x, 0);
    assert_int_equal(strncmp(dusk_array_name(r), "round_-", 7), 0);
    values(r, DUSK_DT_F8, got, 6);
    same(got, (double[]){-2, 0, 2, 2, NAN, 7}, 6);
    values(dusk_array_around(x, -1), DUSK_DT_F8, got, 6);
    same(got, (double[]){-0.0, 0, 0, 0, NAN, 10}, 6);
    const double b[] = {-2.5 + 1e-9, 0.6, 1.5, INFINITY, NAN, 7.0};
    dusk_array *y = vec(b, 6, "3");
    values(dusk_array_isclose(x, y, 1e-5, 1e-8, false), DUSK_DT_BOOL, got, 6);
    same(got, (double[]){1, 0, 1, 0, 0, 1}, 6);
    values(dusk_array_isclose(x, y, 1e-5, 1e-8, true), DUSK_DT_BOOL, got, 6);
    same(got, (double[]){1, 0, 1, 0, 1, 1}, 6);
    dusk_array *all = dusk_array_allclose(x, x, 1e-5, 1e-8, true);
    assert_int_equal(dusk_array_ndim(all), 0);
    values(all, DUSK_DT_BOOL, got, 1);
    assert_true(got[0] == 1);
    double pinf = 9;
    values(dusk_array_nan_to_num(y, -1, &pinf, NULL), DUSK_DT_F8, got, 6);
    same(got, (double[]){-2.5 + 1e-9, 0.6, 1.5, 9, -1, 7}, 6);
}

/* isclose of an array and a number, as numpy.isclose block by block: a
 * float32 block that is all finite computes in float32 (NumPy's
 * value-based casting), any other in float64. */
static void test_isclose_scalar(void **state)
{
    (void)state;
    double got[8];
    /* float32(0.1) against 0.1, tolerances 0: equal in float32 (0.1
     * rounded to float32 first), not in float64 (1.5e-9 apart); the second
     * block holds a nan, so NumPy computes it in float64 */
    const float f[8] = {0.1f, 0.2f, 0.1f, 0.1f, 0.1f, NAN, 0.1f, 1.0f};
    dusk_array *x = dusk_from_buffer(ctx, f, DUSK_DT_F4, DUSK_SHAPE(8), "4");
    dusk_array *c = dusk_array_isclose_scalar(x, 0.1, false, 0, 0, false);
    assert_int_equal(strncmp(dusk_array_name(c), "isclose-", 8), 0);
    assert_int_equal(dusk_array_nchunks(c), 2);
    values(c, DUSK_DT_BOOL, got, 8);
    same(got, (double[]){1, 0, 1, 1, 0, 0, 0, 0}, 8);
    values(dusk_array_isclose_scalar(x, 0.1, true, 0, 0, false), DUSK_DT_BOOL, got, 8);
    same(got, (double[]){1, 0, 1, 1, 0, 0, 0, 0}, 8);
    /* nan: equal_nan; the defaults' tolerance around 1 */
    values(dusk_array_isclose_scalar(x, NAN, false, 1e-5, 1e-8, true), DUSK_DT_BOOL, got, 8);
    same(got, (double[]){0, 0, 0, 0, 0, 1, 0, 0}, 8);
    const double d[5] = {1.0, 1.0 + 1e-5, 1.0 + 2e-5, INFINITY, -INFINITY};
    dusk_array *y = vec(d, 5, "2");
    values(dusk_array_isclose_scalar(y, 1.0, false, 1e-5, 1e-8, false), DUSK_DT_BOOL, got, 5);
    same(got, (double[]){1, 1, 0, 0, 0}, 5);
    values(dusk_array_isclose_scalar(y, INFINITY, true, 1e-5, 1e-8, false), DUSK_DT_BOOL, got, 5);
    same(got, (double[]){0, 0, 0, 1, 0}, 5);
    /* integers in float64, the extremes too (NumPy makes them inexact) */
    const int64_t i8[3] = {INT64_MIN, INT64_MAX, 3};
    dusk_array *z = dusk_from_buffer(ctx, i8, DUSK_DT_I8, DUSK_SHAPE(3), "2");
    values(dusk_array_isclose_scalar(z, -0x1p63, true, 0, 0, false), DUSK_DT_BOOL, got, 3);
    same(got, (double[]){1, 0, 0}, 3);
    values(dusk_array_isclose_scalar(z, 3.1, false, 0, 0.2, false), DUSK_DT_BOOL, got, 3);
    same(got, (double[]){0, 0, 1}, 3);
    /* what it does not compute exactly, it refuses */
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *h = dusk_ones(ctx, DUSK_SHAPE(3), "2", DUSK_DT_F2);
    assert_int_equal(dusk_array_status(dusk_array_isclose_scalar(h, 1, false, 0, 0, false), &err),
                     DUSK_EINVAL);
    assert_non_null(strstr(err.msg, "float16"));
    dusk_error_clear(&err);
    assert_int_equal(dusk_array_status(dusk_array_isclose_scalar(NULL, 1, false, 0, 0, false),
                                       NULL), DUSK_EINVAL);
}

static void test_refusals_and_nulls(void **state)
{
    (void)state;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE(3), "2", DUSK_DT_C16);
    assert_int_equal(dusk_array_status(dusk_array_binop(DUSK_BINOP_ARCTAN2, z, z), &err), DUSK_ETYPE);
    assert_non_null(strstr(err.msg, "arctan2"));
    dusk_error_clear(&err);
    assert_int_equal(dusk_array_status(dusk_array_unop(DUSK_UNOP_CBRT, z), &err), DUSK_ETYPE);
    assert_non_null(strstr(err.msg, "cbrt"));
    dusk_error_clear(&err);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(3), "2", DUSK_DT_BOOL);
    assert_int_equal(dusk_array_status(dusk_array_unop(DUSK_UNOP_POSITIVE, b), NULL), DUSK_ETYPE);
    assert_int_equal(dusk_array_status(dusk_array_round(b, 1), NULL), DUSK_ETYPE);
    assert_int_equal(dusk_array_dtype(dusk_array_round(b, 0)), DUSK_DT_F2);
    assert_int_equal(dusk_array_status(dusk_array_clip(b, NULL, NULL), NULL), DUSK_EINVAL);
    /* NULL arrays: an error state, never a crash */
    dusk_scalar one = dusk_scalar_int(1);
    assert_int_equal(dusk_array_status(dusk_array_clip(NULL, &one, NULL), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_round(NULL, 0), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_around(NULL, 0), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_isclose(NULL, b, 0, 0, false), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_isclose(b, NULL, 0, 0, false), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_allclose(NULL, NULL, 0, 0, false), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_nan_to_num(NULL, 0, NULL, NULL), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_binop(DUSK_BINOP_HYPOT, NULL, b), NULL), DUSK_EINVAL);
    assert_int_equal(dusk_array_status(dusk_array_unop(DUSK_UNOP_SINC, NULL), NULL), DUSK_EINVAL);
}

/* Every allocation of building and computing clip, round, isclose,
 * nan_to_num and a new binary ufunc fails in turn: each time an error
 * (never a crash), and nothing stays allocated once the context goes. */
static void test_out_of_memory(void **state)
{
    (void)state;
    long base = dusk_alloc_live();
    int built_ok = 0, computed_ok = 0, failed = 0;
    for (long n = 0; n < 6000 && !(built_ok && computed_ok > 2); n++) {
        dusk_array_ctx *c = dusk_array_ctx_new();
        if (!c)
            continue;
        dusk_alloc_fail_after(n);
        dusk_array *x = dusk_arange(c, 0, 36, 1, "(8,)");
        dusk_scalar lo = dusk_scalar_int(3), hi = dusk_scalar_float(30.5);
        double big = 1e9;
        dusk_array *y = dusk_array_nan_to_num(
            dusk_array_binop(DUSK_BINOP_ARCTAN2, dusk_array_clip(x, &lo, &hi),
                             dusk_array_round(x, -1)), 0, &big, NULL);
        dusk_array *z = dusk_array_allclose(y, dusk_array_isclose(y, y, 1e-5, 1e-8, true), 1.0,
                                            2.0, false);
        assert_non_null(z);
        int st = dusk_array_status(z, NULL);
        if (st == 0)
            built_ok = 1;
        else {
            assert_int_equal(st, DUSK_ENOMEM);
            failed++;
        }
        if (st == 0) {
            dusk_value *v = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            dusk_options o = opts_of(n % 2 ? DUSK_SCHED_SYNC : DUSK_SCHED_THREADS, 2);
            if (dusk_array_compute(z, &o, &v, &err) == 0) {
                computed_ok++;
                /* |atan2 - 1| <= 1 + 2 * 1: all close */
                assert_true(*(const bool *)dusk_ndarray_data(v));
            } else {
                assert_null(v);
                failed++;
            }
            dusk_value_unref(v);
        }
        dusk_alloc_fail_after(-1);
        dusk_array_ctx_free(c);
        if (dusk_alloc_live() != base)
            fail_msg("after failing allocation %ld: %ld blocks live, want %ld", n,
                     dusk_alloc_live(), base);
    }
    assert_true(built_ok);
    assert_true(computed_ok);
    print_message("%d failing allocations met\n", failed);
    assert_true(failed > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_binary_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clip_round_isclose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isclose_scalar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_and_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
