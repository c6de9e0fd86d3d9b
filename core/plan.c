/*
** dusk — plans: the view of a graph that one run executes
**
** A plan is made after culling, in one pass over the plan's tasks, from
** what validation and ordering keep in the graph. It copies what a later
** change of the graph would overwrite (entry kinds, functions, literal
** values, the requested ids) into one allocation: the struct, then its
** arrays. What the graph only ever replaces, never changes in place, it
** shares instead of copying, through counted keeps (core/graph.h):
**
**  - the key text: names are interned once and their text never moves or
**    changes; the graph hands the text's arena to its keep when it is
**    freed, so plans' key pointers stay good until the last plan goes;
**  - the dependency lists and priorities of the graph's current version:
**    a change drops the graph's reference instead of freeing them.
**
** Dependencies of the plan's tasks are all in the plan (it is closed under
** them), so the graph's lists serve; dependents are the graph's when the
** plan takes every task, and are rebuilt to hold only the plan's tasks
** otherwise, so that a scheduler never looks at a task outside its run.
**
** The graph caches the last plan it made (g->plan, dropped with the rest
** of what validation derived at any change); a request for the same ids
** gets that plan again, with one more reference. Invariant: a plan is
** written only between its allocation and its return from
** dusk__plan_make; after that only its reference count changes, its
** 64-bit copies of its id arrays appear (published atomically, once), and
** runs leave and take their spare arrays (atomically; core/plan.h).
** Core reads the 32-bit arrays; the copies are only for the public API,
** whose callers may never ask (a run does not).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "plan.h"

/* --- making a plan -------------------------------------------------------- */

/* Room for n items of size sz at *at, 8-byte aligned; returns the offset. */
static size_t carve(size_t *at, size_t n, size_t sz)
{
    size_t off = (*at + 7) & ~(size_t)7;
    *at = off + n * sz;
    return off;
}

/* Marks in `in` what want needs (want included) and counts the plan's
 * tasks, its dependency edges and its tasks without a dependency (the
 * first ready). stack has room for every task. */
static void cull(const dusk_graph *g, const int64_t *want, size_t nwant, unsigned char *in,
                 int64_t *stack, size_t *n, size_t *ne, size_t *nleaves)
{
    /* counted in locals: a store through `in` could be to any of *n, *ne,
     * *nleaves, as the compiler sees it, and would reload them */
    size_t sp = 0, nt = 0, nedges = 0, nl = 0;
    for (size_t i = 0; i < nwant; i++)
        if (!in[want[i]]) {
            in[want[i]] = 1;
            stack[sp++] = want[i];
        }
    while (sp) {
        int64_t t = stack[--sp];
        dusk__off a = g->dep_off[t], b = g->dep_off[t + 1];
        nt++;
        nedges += b - a;
        nl += a == b;
        for (dusk__off k = a; k < b; k++) {
            dusk__id d = g->dep_ids[k];
            if (!in[d]) {
                in[d] = 1;
                stack[sp++] = d;
            }
        }
    }
    *n = nt;
    *ne = nedges;
    *nleaves = nl;
}

/* A bound on how many tasks of p with some dependency can be ready at
 * once, for the size of a run's heap (the tasks with none are in
 * p->first, and the heap holds only tasks made ready by another's end):
 * tasks ready together are never one a dependency of the other, so each
 * path of a cover of those tasks by paths holds at most one of them, and
 * a cover by n - m paths comes from any m edges between them with no two
 * out of one task or into one task. Those are picked greedily: each task
 * takes the first dependent no other task took. `taken` (gsize bytes) is
 * scratch. On a binary reduction tree the bound is about a quarter of
 * the tasks. */
static size_t ready_bound(const dusk_plan *p, unsigned char *taken)
{
    size_t m = 0, inner = 0;
    memset(taken, 0, p->gsize);
    for (size_t i = 0; i < p->n; i++) {
        int64_t t = dusk__plan_task(p, i);
        if (p->dep_off[t + 1] == p->dep_off[t])
            continue;
        inner++;
        for (dusk__off k = p->rdep_off[t]; k < p->rdep_off[t + 1]; k++)
            if (!taken[p->rdep_ids[k]]) {
                taken[p->rdep_ids[k]] = 1;
                m++;
                break;
            }
    }
    return inner - m;
}

