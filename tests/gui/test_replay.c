/*
** dusk tests — scrubbing through a run and replaying a trace (gui/model.c,
** gui/replay.c)
**
** A real run (the threads scheduler, two workers, tasks that sleep so that
** times spread out; one variant with a failing task) is recorded twice,
** independently: through a viewer (its log) and through a profiler whose
** trace is written to the scratch directory. The viewer is then moved to
** chosen times, in random order, forward and back, and must show exactly
** what a fresh viewer fed the log's prefix up to that time shows: every
** task's state, the counts, the per-layer counts, every worker's task, the
** held curve. The same at every event index of the run, going up and then
** down. Playback runs on a virtual clock. The trace, loaded into another
** viewer, must end in the live run's states task by task (keys matched by
** their text) with the original plan's edges; a trace of another tool (X
** slices only) replays without edges; a missing or malformed file is an
** error naming it that leaves the viewer as it was, and leaks nothing.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dusk/gui.h"
#include "dusk/profiler.h"
#include "gui/gui.h"
#include "helpers.h"

static const dusk_func explode = {"explode", fail_task, NULL};

/* 16 leaves that sleep 2 ms (the last on a value through an alias), pairs added, each pair's sum slept on for
 * 2 ms, then a tree of adds to "total"; with `failing`, c-1 is replaced by
 * a task that fails, so total is never computed. */
static dusk_graph *naps(int failing)
{
    dusk_graph *g = dusk_graph_new();
    char k[32], a[32], b[32];
    assert_int_equal(dusk_graph_value(g, "w", dusk_int(15)), 0);
    assert_int_equal(dusk_graph_alias(g, "w-alias", "w"), 0);
    for (int i = 0; i < 16; i++) {
        snprintf(k, sizeof k, "a-%d", i);
        assert_int_equal(dusk_task(g, k, &dusk_sleep, dusk_lit_float(2.0),
                                   i < 15 ? dusk_lit_int(i) : dusk_ref("w-alias")),
                         0);
    }
    for (int i = 0; i < 8; i++) {
        snprintf(k, sizeof k, "b-%d", i);
        snprintf(a, sizeof a, "a-%d", 2 * i);
        snprintf(b, sizeof b, "a-%d", 2 * i + 1);
        assert_int_equal(dusk_task(g, k, &dusk_add, dusk_ref(a), dusk_ref(b)), 0);
        snprintf(k, sizeof k, "c-%d", i);
        snprintf(a, sizeof a, "b-%d", i);
        if (failing && i == 1)
            assert_int_equal(dusk_task(g, k, &explode, dusk_ref(a)), 0);
        else
            assert_int_equal(dusk_task(g, k, &dusk_sleep, dusk_lit_float(2.0), dusk_ref(a)), 0);
    }
    for (int i = 0; i < 4; i++) {
        snprintf(k, sizeof k, "d-%d", i);
        snprintf(a, sizeof a, "c-%d", 2 * i);
        snprintf(b, sizeof b, "c-%d", 2 * i + 1);
        assert_int_equal(dusk_task(g, k, &dusk_add, dusk_ref(a), dusk_ref(b)), 0);
    }
    assert_int_equal(dusk_task(g, "e-0", &dusk_add, dusk_ref("d-0"), dusk_ref("d-1")), 0);
    assert_int_equal(dusk_task(g, "e-1", &dusk_add, dusk_ref("d-2"), dusk_ref("d-3")), 0);
    assert_int_equal(dusk_task(g, "total", &dusk_add, dusk_ref("e-0"), dusk_ref("e-1")), 0);
    return g;
}

/* Runs total of g on two threads into a new viewer (and, when trace is
 * not NULL, a profiler whose trace goes there). */
static dusk_viewer *live_run(dusk_graph *g, int expect_rc, const char *trace)
{
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_profiler *prof = trace ? dusk_profiler_new(NULL) : NULL;
    dusk_callbacks cbs[2] = {dusk_viewer_callbacks(v)};
    if (prof)
        cbs[1] = dusk_profiler_callbacks(prof);
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    o.callbacks = cbs;
    o.ncallbacks = prof ? 2 : 1;
    o.stream = dusk_viewer_stream(v);
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_get(g, "total", &o, &out, &err);
    dusk_value_unref(out);
    if (expect_rc)
        assert_true(rc != 0);
    else
        assert_int_equal(rc, 0);
    dusk_viewer_pump(v);
    assert_int_equal(dusk_viewer_unplaced(v), 0);
    assert_true(v->run_over);
    if (prof) {
        if (dusk_profiler_write_trace(prof, trace, NULL, &err) != 0)
            fail_msg("%s", err.msg);
        dusk_profiler_free(prof);
    }
    return v;
}

