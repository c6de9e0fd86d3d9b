/*
** dusk fuzz target — chunk specs (array/chunks.c, dusk__normalize_chunks)
**
** The input is text in three lines:
**
**   f8 (100, 20)          the array: a dtype code and its shape
**   ((50, 50), 5)         the chunks, as a user gives them to dusk_ones ...
**   (25, -1)              optional: chunks to rechunk it to
**
** (lengths are cut to 2^20, to keep an array's grid in memory; the
** rechunk is left out when either grid has more than 2^12 blocks). Making
** the array must either give an error array (DUSK_EINVAL whose message
** quotes the chunks or names the shape, or DUSK_ENOMEM) or an array whose grid is sound:
** along each axis, blocks that add up to its length, none empty unless the
** chunks wrote a size of 0 (explicit sizes, as Dask takes them); and then
** so must the rechunked one. When the array is small (at most 4096
** elements and 1024 tasks) it is made from a buffer of distinct numbers
** and computed: the blocks must put every number back in its place,
** before and after the rechunk.
**
** Seeds: tests/fuzz/corpus/chunks/ (written by hand, one per form the
** header describes); tests/fuzz/chunks.dict. `make fuzz-run`.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/array.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether chunks writes a block size of 0 (a whole "0" between '(' or ','
 * and ',' or ')'): only explicit sizes may, as Dask's ((2, 0, 3),) makes
 * an empty block (tests/array/test_limits.c); "0" alone is refused. */
static int writes_zero(const char *chunks)
{
    for (const char *p = chunks; *p; p++) {
        if (*p != '0')
            continue;
        const char *b = p, *e = p + 1;
        while (b > chunks && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        while (*e == ' ' || *e == '\t')
            e++;
        if ((b == chunks || b[-1] == '(' || b[-1] == ',') && (*e == ',' || *e == ')'))
            return 1;
    }
    return 0;
}

static void check_status(const dusk_array *a, const char *chunks)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(a, &err);
    if (rc == 0)
        fuzz_check_grid(a, writes_zero(chunks));
    else if (rc != DUSK_ENOMEM && (rc != DUSK_EINVAL || (!strstr(err.msg, "chunks") && !strstr(err.msg, "shape ("))))
        fuzz_fail("chunks \"%s\": code %d, message \"%s\"", chunks, rc, err.msg);
}

/* a computes to want (nelem elements of dtype). */
static void check_values(dusk_array *a, const void *want, int64_t nelem, dusk_dtype dtype)
{
    if (dusk_array_status(a, NULL) != 0 || dusk_array_ntasks(a) > 1024)
        return;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = fuzz_compute(a, &v, &err);
    if (rc == DUSK_ENOMEM)
        return;
    if (rc != 0)
        fuzz_fail("computing an array of good chunks failed: %s", err.msg);
    FUZZ_CHECK(dusk_value_nbytes(v) == (size_t)nelem * dusk_dtype_size(dtype));
    FUZZ_CHECK(memcmp(dusk_ndarray_data(v), want, dusk_value_nbytes(v)) == 0);
    dusk_value_unref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long live = dusk_alloc_live();
    char *chunks, *rechunk;
    dusk_dtype dtype;
    dusk_shape shape;
    char *text = fuzz_array_input(data, size, 0, &chunks, &rechunk, &dtype, &shape);
    if (!text)
        return 0;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    FUZZ_CHECK(ctx != NULL);
    void *buf;
    int64_t nelem;
    dusk_array *a = fuzz_make_array(ctx, dtype, shape, chunks, &buf, &nelem);
    check_status(a, chunks);
    if (buf)
        check_values(a, buf, nelem, dtype);
    /* a rechunk builds a task per piece of the two grids: keep both to
     * 2^12 blocks (the new grid as dusk_empty makes it) */
    dusk_array *probe = rechunk ? dusk_empty(ctx, shape, rechunk, dtype) : NULL;
    if (rechunk && dusk_array_status(a, NULL) == 0 && dusk_array_nchunks(a) <= 1 << 12 &&
        (dusk_array_status(probe, NULL) != 0 || dusk_array_nchunks(probe) <= 1 << 12)) {
        dusk_array *r = dusk_array_rechunk(a, rechunk);
        check_status(r, rechunk);
        if (buf)
            check_values(r, buf, nelem, dtype);
    }
    dusk_array_ctx_free(ctx);
    dusk_free(buf);
    dusk_free(text);
    FUZZ_CHECK(dusk_alloc_live() == live);
    return 0;
}
