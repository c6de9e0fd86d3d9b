/*
** dusk tests — HDF5 attributes, resizable datasets and stores into a
** region (dusk_array_store_hdf5, dusk_hdf5_attrs), and what a group holds
** (dusk_hdf5_list), checked against h5py
**
** Files dusk writes are read by h5py (/usr/bin/python3, python3-h5py:
** install-deps installs it) and the other way round: attributes of every
** kind, maxshape, a dataset grown by appending, a region of a dataset
** h5py made. Bad requests are refused naming what is wrong, the target
** left as it was. Also: storing to '/x/deeper' where '/x' is a dataset.
*/
#define _POSIX_C_SOURCE 200809L
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

/* Runs a Python program with h5py and NumPy; its output (free it). Fails
 * the test when Python fails. */
static char *py(const char *prog)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"$(cat <<'EOF'\nimport h5py, numpy as np\n"
             "%s\nEOF\n)\" 2>&1", prog);
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3 with h5py (install-deps installs python3-h5py) failed:\n%s\n%s", prog,
                 out);
    return out;
}

static void store_ok(dusk_array *a, const char *path, const char *ds, const dusk_store_options *so,
                     const dusk_hdf5_options *h5)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_store_hdf5(a, path, ds, so, h5, NULL, &err) != 0)
        fail_msg("store %s:%s failed: %s", path, ds, err.msg);
}

static void store_fails(dusk_array *a, const char *path, const char *ds,
                        const dusk_hdf5_options *h5, int code, const char *frag1,
                        const char *frag2)
{
    size_t n0 = 0, n1 = 0;
    void *before = slurp(path, &n0);
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_store_hdf5(a, path, ds, NULL, h5, NULL, &err);
    if (rc != code || !contains(err.msg, frag1) || (frag2 && !contains(err.msg, frag2)))
        fail_msg("store %s:%s gave %s \"%s\", want %s with \"%s\"", path, ds, dusk_err_name(rc),
                 err.msg, dusk_err_name(code), frag1);
    void *after = slurp(path, &n1);   /* the target as it was */
    assert_int_equal(n0, n1);
    if (n0)
        assert_memory_equal(before, after, n0);
    free(before);
    free(after);
}

/* dusk_value_repr, with an ndarray's elements: "int16[0, 1, 2, 3] (2, 3)". */
static size_t repr(const dusk_value *v, char *buf, size_t n)
{
    if (dusk_value_kind(v) == DUSK_KIND_TUPLE) {
        size_t l = (size_t)snprintf(buf, n, "(");
        for (size_t i = 0; i < dusk_tuple_len(v) && l < n; i++) {
            l += repr(dusk_tuple_get(v, i), buf + l, n - l);
            if (l < n)
                l += (size_t)snprintf(buf + l, n - l, i + 1 < dusk_tuple_len(v) ? ", " : "");
        }
        if (l < n)
            l += (size_t)snprintf(buf + l, n - l, ")");
        return l;
    }
    if (dusk_value_kind(v) != DUSK_KIND_NDARRAY)
        return dusk_value_repr(v, buf, n);
    dusk_dtype t = dusk_ndarray_dtype(v);
    size_t l = (size_t)snprintf(buf, n, "%s[", dusk_dtype_name(t));
    for (int64_t k = 0; k < dusk_ndarray_size(v) && l < n; k++)
        l += (size_t)snprintf(buf + l, n - l, "%s%.17g", k ? ", " : "",
                              ref_getf(dusk_ndarray_data(v), t, k));
    if (l < n)
        l += (size_t)snprintf(buf + l, n - l, "] ");
    if (l < n) {
        char sh[128] = "(";
        for (int d = 0; d < dusk_ndarray_ndim(v); d++)
            snprintf(sh + strlen(sh), sizeof sh - strlen(sh), "%s%lld", d ? ", " : "",
                     (long long)dusk_ndarray_shape(v)[d]);
        l += (size_t)snprintf(buf + l, n - l, "%s)", sh);
    }
    return l;
}

