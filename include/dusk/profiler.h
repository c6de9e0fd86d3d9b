/*
** dusk — profiling runs: what dask.diagnostics records, and where it goes
** Library: libdusk-profiler (profiler/: cairo and jansson, on libdusk).
**
** Recorders, built on the event stream (events.h):
**
**  - dusk_profiler records, per run it is attached to, what Dask's three
**    diagnostics record, each part switched on by a DUSK_PROF_* bit:
**      TASKS      Profiler: per task its key, function, start, end, worker,
**                 result bytes and dependencies;
**      RESOURCES  ResourceProfiler: process RSS, CPU % and the bytes the
**                 scheduler holds, sampled while a run is active (or
**                 between dusk_profiler_begin and dusk_profiler_end), by a
**                 worker between two tasks when one is due then, else on a
**                 thread of the profiler's: every dt when dt is set, else every
**                 1 ms at first and less often as the run lengthens (a
**                 run keeps 512 to 1024 evenly spaced samples once it
**                 has lasted half a second), so that a short run has a
**                 curve and a long one a bounded count;
**      CACHE      CacheProfiler: bytes (or count) of results held over time
**                 per task group (Dask's key_split name of the key).
**    Recording is lossless (a run of a million tasks gives a million task
**    records) and cheap: on_event runs on the worker threads and appends to
**    per-worker buffers that grow in blocks, with no lock and no shared
**    counter. The expensive work (ordering, key groups, the summary, cache
**    series) is done once, on the first read after a run.
**  - dusk_progress draws Dask's progress bar on stderr (when it is a
**    terminal), from a thread of its own.
**
** Link with libdusk-profiler (and libdusk; pkg-config: cairo).
**
** Outputs of a profiler: the summary (per function count, total, mean, max
** and share of busy time; the critical path; parallel efficiency), Chrome
** Trace Event JSON (Perfetto, chrome://tracing, speedscope; dusk reads it
** back), CSV, charts through cairo (PNG, SVG, PDF), and a self-contained
** HTML report.
**
**     dusk_profiler *prof = dusk_profiler_new(NULL);       (everything on)
**     dusk_callbacks cb = dusk_profiler_callbacks(prof);
**     dusk_options o = DUSK_OPTIONS_INIT;
**     o.callbacks = &cb;
**     o.ncallbacks = 1;
**     dusk_get(g, "z", &o, &z, &err);
**     dusk_profiler_print_summary(prof, stdout);
**     dusk_profiler_write_trace(prof, "trace.json", NULL, &err);
**     dusk_profiler_write_chart(prof, "timeline.png", NULL, &err);
**     dusk_profiler_write_report(prof, "report.html", NULL, &err);
**     dusk_profiler_free(prof);
**
** Ownership: dusk_profiler_new / dusk_profiler_read_trace* and
** dusk_progress_new return objects the caller frees with the matching
** _free. Every pointer a profiler hands out (records, names, summaries)
** points into the profiler and stays valid until it records another run,
** is cleared or is freed.
**
** Threads: a recorder follows one run at a time. Between runs, one thread
** at a time may read a profiler; reading may finish preparing its records,
** which is why readers take a non-const profiler.
**
** The plan: a profiler keeps a reference to the plan of each run it
** records (plan.h) and reads the run's keys, functions and dependencies
** from it when its records are first read, not while the run goes on.
** The graph may be changed or freed at any time after the run: the
** records still name what the run executed.
**
** Times are ns since the profile began: the first of its first run's start
** (the run's epoch, t = 0 of its events), its first dusk_profiler_begin and
** its first resource sample.
**
** Output files are written whole or not at all: to a temporary file beside
** the target (a fresh name, created exclusively, so a link planted there
** is never followed) that is renamed over it once complete.
** A file replaced keeps its permission bits (and, for root, its owner); a
** new one gets 0666 less the umask; a link at the target is replaced, not
** followed. Errors come back as a DUSK_E... code with a message in the
** dusk_error naming the file: DUSK_EIO for I/O ("cannot write PATH: No
** space left on device", a read-only file system ...), DUSK_ENOMEM when
** memory ran out (also inside cairo).
*/
#ifndef DUSK_PROFILER_H
#define DUSK_PROFILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "events.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- recording ------------------------------------------------------------ */

