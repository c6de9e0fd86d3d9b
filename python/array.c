/*
** python/array.c — _dusk.Array: a dusk_array for Python (dusk.array's base)
**
** dusk/array.py subclasses this type with the NumPy-style surface
** (operators, methods, repr); every operation here is one call of
** include/dusk/array.h (or linalg.h, for dusk/linalg.py: a tuple of
** factors), and its result is an instance of the caller's class. An
** operation that fails (shapes that do not broadcast, an axis out of
** range, a missing file) raises at once, as Dask does: ValueError for
** what the caller gave, TypeError for a dtype linalg.h refuses, OSError
** for files, MemoryError.
**
** Contexts. A dusk_array_ctx owns every array made in it and frees them
** all at once, so arrays live in a context object (_dusk.ArrayContext)
** that each array keeps alive. New arrays go into the context that is
** alive, if any: all arrays alive at any moment share one context, so any
** two can be combined, and the context (with every array made in it) goes
** when the last of its arrays does. dusk/array.py keeps a long-lived array
** from holding every array made since: it remakes the live arrays in a new
** context (_new_context, then _rebind each to its copy) once the old one
** holds many more arrays than are alive.
**
** Threads: arrays are built with the GIL held (and dusk/array.py's lock,
** as a context is built by one thread at a time). compute() and store()
** run without the GIL, so that other Python threads go on meanwhile, with
** that lock held (no array is built or rebound while one runs), on a
** thread of their own while the caller watches for ^C (pyd_run_wait).
**
** Garbage collection. Both types take part in Python's cyclic GC: an array
** holds its context, and the context holds the BlockFunctions its layers
** point into, whose runners hold the user's functions, which may hold
** arrays of that context (a function of map_blocks that closes over x):
** a cycle that reference counts alone never free. The context never drops
** its BlockFunctions before its layers go (ctx_dealloc), so it has no
** tp_clear, and neither has an array (its methods need its context): every
** such cycle passes through a BlockFunction, whose tp_clear (blocks.c)
** breaks it. A run cannot lose its functions meanwhile: its caller's frame
** holds the array it computes, so nothing of that context is garbage.
*/
#include "pydusk.h"

#include <string.h>

#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL pyd_numpy_api
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

typedef struct {
    PyObject_HEAD
    dusk_array_ctx *ctx;
    long long made;     /* arrays made in it */
    PyObject **keep;    /* what its layers point into (blocks.c's BlockFunctions), */
    Py_ssize_t nkeep;   /* each once, strong: dropped only after ctx is freed */
    Py_ssize_t capkeep;
} ctxobject;

typedef struct {
    PyObject_HEAD
    ctxobject *ctx;     /* strong */
    dusk_array *a;      /* owned by ctx */
} arrobject;

static ctxobject *live_ctx;   /* borrowed; cleared when it goes */

static void ctx_dealloc(ctxobject *c)
{
    PyObject_GC_UnTrack(c);
    if (live_ctx == c)
        live_ctx = NULL;
    dusk_array_ctx_free(c->ctx);
    /* after the layers that point into them */
    for (Py_ssize_t i = 0; i < c->nkeep; i++)
        Py_DECREF(c->keep[i]);
    PyMem_Free(c->keep);
    Py_TYPE(c)->tp_free((PyObject *)c);
}

static int ctx_traverse(ctxobject *c, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < c->nkeep; i++)
        Py_VISIT(c->keep[i]);
    return 0;
}

/* c keeps o (a BlockFunction) as long as it lives; -1 with MemoryError. */
static int ctx_keep(ctxobject *c, PyObject *o)
{
    for (Py_ssize_t i = c->nkeep - 1; i >= 0; i--)   /* the latest: most often the same */
        if (c->keep[i] == o)
            return 0;
    if (c->nkeep == c->capkeep) {
        Py_ssize_t cap = c->capkeep ? 2 * c->capkeep : 8;
        PyObject **k = PyMem_Resize(c->keep, PyObject *, (size_t)cap);
        if (!k) {
            PyErr_NoMemory();
            return -1;
        }
        c->keep = k;
        c->capkeep = cap;
    }
    c->keep[c->nkeep++] = Py_NewRef(o);
    return 0;
}

static PyTypeObject CtxType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dusk._dusk.ArrayContext",
    .tp_basicsize = sizeof(ctxobject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The dusk_array_ctx that the arrays alive share.",
    .tp_dealloc = (destructor)ctx_dealloc,
    .tp_traverse = (traverseproc)ctx_traverse,
};

/* The live context, or a new one (new reference). */
static ctxobject *get_ctx(void)
{
    if (live_ctx) {
        Py_INCREF(live_ctx);
        return live_ctx;
    }
    ctxobject *c = PyObject_GC_New(ctxobject, &CtxType);
    if (!c)
        return NULL;
    c->made = 0;
    c->keep = NULL;
    c->nkeep = c->capkeep = 0;
    c->ctx = dusk_array_ctx_new();
    if (!c->ctx) {
        Py_DECREF(c);
        return (ctxobject *)PyErr_NoMemory();
    }
    PyObject_GC_Track(c);
    live_ctx = c;
    return c;
}

static PyTypeObject ArrType;

/* An instance of cls over a (raising its error, if it has one); steals
 * ctx. */
static PyObject *wrap(PyTypeObject *cls, ctxobject *ctx, dusk_array *a)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(a, &err);
    if (rc) {
        Py_DECREF(ctx);
        return pyd_raise(rc == DUSK_ENOKEY || rc == DUSK_EMISSING ? DUSK_EINVAL : rc, &err);
    }
    arrobject *o = (arrobject *)cls->tp_alloc(cls, 0);
    if (!o) {
        Py_DECREF(ctx);
        return NULL;
    }
    o->ctx = ctx;
    o->a = a;
    ctx->made++;
    return (PyObject *)o;
}

static PyObject *derive(arrobject *self, dusk_array *a)
{
    Py_INCREF(self->ctx);
    return wrap(Py_TYPE(self), self->ctx, a);
}

static void arr_dealloc(arrobject *o)
{
    PyObject_GC_UnTrack(o);
    Py_XDECREF(o->ctx);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

/* A Python subclass's __dict__ and type: subtype_traverse's. */
static int arr_traverse(arrobject *o, visitproc visit, void *arg)
{
    Py_VISIT(o->ctx);
    return 0;
}

static int check_arr(PyObject *o, const char *what)
{
    if (!PyObject_TypeCheck(o, &ArrType)) {
        PyErr_Format(PyExc_TypeError, "%s must be a dusk array, not %.100s", what,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    return 0;
}

/* Two arrays combined must live in one context (dusk/array.py keeps it so). */
static int same_ctx(arrobject *a, PyObject *b)
{
    if (a->ctx != ((arrobject *)b)->ctx) {
        PyErr_SetString(PyExc_ValueError, "dusk arrays of two array contexts cannot be combined");
        return -1;
    }
    return 0;
}

/* --- contexts, for dusk/array.py's compaction -------------------------------------- */

static PyObject *arr_context_made(arrobject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLongLong(self->ctx->made);
}

/* The next array made starts a new context. */
static PyObject *arr_new_context(PyObject *cls, PyObject *unused)
{
    (void)cls;
    (void)unused;
    live_ctx = NULL;
    Py_RETURN_NONE;
}

/* The next arrays are made in self's context again. */
static PyObject *arr_use_context(arrobject *self, PyObject *unused)
{
    (void)unused;
    live_ctx = self->ctx;
    Py_RETURN_NONE;
}

/* self becomes other's array (the same one, made again in a new context). */
/* Another Python object over the same dusk array (copy(): dusk arrays do
 * not change, but x[...] = v rebinds the object it is done to). */
static PyObject *arr_same(arrobject *self, PyObject *unused)
{
    (void)unused;
    Py_INCREF(self->ctx);
    return wrap(Py_TYPE(self), self->ctx, self->a);
}

static PyObject *arr_rebind(arrobject *self, PyObject *other)
{
    if (check_arr(other, "other") < 0)
        return NULL;
    arrobject *o = (arrobject *)other;
    ctxobject *old = self->ctx;
    Py_INCREF(o->ctx);
    self->ctx = o->ctx;
    self->a = o->a;
    Py_DECREF(old);
    Py_RETURN_NONE;
}

/* --- arguments ---------------------------------------------------------------------- */

static int dtype_of(PyObject *o, dusk_dtype *out)
{
    *out = DUSK_DT_F8;
    if (!o || o == Py_None)
        return 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (!s) {
        PyErr_SetString(PyExc_TypeError, "dtype must be given by its name ('float64')");
        return -1;
    }
    for (int t = 0; t < DUSK_DT_COUNT; t++) {
        if (!strcmp(s, dusk_dtype_name((dusk_dtype)t)) || !strcmp(s, dusk_dtype_code((dusk_dtype)t))) {
            *out = (dusk_dtype)t;
            return 0;
        }
    }
    PyErr_Format(PyExc_TypeError, "dusk arrays have no dtype '%s'", s);
    return -1;
}

static int shape_of(PyObject *o, dusk_shape *sh)
{
    memset(sh, 0, sizeof *sh);
    if (PyLong_Check(o)) {
        sh->ndim = 1;
        sh->v[0] = PyLong_AsLongLong(o);
        return sh->v[0] == -1 && PyErr_Occurred() ? -1 : 0;
    }
    if (!PyTuple_Check(o) && !PyList_Check(o)) {
        PyErr_Format(PyExc_TypeError, "shape must be an int or a tuple of ints, not %.100s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *seq = PySequence_Fast(o, "shape");
    if (!seq)
        return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > DUSK_MAXDIMS) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "shape has %zd axes; dusk takes at most %d", n,
                     DUSK_MAXDIMS);
        return -1;
    }
    sh->ndim = (int)n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyIndex_Check(it)) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_TypeError, "shape must hold ints, not %.100s", Py_TYPE(it)->tp_name);
            return -1;
        }
        sh->v[i] = PyLong_AsLongLong(it);
        if (sh->v[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
        if (sh->v[i] < 0) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_ValueError, "negative dimension %lld in shape",
                         (long long)sh->v[i]);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

/* A shape or block sizes as Python shows them: ints, and nan (a float, as
 * Dask's) for a length known only once computed (DUSK_UNKNOWN_SIZE). */
static PyObject *shape_tuple(int nd, const int64_t *v)
{
    PyObject *t = PyTuple_New(nd);
    for (int i = 0; t && i < nd; i++) {
        PyObject *x = v[i] == DUSK_UNKNOWN_SIZE ? PyFloat_FromDouble(Py_NAN)
                                                : PyLong_FromLongLong(v[i]);
        if (!x) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, x);
    }
    return t;
}

