/*
** examples/demo.c — what `make demo` runs (build/dusk-demo)
**
** Three parts:
**  1. the lecture's graphs dsk and dsk2, with the results the lecture shows;
**  2. a generated graph of a few thousand tasks, in the shape of a small
**     map-reduce: per group a `sleep` task that stands for loading a chunk
**     (I/O: it holds its worker without using a core), many `add` tasks on
**     it, a `sum` per group, a second `sleep` that stands for writing the
**     group out, and one grand `sum`;
**  3. that graph run on the sync scheduler and on the threaded one, the
**     latter watched through a dusk_stream that a consumer thread drains
**     while the run goes on (as a live window would), giving progress lines,
**     then a per-worker summary (tasks run, busy ms, share of the wall
**     time, a timeline) and a per-function one, all drawn from the events.
**
**     The profiler records that run too: its summary is printed and it
**     writes trace.json (Perfetto), timeline.png and report.html.
**  4. the lecture's array demo: rnd_data.hdf5 (1000 x 10000 standard
**     normal numbers, seeded) is made when absent (written whole or not at
**     all: dusk_array_store renames a finished temporary file into place)
**     or unreadable, then read lazily in
**     (500, 500) chunks, r = x - x.mean(axis=0) is described (Dask's
**     Bytes/Shape/Count/Type table), computed on the threaded scheduler and
**     stored to r.hdf5, and checked against a direct computation; its graph
**     drawn through Graphviz to graph.svg and graph.png (the lecture's
**     picture), graph-order.svg (coloured by the order tasks run in) and
**     graph-layers.svg (one node per layer).
**
** Options (for part 4, so that it runs on anyone's data):
**   --dir DIR            where files go (default: build/demo when the current
**                        folder has a build folder, as the source tree has,
**                        else dusk-demo; said on stderr either way)
**   --input FILE         HDF5 input (default: DIR/rnd_data.hdf5, made if absent
**                        or damaged; a file given here is never changed)
**   --dataset NAME       dataset in it (default: /data_set_1)
**   --chunks SPEC        chunks, as Dask takes them (default: "(500, 500)")
**   --output FILE        HDF5 output (default: DIR/r.hdf5; dataset /r)
**   --workers N          threads for the array run (default: one per core)
**   --array-only         skip parts 1 to 3
**
** Exits non-zero when a result is wrong, a run fails or an option is bad.
*/
#define _POSIX_C_SOURCE 200809L   /* clock_gettime, nanosleep under -std=c11 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <math.h>
#include <sys/stat.h>
#include <sys/resource.h>

#include <dusk.h>

/* The generated graph: GROUPS groups of PARTS tasks. */
enum { GROUPS = 64, PARTS = 50, LOAD_MS = 8, STORE_MS = 4, WORKERS = 4 };

static int failures;

/* The name the demo was started as: build/dusk-demo, or "dusk demo tour"
 * when the dusk command runs it (cli/demo.c passes that as argv[0]); its
 * messages begin with me: "dusk-demo", or the dusk command's "dusk demo". */
static const char *prog = "dusk-demo";
static const char *me = "dusk-demo";

static void die(const char *what, int rc, const dusk_error *err)
{
    fprintf(stderr, "%s: %s: %s\n", me, what,
            err && err->msg[0] ? err->msg : dusk_strerror(rc));
    exit(1);
}