typedef struct dusk_profiler dusk_profiler;

enum {
    DUSK_PROF_TASKS = 1,      /* task records (Dask's Profiler) */
    DUSK_PROF_RESOURCES = 2,  /* RSS, CPU, held bytes (ResourceProfiler) */
    DUSK_PROF_CACHE = 4,      /* results held per task group (CacheProfiler) */
    DUSK_PROF_ALL = 7
};

typedef enum {
    DUSK_CACHE_BYTES = 0,     /* the cache series count bytes */
    DUSK_CACHE_COUNT          /* ... or results */
} dusk_cache_metric;

typedef struct dusk_profiler_options {
    unsigned record;                 /* DUSK_PROF_* bits; 0 means ALL */
    double dt;                       /* resource sampling interval, s (at
                                        least 0.001); 0: adaptive (see
                                        RESOURCES above) */
    dusk_cache_metric cache_metric;  /* what the cache series count */
} dusk_profiler_options;

#define DUSK_PROFILER_OPTIONS_INIT {DUSK_PROF_ALL, 0, DUSK_CACHE_BYTES}

/* A new profiler with options o (NULL: the defaults), or NULL when out of
 * memory. Free it with dusk_profiler_free. */
DUSK_API dusk_profiler *dusk_profiler_new(const dusk_profiler_options *o);
/* NULL-safe. Not while a run it follows is going on. */
DUSK_API void dusk_profiler_free(dusk_profiler *p);

/* The callbacks to put in dusk_options.callbacks (copy them anywhere: they
 * only point at p). Every run they see is added to the profile. A NULL p
 * gives callbacks that listen to nothing. With RESOURCES recorded, this
 * makes the sampler thread (named dusk-sampler), which waits between runs
 * and ends with dusk_profiler_free: made at a run's start, it and the
 * first reading of /proc kept a process's first task waiting. */
DUSK_API dusk_callbacks dusk_profiler_callbacks(dusk_profiler *p);

/* Samples resources across a whole block of work (several runs, and the
 * time between them) instead of only while a run is active. end takes the
 * last sample; the sampler thread then waits (dusk_profiler_free ends it).
 * begin returns DUSK_EINVAL when a block is already open or the profiler
 * was read from a trace, DUSK_ESYS when the thread cannot start; end
 * returns DUSK_EINVAL without a begin. */
DUSK_API int dusk_profiler_begin(dusk_profiler *p);
DUSK_API int dusk_profiler_end(dusk_profiler *p);

/* Forgets every record (Dask's clear()); options stay. */
DUSK_API void dusk_profiler_clear(dusk_profiler *p);

/* 0, or DUSK_ENOMEM when records were lost because a buffer block could
 * not be allocated during a run (then dusk_profiler_lost says how many task
 * records, one a task run; a lost resource sample or release time sets the
 * status alone), or the code of a failure to prepare the records. */
DUSK_API int dusk_profiler_status(dusk_profiler *p);
DUSK_API uint64_t dusk_profiler_lost(dusk_profiler *p);

/* --- the records -------------------------------------------------------------- */

typedef struct dusk_task_record {
    const char *key;        /* the key's text */
    const char *func;       /* function's display name; "(value)", "(alias)" */
    const char *group;      /* key_split(key): the task group */
    uint64_t start_ns;      /* START */
    uint64_t end_ns;        /* END or ERROR */
    uint64_t released_ns;   /* RELEASED; a kept result: the end of its run */
    uint64_t nbytes;        /* the result's bytes (0 after an error) */
    int64_t task;           /* the task's id in its run's graph */
    int32_t worker;         /* 0 .. its run's workers - 1 */
    int32_t run;            /* index of its run in the profile */
    int32_t status;         /* 0, or the task's error code */
    uint32_t ndeps;         /* its dependencies in the run ... */
    const size_t *deps;     /* ... as indices of task records */
} dusk_task_record;

