/*
** dusk gui — replaying a trace file in a viewer
**
** dusk_viewer_load_trace turns what dusk_profiler_read_trace gives back
** into what a live run would have handed the viewer: a plan and a run's
** events. There is no plan made from records, so one is built the way a
** user's program builds one: a dusk_graph with an entry per recorded task
** of the run, under the recorded key, referring to its recorded
** dependencies by key, planned for the tasks nothing depends on (which
** needs every task). Values and aliases come back as values and aliases;
** every other task calls a function of the recorded name whose code
** refuses to run (the plan is only looked at). The plan points to those
** functions, so they live in the viewer (v->replayed) until it is freed.
**
** The events (dusk_profiler_run_events) name tasks by their ids in the
** recorded run's graph; they are renamed to the new graph's, where the
** run's j-th record (by start time) is the j-th key set: id j.
**
** Everything that can fail is done before the viewer is touched.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "dusk/graph.h"
#include "dusk/profiler.h"
#include "gui.h"

/* One load's functions and their names, in an arena; the viewer keeps a
 * list of them. */
struct dusk__replayed {
    struct dusk__replayed *next;
    dusk__arena mem;
};

void dusk__replayed_free(struct dusk__replayed *r)
{
    while (r) {
        struct dusk__replayed *next = r->next;
        dusk__arena_free(&r->mem);
        dusk_free(r);
        r = next;
    }
}

static int never_runs(dusk_value *const *args, size_t nargs, dusk_value **out,
                      dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)out;
    (void)ud;
    return dusk_error_set(err, DUSK_EINVAL, "a task replayed from a trace cannot run");
}

typedef struct {
    int64_t old;    /* the task's id in the recorded run */
    int64_t id;     /* ... in the replay's graph */
} idmap;

static int by_old(const void *a, const void *b)
{
    const idmap *x = a, *y = b;
    return (x->old > y->old) - (x->old < y->old);
}

/* What a load builds before the viewer is touched. */
typedef struct {
    const char *path;
    dusk_error *err;
    dusk_profiler *prof;
    size_t n;                  /* the run's records */
    size_t *rec;               /* j -> record index */
    int64_t *pos;              /* record index -> j, -1 outside the run */
    dusk__strtab keys;         /* id j -> its key in the replay */
    dusk__strtab funcs;        /* distinct function names */
    int64_t *func_of;          /* j -> function name id */
    struct dusk__replayed *fmem;
    dusk_func *fn;             /* per function name id, in fmem */
    dusk_graph *g;
    dusk_plan *plan;
    dusk_event *ev;
    size_t nev;
    idmap *map;
} loader;

static int oom(loader *L)
{
    return dusk_error_set(L->err, DUSK_ENOMEM, "%s: out of memory replaying the trace",
                          L->path);
}

/* A key for record j: the recorded one, or it with " #<j>" (then
 * ".<m>") when another record of the run has it already. */
static int key_of(loader *L, size_t j, const char *key)
{
    if (!*key)
        key = "task";
    for (unsigned m = 0;; m++) {
        dusk__buf b = {0};
        if (m == 0)
            dusk__buf_puts(&b, key);
        else if (m == 1)
            dusk__buf_printf(&b, "%s #%zu", key, j);
        else
            dusk__buf_printf(&b, "%s #%zu.%u", key, j, m - 1);
        size_t before = L->keys.n;
        int64_t id = b.failed ? -1 : dusk__strtab_intern(&L->keys, b.data, b.len);
        dusk__buf_free(&b);
        if (id < 0)
            return oom(L);
        if (L->keys.n > before)
            return 0;
    }
}

