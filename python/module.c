/*
** python/module.c — the dusk._dusk extension: Dask's dict graphs run by
** dusk's schedulers (dusk.get), and the values that cross between them
**
** dusk.get(dsk, keys, scheduler='threads', num_workers=None) reads a Dask
** graph into a dusk graph (pyd_graph_build), runs it with the GIL released
** and converts the results back. A task whose head is a Python callable
** runs as a dusk task function (py_task) that takes the GIL only while the
** callable runs: each worker thread makes one Python thread state the
** first time it needs one, and switches to it with
** PyEval_RestoreThread / PyEval_SaveThread around every call (the caller's
** own thread, which runs the sync scheduler's tasks, uses the caller's
** state). A thread keeps its state for its life, deleted on that thread
** as it exits: the threads scheduler's workers outlive runs, and a state
** deleted from another thread would stay the worker's PyGILState one
** (py_release would use it freed). In a subinterpreter, which may end
** while the workers live on, a task's state is made and deleted around
** each call instead (run_enter, run_leave). operator.add, sub, mul, neg and sum run in C
** while their arguments are numbers (fast_op), and call Python otherwise
** (lists to concatenate, NumPy arrays, ints past 64 bits), so the answer
** is always Python's.
**
** An exception raised by a task is kept (the run's `excs` list, under the
** GIL) and the task fails with the exception's type and text as Python
** shows them; dusk adds the key, and dusk.get finds the exception by that
** text and re-raises the same object, with a note naming the key.
**
** Opaque values hold a strong reference to their object; their destructor
** can run on a worker thread that does not hold the GIL (the scheduler
** drops an intermediate result as soon as nothing needs it), so it takes
** the GIL when it has to (py_release).
*/
#include "pydusk.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define PY_ARRAY_UNIQUE_SYMBOL pyd_numpy_api
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

PyObject *pyd_error;

/* --- errors ------------------------------------------------------------------ */

PyObject *pyd_raise(int code, const dusk_error *err)
{
    if (err && pyd_blocks_reraise(err))   /* a block's Python function raised it */
        return NULL;
    const char *msg = err && err->msg[0] ? err->msg : dusk_strerror(code);
    PyObject *type;
    switch (code) {
    case DUSK_ENOKEY:
    case DUSK_EMISSING: type = PyExc_KeyError; break;
    case DUSK_EINVAL: type = PyExc_ValueError; break;
    case DUSK_ETYPE: type = PyExc_TypeError; break;
    case DUSK_ENOMEM: type = PyExc_MemoryError; break;
    case DUSK_EIO:
    case DUSK_ESYS: type = PyExc_OSError; break;
    case DUSK_ECYCLE: type = PyExc_RuntimeError; break;   /* as Dask's "Cycle detected" */
    default: type = pyd_error; break;
    }
    if (type == PyExc_OSError) {
        /* dusk's system errors end with strerror(errno), as "...: No such
         * file or directory": raised as OSError(errno, msg), Python gives
         * the subclass h5py and open() give (FileNotFoundError ...). The
         * errors files and folders give, each a fixed text of the C
         * library's (strerror of a known code is thread-safe). */
        static const int known[] = {ENOENT, EACCES, EPERM, EEXIST, ENOTDIR, EISDIR, ENOSPC,
                                    EROFS, EMFILE, ENFILE, ENAMETOOLONG, ELOOP, EBUSY, EIO,
                                    EXDEV, EFBIG, EDQUOT, ETXTBSY, EINVAL};
        size_t n = strlen(msg);
        for (size_t k = 0; k < sizeof known / sizeof *known; k++) {
            int e = known[k];
            const char *what = strerror(e);
            size_t w = strlen(what);
            if (n > w + 2 && !strcmp(msg + n - w, what) && msg[n - w - 2] == ':' &&
                msg[n - w - 1] == ' ') {
                PyObject *args = Py_BuildValue("(is)", e, msg);
                if (args) {
                    PyErr_SetObject(PyExc_OSError, args);
                    Py_DECREF(args);
                }
                return NULL;
            }
        }
    }
    PyErr_SetString(type, msg);
    return NULL;
}

/* --- values ------------------------------------------------------------------ */

/* The destructor of an opaque value: drops the object's reference, taking
 * the GIL when this thread does not hold it. PyGILState_Check knows the
 * workers' states too: PyThreadState_New, called on the worker, made them
 * the thread's own. */
static void py_release(void *p)
{
    PyObject *o = p;
    if (PyGILState_Check()) {
        Py_DECREF(o);
        return;
    }
    PyGILState_STATE st = PyGILState_Ensure();
    Py_DECREF(o);
    PyGILState_Release(st);
}

dusk_value *pyd_value_from(PyObject *o)
{
    dusk_value *v;
    if (o == Py_None)
        return dusk_none();
    if (PyBool_Check(o))
        return dusk_bool(o == Py_True);
    if (PyLong_CheckExact(o)) {
        int overflow = 0;
        long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (!overflow && !(i == -1 && PyErr_Occurred())) {
            v = dusk_int(i);
            goto done;
        }
        PyErr_Clear();   /* past 64 bits: kept as the Python int */
    } else if (PyFloat_CheckExact(o)) {
        v = dusk_float(PyFloat_AS_DOUBLE(o));
        goto done;
    }
    size_t nbytes = (size_t)Py_TYPE(o)->tp_basicsize;
    if (PyArray_Check(o))
        nbytes = (size_t)PyArray_NBYTES((PyArrayObject *)o);
    Py_INCREF(o);
    v = dusk_opaque(o, py_release, nbytes);
    if (!v)
        Py_DECREF(o);
done:
    if (!v)
        PyErr_NoMemory();
    return v;
}

static void ndarray_capsule_free(PyObject *cap)
{
    dusk_value_unref(PyCapsule_GetPointer(cap, "dusk.value"));
}

static const int dtype_npy[DUSK_DT_COUNT] = {
    [DUSK_DT_F8] = NPY_FLOAT64, [DUSK_DT_F4] = NPY_FLOAT32, [DUSK_DT_I8] = NPY_INT64,
    [DUSK_DT_I4] = NPY_INT32,   [DUSK_DT_I2] = NPY_INT16,   [DUSK_DT_I1] = NPY_INT8,
    [DUSK_DT_U8] = NPY_UINT64,  [DUSK_DT_U4] = NPY_UINT32,  [DUSK_DT_U2] = NPY_UINT16,
    [DUSK_DT_U1] = NPY_UINT8,   [DUSK_DT_BOOL] = NPY_BOOL,  [DUSK_DT_C16] = NPY_COMPLEX128,
    [DUSK_DT_C8] = NPY_COMPLEX64, [DUSK_DT_F2] = NPY_FLOAT16,
};

