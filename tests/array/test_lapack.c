/*
** dusk tests — linear algebra (include/dusk/linalg.h)
**
** Graphs: for each function, cases that take each of its paths (tsqr's one
** inner factorisation, its recursion once and twice, irregular blocks,
** blocks shorter than wide; sfqr; solve_triangular lower and upper, over
** vectors and matrices; lu, solve, inv and cholesky over several grids;
** lstsq's four outputs; norm's every order), the layers with their task
** counts as Dask 2022.12.1 builds them: kept in the tables below, and
** checked again against python3-dask itself (Debian's /usr/bin/python3),
** each layer an array needs counted whole, as dusk_array_layers does.
** Values: Q @ R == A, Q.T @ Q == I, R upper triangular, U @ diag(S) @ V
** == A, P @ L @ U == A, L @ L.T == A, A @ X == B, A @ inv(A) == I, within
** 1e-10 relative (1e-12 mostly), and equal to NumPy's qr, svd, lstsq and
** norm of the same data (through h5py) up to the signs of columns. Then
** the errors (before anything runs, and singular, non-positive-definite
** and NaN blocks while computing), and OpenBLAS's thread count.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <complex.h>

#include "dusk.h"
#include "dusk/linalg.h"
#include "helpers.h"

static dusk_array_ctx *ctx;

static int setup(void **state)
{
    ctx = dusk_array_ctx_new();
    return ctx ? scratch_setup(state) : -1;
}

static int teardown(void **state)
{
    dusk_array_ctx_free(ctx);
    return scratch_teardown(state);
}

/* --- graphs ---------------------------------------------------------------------- */

typedef struct {
    int64_t m, n;
    const char *chunks;        /* dusk's text, which Python reads as Dask's chunks */
    const char *qr;            /* Dask's layers of Q and R, as layer_pattern writes them */
    const char *svd;           /* of U, S and V (NULL: not compared) */
} graph_case;

/* Dask 2022.12.1's layers of tsqr (Q and R) and svd (U, S, V), each as
 * name-with-*-for-token:layers/tasks, sorted (python3-dask printed them;
 * dask_script prints them again). Dask's 'q-blocksizes' layer holds no
 * task and is left out, as dusk does not make it. */
static const graph_case cases[] = {
    {100, 10, "(25, 10)",
     "dot-*-q3:2/6 getitem-*-q1:2/6 getitem-*-q2:2/6 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:2/6 getitem-*-r2:1/1 ones_like-*:1/4 qr-*:2/6 qr-*-qr2:1/1 "
     "r-inner-*:1/1 stack-*-r1:2/3",
     "dot-*-q3:2/6 ge-*:1/1 getitem-*-q1:2/6 getitem-*-q2:2/6 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:2/6 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/4 getitem-*-v2:1/1 mul-*:3/6 ones_like-*:1/4 qr-*:2/6 "
     "qr-*-qr2:1/1 r-inner-*:1/1 stack-*-r1:2/3 sub-*:1/1 sum-*:1/1 "
     "sum-aggregate-*:1/1 svd-*-2:1/1 transpose-*:2/2"},
    {40, 10, "(10, 10)",
     "dot-*-q3:1/4 getitem-*-q1:1/4 getitem-*-q2:1/4 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/4 getitem-*-r2:1/1 ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 "
     "stack-*-r1:1/1",
     "dot-*-q3:1/4 ge-*:1/1 getitem-*-q1:1/4 getitem-*-q2:1/4 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/4 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/4 getitem-*-v2:1/1 mul-*:3/6 ones_like-*:1/4 qr-*:1/4 "
     "qr-*-qr2:1/1 stack-*-r1:1/1 sub-*:1/1 sum-*:1/1 sum-aggregate-*:1/1 svd-*-2:1/1 "
     "transpose-*:2/2"},
    {1000, 5, "(50, 5)",
     "dot-*-q3:2/22 getitem-*-q1:2/22 getitem-*-q2:2/22 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:2/22 getitem-*-r2:1/1 ones_like-*:1/20 qr-*:2/22 qr-*-qr2:1/1 "
     "r-inner-*:1/1 stack-*-r1:2/3",
     "dot-*-q3:2/22 ge-*:1/1 getitem-*-q1:2/22 getitem-*-q2:2/22 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:2/22 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/20 getitem-*-v2:1/1 mul-*:3/22 ones_like-*:1/20 qr-*:2/22 "
     "qr-*-qr2:1/1 r-inner-*:1/1 stack-*-r1:2/3 sub-*:1/1 sum-*:1/1 "
     "sum-aggregate-*:1/1 svd-*-2:1/1 transpose-*:2/2"},
    {95, 7, "((30, 30, 30, 5), (7,))",
     "dot-*-q3:1/4 getitem-*-q1:1/4 getitem-*-q2:1/4 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/4 getitem-*-r2:1/1 ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 "
     "stack-*-r1:1/1",
     "dot-*-q3:1/4 ge-*:1/1 getitem-*-q1:1/4 getitem-*-q2:1/4 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/4 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/4 getitem-*-v2:1/1 mul-*:3/6 ones_like-*:1/4 qr-*:1/4 "
     "qr-*-qr2:1/1 stack-*-r1:1/1 sub-*:1/1 sum-*:1/1 sum-aggregate-*:1/1 svd-*-2:1/1 "
     "transpose-*:2/2"},
    {30, 40, "(10, 40)",
     "dot-*-q3:1/3 getitem-*-q1:1/3 getitem-*-q2:1/3 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/3 getitem-*-r2:1/1 ones_like-*:1/3 qr-*:1/3 qr-*-qr2:1/1 "
     "stack-*-r1:1/1",
     /* wider than tall in one column of blocks: Dask's svd slices tsqr's
      * full Vt ('getitem') */
     "dot-*-q3:1/3 ge-*:1/1 getitem-*:1/1 getitem-*-q1:1/3 getitem-*-q2:1/3 "
     "getitem-*-q2-aux:1/1 getitem-*-r1:1/3 getitem-*-r2:1/1 getitem-*-s2:1/1 "
     "getitem-*-u2:1/1 getitem-*-u4:1/3 getitem-*-v2:1/1 mul-*:3/5 ones_like-*:1/3 "
     "qr-*:1/3 qr-*-qr2:1/1 stack-*-r1:1/1 sub-*:1/1 sum-*:1/1 sum-aggregate-*:1/1 "
     "svd-*-2:1/1 transpose-*:2/2"},
    /* taller than wide in one row of blocks: the slice is of U */
    {100, 10, "(100, 5)",
     NULL,
     "dot-*-q3:1/2 ge-*:1/1 getitem-*:1/1 getitem-*-q1:1/2 getitem-*-q2:1/2 "
     "getitem-*-q2-aux:1/1 getitem-*-r1:1/2 getitem-*-r2:1/1 getitem-*-s2:1/1 "
     "getitem-*-u2:1/1 getitem-*-u4:1/2 getitem-*-v2:1/1 mul-*:3/4 ones_like-*:1/2 "
     "qr-*:1/2 qr-*-qr2:1/1 stack-*-r1:1/1 sub-*:1/1 sum-*:1/2 sum-aggregate-*:1/1 "
     "svd-*-2:1/1 transpose-*:5/7"},
    {13, 4, "(3, 4)",
     "dot-*-q3:1/5 getitem-*-q1:1/5 getitem-*-q2:1/5 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/5 getitem-*-r2:1/1 ones_like-*:1/5 qr-*:1/5 qr-*-qr2:1/1 "
     "stack-*-r1:1/1",
     "dot-*-q3:1/5 ge-*:1/1 getitem-*-q1:1/5 getitem-*-q2:1/5 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/5 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/5 getitem-*-v2:1/1 mul-*:3/7 ones_like-*:1/5 qr-*:1/5 "
     "qr-*-qr2:1/1 stack-*-r1:1/1 sub-*:1/1 sum-*:1/1 sum-aggregate-*:1/1 svd-*-2:1/1 "
     "transpose-*:2/2"},
    /* one block: Dask's svd is delayed np.linalg.svd ('finalize' and
     * 'svd' named by a uuid in Dask, by a token in dusk) */
    {20, 6, "(20, 6)",
     "dot-*-q3:1/1 getitem-*-q1:1/1 getitem-*-q2:1/1 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/1 getitem-*-r2:1/1 ones_like-*:1/1 qr-*:1/1 qr-*-qr2:1/1 "
     "stack-*-r1:1/1",
     "finalize-*:1/1 from-value-*:3/3 ge-*:1/1 getitem-*:3/3 mul-*:3/3 ones_like-*:1/1 "
     "sub-*:1/1 sum-*:1/1 sum-aggregate-*:1/1 svd-*:1/1 transpose-*:2/2"},
    {6, 20, "(6, 20)",
     "dot-*-q3:1/1 getitem-*-q1:1/1 getitem-*-q2:1/1 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:1/1 getitem-*-r2:1/1 ones_like-*:1/1 qr-*:1/1 qr-*-qr2:1/1 "
     "stack-*-r1:1/1",
     "finalize-*:1/1 from-value-*:3/3 ge-*:1/1 getitem-*:3/3 mul-*:3/3 ones_like-*:1/1 "
     "sub-*:1/1 sum-*:1/1 sum-aggregate-*:1/1 svd-*:1/1 transpose-*:2/2"},
    {10, 100, "(10, 25)",
     NULL,
     "dot-*-q3:2/6 ge-*:1/1 getitem-*-q1:2/6 getitem-*-q2:2/6 getitem-*-q2-aux:1/1 "
     "getitem-*-r1:2/6 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/4 getitem-*-v2:1/1 mul-*:3/6 ones_like-*:1/4 qr-*:2/6 "
     "qr-*-qr2:1/1 r-inner-*:1/1 stack-*-r1:2/3 sub-*:1/1 sum-*:1/4 "
     "sum-aggregate-*:1/1 svd-*-2:1/1 transpose-*:5/11"},
};
#define NCASES (sizeof cases / sizeof *cases)

/* The layers of arrays a[0..n), each once, as "name:layers/tasks" sorted,
 * names with each 32-digit token written '*'. */
typedef struct {
    char pat[96];
    int64_t layers, tasks;
} pat_count;

static int cmp_pat(const void *x, const void *y)
{
    return strcmp(((const pat_count *)x)->pat, ((const pat_count *)y)->pat);
}

static void layer_pattern(dusk_array *const *a, int n, char *out, size_t outn)
{
    static dusk_layer_info info[256];
    static const char *seen[1024];
    static pat_count pc[128];
    int nseen = 0, npc = 0;
    for (int k = 0; k < n; k++) {
        size_t nl = dusk_array_layers(a[k], info, 256);
        assert_true(nl <= 256);
        for (size_t i = 0; i < nl; i++) {
            int dup = 0;
            for (int j = 0; j < nseen && !dup; j++)
                dup = strcmp(seen[j], info[i].name) == 0;
            if (dup)
                continue;
            assert_true(nseen < 1024);
            seen[nseen++] = info[i].name;
            char p[96];
            size_t o = 0;
            for (const char *s = info[i].name; *s && o + 1 < sizeof p;) {
                size_t h = strspn(s, "0123456789abcdef");
                if (h == 32) {
                    p[o++] = '*';
                    s += 32;
                } else {
                    p[o++] = *s++;
                }
            }
            p[o] = 0;
            int at = -1;
            for (int j = 0; j < npc && at < 0; j++)
                if (strcmp(pc[j].pat, p) == 0)
                    at = j;
            if (at < 0) {
                assert_true(npc < 128);
                at = npc++;
                snprintf(pc[at].pat, sizeof pc[at].pat, "%s", p);
                pc[at].layers = pc[at].tasks = 0;
            }
            pc[at].layers++;
            pc[at].tasks += info[i].ntasks;
        }
    }
    qsort(pc, (size_t)npc, sizeof *pc, cmp_pat);
    size_t o = 0;
    out[0] = 0;
    for (int j = 0; j < npc && o < outn; j++)
        o += (size_t)snprintf(out + o, outn - o, "%s%s:%" PRId64 "/%" PRId64, j ? " " : "",
                              pc[j].pat, pc[j].layers, pc[j].tasks);
}

/* dusk's layers of tsqr and svd of ones(c) into qr and svd ("-" where
 * the table has none). */
static void graphs_of(const graph_case *c, char *qr, char *svd, size_t n)
{
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(c->m, c->n), c->chunks, DUSK_DT_F8);
    dusk_error err = DUSK_ERROR_INIT;
    snprintf(qr, n, "-");
    snprintf(svd, n, "-");
    if (dusk_array_numblocks(x, 1) == 1) {
        dusk_qr f = dusk_linalg_tsqr(x);
        if (dusk_array_status(f.q, &err) || dusk_array_status(f.r, &err))
            fail_msg("tsqr of (%" PRId64 ", %" PRId64 ") in %s: %s", c->m, c->n, c->chunks,
                     err.msg);
        dusk_array *a[2] = {f.q, f.r};
        layer_pattern(a, 2, qr, n);
    }
    if (c->svd) {
        dusk_svd f = dusk_linalg_svd(x);
        if (dusk_array_status(f.u, &err) || dusk_array_status(f.s, &err) ||
            dusk_array_status(f.v, &err))
            fail_msg("svd of (%" PRId64 ", %" PRId64 ") in %s: %s", c->m, c->n, c->chunks,
                     err.msg);
        dusk_array *a[3] = {f.u, f.s, f.v};
        layer_pattern(a, 3, svd, n);
    }
}

static void test_graphs_as_kept(void **state)
{
    (void)state;
    char qr[2048], svd[2048];
    for (size_t i = 0; i < NCASES; i++) {
        const graph_case *c = &cases[i];
        graphs_of(c, qr, svd, sizeof qr);
        if (strcmp(qr, c->qr ? c->qr : "-") != 0)
            fail_msg("tsqr of (%" PRId64 ", %" PRId64 ") in %s:\n dusk %s\n dask %s", c->m, c->n,
                     c->chunks, qr, c->qr);
        if (strcmp(svd, c->svd ? c->svd : "-") != 0)
            fail_msg("svd of (%" PRId64 ", %" PRId64 ") in %s:\n dusk %s\n dask %s", c->m, c->n,
                     c->chunks, svd, c->svd);
    }
}

/* The same table, printed by Dask itself. */
static const char dask_script[] =
    "import re, sys\n"
    "import dask.array as da\n"
    "UUID = '-'.join('[0-9a-f]{%d}' % w for w in (8, 4, 4, 4, 12))\n"
    "def pat(arrs):\n"
    "    seen = {}\n"
    "    for a in arrs:\n"
    "        for k, l in a.__dask_graph__().layers.items():\n"
    "            if len(l):\n"
    "                seen[k] = len(l)\n"
    "    out = {}\n"
    "    for k, n in seen.items():\n"
    "        p = re.sub(UUID + '|[0-9a-f]{32}', '*', k)\n"
    "        L, T = out.get(p, (0, 0))\n"
    "        out[p] = (L + 1, T + n)\n"
    "    return ' '.join('%s:%d/%d' % (p, L, T) for p, (L, T) in sorted(out.items()))\n"
    "for line in sys.stdin:\n"
    "    m, n, ch, svd = line.rstrip('\\n').split(';')\n"
    "    x = da.ones((int(m), int(n)), chunks=eval(ch))\n"
    "    print(pat(da.linalg.tsqr(x)) if x.numblocks[1] == 1 else '-')\n"
    "    print(pat(da.linalg.svd(x)) if svd == '1' else '-')\n";

static void test_graphs_as_dask(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("graphs.py"), "w");
    assert_non_null(f);
    fputs(dask_script, f);
    fclose(f);
    f = fopen(scratch("graphs.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NCASES; i++)
        fprintf(f, "%" PRId64 ";%" PRId64 ";%s;%d\n", cases[i].m, cases[i].n, cases[i].chunks,
                cases[i].svd != NULL);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("graphs.py"),
             scratch("graphs.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask (Debian's /usr/bin/python3, scripts/install-deps.sh installs it) "
                 "could not print its graphs:\n%s", out ? out : "(no output)");
    char *line = out, qr[2048], svd[2048];
    for (size_t i = 0; i < NCASES; i++) {
        const graph_case *c = &cases[i];
        char *want[2];
        for (int k = 0; k < 2; k++) {
            char *nl = line ? strchr(line, '\n') : NULL;
            if (!nl)
                fail_msg("Dask printed fewer lines than cases:\n%s", out);
            *nl = 0;
            want[k] = line;
            line = nl + 1;
        }
        graphs_of(c, qr, svd, sizeof qr);
        if (strcmp(qr, want[0]) != 0)
            fail_msg("tsqr of (%" PRId64 ", %" PRId64 ") in %s:\n dusk %s\n dask %s", c->m, c->n,
                     c->chunks, qr, want[0]);
        if (strcmp(svd, want[1]) != 0)
            fail_msg("svd of (%" PRId64 ", %" PRId64 ") in %s:\n dusk %s\n dask %s", c->m, c->n,
                     c->chunks, svd, want[1]);
    }
    free(out);
}

/* --- values ---------------------------------------------------------------------- */

static dusk_value *compute(dusk_array *a, const char *what)
{
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_compute(a, NULL, &v, &err) != 0)
        fail_msg("%s: %s", what, err.msg);
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_F8);
    return v;
}

