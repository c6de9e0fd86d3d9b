/*
** dusk viz — the layered layout: dusk places the nodes, Graphviz draws them
**
** dot's layout (network simplex twice, crossing minimisation, spline
** routing) reads best but its time grows much faster than the graph: 0.3 s
** at 900 nodes, 5 s at 14,000. Past DUSK_VIZ_DOT_MAX nodes (or when asked)
** a picture is laid out here instead, in the manner of Sugiyama's layered
** drawings, and Graphviz only draws it: each node gets pos="x,y!" in
** points and Graphviz's neato engine in its -n2 mode ("nop2") keeps the
** positions as given and draws straight edges clipped at the node shapes.
** Same nodes, shapes, labels, colours and tooltips as dot's picture.
**
**   1. Sizes. A node's size is what Graphviz makes of its label, shape,
**      font and margins, so Graphviz measures it (dusk__gv_sizes), once per
**      distinct combination of those: a picture of 100,000 tasks has a
**      few thousand distinct labels.
**   2. Layers: the longest path from the sources (Kahn's walk), so every
**      edge goes from a lower layer to a higher one; then each source is
**      moved up to just below its first user (a literal used late is drawn
**      beside its user, not at the bottom with a long edge).
**   3. Order within a layer: first by the static priority (dusk_graph_order
**      or dusk_plan_priority: the order a run follows), then barycentre
**      sweeps, down, up and down again: each node's place is the mean
**      position of its neighbours in the layers already placed, and the
**      layer is sorted by it.
**   4. Positions within a layer: as near as possible to those barycentres
**      without two nodes closer than nodesep (18 points, dot's default):
**      a least-squares fit under order constraints, solved exactly by
**      pool-adjacent-violators in time linear in the layer.
**   5. Layers are ranksep (36 points, dot's) apart, each as thick as its
**      biggest node; rankdir turns the picture as dot would (BT: layer 0 at
**      the bottom). The legend is a row of its own below layer 0.
**
** Time: O(V + E) for layers and sweeps plus O(V log V) for the sorts; no
** part looks at a pair of nodes that share no edge. Invariants that
** tests/viz/test_viz.c checks on the result: every drawn edge goes from a
** lower layer to a higher one, and no two nodes overlap.
*/
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "scene.h"

#define NODESEP 18.0           /* points between nodes of a layer (dot's) */
#define RANKSEP 36.0           /* points between layers (dot's) */
#define SWEEPS 3               /* down, up, down */

typedef struct layered {
    const dusk__viz_scene *s;
    size_t n;                  /* nodes of the scene */
    const double *across;      /* a node's extent along its layer */
    const double *along;       /* ... and across the layers */
    uint8_t *in;               /* laid out as part of the graph (not legend) */
    size_t *out_start, *out_adj;   /* CSR of the visible edges, both ways */
    size_t *in_start, *in_adj;
    int32_t *layer;
    size_t nlayers;
    size_t *order;             /* the graph's nodes, layer by layer */
    size_t *layer_start;       /* nlayers + 1 offsets into order */
    double *x;                 /* position along the layer (centre) */
    double *bary;              /* target position in the current sweep */
    /* scratch for one layer */
    struct slot { double key, tie; size_t v; } *slots;
    double *gap_sum, *blk_sum;
    size_t *blk_cnt, *blk_end;
} layered;

static int cmp_slot(const void *a, const void *b)
{
    const struct slot *p = a, *q = b;
    if (p->key != q->key)
        return p->key < q->key ? -1 : 1;
    if (p->tie != q->tie)
        return p->tie < q->tie ? -1 : 1;
    return p->v < q->v ? -1 : p->v > q->v;
}

/* --- 2. layers --------------------------------------------------------------------- */

