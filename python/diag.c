/*
** python/diag.c — dusk.diagnostics and dusk.view() underneath: the
** listeners switched on for every computation made meanwhile
**
** Profiler, ResourceProfiler, CacheProfiler and ProgressBar (dusk/
** diagnostics.py) are context managers over _dusk.Profile and
** _dusk.Progress, which wrap a dusk_profiler and a dusk_progress. Entering
** one pushes it on a list of active listeners; every dusk.get and every
** array computation started while it is active gives its callbacks to the
** run (pyd_listeners). dusk.view() sets the view flag, which makes
** computations open the live window (dusk_view_get and friends).
**
** Threads: the list is read and changed with the GIL held.
**
** Both types take part in Python's cyclic GC for the Python objects they
** hold: a Profile its {text: key} of keys met (any hashable a graph used),
** a Progress the file it draws on (which may hold the bar: out.bar = bar).
** tp_clear drops them; a Progress without its file draws nothing. One
** that is active or lent to a run is not garbage (the list and the run's
** pyd_run_ctl hold strong references, from C).
*/
#include "pydusk.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_LISTENERS = PYD_MAX_LISTENERS };

static void progress_drain_owner(PyObject *o);   /* GIL held */

static dusk_callbacks active[MAX_LISTENERS];
static PyObject *active_owner[MAX_LISTENERS];   /* strong references */
static size_t nactive;
static int view_depth;
static dusk_view_options view_opts;
static char view_title[256];

/* The run's own gate: refuses once the caller has seen a signal. */
static int cancel_gate(void *ud, int worker, dusk_error *err)
{
    (void)ud;
    (void)worker;
    return dusk_error_set(err, DUSK_ECANCELED, "interrupted (KeyboardInterrupt)");
}

void pyd_listeners(dusk_options *opts, pyd_run_ctl *ctl)
{
    /* A copy per run: another thread's run may start while this one goes
     * on, with other listeners; the owners stay alive until it ends. */
    memcpy(ctl->cb, active, nactive * sizeof *ctl->cb);
    for (size_t i = 0; i < nactive; i++) {
        ctl->owner[i] = active_owner[i];
        Py_INCREF(ctl->owner[i]);
    }
    ctl->nowners = nactive;
    ctl->cancel = 0;
    /* Armed only by a signal: until then the scheduler never calls it. */
    ctl->cb[nactive] = (dusk_callbacks){.ud = ctl, .gate = cancel_gate, .gate_armed = &ctl->cancel};
    opts->callbacks = ctl->cb;
    opts->ncallbacks = nactive + 1;
}

void pyd_listeners_release(pyd_run_ctl *ctl)
{
    for (size_t i = 0; i < ctl->nowners; i++) {
        progress_drain_owner(ctl->owner[i]);
        Py_CLEAR(ctl->owner[i]);
    }
    ctl->nowners = 0;
}

void pyd_listeners_drain(pyd_run_ctl *ctl)
{
    for (size_t i = 0; i < ctl->nowners; i++)
        progress_drain_owner(ctl->owner[i]);
}

typedef struct {
    int (*fn)(void *);
    void *arg;
    int rc, done;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} waited_run;

/* Marks w done; w is the caller's, gone once it sees done. */
static void waited_finish(waited_run *w, int rc)
{
    pthread_mutex_lock(&w->mu);
    w->rc = rc;
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static void *waited_main(void *p)
{
    waited_run *w = p;
    waited_finish(w, w->fn(w->arg));
    return NULL;
}

/* The helper: one thread, made at the first run and kept, that runs the
 * computations the callers wait for. A thread made per run cost a tiny
 * graph 0.5-0.9 ms a call on a loaded machine (making it and waking the
 * caller). A run that finds it busy (another Python thread's, or a task
 * computing a graph of its own) gets a thread of its own, as before. A
 * forked child has no helper: the child's first run makes one. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* the helper waits here for a job */
    int started, busy;
    waited_run *job;
} helper = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, NULL};

static void *helper_main(void *unused)
{
    (void)unused;
#ifdef __linux__
    pthread_setname_np(pthread_self(), "dusk-helper");
#endif
    pthread_mutex_lock(&helper.mu);
    for (;;) {
        while (!helper.job)
            pthread_cond_wait(&helper.cv, &helper.mu);
        waited_run *w = helper.job;
        helper.job = NULL;
        pthread_mutex_unlock(&helper.mu);
        int rc = w->fn(w->arg);
        pthread_mutex_lock(&helper.mu);
        helper.busy = 0;    /* before w is done: its caller's next run finds it free */
        pthread_mutex_unlock(&helper.mu);
        waited_finish(w, rc);
        pthread_mutex_lock(&helper.mu);
    }
    return NULL;
}

static void helper_forked(void)
{
    /* The child has this thread only: its mutex, as another thread held
     * it in the parent, is made anew. */
    pthread_mutex_init(&helper.mu, NULL);
    pthread_cond_init(&helper.cv, NULL);
    helper.started = helper.busy = 0;
    helper.job = NULL;
}

/* Hands w to the helper, making it at the first call; 0, or -1 when w
 * needs a thread of its own (the helper busy, or not made). */
static int helper_post(waited_run *w)
{
    int rc = -1;
    pthread_mutex_lock(&helper.mu);
    if (!helper.started) {
        static int atfork;
        pthread_attr_t at;
        pthread_t th;
        if (!atfork)
            atfork = pthread_atfork(NULL, NULL, helper_forked) == 0;
        if (atfork && pthread_attr_init(&at) == 0) {
            pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
            helper.started = pthread_create(&th, &at, helper_main, NULL) == 0;
            pthread_attr_destroy(&at);
        }
    }
    if (helper.started && !helper.busy) {
        helper.busy = 1;
        helper.job = w;
        pthread_cond_signal(&helper.cv);
        rc = 0;
    }
    pthread_mutex_unlock(&helper.mu);
    return rc;
}