static void test_attributes_round_trip_with_h5py(void **state)
{
    dusk_array_ctx *ctx = *state;
    const char *path = scratch("attrs.h5");
    dusk_array *x = dusk_arange(ctx, 0, 24, 1, "5");
    int64_t sh[1] = {3};
    dusk_value *arr = dusk_ndarray_new(DUSK_DT_F8, 1, sh);
    double *p = dusk_ndarray_data(arr);
    p[0] = 1.5, p[1] = -2, p[2] = 1e300;
    dusk_value *iarr = dusk_ndarray_new(DUSK_DT_I4, 1, sh);
    ((int32_t *)dusk_ndarray_data(iarr))[2] = -7;
    dusk_value *s = dusk_string("metres, \xc3\xa9t\xc3\xa9");   /* UTF-8 */
    dusk_value *i = dusk_int(-9007199254740993);                   /* not a double */
    dusk_value *f = dusk_float(0.1);
    dusk_hdf5_attr at[] = {{"units", s}, {"count", i}, {"scale", f}, {"valid", dusk_bool(true)},
                           {"window", arr}, {"ids", iarr}};
    dusk_hdf5_options h5 = DUSK_HDF5_OPTIONS_INIT;
    h5.attrs = at;
    h5.nattrs = 6;
    store_ok(x, path, "/grp/x", NULL, &h5);
    /* h5py reads them as Python and NumPy values of the same types */
    char prog[2048];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'r'); a = f['/grp/x'].attrs\n"
             "assert a['units'] == 'metres, \\u00e9t\\u00e9', repr(a['units'])\n"
             "assert a['count'] == -9007199254740993 and a['count'].dtype == np.int64\n"
             "assert a['scale'] == 0.1 and a['scale'].dtype == np.float64\n"
             "assert a['valid'] is np.True_ or a['valid'] == True and a['valid'].dtype == bool\n"
             "assert list(a['window']) == [1.5, -2, 1e300] and a['window'].dtype == np.float64\n"
             "assert list(a['ids']) == [0, 0, -7] and a['ids'].dtype == np.int32\n"
             "assert sorted(a.keys()) == ['count', 'ids', 'scale', 'units', 'valid', 'window']\n"
             "assert list(f['/grp/x'][:]) == list(range(24))\n"
             "print('ok')",
             path);
    char *out = py(prog);
    assert_string_equal(out, "ok\n");
    free(out);
    /* and dusk reads back what it wrote, in name order */
    dusk_value *all = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_hdf5_attrs(path, "/grp/x", &all, &err), 0);
    char buf[1024];
    repr(all, buf, sizeof buf);
    assert_string_equal(buf, "(('count', -9007199254740993), ('ids', int32[0, 0, -7] (3)), "
                             "('scale', 0.1), ('units', 'metres, \xc3\xa9t\xc3\xa9'), "
                             "('valid', True), ('window', float64[1.5, -2, 1.0000000000000001e+300] "
                             "(3)))");
    dusk_value_unref(all);
    dusk_value_unref(arr);
    dusk_value_unref(iarr);
    dusk_value_unref(s);
    dusk_value_unref(i);
    dusk_value_unref(f);
}

