/*
** dusk gui — the layered layout, in time linear in tasks and edges
**
** Layer: dependency depth (a task's layer is one past its deepest
** dependency's, so every edge goes from a lower layer to a higher one).
** Order within a layer: static priority (dusk_plan_priority). Both come
** from one walk over the tasks in priority order (a counting sort: the
** priorities are below the graph's size), which reads each dependency
** list once, straight from the plan's arrays (dusk_plan_get_arrays),
** followed by a stable counting sort on the layer. Nothing here is
** quadratic, sorts by comparison or allocates per task, so 200,000 tasks
** lay out in a few milliseconds before a run's first task (bench/gui.c:
** gui.layout.100k, gui.overhead.layout_ms). A job
** (dusk__layout_job_run) does it in steps that stop at a deadline, so that
** a window pumping a bounded time a frame lays a big plan out over a few
** frames rather than taking the cores from the run for one long one.
**
** Small runs are then laid out again by Graphviz (dusk__layout_graphviz):
** dot's ranking, crossing minimisation and spacing read better than
** columns of squares, but its time grows much faster than linearly, so
** only up to a threshold (DUSK_VIEWER_GRAPHVIZ_THRESHOLD, measured). It
** lays the plan out through libdusk-viz with visualize()'s rankdir, BT,
** every node a 36-point square, and 36 points become one layout unit.
** libdusk-viz already flips Graphviz's y (origin at the top left), so the
** only mapping is the scale and the shift from a node's centre to its
** corner.
**
** Orientation: every layout is drawn as visualize() draws the graph
** (rankdir BT, Dask's): inputs at the bottom, each task above its
** dependencies, the results at the top, so that the window and the
** picture a class saw first agree. The layered layout's layers are rows,
** layer 0 the bottom one, each layer's tasks left to right by priority,
** centred under the widest layer (a folded layout's rows are not).
*/
#include <math.h>
#include <string.h>

#include "dusk/viz.h"
#include "gui.h"

void dusk__layout_free(dusk__layout *L)
{
    dusk_free(L->block);
    dusk_free(L->layer_start);
    dusk_free(L->x);
    dusk_free(L->y);
    dusk_free(L->ledges);
    memset(L, 0, sizeof *L);
}

/* dusk_viz_layout_plan's node side, in points: one layout unit. */
#define GV_UNIT 36.0

int dusk__layout_graphviz(dusk__layout *L, const dusk_plan *p, size_t max_tasks,
                          dusk_error *err)
{
    if (!max_tasks)
        max_tasks = DUSK_VIEWER_GRAPHVIZ_THRESHOLD;
    if (L->layer_view || !L->ntasks || L->ntasks > max_tasks ||
        max_tasks == DUSK_VIEWER_NO_GRAPHVIZ)
        return 0;
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.rankdir = NULL;   /* visualize()'s BT: inputs at the bottom, as the layered layout */
    o.quiet = true;
    dusk_viz_layout *gv;
    int rc = dusk_viz_layout_plan(p, &o, &gv, err);
    if (rc != 0)
        return rc;
    size_t nn, placed = 0;
    const dusk_viz_node *nodes = dusk_viz_layout_nodes(gv, &nn);
    /* into new arrays, so that a plan Graphviz did not wholly place keeps
     * the layered positions */
    float *x = dusk_malloc(L->ngraph * sizeof *x), *y = dusk_malloc(L->ngraph * sizeof *y);
    if (!x || !y) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "gui layout: out of memory for %zu tasks",
                            L->ntasks);
        goto done;
    }
    for (size_t i = 0; i < nn; i++) {
        int64_t t = nodes[i].task;
        if (nodes[i].kind == DUSK_VIZ_NODE_LEGEND || t < 0 || (uint64_t)t >= L->ngraph ||
            L->layer[t] < 0)
            continue;
        x[t] = (float)(nodes[i].x / GV_UNIT - 0.5);
        y[t] = (float)(nodes[i].y / GV_UNIT - 0.5);
        placed++;
    }
    if (placed != L->ntasks) {
        rc = dusk_error_set(err, DUSK_EIO,
                            "gui layout: Graphviz placed %zu of the plan's %zu tasks", placed,
                            L->ntasks);
        goto done;
    }
    double w, h;
    dusk_viz_layout_bbox(gv, &w, &h);
    /* dot makes room for each edge that skips a rank (a virtual node in
     * every rank it crosses: an array job's x - x.mean() crosses two
     * ranks with each block's edge), which can spread a rank far wider
     * than its tasks: the 52 tasks of x - x.mean(axis=0) on 4 x 4 blocks
     * drew 40 units wide, their 16 blocks a row 23.5 wide in the layered
     * layout. Fitted to a panel 1.6 times as wide as tall, nodes 1.5
     * times as large (22 px against 37 in the demo's window, where labels
     * show from 34) are worth more than dot's fewer crossings. */
    double gside = fmin(1.6 * GV_UNIT / w, GV_UNIT / h);
    double lside = fmin(1.6 / L->width, 1 / L->height);
    if (lside >= 1.5 * gside) {
        rc = 0;
        goto done;
    }
    dusk_free(L->x);
    dusk_free(L->y);
    L->x = x;
    L->y = y;
    x = y = NULL;
    L->width = (float)(w / GV_UNIT);
    L->height = (float)(h / GV_UNIT);
    L->graphviz = 1;
    L->fold = 0;
    rc = 1;