/* A fresh viewer shown the first k events of v's log. */
static dusk_viewer *prefix(const dusk_viewer *v, size_t k)
{
    dusk_viewer *w = dusk_viewer_new(NULL);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_set_plan(w, v->plan, &err), 0);
    assert_int_equal(dusk_viewer_feed(w, v->log, k), 0);
    return w;
}

/* v shows what w shows (w fed v's first v->shown events). */
static void same_picture(const dusk_viewer *v, const dusk_viewer *w, const char *where)
{
    assert_int_equal(v->layout.ngraph, w->layout.ngraph);
    for (size_t t = 0; t < v->layout.ngraph; t++)
        if (dusk_viewer_state(v, (int64_t)t) != dusk_viewer_state(w, (int64_t)t))
            fail_msg("%s: task %zu ('%s') is %d, want %d", where, t,
                     dusk_plan_key(v->plan, (int64_t)t), dusk_viewer_state(v, (int64_t)t),
                     dusk_viewer_state(w, (int64_t)t));
    for (int s = 0; s < DUSK_TASK_NSTATES; s++)
        if (dusk_viewer_count(v, s) != dusk_viewer_count(w, s))
            fail_msg("%s: %zu tasks in state %d, want %zu", where, dusk_viewer_count(v, s), s,
                     dusk_viewer_count(w, s));
    assert_int_equal(v->layout.nlayers, w->layout.nlayers);
    assert_memory_equal(v->layer_counts, w->layer_counts,
                        v->layout.nlayers * DUSK_TASK_NSTATES * sizeof *v->layer_counts);
    assert_int_equal(v->nworkers, w->nworkers);
    for (int k = 0; k < (int)v->nworkers; k++)
        if (dusk_viewer_worker_task(v, k) != dusk_viewer_worker_task(w, k))
            fail_msg("%s: worker %d runs %lld, want %lld", where, k,
                     (long long)dusk_viewer_worker_task(v, k),
                     (long long)dusk_viewer_worker_task(w, k));
    const dusk_held_point *pv, *pw;
    size_t nv = dusk_viewer_held(v, &pv, NULL), nw = dusk_viewer_held(w, &pw, NULL);
    if (nv != nw)
        fail_msg("%s: %zu held points shown, want %zu", where, nv, nw);
    if (nv)
        assert_memory_equal(pv, pw, nv * sizeof *pv);
}

/* Log events at or before t (from the run's start). */
static size_t events_upto(const dusk_viewer *v, uint64_t t)
{
    size_t k = 0;
    while (k < v->nlog && v->log[k].t_ns - v->t0 <= t)
        k++;
    return k;
}

/* 200 seeks in random order to times at, between, before and past the
 * events; each shows exactly the prefix of the log up to that time. */
