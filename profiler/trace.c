/*
** dusk profiler — Chrome Trace Event JSON, written and read back
**
** The file (the "JSON Object Format" of the Trace Event Format):
**
**   {"traceEvents":[
**     {"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"dusk"}},
**     {"name":"thread_name","ph":"M","pid":1,"tid":0,"args":{"name":"worker 0"}},
**     {"name":"inc","cat":"task","ph":"X","ts":0.412,"dur":1.250,"pid":1,"tid":0,
**      "args":{"key":"inc-0","bytes":8,"id":0,"run":0,"deps":[],"released":7.5}},
**     {"name":"memory","ph":"C","ts":0.0,"pid":1,"args":{"rss":1234,"held":0}},
**     {"name":"cpu","ph":"C","ts":0.0,"pid":1,"args":{"percent":97.25}},
**     {"name":"cache","ph":"C","ts":1.662,"pid":1,"args":{"add":16,"inc":8,"(all groups)":24}},
**     {"name":"dependency","cat":"dependency","ph":"s","id":1,"ts":..,"pid":1,"tid":0},
**     {"name":"dependency","cat":"dependency","ph":"f","bp":"e","id":1,...}],
**    "displayTimeUnit":"ms",
**    "otherData":{"producer":"dusk","version":1,"cache_metric":"bytes","lost":0,
**      "runs":[{"begin":0.0,"wall":812.3,"ntasks":3265,"workers":4,"status":0}]}}
**
** Times are microseconds with three decimals, so nanoseconds survive the
** round trip exactly. Task records come back from the X events alone
** (dependencies and release times travel in args); the counters are for
** viewers, except memory and cpu, which are the resource samples.
**
** The reader is strict: a recursive-descent JSON parser (RFC 8259: no
** trailing commas, no comments, no NaN) over the whole file, at most 64
** levels deep, with messages "file:line:column: what was expected". On top
** of the syntax, every field dusk reads is type-checked and range-checked
** (no negative time or duration, no worker id past 65535, no unknown run,
** no dependency on a task the trace does not have). Unknown fields and
** event phases are skipped, so traces of other tools load as far as they
** have X events.
*/
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "prof.h"

/* --- writing ------------------------------------------------------------------ */

typedef struct jw {
    FILE *f;
    size_t n;
    char b[1 << 16];
} jw;

static void jw_flush(jw *w)
{
    if (w->n)
        fwrite(w->b, 1, w->n, w->f);
    w->n = 0;
}

static void jw_raw(jw *w, const char *s, size_t n)
{
    if (sizeof w->b - w->n < n) {
        jw_flush(w);
        if (n > sizeof w->b) {
            fwrite(s, 1, n, w->f);
            return;
        }
    }
    memcpy(w->b + w->n, s, n);
    w->n += n;
}

static void jw_s(jw *w, const char *s) { jw_raw(w, s, strlen(s)); }

static void jw_u64(jw *w, uint64_t v)
{
    char t[24];
    size_t i = sizeof t;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    jw_raw(w, t + i, sizeof t - i);
}

static void jw_i64(jw *w, int64_t v)
{
    if (v < 0) {
        jw_raw(w, "-", 1);
        jw_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        jw_u64(w, (uint64_t)v);
    }
}

/* ns as microseconds with three decimals */
static void jw_us(jw *w, uint64_t ns)
{
    char t[4] = {'.', (char)('0' + ns / 100 % 10), (char)('0' + ns / 10 % 10),
                 (char)('0' + ns % 10)};
    jw_u64(w, ns / 1000);
    jw_raw(w, t, 4);
}

/* v >= 0 with two decimals */
static void jw_fixed2(jw *w, double v)
{
    if (!(v >= 0) || v > 1e15)
        v = 0;
    uint64_t c = (uint64_t)(v * 100 + 0.5);
    char t[3] = {'.', (char)('0' + c / 10 % 10), (char)('0' + c % 10)};
    jw_u64(w, c / 100);
    jw_raw(w, t, 3);
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F))
            return 0;   /* overlong, or a surrogate */
        return 3;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

/* A JSON string; a byte that is not valid UTF-8 goes out as \u00XX. */
static void jw_str(jw *w, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    jw_raw(w, "\"", 1);
    while (*s) {
        const unsigned char *run = s;
        while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
            s++;
        jw_raw(w, (const char *)run, (size_t)(s - run));
        if (!*s)
            break;
        size_t n = *s >= 0x80 ? utf8_len(s) : 0;
        if (n) {
            jw_raw(w, (const char *)s, n);
            s += n;
        } else if (*s == '"' || *s == '\\') {
            char e[2] = {'\\', (char)*s++};
            jw_raw(w, e, 2);
        } else if (*s == '\t' || *s == '\n' || *s == '\r') {
            char e[2] = {'\\', *s == '\t' ? 't' : *s == '\n' ? 'n' : 'r'};
            jw_raw(w, e, 2);
            s++;
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[*s >> 4], hex[*s & 15]};
            jw_raw(w, e, 6);
            s++;
        }
    }
    jw_raw(w, "\"", 1);
}

static void write_meta(jw *w, int tid, const char *what, const char *name)
{
    jw_s(w, "{\"name\":\"");
    jw_s(w, what);
    jw_s(w, "\",\"ph\":\"M\",\"pid\":1,\"tid\":");
    jw_i64(w, tid);
    jw_s(w, ",\"args\":{\"name\":");
    jw_str(w, name);
    jw_s(w, "}},\n");
}

static void write_task(jw *w, dusk_profiler *p, const dusk_task_record *r)
{
    jw_s(w, "{\"name\":");
    jw_str(w, r->func);
    jw_s(w, ",\"cat\":\"task\",\"ph\":\"X\",\"ts\":");
    jw_us(w, r->start_ns);
    jw_s(w, ",\"dur\":");
    jw_us(w, r->end_ns - r->start_ns);
    jw_s(w, ",\"pid\":1,\"tid\":");
    jw_i64(w, r->worker);
    jw_s(w, ",\"args\":{\"key\":");
    jw_str(w, r->key);
    jw_s(w, ",\"bytes\":");
    jw_u64(w, r->nbytes);
    jw_s(w, ",\"id\":");
    jw_i64(w, r->task);
    jw_s(w, ",\"run\":");
    jw_i64(w, r->run);
    jw_s(w, ",\"deps\":[");
    for (uint32_t j = 0; j < r->ndeps; j++) {
        if (j)
            jw_raw(w, ",", 1);
        jw_i64(w, p->recs[r->deps[j]].task);
    }
    jw_s(w, "],\"released\":");
    jw_us(w, r->released_ns);
    if (r->status) {
        jw_s(w, ",\"status\":");
        jw_i64(w, r->status);
    }
    jw_s(w, "}},\n");
}

