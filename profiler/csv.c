/*
** dusk profiler — CSV of the task records, the resource samples and the
** cache series
**
** RFC 4180: a header line, comma-separated fields, a field that holds a
** comma, a quote or a line break is quoted with its quotes doubled (tuple
** keys such as ('x', 0) are); lines end with LF, which every CSV reader
** (pandas, R, spreadsheets) accepts. The text is UTF-8, as readers
** decode it (pandas and Python's csv module fail on anything else): a
** byte of a key or name that is not UTF-8 is taken as Latin-1, as the
** trace writes it. Numbers are plain integers (times in
** ns, sizes in bytes) except CPU %, with two decimals; "%.0f" of a cache
** value is an integer too (bytes or counts).
**
** Formula injection (OWASP "CSV injection"): a spreadsheet opening the
** file runs a cell that begins with =, +, -, @, a tab or a carriage
** return as a formula (a key "=HYPERLINK(...)" becomes a link that sends
** data away). A text cell (key, function, group) that so begins is
** written quoted with a ' in front, "'=HYPERLINK(...)", which spreadsheets
** show as text (a key "-1" too: "'-1"), as OWASP recommends. Number
** columns (ids, workers, times, sizes, the status, whose error codes are
** negative) never are: a negative status stays a number. Other text is
** written as RFC 4180 says, unchanged.
*/
#include <inttypes.h>
#include <string.h>

#include "prof.h"

/* A text cell (never a number column: see the top). 0, or -1 when tmp
 * (for a name made UTF-8) cannot grow. */
static int csv_field(FILE *f, const char *s, dusk__buf *tmp)
{
    if (!(s = dusk__utf8_text(s, tmp)))
        return -1;
    int formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return 0;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
    return 0;
}

/* Closes o, or on a failed tmp discards it and says so. */
static int csv_close(dusk__atomic *o, dusk__buf *tmp, const char *path, dusk_error *err)
{
    int failed = tmp->failed;
    dusk__buf_free(tmp);
    int rc = dusk__atomic_close(o, !failed, err);
    return failed ? dusk_error_set(err, DUSK_ENOMEM, "out of memory writing %s", path) : rc;
}

int dusk_profiler_write_tasks_csv(dusk_profiler *p, const char *path, dusk_error *err)
{
    dusk__atomic o;
    dusk__buf tmp = {0};
    int rc;
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, path);
    if ((rc = dusk__prepare(p)) != 0)
        return dusk_error_set(err, rc, "out of memory preparing the records for %s", path);
    if ((rc = dusk__atomic_open(&o, path, err)) != 0)
        return rc;
    fputs("task,key,function,group,worker,run,start_ns,end_ns,duration_ns,released_ns,"
          "nbytes,status\n", o.f);
    for (size_t i = 0; i < p->nrecs; i++) {
        const dusk_task_record *r = &p->recs[i];
        fprintf(o.f, "%" PRId64 ",", r->task);
        if (csv_field(o.f, r->key, &tmp) != 0)
            break;
        fputc(',', o.f);
        if (csv_field(o.f, r->func, &tmp) != 0)
            break;
        fputc(',', o.f);
        if (csv_field(o.f, r->group, &tmp) != 0)
            break;
        fprintf(o.f, ",%" PRId32 ",%" PRId32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                     ",%" PRIu64 ",%" PRId32 "\n",
                r->worker, r->run, r->start_ns, r->end_ns, r->end_ns - r->start_ns,
                r->released_ns, r->nbytes, r->status);
        if (dusk__atomic_check(&o) != 0)
            break;
    }
    return csv_close(&o, &tmp, path, err);
}

int dusk_profiler_write_resources_csv(dusk_profiler *p, const char *path, dusk_error *err)
{
    dusk__atomic o;
    int rc;
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, path);
    if ((rc = dusk__prepare(p)) != 0)
        return dusk_error_set(err, rc, "out of memory preparing the records for %s", path);
    if ((rc = dusk__atomic_open(&o, path, err)) != 0)
        return rc;
    fputs("t_ns,rss_bytes,held_bytes,cpu_percent\n", o.f);
    for (size_t i = 0; i < p->nsamples; i++) {
        const dusk_resource_sample *s = &p->samples[i];
        uint64_t c = s->cpu > 0 && s->cpu < 1e15 ? (uint64_t)(s->cpu * 100 + 0.5) : 0;
        fprintf(o.f, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ".%02u\n", s->t_ns, s->rss,
                s->held, c / 100, (unsigned)(c % 100));
        if (dusk__atomic_check(&o) != 0)
            break;
    }
    return dusk__atomic_close(&o, 1, err);
}

int dusk_profiler_write_cache_csv(dusk_profiler *p, const char *path, dusk_error *err)
{
    dusk__atomic o;
    dusk__buf tmp = {0};
    int rc;
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, path);
    if ((rc = dusk__cache(p)) != 0 || !p->have_cache)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory writing %s", path);
    if ((rc = dusk__atomic_open(&o, path, err)) != 0)
        return rc;
    fputs("t_ns,group,value\n", o.f);
    for (size_t k = 0; k <= p->nseries_groups; k++) {
        const char *g = k < p->nseries_groups ? dusk__strtab_text(&p->groups, p->group_order[k]) : "(all groups)";
        for (size_t i = 0; i < p->nseries[k]; i++) {
            fprintf(o.f, "%" PRIu64 ",", p->series[k][i].t_ns);
            if (csv_field(o.f, g, &tmp) != 0)
                break;
            fprintf(o.f, ",%.0f\n", p->series[k][i].value);
            if (dusk__atomic_check(&o) != 0)
                break;
        }
    }
    return csv_close(&o, &tmp, path, err);
}
