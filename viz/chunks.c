/*
** dusk viz — the picture of an array's chunks
**
** What Dask shows beside an array's table in a notebook (Array.to_svg): the
** array drawn as a bar (1-d), a rectangle (2-d) or a box (3-d; of more axes,
** the last three, the others written under it), a line at each chunk
** boundary, and each axis's length along its edge. A class sees at once how
** an array is cut: thin slabs or square tiles, a few blocks or thousands.
**
** Axes are drawn in proportion to their lengths, but a ratio past 5 is
** compressed (logarithmically, to at most 25), so that an axis of 10 beside
** one of 1,000,000 still shows. An axis of more than 20 chunks gets 20 of
** its boundaries' lines, evenly picked (the outer edges always), as Dask
** draws them: past that, lines would only fill the picture.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/array.h"
#include "dusk/viz.h"
#include "core/util.h"

#define MAX_LINES 20      /* interior and outer boundary lines per axis, at most */
#define FILL "#ecb172"   /* the faces: a warm orange, as a notebook reader knows it */

typedef struct {
    int64_t n;              /* cells along the axis */
    int64_t nb;             /* blocks */
    const int64_t *chunks;
    double len;             /* drawn length, pixels */
} axis;

/* The drawn length of an axis of n cells, the longest being mx. */
static double drawn(double size, int64_t n, int64_t mx)
{
    double ratio = (double)mx / (double)(n > 0 ? n : 1);
    if (ratio > 5)
        ratio = fmin(25, 5 * (1 + log(ratio / 5)));
    return size / ratio;
}

/* Where boundary k (0..nb) of the axis is drawn, as a fraction of its length. */
static double frac(const axis *a, int64_t k)
{
    if (a->n <= 0)
        return k ? 1 : 0;
    int64_t at = 0;
    for (int64_t i = 0; i < k; i++)
        at += a->chunks[i];
    return (double)at / (double)a->n;
}

/* The boundaries drawn: all of them, or MAX_LINES evenly picked, the outer
 * two always among them. Writes their indices, returns how many. */
static int picked(const axis *a, int64_t *out)
{
    int64_t total = a->nb + 1;
    if (total <= MAX_LINES) {
        for (int64_t k = 0; k < total; k++)
            out[k] = k;
        return (int)total;
    }
    for (int i = 0; i < MAX_LINES; i++)
        out[i] = (int64_t)((double)i * (double)(total - 1) / (MAX_LINES - 1) + 0.5);
    return MAX_LINES;
}

static void line(dusk__buf *b, double x1, double y1, double x2, double y2, int outer)
{
    dusk__buf_printf(b, "  <line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "style=\"stroke-width:%d\"/>\n", x1, y1, x2, y2, outer ? 2 : 1);
}

/* Lines across a parallelogram face: along axis a (boundaries at
 * fractions of vector (ax, ay)), each from p + f*(ax, ay) to that plus
 * (bx, by). */
static void face_lines(dusk__buf *b, const axis *a, double px, double py, double ax, double ay,
                       double bx, double by)
{
    int64_t k[MAX_LINES + 1];
    int n = picked(a, k);
    for (int i = 0; i < n; i++) {
        double f = frac(a, k[i]);
        double x = px + f * ax, y = py + f * ay;
        line(b, x, y, x + bx, y + by, k[i] == 0 || k[i] == a->nb);
    }
}

static void face(dusk__buf *b, double x1, double y1, double x2, double y2, double x3, double y3,
                 double x4, double y4)
{
    dusk__buf_printf(b, "  <polygon points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\" "
                        "style=\"fill:" FILL ";fill-opacity:0.63;stroke-width:0\"/>\n",
                     x1, y1, x2, y2, x3, y3, x4, y4);
}

static void label(dusk__buf *b, double x, double y, double angle, int64_t n)
{
    dusk__buf_printf(b, "  <text x=\"%.1f\" y=\"%.1f\" font-size=\"1.0rem\" "
                        "font-weight=\"100\" text-anchor=\"middle\"", x, y);
    if (angle != 0)
        dusk__buf_printf(b, " transform=\"rotate(%g,%.1f,%.1f)\"", angle, x, y);
    dusk__buf_printf(b, ">%lld</text>\n", (long long)n);
}

