/*
** bench/overhead.c — the scheduler's cost per task (`make bench`)
**
** The graph: 100,000 independent `inc` tasks, each on a literal int
** (inc-0 = (inc, 0), ...), and a binary tree of `add` tasks that sums them
** pairwise, level by level; a level with an odd count carries its last
** element up with an `identity` task. That is 100,000 inc + 99,999 add + 7
** identity = 200,006 tasks, and the root is sum(i + 1) = 5,000,050,000.
**
** The functions do almost nothing, so the time per task is what the
** scheduler costs. Only dusk_get is timed (building and ordering the graph
** and making its plan are reported on their own lines); each figure is the
** best of REPS runs. The graph keeps the plan of its last request, so the
** runs after the first of each figure reuse it.
** Prints `name: value unit` lines:
**   graph.build                  dusk_graph_new + dusk_task calls
**   graph.order                  the first validate + order of the graph
**   plan.build                   dusk_plan_new for the root, made anew (the
**                                graph's cached plan was for other keys)
**   overhead.sync                sync scheduler, no listener
**   overhead.threads             threads, 2 workers, a counting listener:
**                                a dusk_callbacks whose on_events adds each
**                                batch's size to a counter of the calling
**                                worker's own (on its own cache line, as a
**                                listener that counts sensibly would); the
**                                count is checked
**   overhead.threads.on_event    the same counted by on_event, one atomic
**                                addition an event to one counter both
**                                workers write (the listener's own
**                                contention, which is not dusk's)
**   overhead.threads.nolistener  threads, 2 workers, no listener
**   overhead.threads.stream      threads, 2 workers, a dusk_stream drained by
**                                a consumer thread; the count is checked
**   overhead.threads.8, .32      as overhead.threads with 8 and 32 workers (more
**                                than this machine's cores)
**   overhead.threads.ratio       overhead.threads / .nolistener: the median
**                                of PAIRS pairs of runs alternated in this
**                                process (each pair shares the machine's
**                                drift), as bench/profile.c does
**   overhead.threads.ratio.1us   the same on the graph's shape with 50,000
**                                leaves whose every task first spins for
**                                1 us (100,006 tasks): the listener against
**                                tasks that do some work
**   clock.tsc_ns                 one time reading as a listened-to worker
**                                takes it (dusk__tclock_now: the CPU's
**                                counter where it can), ns
**   overhead.threads.small       threads, 2 workers, no listener, the same graph
**                                on 64 leaves (127 tasks), best of 200: what a
**                                run costs besides its tasks
**   overhead.processes           processes, 2 worker processes, counting
**                                events as overhead.threads (best of 3)
**   graph.bytes_per_task         the heap the graph, its order, the plan and
**                                the run's state take, per task, counted by
**                                the allocator (glibc's mallinfo2) when the
**                                run starts (with the 64-bit priorities that
**                                timing dusk_graph_order above asked for:
**                                core keeps 32-bit ones, 8 bytes a task less)
** and, unless DUSK_BENCH_SKIP_BIG is set, the same graph on 5,000,000 leaves
** (10,000,009 tasks; a minute or two, and 2 GB):
**   graph.bytes_per_task.10m     as graph.bytes_per_task
**   overhead.threads.10m         as overhead.threads, best of 5
**   overhead.threads.10m.ratio   10M over 200k ns/task, the median of 5
**                                pairs: each 10M run right after a 200k
**                                run in this process (side by side)
** and exits non-zero when a count or the sum is wrong.
** DUSK_BENCH_ONLY=name[,name...] measures only the overhead lines named
** (for callgrind and for timing one change against another side by side),
** and DUSK_BENCH_REPS=n runs each n times instead.
*/
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dusk.h>

#include "core/events.h"   /* dusk__tclock, for clock.tsc_ns */
#include "overhead_graph.h"

enum { REPS = 5, WORKERS = 2, BIG_LEAVES = 5000000, BIG_REPS = 5, PAIRS = 9, SPIN_LEAVES = 50000 };
/* Per task READY, START, END; RELEASED for all but the requested root;
 * RUN_BEGIN and RUN_END. */
#define NEVENTS_OF(ntasks) (3u * (ntasks) + ((ntasks) - 1u) + 2u)


/* --- listeners ------------------------------------------------------------ */

static atomic_uint_fast64_t cb_events;

/* The shared counter: one atomic addition an event, on a line every
 * worker writes (overhead.threads.on_event). */
