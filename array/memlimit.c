/*
** dusk — the memory a computation may take, checked before it starts
**
** dusk_array_compute gathers the whole result in memory; asked for an
** 8 TB array on a machine with no address-space limit it would compute
** blocks until the kernel killed the process. So before it builds the
** graph it compares what it will hold with the most this process may
** still take, the smallest of:
**
**   physical memory      sysconf(_SC_PHYS_PAGES) x page size
**   available memory     sysconf(_SC_AVPHYS_PAGES) x page size, or
**                        MemAvailable of /proc/meminfo when larger (free
**                        pages leave out the page cache the kernel gives
**                        back on demand)
**   cgroup v2            memory.max - memory.current of the process's
**                        cgroup (from /proc/self/cgroup) and of each
**                        cgroup above it
**   cgroup v1            memory.limit_in_bytes - memory.usage_in_bytes,
**                        the same way, under /sys/fs/cgroup/memory
**   RLIMIT_AS            the soft limit less the address space in use
**   RLIMIT_DATA          the soft limit less the data segment in use
**                        (/proc/self/statm)
**
** Swap is not counted: a computation that needs it would crawl. What
** cannot be read (no /proc, no cgroup files) limits nothing. A user who
** knows better turns the check off per context
** (dusk_array_ctx_set_memory_check).
*/
#define _DEFAULT_SOURCE  /* _SC_PHYS_PAGES, _SC_AVPHYS_PAGES */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "array.h"
#include "core/util.h"
#include "memlimit.h"

static const dusk__memlimit_paths system_paths = {
    "/proc/self/cgroup", "/proc/meminfo", "/proc/self/statm", "/sys/fs/cgroup",
    "/sys/fs/cgroup/memory",
};

/* Takes bytes as the limit when it is below the one found so far. */
static void consider(dusk__memlimit *m, double bytes, const char *what, const char *where)
{
    if (bytes < 0)
        bytes = 0;
    if (bytes < m->bytes) {
        m->bytes = bytes;
        /* a long cgroup path is cut: the message stays readable */
        if (snprintf(m->what, sizeof m->what, "%s%s%s", what, where ? " of " : "",
                     where ? where : "") >= (int)sizeof m->what)
            memcpy(m->what + sizeof m->what - 4, "...", 4);
    }
}

/* The first number in file path (after the text key, when key is not
 * NULL: "MemAvailable:"), times scale; -1 when unreadable. "max" reads as
 * infinity, as cgroup v2 writes "no limit". */
static double read_number(const char *path, const char *key, double scale)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    double v = -1;
    while (fgets(line, sizeof line, f)) {
        const char *p = line;
        if (key) {
            if (strncmp(line, key, strlen(key)) != 0)
                continue;
            p += strlen(key);
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, "max", 3) == 0) {
            v = INFINITY;
        } else {
            char *end;
            unsigned long long n = strtoull(p, &end, 10);
            if (end != p)
                v = (double)n * scale;
        }
        break;
    }
    fclose(f);
    return v;
}

/* The limit less the usage of cgroup path and of each cgroup above it,
 * under root (the files named limit and usage in each directory). Usage
 * counts the page cache, which the kernel gives back before it kills: the
 * inactive file pages of memory.stat (key cache) are taken off it, as
 * docker stats does, or a container that has read files would look full. */
