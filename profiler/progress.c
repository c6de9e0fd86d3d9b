/*
** dusk profiler — the progress bar, as dask.diagnostics.ProgressBar draws it
**
**     [########                                ] | 20% Completed | 1.20 s
**
** The workers only count: a task that succeeds adds one (in posttask: one
** call a task, where on_event would be four) to a counter of their own
** (one cache line per worker slot, so they never share a line). A thread
** started at the run's `start` wakes every dt, sums the counters and
** redraws the line with "\r", once the run has lasted `minimum` seconds;
** `finish` stops it and, unless the run was shorter than `minimum`, draws
** the last state (100% when the run succeeded) and a newline. Nothing is
** drawn unless the output is a terminal or drawing is forced.
*/
#define _GNU_SOURCE   /* pthread_setname_np */
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdalign.h>

#include "prof.h"

enum { SLOTS = 64 };

typedef struct counter {
    alignas(64) atomic_uint_fast64_t n;
} counter;

struct dusk_progress {
    dusk_progress_options o;
    counter done[SLOTS + 1];     /* per worker id; the last for ids >= SLOTS */
    uint64_t ntasks;             /* the run's tasks but literals, as Dask counts */
    dusk_plan_arrays plan;       /* the run's, to tell literals (borrowed) */
    const dusk_plan *p;
    uint64_t t0;                 /* start of the run */
    int drawing;                 /* this run draws */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int running, stop;
    double last;                 /* seconds of the last run */
    int drawn_len;               /* of the line drawn last (this run) */
};

static uint64_t done_count(dusk_progress *b)
{
    uint64_t n = 0;
    for (int i = 0; i <= SLOTS; i++)
        n += atomic_load_explicit(&b->done[i].n, memory_order_relaxed);
    return n;
}

/* The elapsed time as Dask's ProgressBar writes it (dask.utils.format_time):
 * "123.45 us", "1.23 ms", "1.00 s", "20m 34s", "3hr 25m", "14d 6hr". */
void dusk__format_time(char *out, size_t n, double t)
{
    if (!(t >= 0))
        t = 0;
    if (t > 2 * 86400.0) {
        long d = (long)(t / 86400), h = (long)((t - (double)d * 86400) / 3600);
        snprintf(out, n, "%ldd %ldhr", d, h);
    } else if (t > 2 * 3600.0) {
        long h = (long)(t / 3600), m = (long)((t - (double)h * 3600) / 60);
        snprintf(out, n, "%ldhr %ldm", h, m);
    } else if (t > 600.0) {
        long m = (long)(t / 60), s = (long)(t - (double)m * 60);
        snprintf(out, n, "%ldm %lds", m, s);
    } else if (t >= 1) {
        snprintf(out, n, "%.2f s", t);
    } else if (t >= 1e-3) {
        snprintf(out, n, "%.2f ms", t * 1e3);
    } else {
        snprintf(out, n, "%.2f us", t * 1e6);
    }
}

static void draw(dusk_progress *b, double frac, double elapsed)
{
    char line[600], bar[512], t[48];
    int w = b->o.width;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    int fill = (int)(w * frac);
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, ' ', (size_t)(w - fill));
    bar[w] = '\0';
    dusk__format_time(t, sizeof t, elapsed);
    /* padded to the last line's width, so that a shorter time ("1.00 s"
     * after "999.99 ms") leaves no letters of the last behind */
    int len = snprintf(line, sizeof line, "\r[%s] | %d%% Completed | %s", bar, (int)(100 * frac),
                       t);
    int pad = b->drawn_len > len ? b->drawn_len - len : 0;
    b->drawn_len = len;
    snprintf(line + len, sizeof line - (size_t)len, "%*s", pad, "");
    fputs(line, b->o.out);
    fflush(b->o.out);
}

static double elapsed_s(const dusk_progress *b)
{
    return (double)(dusk_now_ns() - b->t0) / 1e9;
}

