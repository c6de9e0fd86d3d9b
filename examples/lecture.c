/*
** examples/lecture.c — the lecture's first task graphs, in C
**
** The Dask lecture builds two graphs by hand and runs them with get():
**
**     dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'),
**            'z': (add, 'b', 'y')}
**     get(dsk, 'z')                      -> 13
**
**     dsk2 = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'),
**             'd': (sum, ['a', 'b', 'c'])}
**     get(dsk2, 'c')                     -> 3
**     get(dsk2, 'd')                     -> 6
**     get(dsk2, ['a', 'b', 'c'])         -> (1, 2, 3)
**
** This program builds the same graphs with dusk, runs them on both
** schedulers, prints each result the way Python would, and exits non-zero
** if any differs from the lecture's.
**
** Build and run:  make && ./build/examples/lecture
** Outside the tree, once installed:
**     cc lecture.c $(pkg-config --cflags --libs dusk)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dusk.h>

static int failures;

/* Prints "get(name, what) -> repr" and checks the repr. Takes v over. */
static void show(const char *call, dusk_value *v, const char *expect)
{
    char buf[256];
    dusk_value_repr(v, buf, sizeof buf);
    printf("%-40s -> %s\n", call, buf);
    if (strcmp(buf, expect) != 0) {
        printf("    expected %s\n", expect);
        failures++;
    }
    dusk_value_unref(v);
}

/* Stops the program with the message of a failed call. */
static void check(int rc, const dusk_error *err, const char *what)
{
    if (rc == 0)
        return;
    fprintf(stderr, "lecture: %s: %s\n", what,
            err && err->msg[0] ? err->msg : dusk_strerror(rc));
    exit(1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);   /* in order with stderr, even into a pipe */
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;

    /* dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'),
     *        'z': (add, 'b', 'y')} */
    dusk_graph *dsk = dusk_graph_new();
    dusk_graph_value(dsk, "a", dusk_int(1));
    dusk_graph_value(dsk, "x", dusk_int(10));
    dusk_task(dsk, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(dsk, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(dsk, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    /* Builder errors are sticky: one check covers every call above. */
    check(dusk_graph_status(dsk, &err), &err, "building dsk");

    /* get(dsk, 'z'): the threaded scheduler is the default (opts NULL). */
    check(dusk_get(dsk, "z", NULL, &v, &err), &err, "get(dsk, 'z')");
    show("get(dsk, 'z')", v, "13");

    /* The same graph on the synchronous scheduler, dask.get's equivalent. */
    dusk_options sync = DUSK_OPTIONS_INIT;
    sync.scheduler = DUSK_SCHED_SYNC;
    check(dusk_get(dsk, "z", &sync, &v, &err), &err, "get(dsk, 'z'), sync");
    show("get(dsk, 'z')  [sync]", v, "13");
    dusk_graph_free(dsk);

    /* dsk2 = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'),
     *         'd': (sum, ['a', 'b', 'c'])} */
    dusk_graph *dsk2 = dusk_graph_new();
    dusk_graph_value(dsk2, "a", dusk_int(1));
    dusk_graph_value(dsk2, "b", dusk_int(2));
    dusk_task(dsk2, "c", &dusk_add, dusk_ref("a"), dusk_ref("b"));
    dusk_task(dsk2, "d", &dusk_sum,
              dusk_list(dusk_ref("a"), dusk_ref("b"), dusk_ref("c")));
    check(dusk_graph_status(dsk2, &err), &err, "building dsk2");

    check(dusk_get(dsk2, "c", NULL, &v, &err), &err, "get(dsk2, 'c')");
    show("get(dsk2, 'c')", v, "3");
    check(dusk_get(dsk2, "d", NULL, &v, &err), &err, "get(dsk2, 'd')");
    show("get(dsk2, 'd')", v, "6");

    /* get(dsk2, ['a', 'b', 'c']) gives a tuple. */
    const char *keys[] = {"a", "b", "c"};
    check(dusk_get_list(dsk2, keys, 3, NULL, &v, &err), &err,
          "get(dsk2, ['a', 'b', 'c'])");
    show("get(dsk2, ['a', 'b', 'c'])", v, "(1, 2, 3)");

    /* A missing key is an error with a message, not a crash. */
    int rc = dusk_get(dsk2, "q", NULL, &v, &err);
    printf("%-40s -> %s (%s)\n", "get(dsk2, 'q')", dusk_err_name(rc), err.msg);
    if (rc == 0) {
        dusk_value_unref(v);
        failures++;
    }
    dusk_graph_free(dsk2);

    if (failures)
        printf("lecture: %d result(s) differ from the lecture\n", failures);
    return failures ? 1 : 0;
}