static double at(const dusk_value *v, int64_t i, int64_t j)
{
    return ((const double *)dusk_ndarray_data(v))[i * dusk_ndarray_shape(v)[1] + j];
}

static double max_abs(const dusk_value *v)
{
    double m = 0;
    for (int64_t i = 0; i < dusk_ndarray_size(v); i++)
        m = fmax(m, fabs(((const double *)dusk_ndarray_data(v))[i]));
    return m;
}

/* max |x @ y - want| / scale, with y's columns scaled by d when given. */
static double prod_err(const dusk_value *x, const dusk_value *d, const dusk_value *y,
                       const dusk_value *want, double scale)
{
    int64_t m = dusk_ndarray_shape(x)[0], k = dusk_ndarray_shape(x)[1],
            n = dusk_ndarray_shape(y)[1];
    assert_int_equal(dusk_ndarray_shape(y)[0], k);
    assert_int_equal(dusk_ndarray_shape(want)[0], m);
    assert_int_equal(dusk_ndarray_shape(want)[1], n);
    double e = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t l = 0; l < k; l++)
                s += at(x, i, l) * (d ? ((const double *)dusk_ndarray_data(d))[l] : 1) * at(y, l, j);
            e = fmax(e, fabs(s - at(want, i, j)));
        }
    return e / scale;
}

/* max |x.T @ x - I| (cols: x's columns are orthonormal) or |x @ x.T - I|. */
static double ortho_err(const dusk_value *x, int cols)
{
    int64_t m = dusk_ndarray_shape(x)[0], n = dusk_ndarray_shape(x)[1];
    int64_t outer = cols ? n : m, inner = cols ? m : n;
    double e = 0;
    for (int64_t i = 0; i < outer; i++)
        for (int64_t j = 0; j < outer; j++) {
            double s = 0;
            for (int64_t l = 0; l < inner; l++)
                s += cols ? at(x, l, i) * at(x, l, j) : at(x, i, l) * at(x, j, l);
            e = fmax(e, fabs(s - (i == j)));
        }
    return e;
}

typedef struct {
    int64_t m, n;
    const char *chunks;
} value_case;

/* each of tsqr's paths, a block shorter than it is wide, short-and-fat
 * for svd */
static const value_case vcases[] = {
    {400, 12, "(50, 12)"},  {1000, 5, "(50, 5)"},   {95, 7, "((30, 30, 30, 5), (7,))"},
    {13, 4, "(3, 4)"},      {60, 60, "(20, 60)"},   {30, 40, "(10, 40)"},
    {20, 6, "(20, 6)"},     {9, 120, "(9, 30)"},
};

static void test_qr_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vcases / sizeof *vcases; i++) {
        const value_case *c = &vcases[i];
        dusk_array *x = dusk_random_normal(ctx, 7 + i, 0, 1, DUSK_SHAPE(c->m, c->n), c->chunks);
        dusk_qr f = dusk_linalg_qr(x);   /* tsqr, or sfqr for one row of blocks */
        int64_t k = c->m < c->n ? c->m : c->n;
        assert_int_equal(dusk_array_shape(f.q)[0], c->m);
        assert_int_equal(dusk_array_shape(f.q)[1], k);
        assert_int_equal(dusk_array_shape(f.r)[0], k);
        assert_int_equal(dusk_array_shape(f.r)[1], c->n);
        if (dusk_array_numblocks(x, 0) > 1)
            assert_int_equal(dusk_array_numblocks(f.q, 0), dusk_array_numblocks(x, 0));
        dusk_value *a = compute(x, "A"), *q = compute(f.q, "Q"), *r = compute(f.r, "R");
        double e = prod_err(q, NULL, r, a, max_abs(a)), o = ortho_err(q, 1);
        if (e > 1e-12 || o > 1e-12)
            fail_msg("qr of (%" PRId64 ", %" PRId64 ") in %s: |QR - A| %.3g, |Q'Q - I| %.3g",
                     c->m, c->n, c->chunks, e, o);
        for (int64_t r_ = 0; r_ < k; r_++)
            for (int64_t j = 0; j < r_; j++)
                assert_true(at(r, r_, j) == 0.0);
        dusk_value_unref(a);
        dusk_value_unref(q);
        dusk_value_unref(r);
    }
}

static void test_svd_values(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vcases / sizeof *vcases; i++) {
        const value_case *c = &vcases[i];
        dusk_array *x = dusk_random_normal(ctx, 70 + i, 0, 1, DUSK_SHAPE(c->m, c->n), c->chunks);
        dusk_svd f = dusk_linalg_svd(x);
        int64_t k = c->m < c->n ? c->m : c->n;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(f.v, &err))
            fail_msg("svd of (%" PRId64 ", %" PRId64 ") in %s: %s", c->m, c->n, c->chunks,
                     err.msg);
        assert_int_equal(dusk_array_shape(f.u)[1], k);
        assert_int_equal(dusk_array_shape(f.s)[0], k);
        assert_int_equal(dusk_array_shape(f.v)[0], k);
        dusk_value *a = compute(x, "A"), *u = compute(f.u, "U"), *s = compute(f.s, "S"),
                   *v = compute(f.v, "V");
        double e = prod_err(u, s, v, a, max_abs(a)), ou = ortho_err(u, 1), ov = ortho_err(v, 0);
        if (e > 1e-12 || ou > 1e-12 || ov > 1e-12)
            fail_msg("svd of (%" PRId64 ", %" PRId64 ") in %s: |USV - A| %.3g, |U'U - I| %.3g, "
                     "|VV' - I| %.3g", c->m, c->n, c->chunks, e, ou, ov);
        const double *sv = dusk_ndarray_data(s);
        for (int64_t j = 0; j + 1 < k; j++)
            assert_true(sv[j] >= sv[j + 1] && sv[j + 1] >= 0);
        /* svd_flip: each row of V sums to a non-negative number */
        for (int64_t j = 0; j < k; j++) {
            double sum = 0;
            for (int64_t l = 0; l < c->n; l++)
                sum += at(v, j, l);
            assert_true(sum >= 0);
        }
        dusk_value_unref(a);
        dusk_value_unref(u);
        dusk_value_unref(s);
        dusk_value_unref(v);
    }
}

/* svd of arrays whose shape contradicts their chunking (wider than tall
 * in one column of blocks, taller than wide in one row): k = min(m, n)
 * factors, U @ diag(S) @ V == A. */
static void test_svd_truncated(void **state)
{
    (void)state;
    /* (4, 200000): Dask's tsqr would make a 200000 x 200000 Vt (320 GB)
     * before its slice; dusk's kernel makes the 4 rows kept */
    static const value_case tc[] = {{30, 40, "(10, 40)"}, {40, 12, "(40, 4)"}, {5, 9, "(1, 9)"},
                                    {6, 20, "(6, 20)"}, {0, 4, "(2, 4)"},
                                    {4, 200000, "(2, 200000)"}};
    for (size_t i = 0; i < sizeof tc / sizeof *tc; i++) {
        const value_case *c = &tc[i];
        dusk_array *x = dusk_random_normal(ctx, 90 + i, 0, 1, DUSK_SHAPE(c->m, c->n), c->chunks);
        dusk_svd f = dusk_linalg_svd(x);
        int64_t k = c->m < c->n ? c->m : c->n;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(f.u, &err) || dusk_array_status(f.v, &err))
            fail_msg("svd of (%" PRId64 ", %" PRId64 ") in %s: %s", c->m, c->n, c->chunks,
                     err.msg);
        assert_int_equal(dusk_array_shape(f.u)[0], c->m);
        assert_int_equal(dusk_array_shape(f.u)[1], k);
        assert_int_equal(dusk_array_shape(f.v)[0], k);
        assert_int_equal(dusk_array_shape(f.v)[1], c->n);
        dusk_value *a = compute(x, "A"), *u = compute(f.u, "U"), *s = compute(f.s, "S"),
                   *v = compute(f.v, "V");
        double e = prod_err(u, s, v, a, max_abs(a)), ou = ortho_err(u, 1), ov = ortho_err(v, 0);
        if (e > 1e-12 || ou > 1e-12 || ov > 1e-12)
            fail_msg("svd of (%" PRId64 ", %" PRId64 ") in %s: |USV - A| %.3g, |U'U - I| %.3g, "
                     "|VV' - I| %.3g", c->m, c->n, c->chunks, e, ou, ov);
        dusk_value_unref(a);
        dusk_value_unref(u);
        dusk_value_unref(s);
        dusk_value_unref(v);
    }
}

/* NumPy's factors of the same data, through HDF5 files: equal within
 * 1e-10 relative, up to the sign of each column of Q (row of R), U (row
 * of V). */
static void test_same_as_numpy(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vcases / sizeof *vcases; i++) {
        const value_case *c = &vcases[i];
        dusk_array *x = dusk_random_normal(ctx, 700 + i, 0, 1, DUSK_SHAPE(c->m, c->n), c->chunks);
        char fin[32], fout[32];   /* files of their own: dusk keeps HDF5 files open */
        snprintf(fin, sizeof fin, "a%zu.h5", i);
        snprintf(fout, sizeof fout, "np%zu.h5", i);
        const char *in = scratch(fin);
        dusk_store_options so = {0, true};
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_store(x, in, "/a", &so, NULL, &err))
            fail_msg("store: %s", err.msg);
        const char *out = scratch(fout);
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import h5py, numpy as np\n"
                 "a = h5py.File(\"%s\", \"r\")[\"a\"][...]\n"
                 "q, r = np.linalg.qr(a)\n"
                 "u, s, v = np.linalg.svd(a, full_matrices=False)\n"
                 "with h5py.File(\"%s\", \"w\") as f:\n"
                 "    for k, x in ((\"q\", q), (\"r\", r), (\"u\", u), (\"s\", s), (\"v\", v)):\n"
                 "        f[k] = x' 2>&1",
                 in, out);
        int status;
        char *msg = run_command(cmd, &status);
        if (status != 0)
            fail_msg("NumPy (python3-numpy, python3-h5py) could not factorise: %s", msg);
        free(msg);
        dusk_value *np[5];
        const char *names[5] = {"/q", "/r", "/u", "/s", "/v"};
        for (int k = 0; k < 5; k++)
            np[k] = compute(dusk_from_hdf5(ctx, out, names[k], NULL), names[k]);
        dusk_value *mine[5] = {NULL, NULL, NULL, NULL, NULL};
        dusk_qr f = dusk_linalg_qr(x);
        mine[0] = compute(f.q, "Q");
        mine[1] = compute(f.r, "R");
        dusk_svd g = dusk_linalg_svd(x);
        mine[2] = compute(g.u, "U");
        mine[3] = compute(g.s, "S");
        mine[4] = compute(g.v, "V");
        int64_t k = c->m < c->n ? c->m : c->n;
        double scale = max_abs(np[3]);   /* the largest singular value */
        for (int64_t j = 0; j < k; j++) {
            /* Q's column j and R's row j, U's column j and V's row j,
             * with the signs that make them agree */
            for (int p = 0; p < 2; p++) {
                dusk_value *cq = mine[2 * p], *rr = mine[2 * p + 1 + p];
                dusk_value *nq = np[2 * p], *nr = np[2 * p + 1 + p];
                if (!cq)
                    continue;
                double dot = 0;
                for (int64_t l = 0; l < c->m; l++)
                    dot += at(cq, l, j) * at(nq, l, j);
                double sg = dot < 0 ? -1 : 1, e = 0;
                for (int64_t l = 0; l < c->m; l++)
                    e = fmax(e, fabs(at(cq, l, j) - sg * at(nq, l, j)));
                for (int64_t l = 0; l < c->n; l++)
                    e = fmax(e, fabs(at(rr, j, l) - sg * at(nr, j, l)) / scale);
                if (e > 1e-10)
                    fail_msg("%s of (%" PRId64 ", %" PRId64 ") in %s: factor %" PRId64 " differs "
                             "from NumPy's by %.3g", p ? "svd" : "qr", c->m, c->n, c->chunks, j, e);
            }
            double ds = fabs(((const double *)dusk_ndarray_data(mine[3]))[j] -
                             ((const double *)dusk_ndarray_data(np[3]))[j]) / scale;
            if (ds > 1e-10)
                fail_msg("singular value %" PRId64 " of (%" PRId64 ", %" PRId64 ") differs by %.3g",
                         j, c->m, c->n, ds);
        }
        for (int k2 = 0; k2 < 5; k2++) {
            dusk_value_unref(np[k2]);
            dusk_value_unref(mine[k2]);
        }
    }
}

/* A float32 array gives float32 factors. */
static void test_float32(void **state)
{
    (void)state;
    dusk_array *x = dusk_array_astype(
        dusk_random_normal(ctx, 5, 0, 1, DUSK_SHAPE(200, 8), "(40, 8)"), DUSK_DT_F4);
    dusk_qr f = dusk_linalg_qr(x);
    dusk_svd g = dusk_linalg_svd(x);
    assert_int_equal(dusk_array_dtype(f.q), DUSK_DT_F4);
    assert_int_equal(dusk_array_dtype(f.r), DUSK_DT_F4);
    assert_int_equal(dusk_array_dtype(g.s), DUSK_DT_F4);
    /* Q @ R in float64 from the float32 factors */
    dusk_value *a = compute(dusk_array_astype(x, DUSK_DT_F8), "A");
    dusk_value *q = compute(dusk_array_astype(f.q, DUSK_DT_F8), "Q");
    dusk_value *r = compute(dusk_array_astype(f.r, DUSK_DT_F8), "R");
    double e = prod_err(q, NULL, r, a, max_abs(a));
    if (e > 1e-6 || ortho_err(q, 1) > 1e-6)
        fail_msg("float32 qr: |QR - A| %.3g, |Q'Q - I| %.3g", e, ortho_err(q, 1));
    dusk_value_unref(a);
    dusk_value_unref(q);
    dusk_value_unref(r);
    /* integers give float64 */
    dusk_array *ints = dusk_ones(ctx, DUSK_SHAPE(30, 3), "(10, 3)", DUSK_DT_I4);
    assert_int_equal(dusk_array_dtype(dusk_linalg_qr(ints).q), DUSK_DT_F8);
}

/* --- complex arrays -------------------------------------------------------------- */

typedef double complex cplx;

/* A deterministic complex matrix (m x n, row-major) whose entries are in
 * [-1, 1] + [-1, 1]i, plus diag on the diagonal; freed by the caller. */
static cplx *cmatrix(int64_t m, int64_t n, unsigned seed, double diag)
{
    cplx *a = malloc((size_t)(m * n) * sizeof *a);
    assert_non_null(a);
    uint64_t x = 88172645463325252ull ^ seed;
    for (int64_t i = 0; i < m * n; i++) {
        double p[2];
        for (int k = 0; k < 2; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            p[k] = (double)(x >> 11) / 4503599627370496.0 - 1;   /* 2^52: [-1, 1) */
        }
        a[i] = p[0] + p[1] * I;
    }
    for (int64_t i = 0; i < m && i < n; i++)
        a[i * n + i] += diag;
    return a;
}

/* A computed complex array as complex128 (complex64 widened). */
static dusk_value *ccompute(dusk_array *a, const char *what)
{
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_compute(dusk_array_astype(a, DUSK_DT_C16), NULL, &v, &err) != 0)
        fail_msg("%s: %s", what, err.msg);
    assert_int_equal(dusk_ndarray_dtype(v), DUSK_DT_C16);
    return v;
}

static cplx cat_(const dusk_value *v, int64_t i, int64_t j)
{
    int64_t n = dusk_ndarray_ndim(v) == 2 ? dusk_ndarray_shape(v)[1] : 1;
    return ((const cplx *)dusk_ndarray_data(v))[i * n + j];
}

/* max |x @ diag(d) @ y - want| over want's entries (d real, may be NULL);
 * x (m x k), y (k x n); a 1-d want or y is a column. */
static double cprod_err(const dusk_value *x, const double *d, const dusk_value *y,
                        const cplx *want)
{
    int64_t m = dusk_ndarray_shape(x)[0], k = dusk_ndarray_shape(x)[1];
    int64_t n = dusk_ndarray_ndim(y) == 2 ? dusk_ndarray_shape(y)[1] : 1;
    assert_int_equal(dusk_ndarray_shape(y)[0], k);
    double e = 0;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            cplx s = 0;
            for (int64_t l = 0; l < k; l++)
                s += cat_(x, i, l) * (d ? d[l] : 1) * cat_(y, l, j);
            e = fmax(e, cabs(s - want[i * n + j]));
        }
    return e;
}

/* max |x^H x - I| (cols) or |x x^H - I|. */
static double cortho_err(const dusk_value *x, int cols)
{
    int64_t m = dusk_ndarray_shape(x)[0], n = dusk_ndarray_shape(x)[1];
    int64_t outer = cols ? n : m, inner = cols ? m : n;
    double e = 0;
    for (int64_t i = 0; i < outer; i++)
        for (int64_t j = 0; j < outer; j++) {
            cplx s = 0;
            for (int64_t l = 0; l < inner; l++)
                s += cols ? conj(cat_(x, l, i)) * cat_(x, l, j) : cat_(x, i, l) * conj(cat_(x, j, l));
            e = fmax(e, cabs(s - (i == j)));
        }
    return e;
}

