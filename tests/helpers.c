/*
** dusk tests — the helpers every test program shares: see helpers.h
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>

#include <SDL.h>

#include "helpers.h"

const sched_cfg SCHEDS[NSCHED_CFGS] = {
    {DUSK_SCHED_SYNC, 1, "sync"},
    {DUSK_SCHED_THREADS, 1, "threads/1"},
    {DUSK_SCHED_THREADS, 2, "threads/2"},
    {DUSK_SCHED_THREADS, 4, "threads/4"},
    /* Tasks in forked processes: the cases whose functions keep state in
     * the test's memory, or are not registered, skip it (sched_remote). */
    {DUSK_SCHED_PROCESSES, 2, "processes/2"},
};

dusk_options mkopts(const sched_cfg *c, dusk_run_stats *st)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = c->kind;
    o.workers = c->workers;
    o.stats = st;
    return o;
}

dusk_graph *lecture_dsk(void)
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

dusk_graph *lecture_dsk2(void)
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

void assert_repr(const dusk_value *v, const char *want)
{
    char buf[1024];
    assert_non_null(v);
    size_t len = dusk_value_repr(v, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(len, strlen(want));
}

void assert_int_value(const dusk_value *v, int64_t want)
{
    assert_non_null(v);
    assert_int_equal(dusk_value_kind(v), DUSK_KIND_INT);
    assert_true(dusk_value_int(v) == want);
}

int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

uint64_t rng_next(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

int rng_range(uint64_t *s, int lo, int hi) /* [lo, hi] */
{
    return lo + (int)(rng_next(s) % (uint64_t)(hi - lo + 1));
}

int64_t rdag_abs(int64_t v) { return v < 0 ? -v : v; }

int rdag_pick(uint64_t *s, int i)
{
    if (rng_next(s) % 3 == 0)
        return (int)(rng_next(s) % (uint64_t)i);
    int w = i < 8 ? i : 8;
    return i - 1 - (int)(rng_next(s) % (uint64_t)w);
}

int rdag_build(rdag *r, uint64_t seed, int n)
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

void rdag_free(rdag *r)
{
    dusk_graph_free(r->g);
    free(r->expect);
    free(r->keys);
    memset(r, 0, sizeof *r);
}

void rdag_requests(const rdag *r, uint64_t seed, int nreq,
                   const char **keys, int *idx)
{
    uint64_t s = seed * 0xD1B54A32D192ED03ULL + 7;
    for (int j = 0; j < nreq; j++) {
        idx[j] = j == 0 ? r->n - 1 : (int)(rng_next(&s) % (uint64_t)r->n);
        keys[j] = r->keys[idx[j]];
    }
}

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int reset_alloc(void **state)
{
    (void)state;
    dusk_alloc_fail_after(-1);
    return 0;
}

/* --- memory: faults and 2 MiB pages ------------------------------------------ */

long minor_faults(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

/* Whether the kernel gives 2 MiB pages to memory that asks for them. */
int huge_pages_on(void)
{
    char buf[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            buf[0] = '\0';
        fclose(f);
    }
    return strstr(buf, "[always]") || strstr(buf, "[madvise]");
}

/* What the kernel made of the 2 MiB-aligned memory at p (/proc/self/smaps,
 * the mapping holding p): *advised when madvise asked for 2 MiB pages
 * there ("hg"), *huge when every resident byte of it is in such pages.
 * The kernel may still give 4 KiB pages where they were asked for: no free
 * 2 MiB page (fragmented memory, defrag "defer" or "never"), a process
 * with THP disabled (prctl PR_SET_THP_DISABLE, which some launchers set).
 * 0, or -1 when smaps says nothing of p. */
int huge_pages_at(const void *p, int *advised, int *huge)
{
    uintptr_t at = ((uintptr_t)p + ((uintptr_t)2 << 20) - 1) & ~(((uintptr_t)2 << 20) - 1);
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0, found = 0;
    long rss = -1, anon_huge = -1;
    *advised = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            if (in)
                break;   /* past p's mapping */
            in = lo <= at && at < hi;
            found |= in;
            continue;
        }
        if (!in)
            continue;
        sscanf(line, "Rss: %ld kB", &rss);
        sscanf(line, "AnonHugePages: %ld kB", &anon_huge);
        if (strncmp(line, "VmFlags:", 8) == 0)
            *advised = strstr(line, " hg") != NULL;
    }
    fclose(f);
    *huge = rss > 0 && anon_huge == rss;
    return found ? 0 : -1;
}

/* Whether the kernel gave 2 MiB pages where they were asked for: every
 * mapping madvise asked them for ("hg") that has 2 MiB or more resident
 * holds at least half of it in such pages. 1 when there is no such
 * mapping; 0 when smaps cannot be read. A host with fragmented memory
 * gives 4 KiB pages even so, and a test that counts faults must know. */
int huge_pages_given(void)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return 0;
    char line[512];
    int given = 1, advised = 0;
    long rss = 0, anon_huge = 0;
    for (;;) {
        int more = fgets(line, sizeof line, f) != NULL;
        unsigned long lo, hi;
        int head = more && sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
                   strchr(line, '-') < strchr(line, ' ');
        if (head || !more) {   /* the mapping before ends here */
            if (advised && rss >= 2048 && anon_huge < rss / 2)
                given = 0;
            advised = 0;
            rss = anon_huge = 0;
            if (!more)
                break;
            continue;
        }
        sscanf(line, "Rss: %ld kB", &rss);
        sscanf(line, "AnonHugePages: %ld kB", &anon_huge);
        if (strncmp(line, "VmFlags:", 8) == 0)
            advised = strstr(line, " hg") != NULL;
    }
    fclose(f);
    return given;
}

