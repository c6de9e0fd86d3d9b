/*
** dusk — error codes and error messages
** Library: libdusk (core/).
**
** Every dusk call that can fail returns an int: 0 on success, a negative
** DUSK_E... code on failure. Where a message matters (a task's failure, a
** validation error naming keys) the call also fills a caller-supplied
** dusk_error. A dusk_error owns no heap memory, so it can be filled even
** when allocation has failed, and never needs freeing.
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
 * code, so a failing path can say `return dusk_error_set(err, ...)`. */
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
