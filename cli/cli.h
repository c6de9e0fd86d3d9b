/*
** dusk cli — private to the `dusk` command (cli/, built to build/dusk)
**
** main.c reads the subcommand and hands the rest of argv to one of these;
** each returns the command's exit code: 0 done, 1 the run or a file
** failed, 2 bad usage; run and eval 130 or 143 when Ctrl-C or SIGTERM
** stopped them (cli_interrupt_exit). Messages go to stderr as one line,
** "dusk SUB: what is wrong", naming the file, key, option or column.
*/
#ifndef DUSK_CLI_H
#define DUSK_CLI_H

#include <stddef.h>

/* argv[0] is the subcommand's name ("run"), argv[1..argc) its arguments. */
int cli_run(int argc, char **argv);
int cli_render(int argc, char **argv);
int cli_profile(int argc, char **argv);
int cli_eval(int argc, char **argv);      /* cli/eval.c */
int cli_demo(int argc, char **argv);
int cli_view(int argc, char **argv);

/* The did-you-mean guess for `given` among known, or NULL when none is
 * close (expr_closest, cli/expr.c, says how it is chosen): "unknown
 * option '--wrokers'; did you mean '--workers'?", and for '--nope' none. */
const char *cli_closest(const char *given, const char *const *known, size_t n);

/* Whether stderr is a terminal and --quiet was not given (progress bars). */
int cli_progress_wanted(int quiet);

/* --- shared by the subcommands (cli/args.c, cli/graphfile.c) ----------------- */

#include <stdio.h>

#include <dusk/events.h>
#include <dusk/graph.h>

/* The help text of a subcommand ("run", ...; NULL: the whole command's)
 * to f; returns 0, or 2 for a subcommand that does not exist. */
int cli_help(const char *sub, FILE *f);

/* Walks a subcommand's arguments. opts lists the options it takes, each
 * as typed ("--workers", "-o"), its spellings separated by '|' ("-q|--quiet"),
 * a trailing '=' meaning it takes a value ("--workers="), "=*" one that
 * may be given more than once ("--plugin=*"); "--opt value" and
 * "--opt=value" both work, "--" ends the options. cli_next returns the
 * index of the option met (its value in *val), CLI_ARG for a plain
 * argument (in *val), CLI_END at the end, or CLI_BAD once it has said on
 * stderr what is wrong (an unknown option, with the closest known one; a
 * missing value; a value given twice, cli_once): the caller exits 2.
 * "--help" and "-h" are CLI_HELP. A flag given twice is the flag. At
 * most CLI_MAX_OPTS entries. */
enum { CLI_ARG = -1, CLI_END = -2, CLI_BAD = -3, CLI_HELP = -4 };
enum { CLI_MAX_OPTS = 32 };
typedef struct cli_args {
    int argc;
    char **argv;
    int i;                 /* the next argument */
    int only_args;         /* after "--" */
    const char *given[CLI_MAX_OPTS];   /* each option's value, once met */
} cli_args;
int cli_next(cli_args *a, const char *const *opts, size_t n, const char **val);

/* An option that takes one value, met with val: the first time, *first
 * (NULL until then) keeps val and 0 is returned; a second time, says
 * "dusk SUB: OPT given twice ('A' and 'B')" and returns 2, rather than let
 * the last one silently win. cli_next calls it for every subcommand that
 * uses it; eval, which walks its own arguments, calls it too. */
int cli_once(const char *sub, const char *opt, const char **first, const char *val);

/* Prints "dusk SUB: " and the message to stderr, with a newline; returns
 * code, so that `return cli_fail(1, "run", ...)` reads as what it does. */
