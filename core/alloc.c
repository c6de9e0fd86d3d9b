/*
** dusk — the one allocation path, with failure injection
**
** All dusk allocations come here. Counters of calls and of live blocks
** are kept in shards, one cache line each, a thread keeping to its own:
** worker threads allocate a result a task and free inputs, and a single
** shared counter line bounced between their cores at every call (in a
** VM, some hundreds of ns a task on bench/overhead's graph). Reading a
** count adds the shards up. Failure injection, for tests, counts calls
** on one shared atomic, and only while it is armed.
*/
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include <limits.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/value.h"
#include "dusk/alloc.h"

enum { NSHARDS = 16 };

typedef struct shard {
    alignas(64) atomic_ulong calls;   /* allocations attempted */
    atomic_long live;                 /* blocks allocated less blocks freed */
} shard;

static shard shards[NSHARDS];
static atomic_uint next_shard;
static _Thread_local unsigned my_shard = UINT_MAX;

/* Injection: read at every call, written only when arming. */
static struct {
    alignas(64) atomic_long fail_from;  /* armed call number to fail from; -1 off */
    atomic_long fail_count;             /* how many fail from there; -1 all */
    atomic_ulong armed_calls;           /* calls since arming */
} inject = {-1, -1, 0};

static shard *this_shard(void)
{
    if (my_shard == UINT_MAX)
        my_shard = atomic_fetch_add_explicit(&next_shard, 1, memory_order_relaxed) % NSHARDS;
    return &shards[my_shard];
}

/* Counts one attempt; true when this one must fail. */
static int should_fail(shard *sh)
{
    atomic_fetch_add_explicit(&sh->calls, 1, memory_order_relaxed);
    long from = atomic_load_explicit(&inject.fail_from, memory_order_relaxed);
    if (from < 0)
        return 0;
    unsigned long n = atomic_fetch_add_explicit(&inject.armed_calls, 1, memory_order_relaxed);
    long count = atomic_load_explicit(&inject.fail_count, memory_order_relaxed);
    return n >= (unsigned long)from &&
           (count < 0 || n - (unsigned long)from < (unsigned long)count);
}

void *dusk_malloc(size_t n)
{
    shard *sh = this_shard();
    if (should_fail(sh))
        return NULL;
    void *p = malloc(n ? n : 1);
    if (p)
        atomic_fetch_add_explicit(&sh->live, 1, memory_order_relaxed);
    return p;
}

void *dusk_calloc(size_t count, size_t size)
{
    shard *sh = this_shard();
    if (should_fail(sh))
        return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p)
        atomic_fetch_add_explicit(&sh->live, 1, memory_order_relaxed);
    return p;
}

void *dusk_realloc(void *p, size_t n)
{
    if (!p)
        return dusk_malloc(n);
    if (should_fail(this_shard()))
        return NULL;
    return realloc(p, n ? n : 1);
}

void dusk_free(void *p)
{
    if (!p)
        return;
    atomic_fetch_sub_explicit(&this_shard()->live, 1, memory_order_relaxed);
    free(p);
}

/* --- big buffers: kept for reuse while a run goes ------------------------- */

/* An array job allocates a chunk-sized buffer per task and frees its
 * inputs' as it goes. malloc hands blocks this big back to the kernel when
 * they are freed (munmap, or madvise when a thread's heap shrinks), and the
 * next block of the same size faults every page in again: in the
 * lecture's job, a third of the process's time. While a run goes, freed
 * big buffers wait here for the next allocation of about their size;
 * when the last run ends, the cache is emptied, so a program between runs
 * holds nothing extra. A cached buffer is not live (dusk_alloc_live), and
 * taking one counts as an allocation (failure injection included). */
enum { BIG_MIN = 128 * 1024, BIG_SLOTS = 16 };
#define BIG_MAX_BYTES ((size_t)64 << 20)

static struct {
    pthread_mutex_t mu;
    int runs;                    /* runs going on */
    int n;
    size_t bytes;
    struct { void *p; size_t n; } slot[BIG_SLOTS];
} big = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, {{NULL, 0}}};

/* Chunks of nearly 2 MiB and more are mapped on their own, from a 2 MiB
 * boundary, and asked for 2 MiB pages: a fresh 4 KiB page costs a fault
 * of 4 to 8 us in a virtual machine, and a (500, 500) float64 block is 489
 * of them (in the lecture's job, a third of its time went to faulting
 * fresh blocks in). A length is rounded up to a multiple of 2 MiB when
 * that adds at most an eighth (2,000,000 bytes take one page); otherwise
 * only the whole 2 MiB pages inside it get them. Advice: a kernel without
 * transparent huge pages, or with none free (after compacting memory for
 * one, where THP's defrag setting says so), gives 4 KiB pages. Under
 * AddressSanitizer chunks stay in malloc, whose red zones catch a task
 * writing past its block. */