static void test_attributes_h5py_wrote(void **state)
{
    (void)state;
    const char *path = scratch("h5py-attrs.h5");
    char prog[2048];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'w'); d = f.create_dataset('d', data=np.arange(6.0))\n"
             "d.attrs['title'] = 'sea level'\n"
             "d.attrs['fixed'] = np.bytes_(b'abc')\n"
             "d.attrs['n'] = np.uint8(200)\n"
             "d.attrs['x'] = np.float32(0.5)\n"
             "d.attrs['grid'] = np.arange(6, dtype='i2').reshape(2, 3)\n"
             "d.attrs['big'] = np.array([1, 2], dtype='>i8')\n"
             "d.attrs['flag'] = False\n"
             "f.attrs['made_by'] = 'h5py'\n"
             "f.close(); print('ok')",
             path);
    free(py(prog));
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    char buf[512];
    struct {
        const char *name, *want;
    } cases[] = {
        {"title", "'sea level'"}, {"fixed", "'abc'"}, {"n", "200"}, {"x", "0.5"},
        {"grid", "int16[0, 1, 2, 3, 4, 5] (2, 3)"}, {"big", "int64[1, 2] (2)"},
        {"flag", "False"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (dusk_hdf5_attr_get(path, "d", cases[k].name, &v, &err) != 0)
            fail_msg("attribute %s: %s", cases[k].name, err.msg);
        repr(v, buf, sizeof buf);
        if (strcmp(buf, cases[k].want) != 0)
            fail_msg("attribute %s reads %s, h5py wrote %s", cases[k].name, buf, cases[k].want);
        dusk_value_unref(v);
    }
    assert_int_equal(dusk_hdf5_attr_get(path, "/", "made_by", &v, &err), 0);   /* a group's */
    assert_string_equal(dusk_value_str(v), "h5py");
    dusk_value_unref(v);
    /* what is not there is named */
    assert_int_equal(dusk_hdf5_attr_get(path, "d", "nope", &v, &err), DUSK_ENOKEY);
    assert_true(contains(err.msg, "'d' in '") && contains(err.msg, "has no attribute 'nope'"));
    assert_null(v);
    assert_int_equal(dusk_hdf5_attrs(path, "/e", &v, &err), DUSK_EIO);
    assert_true(contains(err.msg, "has no '/e'"));
    assert_int_equal(dusk_hdf5_attrs(path, "/d/deeper", &v, &err), DUSK_EIO);
    assert_true(contains(err.msg, "'d' there is a dataset, not a group") ||
                contains(err.msg, "'/d' there is a dataset, not a group"));
    assert_int_equal(dusk_hdf5_attrs(scratch("none.h5"), "/d", &v, &err), DUSK_EIO);
    assert_true(contains(err.msg, "none.h5"));
}

/* Issue 16, 4: attributes dusk does not read (a complex number, a float16,
 * netCDF's DIMENSION_LIST and REFERENCE_LIST) are left out of the listing,
 * and reading one by name says what it is; arrays of strings are tuples
 * of strings, nested per axis, as h5py's arrays of str. */
static void test_attributes_dusk_does_not_read(void **state)
{
    (void)state;
    const char *path = scratch("h5py-odd-attrs.h5");
    char prog[2048];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'w'); d = f.create_dataset('d', data=np.arange(6.0))\n"
             "s = h5py.string_dtype()\n"
             "d.attrs['units'] = 'm'\n"
             "d.attrs['names'] = ['a', 'bb']\n"
             "d.attrs['grid_names'] = np.array([['a', 'b'], ['c', 'd']], dtype=s)\n"
             "d.attrs['fixed'] = np.array([b'x', b'yy'], dtype='S3')\n"
             "d.attrs['empty'] = np.array([], dtype=s)\n"
             "d.attrs['z'] = np.complex128(1 + 2j)\n"
             "d.attrs['half'] = np.float16(1.5)\n"
             "f['t'] = np.arange(6.0); f['t'].make_scale('time')\n"
             "d.dims[0].attach_scale(f['t'])\n"
             "f.close(); print('ok')",
             path);
    free(py(prog));
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    char buf[1024];
    if (dusk_hdf5_attrs(path, "d", &v, &err) != 0)
        fail_msg("listing d's attributes: %s", err.msg);
    repr(v, buf, sizeof buf);
    assert_string_equal(buf, "(('empty', ()), ('fixed', ('x', 'yy')), "
                             "('grid_names', (('a', 'b'), ('c', 'd'))), "
                             "('names', ('a', 'bb')), ('units', 'm'))");
    dusk_value_unref(v);
    /* the dimension scale: its CLASS and NAME, not its REFERENCE_LIST */
    if (dusk_hdf5_attrs(path, "t", &v, &err) != 0)
        fail_msg("listing t's attributes: %s", err.msg);
    repr(v, buf, sizeof buf);
    assert_string_equal(buf, "(('CLASS', 'DIMENSION_SCALE'), ('NAME', 'time'))");
    dusk_value_unref(v);
    assert_int_equal(dusk_hdf5_attr_get(path, "d", "names", &v, &err), 0);
    repr(v, buf, sizeof buf);
    assert_string_equal(buf, "('a', 'bb')");
    dusk_value_unref(v);
    /* by name: what it is */
    struct {
        const char *ds, *name, *what;
    } odd[] = {
        {"d", "z", "a compound of 16 bytes"},
        {"d", "half", "a 2-byte float"},
        {"d", "DIMENSION_LIST", "a variable-length sequence of"},
        {"t", "REFERENCE_LIST", "a compound of"},
    };
    for (size_t k = 0; k < sizeof odd / sizeof *odd; k++) {
        v = NULL;
        int rc = dusk_hdf5_attr_get(path, odd[k].ds, odd[k].name, &v, &err);
        if (rc != DUSK_EIO || !contains(err.msg, odd[k].name) ||
            !contains(err.msg, "HDF5 type dusk does not read") ||
            !contains(err.msg, odd[k].what))
            fail_msg("attribute %s of %s: %s \"%s\", want EIO with \"%s\"", odd[k].name,
                     odd[k].ds, dusk_err_name(rc), err.msg, odd[k].what);
        assert_null(v);
    }
}

