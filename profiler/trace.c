/*
** dusk profiler — Chrome Trace Event JSON, written and read back
**
** The file (the "JSON Object Format" of the Trace Event Format):
**
**   {"traceEvents":[
**     {"name":"process_name","ph":"M","pid":1,"tid":0,"args":{"name":"dusk"}},
**     {"name":"thread_name","ph":"M","pid":1,"tid":0,"args":{"name":"worker 0"}},
**     {"name":"inc","cat":"task","ph":"X","ts":0.412109375,"dur":1.25,"pid":1,"tid":0},
**     {"name":"inc-0","cat":"task.record","ph":"i","s":"t","ts":1.662109375,"pid":1,
**      "tid":0,"args":{"start_ns":412,"end_ns":1662,"released_ns":7500,"bytes":8,
**      "id":0,"run":0,"deps":[]}},
**     {"name":"memory","ph":"C","ts":0.0,"pid":1,"args":{"rss":1234,"held":0}},
**     {"name":"cpu","ph":"C","ts":0.0,"pid":1,"args":{"percent":97.25}},
**     {"name":"cache","ph":"C","ts":1.662,"pid":1,"args":{"add":16,"inc":8,"(all groups)":24}},
**     {"name":"dependency","cat":"task","ph":"s","id":1,"ts":0.412109375,"pid":1,"tid":0},
**     {"name":"dependency","cat":"task","ph":"f","bp":"e","id":1,...}],
**    "displayTimeUnit":"ms",
**    "otherData":{"producer":"dusk","version":2,"cache_metric":"bytes","lost":0,
**      "runs":[{"begin":0.0,"wall":812.3,"ntasks":3265,"workers":4,"status":0,
**               "held_peak":1064}]}}
**
** Format 2 is made for viewers (speedscope, Chrome DevTools, Perfetto): a
** slice is named by its function and has no args, the task's record rides
** on the instant after it, slice times are exact binary fractions of a
** microsecond that never overlap on a worker, and flows sit on the slices'
** ts and cat (see dusk_profiler_write_trace). Counters and runs keep three
** decimals: ns survive the round trip exactly (jansson reads them as
** doubles: exact below 2^51 ns, 26 days). Task records come back from the
** X slices, completed by their task.record instants (exact ns times,
** dependencies, releases), each bound to the last unclaimed slice before
** it on its worker, wherever other workers' events fall between them (a
** tool may sort a trace's events by ts); format 1 (the record in the
** slice's args) and other tools' X events read as before. The counters
** are for viewers, except memory and cpu, which are the resource samples.
**
** Reading: a thin scanner walks the outer structure (the keys of the trace
** object and of "otherData", the '[' ',' ']' of the event and run arrays)
** and hands each event, run and other value to jansson, which parses that
** one value strictly (RFC 8259: no trailing commas, comments, NaN or
** duplicate keys; valid UTF-8; at most 2048 levels deep in a value). Each
** event becomes records at once and its tree is freed, so a read holds the
** records, not a tree of the file (which was about ten times the file).
** Syntax errors are "file:line:column: what is wrong", in jansson's words
** inside a value and in the scanner's between values ("expected ',' or ']'
** after event 12, found '{'"). On top of the syntax, every field dusk
** reads is type-checked and range-checked (no negative time or duration,
** no worker id past 65535, no unknown run, no dependency on a task the
** trace does not have); those messages are at the line:column where the
** event (or run) starts and name it (its index, and its task's key) and
** the field; a task made of a B and its E is named by both places, in
** every message about it, at its B ('the slice "parse" begun at 3:5 and
** ended at 9:5'). Unknown fields and event phases are skipped, so traces of
** other tools load as far as they have X events.
**
** jansson's trees come from malloc, not dusk_malloc: json_set_alloc_funcs
** would change the allocator of every jansson user in the process, and
** jansson's lexer does not survive a failed allocation cleanly
** (akheron/jansson#362). jansson is thread-safe for separate documents, so
** readers need no lock.
*/
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "prof.h"

/* --- writing ------------------------------------------------------------------ */

typedef struct jw {
    dusk__atomic *o;
    size_t n;
    char b[1 << 16];
} jw;

static void jw_flush(jw *w)
{
    if (w->n)
        dusk__atomic_write(w->o, w->b, w->n);
    w->n = 0;
}

