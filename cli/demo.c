/*
** dusk cli — `dusk demo [NAME]`: the demos `make demo` runs
**
** The demos are the example programs themselves, linked into dusk once
** more with their main renamed (the Makefile compiles examples/demo.c
** with -Dmain=cli_demo_tour_main and examples/view.c with
** -Dmain=cli_demo_window_main), so that `dusk demo` runs in-process the
** very code build/dusk-demo and build/examples/view run, and the examples
** stay what a user reads and copies.
*/
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_demo_tour_main(int argc, char **argv);     /* examples/demo.c */
int cli_demo_window_main(int argc, char **argv);   /* examples/view.c */

static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *what;
} demos[] = {
    {"tour", cli_demo_tour_main,
     "the lecture's graphs, a map-reduce on both schedulers with its profile, "
     "and the lecture's array job (into --dir, default build/demo or dusk-demo)"},
    {"window", cli_demo_window_main,
     "r = x - x.mean(axis=0) in the live window, slowed for a class"},
};
enum { NDEMOS = sizeof demos / sizeof demos[0] };

int cli_demo(int argc, char **argv)
{
    const char *sub = argv[0];
    int at = 1;
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        cli_help("demo", stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--list")) {
        if (argc > 2)
            return cli_fail(2, sub, "--list takes nothing more ('%s')", argv[2]);
        for (size_t i = 0; i < NDEMOS; i++)
            printf("%-8s %s\n", demos[i].name, demos[i].what);
        return 0;
    }
    /* `dusk demo --dir D tour`: the demo's name after its options (where
     * it read as an unknown option of the tour); a name right after an
     * option may be that option's value (--dir tour), and is left alone */
    for (int k = 2; argc > 1 && argv[1][0] == '-' && k < argc; k++)
        for (size_t i = 0; i < NDEMOS; i++)
            if (!strcmp(argv[k], demos[i].name) &&
                (argv[k - 1][0] != '-' || strchr(argv[k - 1], '=')))
                return cli_fail(2, sub, "the demo's name comes before its options: dusk demo %s "
                                "%s ...", demos[i].name, argv[1]);
    const char *name = "tour";
    if (argc > 1 && argv[1][0] != '-') {
        name = argv[1];
        at = 2;
    }
    for (size_t i = 0; i < NDEMOS; i++) {
        if (strcmp(demos[i].name, name) != 0)
            continue;
        /* the demo sees its own name and the options after NAME */
        char *saved = argv[at - 1];
        char prog[64];
        snprintf(prog, sizeof prog, "dusk %s%s %s", sub, strcmp(sub, "view") ? "" : " --demo",
                 name);
        argv[at - 1] = prog;
        /* the tour says where its files go (examples/demo.c), once its
         * options are read: a bad one fails before that */
        char **args = argv + at - 1;
        int nargs = argc - at + 1;
        int rc = demos[i].main(nargs, args);
        argv[at - 1] = saved;
        return rc == 0 ? 0 : rc == 2 ? 2 : 1;
    }
    const char *names[NDEMOS];
    for (size_t i = 0; i < NDEMOS; i++)
        names[i] = demos[i].name;
    const char *near = cli_closest(name, names, NDEMOS);
    if (near)
        return cli_fail(2, sub, "no demo '%s'; did you mean '%s'? (dusk demo --list)", name, near);
    return cli_fail(2, sub, "no demo '%s' (dusk demo --list names them)", name);
}