static int make_adjacency(layered *L)
{
    const dusk__viz_scene *s = L->s;
    size_t n = L->n;
    L->out_start = dusk_calloc(n + 1, sizeof *L->out_start);
    L->in_start = dusk_calloc(n + 1, sizeof *L->in_start);
    size_t ne = 0;
    for (size_t e = 0; e < s->nedges; e++)
        ne += !s->edges[e].invis && L->in[s->edges[e].tail] && L->in[s->edges[e].head];
    L->out_adj = dusk_malloc((ne ? ne : 1) * sizeof *L->out_adj);
    L->in_adj = dusk_malloc((ne ? ne : 1) * sizeof *L->in_adj);
    if (!L->out_start || !L->in_start || !L->out_adj || !L->in_adj)
        return DUSK_ENOMEM;
    for (size_t e = 0; e < s->nedges; e++) {
        const dusk__viz_edge *ed = &s->edges[e];
        if (ed->invis || !L->in[ed->tail] || !L->in[ed->head])
            continue;
        L->out_start[ed->tail + 1]++;
        L->in_start[ed->head + 1]++;
    }
    for (size_t i = 0; i < n; i++) {
        L->out_start[i + 1] += L->out_start[i];
        L->in_start[i + 1] += L->in_start[i];
    }
    /* fill with the starts as cursors, then shift them back */
    for (size_t e = 0; e < s->nedges; e++) {
        const dusk__viz_edge *ed = &s->edges[e];
        if (ed->invis || !L->in[ed->tail] || !L->in[ed->head])
            continue;
        L->out_adj[L->out_start[ed->tail]++] = ed->head;
        L->in_adj[L->in_start[ed->head]++] = ed->tail;
    }
    for (size_t i = n; i > 0; i--) {
        L->out_start[i] = L->out_start[i - 1];
        L->in_start[i] = L->in_start[i - 1];
    }
    L->out_start[0] = L->in_start[0] = 0;
    return 0;
}

static int make_layers(layered *L, dusk_error *err)
{
    size_t n = L->n, head = 0, tail = 0, nin = 0;
    size_t *queue = dusk_malloc((n ? n : 1) * sizeof *queue);
    size_t *indeg = dusk_malloc((n ? n : 1) * sizeof *indeg);
    if (!queue || !indeg) {
        dusk_free(queue);
        dusk_free(indeg);
        return DUSK_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        L->layer[i] = 0;
        indeg[i] = L->in_start[i + 1] - L->in_start[i];
        nin += L->in[i];
        if (L->in[i] && indeg[i] == 0)
            queue[tail++] = i;
    }
    while (head < tail) {
        size_t v = queue[head++];
        for (size_t k = L->out_start[v]; k < L->out_start[v + 1]; k++) {
            size_t u = L->out_adj[k];
            if (L->layer[u] < L->layer[v] + 1)
                L->layer[u] = L->layer[v] + 1;
            if (--indeg[u] == 0)
                queue[tail++] = u;
        }
    }
    dusk_free(queue);
    dusk_free(indeg);
    /* A validated graph's picture has no cycle; this guards the walk. */
    if (tail != nin)
        return dusk_error_set(err, DUSK_EINVAL,
                              "visualize: layered layout: the picture's edges form a "
                              "cycle (%zu of %zu nodes placed)", tail, nin);
    /* sources up to just below their first user */
    for (size_t v = 0; v < n; v++) {
        if (!L->in[v] || L->in_start[v + 1] != L->in_start[v] ||
            L->out_start[v + 1] == L->out_start[v])
            continue;
        int32_t lo = INT32_MAX;
        for (size_t k = L->out_start[v]; k < L->out_start[v + 1]; k++)
            if (L->layer[L->out_adj[k]] < lo)
                lo = L->layer[L->out_adj[k]];
        L->layer[v] = lo - 1;
    }
    L->nlayers = 0;
    for (size_t v = 0; v < n; v++)
        if (L->in[v] && (size_t)L->layer[v] + 1 > L->nlayers)
            L->nlayers = (size_t)L->layer[v] + 1;
    return 0;
}