static int entry_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Fills p->first with the tasks of p that have no dependency, by priority.
 * Priorities are a permutation of the graph's ids (core/order.c numbers
 * tasks one by one), so each leaf goes to its priority's place in a
 * table of gsize ids (scratch, 4 x gsize bytes) and one pass reads them
 * in order; a sort serves if they ever are not. */
static void first_fill(dusk_plan *p, uint64_t *first, uint32_t *scratch)
{
    size_t k = 0, gs = p->gsize;
    int placed = 1;
    memset(scratch, 0xff, gs * sizeof *scratch);
    for (size_t i = 0; i < p->n; i++) {
        int64_t t = dusk__plan_task(p, i);
        if (p->dep_off[t + 1] != p->dep_off[t])
            continue;
        uint32_t pr = p->prio[t];
        first[k++] = (uint64_t)pr << 32 | (uint64_t)t;
        if (pr >= gs || scratch[pr] != UINT32_MAX)
            placed = 0;
        else
            scratch[pr] = (uint32_t)t;
    }
    if (!placed) {
        qsort(first, k, sizeof *first, entry_cmp);
        return;
    }
    k = 0;
    for (size_t pr = 0; pr < gs; pr++)
        if (scratch[pr] != UINT32_MAX)
            first[k++] = (uint64_t)pr << 32 | scratch[pr];
}

/* The graph's keeps for what plans share, made when first needed. */
static int keeps(dusk_graph *g)
{
    if (!g->text_keep && !(g->text_keep = dusk__keep_new()))
        return DUSK_ENOMEM;
    if (!g->lists_keep) {
        if (!(g->lists_keep = dusk__keep_new()))
            return DUSK_ENOMEM;
        void *blocks[5] = {g->dep_off, g->dep_ids, g->rdep_off, g->rdep_ids, g->prio};
        memcpy(g->lists_keep->blocks, blocks, sizeof blocks);
    }
    return 0;
}

/* The plan's kind of task t: DUSK__PLAN_DEPARGS or DUSK__PLAN_FLAT when
 * its list stands for its references, which it does when they are as
 * many as the list holds (the list names each task once, in the order of
 * the arguments: a repeat would make it shorter); else the graph's. */
static unsigned char plan_kind(const dusk_graph *g, size_t t)
{
    const dusk__task *task = &g->tasks[t];
    size_t n = task->nargs, nrefs = 0;
    if (task->kind != DUSK_ENTRY_TASK || task->has_list || n > DUSK__PLAN_DEPARGS_MAX)
        return (unsigned char)task->kind;
    for (size_t i = 0; i < n; i++)
        nrefs += task->args[i].kind == DUSK__ARG_REF;
    if (nrefs != (size_t)(g->dep_off[t + 1] - g->dep_off[t]))
        return (unsigned char)task->kind;
    return nrefs == n ? DUSK__PLAN_DEPARGS : DUSK__PLAN_FLAT;
}