int pyd_run_wait(pyd_run_ctl *ctl, PyThreadState *ts, int (*fn)(void *), void *arg,
                 int *interrupted)
{
    *interrupted = 0;
    waited_run w = {.fn = fn, .arg = arg};
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_t th;
    int own = 0;
    if (helper_post(&w) != 0) {
        own = pthread_create(&th, NULL, waited_main, &w) == 0;
        if (!own) {
            w.rc = fn(arg);   /* uninterruptible, but done */
            w.done = 1;
        }
    }
    pthread_mutex_lock(&w.mu);
    while (!w.done) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += 100 * 1000 * 1000;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w.cv, &w.mu, &t);
        if (w.done || *interrupted)
            continue;
        pthread_mutex_unlock(&w.mu);
        /* The GIL only for the check: the run's tasks need it. */
        PyEval_RestoreThread(ts);
        if (PyErr_CheckSignals() < 0) {
            *interrupted = 1;
            __atomic_store_n(&ctl->cancel, 1, __ATOMIC_SEQ_CST);
        }
        pyd_listeners_drain(ctl);
        PyEval_SaveThread();
        pthread_mutex_lock(&w.mu);
    }
    pthread_mutex_unlock(&w.mu);
    if (own)
        pthread_join(th, NULL);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    return w.rc;
}

/* Ctrl-C while the live window is open: Python's handler only notes the
 * signal for the main thread to see, and that thread is in the window's
 * loop, so a paused run never ended. dusk's own handler instead sets the
 * window's stop flag (the window closes, the run stops) for the call, and
 * hands the signal to Python after it (PyErr_SetInterruptEx), whose
 * handler then runs as it would have: KeyboardInterrupt, or the user's.
 * Only on Python's main thread, and only over Python's own handler: an
 * ignored SIGINT, the default one or a host's (SA_SIGINFO) are left as
 * they are. */
static int view_sigint;

static void on_view_sigint(int sig)
{
    (void)sig;
    __atomic_store_n(&view_sigint, 1, __ATOMIC_RELEASE);
}

/* Whether this is Python's main thread (GIL held). */
static int on_main_thread(void)
{
    PyObject *threading = PyImport_ImportModule("threading");
    PyObject *main = threading ? PyObject_CallMethod(threading, "main_thread", NULL) : NULL;
    PyObject *ident = main ? PyObject_GetAttrString(main, "ident") : NULL;
    int yes = ident && PyLong_AsUnsignedLong(ident) == PyThread_get_thread_ident();
    Py_XDECREF(ident);
    Py_XDECREF(main);
    Py_XDECREF(threading);
    PyErr_Clear();
    return yes;
}

void pyd_view_watch(pyd_view_sig *s)
{
    s->installed = 0;
    if (!on_main_thread() || sigaction(SIGINT, NULL, &s->old) != 0)
        return;
    if ((s->old.sa_flags & SA_SIGINFO) || s->old.sa_handler == SIG_IGN ||
        s->old.sa_handler == SIG_DFL)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_view_sigint;
    sigemptyset(&sa.sa_mask);
    __atomic_store_n(&view_sigint, 0, __ATOMIC_RELEASE);
    s->installed = sigaction(SIGINT, &sa, NULL) == 0;
}

const int *pyd_view_flag(const pyd_view_sig *s)
{
    return s->installed ? &view_sigint : NULL;
}

int pyd_view_unwatch(pyd_view_sig *s)
{
    if (!s->installed)
        return 0;
    sigaction(SIGINT, &s->old, NULL);
    s->installed = 0;
    if (!__atomic_exchange_n(&view_sigint, 0, __ATOMIC_ACQ_REL))
        return 0;
    PyErr_SetInterruptEx(SIGINT);
    return PyErr_CheckSignals() < 0;
}

int pyd_view_active(dusk_view_options *vo)
{
    if (vo && view_depth)
        *vo = view_opts;
    return view_depth > 0;
}

static int push_listener(PyObject *owner, dusk_callbacks cb)
{
    if (nactive == MAX_LISTENERS) {
        PyErr_Format(PyExc_RuntimeError, "more than %d dusk diagnostics active at once",
                     MAX_LISTENERS);
        return -1;
    }
    for (size_t i = 0; i < nactive; i++) {
        if (active_owner[i] == owner) {
            PyErr_SetString(PyExc_RuntimeError, "this diagnostic is already active");
            return -1;
        }
    }
    Py_INCREF(owner);
    active_owner[nactive] = owner;
    active[nactive++] = cb;
    return 0;
}

static void pop_listener(PyObject *owner)
{
    for (size_t i = 0; i < nactive; i++) {
        if (active_owner[i] == owner) {
            Py_DECREF(owner);
            memmove(active_owner + i, active_owner + i + 1, (nactive - i - 1) * sizeof *active_owner);
            memmove(active + i, active + i + 1, (nactive - i - 1) * sizeof *active);
            nactive--;
            return;
        }
    }
}

/* --- _dusk.Profile: a dusk_profiler ------------------------------------------------ */

static long nprofiles;   /* _dusk.Profile objects alive */

int pyd_profiles_alive(void)
{
    return nprofiles > 0;
}

typedef struct {
    PyObject_HEAD
    dusk_profiler *p;
    int active, block;     /* listening; dusk_profiler_begin called */
    PyObject *keys;        /* {text: key} of keys their text does not say, or NULL */
    PyObject *graphs;      /* [dsk, ...] of the dusk.get runs recorded (for
                              Dask's TaskData.task, dsk[key]), or NULL */
} profobject;

static PyTypeObject ProfType;

