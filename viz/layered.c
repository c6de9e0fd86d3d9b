/*
** dusk viz — the layered layout: dusk places the nodes, Graphviz draws them
**
** dot's layout (network simplex twice, crossing minimisation, spline
** routing) reads best but its time grows much faster than the graph: 0.3 s
** at 900 nodes, 5 s at 14,000. Past DUSK_VIZ_DOT_MAX nodes (or when asked)
** a picture is laid out here instead, in the manner of Sugiyama's layered
** drawings, and Graphviz only draws it: each node gets pos="x,y!" and each
** edge its spline as pos, in points, and Graphviz's neato engine in its
** -n2 mode ("nop2") keeps them as given; or, for SVG, dusk draws it
** (svg.c). Same nodes, shapes, labels, colours and tooltips as dot's
** picture.
**
**   1. Sizes. A node's size is what Graphviz makes of its label, shape,
**      font and margins, so Graphviz measures it (dusk__gv_sizes), once per
**      distinct combination of those: a picture of 100,000 tasks has a
**      handful.
**   2. Layers: the longest path from the sources (Kahn's walk), so every
**      edge goes from a lower layer to a higher one; then each source is
**      moved up to just below its first user (a literal used late is drawn
**      beside its user, not at the bottom with a long edge). An edge that
**      spans layers runs, as in dot, through a virtual node in each layer
**      it passes, placed and ordered like the others (a point wide, the
**      same gaps), so that it runs between the nodes; the long edges of
**      one node share their virtual nodes, leaving them one by one (a bus).
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
**   6. Edges run along the flow through every layer's band they cross
**      (at the tail, at each virtual node, at the head; where several
**      leave or reach one node, spread over its middle half in the order
**      of where they go) and bend only in the gaps between layers, where
**      there are no nodes: no edge passes over a node. The arrowhead ends
**      on the head's outline. Of the long edges that share a node's
**      virtual nodes, the longest draws the way through them and each
**      other one starts where it leaves it, so that a picture's splines
**      (and Graphviz's work reading them) stay linear in its size.
**
** Time: O(V + E + S) for layers, virtual nodes and sweeps, S the virtual
** nodes (per node, the layers its longest edge spans), plus
** O((V + S) log (V + S)) for the sorts; no part looks
** at a pair of nodes that share no edge. Invariants that
** tests/viz/test_viz.c checks on the result: every drawn edge goes from a
** lower layer to a higher one, no two nodes overlap, and no edge passes
** over a node.
*/
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "scene.h"

#define NODESEP 18.0           /* points between nodes of a layer (dot's) */
#define RANKSEP 36.0           /* points between layers (dot's) */
#define SWEEPS 3               /* down, up, down */
#define ARROW 10.0             /* Graphviz's arrowhead length, in points */

