/*
** dusk tests — the static order against Dask's
**
** Keys are compared as Dask compares them (numbers as numbers, tuples
** element by element), so an array's blocks go in index order. And for the
** lecture's graphs and a dozen array and tree graphs, the same graph built
** with Dask and ordered by dask.order.order (tests/data/order/NAME.txt, made
** by gen_dask_order.py there): running in dusk's order never holds more
** results at once than running in Dask's. The peaks come from a simulation
** of "run in this order, release a result once all its dependents ran",
** which the sync scheduler itself confirms: run in either order (Dask's put
** in place of dusk's), it holds what the simulation says.
*/
#define _POSIX_C_SOURCE 200809L
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "graph.h"   /* dusk__key_cmp; the graph's prio, replaced by Dask's */
#include "helpers.h"

/* --- comparing keys ----------------------------------------------------------- */

static int sign(int c) { return (c > 0) - (c < 0); }

/* Both ways, through the parser and the read-once forms. */
static void assert_key_order(const char *a, const char *b, int want)
{
    int got = sign(dusk__key_cmp(a, b)), back = sign(dusk__key_cmp(b, a));
    int fast = sign(dusk__key_cmp_form(a, dusk__key_form(a), b, dusk__key_form(b)));
    if (got != want || back != -want || fast != want)
        fail_msg("%s vs %s: got %d (reversed %d, with forms %d), want %d", a, b, got,
                 back, fast, want);
}

static void test_key_compare(void **state)
{
    (void)state;
    /* the case, and what Python's < says for each pair */
    assert_key_order("('x', 2)", "('x', 10)", -1);
    assert_key_order("('x', 0, 10)", "('x', 0, 9)", 1);
    assert_key_order("('x', 1, 0)", "('x', 0, 19)", 1);
    assert_key_order("('x', -3)", "('x', -10)", 1);
    assert_key_order("('x', -1)", "('x', 0)", -1);
    assert_key_order("('x', 2.5)", "('x', 10)", -1);
    assert_key_order("('x', 2.5)", "('x', 2.25)", 1);
    assert_key_order("('x', 3)", "('x', 2.5)", 1);
    /* a tuple before the longer ones it begins */
    assert_key_order("('x',)", "('x', 0)", -1);
    assert_key_order("('x', 1)", "('x', 1, 0)", -1);
    /* names as strings, a prefix first */
    assert_key_order("('x', 5)", "('x!', 0)", -1);
    assert_key_order("('x', 5)", "('x-1', 0)", -1);
    assert_key_order("('ab', 9)", "('b', 0)", -1);
    assert_key_order("('x', 'b', 1)", "('x', 'a', 2)", 1);
    assert_key_order("('x', 'a', 10)", "('x', 'a', 9)", 1);
    /* string keys, and a string key against a tuple: by text, as
     * Dask's StrComparable falls back to str() */
    assert_key_order("x10", "x9", -1);
    assert_key_order("z", "('a', 0)", 1);
    /* a string element against a number: by text */
    assert_key_order("('x', 'a')", "('x', 1)", -1);
    /* the same tuple written twice: still a total order */
    assert_key_order("('x', 1)", "('x', 1.0)", -1);
    assert_int_equal(dusk__key_cmp("('x', 1)", "('x', 1)"), 0);
    /* the read-once forms compare bytes: where the numbers differ */
    assert_key_order("('x', 1)", "('x', 12)", -1);
    assert_key_order("('x', 0)", "('x', 10)", -1);
    assert_key_order("('x', -12)", "('x', -1)", -1);
    assert_key_order("('x', -1)", "('x', 5)", -1);
    assert_key_order("('x', 19, 0)", "('x', 2, 0)", 1);
    assert_key_order("('x', 2, 3)", "('x', 2, -3)", 1);
    /* texts that are not written as Python writes them: still numbers */
    assert_key_order("('x', 007)", "('x', 8)", -1);
    assert_key_order("('x',1)", "('x', 10)", -1);
    /* forms: array keys as Python writes them, only */
    assert_true(dusk__key_form("('ones_like-c2cd', 0, 12)") > 0);
    assert_int_equal(dusk__key_form("('x', 1.5)"), 0);
    assert_int_equal(dusk__key_form("('x', 'a')"), 0);
    assert_int_equal(dusk__key_form("x"), 0);
    assert_int_equal(dusk__key_form("('x', 1) trailing"), 0);
    assert_int_equal(dusk__key_form("('x', 007)"), 0);
    assert_int_equal(dusk__key_form("('x', -0)"), 0);
    assert_int_equal(dusk__key_form("('x',1)"), 0);
    assert_true(dusk__key_form("('x',)") > 0);
    assert_true(dusk__key_form("('x', 0, -5)") > 0);
}

/* Random int tuples of one name: both comparisons agree with the tuples'
 * own order. */
