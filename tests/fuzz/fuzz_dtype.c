/*
** dusk fuzz target — dtype codes (array/ops.c, the tasks' first parameter)
**
** dusk reads a dtype from text in one place: an array task's parameters
** start with NumPy's code of its output ("f8", "i4", "b1" ...), and a task
** travels as plain values, so that another process (or machine) can run
** it: the code arrives as a string from outside. The input is that
** string (up to its first NUL). It is given, with parameters and blocks
** that are otherwise right, to the tasks of the operations that make,
** convert and combine blocks: full_like (a 2 x 3 block), astype (of a
** float64 and of an int32 block), neg, add and sum's chunk step. For
** each:
**   - a code that is not one of dusk's 14 is
**     refused with DUSK_EINVAL and a message naming the operation;
**   - with one of them, full_like and astype give a 2 x 3 block of that
**     dtype; neg and add give a block of that dtype or refuse it with
**     DUSK_EINVAL naming the operation, and so does sum (its partial);
** and dusk's live block count comes back after every input.
**
** Seeds: tests/fuzz/corpus/dtype/ (every code, and near misses).
** `make fuzz-run`.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/array.h"
#include "dusk/graph.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t shape[2] = {2, 3};

/* (0, 2) and (0, 3): the bounds of a grid of one 2 x 3 block. */
static dusk_value *bounds(void)
{
    dusk_value *b[2];
    for (int d = 0; d < 2; d++) {
        int64_t n = 2;
        b[d] = dusk_ndarray_new(DUSK_DT_I8, 1, &n);
        if (b[d])
            ((int64_t *)dusk_ndarray_data(b[d]))[1] = shape[d];
    }
    return dusk_tuple_of(2, b);
}

static dusk_value *block(dusk_dtype t)
{
    dusk_value *v = dusk_ndarray_new(t, 2, shape);
    if (v)
        fuzz_counting(dusk_ndarray_data(v), 6, t);
    return v;
}

/* How much run() expects of a task given a good code. */
enum {
    PARTIAL,     /* may refuse it; what it gives is its own (a reduction's partial) */
    BLOCK,       /* may refuse it; gives a block of that dtype */
    STRICT       /* takes it and gives a 2 x 3 block of that dtype */
};

/* Runs the array task key with (params, (0, 0), inputs...) and checks
 * its answer. */
static void run(const char *key, const char *code, int good, int expect, dusk_value *params,
                int nin, dusk_value *in0, dusk_value *in1)
{
    const dusk_func *f = dusk_func_lookup(key);
    FUZZ_CHECK(f != NULL);
    dusk_value *ix[2] = {dusk_int(0), dusk_int(0)};
    dusk_value *args[4] = {params, dusk_tuple_of(2, ix), in0, in1};
    for (int i = 0; i < 2 + nin; i++)
        FUZZ_CHECK(args[i] != NULL);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = f->fn(args, (size_t)(2 + nin), &out, &err, f->ud);
    if (rc == 0) {
        if (!good)
            fuzz_fail("%s took dtype code \"%s\"", key, code);
        FUZZ_CHECK(out != NULL);
        if (expect >= BLOCK) {
            FUZZ_CHECK(dusk_value_kind(out) == DUSK_KIND_NDARRAY);
            FUZZ_CHECK(strcmp(dusk_dtype_code(dusk_ndarray_dtype(out)), code) == 0);
        }
        if (expect == STRICT) {
            FUZZ_CHECK(dusk_ndarray_ndim(out) == 2);
            FUZZ_CHECK(dusk_ndarray_shape(out)[0] == 2 && dusk_ndarray_shape(out)[1] == 3);
        }
    } else if (rc != DUSK_ENOMEM) {
        FUZZ_CHECK(out == NULL);
        if (good && expect == STRICT)
            fuzz_fail("%s refused dtype code \"%s\": %s", key, code, err.msg);
        if (rc != DUSK_EINVAL || !strstr(err.msg, f->name))
            fuzz_fail("%s, dtype code \"%s\": code %d, message \"%s\"", key, code, rc, err.msg);
    }
    dusk_value_unref(out);
    for (int i = 0; i < 2 + nin; i++)
        dusk_value_unref(args[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int registered;
    if (!registered) {  /* a context registers the array tasks */
        dusk_array_ctx_free(dusk_array_ctx_new());
        registered = 1;
    }
    long live = dusk_alloc_live();
    char *code = fuzz_text(data, size);
    if (!code)
        return 0;
    int good = 0;
    for (int t = 0; t < DUSK_DT_COUNT; t++)
        good |= strcmp(dusk_dtype_code((dusk_dtype)t), code) == 0;
    dusk_value *fill[3] = {dusk_string(code), bounds(), dusk_float(1.5)};
    run("array.full_like", code, good, STRICT, dusk_tuple_of(3, fill), 0, NULL, NULL);
    dusk_value *p1[2] = {dusk_string(code), dusk_none()};
    run("array.astype", code, good, STRICT, dusk_tuple_of(2, p1), 1, block(DUSK_DT_F8), NULL);
    dusk_value *p2[2] = {dusk_string(code), dusk_none()};
    run("array.astype", code, good, STRICT, dusk_tuple_of(2, p2), 1, block(DUSK_DT_I4), NULL);
    dusk_value *p3[2] = {dusk_string(code), dusk_none()};
    run("array.neg", code, good, BLOCK, dusk_tuple_of(2, p3), 1, block(DUSK_DT_I2), NULL);
    dusk_value *p4[2] = {dusk_string(code), dusk_none()};
    run("array.add", code, good, BLOCK, dusk_tuple_of(2, p4), 2, block(DUSK_DT_F8),
        block(DUSK_DT_U1));
    dusk_value *p5[3] = {dusk_string(code), dusk_none(), dusk_int(1)};
    run("array.sum", code, good, PARTIAL, dusk_tuple_of(3, p5), 1, block(DUSK_DT_I8), NULL);
    dusk_free(code);
    FUZZ_CHECK(dusk_alloc_live() == live);
    return 0;
}
