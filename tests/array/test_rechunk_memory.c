/*
** tests/array/test_rechunk_memory.c — rechunk over many chunkings, and the
** memory check before a computation (array/rechunk.c, array/memlimit.c)
**
** Rechunk: seeded random shapes of 1 to 4 axes with irregular chunks (empty
** blocks among them), rechunked to irregular chunks, -1, the chunks they
** have, one block and blocks of 1, then back. Each result is computed and
** compared with the source, element for element, and its graph is counted
** against a reference written here with plain loops over every pair of
** blocks (the rule rechunk has always followed, Dask's counts): a merge
** task or alias per output block, a split task per piece that is only part
** of an input block. Building the graph was quadratic in the number of
** blocks; `make bench` (array.rechunk.20k and .80k) shows it linear.
**
** Memory: a (1e6, 1e6) float64 compute (7.28 TiB) and a store of blocks
** too large are refused with DUSK_ENOMEM before any graph is built; the
** limits are read from files a test writes (cgroup v1 and v2, meminfo) and
** from real rlimits in forked children, where turning the check off shows
** the allocation failing instead, with DUSK_ENOMEM and no crash (not under
** ASan or TSan, whose allocators cannot run out of address space quietly).
*/
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* RLIMIT_DATA */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sys/resource.h>
#include <sys/wait.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"
/* private: a task's arguments (core), the memory limits (array) */
#include "core/graph.h"
#include "array.h"
#include "memlimit.h"

/* A sanitizer's allocator maps its own bookkeeping inside the address
 * space the children below limit, and stops the program when that fails:
 * there the children check the refusal only, not the opted-out run. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

static dusk_array_ctx *ctx;
static int setup(void **state)
{
    (void)state;
    return array_ctx_setup(&ctx);
}

static int teardown(void **state)
{
    (void)state;
    return array_ctx_teardown(&ctx);
}

/* --- rechunk ------------------------------------------------------------- */

/* n block sizes summing to len, at most max each, in text "(a, b, ...)";
 * now and then an empty block among them. */
static int random_chunks(uint64_t *s, int64_t len, int64_t max, char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "(");
    int count = 0;
    int64_t left = len;
    do {
        int64_t c = left == 0 ? 0 : 1 + (int64_t)(rng_next(s) % (uint64_t)(max < left ? max : left));
        if (left > 0 && rng_next(s) % 8 == 0)
            c = 0;  /* an empty block */
        at += (size_t)snprintf(buf + at, n - at, "%s%" PRId64, count ? ", " : "", c);
        left -= c;
        count++;
    } while (left > 0);
    snprintf(buf + at, n - at, count == 1 ? ",)" : ")");
    return count;
}

/* The chunks of a whole array as text: "((2, 3), (4,))". */
static void chunks_spec(uint64_t *s, int nd, const int64_t *shape, int mode, char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < nd; d++) {
        char axis[1024];
        int m = mode == 5 ? (int)(rng_next(s) % 5) : mode;
        switch (m) {
        case 0: /* irregular, small blocks */
            random_chunks(s, shape[d], 3, axis, sizeof axis);
            break;
        case 1: /* irregular, larger blocks */
            random_chunks(s, shape[d], 1 + shape[d] / 2, axis, sizeof axis);
            break;
        case 2: /* the whole axis */
            snprintf(axis, sizeof axis, "-1");
            break;
        case 3: /* blocks of 1 */
            snprintf(axis, sizeof axis, "1");
            break;
        default: /* a regular size */
            snprintf(axis, sizeof axis, "%" PRId64, 1 + (int64_t)(rng_next(s) % 5));
        }
        at += (size_t)snprintf(buf + at, n - at, "%s%s", d ? ", " : "", axis);
    }
    snprintf(buf + at, n - at, nd == 1 ? ",)" : ")");
}

/* Boundaries of axis d's blocks: off[0] = 0, off[k+1] = off[k] + size k. */
static int64_t *bounds_of(const dusk_array *a, int d)
{
    int64_t nb = dusk_array_numblocks(a, d);
    int64_t *off = malloc((size_t)(nb + 1) * sizeof *off);
    assert_non_null(off);
    off[0] = 0;
    for (int64_t k = 0; k < nb; k++)
        off[k + 1] = off[k] + dusk_array_chunks(a, d)[k];
    return off;
}

