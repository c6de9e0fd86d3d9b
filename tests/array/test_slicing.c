/*
** dusk tests — slicing (dusk_array_getitem, dusk_array_slice, squeeze)
**
** Every case of a table that Dask 2022.12.1 computed (the lecture's
** x[:100, 500:100:-2], x[:10, 12:2:-2], x[:, [10, 1, 5]], x[3], newaxis,
** ellipsis, lists mixed with slices, and 120 seeded random indexes over
** random uneven chunkings) must give Dask's chunks and its 'getitem' and
** 'slice' task counts, and the values a plain-loop reference computes with
** Python's rules, for f8 f4 i8 i4 u1 bool, under the sync and threads
** schedulers. Then the index built as structs, squeeze, every error, and
** allocation failures at every step.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

/* --- helpers ------------------------------------------------------------------ */

static const dusk_dtype DTYPES[] = {DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_I8, DUSK_DT_I4, DUSK_DT_U1, DUSK_DT_BOOL};
#define NDTYPES (sizeof DTYPES / sizeof DTYPES[0])

/* a's chunks as Dask prints them, "((5, 5,), (2, 2, 1,))"; "()" for 0-d. */
static void assert_ok(const dusk_array *a)
{
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(a, &err))
        fail_msg("unexpected error: %s", err.msg);
}

/* An error naming what is wrong: the code and all the fragments. */
/* --- a reference: numpy's basic and list indexing, by loops ------------------ */

typedef struct {
    int kind;                    /* 0 slice, 1 int, 2 list, 3 None, 4 ... */
    int64_t a, b, c;             /* slice parts, DUSK_NIL for None; int in a */
    int has_a, has_b, has_c;
    int64_t list[64];
    int n;
} ref_entry;

/* Reads Python index text (the test's own reader). */
static int ref_parse(const char *s, ref_entry *e, int max)
{
    int n = 0;
    while (*s) {
        while (*s == ' ' || *s == ',')
            s++;
        if (!*s)
            break;
        assert_true(n < max);
        ref_entry *x = &e[n++];
        memset(x, 0, sizeof *x);
        if (strncmp(s, "...", 3) == 0) {
            x->kind = 4;
            s += 3;
        } else if (strncmp(s, "None", 4) == 0) {
            x->kind = 3;
            s += 4;
        } else if (*s == '[') {
            x->kind = 2;
            s++;
            while (*s != ']') {
                char *end;
                x->list[x->n++] = strtoll(s, &end, 10);
                s = end;
                while (*s == ' ' || *s == ',')
                    s++;
            }
            s++;
        } else {
            int64_t v[3];
            int has[3] = {0, 0, 0}, part = 0, colon = 0;
            for (;;) {
                while (*s == ' ')
                    s++;
                if (*s == '-' || (*s >= '0' && *s <= '9')) {
                    char *end;
                    v[part] = strtoll(s, &end, 10);
                    has[part] = 1;
                    s = end;
                }
                while (*s == ' ')
                    s++;
                if (*s == ':') {
                    colon = 1;
                    part++;
                    s++;
                    continue;
                }
                break;
            }
            if (!colon) {
                x->kind = 1;
                x->a = v[0];
            } else {
                x->kind = 0;
                x->has_a = has[0], x->has_b = has[1], x->has_c = has[2];
                x->a = v[0], x->b = v[1], x->c = v[2];
            }
        }
    }
    return n;
}

/* Python's slice.indices and len(range(...)): the coordinates selected. */
static int64_t ref_slice(const ref_entry *e, int64_t len, int64_t *out)
{
    int64_t step = e->has_c ? e->c : 1, lo = step < 0 ? -1 : 0, hi = step < 0 ? len - 1 : len;
    int64_t start, stop;
    if (!e->has_a) {
        start = step < 0 ? hi : lo;
    } else {
        start = e->a < 0 ? e->a + len : e->a;
        start = start < lo ? lo : start > hi ? hi : start;
    }
    if (!e->has_b) {
        stop = step < 0 ? lo : hi;
    } else {
        stop = e->b < 0 ? e->b + len : e->b;
        stop = stop < lo ? lo : stop > hi ? hi : stop;
    }
    int64_t n = 0;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
        out[n++] = i;
    return n;
}

/* Applies the index to a C-contiguous buffer of shape: the result's shape
 * and bytes (malloc'd). */
static unsigned char *ref_getitem(const unsigned char *src, dusk_dtype t, int ndim,
                                  const int64_t *shape, const char *text, int *ondim,
                                  int64_t *oshape)
{
    ref_entry ent[80], full[80];
    int n = ref_parse(text, ent, 80), m = 0, used = 0;
    for (int k = 0; k < n; k++)
        used += ent[k].kind <= 2;
    for (int k = 0; k <= n; k++) {
        int fill = k == n ? 0 : ent[k].kind == 4 ? ndim - used : 0;
        for (int f = 0; f < fill; f++)
            full[m++] = (ref_entry){0};
        if (k < n && ent[k].kind != 4)
            full[m++] = ent[k];
    }
    int has_ell = 0;
    for (int k = 0; k < n; k++)
        has_ell |= ent[k].kind == 4;
    if (!has_ell)
        for (int f = used; f < ndim; f++)
            full[m++] = (ref_entry){0};
    /* the coordinates along each output axis, and the fixed ones */
    static int64_t coords[80][4096];
    int64_t ncoord[80], fixed[DUSK_MAXDIMS], base = 0, stride[DUSK_MAXDIMS];
    int axis_of[80], no = 0, axis = 0;
    size_t es = dusk_dtype_size(t);
    for (int d = ndim - 1, s = 1; d >= 0; d--) {
        stride[d] = s;
        s *= (int)shape[d];
    }
    for (int k = 0; k < m; k++) {
        const ref_entry *e = &full[k];
        if (e->kind == 3) {
            oshape[no] = 1;
            ncoord[no] = 1;
            coords[no][0] = 0;
            axis_of[no++] = -1;
            continue;
        }
        if (e->kind == 1) {
            fixed[axis] = e->a < 0 ? e->a + shape[axis] : e->a;
            base += fixed[axis] * stride[axis];
        } else if (e->kind == 2) {
            for (int i = 0; i < e->n; i++)
                coords[no][i] = e->list[i] < 0 ? e->list[i] + shape[axis] : e->list[i];
            ncoord[no] = e->n;
            oshape[no] = e->n;
            axis_of[no++] = axis;
        } else {
            ncoord[no] = ref_slice(e, shape[axis], coords[no]);
            oshape[no] = ncoord[no];
            axis_of[no++] = axis;
        }
        axis++;
    }
    *ondim = no;
    int64_t total = 1;
    for (int o = 0; o < no; o++)
        total *= ncoord[o];
    unsigned char *out = malloc((size_t)(total ? total : 1) * es);
    assert_non_null(out);
    int64_t idx[80] = {0};
    for (int64_t q = 0; q < total; q++) {
        int64_t off = base;
        for (int o = 0; o < no; o++)
            if (axis_of[o] >= 0)
                off += coords[o][idx[o]] * stride[axis_of[o]];
        memcpy(out + q * (int64_t)es, src + off * (int64_t)es, es);
        for (int o = no - 1; o >= 0; o--) {
            if (++idx[o] < ncoord[o])
                break;
            idx[o] = 0;
        }
    }
    return out;
}