/* Issue 16, 7: a region store refuses what only applies to making a
 * dataset (maxshape, gzip, overwrite) rather than ignoring it, and an
 * unlimited axis extends no further than an array can be addressed; the
 * file is left as it was. */
static void test_region_options_and_bounds(void **state)
{
    dusk_array_ctx *ctx = *state;
    const char *path = scratch("region-bounds.h5");
    dusk_array *x = dusk_arange(ctx, 0, 12, 1, "4");
    int64_t maxshape[1] = {-1}, at[1] = {12};
    dusk_hdf5_options h5 = DUSK_HDF5_OPTIONS_INIT;
    h5.maxshape = maxshape;
    store_ok(x, path, "/v", NULL, &h5);
    /* maxshape with a region */
    h5.region = at;
    store_fails(x, path, "/v", &h5, DUSK_EINVAL, "storing a region of dataset '/v'",
                "maxshape applies to a dataset being made");
    /* gzip and overwrite with a region */
    h5.maxshape = NULL;
    for (int k = 0; k < 2; k++) {
        dusk_store_options so = {k == 0 ? 4 : 0, k == 1};
        size_t n0 = 0, n1 = 0;
        void *before = slurp(path, &n0);
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(dusk_array_store_hdf5(x, path, "/v", &so, &h5, NULL, &err),
                         DUSK_EINVAL);
        assert_true(contains(err.msg, k == 0 ? "gzip applies" : "overwrite applies"));
        void *after = slurp(path, &n1);
        assert_int_equal(n0, n1);
        assert_memory_equal(before, after, n0);
        free(before);
        free(after);
    }
    /* an unlimited axis: not to INT64_MAX, nor to more bytes than can be
     * addressed */
    at[0] = INT64_MAX - 12;
    store_fails(x, path, "/v", &h5, DUSK_EINVAL, "the region would extend dataset '/v'",
                "more than can be addressed");
    at[0] = PTRDIFF_MAX / 8;
    store_fails(x, path, "/v", &h5, DUSK_EINVAL, "the region would extend dataset '/v'",
                "more than can be addressed");
    /* and an append still works */
    at[0] = 12;
    store_ok(x, path, "/v", NULL, &h5);
    char prog[512];
    snprintf(prog, sizeof prog, "print(h5py.File('%s', 'r')['v'][:].tolist())", path);
    char *out = py(prog);
    assert_string_equal(out, "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8, "
                             "9, 10, 11]\n");
    free(out);
}

/* A dataset made resizable, then grown by appending, as a growing
 * result's is; h5py sees the maxshape, the chunks and every row. */