typedef struct {
    int64_t merges;      /* output blocks made of more than one piece */
    int64_t aliases;     /* output blocks that are one piece */
    int64_t splits;      /* pieces that are part of an input block */
} rechunk_counts;

/* The reference: per output block, along each axis the input blocks from
 * the last one starting at or before the block's start to the last one
 * starting before its end (at least that first one), by scanning them all;
 * a piece is whole when its input block lies inside the output block along
 * every axis. A block of one piece is an alias of it. */
static rechunk_counts reference_counts(const dusk_array *x, const dusk_array *y)
{
    int nd = dusk_array_ndim(x);
    int64_t *xo[DUSK_MAXDIMS], *yo[DUSK_MAXDIMS], ynb[DUSK_MAXDIMS], xnb[DUSK_MAXDIMS];
    for (int d = 0; d < nd; d++) {
        xo[d] = bounds_of(x, d);
        yo[d] = bounds_of(y, d);
        xnb[d] = dusk_array_numblocks(x, d);
        ynb[d] = dusk_array_numblocks(y, d);
    }
    rechunk_counts c = {0, 0, 0};
    int64_t nout = count_of_shape(nd, ynb);
    for (int64_t o = 0; o < nout; o++) {
        int64_t idx[DUSK_MAXDIMS], lo[DUSK_MAXDIMS], cnt[DUSK_MAXDIMS];
        unravel(o, nd, ynb, idx);
        for (int d = 0; d < nd; d++) {
            int64_t s = yo[d][idx[d]], e = yo[d][idx[d] + 1], first = 0, last = 0;
            for (int64_t j = 0; j < xnb[d]; j++) {
                if (xo[d][j] <= s)
                    first = j;
                if (xo[d][j] < e)
                    last = j;
            }
            lo[d] = first;
            cnt[d] = (last > first ? last : first) - first + 1;
        }
        int64_t npieces = count_of_shape(nd, cnt), nsplit = 0;
        for (int64_t p = 0; p < npieces; p++) {
            int64_t k[DUSK_MAXDIMS];
            unravel(p, nd, cnt, k);
            bool whole = true;
            for (int d = 0; d < nd; d++) {
                int64_t j = lo[d] + k[d];
                whole = whole && xo[d][j] >= yo[d][idx[d]] && xo[d][j + 1] <= yo[d][idx[d] + 1];
            }
            nsplit += !whole;
        }
        c.splits += nsplit;
        if (npieces == 1)  /* the block, or the one piece split off for it */
            c.aliases++;
        else
            c.merges++;
    }
    for (int d = 0; d < nd; d++) {
        free(xo[d]);
        free(yo[d]);
    }
    return c;
}

/* The same counted from y's graph: the entries of y's layer that are tasks
 * or aliases, and the split tasks of the same rechunk (its token). */
static rechunk_counts graph_counts(const dusk_array *y)
{
    dusk_graph *g = NULL;
    assert_int_equal(dusk_array_graph(y, &g, NULL), 0);
    rechunk_counts c = {0, 0, 0};
    char merge[128], split[128];
    snprintf(merge, sizeof merge, "('%s', ", dusk_array_name(y));
    snprintf(split, sizeof split, "('rechunk-split-%s', ",
             dusk_array_name(y) + strlen("rechunk-merge-"));
    for (size_t t = 0; t < dusk_graph_size(g); t++) {
        const char *key = dusk_graph_key(g, (int64_t)t);
        if (strncmp(key, split, strlen(split)) == 0)
            c.splits++;
        else if (strncmp(key, merge, strlen(merge)) == 0)
            dusk_graph_entry_kind(g, (int64_t)t) == DUSK_ENTRY_ALIAS ? c.aliases++ : c.merges++;
    }
    dusk_graph_free(g);
    return c;
}

/* x rechunked to spec: the right values, and the graph the reference
 * counts. Returns the rechunked array. */
