/*
** dusk tests — joining arrays (dusk_concatenate, dusk_stack)
**
** A table that Dask 2022.12.1 computed (da.concatenate([x, x]) and
** da.stack([x, x]) on ones((15, 15), chunks=(5, 5)), dtype promotion,
** dropped empty arrays, chunk unification, and 40 seeded random joins over
** uneven chunkings and mixed dtypes): the result's chunks, dtype and
** 'concatenate' / 'stack' task counts must be Dask's, and its values those
** of a plain-loop numpy.concatenate / numpy.stack, under the sync and
** threads schedulers. Then joins of many arrays, every error, and
** allocation failures at every step.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"
#include "array.h"  /* core's DUSK__MAXIN: inputs a layer may read */

/* --- helpers ------------------------------------------------------------------ */

/* Stores element i of b (dtype t) at o in dtype u, as numpy's safe cast. */
static void cast(unsigned char *o, dusk_dtype u, const unsigned char *b, dusk_dtype t, int64_t i)
{
    if (u == DUSK_DT_F8) {
        double v = dt_float(t) ? ref_getf(b, t, i) : (double)ref_geti(b, t, i);
        memcpy(o, &v, 8);
    } else if (u == DUSK_DT_F4) {
        float v = (float)(dt_float(t) ? ref_getf(b, t, i) : (double)ref_geti(b, t, i));
        memcpy(o, &v, 4);
    } else {
        int64_t v = ref_geti(b, t, i);
        switch (u) {
        case DUSK_DT_I8: memcpy(o, &v, 8); break;
        case DUSK_DT_I4: { int32_t w = (int32_t)v; memcpy(o, &w, 4); break; }
        default: *o = (unsigned char)v; break;
        }
    }
}

/* --- the reference ------------------------------------------------------------ */

typedef struct {
    int ndim;
    int64_t shape[4];
    const char *chunks;
    dusk_dtype dtype;
} arr_spec;

/* numpy.concatenate (stack: 0) or numpy.stack (stack: 1) of the buffers,
 * in dtype u; the result's shape in oshape. */
static unsigned char *ref_join(int stack, int n, const arr_spec *s, unsigned char **bufs,
                               int axis, dusk_dtype u, int *ondim, int64_t *oshape)
{
    int nd = s[0].ndim + stack;
    int64_t total = 1;
    for (int d = 0, i = 0; d < nd; d++) {
        if (stack && d == axis) {
            oshape[d] = n;
        } else if (!stack && d == axis) {
            oshape[d] = 0;
            for (int k = 0; k < n; k++)
                oshape[d] += s[k].shape[d];
            i++;
        } else {
            oshape[d] = s[0].shape[i++];
        }
        total *= oshape[d];
    }
    *ondim = nd;
    size_t es = dusk_dtype_size(u);
    unsigned char *out = malloc((size_t)(total ? total : 1) * es);
    assert_non_null(out);
    int64_t idx[8] = {0};
    for (int64_t q = 0; q < total; q++) {
        /* which array, and where in it */
        int k = 0;
        int64_t at[8];
        int na = 0;
        for (int d = 0; d < nd; d++) {
            if (stack && d == axis) {
                k = (int)idx[d];
                continue;
            }
            at[na++] = idx[d];
        }
        if (!stack) {
            int64_t p = idx[axis];
            while (p >= s[k].shape[axis]) {
                p -= s[k].shape[axis];
                k++;
            }
            at[axis] = p;
        }
        int64_t off = 0;
        for (int d = 0; d < s[k].ndim; d++)
            off = off * s[k].shape[d] + at[d];
        cast(out + q * (int64_t)es, u, bufs[k], s[k].dtype, off);
        for (int d = nd - 1; d >= 0; d--) {
            if (++idx[d] < oshape[d])
                break;
            idx[d] = 0;
        }
    }
    return out;
}

/* --- Dask's answers ----------------------------------------------------------------- */

typedef struct {
    const char *op;
    int n, axis;
    arr_spec a[4];
    const char *want_chunks;
    dusk_dtype want_dtype;
    int64_t tasks;
} dask_case;

