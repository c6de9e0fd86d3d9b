/*
** dusk tests — the dusk command as a user meets it (cli/)
**
** Runs the built <build>/dusk (beside this program's build tree, so that
** the sanitizer builds run their own, which then also report leaks as a
** failed exit code) on good and bad inputs, in a scratch folder, and
** checks stdout, stderr, exit codes and the files written:
**   - the lecture's graphs print what the lecture shows;
**   - render's DOT of the lecture's graph is tests/data/cli/lecture-dsk.dot;
**   - a trace that run writes is what profile summarises and render draws;
**   - each kind of bad input is one line on stderr naming what is wrong,
**     exit 1 or 2, no file written;
**   - a --plugin library's functions run;
**   - the live window (SDL's dummy driver) runs the graph and replays the
**     trace.
*/
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <dusk/array.h>

#include "helpers.h"

static char dusk[4200];   /* <build>/dusk */

static int setup(void **state)
{
    if (build_path(dusk, sizeof dusk, "dusk") != 0)
        return -1;
    /* a sanitizer build's dusk says on stderr which leaks it suppressed
     * (fontconfig's, once it has drawn): not a line of the command's; and
     * a malloc past what ASan serves returns NULL, as libc's does, rather
     * than end the process (eval --no-memory-check of a 7 TiB block) */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[2048];
    snprintf(opts, sizeof opts, "%s%sprint_suppressions=0:allocator_may_return_null=1",
             asan ? asan : "", asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
    if (!file_exists(dusk)) {
        fprintf(stderr, "test_cli: %s is not built (make %s)\n", dusk, dusk);
        return -1;
    }
    return scratch_setup(state);
}

/* What one command did. */
typedef struct {
    int code;        /* exit code; -1 if it did not exit */
    char *out;       /* stdout */
    char *err;       /* stderr */
} result;

/* Runs `dusk args` (a shell line, from the repository root), under
 * timeout(1) when seconds > 0: a command that hangs then fails the test
 * (exit 124) rather than stall the whole suite. */
/* A shell command whose output the next commands read on stdin through a
 * pipe (NULL: stdin is /dev/null). */
static const char *feed;

static result run_dusk(int seconds, const char *args)
{
    char cmd[16384], limit[32] = "";
    if (seconds > 0)
        snprintf(limit, sizeof limit, "timeout %d ", seconds);
    const char *errf = scratch("stderr.txt");
    if (feed)
        snprintf(cmd, sizeof cmd, "%s | %s%s %s 2>%s", feed, limit, dusk, args, errf);
    else
        snprintf(cmd, sizeof cmd, "%s%s %s 2>%s </dev/null", limit, dusk, args, errf);
    result r = {-1, NULL, NULL};
    int status;
    r.out = run_command(cmd, &status);
    assert_non_null(r.out);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = slurp(errf, NULL);
    assert_non_null(r.err);
    return r;
}

static result dusk_cmd(const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run_dusk(0, args);
}

static result dusk_cmd_within(int seconds, const char *fmt, ...)
{
    char args[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run_dusk(seconds, args);
}

static void done(result *r)
{
    free(r->out);
    free(r->err);
}

/* One line on stderr, containing each of the fragments; nothing on stdout. */
static void assert_one_line_error(const result *r, int code, const char *frag1,
                                  const char *frag2)
{
    if (r->code != code)
        fail_msg("exit code %d, want %d; stderr: %s", r->code, code, r->err);
    assert_string_equal(r->out, "");
    size_t len = strlen(r->err);
    assert_true(len > 0 && r->err[len - 1] == '\n');
    if (memchr(r->err, '\n', len - 1))
        fail_msg("more than one line on stderr: %s", r->err);
    assert_contains(r->err, frag1);
    if (frag2)
        assert_contains(r->err, frag2);
}

/* scratch(name) into buf (512 bytes): scratch's own answers are reused
 * after 8 calls, and every command takes one. */
static void keep(char *buf, const char *name)
{
    snprintf(buf, 512, "%s", scratch(name));
}

static void assert_ok(const result *r)
{
    if (r->code != 0)
        fail_msg("exit code %d, want 0; stderr: %s", r->code, r->err);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* --- the command ---------------------------------------------------------- */

static void version_and_help(void **state)
{
    (void)state;
    result r = dusk_cmd("--version");
    assert_ok(&r);
    char want[64];
    snprintf(want, sizeof want, "dusk %s\n", DUSK_VERSION);
    assert_string_equal(r.out, want);
    done(&r);

    r = dusk_cmd("--help");
    assert_ok(&r);
    const char *subs[] = {"run", "render", "profile", "eval", "demo", "view"};
    for (size_t i = 0; i < 6; i++)
        assert_contains(r.out, subs[i]);
    done(&r);

    /* dusk help SUB and dusk SUB --help say the same */
    const char *each[] = {"run", "render", "profile", "demo", "view"};
    for (size_t i = 0; i < 5; i++) {
        result a = dusk_cmd("help %s", each[i]), b = dusk_cmd("%s --help", each[i]);
        assert_int_equal(a.code, 0);
        assert_int_equal(b.code, 0);
        assert_contains(a.out, "usage: dusk ");
        assert_string_equal(a.out, b.out);
        done(&a);
        done(&b);
    }
    r = dusk_cmd("help run");
    assert_contains(r.out, "--scheduler sync|threads");
    done(&r);
    /* help answers --help as every subcommand does: the overview */
    for (int i = 0; i < 2; i++) {
        result a = dusk_cmd(i ? "help -h" : "help --help"), b = dusk_cmd("--help");
        assert_int_equal(a.code, 0);
        assert_string_equal(a.out, b.out);
        done(&a);
        done(&b);
    }

    r = dusk_cmd("");
    assert_int_equal(r.code, 2);
    assert_contains(r.err, "usage: dusk");
    done(&r);
    r = dusk_cmd("rnu x.json");
    assert_one_line_error(&r, 2, "unknown subcommand 'rnu'", "did you mean 'run'?");
    done(&r);
    r = dusk_cmd("--verison");
    assert_one_line_error(&r, 2, "unknown option '--verison'", "did you mean '--version'?");
    done(&r);
    /* no guess where no word is close */
    r = dusk_cmd("bogus x.json");
    assert_one_line_error(&r, 2, "dusk: unknown subcommand 'bogus' (dusk --help lists them)",
                          NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --nope");
    assert_one_line_error(&r, 2, "dusk run: unknown option '--nope'", NULL);
    assert_null(strstr(r.err, "did you mean"));
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --sched sync");
    assert_one_line_error(&r, 2, "did you mean '--scheduler'?", NULL);
    done(&r);
    r = dusk_cmd("veiw x.json");
    assert_one_line_error(&r, 2, "did you mean 'view'?", NULL);
    done(&r);
}

/* What bash completes after `dusk SUB --` (scripts/dusk.bash-completion),
 * malloc'd, one option a line. */
static char *completions(const char *sub)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "bash -c 'source scripts/dusk.bash-completion; COMP_WORDS=(dusk %s --); "
             "COMP_CWORD=2; _dusk; printf \"%%s\\n\" \"${COMPREPLY[@]}\"'", sub);
    int status;
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return out;
}

/* Whether opt is a whole line of list. */
static int has_line(const char *list, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = list; (p = strstr(p, opt)) != NULL; p += n)
        if ((p == list || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return 1;
    return 0;
}

/* Every option a subcommand's --help lists (at the start of its lines, or
 * after "; " on them) is completed by bash; view completes run's too. */
static void completion_knows_every_option(void **state)
{
    (void)state;
    const char *subs[] = {"run", "render", "profile", "eval", "view"};
    for (size_t i = 0; i < 5; i++) {
        const char *sub = subs[i], *from = i == 4 ? "run" : sub;
        result r = dusk_cmd("%s --help", from);
        assert_int_equal(r.code, 0);
        char *have = completions(sub);
        int seen = 0;
        for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
            if (line[0] != ' ')
                continue;
            for (char *p = line; *p; p++) {
                int at_start = p > line && p[-1] == ' ' &&
                               (strspn(line, " ") == (size_t)(p - line) ||
                                (p - line >= 2 && p[-2] == ';') ||
                                (p - line >= 2 && p[-2] == ','));
                if (!(at_start && p[0] == '-' && p[1] == '-' && p[2] >= 'a' && p[2] <= 'z'))
                    continue;
                char opt[64];
                size_t n = strspn(p, "-abcdefghijklmnopqrstuvwxyz");
                assert_true(n < sizeof opt);
                memcpy(opt, p, n);
                opt[n] = '\0';
                if (i == 4 && strcmp(opt, "--view") == 0)
                    continue;   /* dusk view is run --view */
                if (!has_line(have, opt))
                    fail_msg("dusk %s: bash does not complete %s (dusk %s --help lists it)",
                             sub, opt, from);
                seen++;
            }
        }
        assert_true(seen >= 1);   /* the help's layout is still what this reads */
        free(have);
        done(&r);
    }
    /* the demo's options, from its --help's prose */
    char *have = completions("demo");
    const char *demo[] = {"--dir", "--input", "--dataset", "--chunks", "--output",
                          "--workers", "--array-only", "--close", "--screenshot", "--theme",
                          "--list"};
    for (size_t i = 0; i < sizeof demo / sizeof *demo; i++)
        if (!has_line(have, demo[i]))
            fail_msg("dusk demo: bash does not complete %s", demo[i]);
    free(have);
}

/* --- run ----------------------------------------------------------------------- */

static void run_lecture(void **state)
{
    (void)state;
    result r = dusk_cmd("run assets/samples/lecture-dsk.json z");
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    assert_string_equal(r.err, "");
    done(&r);

    /* default: the keys nothing depends on (z alone) */
    r = dusk_cmd("run assets/samples/lecture-dsk.json --scheduler sync");
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    done(&r);

    /* get(dsk2, 'c') 3, get(dsk2, 'd') 6, get(dsk2, ['a', 'b', 'c']) (1, 2, 3) */
    r = dusk_cmd("run assets/samples/lecture-dsk2.json c");
    assert_string_equal(r.out, "3\n");
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk2.json --workers 2 d");
    assert_string_equal(r.out, "6\n");
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk2.json a b c --scheduler=threads --workers=3");
    assert_ok(&r);
    assert_string_equal(r.out, "(1, 2, 3)\n");
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk2.json d c --scheduler processes --workers 2");
    assert_ok(&r);
    assert_string_equal(r.out, "(6, 3)\n");
    done(&r);

    /* values of every kind, aliases, lists that refer to keys, tuple keys */
    write_file(scratch("kinds.json"),
               "{\"i\": 2, \"f\": 0.5, \"s\": \"text\", \"t\": true, \"n\": null,\n"
               " \"l\": [1, [2, 3]], \"alias\": \"i\", \"refs\": [\"i\", \"f\", 7],\n"
               " \"('x', 0)\": 40, \"('x', 1)\": [\"add\", \"('x', 0)\", \"i\"],\n"
               " \"total\": [\"sum\", [\"i\", \"f\", 1.5]], \"word\": [\"identity\", \"hello\"]}\n");
    r = dusk_cmd("run %s i f s t n l alias refs \"('x', 1)\" total word", scratch("kinds.json"));
    assert_ok(&r);
    assert_string_equal(r.out, "(2, 0.5, 'text', True, None, [1, [2, 3]], 2, [2, 0.5, 7], 42, "
                               "4.0, 'hello')\n");
    done(&r);

    /* a JSON list prints as the list Dask's get gives, get({'l': [1, [2, 3]]}, 'l')
     * [1, [2, 3]], on every scheduler; only several keys give a tuple */
    write_file(scratch("lists.json"), "{\"l\": [1, [2, 3]], \"e\": [], \"one\": [[]],\n"
                                      " \"m\": [\"identity\", \"l\"], \"r\": [\"l\", \"e\"]}\n");
    static const char *const scheds[] = {"sync", "threads", "processes"};
    for (size_t k = 0; k < 3; k++) {
        r = dusk_cmd("run %s l --scheduler %s", scratch("lists.json"), scheds[k]);
        assert_ok(&r);
        assert_string_equal(r.out, "[1, [2, 3]]\n");
        done(&r);
        r = dusk_cmd("run %s e one m r --scheduler %s", scratch("lists.json"), scheds[k]);
        assert_ok(&r);
        assert_string_equal(r.out, "([], [[]], [1, [2, 3]], [[1, [2, 3]], []])\n");
        done(&r);
    }
    r = dusk_cmd("run %s e", scratch("lists.json"));
    assert_ok(&r);
    assert_string_equal(r.out, "[]\n");
    done(&r);
}

/* "-" is standard input, a pipe here, for every command that reads a
 * graph file or a trace; messages call it <stdin>; nothing stays in TMPDIR. */
static void stdin_dash(void **state)
{
    (void)state;
    char feedcmd[1024], trace[512], tmpdir[512], dot[512];
    keep(tmpdir, "stdin-tmp");
    assert_int_equal(mkdir(tmpdir, 0755), 0);
    setenv("TMPDIR", tmpdir, 1);
    feed = feedcmd;
    snprintf(feedcmd, sizeof feedcmd, "cat assets/samples/lecture-dsk.json");
    result r = dusk_cmd("run - z");
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    done(&r);
    snprintf(feedcmd, sizeof feedcmd, "cat assets/samples/lecture-dsk2.json");
    r = dusk_cmd("run - a b c --scheduler processes --workers 2");
    assert_ok(&r);
    assert_string_equal(r.out, "(1, 2, 3)\n");
    done(&r);
    snprintf(feedcmd, sizeof feedcmd, "printf '{\"a\": 1, \"b\": [\"incc\", \"a\"]}'");
    r = dusk_cmd("run -");
    assert_one_line_error(&r, 1, "dusk run: <stdin>: key 'b': unknown function 'incc'", NULL);
    done(&r);
    snprintf(feedcmd, sizeof feedcmd, "printf '{\"a\": 1,'");
    r = dusk_cmd("render - -o %s", scratch("never.svg"));
    assert_one_line_error(&r, 1, "dusk render: <stdin>:1:", NULL);
    assert_false(file_exists(scratch("never.svg")));
    done(&r);

    /* a trace: profile, render and view read it from the pipe too */
    keep(trace, "stdin-trace.json");
    keep(dot, "stdin-trace.dot");
    feed = NULL;
    r = dusk_cmd("run assets/samples/lecture-dsk.json --trace %s", trace);
    assert_ok(&r);
    done(&r);
    feed = feedcmd;
    snprintf(feedcmd, sizeof feedcmd, "cat %s", trace);
    r = dusk_cmd("profile -");
    assert_ok(&r);
    assert_contains(r.out, "3 tasks in 1 run");   /* the lecture's 2 literals not counted */
    done(&r);
    r = dusk_cmd("render - -o %s", dot);
    assert_ok(&r);
    done(&r);
    char *text = slurp(dot, NULL);
    assert_non_null(text);
    assert_contains(text, "digraph");
    assert_contains(text, "add");
    free(text);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    r = dusk_cmd("view -");
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    done(&r);
    snprintf(feedcmd, sizeof feedcmd, "cat assets/samples/lecture-dsk.json");
    r = dusk_cmd("view - z");
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    assert_string_equal(r.out, "13\n");
    done(&r);
    feed = NULL;
    unsetenv("TMPDIR");

    /* the copies of stdin went with their processes */
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.')
            fail_msg("%s/%s stayed", tmpdir, e->d_name);
    closedir(d);
}

/* The same kind of mistake, the same exit: a -o naming no dataset is
 * usage (2) however it is spelled, before any file is made; an extension
 * is matched in any case; render names every format it draws. */
static void usage_alike(void **state)
{
    (void)state;
    char h5[512], trace[512];
    keep(h5, "usage.hdf5");
    /* each names the file and what is wrong: no dataset, or the root group */
    static const char *const none[] = {"", ":", ":/", "://"};
    for (size_t k = 0; k < 4; k++) {
        const char *why = k < 2 ? "which dataset of " : "'/' is the root group of ";
        result r = dusk_cmd("eval 'ones(3)' -o %s%s", h5, none[k]);
        assert_one_line_error(&r, 2, why, k < 2 ? "(FILE.hdf5:/dataset"
                                               : ", not a dataset: name the dataset to write (");
        assert_contains(r.err, h5);
        done(&r);
        r = dusk_cmd("eval 'x + 1' --input x=%s%s", h5, none[k]);
        assert_one_line_error(&r, 2, why, h5);
        assert_contains(r.err, k < 2 ? "(NAME=FILE.hdf5:/dataset, e.g. x=" : ", not a dataset: "
                                                                           "name one (x=");
        done(&r);
        assert_false(file_exists(h5));
    }

    /* upper-case extensions: the file is of the kind its extension names */
    result r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s", scratch("g.SVG"));
    assert_ok(&r);
    done(&r);
    char *text = slurp(scratch("g.SVG"), NULL);
    assert_non_null(text);
    assert_contains(text, "<svg");
    free(text);
    keep(trace, "usage-t.json");
    r = dusk_cmd("run assets/samples/lecture-dsk.json --trace %s --chart %s", trace, scratch("c.PNG"));
    assert_ok(&r);
    done(&r);
    text = slurp(scratch("c.PNG"), NULL);
    assert_non_null(text);
    assert_memory_equal(text, "\x89PNG", 4);
    free(text);
    r = dusk_cmd("profile %s -o %s", trace, scratch("r.HTML"));
    assert_ok(&r);
    done(&r);
    text = slurp(scratch("r.HTML"), NULL);
    assert_non_null(text);
    assert_contains(text, "<html");
    free(text);
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s --format SVG", scratch("g.dot"));
    assert_ok(&r);
    done(&r);

    /* what render draws, its message and its help name alike */
    static const char *const exts[] = {"jpeg", "gv", "xdot", "Jpg"};
    for (size_t k = 0; k < 4; k++) {
        char name[32];
        snprintf(name, sizeof name, "g.%s", exts[k]);
        r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s", scratch(name));
        assert_ok(&r);
        done(&r);
        assert_true(file_exists(scratch(name)));
    }
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s", scratch("g.gif"));
    assert_one_line_error(&r, 2, ".svg, .png, .pdf, .jpg, .jpeg, .dot, .gv or .xdot", NULL);
    done(&r);
    r = dusk_cmd("render --help");
    assert_ok(&r);
    assert_contains(r.out, ".svg .png .pdf .jpg .jpeg .dot .gv .xdot");
    assert_contains(r.out, "pdf, jpg, jpeg, dot, gv, xdot, or svg:graphviz");
    done(&r);
    /* an output's extension names its format: no HTML in a .txt file */
    r = dusk_cmd("run assets/samples/lecture-dsk.json --report %s", scratch("r.txt"));
    assert_one_line_error(&r, 2, "--report ", "r.txt: the report is a .html or .htm file");
    done(&r);
    assert_false(file_exists(scratch("r.txt")));
    r = dusk_cmd("eval 'ones(3)' --profile %s", scratch("o.txt"));
    assert_one_line_error(&r, 2, "o.txt: the report is a .html or .htm file", NULL);
    done(&r);
    assert_false(file_exists(scratch("o.txt")));
    r = dusk_cmd("run assets/samples/lecture-dsk.json --trace %s", scratch("t.csv"));
    assert_one_line_error(&r, 2, "t.csv: the trace is a .json file", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --csv %s", scratch("tasks.json"));
    assert_one_line_error(&r, 2, "tasks.json: the table of tasks is a .csv file", NULL);
    done(&r);
    assert_false(file_exists(scratch("t.csv")));
    assert_false(file_exists(scratch("tasks.json")));
    r = dusk_cmd("run assets/samples/lecture-dsk.json --report %s --trace %s", scratch("r.HTM"),
                 scratch("t.JSON"));
    assert_ok(&r);
    done(&r);
    assert_true(file_exists(scratch("r.HTM")));
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s --format gif", scratch("g.svg"));
    assert_one_line_error(&r, 2, "--format is svg, png, pdf, jpg, jpeg, dot, gv, xdot or", NULL);
    done(&r);
}

/* An option of one value given twice is refused in every subcommand,
 * naming it and both values (the last one silently won); nothing is
 * written. Flags may be given twice, and --plugin and --input once per
 * library or array. */
static void options_given_twice(void **state)
{
    (void)state;
    char trace[512];
    keep(trace, "twice-t.json");
    result r = dusk_cmd("run assets/samples/lecture-dsk.json --trace %s", trace);
    assert_ok(&r);
    done(&r);
    char a[512], b[512];
    keep(a, "twice-a.svg");
    keep(b, "twice-b.svg");
    const struct {
        const char *args, *said;
    } twice[] = {
        {"render assets/samples/lecture-dsk.json -o %s -o %s", "dusk render: -o given twice ('"},
        {"render assets/samples/lecture-dsk.json -o %s --output=%s",
         "dusk render: --output given twice ('"},
        {"render assets/samples/lecture-dsk.json --format svg --format=dot -o %s -o %s",
         "dusk render: --format given twice ('svg' and 'dot')"},
        {"render assets/samples/lecture-dsk.json --rankdir LR --rankdir TB -o %s -o %s",
         "dusk render: --rankdir given twice ('LR' and 'TB')"},
        {"run assets/samples/lecture-dsk.json --workers 2 --workers=3 --csv %s --csv %s",
         "dusk run: --workers given twice ('2' and '3')"},
        {"run assets/samples/lecture-dsk.json --report %s --report %s",
         "dusk run: --report given twice ('"},
        {"run assets/samples/lecture-dsk.json --scheduler sync --scheduler threads --csv %s "
         "--csv %s", "dusk run: --scheduler given twice ('sync' and 'threads')"},
        {"view assets/samples/lecture-dsk.json --theme dark --theme contrast --csv %s --csv %s",
         "dusk view: --theme given twice ('dark' and 'contrast')"},
        {"eval 'ones(3)' --visualize %s --visualize %s", "dusk eval: --visualize given twice ('"},
        {"eval 'ones(3)' --workers 2 --workers=3 --visualize %s --profile %s",
         "dusk eval: --workers given twice ('2' and '3')"},
        {"eval 'ones(3)' -o %s:/x --output %s:/y", "dusk eval: --output given twice ('"},
    };
    for (size_t k = 0; k < sizeof twice / sizeof *twice; k++) {
        r = dusk_cmd(twice[k].args, a, b);
        assert_one_line_error(&r, 2, twice[k].said, NULL);
        done(&r);
        assert_false(file_exists(a));
        assert_false(file_exists(b));
    }
    r = dusk_cmd("profile %s -o %s -o %s", trace, scratch("twice.html"), scratch("twice.csv"));
    assert_one_line_error(&r, 2, "dusk profile: -o given twice ('", "twice.html' and '");
    done(&r);
    r = dusk_cmd("view %s --theme dark --theme=contrast", trace);
    assert_one_line_error(&r, 2, "dusk view: --theme given twice ('dark' and 'contrast')", NULL);
    done(&r);
    /* the demos too: nothing made where the first --dir would have put it */
    char dir[512];
    keep(dir, "twice-demo");
    r = dusk_cmd("demo tour --dir %s --dir %s", dir, a);
    assert_int_equal(r.code, 2);
    assert_contains(r.err, "dusk demo: --dir given twice ('");
    done(&r);
    assert_false(file_exists(dir));
    assert_false(file_exists(a));
    r = dusk_cmd("demo tour --workers 2 --workers=3 --dir=%s", dir);   /* --name=value too */
    assert_int_equal(r.code, 2);
    assert_contains(r.err, "dusk demo: --workers given twice ('2' and '3')");
    done(&r);
    assert_false(file_exists(dir));
    r = dusk_cmd("demo window --theme dark --theme light --screenshot %s", a);
    assert_one_line_error(&r, 2, "dusk demo: --theme given twice ('dark' and 'light')", NULL);
    done(&r);
    assert_false(file_exists(a));
    /* flags twice are the flag */
    r = dusk_cmd("run assets/samples/lecture-dsk.json z -q --quiet -q");
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    done(&r);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --verbose --verbose -q --quiet -o %s", a);
    assert_ok(&r);
    done(&r);
    /* --plugin once per library: the second is loaded too (and named) */
    r = dusk_cmd("run assets/samples/lecture-dsk.json --plugin %s --plugin %s",
                 scratch("none1.so"), scratch("none2.so"));
    assert_one_line_error(&r, 1, "cannot load plugin ", "none1.so");
    done(&r);
}

/* A top-level "traceEvents" key makes a trace, whatever its value: one
 * that is no list is refused naming it (not drawn as a one-key graph);
 * a trace without tasks is said to be one (not a run on 0 workers). */
static void traces_that_are_not(void **state)
{
    (void)state;
    char bad[512], empty[512], bare[512];
    keep(bad, "te5.json");
    keep(empty, "te-empty.json");
    keep(bare, "te-bare.json");
    write_file(bad, "{\"traceEvents\": 5}\n");
    write_file(empty, "{\"traceEvents\": []}\n");
    write_file(bare, "[]\n");
    result r = dusk_cmd("render %s -o %s", bad, scratch("te.png"));
    assert_one_line_error(&r, 1, "te5.json:1:", "\"traceEvents\" must be an array");
    done(&r);
    assert_false(file_exists(scratch("te.png")));
    r = dusk_cmd("profile %s", bad);
    assert_one_line_error(&r, 1, "\"traceEvents\" must be an array", NULL);
    done(&r);
    const char *const files[] = {empty, bare};
    for (size_t k = 0; k < 2; k++) {
        r = dusk_cmd("profile %s", files[k]);
        assert_one_line_error(&r, 1, files[k], ": the trace has no tasks");
        done(&r);
        r = dusk_cmd("profile %s -o %s", files[k], scratch("te.html"));
        assert_one_line_error(&r, 1, ": the trace has no tasks", NULL);
        done(&r);
        assert_false(file_exists(scratch("te.html")));
        r = dusk_cmd("render %s -o %s", files[k], scratch("te.svg"));
        assert_one_line_error(&r, 1, files[k], ": the trace has no tasks");
        done(&r);
        assert_false(file_exists(scratch("te.svg")));
    }
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    r = dusk_cmd_within(60, "view %s --close", empty);
    assert_one_line_error(&r, 1, ": the trace has no tasks", NULL);
    done(&r);
    /* a trace given to run is said to be one, naming what opens it; so is
     * one whose "traceEvents" comes after 4 KiB of other keys (Python's
     * json.dump with sort_keys), which render then draws as a trace */
    char tr[512], late[512];
    keep(tr, "te-run.json");
    keep(late, "te-late.json");
    r = dusk_cmd("run assets/samples/lecture-dsk.json --quiet --trace %s", tr);
    assert_ok(&r);
    done(&r);
    char *text = slurp(tr, NULL);
    assert_non_null(text);
    const char *open_brace = strchr(text, '{');
    assert_non_null(open_brace);
    FILE *lf = fopen(late, "w");
    assert_non_null(lf);
    fprintf(lf, "{\"aaa\": \"ns\", \"dusk-test\": {\"pad\": \"");
    for (int i = 0; i < 8000; i++)
        fputc('x', lf);
    fprintf(lf, "\", \"q\": \"traceEvents\"}, %s", open_brace + 1);
    assert_int_equal(fclose(lf), 0);
    free(text);
    const char *const traces[] = {tr, late};
    for (size_t k = 0; k < 2; k++) {
        r = dusk_cmd("run %s", traces[k]);
        assert_one_line_error(&r, 1, "is a trace (as dusk run --trace writes), not a graph file",
                              "dusk view ");
        assert_contains(r.err, "dusk profile ");
        assert_contains(r.err, traces[k]);
        done(&r);
    }
    r = dusk_cmd("render %s -o %s", late, scratch("te-late.dot"));
    assert_ok(&r);
    done(&r);
    char *dot = slurp(scratch("te-late.dot"), NULL);
    assert_non_null(dot);
    assert_contains(dot, "inc");   /* the recorded run's tasks, not a key 'traceEvents' */
    assert_null(strstr(dot, "traceEvents"));
    free(dot);
    /* a graph whose value is the text "traceEvents" stays a graph */
    write_file(scratch("te-graph.json"),
               "{\"a\": \"traceEvents\", \"b\": [\"identity\", \"a\"]}\n");
    r = dusk_cmd("render %s -o %s", scratch("te-graph.json"), scratch("te-graph.dot"));
    assert_ok(&r);
    done(&r);
}

static void run_failures(void **state)
{
    (void)state;
    const char *missing = scratch("missing.json");
    result r = dusk_cmd("run %s", missing);
    assert_one_line_error(&r, 1, "cannot read ", "missing.json: No such file or directory");
    done(&r);

    /* a folder where a file is wanted: said, not just "cannot read" */
    r = dusk_cmd("run %s", scratch_dir);
    assert_one_line_error(&r, 1, "cannot read ", ": Is a directory");
    done(&r);
    r = dusk_cmd("render %s -o %s", scratch_dir, scratch("dir.svg"));
    assert_one_line_error(&r, 1, "cannot read ", ": Is a directory");
    done(&r);
    assert_false(file_exists(scratch("dir.svg")));
    r = dusk_cmd("profile %s", scratch_dir);
    assert_one_line_error(&r, 1, "cannot read ", ": Is a directory");
    done(&r);

    /* an output that would replace the graph file, another output, a pipe
     * or a device: refused before the run, all of them left as they were */
    char g[512], fifo[512], tr[512];
    keep(g, "own.json");
    keep(fifo, "fifo");
    keep(tr, "t.json");
    write_file(g, "{\"a\": 1, \"b\": [\"inc\", \"a\"]}\n");
    r = dusk_cmd("run %s --csv %s", g, g);
    assert_one_line_error(&r, 2, "dusk run: --csv ", "would replace the graph file");
    done(&r);
    r = dusk_cmd("run %s --trace %s --report %s", g, tr, tr);
    assert_one_line_error(&r, 2, "dusk run: --trace and --report name one file", NULL);
    done(&r);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    r = dusk_cmd("run %s --csv %s", g, fifo);
    assert_one_line_error(&r, 2, "dusk run: cannot write ", "it is a pipe, not a plain file");
    done(&r);
    /* (a link to the device: were the check to fail, the rename would
     * replace the link, never /dev/null itself) */
    char dev[512];
    keep(dev, "null-link");
    assert_int_equal(symlink("/dev/null", dev), 0);
    r = dusk_cmd("run %s --trace %s", g, dev);
    assert_one_line_error(&r, 2, "dusk run: cannot write ", "it is a device, not a plain file");
    done(&r);
    struct stat st;
    assert_int_equal(stat(fifo, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(lstat(dev, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(tr, &st), -1);
    char *text = slurp(g, NULL);
    assert_contains(text, "\"inc\"");
    free(text);

    /* a JSON error: file:line:column */
    write_file(scratch("syntax.json"), "{\"a\": 1,\n \"b\": [inc, \"a\"]}\n");
    r = dusk_cmd("run %s", scratch("syntax.json"));
    assert_one_line_error(&r, 1, "syntax.json:2:10: ", "inc");
    done(&r);

    /* one fault, one place, whichever subcommand reads the file: run and
     * render (the graph reader) as profile (the trace reader), where the
     * text stops short too (the place just past it) */
    static const char *const broken[][2] = {
        {"{\"a\": [1, 2", "1:12: "},        {"{\"a\":\n [1, 2", "2:7: "},
        {"", "1:1: "},                      {"  \n", "2:1: "},
        {"{\"a\": \"x\xff\"}", "1:9: "},     {"{\"a\": \"x\ty\"}", "1:9: "},
        {"{\"a\": \"x\ny\"}", "1:9: "},      {"{\"a\": \"xy", "1:10: "},
        {"{\"a\": 1,\n  \"b\": [1,, 2]}", "2:11: "},
    };
    for (size_t k = 0; k < sizeof broken / sizeof *broken; k++) {
        write_file(scratch("broken.json"), broken[k][0]);
        char at[64];
        snprintf(at, sizeof at, "broken.json:%s", broken[k][1]);
        static const char *const how[] = {"run %s", "render %s -o %s", "profile %s"};
        for (size_t h = 0; h < 3; h++) {
            r = dusk_cmd(how[h], scratch("broken.json"), scratch("none.svg"));
            assert_one_line_error(&r, 1, at, NULL);
            done(&r);
        }
    }

    write_file(scratch("nul.json"), "{\"a\": \"x\\u0000y\"}\n");
    r = dusk_cmd("run %s", scratch("nul.json"));
    assert_one_line_error(&r, 1, "nul.json:1:", "a string holds \\u0000");
    done(&r);

    write_file(scratch("array.json"), "[1, 2]\n");
    r = dusk_cmd("run %s", scratch("array.json"));
    assert_one_line_error(&r, 1, "array.json: a graph file is a JSON object", NULL);
    done(&r);

    write_file(scratch("dup.json"), "{\"a\": 1, \"a\": 2}\n");
    r = dusk_cmd("run %s", scratch("dup.json"));
    assert_one_line_error(&r, 1, "dup.json:1:", "duplicate object key");
    done(&r);

    /* an unknown function: the known ones are listed */
    write_file(scratch("func.json"), "{\"a\": 1, \"b\": [\"incc\", \"a\"]}\n");
    r = dusk_cmd("run %s", scratch("func.json"));
    assert_one_line_error(&r, 1, "func.json: key 'b': unknown function 'incc'; did you mean 'inc'?",
                          "known: inc, add, sub, mul, neg, sum, identity, sleep");
    done(&r);

    /* a missing key, with the task that wants it */
    write_file(scratch("dep.json"), "{\"a\": 1, \"z\": [\"add\", \"a\", \"('x', 0)\"]}\n");
    r = dusk_cmd("run %s", scratch("dep.json"));
    assert_one_line_error(&r, 1, "dep.json: missing dependency ('x', 0) of task 'z'", NULL);
    done(&r);
    /* ... that one has, but for the spaces: named */
    write_file(scratch("spaced.json"), "{\"('x', 0)\": 1, \"z\": [\"inc\", \"('x',0)\"],\n"
                                       " \"l\": [\"('x',  0)\", 2]}\n");
    r = dusk_cmd("run %s z", scratch("spaced.json"));
    assert_one_line_error(&r, 1, "spaced.json: key 'z': no key ('x',0); did you mean ('x', 0)?",
                          NULL);
    done(&r);
    write_file(scratch("spaced.json"), "{\"('x', 0)\": 1, \"l\": [\"('x',  0)\", 2]}\n");
    r = dusk_cmd("run %s l", scratch("spaced.json"));
    assert_one_line_error(&r, 1, "key 'l': no key ('x',  0); did you mean ('x', 0)?", NULL);
    done(&r);

    /* a typo of a key is text, as in Dask: the run fails in the task that
     * gets it, which says what the text is close to (threads and processes) */
    write_file(scratch("typo.json"), "{\"total\": 1, \"y\": 2, \"z\": [\"add\", \"totl\", \"y\"],\n"
                                     " \"w\": [\"sum\", [\"y\", \"totl\"]], \"ok\": [\"identity\", "
                                     "\"totl\"]}\n");
    r = dusk_cmd("run %s z", scratch("typo.json"));
    assert_one_line_error(&r, 1, "task 'z' (add) failed: add: expected a number, got string",
                          "('totl' is no key, so it is passed as text; did you mean 'total'?)");
    done(&r);
    r = dusk_cmd("run %s w --scheduler processes", scratch("typo.json"));
    assert_one_line_error(&r, 1, "task 'w' (sum) failed", "did you mean 'total'?");
    done(&r);
    write_file(scratch("alias.json"), "{\"total\": 1, \"c\": \"totl\", \"z\": [\"inc\", \"c\"]}\n");
    r = dusk_cmd("run %s z", scratch("alias.json"));
    assert_one_line_error(&r, 1, "task 'z' (inc) failed", "('c' is the text 'totl', no alias: no "
                          "key has that name; did you mean 'total'?)");
    done(&r);
    r = dusk_cmd("run %s ok", scratch("typo.json"));   /* Dask would accept it: so do we */
    assert_ok(&r);
    assert_string_equal(r.out, "'totl'\n");
    assert_string_equal(r.err, "");
    done(&r);
    /* a nested task: a list, as Dask's lists; said when its task fails */
    write_file(scratch("nested.json"), "{\"a\": 1, \"z\": [\"add\", [\"inc\", \"a\"], 2]}\n");
    r = dusk_cmd("run %s", scratch("nested.json"));
    assert_one_line_error(&r, 1, "task 'z' (add) failed: add: expected a number, got list "
                          "['inc', 1]", "[\"inc\", ...] inside a task is a list, not a task: "
                          "graph files have no nested tasks");
    done(&r);
    /* a JSON list is a list in messages too, as written, whether in the
     * task or in a key's value */
    write_file(scratch("lists.json"), "{\"l\": [2, [3]], \"i\": [\"inc\", [1, [2, \"x\"], null]], "
                                      "\"s\": [\"sum\", [1, [2]]], \"n\": [\"neg\", \"l\"]}\n");
    static const char *const said[][2] = {
        {"i", "task 'i' (inc) failed: inc: expected a number, got list [1, [2, 'x'], None]\n"},
        {"s", "task 's' (sum) failed: sum: item 1 is list, not a number\n"},
        {"n", "task 'n' (neg) failed: neg: expected a number, got list [2, [3]]\n"},
    };
    for (size_t k = 0; k < 3; k++) {
        r = dusk_cmd("run %s %s", scratch("lists.json"), said[k][0]);
        assert_one_line_error(&r, 1, said[k][1], NULL);
        done(&r);
    }

    /* a cycle, its keys in order */
    write_file(scratch("cycle.json"),
               "{\"a\": [\"inc\", \"c\"], \"b\": [\"inc\", \"a\"], \"c\": [\"inc\", \"b\"]}\n");
    r = dusk_cmd("run %s", scratch("cycle.json"));
    assert_one_line_error(&r, 1, "cycle.json: cycle: 'a' -> 'c' -> 'b' -> 'a'", NULL);
    done(&r);

    write_file(scratch("object.json"), "{\"a\": {\"b\": 1}}\n");
    r = dusk_cmd("run %s", scratch("object.json"));
    assert_one_line_error(&r, 1, "object.json: key 'a': an object is neither a value nor a task",
                          NULL);
    done(&r);

    /* lists nested past DUSK_MAX_DEPTH, and past what jansson reads */
    FILE *f = fopen(scratch("deep.json"), "w");
    assert_non_null(f);
    fputs("{\"a\": [\"identity\", ", f);
    for (int i = 0; i < 1500; i++)
        fputc('[', f);
    fputc('1', f);
    for (int i = 0; i < 1500; i++)
        fputc(']', f);
    fputs("]}\n", f);
    assert_int_equal(fclose(f), 0);
    r = dusk_cmd("run %s", scratch("deep.json"));
    assert_one_line_error(&r, 1, "deep.json: ", "nests deeper than 1000");
    done(&r);

    /* a task that fails: named, with its function */
    write_file(scratch("fails.json"), "{\"s\": \"text\", \"b\": [\"inc\", \"s\"]}\n");
    r = dusk_cmd("run %s", scratch("fails.json"));
    assert_one_line_error(&r, 1, "task 'b' (inc) failed", NULL);
    done(&r);

    /* a sleep longer than a time_t holds, or an infinite one: refused,
     * not a spin on nanosleep's EINVAL */
    write_file(scratch("long.json"), "{\"s\": [\"sleep\", 1e300]}\n");
    r = dusk_cmd_within(60, "run %s", scratch("long.json"));
    assert_one_line_error(&r, 1, "task 's' (sleep) failed", "1e+300 ms is too long");
    done(&r);
    write_file(scratch("inf.json"),
               "{\"x\": [\"mul\", 1e308, 10], \"s\": [\"sleep\", \"x\"]}\n");
    r = dusk_cmd_within(60, "run %s", scratch("inf.json"));
    assert_one_line_error(&r, 1, "task 's' (sleep) failed", "inf ms is too long");
    done(&r);

    /* usage: exit 2 */
    r = dusk_cmd("run assets/samples/lecture-dsk.json q");
    assert_one_line_error(&r, 2, "lecture-dsk.json has no key 'q'", NULL);
    assert_null(strstr(r.err, "did you mean"));   /* any one-letter key is 1 edit away */
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json zz");
    assert_one_line_error(&r, 2, "has no key 'zz'; did you mean 'z'?", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --wrokers 3");
    assert_one_line_error(&r, 2, "unknown option '--wrokers'; did you mean '--workers'?", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --hlep");   /* --help is a candidate too */
    assert_one_line_error(&r, 2, "unknown option '--hlep'; did you mean '--help'?", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --workers -1");
    assert_one_line_error(&r, 2, "--workers takes a whole number from 0 (one per core)", "'-1'");
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --workers 4097");
    assert_one_line_error(&r, 2, "--workers takes a whole number", "'4097'");
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json z --workers 0");   /* one per core, as eval */
    assert_ok(&r);
    assert_contains(r.out, "13");
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --scheduler forks");
    assert_one_line_error(&r, 2, "--scheduler is sync, threads or processes, not 'forks'", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --workers");
    assert_one_line_error(&r, 2, "option '--workers' needs a value", NULL);
    done(&r);
    r = dusk_cmd("run");
    assert_one_line_error(&r, 2, "which graph file?", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --chart %s", scratch("chart.gif"));
    assert_one_line_error(&r, 2, "chart.gif: the chart is a .png, .svg or .pdf file", NULL);
    done(&r);
    assert_false(file_exists(scratch("chart.gif")));

    /* an output that cannot be written: said before the run, nothing left */
    r = dusk_cmd("run assets/samples/lecture-dsk.json --trace %s/no/such/dir/t.json --csv %s",
                 scratch_dir, scratch("early.csv"));
    assert_one_line_error(&r, 1, "cannot write ", "no/such/dir/t.json: No such file or directory");
    done(&r);
    assert_false(file_exists(scratch("early.csv")));
    /* ... and so when the "directory" is a plain file (ENOTDIR) */
    write_file(scratch("plain.txt"), "not a folder\n");
    r = dusk_cmd("run assets/samples/lecture-dsk.json --csv %s --trace %s/plain.txt/t.json",
                 scratch("early.csv"), scratch_dir);
    assert_one_line_error(&r, 1, "cannot write ", "plain.txt/t.json: Not a directory");
    done(&r);
    assert_false(file_exists(scratch("early.csv")));
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s/plain.txt/g.svg", scratch_dir);
    assert_one_line_error(&r, 1, "cannot write ", "plain.txt/g.svg: Not a directory");
    done(&r);
    /* ... and where nothing can be made though access() says yes (root,
     * /proc): the store went through, then the report failed, exit 1 */
    if (access("/proc", W_OK) == 0) {
        r = dusk_cmd("eval 'ones(4) * 7' --profile /proc/p.html -o %s:/r --quiet",
                     scratch("early.h5"));
        assert_one_line_error(&r, 1, "dusk eval: cannot write /proc/p.html", NULL);
        done(&r);
        assert_false(file_exists(scratch("early.h5")));
    }

    /* results that cannot be written */
    r = dusk_cmd("run assets/samples/lecture-dsk.json >/dev/full");
    assert_one_line_error(&r, 1, "dusk run: cannot write the output", NULL);
    done(&r);
    r = dusk_cmd("--version >/dev/full");
    assert_one_line_error(&r, 1, "dusk: cannot write the output: No space left on device", NULL);
    done(&r);
    r = dusk_cmd("help run >/dev/full");
    assert_one_line_error(&r, 1, "dusk: cannot write the output", NULL);
    done(&r);

    /* a key holding a newline and an escape: still one line, escaped */
    write_file(scratch("ctl.json"), "{\"a\\nb\\u001b[31m\": [\"incc\", 1]}\n");
    r = dusk_cmd("run %s", scratch("ctl.json"));
    assert_one_line_error(&r, 1, "dusk run: ", "key 'a\\x0ab\\x1b[31m': unknown function 'incc'");
    done(&r);

    /* a run that failed in a task writes its outputs, the record of the
     * failure (exit 1 still, and it says where they are) */
    const char *ft = scratch("failed-trace.json"), *fc = scratch("failed.csv");
    r = dusk_cmd("run %s --trace %s --csv %s", scratch("fails.json"), ft, fc);
    assert_int_equal(r.code, 1);
    assert_contains(r.err, "task 'b' (inc) failed");
    assert_contains(r.err, "dusk run: the failed run, its erred task with the others, is in ");
    assert_contains(r.err, "failed-trace.json");
    done(&r);
    char *csv = slurp(fc, NULL);
    assert_non_null(csv);
    assert_contains(csv, ",b,inc,b,");   /* the erred task, with its error's code last */
    assert_contains(csv, ",-7\n");
    free(csv);
    r = dusk_cmd("profile %s", ft);
    assert_ok(&r);
    assert_contains(r.out, "1 task(s) failed");
    done(&r);
    /* a run refused before it began (an unknown function) writes nothing */
    remove(ft);
    r = dusk_cmd("run %s --trace %s", scratch("ctl.json"), ft);
    assert_int_equal(r.code, 1);
    done(&r);
    assert_false(file_exists(ft));
}

/* The progress bar: on a terminal (script(1) gives the command one), not
 * with --quiet, never when stderr is a file or a pipe. */
static void progress_only_on_a_terminal(void **state)
{
    (void)state;
    int status;
    char cmd[8400];
    if (system("command -v script >/dev/null 2>&1") != 0) {
        print_message("skipped: no script(1) (util-linux)\n");
        skip();
    }
    snprintf(cmd, sizeof cmd,
             "script -qec '%s run assets/samples/lecture-dsk.json --progress' /dev/null", dusk);
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    assert_int_equal(status, 0);
    assert_contains(out, "100% Completed");
    assert_contains(out, "13");
    free(out);
    snprintf(cmd, sizeof cmd,
             "script -qec '%s run assets/samples/lecture-dsk.json --progress --quiet' /dev/null", dusk);
    out = run_command(cmd, &status);
    assert_non_null(out);
    assert_null(strstr(out, "Completed"));
    assert_contains(out, "13");
    free(out);
    result r = dusk_cmd("run assets/samples/lecture-dsk.json --progress");
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    assert_string_equal(r.err, "");
    done(&r);
}

/* --- render, profile: a run's trace ------------------------------------------ */

static void render_golden_dot(void **state)
{
    (void)state;
    char dot[512];
    keep(dot, "lecture.dot");
    result r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s", dot);
    assert_ok(&r);
    assert_string_equal(r.err, "");
    done(&r);
    char *got = slurp(dot, NULL), *want = slurp("tests/data/cli/lecture-dsk.dot", NULL);
    assert_non_null(got);
    assert_non_null(want);
    assert_string_equal(got, want);
    free(got);
    /* -o - with --format: the same picture on standard output (it was a
     * file named "-"); without a format, refused */
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o - --format dot");
    assert_ok(&r);
    assert_string_equal(r.out, want);
    done(&r);
    free(want);
    assert_false(file_exists("-"));
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o -");
    assert_one_line_error(&r, 2, "dusk render: -o - (standard output) has no extension: name "
                                 "the format with --format", NULL);
    done(&r);

    r = dusk_cmd("render assets/samples/lecture-dsk2.json --output=%s --color order --rankdir LR "
                 "--collapse-outputs --view tasks", scratch("dsk2.svg"));
    assert_ok(&r);
    done(&r);
    char *svg = slurp(scratch("dsk2.svg"), NULL);
    assert_non_null(svg);
    assert_contains(svg, "<svg");
    free(svg);

    /* --rankdir in any case, as Graphviz's upper case; else refused */
    static const char *const dirs[] = {"LR", "lr", "Rl", "tB", "bt"};
    static const char *const upper[] = {"LR", "LR", "RL", "TB", "BT"};
    for (int k = 0; k < 5; k++) {
        r = dusk_cmd("render assets/samples/lecture-dsk.json --rankdir %s -o %s", dirs[k],
                     scratch("dir.dot"));
        assert_ok(&r);
        assert_string_equal(r.err, "");
        done(&r);
        char *ddot = slurp(scratch("dir.dot"), NULL), line[32];
        assert_non_null(ddot);
        snprintf(line, sizeof line, "rankdir=%s", upper[k]);
        assert_contains(ddot, line);
        free(ddot);
    }
    r = dusk_cmd("render assets/samples/lecture-dsk.json --rankdir lrx -o %s", scratch("g.svg"));
    assert_one_line_error(&r, 2, "dusk render: --rankdir is BT, TB, LR or RL, not 'lrx'", NULL);
    done(&r);

    /* a bitmap too big to draw whole is scaled, and viz's note says so in
     * the name of the subcommand the user ran, with its option */
    size_t klen = 20000;
    char *big = malloc(klen + 64);
    assert_non_null(big);
    int at = snprintf(big, klen + 64, "{\"x\": 1, \"inc-");
    memset(big + at, 'a', klen);
    snprintf(big + at + klen, 64, "\": [\"inc\", \"x\"]}\n");
    write_file(scratch("long.json"), big);
    free(big);
    r = dusk_cmd("render %s --verbose -o %s", scratch("long.json"), scratch("long.png"));
    assert_ok(&r);
    if (strncmp(r.err, "dusk render: the picture is ", 28) != 0 || strchr(r.err, '\n')[1])
        fail_msg("stderr: %s", r.err);
    assert_contains(r.err, "more than a PNG can hold");
    assert_contains(r.err, "(--view layers)\n");
    done(&r);

    /* --layout: dusk's layered layout pins every node (pos="x,y!" in the
     * DOT), dot's leaves them to the reader */
    r = dusk_cmd("render assets/samples/lecture-dsk.json --layout layered -o %s",
                 scratch("layered.dot"));
    assert_ok(&r);
    done(&r);
    char *ldot = slurp(scratch("layered.dot"), NULL);
    assert_non_null(ldot);
    assert_contains(ldot, "pos=\"");
    assert_contains(ldot, "!\"");
    free(ldot);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --layout=dot -o %s", scratch("dot.dot"));
    assert_ok(&r);
    done(&r);
    ldot = slurp(scratch("dot.dot"), NULL);
    assert_non_null(ldot);
    assert_null(strstr(ldot, "pos="));
    free(ldot);
    /* past --threshold the auto view is the layer view: the CLI says so in
     * its own options (viz's note, which names the C option, is not
     * printed too); --quiet says nothing, --view tasks draws every task */
    r = dusk_cmd("render assets/samples/lecture-dsk.json --threshold 2 -o %s",
                 scratch("layers.dot"));
    assert_ok(&r);
    assert_string_equal(r.err, "dusk render: 5 tasks, more than 2: drawing the layer view (one "
                               "node per layer); --view tasks (or --threshold 5) draws every "
                               "task\n");
    done(&r);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --threshold 2 --quiet -o %s",
                 scratch("layers.dot"));
    assert_ok(&r);
    assert_string_equal(r.err, "");
    done(&r);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --view tasks -o %s",
                 scratch("tasks.dot"));
    assert_ok(&r);
    assert_string_equal(r.err, "");
    done(&r);
    /* --threshold drives only the auto view: with another view it would be
     * ignored unsaid, so it is refused, naming both, and nothing is drawn */
    static const char *const named[] = {"--threshold 2 --view tasks", "--view=layers --threshold=9"};
    for (int k = 0; k < 2; k++) {
        r = dusk_cmd("render assets/samples/lecture-dsk.json %s -o %s", named[k],
                     scratch("never.dot"));
        assert_one_line_error(&r, 2, "dusk render: --threshold goes with --view auto (the "
                              "default), not --view ", k ? "not --view layers" : "not --view tasks");
        done(&r);
        assert_false(file_exists(scratch("never.dot")));
    }
    ldot = slurp(scratch("tasks.dot"), NULL);
    char *layers = slurp(scratch("layers.dot"), NULL);
    assert_non_null(ldot);
    assert_non_null(layers);
    assert_string_not_equal(ldot, layers);
    free(ldot);
    free(layers);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --layout sugiyama -o %s", scratch("g.svg"));
    assert_one_line_error(&r, 2, "--layout is auto, dot or layered, not 'sugiyama'", NULL);
    done(&r);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --layout layerd -o %s", scratch("g.svg"));
    assert_one_line_error(&r, 2, "not 'layerd'; did you mean 'layered'?", NULL);
    done(&r);

    /* --format, whatever the extension: svg:graphviz is Graphviz's own SVG
     * renderer, svg dusk's writer (for a picture its layered layout pins) */
    r = dusk_cmd("render assets/samples/lecture-dsk.json --layout layered --format svg:graphviz -o %s",
                 scratch("gv.svg"));
    assert_ok(&r);
    done(&r);
    char *fsvg = slurp(scratch("gv.svg"), NULL);
    assert_non_null(fsvg);
    assert_contains(fsvg, "<!-- Generated by graphviz");
    free(fsvg);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --layout layered -o %s", scratch("own.svg"));
    assert_ok(&r);
    done(&r);
    fsvg = slurp(scratch("own.svg"), NULL);
    assert_non_null(fsvg);
    assert_contains(fsvg, "<!-- Generated by dusk");
    free(fsvg);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --format=dot -o %s", scratch("g.picture"));
    assert_ok(&r);
    done(&r);
    fsvg = slurp(scratch("g.picture"), NULL);
    assert_non_null(fsvg);
    assert_contains(fsvg, "digraph");
    free(fsvg);
    r = dusk_cmd("render assets/samples/lecture-dsk.json --format svg:graphvis -o %s", scratch("g.svg"));
    assert_one_line_error(&r, 2, "--format is svg, png, pdf, jpg, jpeg, dot, gv, xdot or "
                          "svg:graphviz", "not 'svg:graphvis'; did you mean 'svg:graphviz'?");
    done(&r);

    /* bad usage, and nothing written */
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s", scratch("g.gif"));
    assert_one_line_error(&r, 2, "g.gif: the picture is a .svg, .png", NULL);
    done(&r);
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s --color ordre", scratch("g.svg"));
    assert_one_line_error(&r, 2, "not 'ordre'; did you mean 'order'?", NULL);
    done(&r);
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s --color duration", scratch("g.svg"));
    assert_one_line_error(&r, 2, "--color duration needs a run", NULL);
    done(&r);
    r = dusk_cmd("render assets/samples/lecture-dsk.json");
    assert_one_line_error(&r, 2, "where to? -o", NULL);
    done(&r);
    /* a graph that holds the text "traceEvents" is still a graph, not a trace */
    write_file(scratch("te.json"), "{\"a\": \"traceEvents\", \"b\": [\"inc\", 1]}\n");
    r = dusk_cmd("render %s -o %s", scratch("te.json"), scratch("te.dot"));
    assert_ok(&r);
    done(&r);
    char *te = slurp(scratch("te.dot"), NULL);
    assert_non_null(te);
    assert_contains(te, "label=b,");                 /* Dask's key_split('b') */
    assert_contains(te, "function: inc");
    free(te);

    /* an output that would replace the input: refused, the input kept */
    char own[512];
    keep(own, "own-render.json");
    write_file(own, "{\"a\": 1, \"b\": [\"inc\", \"a\"]}\n");
    r = dusk_cmd("render %s --format dot -o %s", own, own);
    assert_one_line_error(&r, 2, "dusk render: -o ", "would replace the input file");
    done(&r);
    char *kept = slurp(own, NULL);
    assert_non_null(kept);
    assert_string_equal(kept, "{\"a\": 1, \"b\": [\"inc\", \"a\"]}\n");
    free(kept);
    r = dusk_cmd("render assets/samples/lecture-dsk.json -o %s/none/g.svg", scratch_dir);
    assert_one_line_error(&r, 1, "cannot write ", "none/g.svg");
    done(&r);
    assert_false(file_exists(scratch("g.svg")));
}

static void trace_profile_render(void **state)
{
    (void)state;
    char trace[512], csv[512], csv2[512], dot[512];
    keep(trace, "t.json");
    keep(csv, "run.csv");
    keep(csv2, "profile.csv");
    keep(dot, "trace.dot");
    result r = dusk_cmd("run assets/samples/lecture-dsk.json z --scheduler sync --trace %s --csv %s "
                        "--report %s --chart %s",
                        trace, csv, scratch("r.html"), scratch("c.png"));
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    done(&r);
    assert_true(file_exists(scratch("r.html")));
    assert_true(file_exists(scratch("c.png")));

    /* the summary of what ran: 3 tasks and 2 literals, as Dask counts,
     * the critical path b -> z */
    r = dusk_cmd("profile %s", trace);
    assert_ok(&r);
    assert_contains(r.out, "3 tasks in 1 run on 1 worker");
    assert_contains(r.out, "and 2 literals (a key set to a value), not counted");
    assert_contains(r.out, "critical path: 2 tasks");
    assert_contains(r.out, "'b' -> 'z'");
    done(&r);
    /* one task is a task */
    char one[512], onet[512];
    keep(one, "one-task.json");
    keep(onet, "one-task-t.json");
    write_file(one, "{\"a\": [\"inc\", 1]}\n");
    r = dusk_cmd("run %s --trace %s", one, onet);
    assert_ok(&r);
    done(&r);
    r = dusk_cmd("profile %s", onet);
    assert_ok(&r);
    assert_contains(r.out, "profile: 1 task in 1 run on ");
    done(&r);

    /* -o csv from the trace: the same tasks as run's own CSV */
    r = dusk_cmd("profile %s -o %s", trace, csv2);
    assert_ok(&r);
    done(&r);
    char *a = slurp(csv, NULL), *b = slurp(csv2, NULL);
    assert_non_null(a);
    assert_non_null(b);
    int lines = 0;
    for (char *p = b; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 6);   /* header and 5 tasks */
    assert_contains(b, ",z,add,");
    assert_contains(a, ",z,add,");
    free(a);
    free(b);
    r = dusk_cmd("profile %s -o %s", trace, scratch("p.html"));
    assert_ok(&r);
    done(&r);
    char *html = slurp(scratch("p.html"), NULL);
    assert_non_null(html);
    assert_contains(html, "<svg");
    assert_contains(html, "key: &#39;z&#39;");   /* the graph's picture, its tooltips */
    free(html);

    /* render draws the recorded run: its tasks, coloured by state */
    r = dusk_cmd("render %s -o %s --color state", trace, dot);
    assert_ok(&r);
    done(&r);
    char *text = slurp(dot, NULL);
    assert_non_null(text);
    assert_contains(text, "key: 'z'");
    assert_contains(text, "label=z,");               /* Dask's key_split of the keys */
    assert_contains(text, "function: add");
    assert_contains(text, "function: inc");
    free(text);

    /* dusk view of a trace with run's options: the trace is still found
     * (not the option's value "2"), and the option refused as such */
    r = dusk_cmd("view --workers 2 %s", trace);
    assert_one_line_error(&r, 2, "dusk view: unknown option '--workers'", NULL);
    done(&r);

    /* a damaged trace: file:line:column */
    write_file(scratch("bad-trace.json"), "{\"traceEvents\": [\n{\"ph\": \"X\", \n");
    r = dusk_cmd("profile %s", scratch("bad-trace.json"));
    assert_one_line_error(&r, 1, "bad-trace.json:", NULL);
    done(&r);
    /* a graph where a trace belongs: told how to profile a run of it */
    r = dusk_cmd("profile assets/samples/lecture-dsk.json");
    assert_one_line_error(&r, 1, "lecture-dsk.json is a graph, not a trace: dusk run", NULL);
    done(&r);
    r = dusk_cmd("render %s -o %s", scratch("bad-trace.json"), scratch("bad.svg"));
    assert_one_line_error(&r, 1, "bad-trace.json:", NULL);
    done(&r);
    assert_false(file_exists(scratch("bad.svg")));
    char tcsv[512];
    keep(tcsv, "trace-copy.csv");
    char cp[2048];
    snprintf(cp, sizeof cp, "cp %s %s", trace, tcsv);
    assert_int_equal(system(cp), 0);
    r = dusk_cmd("profile %s -o %s", tcsv, tcsv);
    assert_one_line_error(&r, 2, "dusk profile: -o ", "would replace the input file");
    done(&r);
    char *tkept = slurp(tcsv, NULL);
    assert_non_null(tkept);
    assert_contains(tkept, "\"traceEvents\"");
    free(tkept);
    r = dusk_cmd("profile %s -o %s", trace, scratch("x.txt"));
    assert_one_line_error(&r, 2, "x.txt: -o writes a .html report", NULL);
    done(&r);
}

/* --- plugins -------------------------------------------------------------------- */

static void plugin_functions(void **state)
{
    (void)state;
    char so[512];
    keep(so, "plugin.so");
    char cmd[8192];
    int status;
    snprintf(cmd, sizeof cmd, "cc -shared -fPIC -Iinclude tests/data/cli/plugin.c -o %s 2>&1", so);
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("cannot build the plugin: %s", out ? out : "");
    free(out);
    write_file(scratch("sq.json"), "{\"x\": 7, \"y\": [\"square\", \"x\"]}\n");
    result r = dusk_cmd("run %s --plugin %s", scratch("sq.json"), so);
    assert_ok(&r);
    assert_string_equal(r.out, "49\n");
    done(&r);

    /* a tuple a C function returns prints as Python's tuple, (1, 2) and
     * (1,), inside the lists the file writes ([(1, 2), [3]]); identity,
     * sleep and an alias pass it through as they pass a list */
    write_file(scratch("tuples.json"),
               "{\"x\": 1, \"p\": [\"pair\", \"x\", 2], \"w\": [\"wrap\", \"x\"],\n"
               " \"l\": [\"p\", [3]], \"i\": [\"identity\", \"p\"], \"n\": [\"pair\", \"p\", \"w\"],\n"
               " \"lit\": [1, [2, 3]], \"s\": [\"sleep\", 0, \"l\"], \"al\": \"l\",\n"
               " \"il\": [\"identity\", [\"x\", [\"p\"]]]}\n");
    static const char *const tuple_scheds[] = {"sync", "threads", "processes"};
    for (size_t k = 0; k < 3; k++) {
        r = dusk_cmd("run %s p w l i n lit s al il --plugin %s --scheduler %s",
                     scratch("tuples.json"), so, tuple_scheds[k]);
        assert_ok(&r);
        assert_string_equal(r.out, "((1, 2), (1,), [(1, 2), [3]], (1, 2), ((1, 2), (1,)), "
                                   "[1, [2, 3]], [(1, 2), [3]], [(1, 2), [3]], [1, [(1, 2)]])\n");
        done(&r);
    }
    r = dusk_cmd("run %s p --plugin %s", scratch("tuples.json"), so);
    assert_ok(&r);
    assert_string_equal(r.out, "(1, 2)\n");
    done(&r);
    r = dusk_cmd("run %s l --plugin %s", scratch("tuples.json"), so);
    assert_ok(&r);
    assert_string_equal(r.out, "[(1, 2), [3]]\n");
    done(&r);

    /* without it the function is unknown */
    r = dusk_cmd("run %s", scratch("sq.json"));
    assert_one_line_error(&r, 1, "unknown function 'square'", NULL);
    done(&r);
    /* with it, a failure of its function is named; its names are known */
    write_file(scratch("f.json"), "{\"x\": [\"fails\"], \"y\": [\"sqaure\", 1]}\n");
    r = dusk_cmd("run %s --plugin %s x", scratch("f.json"), so);
    assert_one_line_error(&r, 1, "key 'y': unknown function 'sqaure'; did you mean 'square'?",
                          "sleep, square, fails");
    done(&r);
    write_file(scratch("f2.json"), "{\"x\": [\"fails\"]}\n");
    r = dusk_cmd("run %s --plugin %s", scratch("f2.json"), so);
    assert_one_line_error(&r, 1, "task 'x' (fails) failed", "disk on fire");
    done(&r);
    /* two plugins with one function name: the message says which name */
    char so2[512];
    keep(so2, "plugin2.so");
    snprintf(cmd, sizeof cmd, "cp %s %s", so, so2);
    assert_int_equal(system(cmd), 0);
    r = dusk_cmd("run %s --plugin %s --plugin %s", scratch("sq.json"), so, so2);
    assert_one_line_error(&r, 1, "plugin2.so: dusk_plugin_init returned",
                          "'square' is already a function");
    done(&r);
    r = dusk_cmd("run %s --plugin %s", scratch("sq.json"), scratch("none.so"));
    assert_one_line_error(&r, 1, "cannot load plugin ", "none.so");
    done(&r);
}

/* --- demo, view ------------------------------------------------------------------ */

/* The built dusk eval -o: the lecture's r = x - x.mean(axis=0) over an
 * HDF5 dataset, written to another, equal to the same computed directly
 * with the array API (read back through libhdf5). */
static void eval_output(void **state)
{
    (void)state;
    char in[512], out[512];
    keep(in, "x.h5");
    keep(out, "r.h5");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *x = dusk_random_normal(ctx, 7, 1.0, 2.0, DUSK_SHAPE(12, 9), "(5, 4)");
    assert_int_equal(dusk_array_store(x, in, "/x", NULL, NULL, &err), 0);
    result r = dusk_cmd("eval 'x - x.mean(axis=0)' --input x=%s:/x --chunks '(4, 3)' -o %s:/r "
                        "--quiet", in, out);
    assert_ok(&r);
    done(&r);
    dusk_array *xi = dusk_from_hdf5(ctx, in, "/x", NULL);
    dusk_array *want = dusk_array_sub(xi, dusk_array_mean(xi, DUSK_AXIS(0), false));
    dusk_array *got = dusk_from_hdf5(ctx, out, "/r", NULL);
    dusk_value *w = NULL, *g = NULL;
    assert_int_equal(dusk_array_compute(want, NULL, &w, &err), 0);
    if (dusk_array_compute(got, NULL, &g, &err) != 0)
        fail_msg("reading %s:/r: %s", out, err.msg);
    assert_int_equal(dusk_ndarray_shape(g)[0], 12);
    assert_int_equal(dusk_ndarray_shape(g)[1], 9);
    const double *a = dusk_ndarray_data(w), *b = dusk_ndarray_data(g);
    for (int i = 0; i < 12 * 9; i++)
        assert_true(fabs(a[i] - b[i]) <= 1e-12 * (1 + fabs(a[i])));
    dusk_value_unref(w);
    dusk_value_unref(g);

    /* a dataset named without its leading slash is named from the root,
     * as HDF5 reads it: FILE:x is FILE:/x, for --input and -o */
    r = dusk_cmd("eval 'x.sum(axis=0) * 0 + x.shape[0]' --input x=%s:x -o %s:n --quiet", in, out);
    assert_ok(&r);
    done(&r);
    r = dusk_cmd("eval 'n' --input n=%s:/n", out);
    assert_ok(&r);
    assert_string_equal(r.out, "[12. 12. 12. 12. 12. 12. 12. 12. 12.]\n");
    done(&r);
    /* -o onto the dataset read: refused, the file left as it was */
    size_t before_len = 0, after_len = 0;
    char *before = slurp(in, &before_len);
    r = dusk_cmd("eval 'x + 1' --input x=%s:/x -o %s:x --quiet", in, in);
    assert_one_line_error(&r, 2, "would replace the dataset --input x reads", NULL);
    done(&r);
    char *after = slurp(in, &after_len);
    assert_true(before && after && before_len == after_len &&
                !memcmp(before, after, before_len));
    free(before);
    free(after);
    r = dusk_cmd("eval 'x' --input x=%s:nothing", in);
    assert_one_line_error(&r, 1, "dusk eval: --input x: no dataset '/nothing'", NULL);
    done(&r);
    r = dusk_cmd("eval 'x' --input x=%s:", in);   /* no dataset at all */
    assert_one_line_error(&r, 2, "which dataset of ", in);
    /* the file's own datasets named, and the example is one of them */
    assert_contains(r.err, "? it holds the datasets 'x' (NAME=FILE.hdf5:/dataset, e.g. x=");
    assert_contains(r.err, ":/x)");
    done(&r);
    /* a file whose datasets are all in groups names its groups */
    dusk_array *deep = dusk_ones(ctx, DUSK_SHAPE(3), "3", DUSK_DT_F8);
    char nested[512];
    keep(nested, "nested.h5");
    assert_int_equal(dusk_array_store(deep, nested, "/g/h/d", NULL, NULL, &err), 0);
    r = dusk_cmd("eval 'x' --input x=%s:/", nested);
    assert_one_line_error(&r, 2, "; it holds no dataset, only the group 'g': name one (x=",
                          ":/GROUP/DATASET)");
    done(&r);
    r = dusk_cmd("eval 'x' --input x=%s:/", in);
    assert_one_line_error(&r, 2, "'/' is the root group of ", "; it holds the datasets 'x': "
                                                              "name one (x=");
    assert_contains(r.err, ":/x)");
    done(&r);
    /* what a group holds is said alike by eval of a file's root and by
     * the library reading a group as a dataset: a group /g holding what
     * the root of another file holds reads the same, names too long to
     * show (counted) among them */
    char longname[310] = "/";
    memset(longname + 1, 'n', 300);
    const char *const members[][7] = {
        {"/a", "/b", "/c", "/d", "/e", "/f", NULL},
        {longname, NULL},
        {longname, "/short", NULL},
        {"/g1/x", "/g2/x", "/g3/x", "/g4/x", "/g5/x", NULL},
    };
    const char *const phrase[] = {
        "; it holds the datasets 'a', 'b', 'c', 'd' (and 2 more)",
        "; it holds 1 dataset",
        "; it holds the datasets 'short' (and 1 more)",
        "; it holds no dataset, only the groups 'g1', 'g2', 'g3', 'g4' and more",
    };
    for (size_t k = 0; k < sizeof members / sizeof *members; k++) {
        char root[512], group[512], at[400];
        keep(root, k % 2 ? "held-root1.h5" : "held-root0.h5");
        keep(group, k % 2 ? "held-group1.h5" : "held-group0.h5");
        remove(root);
        remove(group);
        for (size_t m = 0; members[k][m]; m++) {
            assert_int_equal(dusk_array_store(deep, root, members[k][m], NULL, NULL, &err), 0);
            snprintf(at, sizeof at, "/g%s", members[k][m]);
            assert_int_equal(dusk_array_store(deep, group, at, NULL, NULL, &err), 0);
        }
        char want_root[400], want_group[400];
        snprintf(want_root, sizeof want_root, "not a dataset%s: name one", phrase[k]);
        snprintf(want_group, sizeof want_group, "not a dataset%s\n", phrase[k]);
        r = dusk_cmd("eval 'x' --input x=%s:/", root);
        assert_one_line_error(&r, 2, "'/' is the root group of ", want_root);
        done(&r);
        r = dusk_cmd("eval 'x' --input x=%s:/g", group);
        assert_one_line_error(&r, 1, "' is a group, ", want_group);
        done(&r);
    }

    /* a group where a dataset belongs, a dataset where a group does: each
     * named, with the file */
    r = dusk_cmd("eval 'x.sum()' --input x=%s:/n -o %s:/g/a --quiet", out, out);
    assert_ok(&r);
    done(&r);
    r = dusk_cmd("eval 'x' --input x=%s:/g", out);
    assert_one_line_error(&r, 1, "dusk eval: --input x: '/g' in '", "' is a group, not a dataset");
    assert_contains(r.err, out);
    assert_contains(r.err, "; it holds the datasets 'a'\n");   /* what can be named there */
    done(&r);
    r = dusk_cmd("eval 'x' --input x=%s:/n/deeper", out);
    assert_one_line_error(&r, 1, "no dataset '/n/deeper' in '", "'/n' there is a dataset, not a group");
    done(&r);
    dusk_array_ctx_free(ctx);
}

/* --chunks-svg: the picture of how the result is cut, alone (no value
 * printed) or beside a computation; not for a number, nothing written
 * where it cannot be. */
static void eval_chunks_svg(void **state)
{
    (void)state;
    char svg[512], svg2[512];
    keep(svg, "grid.svg");
    result r = dusk_cmd("eval 'ones((1000, 400), chunks=(100, 200))' --chunks-svg %s", svg);
    assert_ok(&r);
    assert_string_equal(r.out, "");            /* nothing else asked: no value printed */
    done(&r);
    size_t len;
    char *text = slurp(svg, &len);
    assert_non_null(text);
    assert_contains(text, "<svg ");
    assert_contains(text, ">1000</text>");
    assert_contains(text, ">400</text>");
    int lines = 0;
    for (const char *p = text; (p = strstr(p, "<line ")); p++)
        lines++;
    assert_int_equal(lines, 11 + 3);             /* 10 blocks down, 2 across */
    free(text);
    keep(svg2, "grid2.svg");
    r = dusk_cmd("eval 'ones((6, 4), chunks=(3, 2)).sum(axis=0)' --print --chunks-svg %s", svg2);
    assert_ok(&r);
    assert_contains(r.out, "[6. 6. 6. 6.]");
    done(&r);
    assert_true(file_exists(svg2));
    keep(svg2, "none.svg");
    r = dusk_cmd("eval 'ones((6, 4)).sum()' --chunks-svg %s", svg2);
    assert_one_line_error(&r, 1, "--chunks-svg", "0-d array (one number) has no chunks");
    done(&r);
    assert_false(file_exists(svg2));
    r = dusk_cmd("eval 'ones((6, 4))' --chunks-svg %s/no/such/folder/x.svg", scratch_dir);
    assert_one_line_error(&r, 1, "--chunks-svg", "No such file or directory");
    done(&r);
    /* a failed computation leaves no picture */
    keep(svg2, "failed.svg");
    r = dusk_cmd("eval 'x + 1' --input x=%s/missing.h5:/x --chunks-svg %s", scratch_dir, svg2);
    assert_int_not_equal(r.code, 0);
    done(&r);
    assert_false(file_exists(svg2));
    r = dusk_cmd("eval 'ones(3)' --chunks-svg a.svg --chunks-svg b.svg");
    assert_one_line_error(&r, 2, "--chunks-svg given twice", NULL);
    done(&r);
}

/* Creation calls of the same arguments are one array, as Dask names them
 * by their arguments: the task counts are Dask's (27 and 36 for these). */
static void eval_same_calls_one_array(void **state)
{
    (void)state;
    result r = dusk_cmd("eval 'ones((15, 15), chunks=(5, 5)) + ones((15, 15), chunks=(5, 5)).T' "
                        "--describe");
    assert_ok(&r);
    assert_contains(r.out, "27 Tasks");
    done(&r);
    r = dusk_cmd("eval 'ones((15, 15), chunks=(5, 5)) + ones((15, 15), chunks=(5, 5), "
                 "dtype=\"i8\").T' --describe");
    assert_ok(&r);
    assert_contains(r.out, "36 Tasks");
    done(&r);
    /* chunks normalised, as Dask's names take them: 5 and (5, 5) are one
     * array (27 tasks); the fill's sign and the dtype still tell arrays
     * apart (36, as Dask's 12 and 12 for these on 4 blocks) */
    r = dusk_cmd("eval 'ones((15, 15), chunks=5) + ones((15, 15), chunks=(5, 5)).T' "
                 "--describe");
    assert_ok(&r);
    assert_contains(r.out, "27 Tasks");
    done(&r);
    r = dusk_cmd("eval 'full((15, 15), -0.0, chunks=5) + full((15, 15), 0.0, chunks=5)' "
                 "--describe");
    assert_ok(&r);
    assert_contains(r.out, "27 Tasks");
    done(&r);
    r = dusk_cmd("eval 'full((15, 15), 2.0, chunks=5) + full((15, 15), 2.0, chunks=(5, 5))' "
                 "--describe");
    assert_ok(&r);
    assert_contains(r.out, "18 Tasks");
    done(&r);
    /* past 1,000 tasks the picture is the layer view, and the CLI says so
     * with its option for every task (not viz's note, which names the C
     * option); --threshold draws them */
    char svg[512];
    keep(svg, "layers.svg");
    r = dusk_cmd("eval 'ones((400, 400), chunks=(10, 10)) + 1' --visualize %s", svg);
    assert_ok(&r);
    assert_string_equal(r.err, "dusk eval: 3200 tasks, more than 1000: drawing the layer view "
                               "(one node per layer); --threshold 3200 draws every task\n");
    done(&r);
    size_t layers_size = 0, tasks_size = 0;
    free(slurp(svg, &layers_size));
    r = dusk_cmd("eval 'ones((40, 40), chunks=(10, 10)) + 1' --visualize %s --threshold 20",
                 scratch("few.svg"));
    assert_ok(&r);
    assert_contains(r.err, "32 tasks, more than 20");
    done(&r);
    r = dusk_cmd("eval 'ones((400, 400), chunks=(10, 10)) + 1' --visualize %s --threshold 3200",
                 scratch("every.svg"));
    assert_ok(&r);
    assert_string_equal(r.err, "");
    done(&r);
    free(slurp(scratch("every.svg"), &tasks_size));
    assert_true(tasks_size > 100 * layers_size);
    r = dusk_cmd("eval 'ones((40, 40), chunks=(10, 10)) + 1' --visualize %s --threshold 20 -q",
                 scratch("few.svg"));
    assert_ok(&r);
    assert_string_equal(r.err, "");   /* -q: no note, as render's */
    done(&r);
    r = dusk_cmd("eval '1 + 1' --threshold 3");
    assert_one_line_error(&r, 2, "--threshold goes with --visualize", NULL);
    done(&r);
    r = dusk_cmd("eval '1 + 1' --visualize %s --threshold 0", scratch("never.svg"));
    assert_one_line_error(&r, 2, "--threshold '0': a whole number of tasks, from 1", NULL);
    done(&r);
    /* -0.0 is not 0.0: its own array, and its sign kept */
    r = dusk_cmd("eval '1 / full(2, 0.0) + 1 / full(2, -0.0)' --print");
    assert_ok(&r);
    assert_contains(r.out, "nan");
    done(&r);
}

/* dusk eval's bad usage and files: one line (and the caret lines for the
 * expression), nothing written. */
/* Whether dir holds a file whose name starts with prefix. */
static bool dir_has(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    bool found = false;
    for (struct dirent *e; (e = readdir(d)) && !found;)
        found = !strncmp(e->d_name, prefix, strlen(prefix));
    closedir(d);
    return found;
}

/* A picture beside a computation that fails is not left behind, and one
 * it would replace is kept as it was; a picture's format is checked
 * before anything is printed or read. */
static void eval_failure_leaves_no_picture(void **state)
{
    (void)state;
    char dir[512], svg[600], old[600];
    keep(dir, "pictures");
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(svg, sizeof svg, "%s/new.svg", dir);
    snprintf(old, sizeof old, "%s/old.svg", dir);
    write_file(old, "old picture\n");
    /* refused by the memory check once the picture is drawn */
    static const char *const big = "ones((1000000, 1000000), chunks=(1000000, 500000)) + 1";
    result r = dusk_cmd("eval '%s' --visualize %s --print", big, svg);
    assert_one_line_error(&r, 1, "dusk eval: computing add-", "needs 14.55 TiB");
    done(&r);
    assert_false(file_exists(svg));
    r = dusk_cmd("eval '%s' --visualize %s -o %s/r.h5:/r", big, old, dir);
    assert_one_line_error(&r, 1, "dusk eval: storing ", NULL);
    done(&r);
    char *kept = slurp(old, NULL);
    assert_string_equal(kept, "old picture\n");
    free(kept);
    assert_false(dir_has(dir, ".dusk-"));   /* no temporary picture */
    /* through: the picture is in place, no temporary one beside it */
    r = dusk_cmd("eval 'ones(4, chunks=2) + 1' --visualize %s --print", old);
    assert_ok(&r);
    assert_string_equal(r.out, "[2. 2. 2. 2.]\n");
    done(&r);
    kept = slurp(old, NULL);
    assert_non_null(strstr(kept, "<svg"));
    free(kept);
    assert_false(dir_has(dir, ".dusk-"));
    /* a format that is none: usage, before --describe prints */
    r = dusk_cmd("eval 'ones(3)' --describe --visualize %s/g.xyz", dir);
    assert_one_line_error(&r, 2, "dusk eval: --visualize ", "g.xyz: the picture is a .svg, .png");
    done(&r);
    /* chunks of 0 elements: named */
    r = dusk_cmd("eval 'ones(3)' --chunks '(0, 2)'");
    assert_one_line_error(&r, 2, "--chunks '(0, 2)': a chunk of 0 elements", NULL);
    done(&r);
}

static void eval_failures(void **state)
{
    (void)state;
    /* a flag given a value: said so, not called unknown */
    result r = dusk_cmd("eval 'ones(3)' --describe=yes");
    assert_one_line_error(&r, 2, "dusk eval: option '--describe' takes no value", NULL);
    done(&r);
    r = dusk_cmd("eval 'ones(3)' --quite=1");
    assert_one_line_error(&r, 2, "unknown option '--quite'; did you mean '--quiet'?", NULL);
    done(&r);

    /* an output that cannot be written: said before anything is computed,
     * and the other outputs are not written */
    r = dusk_cmd("eval 'ones((4, 3)).sum(axis=0)' -o %s:/r --profile %s/none/r.html",
                 scratch("kept.h5"), scratch_dir);
    assert_one_line_error(&r, 1, "dusk eval: cannot write ",
                          "none/r.html: No such file or directory");
    done(&r);
    assert_false(file_exists(scratch("kept.h5")));
    r = dusk_cmd("eval 'ones(3)' --visualize %s/none/g.svg --print", scratch_dir);
    assert_one_line_error(&r, 1, "dusk eval: cannot write ", "none/g.svg: No such file");
    done(&r);
    r = dusk_cmd("eval 'ones(3)' -o %s/none/r.h5:/r", scratch_dir);
    assert_one_line_error(&r, 1, "dusk eval: cannot write ", "none/r.h5: No such file");
    done(&r);

    /* an output that would replace an input file or another output:
     * refused, the input still the HDF5 file it was */
    char in[512];
    keep(in, "in.h5");
    r = dusk_cmd("eval 'ones((4, 3))' -o %s:/x --quiet", in);
    assert_ok(&r);
    done(&r);
    r = dusk_cmd("eval 'x * 2' --input x=%s:/x --profile %s", in, in);
    assert_one_line_error(&r, 2, "dusk eval: --profile ", "would replace the input file");
    done(&r);
    size_t len;
    char *head = slurp(in, &len);
    assert_non_null(head);
    assert_true(len > 8 && !memcmp(head, "\x89HDF", 4));
    free(head);
    /* chunks that cannot be read are a typing error (2), wherever they are
     * typed; chunks that do not fit an array's shape fail like other
     * shapes that do not fit (1), wherever they are typed */
    static const char *const unreadable[] = {"--chunks '5 5'", "--chunks '(5)(5)'",
                                             "--chunks autoauto", "--chunks '(0, 3)'"};
    for (size_t k = 0; k < sizeof unreadable / sizeof *unreadable; k++) {
        r = dusk_cmd("eval 'ones((10, 10))' --describe %s", unreadable[k]);
        assert_one_line_error(&r, 2, "dusk eval: --chunks '", "chunks are a number, auto or "
                              "a tuple of them");
        done(&r);
    }
    static const char *const typed[] = {"ones((10, 10), chunks='abc')",
                                        "ones((10, 10), chunks=(0, 3))",
                                        "ones((10, 10)).rechunk('5 5')"};
    for (size_t k = 0; k < sizeof typed / sizeof *typed; k++) {
        r = dusk_cmd("eval \"%s\" --describe", typed[k]);
        if (r.code != 2)
            fail_msg("%s: exit %d, want 2; stderr: %s", typed[k], r.code, r.err);
        assert_contains(r.err, "cannot read chunks");
        done(&r);
    }
    static const char *const unfit[] = {"ones((10, 10))' --chunks '(3, 3, 3)",
                                        "ones((10, 10))' --chunks '((5, 5), (3, 3))",
                                        "ones((10, 10), chunks=(3, 3, 3))",
                                        "ones((10, 10)).rechunk(((5, 5), (3, 3)))"};
    for (size_t k = 0; k < sizeof unfit / sizeof *unfit; k++) {
        r = dusk_cmd("eval '%s' --describe", unfit[k]);
        if (r.code != 1)
            fail_msg("%s: exit %d, want 1; stderr: %s", unfit[k], r.code, r.err);
        assert_true(contains(r.err, "give 3 dimensions for shape (10, 10)") ||
                    contains(r.err, "do not fit shape (10, 10)"));
        done(&r);
    }
    r = dusk_cmd("eval 'x' --input x=%s:/x --chunks '(3, 3, 3)' --describe", in);
    assert_one_line_error(&r, 1, "--input x: chunks \"(3, 3, 3)\" give 3 dimensions", NULL);
    done(&r);

    r = dusk_cmd("eval 'ones(3)' --visualize %s --profile %s", scratch("v.svg"), scratch("v.svg"));
    assert_one_line_error(&r, 2, "dusk eval: --visualize and --profile name one file", NULL);
    done(&r);
    assert_false(file_exists(scratch("v.svg")));
    /* -o into the input's own file, another dataset, is fine */
    r = dusk_cmd("eval 'x * 2' --input x=%s:/x -o %s:/y --quiet", in, in);
    assert_ok(&r);
    done(&r);
}

/* --- Ctrl-C and SIGTERM ------------------------------------------------------ */

/* The names in dir, sorted, one per line ("." and ".." left out). */
static char *dir_listing(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    size_t cap = 64, len = 0;
    char *out = calloc(1, cap);
    assert_non_null(out);
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (strcmp(nm, ".") && strcmp(nm, "..")) {
            size_t add = strlen(nm) + 1;
            while (len + add + 1 > cap)
                assert_non_null(out = realloc(out, cap *= 2));
            memcpy(out + len, nm, add - 1);
            out[len + add - 1] = '\n';
            out[len += add] = '\0';
        }
        free(names[i]);
    }
    free(names);
    return out;
}

/* Whether process pid has a handler for sig (Linux: SigCgt of its status). */
static bool catches(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    bool yes = false;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "SigCgt:", 7))
            yes = (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
    if (f)
        fclose(f);
    return yes;
}

/* When run_in's last signal went, ms after the start of the command, and
 * when the command ended: for the message of a run that was not stopped. */
static double sent_ms, ended_ms;

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Runs dusk with argv (args[0] the subcommand, NULL-terminated) in dir,
 * sends sig (unless 0) once it handles it (it then runs what it was asked:
 * a run that lasts seconds), and returns what it did. */
static result run_in(const char *dir, int sig, char *const args[])
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char outf[512], errf[512];
    keep(outf, "intr-stdout.txt");
    keep(errf, "intr-stderr.txt");
    char *argv[32] = {dusk};
    for (int i = 0; args[i]; i++)
        argv[i + 1] = args[i];
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(outf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(errf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0 || chdir(dir) != 0)
            _exit(99);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        setenv("SDL_VIDEODRIVER", "dummy", 1);   /* for --view */
        setenv("SDL_RENDER_DRIVER", "software", 1);
        execv(dusk, argv);
        _exit(98);
    }
    int status;
    if (sig == 0) {
        assert_int_equal(waitpid(pid, &status, 0), pid);
        result r = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(outf, NULL),
                    slurp(errf, NULL)};
        assert_non_null(r.out);
        assert_non_null(r.err);
        return r;
    }
    /* the handler is set just before the run starts; 20 s for a loaded CI */
    struct timespec nap = {0, 5000000};
    pid_t ended = 0;
    for (int i = 0; i < 4000 && !ended && !catches(pid, sig); i++) {
        nanosleep(&nap, NULL);
        ended = waitpid(pid, &status, WNOHANG);
    }
    if (ended)
        fail_msg("dusk %s ended before it was interrupted", args[0]);
    nanosleep(&nap, NULL);   /* into the run */
    assert_int_equal(kill(pid, sig), 0);
    sent_ms = ms_since(&t0);
    /* 20 s for a loaded CI; one that does not stop is killed, and said */
    for (int i = 0; i < 4000 && !(ended = waitpid(pid, &status, WNOHANG)); i++)
        nanosleep(&nap, NULL);
    if (!ended) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        fail_msg("dusk %s did not stop within 20 s of signal %d", args[0], sig);
    }
    assert_int_equal(ended, pid);
    ended_ms = ms_since(&t0);
    result r = {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(outf, NULL),
                slurp(errf, NULL)};
    assert_non_null(r.out);
    assert_non_null(r.err);
    if (!WIFEXITED(status))
        fail_msg("dusk %s died of signal %d; stderr: %s", args[0], WTERMSIG(status), r.err);
    return r;
}

static void interrupt_leaves_no_output(void **state)
{
    (void)state;
    char dir[512], graph[512];
    keep(dir, "intr");
    assert_int_equal(mkdir(dir, 0755), 0);
    /* 40 tasks of 100 ms in a chain: 4 s, stopped after the running one */
    keep(graph, "intr-slow.json");
    FILE *f = fopen(graph, "w");
    assert_non_null(f);
    fprintf(f, "{\"s0\": [\"sleep\", 100]");
    for (int i = 1; i < 40; i++)
        fprintf(f, ", \"s%d\": [\"sleep\", 100, \"s%d\"]", i, i - 1);
    fprintf(f, "}\n");
    assert_int_equal(fclose(f), 0);
    /* an output from before: left as it was */
    char old[600];
    snprintf(old, sizeof old, "%s/t.json", dir);
    write_file(old, "the trace of yesterday\n");
    char *before = dir_listing(dir);

    const int sigs[] = {SIGINT, SIGTERM};
    const char *scheds[] = {"sync", "threads", "processes"};
    for (int k = 0; k < 3; k++) {
        char *args[] = {"run", graph, "--scheduler", (char *)scheds[k], "--trace", "t.json",
                        "--report", "r.html", "--chart", "c.png", "--csv", "c.csv", NULL};
        int sig = sigs[k % 2];
        result r = run_in(dir, sig, args);
        if (r.code != 128 + sig)
            fail_msg("%s: exit %d, want %d (signal %d sent %.1f ms after the start, the "
                     "command ended %.1f ms after it); stderr: %s; stdout: %.200s", scheds[k],
                     r.code, 128 + sig, sig, sent_ms, ended_ms - sent_ms, r.err, r.out);
        assert_string_equal(r.err, "dusk run: interrupted\n");
        assert_string_equal(r.out, "");
        done(&r);
        char *after = dir_listing(dir);
        assert_string_equal(after, before);
        free(after);
    }
    /* in the live window too (it was "out of memory" there) */
    char *view[] = {"run", graph, "--view", "--close", "--trace", "t.json", NULL};
    result v = run_in(dir, SIGINT, view);
    if (v.code != 130)
        fail_msg("--view: exit %d, want 130; stderr: %s", v.code, v.err);
    /* (a sanitizer build adds its summary of suppressed leaks after it) */
    assert_true(!strncmp(v.err, "dusk run: interrupted\n", 22));
    done(&v);
    /* a paused window: its workers wait in the window's gate, which the
     * interrupt's was never asked past; the first signal went unseen */
    char *paused[] = {"run", graph, "--view", "--start-paused", "--close", "--trace", "t.json",
                      NULL};
    v = run_in(dir, SIGTERM, paused);
    if (v.code != 143)
        fail_msg("--view --start-paused: exit %d, want 143; stderr: %s", v.code, v.err);
    assert_true(!strncmp(v.err, "dusk run: interrupted\n", 22));
    done(&v);
    char *listed = dir_listing(dir);
    assert_string_equal(listed, before);
    free(listed);
    char *text = slurp(old, NULL);
    assert_string_equal(text, "the trace of yesterday\n");
    free(text);

    /* eval -o: the store's temporary file and lock go, an existing
     * output file keeps its dataset */
    snprintf(old, sizeof old, "%s/out.h5", dir);
    result r = dusk_cmd("eval 'ones(3)' -o %s:/r --quiet", old);
    assert_ok(&r);
    done(&r);
    size_t n0, n1;
    char *h5 = slurp(old, &n0);
    assert_non_null(h5);
    free(before);
    before = dir_listing(dir);
    /* a product of 4000 x 4000 matrices: seconds, in 4096 small tasks */
    char expr[] = "(random.random((4000, 4000), chunks=(250, 250)) @ "
                  "random.random((4000, 4000), chunks=(250, 250))).sum(axis=0)";
    for (int k = 0; k < 2; k++) {
        char *args[] = {"eval", expr, "-o", "out.h5:/r", "--scheduler", (char *)scheds[k],
                        NULL};
        result e = run_in(dir, sigs[k], args);
        if (e.code != 128 + sigs[k])
            fail_msg("eval: exit %d, want %d; stderr: %s", e.code, 128 + sigs[k], e.err);
        assert_string_equal(e.err, "dusk eval: interrupted\n");
        done(&e);
        char *after = dir_listing(dir);
        assert_string_equal(after, before);
        free(after);
        char *now = slurp(old, &n1);
        assert_non_null(now);
        assert_true(n0 == n1 && !memcmp(h5, now, n0));
        free(now);
    }
    free(h5);
    free(before);
}

/* The tour run outside the source tree writes into ./dusk-demo, not a new
 * ./build/demo, and says where, as an absolute path; given --dir, there. */
static void demo_says_where(void **state)
{
    (void)state;
    char dir[512], in[600];
    keep(dir, "elsewhere");
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(in, sizeof in, "%s/x.h5", dir);
    result r = dusk_cmd("eval 'random.random((40, 30), chunks=(10, 10))' -o %s:/x -q", in);
    assert_ok(&r);
    done(&r);
    char *args[] = {"demo", "--array-only", "--input", in, "--dataset", "/x", "--chunks", "10",
                    "--workers", "1", NULL};
    r = run_in(dir, 0, args);
    assert_ok(&r);
    char want[700];
    snprintf(want, sizeof want, "dusk demo: the files go to %s/dusk-demo (--dir DIR to choose)\n",
             dir);
    assert_contains(r.err, want);
    done(&r);
    char path[700];
    snprintf(path, sizeof path, "%s/dusk-demo/r.hdf5", dir);
    assert_true(file_exists(path));
    snprintf(path, sizeof path, "%s/build", dir);
    assert_false(file_exists(path));
    /* in a tree with a build folder, build/demo, as make demo has it */
    assert_int_equal(mkdir(path, 0755), 0);
    r = run_in(dir, 0, args);
    assert_ok(&r);
    snprintf(want, sizeof want, "the files go to %s/build/demo (", dir);
    assert_contains(r.err, want);
    done(&r);
    snprintf(path, sizeof path, "%s/build/demo/r.hdf5", dir);
    assert_true(file_exists(path));
    char *given[] = {"demo", "--array-only", "--input", in, "--dataset", "/x", "--chunks", "10",
                     "--dir", "mine", NULL};
    r = run_in(dir, 0, given);
    assert_ok(&r);
    snprintf(want, sizeof want, "the files go to %s/mine (", dir);
    assert_contains(r.err, want);
    done(&r);
    snprintf(path, sizeof path, "%s/mine/r.hdf5", dir);
    assert_true(file_exists(path));

    /* build/dusk-demo itself (the README's "on your own data"), outside
     * a tree: the same rule and notice, no build folder made, though
     * --output names the result */
    char other[512], demo[4200], cmd[9000];
    keep(other, "elsewhere2");
    assert_int_equal(mkdir(other, 0755), 0);
    assert_int_equal(build_path(demo, sizeof demo, "dusk-demo"), 0);
    snprintf(cmd, sizeof cmd, "cd %s && %s --array-only --input %s --dataset /x --chunks 10 "
             "--workers 1 --output OUT.hdf5 2>&1", other, demo, in);
    int status;
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    snprintf(want, sizeof want, "dusk-demo: the files go to %s/dusk-demo (--dir DIR to choose)\n",
             other);
    assert_contains(out, want);
    free(out);
    snprintf(path, sizeof path, "%s/OUT.hdf5", other);
    assert_true(file_exists(path));
    snprintf(path, sizeof path, "%s/dusk-demo/graph.svg", other);
    assert_true(file_exists(path));
    snprintf(path, sizeof path, "%s/build", other);
    assert_false(file_exists(path));

    /* a bad option fails before anything is said or made */
    char *bad[] = {"demo", "--nope", NULL};
    r = run_in(other, 0, bad);
    assert_int_equal(r.code, 2);
    assert_contains(r.err, "dusk demo: unknown option '--nope'\n");
    assert_null(strstr(r.err, "dusk-demo"));   /* the program's own name is no command */
    assert_null(strstr(r.err, "files go"));
    done(&r);
    char *bad_value[] = {"demo", "tour", "--workers", "many", NULL};
    r = run_in(other, 0, bad_value);
    assert_int_equal(r.code, 2);
    assert_contains(r.err, "dusk demo: --workers wants a number 0..4096, not 'many'\n");
    done(&r);
}

static void demo_list(void **state)
{
    (void)state;
    result r = dusk_cmd("demo --list");
    assert_ok(&r);
    assert_contains(r.out, "tour ");
    assert_contains(r.out, "window ");
    done(&r);
    r = dusk_cmd("demo tuor");
    assert_one_line_error(&r, 2, "no demo 'tuor'; did you mean 'tour'?", NULL);
    done(&r);
    r = dusk_cmd("demo --dir %s tour", scratch("d"));   /* the name after the options */
    assert_one_line_error(&r, 2, "the demo's name comes before its options: dusk demo tour --dir",
                          NULL);
    done(&r);
    r = dusk_cmd("demo window --theme purple");   /* bad usage, before anything runs */
    assert_one_line_error(&r, 2,
                          "dusk demo: --theme: the theme \"purple\" is not one of light, dark, "
                          "contrast, nor a theme file",
                          NULL);
    done(&r);
    r = dusk_cmd("demo window --theme /nonexistent/my.theme");
    assert_one_line_error(&r, 2, "cannot read the theme /nonexistent/my.theme", NULL);
    done(&r);
    /* the window demo names the command and what is wrong, then its usage */
    r = dusk_cmd("demo window --nope");
    assert_int_equal(r.code, 2);
    static const char said[] = "dusk demo: unknown option '--nope'\nusage: dusk demo window ";
    assert_true(strncmp(r.err, said, strlen(said)) == 0);
    done(&r);
    r = dusk_cmd("demo window --theme");
    assert_int_equal(r.code, 2);
    assert_contains(r.err, "dusk demo: --theme needs a value\n");
    done(&r);
    r = dusk_cmd("view --demo window --nope");
    assert_int_equal(r.code, 2);
    assert_contains(r.err, "dusk view: unknown option '--nope'\n");
    done(&r);
    r = dusk_cmd("eval");
    assert_int_equal(r.code, 2);
    done(&r);
}

/* `dusk args` with no display at all (the variables that would name one
 * unset), as run_dusk runs it. */
static result dusk_without_display(const char *args)
{
    char cmd[8192];
    const char *errf = scratch("stderr.txt");
    snprintf(cmd, sizeof cmd, "env -u DISPLAY -u WAYLAND_DISPLAY -u XDG_RUNTIME_DIR "
             "-u SDL_VIDEODRIVER timeout 60 %s %s 2>%s </dev/null", dusk, args, errf);
    result r = {-1, NULL, NULL};
    int status;
    r.out = run_command(cmd, &status);
    assert_non_null(r.out);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = slurp(errf, NULL);
    assert_non_null(r.err);
    return r;
}

/* What the libraries say for C callers reaches the command's users
 * without C names: the function that refused is left out, and the
 * memory check's hint names eval's option, which does what it says. */
static void messages_name_no_c_functions(void **state)
{
    (void)state;
    char trace[512];
    keep(trace, "nc.json");
    result r = dusk_cmd("run assets/samples/lecture-dsk.json --trace %s", trace);
    assert_ok(&r);
    done(&r);
    const char *cmds[] = {"view assets/samples/lecture-dsk.json", "eval 'ones(3)' --view", NULL};
    char view_trace[600];
    snprintf(view_trace, sizeof view_trace, "view %s", trace);
    cmds[2] = view_trace;
    static const char *const sub[] = {"dusk view: cannot open a window: no display",
                                      "dusk eval: cannot open a window: no display",
                                      "dusk view: cannot open a window: no display"};
    for (int k = 0; k < 3; k++) {
        r = dusk_without_display(cmds[k]);
        assert_one_line_error(&r, 1, sub[k], "SDL_VIDEODRIVER=dummy");
        if (strstr(r.err, "dusk_"))
            fail_msg("dusk %s: a C name in \"%s\"", cmds[k], r.err);
        done(&r);
    }
    r = dusk_cmd("eval 'ones((1000000, 1000000)) + 1'");
    assert_one_line_error(&r, 1, "needs 14.55 TiB",
                          "; dusk eval --no-memory-check skips this check");
    if (strstr(r.err, "dusk_"))
        fail_msg("a C name in \"%s\"", r.err);
    done(&r);
    /* the option turns the check off: the one 7.28 TiB block is asked of
     * malloc, which refuses it (overcommit 0 or 2: not promised memory
     * that is not there, as with 1, where the test would not be safe) */
    char *mode = slurp("/proc/sys/vm/overcommit_memory", NULL);
    if (mode && mode[0] != '1') {
        r = dusk_cmd("eval 'ones((1000000, 1000000), chunks=-1) + 1' --no-memory-check");
        /* (a sanitizer build warns of the allocation first: the last line) */
        assert_int_equal(r.code, 1);
        assert_contains(r.err, "dusk eval: task ");
        assert_contains(r.err, "out of memory");
        if (strstr(r.err, "this process may take"))
            fail_msg("--no-memory-check still checked: %s", r.err);
        done(&r);
    }
    free(mode);
    r = dusk_cmd("eval 'ones(3)' --no-memory-check=1");
    assert_one_line_error(&r, 2, "option '--no-memory-check' takes no value", NULL);
    done(&r);
}

static void view_window(void **state)
{
    (void)state;
    /* SDL's dummy driver: a window without a display */
    result r;
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    r = dusk_cmd("run assets/samples/lecture-dsk2.json a d --view --close");
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    assert_string_equal(r.out, "(1, 6)\n");
    done(&r);
    r = dusk_cmd("view assets/samples/lecture-dsk.json z");
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    assert_string_equal(r.out, "13\n");
    done(&r);
    char trace[512];
    keep(trace, "v.json");
    r = dusk_cmd("run assets/samples/lecture-dsk.json --trace %s", trace);
    assert_ok(&r);
    done(&r);
    r = dusk_cmd("view %s --close", trace);
    if (r.code != 0)
        fail_msg("exit %d: %s", r.code, r.err);
    done(&r);
    /* a replay takes a theme too (a projector's), checked before the window */
    r = dusk_cmd("view %s --close --theme contrast", trace);
    if (r.code != 0)
        fail_msg("--theme contrast: exit %d: %s", r.code, r.err);
    done(&r);
    r = dusk_cmd("view %s --close --theme sepia", trace);
    assert_one_line_error(&r, 2, "dusk view: --theme: the theme \"sepia\" is not one of", NULL);
    done(&r);
    /* slow motion: each worker at least 0.1 s a task, so the 5 tasks on 2
     * workers (side by side) take at least 2 of them */
    uint64_t t0 = now_ns();
    r = dusk_cmd("view assets/samples/lecture-dsk.json --delay 0.1");
    uint64_t took = now_ns() - t0;
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    done(&r);
    if (took < 200000000u)
        fail_msg("5 tasks at --delay 0.1 took %.3f s", (double)took / 1e9);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --delay 0.1");
    assert_one_line_error(&r, 2, "--delay, --start-paused and --theme go with --view", NULL);
    done(&r);
    /* a theme of the user's own in the window; a bad one said before any run */
    const char *theme = scratch("room.theme");
    FILE *tf = fopen(theme, "w");
    assert_non_null(tf);
    fputs("base = contrast\nwaiting = #d0d0d0\n", tf);
    assert_int_equal(fclose(tf), 0);
    r = dusk_cmd("view assets/samples/lecture-dsk.json z --theme %s", theme);
    assert_ok(&r);
    assert_string_equal(r.out, "13\n");
    done(&r);
    r = dusk_cmd("eval 'ones(3) + 1' --view --theme=%s", theme);
    assert_ok(&r);
    assert_string_equal(r.out, "[2. 2. 2.]\n");
    done(&r);
    tf = fopen(theme, "w");
    assert_non_null(tf);
    fputs("base = contrast\nwaiting = grey\n", tf);
    assert_int_equal(fclose(tf), 0);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --view --theme %s", theme);
    assert_one_line_error(&r, 2, "room.theme:2: waiting 'grey' is not a colour #rrggbb", NULL);
    done(&r);
    r = dusk_cmd("eval 'ones(3)' --view --theme %s", theme);
    assert_one_line_error(&r, 2, "dusk eval: --theme: ", NULL);
    done(&r);
    r = dusk_cmd("eval 'ones(3)' --theme dark");
    assert_one_line_error(&r, 2, "dusk eval: --theme goes with --view", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --view --theme drak");
    assert_one_line_error(&r, 2, "the theme \"drak\" is not one of light, dark, contrast", NULL);
    done(&r);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --view --delay 61");
    assert_one_line_error(&r, 2, "--delay takes seconds from 0 to 60, not '61'", NULL);
    done(&r);
    r = dusk_cmd("view");
    assert_one_line_error(&r, 2, "what to show?", NULL);
    done(&r);
    /* --demo goes to dusk demo: a name it does not know is its error */
    r = dusk_cmd("view --demo windw");
    assert_one_line_error(&r, 2, "dusk view: no demo 'windw'; did you mean 'window'?", NULL);
    done(&r);
    /* no window can open: said in one line, before anything runs */
    setenv("SDL_VIDEODRIVER", "no-such-driver", 1);
    r = dusk_cmd("run assets/samples/lecture-dsk.json --view");
    assert_one_line_error(&r, 1, "cannot open a window", NULL);
    done(&r);
    unsetenv("SDL_VIDEODRIVER");
    unsetenv("SDL_RENDER_DRIVER");
    /* no display at all: dusk's one line, and nothing from SDL's probes
     * (Wayland's library printed "XDG_RUNTIME_DIR is invalid ..." first) */
    char line[4400];
    snprintf(line, sizeof line, "env -u DISPLAY -u WAYLAND_DISPLAY -u XDG_RUNTIME_DIR %s "
             "view assets/samples/lecture-dsk.json 2>&1 >/dev/null", dusk);
    int status;
    char *err = run_command(line, &status);
    assert_non_null(err);
    assert_int_equal(WEXITSTATUS(status), 1);
    assert_contains(err, "no display (DISPLAY, WAYLAND_DISPLAY and XDG_RUNTIME_DIR are unset)");
    assert_null(strstr(err, "is invalid or not set"));   /* libwayland's line */
    assert_int_equal(strchr(err, '\n') - err + 1, (long)strlen(err));   /* one line */
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(version_and_help),
        cmocka_unit_test(completion_knows_every_option),
        cmocka_unit_test(run_lecture),
        cmocka_unit_test(run_failures),
        cmocka_unit_test(progress_only_on_a_terminal),
        cmocka_unit_test(render_golden_dot),
        cmocka_unit_test(trace_profile_render),
        cmocka_unit_test(plugin_functions),
        cmocka_unit_test(eval_output),
        cmocka_unit_test(eval_same_calls_one_array),
        cmocka_unit_test(eval_chunks_svg),
        cmocka_unit_test(eval_failures),
        cmocka_unit_test(eval_failure_leaves_no_picture),
        cmocka_unit_test(interrupt_leaves_no_output),
        cmocka_unit_test(demo_says_where),
        cmocka_unit_test(demo_list),
        cmocka_unit_test(view_window),
        cmocka_unit_test(stdin_dash),
        cmocka_unit_test(usage_alike),
        cmocka_unit_test(options_given_twice),
        cmocka_unit_test(traces_that_are_not),
        cmocka_unit_test(messages_name_no_c_functions),
    };
    return cmocka_run_group_tests_name("cli", tests, setup, scratch_teardown);
}
