/*
** dusk — task graphs: building, reading, validating, culling, ordering
**
** Building interns every key text once (names, in the toolbox's interner)
** and stores each set key as a task. Nothing is checked while building, as
** a dict checks nothing: a reference may name a key set later. Validation (dusk__graph_finalize)
** resolves references, builds dependency and dependent lists, finds cycles
** with Kahn's algorithm, and computes each task's height (its longest chain
** of dependencies), which ordering uses. Any change drops what validation
** built, and the last plan made from it (core/plan.c); what plans share
** with the graph (the key text, the lists of a version) lives in counted
** keeps, which a change or dusk_graph_free lets go of instead of freeing.
*/
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/plan.h"
#include "graph.h"

/* --- names --------------------------------------------------------------- */

/* The name id of key, interning it if new; -1 on allocation failure (the
 * graph is unchanged). name_task grows first, so that a new name always
 * has its slot. */
static int64_t name_intern_h(dusk_graph *g, const char *s, size_t len, uint64_t h);

static int64_t name_intern(dusk_graph *g, const char *s)
{
    size_t len = strlen(s);
    return name_intern_h(g, s, len, dusk__hash_bytes(s, len));
}

/* The same for the len bytes at s, whose dusk__hash_bytes is h. */
static int64_t name_intern_h(dusk_graph *g, const char *s, size_t len, uint64_t h)
{
    if (g->names.n == g->name_task_cap) {
        size_t cap = g->name_task_cap ? g->name_task_cap * 2 : 256;
        uint32_t *nt = dusk_realloc(g->name_task, cap * sizeof *nt);
        if (!nt)
            return -1;
        g->name_task = nt;
        g->name_task_cap = cap;
    }
    size_t n = g->names.n;
    int64_t id = dusk__strtab_intern_h(&g->names, s, len, h);
    if (id >= 0 && (size_t)id == n)
        g->name_task[id] = DUSK__NO_TASK;   /* new: only referenced so far */
    return id;
}

/* --- arguments ----------------------------------------------------------- */

static dusk_arg *arg_new(int kind)
{
    dusk_arg *a = dusk_malloc(sizeof *a);
    if (a) {
        a->kind = kind;
        a->depth = 0;
    }
    return a;
}

dusk_arg *dusk_ref(const char *key)
{
    if (!key)
        return NULL;
    dusk_arg *a = arg_new(DUSK__ARG_REF);
    if (!a)
        return NULL;
    a->u.ref.text = dusk_strdup(key);
    a->u.ref.name = -1;
    if (!a->u.ref.text) {
        dusk_free(a);
        return NULL;
    }
    return a;
}

dusk_arg *dusk_lit(dusk_value *v)
{
    if (!v)
        return NULL;
    dusk_arg *a = arg_new(DUSK__ARG_LIT);
    if (!a) {
        dusk_value_unref(v);
        return NULL;
    }
    a->u.lit = v;
    a->depth = dusk__depth(v);   /* DUSK__TOO_DEEP stays: the task refuses it */
    return a;
}

dusk_arg *dusk_lit_int(int64_t i) { return dusk_lit(dusk_int(i)); }
dusk_arg *dusk_lit_float(double d) { return dusk_lit(dusk_float(d)); }
dusk_arg *dusk_lit_str(const char *s) { return s ? dusk_lit(dusk_string(s)) : NULL; }

dusk_arg *dusk_listv(size_t n, dusk_arg **items)
{
    dusk_arg *a = NULL;
    int ok = 1;
    if (!items && n)
        return NULL;
    int depth = 0;
    for (size_t i = 0; i < n; i++)
        if (!items[i])
            ok = 0;
        else if (items[i]->depth > depth)
            depth = items[i]->depth;
    if (n > UINT32_MAX)   /* a task keeps a list's length in 32 bits */
        ok = 0;
    if (ok && depth >= DUSK_MAX_DEPTH) {
        /* Too deep: the items go now (each at most the limit deep), and
         * the empty list left says so to the task or request it joins. */
        for (size_t i = 0; i < n; i++)
            dusk_arg_free(items[i]);
        if ((a = arg_new(DUSK__ARG_LIST))) {
            a->u.list.n = 0;
            a->u.list.items = NULL;
            a->depth = DUSK__TOO_DEEP;
        }
        return a;
    }
    if (ok && (a = arg_new(DUSK__ARG_LIST))) {
        a->depth = depth + 1;
        a->u.list.n = n;
        a->u.list.items = dusk_malloc((n ? n : 1) * sizeof *items);
        if (!a->u.list.items) {
            dusk_free(a);
            a = NULL;
        }
    }
    if (!a) {
        for (size_t i = 0; i < n; i++)
            dusk_arg_free(items[i]);
        return NULL;
    }
    if (n)
        memcpy(a->u.list.items, items, n * sizeof *items);
    return a;
}

void dusk_arg_free(dusk_arg *a)
{
    if (!a)
        return;
    switch (a->kind) {
    case DUSK__ARG_LIT:
        dusk_value_unref(a->u.lit);
        break;
    case DUSK__ARG_REF:
        dusk_free(a->u.ref.text);
        break;
    case DUSK__ARG_LIST:
        for (size_t i = 0; i < a->u.list.n; i++)
            dusk_arg_free(a->u.list.items[i]);
        dusk_free(a->u.list.items);
        break;
    }
    dusk_free(a);
}

/* Interns the references of a (recursively), dropping their text. Sets
 * *has_list when a list is met. */
static int arg_intern(dusk_graph *g, dusk_arg *a, int *has_list)
{
    switch (a->kind) {
    case DUSK__ARG_REF:
        if (a->u.ref.text) {
            int64_t id = name_intern(g, a->u.ref.text);
            if (id < 0)
                return DUSK_ENOMEM;
            dusk_free(a->u.ref.text);
            a->u.ref.text = NULL;
            a->u.ref.name = id;
        }
        return 0;
    case DUSK__ARG_LIST:
        *has_list = 1;
        for (size_t i = 0; i < a->u.list.n; i++) {
            int rc = arg_intern(g, a->u.list.items[i], has_list);
            if (rc < 0)
                return rc;
        }
        return 0;
    default:
        return 0;
    }
}

/* The entries an argument takes in a task's run: itself and, for a list,
 * its items' (recursion: at most DUSK_MAX_DEPTH deep). */
static size_t arg_nodes(const dusk_arg *a)
{
    size_t n = 1;
    if (a->kind == DUSK__ARG_LIST)
        for (size_t i = 0; i < a->u.list.n; i++)
            n += arg_nodes(a->u.list.items[i]);
    return n;
}

/* Writes interned argument a at dst, its items from *next on; a literal
 * moves over (a no longer holds it). */
static void arg_store(dusk__targ *dst, dusk_arg *a, dusk__targ **next)
{
    dst->kind = (unsigned char)a->kind;
    dst->n = 0;
    switch (a->kind) {
    case DUSK__ARG_LIT:
        dst->u.lit = a->u.lit;
        a->u.lit = NULL;
        break;
    case DUSK__ARG_REF:
        dst->u.name = a->u.ref.name;
        break;
    default:
        dst->n = (uint32_t)a->u.list.n;
        dst->u.items = *next;
        *next += a->u.list.n;
        for (size_t i = 0; i < a->u.list.n; i++)
            arg_store(dst->u.items + i, a->u.list.items[i], next);
        break;
    }
}

/* Drops the literals under a; returns the entries it took. */
static size_t targ_release(dusk__targ *a)
{
    size_t n = 1;
    if (a->kind == DUSK__ARG_LIT)
        dusk_value_unref(a->u.lit);
    else if (a->kind == DUSK__ARG_LIST)
        for (uint32_t i = 0; i < a->n; i++)
            n += targ_release(&a->u.items[i]);
    return n;
}

static size_t targ_nodes(const dusk__targ *a)
{
    size_t n = 1;
    if (a->kind == DUSK__ARG_LIST)
        for (uint32_t i = 0; i < a->n; i++)
            n += targ_nodes(&a->u.items[i]);
    return n;
}

