/*
** dusk tests — the public headers from C++ (tests/cxx/test_cxx.cpp)
**
** dusk's headers are C11, but a C++ program must be able to include them
** and use their macros as a C program does: dusk_task and dusk_list (which
** in C make a compound-literal array, something g++ refuses in C++),
** DUSK_SHAPE and the index macros. The Makefile compiles this file with
** g++ and with clang++ (-std=c++17 -Wall -Wextra -pedantic -Wshadow, and
** -Werror under WERROR=1) against include/ only, as a user outside the
** tree would, and runs both programs; `make installcheck` builds it again
** against an installed dusk through pkg-config.
**
** It builds and runs the lecture's graphs (dsk: get(dsk, 'z') == 13;
** dsk2: 'c' == 3, 'd' == 6, ['a', 'b', 'c'] == (1, 2, 3)) on both
** schedulers, a task written in C++, the builders' error rules, and a
** chunked array sliced with the index macros, checked element by element.
*/
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <csetjmp>
#include <cstring>
extern "C" {   /* cmocka 1.1's header has no extern "C" of its own */
#include <cmocka.h>
}

#include <dusk.h>
#include <dusk/gui.h>

namespace {

/* The value's repr must be want; takes v over. */
void expect_repr(dusk_value *v, const char *want)
{
    char buf[256];
    dusk_value_repr(v, buf, sizeof buf);
    dusk_value_unref(v);
    if (std::strcmp(buf, want) != 0)
        fail_msg("got %s, want %s", buf, want);
}

dusk_options options(dusk_sched_kind kind)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = kind;
    o.workers = kind == DUSK_SCHED_THREADS ? 3 : 0;
    return o;
}

const dusk_sched_kind KINDS[] = {DUSK_SCHED_SYNC, DUSK_SCHED_THREADS};

/* dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'),
 *        'z': (add, 'b', 'y')}; get(dsk, 'z') == 13 */
