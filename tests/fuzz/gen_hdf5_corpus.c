/*
** dusk fuzz seeds — writes tests/fuzz/corpus/hdf5/ (for fuzz_hdf5.c)
**
** Small HDF5 files, each with its dataset at /data (one also at /g/x),
** that between them use the layouts (contiguous, chunked, compact), the
** filters (gzip, shuffle, fletcher32), the element types dusk reads
** (floats, integers of each size and both byte orders, h5py's bool enum)
** and one it does not (strings), ranks 0 to 3, an empty dataset, and both
** the oldest file format (superblock 0, no checksums) and the newest
** (checksummed metadata). Written with libhdf5 itself, without
** modification times, so that the files are the same at every run.
** `make fuzz-corpus` runs it.
*/
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *file;            /* its name in the corpus */
    hid_t type;                  /* element type in the file */
    int rank;
    hsize_t dims[3];
    hsize_t chunk[3];            /* chunk[0] == 0: not chunked */
    int gzip, shuffle, fletcher, compact, latest;
    const char *dataset;         /* NULL: /data */
} seed;

/* Element i's bytes, a number that fits every type (bool enums: 0, 1). */
static void fill(unsigned char *buf, size_t n, size_t esize, int is_bool)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char *e = buf + i * esize;
        memset(e, 0, esize);
        e[0] = (unsigned char)(is_bool ? i & 1 : i * 3 + 1);
    }
}

static int write_seed(const char *dir, const seed *s)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, s->file);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (s->latest)
        H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (f < 0)
        return 1;
    hid_t space = s->rank ? H5Screate_simple(s->rank, s->dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    if (s->chunk[0]) {
        H5Pset_chunk(dcpl, s->rank, s->chunk);
        if (s->fletcher)
            H5Pset_fletcher32(dcpl);
        if (s->shuffle)
            H5Pset_shuffle(dcpl);
        if (s->gzip)
            H5Pset_deflate(dcpl, (unsigned)s->gzip);
    } else if (s->compact) {
        H5Pset_layout(dcpl, H5D_COMPACT);
    }
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    const char *name = s->dataset ? s->dataset : "/data";
    hid_t d = H5Dcreate2(f, name, s->type, space, lcpl, dcpl, H5P_DEFAULT);
    int bad = d < 0;
    if (!bad) {
        hssize_t n = H5Sget_simple_extent_npoints(space);
        size_t esize = H5Tget_size(s->type);
        unsigned char buf[4096];
        if (H5Tget_class(s->type) == H5T_STRING) {
            const char *words[2] = {"dusk", "fuzz"};
            bad = H5Dwrite(d, s->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, words) < 0;
        } else if (n > 0 && (size_t)n * esize <= sizeof buf) {
            fill(buf, (size_t)n, esize, H5Tget_class(s->type) == H5T_ENUM);
            bad = H5Dwrite(d, s->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0;
        }
        H5Dclose(d);
    }
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    if (H5Fclose(f) < 0)
        bad = 1;
    if (bad)
        fprintf(stderr, "gen_hdf5_corpus: cannot write %s\n", path);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_hdf5_corpus DIR\n");
        return 2;
    }
    hid_t boolean = H5Tenum_create(H5T_NATIVE_INT8);
    int8_t no = 0, yes = 1;
    H5Tenum_insert(boolean, "FALSE", &no);
    H5Tenum_insert(boolean, "TRUE", &yes);
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    const seed seeds[] = {
        {"contiguous-f8-2d", H5T_IEEE_F64LE, 2, {4, 5}, {0}, 0, 0, 0, 0, 0, NULL},
        {"chunked-i4-3d", H5T_STD_I32LE, 3, {4, 3, 2}, {2, 2, 1}, 0, 0, 0, 0, 0, NULL},
        {"gzip-f4-1d", H5T_IEEE_F32LE, 1, {100}, {16}, 6, 0, 0, 0, 0, NULL},
        {"shuffle-gzip-u2-2d", H5T_STD_U16LE, 2, {10, 10}, {5, 5}, 4, 1, 0, 0, 0, NULL},
        {"fletcher32-f8-1d", H5T_IEEE_F64LE, 1, {12}, {5}, 0, 0, 1, 0, 0, NULL},
        {"compact-i2-2d", H5T_STD_I16LE, 2, {3, 3}, {0}, 0, 0, 0, 1, 0, NULL},
        {"bigendian-i4-1d", H5T_STD_I32BE, 1, {7}, {0}, 0, 0, 0, 0, 0, NULL},
        {"bool-1d", boolean, 1, {8}, {0}, 0, 0, 0, 0, 0, NULL},
        {"scalar-i8", H5T_STD_I64LE, 0, {0}, {0}, 0, 0, 0, 0, 0, NULL},
        {"empty-u1-2d", H5T_STD_U8LE, 2, {0, 3}, {0}, 0, 0, 0, 0, 0, NULL},
        {"latest-gzip-u8-2d", H5T_STD_U64LE, 2, {6, 4}, {3, 4}, 1, 0, 0, 0, 1, NULL},
        {"latest-i1-group", H5T_STD_I8LE, 1, {9}, {0}, 0, 0, 0, 0, 1, "/g/x"},
        {"group-u4-2d", H5T_STD_U32LE, 2, {2, 6}, {1, 3}, 0, 0, 0, 0, 0, "/g/x"},
        {"strings-1d", str, 1, {2}, {0}, 0, 0, 0, 0, 0, NULL},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
        bad |= write_seed(argv[1], &seeds[i]);
    H5Tclose(boolean);
    H5Tclose(str);
    return bad;
}
