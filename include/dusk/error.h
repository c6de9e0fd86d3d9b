/*
** dusk — error codes and error messages
** Library: libdusk (core/).
**
** Every dusk call that can fail returns an int: 0 on success, a negative
** DUSK_E... code on failure. Where a message matters (a task's failure, a
** validation error naming keys) the call also fills a caller-supplied
** dusk_error. A dusk_error owns no heap memory, so it can be filled even
** when allocation has failed, and never needs freeing.
**
** NULL pointers: one rule for every DUSK_API function of the four
** libraries (libdusk, libdusk-array, libdusk-viz, libdusk-profiler). A
** NULL never crashes dusk; what it means depends on the argument and on
** what the function returns:
**
**  1. Optional arguments. `dusk_error *err` is always optional: NULL means
**     no message is wanted. So is every argument a header calls optional
**     or gives a meaning for NULL (opts, o, sopts, chunks, perm, number,
**     used, a getter's count output ...): NULL then means the default.
**  2. Functions that return a status (0 or a DUSK_E... code; also a count
**     or a code, as dusk_graph_dependencies, and a length or a code, as
**     dusk_key_tuple) return DUSK_EINVAL for any other NULL pointer and,
**     when they take a dusk_error, fill it with "<function>: <argument> is
**     NULL", both as the header names them ("dusk_get: key is NULL"; a
**     graph builder keeps the same in the graph's status). They do nothing
**     else but what every failure does: outputs they were given are
**     cleared (*out = NULL, *len = 0) and arguments they steal are
**     released. One exception: a NULL where a function steals what a dusk
**     constructor returned (dusk_graph_value's v, an argument of
**     dusk_graph_taskv, dusk_compute's request) is that constructor's
**     failure, so the call returns DUSK_ENOMEM, which lets
**     `dusk_graph_value(g, "a", dusk_int(1))` be checked once.
**  3. Functions that return a new object (constructors, dusk_ref,
**     dusk_lit ...) return NULL, releasing what they steal. Array
**     operations never return NULL: they return an array in an error
**     state (DUSK_EINVAL) instead, as for any other error (array.h).
**  4. Functions that end something (_free, _unref, dusk_arg_free,
**     dusk_free) take NULL as a no-op, as free() does; so do the void
**     functions that change an object (_clear, dusk_tuple_set) given a
**     NULL object, still releasing what they steal.
**  5. Getters and queries of a NULL object answer as for something that
**     is not there: 0, false, NULL, a zeroed struct (callbacks that listen
**     to nothing), the enum whose value is 0; and where the function has
**     its own answer for "not there" (an id not set, a key not found), that
**     one: -1 from dusk_graph_find and dusk_plan_priority, "?" from
**     dusk_graph_key_repr and dusk_plan_key_repr.
**  6. Text and records written into a caller's array (buf, n), as
**     snprintf: a NULL array is one of 0 places, so nothing is written and
**     the call returns what it returns for n = 0 (the full length of the
**     text, the number of layers; dusk_stream_drain takes no event and
**     returns 0). Text for a NULL object is "". An input array given with
**     a count of 0 may be NULL; with a count above 0 it is a NULL pointer
**     under rules 2 and 3.
**
** tests/core/test_nulls.c calls every DUSK_API function with NULL for each
** pointer argument in turn and checks these answers; it fails when a
** function is added to the headers and not to it.
*/
#ifndef DUSK_ERROR_H
#define DUSK_ERROR_H

#include <stddef.h>

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* XX(name, value, message): one table generates the enum, dusk_strerror()
 * and dusk_err_name(). */
#define DUSK_ERRNO_MAP(XX)                                                   \
    XX(ENOMEM, -1, "out of memory")                                          \
    XX(EINVAL, -2, "invalid argument")                                       \
    XX(EMISSING, -3, "missing dependency")                                   \
    XX(ECYCLE, -4, "cycle in task graph")                                    \
    XX(ENOKEY, -5, "key not in graph")                                       \
    XX(ETASK, -6, "task failed")                                             \
    XX(ETYPE, -7, "wrong value type")                                        \
    XX(EIO, -8, "input/output error")                                        \
    XX(ESYS, -9, "system call failed")                                       \
    XX(EEMPTY, -10, "empty task graph")                                      \
    XX(ECANCELED, -11, "run canceled")

typedef enum {
#define DUSK__ERR_ENUM(name, val, msg) DUSK_##name = (val),
    DUSK_ERRNO_MAP(DUSK__ERR_ENUM)
#undef DUSK__ERR_ENUM
    DUSK_OK = 0
} dusk_errno;

#define DUSK_ERROR_MSG_MAX 512

/* A code and a formatted message that names the key, file or shape at
 * fault. Initialise with DUSK_ERROR_INIT or dusk_error_clear(). */
typedef struct dusk_error {
    int code;                      /* 0 or a DUSK_E... code */
    char msg[DUSK_ERROR_MSG_MAX];  /* NUL-terminated; "" when code is 0 */
} dusk_error;

#define DUSK_ERROR_INIT {0, {0}}

/* Static text for a code ("out of memory"); "unknown error" otherwise. */
DUSK_API const char *dusk_strerror(int code);
/* The code's name ("DUSK_ENOMEM"). */
DUSK_API const char *dusk_err_name(int code);

/* Fills err (when not NULL) with code and a printf-style message and returns
 * code, so a failing path can say `return dusk_error_set(err, ...)`. A
 * NULL fmt gives the code's own message, dusk_strerror(code). */
DUSK_API int dusk_error_set(dusk_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
DUSK_API void dusk_error_clear(dusk_error *err);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_ERROR_H */
