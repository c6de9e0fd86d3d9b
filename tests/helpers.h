/*
** dusk tests — the helpers every test program shares (private to tests/)
**
** The lecture's graphs, the scheduler configurations every run-level test
** loops over, a seeded random DAG generator that also computes the
** expected value of every node, small assertion helpers; for the array
** tests: reference element access written independently of array/nd.c,
** test data per dtype, values held per test with a leak check, a scratch
** directory, a runner for h5dump, N-d index arithmetic for reference loops.
** Defined once in tests/helpers.c, which the Makefile links into every
** test program.
**
** Include after <cmocka.h>, with _POSIX_C_SOURCE defined.
*/
#ifndef DUSK_TESTS_HELPERS_H
#define DUSK_TESTS_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dusk.h"
#include "dusk/array.h"

/* --- scheduler configurations -------------------------------------------- */

typedef struct sched_cfg {
    dusk_sched_kind kind;
    int workers;
    const char *name;
} sched_cfg;

#define NSCHED_CFGS 5
extern const sched_cfg SCHEDS[NSCHED_CFGS];
#define NSCHEDS ((size_t)NSCHED_CFGS)

/* Whether c computes tasks in another address space (processes): a case
 * whose task functions count calls or keep state in the test's memory
 * (through ud or globals), or are not registered, cannot run there and
 * skips it, saying why. */
static inline bool sched_remote(const sched_cfg *c) { return c->kind == DUSK_SCHED_PROCESSES; }

dusk_options mkopts(const sched_cfg *c, dusk_run_stats *st);

/* --- the lecture's graphs ------------------------------------------------- */

/* dsk = {'a': 1, 'x': 10, 'b': (inc, 'a'), 'y': (inc, 'x'),
 *        'z': (add, 'b', 'y')}                      get(dsk, 'z') == 13 */
dusk_graph *lecture_dsk(void);

/* dsk2 = {'a': 1, 'b': 2, 'c': (add, 'a', 'b'), 'd': (sum, ['a', 'b', 'c'])}
 * get(dsk2, 'c') == 3, get(dsk2, 'd') == 6,
 * get(dsk2, ['a', 'b', 'c']) == (1, 2, 3) */
dusk_graph *lecture_dsk2(void);

/* --- assertions on values ------------------------------------------------- */

void assert_repr(const dusk_value *v, const char *want);

void assert_int_value(const dusk_value *v, int64_t want);

int contains(const char *hay, const char *needle);

#define assert_contains(hay, needle)                                         \
    do {                                                                     \
        if (!contains((hay), (needle)))                                      \
            fail_msg("\"%s\" does not contain \"%s\"", (hay), (needle));    \
    } while (0)

/* --- a seeded random DAG with known results -------------------------------- */

uint64_t rng_next(uint64_t *s);

int rng_range(uint64_t *s, int lo, int hi) /* [lo, hi] */;

#define RDAG_BOUND ((int64_t)1 << 40)

typedef struct rdag {
    dusk_graph *g;
    int n;
    int64_t *expect;    /* expected value of node i */
    char (*keys)[16];   /* "n0", "n1", ... */
    int ntasks_fn;      /* entries that are function tasks */
} rdag;

int64_t rdag_abs(int64_t v);

/* Picks an earlier node, often a recent one (long chains) and sometimes any
 * (wide fan-in). */
int rdag_pick(uint64_t *s, int i);

/* Builds a DAG of n nodes from seed: leaves are values or identity tasks of
 * literals; inner nodes are add/sub/mul/inc/neg/identity/sum-of-a-list or an
 * alias. Every value stays within +-2^40. Returns 0 or the builder's code. */
int rdag_build(rdag *r, uint64_t seed, int n);

void rdag_free(rdag *r);

/* Picks nreq keys to request (the last node always among them). */
void rdag_requests(const rdag *r, uint64_t seed, int nreq,
                   const char **keys, int *idx);

