/*
** dusk viz — the layer view: one node per layer, for graphs of any size
**
** Like Dask's HighLevelGraph.visualize: a box per layer, an edge from each
** layer to the layers that read it. Where the layers come from:
**
**   - an array: dusk_array_layers, with operation, task count, shape and
**     dtype on the node;
**   - a plain graph: its tasks grouped by key_split of their keys
**     ('inc-00001' -> 'inc', ('add-ab12', 0, 1) -> 'add'), in order of
**     first appearance; when that still leaves more groups than the
**     threshold (keys like 'n0', 'n1' ... each split to themselves), by
**     function name instead ('value' for literals, 'alias' for aliases).
**
** One pass over the tasks and their dependencies, with the toolbox's
** interner (core/util.h) for group names and for the group edges already
** drawn (a pair of group ids, as 8 bytes), so a graph of a million tasks
** takes a fraction of a second; Graphviz then only sees a handful of
** nodes.
**
** Colour modes colour each layer by an aggregate of its tasks: ORDER by
** the median priority (when the bulk of the layer runs: its first
** priority is 0, 1 or 8 for most layers of a big graph, since an early
** chain starts nearly every layer, which coloured them all alike), WORKER by the worker that
** ran most of its tasks, DURATION and BYTES by their sums, STATE by the
** least finished state among its tasks (erred if any erred).
*/
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "scene.h"

/* --- per layer aggregates ----------------------------------------------------------------- */

typedef struct lagg {
    int64_t ntasks;
    int64_t prio_lo, prio_hi;
    int64_t prio_med;      /* the (lower) median priority of its tasks */
    int64_t nseen;         /* tasks counted towards the median */
    uint64_t dur, bytes;
    int state;             /* aggregate state, -1 before the first task */
    int erred, nran;
    int64_t *per_worker;   /* nworkers counters, in one block for all */
} lagg;

static void agg_task(lagg *a, const dusk__viz_ctx *c, int64_t id)
{
    a->ntasks++;
    if (c->prio) {
        int64_t p = c->prio[id];
        if (a->ntasks == 1 || p < a->prio_lo)
            a->prio_lo = p;
        if (a->ntasks == 1 || p > a->prio_hi)
            a->prio_hi = p;
    }
    if (!c->has_run)
        return;
    const dusk__viz_run *r = &c->run;
    if (r->ran[id]) {
        a->nran++;
        a->dur += r->dur_ns[id];
        if (r->state[id] != DUSK__VIZ_ERRED)
            a->bytes += r->nbytes[id];
    }
    if (r->worker[id] >= 0 && a->per_worker)
        a->per_worker[r->worker[id]]++;
    int s = r->state[id];
    if (s == DUSK__VIZ_ERRED)
        a->erred = 1;
    else if (a->state < 0 || s < a->state)
        a->state = s;
}

/* --- the view ------------------------------------------------------------------------------- */

typedef struct lview {
    dusk_graph *g;
    const dusk__viz_ctx *c;
    dusk__viz_scene *s;
    dusk__strtab names;    /* layer / group names; a name's id is its index */
    lagg *agg;
    int64_t *wcount;       /* nlayers * nworkers */
    int32_t *of;           /* per task: its layer, -1 none */
} lview;

/* The name part of a tuple key, or the key. */
static void name_part(const char *key, char *buf, size_t n)
{
    if (key[0] == '(' && key[1] == '\'') {
        const char *q = strchr(key + 2, '\'');
        size_t len = q ? (size_t)(q - key - 2) : strlen(key + 2);
        if (len >= n)
            len = n - 1;
        memcpy(buf, key + 2, len);
        buf[len] = '\0';
    } else {
        snprintf(buf, n, "%s", key);
    }
}

/* Groups a plain graph's tasks; by function when by_func. */
static int group_plain(lview *v, size_t n, int by_func)
{
    char name[512];
    for (size_t id = 0; id < n; id++) {
        const char *key = dusk_graph_key(v->g, (int64_t)id);
        if (by_func) {
            dusk_entry_kind k = dusk_graph_entry_kind(v->g, (int64_t)id);
            const dusk_func *f = dusk_graph_func(v->g, (int64_t)id);
            snprintf(name, sizeof name, "%s",
                     k == DUSK_ENTRY_VALUE ? "value" : k == DUSK_ENTRY_ALIAS ? "alias"
                     : f && f->name ? f->name : "task");
        } else {
            dusk_key_split(key, name, sizeof name);
        }
        int64_t gi = dusk__strtab_intern(&v->names, name, strlen(name));
        if (gi < 0)
            return DUSK_ENOMEM;
        v->of[id] = (int32_t)gi;
    }
    return 0;
}

