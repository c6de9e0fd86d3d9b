/*
** bench/encode.c — values as bytes (`make bench`)
**
** What a processes scheduler pays to send a chunk and a task's arguments
** to another process (include/dusk/encode.h). A 64 MiB float64 array
** (4096 x 2048), and a small tuple of task arguments like
** ('add-1f3a', 3, 2.5, None). Each figure is the best of REPS runs.
** Prints `name: value unit` lines:
**   encode.ndarray          dusk_value_encode: a new buffer, elements copied
**   encode_to.ndarray       dusk_value_encode_to into a buffer written before
**                           (shared memory, say: no page faults)
**   decode.ndarray          dusk_value_decode: a new array, elements copied
**   decode_view.ndarray     dusk_value_decode_view: the array views the buffer
**   encode.small/decode.small   the tuple, per value
** and exits non-zero when a decoded value differs from the original.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <dusk.h>

enum { REPS = 5, SMALL = 200000 };

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int fail(const char *what, const dusk_error *err)
{
    fprintf(stderr, "bench/encode: %s: %s\n", what, err->msg);
    return 1;
}

static void report(const char *name, uint64_t best, size_t bytes)
{
    printf("%s: %.2f GB/s\n", name, (double)bytes / (double)best);
}

int main(void)
{
    dusk_error err = DUSK_ERROR_INIT;
    int64_t shape[2] = {4096, 2048};
    dusk_value *a = dusk_ndarray_empty(DUSK_DT_F8, 2, shape);
    if (!a)
        return fail("ndarray", &err);
    double *d = dusk_ndarray_data(a);
    for (int64_t i = 0; i < shape[0] * shape[1]; i++)
        d[i] = (double)i * 0.5;
    size_t nbytes = dusk_value_nbytes(a), len = dusk_value_encoded_size(a);

    uint64_t best[4] = {UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX};
    void *shm = dusk_malloc(len);
    if (!shm)
        return fail("buffer", &err);
    memset(shm, 0, len);
    dusk_value *owner = dusk_opaque(shm, dusk_free, len);
    for (int r = 0; r < REPS; r++) {
        void *buf;
        size_t n;
        uint64_t t0 = now_ns();
        if (dusk_value_encode(a, &buf, &n, &err))
            return fail("encode", &err);
        uint64_t t1 = now_ns();
        dusk_free(buf);
        if (dusk_value_encode_to(a, shm, len, &n, &err))
            return fail("encode_to", &err);
        uint64_t t2 = now_ns();
        dusk_value *b;
        if (dusk_value_decode(shm, n, &b, NULL, &err))
            return fail("decode", &err);
        uint64_t t3 = now_ns();
        dusk_value *c;
        if (dusk_value_decode_view(shm, n, owner, &c, NULL, &err))
            return fail("decode_view", &err);
        uint64_t t4 = now_ns();
        if (r == 0 && (!dusk_value_equal(a, b) || !dusk_value_equal(a, c))) {
            fprintf(stderr, "bench/encode: the decoded array differs\n");
            return 1;
        }
        dusk_value_unref(b);
        dusk_value_unref(c);
        uint64_t t[4] = {t1 - t0, t2 - t1, t3 - t2, t4 - t3};
        for (int k = 0; k < 4; k++)
            if (t[k] < best[k])
                best[k] = t[k];
    }
    report("encode.ndarray", best[0], nbytes);
    report("encode_to.ndarray", best[1], nbytes);
    report("decode.ndarray", best[2], nbytes);
    printf("decode_view.ndarray: %.1f us\n", (double)best[3] / 1000);
    dusk_value_unref(owner);
    dusk_value_unref(a);

    dusk_value *items[4] = {dusk_string("add-1f3a"), dusk_int(3), dusk_float(2.5), dusk_none()};
    dusk_value *args = dusk_tuple_of(4, items);
    unsigned char small[64];
    size_t n = 0;
    uint64_t benc = UINT64_MAX, bdec = UINT64_MAX;
    for (int r = 0; r < REPS; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < SMALL; i++)
            if (dusk_value_encode_to(args, small, sizeof small, &n, &err))
                return fail("encode small", &err);
        uint64_t t1 = now_ns();
        for (int i = 0; i < SMALL; i++) {
            dusk_value *v;
            if (dusk_value_decode(small, n, &v, NULL, &err))
                return fail("decode small", &err);
            dusk_value_unref(v);
        }
        uint64_t t2 = now_ns();
        if (t1 - t0 < benc)
            benc = t1 - t0;
        if (t2 - t1 < bdec)
            bdec = t2 - t1;
    }
    printf("encode.small: %.0f ns/value\n", (double)benc / SMALL);
    printf("decode.small: %.0f ns/value\n", (double)bdec / SMALL);
    dusk_value_unref(args);
    return 0;
}