static void write_flows(jw *w, dusk_profiler *p)
{
    uint64_t id = 0;
    for (size_t i = 0; i < p->nrecs; i++) {
        const dusk_task_record *r = &p->recs[i];
        for (uint32_t j = 0; j < r->ndeps; j++) {
            const dusk_task_record *d = &p->recs[r->deps[j]];
            id++;
            jw_s(w, "{\"name\":\"dependency\",\"cat\":\"dependency\",\"ph\":\"s\",\"id\":");
            jw_u64(w, id);
            jw_s(w, ",\"ts\":");
            jw_us(w, d->start_ns + (d->end_ns - d->start_ns) / 2);
            jw_s(w, ",\"pid\":1,\"tid\":");
            jw_i64(w, d->worker);
            jw_s(w, "},\n{\"name\":\"dependency\",\"cat\":\"dependency\",\"ph\":\"f\","
                    "\"bp\":\"e\",\"id\":");
            jw_u64(w, id);
            jw_s(w, ",\"ts\":");
            jw_us(w, r->start_ns + (r->end_ns - r->start_ns) / 2);
            jw_s(w, ",\"pid\":1,\"tid\":");
            jw_i64(w, r->worker);
            jw_s(w, "},\n");
        }
    }
}

enum { CACHE_MAX_POINTS = 2000, CACHE_MAX_ARGS = 24 };

static int write_cache(jw *w, dusk_profiler *p)
{
    dusk__cache(p);
    if (!p->have_cache)
        return DUSK_ENOMEM;
    size_t ng = p->nseries_groups;
    const dusk_cache_point *tot = p->series[ng];
    size_t ntot = p->nseries[ng];
    int per_group = ng <= CACHE_MAX_ARGS;
    if (!ntot)
        return 0;
    if (ntot <= CACHE_MAX_POINTS) {
        /* Every change, with every group's value at that time. */
        size_t *at = dusk_calloc(ng + 1, sizeof *at);
        if (!at)
            return DUSK_ENOMEM;
        for (size_t i = 0; i < ntot; i++) {
            uint64_t t = tot[i].t_ns;
            jw_s(w, "{\"name\":\"cache\",\"ph\":\"C\",\"ts\":");
            jw_us(w, t);
            jw_s(w, ",\"pid\":1,\"args\":{");
            for (size_t k = 0; per_group && k < ng; k++) {
                while (at[k] < p->nseries[k] && p->series[k][at[k]].t_ns <= t)
                    at[k]++;
                double v = at[k] ? p->series[k][at[k] - 1].value : 0;
                jw_str(w, p->groups.ents[p->group_order[k]].text);
                jw_raw(w, ":", 1);
                jw_u64(w, (uint64_t)(v + 0.5));
                jw_raw(w, ",", 1);
            }
            jw_s(w, "\"(all groups)\":");
            jw_u64(w, (uint64_t)(tot[i].value + 0.5));
            jw_s(w, "}},\n");
        }
        dusk_free(at);
        return 0;
    }
    /* Too many changes for a viewer: the most held per bin. */
    uint64_t t0 = tot[0].t_ns, t1 = tot[ntot - 1].t_ns;
    size_t nb = CACHE_MAX_POINTS;
    double *bins = dusk_malloc((ng + 1) * nb * sizeof *bins);
    if (!bins)
        return DUSK_ENOMEM;
    dusk__cache_binned(p, t0, t1, nb, bins);
    for (size_t b = 0; b < nb; b++) {
        jw_s(w, "{\"name\":\"cache\",\"ph\":\"C\",\"ts\":");
        jw_us(w, t0 + (uint64_t)((double)(t1 - t0) * (double)b / (double)nb));
        jw_s(w, ",\"pid\":1,\"args\":{");
        for (size_t k = 0; per_group && k < ng; k++) {
            jw_str(w, p->groups.ents[p->group_order[k]].text);
            jw_raw(w, ":", 1);
            jw_u64(w, (uint64_t)(bins[k * nb + b] + 0.5));
            jw_raw(w, ",", 1);
        }
        jw_s(w, "\"(all groups)\":");
        jw_u64(w, (uint64_t)(bins[ng * nb + b] + 0.5));
        jw_s(w, "}},\n");
    }
    dusk_free(bins);
    return 0;
}