static void count_event(void *ud, const dusk_event *ev)
{
    (void)ud;
    (void)ev;
    atomic_fetch_add_explicit(&cb_events, 1, memory_order_relaxed);
}

/* A counter per worker id (worker + 1: -1 is the calling thread's), each
 * on a cache line of its own. Calls for one worker id come one at a time
 * (events.h), so its counter needs no read-modify-write; relaxed loads and
 * stores keep the reads after the run well defined. */
enum { MAX_COUNTERS = 64 };
static struct {
    _Alignas(64) atomic_uint_fast64_t n;
} counters[MAX_COUNTERS];

static void count_events(void *ud, const dusk_event *ev, size_t n)
{
    (void)ud;
    atomic_uint_fast64_t *c = &counters[(ev[0].worker + 1) % MAX_COUNTERS].n;
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

typedef struct consumer {
    dusk_stream *s;
    atomic_int stop;
    uint64_t events;
} consumer;

static void *drain_stream(void *arg)
{
    consumer *c = arg;
    dusk_event buf[1024];
    for (;;) {
        size_t n = dusk_stream_drain(c->s, buf, 1024);
        c->events += n;
        if (n == 0) {
            if (atomic_load(&c->stop)) {
                while ((n = dusk_stream_drain(c->s, buf, 1024)) > 0)
                    c->events += n;
                return NULL;
            }
            nanosleep(&(struct timespec){0, 200000}, NULL);
        }
    }
}

/* --- runs ------------------------------------------------------------------ */

typedef enum { L_NONE, L_CALLBACK, L_ON_EVENT, L_STREAM, L_START } listener;

/* Workers of a threads or processes run: WORKERS, but for the
 * oversubscribed lines. */
static int nworkers = WORKERS;

/* The root's value for the graph being run: sum(i + 1) over its leaves. */
static int64_t want_sum = SUM;

/* One timed dusk_get; returns ns, or 0 on failure. */
static uint64_t run_once(dusk_graph *g, const char *root, dusk_sched_kind kind,
                         listener l, uint64_t *events)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    dusk_options o = DUSK_OPTIONS_INIT;
    dusk_callbacks cb;
    consumer c;
    pthread_t th;
    uint64_t t0, t1;
    int rc;

    o.scheduler = kind;
    o.workers = kind == DUSK_SCHED_SYNC ? 1 : nworkers;
    memset(&cb, 0, sizeof cb);
    memset(&c, 0, sizeof c);
    if (l == L_START) {
        cb.start = note_start;   /* alone: no event is built, no clock read */
        o.callbacks = &cb;
        o.ncallbacks = 1;
    } else if (l == L_CALLBACK) {
        cb.on_events = count_events;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        for (int i = 0; i < MAX_COUNTERS; i++)
            atomic_store(&counters[i].n, 0);
    } else if (l == L_ON_EVENT) {
        cb.on_event = count_event;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        atomic_store(&cb_events, 0);
    } else if (l == L_STREAM) {
        atomic_init(&c.stop, 0);
        c.s = dusk_stream_new();
        if (!c.s || pthread_create(&th, NULL, drain_stream, &c) != 0) {
            dusk_stream_free(c.s);
            fail("could not start the stream consumer");
            return 0;
        }
        o.stream = c.s;
    }

    t0 = now_ns();
    rc = dusk_get(g, root, &o, &v, &err);
    t1 = now_ns();

    if (l == L_STREAM) {
        atomic_store(&c.stop, 1);
        pthread_join(th, NULL);
        *events = c.events;
        dusk_stream_free(c.s);
    } else if (l == L_CALLBACK) {
        *events = 0;
        for (int i = 0; i < MAX_COUNTERS; i++)
            *events += atomic_load(&counters[i].n);
    } else if (l == L_ON_EVENT) {
        *events = atomic_load(&cb_events);
    }
    if (rc != 0) {
        fail("dusk_get failed: %s", err.msg[0] ? err.msg : dusk_strerror(rc));
        return 0;
    }
    if (dusk_value_kind(v) != DUSK_KIND_INT || dusk_value_int(v) != want_sum) {
        char buf[64];
        dusk_value_repr(v, buf, sizeof buf);
        fail("wrong sum %s (want %" PRId64 ")", buf, want_sum);
    }
    dusk_value_unref(v);
    return t1 - t0;
}

/* Whether DUSK_BENCH_ONLY (a comma-separated list of names) lets name
 * be measured: all of them when it is not set. */