/* The entries of task t's run. */
static size_t task_nodes(const dusk__task *t)
{
    size_t n = 0;
    for (uint32_t i = 0; i < t->nargs; i++)
        n += targ_nodes(&t->args[i]);
    return n;
}

/* When replaced tasks have left most of the argument arena unused, the
 * current runs move to one new piece; on allocation failure they stay. */
static void args_compact(dusk_graph *g)
{
    if (g->args_used <= 2 * g->args_live + 65536)
        return;
    dusk__arena fresh = {0};
    dusk__targ *to = g->args_live ? dusk__arena_alloc(&fresh, g->args_live) : NULL;
    if (g->args_live && !to)
        return;
    for (size_t i = 0; i < g->ntasks; i++) {
        dusk__task *t = &g->tasks[i];
        if (t->kind != DUSK_ENTRY_TASK || !t->nargs)
            continue;
        size_t n = task_nodes(t);
        memcpy(to, t->args, n * sizeof *to);
        for (size_t k = 0; k < n; k++)
            if (to[k].kind == DUSK__ARG_LIST)
                to[k].u.items = to + (to[k].u.items - t->args);
        t->args = to;
        to += n;
    }
    dusk__arena_free(&g->args);
    g->args = fresh;
    g->args_used = g->args_live;
}

/* --- building ------------------------------------------------------------ */

dusk_graph *dusk_graph_new(void)
{
    return dusk_calloc(1, sizeof(dusk_graph));
}

static void drop_derived(dusk_graph *g)
{
    g->valid = 0;
    /* Building calls this once a key: nothing is derived then. */
    if (!g->dep_off && !g->dep_ids && !g->rdep_off && !g->rdep_ids && !g->prio &&
        !g->lists_keep && !g->dep_ids64 && !g->rdep_ids64 && !g->prio64 && !g->height &&
        !g->topo && !g->plan)
        return;
    if (g->lists_keep) {
        dusk__keep_unref(g->lists_keep);   /* plans may still read these */
        g->lists_keep = NULL;
    } else {
        dusk_free(g->dep_off);
        dusk_free(g->dep_ids);
        dusk_free(g->rdep_off);
        dusk_free(g->rdep_ids);
        dusk_free(g->prio);
    }
    dusk_free(g->dep_ids64);
    dusk_free(g->rdep_ids64);
    dusk_free(g->prio64);
    g->dep_ids64 = g->rdep_ids64 = g->prio64 = NULL;
    dusk_free(g->height);
    dusk_free(g->topo);
    g->dep_off = g->rdep_off = NULL;
    g->dep_ids = g->rdep_ids = NULL;
    g->height = g->topo = NULL;
    g->prio = NULL;
    dusk_plan_unref(g->plan);
    g->plan = NULL;
}

/* --- what plans share ------------------------------------------------------ */

dusk__keep *dusk__keep_new(void)
{
    dusk__keep *k = dusk_calloc(1, sizeof *k);
    if (k)
        atomic_init(&k->refs, 1);
    return k;
}

void dusk__keep_ref(dusk__keep *k)
{
    atomic_fetch_add_explicit(&k->refs, 1, memory_order_relaxed);
}