static void test_key_compare_random(void **state)
{
    (void)state;
    uint64_t seed = 11;
    for (int trial = 0; trial < 20000; trial++) {
        int64_t t[2][3];
        int len[2];
        char text[2][64];
        for (int k = 0; k < 2; k++) {
            len[k] = rng_range(&seed, 0, 3);
            int o = snprintf(text[k], sizeof text[k], "('blk-%d'", trial % 2);
            for (int j = 0; j < len[k]; j++) {
                /* few values, so that prefixes and ties are common */
                int r = rng_range(&seed, 0, 3);
                int range = r == 0 ? 3 : r == 1 ? 150 : r == 2 ? (1 << 20) - 1 : 1 << 21;
                t[k][j] = rng_range(&seed, -range, range);
                o += snprintf(text[k] + o, sizeof text[k] - (size_t)o, ", %" PRId64, t[k][j]);
            }
            snprintf(text[k] + o, sizeof text[k] - (size_t)o, len[k] == 0 ? ",)" : ")");
        }
        int want = 0;
        for (int j = 0; j < len[0] && j < len[1] && !want; j++)
            want = (t[0][j] > t[1][j]) - (t[0][j] < t[1][j]);
        if (!want)
            want = (len[0] > len[1]) - (len[0] < len[1]);
        if (!want)
            continue;   /* the same key */
        assert_key_order(text[0], text[1], want);
        /* packed, when both fit: as numbers (one name here) */
        uint64_t p0 = dusk__key_pack(text[0], dusk__key_form(text[0]));
        uint64_t p1 = dusk__key_pack(text[1], dusk__key_form(text[1]));
        bool fits = true;
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < len[k]; j++)
                fits = fits && t[k][j] > -(1 << 20) && t[k][j] < (1 << 20);
        if (!fits)
            assert_true(p0 == DUSK__KEY_NOPACK || p1 == DUSK__KEY_NOPACK);
        else if (sign(p0 > p1) - sign(p0 < p1) != want)
            fail_msg("%s vs %s packed: %" PRIx64 " vs %" PRIx64 ", want %d", text[0], text[1],
                     p0, p1, want);
    }
    assert_int_equal(dusk__key_pack("('x', 1, 2, 3, 4)", dusk__key_form("('x', 1, 2, 3, 4)")),
                     DUSK__KEY_NOPACK);
    assert_int_equal(dusk__key_pack("x", 0), DUSK__KEY_NOPACK);
}

/* Ints of any length compare exactly, and an int against a float as
 * Python compares them: by the float's exact value, not by the int rounded
 * to a double. */
static void test_key_compare_numbers(void **state)
{
    (void)state;
    /* 17 and 18 digits, which strtod used to round */
    assert_key_order("('x', 99999999999999999)", "('x', 100000000000000000)", -1);
    assert_key_order("('x', 123456789012345678, 0)", "('x', 123456789012345679, -5)", -1);
    assert_key_order("('x', 9223372036854775807)", "('x', 9223372036854775808)", -1);
    assert_key_order("('x', -100000000000000000000)", "('x', -99999999999999999999)", -1);
    assert_key_order("('x', -123456789012345679, 0)", "('x', -123456789012345678, -5)", -1);
    assert_key_order("('x', 18446744073709551617, 0)", "('x', 18446744073709551616, 1)", 1);
    assert_key_order("('x', 0, 1)", "('x', -0, 0)", 1);   /* -0 is 0 */
    /* an int against a float: 2^53 + 1 is more than 2^53 as a float */
    assert_key_order("('x', 9007199254740993, 0)", "('x', 9007199254740992.0, 5)", 1);
    /* 2^60 is 1.152921504606847e+18 as repr writes it */
    assert_key_order("('x', 1152921504606846975)", "('x', 1.152921504606847e+18)", -1);
    assert_key_order("('x', 1152921504606846977)", "('x', 1.152921504606847e+18)", 1);
    assert_key_order("('x', 1152921504606846976, 0)", "('x', 1.152921504606847e+18, 1)", -1);
    /* int64's ends against 2^63 as a float */
    assert_key_order("('x', 9223372036854775807)", "('x', 9.223372036854776e+18)", -1);
    assert_key_order("('x', -9223372036854775808, 1)", "('x', -9.223372036854776e+18, 0)", 1);
    assert_key_order("('x', -9223372036854775807)", "('x', -9.223372036854776e+18)", 1);
    /* past 2^64: 1e+20 is 10^20 exactly, 1e+23 is not */
    assert_key_order("('x', 100000000000000000000, 0)", "('x', 1e+20, 1)", -1);
    assert_key_order("('x', 100000000000000000001)", "('x', 1e+20)", 1);
    assert_key_order("('x', 100000000000000000000000)", "('x', 1e+23)", 1);
    assert_key_order("('x', 99999999999999991611392, 1)", "('x', 1e+23, 0)", 1);
    assert_key_order("('x', -99999999999999991611393)", "('x', -1e+23)", -1);
    /* fractions, signs, zeros, infinities */
    assert_key_order("('x', 2, 0)", "('x', 2.5, 1)", -1);
    assert_key_order("('x', -2, 0)", "('x', -2.5, 1)", 1);
    assert_key_order("('x', 0, 1)", "('x', -0.0, 0)", 1);
    assert_key_order("('x', 0)", "('x', 5e-324)", -1);
    assert_key_order("('x', -1)", "('x', -0.5)", -1);
    assert_key_order("('x', -2.5)", "('x', -2.25)", -1);
    assert_key_order("('x', inf)", "('x', 1e+308)", 1);
    assert_key_order("('x', -inf)", "('x', -1e+308)", -1);
    /* 10^300 against 1e+300 (a little more) and 10^400 against inf */
    char big[2][512], huge[2][512];
    for (int k = 0; k < 2; k++) {
        snprintf(big[k], sizeof big[k], "('x', %s1%0300d)", k ? "-" : "", 0);
        snprintf(huge[k], sizeof huge[k], "('x', %s1%0400d)", k ? "-" : "", 0);
    }
    assert_key_order(big[0], "('x', 1e+300)", -1);
    assert_key_order(big[1], "('x', -1e+300)", 1);
    assert_key_order(huge[0], "('x', 1.7976931348623157e+308)", 1);
    assert_key_order(huge[0], "('x', inf)", -1);
    assert_key_order(huge[1], "('x', -inf)", 1);
    assert_key_order(huge[1], big[1], -1);
    /* nan is unordered in Python: by text, as before */
    assert_key_order("('x', nan)", "('x', 1)", 1);
    /* the read-once forms take ints of any length too */
    assert_true(dusk__key_form("('x', 123456789012345678901234567890)") > 0);
    assert_int_equal(dusk__key_pack("('x', 123456789012345678901234567890)",
                                    dusk__key_form("('x', 123456789012345678901234567890)")),
                     DUSK__KEY_NOPACK);
}

