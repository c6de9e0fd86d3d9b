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
**
** A store's graph (dusk__array_graph_stream) reads a file's blocks again
** for each layer that reads them, rather than holding them from the first
** reader to the last: in r = x - x.mean(axis=0) stored, the mean needs a
** whole column of x's blocks before the first 'sub' of that column can
** run, so a graph that shares the reads holds a column of the file (80
** MiB in array.big) and, in a scheduler that frees each block once its
** last reader ran, churns through fresh pages for it; x - x.mean() held
** the whole file. A block read again comes from the page cache, which has
** just read it: 'array.big' took 2.1-3.4 s of CPU, 72,000-85,000 page
** faults and 160-170 MiB sharing the reads, 0.7-1.4 s, 5,000 faults and
** 27-33 MiB reading again (alternating runs, 2026-11-30, 2 cores, shared
** machine). A copy is made for a BLOCKS layer whose blocks of the file
** would wait, 8 or more at a time, for one block of another input (the
** column's mean); fewer are held (the lecture's 76 MiB file: 2 blocks of
** a column), and so are the reads of the first reader (in the walk,
** inputs first), of reductions and of readers that make their own keys
** (rechunks, joins, user inputs(), linear algebra). A copy's block waits
** for what its reader's block waits for (emit_blocks), so that no worker
** reads it long before it can be used. dusk_array_graph,
** which pictures and dusk_array_compute use, keeps Dask's graph: a
** computed result is held whole anyway.
*/
#include <stdio.h>
#include <string.h>

#include "array.h"
#include "core/util.h"
#include "dusk/alloc.h"

/* A reader's own copy of a file-reading layer (dusk__array_graph_stream):
 * reader's input `in` is read under name. */
typedef struct {
    const dusk__layer *reader, *in;
    char name[80];               /* 'array-<token>' */
    char source[96];             /* 'original-array-<token>': its own copy of
                                  * in's (path, dataset), see emit_layer */
} reread;

typedef struct {
    dusk_graph *g;
    int rc;
    reread *copies;              /* made by plan_rereads */
    size_t ncopies, cap;
    const dusk__layer **read;    /* file-reading layers met so far */
    size_t nread, capread;
} emit_state;

/* The name L's blocks of its input in are read under: a copy's, or in's. */
static const char *input_name(const emit_state *st, const dusk__layer *L, const dusk__layer *in)
{
    for (size_t k = 0; k < st->ncopies; k++)
        if (st->copies[k].reader == L && st->copies[k].in == in)
            return st->copies[k].name;
    return in->name;
}

/* The key of input layer i's block for output block idx of L. */
static void input_key(const emit_state *st, const dusk__layer *L, int i, const int64_t *idx,
                      const char *source, char *buf, size_t n)
{
    const dusk__layer *in = L->in[i];
    if (in->kind == DUSK__L_ORIGINAL) {
        snprintf(buf, n, "%s", source ? source : in->name);
        return;
    }
    int64_t j[DUSK_MAXDIMS];
    for (int d = 0; d < in->ndim; d++)
        j[d] = L->map[i][d] >= 0 ? idx[L->map[i][d]] : 0;
    dusk_key_tuple(buf, n, input_name(st, L, in), in->ndim, j);
}

/* The input blocks an output block of L reads, as a list of references,
 * in C order over the range of input blocks lo..hi (inclusive). */
static dusk_arg *group_arg(const emit_state *st, const dusk__layer *L, const int64_t *lo,
                           const int64_t *hi)
{
    const dusk__layer *in = L->in[0];
    const char *name = input_name(st, L, in);
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
        dusk_key_tuple(key, sizeof key, name, in->ndim, at);
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
static dusk_arg *reduce_arg(const emit_state *st, const dusk__layer *L, const int64_t *idx)
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
    return group_arg(st, L, lo, hi);
}

/* Whether L's blocks are read from a file (from_hdf5: Dask's 'array'
 * getters of an 'original-array' holding (path, dataset)). */
static int reads_file(const dusk__layer *L)
{
    return L->kind == DUSK__L_BLOCKS && L->kop == dusk__op_get(DUSK__OP_ARRAY) && L->nin == 1 &&
           L->in[0]->kind == DUSK__L_ORIGINAL &&
           dusk_value_kind(L->in[0]->literal) == DUSK_KIND_TUPLE;
}

/* How many blocks of BLOCKS layer L at most share one block of an input
 * other than its input i (the product of L's blocks along the axes that
 * input does not follow): in x - x.mean(axis=0), the blocks of a column
 * of x all wait for that column's mean. */
