/*
** python/blocks.c — Python functions on blocks: the C half of dask.array's
** map_blocks, blockwise, map_overlap and reduction (dusk/blocks.py)
**
** dusk/blocks.py wraps each distinct call of a user's function (the
** function, its extra arguments and keywords, whether it wants block_id
** or block_info) in a BlockFunction: a dusk_block_func named after the
** function whose block function, py_block, calls the BlockFunction's
** runner, a Python callable that dusk/blocks.py writes. _map_blocks,
** _blockwise, _map_overlap and _reduction build the layers with
** array/map.c's dusk_map_blocks, dusk_blockwise, dusk_map_overlap_axes and
** dusk_array_reduction, so the graphs are those of C's user functions.
**
** A block's task runs py_block on a worker thread: it takes the GIL
** (PyGILState_Ensure, on a thread state the worker keeps for its life:
** pyd_worker_state; the threads scheduler's workers then run Python one
** at a time, and NumPy releases the GIL inside its loops, as under Dask),
** wraps the input blocks as read-only NumPy arrays over dusk's memory (no
** copy: other tasks read the same blocks), calls runner(blocks, block_id)
** and makes what it returns a dusk block: the very block when it returns
** an input block whole, else a copy into a new dusk ndarray. What cannot
** be a block of the array's dtype fails the task naming the function;
** dusk_block_func_run then checks the shape, and dusk names the block's key.
**
** Lifetime. A layer points at its BlockFunction's dusk_block_func (not
** counted), so the array context keeps every BlockFunction used in it
** (pyd_array_result) and drops them only once its layers are freed: the
** user's function and arguments live as long as any array that may run
** them. The context traverses them for Python's cyclic GC (python/array.c):
** a function that closes over an array of its own context is a cycle,
** broken by bf_clear, which drops the runner (and with it the user's
** function); the dusk_block_func stays until the context drops it. A
** profile's recorded plans point at the dusk_func too: a
** BlockFunction that goes while a profile lives leaves its dusk_block_func
** to the graveyard, freed with the last profile (pyd_blocks_release).
**
** Exceptions. An exception raised by the function (or the runner) fails
** the task with "Type: text", as Python shows it, and is kept in `kept`
** with that text; when dusk's message for the failed run comes to
** pyd_raise, pyd_blocks_reraise finds it by that text and raises that
** same exception object again, with a note naming the block's key,
** and forgets every kept one (a run reports its first failure; computations
** of arrays run one at a time, under dusk/array.py's lock); a run stopped
** by ^C, which reports none, forgets them too (pyd_blocks_forget: their
** tracebacks would hold the functions and their arrays). At most
** MAX_KEPT are kept between two failures reported; past that the task's
** message says the exception's type and text, raised as DuskError.
*/
#include "pydusk.h"

#include <stdlib.h>
#include <string.h>

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL pyd_numpy_api
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#define MAX_KEPT 32

typedef struct {
    PyObject_HEAD
    dusk_block_func *bf;    /* its func.name owned; ud is this object (borrowed) */
    PyObject *runner;       /* runner(blocks, block_id) -> the block */
} bfobject;

/* dusk_block_funcs that profiles' plans may still point to */
typedef struct dead_func {
    dusk_block_func *bf;
    struct dead_func *next;
} dead_func;
static dead_func *graveyard;

static PyObject *kept;      /* {N: (exception, its text as bytes)}, GIL */
static long kept_next;

/* --- exceptions ------------------------------------------------------------------- */

/* Keeps the pending exception and names it in err; GIL held. */
static int keep_exception(const char *fname, dusk_error *err)
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
    long n = kept_next++;
    const char *tname = exc ? Py_TYPE(exc)->tp_name : "?";
    if (kept && exc && PyDict_GET_SIZE(kept) < MAX_KEPT) {
        dusk_error_set(err, DUSK_ETASK, "%s: %s", tname, text ? text : "");
        PyObject *k = PyLong_FromLong(n);
        PyObject *pair = Py_BuildValue("(Oy)", exc, err->msg);
        if (!k || !pair || PyDict_SetItem(kept, k, pair) < 0)
            PyErr_Clear();
        Py_XDECREF(k);
        Py_XDECREF(pair);
    } else {
        dusk_error_set(err, DUSK_ETASK, "%s raised %s: %s", fname, tname, text ? text : "");
    }
    Py_XDECREF(s);
    Py_XDECREF(exc);
    return DUSK_ETASK;
}