/* Strings compare by the code points they stand for, escapes read as
 * Python reads them, as Python compares strings. */
static void test_key_compare_strings(void **state)
{
    (void)state;
    assert_key_order("('x', 'a\\n')", "('x', 'aA')", -1);      /* 10 < 65 */
    assert_key_order("('x', 'a\\t')", "('x', 'a ')", -1);      /* 9 < 32 */
    assert_key_order("('x', 'a\\r', 1)", "('x', 'a\\x0d', 0)", 1);   /* the same \r */
    assert_key_order("('x', 'a\\n')", "('x', 'a\\\\n')", -1);  /* \n against \ n */
    assert_key_order("('x', '\\\\')", "('x', 'Z')", 1);        /* 92 > 90 */
    assert_key_order("('x', '\\\\')", "('x', ']')", -1);       /* 92 < 93 */
    /* \xNN, \uNNNN, \UNNNNNNNN and UTF-8: one code point each */
    assert_key_order("('x', '\\xe9', 1)", "('x', '\xc3\xa9', 0)", 1);   /* é twice */
    assert_key_order("('x', '\\x7f')", "('x', '\xc3\xa9')", -1);
    assert_key_order("('x', '\\xff')", "('x', '\\u0100')", -1);
    assert_key_order("('x', '\\u2603')", "('x', '\\xff')", 1);
    assert_key_order("('x', '\\U0001f600')", "('x', '\\uffff')", 1);
    assert_key_order("('x', '\xf0\x9f\x98\x80')", "('x', '\\U0001f600b')", -1);
    assert_key_order("('x', '\\ud800')", "('x', '\\ue000')", -1);
    assert_key_order("('x', '\\ud800')", "('x', '\xef\xbf\xbf')", -1);
    /* quotes: "it's" is 'it\'s' */
    assert_key_order("('x', \"it's\", 1)", "('x', 'it\\'s', 0)", 1);
    assert_key_order("('x', 'say \"hi\"')", "('x', 'say \\'hi\\'')", -1);   /* " < ' */
    assert_key_order("('x', 'a\\'')", "('x', 'a')", 1);
    /* a prefix first, the empty string first of all */
    assert_key_order("('x', '')", "('x', '\\x00')", -1);
    assert_key_order("('x', 'ab')", "('x', 'ab\\x00')", -1);
    /* the name is a string too */
    assert_key_order("('a\\n', 1)", "('aA', 0)", -1);
    assert_key_order("('\\xe9', 1)", "('\xc3\xa9', 0)", 1);
    /* names as written compare by bytes, also with the read-once forms, so
     * that both agree even on text that is not UTF-8 */
    assert_key_order("('\xc3\xa9', 10)", "('\xe2\x98\x83', 2)", -1);
    assert_key_order("('a\xff', 2)", "('a\xc3\xa9', 10)", 1);
    assert_key_order("('a\xff', 2, 0)", "('a\xff', 10, 0)", -1);
    assert_true(dusk__key_form("('\xc3\xa9', 1)") > 0);
    /* escapes Python reads but repr does not write, and one it does not know */
    assert_key_order("('x', '\\0')", "('x', '\\x01')", -1);
    assert_key_order("('x', '\\101', 1)", "('x', 'A', 0)", 1);
    assert_key_order("('x', '\\q')", "('x', '\\\\q')", 1);   /* the same, then by text */
    /* not closed: by text */
    assert_key_order("('x', 'a", "('x', 'b')", -1);
}

/* A program that set a locale with a decimal comma still reads 2.5 as two
 * and a half. The locale is made with localedef (libc-bin), from a
 * definition of its numbers only and an ASCII character map written here,
 * so that no package of locales is needed. */
