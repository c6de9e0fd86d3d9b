/*
** dusk — builtin task functions, and the registry of functions by name
**
** Arithmetic follows Python: bool and int give int64, a float anywhere gives
** a float. An integer result past int64 is an error that says so, not a
** number wrapped around (Python's ints have no bound; dusk's are C's).
*/
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dusk/alloc.h"
#include "dusk/builtins.h"
#include "graph.h"
#include "value.h"

int dusk_args_check(const char *name, size_t nargs, size_t min_args, size_t max_args,
                    dusk_error *err)
{
    if (nargs >= min_args && nargs <= max_args)
        return 0;
    if (!name)
        name = "the function";
    if (min_args == max_args)
        return dusk_error_set(err, DUSK_EINVAL, "%s takes %zu argument%s, got %zu", name,
                              min_args, min_args == 1 ? "" : "s", nargs);
    if (max_args == SIZE_MAX)
        return dusk_error_set(err, DUSK_EINVAL, "%s takes at least %zu argument%s, got %zu",
                              name, min_args, min_args == 1 ? "" : "s", nargs);
    return dusk_error_set(err, DUSK_EINVAL, "%s takes %zu %s %zu arguments, got %zu", name,
                          min_args, max_args - min_args == 1 ? "or" : "to", max_args, nargs);
}

static int arity(const char *name, size_t nargs, size_t want, dusk_error *err)
{
    return dusk_args_check(name, nargs, want, want, err);
}

/* The kind and int reads inline (core/value.h): inc and add on ints are
 * most of a small task, and an int in the pointer needs no call to read. */
static int is_int_like(const dusk_value *v)
{
    dusk_kind k = dusk__kind(v);
    return k == DUSK_KIND_INT || k == DUSK_KIND_BOOL;
}

/* Of an int-like value (is_int_like). */
static int64_t int_like_of(const dusk_value *v)
{
    return dusk__is_imm(v) ? dusk__imm_int(v) : dusk_value_int(v);
}

/* Integers are C's int64, where Python's have no bound: a result past it
 * is an error that says so, never a number wrapped around. */
static int overflow(const char *name, int64_t x, const char *op, int64_t y, dusk_error *err)
{
    return dusk_error_set(err, DUSK_EINVAL,
                          "%s: %" PRId64 " %s %" PRId64 " is beyond 64-bit integers (dusk's "
                          "integers are C's int64, not Python's; write a float, as %" PRId64
                          ".0, to compute in floats)", name, x, op, y, x);
}

/* A tuple among a task's arguments is what its user wrote as a list (a
 * JSON array of a graph file, Dask's [...], dusk_list): values have no
 * list kind. So the builtins call it a list, and write it as one. */
static const char *kind_word(const dusk_value *v)
{
    dusk_kind k = dusk_value_kind(v);
    return k == DUSK_KIND_TUPLE ? "list" : dusk_kind_name(k);
}

/* v's text at buf + at (n bytes in all), a tuple as a list ([1, [2]]);
 * returns where the whole text would end, as snprintf counts. */
static size_t list_text(const dusk_value *v, char *buf, size_t n, size_t at)
{
#define ROOM buf + (at < n ? at : n - 1), at < n ? n - at : 1
    if (dusk_value_kind(v) != DUSK_KIND_TUPLE)
        return at + dusk_value_repr(v, ROOM);
    size_t len = dusk_tuple_len(v);
    at += (size_t)snprintf(ROOM, "[");
    for (size_t i = 0; i < len && at < n; i++) {   /* past n nothing more shows */
        if (i)
            at += (size_t)snprintf(ROOM, ", ");
        at = list_text(dusk_tuple_get(v, i), buf, n, at);
    }
    return at + (size_t)snprintf(ROOM, "]");
#undef ROOM
}

/* Names the value as well as its kind ("got string 'zz'"): a string that
 * was meant as a key of the graph but misspelled arrives here as itself,
 * and the text is what tells the user which one. */
static int not_number(const char *name, const dusk_value *v, dusk_error *err)
{
    char text[80];
    dusk_kind k = dusk_value_kind(v);
    if (k == DUSK_KIND_NONE || k == DUSK_KIND_NDARRAY || k == DUSK_KIND_OPAQUE)
        return dusk_error_set(err, DUSK_ETYPE, "%s: expected a number, got %s", name,
                              k == DUSK_KIND_NONE ? "None" : dusk_kind_name(k));
    if (list_text(v, text, sizeof text, 0) >= sizeof text)   /* cut, as a repr is */
        memcpy(text + sizeof text - 4, "...", 4);
    return dusk_error_set(err, DUSK_ETYPE, "%s: expected a number, got %s %s", name,
                          kind_word(v), text);
}