/* --- arrays ----------------------------------------------------------------- */

const dusk_dtype ALL_DT[NDT] = {
    DUSK_DT_F8, DUSK_DT_F4, DUSK_DT_I8, DUSK_DT_I4, DUSK_DT_I2, DUSK_DT_I1,
    DUSK_DT_U8, DUSK_DT_U4, DUSK_DT_U2, DUSK_DT_U1, DUSK_DT_BOOL,
};

static dusk_value *au_vals[1024];
static int au_nvals;

bool dt_float(dusk_dtype t) { return t == DUSK_DT_F8 || t == DUSK_DT_F4 || t == DUSK_DT_F2; }

/* float16, for results NumPy gives in it: the value of the bits, and the
 * nearest half to v (ties to even; the 2^-24 grid below 2^-14). */
static double half_get(uint16_t h)
{
    int e = (h >> 10) & 31, f = h & 1023;
    double x = e == 0 ? ldexp(f, -24) : e == 31 ? (f ? NAN : INFINITY) : ldexp(f + 1024, e - 25);
    return h & 0x8000 ? -x : x;
}

static uint16_t half_of(double v)
{
    uint16_t s = signbit(v) ? 0x8000 : 0;
    if (isnan(v))
        return s | 0x7e00;
    v = fabs(v);
    if (v >= 65520)
        return s | 0x7c00;
    double ulp = v < 0x1p-14 ? 0x1p-24 : ldexp(1, ilogb(v) - 10);
    double r = nearbyint(v / ulp) * ulp;   /* exact: powers of two */
    /* search the 65,536 halves would be slow: build the bits from r */
    if (r < 0x1p-14)
        return s | (uint16_t)(r / 0x1p-24);
    int e = ilogb(r);
    if (e > 15)
        return s | 0x7c00;
    return s | (uint16_t)((e + 15) << 10) | (uint16_t)(ldexp(r, 10 - e) - 1024);
}

bool dt_unsigned(dusk_dtype t)
{
    return t == DUSK_DT_U8 || t == DUSK_DT_U4 || t == DUSK_DT_U2 || t == DUSK_DT_U1;
}

bool dt_signed(dusk_dtype t)
{
    return t == DUSK_DT_I8 || t == DUSK_DT_I4 || t == DUSK_DT_I2 || t == DUSK_DT_I1;
}

size_t dt_size(dusk_dtype t)
{
    switch (t) {
    case DUSK_DT_F8: case DUSK_DT_I8: case DUSK_DT_U8: return 8;
    case DUSK_DT_F4: case DUSK_DT_I4: case DUSK_DT_U4: return 4;
    case DUSK_DT_I2: case DUSK_DT_U2: case DUSK_DT_F2: return 2;
    case DUSK_DT_C8: return 8;
    case DUSK_DT_C16: return 16;
    default: return 1;
    }
}