static void expect(const char *call, dusk_value *v, const char *want)
{
    char buf[256];
    dusk_value_repr(v, buf, sizeof buf);
    printf("  %-32s -> %s\n", call, buf);
    if (strcmp(buf, want) != 0) {
        printf("  expected %s\n", want);
        failures++;
    }
    dusk_value_unref(v);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- 1. the lecture ---------------------------------------------------------- */

static void lecture(void)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v;
    int rc;

    printf("== the lecture's graphs\n");
    printf("  dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'), 'z': (add, 'b', 'y')}\n");
    dusk_graph *dsk = dusk_graph_new();
    dusk_graph_value(dsk, "a", dusk_int(1));
    dusk_graph_value(dsk, "x", dusk_int(10));
    dusk_task(dsk, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(dsk, "y", &dusk_inc, dusk_ref("x"));
    dusk_task(dsk, "z", &dusk_add, dusk_ref("b"), dusk_ref("y"));
    if ((rc = dusk_get(dsk, "z", NULL, &v, &err)) != 0)
        die("get(dsk, 'z')", rc, &err);
    expect("get(dsk, 'z')", v, "13");
    dusk_graph_free(dsk);

    printf("  dsk2 = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'), 'd': (sum, ['a', 'b', 'c'])}\n");
    dusk_graph *dsk2 = dusk_graph_new();
    dusk_graph_value(dsk2, "a", dusk_int(1));
    dusk_graph_value(dsk2, "b", dusk_int(2));
    dusk_task(dsk2, "c", &dusk_add, dusk_ref("a"), dusk_ref("b"));
    dusk_task(dsk2, "d", &dusk_sum,
              dusk_list(dusk_ref("a"), dusk_ref("b"), dusk_ref("c")));
    if ((rc = dusk_get(dsk2, "c", NULL, &v, &err)) != 0)
        die("get(dsk2, 'c')", rc, &err);
    expect("get(dsk2, 'c')", v, "3");
    if ((rc = dusk_get(dsk2, "d", NULL, &v, &err)) != 0)
        die("get(dsk2, 'd')", rc, &err);
    expect("get(dsk2, 'd')", v, "6");
    const char *keys[] = {"a", "b", "c"};
    if ((rc = dusk_get_list(dsk2, keys, 3, NULL, &v, &err)) != 0)
        die("get(dsk2, ['a', 'b', 'c'])", rc, &err);
    expect("get(dsk2, ['a', 'b', 'c'])", v, "(1, 2, 3)");
    dusk_graph_free(dsk2);
}

/* --- 2. the generated graph ----------------------------------------------------- */

/* load-g = (sleep, LOAD_MS, g); part-g-j = (add, 'load-g', j);
 * sum-g = (sum, [part-g-*]); store-g = (sleep, STORE_MS, 'sum-g');
 * total = (sum, [store-*]). total = sum over g, j of (g + j). */
static dusk_graph *build_mapreduce(int64_t *expected)
{
    dusk_graph *g = dusk_graph_new();
    dusk_arg *stores[GROUPS];
    char key[64], src[64];

    if (!g)
        return NULL;
    *expected = 0;
    for (int i = 0; i < GROUPS; i++) {
        dusk_arg *parts[PARTS];
        snprintf(src, sizeof src, "load-%d", i);
        dusk_task(g, src, &dusk_sleep, dusk_lit_int(LOAD_MS), dusk_lit_int(i));
        for (int j = 0; j < PARTS; j++) {
            snprintf(key, sizeof key, "part-%d-%d", i, j);
            dusk_task(g, key, &dusk_add, dusk_ref(src), dusk_lit_int(j));
            parts[j] = dusk_ref(key);
            *expected += i + j;
        }
        snprintf(key, sizeof key, "sum-%d", i);
        dusk_graph_taskv(g, key, &dusk_sum, 1, (dusk_arg *[]){dusk_listv(PARTS, parts)});
        snprintf(src, sizeof src, "store-%d", i);
        dusk_task(g, src, &dusk_sleep, dusk_lit_int(STORE_MS), dusk_ref(key));
        stores[i] = dusk_ref(src);
    }
    dusk_graph_taskv(g, "total", &dusk_sum, 1, (dusk_arg *[]){dusk_listv(GROUPS, stores)});
    return g;
}

/* --- 3. watching a run through its event stream --------------------------------- */

typedef struct interval {
    uint64_t t0, t1;   /* START and END times, ns since the run began */
    int64_t task;
    int worker;
} interval;

typedef struct watcher {
    dusk_stream *stream;
    atomic_int run_returned;   /* set by main once dusk_get has returned */
    uint64_t start_of[WORKERS];   /* START time of the task each worker runs */
    int64_t task_of[WORKERS];
    interval *iv;              /* one per finished task */
    size_t niv, cap;
    uint64_t ntasks, done, ready, released, events, wall_ns;
    int status;
    int saw_end;
} watcher;

static void on_event(watcher *w, const dusk_event *ev)
{
    w->events++;
    switch (ev->kind) {
    case DUSK_EV_RUN_BEGIN:
        w->ntasks = ev->nbytes;
        break;
    case DUSK_EV_READY:
        w->ready++;
        break;
    case DUSK_EV_START:
        if (ev->worker >= 0 && ev->worker < WORKERS) {
            w->start_of[ev->worker] = ev->t_ns;
            w->task_of[ev->worker] = ev->task;
        }
        break;
    case DUSK_EV_END:
    case DUSK_EV_ERROR:
        w->done++;
        if (ev->worker >= 0 && ev->worker < WORKERS) {
            if (w->niv == w->cap) {
                size_t cap = w->cap ? 2 * w->cap : 1024;
                interval *iv = realloc(w->iv, cap * sizeof *iv);
                if (!iv)
                    break;   /* the summary will miss some: still fine */
                w->iv = iv;
                w->cap = cap;
            }
            w->iv[w->niv++] = (interval){w->start_of[ev->worker], ev->t_ns,
                                         ev->task, ev->worker};
        }
        break;
    case DUSK_EV_RELEASED:
        w->released++;
        break;
    case DUSK_EV_RUN_END:
        w->wall_ns = ev->t_ns;
        w->status = ev->status;
        w->saw_end = 1;
        break;
    default:
        break;
    }
}

/* The consumer thread: drains the stream while the run goes on and prints
 * a progress line about every 50 ms. Never blocks the scheduler. */
static void *consume(void *arg)
{
    watcher *w = arg;
    dusk_event buf[512];
    uint64_t next_report = now_ns() + 50000000u;

    for (;;) {
        size_t n = dusk_stream_drain(w->stream, buf, 512);
        for (size_t i = 0; i < n; i++)
            on_event(w, &buf[i]);
        if (n == 0) {
            if (w->saw_end || atomic_load(&w->run_returned)) {
                /* One last drain: events appended before the return. */
                while ((n = dusk_stream_drain(w->stream, buf, 512)) > 0)
                    for (size_t i = 0; i < n; i++)
                        on_event(w, &buf[i]);
                break;
            }
            nanosleep(&(struct timespec){0, 1000000}, NULL);
        }
        if (now_ns() >= next_report && !w->saw_end) {
            printf("  progress: %5" PRIu64 " / %" PRIu64 " tasks done\n",
                   w->done, w->ntasks);
            fflush(stdout);
            next_report += 50000000u;
        }
    }
    return NULL;
}

/* Per worker: tasks run, busy time, share of the wall time, and a timeline
 * in which each column is wall/WIDTH of time and shows how busy the worker
 * was then (' ' idle, '.' < 1/3, ':' < 2/3, '#' busy). */
static void report_workers(const watcher *w)
{
    enum { WIDTH = 60 };
    double busy_in[WORKERS][WIDTH] = {{0}};
    uint64_t tasks[WORKERS] = {0}, busy[WORKERS] = {0};
    double col = w->wall_ns ? (double)w->wall_ns / WIDTH : 1;

    for (size_t i = 0; i < w->niv; i++) {
        const interval *iv = &w->iv[i];
        tasks[iv->worker]++;
        busy[iv->worker] += iv->t1 - iv->t0;
        for (int c = (int)(iv->t0 / col); c < WIDTH && c * col < iv->t1; c++) {
            double a = iv->t0 > c * col ? iv->t0 : c * col;
            double b = iv->t1 < (c + 1) * col ? iv->t1 : (c + 1) * col;
            if (b > a)
                busy_in[iv->worker][c] += (b - a) / col;
        }
    }
    printf("  %-8s %7s %10s %7s  timeline (%.1f ms per column)\n", "worker",
           "tasks", "busy ms", "share", col / 1e6);
    for (int k = 0; k < WORKERS; k++) {
        char line[WIDTH + 1];
        for (int c = 0; c < WIDTH; c++) {
            double f = busy_in[k][c];
            line[c] = f <= 0.0 ? ' ' : f < 1.0 / 3 ? '.' : f < 2.0 / 3 ? ':' : '#';
        }
        line[WIDTH] = '\0';
        printf("  %-8d %7" PRIu64 " %10.1f %6.1f%%  |%s|\n", k, tasks[k],
               busy[k] / 1e6, w->wall_ns ? 100.0 * busy[k] / w->wall_ns : 0.0, line);
    }
}

/* Per function (the tasks' display names): count and total time. */
static void report_functions(const watcher *w, const dusk_graph *g)
{
    enum { MAXF = 16 };
    const char *name[MAXF];
    uint64_t count[MAXF] = {0}, ns[MAXF] = {0};
    int nf = 0;

    for (size_t i = 0; i < w->niv; i++) {
        const dusk_func *f = dusk_graph_func(g, w->iv[i].task);
        const char *n = f ? f->name : "(value)";
        int k = 0;
        while (k < nf && strcmp(name[k], n) != 0)
            k++;
        if (k == nf) {
            if (nf == MAXF)
                continue;
            name[nf++] = n;
        }
        count[k]++;
        ns[k] += w->iv[i].t1 - w->iv[i].t0;
    }
    printf("  %-10s %7s %10s %10s\n", "function", "tasks", "total ms", "mean us");
    for (int k = 0; k < nf; k++)
        printf("  %-10s %7" PRIu64 " %10.1f %10.1f\n", name[k], count[k],
               ns[k] / 1e6, ns[k] / 1e3 / (double)count[k]);
}

/* mkdir -p: the output folder and the folders above it. */
static void make_dirs(const char *dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    if (mkdir(path, 0777) != 0 && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
        fprintf(stderr, "%s: cannot make the folder '%s'\n", me, dir);
        exit(1);
    }
}

/* What the profiler recorded of the threaded run: its summary, a Chrome
 * trace (Perfetto, chrome://tracing), a timeline chart and an offline HTML
 * report with the graph coloured by duration. */
static void profile_outputs(dusk_profiler *prof, dusk_graph *g, const char *dir)
{
    dusk_error err = DUSK_ERROR_INIT;
    char trace[4200], chart[4200], report[4200];
    make_dirs(dir);
    snprintf(trace, sizeof trace, "%s/trace.json", dir);
    snprintf(chart, sizeof chart, "%s/timeline.png", dir);
    snprintf(report, sizeof report, "%s/report.html", dir);
    printf("\n== profile (dusk/profiler.h)\n");
    dusk_profiler_print_summary(prof, stdout);

    dusk_event *ev = NULL;
    size_t nev = 0;
    char *svg = NULL;
    size_t svglen = 0;
    dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
    if (dusk_profiler_run_events(prof, 0, &ev, &nev) == 0) {
        vo.color = DUSK_VIZ_COLOR_DURATION;
        vo.events = ev;
        vo.nevents = nev;
        vo.quiet = true;
        if (dusk_visualize_mem(g, "svg", &vo, &svg, &svglen, &err) != 0)
            svg = NULL;  /* the report goes without the picture */
    }
    dusk_report_options ro = DUSK_REPORT_OPTIONS_INIT;
    ro.title = "dusk demo: a generated map-reduce on the threaded scheduler";
    ro.graph_svg = svg;
    int rc;
    if ((rc = dusk_profiler_write_trace(prof, trace, NULL, &err)) != 0 ||
        (rc = dusk_profiler_write_chart(prof, chart, NULL, &err)) != 0 ||
        (rc = dusk_profiler_write_report(prof, report, &ro, &err)) != 0)
        die("profile outputs", rc, &err);
    printf("  wrote %s, %s and %s\n", trace, chart, report);
    dusk_free(svg);
    dusk_free(ev);
}

static void generated(const char *dir)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    int64_t expected;
    char want[32];
    int rc;

    dusk_graph *g = build_mapreduce(&expected);
    if (!g || (rc = dusk_graph_status(g, &err)) != 0)
        die("building the generated graph", g ? rc : DUSK_ENOMEM, &err);
    snprintf(want, sizeof want, "%" PRId64, expected);

    printf("\n== a generated graph: %zu tasks in %d groups\n", dusk_graph_size(g), GROUPS);
    printf("  per group: load = sleep(%d ms), %d x add, sum, store = sleep(%d ms); then total = sum\n",
           LOAD_MS, PARTS, STORE_MS);

    /* The sync scheduler: one thread, every sleep in a row. */
    dusk_run_stats st = {0};
    dusk_options sync = DUSK_OPTIONS_INIT;
    sync.scheduler = DUSK_SCHED_SYNC;
    sync.stats = &st;
    uint64_t t0 = now_ns();
    if ((rc = dusk_get(g, "total", &sync, &v, &err)) != 0)
        die("get(total), sync", rc, &err);
    double sync_ms = (now_ns() - t0) / 1e6;
    expect("get(dsk, 'total')  [sync]", v, want);
    printf("  sync: %.1f ms, %" PRIu64 " tasks, peak held %" PRIu64 " bytes\n",
           sync_ms, st.ntasks, st.held_peak);

    /* The threaded scheduler, watched through a stream. */
    watcher w;
    memset(&w, 0, sizeof w);
    atomic_init(&w.run_returned, 0);
    w.stream = dusk_stream_new();
    if (!w.stream)
        die("dusk_stream_new", DUSK_ENOMEM, NULL);
    dusk_options threads = DUSK_OPTIONS_INIT;
    threads.scheduler = DUSK_SCHED_THREADS;
    threads.workers = WORKERS;
    threads.stream = w.stream;
    /* The profiler listens too: tasks, RSS and CPU (every 1 ms at first,
     * thinned as the run goes on), cache. */
    dusk_profiler *prof = dusk_profiler_new(NULL);
    if (!prof)
        die("dusk_profiler_new", DUSK_ENOMEM, NULL);
    dusk_callbacks pcb = dusk_profiler_callbacks(prof);
    threads.callbacks = &pcb;
    threads.ncallbacks = 1;
    threads.stats = &st;
    printf("  threads: %d workers on %d core(s)\n", WORKERS, dusk_ncores());

    pthread_t consumer;
    if (pthread_create(&consumer, NULL, consume, &w) != 0)
        die("pthread_create", DUSK_ESYS, NULL);
    t0 = now_ns();
    rc = dusk_get(g, "total", &threads, &v, &err);
    double threads_ms = (now_ns() - t0) / 1e6;
    atomic_store(&w.run_returned, 1);
    pthread_join(consumer, NULL);
    if (rc != 0)
        die("get(total), threads", rc, &err);
    expect("get(dsk, 'total')  [threads]", v, want);
    printf("  threads: %.1f ms (%.1fx the sync run), peak held %" PRIu64 " bytes\n",
           threads_ms, sync_ms / threads_ms, st.held_peak);
    printf("  events: %" PRIu64 " (ready %" PRIu64 ", done %" PRIu64 ", released %" PRIu64
           "), lost %" PRIu64 "\n", w.events, w.ready, w.done, w.released,
           dusk_stream_lost(w.stream));
    if (!w.saw_end || w.done != dusk_graph_size(g) || w.ready != w.done ||
        w.released != w.done - 1 || w.status != 0) {
        printf("  unexpected event counts\n");
        failures++;
    }

    printf("\n== per worker (from the events)\n");
    report_workers(&w);
    printf("\n== per function (from the events)\n");
    report_functions(&w, g);
    profile_outputs(prof, g, dir);
    dusk_profiler_free(prof);

    free(w.iv);
    dusk_stream_free(w.stream);
    dusk_graph_free(g);
}

