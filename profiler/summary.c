/*
** dusk profiler — the summary and the cache series, derived from records
**
** Summary: per function the count, total, mean and max duration and its
** share of busy time (of its slices' self time: see self_times); parallel efficiency is busy time
** (the time each worker spent in a task, overlaps counted once) over the
** sum, over runs, of workers x wall time. dusk's tasks never overlap on a
** worker, so there busy time is the sum of durations; other tools' traces
** nest slices on a thread (clang's -ftime-trace: a pass inside a phase),
** which the sum would count twice. The
** critical path is the chain of dependencies with the largest sum of
** measured durations: dist(t) = dur(t) + max over deps d of dist(d),
** found with an iterative depth-first walk (chains may be a million long),
** which ignores the back edge of a cycle (only a forged trace has one).
**
** Cache series: each successful task adds its result (bytes, or 1 when
** counting) to its group at its end and takes it away when it is released;
** the series are those steps in time order, per group and in total.
** Both are computed on first demand and dropped when records change.
*/
#include <stdlib.h>
#include <string.h>

#include "prof.h"

/* --- the critical path -------------------------------------------------------- */

/* A literal ('a': 1): a record the scheduler makes for a value with no
 * dependencies, which Dask never executes (its Profiler records it not,
 * its ProgressBar counts it not). The trace keeps it (dusk view rebuilds
 * the graph from it); the summary counts it apart. */
int dusk__is_literal(const dusk_task_record *r)
{
    return r->ndeps == 0 && r->func && !strcmp(r->func, "(value)");
}

static uint64_t dur(const dusk_task_record *r)
{
    return r->end_ns > r->start_ns ? r->end_ns - r->start_ns : 0;
}

/* A record's weight on the critical path: a literal's is nothing. */
static uint64_t cdur(const dusk_task_record *r)
{
    return dusk__is_literal(r) ? 0 : dur(r);
}

typedef struct frame {
    size_t node;
    uint32_t next;       /* the next dependency to look at */
} frame;

static int critical_path(dusk_profiler *p)
{
    size_t n = p->nrecs;
    if (!n)
        return 0;
    uint64_t *dist = dusk_malloc(n * sizeof *dist);
    size_t *prev = dusk_malloc(n * sizeof *prev);
    unsigned char *state = dusk_calloc(n, 1);   /* 0 new, 1 open, 2 done */
    frame *stack = dusk_malloc(n * sizeof *stack);
    int rc = 0;
    if (!dist || !prev || !state || !stack) {
        rc = DUSK_ENOMEM;
        goto done;
    }
    for (size_t s = 0; s < n; s++) {
        if (state[s])
            continue;
        size_t top = 0;
        stack[top++] = (frame){s, 0};
        state[s] = 1;
        dist[s] = cdur(&p->recs[s]);
        prev[s] = SIZE_MAX;
        while (top) {
            frame *f = &stack[top - 1];
            const dusk_task_record *r = &p->recs[f->node];
            if (f->next < r->ndeps) {
                size_t d = r->deps[f->next++];
                if (d >= n || state[d] == 1)
                    continue;            /* out of range, or a cycle: ignore */
                if (state[d] == 0) {
                    state[d] = 1;
                    dist[d] = cdur(&p->recs[d]);
                    prev[d] = SIZE_MAX;
                    stack[top++] = (frame){d, 0};
                    continue;
                }
                /* d is done: fold it in now. */
                uint64_t via = cdur(r) + dist[d];
                if (via > dist[f->node]) {
                    dist[f->node] = via;
                    prev[f->node] = d;
                }
                continue;
            }
            /* All dependencies done: fold this node into its parent. */
            state[f->node] = 2;
            size_t node = f->node;
            top--;
            if (top) {
                frame *pf = &stack[top - 1];
                uint64_t via = cdur(&p->recs[pf->node]) + dist[node];
                if (via > dist[pf->node]) {
                    dist[pf->node] = via;
                    prev[pf->node] = node;
                }
            }
        }
    }
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (dist[i] > dist[best])
            best = i;
    /* literals (a value, no task) are left out of the path */
    size_t len = 0, steps = 0;
    for (size_t i = best; i != SIZE_MAX && steps < n; i = prev[i], steps++)
        len += !dusk__is_literal(&p->recs[i]);
    p->critical = dusk_malloc((len ? len : 1) * sizeof *p->critical);
    if (!p->critical) {
        rc = DUSK_ENOMEM;
        goto done;
    }
    p->ncritical = len;
    p->critical_ns = dist[best];
    size_t k = len;
    for (size_t i = best; i != SIZE_MAX && k > 0; i = prev[i])
        if (!dusk__is_literal(&p->recs[i]))
            p->critical[--k] = i;
done:
    dusk_free(dist);
    dusk_free(prev);
    dusk_free(state);
    dusk_free(stack);
    return rc;
}

