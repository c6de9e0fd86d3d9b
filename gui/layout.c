/*
** dusk gui — the layered layout, in time linear in tasks and edges
**
** Layer: dependency depth, by Kahn's walk over the plan's dependents (a
** task's layer is one past its deepest dependency's, so every edge goes
** from a lower layer to a higher one). Order within a layer: static
** priority (dusk_plan_priority), by a counting sort over the priorities
** (they are below the graph's size) followed by a stable counting sort on
** the layer. Nothing here is quadratic or sorts by comparison, so 100,000
** tasks lay out in milliseconds (bench/gui.c: gui.layout.100k). A job
** (dusk__layout_job_run) does it in steps that stop at a deadline, so that
** a window pumping a bounded time a frame lays a big plan out over a few
** frames rather than taking the cores from the run for one long one.
**
** Small runs are then laid out again by Graphviz (dusk__layout_graphviz):
** dot's ranking, crossing minimisation and spacing read better than
** columns of squares, but its time grows much faster than linearly, so
** only up to a threshold (DUSK_VIEWER_GRAPHVIZ_THRESHOLD, measured). It
** lays the plan out through libdusk-viz left to right, every node a
** 36-point square, and 36 points become one layout unit. libdusk-viz
** already flips Graphviz's y (origin at the top left), so the only
** mapping is the scale and the shift from a node's centre to its corner.
*/
#include <string.h>

#include "dusk/viz.h"
#include "gui.h"

void dusk__layout_free(dusk__layout *L)
{
    dusk_free(L->layer);
    dusk_free(L->slot);
    dusk_free(L->layer_start);
    dusk_free(L->order);
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
    o.rankdir = "LR";   /* dependencies on the left, as in the layered view */
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
    dusk_free(L->x);
    dusk_free(L->y);
    L->x = x;
    L->y = y;
    x = y = NULL;
    L->width = (float)(w / GV_UNIT);
    L->height = (float)(h / GV_UNIT);
    L->graphviz = 1;
    rc = 1;
done:
    dusk_free(x);
    dusk_free(y);
    dusk_viz_layout_free(gv);
    return rc;
}

/* Whether a job that has just done step i of a loop must stop for its
 * deadline (0: none): the clock is read every 4,096 steps, after a step,
 * so that every call makes progress. */
static inline int due(const dusk__layout_job *j, uint64_t deadline, size_t i)
{
    return deadline && (i & 4095u) == 4095u &&
           (j->now ? j->now(j->now_ud) : dusk_now_ns()) >= deadline;
}

void dusk__layout_job_free(dusk__layout_job *j)
{
    dusk_free(j->queue);
    dusk_free(j->indeg);
    dusk_free(j->count);
    memset(j, 0, sizeof *j);
}

/* The phases of a job, each a loop that may stop for the deadline at any
 * step (j->i, or j->head in Kahn's walk, says where it resumes). */
enum { J_ALLOC, J_UNSET, J_ROOTS, J_WALK, J_PRIO, J_PRIO_SUM, J_PRIO_SORT, J_LAYER_COUNT,
       J_LAYER_SUM, J_SLOTS, J_POS, J_LEDGES, J_DONE };

