/*
** tests/gui/test_theme.c — the window's themes: the files of assets/themes/
** as built into libdusk-gui, and a user's own theme files
**
** The built-in themes are parsed at the first use and a bad line there
** would leave a theme black without a word (nothing can report it): here
** each built-in file is parsed with its errors seen, and compared with the
** assets/ file on disk, so that what the library holds is what the
** repository says. A user's file may set some keys and take the rest from
** a base; every way it can be wrong is said with its file and line.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "gui/assets.h"
#include "gui/draw.h"
#include "helpers.h"

static const char *const files[DUSK__NTHEMES] = {"themes/light.theme", "themes/dark.theme",
                                                 "themes/contrast.theme"};

static void rgb_is(const uint8_t rgb[3], uint32_t want)
{
    uint32_t got = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
    if (got != want)
        fail_msg("colour #%06x, want #%06x", got, want);
}

/* The built-in assets are the repository's files, byte for byte, and each
 * parses without an error into the theme the window uses. */
static void test_builtins_are_the_files(void **state)
{
    (void)state;
    for (int i = 0; i < DUSK__NTHEMES; i++) {
        const dusk__asset *a = dusk__asset_find(files[i]);
        assert_non_null(a);
        char path[64];
        snprintf(path, sizeof path, "assets/%s", files[i]);
        size_t n = 0;
        char *disk = slurp(path, &n);
        assert_non_null(disk);
        assert_int_equal(a->size, n);
        assert_memory_equal(a->data, disk, n);
        assert_int_equal(a->data[n], '\0');
        free(disk);

        dusk__theme th;
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk__theme_parse(&th, (const char *)a->data, a->size, files[i], &err) != 0)
            fail_msg("%s", err.msg);
        assert_memory_equal(&th, dusk__theme_at(i), sizeof th);
    }
    assert_null(dusk__asset_find("themes/sepia.theme"));
    const dusk__asset *font = dusk__asset_find("fonts/DejaVuSans-ascii.ttf");
    assert_non_null(font);
    assert_true(font->size > 10000);
    assert_memory_equal(font->data, "\0\1\0\0", 4);   /* a TrueType file's version */
}

/* Light and dark draw the states in Dask's dashboard colours (the issue's
 * waiting gray, ready yellow, running green, in memory red, released
 * blue, erred black); high contrast in pure colours, erred magenta. */
static void test_builtin_colours(void **state)
{
    (void)state;
    const uint32_t dask[DUSK_TASK_NSTATES] = {0x808080, 0xf0c000, 0x2ca02c,
                                               0xd62728, 0x1f77b4, 0x000000};
    for (int i = DUSK__THEME_LIGHT; i <= DUSK__THEME_DARK; i++)
        for (int k = 0; k < DUSK_TASK_NSTATES; k++)
            rgb_is(dusk__theme_at(i)->state[k], dask[k]);
    const dusk__theme *light = dusk__theme_at(DUSK__THEME_LIGHT);
    const dusk__theme *dark = dusk__theme_at(DUSK__THEME_DARK);
    const dusk__theme *hc = dusk__theme_at(DUSK__THEME_CONTRAST);
    assert_string_equal(light->name, "light");
    assert_string_equal(dark->name, "dark");
    assert_string_equal(hc->name, "high contrast");
    rgb_is(light->bg, 0xffffff);
    rgb_is(dark->bg, 0x1e1e22);
    rgb_is(hc->bg, 0x000000);
    rgb_is(hc->state[DUSK_TASK_ERRED], 0xff00ff);
    rgb_is(hc->accent, 0x00ffff);
    assert_int_equal(light->stroke, 1);
    assert_int_equal(dark->stroke, 1);   /* dark's base, light */
    assert_int_equal(hc->stroke, 2);
    /* out of range: light, not a read past the table */
    assert_ptr_equal(dusk__theme_at(7), light);
}

static int parse(dusk__theme *th, const char *text, dusk_error *err)
{
    return dusk__theme_parse(th, text, strlen(text), "my.theme", err);
}

static void test_partial_theme_takes_its_base(void **state)
{
    (void)state;
    dusk__theme th;
    dusk_error err = DUSK_ERROR_INIT;
    /* the base line after a key it must not undo; blanks and comments */
    const char *text = "# for the big room\n\n  waiting = #AbCdEf  \nbase=contrast\nname = room\n";
    if (parse(&th, text, &err) != 0)
        fail_msg("%s", err.msg);
    dusk__theme want = *dusk__theme_at(DUSK__THEME_CONTRAST);
    snprintf(want.name, sizeof want.name, "room");
    want.state[DUSK_TASK_WAITING][0] = 0xab;
    want.state[DUSK_TASK_WAITING][1] = 0xcd;
    want.state[DUSK_TASK_WAITING][2] = 0xef;
    assert_memory_equal(&th, &want, sizeof th);
    /* no base: light's, and no final newline needed */
    if (parse(&th, "stroke = 3", &err) != 0)
        fail_msg("%s", err.msg);
    want = *dusk__theme_at(DUSK__THEME_LIGHT);
    want.stroke = 3;
    assert_memory_equal(&th, &want, sizeof th);
    /* CRLF lines, as a file saved on Windows */
    if (parse(&th, "base = dark\r\nedge = #010203\r\n", &err) != 0)
        fail_msg("%s", err.msg);
    rgb_is(th.edge, 0x010203);
    rgb_is(th.bg, 0x1e1e22);
}