static const dask_case CASES[] = {
    {"concatenate", 2, 0, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}}, "((5, 5, 5, 5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, 18},
    {"concatenate", 2, 1, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}}, "((5, 5, 5,), (5, 5, 5, 5, 5, 5,))", DUSK_DT_F8, 18},
    {"stack", 2, 0, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}}, "((1, 1,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, 18},
    {"stack", 2, 2, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}}, "((5, 5, 5,), (5, 5, 5,), (1, 1,))", DUSK_DT_F8, 18},
    {"stack", 2, -1, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}}, "((5, 5, 5,), (5, 5, 5,), (1, 1,))", DUSK_DT_F8, 18},
    {"concatenate", 3, 0, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_I4}, {2, {0, 15}, "((0,), (5, 5, 5,))", DUSK_DT_F8}}, "((5, 5, 5, 5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, 18},
    {"concatenate", 2, 0, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {4, 15}, "((2, 2,), (3, 3, 3, 3, 3,))", DUSK_DT_F8}}, "((5, 5, 5, 2, 2,), (3, 2, 1, 3, 1, 2, 3,))", DUSK_DT_F8, 35},
    {"stack", 2, 0, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((3, 3, 3, 3, 3,), (15,))", DUSK_DT_F8}}, "((1, 1,), (3, 2, 1, 3, 1, 2, 3,), (5, 5, 5,))", DUSK_DT_F8, 42},
    {"concatenate", 2, 0, {{2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {0, 15}, "((0,), (5, 5, 5,))", DUSK_DT_F8}}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, 0},
    {"concatenate", 3, 0, {{1, {3}, "((3,),)", DUSK_DT_U1}, {1, {4}, "((2, 2,),)", DUSK_DT_BOOL}, {1, {2}, "((1, 1,),)", DUSK_DT_I4}}, "((3, 2, 2, 1, 1,),)", DUSK_DT_I4, 5},
    {"stack", 3, 1, {{1, {3}, "((3,),)", DUSK_DT_U1}, {1, {3}, "((2, 1,),)", DUSK_DT_BOOL}, {1, {3}, "((1, 1, 1,),)", DUSK_DT_F4}}, "((1, 1, 1,), (1, 1, 1,))", DUSK_DT_F4, 9},
    {"concatenate", 2, 1, {{3, {2, 3, 4}, "((1, 1,), (3,), (2, 2,))", DUSK_DT_I8}, {3, {2, 5, 4}, "((2,), (2, 3,), (4,))", DUSK_DT_I8}}, "((1, 1,), (3, 2, 3,), (2, 2,))", DUSK_DT_I8, 12},
    {"stack", 1, 0, {{1, {7}, "((7,),)", DUSK_DT_F4}}, "((1,), (7,))", DUSK_DT_F4, 1},
    {"stack", 4, -1, {{3, {9, 4, 3}, "((6, 3,), (2, 1, 1,), (2, 1,))", DUSK_DT_F8}, {3, {9, 4, 3}, "((5, 1, 3,), (4,), (2, 1,))", DUSK_DT_U1}, {3, {9, 4, 3}, "((1, 5, 1, 1, 1,), (2, 1, 1,), (2, 1,))", DUSK_DT_I4}, {3, {9, 4, 3}, "((5, 2, 1, 1,), (4,), (1, 1, 1,))", DUSK_DT_BOOL}}, "((1, 4, 1, 1, 1, 1,), (2, 1, 1,), (1, 1, 1,), (1, 1, 1, 1,))", DUSK_DT_F8, 216},
    {"stack", 3, -1, {{1, {4}, "((1, 1, 1, 1,),)", DUSK_DT_F8}, {1, {4}, "((3, 1,),)", DUSK_DT_F8}, {1, {4}, "((1, 3,),)", DUSK_DT_F8}}, "((1, 1, 1, 1,), (1, 1, 1,))", DUSK_DT_F8, 12},
    {"stack", 4, -1, {{1, {7}, "((1, 5, 1,),)", DUSK_DT_BOOL}, {1, {7}, "((3, 3, 1,),)", DUSK_DT_I8}, {1, {7}, "((3, 1, 2, 1,),)", DUSK_DT_F4}, {1, {7}, "((2, 1, 1, 1, 2,),)", DUSK_DT_I4}}, "((1, 1, 1, 1, 1, 1, 1,), (1, 1, 1, 1,))", DUSK_DT_F8, 28},
    {"stack", 2, 2, {{2, {3, 7}, "((2, 1,), (4, 2, 1,))", DUSK_DT_F8}, {2, {3, 7}, "((2, 1,), (1, 2, 2, 2,))", DUSK_DT_U1}}, "((2, 1,), (1, 2, 1, 1, 1, 1,), (1, 1,))", DUSK_DT_F8, 24},
    {"concatenate", 2, -1, {{1, {4}, "((1, 3,),)", DUSK_DT_I8}, {1, {4}, "((4,),)", DUSK_DT_F8}}, "((1, 3, 4,),)", DUSK_DT_F8, 3},
    {"concatenate", 1, 1, {{2, {6, 2}, "((5, 1,), (1, 1,))", DUSK_DT_F4}}, "((5, 1,), (1, 1,))", DUSK_DT_F4, 0},
    {"concatenate", 2, -2, {{2, {6, 3}, "((4, 1, 1,), (1, 1, 1,))", DUSK_DT_F8}, {2, {8, 3}, "((3, 2, 3,), (3,))", DUSK_DT_I4}}, "((4, 1, 1, 3, 2, 3,), (1, 1, 1,))", DUSK_DT_F8, 18},
    {"stack", 2, 3, {{3, {2, 3, 4}, "((1, 1,), (1, 1, 1,), (1, 2, 1,))", DUSK_DT_I4}, {3, {2, 3, 4}, "((1, 1,), (1, 1, 1,), (3, 1,))", DUSK_DT_F8}}, "((1, 1,), (1, 1, 1,), (1, 2, 1,), (1, 1,))", DUSK_DT_F8, 36},
    {"stack", 2, 2, {{3, {1, 1, 8}, "((1,), (1,), (1, 5, 1, 1,))", DUSK_DT_F8}, {3, {1, 1, 8}, "((1,), (1,), (2, 1, 1, 4,))", DUSK_DT_U1}}, "((1,), (1,), (1, 1,), (1, 1, 1, 1, 2, 1, 1,))", DUSK_DT_F8, 14},
    {"concatenate", 3, -1, {{1, {7}, "((1, 4, 1, 1,),)", DUSK_DT_U1}, {1, {0}, "((0,),)", DUSK_DT_U1}, {1, {6}, "((4, 1, 1,),)", DUSK_DT_F8}}, "((1, 4, 1, 1, 4, 1, 1,),)", DUSK_DT_F8, 7},
    {"stack", 4, -1, {{1, {6}, "((6,),)", DUSK_DT_BOOL}, {1, {6}, "((5, 1,),)", DUSK_DT_I4}, {1, {6}, "((4, 1, 1,),)", DUSK_DT_I8}, {1, {6}, "((5, 1,),)", DUSK_DT_I4}}, "((4, 1, 1,), (1, 1, 1, 1,))", DUSK_DT_I8, 12},
    {"stack", 4, 0, {{1, {5}, "((3, 2,),)", DUSK_DT_F4}, {1, {5}, "((5,),)", DUSK_DT_F4}, {1, {5}, "((5,),)", DUSK_DT_F4}, {1, {5}, "((3, 2,),)", DUSK_DT_I4}}, "((1, 1, 1, 1,), (3, 2,))", DUSK_DT_F8, 8},
    {"stack", 3, 0, {{2, {4, 7}, "((2, 2,), (2, 5,))", DUSK_DT_I8}, {2, {4, 7}, "((2, 1, 1,), (4, 2, 1,))", DUSK_DT_BOOL}, {2, {4, 7}, "((1, 2, 1,), (1, 4, 2,))", DUSK_DT_I8}}, "((1, 1, 1,), (1, 1, 1, 1,), (1, 1, 2, 1, 1, 1,))", DUSK_DT_I8, 72},
    {"stack", 4, -4, {{3, {6, 8, 6}, "((1, 3, 1, 1,), (5, 2, 1,), (6,))", DUSK_DT_U1}, {3, {6, 8, 6}, "((1, 2, 2, 1,), (2, 1, 3, 1, 1,), (1, 1, 4,))", DUSK_DT_F8}, {3, {6, 8, 6}, "((6,), (5, 3,), (6,))", DUSK_DT_I8}, {3, {6, 8, 6}, "((1, 2, 1, 2,), (3, 2, 3,), (1, 4, 1,))", DUSK_DT_F4}}, "((1, 1, 1, 1,), (1, 2, 1, 1, 1,), (2, 1, 2, 1, 1, 1,), (1, 1, 3, 1,))", DUSK_DT_F8, 480},
    {"concatenate", 4, 1, {{2, {4, 6}, "((2, 2,), (4, 1, 1,))", DUSK_DT_I4}, {2, {4, 8}, "((3, 1,), (3, 2, 1, 1, 1,))", DUSK_DT_F4}, {2, {4, 6}, "((1, 2, 1,), (3, 3,))", DUSK_DT_F8}, {2, {4, 5}, "((1, 1, 2,), (3, 2,))", DUSK_DT_I8}}, "((1, 1, 1, 1,), (4, 1, 1, 3, 2, 1, 1, 1, 3, 3, 3, 2,))", DUSK_DT_F8, 48},
    {"concatenate", 1, 0, {{1, {2}, "((2,),)", DUSK_DT_BOOL}}, "((2,),)", DUSK_DT_BOOL, 0},
    {"stack", 2, 2, {{2, {9, 9}, "((6, 2, 1,), (5, 1, 1, 2,))", DUSK_DT_U1}, {2, {9, 9}, "((5, 3, 1,), (5, 3, 1,))", DUSK_DT_BOOL}}, "((5, 1, 2, 1,), (5, 1, 1, 1, 1,), (1, 1,))", DUSK_DT_U1, 40},
    {"stack", 2, 1, {{2, {9, 9}, "((5, 4,), (2, 4, 3,))", DUSK_DT_F8}, {2, {9, 9}, "((5, 1, 3,), (4, 1, 1, 3,))", DUSK_DT_I4}}, "((5, 1, 3,), (1, 1,), (2, 2, 1, 1, 3,))", DUSK_DT_F8, 30},
    {"stack", 1, 0, {{1, {3}, "((3,),)", DUSK_DT_I4}}, "((1,), (3,))", DUSK_DT_I4, 1},
    {"stack", 2, 2, {{3, {8, 8, 3}, "((4, 4,), (5, 2, 1,), (1, 2,))", DUSK_DT_U1}, {3, {8, 8, 3}, "((1, 3, 2, 1, 1,), (2, 2, 2, 1, 1,), (2, 1,))", DUSK_DT_F4}}, "((1, 3, 2, 1, 1,), (2, 2, 1, 1, 1, 1,), (1, 1,), (1, 1, 1,))", DUSK_DT_F4, 180},
    {"stack", 1, 1, {{1, {9}, "((6, 1, 2,),)", DUSK_DT_F8}}, "((6, 1, 2,), (1,))", DUSK_DT_F8, 3},
    {"concatenate", 2, 0, {{3, {8, 4, 9}, "((5, 3,), (2, 1, 1,), (2, 3, 3, 1,))", DUSK_DT_F4}, {3, {3, 4, 9}, "((1, 1, 1,), (2, 1, 1,), (4, 1, 4,))", DUSK_DT_I4}}, "((5, 3, 1, 1, 1,), (2, 1, 1,), (2, 2, 1, 3, 1,))", DUSK_DT_F8, 75},
    {"concatenate", 4, 0, {{2, {9, 2}, "((6, 2, 1,), (1, 1,))", DUSK_DT_U1}, {2, {3, 2}, "((1, 2,), (1, 1,))", DUSK_DT_F8}, {2, {8, 2}, "((5, 3,), (2,))", DUSK_DT_F4}, {2, {3, 2}, "((1, 1, 1,), (1, 1,))", DUSK_DT_I8}}, "((6, 2, 1, 1, 2, 5, 3, 1, 1, 1,), (1, 1,))", DUSK_DT_F8, 20},
    {"concatenate", 2, 0, {{1, {1}, "((1,),)", DUSK_DT_I4}, {1, {7}, "((4, 3,),)", DUSK_DT_I8}}, "((1, 4, 3,),)", DUSK_DT_I8, 3},
    {"concatenate", 1, 1, {{2, {4, 7}, "((3, 1,), (4, 1, 1, 1,))", DUSK_DT_U1}}, "((3, 1,), (4, 1, 1, 1,))", DUSK_DT_U1, 0},
    {"concatenate", 4, -1, {{2, {4, 4}, "((3, 1,), (2, 2,))", DUSK_DT_F4}, {2, {4, 5}, "((3, 1,), (2, 2, 1,))", DUSK_DT_BOOL}, {2, {4, 2}, "((1, 2, 1,), (2,))", DUSK_DT_F8}, {2, {4, 0}, "((3, 1,), (0,))", DUSK_DT_F4}}, "((1, 2, 1,), (2, 2, 2, 2, 1, 2,))", DUSK_DT_F8, 18},
    {"stack", 2, 2, {{2, {7, 3}, "((1, 4, 2,), (3,))", DUSK_DT_F4}, {2, {7, 3}, "((6, 1,), (2, 1,))", DUSK_DT_F8}}, "((1, 4, 1, 1,), (2, 1,), (1, 1,))", DUSK_DT_F8, 16},
    {"stack", 4, -3, {{2, {7, 9}, "((2, 4, 1,), (1, 3, 3, 2,))", DUSK_DT_I8}, {2, {7, 9}, "((5, 2,), (5, 1, 3,))", DUSK_DT_I4}, {2, {7, 9}, "((6, 1,), (5, 1, 2, 1,))", DUSK_DT_I4}, {2, {7, 9}, "((4, 1, 2,), (5, 1, 2, 1,))", DUSK_DT_I4}}, "((1, 1, 1, 1,), (2, 2, 1, 1, 1,), (1, 3, 1, 1, 1, 1, 1,))", DUSK_DT_I8, 140},
    {"stack", 3, 2, {{3, {9, 5, 8}, "((5, 3, 1,), (1, 1, 1, 1, 1,), (4, 4,))", DUSK_DT_F8}, {3, {9, 5, 8}, "((3, 6,), (4, 1,), (5, 3,))", DUSK_DT_I8}, {3, {9, 5, 8}, "((1, 2, 4, 2,), (3, 1, 1,), (5, 1, 2,))", DUSK_DT_F4}}, "((1, 2, 2, 2, 1, 1,), (1, 1, 1, 1, 1,), (1, 1, 1,), (4, 1, 1, 2,))", DUSK_DT_F8, 360},
    {"concatenate", 1, -2, {{2, {3, 8}, "((1, 2,), (5, 1, 1, 1,))", DUSK_DT_I4}}, "((1, 2,), (5, 1, 1, 1,))", DUSK_DT_I4, 0},
    {"stack", 3, -3, {{3, {7, 6, 9}, "((3, 2, 1, 1,), (1, 5,), (3, 5, 1,))", DUSK_DT_I8}, {3, {7, 6, 9}, "((3, 2, 2,), (2, 2, 1, 1,), (6, 1, 1, 1,))", DUSK_DT_I8}, {3, {7, 6, 9}, "((3, 4,), (1, 5,), (1, 1, 2, 5,))", DUSK_DT_I8}}, "((3, 2, 1, 1,), (1, 1, 1,), (1, 1, 2, 1, 1,), (1, 1, 1, 1, 2, 1, 1, 1,))", DUSK_DT_I8, 480},
    {"concatenate", 2, 0, {{1, {7}, "((3, 2, 2,),)", DUSK_DT_I8}, {1, {7}, "((6, 1,),)", DUSK_DT_F8}}, "((3, 2, 2, 6, 1,),)", DUSK_DT_F8, 5},
    {"concatenate", 4, 0, {{3, {5, 5, 7}, "((2, 3,), (5,), (3, 3, 1,))", DUSK_DT_I4}, {3, {5, 5, 7}, "((5,), (1, 4,), (3, 1, 3,))", DUSK_DT_F8}, {3, {6, 5, 7}, "((5, 1,), (4, 1,), (1, 1, 3, 1, 1,))", DUSK_DT_BOOL}, {3, {4, 5, 7}, "((4,), (3, 2,), (2, 2, 2, 1,))", DUSK_DT_I8}}, "((2, 3, 5, 5, 1, 4,), (1, 2, 1, 1,), (1, 1, 1, 1, 1, 1, 1,))", DUSK_DT_F8, 168},
    {"stack", 3, 1, {{2, {8, 9}, "((4, 3, 1,), (4, 5,))", DUSK_DT_F4}, {2, {8, 9}, "((1, 3, 3, 1,), (3, 6,))", DUSK_DT_I4}, {2, {8, 9}, "((5, 2, 1,), (6, 3,))", DUSK_DT_I8}}, "((1, 3, 1, 2, 1,), (1, 1, 1,), (3, 1, 2, 3,))", DUSK_DT_F8, 60},
    {"concatenate", 2, 1, {{2, {2, 0}, "((1, 1,), (0,))", DUSK_DT_U1}, {2, {2, 2}, "((2,), (1, 1,))", DUSK_DT_F8}}, "((2,), (1, 1,))", DUSK_DT_F8, 0},
    {"concatenate", 3, 0, {{2, {5, 5}, "((1, 1, 3,), (2, 1, 2,))", DUSK_DT_F4}, {2, {3, 5}, "((2, 1,), (4, 1,))", DUSK_DT_I8}, {2, {5, 5}, "((3, 1, 1,), (4, 1,))", DUSK_DT_BOOL}}, "((1, 1, 3, 2, 1, 3, 1, 1,), (2, 1, 1, 1,))", DUSK_DT_F8, 32},
    {"stack", 3, -1, {{1, {1}, "((1,),)", DUSK_DT_I4}, {1, {1}, "((1,),)", DUSK_DT_U1}, {1, {1}, "((1,),)", DUSK_DT_BOOL}}, "((1,), (1, 1, 1,))", DUSK_DT_I4, 3},
    {"stack", 4, 0, {{1, {3}, "((3,),)", DUSK_DT_F4}, {1, {3}, "((3,),)", DUSK_DT_I4}, {1, {3}, "((3,),)", DUSK_DT_F4}, {1, {3}, "((2, 1,),)", DUSK_DT_I4}}, "((1, 1, 1, 1,), (2, 1,))", DUSK_DT_F8, 8},
    {"stack", 1, 2, {{2, {8, 5}, "((1, 3, 2, 1, 1,), (4, 1,))", DUSK_DT_U1}}, "((1, 3, 2, 1, 1,), (4, 1,), (1,))", DUSK_DT_U1, 10},
    {"stack", 1, -2, {{1, {4}, "((3, 1,),)", DUSK_DT_U1}}, "((1,), (3, 1,))", DUSK_DT_U1, 2},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

static int distinct(const dask_case *c)
{
    int m = 0;
    for (int k = 0; k < c->n; k++) {
        int64_t size = 1;
        for (int d = 0; d < c->a[k].ndim; d++)
            size *= c->a[k].shape[d];
        m += size > 0 || strcmp(c->op, "stack") == 0;
    }
    return m;
}

static void run_case(const dask_case *c, int both)
{
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *in[4];
    unsigned char *bufs[4];
    for (int k = 0; k < c->n; k++) {
        const arr_spec *s = &c->a[k];
        dusk_shape sh = {s->ndim, {0}};
        for (int d = 0; d < s->ndim; d++)
            sh.v[d] = s->shape[d];
        bufs[k] = fill_buffer(s->dtype, s->ndim, s->shape, (uint64_t)(k + 1) * 77);
        in[k] = dusk_from_buffer(ctx, bufs[k], s->dtype, sh, s->chunks);
        assert_int_equal(dusk_array_status(in[k], NULL), 0);
    }
    int stack = strcmp(c->op, "stack") == 0;
    dusk_array *y = stack ? dusk_stack(in, c->n, c->axis) : dusk_concatenate(in, c->n, c->axis);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(y, &err))
        fail_msg("%s: %s", c->op, err.msg);
    char got[4096];
    all_chunks_text(y, got, sizeof got);
    if (strcmp(got, c->want_chunks) != 0)
        fail_msg("%s of %d arrays along %d: chunks %s, Dask has %s", c->op, c->n, c->axis, got,
                 c->want_chunks);
    assert_int_equal(dusk_array_dtype(y), c->want_dtype);
    int64_t tasks = count_op(y, c->op);
    if (distinct(c) <= DUSK__MAXIN ? tasks != c->tasks : tasks < c->tasks)
        fail_msg("%s of %d arrays along %d: %" PRId64 " tasks, Dask has %" PRId64, c->op, c->n,
                 c->axis, tasks, c->tasks);
    int axis = c->axis < 0 ? c->axis + c->a[0].ndim + stack : c->axis;
    int rnd;
    int64_t rshape[8];
    unsigned char *want = ref_join(stack, c->n, c->a, bufs, axis, c->want_dtype, &rnd, rshape);
    for (int s = 0; s < (both ? 2 : 1); s++) {
        dusk_value *v = compute_on(y, s ? DUSK_SCHED_SYNC : DUSK_SCHED_THREADS);
        assert_int_equal(dusk_ndarray_ndim(v), rnd);
        for (int d = 0; d < rnd; d++)
            assert_int_equal(dusk_ndarray_shape(v)[d], rshape[d]);
        if (memcmp(dusk_ndarray_data(v), want,
                   (size_t)dusk_ndarray_size(v) * dusk_dtype_size(c->want_dtype)) != 0)
            fail_msg("%s of %d arrays along %d: values differ from numpy's", c->op, c->n, c->axis);
        dusk_value_unref(v);
    }
    free(want);
    for (int k = 0; k < c->n; k++)
        free(bufs[k]);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_dask_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++)
        run_case(&CASES[i], 1);
}