int dusk__layout_job_run(dusk__layout *L, dusk__layout_job *j, const dusk_plan *p,
                         size_t threshold, uint64_t deadline, dusk_error *err)
{
    size_t ng = dusk_plan_graph_size(p), n = dusk_plan_ntasks(p);
    const int64_t *tasks = dusk_plan_tasks(p);
    int rc = DUSK_ENOMEM;
    if (j->phase == J_ALLOC) {
        dusk__layout_free(L);
        L->ngraph = ng;
        L->ntasks = n;
        L->layer = dusk_malloc((ng ? ng : 1) * sizeof *L->layer);
        L->slot = dusk_malloc((ng ? ng : 1) * sizeof *L->slot);
        L->order = dusk_malloc((n ? n : 1) * sizeof *L->order);
        j->queue = dusk_malloc((n ? n : 1) * sizeof *j->queue);
        j->indeg = dusk_malloc((ng ? ng : 1) * sizeof *j->indeg);
        j->count = dusk_calloc(ng + 1, sizeof *j->count);
        if (!L->layer || !L->slot || !L->order || !j->queue || !j->indeg || !j->count ||
            (n && !tasks))
            goto fail;
        j->phase = J_UNSET;
        j->i = 0;
    }
    int64_t *queue = j->queue;
    size_t *count = j->count;
    if (j->phase == J_UNSET) {
        for (size_t i = j->i; i < ng; i++) {
            L->layer[i] = -1;
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
        j->phase = J_ROOTS;
        j->i = 0;
        j->nlayers = n ? 1 : 0;
    }
    /* layers: Kahn's walk from the tasks with no dependencies */
    if (j->phase == J_ROOTS) {
        for (size_t i = j->i; i < n; i++) {
            const int64_t *ids;
            int64_t nd = dusk_plan_dependencies(p, tasks[i], &ids);
            if (nd < 0)
                goto fail;
            j->indeg[tasks[i]] = (int32_t)nd;
            L->layer[tasks[i]] = 0;
            if (nd == 0)
                queue[j->tail++] = tasks[i];
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
        j->phase = J_WALK;
    }
    if (j->phase == J_WALK) {
        while (j->head < j->tail) {
            int64_t t = queue[j->head++];
            const int64_t *ids;
            int64_t nd = dusk_plan_dependents(p, t, &ids);
            if (nd < 0)
                goto fail;
            for (int64_t k = 0; k < nd; k++) {
                int64_t d = ids[k];
                if (L->layer[d] < L->layer[t] + 1)
                    L->layer[d] = L->layer[t] + 1;
                if (--j->indeg[d] == 0) {
                    queue[j->tail++] = d;
                    if ((size_t)L->layer[d] + 1 > j->nlayers)
                        j->nlayers = (size_t)L->layer[d] + 1;
                }
            }
            if (due(j, deadline, j->head - 1))
                return 1;
        }
        if (j->tail != n) {
            rc = dusk_error_set(err, DUSK_EINVAL,
                                "gui layout: the plan's dependencies form a cycle (%zu of %zu "
                                "tasks laid out)", j->tail, n);
            goto fail;
        }
        j->phase = J_PRIO;
        j->i = 0;
    }
    /* by priority: counting sort of the tasks on their priority */
    if (j->phase == J_PRIO) {
        /* each task's bucket kept in indeg (the walk is done with it), so
         * that the plan is asked once a task */
        for (size_t i = j->i; i < n; i++) {
            int64_t pr = dusk_plan_priority(p, tasks[i]);
            size_t b = pr >= 0 && (uint64_t)pr < ng ? (size_t)pr : ng;
            j->indeg[tasks[i]] = (int32_t)(uint32_t)b;
            count[b]++;
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
        j->phase = J_PRIO_SUM;
        j->i = j->sum = 0;
    }
    if (j->phase == J_PRIO_SUM) {
        for (size_t i = j->i; i <= ng; i++) {
            size_t c = count[i];
            count[i] = j->sum;
            j->sum += c;
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
        j->phase = J_PRIO_SORT;
        j->i = 0;
    }
    if (j->phase == J_PRIO_SORT) {
        for (size_t i = j->i; i < n; i++) {
            queue[count[(uint32_t)j->indeg[tasks[i]]]++] = tasks[i];
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
        j->phase = J_LAYER_COUNT;
        j->i = 0;
        L->nlayers = j->nlayers;
        L->layer_start = dusk_calloc(j->nlayers + 1, sizeof *L->layer_start);
        if (!L->layer_start)
            goto fail;
    }
    /* ... then stably by layer */
    if (j->phase == J_LAYER_COUNT) {
        for (size_t i = j->i; i < n; i++) {
            L->layer_start[L->layer[queue[i]] + 1]++;
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
        j->phase = J_LAYER_SUM;
        j->i = 0;
    }
    if (j->phase == J_LAYER_SUM) {
        for (size_t l = j->i; l < L->nlayers; l++) {
            if (L->layer_start[l + 1] > L->widest)
                L->widest = L->layer_start[l + 1];
            L->layer_start[l + 1] += L->layer_start[l];
            if (due(j, deadline, l)) {
                j->i = l + 1;
                return 1;
            }
        }
        memset(count, 0, (L->nlayers + 1) * sizeof *count);   /* per layer: filled so far */
        j->phase = J_SLOTS;
        j->i = 0;
    }
    if (j->phase == J_SLOTS) {
        for (size_t i = j->i; i < n; i++) {
            int64_t t = queue[i];
            size_t l = (size_t)L->layer[t];
            L->slot[t] = (int32_t)count[l];
            L->order[L->layer_start[l] + count[l]++] = t;
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
        L->layer_view = n > threshold;
        /* positions: layers are columns, slots rows */
        size_t npos = L->layer_view ? L->nlayers : ng;
        L->x = dusk_malloc((npos ? npos : 1) * sizeof *L->x);
        L->y = dusk_malloc((npos ? npos : 1) * sizeof *L->y);
        if (!L->x || !L->y)
            goto fail;
        j->phase = J_POS;
        j->i = 0;
    }
    if (j->phase == J_POS) {
        float step = 1.0f + DUSK__GAP;
        if (L->layer_view) {
            for (size_t l = 0; l < L->nlayers; l++) {
                L->x[l] = (float)l * step;
                L->y[l] = 0.0f;
            }
        } else {
            for (size_t i = j->i; i < n; i++) {
                int64_t t = L->order[i];
                L->x[t] = (float)L->layer[t] * step;
                L->y[t] = (float)L->slot[t] * step;
                if (due(j, deadline, i)) {
                    j->i = i + 1;
                    return 1;
                }
            }
        }
        L->width = L->nlayers ? (float)L->nlayers * step - DUSK__GAP : 1.0f;
        L->height = L->layer_view || !L->widest ? 1.0f : (float)L->widest * step - DUSK__GAP;
        j->phase = J_LEDGES;
        j->i = 0;
        /* count[a] == b + 1: the pair (a, b) is kept (tasks come layer by layer) */
        memset(count, 0, (L->nlayers + 1) * sizeof *count);
    }
    if (j->phase == J_LEDGES && L->layer_view) {
        for (size_t i = j->i; i < n; i++) {
            int64_t t = L->order[i];
            uint32_t b = (uint32_t)L->layer[t];
            const int64_t *ids;
            int64_t nd = dusk_plan_dependencies(p, t, &ids);
            for (int64_t k = 0; k < nd; k++) {
                uint32_t a = (uint32_t)L->layer[ids[k]];
                if (count[a] == (size_t)b + 1)
                    continue;
                count[a] = (size_t)b + 1;
                if (2 * L->nledges == j->ledges_cap) {
                    size_t cap = j->ledges_cap ? 2 * j->ledges_cap : 64;
                    uint32_t *e = dusk_realloc(L->ledges, cap * sizeof *e);
                    if (!e)
                        goto fail;
                    L->ledges = e;
                    j->ledges_cap = cap;
                }
                L->ledges[2 * L->nledges] = a;
                L->ledges[2 * L->nledges + 1] = b;
                L->nledges++;
            }
            if (due(j, deadline, i)) {
                j->i = i + 1;
                return 1;
            }
        }
    }
    if (j->phase == J_LEDGES) {
        dusk__layout_job_free(j);
        j->phase = J_DONE;
    }
    return 0;
fail:
    if (rc == DUSK_ENOMEM)
        dusk_error_set(err, DUSK_ENOMEM, "gui layout: out of memory laying out %zu tasks", n);
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

void dusk__layout_orient(dusk__layout *L)
{
    if (L->layer_view || L->vertical || !L->x || L->height <= 1.5f * L->width)
        return;
    float *t = L->x;
    L->x = L->y;
    L->y = t;
    float w = L->width;
    L->width = L->height;
    L->height = w;
    L->vertical = 1;
}