/* The run's records, their keys and functions. */
static int gather(loader *L, size_t run)
{
    size_t nrecs = dusk_profiler_ntasks(L->prof);
    const dusk_task_record *r = dusk_profiler_tasks(L->prof);
    for (size_t i = 0; i < nrecs; i++)
        L->n += (size_t)r[i].run == run;
    if (!L->n)   /* the tasks are other runs' */
        return dusk_error_set(L->err, DUSK_EEMPTY, "%s: the trace has no tasks", L->path);
    L->rec = dusk_malloc((L->n ? L->n : 1) * sizeof *L->rec);
    L->pos = dusk_malloc((nrecs ? nrecs : 1) * sizeof *L->pos);
    L->func_of = dusk_malloc((L->n ? L->n : 1) * sizeof *L->func_of);
    if (!L->rec || !L->pos || !L->func_of)
        return oom(L);
    size_t j = 0;
    for (size_t i = 0; i < nrecs; i++) {
        L->pos[i] = -1;
        if ((size_t)r[i].run != run)
            continue;
        L->pos[i] = (int64_t)j;
        L->rec[j] = i;
        int rc = key_of(L, j, r[i].key ? r[i].key : "");
        if (rc)
            return rc;
        const char *f = r[i].func ? r[i].func : "?";
        if ((L->func_of[j] = dusk__strtab_intern(&L->funcs, f, strlen(f))) < 0)
            return oom(L);
        j++;
    }
    /* the functions, where the plan can point to them for the viewer's life */
    L->fmem = dusk_calloc(1, sizeof *L->fmem);
    if (!L->fmem)
        return oom(L);
    size_t nf = L->funcs.n;
    L->fn = dusk__arena_alloc(&L->fmem->mem, (nf ? nf : 1) * sizeof *L->fn);
    if (!L->fn)
        return oom(L);
    for (size_t k = 0; k < nf; k++) {
        const char *name = dusk__strtab_text(&L->funcs, (int64_t)k);
        char *copy = dusk__arena_strndup(&L->fmem->mem, name, strlen(name));
        if (!copy)
            return oom(L);
        L->fn[k] = (dusk_func){copy, never_runs, NULL};
    }
    return 0;
}

/* The graph of the run's records, and its plan. */
static int build_plan(loader *L)
{
    const dusk_task_record *r = dusk_profiler_tasks(L->prof);
    unsigned char *needed = dusk_calloc(L->n ? L->n : 1, 1);   /* something depends on it */
    const char **req = dusk_malloc((L->n ? L->n : 1) * sizeof *req);
    dusk_arg **args = NULL;
    size_t args_cap = 0, nreq = 0;
    int rc = needed && req && (L->g = dusk_graph_new()) ? 0 : DUSK_ENOMEM;
    for (size_t j = 0; j < L->n && !rc; j++) {
        const dusk_task_record *t = &r[L->rec[j]];
        const char *key = dusk__strtab_text(&L->keys, (int64_t)j);
        const char *f = L->fn[L->func_of[j]].name;
        /* the reader keeps a record's deps within its run */
        for (uint32_t k = 0; k < t->ndeps; k++)
            needed[L->pos[t->deps[k]]] = 1;
        if (t->ndeps == 0 && !strcmp(f, "(value)")) {
            rc = dusk_graph_value(L->g, key, dusk_none());
        } else if (t->ndeps == 1 && !strcmp(f, "(alias)")) {
            rc = dusk_graph_alias(L->g, key, dusk__strtab_text(&L->keys, L->pos[t->deps[0]]));
        } else {
            if (t->ndeps > args_cap) {
                dusk_arg **a = dusk_realloc(args, t->ndeps * sizeof *a);
                if (!a) {
                    rc = DUSK_ENOMEM;
                    break;
                }
                args = a;
                args_cap = t->ndeps;
            }
            for (uint32_t k = 0; k < t->ndeps; k++)
                args[k] = dusk_ref(dusk__strtab_text(&L->keys, L->pos[t->deps[k]]));
            rc = dusk_graph_taskv(L->g, key, &L->fn[L->func_of[j]], t->ndeps, args);
        }
    }
    dusk_free(args);
    for (size_t j = 0; !rc && j < L->n; j++)
        if (!needed[j])
            req[nreq++] = dusk__strtab_text(&L->keys, (int64_t)j);
    dusk_free(needed);
    dusk_error e = DUSK_ERROR_INIT;
    if (!rc)
        rc = dusk_plan_new(L->g, req, nreq, &L->plan, &e);
    else if (L->g)
        dusk_graph_status(L->g, &e);
    dusk_free(req);
    if (rc == DUSK_ENOMEM)
        return oom(L);
    /* a cycle, say: the trace is what is wrong */
    if (rc)
        return dusk_error_set(L->err, DUSK_EINVAL,
                              "%s: the recorded tasks do not make a plan: %s", L->path, e.msg);
    return 0;
}

