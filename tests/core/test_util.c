/*
** dusk tests — the private toolbox (core/util.h)
**
** One formatter of bytes (binary units, as Dask's format_bytes) and of
** durations, the interner, arenas, buffers, and the writer of files that
** appear whole: two writers of one path never share a temporary file, a
** failed write leaves the target as it was and no temporary behind, a
** link planted at the target is replaced, not written through. Every test
** checks that dusk's live block count comes back to where it started.
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/util.h"
#include "helpers.h"

static void test_fmt_bytes(void **state)
{
    (void)state;
    static const struct { double b; const char *want; } cases[] = {
        {0, "0 B"}, {512, "512 B"}, {921, "921 B"}, {922, "0.90 kiB"}, {1024, "1.00 kiB"},
        {2000000, "1.91 MiB"}, {80000000, "76.29 MiB"}, {3221225472.0, "3.00 GiB"},
        {1099511627776.0, "1.00 TiB"}, {-5, "0 B"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dusk__fmt_bytes(buf, sizeof buf, cases[i].b);
        assert_string_equal(buf, cases[i].want);
    }
    dusk__fmt_bytes(buf, 4, 2000000);   /* truncates, stays a string */
    assert_int_equal(strlen(buf), 3);
}

static void test_fmt_ns(void **state)
{
    (void)state;
    char buf[32];
    dusk__fmt_ns(buf, sizeof buf, 850);
    assert_string_equal(buf, "850 ns");
    dusk__fmt_ns(buf, sizeof buf, 12500);
    assert_string_equal(buf, "12.5 us");
    dusk__fmt_ns(buf, sizeof buf, 3.2e6);
    assert_string_equal(buf, "3.2 ms");
    dusk__fmt_ns(buf, sizeof buf, 1.25e9);
    assert_string_equal(buf, "1.25 s");
}

/* The interner's hash: a function of the bytes alone, and spread over
 * both halves (the table places by the low bits, tags by the high ones):
 * keys that differ in one digit fill about as many of 2^16 buckets as
 * random numbers would (1 - 1/e of them), by either half. */
static void test_hash_bytes(void **state)
{
    (void)state;
    char a[40] = "add-16-12345 and some more text", b[40];
    memcpy(b, a, sizeof b);
    for (size_t n = 0; n <= 31; n++)
        assert_true(dusk__hash_bytes(a, n) == dusk__hash_bytes(b, n));
    assert_true(dusk__hash_bytes("ab\0", 3) != dusk__hash_bytes("ab", 2));
    assert_true(dusk__hash_bytes("inc-1", 5) != dusk__hash_bytes("inc-2", 5));
    enum { BITS = 16, N = 1 << BITS };
    static unsigned char lo[N], hi[N];
    memset(lo, 0, sizeof lo);
    memset(hi, 0, sizeof hi);
    size_t nlo = 0, nhi = 0;
    for (int i = 0; i < N; i++) {
        char key[32];
        int n = snprintf(key, sizeof key, "inc-%d", i);
        uint64_t h = dusk__hash_bytes(key, (size_t)n);
        nlo += !lo[h & (N - 1)]++;
        nhi += !hi[h >> (64 - BITS)]++;
    }
    assert_true(nlo > N * 6 / 10 && nlo < N * 67 / 100);
    assert_true(nhi > N * 6 / 10 && nhi < N * 67 / 100);
}

