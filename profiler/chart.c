/*
** dusk profiler — charts through cairo: PNG, SVG and PDF
**
** Panels stacked on one time axis, like Dask's visualize([prof, rprof,
** cprof]): the task stream (a row per worker, a box per task coloured by
** function; a row has a lane per level of the slices that another tool's
** trace nests on a thread: dusk__task_lanes), memory (RSS and held
** bytes), CPU % and cache size per task group. Each panel has a title, a
** legend, a framed plot area with labelled y ticks and the shared time
** ticks under it; the time axis is labelled once, at the bottom.
**
** Large profiles stay cheap to draw and small to store: in a lane a
** box that would only repaint pixels already painted in its colour is
** skipped, and cache series are drawn from per-pixel maxima.
**
** Colours: functions in order of total time take the colours of a
** 20-colour palette (Category20's strong shades first); any other name
** gets a palette colour from a hash of its text, so that a group named as
** a function (key_split("inc-5") is "inc") matches it.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "prof.h"

#define HALF_PI 1.57079632679489661923

/* The sanitizer suppressions for fontconfig's caches are in core/alloc.c,
 * which every dusk program links. */

static const double palette[20][3] = {
    {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
    {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
    {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
    {0.090, 0.745, 0.812}, {0.682, 0.780, 0.910}, {1.000, 0.733, 0.471},
    {0.596, 0.875, 0.541}, {1.000, 0.596, 0.588}, {0.773, 0.690, 0.835},
    {0.769, 0.612, 0.580}, {0.969, 0.714, 0.824}, {0.780, 0.780, 0.780},
    {0.859, 0.859, 0.553}, {0.620, 0.855, 0.898},
};

void dusk__colour(dusk_profiler *p, const char *name, double rgb[3])
{
    size_t k = 0;
    int found = 0;
    if (p && p->have_summary)
        for (size_t i = 0; i < p->nfstats && i < 20; i++)
            if (!strcmp(p->fstats[i].func, name)) {
                k = i;
                found = 1;
                break;
            }
    if (!found) {
        k = (size_t)(dusk__fnv(DUSK__FNV_INIT, name, strlen(name)) % 20);
    }
    memcpy(rgb, palette[k], sizeof palette[k]);
}

void dusk_profiler_colour(dusk_profiler *p, const char *name, uint8_t rgb[3])
{
    if (!rgb)
        return;
    double c[3];
    if (p)
        dusk__summary(p);   /* the functions' order; on failure, colours by hash */
    dusk__colour(p, name ? name : "", c);
    for (int i = 0; i < 3; i++)
        rgb[i] = (uint8_t)lround(c[i] * 255.0);
}

/* --- layout and axes --------------------------------------------------------- */

/* RIGHT: the margin right of the plots, room for the held bytes' own
 * scale (memory) */
enum { HEAD = 22, MAX_LEGEND = 16, RIGHT = 60 };

typedef struct frame {
    double x, y, w, h;        /* the plot area */
} frame;

typedef struct chart {
    cairo_t *cr;
    dusk_profiler *p;
    int nw;                   /* workers (rows of the task stream) */
    uint32_t *depth, *rows;   /* lanes: see dusk__task_lanes */
    size_t nlanes;
    double width, height;
    double t0, t1;            /* ns at the left and right edges */
    double tscale;            /* ns per unit shown on the axis */
    const char *tunit;
} chart;

static double tx(const chart *c, const frame *f, double ns)
{
    return f->x + f->w * (c->t1 > c->t0 ? (ns - c->t0) / (c->t1 - c->t0) : 0);
}

/* A "nice" step (1, 2 or 5 times a power of ten) near range / n. */
static double nice_step(double range, int n)
{
    if (!(range > 0))
        return 1;
    double raw = range / n, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

static void set_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

/* Text with its anchor: ax 0 left, 0.5 centre, 1 right; ay likewise from
 * the top. */
static void text(cairo_t *cr, double x, double y, double ax, double ay, const char *s)
{
    cairo_text_extents_t e;
    cairo_font_extents_t fe;
    dusk__buf b = {0};
    /* a name that is not UTF-8 would put cr in an error state: no chart */
    if ((s = dusk__utf8_text(s, &b)) != NULL) {
        cairo_text_extents(cr, s, &e);
        cairo_font_extents(cr, &fe);
        cairo_move_to(cr, x - ax * e.x_advance, y - ay * (fe.ascent + fe.descent) + fe.ascent);
        cairo_show_text(cr, s);
    }
    dusk__buf_free(&b);
}

static double text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t e = {0};
    dusk__buf b = {0};
    if ((s = dusk__utf8_text(s, &b)) != NULL)
        cairo_text_extents(cr, s, &e);
    dusk__buf_free(&b);
    return e.x_advance;
}

static void rgb(cairo_t *cr, const double c[3]) { cairo_set_source_rgb(cr, c[0], c[1], c[2]); }

static void grey(cairo_t *cr, double v) { cairo_set_source_rgb(cr, v, v, v); }

static void fmt_num(char *out, size_t n, double v, double step)
{
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6)
        dec = 6;
    snprintf(out, n, "%.*f", dec, v);
}

/* The time ticks under a panel (labels only when labels is set). */
static void time_axis(chart *c, const frame *f, int labels)
{
    cairo_t *cr = c->cr;
    double range = (c->t1 - c->t0) / c->tscale;
    double step = nice_step(range, (int)(f->w / 90) > 2 ? (int)(f->w / 90) : 2);
    set_font(cr, 10, 0);
    cairo_set_line_width(cr, 1);
    for (double v = 0; v <= range * (1 + 1e-9); v += step) {
        double x = floor(tx(c, f, c->t0 + v * c->tscale)) + 0.5;
        grey(cr, 0.9);
        cairo_move_to(cr, x, f->y);
        cairo_line_to(cr, x, f->y + f->h);
        cairo_stroke(cr);
        grey(cr, 0.3);
        cairo_move_to(cr, x, f->y + f->h);
        cairo_line_to(cr, x, f->y + f->h + 4);
        cairo_stroke(cr);
        if (labels) {
            char s[32];
            fmt_num(s, sizeof s, v, step);
            text(cr, x, f->y + f->h + 6, 0.5, 0, s);
        }
    }
}

/* The top of a value axis over range, rounded up to a tick of a step that
 * gives a tick every 28 pixels or so of f; a step higher when the data
 * would come within 2 % of it. */
static double axis_top(const frame *f, double range, double *step)
{
    int n = (int)(f->h / 28);
    *step = nice_step(range, n < 2 ? 2 : n);
    double vtop = ceil(range / *step - 1e-9) * *step;
    if (vtop <= 0)
        vtop = *step;
    else if (range > 0 && vtop - range < 0.02 * vtop)
        vtop += *step;   /* a curve's top would lie on the frame, unseen */
    return vtop;
}

/* y ticks from 0 to top, labelled with unit scaling. Returns the top. */
static double value_axis(chart *c, const frame *f, double top, double scale, const char *title)
{
    cairo_t *cr = c->cr;
    double step, vtop = axis_top(f, top / scale, &step);
    set_font(cr, 10, 0);
    cairo_set_line_width(cr, 1);
    for (double v = 0; v <= vtop * (1 + 1e-9); v += step) {
        double y = floor(f->y + f->h - f->h * v / vtop) + 0.5;
        grey(cr, 0.9);
        cairo_move_to(cr, f->x, y);
        cairo_line_to(cr, f->x + f->w, y);
        cairo_stroke(cr);
        grey(cr, 0.3);
        char s[32];
        fmt_num(s, sizeof s, v, step);
        text(cr, f->x - 6, y, 1, 0.5, s);
    }
    /* the axis title, rotated, left of the labels */
    cairo_save(cr);
    set_font(cr, 11, 0);
    grey(cr, 0.2);
    cairo_translate(cr, 14, f->y + f->h / 2);
    cairo_rotate(cr, -HALF_PI);
    text(cr, 0, 0, 0.5, 0.5, title);
    cairo_restore(cr);
    return vtop * scale;
}

static void frame_box(cairo_t *cr, const frame *f)
{
    grey(cr, 0.3);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, floor(f->x) + 0.5, floor(f->y) + 0.5, floor(f->w), floor(f->h));
    cairo_stroke(cr);
}

/* A panel's title, and a legend of n entries to the right of it. */
static void panel_head(chart *c, double y, const char *title, size_t n,
                       const char *const *names, const double (*colours)[3])
{
    cairo_t *cr = c->cr;
    set_font(cr, 12, 1);
    grey(cr, 0.1);
    text(cr, 80, y, 0, 0, title);
    double x = 80 + text_width(cr, title) + 24;
    set_font(cr, 10, 0);
    for (size_t i = 0; i < n; i++) {
        double w = text_width(cr, names[i]);
        if (x + 14 + w > c->width - RIGHT) {
            grey(cr, 0.4);
            text(cr, x, y + 1, 0, 0, "...");
            break;
        }
        rgb(cr, colours[i]);
        cairo_rectangle(cr, x, y + 2, 10, 10);
        cairo_fill(cr);
        grey(cr, 0.2);
        text(cr, x + 14, y + 1, 0, 0, names[i]);
        x += 14 + w + 14;
    }
}

/* --- the task stream's lanes --------------------------------------------------- */

typedef struct slice {
    int32_t worker;
    uint64_t start, end;
    size_t i;
} slice;

/* By worker, then as dusk__task_lanes says a lane's slices come: by
 * start; of those that start together, one of no length first, then the
 * longest; then as recorded. */
static int by_nesting(const void *a, const void *b)
{
    const slice *x = a, *y = b;
    if (x->worker != y->worker)
        return x->worker < y->worker ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    int xz = x->end == x->start, yz = y->end == y->start;
    if (xz != yz)
        return xz ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

size_t dusk__task_lanes(const dusk_profiler *p, int nw, uint32_t **depth_out, uint32_t **rows_out)
{
    size_t n = p->nrecs, total = 0, sp = 0;
    uint32_t *rows = dusk_malloc((nw > 0 ? (size_t)nw : 1) * sizeof *rows), *depth = NULL;
    uint64_t *top = dusk_calloc(nw > 0 ? (size_t)nw : 1, sizeof *top), *open = NULL;
    slice *sl = NULL;
    *depth_out = NULL;
    *rows_out = NULL;
    if (!rows || !top)
        goto fail;
    for (int k = 0; k < nw; k++)
        rows[k] = 1;
    /* Records come by start time: a worker's slices nest when one starts
     * before the latest end of those before it. */
    int nested = 0;
    for (size_t i = 0; i < n && !nested; i++) {
        const dusk_task_record *r = &p->recs[i];
        if (r->start_ns < top[r->worker])
            nested = 1;
        else if (r->end_ns > top[r->worker])
            top[r->worker] = r->end_ns;
    }
    if (nested) {
        depth = dusk_malloc(n * sizeof *depth);
        sl = dusk_malloc(n * sizeof *sl);
        open = dusk_malloc(n * sizeof *open);   /* a worker's slices not yet ended */
        if (!depth || !sl || !open)
            goto fail;
        for (size_t i = 0; i < n; i++)
            sl[i] = (slice){p->recs[i].worker, p->recs[i].start_ns, p->recs[i].end_ns, i};
        qsort(sl, n, sizeof *sl, by_nesting);
        /* Per worker, the ends of the slices not yet ended, innermost
         * last: a slice goes in the lane below the innermost one. One that
         * ends past the end of a slice it started in (badly nested, as
         * viewers say) goes there too: whatever was in its lane before has
         * ended, so no two slices of a lane overlap. */
        for (size_t j = 0; j < n; j++) {
            if (j == 0 || sl[j].worker != sl[j - 1].worker)
                sp = 0;
            while (sp > 0 && open[sp - 1] <= sl[j].start)
                sp--;
            depth[sl[j].i] = (uint32_t)sp;
            open[sp++] = sl[j].end;
            if (sp > rows[sl[j].worker])
                rows[sl[j].worker] = (uint32_t)sp;
        }
    }
    dusk_free(open);
    dusk_free(sl);
    dusk_free(top);
    for (int k = 0; k < nw; k++)
        total += rows[k];
    *depth_out = depth;
    *rows_out = rows;
    return total;
fail:
    dusk_free(rows);
    dusk_free(top);
    dusk_free(depth);
    dusk_free(sl);
    dusk_free(open);
    return 0;
}

/* --- the panels ------------------------------------------------------------------ */


static int workers_of(dusk_profiler *p)
{
    int w = 0;
    for (size_t i = 0; i < p->nruns; i++)
        if (p->runs[i].workers > w)
            w = p->runs[i].workers;
    for (size_t i = 0; i < p->nrecs; i++)
        if (p->recs[i].worker + 1 > w)
            w = p->recs[i].worker + 1;
    return w ? w : 1;
}

static void panel_tasks(chart *c, const frame *f)
{
    cairo_t *cr = c->cr;
    dusk_profiler *p = c->p;
    int nw = c->nw;
    size_t nl = p->nfstats < MAX_LEGEND ? p->nfstats : MAX_LEGEND;
    const char *names[MAX_LEGEND];
    double cols[MAX_LEGEND][3];
    for (size_t i = 0; i < nl; i++) {
        names[i] = p->fstats[i].func;
        dusk__colour(p, names[i], cols[i]);
    }
    panel_head(c, f->y - HEAD, "Task stream (a row per worker, coloured by function)", nl,
               names, (const double(*)[3])cols);
    time_axis(c, f, 1);

    /* rows, worker 0 at the top, of c->rows[k] lanes each; first[k] is
     * the first lane of row k */
    size_t *first = dusk_malloc((size_t)nw * sizeof *first);
    if (!first) {
        frame_box(cr, f);
        return;
    }
    for (int k = 0; k < nw; k++)
        first[k] = k ? first[k - 1] + c->rows[k - 1] : 0;
    double laneh = f->h / (double)c->nlanes, gap = laneh > 6 ? 1.5 : 0;
    set_font(cr, 10, 0);
    /* a label every so many lanes, at the middle of its row */
    size_t label_every = (size_t)ceil(14.0 / laneh), next = 0;
    for (int k = 0; k < nw; k++) {
        if (first[k] < next)
            continue;
        next = first[k] + label_every;
        char s[16];
        snprintf(s, sizeof s, "%d", k);
        grey(cr, 0.3);
        text(cr, f->x - 6, f->y + laneh * ((double)first[k] + c->rows[k] * 0.5), 1, 0.5, s);
    }
    cairo_save(cr);
    set_font(cr, 11, 0);
    grey(cr, 0.2);
    cairo_translate(cr, 14, f->y + f->h / 2);
    cairo_rotate(cr, -HALF_PI);
    text(cr, 0, 0, 0.5, 0.5, "worker");
    cairo_restore(cr);
    if (c->depth) {   /* rows of several lanes: a line between rows */
        grey(cr, 0.86);
        cairo_set_line_width(cr, 1);
        for (int k = 1; k < nw; k++) {
            double y = floor(f->y + laneh * (double)first[k]) + 0.5;
            cairo_move_to(cr, f->x, y);
            cairo_line_to(cr, f->x + f->w, y);
            cairo_stroke(cr);
        }
    }

    /* Boxes. Per lane: the last pixel column painted and its colour. */
    double *last_x = dusk_malloc(c->nlanes * sizeof *last_x);
    uint32_t *last_f = dusk_malloc(c->nlanes * sizeof *last_f);
    double (*fc)[3] = dusk_malloc((p->funcs.n ? p->funcs.n : 1) * sizeof *fc);
    if (last_x && last_f && fc) {
        for (size_t k = 0; k < p->funcs.n; k++)
            dusk__colour(p, dusk__strtab_text(&p->funcs, (int64_t)k), fc[k]);
        for (size_t k = 0; k < c->nlanes; k++) {
            last_x[k] = -1;
            last_f[k] = UINT32_MAX;
        }
        cairo_rectangle(cr, f->x, f->y, f->w, f->h);
        cairo_clip(cr);
        for (size_t i = 0; i < p->nrecs; i++) {
            const dusk_task_record *r = &p->recs[i];
            if (dusk__is_literal(r))   /* no task: Dask runs nothing for 'a': 1 */
                continue;
            size_t k = first[r->worker] + (c->depth ? c->depth[i] : 0);   /* its lane */
            double x0 = tx(c, f, (double)r->start_ns), x1 = tx(c, f, (double)r->end_ns);
            if (x1 - x0 < 1)
                x1 = x0 + 1;
            if (last_f[k] == p->rec_func[i] && x1 <= last_x[k])
                continue;    /* would only repaint its own colour */
            if (last_f[k] == p->rec_func[i] && x0 < last_x[k])
                x0 = last_x[k];
            rgb(cr, fc[p->rec_func[i]]);
            /* Boxes wide enough to tell apart keep a hairline gap, so that
             * tasks back to back do not read as one. */
            double inset = x1 - x0 >= 4 ? 0.5 : 0;
            cairo_rectangle(cr, x0 + inset, f->y + laneh * (double)k + gap, x1 - x0 - 2 * inset,
                            laneh - 2 * gap);
            cairo_fill(cr);
            if (r->status) {   /* a failed task: outlined in red */
                cairo_set_source_rgb(cr, 0.8, 0, 0);
                cairo_set_line_width(cr, 1.5);
                cairo_rectangle(cr, x0, f->y + laneh * (double)k + gap, x1 - x0, laneh - 2 * gap);
                cairo_stroke(cr);
            }
            last_x[k] = x1;
            last_f[k] = p->rec_func[i];
        }
        cairo_reset_clip(cr);
    }
    dusk_free(first);
    dusk_free(last_x);
    dusk_free(last_f);
    dusk_free(fc);
    frame_box(cr, f);
}

/* Unit for bytes up to top: scale and name, in the binary units that
 * dusk prints everywhere (dusk__fmt_bytes, as Dask's format_bytes). */
static double byte_unit(double top, const char **unit)
{
    static const struct { const char *name; double k; } U[] = {
        {"GiB", 1073741824.0}, {"MiB", 1048576.0}, {"kiB", 1024.0},
    };
    for (size_t i = 0; i < sizeof U / sizeof U[0]; i++)
        if (top >= U[i].k) {
            *unit = U[i].name;
            return U[i].k;
        }
    *unit = "bytes";
    return 1;
}

static void polyline_begin(cairo_t *cr, const double c[3], double width)
{
    rgb(cr, c);
    cairo_set_line_width(cr, width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
}

/* Ticks on the right of f for a series on a scale of its own, in its
 * colour, from 0 to top (rounded up to a tick, which it returns). */
static double right_axis(chart *c, const frame *f, double top, double scale, const char *unit,
                         const double col[3])
{
    cairo_t *cr = c->cr;
    double step, vtop = axis_top(f, top / scale, &step);
    set_font(cr, 10, 0);
    rgb(cr, col);
    for (double v = 0; v <= vtop * (1 + 1e-9); v += step) {
        char s[48], num[32];
        fmt_num(num, sizeof num, v, step);
        snprintf(s, sizeof s, "%s %s", num, unit);
        text(cr, f->x + f->w + 5, floor(f->y + f->h - f->h * v / vtop) + 0.5, 0, 0.5, s);
    }
    return vtop * scale;
}

size_t dusk__held_steps(dusk_profiler *p, const dusk_cache_point **out)
{
    *out = NULL;
    if (p->o.cache_metric != DUSK_CACHE_BYTES || !p->nrecs || dusk__cache(p) != 0 ||
        !p->have_cache || !p->nseries[p->nseries_groups])
        return 0;
    const dusk_cache_point *hs = p->series[p->nseries_groups];
    size_t nhs = p->nseries[p->nseries_groups];
    /* a trace whose records carry no bytes (another tool's, format 1)
     * has a series of 0s: then the samples, which know better */
    double most = 0;
    for (size_t i = 0; i < nhs; i++)
        most = hs[i].value > most ? hs[i].value : most;
    for (size_t i = 0; i < p->nsamples; i++)
        if ((double)p->samples[i].held > most)
            return 0;
    *out = hs;
    return nhs;
}

static void panel_memory(chart *c, const frame *f)
{
    cairo_t *cr = c->cr;
    dusk_profiler *p = c->p;
    static const double crss[3] = {0.122, 0.467, 0.706}, cheld[3] = {1.000, 0.498, 0.055};
    double rss_top = 1, held_top = 0;
    for (size_t i = 0; i < p->nsamples; i++) {
        if ((double)p->samples[i].rss > rss_top)
            rss_top = (double)p->samples[i].rss;
        if ((double)p->samples[i].held > held_top)
            held_top = (double)p->samples[i].held;
    }
    /* The samples see the bytes held now and then; the peak the report
     * states is the scheduler's own, at an END between two samples: the
     * scale reaches it, and a dashed line marks it. */
    double peak = (double)dusk__held_peak(p);
    if (peak > held_top)
        held_top = peak;
    /* held far below the RSS (72 B beside 18 MiB) would be a line on the
     * floor: it gets a scale of its own, on the right */
    int own = held_top > 0 && held_top < 0.2 * rss_top;
    double top = own || held_top < rss_top ? rss_top : held_top;
    const char *names[2] = {"RSS (resident memory)",
                            own ? "held by the scheduler (right scale)" : "held by the scheduler"};
    const double cols[2][3] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}};
    const char *unit;
    double scale = byte_unit(top, &unit);
    char title[64];
    snprintf(title, sizeof title, "memory (%s)", unit);
    panel_head(c, f->y - HEAD, "Memory", 2, names, cols);
    time_axis(c, f, 1);
    top = value_axis(c, f, top, scale, title);
    double htop = top;
    if (own) {
        const char *hunit;
        double hscale = byte_unit(held_top, &hunit);
        htop = right_axis(c, f, held_top, hscale, hscale == 1 ? "B" : hunit, cheld);
    }
    cairo_rectangle(cr, f->x, f->y, f->w, f->h);
    cairo_clip(cr);
    /* The bytes held change only at events: they are steps, never a ramp
     * between two samples (which drew them rising before any task ran).
     * With task records counting bytes, the steps are the cache series'
     * total, exact at each END and release; else the samples', each level
     * held until the next sample. */
    const dusk_cache_point *hs = NULL;
    size_t nhs = dusk__held_steps(p, &hs);
    for (int s = 0; s < 2; s++) {
        double sc = s ? htop : top;
        polyline_begin(cr, s ? cheld : crss, 1.8);
        if (s && hs) {
            double y0 = f->y + f->h;
            cairo_move_to(cr, f->x, y0);
            for (size_t i = 0; i < nhs; i++) {
                double x = tx(c, f, (double)hs[i].t_ns), y = f->y + f->h - f->h * hs[i].value / sc;
                cairo_line_to(cr, x, y0);
                cairo_line_to(cr, x, y);
                y0 = y;
            }
            cairo_line_to(cr, f->x + f->w, y0);
            cairo_stroke(cr);
            continue;
        }
        double y0 = 0;
        for (size_t i = 0; i < p->nsamples; i++) {
            double v = (double)(s ? p->samples[i].held : p->samples[i].rss);
            double x = tx(c, f, (double)p->samples[i].t_ns), y = f->y + f->h - f->h * v / sc;
            if (!i)
                cairo_move_to(cr, x, y);
            else if (s)   /* a step: the level held until this sample */
                cairo_line_to(cr, x, y0), cairo_line_to(cr, x, y);
            else
                cairo_line_to(cr, x, y);
            y0 = y;
        }
        cairo_stroke(cr);
    }
    if (peak > 0) {
        double y = floor(f->y + f->h - f->h * peak / htop) + 0.5;
        polyline_begin(cr, cheld, 1);
        cairo_set_dash(cr, (const double[]){4, 3}, 2, 0);
        cairo_move_to(cr, f->x, y);
        cairo_line_to(cr, f->x + f->w, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        char s[48], h[32];
        dusk__fmt_bytes(h, sizeof h, peak);
        snprintf(s, sizeof s, "peak held %s", h);
        set_font(cr, 10, 0);
        if (y - 14 < f->y)   /* near the top: under its line */
            text(cr, f->x + 6, y + 2, 0, 0, s);
        else
            text(cr, f->x + 6, y - 2, 0, 1, s);
    }
    cairo_reset_clip(cr);
    frame_box(cr, f);
}

int dusk__cpu_known(const dusk_profiler *p, size_t i)
{
    if (i == 0 || i >= p->nsamples)
        return 0;
    if (p->samples[i].cpu != 0)
        return 1;
    /* 0 is also what a session's first sample says, having no interval
     * before it: it is one when a run began since the sample before */
    for (size_t r = 0; r < p->nruns; r++)
        if (p->runs[r].begin_ns > p->samples[i - 1].t_ns &&
            p->runs[r].begin_ns <= p->samples[i].t_ns)
            return 0;
    return 1;
}

static void panel_cpu(chart *c, const frame *f)
{
    cairo_t *cr = c->cr;
    dusk_profiler *p = c->p;
    const char *names[1] = {"CPU"};
    const double cols[1][3] = {{0.173, 0.627, 0.173}};
    double top = 100;
    for (size_t i = 0; i < p->nsamples; i++)
        if (p->samples[i].cpu > top)
            top = p->samples[i].cpu;
    panel_head(c, f->y - HEAD, "CPU (100% = one core)", 1, names, cols);
    time_axis(c, f, 1);
    top = value_axis(c, f, top, 1, "CPU %");
    cairo_rectangle(cr, f->x, f->y, f->w, f->h);
    cairo_clip(cr);
    polyline_begin(cr, cols[0], 1.8);
    /* A sample's CPU % is the mean over the interval since the sample
     * before: a step over that interval. A session's first sample has no
     * interval (its 0 is no measurement): nothing is drawn for it, and the
     * curve starts at the first interval measured. */
    int pen = 0;
    for (size_t i = 0; i < p->nsamples; i++) {
        if (!dusk__cpu_known(p, i)) {
            pen = 0;
            continue;
        }
        double x0 = tx(c, f, (double)p->samples[i - 1].t_ns);
        double x1 = tx(c, f, (double)p->samples[i].t_ns);
        double y = f->y + f->h - f->h * p->samples[i].cpu / top;
        if (pen)
            cairo_line_to(cr, x0, y);
        else
            cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x1, y);
        pen = 1;
    }
    cairo_stroke(cr);
    cairo_reset_clip(cr);
    frame_box(cr, f);
}

static void panel_cache(chart *c, const frame *f)
{
    cairo_t *cr = c->cr;
    dusk_profiler *p = c->p;
    size_t ng = p->nseries_groups, nb = (size_t)f->w;
    if (nb < 2)
        nb = 2;
    /* The groups with the highest peaks get a line each (most MAX_LEGEND -
     * 1), the dashed line is all groups: only those rows are binned, so the
     * memory is the picture's, whatever the number of groups. */
    size_t rows[MAX_LEGEND];
    size_t nshow = dusk__cache_top(p, (uint64_t)c->t1, MAX_LEGEND - 1, rows + 1);
    rows[0] = ng;
    double *bins = dusk_malloc((nshow + 1) * nb * sizeof *bins);
    if (!bins ||
        dusk__cache_binned(p, (uint64_t)c->t0, (uint64_t)c->t1, nb, rows, nshow + 1, bins) != 0) {
        dusk_free(bins);
        return;
    }
    double top = 1;
    for (size_t i = 0; i < nb; i++)
        if (bins[i] > top)
            top = bins[i];
    const char *names[MAX_LEGEND];
    double cols[MAX_LEGEND][3];
    size_t nl = 0;
    names[nl] = "(all groups)";
    cols[nl][0] = cols[nl][1] = cols[nl][2] = 0.25;
    nl++;
    for (size_t a = 0; a < nshow; a++) {
        names[nl] = dusk__strtab_text(&p->groups, p->group_order[rows[a + 1]]);
        dusk__colour(p, names[nl], cols[nl]);
        nl++;
    }
    int count = p->o.cache_metric == DUSK_CACHE_COUNT;
    const char *unit = "results";
    double scale = count ? 1 : byte_unit(top, &unit);
    char title[64];
    snprintf(title, sizeof title, count ? "results held" : "held (%s)", unit);
    panel_head(c, f->y - HEAD, "Cache (results held per task group)", nl, names,
               (const double(*)[3])cols);
    time_axis(c, f, 1);
    top = value_axis(c, f, top, scale, title);
    cairo_rectangle(cr, f->x, f->y, f->w, f->h);
    cairo_clip(cr);
    for (size_t l = 0; l < nl; l++) {
        polyline_begin(cr, cols[l], l == 0 ? 1.2 : 1.8);
        if (l == 0)
            cairo_set_dash(cr, (const double[]){4, 3}, 2, 0);
        for (size_t i = 0; i < nb; i++) {
            double x = f->x + f->w * (double)i / (double)nb;
            double y = f->y + f->h - f->h * bins[l * nb + i] / top;
            if (i)
                cairo_line_to(cr, x, y);
            else
                cairo_move_to(cr, x, y);
            cairo_line_to(cr, f->x + f->w * (double)(i + 1) / (double)nb, y);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_reset_clip(cr);
    frame_box(cr, f);
    dusk_free(bins);
}

/* --- the whole chart ---------------------------------------------------------- */

typedef struct sink {
    dusk_write_fn write;
    void *closure;
    int failed;
} sink;

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int n)
{
    sink *s = closure;
    if (s->failed || s->write(s->closure, data, n) != 0) {
        s->failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* Which panels have something to show. */
static unsigned panels_with_data(dusk_profiler *p)
{
    unsigned m = 0;
    if (p->nrecs)
        m |= DUSK_PANEL_TASKS;
    if (p->nsamples)
        m |= DUSK_PANEL_MEMORY | DUSK_PANEL_CPU;
    if (p->nseries_groups && p->nseries[p->nseries_groups])
        m |= DUSK_PANEL_CACHE;
    return m;
}

static void draw(chart *c, unsigned panels, const char *title)
{
    cairo_t *cr = c->cr;
    dusk_profiler *p = c->p;
    int nw = c->nw;
    double nl = (double)c->nlanes;   /* nw, unless slices nest */
    double wt[4] = {0, 0, 0, 0};
    if (panels & DUSK_PANEL_TASKS)
        wt[0] = nl <= 4 ? 1.6 : nl <= 16 ? 2.2 : 3.0;
    if (panels & DUSK_PANEL_MEMORY)
        wt[1] = 1;
    if (panels & DUSK_PANEL_CPU)
        wt[2] = 0.8;
    if (panels & DUSK_PANEL_CACHE)
        wt[3] = 1;
    int n = (wt[0] > 0) + (wt[1] > 0) + (wt[2] > 0) + (wt[3] > 0);
    double sum = wt[0] + wt[1] + wt[2] + wt[3];
    /* fixed: the title (36), per panel a head and tick labels (HEAD + 22),
     * the time axis title (24) */
    double avail = c->height - 36 - 24 - n * (HEAD + 22);
    if (avail < n * 20)
        avail = n * 20;

    grey(cr, 1);
    cairo_paint(cr);
    set_font(cr, 15, 1);
    grey(cr, 0.05);
    text(cr, 80, 10, 0, 0, title);
    char info[160], wall[32];
    dusk__fmt_ns(wall, sizeof wall, dusk__wall(p));
    size_t ntasks = p->nrecs;   /* literals are no tasks, as Dask counts */
    for (size_t i = 0; i < p->nrecs; i++)
        ntasks -= dusk__is_literal(&p->recs[i]);
    snprintf(info, sizeof info, "%zu tasks, %zu run%s, %d worker%s, wall %s", ntasks, p->nruns,
             p->nruns == 1 ? "" : "s", nw, nw == 1 ? "" : "s", wall);
    set_font(cr, 11, 0);
    grey(cr, 0.35);
    text(cr, c->width - RIGHT, 13, 1, 0, info);

    double y = 36;
    for (int k = 0; k < 4; k++) {
        if (wt[k] <= 0)
            continue;
        frame f = {80, y + HEAD, c->width - 80 - RIGHT, avail * wt[k] / sum};
        if (f.w < 10)
            f.w = 10;
        switch (k) {
        case 0: panel_tasks(c, &f); break;
        case 1: panel_memory(c, &f); break;
        case 2: panel_cpu(c, &f); break;
        default: panel_cache(c, &f); break;
        }
        y = f.y + f.h + 22;
    }
    char axis[48];
    snprintf(axis, sizeof axis, "time (%s)", c->tunit);
    set_font(cr, 11, 0);
    grey(cr, 0.2);
    text(cr, 80 + (c->width - 80 - RIGHT) / 2, y + 2, 0.5, 0, axis);
}

/* A profile with runs spans them (RUN_BEGIN to RUN_END, the wall time
 * the summary adds up) and their tasks: samples outside (a block's before
 * and after its runs, or a trace's that ran on past the run) are clipped,
 * not allowed to stretch the axis. Without runs (another tool's trace),
 * the tasks and samples. */
uint64_t dusk__time_start(const dusk_profiler *p)
{
    uint64_t t0 = UINT64_MAX;
    for (size_t i = 0; i < p->nruns; i++)
        if (p->runs[i].begin_ns < t0)
            t0 = p->runs[i].begin_ns;
    if (p->nrecs && p->recs[0].start_ns < t0)   /* by start time */
        t0 = p->recs[0].start_ns;
    if (!p->nruns && p->nsamples && p->samples[0].t_ns < t0)
        t0 = p->samples[0].t_ns;
    return t0 < UINT64_MAX ? t0 : 0;
}

double dusk__time_end(const dusk_profiler *p)
{
    double t0 = (double)dusk__time_start(p), t1 = 0;
    for (size_t i = 0; i < p->nruns; i++)
        if ((double)(p->runs[i].begin_ns + p->runs[i].wall_ns) > t1)
            t1 = (double)(p->runs[i].begin_ns + p->runs[i].wall_ns);
    for (size_t i = 0; i < p->nrecs; i++)
        if ((double)p->recs[i].end_ns > t1)
            t1 = (double)p->recs[i].end_ns;
    if (!p->nruns && p->nsamples && (double)p->samples[p->nsamples - 1].t_ns > t1)
        t1 = (double)p->samples[p->nsamples - 1].t_ns;
    return t1 > t0 ? t1 : t0 + 1e6;
}

/* The wall time a chart's header and the report state: the summary's
 * (the runs' RUN_BEGIN to RUN_END, added up); without runs, the span of
 * the time axis. */
double dusk__wall(const dusk_profiler *p)
{
    if (!p->nruns)
        return dusk__time_end(p) - (double)dusk__time_start(p);
    double w = 0;
    for (size_t i = 0; i < p->nruns; i++)
        w += (double)p->runs[i].wall_ns;
    return w;
}

int dusk__chart(dusk_profiler *p, dusk_write_fn write, void *closure,
                const dusk_chart_options *o, dusk_error *err)
{
    static const dusk_chart_options defaults = DUSK_CHART_OPTIONS_INIT;
    if (!o)
        o = &defaults;
    if (o->format < DUSK_CHART_PNG || o->format > DUSK_CHART_PDF)
        return dusk_error_set(err, DUSK_EINVAL, "chart: unknown format %d", (int)o->format);
    if (o->width < 0 || o->height < 0 || o->width > 20000 || o->height > 20000)
        return dusk_error_set(err, DUSK_EINVAL, "chart: size %d x %d is out of range "
                              "(0 or 1..20000)", o->width, o->height);
    int prc = dusk__summary(p);   /* colours follow the functions' order */
    if (!prc)
        prc = dusk__cache(p);
    if (prc || !p->have_summary || !p->have_cache)
        return dusk_error_set(err, DUSK_ENOMEM, "chart: out of memory");
    unsigned panels = o->panels ? o->panels & DUSK_PANEL_ALL : panels_with_data(p);
    if (!panels)
        panels = DUSK_PANEL_TASKS;
    int n = 0;
    for (unsigned m = panels; m; m &= m - 1)
        n++;

    chart c;
    memset(&c, 0, sizeof c);
    c.p = p;
    c.nw = workers_of(p);
    if (!(c.nlanes = dusk__task_lanes(p, c.nw, &c.depth, &c.rows)))
        return dusk_error_set(err, DUSK_ENOMEM, "chart: out of memory");
    c.width = o->width ? o->width : 1000;
    if (o->height) {
        c.height = o->height;
    } else {
        double nl = (double)c.nlanes;   /* the workers, unless slices nest */
        double th = nl * 18.0 < 100 ? 100 : nl * 18.0 > 360 ? 360 : nl * 18.0;
        c.height = 60 + n * (HEAD + 22) + ((panels & DUSK_PANEL_TASKS) ? th : 0) +
                   (n - !!(panels & DUSK_PANEL_TASKS)) * 130;
    }
    if (c.width < 200)
        c.width = 200;
    if (c.height < 100 && !o->height)
        c.height = 100;
    c.t0 = (double)dusk__time_start(p);
    c.t1 = dusk__time_end(p);
    double span = c.t1 - c.t0;
    c.tscale = span >= 2e9 ? 1e9 : span >= 2e6 ? 1e6 : span >= 2e3 ? 1e3 : 1;
    c.tunit = span >= 2e9 ? "s" : span >= 2e6 ? "ms" : span >= 2e3 ? "us" : "ns";

    sink s = {write, closure, 0};
    cairo_surface_t *surf;
    cairo_status_t st0;
    int w = (int)c.width, h = (int)c.height;
    if (o->format == DUSK_CHART_PNG)
        surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    else if (o->format == DUSK_CHART_SVG)
        surf = cairo_svg_surface_create_for_stream(sink_write, &s, w, h);
    else
        surf = cairo_pdf_surface_create_for_stream(sink_write, &s, w, h);
    if ((st0 = cairo_surface_status(surf)) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        dusk_free(c.depth);
        dusk_free(c.rows);
        return dusk_error_set(err, st0 == CAIRO_STATUS_NO_MEMORY ? DUSK_ENOMEM : DUSK_EINVAL,
                              "chart: cannot create a %d x %d surface: %s", w, h,
                              cairo_status_to_string(st0));
    }
    c.cr = cairo_create(surf);
    draw(&c, panels, o->title ? o->title : "dusk profile");
    dusk_free(c.depth);
    dusk_free(c.rows);
    cairo_status_t st = cairo_status(c.cr);
    cairo_destroy(c.cr);
    if (st == CAIRO_STATUS_SUCCESS && o->format == DUSK_CHART_PNG)
        st = cairo_surface_write_to_png_stream(surf, sink_write, &s);
    cairo_surface_finish(surf);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    /* What ran out says what to report: the writer (its own code: see
     * dusk_profiler_chart_to), or cairo's memory, or cairo itself. */
    if (s.failed)
        return dusk_error_set(err, DUSK_EIO, "chart: write failed");
    if (st == CAIRO_STATUS_NO_MEMORY)
        return dusk_error_set(err, DUSK_ENOMEM, "chart: out of memory (cairo)");
    if (st != CAIRO_STATUS_SUCCESS)
        return dusk_error_set(err, DUSK_EIO, "chart: cairo: %s", cairo_status_to_string(st));
    return 0;
}

int dusk_profiler_chart_to(dusk_profiler *p, dusk_write_fn write, void *closure,
                           const dusk_chart_options *o, dusk_error *err)
{
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, write);
    return dusk__chart(p, write, closure, o, err);
}

static int file_write(void *closure, const unsigned char *data, size_t n)
{
    return dusk__atomic_write(closure, data, n);
}

static dusk_chart_format format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot)
        return DUSK_CHART_AUTO;
    char ext[8];
    size_t i = 0;
    for (dot++; *dot && i < sizeof ext - 1; dot++)
        ext[i++] = (char)(*dot >= 'A' && *dot <= 'Z' ? *dot + 32 : *dot);
    ext[i] = '\0';
    return !strcmp(ext, "png") ? DUSK_CHART_PNG : !strcmp(ext, "svg") ? DUSK_CHART_SVG
           : !strcmp(ext, "pdf") ? DUSK_CHART_PDF : DUSK_CHART_AUTO;
}

int dusk_profiler_write_chart(dusk_profiler *p, const char *path, const dusk_chart_options *o,
                              dusk_error *err)
{
    static const dusk_chart_options defaults = DUSK_CHART_OPTIONS_INIT;
    dusk_chart_options co = o ? *o : defaults;
    dusk__atomic out;
    int rc;
    DUSK__NONNULL(err, p);
    DUSK__NONNULL(err, path);
    if (co.format == DUSK_CHART_AUTO && (co.format = format_of(path)) == DUSK_CHART_AUTO)
        return dusk_error_set(err, DUSK_EINVAL,
                              "chart: cannot tell the format of %s (use .png, .svg or .pdf)",
                              path);
    if ((rc = dusk__atomic_open(&out, path, err)) != 0)
        return rc;
    dusk_error e2 = DUSK_ERROR_INIT;
    rc = dusk__chart(p, file_write, &out, &co, &e2);
    if (rc == DUSK_EIO && out.failed) {
        /* the file's write failed: close says why (ENOSPC ...) */
        return dusk__atomic_close(&out, 1, err);
    }
    if (rc) {
        dusk__atomic_close(&out, 0, NULL);
        return dusk_error_set(err, rc, "%s: %s", path, e2.msg);
    }
    return dusk__atomic_close(&out, 1, err);
}
