/*
** dusk cli — main: the subcommand, --help, --version
**
** `dusk SUB ARGS...` hands ARGS to the subcommand's function (cli.h), whose
** return value is the exit code: 0 done, 1 the run or a file failed, 2 bad
** usage. Every help text lives here, in one table, so that `dusk --help`,
** `dusk help SUB` and `dusk SUB --help` say the same (and dusk.1 follows it).
*/
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dusk/version.h>

#include "cli/cli.h"

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *help;     /* NULL: the subcommand prints its own (eval) */
} subcommand;

static const subcommand subs[] = {
    {"run", cli_run, "run a graph file and print its results",
     "usage: dusk run GRAPH.json [KEY...] [options]\n"
     "\n"
     "Runs the graph for the KEYs (default: the keys no task depends on) and\n"
     "prints their results as Dask's get does: the value alone for one key\n"
     "(13), a tuple for several ((1, 2, 3)).\n"
     "\n"
     "  --scheduler sync|threads|processes  the scheduler (default threads;\n"
     "                            processes: tasks in forked workers, crash-isolated)\n"
     "  --workers N               worker threads or processes (default, and 0: one per core)\n"
     "  --progress                a progress bar on stderr (when it is a terminal)\n"
     "  -q, --quiet               no progress bar, no notes\n"
     "  --trace T.json            write the run's Chrome trace (dusk profile reads it)\n"
     "  --report R.html           write the HTML performance report\n"
     "  --chart C.png|svg|pdf     write the profile chart\n"
     "  --csv C.csv               write the task records as CSV\n"
     "  --view                    watch the run in the live window\n"
     "  --delay S                 with --view: at least S seconds per task\n"
     "  --start-paused            with --view: wait for space or n\n"
     "  --theme T                 with --view: light, dark, contrast or a theme file\n"
     "  --close                   with --view: close the window when the run ends\n"
     "                            (the default when stdin is not a terminal)\n"
     "  --plugin LIB.so           load task functions from a library (see dusk.1)\n"},
    {"render", cli_render, "draw a graph file or a trace with Graphviz",
     "usage: dusk render GRAPH.json|TRACE.json -o OUT [options]\n"
     "\n"
     "Draws the graph as dask.visualize does. Given a trace (dusk run --trace),\n"
     "draws the recorded run, coloured by --color (default duration).\n"
     "\n"
     "  -o, --output FILE         the picture; its format from the extension, in\n"
     "                            any case: .svg .png .pdf .jpg .jpeg .dot .gv .xdot;\n"
     "                            - with --format: standard output\n"
     "  --format F                the format, whatever the extension: svg, png,\n"
     "                            pdf, jpg, jpeg, dot, gv, xdot, or svg:graphviz\n"
     "                            (Graphviz's own SVG renderer, not dusk's writer)\n"
     "  --color none|order|worker|duration|bytes|state\n"
     "                            (worker, duration, bytes, state need a trace)\n"
     "  --view auto|tasks|layers  one node per task, or per layer (auto: layers\n"
     "                            past --threshold tasks)\n"
     "  --threshold N             auto's switch to layers (default 1000; with\n"
     "                            --view auto only)\n"
     "  --collapse-outputs        task and result as one node\n"
     "  --verbose                 boxes show full keys\n"
     "  --rankdir BT|TB|LR|RL     direction of the edges (default BT; any case)\n"
     "  --layout auto|dot|layered who places the nodes: Graphviz's dot, or dusk's\n"
     "                            layered layout (auto: dot up to 2000 nodes)\n"
     "  -q, --quiet               no note when auto switches to layers\n"
     "  --plugin LIB.so           load task functions from a library\n"},
    {"profile", cli_profile, "summarise a recorded run (a trace)",
     "usage: dusk profile TRACE.json [-o report.html|chart.png|chart.svg|chart.pdf|data.csv]\n"
     "\n"
     "Prints the summary of a trace that dusk run --trace wrote: per function\n"
     "count, total, mean, max and share of busy time, the critical path and\n"
     "the parallel efficiency. With -o, writes the HTML report, a chart or the\n"
     "task records as CSV instead (the kind from the extension).\n"
     "\n"
     "  -o, --output FILE         what to write\n"},
    {"eval", cli_eval, "evaluate a NumPy-style array expression over HDF5 data", NULL},
    {"demo", cli_demo, "run the demos that `make demo` runs",
     "usage: dusk demo [NAME] [options of the demo]\n"
     "       dusk demo --list\n"
     "\n"
     "  tour      (default) the lecture's graphs, a map-reduce of 3,393 tasks on\n"
     "            both schedulers with its profile (trace.json, timeline.png,\n"
     "            report.html), and the lecture's array job on rnd_data.hdf5;\n"
     "            options: --dir DIR (default build/demo where a build folder\n"
     "            is, as in dusk's source tree, else dusk-demo; said on stderr),\n"
     "            --input FILE, --dataset NAME, --chunks SPEC, --output FILE,\n"
     "            --workers N, --array-only\n"
     "  window    r = x - x.mean(axis=0) in the live window, slowed for a class;\n"
     "            [FILE.hdf5 [DATASET]] [--close] [--screenshot PNG] [--theme T];\n"
     "            without a file, x is ones((1000, 1000)) in (250, 250) blocks\n"
     "            (make demo gives it build/demo/rnd_data.hdf5); no display:\n"
     "            computes without the window and says how\n"},
    {"view", cli_view, "open the live window on a graph, a trace, an expression or a demo",
     "usage: dusk view GRAPH.json [KEY...] [options of dusk run]\n"
     "       dusk view TRACE.json [--close] [--theme light|dark|contrast|FILE]\n"
     "       dusk view --eval EXPR [options of dusk eval]\n"
     "       dusk view --demo [window] [options of that demo]\n"
     "\n"
     "A graph file is run in the window (as dusk run --view); a trace is\n"
     "replayed in it; --eval hands the rest to dusk eval with --view;\n"
     "--demo runs a demo that shows the window (dusk demo --list).\n"
     "Needs a display (DISPLAY or WAYLAND_DISPLAY; SDL_VIDEODRIVER=dummy draws\n"
     "without one).\n"},
    {"help", NULL, "show the help of a subcommand", "usage: dusk help [SUBCOMMAND]\n"},
};
enum { NSUBS = sizeof subs / sizeof subs[0] };