/* The array of a complex128 buffer, in dtype (complex128 or complex64). */
static dusk_array *carray(const cplx *a, int64_t m, int64_t n, const char *chunks, dusk_dtype dt)
{
    dusk_array *x = n ? dusk_from_buffer(ctx, a, DUSK_DT_C16, DUSK_SHAPE(m, n), chunks)
                      : dusk_from_buffer(ctx, a, DUSK_DT_C16, DUSK_SHAPE(m), chunks);
    return dt == DUSK_DT_C16 ? x : dusk_array_astype(x, dt);
}

/* The same buffer rounded to complex64 and back (what a complex64 array holds). */
static void round_c8(cplx *a, int64_t n, dusk_dtype dt)
{
    for (int64_t i = 0; dt == DUSK_DT_C8 && i < n; i++)
        a[i] = (float)creal(a[i]) + (float)cimag(a[i]) * I;
}

/* qr and svd of complex arrays of each of tsqr's paths, sfqr's, and one
 * block: Q R == A, Q^H Q == I, R upper triangular with a real diagonal;
 * U diag(S) V == A (V being V^H), U^H U == I, V V^H == I, S real and
 * descending; the factors in the array's dtype, S in its real one. */
static void test_complex_qr_svd(void **state)
{
    (void)state;
    static const value_case cc[] = {
        {400, 12, "(50, 12)"}, {95, 7, "((30, 30, 30, 5), (7,))"}, {13, 4, "(3, 4)"},
        {20, 6, "(20, 6)"},    {9, 120, "(9, 30)"},                {30, 40, "(10, 40)"},
    };
    for (int p = 0; p < 2; p++) {
        dusk_dtype dt = p ? DUSK_DT_C8 : DUSK_DT_C16;
        double tol = p ? 1e-5 : 1e-12;
        for (size_t i = 0; i < sizeof cc / sizeof *cc; i++) {
            const value_case *c = &cc[i];
            int64_t m = c->m, n = c->n, k = m < n ? m : n;
            cplx *a = cmatrix(m, n, (unsigned)i, 0);
            round_c8(a, m * n, dt);
            dusk_array *x = carray(a, m, n, c->chunks, dt);
            dusk_qr f = dusk_linalg_qr(x);
            dusk_svd g = dusk_linalg_svd(x);
            dusk_error err = DUSK_ERROR_INIT;
            if (dusk_array_status(f.q, &err) || dusk_array_status(g.u, &err))
                fail_msg("complex qr/svd of (%" PRId64 ", %" PRId64 ") in %s: %s", m, n, c->chunks,
                         err.msg);
            assert_int_equal(dusk_array_dtype(f.q), dt);
            assert_int_equal(dusk_array_dtype(f.r), dt);
            assert_int_equal(dusk_array_dtype(g.u), dt);
            assert_int_equal(dusk_array_dtype(g.v), dt);
            assert_int_equal(dusk_array_dtype(g.s), p ? DUSK_DT_F4 : DUSK_DT_F8);
            dusk_value *q = ccompute(f.q, "Q"), *r = ccompute(f.r, "R");
            double e = cprod_err(q, NULL, r, a), o = cortho_err(q, 1);
            if (e > tol * 10 || o > tol * 10)
                fail_msg("complex qr of (%" PRId64 ", %" PRId64 ") in %s (%s): |QR - A| %.3g, "
                         "|Q^H Q - I| %.3g", m, n, c->chunks, dusk_dtype_name(dt), e, o);
            for (int64_t i_ = 0; i_ < k; i_++) {
                assert_true(cimag(cat_(r, i_, i_)) == 0.0);
                for (int64_t j = 0; j < i_; j++)
                    assert_true(cat_(r, i_, j) == 0.0);
            }
            dusk_value *u = ccompute(g.u, "U"), *v = ccompute(g.v, "V"), *s = NULL;
            if (dusk_array_compute(dusk_array_astype(g.s, DUSK_DT_F8), NULL, &s, &err) != 0)
                fail_msg("S: %s", err.msg);
            const double *sv = dusk_ndarray_data(s);
            e = cprod_err(u, sv, v, a);
            double ou = cortho_err(u, 1), ov = cortho_err(v, 0);
            if (e > tol * 100 || ou > tol * 10 || ov > tol * 10)
                fail_msg("complex svd of (%" PRId64 ", %" PRId64 ") in %s (%s): |USV - A| %.3g, "
                         "|U^H U - I| %.3g, |V V^H - I| %.3g", m, n, c->chunks,
                         dusk_dtype_name(dt), e, ou, ov);
            for (int64_t j = 0; j + 1 < k; j++)
                assert_true(sv[j] >= sv[j + 1] && sv[j + 1] >= 0);
            dusk_value_unref(q);
            dusk_value_unref(r);
            dusk_value_unref(u);
            dusk_value_unref(v);
            dusk_value_unref(s);
            free(a);
        }
    }
}

/* solve, inv, lu and cholesky of complex arrays in one block and in
 * several: A X == B, A inv(A) == I, P L U == A, L L^H == H and the upper
 * factor L^H. */
static void test_complex_solve(void **state)
{
    (void)state;
    static const char *const chunks[] = {"12", "4", "3"};
    const int64_t n = 12;
    for (int p = 0; p < 2; p++) {
        dusk_dtype dt = p ? DUSK_DT_C8 : DUSK_DT_C16;
        double tol = p ? 1e-4 : 1e-11;
        for (size_t ci = 0; ci < sizeof chunks / sizeof *chunks; ci++) {
            const char *ch = chunks[ci];
            cplx *a = cmatrix(n, n, 40 + (unsigned)ci, (double)n);
            cplx *b = cmatrix(n, 3, 50 + (unsigned)ci, 0);
            round_c8(a, n * n, dt);
            round_c8(b, n * 3, dt);
            dusk_array *x = carray(a, n, n, ch, dt);
            char bch[32];
            snprintf(bch, sizeof bch, "(%s, 3)", ch);
            dusk_array *xb = carray(b, n, 3, bch, dt), *xv = carray(b, n, 0, ch, dt);
            /* b as a matrix, and the first n entries of its buffer as a vector */
            dusk_array *sol = dusk_linalg_solve(x, xb), *solv = dusk_linalg_solve(x, xv);
            dusk_array *inv = dusk_linalg_inv(x);
            assert_int_equal(dusk_array_dtype(sol), dt);
            assert_int_equal(dusk_array_dtype(inv), dt);
            dusk_value *av = ccompute(x, "A"), *s = ccompute(sol, "X"), *sv = ccompute(solv, "x"),
                       *iv = ccompute(inv, "inv");
            double e = cprod_err(av, NULL, s, b), ev = cprod_err(av, NULL, sv, b);
            cplx *eye = calloc((size_t)(n * n), sizeof *eye);
            assert_non_null(eye);
            for (int64_t i = 0; i < n; i++)
                eye[i * n + i] = 1;
            double ei = cprod_err(av, NULL, iv, eye);
            if (e > tol || ev > tol || ei > tol)
                fail_msg("complex solve in chunks %s (%s): |AX - B| %.3g, |Ax - b| %.3g, "
                         "|A inv(A) - I| %.3g", ch, dusk_dtype_name(dt), e, ev, ei);
            /* P L U == A, P real */
            dusk_lu f = dusk_linalg_lu(x);
            assert_int_equal(dusk_array_dtype(f.p), p ? DUSK_DT_F4 : DUSK_DT_F8);
            assert_int_equal(dusk_array_dtype(f.l), dt);
            dusk_value *pv = ccompute(f.p, "P"), *lv = ccompute(f.l, "L"), *uv = ccompute(f.u, "U");
            dusk_value *plv = NULL;
            dusk_error err = DUSK_ERROR_INIT;
            if (dusk_array_compute(dusk_array_dot(dusk_array_astype(f.p, DUSK_DT_C16),
                                                  dusk_array_astype(f.l, DUSK_DT_C16)),
                                   NULL, &plv, &err) != 0)
                fail_msg("P @ L: %s", err.msg);
            e = cprod_err(plv, NULL, uv, a);
            if (e > tol * n)
                fail_msg("complex lu in chunks %s (%s): |PLU - A| %.3g", ch, dusk_dtype_name(dt), e);
            /* H = A A^H + n I: L L^H == H, upper == L^H */
            cplx *h = calloc((size_t)(n * n), sizeof *h);
            assert_non_null(h);
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < n; j++) {
                    for (int64_t l = 0; l < n; l++)
                        h[i * n + j] += a[i * n + l] * conj(a[j * n + l]);
                    h[i * n + j] += i == j ? (double)n : 0;
                }
            dusk_array *xh = carray(h, n, n, ch, DUSK_DT_C16);
            dusk_value *lo = ccompute(dusk_linalg_cholesky(xh, true), "L"),
                       *up = ccompute(dusk_linalg_cholesky(xh, false), "L^H");
            double el = 0, eu = 0;
            for (int64_t i = 0; i < n; i++)
                for (int64_t j = 0; j < n; j++) {
                    cplx s_ = 0;
                    for (int64_t l = 0; l < n; l++)
                        s_ += cat_(lo, i, l) * conj(cat_(lo, j, l));
                    el = fmax(el, cabs(s_ - h[i * n + j]));
                    eu = fmax(eu, cabs(cat_(up, i, j) - conj(cat_(lo, j, i))));
                    if (j > i)
                        assert_true(cat_(lo, i, j) == 0.0);
                }
            if (el > 1e-10 * n * n || eu != 0)
                fail_msg("complex cholesky in chunks %s: |L L^H - H| %.3g, |U - L^H| %.3g", ch, el,
                         eu);
            dusk_value *vals[] = {av, s, sv, iv, pv, lv, uv, plv, lo, up};
            for (size_t k = 0; k < sizeof vals / sizeof *vals; k++)
                dusk_value_unref(vals[k]);
            free(a);
            free(b);
            free(eye);
            free(h);
        }
    }
}

/* A complex array's graphs are a real one's: the same layers and task
 * counts for tsqr, svd, lu, solve and lstsq (only the kernels differ),
 * but for svd_flip's signs cast to v's dtype, one 'astype' task, which
 * Dask's .astype(dtype) makes for a complex v too (of float64 none), and
 * sfqr's Q^H, a 'conjugate' task where Dask's Q.T is wrong for complex. */
static void test_complex_graphs_as_real(void **state)
{
    (void)state;
    static const value_case gc[] = {{40, 6, "(10, 6)"}, {13, 4, "(3, 4)"}, {6, 40, "(6, 10)"},
                                    {12, 12, "(4, 4)"}};
    for (size_t i = 0; i < sizeof gc / sizeof *gc; i++) {
        char pat[2][4096];
        for (int p = 0; p < 2; p++) {
            dusk_dtype dt = p ? DUSK_DT_C16 : DUSK_DT_F8;
            dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(gc[i].m, gc[i].n), gc[i].chunks, dt);
            dusk_array *parts[16];
            int np = 0;
            if (gc[i].m != gc[i].n) {
                dusk_svd g = dusk_linalg_svd(x);
                parts[np++] = g.u, parts[np++] = g.s, parts[np++] = g.v;
            }
            if (gc[i].m == gc[i].n) {
                dusk_lu f = dusk_linalg_lu(x);
                parts[np++] = f.p, parts[np++] = f.l, parts[np++] = f.u;
                parts[np++] = dusk_linalg_inv(x);
            } else {
                dusk_qr f = dusk_linalg_qr(x);
                parts[np++] = f.q, parts[np++] = f.r;
            }
            if (gc[i].m > gc[i].n && dusk_array_numblocks(x, 1) == 1) {
                dusk_lstsq l = dusk_linalg_lstsq(x, dusk_ones(ctx, DUSK_SHAPE(gc[i].m),
                                                              "10", dt));
                parts[np++] = l.x, parts[np++] = l.residuals, parts[np++] = l.rank;
                parts[np++] = l.s;
            }
            for (int k = 0; k < np; k++) {
                dusk_error err = DUSK_ERROR_INIT;
                if (dusk_array_status(parts[k], &err))
                    fail_msg("%s in %s: %s", dusk_dtype_name(dt), gc[i].chunks, err.msg);
            }
            layer_pattern(parts, np, pat[p], sizeof pat[p]);
        }
        char *cast = strstr(pat[1], "astype-*:1/1 ");
        assert_true(gc[i].m == gc[i].n || cast);   /* an svd */
        if (cast)
            memmove(cast, cast + 13, strlen(cast + 13) + 1);
        if (gc[i].m < gc[i].n) {   /* sfqr */
            char *cj = strstr(pat[1], "conjugate-*:1/1 ");
            assert_non_null(cj);
            memmove(cj, cj + 16, strlen(cj + 16) + 1);
        }
        if (strcmp(pat[0], pat[1]) != 0)
            fail_msg("(%" PRId64 ", %" PRId64 ") in %s: float64's layers\n  %s\ncomplex128's\n  %s",
                     gc[i].m, gc[i].n, gc[i].chunks, pat[0], pat[1]);
    }
}

/* --- errors ---------------------------------------------------------------------- */

static void expect_error(dusk_array *r, const char *what, const char *const *parts)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(r, &err);
    if (rc != DUSK_EINVAL)
        fail_msg("%s: %s, want DUSK_EINVAL", what, dusk_err_name(rc));
    for (int i = 0; parts[i]; i++)
        if (!contains(err.msg, parts[i]))
            fail_msg("%s: \"%s\" does not say \"%s\"", what, err.msg, parts[i]);
}

static void test_errors(void **state)
{
    (void)state;
    dusk_array *both = dusk_ones(ctx, DUSK_SHAPE(40, 40), "(10, 10)", DUSK_DT_F8);
    dusk_qr f = dusk_linalg_qr(both);
    const char *qr_both[] = {"qr", "(40, 40)", "both axes", "(10, 10, 10, 10)", "(..., -1)", NULL};
    expect_error(f.q, "qr of a grid", qr_both);
    assert_ptr_equal(f.q, f.r);
    f = dusk_linalg_tsqr(both);
    const char *ts_both[] = {"tsqr", "(40, 40)", "4 blocks along axis 1", "one column of blocks",
                             NULL};
    expect_error(f.r, "tsqr of a grid", ts_both);
    dusk_svd g = dusk_linalg_svd(both);
    const char *svd_both[] = {"svd", "(40, 40)", "both axes", "(..., -1)", "(-1, ...)", NULL};
    expect_error(g.u, "svd of a grid", svd_both);
    assert_ptr_equal(g.s, g.u);
    assert_ptr_equal(g.v, g.u);

    dusk_array *fat = dusk_ones(ctx, DUSK_SHAPE(10, 40), "(10, (5, 35))", DUSK_DT_F8);
    const char *sf[] = {"qr", "(10, 40)", "short-and-fat", "at least as wide", "(10, 10)", NULL};
    expect_error(dusk_linalg_qr(fat).q, "sfqr's condition", sf);
    /* a tall array in one row of blocks is not short-and-fat: it is told
     * to make one column of blocks, not chunks as wide as it is tall */
    dusk_array *tall_row = dusk_ones(ctx, DUSK_SHAPE(40, 10), "(40, 5)", DUSK_DT_F8);
    const char *tr[] = {"qr", "(40, 10)", "taller than wide", "one row of blocks",
                        "at least as wide", "(..., -1)", NULL};
    expect_error(dusk_linalg_qr(tall_row).q, "sfqr's condition, tall", tr);
    dusk_error terr = DUSK_ERROR_INIT;
    dusk_array_status(dusk_linalg_qr(tall_row).r, &terr);
    assert_false(contains(terr.msg, "short-and-fat"));

    dusk_array *cube = dusk_ones(ctx, DUSK_SHAPE(4, 4, 4), NULL, DUSK_DT_F8);
    const char *c3[] = {"2-d", "(4, 4, 4)", NULL};
    expect_error(dusk_linalg_qr(cube).q, "qr of 3-d", c3);
    expect_error(dusk_linalg_svd(cube).s, "svd of 3-d", c3);
    /* in several blocks along axis 0, or 1-d: the message names qr, which
     * was called, not tsqr */
    dusk_array *odd[2] = {dusk_ones(ctx, DUSK_SHAPE(4, 4, 4), "(2, 4, 4)", DUSK_DT_F8),
                          dusk_ones(ctx, DUSK_SHAPE(6), "2", DUSK_DT_F8)};
    const char *c3b[] = {"qr: takes a 2-d array", "(4, 4, 4)", NULL};
    const char *c1[] = {"qr: takes a 2-d array", "(6,)", NULL};
    for (int i = 0; i < 2; i++) {
        dusk_error oerr = DUSK_ERROR_INIT;
        expect_error(dusk_linalg_qr(odd[i]).r, "qr of a blocked 3-d or 1-d array", i ? c1 : c3b);
        dusk_array_status(dusk_linalg_qr(odd[i]).q, &oerr);
        if (contains(oerr.msg, "tsqr"))
            fail_msg("qr of a blocked 3-d or 1-d array: \"%s\" names tsqr", oerr.msg);
    }

    /* NULL and an array in an error state */
    const char *none[] = {NULL};
    expect_error(dusk_linalg_qr(NULL).q, "qr of NULL", none);
    expect_error(dusk_linalg_tsqr(NULL).r, "tsqr of NULL", none);
    expect_error(dusk_linalg_svd(NULL).v, "svd of NULL", none);
    /* a NaN: LAPACKE refuses the block, and dusk says why, naming the task */
    double nan_data[40];
    for (int i = 0; i < 40; i++)
        nan_data[i] = i == 13 ? NAN : i;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_compute(
        dusk_linalg_qr(dusk_from_buffer(ctx, nan_data, DUSK_DT_F8, DUSK_SHAPE(20, 2), "(5, 2)")).r,
        NULL, &v, &err);
    assert_int_not_equal(rc, 0);
    assert_null(v);
    if (!contains(err.msg, "NaN") || !contains(err.msg, "'qr-"))
        fail_msg("qr of a NaN: %s", err.msg);
    /* an infinity becomes NaN inside dgeqrt, which dusk's message must not
     * leave the user looking for in their data */
    nan_data[13] = INFINITY;
    rc = dusk_array_compute(
        dusk_linalg_qr(dusk_from_buffer(ctx, nan_data, DUSK_DT_F8, DUSK_SHAPE(20, 2), "(5, 2)")).r,
        NULL, &v, &err);
    assert_int_not_equal(rc, 0);
    if (!contains(err.msg, "infinity"))
        fail_msg("qr of an infinity: %s", err.msg);
    dusk_array *bad = dusk_ones(ctx, DUSK_SHAPE(4, 4), "(0, 4)", DUSK_DT_F8);
    assert_ptr_equal(dusk_linalg_qr(bad).q, bad);
    assert_ptr_equal(dusk_linalg_svd(bad).u, bad);
}

