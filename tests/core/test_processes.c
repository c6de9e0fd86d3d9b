/*
** dusk tests — the processes scheduler (DUSK_SCHED_PROCESSES, core/sched/processes.c)
**
** Results computed in other processes (the lecture, random DAGs against
** sync, arrays large enough to travel through shared memory); events on
** the worker processes' indexes; crash isolation: a task that segfaults,
** aborts, calls exit or is killed ends the run with its key and the
** signal, the other worker stops, and no child process is left; retries;
** what cannot travel (opaque values, unregistered functions) refused with
** the key named.
*/
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE   /* MAP_ANONYMOUS */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"

/* --- task functions, registered before any run forks ---------------------- */

/* The pid of the process that runs it. */
static int pid_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                  void *ud)
{
    (void)args, (void)nargs, (void)err, (void)ud;
    *out = dusk_int((int64_t)getpid());
    return *out ? 0 : DUSK_ENOMEM;
}

/* Dies the way ud says, after sleeping args[0] ms if given. */
static int crash_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    (void)err, (void)out;
    if (nargs)
        sleep_ms((int)dusk_value_int(args[0]));
    switch ((int)(intptr_t)ud) {
    case 0: {
        /* A page that may not be touched: a real segfault, which UBSan's
         * null check (halting the child with exit 1) does not see first. */
        volatile char *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *p = 1;
        break;
    }
    case 1:
        abort();
    case 2:
        exit(3);
    case 3:
        kill(getpid(), SIGKILL);
        break;
    }
    sleep_ms(1000);
    return DUSK_ETASK;
}

static const dusk_func crash_segv = {"crash_segv", crash_fn, (void *)0};
static const dusk_func crash_abort = {"crash_abort", crash_fn, (void *)1};
static const dusk_func crash_exit = {"crash_exit", crash_fn, (void *)2};
static const dusk_func crash_kill = {"crash_kill", crash_fn, (void *)3};
static const dusk_func getpid_f = {"getpid", pid_fn, NULL};

/* Segfaults the first time it runs (a marker file args[0] not there yet),
 * then returns args[1]: a task that a restarted worker gets right. */
static int flaky_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    (void)ud, (void)nargs;
    const char *path = dusk_value_str(args[0]);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd >= 0) {
        close(fd);
        raise(SIGSEGV);
    }
    (void)err;
    *out = dusk_value_ref(args[1]);
    return 0;
}
static const dusk_func flaky = {"flaky", flaky_fn, NULL};

/* Appends one byte to the file args[0] names, then aborts: the file's
 * size counts the attempts. */
static int tally_abort_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                          dusk_error *err, void *ud)
{
    (void)ud, (void)nargs, (void)out, (void)err;
    int fd = open(dusk_value_str(args[0]), O_CREAT | O_APPEND | O_WRONLY, 0600);
    if (fd >= 0) {
        if (write(fd, "x", 1) != 1)
            _exit(90);
        close(fd);
    }
    abort();
}
static const dusk_func tally_abort = {"tally_abort", tally_abort_fn, NULL};

/* The size of the file at path (0 when missing). */
static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* An n-element float64 array of 0, 1, 2, ... (args[0] = n). */
static int iota_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    (void)ud, (void)nargs, (void)err;
    int64_t n = dusk_value_int(args[0]);
    *out = dusk_ndarray_empty(DUSK_DT_F8, 1, &n);
    if (!*out)
        return DUSK_ENOMEM;
    double *d = dusk_ndarray_data(*out);
    for (int64_t i = 0; i < n; i++)
        d[i] = (double)i;
    return 0;
}

/* The sum of a float64 array's elements, and the pid that summed it. */
static int asum_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                   void *ud)
{
    (void)ud, (void)nargs;
    if (dusk_value_kind(args[0]) != DUSK_KIND_NDARRAY)
        return dusk_error_set(err, DUSK_ETYPE, "not an array");
    const double *d = dusk_ndarray_data(args[0]);
    double s = 0;
    for (int64_t i = 0; i < dusk_ndarray_size(args[0]); i++)
        s += d[i];
    dusk_value *items[2] = {dusk_float(s), dusk_int((int64_t)getpid())};
    *out = dusk_tuple_of(2, items);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func iota = {"iota", iota_fn, NULL};

/* hog(n): helpers.h's hog_task, n MiB held 300 ms once the other hog holds its own. */
static const dusk_func hog = {"hog", hog_task, NULL};
static const dusk_func asum = {"asum", asum_fn, NULL};

static void nothing(void *p) { (void)p; }

/* Returns an opaque value: which cannot travel back. */
static int opaque_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                     void *ud)
{
    (void)args, (void)nargs, (void)err, (void)ud;
    *out = dusk_opaque(&nothing, nothing, 8);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func make_opaque = {"make_opaque", opaque_fn, NULL};
/* Not registered: cannot travel. */
static const dusk_func unregistered = {"unregistered", pid_fn, NULL};

/* --- child processes ---------------------------------------------------------- */

/* This process's children, zombies included, from /proc. */
static int count_children(void)
{
    DIR *d = opendir("/proc");
    assert_non_null(d);
    int n = 0;
    pid_t me = getpid();
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        /* pid (comm) state ppid: comm may hold spaces, so after the last ')' */
        char *rp = strrchr(buf, ')');
        char state;
        int ppid;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == me)
            n++;
    }
    closedir(d);
    return n;
}

static dusk_options popts(int workers, dusk_run_stats *st)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_PROCESSES;
    o.workers = workers;
    o.stats = st;
    return o;
}

