/*
** dusk tests — shared helpers (private to tests/)
**
** The lecture's graphs, the scheduler configurations every run-level test
** loops over, a seeded random DAG generator that also computes the expected
** value of every node, and small assertion helpers. Everything is static
** inline so that each test file uses what it needs without warnings.
**
** Include after <cmocka.h>, with _POSIX_C_SOURCE defined (clock_gettime).
*/
#ifndef DUSK_TEST_UTIL_H
#define DUSK_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dusk.h"

/* --- scheduler configurations -------------------------------------------- */

typedef struct sched_cfg {
    dusk_sched_kind kind;
    int workers;
    const char *name;
} sched_cfg;

static const sched_cfg SCHEDS[] = {
    {DUSK_SCHED_SYNC, 1, "sync"},
    {DUSK_SCHED_THREADS, 1, "threads/1"},
    {DUSK_SCHED_THREADS, 2, "threads/2"},
    {DUSK_SCHED_THREADS, 4, "threads/4"},
};
#define NSCHEDS (sizeof SCHEDS / sizeof SCHEDS[0])

static inline dusk_options mkopts(const sched_cfg *c, dusk_run_stats *st)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = c->kind;
    o.workers = c->workers;
    o.stats = st;
    return o;
}

/* --- the lecture's graphs ------------------------------------------------- */

/* dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'),
 *        'z': (add, 'b', 'y')}                      get(dsk, 'z') == 13 */
static inline dusk_graph *lecture_dsk(void)
{
    dusk_graph *g = dusk_graph_new();
    if (!g)
        return NULL;
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_graph_value(g, "x", dusk_int(10));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(g, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(g, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    return g;
}

/* dsk2 = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'), 'd': (sum, ['a', 'b', 'c'])}
 * get(dsk2, 'c') == 3, get(dsk2, 'd') == 6,
 * get(dsk2, ['a', 'b', 'c']) == (1, 2, 3) */
static inline dusk_graph *lecture_dsk2(void)
{
    dusk_graph *g = dusk_graph_new();
    if (!g)
        return NULL;
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_graph_value(g, "b", dusk_int(2));
    dusk_task(g, "c", &dusk_add, dusk_ref("a"), dusk_ref("b"));
    dusk_task(g, "d", &dusk_sum,
              dusk_list(dusk_ref("a"), dusk_ref("b"), dusk_ref("c")));
    return g;
}

/* --- assertions on values ------------------------------------------------- */

static inline void assert_repr(const dusk_value *v, const char *want)
{
    char buf[1024];
    assert_non_null(v);
    size_t len = dusk_value_repr(v, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want));
}

static inline void assert_int_value(const dusk_value *v, int64_t want)
{
    assert_non_null(v);
    assert_int_equal(dusk_value_kind(v), DUSK_KIND_INT);
    assert_true(dusk_value_int(v) == want);
}

static inline int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

#define assert_contains(hay, needle)                                         \
    do {                                                                     \
        if (!contains((hay), (needle)))                                      \
            fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));    \
    } while (0)

/* --- a seeded random DAG with known results -------------------------------- */

