/*
** dusk — the one allocation path, with failure injection
**
** All dusk allocations come here. Two atomics count calls and live blocks;
** a third holds the call number from which allocations fail (-1: never).
** The counters cost a relaxed atomic add per call, which is noise next to
** malloc itself.
*/
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"

static atomic_ulong calls;          /* allocations attempted */
static atomic_long live;            /* blocks not yet freed */
static atomic_long fail_from = -1;  /* call number from which to fail */

/* Counts one attempt; true when this one must fail. */
static int should_fail(void)
{
    unsigned long n = atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    long from = atomic_load_explicit(&fail_from, memory_order_relaxed);
    return from >= 0 && n >= (unsigned long)from;
}

void *dusk_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    void *p = malloc(n ? n : 1);
    if (p)
        atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    return p;
}

void *dusk_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p)
        atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
    return p;
}

void *dusk_realloc(void *p, size_t n)
{
    if (!p)
        return dusk_malloc(n);
    if (should_fail())
        return NULL;
    return realloc(p, n ? n : 1);
}

void dusk_free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
    free(p);
}

char *dusk_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = dusk_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void dusk_alloc_fail_after(long n)
{
    if (n < 0) {
        atomic_store(&fail_from, -1);
        return;
    }
    atomic_store(&fail_from, (long)atomic_load(&calls) + n);
}

unsigned long dusk_alloc_calls(void) { return atomic_load(&calls); }

long dusk_alloc_live(void) { return atomic_load(&live); }

/* Sanitizer builds only, and here because every dusk program links this
 * file (a weak reference from the sanitizer runtime would not pull in an
 * object of its own from libdusk.a). viz and the profiler draw text
 * through Graphviz's pango plugin, cairo, pango and fontconfig, which
 * (1) keep font caches for the life of the process, stored in ways
 * LeakSanitizer cannot follow, so it reports them at exit (the same list as
 * tests/data/viz/valgrind.supp), and (2) hand fonts from pango's loading
 * thread through glib's futex-based locks, which ThreadSanitizer cannot
 * see. These suppressions name only those libraries; they are weak, so a
 * program's own win. */
#if defined(__SANITIZE_ADDRESS__)
#define DUSK__ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define DUSK__TSAN 1
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DUSK__ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define DUSK__TSAN 1
#endif
#endif
#ifdef DUSK__ASAN
const char *__lsan_default_suppressions(void) __attribute__((weak));
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n"
           "leak:libpango-1.0.so\n"
           "leak:libpangoft2-1.0.so\n"
           "leak:libpangocairo-1.0.so\n"
           "leak:libgvplugin_pango.so\n"
           "leak:gvconfig\n";
}
#endif
#ifdef DUSK__TSAN
const char *__tsan_default_suppressions(void) __attribute__((weak));
const char *__tsan_default_suppressions(void)
{
    return "race:libfontconfig.so\n"
           "race:libglib-2.0.so\n"
           "race:libpango-1.0.so\n"
           "race:libpangoft2-1.0.so\n"
           "race:libpangocairo-1.0.so\n";
}
#endif
