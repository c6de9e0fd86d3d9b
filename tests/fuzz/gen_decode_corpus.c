/*
** dusk fuzz seeds — writes tests/fuzz/corpus/decode/ (for fuzz_decode.c)
**
** A handful of encodings that between them use every tag, several
** dtypes, a view, nesting and padding, for libFuzzer to start from.
** `make fuzz-corpus` builds and runs it (as gen_trace_corpus and
** gen_hdf5_corpus) into tests/fuzz/corpus/decode/.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/encode.h"
#include "dusk/value.h"

static int write_seed(const char *dir, const char *name, dusk_value *v)
{
    void *buf = NULL;
    size_t len = 0;
    dusk_error err = DUSK_ERROR_INIT;
    if (!v || dusk_value_encode(v, &buf, &len, &err)) {
        fprintf(stderr, "gen_decode_corpus: %s: %s\n", name, v ? err.msg : "out of memory");
        return 1;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int bad = !f || fwrite(buf, 1, len, f) != len;
    if (f && fclose(f))
        bad = 1;
    if (bad)
        fprintf(stderr, "gen_decode_corpus: cannot write %s\n", path);
    dusk_free(buf);
    dusk_value_unref(v);
    return bad;
}

static dusk_value *counting(dusk_dtype t, int ndim, const int64_t *shape)
{
    dusk_value *a = dusk_ndarray_new(t, ndim, shape);
    if (a) {
        unsigned char *p = dusk_ndarray_data(a);
        for (size_t i = 0; i < dusk_value_nbytes(a); i++)
            p[i] = (unsigned char)(i * 7 + 1);
    }
    return a;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_decode_corpus DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int bad = 0;
    bad |= write_seed(dir, "none", dusk_none());
    bad |= write_seed(dir, "int-min", dusk_int(INT64_MIN));
    bad |= write_seed(dir, "float-nan", dusk_float(NAN));
    bad |= write_seed(dir, "string", dusk_string("inc-0"));
    int64_t sh2[2] = {3, 4}, sh1[1] = {5}, sh0[1] = {0};
    bad |= write_seed(dir, "ndarray-f8-2d", counting(DUSK_DT_F8, 2, sh2));
    bad |= write_seed(dir, "ndarray-c16-0d", counting(DUSK_DT_C16, 0, NULL));
    dusk_value *p = counting(DUSK_DT_I2, 2, sh2);
    int64_t vs[1] = {3}, vst[1] = {-8};
    dusk_value *col = p ? dusk_ndarray_view(p, 1, vs, vst, 16 + 2) : NULL;
    dusk_value_unref(p);
    bad |= write_seed(dir, "ndarray-i2-view", col);
    dusk_value *key[3] = {dusk_string("add-1f3a"), dusk_int(0), dusk_int(-2)};
    dusk_value *inner[2] = {dusk_bool(false), dusk_ndarray_new(DUSK_DT_BOOL, 1, sh0)};
    dusk_value *items[5] = {dusk_tuple_of(3, key), dusk_bool(true), dusk_none(),
                            dusk_tuple_of(2, inner), counting(DUSK_DT_U4, 1, sh1)};
    bad |= write_seed(dir, "task-args", dusk_tuple_of(5, items));
    return bad;
}