/* --- Dask's answers ----------------------------------------------------------------- */

typedef struct {
    int ndim;
    int64_t shape[4];
    const char *chunks;
    const char *index;
    const char *want_chunks;
    int64_t getitem, slice;
} dask_case;

static const dask_case CASES[] = {
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", ":10, 12:2:-2", "((5, 5,), (2, 2, 1,))", 6, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", ":, [10, 1, 5]", "((5, 5, 5,), (1, 1, 1,))", 9, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "3", "((5, 5, 5,),)", 3, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "2, [1, 3]", "((2,),)", 1, 3},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "-1", "((5, 5, 5,),)", 3, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "3, 4", "()", 1, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "2:, [10, 1, 5]", "((3, 5, 5,), (1, 1, 1,))", 9, 9},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "None", "((1,), (5, 5, 5,), (5, 5, 5,))", 9, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", ":, None, 3", "((5, 5, 5,), (1,))", 3, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "[]", "((0,), (5, 5, 5,))", 3, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", ":0", "((0,), (5, 5, 5,))", 3, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "...", "((5, 5, 5,), (5, 5, 5,))", 0, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "..., 3", "((5, 5, 5,),)", 3, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "[14, 0, 0, 13, 6, 7, 8], -2", "((1, 2, 1, 3,),)", 4, 3},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "1:14:4, ::-5", "((1, 2, 1,), (1, 1, 1,))", 9, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "None, ..., None", "((1,), (5, 5, 5,), (5, 5, 5,), (1,))", 9, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "::-1", "((5, 5, 5,), (5, 5, 5,))", 9, 0},
    {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", "-3::-3, 7:", "((1, 2, 2,), (3, 5,))", 6, 0},
    {2, {1000, 10000}, "((500, 500,), (500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500,))", ":100, 500:100:-2", "((100,), (1, 199,))", 2, 0},
    {2, {1000, 600}, "((500, 500,), (500, 100,))", ":100, 500:100:-2", "((100,), (1, 199,))", 2, 0},
    {1, {23}, "((4, 4, 4, 4, 4, 3,),)", "[22, 21, 0, 1, 2, 5, 4]", "((2, 3, 2,),)", 3, 0},
    {1, {23}, "((4, 4, 4, 4, 4, 3,),)", "::-7", "((1, 1, 1, 1,),)", 4, 0},
    {3, {10, 12, 3}, "((3, 3, 4,), (5, 7,), (1, 1, 1,))", "1, ::-2, [2, 0]", "((4, 2,), (1, 1,))", 4, 6},
    {3, {10, 12, 3}, "((3, 3, 4,), (5, 7,), (1, 1, 1,))", "::3, None, -1", "((1, 1, 2,), (1,), (1, 1, 1,))", 9, 0},
    {3, {10, 12, 3}, "((3, 3, 4,), (5, 7,), (1, 1, 1,))", "[9, -1, 0], 2:11:3", "((2, 1,), (1, 2,), (1, 1, 1,))", 12, 18},
    {2, {5, 13}, "((1, 1, 3,), (1, 3, 5, 1, 3,))", "1:-1:1, :-16:-3", "((1, 2,), (1, 1, 1, 1, 1,))", 10, 0},
    {2, {2, 8}, "((1, 1,), (3, 4, 1,))", "-1::-3, -2", "((1,),)", 1, 0},
    {3, {3, 2, 7}, "((2, 1,), (2,), (4, 3,))", ":, 5:0:2, 1", "((2, 1,), (0,))", 2, 0},
    {2, {15, 10}, "((5, 1, 1, 5, 2, 1,), (7, 2, 1,))", ":, :12:-4", "((5, 1, 1, 5, 2, 1,), (0,))", 6, 0},
    {2, {11, 12}, "((5, 4, 2,), (1, 7, 1, 2, 1,))", "-9, -2:-4:7", "((0,),)", 1, 0},
    {2, {1, 15}, "((1,), (2, 5, 1, 4, 1, 1, 1,))", "3::2, -15:17:-2", "((0,), (0,))", 1, 0},
    {2, {12, 13}, "((2, 2, 1, 2, 2, 1, 1, 1,), (4, 7, 1, 1,))", "11:10:1, :", "((0,), (4, 7, 1, 1,))", 4, 0},
    {3, {2, 15, 13}, "((2,), (4, 4, 1, 4, 2,), (1, 2, 1, 2, 4, 1, 1, 1,))", "-2, 11:2:1, :", "((0,), (1, 2, 1, 2, 4, 1, 1, 1,))", 8, 0},
    {1, {9}, "((3, 5, 1,),)", "None, 7:4:1", "((1,), (0,))", 1, 0},
    {2, {9, 16}, "((7, 1, 1,), (2, 5, 3, 2, 1, 3,))", "11:8:-4, 7:16:1", "((0,), (3, 2, 1, 3,))", 4, 0},
    {1, {7}, "((7,),)", "3::-1", "((4,),)", 1, 0},
    {1, {1}, "((1,),)", "2:2:2", "((0,),)", 1, 0},
    {2, {3, 8}, "((1, 1, 1,), (2, 3, 1, 2,))", "1, [3, -6, -5, 4]", "((4,),)", 1, 4},
    {1, {16}, "((2, 4, 7, 3,),)", "12:2:7", "((0,),)", 1, 0},
    {1, {5}, "((1, 2, 2,),)", "[4, 4]", "((2,),)", 1, 0},
    {2, {5, 5}, "((1, 1, 3,), (1, 2, 2,))", ":, :-1:2", "((1, 1, 3,), (1, 1, 0,))", 9, 0},
    {3, {11, 9, 14}, "((7, 2, 1, 1,), (4, 5,), (7, 5, 2,))", "[-7, 6, -7, 5, 5], 9::-1, :", "((5,), (5, 4,), (7, 5, 2,))", 6, 24},
    {2, {4, 2}, "((3, 1,), (1, 1,))", "::3, 0:4", "((1, 1,), (1, 1,))", 4, 0},
    {3, {17, 7, 9}, "((4, 5, 5, 2, 1,), (6, 1,), (5, 2, 2,))", "10::1, -7:2:1, :", "((4, 2, 1,), (2,), (5, 2, 2,))", 9, 0},
    {2, {5, 9}, "((2, 2, 1,), (6, 1, 2,))", ":, 2:8:-4", "((2, 2, 1,), (0,))", 3, 0},
    {2, {7, 12}, "((3, 1, 3,), (3, 1, 3, 5,))", ":-2:7, :7:1", "((1,), (3, 1, 3,))", 3, 0},
    {1, {3}, "((2, 1,),)", "-6:6:1", "((2, 1,),)", 0, 0},
    {2, {13, 5}, "((5, 5, 3,), (4, 1,))", "5:2, 4:", "((0,), (1,))", 1, 0},
    {1, {9}, "((7, 1, 1,),)", "4:0:-2", "((2,),)", 1, 0},
    {1, {4}, "((2, 2,),)", "4:3:2", "((0,),)", 1, 0},
    {3, {6, 9, 12}, "((1, 3, 1, 1,), (1, 6, 1, 1,), (2, 4, 1, 4, 1,))", "4:3:-1, 2:5:7, :", "((1,), (1,), (2, 4, 1, 4, 1,))", 5, 0},
    {1, {3}, "((3,),)", "[0, -2, -3], None", "((3,), (1,))", 1, 0},
    {3, {10, 8, 10}, "((1, 4, 2, 1, 2,), (4, 1, 2, 1,), (3, 5, 2,))", "-12::3, -2:-4:-1, [-2]", "((1, 1, 1, 1,), (2,), (1,))", 4, 12},
    {1, {13}, "((5, 1, 4, 1, 2,),)", ":4:2", "((2,),)", 1, 0},
    {3, {13, 11, 16}, "((2, 3, 6, 1, 1,), (7, 4,), (6, 6, 2, 1, 1,))", ":3, 10::-1, 0:2:2", "((2, 1,), (4, 7,), (1,))", 4, 0},
    {3, {3, 17, 3}, "((3,), (6, 4, 3, 1, 2, 1,), (3,))", "[2, 2], :, :2:-1", "((2,), (6, 4, 3, 1, 2, 1,), (0,))", 6, 6},
    {3, {7, 3, 5}, "((3, 3, 1,), (3,), (5,))", ":-1:-1, 2:2:2, 8::-1", "((0,), (0,), (5,))", 1, 0},
    {2, {1, 10}, "((1,), (1, 7, 2,))", ":, ::2", "((1,), (1, 3, 1,))", 3, 0},
    {2, {12, 5}, "((5, 7,), (5,))", "7:15:1, :7:1", "((5,), (5,))", 1, 0},
    {1, {14}, "((3, 4, 3, 1, 2, 1,),)", "3:6:5", "((1,),)", 1, 0},
    {2, {9, 12}, "((1, 4, 4,), (7, 5,))", "0:-13:-1, [8, -8, -5]", "((1,), (1, 1, 1,))", 3, 2},
    {2, {17, 11}, "((2, 7, 3, 4, 1,), (7, 4,))", ":, :", "((2, 7, 3, 4, 1,), (7, 4,))", 0, 0},
    {1, {2}, "((2,),)", "2:4:1, None", "((0,), (1,))", 1, 0},
    {2, {11, 10}, "((3, 3, 3, 2,), (6, 2, 2,))", "2:1:-4, 7:12:-1", "((1,), (0,))", 1, 0},
    {1, {7}, "((2, 1, 2, 2,),)", "-2", "()", 1, 0},
    {2, {7, 1}, "((6, 1,), (1,))", "-7:-11:-2, 1:4:-3", "((1,), (0,))", 1, 0},
    {1, {3}, "((2, 1,),)", "2:6:-4", "((0,),)", 1, 0},
    {1, {2}, "((2,),)", "[1, -2, -2, 1]", "((4,),)", 1, 0},
    {3, {15, 15, 8}, "((7, 1, 2, 2, 1, 1, 1,), (1, 5, 7, 1, 1,), (7, 1,))", "9:8, 3::-1, None, :-3:-3", "((0,), (3, 1,), (1,), (1,))", 2, 0},
    {2, {9, 11}, "((6, 1, 2,), (5, 2, 2, 1, 1,))", "[-8, -9, -3], 1:-5:-4", "((2, 1,), (0,))", 2, 3},
    {2, {8, 16}, "((1, 6, 1,), (6, 4, 3, 3,))", "11:1, -14:-13:2", "((0,), (1,))", 1, 0},
    {2, {4, 16}, "((2, 1, 1,), (4, 6, 1, 5,))", "None, ::-1, 10", "((1,), (1, 1, 2,))", 3, 0},
    {1, {13}, "((4, 6, 2, 1,),)", ":", "((4, 6, 2, 1,),)", 0, 0},
    {2, {7, 6}, "((6, 1,), (1, 3, 2,))", "[0, -5, -6], :1:3", "((3,), (1,))", 1, 2},
    {1, {13}, "((3, 7, 2, 1,),)", "11:14:7", "((1,),)", 1, 0},
    {2, {16, 1}, "((6, 4, 2, 4,), (1,))", ":8:-1, 2:2:1", "((4, 2, 1,), (0,))", 3, 0},
    {3, {2, 9, 11}, "((2,), (3, 1, 5,), (7, 1, 1, 1, 1,))", "3:3:-1, [6, -4], -4:9:7", "((0,), (2,), (1,))", 1, 3},
    {2, {15, 12}, "((7, 7, 1,), (5, 2, 4, 1,))", "15:10:1, 2:-14:-1", "((0,), (3,))", 1, 0},
    {2, {16, 15}, "((2, 2, 2, 4, 4, 1, 1,), (7, 7, 1,))", "-12:6:-3, -15:-1:1", "((0,), (7, 7,))", 2, 0},
    {1, {13}, "((3, 2, 5, 3,),)", "1::1", "((2, 2, 5, 3,),)", 4, 0},
    {1, {15}, "((3, 1, 3, 2, 1, 1, 2, 1, 1,),)", "8:0:1, None", "((0,), (1,))", 1, 0},
    {1, {2}, "((2,),)", "-4:", "((2,),)", 0, 0},
    {1, {1}, "((1,),)", ":-4:5, None", "((0,), (1,))", 1, 0},
    {3, {16, 3, 14}, "((1, 7, 4, 2, 1, 1,), (2, 1,), (4, 3, 6, 1,))", "-2:13, 3:1:5, :", "((0,), (0,), (4, 3, 6, 1,))", 4, 0},
    {1, {14}, "((1, 7, 1, 4, 1,),)", "::1, None", "((1, 7, 1, 4, 1,), (1,))", 5, 0},
    {1, {12}, "((6, 5, 1,),)", "::3, None", "((2, 2,), (1,))", 2, 0},
    {2, {7, 10}, "((2, 1, 4,), (3, 1, 5, 1,))", "2:3:7, 9", "((1,),)", 1, 0},
    {2, {6, 7}, "((1, 4, 1,), (4, 2, 1,))", "3::7, 5", "((1,),)", 1, 0},
    {2, {4, 13}, "((4,), (5, 7, 1,))", "0, 0", "()", 1, 0},
    {2, {15, 17}, "((4, 2, 1, 1, 5, 2,), (4, 2, 4, 7,))", "11, None, 12::1", "((1,), (5,))", 1, 0},
    {2, {3, 15}, "((3,), (5, 6, 1, 1, 1, 1,))", ":, 1:12:7", "((3,), (1, 1,))", 2, 0},
    {1, {1}, "((1,),)", ":", "((1,),)", 0, 0},
    {1, {7}, "((2, 4, 1,),)", ":", "((2, 4, 1,),)", 0, 0},
    {1, {8}, "((1, 7,),)", ":4:3", "((1, 1,),)", 2, 0},
    {2, {5, 9}, "((5,), (4, 2, 3,))", "-4::-2, 4:6:1", "((1,), (2,))", 1, 0},
    {2, {4, 17}, "((1, 3,), (7, 3, 7,))", "1:-2:-2, [-1, 7, 6]", "((0,), (1, 1, 1,))", 3, 3},
    {2, {11, 3}, "((4, 2, 2, 3,), (3,))", ":, -2:6:-2", "((4, 2, 2, 3,), (0,))", 4, 0},
    {2, {1, 2}, "((1,), (1, 1,))", "0, 1:4:5", "((1,),)", 1, 0},
    {1, {2}, "((1, 1,),)", "1:2:-2", "((0,),)", 1, 0},
    {1, {12}, "((5, 7,),)", ":4:1", "((4,),)", 1, 0},
    {1, {5}, "((3, 2,),)", "[-5]", "((1,),)", 1, 0},
    {3, {12, 15, 17}, "((6, 4, 1, 1,), (1, 1, 1, 5, 1, 4, 1, 1,), (2, 1, 7, 1, 1, 5,))", "None, -6, 16:13:2, [15, 2]", "((1,), (0,), (1, 1,))", 2, 6},
    {2, {1, 13}, "((1,), (6, 4, 1, 2,))", "-5::1, :", "((1,), (6, 4, 1, 2,))", 0, 0},
    {2, {2, 9}, "((2,), (6, 3,))", ":, :2:2", "((2,), (1,))", 1, 0},
    {1, {7}, "((2, 3, 1, 1,),)", "10:10:2", "((0,),)", 1, 0},
    {3, {16, 16, 17}, "((6, 1, 7, 1, 1,), (6, 2, 5, 2, 1,), (4, 5, 5, 1, 1, 1,))", "None, :11:1, :, [-15]", "((1,), (6, 1, 4,), (6, 2, 5, 2, 1,), (1,))", 15, 90},
    {1, {2}, "((1, 1,),)", "0:5:-2", "((0,),)", 1, 0},
    {1, {8}, "((2, 2, 1, 1, 1, 1,),)", "[1, 7, -5, -4, -5, -2]", "((1, 1, 1, 1, 1, 1,),)", 6, 0},
    {2, {14, 9}, "((1, 3, 3, 3, 1, 3,), (7, 2,))", ":, [7, 6, 0, -9, 4], None", "((1, 3, 3, 3, 1, 3,), (1, 4,), (1,))", 12, 0},
    {1, {12}, "((4, 6, 1, 1,),)", "[6]", "((1,),)", 1, 0},
    {1, {14}, "((1, 5, 2, 3, 1, 1, 1,),)", "5:11:-1", "((0,),)", 1, 0},
    {3, {9, 6, 10}, "((7, 1, 1,), (4, 1, 1,), (6, 1, 2, 1,))", "2, 1:0:-1, -6:6:3", "((1,), (1,))", 1, 0},
    {1, {15}, "((2, 5, 5, 3,),)", "[-14, -4, 3, -5, 1, -11]", "((1, 1, 1, 1, 1, 1,),)", 6, 0},
    {2, {11, 6}, "((4, 4, 3,), (3, 3,))", "14:8:5, 9::3", "((0,), (0,))", 1, 0},
    {1, {11}, "((5, 5, 1,),)", "4:11:5", "((1, 1,),)", 2, 0},
    {1, {4}, "((2, 2,),)", "None, 4:3:1", "((1,), (0,))", 1, 0},
    {2, {7, 13}, "((4, 1, 1, 1,), (7, 4, 1, 1,))", "-5::1, 13:7:-1", "((2, 1, 1, 1,), (1, 1, 3,))", 12, 0},
    {1, {15}, "((4, 3, 3, 1, 4,),)", "5:-6:-1", "((0,),)", 1, 0},
    {1, {14}, "((5, 6, 3,),)", ":", "((5, 6, 3,),)", 0, 0},
    {2, {1, 13}, "((1,), (1, 1, 3, 5, 1, 1, 1,))", "3:3:1, 11:13:-4", "((0,), (0,))", 1, 0},
    {2, {7, 6}, "((4, 3,), (1, 5,))", "-5:0, 5:1:-1", "((0,), (4,))", 1, 0},
    {2, {17, 8}, "((7, 4, 4, 1, 1,), (2, 1, 2, 2, 1,))", "[5, 9], 10::3", "((1, 1,), (0,))", 2, 5},
    {2, {8, 9}, "((6, 2,), (6, 2, 1,))", "7, 5:-9:7", "((0,),)", 1, 0},
    {2, {14, 3}, "((6, 3, 2, 2, 1,), (1, 1, 1,))", "[2, 12], ::-3", "((1, 1,), (1,))", 2, 5},
    {2, {9, 4}, "((5, 2, 1, 1,), (4,))", "-7:2:1, -3", "((0,),)", 1, 0},
    {3, {10, 7, 16}, "((6, 2, 1, 1,), (6, 1,), (5, 1, 3, 4, 1, 1, 1,))", "2:3, 0::-2, 9:11:7", "((1,), (1,), (1,))", 1, 0},
    {1, {6}, "((6,),)", ":5:-4", "((0,),)", 1, 0},
    {1, {17}, "((4, 4, 7, 1, 1,),)", "10::-1", "((3, 4, 4,),)", 3, 0},
    {2, {16, 17}, "((5, 7, 2, 2,), (4, 3, 4, 3, 3,))", "-5:16:3, :", "((1, 1,), (4, 3, 4, 3, 3,))", 10, 0},
    {2, {7, 16}, "((7,), (1, 3, 2, 3, 6, 1,))", "None, :6:-4, [-13, 9, 3, -10]", "((1,), (0,), (1, 1, 1, 1,))", 4, 6},
    {2, {2, 17}, "((2,), (5, 2, 6, 1, 1, 1, 1,))", "None, -1, 13:20:1", "((1,), (1, 1, 1, 1,))", 4, 0},
    {2, {9, 10}, "((2, 4, 1, 2,), (1, 4, 5,))", "-8, ::-2", "((3, 2,),)", 2, 0},
    {3, {13, 15, 3}, "((1, 6, 4, 1, 1,), (7, 4, 1, 1, 2,), (1, 1, 1,))", "3:2, ::1, [0, 2]", "((0,), (7, 4, 1, 1, 2,), (1, 1,))", 10, 15},
    {1, {12}, "((7, 2, 3,),)", "[8, 5, 10]", "((1, 1, 1,),)", 3, 0},
    {2, {2, 2}, "((1, 1,), (1, 1,))", "1:3:3, 0", "((1,),)", 1, 0},
    {3, {15, 16, 6}, "((2, 7, 1, 3, 1, 1,), (4, 4, 7, 1,), (3, 3,))", ":10:3, :, [-4]", "((1, 2, 1,), (4, 4, 7, 1,), (1,))", 12, 24},
    {2, {14, 8}, "((4, 4, 6,), (4, 2, 2,))", "-10:1, 9::1", "((0,), (0,))", 1, 0},
    {3, {16, 12, 3}, "((5, 5, 4, 2,), (2, 7, 3,), (1, 2,))", "9, 0:14:2, 6::-2", "((1, 4, 1,), (1, 1,))", 6, 0},
    {3, {9, 17, 11}, "((4, 5,), (5, 2, 2, 2, 2, 1, 1, 2,), (3, 5, 3,))", "3::-2, :, 7:2:1", "((2,), (5, 2, 2, 2, 2, 1, 1, 2,), (0,))", 8, 0},
    {1, {12}, "((3, 5, 1, 1, 1, 1,),)", ":", "((3, 5, 1, 1, 1, 1,),)", 0, 0},
    {2, {7, 9}, "((7,), (3, 4, 1, 1,))", "[-5, -3, 6, -7, -2], 0::1", "((5,), (3, 4, 1, 1,))", 4, 0},
    {2, {16, 3}, "((7, 5, 4,), (1, 1, 1,))", "16:14:2, [-2, 2, -2]", "((0,), (1, 1, 1,))", 3, 3},
    {2, {12, 2}, "((5, 1, 1, 3, 2,), (1, 1,))", "9:14, [1]", "((1, 2,), (1,))", 2, 4},
    {2, {13, 4}, "((3, 4, 4, 1, 1,), (2, 1, 1,))", "5:7:2, 2:1:-3", "((1,), (1,))", 1, 0},
    {2, {1, 3}, "((1,), (2, 1,))", "[-1, 0, -1, 0], :1", "((4,), (1,))", 1, 1},
    /* a step past a block's end leaves the next block empty, in Dask too
     * (found by fuzz_slice) */
    {1, {10}, "((4, 4, 2,),)", "0:5:5", "((1, 0,),)", 2, 0},
    {2, {13, 6}, "((4, 4, 4, 1,), (3, 3,))", ":82:82, 1:6:4", "((1,), (1, 1,))", 2, 0},
    {2, {10, 6}, "((4, 4, 2,), (3, 3,))", "0:5:5, 1:6:4", "((1, 0,), (1, 1,))", 4, 0},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

/* How many keys of a's graph begin with prefix. */
static int64_t count_keys(const dusk_array *a, const char *prefix)
{
    dusk_graph *g;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_graph(a, &g, &err))
        fail_msg("graph: %s", err.msg);
    int64_t n = 0;
    for (size_t id = 0; id < dusk_graph_size(g); id++)
        n += strncmp(dusk_graph_key(g, (int64_t)id), prefix, strlen(prefix)) == 0;
    dusk_graph_free(g);
    return n;
}

