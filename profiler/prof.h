/*
** dusk profiler — internals shared by the files of profiler/.
** This file is private to the profiler; nothing outside profiler/ includes it.
**
** A profiler has two halves:
**
**  - pending: runs as recorded. Each run has a table of per-worker states,
**    created on a worker's first event; a worker appends its task records
**    and RELEASED events (ids and times; keys, functions and dependencies
**    are the run's plan's) to a compact log of its own (dusk__pworker below). No
**    lock, no shared counter: events tagged worker k come from one thread
**    at a time (events.h).
**  - prepared: what the readers see. dusk__prepare() moves pending runs in
**    (decoding the logs, merging each run's workers by start time, turning
**    run times into profile times, dependency ids into record indices and
**    joining RELEASED to records, reading keys, functions and dependencies
**    from each run's plan, which the profile then keeps: records point to
**    its keys), interns function and group names and converts the
**    resource samples. Summary and cache series are derived from the
**    prepared records on demand and dropped when more runs come in.
**
** Locking: p->mu guards the active-run pointer as the sampler sees it, the
** raw samples, the epoch and the pending list. Workers only try it (a
** sample that falls due: record.c), never wait for it.
*/
#ifndef DUSK_PROFILER_PROF_H
#define DUSK_PROFILER_PROF_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "core/util.h"
#include "dusk/alloc.h"
#include "dusk/error.h"
#include "dusk/graph.h"
#include "dusk/plan.h"
#include "dusk/profiler.h"

#define DUSK__PROF_MAX_WORKERS 65536   /* worker ids the recorder (and reader) accept */
#define DUSK__SLOT_CHUNK 256           /* worker states per chunk of dusk__prun.slots */

/* Arenas, interning, byte buffers, atomic output files and numbers for
 * people come from the toolbox, core/util.h. */

/* --- recording ----------------------------------------------------------- */

/* One worker's part of a run; written only by that worker's thread.
 *
 * Its log is a byte stream in blocks (arena blocks chained oldest first),
 * 18 bytes a task of tiny tasks, so that recording touches little fresh
 * memory. An entry is a tag byte and fields written with a few plain
 * stores and no loop (varints took four times the instructions):
 *   END       tag 1, task (4 bytes), start - last, end - start, nbytes
 *   RELEASED  tag 3, task (4 bytes), t - last
 * the fields after the task of 2 bytes each when all fit (tag | SMALL),
 * else of 4; `last` is the time of the worker's previous END or RELEASED.
 * An ERROR, a task id or field above 32 bits, or a time before `last`
 * takes a wide entry: tag 0, the kind (1 END, 2 ERROR, 3 RELEASED), then
 * 8-byte fields: task, the time delta (two's complement), and but for
 * RELEASED the duration, nbytes and (ERROR) the status. Fields are in
 * native byte order: the log is read back in the process that wrote it.
 * A task's key, function and dependencies come from the run's plan
 * (dusk__prun below). */
enum {
    DUSK__LOG_WIDE = 0, DUSK__LOG_END, DUSK__LOG_ERROR, DUSK__LOG_RELEASED,
    DUSK__LOG_SMALL = 4,
    DUSK__LOG_BLOCK = 64 * 1024
};

typedef struct dusk__pworker {
    /* Workers' pworkers are allocated one after the other, maybe from one
     * malloc arena: the pads keep each one's fields, written at every
     * event, off the cache lines of its neighbours. */
    char pad_before[64];
    int64_t cur_task;            /* the task START gave this worker */
    uint64_t cur_start;
    uint64_t last_t;             /* for the log's time deltas */
    dusk__arena_block *log, *log_tail; /* the log, oldest block first */
    uint64_t nrecs;
    uint64_t lost;               /* task records that found no room in the log */
    uint64_t lost_releases;      /* RELEASED entries so: status only (a record's
                                    release time is then the run's end) */
    uint64_t held_peak;          /* most `held` of its END events */
    /* read by the sampler thread */
    _Atomic uint64_t held, held_t;
    char pad_after[64];
} dusk__pworker;

typedef _Atomic(struct dusk__pworker *) dusk__slot;

