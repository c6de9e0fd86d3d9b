/*
** dusk — static ordering of a task graph, for low memory
**
** The idea of dask.order, kept simple and linear in the graph's size:
** a depth-first walk that finishes one branch before opening the next.
**
**  - Leaves (tasks with no dependencies) seed the walk: first the leaf
**    under the longest chain of dependents (the critical path), ties by
**    key.
**  - A task on top of the stack whose dependencies are not all ordered
**    pushes the next unordered one; dependencies are taken longest chain
**    first (the critical path), ties by key, so the order is
**    deterministic. A cursor per task makes each dependency list scanned
**    once in all.
**  - A task whose dependencies are all ordered gets the next number; then
**    its dependents are pushed, those with the fewest dependencies still
**    missing on top, so a task that has just become computable runs next
**    and the inputs it frees go away early.
**
** Ties are broken by key as Dask breaks them (Python's < on keys, which
** dusk__key_cmp follows): ('x', 2) before ('x', 10), so an array's blocks
** go in index order. What comparing needs is read from each key once, before
** the walk: two blocks of one array layer compare as two integers.
**
** Results are freed as soon as their last dependent runs, so running in
** this order keeps few results alive: a tree reduction holds O(depth)
** results, a chain two.
*/
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "graph.h"

typedef struct {
    int64_t key1;  /* sort by key1 ascending... */
    int64_t id;    /* ...then by key, as Dask compares keys */
} sort_item;

/* What ties are broken with: the graph's keys, and what is read once from
 * each (core/graph.h) so that comparing keys does not parse them: its form,
 * and for array keys, an id per run of tasks with one name (equal ids,
 * equal names; equal names may have other ids) and the packed indices, so
 * that two blocks of one layer compare as two numbers without their text. */
typedef struct {
    const dusk_graph *g;
    const uint32_t *form;
    uint32_t *nid;         /* NULL when no key has a form */
    uint64_t *pk;
    uint64_t *pre;         /* each key's first 8 bytes, big-endian, 0 after its end */
} tiebreak;

/* Whether a key of prefix p is a tuple's text (dusk__key_cmp reads those). */
static int pre_tuple(uint64_t p)
{
    unsigned q = (unsigned)(p >> 48) & 0xff;
    return (p >> 56) == '(' && (q == '\'' || q == '"');
}

static int item_less(const tiebreak *k, const sort_item *a, const sort_item *b)
{
    if (a->key1 != b->key1)
        return a->key1 < b->key1;
    if (k->nid && k->nid[a->id] == k->nid[b->id] && k->form[a->id] &&
        k->pk[a->id] != DUSK__KEY_NOPACK && k->pk[b->id] != DUSK__KEY_NOPACK)
        return k->pk[a->id] < k->pk[b->id];
    /* dusk__key_cmp compares a key that is no tuple with any other as
     * strcmp does: where their first 8 bytes differ, those decide. Graphs
     * of string keys ("inc-17") sort their leaves mostly here. */
    uint64_t pa = k->pre[a->id], pb = k->pre[b->id];
    if (pa != pb && (!pre_tuple(pa) || !pre_tuple(pb)))
        return pa < pb;
    return dusk__key_cmp_form(dusk__task_key(k->g, a->id), k->form[a->id],
                              dusk__task_key(k->g, b->id), k->form[b->id]) < 0;
}

/* Reads each key's form, and for array keys its name's id and packed
 * indices; 0 or DUSK_ENOMEM. */