/* --- time ----------------------------------------------------------------- */

uint64_t now_ns(void);

void sleep_ms(int ms);

/* --- memory: faults and 2 MiB pages ------------------------------------- */

/* The process's minor page faults so far. */
long minor_faults(void);

/* Whether the kernel gives 2 MiB pages to memory that asks for them. */
int huge_pages_on(void);

/* What the kernel made of the 2 MiB-aligned memory at p (/proc/self/smaps):
 * *advised when madvise asked for 2 MiB pages there, *huge when every
 * resident byte of it is in them. 0, or -1 when smaps says nothing of p. */
int huge_pages_at(const void *p, int *advised, int *huge);

/* Whether every mapping that asked for 2 MiB pages (2 MiB or more of it
 * resident) got them, at least half of it: 1 when none asked. */
int huge_pages_given(void);

/* Resets failure injection: used as the teardown of every test, so a test
 * that fails half-way does not poison the next one. */
int reset_alloc(void **state);

/* ======== arrays ======== */

/* --- dtypes ------------------------------------------------------------- */

#define NDT 11
extern const dusk_dtype ALL_DT[NDT];

bool dt_float(dusk_dtype t);
bool dt_unsigned(dusk_dtype t);
bool dt_signed(dusk_dtype t);
size_t dt_size(dusk_dtype t);

/* Parses NumPy's short codes as Python printed them ("f8", "b1"). */
dusk_dtype dt_of(const char *code);

/* Element i of a C array of dtype t: as int64 (integers and bool; U8 as
 * its bit pattern), as uint64, as double. */
int64_t ref_geti(const void *base, dusk_dtype t, int64_t i);

double ref_getf(const void *base, dusk_dtype t, int64_t i);

/* Stores the integer v (taken modulo 2^bits, as NumPy wraps). */
void ref_seti(void *base, dusk_dtype t, int64_t i, int64_t v);

void ref_setf(void *base, dusk_dtype t, int64_t i, double v);

/* --- test data ----------------------------------------------------------- */

uint64_t au_rng(uint64_t *s);

enum {
    DATA_MIXED,    /* small values of both signs (unsigned: small), zeros,
                      and now and then the extremes of the dtype */
    DATA_SMALLPOS, /* 0..3: exponents that every dtype can take */
    DATA_NEARONE,  /* floats in [0.5, 1.5]; integers 1 and 2 */
};

/* n values of dtype t (malloc'd; free with free). */
void *make_data(dusk_dtype t, int64_t n, uint64_t seed, int kind);

/* --- N-d indices ---------------------------------------------------------- */

int64_t count_of_shape(int ndim, const int64_t *shape);

void unravel(int64_t k, int ndim, const int64_t *shape, int64_t *idx);

int64_t ravel(int ndim, const int64_t *shape, const int64_t *idx);

/* Index of the element of an input of shape ishape (right-aligned,
 * broadcast) read for output index oidx of ondim axes. */
int64_t bcast_index(int ondim, const int64_t *oidx, int indim, const int64_t *ishape);

/* --- comparing numbers ----------------------------------------------------- */

/* Equal as results of dtype t: NaN equals NaN, infinities equal
 * themselves, otherwise within rel (relative) or abs_tol. */
bool close_enough(double got, double want, double rel, double abs_tol);

/* --- running ----------------------------------------------------------------- */

dusk_options opts_of(dusk_sched_kind k, int workers);

/* The binary-tree graph of bench/overhead.c over n leaves (inc leaves,
 * add nodes, identity carries); *root gets its key, in static storage
 * that the next call overwrites. */
dusk_graph *tree_graph(size_t n, const char **root);

/* n leaves "<prefix>-<i>" = f(i), summed by "total" (dusk_sum of a list):
 * a leaf for each worker to start with. */
dusk_graph *summed_graph(const dusk_func *f, const char *prefix, int n);