static void test_key_compare_locale(void **state)
{
    (void)state;
    const char *src = scratch("comma.def"), *map = scratch("ascii.cm");
    const char *dir = scratch("locales");
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs("LC_NUMERIC\ndecimal_point \"<U002C>\"\nthousands_sep \"<U002E>\"\ngrouping 3\n"
          "END LC_NUMERIC\n", f);
    fclose(f);
    assert_non_null(f = fopen(map, "w"));
    fputs("<code_set_name> ASCII_COMMA\n<escape_char> /\n<mb_cur_min> 1\n<mb_cur_max> 1\n"
          "CHARMAP\n", f);
    for (int c = 0; c < 128; c++)
        fprintf(f, "<U%04X> /x%02x\n", c, c);
    fputs("END CHARMAP\n", f);
    fclose(f);
    char cmd[1024];
    int status;
    mkdir(dir, 0700);
    snprintf(cmd, sizeof cmd, "localedef -c -f '%s' -i '%s' '%s/xx_XX' 2>&1", map, src, dir);
    free(run_command(cmd, &status));   /* warns of the categories left out */
    setenv("LOCPATH", dir, 1);
    if (!setlocale(LC_NUMERIC, "xx_XX")) {
        print_message("test_key_compare_locale: skipped: cannot make a locale with "
                      "localedef (%s)\n", cmd);
        unsetenv("LOCPATH");
        skip();
    }
    char *end;
    double d = strtod("2.5", &end);   /* the locale took */
    assert_true(d == 2.0 && strcmp(end, ".5") == 0);
    assert_key_order("('x', -2.5)", "('x', -2.25)", -1);
    assert_key_order("('x', -2, 0)", "('x', -2.5, 1)", 1);
    assert_key_order("('x', 1.5e-07, 0)", "('x', 1e-06, 1)", -1);
    assert_key_order("('x', 2.5, 0)", "('x', 2.5, 1)", -1);
    setlocale(LC_NUMERIC, "C");
    unsetenv("LOCPATH");
}

/* Random keys (tests/data/order/keys.txt, by gen_key_order.py there) where
 * Python's sorted() put them: every pair compares as there, through both
 * comparisons, and dusk_graph_order takes keys with nothing else to tell
 * them apart in that order. */
static void test_key_order_python(void **state)
{
    (void)state;
    char *text = slurp("tests/data/order/keys.txt", NULL);
    assert_non_null(text);
    size_t n = 0, cap = 2048;
    char **key = malloc(cap * sizeof *key);
    int64_t *rank = malloc(cap * sizeof *rank);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        assert_non_null(tab);
        assert_true(n < cap);
        rank[n] = strtoll(line, NULL, 10);
        key[n++] = tab + 1;
    }
    assert_int_equal(n, 1500);
    uint32_t *form = malloc(n * sizeof *form);
    size_t nform = 0;
    for (size_t i = 0; i < n; i++)
        nform += (form[i] = dusk__key_form(key[i])) != 0;
    assert_true(nform > 100);   /* the fast comparison is checked too */
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            int want = (rank[i] > rank[j]) - (rank[i] < rank[j]);
            int got = sign(dusk__key_cmp(key[i], key[j]));
            int back = sign(dusk__key_cmp(key[j], key[i]));
            int fast = sign(dusk__key_cmp_form(key[i], form[i], key[j], form[j]));
            if (!want)   /* equal in Python: by text, so still a total order */
                want = sign(strcmp(key[i], key[j]));
            if ((got != want || back != -want || fast != want) && wrong++ < 10)
                print_message("%s vs %s: got %d (reversed %d, with forms %d), want %d\n",
                              key[i], key[j], got, back, fast, want);
        }
    assert_int_equal(wrong, 0);

    /* as leaves of one graph: ordered by key alone */
    dusk_graph *g = dusk_graph_new();
    for (size_t i = 0; i < n; i++)
        assert_int_equal(dusk_graph_value(g, key[i], dusk_int((int64_t)i)), 0);
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
    int64_t *by = malloc(n * sizeof *by);
    for (size_t t = 0; t < n; t++)
        by[prio[t]] = (int64_t)t;
    for (size_t i = 1; i < n; i++)
        if (rank[by[i - 1]] > rank[by[i]])
            fail_msg("ordered %s (Python's rank %" PRId64 ") before %s (rank %" PRId64 ")",
                     key[by[i - 1]], rank[by[i - 1]], key[by[i]], rank[by[i]]);
    dusk_graph_free(g);
    free(by);
    free(form);
    free(rank);
    free(key);
    free(text);
}

/* --- running in an order ------------------------------------------------------ */

/* Results held at most while running g's tasks in order prio, a result
 * released once all its dependents ran (one without dependents at once,
 * unless keep_roots, as the sync scheduler keeps requested results);
 * counted while a task runs: what is held and its own result. */
static int64_t sim_peak(dusk_graph *g, const int64_t *prio, bool keep_roots)
{
    size_t n = dusk_graph_size(g);
    int64_t *by = malloc(n * sizeof *by), *waiting = malloc(n * sizeof *waiting);
    for (size_t t = 0; t < n; t++) {
        const int64_t *ids;
        by[prio[t]] = (int64_t)t;
        waiting[t] = dusk_graph_dependents(g, (int64_t)t, &ids);
    }
    int64_t held = 0, peak = 0;
    for (size_t i = 0; i < n; i++) {
        const int64_t *deps;
        int64_t t = by[i], nd = dusk_graph_dependencies(g, t, &deps);
        if (++held > peak)
            peak = held;
        for (int64_t k = 0; k < nd; k++)
            if (--waiting[deps[k]] == 0)
                held--;
        if (!keep_roots && dusk_graph_dependents(g, t, &deps) == 0)
            held--;
    }
    free(by);
    free(waiting);
    return peak;
}