PyObject *pyd_ndarray_to_numpy(dusk_value *v)
{
    int nd = dusk_ndarray_ndim(v);
    npy_intp shape[DUSK_MAXDIMS], strides[DUSK_MAXDIMS];
    for (int i = 0; i < nd; i++) {
        shape[i] = (npy_intp)dusk_ndarray_shape(v)[i];
        strides[i] = (npy_intp)dusk_ndarray_strides(v)[i];
    }
    PyObject *cap = PyCapsule_New(v, "dusk.value", ndarray_capsule_free);
    if (!cap)
        return NULL;
    dusk_value_ref(v);
    PyArray_Descr *d = PyArray_DescrFromType(dtype_npy[dusk_ndarray_dtype(v)]);
    PyObject *a = PyArray_NewFromDescr(&PyArray_Type, d, nd, shape, strides,
                                       dusk_ndarray_data(v), NPY_ARRAY_WRITEABLE, NULL);
    if (!a) {
        Py_DECREF(cap);
        return NULL;
    }
    if (PyArray_SetBaseObject((PyArrayObject *)a, cap) < 0) {   /* steals cap */
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

PyObject *pyd_value_to(dusk_value *v)
{
    switch (dusk_value_kind(v)) {
    case DUSK_KIND_NONE: Py_RETURN_NONE;
    case DUSK_KIND_BOOL: return PyBool_FromLong(dusk_value_bool(v));
    case DUSK_KIND_INT: return PyLong_FromLongLong(dusk_value_int(v));
    case DUSK_KIND_FLOAT: return PyFloat_FromDouble(dusk_value_float(v));
    case DUSK_KIND_STRING: return PyUnicode_FromString(dusk_value_str(v));
    case DUSK_KIND_TUPLE: {
        size_t n = dusk_tuple_len(v);
        PyObject *l = PyList_New((Py_ssize_t)n);
        for (size_t i = 0; l && i < n; i++) {
            PyObject *it = pyd_value_to(dusk_tuple_get(v, i));
            if (!it) {
                Py_CLEAR(l);
                break;
            }
            PyList_SET_ITEM(l, (Py_ssize_t)i, it);
        }
        return l;
    }
    case DUSK_KIND_NDARRAY: return pyd_ndarray_to_numpy(v);
    case DUSK_KIND_OPAQUE: {
        PyObject *o = dusk_opaque_ptr(v);
        if (!o)
            Py_RETURN_NONE;
        Py_INCREF(o);
        return o;
    }
    }
    PyErr_SetString(PyExc_TypeError, "dusk: a value of an unknown kind");
    return NULL;
}

/* --- runs: thread states and exceptions ------------------------------------------ */

typedef struct pyrun {
    PyInterpreterState *interp;
    pthread_t caller;
    PyThreadState *caller_ts;     /* the caller's state, saved for the run */
    PyObject *excs;               /* exceptions raised by tasks (GIL) */
    pyd_run_ctl *ctl;             /* the run's listeners (progress bars) */
    struct timespec drained;      /* when the caller's thread last wrote them */
} pyrun;

/* This thread's own state (a worker's), of the main interpreter. */
static _Thread_local PyThreadState *tl_ts;
static pthread_key_t ts_key;
static pthread_once_t ts_once = PTHREAD_ONCE_INIT;
static int ts_key_ok;

/* A thread that made a state exits: its state goes with it, deleted on
 * this thread (which clears its PyGILState binding too), while Python
 * lives. */
static void ts_gone(void *p)
{
    if (!p || !Py_IsInitialized())
        return;
    PyEval_RestoreThread(p);
    PyThreadState_Clear(p);
    PyThreadState_DeleteCurrent();
}

static void ts_key_make(void) { ts_key_ok = pthread_key_create(&ts_key, ts_gone) == 0; }

void pyd_worker_state(void)
{
    if (tl_ts || PyGILState_GetThisThreadState())
        return;
    pthread_once(&ts_once, ts_key_make);
    PyThreadState *ts = ts_key_ok ? PyThreadState_New(PyInterpreterState_Main()) : NULL;
    if (!ts)
        return;
    tl_ts = ts;
    pthread_setspecific(ts_key, ts);
}

/* Takes the GIL for a task on this thread (see the file's comment);
 * NULL when no thread state can be made. *own is set when the state is
 * the task's alone, for run_leave to delete: a subinterpreter's. A worker
 * outlives a subinterpreter, whose states must all be gone before it
 * ends (Py_EndInterpreter refuses an interpreter with other threads'
 * states), so only the main interpreter's are kept. */
static PyThreadState *run_enter(pyrun *r, int *own)
{
    PyThreadState *ts;
    *own = 0;
    if (pthread_equal(pthread_self(), r->caller)) {
        ts = r->caller_ts;
    } else if (r->interp != PyInterpreterState_Main()) {
        if (!(ts = PyThreadState_New(r->interp)))
            return NULL;
        *own = 1;
    } else if (tl_ts) {
        ts = tl_ts;
    } else {
        pthread_once(&ts_once, ts_key_make);
        if (!ts_key_ok || !(ts = PyThreadState_New(r->interp)))
            return NULL;
        tl_ts = ts;
        pthread_setspecific(ts_key, ts);
    }
    PyEval_RestoreThread(ts);
    return ts;
}

/* Gives the GIL back after a task; a state of the task's own is deleted
 * (on this thread, which clears its PyGILState binding too). */
static void run_leave(PyThreadState *ts, int own)
{
    if (own) {
        PyThreadState_Clear(ts);
        PyThreadState_DeleteCurrent();
    } else {
        PyEval_SaveThread();
    }
}

static int run_begin(pyrun *r, pyd_run_ctl *ctl)
{
    memset(r, 0, sizeof *r);
    r->ctl = ctl;
    clock_gettime(CLOCK_MONOTONIC, &r->drained);
    r->interp = PyInterpreterState_Get();
    r->caller = pthread_self();
    r->excs = PyList_New(0);
    if (!r->excs)
        return -1;
    r->caller_ts = PyEval_SaveThread();
    return 0;
}

/* With the workers done: takes the GIL back (their states stay theirs). */
static void run_end(pyrun *r)
{
    PyEval_RestoreThread(r->caller_ts);
}

/* --- task functions ---------------------------------------------------------------- */

enum { OP_NONE = 0, OP_ADD, OP_SUB, OP_MUL, OP_NEG, OP_SUM };

typedef struct pyfunc {
    dusk_func f;                  /* f.ud is this pyfunc */
    PyObject *callable;           /* strong reference */
    int op;                       /* OP_*: runs in C on numbers */
    pyrun *run;                   /* the run in progress */
    struct pyfunc *next;
} pyfunc;

/* A number's parts: is_float, and the value as int64 or double. */
static int num_of(const dusk_value *v, int *is_float, int64_t *i, double *d)
{
    switch (dusk_value_kind(v)) {
    case DUSK_KIND_BOOL:
    case DUSK_KIND_INT:
        *is_float = 0;
        *i = dusk_value_int(v);
        *d = (double)*i;
        return 1;
    case DUSK_KIND_FLOAT:
        *is_float = 1;
        *d = dusk_value_float(v);
        return 1;
    default:
        return 0;
    }
}

/* a OP b on numbers as Python does it; 0, or 1 when Python must (not
 * numbers, an int result past 64 bits, bool - bool ...). */
static int arith(int op, const dusk_value *a, const dusk_value *b, dusk_value **out)
{
    int fa, fb;
    int64_t ia = 0, ib = 0, ir;
    double da, db;
    if (!num_of(a, &fa, &ia, &da) || !num_of(b, &fb, &ib, &db))
        return 1;
    if (!fa && !fb) {
        int ov = op == OP_ADD ? __builtin_add_overflow(ia, ib, &ir)
               : op == OP_SUB ? __builtin_sub_overflow(ia, ib, &ir)
                              : __builtin_mul_overflow(ia, ib, &ir);
        if (ov)
            return 1;
        *out = dusk_int(ir);
    } else {
        *out = dusk_float(op == OP_ADD ? da + db : op == OP_SUB ? da - db : da * db);
    }
    return *out ? 0 : 1;
}

static int fast_op(int op, dusk_value *const *args, size_t nargs, dusk_value **out)
{
    int f;
    int64_t i;
    double d;
    switch (op) {
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
        return nargs == 2 ? arith(op, args[0], args[1], out) : 1;
    case OP_NEG:
        if (nargs != 1 || !num_of(args[0], &f, &i, &d))
            return 1;
        if (!f && dusk_value_kind(args[0]) == DUSK_KIND_INT && i != INT64_MIN)
            *out = dusk_int(-i);
        else if (f)
            *out = dusk_float(-d);
        else
            return 1;
        return *out ? 0 : 1;
    case OP_SUM: {
        /* sum(list): the list arrives as a tuple; Python adds from 0, left
         * to right. */
        if (nargs != 1 || dusk_value_kind(args[0]) != DUSK_KIND_TUPLE)
            return 1;
        size_t n = dusk_tuple_len(args[0]);
        int isf = 0;
        int64_t si = 0;
        double sd = 0;
        for (size_t k = 0; k < n; k++) {
            if (!num_of(dusk_tuple_get(args[0], k), &f, &i, &d))
                return 1;
            if (!isf && !f) {
                if (__builtin_add_overflow(si, i, &si))
                    return 1;
            } else {
                if (!isf) {
                    sd = (double)si;
                    isf = 1;
                }
                sd += d;
            }
        }
        *out = isf ? dusk_float(sd) : dusk_int(si);
        return *out ? 0 : 1;
    }
    }
    return 1;
}

/* Keeps the task's exception and says it in err as Python does
 * ("ZeroDivisionError: division by zero": users see that in the live
 * window's status strip too); GIL held. The run's excs holds (exception,
 * that text) pairs: raise_task_error finds the pair by the text dusk
 * reports. */
static int keep_exception(pyrun *r, dusk_error *err)
{
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (exc && tb)
        PyException_SetTraceback(exc, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    PyObject *s = exc ? PyObject_Str(exc) : NULL;
    const char *text = s ? PyUnicode_AsUTF8(s) : NULL;
    if (!text)
        PyErr_Clear();
    dusk_error_set(err, DUSK_ETASK, "%s: %s", exc ? Py_TYPE(exc)->tp_name : "?",
                   text ? text : "");
    Py_XDECREF(s);
    PyObject *pair = exc ? Py_BuildValue("(Oy)", exc, err->msg) : NULL;
    if (!pair || PyList_Append(r->excs, pair) < 0)
        PyErr_Clear();
    Py_XDECREF(pair);
    Py_XDECREF(exc);
    return DUSK_ETASK;
}

/* The sync scheduler runs the tasks on the caller's thread, which then
 * never waits in pyd_run_wait: between its Python tasks it writes what
 * the progress bars drew, every 100 ms, so that a bar shows during the
 * run, not all at its end. GIL held. */
static void drain_progress(pyrun *r)
{
    if (!r->ctl || !r->ctl->nowners)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if ((now.tv_sec - r->drained.tv_sec) * 1000000000LL + (now.tv_nsec - r->drained.tv_nsec) <
        100 * 1000 * 1000LL)
        return;
    r->drained = now;
    pyd_listeners_drain(r->ctl);
}

static int py_task(dusk_value *const *args, size_t nargs, dusk_value **out,
                   dusk_error *err, void *ud)
{
    pyfunc *pf = ud;
    if (pf->op && fast_op(pf->op, args, nargs, out) == 0)
        return 0;
    pyrun *r = pf->run;
    int own;
    PyThreadState *ts = run_enter(r, &own);
    if (!ts)
        return dusk_error_set(err, DUSK_ENOMEM, "no Python thread state for this worker");
    int rc = 0;
    PyObject *res = NULL;
    PyObject *small[8];
    PyObject **pargs = nargs <= 8 ? small : PyMem_Malloc(nargs * sizeof *pargs);
    size_t made = 0;
    if (!pargs) {
        PyErr_NoMemory();
        goto fail;
    }
    for (; made < nargs; made++) {
        pargs[made] = pyd_value_to(args[made]);
        if (!pargs[made])
            goto fail;
    }
    res = PyObject_Vectorcall(pf->callable, pargs, nargs, NULL);
    if (!res)
        goto fail;
    *out = pyd_value_from(res);
    if (!*out)
        goto fail;
    goto done;
fail:
    rc = keep_exception(r, err);
done:
    Py_XDECREF(res);
    for (size_t k = 0; k < made; k++)
        Py_DECREF(pargs[k]);
    if (pargs && pargs != small)
        PyMem_Free(pargs);
    if (ts == r->caller_ts)
        drain_progress(r);
    run_leave(ts, own);
    return rc;
}

/* --- graphs ----------------------------------------------------------------------- */

struct pyd_graph {
    dusk_graph *g;
    PyObject *dsk;        /* a dict: the graph as given, or dict(mapping) */
    PyObject *funcs;      /* {id(callable): capsule of its pyfunc} */
    pyfunc *head;         /* every pyfunc, to free */
    PyObject *op_of;      /* borrowed: module state's {callable: op} */
    PyObject *canon;      /* {key: key} of dsk, or NULL until needed */
    size_t hoisted;       /* names tried for nested tasks */
    size_t hoisted_keys;  /* nested tasks given keys of their own */
    int depth;            /* how deep the nested task being read is */
    int listened;         /* a profiler recorded a run of it */
    struct {              /* the last functions looked up, by address */
        PyObject *callable;
        pyfunc *pf;
    } recent[16];
    /* While building: the dusk handle of each key object met (the dict's
     * keys, and arguments found equal to one), by the object's address.
     * Every object here is held by dsk, so no address is reused meanwhile;
     * a task's references cost a probe instead of a dict lookup, a copy
     * of the text and hashing it in dusk. Freed once the graph is built. */
    struct hslot {
        PyObject *obj;
        int64_t h;
    } *hc;
    size_t hc_cap, hc_n;  /* a power of 2; at most half full */
    int str_keys;         /* every key is an exact str: no number is a key */
};

/* Functions of graphs that a profiler recorded: its plans keep pointers
 * to them (their names), so they stay until the last profiler goes. */
static pyfunc *graveyard;

void pyd_funcs_release(void)
{
    for (pyfunc *pf = graveyard, *next; pf; pf = next) {
        next = pf->next;
        dusk_free((void *)pf->f.name);
        dusk_free(pf);
    }
    graveyard = NULL;
    pyd_blocks_release();
}

static PyObject *builtin_ops;   /* {operator.add: OP_ADD, ...} */

PyObject *pyd_key_text(PyObject *key)
{
    if (PyUnicode_Check(key)) {
        Py_INCREF(key);
        return key;
    }
    return PyObject_Repr(key);
}

static int is_task(PyObject *o)
{
    return PyTuple_CheckExact(o) && PyTuple_GET_SIZE(o) > 0 &&
           PyCallable_Check(PyTuple_GET_ITEM(o, 0));
}

/* Whether o is a key of the graph (unhashable objects are not). */
static int is_key(pyd_graph *pg, PyObject *o)
{
    if (PyList_Check(o) || PyDict_Check(o))
        return 0;
    int c = PyDict_Contains(pg->dsk, o);
    if (c < 0) {
        PyErr_Clear();
        return 0;
    }
    return c;
}

/* The text of the graph's own key equal to o (a key of the graph): 1.0
 * and True find the key 1, whose text is "1" (new reference or NULL). */
static PyObject *graph_key_text(pyd_graph *pg, PyObject *o)
{
    if (PyUnicode_CheckExact(o))
        return pyd_key_text(o);   /* equal str keys have one text */
    if (!pg->canon) {
        /* {key: key}, made once per graph that refers to a key not a str */
        pg->canon = PyDict_New();
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (pg->canon && PyDict_Next(pg->dsk, &pos, &k, &v))
            if (PyDict_SetItem(pg->canon, k, k) < 0)
                Py_CLEAR(pg->canon);
        if (!pg->canon)
            return NULL;
    }
    PyObject *own = PyDict_GetItemWithError(pg->canon, o);
    if (!own) {
        if (!PyErr_Occurred())
            PyErr_SetObject(PyExc_KeyError, o);
        return NULL;
    }
    return pyd_key_text(own);
}

/* Dask's funcname: partials by their function, lambdas as "lambda". */
static char *func_name(PyObject *f)
{
    PyObject *o = f;
    Py_INCREF(o);
    for (int depth = 0; depth < 8 && PyObject_HasAttrString(o, "func") &&
                        !PyObject_HasAttrString(o, "__name__"); depth++) {
        PyObject *inner = PyObject_GetAttrString(o, "func");
        Py_DECREF(o);
        if (!inner) {
            PyErr_Clear();
            return dusk_strdup("?");
        }
        o = inner;
    }
    /* Dask's fused tasks (SubgraphCallable) carry the layer's name: its
     * key_split is the operation ('add-<token>' is add). */
    PyObject *layer = PyObject_HasAttrString(o, "dsk") ? PyObject_GetAttrString(o, "name") : NULL;
    if (layer && PyUnicode_Check(layer)) {
        char buf[256];
        dusk_key_split(PyUnicode_AsUTF8(layer), buf, sizeof buf);
        Py_DECREF(layer);
        Py_DECREF(o);
        return dusk_strdup(buf[0] ? buf : "?");
    }
    Py_XDECREF(layer);
    PyErr_Clear();
    PyObject *name = PyObject_GetAttrString(o, "__name__");
    if (!name) {
        PyErr_Clear();
        name = PyUnicode_FromString(Py_TYPE(o)->tp_name);
    }
    Py_DECREF(o);
    const char *s = name ? PyUnicode_AsUTF8(name) : NULL;
    if (!s)
        PyErr_Clear();
    char *r = dusk_strdup(!s ? "?" : strcmp(s, "<lambda>") == 0 ? "lambda" : s);
    Py_XDECREF(name);
    return r;
}

static void pyfunc_free(PyObject *cap)
{
    (void)cap;   /* pyfuncs are freed with their graph (pg->head) */
}

static pyfunc *func_for(pyd_graph *pg, PyObject *callable)
{
    /* Graphs name few functions many times: a small cache saves making an
     * id and a dict lookup per task. */
    size_t slot = ((uintptr_t)callable >> 4) % 16;
    if (pg->recent[slot].callable == callable)
        return pg->recent[slot].pf;
    pyfunc *found = NULL;
    PyObject *id = PyLong_FromVoidPtr(callable);
    if (!id)
        return NULL;
    PyObject *cap = PyDict_GetItemWithError(pg->funcs, id);
    if (cap) {
        Py_DECREF(id);
        found = PyCapsule_GetPointer(cap, "dusk.func");
        pg->recent[slot].callable = callable;   /* kept alive by found->callable */
        pg->recent[slot].pf = found;
        return found;
    }
    if (PyErr_Occurred()) {
        Py_DECREF(id);
        return NULL;
    }
    pyfunc *pf = dusk_calloc(1, sizeof *pf);
    if (!pf) {
        Py_DECREF(id);
        PyErr_NoMemory();
        return NULL;
    }
    pf->f.name = func_name(callable);
    pf->f.fn = py_task;
    pf->f.ud = pf;
    pf->callable = callable;
    Py_INCREF(callable);
    pf->next = pg->head;
    pg->head = pf;
    PyObject *op = PyDict_GetItemWithError(builtin_ops, callable);
    if (op)
        pf->op = (int)PyLong_AsLong(op);
    else if (PyErr_Occurred())
        PyErr_Clear();   /* an unhashable callable is no builtin */
    cap = PyCapsule_New(pf, "dusk.func", pyfunc_free);
    int rc = cap ? PyDict_SetItem(pg->funcs, id, cap) : -1;
    Py_XDECREF(cap);
    Py_DECREF(id);
    if (!pf->f.name) {
        PyErr_NoMemory();
        return NULL;
    }
    if (rc < 0)
        return NULL;
    pg->recent[slot].callable = callable;
    pg->recent[slot].pf = pf;
    (void)found;
    return pf;
}

static int graph_failed(pyd_graph *pg);

/* Where key object o's handle goes. A graph names its keys soon after
 * making them, in about the order it made them (one layer, then the
 * next), so objects that are neighbours in memory are neighbours in the
 * table: each 4 KiB page of objects has a block of 64 slots (a hash of the
 * page picks it) and an object its slot there by its offset in 64-byte
 * steps; collisions spill into the next slots. A table scattered by a hash
 * of each address missed the cache on nearly every probe of a big graph. */
static size_t hc_slot(const pyd_graph *pg, PyObject *o)
{
    uintptr_t a = (uintptr_t)o;
    size_t block = (size_t)((uint64_t)(a >> 12) * UINT64_C(0x9E3779B97F4A7C15) >> 32);
    return (block << 6 | (a >> 6 & 63)) & (pg->hc_cap - 1);
}

/* The handle of key object o met before, or -1. */
static int64_t hc_find(const pyd_graph *pg, PyObject *o)
{
    if (!pg->hc)
        return -1;
    for (size_t i = hc_slot(pg, o);; i = (i + 1) & (pg->hc_cap - 1)) {
        if (pg->hc[i].obj == o)
            return pg->hc[i].h;
        if (!pg->hc[i].obj)
            return -1;
    }
}

/* Remembers o's handle (o held by dsk); 0, or -1 when no memory is left
 * (then it is simply not remembered). */
static int hc_put(pyd_graph *pg, PyObject *o, int64_t h)
{
    if (!pg->hc || 2 * (pg->hc_n + 1) > pg->hc_cap) {
        size_t cap = pg->hc_cap ? 2 * pg->hc_cap : 64;
        struct hslot *old = pg->hc, *n = PyMem_Calloc(cap, sizeof *n);
        if (!n)
            return -1;
        size_t oldcap = pg->hc_cap;
        pg->hc = n;
        pg->hc_cap = cap;
        for (size_t i = 0; i < oldcap; i++) {
            if (!old[i].obj)
                continue;
            size_t j = hc_slot(pg, old[i].obj);
            while (n[j].obj)
                j = (j + 1) & (cap - 1);
            n[j] = old[i];
        }
        PyMem_Free(old);
    }
    size_t i = hc_slot(pg, o);
    while (pg->hc[i].obj && pg->hc[i].obj != o)
        i = (i + 1) & (pg->hc_cap - 1);
    pg->hc_n += !pg->hc[i].obj;
    pg->hc[i].obj = o;
    pg->hc[i].h = h;
    return 0;
}

/* The dusk handle of key text s; -1 with an exception. */
static int64_t handle_of(pyd_graph *pg, const char *s)
{
    int64_t h = dusk_graph_handle(pg->g, s);
    if (h < 0)
        graph_failed(pg);
    return h;
}

static int add_entry(pyd_graph *pg, const char *key, PyObject *val);

/* An argument of a task; NULL with an exception. A nested task gets a
 * key of its own, "<parent>.<n>" (or, under a tuple key, the tuple with
 * '.<n>' added), as dusk's arguments are values, keys and lists only. */
static dusk_arg *make_arg(pyd_graph *pg, const char *parent, PyObject *o, int depth)
{
    if (depth > DUSK_MAX_DEPTH) {
        PyErr_Format(PyExc_RecursionError, "task of key '%.200s' nests deeper than %d", parent,
                     DUSK_MAX_DEPTH);
        return NULL;
    }
    if (is_task(o)) {
        /* Under a tuple key, a tuple key one longer, so that it groups
         * (key_split) with its parent: ('x', 0, 1, '.3'). */
        size_t plen = strlen(parent);
        int tuple = plen > 2 && parent[0] == '(' && parent[plen - 1] == ')';
        int comma = tuple && parent[plen - 2] == ',';
        PyObject *k = NULL;
        const char *ks = NULL;
        for (;;) {   /* a name no key of the graph has */
            if (tuple) {
                /* (PyUnicode_FromFormat has no %.*s) */
                PyObject *head = PyUnicode_FromStringAndSize(parent, (Py_ssize_t)(plen - 1 - comma));
                k = head ? PyUnicode_FromFormat("%U, '.%zu')", head, ++pg->hoisted) : NULL;
                Py_XDECREF(head);
            } else {
                k = PyUnicode_FromFormat("%s.%zu", parent, ++pg->hoisted);
            }
            ks = k ? PyUnicode_AsUTF8(k) : NULL;
            if (!ks)
                break;
            int taken = PyDict_Contains(pg->dsk, k);
            if (taken < 0)
                break;
            if (!taken && dusk_graph_find(pg->g, ks) < 0)
                break;
            Py_CLEAR(k);
        }
        if (!ks) {
            Py_XDECREF(k);
            return NULL;
        }
        dusk_arg *a = NULL;
        pg->hoisted_keys++;
        /* Its arguments are read by recursion too: they count from here. */
        int outer = pg->depth;
        pg->depth = depth + 1;
        int rc = add_entry(pg, ks, o);
        pg->depth = outer;
        if (rc == 0) {
            a = dusk_ref(ks);
            if (!a)
                PyErr_NoMemory();
        }
        Py_DECREF(k);
        return a;
    }
    if (PyList_Check(o)) {
        Py_ssize_t n = PyList_GET_SIZE(o);
        dusk_arg **items = PyMem_Calloc((size_t)n + 1, sizeof *items);
        if (!items)
            return (dusk_arg *)PyErr_NoMemory();
        for (Py_ssize_t i = 0; i < n; i++) {
            items[i] = make_arg(pg, parent, PyList_GET_ITEM(o, i), depth + 1);
            if (!items[i]) {
                for (Py_ssize_t j = 0; j < i; j++)
                    dusk_arg_free(items[j]);
                PyMem_Free(items);
                return NULL;
            }
        }
        dusk_arg *a = dusk_listv((size_t)n, items);
        PyMem_Free(items);
        if (!a)
            PyErr_NoMemory();
        return a;
    }
    if (is_key(pg, o)) {
        PyObject *t = graph_key_text(pg, o);
        const char *s = t ? PyUnicode_AsUTF8(t) : NULL;
        dusk_arg *a = s ? dusk_ref(s) : NULL;
        if (s && !a)
            PyErr_NoMemory();
        Py_XDECREF(t);
        return a;
    }
    dusk_value *v = pyd_value_from(o);
    if (!v)
        return NULL;
    dusk_arg *a = dusk_lit(v);
    if (!a)
        PyErr_NoMemory();
    return a;
}

static int graph_failed(pyd_graph *pg)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_graph_status(pg->g, &err);
    if (rc)
        pyd_raise(rc, &err);
    return rc ? -1 : 0;
}

/* Whether a list holds keys or tasks anywhere (then it is computed). */
static int list_needs_run(pyd_graph *pg, PyObject *l, int depth)
{
    if (depth > DUSK_MAX_DEPTH)
        return 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(l); i++) {
        PyObject *o = PyList_GET_ITEM(l, i);
        if (is_task(o) || (PyList_Check(o) ? list_needs_run(pg, o, depth + 1) : is_key(pg, o)))
            return 1;
    }
    return 0;
}

/* An argument of a task as dusk_graph_task_h takes it; 0, or -1 with an
 * exception. *parent is the task's key text, made from kobj the first
 * time a nested task or list needs it. */
static int harg_of(pyd_graph *pg, const char **parent, PyObject *kobj, PyObject **ptext,
                   PyObject *o, dusk_harg *out)
{
    int64_t h;
    if (is_task(o) || PyList_Check(o)) {
        if (!*parent) {
            *ptext = pyd_key_text(kobj);
            *parent = *ptext ? PyUnicode_AsUTF8(*ptext) : NULL;
            if (!*parent)
                return -1;
        }
        dusk_arg *a = make_arg(pg, *parent, o, pg->depth);
        if (!a)
            return -1;
        *out = (dusk_harg){.kind = DUSK_HARG_ARG, .u.arg = a};
        return 0;
    }
    /* A number is no key of a graph of str keys (they never compare equal):
     * not looked for (the table's slot for it is one more cache miss). */
    int number = PyLong_CheckExact(o) || PyFloat_CheckExact(o) || PyBool_Check(o) ||
                 o == Py_None;
    if (!(number && pg->str_keys) && (h = hc_find(pg, o)) >= 0) {
        *out = (dusk_harg){.kind = DUSK_HARG_KEY, .u.key = h};
        return 0;
    }
    if (!(number && pg->str_keys) && is_key(pg, o)) {
        PyObject *t = graph_key_text(pg, o);
        const char *s = t ? PyUnicode_AsUTF8(t) : NULL;
        h = s ? handle_of(pg, s) : -1;
        Py_XDECREF(t);
        if (h < 0)
            return -1;
        hc_put(pg, o, h);   /* o is held by dsk (a task's tuple) */
        *out = (dusk_harg){.kind = DUSK_HARG_KEY, .u.key = h};
        return 0;
    }
    dusk_value *v = pyd_value_from(o);
    if (!v)
        return -1;
    *out = (dusk_harg){.kind = DUSK_HARG_LIT, .u.lit = v};
    return 0;
}

static void hargs_free(dusk_harg *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].kind == DUSK_HARG_LIT)
            dusk_value_unref(a[i].u.lit);
        else if (a[i].kind == DUSK_HARG_ARG)
            dusk_arg_free(a[i].u.arg);
    }
}