dusk_dtype dt_of(const char *code)
{
    static const char *const codes[NDT] = {"f8", "f4", "i8", "i4", "i2", "i1",
                                           "u8", "u4", "u2", "u1", "b1"};
    for (int i = 0; i < NDT; i++)
        if (!strcmp(codes[i], code))
            return ALL_DT[i];
    if (!strcmp(code, "f2"))
        return DUSK_DT_F2;
    fail_msg("unknown dtype code %s", code);
    return DUSK_DT_F8;
}

int64_t ref_geti(const void *base, dusk_dtype t, int64_t i)
{
    const char *p = (const char *)base + (size_t)i * dt_size(t);
    switch (t) {
    case DUSK_DT_I8: { int64_t v; memcpy(&v, p, 8); return v; }
    case DUSK_DT_U8: { uint64_t v; memcpy(&v, p, 8); return (int64_t)v; }
    case DUSK_DT_I4: { int32_t v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_U4: { uint32_t v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_I2: { int16_t v; memcpy(&v, p, 2); return v; }
    case DUSK_DT_U2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case DUSK_DT_I1: { int8_t v; memcpy(&v, p, 1); return v; }
    case DUSK_DT_U1: { uint8_t v; memcpy(&v, p, 1); return v; }
    case DUSK_DT_BOOL: { uint8_t v; memcpy(&v, p, 1); return v != 0; }
    case DUSK_DT_F8: { double v; memcpy(&v, p, 8); return (int64_t)v; }
    case DUSK_DT_F4: { float v; memcpy(&v, p, 4); return (int64_t)v; }
    default: return 0;
    }
}

double ref_getf(const void *base, dusk_dtype t, int64_t i)
{
    const char *p = (const char *)base + (size_t)i * dt_size(t);
    switch (t) {
    case DUSK_DT_F8: { double v; memcpy(&v, p, 8); return v; }
    case DUSK_DT_F4: { float v; memcpy(&v, p, 4); return v; }
    case DUSK_DT_F2: { uint16_t v; memcpy(&v, p, 2); return half_get(v); }
    case DUSK_DT_U8: return (double)(uint64_t)ref_geti(base, t, i);
    default: return (double)ref_geti(base, t, i);
    }
}

void ref_seti(void *base, dusk_dtype t, int64_t i, int64_t v)
{
    char *p = (char *)base + (size_t)i * dt_size(t);
    switch (t) {
    case DUSK_DT_I8: case DUSK_DT_U8: memcpy(p, &v, 8); break;
    case DUSK_DT_I4: case DUSK_DT_U4: { uint32_t x = (uint32_t)(uint64_t)v; memcpy(p, &x, 4); break; }
    case DUSK_DT_I2: case DUSK_DT_U2: { uint16_t x = (uint16_t)(uint64_t)v; memcpy(p, &x, 2); break; }
    case DUSK_DT_I1: case DUSK_DT_U1: { uint8_t x = (uint8_t)(uint64_t)v; memcpy(p, &x, 1); break; }
    case DUSK_DT_BOOL: { uint8_t x = v != 0; memcpy(p, &x, 1); break; }
    case DUSK_DT_F8: { double d = (double)v; memcpy(p, &d, 8); break; }
    case DUSK_DT_F4: { float f = (float)v; memcpy(p, &f, 4); break; }
    default: break;
    }
}

void ref_setf(void *base, dusk_dtype t, int64_t i, double v)
{
    char *p = (char *)base + (size_t)i * dt_size(t);
    if (t == DUSK_DT_F8)
        memcpy(p, &v, 8);
    else if (t == DUSK_DT_F4) {
        float f = (float)v;
        memcpy(p, &f, 4);
    } else if (t == DUSK_DT_F2) {
        uint16_t h = half_of(v);
        memcpy(p, &h, 2);
    } else if (t == DUSK_DT_BOOL)
        ref_seti(base, t, i, v != 0);
    else
        ref_seti(base, t, i, (int64_t)v);
}

uint64_t au_rng(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x ? x : 0x1234567;
    return x * 0x2545F4914F6CDD1DULL;
}

void *make_data(dusk_dtype t, int64_t n, uint64_t seed, int kind)
{
    void *buf = calloc((size_t)(n ? n : 1), dt_size(t));
    assert_non_null(buf);
    uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 12345;
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = au_rng(&s);
        if (t == DUSK_DT_BOOL) {
            ref_seti(buf, t, i, (int64_t)(r & 1));
            continue;
        }
        if (kind == DATA_SMALLPOS) {
            ref_seti(buf, t, i, (int64_t)(r % 4));
            continue;
        }
        if (kind == DATA_NEARONE) {
            if (dt_float(t))
                ref_setf(buf, t, i, 0.5 + (double)(r % 1001) / 1000.0);
            else
                ref_seti(buf, t, i, 1 + (int64_t)(r % 2));
            continue;
        }
        if (dt_float(t)) {
            double v = (double)((int64_t)(r % 2001) - 1000) / 64.0;  /* exact in f4 */
            if (r % 13 == 0)
                v = 0;
            ref_setf(buf, t, i, v);
        } else {
            int64_t v = dt_unsigned(t) ? (int64_t)(r % 20) : (int64_t)(r % 41) - 20;
            /* now and then an extreme, which exercises wrapping. uint64
             * stays below 2**26 here (its squares and products with the
             * test scalars below 2**53): its larger values have tests of
             * their own (test_uint64_*) */
            if (r % 11 == 0) {
                int bits = (int)dt_size(t) * 8;
                if (dt_unsigned(t))
                    v = bits == 64 ? ((int64_t)1 << 26) - 1 : (int64_t)((1ull << bits) - 1);
                else
                    v = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
            } else if (r % 11 == 1) {
                int bits = (int)dt_size(t) * 8;
                v = dt_unsigned(t) ? (bits == 64 ? ((int64_t)1 << 25) + 7
                                                 : (int64_t)((1ull << (bits - 1)) + 7))
                                   : (bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1);
            }
            ref_seti(buf, t, i, v);
        }
    }
    return buf;
}

int64_t count_of_shape(int ndim, const int64_t *shape)
{
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    return n;
}

void unravel(int64_t k, int ndim, const int64_t *shape, int64_t *idx)
{
    for (int d = ndim - 1; d >= 0; d--) {
        idx[d] = shape[d] ? k % shape[d] : 0;
        k = shape[d] ? k / shape[d] : 0;
    }
}

int64_t ravel(int ndim, const int64_t *shape, const int64_t *idx)
{
    int64_t k = 0;
    for (int d = 0; d < ndim; d++)
        k = k * shape[d] + idx[d];
    return k;
}

int64_t bcast_index(int ondim, const int64_t *oidx, int indim, const int64_t *ishape)
{
    int64_t idx[DUSK_MAXDIMS];
    for (int d = 0; d < indim; d++) {
        int od = d + (ondim - indim);
        idx[d] = ishape[d] == 1 ? 0 : oidx[od];
    }
    return ravel(indim, ishape, idx);
}

bool close_enough(double got, double want, double rel, double abs_tol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    if (isnan(got) || isinf(got))
        return false;
    double d = fabs(got - want);
    return d <= abs_tol || d <= rel * fabs(want);
}

dusk_options opts_of(dusk_sched_kind k, int workers)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = k;
    o.workers = workers;
    return o;
}