static dusk_array *check_rechunk(dusk_array *x, const int64_t *data, const char *spec,
                                 const char *what)
{
    /* the step itself: dusk_array_rechunk may plan steps between (test_plan) */
    dusk_array *y = dusk__rechunk_one_step(x, spec);
    if (y && !dusk_array_status(y, NULL) && dusk_array_nchunks(y) == dusk_array_nchunks(x)) {
        int same = 1;   /* the chunks x has: no layer, as dusk_array_rechunk gives */
        for (int d = 0; d < dusk_array_ndim(x) && same; d++) {
            int64_t n = dusk_array_numblocks(x, d);
            same = n == dusk_array_numblocks(y, d) &&
                   memcmp(dusk_array_chunks(x, d), dusk_array_chunks(y, d),
                          (size_t)n * sizeof(int64_t)) == 0;
        }
        if (same)
            y = x;
    }
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(y, &err))
        fail_msg("%s -> %s: %s", what, spec, err.msg);
    int nd = dusk_array_ndim(x);
    dusk_value *v = compute_with(y, NULL, what);
    assert_shape(v, nd, dusk_array_shape(x), what);
    int64_t n = count_of_shape(nd, dusk_array_shape(x));
    const int64_t *got = dusk_ndarray_data(v);
    for (int64_t i = 0; i < n; i++)
        if (got[i] != data[i])
            fail_msg("%s -> %s: element %" PRId64 " is %" PRId64 ", not %" PRId64, what, spec, i,
                     got[i], data[i]);
    release(v);
    if (y != x) {
        rechunk_counts want = reference_counts(x, y), got_c = graph_counts(y);
        if (want.merges != got_c.merges || want.aliases != got_c.aliases ||
            want.splits != got_c.splits)
            fail_msg("%s -> %s: %" PRId64 " merges, %" PRId64 " aliases, %" PRId64 " splits; "
                     "the reference counts %" PRId64 ", %" PRId64 ", %" PRId64, what, spec,
                     got_c.merges, got_c.aliases, got_c.splits, want.merges, want.aliases,
                     want.splits);
        /* the layer's count, which describe and the viewer show, is the graph's */
        dusk_layer_info info[8];
        size_t nl = dusk_array_layers(y, info, 8);
        assert_true(nl >= 2 && nl <= 8);
        assert_int_equal(info[nl - 1].ntasks, want.merges + want.aliases + want.splits);
    }
    return y;
}

static void test_rechunk_many_chunkings(void **state)
{
    (void)state;
    uint64_t s = 0x5eed;
    for (int k = 0; k < 160; k++) {
        int nd = 1 + (int)(rng_next(&s) % 4);
        int64_t shape[DUSK_MAXDIMS];
        for (int d = 0; d < nd; d++)
            shape[d] = rng_next(&s) % 16 == 0 ? 0 : 1 + (int64_t)(rng_next(&s) % (nd > 2 ? 7 : 17));
        dusk_shape sh = {nd, {0}};
        memcpy(sh.v, shape, (size_t)nd * sizeof *shape);
        int64_t n = count_of_shape(nd, shape);
        int64_t *data = malloc((size_t)(n ? n : 1) * sizeof *data);
        assert_non_null(data);
        for (int64_t i = 0; i < n; i++)
            data[i] = i * 7 - 3;
        char from[4096], to[4096], what[9000];
        chunks_spec(&s, nd, shape, (int)(rng_next(&s) % 6), from, sizeof from);
        dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_I8, sh, from);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(x, &err))
            fail_msg("from_buffer %s: %s", from, err.msg);
        static const char *fixed[] = {"-1", "1"};
        for (int t = 0; t < 4; t++) {
            if (t < 2)
                snprintf(to, sizeof to, "%s", fixed[t]);
            else
                chunks_spec(&s, nd, shape, t == 2 ? 5 : (int)(rng_next(&s) % 2), to, sizeof to);
            snprintf(what, sizeof what, "case %d: %d-d chunks %s", k, nd, from);
            dusk_array *y = check_rechunk(x, data, to, what);
            /* and back, from pieces that are splits of y's blocks */
            snprintf(what, sizeof what, "case %d: %d-d chunks %s, rechunked to %s", k, nd, from,
                     to);
            check_rechunk(y, data, from, what);
        }
        /* to the chunks it has: the array itself */
        assert_ptr_equal(dusk_array_rechunk(x, from), x);
        free(data);
    }
}

/* Rechunks whose blocks do not line up at all, and larger ones, the way
 * the bench builds them: the counts and the values still agree. */
