/*
** examples/map_blocks.c — your own C function on every block of an array
**
** dask.array's map_blocks, in C: a per-block normalisation (each block
** less its own mean, over its own standard deviation), then a map_blocks
** that changes the chunks (one number per block: its mean, using the
** block's index), a reduction with your own chunk and aggregate
** functions (the largest |x|), and a stencil with map_overlap (the mean
** of each cell's 3 x 3 neighbourhood, across block edges).
**
**     x = da.random.normal(5, 2, size=(1000, 1000), chunks=(250, 250))
**     y = x.map_blocks(standardise, dtype='f8')
**     means = y.map_blocks(block_mean, chunks=(1, 1), dtype='f8')
**     top = da.reduction(y, abs_max, abs_max, dtype='f8')
**     smooth = x.map_overlap(blur, depth=1, boundary='reflect', dtype='f8')
**
** A block function gets a dusk_block (its inputs, its index, its place and
** shape, the output dtype) and returns a new ndarray of that shape and
** dtype; its errors come back naming the block's key.
**
** Build and run:  make && ./build/examples/map_blocks
*/
#include <math.h>
#include <stdio.h>

#include <dusk.h>
#include <dusk/array.h>

/* (x - mean) / std of the block */
static int standardise_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)ud;
    const dusk_value *x = b->in[0];
    int64_t n = dusk_ndarray_size(x);
    if (n < 2)
        return dusk_error_set(err, DUSK_EINVAL, "a block of %lld elements has no spread",
                              (long long)n);
    const double *p = dusk_ndarray_data(x);   /* float64, C order: what dusk makes */
    double sum = 0, sq = 0;
    for (int64_t k = 0; k < n; k++)
        sum += p[k];
    double mean = sum / (double)n;
    for (int64_t k = 0; k < n; k++)
        sq += (p[k] - mean) * (p[k] - mean);
    double sd = sqrt(sq / (double)n);
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, b->ndim, b->chunk_shape);
    if (!r)
        return DUSK_ENOMEM;
    double *o = dusk_ndarray_data(r);
    for (int64_t k = 0; k < n; k++)
        o[k] = (p[k] - mean) / sd;
    *out = r;
    return 0;
}
static const dusk_block_func standardise =
    DUSK_BLOCK_FUNC(standardise, "standardise", standardise_fn, NULL);

/* one element per block: its mean (chunks "(1, 1)" say so) */
static int block_mean_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    const double *p = dusk_ndarray_data(x);
    double s = 0;
    for (int64_t k = 0; k < dusk_ndarray_size(x); k++)
        s += p[k];
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, b->ndim, b->chunk_shape);   /* (1, 1) */
    if (!r)
        return DUSK_ENOMEM;
    *(double *)dusk_ndarray_data(r) = s / (double)dusk_ndarray_size(x);
    if (b->block_id[0] == 1 && b->block_id[1] == 2)   /* which block this is */
        printf("block_mean: block (1, 2) of a %lld x %lld grid, a %lld x %lld input\n",
               (long long)b->numblocks[0], (long long)b->numblocks[1],
               (long long)dusk_ndarray_shape(x)[0], (long long)dusk_ndarray_shape(x)[1]);
    *out = r;
    return 0;
}
static const dusk_block_func block_mean =
    DUSK_BLOCK_FUNC(block_mean, "block_mean", block_mean_fn, NULL);

/* max |x| over b->axes, keeping them as length 1 (a 2-d block to 1 x 1):
 * the same function serves as chunk and aggregate step */
static int abs_max_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    const double *p = dusk_ndarray_data(x);
    double m = 0;
    for (int64_t k = 0; k < dusk_ndarray_size(x); k++)
        m = fabs(p[k]) > m ? fabs(p[k]) : m;
    dusk_value *r = dusk_ndarray_empty(DUSK_DT_F8, b->ndim, b->chunk_shape);
    if (!r)
        return DUSK_ENOMEM;
    *(double *)dusk_ndarray_data(r) = m;   /* (1, 1), or () without keepdims */
    *out = r;
    return 0;
}
static const dusk_block_func abs_max = DUSK_BLOCK_FUNC(abs_max, "abs_max", abs_max_fn, NULL);

/* the mean of each cell's 3 x 3 neighbourhood; map_overlap grew the block
 * by one cell on each side, which it trims off again afterwards */