static int plan_build(dusk_graph *g, const int64_t *want, size_t nwant, dusk_plan **out,
                      dusk_error *err)
{
    size_t gs = g->ntasks, n, ne;
    if (keeps(g) != 0)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory making the plan");
    size_t tmp_bytes = gs * (sizeof(int64_t) + 1);
    int64_t *stack = dusk_malloc(tmp_bytes ? tmp_bytes : 1);
    if (!stack)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory making the plan");
    unsigned char *in = (unsigned char *)(stack + gs);
    memset(in, 0, gs);
    size_t nfirst;
    cull(g, want, nwant, in, stack, &n, &ne, &nfirst);
    int whole = n == gs;

    /* The layout of the block. */
    size_t at = sizeof(dusk_plan);
    size_t o_tasks = carve(&at, whole ? 0 : n, sizeof(dusk__id));
    size_t o_want = carve(&at, nwant, sizeof(dusk__id));
    size_t o_rdep_off = carve(&at, whole ? 0 : gs + 1, sizeof(dusk__off));
    size_t o_rdep_ids = carve(&at, whole ? 0 : ne, sizeof(dusk__id));
    size_t o_key = carve(&at, gs, sizeof(uint32_t));
    size_t o_pages = carve(&at, g->names.npages, sizeof(char *));
    size_t o_entry = carve(&at, gs, sizeof(const void *));
    size_t o_kind = carve(&at, gs, 1);
    size_t o_first = carve(&at, nfirst, sizeof(uint64_t));
    char *block = dusk_malloc(at);
    if (!block) {
        dusk_free(stack);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory making the plan");
    }
    dusk_plan *p = (dusk_plan *)block;
    atomic_init(&p->refs, 1);
    p->gsize = gs;
    p->n = n;
    p->nwant = nwant;
    p->tasks = whole ? NULL : (dusk__id *)(block + o_tasks);
    p->want = (dusk__id *)(block + o_want);
    p->dep_off = g->dep_off;
    p->dep_ids = g->dep_ids;
    p->prio = g->prio;
    p->key = (uint32_t *)(block + o_key);
    p->pages = (char **)(block + o_pages);
    if (g->names.npages)
        memcpy(p->pages, g->names.pages, g->names.npages * sizeof *p->pages);
    p->entry = (const void **)(block + o_entry);
    p->kind = (unsigned char *)(block + o_kind);
    p->lists = g->lists_keep;
    p->text = g->text_keep;
    dusk__keep_ref(p->lists);
    dusk__keep_ref(p->text);
    for (size_t i = 0; i < nwant; i++)
        p->want[i] = (dusk__id)want[i];
    atomic_init(&p->tasks64, NULL);
    atomic_init(&p->want64, NULL);
    atomic_init(&p->deps64, NULL);
    atomic_init(&p->rdeps64, NULL);
    atomic_init(&p->spare_s, NULL);
    atomic_init(&p->spare_st, NULL);

    /* Per task: what it is, its key. The longest lists and the values are
     * counted in locals (p's fields would be reloaded after each store to
     * p->kind, a char array, which may alias anything). */
    size_t k = 0, maxdeps = 0, maxrdeps = 0, nvalues = 0, nsinks = 0;
    for (size_t t = 0; t < gs; t++) {
        if (!in[t]) {
            p->key[t] = 0;
            p->entry[t] = NULL;
            p->kind[t] = DUSK__PLAN_OUT;
            continue;
        }
        const dusk__task *task = &g->tasks[t];
        if (p->tasks)
            p->tasks[k++] = (dusk__id)t;
        p->kind[t] = plan_kind(g, t);
        p->entry[t] = task->kind == DUSK_ENTRY_TASK    ? (const void *)task->func
                      : task->kind == DUSK_ENTRY_VALUE ? dusk_value_ref(task->value)
                                                       : NULL;
        nvalues += task->kind == DUSK_ENTRY_VALUE;
        p->key[t] = g->names.offs[task->name];
        size_t nd = (size_t)(g->dep_off[t + 1] - g->dep_off[t]);
        if (nd > maxdeps)
            maxdeps = nd;
        size_t nr = (size_t)(g->rdep_off[t + 1] - g->rdep_off[t]);
        if (nr > maxrdeps)   /* a culled plan's lists are shorter: below */
            maxrdeps = nr;
        nsinks += nr == 0;   /* the same */
    }
    p->maxdeps = maxdeps;
    p->maxrdeps = whole ? maxrdeps : 0;
    p->nvalues = nvalues;

    /* Dependents within the plan: the graph's when nothing was culled,
     * else the graph's lists with the tasks outside left out, which keeps
     * them by decreasing priority (core/order.c: a run adds the tasks it
     * makes ready in that order). ne counts exactly those kept: each is a
     * dependency edge of a task of the plan. */
    if (whole) {
        p->rdep_off = g->rdep_off;
        p->rdep_ids = g->rdep_ids;
    } else {
        dusk__off *off = (dusk__off *)(block + o_rdep_off);
        dusk__id *ids = (dusk__id *)(block + o_rdep_ids);
        dusk__off m = 0;
        nsinks = 0;
        for (size_t t = 0; t < gs; t++) {
            off[t] = m;
            if (!in[t])
                continue;
            for (dusk__off j = g->rdep_off[t]; j < g->rdep_off[t + 1]; j++)
                if (in[g->rdep_ids[j]])
                    ids[m++] = g->rdep_ids[j];
            if (m - off[t] > p->maxrdeps)
                p->maxrdeps = m - off[t];
            nsinks += m == off[t];
        }
        off[gs] = m;
        p->rdep_off = off;
        p->rdep_ids = ids;
    }
    p->nsinks = nsinks;
    p->maxready = ready_bound(p, in);
    p->nfirst = nfirst;
    p->first = (uint64_t *)(block + o_first);
    first_fill(p, (uint64_t *)(block + o_first), (uint32_t *)stack);
    dusk_free(stack);
    *out = p;
    return 0;
}

