/*
** dusk — turning an array's layers into the tasks of a dusk_graph
**
** dusk_array_graph walks the layers an array needs, inputs first, and
** adds each layer's keys: an 'original-array' layer's one value, and for
** every other layer one task per output block, ('name-<token>', i, j ...)
** -> (kop, params, index, inputs...), where kop is the layer's entry of
** the operation table, params its shared parameter tuple (one reference
** per task), index the block's position and the inputs what the layer's
** kind says: one block of each input (BLOCKS), a list of blocks (REDUCE),
** what inputs() gives (CUSTOM), or a rechunk's pieces (GATHER, with its
** split tasks, array/rechunk.c).
**
** The graph owns what it holds: it stays valid after the context is freed,
** and every argument is a plain value (ops.h has the layout).
*/
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "core/util.h"
#include "dusk/alloc.h"

typedef struct {
    dusk_graph *g;
    int rc;
} emit_state;

/* The key of input layer i's block for output block idx of L. */
static void input_key(const dusk__layer *L, int i, const int64_t *idx, char *buf, size_t n)
{
    const dusk__layer *in = L->in[i];
    if (in->kind == DUSK__L_ORIGINAL) {
        snprintf(buf, n, "%s", in->name);
        return;
    }
    int64_t j[DUSK_MAXDIMS];
    for (int d = 0; d < in->ndim; d++)
        j[d] = L->map[i][d] >= 0 ? idx[L->map[i][d]] : 0;
    dusk_key_tuple(buf, n, in->name, in->ndim, j);
}

/* The input blocks an output block of L reads, as a list of references,
 * in C order over the range of input blocks lo..hi (inclusive). */
static dusk_arg *group_arg(const dusk__layer *L, const int64_t *lo, const int64_t *hi)
{
    const dusk__layer *in = L->in[0];
    int64_t count = 1, nb[DUSK_MAXDIMS], j[DUSK_MAXDIMS];
    for (int d = 0; d < in->ndim; d++) {
        nb[d] = hi[d] - lo[d] + 1;
        count *= nb[d];
        j[d] = 0;
    }
    dusk_arg **items = dusk_malloc((size_t)count * sizeof *items);
    if (!items)
        return NULL;
    int64_t k = 0;
    do {
        int64_t at[DUSK_MAXDIMS];
        for (int d = 0; d < in->ndim; d++)
            at[d] = lo[d] + j[d];
        char key[512];
        dusk_key_tuple(key, sizeof key, in->name, in->ndim, at);
        items[k++] = dusk_ref(key);
    } while (dusk__next_index(in->ndim, nb, j));
    dusk_arg *list = dusk_listv((size_t)count, items);
    dusk_free(items);
    return list;
}

dusk_arg *dusk__index_arg(int ndim, const int64_t *idx)
{
    dusk_value *items[DUSK_MAXDIMS];
    for (int d = 0; d < ndim; d++)
        items[d] = dusk_int(idx[d]);
    return dusk_lit(dusk_tuple_of((size_t)ndim, items));
}

/* The group of input blocks output block idx of a REDUCE layer reads. */
static dusk_arg *reduce_arg(const dusk__layer *L, const int64_t *idx)
{
    const dusk__layer *in = L->in[0];
    int64_t lo[DUSK_MAXDIMS], hi[DUSK_MAXDIMS];
    for (int d = 0; d < in->ndim; d++) {
        if (L->split[d]) {
            int64_t o = L->out_axis[d] >= 0 ? idx[L->out_axis[d]] : 0;
            lo[d] = o * L->split[d];
            hi[d] = lo[d] + L->split[d] - 1;
            if (hi[d] >= in->nb[d])
                hi[d] = in->nb[d] - 1;
        } else {
            lo[d] = hi[d] = idx[L->out_axis[d]];
        }
    }
    return group_arg(L, lo, hi);
}

static void emit_layer(dusk__layer *L, void *ud)
{
    emit_state *st = ud;
    if (st->rc)
        return;
    if (L->kind == DUSK__L_ORIGINAL) {
        st->rc = dusk_graph_value(st->g, L->name, dusk_value_ref(L->literal));
        return;
    }
    if (L->emit) {
        st->rc = L->emit(st->g, L);
        return;
    }
    int64_t idx[DUSK_MAXDIMS] = {0}, splits = 0;
    do {
        char key[512];
        dusk_key_tuple(key, sizeof key, L->name, L->ndim, idx);
        if (L->kind == DUSK__L_GATHER) {
            st->rc = dusk__rechunk_emit(st->g, L, idx, key, &splits);
            continue;
        }
        dusk_arg *args[2 + DUSK__MAXIN];
        size_t nargs = 0;
        args[nargs++] = dusk_lit(dusk_value_ref(L->params));
        args[nargs++] = dusk__index_arg(L->ndim, idx);
        if (L->kind == DUSK__L_CUSTOM) {
            int k = L->inputs(L, idx, args + nargs);
            if (k < 0) {
                for (size_t i = 0; i < nargs; i++)
                    dusk_arg_free(args[i]);
                st->rc = DUSK_ENOMEM;
                return;
            }
            nargs += (size_t)k;
        } else if (L->kind == DUSK__L_BLOCKS) {
            for (int i = 0; i < L->nin; i++) {
                char ik[512];
                input_key(L, i, idx, ik, sizeof ik);
                args[nargs++] = dusk_ref(ik);
            }
        } else {
            args[nargs++] = reduce_arg(L, idx);
        }
        st->rc = dusk_graph_taskv(st->g, key, L->func ? L->func : &L->kop->func, nargs, args);
    } while (!st->rc && dusk__next_index(L->ndim, L->nb, idx));
}

int dusk_array_graph(const dusk_array *a, dusk_graph **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, out);
    if (dusk_array_status(a, err))
        return a->status;
    dusk_graph *g = dusk_graph_new();
    if (!g)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory building a graph");
    emit_state st = {g, 0};
    dusk__walk(a->ctx, a->L, emit_layer, &st);
    if (st.rc) {
        dusk_graph_status(g, err);
        dusk_graph_free(g);
        return st.rc;
    }
    *out = g;
    return 0;
}