static void test_seek_random(void **state)
{
    (void)state;
    for (int failing = 0; failing < 2; failing++) {
        dusk_graph *g = naps(failing);
        dusk_viewer *v = live_run(g, failing, NULL);
        uint64_t dur = dusk_viewer_duration(v);
        assert_true(dur >= 16000000 / 2);   /* 16 sleeps of 2 ms on 2 workers at least */
        assert_int_equal(dusk_viewer_time(v), dur);
        uint64_t rng = 12345 + (uint64_t)failing;
        int back = 0, fwd = 0;
        for (int i = 0; i < 200; i++) {
            uint64_t t;
            int how = rng_range(&rng, 0, 3);
            if (how == 0)        /* exactly an event's time */
                t = v->log[rng_range(&rng, 0, (int)v->nlog - 1)].t_ns - v->t0;
            else if (how == 1)   /* a ns before one */
                t = v->log[rng_range(&rng, 1, (int)v->nlog - 1)].t_ns - v->t0 - 1;
            else if (how == 2)   /* anywhere */
                t = rng_next(&rng) % (dur + 1);
            else                 /* the ends and past them */
                t = (uint64_t[]){0, dur, dur + 5, UINT64_MAX}[rng_range(&rng, 0, 3)];
            size_t was = v->shown;
            assert_int_equal(dusk_viewer_seek(v, t), 0);
            size_t k = events_upto(v, t);
            assert_int_equal(v->shown, k);
            back += k < was;
            fwd += k > was;
            assert_int_equal(dusk_viewer_time(v), t < dur ? t : dur);
            assert_int_equal(v->follow, t >= dur);
            dusk_viewer *w = prefix(v, k);
            char where[96];
            snprintf(where, sizeof where, "run %d, seek %d to %" PRIu64 " ns (%zu events)",
                     failing, i, t, k);
            same_picture(v, w, where);
            dusk_viewer_free(w);
        }
        assert_true(back > 50 && fwd > 50);
        if (failing) {
            assert_int_equal(dusk_viewer_state(v, dusk_graph_find(g, "c-1")), DUSK_TASK_ERRED);
            assert_true(v->run_status != 0);
        }
        dusk_viewer_free(v);
        dusk_graph_free(g);
    }
}

/* Every event index, up and then down (and a few long jumps): undoing each
 * event gives back exactly what was there before it. */
static void test_undo_every_index(void **state)
{
    (void)state;
    for (int failing = 0; failing < 2; failing++) {
    dusk_graph *g = naps(failing);
    dusk_viewer *v = live_run(g, failing, NULL);
    size_t n = v->nlog;
    assert_true(n > 40);
    char where[64];
    for (int dir = 0; dir < 2; dir++)
        for (size_t i = 1; i <= n; i++) {
            size_t k = dir ? n + 1 - i : i;
            dusk__show(v, k);
            assert_int_equal(v->shown, k);
            dusk_viewer *w = prefix(v, k);
            snprintf(where, sizeof where, "%s, %zu of %zu events", dir ? "down" : "up", k, n);
            same_picture(v, w, where);
            dusk_viewer_free(w);
        }
    /* the first event is the RUN_BEGIN: every task waits, no worker busy */
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_WAITING), dusk_plan_ntasks(v->plan));
    size_t jumps[] = {n, 1, n / 2, n / 3, n - 1, 2};
    for (size_t i = 0; i < sizeof jumps / sizeof *jumps; i++) {
        dusk__show(v, jumps[i]);
        dusk_viewer *w = prefix(v, jumps[i]);
        snprintf(where, sizeof where, "jump to %zu", jumps[i]);
        same_picture(v, w, where);
        dusk_viewer_free(w);
    }
    dusk_viewer_free(v);
    dusk_graph_free(g);
    }
}

/* Scrubbed back during a run: events go to the log, not to the picture,
 * until the viewer follows again. */
static void test_scrub_while_live(void **state)
{
    (void)state;
    dusk_graph *g = naps(0);
    dusk_viewer *rec = live_run(g, 0, NULL);   /* a recorded run, fed by hand */
    size_t n = rec->nlog, half = n / 2;
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_set_plan(v, rec->plan, &err), 0);
    assert_int_equal(dusk_viewer_feed(v, rec->log, half), 0);
    uint64_t t = (rec->log[half / 2].t_ns - rec->t0);
    assert_int_equal(dusk_viewer_seek(v, t), 0);
    size_t k = events_upto(rec, t);
    assert_true(k < half);
    assert_int_equal(dusk_viewer_feed(v, rec->log + half, n / 4), 0);   /* more arrive */
    assert_int_equal(v->nlog, half + n / 4);
    assert_int_equal(v->shown, k);
    assert_int_equal(dusk_viewer_time(v), t);
    dusk_viewer *w = prefix(rec, k);
    same_picture(v, w, "scrubbed back while events arrive");
    dusk_viewer_free(w);
    /* the facts per task still come in */
    int64_t last = rec->log[half + n / 4 - 1].task;
    if (rec->log[half + n / 4 - 1].kind == DUSK_EV_START)
        assert_int_equal(v->worker_of[last], rec->log[half + n / 4 - 1].worker);
    /* a seek past the end of a run that goes on: follow it */
    assert_int_equal(dusk_viewer_seek(v, UINT64_MAX), 0);
    assert_true(v->follow);
    assert_int_equal(v->shown, v->nlog);
    assert_int_equal(dusk_viewer_feed(v, rec->log + half + n / 4, n - half - n / 4), 0);
    assert_int_equal(v->shown, n);
    same_picture(v, rec, "followed to the end");
    /* follow from the middle */
    assert_int_equal(dusk_viewer_seek(v, t), 0);
    dusk_viewer_follow(v);
    assert_int_equal(v->shown, n);
    same_picture(v, rec, "follow");
    dusk_viewer_free(v);
    dusk_viewer_free(rec);
    dusk_graph_free(g);
}