done:
    dusk_free(x);
    dusk_free(y);
    dusk_viz_layout_free(gv);
    return rc;
}

size_t dusk__fold_of(size_t ntasks, size_t nlayers, const size_t *layer_start)
{
    /* rows of about sqrt(1.6 n) slots make the drawing about 1.6 times
     * as wide as tall, whatever the layers' widths: a panel's shape.
     * Folded only where that makes the nodes 3 times as large in such a
     * panel as the layers as whole rows would: 30 chains of 3 tasks read
     * better whole; a map over 1,000 blocks (2 layers of 1,000) is a
     * hairline whole. */
    size_t fold = (size_t)ceil(sqrt((double)ntasks * 1.6)), widest = 0;
    double rows = 0;
    if (fold < 8)
        fold = 8;
    for (size_t l = 0; l < nlayers; l++) {
        size_t c = layer_start[l + 1] - layer_start[l];
        widest = c > widest ? c : widest;
        rows += (double)((c + fold - 1) / fold) + (l ? 0.5 : 0);
    }
    if (!nlayers || widest <= fold)
        return 0;
    double whole = fmin(1.6 / (double)widest, 1 / (double)nlayers);
    double folded = fmin(1.6 / (double)fold, 1 / rows);
    return folded >= 3 * whole ? fold : 0;
}

/* A job's loops run in blocks of 4,096 steps and read the clock between
 * two blocks, not in their inner loops: with no deadline (the start
 * callback's) a loop is one block. block_end gives where the block that
 * begins at i ends; past reads the clock after it. */
static inline size_t block_end(uint64_t deadline, size_t i, size_t n)
{
    return deadline && n - i > 4096 ? i + 4096 : n;
}

static inline int past(const dusk__layout_job *j, uint64_t deadline)
{
    return (j->now ? j->now(j->now_ud) : dusk_now_ns()) >= deadline;
}

void dusk__layout_job_free(dusk__layout_job *j)
{
    dusk_free(j->count);
    dusk_free(j->pairs);
    dusk_free(j->rowy);
    memset(j, 0, sizeof *j);
}

/* The layer view's edge (a, b), kept once: a set of the pairs seen (open
 * addressing, a pair as b << 32 | a, never 0 since b > a), and the last
 * pair, which most of a task's dependencies repeat. 0, or -1 out of
 * memory. */
static int add_ledge(dusk__layout *L, dusk__layout_job *j, uint32_t a, uint32_t b)
{
    uint64_t key = (uint64_t)b << 32 | a;
    if (key == j->last_pair)
        return 0;
    j->last_pair = key;
    if (2 * (L->nledges + 1) > j->pairs_cap) {
        size_t cap = j->pairs_cap ? 2 * j->pairs_cap : 64;
        uint64_t *set = dusk_calloc(cap, sizeof *set);
        uint32_t *e = dusk_realloc(L->ledges, cap * sizeof *e);   /* 2 x cap / 2 pairs */
        if (e)
            L->ledges = e;
        if (!set || !e) {
            dusk_free(set);
            return -1;
        }
        for (size_t k = 0; k < L->nledges; k++) {
            uint64_t kk = (uint64_t)L->ledges[2 * k + 1] << 32 | L->ledges[2 * k];
            size_t h = (size_t)((kk * 0x9e3779b97f4a7c15u) >> 32) & (cap - 1);
            while (set[h])
                h = (h + 1) & (cap - 1);
            set[h] = kk;
        }
        dusk_free(j->pairs);
        j->pairs = set;
        j->pairs_cap = cap;
    }
    size_t h = (size_t)((key * 0x9e3779b97f4a7c15u) >> 32) & (j->pairs_cap - 1);
    for (; j->pairs[h]; h = (h + 1) & (j->pairs_cap - 1))
        if (j->pairs[h] == key)
            return 0;
    j->pairs[h] = key;
    L->ledges[2 * L->nledges] = a;
    L->ledges[2 * L->nledges + 1] = b;
    L->nledges++;
    return 0;
}