typedef struct {
    int64_t held, peak, next, out_of_order;
    const int64_t *prio;
} watch;

static void on_event(void *ud, const dusk_event *ev)
{
    watch *w = ud;
    if (ev->kind == DUSK_EV_START && w->prio[ev->task] != w->next++)
        w->out_of_order++;
    if (ev->kind == DUSK_EV_START && ++w->held > w->peak)
        w->peak = w->held;
    if (ev->kind == DUSK_EV_ERROR || ev->kind == DUSK_EV_RELEASED)
        w->held--;
}

/* Runs g on the sync scheduler for all its roots in the order g holds,
 * checking that the tasks start in that order; the peak of results held. */
static int64_t run_peak(dusk_graph *g, const int64_t *prio)
{
    size_t n = dusk_graph_size(g), nroots = 0;
    const char **roots = malloc(n * sizeof *roots);
    for (size_t t = 0; t < n; t++) {
        const int64_t *ids;
        if (dusk_graph_dependents(g, (int64_t)t, &ids) == 0)
            roots[nroots++] = dusk_graph_key(g, (int64_t)t);
    }
    watch w = {0, 0, 0, 0, prio};
    dusk_callbacks cb = {.ud = &w, .on_event = on_event};
    dusk_options o = DUSK_OPTIONS_INIT;
    o.scheduler = DUSK_SCHED_SYNC;
    o.callbacks = &cb;
    o.ncallbacks = 1;
    dusk_value *out = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_get_list(g, roots, nroots, &o, &out, &err) != 0)
        fail_msg("running: %s", err.msg);
    dusk_value_unref(out);
    free(roots);
    assert_int_equal(w.next, (int64_t)n);
    assert_int_equal(w.out_of_order, 0);
    return w.peak;
}

/* --- Dask's orders (tests/data/order/) ---------------------------------------- */

/* A key as the data files write it: each "-<32 hex digits>" token
 * replaced by "@<height>", the longest chain of dependencies below it. */
static void norm_key(const char *key, int64_t height, char *buf, size_t n)
{
    size_t o = 0;
    for (const char *p = key; *p && o + 24 < n;) {
        size_t h = 0;
        if (*p == '-')
            while (h < 32 && ((p[1 + h] >= '0' && p[1 + h] <= '9') ||
                              (p[1 + h] >= 'a' && p[1 + h] <= 'f')))
                h++;
        if (h == 32 && !((p[33] >= '0' && p[33] <= '9') || (p[33] >= 'a' && p[33] <= 'f'))) {
            o += (size_t)snprintf(buf + o, n - o, "@%" PRId64, height);
            p += 33;
        } else {
            buf[o++] = *p++;
        }
    }
    buf[o] = '\0';
}

static int64_t height_of(dusk_graph *g, int64_t t, int64_t *h)
{
    if (h[t] < 0) {
        const int64_t *deps;
        int64_t nd = dusk_graph_dependencies(g, t, &deps), best = 0;
        for (int64_t k = 0; k < nd; k++) {
            int64_t d = height_of(g, deps[k], h) + 1;
            if (d > best)
                best = d;
        }
        h[t] = best;
    }
    return h[t];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "dep1\tdep2..." of task t, normalised and sorted, into buf. */
static void norm_deps(dusk_graph *g, int64_t t, char (*names)[160], char *buf, size_t n)
{
    const int64_t *deps;
    int64_t nd = dusk_graph_dependencies(g, t, &deps);
    const char **v = malloc((size_t)(nd ? nd : 1) * sizeof *v);
    for (int64_t k = 0; k < nd; k++)
        v[k] = names[deps[k]];
    qsort(v, (size_t)nd, sizeof *v, cmp_str);
    size_t o = 0;
    buf[0] = '\0';
    for (int64_t k = 0; k < nd; k++)
        o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s", k ? "\t" : "", v[k]);
    free(v);
}

typedef struct {
    int64_t peak, peak_keep;  /* Dask's, as the generator found them */
    int64_t *prio;            /* Dask's priority of each task of g */
} dask_order;

/* Reads tests/data/order/<name>.txt for graph g: every task of g must be
 * there with the same dependencies, and nothing else. */
static void load_dask_order(dusk_graph *g, const char *name, dask_order *d)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/order/%s.txt", name);
    char *text = slurp(path, NULL);
    if (!text)
        fail_msg("cannot read %s", path);
    size_t n = dusk_graph_size(g);
    int64_t *h = malloc(n * sizeof *h);
    char (*names)[160] = malloc(n * sizeof *names);
    for (size_t t = 0; t < n; t++)
        h[t] = -1;
    for (size_t t = 0; t < n; t++)
        norm_key(dusk_graph_key(g, (int64_t)t), height_of(g, (int64_t)t, h), names[t],
                 sizeof names[t]);
    d->prio = malloc(n * sizeof *d->prio);
    for (size_t t = 0; t < n; t++)
        d->prio[t] = -1;
    d->peak = d->peak_keep = -1;
    size_t lines = 0;
    char deps[8192];
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') {
            char *p = strstr(line, "# peak ");
            if (p)
                sscanf(p, "# peak %" SCNd64 " peak_keep %" SCNd64, &d->peak, &d->peak_keep);
            continue;
        }
        char *key = strchr(line, '\t');
        assert_non_null(key);
        *key++ = '\0';
        char *rest = strchr(key, '\t');
        if (rest)
            *rest++ = '\0';
        size_t t = 0;
        while (t < n && strcmp(names[t], key) != 0)
            t++;
        if (t == n)
            fail_msg("%s: Dask's task %s is not in dusk's graph", path, key);
        norm_deps(g, (int64_t)t, names, deps, sizeof deps);
        if (strcmp(deps, rest ? rest : "") != 0)
            fail_msg("%s: %s depends on [%s] in Dask, [%s] in dusk", path, key,
                     rest ? rest : "", deps);
        d->prio[t] = strtoll(line, NULL, 10);
        lines++;
    }
    if (lines != n)
        fail_msg("%s: %zu tasks in Dask's graph, %zu in dusk's", path, lines, n);
    assert_true(d->peak > 0 && d->peak_keep > 0);
    free(h);
    free(names);
    free(text);
}