static void jw_raw(jw *w, const char *s, size_t n)
{
    if (sizeof w->b - w->n < n) {
        jw_flush(w);
        if (n > sizeof w->b) {
            dusk__atomic_write(w->o, s, n);
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

size_t dusk__utf8_len(const unsigned char *s)
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

const char *dusk__utf8_text(const char *str, dusk__buf *b)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n;
    while (*s && (n = dusk__utf8_len(s)) != 0)
        s += n;
    if (!*s)
        return str;
    b->len = 0;
    dusk__buf_add(b, str, (size_t)((const char *)s - str));
    while (*s) {
        if ((n = dusk__utf8_len(s)) != 0) {
            dusk__buf_add(b, s, n);
            s += n;
        } else {
            char two[2] = {(char)(0xc0 | *s >> 6), (char)(0x80 | (*s & 0x3f))};
            dusk__buf_add(b, two, 2);
            s++;
        }
    }
    return b->failed ? NULL : b->data;
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
        size_t n = *s >= 0x80 ? dusk__utf8_len(s) : 0;
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

/* Task times go out in units of 1/1024 us (0.977 ns), written as exact
 * decimals: every such number below 2^53 units (104 days) is a double, so
 * a viewer's ts + dur, or ts - first ts, is exact and a task that ends
 * before the next one starts still does in the viewer. A ns value maps to
 * the nearest unit and back to itself (a unit is less than 1 ns). */
static uint64_t ns_units(uint64_t ns)
{
    return ns / 125 * 128 + ((ns % 125) * 128 + 62) / 125;
}

static void jw_units(jw *w, uint64_t u)
{
    uint64_t frac = (u % 1024) * 9765625;   /* u % 1024 / 1024, ten decimals */
    jw_u64(w, u / 1024);
    if (!frac)
        return;
    char t[11];
    int n = 10;
    t[0] = '.';
    for (int i = 10; i >= 1; i--, frac /= 10)
        t[i] = (char)('0' + frac % 10);
    while (t[n] == '0')
        n--;
    jw_raw(w, t, (size_t)n + 1);
}

/* Where each task's slice starts and ends, in units. On each worker a
 * slice lasts at least 1 unit and ends strictly before the next one starts
 * (speedscope opens a slice that starts where another of the same name
 * ends inside it; Chrome's trace_engine nests a slice that starts before
 * its predecessor's end, or at the ts of a zero-length one). Walking back,
 * a task that ended as the next began is written 1 unit short; walking
 * forward, where that leaves no room (tasks that started in one unit: a
 * 0 ns task, another tool's us rounded to ns), a slice starts 1 unit after
 * the previous one's written end, and ends 1 unit after its start at
 * least. Slices end before the reader's limit (2^62 ns, 146 years) even
 * once a viewer's double has rounded their times (by up to 1 us there).
 * The records keep the exact times. */
#define SLICE_MAX_NS (((uint64_t)1 << 62) - ((uint64_t)1 << 20))

static int slice_units(dusk_profiler *p, uint64_t **start, uint64_t **end)
{
    int32_t workers = 1;
    for (size_t i = 0; i < p->nrecs; i++)
        if (p->recs[i].worker + 1 > workers)
            workers = p->recs[i].worker + 1;
    uint64_t *s = dusk_malloc((p->nrecs ? p->nrecs : 1) * 2 * sizeof *s);
    uint64_t *at = dusk_malloc((size_t)workers * sizeof *at);
    if (!s || !at) {
        dusk_free(s);
        dusk_free(at);
        return DUSK_ENOMEM;
    }
    uint64_t *e = s + (p->nrecs ? p->nrecs : 1);
    /* Records are by start time: walking back, at[w] is where the next
     * slice on worker w starts. */
    for (int32_t k = 0; k < workers; k++)
        at[k] = UINT64_MAX;
    for (size_t i = p->nrecs; i-- > 0;) {
        const dusk_task_record *r = &p->recs[i];
        s[i] = ns_units(r->start_ns < SLICE_MAX_NS ? r->start_ns : SLICE_MAX_NS);
        e[i] = ns_units(r->end_ns < SLICE_MAX_NS ? r->end_ns : SLICE_MAX_NS);
        if (e[i] >= at[r->worker] && at[r->worker] > s[i])
            e[i] = at[r->worker] - 1;
        at[r->worker] = s[i];
    }
    /* Walking forward, at[w] is 1 past the written end of the last slice
     * on worker w. */
    for (int32_t k = 0; k < workers; k++)
        at[k] = 0;
    for (size_t i = 0; i < p->nrecs; i++) {
        int32_t w = p->recs[i].worker;
        if (s[i] < at[w])
            s[i] = at[w];
        if (e[i] <= s[i])
            e[i] = s[i] + 1;
        at[w] = e[i] + 1;
    }
    dusk_free(at);
    *start = s;
    *end = e;
    return 0;
}

/* A task: its slice, named by its function, with no args (speedscope puts
 * the args in a frame's name: per-task args would make every task a
 * function of its own), then an instant on the same worker where the slice
 * ends, named by the task's key, with the rest of the task's record in
 * args (exact ns times, which the reader prefers to the slice's). */
static void write_task(jw *w, dusk_profiler *p, const dusk_task_record *r, uint64_t su,
                       uint64_t eu)
{
    jw_s(w, "{\"name\":");
    jw_str(w, r->func);
    jw_s(w, ",\"cat\":\"task\",\"ph\":\"X\",\"ts\":");
    jw_units(w, su);
    jw_s(w, ",\"dur\":");
    jw_units(w, eu - su);
    jw_s(w, ",\"pid\":1,\"tid\":");
    jw_i64(w, r->worker);
    jw_s(w, "},\n{\"name\":");
    jw_str(w, r->key);
    jw_s(w, ",\"cat\":\"task.record\",\"ph\":\"i\",\"s\":\"t\",\"ts\":");
    jw_units(w, eu);
    jw_s(w, ",\"pid\":1,\"tid\":");
    jw_i64(w, r->worker);
    jw_s(w, ",\"args\":{\"start_ns\":");
    jw_u64(w, r->start_ns);
    jw_s(w, ",\"end_ns\":");
    jw_u64(w, r->end_ns);
    jw_s(w, ",\"released_ns\":");
    jw_u64(w, r->released_ns);
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
    jw_s(w, "]");
    if (r->status) {
        jw_s(w, ",\"status\":");
        jw_i64(w, r->status);
    }
    jw_s(w, "}},\n");
}

/* One flow per dependency edge, as the Trace Event Format describes flows
 * v1: an "s" bound to the producer's slice and an "f" (bp "e": the
 * enclosing slice) bound to the consumer's, with one id. Chrome's
 * trace_engine binds a flow event to the slice of the same ts, pid, tid
 * and cat, so both carry their slice's start and cat "task". */
static void write_flows(jw *w, dusk_profiler *p, const uint64_t *su)
{
    uint64_t id = 0;
    for (size_t i = 0; i < p->nrecs; i++) {
        const dusk_task_record *r = &p->recs[i];
        for (uint32_t j = 0; j < r->ndeps; j++) {
            size_t d = r->deps[j];
            id++;
            jw_s(w, "{\"name\":\"dependency\",\"cat\":\"task\",\"ph\":\"s\",\"id\":");
            jw_u64(w, id);
            jw_s(w, ",\"ts\":");
            jw_units(w, su[d]);
            jw_s(w, ",\"pid\":1,\"tid\":");
            jw_i64(w, p->recs[d].worker);
            jw_s(w, "},\n{\"name\":\"dependency\",\"cat\":\"task\",\"ph\":\"f\","
                    "\"bp\":\"e\",\"id\":");
            jw_u64(w, id);
            jw_s(w, ",\"ts\":");
            jw_units(w, su[i]);
            jw_s(w, ",\"pid\":1,\"tid\":");
            jw_i64(w, r->worker);
            jw_s(w, "},\n");
        }
    }
}

enum { CACHE_MAX_POINTS = 2000, CACHE_MAX_ARGS = 24 };

static void free_names(char **names, size_t n)
{
    for (size_t k = 0; names && k < n; k++)
        dusk_free(names[k]);
    dusk_free(names);
}

/* The names of the cache counter's args: the groups' as a reader decodes
 * them (a byte that is not UTF-8 as Latin-1: jw_str), each one unique, a
 * repeat with " #<m>" appended. Two groups can read the same ("caf\xe9"
 * and "café"), and an object with a repeated key is not one the reader
 * (jansson) takes back. NULL when out of memory. */
static char **cache_names(dusk_profiler *p, size_t ng)
{
    char **names = dusk_calloc(ng ? ng : 1, sizeof *names);
    dusk__buf b = {0}, tmp = {0};
    for (size_t k = 0; names && k < ng; k++) {
        const char *g = dusk__utf8_text(dusk__strtab_text(&p->groups, p->group_order[k]), &tmp);
        for (unsigned m = 1; g; m++) {
            b.len = 0;
            if (m == 1)
                dusk__buf_puts(&b, g);
            else
                dusk__buf_printf(&b, "%s #%u", g, m);
            if (b.failed)
                break;
            size_t j = 0;
            while (j < k && strcmp(names[j], b.data) != 0)
                j++;
            if (j == k && strcmp(b.data, "(all groups)") != 0) {
                names[k] = dusk_strdup(b.data);
                break;
            }
        }
        if (!names[k]) {
            free_names(names, k);
            names = NULL;
        }
    }
    dusk__buf_free(&b);
    dusk__buf_free(&tmp);
    return names;
}

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
    char **names = per_group ? cache_names(p, ng) : NULL;
    if (per_group && !names)
        return DUSK_ENOMEM;
    if (ntot <= CACHE_MAX_POINTS) {
        /* Every change, with every group's value at that time. */
        size_t *at = dusk_calloc(ng + 1, sizeof *at);
        if (!at) {
            free_names(names, ng);
            return DUSK_ENOMEM;
        }
        for (size_t i = 0; i < ntot; i++) {
            uint64_t t = tot[i].t_ns;
            jw_s(w, "{\"name\":\"cache\",\"ph\":\"C\",\"ts\":");
            jw_us(w, t);
            jw_s(w, ",\"pid\":1,\"args\":{");
            for (size_t k = 0; per_group && k < ng; k++) {
                while (at[k] < p->nseries[k] && p->series[k][at[k]].t_ns <= t)
                    at[k]++;
                double v = at[k] ? p->series[k][at[k] - 1].value : 0;
                jw_str(w, names[k]);
                jw_raw(w, ":", 1);
                jw_u64(w, (uint64_t)(v + 0.5));
                jw_raw(w, ",", 1);
            }
            jw_s(w, "\"(all groups)\":");
            jw_u64(w, (uint64_t)(tot[i].value + 0.5));
            jw_s(w, "}},\n");
        }
        dusk_free(at);
        free_names(names, ng);
        return 0;
    }
    /* Too many changes for a viewer: the most held per bin, of the rows
     * written (every group's only when there are few: a profile can have a
     * group per task). */
    uint64_t t0 = tot[0].t_ns, t1 = tot[ntot - 1].t_ns;
    size_t nb = CACHE_MAX_POINTS, nrows = per_group ? ng + 1 : 1;
    size_t rows[CACHE_MAX_ARGS + 1];
    for (size_t k = 0; k + 1 < nrows; k++)
        rows[k] = k;
    rows[nrows - 1] = ng;
    double *bins = dusk_malloc(nrows * nb * sizeof *bins);
    if (!bins) {
        free_names(names, ng);
        return DUSK_ENOMEM;
    }
    dusk__cache_binned(p, t0, t1, nb, rows, nrows, bins);
    for (size_t b = 0; b < nb; b++) {
        jw_s(w, "{\"name\":\"cache\",\"ph\":\"C\",\"ts\":");
        jw_us(w, t0 + (uint64_t)((double)(t1 - t0) * (double)b / (double)nb));
        jw_s(w, ",\"pid\":1,\"args\":{");
        for (size_t k = 0; per_group && k < ng; k++) {
            jw_str(w, names[k]);
            jw_raw(w, ":", 1);
            jw_u64(w, (uint64_t)(bins[k * nb + b] + 0.5));
            jw_raw(w, ",", 1);
        }
        jw_s(w, "\"(all groups)\":");
        jw_u64(w, (uint64_t)(bins[(nrows - 1) * nb + b] + 0.5));
        jw_s(w, "}},\n");
    }
    dusk_free(bins);
    free_names(names, ng);
    return 0;
}

int dusk_profiler_write_trace(dusk_profiler *p, const char *path,
                              const dusk_trace_options *o, dusk_error *err)
{
    static const dusk_trace_options defaults = DUSK_TRACE_OPTIONS_INIT;
    dusk__atomic out;
    int rc;
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, path);
    if (!o)
        o = &defaults;
    if ((rc = dusk__prepare(p)) != 0)
        return dusk_error_set(err, rc, "out of memory preparing the records for %s", path);
    jw *w = dusk_malloc(sizeof *w);
    if (!w)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory writing %s", path);
    if ((rc = dusk__atomic_open(&out, path, err)) != 0) {
        dusk_free(w);
        return rc;
    }
    w->o = &out;
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
    uint64_t *su = NULL, *eu = NULL;
    rc = slice_units(p, &su, &eu);
    for (size_t i = 0; !rc && i < p->nrecs; i++)
        write_task(w, p, &p->recs[i], su[i], eu[i]);
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
    if (!rc)
        rc = write_cache(w, p);
    if (!rc && o->flows)
        write_flows(w, p, su);
    dusk_free(su);
    /* The last event: the end of the last run, so that the array ends
     * without a trailing comma. */
    jw_s(w, "{\"name\":\"end\",\"ph\":\"i\",\"s\":\"g\",\"pid\":1,\"tid\":0,\"ts\":");
    uint64_t last = 0;
    for (size_t i = 0; i < p->nruns; i++)
        if (p->runs[i].begin_ns + p->runs[i].wall_ns > last)
            last = p->runs[i].begin_ns + p->runs[i].wall_ns;
    jw_us(w, last);
    jw_s(w, "}\n],\n\"displayTimeUnit\":\"ms\",\n"
            "\"otherData\":{\"producer\":\"dusk\",\"version\":2,"
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
        jw_s(w, ",\"held_peak\":");
        jw_u64(w, r->held_peak);
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

/* --- reading: a thin scanner walks the outer structure, jansson parses each value ---- */

#define MAX_NS ((uint64_t)1 << 62)   /* about 146 years */

/* Every json_loadb of the reader parses exactly one value of any type (an
 * event, a run, a key, another member of the top-level object) and not a
 * byte more: with JSON_DISABLE_EOF_CHECK jansson stops at the value's last
 * character and says in json_error_t.position how many bytes it read. It
 * pulls its input a byte at a time through a bounds check, so handing it
 * the rest of a 70 MB text costs nothing past the value. */
#define VALUE_FLAGS (JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES)

typedef struct reader {
    dusk_profiler *p;
    const char *name;        /* the trace, for messages */
    dusk_error *err;
    const char *text, *end;  /* the whole trace */
    const char *s;           /* the scanner: the next byte it looks at */
    const char *at;          /* where the value being checked starts, or NULL */
    const char *what;        /* what is being read: "event", "run", "otherData" */
    size_t index;            /* its index, or SIZE_MAX */
    const char *key;         /* the event's task key, or NULL */
    const char *slice_end;   /* a message about a B and E's task: its E (its
                                B is `at`), else NULL */
    const char *slice_name;  /* ... and the B's "name", or NULL */
    char ctx[400];           /* where() puts them together here */
    json_t *other;           /* the members of "otherData" but "runs", until its '}' */
    struct span *spans;      /* the tasks of a B and its E */
    size_t nspans, spancap;
    struct lane *lanes;      /* the threads, (pid, tid), in the order first seen */
    size_t nlanes, lanecap;
    uint32_t *lanehash;      /* open addressing: lane index + 1, or 0 */
    size_t hashcap;          /* a power of 2, at least twice nlanes */
    int have_events, have_runs;
    int dusk_process;        /* a "process_name" names a process "dusk", or a
                                task.record instant is there: dusk's trace */
    size_t other_thread_names;   /* "thread_name"s other than dusk's "worker <tid>" */
} reader;

/* A thread of the trace: its (pid, tid), where it first appears (for
 * messages), and its record (a slice, X) that no task.record has claimed
 * yet, or SIZE_MAX. Records name their lane as their worker until
 * finish_records numbers the workers. */
typedef struct begun {     /* a B event waiting for its E */
    const char *name;      /* in the profiler's arena; "(unnamed)" when it has none */
    int named;
    uint64_t ts;
    const char *at;
} begun;

/* A task made of a B and its E: where each is, for messages about it once
 * all is read (its record's group is the B's place until then). */
typedef struct span {
    const char *b, *e;
    int named;
} span;

typedef struct lane {
    int64_t pid, tid;
    const char *at;
    size_t index;
    size_t open;
    begun *begun;          /* its B events not yet ended, innermost last */
    size_t nbegun, begcap;
} lane;

static void place(const reader *rd, const char *at, long *line, long *col);

/* What messages name: "event 12 (key "inc-3")", "run 0", "otherData". A
 * task's key, where there is a short one, says which event is meant in a
 * file of many. A task of a B and its E is named by both places, as
 * 'the slice "parse" begun at 3:5 and ended at 9:5', in every message
 * about it (which are at its B). Put together only for a message. */
static const char *where(reader *rd)
{
    if (rd->slice_end && rd->at) {
        long bl, bc, el, ec;
        place(rd, rd->at, &bl, &bc);
        place(rd, rd->slice_end, &el, &ec);
        const char *n = rd->slice_name;
        if (n && strlen(n) <= 64)
            snprintf(rd->ctx, sizeof rd->ctx, "the slice \"%s\" begun at %ld:%ld and ended at "
                     "%ld:%ld", n, bl, bc, el, ec);
        else
            snprintf(rd->ctx, sizeof rd->ctx, "the slice begun at %ld:%ld and ended at %ld:%ld",
                     bl, bc, el, ec);
    } else if (rd->index == SIZE_MAX)
        snprintf(rd->ctx, sizeof rd->ctx, "%s", rd->what);
    else if (rd->key && strlen(rd->key) <= 64)
        snprintf(rd->ctx, sizeof rd->ctx, "%s %zu (key \"%s\")", rd->what, rd->index, rd->key);
    else
        snprintf(rd->ctx, sizeof rd->ctx, "%s %zu", rd->what, rd->index);
    return rd->ctx;
}

/* The line and column of the byte at `at`, both from 1, the column in
 * characters (a UTF-8 sequence counts once), as jansson counts them. The
 * scanner keeps no count as it goes: a place is worked out only for a
 * message, by one memchr pass over the text before it. */
static void place(const reader *rd, const char *at, long *line, long *col)
{
    const char *s = rd->text, *bol = s, *nl;
    long l = 1, c = 1;
    while (s < at && (nl = memchr(s, '\n', (size_t)(at - s))) != NULL) {
        l++;
        bol = s = nl + 1;
    }
    for (s = bol; s < at; s++)
        c += ((unsigned char)*s & 0xC0) != 0x80;
    *line = l;
    *col = c;
}

static int oom(reader *rd)
{
    return dusk_error_set(rd->err, DUSK_ENOMEM, "%s: out of memory", rd->name);
}

/* A syntax error that the scanner finds: at the first character of the
 * token at fault (a trailing comma: the comma), or just past the last
 * character of a text that stops short. */
static int fail_at(reader *rd, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(reader *rd, const char *at, const char *fmt, ...)
{
    char msg[400];
    long line, col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    place(rd, at, &line, &col);
    return dusk_error_set(rd->err, DUSK_EINVAL, "%s:%ld:%ld: %s", rd->name, line, col, msg);
}

/* What the scanner found at s, for "expected ..., found ...": the end of
 * the file, or the token there (a word, a number, or a string, cut after
 * 20 characters; else the one character or byte). */
static const char *found(const reader *rd, const char *s, char *buf, size_t size)
{
    size_t n = 1, left = (size_t)(rd->end - s);
    if (s >= rd->end)
        return "the end of the file";
    unsigned char c = (unsigned char)*s;
    if (c >= 0x80 || c < 0x20) {
        snprintf(buf, size, "byte 0x%02x", c);
        return buf;
    }
    if (c == '"') {
        while (n < left && n < 20 && s[n] >= 0x20 && s[n] < 0x7f && s[n] != '"')
            n++;
        if (n < left && s[n] == '"')
            n++;
    } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
        while (n < left && n < 20 && (((s[n] | 0x20) >= 'a' && (s[n] | 0x20) <= 'z') ||
                                      (s[n] >= '0' && s[n] <= '9')))
            n++;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        while (n < left && n < 20 && ((s[n] >= '0' && s[n] <= '9') || s[n] == '.' ||
                                      s[n] == 'e' || s[n] == 'E' || s[n] == '+' || s[n] == '-'))
            n++;
    }
    snprintf(buf, size, "'%.*s'", (int)n, s);
    return buf;
}

/* jansson's message for the value that starts at `at`, at the file's line
 * and column: jansson counts from 1:1 at the value's first character, so
 * on its first line the value's own column is added. Its column is that of
 * the last character it read (the end of a bad token); where it stopped
 * before the character at fault (the end of the text, a byte that is not
 * UTF-8, a control character in a string) the place is that next one. A
 * failure with no message is a failed allocation. */
static int parse_error(reader *rd, const char *at, const json_error_t *je)
{
    enum json_error_code code = json_error_code(je);
    if (code == json_error_out_of_memory || !je->text[0])
        return oom(rd);
    if (code == json_error_premature_end_of_input && rd->end - at > INT_MAX)
        return fail_at(rd, at, "a value of more than 2 GiB");   /* jansson's window below */
    long line, col, jcol = je->column;
    if (code == json_error_premature_end_of_input || code == json_error_invalid_utf8 ||
        (code == json_error_invalid_syntax && (!strncmp(je->text, "control character", 17) ||
                                               !strncmp(je->text, "unexpected newline", 18))))
        jcol++;
    place(rd, at, &line, &col);
    if (je->line > 1) {
        line += je->line - 1;
        col = jcol;
    } else {
        col += jcol - 1;
    }
    /* jansson's own text for this one names the flag of its API */
    const char *what = code == json_error_null_character ? "\\u0000 in a string" : je->text;
    return dusk_error_set(rd->err, DUSK_EINVAL, "%s:%ld:%ld: %s", rd->name, line, col, what);
}

/* A trace that parses but says something wrong: at the place where the
 * value being checked starts (the event, the run, "otherData"), when
 * there is one, naming it (index and task key) and the field. */
static int bad(reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(reader *rd, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!rd->at)
        return dusk_error_set(rd->err, DUSK_EINVAL, "%s: %s", rd->name, msg);
    long line, col;
    place(rd, rd->at, &line, &col);
    return dusk_error_set(rd->err, DUSK_EINVAL, "%s:%ld:%ld: %s", rd->name, line, col, msg);
}

/* The field readers look field up in object o. An absent field leaves *out
 * as it was and returns 0; a present one sets *has (when given). */

/* A non-negative number in units of 1/unit (unit 1000: microseconds to
 * ns), rounded, at most max; what "too large" is called is said by what.
 * An integer is exact; a real is exact below 2^51 units (26 days in ns). */
static int scaled_field(reader *rd, json_t *o, const char *field, uint64_t unit, uint64_t max,
                        const char *what, uint64_t *out, int *has)
{
    json_t *v = json_object_get(o, field);
    if (!v)
        return 0;
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0)
            return bad(rd, "\"%s\" of %s is negative", field, where(rd));
        if ((uint64_t)i > max / unit)
            return bad(rd, "\"%s\" of %s is %s", field, where(rd), what);
        *out = (uint64_t)i * unit;
    } else if (json_is_real(v)) {
        double d = json_real_value(v) * (double)unit;
        if (d < 0)
            return bad(rd, "\"%s\" of %s is negative", field, where(rd));
        if (!(d <= (double)max) || (uint64_t)llround(d) > max)
            return bad(rd, "\"%s\" of %s is %s", field, where(rd), what);
        *out = (uint64_t)llround(d);
    } else {
        return bad(rd, "\"%s\" of %s must be a number", field, where(rd));
    }
    if (has)
        *has = 1;
    return 0;
}

static int time_field(reader *rd, json_t *o, const char *field, uint64_t *out, int *has)
{
    return scaled_field(rd, o, field, 1000, MAX_NS, "absurdly large", out, has);
}

static int count_field(reader *rd, json_t *o, const char *field, uint64_t max, uint64_t *out)
{
    return scaled_field(rd, o, field, 1, max, "out of range", out, NULL);
}

/* An integer in [lo, hi]; a real without a fraction (1e3) is one too. */
static int int_value(reader *rd, json_t *v, const char *field, int64_t lo, int64_t hi,
                     int64_t *out)
{
    int64_t i;
    if (json_is_integer(v)) {
        i = json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v))) {
        double d = json_real_value(v);
        if (!(d >= -0x1p63 && d < 0x1p63))
            return bad(rd, "\"%s\" of %s is out of range (%lld to %lld)", field, where(rd),
                       (long long)lo, (long long)hi);
        i = (int64_t)d;
    } else {
        return bad(rd, "\"%s\" of %s must be an integer", field, where(rd));
    }
    if (i < lo || i > hi)
        return bad(rd, "\"%s\" of %s is out of range (%lld to %lld)", field, where(rd),
                   (long long)lo, (long long)hi);
    *out = i;
    return 0;
}

