/*
** dusk tests — the demo program as a user meets it (examples/demo.c)
**
** Runs the built dusk-demo (the one `make demo` runs, beside this
** program's build tree) on its array part, in a scratch folder:
**   - its output piped, as `make demo | less` or CI's log does: a failure's
**     message (stderr) comes after what the demo printed before it (stdout
**     is line-buffered), not 80 lines above;
**   - its own input, rnd_data.hdf5, left truncated: the demo says so,
**     naming the file, makes it again and runs to the end; a damaged file
**     given with --input is named, with what to do, and left alone;
**   - killed while it writes rnd_data.hdf5: no file under that name (dusk
**     writes a temporary file and renames it when whole), and the next run
**     works and removes that temporary file.
*/
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/array.h"
#include "helpers.h"

static char demo[4200];   /* <build>/dusk-demo */

/* This program is <build>/tests/examples/test_demo: the demo is
 * <build>/dusk-demo (build/ or build/san-<list>/). */
static int setup(void **state)
{
    if (build_path(demo, sizeof demo, "dusk-demo") != 0)
        return -1;
    if (!file_exists(demo)) {
        fprintf(stderr, "test_demo: %s is not built (make %s)\n", demo, demo);
        return -1;
    }
    return scratch_setup(state);
}

/* A small HDF5 file (4 x 6 float64 at dataset), cut to keep bytes when
 * keep is not 0: what an interrupted copy leaves. */
static void small_file(const char *path, const char *dataset, long keep)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_error err = DUSK_ERROR_INIT;
    dusk_array *a = dusk_random_normal(ctx, 7, 0, 1, DUSK_SHAPE(4, 6), "(2, 3)");
    if (dusk_array_store(a, path, dataset, NULL, NULL, &err) != 0)
        fail_msg("storing %s: %s", path, err.msg);
    dusk_array_ctx_free(ctx);
    if (keep && truncate(path, keep) != 0)
        fail_msg("truncating %s", path);
}

/* Runs the demo with args, stdout and stderr into one pipe; its output
 * (caller frees) and exit code. */
static char *run_demo(const char *args, int *code)
{
    char cmd[8192];
    int status;
    snprintf(cmd, sizeof cmd, "'%s' --array-only %s 2>&1", demo, args);
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return out;
}

static void mkdir_scratch(const char *dir)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", dir, strerror(errno));
}

/* The demo's input, rnd_data.hdf5 in dir, opens with its 1000 x 10000. */
static void assert_good_input(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/rnd_data.hdf5", dir);
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_from_hdf5(ctx, path, "/data_set_1", "auto");
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_status(x, &err) != 0)
        fail_msg("%s: %s", path, err.msg);
    assert_int_equal(dusk_array_ndim(x), 2);
    assert_int_equal(dusk_array_shape(x)[0], 1000);
    assert_int_equal(dusk_array_shape(x)[1], 10000);
    dusk_array_ctx_free(ctx);
}

/* Bad chunks for the input: the message is the last thing in the pipe,
 * after the lines the demo printed before it failed. */
static void piped_failure_comes_last(void **state)
{
    (void)state;
    const char *in = scratch("small.hdf5");
    small_file(in, "/x", 0);
    char args[4096];
    snprintf(args, sizeof args, "--dir '%s' --input '%s' --dataset /x --chunks '(0, 5)'",
             scratch("piped"), in);
    int code;
    char *out = run_demo(args, &code);
    assert_int_not_equal(code, 0);
    const char *said = strstr(out, "== the lecture's array demo");
    const char *failed = strstr(out, "dusk-demo: reading x from");
    if (!said || !failed || said > failed)
        fail_msg("the failure is not after the demo's own lines:\n%s", out);
    assert_contains(failed, in);
    assert_contains(failed, "(0, 5)");
    free(out);
}

