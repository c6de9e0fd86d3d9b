/*
** bench/profile.c — what recording costs (`make bench`)
**
** The graph of bench/overhead.c (100,000 `inc` tasks summed by a binary
** tree of `add`, 200,006 tasks; the builder is shared through
** overhead_graph.h), run on the threads scheduler with 2 workers, with
** every recorder attached (a dusk_profiler recording tasks, resources
** sampled adaptively (from every 1 ms) and cache, plus a forced dusk_progress bar drawing to
** /dev/null) and with none. Only dusk_get is timed; reading the records
** afterwards (which prepares them: keys from the graph, merge, groups) is
** timed on its own.
**
** Runs come in pairs, one with recorders and one without, in alternating
** order. This machine's speed drifts by up to 2x between seconds, and a
** pair shares the drift: the overhead is the median over PAIRS pairs of
** (on - off) / off, which is steadier than comparing the best of each.
** Prints:
**   profile.off            ns/task, no listener (best run)
**   profile.on             ns/task, every recorder (best run)
**   profile.overhead       median of the pairs' overheads, in %  (target: under 10 %)
**   profile.overhead.best  (best on - best off) / best off, in %
**   profile.prepare        ns/task, first read of the records after a run
**   profile.summary        ns/task, the summary (critical path included)
**   profile.read_trace     ns/task, reading the run's trace back (its JSON through jansson)
** and exits non-zero when a run is wrong or a record is missing (every
** run must give exactly 200,006 task records: recording is lossless).
*/
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dusk.h>
#include <dusk/profiler.h>

#include "overhead_graph.h"

enum { PAIRS = 31, WORKERS = 2 };


/* One timed dusk_get, with every recorder or none; returns ns, 0 on
 * failure. With recorders, checks the records and times their first
 * reading (*prepare_ns) and the summary (*summary_ns). */
static uint64_t run_once(dusk_graph *g, const char *root, int recorders, FILE *devnull,
                         uint64_t *prepare_ns, uint64_t *summary_ns)
{
    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *v = NULL;
    dusk_options o = DUSK_OPTIONS_INIT;
    dusk_profiler *prof = NULL;
    dusk_progress *bar = NULL;
    dusk_callbacks cbs[2];

    o.scheduler = DUSK_SCHED_THREADS;
    o.workers = WORKERS;
    if (recorders) {
        dusk_progress_options po = DUSK_PROGRESS_OPTIONS_INIT;
        po.out = devnull;
        po.force = 1;
        prof = dusk_profiler_new(NULL);
        bar = dusk_progress_new(&po);
        if (!prof || !bar) {
            fail("out of memory");
            dusk_profiler_free(prof);
            dusk_progress_free(bar);
            return 0;
        }
        cbs[0] = dusk_profiler_callbacks(prof);
        cbs[1] = dusk_progress_callbacks(bar);
        o.callbacks = cbs;
        o.ncallbacks = 2;
    }

    uint64_t t0 = now_ns();
    int rc = dusk_get(g, root, &o, &v, &err);
    uint64_t t1 = now_ns();

    if (rc != 0) {
        fail("dusk_get failed: %s", err.msg[0] ? err.msg : dusk_strerror(rc));
        t1 = t0;
    } else if (dusk_value_kind(v) != DUSK_KIND_INT || dusk_value_int(v) != SUM) {
        fail("wrong sum");
    }
    dusk_value_unref(v);
    if (recorders) {
        uint64_t p0 = now_ns();
        size_t n = dusk_profiler_ntasks(prof);
        uint64_t p1 = now_ns();
        dusk_profile_summary s;
        dusk_profiler_summary(prof, &s);
        uint64_t p2 = now_ns();
        *prepare_ns = p1 - p0;
        *summary_ns = p2 - p1;
        if (n != NTASKS || dusk_profiler_lost(prof) != 0 || dusk_profiler_status(prof) != 0)
            fail("%zu task records (%" PRIu64 " lost), expected %u", n,
                 dusk_profiler_lost(prof), NTASKS);
        if (s.ncritical < 18)   /* the add tree is 17 levels over an inc */
            fail("critical path of %zu tasks", s.ncritical);
        dusk_profiler_free(prof);
        dusk_progress_free(bar);
    }
    return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
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
    uint64_t best[2] = {UINT64_MAX, UINT64_MAX}, prep = UINT64_MAX, summ = UINT64_MAX;
    double ratio[PAIRS];
    size_t nratio = 0;
    for (int r = 0; r < PAIRS + 1 && !failures; r++) {
        uint64_t ns[2] = {0, 0};
        for (int k = 0; k < 2; k++) {
            int on = (r + k) % 2;   /* off first in even pairs, on first in odd */
            uint64_t p = 0, s = 0;
            ns[on] = run_once(g, root, on, devnull, &p, &s);
            if (r == 0 || ns[on] == 0)
                continue;   /* the first pair warms up */
            if (ns[on] < best[on])
                best[on] = ns[on];
            if (on && p < prep)
                prep = p;
            if (on && s < summ)
                summ = s;
        }
        if (r > 0 && ns[0] && ns[1])
            ratio[nratio++] = (double)ns[1] / (double)ns[0];
    }
    if (!failures && nratio) {
        qsort(ratio, nratio, sizeof *ratio, cmp_double);
        double median = nratio % 2 ? ratio[nratio / 2]
                                   : (ratio[nratio / 2 - 1] + ratio[nratio / 2]) / 2;
        double off = (double)best[0] / NTASKS, on = (double)best[1] / NTASKS;
        printf("profile.off: %.0f ns/task\n", off);
        printf("profile.on: %.0f ns/task\n", on);
        printf("profile.overhead: %.1f %%\n", 100.0 * (median - 1));
        printf("profile.overhead.best: %.1f %%\n", 100.0 * (on - off) / off);
        printf("profile.prepare: %.0f ns/task\n", (double)prep / NTASKS);
        printf("profile.summary: %.0f ns/task\n", (double)summ / NTASKS);
    }
    /* Reading a recorded run back (the trace's JSON through jansson):
     * the whole overhead graph, best of 3. */
    if (!failures) {
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
    fclose(devnull);
    dusk_graph_free(g);
    if (failures) {
        fprintf(stderr, "bench: %d check(s) failed\n", failures);
        return 1;
    }
    return 0;
}