/* --- 3. and 4. order and positions within the layers ---------------------------------- */

/* Places the m nodes of one layer, in the order of v[], as near to their
 * targets (L->bary) as they can be without overlapping: x_i - x_{i-1} >=
 * g_i, the half widths plus NODESEP. With c_i the sum of the gaps up to i
 * and y_i = x_i - c_i, that is the isotonic regression of the targets
 * minus c_i, which pool-adjacent-violators solves: blocks of equal y,
 * merged while a block's mean is above the next one's. */
static void place(layered *L, const size_t *v, size_t m)
{
    double *c = L->gap_sum;
    size_t nb = 0;
    for (size_t i = 0; i < m; i++) {
        c[i] = i ? c[i - 1] + (L->across[v[i - 1]] + L->across[v[i]]) / 2 + NODESEP : 0;
        L->blk_sum[nb] = L->bary[v[i]] - c[i];
        L->blk_cnt[nb] = 1;
        L->blk_end[nb] = i + 1;
        nb++;
        while (nb > 1 && L->blk_sum[nb - 2] / (double)L->blk_cnt[nb - 2] >
                             L->blk_sum[nb - 1] / (double)L->blk_cnt[nb - 1]) {
            L->blk_sum[nb - 2] += L->blk_sum[nb - 1];
            L->blk_cnt[nb - 2] += L->blk_cnt[nb - 1];
            L->blk_end[nb - 2] = L->blk_end[nb - 1];
            nb--;
        }
    }
    for (size_t b = 0, i = 0; b < nb; b++) {
        double y = L->blk_sum[b] / (double)L->blk_cnt[b];
        for (; i < L->blk_end[b]; i++)
            L->x[v[i]] = y + c[i];
    }
}

/* One sweep over layer l: targets from the neighbours below (down) or
 * above, the layer sorted by them, then placed. */
static void sweep_layer(layered *L, size_t l, int down)
{
    size_t *v = L->order + L->layer_start[l];
    size_t m = L->layer_start[l + 1] - L->layer_start[l];
    const size_t *start = down ? L->in_start : L->out_start;
    const size_t *adj = down ? L->in_adj : L->out_adj;
    for (size_t i = 0; i < m; i++) {
        size_t u = v[i], k0 = start[u], k1 = start[u + 1];
        double sum = 0;
        for (size_t k = k0; k < k1; k++)
            sum += L->x[adj[k]];
        L->bary[u] = k1 > k0 ? sum / (double)(k1 - k0) : L->x[u];
        L->slots[i].key = L->bary[u];
        L->slots[i].tie = L->x[u];
        L->slots[i].v = u;
    }
    qsort(L->slots, m, sizeof *L->slots, cmp_slot);
    for (size_t i = 0; i < m; i++)
        v[i] = L->slots[i].v;
    place(L, v, m);
}