static int wanted(const char *name)
{
    const char *only = getenv("DUSK_BENCH_ONLY");
    size_t n = strlen(name);
    for (const char *p = only; p && *p; p += strcspn(p, ","), p += *p == ',')
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return only == NULL;
}

/* Best of reps; checks the event count of each run when there is one. */
static void measure(const char *name, dusk_graph *g, const char *root,
                    dusk_sched_kind kind, listener l, int reps)
{
    uint64_t best = UINT64_MAX;
    if (!wanted(name))
        return;
    if (getenv("DUSK_BENCH_REPS"))   /* for callgrind: instructions of N runs less 1 */
        reps = atoi(getenv("DUSK_BENCH_REPS"));
    size_t ntasks = dusk_graph_size(g);
    for (int r = 0; r < reps; r++) {
        uint64_t events = 0;
        uint64_t ns = run_once(g, root, kind, l, &events);
        if (ns == 0)
            return;
        if ((l == L_CALLBACK || l == L_ON_EVENT || l == L_STREAM) && events != NEVENTS_OF(ntasks))
            fail("%s: %" PRIu64 " events, expected %zu", name, events, NEVENTS_OF(ntasks));
        if (ns < best)
            best = ns;
    }
    printf("%s: %.0f ns/task\n", name, (double)best / (double)ntasks);
    fflush(stdout);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* overhead.threads against .nolistener side by side: PAIRS pairs of runs
 * (after one that warms up), the order alternated, the median of the
 * pairs' ratios. A figure from another minute drifts up to 2x here. */
static void measure_ratio(const char *name, dusk_graph *g, const char *root)
{
    double ratio[PAIRS];
    size_t nratio = 0, ntasks = dusk_graph_size(g);
    if (!wanted(name))
        return;
    for (int r = 0; r < PAIRS + 1; r++) {
        uint64_t ns[2] = {0, 0};
        for (int k = 0; k < 2; k++) {
            int on = (r + k) % 2;   /* nolistener first in even pairs */
            uint64_t events = 0;
            ns[on] = run_once(g, root, DUSK_SCHED_THREADS, on ? L_CALLBACK : L_NONE, &events);
            if (ns[on] == 0)
                return;
            if (on && events != NEVENTS_OF(ntasks)) {
                fail("%s: %" PRIu64 " events, expected %zu", name, events,
                     NEVENTS_OF(ntasks));
                return;
            }
        }
        if (r > 0)
            ratio[nratio++] = (double)ns[1] / (double)ns[0];
    }
    qsort(ratio, nratio, sizeof *ratio, cmp_double);
    printf("%s: %.2f x\n", name, ratio[nratio / 2]);
    fflush(stdout);
}

/* One dusk__tclock_now, as a listened-to worker reads the time for its
 * task's events: best of 5 rounds of a million, after 20 ms of readings
 * (the counter's rate is known after 10 ms; until then every reading is a
 * real one). */
static void measure_clock(void)
{
    enum { N = 1000000 };
    dusk__tclock c;
    uint64_t sink = 0, best = UINT64_MAX;
    if (!wanted("clock.tsc_ns"))
        return;
    memset(&c, 0, sizeof c);
    for (uint64_t t0 = now_ns(); now_ns() - t0 < 20000000;)
        sink += dusk__tclock_now(&c);
    for (int r = 0; r < 5; r++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < N; i++)
            sink += dusk__tclock_now(&c);
        uint64_t t1 = now_ns();
        if (t1 - t0 < best)
            best = t1 - t0;
    }
    if (sink == 0)
        fail("clock.tsc_ns: the clock never moved");
    printf("clock.tsc_ns: %.1f ns (%s)\n", (double)best / N,
           dusk__tclock_counter() ? "time-stamp counter" : "clock_gettime");
    fflush(stdout);
}

/* The heap a graph built from heap0 on takes with its order, plan and run
 * state, per task (a run on the sync scheduler notes it as it starts). */
static void bytes_per_task(const char *name, dusk_graph *g, const char *root, size_t heap0)
{
    uint64_t events;
    if (heap0 == 0 || run_once(g, root, DUSK_SCHED_SYNC, L_START, &events) == 0)
        return;   /* a sanitizer's allocator, which mallinfo2 does not see */
    printf("%s: %.0f bytes/task\n", name,
           (double)(bytes_at_start - heap0) / (double)dusk_graph_size(g));
    fflush(stdout);
}

/* A small graph run many times: what a run costs besides its tasks
 * (making the run, waking the workers). */