/* Whether .results reads key k back from its text alone: a str that does
 * not read as a tuple, or Dask's tuple of strs and ints, ('x', 0, 1), which
 * diagnostics.py's literal_eval makes again (most keys of a big graph). */
static int key_text_says(PyObject *k)
{
    if (PyUnicode_CheckExact(k))
        return PyUnicode_GET_LENGTH(k) == 0 || PyUnicode_READ_CHAR(k, 0) != '(';
    if (!PyTuple_CheckExact(k) || PyTuple_GET_SIZE(k) == 0)
        return 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(k); i++) {
        PyObject *it = PyTuple_GET_ITEM(k, i);
        if (!PyUnicode_CheckExact(it) && !PyLong_CheckExact(it))
            return 0;
    }
    return 1;
}

static void listeners_note_graph(pyd_run_ctl *ctl, PyObject *dsk);

void pyd_profiles_note_keys(pyd_run_ctl *ctl, PyObject *dsk)
{
    listeners_note_graph(ctl, dsk);
    PyObject *found = NULL;
    for (size_t i = 0; i < ctl->nowners; i++) {
        if (!PyObject_TypeCheck(ctl->owner[i], &ProfType))
            continue;
        profobject *pr = (profobject *)ctl->owner[i];
        if (!pr->graphs)
            pr->graphs = PyList_New(0);
        if (pr->graphs && PyList_Append(pr->graphs, dsk) < 0)
            break;
        if (!found) {
            /* dusk records keys by their text only: those it does not say
             * (1, a str "(1, 2)"), by their text. */
            found = PyDict_New();
            Py_ssize_t pos = 0;
            PyObject *k, *v;
            while (found && PyDict_Next(dsk, &pos, &k, &v)) {
                if (key_text_says(k))
                    continue;
                PyObject *t = pyd_key_text(k);
                if (!t || PyDict_SetItem(found, t, k) < 0)
                    Py_CLEAR(found);
                Py_XDECREF(t);
            }
            if (!found)
                break;
        }
        if (!pr->keys)
            pr->keys = PyDict_New();
        if (!pr->keys || PyDict_Update(pr->keys, found) < 0)
            break;
    }
    Py_XDECREF(found);
    PyErr_Clear();   /* without them .results gives the texts */
}

static PyObject *prof_new(PyTypeObject *t, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"dt", "cache_metric", NULL};
    double dt = 0;
    const char *metric = "bytes";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|ds:Profile", kwlist, &dt, &metric))
        return NULL;
    /* (NaN fails every comparison: the check says what dt may be) */
    if (!(dt == 0 || (dt >= 0.001 && isfinite(dt)))) {
        PyObject *v = PyFloat_FromDouble(dt);   /* PyErr_Format has no %g */
        if (v)
            PyErr_Format(PyExc_ValueError, "dt must be 0 (adaptive) or at least 0.001 s, not %R", v);
        Py_XDECREF(v);
        return NULL;
    }
    dusk_profiler_options o = DUSK_PROFILER_OPTIONS_INIT;
    o.dt = dt;
    if (!strcmp(metric, "count"))
        o.cache_metric = DUSK_CACHE_COUNT;
    else if (strcmp(metric, "bytes")) {
        PyErr_Format(PyExc_ValueError, "cache_metric must be 'bytes' or 'count', not '%s'", metric);
        return NULL;
    }
    profobject *self = (profobject *)t->tp_alloc(t, 0);
    if (!self)
        return NULL;
    nprofiles++;
    self->p = dusk_profiler_new(&o);
    if (!self->p) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static int prof_traverse(profobject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->keys);   /* a subclass's __dict__ and type: subtype_traverse's */
    Py_VISIT(self->graphs);
    return 0;
}

static int prof_gc_clear(profobject *self)
{
    Py_CLEAR(self->keys);   /* .results then gives the keys' texts */
    Py_CLEAR(self->graphs);
    return 0;
}

static void prof_dealloc(profobject *self)
{
    PyObject_GC_UnTrack(self);
    if (self->block)
        dusk_profiler_end(self->p);
    dusk_profiler_free(self->p);
    Py_CLEAR(self->keys);
    Py_CLEAR(self->graphs);
    if (--nprofiles == 0)
        pyd_funcs_release();
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Starts listening to every computation; block: also sample resources
 * between runs, until _stop. */
static PyObject *prof_start(profobject *self, PyObject *args)
{
    int block = 0;
    if (!PyArg_ParseTuple(args, "|p:_start", &block))
        return NULL;
    if (push_listener((PyObject *)self, dusk_profiler_callbacks(self->p)) < 0)
        return NULL;
    if (block) {
        int rc = dusk_profiler_begin(self->p);
        if (rc) {
            pop_listener((PyObject *)self);
            return pyd_raise(rc, NULL);
        }
        self->block = 1;
    }
    self->active = 1;
    Py_RETURN_NONE;
}

static PyObject *prof_stop(profobject *self, PyObject *unused)
{
    (void)unused;
    if (self->block)
        dusk_profiler_end(self->p);
    self->block = 0;
    self->active = 0;
    pop_listener((PyObject *)self);
    Py_RETURN_NONE;
}

static PyObject *prof_clear(profobject *self, PyObject *unused)
{
    (void)unused;
    dusk_profiler_clear(self->p);
    Py_CLEAR(self->keys);
    Py_CLEAR(self->graphs);
    Py_RETURN_NONE;
}

/* Task records as (key, function, start, end, worker, nbytes, status,
 * run, released, (dependency record indexes)), times in seconds from the
 * profile's epoch. */
static PyObject *prof_tasks(profobject *self, PyObject *unused)
{
    (void)unused;
    size_t n = dusk_profiler_ntasks(self->p);
    const dusk_task_record *t = dusk_profiler_tasks(self->p);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *deps = PyTuple_New((Py_ssize_t)t[i].ndeps);
        for (uint32_t j = 0; deps && j < t[i].ndeps; j++) {
            PyObject *d = PyLong_FromSize_t(t[i].deps[j]);
            if (!d)
                Py_CLEAR(deps);
            else
                PyTuple_SET_ITEM(deps, (Py_ssize_t)j, d);
        }
        PyObject *r = deps ? Py_BuildValue("(ssddiKiidN)", t[i].key, t[i].func, t[i].start_ns / 1e9,
                                           t[i].end_ns / 1e9, (int)t[i].worker,
                                           (unsigned long long)t[i].nbytes, (int)t[i].status,
                                           (int)t[i].run, t[i].released_ns / 1e9, deps)
                           : NULL;
        if (!r) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, r);
    }
    return l;
}