/* Playback on a virtual clock of 1 ms frames. */
static void test_playback(void **state)
{
    (void)state;
    dusk_graph *g = naps(0);
    dusk_viewer *v = live_run(g, 0, NULL);
    uint64_t dur = dusk_viewer_duration(v), ms = 1000000;
    assert_int_equal(dusk_viewer_seek(v, 0), 0);
    assert_int_equal(dusk_viewer_set_speed(v, 2.0), 0);
    size_t frames = 0;
    uint64_t prev = 0;
    while (dusk_viewer_advance(v, ms)) {
        frames++;
        uint64_t now = dusk_viewer_time(v);
        assert_int_equal(now, prev + 2 * ms);   /* exactly 2 ms a frame */
        assert_int_equal(v->shown, events_upto(v, now));
        prev = now;
        assert_true(frames < 100000);
    }
    frames++;   /* the frame that reached the end */
    assert_int_equal(dusk_viewer_time(v), dur);
    assert_true(v->follow);
    /* half the run's duration, to the frame */
    assert_int_equal(frames, (dur + 2 * ms - 1) / (2 * ms));
    print_message("speed 2: a %.1f ms run played in %zu frames of 1 ms\n", dur / 1e6, frames);
    assert_int_equal(dusk_viewer_advance(v, ms), 0);   /* at the end it stays */

    /* backwards to 0 */
    assert_int_equal(dusk_viewer_set_speed(v, -1.0), 0);
    frames = 0;
    while (dusk_viewer_advance(v, ms))
        frames++;
    frames++;
    assert_int_equal(dusk_viewer_time(v), 0);
    assert_int_equal(frames, (dur + ms - 1) / ms);
    dusk_viewer *w = prefix(v, events_upto(v, 0));
    same_picture(v, w, "played back to 0");
    dusk_viewer_free(w);
    assert_int_equal(dusk_viewer_advance(v, ms), 0);

    /* slow motion: a fraction of a ns a frame still moves, in the end */
    assert_int_equal(dusk_viewer_set_speed(v, 0.1), 0);
    dusk_viewer_advance(v, ms);
    assert_int_equal(dusk_viewer_time(v), ms / 10);
    assert_int_equal(dusk_viewer_set_speed(v, 0.25), 0);
    for (int i = 0; i < 8; i++)
        dusk_viewer_advance(v, 1);
    assert_int_equal(dusk_viewer_time(v), ms / 10 + 2);
    /* stopped; NaN refused; an infinite speed jumps to the end */
    assert_int_equal(dusk_viewer_set_speed(v, 0.0), 0);
    assert_int_equal(dusk_viewer_advance(v, ms), 0);
    assert_int_equal(dusk_viewer_time(v), ms / 10 + 2);
    assert_int_equal(dusk_viewer_set_speed(v, 0.0 / 0.0), DUSK_EINVAL);
    assert_int_equal(dusk_viewer_set_speed(v, 1.0 / 0.0), 0);
    assert_int_equal(dusk_viewer_advance(v, 1), 0);
    assert_int_equal(dusk_viewer_time(v), dur);
    assert_int_equal(v->shown, v->nlog);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

/* The replay's id of key, or -1. */
static int64_t replay_id(const dusk_viewer *r, const char *key)
{
    size_t n = dusk_plan_ntasks(r->plan);
    const int64_t *ids = dusk_plan_tasks(r->plan);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(dusk_plan_key(r->plan, ids[i]), key))
            return ids[i];
    return -1;
}