void lecture_dsk(void **)
{
    dusk_graph *dsk = dusk_graph_new();
    dusk_graph_value(dsk, "a", dusk_int(1));
    dusk_graph_value(dsk, "x", dusk_int(10));
    dusk_task(dsk, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(dsk, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(dsk, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_status(dsk, &err), 0);
    assert_int_equal(dusk_graph_size(dsk), 5);
    for (dusk_sched_kind kind : KINDS) {
        dusk_options o = options(kind);
        dusk_value *z = nullptr;
        if (dusk_get(dsk, "z", &o, &z, &err) != 0)
            fail_msg("get(dsk, 'z'): %s", err.msg);
        expect_repr(z, "13");
    }
    /* 'z' depends on 'b' and 'y', in that order */
    const int64_t *deps;
    assert_int_equal(dusk_graph_dependencies(dsk, dusk_graph_find(dsk, "z"), &deps), 2);
    assert_string_equal(dusk_graph_key(dsk, deps[0]), "b");
    assert_string_equal(dusk_graph_key(dsk, deps[1]), "y");
    dusk_graph_free(dsk);
}

/* dsk2 = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'), 'd': (sum, ['a', 'b', 'c'])} */
void lecture_dsk2(void **)
{
    dusk_graph *dsk2 = dusk_graph_new();
    dusk_graph_value(dsk2, "a", dusk_int(1));
    dusk_graph_value(dsk2, "b", dusk_int(2));
    dusk_task(dsk2, "c", &dusk_add, dusk_ref("a"), dusk_ref("b"));
    dusk_task(dsk2, "d", &dusk_sum, dusk_list(dusk_ref("a"), dusk_ref("b"), dusk_ref("c")));
    /* a list keeps its items in the order written, nested lists too */
    dusk_task(dsk2, "l", &dusk_identity,
              dusk_list(dusk_ref("c"), dusk_lit_int(7), dusk_list(dusk_ref("a"), dusk_lit_str("s")),
                        dusk_list()));
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_status(dsk2, &err), 0);
    const char *keys[] = {"a", "b", "c"};
    for (dusk_sched_kind kind : KINDS) {
        dusk_options o = options(kind);
        dusk_value *v = nullptr;
        assert_int_equal(dusk_get(dsk2, "c", &o, &v, &err), 0);
        expect_repr(v, "3");
        assert_int_equal(dusk_get(dsk2, "d", &o, &v, &err), 0);
        expect_repr(v, "6");
        assert_int_equal(dusk_get_list(dsk2, keys, 3, &o, &v, &err), 0);
        expect_repr(v, "(1, 2, 3)");
        assert_int_equal(dusk_get(dsk2, "l", &o, &v, &err), 0);
        expect_repr(v, "(3, 7, (1, 's'), ())");
        /* a missing key is an error naming it */
        assert_int_equal(dusk_get(dsk2, "q", &o, &v, &err), DUSK_ENOKEY);
        if (!std::strstr(err.msg, "'q'"))
            fail_msg("the message does not name 'q': %s", err.msg);
    }
    dusk_graph_free(dsk2);
}

/* A task function written in C++: a captureless lambda, with its user
 * data a C++ object. */
struct scale {
    int64_t by;
};

void cxx_task(void **)
{
    static const scale times3 = {3};
    static const dusk_func scaled = {
        "scaled",
        [](dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
           void *ud) -> int {
            if (nargs != 1 || dusk_value_kind(args[0]) != DUSK_KIND_INT)
                return dusk_error_set(err, DUSK_ETYPE, "scaled wants one int");
            *out = dusk_int(dusk_value_int(args[0]) * static_cast<const scale *>(ud)->by);
            return *out ? 0 : DUSK_ENOMEM;
        },
        const_cast<scale *>(&times3)};
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(14));
    dusk_task(g, "b", &scaled, dusk_ref("a"));
    dusk_task(g, "bad", &scaled, dusk_lit_str("x"));
    dusk_error err = DUSK_ERROR_INIT;
    for (dusk_sched_kind kind : KINDS) {
        dusk_options o = options(kind);
        dusk_value *v = nullptr;
        assert_int_equal(dusk_get(g, "b", &o, &v, &err), 0);
        expect_repr(v, "42");
        assert_int_equal(dusk_get(g, "bad", &o, &v, &err), DUSK_ETYPE);
        if (!std::strstr(err.msg, "scaled wants one int") || !std::strstr(err.msg, "bad"))
            fail_msg("the task's message, with its key: %s", err.msg);
    }
    dusk_graph_free(g);
}

/* The builders' rules hold through the C++ macros: a NULL argument (what
 * a constructor gives when memory runs out) is DUSK_ENOMEM, remembered by
 * the graph, and the other arguments are freed (ASan would see a leak). */
void builder_errors(void **)
{
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "b", &dusk_add, dusk_ref("a"), NULL), DUSK_ENOMEM);
    assert_int_equal(dusk_task(g, "c", &dusk_sum, dusk_list(dusk_ref("a"), nullptr)),
                     DUSK_ENOMEM);
    assert_int_equal(dusk_graph_status(g, nullptr), DUSK_ENOMEM);
    dusk_graph_free(g);
}

/* DUSK_SHAPE is a constant expression in C++, as the compound literal is a
 * constant in C. */
static_assert(DUSK_SHAPE(1000, 10000).ndim == 2, "DUSK_SHAPE counts its axes");
static_assert(DUSK_SHAPE(1000, 10000).v[1] == 10000, "DUSK_SHAPE keeps its sizes");
static_assert(DUSK_SHAPE0.ndim == 0, "DUSK_SHAPE0 is 0-d");
static_assert(DUSK_ALL.kind == DUSK_IDX_SLICE && DUSK_ALL.start == DUSK_NIL, "DUSK_ALL is :");

/* x = arange(24).reshape(4, 6) in (2, 3) chunks; x[1:4, ::-2] and
 * x[None, -1, [4, 0]] through the index macros, against direct indexing. */