void dusk__keep_unref(dusk__keep *k)
{
    if (!k || atomic_fetch_sub_explicit(&k->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < sizeof k->blocks / sizeof *k->blocks; i++)
        dusk_free(k->blocks[i]);
    dusk__arena_free(&k->arena);
    dusk_free(k);
}

static void task_clear(dusk_graph *g, dusk__task *t)
{
    if (t->kind == DUSK_ENTRY_VALUE)
        dusk_value_unref(t->value);
    size_t n = 0;
    for (size_t i = 0; i < t->nargs; i++)
        n += targ_release(&t->args[i]);
    g->args_live -= n * sizeof(dusk__targ);   /* the arena keeps them until compacted */
    t->value = NULL;
    t->args = NULL;
    t->nargs = 0;
}

void dusk_graph_free(dusk_graph *g)
{
    if (!g)
        return;
    /* What the tasks hold: values and literals (the argument runs go with
     * their arena, below). */
    for (size_t i = 0; i < g->ntasks; i++) {
        const dusk__task *t = &g->tasks[i];
        if (t->kind == DUSK_ENTRY_VALUE) {
            dusk_value_unref(t->value);
            continue;
        }
        for (uint32_t k = 0; k < t->nargs; k++) {
            if (t->args[k].kind == DUSK__ARG_LIT)
                dusk_value_unref(t->args[k].u.lit);
            else if (t->args[k].kind == DUSK__ARG_LIST)
                targ_release(&t->args[k]);
        }
    }
    dusk_free(g->tasks);
    dusk__arena_free(&g->args);
    if (g->text_keep) {
        /* plans point into the key text: it goes with the last of them */
        dusk__arena_move(&g->text_keep->arena, &g->names.text);
        dusk__keep_unref(g->text_keep);
    }
    dusk__strtab_free(&g->names);
    dusk_free(g->name_task);
    drop_derived(g);
    dusk_free(g);
}

/* Remembers the first builder error and returns code. */
static int sticky(dusk_graph *g, int code, const char *key)
{
    if (g && !g->status.code)
        dusk_error_set(&g->status, code, code == DUSK_ENOMEM
                       ? "out of memory while setting key '%s'"
                       : "invalid entry for key '%s'", key ? key : "(null)");
    return code;
}

/* Remembers a NULL argument as the first builder error (error.h, rule 2). */
static int sticky_null(dusk_graph *g, const char *fn, const char *arg)
{
    if (!g->status.code)
        dusk_error_set(&g->status, DUSK_EINVAL, "%s: %s is NULL", fn, arg);
    return DUSK_EINVAL;
}

/* Refuses what nests deeper than DUSK_MAX_DEPTH, naming the key. */
static int too_deep(dusk_graph *g, const char *key, const char *what)
{
    if (!g->status.code) {
        char k[256];
        dusk__key_repr(key, k, sizeof k);
        dusk_error_set(&g->status, DUSK_EINVAL, "%s of key %s nests deeper than %d lists or "
                       "tuples (DUSK_MAX_DEPTH)", what, k, DUSK_MAX_DEPTH);
    }
    return DUSK_EINVAL;
}

/* The task slot for name id `name`: the existing one (cleared) or a new
 * one; NULL on ENOMEM. */
static dusk__task *task_slot_name(dusk_graph *g, int64_t name)
{
    int64_t t = dusk__name_task(g, name);
    if (t < 0) {
        if (g->ntasks == g->tasks_cap) {
            size_t cap = g->tasks_cap ? g->tasks_cap * 2 : 256;
            dusk__task *tasks = dusk_realloc(g->tasks, cap * sizeof *tasks);
            if (!tasks)
                return NULL;
            g->tasks = tasks;
            g->tasks_cap = cap;
        }
        t = (int64_t)g->ntasks++;
        g->name_task[name] = (uint32_t)t;
    } else {
        task_clear(g, &g->tasks[t]);
    }
    dusk__task *task = &g->tasks[t];
    memset(task, 0, sizeof *task);   /* a value entry of NULL until the caller sets it */
    task->name = (uint32_t)name;
    drop_derived(g);
    return task;
}

/* The task slot for key: the existing one (cleared) or a new one. */
static dusk__task *task_slot(dusk_graph *g, const char *key)
{
    int64_t name = name_intern(g, key);
    return name < 0 ? NULL : task_slot_name(g, name);
}

int dusk_graph_value(dusk_graph *g, const char *key, dusk_value *v)
{
    if (g && !key) {
        dusk_value_unref(v);
        return sticky_null(g, __func__, "key");
    }
    if (!g || !key || !v) {
        dusk_value_unref(v);
        return sticky(g, v || !g || !key ? DUSK_EINVAL : DUSK_ENOMEM, key);
    }
    if (dusk__depth(v) > DUSK_MAX_DEPTH) {
        dusk_value_unref(v);
        return too_deep(g, key, "its value");
    }
    dusk__task *t = task_slot(g, key);
    if (!t) {
        dusk_value_unref(v);
        return sticky(g, DUSK_ENOMEM, key);
    }
    t->kind = DUSK_ENTRY_VALUE;
    t->value = v;
    return 0;
}

int dusk_graph_taskv(dusk_graph *g, const char *key, const dusk_func *f,
                     size_t nargs, dusk_arg **args)
{
    int rc = 0, has_list = 0;
    if (g && (!key || !f || (!args && nargs))) {
        for (size_t i = 0; args && i < nargs; i++)
            dusk_arg_free(args[i]);
        return sticky_null(g, __func__, !key ? "key" : !f ? "f" : "args");
    }
    if (!args && nargs)
        return DUSK_EINVAL;
    dusk__targ *run = NULL;
    size_t nodes = 0;
    for (size_t i = 0; i < nargs; i++)
        if (!args[i])
            rc = DUSK_ENOMEM;  /* an argument constructor failed */
    if (!g || !key || !f || !f->fn || !f->name)
        rc = DUSK_EINVAL;
    if (nargs > DUSK__MAX_NARGS)   /* a task keeps the count in 29 bits */
        rc = DUSK_EINVAL;
    for (size_t i = 0; !rc && i < nargs; i++)
        if (args[i]->depth > DUSK_MAX_DEPTH) {
            char what[48];
            snprintf(what, sizeof what, "argument %zu", i);
            rc = too_deep(g, key, what);
        }
    for (size_t i = 0; !rc && i < nargs; i++)
        nodes += arg_nodes(args[i]);
    if (!rc && nodes) {
        if (!(run = dusk__arena_alloc(&g->args, nodes * sizeof *run)))
            rc = DUSK_ENOMEM;
        else
            g->args_used += nodes * sizeof *run;   /* unused until the task is set */
    }
    for (size_t i = 0; !rc && i < nargs; i++)
        rc = arg_intern(g, args[i], &has_list);
    dusk__task *t = NULL;
    if (!rc && !(t = task_slot(g, key)))
        rc = DUSK_ENOMEM;
    if (!rc && nodes) {
        dusk__targ *next = run + nargs;
        for (size_t i = 0; i < nargs; i++)
            arg_store(&run[i], args[i], &next);
        g->args_live += nodes * sizeof *run;
    }
    for (size_t i = 0; i < nargs; i++)
        dusk_arg_free(args[i]);   /* what they held has moved to run */
    if (rc)
        return sticky(g, rc, key);
    t->kind = DUSK_ENTRY_TASK;
    t->func = f;
    t->nargs = (uint32_t)nargs & DUSK__MAX_NARGS;
    t->args = run;
    t->has_list = has_list != 0;
    return 0;
}

int dusk_graph_reserve(dusk_graph *g, size_t nkeys)
{
    if (!g)
        return DUSK_EINVAL;
    if (nkeys > UINT32_MAX - 2)   /* the interner's limit */
        return DUSK_EINVAL;
    if (nkeys > g->name_task_cap) {
        uint32_t *nt = dusk_realloc(g->name_task, nkeys * sizeof *nt);
        if (!nt)
            return DUSK_ENOMEM;
        g->name_task = nt;
        g->name_task_cap = nkeys;
    }
    if (nkeys > g->tasks_cap) {
        dusk__task *tasks = dusk_realloc(g->tasks, nkeys * sizeof *tasks);
        if (!tasks)
            return DUSK_ENOMEM;
        g->tasks = tasks;
        g->tasks_cap = nkeys;
    }
    return dusk__strtab_reserve(&g->names, nkeys) ? DUSK_ENOMEM : 0;
}

int64_t dusk_graph_handle(dusk_graph *g, const char *key)
{
    if (!g)
        return DUSK_EINVAL;
    if (!key)
        return sticky_null(g, __func__, "key");
    int64_t name = name_intern(g, key);
    return name < 0 ? sticky(g, DUSK_ENOMEM, key) : name;
}

int dusk_graph_handles(dusk_graph *g, size_t n, const char *const *keys, int64_t *handles)
{
    if (!g)
        return DUSK_EINVAL;
    if (n && (!keys || !handles))
        return sticky_null(g, __func__, !keys ? "keys" : "handles");
    /* A group's texts hashed and their slots fetched first, then interned:
     * the slots of a big graph's table are seldom in the cache. */
    enum { AHEAD = 16 };
    uint64_t h[AHEAD];
    size_t len[AHEAD];
    for (size_t i = 0; i < n; i += AHEAD) {
        size_t m = n - i < AHEAD ? n - i : AHEAD, j = 0;
        for (; j < m && keys[i + j]; j++) {
            len[j] = strlen(keys[i + j]);
            h[j] = dusk__hash_bytes(keys[i + j], len[j]);
            dusk__strtab_prefetch(&g->names, h[j]);
        }
        for (size_t k = 0; k < j; k++) {
            int64_t id = name_intern_h(g, keys[i + k], len[k], h[k]);
            if (id < 0)
                return sticky(g, DUSK_ENOMEM, keys[i + k]);
            handles[i + k] = id;
        }
        if (j < m) {
            if (!g->status.code)
                dusk_error_set(&g->status, DUSK_EINVAL, "dusk_graph_handles: keys[%zu] is NULL",
                               i + j);
            return DUSK_EINVAL;
        }
    }
    return 0;
}

/* Refuses a handle the graph did not give, naming it. */
static int bad_handle(dusk_graph *g, int64_t h)
{
    if (!g->status.code)
        dusk_error_set(&g->status, DUSK_EINVAL, "dusk_graph_task_h: no key has handle %" PRId64
                       " (the graph has %zu)", h, g->names.n);
    return DUSK_EINVAL;
}

static void hargs_release(size_t nargs, const dusk_harg *args)
{
    for (size_t i = 0; args && i < nargs; i++) {
        if (args[i].kind == DUSK_HARG_LIT)
            dusk_value_unref(args[i].u.lit);
        else if (args[i].kind == DUSK_HARG_ARG)
            dusk_arg_free(args[i].u.arg);
    }
}

int dusk_graph_task_h(dusk_graph *g, int64_t key, const dusk_func *f, size_t nargs,
                      const dusk_harg *args)
{
    if (g && (!f || (!args && nargs))) {
        hargs_release(nargs, args);
        return sticky_null(g, __func__, !f ? "f" : "args");
    }
    int rc = 0, has_list = 0;
    int64_t nnames = g ? (int64_t)g->names.n : 0;
    if (!g) {
        hargs_release(nargs, args);
        return DUSK_EINVAL;
    }
    if (key < 0 || key >= nnames) {
        hargs_release(nargs, args);
        return bad_handle(g, key);
    }
    const char *text = dusk__strtab_text(&g->names, key);
    if (!f->fn || !f->name || nargs > DUSK__MAX_NARGS)
        rc = DUSK_EINVAL;
    size_t nodes = 0;
    for (size_t i = 0; !rc && i < nargs; i++) {
        const dusk_harg *a = &args[i];
        int deep = 0;
        switch (a->kind) {
        case DUSK_HARG_KEY:
            if (a->u.key < 0 || a->u.key >= nnames)
                rc = bad_handle(g, a->u.key);
            nodes++;
            break;
        case DUSK_HARG_LIT:
            if (!a->u.lit)
                rc = DUSK_ENOMEM;   /* its constructor failed */
            else
                deep = dusk__depth(a->u.lit) > DUSK_MAX_DEPTH;
            nodes++;
            break;
        case DUSK_HARG_ARG:
            if (!a->u.arg)
                rc = DUSK_ENOMEM;
            else if (!(deep = a->u.arg->depth > DUSK_MAX_DEPTH))
                nodes += arg_nodes(a->u.arg);
            break;
        default:
            rc = DUSK_EINVAL;
        }
        if (deep) {
            char what[48];
            snprintf(what, sizeof what, "argument %zu", i);
            rc = too_deep(g, text, what);
        }
    }
    dusk__targ *run = NULL;
    if (!rc && nodes) {
        if (!(run = dusk__arena_alloc(&g->args, nodes * sizeof *run)))
            rc = DUSK_ENOMEM;
        else
            g->args_used += nodes * sizeof *run;   /* unused until the task is set */
    }
    for (size_t i = 0; !rc && i < nargs; i++)
        if (args[i].kind == DUSK_HARG_ARG)
            rc = arg_intern(g, args[i].u.arg, &has_list);
    dusk__task *t = NULL;
    if (!rc && !(t = task_slot_name(g, key)))
        rc = DUSK_ENOMEM;
    if (rc) {
        hargs_release(nargs, args);
        return sticky(g, rc, text);
    }
    dusk__targ *next = run + nargs;
    for (size_t i = 0; i < nargs; i++) {
        const dusk_harg *a = &args[i];
        if (a->kind == DUSK_HARG_KEY) {
            run[i] = (dusk__targ){.kind = DUSK__ARG_REF, .u.name = a->u.key};
        } else if (a->kind == DUSK_HARG_LIT) {
            run[i] = (dusk__targ){.kind = DUSK__ARG_LIT, .u.lit = a->u.lit};
        } else {
            arg_store(&run[i], a->u.arg, &next);
            dusk_arg_free(a->u.arg);   /* what it held has moved to run */
        }
    }
    g->args_live += nodes * sizeof *run;
    t->kind = DUSK_ENTRY_TASK;
    t->func = f;
    t->nargs = (uint32_t)nargs & DUSK__MAX_NARGS;
    t->args = run;
    t->has_list = has_list != 0;
    return 0;
}

int dusk_graph_alias(dusk_graph *g, const char *key, const char *target)
{
    if (g && (!key || !target))
        return sticky_null(g, __func__, !key ? "key" : "target");
    if (!g || !key || !target)
        return sticky(g, DUSK_EINVAL, key);
    int64_t name = name_intern(g, target);
    dusk__task *t = name < 0 ? NULL : task_slot(g, key);
    if (!t)
        return sticky(g, DUSK_ENOMEM, key);
    t->kind = DUSK_ENTRY_ALIAS;
    t->target = name;
    return 0;
}

int dusk_graph_status(const dusk_graph *g, dusk_error *err)
{
    DUSK__NONNULL(err, g);
    if (g->status.code && err)
        *err = g->status;
    return g->status.code;
}

int dusk_key_tuple(char *buf, size_t n, const char *name, int nidx, const int64_t *idx)
{
    if (!name || (nidx > 0 && !idx))
        return DUSK_EINVAL;
    if (!buf)
        n = 0;
    int len = snprintf(buf, n, "('%s'", name);
    for (int i = 0; i < nidx; i++) {
        size_t at = (size_t)len < n ? (size_t)len : n;
        len += snprintf(buf ? buf + at : NULL, n - at, ", %" PRId64, idx[i]);
    }
    size_t at = (size_t)len < n ? (size_t)len : n;
    len += snprintf(buf ? buf + at : NULL, n - at, nidx == 0 ? ",)" : ")");
    return len;
}

/* --- reading ------------------------------------------------------------- */

size_t dusk_graph_size(const dusk_graph *g) { return g ? g->ntasks : 0; }

int64_t dusk_graph_find(const dusk_graph *g, const char *key)
{
    if (!g || !key)
        return -1;
    int64_t name = dusk__strtab_find(&g->names, key, strlen(key));
    return name < 0 ? -1 : dusk__name_task(g, name);
}

static int valid_id(const dusk_graph *g, int64_t id)
{
    return g && id >= 0 && (size_t)id < g->ntasks;
}

const char *dusk_graph_key(const dusk_graph *g, int64_t id)
{
    return valid_id(g, id) ? dusk__task_key(g, id) : NULL;
}

int dusk__is_tuple_key(const char *s) { return s[0] == '(' && s[1] == '\''; }

/* --- comparing keys as Dask does ------------------------------------------- */

/* One element of a tuple key's text, read in place: a quoted string, or a
 * number. */
enum { KEY_BAD, KEY_STR, KEY_INT, KEY_FLOAT };

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int key_elem_kind(const char *p)
{
    if (*p == '\'' || *p == '"')
        return KEY_STR;
    if (*p == '-' || is_digit(*p) || *p == 'i' || *p == 'n')
        return KEY_INT;   /* or KEY_FLOAT: key_number tells */
    return KEY_BAD;
}

/* A number element. Ints stay text, of any length: Python's ints have no
 * bound, and two compare exactly by sign, count of digits, then digits. */
typedef struct {
    int kind;             /* KEY_INT or KEY_FLOAT */
    int sign;             /* KEY_INT: -1, 0 or 1 */
    const char *dig;      /* KEY_INT: its digits, leading zeros skipped */
    size_t ndig;          /* KEY_INT: how many (0 for zero) */
    double d;             /* KEY_FLOAT */
} key_num;

/* strtod as the "C" locale reads numbers, whatever locale the program set
 * (a decimal comma would stop "2.5" at the 2): the thread's locale is the C
 * one for the call. */
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static locale_t c_locale;

static void make_c_locale(void) { c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static int c_strtod(const char *s, const char *end, double *d)
{
    pthread_once(&c_locale_once, make_c_locale);
    if (c_locale == (locale_t)0)
        return -1;
    int saved = errno;   /* "1e999" is inf, as Python reads it; no error */
    locale_t old = uselocale(c_locale);
    char *e;
    *d = strtod(s, &e);
    uselocale(old);
    errno = saved;
    return e == end ? 0 : -1;
}

/* Reads the number at *p as Python writes an int (-?digits) or a float
 * (-?digits.digits, with e[+-]digits, inf, nan), advancing *p past it: 1,
 * or 0 when it is neither. */
static int key_number(const char **p, key_num *n)
{
    const char *s = *p, *q = s + (*s == '-');
    int is_float = 0;
    if (!strncmp(q, "inf", 3) || !strncmp(q, "nan", 3)) {
        q += 3;
        is_float = 1;
    } else {
        if (!is_digit(*q))
            return 0;
        const char *d = q;
        while (is_digit(*q))
            q++;
        if (*q == '.') {
            is_float = 1;
            for (q++; is_digit(*q);)
                q++;
        }
        if (*q == 'e' || *q == 'E') {
            const char *e = q + 1 + (q[1] == '+' || q[1] == '-');
            if (is_digit(*e)) {
                is_float = 1;
                for (q = e; is_digit(*q);)
                    q++;
            }
        }
        if (!is_float) {
            while (*d == '0')
                d++;
            n->kind = KEY_INT;
            n->dig = d;
            n->ndig = (size_t)(q - d);
            n->sign = n->ndig == 0 ? 0 : *s == '-' ? -1 : 1;
            *p = q;
            return 1;
        }
    }
    if (c_strtod(s, q, &n->d) != 0)
        return 0;
    n->kind = KEY_FLOAT;
    *p = q;
    return 1;
}

static int cmp_digits(const char *a, size_t na, const char *b, size_t nb)
{
    if (na != nb)
        return na < nb ? -1 : 1;
    int c = memcmp(a, b, na);
    return (c > 0) - (c < 0);
}

/* The digits of f, a whole double >= 0, exactly (no leading zeros, none
 * for 0) into buf (at least 310 bytes); how many. Above 2^64 it is
 * M * 2^e, multiplied out in base 10^9. */
static size_t whole_digits(double f, char *buf)
{
    uint32_t limb[40];   /* little end first; DBL_MAX has 309 digits */
    size_t n = 0;
    if (f < 18446744073709551616.0) {
        for (uint64_t v = (uint64_t)f; v; v /= 1000000000u)
            limb[n++] = (uint32_t)(v % 1000000000u);
    } else {
        int e;
        uint64_t m = (uint64_t)ldexp(frexp(f, &e), 53);
        for (e -= 53; m; m /= 1000000000u)
            limb[n++] = (uint32_t)(m % 1000000000u);
        for (; e > 0; e -= 30) {
            int k = e < 30 ? e : 30;
            uint64_t carry = 0;
            for (size_t i = 0; i < n; i++) {
                uint64_t v = ((uint64_t)limb[i] << k) + carry;
                limb[i] = (uint32_t)(v % 1000000000u);
                carry = v / 1000000000u;
            }
            for (; carry; carry /= 1000000000u)
                limb[n++] = (uint32_t)(carry % 1000000000u);
        }
    }
    size_t len = 0;
    for (size_t i = n; i-- > 0;) {
        char d[9];
        uint32_t v = limb[i];
        for (int j = 8; j >= 0; j--, v /= 10)
            d[j] = (char)('0' + v % 10);
        int skip = 0;
        while (i == n - 1 && skip < 8 && d[skip] == '0')
            skip++;   /* no leading zeros */
        memcpy(buf + len, d + skip, (size_t)(9 - skip));
        len += (size_t)(9 - skip);
    }
    return len;
}

/* Two numbers as Python compares them: ints exactly, floats as doubles, an
 * int against a float exactly (not the int rounded to a double); 2 for
 * nan, which Python leaves unordered. */
static int cmp_num(const key_num *a, const key_num *b)
{
    if (a->kind == KEY_FLOAT && b->kind == KEY_FLOAT) {
        if (a->d != a->d || b->d != b->d)
            return 2;
        return (a->d > b->d) - (a->d < b->d);
    }
    if (a->kind == KEY_FLOAT) {
        int c = cmp_num(b, a);
        return c == 2 ? 2 : -c;
    }
    int sb = b->kind == KEY_INT ? b->sign : (b->d > 0) - (b->d < 0);
    if (b->kind == KEY_FLOAT && b->d != b->d)
        return 2;
    if (a->sign != sb)
        return a->sign < sb ? -1 : 1;
    int c;
    if (b->kind == KEY_INT) {
        c = cmp_digits(a->dig, a->ndig, b->dig, b->ndig);
    } else {
        /* |a| against |b|: the whole part of |b| exactly, then its fraction */
        double m = fabs(b->d), w = floor(m);
        if (isinf(m)) {
            c = -1;
        } else {
            char buf[320];
            c = cmp_digits(a->dig, a->ndig, buf, whole_digits(w, buf));
            if (!c && m > w)
                c = -1;
        }
    }
    return a->sign < 0 ? -c : c;
}

/* Steps past the separator after an element: 1 when another element
 * follows, 0 at the tuple's end, -1 when the text is not a tuple. */
static int key_next(const char **p)
{
    const char *q = *p;
    if (*q == ')')
        return 0;
    if (*q != ',')
        return -1;
    q++;
    if (*q == ' ')
        q++;
    *p = q;
    return *q == ')' ? 0 : 1;   /* ('x',): one element */
}

/* The code point written as n hex digits at s, -1 if it is not one. */
static int32_t hex_value(const char *s, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
        char c = s[i];
        int h = is_digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (h < 0)
            return -1;
        v = v * 16 + (uint32_t)h;
    }
    return v <= 0x10ffff ? (int32_t)v : -1;
}

/* The next character of a string element closed by quote q, as a code
 * point, reading the escapes Python writes (\\ \' \n \t \r \xNN \uNNNN
 * \UNNNNNNNN) and those it reads (\" \a \b \f \v, octal), and UTF-8;
 * advances *p past it. -1 at the closing quote (then past it), -2 at the
 * end of the text. A byte that is not UTF-8, or a backslash that starts no
 * escape, stands for itself, as Python keeps an unknown escape. */
static int32_t str_char(const char **p, char q)
{
    const unsigned char *s = (const unsigned char *)*p;
    int32_t v = s[0];
    int len = 1;
    if (v == 0)
        return -2;
    if (v == (unsigned char)q) {
        *p += 1;
        return -1;
    }
    if (v == '\\') {
        static const char plain[] = "\\\\''\"\"n\nt\tr\ra\ab\bf\fv\v";
        const char *e = s[1] ? strchr(plain, s[1]) : NULL;
        int nhex = s[1] == 'x' ? 2 : s[1] == 'u' ? 4 : s[1] == 'U' ? 8 : 0;
        if (!s[1])
            return -2;
        if (e && (e - plain) % 2 == 0) {
            v = (unsigned char)e[1];
            len = 2;
        } else if (nhex && (v = hex_value((const char *)s + 2, nhex)) >= 0) {
            len = 2 + nhex;
        } else if (s[1] >= '0' && s[1] <= '7') {
            v = 0;
            for (len = 1; len < 4 && s[len] >= '0' && s[len] <= '7'; len++)
                v = v * 8 + (s[len] - '0');
        } else {
            v = '\\';
        }
    } else if (v >= 0xc2 && v <= 0xf4) {
        int more = v >= 0xf0 ? 3 : v >= 0xe0 ? 2 : 1, ok = 1;
        int32_t cp = v & (0x3f >> more);
        for (int i = 1; i <= more && ok; i++) {
            ok = (s[i] & 0xc0) == 0x80;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if (ok) {
            v = cp;
            len = 1 + more;
        }
    }
    *p += len;
    return v;
}

/* Compares two quoted strings in step, as Python compares strings (code
 * point by code point, a prefix first), advancing both past them when they
 * are equal: <0, 0, >0, or 2 when one is not closed. */
static int key_str_cmp(const char **pa, const char **pb)
{
    const char *a = *pa, *b = *pb;
    char qa = *a++, qb = *b++;
    for (;;) {
        /* Characters as written, not escaped, compare as bytes: UTF-8's
         * order is its code points' (and dusk__key_cmp_form compares names
         * so, even where they are not UTF-8). Decode where an escape is. */
        while (*a == *b && *a && *a != qa && *a != qb && *a != '\\')
            a++, b++;
        if (*a && *b && *a != qa && *b != qb && *a != '\\' && *b != '\\')
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        int32_t ca = str_char(&a, qa), cb = str_char(&b, qb);
        if (ca == -2 || cb == -2)
            return 2;
        if (ca != cb)
            return ca < cb ? -1 : 1;   /* a prefix (-1) comes first */
        if (ca == -1)
            break;
    }
    *pa = a;
    *pb = b;
    return 0;
}

/* A tuple as Python writes it: its first element, the name, may be in
 * double quotes (("it's", 0)), which the rest of dusk takes for a string
 * key. */
static int is_tuple_text(const char *s) { return s[0] == '(' && (s[1] == '\'' || s[1] == '"'); }

int dusk__key_cmp(const char *a, const char *b)
{
    /* Python compares a string with a tuple, or tuples whose first
     * differing elements are a string and a number, by their str(): the
     * text. So does dusk, and for string keys, and for what it cannot read. */
    if (is_tuple_text(a) && is_tuple_text(b)) {
        const char *p = a + 1, *q = b + 1;
        for (;;) {
            int ka = key_elem_kind(p), kb = key_elem_kind(q), c;
            if (ka == KEY_BAD || kb == KEY_BAD || (ka == KEY_STR) != (kb == KEY_STR))
                break;
            if (ka == KEY_STR) {
                c = key_str_cmp(&p, &q);
            } else {
                key_num na, nb;
                c = key_number(&p, &na) && key_number(&q, &nb) ? cmp_num(&na, &nb) : 2;
            }
            if (c == 2)
                break;
            if (c)
                return c;
            int na = key_next(&p), nb = key_next(&q);
            if (na < 0 || nb < 0)
                break;
            if (!na || !nb) {
                if (na != nb)
                    return na ? 1 : -1;   /* the shorter tuple first */
                break;                    /* equal as tuples: ('x', 1), ('x', 1.0) */
            }
        }
    }
    int c = strcmp(a, b);
    return (c > 0) - (c < 0);
}

uint32_t dusk__key_form(const char *text)
{
    /* ('name', i, j, ...) as Python writes it: a name without quotes or
     * escapes, then ints of any length without leading zeros (nor -0),
     * ", " between them. Two such texts differ first where their tuples
     * do, which is what lets dusk__key_cmp_form compare bytes. */
    if (!dusk__is_tuple_key(text))
        return 0;
    size_t name = strcspn(text + 2, "'\"\\");
    if (text[2 + name] != '\'' || name + 3 >= UINT32_MAX)
        return 0;
    const char *p = text + 3 + name;
    if (p[0] == ',' && p[1] == ')')   /* ('x',) */
        return p[2] ? 0 : (uint32_t)(name + 3);
    while (p[0] == ',' && p[1] == ' ') {
        p += 2;
        const char *d = p + (*p == '-');
        if (!is_digit(*d) || (*d == '0' && (d != p || is_digit(d[1]))))
            return 0;
        const char *e = d;
        while (is_digit(*e))
            e++;
        p = e;
    }
    return p[0] == ')' && !p[1] ? (uint32_t)(name + 3) : 0;
}

uint64_t dusk__key_pack(const char *text, uint32_t form)
{
    /* Each index biased to 1 .. 2^21 - 1 in 21 bits, 0 where the tuple
     * has ended: unsigned order is the tuples' order, a prefix first. */
    if (!form)
        return DUSK__KEY_NOPACK;
    const char *p = text + form;
    uint64_t pk = 0;
    int k = 0;
    while (p[0] == ',' && p[1] == ' ') {
        if (k == 3)
            return DUSK__KEY_NOPACK;
        p += 2;
        int neg = *p == '-';
        p += neg;
        int64_t v = 0;
        while (is_digit(*p) && v < (1 << 20))
            v = v * 10 + (*p++ - '0');
        if (v >= (1 << 20))
            return DUSK__KEY_NOPACK;
        pk |= (uint64_t)((neg ? -v : v) + (1 << 20)) << (21 * (2 - k));
        k++;
    }
    return pk;
}

int dusk__key_cmp_form(const char *a, uint32_t fa, const char *b, uint32_t fb)
{
    if (!fa || !fb)
        return dusk__key_cmp(a, b);
    /* The names: a prefix comes first. */
    size_t la = fa - 3, lb = fb - 3;
    int c = memcmp(a + 2, b + 2, la < lb ? la : lb);
    if (c || la != lb)
        return c ? (c > 0) - (c < 0) : la < lb ? -1 : 1;
    /* The indices: find the first byte where they differ. */
    size_t i = fa;
    while (a[i] == b[i] && a[i])
        i++;
    if (a[i] == b[i])
        return 0;
    char x = a[i], y = b[i];
    if ((is_digit(x) && is_digit(y)) || is_digit(a[i - 1]) || a[i - 1] == '-') {
        /* inside one number of both: more digits left is farther from 0,
         * then the first differing digit; a minus sign turns it round */
        size_t ra = 0, rb = 0, s = i;
        while (is_digit(a[i + ra]))
            ra++;
        while (is_digit(b[i + rb]))
            rb++;
        while (s > fa && is_digit(a[s - 1]))
            s--;
        if (ra || rb) {
            c = ra != rb ? (ra < rb ? -1 : 1) : (x < y ? -1 : 1);
            return a[s - 1] == '-' ? -c : c;
        }
        /* the same number, then one tuple ends */
    }
    if (x == ')' || y == ')')
        return x == ')' ? -1 : 1;    /* the shorter tuple first */
    if (x == '-' || y == '-')
        return x == '-' ? -1 : 1;    /* a negative number first */
    return dusk__key_cmp(a, b);
}

size_t dusk__key_repr(const char *text, char *buf, size_t n)
{
    int len = snprintf(buf, n, dusk__is_tuple_key(text) ? "%s" : "'%s'", text);
    return len < 0 ? 0 : (size_t)len;
}

size_t dusk_graph_key_repr(const dusk_graph *g, int64_t id, char *buf, size_t n)
{
    if (!buf)
        n = 0;
    if (!valid_id(g, id))
        return (size_t)snprintf(buf, n, "?");
    return dusk__key_repr(dusk__task_key(g, id), buf, n);
}

const char *dusk__task_repr(const dusk_graph *g, int64_t t, char *buf, size_t n)
{
    dusk_graph_key_repr(g, t, buf, n);
    return buf;
}

static int is_alpha_word(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return 1;
}

/* Dask tests `hex_pattern.match(word)` with [a-f]+: a match at the start
 * is enough, so only the first letter counts. */
static int is_hex_token(const char *s, size_t n)
{
    return n == 8 && s[0] >= 'a' && s[0] <= 'f';
}

/* Dask's key_split: the name's words up to the first that is not
 * alphabetic (or is an 8-letter hex token), "data" for a bare 32-digit
 * hex token, the inside of <...> reprs. */
size_t dusk_key_split(const char *key, char *buf, size_t n)
{
    if (!buf)
        n = 0;
    if (!key)
        return (size_t)snprintf(buf, n, "%s", "");
    char name[512];
    const char *s = key;
    size_t len;
    if (dusk__is_tuple_key(key)) {
        /* ('name', ...): the name is the first element's text. */
        s = key + 2;
        const char *q = strchr(s, '\'');
        len = q ? (size_t)(q - s) : strlen(s);
    } else {
        len = strlen(s);
    }
    if (len >= sizeof name)
        len = sizeof name - 1;
    memcpy(name, s, len);
    name[len] = '\0';

    char out[512];
    size_t olen = 0;
    const char *w = name, *dash = strchr(w, '-');
    size_t wlen = dash ? (size_t)(dash - w) : strlen(w);
    int alpha0 = (w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z');
    if (!wlen && !dash) {
        return (size_t)snprintf(buf, n, "Other");
    }
    if (!alpha0) {
        /* words[0].split(",")[0].strip("_'()\"") */
        size_t e = 0;
        while (e < wlen && w[e] != ',')
            e++;
        size_t b = 0;
        while (b < e && strchr("_'()\"", w[b]))
            b++;
        while (e > b && strchr("_'()\"", w[e - 1]))
            e--;
        memcpy(out, w + b, e - b);
        olen = e - b;
    } else {
        memcpy(out, w, wlen);
        olen = wlen;
    }
    while (dash) {
        w = dash + 1;
        dash = strchr(w, '-');
        wlen = dash ? (size_t)(dash - w) : strlen(w);
        if (!is_alpha_word(w, wlen) || is_hex_token(w, wlen))
            break;
        if (olen + 1 + wlen >= sizeof out)
            break;
        out[olen++] = '-';
        memcpy(out + olen, w, wlen);
        olen += wlen;
    }
    out[olen] = '\0';
    if (olen == 32) {
        int hex = 1;
        for (size_t i = 0; i < 32; i++)
            if (!((out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f')))
                hex = 0;
        if (hex)
            return (size_t)snprintf(buf, n, "data");
    }
    if (out[0] == '<') {
        /* result.strip("<>").split()[0].split(".")[-1] */
        char *p = out;
        while (*p == '<' || *p == '>')
            p++;
        char *e = p + strcspn(p, " \t>");
        *e = '\0';
        char *dot = strrchr(p, '.');
        return (size_t)snprintf(buf, n, "%s", dot ? dot + 1 : p);
    }
    if (!olen)
        return (size_t)snprintf(buf, n, "Other");
    return (size_t)snprintf(buf, n, "%s", out);
}

dusk_entry_kind dusk_graph_entry_kind(const dusk_graph *g, int64_t id)
{
    return valid_id(g, id) ? (dusk_entry_kind)g->tasks[id].kind : DUSK_ENTRY_VALUE;
}

const dusk_func *dusk_graph_func(const dusk_graph *g, int64_t id)
{
    return valid_id(g, id) && g->tasks[id].kind == DUSK_ENTRY_TASK ? g->tasks[id].func : NULL;
}

dusk_value *dusk_graph_literal(const dusk_graph *g, int64_t id)
{
    return valid_id(g, id) && g->tasks[id].kind == DUSK_ENTRY_VALUE ? g->tasks[id].value : NULL;
}

/* --- validation ---------------------------------------------------------- */

/* The error for task t's reference to name, which no task has. Apart from
 * collect_deps, so that the message's buffers are not in each of its
 * frames (it recurses once a list level). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int missing_dep(const dusk_graph *g, int64_t t, int64_t name, dusk_error *err)
{
    char who[256], what[256];
    dusk__key_repr(dusk__strtab_text(&g->names, name), what, sizeof what);
    return dusk_error_set(err, DUSK_EMISSING, "missing dependency %s of task %s", what,
                          dusk__task_repr(g, t, who, sizeof who));
}

/* What validation keeps while it lists each task's dependencies: the
 * list (room for every argument node and alias target, which bounds the
 * references; grown if not), and for a task that names more than a few
 * distinct keys, a stamp per task (t + 1: listed for task t), made the
 * first time one does. A task's few references are checked against its
 * list so far instead. */
typedef struct {
    dusk__id *ids;
    size_t n, cap;
    uint32_t *mark;
    size_t from;                 /* where the current task's list starts */
    int marking;                 /* the current task uses mark */
} deplist;

enum { FEW_DEPS = 16 };

/* Lists task d as a dependency of task t, once; 0 or DUSK_ENOMEM. */
static int deps_add(dusk_graph *g, deplist *dl, size_t t, dusk__id d)
{
    size_t k = dl->from;
    if (!dl->marking) {
        for (; k < dl->n; k++)
            if (dl->ids[k] == d)
                return 0;
        if (dl->n - dl->from == FEW_DEPS) {   /* many: stamps from now on */
            if (!dl->mark && !(dl->mark = dusk_calloc(g->ntasks, sizeof *dl->mark)))
                return DUSK_ENOMEM;
            for (k = dl->from; k < dl->n; k++)
                dl->mark[dl->ids[k]] = (uint32_t)t + 1;
            dl->marking = 1;
        }
    }
    if (dl->marking) {
        if (dl->mark[d] == (uint32_t)t + 1)
            return 0;
        dl->mark[d] = (uint32_t)t + 1;
    }
    if (dl->n == dl->cap) {
        size_t cap = dl->cap ? 2 * dl->cap : 1024;
        dusk__id *ids = dusk_realloc(dl->ids, cap * sizeof *ids);
        if (!ids)
            return DUSK_ENOMEM;
        dl->ids = ids;
        dl->cap = cap;
    }
    dl->ids[dl->n++] = d;
    g->rdep_off[d + 2]++;   /* counted now, placed once all are listed */
    return 0;
}

/* Lists the tasks that the n arguments at a reference, checking that each
 * exists (recursion: once a list level). */
static int collect_deps(dusk_graph *g, size_t t, const dusk__targ *a, size_t n, deplist *dl,
                        dusk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = 0;
        if (a[i].kind == DUSK__ARG_REF) {
            uint32_t d = g->name_task[a[i].u.name];
            if (d == DUSK__NO_TASK)
                return missing_dep(g, (int64_t)t, a[i].u.name, err);
            rc = deps_add(g, dl, t, d);
        } else if (a[i].kind == DUSK__ARG_LIST) {
            rc = collect_deps(g, t, a[i].u.items, a[i].n, dl, err);
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Names a cycle among the tasks Kahn's algorithm could not finish (those
 * with left[t] > 0): from the lowest such id, follow the first unfinished
 * dependency until a task repeats; the repeat closes the cycle. */
static int report_cycle(dusk_graph *g, const uint32_t *left, dusk_error *err)
{
    size_t n = g->ntasks;
    int64_t start = 0;
    while (left[start] == 0)
        start++;
    int64_t *seen = dusk_malloc(n * sizeof *seen);  /* step of first visit */
    int64_t *path = dusk_malloc(n * sizeof *path);
    if (!seen || !path) {
        dusk_free(seen);
        dusk_free(path);
        return dusk_error_set(err, DUSK_ECYCLE, "cycle in task graph through '%s'",
                              dusk__task_key(g, start));
    }
    for (size_t i = 0; i < n; i++)
        seen[i] = -1;
    int64_t t = start, step = 0;
    while (seen[t] < 0) {
        seen[t] = step;
        path[step++] = t;
        int64_t next = t;
        for (int64_t k = g->dep_off[t]; k < g->dep_off[t + 1]; k++)
            if (left[g->dep_ids[k]] > 0) {
                next = g->dep_ids[k];
                break;
            }
        t = next;  /* an unfinished task always has an unfinished dependency */
    }
    char msg[DUSK_ERROR_MSG_MAX], k[256];
    size_t len = (size_t)snprintf(msg, sizeof msg, "cycle: ");
    for (int64_t s = seen[t]; s <= step; s++) {
        dusk__task_repr(g, s < step ? path[s] : t, k, sizeof k);
        if (len < sizeof msg)
            len += (size_t)snprintf(msg + len, sizeof msg - len, s < step ? "%s -> " : "%s", k);
    }
    dusk_free(seen);
    dusk_free(path);
    return dusk_error_set(err, DUSK_ECYCLE, "%s", msg);
}

int dusk__graph_finalize(dusk_graph *g, dusk_error *err)
{
    if (!g)
        return dusk_error_set(err, DUSK_EINVAL, "no graph");
    if (g->status.code) {
        if (err)
            *err = g->status;
        return g->status.code;
    }
    if (g->valid)
        return 0;
    size_t n = g->ntasks;
    args_compact(g);
    /* Building doubled these arrays; a graph is computed once it is
     * built, so give back what doubling left over (up to half of them). */
    if (g->tasks_cap > n && n) {
        dusk__task *tasks = dusk_realloc(g->tasks, n * sizeof *tasks);
        if (tasks) {
            g->tasks = tasks;
            g->tasks_cap = n;
        }
    }
    dusk__strtab_trim(&g->names);
    if (g->name_task_cap > g->names.n && g->names.n) {
        uint32_t *nt = dusk_realloc(g->name_task, g->names.n * sizeof *nt);
        if (nt) {
            g->name_task = nt;
            g->name_task_cap = g->names.n;
        }
    }
    /* One pass over the tasks lists the dependencies and counts the
     * dependents; then the dependents are placed, and Kahn's algorithm
     * finds the heights and any cycle. Ids and counts in 32 bits. */
    int rc = 0;
    deplist dl = {0};
    dl.cap = g->args_live / sizeof(dusk__targ) + n;
    dl.ids = dusk_malloc((dl.cap ? dl.cap : 1) * sizeof *dl.ids);
    uint32_t *left = dusk_malloc((n ? n : 1) * sizeof *left);
    dusk__id *queue = dusk_malloc((n ? n : 1) * sizeof *queue);
    g->dep_off = dusk_malloc((n + 1) * sizeof *g->dep_off);
    g->rdep_off = dusk_calloc(n + 2, sizeof *g->rdep_off);
    g->height = dusk_calloc(n ? n : 1, sizeof *g->height);
    if (!dl.ids || !left || !queue || !g->dep_off || !g->rdep_off || !g->height) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory validating the graph");
        goto done;
    }

    /* Dependencies, in the order the arguments name them. */
    for (size_t t = 0; t < n; t++) {
        const dusk__task *task = &g->tasks[t];
        g->dep_off[t] = (dusk__off)dl.n;
        dl.from = dl.n;
        dl.marking = 0;
        if (task->kind == DUSK_ENTRY_ALIAS) {
            dusk__targ ref = {.kind = DUSK__ARG_REF, .u.name = task->target};
            rc = collect_deps(g, t, &ref, 1, &dl, err);
        } else if (task->nargs) {
            rc = collect_deps(g, t, task->args, task->nargs, &dl, err);
        }
        if (rc == DUSK_ENOMEM)
            dusk_error_set(err, rc, "out of memory validating the graph");
        if (!rc && dl.n > UINT32_MAX)
            rc = dusk_error_set(err, DUSK_EINVAL, "the graph has more than 2^32 - 1 "
                                "dependencies, more than dusk counts");
        if (rc)
            goto done;
        left[t] = (uint32_t)(dl.n - dl.from);
    }
    size_t ne = dl.n;
    g->dep_off[n] = (dusk__off)ne;
    if (dl.cap > ne + 1024) {   /* give back the room literals took */
        dusk__id *ids = dusk_realloc(dl.ids, (ne ? ne : 1) * sizeof *ids);
        if (ids)
            dl.ids = ids;
    }
    g->dep_ids = dl.ids;
    dl.ids = NULL;

    /* Dependents: prefix-sum the counts, fill (in increasing task order). */
    g->rdep_ids = dusk_malloc((ne ? ne : 1) * sizeof *g->rdep_ids);
    if (!g->rdep_ids) {
        rc = dusk_error_set(err, DUSK_ENOMEM, "out of memory validating the graph");
        goto done;
    }
    for (size_t t = 0; t < n; t++)
        g->rdep_off[t + 2] += g->rdep_off[t + 1];
    size_t qt = 0;
    for (size_t t = 0; t < n; t++) {
        dusk__off a = g->dep_off[t], b = g->dep_off[t + 1];
        if (a == b)
            queue[qt++] = (dusk__id)t;
        for (dusk__off k = a; k < b; k++)
            g->rdep_ids[g->rdep_off[g->dep_ids[k] + 1]++] = (dusk__id)t;
    }

    /* Kahn's algorithm: heights, and whatever is left is on or behind a
     * cycle. */
    for (size_t qh = 0; qh < qt; qh++) {
        dusk__id t = queue[qh];
        uint32_t h = g->height[t] + 1;
        for (dusk__off k = g->rdep_off[t]; k < g->rdep_off[t + 1]; k++) {
            dusk__id d = g->rdep_ids[k];
            if (g->height[d] < h)
                g->height[d] = h;
            if (--left[d] == 0)
                queue[qt++] = d;
        }
    }
    if (qt < n) {
        rc = report_cycle(g, left, err);
        goto done;
    }
    g->topo = queue;
    queue = NULL;
    g->valid = 1;
done:
    dusk_free(dl.ids);
    dusk_free(dl.mark);
    dusk_free(left);
    dusk_free(queue);
    if (rc)
        drop_derived(g);
    return rc;
}

int dusk__arity_check(const dusk_graph *g, const dusk__id *ids, size_t n, int at_run,
                      dusk_error *err)
{
    if (!dusk__any_arity())
        return 0;
    /* one registry look-up per run of tasks of one function (a graph has
     * few functions, and builders add a function's tasks together) */
    const dusk_func *last = NULL;
    size_t lo = 0, hi = SIZE_MAX;
    int has = 0;
    for (size_t i = 0; i < n; i++) {
        size_t t = ids ? ids[i] : i;
        const dusk__task *task = &g->tasks[t];
        if (task->kind != DUSK_ENTRY_TASK)
            continue;
        if (task->func != last) {
            last = task->func;
            has = dusk__func_arity(last, &lo, &hi);
        }
        if (!has || (task->nargs >= lo && task->nargs <= hi))
            continue;
        dusk_error why = DUSK_ERROR_INIT;
        dusk_args_check(last->name, task->nargs, lo, hi, &why);
        char key[256];
        return dusk_error_set(err, DUSK_EINVAL, "task %s (%s)%s %s",
                              dusk__task_repr(g, (int64_t)t, key, sizeof key), last->name,
                              at_run ? " failed:" : ":", why.msg);
    }
    return 0;
}

int dusk_graph_validate(dusk_graph *g, dusk_error *err)
{
    DUSK__NONNULL(err, g);
    int rc = dusk__graph_finalize(g, err);
    return rc ? rc : dusk__arity_check(g, NULL, g->ntasks, 0, err);
}

int64_t *dusk__ids_widen(const uint32_t *ids, size_t n)
{
    int64_t *w = dusk_malloc((n ? n : 1) * sizeof *w);
    if (w)
        for (size_t i = 0; i < n; i++)
            w[i] = ids[i];
    return w;
}

int64_t dusk_graph_dependencies(dusk_graph *g, int64_t id, const int64_t **ids)
{
    if (ids)
        *ids = NULL;
    if (!g || !ids)
        return DUSK_EINVAL;
    int rc = dusk__graph_finalize(g, NULL);
    if (rc)
        return rc;
    if (!valid_id(g, id))
        return DUSK_EINVAL;
    if (!g->dep_ids64 && !(g->dep_ids64 = dusk__ids_widen(g->dep_ids, g->dep_off[g->ntasks])))
        return DUSK_ENOMEM;
    *ids = g->dep_ids64 + g->dep_off[id];
    return g->dep_off[id + 1] - g->dep_off[id];
}

int64_t dusk_graph_dependents(dusk_graph *g, int64_t id, const int64_t **ids)
{
    if (ids)
        *ids = NULL;
    if (!g || !ids)
        return DUSK_EINVAL;
    /* ordered first: ordering puts each list in its final order */
    int rc = dusk__graph_order(g, NULL);
    if (rc)
        return rc;
    if (!valid_id(g, id))
        return DUSK_EINVAL;
    if (!g->rdep_ids64 &&
        !(g->rdep_ids64 = dusk__ids_widen(g->rdep_ids, g->rdep_off[g->ntasks])))
        return DUSK_ENOMEM;
    *ids = g->rdep_ids64 + g->rdep_off[id];
    return g->rdep_off[id + 1] - g->rdep_off[id];
}

/* --- culling ------------------------------------------------------------- */

int dusk_graph_cull(dusk_graph *g, const char *const *keys, size_t nkeys,
                    int64_t **out, size_t *nout, dusk_error *err)
{
    if (out)
        *out = NULL;
    if (nout)
        *nout = 0;
    DUSK__NONNULL(err, g);
    if (nkeys)
        DUSK__NONNULL(err, keys);
    DUSK__NONNULL(err, out);
    DUSK__NONNULL(err, nout);
    for (size_t i = 0; i < nkeys; i++)
        if (!keys[i])
            return dusk_error_set(err, DUSK_EINVAL, "%s: keys[%zu] is NULL", __func__, i);
    int rc = dusk__graph_finalize(g, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < nkeys; i++)
        if (dusk_graph_find(g, keys[i]) < 0) {
            char what[256];
            dusk__key_repr(keys[i], what, sizeof what);
            return dusk_error_set(err, DUSK_ENOKEY, "key %s is not in the graph", what);
        }
    size_t n = g->ntasks;
    unsigned char *in = dusk_calloc(n ? n : 1, 1);
    int64_t *stack = dusk_malloc((n ? n : 1) * sizeof *stack);
    if (!in || !stack) {
        dusk_free(in);
        dusk_free(stack);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory culling the graph");
    }
    size_t sp = 0, count = 0;
    for (size_t i = 0; i < nkeys; i++) {
        int64_t t = dusk_graph_find(g, keys[i]);
        if (!in[t]) {
            in[t] = 1;
            stack[sp++] = t;
            count++;
        }
    }
    while (sp) {
        int64_t t = stack[--sp];
        for (int64_t k = g->dep_off[t]; k < g->dep_off[t + 1]; k++) {
            int64_t d = g->dep_ids[k];
            if (!in[d]) {
                in[d] = 1;
                stack[sp++] = d;
                count++;
            }
        }
    }
    dusk_free(stack);
    int64_t *ids = dusk_malloc((count ? count : 1) * sizeof *ids);
    if (!ids) {
        dusk_free(in);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory culling the graph");
    }
    size_t j = 0;
    for (size_t t = 0; t < n; t++)
        if (in[t])
            ids[j++] = (int64_t)t;
    dusk_free(in);
    *out = ids;
    *nout = count;
    return 0;
}