/* --- creation (class methods) ------------------------------------------------------ */

static PyObject *arr_create(PyTypeObject *cls, PyObject *args)
{
    const char *kind, *chunks;
    PyObject *shape, *dtype;
    double fill = 0;
    if (!PyArg_ParseTuple(args, "sOzO|d:_create", &kind, &shape, &chunks, &dtype, &fill))
        return NULL;
    dusk_shape sh;
    dusk_dtype dt;
    if (shape_of(shape, &sh) < 0 || dtype_of(dtype, &dt) < 0)
        return NULL;
    ctxobject *c = get_ctx();
    if (!c)
        return NULL;
    dusk_array *a;
    if (!strcmp(kind, "ones"))
        a = dusk_ones(c->ctx, sh, chunks, dt);
    else if (!strcmp(kind, "zeros"))
        a = dusk_zeros(c->ctx, sh, chunks, dt);
    else if (!strcmp(kind, "empty"))
        a = dusk_empty(c->ctx, sh, chunks, dt);
    else
        a = dusk_full(c->ctx, sh, chunks, dt, fill);
    return wrap(cls, c, a);
}

static PyObject *arr_arange(PyTypeObject *cls, PyObject *args)
{
    double start, stop, step;
    const char *chunks;
    int floats = 0;   /* one of them was a float: float64, as numpy.arange(5.0) */
    if (!PyArg_ParseTuple(args, "dddz|p:_arange", &start, &stop, &step, &chunks, &floats))
        return NULL;
    if (step == 0) {
        PyErr_SetString(PyExc_ValueError, "arange: step must not be 0");
        return NULL;
    }
    ctxobject *c = get_ctx();
    return c ? wrap(cls, c, (floats ? dusk_arange_f8 : dusk_arange)(c->ctx, start, stop, step,
                                                                    chunks))
             : NULL;
}

static PyObject *arr_linspace(PyTypeObject *cls, PyObject *args)
{
    double start, stop;
    long long num;
    const char *chunks;
    if (!PyArg_ParseTuple(args, "ddLz:_linspace", &start, &stop, &num, &chunks))
        return NULL;
    if (num < 0) {
        PyErr_Format(PyExc_ValueError, "linspace: num must be 0 or more, not %lld", num);
        return NULL;
    }
    ctxobject *c = get_ctx();
    return c ? wrap(cls, c, dusk_linspace(c->ctx, start, stop, num, chunks)) : NULL;
}

static PyObject *arr_eye(PyTypeObject *cls, PyObject *args)
{
    long long n, m, k;
    const char *chunks;
    PyObject *dtype;
    if (!PyArg_ParseTuple(args, "LLLzO:_eye", &n, &m, &k, &chunks, &dtype))
        return NULL;
    dusk_dtype dt;
    if (dtype_of(dtype, &dt) < 0)
        return NULL;
    ctxobject *c = get_ctx();
    return c ? wrap(cls, c, dusk_eye(c->ctx, n, m, k, chunks, dt)) : NULL;
}

static PyObject *arr_random(PyTypeObject *cls, PyObject *args)
{
    const char *kind, *chunks;
    unsigned long long seed;
    double p1, p2;
    PyObject *shape;
    if (!PyArg_ParseTuple(args, "sKddOz:_random", &kind, &seed, &p1, &p2, &shape, &chunks))
        return NULL;
    dusk_shape sh;
    if (shape_of(shape, &sh) < 0)
        return NULL;
    ctxobject *c = get_ctx();
    if (!c)
        return NULL;
    dusk_array *a;
    if (!strcmp(kind, "normal"))
        a = dusk_random_normal(c->ctx, seed, p1, p2, sh, chunks);
    else if (!strcmp(kind, "uniform"))
        a = dusk_random_uniform(c->ctx, seed, p1, p2, sh, chunks);
    else if (!strcmp(kind, "exponential"))
        a = dusk_random_exponential(c->ctx, seed, p1, sh, chunks);
    else if (!strcmp(kind, "poisson"))
        a = dusk_random_poisson(c->ctx, seed, p1, sh, chunks);
    else {
        PyErr_Format(PyExc_ValueError, "_random: no distribution '%s'", kind);
        return NULL;
    }
    return wrap(cls, c, a);
}

/* Array._randint(seed, low, high, shape, chunks, dtype): random.randint */
static PyObject *arr_randint(PyTypeObject *cls, PyObject *args)
{
    const char *chunks;
    unsigned long long seed;
    long long low, high;
    PyObject *shape, *dtype;
    if (!PyArg_ParseTuple(args, "KLLOzO:_randint", &seed, &low, &high, &shape, &chunks, &dtype))
        return NULL;
    dusk_shape sh;
    dusk_dtype dt;
    if (shape_of(shape, &sh) < 0 || dtype_of(dtype, &dt) < 0)
        return NULL;
    ctxobject *c = get_ctx();
    if (!c)
        return NULL;
    return wrap(cls, c, dusk_random_integers(c->ctx, seed, low, high, sh, chunks, dt));
}

static PyObject *arr_from_numpy(PyTypeObject *cls, PyObject *args)
{
    PyObject *o;
    const char *chunks, *name = NULL;
    if (!PyArg_ParseTuple(args, "Oz|z:_from_numpy", &o, &chunks, &name))
        return NULL;
    PyArrayObject *arr = (PyArrayObject *)PyArray_FROM_OF(o, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!arr)
        return NULL;
    dusk_dtype dt;
    PyObject *dname = PyObject_GetAttrString((PyObject *)PyArray_DESCR(arr), "name");
    int rc = dname ? dtype_of(dname, &dt) : -1;
    Py_XDECREF(dname);
    if (rc < 0 || PyArray_NDIM(arr) > DUSK_MAXDIMS) {
        if (rc == 0)
            PyErr_Format(PyExc_ValueError, "from_array: %d axes; dusk takes at most %d",
                         PyArray_NDIM(arr), DUSK_MAXDIMS);
        Py_DECREF(arr);
        return NULL;
    }
    dusk_shape sh;
    sh.ndim = PyArray_NDIM(arr);
    for (int i = 0; i < sh.ndim; i++)
        sh.v[i] = PyArray_DIM(arr, i);
    ctxobject *c = get_ctx();
    PyObject *r = c ? wrap(cls, c, dusk_from_buffer_named(c->ctx, PyArray_DATA(arr), dt, sh, chunks, name)) : NULL;
    Py_DECREF(arr);
    return r;
}

static PyObject *arr_from_hdf5(PyTypeObject *cls, PyObject *args)
{
    PyObject *path;
    const char *dataset, *chunks, *name = NULL;
    if (!PyArg_ParseTuple(args, "O&sz|z:_from_hdf5", PyUnicode_FSConverter, &path, &dataset,
                          &chunks, &name))
        return NULL;
    ctxobject *c = get_ctx();
    PyObject *r = c ? wrap(cls, c, dusk_from_hdf5_named(c->ctx, PyBytes_AS_STRING(path), dataset,
                                                        chunks, name))
                    : NULL;
    Py_DECREF(path);
    return r;
}

static PyObject *arr_join(PyTypeObject *cls, PyObject *args)
{
    const char *kind;
    PyObject *seq;
    int axis;
    if (!PyArg_ParseTuple(args, "sOi:_join", &kind, &seq, &axis))
        return NULL;
    PyObject *fast = PySequence_Fast(seq, "arrays must be a sequence of dusk arrays");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n < 1 || n > 1 << 20) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "need at least one array to join");
        return NULL;
    }
    dusk_array **as = PyMem_Calloc((size_t)n, sizeof *as);
    if (!as) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    ctxobject *c = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = PySequence_Fast_GET_ITEM(fast, i);
        if (check_arr(it, "every array joined") < 0) {
            PyMem_Free(as);
            Py_DECREF(fast);
            return NULL;
        }
        if (c && c != ((arrobject *)it)->ctx) {
            PyMem_Free(as);
            Py_DECREF(fast);
            PyErr_SetString(PyExc_ValueError, "dusk arrays of two array contexts cannot be combined");
            return NULL;
        }
        as[i] = ((arrobject *)it)->a;
        c = ((arrobject *)it)->ctx;
    }
    Py_INCREF(c);
    dusk_array *r = !strcmp(kind, "stack") ? dusk_stack(as, (int)n, axis) : dusk_concatenate(as, (int)n, axis);
    PyMem_Free(as);
    Py_DECREF(fast);
    return wrap(cls, c, r);
}

/* --- operations ---------------------------------------------------------------------- */

static PyObject *arr_binop(arrobject *self, PyObject *args)
{
    int op;
    PyObject *other;
    if (!PyArg_ParseTuple(args, "iO:_binop", &op, &other))
        return NULL;
    if (op < 0 || op >= DUSK_BINOP_COUNT) {
        PyErr_Format(PyExc_ValueError, "no binary operation %d", op);
        return NULL;
    }
    if (check_arr(other, "the other operand") < 0 || same_ctx(self, other) < 0)
        return NULL;
    return derive(self, dusk_array_binop((dusk_binop)op, self->a, ((arrobject *)other)->a));
}

/* a OP s with s as (dtype name, int, real, imaginary): its Python or
 * NumPy type, which NumPy 1.x's casting reads with its value. */
static PyObject *arr_binop_scalar(arrobject *self, PyObject *args)
{
    int op, first;
    PyObject *dname;
    long long i;
    double re, im;
    dusk_dtype dt;
    if (!PyArg_ParseTuple(args, "iOLddp:_binop_scalar", &op, &dname, &i, &re, &im, &first))
        return NULL;
    if (op < 0 || op >= DUSK_BINOP_COUNT) {
        PyErr_Format(PyExc_ValueError, "no binary operation %d", op);
        return NULL;
    }
    if (dtype_of(dname, &dt) < 0)
        return NULL;
    return derive(self, dusk_array_binop_typed((dusk_binop)op, self->a,
                                               dusk_scalar_of(dt, (int64_t)i, re, im), first));
}