static void measure_small(void)
{
    const char *root = NULL;
    size_t ninc, nadd, nid;
    if (!wanted("overhead.threads.small"))
        return;
    dusk_graph *g = build_n(64, &root, &ninc, &nadd, &nid);
    if (!g || dusk_graph_status(g, NULL) != 0) {
        fail("building the graph on 64 leaves failed");
        dusk_graph_free(g);
        return;
    }
    want_sum = 64 * 65 / 2;
    measure("overhead.threads.small", g, root, DUSK_SCHED_THREADS, L_NONE, 200);
    want_sum = SUM;
    dusk_graph_free(g);
}

/* The same graph on BIG_LEAVES leaves: its bytes, and its time a task as
 * overhead.threads, judged against the 200k graph (small, small_root) side
 * by side: BIG_REPS pairs, a 200k run right before each 10M run, so both
 * see the same minute of a machine whose speed drifts. Prints the best
 * 10M figure and the median of the pairs' ratios (10M over 200k, ns a
 * task each). */
static void measure_big(dusk_graph *small, const char *small_root)
{
    const char *root = NULL;
    size_t ninc, nadd, nid;
    size_t heap0 = heap_bytes();
    dusk_graph *g = build_n(BIG_LEAVES, &root, &ninc, &nadd, &nid);
    if (!g || dusk_graph_status(g, NULL) != 0 ||
        dusk_graph_size(g) != overhead_ntasks(BIG_LEAVES)) {
        fail("building the graph on %d leaves failed", BIG_LEAVES);
        dusk_graph_free(g);
        return;
    }
    int64_t big_sum = (int64_t)BIG_LEAVES * (BIG_LEAVES + 1) / 2;
    want_sum = big_sum;
    bytes_per_task("graph.bytes_per_task.10m", g, root, heap0);
    int reps = getenv("DUSK_BENCH_REPS") ? atoi(getenv("DUSK_BENCH_REPS")) : BIG_REPS;
    if (reps < 1 || reps > 64)
        reps = BIG_REPS;
    size_t nbig = dusk_graph_size(g), nsmall = dusk_graph_size(small);
    double best = 0, ratio[64];
    for (int r = 0; r < reps; r++) {
        uint64_t ev_small = 0, ev_big = 0;
        want_sum = SUM;
        uint64_t ns_small = run_once(small, small_root, DUSK_SCHED_THREADS, L_CALLBACK, &ev_small);
        want_sum = big_sum;
        uint64_t ns_big = run_once(g, root, DUSK_SCHED_THREADS, L_CALLBACK, &ev_big);
        if (ns_small == 0 || ns_big == 0)
            break;
        if (ev_small != NEVENTS_OF(nsmall) || ev_big != NEVENTS_OF(nbig))
            fail("overhead.threads.10m: %" PRIu64 " and %" PRIu64 " events, expected %zu "
                 "and %zu", ev_small, ev_big, NEVENTS_OF(nsmall), NEVENTS_OF(nbig));
        double per_big = (double)ns_big / (double)nbig;
        ratio[r] = per_big / ((double)ns_small / (double)nsmall);
        if (r == 0 || per_big < best)
            best = per_big;
        if (r == reps - 1) {
            qsort(ratio, (size_t)reps, sizeof *ratio, cmp_double);
            printf("overhead.threads.10m: %.0f ns/task\n", best);
            printf("overhead.threads.10m.ratio: %.2f x\n", ratio[reps / 2]);
            fflush(stdout);
        }
    }
    want_sum = SUM;
    dusk_graph_free(g);
}