int dusk_viz_chunks_svg(const dusk_array *a, int size, char **buf, size_t *len, dusk_error *err)
{
    if (buf)
        *buf = NULL;
    if (len)
        *len = 0;
    if (!a || !buf)
        return dusk_error_set(err, DUSK_EINVAL, "dusk_viz_chunks_svg: %s is NULL",
                              !a ? "a" : "buf");
    int rc = dusk_array_status(a, err);
    if (rc)
        return rc;
    int ndim = dusk_array_ndim(a);
    if (ndim == 0)
        return dusk_error_set(err, DUSK_EINVAL, "chunks_svg: a 0-d array (one number) has no "
                              "chunks to draw");
    if (size <= 0)
        size = 120;   /* Dask's size in a notebook's table */
    if (size > 100000)
        return dusk_error_set(err, DUSK_EINVAL, "chunks_svg: a size of %d pixels is too large",
                              size);
    const int64_t *shape = dusk_array_shape(a);
    for (int d = 0; d < ndim; d++)
        if (shape[d] == 0)   /* Dask draws none either */
            return dusk_error_set(err, DUSK_EINVAL, "chunks_svg: axis %d has length 0: there "
                                  "is nothing to draw", d);
    for (int d = 0; d < ndim; d++) {
        const int64_t *c = dusk_array_chunks(a, d);
        for (int64_t i = 0; i < dusk_array_numblocks(a, d); i++)
            if (c[i] < 0)
                return dusk_error_set(err, DUSK_EINVAL, "chunks_svg: axis %d of %s has blocks "
                                      "of unknown size: there is nothing to draw yet", d,
                                      dusk_array_name(a));
    }
    /* the drawn axes: the last three at most; a 1-d array is a bar of one row */
    int nd = ndim < 3 ? ndim : 3, first = ndim - nd;
    static const int64_t one = 1;
    axis ax[3];
    int na = 0;
    if (ndim == 1)
        ax[na++] = (axis){1, 1, &one, 0};
    for (int d = first; d < ndim; d++)
        ax[na++] = (axis){shape[d], dusk_array_numblocks(a, d), dusk_array_chunks(a, d), 0};
    int64_t mx = 1;
    for (int i = 0; i < na; i++)
        mx = ax[i].n > mx ? ax[i].n : mx;
    for (int i = 0; i < na; i++)
        ax[i].len = drawn(size, ax[i].n, mx);
    if (ndim == 1)
        ax[0].len = fmax(ax[0].len, 12);   /* a bar stays visible */

    const axis *z = na == 3 ? &ax[0] : NULL, *y = &ax[na - 2], *x = &ax[na - 1];
    double W = x->len, H = y->len, D = z ? z->len / 2 : 0;   /* depth at 45 degrees */
    /* the front face's corner, with room for the depth's label */
    double m = z ? 34 : 10, left = m, top = m + D;
    double width = left + W + D + 40, height = top + H + 40;
    if (first > 0)
        height += 20;
    dusk__buf b = {0};
    dusk__buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                         "height=\"%.0f\" style=\"stroke:rgb(0,0,0)\">\n", width, height);
    /* the front face (axes y and x) */
    face(&b, left, top, left + W, top, left + W, top + H, left, top + H);
    face_lines(&b, y, left, top, 0, H, W, 0);
    face_lines(&b, x, left, top, W, 0, 0, H);
    if (z) {
        /* the top face (z going back up and right, x across) and the right
         * face (z, and y down) */
        face(&b, left, top, left + D, top - D, left + W + D, top - D, left + W, top);
        face(&b, left + W, top, left + W + D, top - D, left + W + D, top - D + H, left + W, top + H);
        face_lines(&b, z, left, top, D, -D, W, 0);
        face_lines(&b, x, left, top, W, 0, D, -D);
        face_lines(&b, z, left + W, top, D, -D, 0, H);
        face_lines(&b, y, left + W, top, 0, H, D, -D);
    }
    /* the lengths: x under the front face, y to the right of it (rotated),
     * z along the top face's left edge */
    label(&b, left + W / 2, top + H + 20, 0, x->n);
    if (ndim > 1)
        label(&b, left + W + D + 20, top - D + H / 2, -90, y->n);
    if (z)
        label(&b, left + D / 2 - 10, top - D / 2 - 2, -45, z->n);
    if (first > 0) {
        /* the axes not drawn: this box is one of their product */
        dusk__buf_printf(&b, "  <text x=\"%.1f\" y=\"%.1f\" font-size=\"0.8rem\" "
                             "text-anchor=\"start\">", left, top + H + 44);
        for (int d = 0; d < first; d++)
            dusk__buf_printf(&b, "%s%lld", d ? " &#215; " : "", (long long)shape[d]);
        dusk__buf_printf(&b, " of these</text>\n");
    }
    dusk__buf_puts(&b, "</svg>\n");
    if (b.failed) {
        dusk__buf_free(&b);
        return dusk_error_set(err, DUSK_ENOMEM, "chunks_svg: out of memory");
    }
    *buf = b.data;
    if (len)
        *len = b.len;
    return 0;
}