/* Sets the task val (is_task) under the key of text key or object kobj
 * (either may be NULL, not both) and handle h (-1: not known yet). */
static int add_task(pyd_graph *pg, const char *key, PyObject *kobj, int64_t h, PyObject *val)
{
    Py_ssize_t n = PyTuple_GET_SIZE(val) - 1;
    pyfunc *pf = func_for(pg, PyTuple_GET_ITEM(val, 0));
    if (!pf)
        return -1;
    dusk_harg small[8];
    dusk_harg *args = n <= 8 ? small : PyMem_Calloc((size_t)n, sizeof *args);
    if (!args) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *ptext = NULL;
    Py_ssize_t made = 0;
    int rc = -1;
    for (; made < n; made++)
        if (harg_of(pg, &key, kobj, &ptext, PyTuple_GET_ITEM(val, made + 1), &args[made]) < 0)
            goto done;
    if (h < 0) {
        if (!key) {
            ptext = pyd_key_text(kobj);
            key = ptext ? PyUnicode_AsUTF8(ptext) : NULL;
        }
        h = key ? handle_of(pg, key) : -1;
        if (h < 0)
            goto done;
    }
    made = 0;   /* dusk_graph_task_h takes them over */
    rc = dusk_graph_task_h(pg->g, h, &pf->f, (size_t)n, args) ? graph_failed(pg) : 0;
done:
    hargs_free(args, (size_t)made);
    if (args != small)
        PyMem_Free(args);
    Py_XDECREF(ptext);
    return rc;
}

