/*
** dusk gui — themes: the built-in ones from assets/themes/, a user's from a
** file of the same form
**
** A theme is lines of "key = value" ('#' starts a comment line), colours
** #rrggbb. A file need not set every key: the rest are its base's ("base =
** dark"; light when it names none), so a teacher can change the one colour
** a projector loses. The built-in themes are parsed once, from the text
** built into the library (gui/assets.h), so the files in assets/ are the
** only place their colours are written.
*/
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "assets.h"
#include "draw.h"

const dusk__asset *dusk__asset_find(const char *name)
{
    for (size_t i = 0; i < dusk__nassets; i++)
        if (strcmp(dusk__assets[i].name, name) == 0)
            return &dusk__assets[i];
    return NULL;
}

static const char *const builtin_file[DUSK__NTHEMES] = {
    [DUSK__THEME_LIGHT] = "themes/light.theme",
    [DUSK__THEME_DARK] = "themes/dark.theme",
    [DUSK__THEME_CONTRAST] = "themes/contrast.theme",
};

static dusk__theme builtins[DUSK__NTHEMES];
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

/* The keys a theme sets, and where each goes. */
enum { K_NAME, K_BASE, K_STROKE, K_COLOUR };
static const struct key {
    const char *name;
    int kind;
    size_t off;   /* K_COLOUR: offsetof the colour */
} keys[] = {
    {"name", K_NAME, 0},
    {"base", K_BASE, 0},
    {"background", K_COLOUR, offsetof(dusk__theme, bg)},
    {"strip", K_COLOUR, offsetof(dusk__theme, strip)},
    {"text", K_COLOUR, offsetof(dusk__theme, fg)},
    {"dim", K_COLOUR, offsetof(dusk__theme, dim)},
    {"edge", K_COLOUR, offsetof(dusk__theme, edge)},
    {"accent", K_COLOUR, offsetof(dusk__theme, accent)},
    {"waiting", K_COLOUR, offsetof(dusk__theme, state[DUSK_TASK_WAITING])},
    {"ready", K_COLOUR, offsetof(dusk__theme, state[DUSK_TASK_READY])},
    {"running", K_COLOUR, offsetof(dusk__theme, state[DUSK_TASK_RUNNING])},
    {"memory", K_COLOUR, offsetof(dusk__theme, state[DUSK_TASK_MEMORY])},
    {"released", K_COLOUR, offsetof(dusk__theme, state[DUSK_TASK_RELEASED])},
    {"erred", K_COLOUR, offsetof(dusk__theme, state[DUSK_TASK_ERRED])},
    {"stroke", K_STROKE, 0},
};
#define NKEYS (sizeof keys / sizeof keys[0])
#define KEY_LIST "name, base, background, strip, text, dim, edge, accent, waiting, ready, " \
                 "running, memory, released, erred, stroke"

/* A built-in theme's index by name, or -1. */
static int builtin_named(const char *s)
{
    if (strcmp(s, "light") == 0)
        return DUSK__THEME_LIGHT;
    if (strcmp(s, "dark") == 0)
        return DUSK__THEME_DARK;
    if (strcmp(s, "contrast") == 0 || strcmp(s, "high-contrast") == 0 ||
        strcmp(s, "high contrast") == 0)
        return DUSK__THEME_CONTRAST;
    return -1;
}

