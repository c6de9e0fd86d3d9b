/*
** tests/array/h5_read.h — a dataset read back by libhdf5 itself, for the
** array tests that check what dusk wrote (or compare with what it read)
** against the library every other HDF5 client uses. Include after
** <hdf5.h>, <stdlib.h> and <cmocka.h>.
*/
#ifndef DUSK_TESTS_ARRAY_H5_READ_H
#define DUSK_TESTS_ARRAY_H5_READ_H

/* The whole of path:name as doubles, as libhdf5 reads it (*n elements);
 * fails the test when it cannot. The caller frees it. */
static inline double *h5_read_all(const char *path, const char *name, int64_t *n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, name, H5P_DEFAULT) : H5I_INVALID_HID;
    if (d < 0)
        fail_msg("libhdf5 cannot open %s of %s", name, path);
    hid_t s = H5Dget_space(d);
    *n = H5Sget_simple_extent_npoints(s);
    double *v = malloc((size_t)*n * sizeof *v + 1);
    if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        H5Eprint2(H5E_DEFAULT, stderr);
        fail_msg("libhdf5 cannot read %s of %s", name, path);
    }
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    return v;
}

#endif