/* Makes count hold cap entries, the new ones 0; 0, or -1 out of memory. */
static int count_room(dusk__layout_job *j, size_t cap)
{
    if (cap <= j->count_cap)
        return 0;
    uint32_t *c = dusk_realloc(j->count, cap * sizeof *c);
    if (!c)
        return -1;
    memset(c + j->count_cap, 0, (cap - j->count_cap) * sizeof *c);
    j->count = c;
    j->count_cap = cap;
    return 0;
}

/* count[b]'s top bit in the walk: the layer view's edge (b - 1, b) is
 * kept (a layer has fewer than 2^31 tasks: a plan has fewer than 2^32). */
#define ADJ_KEPT 0x80000000u

/* The phases of a job, each a loop that may stop for the deadline between
 * two blocks of steps (j->i says where it resumes). */
enum { J_ALLOC, J_PRIO_PLACE, J_PRIO_COUNT, J_PRIO_SUM, J_PRIO_SORT, J_WALK, J_LAYER_SUM,
       J_SLOTS, J_DONE };

/* The plan is read from its arrays (dusk_plan_get_arrays), its dependency
 * lists once: the tasks are walked in priority order, which dusk_graph_order
 * makes a topological one (a task is numbered once its dependencies are),
 * so each task's dependencies have their layers when it is reached. The
 * walk also counts each layer's tasks and, in the layer view, collects the
 * pairs of layers its dependencies join; a stable counting sort of the
 * walk's order by layer then gives the order within a layer by priority,
 * the slots and the positions in one pass. No allocation per task. */