static void test_maxshape_and_append(void **state)
{
    dusk_array_ctx *ctx = *state;
    const char *path = scratch("grow.h5");
    int64_t sh[2] = {10, 4};
    double *a = fill_buffer(DUSK_DT_F8, 2, sh, 11);
    double *b = fill_buffer(DUSK_DT_F8, 2, sh, 12);
    dusk_array *x = dusk_from_buffer(ctx, a, DUSK_DT_F8, DUSK_SHAPE(10, 4), "(4, 4)");
    dusk_array *y = dusk_from_buffer(ctx, b, DUSK_DT_F8, DUSK_SHAPE(10, 4), "(3, 2)");
    int64_t maxshape[2] = {-1, 4}, at[2] = {10, 0};
    dusk_hdf5_options h5 = DUSK_HDF5_OPTIONS_INIT;
    h5.maxshape = maxshape;
    store_ok(x, path, "/series", NULL, &h5);
    h5 = (dusk_hdf5_options)DUSK_HDF5_OPTIONS_INIT;
    h5.region = at;
    dusk_value *step = dusk_int(2);
    dusk_hdf5_attr na[] = {{"parts", step}};
    h5.attrs = na;
    h5.nattrs = 1;
    store_ok(y, path, "/series", NULL, &h5);   /* rows 10..19: the dataset grows */
    /* a region past the end leaves a gap of fill values (0) */
    at[0] = 25;
    h5.nattrs = 0;
    store_ok(dusk_array_getitem(x, (dusk_index[]){DUSK_SLICE(0, 2, DUSK_NIL)}, 1), path,
             "/series", NULL, &h5);
    char prog[4096];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'r'); d = f['series']\n"
             "print(d.shape, d.maxshape, d.chunks, d.attrs['parts'])\n",
             path);
    char *out = py(prog);
    assert_string_equal(out, "(27, 4) (None, 4) (4, 4) 2\n");
    free(out);
    dusk_array *back = dusk_from_hdf5(ctx, path, "/series", NULL);
    dusk_value *v = compute_with(back, NULL, "the grown dataset");
    const double *r = dusk_ndarray_data(v);
    for (int k = 0; k < 40; k++) {
        assert_true(r[k] == a[k]);
        assert_true(r[40 + k] == b[k]);
    }
    for (int k = 80; k < 100; k++)
        assert_true(r[k] == 0);
    for (int k = 0; k < 8; k++)
        assert_true(r[100 + k] == a[k]);
    dusk_value_unref(step);
    free(a);
    free(b);
}

/* Dask's store(x, dset, regions=...) into a dataset h5py made: int16,
 * fixed shape, gzip; the blocks are cast as NumPy casts. */
static void test_region_of_a_dataset_h5py_made(void **state)
{
    dusk_array_ctx *ctx = *state;
    const char *path = scratch("region.h5");
    char prog[1024];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'w'); f.create_dataset('g/d', data=np.full((6, 8), -1, 'i2'),"
             " chunks=(3, 3), compression='gzip'); f.attrs['keep'] = 1; f.close()",
             path);
    free(py(prog));
    dusk_array *x = dusk_arange(ctx, 0, 6, 1, "2");
    dusk_array *x2 = dusk_array_binop_scalar(DUSK_BINOP_MUL,
                                             dusk_array_getitem(x, (dusk_index[]){DUSK_ALL,
                                                                                  DUSK_NEWAXIS}, 2),
                                             1.5, false);   /* (6, 1) float64 */
    int64_t at[2] = {0, 5};
    dusk_hdf5_options h5 = DUSK_HDF5_OPTIONS_INIT;
    h5.region = at;
    store_ok(x2, path, "g/d", NULL, &h5);
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'r'); d = f['g/d']\n"
             "print(d.dtype, d.shape, d.compression, f.attrs['keep'])\n"
             "print(d[:, 5].tolist(), int((d[:, :5] == -1).all() and (d[:, 6:] == -1).all()))",
             path);
    char *out = py(prog);
    assert_string_equal(out, "int16 (6, 8) gzip 1\n[0, 1, 3, 4, 6, 7] 1\n");
    free(out);

    /* refused, naming why, the file as it was */
    at[0] = 1;
    store_fails(x2, path, "g/d", &h5, DUSK_EINVAL, "the region 1:7 of axis 0 does not fit",
                "its length is 6 and its maxshape 6");
    at[0] = 0;
    store_fails(x, path, "g/d", &h5, DUSK_EINVAL, "cannot store a 1-d array", "it has 2");
    store_fails(x2, path, "g/e", &h5, DUSK_EIO, "has no dataset 'g/e' to store a region of",
                NULL);
    store_fails(x2, path, "g/d/deeper", &h5, DUSK_EIO, "'g/d' there is a dataset, not a group",
                NULL);
    at[1] = -1;
    store_fails(x2, path, "g/d", &h5, DUSK_EINVAL, "region start -1 of axis 1", NULL);
    h5.region = NULL;
    int64_t small[2] = {3, 1};
    h5.maxshape = small;
    store_fails(x2, scratch("other.h5"), "d", &h5, DUSK_EINVAL, "maxshape[0] is 3",
                "less than the array's 6");
    h5.maxshape = NULL;
    dusk_value *tup = dusk_tuple_new(0);
    dusk_hdf5_attr bad[] = {{"t", tup}};
    h5.attrs = bad;
    h5.nattrs = 1;
    store_fails(x2, path, "new", &h5, DUSK_EINVAL, "attribute 't' of 'new'",
                "a tuple is not an HDF5 attribute");
    bad[0].name = NULL;
    store_fails(x2, path, "new", &h5, DUSK_EINVAL, "attribute 0 has no name", NULL);
    dusk_value_unref(tup);
    assert_false(file_exists(scratch("other.h5")));
}

