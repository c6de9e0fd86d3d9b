/*
** dusk — the private toolbox. This file is private to dusk's libraries.
**
** One of each small tool every library needs, so that nobody writes a
** second one: hashing (FNV-1a for tokens, a faster hash for tables),
** arenas, a string interner, growable byte buffers, numbers formatted for
** people (binary units, as Dask prints them) and output files that appear
** whole or not at all.
**
** Every library links its own hidden copy of these (the shared libraries
** export only the public dusk_ API), so nothing here is ABI. All memory
** comes from dusk_malloc, so out-of-memory paths can be tested.
*/
#ifndef DUSK_CORE_UTIL_H
#define DUSK_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dusk/error.h"

/* --- NULL arguments (include/dusk/error.h, rule 2) ------------------------
 * At a public function's entry: when p is NULL, returns DUSK_EINVAL with
 * err saying "<function>: <p> is NULL". */
#define DUSK__NONNULL(err, p)                                                \
    do {                                                                     \
        if (!(p))                                                            \
            return dusk_error_set((err), DUSK_EINVAL, "%s: %s is NULL",      \
                                  __func__, #p);                             \
    } while (0)

/* --- hashing ----------------------------------------------------------------
 * 64-bit FNV-1a. dusk__fnv continues from h (start with DUSK__FNV_INIT);
 * dusk__fnv_word mixes one whole 64-bit word in a single step, for hashing
 * arrays of integers (a different, cheaper function than hashing their
 * bytes: tokens made with it must keep using it). */
#define DUSK__FNV_INIT 1469598103934665603ull
#define DUSK__FNV_PRIME 1099511628211ull
uint64_t dusk__fnv(uint64_t h, const void *p, size_t n);
static inline uint64_t dusk__fnv_word(uint64_t h, uint64_t x)
{
    return (h ^ x) * DUSK__FNV_PRIME;
}
/* A hash of the n bytes at s for tables in memory (the interner's), eight
 * bytes a step where FNV-1a takes one: the same bytes, the same hash, all
 * 64 bits mixed (the interner places by the low bits and tags by the high
 * ones). Not stable across dusk versions: never for tokens or files. */
uint64_t dusk__hash_bytes(const void *s, size_t n);

/* --- arenas -----------------------------------------------------------------
 * Memory handed out in pieces and freed all at once. Zero-initialise a
 * dusk__arena ({0}) to start; pieces are 16-byte aligned. The blocks are
 * visible so that a log can be written into them directly and later handed
 * to an arena (the profiler's per-worker logs are). */
typedef struct dusk__arena_block dusk__arena_block;
struct dusk__arena_block {
    dusk__arena_block *next;
    size_t used, cap;          /* bytes of data[] in use, and its size */
    _Alignas(16) unsigned char data[];
};
typedef struct dusk__arena {
    dusk__arena_block *head;   /* the block being filled; older ones follow */
} dusk__arena;

void *dusk__arena_alloc(dusk__arena *a, size_t n);          /* NULL on OOM */
/* A NUL-terminated copy of the n bytes at s. */
char *dusk__arena_strndup(dusk__arena *a, const char *s, size_t n);
/* Hands src's blocks to dst; src ends empty. */
void dusk__arena_move(dusk__arena *dst, dusk__arena *src);
void dusk__arena_free(dusk__arena *a);                      /* ends empty */

/* --- interning --------------------------------------------------------------
 * A table that gives each distinct string a dense id (0, 1, 2 ... in the
 * order first seen) and keeps one copy of its text, NUL-terminated and
 * packed end to end in the blocks of the table's arena (they never move,
 * so the text's address lasts as long as the arena). Zero-initialise to
 * start. Up to 3 * 2^30 strings and 4 GiB of text (then interning fails).
 *
 * A graph holds one for millions of keys, so a string costs its text plus
 * a byte, a 32-bit offset, and 32-bit hash slots at load at most 3/4: no
 * stored length or hash (growing the slots hashes the text again). */
enum { DUSK__STRTAB_SHIFT = 16 };   /* text pages of 64 KiB: offset >> this */

typedef struct dusk__strtab {
    uint32_t *offs;            /* id -> the text's offset: page << SHIFT | byte */
    size_t n, cap;
    uint32_t *slots;           /* open addressing: id + 1 in the low log2(nslots)
                                  bits, hash bits above them; 0 empty */
    size_t nslots;             /* a power of two, or 0 */
    char **pages;              /* page -> its first byte (a key longer than a
                                  page spans pages of one block of its own) */
    size_t npages, pages_cap;
    size_t used;               /* bytes used of the last page's block */
    dusk__arena text;
} dusk__strtab;

/* The id of the n bytes at s (no NUL among them), adding them if new; -1 on allocation
 * failure or when the table is full (the table is unchanged). */
int64_t dusk__strtab_intern(dusk__strtab *t, const char *s, size_t n);
/* The same for a text whose dusk__hash_bytes is h, which a builder of many
 * texts computes ahead and passes to dusk__strtab_prefetch, so that the
 * slot is in the cache when interning needs it (a big table's slots miss
 * it nearly every time). */
int64_t dusk__strtab_intern_h(dusk__strtab *t, const char *s, size_t n, uint64_t h);
static inline void dusk__strtab_prefetch(const dusk__strtab *t, uint64_t h)
{
    if (t->nslots)
        __builtin_prefetch(&t->slots[h & (t->nslots - 1)]);
}
/* Room for n texts in all without growing (a builder that knows how many
 * it will add saves the rehashes on the way); 0, or -1 on allocation
 * failure or past the table's limit (the table is unchanged). */
int dusk__strtab_reserve(dusk__strtab *t, size_t n);
/* The id, or -1 when the text is not in the table. */
int64_t dusk__strtab_find(const dusk__strtab *t, const char *s, size_t n);
static inline const char *dusk__strtab_text(const dusk__strtab *t, int64_t id)
{
    uint32_t o = t->offs[id];
    return t->pages[o >> DUSK__STRTAB_SHIFT] + (o & ((1u << DUSK__STRTAB_SHIFT) - 1));
}
/* Gives back what growing the id array left over (a table that is done
 * growing: it may still grow after). */
void dusk__strtab_trim(dusk__strtab *t);
void dusk__strtab_free(dusk__strtab *t);                    /* ends empty */

/* --- byte buffers -----------------------------------------------------------
 * A growable buffer whose bytes are always followed by a NUL (so text in it
 * is a C string). Errors are sticky: after a failed growth `failed` is set
 * and further additions are ignored; check once at the end. Zero-initialise
 * to start. */
typedef struct dusk__buf {
    char *data;                /* NULL until something is added */
    size_t len, cap;
    int failed;                /* an allocation failed */
} dusk__buf;

void dusk__buf_add(dusk__buf *b, const void *data, size_t n);
void dusk__buf_puts(dusk__buf *b, const char *s);
void dusk__buf_printf(dusk__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dusk__buf_free(dusk__buf *b);                          /* ends empty */
/* A write callback (cairo's and others' shape): closure is a dusk__buf;
 * returns 0, or 1 once the buffer has failed. */
int dusk__buf_write(void *closure, const unsigned char *data, size_t n);

/* --- numbers for people -----------------------------------------------------
 * Binary units, as Dask's format_bytes: "512 B", "1.91 MiB", "3.00 GiB"
 * (a unit is used from 0.9 of it up). Times: "850 ns", "12.5 us",
 * "3.2 ms", "1.25 s". Both write at most n bytes including the NUL. */
void dusk__fmt_bytes(char *out, size_t n, double bytes);
void dusk__fmt_ns(char *out, size_t n, double ns);

/* --- files that appear whole ------------------------------------------------
 * dusk__atomic_open creates a temporary file beside path, under a name
 * nobody can guess or have made before (O_CREAT|O_EXCL|O_NOFOLLOW, random
 * suffix; never follows a link planted there), and opens it for writing;
 * dusk__atomic_close renames it over path when ok and nothing failed, and
 * removes it otherwise. So a failed or interrupted write leaves path as it
 * was, and two writers of one path never share a temporary file.
 * A symbolic link at path is followed (through a chain, relative links
 * from their own directory): the temporary file goes beside the target
 * and is renamed onto it, so the link stays a link and a dangling link's
 * target is created. An existing file the user may not write (access
 * W_OK), or that nobody may write (no w bit in its mode: refused for root
 * too, who passes access), is refused, "cannot write PATH: Permission
 * denied", before any temporary file is made; a rename would otherwise
 * replace it, needing only the directory's permission. The
 * file that replaces path keeps path's permission bits (and, for root,
 * its owner); a new one gets 0666 less the umask, as fopen gives.
 * The data is flushed and closed before the rename, so that a full disk
 * or quota is reported here (DUSK_EIO, "cannot write PATH: No space left
 * on device") and never leaves a short file. */
typedef struct dusk__atomic {
    FILE *f;                   /* write here */
    char *path, *tmp;
    int failed;                /* set by the caller to make close fail:
                                  the errno of the failure, or 1 */
} dusk__atomic;

int dusk__atomic_open(dusk__atomic *o, const char *path, dusk_error *err);
/* fwrite to o->f that keeps the errno of a failure in o->failed (and
 * writes nothing more after one); 0 or -1. */
int dusk__atomic_write(dusk__atomic *o, const void *data, size_t n);
/* For writers that use stdio on o->f: after a failed fprintf (errno is
 * still its), keeps that errno in o->failed; 0, or -1 once failed. */
int dusk__atomic_check(dusk__atomic *o);
/* ok: commit, giving 0, or DUSK_EIO with a message naming path and why.
 * Not ok: discard (returns 0). Always closes, removes the temporary file
 * unless committed, and frees; a no-op on a closed or zeroed o. */
int dusk__atomic_close(dusk__atomic *o, int ok, dusk_error *err);

/* For writers that must open the file themselves (HDF5 does): reserves a
 * fresh temporary name beside path in the same way, ending in ext (".tmp";
 * a store's ".store.tmp", which array/store.c can tell from the others), as
 * an empty file that the caller then truncates and writes, and returns it
 * (dusk_free it), or NULL with err set. Commit with dusk__atomic_commit
 * (which gives it path's mode, as dusk__atomic_close does), or remove()
 * it. */
char *dusk__atomic_reserve(const char *path, const char *ext, dusk_error *err);
int dusk__atomic_commit(const char *tmp, const char *path, dusk_error *err);

/* The file the writers above write for path: path, or the file a symbolic
 * link there points to (through a chain; a dangling link's target, to be
 * made). For writers that keep more beside the file than its temporary
 * name (array/store.c's lock). dusk_malloc'd, or NULL with err set. */
char *dusk__write_target(const char *path, dusk_error *err);

/* What the names dusk makes beside a file (".NAME.XXXXXX.tmp", a store's
 * lock ".NAME.dusk-lock") take of the file's name base, when they add
 * `extra` bytes to it: base itself, or, where that would pass the 255
 * bytes a file name may have, base cut short (at a character's start)
 * and "~" and 16 hex digits of base's hash, which keeps long names that
 * share their first 200 bytes apart. Writes it to out, which has room
 * for DUSK__SIDE_MAX bytes. */
enum { DUSK__SIDE_MAX = 256 };
void dusk__side_base(const char *base, size_t extra, char out[DUSK__SIDE_MAX]);

/* What a stat()ed path is when it is no plain file, for messages ("a pipe":
 * opening one waits for a writer; a rename over it would put a file in its
 * place); NULL for a plain file. */
struct stat;
const char *dusk__not_a_file(const struct stat *st);

/* --- resident memory ---------------------------------------------------------- */

/* The resident bytes a /proc/<pid>/statm says, read through fd (kept open
 * by a sampler: a pread costs about a fifth of an fopen, fscanf and
 * fclose, which matters at one sample a millisecond); 0 if unreadable. */
uint64_t dusk__statm_rss(int fd);
/* The resident bytes of the processes scheduler's worker processes while
 * such a run is going (dusk_sched_worker_pids; 0 otherwise): a memory
 * sampler adds them to this process's, so that it shows the pool's. */
uint64_t dusk__workers_rss(void);

#endif /* DUSK_CORE_UTIL_H */