/* The keys of id's dependencies in plan p, sorted, joined by spaces. */
static void dep_keys(const dusk_plan *p, int64_t id, char *buf, size_t n)
{
    const int64_t *deps;
    int64_t nd = dusk_plan_dependencies(p, id, &deps);
    assert_true(nd >= 0);
    const char *k[64];
    assert_true(nd <= 64);
    for (int64_t i = 0; i < nd; i++)
        k[i] = dusk_plan_key(p, deps[i]);
    for (int64_t i = 1; i < nd; i++)
        for (int64_t j = i; j > 0 && strcmp(k[j - 1], k[j]) > 0; j--) {
            const char *x = k[j];
            k[j] = k[j - 1];
            k[j - 1] = x;
        }
    buf[0] = 0;
    for (int64_t i = 0; i < nd; i++) {
        strncat(buf, k[i], n - strlen(buf) - 1);
        strncat(buf, " ", n - strlen(buf) - 1);
    }
}

/* The trace of a live run, loaded into another viewer: the same tasks and
 * edges, and at the end the same states; the RSS samples of the run. */
static void test_load_trace(void **state)
{
    (void)state;
    for (int failing = 0; failing < 2; failing++) {
        dusk_graph *g = naps(failing);
        const char *path = scratch(failing ? "failing.json" : "naps.json");
        dusk_viewer *live = live_run(g, failing, path);
        dusk_viewer *r = dusk_viewer_new(NULL);
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_viewer_load_trace(r, path, &err) != 0)
            fail_msg("%s", err.msg);
        assert_int_equal(dusk_viewer_unplaced(r), 0);
        /* ready to play: at the start, every task waiting or ready */
        assert_int_equal(dusk_viewer_time(r), 0);
        assert_false(r->follow);
        assert_int_equal(dusk_viewer_count(r, DUSK_TASK_WAITING) +
                             dusk_viewer_count(r, DUSK_TASK_READY),
                         dusk_plan_ntasks(r->plan));
        assert_int_equal(r->nworkers, 2);
        assert_true(r->run_over);
        assert_int_equal(r->run_status != 0, failing);
        /* the replay's duration is the run's (from the profiler's clock) */
        uint64_t dl = dusk_viewer_duration(live), dr = dusk_viewer_duration(r);
        assert_true(dr + 1000000 > dl && dl + 1000000 > dr);
        assert_int_equal(dusk_viewer_seek(r, UINT64_MAX), 0);

        /* task by task, by key: the tasks that ran, their edges, their states */
        size_t nl = dusk_plan_ntasks(live->plan), ran = 0;
        const int64_t *lt = dusk_plan_tasks(live->plan);
        char want[512], got[512];
        for (size_t i = 0; i < nl; i++) {
            const char *key = dusk_plan_key(live->plan, lt[i]);
            int64_t id = replay_id(r, key);
            int ls = dusk_viewer_state(live, lt[i]);
            if (id < 0) {
                /* not in the trace: it never started (after the failure) */
                assert_true(failing);
                assert_true(ls == DUSK_TASK_WAITING || ls == DUSK_TASK_READY);
                continue;
            }
            ran++;
            if (dusk_viewer_state(r, id) != ls)
                fail_msg("'%s' is %d in the replay, %d in the run", key,
                         dusk_viewer_state(r, id), ls);
            dep_keys(live->plan, lt[i], want, sizeof want);
            dep_keys(r->plan, id, got, sizeof got);
            assert_string_equal(got, want);
            /* values and aliases come back as such; tasks with their
             * function's name */
            assert_int_equal(dusk_plan_entry_kind(r->plan, id),
                             dusk_plan_entry_kind(live->plan, lt[i]));
            const dusk_func *lf = dusk_plan_func(live->plan, lt[i]);
            if (lf)
                assert_string_equal(dusk_plan_func(r->plan, id)->name, lf->name);
            /* the trace keeps exact ns */
            assert_int_equal(r->t_start[id], live->t_start[lt[i]] - live->t0);
            assert_int_equal(r->t_end[id], live->t_end[lt[i]] - live->t0);
            assert_int_equal(r->worker_of[id], live->worker_of[lt[i]]);
        }
        assert_int_equal(ran, dusk_plan_ntasks(r->plan));
        if (!failing)
            assert_int_equal(ran, nl);
        for (int s = 0; s < DUSK_TASK_NSTATES; s++)
            if (s != DUSK_TASK_WAITING && s != DUSK_TASK_READY)
                assert_int_equal(dusk_viewer_count(r, s), dusk_viewer_count(live, s));
        if (failing)
            assert_int_equal(dusk_viewer_state(r, replay_id(r, "c-1")), DUSK_TASK_ERRED);
        else
            assert_int_equal(dusk_viewer_state(r, replay_id(r, "total")), DUSK_TASK_MEMORY);
        /* the memory panel's RSS: the profiler's samples during the run */
        assert_true(r->nrss > 0);
        for (size_t i = 0; i < r->nrss; i++) {
            assert_true(r->rss[i].t_ns <= dr);
            assert_true(r->rss[i].held > 1000000);   /* a process has a MB resident */
            if (i)
                assert_true(r->rss[i].t_ns >= r->rss[i - 1].t_ns);
        }
        assert_int_equal(dusk__rss_at(r), r->nrss);
        assert_int_equal(dusk_viewer_seek(r, 0), 0);
        assert_true(dusk__rss_at(r) <= 1);
        dusk_viewer_free(r);
        dusk_viewer_free(live);
        dusk_graph_free(g);
    }
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Another tool's trace: X slices only, names repeated. */
static void test_trace_without_deps(void **state)
{
    (void)state;
    const char *path = scratch("other.json");
    write_file(path,
               "{\"traceEvents\":[\n"
               "{\"name\":\"load\",\"ph\":\"X\",\"ts\":0,\"dur\":100,\"pid\":1,\"tid\":0},\n"
               "{\"name\":\"load\",\"ph\":\"X\",\"ts\":10,\"dur\":100,\"pid\":1,\"tid\":1},\n"
               "{\"name\":\"work\",\"ph\":\"X\",\"ts\":150,\"dur\":50,\"pid\":1,\"tid\":0},\n"
               "{\"name\":\"load\",\"ph\":\"X\",\"ts\":160,\"dur\":20,\"pid\":1,\"tid\":1}]}\n");
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_viewer_load_trace(v, path, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_plan_ntasks(v->plan), 4);
    assert_int_equal(dusk_viewer_nlayers(v), 1);   /* no edges: one layer */
    assert_true(replay_id(v, "load") >= 0);
    assert_true(replay_id(v, "work") >= 0);
    int64_t second = replay_id(v, "load #1"), fourth = replay_id(v, "load #3");
    assert_true(second >= 0 && fourth >= 0);
    assert_int_equal(v->nworkers, 2);
    assert_int_equal(dusk_viewer_duration(v), 200000);
    /* at 50 us both first loads run, one per worker */
    assert_int_equal(dusk_viewer_seek(v, 50000), 0);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RUNNING), 2);
    assert_int_equal(dusk_viewer_worker_task(v, 1), second);
    assert_int_equal(dusk_viewer_seek(v, 170000), 0);
    assert_int_equal(dusk_viewer_worker_task(v, 1), fourth);
    assert_int_equal(dusk_viewer_state(v, fourth), DUSK_TASK_RUNNING);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RUNNING), 2);
    dusk_viewer_follow(v);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RUNNING), 0);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_WAITING), 0);
    assert_int_equal(dusk_viewer_count(v, DUSK_TASK_READY), 0);
    dusk_viewer_free(v);
}