static int64_t waiting(const dusk__layer *L, int i)
{
    int64_t most = 1;
    for (int k = 0; k < L->nin; k++) {
        if (L->in[k] == L->in[i] || L->in[k]->kind == DUSK__L_ORIGINAL)
            continue;
        int64_t n = 1;
        for (int d = 0; d < L->ndim; d++) {
            int follows = 0;
            for (int e = 0; e < L->in[k]->ndim; e++)
                follows |= L->map[k][e] == d;
            if (!follows)
                n *= L->nb[d];
        }
        most = n > most ? n : most;
    }
    return most;
}

/* Fewer blocks than this waiting for one block of another input are held
 * rather than read again: the lecture's 76 MiB x - x.mean(axis=0) holds 2
 * blocks of a column (4 MB), array.big 40 (80 MB). */
enum { REREAD_MIN_WAITING = 8 };

/* dusk__walk's visitor before a store's emission: a BLOCKS layer that
 * reads a file-reading layer another layer before it (in the walk, inputs
 * first) already reads, and whose blocks of it would wait for one block of
 * another input in groups of REREAD_MIN_WAITING or more, gets a copy of it
 * to read. */
static void plan_rereads(dusk__layer *L, void *ud)
{
    emit_state *st = ud;
    if (st->rc || L->emit || (L->kind != DUSK__L_BLOCKS && L->kind != DUSK__L_REDUCE))
        return;
    int n = L->kind == DUSK__L_REDUCE ? 1 : L->nin;
    for (int i = 0; i < n && !st->rc; i++) {
        const dusk__layer *in = L->in[i];
        if (!reads_file(in) || input_name(st, L, in) != in->name)
            continue;
        size_t k = 0;
        while (k < st->nread && st->read[k] != in)
            k++;
        /* the first reader keeps the shared layer (x + x reads it once) */
        int again = 0;
        for (int j = 0; j < i; j++)
            again |= L->in[j] == in;
        if (k == st->nread) {
            if (st->nread == st->capread) {
                size_t cap = st->capread ? 2 * st->capread : 8;
                const dusk__layer **p = dusk_realloc(st->read, cap * sizeof *p);
                if (!p) {
                    st->rc = DUSK_ENOMEM;
                    return;
                }
                st->read = p;
                st->capread = cap;
            }
            st->read[st->nread++] = in;
            continue;
        }
        if (again || L->kind != DUSK__L_BLOCKS || waiting(L, i) < REREAD_MIN_WAITING)
            continue;
        if (st->ncopies == st->cap) {
            size_t cap = st->cap ? 2 * st->cap : 8;
            reread *p = dusk_realloc(st->copies, cap * sizeof *p);
            if (!p) {
                st->rc = DUSK_ENOMEM;
                return;
            }
            st->copies = p;
            st->cap = cap;
        }
        reread *c = &st->copies[st->ncopies++];
        c->reader = L;
        c->in = in;
        char tok[33];
        dusk__token(tok, "reread|%s|%s", in->name, L->name);
        snprintf(c->name, sizeof c->name, "%s-%s", in->op, tok);
        snprintf(c->source, sizeof c->source, "%s-%s", in->in[0]->op, tok);
    }
}

/* Whether reader reads block idx of its input in at its own block idx
 * (in follows reader's axes one for one, as sub follows x): then reader's
 * block idx waits for the blocks of its other inputs at idx. Its index in
 * reader's inputs, or -1. */
static int read_in_place(const dusk__layer *reader, const dusk__layer *in)
{
    if (reader->ndim != in->ndim)
        return -1;
    for (int i = 0; i < reader->nin; i++) {
        if (reader->in[i] != in)
            continue;
        int same = 1;
        for (int d = 0; d < in->ndim; d++)
            same &= reader->map[i][d] == d && reader->nb[d] == in->nb[d];
        return same ? i : -1;
    }
    return -1;
}

/* The tasks of BLOCKS layer L under name (its own, or a copy's, which
 * reads source instead of L's 'original-array' input). A copy's block
 * also takes, as inputs it waits for and does not read, the blocks its
 * reader's block waits for (the column's mean, for 'sub'): read before
 * them, it would be held until they are made, and a worker with nothing
 * else to do ran the copies' reads columns ahead (600 MiB held in
 * array.big, 2 workers, where 30 MiB were). */