/* The fix: a dataset in the way of a store's path is named. */
static void test_store_under_a_dataset(void **state)
{
    dusk_array_ctx *ctx = *state;
    const char *path = scratch("under.h5");
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(4), "2", DUSK_DT_F8);
    store_ok(x, path, "/x", NULL, NULL);
    store_fails(x, path, "/x/deeper", NULL, DUSK_EIO,
                "cannot store '/x/deeper' in '", "'/x' there is a dataset, not a group");
    store_fails(x, path, "/x/deeper/still", NULL, DUSK_EIO, "'/x' there is a dataset", NULL);
    dusk_store_options so = {0, true};
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_store(x, path, "/x/deeper", &so, NULL, &err), DUSK_EIO);
    assert_true(contains(err.msg, "'/x' there is a dataset, not a group"));
    /* and reading it says the same */
    assert_error(dusk_from_hdf5(ctx, path, "/x/deeper", NULL), DUSK_EIO,
                 "no dataset '/x/deeper' in '", "'/x' there is a dataset, not a group");
    assert_error(dusk_from_hdf5(ctx, path, "/nothing", NULL), DUSK_EIO,
                 "no dataset '/nothing' in '", NULL);
    /* a group on the way is fine */
    store_ok(x, path, "/g/y", NULL, NULL);
    store_ok(x, path, "/g/z", NULL, NULL);
}

static int setup(void **state)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    *state = ctx;
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    release_all();
    dusk_array_ctx_free(*state);
    return reset_alloc(state);
}

/* Replacing a dataset (overwrite) rebuilds the file around it: what else
 * the file held comes through as h5py made it, the file's own attributes
 * and those of the groups on the dataset's way included, and its soft and
 * external links stay links (a soft link to the replaced dataset reads the
 * new one). They were dropped, and links became copies. */