/* --- norm ------------------------------------------------------------------------ */

typedef struct {
    int64_t m, n;              /* n 0: a vector of m; n -1: a 0-d array (m 1) */
    const char *chunks, *ord;
    const char *axes;          /* "-" (None), "0", "0,1" ... */
    int keepdims;
    const char *layers;        /* Dask's, of norm(ones(...)), culled to what it needs
                                  (Dask's S carries all of tsqr's layers) */
} norm_case;

static const norm_case norm_cases[] = {
    {20, 12, "(5, 4)", NULL, "-", 0,
     "abs-*:1/12 ones_like-*:1/12 pow-*:2/13 sum-*:1/12 sum-aggregate-*:1/1 "
     "sum-partial-*:1/4"},
    {20, 12, "(5, 4)", "fro", "-", 1,
     "abs-*:1/12 ones_like-*:1/12 pow-*:2/13 sum-*:1/12 sum-aggregate-*:1/1 "
     "sum-partial-*:1/4"},
    {20, 12, "(5, 4)", "1", "-", 0,
     "abs-*:1/12 amax-aggregate-*:1/1 chunk_max-*:1/3 ones_like-*:1/12 squeeze-*:1/1 "
     "sum-*:1/12 sum-aggregate-*:1/3"},
    {20, 12, "(5, 4)", "-1", "-", 1,
     "abs-*:1/12 amin-aggregate-*:1/1 chunk_min-*:1/3 ones_like-*:1/12 sum-*:1/12 "
     "sum-aggregate-*:1/3"},
    {20, 12, "(5, 4)", "inf", "-", 0,
     "abs-*:1/12 amax-aggregate-*:1/1 chunk_max-*:1/4 ones_like-*:1/12 squeeze-*:1/1 "
     "sum-*:1/12 sum-aggregate-*:1/4"},
    {20, 12, "(5, 4)", "-inf", "0,1", 0,
     "abs-*:1/12 amin-aggregate-*:1/1 chunk_min-*:1/4 ones_like-*:1/12 squeeze-*:1/1 "
     "sum-*:1/12 sum-aggregate-*:1/4"},
    {20, 12, "(5, 12)", "2", "-", 0,
     "amax-aggregate-*:1/1 chunk_max-*:1/1 getitem-*:1/1 getitem-*-r1:1/4 "
     "getitem-*-r2:1/1 getitem-*-s2:1/1 ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 "
     "stack-*-r1:1/1 svd-*-2:1/1"},
    {20, 12, "(5, 12)", "-2", "-", 0,
     "amin-aggregate-*:1/1 chunk_min-*:1/1 getitem-*:1/1 getitem-*-r1:1/4 "
     "getitem-*-r2:1/1 getitem-*-s2:1/1 ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 "
     "stack-*-r1:1/1 svd-*-2:1/1"},
    {6, 6, "(6, 6)", "2", "-", 0,
     "amax-aggregate-*:1/1 chunk_max-*:1/1 finalize-*:1/1 from-value-*:1/1 getitem-*:2/2 "
     "ones_like-*:1/1 svd-*:1/1"},
    {20, 12, "(20, 4)", "nuc", "-", 0,
     "getitem-*:1/1 getitem-*-r1:1/3 getitem-*-r2:1/1 getitem-*-s2:1/1 ones_like-*:1/3 "
     "qr-*:1/3 qr-*-qr2:1/1 stack-*-r1:1/1 sum-*:1/1 sum-aggregate-*:1/1 svd-*-2:1/1 "
     "transpose-*:1/3"},
    {20, 12, "(5, 4)", "3", "1", 0,
     "abs-*:1/12 ones_like-*:1/12 pow-*:2/16 sum-*:1/12 sum-aggregate-*:1/4"},
    {20, 12, "(5, 4)", "0", "0", 1,
     "astype-*:1/12 ne-*:1/12 ones_like-*:1/12 sum-*:1/12 sum-aggregate-*:1/3"},
    {20, 12, "(5, 4)", "-inf", "1", 0,
     "abs-*:1/12 amin-aggregate-*:1/4 chunk_min-*:1/12 ones_like-*:1/12"},
    {20, 0, "(6,)", NULL, "-", 0,
     "abs-*:1/4 ones_like-*:1/4 pow-*:2/5 sum-*:1/4 sum-aggregate-*:1/1"},
    {20, 0, "(6,)", "inf", "-", 1,
     "abs-*:1/4 amax-aggregate-*:1/1 chunk_max-*:1/4 ones_like-*:1/4"},
    {20, 0, "(6,)", "0.5", "0", 0,
     "abs-*:1/4 ones_like-*:1/4 pow-*:2/5 sum-*:1/4 sum-aggregate-*:1/1"},
    /* of a 0-d array, |x| (NumPy takes no other ord there) */
    {1, -1, "()", NULL, "-", 0,
     "abs-*:1/1 ones_like-*:1/1 pow-*:2/2 sum-*:1/1 sum-aggregate-*:1/1"},
    {1, -1, "()", NULL, "-", 1,
     "abs-*:1/1 ones_like-*:1/1 pow-*:2/2 sum-*:1/1 sum-aggregate-*:1/1"},
};
#define NNORM (sizeof norm_cases / sizeof *norm_cases)

/* Dask's layers that an array needs (those of its culled graph), each
 * with all its tasks, as dusk_array_layers counts them; the head of the
 * scripts below. */
#define PY_PAT \
    "import re, sys, math\n" \
    "import numpy as np\n" \
    "import dask.array as da\n" \
    "from dask.core import flatten\n" \
    "def pat(arrs):\n" \
    "    seen = {}\n" \
    "    for a in arrs:\n" \
    "        full = a.__dask_graph__().layers\n" \
    "        need = a.__dask_graph__().cull(set(flatten(a.__dask_keys__()))).layers\n" \
    "        for k, l in need.items():\n" \
    "            if len(l):\n" \
    "                seen[k] = len(full[k])\n" \
    "    out = {}\n" \
    "    for k, n in seen.items():\n" \
    "        p = re.sub('-'.join('[0-9a-f]{%d}' % w for w in (8, 4, 4, 4, 12)) + '|[0-9a-f]{32}', " \
    "'*', k)\n" \
    "        L, T = out.get(p, (0, 0))\n" \
    "        out[p] = (L + 1, T + n)\n" \
    "    return ' '.join('%s:%d/%d' % (p, L, T) for p, (L, T) in sorted(out.items()))\n"

static const char norm_script[] = PY_PAT
    "for line in sys.stdin:\n"
    "    m, n, ch, ord_, axes, keep = line.rstrip('\\n').split(';')\n"
    "    shape = () if n == '-1' else (int(m),) if n == '0' else (int(m), int(n))\n"
    "    size = int(np.prod(shape))\n"
    "    data = (np.sin(np.arange(size)) * 3 + np.arange(size) % 7 - 2).reshape(shape)\n"
    "    o = None if ord_ == '-' else ord_ if ord_ in ('fro', 'nuc') else float(ord_)\n"
    "    ax = None if axes == '-' else tuple(int(a) for a in axes.split(','))\n"
    "    if ax is not None and len(ax) == 1: ax = ax[0]\n"
    "    r = da.linalg.norm(da.ones(shape, chunks=eval(ch)), ord=o, axis=ax, keepdims=keep == '1')\n"
    "    v = np.linalg.norm(data, ord=o, axis=ax, keepdims=keep == '1')\n"
    "    print(pat([r]))\n"
    "    print(' '.join('%.17g' % x for x in np.ravel(v)))\n";

static uint64_t axes_mask(const char *s)
{
    if (strcmp(s, "-") == 0)
        return DUSK_ALL_AXES;
    uint64_t m = 0;
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            m |= DUSK_AXIS(*s - '0');
    return m;
}

static dusk_array *norm_of(const norm_case *c, dusk_array *x)
{
    return dusk_linalg_norm(x, c->ord, axes_mask(c->axes), c->keepdims);
}

/* Graphs as Dask's (kept, and printed by Dask now), values as NumPy's. */
static void test_norm(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("norm.py"), "w");
    assert_non_null(f);
    fputs(norm_script, f);
    fclose(f);
    f = fopen(scratch("norm.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NNORM; i++) {
        const norm_case *c = &norm_cases[i];
        fprintf(f, "%" PRId64 ";%" PRId64 ";%s;%s;%s;%d\n", c->m, c->n, c->chunks,
                c->ord ? c->ord : "-", c->axes, c->keepdims);
    }
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("norm.py"), scratch("norm.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask could not print its norms:\n%s", out ? out : "(no output)");
    char *line = out, pat[2048];
    for (size_t i = 0; i < NNORM; i++) {
        const norm_case *c = &norm_cases[i];
        char *want[2];
        for (int k = 0; k < 2; k++) {
            char *nl = line ? strchr(line, '\n') : NULL;
            if (!nl)
                fail_msg("Dask printed fewer lines than cases:\n%s", out);
            *nl = 0;
            want[k] = line;
            line = nl + 1;
        }
        dusk_shape sh = c->n < 0 ? DUSK_SHAPE0 : c->n ? DUSK_SHAPE(c->m, c->n) : DUSK_SHAPE(c->m);
        dusk_array *r = norm_of(c, dusk_ones(ctx, sh, c->chunks, DUSK_DT_F8));
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(r, &err))
            fail_msg("norm case %zu (ord %s): %s", i, c->ord ? c->ord : "None", err.msg);
        layer_pattern(&r, 1, pat, sizeof pat);
        if (strcmp(pat, c->layers) != 0 || strcmp(pat, want[0]) != 0)
            fail_msg("norm case %zu (ord %s, axes %s):\n dusk %s\n kept %s\n dask %s", i,
                     c->ord ? c->ord : "None", c->axes, pat, c->layers, want[0]);
        /* the values, on data both sides make alike */
        int64_t size = c->m * (c->n > 0 ? c->n : 1);
        double *data = malloc((size_t)size * sizeof *data);
        assert_non_null(data);
        for (int64_t k = 0; k < size; k++)
            data[k] = sin((double)k) * 3 + (double)(k % 7) - 2;
        dusk_value *v = compute(norm_of(c, dusk_from_buffer(ctx, data, DUSK_DT_F8, sh, c->chunks)),
                                "norm");
        free(data);
        const double *got = dusk_ndarray_data(v);
        char *p = want[1];
        int64_t k = 0;
        for (; *p; k++) {
            char *end;
            double w = strtod(p, &end);
            assert_true(end != p);
            p = end;
            assert_true(k < dusk_ndarray_size(v));
            if (fabs(got[k] - w) > 1e-10 * fmax(1, fabs(w)))
                fail_msg("norm case %zu (ord %s): element %" PRId64 " is %.17g, NumPy's %.17g",
                         i, c->ord ? c->ord : "None", k, got[k], w);
        }
        assert_int_equal(k, dusk_ndarray_size(v));
        dusk_value_unref(v);
    }
    free(out);
}

static void test_norm_errors(void **state)
{
    (void)state;
    dusk_array *v = dusk_ones(ctx, DUSK_SHAPE(10), "5", DUSK_DT_F8);
    dusk_array *m = dusk_ones(ctx, DUSK_SHAPE(10, 10), "5", DUSK_DT_F8);
    dusk_array *c = dusk_ones(ctx, DUSK_SHAPE(3, 3, 3), NULL, DUSK_DT_F8);
    const char *fro[] = {"'fro'", "vectors", NULL}, *nuc[] = {"'nuc'", "vectors", NULL};
    expect_error(dusk_linalg_norm(v, "fro", DUSK_ALL_AXES, false), "fro of a vector", fro);
    expect_error(dusk_linalg_norm(v, "nuc", DUSK_ALL_AXES, false), "nuc of a vector", nuc);
    const char *zero[] = {"order 0", "matrices", NULL}, *three[] = {"order 3", "matrices", NULL};
    expect_error(dusk_linalg_norm(m, "0", DUSK_ALL_AXES, false), "0 of a matrix", zero);
    expect_error(dusk_linalg_norm(m, "3", DUSK_ALL_AXES, false), "3 of a matrix", three);
    const char *text[] = {"'two'", "not a norm order", NULL};
    expect_error(dusk_linalg_norm(m, "two", DUSK_ALL_AXES, false), "ord 'two'", text);
    /* text after an infinity strtod reads is no order either (it used
     * to be taken for inf) */
    const char *inf5[] = {"'inf5'", "not a norm order", NULL};
    expect_error(dusk_linalg_norm(v, "inf5", DUSK_ALL_AXES, false), "ord 'inf5'", inf5);
    const char *big[] = {"'-1e999x'", "not a norm order", NULL};
    expect_error(dusk_linalg_norm(m, "-1e999x", DUSK_ALL_AXES, false), "ord '-1e999x'", big);
    /* of a 0-d array NumPy takes ord None alone */
    dusk_array *z = dusk_ones(ctx, DUSK_SHAPE0, NULL, DUSK_DT_F8);
    const char *zfro[] = {"improper number of dimensions", "ord fro of a 0-d array", NULL};
    expect_error(dusk_linalg_norm(z, "fro", DUSK_ALL_AXES, false), "fro of a 0-d array", zfro);
    const char *z2[] = {"improper number of dimensions", "ord 2 of a 0-d array", NULL};
    expect_error(dusk_linalg_norm(z, "2", DUSK_ALL_AXES, false), "2 of a 0-d array", z2);
    const char *z0[] = {"improper number of axes", "0 dimensions", NULL};
    expect_error(dusk_linalg_norm(z, NULL, DUSK_AXIS(0), false), "axis 0 of a 0-d array", z0);
    const char *axes[] = {"improper number of axes", "3 dimensions", NULL};
    expect_error(dusk_linalg_norm(c, NULL, DUSK_ALL_AXES, false), "3 axes", axes);
    const char *svd3[] = {"ord 2", "2-d", "3 dimensions", NULL};
    expect_error(dusk_linalg_norm(c, "2", DUSK_AXIS(0) | DUSK_AXIS(1), false), "2 of a 3-d", svd3);
    const char *none[] = {NULL};
    expect_error(dusk_linalg_norm(NULL, NULL, DUSK_ALL_AXES, false), "norm of NULL", none);
    /* axis 1 and axis -1 are one axis twice: numpy's "Duplicate axes
     * given", not a vector norm along it */
    const char *dup[] = {"duplicate axes", "axis 1 twice", NULL};
    expect_error(dusk_linalg_norm(m, NULL, DUSK_AXIS(1) | DUSK_AXIS(-1), false), "axes 1, -1", dup);
    expect_error(dusk_linalg_norm(m, "1", DUSK_AXIS(1) | DUSK_AXIS(-1), false), "1, axes 1, -1",
                 dup);
    const char *dup0[] = {"duplicate axes", "axis 0 twice", NULL};
    expect_error(dusk_linalg_norm(v, "inf", DUSK_AXIS(0) | DUSK_AXIS(-1), false), "axes 0, -1",
                 dup0);
}

/* --- solve_triangular -------------------------------------------------------------- */