static void test_rechunk_large_and_misaligned(void **state)
{
    (void)state;
    static const struct { int nd; int64_t shape[3]; const char *from, *to; } c[] = {
        {1, {3000}, "10", "15"},
        {1, {3001}, "7", "(11,)"},
        {2, {120, 90}, "(7, 11)", "(13, 5)"},
        {2, {120, 90}, "(1, 90)", "(120, 1)"},
        {3, {24, 18, 30}, "(5, 4, 7)", "(3, -1, 8)"},
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
        dusk_shape sh = {c[k].nd, {0}};
        memcpy(sh.v, c[k].shape, sizeof c[k].shape);
        int64_t n = count_of_shape(c[k].nd, c[k].shape);
        int64_t *data = malloc((size_t)n * sizeof *data);
        assert_non_null(data);
        for (int64_t i = 0; i < n; i++)
            data[i] = n - i;
        dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_I8, sh, c[k].from);
        dusk_array *y = check_rechunk(x, data, c[k].to, c[k].from);
        check_rechunk(y, data, c[k].from, c[k].to);
        free(data);
    }
}

/* --- the memory check ------------------------------------------------------ */

/* The limit as the check reads it now. */
static dusk__memlimit limit_now(void)
{
    dusk__memlimit m;
    dusk__memlimit_read(NULL, &m);
    return m;
}

static void test_compute_refused_before_building(void **state)
{
    (void)state;
    /* a million blocks: building their graph alone would take millions of
     * allocations and seconds */
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(1000000, 1000000), "(1000, 1000)", DUSK_DT_F8);
    dusk_value *v = (dusk_value *)&v;
    dusk_error err = DUSK_ERROR_INIT;
    unsigned long calls = dusk_alloc_calls();
    long live = dusk_alloc_live();
    int rc = dusk_array_compute(x, NULL, &v, &err);
    assert_int_equal(rc, DUSK_ENOMEM);
    assert_int_equal(err.code, DUSK_ENOMEM);
    assert_null(v);
    /* no graph, no result: a handful of allocations, all given back */
    assert_true(dusk_alloc_calls() - calls < 50);
    assert_int_equal(dusk_alloc_live(), live);
    assert_contains(err.msg, dusk_array_name(x));
    assert_contains(err.msg, "float64 (1000000, 1000000)");
    assert_contains(err.msg, "the 7.28 TiB result");
    assert_contains(err.msg, "needs 14.55 TiB");
    assert_contains(err.msg, "this process may take");
    /* which limit is least may change between two readings: the message
     * names one of them, by what it is */
    assert_true(strstr(err.msg, "memory") || strstr(err.msg, "limit"));
    assert_contains(err.msg, "dusk_array_ctx_set_memory_check(ctx, false)");
}

static void test_store_refused_before_writing(void **state)
{
    (void)state;
    /* 10 blocks of 745 GiB: each worker would hold one */
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(1000000, 1000000), "(1000000, 100000)",
                              DUSK_DT_F8);
    const char *path = scratch("refused.h5");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    assert_int_equal(dusk_array_store(x, path, "/x", NULL, &o, &err), DUSK_ENOMEM);
    assert_false(file_exists(path));
    assert_int_equal(count_entries_with(scratch_dir, "refused"), 0);
    assert_contains(err.msg, "storing");
    assert_contains(err.msg, "largest block, (1000000, 100000) 745.06 GiB, on each of 2 workers");
    assert_contains(err.msg, "needs 1.46 TiB");
    /* with one worker it needs one block */
    o = opts_of(DUSK_SCHED_SYNC, 1);
    assert_int_equal(dusk_array_store(x, path, "/x", NULL, &o, &err), DUSK_ENOMEM);
    assert_contains(err.msg, "on each of 1 workers");
    assert_contains(err.msg, "needs 745.06 GiB");
    assert_false(file_exists(path));
}

/* Arrays that fit compute and store as before, the check on. */
static void test_normal_work_passes(void **state)
{
    (void)state;
    int64_t data[60];
    for (int i = 0; i < 60; i++)
        data[i] = i;
    dusk_array *x = dusk_from_buffer(ctx, data, DUSK_DT_I8, DUSK_SHAPE(6, 10), "(4, 3)");
    dusk_value *v = compute_with(x, NULL, "small");
    assert_memory_equal(dusk_ndarray_data(v), data, sizeof data);
    release(v);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_array_store(x, scratch("ok.h5"), "/x", NULL, NULL, &err), 0);
    dusk_array *back = dusk_from_hdf5(ctx, scratch("ok.h5"), "/x", "-1");
    v = compute_with(back, NULL, "read back");
    assert_memory_equal(dusk_ndarray_data(v), data, sizeof data);
    release(v);
    /* 0-d and empty arrays need nothing */
    v = compute_with(dusk_array_sum(x, DUSK_ALL_AXES, false), NULL, "sum");
    release(v);
    v = compute_with(dusk_ones(ctx, DUSK_SHAPE(0, 5), "(1, 5)", DUSK_DT_F8), NULL, "empty");
    release(v);
}