static const subcommand *find(const char *name)
{
    for (size_t i = 0; i < NSUBS; i++)
        if (strcmp(subs[i].name, name) == 0)
            return &subs[i];
    return NULL;
}

int cli_help(const char *sub, FILE *f)
{
    if (!sub) {
        fprintf(f, "usage: dusk [--version] [--help] SUBCOMMAND [ARGS...]\n"
                   "\n"
                   "Runs, draws, profiles and watches dusk task graphs and array\n"
                   "expressions without writing C.\n\n");
        for (size_t i = 0; i < NSUBS; i++)
            fprintf(f, "  %-9s %s\n", subs[i].name, subs[i].summary);
        fprintf(f, "\n`dusk help SUB` or `dusk SUB --help` tells more; man dusk has it all.\n"
                   "Exit codes: 0 done, 1 the run or a file failed, 2 bad usage, 130 (143)\n"
                   "interrupted by Ctrl-C (SIGTERM), its outputs not written.\n");
        return 0;
    }
    const subcommand *s = find(sub);
    if (!s || !s->help)
        return 2;
    fputs(s->help, f);
    return 0;
}

static const char *const sub_names[] = {"run", "render", "profile", "eval",
                                        "demo", "view", "help"};

static int unknown_sub(const char *name)
{
    const char *near = cli_closest(name, sub_names, NSUBS);
    fprintf(stderr, "dusk: unknown subcommand '%s'", name);
    if (near)
        fprintf(stderr, "; did you mean '%s'?", near);
    fprintf(stderr, " (dusk --help lists them)\n");
    return 2;
}

static int help_of(const char *name)
{
    const subcommand *s = find(name);
    if (!s)
        return unknown_sub(name);
    if (!s->help) {   /* eval prints its own */
        char *argv[] = {(char *)s->name, "--help", NULL};
        return s->fn(2, argv);
    }
    cli_help(name, stdout);
    return 0;
}

static int command(int argc, char **argv, const char **who);

/* Whatever the command printed must have reached stdout (a full disk, a
 * closed pipe): else it failed, help and --version included. */
int main(int argc, char **argv)
{
    const char *who = NULL;
    int rc = command(argc, argv, &who);
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
        fprintf(stderr, "dusk%s%s: cannot write the output: %s\n", who ? " " : "",
                who ? who : "", strerror(errno));
        rc = 1;
    }
    return rc;
}

static int command(int argc, char **argv, const char **who)
{
    if (argc < 2) {
        cli_help(NULL, stderr);
        return 2;
    }
    const char *first = argv[1];
    if (!strcmp(first, "--help") || !strcmp(first, "-h")) {
        cli_help(NULL, stdout);
        return 0;
    }
    if (!strcmp(first, "--version") || !strcmp(first, "-V")) {
        printf("dusk %s\n", DUSK_VERSION);
        return 0;
    }
    if (!strcmp(first, "help")) {
        if (argc == 2) {
            cli_help(NULL, stdout);
            return 0;
        }
        if (argc > 3) {
            fprintf(stderr, "dusk help: one subcommand at a time (got %d)\n", argc - 2);
            return 2;
        }
        if (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) {
            cli_help(NULL, stdout);   /* every subcommand answers --help, help too */
            return 0;
        }
        return help_of(argv[2]);
    }
    if (first[0] == '-') {
        static const char *const top[] = {"--help", "--version"};
        const char *near = cli_closest(first, top, 2);
        fprintf(stderr, "dusk: unknown option '%s'", first);
        if (near)
            fprintf(stderr, "; did you mean '%s'?", near);
        fprintf(stderr, " (dusk --help)\n");
        return 2;
    }
    const subcommand *s = find(first);
    if (!s)
        return unknown_sub(first);
    *who = s->name;
    return s->fn(argc - 1, argv + 1);
}
