/*
** A --plugin library for tests/cli/test_cli.c: registers "square" and
** "fails" (always fails) through the entry point dusk looks for.
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

static const dusk_func square = {"square", square_fn, NULL};
static const dusk_func fails = {"fails", fails_fn, NULL};

int dusk_plugin_init(int (*register_fn)(const dusk_func *f));
int dusk_plugin_init(int (*register_fn)(const dusk_func *f))
{
    return register_fn(&square) || register_fn(&fails);
}