static void cgroup_walk(dusk__memlimit *m, const char *root, const char *path,
                        const char *limit, const char *usage, const char *cache)
{
    char dir[1024], file[1100];
    snprintf(dir, sizeof dir, "%s", path);
    for (;;) {
        size_t n = strlen(dir);
        while (n > 0 && dir[n - 1] == '/')
            dir[--n] = '\0';
        snprintf(file, sizeof file, "%s%s/%s", root, dir, limit);
        double lim = read_number(file, NULL, 1);
        /* cgroup v1 writes "no limit" as the largest multiple of the page
         * size below 2^63 */
        if (lim >= 0 && lim < 4611686018427387904.0) {
            snprintf(file, sizeof file, "%s%s/%s", root, dir, usage);
            double used = read_number(file, NULL, 1);
            snprintf(file, sizeof file, "%s%s/memory.stat", root, dir);
            double reclaim = read_number(file, cache, 1);
            if (used > 0 && reclaim > 0)
                used = reclaim < used ? used - reclaim : 0;
            snprintf(file, sizeof file, "%s%s/%s", root, dir, limit);
            consider(m, lim - (used > 0 ? used : 0), "the cgroup limit", file);
        }
        if (n == 0)
            break;
        char *slash = strrchr(dir, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
}

/* The process's cgroups from the /proc/self/cgroup file: the v2 line
 * "0::/path" and the v1 line whose controllers include "memory". */
static void cgroups(dusk__memlimit *m, const dusk__memlimit_paths *p)
{
    FILE *f = fopen(p->self_cgroup, "r");
    if (!f)
        return;
    char line[1200];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        const char *controllers = c1 + 1, *path = c2 + 1;
        if (strcmp(line, "0") == 0 && !*controllers) {
            cgroup_walk(m, p->cgroup2, path, "memory.max", "memory.current", "inactive_file ");
            continue;
        }
        for (const char *c = controllers; c && *c;) {
            size_t len = strcspn(c, ",");
            if (len == 6 && strncmp(c, "memory", 6) == 0) {
                cgroup_walk(m, p->cgroup1, path, "memory.limit_in_bytes",
                            "memory.usage_in_bytes", "total_inactive_file ");
                break;
            }
            c = c[len] ? c + len + 1 : NULL;
        }
    }
    fclose(f);
}

/* The soft limit res less what is in use (field of /proc/self/statm, in
 * pages), when there is a limit. */
static void rlimit(dusk__memlimit *m, const dusk__memlimit_paths *p, int res, const char *name,
                   int field, double page)
{
    struct rlimit rl;
    if (getrlimit(res, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return;
    double used = 0;
    FILE *f = fopen(p->statm, "r");
    if (f) {
        unsigned long long v[7];
        if (fscanf(f, "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6]) == 7)
            used = (double)v[field] * page;
        fclose(f);
    }
    consider(m, (double)rl.rlim_cur - used, name, NULL);
}

void dusk__memlimit_read(const dusk__memlimit_paths *p, dusk__memlimit *m)
{
    if (!p)
        p = &system_paths;
    m->bytes = INFINITY;
    m->what[0] = '\0';
    double page = (double)sysconf(_SC_PAGESIZE);
    long phys = sysconf(_SC_PHYS_PAGES), avphys = sysconf(_SC_AVPHYS_PAGES);
    if (phys > 0)
        consider(m, (double)phys * page, "physical memory", NULL);
    double avail = read_number(p->meminfo, "MemAvailable:", 1024);
    if (avphys > 0 && (double)avphys * page > avail)
        consider(m, (double)avphys * page, "available memory", NULL);
    else if (avail >= 0)
        consider(m, avail, "available memory (MemAvailable)", p->meminfo);
    cgroups(m, p);
    rlimit(m, p, RLIMIT_AS, "RLIMIT_AS", 0, page);   /* statm: size */
    rlimit(m, p, RLIMIT_DATA, "RLIMIT_DATA", 5, page);  /* statm: data + stack */
}

/* 0 when need bytes fit; else DUSK_ENOMEM: "<doing> <a> needs <need>, <why>;
 * more than ..." */
static int check(const dusk_array *a, const char *doing, double need, const char *why,
                 dusk_error *err)
{
    if (a->ctx->no_memory_check)
        return 0;
    dusk__memlimit m;
    dusk__memlimit_read(NULL, &m);
    if (need <= m.bytes)
        return 0;
    char nb[32], lb[32], sh[256];
    dusk__fmt_bytes(nb, sizeof nb, need);
    dusk__fmt_bytes(lb, sizeof lb, m.bytes);
    dusk__fmt_array_shape(sh, sizeof sh, a->ndim, a->shape);
    return dusk_error_set(err, DUSK_ENOMEM,
                          "%s %s (%s %s) needs %s, %s; more than the %s this process may "
                          "take (%s); dusk_array_ctx_set_memory_check(ctx, false) skips "
                          "this check",
                          doing, a->L->name, dusk_dtype_name(a->dtype), sh, nb, why, lb, m.what);
}

/* What a task of an array's graph holds while it is built and run, at
 * the least: its key, its arguments, its slot in the plan and the run
 * (measured: 700-800 bytes a block task of ones(...).sum()). An array of
 * a few bytes in 10^10 blocks is refused at once for its graph, rather
 * than after minutes and gigabytes of building it. */
enum { TASK_BYTES = 512 };

/* ", and a graph of N tasks (B at TASK_BYTES a task)" into buf, and its
 * bytes. */
static double graph_need(const dusk_array *a, char *buf, size_t n)
{
    double tasks = (double)dusk_array_ntasks(a), bytes = tasks * TASK_BYTES;
    char gb[32];
    dusk__fmt_bytes(gb, sizeof gb, bytes);
    snprintf(buf, n, ", and its graph of %.0f tasks (%s at %d bytes a task at the least)", tasks,
             gb, TASK_BYTES);
    return bytes;
}

int dusk__memlimit_check_compute(const dusk_array *a, dusk_error *err)
{
    /* an axis of unknown length counts as the most it can hold (bound) */
    double bytes = (double)dusk_dtype_size(a->dtype);
    for (int d = 0; d < a->ndim; d++)
        bytes *= (double)a->bound[d];
    char rb[32], gw[160], why[320];
    double graph = graph_need(a, gw, sizeof gw);
    dusk__fmt_bytes(rb, sizeof rb, bytes);
    snprintf(why, sizeof why, "its blocks and the %s result they are copied into%s", rb, gw);
    return check(a, "computing", 2 * bytes + graph, why, err);
}

int dusk__memlimit_check_compute_many(dusk_array *const *a, size_t n, dusk_error *err)
{
    if (n == 1)
        return dusk__memlimit_check_compute(a[0], err);
    if (a[0]->ctx->no_memory_check)
        return 0;
    double results = 0;
    for (size_t i = 0; i < n; i++) {
        double bytes = (double)dusk_dtype_size(a[i]->dtype);
        for (int d = 0; d < a[i]->ndim; d++)
            bytes *= (double)a[i]->bound[d];
        results += bytes;
    }
    double tasks = (double)dusk_array_ntasks_many(a, n), graph = tasks * TASK_BYTES;
    dusk__memlimit m;
    dusk__memlimit_read(NULL, &m);
    double need = 2 * results + graph;
    if (need <= m.bytes)
        return 0;
    char nb[32], rb[32], gb[32], lb[32];
    dusk__fmt_bytes(nb, sizeof nb, need);
    dusk__fmt_bytes(rb, sizeof rb, results);
    dusk__fmt_bytes(gb, sizeof gb, graph);
    dusk__fmt_bytes(lb, sizeof lb, m.bytes);
    return dusk_error_set(err, DUSK_ENOMEM,
                          "computing %zu arrays together (%s first) needs %s: their blocks and "
                          "the %s of results they are copied into, and their joined graph of "
                          "%.0f tasks (%s at %d bytes a task at the least); more than the %s "
                          "this process may take (%s); dusk_array_ctx_set_memory_check(ctx, "
                          "false) skips this check",
                          n, a[0]->L->name, nb, rb, tasks, gb, TASK_BYTES, lb, m.what);
}

int dusk__memlimit_check_store(const dusk_array *a, const dusk_options *opts, dusk_error *err)
{
    return dusk__memlimit_check_stream(a, opts, "storing", err);
}

int dusk__memlimit_check_stream(const dusk_array *a, const dusk_options *opts, const char *doing,
                                dusk_error *err)
{
    double block = (double)dusk_dtype_size(a->dtype), nblocks = 1;
    int64_t big[DUSK_MAXDIMS];
    for (int d = 0; d < a->ndim; d++) {
        /* the block at the largest size along every axis is a block (where
         * sizes are unknown, the most one can hold: its source block's) */
        big[d] = a->bmax[d];
        block *= (double)big[d];
        nblocks *= (double)a->nb[d];
    }
    int workers = !opts || opts->scheduler != DUSK_SCHED_SYNC
                      ? (opts && opts->workers > 0 ? opts->workers : dusk_ncores())
                      : 1;
    double at_once = (double)workers < nblocks ? (double)workers : nblocks;
    char bb[32], sh[256], gw[160], why[600];
    double graph = graph_need(a, gw, sizeof gw);
    dusk__fmt_bytes(bb, sizeof bb, block);
    dusk__fmt_shape(sh, sizeof sh, a->ndim, big);
    snprintf(why, sizeof why, "at least its largest block, %s %s, on each of %.0f workers at "
             "once%s", sh, bb, at_once, gw);
    return check(a, doing, block * at_once + graph, why, err);
}

void dusk_array_ctx_set_memory_check(dusk_array_ctx *ctx, bool on)
{
    if (ctx)
        ctx->no_memory_check = !on;
}