int pyd_blocks_reraise(const dusk_error *err)
{
    static const char mark[] = " failed: ";
    if (!kept || !PyDict_GET_SIZE(kept) || !err->msg[0])
        return 0;
    PyObject *exc = NULL;
    const char *where_end = NULL;
    /* the key may hold " failed: " too: the last place where a kept text
     * is the rest of the message is the one (a message as long as dusk
     * keeps was cut short: then the rest begins the text; "ValueError: a"
     * is not "ValueError: ab"); two blocks that raised the same text
     * raised the same type and message, and either one is raised */
    int cut = strlen(err->msg) >= DUSK_ERROR_MSG_MAX - 1;
    for (const char *p = strstr(err->msg, mark); p; p = strstr(p + 1, mark)) {
        const char *rest = p + sizeof mark - 1;
        size_t len = strlen(rest);
        Py_ssize_t pos = 0;
        PyObject *k, *pair;
        while (len && PyDict_Next(kept, &pos, &k, &pair)) {
            const char *text = PyBytes_AS_STRING(PyTuple_GET_ITEM(pair, 1));
            if (cut ? strncmp(text, rest, len) == 0 : strcmp(text, rest) == 0) {
                Py_XSETREF(exc, Py_NewRef(PyTuple_GET_ITEM(pair, 0)));
                where_end = p;
                break;
            }
        }
    }
    PyDict_Clear(kept);
    if (!exc)
        return 0;
    PyObject *where = PyUnicode_DecodeUTF8(err->msg, where_end - err->msg, "replace");
    PyObject *note = where ? PyUnicode_FromFormat("raised by dusk %U", where) : NULL;
    Py_XDECREF(where);
    PyObject *notes = note ? PyObject_GetAttrString(exc, "__notes__") : NULL;
    int has = notes && PyList_Check(notes) ? PySequence_Contains(notes, note) : 0;
    PyErr_Clear();
    if (note && has != 1) {
        PyObject *r = PyObject_CallMethod(exc, "add_note", "O", note);
        Py_XDECREF(r);
    }
    PyErr_Clear();
    Py_XDECREF(notes);
    Py_XDECREF(note);
    PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    Py_DECREF(exc);
    return 1;
}

void pyd_blocks_forget(void)
{
    if (kept)
        PyDict_Clear(kept);
}

/* --- blocks between dusk and NumPy ----------------------------------------------- */

/* An input block for the function: an ndarray as a read-only NumPy array
 * over its memory; blockwise's lists of blocks (tuples) as lists. */
static PyObject *block_to_py(dusk_value *v, int depth)
{
    if (dusk_value_kind(v) == DUSK_KIND_NDARRAY) {
        PyObject *a = pyd_ndarray_to_numpy(v);
        if (a)
            PyArray_CLEARFLAGS((PyArrayObject *)a, NPY_ARRAY_WRITEABLE);
        return a;
    }
    if (dusk_value_kind(v) != DUSK_KIND_TUPLE || depth > DUSK_MAXDIMS)
        return pyd_value_to(v);
    size_t n = dusk_tuple_len(v);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *it = block_to_py(dusk_tuple_get(v, i), depth + 1);
        if (!it)
            Py_CLEAR(l);
        else
            PyList_SET_ITEM(l, (Py_ssize_t)i, it);
    }
    return l;
}

/* The dusk dtype of a NumPy array (by kind and size, whatever its byte
 * order), or -1. */
static int dtype_of_numpy(PyArrayObject *a)
{
    PyArray_Descr *d = PyArray_DESCR(a);
    static const struct {
        char kind;
        int size;
        dusk_dtype dt;
    } map[] = {
        {'f', 8, DUSK_DT_F8}, {'f', 4, DUSK_DT_F4}, {'f', 2, DUSK_DT_F2},
        {'i', 8, DUSK_DT_I8}, {'i', 4, DUSK_DT_I4}, {'i', 2, DUSK_DT_I2}, {'i', 1, DUSK_DT_I1},
        {'u', 8, DUSK_DT_U8}, {'u', 4, DUSK_DT_U4}, {'u', 2, DUSK_DT_U2}, {'u', 1, DUSK_DT_U1},
        {'b', 1, DUSK_DT_BOOL}, {'c', 16, DUSK_DT_C16}, {'c', 8, DUSK_DT_C8},
    };
    if (PyDataType_HASFIELDS(d) || PyDataType_HASSUBARRAY(d))
        return -1;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].kind == d->kind && map[i].size == (int)d->elsize)
            return (int)map[i].dt;
    return -1;
}

