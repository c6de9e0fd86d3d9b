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
     * of string keys ("inc-17") sort their leaves mostly here, and the
     * rest by strcmp. */
    uint64_t pa = k->pre[a->id], pb = k->pre[b->id];
    if (!pre_tuple(pa) || !pre_tuple(pb))
        return pa != pb ? pa < pb
                        : strcmp(dusk__task_key(k->g, a->id), dusk__task_key(k->g, b->id)) < 0;
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
    if (n < 2)
        return;
    if (n == 2) {   /* most tasks: two dependencies, or one dependent */
        if (item_less(k, &it[1], &it[0])) {
            sort_item x = it[0];
            it[0] = it[1];
            it[1] = x;
        }
        return;
    }
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

/* The same order for many items, when no key among them is a tuple's text:
 * then item_less is key1, then the keys' first 8 bytes, then the rest of
 * the text, and a radix sort on the first two (a byte a pass, only the
 * bytes that differ somewhere: a graph's leaves mostly share their
 * chains' lengths and their keys' first letters) leaves only the keys
 * that share those 8 bytes to compare. For 100,000 leaves "inc-N" this
 * is a tenth of the merge sort's instructions. Falls back to the merge
 * sort for tuple keys, and when memory is short. */
typedef struct {
    uint64_t k1, pre;      /* key1 with its sign bit flipped: unsigned order */
    int64_t id;
} radix_item;

static void sort_many(const tiebreak *k, sort_item *it, size_t n, sort_item *tmp)
{
    radix_item *r = n >= 512 ? dusk_malloc(2 * n * sizeof *r) : NULL;
    size_t (*count)[256] = r ? dusk_calloc(16, sizeof *count) : NULL;
    if (!count) {
        dusk_free(r);
        sort_items(k, it, n, tmp);
        return;
    }
    const uint64_t sign = UINT64_C(1) << 63;
    uint64_t d1 = 0, dp = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t p = k->pre[it[i].id];
        if (pre_tuple(p)) {
            dusk_free(r);
            dusk_free(count);
            sort_items(k, it, n, tmp);
            return;
        }
        r[i] = (radix_item){(uint64_t)it[i].key1 ^ sign, p, it[i].id};
        d1 |= r[i].k1 ^ r[0].k1;
        dp |= p ^ r[0].pre;
    }
    /* bytes 0-7: pre's, least significant first; 8-15: key1's */
    uint32_t live = 0;
    for (int b = 0; b < 8; b++) {
        live |= (uint32_t)((dp >> (8 * b) & 0xff) != 0) << b;
        live |= (uint32_t)((d1 >> (8 * b) & 0xff) != 0) << (b + 8);
    }
    for (size_t i = 0; i < n; i++)
        for (uint32_t m = live; m; m &= m - 1) {
            int b = __builtin_ctz(m);
            uint64_t v = b < 8 ? r[i].pre : r[i].k1;
            count[b][v >> (8 * (b & 7)) & 0xff]++;
        }
    radix_item *src = r, *dst = r + n;
    for (uint32_t m = live; m; m &= m - 1) {
        int b = __builtin_ctz(m), sh = 8 * (b & 7);
        size_t at = 0;
        for (int v = 0; v < 256; v++) {
            size_t c = count[b][v];
            count[b][v] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t v = b < 8 ? src[i].pre : src[i].k1;
            dst[count[b][v >> sh & 0xff]++] = src[i];
        }
        radix_item *t = src;
        src = dst;
        dst = t;
    }
    /* Runs that share key1 and the 8 bytes: by the rest of their keys. */
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        for (hi = lo + 1; hi < n && src[hi].k1 == src[lo].k1 && src[hi].pre == src[lo].pre;)
            hi++;
        for (size_t i = lo; i < hi; i++)
            it[i] = (sort_item){(int64_t)(src[i].k1 ^ sign), src[i].id};
        if (hi - lo > 1)
            sort_items(k, it + lo, hi - lo, tmp);
    }
    dusk_free(r);
    dusk_free(count);
}

typedef struct {
    dusk__id *v;
    size_t n, cap;
} stack;

static int stack_grow(stack *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    dusk__id *v = dusk_realloc(s->v, cap * sizeof *v);
    if (!v)
        return DUSK_ENOMEM;
    s->v = v;
    s->cap = cap;
    return 0;
}

static inline int push(stack *s, dusk__id t)
{
    if (s->n == s->cap && stack_grow(s) != 0)
        return DUSK_ENOMEM;
    s->v[s->n++] = t;
    return 0;
}