int dusk__plan_make(dusk_graph *g, const int64_t *want, size_t nwant, dusk_plan **out,
                    dusk_error *err)
{
    *out = NULL;
    int rc = dusk__graph_order(g, err);
    if (rc)
        return rc;
    dusk_plan *c = g->plan;
    if (c && c->nwant == nwant) {
        size_t i = 0;
        while (i < nwant && c->want[i] == want[i])
            i++;
        if (i == nwant) {
            *out = dusk_plan_ref(c);
            return 0;
        }
    }
    if ((rc = plan_build(g, want, nwant, out, err)) != 0)
        return rc;
    dusk_plan_unref(g->plan);
    g->plan = dusk_plan_ref(*out);
    return 0;
}

int dusk_plan_new(dusk_graph *g, const char *const *keys, size_t nkeys, dusk_plan **out,
                  dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, g);
    DUSK__NONNULL(err, out);
    if (nkeys)
        DUSK__NONNULL(err, keys);
    int rc = dusk__graph_finalize(g, err);
    if (rc)
        return rc;
    int64_t *ids = dusk_malloc((nkeys ? nkeys : 1) * sizeof *ids);
    if (!ids)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory making the plan");
    for (size_t i = 0; i < nkeys; i++) {
        ids[i] = keys[i] ? dusk_graph_find(g, keys[i]) : -1;
        if (ids[i] < 0) {
            char what[256];
            if (keys[i])
                dusk__key_repr(keys[i], what, sizeof what);
            dusk_free(ids);
            if (!keys[i])
                return dusk_error_set(err, DUSK_EINVAL, "key %zu of the request is NULL", i);
            return dusk_error_set(err, DUSK_ENOKEY, "key %s is not in the graph", what);
        }
    }
    rc = dusk__plan_make(g, ids, nkeys, out, err);
    dusk_free(ids);
    return rc;
}

/* --- references ------------------------------------------------------------- */

dusk_plan *dusk_plan_ref(const dusk_plan *cp)
{
    dusk_plan *p = (dusk_plan *)cp;   /* the count is not part of the plan's value */
    if (p)
        atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
    return p;
}

void dusk_plan_unref(const dusk_plan *cp)
{
    dusk_plan *p = (dusk_plan *)cp;
    if (!p || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; p->nvalues && i < p->n; i++)
        if (p->kind[dusk__plan_task(p, i)] == DUSK_ENTRY_VALUE)
            dusk_value_unref((dusk_value *)p->entry[dusk__plan_task(p, i)]);
    dusk_free(atomic_load_explicit(&p->spare_s, memory_order_acquire));
    dusk_free(atomic_load_explicit(&p->spare_st, memory_order_acquire));
    dusk__keep_unref(p->lists);
    dusk__keep_unref(p->text);
    dusk_free(atomic_load_explicit(&p->tasks64, memory_order_acquire));
    dusk_free(atomic_load_explicit(&p->want64, memory_order_acquire));
    dusk_free(atomic_load_explicit(&p->deps64, memory_order_acquire));
    dusk_free(atomic_load_explicit(&p->rdeps64, memory_order_acquire));
    dusk_free(p);
}

/* --- reading ------------------------------------------------------------------ */

/* The 64-bit copy of ids[0..n) in *slot, made by the first caller: any
 * number of threads may ask at once; each that finds none makes one, the
 * first to publish it wins and the others free theirs. NULL on ENOMEM. */