/* Runs f in a forked child with the soft limit res lowered to what the
 * child uses now plus room bytes; returns the child's exit code (0 when
 * all its checks held), failing on a crash. */
static int in_child_with_limit(int res, double room, int (*f)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *st = fopen("/proc/self/statm", "r");
        unsigned long long v[7] = {0};
        if (!st || fscanf(st, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                          &v[4], &v[5], &v[6]) != 7)
            _exit(90);
        fclose(st);
        double used = (double)v[res == RLIMIT_AS ? 0 : 5] * (double)sysconf(_SC_PAGESIZE);
        struct rlimit rl;
        getrlimit(res, &rl);
        rl.rlim_cur = (rlim_t)(used + room);
        if (setrlimit(res, &rl) != 0)
            _exit(91);
        _exit(f());
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status))
        fail_msg("the child did not exit: signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return WEXITSTATUS(status);
}

/* 256 MiB of float64 in 8 blocks, in the child: refused by the check
 * (naming the limit), then, with the check off, failing to allocate. */
static int compute_under_limit(const char *limit)
{
    dusk_array_ctx *c = dusk_array_ctx_new();
    if (!c)
        return 10;
    dusk_array *x = dusk_full(c, DUSK_SHAPE(4096, 8192), "(512, 8192)", DUSK_DT_F8, 2.5);
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    unsigned long calls = dusk_alloc_calls();
    if (dusk_array_compute(x, &o, &v, &err) != DUSK_ENOMEM || v)
        return 11;
    if (!contains(err.msg, limit) || !contains(err.msg, "256.00 MiB result") ||
        dusk_alloc_calls() - calls > 50) {
        fprintf(stderr, "child: %s\n", err.msg);
        return 12;
    }
    if (SANITIZED) {
        dusk_array_ctx_free(c);
        return 0;
    }
    dusk_array_ctx_set_memory_check(c, false);
    err = (dusk_error)DUSK_ERROR_INIT;
    int rc = dusk_array_compute(x, &o, &v, &err);
    if (rc != DUSK_ENOMEM || v) {
        fprintf(stderr, "child: %d %s\n", rc, err.msg);
        return 13;
    }
    /* turned on again, it refuses again */
    dusk_array_ctx_set_memory_check(c, true);
    if (dusk_array_compute(x, &o, &v, &err) != DUSK_ENOMEM || !contains(err.msg, limit))
        return 14;
    dusk_array_ctx_free(c);
    return 0;
}

static int compute_under_as(void) { return compute_under_limit("(RLIMIT_AS)"); }
static int compute_under_data(void) { return compute_under_limit("(RLIMIT_DATA)"); }

/* Two 40 MiB results, under a limit of 128 MiB more than in use: each
 * alone fits (80 MiB with its blocks), both in one run do not (160 MiB),
 * and that run is refused naming both and their joined graph. */
static int compute_many_under_limit(void)
{
    dusk_array_ctx *c = dusk_array_ctx_new();
    if (!c)
        return 10;
    dusk_array *two[2] = {dusk_full(c, DUSK_SHAPE(1024, 5120), "(256, 5120)", DUSK_DT_F8, 1.5),
                          dusk_ones(c, DUSK_SHAPE(5120, 1024), "(1024, 1024)", DUSK_DT_F8)};
    dusk_options o = opts_of(DUSK_SCHED_SYNC, 1);
    dusk_value *v[2] = {NULL, NULL};
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_compute_many(two, 2, &o, v, &err) != DUSK_ENOMEM || v[0] || v[1])
        return 11;
    if (!contains(err.msg, "computing 2 arrays together") || !contains(err.msg, "joined graph") ||
        !contains(err.msg, "80.00 MiB of results") || !contains(err.msg, "(RLIMIT_DATA)")) {
        fprintf(stderr, "child: %s\n", err.msg);
        return 12;
    }
    for (int i = 0; i < 2 && !SANITIZED; i++) {
        if (dusk_array_compute_many(two + i, 1, &o, v, &err) != 0) {
            fprintf(stderr, "child: alone: %s\n", err.msg);
            return 13;
        }
        dusk_value_unref(v[0]);
        v[0] = NULL;
    }
    dusk_array_ctx_free(c);
    return 0;
}

