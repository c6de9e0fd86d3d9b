/*
** dusk — the private toolbox: hashing, arenas, interning, buffers,
** numbers for people, files that appear whole
**
** See util.h. Nothing here takes a lock: each object belongs to one thread
** at a time, as the structure that holds it does.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dusk/alloc.h"
#include "dusk/sched.h"
#include "util.h"

#ifndef O_NOFOLLOW
#define O_NOFOLLOW 0
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* --- hashing ---------------------------------------------------------------- */

uint64_t dusk__fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * DUSK__FNV_PRIME;
    return h;
}

/* Each 8-byte word is folded in by a multiply-xorshift step, the last
 * one read so that it ends with the text (overlapping the one before: no
 * byte-wise tail); shorter texts are read as two overlapping 4-byte words,
 * or their first, middle and last bytes. The length goes in first, so
 * that those overlaps cannot make two texts alike, and a final avalanche
 * (the finaliser of MurmurHash3) spreads every input bit over both halves
 * of the result. */
static inline uint64_t hash_step(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ h >> 29;
}

uint64_t dusk__hash_bytes(const void *s, size_t n)
{
    const unsigned char *p = s;
    uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ull ^ 0x2545f4914f6cdd1dull, w;
    if (n >= 8) {
        const unsigned char *last = p + n - 8;
        for (; p < last; p += 8) {
            memcpy(&w, p, 8);
            h = hash_step(h, w);
        }
        memcpy(&w, last, 8);
        h = hash_step(h, w);
    } else if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        h = hash_step(h, (uint64_t)lo << 32 | hi);
    } else if (n) {
        h = hash_step(h, (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1]);
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* --- arenas ----------------------------------------------------------------- */

enum { ARENA_BLOCK = 64 * 1024 };

void *dusk__arena_alloc(dusk__arena *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    dusk__arena_block *b = a->head;
    if (need < n)
        return NULL;
    /* A block handed over by dusk__arena_move may have been filled byte by
     * byte (a log): pieces start on the next 16-byte boundary. */
    if (b && b->used % 16)
        b->used = b->used + 16 - b->used % 16 <= b->cap ? b->used + 16 - b->used % 16 : b->cap;
    if (!b || b->cap - b->used < need) {
        int big = need > ARENA_BLOCK / 4;
        size_t cap = big ? need : ARENA_BLOCK;
        if (cap > SIZE_MAX - sizeof *b)
            return NULL;
        dusk__arena_block *nb = dusk_malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && big) {
            /* A big piece gets a block of its own behind the current one,
             * so the current block's free space is not wasted. */
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

char *dusk__arena_strndup(dusk__arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *d = dusk__arena_alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void dusk__arena_move(dusk__arena *dst, dusk__arena *src)
{
    dusk__arena_block *last = src->head;
    if (!last)
        return;
    while (last->next)
        last = last->next;
    if (dst->head) {           /* behind dst's current block, which keeps filling */
        last->next = dst->head->next;
        dst->head->next = src->head;
    } else {
        dst->head = src->head;
    }
    src->head = NULL;
}

void dusk__arena_free(dusk__arena *a)
{
    dusk__arena_block *b = a->head;
    while (b) {
        dusk__arena_block *next = b->next;
        dusk_free(b);
        b = next;
    }
    a->head = NULL;
}

/* --- interning -------------------------------------------------------------- */

enum { STRTAB_PAGE = 1u << DUSK__STRTAB_SHIFT };

/* The slot's hash bits for h in a table of nslots: h's high word above the
 * id's bits (none when the ids take all 32). The position uses h's low bits. */
static inline uint32_t strtab_tag(uint64_t h, size_t nslots)
{
    unsigned shift = (unsigned)__builtin_ctzll((unsigned long long)nslots);
    return shift >= 32 ? 0 : (uint32_t)((h >> 32) << shift);
}

/* Rehashes into ns slots (a power of two, more than there are). */
static int strtab_resize(dusk__strtab *t, size_t ns)
{
    if (ns > (size_t)1 << 32)
        return -1;
    uint32_t *slots = dusk_calloc(ns, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        const char *s = dusk__strtab_text(t, (int64_t)i);
        uint64_t h = dusk__hash_bytes(s, strlen(s));
        size_t j = h & (ns - 1);
        while (slots[j])
            j = (j + 1) & (ns - 1);
        slots[j] = strtab_tag(h, ns) | (uint32_t)(i + 1);
    }
    dusk_free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

static int strtab_grow(dusk__strtab *t)
{
    return strtab_resize(t, t->nslots ? 2 * t->nslots : 64);
}

int dusk__strtab_reserve(dusk__strtab *t, size_t n)
{
    size_t ns = t->nslots ? t->nslots : 64;
    while (ns / 4 * 3 < n) {
        if (ns > (size_t)1 << 31)
            return -1;
        ns *= 2;
    }
    if (n > t->cap) {
        uint32_t *o = dusk_realloc(t->offs, n * sizeof *o);
        if (!o)
            return -1;
        t->offs = o;
        t->cap = n;
    }
    return ns == t->nslots ? 0 : strtab_resize(t, ns);
}

/* The slot where s is, or the empty slot where it would go. */
static size_t strtab_slot(const dusk__strtab *t, const char *s, size_t n, uint64_t h)
{
    size_t mask = t->nslots - 1, j = h & mask;
    uint32_t idmask = (uint32_t)mask, tag = strtab_tag(h, t->nslots);
    uint32_t v;
    while ((v = t->slots[j])) {
        if ((v & ~idmask) == tag) {
            const char *e = dusk__strtab_text(t, (int64_t)(v & idmask) - 1);
            if (memcmp(e, s, n) == 0 && e[n] == '\0')
                break;
        }
        j = (j + 1) & mask;
    }
    return j;
}

/* Room for n + 1 bytes of text: its offset in *off, and a pointer to it;
 * NULL on allocation failure or when 4 GiB of text are used. */
static char *strtab_text_alloc(dusk__strtab *t, size_t n, uint32_t *off)
{
    size_t need = n + 1;
    if (need == 0)
        return NULL;
    if (t->npages && t->used + need <= STRTAB_PAGE) {
        *off = (uint32_t)((t->npages - 1) << DUSK__STRTAB_SHIFT | t->used);
        char *p = t->pages[t->npages - 1] + t->used;
        t->used += need;
        return p;
    }
    /* a new block: a page, or pages enough for a long key */
    size_t span = need <= STRTAB_PAGE ? 1 : (need + STRTAB_PAGE - 1) / STRTAB_PAGE;
    size_t cap = span * STRTAB_PAGE;
    if (span > ((size_t)1 << (32 - DUSK__STRTAB_SHIFT)) - t->npages ||
        cap / STRTAB_PAGE != span || cap > SIZE_MAX - sizeof(dusk__arena_block))
        return NULL;
    if (t->npages + span > t->pages_cap) {
        size_t pc = t->pages_cap ? 2 * t->pages_cap : 16;
        while (pc < t->npages + span)
            pc *= 2;
        char **pages = dusk_realloc(t->pages, pc * sizeof *pages);
        if (!pages)
            return NULL;
        t->pages = pages;
        t->pages_cap = pc;
    }
    dusk__arena_block *b = dusk_malloc(sizeof *b + cap);
    if (!b)
        return NULL;
    b->used = b->cap = cap;          /* the arena only frees or moves it */
    b->next = t->text.head;
    t->text.head = b;
    for (size_t i = 0; i < span; i++)
        t->pages[t->npages + i] = (char *)b->data + i * STRTAB_PAGE;
    *off = (uint32_t)(t->npages << DUSK__STRTAB_SHIFT);
    t->npages += span;
    t->used = span == 1 ? need : STRTAB_PAGE;   /* a long key's pages are full */
    return (char *)b->data;
}

int64_t dusk__strtab_find(const dusk__strtab *t, const char *s, size_t n)
{
    if (!t->nslots)
        return -1;
    size_t j = strtab_slot(t, s, n, dusk__hash_bytes(s, n));
    return (int64_t)(t->slots[j] & (uint32_t)(t->nslots - 1)) - 1;
}

int64_t dusk__strtab_intern(dusk__strtab *t, const char *s, size_t n)
{
    return dusk__strtab_intern_h(t, s, n, dusk__hash_bytes(s, n));
}

int64_t dusk__strtab_intern_h(dusk__strtab *t, const char *s, size_t n, uint64_t h)
{
    size_t j = 0;
    if (t->nslots) {
        j = strtab_slot(t, s, n, h);   /* where it is, or where it will go */
        if (t->slots[j])
            return (int64_t)(t->slots[j] & (uint32_t)(t->nslots - 1)) - 1;
    }
    /* load at most 3/4 */
    if (4 * (t->n + 1) > 3 * t->nslots) {
        if (strtab_grow(t) != 0)
            return -1;
        j = strtab_slot(t, s, n, h);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        uint32_t *o = dusk_realloc(t->offs, cap * sizeof *o);
        if (!o)
            return -1;
        t->offs = o;
        t->cap = cap;
    }
    uint32_t off;
    char *copy = strtab_text_alloc(t, n, &off);
    if (!copy)
        return -1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    t->offs[t->n] = off;
    t->slots[j] = strtab_tag(h, t->nslots) | (uint32_t)(t->n + 1);
    return (int64_t)t->n++;
}

void dusk__strtab_trim(dusk__strtab *t)
{
    if (t->cap > t->n && t->n) {
        uint32_t *o = dusk_realloc(t->offs, t->n * sizeof *o);
        if (o) {
            t->offs = o;
            t->cap = t->n;
        }
    }
}

void dusk__strtab_free(dusk__strtab *t)
{
    dusk_free(t->offs);
    dusk_free(t->slots);
    dusk_free(t->pages);
    dusk__arena_free(&t->text);
    memset(t, 0, sizeof *t);
}

/* --- byte buffers ------------------------------------------------------------- */

void dusk__buf_add(dusk__buf *b, const void *data, size_t n)
{
    if (b->failed)
        return;
    if (b->cap - b->len <= n) {           /* room for n bytes and the NUL */
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len <= n) {
            if (cap > SIZE_MAX / 2) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        char *d = dusk_realloc(b->data, cap);
        if (!d) {
            b->failed = 1;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void dusk__buf_puts(dusk__buf *b, const char *s) { dusk__buf_add(b, s, strlen(s)); }

void dusk__buf_printf(dusk__buf *b, const char *fmt, ...)
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
        dusk__buf_add(b, small, (size_t)len);
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
    dusk__buf_add(b, big, (size_t)len);
    dusk_free(big);
}

void dusk__buf_free(dusk__buf *b)
{
    dusk_free(b->data);
    memset(b, 0, sizeof *b);
}

int dusk__buf_write(void *closure, const unsigned char *data, size_t n)
{
    dusk__buf *b = closure;
    dusk__buf_add(b, data, n);
    return b->failed;
}

/* --- numbers for people ------------------------------------------------------------ */

void dusk__fmt_bytes(char *out, size_t n, double bytes)
{
    static const struct { const char *unit; double k; } U[] = {
        {"PiB", 1125899906842624.0}, {"TiB", 1099511627776.0},
        {"GiB", 1073741824.0}, {"MiB", 1048576.0}, {"kiB", 1024.0},
    };
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
        if (bytes >= U[i].k * 0.9) {
            snprintf(out, n, "%.2f %s", bytes / U[i].k, U[i].unit);
            return;
        }
    snprintf(out, n, "%.0f B", bytes < 0 ? 0 : bytes);
}

void dusk__fmt_ns(char *out, size_t n, double ns)
{
    if (ns < 1e3)
        snprintf(out, n, "%.0f ns", ns < 0 ? 0 : ns);
    else if (ns < 1e6)
        snprintf(out, n, "%.1f us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(out, n, "%.1f ms", ns / 1e6);
    else
        snprintf(out, n, "%.2f s", ns / 1e9);
}

/* --- files that appear whole ---------------------------------------------------------- */

/* Six characters nobody can guess: from the kernel's random source, or,
 * where it cannot answer, a per-process counter mixed with the clock and
 * the pid (still unique per writer, O_EXCL settles any clash). */
static void random_suffix(char out[7])
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static atomic_uint_fast64_t counter;
    uint64_t x;
    if (getrandom(&x, sizeof x, GRND_NONBLOCK) != (ssize_t)sizeof x) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        x = dusk__fnv_word(DUSK__FNV_INIT, (uint64_t)ts.tv_nsec);
        x = dusk__fnv_word(x, (uint64_t)ts.tv_sec);
        x = dusk__fnv_word(x, (uint64_t)getpid());
        x = dusk__fnv_word(x, atomic_fetch_add(&counter, 1));
        x ^= x >> 29;
    }
    for (int i = 0; i < 6; i++, x /= 62)
        out[i] = digits[x % 62];
    out[6] = '\0';
}

const char *dusk__not_a_file(const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return NULL;
    return S_ISDIR(st->st_mode)                            ? "a directory"
           : S_ISFIFO(st->st_mode)                         ? "a pipe"
           : S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) ? "a device"
                                                           : "a special file";
}

void dusk__side_base(const char *base, size_t extra, char out[DUSK__SIDE_MAX])
{
    enum { NAME_MAX_BYTES = 255, TAG = 17 };   /* "~" and 16 hex digits */
    size_t n = strlen(base);
    if (n + extra <= NAME_MAX_BYTES) {
        memcpy(out, base, n + 1);
        return;
    }
    size_t keep = extra + TAG < NAME_MAX_BYTES ? NAME_MAX_BYTES - extra - TAG : 0;
    while (keep > 0 && ((unsigned char)base[keep] & 0xC0) == 0x80)
        keep--;   /* not inside a UTF-8 character */
    snprintf(out, DUSK__SIDE_MAX, "%.*s~%016llx", (int)keep, base,
             (unsigned long long)dusk__hash_bytes(base, n));
}

/* The file a write to path lands in: path itself, or, where path is a
 * symbolic link (or a chain of them), the file it points to, so that the
 * link stays a link and its target gets the new contents, in the target's
 * directory, as `sed -i --follow-symlinks` and editors do. A dangling
 * link's target is created. dusk_malloc'd, or NULL with err set. */
char *dusk__write_target(const char *path, dusk_error *err)
{
    char *cur = path ? dusk_strdup(path) : NULL;
    if (!path || !*path) {
        dusk_free(cur);
        dusk_error_set(err, DUSK_EINVAL, "no output file name");
        return NULL;
    }
    for (int hops = 0; cur; hops++) {
        struct stat st;
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        if (hops == 40) {   /* Linux's own limit */
            dusk_free(cur);
            dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", path, strerror(ELOOP));
            return NULL;
        }
        char link[PATH_MAX];
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0) {
            int e = errno;
            dusk_free(cur);
            dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", path, strerror(e));
            return NULL;
        }
        link[n] = '\0';
        /* a relative target is relative to the link's directory */
        const char *slash = strrchr(cur, '/');
        size_t dirlen = link[0] != '/' && slash ? (size_t)(slash - cur) + 1 : 0;
        char *next = dusk_malloc(dirlen + (size_t)n + 1);
        if (next) {
            memcpy(next, cur, dirlen);
            memcpy(next + dirlen, link, (size_t)n + 1);
        }
        dusk_free(cur);
        cur = next;
    }
    dusk_error_set(err, DUSK_ENOMEM, "out of memory opening %s", path);
    return NULL;
}

/* Creates "<dir>/.<name>.<random><ext>" for path, exclusively (name: the
 * base of path, cut short by dusk__side_base where it is long): sets *fd
 * and *tmp (dusk_malloc'd) and returns 0, or returns a code with err set. */
static int create_tmp(const char *path, const char *ext, char **tmp, int *fdp, dusk_error *err)
{
    *tmp = NULL;
    *fdp = -1;
    if (!path || !*path)
        return dusk_error_set(err, DUSK_EINVAL, "no output file name");
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    if (!*base)
        return dusk_error_set(err, DUSK_EINVAL, "cannot write %s: it names a directory", path);
    /* A file appears whole by a rename over path, which would put a plain
     * file in place of a device, a pipe or a directory (as root, over
     * /dev/null): those are refused. path is no link (dusk__write_target). */
    struct stat st;
    if (stat(path, &st) == 0) {
        if (dusk__not_a_file(&st))
            return dusk_error_set(err, DUSK_EINVAL, "cannot write %s: it is %s, not a plain file",
                                  path, dusk__not_a_file(&st));
        /* The rename needs only the directory's permission, so a file the
         * user may not write would be replaced all the same: refused, as
         * open would refuse it. Root passes access(), so a file nobody may
         * write (no w bit: chmod a-w) is refused by its mode, for root too:
         * the same answer for every user. */
        if (access(path, W_OK) != 0 && errno != ENOENT)
            return dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", path, strerror(errno));
        if (!(st.st_mode & 0222))
            return dusk_error_set(err, DUSK_EIO, "cannot write %s: Permission denied (it is "
                                  "read-only, mode %04o)", path, (unsigned)(st.st_mode & 07777));
    }
    char side[DUSK__SIDE_MAX];
    dusk__side_base(base, 8 + strlen(ext), side);   /* "." "." 6 letters ext */
    size_t cap = dirlen + strlen(side) + strlen(ext) + 12;
    char *t = dusk_malloc(cap);
    if (!t)
        return dusk_error_set(err, DUSK_ENOMEM, "out of memory opening %s", path);
    for (int attempt = 0; attempt < 100; attempt++) {
        char sfx[7];
        random_suffix(sfx);
        snprintf(t, cap, "%.*s.%s.%s%s", (int)dirlen, path, side, sfx, ext);
        int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) {
            *tmp = t;
            *fdp = fd;
            return 0;
        }
        if (errno != EEXIST) {
            int e = errno;
            dusk_free(t);
            return dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", path, strerror(e));
        }
    }
    dusk_free(t);
    return dusk_error_set(err, DUSK_EIO, "cannot write %s: no free temporary name", path);
}

int dusk__atomic_open(dusk__atomic *o, const char *path, dusk_error *err)
{
    memset(o, 0, sizeof *o);
    char *target = dusk__write_target(path, err);
    if (!target)
        return err && err->code ? err->code : DUSK_EIO;
    int fd, rc = create_tmp(target, ".tmp", &o->tmp, &fd, err);
    if (rc != 0) {
        dusk_free(target);
        return rc;
    }
    o->path = target;
    o->f = o->path ? fdopen(fd, "wb") : NULL;
    if (!o->f) {
        rc = o->path ? dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", path, strerror(errno))
                         : dusk_error_set(err, DUSK_ENOMEM, "out of memory opening %s", path);
        close(fd);
        remove(o->tmp);
        dusk_free(o->tmp);
        dusk_free(o->path);
        memset(o, 0, sizeof *o);
        return rc;
    }
    return 0;
}

/* The replacement of an existing file keeps what its owner gave it: its
 * permission bits (a 0600 file stays 0600) and, when we are root, its
 * owner and group (otherwise its group, where we may set it). A new file
 * keeps what open gave it, 0666 less the umask, as fopen would. Only a
 * regular file is copied from: a link at path is replaced, not followed.
 * Ownership is kept where the file system lets us; the mode always is (a
 * failure fails the write, rather than widen a private file). path is
 * the link's target (dusk__write_target). */
static int keep_mode(int fd, const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    if (fchown(fd, geteuid() == 0 ? st.st_uid : (uid_t)-1, st.st_gid) != 0) {
        /* not ours to give (EPERM), or a file system without owners */
    }
    /* not setuid, setgid or sticky: new contents must not inherit rights
     * that were granted to the old program */
    return fchmod(fd, st.st_mode & 0777);
}

int dusk__atomic_commit(const char *tmp, const char *path, dusk_error *err)
{
    char *target = dusk__write_target(path, err);   /* as dusk__atomic_reserve found it */
    if (!target) {
        remove(tmp);
        return err && err->code ? err->code : DUSK_EIO;
    }
    int e = 0, fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || keep_mode(fd, target) != 0)
        e = errno;
    if (fd >= 0)
        close(fd);
    if (!e && rename(tmp, target) != 0)
        e = errno;
    dusk_free(target);
    if (e) {
        remove(tmp);
        return dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

int dusk__atomic_write(dusk__atomic *o, const void *data, size_t n)
{
    if (o->failed)
        return -1;
    if (n && fwrite(data, 1, n, o->f) != n) {
        o->failed = errno ? errno : EIO;
        return -1;
    }
    return 0;
}

int dusk__atomic_check(dusk__atomic *o)
{
    if (!o->failed && ferror(o->f))
        o->failed = errno ? errno : EIO;
    return o->failed ? -1 : 0;
}

int dusk__atomic_close(dusk__atomic *o, int ok, dusk_error *err)
{
    if (!o->f)
        return 0;
    int e = 0;
    if (ok) {
        /* The first error says why: a write's errno the caller kept, or
         * what flushing the buffer reports, or closing (ENOSPC, EDQUOT:
         * NFS tells only at close). No fsync: it would cost a disk flush
         * per file; surviving a power cut is not what these files
         * promise. */
        e = o->failed > 1 ? o->failed : 0;
        if (!e && fflush(o->f) != 0)
            e = errno;
        if (!e && (ferror(o->f) || o->failed))
            e = EIO;
        if (!e && keep_mode(fileno(o->f), o->path) != 0)
            e = errno;
    }
    if (fclose(o->f) != 0 && ok && !e)
        e = errno;
    if (ok && !e && rename(o->tmp, o->path) != 0)
        e = errno;
    int rc = 0;
    if (!ok || e) {
        remove(o->tmp);
        if (ok)
            rc = dusk_error_set(err, DUSK_EIO, "cannot write %s: %s", o->path, strerror(e));
    }
    dusk_free(o->path);
    dusk_free(o->tmp);
    memset(o, 0, sizeof *o);
    return rc;
}

char *dusk__atomic_reserve(const char *path, const char *ext, dusk_error *err)
{
    char *tmp, *target = dusk__write_target(path, err);
    int fd;
    if (!target)
        return NULL;
    int rc = create_tmp(target, ext, &tmp, &fd, err);
    dusk_free(target);
    if (rc != 0)
        return NULL;
    close(fd);
    return tmp;
}

/* --- resident memory ---------------------------------------------------------- */

uint64_t dusk__statm_rss(int fd)
{
    static long page;
    unsigned long size, resident;
    char buf[128];
    if (fd < 0)
        return 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    if (!page)
        page = sysconf(_SC_PAGESIZE);
    return sscanf(buf, "%lu %lu", &size, &resident) == 2 && page > 0
               ? (uint64_t)resident * (uint64_t)page : 0;
}

uint64_t dusk__workers_rss(void)
{
    int pids[64];
    size_t n = dusk_sched_worker_pids(pids, 64);
    uint64_t sum = 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/statm", pids[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;   /* it ended meanwhile */
        sum += dusk__statm_rss(fd);
        close(fd);
    }
    return sum;
}