/* --- results ---------------------------------------------------------------------- */

static void test_lecture(void **state)
{
    (void)state;
    int before = count_children();
    for (int w = 1; w <= 3; w++) {
        dusk_graph *g = lecture_dsk();
        dusk_run_stats st;
        dusk_options o = popts(w, &st);
        dusk_error err;
        dusk_value *v = NULL;
        assert_int_equal(dusk_get(g, "z", &o, &v, &err), 0);
        assert_int_value(v, 13);
        assert_int_equal(st.ntasks, 5);
        assert_int_equal(st.workers, w);
        dusk_value_unref(v);
        dusk_graph_free(g);
    }
    assert_int_equal(count_children(), before);
}

/* pretask runs here: it sees the pool's pids (dusk_sched_worker_pids);
 * one thread per worker calls it, hence the lock. */
typedef struct pool_seen {
    pthread_mutex_t mu;
    int pids[8];
    size_t n;
} pool_seen;

static void note_pool(void *ud, int64_t task, int worker)
{
    (void)task, (void)worker;
    pool_seen *ps = ud;
    pthread_mutex_lock(&ps->mu);
    ps->n = dusk_sched_worker_pids(ps->pids, 8);
    pthread_mutex_unlock(&ps->mu);
}

/* The tasks run in other processes: each pid differs from this one's and
 * is one of the pool's, which dusk_sched_worker_pids lists during the run
 * only. */
static void test_runs_elsewhere(void **state)
{
    (void)state;
    assert_int_equal(dusk_sched_worker_pids(NULL, 0), 0);
    dusk_graph *g = dusk_graph_new();
    char key[16];
    for (int i = 0; i < 8; i++) {
        snprintf(key, sizeof key, "p%d", i);
        assert_int_equal(dusk_task(g, key, &getpid_f), 0);
    }
    const char *keys[8] = {"p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"};
    pool_seen ps = {PTHREAD_MUTEX_INITIALIZER, {0}, 0};
    dusk_callbacks cb = {0};
    cb.pretask = note_pool;
    cb.ud = &ps;
    dusk_options o = popts(2, NULL);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get_list(g, keys, 8, &o, &v, &err), 0);
    assert_int_equal(ps.n, 2);
    for (size_t i = 0; i < 8; i++) {
        int64_t pid = dusk_value_int(dusk_tuple_get(v, i));
        assert_true(pid > 0);
        assert_int_not_equal(pid, (int64_t)getpid());
        assert_true(pid == ps.pids[0] || pid == ps.pids[1]);
    }
    assert_int_equal(dusk_sched_worker_pids(NULL, 0), 0);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

/* Random DAGs give sync's results on 1, 2 and 3 worker processes. */
static void test_random_dags(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        rdag d;
        assert_int_equal(rdag_build(&d, seed, 60 + (int)seed * 10), 0);
        const char *keys[4];
        int idx[4];
        rdag_requests(&d, seed, 4, keys, idx);
        dusk_options o = popts((int)(seed % 3) + 1, NULL);
        dusk_error err;
        dusk_value *v = NULL;
        if (dusk_get_list(d.g, keys, 4, &o, &v, &err) != 0)
            fail_msg("seed %d: %s", (int)seed, err.msg);
        for (int i = 0; i < 4; i++)
            assert_int_value(dusk_tuple_get(v, (size_t)i), d.expect[idx[i]]);
        dusk_value_unref(v);
        rdag_free(&d);
    }
}

/* Arrays of 8 MB go to the worker and back through shared memory; small
 * ones through the socket: both arrive whole. */
static void test_arrays_travel(void **state)
{
    (void)state;
    /* Under 4 KiB, between 4 and 64 KiB (the socket, in several writes
     * and reads), either side of the 64 KiB switch to shared memory (8,192
     * doubles: 64 KiB of data plus the encoding's header), and 8 MB. */
    int64_t sizes[] = {10, 1000, 4000, 8180, 8192, 9000, 1000000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        dusk_graph *g = dusk_graph_new();
        assert_int_equal(dusk_task(g, "a", &iota, dusk_lit_int(sizes[k])), 0);
        assert_int_equal(dusk_task(g, "s", &asum, dusk_ref("a")), 0);
        dusk_options o = popts(2, NULL);
        dusk_error err;
        dusk_value *v = NULL;
        const char *keys[] = {"a", "s"};
        assert_int_equal(dusk_get_list(g, keys, 2, &o, &v, &err), 0);
        dusk_value *a = dusk_tuple_get(v, 0), *s = dusk_tuple_get(v, 1);
        assert_int_equal(dusk_ndarray_size(a), sizes[k]);
        const double *d = dusk_ndarray_data(a);
        for (int64_t i = 0; i < sizes[k]; i++)
            if (d[i] != (double)i)
                fail_msg("%" PRId64 " elements: element %" PRId64 " is %g", sizes[k], i, d[i]);
        double n = (double)sizes[k];
        assert_true(dusk_value_float(dusk_tuple_get(s, 0)) == n * (n - 1) / 2);
        assert_int_not_equal(dusk_value_int(dusk_tuple_get(s, 1)), (int64_t)getpid());
        dusk_value_unref(v);
        dusk_graph_free(g);
    }
}

/* Events come from this process with worker ids 0 .. workers-1 (from one
 * thread per worker: hence the atomics). */
typedef struct seen {
    atomic_int starts[4];
    atomic_int ends;
    atomic_int other;
} seen;

