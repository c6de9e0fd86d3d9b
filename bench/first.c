/*
** bench/first.c — how soon a process's first run starts its first task
** (`make bench`)
**
** `dusk run g.json --trace t.json` is one run in a fresh process: what
** the run sets up between its RUN_BEGIN and its first task shows in the
** trace as time with nothing running (it was 220-400 us of a 300-us
** lecture run: the profiler's 512-KiB worker table and sampler thread, and
** the pool's threads, all made after the run's epoch). Each sample is a
** fresh process (this program run again as a child): the lecture's graph
** (a: 1, x: 10, b = inc(a), y = inc(x), z = add(b, y)) on the threads
** scheduler with 2 workers, and a listener that notes RUN_BEGIN and the
** first START. Plain and profiled (dusk_profiler_new(NULL) beside the
** listener, as the CLI's --trace) alternate, ROUNDS of each.
** Prints (medians, and the best):
**   run.first_task       us from RUN_BEGIN to the first START, listener only
**   profile.first_task   the same with the profiler recording
** and exits non-zero when a child fails or computes z wrong.
*/
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dusk.h"
#include "dusk/profiler.h"

enum { ROUNDS = 15 };

typedef struct {
    uint64_t begin, first;
    int seen;
} marks;

static void note(void *ud, const dusk_event *ev)
{
    marks *m = ud;
    if (ev->kind == DUSK_EV_RUN_BEGIN)
        m->begin = ev->t_ns;
    else if (ev->kind == DUSK_EV_START && !m->seen) {
        m->first = ev->t_ns;
        m->seen = 1;
    }
}

/* One run in this (fresh) process: prints the microseconds. */
static int child(int profiled)
{
    dusk_graph *g = dusk_graph_new();
    dusk_graph_value(g, "a", dusk_int(1));
    dusk_graph_value(g, "x", dusk_int(10));
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(g, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(g, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    marks m = {0, 0, 0};
    dusk_callbacks cb[2];
    memset(cb, 0, sizeof cb);
    cb[0].ud = &m;
    cb[0].on_event = note;
    cb[0].kinds = DUSK_EVMASK(DUSK_EV_RUN_BEGIN) | DUSK_EVMASK(DUSK_EV_START);
    dusk_profiler *p = profiled ? dusk_profiler_new(NULL) : NULL;
    int n = 1;
    if (p)
        cb[n++] = dusk_profiler_callbacks(p);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_THREADS;
    o.workers = 2;
    o.callbacks = cb;
    o.ncallbacks = n;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_get(g, "z", &o, &v, &err);
    if (rc != 0 || dusk_value_int(v) != 13 || !m.seen) {
        fprintf(stderr, "bench first: the run failed: %s\n", rc ? err.msg : "wrong result");
        return 1;
    }
    printf("%.3f\n", (double)(m.first - m.begin) / 1e3);
    dusk_value_unref(v);
    dusk_profiler_free(p);
    dusk_graph_free(g);
    return 0;
}

/* Runs this program as a child of the given mode: its figure, or -1. */
static double sample(int profiled)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execl("/proc/self/exe", "first", profiled ? "--child-profiled" : "--child", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char buf[64] = "";
    ssize_t got = read(fd[0], buf, sizeof buf - 1);
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    buf[got] = '\0';
    return atof(buf);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--child"))
        return child(0);
    if (argc > 1 && !strcmp(argv[1], "--child-profiled"))
        return child(1);
    double t[2][ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < 2; k++) {
            int mode = (r + k) % 2;   /* alternating which comes first */
            if ((t[mode][r] = sample(mode)) < 0) {
                fprintf(stderr, "bench first: a child failed\n");
                return 1;
            }
        }
    static const char *const name[2] = {"run.first_task", "profile.first_task"};
    for (int mode = 0; mode < 2; mode++) {
        qsort(t[mode], ROUNDS, sizeof **t, by_value);
        printf("%s: %.1f us (RUN_BEGIN to the first START in a fresh process, median of %d; "
               "best %.1f)\n",
               name[mode], t[mode][ROUNDS / 2], ROUNDS, t[mode][0]);
    }
    return 0;
}