static PyObject *arr_unop(arrobject *self, PyObject *args)
{
    int op;
    if (!PyArg_ParseTuple(args, "i:_unop", &op))
        return NULL;
    if (op < 0 || op >= DUSK_UNOP_COUNT) {
        PyErr_Format(PyExc_ValueError, "no unary operation %d", op);
        return NULL;
    }
    return derive(self, dusk_array_unop((dusk_unop)op, self->a));
}

/* numpy.AxisError(axis, ndim), as NumPy and Dask raise it for an axis out of
 * range: a ValueError and an IndexError, so that code catching any of the
 * three behaves as under Dask (ValueError if NumPy cannot be imported). */
static void axis_error_of(PyObject *axis, int ndim)
{
    PyObject *np = PyImport_ImportModule("numpy");
    PyObject *cls = np ? PyObject_GetAttrString(np, "AxisError") : NULL;
    Py_XDECREF(np);
    PyObject *e = cls ? PyObject_CallFunction(cls, "Oi", axis, ndim) : NULL;
    if (e) {
        PyErr_SetObject(cls, e);
        Py_DECREF(e);
    } else {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "axis %R is out of bounds for array of dimension %d",
                     axis, ndim);
    }
    Py_XDECREF(cls);
}

static void axis_error(long long axis, int ndim)
{
    PyObject *a = PyLong_FromLongLong(axis);
    if (a)
        axis_error_of(a, ndim);
    Py_XDECREF(a);
}

/* One axis of an array of ndim axes, as an int: negative ones count from
 * the end, as NumPy's; one out of range is numpy.AxisError here, since a cast of
 * a Python int past an int's range would wrap it onto some valid axis. */
static int axis_int(PyObject *it, int ndim, int *out)
{
    if (!PyIndex_Check(it)) {
        PyErr_Format(PyExc_TypeError, "an axis must be an int, not %.100s", Py_TYPE(it)->tp_name);
        return -1;
    }
    Py_ssize_t v = PyNumber_AsSsize_t(it, NULL);   /* NULL: clipped, then out of range */
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < -ndim || v >= ndim) {
        axis_error_of(it, ndim);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static PyObject *arr_transpose(arrobject *self, PyObject *args)
{
    PyObject *perm = Py_None;
    if (!PyArg_ParseTuple(args, "|O:_transpose", &perm))
        return NULL;
    if (perm == Py_None)
        return derive(self, dusk_array_transpose(self->a, NULL));
    if (!PyTuple_Check(perm) && !PyList_Check(perm)) {
        PyErr_Format(PyExc_TypeError, "axes must be a tuple of ints, not %.100s",
                     Py_TYPE(perm)->tp_name);
        return NULL;
    }
    int nd = dusk_array_ndim(self->a);
    Py_ssize_t n = PySequence_Size(perm);
    if (n != nd) {
        PyErr_Format(PyExc_ValueError, "axes don't match array: %zd axes for an array of %d", n, nd);
        return NULL;
    }
    int p[DUSK_MAXDIMS];
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = PySequence_GetItem(perm, i);
        int rc = it ? axis_int(it, nd, &p[i]) : -1;
        Py_XDECREF(it);
        if (rc < 0)
            return NULL;
    }
    return derive(self, dusk_array_transpose(self->a, p));
}

static PyObject *arr_astype(arrobject *self, PyObject *dtype)
{
    dusk_dtype dt;
    if (dtype_of(dtype, &dt) < 0)
        return NULL;
    return derive(self, dusk_array_astype(self->a, dt));
}

static PyObject *arr_rechunk(arrobject *self, PyObject *args)
{
    const char *chunks;
    if (!PyArg_ParseTuple(args, "z:_rechunk", &chunks))
        return NULL;
    return derive(self, dusk_array_rechunk(self->a, chunks));
}

/* x[index]: index is a tuple of ints, slices, lists of ints, None and
 * Ellipsis (dusk/array.py makes it one). */
static PyObject *arr_getitem(arrobject *self, PyObject *index)
{
    if (!PyTuple_Check(index)) {
        PyErr_SetString(PyExc_TypeError, "_getitem takes a tuple");
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(index);
    if (n > DUSK_MAXDIMS) {
        PyErr_Format(PyExc_IndexError, "too many indices: %zd", n);
        return NULL;
    }
    dusk_index ix[DUSK_MAXDIMS];
    int64_t *lists[DUSK_MAXDIMS] = {0};
    PyObject *res = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = PyTuple_GET_ITEM(index, i);
        memset(&ix[i], 0, sizeof ix[i]);
        if (it == Py_None) {
            ix[i].kind = DUSK_IDX_NEWAXIS;
        } else if (it == Py_Ellipsis) {
            ix[i].kind = DUSK_IDX_ELLIPSIS;
        } else if (PySlice_Check(it)) {
            PySliceObject *s = (PySliceObject *)it;
            PyObject *parts[3] = {s->start, s->stop, s->step};
            int64_t vals[3];
            for (int k = 0; k < 3; k++) {
                if (parts[k] == Py_None) {
                    vals[k] = DUSK_NIL;
                } else if (PyIndex_Check(parts[k])) {
                    /* Clamped, as NumPy's slices (x[:2**70] is x[:]); the
                     * least value is DUSK_NIL's, so one more. */
                    vals[k] = PyNumber_AsSsize_t(parts[k], NULL);
                    if (vals[k] == -1 && PyErr_Occurred())
                        goto done;
                    if (vals[k] == DUSK_NIL)
                        vals[k]++;
                } else {
                    PyErr_Format(PyExc_TypeError, "slice indices must be integers or None, not %.100s",
                                 Py_TYPE(parts[k])->tp_name);
                    goto done;
                }
            }
            if (vals[2] == 0) {
                PyErr_SetString(PyExc_ValueError, "slice step cannot be zero");
                goto done;
            }
            ix[i].kind = DUSK_IDX_SLICE;
            ix[i].start = vals[0];
            ix[i].stop = vals[1];
            ix[i].step = vals[2];
        } else if (PyIndex_Check(it)) {
            ix[i].kind = DUSK_IDX_INT;
            ix[i].start = PyNumber_AsSsize_t(it, PyExc_IndexError);
            if (ix[i].start == -1 && PyErr_Occurred())
                goto done;
        } else if (PyList_Check(it)) {
            Py_ssize_t m = PyList_GET_SIZE(it);
            lists[i] = PyMem_Calloc((size_t)m + 1, sizeof(int64_t));
            if (!lists[i]) {
                PyErr_NoMemory();
                goto done;
            }
            for (Py_ssize_t k = 0; k < m; k++) {
                PyObject *v = PyList_GET_ITEM(it, k);
                if (!PyIndex_Check(v)) {
                    PyErr_Format(PyExc_IndexError, "a list index must hold integers, not %.100s",
                                 Py_TYPE(v)->tp_name);
                    goto done;
                }
                lists[i][k] = PyNumber_AsSsize_t(v, PyExc_IndexError);
                if (lists[i][k] == -1 && PyErr_Occurred())
                    goto done;
            }
            ix[i].kind = DUSK_IDX_LIST;
            ix[i].list = lists[i];
            ix[i].n = m;
        } else {
            PyErr_Format(PyExc_IndexError,
                         "dusk arrays take ints, slices, lists of ints, None and ... as "
                         "indices, not %.100s", Py_TYPE(it)->tp_name);
            goto done;
        }
    }
    {
        dusk_array *r = dusk_array_getitem(self->a, ix, (int)n);
        dusk_error err = DUSK_ERROR_INIT;
        int rc = dusk_array_status(r, &err);
        if (rc == DUSK_EINVAL && (strstr(err.msg, "out of") || strstr(err.msg, "too many indices") ||
                                  strstr(err.msg, "single ellipsis"))) {
            PyErr_SetString(PyExc_IndexError, err.msg);   /* as NumPy's IndexError */
            goto done;
        }
        res = r == self->a ? (Py_INCREF(self), (PyObject *)self) : derive(self, r);
    }
done:
    for (Py_ssize_t i = 0; i < n; i++)
        PyMem_Free(lists[i]);
    return res;
}

/* An axis argument as a mask: None (all), an int or a tuple of ints,
 * negative ones counting from the end. */