typedef struct {
    int64_t n;
    const char *chunks;
    int64_t bm, bn;            /* b's shape; bn 0: a vector */
    const char *bchunks;
    int lower;
    const char *layers;        /* Dask's, of solve_triangular(ones, zeros) */
} trs_case;

static const trs_case trs_cases[] = {
    {12, "(4, 4)", 12, 0, "(4,)", 1, "ones_like-*:1/9 solve-triangular-*:1/6 zeros_like-*:1/3"},
    {12, "(4, 4)", 12, 6, "(4, 3)", 0, "ones_like-*:1/9 solve-triangular-*:1/12 zeros_like-*:1/6"},
    {10, "(5, 5)", 10, 3, "(5, 3)", 1, "ones_like-*:1/4 solve-triangular-*:1/3 zeros_like-*:1/2"},
    {9, "((2, 3, 4), (2, 3, 4))", 9, 2, "((2, 3, 4), (2,))", 0, "ones_like-*:1/9 solve-triangular-*:1/6 zeros_like-*:1/3"},
    {8, "(8, 8)", 8, 0, "(8,)", 0, "ones_like-*:1/1 solve-triangular-*:1/1 zeros_like-*:1/1"},
};
#define NTRS (sizeof trs_cases / sizeof *trs_cases)

static const char trs_script[] = PY_PAT
    "for line in sys.stdin:\n"
    "    n, ch, bshape, bch, lower = line.rstrip('\\n').split(';')\n"
    "    a = da.ones((int(n), int(n)), chunks=eval(ch))\n"
    "    b = da.zeros(eval(bshape), chunks=eval(bch))\n"
    "    print(pat([da.linalg.solve_triangular(a, b, lower=lower == '1')]))\n";

/* A well-conditioned triangular matrix (the other triangle is noise that
 * must not be read) and a right-hand side. */
static dusk_array *tri_matrix(const trs_case *c)
{
    int64_t n = c->n;
    double *a = malloc((size_t)(n * n) * sizeof *a);
    assert_non_null(a);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            a[i * n + j] = i == j ? (double)n + 1 : sin((double)(i * n + j)) * 2;
    dusk_array *x = dusk_from_buffer(ctx, a, DUSK_DT_F8, DUSK_SHAPE(n, n), c->chunks);
    free(a);
    return x;
}

static double tri_at(const trs_case *c, const dusk_value *a, int64_t i, int64_t j)
{
    int keep = c->lower ? j <= i : j >= i;
    return keep ? at(a, i, j) : 0;
}

static void test_solve_triangular(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("trs.py"), "w");
    assert_non_null(f);
    fputs(trs_script, f);
    fclose(f);
    f = fopen(scratch("trs.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NTRS; i++) {
        const trs_case *c = &trs_cases[i];
        if (c->bn)
            fprintf(f, "%" PRId64 ";%s;(%" PRId64 ", %" PRId64 ");%s;%d\n", c->n, c->chunks,
                    c->bm, c->bn, c->bchunks, c->lower);
        else
            fprintf(f, "%" PRId64 ";%s;(%" PRId64 ",);%s;%d\n", c->n, c->chunks, c->bm,
                    c->bchunks, c->lower);
    }
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("trs.py"), scratch("trs.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask could not print its graphs:\n%s", out ? out : "(no output)");
    char *line = out, pat[2048];
    for (size_t i = 0; i < NTRS; i++) {
        const trs_case *c = &trs_cases[i];
        char *nl = line ? strchr(line, '\n') : NULL;
        if (!nl)
            fail_msg("Dask printed fewer lines than cases:\n%s", out);
        *nl = 0;
        dusk_shape sn = DUSK_SHAPE(c->n, c->n), sb = c->bn ? DUSK_SHAPE(c->bm, c->bn)
                                                           : DUSK_SHAPE(c->bm);
        dusk_array *x = dusk_linalg_solve_triangular(dusk_ones(ctx, sn, c->chunks, DUSK_DT_F8),
                                                     dusk_zeros(ctx, sb, c->bchunks, DUSK_DT_F8),
                                                     c->lower);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(x, &err))
            fail_msg("solve_triangular case %zu: %s", i, err.msg);
        layer_pattern(&x, 1, pat, sizeof pat);
        if (strcmp(pat, c->layers) != 0 || strcmp(pat, line) != 0)
            fail_msg("solve_triangular case %zu:\n dusk %s\n kept %s\n dask %s", i, pat,
                     c->layers, line);
        line = nl + 1;
        /* a @ x == b */
        dusk_array *a = tri_matrix(c);
        dusk_array *b = dusk_random_normal(ctx, 40 + i, 0, 1, sb, c->bchunks);
        dusk_value *av = compute(a, "a"), *bv = compute(b, "b");
        dusk_value *xv = compute(dusk_linalg_solve_triangular(a, b, c->lower), "x");
        int64_t nr = c->bn ? c->bn : 1;
        double e = 0, bmax = max_abs(bv);
        for (int64_t r = 0; r < c->n; r++)
            for (int64_t q = 0; q < nr; q++) {
                double sum = 0;
                for (int64_t k = 0; k < c->n; k++)
                    sum += tri_at(c, av, r, k) * ((const double *)dusk_ndarray_data(xv))[k * nr + q];
                e = fmax(e, fabs(sum - ((const double *)dusk_ndarray_data(bv))[r * nr + q]));
            }
        if (e / bmax > 1e-12)
            fail_msg("solve_triangular case %zu: |a x - b| is %.3g", i, e);
        dusk_value_unref(av);
        dusk_value_unref(bv);
        dusk_value_unref(xv);
    }
    free(out);
}

static void test_solve_triangular_errors(void **state)
{
    (void)state;
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(12, 12), "(4, 4)", DUSK_DT_F8);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(12), "6", DUSK_DT_F8);
    const char *chunks[] = {"a.chunks[1] (4, 4, 4)", "b.chunks[0] (6, 6)", "rechunk", NULL};
    expect_error(dusk_linalg_solve_triangular(a, b, true), "chunks", chunks);
    dusk_array *rect = dusk_ones(ctx, DUSK_SHAPE(12, 8), "4", DUSK_DT_F8);
    const char *square[] = {"square", "(12, 8)", NULL};
    expect_error(dusk_linalg_solve_triangular(rect, b, true), "rectangular a", square);
    dusk_array *b9 = dusk_ones(ctx, DUSK_SHAPE(9), "3", DUSK_DT_F8);
    const char *len[] = {"b.shape[0]", "(12, 12)", "(9,)", NULL};
    expect_error(dusk_linalg_solve_triangular(a, b9, true), "lengths", len);
    dusk_array *b3 = dusk_ones(ctx, DUSK_SHAPE(12, 2, 2), "4", DUSK_DT_F8);
    const char *nd[] = {"1 or 2 dimensional", NULL};
    expect_error(dusk_linalg_solve_triangular(a, b3, true), "3-d b", nd);
    const char *none[] = {NULL};
    expect_error(dusk_linalg_solve_triangular(NULL, b, true), "NULL a", none);
    expect_error(dusk_linalg_solve_triangular(a, NULL, true), "NULL b", none);
    /* singular: a zero on the diagonal of block (1, 1) */
    double z[36] = {0};
    for (int i = 0; i < 6; i++)
        z[i * 6 + i] = i == 4 ? 0 : 1;
    dusk_array *sing = dusk_from_buffer(ctx, z, DUSK_DT_F8, DUSK_SHAPE(6, 6), "3");
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_compute(
        dusk_linalg_solve_triangular(sing, dusk_ones(ctx, DUSK_SHAPE(6), "3", DUSK_DT_F8), false),
        NULL, &v, &err);
    assert_int_not_equal(rc, 0);
    assert_null(v);
    if (!contains(err.msg, "singular matrix") || !contains(err.msg, "(1, 1)"))
        fail_msg("singular a: %s", err.msg);
}

/* --- lstsq ----------------------------------------------------------------------------- */

typedef struct {
    int64_t m, n;
    const char *chunks;
    int64_t bm, bn;            /* b's shape; bn 0: a vector */
    const char *bchunks;
    const char *layers[4];     /* Dask's, of x, residuals, rank and s of lstsq(ones, zeros) */
} lstsq_case;

static const lstsq_case lstsq_cases[] = {
    {20, 4, "(5, 4)", 20, 0, "(5,)",
     {"conjugate-*:1/4 dot-*-q3:1/4 getitem-*-q1:1/4 getitem-*-q2:1/4 getitem-*-q2-aux:1/1 "
      "getitem-*-r1:1/4 getitem-*-r2:1/1 ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 "
      "solve-triangular-*:1/1 stack-*-r1:1/1 sum-*:1/4 sum-aggregate-*:1/1 tensordot-*:1/4 "
      "transpose-*:1/4 zeros_like-*:1/4",
      "abs-*:1/4 conjugate-*:1/4 dot-*-q3:1/4 getitem-*-q1:1/4 getitem-*-q2:1/4 "
      "getitem-*-q2-aux:1/1 getitem-*-r1:1/4 getitem-*-r2:1/1 ones_like-*:1/4 pow-*:1/4 "
      "qr-*:1/4 qr-*-qr2:1/1 solve-triangular-*:1/1 stack-*-r1:1/1 sub-*:1/4 sum-*:3/12 "
      "sum-aggregate-*:3/6 tensordot-*:2/8 transpose-*:1/4 zeros_like-*:1/4",
      "getitem-*-r1:1/4 getitem-*-r2:1/1 lstsq-rank-*:1/1 ones_like-*:1/4 qr-*:1/4 "
      "qr-*-qr2:1/1 stack-*-r1:1/1",
      "conjugate-*:1/1 getitem-*-r1:1/4 getitem-*-r2:1/1 lstsq-singular-*:1/1 "
      "ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 stack-*-r1:1/1 transpose-*:1/1"}},
    {20, 4, "(5, 4)", 20, 3, "(5, 3)",
     {"conjugate-*:1/4 dot-*-q3:1/4 getitem-*-q1:1/4 getitem-*-q2:1/4 getitem-*-q2-aux:1/1 "
      "getitem-*-r1:1/4 getitem-*-r2:1/1 ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 "
      "solve-triangular-*:1/1 stack-*-r1:1/1 sum-*:1/4 sum-aggregate-*:1/1 tensordot-*:1/4 "
      "transpose-*:1/4 zeros_like-*:1/4",
      "abs-*:1/4 conjugate-*:1/4 dot-*-q3:1/4 getitem-*-q1:1/4 getitem-*-q2:1/4 "
      "getitem-*-q2-aux:1/1 getitem-*-r1:1/4 getitem-*-r2:1/1 ones_like-*:1/4 pow-*:1/4 "
      "qr-*:1/4 qr-*-qr2:1/1 solve-triangular-*:1/1 stack-*-r1:1/1 sub-*:1/4 sum-*:3/12 "
      "sum-aggregate-*:3/6 tensordot-*:2/8 transpose-*:1/4 zeros_like-*:1/4",
      "getitem-*-r1:1/4 getitem-*-r2:1/1 lstsq-rank-*:1/1 ones_like-*:1/4 qr-*:1/4 "
      "qr-*-qr2:1/1 stack-*-r1:1/1",
      "conjugate-*:1/1 getitem-*-r1:1/4 getitem-*-r2:1/1 lstsq-singular-*:1/1 "
      "ones_like-*:1/4 qr-*:1/4 qr-*-qr2:1/1 stack-*-r1:1/1 transpose-*:1/1"}},
    {60, 3, "(10, 3)", 60, 2, "(20, 2)",
     {"conjugate-*:1/6 dot-*-q3:2/8 getitem-*-q1:2/8 getitem-*-q2:2/8 getitem-*-q2-aux:1/1 "
      "getitem-*-r1:2/8 getitem-*-r2:1/1 ones_like-*:1/6 qr-*:2/8 qr-*-qr2:1/1 "
      "r-inner-*:1/1 rechunk-merge-*:1/12 solve-triangular-*:1/1 stack-*-r1:2/3 sum-*:1/6 "
      "sum-aggregate-*:1/1 sum-partial-*:1/2 tensordot-*:1/6 transpose-*:1/6 "
      "zeros_like-*:1/3",
      "abs-*:1/6 conjugate-*:1/6 dot-*-q3:2/8 getitem-*-q1:2/8 getitem-*-q2:2/8 "
      "getitem-*-q2-aux:1/1 getitem-*-r1:2/8 getitem-*-r2:1/1 ones_like-*:1/6 pow-*:1/6 "
      "qr-*:2/8 qr-*-qr2:1/1 r-inner-*:1/1 rechunk-merge-*:1/12 solve-triangular-*:1/1 "
      "stack-*-r1:2/3 sub-*:1/6 sum-*:3/18 sum-aggregate-*:3/8 sum-partial-*:2/4 "
      "tensordot-*:2/12 transpose-*:1/6 zeros_like-*:1/3",
      "getitem-*-r1:2/8 getitem-*-r2:1/1 lstsq-rank-*:1/1 ones_like-*:1/6 qr-*:2/8 "
      "qr-*-qr2:1/1 r-inner-*:1/1 stack-*-r1:2/3",
      "conjugate-*:1/1 getitem-*-r1:2/8 getitem-*-r2:1/1 lstsq-singular-*:1/1 "
      "ones_like-*:1/6 qr-*:2/8 qr-*-qr2:1/1 r-inner-*:1/1 stack-*-r1:2/3 transpose-*:1/1"}},
};
#define NLSTSQ (sizeof lstsq_cases / sizeof *lstsq_cases)

static const char lstsq_script[] = PY_PAT
    "for line in sys.stdin:\n"
    "    m, n, ch, bshape, bch = line.rstrip('\\n').split(';')\n"
    "    a = da.ones((int(m), int(n)), chunks=eval(ch))\n"
    "    b = da.zeros(eval(bshape), chunks=eval(bch))\n"
    "    x, res, rank, s = da.linalg.lstsq(a, b)\n"
    "    print(pat([x]), '|', pat([res]), '|', pat([rank]), '|', pat([s]))\n";

static void test_lstsq(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("lstsq.py"), "w");
    assert_non_null(f);
    fputs(lstsq_script, f);
    fclose(f);
    f = fopen(scratch("lstsq.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NLSTSQ; i++) {
        const lstsq_case *c = &lstsq_cases[i];
        if (c->bn)
            fprintf(f, "%" PRId64 ";%" PRId64 ";%s;(%" PRId64 ", %" PRId64 ");%s\n", c->m, c->n,
                    c->chunks, c->bm, c->bn, c->bchunks);
        else
            fprintf(f, "%" PRId64 ";%" PRId64 ";%s;(%" PRId64 ",);%s\n", c->m, c->n, c->chunks,
                    c->bm, c->bchunks);
    }
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("lstsq.py"),
             scratch("lstsq.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask could not print its graphs:\n%s", out ? out : "(no output)");
    char *line = out, pat[4096];
    for (size_t i = 0; i < NLSTSQ; i++) {
        const lstsq_case *c = &lstsq_cases[i];
        char *nl = line ? strchr(line, '\n') : NULL;
        if (!nl)
            fail_msg("Dask printed fewer lines than cases:\n%s", out);
        *nl = 0;
        dusk_shape sa = DUSK_SHAPE(c->m, c->n), sb = c->bn ? DUSK_SHAPE(c->bm, c->bn)
                                                           : DUSK_SHAPE(c->bm);
        dusk_lstsq r = dusk_linalg_lstsq(dusk_ones(ctx, sa, c->chunks, DUSK_DT_F8),
                                         dusk_zeros(ctx, sb, c->bchunks, DUSK_DT_F8));
        dusk_array *outs[4] = {r.x, r.residuals, r.rank, r.s};
        char *want = line;
        for (int k = 0; k < 4; k++) {
            dusk_error err = DUSK_ERROR_INIT;
            if (dusk_array_status(outs[k], &err))
                fail_msg("lstsq case %zu, output %d: %s", i, k, err.msg);
            layer_pattern(&outs[k], 1, pat, sizeof pat);
            char *bar = strchr(want, '|');
            if (bar)
                *bar = 0;
            while (*want == ' ')
                want++;
            size_t wl = strlen(want);
            while (wl && want[wl - 1] == ' ')
                want[--wl] = 0;
            if (strcmp(pat, c->layers[k]) != 0 || strcmp(pat, want) != 0)
                fail_msg("lstsq case %zu, output %d:\n dusk %s\n kept %s\n dask %s", i, k, pat,
                         c->layers[k], want);
            want = bar ? bar + 1 : want + wl;
        }
        line = nl + 1;

        /* the values, as NumPy's lstsq of the same data */
        dusk_array *a = dusk_random_normal(ctx, 90 + i, 0, 1, sa, c->chunks);
        dusk_array *b = dusk_random_normal(ctx, 95 + i, 0, 1, sb, c->bchunks);
        char fin[32], fout[32];
        snprintf(fin, sizeof fin, "l%zu.h5", i);
        snprintf(fout, sizeof fout, "lnp%zu.h5", i);
        const char *in = scratch(fin);
        dusk_store_options so = {0, true};
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_store(a, in, "/a", &so, NULL, &err) ||
            dusk_array_store(b, in, "/b", &so, NULL, &err))
            fail_msg("store: %s", err.msg);
        const char *npf = scratch(fout);
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c 'import h5py, numpy as np\n"
                 "f = h5py.File(\"%s\", \"r\")\n"
                 "x, res, rank, s = np.linalg.lstsq(f[\"a\"][...], f[\"b\"][...], rcond=None)\n"
                 "with h5py.File(\"%s\", \"w\") as g:\n"
                 "    for k, v in ((\"x\", x), (\"res\", res), (\"rank\", np.int64(rank)), (\"s\", s)):\n"
                 "        g[k] = v' 2>&1",
                 in, npf);
        char *msg = run_command(cmd, &status);
        if (status != 0)
            fail_msg("NumPy's lstsq: %s", msg);
        free(msg);
        dusk_lstsq mine = dusk_linalg_lstsq(a, b);
        const char *names[4] = {"/x", "/res", "/rank", "/s"};
        dusk_array *got[4] = {mine.x, mine.residuals, mine.rank, mine.s};
        for (int k = 0; k < 4; k++) {
            dusk_value *w = NULL, *g = NULL;
            if (dusk_array_compute(dusk_from_hdf5(ctx, npf, names[k], NULL), NULL, &w, &err) ||
                dusk_array_compute(got[k], NULL, &g, &err))
                fail_msg("lstsq case %zu, %s: %s", i, names[k], err.msg);
            assert_int_equal(dusk_ndarray_size(w), dusk_ndarray_size(g));
            assert_int_equal(dusk_ndarray_dtype(w), dusk_ndarray_dtype(g));
            for (int64_t q = 0; q < dusk_ndarray_size(w); q++) {
                double wv = k == 2 ? (double)((const int64_t *)dusk_ndarray_data(w))[q]
                                   : ((const double *)dusk_ndarray_data(w))[q];
                double gv = k == 2 ? (double)((const int64_t *)dusk_ndarray_data(g))[q]
                                   : ((const double *)dusk_ndarray_data(g))[q];
                if (fabs(gv - wv) > 1e-10 * fmax(1, fabs(wv)))
                    fail_msg("lstsq case %zu, %s[%" PRId64 "]: %.17g, NumPy's %.17g", i,
                             names[k], q, gv, wv);
            }
            dusk_value_unref(w);
            dusk_value_unref(g);
        }
    }
    free(out);
}