/* Room for n sort items in *items (grown by doubling); 0 or DUSK_ENOMEM. */
static int items_room(sort_item **items, size_t *cap, size_t n)
{
    if (n <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < n)
        c *= 2;
    sort_item *v = dusk_realloc(*items, c * sizeof *v);
    if (!v)
        return DUSK_ENOMEM;
    *items = v;
    *cap = c;
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
    /* 32-bit ids and counts (core/graph.h), and the order written straight
     * into the prio array it ends in: DUSK__NO_TASK until a task is
     * numbered. */
    size_t n = g->ntasks, ne = (size_t)g->dep_off[n];
    const dusk__off *doff = g->dep_off, *roff = g->rdep_off;
    const dusk__id *dids = g->dep_ids, *rids = g->rdep_ids;
    uint32_t *order = dusk_malloc((n ? n : 1) * sizeof *order);
    dusk__id *sdeps = dusk_malloc((ne ? ne : 1) * sizeof *sdeps);  /* sorted deps */
    uint32_t *cursor = dusk_calloc(n ? n : 1, sizeof *cursor);
    uint32_t *missing = dusk_malloc((n ? n : 1) * sizeof *missing);
    sort_item *seeds = dusk_malloc((n ? n : 1) * sizeof *seeds);
    sort_item *tmp = dusk_malloc((n ? n : 1) * sizeof *tmp);   /* any fan is <= n */
    uint32_t *up = dusk_malloc((n ? n : 1) * sizeof *up);
    uint32_t *form = dusk_malloc((n ? n : 1) * sizeof *form);
    sort_item *items = NULL;
    size_t items_cap = 0;
    tiebreak tb = {g, form, NULL, NULL, NULL};
    stack st = {0};
    if (!order || !sdeps || !cursor || !missing || !seeds || !tmp || !up || !form ||
        read_keys(&tb, form, n) != 0) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory ordering the graph");
        goto done;
    }
    /* Each task's dependencies, longest chain first, then by key; the
     * leaves among the tasks are the seeds. */
    size_t nseeds = 0;
    for (size_t t = 0; t < n; t++) {
        order[t] = DUSK__NO_TASK;
        dusk__off a = doff[t], b = doff[t + 1];
        missing[t] = b - a;
        if (b - a == 1) {
            sdeps[a] = dids[a];
            continue;
        }
        if (b == a) {
            seeds[nseeds++].id = (int64_t)t;
            continue;
        }
        if (items_room(&items, &items_cap, b - a) != 0) {
            rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory ordering the graph");
            goto done;
        }
        for (dusk__off k = a; k < b; k++)
            items[k - a] = (sort_item){-(int64_t)g->height[dids[k]], dids[k]};
        sort_items(&tb, items, b - a, tmp);
        for (dusk__off k = a; k < b; k++)
            sdeps[k] = (dusk__id)items[k - a].id;
    }

    /* Seeds: the leaves, those under the longest chain of dependents first
     * (the critical path), then by key. up[] is that chain's length. */
    for (size_t i = n; i-- > 0;) {
        int64_t t = g->topo[i];
        uint32_t best = 0;
        for (dusk__off k = roff[t]; k < roff[t + 1]; k++)
            if (up[rids[k]] + 1 > best)
                best = up[rids[k]] + 1;
        up[t] = best;
    }
    for (size_t s = 0; s < nseeds; s++)
        seeds[s].key1 = -(int64_t)up[seeds[s].id];
    sort_many(&tb, seeds, nseeds, tmp);

    uint32_t next = 0;
    for (size_t si = 0; si < nseeds && rc == 0; si++) {
        dusk__id seed = (dusk__id)seeds[si].id;
        if (order[seed] != DUSK__NO_TASK)
            continue;
        if ((rc = push(&st, seed)) < 0)
            break;
        while (st.n && rc == 0) {
            dusk__id t = st.v[st.n - 1];
            if (order[t] != DUSK__NO_TASK) {
                st.n--;
                continue;
            }
            if (missing[t] > 0) {
                /* Descend into the next dependency not yet ordered. */
                dusk__off a = doff[t] + cursor[t];
                while (order[sdeps[a]] != DUSK__NO_TASK)
                    a++;
                cursor[t] = a - doff[t];
                rc = push(&st, sdeps[a]);
                continue;
            }
            st.n--;
            order[t] = next++;
            dusk__off a = roff[t], b = roff[t + 1];
            for (dusk__off k = a; k < b; k++)
                missing[rids[k]]--;
            /* Push dependents, fewest missing dependencies last (on top). */
            if (b - a == 1) {
                if (order[rids[a]] == DUSK__NO_TASK)
                    rc = push(&st, rids[a]);
                continue;
            }
            if (items_room(&items, &items_cap, b - a) != 0) {
                rc = DUSK_ENOMEM;
                break;
            }
            for (dusk__off k = a; k < b; k++)
                items[k - a] = (sort_item){missing[rids[k]], rids[k]};
            sort_items(&tb, items, b - a, tmp);
            for (size_t k = b - a; k-- > 0 && rc == 0;) {
                dusk__id d = (dusk__id)items[k].id;
                if (order[d] == DUSK__NO_TASK)
                    rc = push(&st, d);
            }
        }
    }
    if (rc == DUSK_ENOMEM)
        dusk_error_set(err, rc, "out of memory ordering the graph");
    if (!rc) {
        /* Each task's dependents, most urgent last: Dask's scheduler walks
         * them by decreasing priority (local.py's finish_task), and a run
         * that keeps the ones it made ready in that order (run.c's w->succ,
         * a stack) then adds each at the end, in constant time instead of
         * sifting it past the others: linear, not quadratic, for a task
         * with 10^5 dependents. Refilled from the dependency lists, every
         * task by decreasing priority (up[] reused: the task of each
         * priority; cursor[]: where each list is written). */
        for (size_t t = 0; t < n; t++) {
            up[order[t]] = (uint32_t)t;
            cursor[t] = roff[t];
        }
        for (size_t i = n; i-- > 0;) {
            dusk__id t = up[i];
            for (dusk__off k = doff[t]; k < doff[t + 1]; k++)
                g->rdep_ids[cursor[dids[k]]++] = t;
        }
        g->prio = order;
        order = NULL;
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
