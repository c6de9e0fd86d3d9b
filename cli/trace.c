/*
** dusk cli — the graph of a recorded run, for `dusk render TRACE.json`
**
** A trace holds records, not a graph. The graph is rebuilt the way the
** live viewer's replay does it (gui/replay.c), through the public API
** only: per record of the first run, in record order (by start time), a
** key (the recorded one; " #j" appended when the run has it twice), a
** task calling a function of the recorded name that refuses to run (the
** picture only reads it), referring to its recorded dependencies; values
** and aliases come back as such. The run's events
** (dusk_profiler_run_events) name tasks by their ids in the recorded
** graph and are renamed to the new one's, where record j has id j.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dusk/alloc.h>
#include <dusk/graph.h>
#include <dusk/profiler.h>

#include "cli/cli.h"

static int never_runs(dusk_value *const *args, size_t nargs, dusk_value **out,
                      dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)out;
    (void)ud;
    return dusk_error_set(err, DUSK_EINVAL, "a task drawn from a trace cannot run");
}

void cli_trace_graph_free(cli_trace_graph *t)
{
    dusk_graph_free(t->g);
    dusk_free(t->ev);
    for (size_t i = 0; i < t->nfuncs; i++)
        free((char *)t->funcs[i].name);
    free(t->funcs);
    memset(t, 0, sizeof *t);
}

typedef struct {
    int64_t old;   /* the task's id in the recorded run */
    int64_t id;    /* ... in the rebuilt graph */
} idmap;

static int by_old(const void *a, const void *b)
{
    const idmap *x = a, *y = b;
    return (x->old > y->old) - (x->old < y->old);
}

static int oom(const char *path, dusk_error *err)
{
    dusk_error_set(err, DUSK_ENOMEM, "%s: out of memory drawing the trace", path);
    return 1;
}

int cli_trace_graph_load(const char *path, cli_trace_graph *t, dusk_error *err)
{
    memset(t, 0, sizeof *t);
    dusk_profiler *prof = NULL;
    if (dusk_profiler_read_trace(path, &prof, err) != 0)
        return 1;
    if (dusk_profiler_nruns(prof) == 0) {
        dusk_profiler_free(prof);
        dusk_error_set(err, DUSK_EINVAL, "%s: the trace has no run", path);
        return 1;
    }
    size_t nrec = dusk_profiler_ntasks(prof), n = 0;
    const dusk_task_record *r = dusk_profiler_tasks(prof);
    for (size_t i = 0; i < nrec; i++)
        n += r[i].run == 0;
    if (n == 0) {   /* no graph to draw, rather than an empty picture */
        dusk_profiler_free(prof);
        dusk_error_set(err, DUSK_EEMPTY, "%s: the trace has no tasks", path);
        return 1;
    }
    int64_t *pos = malloc((nrec ? nrec : 1) * sizeof *pos);   /* record -> j */
    size_t *rec = malloc((n ? n : 1) * sizeof *rec);          /* j -> record */
    char **keys = calloc(n ? n : 1, sizeof *keys);
    t->funcs = calloc(n ? n : 1, sizeof *t->funcs);
    t->g = dusk_graph_new();
    dusk_arg **args = NULL;
    int rc = pos && rec && keys && t->funcs && t->g ? 0 : oom(path, err);
    size_t j = 0;
    for (size_t i = 0; i < nrec && !rc; i++) {
        pos[i] = -1;
        if (r[i].run != 0)
            continue;
        pos[i] = (int64_t)j;
        rec[j] = i;
        const char *k = r[i].key && *r[i].key ? r[i].key : "task";
        size_t len = strlen(k) + 32;
        if (!(keys[j] = malloc(len)))
            rc = oom(path, err);
        else if (dusk_graph_find(t->g, k) < 0)
            snprintf(keys[j], len, "%s", k);
        else
            snprintf(keys[j], len, "%s #%zu", k, j);
        /* claim the key now, so that a later duplicate sees it taken */
        if (!rc && dusk_graph_value(t->g, keys[j], dusk_none()) != 0)
            rc = oom(path, err);
        j++;
    }
    /* every entry again, now that every key has its name */
    for (j = 0; j < n && !rc; j++) {
        const dusk_task_record *x = &r[rec[j]];
        const char *f = x->func ? x->func : "?";
        if (x->ndeps == 0 && !strcmp(f, "(value)"))
            continue;
        if (x->ndeps == 1 && !strcmp(f, "(alias)")) {
            if (dusk_graph_alias(t->g, keys[j], keys[pos[x->deps[0]]]) != 0)
                rc = oom(path, err);
            continue;
        }
        char *name = strdup(f);
        if (!name) {
            rc = oom(path, err);
            break;
        }
        t->funcs[t->nfuncs] = (dusk_func){name, never_runs, NULL};
        dusk_arg **a = realloc(args, (x->ndeps ? x->ndeps : 1) * sizeof *a);
        if (!a) {
            rc = oom(path, err);
            break;
        }
        args = a;
        for (uint32_t k = 0; k < x->ndeps; k++)
            args[k] = dusk_ref(keys[pos[x->deps[k]]]);
        if (dusk_graph_taskv(t->g, keys[j], &t->funcs[t->nfuncs++], x->ndeps, args) != 0)
            rc = oom(path, err);
    }
    if (!rc && dusk_profiler_run_events(prof, 0, &t->ev, &t->nev) != 0)
        rc = oom(path, err);
    /* rename the events' tasks: recorded id -> j (records keep their run's ids) */
    idmap *map = rc ? NULL : malloc((n ? n : 1) * sizeof *map);
    if (!rc && !map)
        rc = oom(path, err);
    for (j = 0; j < n && !rc; j++)
        map[j] = (idmap){r[rec[j]].task, (int64_t)j};
    if (!rc)
        qsort(map, n, sizeof *map, by_old);
    for (size_t e = 0; e < t->nev && !rc; e++) {
        if (t->ev[e].task < 0)
            continue;
        idmap want = {t->ev[e].task, 0};
        const idmap *hit = bsearch(&want, map, n, sizeof *map, by_old);
        t->ev[e].task = hit ? hit->id : -1;
    }
    free(map);
    if (!rc) {
        dusk_error e = DUSK_ERROR_INIT;
        if (dusk_graph_validate(t->g, &e) != 0) {
            dusk_error_set(err, DUSK_EINVAL, "%s: the recorded tasks do not make a graph: %s",
                           path, e.msg);
            rc = 1;
        }
    }
    free(args);
    for (j = 0; keys && j < n; j++)
        free(keys[j]);
    free(keys);
    free(rec);
    free(pos);
    dusk_profiler_free(prof);
    if (rc)
        cli_trace_graph_free(t);
    return rc;
}