static int add_entry(pyd_graph *pg, const char *key, PyObject *val)
{
    if (is_task(val))
        return add_task(pg, key, NULL, -1, val);
    if (PyList_Check(val) && list_needs_run(pg, val, 0)) {
        /* A list of keys and tasks: computed, as Dask computes it. */
        dusk_arg *a = make_arg(pg, key, val, pg->depth);
        if (!a)
            return -1;
        return dusk_task(pg->g, key, &dusk_identity, a) ? graph_failed(pg) : 0;
    }
    if (is_key(pg, val)) {
        PyObject *t = graph_key_text(pg, val);
        const char *s = t ? PyUnicode_AsUTF8(t) : NULL;
        int rc = s ? dusk_graph_alias(pg->g, key, s) : 0;
        Py_XDECREF(t);
        if (!s)
            return -1;
        return rc ? graph_failed(pg) : 0;
    }
    dusk_value *v = pyd_value_from(val);
    if (!v)
        return -1;
    return dusk_graph_value(pg->g, key, v) ? graph_failed(pg) : 0;
}

void pyd_graph_free(pyd_graph *pg)
{
    if (!pg)
        return;
    dusk_graph_free(pg->g);   /* first: its literals may hold objects */
    PyMem_Free(pg->hc);
    Py_XDECREF(pg->funcs);
    Py_XDECREF(pg->canon);
    Py_XDECREF(pg->dsk);
    int keep = pg->listened && pyd_profiles_alive();
    for (pyfunc *pf = pg->head, *next; pf; pf = next) {
        next = pf->next;
        Py_CLEAR(pf->callable);
        if (keep) {
            pf->next = graveyard;
            graveyard = pf;
        } else {
            dusk_free((void *)pf->f.name);
            dusk_free(pf);
        }
    }
    dusk_free(pg);
}