#define HUGE_PAGE ((size_t)2 << 20)
#if defined(__SANITIZE_ADDRESS__)
#define MAP_CHUNKS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAP_CHUNKS 0
#endif
#endif
#ifndef MAP_CHUNKS
#define MAP_CHUNKS 1
#endif
#define HUGE_MIN (HUGE_PAGE - HUGE_PAGE / 9)

static int mapped(size_t n)
{
    return MAP_CHUNKS && n >= HUGE_MIN;
}

/* The length n's mapping has: whole pages of the system's size (4 KiB,
 * or 16 or 64 KiB on some arm64 kernels, where a length in 4 KiB steps
 * would leave the room after it mapped). */
static size_t huge_len(size_t n)
{
    static atomic_size_t known;   /* 0 until asked; any thread may ask first */
    size_t page = atomic_load_explicit(&known, memory_order_relaxed);
    if (!page) {
        long p = sysconf(_SC_PAGESIZE);
        page = p > 0 && ((size_t)p & ((size_t)p - 1)) == 0 ? (size_t)p : 4096;
        atomic_store_explicit(&known, page, memory_order_relaxed);
    }
    size_t up = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    return up - n <= n / 8 ? up : (n + page - 1) & ~(page - 1);
}

static void *huge_map(size_t n)
{
    size_t len = huge_len(n);
    if (len < n || len > SIZE_MAX - HUGE_PAGE)
        return NULL;
    unsigned char *m = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    unsigned char *a =
        (unsigned char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    /* the room before the boundary and after len goes back */
    if (a > m)
        munmap(m, (size_t)(a - m));
    if ((size_t)(a - m) < HUGE_PAGE)
        munmap(a + len, HUGE_PAGE - (size_t)(a - m));
#ifdef MADV_HUGEPAGE
    (void)madvise(a, len & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return a;
}

static void big_drop(void *p, size_t n)
{
    if (mapped(n))
        munmap(p, huge_len(n));
    else
        free(p);
}

void *dusk__big_alloc(size_t n, int zero)
{
    if (n >= BIG_MIN) {
        void *p = NULL;
        pthread_mutex_lock(&big.mu);
        /* The smallest cached buffer that holds n without wasting more
         * than a quarter of it; a mapped one, for a length mapped the
         * same (freeing n unmaps n's length). */
        int best = -1;
        for (int i = 0; i < big.n; i++) {
            size_t m = big.slot[i].n;
            int fits = mapped(m) ? mapped(n) && huge_len(n) == huge_len(m)
                                 : !mapped(n) && m >= n && m - n <= n / 4;
            if (fits && (best < 0 || m < big.slot[best].n))
                best = i;
        }
        if (best >= 0) {
            p = big.slot[best].p;
            big.bytes -= big.slot[best].n;
            big.slot[best] = big.slot[--big.n];
        }
        pthread_mutex_unlock(&big.mu);
        if (p) {
            shard *sh = this_shard();
            if (should_fail(sh)) {
                big_drop(p, n);
                return NULL;
            }
            atomic_fetch_add_explicit(&sh->live, 1, memory_order_relaxed);
            if (zero)
                memset(p, 0, n);
            return p;
        }
    }
    if (mapped(n)) {
        shard *sh = this_shard();
        if (should_fail(sh))
            return NULL;
        void *p = huge_map(n);   /* fresh pages read as zero */
        if (p)
            atomic_fetch_add_explicit(&sh->live, 1, memory_order_relaxed);
        return p;
    }
    return zero ? dusk_calloc(1, n) : dusk_malloc(n);
}

void dusk__big_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n >= BIG_MIN) {
        pthread_mutex_lock(&big.mu);
        if (big.runs > 0 && big.n < BIG_SLOTS && big.bytes + n <= BIG_MAX_BYTES) {
            big.slot[big.n].p = p;
            big.slot[big.n++].n = n;
            big.bytes += n;
            p = NULL;
        }
        pthread_mutex_unlock(&big.mu);
        if (!p) {
            atomic_fetch_sub_explicit(&this_shard()->live, 1, memory_order_relaxed);
            return;
        }
    }
    if (mapped(n)) {
        atomic_fetch_sub_explicit(&this_shard()->live, 1, memory_order_relaxed);
        big_drop(p, n);
        return;
    }
    dusk_free(p);
}