static const int64_t *widened(_Atomic(int64_t *) *slot, const uint32_t *ids, size_t n)
{
    int64_t *w = atomic_load_explicit(slot, memory_order_acquire);
    if (w)
        return w;
    int64_t *mine = dusk__ids_widen(ids, n);
    if (!mine)
        return NULL;
    if (atomic_compare_exchange_strong_explicit(slot, &w, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    dusk_free(mine);   /* another thread's copy came first: w is it */
    return w;
}

size_t dusk_plan_ntasks(const dusk_plan *p) { return p ? p->n : 0; }
const int64_t *dusk_plan_tasks(const dusk_plan *p)
{
    if (!p)
        return NULL;
    int64_t *w = atomic_load_explicit((_Atomic(int64_t *) *)&p->tasks64, memory_order_acquire);
    if (w || p->tasks)
        return w ? w : widened((_Atomic(int64_t *) *)&p->tasks64, p->tasks, p->n);
    /* a whole plan: 0, 1, ... n - 1 */
    int64_t *mine = dusk_malloc((p->n ? p->n : 1) * sizeof *mine);
    if (!mine)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        mine[i] = (int64_t)i;
    if (atomic_compare_exchange_strong_explicit((_Atomic(int64_t *) *)&p->tasks64, &w, mine,
                                                memory_order_acq_rel, memory_order_acquire))
        return mine;
    dusk_free(mine);
    return w;
}
size_t dusk_plan_graph_size(const dusk_plan *p) { return p ? p->gsize : 0; }
size_t dusk_plan_nrequested(const dusk_plan *p) { return p ? p->nwant : 0; }
const int64_t *dusk_plan_requested(const dusk_plan *p)
{
    return p ? widened((_Atomic(int64_t *) *)&p->want64, p->want, p->nwant) : NULL;
}

int dusk_plan_contains(const dusk_plan *p, int64_t id) { return p && dusk__plan_has(p, id); }

const char *dusk_plan_key(const dusk_plan *p, int64_t id)
{
    return dusk_plan_contains(p, id) ? dusk__plan_key(p, id) : NULL;
}

size_t dusk_plan_key_repr(const dusk_plan *p, int64_t id, char *buf, size_t n)
{
    if (!buf)
        n = 0;
    const char *k = dusk_plan_key(p, id);
    if (!k) {
        int len = snprintf(buf, n, "?");
        return len < 0 ? 0 : (size_t)len;
    }
    return dusk__key_repr(k, buf, n);
}

dusk_entry_kind dusk_plan_entry_kind(const dusk_plan *p, int64_t id)
{
    return dusk_plan_contains(p, id) ? (dusk_entry_kind)dusk__plan_kind(p, id)
                                     : DUSK_ENTRY_VALUE;
}

const dusk_func *dusk_plan_func(const dusk_plan *p, int64_t id)
{
    return dusk_plan_contains(p, id) && dusk__plan_kind(p, id) == DUSK_ENTRY_TASK
               ? (const dusk_func *)p->entry[id] : NULL;
}

dusk_value *dusk_plan_literal(const dusk_plan *p, int64_t id)
{
    return dusk_plan_contains(p, id) && p->kind[id] == DUSK_ENTRY_VALUE
               ? (dusk_value *)p->entry[id] : NULL;
}

int64_t dusk_plan_priority(const dusk_plan *p, int64_t id)
{
    return dusk_plan_contains(p, id) ? (int64_t)p->prio[id] : -1;
}

int64_t dusk_plan_dependencies(const dusk_plan *p, int64_t id, const int64_t **ids)
{
    if (ids)
        *ids = NULL;
    if (!dusk_plan_contains(p, id) || !ids)
        return DUSK_EINVAL;
    const int64_t *all = widened((_Atomic(int64_t *) *)&p->deps64, p->dep_ids,
                                 p->dep_off[p->gsize]);
    if (!all)
        return DUSK_ENOMEM;
    *ids = all + p->dep_off[id];
    return p->dep_off[id + 1] - p->dep_off[id];
}

int64_t dusk_plan_dependents(const dusk_plan *p, int64_t id, const int64_t **ids)
{
    if (ids)
        *ids = NULL;
    if (!dusk_plan_contains(p, id) || !ids)
        return DUSK_EINVAL;
    const int64_t *all = widened((_Atomic(int64_t *) *)&p->rdeps64, p->rdep_ids,
                                 p->rdep_off[p->gsize]);
    if (!all)
        return DUSK_ENOMEM;
    *ids = all + p->rdep_off[id];
    return p->rdep_off[id + 1] - p->rdep_off[id];
}

int dusk_plan_get_arrays(const dusk_plan *p, dusk_plan_arrays *out)
{
    if (!out)
        return DUSK_EINVAL;
    memset(out, 0, sizeof *out);
    if (!p)
        return DUSK_EINVAL;
    out->graph_size = p->gsize;
    out->ntasks = p->n;
    out->tasks = p->tasks;
    out->dep_off = p->dep_off;
    out->dep_ids = p->dep_ids;
    out->priority = p->prio;
    return 0;
}
