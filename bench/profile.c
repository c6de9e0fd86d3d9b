/*
** bench/profile.c — what recording costs (`make bench`)
**
** The graph of bench/overhead.c (100,000 `inc` tasks summed by a binary
** tree of `add`, 200,006 tasks; the builder is shared through
** overhead_graph.h), run on the threads scheduler with 2 workers, with
** no listener and with recorders of growing weight:
**   events    a listener that only counts the events the profiler asks
**             for (every kind but READY), in per-worker counters: what
**             the scheduler's building and delivering them costs, the
**             floor under any recorder of per-task times
**   tasks     a dusk_profiler recording tasks and cache, no sampler
**   resources the same with resources sampled adaptively (from every
**             1 ms): dusk_profiler_new(NULL)
**   all       that and a forced dusk_progress bar drawing to /dev/null
** Only dusk_get is timed; reading the records afterwards (which prepares
** them: keys from the graph, merge, groups) is timed on its own.
**
** Runs come in rounds of one run of each, in rotating order. This
** machine's speed drifts by up to 2x between seconds, and a round shares
** the drift: an overhead is the median over ROUNDS rounds of
** (on - off) / off, which is steadier than comparing the best of each.
** Prints:
**   profile.off            ns/task, no listener (best run)
**   profile.on             ns/task, every recorder (best run)
**   profile.overhead       all against off, median, in %  (target: 5 %)
**   profile.overhead.best  (best on - best off) / best off, in %
**   profile.overhead.events, .tasks_only, .resources
**                          the lighter listeners against off, median, in %
**   profile.sampler_cpu    the resource sampler thread's CPU time in a run
**   profile.progress_cpu   the progress bar thread's
**                          (both CLOCK_THREAD_CPUTIME_ID of the threads the
**                          profiler names dusk-sampler and dusk-progress,
**                          read just before they stop, in extra runs with
**                          every recorder, untimed; median): what they take
**                          from the cores the 2 workers fill
**   profile.prepare        ns/task, first read of the records after a run
**   profile.summary        ns/task, the summary (critical path included)
**   profile.read_trace     ns/task, reading the run's trace back (its JSON through jansson)
**   profile.overhead.1us   as profile.overhead, on the graph's shape with
**                          50,000 leaves whose every task first spins for
**                          1 us (100,006 tasks): recording against tasks
**                          that do some work (median of 15 rounds)
**   profile.overhead.1us.events, .tasks_only, .resources
**                          the lighter listeners on those tasks
**   profile.groups.trace, profile.groups.chart
**                          ms writing the trace, and the chart (PNG), of
**                          the overhead graph's shape with every key its
**                          own task group ("x0", "s1_0": 200,006 groups,
**                          as a graph file of such keys gives `dusk run
**                          --trace`), one run
**   profile.groups.peak    MiB the process's peak RSS rose by writing both
**                          (Linux's VmHWM, reset first; a row per group
**                          binned took 3 GB)
** and exits non-zero when a run is wrong or a record is missing (every
** run must give exactly 200,006 task records: recording is lossless) or
** the counting listener missed an event.
**
** DUSK_BENCH_ONLY=groups measures the profile.groups lines alone.
** For callgrind: DUSK_BENCH_CONFIG=off|events|tasks|resources|all runs
** that configuration DUSK_BENCH_REPS times (default 1) and nothing else;
** instructions a task are those of 2 runs less those of 1, / 200,006. It
** prints the medians of the runs' wall time and CPU time (all threads,
** CLOCK_PROCESS_CPUTIME_ID around dusk_get), a task.
*/
#define _GNU_SOURCE   /* the thread CPU clock of a thread id */
#include <dirent.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dusk.h>
#include <dusk/profiler.h>

#include "overhead_graph.h"

enum { ROUNDS = 31, WORKERS = 2, CPU_RUNS = 11 };

typedef enum { C_OFF, C_EVENTS, C_TASKS, C_RESOURCES, C_ALL, NCONFIGS } config;
static const char *const config_names[NCONFIGS] = {"off", "events", "tasks", "resources",
                                                   "all"};

/* --- the counting listener ------------------------------------------------- */