static int axes_of(PyObject *o, int ndim, uint64_t *mask)
{
    if (o == Py_None) {
        *mask = DUSK_ALL_AXES;
        return 0;
    }
    int64_t ax[DUSK_MAXDIMS];
    Py_ssize_t n = 1;
    if (PyIndex_Check(o)) {
        ax[0] = PyNumber_AsSsize_t(o, PyExc_ValueError);
    } else if (PyTuple_Check(o) || PyList_Check(o)) {
        n = PySequence_Size(o);
        if (n > DUSK_MAXDIMS) {
            PyErr_Format(PyExc_ValueError, "%zd axes for an array of %d", n, ndim);
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *it = PySequence_GetItem(o, i);
            if (!it)
                return -1;
            if (!PyIndex_Check(it)) {
                PyErr_Format(PyExc_TypeError, "an axis must be an int, not %.100s", Py_TYPE(it)->tp_name);
                Py_DECREF(it);
                return -1;
            }
            ax[i] = PyNumber_AsSsize_t(it, PyExc_ValueError);
            Py_DECREF(it);
        }
    } else {
        PyErr_Format(PyExc_TypeError, "axis must be None, an int or a tuple of ints, not %.100s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    if (PyErr_Occurred())
        return -1;
    *mask = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (ax[i] < -ndim || ax[i] >= ndim) {
            axis_error((long long)ax[i], ndim);
            return -1;
        }
        int64_t a = ax[i] < 0 ? ax[i] + ndim : ax[i];
        if (*mask & DUSK_AXIS(a)) {   /* NumPy's ValueError, in the library's words */
            for (Py_ssize_t j = 0; j < i; j++)
                if ((ax[j] < 0 ? ax[j] + ndim : ax[j]) == a && ax[j] != ax[i]) {
                    PyErr_Format(PyExc_ValueError, "duplicate value in 'axis': axis %lld given "
                                 "twice (as %lld and %lld)", (long long)a, (long long)ax[j],
                                 (long long)ax[i]);
                    return -1;
                }
            PyErr_Format(PyExc_ValueError, "duplicate value in 'axis': axis %lld given twice",
                         (long long)a);
            return -1;
        }
        *mask |= DUSK_AXIS(a);
    }
    return 0;
}

/* x[mask] with a dusk bool array of x's shape: blocks of unknown size. */
static PyObject *arr_mask(arrobject *self, PyObject *mask)
{
    if (check_arr(mask, "mask") < 0 || same_ctx(self, mask) < 0)
        return NULL;
    return derive(self, dusk_array_mask(self->a, ((arrobject *)mask)->a));
}

static int one_axis_of(PyObject *o, int ndim, int *axis);

/* self._unique(): numpy.unique's values, one block of unknown size. */
static PyObject *arr_unique(arrobject *self, PyObject *unused)
{
    (void)unused;
    return derive(self, dusk_array_unique(self->a));
}

/* self._compress(cond, axis): numpy.compress with a lazy condition. */
static PyObject *arr_compress(arrobject *self, PyObject *args)
{
    PyObject *cond, *axis;
    if (!PyArg_ParseTuple(args, "OO:_compress", &cond, &axis))
        return NULL;
    if (check_arr(cond, "condition") < 0 || same_ctx(self, cond) < 0)
        return NULL;
    int ax;
    if (one_axis_of(axis, dusk_array_ndim(self->a), &ax) < 0)
        return NULL;
    return derive(self, dusk_array_compress(((arrobject *)cond)->a, self->a, ax));
}

/* The array of the same keys with its chunk sizes computed (Dask's
 * compute_chunk_sizes; dusk/array.py rebinds x to it). The run releases
 * the GIL, as compute's does: functions of map_blocks take it. */
static PyObject *arr_compute_chunk_sizes(arrobject *self, PyObject *unused)
{
    (void)unused;
    dusk_array *r = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = dusk_array_compute_chunk_sizes(self->a, NULL, &r, &err);
    Py_END_ALLOW_THREADS
    if (rc)
        return pyd_raise(rc, &err);
    return derive(self, r);
}

static PyObject *arr_reduce(arrobject *self, PyObject *args)
{
    int op, keepdims, split_every, ddof;
    PyObject *axis;
    if (!PyArg_ParseTuple(args, "iOpii:_reduce", &op, &axis, &keepdims, &split_every, &ddof))
        return NULL;
    uint64_t mask;
    if (op < 0 || op >= DUSK_RED_COUNT) {
        PyErr_Format(PyExc_ValueError, "no reduction %d", op);
        return NULL;
    }
    if (axes_of(axis, dusk_array_ndim(self->a), &mask) < 0)
        return NULL;
    return derive(self, dusk_array_reduce((dusk_reduction)op, self->a, mask, keepdims, split_every,
                                          ddof));
}

static int is_complex(const dusk_array *a)
{
    dusk_dtype t = a ? dusk_array_dtype(a) : DUSK_DT_F8;
    return t == DUSK_DT_C8 || t == DUSK_DT_C16;
}

/* One axis, or None as DUSK_AXIS_NONE (NumPy's axis=None: the flattened
 * array); a tuple is TypeError, as numpy.argmax and cumsum take one axis
 * only. */
static int one_axis_of(PyObject *o, int ndim, int *axis)
{
    if (o == Py_None) {
        *axis = DUSK_AXIS_NONE;
        return 0;
    }
    return axis_int(o, ndim, axis);
}

/* An array dtype dusk's arg-reductions refuse (complex: they order real
 * numbers only, as its min and max) is the caller's TypeError. */
static PyObject *derive_typed(arrobject *self, dusk_array *r)
{
    if (dusk_array_status(r, NULL) && is_complex(self->a)) {
        dusk_error err = DUSK_ERROR_INIT;
        dusk_array_status(r, &err);
        return pyd_raise(DUSK_ETYPE, &err);
    }
    return derive(self, r);
}

/* self._argreduce(op, axis, keepdims, split_every): argmax, argmin and
 * their nan- forms. */
static PyObject *arr_argreduce(arrobject *self, PyObject *args)
{
    int op, keepdims, split_every;
    PyObject *axis;
    if (!PyArg_ParseTuple(args, "iOpi:_argreduce", &op, &axis, &keepdims, &split_every))
        return NULL;
    if (op < 0 || op >= DUSK_ARG_COUNT) {
        PyErr_Format(PyExc_ValueError, "no arg-reduction %d", op);
        return NULL;
    }
    int ax;
    if (one_axis_of(axis, dusk_array_ndim(self->a), &ax) < 0)
        return NULL;
    return derive_typed(self, dusk_array_argreduce((dusk_argreduction)op, self->a, ax,
                                                   keepdims, split_every));
}

/* self._cumulative(kind, axis): kind 'cumsum' or 'cumprod'. */
static PyObject *arr_cumulative(arrobject *self, PyObject *args)
{
    const char *kind;
    PyObject *axis;
    if (!PyArg_ParseTuple(args, "sO:_cumulative", &kind, &axis))
        return NULL;
    int prod = !strcmp(kind, "cumprod");
    if (!prod && strcmp(kind, "cumsum")) {
        PyErr_Format(PyExc_ValueError, "no cumulative operation '%s'", kind);
        return NULL;
    }
    int ax;
    if (one_axis_of(axis, dusk_array_ndim(self->a), &ax) < 0)
        return NULL;
    return derive(self, prod ? dusk_array_cumprod(self->a, ax) : dusk_array_cumsum(self->a, ax));
}

/* cond._where(a, b): numpy.where(cond, a, b) of three arrays. */
static PyObject *arr_where(arrobject *self, PyObject *args)
{
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "OO:_where", &a, &b))
        return NULL;
    if (check_arr(a, "x") < 0 || check_arr(b, "y") < 0 || same_ctx(self, a) < 0 ||
        same_ctx(self, b) < 0)
        return NULL;
    return derive(self, dusk_array_where(self->a, ((arrobject *)a)->a, ((arrobject *)b)->a));
}

/* cond._where_scalar(a, dtype name, int, real, imaginary, scalar_first):
 * numpy.where(cond, a, s), or where(cond, s, a), s typed as _binop_scalar
 * types it. */
static PyObject *arr_where_scalar(arrobject *self, PyObject *args)
{
    PyObject *a, *dname;
    long long i;
    double re, im;
    int first;
    dusk_dtype dt;
    if (!PyArg_ParseTuple(args, "OOLddp:_where_scalar", &a, &dname, &i, &re, &im, &first))
        return NULL;
    if (check_arr(a, "the array operand") < 0 || same_ctx(self, a) < 0 || dtype_of(dname, &dt) < 0)
        return NULL;
    return derive(self, dusk_array_where_scalar(self->a, ((arrobject *)a)->a,
                                                dusk_scalar_of(dt, (int64_t)i, re, im), first));
}

/* A clip bound: None, or (dtype name, int, real, imaginary) as
 * _binop_scalar takes a scalar. */
static int clip_bound(PyObject *o, dusk_scalar *s, const dusk_scalar **out)
{
    *out = NULL;
    if (o == Py_None)
        return 0;
    PyObject *dname;
    long long i;
    double re, im;
    if (!PyArg_ParseTuple(o, "OLdd:_clip", &dname, &i, &re, &im))
        return -1;
    dusk_dtype dt;
    if (dtype_of(dname, &dt) < 0)
        return -1;
    *s = dusk_scalar_of(dt, (int64_t)i, re, im);
    *out = s;
    return 0;
}

/* a._clip(lo, hi): numpy.clip with scalar bounds (None or typed tuples). */
static PyObject *arr_clip(arrobject *self, PyObject *args)
{
    PyObject *plo, *phi;
    dusk_scalar slo, shi;
    const dusk_scalar *lo, *hi;
    if (!PyArg_ParseTuple(args, "OO:_clip", &plo, &phi) || clip_bound(plo, &slo, &lo) < 0 ||
        clip_bound(phi, &shi, &hi) < 0)
        return NULL;
    return derive(self, dusk_array_clip(self->a, lo, hi));
}

/* a._round(decimals, around): numpy.round; the layer 'around' when around. */
static PyObject *arr_round(arrobject *self, PyObject *args)
{
    int decimals, around;
    if (!PyArg_ParseTuple(args, "ip:_round", &decimals, &around))
        return NULL;
    return derive(self, around ? dusk_array_around(self->a, decimals)
                               : dusk_array_round(self->a, decimals));
}

/* a._isclose_scalar(s, scalar_first, rtol, atol, equal_nan): numpy.isclose
 * of a and the number s (dusk/array.py decides when C is NumPy's exactly). */
static PyObject *arr_isclose_scalar(arrobject *self, PyObject *args)
{
    double s, rtol, atol;
    int first, equal_nan;
    if (!PyArg_ParseTuple(args, "dpddp:_isclose_scalar", &s, &first, &rtol, &atol, &equal_nan))
        return NULL;
    return derive(self, dusk_array_isclose_scalar(self->a, s, first, rtol, atol, equal_nan));
}

/* a._isclose(b, rtol, atol, equal_nan, all): numpy.isclose, or allclose. */
static PyObject *arr_isclose(arrobject *self, PyObject *args)
{
    PyObject *b;
    double rtol, atol;
    int equal_nan, all;
    if (!PyArg_ParseTuple(args, "Oddpp:_isclose", &b, &rtol, &atol, &equal_nan, &all))
        return NULL;
    if (check_arr(b, "the other operand") < 0 || same_ctx(self, b) < 0)
        return NULL;
    dusk_array *o = ((arrobject *)b)->a;
    return derive(self, all ? dusk_array_allclose(self->a, o, rtol, atol, equal_nan)
                            : dusk_array_isclose(self->a, o, rtol, atol, equal_nan));
}

/* a._nan_to_num(nan, posinf, neginf): the infinities' None for the
 * dtype's largest. */