pyd_graph *pyd_graph_build(PyObject *dsk)
{
    if (!PyDict_Check(dsk) && !PyObject_HasAttrString(dsk, "keys")) {
        PyErr_Format(PyExc_TypeError, "dsk must be a dict (a Dask graph), not %.100s",
                     Py_TYPE(dsk)->tp_name);
        return NULL;
    }
    pyd_graph *pg = dusk_calloc(1, sizeof *pg);
    if (!pg)
        return (pyd_graph *)PyErr_NoMemory();
    if (PyDict_Check(dsk)) {
        pg->dsk = dsk;
        Py_INCREF(dsk);
    } else {
        /* A HighLevelGraph, or any mapping: read once, as a dict. */
        pg->dsk = PyDict_New();
        if (pg->dsk && PyDict_Merge(pg->dsk, dsk, 1) < 0)
            Py_CLEAR(pg->dsk);
    }
    pg->funcs = PyDict_New();
    pg->g = dusk_graph_new();
    if (!pg->dsk || !pg->funcs || !pg->g) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto fail;
    }
    /* Room for every key at once (nested tasks' keys may add a few); when
     * that fails the graph grows as it goes, as it would anyway. */
    (void)dusk_graph_reserve(pg->g, (size_t)PyDict_GET_SIZE(pg->dsk));
    /* The keys first: their handles, by address (struct pyd_graph), in a
     * table made big enough for them at once (or grown, if that fails). */
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    pg->str_keys = 1;
    size_t cap = 64;
    while (cap < 2 * ((size_t)PyDict_GET_SIZE(pg->dsk) + 1))
        cap *= 2;
    if ((pg->hc = PyMem_Calloc(cap, sizeof *pg->hc)))
        pg->hc_cap = cap;
    /* Interned in groups (dusk_graph_handles fetches a group's slots of
     * the graph's table ahead, which a key at a time misses the cache
     * for); each text (a new object for a key that is no str) kept until
     * its group is done. */
    enum { GROUP = 64 };
    PyObject *gk[GROUP], *gt[GROUP];
    const char *gs[GROUP];
    int64_t gh[GROUP];
    size_t ng = 0;
    for (int more = 1; more;) {
        more = PyDict_Next(pg->dsk, &pos, &k, &v);
        if (more) {
            pg->str_keys &= PyUnicode_CheckExact(k);
            PyObject *t = pyd_key_text(k);
            const char *s = t ? PyUnicode_AsUTF8(t) : NULL;
            if (!s) {
                Py_XDECREF(t);
                while (ng)
                    Py_DECREF(gt[--ng]);
                goto fail;
            }
            gk[ng] = k;
            gt[ng] = t;
            gs[ng++] = s;
        }
        if (ng == GROUP || (!more && ng)) {
            int rc = dusk_graph_handles(pg->g, ng, gs, gh);
            for (size_t i = 0; i < ng; i++) {
                if (!rc)
                    hc_put(pg, gk[i], gh[i]);
                Py_DECREF(gt[i]);
            }
            ng = 0;
            if (rc) {
                graph_failed(pg);
                goto fail;
            }
        }
    }
    pos = 0;
    while (PyDict_Next(pg->dsk, &pos, &k, &v)) {
        int rc;
        if (is_task(v)) {
            rc = add_task(pg, NULL, k, hc_find(pg, k), v);
        } else {
            PyObject *t = pyd_key_text(k);
            const char *s = t ? PyUnicode_AsUTF8(t) : NULL;
            rc = s ? add_entry(pg, s, v) : -1;
            Py_XDECREF(t);
        }
        if (rc < 0)
            goto fail;
    }
    PyMem_Free(pg->hc);   /* its addresses are only sure while building */
    pg->hc = NULL;
    pg->hc_cap = pg->hc_n = 0;
    /* dusk knows keys by their text: two keys of one text (the string
     * "('x', 0)" and the tuple ('x', 0)) would be one. */
    if (dusk_graph_size(pg->g) != (size_t)PyDict_GET_SIZE(pg->dsk) + pg->hoisted_keys) {
        PyErr_SetString(PyExc_ValueError, "two keys of the graph have the same text (a string "
                        "key that reads as a tuple key, or a number key as its text): dusk "
                        "cannot tell them apart");
        goto fail;
    }
    return pg;
