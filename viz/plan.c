/*
** dusk viz — a plan laid out by Graphviz, one node per task (for the viewer)
**
** The live viewer holds a run's plan, not its graph (the graph may have
** changed or gone since), and draws every task as one square that it
** recolours. So this picture is the collapse_outputs task view of the
** plan: one node per task of the plan ("k<id>", a circle for a task, a
** box for a literal or an alias), an edge from each dependency to each
** dependent, built as a scene and laid out by the same path as
** dusk_viz_layout_graph (dusk__scene_defaults, dusk__gv_layout under the
** Graphviz lock). Every node has the same fixed size, 0.5 inch, whatever
** its label: Graphviz then spaces equal marks, which is what a program
** drawing equal squares needs.
*/
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/plan.h"
#include "scene.h"

/* The label: what a task does (Dask's key_split for tuple keys, else the
 * function's name), a literal's or an alias's key; verbose: every key. */
static const char *plan_label(dusk__viz_scene *s, const dusk_plan *p, int64_t id, int verbose)
{
    const char *key = dusk_plan_key(p, id);
    const dusk_func *f = dusk_plan_func(p, id);
    char name[256];
    if (verbose || dusk_plan_entry_kind(p, id) != DUSK_ENTRY_TASK)
        snprintf(name, sizeof name, "%s", key ? key : "?");
    else if ((key && key[0] == '(') || !f || !f->name)
        dusk_key_split(key ? key : "?", name, sizeof name);
    else
        snprintf(name, sizeof name, "%s", f->name);
    dusk__buf b = {0};
    dusk__buf_esc(&b, name);
    return dusk__scene_take(s, &b);
}

int dusk_viz_layout_plan(const dusk_plan *p, const dusk_viz_options *o, dusk_viz_layout **out,
                         dusk_error *err)
{
    if (out)
        *out = NULL;
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, out);
    static const dusk_viz_options defaults = DUSK_VIZ_OPTIONS_INIT;
    dusk__viz_ctx c;
    memset(&c, 0, sizeof c);
    c.o = o ? *o : defaults;
    c.rankdir = c.o.rankdir ? c.o.rankdir : "BT";
    if (strcmp(c.rankdir, "BT") && strcmp(c.rankdir, "TB") && strcmp(c.rankdir, "LR") &&
        strcmp(c.rankdir, "RL"))
        return dusk_error_set(err, DUSK_EINVAL,
                              "dusk_viz_layout_plan: rankdir '%s' is not BT, TB, LR or RL",
                              c.rankdir);
    if (c.o.color != DUSK_VIZ_COLOR_NONE)
        return dusk_error_set(err, DUSK_EINVAL,
                              "dusk_viz_layout_plan: colour mode '%s': a plan is laid out "
                              "uncoloured (dusk_viz_layout_graph colours a graph)",
                              dusk_viz_color_name(c.o.color));
    if (c.o.view != DUSK_VIZ_AUTO && c.o.view != DUSK_VIZ_TASKS)
        return dusk_error_set(err, DUSK_EINVAL,
                              "dusk_viz_layout_plan: view %d: a plan is laid out task by task",
                              (int)c.o.view);
    if ((int)c.o.layout < 0 || c.o.layout > DUSK_VIZ_LAYOUT_LAYERED)
        return dusk_error_set(err, DUSK_EINVAL,
                              "dusk_viz_layout_plan: unknown layout %d (DUSK_VIZ_LAYOUT_AUTO, "
                              "DUSK_VIZ_LAYOUT_DOT or DUSK_VIZ_LAYOUT_LAYERED)",
                              (int)c.o.layout);
    c.threshold = c.o.threshold ? c.o.threshold : DUSK_VIZ_THRESHOLD;
    size_t n = dusk_plan_ntasks(p), ng = dusk_plan_graph_size(p);
    if (n == 0)
        return dusk_error_set(err, DUSK_EEMPTY, "dusk_viz_layout_plan: the plan has no tasks");
    const int64_t *tasks = dusk_plan_tasks(p);
    size_t *node = dusk_malloc(ng * sizeof *node);
    dusk__viz_scene s;
    dusk__scene_init(&s);
    dusk_viz_layout *l = NULL;
    int rc;
    if (!tasks || !node) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "dusk_viz_layout_plan: out of memory (%zu tasks)",
                            n);
        goto done;
    }
    for (size_t i = 0; i < n && !s.oom; i++) {
        int64_t id = tasks[i];
        char name[32];
        snprintf(name, sizeof name, "k%lld", (long long)id);
        size_t k = node[id] = dusk__scene_node(&s, name);
        if (k == (size_t)-1)
            break;
        int task = dusk_plan_entry_kind(p, id) == DUSK_ENTRY_TASK;
        dusk__scene_meta(&s, k, task ? DUSK_VIZ_NODE_TASK : DUSK_VIZ_NODE_RESULT, id, NULL);
        dusk__scene_set(&s, k, DUSK__NA_LABEL, plan_label(&s, p, id, c.o.verbose));
        dusk__scene_set(&s, k, DUSK__NA_SHAPE, task ? "circle" : "box");
        dusk__scene_set(&s, k, DUSK__NA_FIXEDSIZE, "true");
        dusk__scene_set(&s, k, DUSK__NA_WIDTH, "0.5");
        dusk__scene_set(&s, k, DUSK__NA_HEIGHT, "0.5");
    }
    /* edges once every node exists: tasks are in id order, and an input's
     * id is not always below its user's */
    for (size_t i = 0; i < n && !s.oom; i++) {
        const int64_t *deps;
        int64_t nd = dusk_plan_dependencies(p, tasks[i], &deps);
        if (nd < 0) {
            rc = dusk_error_set(err, DUSK_ENOMEM, "dusk_viz_layout_plan: out of memory");
            goto done;
        }
        for (int64_t j = 0; j < nd; j++)
            dusk__scene_edge(&s, node[deps[j]], node[tasks[i]]);
    }
    if ((rc = dusk__scene_status(&s, err)))
        goto done;
    int layered = dusk__want_layered(c.o.layout, &s);
    dusk__scene_defaults(&s, &c, s.nnodes, layered);
    if (layered) {
        /* the plan's priorities, by graph id, order the layers first */
        int64_t *prio = dusk_malloc(ng * sizeof *prio);
        if (!prio) {
            rc = dusk_error_set(err, DUSK_ENOMEM, "dusk_viz_layout_plan: out of memory");
            goto done;
        }
        for (size_t i = 0; i < ng; i++)
            prio[i] = (int64_t)i;
        for (size_t i = 0; i < n; i++)
            prio[tasks[i]] = dusk_plan_priority(p, tasks[i]);
        rc = dusk__scene_layered(&s, c.rankdir, prio, ng, err);
        dusk_free(prio);
        if (rc)
            goto done;
    }
    if (!(l = dusk_calloc(1, sizeof *l))) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "dusk_viz_layout_plan: out of memory");
        goto done;
    }
    l->view = DUSK_VIZ_TASKS;
    if ((rc = dusk__gv_layout(&s, l, err)) == 0) {
        *out = l;
        l = NULL;
    }
done:
    dusk_viz_layout_free(l);
    dusk__scene_free(&s);
    dusk_free(node);
    return rc;
}