static void on_event(void *ud, const dusk_event *ev)
{
    seen *s = ud;
    if (ev->kind == DUSK_EV_START) {
        if (ev->worker >= 0 && ev->worker < 4)
            atomic_fetch_add(&s->starts[ev->worker], 1);
        else
            atomic_fetch_add(&s->other, 1);
    }
    if (ev->kind == DUSK_EV_END)
        atomic_fetch_add(&s->ends, 1);
}

static void test_events_carry_worker(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    char key[16];
    const char *keys[12];
    static char names[12][16];
    for (int i = 0; i < 12; i++) {
        snprintf(key, sizeof key, "s%d", i);
        assert_int_equal(dusk_task(g, key, &dusk_sleep, dusk_lit_int(10), dusk_lit_int(i)), 0);
        snprintf(names[i], sizeof names[i], "%s", key);
        keys[i] = names[i];
    }
    seen s;
    for (int i = 0; i < 4; i++)
        atomic_init(&s.starts[i], 0);
    atomic_init(&s.ends, 0);
    atomic_init(&s.other, 0);
    dusk_callbacks cb = {0};
    cb.on_event = on_event;
    cb.ud = &s;
    dusk_options o = popts(3, NULL);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err;
    dusk_value *v = NULL;
    if (dusk_get_list(g, keys, 12, &o, &v, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(atomic_load(&s.ends), 12);
    assert_int_equal(atomic_load(&s.other), 0);
    assert_int_equal(atomic_load(&s.starts[0]) + atomic_load(&s.starts[1]) +
                         atomic_load(&s.starts[2]), 12);
    assert_int_equal(atomic_load(&s.starts[3]), 0);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

static uint64_t my_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%lu %lu", &size, &res), 2);
    fclose(f);
    return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* The profiler's RSS is the pool's: two workers holding 48 MiB each show
 * in its samples, though this process never holds them. */
static void test_profiler_pool_rss(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    hogs_held(1);
    assert_int_equal(dusk_task(g, "h1", &hog, dusk_lit_int(48)), 0);
    assert_int_equal(dusk_task(g, "h2", &hog, dusk_lit_int(48), dusk_lit_int(2)), 0);
    assert_int_equal(dusk_task(g, "both", &dusk_add, dusk_ref("h1"), dusk_ref("h2")), 0);
    dusk_profiler *p = dusk_profiler_new(NULL);
    assert_non_null(p);
    dusk_callbacks cb = dusk_profiler_callbacks(p);
    dusk_options o = popts(2, NULL);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    uint64_t mine = my_rss();
    dusk_error err;
    dusk_value *v = NULL;
    if (dusk_get(g, "both", &o, &v, &err))
        fail_msg("%s", err.msg);
    assert_int_value(v, 2);
    dusk_value_unref(v);
    uint64_t top = 0;
    const dusk_resource_sample *s = dusk_profiler_samples(p);
    for (size_t i = 0; i < dusk_profiler_nsamples(p); i++)
        if (s[i].rss > top)
            top = s[i].rss;
    print_message("this process %.0f MiB, the pool's peak %.0f MiB\n", mine / 1048576.0,
                  top / 1048576.0);
    assert_int_equal(hogs_held(0), 2);
    assert_true(top >= mine + (80u << 20));
    assert_true(my_rss() < mine + (40u << 20));   /* the 96 MiB were never here */
    dusk_profiler_free(p);
    dusk_graph_free(g);
}

/* --- crashes ------------------------------------------------------------------------- */

/* A graph where 'x' dies (after `after` ms) while 'slow', on the other
 * worker, sleeps: the run fails naming x and how it died, slow's worker
 * stops, and no child is left. */
static void crash_case(const dusk_func *f, int after, const char *want)
{
    int before = count_children();
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "x", f, dusk_lit_int(after)), 0);
    assert_int_equal(dusk_task(g, "slow", &dusk_sleep, dusk_lit_int(50), dusk_lit_int(1)), 0);
    assert_int_equal(dusk_task(g, "z", &dusk_add, dusk_ref("x"), dusk_ref("slow")), 0);
    dusk_options o = popts(2, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    int rc = dusk_get(g, "z", &o, &v, &err);
    assert_int_equal(rc, DUSK_ETASK);
    assert_null(v);
    print_message("%s\n", err.msg);
    assert_contains(err.msg, want);
    assert_int_equal(count_children(), before);
    dusk_graph_free(g);
    /* The graph runs again, on fresh workers. */
    g = lecture_dsk();
    assert_int_equal(dusk_get(g, "z", &o, &v, &err), 0);
    assert_int_value(v, 13);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

static void test_segfault(void **state)
{
    (void)state;
    crash_case(&crash_segv, 0, "task 'x' (crash_segv) died: signal 11 (Segmentation fault)");
}

static void test_abort(void **state)
{
    (void)state;
    crash_case(&crash_abort, 10, "task 'x' (crash_abort) died: signal 6 (Aborted)");
}

static void test_exit(void **state)
{
    (void)state;
    crash_case(&crash_exit, 0, "task 'x' (crash_exit) died: its worker process exited with status");
}

static void test_killed(void **state)
{
    (void)state;
    crash_case(&crash_kill, 0, "task 'x' (crash_kill) died: signal 9 (Killed)");
}

/* A tuple key is named as Dask prints it. */
static void test_crash_tuple_key(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    char key[64];
    int64_t three = 3;
    assert_true(dusk_key_tuple(key, sizeof key, "x", 1, &three) > 0);
    assert_int_equal(dusk_task(g, key, &crash_segv), 0);
    dusk_options o = popts(1, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, key, &o, &v, &err), DUSK_ETASK);
    assert_contains(err.msg, "task ('x', 3) (crash_segv) died: signal 11");
    dusk_graph_free(g);
}

/* retries: a worker that died is restarted and the task sent again. */
static void test_retries(void **state)
{
    (void)state;
    for (int retries = 0; retries <= 2; retries++) {
        const char *marker = scratch("flaky-marker");
        unlink(marker);
        int before = count_children();
        dusk_graph *g = dusk_graph_new();
        assert_int_equal(dusk_task(g, "f", &flaky, dusk_lit_str(marker), dusk_lit_int(42)), 0);
        assert_int_equal(dusk_task(g, "g", &dusk_inc, dusk_ref("f")), 0);
        dusk_options o = popts(2, NULL);
        o.retries = retries;
        dusk_error err;
        dusk_value *v = NULL;
        int rc = dusk_get(g, "g", &o, &v, &err);
        if (retries == 0) {
            assert_int_equal(rc, DUSK_ETASK);
            assert_contains(err.msg, "task 'f' (flaky) died: signal 11");
        } else {
            if (rc)
                fail_msg("retries %d: %s", retries, err.msg);
            assert_int_value(v, 43);
            dusk_value_unref(v);
        }
        assert_int_equal(count_children(), before);
        dusk_graph_free(g);
    }
    /* A task that always dies is tried 1 + retries times, then fails. */
    dusk_options o = popts(1, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    dusk_graph *g;
    for (int retries = 0; retries <= 3; retries++) {
        const char *tally = scratch("tally");
        unlink(tally);
        int before = count_children();
        g = dusk_graph_new();
        assert_int_equal(dusk_task(g, "x", &tally_abort, dusk_lit_str(tally)), 0);
        o.retries = retries;
        assert_int_equal(dusk_get(g, "x", &o, &v, &err), DUSK_ETASK);
        assert_contains(err.msg, "task 'x' (tally_abort) died: signal 6");
        assert_int_equal(file_size(tally), 1 + retries);
        assert_int_equal(count_children(), before);
        dusk_graph_free(g);
    }
    o.retries = -1;
    g = lecture_dsk();
    assert_int_equal(dusk_get(g, "z", &o, &v, &err), DUSK_EINVAL);
    assert_contains(err.msg, "retries is -1");
    dusk_graph_free(g);
}

/* --- what cannot travel ---------------------------------------------------------------- */

static void test_opaque_cannot_travel(void **state)
{
    (void)state;
    int before = count_children();
    /* An opaque argument. */
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_graph_value(g, "handle", dusk_opaque(&nothing, nothing, 8)), 0);
    assert_int_equal(dusk_task(g, "use", &dusk_identity, dusk_ref("handle")), 0);
    dusk_options o = popts(2, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, "use", &o, &v, &err), DUSK_ETYPE);
    assert_contains(err.msg, "task 'use' (identity) failed: its arguments cannot travel between "
                             "processes");
    assert_contains(err.msg, "opaque");
    /* The opaque value itself, asked for, needs no travel. */
    assert_int_equal(dusk_get(g, "handle", &o, &v, &err), 0);
    assert_int_equal(dusk_value_kind(v), DUSK_KIND_OPAQUE);
    dusk_value_unref(v);
    dusk_graph_free(g);
    /* An opaque result. */
    g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "h", &make_opaque), 0);
    assert_int_equal(dusk_get(g, "h", &o, &v, &err), DUSK_ETYPE);
    assert_contains(err.msg, "task 'h' (make_opaque) failed: its result cannot travel between "
                             "processes");
    dusk_graph_free(g);
    /* A function no process can find by name. */
    g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "u", &unregistered), 0);
    assert_int_equal(dusk_get(g, "u", &o, &v, &err), DUSK_EINVAL);
    assert_contains(err.msg, "'u'");
    assert_contains(err.msg, "not registered");
    dusk_graph_free(g);
    assert_int_equal(count_children(), before);
}