fail:
    pyd_graph_free(pg);
    return NULL;
}

dusk_graph *pyd_graph_dusk(pyd_graph *pg)
{
    return pg->g;
}

/* --- dusk.get ---------------------------------------------------------------------- */

int pyd_parse_scheduler(PyObject *scheduler, PyObject *num_workers, dusk_options *opts,
                        int *view)
{
    *view = 0;
    opts->scheduler = DUSK_SCHED_THREADS;
    if (scheduler && scheduler != Py_None) {
        const char *s = PyUnicode_Check(scheduler) ? PyUnicode_AsUTF8(scheduler) : NULL;
        if (!s) {
            PyErr_Format(PyExc_TypeError,
                         "scheduler must be 'threads', 'sync' or 'view', not %.100s",
                         Py_TYPE(scheduler)->tp_name);
            return -1;
        }
        if (!strcmp(s, "threads") || !strcmp(s, "threading"))
            opts->scheduler = DUSK_SCHED_THREADS;
        else if (!strcmp(s, "sync") || !strcmp(s, "synchronous") || !strcmp(s, "single-threaded"))
            opts->scheduler = DUSK_SCHED_SYNC;
        else if (!strcmp(s, "view"))
            *view = 1;
        else {
            PyErr_Format(PyExc_ValueError,
                         "unknown scheduler '%s': dusk has 'threads', 'sync' and 'view'", s);
            return -1;
        }
    }
    opts->workers = 0;
    if (num_workers && num_workers != Py_None) {
        /* Any integer (NumPy's too, as Dask's pools take), not a bool. */
        if (!PyIndex_Check(num_workers) || PyBool_Check(num_workers) ||
            PyObject_TypeCheck(num_workers, &PyBoolArrType_Type)) {
            PyErr_Format(PyExc_TypeError, "num_workers must be an int or None, not %.100s",
                         Py_TYPE(num_workers)->tp_name);
            return -1;
        }
        Py_ssize_t n = PyNumber_AsSsize_t(num_workers, PyExc_OverflowError);
        if (n == -1 && PyErr_Occurred()) {
            PyErr_Clear();   /* past 64 bits: out of range all the same */
            n = -1;
        }
        /* 0 is the default, one per core, as Dask's pools and dusk run
         * --workers 0 take it */
        if (n < 0 || n > 4096) {
            PyErr_Format(PyExc_ValueError, "num_workers must be from 0 (one per core) to 4096, "
                         "not %R", num_workers);
            return -1;
        }
        opts->workers = (int)n;
    }
    return 0;
}