static int set_out(dusk_value *v, dusk_value **out, dusk_error *err)
{
    if (!v)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory for the result");
    *out = v;
    return 0;
}

enum { OP_ADD, OP_SUB, OP_MUL };

/* Not inlined: add and inc try ints in the pointer first (imm_sum) and
 * come here for the rest, without saving registers for it on their way. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int binop(const char *name, int op, dusk_value *const *args, size_t nargs,
                 dusk_value **out, dusk_error *err)
{
    int rc = arity(name, nargs, 2, err);
    if (rc)
        return rc;
    if (is_int_like(args[0]) && is_int_like(args[1])) {
        int64_t x = int_like_of(args[0]), y = int_like_of(args[1]), r;
        bool over = op == OP_ADD   ? __builtin_add_overflow(x, y, &r)
                    : op == OP_SUB ? __builtin_sub_overflow(x, y, &r)
                                   : __builtin_mul_overflow(x, y, &r);
        if (over)
            return overflow(name, x, op == OP_ADD ? "+" : op == OP_SUB ? "-" : "*", y, err);
        return set_out(dusk__int(r), out, err);
    }
    double a, b;
    if (!dusk_value_number(args[0], &a))
        return not_number(name, args[0], err);
    if (!dusk_value_number(args[1], &b))
        return not_number(name, args[1], err);
    double r = op == OP_ADD ? a + b : op == OP_SUB ? a - b : a * b;
    return set_out(dusk_float(r), out, err);
}

/* Two ints in the pointer (the ints most tasks pass): their sum, when it
 * fits in one too, without binop's checks; 0 when it does not apply. Each
 * is within +-2^62, so the sum cannot overflow int64_t. */
static int imm_sum(const dusk_value *x, const dusk_value *y, dusk_value **o)
{
    if (!(dusk__is_imm(x) & dusk__is_imm(y)))
        return 0;
    int64_t s = dusk__imm_int(x) + dusk__imm_int(y);
    if (!dusk__int_fits_imm(s))
        return 0;
    *o = dusk__imm(s);
    return 1;
}

static int fn_add(dusk_value *const *a, size_t n, dusk_value **o, dusk_error *e, void *ud)
{
    (void)ud;
    if (n == 2 && imm_sum(a[0], a[1], o))
        return 0;
    return binop("add", OP_ADD, a, n, o, e);
}

static int fn_sub(dusk_value *const *a, size_t n, dusk_value **o, dusk_error *e, void *ud)
{
    (void)ud;
    return binop("sub", OP_SUB, a, n, o, e);
}