static void test_replace_keeps_the_rest(void **state)
{
    dusk_array_ctx *ctx = *state;
    const char *path = scratch("replace-rest.h5");
    char prog[4096];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'w')\n"
             "f.attrs['who'] = 'class 11'\n"
             "f.attrs['grid'] = np.arange(4, dtype='i2')\n"
             "f.attrs['names'] = np.array(['a', 'bb'], dtype=h5py.string_dtype())\n"
             "g = f.create_group('g'); g.attrs['unit'] = 'm'; g.attrs['n'] = np.uint8(7)\n"
             "g.create_dataset('a', data=np.arange(4.0)); g['a'].attrs['old'] = 1\n"
             "g.create_dataset('keep', data=np.arange(3))\n"
             "f.create_dataset('b', data=np.ones(2))\n"
             "f['soft'] = h5py.SoftLink('/g/a')\n"
             "f['dangling'] = h5py.SoftLink('/nowhere')\n"
             "f['ext'] = h5py.ExternalLink('other.h5', '/x')\n"
             "f.close(); print('ok')",
             path);
    free(py(prog));
    dusk_store_options so = {0, true};
    store_ok(dusk_full(ctx, DUSK_SHAPE(4), "2", DUSK_DT_F8, 5), path, "/g/a", &so, NULL);
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'r')\n"
             "print(dict(f.attrs)['who'], list(f.attrs['grid']), list(f.attrs['names']))\n"
             "print(f['g'].attrs['unit'], f['g'].attrs['n'], list(f['g/keep'][...]))\n"
             "print(type(f.get('soft', getlink=True)).__name__, f.get('soft', getlink=True).path,"
             " list(f['soft'][...]))\n"
             "print(type(f.get('dangling', getlink=True)).__name__,"
             " f.get('dangling', getlink=True).path)\n"
             "l = f.get('ext', getlink=True); print(type(l).__name__, l.filename, l.path)\n"
             "print(list(f['g/a'][...]), dict(f['g/a'].attrs), list(f['b'][...]))",
             path);
    char *out = py(prog);
    const char *want = "class 11 [0, 1, 2, 3] ['a', 'bb']\n"
                       "m 7 [0, 1, 2]\n"
                       "SoftLink /g/a [5.0, 5.0, 5.0, 5.0]\n"
                       "SoftLink /nowhere\n"
                       "ExternalLink other.h5 /x\n"
                       "[5.0, 5.0, 5.0, 5.0] {} [1.0, 1.0]\n";
    if (strcmp(out, want) != 0)
        fail_msg("after replacing /g/a, h5py reads:\n%s\nwant:\n%s", out, want);
    free(out);
}

/* Objects named by several hard links (h5py's f['b'] = f['a']) stay one
 * object when the file is rebuilt around a replaced dataset; they became
 * one copy a name, each apart from the others from then on, and a file
 * that held a 1 MB dataset twice grew by 1 MB. A group that links to itself
 * is copied once, and one that keeps its links' creation order keeps it. */
static void test_replace_keeps_hard_links(void **state)
{
    dusk_array_ctx *ctx = *state;
    const char *path = scratch("replace-hard.h5");
    char prog[4096];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'w')\n"
             "f.create_dataset('big', data=np.arange(131072.0))\n"
             "f['again'] = f['big']\n"
             "g = f.create_group('g'); g['big'] = f['big']; g['self'] = g\n"
             "f['g2'] = g\n"
             "o = f.create_group('o', track_order=True)\n"
             "for k in ('z', 'a', 'm'): o.create_dataset(k, data=np.zeros(1))\n"
             "f.create_dataset('r', data=np.ones(3))\n"
             "f.close(); print('ok')",
             path);
    free(py(prog));
    dusk_store_options so = {0, true};
    store_ok(dusk_full(ctx, DUSK_SHAPE(4), "2", DUSK_DT_F8, 5), path, "/r", &so, NULL);
    snprintf(prog, sizeof prog,
             "import os\n"
             "f = h5py.File('%s', 'r')\n"
             "print(f['big'] == f['again'], f['big'] == f['g/big'], f['g'] == f['g2'],"
             " f['g'] == f['g/self'], f['g2/self/big'] == f['big'])\n"
             "print(float(f['again'][131071]), list(f['o'].keys()), list(f['r'][...]))\n"
             "print(os.path.getsize('%s') < 1.5 * 131072 * 8)",
             path, path);
    char *out = py(prog);
    const char *want = "True True True True True\n"
                       "131071.0 ['z', 'a', 'm'] [5.0, 5.0, 5.0, 5.0]\n"
                       "True\n";
    if (strcmp(out, want) != 0)
        fail_msg("after replacing /r, h5py reads:\n%s\nwant:\n%s", out, want);
    free(out);
}