/* --- per function ------------------------------------------------------------------ */

static int by_total(const void *a, const void *b)
{
    const dusk_func_stats *x = a, *y = b;
    if (x->total_ns != y->total_ns)
        return x->total_ns < y->total_ns ? 1 : -1;
    return strcmp(x->func, y->func);
}

/* A record's place in the lanes: sorted by (run, worker, start), the longer
 * first at one start (the slice the other is in). The keys are copied in,
 * so that the comparator needs no context (C11's qsort has none, and a
 * file-scope pointer would race when two threads summarise). */
typedef struct {
    int64_t run;
    int64_t worker;
    uint64_t start, end;
    size_t i;
} lane_key;

static int by_lane_start(const void *a, const void *b)
{
    const lane_key *x = a, *y = b;
    if (x->run != y->run)
        return x->run < y->run ? -1 : 1;
    if (x->worker != y->worker)
        return x->worker < y->worker ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return x->i < y->i ? -1 : 1;
}

/* Each record's self time in self[]: the time it was the innermost (the
 * latest begun) of its worker's slices then open. On a worker the self
 * times add up to the union of its slices, the busy time: a slice nested in
 * another (clang's pass in a phase) is its time, not both's, so that the
 * per-function shares of busy time add up to 100 %. dusk's own tasks never
 * overlap on a worker: their self time is their duration. */
static int self_times(const dusk_profiler *p, uint64_t *self)
{
    size_t n = p->nrecs;
    lane_key *keys = dusk_malloc((n ? n : 1) * sizeof *keys);
    size_t *idx = dusk_malloc((n ? n : 1) * sizeof *idx);
    size_t *open = dusk_malloc((n ? n : 1) * sizeof *open);
    if (!keys || !idx || !open) {
        dusk_free(keys);
        dusk_free(idx);
        dusk_free(open);
        return DUSK_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const dusk_task_record *r = &p->recs[i];
        keys[i] = (lane_key){r->run, r->worker, r->start_ns, r->end_ns, i};
        self[i] = 0;
    }
    qsort(keys, n, sizeof *keys, by_lane_start);
    for (size_t i = 0; i < n; i++)
        idx[i] = keys[i].i;
    dusk_free(keys);
    size_t nopen = 0;
    uint64_t t = 0;
    for (size_t k = 0; k <= n; k++) {
        const dusk_task_record *r = k < n ? &p->recs[idx[k]] : NULL;
        int new_lane = !r || (k && (r->run != p->recs[idx[k - 1]].run ||
                                    r->worker != p->recs[idx[k - 1]].worker));
        uint64_t until = !r || new_lane ? UINT64_MAX : r->start_ns;
        /* the open slices up to until: the innermost gets each stretch */
        while (nopen) {
            uint64_t e = UINT64_MAX;
            for (size_t j = 0; j < nopen; j++)
                if (p->recs[open[j]].end_ns < e)
                    e = p->recs[open[j]].end_ns;
            uint64_t to = e < until ? e : until;
            if (to > t)
                self[open[nopen - 1]] += to - t;
            if (to > t)
                t = to;
            if (e > until)
                break;
            size_t m = 0;
            for (size_t j = 0; j < nopen; j++)
                if (p->recs[open[j]].end_ns > e)
                    open[m++] = open[j];
            nopen = m;
        }
        if (!r)
            break;
        if (new_lane || !nopen || r->start_ns > t)
            t = r->start_ns;
        if (r->end_ns > r->start_ns)
            open[nopen++] = idx[k];
    }
    dusk_free(idx);
    dusk_free(open);
    return 0;
}

