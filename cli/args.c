/*
** dusk cli — arguments, messages and the closest word
**
** One option walker for every subcommand, so that all of them take
** "--opt value" and "--opt=value", stop at "--", answer --help, and name
** an unknown option with the known one closest to it. Also the handling
** of Ctrl-C and SIGTERM that the subcommands writing files share.
*/
#define _XOPEN_SOURCE 700   /* realpath */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dusk/graph.h>
#include <dusk/value.h>
#include <dusk/viz.h>

#include "cli/cli.h"
#include "cli/expr.h"

/* The libraries' messages are written for C callers: some start with the
 * C function that refused ("dusk_view_get: cannot open a window") or end
 * with a C call that would help. The command's users read them with the
 * function's name left out and the hint spelled as the command's option. */
static const struct { const char *lib, *cli; } PHRASES[] = {
    {"; dusk_array_ctx_set_memory_check(ctx, false) skips this check",
     "; dusk eval --no-memory-check skips this check (the computation may then be killed "
     "for want of memory)"},
    {" (dusk_func_register)", ""},
};

/* --- "-", standard input ----------------------------------------------------------
 * The readers of graph files and traces open a path, some of them twice
 * (cli_is_trace scans it, then the loader reads it; a failed run's
 * hint reads the graph file again), which a pipe cannot serve. So "-" is
 * copied once into a temporary file, unlinked at once (nothing stays,
 * whatever ends the process), and read through /proc/self/fd/N, which
 * opens it anew from its start; messages name it <stdin>. */
static char stdin_path[64];

int cli_input(const char *sub, const char **path)
{
    if (strcmp(*path, "-") != 0)
        return 0;
    if (stdin_path[0]) {   /* read already (dusk view hands it on to run) */
        *path = stdin_path;
        return 0;
    }
    const char *dir = getenv("TMPDIR");
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s/dusk-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return cli_fail(1, sub, "cannot keep standard input in %s: %s", tmp, strerror(errno));
    unlink(tmp);
    char buf[65536];
    ssize_t got;
    int rc = 0;
    while (!rc && (got = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = cli_fail(1, sub, "cannot read standard input: %s", strerror(errno));
        for (ssize_t off = 0; !rc && off < got;) {
            ssize_t put = write(fd, buf + off, (size_t)(got - off));
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0)
                rc = cli_fail(1, sub, "cannot keep standard input in %s: %s", dir && *dir ? dir
                              : "/tmp", strerror(errno));
            else
                off += put;
        }
    }
    if (rc) {
        close(fd);
        return rc;
    }
    snprintf(stdin_path, sizeof stdin_path, "/proc/self/fd/%d", fd);   /* fd stays open */
    *path = stdin_path;
    return 0;
}

const char *cli_shown(const char *path)
{
    return stdin_path[0] && !strcmp(path, stdin_path) ? "<stdin>" : path;
}

void cli_user_text(char *msg, size_t n)
{
    /* standard input's temporary file is <stdin> to the user */
    for (char *at; stdin_path[0] && (at = strstr(msg, stdin_path)) != NULL;) {
        size_t len = strlen(stdin_path);
        memcpy(at, "<stdin>", 7);
        memmove(at + 7, at + len, strlen(at + len) + 1);
    }
    for (size_t k = 0; k < sizeof PHRASES / sizeof *PHRASES; k++) {
        char *at = strstr(msg, PHRASES[k].lib);
        if (!at)
            continue;
        size_t lib = strlen(PHRASES[k].lib), cli = strlen(PHRASES[k].cli);
        size_t tail = strlen(at + lib) + 1, room = n - (size_t)(at - msg);
        if (cli + tail > room)   /* cut, rather than run past msg */
            tail = room > cli ? room - cli : 0;
        memmove(at + cli, at + lib, tail);
        memcpy(at, PHRASES[k].cli, cli < room ? cli : room - 1);
        msg[n - 1] = '\0';
    }
    /* "dusk_name: " at the start or after another ": " (a prefix such as
     * "--input x: ") is the C function that refused */
    for (char *p = msg; (p = strstr(p, "dusk_")) != NULL;) {
        char *q = p + 5;
        while ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_')
            q++;
        bool starts = p == msg || (p - msg >= 2 && p[-2] == ':' && p[-1] == ' ');
        if (starts && q[0] == ':' && q[1] == ' ')
            memmove(p, q + 2, strlen(q + 2) + 1);
        else
            p = q;
    }
}