/* The request for keys (a key, or nested lists of keys); NULL with an
 * exception. Keys not in the graph are KeyError, as in Dask. */
static dusk_arg *make_request(pyd_graph *pg, PyObject *keys, int depth)
{
    if (PyList_Check(keys)) {
        if (depth > 100) {
            PyErr_SetString(PyExc_ValueError, "keys nest more than 100 lists deep");
            return NULL;
        }
        Py_ssize_t n = PyList_GET_SIZE(keys);
        dusk_arg **items = PyMem_Calloc((size_t)n + 1, sizeof *items);
        if (!items)
            return (dusk_arg *)PyErr_NoMemory();
        for (Py_ssize_t i = 0; i < n; i++) {
            items[i] = make_request(pg, PyList_GET_ITEM(keys, i), depth + 1);
            if (!items[i]) {
                for (Py_ssize_t j = 0; j < i; j++)
                    dusk_arg_free(items[j]);
                PyMem_Free(items);
                return NULL;
            }
        }
        dusk_arg *a = dusk_listv((size_t)n, items);
        PyMem_Free(items);
        if (!a)
            PyErr_NoMemory();
        return a;
    }
    int c = PyDict_Contains(pg->dsk, keys);
    if (c <= 0) {
        if (c < 0) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "a key must be hashable, not %.100s",
                         Py_TYPE(keys)->tp_name);
        } else {
            PyErr_SetObject(PyExc_KeyError, keys);
        }
        return NULL;
    }
    PyObject *t = graph_key_text(pg, keys);
    const char *s = t ? PyUnicode_AsUTF8(t) : NULL;
    dusk_arg *a = s ? dusk_ref(s) : NULL;
    if (s && !a)
        PyErr_NoMemory();
    Py_XDECREF(t);
    return a;
}

/* The result in the request's shape: lists of keys give tuples. */
static PyObject *result_of(PyObject *keys, dusk_value *v)
{
    if (!PyList_Check(keys))
        return pyd_value_to(v);
    Py_ssize_t n = PyList_GET_SIZE(keys);
    PyObject *t = PyTuple_New(n);
    for (Py_ssize_t i = 0; t && i < n; i++) {
        PyObject *it = result_of(PyList_GET_ITEM(keys, i), dusk_tuple_get(v, (size_t)i));
        if (!it) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, it);
    }
    return t;
}

/* Re-raises the exception of a failed task, the same object, with a note
 * naming its key (add_note: its args and str stay the task's own). dusk's
 * message reads "task 'z' (inc) failed: ValueError: ...", the part after
 * " failed: " being keep_exception's text (maybe cut short); the key may
 * hold " failed: " too, so the last place where the rest of the message
 * is a kept text is the one. Two tasks that raised the same text
 * raised the same type and message: either one is raised. */
static void raise_task_error(pyrun *r, const dusk_error *err)
{
    static const char mark[] = " failed: ";
    PyObject *exc = NULL;
    const char *where_end = NULL;
    /* a message as long as dusk keeps was cut short: then the rest
     * begins the text; else it is the whole text ("ValueError: a" is not
     * "ValueError: ab") */
    int cut = strlen(err->msg) >= DUSK_ERROR_MSG_MAX - 1;
    for (const char *p = strstr(err->msg, mark); p; p = strstr(p + 1, mark)) {
        const char *rest = p + sizeof mark - 1;
        size_t len = strlen(rest);
        for (Py_ssize_t i = 0; len && i < PyList_GET_SIZE(r->excs); i++) {
            PyObject *pair = PyList_GET_ITEM(r->excs, i);
            const char *text = PyBytes_AS_STRING(PyTuple_GET_ITEM(pair, 1));
            if (cut ? strncmp(text, rest, len) == 0 : strcmp(text, rest) == 0) {
                exc = PyTuple_GET_ITEM(pair, 0);
                where_end = p;
                break;
            }
        }
    }
    if (!exc) {
        pyd_raise(err->code, err);
        return;
    }
    Py_INCREF(exc);
    PyObject *where = PyUnicode_DecodeUTF8(err->msg, where_end - err->msg, "replace");
    PyObject *note = where ? PyUnicode_FromFormat("raised by dusk %U", where) : NULL;
    Py_XDECREF(where);
    /* A shared exception raised again gets the note once. */
    PyObject *notes = note ? PyObject_GetAttrString(exc, "__notes__") : NULL;
    int has = notes && PyList_Check(notes) ? PySequence_Contains(notes, note) : 0;
    PyErr_Clear();
    if (note && has != 1) {
        PyObject *rr = PyObject_CallMethod(exc, "add_note", "O", note);
        Py_XDECREF(rr);
    }
    PyErr_Clear();
    Py_XDECREF(notes);
    Py_XDECREF(note);
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
}

static void funcs_set_run(pyd_graph *pg, pyrun *r)
{
    for (pyfunc *pf = pg->head; pf; pf = pf->next)
        pf->run = r;
}

/* Runs request on pg (taking the request over); the result, or NULL with
 * an exception. */
typedef struct {
    dusk_graph *g;
    dusk_arg *req;
    dusk_options *opts;
    dusk_value **out;
    dusk_error *err;
} compute_call;

static int compute_main(void *p)
{
    compute_call *c = p;
    return dusk_compute(c->g, c->req, c->opts, c->out, c->err);
}