static int alloc_aggs(lview *v)
{
    size_t nl = v->names.n ? v->names.n : 1;
    int nw = v->c->has_run ? v->c->run.nworkers : 0;
    v->agg = dusk_calloc(nl, sizeof *v->agg);
    if (nw > 0)
        v->wcount = dusk_calloc(nl * (size_t)nw, sizeof *v->wcount);
    if (!v->agg || (nw > 0 && !v->wcount))
        return DUSK_ENOMEM;
    for (size_t i = 0; i < v->names.n; i++) {
        v->agg[i].state = -1;
        v->agg[i].per_worker = nw > 0 ? v->wcount + i * (size_t)nw : NULL;
    }
    return 0;
}

static const char *legend_title(dusk_viz_color m)
{
    switch (m) {
    case DUSK_VIZ_COLOR_ORDER: return "order (median priority)";
    case DUSK_VIZ_COLOR_WORKER: return "worker (most tasks)";
    case DUSK_VIZ_COLOR_DURATION: return "duration (sum)";
    case DUSK_VIZ_COLOR_BYTES: return "result bytes (sum)";
    case DUSK_VIZ_COLOR_STATE: return "state (least advanced)";
    default: return "";
    }
}

/* The colour value of layer i under mode m; 0 if it has none. */
static int layer_value(const lview *v, size_t i, dusk_viz_color m, double *out)
{
    const lagg *a = &v->agg[i];
    int nw = v->c->has_run ? v->c->run.nworkers : 0;
    switch (m) {
    case DUSK_VIZ_COLOR_ORDER:
        *out = (double)a->prio_med;
        return v->c->prio && a->ntasks > 0;
    case DUSK_VIZ_COLOR_WORKER: {
        int best = -1;
        for (int w = 0; w < nw; w++)
            if (a->per_worker[w] > 0 && (best < 0 || a->per_worker[w] > a->per_worker[best]))
                best = w;
        *out = best;
        return best >= 0;
    }
    case DUSK_VIZ_COLOR_DURATION:
        *out = (double)a->dur;
        return a->nran > 0;
    case DUSK_VIZ_COLOR_BYTES:
        *out = (double)a->bytes;
        return a->nran > 0;
    case DUSK_VIZ_COLOR_STATE:
        *out = a->erred ? DUSK__VIZ_ERRED : a->state < 0 ? DUSK__VIZ_WAITING : a->state;
        return 1;
    default:
        return 0;
    }
}