/* A task's own error comes back with its message, as on threads. */
static void test_task_error(void **state)
{
    (void)state;
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_graph_value(g, "n", dusk_int(5)), 0);
    assert_int_equal(dusk_task(g, "s", &asum, dusk_ref("n")), 0);
    dusk_options o = popts(2, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, "s", &o, &v, &err), DUSK_ETYPE);
    assert_contains(err.msg, "task 's' (asum) failed: not an array");
    dusk_graph_free(g);
}


/* --- review fixes: concurrent runs, buffered output, shared pages ------------------ */

/* nap(ms): sleeps, gives ms. */
static int nap_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                  void *ud)
{
    (void)nargs, (void)err, (void)ud;
    sleep_ms((int)dusk_value_int(args[0]));
    *out = dusk_int(dusk_value_int(args[0]));
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func nap = {"nap", nap_fn, NULL};

typedef struct timed_run {
    int ms, rc;
    uint64_t took, end;
} timed_run;

static void *run_nap(void *arg)
{
    timed_run *t = arg;
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "n", &nap, dusk_lit_int(t->ms));
    dusk_options o = popts(1, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    uint64_t t0 = now_ns();
    t->rc = dusk_get(g, "n", &o, &v, &err);
    t->end = now_ns();
    t->took = t->end - t0;
    dusk_value_unref(v);
    dusk_graph_free(g);
    return NULL;
}

/* Two processes runs on two threads: the short one ends when its task
 * does, though the long one forked its worker while the short one's was
 * running (that child must not keep the short run's socket open). */
static void test_concurrent_runs_end_apart(void **state)
{
    (void)state;
    timed_run a = {.ms = 300}, b = {.ms = 2500};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, run_nap, &a), 0);
    sleep_ms(100);
    assert_int_equal(pthread_create(&tb, NULL, run_nap, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    print_message("short run %.2f s, long run %.2f s\n", a.took / 1e9, b.took / 1e9);
    /* held by the long run's worker, the short run would end with it,
     * 2.3 s after its own task; a loaded machine delays both alike */
    assert_true(a.end + 1000000000u < b.end);
}

/* say(): writes a line to a stdio stream the caller opened (buffered, as
 * stdout is to a file or a pipe), without flushing it. */
static FILE *say_to;
static int say_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                  void *ud)
{
    (void)args, (void)nargs, (void)err, (void)ud;
    fprintf(say_to, "said in %d\n", (int)getpid());
    *out = dusk_int(1);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func say = {"say", say_fn, NULL};

/* What a task writes to a buffered stream reaches it when its worker
 * ends. */
static void test_task_output_flushed(void **state)
{
    (void)state;
    const char *path = scratch("said.txt");
    say_to = fopen(path, "w");
    assert_non_null(say_to);
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "s", &say);
    dusk_options o = popts(1, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    assert_int_equal(dusk_get(g, "s", &o, &v, &err), 0);
    dusk_value_unref(v);
    dusk_graph_free(g);
    fclose(say_to);   /* this process wrote nothing: its buffer is empty */
    FILE *f = fopen(path, "r");
    char line[64] = "";
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_contains(line, "said in ");
}

/* The resident anonymous memory of this process. */
static long anon_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssAnon: %ld", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
}