int dusk__layout_job_run(dusk__layout *L, dusk__layout_job *j, const dusk_plan *p,
                         size_t threshold, uint64_t deadline, dusk_error *err)
{
    dusk_plan_arrays pa;
    int rc = DUSK_ENOMEM;
    if (dusk_plan_get_arrays(p, &pa) != 0) {
        rc = dusk_error_set(err, DUSK_EINVAL, "gui layout: no plan");
        goto fail;
    }
    size_t ng = pa.graph_size, n = pa.ntasks;
    float step = 1.0f + DUSK__GAP;
    if (j->phase == J_ALLOC) {
        dusk__layout_free(L);
        L->ngraph = ng;
        L->ntasks = n;
        L->layer_view = n > threshold;
        /* layer, order and the queue in one block, in 2 MiB pages when it
         * is big: each 4 KiB page of it would be a fault before the run's
         * first task (587 for 200,006 tasks: 3-4 ms in a virtual machine,
         * as long as the layout's work); the layers' counts grow with the
         * walk (a culled plan's priority sort wants ng + 1) */
        void *at = dusk__huge_block((ng + 2 * n + 1) * sizeof(uint32_t), &L->block);
        if (at) {
            L->layer = at;
            L->order = (uint32_t *)(L->layer + ng);
            j->queue = L->order + n;
        }
        if (!L->layer_view) {
            L->x = dusk_malloc((ng ? ng : 1) * sizeof *L->x);
            L->y = dusk_malloc((ng ? ng : 1) * sizeof *L->y);
        }
        if (!at || count_room(j, pa.tasks ? ng + 1 : 64) != 0 ||
            (!L->layer_view && (!L->x || !L->y)))
            goto fail;
        memset(L->layer, 0xff, ng * sizeof *L->layer);   /* -1: not (yet) laid out */
        /* a plan of the whole graph (the usual run): its priorities are
         * 0 .. n - 1, each once, so each task goes straight to its place */
        if (!pa.tasks)
            memset(j->queue, 0xff, n * sizeof *j->queue);
        j->phase = pa.tasks ? J_PRIO_COUNT : J_PRIO_PLACE;
        j->i = 0;
    }
    const uint32_t *tasks = pa.tasks, *prio = pa.priority;
    const uint32_t *off = pa.dep_off, *dep = pa.dep_ids;
    uint32_t *queue = j->queue, *count = j->count;
    int32_t *layer = L->layer;
    while (j->phase == J_PRIO_PLACE) {
        size_t e = block_end(deadline, j->i, n);
        uint32_t clash = 0;
        for (size_t i = j->i; i < e; i++) {
            uint32_t pr = prio[i] < n ? prio[i] : 0;   /* out of range: a clash */
            clash |= (queue[pr] != UINT32_MAX) | (prio[i] >= n);
            queue[pr] = (uint32_t)i;
        }
        j->i = e;
        if (clash) {   /* not a permutation after all: sort them */
            if (count_room(j, ng + 1) != 0)
                goto fail;
            count = j->count;
            j->phase = J_PRIO_COUNT;
            j->i = 0;
        } else if (e == n) {
            j->phase = J_WALK;
            j->i = 0;
            j->nlayers = 0;
        } else if (past(j, deadline)) {
            return 1;
        }
    }
    /* the tasks by priority: a counting sort (priorities are below ng; one
     * that is not goes last, bucket ng) */
    while (j->phase == J_PRIO_COUNT) {
        size_t e = block_end(deadline, j->i, n);
        for (size_t i = j->i; i < e; i++) {
            uint32_t t = tasks ? tasks[i] : (uint32_t)i;
            count[prio[t] < ng ? prio[t] : ng]++;
        }
        j->i = e;
        if (e == n) {
            j->phase = J_PRIO_SUM;
            j->i = j->sum = 0;
        } else if (past(j, deadline)) {
            return 1;
        }
    }
    while (j->phase == J_PRIO_SUM) {
        size_t e = block_end(deadline, j->i, ng + 1), sum = j->sum;
        for (size_t i = j->i; i < e; i++) {
            size_t c = count[i];
            count[i] = (uint32_t)sum;
            sum += c;
        }
        j->sum = sum;
        j->i = e;
        if (e == ng + 1) {
            j->phase = J_PRIO_SORT;
            j->i = 0;
        } else if (past(j, deadline)) {
            return 1;
        }
    }
    while (j->phase == J_PRIO_SORT) {
        size_t e = block_end(deadline, j->i, n);
        for (size_t i = j->i; i < e; i++) {
            uint32_t t = tasks ? tasks[i] : (uint32_t)i;
            queue[count[prio[t] < ng ? prio[t] : ng]++] = t;
        }
        j->i = e;
        if (e == n) {
            memset(count, 0, j->count_cap * sizeof *count);   /* from here: tasks per layer */
            j->phase = J_WALK;
            j->i = 0;
            j->nlayers = 0;
        } else if (past(j, deadline)) {
            return 1;
        }
    }
    /* layers: one past the deepest dependency's */
    while (j->phase == J_WALK) {
        size_t e = block_end(deadline, j->i, n), nl = j->nlayers;
        for (size_t i = j->i; i < e; i++) {
            uint32_t t = queue[i];
            int32_t deepest = -1, shallowest = INT32_MAX;
            for (uint32_t k = off[t]; k < off[t + 1]; k++) {
                int32_t l = layer[dep[k]];
                deepest = l > deepest ? l : deepest;
                shallowest = l < shallowest ? l : shallowest;
            }
            if (shallowest < 0) {   /* a dependency not laid out yet */
                uint32_t k = off[t];
                while (layer[dep[k]] >= 0)
                    k++;
                rc = dusk_error_set(err, DUSK_EINVAL,
                                    "gui layout: task %u comes before its dependency %u "
                                    "in the plan's priorities", t, dep[k]);
                goto fail;
            }
            uint32_t b = (uint32_t)(deepest + 1);
            layer[t] = (int32_t)b;
            if (b >= j->count_cap) {   /* a deeper plan than the room: double it */
                if (count_room(j, 2 * (size_t)b) != 0)
                    goto fail;
                count = j->count;
            }
            count[b]++;
            nl = b + 1 > nl ? b + 1 : nl;
            if (!L->layer_view || shallowest == INT32_MAX)
                continue;   /* no edge to keep */
            if (shallowest == deepest) {
                /* every dependency in layer b - 1 (most tasks): the edge
                 * (b - 1, b), which count[b]'s top bit says is kept */
                if (!(count[b] & ADJ_KEPT)) {
                    if (add_ledge(L, j, b - 1, b) != 0)
                        goto fail;
                    count[b] |= ADJ_KEPT;
                }
                continue;
            }
            for (uint32_t k = off[t]; k < off[t + 1]; k++) {
                uint32_t a = (uint32_t)layer[dep[k]];
                if (a + 1 == b && (count[b] & ADJ_KEPT))
                    continue;
                if (add_ledge(L, j, a, b) != 0)
                    goto fail;
                if (a + 1 == b)
                    count[b] |= ADJ_KEPT;
            }
        }
        j->nlayers = nl;
        j->i = e;
        if (e == n) {
            L->nlayers = nl;
            L->layer_start = dusk_malloc((nl + 1) * sizeof *L->layer_start);
            if (!L->layer_start)
                goto fail;
            L->layer_start[0] = 0;
            j->phase = J_LAYER_SUM;
            j->i = 0;
        } else if (past(j, deadline)) {
            return 1;
        }
    }
    /* each layer's first place in order, and its tasks placed so far
     * (count, from here); then whether the layers fold, and where each
     * one's first column is */
    while (j->phase == J_LAYER_SUM) {
        size_t e = block_end(deadline, j->i, L->nlayers);
        for (size_t l = j->i; l < e; l++) {
            uint32_t c = count[l] & ~ADJ_KEPT;
            if (c > L->widest)
                L->widest = c;
            L->layer_start[l + 1] = L->layer_start[l] + c;
            count[l] = 0;
        }
        j->i = e;
        if (e == L->nlayers) {
            size_t nl = L->nlayers;
            L->fold = L->layer_view ? 0 : dusk__fold_of(n, nl, L->layer_start);
            if (L->fold) {
                float at = 0;
                if (!(j->rowy = dusk_malloc(nl * sizeof *j->rowy)))
                    goto fail;
                for (size_t l = 0; l < nl; l++) {
                    size_t c = L->layer_start[l + 1] - L->layer_start[l];
                    j->rowy[l] = at;
                    at += (float)((c + L->fold - 1) / L->fold) + 0.5f;
                }
                L->fold_height = at - 0.5f;
            }
            j->phase = J_SLOTS;
            j->i = 0;
        } else if (past(j, deadline)) {
            return 1;
        }
    }
    /* order by (layer, priority), slots, and the nodes' positions: layers
     * are rows from the bottom up (visualize()'s BT), slots columns */
    while (j->phase == J_SLOTS) {
        size_t e = block_end(deadline, j->i, n);
        for (size_t i = j->i; i < e; i++) {
            uint32_t t = queue[i];
            uint32_t l = (uint32_t)layer[t], s = count[l]++;
            L->order[L->layer_start[l] + s] = t;
            if (L->fold) {
                L->x[t] = (float)(s % L->fold) * step;
                L->y[t] = (L->fold_height - 1 - j->rowy[l] - (float)(s / L->fold)) * step;
            } else if (!L->layer_view) {
                /* centred under the widest layer, as dot centres a rank */
                size_t c = L->layer_start[l + 1] - L->layer_start[l];
                L->x[t] = ((float)(L->widest - c) / 2 + (float)s) * step;
                L->y[t] = (float)(L->nlayers - 1 - l) * step;
            }
        }
        j->i = e;
        if (e == n) {
            j->phase = J_DONE;
        } else if (past(j, deadline)) {
            return 1;
        }
    }
    if (L->layer_view) {
        size_t nl = L->nlayers;
        L->x = dusk_malloc((nl ? nl : 1) * sizeof *L->x);
        L->y = dusk_malloc((nl ? nl : 1) * sizeof *L->y);
        if (!L->x || !L->y)
            goto fail;
        for (size_t l = 0; l < nl; l++) {
            L->x[l] = 0.0f;
            L->y[l] = (float)(nl - 1 - l) * step;
        }
    }
    L->height = L->nlayers ? (float)L->nlayers * step - DUSK__GAP : 1.0f;
    L->width = L->layer_view || !L->widest ? 1.0f : (float)L->widest * step - DUSK__GAP;
    if (L->fold) {
        L->height = L->fold_height * step - DUSK__GAP;
        L->width = (float)(L->widest < L->fold ? L->widest : L->fold) * step - DUSK__GAP;
    }
    dusk__layout_job_free(j);
    j->phase = J_DONE;
    return 0;
fail:
    if (rc == DUSK_ENOMEM)
        dusk_error_set(err, DUSK_ENOMEM, "gui layout: out of memory laying out %zu tasks",
                       L->ntasks);
    dusk__layout_job_free(j);
    j->phase = J_DONE;
    dusk__layout_free(L);
    return rc;
}

int dusk__layout_build(dusk__layout *L, const dusk_plan *p, size_t threshold, dusk_error *err)
{
    dusk__layout_job j = {0};
    return dusk__layout_job_run(L, &j, p, threshold, 0, err);
}