static void test_strtab(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk__strtab t = {0};
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "('x', %d)", i);
        assert_int_equal(dusk__strtab_intern(&t, key, strlen(key)), i);
    }
    for (int i = 4999; i >= 0; i -= 7) {
        snprintf(key, sizeof key, "('x', %d)", i);
        assert_int_equal(dusk__strtab_find(&t, key, strlen(key)), i);
        assert_int_equal(dusk__strtab_intern(&t, key, strlen(key)), i);   /* not twice */
        assert_string_equal(dusk__strtab_text(&t, i), key);
    }
    assert_int_equal(t.n, 5000);
    assert_int_equal(dusk__strtab_find(&t, "('x', 5000)", 11), -1);
    assert_int_equal(dusk__strtab_intern(&t, "ab", 1), 5000);   /* n bytes, not to the NUL */
    assert_string_equal(dusk__strtab_text(&t, 5000), "a");
    dusk__strtab_free(&t);
    assert_int_equal(dusk_alloc_live(), live);

    /* allocation failure: -1, and the table is as it was */
    for (long k = 0; k < 200; k++) {
        dusk__strtab u = {0};
        dusk_alloc_fail_after(k);
        int64_t got = 0;
        for (int i = 0; i < 100 && got >= 0; i++) {
            snprintf(key, sizeof key, "k%d", i);
            got = dusk__strtab_intern(&u, key, strlen(key));
            if (got >= 0)
                assert_int_equal(got, i);
        }
        dusk_alloc_fail_after(-1);
        for (size_t i = 0; i < u.n; i++) {
            snprintf(key, sizeof key, "k%zu", i);
            assert_int_equal(dusk__strtab_find(&u, key, strlen(key)), (int64_t)i);
        }
        dusk__strtab_free(&u);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* The text lives in 64 KiB pages of one arena: a key never straddles two
 * unless it is longer than a page (then it has pages of its own), its
 * address never changes as the table grows, and a key is told from a key
 * it begins (the table stores no lengths: the NUL ends a key). Trimming
 * keeps every id, and the table grows again after it. */
static void test_strtab_pages(void **state)
{
    (void)state;
    enum { N = 30000, LONG = 3 * 65536 + 100 };
    long live = dusk_alloc_live();
    dusk__strtab t = {0};
    char key[64];
    char *big = malloc(LONG + 1);
    assert_non_null(big);
    for (size_t i = 0; i < LONG; i++)
        big[i] = (char)('a' + i % 26);
    big[LONG] = '\0';
    const char *first = NULL, *long_text = NULL;
    for (int i = 0; i < N; i++) {
        if (i == N / 2) {   /* a key of four pages amid the short ones */
            assert_int_equal(dusk__strtab_intern(&t, big, LONG), N / 2);
            long_text = dusk__strtab_text(&t, N / 2);
        }
        /* lengths 7 to 36: the pages fill unevenly */
        snprintf(key, sizeof key, "k%0*d", 6 + i % 30, i);
        assert_int_equal(dusk__strtab_intern(&t, key, strlen(key)), i < N / 2 ? i : i + 1);
        if (i == 0)
            first = dusk__strtab_text(&t, 0);
    }
    assert_true(t.npages > 10);
    assert_ptr_equal(dusk__strtab_text(&t, 0), first);          /* never moved */
    assert_ptr_equal(dusk__strtab_text(&t, N / 2), long_text);
    assert_int_equal(strlen(long_text), LONG);
    assert_memory_equal(long_text, big, LONG);
    assert_int_equal(dusk__strtab_find(&t, big, LONG), N / 2);
    assert_int_equal(dusk__strtab_find(&t, big, LONG - 1), -1);   /* a prefix of it */
    assert_int_equal(dusk__strtab_find(&t, "k00000", 6), -1);     /* a prefix of "k000000" */
    assert_int_equal(dusk__strtab_find(&t, "k0000000", 8), -1);   /* "k000000" begins it */
    dusk__strtab_trim(&t);
    assert_int_equal(t.cap, t.n);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "k%0*d", 6 + i % 30, i);
        int64_t id = i < N / 2 ? i : i + 1;
        assert_int_equal(dusk__strtab_find(&t, key, strlen(key)), id);
        assert_string_equal(dusk__strtab_text(&t, id), key);
        const char *e = dusk__strtab_text(&t, id);   /* within one page */
        assert_true((size_t)(e - t.pages[t.offs[id] >> DUSK__STRTAB_SHIFT]) + strlen(e) <
                    (size_t)1 << DUSK__STRTAB_SHIFT);
    }
    assert_int_equal(dusk__strtab_intern(&t, "after", 5), N + 1);
    assert_string_equal(dusk__strtab_text(&t, N + 1), "after");
    assert_int_equal(dusk__strtab_intern(&t, "k000000", 7), 0);
    free(big);
    dusk__strtab_free(&t);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_arena_and_buf(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk__arena a = {0}, b = {0};
    for (int i = 0; i < 1000; i++) {
        char *p = dusk__arena_alloc(i % 2 ? &a : &b, (size_t)(i * 37 % 20000) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, (size_t)(i * 37 % 20000) + 1);
    }
    assert_string_equal(dusk__arena_strndup(&a, "hello world", 5), "hello");
    dusk__arena_move(&a, &b);
    assert_null(b.head);
    dusk__arena_free(&a);
    assert_int_equal(dusk_alloc_live(), live);

    /* a block filled byte by byte (a log) handed to an empty arena: what
     * is allocated after it is still 16-byte aligned */
    for (size_t used = 0; used < 40; used++) {
        dusk__arena_block *log = dusk_malloc(sizeof *log + 256);
        assert_non_null(log);
        log->next = NULL;
        log->used = used;
        log->cap = 256;
        dusk__arena c = {0};
        dusk__arena_move(&c, &(dusk__arena){log});
        for (int i = 0; i < 20; i++) {
            void *p = dusk__arena_alloc(&c, (size_t)i * 3 + 1);
            assert_non_null(p);
            assert_int_equal((uintptr_t)p % 16, 0);
        }
        dusk__arena_free(&c);
    }
    assert_int_equal(dusk_alloc_live(), live);

    dusk__buf buf = {0};
    for (int i = 0; i < 2000; i++)
        dusk__buf_printf(&buf, "%d,", i);
    dusk__buf_puts(&buf, "end");
    assert_false(buf.failed);
    assert_int_equal(buf.data[buf.len], '\0');
    assert_true(strncmp(buf.data, "0,1,2,", 6) == 0);
    assert_true(strcmp(buf.data + buf.len - 8, "1999,end") == 0);
    dusk__buf_free(&buf);
    dusk_alloc_fail_after(0);
    dusk__buf_puts(&buf, "x");
    dusk_alloc_fail_after(-1);
    assert_true(buf.failed);
    dusk__buf_puts(&buf, "y");   /* sticky: nothing added after a failure */
    assert_int_equal(buf.len, 0);
    dusk__buf_free(&buf);
    assert_int_equal(dusk_alloc_live(), live);
}