typedef struct layered {
    const dusk__viz_scene *s;
    size_t n;                  /* nodes of the scene */
    size_t N;                  /* and virtual nodes after them: n .. N-1 */
    double *across;            /* a node's extent along its layer */
    double *along;             /* ... and across the layers */
    uint8_t *in;               /* laid out as part of the graph (not legend) */
    size_t *out_start, *out_adj;   /* CSR of the edges, both ways */
    size_t *in_start, *in_adj;
    int32_t *layer;
    size_t nlayers;
    size_t *order;             /* the graph's nodes, layer by layer */
    size_t *layer_start;       /* nlayers + 1 offsets into order */
    double *x;                 /* position along the layer (centre) */
    double *bary;              /* target position in the current sweep */
    size_t *first_virtual;     /* per scene edge: its first virtual node, or 0 */
    size_t *trunk;             /* per node: the one of its long edges that draws
                                  its chain of virtual nodes, or SIZE_MAX */
    double *line, *thick;      /* per layer: centre line (along) and thickness */
    double legend_at;          /* the legend row's centre line */
    char dir;                  /* rankdir's first letter: B, T, L or R */
    double minx, miny;         /* the shift to Graphviz's points */
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

static int drawn(const layered *L, const dusk__viz_edge *e)
{
    return !e->invis && L->in[e->tail] && L->in[e->head];
}

/* --- 2. layers --------------------------------------------------------------------- */

/* The CSR of m edges t[k] -> h[k] over L->N nodes, both ways. */
static int make_adjacency(layered *L, const size_t *t, const size_t *h, size_t m)
{
    size_t N = L->N;
    dusk_free(L->out_start);
    dusk_free(L->in_start);
    dusk_free(L->out_adj);
    dusk_free(L->in_adj);
    L->out_start = dusk_calloc(N + 1, sizeof *L->out_start);
    L->in_start = dusk_calloc(N + 1, sizeof *L->in_start);
    L->out_adj = dusk_malloc((m ? m : 1) * sizeof *L->out_adj);
    L->in_adj = dusk_malloc((m ? m : 1) * sizeof *L->in_adj);
    if (!L->out_start || !L->in_start || !L->out_adj || !L->in_adj)
        return DUSK_ENOMEM;
    for (size_t k = 0; k < m; k++) {
        L->out_start[t[k] + 1]++;
        L->in_start[h[k] + 1]++;
    }
    for (size_t i = 0; i < N; i++) {
        L->out_start[i + 1] += L->out_start[i];
        L->in_start[i + 1] += L->in_start[i];
    }
    /* fill with the starts as cursors, then shift them back */
    for (size_t k = 0; k < m; k++) {
        L->out_adj[L->out_start[t[k]]++] = h[k];
        L->in_adj[L->in_start[h[k]]++] = t[k];
    }
    for (size_t i = N; i > 0; i--) {
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

/* Grows a per-node array of L->n items to L->N. */
static int grow_to(void *pp, size_t N, size_t size)
{
    void *q = dusk_realloc(*(void **)pp, (N ? N : 1) * size);
    if (!q)
        return -1;
    *(void **)pp = q;
    return 0;
}

/* Virtual nodes for the edges that span layers, and the adjacency of the
 * whole. The long edges of one tail share one chain of virtual nodes, up
 * to the layer below its farthest head, and each leaves it below its own
 * head: a bus. One chain per edge, as dot makes them, would cost the sum
 * of the spans, quadratic for an input that every task of a long chain
 * reads (a constant used at each of 3,000 steps: 4.5 million virtual
 * nodes and 47 s); shared, it is at most one per layer per tail. */
static int add_virtual(layered *L, int64_t *key, int64_t **keyp)
{
    const dusk__viz_scene *s = L->s;
    size_t n = L->n, nv = 0, m = 0;
    int32_t *far = dusk_calloc(n ? n : 1, sizeof *far);   /* longest span out */
    size_t *chain = dusk_malloc((n ? n : 1) * sizeof *chain);
    size_t *t = NULL, *h = NULL;
    int rc = DUSK_ENOMEM;
    L->trunk = dusk_malloc((n ? n : 1) * sizeof *L->trunk);
    if (!far || !chain || !L->trunk)
        goto done;
    for (size_t v = 0; v < n; v++)
        L->trunk[v] = SIZE_MAX;
    for (size_t e = 0; e < s->nedges; e++) {
        const dusk__viz_edge *ed = &s->edges[e];
        if (!drawn(L, ed))
            continue;
        int32_t span = L->layer[ed->head] - L->layer[ed->tail];
        if (span > far[ed->tail]) {
            far[ed->tail] = span;
            L->trunk[ed->tail] = span > 1 ? e : SIZE_MAX;
        }
        m++;                                   /* its last link, into the head */
    }
    for (size_t v = 0; v < n; v++)
        if (far[v] > 1) {
            chain[v] = n + nv;
            nv += (size_t)far[v] - 1;
            m += (size_t)far[v] - 1;           /* tail -> c0 -> c1 ... */
        }
    L->N = n + nv;
    size_t N = L->N;
    if (grow_to(&L->in, N, sizeof *L->in) || grow_to(&L->layer, N, sizeof *L->layer) ||
        grow_to(&L->x, N, sizeof *L->x) || grow_to(&L->bary, N, sizeof *L->bary) ||
        grow_to(&L->across, N, sizeof *L->across) ||
        grow_to(&L->along, N, sizeof *L->along) || grow_to(&key, N, sizeof *key)) {
        *keyp = key;
        goto done;
    }
    *keyp = key;
    L->first_virtual = dusk_calloc(s->nedges ? s->nedges : 1, sizeof *L->first_virtual);
    t = dusk_malloc((m ? m : 1) * sizeof *t);
    h = dusk_malloc((m ? m : 1) * sizeof *h);
    if (!L->first_virtual || !t || !h)
        goto done;
    size_t k = 0;
    for (size_t u = 0; u < n; u++) {
        if (far[u] <= 1)
            continue;
        size_t prev = u;
        for (int32_t j = 1; j < far[u]; j++) {
            size_t v = chain[u] + (size_t)j - 1;
            L->in[v] = 1;
            L->layer[v] = L->layer[u] + j;
            L->x[v] = L->bary[v] = 0;
            L->across[v] = 1;          /* a line's width: the gaps do the rest */
            L->along[v] = 0;
            key[v] = key[u];
            t[k] = prev;
            h[k++] = v;
            prev = v;
        }
    }
    for (size_t e = 0; e < s->nedges; e++) {
        const dusk__viz_edge *ed = &s->edges[e];
        if (!drawn(L, ed))
            continue;
        int32_t span = L->layer[ed->head] - L->layer[ed->tail];
        if (span > 1)
            L->first_virtual[e] = chain[ed->tail];
        t[k] = span > 1 ? chain[ed->tail] + (size_t)span - 2 : ed->tail;
        h[k++] = ed->head;
    }
    rc = make_adjacency(L, t, h, m);
done:
    dusk_free(far);
    dusk_free(chain);
    dusk_free(t);
    dusk_free(h);
    return rc;
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
    size_t N = L->N, nin = 0, widest = 0;
    L->layer_start = dusk_calloc(L->nlayers + 1, sizeof *L->layer_start);
    if (!L->layer_start)
        return DUSK_ENOMEM;
    for (size_t v = 0; v < N; v++)
        if (L->in[v]) {
            L->layer_start[L->layer[v] + 1]++;
            nin++;
        }
    for (size_t l = 0; l < L->nlayers; l++) {
        if (L->layer_start[l + 1] > widest)
            widest = L->layer_start[l + 1];
        L->layer_start[l + 1] += L->layer_start[l];
    }
    L->order = dusk_malloc((nin ? nin : 1) * sizeof *L->order);
    L->slots = dusk_malloc((N ? N : 1) * sizeof *L->slots);
    L->gap_sum = dusk_malloc((widest ? widest : 1) * sizeof *L->gap_sum);
    L->blk_sum = dusk_malloc((widest ? widest : 1) * sizeof *L->blk_sum);
    L->blk_cnt = dusk_malloc((widest ? widest : 1) * sizeof *L->blk_cnt);
    L->blk_end = dusk_malloc((widest ? widest : 1) * sizeof *L->blk_end);
    if (!L->order || !L->slots || !L->gap_sum || !L->blk_sum || !L->blk_cnt || !L->blk_end)
        return DUSK_ENOMEM;

    /* first order: (layer, priority, index), by one sort of all nodes */
    size_t m = 0;
    for (size_t v = 0; v < N; v++)
        if (L->in[v]) {
            L->slots[m].key = (double)L->layer[v];
            L->slots[m].tie = (double)key[v];
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

/* Where layers go: (a, c), a along the flow (layer 0's centre line at 0)
 * and c along the layers, as Graphviz's point (x, y up) for rankdir. */
static void to_xy(const layered *L, double a, double c, double *out)
{
    switch (L->dir) {
    case 'B': out[0] = c; out[1] = a; break;
    case 'T': out[0] = c; out[1] = -a; break;
    case 'L': out[0] = a; out[1] = -c; break;
    default: out[0] = -a; out[1] = -c; break;
    }
    out[0] -= L->minx;
    out[1] -= L->miny;
}

/* Where node v goes, in Graphviz's frame: a layer's node, or a legend
 * node of a BT or TB picture, from its layer line (legend_at) and its
 * place across; a legend node of an LR or RL picture from its own x and
 * y (bands), so that the legend is a row in every rankdir. */
static void node_xy(const layered *L, size_t v, double *out)
{
    if (L->in[v] || L->dir == 'B' || L->dir == 'T') {
        to_xy(L, L->in[v] ? L->line[L->layer[v]] : L->legend_at, L->x[v], out);
        return;
    }
    out[0] = L->x[v] - L->minx;
    out[1] = L->legend_at - L->miny;
}

/* The layers' centre lines and thicknesses, the legend's row, and the
 * shift that puts the lower left corner of the nodes at (0, 0). */
static int bands(layered *L, const double *w, const double *h)
{
    const dusk__viz_scene *s = L->s;
    size_t N = L->N;
    L->line = dusk_malloc((L->nlayers ? L->nlayers : 1) * sizeof *L->line);
    L->thick = dusk_calloc(L->nlayers ? L->nlayers : 1, sizeof *L->thick);
    if (!L->line || !L->thick)
        return DUSK_ENOMEM;
    for (size_t v = 0; v < N; v++)
        if (L->in[v] && L->along[v] > L->thick[L->layer[v]])
            L->thick[L->layer[v]] = L->along[v];
    for (size_t l = 0; l < L->nlayers; l++)
        L->line[l] = l ? L->line[l - 1] + L->thick[l - 1] / 2 + RANKSEP + L->thick[l] / 2 : 0;
    /* the legend: a row of its own below the picture, from its left edge,
     * read left to right whatever the rankdir */
    if (s->legend_n && (L->dir == 'B' || L->dir == 'T')) {
        double lt = 0, left = 0;
        int first = 1;
        for (size_t v = 0; v < N; v++)
            if (L->in[v] && (first || L->x[v] - L->across[v] / 2 < left)) {
                left = L->x[v] - L->across[v] / 2;
                first = 0;
            }
        for (size_t k = 0; k < s->legend_n; k++)
            if (L->along[s->legend_first + k] > lt)
                lt = L->along[s->legend_first + k];
        L->legend_at = -((L->nlayers ? L->thick[0] : 0) / 2 + RANKSEP + lt / 2);
        for (size_t k = 0; k < s->legend_n; k++) {
            size_t v = s->legend_first + k;
            L->x[v] = left + L->across[v] / 2;
            left += L->across[v] + NODESEP;
        }
    } else if (s->legend_n) {
        /* LR, RL: the layers are columns, so the row is not a layer's;
         * legend_at and x are the row's y and its nodes' x in Graphviz's
         * frame (see node_xy) */
        double lt = 0, left = 0, bottom = 0;
        int first = 1;
        L->minx = L->miny = 0;
        for (size_t v = 0; v < N; v++) {
            if (!L->in[v])
                continue;
            double p[2], hw = v < L->n ? w[v] / 2 : 0, hh = v < L->n ? h[v] / 2 : 0;
            to_xy(L, L->line[L->layer[v]], L->x[v], p);
            if (first || p[0] - hw < left)
                left = p[0] - hw;
            if (first || p[1] - hh < bottom)
                bottom = p[1] - hh;
            first = 0;
        }
        for (size_t k = 0; k < s->legend_n; k++)
            if (h[s->legend_first + k] > lt)
                lt = h[s->legend_first + k];
        L->legend_at = bottom - RANKSEP - lt / 2;
        for (size_t k = 0; k < s->legend_n; k++) {
            size_t v = s->legend_first + k;
            L->x[v] = left + w[v] / 2;
            left += w[v] + NODESEP;
        }
    }
    L->minx = L->miny = 0;
    double lo[2] = {0, 0};
    for (size_t v = 0; v < N; v++) {          /* virtual ones: edges pass there */
        double p[2], hw = v < L->n ? w[v] / 2 : 0, hh = v < L->n ? h[v] / 2 : 0;
        node_xy(L, v, p);
        if (v == 0 || p[0] - hw < lo[0])
            lo[0] = p[0] - hw;
        if (v == 0 || p[1] - hh < lo[1])
            lo[1] = p[1] - hh;
    }
    L->minx = lo[0];
    L->miny = lo[1];
    return 0;
}

/* --- 6. edges ------------------------------------------------------------------------- */

/* How far along the flow node v's outline is from its centre at dc from
 * it across: an ellipse (circles, Graphviz's default) or a box. */
static double reach(const layered *L, size_t v, double dc)
{
    const char *shape = L->s->nodes[v].a[DUSK__NA_SHAPE];
    double half = L->along[v] / 2, r = 2 * dc / L->across[v];
    if (!shape || strcmp(shape, "circle") == 0 || strcmp(shape, "ellipse") == 0 ||
        strcmp(shape, "oval") == 0)
        return half * sqrt(r * r < 1 ? 1 - r * r : 0);
    return half;
}

typedef struct end {
    size_t node;
    double far;                /* where the edge goes, across */
    size_t e;
} end;

static int cmp_end(const void *a, const void *b)
{
    const end *p = a, *q = b;
    if (p->node != q->node)
        return p->node < q->node ? -1 : 1;
    if (p->far != q->far)
        return p->far < q->far ? -1 : 1;
    return p->e < q->e ? -1 : p->e > q->e;
}

/* Spreads the k edges at one side of a node over the middle half of its
 * width, in the order of where they go (fewer crossings at the node),
 * at most 14 points apart: dc[e] for each. */
static void spread(const layered *L, end *ends, size_t m, double *dc)
{
    qsort(ends, m, sizeof *ends, cmp_end);
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && ends[j].node == ends[i].node)
            j++;
        size_t k = j - i;
        double step = k > 1 ? fmin(L->across[ends[i].node] * 0.5 / (double)(k - 1), 14) : 0;
        for (size_t r = 0; r < k; r++)
            dc[ends[i + r].e] = ((double)r - (double)(k - 1) / 2) * step;
        i = j;
    }
}

/* Edge e's pos, "e,tip p0 p1 ... p3m": straight along the flow through
 * each band it crosses (out of the tail's, through each virtual node's,
 * into the head's), at the tail's, virtual nodes' and head's places
 * across, and an S-shaped piece across each gap between layers, where
 * there are no nodes; so no edge passes over a node. Its pieces are cubic
 * Bezier curves whose control points sit halfway along, so a piece's
 * course along the flow is monotonic and stays in its gap or band. */
static const char *edge_pos(layered *L, dusk__viz_scene *s, size_t e, const double *dc_out,
                            const double *dc_in, double *st)
{
    const dusk__viz_edge *ed = &s->edges[e];
    size_t t = ed->tail, h = ed->head, first = L->first_virtual[e];
    int32_t lt = L->layer[t], lh = L->layer[h];
    size_t nv = (size_t)(lh - lt) - 1, ns = 0;
    /* stations (a, c), a increasing; one that goes on straight from the
     * last two moves the last instead (a vertical edge is one piece) */
#define STATION(A, C)                                                                     \
    do {                                                                                  \
        double a_ = (A), c_ = (C);                                                        \
        if (ns >= 2 && fabs(c_ - st[2 * ns - 1]) <= 0.01 &&                               \
            fabs(st[2 * ns - 1] - st[2 * ns - 3]) <= 0.01)                                \
            ns--;                                                                         \
        if (!ns || a_ > st[2 * ns - 2] + 0.01 || fabs(c_ - st[2 * ns - 1]) > 0.01) {      \
            st[2 * ns] = a_;                                                              \
            st[2 * ns + 1] = c_;                                                          \
            ns++;                                                                         \
        }                                                                                 \
    } while (0)
    double ct = L->x[t] + dc_out[e], ch = L->x[h] + dc_in[e];
    size_t k = 0;
    if (nv && L->trunk[t] != e) {
        /* a branch of the trunk: from where it leaves it, its last
         * virtual node's band (the trunk draws the way there) */
        size_t v = first + nv - 1;
        STATION(L->line[L->layer[v]] + L->thick[L->layer[v]] / 2, L->x[v]);
        k = nv;
    } else {
        STATION(L->line[lt] + reach(L, t, dc_out[e]), ct);
        STATION(L->line[lt] + L->thick[lt] / 2, ct);
    }
    for (; k < nv; k++) {
        size_t v = first + k;
        STATION(L->line[L->layer[v]] - L->thick[L->layer[v]] / 2, L->x[v]);
        STATION(L->line[L->layer[v]] + L->thick[L->layer[v]] / 2, L->x[v]);
    }
    double tip = L->line[lh] - reach(L, h, dc_in[e]), end_a = tip - ARROW;
    double edge_a = L->line[lh] - L->thick[lh] / 2;
    if (edge_a < end_a - 0.01)
        STATION(edge_a, ch);
    if (ns >= 2 && fabs(ch - st[2 * ns - 1]) <= 0.01 &&
        fabs(st[2 * ns - 1] - st[2 * ns - 3]) <= 0.01)
        ns--;
    st[2 * ns] = end_a;                /* the arrowhead's base */
    st[2 * ns + 1] = ch;
    ns++;
#undef STATION
    dusk__buf b = {0};
    double p[2];
    to_xy(L, tip, ch, p);
    /* "%.2f" numbers, by dusk__buf_fixed2: printf was a tenth of a big
     * picture's time */
    dusk__buf_add(&b, "e,", 2);
    dusk__buf_fixed2(&b, p[0]);
    dusk__buf_add(&b, ",", 1);
    dusk__buf_fixed2(&b, p[1]);
    to_xy(L, st[0], st[1], p);
    dusk__buf_add(&b, " ", 1);
    dusk__buf_fixed2(&b, p[0]);
    dusk__buf_add(&b, ",", 1);
    dusk__buf_fixed2(&b, p[1]);
    for (size_t i = 0; i + 1 < ns; i++) {
        double a0 = st[2 * i], c0 = st[2 * i + 1], a1 = st[2 * i + 2], c1 = st[2 * i + 3];
        double mid = (a0 + a1) / 2, q[2], r[2];
        to_xy(L, mid, c0, q);
        to_xy(L, mid, c1, r);
        to_xy(L, a1, c1, p);
        const double *pts[3] = {q, r, p};
        for (int j = 0; j < 3; j++) {
            dusk__buf_add(&b, " ", 1);
            dusk__buf_fixed2(&b, pts[j][0]);
            dusk__buf_add(&b, ",", 1);
            dusk__buf_fixed2(&b, pts[j][1]);
        }
    }
    return dusk__scene_take(s, &b);
}

static int edge_positions(layered *L, dusk__viz_scene *s)
{
    size_t ne = s->nedges, m = 0, mo = 0, most = 0;
    end *outs = dusk_malloc((ne ? ne : 1) * sizeof *outs);
    end *ins = dusk_malloc((ne ? ne : 1) * sizeof *ins);
    double *dc_out = dusk_calloc(ne ? ne : 1, sizeof *dc_out);
    double *dc_in = dusk_calloc(ne ? ne : 1, sizeof *dc_in);
    double *st = NULL;
    int rc = DUSK_ENOMEM;
    s->epos = dusk_calloc(ne ? ne : 1, sizeof *s->epos);
    if (!outs || !ins || !dc_out || !dc_in || !s->epos)
        goto done;
    for (size_t e = 0; e < ne; e++) {
        const dusk__viz_edge *ed = &s->edges[e];
        if (!drawn(L, ed))
            continue;
        size_t first = L->first_virtual[e];
        size_t nv = (size_t)(L->layer[ed->head] - L->layer[ed->tail]) - 1;
        if (!nv || L->trunk[ed->tail] == e) {   /* branches leave the trunk */
            outs[mo].node = ed->tail;
            outs[mo].far = L->x[nv ? first : ed->head];
            outs[mo].e = e;
            mo++;
        }
        ins[m].node = ed->head;
        ins[m].far = L->x[nv ? first + nv - 1 : ed->tail];
        ins[m].e = e;
        m++;
        if (nv > most)
            most = nv;
    }
    spread(L, outs, mo, dc_out);
    spread(L, ins, m, dc_in);
    st = dusk_malloc((2 * most + 5) * 2 * sizeof *st);
    if (!st)
        goto done;
    for (size_t e = 0; e < ne && !s->oom; e++)
        if (drawn(L, &s->edges[e]))
            s->epos[e] = edge_pos(L, s, e, dc_out, dc_in, st);
    rc = s->oom ? DUSK_ENOMEM : 0;
done:
    dusk_free(outs);
    dusk_free(ins);
    dusk_free(dc_out);
    dusk_free(dc_in);
    dusk_free(st);
    return rc;
}

/* --- the whole ------------------------------------------------------------------------ */

int dusk__scene_layered(dusk__viz_scene *s, const char *rankdir, const int64_t *prio,
                        size_t nprio, dusk_error *err)
{
    size_t n = s->nnodes;
    layered L;
    memset(&L, 0, sizeof L);
    L.s = s;
    L.n = L.N = n;
    double *w = dusk_malloc((n ? n : 1) * sizeof *w);
    double *h = dusk_malloc((n ? n : 1) * sizeof *h);
    int64_t *key = dusk_malloc((n ? n : 1) * sizeof *key);
    L.in = dusk_malloc(n ? n : 1);
    L.layer = dusk_malloc((n ? n : 1) * sizeof *L.layer);
    L.x = dusk_malloc((n ? n : 1) * sizeof *L.x);
    L.bary = dusk_malloc((n ? n : 1) * sizeof *L.bary);
    L.across = dusk_malloc((n ? n : 1) * sizeof *L.across);
    L.along = dusk_malloc((n ? n : 1) * sizeof *L.along);
    size_t *et = NULL, *eh = NULL;
    int rc = DUSK_ENOMEM;
    dusk_free(s->pos);
    dusk_free(s->epos);
    s->epos = NULL;
    s->pos = dusk_malloc((n ? 2 * n : 1) * sizeof *s->pos);
    if (!w || !h || !key || !L.in || !L.layer || !L.x || !L.bary || !L.across || !L.along ||
        !s->pos)
        goto done;
    if ((rc = dusk__gv_sizes(s, w, h, err)))
        goto done;
    rc = DUSK_ENOMEM;
    int lr = rankdir[0] == 'L' || rankdir[0] == 'R';
    size_t m = 0;
    for (size_t v = 0; v < n; v++) {
        L.in[v] = !(s->legend_n && v >= s->legend_first && v < s->legend_first + s->legend_n);
        int64_t t = s->nodes[v].task;
        /* a task's circle and box share its priority; the circle first */
        key[v] = prio && t >= 0 && (uint64_t)t < nprio ? prio[t] : (int64_t)nprio + (int64_t)v;
        L.x[v] = L.bary[v] = 0;
        L.across[v] = lr ? h[v] : w[v];
        L.along[v] = lr ? w[v] : h[v];
    }
    /* the scene's drawn edges, for the layers */
    et = dusk_malloc((s->nedges ? s->nedges : 1) * sizeof *et);
    eh = dusk_malloc((s->nedges ? s->nedges : 1) * sizeof *eh);
    if (!et || !eh)
        goto done;
    for (size_t e = 0; e < s->nedges; e++)
        if (drawn(&L, &s->edges[e])) {
            et[m] = s->edges[e].tail;
            eh[m++] = s->edges[e].head;
        }
    if (make_adjacency(&L, et, eh, m))
        goto done;
    if ((rc = make_layers(&L, err)))
        goto done;
    rc = DUSK_ENOMEM;
    if (add_virtual(&L, key, &key) || order_layers(&L, key))
        goto done;
    L.dir = rankdir[0];
    if (bands(&L, w, h))
        goto done;
    for (size_t v = 0; v < n; v++)
        node_xy(&L, v, s->pos + 2 * v);
    if (edge_positions(&L, s))
        goto done;
    rc = 0;
done:
    if (rc == DUSK_ENOMEM)
        dusk_error_set(err, DUSK_ENOMEM,
                       "visualize: out of memory laying out %zu nodes", n);
    if (rc) {
        dusk_free(s->pos);
        dusk_free(s->epos);
        s->pos = NULL;
        s->epos = NULL;
    }
    dusk_free(L.line);
    dusk_free(L.thick);
    dusk_free(et);
    dusk_free(eh);
    dusk_free(w);
    dusk_free(h);
    dusk_free(key);
    dusk_free(L.in);
    dusk_free(L.layer);
    dusk_free(L.x);
    dusk_free(L.bary);
    dusk_free(L.across);
    dusk_free(L.along);
    dusk_free(L.first_virtual);
    dusk_free(L.trunk);
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