static int read_keys(tiebreak *k, uint32_t *form, size_t n)
{
    size_t nform = 0;
    uint64_t *pre = dusk_malloc((n ? n : 1) * sizeof *pre);
    if (!pre)
        return DUSK_ENOMEM;
    for (size_t t = 0; t < n; t++) {
        const unsigned char *key = (const unsigned char *)dusk__task_key(k->g, (int64_t)t);
        uint64_t p = 0;
        int i = 0;
        for (; i < 8 && key[i]; i++)
            p = p << 8 | key[i];
        pre[t] = i ? p << (8 * (8 - i)) : 0;   /* (a shift by 64 is undefined) */
        nform += (form[t] = dusk__key_form((const char *)key)) != 0;
    }
    k->pre = pre;
    k->form = form;
    if (!nform)
        return 0;
    uint32_t *nid = dusk_malloc(n * sizeof *nid);
    uint64_t *pk = dusk_malloc(n * sizeof *pk);
    if (!nid || !pk) {
        dusk_free(nid);
        dusk_free(pk);
        return DUSK_ENOMEM;
    }
    /* Array graphs set a layer's blocks one after another: a name equal
     * to the last form key's takes its id. */
    uint32_t next = 0;
    const char *last = NULL;
    for (size_t t = 0; t < n; t++) {
        const char *key = dusk__task_key(k->g, (int64_t)t);
        nid[t] = 0;
        pk[t] = dusk__key_pack(key, form[t]);
        if (!form[t])
            continue;
        if (!last || strncmp(last, key, form[t]) != 0)
            next++;
        nid[t] = next;
        last = key;
    }
    k->nid = nid;
    k->pk = pk;
    return 0;
}

/* A merge sort: insertion sort for runs of 16 (a task's few dependencies
 * are one run), then runs merged bottom-up through tmp (n items): about
 * n log2 n comparisons for the leaves of a big graph, where a heapsort
 * made twice as many. It passes the graph to the comparison (qsort cannot
 * in C11). Keys are distinct, so stability does not matter. */
static void sort_items(const tiebreak *k, sort_item *it, size_t n, sort_item *tmp)
{
    enum { RUN = 16 };
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            sort_item x = it[i];
            size_t j = i;
            for (; j > lo && item_less(k, &x, &it[j - 1]); j--)
                it[j] = it[j - 1];
            it[j] = x;
        }
    }
    sort_item *src = it, *dst = tmp;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                dst[o++] = item_less(k, &src[b], &src[a]) ? src[b++] : src[a++];
            while (a < mid)
                dst[o++] = src[a++];
            while (b < hi)
                dst[o++] = src[b++];
        }
        sort_item *t = src;
        src = dst;
        dst = t;
    }
    if (src != it)
        memcpy(it, src, n * sizeof *it);
}

typedef struct {
    int64_t *v;
    size_t n, cap;
} stack;

static int push(stack *s, int64_t t)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        int64_t *v = dusk_realloc(s->v, cap * sizeof *v);
        if (!v)
            return DUSK_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = t;
    return 0;
}

int dusk_graph_order(dusk_graph *g, const int64_t **prio, dusk_error *err)
{
    if (prio)
        *prio = NULL;
    DUSK__NONNULL(err, g);
    DUSK__NONNULL(err, prio);
    int rc = dusk__graph_order(g, err);
    if (rc)
        return rc;
    if (!g->prio64 && !(g->prio64 = dusk__ids_widen(g->prio, g->ntasks)))
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory ordering the graph");
    *prio = g->prio64;
    return 0;
}