static PyObject *arr_nan_to_num(arrobject *self, PyObject *args)
{
    double nan, inf[2];
    PyObject *p[2];
    if (!PyArg_ParseTuple(args, "dOO:_nan_to_num", &nan, &p[0], &p[1]))
        return NULL;
    for (int k = 0; k < 2; k++)
        if (p[k] != Py_None && ((inf[k] = PyFloat_AsDouble(p[k])) == -1.0 && PyErr_Occurred()))
            return NULL;
    return derive(self, dusk_array_nan_to_num(self->a, nan, p[0] == Py_None ? NULL : &inf[0],
                                              p[1] == Py_None ? NULL : &inf[1]));
}

static PyObject *arr_squeeze(arrobject *self, PyObject *axis)
{
    uint64_t mask;
    if (axes_of(axis, dusk_array_ndim(self->a), &mask) < 0)
        return NULL;
    return derive(self, dusk_array_squeeze(self->a, mask));
}

/* self._reshape(shape, merge_chunks): numpy.reshape as dask.array.reshape
 * builds it. Each size is an integer (operator.index: NumPy's TypeError
 * for a float); an unchanged shape gives self back, as Dask's does; a
 * reshape that does not merge or split axes evenly is Dask's
 * NotImplementedError. */
static PyObject *arr_reshape(arrobject *self, PyObject *args)
{
    PyObject *shape;
    int merge;
    if (!PyArg_ParseTuple(args, "O!p:_reshape", &PyTuple_Type, &shape, &merge))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(shape);
    if (n > DUSK_MAXDIMS) {
        PyErr_Format(PyExc_ValueError, "maximum supported dimension for an ndarray is %d, "
                     "found %zd", DUSK_MAXDIMS, n);
        return NULL;
    }
    dusk_shape sh = DUSK_SHAPE0;
    sh.ndim = (int)n;
    for (Py_ssize_t d = 0; d < n; d++) {
        PyObject *i = PyNumber_Index(PyTuple_GET_ITEM(shape, d));
        if (!i)
            return NULL;
        long long v = PyLong_AsLongLong(i);
        Py_DECREF(i);
        if (v == -1 && PyErr_Occurred())
            return NULL;
        sh.v[d] = v;
    }
    dusk_array *r = dusk_array_reshape(self->a, sh, merge);
    if (r == self->a) {
        Py_INCREF(self);
        return (PyObject *)self;
    }
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(r, &err) == DUSK_EINVAL &&
        strstr(err.msg, "only merges or splits existing axes evenly")) {
        PyErr_SetString(PyExc_NotImplementedError, err.msg);
        return NULL;
    }
    return derive(self, r);
}

static PyObject *arr_product(arrobject *self, PyObject *args)
{
    const char *kind;
    PyObject *other, *a_axes = Py_None, *b_axes = Py_None;
    int naxes = 2;
    if (!PyArg_ParseTuple(args, "sO|iOO:_product", &kind, &other, &naxes, &a_axes, &b_axes))
        return NULL;
    if (check_arr(other, "the other operand") < 0 || same_ctx(self, other) < 0)
        return NULL;
    dusk_array *b = ((arrobject *)other)->a;
    if (!strcmp(kind, "dot"))
        return derive(self, dusk_array_dot(self->a, b));
    if (!strcmp(kind, "matmul"))
        return derive(self, dusk_array_matmul(self->a, b));
    if (a_axes == Py_None)
        return derive(self, dusk_tensordot(self->a, b, NULL, NULL, naxes));
    PyObject *fa = PySequence_Fast(a_axes, "axes"), *fb = fa ? PySequence_Fast(b_axes, "axes") : NULL;
    if (!fb) {
        Py_XDECREF(fa);
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fa);
    PyObject *r = NULL;
    if (n != PySequence_Fast_GET_SIZE(fb) || n > DUSK_MAXDIMS) {
        PyErr_SetString(PyExc_ValueError, "tensordot: the two lists of axes differ in length");
    } else {
        int aa[DUSK_MAXDIMS], bb[DUSK_MAXDIMS];
        Py_ssize_t i = 0;
        for (; i < n; i++)
            if (axis_int(PySequence_Fast_GET_ITEM(fa, i), dusk_array_ndim(self->a), &aa[i]) < 0 ||
                axis_int(PySequence_Fast_GET_ITEM(fb, i), dusk_array_ndim(b), &bb[i]) < 0)
                break;
        if (i == n)
            r = derive(self, dusk_tensordot(self->a, b, aa, bb, (int)n));
    }
    Py_DECREF(fa);
    Py_DECREF(fb);
    return r;
}

/* --- linear algebra (include/dusk/linalg.h) -------------------------------------------- */

/* A dtype linalg.h refuses (DUSK_ETYPE, naming it) is the caller's
 * TypeError, as numpy.linalg's for one it has no routine for; the rest of
 * its refusals are ValueError. */
static PyObject *la_raise(arrobject *self, dusk_array *b, dusk_array *r)
{
    (void)self;
    (void)b;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(r, &err);
    return pyd_raise(rc == DUSK_ENOKEY || rc == DUSK_EMISSING ? DUSK_EINVAL : rc, &err);
}

/* One array of self's class, or its error raised. */
static PyObject *la_one(arrobject *self, dusk_array *b, dusk_array *r)
{
    if (dusk_array_status(r, NULL))
        return la_raise(self, b, r);
    return derive(self, r);
}

/* The factors as a tuple of arrays of self's class; the first in an error
 * state raises (a call that fails fails all its factors). */
static PyObject *la_tuple(arrobject *self, dusk_array *b, dusk_array **parts, int n)
{
    for (int i = 0; i < n; i++)
        if (dusk_array_status(parts[i], NULL))
            return la_raise(self, b, parts[i]);
    PyObject *t = PyTuple_New(n);
    for (int i = 0; t && i < n; i++) {
        PyObject *x = derive(self, parts[i]);
        if (!x) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, x);
    }
    return t;
}

/* b, if given: a dusk array of self's context (NULL with an exception
 * otherwise); *out stays NULL for None. */
static int la_other(arrobject *self, PyObject *o, dusk_array **out)
{
    *out = NULL;
    if (o == Py_None)
        return 0;
    if (check_arr(o, "b") < 0 || same_ctx(self, o) < 0)
        return -1;
    *out = ((arrobject *)o)->a;
    return 0;
}

/* self._factor(kind, b=None, k=0, n_power_iter=0, seed=0, iterator=None):
 * the factors of one call, as a tuple (q, r), (u, s, v), (p, l, u), or
 * lstsq's (x, residuals, rank, s). */
static PyObject *arr_factor(arrobject *self, PyObject *args)
{
    const char *kind, *iterator = NULL;
    PyObject *other = Py_None;
    long long k = 0;
    int n_power_iter = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTuple(args, "s|OLiKz:_factor", &kind, &other, &k, &n_power_iter, &seed,
                          &iterator))
        return NULL;
    dusk_array *b;
    if (la_other(self, other, &b) < 0)
        return NULL;
    if (!strcmp(kind, "lstsq")) {
        if (!b) {
            PyErr_SetString(PyExc_TypeError, "lstsq needs b");
            return NULL;
        }
        dusk_lstsq l = dusk_linalg_lstsq(self->a, b);
        dusk_array *p[4] = {l.x, l.residuals, l.rank, l.s};
        return la_tuple(self, b, p, 4);
    }
    if (b) {
        PyErr_Format(PyExc_TypeError, "%s takes one array", kind);
        return NULL;
    }
    if (!strcmp(kind, "tsqr") || !strcmp(kind, "qr")) {
        dusk_qr f = kind[0] == 't' ? dusk_linalg_tsqr(self->a) : dusk_linalg_qr(self->a);
        dusk_array *p[2] = {f.q, f.r};
        return la_tuple(self, NULL, p, 2);
    }
    if (!strcmp(kind, "svd") || !strcmp(kind, "svd_compressed")) {
        dusk_svd f = kind[3] ? dusk_linalg_svd_compressed_iter(self->a, k, n_power_iter, seed,
                                                               iterator)
                             : dusk_linalg_svd(self->a);
        dusk_array *p[3] = {f.u, f.s, f.v};
        return la_tuple(self, NULL, p, 3);
    }
    if (!strcmp(kind, "lu")) {
        dusk_lu f = dusk_linalg_lu(self->a);
        dusk_array *p[3] = {f.p, f.l, f.u};
        return la_tuple(self, NULL, p, 3);
    }
    PyErr_Format(PyExc_ValueError, "no factorisation '%s'", kind);
    return NULL;
}

/* self._solve(kind, b=None, lower=False, assume_a=None): the one array of
 * solve, solve_triangular, inv or cholesky. */
static PyObject *arr_solve(arrobject *self, PyObject *args)
{
    const char *kind, *assume = NULL;
    PyObject *other = Py_None;
    int lower = 0;
    if (!PyArg_ParseTuple(args, "s|Opz:_solve", &kind, &other, &lower, &assume))
        return NULL;
    dusk_array *b;
    if (la_other(self, other, &b) < 0)
        return NULL;
    int wants_b = !strcmp(kind, "solve") || !strcmp(kind, "solve_triangular");
    if (wants_b != (b != NULL)) {
        PyErr_Format(PyExc_TypeError, wants_b ? "%s needs b" : "%s takes one array", kind);
        return NULL;
    }
    if (!strcmp(kind, "solve"))
        return la_one(self, b, dusk_linalg_solve_assume(self->a, b, assume));
    if (!strcmp(kind, "solve_triangular"))
        return la_one(self, b, dusk_linalg_solve_triangular(self->a, b, lower));
    if (!strcmp(kind, "inv"))
        return la_one(self, NULL, dusk_linalg_inv(self->a));
    if (!strcmp(kind, "cholesky"))
        return la_one(self, NULL, dusk_linalg_cholesky(self->a, lower));
    PyErr_Format(PyExc_ValueError, "no solver '%s'", kind);
    return NULL;
}

/* self._norm(ord, axis, keepdims): ord as numpy's text (None, 'fro', 'inf',
 * '2' ...), axis None, an int or a tuple of them. */