static int int_field(reader *rd, json_t *o, const char *field, int64_t lo, int64_t hi,
                     int64_t *out, int *has)
{
    json_t *v = json_object_get(o, field);
    int rc = v ? int_value(rd, v, field, lo, hi, out) : 0;
    if (v && !rc && has)
        *has = 1;
    return rc;
}

static int string_field(reader *rd, json_t *o, const char *field, const char **out)
{
    json_t *v = json_object_get(o, field);
    if (v && !json_is_string(v))
        return bad(rd, "\"%s\" of %s must be a string", field, where(rd));
    if (v)
        *out = json_string_value(v);
    return 0;
}

/* One event's fields, as far as dusk reads them. */
typedef struct tev {
    char ph;
    const char *name, *cat, *key, *func;  /* in the parsed tree */
    int has_ts, has_dur, has_released, has_id, has_start, has_end, has_released_ns;
    uint64_t ts, dur, released, bytes, rss, held;
    uint64_t start_ns, end_ns, released_ns;   /* a task.record instant's exact times */
    double cpu;
    int64_t pid, tid, id, run, status;
    size_t *deps;            /* task ids, in p->mem */
    uint32_t ndeps;
} tev;

static int read_deps(reader *rd, json_t *args, tev *e)
{
    json_t *v = json_object_get(args, "deps");
    if (!v)
        return 0;
    if (!json_is_array(v))
        return bad(rd, "\"deps\" of %s must be an array", where(rd));
    size_t n = json_array_size(v);
    if (n > UINT32_MAX)
        return bad(rd, "\"deps\" of %s is too long", where(rd));
    e->ndeps = (uint32_t)n;
    if (!n)
        return 0;
    e->deps = dusk__arena_alloc(&rd->p->mem, n * sizeof *e->deps);
    if (!e->deps)
        return oom(rd);
    for (size_t k = 0; k < n; k++) {
        int64_t id;
        int rc = int_value(rd, json_array_get(v, k), "deps", 0, INT64_MAX, &id);
        if (rc)
            return rc;
        e->deps[k] = (size_t)id;
    }
    return 0;
}

