/*
** dusk — the version, and the mark of the public API
** Library: libdusk (core/error.c has dusk_version).
**
** DUSK_VERSION is the version of the headers; dusk_version() the version
** of the library a program runs with (they differ when a program built
** against one version runs with another's shared library).
**
** DUSK_API marks each public function and object: the libraries are built
** with hidden visibility, so what it marks is all they export, and
** dusk's internal names (dusk__*) can change freely between versions.
*/
#ifndef DUSK_VERSION_H
#define DUSK_VERSION_H

#define DUSK_VERSION_MAJOR 0
#define DUSK_VERSION_MINOR 1
#define DUSK_VERSION_PATCH 0
#define DUSK_VERSION "0.1.0"
/* One number that grows with every version: 10000 * major + 100 * minor + patch. */
#define DUSK_VERSION_NUMBER \
    (DUSK_VERSION_MAJOR * 10000 + DUSK_VERSION_MINOR * 100 + DUSK_VERSION_PATCH)

#if defined(__GNUC__) || defined(__clang__)
#define DUSK_API __attribute__((visibility("default")))
#else
#define DUSK_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The running library's version text ("0.1.0") and, when number is not
 * NULL, its DUSK_VERSION_NUMBER. */
DUSK_API const char *dusk_version(int *number);

#ifdef __cplusplus
}
#endif
#endif /* DUSK_VERSION_H */