/* A rank-deficient a: R^T R has eigenvalues at rounding's level, some
 * below 0, whose square roots were NaN singular values (Dask's too);
 * NumPy's are tiny and positive. */
static void test_lstsq_rank_deficient(void **state)
{
    (void)state;
    double d[18];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 3; j++)   /* u v^T, rank 1 */
            d[i * 3 + j] = sin(1.0 + 2.0 * i) * cos(0.5 + 3.0 * j);
    int clamped = 0;
    for (int chunk = 1; chunk <= 6; chunk++) {
        char ch[32];
        snprintf(ch, sizeof ch, "(%d, -1)", chunk);
        dusk_array *a = dusk_from_buffer(ctx, d, DUSK_DT_F8, DUSK_SHAPE(6, 3), ch);
        dusk_lstsq r = dusk_linalg_lstsq(a, dusk_ones(ctx, DUSK_SHAPE(6), "2", DUSK_DT_F8));
        dusk_value *s = compute(r.s, "s"), *rank = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_compute(r.rank, NULL, &rank, &err))
            fail_msg("rank: %s", err.msg);
        const double *sv = dusk_ndarray_data(s);
        assert_int_equal(*(const int64_t *)dusk_ndarray_data(rank), 1);
        for (int k = 0; k < 3; k++) {
            if (isnan(sv[k]) || sv[k] < 0)
                fail_msg("chunks %s: singular value %d is %g", ch, k, sv[k]);
            clamped += k > 0 && sv[k] == 0;
        }
        /* the one that is not zero: |u| |v| */
        double nu = 0, nv = 0;
        for (int i = 0; i < 6; i++)
            nu += pow(sin(1.0 + 2.0 * i), 2);
        for (int j = 0; j < 3; j++)
            nv += pow(cos(0.5 + 3.0 * j), 2);
        assert_true(fabs(sv[0] - sqrt(nu * nv)) < 1e-12);
        dusk_value_unref(s);
        dusk_value_unref(rank);
    }
    /* some chunking met a negative eigenvalue (else this tests nothing) */
    assert_true(clamped > 0);
}

static void test_lstsq_errors(void **state)
{
    (void)state;
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(20, 4), "(5, 4)", DUSK_DT_F8);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(12), "6", DUSK_DT_F8);
    const char *rows[] = {"lstsq", "(20, 4)", "(12,)", NULL};
    dusk_lstsq r = dusk_linalg_lstsq(a, b);
    expect_error(r.x, "rows", rows);
    assert_ptr_equal(r.rank, r.x);
    dusk_array *grid = dusk_ones(ctx, DUSK_SHAPE(20, 20), "(5, 5)", DUSK_DT_F8);
    const char *both[] = {"qr", "both axes", NULL};
    expect_error(dusk_linalg_lstsq(grid, dusk_ones(ctx, DUSK_SHAPE(20), "5", DUSK_DT_F8)).s,
                 "a grid", both);
    /* wider than tall: refused by lstsq itself, not by the triangular
     * solve of a (4, 20) R inside it */
    dusk_array *wide = dusk_ones(ctx, DUSK_SHAPE(4, 20), "(4, 20)", DUSK_DT_F8);
    const char *fat[] = {"lstsq", "(4, 20)", "fewer rows than columns", NULL};
    r = dusk_linalg_lstsq(wide, dusk_ones(ctx, DUSK_SHAPE(4), "4", DUSK_DT_F8));
    expect_error(r.x, "wide", fat);
    assert_ptr_equal(r.s, r.x);
    /* an a that is not 2-d: named by lstsq (it was tsqr's message) */
    dusk_array *flat = dusk_ones(ctx, DUSK_SHAPE(12), "6", DUSK_DT_F8);
    const char *one_d[] = {"lstsq: a must be a 2-d array", "(12,)", NULL};
    expect_error(dusk_linalg_lstsq(flat, b).x, "1-d a", one_d);
    const char *none[] = {NULL};
    expect_error(dusk_linalg_lstsq(NULL, b).x, "NULL a", none);
    expect_error(dusk_linalg_lstsq(a, NULL).residuals, "NULL b", none);
}

/* --- lu, solve, inv --------------------------------------------------------------------- */

typedef struct {
    int64_t n;
    const char *chunks, *what;   /* "lu", "solve" (b a vector), "pos" (solve with
                                    assume_a 'pos') or "inv" */
    const char *layers;          /* Dask's (lu: of p | l | u) */
} lu_case;

static const lu_case lu_cases[] = {
    {12, "(4, 4)", "lu",
     "lu-p-*:1/53 ones_like-*:1/9 | lu-l-*:1/53 ones_like-*:1/9 | lu-u-*:1/53 "
     "ones_like-*:1/9"},
    {12, "(4, 4)", "solve",
     "lu-l-*:1/53 lu-p-*:1/53 lu-u-*:1/53 ones_like-*:1/9 solve-triangular-*:2/12 "
     "sum-*:1/9 sum-aggregate-*:1/3 tensordot-*:1/9 transpose-*:1/9 zeros_like-*:1/3"},
    {12, "(4, 4)", "inv",
     "eye-*:1/9 lu-l-*:1/53 lu-p-*:1/53 lu-u-*:1/53 ones_like-*:1/9 "
     "solve-triangular-*:2/36 sum-*:1/27 sum-aggregate-*:1/9 tensordot-*:1/27 "
     "transpose-*:1/9"},
    {10, "(5, 5)", "lu",
     "lu-p-*:1/24 ones_like-*:1/4 | lu-l-*:1/24 ones_like-*:1/4 | lu-u-*:1/24 "
     "ones_like-*:1/4"},
    {6, "(6, 6)", "inv",
     "eye-*:1/1 lu-l-*:1/7 lu-p-*:1/7 lu-u-*:1/7 ones_like-*:1/1 solve-triangular-*:2/2 "
     "sum-*:1/1 sum-aggregate-*:1/1 tensordot-*:1/1 transpose-*:1/1"},
    {9, "(3, 3)", "solve",
     "lu-l-*:1/53 lu-p-*:1/53 lu-u-*:1/53 ones_like-*:1/9 solve-triangular-*:2/12 "
     "sum-*:1/9 sum-aggregate-*:1/3 tensordot-*:1/9 transpose-*:1/9 zeros_like-*:1/3"},
    {12, "(4, 4)", "pos",
     "cholesky-*:1/22 cholesky-upper-*:1/22 ones_like-*:1/9 solve-triangular-*:2/12 "
     "zeros_like-*:1/3"},
    {6, "(6, 6)", "pos",
     "cholesky-*:1/2 cholesky-upper-*:1/2 ones_like-*:1/1 solve-triangular-*:2/2 "
     "zeros_like-*:1/1"},
};
#define NLU (sizeof lu_cases / sizeof *lu_cases)

static const char lu_script[] = PY_PAT
    "for line in sys.stdin:\n"
    "    n, ch, what = line.rstrip('\\n').split(';')\n"
    "    a = da.ones((int(n), int(n)), chunks=eval(ch))\n"
    "    if what == 'lu':\n"
    "        print(' | '.join(pat([x]) for x in da.linalg.lu(a)))\n"
    "    elif what == 'solve':\n"
    "        print(pat([da.linalg.solve(a, da.zeros(int(n), chunks=eval(ch)[0]))]))\n"
    "    elif what == 'pos':\n"
    "        print(pat([da.linalg.solve(a, da.zeros(int(n), chunks=eval(ch)[0]), assume_a='pos')]))\n"
    "    else:\n"
    "        print(pat([da.linalg.inv(a)]))\n";

/* A well-conditioned n x n matrix that needs pivoting. */
static dusk_array *general_matrix(int64_t n, const char *chunks)
{
    double *a = malloc((size_t)(n * n) * sizeof *a);
    assert_non_null(a);
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++)
            a[i * n + j] = sin((double)(3 * i * n + j)) + (j == (i + 1) % n ? (double)n : 0);
    dusk_array *x = dusk_from_buffer(ctx, a, DUSK_DT_F8, DUSK_SHAPE(n, n), chunks);
    free(a);
    return x;
}

/* The n x n identity, in chunks. */
static dusk_array *eye_of(int64_t n, const char *chunks)
{
    double *e = calloc((size_t)(n * n), sizeof *e);
    assert_non_null(e);
    for (int64_t i = 0; i < n; i++)
        e[i * n + i] = 1;
    dusk_array *x = dusk_from_buffer(ctx, e, DUSK_DT_F8, DUSK_SHAPE(n, n), chunks);
    free(e);
    return x;
}

static void test_lu_solve_inv(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("lu.py"), "w");
    assert_non_null(f);
    fputs(lu_script, f);
    fclose(f);
    f = fopen(scratch("lu.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NLU; i++)
        fprintf(f, "%" PRId64 ";%s;%s\n", lu_cases[i].n, lu_cases[i].chunks, lu_cases[i].what);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("lu.py"), scratch("lu.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask could not print its graphs:\n%s", out ? out : "(no output)");
    char *line = out, pat[4096], all[8192];
    for (size_t i = 0; i < NLU; i++) {
        const lu_case *c = &lu_cases[i];
        char *nl = line ? strchr(line, '\n') : NULL;
        if (!nl)
            fail_msg("Dask printed fewer lines than cases:\n%s", out);
        *nl = 0;
        int64_t n = c->n;
        dusk_array *ones = dusk_ones(ctx, DUSK_SHAPE(n, n), c->chunks, DUSK_DT_F8);
        dusk_error err = DUSK_ERROR_INIT;
        if (strcmp(c->what, "lu") == 0) {
            dusk_lu r = dusk_linalg_lu(ones);
            dusk_array *three[3] = {r.p, r.l, r.u};
            all[0] = 0;
            for (int k = 0; k < 3; k++) {
                if (dusk_array_status(three[k], &err))
                    fail_msg("lu case %zu: %s", i, err.msg);
                layer_pattern(&three[k], 1, pat, sizeof pat);
                snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", k ? " | " : "", pat);
            }
        } else {
            int64_t c0 = dusk_array_chunks(ones, 0)[0];
            char vch[32];
            snprintf(vch, sizeof vch, "%" PRId64, c0);
            dusk_array *zeros = dusk_zeros(ctx, DUSK_SHAPE(n), vch, DUSK_DT_F8);
            dusk_array *r = strcmp(c->what, "solve") == 0 ? dusk_linalg_solve(ones, zeros)
                            : strcmp(c->what, "pos") == 0
                                ? dusk_linalg_solve_assume(ones, zeros, "pos")
                                : dusk_linalg_inv(ones);
            if (dusk_array_status(r, &err))
                fail_msg("%s case %zu: %s", c->what, i, err.msg);
            layer_pattern(&r, 1, all, sizeof all);
        }
        if (strcmp(all, c->layers) != 0 || strcmp(all, line) != 0)
            fail_msg("%s case %zu:\n dusk %s\n kept %s\n dask %s", c->what, i, all, c->layers,
                     line);
        line = nl + 1;

        /* values */
        dusk_array *a = general_matrix(n, c->chunks);
        dusk_value *av = compute(a, "a");
        double amax = max_abs(av);
        if (strcmp(c->what, "lu") == 0) {
            dusk_lu r = dusk_linalg_lu(a);
            dusk_value *pv = compute(r.p, "p"), *lv = compute(r.l, "l"), *uv = compute(r.u, "u");
            dusk_value *plv = compute(dusk_array_matmul(r.p, r.l), "p @ l");
            double e = prod_err(plv, NULL, uv, av, amax);
            if (e > 1e-12)
                fail_msg("lu case %zu: |p l u - a| %.3g", i, e);
            for (int64_t r_ = 0; r_ < n; r_++)
                for (int64_t q = 0; q < n; q++) {
                    if (q > r_)
                        assert_true(at(lv, r_, q) == 0);
                    if (q < r_)
                        assert_true(at(uv, r_, q) == 0);
                    double pvq = at(pv, r_, q);
                    assert_true(pvq == 0 || pvq == 1);
                }
            dusk_value_unref(pv);
            dusk_value_unref(lv);
            dusk_value_unref(uv);
            dusk_value_unref(plv);
        } else if (strcmp(c->what, "solve") == 0 || strcmp(c->what, "pos") == 0) {
            char vch[32];
            snprintf(vch, sizeof vch, "%" PRId64, dusk_array_chunks(a, 0)[0]);
            dusk_array *b = dusk_random_normal(ctx, 60 + i, 0, 1, DUSK_SHAPE(n), vch);
            int pos = strcmp(c->what, "pos") == 0;
            if (pos) {   /* a @ a.T + n I: symmetric positive definite */
                a = dusk_array_add(dusk_array_matmul(a, dusk_array_transpose(a, NULL)),
                                   dusk_array_binop_scalar(
                                       DUSK_BINOP_MUL, eye_of(n, c->chunks), (double)n, false));
                dusk_value_unref(av);
                av = compute(a, "a a.T + n I");
            }
            dusk_value *bv = compute(b, "b");
            dusk_value *xv = compute(pos ? dusk_linalg_solve_assume(a, b, "pos")
                                         : dusk_linalg_solve(a, b), "x");
            double e = 0;
            for (int64_t r_ = 0; r_ < n; r_++) {
                double sum = 0;
                for (int64_t k = 0; k < n; k++)
                    sum += at(av, r_, k) * ((const double *)dusk_ndarray_data(xv))[k];
                e = fmax(e, fabs(sum - ((const double *)dusk_ndarray_data(bv))[r_]));
            }
            if (e > 1e-12 * max_abs(bv) * n)
                fail_msg("solve case %zu: |a x - b| %.3g", i, e);
            dusk_value_unref(bv);
            dusk_value_unref(xv);
        } else {
            dusk_value *iv = compute(dusk_linalg_inv(a), "inv");
            double e = ortho_err(iv, 1) * 0;   /* shape check below */
            (void)e;
            double worst = 0;
            for (int64_t r_ = 0; r_ < n; r_++)
                for (int64_t q = 0; q < n; q++) {
                    double sum = 0;
                    for (int64_t k = 0; k < n; k++)
                        sum += at(av, r_, k) * at(iv, k, q);
                    worst = fmax(worst, fabs(sum - (r_ == q)));
                }
            if (worst > 1e-12)
                fail_msg("inv case %zu: |a inv(a) - I| %.3g", i, worst);
            dusk_value_unref(iv);
        }
        dusk_value_unref(av);
    }
    free(out);
}

static void test_lu_errors(void **state)
{
    (void)state;
    dusk_array *rect = dusk_ones(ctx, DUSK_SHAPE(12, 8), "4", DUSK_DT_F8);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(12), "4", DUSK_DT_F8);
    const char *sq_solve[] = {"solve", "square", "(12, 8)", NULL};
    expect_error(dusk_linalg_solve(rect, b), "solve of a rectangle", sq_solve);
    const char *sq_inv[] = {"inv", "square", "(12, 8)", NULL};
    expect_error(dusk_linalg_inv(rect), "inv of a rectangle", sq_inv);
    const char *sq_lu[] = {"lu", "square", "(12, 8)", NULL};
    dusk_lu f = dusk_linalg_lu(rect);
    expect_error(f.l, "lu of a rectangle", sq_lu);
    assert_ptr_equal(f.p, f.u);
    dusk_array *uneven = dusk_ones(ctx, DUSK_SHAPE(12, 12), "(4, 6)", DUSK_DT_F8);
    const char *ch[] = {"chunks must be square", "(4, 4, 4)", "(6, 6)", "rechunk", "(4, 4)", NULL};
    expect_error(dusk_linalg_inv(uneven), "inv of uneven chunks", ch);
    /* the chunks suggested must be ones lu takes: 10 in chunks of 4 has a
     * last block of 2, and (4, 4) would only repeat it */
    dusk_array *ten = dusk_ones(ctx, DUSK_SHAPE(10, 10), "(4, 4)", DUSK_DT_F8);
    const char *ch10[] = {"chunks must be square", "(4, 4, 2)", "e.g. chunks (2, 2)", NULL};
    expect_error(dusk_linalg_lu(ten).p, "lu of 10 in chunks of 4", ch10);
    dusk_array *seven = dusk_ones(ctx, DUSK_SHAPE(7, 7), "(4, 4)", DUSK_DT_F8);
    const char *ch7[] = {"e.g. chunks (7, 7)", NULL};
    expect_error(dusk_linalg_cholesky(seven, true), "cholesky of 7 in chunks of 4", ch7);
    /* numpy.linalg.inv of a 0 x 0 matrix is a 0 x 0 matrix */
    dusk_value *e0 = NULL;
    dusk_error err0 = DUSK_ERROR_INIT;
    if (dusk_array_compute(dusk_linalg_inv(dusk_ones(ctx, DUSK_SHAPE(0, 0), "(4, 4)", DUSK_DT_F8)),
                           NULL, &e0, &err0))
        fail_msg("inv of 0 x 0: %s", err0.msg);
    assert_int_equal(dusk_ndarray_ndim(e0), 2);
    assert_int_equal(dusk_ndarray_size(e0), 0);
    dusk_value_unref(e0);
    const char *none[] = {NULL};
    expect_error(dusk_linalg_solve(NULL, b), "solve NULL a", none);
    expect_error(dusk_linalg_solve(rect, NULL), "solve NULL b", none);
    /* b that does not fit a: named by solve, with both shapes, not by the
     * dot or triangular solve inside it */
    dusk_array *sq = dusk_ones(ctx, DUSK_SHAPE(12, 12), "4", DUSK_DT_F8);
    dusk_array *bads[] = {dusk_ones(ctx, DUSK_SHAPE(8), "4", DUSK_DT_F8),
                          dusk_ones(ctx, DUSK_SHAPE(12, 2, 2), "4", DUSK_DT_F8)};
    const char *fit8[] = {"solve: b must be", "(12, 12)", "(8,)", NULL};
    const char *fit3[] = {"solve: b must be", "(12, 12)", "(12, 2, 2)", NULL};
    for (int k = 0; k < 2; k++) {
        expect_error(dusk_linalg_solve(sq, bads[k]), "solve, b does not fit", k ? fit3 : fit8);
        expect_error(dusk_linalg_solve_assume(sq, bads[k], "pos"), "solve pos, b does not fit",
                     k ? fit3 : fit8);
    }
    expect_error(dusk_linalg_inv(NULL), "inv NULL", none);
    expect_error(dusk_linalg_lu(NULL).u, "lu NULL", none);
    /* a singular matrix: solving fails, naming it */
    double z[36] = {0};
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            z[i * 6 + j] = (double)(i + j);   /* rank 2 */
    dusk_array *sing = dusk_from_buffer(ctx, z, DUSK_DT_F8, DUSK_SHAPE(6, 6), "3");
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_compute(dusk_linalg_inv(sing), NULL, &v, &err);
    assert_int_not_equal(rc, 0);
    assert_null(v);
    if (!contains(err.msg, "singular matrix"))
        fail_msg("inv of a singular matrix: %s", err.msg);
}