static int emit(lview *v, size_t nl)
{
    const dusk__viz_ctx *c = v->c;
    dusk__viz_scene *s = v->s;
    int64_t lo = 0, hi = 0;
    for (size_t i = 0; i < nl; i++) {
        int64_t t = c->layers ? c->layers[i].ntasks : v->agg[i].ntasks;
        if (i == 0 || t < lo)
            lo = t;
        if (i == 0 || t > hi)
            hi = t;
    }
    dusk__viz_palette pal;
    memset(&pal, 0, sizeof pal);
    pal.mode = c->o.color;
    pal.nworkers = c->has_run ? c->run.nworkers : 0;
    int first = 1;
    for (size_t i = 0; i < nl; i++) {
        double x;
        if (!layer_value(v, i, pal.mode, &x)) {
            pal.missing = 1;
            continue;
        }
        if (pal.mode == DUSK_VIZ_COLOR_STATE)
            pal.states_seen[(int)x] = 1;
        if (first || x < pal.lo)
            pal.lo = x;
        if (first || x > pal.hi)
            pal.hi = x;
        first = 0;
    }
    if (pal.mode == DUSK_VIZ_COLOR_DURATION || pal.mode == DUSK_VIZ_COLOR_BYTES)
        pal.lo = 0;
    if (pal.mode == DUSK_VIZ_COLOR_ORDER && c->prio) {
        pal.lo = 0;
        pal.hi = (double)(dusk_graph_size(v->g) ? dusk_graph_size(v->g) - 1 : 0);
    }

    for (size_t i = 0; i < nl && !s->oom; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "L%zu", i);
        size_t k = dusk__scene_node(s, nm);
        if (k == (size_t)-1)
            break;
        const dusk_layer_info *L = c->layers ? &c->layers[i] : NULL;
        dusk__scene_meta(s, k, DUSK_VIZ_NODE_LAYER, -1,
                         dusk__scene_strdup(s, dusk__strtab_text(&v->names, (int64_t)i)));
        int64_t ntasks = L ? L->ntasks : v->agg[i].ntasks;
        dusk__buf lab = {0}, tip = {0};
        dusk__buf_esc(&lab, L ? (L->op ? L->op : L->name) : dusk__strtab_text(&v->names, (int64_t)i));
        dusk__buf_printf(&lab, "\\n%lld task%s", (long long)ntasks, ntasks == 1 ? "" : "s");
        dusk__buf_add(&tip, "layer: ", 7);
        dusk__buf_esc(&tip, L ? L->name : dusk__strtab_text(&v->names, (int64_t)i));
        dusk__buf_printf(&tip, "\\ntasks: %lld", (long long)ntasks);
        if (L) {
            dusk__buf_add(&lab, "\\n", 2);
            dusk__buf_shape(&lab, L->ndim, L->shape);
            dusk__buf_printf(&lab, " %s", dusk_dtype_name(L->dtype));
            dusk__buf_add(&tip, "\\nshape: ", 9);
            dusk__buf_shape(&tip, L->ndim, L->shape);
            dusk__buf_printf(&tip, "\\ndtype: %s", dusk_dtype_name(L->dtype));
            if (L->ndeps) {
                dusk__buf_add(&tip, "\\nreads: ", 9);
                for (size_t d = 0; d < L->ndeps; d++) {
                    if (d)
                        dusk__buf_add(&tip, ", ", 2);
                    dusk__buf_esc(&tip, L->deps[d]);
                }
            }
        }
        const lagg *a = &v->agg[i];
        if (c->prio && a->ntasks) {
            dusk__buf_printf(&tip, "\\npriorities: %lld .. %lld, median %lld",
                             (long long)a->prio_lo, (long long)a->prio_hi,
                             (long long)a->prio_med);
            if (pal.mode == DUSK_VIZ_COLOR_ORDER)
                dusk__buf_printf(&lab, "\\norder %lld..%lld, median %lld", (long long)a->prio_lo,
                                 (long long)a->prio_hi, (long long)a->prio_med);
        }
        if (c->has_run && a->nran) {
            char t1[32], t2[32];
            dusk__fmt_ns(t1, sizeof t1, (double)a->dur);
            dusk__fmt_bytes(t2, sizeof t2, (double)a->bytes);
            dusk__buf_printf(&tip, "\\nran: %d\\ntime in tasks: %s\\nresult bytes: %s",
                             a->nran, t1, t2);
        }
        dusk__scene_set(s, k, DUSK__NA_LABEL, dusk__scene_take(s, &lab));
        dusk__scene_set(s, k, DUSK__NA_TOOLTIP, dusk__scene_take(s, &tip));
        /* Dask sizes the font by task count: 20 .. 40 there; 14 .. 24 here,
         * as the labels have several lines. */
        int fs = hi > lo ? 14 + (int)(10 * (ntasks - lo) / (hi - lo)) : 14;
        if (fs != 14) {
            char num[16];
            snprintf(num, sizeof num, "%d", fs);
            dusk__scene_set(s, k, DUSK__NA_FONTSIZE, dusk__scene_strdup(s, num));
        }
        double x;
        if (layer_value(v, i, pal.mode, &x))
            dusk__paint(s, k, &pal, x);
    }
    if (pal.mode != DUSK_VIZ_COLOR_NONE)
        dusk__legend(s, &pal, legend_title(pal.mode));
    return 0;
}

/* Each layer's median priority: the tasks taken in priority order (a
 * counting sort: priorities are 0 .. n - 1), a layer's median is the
 * priority of its ((ntasks + 1) / 2)-th task. Linear in the tasks. */
static int medians(lview *v, size_t n)
{
    const int64_t *prio = v->c->prio;
    size_t *start = dusk_calloc(n + 1, sizeof *start);
    int64_t *by = dusk_malloc((n ? n : 1) * sizeof *by);
    if (!start || !by) {
        dusk_free(start);
        dusk_free(by);
        return DUSK_ENOMEM;
    }
    /* a priority outside 0 .. n - 1 (there is none) would count as n - 1 */
#define PRIO_AT(id) (prio[id] >= 0 && (uint64_t)prio[id] < n ? (size_t)prio[id] : n - 1)
    for (size_t id = 0; id < n; id++)
        start[PRIO_AT(id) + 1]++;
    for (size_t p = 0; p < n; p++)
        start[p + 1] += start[p];
    for (size_t id = 0; id < n; id++)
        by[start[PRIO_AT(id)]++] = (int64_t)id;
#undef PRIO_AT
    for (size_t k = 0; k < n; k++) {
        int64_t id = by[k];
        if (v->of[id] < 0)
            continue;
        lagg *a = &v->agg[v->of[id]];
        if (++a->nseen == (a->ntasks + 1) / 2)
            a->prio_med = prio[id];
    }
    dusk_free(start);
    dusk_free(by);
    return 0;
}

