/*
** dusk fuzz target — HDF5 files (array/h5.c, through dusk_from_hdf5)
**
** libFuzzer's bytes are an HDF5 file, written to a scratch file (in
** $TMPDIR, else /dev/shm, else /tmp; libhdf5 resolves a path to its real
** name, so a memfd's /proc/self/fd/N will not do). dusk reads its
** dataset /data, and /g/x, as a user's program does: dusk_from_hdf5
** (in one block, then with "auto" chunks when that makes at most 2^16
** blocks), then the first elements of the array (up to 4096, as
** a slice of each axis) computed on the sync scheduler, when its first
** block is at most 1 MiB (blocks are read whole). Each step must either
** work or fail as dusk promises:
**   - dusk_from_hdf5 gives an array with a sound grid, or an error array
**     whose message (DUSK_EIO, or DUSK_EINVAL for a shape dusk cannot
**     chunk) names the file;
**   - computing gives an ndarray of the slice's shape and dtype, or
**     DUSK_EIO naming the file (a block that does not read);
** and dusk's live block count comes back after every input. libhdf5
** 1.10.8 faults by itself on many corrupt files; tests/fuzz/hdf5.options
** has `make fuzz-run` go on after those and fail on the others.
**
** Seeds: tests/fuzz/corpus/hdf5/, written by gen_hdf5_corpus.c.
** `make fuzz-run`.
*/
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "array/h5.h"
#include "dusk/alloc.h"
#include "dusk/array.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const dusk_array *a, const char *path, const char *what)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(a, &err);
    if (rc == DUSK_ENOMEM)
        return;
    if ((rc != DUSK_EIO && rc != DUSK_EINVAL) || !strstr(err.msg, path))
        fuzz_fail("%s: code %d, message \"%s\" (not naming %s)", what, rc, err.msg, path);
}

static void read_dataset(dusk_array_ctx *ctx, const char *path, const char *dataset)
{
    /* in one block first: "auto" cuts a corrupt file's petabytes into
     * tens of millions of blocks, more than a fuzzer's run should wait for */
    dusk_array *whole = dusk_from_hdf5(ctx, path, dataset, "-1");
    if (dusk_array_status(whole, NULL) != 0) {
        check_error(whole, path, "dusk_from_hdf5");
        return;
    }
    fuzz_check_grid(whole, 0);
    /* (an empty axis counts as 1: "auto" cuts the others all the same) */
    double nbytes = (double)dusk_dtype_size(dusk_array_dtype(whole));
    for (int d = 0; d < dusk_array_ndim(whole); d++)
        nbytes *= dusk_array_shape(whole)[d] ? (double)dusk_array_shape(whole)[d] : 1;
    if (nbytes > 65536.0 * (1 << 27))
        return;
    dusk_array *a = dusk_from_hdf5(ctx, path, dataset, "auto");
    if (dusk_array_status(a, NULL) != 0) {
        check_error(a, path, "dusk_from_hdf5");
        return;
    }
    fuzz_check_grid(a, 0);
    /* a block is read whole (and a corrupt file may claim terabytes):
     * read only when the first one is at most 1 MiB */
    double block = (double)dusk_dtype_size(dusk_array_dtype(a));
    for (int d = 0; d < dusk_array_ndim(a); d++)
        block *= (double)dusk_array_chunks(a, d)[0];
    if (block > 1 << 20)
        return;
    /* the first elements: a slice of each axis, 4096 elements at most */
    char index[DUSK_MAXDIMS * 24] = "";
    size_t len = 0;
    int64_t budget = 4096;
    for (int d = 0; d < dusk_array_ndim(a); d++) {
        int64_t n = dusk_array_shape(a)[d];
        int64_t k = n < budget ? n : budget;
        budget = k ? budget / k : budget;
        len += (size_t)snprintf(index + len, sizeof index - len, "%s:%lld", d ? ", " : "",
                                (long long)k);
    }
    dusk_array *s = dusk_array_slice(a, index);
    FUZZ_CHECK(dusk_array_status(s, NULL) == 0 || dusk_array_status(s, NULL) == DUSK_ENOMEM);
    if (dusk_array_status(s, NULL) != 0)
        return;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = fuzz_compute(s, &v, &err);
    if (rc == 0) {
        FUZZ_CHECK(dusk_ndarray_dtype(v) == dusk_array_dtype(a));
        FUZZ_CHECK(dusk_ndarray_ndim(v) == dusk_array_ndim(s));
        for (int d = 0; d < dusk_array_ndim(s); d++)
            FUZZ_CHECK(dusk_ndarray_shape(v)[d] == dusk_array_shape(s)[d]);
        dusk_value_unref(v);
    } else if (rc != DUSK_ENOMEM && (rc != DUSK_EIO || !strstr(err.msg, path))) {
        fuzz_fail("computing %s: code %d, message \"%s\" (not naming %s)", index, rc, err.msg,
                  path);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_scratch("input.h5");
    FILE *f = fopen(path, "wb");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0);
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    FUZZ_CHECK(ctx != NULL);
    read_dataset(ctx, path, "/data");
    read_dataset(ctx, path, "/g/x");
    dusk_array_ctx_free(ctx);
    /* the next input is written to the same path, maybe within the
     * file system's clock tick and of the same size: close what dusk
     * keeps open of this one */
    dusk__h5_release(path, NULL);
    FUZZ_CHECK(dusk_alloc_live() == live);
    return 0;
}
