/*
** dusk tests — what the shared libraries export and link
**
** The libraries are built with hidden visibility and mark their API with
** DUSK_API: each shared library must export dusk_ names and nothing else
** (no dusk__ internals, no stray helpers). libdusk, the task engine, needs
** pthreads and libc only: a program linked with -ldusk alone must not pull
** in HDF5, BLAS, Graphviz or cairo, which belong to the other libraries.
** The build tree is found from this program's own path
** (<build>/tests/core/test_exports).
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

static char build_dir[4096];

static int find_build(void **state)
{
    (void)state;
    return build_path(build_dir, sizeof build_dir, "");
}

/* cmd's whole output, or NULL when it failed to run or exited non-zero. */
static char *run(const char *cmd)
{
    int status;
    char *out = run_command(cmd, &status);
    if (out && status != 0) {
        free(out);
        out = NULL;
    }
    return out;
}

static int tool_present(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static const char *const LIBS[] = {"dusk", "dusk-array", "dusk-mpi", "dusk-viz", "dusk-profiler",
                                   "dusk-gui"};

/* Symbols that are not dusk's API but may be exported: the linker's own,
 * and in sanitizer builds the instrumentation's (__odr_asan.*) and the
 * suppression hooks that the sanitizer runtimes look up (core/alloc.c). */
static int is_tool_symbol(const char *s)
{
    static const char *const ok[] = {"_init", "_fini", "_edata", "_end", "__bss_start"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(s, ok[i]) == 0)
            return 1;
    const char *san = getenv("SANITIZE");
    if (san && *san)
        return strncmp(s, "__odr_asan", 10) == 0 || strcmp(s, "__lsan_default_suppressions") == 0 ||
               strcmp(s, "__tsan_default_suppressions") == 0;
    return 0;
}

static void test_only_api_is_exported(void **state)
{
    (void)state;
    if (!tool_present("nm"))
        skip();
    for (size_t i = 0; i < sizeof LIBS / sizeof LIBS[0]; i++) {
        char cmd[8400];
        snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s/lib%s.so' | awk '{print $3}'",
                 build_dir, LIBS[i]);
        char *out = run(cmd);
        assert_non_null(out);
        int api = 0, bad = 0;
        for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
            if (is_tool_symbol(line))
                continue;
            if (strncmp(line, "dusk_", 5) == 0 && line[5] != '_') {
                api++;
                continue;
            }
            print_message("lib%s.so exports %s, which is not part of dusk's API\n", LIBS[i], line);
            bad++;
        }
        free(out);
        assert_int_equal(bad, 0);
        assert_true(api > 0);   /* the check read a real library */
    }
}

/* The API marked DUSK_API is what a program can call: a few from each
 * header's library, looked up in the shared libraries. */
static void test_api_is_exported(void **state)
{
    (void)state;
    if (!tool_present("nm"))
        skip();
    static const struct { const char *lib, *sym; } want[] = {
        {"dusk", "dusk_version"}, {"dusk", "dusk_get"}, {"dusk", "dusk_ndarray_empty"},
        {"dusk", "dusk_inc"}, {"dusk-array", "dusk_array_ctx_new"},
        {"dusk", "dusk_transport_register"}, {"dusk-mpi", "dusk_mpi_init"},
        {"dusk-viz", "dusk_visualize"}, {"dusk-profiler", "dusk_profiler_new"},
        {"dusk-gui", "dusk_viewer_new"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char cmd[8400];
        snprintf(cmd, sizeof cmd, "nm -D --defined-only '%s/lib%s.so' | awk '$3 == \"%s\"'",
                 build_dir, want[i].lib, want[i].sym);
        char *out = run(cmd);
        assert_non_null(out);
        if (!*out)
            print_message("lib%s.so does not export %s\n", want[i].lib, want[i].sym);
        assert_true(*out);
        free(out);
    }
}

/* Libraries that only the array, viz, profiler and gui libraries may need. */
static const char *const HEAVY[] = {"hdf5", "blas", "lapack", "gvc", "cgraph", "cairo", "SDL2",
                                    "libmpi"};

static void assert_light(const char *listing, const char *what)
{
    for (size_t i = 0; i < sizeof HEAVY / sizeof HEAVY[0]; i++) {
        if (strstr(listing, HEAVY[i]))
            print_message("%s pulls in %s:\n%s\n", what, HEAVY[i], listing);
        assert_null(strstr(listing, HEAVY[i]));
    }
}

static void test_engine_needs_only_libc(void **state)
{
    (void)state;
    if (!tool_present("readelf"))
        skip();
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "readelf -d '%s/libdusk.so' | grep NEEDED", build_dir);
    char *out = run(cmd);
    assert_non_null(out);
    assert_non_null(strstr(out, "libc.so"));   /* the listing is real */
    assert_light(out, "libdusk.so");
    free(out);
}

/* A program built against libdusk alone (the lecture's first graph) runs
 * and loads none of the heavy libraries. */
static void test_engine_program_is_light(void **state)
{
    (void)state;
    if (!tool_present("cc") || !tool_present("ldd"))
        skip();
    char dir[] = "/tmp/dusk-exports-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char src[64], prog[64], cmd[16384];
    snprintf(src, sizeof src, "%s/first.c", dir);
    snprintf(prog, sizeof prog, "%s/first", dir);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs("#include <stdio.h>\n#include <dusk/graph.h>\n#include <dusk/sched.h>\n"
          "#include <dusk/builtins.h>\nint main(void) {\n"
          "  dusk_graph *g = dusk_graph_new();\n"
          "  dusk_graph_value(g, \"a\", dusk_int(1));\n"
          "  dusk_task(g, \"b\", &dusk_inc, dusk_ref(\"a\"));\n"
          "  dusk_value *v; dusk_error err = DUSK_ERROR_INIT;\n"
          "  if (dusk_get(g, \"b\", NULL, &v, &err) != 0) return 1;\n"
          "  int ok = dusk_value_int(v) == 2;\n"
          "  dusk_value_unref(v); dusk_graph_free(g);\n"
          "  return ok ? 0 : 1;\n}\n", f);
    fclose(f);
    /* Sanitizer builds (make SANITIZE=... test sets SANITIZE for the
     * tests) need their runtime at link time too. */
    const char *san = getenv("SANITIZE");
    char sanflags[128] = "";
    if (san && *san)
        snprintf(sanflags, sizeof sanflags, "-fsanitize=%s", san);
    snprintf(cmd, sizeof cmd,
             "cc -std=c11 %s -Iinclude -o '%s' '%s' -L'%s' -ldusk -Wl,-rpath,'%s'",
             sanflags, prog, src, build_dir, build_dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s'", prog);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "ldd '%s'", prog);
    char *out = run(cmd);
    assert_non_null(out);
    assert_non_null(strstr(out, "libdusk.so"));
    assert_light(out, "a program linked with -ldusk");
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_version(void **state)
{
    (void)state;
    int number = -1;
    assert_string_equal(dusk_version(&number), DUSK_VERSION);
    assert_int_equal(number, DUSK_VERSION_NUMBER);
    assert_int_equal(number, DUSK_VERSION_MAJOR * 10000 + DUSK_VERSION_MINOR * 100 +
                                 DUSK_VERSION_PATCH);
    assert_string_equal(dusk_version(NULL), DUSK_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_api_is_exported),
        cmocka_unit_test(test_api_is_exported),
        cmocka_unit_test(test_engine_needs_only_libc),
        cmocka_unit_test(test_engine_program_is_light),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, find_build, NULL);
}