static PyObject *arr_norm(arrobject *self, PyObject *args)
{
    const char *ord;
    PyObject *axis;
    int keepdims;
    if (!PyArg_ParseTuple(args, "zOp:_norm", &ord, &axis, &keepdims))
        return NULL;
    uint64_t mask;
    if (axes_of(axis, dusk_array_ndim(self->a), &mask) < 0)
        return NULL;
    return la_one(self, NULL, dusk_linalg_norm(self->a, ord, mask, keepdims));
}

/* A tuple of numbers as a new C array of *n doubles (PyMem_Free it);
 * NULL with an exception. */
static double *floats_of(PyObject *tuple, size_t *n)
{
    Py_ssize_t len = PyTuple_GET_SIZE(tuple);
    double *v = PyMem_Calloc((size_t)len + 1, sizeof *v);
    if (!v)
        return (double *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < len; i++) {
        v[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, i));
        if (v[i] == -1 && PyErr_Occurred()) {
            PyMem_Free(v);
            return NULL;
        }
    }
    *n = (size_t)len;
    return v;
}

/* self._digitize(bins, right): bins a tuple of floats. */
static PyObject *arr_digitize(arrobject *self, PyObject *args)
{
    PyObject *bins;
    int right;
    size_t n;
    if (!PyArg_ParseTuple(args, "O!p:_digitize", &PyTuple_Type, &bins, &right))
        return NULL;
    double *b = floats_of(bins, &n);
    if (!b)
        return NULL;
    PyObject *r = derive(self, dusk_array_digitize(self->a, b, n, right));
    PyMem_Free(b);
    return r;
}

/* self._histogram(edges, weights): edges a tuple of floats, weights a dusk
 * array or None. */
static PyObject *arr_histogram(arrobject *self, PyObject *args)
{
    PyObject *edges, *weights;
    dusk_array *w;
    size_t n;
    if (!PyArg_ParseTuple(args, "O!O:_histogram", &PyTuple_Type, &edges, &weights) ||
        la_other(self, weights, &w) < 0)
        return NULL;
    double *e = floats_of(edges, &n);
    if (!e)
        return NULL;
    PyObject *r = derive(self, dusk_array_histogram(self->a, e, n, w));
    PyMem_Free(e);
    return r;
}

/* --- reading ------------------------------------------------------------------------- */

static PyObject *arr_shape(arrobject *self, void *c)
{
    (void)c;
    return shape_tuple(dusk_array_ndim(self->a), dusk_array_shape(self->a));
}

static PyObject *arr_dtype_name(arrobject *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(dusk_dtype_name(dusk_array_dtype(self->a)));
}

static PyObject *arr_chunks(arrobject *self, void *c)
{
    (void)c;
    int nd = dusk_array_ndim(self->a);
    PyObject *t = PyTuple_New(nd);
    for (int i = 0; t && i < nd; i++) {
        PyObject *x = shape_tuple((int)dusk_array_numblocks(self->a, i), dusk_array_chunks(self->a, i));
        if (!x) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, i, x);
    }
    return t;
}

static PyObject *arr_numblocks(arrobject *self, void *c)
{
    (void)c;
    int nd = dusk_array_ndim(self->a);
    int64_t nb[DUSK_MAXDIMS];
    for (int i = 0; i < nd; i++)
        nb[i] = dusk_array_numblocks(self->a, i);
    return shape_tuple(nd, nb);
}

static PyObject *arr_npartitions(arrobject *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(dusk_array_nchunks(self->a));
}

static PyObject *arr_unknown(arrobject *self, void *c)
{
    (void)c;
    return PyBool_FromLong(dusk_array_unknown_chunks(self->a));
}

static PyObject *arr_ntasks(arrobject *self, void *c)
{
    (void)c;
    return PyLong_FromLongLong(dusk_array_ntasks(self->a));
}

static PyObject *arr_name(arrobject *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(dusk_array_name(self->a));
}

static PyObject *arr_describe(arrobject *self, PyObject *unused)
{
    (void)unused;
    size_t n = dusk_array_describe(self->a, NULL, 0);
    char *buf = PyMem_Malloc(n + 1);
    if (!buf)
        return PyErr_NoMemory();
    dusk_array_describe(self->a, buf, n + 1);
    PyObject *s = PyUnicode_FromString(buf);
    PyMem_Free(buf);
    return s;
}

static PyObject *arr_chunks_svg(arrobject *self, PyObject *args)
{
    int size = 0;
    if (!PyArg_ParseTuple(args, "|i:_chunks_svg", &size))
        return NULL;
    char *buf;
    size_t len;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_viz_chunks_svg(self->a, size, &buf, &len, &err);
    if (rc)
        return pyd_raise(rc, &err);
    PyObject *s = PyUnicode_FromStringAndSize(buf, (Py_ssize_t)len);
    dusk_free(buf);
    return s;
}

static PyObject *arr_layers(arrobject *self, PyObject *unused)
{
    (void)unused;
    size_t n = dusk_array_layers(self->a, NULL, 0);
    dusk_layer_info *li = PyMem_Calloc(n + 1, sizeof *li);
    if (!li)
        return PyErr_NoMemory();
    dusk_array_layers(self->a, li, n);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        PyObject *deps = PyTuple_New((Py_ssize_t)li[i].ndeps);
        for (size_t k = 0; deps && k < li[i].ndeps; k++)
            PyTuple_SET_ITEM(deps, (Py_ssize_t)k, PyUnicode_FromString(li[i].deps[k]));
        PyObject *shape = shape_tuple(li[i].ndim, li[i].shape);
        PyObject *d = deps && shape ? Py_BuildValue("{s:s,s:s,s:L,s:O,s:s,s:O}", "name", li[i].name,
                                                    "op", li[i].op, "ntasks", (long long)li[i].ntasks,
                                                    "shape", shape, "dtype", dusk_dtype_name(li[i].dtype),
                                                    "deps", deps)
                                    : NULL;
        Py_XDECREF(deps);
        Py_XDECREF(shape);
        if (!d) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, d);
    }
    PyMem_Free(li);
    return l;
}

static PyObject *arr_block_key(arrobject *self, PyObject *idx)
{
    dusk_shape sh;
    if (shape_of(idx, &sh) < 0)
        return NULL;
    if (sh.ndim != dusk_array_ndim(self->a)) {
        PyErr_Format(PyExc_ValueError, "a block index needs %d entries", dusk_array_ndim(self->a));
        return NULL;
    }
    char buf[512];
    int n = dusk_array_block_key(self->a, sh.v, buf, sizeof buf);
    if (n < 0)
        return pyd_raise(n, NULL);
    return PyUnicode_FromString(buf);
}

/* --- computing ------------------------------------------------------------------------ */

static int run_options(PyObject *scheduler, PyObject *num_workers, dusk_options *opts,
                       int *view, pyd_run_ctl *ctl)
{
    if (pyd_parse_scheduler(scheduler, num_workers, opts, view) < 0)
        return -1;
    if (pyd_view_active(NULL))
        *view = 1;
    pyd_listeners(opts, ctl);
    return 0;
}

/* A computation run by pyd_run_wait: the caller watches for ^C while it
 * goes, without the GIL (other Python threads run meanwhile). */
typedef struct {
    dusk_array *a;
    dusk_options *opts;
    dusk_value **out;                  /* compute (n of them for many) */
    dusk_array **many;                 /* compute_many: n arrays of one context */
    size_t n;
    const char *path, *dataset;        /* store */
    dusk_store_options *so;
    dusk_error *err;
} array_call;

static int compute_main(void *p)
{
    array_call *c = p;
    if (c->many)
        return dusk_array_compute_many(c->many, c->n, c->opts, c->out, c->err);
    return c->path ? dusk_array_store(c->a, c->path, c->dataset, c->so, c->opts, c->err)
                   : dusk_array_compute(c->a, c->opts, c->out, c->err);
}

/* Runs c with the GIL released; 0 or a dusk code, and *interrupted set
 * with the signal's exception (KeyboardInterrupt) set. (dusk's codes are
 * negative: none can stand for the interruption.) */
static int run_released(pyd_run_ctl *ctl, array_call *c, int *interrupted)
{
    PyThreadState *ts = PyEval_SaveThread();
    int rc = pyd_run_wait(ctl, ts, compute_main, c, interrupted);
    PyEval_RestoreThread(ts);
    if (*interrupted)
        pyd_blocks_forget();   /* no failure will name what its blocks raised */
    for (size_t i = 0; *interrupted && c->out && i < (c->many ? c->n : 1); i++) {
        dusk_value_unref(c->out[i]);
        c->out[i] = NULL;
    }
    return rc;
}

/* a computed in the live window (GIL held on entry and return); Ctrl-C
 * closes it: *interrupted set, with the signal's exception. */
static int view_compute(dusk_array *a, dusk_options *opts, dusk_value **out, dusk_error *err,
                        int *interrupted)
{
    dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
    pyd_view_sig sig;
    int rc;
    pyd_view_active(&vo);
    vo.run = opts;
    pyd_view_watch(&sig);
    vo.stop = pyd_view_flag(&sig);
    /* without the GIL: blocks.c's Python functions take it on the workers */
    Py_BEGIN_ALLOW_THREADS
    rc = dusk_view_array_compute(a, &vo, out, err);
    Py_END_ALLOW_THREADS
    if (pyd_view_unwatch(&sig)) {
        dusk_value_unref(*out);
        *out = NULL;
        *interrupted = 1;
    }
    return rc;
}

static PyObject *arr_compute(arrobject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"scheduler", "num_workers", NULL};
    PyObject *scheduler = NULL, *num_workers = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:_compute", kwlist, &scheduler, &num_workers))
        return NULL;
    dusk_options opts = DUSK_OPTIONS_INIT;
    pyd_run_ctl ctl;
    int view;
    if (run_options(scheduler, num_workers, &opts, &view, &ctl) < 0)
        return NULL;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc, interrupted = 0;
    if (view) {
        rc = view_compute(self->a, &opts, &out, &err, &interrupted);
    } else {
        array_call c = {.a = self->a, .opts = &opts, .out = &out, .err = &err};
        rc = run_released(&ctl, &c, &interrupted);
    }
    pyd_listeners_release(&ctl);
    if (interrupted)
        return NULL;
    if (rc)
        return pyd_raise(rc, &err);
    PyObject *r = pyd_ndarray_to_numpy(out);
    dusk_value_unref(out);
    return r;
}

