/*
** dusk tests — output files under attack and under faults
**
** Every writer of viz/ and profiler/ (trace, report, charts, CSVs, graph
** pictures) goes through the toolbox's atomic file (core/util.h). Here:
**  - links planted at names a writer could have used (PATH.tmp<pid> ...)
**    are never followed: what they point to stays as it was;
**  - two threads writing one path at once both succeed and leave one
**    whole file, the one or the other, and no temporary file;
**  - on a full file system (a small tmpfs) a write that does not fit is
**    DUSK_EIO saying "cannot write PATH: No space left on device" (every
**    writer, viz's pictures too), leaves the previous file as it was, and
**    leaves no temporary file, descriptor, block of memory or byte of
**    disk behind; on a read-only one the message says so;
**  - replacing a file keeps its mode (and, as root, its owner); a new
**    file gets 0666 less the umask.
** The tmpfs tests need root (CI runs as root) and skip otherwise.
*/
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "dusk/viz.h"
#include "helpers.h"

/* --- what is written ------------------------------------------------------------- */

/* A profile and a graph to write from; two variants (v = 0, 1) that give
 * different files, for the concurrent writers. */
typedef struct fixture {
    dusk_profiler *prof[2];
    dusk_graph *graph[2];
} fixture;

static fixture FX;

static int fixture_setup(void **state)
{
    if (scratch_setup(state))
        return -1;
    for (int v = 0; v < 2; v++) {
        const char *root;
        dusk_graph *g = tree_graph(v ? 40 : 25, &root);
        FX.prof[v] = dusk_profiler_new(NULL);
        dusk_callbacks cb = dusk_profiler_callbacks(FX.prof[v]);
        dusk_options o = DUSK_OPTIONS_INIT;
        o.workers = 2;
        o.callbacks = &cb;
        o.ncallbacks = 1;
        dusk_value *out = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_get(g, root, &o, &out, &err) != 0) {
            fprintf(stderr, "fixture: %s\n", err.msg);
            return -1;
        }
        dusk_value_unref(out);
        FX.graph[v] = g;
    }
    return 0;
}

static int fixture_teardown(void **state)
{
    for (int v = 0; v < 2; v++) {
        dusk_profiler_free(FX.prof[v]);
        dusk_graph_free(FX.graph[v]);
    }
    return scratch_teardown(state);
}

/* One writer: writes variant v to path. */
typedef struct writer {
    const char *name;      /* also the file's name: its extension says the format */
    int (*write)(int v, const char *path, dusk_error *err);
    const char *tail;      /* how a whole file ends; NULL: see whole() */
} writer;

static int w_trace(int v, const char *path, dusk_error *err)
{
    return dusk_profiler_write_trace(FX.prof[v], path, NULL, err);
}

static int w_report(int v, const char *path, dusk_error *err)
{
    dusk_report_options o = DUSK_REPORT_OPTIONS_INIT;
    o.title = v ? "report variant one" : "report variant zero";
    return dusk_profiler_write_report(FX.prof[v], path, &o, err);
}

static int w_chart(int v, const char *path, dusk_error *err)
{
    dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
    o.title = v ? "chart variant one" : "chart variant zero";
    o.width = v ? 1100 : 900;
    return dusk_profiler_write_chart(FX.prof[v], path, &o, err);
}

static int w_tasks_csv(int v, const char *path, dusk_error *err)
{
    return dusk_profiler_write_tasks_csv(FX.prof[v], path, err);
}

static int w_resources_csv(int v, const char *path, dusk_error *err)
{
    return dusk_profiler_write_resources_csv(FX.prof[v], path, err);
}

static int w_cache_csv(int v, const char *path, dusk_error *err)
{
    return dusk_profiler_write_cache_csv(FX.prof[v], path, err);
}

static int w_visualize(int v, const char *path, dusk_error *err)
{
    dusk_viz_options o = DUSK_VIZ_OPTIONS_INIT;
    o.quiet = true;
    return dusk_visualize(FX.graph[v], path, &o, err);
}