/* Errors name the file and leave the viewer as it was. */
static void test_load_errors(void **state)
{
    (void)state;
    dusk_graph *g = naps(0);
    const char *good = scratch("good.json");
    dusk_viewer *live = live_run(g, 0, good);
    dusk_viewer_free(live);
    dusk_viewer *v = dusk_viewer_new(NULL);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_viewer_load_trace(v, good, &err), 0);
    assert_int_equal(dusk_viewer_seek(v, dusk_viewer_duration(v) / 2), 0);
    size_t shown = v->shown, nlog = v->nlog, running = dusk_viewer_count(v, DUSK_TASK_RUNNING);
    const dusk_plan *plan = v->plan;

    char missing[300], bad[300], cycle[300], empty[300], nothing[300];
    snprintf(missing, sizeof missing, "%s", scratch("missing.json"));
    snprintf(empty, sizeof empty, "%s", scratch("empty.json"));
    snprintf(nothing, sizeof nothing, "%s", scratch("nothing.json"));
    write_file(empty, "{\"traceEvents\":[]}\n");
    /* a dusk trace of a run that ran no task: its memory samples only */
    write_file(nothing, "{\"traceEvents\":[\n"
                        "{\"name\":\"memory\",\"ph\":\"C\",\"ts\":0,\"pid\":1,\"tid\":0,"
                        "\"args\":{\"held\":0}}],\n"
                        "\"otherData\":{\"producer\":\"dusk\",\"version\":2}}\n");
    snprintf(bad, sizeof bad, "%s", scratch("bad.json"));
    snprintf(cycle, sizeof cycle, "%s", scratch("cycle.json"));
    write_file(bad, "{\"traceEvents\":[\n"
                    "{\"name\":\"inc\",\"ph\":\"X\",\"ts\":0,\"dur\":1,\"pid\":1,\"tid\":0},\n"
                    "{\"name\":\"inc\",\"ph\":\"X\",\"ts\":");
    /* two records that depend on each other */
    write_file(cycle,
               "{\"traceEvents\":[\n"
               "{\"name\":\"f\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":0,\"dur\":1,\"pid\":1,\"tid\":0},\n"
               "{\"name\":\"p\",\"cat\":\"task.record\",\"ph\":\"i\",\"s\":\"t\",\"ts\":1,\"pid\":1,"
               "\"tid\":0,\"args\":{\"start_ns\":0,\"end_ns\":1000,\"id\":0,\"run\":0,\"deps\":[1]}},\n"
               "{\"name\":\"f\",\"cat\":\"task\",\"ph\":\"X\",\"ts\":2,\"dur\":1,\"pid\":1,\"tid\":0},\n"
               "{\"name\":\"q\",\"cat\":\"task.record\",\"ph\":\"i\",\"s\":\"t\",\"ts\":3,\"pid\":1,"
               "\"tid\":0,\"args\":{\"start_ns\":2000,\"end_ns\":3000,\"id\":1,\"run\":0,\"deps\":[0]}}],\n"
               "\"otherData\":{\"producer\":\"dusk\",\"version\":2}}\n");
    struct {
        const char *path;
        int code;
        const char *says;
    } cases[] = {
        {missing, DUSK_EIO, "No such file"},
        {bad, DUSK_EINVAL, ":3:"},   /* where: line 3 */
        {cycle, DUSK_EINVAL, "cycle"},
        {empty, DUSK_EEMPTY, ": the trace has no tasks"},
        {nothing, DUSK_EEMPTY, ": the trace has no tasks"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        long live_blocks = dusk_alloc_live();
        dusk_error_clear(&err);
        assert_int_equal(dusk_viewer_load_trace(v, cases[i].path, &err), cases[i].code);
        assert_int_equal(err.code, cases[i].code);
        assert_contains(err.msg, cases[i].path);
        assert_contains(err.msg, cases[i].says);
        if (cases[i].code == DUSK_EEMPTY) {   /* exactly "PATH: the trace has no tasks" */
            char want[400];
            snprintf(want, sizeof want, "%s: the trace has no tasks", cases[i].path);
            assert_string_equal(err.msg, want);
        }
        print_message("%s\n", err.msg);
        assert_int_equal(dusk_alloc_live(), live_blocks);   /* nothing kept */
        /* the replay loaded before is still there, where it was */
        assert_ptr_equal(v->plan, plan);
        assert_int_equal(v->nlog, nlog);
        assert_int_equal(v->shown, shown);
        assert_int_equal(dusk_viewer_count(v, DUSK_TASK_RUNNING), running);
    }
    /* loading again replaces the run */
    assert_int_equal(dusk_viewer_load_trace(v, good, &err), 0);
    assert_int_equal(v->nlog, nlog);
    assert_int_equal(dusk_viewer_time(v), 0);
    dusk_viewer_free(v);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seek_random),
        cmocka_unit_test(test_undo_every_index),
        cmocka_unit_test(test_scrub_while_live),
        cmocka_unit_test(test_playback),
        cmocka_unit_test(test_load_trace),
        cmocka_unit_test(test_trace_without_deps),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