/* "args": the task's for X events, the sample's for C events. */
static int read_args(reader *rd, json_t *args, tev *e)
{
    int rc;
    if (!json_is_object(args))
        return bad(rd, "\"args\" of %s must be an object", where(rd));
    if (e->ph == 'C') {
        double cpu = 0;
        json_t *v = json_object_get(args, "percent");
        if (v && !json_is_number(v))
            return bad(rd, "\"percent\" of %s must be a number", where(rd));
        if (v && !((cpu = json_number_value(v)) >= 0 && cpu <= 1e6))
            return bad(rd, "\"percent\" of %s is out of range", where(rd));
        e->cpu = cpu;
        rc = count_field(rd, args, "rss", (uint64_t)1 << 62, &e->rss);
        if (!rc)
            rc = count_field(rd, args, "held", (uint64_t)1 << 62, &e->held);
        return rc;
    }
    rc = string_field(rd, args, "key", &e->key);
    if (!rc)
        rc = string_field(rd, args, "function", &e->func);
    if (!rc)
        rc = scaled_field(rd, args, "start_ns", 1, MAX_NS, "absurdly large", &e->start_ns,
                          &e->has_start);
    if (!rc)
        rc = scaled_field(rd, args, "end_ns", 1, MAX_NS, "absurdly large", &e->end_ns,
                          &e->has_end);
    if (!rc)
        rc = scaled_field(rd, args, "released_ns", 1, MAX_NS, "absurdly large",
                          &e->released_ns, &e->has_released_ns);
    if (!rc)
        rc = count_field(rd, args, "bytes", (uint64_t)1 << 62, &e->bytes);
    if (!rc)
        rc = int_field(rd, args, "id", 0, INT64_MAX, &e->id, &e->has_id);
    if (!rc)
        rc = int_field(rd, args, "run", 0, INT32_MAX, &e->run, NULL);
    if (!rc)
        rc = int_field(rd, args, "status", INT32_MIN, 0, &e->status, NULL);
    if (!rc)
        rc = time_field(rd, args, "released", &e->released, &e->has_released);
    if (!rc)
        rc = read_deps(rd, args, e);
    return rc;
}