typedef struct dusk_run_record {
    uint64_t begin_ns;      /* RUN_BEGIN */
    uint64_t wall_ns;       /* RUN_BEGIN to RUN_END */
    uint64_t ntasks;        /* tasks in the run, literals included, as
                               RUN_BEGIN counts them (the summary's
                               ntasks leaves literals out) */
    int32_t workers;        /* worker threads (ids 0 .. workers - 1) */
    int32_t status;         /* the run's code */
    uint64_t held_peak;     /* most bytes the scheduler held at once, from
                               the `held` of the run's END events: what
                               dusk_run_stats.held_peak says; a trace
                               keeps it (0 when not known, as for a
                               trace written before dusk wrote it) */
} dusk_run_record;

typedef struct dusk_resource_sample {
    uint64_t t_ns;
    uint64_t rss;           /* resident set size, bytes */
    uint64_t held;          /* bytes the scheduler held (0 outside runs) */
    double cpu;             /* CPU % since the previous sample (100 = a core;
                               0 for the first of a run or block, which has no
                               interval: the charts do not draw it) */
} dusk_resource_sample;

typedef struct dusk_cache_point {
    uint64_t t_ns;
    double value;           /* bytes or results held from t_ns on */
} dusk_cache_point;

/* Task records ordered by start time (ties by run, worker), and their count. */
DUSK_API size_t dusk_profiler_ntasks(dusk_profiler *p);
DUSK_API const dusk_task_record *dusk_profiler_tasks(dusk_profiler *p);
DUSK_API size_t dusk_profiler_nruns(dusk_profiler *p);
DUSK_API const dusk_run_record *dusk_profiler_runs(dusk_profiler *p);
DUSK_API size_t dusk_profiler_nsamples(dusk_profiler *p);
DUSK_API const dusk_resource_sample *dusk_profiler_samples(dusk_profiler *p);
/* Task groups (key_split names) of the cache series, sorted by name. */
DUSK_API size_t dusk_profiler_ngroups(dusk_profiler *p);
DUSK_API const char *dusk_profiler_group(dusk_profiler *p, size_t k);
/* The step series of group k (k == ngroups: all groups together), in the
 * profiler's cache metric (pts may be NULL); returns its length. */
DUSK_API size_t dusk_profiler_cache_series(dusk_profiler *p, size_t k,
                                  const dusk_cache_point **pts);

/* The events of run `run` rebuilt from its records, in one causal order as
 * a dusk_stream gives them: RUN_BEGIN; per task READY (when its last
 * dependency ended, or at 0), START, END or ERROR, RELEASED (unless kept);
 * RUN_END; times from the run's start, held bytes recomputed. This is what
 * a viewer replays from a trace read back, and what
 * dusk_viz_options.events takes to colour a graph by duration. *out is
 * dusk_malloc'd (the caller frees it with dusk_free); DUSK_EINVAL for a run
 * that is not there. */
DUSK_API int dusk_profiler_run_events(dusk_profiler *p, size_t run, dusk_event **out,
                             size_t *n);

/* --- the summary -------------------------------------------------------------- */

typedef struct dusk_func_stats {
    const char *func;       /* display name */
    uint64_t count;         /* tasks */
    uint64_t total_ns;      /* sum of their durations */
    uint64_t max_ns;
    double mean_ns;
    double share;           /* its self time / busy time, 0..1: the time one of
                               its tasks was the innermost slice on its worker
                               (total_ns for dusk's tasks, which never nest), so
                               that the shares add up to 1 */
} dusk_func_stats;

