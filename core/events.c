/*
** dusk — the lossless event stream
**
** A single-producer, single-consumer queue of fixed-size blocks. The
** producer (a scheduler, which serialises its workers' appends under its own
** lock) writes an event into the tail block and then publishes the new
** count with a release store; the consumer reads the count with an acquire
** load and copies that many events, following block links and freeing each
** block it has read past. The producer never looks at consumer state and
** never waits, and the consumer takes no lock, so a slow consumer only
** costs memory: blocks pile up until it catches up.
**
** Invariant: a block is freed only by the consumer, only once it has read
** all its events and the producer has linked the next block, after which
** the producer never touches it again.
*/
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dusk/alloc.h"
#include "events.h"

#define BLOCK_EVENTS 4096

typedef struct block {
    _Atomic(struct block *) next;
    dusk_event ev[BLOCK_EVENTS];
} block;

struct dusk_stream {
    /* producer side */
    block *tail;
    size_t tail_n;               /* events written in tail */
    int runs;                    /* runs begun */
    atomic_uint_least64_t appended;
    atomic_uint_least64_t lost;
    /* consumer side */
    block *head;
    size_t head_i;               /* events read from head */
    uint64_t consumed;
};

static block *block_new(void)
{
    block *b = dusk_malloc(sizeof *b);
    if (b)
        atomic_init(&b->next, NULL);
    return b;
}

dusk_stream *dusk_stream_new(void)
{
    dusk_stream *s = dusk_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->head = s->tail = block_new();
    if (!s->head) {
        dusk_free(s);
        return NULL;
    }
    atomic_init(&s->appended, 0);
    atomic_init(&s->lost, 0);
    return s;
}

void dusk_stream_free(dusk_stream *s)
{
    if (!s)
        return;
    block *b = s->head;
    while (b) {
        block *next = atomic_load(&b->next);
        dusk_free(b);
        b = next;
    }
    dusk_free(s);
}

void dusk__stream_append(dusk_stream *s, const dusk_event *ev)
{
    if (s->tail_n == BLOCK_EVENTS) {
        block *b = block_new();
        if (!b) {
            atomic_fetch_add_explicit(&s->lost, 1, memory_order_relaxed);
            return;
        }
        atomic_store_explicit(&s->tail->next, b, memory_order_release);
        s->tail = b;
        s->tail_n = 0;
    }
    s->tail->ev[s->tail_n++] = *ev;
    uint64_t n = atomic_load_explicit(&s->appended, memory_order_relaxed);
    atomic_store_explicit(&s->appended, n + 1, memory_order_release);
}

int dusk__stream_next_run(dusk_stream *s) { return s->runs++; }

size_t dusk_stream_drain(dusk_stream *s, dusk_event *out, size_t max)
{
    if (!s || !out)   /* nowhere to put events: none is taken */
        return 0;
    uint64_t avail = atomic_load_explicit(&s->appended, memory_order_acquire) - s->consumed;
    size_t n = avail < max ? (size_t)avail : max;
    for (size_t i = 0; i < n; i++) {
        if (s->head_i == BLOCK_EVENTS) {
            block *next = atomic_load_explicit(&s->head->next, memory_order_acquire);
            dusk_free(s->head);
            s->head = next;
            s->head_i = 0;
        }
        out[i] = s->head->ev[s->head_i++];
    }
    s->consumed += n;
    return n;
}

uint64_t dusk_stream_appended(const dusk_stream *s)
{
    if (!s)
        return 0;
    return atomic_load_explicit(&((dusk_stream *)s)->appended, memory_order_acquire);
}

uint64_t dusk_stream_lost(const dusk_stream *s)
{
    if (!s)
        return 0;
    return atomic_load_explicit(&((dusk_stream *)s)->lost, memory_order_relaxed);
}

const char *dusk_event_kind_name(int kind)
{
    static const char *names[] = {"run-begin", "ready", "start", "end",
                                  "error", "released", "run-end"};
    return kind >= 0 && (size_t)kind < sizeof names / sizeof *names ? names[kind] : "?";
}

uint64_t dusk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- dusk__tclock -------------------------------------------------------- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <x86intrin.h>
#define DUSK_HAVE_TSC 1
#endif