static inline uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static inline int rng_range(uint64_t *s, int lo, int hi) /* [lo, hi] */
{
    return lo + (int)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

#define RDAG_BOUND ((int64_t)1 << 40)

typedef struct rdag {
    dusk_graph *g;
    int n;
    int64_t *expect;    /* expected value of node i */
    char (*keys)[16];   /* "n0", "n1", ... */
    int ntasks_fn;      /* entries that are function tasks */
} rdag;

static inline int64_t rdag_abs(int64_t v) { return v < 0 ? -v : v; }

/* Picks an earlier node, often a recent one (long chains) and sometimes any
 * (wide fan-in). */
static inline int rdag_pick(uint64_t *s, int i)
{
    if (rng_next(s) % 3 == 0)
        return (int)(rng_next(s) % (uint64_t)i);
    int w = i < 8 ? i : 8;
    return i - 1 - (int)(rng_next(s) % (uint64_t)w);
}

/* Builds a DAG of n nodes from seed: leaves are values or identity tasks of
 * literals; inner nodes are add/sub/mul/inc/neg/identity/sum-of-a-list or an
 * alias. Every value stays within +-2^40. Returns 0 or the builder's code. */
static inline int rdag_build(rdag *r, uint64_t seed, int n)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
    if (!s)
        s = 1;
    r->n = n;
    r->ntasks_fn = 0;
    r->g = dusk_graph_new();
    r->expect = calloc((size_t)n, sizeof *r->expect);
    r->keys = calloc((size_t)n, sizeof *r->keys);
    if (!r->g || !r->expect || !r->keys)
        return DUSK_ENOMEM;
    for (int i = 0; i < n; i++)
        snprintf(r->keys[i], sizeof r->keys[i], "n%d", i);
    for (int i = 0; i < n; i++) {
        const char *k = r->keys[i];
        int op = i < 3 ? rng_range(&s, 0, 1) : rng_range(&s, 0, 11);
        if (op == 0) {                    /* literal value */
            int64_t v = rng_range(&s, -9, 9);
            r->expect[i] = v;
            dusk_graph_value(r->g, k, dusk_int(v));
            continue;
        }
        if (op == 1) {                    /* identity of a literal */
            int64_t v = rng_range(&s, -9, 9);
            r->expect[i] = v;
            dusk_task(r->g, k, &dusk_identity, dusk_lit_int(v));
            r->ntasks_fn++;
            continue;
        }
        int a = rdag_pick(&s, i), b = rdag_pick(&s, i);
        int64_t ea = r->expect[a], eb = r->expect[b], e = 0;
        int ok = 1;
        switch (op) {
        case 2: case 3:                   /* add */
            e = ea + eb;
            ok = rdag_abs(e) <= RDAG_BOUND;
            if (ok)
                dusk_task(r->g, k, &dusk_add, dusk_ref(r->keys[a]),
                          dusk_ref(r->keys[b]));
            break;
        case 4:                           /* sub, sometimes with a literal */
            if (rng_next(&s) & 1) {
                e = ea - 3;
                ok = rdag_abs(e) <= RDAG_BOUND;
                if (ok)
                    dusk_task(r->g, k, &dusk_sub, dusk_ref(r->keys[a]),
                              dusk_lit_int(3));
            } else {
                e = ea - eb;
                ok = rdag_abs(e) <= RDAG_BOUND;
                if (ok)
                    dusk_task(r->g, k, &dusk_sub, dusk_ref(r->keys[a]),
                              dusk_ref(r->keys[b]));
            }
            break;
        case 5: {                         /* mul */
            int64_t m;
            ok = !__builtin_mul_overflow(ea, eb, &m) && rdag_abs(m) <= RDAG_BOUND;
            e = m;
            if (ok)
                dusk_task(r->g, k, &dusk_mul, dusk_ref(r->keys[a]),
                          dusk_ref(r->keys[b]));
            break;
        }
        case 6:                           /* inc */
            e = ea + 1;
            ok = rdag_abs(e) <= RDAG_BOUND;
            if (ok)
                dusk_task(r->g, k, &dusk_inc, dusk_ref(r->keys[a]));
            break;
        case 7:                           /* neg */
            e = -ea;
            dusk_task(r->g, k, &dusk_neg, dusk_ref(r->keys[a]));
            break;
        case 8:                           /* identity */
            e = ea;
            dusk_task(r->g, k, &dusk_identity, dusk_ref(r->keys[a]));
            break;
        case 9: case 10: {                /* sum of a list (may repeat keys) */
            int m = rng_range(&s, 0, 6);
            dusk_arg *items[8];
            int nitems = 0;
            e = 0;
            for (int j = 0; j < m; j++) {
                int c = rdag_pick(&s, i);
                e += r->expect[c];
                items[nitems++] = dusk_ref(r->keys[c]);
            }
            if (rng_next(&s) & 1) {
                e += 2;
                items[nitems++] = dusk_lit_int(2);
            }
            ok = rdag_abs(e) <= RDAG_BOUND;
            if (ok) {
                dusk_task(r->g, k, &dusk_sum, dusk_listv((size_t)nitems, items));
            } else {
                for (int j = 0; j < nitems; j++)
                    dusk_arg_free(items[j]);
            }
            break;
        }
        default:                          /* alias */
            e = ea;
            dusk_graph_alias(r->g, k, r->keys[a]);
            r->ntasks_fn--;               /* not a function task */
            break;
        }
        if (!ok) {                        /* would grow too big: a - a */
            e = 0;
            dusk_task(r->g, k, &dusk_sub, dusk_ref(r->keys[a]),
                      dusk_ref(r->keys[a]));
        }
        r->ntasks_fn++;
        r->expect[i] = e;
    }
    return dusk_graph_status(r->g, NULL);
}

static inline void rdag_free(rdag *r)
{
    dusk_graph_free(r->g);
    free(r->expect);
    free(r->keys);
    memset(r, 0, sizeof *r);
}

/* Picks nreq keys to request (the last node always among them). */
static inline void rdag_requests(const rdag *r, uint64_t seed, int nreq,
                                 const char **keys, int *idx)
{
    uint64_t s = seed * 0xD1B54A32D192ED03ULL + 7;
    for (int j = 0; j < nreq; j++) {
        idx[j] = j == 0 ? r->n - 1 : (int)(rng_next(&s) % (uint64_t)r->n);
        keys[j] = r->keys[idx[j]];
    }
}

/* --- time ----------------------------------------------------------------- */

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Resets failure injection: used as the teardown of every test, so a test
 * that fails half-way does not poison the next one. */
static inline int reset_alloc(void **state)
{
    (void)state;
    dusk_alloc_fail_after(-1);
    return 0;
}

#endif /* DUSK_TEST_UTIL_H */
