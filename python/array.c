/*
** python/array.c — dusk.array's Array type over libdusk-array
*/
#include "pydusk.h"

int pyd_array_init(PyObject *m)
{
    (void)m;
    return 0;
}