dusk_value *track(dusk_value *v)
{
    if (v && au_nvals < (int)(sizeof au_vals / sizeof *au_vals))
        au_vals[au_nvals++] = v;
    return v;
}

void release(dusk_value *v)
{
    for (int i = au_nvals - 1; i >= 0; i--)
        if (au_vals[i] == v) {
            au_vals[i] = au_vals[--au_nvals];
            break;
        }
    dusk_value_unref(v);
}

void release_all(void)
{
    while (au_nvals > 0)
        dusk_value_unref(au_vals[--au_nvals]);
}

static long ctx_live0;

int array_ctx_setup(dusk_array_ctx **ctx)
{
    dusk_alloc_fail_after(-1);
    ctx_live0 = dusk_alloc_live();
    *ctx = dusk_array_ctx_new();
    return *ctx ? 0 : -1;
}

int array_ctx_teardown(dusk_array_ctx **ctx)
{
    dusk_alloc_fail_after(-1);
    release_all();
    dusk_array_ctx_free(*ctx);
    *ctx = NULL;
    long live = dusk_alloc_live();
    if (live != ctx_live0) {
        fprintf(stderr, "leak: dusk_alloc_live() is %ld, was %ld\n", live, ctx_live0);
        return -1;
    }
    return 0;
}

dusk_value *compute_with(dusk_array *a, const dusk_options *o, const char *what)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    if (dusk_array_status(a, &err))
        fail_msg("%s: building failed: %s", what, err.msg);
    int rc = dusk_array_compute(a, o, &v, &err);
    if (rc)
        fail_msg("%s: compute failed (%s): %s", what, dusk_err_name(rc), err.msg);
    assert_non_null(v);
    track(v);
    assert_int_equal(dusk_value_kind(v), DUSK_KIND_NDARRAY);
    return v;
}

