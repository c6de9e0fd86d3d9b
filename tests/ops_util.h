/*
** tests/ops_util.h — helpers shared by the tests of array operations
** (test_slicing.c, test_join.c, test_linalg.c). Include after cmocka.h and
** test_util.h.
*/
#ifndef DUSK_TESTS_OPS_UTIL_H
#define DUSK_TESTS_OPS_UTIL_H

#include <inttypes.h>
#include <stdio.h>

#include "dusk.h"

/* Computes a on the given scheduler (threads: 3 workers), failing the test
 * with the message when it does not compute. */
static inline dusk_value *compute_with(dusk_array *a, dusk_sched_kind kind)
{
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = kind;
    o.workers = kind == DUSK_SCHED_THREADS ? 3 : 1;
    dusk_value *v = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_compute(a, &o, &v, &err);
    if (rc)
        fail_msg("compute %s: %s", dusk_array_name(a), err.msg);
    return v;
}

/* a's chunks as Dask prints them: ((5, 5, 5), (10, 5)). */
static inline void chunks_text(const dusk_array *a, char *buf, size_t n)
{
    size_t len = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < dusk_array_ndim(a); d++) {
        len += (size_t)snprintf(buf + len, n - len, d ? ", (" : "(");
        for (int64_t k = 0; k < dusk_array_numblocks(a, d); k++)
            len += (size_t)snprintf(buf + len, n - len, k ? " %" PRId64 "," : "%" PRId64 ",",
                                    dusk_array_chunks(a, d)[k]);
        len += (size_t)snprintf(buf + len, n - len, ")");
    }
    if (dusk_array_ndim(a) == 1)
        len += (size_t)snprintf(buf + len, n - len, ",");
    snprintf(buf + len, n - len, ")");
}

/* a is in the error state code, and its message has frag1 and frag2. */
static inline void assert_error(const dusk_array *a, int code, const char *frag1, const char *frag2)
{
    dusk_error err = DUSK_ERROR_INIT;
    int rc = dusk_array_status(a, &err);
    if (rc != code)
        fail_msg("expected error %d, got %d (%s)", code, rc, err.msg);
    if (frag1)
        assert_contains(err.msg, frag1);
    if (frag2)
        assert_contains(err.msg, frag2);
}

#endif /* DUSK_TESTS_OPS_UTIL_H */
