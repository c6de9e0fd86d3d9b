/*
** dusk tests — block products (dusk_tensordot, dusk_array_dot, dusk_array_matmul)
**
** The brief's graphs on ones((15, 15), chunks=(5, 5)): x.dot(x.T + 1) has
** 90 tasks (ones_like 9, transpose 9, add 9, tensordot 27, sum 27,
** sum-aggregate 9), x @ x has 72 (matmul 27, chunk_sum 27,
** chunk_sum-aggregate 9). A table that Dask 2022.12.1 computed (1-d and
** stacked operands, broadcasting, tensordot over 0, 1 and 2 axes in any
** order, chunks that must be unified, 30 seeded random products over
** uneven chunkings and mixed dtypes) gives the result's chunks, dtype and
** task counts per operation; values must match a plain-loop product
** (float64 and float32 through BLAS, integers and bool in 64 bits), under
** the sync and threads schedulers. Then every error, before anything runs,
** and allocation failures at every step.
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

/* --- references ------------------------------------------------------------------ */

typedef struct {
    int ndim;
    int64_t shape[4];
    const char *chunks;
    dusk_dtype dtype;
} arr_spec;

typedef struct {
    int ndim;
    int64_t shape[8];
    double *val;   /* the exact products' sums (small integers: exact) */
    double *mag;   /* sums of |products|, for float tolerances */
} ref_out;

static int64_t size_of(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    return n;
}

/* numpy.tensordot(a, b, (la, rb)) by loops. */
static void ref_tensordot(const arr_spec *sa, const unsigned char *a, const arr_spec *sb,
                          const unsigned char *b, int n, const int *la, const int *rb, ref_out *r)
{
    int fa[4], fb[4], nfa = 0, nfb = 0;
    for (int d = 0; d < sa->ndim; d++) {
        int s = 0;
        for (int k = 0; k < n; k++)
            s |= la[k] == d;
        if (!s)
            fa[nfa++] = d;
    }
    for (int d = 0; d < sb->ndim; d++) {
        int s = 0;
        for (int k = 0; k < n; k++)
            s |= rb[k] == d;
        if (!s)
            fb[nfb++] = d;
    }
    r->ndim = nfa + nfb;
    for (int i = 0; i < nfa; i++)
        r->shape[i] = sa->shape[fa[i]];
    for (int i = 0; i < nfb; i++)
        r->shape[nfa + i] = sb->shape[fb[i]];
    int64_t total = size_of(r->ndim, r->shape), ksz = 1, kshape[4];
    for (int k = 0; k < n; k++)
        ksz *= kshape[k] = sa->shape[la[k]];
    r->val = calloc((size_t)(total ? total : 1), sizeof(double));
    r->mag = calloc((size_t)(total ? total : 1), sizeof(double));
    int64_t oi[8] = {0};
    for (int64_t q = 0; q < total; q++) {
        int64_t ki[4] = {0};
        for (int64_t p = 0; p < ksz; p++) {
            int64_t ia[4], ib[4];
            for (int i = 0; i < nfa; i++)
                ia[fa[i]] = oi[i];
            for (int i = 0; i < nfb; i++)
                ib[fb[i]] = oi[nfa + i];
            for (int k = 0; k < n; k++) {
                ia[la[k]] = ki[k];
                ib[rb[k]] = ki[k];
            }
            int64_t offa = 0, offb = 0;
            for (int d = 0; d < sa->ndim; d++)
                offa = offa * sa->shape[d] + ia[d];
            for (int d = 0; d < sb->ndim; d++)
                offb = offb * sb->shape[d] + ib[d];
            double x = ref_getf(a, sa->dtype, offa) * ref_getf(b, sb->dtype, offb);
            r->val[q] += x;
            r->mag[q] += fabs(x);
            for (int k = n - 1; k >= 0; k--) {
                if (++ki[k] < kshape[k])
                    break;
                ki[k] = 0;
            }
        }
        for (int d = r->ndim - 1; d >= 0; d--) {
            if (++oi[d] < r->shape[d])
                break;
            oi[d] = 0;
        }
    }
}