typedef struct dusk__prun {
    struct dusk__prun *next;
    const dusk_plan *plan;       /* the run's (a reference): keys, functions,
                                    dependencies by task id */
    size_t gsize;                /* ids are below this */
    int32_t index;               /* in the profile */
    uint64_t t0_abs;             /* dusk_now_ns() at the run's epoch */
    uint64_t wall, ntasks;
    uint64_t end_held;           /* RUN_END's held: part of the peak (a
                                    threads run's workers each see their own
                                    part of it at their ENDs) */
    int32_t status;
    int32_t announced;           /* workers, as RUN_BEGIN says */
    int ended;                   /* RUN_END seen */
    /* Worker states by id, in chunks of DUSK__SLOT_CHUNK made at a chunk's
     * first worker (record.c, slot_get/slot_set): one table of all
     * DUSK__PROF_MAX_WORKERS (512 KiB) was calloc'd at every run's start,
     * 6-340 us between RUN_BEGIN and the first task. */
    _Atomic(dusk__slot *) slots[DUSK__PROF_MAX_WORKERS / DUSK__SLOT_CHUNK];
    atomic_int nworkers;         /* highest id seen + 1 */
    atomic_uint_fast64_t lost;   /* task records (END, ERROR) of bad worker ids or
                                    with no worker state for want of memory */
    atomic_int lost_other;       /* a RELEASED was lost so: status only */
} dusk__prun;

/* A sample as the sampler takes it: the CPU % between two samples is
 * derived when samples are prepared, from the process's CPU time, so that
 * thinning (record.c) keeps it right over the longer interval. */
typedef struct dusk__raw_sample {
    uint64_t t_abs, rss, held;
    uint64_t cpu_ns;             /* the process's CPU time so far */
    int first;                   /* first of its sampler session: no CPU % */
} dusk__raw_sample;

/* Adaptive sampling (dt 0): every DUSK__SAMPLE_MIN_NS at first; when a
 * session (a run, or a begin..end block) has DUSK__SAMPLE_KEEP samples,
 * every other one goes and the interval doubles, so a session keeps
 * between half that and that many, evenly spaced, whatever its length. */
#define DUSK__SAMPLE_MIN_NS 1000000u
#define DUSK__SAMPLE_KEEP 1024u
/* A sample falls due every interval. A worker whose END or RELEASED finds
 * one due takes it (a few microseconds: a pread and a clock) under a
 * trylock of p->mu, so a busy run wakes no thread to be sampled; the
 * sampler thread takes the samples the workers do not, and while they
 * take them looks again only DUSK__SAMPLE_GRACE_NS past the due time
 * (the most a sample can then come late when the workers fall silent). */
#define DUSK__SAMPLE_GRACE_NS 8000000u

struct dusk_profiler {
    dusk_profiler_options o;
    int readonly;                /* read from a trace: callbacks ignore runs */

    pthread_mutex_t mu;
    dusk__prun *active;                /* the run being recorded */
    dusk__prun *pending, *pending_tail;
    int32_t nruns_total;         /* runs recorded or pending */
    int has_epoch;
    uint64_t epoch_abs;
    /* sampler */
    pthread_cond_t cv;
    pthread_t sampler;
    /* sampler_on: a session is open; sampler_stop: it is closing (no more
     * samples). The thread is made once (thread_up), before the first run
     * where it can be (dusk_profiler_callbacks), and parks between
     * sessions until dusk_profiler_free sets quit: made at RUN_BEGIN, it
     * and /proc/self/statm's open put 220-280 us between a process's
     * RUN_BEGIN and its first task. */
    int sampler_on, sampler_stop, block, thread_up, quit;
    uint64_t session;            /* sessions opened: the thread's wait for one
                                    session's next sample ends with it */
    pid_t thread_pid;            /* the process the thread is in: a forked
                                    child has none (forked_child) */
    struct dusk_profiler *fork_next;   /* every live profiler, for fork
                                          (record.c, forks_prepare) */
    dusk__raw_sample *raw;
    size_t nraw, capraw;
    int raw_changed;             /* since the last dusk__prepare */
    uint64_t raw_lost;           /* samples that found no memory */
    size_t sess_first;           /* raw index of the session's first sample */
    int rss_pending;             /* its RSS not read yet: the sampler thread
                                    reads it when it wakes, or the session's
                                    close does (session_open) */
    uint64_t interval;           /* the session's sampling interval, ns */
    int statm_fd;                /* /proc/self/statm, open while sampling */
    uint64_t worker_samples;     /* samples the workers took */
    uint64_t sampler_wakes;      /* the sampler thread's wake-ups at or past
                                    its deadline in a session still open:
                                    where no worker samples (a run's set-up)
                                    each takes one (test_samples counts) */
    /* When the next sample is due (dusk_now_ns), UINT64_MAX when none is:
     * read by the workers at each step, written once a sample (under mu);
     * on a cache line of its own. */
    char pad_due[64];
    _Atomic uint64_t due;
    char pad_due_after[64];