/* Array._compute_many(arrays, scheduler=None, num_workers=None): their
 * values as a list, the arrays of one context in one run of their joined
 * graph (dask.compute's sharing); one run per context (compaction may
 * have moved some). In the live window each runs alone, as the window
 * shows one array's chunks. */
static PyObject *arr_compute_many(PyTypeObject *cls, PyObject *args, PyObject *kw)
{
    (void)cls;
    static char *kwlist[] = {"arrays", "scheduler", "num_workers", NULL};
    PyObject *seq, *scheduler = NULL, *num_workers = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO:_compute_many", kwlist, &seq, &scheduler,
                                     &num_workers))
        return NULL;
    /* a tuple of its own: Python code may run while the GIL is let go (a
     * signal's handler, a progress bar), and the caller's list change */
    PyObject *fast = PySequence_Tuple(seq);
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    for (Py_ssize_t i = 0; i < n; i++)
        if (check_arr(PySequence_Fast_GET_ITEM(fast, i), "every array computed") < 0) {
            Py_DECREF(fast);
            return NULL;
        }
    PyObject *result = PyList_New(n);
    dusk_array **group = PyMem_Calloc((size_t)n + 1, sizeof *group);
    dusk_value **out = PyMem_Calloc((size_t)n + 1, sizeof *out);
    Py_ssize_t *where = PyMem_Calloc((size_t)n + 1, sizeof *where);
    char *done = PyMem_Calloc((size_t)n + 1, 1);
    if (!result || !group || !out || !where || !done) {
        if (result)
            PyErr_NoMemory();
        goto fail;
    }
    dusk_options opts = DUSK_OPTIONS_INIT;
    pyd_run_ctl ctl;
    int view;
    if (run_options(scheduler, num_workers, &opts, &view, &ctl) < 0)
        goto fail;
    for (Py_ssize_t first = 0; first < n; first++) {
        if (done[first])
            continue;
        ctxobject *c = ((arrobject *)PySequence_Fast_GET_ITEM(fast, first))->ctx;
        size_t m = 0;
        for (Py_ssize_t i = first; i < n; i++) {
            arrobject *a = (arrobject *)PySequence_Fast_GET_ITEM(fast, i);
            if (a->ctx == c && (!view || i == first)) {
                where[m] = i;
                group[m++] = a->a;
                done[i] = 1;
            }
        }
        dusk_error err = DUSK_ERROR_INIT;
        int rc, interrupted = 0;
        if (view) {
            rc = view_compute(group[0], &opts, &out[0], &err, &interrupted);
        } else {
            array_call call = {.many = group, .n = m, .opts = &opts, .out = out, .err = &err};
            rc = run_released(&ctl, &call, &interrupted);
        }
        if (interrupted || rc) {
            pyd_listeners_release(&ctl);
            if (!interrupted)
                pyd_raise(rc, &err);
            goto fail;
        }
        for (size_t i = 0; i < m; i++) {
            PyObject *r = pyd_ndarray_to_numpy(out[i]);
            dusk_value_unref(out[i]);
            out[i] = NULL;
            if (!r) {
                for (size_t k = i + 1; k < m; k++) {
                    dusk_value_unref(out[k]);
                    out[k] = NULL;
                }
                pyd_listeners_release(&ctl);
                goto fail;
            }
            PyList_SET_ITEM(result, where[i], r);
        }
    }
    pyd_listeners_release(&ctl);
    PyMem_Free(group);
    PyMem_Free(out);
    PyMem_Free(where);
    PyMem_Free(done);
    Py_DECREF(fast);
    return result;
fail:
    Py_XDECREF(result);
    PyMem_Free(group);
    PyMem_Free(out);
    PyMem_Free(where);
    PyMem_Free(done);
    Py_DECREF(fast);
    return NULL;
}

static PyObject *arr_store(arrobject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", "dataset", "gzip", "overwrite", "scheduler", "num_workers", NULL};
    PyObject *path, *scheduler = NULL, *num_workers = NULL;
    const char *dataset;
    int gzip = 0, overwrite = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&s|ipOO:_store", kwlist, PyUnicode_FSConverter,
                                     &path, &dataset, &gzip, &overwrite, &scheduler, &num_workers))
        return NULL;
    dusk_options opts = DUSK_OPTIONS_INIT;
    pyd_run_ctl ctl;
    int view;
    if (gzip < DUSK_GZIP_LEVEL0 || gzip > 9) {
        Py_DECREF(path);
        PyErr_Format(PyExc_ValueError, "gzip level must be 0 to 9 (or -1, gzip at level 0), not %d",
                     gzip);
        return NULL;
    }
    if (run_options(scheduler, num_workers, &opts, &view, &ctl) < 0) {
        Py_DECREF(path);
        return NULL;
    }
    dusk_store_options so = {gzip, overwrite != 0};
    dusk_error err = DUSK_ERROR_INIT;
    int rc, interrupted = 0;
    if (view) {
        dusk_view_options vo = DUSK_VIEW_OPTIONS_INIT;
        pyd_view_sig sig;
        pyd_view_active(&vo);
        vo.run = &opts;
        pyd_view_watch(&sig);
        vo.stop = pyd_view_flag(&sig);
        Py_BEGIN_ALLOW_THREADS
        rc = dusk_view_array_store(self->a, PyBytes_AS_STRING(path), dataset, &so, &vo, &err);
        Py_END_ALLOW_THREADS
        if (pyd_view_unwatch(&sig)) {
            interrupted = 1;
        }
    } else {
        array_call c = {.a = self->a, .opts = &opts, .path = PyBytes_AS_STRING(path),
                        .dataset = dataset, .so = &so, .err = &err};
        rc = run_released(&ctl, &c, &interrupted);
    }
    pyd_listeners_release(&ctl);
    Py_DECREF(path);
    if (interrupted)
        return NULL;
    if (rc)
        return pyd_raise(rc, &err);
    Py_RETURN_NONE;
}

int pyd_viz_options(PyObject *color, const char *rankdir, int collapse, int verbose,
                    const char *view, dusk_viz_options *o)
{
    dusk_viz_options d = DUSK_VIZ_OPTIONS_INIT;
    *o = d;
    o->rankdir = rankdir;
    o->collapse_outputs = collapse != 0;
    o->verbose = verbose != 0;
    o->quiet = true;
    o->layers_hint = "view='layers'";
    if (color && color != Py_None) {
        const char *c = PyUnicode_Check(color) ? PyUnicode_AsUTF8(color) : NULL;
        if (!c) {
            PyErr_SetString(PyExc_TypeError, "color must be a str such as 'order'");
            return -1;
        }
        dusk_viz_color vc;
        if (dusk_viz_color_parse(c, &vc) != 0 || vc != DUSK_VIZ_COLOR_ORDER) {
            if (strcmp(c, "none") != 0) {
                PyErr_Format(PyExc_ValueError, "color='%s': dusk colours a graph by 'order' "
                             "(the run-time colours need a run: dusk render)", c);
                return -1;
            }
            vc = DUSK_VIZ_COLOR_NONE;
        }
        o->color = vc;
    }
    if (view && strcmp(view, "auto")) {
        if (!strcmp(view, "tasks"))
            o->view = DUSK_VIZ_TASKS;
        else if (!strcmp(view, "layers"))
            o->view = DUSK_VIZ_LAYERS;
        else {
            PyErr_Format(PyExc_ValueError, "view must be 'auto', 'tasks' or 'layers', not '%s'", view);
            return -1;
        }
    }
    return 0;
}

int pyd_viz_warn_layers(const dusk_viz_options *o, int64_t ntasks)
{
    /* dusk's own note goes to stderr (quiet here): Python says it the
     * Python way, a warning the caller can see, filter or turn to error. */
    size_t threshold = o->threshold ? o->threshold : DUSK_VIZ_THRESHOLD;
    if (o->view != DUSK_VIZ_AUTO || ntasks <= (int64_t)threshold)
        return 0;
    return PyErr_WarnFormat(PyExc_UserWarning, 2,
                            "visualize: %lld tasks, more than %zu: drawing the layer view "
                            "(one node per layer); pass view='tasks' to draw every task",
                            (long long)ntasks, threshold);
}

/* The picture of n arrays together (one: an array's own), as visualize's
 * arguments say. */
static PyObject *visualize_arrays(dusk_array *const *a, size_t n, PyObject *args, PyObject *kw,
                                  const char *fmt)
{
    static char *kwlist[] = {"filename", "format", "color", "rankdir", "collapse_outputs",
                             "verbose", "view", NULL};
    PyObject *filename = Py_None, *color = Py_None;
    const char *format = NULL, *rankdir = NULL, *view = NULL;
    int collapse = 0, verbose = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &filename, &format, &color, &rankdir,
                                     &collapse, &verbose, &view))
        return NULL;
    dusk_viz_options o;
    if (pyd_viz_options(color, rankdir, collapse, verbose, view, &o) < 0)
        return NULL;
    o.format = format;
    if (pyd_viz_warn_layers(&o, dusk_array_ntasks_many(a, n)) < 0)
        return NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc;
    if (filename == Py_None) {
        char *buf = NULL;
        size_t len = 0;
        /* The render only reads dusk's C structures (names, shapes, the
         * graph): other Python threads run meanwhile, as under compute(). */
        Py_BEGIN_ALLOW_THREADS
        rc = dusk_visualize_arrays_mem(a, n, format ? format : "png", &o, &buf, &len, &err);
        Py_END_ALLOW_THREADS
        if (rc)
            return pyd_raise(rc, &err);
        PyObject *b = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
        dusk_free(buf);
        return b;
    }
    PyObject *path;
    if (!PyUnicode_FSConverter(filename, &path))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = dusk_visualize_arrays(a, n, PyBytes_AS_STRING(path), &o, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    if (rc)
        return pyd_raise(rc, &err);
    Py_RETURN_NONE;
}

static PyObject *arr_visualize(arrobject *self, PyObject *args, PyObject *kw)
{
    return visualize_arrays(&self->a, 1, args, kw, "|OzOzppz:_visualize");
}