/* The instant that carries a task's record (format 2), after its slice. */
static int is_task_record(const tev *e)
{
    return e->ph == 'i' && e->cat && !strcmp(e->cat, "task.record");
}

/* A process, as dusk tells its threads apart: its "pid" when that is an
 * integer, else (some tools name processes, "pid":"Main") a hash of its
 * text; nothing else about it matters here. */
static int64_t pid_of(json_t *v)
{
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    uint64_t h = 14695981039346656037u;
    for (const char *c = json_is_string(v) ? json_string_value(v) : ""; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211u;
    return (int64_t)(h >> 1) | INT64_MIN / 2;   /* apart from small integers */
}

static int read_event(reader *rd, json_t *ev, size_t index, tev *e)
{
    memset(e, 0, sizeof *e);
    if (!json_is_object(ev))
        return bad(rd, "event %zu must be an object", index);
    json_t *args = json_object_get(ev, "args");
    rd->what = "event";
    rd->index = index;
    rd->key = json_string_value(json_object_get(args, "key"));
    json_t *ph = json_object_get(ev, "ph");
    if (!ph)
        return bad(rd, "%s has no \"ph\"", where(rd));
    if (!json_is_string(ph))
        return bad(rd, "\"ph\" of %s must be a string", where(rd));
    if (json_string_length(ph) != 1)
        return bad(rd, "\"ph\" of %s must be one letter", where(rd));
    e->ph = json_string_value(ph)[0];
    int rc = string_field(rd, ev, "name", &e->name);
    if (!rc)
        rc = string_field(rd, ev, "cat", &e->cat);
    if (!rc)
        rc = time_field(rd, ev, "ts", &e->ts, &e->has_ts);
    if (!rc)
        rc = time_field(rd, ev, "dur", &e->dur, &e->has_dur);
    if (!rc)
        rc = int_field(rd, ev, "tid", INT64_MIN / 2, INT64_MAX / 2, &e->tid, NULL);
    if (!rc)
        e->pid = pid_of(json_object_get(ev, "pid"));
    if (!rc && args && (e->ph == 'X' || e->ph == 'C' || is_task_record(e)))
        rc = read_args(rd, args, e);
    if (!rc && e->ph == 'M' && e->name) {
        /* dusk's own metadata: its workers keep their numbers */
        const char *nm = json_string_value(json_object_get(args, "name"));
        char want[40];
        snprintf(want, sizeof want, "worker %lld", (long long)e->tid);
        if (!strcmp(e->name, "process_name") && nm && !strcmp(nm, "dusk"))
            rd->dusk_process = 1;
        else if (!strcmp(e->name, "thread_name") && (!nm || strcmp(nm, want) != 0))
            rd->other_thread_names++;
    }
    return rc;
}

static size_t lane_slot(const reader *rd, int64_t pid, int64_t tid)
{
    uint64_t h = (uint64_t)pid * 0x9E3779B97F4A7C15u ^ (uint64_t)tid * 0xC2B2AE3D27D4EB4Fu;
    h ^= h >> 29;
    return (size_t)h & (rd->hashcap - 1);
}

/* The lane of e's (pid, tid), or SIZE_MAX when it has none and add is 0.
 * Another tool's trace names threads by the system's ids (clang's
 * -ftime-trace: pid 19822, tids 19822..19840), any number of processes:
 * each pair becomes a lane, and finish_records numbers them. */
static int find_lane(reader *rd, const tev *e, int add, size_t *out)
{
    *out = SIZE_MAX;
    if (rd->hashcap) {
        for (size_t h = lane_slot(rd, e->pid, e->tid);; h = (h + 1) & (rd->hashcap - 1)) {
            uint32_t k = rd->lanehash[h];
            if (!k)
                break;
            if (rd->lanes[k - 1].pid == e->pid && rd->lanes[k - 1].tid == e->tid) {
                *out = k - 1;
                return 0;
            }
        }
    }
    if (!add)
        return 0;
    if (rd->nlanes == DUSK__PROF_MAX_WORKERS)
        return bad(rd, "%s is on a thread past the %d that a trace may have (pid %lld, "
                   "tid %lld)", where(rd), DUSK__PROF_MAX_WORKERS, (long long)e->pid,
                   (long long)e->tid);
    if (rd->nlanes == rd->lanecap) {
        size_t n = rd->lanecap ? rd->lanecap * 2 : 8;
        lane *l = dusk_realloc(rd->lanes, n * sizeof *l);
        if (!l)
            return oom(rd);
        rd->lanes = l;
        rd->lanecap = n;
    }
    if (2 * (rd->nlanes + 1) > rd->hashcap) {
        size_t n = rd->hashcap ? rd->hashcap * 2 : 16;
        uint32_t *t = dusk_calloc(n, sizeof *t);
        if (!t)
            return oom(rd);
        dusk_free(rd->lanehash);
        rd->lanehash = t;
        rd->hashcap = n;
        for (size_t i = 0; i < rd->nlanes; i++) {
            size_t h = lane_slot(rd, rd->lanes[i].pid, rd->lanes[i].tid);
            while (t[h])
                h = (h + 1) & (n - 1);
            t[h] = (uint32_t)i + 1;
        }
    }
    size_t h = lane_slot(rd, e->pid, e->tid);
    while (rd->lanehash[h])
        h = (h + 1) & (rd->hashcap - 1);
    rd->lanehash[h] = (uint32_t)rd->nlanes + 1;
    rd->lanes[rd->nlanes] = (lane){e->pid, e->tid, rd->at, rd->index, SIZE_MAX, NULL, 0, 0};
    *out = rd->nlanes++;
    return 0;
}

/* A task.record instant: the record of the last slice before it on its
 * worker, which a slice alone (another tool's, or dusk's format 1 with its
 * args) fills as far as it can. dusk writes the instant right after its
 * slice; a tool that re-saves or merges traces may sort events by ts
 * across workers, and on a worker each instant still comes after its own
 * slice and before the next one (whose ts is later than the instant's). */
static int add_task_record(reader *rd, const tev *e)
{
    dusk_profiler *p = rd->p;
    size_t l;
    find_lane(rd, e, 0, &l);
    size_t at = l == SIZE_MAX ? SIZE_MAX : rd->lanes[l].open;
    if (at == SIZE_MAX)
        return bad(rd, "%s (a task's record) has no slice (X) of its task before it on "
                   "worker %lld", where(rd), (long long)e->tid);
    dusk_task_record *r = &p->recs[at];
    rd->lanes[l].open = SIZE_MAX;
    if (e->has_start != e->has_end)
        return bad(rd, "%s has only one of \"start_ns\" and \"end_ns\"", where(rd));
    if (e->has_start) {
        if (e->end_ns < e->start_ns)
            return bad(rd, "%s: \"end_ns\" is before \"start_ns\"", where(rd));
        r->start_ns = e->start_ns;
        r->end_ns = e->end_ns;
    }
    if (e->has_released_ns && e->released_ns < r->end_ns)
        return bad(rd, "%s: \"released_ns\" is before the task ended", where(rd));
    r->released_ns = e->has_released_ns ? e->released_ns : r->end_ns;
    const char *key = e->key ? e->key : e->name;   /* format 2: the instant's name */
    if (key && !(r->key = dusk__arena_strndup(&p->mem, key, strlen(key))))
        return oom(rd);
    if (e->func && !(r->func = dusk__arena_strndup(&p->mem, e->func, strlen(e->func))))
        return oom(rd);
    r->nbytes = e->bytes;
    if (e->has_id)
        r->task = e->id;
    r->run = (int32_t)e->run;
    r->status = (int32_t)e->status;
    r->ndeps = e->ndeps;
    r->deps = e->deps;
    return 0;
}

/* A slice (X, or a B and its E): a task on its thread's lane. */
static int add_slice(reader *rd, const tev *e)
{
    dusk_profiler *p = rd->p;
    if (e->ts + e->dur > MAX_NS)
        return bad(rd, "%s ends absurdly late", where(rd));
    if (e->has_released && e->released < e->ts + e->dur)
        return bad(rd, "%s: \"released\" is before the task ended", where(rd));
    size_t l;
    int rc = find_lane(rd, e, 1, &l);
    if (rc)
        return rc;
    dusk_task_record *r = dusk__push_record(p);
    if (!r)
        return oom(rd);
    const char *key = e->key ? e->key : e->name ? e->name : "";
    const char *func = e->name ? e->name : "(unnamed)";
    char *k = dusk__arena_strndup(&p->mem, key, strlen(key));
    char *f = dusk__arena_strndup(&p->mem, func, strlen(func));
    if (!k || !f)
        return oom(rd);
    r->key = k;
    r->func = f;
    r->start_ns = e->ts;
    r->end_ns = e->ts + e->dur;
    r->released_ns = e->has_released ? e->released : r->end_ns;
    r->nbytes = e->bytes;
    r->task = e->has_id ? e->id : (int64_t)(p->nrecs - 1);
    r->worker = (int32_t)l;   /* numbered by finish_records */
    r->run = (int32_t)e->run;
    r->status = (int32_t)e->status;
    r->ndeps = e->ndeps;
    r->deps = e->deps;
    /* Until finish_records, a record's group holds where its event
     * starts in the text, for messages (its deps hold task ids). */
    r->group = rd->at;
    rd->lanes[l].open = p->nrecs - 1;
    return 0;
}

/* B and E, the other tools' slices in two halves (Chrome, tracing crates):
 * on a thread, an E ends the latest B not yet ended. A B never ended, or
 * an E whose B the trace does not have, has no known start or end and
 * makes no task, as in Chrome's and Perfetto's importers. */
static int add_begin_end(reader *rd, const tev *e)
{
    if (!e->has_ts)
        return bad(rd, "%s (%c) needs \"ts\"", where(rd), e->ph);
    size_t l;
    int rc = find_lane(rd, e, 1, &l);
    if (rc)
        return rc;
    lane *ln = &rd->lanes[l];
    if (e->ph == 'B') {
        if (ln->nbegun == ln->begcap) {
            size_t n = ln->begcap ? ln->begcap * 2 : 8;
            begun *b = dusk_realloc(ln->begun, n * sizeof *b);
            if (!b)
                return oom(rd);
            ln->begun = b;
            ln->begcap = n;
        }
        const char *name = e->name ? e->name : "(unnamed)";
        char *copy = dusk__arena_strndup(&rd->p->mem, name, strlen(name));
        if (!copy)
            return oom(rd);
        ln->begun[ln->nbegun++] = (begun){copy, e->name != NULL, e->ts, rd->at};
        return 0;
    }
    if (!ln->nbegun)
        return 0;   /* its B was before the trace began (a ring buffer's, one begun mid-run) */
    begun b = ln->begun[--ln->nbegun];
    if (rd->nspans == rd->spancap) {
        size_t n = rd->spancap ? rd->spancap * 2 : 16;
        span *sp = dusk_realloc(rd->spans, n * sizeof *sp);
        if (!sp)
            return oom(rd);
        rd->spans = sp;
        rd->spancap = n;
    }
    /* The task's messages are at its B and name both places. */
    const char *at = rd->at;
    rd->spans[rd->nspans++] = (span){b.at, at, b.named};
    rd->at = b.at;
    rd->slice_end = at;
    rd->slice_name = b.named ? b.name : NULL;
    if (e->ts < b.ts) {
        rc = bad(rd, "%s: its E (%.3f us) is before its B (%.3f us)", where(rd),
                 (double)e->ts / 1000, (double)b.ts / 1000);
    } else {
        tev x;
        memset(&x, 0, sizeof x);
        x.ph = 'X';
        x.name = b.name;
        x.ts = b.ts;
        x.dur = e->ts - b.ts;
        x.pid = e->pid;
        x.tid = e->tid;
        rc = add_slice(rd, &x);
    }
    rd->at = at;
    rd->slice_end = rd->slice_name = NULL;
    return rc;
}

static int add_event(reader *rd, const tev *e)
{
    dusk_profiler *p = rd->p;
    if (is_task_record(e)) {
        rd->dusk_process = 1;   /* format 2's records: dusk's own trace */
        return add_task_record(rd, e);
    }
    if (e->ph == 'X') {
        if (!e->has_ts || !e->has_dur)
            return bad(rd, "%s (X) needs \"ts\" and \"dur\"", where(rd));
        return add_slice(rd, e);
    }
    if (e->ph == 'B' || e->ph == 'E')
        return add_begin_end(rd, e);
    if (e->ph == 'C' && e->name && (!strcmp(e->name, "memory") || !strcmp(e->name, "cpu"))) {
        if (!e->has_ts)
            return bad(rd, "%s (C) needs \"ts\"", where(rd));
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
            return oom(rd);
    }
    return 0;
}

/* --- the scanner: the trace's outer structure ---
 *
 * The text is a trace object, {"traceEvents":[event, ...], "otherData":
 * {..., "runs":[run, ...]}, ...}, or the JSON Array Format, [event, ...].
 * The scanner walks only that: blanks, the keys of the trace object and of
 * "otherData", and the '[' ',' ']' of the event and run arrays (and of any
 * other array member of the trace object, as other tools write large
 * ones). Each event, run, key and other value is parsed by jansson alone,
 * checked, turned into records and freed at once, so no more than one
 * event's tree is ever held. The scanner rejects what RFC 8259 does at its
 * level: a missing or trailing comma, a missing ':', a key that is not a
 * string or repeats, a text that is not an object or an array, anything
 * but blanks after it; inside a value jansson rejects the rest. It recurses
 * no deeper than "otherData", whatever the text. */

static int peek(reader *rd)   /* the next character after blanks, or -1 at the end */
{
    const char *s = rd->s;
    while (s < rd->end && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
        s++;
    rd->s = s;
    return s < rd->end ? (unsigned char)*s : -1;
}

/* jansson parses the one value at the scanner, which goes on past it.
 * jansson counts its position in an int: it gets a window of at most
 * INT_MAX bytes (a longer value is refused in parse_error). */
static int load(reader *rd, json_t **out)
{
    json_error_t je;
    const char *at = rd->s;
    size_t left = (size_t)(rd->end - at);
    json_t *v = json_loadb(at, left < INT_MAX ? left : INT_MAX, VALUE_FLAGS, &je);
    if (!v)
        return parse_error(rd, at, &je);
    rd->s = at + je.position;
    *out = v;
    return 0;
}

static int load_and_drop(reader *rd, size_t index)
{
    json_t *v = NULL;
    int rc = load(rd, &v);
    json_decref(v);
    (void)index;
    return rc;
}

/* An array whose '[' is at the scanner: each(rd, i) reads element i, with
 * the scanner at its first character, and leaves the scanner past it.
 * what names an element in messages ("event 3"). */
typedef int (*element_fn)(reader *rd, size_t index);

static int scan_array(reader *rd, const char *what, element_fn each)
{
    char buf[48];
    rd->s++;
    if (peek(rd) == ']') {
        rd->s++;
        return 0;
    }
    for (size_t i = 0;; i++) {
        if (rd->s == rd->end)
            return fail_at(rd, rd->s, "expected %s %zu, found the end of the file", what, i);
        int rc = each(rd, i);
        if (rc)
            return rc;
        int c = peek(rd);
        if (c == ']') {
            rd->s++;
            return 0;
        }
        if (c != ',')
            return fail_at(rd, rd->s, "expected ',' or ']' after %s %zu, found %s", what, i,
                           found(rd, rd->s, buf, sizeof buf));
        const char *comma = rd->s++;
        if (peek(rd) == ']')
            return fail_at(rd, comma, "trailing ',' after %s %zu (before ']')", what, i);
    }
}

/* An object whose '{' is at the scanner: member(rd, key, len) reads the
 * value of each member, with the scanner at its first character, and
 * leaves the scanner past it. jansson decodes the keys; a jansson object
 * holds those seen, for repeats. what names the object in messages. */
typedef int (*member_fn)(reader *rd, const char *key, size_t len);

#define KEY(k, n) (int)((n) < 64 ? (n) : 64), (k)   /* for "%.*s" */

static int scan_object(reader *rd, const char *what, member_fn member)
{
    char buf[48];
    json_t *seen = json_object(), *key = NULL;
    int rc = 0;
    if (!seen)
        return oom(rd);
    rd->s++;
    if (peek(rd) == '}') {
        rd->s++;
        json_decref(seen);
        return 0;
    }
    for (;;) {
        const char *key_at = rd->s;
        if (rd->s == rd->end || *rd->s != '"') {
            rc = fail_at(rd, rd->s, "expected a key (a string) in %s, found %s", what,
                         found(rd, rd->s, buf, sizeof buf));
            break;
        }
        if ((rc = load(rd, &key)) != 0)   /* a string: it starts with '"' */
            break;
        const char *k = json_string_value(key);
        size_t n = json_string_length(key);
        if (json_object_getn(seen, k, n)) {
            rc = fail_at(rd, key_at, "duplicate key \"%.*s\" in %s", KEY(k, n), what);
            break;
        }
        if (json_object_setn_new(seen, k, n, json_null())) {
            rc = oom(rd);
            break;
        }
        if (peek(rd) != ':') {
            rc = fail_at(rd, rd->s, "expected ':' after \"%.*s\", found %s", KEY(k, n),
                         found(rd, rd->s, buf, sizeof buf));
            break;
        }
        rd->s++;
        if (peek(rd) < 0) {
            rc = fail_at(rd, rd->s, "expected the value of \"%.*s\", found the end of the file",
                         KEY(k, n));
            break;
        }
        if ((rc = member(rd, k, n)) != 0)
            break;
        int c = peek(rd);
        if (c == '}') {
            rd->s++;
            break;
        }
        if (c != ',') {
            rc = fail_at(rd, rd->s, "expected ',' or '}' after the value of \"%.*s\", found %s",
                         KEY(k, n), found(rd, rd->s, buf, sizeof buf));
            break;
        }
        const char *comma = rd->s++;
        if (peek(rd) == '}') {
            rc = fail_at(rd, comma, "trailing ',' after the value of \"%.*s\" (before '}')",
                         KEY(k, n));
            break;
        }
        json_decref(key);
        key = NULL;
    }
    json_decref(key);
    json_decref(seen);
    return rc;
}

static int is_key(const char *key, size_t len, const char *name)
{
    return len == strlen(name) && !memcmp(key, name, len);
}

/* One event: parsed, checked, made a record or a sample, freed. */
static int scan_event(reader *rd, size_t index)
{
    const char *at = rd->s;
    json_t *ev;
    tev e;
    int rc = load(rd, &ev);
    if (rc)
        return rc;
    rd->at = at;
    rc = read_event(rd, ev, index, &e);
    if (!rc)
        rc = add_event(rd, &e);
    json_decref(ev);
    rd->at = NULL;
    rd->key = NULL;   /* it was in ev */
    return rc;
}

/* One element of "runs" in "otherData". */
static int scan_run(reader *rd, size_t index)
{
    const char *at = rd->s;
    json_t *o;
    int64_t workers = 0, status = 0;
    int rc = load(rd, &o);
    if (rc)
        return rc;
    rd->at = at;
    rd->what = "run";
    rd->index = index;
    rd->key = NULL;
    dusk_run_record *run = NULL;
    if (!json_is_object(o))
        rc = bad(rd, "%s must be an object", where(rd));
    else if (!(run = dusk__push_run(rd->p)))
        rc = oom(rd);
    if (!rc)
        rc = time_field(rd, o, "begin", &run->begin_ns, NULL);
    if (!rc)
        rc = time_field(rd, o, "wall", &run->wall_ns, NULL);
    if (!rc)
        rc = count_field(rd, o, "ntasks", (uint64_t)1 << 48, &run->ntasks);
    if (!rc)
        rc = int_field(rd, o, "workers", 0, DUSK__PROF_MAX_WORKERS, &workers, NULL);
    if (!rc)
        rc = int_field(rd, o, "status", INT32_MIN, INT32_MAX, &status, NULL);
    if (!rc)  /* absent from traces older than the field: 0, unknown */
        rc = count_field(rd, o, "held_peak", (uint64_t)1 << 62, &run->held_peak);
    if (!rc) {
        run->workers = (int32_t)workers;
        run->status = (int32_t)status;
    }
    json_decref(o);
    rd->at = NULL;
    return rc;
}

/* The members of "otherData" but "runs", once its '}' is read. */
static int read_other(reader *rd, json_t *other)
{
    rd->what = "otherData";
    rd->index = SIZE_MAX;
    rd->key = NULL;
    json_t *metric = json_object_get(other, "cache_metric");
    if (metric && !json_is_string(metric))
        return bad(rd, "\"cache_metric\" must be a string");
    if (metric)
        rd->p->o.cache_metric = !strcmp(json_string_value(metric), "count") ? DUSK_CACHE_COUNT
                                                                            : DUSK_CACHE_BYTES;
    return count_field(rd, other, "lost", (uint64_t)1 << 62, &rd->p->lost);
}

static int other_member(reader *rd, const char *key, size_t len)
{
    char buf[48];
    json_t *v;
    if (is_key(key, len, "runs")) {
        if (*rd->s != '[')
            return fail_at(rd, rd->s, "\"runs\" must be an array, found %s",
                           found(rd, rd->s, buf, sizeof buf));
        rd->have_runs = 1;
        return scan_array(rd, "run", scan_run);
    }
    int rc = load(rd, &v);
    if (!rc && json_object_setn_new(rd->other, key, len, v))
        rc = oom(rd);
    return rc;
}

static int top_member(reader *rd, const char *key, size_t len)
{
    char buf[48];
    const char *at = rd->s;
    if (is_key(key, len, "traceEvents")) {
        if (*at != '[')
            return fail_at(rd, at, "\"traceEvents\" must be an array, found %s",
                           found(rd, at, buf, sizeof buf));
        rd->have_events = 1;
        return scan_array(rd, "event", scan_event);
    }
    if (is_key(key, len, "otherData")) {
        if (*at != '{')
            return fail_at(rd, at, "\"otherData\" must be an object, found %s",
                           found(rd, at, buf, sizeof buf));
        if (!(rd->other = json_object()))
            return oom(rd);
        int rc = scan_object(rd, "\"otherData\"", other_member);
        rd->at = at;
        if (!rc)
            rc = read_other(rd, rd->other);
        rd->at = NULL;
        json_decref(rd->other);
        rd->other = NULL;
        return rc;
    }
    /* Another tool's member: checked, not kept; an array one element at a
     * time (Chrome's "samples" can be large), anything else whole. */
    if (*at == '[')
        return scan_array(rd, "element", load_and_drop);
    return load_and_drop(rd, 0);
}

/* The whole text: a trace object, or the JSON Array Format (an array of
 * events), and nothing but blanks after it. */
static int scan_trace(reader *rd)
{
    char buf[48];
    int rc, c = peek(rd);
    if (c == '[') {
        rd->have_events = 1;
        rc = scan_array(rd, "event", scan_event);
    } else if (c == '{') {
        rc = scan_object(rd, "the trace", top_member);
    } else {
        return fail_at(rd, rd->s, "expected '{' or '[' (a trace), found %s",
                       found(rd, rd->s, buf, sizeof buf));
    }
    if (!rc && peek(rd) >= 0)
        rc = fail_at(rd, rd->s, "expected the end of the file after the trace, found %s",
                     found(rd, rd->s, buf, sizeof buf));
    if (!rc && !rd->have_events)
        rc = bad(rd, "no \"traceEvents\" array in the trace");
    return rc;
}

/* Records by (start, run, worker, end), then as in the file (a record's
 * group is still where its slice is in the text), so that tasks of one
 * worker come back in the order their slices were written even where the
 * ns times tie. */
static int by_start(const void *a, const void *b)
{
    const dusk_task_record *x = a, *y = b;
    if (x->start_ns != y->start_ns)
        return x->start_ns < y->start_ns ? -1 : 1;
    if (x->run != y->run)
        return x->run < y->run ? -1 : 1;
    if (x->worker != y->worker)
        return x->worker < y->worker ? -1 : 1;
    if (x->end_ns != y->end_ns)
        return x->end_ns < y->end_ns ? -1 : 1;
    return x->group < y->group ? -1 : x->group > y->group;
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

/* For sorting: ties (an id twice) in record order, so that the message
 * about them names the same one each time. */
static int by_id_index(const void *a, const void *b)
{
    const idref *x = a, *y = b;
    int c = by_id(a, b);
    return c ? c : x->index < y->index ? -1 : x->index > y->index;
}

static int by_pid_tid(const void *a, const void *b)
{
    const lane *x = *(const lane *const *)a, *y = *(const lane *const *)b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The records' workers, from their lanes (the threads that have tasks:
 * one whose only event is a B never ended is none). A trace with "runs"
 * is dusk's: its "tid" is the worker, 0..65535. So it is in a trace of
 * one process whose tids are small and nearly all used (an old dusk's, or
 * a tool's that numbers its workers 0, 1, 2 ...): tids 0 and 3 are 4
 * workers, one idle between them. Other tools name threads by the
 * system's ids (clang's -ftime-trace: pid 19822, tids 19822..19840), in
 * any number of processes: their workers are those threads, numbered
 * from 0 in (pid, tid) order, as trace viewers list them. */
static int number_workers(reader *rd)
{
    dusk_profiler *p = rd->p;
    size_t nl = rd->nlanes ? rd->nlanes : 1, nused = 0;
    int32_t *worker = dusk_malloc(nl * sizeof *worker);
    const lane **order = dusk_malloc(nl * sizeof *order);
    if (!worker || !order) {
        dusk_free(worker);
        dusk_free(order);
        return oom(rd);
    }
    for (size_t i = 0; i < rd->nlanes; i++)
        worker[i] = -1;
    for (size_t i = 0; i < p->nrecs; i++)
        worker[p->recs[i].worker] = 0;   /* used */
    int small = 1;
    int64_t top = 0;
    for (size_t i = 0; i < rd->nlanes; i++) {
        const lane *l = &rd->lanes[i];
        if (worker[i] < 0)
            continue;
        order[nused++] = l;
        if (l->tid < 0 || l->tid >= DUSK__PROF_MAX_WORKERS || l->pid != order[0]->pid)
            small = 0;
        else if (l->tid > top)
            top = l->tid;
        if (rd->have_runs && (l->tid < 0 || l->tid >= DUSK__PROF_MAX_WORKERS)) {
            rd->at = l->at;
            rd->what = "event";
            rd->index = l->index;
            rd->key = NULL;
            dusk_free(worker);
            dusk_free(order);
            return bad(rd, "%s: worker (tid) %lld is out of range 0..%d", where(rd),
                       (long long)l->tid, DUSK__PROF_MAX_WORKERS - 1);
        }
    }
    /* Other tools' threads are the workers, numbered densely: tids 3 and 9
     * were read as 10 workers, 8 never busy (parallel efficiency 20 %).
     * dusk's own traces keep their worker numbers: those with runs, and
     * those without, which name each thread "worker <tid>" in a process
     * named "dusk", or whose tasks have task.record instants (format 2). */
    int direct = rd->have_runs ||
                 (small && rd->dusk_process && rd->other_thread_names == 0);
    if (!direct)
        qsort(order, nused, sizeof *order, by_pid_tid);
    for (size_t i = 0; i < nused; i++)
        worker[order[i] - rd->lanes] = direct ? (int32_t)order[i]->tid : (int32_t)i;
    for (size_t i = 0; i < p->nrecs; i++)
        p->recs[i].worker = worker[p->recs[i].worker];
    dusk_free(worker);
    dusk_free(order);
    return 0;
}

/* What a message about record r calls it, "task 'inc-3'", or for a task
 * of a B and its E both places (see where()); the message is at its event
 * (its B), which its group points to until dusk__intern_records. */
static const char *task_of(reader *rd, const dusk_task_record *r)
{
    rd->at = r->group;
    rd->slice_end = rd->slice_name = NULL;
    for (size_t k = 0; k < rd->nspans; k++)
        if (rd->spans[k].b == r->group) {
            rd->slice_end = rd->spans[k].e;
            rd->slice_name = rd->spans[k].named ? r->func : NULL;
            return where(rd);
        }
    snprintf(rd->ctx, sizeof rd->ctx, "task '%s'", r->key);
    return rd->ctx;
}

/* Checks the records against the runs and turns dependency ids into
 * record indices. The messages about a task are at its event, which its
 * record's group points to until dusk__intern_records. */
static int finish_records(reader *rd)
{
    dusk_profiler *p = rd->p;
    int rc = number_workers(rd);
    if (rc)
        return rc;
    if (!rd->have_runs) {
        /* A trace of another tool (or of an old dusk): a run around the
         * records of each run index they name. */
        int32_t nr = 0;
        for (size_t i = 0; i < p->nrecs; i++)
            if (p->recs[i].run + 1 > nr)
                nr = p->recs[i].run + 1;
        if (nr > 1 << 20)
            return bad(rd, "%d runs, and no \"runs\" in \"otherData\"", nr);
        for (int32_t k = 0; k < (nr ? nr : 1); k++) {
            dusk_run_record *run = dusk__push_run(p);
            if (!run)
                return oom(rd);
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
        rd->at = r->group;
        if ((size_t)r->run >= p->nruns)
            return bad(rd, "%s is in run %d, but the trace has %zu run(s)", task_of(rd, r),
                       r->run, p->nruns);
        if (r->worker >= p->runs[r->run].workers)
            return bad(rd, "%s ran on worker %d, but run %d has %d worker(s)", task_of(rd, r),
                       r->worker, r->run, p->runs[r->run].workers);
        /* A run's events are timed from its begin (dusk_profiler_run_events),
         * which must not come after its tasks: a run's "begin" in the trace
         * is rounded to 1/1024 us (and past 2^53 units to a double), and
         * another tool may say anything. Such a run begins with its first
         * task and ends where it did. */
        dusk_run_record *run = &p->runs[r->run];
        if (r->start_ns < run->begin_ns) {
            run->wall_ns += run->begin_ns - r->start_ns;
            run->begin_ns = r->start_ns;
        }
    }
    rd->at = NULL;
    if (p->nrecs)
        qsort(p->recs, p->nrecs, sizeof *p->recs, by_start);
    if (p->nsamples)
        qsort(p->samples, p->nsamples, sizeof *p->samples, by_sample_time);
    idref *ids = dusk_malloc((p->nrecs ? p->nrecs : 1) * sizeof *ids);
    if (!ids)
        return oom(rd);
    for (size_t i = 0; i < p->nrecs; i++)
        ids[i] = (idref){p->recs[i].run, p->recs[i].task, i};
    qsort(ids, p->nrecs, sizeof *ids, by_id_index);
    for (size_t i = 1; i < p->nrecs; i++)
        if (ids[i].run == ids[i - 1].run && ids[i].task == ids[i - 1].task) {
            const dusk_task_record *r = &p->recs[ids[i].index];
            const char *who = task_of(rd, r);
            if (rd->slice_end)
                rc = bad(rd, "task id %lld appears twice in run %lld (%s)",
                         (long long)ids[i].task, (long long)ids[i].run, who);
            else
                rc = bad(rd, "task id %lld appears twice in run %lld ('%s')",
                         (long long)ids[i].task, (long long)ids[i].run, r->key);
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
                return bad(rd, "%s depends on task id %zu, which is not in run %d of the trace",
                           task_of(rd, r), deps[k], r->run);
            }
            if (hit->index == i) {
                dusk_free(ids);
                return bad(rd, "%s depends on itself", task_of(rd, r));
            }
            deps[k] = hit->index;
        }
    }
    rd->at = NULL;
    dusk_free(ids);
    if (dusk__intern_records(p, 0))
        return oom(rd);
    return 0;
}

int dusk_profiler_read_trace_buffer(const char *data, size_t n, const char *name,
                                    dusk_profiler **out, dusk_error *err)
{
    reader rd;
    if (out)
        *out = NULL;
    if (n)
        DUSK__NONNULL(err, data);
    DUSK__NONNULL(err, out);
    memset(&rd, 0, sizeof rd);
    rd.name = name ? name : "trace";
    rd.err = err;
    rd.text = rd.s = data ? data : "";
    rd.end = rd.text + n;
    rd.p = dusk__new_readonly();
    int rc = rd.p ? scan_trace(&rd) : oom(&rd);
    if (!rc)
        rc = finish_records(&rd);
    for (size_t i = 0; i < rd.nlanes; i++)
        dusk_free(rd.lanes[i].begun);
    dusk_free(rd.spans);
    dusk_free(rd.lanes);
    dusk_free(rd.lanehash);
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
    DUSK__NONNULL(err, path);
    DUSK__NONNULL(err, out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return dusk_error_set(err, DUSK_EIO, "cannot read %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *data = dusk_malloc(cap);
    int rc = 0, read_errno = 0;
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
        errno = 0;
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            read_errno = errno;   /* why, for the message (a directory: EISDIR) */
            break;
        }
    }
    if (!data)
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory reading %s", path);
    else if (ferror(f))
        rc = dusk_error_set(err, DUSK_EIO, "cannot read %s: %s", path,
                            read_errno ? strerror(read_errno) : "read failed");
    fclose(f);
    if (!rc)
        rc = dusk_profiler_read_trace_buffer(data, n, path, out, err);
    dusk_free(data);
    return rc;
}