void assert_shape(const dusk_value *v, int ndim, const int64_t *shape,
                  const char *what)
{
    if (dusk_ndarray_ndim(v) != ndim)
        fail_msg("%s: result has %d axes, want %d", what, dusk_ndarray_ndim(v), ndim);
    for (int d = 0; d < ndim; d++)
        if (dusk_ndarray_shape(v)[d] != shape[d])
            fail_msg("%s: axis %d has length %lld, want %lld", what, d,
                     (long long)dusk_ndarray_shape(v)[d], (long long)shape[d]);
}

const char *chunks_text(const dusk_array *a, int axis, char *buf, size_t n)
{
    const int64_t *c = dusk_array_chunks(a, axis);
    int64_t nb = dusk_array_numblocks(a, axis);
    size_t len = (size_t)snprintf(buf, n, "(");
    for (int64_t k = 0; k < nb && len < n; k++)
        len += (size_t)snprintf(buf + len, n - len, k ? ", %lld" : "%lld", (long long)c[k]);
    if (len < n)
        snprintf(buf + len, n - len, nb == 1 ? ",)" : ")");
    return buf;
}

void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[4096];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int count_entries_with(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, needle))
            n++;
    closedir(d);
    return n;
}

const char *chromium_path(void)
{
    static const char *paths[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};
    for (size_t i = 0; i < 2; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

bool have_h5dump(void)
{
    return system("h5dump --version >/dev/null 2>&1") == 0;
}

void h5dump_free(h5dump_out *o)
{
    for (size_t i = 0; i < o->n; i++)
        free(o->tok[i]);
    free(o->tok);
    free(o->text);
    memset(o, 0, sizeof *o);
}

char *run_command(const char *cmd, int *status)
{
    *status = -1;
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, n = 0, r;
    char *text = malloc(cap);
    while (text && (r = fread(text + n, 1, cap - n - 1, p)) > 0) {
        n += r;
        if (n + 1 >= cap) {
            char *t2 = realloc(text, cap *= 2);
            if (!t2)
                free(text);
            text = t2;
        }
    }
    *status = pclose(p);
    if (text)
        text[n] = '\0';
    return text;
}

int run_h5dump(const char *path, const char *dataset, const char *extra,
               h5dump_out *o)
{
    memset(o, 0, sizeof *o);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "h5dump %s -d '%s' -y -w 0 -m %%.17g '%s' 2>&1", extra ? extra : "",
             dataset, path);
    int status = -1;
    char *text = run_command(cmd, &status);
    if (!text)
        return -1;
    o->text = text;
    if (status != 0)
        return -1;
    const char *dt = strstr(text, "DATATYPE");
    if (dt) {
        dt += strlen("DATATYPE");
        while (*dt == ' ')
            dt++;
        size_t k = 0;
        while (dt[k] && dt[k] != '\n' && k + 1 < sizeof o->type) {
            o->type[k] = dt[k];
            k++;
        }
        o->type[k] = 0;
        while (k && o->type[k - 1] == ' ')
            o->type[--k] = 0;
    }
    const char *d = strstr(text, "DATA {");
    if (!d)
        return 0;
    d += strlen("DATA {");
    const char *end = strchr(d, '}');
    if (!end)
        return -1;
    size_t tcap = 64;
    o->tok = malloc(tcap * sizeof *o->tok);
    for (const char *q = d; q < end;) {
        while (q < end && (*q == ',' || *q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
            q++;
        if (q >= end)
            break;
        const char *s = q;
        while (q < end && !(*q == ',' || *q == ' ' || *q == '\n' || *q == '\t' || *q == '\r'))
            q++;
        if (o->n == tcap)
            o->tok = realloc(o->tok, (tcap *= 2) * sizeof *o->tok);
        o->tok[o->n++] = strndup(s, (size_t)(q - s));
    }
    return 0;
}

dusk_value *compute_on(dusk_array *a, dusk_sched_kind kind)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = kind;
    o.workers = kind == DUSK_SCHED_THREADS ? 3 : 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_compute(a, &o, &v, &err);
    if (rc)
        fail_msg("compute %s: %s", dusk_array_name(a), err.msg);
    return v;
}

void all_chunks_text(const dusk_array *a, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < dusk_array_ndim(a); d++) {
        len += (size_t)snprintf(buf + len, n - len, d ? ", (" : "(");
        for (int64_t k = 0; k < dusk_array_numblocks(a, d); k++)
            len += (size_t)snprintf(buf + len, n - len, k ? " %" PRId64 "," : "%" PRId64 ",",
                                    dusk_array_chunks(a, d)[k]);
        len += (size_t)snprintf(buf + len, n - len, ")");
    }
    if (dusk_array_ndim(a) == 1)
        len += (size_t)snprintf(buf + len, n - len, ",");
    snprintf(buf + len, n - len, ")");
}

void assert_error(const dusk_array *a, int code, const char *frag1, const char *frag2)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(a, &err);
    if (rc != code)
        fail_msg("expected error %d, got %d (%s)", code, rc, err.msg);
    if (frag1)
        assert_contains(err.msg, frag1);
    if (frag2)
        assert_contains(err.msg, frag2);
}

