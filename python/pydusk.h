/*
** python/pydusk.h — private to the Python module (python/ files): what its
** files share. Not installed; the module is built on dusk's public C API
** (include/dusk/ headers) only.
**
** Python objects travel through a dusk graph in two ways: numbers (exact
** int within int64, float, bool) and None become dusk's own values, so
** that the builtins (operator.add, sum ...) run on them in C without the
** GIL; everything else is an opaque value holding a strong reference to
** the object (pyd_value_from). A list argument reaches a task as a dusk
** tuple, so a dusk tuple always comes back to Python as a list.
*/
#ifndef DUSK_PYTHON_PYDUSK_H
#define DUSK_PYTHON_PYDUSK_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <signal.h>

#include <dusk.h>
#include <dusk/gui.h>

/* The module's error for a dusk code that has no better Python type. */
extern PyObject *pyd_error;

/* Sets the Python exception a Dask user expects for a dusk failure
 * (KeyError, ValueError, TypeError, MemoryError, OSError, RuntimeError)
 * with err's message; returns NULL. */
PyObject *pyd_raise(int code, const dusk_error *err);

/* A dusk value for a Python object (new reference; NULL with a Python
 * exception set on failure). */
dusk_value *pyd_value_from(PyObject *o);
/* A Python object for a dusk value (new reference, or NULL with an
 * exception). Tuples become lists; ndarrays become NumPy arrays that
 * share the value's memory. */
PyObject *pyd_value_to(dusk_value *v);
/* A NumPy array over an ndarray value, keeping the value alive. */
PyObject *pyd_ndarray_to_numpy(dusk_value *v);

/* What a run takes from dusk.diagnostics and gives back: the listeners
 * switched on for every computation made meanwhile (diag.c), each with a
 * strong reference to its owner (a ProgressBar unregistered and dropped
 * while the run goes on stays alive until it ends), and a gate that
 * refuses every task once `cancel` is set (^C: pyd_run_wait). The
 * caller's, which must last the run. */
#define PYD_MAX_LISTENERS 16
typedef struct pyd_run_ctl {
    dusk_callbacks cb[PYD_MAX_LISTENERS + 1];
    PyObject *owner[PYD_MAX_LISTENERS];
    size_t nowners;
    int cancel;   /* atomic: the gate is armed when it reads 1 */
} pyd_run_ctl;
/* Fills ctl and points opts->callbacks at it; GIL held. */
void pyd_listeners(dusk_options *opts, pyd_run_ctl *ctl);
/* Drops the owners' references once the run has ended; GIL held. */
void pyd_listeners_release(pyd_run_ctl *ctl);
/* Writes what ctl's progress bars have drawn to their Python files; GIL
 * held (a pending exception stays). */
void pyd_listeners_drain(pyd_run_ctl *ctl);
/* Runs fn(arg) on a thread of its own while the caller, whose state ts
 * was saved (GIL released), waits, taking the GIL every 100 ms for
 * PyErr_CheckSignals: on a signal's exception it cancels the run through
 * ctl's gate and waits for fn to return. Returns fn's code; *interrupted
 * is 1 when the exception (KeyboardInterrupt ...) is set in ts. Without
 * a thread, fn runs on the caller's. GIL released on entry and return. */
int pyd_run_wait(pyd_run_ctl *ctl, PyThreadState *ts, int (*fn)(void *), void *arg,
                 int *interrupted);
/* Whether a dusk.view() block is open (then computations open the live
 * window), and its options. */
int pyd_view_active(dusk_view_options *vo);
/* Around a live window's call, GIL held: pyd_view_watch makes Ctrl-C set
 * the flag pyd_view_flag gives (NULL when it does not: not Python's main
 * thread, or SIGINT not Python's to handle), which the caller puts in
 * dusk_view_options.stop (the window closes, the run stops). After the
 * call pyd_view_unwatch puts the handler back and, when Ctrl-C came, runs
 * Python's handler: 1 with its exception (KeyboardInterrupt) set. */