/* The dusk block behind a, when a is exactly one (an input block given
 * back whole), else NULL. */
static dusk_value *same_block(PyArrayObject *a)
{
    PyObject *base = PyArray_BASE(a);
    while (base && PyArray_Check(base))
        base = PyArray_BASE((PyArrayObject *)base);
    if (!base || !PyCapsule_IsValid(base, "dusk.value"))
        return NULL;
    dusk_value *v = PyCapsule_GetPointer(base, "dusk.value");
    int nd = PyArray_NDIM(a);
    if (dusk_ndarray_data(v) != PyArray_DATA(a) || dusk_ndarray_ndim(v) != nd ||
        (int)dusk_ndarray_dtype(v) != dtype_of_numpy(a) || !PyArray_ISNOTSWAPPED(a))
        return NULL;
    for (int d = 0; d < nd; d++)
        if (dusk_ndarray_shape(v)[d] != PyArray_DIM(a, d) ||
            (PyArray_DIM(a, d) > 1 && dusk_ndarray_strides(v)[d] != PyArray_STRIDE(a, d)))
            return NULL;
    return dusk_value_ref(v);
}

/* What the function returned, as a block of dtype dt (new reference in
 * *out); GIL held. */
static int block_from_py(const char *fname, PyObject *res, dusk_dtype dt, dusk_value **out,
                         dusk_error *err)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FromAny(res, NULL, 0, 0, 0, NULL);
    if (!a) {
        PyErr_Clear();
        return dusk_error_set(err, DUSK_ETYPE, "%s returned a %.100s, which NumPy cannot make "
                              "an array of", fname, Py_TYPE(res)->tp_name);
    }
    int got = dtype_of_numpy(a);
    int rc = 0;
    if (got < 0) {
        PyObject *s = PyObject_Str((PyObject *)PyArray_DESCR(a));
        const char *t = s ? PyUnicode_AsUTF8(s) : NULL;
        PyErr_Clear();
        rc = dusk_error_set(err, DUSK_ETYPE, "%s returned a block of dtype %s, which a dusk "
                            "array cannot hold (it is %s)", fname, t ? t : "?",
                            dusk_dtype_name(dt));
        Py_XDECREF(s);
    } else if (got != (int)dt) {
        rc = dusk_error_set(err, DUSK_ETYPE, "%s returned a %s block where the array is %s "
                            "(give the dtype its blocks have: dtype=)", fname,
                            dusk_dtype_name((dusk_dtype)got), dusk_dtype_name(dt));
    } else if ((*out = same_block(a))) {
        /* no copy */
    } else {
        int nd = PyArray_NDIM(a);
        int64_t shape[DUSK_MAXDIMS];
        for (int d = 0; d < nd; d++)
            shape[d] = PyArray_DIM(a, d);
        dusk_value *v = dusk_ndarray_empty(dt, nd, shape);
        PyObject *dst = v ? pyd_ndarray_to_numpy(v) : NULL;
        if (!dst || PyArray_CopyInto((PyArrayObject *)dst, a) < 0) {
            PyErr_Clear();
            dusk_value_unref(v);
            rc = dusk_error_set(err, DUSK_ENOMEM, "%s: no memory for its block", fname);
        } else {
            *out = v;
        }
        Py_XDECREF(dst);
    }
    Py_DECREF(a);
    return rc;
}

/* Whether this thread is in a user's function on a block: the array's
 * compute that runs it holds dusk/array.py's lock, which building or
 * computing a dusk array there would wait for, for good. */
static _Thread_local int in_block;

static PyObject *py_in_block_task(PyObject *mod, PyObject *unused)
{
    (void)mod;
    (void)unused;
    return PyBool_FromLong(in_block > 0);
}