void *fill_values(dusk_dtype t, int ndim, const int64_t *shape, uint64_t seed, bool small)
{
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    size_t es = dusk_dtype_size(t);
    unsigned char *b = malloc((size_t)(n ? n : 1) * es);
    assert_non_null(b);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int64_t i = 0; i < n; i++) {
        int64_t v = small ? (int64_t)(rng_next(&s) % 41) - 20 : (int64_t)(rng_next(&s) % 2001) - 1000;
        unsigned char *p = b + i * (int64_t)es;
        switch (t) {
        case DUSK_DT_F8: { double x = small ? (double)v / 3 : (double)v / 8 + (double)i; memcpy(p, &x, 8); break; }
        case DUSK_DT_F4: { float x = (float)v / 4; memcpy(p, &x, 4); break; }
        case DUSK_DT_I8: { int64_t x = small ? v * 1000 : v * 1000003 + i; memcpy(p, &x, 8); break; }
        case DUSK_DT_I4: { int32_t x = (int32_t)(small ? v : v * 7 + i); memcpy(p, &x, 4); break; }
        case DUSK_DT_U1: *p = (unsigned char)(small ? v + 20 : v + i); break;
        default: *p = (unsigned char)(v & 1); break;
        }
    }
    return b;
}

void *fill_buffer(dusk_dtype t, int ndim, const int64_t *shape, uint64_t seed)
{
    return fill_values(t, ndim, shape, seed, false);
}

int64_t count_op(const dusk_array *a, const char *op)
{
    dusk_layer_info li[256];
    size_t n = dusk_array_layers(a, li, 256);
    assert_true(n <= 256);
    int64_t t = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(li[i].op, op) == 0)
            t += li[i].ntasks;
    return t;
}

/* --- the build tree ---------------------------------------------------------------- */

int build_path(char *out, size_t n, const char *name)
{
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return -1;
    self[len] = '\0';
    for (int up = 0; up < 3; up++) {   /* test_<name>, <library>, tests */
        char *slash = strrchr(self, '/');
        if (!slash)
            return -1;
        *slash = '\0';
    }
    snprintf(out, n, *name ? "%s/%s" : "%s", self, name);
    return 0;
}