/* Values a test holds, so that a test that fails half-way does not also
 * show up as a leak: release() drops one, release_all() (teardown) the
 * rest. */

dusk_value *track(dusk_value *v);

void release(dusk_value *v);

void release_all(void);

/* cmocka setup and teardown bodies for a test file with one array context:
 * the setup makes *ctx and notes dusk's live blocks; the teardown releases
 * what the test tracked, frees *ctx and fails when a block is left. */
int array_ctx_setup(dusk_array_ctx **ctx);
int array_ctx_teardown(dusk_array_ctx **ctx);

/* Computes a and checks that it worked; returns the ndarray (caller
 * releases). what names the case in a failure message. */
dusk_value *compute_with(dusk_array *a, const dusk_options *o, const char *what);

void assert_shape(const dusk_value *v, int ndim, const int64_t *shape,
                  const char *what);

/* The array's chunks along axis as text "(5, 5, 3)". */
const char *chunks_text(const dusk_array *a, int axis, char *buf, size_t n);

#define assert_chunks(a, axis, want)                                              \
    do {                                                                          \
        char cb_[4096];                                                           \
        const char *got_ = chunks_text((a), (axis), cb_, sizeof cb_);             \
        if (strcmp(got_, (want)) != 0)                                            \
            fail_msg("chunks of axis %d: got %s, want %s", (axis), got_, (want)); \
    } while (0)

/* The array's status must be code, with a message containing needle. */
#define assert_array_error(a, code, needle)                                           \
    do {                                                                              \
        dusk_error e_ = DUSK_ERROR_INIT;                                              \
        int rc_ = dusk_array_status((a), &e_);                                        \
        if (rc_ != (code))                                                            \
            fail_msg("status %s (%s), want %s", dusk_err_name(rc_), e_.msg,           \
                     dusk_err_name(code));                                            \
        assert_contains(e_.msg, (needle));                                            \
    } while (0)

/* --- files ---------------------------------------------------------------------- */

/* Removes dir and everything under it (no symlinks followed). */
void rm_tree(const char *dir);

bool file_exists(const char *p);

/* A whole file, followed by a NUL, in a malloc'd buffer (NULL if it cannot
 * be read); *len (when len is not NULL) gets its size. */
void *slurp(const char *path, size_t *len);

/* How many entries of dir have names containing needle. */
int count_entries_with(const char *dir, const char *needle);

/* --- chromium -------------------------------------------------------------------- */

/* Debian's chromium (or chromium-browser), or NULL when it is missing. */
const char *chromium_path(void);

/* Skips the calling test case, saying so, when chromium is missing. */
#define SKIP_WITHOUT_CHROMIUM()                                                        \
    do {                                                                               \
        if (!chromium_path()) {                                                        \
            print_message("skipped: no chromium (install Debian's chromium)\n");      \
            skip();                                                                    \
        }                                                                              \
    } while (0)

/* --- h5dump ------------------------------------------------------------------------ */

bool have_h5dump(void);

typedef struct {
    char type[256];   /* the DATATYPE line's text, e.g. "H5T_IEEE_F64LE" */
    char **tok;       /* the values, as h5dump prints them */
    size_t n;
    char *text;       /* the whole output */
} h5dump_out;

void h5dump_free(h5dump_out *o);

/* Runs cmd in a shell: its whole standard output (malloc'd, NUL-ended;
 * NULL if it could not run) and, in *status, pclose's status. */
char *run_command(const char *cmd, int *status);
/* Runs a Python program (NumPy as np, dask.array as da, key_split) in the
 * scratch directory: its output (free it); fails the test when Python does. */
char *py_dask(const char *prog);
/* "ntasks;op=n,op=n" over the layers of a (at most 64), ops sorted by name:
 * what the tests' Python prints for Dask's graph of the same expression.
 * The length written. */
size_t layer_signature(const dusk_array *a, char *buf, size_t n);

