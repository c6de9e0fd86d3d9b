/*
** dusk tests — the threads scheduler's pool, kept across runs
**
** The threads backend makes its worker threads once ("dusk-worker"),
** parks them between runs and serves worker 0 on the calling thread. A
** run that finds the pool held by another run (another thread's, or a
** task's own dusk_get) makes threads of its own; a forked child has no
** pool threads and makes them anew. Each test checks the sums of the
** overhead benchmark's tree graph, which a lost or doubled worker breaks.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

/* Threads of this process named dusk-worker (the pool's). */
static int pool_threads(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], name[64] = "";
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(name, sizeof name, f) && strncmp(name, "dusk-worker", 11) == 0)
            n++;
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

/* Runs the tree graph on n leaves with k workers; 0 when the sum and the
 * stats are right. */
static pthread_mutex_t tree_mu = PTHREAD_MUTEX_INITIALIZER;

static int run_tree(size_t n, int k)
{
    /* tree_graph names its root in static storage: one caller at a time */
    const char *key;
    char root[48];
    pthread_mutex_lock(&tree_mu);
    dusk_graph *g = tree_graph(n, &key);
    snprintf(root, sizeof root, "%s", key);
    pthread_mutex_unlock(&tree_mu);
    dusk_run_stats st;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, k);
    o.stats = &st;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = g ? dusk_get(g, root, &o, &v, &err) : -1;
    int ok = rc == 0 && dusk_value_int(v) == (int64_t)(n * (n + 1) / 2) && st.workers == k;
    dusk_value_unref(v);
    dusk_graph_free(g);
    return ok ? 0 : -1;
}

static void test_pool_kept(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    assert_int_equal(run_tree(1000, 4), 0);
    int made = pool_threads();
    assert_true(made >= 3);   /* workers 1..3; the caller is worker 0 */
    for (int i = 0; i < 30; i++)
        assert_int_equal(run_tree(500, 2 + i % 3), 0);
    assert_int_equal(pool_threads(), made);   /* kept, none made */
    assert_int_equal(dusk_alloc_live(), live);   /* the pool is not a run's */
}

typedef struct caller {
    pthread_t th;
    int bad;
} caller;

static void *caller_main(void *arg)
{
    caller *c = arg;
    for (int i = 0; i < 20; i++)
        if (run_tree(300 + 37 * (size_t)i, 2 + i % 2) != 0)
            c->bad++;
    return NULL;
}

/* Runs from several threads at once: one holds the pool, the others make
 * threads of their own; every sum is right. */
static void test_pool_concurrent(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    caller c[4];
    memset(c, 0, sizeof c);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&c[i].th, NULL, caller_main, &c[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(c[i].th, NULL);
        assert_int_equal(c[i].bad, 0);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* A task that runs a graph of its own on the threads scheduler while its
 * run holds the pool. */
static int nested_fn(dusk_value *const *args, size_t n, dusk_value **out, dusk_error *err,
                     void *ud)
{
    (void)ud;
    (void)err;
    if (n != 1)
        return DUSK_EINVAL;
    int rc = run_tree((size_t)dusk_value_int(args[0]), 3);
    *out = dusk_int(rc == 0 ? dusk_value_int(args[0]) : -1);
    return *out ? 0 : DUSK_ENOMEM;
}

static void test_pool_nested(void **state)
{
    (void)state;
    static const dusk_func nested = {"nested", nested_fn, NULL};
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &nested, dusk_lit_int(200));
    dusk_task(g, "b", &nested, dusk_lit_int(300));
    dusk_task(g, "c", &dusk_add, dusk_ref("a"), dusk_ref("b"));
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_get(g, "c", &o, &v, &err), 0);
    assert_int_value(v, 500);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

/* A child forked once the pool exists has no pool threads: its runs make
 * them anew and give the right sums. */
static void test_pool_fork(void **state)
{
    (void)state;
    assert_int_equal(run_tree(500, 3), 0);
    assert_true(pool_threads() >= 2);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int bad = pool_threads() != 0;
#if defined(__SANITIZE_THREAD__)
        /* ThreadSanitizer refuses to start threads in a child of a
         * threaded process: the child runs on its own thread alone. */
        bad |= run_tree(700, 1) != 0;
#else
        for (int i = 0; i < 5; i++)
            bad |= run_tree(700, 3) != 0;
        bad |= pool_threads() < 2;
#endif
        _exit(bad ? 1 : 0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(run_tree(500, 3), 0);   /* the parent's pool still serves */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_kept),
        cmocka_unit_test(test_pool_concurrent),
        cmocka_unit_test(test_pool_nested),
        cmocka_unit_test(test_pool_fork),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