/* --- 4. the lecture's array demo ------------------------------------------- */

typedef struct {
    const char *dir, *input, *dataset, *chunks, *output;
    int workers, array_only;
} demo_opts;

static double seconds(uint64_t t0) { return (now_ns() - t0) / 1e9; }

static long peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* Makes the lecture's input: 1000 x 10000 standard normal, seeded, written
 * by dusk itself in (500, 500) chunks. */
static void make_input(const char *path, const char *dataset)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    if (!ctx)
        die("dusk_array_ctx_new", DUSK_ENOMEM, NULL);
    dusk_array *g = dusk_random_normal(ctx, 2026, 0.0, 1.0, DUSK_SHAPE(1000, 10000), "(500, 500)");
    uint64_t t0 = now_ns();
    int rc = dusk_array_store(g, path, dataset, NULL, NULL, &err);
    if (rc)
        die("making the input", rc, &err);
    printf("  made %s:%s (1000 x 10000 standard normal, seed 2026) in %.2f s\n", path, dataset,
           seconds(t0));
    dusk_array_ctx_free(ctx);
}

/* The demo's own input (made when absent) must open as HDF5 with the
 * dataset: one left damaged by something that bypassed dusk's atomic
 * writer (a copy cut short, a full disk, a bad block) is made again, as the
 * demo owns it, rather than failing every later run. A file given with
 * --input is never touched. */