/* A big result arrives in shared memory and stays there: this process
 * does not get a private copy of its pages on receiving it. */
static void test_big_result_shared(void **state)
{
    (void)state;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    skip();   /* a sanitizer's own memory moves this process's RSS */
#endif
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &iota, dusk_lit_int(8 << 20));   /* 64 MiB of float64 */
    dusk_options o = popts(1, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    long before = anon_kib();
    if (dusk_get(g, "a", &o, &v, &err))
        fail_msg("%s", err.msg);
    long after = anon_kib();
    assert_int_equal(dusk_value_nbytes(v), (size_t)64 << 20);
    print_message("anonymous memory %ld KiB before, %ld KiB holding the result\n", before,
                  after);
    assert_true(after - before < 16 * 1024);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

/* The inode of the file mapped at p in this process (a memfd's, for an
 * array that came through shared memory), or -1 (anonymous memory: 0). */
static long inode_at(const void *p)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    long inode = -1;
    uintptr_t at = (uintptr_t)p;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, off, ino;
        char perms[8];
        unsigned maj, min;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &lo, &hi, perms, &off, &maj, &min, &ino) ==
                7 &&
            lo <= at && at < hi) {
            inode = (long)ino;
            break;
        }
    }
    if (f)
        fclose(f);
    return inode;
}

/* where(a): the inode of the file a's elements are mapped from in the
 * worker, and their sum. */
static int where_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    (void)ud, (void)nargs;
    if (dusk_value_kind(args[0]) != DUSK_KIND_NDARRAY)
        return dusk_error_set(err, DUSK_ETYPE, "not an array");
    const double *d = dusk_ndarray_data(args[0]);
    double s = 0;
    for (int64_t i = 0; i < dusk_ndarray_size(args[0]); i++)
        s += d[i];
    dusk_value *items[2] = {dusk_int(inode_at(d)), dusk_float(s)};
    *out = dusk_tuple_of(2, items);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func where = {"where", where_fn, NULL};

/* scribble(a): writes -1 over a's elements where they are (a task that
 * writes into its input) and returns their sum. */