static int hexdigit(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* One line, split into key and value with blanks trimmed (in place). */
typedef struct line {
    char text[256];
    char *key, *value;
} line;

/* The next line of text from *at; 0 at the end, -1 for a line too long. */
static int next_line(const char **at, const char *end, line *l)
{
    if (*at >= end)
        return 0;
    const char *nl = memchr(*at, '\n', (size_t)(end - *at));
    size_t n = (size_t)((nl ? nl : end) - *at);
    *at = nl ? nl + 1 : end;
    if (n >= sizeof l->text)
        return -1;
    memcpy(l->text, *at - n - (nl ? 1 : 0), n);
    l->text[n] = '\0';
    return 1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* The lines' keys and values, one call per line that is not blank or a
 * comment; table: the built-in themes a "base" line may name. */
static int parse_into(dusk__theme *th, const char *text, size_t len, const char *origin,
                      const dusk__theme *table, dusk_error *err)
{
    const char *end = text + len;
    if (memchr(text, '\0', len))
        return dusk_error_set(err, DUSK_EINVAL, "%s: is not a theme (it holds NUL bytes)",
                              origin);
    /* the base first, wherever its line is, so that the other keys win */
    *th = table[DUSK__THEME_LIGHT];
    unsigned set = 0;
    line l;
    int rc, no = 0;
    for (const char *at = text; (rc = next_line(&at, end, &l)) != 0;) {
        no++;
        if (rc < 0)
            return dusk_error_set(err, DUSK_EINVAL, "%s:%d: the line is over %zu characters",
                                  origin, no, sizeof l.text - 1);
        char *s = trim(l.text);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            return dusk_error_set(err, DUSK_EINVAL, "%s:%d: '%s' is not 'key = value'", origin,
                                  no, s);
        *eq = '\0';
        l.key = trim(s);
        l.value = trim(eq + 1);
        size_t k = 0;
        while (k < NKEYS && strcmp(keys[k].name, l.key) != 0)
            k++;
        if (k == NKEYS)
            return dusk_error_set(err, DUSK_EINVAL, "%s:%d: '%s' is not a key of a theme (" KEY_LIST
                                  ")", origin, no, l.key);
        if (set & (1u << k))
            return dusk_error_set(err, DUSK_EINVAL, "%s:%d: '%s' is set twice", origin, no,
                                  l.key);
        set |= 1u << k;
        if (keys[k].kind == K_BASE) {
            int b = builtin_named(l.value);
            if (b < 0)
                return dusk_error_set(err, DUSK_EINVAL,
                                      "%s:%d: base '%s' is not one of light, dark, contrast",
                                      origin, no, l.value);
            if (!table[b].name[0])   /* a built-in theme basing itself on a later one */
                return dusk_error_set(err, DUSK_EINVAL, "%s:%d: base '%s' is not read yet",
                                      origin, no, l.value);
            *th = table[b];
        }
    }
    /* then every other key, in the file's order */
    no = 0;
    for (const char *at = text; next_line(&at, end, &l) > 0;) {
        no++;
        char *s = trim(l.text);
        if (!*s || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        *eq = '\0';
        l.key = trim(s);
        l.value = trim(eq + 1);
        size_t k = 0;
        while (strcmp(keys[k].name, l.key) != 0)
            k++;
        switch (keys[k].kind) {
        case K_BASE:
            break;
        case K_NAME:
            if (!*l.value || strlen(l.value) >= sizeof th->name)
                return dusk_error_set(err, DUSK_EINVAL,
                                      "%s:%d: a theme's name is 1 to %zu characters", origin, no,
                                      sizeof th->name - 1);
            strcpy(th->name, l.value);
            break;
        case K_STROKE: {
            const char *v = l.value;
            if (!(v[0] >= '1' && v[0] <= '4' && v[1] == '\0'))
                return dusk_error_set(err, DUSK_EINVAL,
                                      "%s:%d: stroke '%s' is not a width of 1 to 4 pixels",
                                      origin, no, v);
            th->stroke = v[0] - '0';
            break;
        }
        case K_COLOUR: {
            const char *v = l.value;
            uint8_t *rgb = (uint8_t *)th + keys[k].off;
            int ok = v[0] == '#' && strlen(v) == 7;
            for (int i = 0; ok && i < 3; i++) {
                int hi = hexdigit(v[1 + 2 * i]), lo = hexdigit(v[2 + 2 * i]);
                ok = hi >= 0 && lo >= 0;
                rgb[i] = (uint8_t)(hi * 16 + lo);
            }
            if (!ok)
                return dusk_error_set(err, DUSK_EINVAL,
                                      "%s:%d: %s '%s' is not a colour #rrggbb", origin, no,
                                      l.key, v);
            break;
        }
        }
    }
    return 0;
}

static void read_builtins(void)
{
    for (int i = 0; i < DUSK__NTHEMES; i++) {
        const dusk__asset *a = dusk__asset_find(builtin_file[i]);
        dusk__theme th;
        /* cannot fail but by a bad file in assets/, which tests/gui/test_theme.c
           catches: the theme would stay all black */
        if (a && parse_into(&th, (const char *)a->data, a->size, builtin_file[i], builtins,
                            NULL) == 0)
            builtins[i] = th;
    }
}

const dusk__theme *dusk__theme_at(int i)
{
    pthread_once(&builtins_once, read_builtins);
    return &builtins[i >= 0 && i < DUSK__NTHEMES ? i : DUSK__THEME_LIGHT];
}

const dusk__theme *dusk__viewer_theme(const dusk_viewer *v)
{
    if (v->theme == DUSK__THEME_USER && v->user_theme)
        return v->user_theme;
    return dusk__theme_at(v->theme);
}

int dusk__theme_parse(dusk__theme *th, const char *text, size_t len, const char *origin,
                      dusk_error *err)
{
    pthread_once(&builtins_once, read_builtins);
    return parse_into(th, text, len, origin, builtins, err);
}

/* A theme file is a few hundred bytes; past this it is something else. */
#define THEME_FILE_MAX 65536

int dusk__theme_open(const char *spec, int *builtin, dusk__theme **user, dusk_error *err)
{
    *user = NULL;
    int b = builtin_named(spec);
    if (b >= 0) {
        *builtin = b;
        return 0;
    }
    FILE *f = fopen(spec, "rb");
    if (!f) {
        int e = errno;
        /* a word that is no theme's name and names no file: a typo of a name */
        if (e == ENOENT && !strchr(spec, '/') && !strstr(spec, ".theme"))
            return dusk_error_set(err, DUSK_EINVAL,
                                  "the theme \"%s\" is not one of light, dark, contrast, nor a "
                                  "theme file",
                                  spec);
        return dusk_error_set(err, DUSK_EIO, "cannot read the theme %s: %s", spec, strerror(e));
    }
    char *text = dusk_malloc(THEME_FILE_MAX + 1);
    dusk__theme *th = dusk_malloc(sizeof *th);
    if (!text || !th) {
        fclose(f);
        dusk_free(text);
        dusk_free(th);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory reading the theme %s", spec);
    }
    size_t n = fread(text, 1, THEME_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = dusk_error_set(err, DUSK_EIO, "cannot read the theme %s", spec);
    else if (n > THEME_FILE_MAX)
        rc = dusk_error_set(err, DUSK_EINVAL, "%s: is not a theme (over %d bytes)", spec,
                            THEME_FILE_MAX);
    else
        rc = dusk__theme_parse(th, text, n, spec, err);
    dusk_free(text);
    if (rc != 0) {
        dusk_free(th);
        return rc;
    }
    *builtin = DUSK__THEME_USER;
    *user = th;
    return 0;
}