/* --- svd_compressed ---------------------------------------------------------------- */

typedef struct {
    int64_t m, n;
    const char *chunks;
    int64_t k;
    int iters;
    const char *layers;        /* Dask's, of u, s and v */
    const char *iterator;      /* NULL: 'power' */
} sc_case;

static const sc_case sc_cases[] = {
    {100, 40, "(25, 20)", 5, 0,
     "dot-*-q3:2/6 ge-*:1/1 getitem-*:3/7 getitem-*-q1:2/6 getitem-*-q2:2/6 "
     "getitem-*-q2-aux:2/2 getitem-*-r1:2/6 getitem-*-r2:1/1 getitem-*-s2:1/1 "
     "getitem-*-u2:1/1 getitem-*-u4:1/2 getitem-*-v2:1/1 mul-*:3/7 ones_like-*:1/8 "
     "qr-*:2/6 qr-*-qr2:2/2 stack-*-r1:2/2 standard_normal-*:1/2 sub-*:1/1 sum-*:4/22 "
     "sum-aggregate-*:4/11 svd-*-2:1/1 tensordot-*:3/20 transpose-*:7/15", NULL},
    {100, 40, "(25, 20)", 5, 2,
     "dot-*-q3:2/6 ge-*:1/1 getitem-*:3/7 getitem-*-q1:2/6 getitem-*-q2:2/6 "
     "getitem-*-q2-aux:2/2 getitem-*-r1:2/6 getitem-*-r2:1/1 getitem-*-s2:1/1 "
     "getitem-*-u2:1/1 getitem-*-u4:1/2 getitem-*-v2:1/1 mul-*:3/7 ones_like-*:1/8 "
     "qr-*:2/6 qr-*-qr2:2/2 stack-*-r1:2/2 standard_normal-*:1/2 sub-*:1/1 sum-*:8/54 "
     "sum-aggregate-*:8/23 svd-*-2:1/1 tensordot-*:7/52 transpose-*:8/23", NULL},
    {60, 30, "(20, 30)", 30, 1,
     "dot-*-q3:2/4 ge-*:1/1 getitem-*-q1:2/4 getitem-*-q2:2/4 getitem-*-q2-aux:2/2 "
     "getitem-*-r1:2/4 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/1 getitem-*-v2:1/1 mul-*:3/5 ones_like-*:1/3 qr-*:2/4 qr-*-qr2:2/2 "
     "stack-*-r1:2/2 standard_normal-*:1/1 sub-*:1/1 sum-*:6/16 sum-aggregate-*:6/12 "
     "svd-*-2:1/1 tensordot-*:5/15 transpose-*:8/14", NULL},
    /* iterator 'QR': a tsqr after every product */
    {100, 40, "(25, 20)", 5, 2,
     "dot-*-q3:6/18 ge-*:1/1 getitem-*:3/7 getitem-*-q1:6/18 getitem-*-q2:6/18 "
     "getitem-*-q2-aux:6/6 getitem-*-r1:6/18 getitem-*-r2:1/1 getitem-*-s2:1/1 "
     "getitem-*-u2:1/1 getitem-*-u4:1/2 getitem-*-v2:1/1 mul-*:3/7 ones_like-*:1/8 "
     "qr-*:6/18 qr-*-qr2:6/6 stack-*-r1:6/6 standard_normal-*:1/2 sub-*:1/1 sum-*:8/54 "
     "sum-aggregate-*:8/23 svd-*-2:1/1 tensordot-*:7/52 transpose-*:8/23", "QR"},
    {60, 30, "(20, 30)", 30, 1,
     "dot-*-q3:4/8 ge-*:1/1 getitem-*-q1:4/8 getitem-*-q2:4/8 getitem-*-q2-aux:4/4 "
     "getitem-*-r1:4/8 getitem-*-r2:1/1 getitem-*-s2:1/1 getitem-*-u2:1/1 "
     "getitem-*-u4:1/1 getitem-*-v2:1/1 mul-*:3/5 ones_like-*:1/3 qr-*:4/8 qr-*-qr2:4/4 "
     "stack-*-r1:4/4 standard_normal-*:1/1 sub-*:1/1 sum-*:6/16 sum-aggregate-*:6/12 "
     "svd-*-2:1/1 tensordot-*:5/15 transpose-*:8/14", "QR"},
};
#define NSC (sizeof sc_cases / sizeof *sc_cases)

static const char sc_script[] = PY_PAT
    "for line in sys.stdin:\n"
    "    m, n, ch, k, it, how = line.rstrip('\\n').split(';')\n"
    "    a = da.ones((int(m), int(n)), chunks=eval(ch))\n"
    "    print(pat(list(da.linalg.svd_compressed(a, int(k), n_power_iter=int(it), seed=1,\n"
    "                                            iterator=how))))\n";

static void test_svd_compressed(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("sc.py"), "w");
    assert_non_null(f);
    fputs(sc_script, f);
    fclose(f);
    f = fopen(scratch("sc.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NSC; i++)
        fprintf(f, "%" PRId64 ";%" PRId64 ";%s;%" PRId64 ";%d;%s\n", sc_cases[i].m,
                sc_cases[i].n, sc_cases[i].chunks, sc_cases[i].k, sc_cases[i].iters,
                sc_cases[i].iterator ? sc_cases[i].iterator : "power");
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("sc.py"), scratch("sc.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask could not print its graphs:\n%s", out ? out : "(no output)");
    char *line = out, pat[8192];
    for (size_t i = 0; i < NSC; i++) {
        const sc_case *c = &sc_cases[i];
        char *nl = line ? strchr(line, '\n') : NULL;
        if (!nl)
            fail_msg("Dask printed fewer lines than cases:\n%s", out);
        *nl = 0;
        dusk_array *ones = dusk_ones(ctx, DUSK_SHAPE(c->m, c->n), c->chunks, DUSK_DT_F8);
        dusk_svd r = dusk_linalg_svd_compressed_iter(ones, c->k, c->iters, 1, c->iterator);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(r.u, &err))
            fail_msg("svd_compressed case %zu: %s", i, err.msg);
        dusk_array *three[3] = {r.u, r.s, r.v};
        layer_pattern(three, 3, pat, sizeof pat);
        if (strcmp(pat, c->layers) != 0 || strcmp(pat, line) != 0)
            fail_msg("svd_compressed case %zu:\n dusk %s\n kept %s\n dask %s", i, pat,
                     c->layers, line);
        line = nl + 1;

        /* a matrix of rank k is recovered: u diag(s) v == a, orthonormal factors
         * (to 1e-8: with no oversampling room, k = min(m, n), the randomised
         * range loses a few digits) */
        dusk_array *left = dusk_random_normal(ctx, 200 + i, 0, 1, DUSK_SHAPE(c->m, c->k), NULL);
        dusk_array *right = dusk_random_normal(ctx, 300 + i, 0, 1, DUSK_SHAPE(c->k, c->n), NULL);
        dusk_array *a = dusk_array_rechunk(dusk_array_matmul(left, right), c->chunks);
        dusk_svd g = dusk_linalg_svd_compressed_iter(a, c->k, c->iters, 7, c->iterator);
        dusk_value *av = compute(a, "a"), *u = compute(g.u, "U"), *sv = compute(g.s, "S"),
                   *v = compute(g.v, "V");
        double e = prod_err(u, sv, v, av, max_abs(av));
        if (e > 1e-8 || ortho_err(u, 1) > 1e-10 || ortho_err(v, 0) > 1e-10)
            fail_msg("svd_compressed case %zu: |USV - A| %.3g, |U'U - I| %.3g, |VV' - I| %.3g",
                     i, e, ortho_err(u, 1), ortho_err(v, 0));
        /* the same seed, the same factors; the singular values whatever the seed */
        dusk_value *u2 = compute(dusk_linalg_svd_compressed_iter(a, c->k, c->iters, 7,
                                                                 c->iterator).u, "U again");
        dusk_value *s3 = compute(dusk_linalg_svd_compressed_iter(a, c->k, c->iters, 8,
                                                                 c->iterator).s, "S seed 8");
        assert_true(dusk_value_equal(u, u2));
        for (int64_t j = 0; j < c->k; j++) {
            double x = ((const double *)dusk_ndarray_data(sv))[j],
                   y = ((const double *)dusk_ndarray_data(s3))[j];
            assert_true(fabs(x - y) <= 1e-8 * ((const double *)dusk_ndarray_data(sv))[0]);
        }
        dusk_value_unref(av);
        dusk_value_unref(u);
        dusk_value_unref(sv);
        dusk_value_unref(v);
        dusk_value_unref(u2);
        dusk_value_unref(s3);
    }
    free(out);
    dusk_array *x = dusk_ones(ctx, DUSK_SHAPE(10, 8), "5", DUSK_DT_F8);
    const char *big[] = {"k 9", "min(m, n) = 8", NULL}, *neg[] = {"at least 1", NULL};
    expect_error(dusk_linalg_svd_compressed(x, 9, 0, 1).u, "k too large", big);
    expect_error(dusk_linalg_svd_compressed(x, 0, 0, 1).v, "k 0", neg);
    const char *none[] = {NULL};
    expect_error(dusk_linalg_svd_compressed(NULL, 2, 0, 1).s, "NULL", none);
    /* refused before k + 10 is taken, which would overflow (UBSan) */
    const char *huge[] = {"k 9223372036854775807", "min(m, n)", NULL};
    expect_error(dusk_linalg_svd_compressed(x, INT64_MAX, 0, 1).s, "k INT64_MAX", huge);
    const char *iter[] = {"iterator 'qr' is not one of 'power' and 'QR'", NULL};
    expect_error(dusk_linalg_svd_compressed_iter(x, 2, 1, 1, "qr").u, "iterator qr", iter);
    expect_error(dusk_linalg_svd_compressed_iter(x, 9, 1, 1, "QR").u, "QR k too large", big);
    /* where the spectrum decays (singular values 10^(-i/3) of random
     * singular vectors, NumPy's), 3 power iterations round the 8th to 10th
     * of k = 10 away (their share of (a a.T)^3 a omega is below one ulp);
     * 'QR' keeps all ten to 1e-10 */
    {
        char py[1024];
        snprintf(py, sizeof py, "/usr/bin/python3 -c 'import numpy as np\n"
                 "rng = np.random.default_rng(3)\n"
                 "U, _ = np.linalg.qr(rng.standard_normal((100, 60)))\n"
                 "V, _ = np.linalg.qr(rng.standard_normal((60, 60)))\n"
                 "((U * 10 ** (-np.arange(60) / 3.0)) @ V.T).tofile(\"%s\")' 2>&1",
                 scratch("slow.f8"));
        int pst;
        char *pout = run_command(py, &pst);
        if (pst != 0)
            fail_msg("python3 with NumPy failed: %s", pout ? pout : "");
        free(pout);
        double *d = slurp(scratch("slow.f8"), NULL);
        assert_non_null(d);
        dusk_array *a = dusk_from_buffer(ctx, d, DUSK_DT_F8, DUSK_SHAPE(100, 60), "(25, 60)");
        free(d);
        dusk_value *sq = compute(dusk_linalg_svd_compressed_iter(a, 10, 3, 5, "QR").s, "S QR");
        dusk_value *sp = compute(dusk_linalg_svd_compressed_iter(a, 10, 3, 5, "power").s,
                                 "S power");
        const double *q = dusk_ndarray_data(sq), *p = dusk_ndarray_data(sp);
        for (int i = 0; i < 10; i++) {
            double want = pow(10, -i / 3.0);
            if (fabs(q[i] - want) > 1e-10 * want)
                fail_msg("svd_compressed QR: s[%d] %.17g, want %.17g", i, q[i], want);
        }
        assert_true(fabs(p[9] - pow(10, -3.0)) > 1e-3 * pow(10, -3.0));
        dusk_value_unref(sp);
        dusk_value_unref(sq);
    }
}

/* --- cholesky ------------------------------------------------------------------------ */

typedef struct {
    int64_t n;
    const char *chunks;
    int lower;
    const char *layers;        /* Dask's */
} chol_case;

static const chol_case chol_cases[] = {
    {12, "(4, 4)", 1, "cholesky-*:1/22 ones_like-*:1/9"},
    {12, "(4, 4)", 0, "cholesky-upper-*:1/22 ones_like-*:1/9"},
    {10, "(5, 5)", 1, "cholesky-*:1/9 ones_like-*:1/4"},
    {6, "(6, 6)", 0, "cholesky-upper-*:1/2 ones_like-*:1/1"},
    {16, "(4, 4)", 0, "cholesky-upper-*:1/42 ones_like-*:1/16"},
};
#define NCHOL (sizeof chol_cases / sizeof *chol_cases)

static const char chol_script[] = PY_PAT
    "for line in sys.stdin:\n"
    "    n, ch, lower = line.rstrip('\\n').split(';')\n"
    "    a = da.ones((int(n), int(n)), chunks=eval(ch))\n"
    "    print(pat([da.linalg.cholesky(a, lower=lower == '1')]))\n";