static int scribble_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                       dusk_error *err, void *ud)
{
    (void)ud, (void)nargs, (void)err;
    double *d = dusk_ndarray_data(args[0]);
    double s = 0;
    for (int64_t i = 0; i < dusk_ndarray_size(args[0]); i++)
        s += d[i] = -1;
    *out = dusk_float(s);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func scribble = {"scribble", scribble_fn, NULL};

/* total(x, ...): the sum of its arguments: an array's elements, a
 * number, and those in a tuple argument. */
static double total_of(const dusk_value *v)
{
    double s = 0;
    if (dusk_value_kind(v) == DUSK_KIND_NDARRAY) {
        const double *d = dusk_ndarray_data(v);
        for (int64_t i = 0; i < dusk_ndarray_size(v); i++)
            s += d[i];
    } else if (dusk_value_kind(v) == DUSK_KIND_TUPLE) {
        for (size_t i = 0; i < dusk_tuple_len(v); i++)
            s += total_of(dusk_tuple_get(v, i));
    } else {
        dusk_value_number(v, &s);
    }
    return s;
}
static int total_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    (void)ud, (void)err;
    double s = 0;
    for (size_t i = 0; i < nargs; i++)
        s += total_of(args[i]);
    *out = dusk_float(s);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func total = {"total", total_fn, NULL};

static _Atomic long result_inode = -2;

static void note_inode(void *ud, int64_t task, const dusk_value *result, int status, int worker)
{
    (void)ud, (void)status, (void)worker;
    if (task == 0 && result)
        atomic_store(&result_inode, inode_at(dusk_ndarray_data(result)));
}

/* A big result goes on to the tasks that need it in the very memfd it
 * came in (no copy here): the worker that reads it maps the file this
 * process mapped it from. A task that writes into it writes into its own
 * pages: a later task still reads the result as it came. */
static void test_results_passed_on(void **state)
{
    (void)state;
    const int64_t n = 1 << 20;   /* 8 MiB of float64 */
    const double sum = (double)n * (double)(n - 1) / 2;
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "a", &iota, dusk_lit_int(n)), 0);   /* task 0 */
    assert_int_equal(dusk_task(g, "w", &scribble, dusk_ref("a")), 0);
    assert_int_equal(dusk_task(g, "i", &where, dusk_ref("a")), 0);
    /* after w, through a small argument and a tuple beside the array */
    assert_int_equal(dusk_task(g, "s", &total, dusk_ref("a"), dusk_ref("w"),
                               dusk_list(dusk_ref("a"), dusk_lit_int(7))),
                     0);
    dusk_callbacks cb = {.posttask = note_inode};
    dusk_options o = popts(2, NULL);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_error err;
    dusk_value *v = NULL;
    const char *keys[] = {"i", "w", "s"};
    if (dusk_get_list(g, keys, 3, &o, &v, &err))
        fail_msg("%s", err.msg);
    long here = atomic_load(&result_inode);
    dusk_value *i = dusk_tuple_get(v, 0);
    print_message("a's memfd: inode %ld here, %ld in the worker that read it\n", here,
                  (long)dusk_value_int(dusk_tuple_get(i, 0)));
    assert_true(here > 0);
    assert_int_equal(dusk_value_int(dusk_tuple_get(i, 0)), here);
    assert_true(dusk_value_float(dusk_tuple_get(i, 1)) == sum);
    assert_true(dusk_value_float(dusk_tuple_get(v, 1)) == -(double)n);
    /* a twice (its own and in the tuple), w's -n and 7: a as it came */
    assert_true(dusk_value_float(dusk_tuple_get(v, 2)) == 2 * sum - (double)n + 7);
    dusk_value_unref(v);
    dusk_graph_free(g);

    /* More big arguments than one message passes on (16): the rest are
     * encoded as before, and every one arrives. */
    g = dusk_graph_new();
    dusk_arg *refs[24];
    char key[24][8];
    for (int k = 0; k < 24; k++) {
        snprintf(key[k], sizeof key[k], "a%d", k);
        assert_int_equal(dusk_task(g, key[k], &iota, dusk_lit_int(20000 + k)), 0);
        refs[k] = dusk_ref(key[k]);
    }
    assert_int_equal(dusk_graph_taskv(g, "t", &total, 24, refs), 0);
    o.callbacks = NULL;
    o.ncallbacks = 0;
    if (dusk_get(g, "t", &o, &v, &err))
        fail_msg("%s", err.msg);
    double want = 0;
    for (int k = 0; k < 24; k++)
        want += (double)(20000 + k) * (double)(20000 + k - 1) / 2;
    assert_true(dusk_value_float(v) == want);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

/* --- a demanding user's program: nested runs, closed stdio, SIGCHLD ----------- */

/* nested(n): n + 2, computed by a processes run of its own, which this
 * task (in a worker process) starts. A worker that hangs is ended by the
 * alarm, so that the test fails instead of waiting forever. */
static int nested_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                     void *ud)
{
    (void)nargs, (void)ud;
    alarm(30);
    dusk_graph *g = dusk_graph_new();
    if (!g)
        return DUSK_ENOMEM;
    dusk_task(g, "x", &dusk_inc, dusk_lit_int(dusk_value_int(args[0])));
    dusk_task(g, "y", &dusk_inc, dusk_ref("x"));
    dusk_options o = popts(2, NULL);
    int rc = dusk_get(g, "y", &o, out, err);
    dusk_graph_free(g);
    alarm(0);
    return rc;
}
static const dusk_func nested = {"nested", nested_fn, NULL};

/* A task may start a processes run itself (its worker forks workers of
 * its own): the worker's copy of this process's fork lock was held by the
 * thread that forked it, and its list of sockets to close was this
 * process's. */
static void test_task_starts_processes_run(void **state)
{
    (void)state;
#if defined(__SANITIZE_THREAD__)
    skip();   /* the nested run's driver threads start in a forked worker, which TSan
                 does not support (a fork of a process with threads) */
#endif
    int before = count_children();
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "n1", &nested, dusk_lit_int(5)), 0);
    assert_int_equal(dusk_task(g, "n2", &nested, dusk_lit_int(10)), 0);
    assert_int_equal(dusk_task(g, "s", &dusk_add, dusk_ref("n1"), dusk_ref("n2")), 0);
    dusk_options o = popts(2, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    for (int i = 0; i < 3; i++) {
        if (dusk_get(g, "s", &o, &v, &err))
            fail_msg("%s", err.msg);
        assert_int_value(v, 19);
        dusk_value_unref(v);
    }
    assert_int_equal(count_children(), before);
    dusk_graph_free(g);
}