/* One case in one dtype: chunks and counts as Dask's, values as the
 * reference's, under the schedulers asked for. */
static void run_case(const dask_case *c, dusk_dtype t, int both_schedulers)
{
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    assert_non_null(ctx);
    dusk_shape sh = {c->ndim, {0}};
    int64_t total = 1;
    for (int d = 0; d < c->ndim; d++) {
        sh.v[d] = c->shape[d];
        total *= c->shape[d];
    }
    int compute = total <= 1000000;
    unsigned char *buf = compute ? fill_buffer(t, c->ndim, c->shape, (uint64_t)total) : NULL;
    dusk_array *x = compute ? dusk_from_buffer(ctx, buf, t, sh, c->chunks)
                            : dusk_ones(ctx, sh, c->chunks, t);
    assert_ok(x);
    dusk_array *y = dusk_array_slice(x, c->index);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(y, &err))
        fail_msg("x[%s]: %s", c->index, err.msg);
    char got[4096];
    all_chunks_text(y, got, sizeof got);
    if (strcmp(got, c->want_chunks) != 0)
        fail_msg("x[%s] on chunks %s: chunks %s, Dask has %s", c->index, c->chunks, got,
                 c->want_chunks);
    /* Dask's one 'getitem' layer holds the 'slice-' keys too */
    int64_t nslice = count_keys(y, "('slice-");
    if (count_op(y, "getitem") != c->getitem + c->slice || count_op(y, "slice") != 0 ||
        nslice != c->slice)
        fail_msg("x[%s] on chunks %s: a getitem layer of %" PRId64 " tasks (%" PRId64 " slice "
                 "keys), a slice layer of %" PRId64 "; Dask has %" PRId64 " getitem and %" PRId64
                 " slice keys in one getitem layer", c->index, c->chunks, count_op(y, "getitem"),
                 nslice, count_op(y, "slice"), c->getitem, c->slice);
    assert_int_equal(dusk_array_dtype(y), t);
    if (c->getitem == 0 && c->slice == 0)
        assert_ptr_equal(y, x);  /* selects everything: the array itself */
    if (compute) {
        int rnd;
        int64_t rshape[DUSK_MAXDIMS];
        unsigned char *want = ref_getitem(buf, t, c->ndim, c->shape, c->index, &rnd, rshape);
        for (int s = 0; s < (both_schedulers ? 2 : 1); s++) {
            dusk_value *v = compute_on(y, s ? DUSK_SCHED_SYNC : DUSK_SCHED_THREADS);
            assert_int_equal(dusk_ndarray_ndim(v), rnd);
            assert_int_equal(dusk_array_ndim(y), rnd);
            for (int d = 0; d < rnd; d++) {
                assert_int_equal(dusk_ndarray_shape(v)[d], rshape[d]);
                assert_int_equal(dusk_array_shape(y)[d], rshape[d]);
            }
            assert_int_equal(dusk_ndarray_dtype(v), t);
            if (memcmp(dusk_ndarray_data(v), want,
                       (size_t)dusk_ndarray_size(v) * dusk_dtype_size(t)) != 0)
                fail_msg("x[%s] on chunks %s (%s): values differ from the reference", c->index,
                         c->chunks, dusk_dtype_code(t));
            dusk_value_unref(v);
        }
        free(want);
    }
    free(buf);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