int dusk__summary(dusk_profiler *p)
{
    int rc = dusk__prepare(p);
    if (p->have_summary)
        return rc;
    size_t nf = p->funcs.n;
    p->fstats = dusk_calloc(nf ? nf : 1, sizeof *p->fstats);
    if (!p->fstats)
        return DUSK_ENOMEM;
    uint64_t *self = dusk_malloc((p->nrecs ? p->nrecs : 1) * sizeof *self);
    uint64_t *fself = dusk_calloc(nf ? nf : 1, sizeof *fself);
    if (!self || !fself || self_times(p, self)) {
        dusk_free(self);
        dusk_free(fself);
        dusk_free(p->fstats);
        p->fstats = NULL;
        return DUSK_ENOMEM;
    }
    uint64_t busy = 0;   /* the summary's busy time (busy_time) */
    size_t nlit = 0;
    for (size_t i = 0; i < p->nrecs; i++) {
        if (dusk__is_literal(&p->recs[i])) {
            nlit++;
            continue;
        }
        dusk_func_stats *f = &p->fstats[p->rec_func[i]];
        uint64_t d = dur(&p->recs[i]);
        f->count++;
        f->total_ns += d;
        if (d > f->max_ns)
            f->max_ns = d;
        fself[p->rec_func[i]] += self[i];
        busy += self[i];
    }
    for (size_t k = 0; k < nf; k++) {
        dusk_func_stats *f = &p->fstats[k];
        f->func = dusk__strtab_text(&p->funcs, k);
        f->mean_ns = f->count ? (double)f->total_ns / (double)f->count : 0;
        f->share = busy ? (double)fself[k] / (double)busy : 0;
    }
    dusk_free(self);
    dusk_free(fself);
    qsort(p->fstats, nf, sizeof *p->fstats, by_total);
    /* the literals' "(value)" row, which is none of Dask's, is left off */
    size_t kept = 0;
    for (size_t k = 0; k < nf; k++)
        if (p->fstats[k].count)
            p->fstats[kept++] = p->fstats[k];
    p->nfstats = kept;
    p->nliterals = nlit;
    int crc = critical_path(p);
    if (crc) {
        dusk_free(p->fstats);
        p->fstats = NULL;
        p->nfstats = 0;
        return crc;
    }
    p->have_summary = 1;
    return rc;
}

/* Busy time: per (run, worker), the union of its tasks' intervals. A
 * worker's records come in start order (a trace's are sorted by start; a
 * recording's are appended as tasks end, which on one worker is the same
 * order), so each worker needs only the end of what it has covered. The
 * (run, worker) pairs go in a small open-addressing table. */
static int busy_time(const dusk_profiler *p, uint64_t *out)
{
    typedef struct {
        uint64_t key, until;   /* key: (run << 32 | worker) + 1; 0 is empty */
    } cover;
    size_t cap = 64, n = 0;
    cover *t = dusk_calloc(cap, sizeof *t);
    if (!t)
        return DUSK_ENOMEM;
    uint64_t busy = 0;
    for (size_t i = 0; i < p->nrecs; i++) {
        const dusk_task_record *r = &p->recs[i];
        if (dusk__is_literal(r))
            continue;
        if (2 * (n + 1) > cap) {
            cover *u = dusk_calloc(cap * 2, sizeof *u);
            if (!u) {
                dusk_free(t);
                return DUSK_ENOMEM;
            }
            for (size_t k = 0; k < cap; k++)
                if (t[k].key) {
                    size_t h = (size_t)(t[k].key * 0x9E3779B97F4A7C15u >> 20) & (cap * 2 - 1);
                    while (u[h].key)
                        h = (h + 1) & (cap * 2 - 1);
                    u[h] = t[k];
                }
            dusk_free(t);
            t = u;
            cap *= 2;
        }
        uint64_t key = ((uint64_t)(uint32_t)r->run << 32 | (uint32_t)r->worker) + 1;
        size_t h = (size_t)(key * 0x9E3779B97F4A7C15u >> 20) & (cap - 1);
        while (t[h].key && t[h].key != key)
            h = (h + 1) & (cap - 1);
        if (!t[h].key) {
            t[h].key = key;
            n++;
        }
        uint64_t from = r->start_ns > t[h].until ? r->start_ns : t[h].until;
        if (r->end_ns > from) {
            busy += r->end_ns - from;
            t[h].until = r->end_ns;
        }
    }
    dusk_free(t);
    *out = busy;
    return 0;
}

