/*
** dusk — task graph internals. This file is private to dusk's core.
**
** Two id spaces. A *name* is any key text the graph has seen, set or only
** referenced; names are interned once in the toolbox's dusk__strtab
** (core/util.h), which keeps their text, and name_task, an array parallel
** to it, maps each name to its task. A *task* is a key that has been set;
** task ids are dense, in the order keys were first set. An argument that
** references a key holds the name id; validation maps names to tasks and
** builds the dependency lists (CSR arrays) that plans are made from.
*/
#ifndef DUSK_CORE_GRAPH_H
#define DUSK_CORE_GRAPH_H

#include <stdatomic.h>

#include "dusk/graph.h"
#include "util.h"
#include "value.h"

enum { DUSK__ARG_LIT, DUSK__ARG_REF, DUSK__ARG_LIST };

struct dusk_arg {
    int kind;                    /* DUSK__ARG_LIT, DUSK__ARG_REF or DUSK__ARG_LIST */
    int depth;                   /* how deep it nests (value.h's DUSK_MAX_DEPTH),
                                    or DUSK__TOO_DEEP: a list that refused its
                                    items, which graphs and runs refuse */
    union {
        dusk_value *lit;         /* DUSK__ARG_LIT: owned */
        struct {
            char *text;          /* before insertion: the key, owned */
            int64_t name;        /* after insertion: the name id */
        } ref;
        struct {
            size_t n;
            dusk_arg **items;    /* owned */
        } list;
    } u;
};

/* An argument as a task keeps it: 16 bytes in the graph's argument arena
 * instead of a dusk_arg's block of its own (a graph holds millions). A
 * task's arguments are one run of these: its nargs arguments, then the
 * items of its lists, each list's items side by side. */
typedef struct dusk__targ {
    unsigned char kind;          /* DUSK__ARG_LIT, DUSK__ARG_REF or DUSK__ARG_LIST */
    uint32_t n;                  /* DUSK__ARG_LIST: how many items */
    union {
        dusk_value *lit;         /* DUSK__ARG_LIT: owned */
        int64_t name;            /* DUSK__ARG_REF: the name id */
        struct dusk__targ *items;/* DUSK__ARG_LIST: in the same run */
    } u;
} dusk__targ;

/* Offsets into a graph's dependency lists: 32 bits, so a graph has at
 * most 2^32 - 1 dependency edges (validation refuses more). */
typedef uint32_t dusk__off;

/* A task id as core keeps it in its arrays: 32 bits (a graph has fewer
 * tasks than names, which the interner keeps under 2^32 - 2). The public
 * API hands out 64-bit ids; where it hands out arrays of them, the graph
 * and the plan make 64-bit copies the first time a caller asks. */
typedef uint32_t dusk__id;

/* 24 bytes: a graph holds millions. */
typedef struct dusk__task {
    union {                      /* by kind: */
        const dusk_func *func;   /* DUSK_ENTRY_TASK */
        dusk_value *value;       /* DUSK_ENTRY_VALUE: owned */
        int64_t target;          /* DUSK_ENTRY_ALIAS: name id */
    };
    dusk__targ *args;            /* DUSK_ENTRY_TASK: in g->args */
    uint32_t name;               /* its name id (the interner's ids fit) */
    uint32_t nargs : 29;         /* DUSK__MAX_NARGS at most */
    uint32_t kind : 2;           /* a dusk_entry_kind */
    uint32_t has_list : 1;       /* some argument is a list: build tuples */
} dusk__task;

/* What plans share with their graph instead of copying it (core/plan.c):
 * blocks kept alive by a count of references, the graph's and each
 * plan's, and freed with the last. A keep never changes after it is made,
 * except that the graph hands it its key text's arena when it is freed. */
typedef struct dusk__keep {
    atomic_long refs;
    void *blocks[5];             /* dusk_malloc'd, or NULL */
    dusk__arena arena;           /* blocks handed over at the graph's end */
} dusk__keep;

dusk__keep *dusk__keep_new(void);          /* one reference; NULL on ENOMEM */
void dusk__keep_ref(dusk__keep *k);
void dusk__keep_unref(dusk__keep *k);      /* NULL-safe */