static int blur_fn(const dusk_block *b, dusk_value **out, dusk_error *err, void *ud)
{
    (void)err;
    (void)ud;
    const dusk_value *x = b->in[0];
    const int64_t *s = dusk_ndarray_shape(x);
    dusk_value *r = dusk_ndarray_new(DUSK_DT_F8, 2, s);   /* zeros: the rim is trimmed */
    if (!r)
        return DUSK_ENOMEM;
    const double *p = dusk_ndarray_data(x);
    double *o = dusk_ndarray_data(r);
    for (int64_t i = 1; i + 1 < s[0]; i++)
        for (int64_t j = 1; j + 1 < s[1]; j++) {
            double sum = 0;
            for (int di = -1; di <= 1; di++)
                for (int dj = -1; dj <= 1; dj++)
                    sum += p[(i + di) * s[1] + j + dj];
            o[i * s[1] + j] = sum / 9;
        }
    *out = r;
    return 0;
}
static const dusk_block_func blur = DUSK_BLOCK_FUNC(blur, "blur", blur_fn, NULL);

int main(void)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_random_normal(ctx, 42, 5, 2, DUSK_SHAPE(1000, 1000), "(250, 250)");
    dusk_array *y = dusk_map_blocks(&standardise, &x, 1, DUSK_DT_F8, NULL);
    dusk_map_options mo = DUSK_MAP_OPTIONS_INIT;
    mo.chunks = "(1, 1)";
    dusk_array *means = dusk_map_blocks(&block_mean, &y, 1, DUSK_DT_F8, &mo);
    dusk_array *top = dusk_array_reduction(y, &abs_max, NULL, &abs_max, DUSK_ALL_AXES, false,
                                           DUSK_DT_F8, 0, NULL);
    char table[1024];
    dusk_array_describe(y, table, sizeof table);
    printf("y = x.map_blocks(standardise):\n%s", table);
    dusk_layer_info li[16];
    size_t nl = dusk_array_layers(top, li, 16);
    printf("the reduction's layers:");
    for (size_t i = 0; i < nl && i < 16; i++)
        printf(" %s (%lld)", li[i].op, (long long)li[i].ntasks);
    printf("\n");

    dusk_error err = DUSK_ERROR_INIT;
    dusk_value *m = NULL, *t = NULL;
    if (dusk_array_compute(means, NULL, &m, &err) || dusk_array_compute(top, NULL, &t, &err)) {
        fprintf(stderr, "map_blocks: %s\n", err.msg);
        dusk_array_ctx_free(ctx);
        return 1;
    }
    const double *mv = dusk_ndarray_data(m);
    double worst = 0;
    for (int64_t k = 0; k < dusk_ndarray_size(m); k++)
        worst = fabs(mv[k]) > worst ? fabs(mv[k]) : worst;
    double tv = *(const double *)dusk_ndarray_data(t);
    printf("block means of y: %lld of them, the largest |mean| %.1e\n",
           (long long)dusk_ndarray_size(m), worst);
    printf("largest |y|: %.3f standard deviations\n", tv);
    int ok = dusk_ndarray_size(m) == 16 && worst < 1e-12 && tv > 3 && tv < 7;

    /* the stencil: cell (250, 250) is a block's corner, its neighbours in
     * three other blocks */
    int64_t depth[2] = {1, 1};
    dusk_array *smooth = dusk_map_overlap(&blur, x, depth, DUSK_BOUNDARY_REFLECT, 0, DUSK_DT_F8,
                                          NULL);
    dusk_value *sv = NULL, *xv = NULL;
    if (dusk_array_compute(smooth, NULL, &sv, &err) || dusk_array_compute(x, NULL, &xv, &err)) {
        fprintf(stderr, "map_overlap: %s\n", err.msg);
        ok = 0;
    } else {
        const double *xs = dusk_ndarray_data(xv), *ss = dusk_ndarray_data(sv);
        double want = 0;
        for (int di = -1; di <= 1; di++)
            for (int dj = -1; dj <= 1; dj++)
                want += xs[(250 + di) * 1000 + 250 + dj];
        want /= 9;
        printf("x.map_overlap(blur, depth=1, boundary='reflect'): %lld tasks; at (250, 250) "
               "%.6f, by hand %.6f\n", (long long)dusk_array_ntasks(smooth), ss[250 * 1000 + 250],
               want);
        ok = ok && fabs(ss[250 * 1000 + 250] - want) < 1e-12;
    }
    dusk_value_unref(sv);
    dusk_value_unref(xv);
    dusk_value_unref(m);
    dusk_value_unref(t);
    dusk_array_ctx_free(ctx);
    return ok ? 0 : 1;
}