/* Runs `h5dump -d dataset -y -w 0 -m %.17g path` and splits the DATA
 * block into values. 0 on success. extra: more options ("-p -H") to get
 * the header only (then no values). */
int run_h5dump(const char *path, const char *dataset, const char *extra,
               h5dump_out *o);
/* Computes a on the given scheduler (threads: 3 workers), failing the test
 * with the message when it does not compute. */
dusk_value *compute_on(dusk_array *a, dusk_sched_kind kind);

/* a's chunks as Dask prints them: ((5, 5, 5), (10, 5)). */
void all_chunks_text(const dusk_array *a, char *buf, size_t n);

/* a is in the error state code, and its message has frag1 and frag2. */
void assert_error(const dusk_array *a, int code, const char *frag1, const char *frag2);

/* --- test data for the array operations (slicing, joins, products) ------ */

/* A C-contiguous buffer (malloc'd) of shape with distinct-ish values of
 * dtype t: f8 f4 i8 i4 u1 and bool. */
void *fill_buffer(dusk_dtype t, int ndim, const int64_t *shape, uint64_t seed);
/* The same, or (small) values within +-20 (u1: 0..40), so that integer
 * products and sums of products never overflow. */
void *fill_values(dusk_dtype t, int ndim, const int64_t *shape, uint64_t seed, bool small);
/* Tasks of a's graph in layers whose op is op. */
int64_t count_op(const dusk_array *a, const char *op);

/* --- a scratch directory per test program ------------------------------- */

/* The program's scratch directory, made by scratch_setup (a cmocka group
 * setup: /tmp/dusk-<program>-XXXXXX) and removed with all it holds by
 * scratch_teardown. */
extern char scratch_dir[256];
int scratch_setup(void **state);
int scratch_teardown(void **state);
/* scratch_dir/name; the last 8 answers stay valid. */
const char *scratch(const char *name);

/* --- two workers holding memory at once ------------------------------------ */

/* hog_task(n): holds n MiB of touched memory for 300 ms, in its worker,
 * once another hog of the run holds its own (up to 10 s): each marks the
 * scratch directory with "hog.PID", which the other's process sees, so
 * the two overlap however late either worker starts. hogs_held counts the
 * marks, and with clear removes them (a test's hogs start from none). */
int hog_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
             void *ud);
int hogs_held(int clear);

/* --- task functions for failures ------------------------------------------ */

/* A task function that always fails: DUSK_EIO, "disk on fire". */
int fail_task(dusk_value *const *args, size_t nargs, dusk_value **out, dusk_error *err,
              void *ud);

/* <build>/name, where <build> is the build tree this test program is in
 * (it is <build>/tests/<library>/test_<name>: build/ or build/san-<list>/);
 * name "" gives the tree itself. 0, or -1 when this program's path cannot
 * be read. */
int build_path(char *out, size_t n, const char *name);

/* --- a recorded run (tests/viz) ---------------------------------------------- */

/* Runs key of g on the threads scheduler with 2 workers and a
 * dusk_viz_recorder (which the caller frees); fails the test if the run
 * fails or the recorder lost an event. */
dusk_viz_recorder *run_recorded(dusk_graph *g, const char *key);

/* Runs key of g (dusk_get's default options) under a new dusk_profiler
 * recording everything, which the caller frees; fails the test if the run
 * fails. */
dusk_profiler *run_profiled(dusk_graph *g, const char *key);

/* Headless SDL for the gui tests: SDL's dummy video driver with the
 * software renderer (the same pixels on every machine), set in the
 * environment; then SDL up with a hidden w x h window and its renderer (0,
 * or -1 with SDL's message on stderr), and both down again. */
struct SDL_Window;
struct SDL_Renderer;
void sdl_headless_env(void);
int sdl_headless_open(int w, int h, struct SDL_Window **win, struct SDL_Renderer **ren);
void sdl_headless_close(struct SDL_Window **win, struct SDL_Renderer **ren);

#endif /* DUSK_TESTS_HELPERS_H */