static int order_layers(layered *L, const int64_t *key)
{
    size_t n = L->n, nin = 0, widest = 0;
    L->layer_start = dusk_calloc(L->nlayers + 1, sizeof *L->layer_start);
    if (!L->layer_start)
        return DUSK_ENOMEM;
    for (size_t v = 0; v < n; v++)
        if (L->in[v]) {
            L->layer_start[L->layer[v] + 1]++;
            nin++;
        }
    for (size_t l = 0; l < L->nlayers; l++) {
        if (L->layer_start[l + 1] > widest)
            widest = L->layer_start[l + 1];
        L->layer_start[l + 1] += L->layer_start[l];
    }
    if (L->s->legend_n > widest)
        widest = L->s->legend_n;
    L->order = dusk_malloc((nin ? nin : 1) * sizeof *L->order);
    L->slots = dusk_malloc((n ? n : 1) * sizeof *L->slots);
    L->gap_sum = dusk_malloc((widest ? widest : 1) * sizeof *L->gap_sum);
    L->blk_sum = dusk_malloc((widest ? widest : 1) * sizeof *L->blk_sum);
    L->blk_cnt = dusk_malloc((widest ? widest : 1) * sizeof *L->blk_cnt);
    L->blk_end = dusk_malloc((widest ? widest : 1) * sizeof *L->blk_end);
    if (!L->order || !L->slots || !L->gap_sum || !L->blk_sum || !L->blk_cnt || !L->blk_end)
        return DUSK_ENOMEM;

    /* first order: (layer, priority, index), by one sort of all nodes */
    size_t m = 0;
    for (size_t v = 0; v < n; v++)
        if (L->in[v]) {
            L->slots[m].key = (double)L->layer[v];
            L->slots[m].tie = key ? (double)key[v] : (double)v;
            L->slots[m].v = v;
            m++;
        }
    qsort(L->slots, m, sizeof *L->slots, cmp_slot);
    for (size_t i = 0; i < m; i++)
        L->order[i] = L->slots[i].v;

    /* packed side by side, centred on 0 */
    for (size_t l = 0; l < L->nlayers; l++) {
        size_t *v = L->order + L->layer_start[l];
        size_t k = L->layer_start[l + 1] - L->layer_start[l];
        for (size_t i = 0; i < k; i++)
            L->bary[v[i]] = 0;
        place(L, v, k);
    }
    for (int r = 0; r < SWEEPS; r++) {
        int down = r % 2 == 0;
        for (size_t i = 1; i < L->nlayers; i++)
            sweep_layer(L, down ? i : L->nlayers - 1 - i, down);
    }
    return 0;
}

/* --- 5. into Graphviz's coordinates ------------------------------------------------- */

static void set_positions(layered *L, dusk__viz_scene *s, const double *w, const double *h,
                          const char *rankdir, double *along_of_layer)
{
    size_t n = L->n;
    /* layer l's centre line, layer 0's at 0 */
    double *thick = along_of_layer;    /* first the thickness, then the centre */
    for (size_t l = 0; l < L->nlayers; l++)
        thick[l] = 0;
    for (size_t v = 0; v < n; v++)
        if (L->in[v] && L->along[v] > thick[L->layer[v]])
            thick[L->layer[v]] = L->along[v];
    double prev = 0, at = 0;
    for (size_t l = 0; l < L->nlayers; l++) {
        double t = thick[l];
        at = l ? at + prev / 2 + RANKSEP + t / 2 : 0;
        thick[l] = at;
        prev = t;
    }
    /* the legend: a row of its own below layer 0, from the left edge */
    if (s->legend_n) {
        double lt = 0, left = 0;
        int first = 1;
        for (size_t v = 0; v < n; v++)
            if (L->in[v] && (first || L->x[v] - L->across[v] / 2 < left)) {
                left = L->x[v] - L->across[v] / 2;
                first = 0;
            }
        for (size_t k = 0; k < s->legend_n; k++) {
            size_t v = s->legend_first + k;
            if (L->along[v] > lt)
                lt = L->along[v];
        }
        double t0 = 0;             /* layer 0's thickness */
        for (size_t v = 0; v < n; v++)
            if (L->in[v] && L->layer[v] == 0 && L->along[v] > t0)
                t0 = L->along[v];
        double y = -(t0 / 2 + RANKSEP + lt / 2), x = left;
        for (size_t k = 0; k < s->legend_n; k++) {
            size_t v = s->legend_first + k;
            L->x[v] = x + L->across[v] / 2;
            x += L->across[v] + NODESEP;
            L->bary[v] = y;            /* its place along the layers */
        }
    }
    int lr = rankdir[0] == 'L' || rankdir[0] == 'R';
    double minx = 0, miny = 0;
    for (size_t v = 0; v < n; v++) {
        double a = L->in[v] ? thick[L->layer[v]] : L->bary[v];
        double across = L->x[v], px, py;
        if (!lr) {
            px = across;
            py = rankdir[0] == 'B' ? a : -a;
        } else {
            px = rankdir[0] == 'L' ? a : -a;
            py = -across;
        }
        s->pos[2 * v] = px;
        s->pos[2 * v + 1] = py;
        if (v == 0 || px - w[v] / 2 < minx)
            minx = px - w[v] / 2;
        if (v == 0 || py - h[v] / 2 < miny)
            miny = py - h[v] / 2;
    }
    /* the lower left corner at (0, 0), in whole points */
    for (size_t v = 0; v < n; v++) {
        s->pos[2 * v] -= minx;
        s->pos[2 * v + 1] -= miny;
    }
}