int dusk__build_layers(dusk_graph *g, const dusk__viz_ctx *c, dusk__viz_scene *s, dusk_error *err)
{
    lview v;
    memset(&v, 0, sizeof v);
    v.g = g;
    v.c = c;
    v.s = s;
    dusk__strtab drawn = {0};     /* group edges drawn: (from, to) */
    int rc = 0;
    size_t n = g ? dusk_graph_size(g) : 0;
    s->ndef[DUSK__NA_SHAPE] = "box";
    if (n) {
        v.of = dusk_malloc(n * sizeof *v.of);
        if (!v.of)
            goto oom;
    }

    if (c->layers) {
        /* an array's layers, and its tasks mapped to them by name */
        for (size_t i = 0; i < c->nlayers; i++)
            if (dusk__strtab_intern(&v.names, c->layers[i].name,
                                    strlen(c->layers[i].name)) < 0)
                goto oom;
        char name[512];
        for (size_t id = 0; id < n; id++) {
            name_part(dusk_graph_key(g, (int64_t)id), name, sizeof name);
            v.of[id] = (int32_t)dusk__strtab_find(&v.names, name, strlen(name));
        }
    } else {
        if ((rc = group_plain(&v, n, 0)))
            goto oom;
        if (v.names.n > c->threshold) {
            dusk__strtab_free(&v.names);
            if ((rc = group_plain(&v, n, 1)))
                goto oom;
        }
    }
    size_t nl = v.names.n;
    if (alloc_aggs(&v))
        goto oom;
    for (size_t id = 0; id < n; id++)
        if (v.of[id] >= 0)
            agg_task(&v.agg[v.of[id]], c, (int64_t)id);
    if (c->prio && medians(&v, n))
        goto oom;

    emit(&v, nl);
    if (s->oom)
        goto oom;

    /* edges: an array's layer dependencies, or the groups' task edges */
    if (c->layers) {
        for (size_t i = 0; i < c->nlayers; i++)
            for (size_t d = 0; d < c->layers[i].ndeps; d++) {
                const char *dep = c->layers[i].deps[d];
                int64_t j = dusk__strtab_find(&v.names, dep, strlen(dep));
                if (j >= 0 && (size_t)j != i)
                    dusk__scene_edge(s, (size_t)j, i);
            }
    } else {
        for (size_t id = 0; id < n; id++) {
            const int64_t *deps;
            int64_t nd = dusk_graph_dependencies(g, (int64_t)id, &deps);
            if (nd < 0) {
                rc = dusk_graph_validate(g, err);
                goto done;
            }
            uint32_t to = (uint32_t)v.of[id];
            for (int64_t j = 0; j < nd; j++) {
                uint32_t from = (uint32_t)v.of[deps[j]];
                if (from == to)
                    continue;
                uint32_t pair[2] = {from, to};
                size_t before = drawn.n;
                if (dusk__strtab_intern(&drawn, (const char *)pair, sizeof pair) < 0)
                    goto oom;
                if (drawn.n > before)
                    dusk__scene_edge(s, from, to);
            }
        }
    }
    rc = dusk__scene_status(s, err);
    goto done;
oom:
    rc = dusk_error_set(err, DUSK_ENOMEM, "visualize: out of memory building the layer view");
done:
    dusk__strtab_free(&v.names);
    dusk_free(v.agg);
    dusk_free(v.wcount);
    dusk_free(v.of);
    dusk__strtab_free(&drawn);
    return rc;
}

const dusk_layer_info *dusk__layer_of(const dusk__viz_ctx *c, const char *key)
{
    if (!c->layers || !(key[0] == '(' && key[1] == '\''))
        return NULL;
    const char *nm = key + 2;
    const char *q = strchr(nm, '\'');
    size_t len = q ? (size_t)(q - nm) : strlen(nm);
    for (size_t i = 0; i < c->nlayers; i++)
        if (strncmp(c->layers[i].name, nm, len) == 0 && c->layers[i].name[len] == '\0')
            return &c->layers[i];
    return NULL;
}
