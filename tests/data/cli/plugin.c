/*
** A --plugin library for tests/cli/test_cli.c: registers "square",
** "fails" (always fails), "pair" (a, b) -> the tuple (a, b) and "wrap"
** (x) -> the 1-tuple (x,), through the entry point dusk looks for.
** Built by the test: cc -shared -fPIC -Iinclude plugin.c -o plugin.so
*/
#include <dusk/graph.h>

static int square_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                     dusk_error *err, void *ud)
{
    (void)ud;
    if (nargs != 1)
        return dusk_error_set(err, DUSK_EINVAL, "square takes one argument");
    int64_t x = dusk_value_int(args[0]);
    *out = dusk_int(x * x);
    return *out ? 0 : DUSK_ENOMEM;
}

static int fails_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                    dusk_error *err, void *ud)
{
    (void)args;
    (void)nargs;
    (void)out;
    (void)ud;
    return dusk_error_set(err, DUSK_EIO, "disk on fire");
}

/* pair(a, b) = (a, b); wrap(x) = (x,): tuples, as a C function builds them */
static int tuple_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                    dusk_error *err, void *ud)
{
    size_t want = (size_t)(uintptr_t)ud;
    int rc = dusk_args_check(want == 2 ? "pair" : "wrap", nargs, want, want, err);
    if (rc)
        return rc;
    /* the arguments are borrowed: the tuple takes references of its own */
    dusk_value *t = dusk_tuple_new(nargs);
    for (size_t i = 0; t && i < nargs; i++)
        dusk_tuple_set(t, i, dusk_value_ref(args[i]));
    *out = t;
    return *out ? 0 : DUSK_ENOMEM;
}

static const dusk_func square = {"square", square_fn, NULL};
static const dusk_func pair = {"pair", tuple_fn, (void *)(uintptr_t)2};
static const dusk_func wrap = {"wrap", tuple_fn, (void *)(uintptr_t)1};
static const dusk_func fails = {"fails", fails_fn, NULL};

int dusk_plugin_init(int (*register_fn)(const dusk_func *f));
int dusk_plugin_init(int (*register_fn)(const dusk_func *f))
{
    return register_fn(&square) || register_fn(&fails) || register_fn(&pair) ||
           register_fn(&wrap);
}