void dusk__big_after_fork(void)
{
    /* Another thread of the parent may have held the lock at the fork:
     * the child starts with a lock of its own and an empty cache (what
     * the parent had cached stays the parent's). */
    pthread_mutex_init(&big.mu, NULL);
    big.runs = 0;
    big.n = 0;
    big.bytes = 0;
}

size_t dusk__big_cached(void)
{
    pthread_mutex_lock(&big.mu);
    size_t n = big.bytes;
    pthread_mutex_unlock(&big.mu);
    return n;
}

void dusk__big_hold(void)
{
    pthread_mutex_lock(&big.mu);
    big.runs++;
    pthread_mutex_unlock(&big.mu);
}

void dusk__big_release(void)
{
    void *drop[BIG_SLOTS];
    size_t len[BIG_SLOTS];
    int n = 0;
    pthread_mutex_lock(&big.mu);
    if (--big.runs == 0) {
        for (int i = 0; i < big.n; i++, n++) {
            drop[n] = big.slot[i].p;
            len[n] = big.slot[i].n;
        }
        big.n = 0;
        big.bytes = 0;
    }
    pthread_mutex_unlock(&big.mu);
    for (int i = 0; i < n; i++)
        big_drop(drop[i], len[i]);
}

char *dusk_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = dusk_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void arm(long n, long count)
{
    atomic_store(&inject.fail_from, -1);     /* off while the count restarts */
    if (n < 0)
        return;
    atomic_store(&inject.armed_calls, 0);
    atomic_store(&inject.fail_count, count);
    atomic_store(&inject.fail_from, n);
}

void dusk_alloc_fail_after(long n)
{
    arm(n, -1);
}

void dusk_alloc_fail_once(long n)
{
    arm(n, 1);
}

unsigned long dusk_alloc_calls(void)
{
    unsigned long n = 0;
    for (int i = 0; i < NSHARDS; i++)
        n += atomic_load(&shards[i].calls);
    return n;
}

long dusk_alloc_live(void)
{
    long n = 0;
    for (int i = 0; i < NSHARDS; i++)
        n += atomic_load(&shards[i].live);
    return n;
}

/* Sanitizer builds only, and here because every dusk program links this
 * file (a weak reference from the sanitizer runtime would not pull in an
 * object of its own from libdusk.a). viz and the profiler draw text
 * through Graphviz's pango plugin, cairo, pango and fontconfig, which
 * (1) keep font caches for the life of the process, stored in ways
 * LeakSanitizer cannot follow, so it reports them at exit (the same list as
 * tests/data/viz/valgrind.supp), and (2) hand fonts from pango's loading
 * thread through glib's futex-based locks, which ThreadSanitizer cannot
 * see; (3) cairo keeps process-wide caches (fonts, glyphs) behind its own
 * atomics, which ThreadSanitizer cannot see either, so two threads
 * drawing charts at once look like a race in the memcpy and memcmp cairo
 * calls (ignoring cairo's interceptors instead, called_from_lib, hides its
 * mutexes from pango's). A race whose stack passes through cairo (the
 * charts' write callbacks) is not reported: those touch only the chart's
 * own buffer or file. (4) SDL's X11 video driver (gui/) opens the session
 * D-Bus (screensaver inhibition, input methods); libdbus keeps what it
 * allocated for that until dbus_shutdown(), which SDL never calls, since
 * other code of the process may still use the bus. These suppressions
 * name only those libraries; they are weak, so a program's own win. */
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
/* The sanitizer runtimes find these hooks in the dynamic symbol table, so
 * they keep default visibility in a -fvisibility=hidden build: the only
 * non-dusk_ names a sanitizer build exports. */
#ifdef DUSK__ASAN
const char *__lsan_default_suppressions(void) __attribute__((weak, visibility("default")));
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n"
           "leak:libpango-1.0.so\n"
           "leak:libpangoft2-1.0.so\n"
           "leak:libpangocairo-1.0.so\n"
           "leak:libgvplugin_pango.so\n"
           "leak:gvconfig\n"
           "leak:libdbus-1.so\n";
}
#endif
#ifdef DUSK__TSAN
const char *__tsan_default_suppressions(void) __attribute__((weak, visibility("default")));
const char *__tsan_default_suppressions(void)
{
    return "race:libfontconfig.so\n"
           "race:libglib-2.0.so\n"
           "race:libpango-1.0.so\n"
           "race:libpangoft2-1.0.so\n"
           "race:libpangocairo-1.0.so\n"
           "race:libcairo.so\n";
}
#endif