static void check_own_input(const char *path, const char *dataset)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    if (!ctx)
        die("dusk_array_ctx_new", DUSK_ENOMEM, NULL);
    int rc = dusk_array_status(dusk_from_hdf5(ctx, path, dataset, "auto"), &err);
    dusk_array_ctx_free(ctx);
    if (rc == 0)
        return;
    fprintf(stderr, "%s: %s cannot be read (%s); it is the demo's own input: "
                    "removing it and making it again\n", me, path, err.msg);
    if (remove(path) != 0) {
        fprintf(stderr, "%s: cannot remove %s: %s; remove it and run the demo again\n", me,
                path, strerror(errno));
        exit(1);
    }
    make_input(path, dataset);
}

/* r = x - x.mean(axis=0) computed directly, in doubles, and compared with
 * what dusk stored; returns the largest difference. */
static double check_direct(dusk_array_ctx *ctx, const demo_opts *o, const char *out_path)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *x = NULL, *r = NULL;
    int rc = dusk_array_compute(dusk_array_astype(dusk_from_hdf5(ctx, o->input, o->dataset, "-1"),
                                                  DUSK_DT_F8), NULL, &x, &err);
    if (rc)
        die("reading the input back", rc, &err);
    rc = dusk_array_compute(dusk_array_astype(dusk_from_hdf5(ctx, out_path, "/r", "-1"), DUSK_DT_F8),
                            NULL, &r, &err);
    if (rc)
        die("reading the output back", rc, &err);
    int64_t n0 = dusk_ndarray_ndim(x) ? dusk_ndarray_shape(x)[0] : 1;
    int64_t m = n0 ? dusk_ndarray_size(x) / n0 : 0;
    const double *xv = dusk_ndarray_data(x), *rv = dusk_ndarray_data(r);
    double *mean = calloc((size_t)(m ? m : 1), sizeof *mean), worst = 0;
    if (!mean)
        die("calloc", DUSK_ENOMEM, NULL);
    for (int64_t i = 0; i < n0; i++)
        for (int64_t j = 0; j < m; j++)
            mean[j] += xv[i * m + j];
    for (int64_t j = 0; j < m; j++)
        mean[j] /= (double)n0;
    for (int64_t i = 0; i < n0; i++)
        for (int64_t j = 0; j < m; j++) {
            double d = fabs(rv[i * m + j] - (xv[i * m + j] - mean[j]));
            if (d > worst || d != d)
                worst = d;
        }
    free(mean);
    dusk_value_unref(x);
    dusk_value_unref(r);
    return worst;
}

