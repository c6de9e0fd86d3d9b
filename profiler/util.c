/*
** dusk profiler — small tools: arenas, name tables, buffers, output files
**
** Everything here allocates through dusk_malloc, so the profiler's
** out-of-memory paths can be tested like the rest of dusk. Output files
** are written beside their target under a temporary name and renamed over
** it only once complete, so a failed write never leaves half a file.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dusk/events.h"
#include "prof.h"

uint64_t prof__now_ns(void) { return dusk_now_ns(); }

/* --- arenas ---------------------------------------------------------------- */

enum { ARENA_BLOCK = 64 * 1024 };

void *prof__arena_alloc(arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    arena_block *b = a->head;
    if (need < n)
        return NULL;
    if (!b || b->cap - b->used < need) {
        int big = need > ARENA_BLOCK / 4;
        size_t cap = big ? need : ARENA_BLOCK;
        arena_block *nb = dusk_malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && big) {
            /* A big piece gets its own block behind the current one, so
             * the current block's free space is not wasted. */
            nb->next = b->next;
            b->next = nb;
            nb->used = need;
            return nb->data;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

char *prof__arena_strdup(arena *a, const char *s, size_t n)
{
    char *d = prof__arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void prof__arena_free(arena *a)
{
    arena_block *b = a->head;
    while (b) {
        arena_block *next = b->next;
        dusk_free(b);
        b = next;
    }
    a->head = NULL;
}

void prof__arena_move(arena *dst, arena *src)
{
    /* src's blocks go behind dst's current one (which keeps filling). */
    arena_block *last = src->head;
    if (!last)
        return;
    while (last->next)
        last = last->next;
    if (dst->head) {
        last->next = dst->head->next;
        dst->head->next = src->head;
    } else {
        dst->head = src->head;
    }
    src->head = NULL;
}

/* --- name tables ------------------------------------------------------------ */

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int strtab_grow(strtab *t)
{
    size_t ns = t->nslots ? 2 * t->nslots : 64;
    uint32_t *slots = dusk_calloc(ns, sizeof *slots);
    if (!slots)
        return DUSK_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = hash_bytes(t->names[i], strlen(t->names[i])) & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)i + 1;
    }
    dusk_free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

long prof__intern(strtab *t, const char *s, size_t n)
{
    if (2 * (t->n + 1) > t->nslots && strtab_grow(t) != 0)
        return -1;
    size_t j = hash_bytes(s, n) & (t->nslots - 1);
    while (t->slots[j]) {
        const char *have = t->names[t->slots[j] - 1];
        if (strncmp(have, s, n) == 0 && have[n] == '\0')
            return (long)t->slots[j] - 1;
        j = (j + 1) & (t->nslots - 1);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        const char **names = dusk_realloc(t->names, cap * sizeof *names);
        if (!names)
            return -1;
        t->names = names;
        t->cap = cap;
    }
    char *copy = prof__arena_strdup(&t->text, s, n);
    if (!copy)
        return -1;
    t->names[t->n] = copy;
    t->slots[j] = (uint32_t)t->n + 1;
    return (long)t->n++;
}

void prof__strtab_free(strtab *t)
{
    dusk_free(t->names);
    dusk_free(t->slots);
    prof__arena_free(&t->text);
    memset(t, 0, sizeof *t);
}

/* --- buffers ------------------------------------------------------------------ */

void prof__buf_add(buf *b, const void *data, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < n) {
            if (cap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        unsigned char *d = dusk_realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->n, data, n);
    b->n += n;
}

void prof__buf_puts(buf *b, const char *s) { prof__buf_add(b, s, strlen(s)); }

void prof__buf_printf(buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (len < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)len < sizeof small) {
        prof__buf_add(b, small, (size_t)len);
        return;
    }
    char *big = dusk_malloc((size_t)len + 1);
    if (!big) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)len + 1, fmt, ap);
    va_end(ap);
    prof__buf_add(b, big, (size_t)len);
    dusk_free(big);
}

void prof__buf_free(buf *b)
{
    dusk_free(b->data);
    memset(b, 0, sizeof *b);
}

int prof__buf_write(void *closure, const unsigned char *data, size_t n)
{
    buf *b = closure;
    prof__buf_add(b, data, n);
    return b->failed;
}

/* --- output files ------------------------------------------------------------------ */

int prof__out_open(outfile *o, const char *path, dusk_error *err)
{
    memset(o, 0, sizeof *o);
    if (!path || !*path)
        return dusk_error_set(err, DUSK_EINVAL, "no output file name");
    size_t n = strlen(path);
    o->path = dusk_strdup(path);
    o->tmp = dusk_malloc(n + 32);
    if (!o->path || !o->tmp) {
        dusk_free(o->path);
        dusk_free(o->tmp);
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory opening %s", path);
    }
    snprintf(o->tmp, n + 32, "%s.tmp%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "wb");
    if (!o->f) {
        int e = errno;
        dusk_free(o->path);
        dusk_free(o->tmp);
        return dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

int prof__out_close(outfile *o, int ok, dusk_error *err)
{
    int rc = 0;
    if (ok && (ferror(o->f) || o->failed))
        ok = 0, rc = dusk_error_set(err, DUSK_EIO, "cannot write %s: write failed", o->path);
    if (fclose(o->f) != 0 && ok) {
        int e = errno;
        ok = 0;
        rc = dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", o->path, strerror(e));
    }
    if (ok && rename(o->tmp, o->path) != 0) {
        int e = errno;
        ok = 0;
        rc = dusk_error_set(err, DUSK_EIO, "cannot rename %s to %s: %s", o->tmp, o->path,
                            strerror(e));
    }
    if (!ok)
        remove(o->tmp);
    dusk_free(o->path);
    dusk_free(o->tmp);
    memset(o, 0, sizeof *o);
    return rc;
}

/* --- text for people ------------------------------------------------------------------ */

void prof__fmt_ns(char *out, size_t n, double ns)
{
    if (ns < 1e3)
        snprintf(out, n, "%.0f ns", ns);
    else if (ns < 1e6)
        snprintf(out, n, "%.1f us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(out, n, "%.1f ms", ns / 1e6);
    else
        snprintf(out, n, "%.2f s", ns / 1e9);
}

void prof__fmt_bytes(char *out, size_t n, double b)
{
    if (b < 1e3)
        snprintf(out, n, "%.0f B", b);
    else if (b < 1e6)
        snprintf(out, n, "%.1f kB", b / 1e3);
    else if (b < 1e9)
        snprintf(out, n, "%.1f MB", b / 1e6);
    else
        snprintf(out, n, "%.2f GB", b / 1e9);
}