    /* prepared */
    int status;
    uint64_t lost;
    dusk_task_record *recs;
    uint32_t *rec_func, *rec_group;    /* interned indices per record */
    size_t nrecs, caprecs;
    dusk_run_record *runs;
    size_t nruns, capruns;
    dusk_resource_sample *samples;
    size_t nsamples, capsamples;
    dusk__arena mem;                   /* names, dependency indices */
    const dusk_plan **plans;           /* prepared runs' plans (references):
                                          records point to their keys */
    size_t nplans, capplans;
    dusk__strtab funcs, groups;
    /* derived on demand */
    int have_summary;
    dusk_func_stats *fstats;
    size_t nfstats;
    size_t nliterals;            /* records of literals (dusk__is_literal) */
    size_t *critical;
    size_t ncritical;
    uint64_t critical_ns;
    int have_cache;
    size_t *group_order;         /* sorted position -> group index */
    dusk_cache_point **series;   /* per sorted group, then the total */
    size_t *nseries;
    size_t nseries_groups;
};

/* Moves pending runs and samples into the prepared half. 0, or the code
 * of a failure to prepare them now (DUSK_ENOMEM: their records are lost,
 * and counted in p->lost); records lost while recording set p->status
 * only. Writers fail on it, so that no file silently misses a run. */
int dusk__prepare(dusk_profiler *p);
/* A profiler that only reads, for the trace reader. */
dusk_profiler *dusk__new_readonly(void);
/* Appends a prepared record (reader): returns it, or NULL on ENOMEM. */
dusk_task_record *dusk__push_record(dusk_profiler *p);
dusk_run_record *dusk__push_run(dusk_profiler *p);
int dusk__push_sample(dusk_profiler *p, const dusk_resource_sample *s);
/* Interns names for records from first onwards; keys must be set. */
int dusk__intern_records(dusk_profiler *p, size_t first);
/* Derived data. */
int dusk__summary(dusk_profiler *p);
int dusk__cache(dusk_profiler *p);
void dusk__drop_derived(dusk_profiler *p);


/* --- text (trace.c) ----------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s, or 0. */
size_t dusk__utf8_len(const unsigned char *s);
/* s as valid UTF-8: s itself when it is, else a copy in b (emptied first)
 * where each byte outside a valid sequence is taken as Latin-1, as the
 * trace writer's \u00XX takes it; NULL when b cannot grow. Keys and
 * function names are any bytes, and cairo refuses text that is not UTF-8
 * (the whole surface goes into an error state). */
const char *dusk__utf8_text(const char *s, dusk__buf *b);

/* --- cache series binned for drawing (summary.c) ----------------------------- */

/* Cache series over nbins equal bins of [t0, t1] (a point before t0
 * counts in the first bin): out[r * nbins + b] is the most series rows[r]
 * held during bin b, where a series is a sorted group's position, or
 * ngroups for all groups together. out has nrows * nbins doubles. Only
 * the rows asked for are binned: a profile can have a group per task
 * (keys "x0", "x1" ...), and a row per group for a picture that draws a
 * few of them took gigabytes (200,006 groups x 2,000 bins x 8 bytes).
 * 0 or a code. */
int dusk__cache_binned(dusk_profiler *p, uint64_t t0, uint64_t t1, size_t nbins,
                       const size_t *rows, size_t nrows, double *out);
