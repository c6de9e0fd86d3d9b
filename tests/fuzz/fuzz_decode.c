/*
** dusk fuzz target — decoding values from hostile bytes (core/encode.c)
**
** libFuzzer feeds arbitrary bytes to dusk_value_decode. Decoding must
** either fail with DUSK_EINVAL (a message naming a byte offset) or give a
** value, and then, the format being canonical (include/dusk/encode.h):
**   - encoding the value gives back exactly the bytes it was read from;
**   - decoding those again gives a value dusk_value_equal to the first
**     (skipped when a float scalar is NaN, which equals nothing; the bytes
**     are compared anyway);
**   - decoding exactly one value succeeds exactly when nothing trails;
**   - decoding in place (dusk_value_decode_view) agrees with copying;
** and dusk's live block count comes back after every input.
**
** Built and run by `make fuzz-run FUZZ_TARGETS=decode` (README.md,
** Fuzzing), with clang's libFuzzer, ASan and UBSan; by hand:
**
**   make fuzz FUZZ_TARGETS=decode
**   mkdir -p build/fuzz/corpus/decode
**   ./build/fuzz/fuzz_decode -max_total_time=600 -max_len=4096 \
**       build/fuzz/corpus/decode tests/fuzz/corpus/decode
**
** (New inputs go to the first folder, build/fuzz/corpus/decode, so the seeds
** kept in git stay few.) The seeds are written by
** tests/fuzz/gen_decode_corpus.c; tests/core/test_encode.c checks that
** each still decodes and encodes back to itself.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/encode.h"
#include "dusk/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                              \
    do {                                                                      \
        if (!(c)) {                                                           \
            fprintf(stderr, "fuzz_decode: check failed: %s (line %d)\n", #c,  \
                    __LINE__);                                                \
            abort();                                                          \
        }                                                                     \
    } while (0)

static int has_nan_scalar(const dusk_value *v)
{
    if (dusk_value_kind(v) == DUSK_KIND_FLOAT)
        return dusk_value_float(v) != dusk_value_float(v);
    for (size_t i = 0; i < dusk_tuple_len(v); i++)
        if (has_nan_scalar(dusk_tuple_get(v, i)))
            return 1;
    return 0;
}

/* Encodes v and checks that the bytes are want[0..n). */
static void check_reencodes(const dusk_value *v, const uint8_t *want, size_t n)
{
    void *buf = NULL;
    size_t len = 0;
    dusk_error err = DUSK_ERROR_INIT;
    CHECK(dusk_value_encoded_size(v) == n);
    int rc = dusk_value_encode(v, &buf, &len, &err);
    if (rc == DUSK_ENOMEM)
        return;
    CHECK(rc == 0);
    CHECK(len == n);
    CHECK(memcmp(buf, want, n) == 0);
    dusk_value *again = NULL;
    rc = dusk_value_decode(buf, len, &again, NULL, &err);
    CHECK(rc == 0 || rc == DUSK_ENOMEM);
    if (rc == 0) {
        CHECK(has_nan_scalar(v) || dusk_value_equal(v, again));
        dusk_value_unref(again);
    }
    dusk_free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long live = dusk_alloc_live();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    size_t used = 0;
    int rc = dusk_value_decode(data, size, &v, &used, &err);
    if (rc) {
        CHECK(rc == DUSK_EINVAL || rc == DUSK_ENOMEM);
        CHECK(v == NULL && used == 0);
        CHECK(rc != DUSK_EINVAL || strstr(err.msg, " at byte ") != NULL);
    } else {
        CHECK(v != NULL && used >= 5 && used <= size);
        check_reencodes(v, data, used);

        /* exactly one value: only when nothing trails */
        dusk_value *one = NULL;
        int rc1 = dusk_value_decode(data, size, &one, NULL, &err);
        CHECK(used == size ? rc1 == 0 : rc1 == DUSK_EINVAL);
        if (one) {
            CHECK(has_nan_scalar(v) || dusk_value_equal(v, one));
            dusk_value_unref(one);
        }

        /* in place, from an aligned copy the views keep alive */
        void *copy = dusk_malloc(used);
        dusk_value *owner = copy ? dusk_opaque(copy, dusk_free, used) : NULL;
        if (copy && !owner)
            dusk_free(copy);
        if (owner) {
            memcpy(copy, data, used);
            dusk_value *view = NULL;
            int rcv = dusk_value_decode_view(copy, used, owner, &view, NULL, &err);
            dusk_value_unref(owner);
            CHECK(rcv == 0 || rcv == DUSK_ENOMEM);
            if (view) {
                check_reencodes(view, data, used);
                dusk_value_unref(view);
            }
        }
        dusk_value_unref(v);
    }
    CHECK(dusk_alloc_live() == live);
    return 0;
}
