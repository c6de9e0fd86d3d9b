/*
** dusk — error codes, their names and messages, and the version
*/
#include <stdarg.h>
#include <stdio.h>

#include "dusk/error.h"

const char *dusk_strerror(int code)
{
    switch (code) {
    case 0: return "success";
#define XX(name, val, msg) case DUSK_##name: return msg;
    DUSK_ERRNO_MAP(XX)
#undef XX
    }
    return "unknown error";
}

const char *dusk_err_name(int code)
{
    switch (code) {
    case 0: return "DUSK_OK";
#define XX(name, val, msg) case DUSK_##name: return "DUSK_" #name;
    DUSK_ERRNO_MAP(XX)
#undef XX
    }
    return "DUSK_E?";
}

int dusk_error_set(dusk_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    if (!fmt) {   /* no message: the code's own */
        snprintf(err->msg, sizeof err->msg, "%s", dusk_strerror(code));
        return code;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void dusk_error_clear(dusk_error *err)
{
    if (!err)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}

const char *dusk_version(int *number)
{
    if (number)
        *number = DUSK_VERSION_NUMBER;
    return DUSK_VERSION;
}
