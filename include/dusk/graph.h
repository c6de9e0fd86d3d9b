/*
** dusk — task graphs with Dask's dict semantics
** Library: libdusk (core/).
**
** A graph maps keys to entries, as a Dask graph is a dict:
**
**     dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'),
**            'z': (add, 'b', 'y')}
**
** reads in C as
**
**     dusk_graph *dsk = dusk_graph_new();
**     dusk_graph_value(dsk, "a", dusk_int(1));
**     dusk_graph_value(dsk, "x", dusk_int(10));
**     dusk_task(dsk, "b", &dusk_inc, dusk_ref("a"));
**     dusk_task(dsk, "y", &dusk_inc, dusk_ref("x"));
**     dusk_task(dsk, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
**
** An entry is a literal value, a task (a function and its arguments) or an
** alias of another key. An argument is a literal value, a reference to a key,
** or a list of arguments; a list reaches the function as a tuple of the
** computed values, as `(sum, ['a', 'b'])` does in Dask. Lists and the
** tuples in them nest at most DUSK_MAX_DEPTH (1,000) deep (value.h):
** dusk_list of a deeper list gives an argument that the task refuses with
** DUSK_EINVAL naming its key, and a task whose list would reach that depth
** only once its inputs' tuples are put in it fails the run the same way. A
** task takes at most 2^29 - 1 arguments. Setting a key twice replaces the
** first entry, as a dict does.
**
** Keys are text. A string key is any text; a tuple key is written the way
** Dask prints it, "('x', 0, 1)", and dusk_key_tuple() formats one. Each task
** has a dense integer id (0, 1, 2 ... in the order keys were first set),
** which is what events and queries use.
**
** Builder errors are sticky, as in cairo: every call returns its code, and
** the first failure is also remembered by the graph (dusk_graph_status), so
** a sequence of calls can be checked once; computing a graph whose
** building failed returns that error. A NULL graph, key or function is
** DUSK_EINVAL; a NULL value or argument is taken for the constructor that
** made it running out of memory (dusk_int, dusk_ref ... return NULL only
** then), so it is DUSK_ENOMEM (error.h, rule 2).
**
** Ownership: dusk_arg constructors return an argument the caller owns;
** passing it to dusk_task/dusk_graph_taskv/dusk_list hands it over, also on
** failure. dusk_graph_value steals its value. dusk_graph_free frees all.
** A task keeps a pointer to its dusk_func, which must outlive the graph
** and every plan made from it (plan.h: profilers read the functions'
** names from a run's plan after the run).
** A graph is used by one thread at a time. A computation does not change
** what it holds, but keeps what it derives from it: validation, order and
** the last plan (plan.h), until the graph next changes.
*/
#ifndef DUSK_GRAPH_H
#define DUSK_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "value.h"

#include "version.h"