/* The block function of every BlockFunction (ud); any worker thread. */
static int py_block(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    bfobject *self = ud;
    const char *fname = self->bf->func.name;
    pyd_worker_state();
    PyGILState_STATE st = PyGILState_Ensure();
    int rc = 0;
    PyObject *blocks = PyTuple_New((Py_ssize_t)b->nin), *bid = PyTuple_New(b->ndim), *res = NULL;
    for (size_t i = 0; blocks && i < b->nin; i++) {
        PyObject *x = block_to_py((dusk_value *)b->in[i], 0);
        if (!x)
            Py_CLEAR(blocks);
        else
            PyTuple_SET_ITEM(blocks, (Py_ssize_t)i, x);
    }
    for (int d = 0; bid && d < b->ndim; d++) {
        PyObject *x = PyLong_FromLongLong(b->block_id[d]);
        if (!x)
            Py_CLEAR(bid);
        else
            PyTuple_SET_ITEM(bid, d, x);
    }
    /* Only the garbage collector clears runner (bf_clear), and only once
     * nothing can compute this function's arrays: a reference for the call */
    PyObject *runner = self->runner ? Py_NewRef(self->runner) : NULL;
    if (runner && blocks && bid) {
        in_block++;
        res = PyObject_CallFunctionObjArgs(runner, blocks, bid, NULL);
        in_block--;
    }
    if (!runner)
        rc = dusk_error_set(err, DUSK_EINVAL, "%s: its BlockFunction was cleared by the garbage "
                            "collector (its arrays were garbage)", fname);
    else if (!res)
        rc = keep_exception(fname, err);
    else
        rc = block_from_py(fname, res, b->dtype, out, err);
    Py_XDECREF(runner);
    Py_XDECREF(res);
    Py_XDECREF(blocks);
    Py_XDECREF(bid);
    PyGILState_Release(st);
    return rc;
}

/* --- BlockFunction ----------------------------------------------------------------- */

static PyObject *bf_new(PyTypeObject *t, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"name", "runner", NULL};
    const char *name;
    PyObject *runner;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sO:BlockFunction", kwlist, &name, &runner))
        return NULL;
    if (!PyCallable_Check(runner)) {
        PyErr_SetString(PyExc_TypeError, "BlockFunction: runner must be callable");
        return NULL;
    }
    bfobject *self = (bfobject *)t->tp_alloc(t, 0);
    if (!self)
        return NULL;
    self->bf = PyMem_RawCalloc(1, sizeof *self->bf);
    char *nm = dusk_strdup(name);
    if (!self->bf || !nm) {
        dusk_free(nm);
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->bf->func.name = nm;
    self->bf->func.fn = dusk_block_func_run;
    self->bf->func.ud = self->bf;
    self->bf->block = py_block;
    self->bf->ud = self;
    self->runner = Py_NewRef(runner);
    return (PyObject *)self;
}

static int bf_traverse(bfobject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->runner);   /* a subclass's type, __dict__: subtype_traverse's */
    return 0;
}

static int bf_clear(bfobject *self)
{
    Py_CLEAR(self->runner);
    return 0;
}

static void bf_free_func(dusk_block_func *bf)
{
    dusk_free((void *)bf->func.name);
    PyMem_RawFree(bf);
}