/* --- the graphs ---------------------------------------------------------------- */

static dusk_graph *tree_of(size_t n)
{
    const char *root;
    return tree_graph(n, &root);
}

static dusk_graph *graph_of(dusk_array *a)
{
    dusk_graph *g = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_array_graph(a, &g, &err) != 0)
        fail_msg("array graph: %s", err.msg);
    return g;
}

static dusk_array *r_of(dusk_array *x)
{
    return dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
}

static dusk_array *ones(dusk_array_ctx *ctx, int64_t r, int64_t c, const char *chunks)
{
    return dusk_ones(ctx, DUSK_SHAPE(r, c), chunks, DUSK_DT_F8);
}

/* The graph gen_dask_order.py calls name, built in dusk. */
static dusk_graph *build(dusk_array_ctx *ctx, const char *name)
{
    if (!strcmp(name, "lecture_dsk"))
        return lecture_dsk();
    if (!strcmp(name, "lecture_dsk2"))
        return lecture_dsk2();
    if (!strcmp(name, "tree_100"))
        return tree_of(100);
    if (!strcmp(name, "tree_37"))
        return tree_of(37);
    if (!strcmp(name, "lecture_r")) {
        /* the lecture's x, from HDF5 in 2 x 20 blocks */
        const char *path = scratch("rnd_data.hdf5");
        dusk_error err = DUSK_ERROR_INIT;
        if (!file_exists(path) &&
            dusk_array_store(ones(ctx, 20, 200, "(10, 10)"), path, "/data_set_1", NULL,
                             NULL, &err) != 0)
            fail_msg("writing %s: %s", path, err.msg);
        return graph_of(r_of(dusk_from_hdf5(ctx, path, "/data_set_1", "(10, 10)")));
    }
    int rows, cols;
    if (sscanf(name, "r_%dx%d", &rows, &cols) == 2)
        return graph_of(r_of(ones(ctx, 2 * rows, 2 * cols, "(2, 2)")));
    if (!strcmp(name, "x_plus_xT")) {
        dusk_array *x = ones(ctx, 15, 15, "(5, 5)");
        return graph_of(dusk_array_add(x, dusk_array_transpose(x, NULL)));
    }
    if (!strcmp(name, "x_dot_xT1")) {
        dusk_array *x = ones(ctx, 15, 15, "(5, 5)");
        return graph_of(dusk_array_dot(
            x, dusk_array_binop_scalar(DUSK_BINOP_ADD, dusk_array_transpose(x, NULL), 1, false)));
    }
    if (!strcmp(name, "rechunk"))
        return graph_of(dusk_array_binop_scalar(
            DUSK_BINOP_ADD, dusk_array_rechunk(ones(ctx, 24, 24, "(4, 4)"), "(6, 6)"), 1, false));
    if (!strcmp(name, "tall_sum"))
        return graph_of(dusk_array_sum(ones(ctx, 64, 4, "(2, 4)"), DUSK_AXIS(0), false));
    if (!strcmp(name, "tall_gram")) {
        dusk_array *x = ones(ctx, 64, 4, "(2, 4)");
        return graph_of(dusk_array_dot(dusk_array_transpose(x, NULL), x));
    }
    if (!strcmp(name, "chain_sum")) {
        dusk_array *x = ones(ctx, 16, 16, "(2, 2)");
        dusk_array *y = dusk_array_binop_scalar(
            DUSK_BINOP_MUL, dusk_array_binop_scalar(DUSK_BINOP_ADD, x, 1, false), 2, false);
        return graph_of(dusk_array_sum(y, DUSK_ALL_AXES, false));
    }
    fail_msg("no graph %s", name);
    return NULL;
}

static const char *const GRAPHS[] = {
    "lecture_dsk", "lecture_dsk2", "lecture_r", "tree_100", "tree_37",
    "r_2x20", "r_8x8", "r_20x2", "r_17x3", "x_plus_xT", "x_dot_xT1",
    "rechunk", "tall_sum", "tall_gram", "chain_sum",
};