static void *timer_main(void *arg)
{
    dusk_progress *b = arg;
    uint64_t dt = (uint64_t)(b->o.dt * 1e9);
#ifdef __linux__
    pthread_setname_np(pthread_self(), "dusk-progress");
#endif
    pthread_mutex_lock(&b->mu);
    while (!b->stop) {
        uint64_t deadline = dusk_now_ns() + dt;
        struct timespec ts = {(time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u)};
        while (!b->stop && dusk_now_ns() < deadline)
            pthread_cond_timedwait(&b->cv, &b->mu, &ts);
        if (b->stop)
            break;
        double e = elapsed_s(b);
        if (e >= b->o.minimum)
            draw(b, b->ntasks ? (double)done_count(b) / (double)b->ntasks : 0, e);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* A literal: a value entry with no dependencies. */
static int is_literal(const dusk_progress *b, int64_t id)
{
    return b->p && b->plan.dep_off[id] == b->plan.dep_off[id + 1] &&
           dusk_plan_entry_kind(b->p, id) == DUSK_ENTRY_VALUE;
}

static void pb_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    dusk_progress *b = ud;
    for (int i = 0; i <= SLOTS; i++)
        atomic_store_explicit(&b->done[i].n, 0, memory_order_relaxed);
    /* Dask's ProgressBar counts tasks, not the literals ('a': 1) that it
     * never executes: a 5-entry graph of 3 tasks is 3 */
    b->p = plan;
    b->ntasks = ntasks;
    if (plan && dusk_plan_get_arrays(plan, &b->plan) == 0) {
        for (size_t i = 0; i < b->plan.ntasks; i++) {
            int64_t id = b->plan.tasks ? (int64_t)b->plan.tasks[i] : (int64_t)i;
            if (is_literal(b, id) && b->ntasks)
                b->ntasks--;
        }
    } else {
        b->p = NULL;
    }
    b->t0 = dusk_now_ns();
    b->drawn_len = 0;
    b->drawing = b->o.force || isatty(fileno(b->o.out));
    if (!b->drawing)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = 0;
    b->running = pthread_create(&b->thread, NULL, timer_main, b) == 0;
    pthread_mutex_unlock(&b->mu);
}

/* posttask, not on_event: one call a task instead of four. */
static void pb_posttask(void *ud, int64_t task, const dusk_value *result, int status, int worker)
{
    dusk_progress *b = ud;
    (void)result;
    if (status != 0 || is_literal(b, task))
        return;
    if ((unsigned)worker < SLOTS) {
        /* Only this worker's thread writes its slot (events.h: one thread
         * at a time per worker id): a plain increment, no locked add. */
        atomic_uint_fast64_t *n = &b->done[worker].n;
        atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&b->done[SLOTS].n, 1, memory_order_relaxed);
    }
}

static void pb_finish(void *ud, int status)
{
    dusk_progress *b = ud;
    double e = elapsed_s(b);
    b->last = e;
    if (!b->drawing)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = 1;
    pthread_cond_signal(&b->cv);
    int running = b->running;
    b->running = 0;
    pthread_mutex_unlock(&b->mu);
    if (running)
        pthread_join(b->thread, NULL);
    if (e < b->o.minimum)
        return;
    draw(b, status == 0 ? 1.0 : b->ntasks ? (double)done_count(b) / (double)b->ntasks : 0, e);
    fputc('\n', b->o.out);
    fflush(b->o.out);
}

dusk_progress *dusk_progress_new(const dusk_progress_options *o)
{
    static const dusk_progress_options defaults = DUSK_PROGRESS_OPTIONS_INIT;
    dusk_progress *b = dusk_calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->o = o ? *o : defaults;
    if (!b->o.out)
        b->o.out = stderr;
    if (b->o.width <= 0)
        b->o.width = 40;
    if (b->o.width > 500)
        b->o.width = 500;
    if (!(b->o.dt > 0) || b->o.dt > 3600)
        b->o.dt = 0.1;
    if (!(b->o.minimum >= 0))
        b->o.minimum = 0;
    for (int i = 0; i <= SLOTS; i++)
        atomic_init(&b->done[i].n, 0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&b->mu, NULL);
    return b;
}

void dusk_progress_free(dusk_progress *b)
{
    if (!b)
        return;
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    dusk_free(b);
}

dusk_callbacks dusk_progress_callbacks(dusk_progress *b)
{
    dusk_callbacks cb;
    memset(&cb, 0, sizeof cb);
    if (!b)   /* no bar: callbacks that listen to nothing */
        return cb;
    cb.ud = b;
    cb.start = pb_start;
    cb.posttask = pb_posttask;
    cb.finish = pb_finish;
    return cb;
}

double dusk_progress_last_duration(const dusk_progress *b) { return b ? b->last : 0; }