/* A negative step from before the first element selects nothing, as in
 * NumPy (Dask 2022.12, whose normalize_slice dusk follows, reads the
 * clipped start -1 as the last element: x[-11::-1] of 10 was all of x
 * reversed). Checked against the reference's loops, whatever Dask does. */
static void test_negative_step_from_before_the_start(void **state)
{
    (void)state;
    static const char *const idx[] = {"-11::-1", "-12:-11:-1", "-100::-2", "2:5:-1",
                                      "-11:0:-1", "5:-11:-1", "5:2:-1", "::-3", "-10::-1"};
    static const int64_t want_len[] = {0, 0, 0, 0, 0, 6, 3, 4, 1};
    for (size_t i = 0; i < sizeof idx / sizeof *idx; i++) {
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        int64_t shape[1] = {10};
        unsigned char *buf = fill_buffer(DUSK_DT_I8, 1, shape, 10);
        dusk_array *x = dusk_from_buffer(ctx, buf, DUSK_DT_I8, DUSK_SHAPE(10), "3");
        dusk_array *y = dusk_array_slice(x, idx[i]);
        assert_ok(y);
        if (dusk_array_shape(y)[0] != want_len[i])
            fail_msg("x[%s] of 10: %" PRId64 " elements, NumPy has %" PRId64, idx[i],
                     dusk_array_shape(y)[0], want_len[i]);
        int rnd;
        int64_t rshape[DUSK_MAXDIMS];
        unsigned char *want = ref_getitem(buf, DUSK_DT_I8, 1, shape, idx[i], &rnd, rshape);
        assert_int_equal(rshape[0], want_len[i]);
        dusk_value *v = compute_on(y, DUSK_SCHED_SYNC);
        assert_int_equal(dusk_ndarray_shape(v)[0], want_len[i]);
        if (want_len[i])
            assert_memory_equal(dusk_ndarray_data(v), want, (size_t)want_len[i] * 8);
        dusk_value_unref(v);
        free(want);
        free(buf);
        dusk_array_ctx_free(ctx);
    }
}