/* --- a scratch directory per test program ---------------------------------------- */

char scratch_dir[256];

int scratch_setup(void **state)
{
    (void)state;
    char self[256] = "test";
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0)
        self[n] = '\0';
    const char *base = strrchr(self, '/');
    snprintf(scratch_dir, sizeof scratch_dir, "/tmp/dusk-%s-XXXXXX", base ? base + 1 : self);
    return mkdtemp(scratch_dir) ? 0 : -1;
}

int scratch_teardown(void **state)
{
    (void)state;
    rm_tree(scratch_dir);
    return 0;
}

const char *scratch(const char *name)
{
    static char path[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(path[k], sizeof path[k], "%s/%s", scratch_dir, name);
    return path[k];
}

/* --- two workers holding memory at once ------------------------------------------- */

int hogs_held(int clear)
{
    DIR *d = opendir(scratch(""));
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (!strncmp(e->d_name, "hog.", 4)) {
            n++;
            if (clear)
                unlink(scratch(e->d_name));
        }
    if (d)
        closedir(d);
    return n;
}

int hog_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
             void *ud)
{
    (void)ud, (void)nargs, (void)err;
    size_t n = (size_t)dusk_value_int(args[0]) << 20;
    volatile char *p = malloc(n);
    if (!p)
        return DUSK_ENOMEM;
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
    char name[32];
    snprintf(name, sizeof name, "hog.%d", (int)getpid());
    FILE *f = fopen(scratch(name), "w");
    if (f)
        fclose(f);
    for (int i = 0; i < 1000 && hogs_held(0) < 2; i++)
        sleep_ms(10);
    sleep_ms(300);
    free((void *)p);
    *out = dusk_int(1);
    return 0;
}

/* --- task functions for failures -------------------------------------------------- */

int fail_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
              void *ud)
{
    (void)args;
    (void)nargs;
    (void)out;
    (void)ud;
    return dusk_error_set(err, DUSK_EIO, "disk on fire");
}

/* n leaves f(i) summed by "total" (helpers.h). */
dusk_graph *summed_graph(const dusk_func *f, const char *prefix, int n)
{
    dusk_graph *g = dusk_graph_new();
    dusk_arg **refs = malloc((size_t)(n > 0 ? n : 1) * sizeof *refs);
    assert_non_null(refs);
    char key[64];
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%s-%d", prefix, i);
        dusk_task(g, key, f, dusk_lit_int(i));
        refs[i] = dusk_ref(key);
    }
    dusk_task(g, "total", &dusk_sum, dusk_listv((size_t)n, refs));
    free(refs);
    assert_int_equal(dusk_graph_status(g, NULL), 0);
    return g;
}

/* The binary-tree graph of bench/overhead.c over n leaves; *root gets its
 * key (static storage). */
dusk_graph *tree_graph(size_t n, const char **root)
{
    static char rootkey[48];
    dusk_graph *g = dusk_graph_new();
    char (*level)[48] = malloc(sizeof *level * n);
    char key[48];
    for (size_t i = 0; i < n; i++) {
        snprintf(level[i], sizeof level[i], "inc-%zu", i);
        dusk_task(g, level[i], &dusk_inc, dusk_lit_int((int64_t)i));
    }
    for (int depth = 1; n > 1; depth++) {
        size_t m = 0;
        for (size_t i = 0; i + 1 < n; i += 2, m++) {
            snprintf(key, sizeof key, "add-%d-%zu", depth, m);
            dusk_task(g, key, &dusk_add, dusk_ref(level[i]), dusk_ref(level[i + 1]));
            memcpy(level[m], key, sizeof key);
        }
        if (n % 2) {
            snprintf(key, sizeof key, "carry-%d-%zu", depth, m);
            dusk_task(g, key, &dusk_identity, dusk_ref(level[n - 1]));
            memcpy(level[m], key, sizeof key);
            m++;
        }
        n = m;
    }
    memcpy(rootkey, level[0], sizeof rootkey);
    *root = rootkey;
    free(level);
    return g;
}