/* dusk_hdf5_list of a group h5py made says what h5py's items() say,
 * narrowed to datasets and groups (no soft, external or dangling link,
 * no named type); a missing file or group, a dataset and a path through
 * a dataset are refused naming them. */
static void test_list_members(void **state)
{
    (void)state;
    const char *path = scratch("h5py-members.h5");
    char prog[4096];
    snprintf(prog, sizeof prog,
             "f = h5py.File('%s', 'w')\n"
             "f['zeta'] = np.arange(3.0); f['alpha'] = np.zeros((2, 2), 'i4')\n"
             "f.create_group('g/inner'); f['g/b'] = np.ones(4)\n"
             "f['soft'] = h5py.SoftLink('/alpha'); f['dangling'] = h5py.SoftLink('/nowhere')\n"
             "f['ext'] = h5py.ExternalLink('other.h5', '/x'); f['T'] = np.dtype('f4')\n"
             "f.create_group('empty')\n"
             "for grp in ('/', '/g', '/empty'):\n"
             "    g = f[grp]; m = [grp]\n"
             "    for k in g:\n"
             "        c = g.get(k, getclass=True) if isinstance(g.get(k, getlink=True), "
             "h5py.HardLink) else None\n"
             "        if c in (h5py.Dataset, h5py.Group):\n"
             "            m.append(k + (':dataset' if c is h5py.Dataset else ':group'))\n"
             "    print(' '.join(m))\n",
             path);
    char *want = py(prog);
    char got[2048] = "";
    size_t len = 0;
    const char *groups[] = {"/", "/g", "/empty"};
    for (int k = 0; k < 3; k++) {
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_hdf5_list(path, groups[k], &v, &err) != 0)
            fail_msg("listing %s: %s", groups[k], err.msg);
        len += (size_t)snprintf(got + len, sizeof got - len, "%s", groups[k]);
        for (size_t i = 0; i < dusk_tuple_len(v); i++) {
            dusk_value *m = dusk_tuple_get(v, i);
            assert_int_equal(dusk_tuple_len(m), 2);
            len += (size_t)snprintf(got + len, sizeof got - len, " %s:%s",
                                    dusk_value_str(dusk_tuple_get(m, 0)),
                                    dusk_value_str(dusk_tuple_get(m, 1)));
        }
        len += (size_t)snprintf(got + len, sizeof got - len, "\n");
        dusk_value_unref(v);
    }
    if (strcmp(got, want) != 0)
        fail_msg("dusk lists:\n%sh5py:\n%s", got, want);
    free(want);
    assert_string_equal(got, "/ alpha:dataset empty:group g:group zeta:dataset\n"
                             "/g b:dataset inner:group\n/empty\n");
    static const struct {
        const char *file, *group, *frag;
    } bad[] = {
        {NULL, "/zeta", "is a dataset, not a group"},
        {NULL, "/nope", "has no '/nope'"},
        {NULL, "/zeta/deeper", "'/zeta' there is a dataset"},
        {"missing.h5", "/", "cannot open"},
        {"not-hdf5.txt", "/", "is not an HDF5 file"},
    };
    FILE *f = fopen(scratch("not-hdf5.txt"), "w");
    assert_non_null(f);
    fputs("plain text\n", f);
    fclose(f);
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        char file[4096];
        snprintf(file, sizeof file, "%s", bad[k].file ? scratch(bad[k].file) : path);
        dusk_value *v = (dusk_value *)1;
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_hdf5_list(file, bad[k].group, &v, &err);
        if (rc != DUSK_EIO || v || !contains(err.msg, bad[k].frag))
            fail_msg("listing %s:%s gave %s \"%s\", want EIO with \"%s\"", file, bad[k].group,
                     dusk_err_name(rc), err.msg, bad[k].frag);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_attributes_round_trip_with_h5py, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attributes_h5py_wrote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attributes_dusk_does_not_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maxshape_and_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_of_a_dataset_h5py_made, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_under_a_dataset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_options_and_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_keeps_the_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_keeps_hard_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_members, setup, teardown),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