/* The sorted groups that held most at some time up to t1, most first (of
 * equal peaks the first by name), at most max (capped at
 * DUSK__CACHE_TOP_MAX) into out: the groups a chart draws a line for, found
 * from the series without binning them. Returns how many. */
enum { DUSK__CACHE_TOP_MAX = 64 };
size_t dusk__cache_top(dusk_profiler *p, uint64_t t1, size_t max, size_t *out);

/* --- charts (chart.c), used by the report ---------------------------------- */

int dusk__chart(dusk_profiler *p, dusk_write_fn write, void *closure,
                const dusk_chart_options *o, dusk_error *err);
/* The task stream's lanes (chart.c, also for the report's live chart).
 * Other tools' traces nest slices on a thread (clang's -ftime-trace: a
 * pass inside a phase): as trace viewers draw them, a slice that starts
 * within another on its worker goes a lane below the innermost one it
 * starts within, so that no two slices of a lane overlap and the depth
 * shows; a worker's row has as many lanes as it needs, lanes all of one
 * height. Of slices that start together the longer is outside; a slice
 * of no length that starts with another is before it (dusk's 0 ns tasks
 * are), as is one that starts where another ends. dusk's own tasks never
 * nest: one lane a worker, and the charts are what they were before.
 * *depth gets per record its lane in its worker's row (0 the top), or
 * NULL when nothing nests (every one is 0); *rows per worker its lanes,
 * for workers 0 .. nw - 1 (above every record's). Both dusk_malloc'd, the
 * caller frees them. Returns the lanes of all rows, 0 when out of memory
 * (then both are NULL). */
size_t dusk__task_lanes(const dusk_profiler *p, int nw, uint32_t **depth, uint32_t **rows);
/* A colour for a name: fixed per name within a profile (p NULL: by the
 * name's hash alone). */
void dusk__colour(dusk_profiler *p, const char *name, double rgb[3]);
/* The time axis every chart of p draws, in p's ns, chart.c (also for the
 * report's live charts). It starts at the first run's begin, task's start
 * or sample: 0 for dusk's own profiles, whose times count from there, but
 * a trace of another tool keeps its clock's times (Chrome's are us since
 * boot), and an axis from 0 would squeeze its tasks into the last pixel.
 * It ends at the last run's or task's end; 1e6 ns past the start when
 * empty. A profile with runs spans them and their tasks: samples outside
 * them are clipped (they do not stretch it); only a profile without runs
 * (another tool's trace) spans its samples. */
uint64_t dusk__time_start(const dusk_profiler *p);
double dusk__time_end(const dusk_profiler *p);
/* The wall time stated with a chart: the sum of the runs' RUN_BEGIN to
 * RUN_END (the summary's wall_ns); without runs, the axis' span. */
double dusk__wall(const dusk_profiler *p);

/* The cores the process may run on (its affinity mask; else those online):
 * 100 % each is the most a CPU % sample can say (record.c). */
int dusk__ncpu(void);

/* Whether r is a literal's record ('a': 1: a value with no dependencies),
 * which Dask neither executes nor counts as a task (summary.c). */
int dusk__is_literal(const dusk_task_record *r);

/* Whether sample i's CPU % was measured (chart.c): not for the first
 * sample of a session (of a run or a begin..end block), which has no
 * interval before it and says 0. */
int dusk__cpu_known(const dusk_profiler *p, size_t i);
/* The peak of bytes held, which the report states: the most of the runs'
 * held_peak (bytes, whatever the cache series count) and, when the cache
 * series count bytes, of their total, which is exact where the scheduler's
 * is not (several workers, results under 4 KiB); 0 when not known
 * (summary.c). */
uint64_t dusk__held_peak(dusk_profiler *p);
/* The bytes held as exact steps (the cache series' total, from each
 * record's END and release) when the records count bytes; 0 and *out NULL
 * when they do not (then the samples' held is all there is). */
size_t dusk__held_steps(dusk_profiler *p, const dusk_cache_point **out);

/* The elapsed time as Dask's ProgressBar writes it ("1.23 ms", "1.00 s",
 * "20m 34s"), progress.c. */
void dusk__format_time(char *out, size_t n, double t);

#endif /* DUSK_PROFILER_PROF_H */