int cli_fail(int code, const char *sub, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_user_text(msg, sizeof msg);
    /* one line, whatever a key holds: control characters are escaped (a
     * newline or an escape sequence in a key must not reach the terminal) */
    fprintf(stderr, "dusk %s: ", sub);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('\n', stderr);
    return code;
}

int cli_check_kind(const char *sub, const char *opt, const char *path, const char *kind,
                   const char *ext1, const char *ext2)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    const char *ext = dot && (!slash || dot > slash) ? dot + 1 : "";
    if (!strcasecmp(ext, ext1) || (ext2 && !strcasecmp(ext, ext2)))
        return 0;
    return cli_fail(2, sub, "%s %s: %s is a .%s%s%s file", opt, path, kind, ext1,
                    ext2 ? " or ." : "", ext2 ? ext2 : "");
}

int cli_check_picture(const char *sub, const char *opt, const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    const char *ext = dot && (!slash || dot > slash) ? dot + 1 : "";
    static const char *const kinds[] = {"svg", "png", "pdf", "jpg", "jpeg", "dot", "gv", "xdot"};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (!strcasecmp(ext, kinds[i]))   /* g.SVG too, as dusk_visualize takes it */
            return 0;
    return cli_fail(2, sub, "%s%s%s: the picture is a .svg, .png, .pdf, .jpg, .jpeg, .dot, .gv "
                    "or .xdot file",
                    opt ? opt : "", opt ? " " : "", path);
}

void cli_layers_note(const char *sub, dusk_viz_options *vo, size_t ntasks, const char *how)
{
    size_t threshold = vo->threshold ? vo->threshold : DUSK_VIZ_THRESHOLD;
    if (vo->view != DUSK_VIZ_AUTO || ntasks <= threshold || vo->quiet)
        return;
    vo->quiet = true;
    fprintf(stderr, "dusk %s: %zu tasks, more than %zu: drawing the layer view (one node per "
                    "layer); %s draws every task\n", sub, ntasks, threshold, how);
}

/* One measure of "close" for options, keys and names alike: expr.c's (at
 * most 3 edits, case aside, and fewer edits than the word has letters). */
const char *cli_closest(const char *given, const char *const *known, size_t n)
{
    return expr_closest(given, known, n);
}

int cli_progress_wanted(int quiet)
{
    return !quiet && isatty(STDERR_FILENO);
}

int cli_once(const char *sub, const char *opt, const char **first, const char *val)
{
    if (!*first) {
        *first = val;
        return 0;
    }
    return cli_fail(2, sub, "%s given twice ('%s' and '%s')", opt, *first, val);
}

/* Whether the len bytes at s are a spelling of opts entry e ("-o|--output=");
 * *takes: whether the option takes a value, *again: whether it may be
 * given again. */
static int spelled(const char *e, const char *s, size_t len, int *takes, int *again)
{
    size_t elen = strcspn(e, "=");
    *takes = e[elen] == '=';
    *again = *takes && e[elen + 1] == '*';
    for (const char *p = e, *end = e + elen; p < end;) {
        size_t pl = strcspn(p, "|=");
        if (pl == len && strncmp(p, s, len) == 0)
            return 1;
        p += pl + (p[pl] == '|');
    }
    return 0;
}

int cli_next(cli_args *a, const char *const *opts, size_t n, const char **val)
{
    if (a->i >= a->argc)
        return CLI_END;
    const char *s = a->argv[a->i++];
    *val = s;
    if (a->only_args || s[0] != '-' || s[1] == '\0')   /* "-" is an argument (stdin/stdout) */
        return CLI_ARG;
    if (!strcmp(s, "--")) {
        a->only_args = 1;
        return cli_next(a, opts, n, val);
    }
    if (!strcmp(s, "--help") || !strcmp(s, "-h"))
        return CLI_HELP;
    const char *eq = strchr(s, '=');
    size_t len = eq ? (size_t)(eq - s) : strlen(s);
    for (size_t k = 0; k < n; k++) {
        int takes, again;
        if (!spelled(opts[k], s, len, &takes, &again))
            continue;
        if (!takes) {
            if (eq)
                return cli_fail(2, a->argv[0], "option '%.*s' takes no value", (int)len, s),
                       CLI_BAD;
            *val = NULL;
            return (int)k;
        }
        if (eq) {
            *val = eq + 1;
        } else if (a->i < a->argc) {
            *val = a->argv[a->i++];
        } else {
            cli_fail(2, a->argv[0], "option '%s' needs a value", s);
            return CLI_BAD;
        }
        /* one value each: a second would silently win over the first */
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), s);
        if (!again && k < CLI_MAX_OPTS && cli_once(a->argv[0], name, &a->given[k], *val) != 0)
            return CLI_BAD;
        return (int)k;
    }
    /* unknown: name the closest of the known ones, each spelling alone */
    char known[65][40];
    const char *names[65];
    size_t m = 0;
    names[m++] = "--help";   /* answered above, so not in opts, but a typo of it is common */
    for (size_t k = 0; k < n; k++) {
        for (const char *p = opts[k]; *p && *p != '=' && m < 65;) {
            size_t pl = strcspn(p, "|=");
            snprintf(known[m], sizeof known[m], "%.*s", (int)pl, p);
            names[m] = known[m];
            m++;
            p += pl + (p[pl] == '|');
        }
    }
    char given[128];
    snprintf(given, sizeof given, "%.*s", (int)(len < 120 ? len : 120), s);
    const char *near = cli_closest(given, names, m);
    if (near)
        cli_fail(2, a->argv[0], "unknown option '%s'; did you mean '%s'?", given, near);
    else
        cli_fail(2, a->argv[0], "unknown option '%s' (dusk %s --help lists them)", given,
                 a->argv[0]);
    return CLI_BAD;
}

