/*
** dusk — what an HDF5 group holds, in the words of a message, written
** once. This file is private to dusk: array/h5.c (a group read where a
** dataset was wanted) and the dusk command (cli/eval.c: an --input that
** names no dataset) include it, so that both say it alike.
**
** static inline, as array/npymath.h is: each includer compiles its own,
** and no library exports it.
*/
#ifndef DUSK_ARRAY_H5HELD_H
#define DUSK_ARRAY_H5HELD_H

#include <stdio.h>
#include <string.h>

#include "dusk/value.h"

/* From list, dusk_hdf5_list's tuple of (name, kind) pairs, into held (n
 * bytes): "; it holds the datasets 'a', 'b' (and 3 more)"; with none, the
 * groups, where the datasets are ("; it holds no dataset, only the groups
 * 'g', 'h'"); or "; it holds nothing". Four names of each kind at most,
 * each whole: a long one is counted, not cut. */
static inline void dusk__h5_held(const dusk_value *list, char *held, size_t n)
{
    char names[2][240] = {"", ""};   /* [0] the datasets, [1] the groups */
    size_t len[2] = {0, 0};
    int shown[2] = {0, 0}, more[2] = {0, 0};
    for (size_t i = 0; i < dusk_tuple_len(list); i++) {
        const dusk_value *m = dusk_tuple_get(list, i);
        const char *name = dusk_value_str(dusk_tuple_get(m, 0));
        int k = strcmp(dusk_value_str(dusk_tuple_get(m, 1)), "group") == 0;
        int w = shown[k] < 4 ? snprintf(names[k] + len[k], sizeof names[k] - len[k], "%s'%s'",
                                        shown[k] ? ", " : "", name)
                             : -1;
        if (w > 0 && len[k] + (size_t)w + 1 < sizeof names[k]) {
            len[k] += (size_t)w;
            shown[k]++;
        } else {
            names[k][len[k]] = '\0';
            more[k]++;
        }
    }
    char tail[32] = "";
    if (more[0])
        snprintf(tail, sizeof tail, " (and %d more)", more[0]);
    if (shown[0])
        snprintf(held, n, "; it holds the datasets %s%s", names[0], tail);
    else if (more[0])   /* names too long to show */
        snprintf(held, n, "; it holds %d dataset%s", more[0], more[0] == 1 ? "" : "s");
    else if (shown[1])
        snprintf(held, n, "; it holds no dataset, only the group%s %s%s",
                 shown[1] + more[1] == 1 ? "" : "s", names[1], more[1] ? " and more" : "");
    else if (more[1])
        snprintf(held, n, "; it holds no dataset, only %d group%s", more[1],
                 more[1] == 1 ? "" : "s");
    else
        snprintf(held, n, "; it holds nothing");
}

#endif /* DUSK_ARRAY_H5HELD_H */