typedef struct counter {
    alignas(64) uint64_t n;   /* written by one worker's thread at a time */
} counter;

static counter counts[WORKERS + 1];   /* the last: events of no worker */

static void count_events(void *ud, const dusk_event *ev, size_t n)
{
    (void)ud;
    for (size_t i = 0; i < n; i++) {
        int w = ev[i].worker >= 0 && ev[i].worker < WORKERS ? ev[i].worker : WORKERS;
        counts[w].n++;
    }
}

/* The graph run_once checks a run against: its tasks, root sum and
 * shortest critical path (the overhead graph's by default; main's 1 us
 * graph for profile.overhead.1us). */
static size_t want_tasks = NTASKS, want_critical = 18;   /* 17 add levels over an inc */
static int64_t want_sum = SUM;

/* The profiler's kinds (all but READY): per task START, END, RELEASED but
 * for the root; RUN_BEGIN and RUN_END. */
#define PROFILER_EVENTS (3u * want_tasks - 1u + 2u)

/* --- the recorders' threads' CPU time --------------------------------------- */

/* The CPU clock of thread `tid` of this process, as glibc's
 * pthread_getcpuclockid makes it: CLOCK_THREAD_CPUTIME_ID of that thread. */
static clockid_t tid_cpu_clock(pid_t tid)
{
    return (clockid_t)((~(unsigned)tid << 3) | 6u);
}