int dusk_profiler_summary(dusk_profiler *p, dusk_profile_summary *s)
{
    if (!p || !s)
        return DUSK_EINVAL;
    memset(s, 0, sizeof *s);
    int rc = dusk__summary(p);
    if (!p->have_summary)
        return rc;
    double capacity = 0;
    for (size_t i = 0; i < p->nruns; i++) {
        s->wall_ns += p->runs[i].wall_ns;
        if (p->runs[i].workers > s->workers)
            s->workers = p->runs[i].workers;
        capacity += (double)p->runs[i].workers * (double)p->runs[i].wall_ns;
    }
    for (size_t i = 0; i < p->nrecs; i++)
        if (p->recs[i].status)
            s->nerrors++;
    if (busy_time(p, &s->busy_ns))
        rc = DUSK_ENOMEM;
    s->ntasks = p->nrecs - p->nliterals;
    s->nliterals = p->nliterals;
    s->nruns = p->nruns;
    s->efficiency = capacity > 0 ? (double)s->busy_ns / capacity : 0;
    if (s->efficiency > 1)
        s->efficiency = 1;
    s->critical_ns = p->critical_ns;
    s->ncritical = p->ncritical;
    s->critical = p->critical;
    s->nfuncs = p->nfstats;
    s->funcs = p->fstats;
    s->lost = p->lost;
    return rc;
}

/* A key as messages print it: 'a', or ('x', 0) for tuple keys. */
static void print_key(FILE *f, const char *key)
{
    if (key[0] == '(' && key[1] == '\'')
        fputs(key, f);
    else
        fprintf(f, "'%s'", key);
}

/* Characters of UTF-8 text s (continuation bytes do not count). */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* s, then blanks up to width characters. */
static void pad(FILE *f, const char *s, size_t width)
{
    fputs(s, f);
    for (size_t w = text_width(s); w < width; w++)
        fputc(' ', f);
}

int dusk_profiler_print_summary(dusk_profiler *p, FILE *f)
{
    if (!p || !f)
        return DUSK_EINVAL;
    dusk_profile_summary s;
    char a[32], b[32], c[32];
    int rc = dusk_profiler_summary(p, &s);
    if (rc && !p->have_summary)
        return rc;
    dusk__fmt_ns(a, sizeof a, (double)s.wall_ns);
    dusk__fmt_ns(b, sizeof b, (double)s.busy_ns);
    fprintf(f, "profile: %llu task%s in %zu run%s on %d worker%s; wall %s, busy %s, "
               "parallel efficiency %.1f%%\n",
            (unsigned long long)s.ntasks, s.ntasks == 1 ? "" : "s", s.nruns,
            s.nruns == 1 ? "" : "s", s.workers,
            s.workers == 1 ? "" : "s", a, b, 100.0 * s.efficiency);
    if (s.nliterals)   /* not tasks, as Dask counts; the trace keeps them */
        fprintf(f, "  and %llu literal%s (a key set to a value), not counted\n",
                (unsigned long long)s.nliterals, s.nliterals == 1 ? "" : "s");
    if (s.nerrors)
        fprintf(f, "  %llu task(s) failed\n", (unsigned long long)s.nerrors);
    if (s.lost)
        fprintf(f, "  %llu record(s) lost (out of memory while recording)\n",
                (unsigned long long)s.lost);
    dusk__fmt_ns(a, sizeof a, (double)s.critical_ns);
    fprintf(f, "critical path: %zu task%s, %s", s.ncritical, s.ncritical == 1 ? "" : "s", a);
    for (size_t i = 0; i < s.ncritical; i++) {
        if (s.ncritical > 8 && i == 4) {
            fprintf(f, " -> ... (%zu more)", s.ncritical - 8);
            i = s.ncritical - 4;
        }
        fputs(i ? " -> " : ": ", f);
        print_key(f, p->recs[s.critical[i]].key);
    }
    fputc('\n', f);
    /* The name column is as wide as the widest name, from 16 to 48
     * characters (a longer one pushes its own row only). */
    size_t width = 16;
    for (size_t i = 0; i < s.nfuncs; i++) {
        size_t w = text_width(s.funcs[i].func);
        if (w > width)
            width = w < 48 ? w : 48;
    }
    pad(f, "function", width);
    fprintf(f, " %9s %11s %11s %11s %7s\n", "tasks", "total", "mean", "max", "share");
    for (size_t i = 0; i < s.nfuncs; i++) {
        const dusk_func_stats *fs = &s.funcs[i];
        dusk__fmt_ns(a, sizeof a, (double)fs->total_ns);
        dusk__fmt_ns(b, sizeof b, fs->mean_ns);
        dusk__fmt_ns(c, sizeof c, (double)fs->max_ns);
        pad(f, fs->func, width);
        fprintf(f, " %9llu %11s %11s %11s %6.1f%%\n", (unsigned long long)fs->count, a, b, c,
                100.0 * fs->share);
    }
    return ferror(f) ? DUSK_EIO : 0;
}