static void emit_blocks(emit_state *st, const dusk__layer *L, const char *name,
                        const char *source, const dusk__layer *reader)
{
    int own = reader ? read_in_place(reader, L) : -1;
    int64_t idx[DUSK_MAXDIMS] = {0};
    do {
        char key[512];
        dusk_key_tuple(key, sizeof key, name, L->ndim, idx);
        dusk_arg *args[2 + DUSK__MAXIN];
        size_t nargs = 0;
        args[nargs++] = dusk_lit(dusk_value_ref(L->params));
        args[nargs++] = dusk__index_arg(L->ndim, idx);
        for (int i = 0; i < L->nin; i++) {
            char ik[512];
            input_key(st, L, i, idx, source, ik, sizeof ik);
            args[nargs++] = dusk_ref(ik);
        }
        for (int k = 0; own >= 0 && k < reader->nin && nargs < 2 + DUSK__MAXIN; k++) {
            const dusk__layer *w = reader->in[k];
            int seen = w == L || w->kind == DUSK__L_ORIGINAL;
            for (int j = 0; j < k && !seen; j++)
                seen = reader->in[j] == w;
            if (seen)
                continue;
            char ik[512];
            input_key(st, reader, k, idx, NULL, ik, sizeof ik);
            args[nargs++] = dusk_ref(ik);
        }
        st->rc = dusk_graph_taskv(st->g, key, L->func ? L->func : &L->kop->func, nargs, args);
    } while (!st->rc && dusk__next_index(L->ndim, L->nb, idx));
}

static void emit_layer(dusk__layer *L, void *ud)
{
    emit_state *st = ud;
    if (st->rc)
        return;
    /* the copies L reads, just before L. Each has its source value under a
     * key of its own: with one source feeding the first reads and the
     * copies alike, dusk's order ran many copies early (103 MiB held in
     * array.big, not 30) */
    for (size_t k = 0; k < st->ncopies && !st->rc; k++) {
        const reread *c = &st->copies[k];
        if (c->reader != L)
            continue;
        st->rc = dusk_graph_value(st->g, c->source, dusk_value_ref(c->in->in[0]->literal));
        if (!st->rc)
            emit_blocks(st, c->in, c->name, c->source, L);
    }
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
    if (L->kind == DUSK__L_BLOCKS) {
        emit_blocks(st, L, L->name, NULL, NULL);
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
        } else {
            args[nargs++] = reduce_arg(st, L, idx);
        }
        st->rc = dusk_graph_taskv(st->g, key, L->func ? L->func : &L->kop->func, nargs, args);
    } while (!st->rc && dusk__next_index(L->ndim, L->nb, idx));
}

/* Caller has checked a and out. */
static int array_graph(const dusk_array *a, int stream, dusk_graph **out, dusk_error *err)
{
    if (dusk_array_status(a, err))
        return a->status;
    dusk_graph *g = dusk_graph_new();
    if (!g)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory building a graph");
    emit_state st = {.g = g};
    if (stream)
        dusk__walk(a->ctx, a->L, plan_rereads, &st);
    if (!st.rc)
        dusk__walk(a->ctx, a->L, emit_layer, &st);
    dusk_free(st.copies);
    dusk_free(st.read);
    if (st.rc) {
        if (dusk_graph_status(g, err) == 0)   /* failed before the graph did */
            dusk_error_set(err, st.rc, "out of memory building a graph");
        dusk_graph_free(g);
        return st.rc;
    }
    *out = g;
    return 0;
}

int dusk__arrays_graph(dusk_array *const *a, size_t n, dusk_graph **out, dusk_error *err)
{
    *out = NULL;
    dusk__layer *one[16], **roots = n <= 16 ? one : dusk_malloc(n * sizeof *roots);
    if (!roots)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory building a graph");
    for (size_t i = 0; i < n; i++)
        roots[i] = a[i]->L;
    dusk_graph *g = dusk_graph_new();
    emit_state st = {.g = g};
    if (g)
        dusk__walk_many(a[0]->ctx, roots, n, emit_layer, &st);
    if (roots != one)
        dusk_free(roots);
    dusk_free(st.copies);
    dusk_free(st.read);
    if (!g || st.rc) {
        if (!g || dusk_graph_status(g, err) == 0)
            dusk_error_set(err, g ? st.rc : DUSK_ENOMEM, "out of memory building a graph");
        dusk_graph_free(g);
        return g ? st.rc : DUSK_ENOMEM;
    }
    *out = g;
    return 0;
}

int dusk_array_graph_many(dusk_array *const *a, size_t n, dusk_graph **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, out);
    if (n == 0) {
        *out = dusk_graph_new();
        return *out ? 0 : dusk_error_set(err, DUSK_ENOMEM, "out of memory building a graph");
    }
    DUSK__NONNULL(err, a);
    int rc = dusk__arrays_check(a, n, "dusk_array_graph_many", err);
    return rc ? rc : n == 1 ? dusk_array_graph(a[0], out, err) : dusk__arrays_graph(a, n, out, err);
}

int dusk_array_graph(const dusk_array *a, dusk_graph **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, a);
    DUSK__NONNULL(err, out);
    return array_graph(a, 0, out, err);
}

int dusk__array_graph_stream(const dusk_array *a, dusk_graph **out, dusk_error *err)
{
    *out = NULL;
    return array_graph(a, 1, out, err);
}
