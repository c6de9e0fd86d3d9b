/*
** dusk fuzz target — index text (array/slicing.c, dusk_array_slice)
**
** The input is text in three lines:
**
**   i4 (10, 12, 3)        the array: a dtype code and its shape
**   (4, 5, 2)             its chunks
**   :10, 12:2:-2, [0, 2]  the index, as dusk_array_slice takes it
**
** (lengths are cut to 2^20, to keep an array's grid in memory). The same
** array is made twice, with those chunks and in one block, and both are
** sliced: an index that one takes the other must take, giving the same
** shape; one both refuse gets DUSK_EINVAL (or DUSK_ENOMEM) in both, with
** a message. What they give must have a sound grid (blocks that add up
** to each axis; empty only where Dask's slicing leaves a block empty)
** and, when the array is small (at most 4096 elements and 1024 tasks)
** and made of distinct numbers from a buffer,
** both compute to the same elements: how an array is chunked changes no
** value.
**
** Seeds: tests/fuzz/corpus/slice/ (written by hand: every kind of entry);
** tests/fuzz/slice.dict. `make fuzz-run`.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/array.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Computes r and s (small and in no error state), which must agree. */
static void check_same_values(dusk_array *r, dusk_array *s, const char *index)
{
    if (dusk_array_ntasks(r) > 1024 || dusk_array_ntasks(s) > 1024)
        return;
    dusk_value *vr = NULL, *vs = NULL;
    dusk_error er = DUSK_ERROR_INIT, es = DUSK_ERROR_INIT;
    int rcr = fuzz_compute(r, &vr, &er), rcs = fuzz_compute(s, &vs, &es);
    if (rcr != DUSK_ENOMEM && rcs != DUSK_ENOMEM) {
        if (rcr != 0 || rcs != 0)
            fuzz_fail("index \"%s\": computing the slice failed: %s", index,
                      rcr ? er.msg : es.msg);
        FUZZ_CHECK(dusk_ndarray_ndim(vr) == dusk_array_ndim(r));
        for (int d = 0; d < dusk_array_ndim(r); d++)
            FUZZ_CHECK(dusk_ndarray_shape(vr)[d] == dusk_array_shape(r)[d]);
        FUZZ_CHECK(dusk_value_nbytes(vr) == dusk_value_nbytes(vs));
        if (memcmp(dusk_ndarray_data(vr), dusk_ndarray_data(vs), dusk_value_nbytes(vr)) != 0)
            fuzz_fail("index \"%s\": the chunked array and the one-block array give "
                      "different elements", index);
    }
    dusk_value_unref(vr);
    dusk_value_unref(vs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long live = dusk_alloc_live();
    char *chunks, *index;
    dusk_dtype dtype;
    dusk_shape shape;
    char *text = fuzz_array_input(data, size, 1, &chunks, &index, &dtype, &shape);
    if (!text)
        return 0;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    FUZZ_CHECK(ctx != NULL);
    void *buf;
    int64_t nelem;
    dusk_array *a = fuzz_make_array(ctx, dtype, shape, chunks, &buf, &nelem);
    dusk_array *one = buf ? dusk_from_buffer(ctx, buf, dtype, shape, "-1")
                          : dusk_empty(ctx, shape, "-1", dtype);
    dusk_error eo = DUSK_ERROR_INIT;
    int rco = dusk_array_status(one, &eo);   /* a shape too large names itself */
    FUZZ_CHECK(rco == 0 || rco == DUSK_ENOMEM || (rco == DUSK_EINVAL && strstr(eo.msg, "shape (")));
    if (dusk_array_status(a, NULL) == 0 && dusk_array_status(one, NULL) == 0) {
        dusk_array *r = dusk_array_slice(a, index);
        dusk_array *s = dusk_array_slice(one, index);
        dusk_error er = DUSK_ERROR_INIT, es = DUSK_ERROR_INIT;
        int rcr = dusk_array_status(r, &er), rcs = dusk_array_status(s, &es);
        if (rcr == 0)
            fuzz_check_grid(r, 1);
        if (rcs == 0)
            fuzz_check_grid(s, 1);
        if (rcr == 0 && rcs == 0) {
            FUZZ_CHECK(dusk_array_ndim(r) == dusk_array_ndim(s));
            for (int d = 0; d < dusk_array_ndim(r); d++)
                FUZZ_CHECK(dusk_array_shape(r)[d] == dusk_array_shape(s)[d]);
            FUZZ_CHECK(dusk_array_dtype(r) == dtype);
            if (buf)
                check_same_values(r, s, index);
        } else if (rcr != DUSK_ENOMEM && rcs != DUSK_ENOMEM) {
            if (rcr != rcs)
                fuzz_fail("index \"%s\": chunks \"%s\" give code %d (%s), one block %d (%s)",
                          index, chunks, rcr, er.msg, rcs, es.msg);
            if (rcr != DUSK_EINVAL)
                fuzz_fail("index \"%s\": code %d: %s", index, rcr, er.msg);
        }
    }
    dusk_array_ctx_free(ctx);
    dusk_free(buf);
    dusk_free(text);
    FUZZ_CHECK(dusk_alloc_live() == live);
    return 0;
}
