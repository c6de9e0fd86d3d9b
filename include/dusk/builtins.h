/*
** dusk — builtin task functions for teaching and demos
** Library: libdusk (core/).
**
** Numbers follow Python: bool and int arithmetic stays int64, anything with
** a float gives a float. Each is also found by name with dusk_func_lookup.
*/
#ifndef DUSK_BUILTINS_H
#define DUSK_BUILTINS_H

#include "graph.h"

#include "version.h"

#ifdef __cplusplus
extern "C" {
#endif

extern DUSK_API const dusk_func dusk_inc;       /* inc(x) = x + 1 */
extern DUSK_API const dusk_func dusk_add;       /* add(a, b) = a + b */
extern DUSK_API const dusk_func dusk_sub;       /* sub(a, b) = a - b */
extern DUSK_API const dusk_func dusk_mul;       /* mul(a, b) = a * b */
extern DUSK_API const dusk_func dusk_neg;       /* neg(x) = -x */
extern DUSK_API const dusk_func dusk_sum;       /* sum(list) = sum of its items, 0 if empty */
extern DUSK_API const dusk_func dusk_identity;  /* identity(x) = x */
/* sleep(ms, x): holds its worker for ms milliseconds, then returns x (or
 * None when called with ms alone). */
extern DUSK_API const dusk_func dusk_sleep;

#ifdef __cplusplus
}
#endif
#endif /* DUSK_BUILTINS_H */