static PyObject *run_request(pyd_graph *pg, PyObject *keys, dusk_arg *req,
                             dusk_options *opts, pyd_run_ctl *ctl, int view)
{
    int interrupted = 0;
    pyrun r;
    if (ctl->nowners)
        pyd_profiles_note_keys(ctl, pg->dsk);   /* with the GIL, before run_begin */
    pyd_view_sig view_sig = {0};
    if (view)
        pyd_view_watch(&view_sig);   /* with the GIL too */
    if (run_begin(&r, ctl) < 0) {
        if (view)
            pyd_view_unwatch(&view_sig);
        dusk_arg_free(req);
        return NULL;
    }
    funcs_set_run(pg, &r);
    if (ctl->nowners)
        pg->listened = 1;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc;
    if (view) {
        /* The window runs the request as it is (no task of dusk's is
         * added: it shows the user's graph only). */
        dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
        pyd_view_active(&vo);
        vo.run = opts;
        vo.stop = pyd_view_flag(&view_sig);
        rc = dusk_view_compute(pg->g, req, &vo, &out, &err);
    } else if (opts->scheduler == DUSK_SCHED_THREADS) {
        /* The caller watches for ^C meanwhile (the sync scheduler's tasks
         * run on the caller's thread, where Python sees it). */
        compute_call c = {pg->g, req, opts, &out, &err};
        rc = pyd_run_wait(ctl, r.caller_ts, compute_main, &c, &interrupted);
    } else {
        rc = dusk_compute(pg->g, req, opts, &out, &err);
    }
    run_end(&r);
    if (view && pyd_view_unwatch(&view_sig)) {
        dusk_value_unref(out);
        out = NULL;
        interrupted = 1;
    }
    PyObject *res = NULL;
    if (interrupted) {
        /* The signal's exception (KeyboardInterrupt) is set. */
    } else if (rc != 0) {
        if (rc == DUSK_ETASK)
            raise_task_error(&r, &err);
        else
            pyd_raise(rc, &err);
    } else {
        res = result_of(keys, out);
    }
    dusk_value_unref(out);
    funcs_set_run(pg, NULL);
    Py_DECREF(r.excs);
    return res;
}

static PyObject *py_get(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"dsk", "keys", "scheduler", "num_workers", NULL};
    PyObject *dsk, *keys, *scheduler = NULL, *num_workers = NULL;
    /* Dask passes its own options to a scheduler's get (pool=, ...):
     * they are taken and ignored, as Dask's own get functions do. */
    PyObject *pos = PyTuple_GetSlice(args, 0, PyTuple_GET_SIZE(args) < 4 ? PyTuple_GET_SIZE(args) : 4);
    PyObject *known = PyDict_New();
    if (!pos || !known)
        goto bad;
    if (kw) {
        for (int i = 0; kwlist[i]; i++) {
            PyObject *v = PyDict_GetItemString(kw, kwlist[i]);
            if (v && PyDict_SetItemString(known, kwlist[i], v) < 0)
                goto bad;
        }
    }
    if (!PyArg_ParseTupleAndKeywords(pos, known, "OO|OO:get", kwlist, &dsk, &keys, &scheduler,
                                     &num_workers))
        goto bad;
    dusk_options opts = DUSK_OPTIONS_INIT;
    int view;
    if (pyd_parse_scheduler(scheduler, num_workers, &opts, &view) < 0)
        goto bad;
    if (pyd_view_active(NULL))
        view = 1;
    pyd_run_ctl ctl;
    pyd_listeners(&opts, &ctl);
    pyd_graph *pg = pyd_graph_build(dsk);
    if (!pg) {
        pyd_listeners_release(&ctl);
        goto bad;
    }
    dusk_arg *req = make_request(pg, keys, 0);
    PyObject *res = req ? run_request(pg, keys, req, &opts, &ctl, view) : NULL;
    pyd_graph_free(pg);
    pyd_listeners_release(&ctl);
    Py_DECREF(pos);
    Py_DECREF(known);
    return res;
bad:
    Py_XDECREF(pos);
    Py_XDECREF(known);
    return NULL;
}

/* --- the module --------------------------------------------------------------------- */

static PyObject *py_ncores(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(dusk_ncores());
}

/* How many keys the dusk graph read from dsk has (nested tasks have keys
 * of their own): what bench/py.py times as reading a graph. */
static PyObject *py_graph_size(PyObject *self, PyObject *dsk)
{
    (void)self;
    pyd_graph *pg = pyd_graph_build(dsk);
    if (!pg)
        return NULL;
    size_t n = dusk_graph_size(pg->g);
    pyd_graph_free(pg);
    return PyLong_FromSize_t(n);
}

/* dusk's count of live blocks (alloc.h): tests check it comes back. */
static PyObject *py_alloc_live(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(dusk_alloc_live());
}

static PyMethodDef methods[] = {
    {"_graph_size", py_graph_size, METH_O, "keys of the dusk graph read from a Dask graph"},
    {"_alloc_live", py_alloc_live, METH_NOARGS, "dusk_alloc_live(): blocks dusk has allocated"},
    {"get", (PyCFunction)(void (*)(void))py_get, METH_VARARGS | METH_KEYWORDS,
     "get(dsk, keys, scheduler='threads', num_workers=None)\n--\n\n"
     "Computes keys of the Dask graph dsk with dusk's scheduler: a key gives its\n"
     "value, a list of keys a tuple of values (nested lists, nested tuples)."},
    {"ncores", py_ncores, METH_NOARGS, "The number of online processors."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {
    PyModuleDef_HEAD_INIT, "dusk._dusk",
    "dusk's C core for Python: graphs, schedulers, arrays, pictures, profiles.", -1, methods,
    NULL, NULL, NULL, NULL,
};

static int add_op(PyObject *operator_mod, PyObject *builtins, const char *name, int op)
{
    PyObject *f = PyObject_GetAttrString(!strcmp(name, "sum") ? builtins : operator_mod, name);
    if (!f)
        return -1;
    PyObject *v = PyLong_FromLong(op);
    int rc = v ? PyDict_SetItem(builtin_ops, f, v) : -1;
    Py_XDECREF(v);
    Py_DECREF(f);
    return rc;
}

PyMODINIT_FUNC PyInit__dusk(void);
PyMODINIT_FUNC PyInit__dusk(void)
{
    import_array();
    PyObject *m = PyModule_Create(&moddef);
    if (!m)
        return NULL;
    pyd_error = PyErr_NewExceptionWithDoc("dusk.DuskError",
                                          "A dusk failure that no Python type names better.",
                                          PyExc_RuntimeError, NULL);
    if (!pyd_error || PyModule_AddObjectRef(m, "DuskError", pyd_error) < 0)
        goto fail;
    builtin_ops = PyDict_New();
    PyObject *op = PyImport_ImportModule("operator");
    PyObject *bi = PyImport_ImportModule("builtins");
    int rc = (!builtin_ops || !op || !bi || add_op(op, bi, "add", OP_ADD) < 0 ||
              add_op(op, bi, "sub", OP_SUB) < 0 || add_op(op, bi, "mul", OP_MUL) < 0 ||
              add_op(op, bi, "neg", OP_NEG) < 0 || add_op(op, bi, "sum", OP_SUM) < 0)
                 ? -1 : 0;
    Py_XDECREF(op);
    Py_XDECREF(bi);
    if (rc < 0 || PyModule_AddStringConstant(m, "__version__", DUSK_VERSION) < 0 ||
        pyd_array_init(m) < 0 || pyd_diag_init(m) < 0 || pyd_blocks_init(m) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