static void test_bad_theme_text(void **state)
{
    (void)state;
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"backgrund = #ffffff\n", "my.theme:1: 'backgrund' is not a key of a theme (name, base"},
        {"\n# c\nbackground = #fffff\n", "my.theme:3: background '#fffff' is not a colour #rrggbb"},
        {"text = #gg0000\n", "my.theme:1: text '#gg0000' is not a colour #rrggbb"},
        {"text = red\n", "my.theme:1: text 'red' is not a colour #rrggbb"},
        {"text #ff0000\n", "my.theme:1: 'text #ff0000' is not 'key = value'"},
        {"edge = #000000\nedge = #111111\n", "my.theme:2: 'edge' is set twice"},
        {"base = sepia\n", "my.theme:1: base 'sepia' is not one of light, dark, contrast"},
        {"stroke = 0\n", "my.theme:1: stroke '0' is not a width of 1 to 4 pixels"},
        {"stroke = 12\n", "my.theme:1: stroke '12' is not a width of 1 to 4 pixels"},
        {"name = \n", "my.theme:1: a theme's name is 1 to 31 characters"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dusk__theme th;
        dusk_error err = DUSK_ERROR_INIT;
        assert_int_equal(parse(&th, bad[i].text, &err), DUSK_EINVAL);
        assert_contains(err.msg, bad[i].msg);
    }
    dusk__theme th;
    dusk_error err = DUSK_ERROR_INIT;
    char nul[] = "text = #000000\n\0";
    assert_int_equal(dusk__theme_parse(&th, nul, sizeof nul - 1, "my.theme", &err), DUSK_EINVAL);
    assert_contains(err.msg, "my.theme: is not a theme (it holds NUL bytes)");
    char longline[400];
    memset(longline, '#', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    assert_int_equal(parse(&th, longline, &err), DUSK_EINVAL);
    assert_contains(err.msg, "my.theme:1: the line is over 255 characters");
}

/* A theme named or read from a file, and what is refused. */
static void test_theme_open(void **state)
{
    (void)state;
    dusk__theme *user = (dusk__theme *)1;
    int which = -1;
    dusk_error err = DUSK_ERROR_INIT;
    assert_int_equal(dusk__theme_open("dark", &which, &user, &err), 0);
    assert_int_equal(which, DUSK__THEME_DARK);
    assert_null(user);
    assert_int_equal(dusk__theme_open("high-contrast", &which, &user, &err), 0);
    assert_int_equal(which, DUSK__THEME_CONTRAST);

    assert_int_equal(dusk__theme_open("drak", &which, &user, &err), DUSK_EINVAL);
    assert_string_equal(err.msg,
                        "the theme \"drak\" is not one of light, dark, contrast, nor a theme file");
    const char *gone = scratch("gone.theme");
    assert_int_equal(dusk__theme_open(gone, &which, &user, &err), DUSK_EIO);
    assert_contains(err.msg, "gone.theme: No such file or directory");
    assert_int_equal(dusk__theme_open(scratch_dir, &which, &user, &err), DUSK_EIO);
    assert_contains(err.msg, "cannot read the theme ");

    const char *path = scratch("ok.theme");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("base = dark\naccent = #00ff00\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(dusk__theme_open(path, &which, &user, &err), 0);
    assert_int_equal(which, DUSK__THEME_USER);
    assert_non_null(user);
    rgb_is(user->accent, 0x00ff00);
    rgb_is(user->bg, 0x1e1e22);
    dusk_free(user);

    /* something that is not a theme: too big to be one */
    path = scratch("big.theme");
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 70000; i++)
        fputc('\n', f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(dusk__theme_open(path, &which, &user, &err), DUSK_EINVAL);
    assert_contains(err.msg, "big.theme: is not a theme (over 65536 bytes)");
    assert_null(user);
}

/* Every allocation of reading a theme file failing in turn: DUSK_ENOMEM,
 * nothing leaked (the helpers' allocation counter). */
static void test_theme_open_out_of_memory(void **state)
{
    (void)state;
    const char *path = scratch("oom.theme");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("edge = #101010\n", f);
    assert_int_equal(fclose(f), 0);
    for (long n = 0;; n++) {
        dusk__theme *user = NULL;
        int which;
        dusk_error err = DUSK_ERROR_INIT;
        long live = dusk_alloc_live();
        dusk_alloc_fail_after(n);
        int rc = dusk__theme_open(path, &which, &user, &err);
        dusk_alloc_fail_after(-1);
        if (rc == 0) {
            dusk_free(user);
            assert_true(n >= 2);   /* both allocations were failed first */
            break;
        }
        assert_int_equal(rc, DUSK_ENOMEM);
        assert_null(user);
        assert_int_equal(dusk_alloc_live(), live);
        assert_contains(err.msg, "out of memory reading the theme ");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins_are_the_files),
        cmocka_unit_test(test_builtin_colours),
        cmocka_unit_test(test_partial_theme_takes_its_base),
        cmocka_unit_test(test_bad_theme_text),
        cmocka_unit_test(test_theme_open),
        cmocka_unit_test(test_theme_open_out_of_memory),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