/* The CPU time so far of this process's threads named name, in ns. */
static uint64_t named_threads_cpu(const char *name)
{
    DIR *d = opendir("/proc/self/task");
    uint64_t sum = 0;
    struct dirent *e;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char path[300], comm[32] = "";
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        struct timespec ts;
        if (strcmp(comm, name) == 0 &&
            clock_gettime(tid_cpu_clock((pid_t)atoi(e->d_name)), &ts) == 0)
            sum += (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
    closedir(d);
    return sum;
}

/* A finish callback placed before the recorders': their threads still run. */
static uint64_t sampler_cpu, progress_cpu;

static void probe_finish(void *ud, int status)
{
    (void)ud;
    (void)status;
    sampler_cpu = named_threads_cpu("dusk-sampler");
    progress_cpu = named_threads_cpu("dusk-progress");
}

/* --- runs -------------------------------------------------------------------- */

/* The CPU time of every thread of the process (the workers', the
 * recorders'), and that of the last dusk_get. */
static uint64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t last_cpu_ns;

/* One timed dusk_get with configuration c; returns ns, 0 on failure. With
 * a profiler, checks the records and times their first reading
 * (*prepare_ns) and the summary (*summary_ns). probe: note the
 * recorders' threads' CPU time (sampler_cpu, progress_cpu). */
static uint64_t run_once(dusk_graph *g, const char *root, config c, int probe, FILE *devnull,
                         uint64_t *prepare_ns, uint64_t *summary_ns)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    dusk_options o = DUSK_OPTIONS_INIT;
    dusk_profiler *prof = NULL;
    dusk_progress *bar = NULL;
    dusk_callbacks cbs[3];
    size_t ncbs = 0;

    o.scheduler = DUSK_SCHED_THREADS;
    o.workers = WORKERS;
    memset(cbs, 0, sizeof cbs);
    if (probe)
        cbs[ncbs++].finish = probe_finish;
    if (c == C_EVENTS) {
        memset(counts, 0, sizeof counts);
        cbs[ncbs].on_events = count_events;
        cbs[ncbs++].kinds = (uint32_t)~DUSK_EVMASK(DUSK_EV_READY);
    }
    if (c >= C_TASKS) {
        dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
        if (c == C_TASKS)
            po.record = DUSK_PROF_TASKS | DUSK_PROF_CACHE;
        if (!(prof = dusk_profiler_new(&po))) {
            fail("out of memory");
            return 0;
        }
        cbs[ncbs++] = dusk_profiler_callbacks(prof);
    }
    if (c == C_ALL) {
        dusk_progress_options po = DUSK_PROGRESS_OPTIONS_INIT;
        po.out = devnull;
        po.force = 1;
        if (!(bar = dusk_progress_new(&po))) {
            fail("out of memory");
            dusk_profiler_free(prof);
            return 0;
        }
        cbs[ncbs++] = dusk_progress_callbacks(bar);
    }
    o.callbacks = ncbs ? cbs : NULL;
    o.ncallbacks = ncbs;

    uint64_t c0 = process_cpu_ns(), t0 = now_ns();
    int rc = dusk_get(g, root, &o, &v, &err);
    uint64_t t1 = now_ns();
    last_cpu_ns = process_cpu_ns() - c0;

    if (rc != 0) {
        fail("dusk_get failed: %s", err.msg[0] ? err.msg : dusk_strerror(rc));
        t1 = t0;
    } else if (dusk_value_kind(v) != DUSK_KIND_INT || dusk_value_int(v) != want_sum) {
        fail("wrong sum");
    }
    dusk_value_unref(v);
    if (c == C_EVENTS && rc == 0) {
        uint64_t n = 0;
        for (int i = 0; i <= WORKERS; i++)
            n += counts[i].n;
        if (n != PROFILER_EVENTS)
            fail("the counting listener heard %" PRIu64 " events, expected %zu", n,
                 PROFILER_EVENTS);
    }
    if (prof) {
        uint64_t p0 = now_ns();
        size_t n = dusk_profiler_ntasks(prof);
        uint64_t p1 = now_ns();
        dusk_profile_summary s;
        dusk_profiler_summary(prof, &s);
        uint64_t p2 = now_ns();
        if (prepare_ns)
            *prepare_ns = p1 - p0;
        if (summary_ns)
            *summary_ns = p2 - p1;
        if (n != want_tasks || dusk_profiler_lost(prof) != 0 || dusk_profiler_status(prof) != 0)
            fail("%zu task records (%" PRIu64 " lost), expected %zu", n,
                 dusk_profiler_lost(prof), want_tasks);
        if (s.ncritical < want_critical)
            fail("critical path of %zu tasks, expected %zu", s.ncritical, want_critical);
        if (c >= C_RESOURCES && dusk_profiler_nsamples(prof) < 2)
            fail("%zu resource samples in a run", dusk_profiler_nsamples(prof));
        dusk_profiler_free(prof);
    }
    dusk_progress_free(bar);
    return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the n values and returns their median. */
static double median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* DUSK_BENCH_CONFIG: the named configuration, DUSK_BENCH_REPS times. */
static int callgrind_mode(dusk_graph *g, const char *root, const char *name, FILE *devnull)
{
    int reps = getenv("DUSK_BENCH_REPS") ? atoi(getenv("DUSK_BENCH_REPS")) : 1;
    for (int c = 0; c < NCONFIGS; c++)
        if (strcmp(name, config_names[c]) == 0) {
            double *wall = calloc((size_t)(reps > 0 ? reps : 1), sizeof *wall);
            double *cpu = calloc((size_t)(reps > 0 ? reps : 1), sizeof *cpu);
            int n = 0;
            for (int r = 0; r < reps && !failures && wall && cpu; r++, n++) {
                wall[r] = (double)run_once(g, root, (config)c, 0, devnull, NULL, NULL);
                cpu[r] = (double)last_cpu_ns;
            }
            /* for side-by-side runs: medians a task, wall and CPU (all threads) */
            if (n && !failures)
                printf("profile.%s: %.1f ns/task wall, %.1f ns/task CPU (medians of %d runs)\n",
                       name, median(wall, (size_t)n) / NTASKS, median(cpu, (size_t)n) / NTASKS,
                       n);
            free(wall);
            free(cpu);
            return failures != 0;
        }
    fprintf(stderr, "bench: DUSK_BENCH_CONFIG=%s: not off, events, tasks, resources or all\n",
            name);
    return 1;
}

/* Reading a recorded run back (the trace's JSON through jansson): the
 * whole overhead graph, best of 3. */
static void read_trace(dusk_graph *g, const char *root)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_TASKS;
    dusk_profiler *prof = dusk_profiler_new(&po);
    dusk_callbacks cb = dusk_profiler_callbacks(prof);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.workers = 2;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *v = NULL;
    char path[] = "/tmp/dusk-bench-trace-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || dusk_get(g, root, &o, &v, &err) != 0 ||
        dusk_profiler_write_trace(prof, path, NULL, &err) != 0) {
        fail("writing the trace: %s", err.msg);
    } else {
        uint64_t bestr = UINT64_MAX;
        struct stat st;
        stat(path, &st);
        for (int k = 0; k < 3 && !failures; k++) {
            dusk_profiler *back = NULL;
            uint64_t r0 = now_ns();
            int rc = dusk_profiler_read_trace(path, &back, &err);
            uint64_t r1 = now_ns();
            if (rc != 0 || dusk_profiler_ntasks(back) != NTASKS)
                fail("reading the trace back: %s", rc ? err.msg : "wrong task count");
            if (r1 - r0 < bestr)
                bestr = r1 - r0;
            dusk_profiler_free(back);
        }
        if (!failures)
            printf("profile.read_trace: %.0f ns/task (%.1f MiB of JSON, %.0f ms)\n",
                   (double)bestr / NTASKS, (double)st.st_size / 1048576.0, bestr / 1e6);
    }
    if (fd >= 0) {
        close(fd);
        remove(path);
    }
    dusk_value_unref(v);
    dusk_profiler_free(prof);
}