/* Array._visualize_many(arrays, filename, ...): dask.visualize(a, b) of dusk
 * arrays, one picture of their joined graph. */
static PyObject *arr_visualize_many(PyTypeObject *cls, PyObject *args, PyObject *kw)
{
    (void)cls;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "_visualize_many: the arrays are missing");
        return NULL;
    }
    /* a tuple of its own, holding the arrays while the GIL is let go */
    PyObject *fast = PySequence_Tuple(PyTuple_GET_ITEM(args, 0));
    if (!fast)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(fast);
    dusk_array **a = PyMem_Calloc((size_t)n + 1, sizeof *a);
    PyObject *rest = PyTuple_GetSlice(args, 1, nargs), *r = NULL;
    if (!a || !rest) {
        if (!a)
            PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (check_arr(PyTuple_GET_ITEM(fast, i), "every array drawn") < 0)
            goto done;
        a[i] = ((arrobject *)PyTuple_GET_ITEM(fast, i))->a;
    }
    r = visualize_arrays(a, (size_t)n, rest, kw, "|OzOzppz:_visualize_many");
done:
    Py_XDECREF(rest);
    PyMem_Free(a);
    Py_DECREF(fast);
    return r;
}

#define CLS (METH_VARARGS | METH_CLASS)
static PyMethodDef arr_methods[] = {
    {"_create", (PyCFunction)(void (*)(void))arr_create, CLS, "ones/zeros/empty/full"},
    {"_arange", (PyCFunction)(void (*)(void))arr_arange, CLS, "numpy.arange"},
    {"_linspace", (PyCFunction)(void (*)(void))arr_linspace, CLS, "numpy.linspace"},
    {"_eye", (PyCFunction)(void (*)(void))arr_eye, CLS, "numpy.eye"},
    {"_random", (PyCFunction)(void (*)(void))arr_random, CLS,
     "random.normal/uniform/exponential/poisson"},
    {"_randint", (PyCFunction)(void (*)(void))arr_randint, CLS, "random.randint"},
    {"_from_numpy", (PyCFunction)(void (*)(void))arr_from_numpy, CLS, "from a NumPy array"},
    {"_from_hdf5", (PyCFunction)(void (*)(void))arr_from_hdf5, CLS, "from an HDF5 dataset"},
    {"_join", (PyCFunction)(void (*)(void))arr_join, CLS, "concatenate/stack"},
    {"_binop", (PyCFunction)arr_binop, METH_VARARGS, "a OP b"},
    {"_binop_scalar", (PyCFunction)arr_binop_scalar, METH_VARARGS, "a OP s"},
    {"_unop", (PyCFunction)arr_unop, METH_VARARGS, "OP a"},
    {"_transpose", (PyCFunction)arr_transpose, METH_VARARGS, "transpose"},
    {"_astype", (PyCFunction)arr_astype, METH_O, "astype"},
    {"_rechunk", (PyCFunction)arr_rechunk, METH_VARARGS, "rechunk"},
    {"_getitem", (PyCFunction)arr_getitem, METH_O, "a[index]"},
    {"_mask", (PyCFunction)arr_mask, METH_O, "a[mask] (a dusk bool array)"},
    {"_compress", (PyCFunction)arr_compress, METH_VARARGS, "compress(cond, a, axis)"},
    {"_unique", (PyCFunction)arr_unique, METH_NOARGS, "unique(a)"},
    {"_compute_chunk_sizes", (PyCFunction)arr_compute_chunk_sizes, METH_NOARGS,
     "the array with its chunk sizes computed"},
    {"_reduce", (PyCFunction)arr_reduce, METH_VARARGS, "reductions"},
    {"_squeeze", (PyCFunction)arr_squeeze, METH_O, "squeeze"},
    {"_histogram", (PyCFunction)arr_histogram, METH_VARARGS, "histogram(a, edges, weights)"},
    {"_digitize", (PyCFunction)arr_digitize, METH_VARARGS, "digitize(a, bins, right)"},
    {"_reshape", (PyCFunction)arr_reshape, METH_VARARGS, "reshape"},
    {"_argreduce", (PyCFunction)arr_argreduce, METH_VARARGS, "argmax/argmin/nanargmax/nanargmin"},
    {"_cumulative", (PyCFunction)arr_cumulative, METH_VARARGS, "cumsum/cumprod"},
    {"_where", (PyCFunction)arr_where, METH_VARARGS, "where(cond, a, b)"},
    {"_where_scalar", (PyCFunction)arr_where_scalar, METH_VARARGS, "where(cond, a, s)"},
    {"_clip", (PyCFunction)arr_clip, METH_VARARGS, "clip(a, lo, hi)"},
    {"_round", (PyCFunction)arr_round, METH_VARARGS, "round/around(a, decimals)"},
    {"_isclose", (PyCFunction)arr_isclose, METH_VARARGS, "isclose/allclose(a, b)"},
    {"_isclose_scalar", (PyCFunction)arr_isclose_scalar, METH_VARARGS,
     "isclose(a, s) or isclose(s, a) of a number s"},
    {"_nan_to_num", (PyCFunction)arr_nan_to_num, METH_VARARGS, "nan_to_num(a)"},
    {"_product", (PyCFunction)arr_product, METH_VARARGS, "dot/matmul/tensordot"},
    {"_factor", (PyCFunction)arr_factor, METH_VARARGS, "qr/tsqr/svd/svd_compressed/lu/lstsq"},
    {"_solve", (PyCFunction)arr_solve, METH_VARARGS, "solve/solve_triangular/inv/cholesky"},
    {"_norm", (PyCFunction)arr_norm, METH_VARARGS, "numpy.linalg.norm"},
    {"_context_made", (PyCFunction)arr_context_made, METH_NOARGS, "arrays made in its context"},
    {"_new_context", (PyCFunction)arr_new_context, METH_NOARGS | METH_CLASS, "start a new context"},
    {"_use_context", (PyCFunction)arr_use_context, METH_NOARGS, "make arrays in its context"},
    {"_rebind", (PyCFunction)arr_rebind, METH_O, "become another array"},
    {"_same", (PyCFunction)arr_same, METH_NOARGS, "another object over this array"},
    {"_describe", (PyCFunction)arr_describe, METH_NOARGS, "Dask's table, as text"},
    {"_chunks_svg", (PyCFunction)arr_chunks_svg, METH_VARARGS,
     "the picture of the chunks (dusk_viz_chunks_svg), as SVG text"},
    {"_layers", (PyCFunction)arr_layers, METH_NOARGS, "the graph's layers"},
    {"_block_key", (PyCFunction)arr_block_key, METH_O, "the key of a block"},
    {"_compute", (PyCFunction)(void (*)(void))arr_compute, METH_VARARGS | METH_KEYWORDS, "compute"},
    {"_compute_many", (PyCFunction)(void (*)(void))arr_compute_many,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS, "compute, several arrays in one run"},
    {"_store", (PyCFunction)(void (*)(void))arr_store, METH_VARARGS | METH_KEYWORDS, "store"},
    {"_visualize", (PyCFunction)(void (*)(void))arr_visualize, METH_VARARGS | METH_KEYWORDS, "picture"},
    {"_visualize_many", (PyCFunction)(void (*)(void))arr_visualize_many,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS, "one picture of several arrays"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef arr_getset[] = {
    {"shape", (getter)arr_shape, NULL, "the shape", NULL},
    {"_dtype_name", (getter)arr_dtype_name, NULL, "the dtype's name", NULL},
    {"chunks", (getter)arr_chunks, NULL, "block sizes per axis", NULL},
    {"numblocks", (getter)arr_numblocks, NULL, "blocks per axis", NULL},
    {"npartitions", (getter)arr_npartitions, NULL, "blocks in all", NULL},
    {"_ntasks", (getter)arr_ntasks, NULL, "tasks in all its layers", NULL},
    {"_unknown_chunks", (getter)arr_unknown, NULL, "whether its chunk sizes are unknown", NULL},
    {"name", (getter)arr_name, NULL, "its layer's name", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyObject *arr_new(PyTypeObject *t, PyObject *a, PyObject *k)
{
    (void)t;
    (void)a;
    (void)k;
    PyErr_SetString(PyExc_TypeError, "make dusk arrays with dusk.array's functions "
                    "(ones, from_array, ...)");
    return NULL;
}

static PyTypeObject ArrType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dusk._dusk.Array",
    .tp_basicsize = sizeof(arrobject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "A lazy chunked array of libdusk-array (dusk.array.Array is the one to use).",
    .tp_dealloc = (destructor)arr_dealloc,
    .tp_traverse = (traverseproc)arr_traverse,
    .tp_methods = arr_methods,
    .tp_getset = arr_getset,
    .tp_new = arr_new,
};

int pyd_array_init(PyObject *m)
{
    if (PyType_Ready(&CtxType) < 0 || PyType_Ready(&ArrType) < 0)
        return -1;
    if (PyModule_AddObjectRef(m, "Array", (PyObject *)&ArrType) < 0 ||
        PyModule_AddObjectRef(m, "ArrayContext", (PyObject *)&CtxType) < 0)
        return -1;
    return 0;
}

/* --- for blocks.c: arrays made with the user's Python functions ------------------------ */

dusk_array *pyd_array_ptr(PyObject *o, const char *what)
{
    return check_arr(o, what) < 0 ? NULL : ((arrobject *)o)->a;
}

int pyd_array_same_ctx(PyObject *a, PyObject *b)
{
    return same_ctx((arrobject *)a, b);
}

PyObject *pyd_array_result(PyTypeObject *cls, PyObject *like, dusk_array *a, PyObject *keep)
{
    ctxobject *c = ((arrobject *)like)->ctx;
    if (keep && PyTuple_Check(keep)) {   /* a reduction's (chunk, combine or None, aggregate) */
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(keep); i++)
            if (PyTuple_GET_ITEM(keep, i) != Py_None && ctx_keep(c, PyTuple_GET_ITEM(keep, i)) < 0)
                return NULL;
    } else if (keep && ctx_keep(c, keep) < 0) {
        return NULL;
    }
    Py_INCREF(c);
    return wrap(cls, c, a);
}