/* numpy.matmul(a, b) by loops. */
static void ref_matmul(const arr_spec *sa, const unsigned char *a, const arr_spec *sb,
                       const unsigned char *b, ref_out *r)
{
    int64_t ash[8] = {0}, bsh[8] = {0};
    int na = sa->ndim, nb = sb->ndim;
    /* 1-d operands as (1, k) and (k, 1) */
    if (na == 1) {
        ash[0] = 1;
        ash[1] = sa->shape[0];
        na = 2;
    } else {
        memcpy(ash, sa->shape, sizeof(int64_t) * (size_t)na);
    }
    if (nb == 1) {
        bsh[0] = sb->shape[0];
        bsh[1] = 1;
        nb = 2;
    } else {
        memcpy(bsh, sb->shape, sizeof(int64_t) * (size_t)nb);
    }
    int nd = na > nb ? na : nb;
    int64_t A[8] = {0}, B[8] = {0};
    for (int d = 0; d < nd; d++) {
        A[d] = d < nd - na ? 1 : ash[d - (nd - na)];
        B[d] = d < nd - nb ? 1 : bsh[d - (nd - nb)];
    }
    int64_t out[8], m = A[nd - 2], k = A[nd - 1], n = B[nd - 1];
    for (int d = 0; d < nd - 2; d++)
        out[d] = A[d] == 1 ? B[d] : A[d];
    out[nd - 2] = m;
    out[nd - 1] = n;
    int64_t total = size_of(nd, out);
    r->val = calloc((size_t)(total ? total : 1), sizeof(double));
    r->mag = calloc((size_t)(total ? total : 1), sizeof(double));
    int64_t oi[8] = {0};
    for (int64_t q = 0; q < total; q++) {
        for (int64_t p = 0; p < k; p++) {
            int64_t offa = 0, offb = 0;
            for (int d = 0; d < nd - 2; d++) {
                offa = offa * A[d] + (A[d] == 1 ? 0 : oi[d]);
                offb = offb * B[d] + (B[d] == 1 ? 0 : oi[d]);
            }
            offa = (offa * m + oi[nd - 2]) * k + p;
            offb = (offb * k + p) * n + oi[nd - 1];
            double x = ref_getf(a, sa->dtype, offa) * ref_getf(b, sb->dtype, offb);
            r->val[q] += x;
            r->mag[q] += fabs(x);
        }
        for (int d = nd - 1; d >= 0; d--) {
            if (++oi[d] < out[d])
                break;
            oi[d] = 0;
        }
    }
    /* squeeze the axes the 1-d operands had added */
    r->ndim = 0;
    for (int d = 0; d < nd; d++) {
        if ((sa->ndim == 1 && d == nd - 2) || (sb->ndim == 1 && d == nd - 1))
            continue;
        r->shape[r->ndim++] = out[d];
    }
}

/* --- Dask's answers ----------------------------------------------------------------- */

static const char *const OPS[10] = {
    "tensordot", "sum", "sum-partial", "sum-aggregate", "matmul", "chunk_sum",
    "chunk_sum-partial", "chunk_sum-aggregate", "getitem", "squeeze",
};

typedef struct {
    const char *op;
    arr_spec a, b;
    int naxes, int_form;          /* tensordot: axes=naxes, or the lists */
    int la[3], rb[3];
    const char *want_chunks;
    dusk_dtype want_dtype;
    int64_t counts[10];           /* tasks per op in OPS */
} dask_case;

/* Dask 2022.12 sums the wrong axes when tensordot's axes are negative
 * (da.tensordot(a, b, axes=((-1, -3), (0, -2))) gives shape (2, 3), numpy
 * (4, 2)): the case with those axes has Dask's answer for the same axes
 * given as positive numbers, which is numpy's. */