static int fn_mul(dusk_value *const *a, size_t n, dusk_value **o, dusk_error *e, void *ud)
{
    (void)ud;
    return binop("mul", OP_MUL, a, n, o, e);
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int inc_any(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err)
{
    int rc = arity("inc", nargs, 1, err);
    if (rc)
        return rc;
    if (is_int_like(args[0])) {
        int64_t x = int_like_of(args[0]), r;
        if (__builtin_add_overflow(x, 1, &r))
            return overflow("inc", x, "+", 1, err);
        return set_out(dusk__int(r), out, err);
    }
    double a;
    if (!dusk_value_number(args[0], &a))
        return not_number("inc", args[0], err);
    return set_out(dusk_float(a + 1), out, err);
}

static int fn_inc(dusk_value *const *args, size_t nargs, dusk_value **out,
                  dusk_error *err, void *ud)
{
    (void)ud;
    if (nargs == 1 && imm_sum(args[0], dusk__imm(1), out))
        return 0;
    return inc_any(args, nargs, out, err);
}

static int fn_neg(dusk_value *const *args, size_t nargs, dusk_value **out,
                  dusk_error *err, void *ud)
{
    (void)ud;
    int rc = arity("neg", nargs, 1, err);
    if (rc)
        return rc;
    if (is_int_like(args[0])) {
        int64_t x = int_like_of(args[0]), r;
        if (__builtin_sub_overflow((int64_t)0, x, &r))
            return dusk_error_set(err, DUSK_EINVAL,
                                  "neg: -(%" PRId64 ") is beyond 64-bit integers (dusk's "
                                  "integers are C's int64, not Python's; write a float, as "
                                  "%" PRId64 ".0, to compute in floats)", x, x);
        return set_out(dusk__int(r), out, err);
    }
    double a;
    if (!dusk_value_number(args[0], &a))
        return not_number("neg", args[0], err);
    return set_out(dusk_float(-a), out, err);
}

static int fn_sum(dusk_value *const *args, size_t nargs, dusk_value **out,
                  dusk_error *err, void *ud)
{
    (void)ud;
    int rc = arity("sum", nargs, 1, err);
    if (rc)
        return rc;
    const dusk_value *list = args[0];
    if (dusk_value_kind(list) != DUSK_KIND_TUPLE)
        return dusk_error_set(err, DUSK_ETYPE, "sum: expected a list, got %s",
                              dusk_kind_name(dusk_value_kind(list)));
    size_t n = dusk_tuple_len(list);
    int64_t isum = 0;
    double fsum = 0;
    int is_float = 0;
    for (size_t i = 0; i < n; i++) {
        const dusk_value *item = dusk_tuple_get(list, i);
        double d;
        if (!dusk_value_number(item, &d))
            return dusk_error_set(err, DUSK_ETYPE, "sum: item %zu is %s, not a number", i,
                                  kind_word(item));
        if (!is_float && !is_int_like(item)) {
            is_float = 1;
            fsum = (double)isum;
        }
        if (is_float)
            fsum += d;
        else if (__builtin_add_overflow(isum, int_like_of(item), &isum))
            return dusk_error_set(err, DUSK_EINVAL, "sum: the integers up to item %zu add up "
                                  "beyond 64-bit integers (dusk's integers are C's int64, not "
                                  "Python's; a float among them computes in floats)", i);
    }
    return set_out(is_float ? dusk_float(fsum) : dusk_int(isum), out, err);
}

static int fn_identity(dusk_value *const *args, size_t nargs, dusk_value **out,
                       dusk_error *err, void *ud)
{
    (void)ud;
    int rc = arity("identity", nargs, 1, err);
    if (rc)
        return rc;
    *out = dusk_value_ref(args[0]);
    return 0;
}

static int fn_sleep(dusk_value *const *args, size_t nargs, dusk_value **out,
                    dusk_error *err, void *ud)
{
    (void)ud;
    int rc = dusk_args_check("sleep", nargs, 1, 2, err);
    if (rc)
        return rc;
    double ms;
    if (!dusk_value_number(args[0], &ms))
        return not_number("sleep", args[0], err);
    if (ms < 0)
        return dusk_error_set(err, DUSK_EINVAL, "sleep: negative time %g ms", ms);
    /* as Python's time.sleep: at most what int64 nanoseconds hold (292
     * years); more, inf or nan would not fit time_t, and nanosleep's
     * EINVAL on the result would spin forever */
    if (!(ms <= 9.2e12))
        return dusk_error_set(err, DUSK_EINVAL, "sleep: %g ms is too long", ms);
    struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;  /* interrupted by a signal: sleep the rest */
    *out = dusk_value_ref(nargs == 2 ? args[1] : dusk_none());
    return 0;
}

const dusk_func dusk_inc = {"inc", fn_inc, NULL};
const dusk_func dusk_add = {"add", fn_add, NULL};
const dusk_func dusk_sub = {"sub", fn_sub, NULL};
const dusk_func dusk_mul = {"mul", fn_mul, NULL};
const dusk_func dusk_neg = {"neg", fn_neg, NULL};
const dusk_func dusk_sum = {"sum", fn_sum, NULL};
const dusk_func dusk_identity = {"identity", fn_identity, NULL};
const dusk_func dusk_sleep = {"sleep", fn_sleep, NULL};

static const dusk_func *const builtins[] = {
    &dusk_inc, &dusk_add, &dusk_sub, &dusk_mul, &dusk_neg, &dusk_sum, &dusk_identity,
    &dusk_sleep,
};

/* User functions registered by key; guarded by reg_lock. Lookups are a
 * linear scan: registries hold tens of functions and are read when a graph
 * is built by name or a task travels, not per task run.
 *
 * A processes run forks workers while other threads may hold reg_lock;
 * each worker looks its tasks' functions up, so it starts with a lock of
 * its own (dusk__registry_after_fork). What it sees of the registry must
 * then be whole wherever the holder was: an addition writes the entry
 * before it counts it, and a larger array is published before the old one
 * is freed. */
typedef struct reg_entry {
    const char *key;             /* a copy, kept for the process's life */
    const dusk_func *f;
    size_t min_args, max_args;   /* what dusk_func_set_arity declared ... */
    bool has_arity;              /* ... if it did */
} reg_entry;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static reg_entry *registered;
static size_t nregistered, reg_cap;
/* Whether any function declared its arity: until one does, a run checks
 * nothing (arrays and the builtins check their own arguments). */
static int arity_declared;

static const dusk_func *lookup_locked(const char *key)
{
    for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
        if (strcmp(builtins[i]->name, key) == 0)
            return builtins[i];
    for (size_t i = 0; i < nregistered; i++)
        if (strcmp(registered[i].key, key) == 0)
            return registered[i].f;
    return NULL;
}

const dusk_func *dusk_func_lookup(const char *key)
{
    if (!key)
        return NULL;
    pthread_mutex_lock(&reg_lock);
    const dusk_func *f = lookup_locked(key);
    pthread_mutex_unlock(&reg_lock);
    return f;
}

const char *dusk_func_key(const dusk_func *f)
{
    if (!f)
        return NULL;
    for (size_t i = 0; i < sizeof builtins / sizeof *builtins; i++)
        if (builtins[i] == f)
            return f->name;
    const char *key = NULL;
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < nregistered && !key; i++)
        if (registered[i].f == f)
            key = registered[i].key;
    pthread_mutex_unlock(&reg_lock);
    return key;
}