/* --- the tests ------------------------------------------------------------------ */

/* The block columns of r's 'sub' blocks in the order prio runs them must
 * go 0, 0, 1, 1, ... 19, 19. */
static void assert_columns_in_order(dusk_graph *g, const int64_t *prio, const char *whose)
{
    size_t n = dusk_graph_size(g);
    int64_t *by = malloc(n * sizeof *by);
    for (size_t t = 0; t < n; t++)
        by[prio[t]] = (int64_t)t;
    int64_t last = 0, subs = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = dusk_graph_key(g, by[i]);
        int64_t row, col;
        if (strncmp(k, "('sub-", 6) != 0)
            continue;
        assert_int_equal(sscanf(strchr(k, ',') + 1, " %" SCNd64 ", %" SCNd64, &row, &col), 2);
        if (col != last && col != last + 1)
            fail_msg("%s order: block column %" PRId64 " after column %" PRId64, whose, col,
                     last);
        last = col;
        subs++;
    }
    assert_int_equal(subs, 40);
    assert_int_equal(last, 19);
    free(by);
}

/* The lecture's r = x - x.mean(axis=0) over 2 x 20 blocks: block columns
 * come 0, 1, 2 ... 19, as in Dask's order (not 0, 1, 10 ... 19, 2 ... 9
 * as key text sorts them), and a sync run follows the order. */
static void test_lecture_r_block_columns(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_graph *g = build(ctx, "lecture_r");
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
    assert_columns_in_order(g, prio, "dusk's");
    dask_order d;
    load_dask_order(g, "lecture_r", &d);
    assert_columns_in_order(g, d.prio, "Dask's");
    run_peak(g, prio);
    free(d.prio);
    dusk_graph_free(g);
    dusk_array_ctx_free(ctx);
}

typedef struct {
    int64_t dusk, dask, dusk_keep, dask_keep;
} peaks;

static peaks measure(dusk_array_ctx *ctx, const char *name)
{
    dusk_graph *g = build(ctx, name);
    const int64_t *prio;
    assert_int_equal(dusk_graph_order(g, &prio, NULL), 0);
    dask_order d;
    load_dask_order(g, name, &d);
    peaks p = {sim_peak(g, prio, false), sim_peak(g, d.prio, false),
               sim_peak(g, prio, true), sim_peak(g, d.prio, true)};
    /* the simulation finds Dask's figures from Dask's order... */
    if (p.dask != d.peak || p.dask_keep != d.peak_keep)
        fail_msg("%s: simulated Dask peaks %" PRId64 "/%" PRId64 ", the generator's %" PRId64
                 "/%" PRId64, name, p.dask, p.dask_keep, d.peak, d.peak_keep);
    /* ...and what the sync scheduler holds, in dusk's order and in Dask's
     * (put in the graph's place; plans share it) */
    assert_int_equal(run_peak(g, prio), p.dusk_keep);
    size_t n = dusk_graph_size(g);
    for (size_t t = 0; t < n; t++) {
        g->prio[t] = (uint32_t)d.prio[t];
        g->prio64[t] = d.prio[t];
    }
    /* The cached plan sorted its first ready tasks by the old priorities
     * (core/plan.h: first): the next run makes a plan of the new ones. */
    dusk_plan_unref(g->plan);
    g->plan = NULL;
    assert_int_equal(run_peak(g, d.prio), p.dask_keep);
    free(d.prio);
    dusk_graph_free(g);
    return p;
}

static void test_peaks_against_dask(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    int worse = 0;
    printf("  %-14s %10s %10s %14s %14s\n", "graph", "dusk peak", "Dask peak",
           "dusk (kept)", "Dask (kept)");
    for (size_t i = 0; i < sizeof GRAPHS / sizeof *GRAPHS; i++) {
        peaks p = measure(ctx, GRAPHS[i]);
        printf("  %-14s %10" PRId64 " %10" PRId64 " %14" PRId64 " %14" PRId64 "%s\n",
               GRAPHS[i], p.dusk, p.dask, p.dusk_keep, p.dask_keep,
               p.dusk > p.dask || p.dusk_keep > p.dask_keep ? "  <- dusk holds more" : "");
        worse += p.dusk > p.dask || p.dusk_keep > p.dask_keep;
    }
    dusk_array_ctx_free(ctx);
    assert_int_equal(worse, 0);
}

/* Leaves with no dependents are ordered by key alone (the seeds of the
 * walk). Keys that differ in their first 8 bytes, or share them, or are
 * shorter, bytes past 0x7f, and tuples among them: each next key is
 * greater than the last as dusk__key_cmp says. */
