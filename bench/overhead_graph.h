/*
** bench/overhead_graph.h — the graph of the scheduler-overhead benchmark,
** shared by bench/overhead.c, bench/profile.c and tests/core/test_limits.c
**
** 100,000 independent `inc` tasks and a binary tree of `add` tasks summing
** them level by level, an odd element carried up by an `identity` task:
** 100,000 inc + 99,999 add + 7 identity = 200,006 tasks.
*/
#ifndef DUSK_BENCH_OVERHEAD_GRAPH_H
#define DUSK_BENCH_OVERHEAD_GRAPH_H

#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dusk.h>

enum { NLEAVES = 100000 };
#define NTASKS 200006u          /* 100000 inc + 99999 add + 7 identity */
#define SUM INT64_C(5000050000) /* sum of i + 1 for i < NLEAVES */

/* Bytes the allocator has handed out (glibc's mallinfo2: small blocks and
 * mmapped ones), and those noted by note_start as a run starts: what the
 * graph, its order, the plan and the run's state take, per task, in
 * graph.bytes_per_task and in tests/core/test_limits.c's bound of it. */
static inline size_t heap_bytes(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

static size_t bytes_at_start __attribute__((unused));
static inline void note_start(void *ud, const dusk_plan *p, size_t n)
{
    (void)ud;
    (void)p;
    (void)n;
    bytes_at_start = heap_bytes();
}

static int failures;

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

/* The tasks of the graph on nleaves leaves: nleaves inc, nleaves - 1 add
 * and one identity per level of odd length. */
static inline size_t overhead_ntasks(size_t nleaves)
{
    size_t tasks = 0;
    for (size_t n = nleaves; n > 1; n = (n + 1) / 2)
        tasks += n / 2 + n % 2;
    return nleaves + tasks;
}

/* A task that first keeps its core busy for ns, then does f's work: the
 * graph with tasks of a given length (the "1us" lines), where the
 * scheduler's and a listener's cost per task is set against real work. */
typedef struct spin_func {
    dusk_func func;      /* {name, spin_task, this} */
    const dusk_func *f;
    uint64_t ns;
} spin_func;

static inline int spin_task(dusk_value *const *args, size_t nargs, dusk_value **out,
                            dusk_error *err, void *ud)
{
    const spin_func *s = ud;
    uint64_t until = now_ns() + s->ns;
    while (now_ns() < until)
        ;
    return s->f->fn(args, nargs, out, err, s->f->ud);
}

/* The graph on nleaves leaves with the given inc, add and identity
 * functions. */
static inline dusk_graph *build_with(size_t nleaves, const dusk_func *inc, const dusk_func *add,
                                     const dusk_func *id, const char **root, size_t *ninc,
                                     size_t *nadd, size_t *nid);

/* Builds the graph on nleaves leaves; *root gets the root's key (static
 * storage). */
static inline dusk_graph *build_n(size_t nleaves, const char **root, size_t *ninc, size_t *nadd,
                           size_t *nid)
{
    return build_with(nleaves, &dusk_inc, &dusk_add, &dusk_identity, root, ninc, nadd, nid);
}

/* The graph on nleaves leaves whose every task takes about ns (its
 * functions are static: one such graph at a time). */
static inline dusk_graph *build_spin(size_t nleaves, uint64_t ns, const char **root)
{
    static spin_func f[3];
    const dusk_func *base[3] = {&dusk_inc, &dusk_add, &dusk_identity};
    for (int i = 0; i < 3; i++)
        f[i] = (spin_func){{base[i]->name, spin_task, &f[i]}, base[i], ns};
    size_t ninc, nadd, nid;
    return build_with(nleaves, &f[0].func, &f[1].func, &f[2].func, root, &ninc, &nadd, &nid);
}

static inline dusk_graph *build_with(size_t nleaves, const dusk_func *inc, const dusk_func *add,
                                     const dusk_func *id, const char **root, size_t *ninc,
                                     size_t *nadd, size_t *nid)
{
    static char rootkey[48];
    dusk_graph *g = dusk_graph_new();
    char (*level)[48] = malloc(sizeof *level * nleaves);
    char key[48];
    size_t n = nleaves;

    if (!g || !level) {
        free(level);
        dusk_graph_free(g);
        return NULL;
    }
    *ninc = *nadd = *nid = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(level[i], sizeof level[i], "inc-%zu", i);
        dusk_task(g, level[i], inc, dusk_lit_int((int64_t)i));
        (*ninc)++;
    }
    for (int depth = 1; n > 1; depth++) {
        size_t m = 0;
        for (size_t i = 0; i + 1 < n; i += 2, m++) {
            snprintf(key, sizeof key, "add-%d-%zu", depth, m);
            dusk_task(g, key, add, dusk_ref(level[i]), dusk_ref(level[i + 1]));
            memcpy(level[m], key, sizeof key);
            (*nadd)++;
        }
        if (n % 2) {
            snprintf(key, sizeof key, "carry-%d-%zu", depth, m);
            dusk_task(g, key, id, dusk_ref(level[n - 1]));
            memcpy(level[m], key, sizeof key);
            m++;
            (*nid)++;
        }
        n = m;
    }
    memcpy(rootkey, level[0], sizeof rootkey);
    *root = rootkey;
    free(level);
    return g;
}

/* The benchmark's graph: NLEAVES leaves, NTASKS tasks. */
static inline dusk_graph *build(const char **root, size_t *ninc, size_t *nadd, size_t *nid)
{
    return build_n(NLEAVES, root, ninc, nadd, nid);
}

#endif /* DUSK_BENCH_OVERHEAD_GRAPH_H */