/* noisy(): writes a line to descriptor 1, unbuffered, and returns 5. */
static int noisy_fn(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
                    void *ud)
{
    (void)args, (void)nargs, (void)err, (void)ud;
    static const char line[] = "a task's output on stdout\n";
    ssize_t n = write(1, line, sizeof line - 1);
    (void)n;   /* stdout may be closed: then nothing is written */
    *out = dusk_int(5);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func noisy = {"noisy", noisy_fn, NULL};

/* A program that closed stdin and stdout (a daemon): the sockets must not
 * take descriptors 0 and 1, or what a task writes to stdout arrives in
 * the middle of the messages. */
static void test_closed_stdin_stdout(void **state)
{
    (void)state;
    fflush(stdout);
    int in = dup(0), outfd = dup(1);
    assert_true(in > 2 && outfd > 2);
    close(0);
    close(1);
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "a", &noisy);
    dusk_task(g, "b", &dusk_inc, dusk_ref("a"));
    dusk_task(g, "c", &noisy);
    dusk_task(g, "d", &dusk_add, dusk_ref("b"), dusk_ref("c"));
    dusk_options o = popts(1, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    int rc = dusk_get(g, "d", &o, &v, &err);
    dup2(in, 0);
    dup2(outfd, 1);
    close(in);
    close(outfd);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_value(v, 11);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

/* flaky_say(marker): segfaults the first time, then writes a line to
 * say_to (buffered, not flushed) and returns 1. */
static int flaky_say_fn(dusk_value *const *args, size_t nargs, dusk_value **out,
                        dusk_error *err, void *ud)
{
    (void)nargs, (void)err, (void)ud;
    int fd = open(dusk_value_str(args[0]), O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd >= 0) {
        close(fd);
        raise(SIGSEGV);
    }
    fprintf(say_to, "said again in %d\n", (int)getpid());
    *out = dusk_int(1);
    return *out ? 0 : DUSK_ENOMEM;
}
static const dusk_func flaky_say = {"flaky_say", flaky_say_fn, NULL};

/* A worker restarted by retries is forked by its driver thread, and dies
 * with it (PR_SET_PDEATHSIG): what its tasks wrote to a buffered stream
 * must still reach the stream. */
static void test_restarted_worker_output_flushed(void **state)
{
    (void)state;
    const char *marker = scratch("flaky-say-marker"), *path = scratch("said-again.txt");
    unlink(marker);
    say_to = fopen(path, "w");
    assert_non_null(say_to);
    int before = count_children();
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "f", &flaky_say, dusk_lit_str(marker));
    dusk_options o = popts(1, NULL);
    o.retries = 1;
    dusk_error err;
    dusk_value *v = NULL;
    if (dusk_get(g, "f", &o, &v, &err))
        fail_msg("%s", err.msg);
    assert_int_value(v, 1);
    dusk_value_unref(v);
    dusk_graph_free(g);
    assert_int_equal(count_children(), before);
    fclose(say_to);   /* this process wrote nothing: its buffer is empty */
    FILE *f = fopen(path, "r");
    char line[64] = "";
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_contains(line, "said again in ");
}

/* A program that ignores SIGCHLD (or reaps its children in a handler)
 * leaves no wait status to read: the message says why, not only that the
 * worker is gone. */
static void test_sigchld_ignored(void **state)
{
    (void)state;
    struct sigaction ign = {0}, old;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGCHLD, &ign, &old);
    dusk_graph *g = dusk_graph_new();
    dusk_task(g, "x", &crash_segv);
    dusk_options o = popts(2, NULL);
    dusk_error err;
    dusk_value *v = NULL;
    int rc = dusk_get(g, "x", &o, &v, &err);
    dusk_error first = err;
    dusk_graph_free(g);
    /* and a run that does not crash still works */
    g = lecture_dsk();
    int rc2 = dusk_get(g, "z", &o, &v, &err);
    sigaction(SIGCHLD, &old, NULL);
    assert_int_equal(rc, DUSK_ETASK);
    print_message("%s\n", first.msg);
    assert_contains(first.msg, "task 'x' (crash_segv) died: its worker process ended, and how "
                               "is unknown: this program ignores SIGCHLD");
    assert_int_equal(rc2, 0);
    assert_int_value(v, 13);
    dusk_value_unref(v);
    dusk_graph_free(g);
}

/* Threads of process pid still listed (a zombie leader counts one). */
static int threads_of(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* gate: at its second pass (after the first task ended, before the next
 * is taken) kills (SIGKILL) the run's one worker process and waits until
 * it is dead: a zombie with no other thread left. The leader of a process
 * with threads (a sanitizer's child has one) shows 'Z' while the others
 * still exit, and they hold the process's files, its socket with them, so
 * that a task sent then was taken as received (CI, TSan, under load). */
static int gate_passes, still_running;
static int kill_the_worker(void *ud, int worker, dusk_error *err)
{
    (void)ud, (void)worker, (void)err;
    int pid;
    if (++gate_passes != 2 || dusk_sched_worker_pids(&pid, 1) != 1)
        return 0;
    kill(pid, SIGKILL);
    for (int i = 0;; i++) {
        char path[64], st[256] = "";
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(st, 1, sizeof st - 1, f) : 0;
        if (f)
            fclose(f);
        st[n] = '\0';
        const char *rp = strrchr(st, ')');
        if (!rp || (rp[2] == 'Z' && threads_of(pid) <= 1))
            break;   /* dead, waiting to be reaped */
        if (i == 6000) {
            still_running = pid;   /* failed by the test, not on this thread */
            break;
        }
        sleep_ms(5);
    }
    return 0;
}

/* A worker killed from outside while it waits between tasks never ran
 * the next task sent to it: that task is not blamed ("task 'c' (inc)
 * died: signal 9"), the worker is restarted and the run goes on, with
 * retries 0. */
static void test_idle_worker_killed(void **state)
{
    (void)state;
    int before = count_children();
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "b", &getpid_f), 0);
    assert_int_equal(dusk_task(g, "c", &dusk_inc, dusk_ref("b")), 0);
    dusk_callbacks cb = {0};
    cb.gate = kill_the_worker;
    dusk_options o = popts(1, NULL);
    o.callbacks = &cb;
    o.ncallbacks = 1;
    gate_passes = still_running = 0;
    dusk_error err;
    dusk_value *v = NULL;
    int rc = dusk_get(g, "c", &o, &v, &err);
    if (still_running)
        fail_msg("worker %d was killed and still ran 30 s later", still_running);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_value_kind(v), DUSK_KIND_INT);
    assert_true(gate_passes >= 2);
    dusk_value_unref(v);
    assert_int_equal(count_children(), before);
    dusk_graph_free(g);
}

