/*
** dusk tests — Graphviz layouts of small runs (gui/layout.c's
** dusk__layout_graphviz, viz/plan.c's dusk_viz_layout_plan)
**
** A small plan laid out by Graphviz must read bottom to top as the layered
** layout does and as visualize() draws (rankdir BT: every dependency below
** its dependents, the inputs at the bottom), keep its nodes
** apart (no two unit squares overlap), inside the bounding box, and leave
** the layers, slots and static order as the layered layout made them.
** Past the threshold, in the layer view, or with Graphviz turned off, the
** layered positions stay.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk/viz.h"
#include "dusk/gui.h"
#include "gui/gui.h"
#include "helpers.h"

/* a -> b, a -> c, (b, c) -> d, plus a literal e that d also reads */
static dusk_graph *diamond(void)
{
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &dusk_inc, dusk_lit_int(1));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(g, "c", &dusk_inc, dusk_ref("a"));
    dusk_task(g, "bc", &dusk_add, dusk_ref("b"), dusk_ref("c"));
    dusk_graph_value(g, "e", dusk_int(5));
    dusk_task(g, "d", &dusk_add, dusk_ref("bc"), dusk_ref("e"));
    return g;
}

static dusk_plan *plan_of(dusk_graph *g, const char *key)
{
    dusk_plan *p;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_plan_new(g, &key, 1, &p, &err) != 0)
        fail_msg("dusk_plan_new: %s", err.msg);
    return p;
}

/* Checks that every dependency is below its dependents (y grows down). */
static void check_upwards(const dusk_plan *p, const dusk__layout *L)
{
    size_t n = dusk_plan_ntasks(p);
    const int64_t *t = dusk_plan_tasks(p);
    for (size_t i = 0; i < n; i++) {
        const int64_t *deps;
        int64_t nd = dusk_plan_dependencies(p, t[i], &deps);
        for (int64_t k = 0; k < nd; k++)
            if (!(L->y[deps[k]] >= L->y[t[i]] + 1.0f))
                fail_msg("task %s (y %g) is not above its input %s (y %g)",
                         dusk_plan_key(p, t[i]), L->y[t[i]], dusk_plan_key(p, deps[k]),
                         L->y[deps[k]]);
    }
}

/* Checks L's positions: edges bottom to top, no overlap, inside the box. */
static void check_positions(const dusk_plan *p, const dusk__layout *L)
{
    size_t n = dusk_plan_ntasks(p);
    const int64_t *t = dusk_plan_tasks(p);
    check_upwards(p, L);
    for (size_t i = 0; i < n; i++) {
        assert_true(L->x[t[i]] >= -1e-3f && L->y[t[i]] >= -1e-3f);
        assert_true(L->x[t[i]] + 1 <= L->width + 1e-3f && L->y[t[i]] + 1 <= L->height + 1e-3f);
        for (size_t j = i + 1; j < n; j++) {
            float dx = L->x[t[i]] - L->x[t[j]], dy = L->y[t[i]] - L->y[t[j]];
            if (!(dx >= 1 || dx <= -1 || dy >= 1 || dy <= -1))
                fail_msg("tasks %s and %s overlap: (%g, %g) and (%g, %g)",
                         dusk_plan_key(p, t[i]), dusk_plan_key(p, t[j]), L->x[t[i]],
                         L->y[t[i]], L->x[t[j]], L->y[t[j]]);
        }
    }
}

/* Lays p out with the layered layout, then Graphviz with max_tasks;
 * returns what dusk__layout_graphviz did; L holds the result, and the
 * layer and order arrays (so the slots too) are checked against the
 * layered ones. */
static int lay_out(const dusk_plan *p, size_t layer_view, size_t max_tasks, dusk__layout *L)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk__layout plain = {0};
    assert_int_equal(dusk__layout_build(&plain, p, layer_view, &err), 0);
    assert_int_equal(dusk__layout_build(L, p, layer_view, &err), 0);
    int rc = dusk__layout_graphviz(L, p, max_tasks, &err);
    if (rc < 0)
        fail_msg("dusk__layout_graphviz: %s", err.msg);
    size_t ng = L->ngraph, npos = L->layer_view ? L->nlayers : ng;
    assert_int_equal(L->graphviz, rc == 1);
    assert_memory_equal(L->layer, plain.layer, ng * sizeof *L->layer);
    assert_memory_equal(L->order, plain.order, L->ntasks * sizeof *L->order);
    assert_memory_equal(L->layer_start, plain.layer_start,
                        (L->nlayers + 1) * sizeof *L->layer_start);
    if (rc == 0) {   /* the layered positions, untouched */
        for (size_t i = 0; i < L->ntasks; i++) {
            size_t k = L->layer_view ? (size_t)L->layer[L->order[i]] : (size_t)L->order[i];
            assert_true(L->x[k] == plain.x[k] && L->y[k] == plain.y[k]);
        }
        assert_true(L->width == plain.width && L->height == plain.height);
    }
    (void)npos;
    dusk__layout_free(&plain);
    return rc;
}