int cli_check_output(const char *sub, const char *path)
{
    /* the directory must be there and writable: say so before the run */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (!*path)
        return cli_fail(2, sub, "an output file name is empty");
    /* outputs appear whole by a rename: never over a device, pipe or directory */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return cli_fail(2, sub, "cannot write %s: it is %s, not a plain file", path,
                        S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a pipe"
                                                                                   : "a device");
    if (access(dir, W_OK) != 0)
        return cli_fail(1, sub, "cannot write %s: %s", path, strerror(errno));
    /* access passes a writable plain file too: out.txt/t.json */
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        return cli_fail(1, sub, "cannot write %s: %s", path, strerror(ENOTDIR));
    /* and root passes where nothing can be made (/proc, a read-only
     * mount): a file made there and removed says it for everyone */
    char probe[4096 + 32];
    snprintf(probe, sizeof probe, "%s/.dusk-check-XXXXXX", dir);
    int fd = mkstemp(probe);
    if (fd < 0)
        return cli_fail(1, sub, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    unlink(probe);
    return 0;
}

/* Whether a and b name one file: the same inode when both exist, else the
 * same directory (by its real path) and the same last name. */
int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return 0;
    const char *na = strrchr(a, '/'), *nb = strrchr(b, '/');
    if (strcmp(na ? na + 1 : a, nb ? nb + 1 : b) != 0)
        return 0;
    char da[4096], db[4096], ra[PATH_MAX], rb[PATH_MAX];
    snprintf(da, sizeof da, "%.*s", na ? (int)(na - a) + 1 : 1, na ? a : ".");
    snprintf(db, sizeof db, "%.*s", nb ? (int)(nb - b) + 1 : 1, nb ? b : ".");
    return realpath(da, ra) && realpath(db, rb) && strcmp(ra, rb) == 0;
}

int cli_parse_int(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (!*text || *end || errno || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* --- Ctrl-C and SIGTERM ---------------------------------------------------------
 * The handler only records the signal and arms the run's gate (both are
 * lock-free stores, safe in a handler); the gate then refuses the next
 * task, the run returns DUSK_ECANCELED after its running tasks, and the
 * writers remove their temporary files as on any failure. The handler is
 * one-shot (SA_RESETHAND): a second Ctrl-C kills at once, for a task that
 * would not end. */
static volatile sig_atomic_t caught;
static int armed;   /* the gate's gate_armed */

static void on_signal(int sig)
{
    caught = sig;
    __atomic_store_n(&armed, 1, __ATOMIC_RELEASE);
}

static int interrupt_gate(void *ud, int worker, dusk_error *err)
{
    (void)ud;
    (void)worker;
    return dusk_error_set(err, DUSK_ECANCELED, "interrupted");
}

void cli_interrupt_install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
        struct sigaction old, sa;
        /* a signal ignored from the start (nohup, a shell's background
         * job) stays ignored, as the shell meant */
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESETHAND | SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

dusk_callbacks cli_interrupt_callbacks(void)
{
    return (dusk_callbacks){.gate = interrupt_gate, .gate_armed = &armed};
}

const int *cli_interrupt_flag(void)
{
    return &armed;
}

int cli_interrupted(void)
{
    return caught;
}

int cli_interrupt_exit(const char *sub)
{
    fprintf(stderr, "dusk %s: interrupted\n", sub);
    return 128 + caught;
}