/* Resource samples as (time, rss bytes, held bytes, cpu %). */
static PyObject *prof_samples(profobject *self, PyObject *unused)
{
    (void)unused;
    size_t n = dusk_profiler_nsamples(self->p);
    const dusk_resource_sample *s = dusk_profiler_samples(self->p);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *r = Py_BuildValue("(dKKd)", s[i].t_ns / 1e9, (unsigned long long)s[i].rss,
                                    (unsigned long long)s[i].held, s[i].cpu);
        if (!r) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, r);
    }
    return l;
}

/* {group: [(time, value), ...]} of the cache series ('' for all). */
static PyObject *prof_cache(profobject *self, PyObject *unused)
{
    (void)unused;
    size_t ng = dusk_profiler_ngroups(self->p);
    PyObject *d = PyDict_New();
    for (size_t k = 0; d && k <= ng; k++) {
        const dusk_cache_point *pts;
        size_t n = dusk_profiler_cache_series(self->p, k, &pts);
        PyObject *l = PyList_New((Py_ssize_t)n);
        for (size_t i = 0; l && i < n; i++)
            PyList_SET_ITEM(l, (Py_ssize_t)i, Py_BuildValue("(dd)", pts[i].t_ns / 1e9, pts[i].value));
        if (!l || PyDict_SetItemString(d, k < ng ? dusk_profiler_group(self->p, k) : "", l) < 0)
            Py_CLEAR(d);
        Py_XDECREF(l);
    }
    return d;
}

static PyObject *prof_summary(profobject *self, PyObject *unused)
{
    (void)unused;
    dusk_profile_summary s;
    int rc = dusk_profiler_summary(self->p, &s);
    if (rc)
        return pyd_raise(rc, NULL);
    PyObject *funcs = PyList_New((Py_ssize_t)s.nfuncs);
    for (size_t i = 0; funcs && i < s.nfuncs; i++)
        PyList_SET_ITEM(funcs, (Py_ssize_t)i,
                        Py_BuildValue("{s:s,s:K,s:d,s:d,s:d}", "function", s.funcs[i].func, "count",
                                      (unsigned long long)s.funcs[i].count, "total",
                                      s.funcs[i].total_ns / 1e9, "max", s.funcs[i].max_ns / 1e9,
                                      "share", s.funcs[i].share));
    if (!funcs)
        return NULL;
    return Py_BuildValue("{s:K,s:K,s:n,s:d,s:d,s:i,s:d,s:d,s:N}", "ntasks",
                         (unsigned long long)s.ntasks, "nerrors", (unsigned long long)s.nerrors,
                         "nruns", (Py_ssize_t)s.nruns, "wall", s.wall_ns / 1e9, "busy",
                         s.busy_ns / 1e9, "workers", s.workers, "efficiency", s.efficiency,
                         "critical_path", s.critical_ns / 1e9, "functions", funcs);
}

static PyObject *prof_write(profobject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"kind", "path", "title", "graph_svg", NULL};
    const char *kind, *title = NULL, *svg = NULL;
    PyObject *path;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sO&|zz:_write", kwlist, &kind,
                                     PyUnicode_FSConverter, &path, &title, &svg))
        return NULL;
    const char *p = PyBytes_AS_STRING(path);
    dusk_error err = DUSK_ERROR_INIT;
    int rc;
    if (!strcmp(kind, "report")) {
        dusk_report_options o = DUSK_REPORT_OPTIONS_INIT;
        o.title = title;
        o.graph_svg = svg;
        rc = dusk_profiler_write_report(self->p, p, &o, &err);
    } else if (!strcmp(kind, "trace")) {
        rc = dusk_profiler_write_trace(self->p, p, NULL, &err);
    } else if (!strcmp(kind, "chart")) {
        dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
        o.title = title;
        rc = dusk_profiler_write_chart(self->p, p, &o, &err);
    } else if (!strcmp(kind, "tasks.csv")) {
        rc = dusk_profiler_write_tasks_csv(self->p, p, &err);
    } else if (!strcmp(kind, "resources.csv")) {
        rc = dusk_profiler_write_resources_csv(self->p, p, &err);
    } else if (!strcmp(kind, "cache.csv")) {
        rc = dusk_profiler_write_cache_csv(self->p, p, &err);
    } else {
        Py_DECREF(path);
        PyErr_Format(PyExc_ValueError, "nothing to write called '%s'", kind);
        return NULL;
    }
    Py_DECREF(path);
    if (rc)
        return pyd_raise(rc, &err);
    Py_RETURN_NONE;
}