typedef struct dusk_profile_summary {
    uint64_t ntasks;        /* task records but literals' ('a': 1), which Dask
                               neither executes nor counts; the records (and
                               the trace) keep them */
    uint64_t nerrors;       /* ... of failed tasks */
    size_t nruns;
    uint64_t wall_ns;       /* sum of the runs' wall times */
    uint64_t busy_ns;       /* time workers spent in tasks (the sum of the tasks'
                             * durations, but slices that other tools' traces nest
                             * on a thread count once) */
    int workers;            /* most workers of a run */
    double efficiency;      /* busy / sum over runs of workers x wall, 0..1 */
    uint64_t critical_ns;   /* length of the critical path ... */
    size_t ncritical;       /* ... its tasks, first to last ... */
    const size_t *critical; /* ... as indices of task records */
    size_t nfuncs;
    const dusk_func_stats *funcs;  /* most total time first */
    uint64_t lost;          /* records lost (see dusk_profiler_lost) */
    uint64_t nliterals;     /* literals' records, in no count above */
} dusk_profile_summary;

/* Fills *s (pointers into p). The critical path is the chain of
 * dependencies with the largest sum of measured durations. */
DUSK_API int dusk_profiler_summary(dusk_profiler *p, dusk_profile_summary *s);
/* Prints the summary and the per-function table; returns 0 or DUSK_EIO. */
DUSK_API int dusk_profiler_print_summary(dusk_profiler *p, FILE *f);

/* --- Chrome Trace Event JSON -------------------------------------------------------- */

typedef struct dusk_trace_options {
    int flows;              /* flow arrows for dependencies (default 1) */
} dusk_trace_options;

#define DUSK_TRACE_OPTIONS_INIT {1}

/* Writes the profile as a Chrome trace (format 2, "otherData.version"):
 *  - per task, an 'X' slice on its worker (pid 1, tid = worker), named by
 *    its function, cat "task", no args (speedscope appends a slice's args
 *    to its frame's name: per-task args would make every task a function
 *    of its own), followed by an 'i' instant (cat "task.record", named by
 *    the key) where the slice ends, whose args are the rest of the task's
 *    record: start_ns, end_ns, released_ns (exact ns), bytes, id, run,
 *    deps (ids), status (when not 0) (the reader also takes "key" and
 *    "function" there);
 *  - times in microseconds, as exact multiples of 1/1024 us (ten decimals
 *    at most), so that a viewer's ts + dur is exact in doubles; on each
 *    worker a slice lasts 1/1024 us at least and ends strictly before the
 *    next one starts (an end that met the next start is written 1/1024 us
 *    early; tasks that started within 1/1024 us of each other, or a 0 ns
 *    task, are written one after the other, 1/1024 us apart), so no
 *    viewer nests a task under another (the task.record keeps exact ns);
 *  - 'M' names for the process and each worker, 'C' counters for memory,
 *    CPU and cache (the cache's args: one per task group, up to 24, and
 *    "(all groups)"; a group whose name reads as another's, once a byte
 *    that is not UTF-8 is taken as Latin-1, gets " #2" appended);
 *  - with o->flows, one flow per dependency edge: 's' at the producer's
 *    slice and 'f' (bp "e") at the consumer's, each with its slice's ts,
 *    tid and cat "task" (Chrome's trace_engine binds a flow event to the
 *    slice of equal ts, pid, tid and cat), one id per edge;
 *  - the runs under "otherData". o may be NULL. */
DUSK_API int dusk_profiler_write_trace(dusk_profiler *p, const char *path,
                              const dusk_trace_options *o, dusk_error *err);