static const writer WRITERS[] = {
    {"trace.json", w_trace, "}\n"},
    {"report.html", w_report, "</html>\n"},
    {"chart.png", w_chart, "IEND\xae\x42\x60\x82"},
    {"chart.svg", w_chart, "</svg>\n"},
    {"chart.pdf", w_chart, "%%EOF\n"},
    {"tasks.csv", w_tasks_csv, "\n"},
    {"resources.csv", w_resources_csv, "\n"},
    {"cache.csv", w_cache_csv, "\n"},
    {"graph.svg", w_visualize, "</svg>\n"},
    {"graph.png", w_visualize, "IEND\xae\x42\x60\x82"},
    {"graph.dot", w_visualize, "}\n"},
};
#define NWRITERS (sizeof WRITERS / sizeof WRITERS[0])

/* NULL when path holds a whole file of w's kind, else what is wrong. */
static const char *whole(const writer *w, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return "missing";
    if (!S_ISREG(st.st_mode))
        return "not a regular file";
    size_t n;
    char *d = slurp(path, &n);
    size_t k = strlen(w->tail);
    const char *bad = NULL;
    if (!d || n < k || memcmp(d + n - k, w->tail, k) != 0)
        bad = "does not end as a whole file of its kind does";
    if (!bad && w->write == w_trace) {
        dusk_profiler *p = NULL;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_profiler_read_trace(path, &p, &err) != 0)
            bad = "does not read back";
        dusk_profiler_free(p);
    }
    free(d);
    return bad;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void assert_file_text(const char *path, const char *want)
{
    char *d = slurp(path, NULL);
    if (!d)
        fail_msg("%s: cannot read", path);
    if (strcmp(d, want) != 0)
        fail_msg("%s changed: \"%.60s\"", path, d);
    free(d);
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* --- links planted beside the output ------------------------------------------ */

static void test_planted_links(void **state)
{
    (void)state;
    char victim[512];
    snprintf(victim, sizeof victim, "%s", scratch("victim"));
    for (size_t i = 0; i < NWRITERS; i++) {
        const writer *w = &WRITERS[i];
        char path[512], base[64], link[8][600];
        snprintf(base, sizeof base, "links-%s", w->name);
        snprintf(path, sizeof path, "%s", scratch(base));
        write_file(victim, "precious\n");
        /* every name a writer once used or could guess at, as a link to
         * the victim: PATH.tmp<pid>, PATH.tmp, PATH~, PATH.new,
         * .NAME.tmp (a link at the output itself is followed, as
         * core/util.h says: tests/core/test_util.c) */
        snprintf(link[0], sizeof link[0], "%s.tmp%ld", path, (long)getpid());
        snprintf(link[1], sizeof link[1], "%s.tmp", path);
        snprintf(link[2], sizeof link[2], "%s~", path);
        snprintf(link[3], sizeof link[3], "%s.new", path);
        snprintf(link[4], sizeof link[4], "%s/.%s.tmp", scratch_dir, base);
        unlink(path);
        for (int k = 0; k < 5; k++) {
            unlink(link[k]);
            assert_int_equal(symlink(victim, link[k]), 0);
        }
        dusk_error err = DUSK_ERROR_INIT;
        int rc = w->write(0, path, &err);
        if (rc)
            fail_msg("%s: %s", w->name, err.msg);
        assert_file_text(victim, "precious\n");
        /* the output is whole ... */
        const char *bad = whole(w, path);
        if (bad)
            fail_msg("%s: %s", w->name, bad);
        /* ... and the other links are as they were */
        for (int k = 0; k < 5; k++) {
            struct stat st;
            assert_int_equal(lstat(link[k], &st), 0);
            assert_true(S_ISLNK(st.st_mode));
            unlink(link[k]);
        }
        unlink(path);
    }
    assert_int_equal(count_entries_with(scratch_dir, ".tmp"), 0);
}

/* --- two writers of one path ---------------------------------------------------- */

typedef struct racer {
    const writer *w;
    int v;
    const char *path;
    pthread_barrier_t *go;
    int rc;
    dusk_error err;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    pthread_barrier_wait(r->go);
    r->rc = r->w->write(r->v, r->path, &r->err);
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    static const char *const names[] = {"trace.json", "report.html", "chart.png",
                                        "chart.svg", "graph.svg", "tasks.csv"};
    for (size_t i = 0; i < NWRITERS; i++) {
        const writer *w = &WRITERS[i];
        int pick = 0;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
            pick |= strcmp(names[k], w->name) == 0;
        if (!pick)
            continue;
        /* each variant alone, to compare with */
        char ref[2][512], path[512];
        char *want[2];
        size_t nwant[2];
        for (int v = 0; v < 2; v++) {
            char name[64];
            snprintf(name, sizeof name, "ref%d-%s", v, w->name);
            snprintf(ref[v], sizeof ref[v], "%s", scratch(name));
            dusk_error err = DUSK_ERROR_INIT;
            if (w->write(v, ref[v], &err) != 0)
                fail_msg("%s: %s", w->name, err.msg);
            want[v] = slurp(ref[v], &nwant[v]);
            assert_non_null(want[v]);
        }
        char name[64];
        snprintf(name, sizeof name, "race-%s", w->name);
        snprintf(path, sizeof path, "%s", scratch(name));
        int seen[2] = {0, 0};
        for (int round = 0; round < 6; round++) {
            pthread_barrier_t go;
            pthread_barrier_init(&go, NULL, 2);
            racer r[2];
            pthread_t t[2];
            for (int v = 0; v < 2; v++) {
                r[v] = (racer){w, v, path, &go, -1, DUSK_ERROR_INIT};
                assert_int_equal(pthread_create(&t[v], NULL, race, &r[v]), 0);
            }
            for (int v = 0; v < 2; v++)
                pthread_join(t[v], NULL);
            pthread_barrier_destroy(&go);
            for (int v = 0; v < 2; v++)
                if (r[v].rc != 0)
                    fail_msg("%s, writer %d: %s", w->name, v, r[v].err.msg);
            const char *bad = whole(w, path);
            if (bad)
                fail_msg("%s after two writers: %s", w->name, bad);
            size_t n;
            char *got = slurp(path, &n);
            int which = -1;
            if (w->write == w_chart && strstr(w->name, ".svg")) {
                /* cairo numbers an SVG's pieces process-wide: the width
                 * tells which */
                const char *wd = strstr(got, "width=\"");
                which = !wd ? -1 : !strncmp(wd, "width=\"900", 10) ? 0
                        : !strncmp(wd, "width=\"1100", 11) ? 1 : -1;
            } else if (w->write == w_report) {
                /* it says when it was written: the title tells which */
                which = strstr(got, "variant one") ? 1 : strstr(got, "variant zero") ? 0 : -1;
                if (which >= 0 && strstr(got, which ? "variant zero" : "variant one"))
                    which = -1;
            } else {
                for (int v = 0; v < 2; v++)
                    if (n == nwant[v] && memcmp(got, want[v], n) == 0)
                        which = v;
            }
            free(got);
            if (which < 0)
                fail_msg("%s after two writers: neither the one nor the other", w->name);
            seen[which]++;
            assert_int_equal(count_entries_with(scratch_dir, ".tmp"), 0);
        }
        assert_int_equal(seen[0] + seen[1], 6);
        free(want[0]);
        free(want[1]);
        unlink(ref[0]);
        unlink(ref[1]);
        unlink(path);
    }
}

/* --- a full file system, a read-only one ---------------------------------------- */

static char mnt[600];

static int mount_tmpfs(const char *size)
{
    snprintf(mnt, sizeof mnt, "%s/tmpfs", scratch_dir);
    mkdir(mnt, 0700);
    char opt[64];
    snprintf(opt, sizeof opt, "size=%s,mode=0700", size);
    if (mount("tmpfs", mnt, "tmpfs", 0, opt) != 0) {
        print_message("cannot mount a tmpfs at %s (%s): not root?\n", mnt, strerror(errno));
        rmdir(mnt);
        mnt[0] = '\0';
        return -1;
    }
    return 0;
}

static int unmount_tmpfs(void **state)
{
    (void)state;
    if (mnt[0]) {
        umount2(mnt, MNT_DETACH);
        rmdir(mnt);
        mnt[0] = '\0';
    }
    dusk_alloc_fail_after(-1);
    return 0;
}

static const char *in_mnt(const char *name)
{
    static char p[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", mnt, name);
    return p[k];
}

/* Fills the file system with one file until it is full. */
static void fill(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    static char block[4096];
    memset(block, 'x', sizeof block);
    while (write(fd, block, sizeof block) > 0) {
    }
    while (write(fd, block, 1) > 0) {
    }
    close(fd);
}

static unsigned long free_blocks(void)
{
    struct statvfs s;
    assert_int_equal(statvfs(mnt, &s), 0);
    return (unsigned long)s.f_bfree;
}

static void test_full_disk(void **state)
{
    (void)state;
    if (mount_tmpfs("64k") != 0)
        skip();
    for (size_t i = 0; i < NWRITERS; i++) {
        const writer *w = &WRITERS[i];
        const char *path = in_mnt(w->name);
        write_file(path, "the previous file\n");
        fill(in_mnt("filler"));
        unsigned long blocks = free_blocks();
        int fds = count_fds();
        long live = dusk_alloc_live();
        dusk_error err = DUSK_ERROR_INIT;
        int rc = w->write(1, path, &err);
        if (rc != DUSK_EIO)
            fail_msg("%s on a full disk: %s (%s), want DUSK_EIO", w->name, dusk_err_name(rc),
                     err.msg);
        /* one form for every writer: "cannot write PATH: <strerror>" (a
         * picture's with "visualize: " before it) */
        char want[800];
        snprintf(want, sizeof want, "cannot write %s: %s", path, strerror(ENOSPC));
        assert_contains(err.msg, want);
        assert_file_text(path, "the previous file\n");
        assert_int_equal(count_entries_with(mnt, ".tmp"), 0);
        assert_int_equal(count_fds(), fds);
        assert_int_equal(dusk_alloc_live(), live);
        /* the temporary file is gone and closed: its blocks are free again */
        assert_int_equal(free_blocks(), blocks);

        /* with room: written whole, or, if it still does not fit, as before */
        unlink(in_mnt("filler"));
        dusk_error_clear(&err);
        rc = w->write(1, path, &err);
        if (rc == 0) {
            const char *bad = whole(w, path);
            if (bad)
                fail_msg("%s: %s", w->name, bad);
        } else {
            assert_int_equal(rc, DUSK_EIO);
            assert_contains(err.msg, path);
            assert_file_text(path, "the previous file\n");
        }
        assert_int_equal(count_entries_with(mnt, ".tmp"), 0);
        assert_int_equal(count_fds(), fds);
        unlink(path);
    }
}

static void test_read_only(void **state)
{
    (void)state;
    if (mount_tmpfs("64k") != 0)
        skip();
    for (size_t i = 0; i < NWRITERS; i++)
        write_file(in_mnt(WRITERS[i].name), "the previous file\n");
    if (mount("tmpfs", mnt, "tmpfs", MS_REMOUNT | MS_RDONLY, NULL) != 0)
        fail_msg("cannot remount %s read-only: %s", mnt, strerror(errno));
    for (size_t i = 0; i < NWRITERS; i++) {
        const writer *w = &WRITERS[i];
        const char *path = in_mnt(w->name);
        int fds = count_fds();
        long live = dusk_alloc_live();
        dusk_error err = DUSK_ERROR_INIT;
        int rc = w->write(0, path, &err);
        if (rc != DUSK_EIO)
            fail_msg("%s on a read-only disk: %s (%s), want DUSK_EIO", w->name,
                     dusk_err_name(rc), err.msg);
        assert_contains(err.msg, path);
        assert_contains(err.msg, strerror(EROFS));
        assert_file_text(path, "the previous file\n");
        assert_int_equal(count_fds(), fds);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* --- modes and owners ----------------------------------------------------------- */

static void test_modes(void **state)
{
    (void)state;
    int root = geteuid() == 0;
    mode_t old = umask(027);
    for (size_t i = 0; i < NWRITERS; i++) {
        const writer *w = &WRITERS[i];
        char name[64], path[512];
        snprintf(name, sizeof name, "mode-%s", w->name);
        snprintf(path, sizeof path, "%s", scratch(name));

        /* a new file: 0666 less the umask, as fopen gives */
        unlink(path);
        dusk_error err = DUSK_ERROR_INIT;
        if (w->write(0, path, &err) != 0)
            fail_msg("%s: %s", w->name, err.msg);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if ((st.st_mode & 07777) != 0640)
            fail_msg("%s: a new file is %04o, want 0640 (umask 027)", w->name,
                     (unsigned)(st.st_mode & 07777));

        /* a private file stays private, and keeps its owner */
        write_file(path, "private\n");
        assert_int_equal(chmod(path, 0600), 0);
        if (root)
            assert_int_equal(chown(path, 4242, 4243), 0);
        if (w->write(1, path, &err) != 0)
            fail_msg("%s: %s", w->name, err.msg);
        assert_int_equal(stat(path, &st), 0);
        if ((st.st_mode & 07777) != 0600)
            fail_msg("%s: a 0600 file became %04o", w->name, (unsigned)(st.st_mode & 07777));
        if (root && (st.st_uid != 4242 || st.st_gid != 4243))
            fail_msg("%s: owner 4242:4243 became %u:%u", w->name, (unsigned)st.st_uid,
                     (unsigned)st.st_gid);
        const char *bad = whole(w, path);
        if (bad)
            fail_msg("%s: %s", w->name, bad);

        /* and a wider one stays as wide */
        assert_int_equal(chmod(path, 0664), 0);
        if (w->write(0, path, &err) != 0)
            fail_msg("%s: %s", w->name, err.msg);
        assert_int_equal(stat(path, &st), 0);
        if ((st.st_mode & 07777) != 0664)
            fail_msg("%s: a 0664 file became %04o", w->name, (unsigned)(st.st_mode & 07777));

        /* but setuid, setgid and sticky bits are not handed to new contents */
        assert_int_equal(chmod(path, 06755), 0);
        if (w->write(1, path, &err) != 0)
            fail_msg("%s: %s", w->name, err.msg);
        assert_int_equal(stat(path, &st), 0);
        if ((st.st_mode & 07777) != 0755)
            fail_msg("%s: a 6755 file became %04o", w->name, (unsigned)(st.st_mode & 07777));
        unlink(path);
    }
    umask(old);
}

/* HDF5 stores commit through the same toolbox call (dusk__atomic_commit). */
static void test_store_mode(void **state)
{
    (void)state;
    const char *path = scratch("mode-store.h5");
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *a = dusk_ones(ctx, DUSK_SHAPE(4, 4), "2", DUSK_DT_F8);
    dusk_error err = DUSK_ERROR_INIT;
    dusk_store_options so = {0, true};
    if (dusk_array_store(a, path, "/a", &so, NULL, &err) != 0)
        fail_msg("store: %s", err.msg);
    assert_int_equal(chmod(path, 0600), 0);
    if (geteuid() == 0)
        assert_int_equal(chown(path, 4242, 4243), 0);
    if (dusk_array_store(a, path, "/b", &so, NULL, &err) != 0)
        fail_msg("store: %s", err.msg);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if ((st.st_mode & 07777) != 0600)
        fail_msg("store: a 0600 file became %04o", (unsigned)(st.st_mode & 07777));
    if (geteuid() == 0 && (st.st_uid != 4242 || st.st_gid != 4243))
        fail_msg("store: owner 4242:4243 became %u:%u", (unsigned)st.st_uid,
                 (unsigned)st.st_gid);
    dusk_array_ctx_free(ctx);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_planted_links, reset_alloc),
        cmocka_unit_test_teardown(test_concurrent_writers, reset_alloc),
        cmocka_unit_test_teardown(test_full_disk, unmount_tmpfs),
        cmocka_unit_test_teardown(test_read_only, unmount_tmpfs),
        cmocka_unit_test_teardown(test_modes, reset_alloc),
        cmocka_unit_test_teardown(test_store_mode, reset_alloc),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