/* The run's events, renamed to the replay's ids. */
static int events(loader *L, size_t run)
{
    if (dusk_profiler_run_events(L->prof, run, &L->ev, &L->nev) != 0)
        return oom(L);   /* the run is there: only memory can fail */
    const dusk_task_record *r = dusk_profiler_tasks(L->prof);
    L->map = dusk_malloc((L->n ? L->n : 1) * sizeof *L->map);
    if (!L->map)
        return oom(L);
    for (size_t j = 0; j < L->n; j++)
        L->map[j] = (idmap){r[L->rec[j]].task, (int64_t)j};
    qsort(L->map, L->n, sizeof *L->map, by_old);
    for (size_t i = 0; i < L->nev; i++) {
        dusk_event *e = &L->ev[i];
        if (e->task < 0)
            continue;
        idmap want = {e->task, 0};
        const idmap *hit = bsearch(&want, L->map, L->n, sizeof *L->map, by_old);
        e->task = hit ? hit->id : -1;   /* every event is of a record: always hit */
    }
    return 0;
}

/* The trace's RSS samples within the run, from its start. */
static int rss_of(loader *L, size_t run, dusk_held_point **out, size_t *n)
{
    const dusk_run_record *rr = &dusk_profiler_runs(L->prof)[run];
    const dusk_resource_sample *s = dusk_profiler_samples(L->prof);
    size_t ns = dusk_profiler_nsamples(L->prof), k = 0;
    *out = dusk_malloc((ns ? ns : 1) * sizeof **out);
    if (!*out)
        return oom(L);
    for (size_t i = 0; i < ns; i++)
        if (s[i].t_ns >= rr->begin_ns && s[i].t_ns - rr->begin_ns <= rr->wall_ns)
            (*out)[k++] = (dusk_held_point){s[i].t_ns - rr->begin_ns, s[i].rss};
    *n = k;
    return 0;
}

int dusk_viewer_load_trace(dusk_viewer *v, const char *path, dusk_error *err)
{
    DUSK__NONNULL(err, v);
    DUSK__NONNULL(err, path);
    loader L = {.path = path, .err = err};
    dusk_held_point *rss = NULL;
    size_t nrss = 0, run = 0;
    int rc = dusk_profiler_read_trace(path, &L.prof, err);
    /* nothing to show: say so rather than open an empty window */
    if (!rc && dusk_profiler_ntasks(L.prof) == 0)
        rc = dusk_error_set(err, DUSK_EEMPTY, "%s: the trace has no tasks", path);
    if (!rc && dusk_profiler_nruns(L.prof) <= run)
        rc = dusk_error_set(err, DUSK_EINVAL, "%s: the trace has no run", path);
    if (!rc)
        rc = gather(&L, run);
    if (!rc)
        rc = build_plan(&L);
    if (!rc)
        rc = events(&L, run);
    if (!rc)
        rc = rss_of(&L, run, &rss, &nrss);
    if (!rc && (!L.nev || L.ev[0].kind != DUSK_EV_RUN_BEGIN))
        rc = dusk_error_set(err, DUSK_EINVAL, "%s: run %zu has no beginning", path, run);
    if (!rc) {
        /* the viewer from here on: nothing below fails but laying out */
        L.fmem->next = v->replayed;
        v->replayed = L.fmem;
        L.fmem = NULL;
        dusk__begin_with(v, L.plan, &L.ev[0]);
        if (!v->state) {
            rc = dusk_error_set(err, DUSK_ENOMEM, "%s: out of memory laying out %zu tasks",
                                path, dusk_plan_ntasks(L.plan));
        } else {
            dusk_viewer_feed(v, L.ev + 1, L.nev - 1);
            dusk_free(v->rss);   /* the run's, from the trace */
            v->rss = rss;
            v->nrss = v->rss_cap = nrss;
            rss = NULL;
            dusk_viewer_seek(v, 0);
        }
    }
    dusk_free(rss);
    dusk_free(L.map);
    dusk_free(L.ev);
    dusk_plan_unref(L.plan);
    dusk_graph_free(L.g);
    dusk__replayed_free(L.fmem);
    dusk_free(L.func_of);
    dusk__strtab_free(&L.funcs);
    dusk__strtab_free(&L.keys);
    dusk_free(L.pos);
    dusk_free(L.rec);
    dusk_profiler_free(L.prof);
    return rc;
}