static PyMethodDef prof_methods[] = {
    {"_start", (PyCFunction)prof_start, METH_VARARGS, "listen to computations"},
    {"_stop", (PyCFunction)prof_stop, METH_NOARGS, "stop listening"},
    {"clear", (PyCFunction)prof_clear, METH_NOARGS, "forget every record"},
    {"_tasks", (PyCFunction)prof_tasks, METH_NOARGS, "task records"},
    {"_samples", (PyCFunction)prof_samples, METH_NOARGS, "resource samples"},
    {"_cache", (PyCFunction)prof_cache, METH_NOARGS, "cache series"},
    {"summary", (PyCFunction)prof_summary, METH_NOARGS, "the summary, as a dict"},
    {"_write", (PyCFunction)(void (*)(void))prof_write, METH_VARARGS | METH_KEYWORDS,
     "write a report, trace, chart or CSV"},
    {NULL, NULL, 0, NULL},
};

static PyObject *prof_keys(profobject *self, void *c)
{
    (void)c;
    if (!self->keys)
        return PyDict_New();
    Py_INCREF(self->keys);
    return self->keys;
}

static PyObject *prof_graphs(profobject *self, void *c)
{
    (void)c;
    if (!self->graphs)
        return PyList_New(0);
    Py_INCREF(self->graphs);
    return self->graphs;
}