int dusk_profiler_write_trace(dusk_profiler *p, const char *path,
                              const dusk_trace_options *o, dusk_error *err)
{
    static const dusk_trace_options defaults = DUSK_TRACE_OPTIONS_INIT;
    dusk__atomic out;
    int rc;
    if (!p)
        return dusk_error_set(err, DUSK_EINVAL, "no profiler");
    if (!o)
        o = &defaults;
    dusk__prepare(p);
    jw *w = dusk_malloc(sizeof *w);
    if (!w)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory writing %s", path);
    if ((rc = dusk__atomic_open(&out, path, err)) != 0) {
        dusk_free(w);
        return rc;
    }
    w->f = out.f;
    w->n = 0;

    int workers = 0;
    for (size_t i = 0; i < p->nruns; i++)
        if (p->runs[i].workers > workers)
            workers = p->runs[i].workers;
    for (size_t i = 0; i < p->nrecs; i++)
        if (p->recs[i].worker + 1 > workers)
            workers = p->recs[i].worker + 1;

    jw_s(w, "{\"traceEvents\":[\n");
    write_meta(w, 0, "process_name", "dusk");
    for (int k = 0; k < workers; k++) {
        char name[32];
        snprintf(name, sizeof name, "worker %d", k);
        write_meta(w, k, "thread_name", name);
    }
    for (size_t i = 0; i < p->nrecs; i++)
        write_task(w, p, &p->recs[i]);
    for (size_t i = 0; i < p->nsamples; i++) {
        const dusk_resource_sample *s = &p->samples[i];
        jw_s(w, "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":");
        jw_us(w, s->t_ns);
        jw_s(w, ",\"pid\":1,\"args\":{\"rss\":");
        jw_u64(w, s->rss);
        jw_s(w, ",\"held\":");
        jw_u64(w, s->held);
        jw_s(w, "}},\n{\"name\":\"cpu\",\"ph\":\"C\",\"ts\":");
        jw_us(w, s->t_ns);
        jw_s(w, ",\"pid\":1,\"args\":{\"percent\":");
        jw_fixed2(w, s->cpu);
        jw_s(w, "}},\n");
    }
    rc = write_cache(w, p);
    if (!rc && o->flows)
        write_flows(w, p);
    /* The last event: the end of the last run, so that the array ends
     * without a trailing comma. */
    jw_s(w, "{\"name\":\"end\",\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"ts\":");
    uint64_t last = 0;
    for (size_t i = 0; i < p->nruns; i++)
        if (p->runs[i].begin_ns + p->runs[i].wall_ns > last)
            last = p->runs[i].begin_ns + p->runs[i].wall_ns;
    jw_us(w, last);
    jw_s(w, "}\n],\n\"displayTimeUnit\":\"ms\",\n"
            "\"otherData\":{\"producer\":\"dusk\",\"version\":1,"
            "\"cache_metric\":");
    jw_s(w, p->o.cache_metric == DUSK_CACHE_COUNT ? "\"count\"" : "\"bytes\"");
    jw_s(w, ",\"lost\":");
    jw_u64(w, p->lost);
    jw_s(w, ",\"runs\":[");
    for (size_t i = 0; i < p->nruns; i++) {
        const dusk_run_record *r = &p->runs[i];
        jw_s(w, i ? ",\n{\"begin\":" : "\n{\"begin\":");
        jw_us(w, r->begin_ns);
        jw_s(w, ",\"wall\":");
        jw_us(w, r->wall_ns);
        jw_s(w, ",\"ntasks\":");
        jw_u64(w, r->ntasks);
        jw_s(w, ",\"workers\":");
        jw_i64(w, r->workers);
        jw_s(w, ",\"status\":");
        jw_i64(w, r->status);
        jw_s(w, "}");
    }
    jw_s(w, "]}}\n");
    jw_flush(w);
    dusk_free(w);
    if (rc) {
        dusk__atomic_close(&out, 0, NULL);
        return dusk_error_set(err, rc, "out of memory writing %s", path);
    }
    return dusk__atomic_close(&out, 1, err);
}

/* --- a strict JSON reader ------------------------------------------------------------ */

enum { MAX_DEPTH = 64 };
#define MAX_NS ((uint64_t)1 << 62)   /* about 146 years */

typedef struct jp {
    const char *s, *p, *end;
    const char *name;      /* for messages */
    dusk_error *err;
    int rc;                /* the first error */
    char *str;             /* the last string read, decoded */
    size_t nstr, capstr;
} jp;

typedef struct jnum {
    int neg;
    uint64_t mant;         /* significant digits */
    long exp;              /* value = mant * 10^exp */
} jnum;

/* Reports an error at position at (NULL: the current one). */
static int jp_fail(jp *j, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int jp_fail(jp *j, const char *at, const char *fmt, ...)
{
    if (j->rc)
        return j->rc;
    if (!at)
        at = j->p;
    if (at > j->end)
        at = j->end;
    size_t line = 1, col = 1;
    for (const char *c = j->s; c < at; c++) {
        if (*c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    j->rc = dusk_error_set(j->err, DUSK_EINVAL, "%s:%zu:%zu: %s", j->name, line, col, msg);
    return j->rc;
}

static int jp_oom(jp *j)
{
    if (!j->rc)
        j->rc = dusk_error_set(j->err, DUSK_ENOMEM, "%s: out of memory", j->name);
    return j->rc;
}

static void jp_ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

/* The next non-blank character, or -1 at the end. */
static int jp_peek(jp *j)
{
    jp_ws(j);
    return j->p < j->end ? (unsigned char)*j->p : -1;
}

static const char *what_is(jp *j)
{
    return j->p >= j->end ? "the end of the file" : "this";
}

static int jp_expect(jp *j, char c, const char *what)
{
    if (jp_peek(j) != (unsigned char)c)
        return jp_fail(j, NULL, "expected %s, found %s", what, what_is(j));
    j->p++;
    return 0;
}

static int str_put(jp *j, const char *s, size_t n)
{
    if (j->capstr - j->nstr < n + 1) {
        size_t cap = j->capstr ? j->capstr : 256;
        while (cap - j->nstr < n + 1)
            cap *= 2;
        char *d = dusk_realloc(j->str, cap);
        if (!d)
            return jp_oom(j);
        j->str = d;
        j->capstr = cap;
    }
    memcpy(j->str + j->nstr, s, n);
    j->nstr += n;
    j->str[j->nstr] = '\0';
    return 0;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Reads a string into j->str (j->nstr bytes, NUL-terminated). */
static int jp_string(jp *j)
{
    if (jp_peek(j) != '"')
        return jp_fail(j, NULL, "expected a string, found %s", what_is(j));
    const char *start = j->p++;
    j->nstr = 0;
    if (str_put(j, "", 0))
        return j->rc;
    for (;;) {
        const char *run = j->p;
        while (j->p < j->end && *j->p != '"' && *j->p != '\\' && (unsigned char)*j->p >= 0x20 &&
               (unsigned char)*j->p < 0x80)
            j->p++;
        if (j->p > run && str_put(j, run, (size_t)(j->p - run)))
            return j->rc;
        if (j->p >= j->end)
            return jp_fail(j, start, "unterminated string");
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            j->p++;
            return 0;
        }
        if (c < 0x20)
            return jp_fail(j, NULL, "control character in a string");
        if (c >= 0x80) {
            size_t n = 0;
            if ((size_t)(j->end - j->p) >= 4)
                n = utf8_len((const unsigned char *)j->p);
            else {
                unsigned char t[4] = {0, 0, 0, 0};
                memcpy(t, j->p, (size_t)(j->end - j->p));
                n = utf8_len(t);
                if (n > (size_t)(j->end - j->p))
                    n = 0;
            }
            if (!n)
                return jp_fail(j, NULL, "invalid UTF-8 in a string");
            if (str_put(j, j->p, n))
                return j->rc;
            j->p += n;
            continue;
        }
        /* an escape */
        if (j->end - j->p < 2)
            return jp_fail(j, start, "unterminated string");
        char e = j->p[1], out;
        j->p += 2;
        switch (e) {
        case '"': out = '"'; break;
        case '\\': out = '\\'; break;
        case '/': out = '/'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'n': out = '\n'; break;
        case 'r': out = '\r'; break;
        case 't': out = '\t'; break;
        case 'u': {
            unsigned u, lo;
            if (j->end - j->p < 4 || hex4(j->p, &u))
                return jp_fail(j, j->p - 2, "bad \\u escape");
            j->p += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (j->end - j->p < 6 || j->p[0] != '\\' || j->p[1] != 'u' ||
                    hex4(j->p + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return jp_fail(j, j->p - 6, "unpaired surrogate in \\u escape");
                j->p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                return jp_fail(j, j->p - 6, "unpaired surrogate in \\u escape");
            }
            if (u == 0)
                return jp_fail(j, j->p - 6, "\\u0000 in a string");
            char t[4];
            size_t n;
            if (u < 0x80) {
                t[0] = (char)u;
                n = 1;
            } else if (u < 0x800) {
                t[0] = (char)(0xC0 | (u >> 6));
                t[1] = (char)(0x80 | (u & 0x3F));
                n = 2;
            } else if (u < 0x10000) {
                t[0] = (char)(0xE0 | (u >> 12));
                t[1] = (char)(0x80 | ((u >> 6) & 0x3F));
                t[2] = (char)(0x80 | (u & 0x3F));
                n = 3;
            } else {
                t[0] = (char)(0xF0 | (u >> 18));
                t[1] = (char)(0x80 | ((u >> 12) & 0x3F));
                t[2] = (char)(0x80 | ((u >> 6) & 0x3F));
                t[3] = (char)(0x80 | (u & 0x3F));
                n = 4;
            }
            if (str_put(j, t, n))
                return j->rc;
            continue;
        }
        default:
            return jp_fail(j, j->p - 2, "bad escape in a string");
        }
        if (str_put(j, &out, 1))
            return j->rc;
    }
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int jp_number(jp *j, jnum *n)
{
    const char *start = j->p;
    n->neg = 0;
    n->mant = 0;
    n->exp = 0;
    jp_ws(j);
    start = j->p;
    if (j->p < j->end && *j->p == '-') {
        n->neg = 1;
        j->p++;
    }
    if (j->p >= j->end || !is_digit(*j->p))
        return jp_fail(j, start, "expected a number, found %s", what_is(j));
    if (*j->p == '0') {
        j->p++;
        if (j->p < j->end && is_digit(*j->p))
            return jp_fail(j, start, "a number may not start with 0");
    } else {
        while (j->p < j->end && is_digit(*j->p)) {
            if (n->mant < 1000000000000000000u)
                n->mant = n->mant * 10 + (uint64_t)(*j->p - '0');
            else
                n->exp++;   /* digits past 19 only scale */
            j->p++;
        }
    }
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || !is_digit(*j->p))
            return jp_fail(j, NULL, "expected a digit after '.'");
        while (j->p < j->end && is_digit(*j->p)) {
            if (n->mant < 1000000000000000000u) {
                n->mant = n->mant * 10 + (uint64_t)(*j->p - '0');
                n->exp--;
            }
            j->p++;
        }
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        int eneg = 0;
        long e = 0;
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            eneg = *j->p++ == '-';
        if (j->p >= j->end || !is_digit(*j->p))
            return jp_fail(j, NULL, "expected a digit in the exponent");
        while (j->p < j->end && is_digit(*j->p)) {
            if (e < 100000)
                e = e * 10 + (*j->p - '0');
            j->p++;
        }
        n->exp += eneg ? -e : e;
    }
    if (j->p < j->end && (is_digit(*j->p) || *j->p == '.' || *j->p == '-' || *j->p == '+' ||
                          (*j->p >= 'a' && *j->p <= 'z') || (*j->p >= 'A' && *j->p <= 'Z')))
        return jp_fail(j, NULL, "bad number");
    return 0;
}

/* n x 10^scale as an integer in [0, max], rounded; -1 if negative, -2 if
 * too big. */
static int jnum_scaled(const jnum *n, int scale, uint64_t max, uint64_t *out)
{
    if (n->mant == 0) {
        *out = 0;
        return 0;
    }
    if (n->neg)
        return -1;
    long e = n->exp + scale;
    uint64_t v = n->mant;
    if (e >= 0) {
        if (e > 19)
            return -2;
        for (long i = 0; i < e; i++) {
            if (v > UINT64_MAX / 10)
                return -2;
            v *= 10;
        }
    } else {
        if (e < -19) {
            *out = 0;
            return 0;
        }
        uint64_t d = 1;
        for (long i = 0; i < -e; i++)
            d *= 10;
        v = v / d + (v % d >= (d + 1) / 2);
    }
    if (v > max)
        return -2;
    *out = v;
    return 0;
}

/* n as an integer (no fraction) in [lo, hi]. */
static int jnum_int(const jnum *n, int64_t lo, int64_t hi, int64_t *out)
{
    if (n->mant == 0) {
        *out = 0;
        return 0;
    }
    if (n->exp < 0) {
        uint64_t d = 1;
        if (n->exp < -19)
            return -3;
        for (long i = 0; i < -n->exp; i++)
            d *= 10;
        if (n->mant % d)
            return -3;   /* a fraction */
    }
    jnum a = *n;
    a.neg = 0;
    uint64_t m;
    if (jnum_scaled(&a, 0, (uint64_t)INT64_MAX, &m))
        return -2;
    int64_t v = n->neg ? -(int64_t)m : (int64_t)m;
    if (v < lo || v > hi)
        return -2;
    *out = v;
    return 0;
}

static double jnum_double(const jnum *n)
{
    double v = (double)n->mant * pow(10.0, (double)n->exp);
    return n->neg ? -v : v;
}

/* Skips any value, at most MAX_DEPTH deep. */
static int jp_skip(jp *j, int depth)
{
    int c = jp_peek(j);
    if (depth > MAX_DEPTH)
        return jp_fail(j, NULL, "nested deeper than %d levels", MAX_DEPTH);
    switch (c) {
    case '"':
        return jp_string(j);
    case '{': {
        j->p++;
        if (jp_peek(j) == '}') {
            j->p++;
            return 0;
        }
        for (;;) {
            if (jp_string(j) || jp_expect(j, ':', "':'") || jp_skip(j, depth + 1))
                return j->rc;
            c = jp_peek(j);
            if (c == ',') {
                j->p++;
                continue;
            }
            if (c == '}') {
                j->p++;
                return 0;
            }
            return jp_fail(j, NULL, "expected ',' or '}', found %s", what_is(j));
        }
    }
    case '[': {
        j->p++;
        if (jp_peek(j) == ']') {
            j->p++;
            return 0;
        }
        for (;;) {
            if (jp_skip(j, depth + 1))
                return j->rc;
            c = jp_peek(j);
            if (c == ',') {
                j->p++;
                continue;
            }
            if (c == ']') {
                j->p++;
                return 0;
            }
            return jp_fail(j, NULL, "expected ',' or ']', found %s", what_is(j));
        }
    }
    case 't':
    case 'f':
    case 'n': {
        const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
        size_t n = strlen(word);
        if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
            return jp_fail(j, NULL, "unexpected word");
        j->p += n;
        return 0;
    }
    case -1:
        return jp_fail(j, NULL, "expected a value, found the end of the file");
    default:
        if (c == '-' || is_digit(c)) {
            jnum n;
            return jp_number(j, &n);
        }
        return jp_fail(j, NULL, "expected a value");
    }
}

/* Object members: call with *first = 1 after '{' was read; returns 1 with
 * the member's name in j->str and ':' read, 0 at '}', or -1 on error. */
static int jp_member(jp *j, int *first)
{
    int c = jp_peek(j);
    if (c == '}') {
        j->p++;
        return 0;
    }
    if (!*first) {
        if (c != ',')
            return jp_fail(j, NULL, "expected ',' or '}', found %s", what_is(j)), -1;
        j->p++;
    }
    *first = 0;
    if (jp_string(j) || jp_expect(j, ':', "':'"))
        return -1;
    return 1;
}

/* Array items: like jp_member; returns 1 when an item follows. */
static int jp_item(jp *j, int *first)
{
    int c = jp_peek(j);
    if (c == ']') {
        j->p++;
        return 0;
    }
    if (!*first) {
        if (c != ',')
            return jp_fail(j, NULL, "expected ',' or ']', found %s", what_is(j)), -1;
        j->p++;
    }
    *first = 0;
    c = jp_peek(j);
    if (c == -1)
        return jp_fail(j, NULL, "expected a value, found the end of the file"), -1;
    if (c == ']')
        return jp_fail(j, NULL, "expected a value after ',', found ']'"), -1;
    return 1;
}

/* --- reading traces ------------------------------------------------------------------- */

/* One event's fields, as far as dusk reads them. */
typedef struct tev {
    char ph;
    const char *at;          /* where the event starts */
    char *name, *key, *cname;
    int has_ts, has_dur, has_tid, has_released;
    uint64_t ts, dur, released, bytes, rss, held;
    double cpu;
    int has_rss, has_cpu;
    int64_t tid, id, run, status;
    int has_id;
    size_t *deps;            /* task ids, in p->mem */
    uint32_t ndeps;
} tev;

typedef struct reader {
    jp j;
    dusk_profiler *p;
    size_t nevents;
    size_t *ids_tmp;         /* dependency ids while reading an event */
    size_t nids, capids;
    int have_runs;
    char ctx[48];            /* "event 12", "run 0": what messages name */
} reader;

static int dup_str(reader *rd, char **dst)
{
    dusk_free(*dst);
    *dst = dusk_strdup(rd->j.str);
    return *dst ? 0 : jp_oom(&rd->j);
}

/* A non-negative number scaled by 10^scale (3: microseconds to ns), at
 * most max; what "too large" means is said by what. */
static int read_scaled(reader *rd, const char *field, int scale, uint64_t max, const char *what,
                       uint64_t *out)
{
    jnum n;
    const char *at = (jp_ws(&rd->j), rd->j.p);
    if (jp_peek(&rd->j) != '-' && !is_digit(jp_peek(&rd->j)))
        return jp_fail(&rd->j, at, "\"%s\" of %s must be a number", field, rd->ctx);
    if (jp_number(&rd->j, &n))
        return rd->j.rc;
    int r = jnum_scaled(&n, scale, max, out);
    if (r == -1)
        return jp_fail(&rd->j, at, "\"%s\" of %s is negative", field, rd->ctx);
    if (r)
        return jp_fail(&rd->j, at, "\"%s\" of %s is %s", field, rd->ctx, what);
    return 0;
}

static int read_time(reader *rd, const char *field, uint64_t *out)
{
    return read_scaled(rd, field, 3, MAX_NS, "absurdly large", out);
}

static int read_u64(reader *rd, const char *field, uint64_t max, uint64_t *out)
{
    return read_scaled(rd, field, 0, max, "out of range", out);
}

static int read_int(reader *rd, const char *field, int64_t lo, int64_t hi, int64_t *out)
{
    jnum n;
    const char *at = (jp_ws(&rd->j), rd->j.p);
    if (jp_peek(&rd->j) != '-' && !is_digit(jp_peek(&rd->j)))
        return jp_fail(&rd->j, at, "\"%s\" of %s must be an integer", field, rd->ctx);
    if (jp_number(&rd->j, &n))
        return rd->j.rc;
    int r = jnum_int(&n, lo, hi, out);
    if (r == -3)
        return jp_fail(&rd->j, at, "\"%s\" of %s must be an integer", field, rd->ctx);
    if (r)
        return jp_fail(&rd->j, at, "\"%s\" of %s is out of range (%lld to %lld)", field,
                       rd->ctx, (long long)lo, (long long)hi);
    return 0;
}

static int read_string_field(reader *rd, const char *field, char **dst)
{
    if (jp_peek(&rd->j) != '"')
        return jp_fail(&rd->j, NULL, "\"%s\" of %s must be a string", field, rd->ctx);
    if (jp_string(&rd->j))
        return rd->j.rc;
    return dup_str(rd, dst);
}

static int read_deps(reader *rd, tev *e)
{
    int first = 1, r;
    if (jp_peek(&rd->j) != '[')
        return jp_fail(&rd->j, NULL, "\"deps\" of event %zu must be an array", rd->nevents);
    rd->j.p++;
    rd->nids = 0;
    while ((r = jp_item(&rd->j, &first)) > 0) {
        int64_t id;
        if (read_int(rd, "deps", 0, INT64_MAX, &id))
            return rd->j.rc;
        if (rd->nids == rd->capids) {
            size_t cap = rd->capids ? 2 * rd->capids : 16;
            size_t *a = dusk_realloc(rd->ids_tmp, cap * sizeof *a);
            if (!a)
                return jp_oom(&rd->j);
            rd->ids_tmp = a;
            rd->capids = cap;
        }
        rd->ids_tmp[rd->nids++] = (size_t)id;
    }
    if (r < 0)
        return rd->j.rc;
    if (rd->nids > UINT32_MAX)
        return jp_fail(&rd->j, NULL, "\"deps\" of event %zu is too long", rd->nevents);
    e->ndeps = (uint32_t)rd->nids;
    e->deps = NULL;
    if (rd->nids) {
        e->deps = dusk__arena_alloc(&rd->p->mem, rd->nids * sizeof *e->deps);
        if (!e->deps)
            return jp_oom(&rd->j);
        memcpy(e->deps, rd->ids_tmp, rd->nids * sizeof *e->deps);
    }
    return 0;
}

static int read_args(reader *rd, tev *e)
{
    int first = 1, r;
    if (jp_peek(&rd->j) != '{')
        return jp_fail(&rd->j, NULL, "\"args\" of event %zu must be an object", rd->nevents);
    rd->j.p++;
    while ((r = jp_member(&rd->j, &first)) > 0) {
        const char *f = rd->j.str;
        int rc = 0;
        if (e->ph == 'X' && !strcmp(f, "key"))
            rc = read_string_field(rd, "key", &e->key);
        else if (e->ph == 'X' && !strcmp(f, "bytes"))
            rc = read_u64(rd, "bytes", (uint64_t)1 << 62, &e->bytes);
        else if (e->ph == 'X' && !strcmp(f, "id"))
            rc = read_int(rd, "id", 0, INT64_MAX, &e->id), e->has_id = 1;
        else if (e->ph == 'X' && !strcmp(f, "run"))
            rc = read_int(rd, "run", 0, INT32_MAX, &e->run);
        else if (e->ph == 'X' && !strcmp(f, "status"))
            rc = read_int(rd, "status", INT32_MIN, 0, &e->status);
        else if (e->ph == 'X' && !strcmp(f, "released"))
            rc = read_time(rd, "released", &e->released), e->has_released = 1;
        else if (e->ph == 'X' && !strcmp(f, "deps"))
            rc = read_deps(rd, e);
        else if (e->ph == 'C' && (!strcmp(f, "rss") || !strcmp(f, "held"))) {
            int rss = !strcmp(f, "rss");
            rc = read_u64(rd, rss ? "rss" : "held", (uint64_t)1 << 62, rss ? &e->rss : &e->held);
            if (rss)
                e->has_rss = 1;
        } else if (e->ph == 'C' && !strcmp(f, "percent")) {
            jnum n;
            const char *at = (jp_ws(&rd->j), rd->j.p);
            if (jp_peek(&rd->j) != '-' && !is_digit(jp_peek(&rd->j)))
                return jp_fail(&rd->j, at, "\"percent\" of event %zu must be a number",
                               rd->nevents);
            if (jp_number(&rd->j, &n))
                return rd->j.rc;
            e->cpu = jnum_double(&n);
            if (!(e->cpu >= 0 && e->cpu <= 1e6))
                return jp_fail(&rd->j, at, "\"percent\" of event %zu is out of range",
                               rd->nevents);
            e->has_cpu = 1;
        } else {
            rc = jp_skip(&rd->j, 3);
        }
        if (rc)
            return rd->j.rc;
    }
    return r < 0 ? rd->j.rc : 0;
}

static int read_event_fields(reader *rd, tev *e)
{
    int first = 1, r;
    if (jp_peek(&rd->j) != '{')
        return jp_fail(&rd->j, NULL, "event %zu must be an object", rd->nevents);
    e->at = rd->j.p++;
    /* "args" may come before "ph": remember where and read it last. */
    const char *args_at = NULL;
    while ((r = jp_member(&rd->j, &first)) > 0) {
        const char *f = rd->j.str;
        int rc = 0;
        if (!strcmp(f, "ph")) {
            const char *at = (jp_ws(&rd->j), rd->j.p);
            if (jp_peek(&rd->j) != '"')
                return jp_fail(&rd->j, at, "\"ph\" of event %zu must be a string", rd->nevents);
            if (jp_string(&rd->j))
                return rd->j.rc;
            if (rd->j.nstr != 1)
                return jp_fail(&rd->j, at, "\"ph\" of event %zu must be one letter",
                               rd->nevents);
            e->ph = rd->j.str[0];
        } else if (!strcmp(f, "name")) {
            rc = read_string_field(rd, "name", &e->name);
        } else if (!strcmp(f, "ts")) {
            rc = read_time(rd, "ts", &e->ts);
            e->has_ts = 1;
        } else if (!strcmp(f, "dur")) {
            rc = read_time(rd, "dur", &e->dur);
            e->has_dur = 1;
        } else if (!strcmp(f, "tid")) {
            rc = read_int(rd, "tid", INT64_MIN / 2, INT64_MAX / 2, &e->tid);
            e->has_tid = 1;
        } else if (!strcmp(f, "args")) {
            jp_ws(&rd->j);
            args_at = rd->j.p;
            rc = jp_skip(&rd->j, 2);
        } else {
            rc = jp_skip(&rd->j, 2);
        }
        if (rc)
            return rd->j.rc;
    }
    if (r < 0)
        return rd->j.rc;
    if (args_at && (e->ph == 'X' || e->ph == 'C')) {
        const char *after = rd->j.p;
        rd->j.p = args_at;
        if (read_args(rd, e))
            return rd->j.rc;
        rd->j.p = after;
    }
    return 0;
}

static void tev_free(tev *e)
{
    dusk_free(e->name);
    dusk_free(e->key);
}

static int add_event(reader *rd, tev *e)
{
    dusk_profiler *p = rd->p;
    jp *j = &rd->j;
    if (!e->ph)
        return jp_fail(j, e->at, "event %zu has no \"ph\"", rd->nevents);
    if (e->ph == 'X') {
        if (!e->has_ts || !e->has_dur)
            return jp_fail(j, e->at, "event %zu (X) needs \"ts\" and \"dur\"", rd->nevents);
        if (!e->has_tid)
            e->tid = 0;
        if (e->tid < 0 || e->tid >= PROF_MAX_WORKERS)
            return jp_fail(j, e->at, "event %zu: worker (tid) %lld is out of range 0..%d",
                           rd->nevents, (long long)e->tid, PROF_MAX_WORKERS - 1);
        if (e->ts + e->dur > MAX_NS)
            return jp_fail(j, e->at, "event %zu ends absurdly late", rd->nevents);
        if (e->has_released && e->released < e->ts + e->dur)
            return jp_fail(j, e->at, "event %zu: \"released\" is before the task ended",
                           rd->nevents);
        dusk_task_record *r = dusk__push_record(p);
        if (!r)
            return jp_oom(j);
        const char *key = e->key ? e->key : e->name ? e->name : "";
        const char *func = e->name ? e->name : "(unnamed)";
        char *k = dusk__arena_strndup(&p->mem, key, strlen(key));
        char *f = dusk__arena_strndup(&p->mem, func, strlen(func));
        if (!k || !f)
            return jp_oom(j);
        r->key = k;
        r->func = f;
        r->start_ns = e->ts;
        r->end_ns = e->ts + e->dur;
        r->released_ns = e->has_released ? e->released : r->end_ns;
        r->nbytes = e->bytes;
        r->task = e->has_id ? e->id : (int64_t)(p->nrecs - 1);
        r->worker = (int32_t)e->tid;
        r->run = (int32_t)e->run;
        r->status = (int32_t)e->status;
        r->ndeps = e->ndeps;
        r->deps = e->deps;
        return 0;
    }
    if (e->ph == 'C' && e->name && (!strcmp(e->name, "memory") || !strcmp(e->name, "cpu"))) {
        if (!e->has_ts)
            return jp_fail(j, e->at, "event %zu (C) needs \"ts\"", rd->nevents);
        int mem = !strcmp(e->name, "memory");
        if (!mem && p->nsamples && p->samples[p->nsamples - 1].t_ns == e->ts) {
            p->samples[p->nsamples - 1].cpu = e->cpu;
            return 0;
        }
        if (mem && p->nsamples && p->samples[p->nsamples - 1].t_ns == e->ts &&
            !p->samples[p->nsamples - 1].rss) {
            p->samples[p->nsamples - 1].rss = e->rss;
            p->samples[p->nsamples - 1].held = e->held;
            return 0;
        }
        dusk_resource_sample s = {e->ts, e->rss, e->held, e->cpu};
        if (dusk__push_sample(p, &s))
            return jp_oom(j);
    }
    return 0;
}

static int read_events(reader *rd)
{
    int first = 1, r;
    if (jp_peek(&rd->j) != '[')
        return jp_fail(&rd->j, NULL, "\"traceEvents\" must be an array");
    rd->j.p++;
    while ((r = jp_item(&rd->j, &first)) > 0) {
        tev e;
        memset(&e, 0, sizeof e);
        snprintf(rd->ctx, sizeof rd->ctx, "event %zu", rd->nevents);
        int rc = read_event_fields(rd, &e);
        if (!rc)
            rc = add_event(rd, &e);
        tev_free(&e);
        if (rc)
            return rc;
        rd->nevents++;
    }
    return r < 0 ? rd->j.rc : 0;
}

static int read_runs(reader *rd)
{
    int first = 1, r;
    jp *j = &rd->j;
    if (jp_peek(j) != '[')
        return jp_fail(j, NULL, "\"runs\" must be an array");
    j->p++;
    rd->have_runs = 1;
    while ((r = jp_item(j, &first)) > 0) {
        int f2 = 1, r2;
        if (jp_peek(j) != '{')
            return jp_fail(j, NULL, "a run must be an object");
        j->p++;
        dusk_run_record *run = dusk__push_run(rd->p);
        if (!run)
            return jp_oom(j);
        snprintf(rd->ctx, sizeof rd->ctx, "run %zu", rd->p->nruns - 1);
        while ((r2 = jp_member(j, &f2)) > 0) {
            int rc = 0;
            int64_t v;
            if (!strcmp(j->str, "begin"))
                rc = read_time(rd, "begin", &run->begin_ns);
            else if (!strcmp(j->str, "wall"))
                rc = read_time(rd, "wall", &run->wall_ns);
            else if (!strcmp(j->str, "ntasks"))
                rc = read_u64(rd, "ntasks", (uint64_t)1 << 48, &run->ntasks);
            else if (!strcmp(j->str, "workers")) {
                rc = read_int(rd, "workers", 0, PROF_MAX_WORKERS, &v);
                run->workers = (int32_t)v;
            } else if (!strcmp(j->str, "status")) {
                rc = read_int(rd, "status", INT32_MIN, INT32_MAX, &v);
                run->status = (int32_t)v;
            } else
                rc = jp_skip(j, 4);
            if (rc)
                return j->rc;
        }
        if (r2 < 0)
            return j->rc;
    }
    return r < 0 ? j->rc : 0;
}

static int read_other(reader *rd)
{
    int first = 1, r;
    jp *j = &rd->j;
    if (jp_peek(j) != '{')
        return jp_fail(j, NULL, "\"otherData\" must be an object");
    j->p++;
    while ((r = jp_member(j, &first)) > 0) {
        int rc = 0;
        snprintf(rd->ctx, sizeof rd->ctx, "otherData");
        if (!strcmp(j->str, "runs")) {
            rc = read_runs(rd);
        } else if (!strcmp(j->str, "lost")) {
            rc = read_u64(rd, "lost", (uint64_t)1 << 62, &rd->p->lost);
        } else if (!strcmp(j->str, "cache_metric")) {
            if (jp_peek(j) != '"')
                return jp_fail(j, NULL, "\"cache_metric\" must be a string");
            if ((rc = jp_string(j)) == 0)
                rd->p->o.cache_metric = !strcmp(j->str, "count") ? DUSK_CACHE_COUNT
                                                                 : DUSK_CACHE_BYTES;
        } else {
            rc = jp_skip(j, 2);
        }
        if (rc)
            return j->rc;
    }
    return r < 0 ? j->rc : 0;
}

/* Records by (start, run, worker); the reader's order may be any. */
static int by_start(const void *a, const void *b)
{
    const dusk_task_record *x = a, *y = b;
    if (x->start_ns != y->start_ns)
        return x->start_ns < y->start_ns ? -1 : 1;
    if (x->run != y->run)
        return x->run < y->run ? -1 : 1;
    if (x->worker != y->worker)
        return x->worker < y->worker ? -1 : 1;
    return x->end_ns < y->end_ns ? -1 : x->end_ns > y->end_ns;
}

static int by_sample_time(const void *a, const void *b)
{
    const dusk_resource_sample *x = a, *y = b;
    return x->t_ns < y->t_ns ? -1 : x->t_ns > y->t_ns;
}

typedef struct idref {
    int64_t run, task;
    size_t index;
} idref;

static int by_id(const void *a, const void *b)
{
    const idref *x = a, *y = b;
    if (x->run != y->run)
        return x->run < y->run ? -1 : 1;
    if (x->task != y->task)
        return x->task < y->task ? -1 : 1;
    return 0;
}

/* Checks the records against the runs and turns dependency ids into
 * record indices. */
static int finish_records(reader *rd)
{
    dusk_profiler *p = rd->p;
    jp *j = &rd->j;
    if (!rd->have_runs) {
        /* A trace of another tool (or of an old dusk): a run around the
         * records of each run index they name. */
        int32_t nr = 0;
        for (size_t i = 0; i < p->nrecs; i++)
            if (p->recs[i].run + 1 > nr)
                nr = p->recs[i].run + 1;
        if (nr > 1 << 20)
            return dusk_error_set(j->err, DUSK_EINVAL, "%s: %d runs, and no \"runs\" in "
                                  "\"otherData\"", j->name, nr);
        for (int32_t k = 0; k < (nr ? nr : 1); k++) {
            dusk_run_record *run = dusk__push_run(p);
            if (!run)
                return jp_oom(j);
            run->begin_ns = UINT64_MAX;
        }
        for (size_t i = 0; i < p->nrecs; i++) {
            const dusk_task_record *r = &p->recs[i];
            dusk_run_record *run = &p->runs[r->run];
            if (r->start_ns < run->begin_ns)
                run->begin_ns = r->start_ns;
            if (r->worker + 1 > run->workers)
                run->workers = r->worker + 1;
            run->ntasks++;
        }
        for (size_t i = 0; i < p->nrecs; i++) {
            const dusk_task_record *r = &p->recs[i];
            dusk_run_record *run = &p->runs[r->run];
            if (r->end_ns - run->begin_ns > run->wall_ns)
                run->wall_ns = r->end_ns - run->begin_ns;
        }
        for (size_t k = 0; k < p->nruns; k++)
            if (p->runs[k].begin_ns == UINT64_MAX)
                p->runs[k].begin_ns = 0;
    }
    for (size_t i = 0; i < p->nrecs; i++) {
        const dusk_task_record *r = &p->recs[i];
        if ((size_t)r->run >= p->nruns)
            return dusk_error_set(j->err, DUSK_EINVAL,
                                  "%s: task '%s' is in run %d, but the trace has %zu run(s)",
                                  j->name, r->key, r->run, p->nruns);
        if (r->worker >= p->runs[r->run].workers)
            return dusk_error_set(j->err, DUSK_EINVAL,
                                  "%s: task '%s' ran on worker %d, but run %d has %d worker(s)",
                                  j->name, r->key, r->worker, r->run, p->runs[r->run].workers);
    }
    if (p->nrecs)
        qsort(p->recs, p->nrecs, sizeof *p->recs, by_start);
    if (p->nsamples)
        qsort(p->samples, p->nsamples, sizeof *p->samples, by_sample_time);
    idref *ids = dusk_malloc((p->nrecs ? p->nrecs : 1) * sizeof *ids);
    if (!ids)
        return jp_oom(j);
    for (size_t i = 0; i < p->nrecs; i++)
        ids[i] = (idref){p->recs[i].run, p->recs[i].task, i};
    qsort(ids, p->nrecs, sizeof *ids, by_id);
    for (size_t i = 1; i < p->nrecs; i++)
        if (ids[i].run == ids[i - 1].run && ids[i].task == ids[i - 1].task) {
            int rc = dusk_error_set(j->err, DUSK_EINVAL,
                                    "%s: task id %lld appears twice in run %lld ('%s')", j->name,
                                    (long long)ids[i].task, (long long)ids[i].run,
                                    p->recs[ids[i].index].key);
            dusk_free(ids);
            return rc;
        }
    for (size_t i = 0; i < p->nrecs; i++) {
        dusk_task_record *r = &p->recs[i];
        size_t *deps = (size_t *)(uintptr_t)r->deps;
        for (uint32_t k = 0; k < r->ndeps; k++) {
            idref want = {r->run, (int64_t)deps[k], 0};
            const idref *hit = bsearch(&want, ids, p->nrecs, sizeof *ids, by_id);
            if (!hit) {
                dusk_free(ids);
                return dusk_error_set(j->err, DUSK_EINVAL,
                                      "%s: task '%s' depends on task id %zu, which is not in "
                                      "run %d of the trace", j->name, r->key, deps[k], r->run);
            }
            if (hit->index == i) {
                dusk_free(ids);
                return dusk_error_set(j->err, DUSK_EINVAL, "%s: task '%s' depends on itself",
                                      j->name, r->key);
            }
            deps[k] = hit->index;
        }
    }
    dusk_free(ids);
    if (dusk__intern_records(p, 0))
        return jp_oom(j);
    return 0;
}

int dusk_profiler_read_trace_buffer(const char *data, size_t n, const char *name,
                                    dusk_profiler **out, dusk_error *err)
{
    reader rd;
    int rc = 0, first = 1, r, have_events = 0;
    if (out)
        *out = NULL;
    if (!out || (!data && n))
        return dusk_error_set(err, DUSK_EINVAL, "no trace to read");
    memset(&rd, 0, sizeof rd);
    rd.j.s = rd.j.p = data ? data : "";
    rd.j.end = rd.j.s + n;
    rd.j.name = name ? name : "trace";
    rd.j.err = err;
    rd.p = dusk__new_readonly();
    if (!rd.p)
        return dusk_error_set(err, DUSK_ENOMEM, "%s: out of memory", rd.j.name);
    jp *j = &rd.j;
    int c = jp_peek(j);
    if (c == '[') {
        rc = read_events(&rd);   /* the JSON Array Format */
        have_events = 1;
    } else if (c == '{') {
        j->p++;
        while (!rc && (r = jp_member(j, &first)) > 0) {
            if (!strcmp(j->str, "traceEvents")) {
                rc = read_events(&rd);
                have_events = 1;
            } else if (!strcmp(j->str, "otherData")) {
                rc = read_other(&rd);
            } else {
                rc = jp_skip(j, 1);
            }
        }
        if (!rc && r < 0)
            rc = j->rc;
        if (!rc && !have_events)
            rc = jp_fail(j, NULL, "no \"traceEvents\" array in the trace");
    } else {
        rc = jp_fail(j, NULL, "expected '{' or '[' to start a trace, found %s", what_is(j));
    }
    if (!rc && jp_peek(j) != -1)
        rc = jp_fail(j, NULL, "unexpected text after the trace");
    if (!rc)
        rc = finish_records(&rd);
    dusk_free(rd.j.str);
    dusk_free(rd.ids_tmp);
    if (rc) {
        dusk_profiler_free(rd.p);
        return rc;
    }
    *out = rd.p;
    return 0;
}

int dusk_profiler_read_trace(const char *path, dusk_profiler **out, dusk_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return dusk_error_set(err, DUSK_EINVAL, "no trace to read");
    FILE *f = fopen(path, "rb");
    if (!f)
        return dusk_error_set(err, DUSK_EIO, "cannot read %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *data = dusk_malloc(cap);
    int rc = 0;
    while (data) {
        if (n == cap) {
            char *d = cap <= SIZE_MAX / 2 ? dusk_realloc(data, cap * 2) : NULL;
            if (!d) {
                dusk_free(data);
                data = NULL;
                break;
            }
            data = d;
            cap *= 2;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (!data)
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory reading %s", path);
    else if (ferror(f))
        rc = dusk_error_set(err, DUSK_EIO, "cannot read %s: read failed", path);
    fclose(f);
    if (!rc)
        rc = dusk_profiler_read_trace_buffer(data, n, path, out, err);
    dusk_free(data);
    return rc;
}