static void array_demo(const demo_opts *o)
{
    char input[4096], output[4096], table[2048];
    dusk_error err = DUSK_ERROR_INIT;
    struct stat st;
    printf("\n== the lecture's array demo: r = x - x.mean(axis=0)\n");
    make_dirs(o->dir);
    snprintf(input, sizeof input, "%s", o->input ? o->input : "");
    if (!o->input) {
        snprintf(input, sizeof input, "%s/rnd_data.hdf5", o->dir);
        if (stat(input, &st) != 0)
            make_input(input, o->dataset);
        else
            check_own_input(input, o->dataset);
    }
    snprintf(output, sizeof output, "%s", o->output ? o->output : "");
    if (!o->output)
        snprintf(output, sizeof output, "%s/r.hdf5", o->dir);
    demo_opts used = *o;
    used.input = input;

    dusk_array_ctx *ctx = dusk_array_ctx_new();
    if (!ctx)
        die("dusk_array_ctx_new", DUSK_ENOMEM, NULL);
    dusk_array *x = dusk_from_hdf5(ctx, input, o->dataset, o->chunks);
    int rc = dusk_array_status(x, &err);
    if (rc) {
        fprintf(stderr, "%s: reading x from %s:%s in chunks %s: %s\n", me, input, o->dataset,
                o->chunks, err.msg);
        fprintf(stderr, "%s: %s\n", me,
                o->input ? "give --input an HDF5 file with that dataset (--dataset), and --chunks "
                           "chunks for its shape; without --input the demo makes its own"
                         : "check --dataset and --chunks");
        exit(1);
    }
    dusk_array *r = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    rc = dusk_array_status(r, &err);
    if (rc)
        die("building r", rc, &err);
    printf("  x = from_hdf5('%s', '%s', chunks=%s)\n", input, o->dataset, o->chunks);
    dusk_array_describe(x, table, sizeof table);
    printf("x:\n%s", table);
    dusk_array_describe(r, table, sizeof table);
    printf("r:\n%s", table);

    dusk_run_stats stats = {0};
    dusk_options opts = DUSK_OPTIONS_INIT;
    opts.workers = o->workers;
    opts.stats = &stats;
    dusk_store_options so = {0, true};
    uint64_t t0 = now_ns();
    rc = dusk_array_store(r, output, "/r", &so, &opts, &err);
    if (rc) {
        /* A block of the input that does not decode names the input. */
        if (strstr(err.msg, input))
            fprintf(stderr, "%s: the input %s may be damaged: %s\n", me, input,
                    o->input ? "check it, or run without --input: the demo makes its own"
                             : "remove it and run the demo again: it makes it anew");
        die("storing r", rc, &err);
    }
    printf("  stored r to %s:/r in %.3f s on %d worker(s): %" PRIu64 " tasks, "
           "peak held %.1f MiB, process peak RSS %ld MiB\n", output, seconds(t0), stats.workers,
           stats.ntasks, stats.held_peak / 1048576.0, peak_rss_mib());
    /* The lecture's picture (r.visualize()), an order-coloured one and the
     * layer view, through Graphviz. */
    static const struct { const char *file; int color, view; } pics[] = {
        {"graph.svg", DUSK_VIZ_COLOR_NONE, DUSK_VIZ_AUTO},
        {"graph.png", DUSK_VIZ_COLOR_NONE, DUSK_VIZ_AUTO},
        {"graph-order.svg", DUSK_VIZ_COLOR_ORDER, DUSK_VIZ_AUTO},
        {"graph-layers.svg", DUSK_VIZ_COLOR_NONE, DUSK_VIZ_LAYERS},
    };
    for (size_t i = 0; i < sizeof pics / sizeof *pics; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", o->dir, pics[i].file);
        dusk_viz_options vo = DUSK_VIZ_OPTIONS_INIT;
        vo.color = pics[i].color;
        vo.view = pics[i].view;
        if ((rc = dusk_visualize_array(r, path, &vo, &err)) != 0)
            die("drawing r", rc, &err);
        printf("  wrote %s\n", path);
    }
    double worst = check_direct(ctx, &used, output);
    printf("  check against a direct computation: max |difference| = %.3g\n", worst);
    if (!(worst <= 1e-9)) {
        printf("  the stored r differs from the direct computation\n");
        failures++;
    }
    dusk_array_ctx_free(ctx);
}