void array_macros(void **)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    double data[4][6];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++)
            data[i][j] = 6 * i + j;
    size_t rows = 4;   /* a size_t converts as it would in C */
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_F8, DUSK_SHAPE(rows, 6), "(2, 3)");
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(x, &err) != 0)
        fail_msg("from_buffer: %s", err.msg);
    assert_int_equal(dusk_array_numblocks(x, 0), 2);
    assert_int_equal(dusk_array_numblocks(x, 1), 2);

    dusk_index ix[] = {DUSK_SLICE(1, 4, DUSK_NIL), DUSK_SLICE(DUSK_NIL, DUSK_NIL, -2)};
    dusk_array *y = dusk_array_getitem(x, ix, 2);
    dusk_value *v = nullptr;
    if (dusk_array_compute(y, nullptr, &v, &err) != 0)
        fail_msg("x[1:4, ::-2]: %s", err.msg);
    assert_int_equal(dusk_ndarray_ndim(v), 2);
    assert_int_equal(dusk_ndarray_shape(v)[0], 3);
    assert_int_equal(dusk_ndarray_shape(v)[1], 3);
    const double *got = static_cast<const double *>(dusk_ndarray_data(v));
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            assert_true(got[3 * i + j] == data[1 + i][5 - 2 * j]);
    dusk_value_unref(v);

    const int64_t cols[] = {4, 0};
    dusk_index iz[] = {DUSK_NEWAXIS, DUSK_AT(-1), DUSK_LIST(cols, 2), DUSK_ELLIPSIS};
    dusk_array *z = dusk_array_getitem(x, iz, 4);
    if (dusk_array_compute(z, nullptr, &v, &err) != 0)
        fail_msg("x[None, -1, [4, 0], ...]: %s", err.msg);
    assert_int_equal(dusk_ndarray_ndim(v), 2);
    assert_int_equal(dusk_ndarray_shape(v)[0], 1);
    assert_int_equal(dusk_ndarray_shape(v)[1], 2);
    got = static_cast<const double *>(dusk_ndarray_data(v));
    assert_true(got[0] == data[3][4] && got[1] == data[3][0]);
    dusk_value_unref(v);

    /* the sum of x over axis 0, DUSK_AXIS as a mask */
    dusk_array *s = dusk_array_sum(x, DUSK_AXIS(0), false);
    assert_int_equal(dusk_array_compute(s, nullptr, &v, &err), 0);
    got = static_cast<const double *>(dusk_ndarray_data(v));
    for (int j = 0; j < 6; j++)
        assert_true(got[j] == data[0][j] + data[1][j] + data[2][j] + data[3][j]);
    dusk_value_unref(v);
    dusk_array_ctx_free(ctx);
}

/* The live viewer's header from C++: its option initialisers, and a
 * viewer fed the lecture's graph's run by hand. */
void viewer_header(void **)
{
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    dusk_viewer_options o = DUSK_VIEWER_OPTIONS_INIT;
    assert_null(vo.run);
    assert_int_equal(o.layer_view_threshold, 0);
    /* the layered layout: Graphviz would start pango's font thread, whose
     * races inside fontconfig and glib the suppressions of core/alloc.c
     * name by library, which clang's ThreadSanitizer cannot match here (its
     * symbolizer does not read those libraries); the C tests cover it */
    o.graphviz_threshold = DUSK_VIEWER_NO_GRAPHVIZ;
    dusk_viewer *v = dusk_viewer_new(&o);
    assert_non_null(v);
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &dusk_inc, dusk_lit_int(1));
    const char *key = "a";
    dusk_plan *p = nullptr;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_plan_new(g, &key, 1, &p, &err), 0);
    assert_int_equal(dusk_viewer_set_plan(v, p, &err), 0);
    dusk_event ev[2] = {};
    ev[0].kind = DUSK_EV_RUN_BEGIN;
    ev[0].task = -1;
    ev[0].worker = -1;
    ev[0].status = 1;
    ev[1].kind = DUSK_EV_READY;
    ev[1].task = dusk_graph_find(g, "a");
    ev[1].worker = -1;
    assert_int_equal(dusk_viewer_feed(v, ev, 2), 0);
    assert_int_equal(dusk_viewer_state(v, ev[1].task), DUSK_TASK_READY);
    dusk_plan_unref(p);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

}  // namespace

int main()
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lecture_dsk),
        cmocka_unit_test(lecture_dsk2),
        cmocka_unit_test(cxx_task),
        cmocka_unit_test(builder_errors),
        cmocka_unit_test(array_macros),
        cmocka_unit_test(viewer_header),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