static char dir[256];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/dusk-util-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    rm_tree(dir);
    return 0;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_atomic_files(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    char path[512], other[512];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    write_text(path, "old");

    /* two writers of one path at once: two temporary files */
    dusk__atomic w1, w2;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk__atomic_open(&w1, path, &err), 0);
    assert_int_equal(dusk__atomic_open(&w2, path, &err), 0);
    assert_string_not_equal(w1.tmp, w2.tmp);
    assert_int_equal(count_entries_with(dir, ".tmp"), 2);
    fputs("first", w1.f);
    fputs("second", w2.f);
    /* the first fails: the target keeps its text, its temporary goes */
    assert_int_equal(dusk__atomic_close(&w1, 0, &err), 0);
    char *text = slurp(path, NULL);
    assert_string_equal(text, "old");
    free(text);
    assert_int_equal(count_entries_with(dir, ".tmp"), 1);
    assert_int_equal(dusk__atomic_close(&w2, 1, &err), 0);
    text = slurp(path, NULL);
    assert_string_equal(text, "second");
    free(text);
    assert_int_equal(count_entries_with(dir, ".tmp"), 0);

    /* a link at the target is written through: its target gets the new
     * text, in the target's directory, and the link stays a link (as
     * sed -i --follow-symlinks and editors do) */
    snprintf(other, sizeof other, "%s/real.txt", dir);
    write_text(other, "old");
    snprintf(path, sizeof path, "%s/link.txt", dir);
    assert_int_equal(symlink("real.txt", path), 0);   /* relative to its directory */
    assert_int_equal(dusk__atomic_open(&w1, path, &err), 0);
    fputs("new", w1.f);
    assert_int_equal(dusk__atomic_close(&w1, 1, &err), 0);
    text = slurp(other, NULL);
    assert_string_equal(text, "new");
    free(text);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* a chain of links, the last one dangling: its target is created */
    char chain[512], made[512];
    snprintf(made, sizeof made, "%s/made.txt", dir);
    snprintf(chain, sizeof chain, "%s/chain.txt", dir);
    assert_int_equal(symlink(made, chain), 0);
    snprintf(path, sizeof path, "%s/to-chain.txt", dir);
    assert_int_equal(symlink("chain.txt", path), 0);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), 0);
    fputs("created", w1.f);
    assert_int_equal(dusk__atomic_close(&w1, 1, &err), 0);
    text = slurp(made, NULL);
    assert_string_equal(text, "created");
    free(text);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(lstat(chain, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* reserve and commit (HDF5 stores) go through the link the same way */
    char *t0 = dusk__atomic_reserve(path, ".store.tmp", &err);
    assert_non_null(t0);
    write_text(t0, "stored");
    assert_int_equal(dusk__atomic_commit(t0, path, &err), 0);
    dusk_free(t0);
    text = slurp(made, NULL);
    assert_string_equal(text, "stored");
    free(text);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* a loop of links: refused, naming the path */
    snprintf(path, sizeof path, "%s/loop.txt", dir);
    assert_int_equal(symlink("loop.txt", path), 0);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), DUSK_EIO);
    assert_contains(err.msg, "Too many levels of symbolic links");

    /* a read-only file: refused before any temporary file is made, and
     * left as it is, for root too (who passes access(W_OK)) */
    snprintf(path, sizeof path, "%s/ro.txt", dir);
    write_text(path, "keep");
    assert_int_equal(chmod(path, 0444), 0);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), DUSK_EIO);
    assert_contains(err.msg, "cannot write ");
    assert_contains(err.msg, "ro.txt: Permission denied");
    assert_null(dusk__atomic_reserve(path, ".store.tmp", &err));
    assert_contains(err.msg, "Permission denied");
    snprintf(other, sizeof other, "%s/ro-link.txt", dir);
    assert_int_equal(symlink("ro.txt", other), 0);   /* through a link too */
    assert_int_equal(dusk__atomic_open(&w1, other, &err), DUSK_EIO);
    assert_contains(err.msg, "Permission denied");
    text = slurp(path, NULL);
    assert_string_equal(text, "keep");
    free(text);
    assert_int_equal(count_entries_with(dir, ".tmp"), 0);
    /* a file its owner alone may write is written (its mode kept) */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), 0);
    fputs("changed", w1.f);
    assert_int_equal(dusk__atomic_close(&w1, 1, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    /* a pipe, a directory, or a link to a device at the target: refused,
     * left as they are (a rename would put a plain file in their place) */
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), DUSK_EINVAL);
    assert_contains(err.msg, "it is a pipe, not a plain file");
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_null(dusk__atomic_reserve(path, ".tmp", &err));
    snprintf(path, sizeof path, "%s/sub", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), DUSK_EINVAL);
    assert_contains(err.msg, "it is a directory");
    snprintf(path, sizeof path, "%s/null-link", dir);
    assert_int_equal(symlink("/dev/null", path), 0);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), DUSK_EINVAL);
    assert_contains(err.msg, "it is a device");
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(count_entries_with(dir, ".tmp"), 0);

    /* a directory that does not exist: a message naming the path */
    snprintf(path, sizeof path, "%s/no/such/dir/x.txt", dir);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), DUSK_EIO);
    assert_contains(err.msg, path);
    assert_int_equal(dusk__atomic_open(&w1, "", &err), DUSK_EINVAL);
    snprintf(path, sizeof path, "%s/", dir);
    assert_int_equal(dusk__atomic_open(&w1, path, &err), DUSK_EINVAL);

    /* a reserved name is fresh, empty, and committed by rename */
    snprintf(path, sizeof path, "%s/r.bin", dir);
    char *t1 = dusk__atomic_reserve(path, ".tmp", &err);
    char *t2 = dusk__atomic_reserve(path, ".store.tmp", &err);
    assert_non_null(t1);
    assert_non_null(t2);
    assert_string_not_equal(t1, t2);
    assert_true(strlen(t2) > 10 && strcmp(t2 + strlen(t2) - 10, ".store.tmp") == 0);
    assert_int_equal(stat(t1, &st), 0);
    assert_int_equal(st.st_size, 0);
    write_text(t1, "reserved");
    assert_int_equal(dusk__atomic_commit(t1, path, &err), 0);
    text = slurp(path, NULL);
    assert_string_equal(text, "reserved");
    free(text);
    remove(t2);
    dusk_free(t1);
    dusk_free(t2);
    assert_int_equal(count_entries_with(dir, ".tmp"), 0);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Names of up to 255 bytes, the most a file name may have: the
 * temporary file beside one cuts the name short (it would pass 255 with
 * its dot, suffix and ".tmp"), and two long names that share their start
 * still get temporary names of their own. */
