/*
** dusk tests — values (include/dusk/value.h)
**
** Constructors, Python-like repr, sizes, equality, tuples, ndarrays and
** views, reference counts. Every test checks that dusk's live block count
** comes back to where it started.
*/
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dusk.h"
#include "helpers.h"

/* --- scalars -------------------------------------------------------------- */

static void test_none_and_bool_are_static(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *n = dusk_none();
    dusk_value *t = dusk_bool(true), *f = dusk_bool(false);
    assert_non_null(n);
    assert_non_null(t);
    assert_non_null(f);
    assert_int_equal(dusk_value_kind(n), DUSK_KIND_NONE);
    assert_int_equal(dusk_value_kind(t), DUSK_KIND_BOOL);
    assert_true(dusk_value_bool(t));
    assert_false(dusk_value_bool(f));
    assert_repr(n, "None");
    assert_repr(t, "True");
    assert_repr(f, "False");
    /* static values survive any number of unrefs of references we own */
    for (int i = 0; i < 3; i++) {
        dusk_value_unref(dusk_none());
        dusk_value_unref(dusk_bool(true));
    }
    assert_repr(dusk_none(), "None");
    dusk_value_unref(n);
    dusk_value_unref(t);
    dusk_value_unref(f);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_int(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *v = dusk_int(13);
    assert_int_value(v, 13);
    assert_repr(v, "13");
    assert_int_equal(dusk_value_nbytes(v), 8);
    assert_true(dusk_value_float(v) == 13.0);
    double d = 0;
    assert_true(dusk_value_number(v, &d));
    assert_true(d == 13.0);
    assert_null(dusk_value_str(v));
    assert_int_equal(dusk_tuple_len(v), 0);
    assert_string_equal(dusk_kind_name(dusk_value_kind(v)), "int");
    dusk_value_unref(v);

    v = dusk_int(-5);
    assert_repr(v, "-5");
    dusk_value_unref(v);
    v = dusk_int(INT64_MIN);
    assert_repr(v, "-9223372036854775808");
    dusk_value_unref(v);
    v = dusk_int(INT64_MAX);
    assert_repr(v, "9223372036854775807");
    dusk_value_unref(v);
    assert_int_equal(dusk_alloc_live(), live);
}

/* The ints dusk keeps in the pointer (-2^62 .. 2^62 - 1 on a 64-bit
 * machine) and their neighbours, which are boxed. */
#define P62 ((int64_t)1 << 62)
static const struct { int64_t i; bool imm; } int_cases[] = {
    {0, true}, {1, true}, {-1, true}, {-8, true}, {-9, true}, {255, true}, {256, true},
    {1000, true}, {-1000, true}, {P62 - 1, true}, {-P62, true},
    {P62, false}, {-P62 - 1, false}, {INT64_MAX, false}, {INT64_MIN, false},
    {INT64_MAX - 1, false}, {INT64_MIN + 1, false},
};
#define NINT_CASES (sizeof int_cases / sizeof *int_cases)

/* Every int reads back the same through every accessor, whether it is in
 * the pointer or boxed; only the boxed ones allocate (so only they can
 * fail), and references to the others cost nothing. */
static void test_ints_in_the_pointer(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    for (size_t k = 0; k < NINT_CASES; k++) {
        int64_t i = int_cases[k].i;
        unsigned long c0 = dusk_alloc_calls();
        dusk_value *v = dusk_int(i), *w = dusk_int(i);
        assert_int_equal(dusk_alloc_calls() - c0, int_cases[k].imm ? 0 : 2);
        assert_int_value(v, i);
        assert_true(dusk_value_float(v) == (double)i);
        double d = 0;
        assert_true(dusk_value_number(v, &d) && d == (double)i);
        assert_true(dusk_value_bool(v) == (i != 0));
        assert_int_equal(dusk_value_nbytes(v), 8);
        assert_null(dusk_value_str(v));
        assert_int_equal(dusk_tuple_len(v), 0);
        assert_null(dusk_tuple_get(v, 0));
        assert_null(dusk_opaque_ptr(v));
        assert_int_equal(dusk_value_depth(v), 0);
        assert_false(dusk_value_too_deep(v));
        assert_false(dusk_ndarray_is_contiguous(v));
        assert_int_equal(dusk_ndarray_ndim(v), 0);
        assert_null(dusk_ndarray_shape(v));
        assert_null(dusk_ndarray_data(v));
        assert_int_equal(dusk_ndarray_size(v), 0);
        assert_null(dusk_ndarray_view(v, 0, NULL, NULL, 0));
        char want[32], got[32];
        snprintf(want, sizeof want, "%" PRId64, i);
        assert_int_equal(dusk_value_repr(v, got, sizeof got), strlen(want));
        assert_string_equal(got, want);

        /* equality: with itself, another make of it, the same number as a
         * float (where the double is exact) and a neighbour */
        assert_true(dusk_value_equal(v, w));
        assert_true(dusk_value_equal(w, v));
        dusk_value *n1 = dusk_int((int64_t)((uint64_t)i + 1));
        assert_false(dusk_value_equal(v, n1));
        assert_false(dusk_value_equal(n1, v));
        dusk_value_unref(n1);
        if ((double)i != (double)(i ^ 1)) {   /* else the double is not exact */
            dusk_value *f = dusk_float((double)i);
            assert_true(dusk_value_equal(v, f));
            assert_true(dusk_value_equal(f, v));
            dusk_value_unref(f);
        }
        assert_false(dusk_value_equal(v, dusk_none()));
        assert_false(dusk_value_equal(v, NULL));

        /* references: extra refs and unrefs leave it readable */
        assert_ptr_equal(dusk_value_ref(v), v);
        dusk_value_unref(v);
        assert_int_value(v, i);

        /* allocation failure: only a boxed int can fail */
        dusk_alloc_fail_after(0);
        dusk_value *x = dusk_int(i);
        dusk_alloc_fail_after(-1);
        if (int_cases[k].imm)
            assert_int_value(x, i);
        else
            assert_null(x);
        dusk_value_unref(x);
        dusk_value_unref(v);
        dusk_value_unref(w);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* Tuples hold either kind of int among other values, and read, print,
 * compare and drop them like any item. */
static void test_ints_in_tuples(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *items[NINT_CASES];
    for (size_t k = 0; k < NINT_CASES; k++)
        items[k] = dusk_int(int_cases[k].i);
    dusk_value *t = dusk_tuple_of(NINT_CASES, items);
    assert_non_null(t);
    assert_int_equal(dusk_value_depth(t), 1);
    assert_int_equal(dusk_value_nbytes(t), NINT_CASES * 16);
    char want[1024] = "(", got[1024];
    for (size_t k = 0; k < NINT_CASES; k++) {
        assert_int_value(dusk_tuple_get(t, k), int_cases[k].i);
        snprintf(want + strlen(want), sizeof want - strlen(want), k ? ", %" PRId64 : "%" PRId64,
                 int_cases[k].i);
    }
    strcat(want, ")");
    dusk_value_repr(t, got, sizeof got);
    assert_string_equal(got, want);

    /* the same tuple made again, and with set: equal; one int changed: not */
    dusk_value *u = dusk_tuple_new(NINT_CASES), *c = dusk_tuple_new(NINT_CASES);
    for (size_t k = 0; k < NINT_CASES; k++) {
        dusk_tuple_set(u, k, dusk_int(int_cases[k].i));
        dusk_tuple_set(c, k, dusk_int(int_cases[k].i));
    }
    dusk_tuple_set(c, 9, dusk_int(P62 - 2));   /* was 2^62 - 1 */
    assert_true(dusk_value_equal(t, u));
    assert_false(dusk_value_equal(t, c));

    /* a one-item tuple of an int, nested */
    dusk_value *one = dusk_tuple_of(1, (dusk_value *[]){dusk_int(-P62)});
    dusk_value *nest = dusk_tuple_of(2, (dusk_value *[]){one, dusk_int(P62)});
    assert_repr(nest, "((-4611686018427387904,), 4611686018427387904)");
    assert_int_equal(dusk_value_depth(nest), 2);
    dusk_value_unref(nest);
    dusk_value_unref(t);
    dusk_value_unref(u);
    dusk_value_unref(c);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_float_repr_is_python_like(void **state)
{
    (void)state;
    static const struct { double d; const char *repr; } cases[] = {
        {2.5, "2.5"},   {1.0, "1.0"},     {-0.5, "-0.5"}, {0.1, "0.1"},
        {0.0, "0.0"},   {100.0, "100.0"}, {1e20, "1e+20"}, {1.5e-7, "1.5e-07"},
        {3.14159, "3.14159"},
    };
    long live = dusk_alloc_live();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dusk_value *v = dusk_float(cases[i].d);
        assert_non_null(v);
        assert_int_equal(dusk_value_kind(v), DUSK_KIND_FLOAT);
        assert_true(dusk_value_float(v) == cases[i].d);
        assert_int_equal(dusk_value_nbytes(v), 8);
        assert_repr(v, cases[i].repr);
        dusk_value_unref(v);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_number_reads(void **state)
{
    (void)state;
    dusk_value *f = dusk_float(2.0);
    dusk_value *t = dusk_bool(true);
    dusk_value *s = dusk_string("1");
    double d = -1;
    assert_int_equal(dusk_value_int(f), 2);
    assert_int_equal(dusk_value_int(t), 1);
    assert_true(dusk_value_float(t) == 1.0);
    assert_true(dusk_value_number(t, &d) && d == 1.0);
    assert_false(dusk_value_number(s, &d));
    assert_false(dusk_value_number(dusk_none(), &d));
    dusk_value_unref(f);
    dusk_value_unref(t);
    dusk_value_unref(s);
}

static void test_string(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    char text[] = "text";
    dusk_value *v = dusk_string(text);
    assert_non_null(v);
    text[0] = 'X'; /* copied, so the value does not change */
    assert_int_equal(dusk_value_kind(v), DUSK_KIND_STRING);
    assert_string_equal(dusk_value_str(v), "text");
    assert_repr(v, "'text'");
    assert_int_equal(dusk_value_nbytes(v), 4);
    assert_string_equal(dusk_kind_name(DUSK_KIND_STRING), "string");

    dusk_value *w = dusk_string_n("hello world", 5);
    assert_string_equal(dusk_value_str(w), "hello");
    assert_repr(w, "'hello'");
    dusk_value *e = dusk_string("");
    assert_repr(e, "''");
    dusk_value_unref(v);
    dusk_value_unref(w);
    dusk_value_unref(e);
    assert_int_equal(dusk_alloc_live(), live);
}

/* Python picks the quotes that need no escaping and escapes the rest:
 * repr("it's") == "it's", repr('a\nb') == 'a\\nb'. */
static void test_string_repr_escapes(void **state)
{
    (void)state;
    static const struct { const char *s, *repr; } cases[] = {
        {"it's", "\"it's\""},
        {"say \"hi\"", "'say \"hi\"'"},
        {"a\nb", "'a\\nb'"},
        {"tab\there", "'tab\\there'"},
        {"back\\slash", "'back\\\\slash'"},
    };
    long live = dusk_alloc_live();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dusk_value *v = dusk_string(cases[i].s);
        assert_repr(v, cases[i].repr);
        dusk_value_unref(v);
    }
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- tuples --------------------------------------------------------------- */

static void test_tuple_repr(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *t3 = dusk_tuple_of(3, (dusk_value *[]){dusk_int(1), dusk_int(2),
                                                       dusk_int(3)});
    assert_non_null(t3);
    assert_int_equal(dusk_value_kind(t3), DUSK_KIND_TUPLE);
    assert_string_equal(dusk_kind_name(DUSK_KIND_TUPLE), "tuple");
    assert_int_equal(dusk_tuple_len(t3), 3);
    assert_repr(t3, "(1, 2, 3)");
    assert_int_value(dusk_tuple_get(t3, 1), 2);
    /* the items plus 8 per slot */
    assert_int_equal(dusk_value_nbytes(t3), 3 * 8 + 3 * 8);

    dusk_value *t1 = dusk_tuple_of(1, (dusk_value *[]){dusk_int(1)});
    assert_repr(t1, "(1,)");
    dusk_value *t0 = dusk_tuple_new(0);
    assert_non_null(t0);
    assert_repr(t0, "()");
    assert_int_equal(dusk_tuple_len(t0), 0);

    dusk_value *mixed = dusk_tuple_of(
        5, (dusk_value *[]){dusk_none(), dusk_bool(true), dusk_string("text"),
                            dusk_float(2.5), dusk_value_ref(t1)});
    assert_repr(mixed, "(None, True, 'text', 2.5, (1,))");

    dusk_value *nested = dusk_tuple_of(
        2, (dusk_value *[]){dusk_int(1),
                            dusk_tuple_of(2, (dusk_value *[]){dusk_int(2),
                                                              dusk_int(3)})});
    assert_repr(nested, "(1, (2, 3))");
    assert_int_equal(dusk_value_nbytes(nested), 2 * 8 + 8 + (2 * 8 + 2 * 8));

    dusk_value_unref(t3);
    dusk_value_unref(t1);
    dusk_value_unref(t0);
    dusk_value_unref(mixed);
    dusk_value_unref(nested);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_tuple_new_and_set(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *t = dusk_tuple_new(3);
    assert_non_null(t);
    assert_repr(t, "(None, None, None)");
    dusk_tuple_set(t, 0, dusk_int(7));
    dusk_tuple_set(t, 2, dusk_string("z"));
    dusk_tuple_set(t, 0, dusk_int(8)); /* drops the 7 */
    assert_repr(t, "(8, None, 'z')");
    assert_int_equal(dusk_value_kind(dusk_tuple_get(t, 1)), DUSK_KIND_NONE);
    dusk_value_unref(t);
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_tuple_of_with_null_item_fails_cleanly(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *t = dusk_tuple_of(3, (dusk_value *[]){dusk_int(1), NULL,
                                                      dusk_string("x")});
    assert_null(t);
    /* the other items were dropped */
    assert_int_equal(dusk_alloc_live(), live);
}

static void test_repr_truncates(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *t = dusk_tuple_new(100);
    for (size_t i = 0; i < 100; i++)
        dusk_tuple_set(t, i, dusk_int((int64_t)i));
    char full[2048];
    size_t len = dusk_value_repr(t, full, sizeof full);
    assert_int_equal(len, strlen(full));
    assert_true(len > 100);
    assert_true(full[0] == '(' && full[len - 1] == ')');

    char small[16];
    memset(small, 'Q', sizeof small);
    size_t len2 = dusk_value_repr(t, small, sizeof small);
    assert_int_equal(len2, len); /* the full length, like snprintf */
    size_t sl = strnlen(small, sizeof small);
    assert_true(sl < sizeof small); /* NUL-terminated within n */
    assert_true(sl >= 3);
    assert_memory_equal(small + sl - 3, "...", 3);

    char none[4] = "abc";
    assert_int_equal(dusk_value_repr(t, none, 0), len); /* writes nothing */
    assert_string_equal(none, "abc");
    dusk_value_unref(t);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- equality ------------------------------------------------------------- */

static void test_equality(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dusk_value *i1 = dusk_int(1), *f1 = dusk_float(1.0), *t = dusk_bool(true);
    dusk_value *i2 = dusk_int(2), *s1 = dusk_string("1"), *s1b = dusk_string("1");
    dusk_value *n = dusk_none();
    assert_true(dusk_value_equal(i1, f1));
    assert_true(dusk_value_equal(f1, t));
    assert_true(dusk_value_equal(i1, t));
    assert_false(dusk_value_equal(i1, i2));
    assert_false(dusk_value_equal(i1, s1));
    assert_true(dusk_value_equal(s1, s1b));
    assert_false(dusk_value_equal(n, i1));
    assert_true(dusk_value_equal(n, dusk_none()));
    dusk_value_unref(dusk_none());

    dusk_value *a = dusk_tuple_of(2, (dusk_value *[]){dusk_int(1), dusk_int(2)});
    dusk_value *b = dusk_tuple_of(2, (dusk_value *[]){dusk_float(1.0),
                                                      dusk_int(2)});
    dusk_value *c = dusk_tuple_of(3, (dusk_value *[]){dusk_int(1), dusk_int(2),
                                                      dusk_int(3)});
    dusk_value *d = dusk_tuple_of(2, (dusk_value *[]){dusk_int(1), dusk_int(3)});
    assert_true(dusk_value_equal(a, b));
    assert_false(dusk_value_equal(a, c));
    assert_false(dusk_value_equal(a, d));
    assert_false(dusk_value_equal(a, i1));
    assert_true(dusk_value_equal(a, a));

    dusk_value *v[] = {i1, f1, t, i2, s1, s1b, n, a, b, c, d};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        dusk_value_unref(v[k]);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- references ----------------------------------------------------------- */

static int dtor_calls;
static void count_dtor(void *p)
{
    dtor_calls++;
    free(p);
}

static void test_refcounts_and_opaque(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dtor_calls = 0;
    void *mem = malloc(32);
    dusk_value *o = dusk_opaque(mem, count_dtor, 1234);
    assert_non_null(o);
    assert_int_equal(dusk_value_kind(o), DUSK_KIND_OPAQUE);
    assert_ptr_equal(dusk_opaque_ptr(o), mem);
    assert_int_equal(dusk_value_nbytes(o), 1234);

    assert_ptr_equal(dusk_value_ref(o), o);
    assert_ptr_equal(dusk_value_ref(o), o);
    dusk_value_unref(o);
    dusk_value_unref(o);
    assert_int_equal(dtor_calls, 0);

    /* a tuple holding it keeps it alive */
    dusk_value *t = dusk_tuple_of(1, (dusk_value *[]){dusk_value_ref(o)});
    dusk_value_unref(o);
    assert_int_equal(dtor_calls, 0);
    assert_int_equal(dusk_value_nbytes(t), 1234 + 8);
    dusk_value_unref(t);
    assert_int_equal(dtor_calls, 1);

    assert_null(dusk_value_ref(NULL));
    dusk_value_unref(NULL);

    /* an opaque with no destructor */
    dusk_value *o2 = dusk_opaque(&dtor_calls, NULL, 0);
    assert_non_null(o2);
    dusk_value_unref(o2);
    assert_int_equal(dusk_alloc_live(), live);
}

/* --- ndarrays ------------------------------------------------------------- */

static void test_dtypes(void **state)
{
    (void)state;
    static const struct { dusk_dtype t; const char *name, *code; size_t size; }
    cases[] = {
        {DUSK_DT_F8, "float64", "f8", 8}, {DUSK_DT_F4, "float32", "f4", 4},
        {DUSK_DT_I8, "int64", "i8", 8},   {DUSK_DT_I4, "int32", "i4", 4},
        {DUSK_DT_I2, "int16", "i2", 2},   {DUSK_DT_I1, "int8", "i1", 1},
        {DUSK_DT_U8, "uint64", "u8", 8},  {DUSK_DT_U4, "uint32", "u4", 4},
        {DUSK_DT_U2, "uint16", "u2", 2},  {DUSK_DT_U1, "uint8", "u1", 1},
        {DUSK_DT_BOOL, "bool", NULL, 1}, {DUSK_DT_C16, "complex128", "c16", 16},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_string_equal(dusk_dtype_name(cases[i].t), cases[i].name);
        if (cases[i].code)
            assert_string_equal(dusk_dtype_code(cases[i].t), cases[i].code);
        assert_int_equal(dusk_dtype_size(cases[i].t), cases[i].size);
    }
}

static void test_ndarray_new(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int64_t shape[2] = {5, 5};
    dusk_value *a = dusk_ndarray_new(DUSK_DT_F8, 2, shape);
    assert_non_null(a);
    assert_int_equal(dusk_value_kind(a), DUSK_KIND_NDARRAY);
    assert_int_equal(dusk_ndarray_dtype(a), DUSK_DT_F8);
    assert_int_equal(dusk_ndarray_ndim(a), 2);
    assert_int_equal(dusk_ndarray_shape(a)[0], 5);
    assert_int_equal(dusk_ndarray_shape(a)[1], 5);
    assert_int_equal(dusk_ndarray_strides(a)[0], 40);
    assert_int_equal(dusk_ndarray_strides(a)[1], 8);
    assert_int_equal(dusk_ndarray_size(a), 25);
    assert_int_equal(dusk_value_nbytes(a), 200);
    assert_repr(a, "ndarray<float64, (5, 5)>");
    double *d = dusk_ndarray_data(a);
    assert_non_null(d);
    for (int i = 0; i < 25; i++)
        assert_true(d[i] == 0.0);
    shape[0] = 99; /* the shape was copied */
    assert_int_equal(dusk_ndarray_shape(a)[0], 5);
    dusk_value_unref(a);

    int64_t s1[1] = {7};
    dusk_value *b = dusk_ndarray_new(DUSK_DT_I4, 1, s1);
    assert_repr(b, "ndarray<int32, (7,)>");
    assert_int_equal(dusk_value_nbytes(b), 28);
    dusk_value_unref(b);

    dusk_value *scalar = dusk_ndarray_new(DUSK_DT_F8, 0, NULL);
    assert_non_null(scalar);
    assert_int_equal(dusk_ndarray_ndim(scalar), 0);
    assert_int_equal(dusk_ndarray_size(scalar), 1);
    assert_int_equal(dusk_value_nbytes(scalar), 8);
    assert_repr(scalar, "ndarray<float64, ()>");
    dusk_value_unref(scalar);

    int64_t s3[3] = {2, 0, 3};
    dusk_value *empty = dusk_ndarray_new(DUSK_DT_U1, 3, s3);
    assert_non_null(empty);
    assert_int_equal(dusk_ndarray_size(empty), 0);
    assert_int_equal(dusk_value_nbytes(empty), 0);
    dusk_value_unref(empty);
    assert_int_equal(dusk_alloc_live(), live);
}

/* An empty array may have huge other axes, but its strides span them: a
 * span that cannot be addressed is refused (the fuzzed slice target found
 * the strides overflowing), and empty arrays count as contiguous. */
static void test_ndarray_empty_axes(void **state)
{
    (void)state;
    const int64_t huge[5] = {0, 1 << 20, 1 << 20, 1 << 20, 1 << 20};
    assert_null(dusk_ndarray_new(DUSK_DT_F8, 5, huge));
    assert_null(dusk_ndarray_empty(DUSK_DT_I1, 5, huge));
    const int64_t big[3] = {INT64_MAX / 2, 0, 4};
    assert_null(dusk_ndarray_new(DUSK_DT_U1, 3, big));

    const int64_t fits[3] = {1 << 20, 0, 1 << 20};
    dusk_value *v = dusk_ndarray_new(DUSK_DT_F8, 3, fits);
    assert_non_null(v);
    assert_int_equal(dusk_value_nbytes(v), 0);
    assert_int_equal(dusk_ndarray_strides(v)[0], (int64_t)8 << 20);
    assert_true(dusk_ndarray_is_contiguous(v));
    dusk_value_unref(v);

    const int64_t mid[3] = {3, 0, 2};
    v = dusk_ndarray_new(DUSK_DT_I4, 3, mid);
    assert_non_null(v);
    assert_true(dusk_ndarray_is_contiguous(v));
    dusk_value_unref(v);
}

static void test_ndarray_view(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    int64_t shape[2] = {4, 6};
    dusk_value *p = dusk_ndarray_new(DUSK_DT_I4, 2, shape);
    int32_t *pd = dusk_ndarray_data(p);
    for (int i = 0; i < 24; i++)
        pd[i] = i;

    /* row 1 */
    int64_t rs[1] = {6}, rst[1] = {4};
    dusk_value *row = dusk_ndarray_view(p, 1, rs, rst, 24);
    assert_non_null(row);
    assert_int_equal(dusk_value_kind(row), DUSK_KIND_NDARRAY);
    assert_int_equal(dusk_ndarray_dtype(row), DUSK_DT_I4);
    assert_ptr_equal(dusk_ndarray_data(row), (char *)pd + 24);
    assert_int_equal(dusk_ndarray_size(row), 6);
    assert_int_equal(dusk_value_nbytes(row), 24); /* what it shows */

    /* the transpose */
    int64_t ts[2] = {6, 4}, tst[2] = {4, 24};
    dusk_value *tr = dusk_ndarray_view(p, 2, ts, tst, 0);
    assert_non_null(tr);
    assert_repr(tr, "ndarray<int32, (6, 4)>");
    assert_int_equal(dusk_ndarray_strides(tr)[0], 4);
    assert_int_equal(dusk_ndarray_strides(tr)[1], 24);

    /* views keep the parent alive */
    dusk_value_unref(p);
    const char *base = dusk_ndarray_data(tr);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 4; j++)
            assert_int_equal(*(const int32_t *)(base + i * 4 + j * 24), j * 6 + i);
    const int32_t *rd = dusk_ndarray_data(row);
    for (int j = 0; j < 6; j++)
        assert_int_equal(rd[j], 6 + j);

    /* a view of a view */
    int64_t vs[1] = {3}, vst[1] = {8};
    dusk_value *vv = dusk_ndarray_view(row, 1, vs, vst, 4);
    assert_non_null(vv);
    dusk_value_unref(row);
    const char *vd = dusk_ndarray_data(vv);
    for (int j = 0; j < 3; j++)
        assert_int_equal(*(const int32_t *)(vd + 8 * j), 7 + 2 * j);
    dusk_value_unref(vv);
    dusk_value_unref(tr);
    assert_int_equal(dusk_alloc_live(), live);
}

static void *ref_worker(void *arg)
{
    dusk_value *v = arg;
    for (int i = 0; i < 20000; i++) {
        dusk_value_ref(v);
        dusk_value_unref(v);
    }
    return NULL;
}

static void test_values_shared_between_threads_refcount(void **state)
{
    (void)state;
    long live = dusk_alloc_live();
    dtor_calls = 0;
    dusk_value *o = dusk_opaque(malloc(8), count_dtor, 8);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, ref_worker, o), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(dtor_calls, 0);
    dusk_value_unref(o);
    assert_int_equal(dtor_calls, 1);
    assert_int_equal(dusk_alloc_live(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_none_and_bool_are_static, reset_alloc),
        cmocka_unit_test_teardown(test_int, reset_alloc),
        cmocka_unit_test_teardown(test_ints_in_the_pointer, reset_alloc),
        cmocka_unit_test_teardown(test_ints_in_tuples, reset_alloc),
        cmocka_unit_test_teardown(test_float_repr_is_python_like, reset_alloc),
        cmocka_unit_test_teardown(test_number_reads, reset_alloc),
        cmocka_unit_test_teardown(test_string, reset_alloc),
        cmocka_unit_test_teardown(test_string_repr_escapes, reset_alloc),
        cmocka_unit_test_teardown(test_tuple_repr, reset_alloc),
        cmocka_unit_test_teardown(test_tuple_new_and_set, reset_alloc),
        cmocka_unit_test_teardown(test_tuple_of_with_null_item_fails_cleanly,
                                  reset_alloc),
        cmocka_unit_test_teardown(test_repr_truncates, reset_alloc),
        cmocka_unit_test_teardown(test_equality, reset_alloc),
        cmocka_unit_test_teardown(test_refcounts_and_opaque, reset_alloc),
        cmocka_unit_test_teardown(test_dtypes, reset_alloc),
        cmocka_unit_test_teardown(test_ndarray_new, reset_alloc),
        cmocka_unit_test_teardown(test_ndarray_view, reset_alloc),
        cmocka_unit_test_teardown(test_ndarray_empty_axes, reset_alloc),
        cmocka_unit_test_teardown(test_values_shared_between_threads_refcount,
                                  reset_alloc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