static void test_leaves_in_key_order(void **state)
{
    (void)state;
    static const char *fixed[] = {
        "", "a", "inc-1", "inc-10", "inc-100", "inc-1000", "inc-10000", "inc-100000",
        "inc-12345678", "inc-12345679", "inc-1234567", "inc-2", "\xc3\xa9t\xc3\xa9", "zzz", "~",
        "\x7f", "\xff\xff", "('x', 1)", "('x', 10)", "('x', 2)", "('y', 'a')", "('x!', 0)",
        "(a)", "(", "('abcdefgh', 1)", "('abcdefgh', 10)", "('abcdefgh', 2)", "('abcdefgh',)",
        "(\"it's\", 3)", "(\"it's\", 20)",
    };
    static const char alpha[] = "ab-01\x80\xfe'(";
    dusk_graph *g = dusk_graph_new();
    uint64_t seed = 17;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        assert_int_equal(dusk_graph_value(g, fixed[i], dusk_int((int64_t)i)), 0);
    for (int i = 0; i < 3000; i++) {
        char key[24];
        int len = (int)rng_range(&seed, 1, 20);
        for (int j = 0; j < len; j++)   /* never a tuple: no '(' first */
            key[j] = alpha[rng_range(&seed, 0, (int)sizeof alpha - (j ? 2 : 3))];
        key[len] = 0;
        assert_int_equal(dusk_graph_value(g, key, dusk_int(i)), 0);
    }
    const int64_t *prio;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_order(g, &prio, &err), 0);
    size_t n = dusk_graph_size(g);
    int64_t *by = test_malloc(n * sizeof *by);
    for (size_t t = 0; t < n; t++)
        by[prio[t]] = (int64_t)t;
    for (size_t i = 1; i < n; i++)
        if (dusk__key_cmp(dusk_graph_key(g, by[i - 1]), dusk_graph_key(g, by[i])) >= 0)
            fail_msg("'%s' ordered before '%s'", dusk_graph_key(g, by[i - 1]),
                     dusk_graph_key(g, by[i]));
    test_free(by);
    dusk_graph_free(g);
}

/* Many leaves and no tuple key: the walk starts from the leaves sorted
 * by a radix sort on their chains' lengths and keys' first 8 bytes, then
 * by the rest of the keys; the order must be the one the comparison
 * gives: longest chain of dependents first (chains of up to 600 tasks:
 * lengths that differ beyond their low byte), then by key. Each chain is
 * numbered right after its leaf. */
static void test_leaves_by_chain_then_key(void **state)
{
    (void)state;
    static const char alpha[] = "ab-01\x80\xfe'";
    enum { N = 2000 };
    dusk_graph *g = dusk_graph_new();
    uint64_t seed = 23;
    int *len = test_malloc(N * sizeof *len);
    for (int i = 0; i < N; i++) {
        char key[32], below[32], name[32];
        int klen = (int)rng_range(&seed, 1, 14);
        for (int j = 0; j < klen; j++)   /* never a tuple; many share 8 bytes */
            key[j] = j < 6 && i % 3 ? "inc-12"[j] : alpha[rng_range(&seed, 0, (int)sizeof alpha - 2)];
        snprintf(key + klen, sizeof key - (size_t)klen, "#%d", i);   /* distinct */
        assert_int_equal(dusk_graph_value(g, key, dusk_int(i)), 0);
        len[i] = i % 97 == 0 ? 300 + (int)rng_range(&seed, 0, 300) : (int)rng_range(&seed, 0, 3);
        snprintf(below, sizeof below, "%s", key);
        for (int j = 0; j < len[i]; j++) {
            snprintf(name, sizeof name, "~c-%d-%d", i, j);
            assert_int_equal(dusk_task(g, name, &dusk_identity, dusk_ref(below)), 0);
            memcpy(below, name, sizeof name);
        }
    }
    const int64_t *prio;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_graph_order(g, &prio, &err), 0);
    size_t n = dusk_graph_size(g);
    int64_t *by = test_malloc(n * sizeof *by);
    for (size_t t = 0; t < n; t++)
        by[prio[t]] = (int64_t)t;
    const char *last = NULL;
    int last_len = 0;
    for (size_t i = 0; i < n;) {
        const char *key = dusk_graph_key(g, by[i]);
        assert_true(key[0] != '~');   /* a leaf, */
        int leaf = (int)dusk_value_int(dusk_graph_literal(g, by[i]));
        for (int j = 0; j < len[leaf]; j++) {   /* then its chain */
            char name[32];
            snprintf(name, sizeof name, "~c-%d-%d", leaf, j);
            assert_string_equal(dusk_graph_key(g, by[i + 1 + (size_t)j]), name);
        }
        if (last && (last_len < len[leaf] || (last_len == len[leaf] && dusk__key_cmp(last, key) >= 0)))
            fail_msg("'%s' (chain %d) ordered before '%s' (chain %d)", last, last_len, key,
                     len[leaf]);
        last = key;
        last_len = len[leaf];
        i += 1 + (size_t)len[leaf];
    }
    test_free(by);
    test_free(len);
    dusk_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_key_compare, reset_alloc),
        cmocka_unit_test_teardown(test_key_compare_random, reset_alloc),
        cmocka_unit_test_teardown(test_key_compare_numbers, reset_alloc),
        cmocka_unit_test_teardown(test_key_compare_strings, reset_alloc),
        cmocka_unit_test_teardown(test_key_compare_locale, reset_alloc),
        cmocka_unit_test_teardown(test_key_order_python, reset_alloc),
        cmocka_unit_test_teardown(test_leaves_in_key_order, reset_alloc),
        cmocka_unit_test_teardown(test_leaves_by_chain_then_key, reset_alloc),
        cmocka_unit_test_teardown(test_lecture_r_block_columns, reset_alloc),
        cmocka_unit_test_teardown(test_peaks_against_dask, reset_alloc),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