/* Reads a trace that dusk (or another tool: only X events are needed)
 * wrote, into a new profiler that only reads (its callbacks ignore runs).
 * Format 2's task records give exact ns times; format 1 (dusk before
 * issue 11: the record in the X slice's args, times in us with three
 * decimals) reads as before. A task.record instant belongs to the last
 * slice before it on its worker (tid) that no record has claimed, so a
 * trace whose events another tool sorted by ts across workers, or merged,
 * reads back the same; an instant with no such slice is an error.
 * Events are parsed one at a time: a read holds the records, not a tree of
 * the file. A malformed, truncated or absurd file is rejected with a
 * message that says where, as file:line:column:
 *   trace.json:7:131: premature end of input near '"'
 *   trace.json:413:1: expected ',' or ']' after event 410, found '{'
 *   trace.json:9:1: "dur" of event 7 (key "inc-3") is negative
 *   trace.json:3:5: the slice "parse" begun at 3:5 and ended at 9:5: its E
 *     (4.000 us) is before its B (5.000 us)
 * (a check of what an event says is at the start of that event; of a
 * task made of a B and its E, at its B, naming both places). */
DUSK_API int dusk_profiler_read_trace(const char *path, dusk_profiler **out,
                             dusk_error *err);
/* The same from memory; name is what messages call it (NULL: "trace"). */
DUSK_API int dusk_profiler_read_trace_buffer(const char *data, size_t n,
                                    const char *name, dusk_profiler **out,
                                    dusk_error *err);

/* --- CSV ---------------------------------------------------------------------------------- */

/* RFC 4180 in UTF-8: a key or name that is not UTF-8 has its stray bytes
 * written as Latin-1 characters, as the trace writes them. A key, function
 * or group that begins with =, +, -, @, a tab or a carriage return (which
 * a spreadsheet would run as a formula) is written as text: quoted, with a
 * ' in front ("'=1+2", "'-1"); number columns are never changed. */

/* Task records: task,key,function,group,worker,run,start_ns,end_ns,
 * duration_ns,released_ns,nbytes,status. */
DUSK_API int dusk_profiler_write_tasks_csv(dusk_profiler *p, const char *path,
                                  dusk_error *err);
/* Resource samples: t_ns,rss_bytes,held_bytes,cpu_percent. */
DUSK_API int dusk_profiler_write_resources_csv(dusk_profiler *p, const char *path,
                                      dusk_error *err);
/* Cache series: t_ns,group,value (one row per change; the group
 * "(all groups)" is their sum). */
DUSK_API int dusk_profiler_write_cache_csv(dusk_profiler *p, const char *path,
                                  dusk_error *err);

/* --- charts --------------------------------------------------------------------------------- */

typedef enum {
    DUSK_CHART_AUTO = 0,    /* from the file name: .png, .svg, .pdf */
    DUSK_CHART_PNG,
    DUSK_CHART_SVG,
    DUSK_CHART_PDF
} dusk_chart_format;

enum {
    DUSK_PANEL_TASKS = 1,   /* task stream: a row per worker */
    DUSK_PANEL_MEMORY = 2,  /* RSS and held bytes */
    DUSK_PANEL_CPU = 4,     /* CPU % */
    DUSK_PANEL_CACHE = 8,   /* results held per task group */
    DUSK_PANEL_ALL = 15
};

typedef struct dusk_chart_options {
    int width, height;      /* pixels (points for SVG/PDF); 0: 1000 x auto */
    dusk_chart_format format;
    unsigned panels;        /* DUSK_PANEL_* bits; 0: those with data */
    const char *title;      /* NULL: "dusk profile" */
} dusk_chart_options;

#define DUSK_CHART_OPTIONS_INIT {0, 0, DUSK_CHART_AUTO, 0, NULL}

/* Draws the panels stacked on one time axis, like Dask's
 * visualize([prof, rprof, cprof]), over the profile's runs (RUN_BEGIN to
 * RUN_END) and their tasks, from 0 (a trace of another tool, read back
 * with its clock's times and without runs: from its first task or sample
 * to its last); resource samples outside the runs are clipped. The
 * header states the wall time the summary does. Slices that another tool's trace nests on a thread (clang's
 * -ftime-trace: a pass inside a phase) are drawn as trace viewers draw
 * them: each a lane below the slice it is in, the worker's row a lane
 * taller per level (the report's task stream too). o may be NULL. A name (or title) that
 * is not UTF-8 is drawn with its stray bytes read as Latin-1, as a trace
 * writes them. */