int dusk__scene_layered(dusk__viz_scene *s, const char *rankdir, const int64_t *prio,
                        size_t nprio, dusk_error *err)
{
    size_t n = s->nnodes;
    layered L;
    memset(&L, 0, sizeof L);
    L.s = s;
    L.n = n;
    double *w = dusk_malloc((n ? n : 1) * sizeof *w);
    double *h = dusk_malloc((n ? n : 1) * sizeof *h);
    int64_t *key = dusk_malloc((n ? n : 1) * sizeof *key);
    L.in = dusk_malloc(n ? n : 1);
    L.layer = dusk_malloc((n ? n : 1) * sizeof *L.layer);
    L.x = dusk_malloc((n ? n : 1) * sizeof *L.x);
    L.bary = dusk_malloc((n ? n : 1) * sizeof *L.bary);
    double *lines = NULL;
    int rc = DUSK_ENOMEM;
    dusk_free(s->pos);
    s->pos = dusk_malloc((n ? 2 * n : 1) * sizeof *s->pos);
    if (!w || !h || !key || !L.in || !L.layer || !L.x || !L.bary || !s->pos)
        goto done;
    if ((rc = dusk__gv_sizes(s, w, h, err)))
        goto done;
    rc = DUSK_ENOMEM;
    int lr = rankdir[0] == 'L' || rankdir[0] == 'R';
    L.across = lr ? h : w;
    L.along = lr ? w : h;
    for (size_t v = 0; v < n; v++) {
        L.in[v] = !(s->legend_n && v >= s->legend_first && v < s->legend_first + s->legend_n);
        int64_t t = s->nodes[v].task;
        /* a task's circle and box share its priority; the circle first */
        key[v] = prio && t >= 0 && (uint64_t)t < nprio ? prio[t] : (int64_t)nprio + (int64_t)v;
        L.x[v] = L.bary[v] = 0;
    }
    if (make_adjacency(&L))
        goto done;
    if ((rc = make_layers(&L, err)))
        goto done;
    rc = DUSK_ENOMEM;
    if (order_layers(&L, key))
        goto done;
    lines = dusk_malloc((L.nlayers ? L.nlayers : 1) * sizeof *lines);
    if (!lines)
        goto done;
    set_positions(&L, s, w, h, rankdir, lines);
    rc = 0;
done:
    if (rc == DUSK_ENOMEM)
        dusk_error_set(err, DUSK_ENOMEM,
                       "visualize: out of memory laying out %zu nodes", n);
    if (rc) {
        dusk_free(s->pos);
        s->pos = NULL;
    }
    dusk_free(lines);
    dusk_free(w);
    dusk_free(h);
    dusk_free(key);
    dusk_free(L.in);
    dusk_free(L.layer);
    dusk_free(L.x);
    dusk_free(L.bary);
    dusk_free(L.out_start);
    dusk_free(L.out_adj);
    dusk_free(L.in_start);
    dusk_free(L.in_adj);
    dusk_free(L.layer_start);
    dusk_free(L.order);
    dusk_free(L.slots);
    dusk_free(L.gap_sum);
    dusk_free(L.blk_sum);
    dusk_free(L.blk_cnt);
    dusk_free(L.blk_end);
    return rc;
}