static void test_diamond(void **state)
{
    (void)state;
    dusk_graph *g = diamond();
    dusk_plan *p = plan_of(g, "d");
    dusk__layout L = {0};
    assert_int_equal(lay_out(p, 100000, 0, &L), 1);   /* 0: the default threshold */
    check_positions(p, &L);
    /* b and c: one rank, side by side */
    int64_t b = dusk_graph_find(g, "b"), c = dusk_graph_find(g, "c");
    assert_true(L.y[b] == L.y[c]);
    assert_true(L.x[b] != L.x[c]);
    dusk__layout_free(&L);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

static void test_tree(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(32, &root);   /* 63 tasks */
    dusk_plan *p = plan_of(g, root);
    dusk__layout L = {0};
    assert_int_equal(lay_out(p, 100000, 63, &L), 1);   /* at the threshold: Graphviz */
    check_positions(p, &L);
    /* the leaves share the bottom rank, the root is alone at the top */
    int64_t top = dusk_graph_find(g, root), leaf = dusk_graph_find(g, "inc-0");
    for (size_t i = 0; i < L.ntasks; i++) {
        int64_t t = L.order[i];
        if (L.layer[t] == 0)
            assert_true(L.y[t] == L.y[leaf]);
        if (t != top)
            assert_true(L.y[t] > L.y[top]);
    }
    dusk__layout_free(&L);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

/* Past the threshold, in the layer view or turned off: the layered layout. */
static void test_layered_otherwise(void **state)
{
    (void)state;
    const char *root;
    dusk_graph *g = tree_graph(32, &root);
    dusk_plan *p = plan_of(g, root);
    dusk__layout L = {0};
    assert_int_equal(lay_out(p, 100000, 62, &L), 0);   /* one task too many */
    dusk__layout_free(&L);
    assert_int_equal(lay_out(p, 50, 1000, &L), 0);     /* the layer view */
    assert_true(L.layer_view);
    dusk__layout_free(&L);
    assert_int_equal(lay_out(p, 100000, DUSK_VIEWER_NO_GRAPHVIZ, &L), 0);
    dusk__layout_free(&L);
    dusk_plan_unref(p);
    dusk_graph_free(g);
    /* the default threshold: 511 tasks are more than it */
    g = tree_graph(256, &root);
    p = plan_of(g, root);
    assert_true(dusk_plan_ntasks(p) > DUSK_VIEWER_GRAPHVIZ_THRESHOLD);
    assert_int_equal(lay_out(p, 100000, 0, &L), 0);
    dusk__layout_free(&L);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

/* dot makes room for each edge that skips ranks, which can spread a row
 * far wider than its tasks: x - x.mean(axis=0)'s shape on 16 blocks (each
 * block's edge to its difference passes the chunk means and their
 * aggregates) draws 40 units wide by dot, 23.5 by the layered layout,
 * whose nodes are then kept (1.5 times as large or more in a panel 1.6
 * times as wide as tall). */
static void test_dot_too_wide(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    const char *keys[16];
    char name[16][16];
    for (int i = 0; i < 16; i++) {
        char a[16], b[16];
        snprintf(a, sizeof a, "x-%d", i);
        snprintf(b, sizeof b, "chunk-%d", i);
        dusk_task(g, a, &dusk_inc, dusk_lit_int(i));
        dusk_task(g, b, &dusk_inc, dusk_ref(a));
    }
    for (int j = 0; j < 4; j++) {
        char c[16], b[4][16];
        for (int k = 0; k < 4; k++)
            snprintf(b[k], sizeof b[k], "chunk-%d", 4 * k + j);
        snprintf(c, sizeof c, "agg-%d", j);
        dusk_task(g, c, &dusk_sum,
                  dusk_list(dusk_ref(b[0]), dusk_ref(b[1]), dusk_ref(b[2]), dusk_ref(b[3])));
    }
    for (int i = 0; i < 16; i++) {
        char a[16], c[16];
        snprintf(a, sizeof a, "x-%d", i);
        snprintf(c, sizeof c, "agg-%d", i % 4);
        snprintf(name[i], sizeof name[i], "sub-%d", i);
        dusk_task(g, name[i], &dusk_sub, dusk_ref(a), dusk_ref(c));
        keys[i] = name[i];
    }
    dusk_plan *p;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, keys, 16, &p, &err), 0);
    dusk__layout L = {0};
    assert_int_equal(lay_out(p, 100000, 1000, &L), 0);   /* the layered positions */
    assert_true(L.width == 16 * 1.5f - 0.5f && L.height == 4 * 1.5f - 0.5f);
    dusk__layout_free(&L);
    dusk_viz_layout *vl;   /* what dot made of it */
    assert_int_equal(dusk_viz_layout_plan(p, NULL, &vl, &err), 0);
    double w, h;
    dusk_viz_layout_bbox(vl, &w, &h);
    assert_true(fmin(1.6 * 36 / w, 36 / h) * 1.5 <= fmin(1.6 / (16 * 1.5 - 0.5), 1 / 5.5));
    dusk_viz_layout_free(vl);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

/* dusk_viz_layout_plan itself: one node per task, all the same size,
 * edges from inputs to users; bad options named. */
static void test_viz_layout_plan(void **state)
{
    (void)state;
    dusk_graph *g = diamond();
    dusk_plan *p = plan_of(g, "d");
    dusk_viz_layout *l;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viz_layout_plan(p, NULL, &l, &err), 0);
    size_t nn, ne;
    const dusk_viz_node *nodes = dusk_viz_layout_nodes(l, &nn);
    const dusk_viz_edge *edges = dusk_viz_layout_edges(l, &ne);
    assert_int_equal(nn, dusk_plan_ntasks(p));
    assert_int_equal(ne, 6);   /* a-b, a-c, b-bc, c-bc, bc-d, e-d */
    for (size_t k = 0; k < ne; k++) {   /* from an input to its user */
        const int64_t *deps;
        int64_t nd = dusk_plan_dependencies(p, nodes[edges[k].head].task, &deps), j = 0;
        while (j < nd && deps[j] != nodes[edges[k].tail].task)
            j++;
        assert_true(j < nd);
    }
    for (size_t i = 0; i < nn; i++) {
        assert_true(nodes[i].width == 36 && nodes[i].height == 36);
        int64_t t = nodes[i].task;
        assert_true(dusk_plan_contains(p, t));
        assert_int_equal(nodes[i].kind, dusk_plan_entry_kind(p, t) == DUSK_ENTRY_TASK
                                            ? DUSK_VIZ_NODE_TASK
                                            : DUSK_VIZ_NODE_RESULT);
    }
    dusk_viz_layout_free(l);
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.rankdir = "XY";
    assert_int_equal(dusk_viz_layout_plan(p, &o, &l, &err), DUSK_EINVAL);
    assert_contains(err.msg, "'XY'");
    assert_null(l);
    o.rankdir = NULL;
    o.color = DUSK_VIZ_COLOR_ORDER;
    assert_int_equal(dusk_viz_layout_plan(p, &o, &l, &err), DUSK_EINVAL);
    assert_contains(err.msg, "'order'");
    o.color = DUSK_VIZ_COLOR_NONE;
    o.view = DUSK_VIZ_LAYERS;
    assert_int_equal(dusk_viz_layout_plan(p, &o, &l, &err), DUSK_EINVAL);
    assert_contains(err.msg, "view");
    dusk_plan *empty;
    assert_int_equal(dusk_plan_new(g, NULL, 0, &empty, &err), 0);
    assert_int_equal(dusk_viz_layout_plan(empty, NULL, &l, &err), DUSK_EEMPTY);
    assert_contains(err.msg, "no tasks");
    dusk_plan_unref(empty);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

/* The window draws as visualize() does (rankdir BT, viz.h): inputs at the
 * bottom, results at the top, by Graphviz and by the layered layout
 * alike. 30 chains of 3 tasks into one sum, as an array job is (few
 * layers of many tasks): wider than tall, layer 0 the bottom row; the
 * window's Graphviz positions are the ones visualize's layout gives
 * (dusk_viz_layout_plan with no options), scaled to units. */
static void test_drawn_as_visualize(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    dusk_arg *ends[30];
    for (int i = 0; i < 30; i++) {
        char a[16], b[16], c[16];
        snprintf(a, sizeof a, "a%d", i);
        snprintf(b, sizeof b, "b%d", i);
        snprintf(c, sizeof c, "c%d", i);
        dusk_task(g, a, &dusk_inc, dusk_lit_int(i));
        dusk_task(g, b, &dusk_inc, dusk_ref(a));
        dusk_task(g, c, &dusk_inc, dusk_ref(b));
        ends[i] = dusk_ref(c);
    }
    dusk_task(g, "total", &dusk_sum, dusk_listv(30, ends));
    dusk_plan *p = plan_of(g, "total");
    int64_t total = dusk_graph_find(g, "total"), a0 = dusk_graph_find(g, "a0");
    for (size_t max = 0; max <= 1000; max += 1000) {   /* layered, then Graphviz */
        dusk__layout L = {0};
        assert_int_equal(lay_out(p, 100000, max ? max : DUSK_VIEWER_NO_GRAPHVIZ, &L), max != 0);
        check_positions(p, &L);
        assert_true(L.width > 1.5f * L.height);
        assert_true(L.y[a0] + 1 >= L.height - 1e-3f);   /* an input on the bottom row */
        assert_true(L.y[total] < 1e-3f);                 /* the result on the top one */
        dusk__layout_free(&L);
    }
    /* the layered layout's rows: slot s at x = 1.5 s, centred (the sum:
     * 14.5 slots in, under the middle of the 30 below), layer l at
     * y = 1.5 (nlayers - 1 - l) */
    dusk__layout L = {0};
    lay_out(p, 100000, DUSK_VIEWER_NO_GRAPHVIZ, &L);
    assert_int_equal(L.nlayers, 4);
    for (size_t l = 0; l < L.nlayers; l++)
        for (size_t k = L.layer_start[l]; k < L.layer_start[l + 1]; k++) {
            uint32_t t = L.order[k];
            float c = (float)(L.layer_start[l + 1] - L.layer_start[l]);
            assert_true(L.x[t] == 1.5f * ((30 - c) / 2 + (float)(k - L.layer_start[l])));
            assert_true(L.y[t] == 1.5f * (float)(L.nlayers - 1 - l));
        }
    assert_true(L.width == 30 * 1.5f - 0.5f && L.height == 4 * 1.5f - 0.5f);
    assert_true(L.x[total] == 1.5f * 14.5f);
    dusk__layout_free(&L);
    /* the same positions as visualize's own layout of the plan */
    assert_int_equal(lay_out(p, 100000, 1000, &L), 1);
    dusk_viz_layout *vl;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viz_layout_plan(p, NULL, &vl, &err), 0);
    size_t nn;
    const dusk_viz_node *nodes = dusk_viz_layout_nodes(vl, &nn);
    assert_int_equal(nn, L.ntasks);
    for (size_t i = 0; i < nn; i++) {
        int64_t t = nodes[i].task;
        assert_float_equal(L.x[t], nodes[i].x / 36 - 0.5, 1e-3);
        assert_float_equal(L.y[t], nodes[i].y / 36 - 0.5, 1e-3);
    }
    dusk_viz_layout_free(vl);
    dusk__layout_free(&L);
    /* a chain: a column, its input at the bottom */
    dusk_plan *chain = plan_of(g, "c0");
    lay_out(chain, 100000, DUSK_VIEWER_NO_GRAPHVIZ, &L);
    int64_t b0 = dusk_graph_find(g, "b0"), c0 = dusk_graph_find(g, "c0");
    assert_true(L.x[a0] == L.x[b0] && L.x[b0] == L.x[c0]);
    assert_true(L.y[a0] > L.y[b0] && L.y[b0] > L.y[c0]);
    assert_true(L.height > L.width);
    dusk__layout_free(&L);
    dusk_plan_unref(chain);
    dusk_plan_unref(p);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diamond),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_layered_otherwise),
        cmocka_unit_test(test_dot_too_wide),
        cmocka_unit_test(test_viz_layout_plan),
        cmocka_unit_test(test_drawn_as_visualize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
