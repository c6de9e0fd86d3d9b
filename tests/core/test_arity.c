/*
** dusk tests — arity declared in the registry (dusk_func_set_arity)
**
** A function registered with its arity is never called with another
** count: the engine refuses the task before any task starts, on every
** scheduler, with dusk_args_check's words naming the key and the
** function; dusk_graph_validate says the same earlier. The function here
** reads args[0] without checking nargs (what the declaration is for) and
** counts its calls, so a task that reached it would show (and, under
** ASan, read past its arguments).
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

static atomic_int calls;

/* first(x, ...) = x; declared to take 1 or 2 arguments */
static int first_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    (void)nargs;
    (void)err;
    (void)ud;
    atomic_fetch_add(&calls, 1);
    *out = dusk_value_ref(args[0]);
    return 0;
}
static const dusk_func first = {"arity-first", first_fn, NULL};

/* many(...) = how many, declared to take at least 2 */
static int many_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    (void)err;
    (void)ud;
    atomic_fetch_add(&calls, 1);
    *out = dusk_int((int64_t)nargs + 0 * dusk_value_int(args[1]));
    return 0;
}
static const dusk_func many = {"arity-many", many_fn, NULL};

static int setup(void **state)
{
    (void)state;
    if (dusk_func_register(&first) || dusk_func_register_as("arity-first-too", &first) ||
        dusk_func_register(&many))
        return -1;
    if (dusk_func_set_arity("arity-first", 1, 2) || dusk_func_set_arity("arity-many", 2, SIZE_MAX))
        return -1;
    return 0;
}

static void refused_declarations(void **state)
{
    (void)state;
    assert_int_equal(dusk_func_set_arity("arity-no-such", 1, 1), DUSK_EINVAL);
    assert_int_equal(dusk_func_set_arity(NULL, 1, 1), DUSK_EINVAL);
    assert_int_equal(dusk_func_set_arity("arity-first", 3, 2), DUSK_EINVAL);
    /* the builtins check their own arguments */
    assert_int_equal(dusk_func_set_arity("inc", 1, 1), DUSK_EINVAL);
}

/* A graph with t = f(10, 11, ...), n arguments. */
static dusk_graph *graph_of(const dusk_func *f, size_t n)
{
    dusk_graph *g = dusk_graph_new();
    assert_non_null(g);
    dusk_arg *args[4];
    for (size_t i = 0; i < n; i++)
        args[i] = dusk_lit_int((int64_t)i + 10);
    assert_int_equal(dusk_graph_taskv(g, "t", f, n, args), 0);
    return g;
}

/* f with n arguments: on each scheduler, the run fails with want (NULL:
 * gives want_int) and a refused f is never called. */
static void expect(const dusk_func *f, size_t n, int64_t want_int, const char *want)
{
    static const dusk_sched_kind kinds[] = {DUSK_SCHED_SYNC, DUSK_SCHED_THREADS,
                                            DUSK_SCHED_PROCESSES};
    for (size_t k = 0; k < 3; k++) {
        dusk_graph *g = graph_of(f, n);
        dusk_options o = DUSK_OPTIONS_INIT;
        o.scheduler = kinds[k];
        o.workers = 2;
        dusk_value *v = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        atomic_store(&calls, 0);
        int rc = dusk_get(g, "t", &o, &v, &err);
        if (!want) {
            if (rc != 0)
                fail_msg("%s with %zu: %s", f->name, n, err.msg);
            assert_int_value(v, want_int);
        } else {
            assert_int_equal(rc, DUSK_EINVAL);
            assert_null(v);
            assert_string_equal(err.msg, want);
            assert_int_equal(atomic_load(&calls), 0);
            /* validation says it before a run, naming the same */
            dusk_error verr = DUSK_ERROR_INIT;
            assert_int_equal(dusk_graph_validate(g, &verr), DUSK_EINVAL);
            const char *failed = strstr(want, " failed:");
            assert_non_null(failed);
            char vwant[512];
            snprintf(vwant, sizeof vwant, "%.*s:%s", (int)(failed - want), want,
                     failed + strlen(" failed:"));
            assert_string_equal(verr.msg, vwant);
        }
        dusk_value_unref(v);
        dusk_graph_free(g);
    }
}

static void checked_before_the_task_runs(void **state)
{
    (void)state;
    expect(&first, 1, 10, NULL);
    expect(&first, 2, 10, NULL);
    expect(&first, 0, 0, "task 't' (arity-first) failed: arity-first takes 1 or 2 arguments, got 0");
    expect(&first, 3, 0, "task 't' (arity-first) failed: arity-first takes 1 or 2 arguments, got 3");
    expect(&many, 2, 2, NULL);
    expect(&many, 4, 4, NULL);
    expect(&many, 1, 0, "task 't' (arity-many) failed: arity-many takes at least 2 arguments, "
                        "got 1");
}

/* The function found under its second key carries the same arity; a
 * task the run does not need is not checked (the culled plan's tasks). */
static void every_key_and_only_the_run(void **state)
{
    (void)state;
    const dusk_func *f = dusk_func_lookup("arity-first-too");
    assert_ptr_equal(f, &first);
    dusk_graph *g = dusk_graph_new();
    assert_non_null(g);
    assert_int_equal(dusk_task(g, "bad", f), 0);
    assert_int_equal(dusk_task(g, "good", f, dusk_lit_int(5)), 0);
    assert_int_equal(dusk_task(g, "sum", &dusk_add, dusk_ref("good"), dusk_lit_int(1)), 0);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    atomic_store(&calls, 0);
    assert_int_equal(dusk_get(g, "sum", NULL, &v, &err), 0);
    assert_int_value(v, 6);
    dusk_value_unref(v);
    v = NULL;
    assert_int_equal(atomic_load(&calls), 1);
    assert_int_equal(dusk_get(g, "bad", NULL, &v, &err), DUSK_EINVAL);
    assert_null(v);
    assert_string_equal(err.msg, "task 'bad' (arity-first) failed: arity-first takes 1 or 2 "
                                 "arguments, got 0");
    assert_int_equal(atomic_load(&calls), 1);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused_declarations),
        cmocka_unit_test(checked_before_the_task_runs),
        cmocka_unit_test(every_key_and_only_the_run),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