static void test_atomic_long_names(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    char base[256], path[1024], side[DUSK__SIDE_MAX], side2[DUSK__SIDE_MAX];
    for (size_t n = 240; n <= 255; n += 5) {
        memset(base, 'a', n);
        base[n] = '\0';
        snprintf(path, sizeof path, "%s/%s", dir, base);
        dusk__atomic w;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk__atomic_open(&w, path, &err) != 0)
            fail_msg("a name of %zu bytes: %s", n, err.msg);
        assert_true(strlen(strrchr(w.tmp, '/') + 1) <= 255);
        fputs("long", w.f);
        assert_int_equal(dusk__atomic_close(&w, 1, &err), 0);
        char *text = slurp(path, NULL);
        assert_string_equal(text, "long");
        free(text);
        char *t = dusk__atomic_reserve(path, ".store.tmp", &err);
        assert_non_null(t);
        assert_true(strlen(strrchr(t, '/') + 1) <= 255);
        assert_int_equal(dusk__atomic_commit(t, path, &err), 0);
        dusk_free(t);
        remove(path);
    }
    assert_int_equal(count_entries_with(dir, ".tmp"), 0);

    /* short names are kept whole; long ones cut, told apart by the hash,
     * and never inside a UTF-8 character */
    dusk__side_base("out.h5", 18, side);
    assert_string_equal(side, "out.h5");
    memset(base, 'b', 250);
    base[250] = '\0';
    dusk__side_base(base, 18, side);
    base[249] = 'c';
    dusk__side_base(base, 18, side2);
    assert_int_equal(strlen(side) + 18, 255);
    assert_string_not_equal(side, side2);
    assert_memory_equal(side, side2, 200);
    for (size_t i = 0; i < 125; i++)
        memcpy(base + 2 * i, "\xc3\xa9", 2);   /* 125 e-acutes */
    base[250] = '\0';
    for (size_t extra = 8; extra < 40; extra++) {
        dusk__side_base(base, extra, side);
        assert_true(strlen(side) + extra <= 255);
        size_t cut = strcspn(side, "~");
        assert_int_equal(cut % 2, 0);   /* whole characters */
    }
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fmt_bytes, reset_alloc),
        cmocka_unit_test_teardown(test_fmt_ns, reset_alloc),
        cmocka_unit_test_teardown(test_hash_bytes, reset_alloc),
        cmocka_unit_test_teardown(test_strtab, reset_alloc),
        cmocka_unit_test_teardown(test_strtab_pages, reset_alloc),
        cmocka_unit_test_teardown(test_arena_and_buf, reset_alloc),
        cmocka_unit_test_teardown(test_atomic_files, reset_alloc),
        cmocka_unit_test_teardown(test_atomic_long_names, reset_alloc),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
