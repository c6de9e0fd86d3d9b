/*
** dusk fuzz target — `dusk eval`'s expressions (cli/expr.c: the parser and
** the evaluator onto array.h)
**
** The input is the expression's text (up to its first NUL). It is parsed:
** a tree's canonical print must measure what it writes; an error must be
** code 2 with a message and a column inside the text (one past its end
** for "found the end"). A tree is then evaluated with two small arrays
** bound, x (6 x 4 float64 in (3, 2) blocks) and y (4 int64 in 2), under
** limits that keep the work bounded: no function makes an array of more
** than 4096 elements, and no result may have more than 256 blocks. An
** evaluation either gives an array in no error state, with a sound grid,
** or an error of code 1 (dusk's own array error) or 2 (a name, keyword or
** argument that does not fit) with a message and a column inside the
** text. A small result (at most 4096 elements, 2000 tasks) is computed on
** the sync scheduler and must come out in its array's shape and dtype, or
** fail with a message (a task may fail where NumPy's would: (-y) ** -y).
** Nothing may leak (dusk's allocation counter).
**
** The parser is compiled in (cli/ is not a library the fuzz build makes).
** Seeds: tests/fuzz/corpus/expr/ (written by hand: every construct, and
** errors); tests/fuzz/expr.dict. `make fuzz-run FUZZ_TARGETS=expr`.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/array.h"

#include "fuzz.h"

#include "../../cli/expr.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static double XDATA[24];
static const int64_t YDATA[4] = {1, 2, 3, 4};

static void check_error(const expr_error *err, size_t len, const char *text)
{
    if (err->code != 1 && err->code != 2)
        fuzz_fail("\"%s\": error code %d (%s)", text, err->code, err->msg);
    if (!err->msg[0])
        fuzz_fail("\"%s\": an error without a message", text);
    /* out of memory has no column; everything else points into the text */
    if (strcmp(err->msg, "out of memory") != 0 && (err->col < 1 || (size_t)err->col > len + 1))
        fuzz_fail("\"%s\": error column %d outside the text (%zu bytes): %s", text, err->col,
                  len, err->msg);
}

static void evaluate(const expr_tree *t, const char *text, size_t len)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    FUZZ_CHECK(ctx != NULL);
    for (int k = 0; k < 24; k++)
        XDATA[k] = k / 2.0 - 3;
    expr_binding in[2] = {
        {"x", dusk_from_buffer(ctx, XDATA, DUSK_DT_F8, DUSK_SHAPE(6, 4), "(3, 2)")},
        {"y", dusk_from_buffer(ctx, YDATA, DUSK_DT_I8, DUSK_SHAPE(4), "2")},
    };
    FUZZ_CHECK(dusk_array_status(in[0].array, NULL) == 0);
    expr_env env = {ctx, in, 2, NULL, 4096, 256};
    expr_error err;
    dusk_array *r = NULL;
    int rc = expr_eval(t, &env, &r, &err);
    if (rc != 0) {
        FUZZ_CHECK(r == NULL && rc == err.code);
        check_error(&err, len, text);
    } else {
        dusk_error e = DUSK_ERROR_INIT;
        if (dusk_array_status(r, &e) != 0)
            fuzz_fail("\"%s\": evaluated to an array in an error state: %s", text, e.msg);
        fuzz_check_grid(r, 1);
        dusk_shape s = {dusk_array_ndim(r), {0}};
        for (int d = 0; d < s.ndim; d++)
            s.v[d] = dusk_array_shape(r)[d];
        int64_t n = fuzz_nelem(&s, 4096);
        if (n >= 0 && dusk_array_ntasks(r) <= 2000) {
            dusk_value *v = NULL;
            int crc = fuzz_compute(r, &v, &e);
            if (crc == 0) {
                FUZZ_CHECK(dusk_ndarray_dtype(v) == dusk_array_dtype(r));
                FUZZ_CHECK(dusk_ndarray_ndim(v) == s.ndim);
                for (int d = 0; d < s.ndim; d++)
                    FUZZ_CHECK(dusk_ndarray_shape(v)[d] == s.v[d]);
            } else if (!e.msg[0]) {
                /* a task may fail as NumPy's would ((-y) ** -y: integers to
                 * negative integer powers): dusk eval reports it, exit 1 */
                fuzz_fail("\"%s\": computing failed (%d) without a message", text, crc);
            }
            dusk_value_unref(v);
        }
    }
    dusk_array_ctx_free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long live = dusk_alloc_live();
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    size_t len = strlen(text);
    expr_error err;
    expr_tree *t = expr_parse(text, &err);
    if (!t) {
        check_error(&err, len, text);
        if (err.code != 2 && strcmp(err.msg, "out of memory") != 0)
            fuzz_fail("\"%s\": a parse error of code %d: %s", text, err.code, err.msg);
    } else {
        char small[16], big[8192];
        size_t n = expr_sexp(expr_root(t), NULL, 0);
        FUZZ_CHECK(expr_sexp(expr_root(t), small, sizeof small) == n);
        FUZZ_CHECK(strlen(small) == (n < sizeof small ? n : sizeof small - 1));
        if (n < sizeof big) {
            FUZZ_CHECK(expr_sexp(expr_root(t), big, sizeof big) == n && strlen(big) == n);
            FUZZ_CHECK(strncmp(big, small, strlen(small)) == 0);
        }
        evaluate(t, text, len);
    }
    expr_free(t);
    dusk_free(text);
    FUZZ_CHECK(dusk_alloc_live() == live);
    return 0;
}