int dusk_func_register_as(const char *key, const dusk_func *f)
{
    /* NULL, and a function that cannot run or be named, are refused alike */
    if (!key || !key[0] || !f || !f->name || !f->fn)
        return DUSK_EINVAL;
    int rc = 0;
    pthread_mutex_lock(&reg_lock);
    const dusk_func *have = lookup_locked(key);
    if (have) {
        rc = have == f ? 0 : DUSK_EINVAL;
    } else {
        if (nregistered == reg_cap) {
            /* The registry lives for the process: plain malloc, so that it
             * is not counted among dusk's live blocks. */
            size_t cap = reg_cap ? reg_cap * 2 : 16;
            reg_entry *r = malloc(cap * sizeof *r), *old = registered;
            if (!r) {
                rc = DUSK_ENOMEM;
            } else {
                if (nregistered)
                    memcpy(r, old, nregistered * sizeof *r);
                __atomic_store_n(&registered, r, __ATOMIC_RELEASE);
                reg_cap = cap;
                free(old);
            }
        }
        /* the key is copied: the caller's text may be a buffer of its own */
        char *copy = rc ? NULL : strdup(key);
        if (!rc && !copy)
            rc = DUSK_ENOMEM;
        if (!rc) {
            registered[nregistered] = (reg_entry){copy, f, 0, 0, false};
            __atomic_store_n(&nregistered, nregistered + 1, __ATOMIC_RELEASE);
        }
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

int dusk_func_register(const dusk_func *f)
{
    return dusk_func_register_as(f ? f->name : NULL, f);
}

int dusk_func_set_arity(const char *key, size_t min_args, size_t max_args)
{
    if (!key || min_args > max_args)
        return DUSK_EINVAL;
    int rc = DUSK_EINVAL;   /* a builtin (it checks its own) or no function */
    pthread_mutex_lock(&reg_lock);
    const dusk_func *f = NULL;
    for (size_t i = 0; i < nregistered && !f; i++)
        if (strcmp(registered[i].key, key) == 0)
            f = registered[i].f;
    /* the arity is the function's: every key it is registered under */
    for (size_t i = 0; f && i < nregistered; i++)
        if (registered[i].f == f) {
            registered[i].min_args = min_args;
            registered[i].max_args = max_args;
            __atomic_store_n(&registered[i].has_arity, true, __ATOMIC_RELEASE);
            rc = 0;
        }
    if (rc == 0)
        __atomic_store_n(&arity_declared, 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

int dusk__any_arity(void)
{
    return __atomic_load_n(&arity_declared, __ATOMIC_ACQUIRE);
}

int dusk__func_arity(const dusk_func *f, size_t *min_args, size_t *max_args)
{
    int found = 0;
    pthread_mutex_lock(&reg_lock);
    for (size_t i = 0; i < nregistered && !found; i++)
        if (registered[i].f == f && registered[i].has_arity) {
            *min_args = registered[i].min_args;
            *max_args = registered[i].max_args;
            found = 1;
        }
    pthread_mutex_unlock(&reg_lock);
    return found;
}

void dusk__registry_after_fork(void)
{
    pthread_mutex_init(&reg_lock, NULL);
}