int cli_fail(int code, const char *sub, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* A library's message as the command's users read it, in place (msg
 * holds n bytes): a leading C function name ("dusk_view_get: ") left out,
 * a hint that names a C call spelled as the command's option. cli_fail
 * does this to every message it prints. */
void cli_user_text(char *msg, size_t n);

/* 0 when path can be written (its directory exists and is writable);
 * else says so ("dusk SUB: cannot write PATH: why") and returns 1. Checked
 * before a run, so that a long run does not end in an unwritable file. */
int cli_check_output(const char *sub, const char *path);
/* 0 when path's extension names a picture dusk_visualize draws (.svg .png
 * .pdf .jpg .jpeg .dot .gv .xdot, in any case); else says so ("dusk SUB: OPT PATH: the
 * picture is ...", opt may be NULL) and returns 2. */
int cli_check_picture(const char *sub, const char *opt, const char *path);
/* Before dusk_visualize of ntasks tasks with *vo: when its auto view will
 * switch to the layer view, says so in the CLI's words (what to pass for
 * the task view: how, e.g. "--view tasks or --threshold N") and sets
 * vo->quiet, so that viz's own note (which names the C options) is not
 * printed too. */
struct dusk_viz_options;
void cli_layers_note(const char *sub, struct dusk_viz_options *vo, size_t ntasks,
                     const char *how);
/* An input file's path as given: "-" is standard input, read whole into
 * a temporary file that *path then names (and that messages call
 * <stdin>); other paths are left alone. 0, or 1 once said why not. */
int cli_input(const char *sub, const char **path);
/* path as its user knows it: <stdin> for cli_input's file, else path. */
const char *cli_shown(const char *path);
/* 0 when path's extension is ext1 or ext2 (may be NULL), in any case; else
 * says so ("dusk SUB: OPT PATH: KIND is a .EXT1 file") and returns 2: an
 * HTML report is not written into r.txt. */
int cli_check_kind(const char *sub, const char *opt, const char *path, const char *kind,
                   const char *ext1, const char *ext2);
/* Whether paths a and b name one file (whether or not it exists yet). */
int cli_same_file(const char *a, const char *b);

/* A whole number in [lo, hi] from text (for --workers, --threshold). */
int cli_parse_int(const char *text, long lo, long hi, long *out);

/* Reads the graph file at path (the format: cli/graphfile.c, dusk.1)
 * into *out, the caller's to dusk_graph_free. Functions are looked up
 * with dusk_func_lookup (the builtins and what plugins registered). On
 * failure, *out is NULL, 1 is returned and err holds a one-line message
 * that names the file (and line:column, key or function). */
int cli_graph_load(const char *path, dusk_graph **out, dusk_error *err);

/* After a run of the graph that cli_graph_load read from path failed
 * with msg ("task 'z' (add) failed: ..."): a hint about that task's entry
 * in out, when one applies, and 1; else 0. A string argument that is no
 * key but close to one ('x' for 'xx', which Dask too passes as text), or
 * a list that reads as a nested task (["inc", "a"], which graph files,
 * like Dask's lists, pass as a list). */
int cli_graph_hint(const char *path, dusk_graph *g, const char *msg, char *out, size_t n);

/* Whether the JSON file at path is a Chrome trace (an object with the
 * top-level key "traceEvents", whatever its value and wherever it stands,
 * or an array of objects, [] too) rather than a graph file. A scan of its tokens,
 * up to that key; a graph file is scanned whole. */
int cli_is_trace(const char *path);

/* dlopens the shared library at path and calls its entry point
 *     int dusk_plugin_init(int (*register_fn)(const dusk_func *f));
 * which registers its functions through register_fn (dusk_func_register,
 * whose names the CLI also keeps for its "known functions" list) and
 * returns 0. 1 with a message in err when the library cannot be opened,
 * has no such entry or its entry fails. The library stays loaded. */
int cli_plugin_load(const char *path, dusk_error *err);
/* The names of the builtins and of the plugins' functions, ", "-separated. */
const char *cli_known_functions(void);

/* The graph of a trace's first run, rebuilt from its records through the
 * public API (dusk_profiler_read_trace, dusk_profiler_run_events): a key
 * per recorded task, with its recorded function name (a function that
 * refuses to run) and its recorded dependencies; *ev gets the run's events
 * renamed to the new graph's ids (dusk_free them), for dusk_visualize's
 * colour modes. The functions live in *funcs (cli_trace_graph_free). */
typedef struct cli_trace_graph {
    dusk_graph *g;
    dusk_event *ev;
    size_t nev;
    dusk_func *funcs;
    size_t nfuncs;
} cli_trace_graph;
int cli_trace_graph_load(const char *path, cli_trace_graph *t, dusk_error *err);
void cli_trace_graph_free(cli_trace_graph *t);

/* Ctrl-C (SIGINT) and SIGTERM during a run that writes files: after
 * cli_interrupt_install, either signal stops the run through the gate of
 * cli_interrupt_callbacks (no task starts after it; running tasks finish)
 * so that the run fails and its writers remove their temporary files;
 * cli_interrupted() then gives the signal (0 if none came), and
 * cli_interrupt_exit says "dusk SUB: interrupted" and returns the exit
 * code the shell gives a process the signal killed (130, 143). A second
 * signal kills at once. A signal ignored at start stays ignored. */
void cli_interrupt_install(void);
dusk_callbacks cli_interrupt_callbacks(void);
/* Set with the gate: the live window's stop (a paused run waits in the
 * window's own gate, which the interrupt's would never be asked). */
const int *cli_interrupt_flag(void);
int cli_interrupted(void);
int cli_interrupt_exit(const char *sub);

/* The results of keys (tuple: their values in order) on one line, as
 * Dask's get prints them: the value alone for one key, else the tuple. A
 * tuple in a value prints as a list where the graph file at path wrote a
 * list (or identity passed one through), else as a tuple: what a plugin's
 * function returned (cli/graphfile.c). */
int cli_print_results(const char *path, const char *const *keys, size_t n, dusk_value *tuple,
                      FILE *f);

#endif /* DUSK_CLI_H */