/* --- the cache series ------------------------------------------------------------ */

typedef struct step {
    uint64_t t;
    double dv;
    uint32_t group;
} step;

static int by_time(const void *a, const void *b)
{
    const step *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if ((x->dv < 0) != (y->dv < 0))
        return x->dv < 0 ? -1 : 1;   /* releases first */
    return 0;
}

typedef struct named {
    const char *name;
    size_t index;
} named;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

/* Appends (t, v) to a series, replacing a point at the same time. */
static void series_put(dusk_cache_point *s, size_t *n, uint64_t t, double v)
{
    if (*n && s[*n - 1].t_ns == t)
        s[*n - 1].value = v;
    else
        s[(*n)++] = (dusk_cache_point){t, v};
}

int dusk__cache(dusk_profiler *p)
{
    int rc = dusk__prepare(p);
    if (p->have_cache)
        return rc;
    size_t ng = p->groups.n, nsteps = 0;
    int count = p->o.cache_metric == DUSK_CACHE_COUNT;
    step *steps = dusk_malloc((2 * p->nrecs + 1) * sizeof *steps);
    size_t *order = dusk_malloc((ng + 1) * sizeof *order);
    size_t *pos = dusk_malloc((ng + 1) * sizeof *pos);
    size_t *per = dusk_calloc(ng + 1, sizeof *per);
    double *val = dusk_calloc(ng + 1, sizeof *val);
    p->series = dusk_calloc(ng + 1, sizeof *p->series);
    p->nseries = dusk_calloc(ng + 1, sizeof *p->nseries);
    if (!steps || !order || !pos || !per || !val || !p->series || !p->nseries) {
        rc = DUSK_ENOMEM;
        goto fail;
    }
    p->nseries_groups = ng;
    for (size_t i = 0; i < p->nrecs; i++) {
        const dusk_task_record *r = &p->recs[i];
        double v = count ? 1.0 : (double)r->nbytes;
        if (r->status || v <= 0)
            continue;
        steps[nsteps++] = (step){r->end_ns, v, p->rec_group[i]};
        steps[nsteps++] = (step){r->released_ns > r->end_ns ? r->released_ns : r->end_ns, -v,
                                 p->rec_group[i]};
        per[p->rec_group[i]] += 2;
        per[ng] += 2;
    }
    qsort(steps, nsteps, sizeof *steps, by_time);
    /* Sorted position of each group by name; series are kept in that order. */
    named *byname = dusk_malloc((ng + 1) * sizeof *byname);
    if (!byname) {
        rc = DUSK_ENOMEM;
        goto fail;
    }
    for (size_t k = 0; k < ng; k++)
        byname[k] = (named){dusk__strtab_text(&p->groups, k), k};
    qsort(byname, ng, sizeof *byname, by_name);
    for (size_t k = 0; k < ng; k++) {
        order[k] = byname[k].index;
        pos[order[k]] = k;
    }
    dusk_free(byname);
    pos[ng] = ng;
    for (size_t k = 0; k <= ng; k++) {
        size_t g = k < ng ? order[k] : ng;
        p->series[k] = dusk_malloc((per[g] + 1) * sizeof **p->series);
        if (!p->series[k]) {
            rc = DUSK_ENOMEM;
            goto fail;
        }
    }
    for (size_t i = 0; i < nsteps; i++) {
        uint32_t g = steps[i].group;
        val[g] += steps[i].dv;
        val[ng] += steps[i].dv;
        if (val[g] < 1e-9 && val[g] > -1e-9)
            val[g] = 0;
        if (val[ng] < 1e-9 && val[ng] > -1e-9)
            val[ng] = 0;
        series_put(p->series[pos[g]], &p->nseries[pos[g]], steps[i].t, val[g]);
        series_put(p->series[ng], &p->nseries[ng], steps[i].t, val[ng]);
    }
    p->group_order = order;
    order = NULL;
    p->have_cache = 1;
    dusk_free(steps);
    dusk_free(pos);
    dusk_free(per);
    dusk_free(val);
    return rc;
fail:
    dusk_free(steps);
    dusk_free(order);
    dusk_free(pos);
    dusk_free(per);
    dusk_free(val);
    if (p->series)
        for (size_t k = 0; k <= ng; k++)
            dusk_free(p->series[k]);
    dusk_free(p->series);
    dusk_free(p->nseries);
    p->series = NULL;
    p->nseries = NULL;
    p->nseries_groups = 0;
    return rc;
}