/* (prog and me: above, with the failures count) */

/* code 0: asked for with --help, on stdout; else bad usage, on stderr */
static void usage(int code)
{
    fprintf(code ? stderr : stdout,
            "usage: %s [--dir DIR] [--input FILE] [--dataset NAME] "
            "[--chunks SPEC] [--output FILE] [--workers N] [--array-only]\n", prog);
    exit(code);
}

int main(int argc, char **argv)
{
    /* Line by line, even into a pipe or a log, so that a failure's message
     * (stderr, unbuffered) comes after what was printed before it. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    demo_opts o = {NULL, NULL, "/data_set_1", "(500, 500)", NULL, 0, 0};
    static char cmd[64];
    if (argc > 0 && argv[0])
        prog = argv[0];
    /* from the dusk command, messages name what the user typed: "dusk demo
     * tour" (or "dusk view --demo ...") says "dusk demo:" ("dusk view:") */
    if (strncmp(prog, "dusk ", 5) == 0) {
        snprintf(cmd, sizeof cmd, "%s", prog);
        char *space = strchr(cmd + 5, ' ');
        if (space)
            *space = '\0';
        me = cmd;
    }
    /* --name value or --name=value, as the dusk command's options; each
     * valued option once (a second would silently win over the first) */
    static const char *const valued[] = {"--dir", "--input", "--dataset", "--chunks",
                                         "--output", "--workers"};
    const char **slots[] = {&o.dir, &o.input, &o.dataset, &o.chunks, &o.output, NULL};
    const char *first[6] = {NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            usage(0);
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        int k = -1;
        for (int j = 0; j < 6; j++)
            if (strlen(valued[j]) == len && !strncmp(a, valued[j], len))
                k = j;
        if (k >= 0) {
            const char *val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!val) {
                fprintf(stderr, "%s: %s needs a value\n", me, a);
                usage(2);
            }
            if (first[k]) {
                fprintf(stderr, "%s: %s given twice ('%s' and '%s')\n", me, valued[k],
                        first[k], val);
                usage(2);
            }
            first[k] = val;
            if (slots[k]) {
                *slots[k] = val;
            } else {
                char *end;
                long w = strtol(val, &end, 10);
                if (!*val || *end || w < 0 || w > 4096) {
                    fprintf(stderr, "%s: --workers wants a number 0..4096, not '%s'\n", me, val);
                    usage(2);
                }
                o.workers = (int)w;
            }
        } else if (!strcmp(a, "--array-only")) {
            o.array_only = 1;
        } else {
            fprintf(stderr, "%s: unknown option '%s'\n", me, a);
            usage(2);
        }
    }
    /* The options are good: where the files go, said before any is made
     * (pictures go there with --output too). build/demo in the source tree,
     * as make demo and the README have it; elsewhere dusk-demo, rather
     * than a build folder nobody asked for. */
    struct stat st;
    if (!o.dir)
        o.dir = stat("build", &st) == 0 && S_ISDIR(st.st_mode) ? "build/demo" : "dusk-demo";
    char cwd[4096];
    if (o.dir[0] != '/' && getcwd(cwd, sizeof cwd))
        fprintf(stderr, "%s: the files go to %s/%s (--dir DIR to choose)\n", me, cwd, o.dir);
    else
        fprintf(stderr, "%s: the files go to %s (--dir DIR to choose)\n", me, o.dir);
    if (!o.array_only) {
        lecture();
        generated(o.dir);
    }
    array_demo(&o);
    if (failures) {
        printf("\n%s: %d check(s) failed\n", me, failures);
        return 1;
    }
    printf("\n%s: all results as expected\n", me);
    return 0;
}