/* --- a recorded run ----------------------------------------------------------------- */

dusk_viz_recorder *run_recorded(dusk_graph *g, const char *key)
{
    dusk_viz_recorder *rec = dusk_viz_recorder_new();
    assert_non_null(rec);
    dusk_callbacks cb = dusk_viz_recorder_callbacks(rec);
    dusk_options run = DUSK_OPTIONS_INIT;
    run.workers = 2;
    run.callbacks = &cb;
    run.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_get(g, key, &run, &v, &err);
    if (rc)
        fail_msg("run of %s: %s", key, err.msg);
    dusk_value_unref(v);
    assert_int_equal(dusk_viz_recorder_lost(rec), 0);
    return rec;
}

dusk_profiler *run_profiled(dusk_graph *g, const char *key)
{
    dusk_profiler *p = dusk_profiler_new(NULL);
    assert_non_null(p);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get(g, key, &o, &v, &err) != 0)
        fail_msg("run of %s: %s", key, err.msg);
    dusk_value_unref(v);
    return p;
}

/* --- headless SDL ------------------------------------------------------------------- */

void sdl_headless_env(void)
{
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
}

int sdl_headless_open(int w, int h, SDL_Window **win, SDL_Renderer **ren)
{
    sdl_headless_env();
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        fprintf(stderr, "SDL_Init: %s\n", SDL_GetError());
        return -1;
    }
    *win = SDL_CreateWindow("dusk test", 0, 0, w, h, SDL_WINDOW_HIDDEN);
    *ren = *win ? SDL_CreateRenderer(*win, -1, SDL_RENDERER_SOFTWARE) : NULL;
    if (!*ren) {
        fprintf(stderr, "SDL renderer: %s\n", SDL_GetError());
        return -1;
    }
    return 0;
}

void sdl_headless_close(SDL_Window **win, SDL_Renderer **ren)
{
    if (*ren)
        SDL_DestroyRenderer(*ren);
    if (*win)
        SDL_DestroyWindow(*win);
    *ren = NULL;
    *win = NULL;
    SDL_Quit();
}

char *py_dask(const char *prog)
{
    size_t cap = strlen(prog) + 1024;
    char *cmd = malloc(cap);
    assert_non_null(cmd);
    snprintf(cmd, cap, "cd '%s' && /usr/bin/python3 -c \"$(cat <<'EOF'\nimport numpy as np\n"
             "import dask.array as da\nfrom dask.utils import key_split\n"
             "import warnings\nwarnings.simplefilter('ignore')\n%s\nEOF\n)\" 2>&1",
             scratch_dir, prog);
    int status;
    char *out = run_command(cmd, &status);
    free(cmd);
    if (status != 0)
        fail_msg("python3 with NumPy and Dask (python3-numpy, python3-dask) failed:\n%s\n%s",
                 prog, out);
    return out;
}

size_t layer_signature(const dusk_array *a, char *buf, size_t n)
{
    dusk_layer_info li[64];
    size_t nl = dusk_array_layers(a, li, 64);
    assert_true(nl <= 64);
    const char *ops[64];
    int64_t cnt[64];
    size_t no = 0;
    for (size_t i = 0; i < nl; i++) {
        size_t k = 0;
        while (k < no && strcmp(ops[k], li[i].op) != 0)
            k++;
        if (k == no) {
            ops[no] = li[i].op;
            cnt[no++] = 0;
        }
        cnt[k] += li[i].ntasks;
    }
    for (size_t i = 0; i < no; i++)
        for (size_t j = i; j > 0 && strcmp(ops[j - 1], ops[j]) > 0; j--) {
            const char *t = ops[j];
            ops[j] = ops[j - 1];
            ops[j - 1] = t;
            int64_t u = cnt[j];
            cnt[j] = cnt[j - 1];
            cnt[j - 1] = u;
        }
    size_t l = (size_t)snprintf(buf, n, "%lld;", (long long)dusk_array_ntasks(a));
    for (size_t i = 0; i < no && l < n; i++)
        l += (size_t)snprintf(buf + l, n - l, "%s%s=%lld", i ? "," : "", ops[i],
                              (long long)cnt[i]);
    return l < n ? l : n - 1;
}