static const dask_case CASES[] = {
    {"matmul", {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {0, 0, 0, 0, 27, 27, 0, 9, 0, 0}},
    {"tensordot", {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, 1, 1, {0}, {0}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {27, 27, 0, 9, 0, 0, 0, 0, 0, 0}},
    {"dot", {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {1, {15}, "((5, 5, 5,),)", DUSK_DT_F8}, 0, -1, {0}, {0}, "((5, 5, 5,),)", DUSK_DT_F8, {9, 9, 0, 3, 0, 0, 0, 0, 0, 0}},
    {"dot", {1, {15}, "((5, 5, 5,),)", DUSK_DT_F8}, {1, {15}, "((5, 5, 5,),)", DUSK_DT_F8}, 0, -1, {0}, {0}, "()", DUSK_DT_F8, {3, 3, 0, 1, 0, 0, 0, 0, 0, 0}},
    {"matmul", {1, {15}, "((5, 5, 5,),)", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((5, 5, 5,),)", DUSK_DT_F8, {0, 0, 0, 0, 9, 9, 0, 3, 6, 0}},
    {"matmul", {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {1, {15}, "((5, 5, 5,),)", DUSK_DT_F8}, 0, -1, {0}, {0}, "((5, 5, 5,),)", DUSK_DT_F8, {0, 0, 0, 0, 9, 9, 0, 3, 6, 0}},
    {"matmul", {1, {15}, "((5, 5, 5,),)", DUSK_DT_F8}, {1, {15}, "((5, 5, 5,),)", DUSK_DT_F8}, 0, -1, {0}, {0}, "()", DUSK_DT_F8, {0, 0, 0, 0, 3, 3, 0, 1, 7, 1}},
    {"matmul", {3, {4, 15, 15}, "((2, 2,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((2, 2,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {0, 0, 0, 0, 54, 54, 0, 18, 9, 0}},
    {"matmul", {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {3, {4, 15, 15}, "((2, 2,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((2, 2,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {0, 0, 0, 0, 54, 54, 0, 18, 9, 0}},
    {"tensordot", {3, {4, 15, 15}, "((2, 2,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, 2, 0, {1, 2}, {0, 1}, "((2, 2,),)", DUSK_DT_F8, {18, 18, 8, 2, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {3, {4, 15, 15}, "((2, 2,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, {2, {15, 15}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8}, 0, 1, {0}, {0}, "((2, 2,), (5, 5, 5,), (5, 5, 5,), (5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {162, 162, 0, 162, 0, 0, 0, 0, 0, 0}},
    {"dot", {2, {15, 20}, "((5, 5, 5,), (10, 10,))", DUSK_DT_F8}, {2, {20, 15}, "((5, 15,), (5, 5, 5,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {27, 27, 0, 9, 0, 0, 0, 0, 0, 0}},
    {"matmul", {2, {15, 20}, "((5, 5, 5,), (10, 10,))", DUSK_DT_F8}, {2, {20, 15}, "((5, 15,), (5, 5, 5,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {0, 0, 0, 0, 27, 27, 0, 9, 0, 0}},
    {"matmul", {2, {15, 15}, "((5, 5, 5,), (15,))", DUSK_DT_F8}, {2, {15, 15}, "((15,), (5, 5, 5,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((5, 5, 5,), (5, 5, 5,))", DUSK_DT_F8, {0, 0, 0, 0, 9, 0, 0, 0, 9, 0}},
    {"dot", {2, {7, 9}, "((3, 4,), (2, 2, 5,))", DUSK_DT_I4}, {2, {9, 4}, "((4, 5,), (3, 1,))", DUSK_DT_U1}, 0, -1, {0}, {0}, "((3, 4,), (3, 1,))", DUSK_DT_I8, {12, 12, 0, 4, 0, 0, 0, 0, 0, 0}},
    {"matmul", {2, {7, 9}, "((3, 4,), (2, 2, 5,))", DUSK_DT_BOOL}, {2, {9, 4}, "((4, 5,), (3, 1,))", DUSK_DT_BOOL}, 0, -1, {0}, {0}, "((3, 4,), (3, 1,))", DUSK_DT_I8, {0, 0, 0, 0, 12, 12, 0, 4, 0, 0}},
    {"matmul", {4, {2, 1, 3, 4}, "((1, 1,), (1,), (2, 1,), (4,))", DUSK_DT_F4}, {3, {3, 4, 2}, "((1, 2,), (2, 2,), (2,))", DUSK_DT_F4}, 0, -1, {0}, {0}, "((1, 1,), (1, 2,), (2, 1,), (2,))", DUSK_DT_F4, {0, 0, 0, 0, 16, 16, 0, 8, 4, 0}},
    {"tensordot", {3, {3, 4, 5}, "((1, 2,), (4,), (2, 3,))", DUSK_DT_I8}, {3, {5, 3, 2}, "((3, 2,), (3,), (1, 1,))", DUSK_DT_I8}, 2, 0, {2, 0}, {0, 1}, "((4,), (1, 1,))", DUSK_DT_I8, {12, 12, 4, 2, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {3, {3, 4, 5}, "((1, 2,), (4,), (2, 3,))", DUSK_DT_F4}, {3, {5, 3, 2}, "((3, 2,), (3,), (1, 1,))", DUSK_DT_F8}, 2, 0, {-1, -3}, {0, -2}, "((4,), (1, 1,))", DUSK_DT_F8, {12, 12, 4, 2, 0, 0, 0, 0, 0, 0}},
    {"dot", {3, {6, 5, 4}, "((2, 4,), (5,), (1, 3,))", DUSK_DT_F8}, {3, {3, 4, 2}, "((3,), (2, 2,), (2,))", DUSK_DT_I4}, 0, -1, {0}, {0}, "((2, 4,), (5,), (3,), (2,))", DUSK_DT_F8, {6, 6, 0, 2, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {2, {3, 6}, "((3,), (1, 4, 1,))", DUSK_DT_BOOL}, {3, {3, 6, 6}, "((1, 1, 1,), (3, 2, 1,), (4, 1, 1,))", DUSK_DT_F8}, 2, 1, {0}, {0}, "((4, 1, 1,),)", DUSK_DT_F8, {36, 36, 12, 3, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {1, {3}, "((1, 1, 1,),)", DUSK_DT_F4}, {2, {4, 2}, "((2, 1, 1,), (1, 1,))", DUSK_DT_F4}, 0, 1, {0}, {0}, "((1, 1, 1,), (2, 1, 1,), (1, 1,))", DUSK_DT_F4, {18, 18, 0, 18, 0, 0, 0, 0, 0, 0}},
    {"dot", {2, {5, 5}, "((2, 1, 1, 1,), (3, 1, 1,))", DUSK_DT_I4}, {1, {5}, "((2, 1, 2,),)", DUSK_DT_F8}, 0, -1, {0}, {0}, "((2, 1, 1, 1,),)", DUSK_DT_F8, {16, 16, 0, 4, 0, 0, 0, 0, 0, 0}},
    {"matmul", {1, {1}, "((1,),)", DUSK_DT_I8}, {2, {1, 6}, "((1,), (3, 1, 2,))", DUSK_DT_I4}, 0, -1, {0}, {0}, "((3, 1, 2,),)", DUSK_DT_I8, {0, 0, 0, 0, 3, 0, 0, 0, 7, 0}},
    {"tensordot", {1, {3}, "((2, 1,),)", DUSK_DT_F8}, {1, {6}, "((5, 1,),)", DUSK_DT_I8}, 0, 1, {0}, {0}, "((2, 1,), (5, 1,))", DUSK_DT_F8, {4, 4, 0, 4, 0, 0, 0, 0, 0, 0}},
    {"matmul", {2, {1, 8}, "((1,), (2, 4, 2,))", DUSK_DT_U1}, {2, {8, 1}, "((3, 5,), (1,))", DUSK_DT_I4}, 0, -1, {0}, {0}, "((1,), (1,))", DUSK_DT_I8, {0, 0, 0, 0, 4, 4, 0, 1, 0, 0}},
    {"dot", {2, {4, 6}, "((1, 1, 2,), (5, 1,))", DUSK_DT_F4}, {1, {6}, "((3, 2, 1,),)", DUSK_DT_I8}, 0, -1, {0}, {0}, "((1, 1, 2,),)", DUSK_DT_F8, {9, 9, 0, 3, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {2, {2, 1}, "((1, 1,), (1,))", DUSK_DT_F4}, {2, {2, 1}, "((1, 1,), (1,))", DUSK_DT_F8}, 2, 1, {0}, {0}, "()", DUSK_DT_F8, {2, 2, 0, 1, 0, 0, 0, 0, 0, 0}},
    {"dot", {2, {6, 6}, "((2, 1, 3,), (1, 4, 1,))", DUSK_DT_F4}, {2, {6, 4}, "((2, 2, 2,), (1, 1, 2,))", DUSK_DT_I8}, 0, -1, {0}, {0}, "((2, 1, 3,), (1, 1, 2,))", DUSK_DT_F8, {45, 45, 18, 9, 0, 0, 0, 0, 0, 0}},
    {"dot", {3, {2, 4, 1}, "((1, 1,), (4,), (1,))", DUSK_DT_I4}, {2, {1, 5}, "((1,), (3, 2,))", DUSK_DT_I4}, 0, -1, {0}, {0}, "((1, 1,), (4,), (3, 2,))", DUSK_DT_I8, {4, 4, 0, 4, 0, 0, 0, 0, 0, 0}},
    {"dot", {3, {2, 6, 2}, "((2,), (2, 1, 2, 1,), (2,))", DUSK_DT_F8}, {2, {2, 4}, "((2,), (1, 2, 1,))", DUSK_DT_U1}, 0, -1, {0}, {0}, "((2,), (2, 1, 2, 1,), (1, 2, 1,))", DUSK_DT_F8, {12, 12, 0, 12, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {3, {4, 3, 6}, "((3, 1,), (3,), (2, 1, 2, 1,))", DUSK_DT_I8}, {2, {3, 6}, "((3,), (3, 2, 1,))", DUSK_DT_U1}, 2, 1, {0}, {0}, "((3, 1,),)", DUSK_DT_I8, {8, 8, 4, 2, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {3, {3, 3, 6}, "((2, 1,), (1, 2,), (3, 2, 1,))", DUSK_DT_U1}, {2, {6, 6}, "((2, 2, 2,), (4, 2,))", DUSK_DT_BOOL}, 1, 1, {0}, {0}, "((2, 1,), (1, 2,), (4, 2,))", DUSK_DT_U8, {40, 40, 16, 8, 0, 0, 0, 0, 0, 0}},
    {"dot", {2, {7, 7}, "((5, 2,), (3, 3, 1,))", DUSK_DT_F4}, {2, {7, 5}, "((2, 5,), (4, 1,))", DUSK_DT_F4}, 0, -1, {0}, {0}, "((5, 2,), (4, 1,))", DUSK_DT_F4, {16, 16, 0, 4, 0, 0, 0, 0, 0, 0}},
    {"tensordot", {1, {6}, "((1, 2, 1, 2,),)", DUSK_DT_F4}, {3, {4, 2, 2}, "((4,), (1, 1,), (2,))", DUSK_DT_I4}, 0, 1, {0}, {0}, "((1, 2, 1, 2,), (4,), (1, 1,), (2,))", DUSK_DT_F8, {8, 8, 0, 8, 0, 0, 0, 0, 0, 0}},
    {"matmul", {2, {7, 2}, "((1, 3, 2, 1,), (2,))", DUSK_DT_F8}, {2, {2, 4}, "((2,), (1, 3,))", DUSK_DT_U1}, 0, -1, {0}, {0}, "((1, 3, 2, 1,), (1, 3,))", DUSK_DT_F8, {0, 0, 0, 0, 8, 0, 0, 0, 8, 0}},
    {"matmul", {2, {2, 5}, "((2,), (2, 2, 1,))", DUSK_DT_U1}, {2, {5, 9}, "((5,), (3, 4, 1, 1,))", DUSK_DT_U1}, 0, -1, {0}, {0}, "((2,), (3, 4, 1, 1,))", DUSK_DT_U8, {0, 0, 0, 0, 12, 12, 0, 4, 0, 0}},
    {"matmul", {1, {4}, "((1, 2, 1,),)", DUSK_DT_I8}, {2, {4, 3}, "((2, 2,), (3,))", DUSK_DT_U1}, 0, -1, {0}, {0}, "((3,),)", DUSK_DT_I8, {0, 0, 0, 0, 4, 4, 0, 1, 4, 0}},
    {"matmul", {3, {2, 7, 7}, "((2,), (2, 5,), (5, 2,))", DUSK_DT_BOOL}, {2, {7, 4}, "((3, 4,), (3, 1,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((2,), (2, 5,), (3, 1,))", DUSK_DT_F8, {0, 0, 0, 0, 12, 12, 0, 4, 4, 0}},
    {"matmul", {2, {5, 8}, "((5,), (4, 2, 2,))", DUSK_DT_F8}, {3, {1, 8, 5}, "((1,), (4, 1, 2, 1,), (2, 2, 1,))", DUSK_DT_F4}, 0, -1, {0}, {0}, "((1,), (5,), (2, 2, 1,))", DUSK_DT_F8, {0, 0, 0, 0, 15, 15, 6, 3, 3, 0}},
    {"matmul", {2, {5, 3}, "((5,), (3,))", DUSK_DT_U1}, {3, {3, 3, 5}, "((3,), (1, 1, 1,), (3, 2,))", DUSK_DT_U1}, 0, -1, {0}, {0}, "((3,), (5,), (3, 2,))", DUSK_DT_U8, {0, 0, 0, 0, 6, 6, 0, 2, 1, 0}},
    {"tensordot", {2, {3, 6}, "((2, 1,), (3, 3,))", DUSK_DT_BOOL}, {3, {3, 6, 1}, "((3,), (2, 1, 1, 2,), (1,))", DUSK_DT_BOOL}, 2, 1, {0}, {0}, "((1,),)", DUSK_DT_I8, {8, 8, 2, 1, 0, 0, 0, 0, 0, 0}},
    {"dot", {2, {4, 9}, "((4,), (5, 4,))", DUSK_DT_I4}, {1, {9}, "((4, 4, 1,),)", DUSK_DT_I8}, 0, -1, {0}, {0}, "((4,),)", DUSK_DT_I8, {4, 4, 0, 1, 0, 0, 0, 0, 0, 0}},
    {"matmul", {3, {3, 2, 5}, "((2, 1,), (1, 1,), (5,))", DUSK_DT_I4}, {2, {5, 1}, "((3, 1, 1,), (1,))", DUSK_DT_F8}, 0, -1, {0}, {0}, "((2, 1,), (1, 1,), (1,))", DUSK_DT_F8, {0, 0, 0, 0, 12, 12, 0, 4, 3, 0}},
    {"tensordot", {1, {1}, "((1,),)", DUSK_DT_BOOL}, {2, {6, 1}, "((4, 1, 1,), (1,))", DUSK_DT_F8}, 0, 1, {0}, {0}, "((1,), (4, 1, 1,), (1,))", DUSK_DT_F8, {3, 3, 0, 3, 0, 0, 0, 0, 0, 0}},
    {"dot", {2, {6, 2}, "((1, 2, 2, 1,), (1, 1,))", DUSK_DT_U1}, {2, {2, 7}, "((1, 1,), (2, 1, 2, 1, 1,))", DUSK_DT_BOOL}, 0, -1, {0}, {0}, "((1, 2, 2, 1,), (2, 1, 2, 1, 1,))", DUSK_DT_U8, {40, 40, 0, 20, 0, 0, 0, 0, 0, 0}},
    {"matmul", {1, {5}, "((1, 4,),)", DUSK_DT_F8}, {3, {1, 5, 1}, "((1,), (5,), (1,))", DUSK_DT_I4}, 0, -1, {0}, {0}, "((1,), (1,))", DUSK_DT_F8, {0, 0, 0, 0, 2, 2, 0, 1, 5, 0}},
    {"matmul", {2, {6, 1}, "((5, 1,), (1,))", DUSK_DT_I8}, {2, {1, 3}, "((1,), (3,))", DUSK_DT_F4}, 0, -1, {0}, {0}, "((5, 1,), (3,))", DUSK_DT_F8, {0, 0, 0, 0, 2, 0, 0, 0, 2, 0}},
    {"matmul", {2, {5, 9}, "((4, 1,), (2, 2, 1, 3, 1,))", DUSK_DT_U1}, {2, {9, 3}, "((1, 1, 1, 5, 1,), (1, 2,))", DUSK_DT_I4}, 0, -1, {0}, {0}, "((4, 1,), (1, 2,))", DUSK_DT_I8, {0, 0, 0, 0, 28, 28, 8, 4, 0, 0}},
    {"matmul", {1, {2}, "((2,),)", DUSK_DT_BOOL}, {3, {1, 2, 9}, "((1,), (1, 1,), (4, 2, 1, 2,))", DUSK_DT_I8}, 0, -1, {0}, {0}, "((1,), (4, 2, 1, 2,))", DUSK_DT_I8, {0, 0, 0, 0, 8, 8, 0, 4, 6, 0}},
};
#define NCASES (sizeof CASES / sizeof CASES[0])

/* Compares a computed result with the reference. */
static void check_values(const dusk_value *v, const ref_out *r, dusk_dtype t, const char *what)
{
    assert_int_equal(dusk_ndarray_ndim(v), r->ndim);
    for (int d = 0; d < r->ndim; d++)
        assert_int_equal(dusk_ndarray_shape(v)[d], r->shape[d]);
    assert_int_equal(dusk_ndarray_dtype(v), t);
    int64_t n = dusk_ndarray_size(v);
    const unsigned char *p = dusk_ndarray_data(v);
    for (int64_t i = 0; i < n; i++) {
        double got = ref_getf(p, t, i), want = r->val[i];
        double tol = t == DUSK_DT_F4 ? 1e-5 * r->mag[i] + 1e-6 : t == DUSK_DT_F8 ? 1e-12 * r->mag[i] : 0;
        if (fabs(got - want) > tol)
            fail_msg("%s: element %" PRId64 " is %.17g, want %.17g", what, i, got, want);
    }
}

static dusk_array *build(const dask_case *c, dusk_array *a, dusk_array *b)
{
    if (strcmp(c->op, "dot") == 0)
        return dusk_array_dot(a, b);
    if (strcmp(c->op, "matmul") == 0)
        return dusk_array_matmul(a, b);
    return c->int_form ? dusk_tensordot(a, b, NULL, NULL, c->naxes)
                       : dusk_tensordot(a, b, c->la, c->rb, c->naxes);
}

static void run_case(const dask_case *c, size_t no)
{
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    const arr_spec *s[2] = {&c->a, &c->b};
    unsigned char *buf[2];
    dusk_array *in[2];
    for (int k = 0; k < 2; k++) {
        dusk_shape sh = {s[k]->ndim, {0}};
        for (int d = 0; d < s[k]->ndim; d++)
            sh.v[d] = s[k]->shape[d];
        buf[k] = fill_values(s[k]->dtype, s[k]->ndim, s[k]->shape, no * 2 + (size_t)k + 1, true);
        in[k] = dusk_from_buffer(ctx, buf[k], s[k]->dtype, sh, s[k]->chunks);
        assert_int_equal(dusk_array_status(in[k], NULL), 0);
    }
    dusk_array *y = build(c, in[0], in[1]);
    char what[64];
    snprintf(what, sizeof what, "case %zu (%s)", no, c->op);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(y, &err))
        fail_msg("%s: %s", what, err.msg);
    char got[4096];
    all_chunks_text(y, got, sizeof got);
    if (strcmp(got, c->want_chunks) != 0)
        fail_msg("%s: chunks %s, Dask has %s", what, got, c->want_chunks);
    assert_int_equal(dusk_array_dtype(y), c->want_dtype);
    for (int k = 0; k < 10; k++)
        if (count_op(y, OPS[k]) != c->counts[k])
            fail_msg("%s: %" PRId64 " '%s' tasks, Dask has %" PRId64, what, count_op(y, OPS[k]),
                     OPS[k], c->counts[k]);
    /* the same expression again has the same keys */
    assert_string_equal(dusk_array_name(y), dusk_array_name(build(c, in[0], in[1])));
    ref_out r;
    if (strcmp(c->op, "matmul") == 0) {
        ref_matmul(s[0], buf[0], s[1], buf[1], &r);
    } else {
        int la[3], rb[3], n = c->naxes;
        if (strcmp(c->op, "dot") == 0) {
            n = 1;
            la[0] = c->a.ndim - 1;
            rb[0] = c->b.ndim >= 2 ? c->b.ndim - 2 : 0;
        }
        for (int k = 0; k < n && strcmp(c->op, "dot") != 0; k++) {
            la[k] = c->int_form ? c->a.ndim - n + k : (c->la[k] + c->a.ndim) % c->a.ndim;
            rb[k] = c->int_form ? k : (c->rb[k] + c->b.ndim) % c->b.ndim;
        }
        ref_tensordot(s[0], buf[0], s[1], buf[1], n, la, rb, &r);
    }
    for (int k = 0; k < 2; k++) {
        dusk_value *v = compute_on(y, k ? DUSK_SCHED_SYNC : DUSK_SCHED_THREADS);
        check_values(v, &r, c->want_dtype, what);
        dusk_value_unref(v);
    }
    free(r.val);
    free(r.mag);
    free(buf[0]);
    free(buf[1]);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_dask_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCASES; i++)
        run_case(&CASES[i], i);
}

/* The brief's totals, and the values: ones . (ones.T + 1) is 30 everywhere. */
static void test_brief_graphs(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8);
    dusk_array *r = dusk_array_dot(x, dusk_array_binop_scalar(DUSK_BINOP_ADD,
                                                              dusk_array_transpose(x, NULL), 1,
                                                              false));
    assert_int_equal(dusk_array_ntasks(r), 90);
    const char *ops[] = {"ones_like", "transpose", "add", "tensordot", "sum", "sum-aggregate"};
    const int64_t want[] = {9, 9, 9, 27, 27, 9};
    for (int i = 0; i < 6; i++)
        assert_int_equal(count_op(r, ops[i]), want[i]);
    dusk_value *v = compute_on(r, DUSK_SCHED_THREADS);
    for (int64_t i = 0; i < 225; i++)
        assert_true(((const double *)dusk_ndarray_data(v))[i] == 30.0);
    dusk_value_unref(v);
    dusk_array *m = dusk_array_matmul(x, x);
    assert_int_equal(dusk_array_ntasks(m), 72);
    assert_int_equal(count_op(m, "matmul"), 27);
    assert_int_equal(count_op(m, "chunk_sum"), 27);
    assert_int_equal(count_op(m, "chunk_sum-aggregate"), 9);
    v = compute_on(m, DUSK_SCHED_SYNC);
    for (int64_t i = 0; i < 225; i++)
        assert_true(((const double *)dusk_ndarray_data(v))[i] == 15.0);
    dusk_value_unref(v);
    /* Dask's layer names, as the layer list shows them */
    dusk_layer_info li[16];
    size_t n = dusk_array_layers(m, li, 16);
    assert_int_equal(n, 4);
    assert_true(strncmp(li[2].name, "chunk_sum-", 10) == 0);
    assert_true(strncmp(li[3].name, "_chunk_sum-aggregate-", 21) == 0);
    assert_string_equal(li[3].deps[0], li[2].name);
    assert_string_equal(li[2].deps[0], li[1].name);
    /* a tree of partial sums when the inner axis has many blocks */
    dusk_array *w = dusk_ones(ctx, DUSK_SHAPE(4, 40), "(4, 2)", DUSK_DT_F4);
    dusk_array *p = dusk_array_matmul(w, dusk_array_transpose(w, NULL));
    assert_int_equal(count_op(p, "matmul"), 20);
    assert_int_equal(count_op(p, "chunk_sum"), 20);
    assert_int_equal(count_op(p, "chunk_sum-partial"), 5 + 2);
    assert_int_equal(count_op(p, "chunk_sum-aggregate"), 1);
    v = compute_on(p, DUSK_SCHED_THREADS);
    for (int64_t i = 0; i < 16; i++)
        assert_true(((const float *)dusk_ndarray_data(v))[i] == 40.0f);
    dusk_value_unref(v);
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Blocks BLAS cannot take as they are (views from stack, gathered axes),
 * and the transposed layouts it can. */
static void test_block_layouts(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    int64_t shape[2] = {6, 5};
    for (int t = 0; t < 2; t++) {
        dusk_dtype dt = t ? DUSK_DT_F4 : DUSK_DT_F8;
        unsigned char *buf = fill_values(dt, 2, shape, 9 + (uint64_t)t, true);
        dusk_array *a = dusk_from_buffer(ctx, buf, dt, DUSK_SHAPE(6, 5), "(4, 3)");
        arr_spec sa = {2, {6, 5}, NULL, dt};
        /* a over axis 0 with itself: both operands transposed for BLAS */
        int l = 0, r = 0;
        dusk_array *g = dusk_tensordot(a, a, &l, &r, 1);
        ref_out ref;
        ref_tensordot(&sa, buf, &sa, buf, 1, &l, &r, &ref);
        dusk_value *v = compute_on(g, DUSK_SCHED_THREADS);
        check_values(v, &ref, dt, "a.T @ a");
        dusk_value_unref(v);
        free(ref.val);
        free(ref.mag);
        /* stacked blocks are views with an inserted axis */
        dusk_array *aa[2] = {a, a};
        dusk_array *s = dusk_stack(aa, 2, 1);  /* (6, 2, 5) */
        int la[2] = {2, 1}, rb[2] = {2, 1};
        dusk_array *h = dusk_tensordot(s, s, la, rb, 2);  /* (6, 6) */
        v = compute_on(h, DUSK_SCHED_SYNC);
        const unsigned char *p = dusk_ndarray_data(v);
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) {
                double want = 0;
                for (int k = 0; k < 5; k++)
                    want += 2 * ref_getf(buf, dt, i * 5 + k) * ref_getf(buf, dt, j * 5 + k);
                assert_true(fabs(ref_getf(p, dt, i * 6 + j) - want) <= 1e-4 * (fabs(want) + 1));
            }
        dusk_value_unref(v);
        free(buf);
    }
    dusk_array_ctx_free(ctx);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_errors(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_array_ctx *ctx = dusk_array_ctx_new(), *other = dusk_array_ctx_new();
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(15, 10), "(5, 5)", DUSK_DT_F8);
    dusk_array *y = dusk_ones(ctx, DUSK_SHAPE(15, 10), "(5, 5)", DUSK_DT_F8);
    dusk_array *s = dusk_ones(ctx, DUSK_SHAPE0, NULL, DUSK_DT_F8);
    dusk_array *o = dusk_ones(other, DUSK_SHAPE(10, 4), NULL, DUSK_DT_F8);
    dusk_array *bad = dusk_array_slice(x, "99");
    /* mismatched inner dimensions, found before any task runs */
    assert_error(dusk_array_dot(x, y), DUSK_EINVAL, "a's last axis has length 10",
                 "b's axis 0 has length 15");
    assert_error(dusk_array_matmul(x, y), DUSK_EINVAL, "inner dimension", "a has 10 columns, b has 15 rows");
    assert_error(dusk_tensordot(x, y, NULL, NULL, 1), DUSK_EINVAL, "shape mismatch",
                 "axis 1 of a has length 10, axis 0 of b has length 15");
    int l1 = 1, r0 = 0, l9 = 9, lm3 = -3, l0 = 0;
    assert_error(dusk_tensordot(x, y, &l9, &r0, 1), DUSK_EINVAL, "axis 9 is out of range for a",
                 NULL);
    assert_error(dusk_tensordot(x, y, &l0, &lm3, 1), DUSK_EINVAL, "axis -3 is out of range for b",
                 NULL);
    int la2[2] = {0, 0}, rb2[2] = {0, 1};
    assert_error(dusk_tensordot(x, y, la2, rb2, 2), DUSK_EINVAL, "axis 0 of a is summed twice",
                 NULL);
    assert_error(dusk_tensordot(x, y, &l1, NULL, 1), DUSK_EINVAL, "both a_axes and b_axes", NULL);
    assert_error(dusk_tensordot(x, y, NULL, NULL, 3), DUSK_EINVAL, "cannot sum over 3 axes", NULL);
    assert_error(dusk_tensordot(x, y, NULL, NULL, -1), DUSK_EINVAL, "cannot sum over -1 axes",
                 NULL);
    assert_error(dusk_array_dot(s, x), DUSK_EINVAL, "at least one dimension", NULL);
    assert_error(dusk_array_matmul(x, s), DUSK_EINVAL, "0-d", NULL);
    dusk_array *st1 = dusk_ones(ctx, DUSK_SHAPE(3, 4, 5), NULL, DUSK_DT_F8);
    dusk_array *st2 = dusk_ones(ctx, DUSK_SHAPE(2, 5, 4), NULL, DUSK_DT_F8);
    assert_error(dusk_array_matmul(st1, st2), DUSK_EINVAL, "do not broadcast", "3 vs 2");
    assert_error(dusk_array_dot(x, o), DUSK_EINVAL, "different contexts", NULL);
    assert_error(dusk_array_matmul(x, o), DUSK_EINVAL, "different contexts", NULL);
    assert_ptr_equal(dusk_array_dot(bad, y), bad);
    assert_ptr_equal(dusk_array_matmul(x, bad), bad);
    assert_ptr_equal(dusk_tensordot(bad, y, NULL, NULL, 1), bad);
    assert_error(dusk_array_matmul(x, NULL), DUSK_EINVAL, "no second array", NULL);
    assert_true(dusk_array_status(dusk_array_dot(NULL, x), NULL) != 0);
    /* too many dimensions for the product */
    dusk_shape big = {20, {0}};
    for (int d = 0; d < 20; d++)
        big.v[d] = 1;
    dusk_array *b20 = dusk_ones(ctx, big, NULL, DUSK_DT_F8);
    assert_error(dusk_tensordot(b20, b20, NULL, NULL, 0), DUSK_EINVAL, "40 dimensions",
                 "at most 32");
    /* the graph of a good product built after errors is still fine */
    dusk_value *v = compute_on(dusk_array_dot(dusk_array_transpose(x, NULL), y), DUSK_SCHED_SYNC);
    assert_true(((const double *)dusk_ndarray_data(v))[0] == 15.0);
    dusk_value_unref(v);
    dusk_array_ctx_free(ctx);
    dusk_array_ctx_free(other);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int completed = 0;
    for (long k = 0; !completed && k < 20000; k++) {
        dusk_alloc_fail_after(k);
        unsigned long before = dusk_alloc_calls();
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4, 6), "(2, 3)", DUSK_DT_F8);
        dusk_array *b = dusk_full(ctx, DUSK_SHAPE(6, 3), "(2, 3)", DUSK_DT_I4, 2);
        dusk_array *v1 = dusk_full(ctx, DUSK_SHAPE(6), "4", DUSK_DT_I8, 3);
        dusk_array *p = dusk_array_matmul(a, b);                 /* rechunks b */
        dusk_array *q = dusk_array_dot(a, v1);
        dusk_array *r = dusk_array_matmul(v1, dusk_array_transpose(a, NULL));
        dusk_array *pq[2] = {dusk_array_sum(p, DUSK_AXIS(1), false), dusk_array_add(q, r)};
        dusk_array *z = dusk_stack(pq, 2, 0);
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = DUSK_SCHED_SYNC;
        dusk_value *v = NULL;
        int rc = dusk_array_compute(z, &o, &v, NULL);
        completed = dusk_alloc_calls() - before < (unsigned long)k;
        dusk_alloc_fail_after(-1);
        if (completed) {
            assert_int_equal(rc, 0);
            const double *d = dusk_ndarray_data(v);
            assert_true(d[0] == 36.0 && d[4] == 36.0);
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
        cmocka_unit_test_teardown(test_brief_graphs, reset_alloc),
        cmocka_unit_test_teardown(test_block_layouts, reset_alloc),
        cmocka_unit_test_teardown(test_errors, reset_alloc),
        cmocka_unit_test_teardown(test_out_of_memory, reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
