/*
** dusk fuzz target — reading a Chrome trace back (profiler/trace.c)
**
** libFuzzer's bytes are a trace file, as dusk_profiler_read_trace_buffer
** gets it from a user. Reading must either fail (DUSK_EINVAL with a
** message that starts "fuzz.json:<line>:<column>: ", or DUSK_ENOMEM) and
** give no profiler, or give one whose records every reader takes:
**   - the summary, each run's events and each group's cache series;
**   - the summary printed;
**   - the trace written again, which reads back with the same tasks and
**     runs (the writer's output is a trace the reader takes);
** and dusk's live block count comes back after every input.
**
** Seeds: tests/fuzz/corpus/trace/ (traces of small runs that
** gen_trace_corpus.c records, and hand-written ones of other tools);
** tests/fuzz/trace.dict holds the keys and phases. `make fuzz-run`.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/profiler.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;
static const char *again_path;

/* Every reader of the records, on a profiler read from a trace. */
static void read_everything(dusk_profiler *p)
{
    dusk_profile_summary s;
    FUZZ_CHECK(dusk_profiler_summary(p, &s) == 0);
    size_t ntasks = dusk_profiler_ntasks(p), nruns = dusk_profiler_nruns(p);
    const dusk_task_record *t = dusk_profiler_tasks(p);
    /* the summary counts literals' records ('a': 1) apart from tasks */
    size_t nliterals = 0;
    for (size_t i = 0; i < ntasks; i++)
        nliterals += t[i].ndeps == 0 && t[i].func && !strcmp(t[i].func, "(value)");
    FUZZ_CHECK(s.nliterals == nliterals && s.ntasks + s.nliterals == ntasks);
    FUZZ_CHECK(s.nruns == nruns);
    FUZZ_CHECK(s.ncritical <= ntasks);
    for (size_t i = 0; i < ntasks; i++) {
        FUZZ_CHECK(t[i].end_ns >= t[i].start_ns);
        FUZZ_CHECK(t[i].run >= 0 && (size_t)t[i].run < nruns);
        for (uint32_t d = 0; d < t[i].ndeps; d++)
            FUZZ_CHECK(t[i].deps[d] < ntasks);
    }
    for (size_t r = 0; r <= nruns; r++) {
        dusk_event *ev = NULL;
        size_t n = 0;
        int rc = dusk_profiler_run_events(p, r, &ev, &n);
        FUZZ_CHECK(r < nruns ? rc == 0 || rc == DUSK_ENOMEM : rc == DUSK_EINVAL);
        dusk_free(ev);
    }
    size_t ngroups = dusk_profiler_ngroups(p);
    for (size_t k = 0; k <= ngroups; k++) {
        const dusk_cache_point *pts = NULL;
        size_t n = dusk_profiler_cache_series(p, k, &pts);
        FUZZ_CHECK(n == 0 || pts != NULL);
    }
    FUZZ_CHECK(dusk_profiler_print_summary(p, devnull) == 0);
}

/* Writes p as a trace and reads it back: the same tasks and runs. */
static void check_round_trip(dusk_profiler *p)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_profiler_write_trace(p, again_path, NULL, &err);
    if (rc == DUSK_ENOMEM)
        return;
    if (rc != 0)
        fuzz_fail("writing the trace again failed: %s", err.msg);
    dusk_profiler *q = NULL;
    rc = dusk_profiler_read_trace(again_path, &q, &err);
    if (rc == DUSK_ENOMEM)
        return;
    if (rc != 0)
        fuzz_fail("the trace dusk wrote does not read back: %s", err.msg);
    size_t n = dusk_profiler_ntasks(p);
    FUZZ_CHECK(dusk_profiler_ntasks(q) == n);
    FUZZ_CHECK(dusk_profiler_nruns(q) == dusk_profiler_nruns(p));
    const dusk_task_record *a = dusk_profiler_tasks(p), *b = dusk_profiler_tasks(q);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(strcmp(a[i].key, b[i].key) == 0);
        FUZZ_CHECK(a[i].start_ns == b[i].start_ns && a[i].end_ns == b[i].end_ns);
        FUZZ_CHECK(a[i].worker == b[i].worker && a[i].run == b[i].run);
        FUZZ_CHECK(a[i].ndeps == b[i].ndeps);
    }
    dusk_profiler_free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull) {
        devnull = fopen("/dev/null", "w");
        again_path = fuzz_scratch("again.json");
        FUZZ_CHECK(devnull != NULL);
    }
    long live = dusk_alloc_live();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_profiler *p = NULL;
    int rc = dusk_profiler_read_trace_buffer((const char *)data, size, "fuzz.json", &p, &err);
    if (rc) {
        FUZZ_CHECK(p == NULL);
        FUZZ_CHECK(rc == DUSK_EINVAL || rc == DUSK_ENOMEM);
        if (rc == DUSK_EINVAL && strncmp(err.msg, "fuzz.json:", 10) != 0)
            fuzz_fail("the message does not say where: %s", err.msg);
    } else {
        FUZZ_CHECK(p != NULL);
        read_everything(p);
        check_round_trip(p);
        dusk_profiler_free(p);
    }
    FUZZ_CHECK(dusk_alloc_live() == live);
    return 0;
}