/* profile.overhead.1us: every recorder against none, as
 * profile.overhead, on the graph's shape with 50,000 leaves whose every
 * task first spins for 1 us (100,006 tasks, some 50 ms a run): what the
 * recorders cost tasks that do some work. */
static void measure_1us(FILE *devnull)
{
    enum { LEAVES = 50000, ROUNDS_1US = 15 };
    const char *root;
    dusk_graph *g = build_spin(LEAVES, 1000, &root);
    if (!g) {
        fail("building the 1 us graph failed");
        return;
    }
    want_tasks = dusk_graph_size(g);
    want_sum = (int64_t)LEAVES * (LEAVES + 1) / 2;
    want_critical = 17;   /* 16 levels over an inc */
    double ratio[NCONFIGS][ROUNDS_1US];
    size_t nratio = 0;
    for (int r = 0; r < ROUNDS_1US + 1 && !failures; r++) {
        uint64_t ns[NCONFIGS] = {0};
        int complete = r > 0;   /* the first round warms up */
        for (int k = 0; k < NCONFIGS; k++) {
            config c = (config)((r + k) % NCONFIGS);   /* each first in turn */
            ns[c] = run_once(g, root, c, 0, devnull, NULL, NULL);
            complete &= ns[c] != 0;
        }
        if (complete) {
            for (int c = 1; c < NCONFIGS; c++)
                ratio[c][nratio] = (double)ns[c] / (double)ns[C_OFF];
            nratio++;
        }
    }
    if (!failures && nratio) {
        printf("profile.overhead.1us: %.1f %% (every recorder against none, tasks of 1 us, "
               "median of %zu rounds)\n",
               100.0 * (median(ratio[C_ALL], nratio) - 1), nratio);
        printf("profile.overhead.1us.events: %.1f %%\n",
               100.0 * (median(ratio[C_EVENTS], nratio) - 1));
        printf("profile.overhead.1us.tasks_only: %.1f %%\n",
               100.0 * (median(ratio[C_TASKS], nratio) - 1));
        printf("profile.overhead.1us.resources: %.1f %%\n",
               100.0 * (median(ratio[C_RESOURCES], nratio) - 1));
    }
    fflush(stdout);
    want_tasks = NTASKS;
    want_sum = SUM;
    want_critical = 18;
    dusk_graph_free(g);
}

/* The overhead graph's shape on n leaves with keys that key_split leaves
 * whole: every task a group of its own. */