size_t dusk_profiler_ngroups(dusk_profiler *p)
{
    if (!p || (dusk__cache(p), !p->have_cache))
        return 0;
    return p->nseries_groups;
}

const char *dusk_profiler_group(dusk_profiler *p, size_t k)
{
    if (!p || (dusk__cache(p), !p->have_cache) || k >= p->nseries_groups)
        return NULL;
    return dusk__strtab_text(&p->groups, p->group_order[k]);
}

size_t dusk_profiler_cache_series(dusk_profiler *p, size_t k, const dusk_cache_point **pts)
{
    if (pts)
        *pts = NULL;
    if (!p || (dusk__cache(p), !p->have_cache) || k > p->nseries_groups)
        return 0;
    if (pts)
        *pts = p->series[k];
    return p->nseries[k];
}

/* The most sorted group k (k == ngroups: all groups) held at any time up
 * to t1, 0 at least: what the bins of its row up to t1 would peak at. */
static double series_peak(const dusk_profiler *p, size_t k, uint64_t t1)
{
    const dusk_cache_point *s = p->series[k];
    double m = 0;
    for (size_t i = 0; i < p->nseries[k] && s[i].t_ns <= t1; i++)
        if (s[i].value > m)
            m = s[i].value;
    return m;
}

size_t dusk__cache_top(dusk_profiler *p, uint64_t t1, size_t max, size_t *out)
{
    double peak[DUSK__CACHE_TOP_MAX];
    size_t n = 0;
    if (dusk__cache(p), !p->have_cache)
        return 0;
    if (max > DUSK__CACHE_TOP_MAX)
        max = DUSK__CACHE_TOP_MAX;
    for (size_t k = 0; k < p->nseries_groups && max; k++) {
        double pk = series_peak(p, k, t1);
        /* insert k by peak, highest first; of equal peaks the first by name */
        size_t at = n;
        while (at > 0 && pk > peak[at - 1])
            at--;
        if (at >= max)
            continue;
        if (n < max)
            n++;
        memmove(out + at + 1, out + at, (n - 1 - at) * sizeof *out);
        memmove(peak + at + 1, peak + at, (n - 1 - at) * sizeof *peak);
        out[at] = k;
        peak[at] = pk;
    }
    return n;
}

int dusk__cache_binned(dusk_profiler *p, uint64_t t0, uint64_t t1, size_t nbins,
                       const size_t *rows, size_t nrows, double *out)
{
    int rc = dusk__cache(p);
    if (!p->have_cache)
        return rc ? rc : DUSK_ENOMEM;
    double span = t1 > t0 ? (double)(t1 - t0) : 1.0;
    for (size_t r = 0; r < nrows; r++) {
        size_t k = rows[r];
        if (k > p->nseries_groups)
            return DUSK_EINVAL;
        const dusk_cache_point *s = p->series[k];
        size_t n = p->nseries[k], i = 0;
        double v = 0;   /* the value carried into the bin */
        double *row = out + r * nbins;
        for (size_t b = 0; b < nbins; b++) {
            uint64_t end = t0 + (uint64_t)(span * (double)(b + 1) / (double)nbins);
            if (b + 1 == nbins)
                end = t1 + 1;
            double m = v;
            while (i < n && s[i].t_ns < end) {
                v = s[i].value;
                if (v > m)
                    m = v;
                i++;
            }
            row[b] = m;
        }
    }
    return 0;
}

uint64_t dusk__held_peak(dusk_profiler *p)
{
    uint64_t peak = 0;
    for (size_t i = 0; i < p->nruns; i++)
        if (p->runs[i].held_peak > peak)
            peak = p->runs[i].held_peak;
    /* With several workers the scheduler's figure is inexact below 4 KiB a
     * result (events.h, `held`): it said 32 B where 40 results of 8 B were
     * held at once. The cache series, from each task's END and release,
     * is exact: the peak is the larger. */
    if (p->o.cache_metric == DUSK_CACHE_BYTES && p->nrecs && dusk__cache(p) == 0 &&
        p->have_cache && p->nseries[p->nseries_groups]) {
        const dusk_cache_point *c = p->series[p->nseries_groups];
        for (size_t i = 0; i < p->nseries[p->nseries_groups]; i++)
            if (c[i].value > (double)peak)
                peak = (uint64_t)c[i].value;
    }
    return peak;
}