/* rnd_data.hdf5 cut short: the demo names it, makes it again, succeeds. */
static void own_damaged_input_is_made_again(void **state)
{
    (void)state;
    const char *dir = scratch("damaged");
    mkdir_scratch(dir);
    char path[4200], args[4400];
    snprintf(path, sizeof path, "%s/rnd_data.hdf5", dir);
    small_file(path, "/data_set_1", 1000);
    snprintf(args, sizeof args, "--dir '%s'", dir);
    int code;
    char *out = run_demo(args, &code);
    if (code != 0)
        fail_msg("exit %d:\n%s", code, out);
    assert_contains(out, path);
    assert_contains(out, "cannot be read");
    assert_contains(out, "making it again");
    assert_contains(out, "dusk-demo: all results as expected");
    free(out);
    assert_good_input(dir);
}

/* A damaged file of the user's (--input) is named with what to do, and
 * left as it was. */
static void given_damaged_input_is_left_alone(void **state)
{
    (void)state;
    const char *in = scratch("users.hdf5");
    small_file(in, "/x", 1000);
    char args[4096];
    snprintf(args, sizeof args, "--dir '%s' --input '%s' --dataset /x --chunks 2",
             scratch("users"), in);
    int code;
    char *out = run_demo(args, &code);
    assert_int_equal(code, 1);
    assert_contains(out, in);
    assert_contains(out, "truncated");
    assert_contains(out, "without --input the demo makes its own");
    free(out);
    struct stat st;
    assert_int_equal(stat(in, &st), 0);
    assert_int_equal(st.st_size, 1000);
}

/* The size of the first entry of dir named .rnd_data.hdf5.*.tmp, or -1. */
static long long temp_input_size(const char *dir)
{
    DIR *d = opendir(dir);
    long long size = -1;
    struct dirent *e;
    while (d && size < 0 && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (!strncmp(e->d_name, ".rnd_data.hdf5.", 15) && n > 4 &&
            !strcmp(e->d_name + n - 4, ".tmp")) {
            char p[4400];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            if (stat(p, &st) == 0)
                size = st.st_size;
        }
    }
    if (d)
        closedir(d);
    return size;
}

/* Killed half-way through writing its input: nothing under the final
 * name; the next run makes the input, removes the killed one's temporary
 * file, and succeeds. */
static void killed_writer_leaves_no_file(void **state)
{
    (void)state;
    const char *dir = scratch("killed");
    mkdir_scratch(dir);
    char path[4200];
    snprintf(path, sizeof path, "%s/rnd_data.hdf5", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(demo, demo, "--array-only", "--dir", dir, (char *)NULL);
        _exit(127);
    }
    /* Wait until the 80 MB input is being written (several MB are there). */
    uint64_t t0 = now_ns();
    long long size = -1;
    while ((size = temp_input_size(dir)) < (4 << 20) && now_ns() - t0 < 120 * 1000000000ull &&
           waitpid(pid, NULL, WNOHANG) == 0)
        sleep_ms(1);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    if (size < (4 << 20))
        fail_msg("the demo never wrote its input in %s (status %d)", dir, status);
    assert_true(WIFSIGNALED(status));
    if (file_exists(path))
        fail_msg("%s is there after the writer was killed with %lld bytes written", path, size);

    char args[4400];
    snprintf(args, sizeof args, "--dir '%s'", dir);
    int code;
    char *out = run_demo(args, &code);
    if (code != 0)
        fail_msg("the run after the killed one: exit %d:\n%s", code, out);
    assert_contains(out, "made ");
    free(out);
    assert_good_input(dir);
    /* the killed store's temporary file (as large as the input) is gone:
     * the next store to that name removed it */
    if ((size = temp_input_size(dir)) >= 0)
        fail_msg("a temporary .rnd_data.hdf5.*.tmp of %lld bytes is left in %s", size, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(piped_failure_comes_last),
        cmocka_unit_test(own_damaged_input_is_made_again),
        cmocka_unit_test(given_damaged_input_is_left_alone),
        cmocka_unit_test(killed_writer_leaves_no_file),
    };
    return cmocka_run_group_tests_name("demo", tests, setup, scratch_teardown);
}