int dusk__graph_order(dusk_graph *g, dusk_error *err)
{
    int rc = dusk__graph_finalize(g, err);
    if (rc)
        return rc;
    if (g->prio)
        return 0;
    size_t n = g->ntasks, ne = (size_t)g->dep_off[n];
    int64_t *order = dusk_malloc((n ? n : 1) * sizeof *order);
    int64_t *sdeps = dusk_malloc((ne ? ne : 1) * sizeof *sdeps);  /* sorted deps */
    int64_t *cursor = dusk_calloc(n ? n : 1, sizeof *cursor);
    int64_t *missing = dusk_malloc((n ? n : 1) * sizeof *missing);
    size_t maxfan = 1;
    for (size_t t = 0; t < n; t++) {
        size_t f = (size_t)(g->dep_off[t + 1] - g->dep_off[t]);
        size_t r = (size_t)(g->rdep_off[t + 1] - g->rdep_off[t]);
        if (f > maxfan) maxfan = f;
        if (r > maxfan) maxfan = r;
    }
    sort_item *items = dusk_malloc(maxfan * sizeof *items);
    sort_item *seeds = dusk_malloc((n ? n : 1) * sizeof *seeds);
    sort_item *tmp = dusk_malloc((n ? n : 1) * sizeof *tmp);   /* maxfan <= n */
    int64_t *up = dusk_malloc((n ? n : 1) * sizeof *up);
    uint32_t *form = dusk_malloc((n ? n : 1) * sizeof *form);
    tiebreak tb = {g, form, NULL, NULL, NULL};
    stack st = {0};
    if (!order || !sdeps || !cursor || !missing || !items || !seeds || !tmp || !up || !form) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory ordering the graph");
        goto done;
    }
    if (read_keys(&tb, form, n) != 0) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory ordering the graph");
        goto done;
    }
    for (size_t t = 0; t < n; t++) {
        order[t] = -1;
        int64_t a = g->dep_off[t], b = g->dep_off[t + 1];
        missing[t] = b - a;
        for (int64_t k = a; k < b; k++)
            items[k - a] = (sort_item){-g->height[g->dep_ids[k]], g->dep_ids[k]};
        sort_items(&tb, items, (size_t)(b - a), tmp);
        for (int64_t k = a; k < b; k++)
            sdeps[k] = items[k - a].id;
    }

    /* Seeds: the leaves, those under the longest chain of dependents first
     * (the critical path), then by key. up[] is that chain's length. */
    for (size_t i = n; i-- > 0;) {
        int64_t t = g->topo[i], best = 0;
        for (int64_t k = g->rdep_off[t]; k < g->rdep_off[t + 1]; k++)
            if (up[g->rdep_ids[k]] + 1 > best)
                best = up[g->rdep_ids[k]] + 1;
        up[t] = best;
    }
    size_t nseeds = 0;
    for (size_t t = 0; t < n; t++)
        if (g->dep_off[t + 1] == g->dep_off[t])
            seeds[nseeds++] = (sort_item){-up[t], (int64_t)t};
    sort_items(&tb, seeds, nseeds, tmp);

    int64_t next = 0;
    for (size_t si = 0; si < nseeds && rc == 0; si++) {
        int64_t seed = seeds[si].id;
        if (order[seed] >= 0)
            continue;
        if ((rc = push(&st, (int64_t)seed)) < 0)
            break;
        while (st.n && rc == 0) {
            int64_t t = st.v[st.n - 1];
            if (order[t] >= 0) {
                st.n--;
                continue;
            }
            if (missing[t] > 0) {
                /* Descend into the next dependency not yet ordered. */
                int64_t a = g->dep_off[t], b = g->dep_off[t + 1];
                while (a + cursor[t] < b && order[sdeps[a + cursor[t]]] >= 0)
                    cursor[t]++;
                rc = push(&st, sdeps[a + cursor[t]]);
                continue;
            }
            st.n--;
            order[t] = next++;
            int64_t a = g->rdep_off[t], b = g->rdep_off[t + 1];
            for (int64_t k = a; k < b; k++)
                missing[g->rdep_ids[k]]--;
            /* Push dependents, fewest missing dependencies last (on top). */
            for (int64_t k = a; k < b; k++)
                items[k - a] = (sort_item){missing[g->rdep_ids[k]], g->rdep_ids[k]};
            sort_items(&tb, items, (size_t)(b - a), tmp);
            for (int64_t k = b - 1; k >= a && rc == 0; k--) {
                int64_t d = items[k - a].id;
                if (order[d] < 0)
                    rc = push(&st, d);
            }
        }
    }
    if (rc == DUSK_ENOMEM)
        dusk_error_set(err, rc, "out of memory ordering the graph");
    uint32_t *prio = NULL;
    if (!rc && !(prio = dusk_malloc((n ? n : 1) * sizeof *prio)))
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory ordering the graph");
    if (!rc) {
        /* kept in 32 bits (a graph has under 2^32 tasks) */
        for (size_t t = 0; t < n; t++)
            prio[t] = (uint32_t)order[t];
        g->prio = prio;
        /* Only ordering reads these: 16 bytes a task given back. */
        dusk_free(g->height);
        dusk_free(g->topo);
        g->height = g->topo = NULL;
    }
done:
    dusk_free(order);
    dusk_free(sdeps);
    dusk_free(cursor);
    dusk_free(missing);
    dusk_free(items);
    dusk_free(seeds);
    dusk_free(tmp);
    dusk_free(up);
    dusk_free(form);
    dusk_free(tb.nid);
    dusk_free(tb.pk);
    dusk_free(tb.pre);
    dusk_free(st.v);
    return rc;
}