static void test_dask_cases_f8(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++)
        run_case(&CASES[i], DUSK_DT_F8, 1);
}

static void test_dask_cases_other_dtypes(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++)
        for (size_t k = 1; k < NDTYPES; k++)
            if ((i + k) % 3 == 0 || i < 25)
                run_case(&CASES[i], DTYPES[k], (i + k) % 2 == 0);
}

/* The brief's counts on ones((15, 15), chunks=(5, 5)), through the struct
 * API; the text and struct forms give the same layer. */
static void test_struct_index_and_counts(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_index a[] = {DUSK_SLICE(DUSK_NIL, 10, DUSK_NIL), DUSK_SLICE(12, 2, -2)};
    dusk_array *y = dusk_array_getitem(x, a, 2);
    assert_ok(y);
    assert_int_equal(count_op(y, "getitem"), 6);
    assert_int_equal(dusk_array_ntasks(y), 9 + 6);
    assert_string_equal(dusk_array_name(y), dusk_array_name(dusk_array_slice(x, ":10, 12:2:-2")));
    assert_string_equal(dusk_array_name(y), dusk_array_name(dusk_array_getitem(x, a, 2)));
    int64_t lst[] = {10, 1, 5};
    dusk_index b[] = {DUSK_ALL, DUSK_LIST(lst, 3)};
    dusk_array *z = dusk_array_getitem(x, b, 2);
    assert_int_equal(count_op(z, "getitem"), 9);
    assert_string_equal(dusk_array_name(z), dusk_array_name(dusk_array_slice(x, ":, [10, 1, 5]")));
    dusk_index c[] = {DUSK_AT(3)};
    dusk_array *w = dusk_array_getitem(x, c, 1);
    assert_int_equal(count_op(w, "getitem"), 3);
    assert_int_equal(dusk_array_ndim(w), 1);
    dusk_index d[] = {DUSK_ELLIPSIS, DUSK_AT(-1), DUSK_NEWAXIS};
    dusk_array *u = dusk_array_getitem(x, d, 3);
    assert_ok(u);
    assert_int_equal(dusk_array_ndim(u), 2);
    assert_int_equal(dusk_array_shape(u)[0], 15);
    assert_int_equal(dusk_array_shape(u)[1], 1);
    /* x[2, [1, 3]]: Dask's layers, ones_like and one getitem of 4 tasks (3
     * of them 'slice-' keys) that reads ones_like */
    int64_t two[] = {1, 3};
    dusk_index mixed[] = {DUSK_AT(2), DUSK_LIST(two, 2)};
    dusk_array *mx = dusk_array_getitem(x, mixed, 2);
    dusk_layer_info li[4];
    assert_int_equal(dusk_array_layers(mx, li, 4), 2);
    assert_string_equal(li[1].op, "getitem");
    assert_int_equal(li[1].ntasks, 4);
    assert_int_equal(li[1].ndeps, 1);
    assert_string_equal(li[1].deps[0], li[0].name);
    assert_string_equal(li[0].op, "ones_like");
    assert_int_equal(dusk_array_ntasks(mx), 13);
    /* the whole array is the array */
    dusk_index all[] = {DUSK_ALL, DUSK_SLICE(0, 15, 1)};
    assert_ptr_equal(dusk_array_getitem(x, all, 2), x);
    assert_ptr_equal(dusk_array_getitem(x, NULL, 0), x);
    assert_ptr_equal(dusk_array_slice(x, ""), x);
    assert_ptr_equal(dusk_array_slice(x, "-20:99, ..."), x);
    /* steps as large as they come */
    dusk_array *ar = dusk_arange(ctx, 0, 20, 1, "6");
    dusk_index big[] = {DUSK_SLICE(DUSK_NIL, DUSK_NIL, INT64_MAX)};
    dusk_index nbig[] = {DUSK_SLICE(INT64_MIN + 1, INT64_MAX, -INT64_MAX)};
    dusk_index rbig[] = {DUSK_SLICE(INT64_MAX, INT64_MIN + 1, -INT64_MAX)};
    dusk_value *bv = compute_on(dusk_array_getitem(ar, big, 1), DUSK_SCHED_SYNC);
    assert_int_equal(dusk_ndarray_size(bv), 1);
    assert_int_equal(((const int64_t *)dusk_ndarray_data(bv))[0], 0);
    dusk_value_unref(bv);
    bv = compute_on(dusk_array_getitem(ar, nbig, 1), DUSK_SCHED_SYNC);
    assert_int_equal(dusk_ndarray_size(bv), 0);
    dusk_value_unref(bv);
    bv = compute_on(dusk_array_getitem(ar, rbig, 1), DUSK_SCHED_SYNC);
    assert_int_equal(dusk_ndarray_size(bv), 1);
    assert_int_equal(((const int64_t *)dusk_ndarray_data(bv))[0], 19);
    dusk_value_unref(bv);
    /* values: x[:, [10, 1, 5]] of arange */
    dusk_array *r = dusk_arange(ctx, 0, 225, 1, "50");
    dusk_array *m = dusk_array_slice(dusk_array_rechunk(r, "((50, 50, 50, 50, 25),)"), "[224, 0, 49, 50, -1]");
    dusk_value *v = compute_on(m, DUSK_SCHED_SYNC);
    const int64_t *p = dusk_ndarray_data(v);
    assert_int_equal(dusk_ndarray_size(v), 5);
    assert_int_equal(p[0], 224);
    assert_int_equal(p[1], 0);
    assert_int_equal(p[2], 49);
    assert_int_equal(p[3], 50);
    assert_int_equal(p[4], 224);
    dusk_value_unref(v);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Slices of slices, and slicing feeding other operations. */
static void test_chained(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    int64_t shape[2] = {37, 29};
    unsigned char *buf = fill_buffer(DUSK_DT_F8, 2, shape, 3);
    dusk_array *x = dusk_from_buffer(ctx, buf, DUSK_DT_F8, DUSK_SHAPE(37, 29), "(8, 6)");
    dusk_array *y = dusk_array_slice(dusk_array_slice(x, "::-3, 2:"), "1:-1, [4, 0, 4]");
    dusk_array *s = dusk_array_sum(y, DUSK_ALL_AXES, false);
    dusk_value *v = compute_on(s, DUSK_SCHED_THREADS);
    const double *src = (const double *)buf;
    double want = 0;
    int rows = 0;
    for (int i = 36; i >= 0; i -= 3)
        rows++;
    for (int k = 1; k < rows - 1; k++) {
        int i = 36 - 3 * k;
        want += src[i * 29 + 2 + 4] * 2 + src[i * 29 + 2 + 0];
    }
    assert_true(fabs(*(const double *)dusk_ndarray_data(v) - want) < 1e-6 * fabs(want) + 1e-9);
    dusk_value_unref(v);
    free(buf);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_squeeze(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_full(ctx, DUSK_SHAPE(1, 6, 1), "(1, 4, 1)", DUSK_DT_I4, 7);
    dusk_array *a = dusk_array_squeeze(x, DUSK_ALL_AXES);
    assert_ok(a);
    assert_int_equal(dusk_array_ndim(a), 1);
    assert_int_equal(count_op(a, "getitem"), 2);
    dusk_array *b = dusk_array_squeeze(x, DUSK_AXIS(-1));
    assert_int_equal(dusk_array_ndim(b), 2);
    assert_int_equal(dusk_array_shape(b)[0], 1);
    assert_int_equal(dusk_array_shape(b)[1], 6);
    assert_ptr_equal(dusk_array_squeeze(a, DUSK_ALL_AXES), a);  /* nothing to squeeze */
    assert_error(dusk_array_squeeze(x, DUSK_AXIS(1)), DUSK_EINVAL, "axis 1", "length 6");
    assert_error(dusk_array_squeeze(x, DUSK_AXIS(3)), DUSK_EINVAL, "axis 3", "out of range");
    assert_error(dusk_array_squeeze(x, DUSK_AXIS(0) | DUSK_AXIS(-3)), DUSK_EINVAL,
                 "squeeze: duplicate value in 'axis'", "axis 0 given twice (as 0 and -3)");
    /* every axis of length 1: Dask's 'squeeze' layer gives a 0-d array */
    dusk_array *one = dusk_full(ctx, DUSK_SHAPE(1, 1), NULL, DUSK_DT_U1, 9);
    dusk_array *z = dusk_array_squeeze(one, DUSK_ALL_AXES);
    assert_ok(z);
    assert_int_equal(dusk_array_ndim(z), 0);
    assert_int_equal(count_op(z, "squeeze"), 1);
    dusk_value *v = compute_on(z, DUSK_SCHED_SYNC);
    assert_int_equal(dusk_ndarray_ndim(v), 0);
    assert_int_equal(*(const unsigned char *)dusk_ndarray_data(v), 9);
    dusk_value_unref(v);
    v = compute_on(a, DUSK_SCHED_THREADS);
    assert_int_equal(dusk_ndarray_size(v), 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal(((const int32_t *)dusk_ndarray_data(v))[i], 7);
    dusk_value_unref(v);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_errors(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 12), "(5, 5)", DUSK_DT_F8);
    assert_error(dusk_array_slice(x, "15"), DUSK_EINVAL, "index 15 is out of bounds for axis 0",
                 "size 15");
    assert_error(dusk_array_slice(x, ":, -13"), DUSK_EINVAL, "index -13 is out of bounds for axis 1",
                 "size 12");
    assert_error(dusk_array_slice(x, ":, [1, 12, 3]"), DUSK_EINVAL, "index 12 (item 1 of the list)",
                 "axis 1 with size 12");
    assert_error(dusk_array_slice(x, "[-16]"), DUSK_EINVAL, "index -16", "axis 0");
    assert_error(dusk_array_slice(x, "::0"), DUSK_EINVAL, "step cannot be zero", "axis 0");
    assert_error(dusk_array_slice(x, "1, 2, 3"), DUSK_EINVAL, "too many indices",
                 "2-dimensional, but 3 were indexed");
    assert_error(dusk_array_slice(x, "[1], [2]"), DUSK_EINVAL, "only one list",
                 "axes 0 and 1");
    assert_error(dusk_array_slice(x, "..., 1, ..."), DUSK_EINVAL, "single ellipsis", NULL);
    assert_error(dusk_array_slice(x, "1:2:3:4"), DUSK_EINVAL, "cannot read index", "column");
    assert_error(dusk_array_slice(x, "[1, a]"), DUSK_EINVAL, "cannot read index", "integers");
    assert_error(dusk_array_slice(x, "abc"), DUSK_EINVAL, "cannot read index", "column 1");
    assert_error(dusk_array_slice(x, "1 2"), DUSK_EINVAL, "cannot read index", "commas");
    assert_error(dusk_array_slice(x, "-"), DUSK_EINVAL, "cannot read index", NULL);
    assert_error(dusk_array_slice(x, "99999999999999999999"), DUSK_EINVAL, "cannot read index",
                 NULL);
    assert_error(dusk_array_slice(x, NULL), DUSK_EINVAL, "no index text", NULL);
    assert_error(dusk_array_getitem(x, NULL, 2), DUSK_EINVAL, "no index", NULL);
    dusk_index bad[] = {{(dusk_index_kind)42, 0, 0, 0, NULL, 0}};
    assert_error(dusk_array_getitem(x, bad, 1), DUSK_EINVAL, "unknown kind 42", NULL);
    dusk_index nolist[] = {DUSK_LIST(NULL, 3)};
    assert_error(dusk_array_getitem(x, nolist, 1), DUSK_EINVAL, "list with no items", NULL);
    dusk_index nilint[] = {DUSK_AT(DUSK_NIL)};
    assert_error(dusk_array_getitem(x, nilint, 1), DUSK_EINVAL,
                 "index -9223372036854775808 is out of bounds for axis 0", NULL);
    /* too many new axes */
    char many[512] = "";
    for (int i = 0; i < 31; i++)
        strcat(many, "None, ");
    assert_error(dusk_array_slice(x, many), DUSK_EINVAL, "33 dimensions", "at most 32");
    /* an error travels through */
    dusk_array *e = dusk_array_slice(x, "99");
    assert_ptr_equal(dusk_array_slice(e, "1"), e);
    assert_ptr_equal(dusk_array_squeeze(e, DUSK_ALL_AXES), e);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_ctx_status(ctx, &err), DUSK_EINVAL);
    assert_contains(err.msg, "index 15 is out of bounds");
    /* no array: an error (core gives its static out-of-memory array when
     * there is no context to hold the message) */
    assert_true(dusk_array_status(dusk_array_slice(NULL, "1"), NULL) != 0);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Allocation failure at every step of building and computing: an error
 * (never a crash) and nothing leaked. */
static void test_out_of_memory(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int64_t shape[2] = {12, 10};
    unsigned char *buf = fill_buffer(DUSK_DT_I4, 2, shape, 5);
    int completed = 0;
    for (long k = 0; !completed && k < 5000; k++) {
        dusk_alloc_fail_after(k);
        unsigned long before = dusk_alloc_calls();
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_array *x = dusk_from_buffer(ctx, buf, DUSK_DT_I4, DUSK_SHAPE(12, 10), "(5, 4)");
        dusk_array *y = dusk_array_slice(x, "None, 1:, [9, 0, 3]");
        dusk_array *z = dusk_array_squeeze(dusk_array_slice(y, "..., ::-2, :"), DUSK_AXIS(0));
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = DUSK_SCHED_SYNC;
        dusk_value *v = NULL;
        int rc = dusk_array_compute(z, &o, &v, NULL);
        completed = dusk_alloc_calls() - before < (unsigned long)k;
        dusk_alloc_fail_after(-1);
        if (completed) {
            assert_int_equal(rc, 0);
            assert_int_equal(dusk_ndarray_size(v), 6 * 3);
        } else {
            assert_true(rc != 0 || v != NULL);
        }
        dusk_value_unref(v);
        dusk_array_ctx_free(ctx);
        assert_int_equal(dusk_alloc_live(), live);
    }
    assert_true(completed);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_dask_cases_f8, reset_alloc),
        cmocka_unit_test_teardown(test_negative_step_from_before_the_start, reset_alloc),
        cmocka_unit_test_teardown(test_dask_cases_other_dtypes, reset_alloc),
        cmocka_unit_test_teardown(test_struct_index_and_counts, reset_alloc),
        cmocka_unit_test_teardown(test_chained, reset_alloc),
        cmocka_unit_test_teardown(test_squeeze, reset_alloc),
        cmocka_unit_test_teardown(test_errors, reset_alloc),
        cmocka_unit_test_teardown(test_out_of_memory, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