static dusk_graph *build_groups(size_t n, const char **root)
{
    static char rootkey[48];
    dusk_graph *g = dusk_graph_new();
    char (*level)[48] = malloc(sizeof *level * n);
    if (!g || !level) {
        free(level);
        dusk_graph_free(g);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(level[i], sizeof level[i], "x%zu", i);
        dusk_task(g, level[i], &dusk_inc, dusk_lit_int((int64_t)i));
    }
    for (int depth = 1; n > 1; depth++) {
        size_t m = 0;
        char key[48];
        for (size_t i = 0; i + 1 < n; i += 2, m++) {
            snprintf(key, sizeof key, "s%d_%zu", depth, m);
            dusk_task(g, key, &dusk_add, dusk_ref(level[i]), dusk_ref(level[i + 1]));
            memcpy(level[m], key, sizeof key);
        }
        if (n % 2) {
            snprintf(key, sizeof key, "c%d", depth);
            dusk_task(g, key, &dusk_identity, dusk_ref(level[n - 1]));
            memcpy(level[m++], key, sizeof key);
        }
        n = m;
    }
    memcpy(rootkey, level[0], sizeof rootkey);
    *root = rootkey;
    free(level);
    return g;
}

/* Peak RSS (VmHWM) in bytes after resetting it to the current RSS (reset)
 * or as it is; 0 when Linux does not say or lets no reset. */