/* What cholesky reads, as Dask's blocked algorithm does: the lower
 * triangle of each diagonal block and the blocks above the diagonal (the
 * transposes of those below), never the blocks below the diagonal nor the
 * upper triangle of a diagonal block. */
static void test_cholesky_reads(void **state)
{
    (void)state;
    double spd[36], junk[36];
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++)
            spd[i * 6 + j] = i == j ? 8 : 1.0 / (1 + i + j);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) {
            int below_blocks = i / 3 > j / 3, diag_upper = i / 3 == j / 3 && j > i;
            junk[i * 6 + j] = below_blocks || diag_upper ? -1000.0 : spd[i * 6 + j];
        }
    dusk_value *want = compute(
        dusk_linalg_cholesky(dusk_from_buffer(ctx, spd, DUSK_DT_F8, DUSK_SHAPE(6, 6), "6"), true),
        "L of the symmetric matrix");
    dusk_value *got = compute(
        dusk_linalg_cholesky(dusk_from_buffer(ctx, junk, DUSK_DT_F8, DUSK_SHAPE(6, 6), "3"), true),
        "L with junk below the diagonal blocks");
    for (int64_t i = 0; i < 6; i++)
        for (int64_t j = 0; j < 6; j++)
            if (fabs(at(got, i, j) - at(want, i, j)) > 1e-12)
                fail_msg("cholesky read a block it should not: L[%" PRId64 ", %" PRId64 "] %g, "
                         "want %g", i, j, at(got, i, j), at(want, i, j));
    dusk_value_unref(want);
    dusk_value_unref(got);
}

static void test_cholesky(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("ch.py"), "w");
    assert_non_null(f);
    fputs(chol_script, f);
    fclose(f);
    f = fopen(scratch("ch.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NCHOL; i++)
        fprintf(f, "%" PRId64 ";%s;%d\n", chol_cases[i].n, chol_cases[i].chunks, chol_cases[i].lower);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("ch.py"), scratch("ch.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask could not print its graphs:\n%s", out ? out : "(no output)");
    char *line = out, pat[2048];
    for (size_t i = 0; i < NCHOL; i++) {
        const chol_case *c = &chol_cases[i];
        char *nl = line ? strchr(line, '\n') : NULL;
        if (!nl)
            fail_msg("Dask printed fewer lines than cases:\n%s", out);
        *nl = 0;
        int64_t n = c->n;
        dusk_array *r = dusk_linalg_cholesky(dusk_ones(ctx, DUSK_SHAPE(n, n), c->chunks, DUSK_DT_F8),
                                             c->lower);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(r, &err))
            fail_msg("cholesky case %zu: %s", i, err.msg);
        layer_pattern(&r, 1, pat, sizeof pat);
        if (strcmp(pat, c->layers) != 0 || strcmp(pat, line) != 0)
            fail_msg("cholesky case %zu:\n dusk %s\n kept %s\n dask %s", i, pat, c->layers, line);
        line = nl + 1;
        /* a = m m.T + n I; L L.T == a (U.T U == a), L lower (U upper) */
        dusk_array *m = dusk_random_normal(ctx, 500 + i, 0, 1, DUSK_SHAPE(n, n), c->chunks);
        dusk_array *sym = dusk_array_matmul(m, dusk_array_transpose(m, NULL));
        double *id = calloc((size_t)(n * n), sizeof *id);
        assert_non_null(id);
        for (int64_t k = 0; k < n; k++)
            id[k * n + k] = (double)n;
        sym = dusk_array_add(sym, dusk_from_buffer(ctx, id, DUSK_DT_F8, DUSK_SHAPE(n, n), c->chunks));
        free(id);
        dusk_value *av = compute(sym, "a"), *lv = compute(dusk_linalg_cholesky(sym, c->lower), "L");
        dusk_value *lt = compute(dusk_array_transpose(dusk_linalg_cholesky(sym, c->lower), NULL), "L.T");
        double e = c->lower ? prod_err(lv, NULL, lt, av, max_abs(av))
                            : prod_err(lt, NULL, lv, av, max_abs(av));
        if (e > 1e-12)
            fail_msg("cholesky case %zu: |L L' - a| %.3g", i, e);
        for (int64_t r_ = 0; r_ < n; r_++)
            for (int64_t q = 0; q < n; q++)
                if (c->lower ? q > r_ : q < r_)
                    assert_true(at(lv, r_, q) == 0);
        dusk_value_unref(av);
        dusk_value_unref(lv);
        dusk_value_unref(lt);
    }
    free(out);
    /* errors */
    dusk_array *rect = dusk_ones(ctx, DUSK_SHAPE(12, 8), "4", DUSK_DT_F8);
    const char *sq[] = {"cholesky", "square", "(12, 8)", NULL};
    expect_error(dusk_linalg_cholesky(rect, true), "rectangle", sq);
    dusk_array *uneven = dusk_ones(ctx, DUSK_SHAPE(10, 10), "4", DUSK_DT_F8);
    const char *ch[] = {"chunks must be square and of one size", "(4, 4, 2)", "rechunk", NULL};
    expect_error(dusk_linalg_cholesky(uneven, false), "uneven", ch);
    const char *none[] = {NULL};
    expect_error(dusk_linalg_cholesky(NULL, true), "NULL", none);
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *neg = dusk_array_binop_scalar(DUSK_BINOP_MUL,
                                              dusk_ones(ctx, DUSK_SHAPE(6, 6), "3", DUSK_DT_F8), -1,
                                              false);
    int rc = dusk_array_compute(dusk_linalg_cholesky(neg, true), NULL, &v, &err);
    assert_int_not_equal(rc, 0);
    assert_null(v);
    if (!contains(err.msg, "not positive definite") || !contains(err.msg, "(0, 0)"))
        fail_msg("cholesky of -ones: %s", err.msg);
    /* solve with assume_a 'pos' says the same of an a that is not */
    dusk_error_clear(&err);
    dusk_array *b = dusk_ones(ctx, DUSK_SHAPE(6), "3", DUSK_DT_F8);
    rc = dusk_array_compute(dusk_linalg_solve_assume(neg, b, "pos"), NULL, &v, &err);
    assert_int_not_equal(rc, 0);
    assert_null(v);
    if (!contains(err.msg, "not positive definite") || !contains(err.msg, "(0, 0)"))
        fail_msg("solve(-ones, assume_a='pos'): %s", err.msg);
    const char *structure[] = {"assume_a 'sym' is not a matrix structure", "'gen'", "'pos'", NULL};
    expect_error(dusk_linalg_solve_assume(neg, b, "sym"), "assume_a sym", structure);
    expect_error(dusk_linalg_solve_assume(uneven, b, "pos"), "uneven pos", ch);
}

/* --- sfqr ------------------------------------------------------------------------------- */

typedef struct {
    int64_t m, n;
    const char *chunks;
    const char *layers;        /* Dask's, of qr's Q and R */
} sf_case;

static const sf_case sf_cases[] = {
    {10, 40, "(10, 10)",
     "concatenate-*:1/4 ones_like-*:1/4 sfqr-*_A_1:1/1 sfqr-*_A_rest:1/3 sfqr-*_Q:1/1 "
     "sfqr-*_Q_R_1:1/1 sfqr-*_R_1:1/1 sum-*:1/3 sum-aggregate-*:1/3 tensordot-*:1/3 "
     "transpose-*:1/1"},
    {10, 40, "(10, 40)",
     "ones_like-*:1/1 sfqr-*_A_1:1/1 sfqr-*_Q:1/1 sfqr-*_Q_R_1:1/1 sfqr-*_R_1:1/1"},
    {20, 6, "(20, 6)",
     "ones_like-*:1/1 sfqr-*_A_1:1/1 sfqr-*_Q:1/1 sfqr-*_Q_R_1:1/1 sfqr-*_R_1:1/1"},
    {8, 30, "(8, (10, 10, 10))",
     "concatenate-*:1/3 ones_like-*:1/3 sfqr-*_A_1:1/1 sfqr-*_A_rest:1/2 sfqr-*_Q:1/1 "
     "sfqr-*_Q_R_1:1/1 sfqr-*_R_1:1/1 sum-*:1/2 sum-aggregate-*:1/2 tensordot-*:1/2 "
     "transpose-*:1/1"},
};
#define NSF (sizeof sf_cases / sizeof *sf_cases)

static const char sf_script[] = PY_PAT
    "for line in sys.stdin:\n"
    "    m, n, ch = line.rstrip('\\n').split(';')\n"
    "    a = da.ones((int(m), int(n)), chunks=eval(ch))\n"
    "    print(pat(list(da.linalg.qr(a))))\n";

static void test_sfqr_graphs(void **state)
{
    (void)state;
    FILE *f = fopen(scratch("sf.py"), "w");
    assert_non_null(f);
    fputs(sf_script, f);
    fclose(f);
    f = fopen(scratch("sf.in"), "w");
    assert_non_null(f);
    for (size_t i = 0; i < NSF; i++)
        fprintf(f, "%" PRId64 ";%" PRId64 ";%s\n", sf_cases[i].m, sf_cases[i].n, sf_cases[i].chunks);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s < %s 2>&1", scratch("sf.py"), scratch("sf.in"));
    int status;
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("python3-dask could not print its graphs:\n%s", out ? out : "(no output)");
    char *line = out, pat[2048];
    for (size_t i = 0; i < NSF; i++) {
        const sf_case *c = &sf_cases[i];
        char *nl = line ? strchr(line, '\n') : NULL;
        if (!nl)
            fail_msg("Dask printed fewer lines than cases:\n%s", out);
        *nl = 0;
        dusk_qr r = dusk_linalg_qr(dusk_ones(ctx, DUSK_SHAPE(c->m, c->n), c->chunks, DUSK_DT_F8));
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_status(r.q, &err) || dusk_array_status(r.r, &err))
            fail_msg("sfqr case %zu: %s", i, err.msg);
        dusk_array *two[2] = {r.q, r.r};
        layer_pattern(two, 2, pat, sizeof pat);
        if (strcmp(pat, c->layers) != 0 || strcmp(pat, line) != 0)
            fail_msg("sfqr case %zu:\n dusk %s\n kept %s\n dask %s", i, pat, c->layers, line);
        line = nl + 1;
    }
    free(out);
}

/* OpenBLAS's, which the test links. */
int openblas_get_num_threads(void);

/* After a factorisation, OpenBLAS runs one thread per call (dusk's workers
 * are the parallelism), unless the environment chose. */
/* Every allocation of building and computing each factorisation fails in
 * turn (once, as SQLite's transient failures): the result is the answer
 * or DUSK_ENOMEM, and freeing the context frees everything (lu's three
 * layers share the data they emit from: a failure at the second layer
 * freed it twice). */
typedef dusk_array *(*la_builder)(dusk_array_ctx *c);

static dusk_array *oom_lu(dusk_array_ctx *c)
{
    return dusk_linalg_lu(dusk_random_normal(c, 1, 5, 1, DUSK_SHAPE(6, 6), "(2, 2)")).u;
}

static dusk_array *oom_inv(dusk_array_ctx *c)
{
    return dusk_linalg_inv(dusk_random_normal(c, 1, 5, 1, DUSK_SHAPE(4, 4), "(2, 2)"));
}

static dusk_array *oom_svd(dusk_array_ctx *c)
{
    /* short-and-fat, wider than tall in one column of blocks (the
     * truncating task), and one block */
    dusk_array *fat = dusk_linalg_svd(dusk_random_normal(c, 1, 0, 1, DUSK_SHAPE(10, 30),
                                                         "(10, 10)")).u;
    dusk_array *wide = dusk_linalg_svd(dusk_random_normal(c, 2, 0, 1, DUSK_SHAPE(10, 30),
                                                          "(5, 30)")).v;
    dusk_array *one = dusk_linalg_svd(dusk_random_normal(c, 3, 0, 1, DUSK_SHAPE(10, 30),
                                                         "(10, 30)")).u;
    return dusk_array_add(dusk_array_add(dusk_array_sum(fat, DUSK_ALL_AXES, false),
                                         dusk_array_sum(wide, DUSK_ALL_AXES, false)),
                          dusk_array_sum(one, DUSK_ALL_AXES, false));
}

static dusk_array *oom_svdc(dusk_array_ctx *c)
{
    return dusk_linalg_svd_compressed(dusk_random_normal(c, 1, 0, 1, DUSK_SHAPE(30, 25),
                                                         "(10, 25)"), 3, 0, 2).v;
}

static dusk_array *oom_lstsq(dusk_array_ctx *c)
{
    return dusk_linalg_lstsq(dusk_random_normal(c, 1, 0, 1, DUSK_SHAPE(20, 3), "(5, 3)"),
                             dusk_ones(c, DUSK_SHAPE(20), "5", DUSK_DT_F8)).s;
}

static dusk_array *oom_chol(dusk_array_ctx *c)
{
    static const double spd[16] = {4, 1, 1, 1, 1, 4, 1, 1, 1, 1, 4, 1, 1, 1, 1, 4};
    return dusk_linalg_cholesky(dusk_from_buffer(c, spd, DUSK_DT_F8, DUSK_SHAPE(4, 4), "2"), true);
}

static void test_alloc_failures(void **state)
{
    (void)state;
    static const la_builder builders[] = {oom_lu, oom_inv, oom_svd, oom_svdc, oom_lstsq, oom_chol};
    static const char *const names[] = {"lu", "inv", "svd", "svd_compressed", "lstsq", "cholesky"};
    for (size_t b = 0; b < sizeof builders / sizeof *builders; b++) {
        long base = dusk_alloc_live(), failed = 0;
        for (long n = 0;; n++) {
            dusk_array_ctx *c = dusk_array_ctx_new();
            assert_non_null(c);
            unsigned long calls = dusk_alloc_calls();
            dusk_alloc_fail_once(n);
            dusk_array *r = builders[b](c);
            dusk_error err = DUSK_ERROR_INIT;
            dusk_value *v = NULL;
            int rc = dusk_array_status(r, &err);
            if (!rc)
                rc = dusk_array_compute(r, NULL, &v, &err);
            int reached = (long)(dusk_alloc_calls() - calls) > n;
            dusk_alloc_fail_after(-1);
            if (rc != 0 && rc != DUSK_ENOMEM)
                fail_msg("%s, allocation %ld failing: %s: %s", names[b], n, dusk_err_name(rc),
                         err.msg);
            failed += rc != 0;
            dusk_value_unref(v);
            dusk_array_ctx_free(c);
            if (dusk_alloc_live() != base)
                fail_msg("%s, allocation %ld failing: %ld blocks left", names[b], n,
                         dusk_alloc_live() - base);
            if (!reached)
                break;
        }
        assert_true(failed > 0);
    }
}

static void test_blas_threads(void **state)
{
    (void)state;
    dusk_value *v = compute(dusk_linalg_qr(dusk_ones(ctx, DUSK_SHAPE(40, 4), "(10, 4)",
                                                     DUSK_DT_F8)).r, "R");
    dusk_value_unref(v);
    if (!getenv("OPENBLAS_NUM_THREADS") && !getenv("OMP_NUM_THREADS"))
        assert_int_equal(openblas_get_num_threads(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_graphs_as_kept, reset_alloc),
        cmocka_unit_test_teardown(test_graphs_as_dask, reset_alloc),
        cmocka_unit_test_teardown(test_qr_values, reset_alloc),
        cmocka_unit_test_teardown(test_svd_values, reset_alloc),
        cmocka_unit_test_teardown(test_svd_truncated, reset_alloc),
        cmocka_unit_test_teardown(test_same_as_numpy, reset_alloc),
        cmocka_unit_test_teardown(test_float32, reset_alloc),
        cmocka_unit_test_teardown(test_complex_qr_svd, reset_alloc),
        cmocka_unit_test_teardown(test_complex_solve, reset_alloc),
        cmocka_unit_test_teardown(test_complex_graphs_as_real, reset_alloc),
        cmocka_unit_test_teardown(test_errors, reset_alloc),
        cmocka_unit_test_teardown(test_norm, reset_alloc),
        cmocka_unit_test_teardown(test_norm_errors, reset_alloc),
        cmocka_unit_test_teardown(test_solve_triangular, reset_alloc),
        cmocka_unit_test_teardown(test_solve_triangular_errors, reset_alloc),
        cmocka_unit_test_teardown(test_lstsq, reset_alloc),
        cmocka_unit_test_teardown(test_lstsq_rank_deficient, reset_alloc),
        cmocka_unit_test_teardown(test_lstsq_errors, reset_alloc),
        cmocka_unit_test_teardown(test_lu_solve_inv, reset_alloc),
        cmocka_unit_test_teardown(test_lu_errors, reset_alloc),
        cmocka_unit_test_teardown(test_svd_compressed, reset_alloc),
        cmocka_unit_test_teardown(test_cholesky, reset_alloc),
        cmocka_unit_test_teardown(test_sfqr_graphs, reset_alloc),
        cmocka_unit_test_teardown(test_cholesky_reads, reset_alloc),
        cmocka_unit_test_teardown(test_alloc_failures, reset_alloc),
        cmocka_unit_test_teardown(test_blas_threads, reset_alloc),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