DUSK_API int dusk_profiler_write_chart(dusk_profiler *p, const char *path,
                              const dusk_chart_options *o, dusk_error *err);
/* The same to a writer (format must not be AUTO, so o is needed): write
 * gets the bytes in pieces, with closure (the caller's, may be NULL), and
 * returns 0, or non-zero to stop with DUSK_EIO. */
typedef int (*dusk_write_fn)(void *closure, const unsigned char *data,
                             size_t n);
DUSK_API int dusk_profiler_chart_to(dusk_profiler *p, dusk_write_fn write,
                           void *closure, const dusk_chart_options *o,
                           dusk_error *err);

/* The colour the charts (and the live viewer's task stream) give a function
 * or task group `name`, as 8-bit RGB in rgb: a 20-colour palette
 * (Category20's strong shades first) where the functions of p in order of
 * total time take the first colours and any other name a palette colour
 * from a hash of its text. p NULL: the colour by the hash, which is what a
 * live run without a profiler shows. name NULL is "". rgb NULL: nothing. */
DUSK_API void dusk_profiler_colour(dusk_profiler *p, const char *name, uint8_t rgb[3]);

/* --- the HTML report --------------------------------------------------------------- */

typedef struct dusk_report_options {
    const char *title;      /* NULL: "dusk performance report" */
    /* An SVG picture of the graph (e.g. viz's output, coloured by
     * duration), inlined as given; text before "<svg" (an XML prolog, a
     * DOCTYPE) is dropped. NULL: the report says none was given. */
    const char *graph_svg;
} dusk_report_options;

#define DUSK_REPORT_OPTIONS_INIT {NULL, NULL}

/* One self-contained HTML file that works offline (no external resource,
 * nothing fetched): the summary (with the scheduler's exact peak of bytes
 * held), the task stream, memory and CPU over time, cache size, the graph
 * picture and the per-function table, like distributed's
 * performance_report. The task stream and the memory and CPU charts are
 * live in a browser (an inline script draws them as SVG from the records
 * in the page): hovering shows a task's key, function, worker, start and
 * duration (on memory and CPU: the sample there and the tasks running),
 * dragging or the mouse wheel zooms on a time range, a double-click shows
 * it all. Without JavaScript the same sections are static pictures. Above
 * 200,000 tasks the task stream stays a picture (the records would weigh
 * too much). o may be NULL. */
DUSK_API int dusk_profiler_write_report(dusk_profiler *p, const char *path,
                               const dusk_report_options *o, dusk_error *err);

/* --- the progress bar --------------------------------------------------------------- */

typedef struct dusk_progress dusk_progress;

typedef struct dusk_progress_options {
    FILE *out;              /* NULL: stderr */
    int width;              /* of the bar, characters; 0: 40 */
    double dt;              /* seconds between redraws; 0: 0.1 */
    double minimum;         /* runs shorter than this (s) draw nothing */
    int force;              /* draw even when out is not a terminal */
} dusk_progress_options;

#define DUSK_PROGRESS_OPTIONS_INIT {NULL, 40, 0.1, 0.0, 0}

/* Draws `[########                ] | 35% Completed | 1.20 s` from a thread
 * of its own while a run goes on, at most every dt, and a final line when
 * the run ends (100% unless it failed). NULL when out of memory. */
DUSK_API dusk_progress *dusk_progress_new(const dusk_progress_options *o);
DUSK_API void dusk_progress_free(dusk_progress *b);   /* NULL-safe; not during a run */
DUSK_API dusk_callbacks dusk_progress_callbacks(dusk_progress *b);  /* NULL: none */
/* Seconds the last run took (0 before any). */
DUSK_API double dusk_progress_last_duration(const dusk_progress *b);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_PROFILER_H */
