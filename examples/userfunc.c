/*
** examples/userfunc.c — your own task functions
**
** A task function takes the computed arguments (borrowed), sets *out to a
** new value, and returns 0 or a negative DUSK_E... code. Paired with a
** display name in a dusk_func, it is what pictures and profiles show; once
** registered, dusk_func_lookup (and later the CLI) find it by that name.
**
**     dsk = {'sq-0': (square, 0), ..., 'sq-4': (square, 4),
**            'total': (sum, ['sq-0', ..., 'sq-4']),
**            'scaled': (scale, 'total'),            # scale = x * 10
**            'bad': (checked_sqrt, -1)}
**
** Build and run:  make && ./build/examples/userfunc
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <dusk.h>

/* square(x) = x * x, for ints and floats alike. */
static int square_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                     dusk_error *err, void *ud)
{
    (void)ud;
    if (nargs != 1)
        return dusk_error_set(err, DUSK_EINVAL, "square takes 1 argument, got %zu", nargs);
    if (dusk_value_kind(args[0]) == DUSK_KIND_INT) {
        int64_t x = dusk_value_int(args[0]);
        *out = dusk_int(x * x);
    } else {
        double x;
        if (!dusk_value_number(args[0], &x))
            return dusk_error_set(err, DUSK_ETYPE, "square of a %s",
                                  dusk_kind_name(dusk_value_kind(args[0])));
        *out = dusk_float(x * x);
    }
    return *out ? 0 : DUSK_ENOMEM;
}

/* scale(x) = x * factor, where the factor comes from the dusk_func's ud. */
static int scale_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                    dusk_error *err, void *ud)
{
    const int64_t *factor = ud;
    if (nargs != 1 || dusk_value_kind(args[0]) != DUSK_KIND_INT)
        return dusk_error_set(err, DUSK_ETYPE, "scale takes one int");
    *out = dusk_int(dusk_value_int(args[0]) * *factor);
    return *out ? 0 : DUSK_ENOMEM;
}

/* checked_sqrt(x) fails on negative numbers, with a message. */
static int checked_sqrt_fn(dusk_value *const *args, size_t nargs,
                           dusk_value **out, dusk_error *err, void *ud)
{
    double x;
    (void)ud;
    if (nargs != 1 || !dusk_value_number(args[0], &x))
        return dusk_error_set(err, DUSK_ETYPE, "checked_sqrt takes one number");
    if (x < 0)
        return dusk_error_set(err, DUSK_EINVAL, "math domain error: sqrt(%g)", x);
    *out = dusk_float(sqrt(x));
    return *out ? 0 : DUSK_ENOMEM;
}

static const int64_t ten = 10;
static const dusk_func square = {"square", square_fn, NULL};
static const dusk_func scale = {"scale", scale_fn, (void *)&ten};
static const dusk_func checked_sqrt = {"checked_sqrt", checked_sqrt_fn, NULL};

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* in order with stderr, even into a pipe */
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    char buf[256];
    int failures = 0;

    /* Register by display name; the lookup then finds the same dusk_func. */
    if (dusk_func_register(&square) || dusk_func_register(&scale) ||
        dusk_func_register(&checked_sqrt)) {
        fprintf(stderr, "userfunc: could not register the functions\n");
        return 1;
    }
    const dusk_func *f = dusk_func_lookup("square");
    printf("dusk_func_lookup(\"square\") -> %s\n",
           f == &square ? "our square" : "something else");
    failures += f != &square;

    dusk_graph *g = dusk_graph_new();
    dusk_arg *items[5];
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof key, "sq-%d", i);
        dusk_task(g, key, &square, dusk_lit_int(i));
        items[i] = dusk_ref(key);
    }
    dusk_graph_taskv(g, "total", &dusk_sum, 1, (dusk_arg *[]){dusk_listv(5, items)});
    dusk_task(g, "scaled", &scale, dusk_ref("total"));
    dusk_task(g, "bad", &checked_sqrt, dusk_lit_int(-1));
    if (dusk_graph_status(g, &err)) {
        fprintf(stderr, "userfunc: %s\n", err.msg);
        return 1;
    }

    /* Each task knows its function, so its display name. */
    for (int64_t id = 0; id < (int64_t)dusk_graph_size(g); id++) {
        const dusk_func *tf = dusk_graph_func(g, id);
        printf("  task %-8s runs %s\n", dusk_graph_key(g, id), tf ? tf->name : "-");
    }

    if (dusk_get(g, "scaled", NULL, &v, &err) == 0) {
        dusk_value_repr(v, buf, sizeof buf);
        printf("get(dsk, 'scaled') -> %s\n", buf);   /* (0+1+4+9+16) * 10 */
        failures += strcmp(buf, "300") != 0;
        dusk_value_unref(v);
    } else {
        printf("get(dsk, 'scaled') failed: %s\n", err.msg);
        failures++;
    }

    /* A failing task: the call returns its code; the message names the key. */
    int rc = dusk_get(g, "bad", NULL, &v, &err);
    printf("get(dsk, 'bad') -> %s: %s\n", dusk_err_name(rc), err.msg);
    failures += rc == 0;
    if (rc == 0)
        dusk_value_unref(v);

    dusk_graph_free(g);
    return failures ? 1 : 0;
}