struct dusk_graph {
    /* names: every key text seen, set or only referenced */
    dusk__strtab names;          /* name id -> text (the toolbox's interner) */
    uint32_t *name_task;         /* name id -> task id, DUSK__NO_TASK while only
                                    referenced (ids fit: the interner holds under
                                    2^32 - 2 names); name_task_cap >= names.n
                                    entries; read it with dusk__name_task */
    size_t name_task_cap;
    dusk__keep *text_keep;       /* when plans point into the names' text: it
                                    gets the text's arena when g is freed */
    /* tasks */
    dusk__task *tasks;
    size_t ntasks, tasks_cap;
    dusk__arena args;            /* the tasks' arguments (dusk__targ runs) */
    size_t args_used, args_live; /* bytes handed out, and those of current
                                    tasks: replaced tasks leave the rest, which
                                    validation reclaims when it is most of it */
    /* the first builder error */
    dusk_error status;
    /* derived by validation, dropped by any change */
    int valid;                   /* 1 when the arrays below are current */
    dusk__off *dep_off;          /* dependencies of task t: dep_ids[dep_off[t] .. dep_off[t+1]) */
    dusk__id *dep_ids;
    dusk__off *rdep_off;         /* dependents, the same way: by increasing id, */
    dusk__id *rdep_ids;          /* then by decreasing priority once ordered */
    uint32_t *height;            /* longest chain of dependencies below t (until
                                    ordered: only ordering reads it) */
    dusk__id *topo;              /* task ids, dependencies before dependents
                                    (the same) */
    uint32_t *prio;              /* static order, or NULL until asked for */
    int64_t *dep_ids64;          /* 64-bit copies of dep_ids, rdep_ids and prio */
    int64_t *rdep_ids64;         /* for dusk_graph_dependencies, _dependents */
    int64_t *prio64;             /* and _order: NULL until one asks (owned) */
    dusk__keep *lists_keep;      /* when plans share the four lists and prio
                                    (made once prio is): they go with it */
    struct dusk_plan *plan;      /* the last plan made (one reference), or NULL */
};

#define DUSK__NO_TASK UINT32_MAX
#define DUSK__MAX_NARGS ((1u << 29) - 1)

/* The task id of name id `name`, or -1 while it is only referenced. */
static inline int64_t dusk__name_task(const dusk_graph *g, int64_t name)
{
    uint32_t t = g->name_task[name];
    return t == DUSK__NO_TASK ? -1 : (int64_t)t;
}

/* The text of task t's key. */
static inline const char *dusk__task_key(const dusk_graph *g, int64_t t)
{
    return dusk__strtab_text(&g->names, g->tasks[t].name);
}

/* Builds the derived arrays if the graph changed; 0 or an error. */
int dusk__graph_finalize(dusk_graph *g, dusk_error *err);
/* Validates and orders g (g->prio), as dusk_graph_order without its
 * 64-bit copy; 0 or an error. */
int dusk__graph_order(dusk_graph *g, dusk_error *err);
/* A dusk_malloc'd 64-bit copy of ids[0..n), NULL on ENOMEM. */
int64_t *dusk__ids_widen(const uint32_t *ids, size_t n);

/* A key's text as messages print it: 'a', or ('x', 0) for tuple keys. */
size_t dusk__key_repr(const char *text, char *buf, size_t n);
int dusk__is_tuple_key(const char *text);
/* Orders two keys as Dask's order breaks ties (Python's < on the keys):
 * tuple keys element by element; numbers as numbers, exactly (ints of any
 * length, an int against a float by the float's exact value), read as the
 * "C" locale reads them; strings as strings, code point by code point,
 * with Python's escapes read (\n, \xNN, \uNNNN ...); a tuple before the
 * longer ones it begins. Where Python finds the tuples equal (('x', 1),
 * ('x', 1.0)), and for a string key against a tuple, a string element
 * against a number, or nan, by text. -1, 0 (the same text) or 1. Reads the
 * texts in place, allocating nothing. */
int dusk__key_cmp(const char *a, const char *b);
/* The same, faster, with each key's form read once before: dusk__key_form
 * gives the end of the name of a key ('name', i, j, ...) of plain ints of
 * any length and a name without escapes (the keys of array graphs), 0 for
 * any other key. */
uint32_t dusk__key_form(const char *text);
int dusk__key_cmp_form(const char *a, uint32_t fa, const char *b, uint32_t fb);
/* A key of form fa with at most 3 indices within +-(2^20 - 1) as one
 * number: two such keys of one name compare as their numbers do;
 * DUSK__KEY_NOPACK for any other key. */
#define DUSK__KEY_NOPACK UINT64_MAX
uint64_t dusk__key_pack(const char *text, uint32_t form);

/* The key of task t as messages print it, into buf. */
const char *dusk__task_repr(const dusk_graph *g, int64_t t, char *buf, size_t n);

/* Whether any function has declared its arity (dusk_func_set_arity), and
 * f's: 1 with [*min_args, *max_args], or 0 when it declared none
 * (builtins.c, the registry). */
int dusk__any_arity(void);
int dusk__func_arity(const dusk_func *f, size_t *min_args, size_t *max_args);
/* Checks the argument count of each task among ids[0..n) (ids NULL: the
 * graph's first n) whose function declared its arity: 0, or DUSK_EINVAL
 * naming the first task that breaks it, with dusk_args_check's words:
 * "task 'z' (square): square takes 1 argument, got 2" (at_run: "task 'z'
 * (square) failed: ...", as the run says of a builtin that checks). Costs
 * nothing until a function declares one. */
int dusk__arity_check(const dusk_graph *g, const dusk__id *ids, size_t n, int at_run,
                      dusk_error *err);

#endif /* DUSK_CORE_GRAPH_H */