#ifdef __cplusplus
#include <initializer_list>
extern "C" {
#endif

typedef struct dusk_graph dusk_graph;
typedef struct dusk_arg dusk_arg;

/* --- task functions ------------------------------------------------------ */

/* A task function gets the computed arguments (borrowed; a list argument
 * arrives as a tuple) and sets *out to a new reference. On failure it
 * returns a negative DUSK_E... code and may say why with dusk_error_set(err,
 * ...); the scheduler adds the key to the message. It may run on any worker
 * thread, concurrently with other tasks. */
typedef int (*dusk_task_fn)(dusk_value *const *args, size_t nargs,
                            dusk_value **out, dusk_error *err, void *ud);

/* For a task function, before it reads args: 0 when min_args <= nargs <=
 * max_args, else DUSK_EINVAL with the builtins' message ("square takes 1
 * argument, got 0"; "takes 1 to 3 arguments"; "at least 2") in err.
 * max_args SIZE_MAX: no maximum. args[i] past nargs is memory the
 * function does not own: a task function checks nargs itself, with this,
 * unless it was registered with its arity (dusk_func_set_arity), which the
 * engine then checks before the task runs. */
DUSK_API int dusk_args_check(const char *name, size_t nargs, size_t min_args,
                             size_t max_args, dusk_error *err);

/* A function with its display name (what pictures and profiles show, and
 * what Dask's key_split of its tasks gives). User functions are declared
 * the same way:
 *     static const dusk_func square = { "square", square_fn, NULL };   */
typedef struct dusk_func {
    const char *name;    /* display name */
    dusk_task_fn fn;     /* the code */
    void *ud;            /* passed to fn as its last argument */
} dusk_func;

/* The registry: the names under which a process finds functions, which is
 * how a task names its function when it travels to another process or
 * machine (and how the CLI names functions). Builtins are registered under
 * their display names.
 *
 * Registers f under f->name so that dusk_func_lookup (and the CLI) find it;
 * f must outlive its use. Returns DUSK_EINVAL if the name is taken by
 * another function. Thread-safe. */
DUSK_API int dusk_func_register(const dusk_func *f);
/* The same under a key of the caller's choosing (copied), for functions whose
 * display name another function has (dusk's arrays show "add", as the
 * builtin is called, and register it as "array.add"). */
DUSK_API int dusk_func_register_as(const char *key, const dusk_func *f);
/* Declares that the function registered under key takes from min_args to
 * max_args arguments (SIZE_MAX: no maximum), for every key it is
 * registered under. The engine then checks each task of it before a run
 * starts (and dusk_graph_validate does), with dusk_args_check's message
 * naming the key and the function ("task 'z' (square) failed: square
 * takes 1 argument, got 2"), so that its code never reads past its
 * arguments. 0, or DUSK_EINVAL when min_args > max_args or no function is
 * registered under key (the builtins check their own). Thread-safe. */
DUSK_API int dusk_func_set_arity(const char *key, size_t min_args, size_t max_args);
/* The builtin or registered function of that key, or NULL. */
DUSK_API const dusk_func *dusk_func_lookup(const char *key);
/* The key f was first registered under (a builtin's: its name), or NULL
 * when it is not registered: such a function cannot travel. */
DUSK_API const char *dusk_func_key(const dusk_func *f);

/* --- arguments ----------------------------------------------------------- */
DUSK_API dusk_arg *dusk_ref(const char *key);         /* reference to a key */
DUSK_API dusk_arg *dusk_lit(dusk_value *v);           /* literal; steals v */
DUSK_API dusk_arg *dusk_lit_int(int64_t i);
DUSK_API dusk_arg *dusk_lit_float(double d);
DUSK_API dusk_arg *dusk_lit_str(const char *s);       /* a string, not a key */
/* A list of n arguments; takes them over (also on failure). */
DUSK_API dusk_arg *dusk_listv(size_t n, dusk_arg **items);
#ifndef __cplusplus
#define dusk_list(...)                                                       \
    dusk_listv(sizeof((dusk_arg *[]){__VA_ARGS__}) / sizeof(dusk_arg *),    \
               (dusk_arg *[]){__VA_ARGS__})
#else   /* C++: see the end of this file */
#define dusk_list(...) dusk__list_cxx({__VA_ARGS__})
#endif
DUSK_API void dusk_arg_free(dusk_arg *a);             /* NULL-safe */

/* --- building ------------------------------------------------------------ */
DUSK_API dusk_graph *dusk_graph_new(void);            /* NULL on allocation failure */
DUSK_API void dusk_graph_free(dusk_graph *g);         /* NULL-safe */

DUSK_API int dusk_graph_value(dusk_graph *g, const char *key, dusk_value *v);
DUSK_API int dusk_graph_taskv(dusk_graph *g, const char *key, const dusk_func *f,
                     size_t nargs, dusk_arg **args);
#ifndef __cplusplus
#define dusk_task(g, key, f, ...)                                            \
    dusk_graph_taskv((g), (key), (f),                                        \
                     sizeof((dusk_arg *[]){__VA_ARGS__}) / sizeof(dusk_arg *), \
                     (dusk_arg *[]){__VA_ARGS__})
#else
#define dusk_task(g, key, f, ...) dusk__task_cxx((g), (key), (f), {__VA_ARGS__})
#endif
/* key is another name for target: computing key gives target's value. */
DUSK_API int dusk_graph_alias(dusk_graph *g, const char *key, const char *target);
/* The first builder error, or 0; err (if not NULL) gets its message. */
DUSK_API int dusk_graph_status(const dusk_graph *g, dusk_error *err);

/* --- building by handles -----------------------------------------------------
 * For builders that read millions of keys from objects of their own (the
 * Python module reads a dict of str keys): a key's handle is the graph's
 * number for its text, set or only referenced, the same for the graph's
 * life. A builder that keeps the handles by its own objects hashes no key
 * text twice, and a task built from dusk_harg arguments allocates no
 * dusk_arg for its references and literals. Handles are no task ids
 * (dusk_graph_find). */
typedef enum {
    DUSK_HARG_KEY,     /* a reference to the key of handle u.key */
    DUSK_HARG_LIT,     /* a literal: u.lit, stolen (NULL: its constructor failed) */
    DUSK_HARG_ARG      /* any argument: u.arg, taken over (a list ...) */
} dusk_harg_kind;
typedef struct dusk_harg {
    dusk_harg_kind kind;
    union {
        int64_t key;
        dusk_value *lit;
        dusk_arg *arg;
    } u;
} dusk_harg;

/* Room for nkeys keys in all (set or only referenced) without growing on
 * the way, for a builder that knows how many it will add; 0, DUSK_ENOMEM
 * (the graph is as it was, and still works), or DUSK_EINVAL for a NULL
 * graph or more keys than a graph holds (2^32 - 3). Not a builder error:
 * the graph's status is unchanged. */
DUSK_API int dusk_graph_reserve(dusk_graph *g, size_t nkeys);
/* The handle of key (0 or more), interning its text; a negative code,
 * remembered as the graph's first error: DUSK_EINVAL for a NULL key,
 * DUSK_ENOMEM. A NULL graph is DUSK_EINVAL. */
DUSK_API int64_t dusk_graph_handle(dusk_graph *g, const char *key);
/* dusk_graph_handle for n keys at once, their handles into handles[0..n)
 * (faster for many: the table's slots are fetched ahead); 0, or the
 * first key's error (DUSK_EINVAL for a NULL key, keys or handles,
 * DUSK_ENOMEM), remembered as the graph's, the keys before it interned.
 * A NULL graph is DUSK_EINVAL. */
DUSK_API int dusk_graph_handles(dusk_graph *g, size_t n, const char *const *keys,
                                int64_t *handles);
/* dusk_graph_taskv for the key of handle key, with nargs arguments read
 * from args (their literals and dusk_args taken over, also on failure).
 * A handle the graph did not give, or an unknown kind, is DUSK_EINVAL. */
DUSK_API int dusk_graph_task_h(dusk_graph *g, int64_t key, const dusk_func *f,
                               size_t nargs, const dusk_harg *args);

/* Formats Dask's tuple key ('name', i0, i1, ...) into buf (n bytes; buf
 * may be NULL); returns the length the full text has, like snprintf, or
 * DUSK_EINVAL for a NULL name, or a NULL idx with nidx above 0. */
DUSK_API int dusk_key_tuple(char *buf, size_t n, const char *name, int nidx,
                   const int64_t *idx);

/* --- reading ------------------------------------------------------------- */
DUSK_API size_t dusk_graph_size(const dusk_graph *g);           /* number of keys set */
/* The id of key, or -1 if it is not set. */
DUSK_API int64_t dusk_graph_find(const dusk_graph *g, const char *key);
DUSK_API const char *dusk_graph_key(const dusk_graph *g, int64_t id);   /* its text */
/* The key as messages print it: 'a' for string keys, ('x', 0) for tuples. */
DUSK_API size_t dusk_graph_key_repr(const dusk_graph *g, int64_t id, char *buf,
                           size_t n);
/* Dask's key_split: "inc-abc123" and ('inc-abc123', 0) give "inc"; a NULL
 * key gives "". */
DUSK_API size_t dusk_key_split(const char *key, char *buf, size_t n);

typedef enum { DUSK_ENTRY_VALUE, DUSK_ENTRY_TASK, DUSK_ENTRY_ALIAS } dusk_entry_kind;
DUSK_API dusk_entry_kind dusk_graph_entry_kind(const dusk_graph *g, int64_t id);
/* The function of a task, NULL for values and aliases. */
DUSK_API const dusk_func *dusk_graph_func(const dusk_graph *g, int64_t id);
/* The literal of a value entry (borrowed), NULL otherwise. */
DUSK_API dusk_value *dusk_graph_literal(const dusk_graph *g, int64_t id);

/* Validates (see dusk_graph_validate) and then answers: the distinct keys
 * id depends on, in the order its arguments name them, and the keys that
 * depend on id, by decreasing priority (dusk_graph_order's, which
 * dusk_graph_dependents computes first; the order Dask's scheduler visits
 * them in). *ids points into the graph, valid until it is next changed. Return the count, or a negative
 * code when the graph does not validate (DUSK_EINVAL for an id that is not
 * a task; DUSK_ENOMEM when the array, made at the first call after a
 * change, finds no memory). A run's listeners read the same from the
 * run's plan (plan.h), which stays valid when the graph changes. */
DUSK_API int64_t dusk_graph_dependencies(dusk_graph *g, int64_t id, const int64_t **ids);
DUSK_API int64_t dusk_graph_dependents(dusk_graph *g, int64_t id, const int64_t **ids);

/* --- validation, culling, ordering --------------------------------------- */

/* Checks every reference and looks for cycles. A missing dependency is
 * named with the task that wants it ("missing dependency 'q' of task 'z'"),
 * a cycle by its keys in order ("cycle: 'a' -> 'b' -> 'a'"). */
DUSK_API int dusk_graph_validate(dusk_graph *g, dusk_error *err);

/* The ids of the tasks needed for the given keys (the keys included), in
 * increasing id order, in *out (a dusk_malloc'd array the caller frees with
 * dusk_free). A key not in the graph gives DUSK_ENOKEY naming it, a NULL
 * key DUSK_EINVAL naming its index. */
DUSK_API int dusk_graph_cull(dusk_graph *g, const char *const *keys, size_t nkeys,
                    int64_t **out, size_t *nout, dusk_error *err);

/* A static priority per task (0 runs first) that keeps memory low, in the
 * spirit of dask.order: finish one branch before opening the next, taking
 * the dependency on the longest path first, ties broken by key, so that
 * the order is deterministic. Keys compare as Dask compares them: tuple
 * keys element by element, numbers as numbers and strings as strings (so
 * ('x', 2) comes before ('x', 10)), exactly as Python compares them (ints
 * of any length, in any locale; strings by code point, escapes read, so
 * ('x', 'a\n') before ('x', 'aA')), a tuple before the longer ones it
 * begins; string keys, a string key against a tuple, and a string element
 * against a number, by text. *prio points into the graph (one entry per
 * id), valid until it is next changed. */
DUSK_API int dusk_graph_order(dusk_graph *g, const int64_t **prio, dusk_error *err);

#ifdef __cplusplus
}

/* C++ has no compound literals (g++ will not take the address of a
 * temporary array), so there dusk_list and dusk_task pass their arguments
 * as a braced list, which C++ evaluates from left to right. dusk_listv and
 * dusk_graph_taskv only read the array, so handing them the list's own
 * (const) storage is safe. */
inline dusk_arg *dusk__list_cxx(std::initializer_list<dusk_arg *> items)
{
    return dusk_listv(items.size(), const_cast<dusk_arg **>(items.begin()));
}
inline int dusk__task_cxx(dusk_graph *g, const char *key, const dusk_func *f,
                          std::initializer_list<dusk_arg *> args)
{
    return dusk_graph_taskv(g, key, f, args.size(), const_cast<dusk_arg **>(args.begin()));
}
#endif
#endif /* DUSK_GRAPH_H */
