/*
** dusk tests — the descriptors of raw chunk I/O are close-on-exec
**
** array/h5.c reads and writes unfiltered chunks with pread and pwrite on a
** descriptor of its own, outside the HDF5 lock: a dup of the cached
** entry's, made under the lock and closed when the chunks are done. Every
** descriptor dusk opens is O_CLOEXEC, so that a program the host starts
** meanwhile (another thread's fork and exec) holds none of its files; the
** dup must be too. This program puts its own pread and pwrite before
** libc's (the library is linked in, libhdf5 calls them too) and records,
** for the calls made from dusk's code (in this executable), whether the
** descriptor would survive an exec.
*/
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

extern char __executable_start[], etext[];

/* Counted from the run's worker threads at once. */
static atomic_int dusk_calls, inheritable;

static void note(const void *caller, int fd)
{
    if ((const char *)caller < __executable_start || (const char *)caller >= etext)
        return;   /* libhdf5's own (its descriptor is its business) */
    dusk_calls++;
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && !(fl & FD_CLOEXEC))
        inheritable++;
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    note(__builtin_return_address(0), fd);
    return syscall(SYS_pread64, fd, buf, n, off);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    note(__builtin_return_address(0), fd);
    return syscall(SYS_pwrite64, fd, buf, n, off);
}

static dusk_array_ctx *ctx;

static int setup(void **state)
{
    ctx = dusk_array_ctx_new();
    return ctx ? scratch_setup(state) : -1;
}

static int teardown(void **state)
{
    dusk_array_ctx_free(ctx);
    return scratch_teardown(state);
}

/* A store whose blocks are whole chunks (written raw), then a read of it
 * in those blocks (read raw): every pread and pwrite dusk makes is on a
 * close-on-exec descriptor. */
static void test_raw_io_descriptors_close_on_exec(void **state)
{
    (void)state;
    const char *path = scratch("cloexec.h5");
    dusk_error err = DUSK_ERROR_INIT;
    dusk_options o = opts_of(DUSK_SCHED_THREADS, 2);
    dusk_array *a = dusk_random_uniform(ctx, 3, -1, 1, DUSK_SHAPE(64, 40), "(16, 40)");
    dusk_calls = inheritable = 0;
    assert_int_equal(dusk_array_store(a, path, "/a", NULL, &o, &err), 0);
    int writes = dusk_calls;
    assert_true(writes >= 4);   /* the 4 chunks, raw */
    dusk_value *v = NULL;
    assert_int_equal(dusk_array_compute(dusk_from_hdf5(ctx, path, "/a", "(16, 40)"), &o, &v, &err),
                     0);
    assert_true(dusk_calls - writes >= 4);
    dusk_value_unref(v);
    if (inheritable)
        fail_msg("%d of %d raw chunk reads and writes were on a descriptor an exec keeps",
                 inheritable, dusk_calls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_io_descriptors_close_on_exec),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