static PyGetSetDef prof_getset[] = {
    {"_graphs", (getter)prof_graphs, NULL, "[dsk, ...] of the dusk.get runs recorded", NULL},
    {"_keys", (getter)prof_keys, NULL, "{text: key} of the keys their text does not say", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ProfType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dusk._dusk.Profile",
    .tp_basicsize = sizeof(profobject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A dusk_profiler (dusk.diagnostics' profilers are made of it).",
    .tp_new = prof_new,
    .tp_dealloc = (destructor)prof_dealloc,
    .tp_traverse = (traverseproc)prof_traverse,
    .tp_clear = (inquiry)prof_gc_clear,
    .tp_methods = prof_methods,
    .tp_getset = prof_getset,
};

/* --- _dusk.Progress: a dusk_progress ------------------------------------------------ */

/* The bar is drawn by dusk's C thread into a FILE of our own (fopencookie)
 * whose writes only gather the text, under a mutex and without the GIL;
 * whoever holds the GIL hands it to the Python file object's write (the
 * caller of a run, every 100 ms while it waits, and when it ends; _stop),
 * so that the bar shows wherever Python's out goes: sys.stdout by default
 * as in Dask, a Jupyter cell, io.StringIO. */
typedef struct {
    PyObject_HEAD
    dusk_progress *b;
    FILE *out;          /* the gathering FILE */
    PyObject *pyout;    /* the Python file object (strong) */
    pthread_mutex_t mu; /* guards text */
    char *text;         /* gathered, not yet written */
    size_t len, cap;
} progobject;

enum { PROGRESS_TEXT_MAX = 1 << 16 };   /* a bar behind by more keeps its tail */

static ssize_t progress_gather(void *cookie, const char *buf, size_t n)
{
    progobject *self = cookie;
    pthread_mutex_lock(&self->mu);
    if (self->len + n > PROGRESS_TEXT_MAX) {
        /* Redraws only: the newest text is what matters. */
        size_t keep = n >= PROGRESS_TEXT_MAX / 2 ? 0 : PROGRESS_TEXT_MAX / 2 - n;
        if (keep > self->len)
            keep = self->len;
        memmove(self->text, self->text + self->len - keep, keep);
        self->len = keep;
        if (n > PROGRESS_TEXT_MAX / 2) {
            buf += n - PROGRESS_TEXT_MAX / 2;
            n = PROGRESS_TEXT_MAX / 2;
        }
    }
    if (self->len + n > self->cap) {
        size_t cap = self->cap ? self->cap : 256;
        while (cap < self->len + n)
            cap *= 2;
        char *t = realloc(self->text, cap);
        if (!t) {
            pthread_mutex_unlock(&self->mu);
            return (ssize_t)n;   /* a lost redraw, not a failed run */
        }
        self->text = t;
        self->cap = cap;
    }
    memcpy(self->text + self->len, buf, n);
    self->len += n;
    pthread_mutex_unlock(&self->mu);
    return (ssize_t)n;
}

/* Writes the gathered text to the Python file; GIL held. A file that
 * fails to take it loses the bar, not the run (the error is reported as
 * unraisable). */
static void progress_drain(progobject *self)
{
    if (!self->pyout)
        return;
    /* a pending exception stays, whatever happens here: ^C, or the one a
     * `with ProgressBar():` block raises, which reaches this through
     * __exit__ or the bar's dealloc (clearing it crashed the interpreter) */
    PyObject *exc_type, *exc, *tb;
    PyErr_Fetch(&exc_type, &exc, &tb);
    pthread_mutex_lock(&self->mu);
    PyObject *t = self->len ? PyUnicode_DecodeUTF8(self->text, (Py_ssize_t)self->len, "replace")
                            : NULL;
    self->len = 0;
    pthread_mutex_unlock(&self->mu);
    if (!t) {
        PyErr_Clear();   /* the decoder's own error, if any */
        PyErr_Restore(exc_type, exc, tb);
        return;
    }
    PyObject *out = Py_NewRef(self->pyout);   /* write() may run a collection */
    PyObject *r = PyObject_CallMethod(out, "write", "O", t);
    if (r) {
        Py_DECREF(r);
        r = PyObject_CallMethod(out, "flush", NULL);
    }
    if (!r)
        PyErr_WriteUnraisable(out);
    Py_XDECREF(r);
    Py_DECREF(out);
    Py_DECREF(t);
    PyErr_Restore(exc_type, exc, tb);
}


static PyObject *progress_new(PyTypeObject *t, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"minimum", "width", "dt", "out", NULL};
    double minimum = 0, dt = 0.1;
    int width = 40;
    PyObject *out = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|didO:Progress", kwlist, &minimum, &width, &dt, &out))
        return NULL;
    if (width < 1 || width > 1000 || !(dt > 0 && isfinite(dt)) || !(minimum >= 0)) {
        PyErr_SetString(PyExc_ValueError, "ProgressBar: width 1..1000, dt a finite number above 0, "
                        "minimum 0 or more");
        return NULL;
    }
    if (out == Py_None) {
        out = PySys_GetObject("stdout");   /* borrowed; Dask's default */
        if (!out || out == Py_None) {
            PyErr_SetString(PyExc_RuntimeError, "ProgressBar: no sys.stdout to draw on");
            return NULL;
        }
    }
    PyObject *w = PyObject_GetAttrString(out, "write");
    if (!w || !PyCallable_Check(w)) {
        Py_XDECREF(w);
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "ProgressBar: out must be a file object with write(), "
                     "not %.100s", Py_TYPE(out)->tp_name);
        return NULL;
    }
    Py_DECREF(w);
    progobject *self = (progobject *)t->tp_alloc(t, 0);
    if (!self)
        return NULL;
    pthread_mutex_init(&self->mu, NULL);
    self->pyout = out;
    Py_INCREF(out);
    cookie_io_functions_t io = {.write = progress_gather};
    self->out = fopencookie(self, "w", io);
    if (!self->out) {
        Py_DECREF(self);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    setvbuf(self->out, NULL, _IONBF, 0);   /* every redraw reaches the gathered text */
    dusk_progress_options o = DUSK_PROGRESS_OPTIONS_INIT;
    o.out = self->out;
    o.width = width;
    o.dt = dt;
    o.minimum = minimum;
    o.force = 1;   /* Dask's ProgressBar draws wherever it is told to */
    self->b = dusk_progress_new(&o);
    if (!self->b) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static int progress_traverse(progobject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->pyout);   /* a subclass's __dict__ and type: subtype_traverse's */
    return 0;
}

static int progress_gc_clear(progobject *self)
{
    Py_CLEAR(self->pyout);   /* progress_drain then writes nothing */
    return 0;
}

static void progress_dealloc(progobject *self)
{
    PyObject_GC_UnTrack(self);
    pop_listener((PyObject *)self);
    dusk_progress_free(self->b);
    if (self->out)
        fclose(self->out);
    progress_drain(self);
    Py_CLEAR(self->pyout);
    free(self->text);
    pthread_mutex_destroy(&self->mu);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *progress_start(progobject *self, PyObject *unused)
{
    (void)unused;
    if (push_listener((PyObject *)self, dusk_progress_callbacks(self->b)) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *progress_stop(progobject *self, PyObject *unused)
{
    (void)unused;
    pop_listener((PyObject *)self);
    if (self->out)
        fflush(self->out);
    progress_drain(self);
    Py_RETURN_NONE;
}

static PyObject *progress_last(progobject *self, void *c)
{
    (void)c;
    return PyFloat_FromDouble(dusk_progress_last_duration(self->b));
}

static PyMethodDef progress_methods[] = {
    {"_start", (PyCFunction)progress_start, METH_NOARGS, "draw for computations"},
    {"_stop", (PyCFunction)progress_stop, METH_NOARGS, "stop drawing"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef progress_getset[] = {
    {"last_duration", (getter)progress_last, NULL, "seconds the last run took", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject ProgressType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dusk._dusk.Progress",
    .tp_basicsize = sizeof(progobject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A dusk_progress bar (dusk.diagnostics.ProgressBar is made of it).",
    .tp_new = progress_new,
    .tp_dealloc = (destructor)progress_dealloc,
    .tp_traverse = (traverseproc)progress_traverse,
    .tp_clear = (inquiry)progress_gc_clear,
    .tp_methods = progress_methods,
    .tp_getset = progress_getset,
};

static void progress_drain_owner(PyObject *o)
{
    if (PyObject_TypeCheck(o, &ProgressType))
        progress_drain((progobject *)o);
}

/* --- dusk.view() and graph pictures ---------------------------------------------------- */

static PyObject *view_begin(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"delay", "start_paused", "close_when_done", "theme", "title",
                             "screenshot", "width", "height", NULL};
    double delay = 0;
    int paused = 0, close_done = 0, w = 0, h = 0;
    const char *theme = NULL, *title = NULL;
    PyObject *shot = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|dppzzOii:view", kwlist, &delay, &paused,
                                     &close_done, &theme, &title, &shot, &w, &h))
        return NULL;
    if (view_depth) {
        PyErr_SetString(PyExc_RuntimeError, "dusk.view() is already open");
        return NULL;
    }
    if (delay < 0 || w < 0 || h < 0) {
        PyErr_SetString(PyExc_ValueError, "view: delay, width and height must be 0 or more");
        return NULL;
    }
    dusk_error terr = DUSK_ERROR_INIT;
    if (theme && dusk_view_theme_check(theme, &terr) != 0) {
        /* a theme file that cannot be read is an OSError, as open()'s */
        PyErr_SetString(terr.code == DUSK_EIO ? PyExc_OSError : PyExc_ValueError, terr.msg);
        return NULL;
    }
    static char theme_buf[4096], shot_buf[4096];
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    vo.delay = delay;
    vo.start_paused = paused;
    vo.close_when_done = close_done;
    vo.width = w;
    vo.height = h;
    if (theme) {
        snprintf(theme_buf, sizeof theme_buf, "%s", theme);
        vo.theme = theme_buf;
    }
    if (title) {
        snprintf(view_title, sizeof view_title, "%s", title);
        vo.title = view_title;
    }
    if (shot != Py_None) {
        PyObject *b;
        if (!PyUnicode_FSConverter(shot, &b))
            return NULL;
        snprintf(shot_buf, sizeof shot_buf, "%s", PyBytes_AS_STRING(b));
        Py_DECREF(b);
        vo.screenshot = shot_buf;
    }
    view_opts = vo;
    view_depth = 1;
    Py_RETURN_NONE;
}

static PyObject *view_end(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    view_depth = 0;
    Py_RETURN_NONE;
}

/* A picture of a Dask graph: written to filename, or returned as bytes. */
static PyObject *visualize_graph(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"dsk", "filename", "format", "color", "rankdir", "collapse_outputs",
                             "verbose", "view", NULL};
    PyObject *dsk, *filename = Py_None, *color = Py_None;
    const char *format = NULL, *rankdir = NULL, *view = NULL;
    int collapse = 0, verbose = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OzOzppz:visualize_graph", kwlist, &dsk,
                                     &filename, &format, &color, &rankdir, &collapse, &verbose, &view))
        return NULL;
    dusk_viz_options o;
    if (pyd_viz_options(color, rankdir, collapse, verbose, view, &o) < 0)
        return NULL;
    o.format = format;
    pyd_graph *pg = pyd_graph_build(dsk);
    if (!pg)
        return NULL;
    if (pyd_viz_warn_layers(&o, (int64_t)dusk_graph_size(pyd_graph_dusk(pg))) < 0) {
        pyd_graph_free(pg);
        return NULL;
    }
    dusk_error err = DUSK_ERROR_INIT;
    PyObject *res = NULL;
    int rc;
    if (filename == Py_None) {
        char *buf = NULL;
        size_t len = 0;
        /* Without the GIL: the render reads only the C graph built above. */
        Py_BEGIN_ALLOW_THREADS
        rc = dusk_visualize_mem(pyd_graph_dusk(pg), format ? format : "png", &o, &buf, &len, &err);
        Py_END_ALLOW_THREADS
        if (rc == 0)
            res = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
        dusk_free(buf);
    } else {
        PyObject *path;
        rc = 0;
        if (PyUnicode_FSConverter(filename, &path)) {
            Py_BEGIN_ALLOW_THREADS
            rc = dusk_visualize(pyd_graph_dusk(pg), PyBytes_AS_STRING(path), &o, &err);
            Py_END_ALLOW_THREADS
            Py_DECREF(path);
            if (rc == 0) {
                res = Py_None;
                Py_INCREF(res);
            }
        }
    }
    pyd_graph_free(pg);
    if (rc)
        return pyd_raise(rc, &err);
    return res;
}

/* --- _dusk.Listener: Python's own callbacks (dusk.diagnostics.Callback) ------------ */

/* The callbacks of dask.callbacks, in Python, on every run started while
 * it is active: each C callback takes the GIL and calls the target's
 * _dusk_start(dsk, keys), _dusk_pretask(key, worker), _dusk_posttask(key,
 * result, status, worker) or _dusk_finish(status). A target that raises
 * stops the run: the exception is kept, and the gate, armed, refuses the
 * next task with its text. One run at a time: a second run started while
 * one goes on shares the listener's plan. */
typedef struct {
    PyObject_HEAD
    PyObject *target;
    PyObject *dsk;              /* dusk.get's graph of the run being started, or NULL */
    const dusk_plan *plan;      /* the run's, from start to finish */
    int failed;                 /* atomic: the gate is armed */
    char why[512];
} lisobject;

static PyTypeObject ListenerType;

/* The target's method name called with the args built by fmt (GIL held);
 * an exception stops the run. */
static void lis_call(lisobject *self, const char *name, const char *fmt, ...)
{
    if (__atomic_load_n(&self->failed, __ATOMIC_ACQUIRE))
        return;
    va_list ap;
    va_start(ap, fmt);
    PyObject *args = Py_VaBuildValue(fmt, ap);
    va_end(ap);
    PyObject *f = args ? PyObject_GetAttrString(self->target, name) : NULL;
    PyObject *r = f ? PyObject_CallObject(f, args) : NULL;
    Py_XDECREF(f);
    Py_XDECREF(args);
    if (r) {
        Py_DECREF(r);
        return;
    }
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (exc && tb)
        PyException_SetTraceback(exc, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    PyObject *text = exc ? PyObject_Repr(exc) : NULL;
    const char *t = text ? PyUnicode_AsUTF8(text) : NULL;
    snprintf(self->why, sizeof self->why, "a dusk.diagnostics.Callback's %s raised %s",
             name + 5, t ? t : "an exception");
    Py_XDECREF(text);
    PyErr_Clear();
    if (exc && PyObject_SetAttrString(self->target, "_dusk_error", exc) < 0)
        PyErr_Clear();
    Py_XDECREF(exc);
    __atomic_store_n(&self->failed, 1, __ATOMIC_RELEASE);
}

static int lis_gate(void *ud, int worker, dusk_error *err)
{
    (void)worker;
    lisobject *self = ud;
    if (!__atomic_load_n(&self->failed, __ATOMIC_ACQUIRE))   /* why is written before */
        return 0;
    return dusk_error_set(err, DUSK_ECANCELED, "%s", self->why);
}

static const char *lis_key(lisobject *self, int64_t task)
{
    const char *k = self->plan ? dusk_plan_key(self->plan, task) : NULL;
    return k ? k : "";
}

static void lis_start(void *ud, const dusk_plan *plan, size_t ntasks)
{
    (void)ntasks;
    lisobject *self = ud;
    PyGILState_STATE g = PyGILState_Ensure();
    dusk_plan_unref(self->plan);
    self->plan = dusk_plan_ref(plan);
    /* the run's keys and their functions, for a run of dusk arrays (no dsk) */
    PyObject *keys = NULL;
    if (!self->dsk) {
        size_t n = dusk_plan_ntasks(plan);
        const int64_t *ids = dusk_plan_tasks(plan);
        keys = PyList_New((Py_ssize_t)n);
        for (size_t i = 0; keys && i < n; i++) {
            const dusk_func *f = dusk_plan_func(plan, ids[i]);
            PyObject *it = Py_BuildValue("(ss)", dusk_plan_key(plan, ids[i]),
                                         f && f->name ? f->name : "");
            if (!it)
                Py_CLEAR(keys);
            else
                PyList_SET_ITEM(keys, (Py_ssize_t)i, it);
        }
        PyErr_Clear();
    }
    lis_call(self, "_dusk_start", "(OO)", self->dsk ? self->dsk : Py_None,
             keys ? keys : Py_None);
    Py_XDECREF(keys);
    PyGILState_Release(g);
}

/* A graph's literal is no task to Dask's callbacks (its scheduler puts it in
 * the cache at the start): dusk's plan has it as a value entry. */
static int lis_literal(lisobject *self, int64_t task)
{
    return self->plan && dusk_plan_entry_kind(self->plan, task) == DUSK_ENTRY_VALUE;
}

static void lis_pretask(void *ud, int64_t task, int worker)
{
    lisobject *self = ud;
    if (lis_literal(self, task))
        return;
    PyGILState_STATE g = PyGILState_Ensure();
    lis_call(self, "_dusk_pretask", "(si)", lis_key(self, task), worker);
    PyGILState_Release(g);
}

static void lis_posttask(void *ud, int64_t task, const dusk_value *result, int status,
                         int worker)
{
    lisobject *self = ud;
    if (lis_literal(self, task))
        return;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *r = result ? pyd_value_to((dusk_value *)result) : NULL;
    if (!r) {
        PyErr_Clear();
        r = Py_NewRef(Py_None);
    }
    lis_call(self, "_dusk_posttask", "(sOii)", lis_key(self, task), r, status, worker);
    Py_DECREF(r);
    PyGILState_Release(g);
}

static void lis_finish(void *ud, int status)
{
    lisobject *self = ud;
    PyGILState_STATE g = PyGILState_Ensure();
    lis_call(self, "_dusk_finish", "(i)", status);
    dusk_plan_unref(self->plan);
    self->plan = NULL;
    Py_CLEAR(self->dsk);
    PyGILState_Release(g);
}

/* dusk.get's graph, for the listeners among ctl's owners (their _start's dsk). */
static void listeners_note_graph(pyd_run_ctl *ctl, PyObject *dsk)
{
    for (size_t i = 0; i < ctl->nowners; i++)
        if (PyObject_TypeCheck(ctl->owner[i], &ListenerType))
            Py_XSETREF(((lisobject *)ctl->owner[i])->dsk, Py_NewRef(dsk));
}

static PyObject *lis_new(PyTypeObject *t, PyObject *args, PyObject *kw)
{
    PyObject *target;
    static char *kwlist[] = {"target", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O:Listener", kwlist, &target))
        return NULL;
    lisobject *self = (lisobject *)t->tp_alloc(t, 0);
    if (self)
        self->target = Py_NewRef(target);
    return (PyObject *)self;
}

static int lis_traverse(lisobject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->target);
    Py_VISIT(self->dsk);
    return 0;
}

static int lis_gc_clear(lisobject *self)
{
    Py_CLEAR(self->target);
    Py_CLEAR(self->dsk);
    return 0;
}

static void lis_dealloc(lisobject *self)
{
    PyObject_GC_UnTrack(self);
    lis_gc_clear(self);
    dusk_plan_unref(self->plan);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *lis_start_listening(lisobject *self, PyObject *unused)
{
    (void)unused;
    __atomic_store_n(&self->failed, 0, __ATOMIC_RELEASE);
    dusk_callbacks cb = {.ud = self, .start = lis_start, .pretask = lis_pretask,
                         .posttask = lis_posttask, .finish = lis_finish, .gate = lis_gate,
                         .gate_armed = &self->failed};
    if (push_listener((PyObject *)self, cb) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *lis_stop_listening(lisobject *self, PyObject *unused)
{
    (void)unused;
    pop_listener((PyObject *)self);
    Py_RETURN_NONE;
}

static PyMethodDef lis_methods[] = {
    {"_start", (PyCFunction)lis_start_listening, METH_NOARGS, "call the target for computations"},
    {"_stop", (PyCFunction)lis_stop_listening, METH_NOARGS, "stop calling it"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ListenerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dusk._dusk.Listener",
    .tp_basicsize = sizeof(lisobject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Python callbacks on every run started while active (dusk.diagnostics.Callback)",
    .tp_new = lis_new,
    .tp_traverse = (traverseproc)lis_traverse,
    .tp_clear = (inquiry)lis_gc_clear,
    .tp_dealloc = (destructor)lis_dealloc,
    .tp_methods = lis_methods,
};

static PyMethodDef diag_functions[] = {
    {"_view_begin", (PyCFunction)(void (*)(void))view_begin, METH_VARARGS | METH_KEYWORDS,
     "computations open the live window"},
    {"_view_end", view_end, METH_NOARGS, "computations run without the window again"},
    {"visualize_graph", (PyCFunction)(void (*)(void))visualize_graph, METH_VARARGS | METH_KEYWORDS,
     "visualize_graph(dsk, filename=None, format=None, color=None, ...)\n--\n\n"
     "The picture of a Dask graph, written to filename or returned as bytes."},
    {NULL, NULL, 0, NULL},
};

int pyd_diag_init(PyObject *m)
{
    if (PyType_Ready(&ProfType) < 0 || PyType_Ready(&ProgressType) < 0 ||
        PyType_Ready(&ListenerType) < 0)
        return -1;
    if (PyModule_AddObjectRef(m, "Profile", (PyObject *)&ProfType) < 0 ||
        PyModule_AddObjectRef(m, "Progress", (PyObject *)&ProgressType) < 0 ||
        PyModule_AddObjectRef(m, "Listener", (PyObject *)&ListenerType) < 0)
        return -1;
    return PyModule_AddFunctions(m, diag_functions);
}