static void test_compute_many_counts_every_result(void **state)
{
    (void)state;
    assert_int_equal(in_child_with_limit(RLIMIT_DATA, 128.0 * 1048576, compute_many_under_limit), 0);
}

static void test_rlimits_and_opting_out(void **state)
{
    (void)state;
    assert_int_equal(in_child_with_limit(RLIMIT_AS, 128.0 * 1048576, compute_under_as), 0);
    assert_int_equal(in_child_with_limit(RLIMIT_DATA, 128.0 * 1048576, compute_under_data), 0);
}

/* Writes text to scratch_dir/name, making the directories on the way. */
static void put(const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", scratch_dir, name);
    for (char *p = path + strlen(scratch_dir) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static dusk__memlimit read_at(const char *cg, const char *meminfo)
{
    char self[512], mi[512], statm[512], v2[512], v1[512];
    snprintf(self, sizeof self, "%s/%s", scratch_dir, cg);
    snprintf(mi, sizeof mi, "%s/%s", scratch_dir, meminfo);
    snprintf(statm, sizeof statm, "%s/none", scratch_dir);
    snprintf(v2, sizeof v2, "%s/v2", scratch_dir);
    snprintf(v1, sizeof v1, "%s/v1", scratch_dir);
    dusk__memlimit_paths p = {self, mi, statm, v2, v1};
    dusk__memlimit m;
    dusk__memlimit_read(&p, &m);
    return m;
}

static void test_limits_from_cgroup_files(void **state)
{
    (void)state;
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    /* cgroup v2: the process's cgroup has no limit, the one above it has
     * 1 MiB of which half is used */
    put("cg2", "0::/a/b\n");
    put("v2/a/b/memory.max", "max\n");
    put("v2/a/b/memory.current", "4096\n");
    put("v2/a/memory.max", "1048576\n");
    put("v2/a/memory.current", "524288\n");
    put("v2/memory.max", "max\n");
    dusk__memlimit m = read_at("cg2", "nothing");
    assert_true(m.bytes == 524288);
    assert_contains(m.what, "the cgroup limit of ");
    assert_contains(m.what, "/v2/a/memory.max");
    /* page cache the kernel can take back is not counted as used */
    put("v2/a/memory.stat", "anon 1000\nactive_file 9999\ninactive_file 262144\n");
    m = read_at("cg2", "nothing");
    assert_true(m.bytes == 524288 + 262144);
    put("v2/a/memory.stat", "inactive_file 99999999\n");
    m = read_at("cg2", "nothing");
    assert_true(m.bytes == 1048576);
    /* cgroup v1, the memory controller shared with another on its line;
     * v1's "no limit" is a number near 2^63 */
    put("cg1", "12:pids:/\n4:cpu,memory:/x/y\n0::/\n");
    put("v1/x/y/memory.limit_in_bytes", "9223372036854771712\n");
    put("v1/x/y/memory.usage_in_bytes", "100\n");
    put("v1/x/memory.limit_in_bytes", "3145728\n");
    put("v1/x/memory.usage_in_bytes", "1048576\n");
    m = read_at("cg1", "nothing");
    assert_true(m.bytes == 2097152);
    assert_contains(m.what, "/v1/x/memory.limit_in_bytes");
    put("v1/x/memory.stat", "cache 5\ninactive_file 7\ntotal_inactive_file 524288\n");
    m = read_at("cg1", "nothing");
    assert_true(m.bytes == 2097152 + 524288);
    put("v1/x/memory.stat", "");
    /* more used than the limit: nothing left */
    put("v1/x/memory.usage_in_bytes", "4000000\n");
    m = read_at("cg1", "nothing");
    assert_true(m.bytes == 0);
    /* no cgroup limit: memory itself (exactly, unless the process has
     * rlimits of its own, which may be less) */
    struct rlimit as, data;
    getrlimit(RLIMIT_AS, &as);
    getrlimit(RLIMIT_DATA, &data);
    bool exact = as.rlim_cur == RLIM_INFINITY && data.rlim_cur == RLIM_INFINITY;
    put("cg0", "4:memory:/\n0::/\n");
    put("meminfo-big", "MemTotal: 1 kB\nMemAvailable:   1099511627776 kB\n");
    m = read_at("cg0", "meminfo-big");
    assert_true(m.bytes <= phys);
    if (exact) {
        assert_true(m.bytes == phys);
        assert_string_equal(m.what, "physical memory");
    }
    /* MemAvailable counts, unless the free pages are more */
    put("meminfo", "MemTotal:       4000 kB\nMemFree:    1000 kB\nMemAvailable:   2000 kB\n");
    m = read_at("cg0", "meminfo");
    if (exact) {
        assert_string_equal(m.what, "available memory");
        assert_true(m.bytes > 2048000 && m.bytes <= phys);
    }
    /* nothing readable but sysconf: at most physical memory */
    m = read_at("missing", "missing");
    assert_true(m.bytes <= phys && m.bytes > 0);
    /* and the system's own files give something finite and positive */
    m = limit_now();
    assert_true(m.bytes > 0 && m.bytes <= phys);
}

/* Many blocks into many: the intermediate chunkings Dask's plan_rechunk
 * chooses, so the graphs have Dask 2022.12's task counts (len(x.dask) of
 * da.ones(shape, chunks=from).rechunk(to), run beside this test once);
 * one step made 8,400 tasks for 2000 x 2000 from 100 x 100 into columns. */
static void test_plan(void **state)
{
    (void)state;
    static const struct {
        int nd;
        int64_t shape[3];
        const char *from, *to;
        int64_t tasks, steps[2];   /* all, and each rechunk layer's */
    } c[] = {
        {2, {2000, 2000}, "(100, 100)", "(2000, 1)", 4420, {20, 4000}},
        {2, {1000, 1000}, "(10, 10)", "(1000, 1)", 12100, {100, 2000}},
        {2, {1000, 1000}, "(1, 1000)", "(1000, 1)", 3001, {1, 2000}},
        {3, {400, 300, 200}, "(10, 300, 10)", "(400, 1, 200)", 1702, {2, 900}},
        {2, {5000, 5000}, "(50, 5000)", "(5000, 50)", 402, {2, 300}},
        {2, {6000, 6000}, "(6000, 1)", "(1, 6000)", 30003, {3, 24000}},
        {2, {3000, 3000}, "(7, 3000)", "(3000, 11)", 976, {1, 546}},
        {2, {100, 100}, "(10, 10)", "(20, 20)", 125, {25, 0}},   /* one step */
    };
    for (size_t k = 0; k < sizeof c / sizeof *c; k++) {
        dusk_shape sh = {c[k].nd, {0}};
        memcpy(sh.v, c[k].shape, sizeof c[k].shape);
        dusk_array *y = dusk_array_rechunk(dusk_ones(ctx, sh, c[k].from, DUSK_DT_F8), c[k].to);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(y, &err))
            fail_msg("case %zu: %s", k, err.msg);
        if (dusk_array_ntasks(y) != c[k].tasks)
            fail_msg("case %zu: %s -> %s has %" PRId64 " tasks, Dask's %" PRId64, k, c[k].from,
                     c[k].to, dusk_array_ntasks(y), c[k].tasks);
        dusk_layer_info info[4];
        size_t nl = dusk_array_layers(y, info, 4), steps = 0;
        for (size_t i = 0; i < nl && i < 4; i++)
            if (strcmp(info[i].op, "rechunk-merge") == 0) {
                assert_true(steps < 2);
                assert_int_equal(info[i].ntasks, c[k].steps[steps]);
                steps++;
            }
        assert_int_equal(steps, c[k].steps[1] ? 2 : 1);
    }
    /* the values through two steps: arange's rows into columns */
    dusk_array *x = dusk_array_reshape(dusk_arange(ctx, 0, 40000, 1, "(400,)"),
                                       DUSK_SHAPE(200, 200), true);
    dusk_array *y = dusk_array_rechunk(dusk_array_rechunk(x, "(10, 10)"), "(200, 1)");
    assert_int_equal(dusk_array_status(y, NULL), 0);
    dusk_value *v = compute_with(y, NULL, "rows into columns");
    const int64_t *got = dusk_ndarray_data(v);
    for (int64_t i = 0; i < 40000; i++)
        if (got[i] != i)
            fail_msg("element %" PRId64 " is %" PRId64, i, got[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rechunk_many_chunkings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rechunk_large_and_misaligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compute_refused_before_building, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_refused_before_writing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normal_work_passes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rlimits_and_opting_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compute_many_counts_every_result, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_from_cgroup_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