static void bf_dealloc(bfobject *self)
{
    /* a Python subclass's weakrefs, __dict__ and type: subtype_dealloc's */
    PyObject_GC_UnTrack(self);
    bf_clear(self);
    if (self->bf) {
        dead_func *d = pyd_profiles_alive() ? PyMem_RawMalloc(sizeof *d) : NULL;
        if (d) {
            self->bf->block = NULL;   /* nothing may call it now */
            d->bf = self->bf;
            d->next = graveyard;
            graveyard = d;
        } else {
            bf_free_func(self->bf);
        }
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

void pyd_blocks_release(void)
{
    for (dead_func *d = graveyard, *next; d; d = next) {
        next = d->next;
        bf_free_func(d->bf);
        PyMem_RawFree(d);
    }
    graveyard = NULL;
}

static PyObject *bf_name(bfobject *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(self->bf->func.name);
}

static PyObject *bf_runner(bfobject *self, void *c)
{
    (void)c;
    return Py_NewRef(self->runner ? self->runner : Py_None);
}

static PyGetSetDef bf_getset[] = {
    {"name", (getter)bf_name, NULL, "the function's name, as tasks show it", NULL},
    {"runner", (getter)bf_runner, NULL, "runner(blocks, block_id): a block", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject BFType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dusk._dusk.BlockFunction",
    .tp_basicsize = sizeof(bfobject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "BlockFunction(name, runner): a Python function on blocks, as a dusk_block_func "
              "(dusk/blocks.py makes them).",
    .tp_new = bf_new,
    .tp_dealloc = (destructor)bf_dealloc,
    .tp_traverse = (traverseproc)bf_traverse,
    .tp_clear = (inquiry)bf_clear,
    .tp_getset = bf_getset,
};

/* --- building ------------------------------------------------------------------------ */

static const dusk_block_func *bf_of(PyObject *o, const char *what)
{
    if (!PyObject_TypeCheck(o, &BFType)) {
        PyErr_Format(PyExc_TypeError, "%s must be a BlockFunction, not %.100s", what,
                     Py_TYPE(o)->tp_name);
        return NULL;
    }
    return ((bfobject *)o)->bf;
}

static int dtype_named(const char *s, dusk_dtype *out)
{
    for (int t = 0; t < DUSK_DT_COUNT; t++)
        if (!strcmp(s, dusk_dtype_name((dusk_dtype)t))) {
            *out = (dusk_dtype)t;
            return 0;
        }
    PyErr_Format(PyExc_TypeError, "dusk arrays have no dtype '%s'", s);
    return -1;
}

/* The arrays of a list, of one context; their number, or -1. */
static int arrays_of(PyObject *list, dusk_array **in)
{
    if (!PyList_Check(list) || PyList_GET_SIZE(list) < 1 || PyList_GET_SIZE(list) > 16) {
        PyErr_SetString(PyExc_ValueError, "from 1 to 16 dusk arrays are needed");
        return -1;
    }
    int n = (int)PyList_GET_SIZE(list);
    for (int i = 0; i < n; i++) {
        PyObject *o = PyList_GET_ITEM(list, i);
        if (!(in[i] = pyd_array_ptr(o, "an input")))
            return -1;
        if (i && pyd_array_same_ctx(PyList_GET_ITEM(list, 0), o) < 0)
            return -1;
    }
    return n;
}

static PyObject *py_map_blocks(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *cls, *f, *list;
    const char *dtype, *chunks, *name;
    unsigned long long drop, add;
    if (!PyArg_ParseTuple(args, "O!OO!szKKz:_map_blocks", &PyType_Type, &cls, &f, &PyList_Type,
                          &list, &dtype, &chunks, &drop, &add, &name))
        return NULL;
    dusk_array *in[16];
    dusk_dtype dt;
    const dusk_block_func *bf = bf_of(f, "the function");
    int n = bf ? arrays_of(list, in) : -1;
    if (n < 0 || dtype_named(dtype, &dt) < 0)
        return NULL;
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.name = name;
    o.chunks = chunks;
    o.drop_axis = drop;
    o.new_axis = add;
    dusk_array *r = dusk_map_blocks(bf, in, n, dt, &o);
    return pyd_array_result((PyTypeObject *)cls, PyList_GET_ITEM(list, 0), r, f);
}

static PyObject *py_blockwise(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *cls, *f, *list;
    const char *indices, *dtype, *chunks, *name;
    int concatenate, whole = 0;
    if (!PyArg_ParseTuple(args, "O!OsO!spzz|p:_blockwise", &PyType_Type, &cls, &f, &indices,
                          &PyList_Type, &list, &dtype, &concatenate, &chunks, &name, &whole))
        return NULL;
    dusk_array *in[16];
    dusk_dtype dt;
    const dusk_block_func *bf = bf_of(f, "the function");
    int n = bf ? arrays_of(list, in) : -1;
    if (n < 0 || dtype_named(dtype, &dt) < 0)
        return NULL;
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.name = name;
    o.whole_name = whole != 0;
    o.chunks = chunks;
    dusk_array *r = dusk_blockwise(bf, indices, in, n, dt, concatenate != 0, &o);
    return pyd_array_result((PyTypeObject *)cls, PyList_GET_ITEM(list, 0), r, f);
}

static PyObject *py_map_overlap(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *cls, *f, *list, *depth, *kinds, *values;
    const char *dtype, *name, *chunks = NULL;
    int trim = 1;
    if (!PyArg_ParseTuple(args, "O!OO!sO!O!O!z|pz:_map_overlap", &PyType_Type, &cls, &f,
                          &PyList_Type, &list, &dtype, &PyTuple_Type, &depth, &PyTuple_Type,
                          &kinds, &PyTuple_Type, &values, &name, &trim, &chunks))
        return NULL;
    dusk_array *in[16];
    dusk_dtype dt;
    const dusk_block_func *bf = bf_of(f, "the function");
    int n = bf ? arrays_of(list, in) : -1;
    if (n < 0 || dtype_named(dtype, &dt) < 0)
        return NULL;
    Py_ssize_t nd = dusk_array_ndim(in[0]);
    if (n != 1 || PyTuple_GET_SIZE(depth) != nd || PyTuple_GET_SIZE(kinds) != nd ||
        PyTuple_GET_SIZE(values) != nd) {
        PyErr_SetString(PyExc_ValueError, "_map_overlap takes one array, and a depth, a "
                        "boundary and a value per axis");
        return NULL;
    }
    int64_t d[DUSK_MAXDIMS];
    dusk_boundary k[DUSK_MAXDIMS];
    double v[DUSK_MAXDIMS];
    for (Py_ssize_t i = 0; i < nd; i++) {
        d[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(depth, i));
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(kinds, i));
        v[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(values, i));
        if (PyErr_Occurred())
            return NULL;
        if (kind < DUSK_BOUNDARY_NONE || kind > DUSK_BOUNDARY_NEAREST) {
            PyErr_Format(PyExc_ValueError, "_map_overlap: unknown boundary %ld", kind);
            return NULL;
        }
        k[i] = (dusk_boundary)kind;
    }
    dusk_map_options o = DUSK_MAP_OPTIONS_INIT;
    o.name = name;
    o.chunks = chunks;
    dusk_array *r = dusk_map_overlap_axes(bf, in[0], d, k, v, trim != 0, dt, &o);
    return pyd_array_result((PyTypeObject *)cls, PyList_GET_ITEM(list, 0), r, f);
}

/* depth, boundary kinds and values per axis, from tuples of nd entries. */
static int overlap_axes(const char *what, Py_ssize_t nd, PyObject *depth, PyObject *kinds,
                        PyObject *values, int64_t *d, dusk_boundary *k, double *v)
{
    if (PyTuple_GET_SIZE(depth) != nd || PyTuple_GET_SIZE(kinds) != nd ||
        (values && PyTuple_GET_SIZE(values) != nd)) {
        PyErr_Format(PyExc_ValueError, "%s takes a depth, a boundary%s per axis", what,
                     values ? " and a value" : "");
        return -1;
    }
    for (Py_ssize_t i = 0; i < nd; i++) {
        d[i] = PyLong_AsLongLong(PyTuple_GET_ITEM(depth, i));
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(kinds, i));
        v[i] = values ? PyFloat_AsDouble(PyTuple_GET_ITEM(values, i)) : 0;
        if (PyErr_Occurred())
            return -1;
        if (kind < DUSK_BOUNDARY_NONE || kind > DUSK_BOUNDARY_NEAREST) {
            PyErr_Format(PyExc_ValueError, "%s: unknown boundary %ld", what, kind);
            return -1;
        }
        k[i] = (dusk_boundary)kind;
    }
    return 0;
}

/* _overlap(cls, x, depths, kinds, values) and _trim_internal(cls, x, depths,
 * kinds): Dask's overlap and trim_internal of one array. */
static PyObject *overlap_or_trim(PyObject *args, int trim)
{
    PyObject *cls, *x, *depth, *kinds, *values = NULL;
    if (!PyArg_ParseTuple(args, trim ? "O!OO!O!:_trim_internal" : "O!OO!O!O!:_overlap",
                          &PyType_Type, &cls, &x, &PyTuple_Type, &depth, &PyTuple_Type, &kinds,
                          &PyTuple_Type, &values))
        return NULL;
    const char *what = trim ? "_trim_internal" : "_overlap";
    dusk_array *a = pyd_array_ptr(x, "the array");
    int64_t d[DUSK_MAXDIMS];
    dusk_boundary k[DUSK_MAXDIMS];
    double v[DUSK_MAXDIMS];
    if (!a || overlap_axes(what, dusk_array_ndim(a), depth, kinds, values, d, k, v) < 0)
        return NULL;
    return pyd_array_result((PyTypeObject *)cls, x,
                            trim ? dusk_array_trim_internal(a, d, k)
                                 : dusk_array_overlap(a, d, k, v), NULL);
}

static PyObject *py_overlap(PyObject *mod, PyObject *args)
{
    (void)mod;
    return overlap_or_trim(args, 0);
}

static PyObject *py_trim_internal(PyObject *mod, PyObject *args)
{
    (void)mod;
    return overlap_or_trim(args, 1);
}

static PyObject *py_reduction(PyObject *mod, PyObject *args)
{
    (void)mod;
    PyObject *cls, *fs, *list;
    const char *dtype, *name;
    unsigned long long axes;
    int keepdims, split_every;
    if (!PyArg_ParseTuple(args, "O!O!O!sKpiz:_reduction", &PyType_Type, &cls, &PyTuple_Type, &fs,
                          &PyList_Type, &list, &dtype, &axes, &keepdims, &split_every, &name))
        return NULL;
    if (PyTuple_GET_SIZE(fs) != 3) {
        PyErr_SetString(PyExc_ValueError, "_reduction takes (chunk, combine, aggregate)");
        return NULL;
    }
    const dusk_block_func *chunk = bf_of(PyTuple_GET_ITEM(fs, 0), "chunk");
    const dusk_block_func *combine = PyTuple_GET_ITEM(fs, 1) == Py_None
                                         ? NULL : bf_of(PyTuple_GET_ITEM(fs, 1), "combine");
    const dusk_block_func *agg = chunk ? bf_of(PyTuple_GET_ITEM(fs, 2), "aggregate") : NULL;
    if (!chunk || !agg || (!combine && PyTuple_GET_ITEM(fs, 1) != Py_None))
        return NULL;
    dusk_array *in[16];
    dusk_dtype dt;
    int n = arrays_of(list, in);
    if (n < 0 || dtype_named(dtype, &dt) < 0)
        return NULL;
    if (n != 1) {
        PyErr_SetString(PyExc_ValueError, "_reduction takes one array");
        return NULL;
    }
    dusk_array *r = dusk_array_reduction(in[0], chunk, combine, agg, axes, keepdims != 0, dt,
                                         split_every, name);
    return pyd_array_result((PyTypeObject *)cls, PyList_GET_ITEM(list, 0), r, fs);
}

static PyMethodDef methods[] = {
    {"_in_block_task", py_in_block_task, METH_NOARGS,
     "whether this thread runs a function of map_blocks (blockwise, ...) on a block"},
    {"_map_blocks", py_map_blocks, METH_VARARGS,
     "_map_blocks(cls, f, arrays, dtype, chunks, drop_mask, new_mask, name)"},
    {"_blockwise", py_blockwise, METH_VARARGS,
     "_blockwise(cls, f, indices, arrays, dtype, concatenate, chunks, name, whole_name=False)"},
    {"_map_overlap", py_map_overlap, METH_VARARGS,
     "_map_overlap(cls, f, [x], dtype, depths, boundaries, values, name, trim=True, chunks=None)"},
    {"_overlap", py_overlap, METH_VARARGS,
     "_overlap(cls, x, depths, boundaries, values): Dask's overlap"},
    {"_trim_internal", py_trim_internal, METH_VARARGS,
     "_trim_internal(cls, x, depths, boundaries): Dask's trim_internal"},
    {"_reduction", py_reduction, METH_VARARGS,
     "_reduction(cls, (chunk, combine, aggregate), [x], dtype, axes, keepdims, split_every, "
     "name)"},
    {NULL, NULL, 0, NULL},
};

int pyd_blocks_init(PyObject *m)
{
    if (PyType_Ready(&BFType) < 0 || PyModule_AddObjectRef(m, "BlockFunction",
                                                             (PyObject *)&BFType) < 0)
        return -1;
    if (!(kept = PyDict_New()))
        return -1;
    return PyModule_AddFunctions(m, methods);
}