/* The brief's counts, and that the same join built twice has the same
 * keys while another axis does not. */
static void test_counts_and_tokens(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *xx[2] = {x, x};
    dusk_array *c = dusk_concatenate(xx, 2, 0), *s = dusk_stack(xx, 2, 0);
    assert_int_equal(count_op(c, "concatenate"), 18);
    assert_int_equal(count_op(s, "stack"), 18);
    assert_int_equal(dusk_array_ntasks(c), 27);
    assert_int_equal(dusk_array_ntasks(s), 27);
    assert_string_equal(dusk_array_name(c), dusk_array_name(dusk_concatenate(xx, 2, -2)));
    assert_true(strcmp(dusk_array_name(c), dusk_array_name(dusk_concatenate(xx, 2, 1))) != 0);
    assert_true(strcmp(dusk_array_name(s), dusk_array_name(dusk_stack(xx, 2, 1))) != 0);
    /* one array: concatenate is the array, stack still a layer */
    assert_ptr_equal(dusk_concatenate(xx, 1, 0), x);
    assert_int_equal(count_op(dusk_stack(xx, 1, 0), "stack"), 9);
    /* the layers read x once */
    dusk_layer_info li[8];
    size_t n = dusk_array_layers(c, li, 8);
    assert_int_equal(n, 2);
    assert_int_equal(li[1].ndeps, 1);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

/* More distinct inputs than one layer reads: still right. */
static void test_many_arrays(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *in[7];
    for (int k = 0; k < 7; k++)
        in[k] = dusk_full(ctx, DUSK_SHAPE(k + 1, 3), "(2, 2)", k % 2 ? DUSK_DT_I4 : DUSK_DT_U1, k);
    in[5] = in[1];  /* a repeat */
    dusk_array *c = dusk_concatenate(in, 7, 0);
    int64_t rows = 0;
    for (int k = 0; k < 7; k++)
        rows += dusk_array_shape(in[k])[0];
    assert_int_equal(dusk_array_shape(c)[0], rows);
    assert_int_equal(dusk_array_dtype(c), DUSK_DT_I4);
    dusk_value *v = compute_on(c, DUSK_SCHED_THREADS);
    const int32_t *p = dusk_ndarray_data(v);
    int64_t at = 0;
    for (int k = 0; k < 7; k++) {
        int want = k == 5 ? 1 : k;
        for (int64_t i = 0; i < dusk_array_shape(in[k])[0] * 3; i++)
            assert_int_equal(p[at++], want);
    }
    dusk_value_unref(v);
    dusk_array *sq[6];
    for (int k = 0; k < 6; k++)
        sq[k] = dusk_full(ctx, DUSK_SHAPE(4), "3", DUSK_DT_F4, k * 10);
    dusk_array *s = dusk_stack(sq, 6, 1);
    assert_int_equal(dusk_array_shape(s)[0], 4);
    assert_int_equal(dusk_array_shape(s)[1], 6);
    v = compute_on(s, DUSK_SCHED_SYNC);
    const float *f = dusk_ndarray_data(v);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 6; k++)
            assert_true(f[i * 6 + k] == (float)(k * 10));
    dusk_value_unref(v);
    if (DUSK__MAXIN >= 6)
        assert_int_equal(count_op(s, "stack"), 12);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_errors(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new(), *other = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(15, 14), "(5, 5)", DUSK_DT_F8);
    dusk_array *v = dusk_ones(ctx, DUSK_SHAPE(15), "5", DUSK_DT_F8);
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE0, NULL, DUSK_DT_F8);
    dusk_array *o = dusk_ones(other, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *bad = dusk_array_slice(x, "99");
    dusk_array *xy[2] = {x, y}, *xv[2] = {x, v}, *zz[2] = {z, z}, *xo[2] = {x, o};
    dusk_array *xb[2] = {x, bad}, *xn[2] = {x, NULL}, *xx[2] = {x, x};
    assert_error(dusk_concatenate(xy, 2, 0), DUSK_EINVAL, "shapes do not align along axis 1",
                 "array 1 has (15, 14)");
    assert_int_equal(dusk_array_status(dusk_concatenate(xy, 2, 1), NULL), 0);
    assert_error(dusk_concatenate(xv, 2, 0), DUSK_EINVAL, "same number of dimensions", "(15,)");
    assert_error(dusk_concatenate(zz, 2, 0), DUSK_EINVAL, "zero-dimensional", NULL);
    assert_error(dusk_concatenate(xx, 2, 2), DUSK_EINVAL, "axis 2 is out of bounds",
                 "2 dimensions");
    assert_error(dusk_concatenate(xx, 2, -3), DUSK_EINVAL, "axis -3", NULL);
    assert_error(dusk_concatenate(xo, 2, 0), DUSK_EINVAL, "array 1 belongs to another context",
                 NULL);
    assert_ptr_equal(dusk_concatenate(xb, 2, 0), bad);
    assert_true(dusk_array_status(dusk_concatenate(xn, 2, 0), NULL) != 0);
    assert_true(dusk_array_status(dusk_concatenate(xx, 0, 0), NULL) != 0);
    assert_true(dusk_array_status(dusk_concatenate(NULL, 2, 0), NULL) != 0);
    assert_error(dusk_stack(xy, 2, 0), DUSK_EINVAL, "same shape", "array 1 has (15, 14)");
    assert_error(dusk_stack(xv, 2, 0), DUSK_EINVAL, "same shape", NULL);
    assert_error(dusk_stack(xx, 2, 3), DUSK_EINVAL, "axis 3 is out of bounds", "3 dimensions");
    assert_error(dusk_stack(xx, 2, -4), DUSK_EINVAL, "axis -4", NULL);
    assert_int_equal(dusk_array_status(dusk_stack(xx, 2, -3), NULL), 0);
    assert_error(dusk_stack(xo, 2, 0), DUSK_EINVAL, "another context", NULL);
    assert_ptr_equal(dusk_stack(xb, 2, 0), bad);
    assert_true(dusk_array_status(dusk_stack(xx, -1, 0), NULL) != 0);
    /* stacking 0-d arrays is fine: a 1-d array */
    dusk_array *z7 = dusk_full(ctx, DUSK_SHAPE0, NULL, DUSK_DT_I4, 7);
    dusk_array *zz7[3] = {z, z7, z};
    dusk_array *s = dusk_stack(zz7, 3, 0);
    assert_int_equal(dusk_array_ndim(s), 1);
    assert_int_equal(dusk_array_shape(s)[0], 3);
    assert_int_equal(dusk_array_dtype(s), DUSK_DT_F8);
    dusk_value *v0 = compute_on(s, DUSK_SCHED_THREADS);
    const double *d0 = dusk_ndarray_data(v0);
    assert_true(d0[0] == 1.0 && d0[1] == 7.0 && d0[2] == 1.0);
    dusk_value_unref(v0);
    dusk_array_ctx_free(ctx);
    dusk_array_ctx_free(other);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int completed = 0;
    for (long k = 0; !completed && k < 5000; k++) {
        dusk_alloc_fail_after(k);
        unsigned long before = dusk_alloc_calls();
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4, 6), "(2, 3)", DUSK_DT_F8);
        dusk_array *b = dusk_full(ctx, DUSK_SHAPE(3, 6), "(3, 2)", DUSK_DT_I4, 2);
        dusk_array *ab[3] = {a, b, a};
        dusk_array *c = dusk_concatenate(ab, 3, 0);
        dusk_array *cc[2] = {c, c};
        dusk_array *s = dusk_stack(cc, 2, 1);
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = DUSK_SCHED_SYNC;
        dusk_value *v = NULL;
        int rc = dusk_array_compute(s, &o, &v, NULL);
        completed = dusk_alloc_calls() - before < (unsigned long)k;
        dusk_alloc_fail_after(-1);
        if (completed) {
            assert_int_equal(rc, 0);
            assert_int_equal(dusk_ndarray_size(v), 11 * 2 * 6);
        }
        dusk_value_unref(v);
        dusk_array_ctx_free(ctx);
        assert_int_equal(dusk_alloc_live(), live);
    }
    assert_true(completed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_dask_cases, reset_alloc),
        cmocka_unit_test_teardown(test_counts_and_tokens, reset_alloc),
        cmocka_unit_test_teardown(test_many_arrays, reset_alloc),
        cmocka_unit_test_teardown(test_errors, reset_alloc),
        cmocka_unit_test_teardown(test_out_of_memory, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