int main(void)
{
    const char *root = NULL;
    size_t ninc, nadd, nid;
    dusk_graph *g = NULL;
    uint64_t best = UINT64_MAX;

    /* Building: best of REPS fresh graphs; the last one is kept. */
    size_t heap0 = 0;
    for (int r = 0; r < REPS; r++) {
        dusk_graph_free(g);
        heap0 = heap_bytes();
        uint64_t t0 = now_ns();
        g = build(&root, &ninc, &nadd, &nid);
        uint64_t t1 = now_ns();
        if (!g || dusk_graph_status(g, NULL) != 0) {
            fprintf(stderr, "bench: building the graph failed\n");
            return 1;
        }
        if (t1 - t0 < best)
            best = t1 - t0;
    }
    /* build_n's root key is static: measure_small's graph overwrites it */
    char rootkey[48];
    snprintf(rootkey, sizeof rootkey, "%s", root);
    root = rootkey;
    if (dusk_graph_size(g) != NTASKS || ninc != 100000 || nadd != 99999 || nid != 7) {
        fprintf(stderr, "bench: %zu tasks (%zu inc, %zu add, %zu identity), expected "
                "200006 (100000 inc, 99999 add, 7 identity)\n",
                dusk_graph_size(g), ninc, nadd, nid);
        return 1;
    }
    printf("graph.tasks: %zu tasks\n", dusk_graph_size(g));
    printf("graph.build: %.0f ns/task\n", (double)best / NTASKS);

    /* Validation and ordering happen once per graph; time them apart. */
    dusk_error err = DUSK_ERROR_INIT;
    const int64_t *prio;
    uint64_t t0 = now_ns();
    int rc = dusk_graph_order(g, &prio, &err);
    uint64_t t1 = now_ns();
    if (rc != 0) {
        fprintf(stderr, "bench: dusk_graph_order: %s\n", err.msg);
        return 1;
    }
    printf("graph.order: %.0f ns/task\n", (double)(t1 - t0) / NTASKS);

    /* A plan made anew: the requests alternate, so each finds the graph's
     * cached plan made for the other. */
    best = UINT64_MAX;
    for (int r = 0; r < 2 * REPS; r++) {
        const char *keys[2] = {root, root};
        dusk_plan *p = NULL;
        t0 = now_ns();
        rc = dusk_plan_new(g, keys, (size_t)(1 + r % 2), &p, &err);
        t1 = now_ns();
        if (rc != 0 || dusk_plan_ntasks(p) != NTASKS) {
            fprintf(stderr, "bench: dusk_plan_new: %s\n", err.msg);
            return 1;
        }
        dusk_plan_unref(p);
        if (t1 - t0 < best)
            best = t1 - t0;
    }
    printf("plan.build: %.0f ns/task\n", (double)best / NTASKS);

    measure("overhead.sync", g, root, DUSK_SCHED_SYNC, L_NONE, REPS);
    measure("overhead.threads", g, root, DUSK_SCHED_THREADS, L_CALLBACK, REPS);
    measure("overhead.threads.on_event", g, root, DUSK_SCHED_THREADS, L_ON_EVENT, REPS);
    measure("overhead.threads.nolistener", g, root, DUSK_SCHED_THREADS, L_NONE, REPS);
    measure_ratio("overhead.threads.ratio", g, root);
    if (wanted("overhead.threads.ratio.1us")) {
        /* The same with tasks of about 1 us: the listener's cost set
         * against tasks that do some work (50,000 leaves, 100,006 tasks,
         * some 50 ms a run) */
        const char *sroot;
        dusk_graph *sg = build_spin(SPIN_LEAVES, 1000, &sroot);
        want_sum = (int64_t)SPIN_LEAVES * (SPIN_LEAVES + 1) / 2;
        if (sg)
            measure_ratio("overhead.threads.ratio.1us", sg, sroot);
        else
            fail("overhead.threads.ratio.1us: building the graph failed");
        want_sum = SUM;
        dusk_graph_free(sg);
    }
    measure_clock();
    measure("overhead.threads.stream", g, root, DUSK_SCHED_THREADS, L_STREAM, REPS);
    /* More workers than the machine's cores (as overhead.threads): the
     * same graph must not get slower with more threads than cores. */
    nworkers = 8;
    measure("overhead.threads.8", g, root, DUSK_SCHED_THREADS, L_CALLBACK, REPS);
    nworkers = 32;
    measure("overhead.threads.32", g, root, DUSK_SCHED_THREADS, L_CALLBACK, REPS);
    nworkers = WORKERS;
    /* A 127-task graph (64 leaves), no listener, best of 200 runs. */
    measure_small();
    /* Each task crosses a socket twice: best of 3, a few seconds each. */
    measure("overhead.processes", g, root, DUSK_SCHED_PROCESSES, L_CALLBACK, 3);
    if (wanted("graph.bytes_per_task"))
        bytes_per_task("graph.bytes_per_task", g, root, heap0);

    /* the 200k graph stays, for the 10M figure's side-by-side ratio */
    if (!getenv("DUSK_BENCH_SKIP_BIG") &&
        (wanted("overhead.threads.10m") || wanted("overhead.threads.10m.ratio")))
        measure_big(g, root);
    dusk_graph_free(g);
    if (failures) {
        fprintf(stderr, "bench: %d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