static uint64_t peak_rss(int reset)
{
    if (reset) {
        FILE *f = fopen("/proc/self/clear_refs", "w");
        if (!f || fputs("5", f) < 0) {
            if (f)
                fclose(f);
            return 0;
        }
        if (fclose(f) != 0)
            return 0;
    }
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    uint64_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %" SCNu64, &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

/* profile.groups.*: the trace and chart of a profile with a group a task. */
static void measure_groups(void)
{
    const char *root;
    dusk_graph *g = build_groups(NLEAVES, &root);
    dusk_profiler_options po = DUSK_PROFILER_OPTIONS_INIT;
    po.record = DUSK_PROF_TASKS | DUSK_PROF_CACHE;
    dusk_profiler *prof = dusk_profiler_new(&po);
    dusk_callbacks cb = dusk_profiler_callbacks(prof);
    dusk_options o = DUSK_OPTIONS_INIT;
    o.workers = WORKERS;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    char trace[] = "/tmp/dusk-bench-groups-XXXXXX", chart[64];
    int fd = mkstemp(trace);
    snprintf(chart, sizeof chart, "%s.png", trace);
    if (!g || !prof || fd < 0 || dusk_get(g, root, &o, &v, &err) != 0) {
        fail("the many-groups run: %s", err.msg[0] ? err.msg : "out of memory");
    } else if (dusk_value_int(v) != SUM || dusk_profiler_ngroups(prof) != NTASKS) {
        fail("the many-groups run: wrong sum or %zu groups, expected %u",
             dusk_profiler_ngroups(prof), NTASKS);
    } else {
        uint64_t base = peak_rss(1);
        uint64_t t0 = now_ns();
        int rc = dusk_profiler_write_trace(prof, trace, NULL, &err);
        uint64_t t1 = now_ns();
        rc = rc ? rc : dusk_profiler_write_chart(prof, chart, NULL, &err);
        uint64_t t2 = now_ns();
        uint64_t peak = peak_rss(0);
        if (rc) {
            fail("the many-groups outputs: %s", err.msg);
        } else {
            printf("profile.groups.trace: %.0f ms (%u tasks, a task group each)\n",
                   (double)(t1 - t0) / 1e6, NTASKS);
            printf("profile.groups.chart: %.0f ms\n", (double)(t2 - t1) / 1e6);
            if (base && peak >= base)
                printf("profile.groups.peak: %.1f MiB (peak RSS rise writing both)\n",
                       (double)(peak - base) / 1048576.0);
        }
    }
    fflush(stdout);
    if (fd >= 0) {
        close(fd);
        remove(trace);
        remove(chart);
    }
    dusk_value_unref(v);
    dusk_profiler_free(prof);
    dusk_graph_free(g);
}

int main(void)
{
    const char *root = NULL;
    size_t ninc, nadd, nid;
    dusk_graph *g = build(&root, &ninc, &nadd, &nid);
    dusk_error err = DUSK_ERROR_INIT;
    const int64_t *prio;
    FILE *devnull = fopen("/dev/null", "w");

    if (!g || dusk_graph_status(g, NULL) != 0 || dusk_graph_size(g) != NTASKS || !devnull) {
        fprintf(stderr, "bench: building the graph failed\n");
        return 1;
    }
    if (dusk_graph_order(g, &prio, &err) != 0) {
        fprintf(stderr, "bench: dusk_graph_order: %s\n", err.msg);
        return 1;
    }
    if (getenv("DUSK_BENCH_ONLY") && strcmp(getenv("DUSK_BENCH_ONLY"), "groups") == 0) {
        measure_groups();
        fclose(devnull);
        dusk_graph_free(g);
        return failures != 0;
    }
    if (getenv("DUSK_BENCH_CONFIG")) {
        int rc = callgrind_mode(g, root, getenv("DUSK_BENCH_CONFIG"), devnull);
        fclose(devnull);
        dusk_graph_free(g);
        return rc;
    }
    uint64_t best[NCONFIGS], prep = UINT64_MAX, summ = UINT64_MAX;
    double ratio[NCONFIGS][ROUNDS];
    size_t nratio = 0;
    for (int c = 0; c < NCONFIGS; c++)
        best[c] = UINT64_MAX;
    for (int r = 0; r < ROUNDS + 1 && !failures; r++) {
        uint64_t ns[NCONFIGS] = {0};
        for (int k = 0; k < NCONFIGS; k++) {
            config c = (config)((r + k) % NCONFIGS);   /* each first in turn */
            uint64_t p = UINT64_MAX, s = UINT64_MAX;
            ns[c] = run_once(g, root, c, 0, devnull, &p, &s);
            if (r == 0 || ns[c] == 0)
                continue;   /* the first round warms up */
            if (ns[c] < best[c])
                best[c] = ns[c];
            if (p < prep)
                prep = p;
            if (s < summ)
                summ = s;
        }
        int complete = r > 0;
        for (int c = 0; c < NCONFIGS; c++)
            complete &= ns[c] != 0;
        if (complete) {
            for (int c = 1; c < NCONFIGS; c++)
                ratio[c][nratio] = (double)ns[c] / (double)ns[C_OFF];
            nratio++;
        }
    }
    double cpu_s[CPU_RUNS], cpu_p[CPU_RUNS];
    for (int k = 0; k < CPU_RUNS && !failures; k++) {
        sampler_cpu = progress_cpu = 0;
        run_once(g, root, C_ALL, 1, devnull, NULL, NULL);
        cpu_s[k] = (double)sampler_cpu;
        cpu_p[k] = (double)progress_cpu;
    }
    if (!failures && nratio) {
        double off = (double)best[C_OFF] / NTASKS, on = (double)best[C_ALL] / NTASKS;
        printf("profile.off: %.0f ns/task\n", off);
        printf("profile.on: %.0f ns/task\n", on);
        printf("profile.overhead: %.1f %% (every recorder against none, median of %zu rounds)\n",
               100.0 * (median(ratio[C_ALL], nratio) - 1), nratio);
        printf("profile.overhead.best: %.1f %%\n", 100.0 * (on - off) / off);
        printf("profile.overhead.events: %.1f %% (a listener counting the profiler's events: "
               "the scheduler's part)\n",
               100.0 * (median(ratio[C_EVENTS], nratio) - 1));
        printf("profile.overhead.tasks_only: %.1f %% (the profiler recording tasks, no "
               "sampler)\n",
               100.0 * (median(ratio[C_TASKS], nratio) - 1));
        printf("profile.overhead.resources: %.1f %% (the profiler with its sampler, no "
               "progress bar)\n",
               100.0 * (median(ratio[C_RESOURCES], nratio) - 1));
        printf("profile.sampler_cpu: %.3f ms (the sampler thread's CPU time in a run, median "
               "of %d)\n",
               median(cpu_s, CPU_RUNS) / 1e6, CPU_RUNS);
        printf("profile.progress_cpu: %.3f ms (the progress bar thread's)\n",
               median(cpu_p, CPU_RUNS) / 1e6);
        printf("profile.prepare: %.0f ns/task\n", (double)prep / NTASKS);
        printf("profile.summary: %.0f ns/task\n", (double)summ / NTASKS);
        fflush(stdout);
    }
    if (!failures)
        read_trace(g, root);
    if (!failures)
        measure_groups();
    if (!failures)
        measure_1us(devnull);
    fclose(devnull);
    dusk_graph_free(g);
    if (failures) {
        fprintf(stderr, "bench: %d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