typedef struct pyd_view_sig {
    int installed;
    struct sigaction old;
} pyd_view_sig;
void pyd_view_watch(pyd_view_sig *s);
const int *pyd_view_flag(const pyd_view_sig *s);
int pyd_view_unwatch(pyd_view_sig *s);

/* Parses scheduler= and num_workers= as dusk.get takes them; 0 or -1
 * with an exception. *view is set when scheduler is 'view'. */
int pyd_parse_scheduler(PyObject *scheduler, PyObject *num_workers, dusk_options *opts,
                        int *view);

/* Builds a dusk graph from a Dask graph (any mapping); NULL with an
 * exception. pyd_graph_free releases it and the functions it uses. */
typedef struct pyd_graph pyd_graph;
pyd_graph *pyd_graph_build(PyObject *dsk);
dusk_graph *pyd_graph_dusk(pyd_graph *pg);
/* The text dusk knows key by, into a new bytes-like PyObject (str keys:
 * their UTF-8; tuples and other keys: Dask's repr), or NULL. */
PyObject *pyd_key_text(PyObject *key);
void pyd_graph_free(pyd_graph *pg);

/* dusk_viz_options from visualize()'s keywords (array.c); -1 with an
 * exception. color: None, 'none' or 'order'; view: 'auto', 'tasks',
 * 'layers' or NULL. */
int pyd_viz_options(PyObject *color, const char *rankdir, int collapse, int verbose,
                    const char *view, dusk_viz_options *o);
/* A UserWarning when o's AUTO view switches ntasks tasks to the layer
 * view; -1 with the exception set when the warning is an error. */
int pyd_viz_warn_layers(const dusk_viz_options *o, int64_t ntasks);

/* Whether a _dusk.Profile object exists (diag.c); when the last one goes,
 * diag.c calls pyd_funcs_release (module.c), which frees the functions
 * that recorded runs' plans point to. */
int pyd_profiles_alive(void);
/* Gives the profiles among ctl's listeners the keys of dsk (a dict) that
 * their text does not say (1, a str "(1, 2)"), for .results; GIL held. */
void pyd_profiles_note_keys(pyd_run_ctl *ctl, PyObject *dsk);
void pyd_funcs_release(void);

/* Module parts registered by module.c's init. */
int pyd_array_init(PyObject *m);
int pyd_diag_init(PyObject *m);

/* For blocks.c (array.c): the dusk_array of a _dusk.Array (NULL with
 * TypeError naming what); whether two arrays share a context (-1 with
 * ValueError); a (of like's context) as an instance of cls, raising a's
 * error if it has one, with keep (a BlockFunction its layers point into,
 * or a tuple of them and None) kept alive as long as that context. */
dusk_array *pyd_array_ptr(PyObject *o, const char *what);
int pyd_array_same_ctx(PyObject *a, PyObject *b);
PyObject *pyd_array_result(PyTypeObject *cls, PyObject *like, dusk_array *a, PyObject *keep);
/* blocks.c: the module's functions (_map_blocks ...) and its type; the
 * exception a block's Python function raised, raised again when err
 * names it (1), else 0; the functions that profiles' plans still point
 * to, freed with the last profile. */
int pyd_blocks_init(PyObject *m);
/* Gives this thread (a worker's, without the GIL) a Python thread state of
 * its own, of the main interpreter, kept until the thread exits (module.c's
 * states of dusk.get's tasks), unless it has one: PyGILState_Ensure then
 * uses it, where it would make and delete a state at every call. Without
 * memory for one, nothing (PyGILState_Ensure makes its own). */
void pyd_worker_state(void);
int pyd_blocks_reraise(const dusk_error *err);
/* Drops the exceptions blocks' functions raised in a run that ends without
 * reporting its failure (^C): their tracebacks hold the functions, and so
 * their arrays and contexts, until the next failure otherwise; GIL held. */
void pyd_blocks_forget(void);
void pyd_blocks_release(void);

#endif /* DUSK_PYTHON_PYDUSK_H */