/* Re-read the real clock after this many ns of ticks; measure the rate
 * over at least MIN_BASE ns. */
enum { TCLOCK_SPAN_NS = 1000000, TCLOCK_MIN_BASE_NS = 10000000 };
/* A real reading whose ticks before and after are further apart than
 * this (1 to 2 us at 2 to 4 GHz; an uninterrupted one takes about 150)
 * was interrupted: its pair is off by up to half of it. Anchors are then
 * good to 1 us, and the rate, over at least 10 ms, to 1e-4. */
#define TCLOCK_PAIR_TICKS 4000u

/* The process's rate, as the bits of a double (0: not known yet), and the
 * stretch it was measured over. Read-mostly. */
static _Atomic uint64_t tclock_rate_bits, tclock_rate_base;

static int tclock_usable(void)
{
#ifdef DUSK_HAVE_TSC
    /* -1 unknown, 0 no, 1 yes; racing first calls compute the same answer */
    static _Atomic int usable = -1;
    int u = atomic_load_explicit(&usable, memory_order_relaxed);
    if (u < 0) {
        /* The CPU says the counter is invariant, and the kernel keeps its
         * own clock on it: then the counters of all cores agree. */
        unsigned a, b, c, d;
        char src[32] = "";
        FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
        if (f) {
            if (!fgets(src, sizeof src, f))
                src[0] = '\0';
            fclose(f);
        }
        u = __get_cpuid(0x80000007u, &a, &b, &c, &d) && (d & (1u << 8)) &&
            strncmp(src, "tsc", 3) == 0 && (src[3] == '\n' || src[3] == '\0');
        atomic_store_explicit(&usable, u, memory_order_relaxed);
    }
    return u;
#else
    return 0;
#endif
}

int dusk__tclock_counter(void) { return tclock_usable(); }

static double tclock_rate(void)
{
    uint64_t bits = atomic_load_explicit(&tclock_rate_bits, memory_order_relaxed);
    double r;
    memcpy(&r, &bits, sizeof r);
    return r;
}

/* Offers a rate measured over base ns; the longest stretch wins. Racing
 * offers may both store: either rate is good. */
static void tclock_offer(double rate, uint64_t base)
{
    if (base <= atomic_load_explicit(&tclock_rate_base, memory_order_relaxed))
        return;
    uint64_t bits;
    memcpy(&bits, &rate, sizeof bits);
    atomic_store_explicit(&tclock_rate_bits, bits, memory_order_relaxed);
    atomic_store_explicit(&tclock_rate_base, base, memory_order_relaxed);
}

uint64_t dusk__tclock_now(dusk__tclock *c)
{
    uint64_t t;
#ifdef DUSK_HAVE_TSC
    if (tclock_usable()) {
        uint64_t tick = __rdtsc();
        double rate = tclock_rate();
        if (c->started && rate > 0 && tick >= c->real_tick &&
            (double)(tick - c->real_tick) * rate < TCLOCK_SPAN_NS) {
            t = c->real_ns + (uint64_t)((double)(tick - c->real_tick) * rate);
        } else {
            /* A real reading, paired with the ticks around it; a pair
             * split by preemption is read again, or used but not trusted
             * for the rate. */
            int tries = 0, tight;
            do {
                uint64_t before = __rdtsc();
                t = dusk_now_ns();
                tick = __rdtsc();
                tight = tick - before < TCLOCK_PAIR_TICKS;
                tick = before + (tick - before) / 2;
            } while (!tight && ++tries < 3);
            if (!tight) {
                c->started = 0;   /* no anchor: the next reading is real too */
            } else {
                if (!c->started || tick < c->first_tick) {
                    c->first_ns = t;
                    c->first_tick = tick;
                    c->started = 1;
                } else if (t - c->first_ns >= TCLOCK_MIN_BASE_NS && tick > c->first_tick) {
                    tclock_offer((double)(t - c->first_ns) / (double)(tick - c->first_tick),
                                 t - c->first_ns);
                }
                c->real_ns = t;
                c->real_tick = tick;
            }
        }
    } else
#endif
        t = dusk_now_ns();
    if (t < c->last)
        t = c->last;
    c->last = t;
    return t;
}