/* --- the function registry's lock across fork ---------------------------------- */

static atomic_int contend_stop;
static atomic_long contend_lookups;

/* Looks a name up that is not registered, again and again: each lookup
 * scans the whole registry holding its lock, so the lock is held nearly
 * all the time (a thread loading graphs by name does the same). */
static void *contend_registry(void *arg)
{
    (void)arg;
    while (!atomic_load(&contend_stop)) {
        dusk_func_lookup("no-such-function");
        atomic_fetch_add(&contend_lookups, 1);
    }
    return NULL;
}

static void registry_hung(int sig)
{
    (void)sig;
    static const char m[] = "test_registry_lock_across_fork: a run did not end in 30 s (a "
                            "worker forked while another thread held the registry's lock "
                            "waits for it)\n";
    ssize_t n = write(2, m, sizeof m - 1);
    (void)n;
    _exit(1);
}

/* Workers forked while another thread of this process holds the
 * registry's lock look their tasks' functions up all the same: each gets
 * a lock of its own. Before, a worker forked then waited for a lock that
 * no thread of it would release, and its run never ended (the alarm ends
 * this test instead). */
static void test_registry_lock_across_fork(void **state)
{
    (void)state;
    for (int i = 0; i < 512; i++) {   /* a long scan: the lock is held longer */
        char k[32];
        snprintf(k, sizeof k, "contend-%d", i);
        assert_int_equal(dusk_func_register_as(k, &nap), 0);
    }
    dusk_graph *g = dusk_graph_new();
    for (int i = 0; i < 4; i++) {
        char k[8];
        snprintf(k, sizeof k, "a%d", i);
        assert_int_equal(dusk_task(g, k, &dusk_inc, dusk_lit_int(i)), 0);
    }
    assert_int_equal(dusk_task(g, "s", &dusk_sum,
                               dusk_list(dusk_ref("a0"), dusk_ref("a1"), dusk_ref("a2"),
                                         dusk_ref("a3"))),
                     0);
    signal(SIGALRM, registry_hung);
    alarm(30);
    atomic_store(&contend_stop, 0);
    atomic_store(&contend_lookups, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, contend_registry, NULL), 0);
    while (atomic_load(&contend_lookups) == 0)
        sleep_ms(1);
    dusk_options o = popts(2, NULL);
    int ok = 0;
    for (int i = 0; i < 25; i++) {
        dusk_error err;
        dusk_value *v = NULL;
        int rc = dusk_get(g, "s", &o, &v, &err);
        ok += rc == 0 && v && dusk_value_int(v) == 1 + 2 + 3 + 4;
        dusk_value_unref(v);
    }
    atomic_store(&contend_stop, 1);
    pthread_join(th, NULL);
    alarm(0);
    signal(SIGALRM, SIG_DFL);
    print_message("25 runs (50 workers forked) beside %ld lookups\n",
                  atomic_load(&contend_lookups));
    assert_int_equal(ok, 25);
    dusk_graph_free(g);
}

int main(void)
{
    const dusk_func *fs[] = {&crash_segv, &crash_abort, &crash_exit, &crash_kill, &getpid_f,
                             &flaky, &tally_abort, &iota, &asum, &make_opaque, &hog, &nap,
                             &say, &nested, &noisy, &flaky_say, &where, &scribble, &total};
    for (size_t i = 0; i < sizeof fs / sizeof *fs; i++)
        if (dusk_func_register(fs[i]) != 0)
            return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lecture),
        cmocka_unit_test(test_runs_elsewhere),
        cmocka_unit_test(test_random_dags),
        cmocka_unit_test(test_arrays_travel),
        cmocka_unit_test(test_events_carry_worker),
        cmocka_unit_test(test_profiler_pool_rss),
        cmocka_unit_test(test_segfault),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_exit),
        cmocka_unit_test(test_killed),
        cmocka_unit_test(test_crash_tuple_key),
        cmocka_unit_test(test_retries),
        cmocka_unit_test(test_opaque_cannot_travel),
        cmocka_unit_test(test_task_error),
        cmocka_unit_test(test_concurrent_runs_end_apart),
        cmocka_unit_test(test_task_output_flushed),
        cmocka_unit_test(test_big_result_shared),
        cmocka_unit_test(test_results_passed_on),
        cmocka_unit_test(test_task_starts_processes_run),
        cmocka_unit_test(test_closed_stdin_stdout),
        cmocka_unit_test(test_restarted_worker_output_flushed),
        cmocka_unit_test(test_sigchld_ignored),
        cmocka_unit_test(test_idle_worker_killed),
        cmocka_unit_test(test_registry_lock_across_fork),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
