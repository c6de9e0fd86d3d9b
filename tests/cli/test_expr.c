/*
** dusk tests — `dusk eval`'s expression language (cli/expr.c) and the
** subcommand itself (cli/eval.c), called in-process
**
** The parser's table: expressions with their canonical trees (expr_sexp)
** or their error's column and message. Then evaluation: errors with their
** codes and columns; values checked against the same computation written
** with include/dusk/array.h directly; and cli_eval end to end on HDF5
** files (stdout and stderr captured, exit codes, -o read back by h5dump).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>

#include "helpers.h"

#include "../../cli/cli.h"
#include "../../cli/expr.h"

/* --- the parser's table ----------------------------------------------------- */

typedef struct parse_case {
    const char *text;
    const char *tree;   /* the canonical tree, or NULL: an error */
    int col;            /* the error's column */
    const char *msg;    /* a part of the error's message */
} parse_case;

static const parse_case PARSE[] = {
    /* numbers, names, strings, constants */
    {"1", "1", 0, NULL},
    {"1.5", "1.5", 0, NULL},
    {"1.", "1.0", 0, NULL},
    {".5", "0.5", 0, NULL},
    {"1e3", "1000.0", 0, NULL},
    {"2.5E-3", "0.0025", 0, NULL},
    {"007", "7", 0, NULL},
    {"9007199254740993", "9007199254740993", 0, NULL},   /* an int's digits, past 2**53 too */
    {"100000000000000000000000", "100000000000000000000000", 0, NULL},
    {"x", "x", 0, NULL},
    {"_a1", "_a1", 0, NULL},
    {"'f4'", "'f4'", 0, NULL},
    {"\"auto\"", "'auto'", 0, NULL},
    {"True", "True", 0, NULL},
    {"None", "None", 0, NULL},
    {"  x\t", "x", 0, NULL},
    /* arithmetic and precedence, as Python's */
    {"x + 1", "(+ x 1)", 0, NULL},
    {"x - y - z", "(- (- x y) z)", 0, NULL},
    {"x + y * z", "(+ x (* y z))", 0, NULL},
    {"(x + y) * z", "(* (+ x y) z)", 0, NULL},
    {"x / y / 2", "(/ (/ x y) 2)", 0, NULL},
    {"x ** 2", "(** x 2)", 0, NULL},
    {"x ** y ** 2", "(** x (** y 2))", 0, NULL},
    {"-x ** 2", "(neg (** x 2))", 0, NULL},
    {"2 ** -1", "(** 2 (neg 1))", 0, NULL},
    {"-x", "(neg x)", 0, NULL},
    {"--x", "(neg (neg x))", 0, NULL},
    {"+x", "x", 0, NULL},
    {"x @ y", "(@ x y)", 0, NULL},
    {"x @ y + 1", "(+ (@ x y) 1)", 0, NULL},
    {"a * b @ c", "(@ (* a b) c)", 0, NULL},
    {"x * -1", "(* x (neg 1))", 0, NULL},
    {"x // 2 % 3 * y", "(* (% (// x 2) 3) y)", 0, NULL},
    {"-x // 2 ** 3", "(// (neg x) (** 2 3))", 0, NULL},
    {"x + y % 2", "(+ x (% y 2))", 0, NULL},
    {"x > 0 & y < 1", NULL, 11, "comparisons do not chain"},
    {"(x > 0) & (y < 1)", "(& (> x 0) (< y 1))", 0, NULL},
    {"a | b ^ c & d", "(| a (^ b (& c d)))", 0, NULL},
    {"a & b + 1", "(& a (+ b 1))", 0, NULL},
    {"~x ** 2", "(~ (** x 2))", 0, NULL},
    {"~-x", "(~ (neg x))", 0, NULL},
    {"a | b < c ^ d", "(< (| a b) (^ c d))", 0, NULL},
    {"x - x.mean(axis=0)", "(- x (call (. x mean) (= axis 0)))", 0, NULL},
    /* comparisons */
    {"x < 1", "(< x 1)", 0, NULL},
    {"x <= y + 1", "(<= x (+ y 1))", 0, NULL},
    {"x == 0", "(== x 0)", 0, NULL},
    {"x != 0", "(!= x 0)", 0, NULL},
    {"x >= 2 * y", "(>= x (* 2 y))", 0, NULL},
    {"(x > 0) * x", "(* (> x 0) x)", 0, NULL},
    /* calls */
    {"f()", "(call f)", 0, NULL},
    {"exp(x)", "(call exp x)", 0, NULL},
    {"ones((15, 15), chunks=(5, 5))", "(call ones (tuple 15 15) (= chunks (tuple 5 5)))", 0, NULL},
    {"zeros(10)", "(call zeros 10)", 0, NULL},
    {"full((2, 3), 7.5, dtype='f4')", "(call full (tuple 2 3) 7.5 (= dtype 'f4'))", 0, NULL},
    {"sum(x, axis=(0, 1), keepdims=True)", "(call sum x (= axis (tuple 0 1)) (= keepdims True))", 0, NULL},
    {"f(x,)", "(call f x)", 0, NULL},
    {"f(a=1, b=2,)", "(call f (= a 1) (= b 2))", 0, NULL},
    {"random.normal(0, 1, size=(3,))", "(call (. random normal) 0 1 (= size (tuple 3)))", 0, NULL},
    {"np.exp(x)", "(call (. np exp) x)", 0, NULL},
    {"da.random.random((4, 4))", "(call (. (. da random) random) (tuple 4 4))", 0, NULL},
    {"dot(x, x.T)", "(call dot x (. x T))", 0, NULL},
    {"f(g(h(x)))", "(call f (call g (call h x)))", 0, NULL},
    {"concatenate([x, y], axis=1)", "(call concatenate (list x y) (= axis 1))", 0, NULL},
    /* attributes and methods */
    {"x.T", "(. x T)", 0, NULL},
    {"x.T.T", "(. (. x T) T)", 0, NULL},
    {"x.shape", "(. x shape)", 0, NULL},
    {"x.sum()", "(call (. x sum))", 0, NULL},
    {"x.sum(axis=1).mean()", "(call (. (call (. x sum) (= axis 1)) mean))", 0, NULL},
    {"(x + 1).T", "(. (+ x 1) T)", 0, NULL},
    {"x.astype('i4')", "(call (. x astype) 'i4')", 0, NULL},
    {"x.shape[0]", "([] (. x shape) 0)", 0, NULL},
    /* tuples and lists */
    {"()", "(tuple)", 0, NULL},
    {"(1,)", "(tuple 1)", 0, NULL},
    {"(1, 2)", "(tuple 1 2)", 0, NULL},
    {"((1, 2), (3,))", "(tuple (tuple 1 2) (tuple 3))", 0, NULL},
    {"(x)", "x", 0, NULL},
    {"[]", "(list)", 0, NULL},
    {"[1, -2, 3,]", "(list 1 (neg 2) 3)", 0, NULL},
    /* indexing and slicing */
    {"x[0]", "([] x 0)", 0, NULL},
    {"x[-1]", "([] x (neg 1))", 0, NULL},
    {"x[:]", "([] x (: _ _ _))", 0, NULL},
    {"x[::]", "([] x (: _ _ _))", 0, NULL},
    {"x[::2]", "([] x (: _ _ 2))", 0, NULL},
    {"x[1:]", "([] x (: 1 _ _))", 0, NULL},
    {"x[:100, 500:100:-2]", "([] x (: _ 100 _) (: 500 100 (neg 2)))", 0, NULL},
    {"x[:, [10, 1, 5]]", "([] x (: _ _ _) (list 10 1 5))", 0, NULL},
    {"x[..., None]", "([] x ... None)", 0, NULL},
    {"x[None, :, 0]", "([] x None (: _ _ _) 0)", 0, NULL},
    {"x[1:n-1]", "([] x (: 1 (- n 1) _))", 0, NULL},
    {"x[0][1]", "([] ([] x 0) 1)", 0, NULL},
    {"x[0,]", "([] x 0)", 0, NULL},
    {"x[:, ::-1].sum(axis=0)", "(call (. ([] x (: _ _ _) (: _ _ (neg 1))) sum) (= axis 0))", 0, NULL},
    {"x[i:j:k]", "([] x (: i j k))", 0, NULL},
    {"-x[0]", "(neg ([] x 0))", 0, NULL},
    {"x[0] ** 2", "(** ([] x 0) 2)", 0, NULL},

    /* syntax errors: the column, and what is wrong */
    {"", NULL, 1, "the expression is empty"},
    {"   ", NULL, 1, "the expression is empty"},
    {"x - x.mean(axis=)", NULL, 17, "expected an expression, found ')'"},
    {"x +", NULL, 4, "expected an expression, found the end"},
    {"x + * 2", NULL, 5, "expected an expression, found '*'"},
    {"(x + 1", NULL, 7, "expected ',' or ')'"},
    {"x + 1)", NULL, 6, "expected an operator or the end, found ')'"},
    {"x y", NULL, 3, "expected an operator or the end, found 'y'"},
    {"f(x", NULL, 4, "expected ',' or ')' in the arguments"},
    {"f(x y)", NULL, 5, "expected ',' or ')' in the arguments, found 'y'"},
    {"f(a=1, 2)", NULL, 8, "a positional one cannot follow a keyword"},
    {"f(1=2)", NULL, 4, "'=' only names a keyword argument"},
    {"x = 1", NULL, 3, "'=' only names a keyword argument"},
    {"x[]", NULL, 3, "expected an index"},
    {"x[1", NULL, 4, "expected ',' or ']' in the index"},
    {"x[1:2:3:4]", NULL, 8, "after a slice's step"},
    {"x.", NULL, 3, "expected a name after '.'"},
    {"x.1", NULL, 2, "expected an operator or the end, found '.1'"},
    {"x.(1)", NULL, 3, "expected a name after '.'"},
    {"x $ 1", NULL, 3, "unexpected '$'"},
    {"x # 1", NULL, 3, "unexpected '#'"},
    {"3x", NULL, 2, "unexpected 'x'"},
    {"1e", NULL, 2, "unexpected 'e'"},
    {"'f4", NULL, 1, "a string that is not closed"},
    {"x < y < z", NULL, 7, "comparisons do not chain"},
    {"[1, 2", NULL, 6, "expected ',' or ']'"},
    {"(1 2)", NULL, 4, "expected ',' or ')'"},
    {"x ** ", NULL, 6, "expected an expression"},
    {"...", NULL, 1, "expected an expression, found '...'"},
    {"x[1, ...", NULL, 9, "expected ',' or ']' in the index"},
    {"f(,)", NULL, 3, "expected an expression, found ','"},
    {"x\x01", NULL, 2, "the byte 0x01"},
    {"x /// 2", NULL, 5, "expected an expression, found '/'"},
    {"x % ", NULL, 5, "expected an expression, found the end"},
    {"x & ", NULL, 5, "expected an expression, found the end"},
    {"x ~ y", NULL, 3, "expected an operator or the end, found '~'"},
    {"sum(x, axis=0", NULL, 14, "expected ',' or ')' in the arguments, found the end"},
    {"x[:, [10, 1 5]]", NULL, 13, "expected ',' or ']'"},
    {"ones((15, 15), chunks=(5, 5)", NULL, 29, "expected ',' or ')'"},
};

static void test_parse_table(void **state)
{
    (void)state;
    size_t n = sizeof PARSE / sizeof *PARSE;
    assert_true(n >= 100);
    for (size_t i = 0; i < n; i++) {
        const parse_case *c = &PARSE[i];
        expr_error err;
        long live = dusk_alloc_live();
        expr_tree *t = expr_parse(c->text, &err);
        char got[512];
        if (t)
            expr_sexp(expr_root(t), got, sizeof got);
        if (c->tree) {
            if (!t)
                fail_msg("'%s': parse error at column %d: %s", c->text, err.col, err.msg);
            if (strcmp(got, c->tree) != 0)
                fail_msg("'%s': tree %s, expected %s", c->text, got, c->tree);
        } else {
            if (t)
                fail_msg("'%s' parsed as %s; expected an error at column %d", c->text, got,
                         c->col);
            assert_int_equal(err.code, 2);
            if (err.col != c->col || !strstr(err.msg, c->msg))
                fail_msg("'%s': error at column %d: \"%s\"; expected column %d: \"%s\"",
                         c->text, err.col, err.msg, c->col, c->msg);
        }
        expr_free(t);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* Nesting is bounded, so that no input runs the stack out. */
static void test_parse_depth(void **state)
{
    (void)state;
    char deep[4096];
    size_t k = 0;
    for (int i = 0; i < 1000; i++)
        deep[k++] = '(';
    deep[k++] = 'x';
    for (int i = 0; i < 1000; i++)
        deep[k++] = ')';
    deep[k] = '\0';
    expr_error err;
    assert_null(expr_parse(deep, &err));
    assert_int_equal(err.code, 2);
    assert_non_null(strstr(err.msg, "nests deeper than"));
    memset(deep, '-', 3000);
    strcpy(deep + 3000, "x");
    assert_null(expr_parse(deep, &err));
    assert_non_null(strstr(err.msg, "nests deeper than"));
    /* chains that the parser builds by loops are as deep as they are long:
     * x.T.T..., x+x+..., x[0][0]... are refused past 1000, with a word that
     * says so, and a sum of 500 terms, which nests nothing, is fine (it was
     * "nests deeper than 100 levels" at 101 terms) */
    static char chain[8192];
    static const char *const LINKS[] = {".T", "+x", "[0]", "(1)"};
    for (size_t i = 0; i < sizeof LINKS / sizeof *LINKS; i++) {
        strcpy(chain, "x");
        for (int j = 0; j < 1500; j++)
            strcat(chain, LINKS[i]);
        expr_tree *t = expr_parse(chain, &err);
        if (t)
            fail_msg("a chain of 1500 '%s' parsed", LINKS[i]);
        assert_non_null(strstr(err.msg, "more than 1000 operations deep"));
        chain[1 + 500 * strlen(LINKS[i])] = '\0';
        if (!(t = expr_parse(chain, &err)))
            fail_msg("a chain of 500 '%s': %s", LINKS[i], err.msg);
        expr_free(t);
    }
    /* x ** x ** ... recurses as parentheses do */
    strcpy(chain, "x");
    for (int j = 0; j < 300; j++)
        strcat(chain, "**x");
    assert_null(expr_parse(chain, &err));
    assert_non_null(strstr(err.msg, "nests deeper than 100 levels"));
    /* 40 levels are fine */
    k = 0;
    for (int i = 0; i < 40; i++)
        deep[k++] = '(';
    deep[k++] = 'x';
    for (int i = 0; i < 40; i++)
        deep[k++] = ')';
    deep[k] = '\0';
    expr_tree *t = expr_parse(deep, &err);
    assert_non_null(t);
    expr_free(t);
}

/* --- evaluation ------------------------------------------------------------------ */

/* x: 6 x 4 float64 (k / 2 - 3), y: 4 int64 (1..4), in chunks (3, 2) and 2. */
static double XDATA[24];
static int64_t YDATA[4] = {1, 2, 3, 4};

static dusk_array *make_x(dusk_array_ctx *ctx)
{
    for (int k = 0; k < 24; k++)
        XDATA[k] = k / 2.0 - 3;
    return dusk_from_buffer(ctx, XDATA, DUSK_DT_F8, DUSK_SHAPE(6, 4), "(3, 2)");
}

static dusk_array *make_y(dusk_array_ctx *ctx)
{
    return dusk_from_buffer(ctx, YDATA, DUSK_DT_I8, DUSK_SHAPE(4), "2");
}

typedef struct eval_case {
    const char *text;
    int code;           /* 2: usage; 1: dusk's array error */
    int col;
    const char *msg;    /* a part of the message ("=...": all of it) */
} eval_case;

static const eval_case EVAL_ERRORS[] = {
    {"z + 1", 2, 1, "unknown name 'z'"},
    {"random.uniform(size=3, seed=-1)", 2, 29, "seed must be 0 or more, not -1"},
    {"random.randint(5, 5, size=3)", 1, 15, "randint: low >= high (5 >= 5)"},
    {"random.randint(0, 2.5)", 2, 19, "high must be an integer"},
    {"random.randint(0, 300, dtype='u1')", 1, 15, "high 300 is out of bounds for uint8"},
    {"random.poisson(-1, size=2)", 1, 15, "poisson: lam -1 is not 0 or more"},
    {"randint(3)", 2, 1, "unknown function 'randint'"},
    /* True as an index is NumPy's new axis, not 1; a mask must fit its axis */
    {"x[True]", 2, 3, "an index entry cannot be True (NumPy adds an axis for it: use None)"},
    {"x[[True, False]]", 2, 3, "boolean index did not match indexed array along dimension 0; "
                               "dimension is 6 but corresponding boolean dimension is 2"},
    {"xx + 1", 2, 1, "unknown name 'xx'; did you mean 'x'?"},
    {"x - x.maen(axis=0)", 2, 7, "no method 'maen'; did you mean 'mean'?"},
    {"x.mean(axs=0)", 2, 8, "mean() has no keyword 'axs'; did you mean 'axis'?"},
    {"x.mean(axis=0, axis=1)", 2, 16, "got 'axis' twice"},
    {"onse((3, 3))", 2, 1, "unknown function 'onse'; did you mean 'ones'?"},
    {"np.onse(3)", 2, 1, "unknown function 'np.onse'; did you mean 'ones'?"},
    {"frobnicate(3)", 2, 1, "unknown function 'frobnicate'"},
    {"full((2, 2))", 2, 5, "full() needs its argument 'fill_value'"},
    {"ones(3, 4, 5, 6)", 2, 15, "takes at most 3 arguments"},
    {"x + y[:3]", 1, 3, "broadcast"},
    {"x @ x", 1, 3, ""},
    {"x.sum(axis=5)", 1, 6, "axis"},
    {"x.sum(axis=99)", 2, 12, "axis 99 is out of range"},
    {"x.T.shape + 1", 2, 11, "'+' takes arrays and numbers, not a tuple and an integer"},
    {"x.astype('f3')", 2, 10, "unknown dtype 'f3'; did you mean"},
    {"x.T.nope", 2, 5, "no attribute 'nope'"},
    {"x.mean", 2, 3, "'mean' is a method"},
    {"x[1.5]", 2, 3, "an index must be an integer"},
    {"x[::0]", 2, 5, "step must not be 0"},
    {"x[10]", 1, 2, ""},
    {"x['a']", 2, 3, "not a string"},
    {"ones('a')", 2, 6, "a shape must be an integer or a tuple"},
    {"ones((2, 2), chunks=[1.5])", 2, 21, "a chunk size must be an integer"},
    {"arange(0, 10, 0)", 2, 15, "step must not be 0"},
    {"1 / 0", 2, 3, "division by zero"},
    {"'a'", 2, 1, "gives a string, not an array"},
    {"x(1)", 2, 2, "an array, not a function"},
    {"exp", 2, 1, "'exp' is a function: call it"},
    {"3(1)", 2, 2, "an integer cannot be called"},
    {"x.sum(keepdims=2.5)", 2, 16, "keepdims must be True or False, not a number"},
    /* an axis twice: NumPy's words, naming it; (1, -1) is the library's refusal */
    {"x.sum(axis=(0, 0))", 2, 12, "duplicate value in 'axis': axis 0 given twice"},
    {"x.mean(axis=(1, -1))", 1, 7, "mean: duplicate value in 'axis': axis 1 given twice (as 1 and -1)"},
    {"squeeze(x[:1], axis=(0, 0))", 2, 21, "duplicate value in 'axis': axis 0 given twice"},
    {"concatenate(x)", 2, 13, "needs a list of arrays"},
    {"concatenate([x, y])", 1, 12, ""},
    {"x.transpose(0)", 2, 13, "each of the array's 2 axes"},
    {"ones((2,), dtype=bytes)", 2, 18, "unknown name 'bytes'"},
    {"(1, 2)", 2, 1, "gives a tuple, not an array"},
    {"w * 2", 2, 1, "=unknown name 'w'"},
    {"z.shape[0]", 2, 1, "=unknown name 'z'"},
    {"np.float32 + x", 2, 12, "'+' takes arrays and numbers, not a string and an array"},
    {"x // (2 // 0)", 2, 9, "=division by zero"},
    {"x % (2.5 % 0)", 2, 10, "=modulo by zero"},
    {"x.astype('c16') // 2", 1, 17, "complex numbers have no floor division"},
    {"remainder(x, x.astype('c8'))", 1, 10, "complex numbers have no remainder"},
    {"x & 1", 1, 3, "bitwise operations take integers and bools, not float64"},
    {"(x > 0).astype('i4') & 1.0", 1, 22, "bitwise operations take integers and bools, not float64"},
    {"~x", 1, 1, "~ takes integers and bools, not float64"},
    {"1.5 | 2", 2, 5, "'|' takes integers and bools, not floats"},
    {"~2.5", 2, 1, "~ takes integers and bools"},
    /* ints past 64 bits, which NumPy 1.24 makes object arrays of */
    {"x + 18446744073709551616", 2, 3, "=the integer 18446744073709551616 does not fit in 64 "
     "bits (int64 or uint64): NumPy makes an object array of it, which dusk does not have"},
    {"x - 0018446744073709551616", 2, 3, "the integer 18446744073709551616 does not fit"},
    {"(-2**63 - 1) * x", 2, 14, "the integer -9223372036854775809 does not fit"},
    {"x * 10**40", 2, 3, "an integer of about 1e+40 does not fit"},
    {"2**64", 2, 1, "the integer 18446744073709551616 does not fit"},
    {"stack([x[0, 0], 2**64])", 2, 7, "the integer 18446744073709551616 does not fit"},
    {"2**63 | 1", 2, 7, "'|' takes integers and bools, not integers past 64 bits"},
    {"full(3, 2**64)", 2, 9, "the integer 18446744073709551616 does not fit"},
    /* argmax and its kin, cumsum and cumprod, where */
    {"argmx(x)", 2, 1, "=unknown function 'argmx'; did you mean 'argmax'?"},
    {"np.nanargmx(x)", 2, 1, "unknown function 'np.nanargmx'; did you mean 'nanargmax'?"},
    {"x.argmx()", 2, 3, "=an array has no method 'argmx'; did you mean 'argmax'?"},
    {"x.cumsun(0)", 2, 3, "no method 'cumsun'; did you mean 'cumsum'?"},
    {"x.nanargmax()", 2, 3, "no method 'nanargmax'"},   /* NumPy's arrays have none either */
    {"x.argmax(axs=0)", 2, 10, "argmax() has no keyword 'axs'; did you mean 'axis'?"},
    {"argmax(x, axis=(0, 1))", 2, 16, "=argmax's axis must be an integer or None, not a tuple"},
    {"x.cumprod(axis=[0])", 2, 16, "=cumprod's axis must be an integer or None, not a list"},
    {"argmin(x, axis=0.5)", 2, 16, "an axis must be an integer, not a number"},
    {"argmax(x, axis=2)", 1, 7, "=argmax: axis 2 is out of bounds for array of dimension 2"},
    {"x.cumsum(axis=-3)", 1, 9, "=cumsum: axis -3 is out of bounds for array of dimension 2"},
    {"argmax(x, axis=99)", 2, 16, "axis 99 is out of range"},
    {"argmax(x[:0], axis=0)", 1, 7, "attempt to get argmax of an empty sequence"},
    {"nanargmin(y[4:])", 1, 10, "empty"},
    {"x.astype('c8').argmax()", 1, 22, "complex numbers"},
    {"nanargmin(x.astype('c16'), axis=1)", 1, 10, "complex numbers"},
    {"x.argmin(keepdims=1.5)", 2, 19, "keepdims must be True or False"},
    {"argmax(x, split_every=-1)", 2, 23, "=split_every must be between 0 and 1000000"},
    /* reshape: NumPy's words for sizes that do not fit, Dask's refusal of
     * uneven reshapes, the library's for -1 twice; shapes are integers */
    {"x.reshape(5)", 1, 10, "=reshape: cannot reshape array of size 24 into shape (5,)"},
    {"reshape(x, (5, -1))", 1, 8, "cannot reshape array of size 24 into shape (5,newaxis)"},
    {"x.reshape(-1, -1)", 1, 10, "can only specify one unknown dimension"},
    {"x.reshape(-2, -12)", 1, 10, "negative dimensions are not allowed: -2"},
    {"x.reshape(8, 3)", 1, 10, "only merges or splits existing axes evenly"},
    {"x.reshape(2.5, -1)", 2, 11, "a shape's length must be an integer"},
    {"x.reshape((4, 6), merge_chunks=2)", 2, 32, "merge_chunks must be True or False"},
    {"x.reshape(4, 6, chunks=2)", 2, 17, "reshape() has no keyword 'chunks'"},
    {"ravel(1)", 2, 7, "ravel() needs an array here"},
    {"x.flaten()", 2, 3, "did you mean 'flatten'?"},
    {"where(x > 0)", 2, 6, "=where() needs its argument 'x'"},
    {"where(x > 0, x, 'a')", 2, 17, "=where() takes arrays and numbers, not a string"},
    {"where(x > 0, 'a', 1)", 2, 14, "expected an array or a number, not a string"},
    {"where(x > 0, 2**64, x)", 2, 14, "the integer 18446744073709551616 does not fit"},
    {"where(x > 0, y[:3], x)", 1, 6, "broadcast"},
    {"where(y[:3], 1, 2.5) + y", 1, 22, "broadcast"},
    /* the nan- reductions */
    {"nansun(x)", 2, 1, "=unknown function 'nansun'; did you mean 'nansum'?"},
    {"x.nanmean()", 2, 3, "no method 'nanmean'"},   /* NumPy's arrays have none either */
    {"nanvar(x, dof=1)", 2, 11, "nanvar() has no keyword 'dof'; did you mean 'ddof'?"},
    {"nanmin(x[:0], axis=0)", 1, 7, "=nanmin: zero-size array to reduction operation fmin "
     "which has no identity (axis 0 of shape (0, 4) is empty)"},
    {"nanmax(y[4:])", 1, 7, "reduction operation fmax which has no identity"},
    {"nanmax(x.astype('c16'))", 1, 7, "=nanmax: complex numbers (complex128) have no order; "
     "take the nanmax of abs(x), x.real or x.imag"},
    {"nansum(x, axis=2)", 1, 7, "nansum: axis out of range for an array of 2 dimensions"},
    {"nanmean(x, axis=(1, -1))", 1, 8, "nanmean: duplicate value in 'axis'"},
    {"nanstd(x, ddof=-1)", 2, 7, "=ddof and split_every must be between 0 and 1000000"},
    {"nanprod(x, split_every=1)", 1, 8, "split_every must be 0 (default) or at least 2"},
    {"nanmin(x, keepdims='a')", 2, 20, "keepdims must be True or False"},
    /* the argument of the wrong kind is named, at its column */
    {"arctan2(x, 'a')", 2, 12, "=arctan2()'s argument 'x2' must be an array or a number, not "
     "a string"},
    {"hypot((1, 2), x)", 2, 7, "=hypot()'s argument 'x1' must be an array or a number, not a "
     "tuple"},
    {"np.sinc([x])", 2, 9, "=sinc()'s argument 'x' must be an array or a number, not a list"},
    {"exp(None)", 2, 5, "=exp()'s argument 'x' must be an array or a number, not None"},
    {"subtract(x, 'b')", 2, 13, "subtract()'s argument 'x2' must be an array or a number"},
    {"clip(x, y, 1)", 2, 9, "=clip()'s a_min must be a number or None, not an array"},
    {"x.clip(None, 'z')", 2, 14, "=clip()'s a_max must be a number or None, not a string"},
    {"clip(x, None, None)", 2, 5, "clip() needs a_min or a_max"},
    {"x.clip()", 2, 7, "clip() needs a_min or a_max"},
    {"round(x, 0.5)", 2, 10, "=decimals must be an integer, not a number"},
    {"x.round(decimal=1)", 2, 9, "=round() has no keyword 'decimal'; did you mean 'decimals'?"},
    {"around(x, 5000)", 2, 11, "=decimals must be between -1000 and 1000"},
    {"isclose(x, y, rtol='a')", 2, 20, "=rtol must be a number, not a string"},
    {"allclose(x, 1, equal_nan=3)", 2, 26, "=equal_nan must be True or False, not an integer"},
    {"isclose(x, 'a')", 2, 12, "=isclose()'s argument 'b' must be an array or a number, not a string"},
    {"nan_to_num(x, nan=None)", 2, 19, "=nan must be a number, not None"},
    {"nan_to_num(x, posinf='big')", 2, 22, "=posinf must be a number, not a string"},
    {"nan_to_num(x, neginf=1, copy=2)", 2, 30, "=copy must be True or False, not an integer"},
    {"fmod(x.astype('c16'), 2)", 1, 5, "=fmod: ufunc 'fmod' not supported for complex128 (nor "
     "in NumPy)"},
    {"positive(x > 0)", 1, 9, "positive"},
    {"x.clip(1, 2, 3)", 2, 14, "=clip() takes at most 2 arguments"},
};

/* Each function added with NumPy's ufuncs: called with one argument too
 * many and with none, the message names the function, how many it takes
 * and the argument it lacks, at their columns. */
static void test_eval_arity(void **state)
{
    (void)state;
    static const struct { const char *name; int most; const char *first; } F[] = {
        {"arctan2", 2, "x1"}, {"hypot", 2, "x1"}, {"copysign", 2, "x1"},
        {"nextafter", 2, "x1"}, {"logaddexp", 2, "x1"}, {"logaddexp2", 2, "x1"},
        {"fmod", 2, "x1"}, {"fmax", 2, "x1"}, {"fmin", 2, "x1"}, {"float_power", 2, "x1"},
        {"logical_and", 2, "x1"}, {"logical_or", 2, "x1"}, {"logical_xor", 2, "x1"},
        {"logical_not", 1, "x"}, {"positive", 1, "x"}, {"reciprocal", 1, "x"},
        {"cbrt", 1, "x"}, {"exp2", 1, "x"}, {"fabs", 1, "x"}, {"deg2rad", 1, "x"},
        {"rad2deg", 1, "x"}, {"degrees", 1, "x"}, {"radians", 1, "x"}, {"arcsinh", 1, "x"},
        {"arccosh", 1, "x"}, {"arctanh", 1, "x"}, {"signbit", 1, "x"}, {"sinc", 1, "x"},
        {"clip", 3, "a"}, {"round", 2, "a"}, {"around", 2, "a"}, {"round_", 2, "a"},
        {"isclose", 5, "a"}, {"allclose", 5, "a"}, {"nan_to_num", 5, "x"},
        {"true_divide", 2, "x1"}, {"mod", 2, "x1"},
    };
    for (size_t i = 0; i < sizeof F / sizeof *F; i++) {
        char text[128], want[128];
        for (int many = 0; many < 2; many++) {
            int n = snprintf(text, sizeof text, "np.%s(", F[i].name);
            int col = 0;
            for (int k = 0; many && k <= F[i].most; k++) {
                if (k == F[i].most)
                    col = n + 1 + (k ? 2 : 0);   /* past the ", " */
                n += snprintf(text + n, sizeof text - (size_t)n, "%sy", k ? ", " : "");
            }
            snprintf(text + n, sizeof text - (size_t)n, ")");
            if (many)
                snprintf(want, sizeof want, "=%s() takes at most %d argument%s", F[i].name,
                         F[i].most, F[i].most == 1 ? "" : "s");
            else
                snprintf(want, sizeof want, "=%s() needs its argument '%s'", F[i].name,
                         F[i].first);
            if (!many)
                col = (int)strlen(F[i].name) + 4;   /* the '(' */
            dusk_array_ctx *ctx = dusk_array_ctx_new();
            expr_binding in[2] = {{"x", make_x(ctx)}, {"y", make_y(ctx)}};
            expr_env env = {ctx, in, 2, NULL, 0, 0};
            expr_error err;
            expr_tree *t = expr_parse(text, &err);
            assert_non_null(t);
            dusk_array *r = NULL;
            int rc = expr_eval(t, &env, &r, &err);
            if (rc != 2 || err.col != col || strcmp(err.msg, want + 1) != 0)
                fail_msg("'%s': code %d at column %d: \"%s\"; expected 2 at %d: \"%s\"", text, rc,
                         err.col, err.msg, col, want + 1);
            expr_free(t);
            dusk_array_ctx_free(ctx);
        }
    }
}

/* The did-you-mean rule (expr_closest, which every guess of the dusk
 * command uses): a typo of a letter or a swap finds the word; a word with
 * no close one gets no guess, not the nearest of far ones. */
static void test_closest(void **state)
{
    (void)state;
    static const char *const run_opts[] = {"--scheduler", "--workers", "--progress",
                                           "--quiet", "--trace", "--report", "--chart",
                                           "--csv", "--view", "--delay", "--start-paused",
                                           "--close", "--plugin"};
    static const char *const subs[] = {"run", "render", "profile", "eval", "demo", "view",
                                       "help"};
    static const char *const funcs[] = {"ones", "zeros", "mean", "sum", "argmax", "argmin",
                                        "nansum", "sqrt", "exp", "log", "log2"};
    static const struct {
        const char *given;
        const char *const *known;
        size_t n;
        const char *want;   /* NULL: no guess */
    } cases[] = {
        {"--wrokers", run_opts, 13, "--workers"},     /* two letters swapped */
        {"--worker", run_opts, 13, "--workers"},      /* one dropped */
        {"--qiuet", run_opts, 13, "--quiet"},
        {"--Trace", run_opts, 13, "--trace"},         /* case aside */
        {"--sched", run_opts, 13, "--scheduler"},     /* the one word it begins */
        {"-workers", run_opts, 13, "--workers"},      /* one dash short */
        {"--nope", run_opts, 13, NULL},               /* --close is 3 edits off 4 letters */
        {"--st", run_opts, 13, NULL},                 /* too short to be a beginning */
        {"--xyzzy", run_opts, 13, NULL},
        {"--p", run_opts, 13, NULL},                  /* --progress or --plugin: no guess */
        {"rnu", subs, 7, "run"},
        {"rn", subs, 7, "run"},
        {"veiw", subs, 7, "view"},
        {"prfile", subs, 7, "profile"},
        {"rendr", subs, 7, "render"},
        {"bogus", subs, 7, NULL},
        {"x", subs, 7, NULL},
        {"list", subs, 7, NULL},                      /* eval, help: 2 edits off 4 letters */
        {"maen", funcs, 11, "mean"},
        {"argmx", funcs, 11, "argmax"},
        {"sqtr", funcs, 11, "sqrt"},
        {"nansun", funcs, 11, "nansum"},
        {"cumsum", funcs, 11, NULL},
        {"zero", funcs, 11, "zeros"},
        {"foo", funcs, 11, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = expr_closest(cases[i].given, cases[i].known, cases[i].n);
        if (!cases[i].want && got)
            fail_msg("'%s': guessed '%s', want no guess", cases[i].given, got);
        if (cases[i].want && (!got || strcmp(got, cases[i].want) != 0))
            fail_msg("'%s': guessed '%s', want '%s'", cases[i].given, got ? got : "(none)",
                     cases[i].want);
    }
    assert_null(expr_closest(NULL, subs, 7));
}

static void test_eval_errors(void **state)
{
    (void)state;
    size_t n = sizeof EVAL_ERRORS / sizeof *EVAL_ERRORS;
    for (size_t i = 0; i < n; i++) {
        const eval_case *c = &EVAL_ERRORS[i];
        long live = dusk_alloc_live();
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        expr_binding in[2] = {{"x", make_x(ctx)}, {"y", make_y(ctx)}};
        expr_env env = {ctx, in, 2, NULL, 0, 0};
        expr_error err;
        expr_tree *t = expr_parse(c->text, &err);
        if (!t)
            fail_msg("'%s' does not parse: %s", c->text, err.msg);
        dusk_array *r = NULL;
        int rc = expr_eval(t, &env, &r, &err);
        if (rc == 0)
            fail_msg("'%s' evaluated; expected error code %d at column %d", c->text, c->code,
                     c->col);
        if (rc != c->code || err.code != c->code || err.col != c->col ||
            (c->msg[0] == '=' ? strcmp(err.msg, c->msg + 1) != 0 : !strstr(err.msg, c->msg)))
            fail_msg("'%s': code %d at column %d: \"%s\"; expected code %d at column %d: \"%s\"",
                     c->text, rc, err.col, err.msg, c->code, c->col, c->msg);
        assert_null(r);
        expr_free(t);
        dusk_array_ctx_free(ctx);
        assert_int_equal(dusk_alloc_live(), live);
    }
}

/* The limits the fuzz target sets: elements and axis lengths of made
 * arrays (an empty array's grid of blocks is made too), blocks of results. */
static void test_eval_limits(void **state)
{
    (void)state;
    static const struct { const char *text; const char *msg; } CASES[] = {
        {"zeros((2922337277503800, 0))", "an axis of length 2922337277503800 is more than the 4096"},
        {"ones((100, 100))", "an array of 10000 elements is more than the 4096"},
        {"arange(0, 1e300, 1e290)", "an axis of length 10000000000 is more than"},
        {"ones(4096, chunks=1)", "the result has 4096 blocks, more than the 256"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        expr_env env = {ctx, NULL, 0, NULL, 4096, 256};
        expr_error err;
        expr_tree *t = expr_parse(CASES[i].text, &err);
        assert_non_null(t);
        dusk_array *r = NULL;
        assert_int_equal(expr_eval(t, &env, &r, &err), 2);
        if (!strstr(err.msg, CASES[i].msg))
            fail_msg("'%s': \"%s\", expected \"%s\"", CASES[i].text, err.msg, CASES[i].msg);
        expr_free(t);
        dusk_array_ctx_free(ctx);
    }
}

/* Evaluates text with x and y bound; the array, which must be fine. */
static dusk_array *eval_ok(dusk_array_ctx *ctx, const char *text)
{
    expr_binding in[2] = {{"x", make_x(ctx)}, {"y", make_y(ctx)}};
    expr_env env = {ctx, in, 2, NULL, 0, 0};
    expr_error err;
    expr_tree *t = expr_parse(text, &err);
    if (!t)
        fail_msg("'%s' does not parse: column %d: %s", text, err.col, err.msg);
    dusk_array *r = NULL;
    if (expr_eval(t, &env, &r, &err) != 0)
        fail_msg("'%s' does not evaluate: column %d: %s", text, err.col, err.msg);
    expr_free(t);
    return r;
}

/* a and b compute to the same shape, dtype and elements (floats within 1e-12). */
static void assert_same(const char *text, dusk_array *a, dusk_array *b)
{
    dusk_value *va = compute_on(a, DUSK_SCHED_SYNC), *vb = compute_on(b, DUSK_SCHED_SYNC);
    if (dusk_ndarray_dtype(va) != dusk_ndarray_dtype(vb))
        fail_msg("'%s': dtype %s, expected %s", text, dusk_dtype_code(dusk_ndarray_dtype(va)),
                 dusk_dtype_code(dusk_ndarray_dtype(vb)));
    assert_int_equal(dusk_ndarray_ndim(va), dusk_ndarray_ndim(vb));
    for (int d = 0; d < dusk_ndarray_ndim(va); d++)
        assert_int_equal(dusk_ndarray_shape(va)[d], dusk_ndarray_shape(vb)[d]);
    dusk_dtype t = dusk_ndarray_dtype(va);
    for (int64_t k = 0; k < dusk_ndarray_size(va); k++) {
        if (dt_float(t)) {
            double x = ref_getf(dusk_ndarray_data(va), t, k), y = ref_getf(dusk_ndarray_data(vb), t, k);
            if (!close_enough(x, y, 1e-12, 1e-12) && !(x != x && y != y))
                fail_msg("'%s': element %lld is %.17g, expected %.17g", text, (long long)k, x, y);
        } else if (ref_geti(dusk_ndarray_data(va), t, k) != ref_geti(dusk_ndarray_data(vb), t, k)) {
            fail_msg("'%s': element %lld differs", text, (long long)k);
        }
    }
    dusk_value_unref(va);
    dusk_value_unref(vb);
}

static void test_eval_values(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = make_x(ctx), *y = make_y(ctx);
    static const int64_t L[] = {3, 0, 5};
    dusk_index ix1[] = {DUSK_SLICE(DUSK_NIL, 4, DUSK_NIL), DUSK_SLICE(3, 0, -2)};
    dusk_index ix2[] = {DUSK_ALL, DUSK_LIST(L + 0, 2)};
    dusk_index ix3[] = {DUSK_ELLIPSIS, DUSK_NEWAXIS};
    dusk_index ix4[] = {DUSK_AT(-1)};
    struct { const char *text; dusk_array *want; } cases[] = {
        {"x - x.mean(axis=0)", dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false))},
        {"x + 1", dusk_array_binop_scalar(DUSK_BINOP_ADD, x, 1, false)},
        {"2 * x ** 2 - 1",
         dusk_array_binop_scalar(DUSK_BINOP_SUB,
                                 dusk_array_binop_scalar(DUSK_BINOP_MUL,
                                                         dusk_array_binop_scalar(DUSK_BINOP_POW, x, 2, false),
                                                         2, true), 1, false)},
        {"-x", dusk_array_unop(DUSK_UNOP_NEG, x)},
        {"1 / (x + 10)", dusk_array_binop_scalar(DUSK_BINOP_DIV,
                                                 dusk_array_binop_scalar(DUSK_BINOP_ADD, x, 10, false), 1, true)},
        {"x * y", dusk_array_mul(x, y)},
        {"x @ x.T", dusk_array_matmul(x, dusk_array_transpose(x, NULL))},
        {"dot(x.T, x)", dusk_array_dot(dusk_array_transpose(x, NULL), x)},
        {"np.exp(x)", dusk_array_unop(DUSK_UNOP_EXP, x)},
        {"sqrt(abs(x))", dusk_array_unop(DUSK_UNOP_SQRT, dusk_array_unop(DUSK_UNOP_ABS, x))},
        {"x.sum()", dusk_array_sum(x, DUSK_ALL_AXES, false)},
        {"x.sum(axis=1, keepdims=True)", dusk_array_sum(x, DUSK_AXIS(1), true)},
        {"std(x, axis=(0,), ddof=1)", dusk_array_reduce(DUSK_RED_STD, x, DUSK_AXIS(0), false, 0, 1)},
        {"x.max(axis=-1)", dusk_array_reduce(DUSK_RED_MAX, x, DUSK_AXIS(-1), false, 0, 0)},
        {"(x > 0).any(axis=0)", dusk_array_reduce(DUSK_RED_ANY,
                                                  dusk_array_binop_scalar(DUSK_BINOP_GT, x, 0, false),
                                                  DUSK_AXIS(0), false, 0, 0)},
        {"x[:4, 3:0:-2]", dusk_array_getitem(x, ix1, 2)},
        {"x[:, [3, 0]]", dusk_array_getitem(x, ix2, 2)},
        {"x[..., None]", dusk_array_getitem(x, ix3, 2)},
        {"y[-1]", dusk_array_getitem(y, ix4, 1)},
        {"ones((15, 15), chunks=(5, 5))", dusk_ones(ctx, DUSK_SHAPE(15, 15), "(5, 5)", DUSK_DT_F8)},
        {"zeros(4, dtype='i4', chunks=2)", dusk_zeros(ctx, DUSK_SHAPE(4), "2", DUSK_DT_I4)},
        {"full((2, 3), 7)", dusk_full(ctx, DUSK_SHAPE(2, 3), "auto", DUSK_DT_I8, 7)},
        {"arange(10)", dusk_arange(ctx, 0, 10, 1, "auto")},
        {"arange(10.)", dusk_arange_f8(ctx, 0, 10, 1, "auto")},   /* NumPy's float64 */
        {"arange(0, 10, 1.0)", dusk_arange_f8(ctx, 0, 10, 1, "auto")},
        {"(x > 0) & ~(y < 1) | (x == 2) ^ True",
         dusk_array_binop(DUSK_BINOP_OR,
                          dusk_array_binop(DUSK_BINOP_AND,
                                           dusk_array_binop_scalar(DUSK_BINOP_GT, x, 0, false),
                                           dusk_array_unop(DUSK_UNOP_INVERT,
                                                           dusk_array_binop_scalar(DUSK_BINOP_LT, y, 1, false))),
                          dusk_array_binop_typed(DUSK_BINOP_XOR,
                                                 dusk_array_binop_scalar(DUSK_BINOP_EQ, x, 2, false),
                                                 dusk_scalar_bool(true), false))},
        {"maximum(x, 0) - np.minimum(x, y)",
         dusk_array_sub(dusk_array_binop_scalar(DUSK_BINOP_MAX, x, 0, false),
                        dusk_array_binop(DUSK_BINOP_MIN, x, y))},
        {"arange(1, 2, 0.25, chunks=3)", dusk_arange(ctx, 1, 2, 0.25, "3")},
        {"linspace(0, 1, 5)", dusk_linspace(ctx, 0, 1, 5, "auto")},
        {"eye(4)", dusk_eye(ctx, 4, 4, 0, "auto", DUSK_DT_F8)},
        {"da.eye(5, chunks=2, M=3, k=-1, dtype=np.int32)", dusk_eye(ctx, 5, 3, -1, "2", DUSK_DT_I4)},
        {"eye(3, 2) @ ones((3, 2))", dusk_array_matmul(dusk_eye(ctx, 3, 3, 0, "2", DUSK_DT_F8),
                                                          dusk_ones(ctx, DUSK_SHAPE(3, 2), "auto",
                                                                    DUSK_DT_F8))},
        {"random.normal(2, 3, size=(4, 4), chunks=2, seed=7)",
         dusk_random_normal(ctx, 7, 2, 3, DUSK_SHAPE(4, 4), "2")},
        {"np.random.uniform(size=5, seed=1)", dusk_random_uniform(ctx, 1, 0, 1, DUSK_SHAPE(5), "auto")},
        {"random.randint(0, 10, size=(3, 4), chunks=2, dtype='i2', seed=5)",
         dusk_random_integers(ctx, 5, 0, 10, DUSK_SHAPE(3, 4), "2", DUSK_DT_I2)},
        {"random.randint(7, size=6)", dusk_random_integers(ctx, 42, 0, 7, DUSK_SHAPE(6), "auto",
                                                           DUSK_DT_I8)},
        {"random.exponential(2.5, size=5, seed=3)",
         dusk_random_exponential(ctx, 3, 2.5, DUSK_SHAPE(5), "auto")},
        {"random.exponential(size=4)", dusk_random_exponential(ctx, 42, 1, DUSK_SHAPE(4), "auto")},
        {"random.poisson(3.5, size=(2, 3), chunks=1)",
         dusk_random_poisson(ctx, 42, 3.5, DUSK_SHAPE(2, 3), "1")},
        {"np.random.standard_normal((2, 2))", dusk_random_normal(ctx, 42, 0, 1, DUSK_SHAPE(2, 2),
                                                                  "auto")},
        {"random.random_sample(3)", dusk_random_uniform(ctx, 42, 0, 1, DUSK_SHAPE(3), "auto")},
        {"x.astype(np.float32)", dusk_array_astype(x, DUSK_DT_F4)},
        {"x.rechunk((6, 4))", dusk_array_rechunk(x, "(6, 4)")},
        {"x.transpose(1, 0)", dusk_array_transpose(x, (const int[]){1, 0})},
        {"concatenate([x, x], axis=1)", dusk_concatenate((dusk_array *[]){x, x}, 2, 1)},
        {"stack([y, y * 2])", dusk_stack((dusk_array *[]){y, dusk_array_binop_scalar(DUSK_BINOP_MUL, y, 2, false)}, 2, 0)},
        {"tensordot(x, x, axes=((0,), (0,)))", dusk_tensordot(x, x, (const int[]){0}, (const int[]){0}, 1)},
        {"squeeze(x[:1])", dusk_array_squeeze(dusk_array_slice(x, ":1"), DUSK_ALL_AXES)},
        {"x.shape[0] * y", dusk_array_binop_scalar(DUSK_BINOP_MUL, y, 6, true)},
        {"2 ** 3 + pi * 0", dusk_full(ctx, DUSK_SHAPE0, "()", DUSK_DT_F8, 8)},
        {"x.T.T == x", dusk_array_binop(DUSK_BINOP_EQ, x, x)},
        {"x.astype('c16').imag", dusk_array_unop(DUSK_UNOP_IMAG, dusk_array_astype(x, DUSK_DT_C16))},
        {"(x.astype(np.complex64) * 2).real",
         dusk_array_unop(DUSK_UNOP_REAL, dusk_array_binop_scalar(DUSK_BINOP_MUL,
                                                                  dusk_array_astype(x, DUSK_DT_C8),
                                                                  2, false))},
        {"ones(3, dtype=complex)", dusk_ones(ctx, DUSK_SHAPE(3), "auto", DUSK_DT_C16)},
        /* bool and x.dtype of a bool array name 'b1', NumPy's code */
        {"ones(3, dtype=bool)", dusk_ones(ctx, DUSK_SHAPE(3), "auto", DUSK_DT_BOOL)},
        {"zeros(3, dtype='b1')", dusk_zeros(ctx, DUSK_SHAPE(3), "auto", DUSK_DT_BOOL)},
        {"zeros(y.shape, dtype=(y > 0).dtype)", dusk_zeros(ctx, DUSK_SHAPE(4), "auto", DUSK_DT_BOOL)},
        {"x.argmax(axis=0)", dusk_array_argreduce(DUSK_ARG_MAX, x, 0, false, 0)},
        {"np.nanargmin(x, axis=-1, keepdims=True, split_every=2)",
         dusk_array_argreduce(DUSK_ARG_NANMIN, x, -1, true, 2)},
        {"argmin(y)", dusk_array_argmin(y, DUSK_AXIS_NONE)},
        {"x.cumsum(1)", dusk_array_cumsum(x, 1)},
        {"cumprod(y, axis=None)", dusk_array_cumprod(y, DUSK_AXIS_NONE)},
        {"nanstd(x, axis=0, ddof=1)", dusk_array_reduce(DUSK_RED_NANSTD, x, DUSK_AXIS(0), false,
                                                        0, 1)},
        {"np.nanmax(y, keepdims=True, split_every=2)",
         dusk_array_reduce(DUSK_RED_NANMAX, y, DUSK_ALL_AXES, true, 2, 0)},
        {"da.nansum(x, axis=(0, 1))", dusk_array_reduce(DUSK_RED_NANSUM, x, DUSK_ALL_AXES, false,
                                                        0, 0)},
        {"nanmean(x, -1)", dusk_array_reduce(DUSK_RED_NANMEAN, x, DUSK_AXIS(1), false, 0, 0)},
        {"where(x > 0, x, y)", dusk_array_where(dusk_array_binop_scalar(DUSK_BINOP_GT, x, 0, false),
                                                x, y)},
        {"where(y, 0, x)", dusk_array_where_scalar(y, x, dusk_scalar_int(0), true)},
        {"ones(3, dtype='float16') + 1", dusk_array_binop_scalar(DUSK_BINOP_ADD,
                                                                 dusk_ones(ctx, DUSK_SHAPE(3), "auto",
                                                                           DUSK_DT_F2), 1, false)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(dusk_array_status(cases[i].want, NULL), 0);
        assert_same(cases[i].text, eval_ok(ctx, cases[i].text), cases[i].want);
    }
    dusk_array_ctx_free(ctx);
}

/* The same expression gives the same keys (Dask's deterministic tokens). */
static void test_eval_same_keys(void **state)
{
    (void)state;
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = make_x(ctx);
    dusk_array *direct = dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false));
    dusk_array *viaexpr = eval_ok(ctx, "x - x.mean(axis=0)");
    assert_string_equal(dusk_array_name(direct), dusk_array_name(viaexpr));
    assert_int_equal(dusk_array_ntasks(direct), dusk_array_ntasks(viaexpr));
    /* NumPy's names of the operators build layers named as Dask's */
    static const char *const NAMED[] = {"subtract(x, 1)", "np.multiply(2, x)",
                                        "true_divide(x, x)", "greater_equal(x, 0)"};
    static const char *const LAYER[] = {"subtract-", "multiply-", "divide-", "greater_equal-"};
    for (size_t k = 0; k < sizeof NAMED / sizeof *NAMED; k++) {
        const char *name = dusk_array_name(eval_ok(ctx, NAMED[k]));
        if (strncmp(name, LAYER[k], strlen(LAYER[k])) != 0)
            fail_msg("'%s' is named %s, not %s...", NAMED[k], name, LAYER[k]);
    }
    assert_string_equal(dusk_array_name(eval_ok(ctx, "subtract(x, 1)")),
                        dusk_array_name(dusk_array_binop_typed(DUSK_BINOP_SUBTRACT, x,
                                                               dusk_scalar_int(1), false)));
    dusk_array_ctx_free(ctx);
}

/* --- cli_eval, end to end ------------------------------------------------------- */

typedef struct ran {
    int rc;
    char *out, *err;
} ran;

/* cli_eval on the arguments (NULL-ended), stdout and stderr captured. */
static ran run_eval(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "eval";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    fflush(stderr);
    int save1 = dup(1), save2 = dup(2);
    int o = open(scratch("stdout"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(scratch("stderr"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    ran r;
    r.rc = cli_eval(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(save1, 1);
    dup2(save2, 2);
    close(o);
    close(e);
    close(save1);
    close(save2);
    r.out = slurp(scratch("stdout"), NULL);
    r.err = slurp(scratch("stderr"), NULL);
    return r;
}

static void ran_free(ran *r)
{
    free(r->out);
    free(r->err);
}

/* The input file: x, 100 x 60 float64 (k % 97 / 7), in data.h5:/x. */
static double *input_data(void)
{
    static double d[6000];
    for (int k = 0; k < 6000; k++)
        d[k] = (k % 97) / 7.0 - 3;
    return d;
}

static const char *input_file(void)
{
    static char path[512];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", scratch("data.h5"));
        dusk_array_ctx *ctx = dusk_array_ctx_new();
        dusk_array *x = dusk_from_buffer(ctx, input_data(), DUSK_DT_F8, DUSK_SHAPE(100, 60), "(50, 30)");
        dusk_error err = DUSK_ERROR_INIT;
        if (dusk_array_store(x, path, "/x", NULL, NULL, &err) != 0)
            fail_msg("storing the input: %s", err.msg);
        dusk_array_ctx_free(ctx);
    }
    return path;
}

static void test_cli_store(void **state)
{
    (void)state;
    char input[600], output[600];
    snprintf(input, sizeof input, "x=%s:/x", input_file());
    snprintf(output, sizeof output, "%s:/r", scratch("r.h5"));
    ran r = run_eval("x - x.mean(axis=0)", "--input", input, "--chunks", "(25, 20)", "-o", output,
                     "--describe", NULL);
    if (r.rc != 0)
        fail_msg("exit %d: %s", r.rc, r.err);
    assert_string_equal(r.err, "");
    assert_non_null(strstr(r.out, "Bytes"));
    assert_non_null(strstr(r.out, "(100, 60)"));
    ran_free(&r);

    /* the same with the array API */
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    dusk_array *x = dusk_from_buffer(ctx, input_data(), DUSK_DT_F8, DUSK_SHAPE(100, 60), "(25, 20)");
    dusk_value *want = compute_on(dusk_array_sub(x, dusk_array_mean(x, DUSK_AXIS(0), false)),
                                  DUSK_SCHED_SYNC);
    /* read back by libhdf5's own h5dump */
    h5dump_out o;
    assert_int_equal(run_h5dump(scratch("r.h5"), "/r", NULL, &o), 0);
    assert_non_null(strstr(o.type, "H5T_IEEE_F64LE"));
    assert_int_equal(o.n, 6000);
    const double *w = dusk_ndarray_data(want);
    for (size_t k = 0; k < o.n; k++)
        if (!close_enough(strtod(o.tok[k], NULL), w[k], 1e-15, 1e-15))
            fail_msg("element %zu: %s, expected %.17g", k, o.tok[k], w[k]);
    h5dump_free(&o);
    dusk_value_unref(want);
    dusk_array_ctx_free(ctx);
}

static void test_cli_print(void **state)
{
    (void)state;
    ran r = run_eval("ones((3, 4), chunks=2).sum(axis=0) * 2", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[6. 6. 6. 6.]\n");
    ran_free(&r);
    r = run_eval("arange(6)[::-2] > 1", "--print", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[ True  True False]\n");
    ran_free(&r);
    r = run_eval("linspace(0, 1, 3)[None, :] + zeros((2, 1))", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[[0.  0.5 1. ]\n [0.  0.5 1. ]]\n");
    ran_free(&r);
    r = run_eval("arange(2000).sum()", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "1999000\n");
    ran_free(&r);
    r = run_eval("arange(2000)", NULL);   /* long: cut as NumPy cuts it */
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[   0    1    2 ... 1997 1998 1999]\n");
    ran_free(&r);
    /* argmax prints an int64; where of two numbers is float64 as NumPy's */
    r = run_eval("argmax(arange(7, chunks=3) % 4), cumsum(arange(4, chunks=3) > 0)", NULL);
    assert_int_equal(r.rc, 2);   /* a tuple is no result */
    ran_free(&r);
    r = run_eval("argmax(arange(7, chunks=3) % 4)", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "3\n");
    ran_free(&r);
    r = run_eval("cumsum(arange(4, chunks=3) > 0) * 2", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[0 2 4 6]\n");
    ran_free(&r);
    r = run_eval("where(arange(4, chunks=2) > 1, 1, 2.5)", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[2.5 2.5 1.  1. ]\n");
    ran_free(&r);
}

/* A word that starts with '-' is an option when it reads as one, else the
 * expression; one that reads as an option but is none says where an
 * expression that starts with '-' goes. */
static void test_cli_minus_first(void **state)
{
    (void)state;
    ran r = run_eval("-ones(2, chunks=1) * 2", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[-2. -2.]\n");
    ran_free(&r);
    r = run_eval("-(1 + 2)", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "-3\n");
    ran_free(&r);
    r = run_eval("-inf", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "dusk eval: unknown option '-inf' (an expression that starts "
                        "with '-' goes after --: dusk eval -- '-inf')\n");
    ran_free(&r);
    r = run_eval("--", "-inf", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "-inf\n");
    ran_free(&r);
    /* -i, -o, -q are options: -i as the expression took --input as its
     * value and the rest as the expression; a long option is no value */
    r = run_eval("-i", "--input", "i=f.h5:/d", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "dusk eval: -i needs a value ('--input' is an option; an "
                        "expression that starts with '-' goes last, after --: dusk eval "
                        "OPTIONS -- EXPR)\n");
    ran_free(&r);
    r = run_eval("x", "--input", "--chunks", "3", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "dusk eval: --input needs a value ('--chunks' is an option)\n");
    ran_free(&r);
    r = run_eval("ones(2)", "--prnt", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "dusk eval: unknown option '--prnt'; did you mean '--print'? "
                        "(dusk eval --help lists them)\n");
    ran_free(&r);
}

/* The new functions print the numbers they are known to give. */
static void test_cli_ufunc_values(void **state)
{
    (void)state;
    static const struct { const char *text, *out; } CASES[] = {
        {"hypot(3, 4)", "5.0\n"},
        {"hypot(arange(3, chunks=2), 4) ** 2", "[16. 17. 20.]\n"},
        {"arctan2(1, 1) * 4", "3.141592653589793\n"},
        {"arctan2(arange(2, chunks=1), -1)", "[3.14159265 2.35619449]\n"},
        {"copysign(arange(3, chunks=2), -1)", "[-0. -1. -2.]\n"},
        {"nextafter(1, 2) - 1", "2.220446049250313e-16\n"},
        {"nextafter(1, 2)", "1.0000000000000002\n"},   /* the shortest that reads back */
        {"logaddexp(0, 0) - log(2) + logaddexp2(3, 3)", "4.0\n"},
        {"fmod(arange(-3, 4, chunks=3), 2)", "[-1  0 -1  0  1  0  1]\n"},
        {"fmod(-7.5, 2)", "-1.5\n"},
        {"fmax(where(arange(3) > 0, arange(3), nan), 1.5)", "[1.5 1.5 2. ]\n"},
        {"fmin(nan, 2)", "2.0\n"},
        {"float_power(arange(4, chunks=2), 2)", "[0. 1. 4. 9.]\n"},
        {"logical_and(arange(4) > 1, arange(4) % 2)", "[False False False  True]\n"},
        {"logical_or(0, 0.5)", "True\n"},
        {"logical_xor(arange(4) > 1, arange(4) % 2)", "[False  True  True False]\n"},
        {"logical_not(arange(3))", "[ True False False]\n"},
        {"positive(-arange(3))", "[ 0 -1 -2]\n"},
        {"reciprocal(arange(1, 5))", "[1 0 0 0]\n"},
        {"reciprocal(arange(1, 5.))", "[1.         0.5        0.33333333 0.25      ]\n"},
        {"cbrt(-8.) + exp2(10)", "1022.0\n"},
        {"fabs(-arange(2))", "[0. 1.]\n"},
        {"deg2rad(180) + radians(180) - 2 * pi", "0.0\n"},
        {"rad2deg(pi / 2) + degrees(pi)", "270.0\n"},
        {"arcsinh(0) + arccosh(1) + arctanh(0)", "0.0\n"},
        {"round(tanh(arctanh(0.5)), 12)", "0.5\n"},   /* libm and NumPy differ by an ulp */
        {"signbit(-0.0)", "True\n"},
        {"signbit(arange(-1, 2))", "[ True False False]\n"},
        {"sinc(0) + sinc(1)", "1.0\n"},
        {"clip(arange(6, chunks=4), 1, 4)", "[1 1 2 3 4 4]\n"},
        {"arange(6).clip(None, 2)", "[0 1 2 2 2 2]\n"},
        {"clip(7, 0, 5)", "5\n"},
        {"round(arange(4, chunks=3) * 1.25, 1)", "[0.  1.2 2.5 3.8]\n"},
        {"around(1234, -2)", "1200\n"},
        {"(arange(3) + 0.5).round()", "[0. 2. 2.]\n"},   /* half to even */
        {"isclose(arange(3), 1 + 1e-9)", "[False  True False]\n"},
        {"isclose(nan, nan, equal_nan=True)", "True\n"},
        {"allclose(arange(3), arange(3) + 1e-9)", "True\n"},
        {"allclose(arange(3), 0)", "False\n"},
        {"nan_to_num(arange(3, chunks=2) / 0., nan=-1, posinf=9)", "[-1.  9.  9.]\n"},
        {"nan_to_num(-inf)", "-1.7976931348623157e+308\n"},
        {"subtract(7, 2) * multiply(2, 3) + true_divide(1, 4) + power(2, 3)", "38.25\n"},
        {"mod(arange(-2, 3), 2) + remainder(5, 3) + floor_divide(7, 2)",
         "[5 6 5 6 5]\n"},
        {"greater_equal(arange(3), 1) ^ less(arange(3), 2)", "[ True False  True]\n"},
        {"nansum(where(arange(4) > 1, nan, arange(4)))", "1.0\n"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        ran r = run_eval(CASES[i].text, NULL);
        if (r.rc != 0 || strcmp(r.out, CASES[i].out) != 0)
            fail_msg("'%s': exit %d, printed \"%s\" (%s); expected \"%s\"", CASES[i].text, r.rc,
                     r.out, r.err, CASES[i].out);
        ran_free(&r);
    }
}

/* cli_user_text: C function names out of the libraries' messages. */
static void test_user_text(void **state)
{
    (void)state;
    static const struct { const char *in, *out; } CASES[] = {
        {"dusk_view_get: cannot open a window", "cannot open a window"},
        {"--input x: dusk_view_trace: path is NULL", "--input x: path is NULL"},
        {"a; dusk_array_ctx_set_memory_check(ctx, false) skips this check",
         "a; dusk eval --no-memory-check skips this check (the computation may then be killed "
         "for want of memory)"},
        {"task f: not registered, so it cannot run in another process (dusk_func_register)",
         "task f: not registered, so it cannot run in another process"},
        /* names a user writes stay: a plugin's entry point, a key */
        {"plugin p.so: dusk_plugin_init returned 3", "plugin p.so: dusk_plugin_init returned 3"},
        {"unknown key 'dusk_x: y'", "unknown key 'dusk_x: y'"},
        {"dusk_", "dusk_"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", CASES[i].in);
        cli_user_text(buf, sizeof buf);
        assert_string_equal(buf, CASES[i].out);
    }
    /* a hint that grows past the buffer is cut, within it */
    char big[96] = "x; dusk_array_ctx_set_memory_check(ctx, false) skips this check";
    memset(big + 65, 'z', sizeof big - 65);   /* past the 70 bytes given: to stay */
    char before[96];
    memcpy(before, big, sizeof big);
    cli_user_text(big, 70);
    assert_int_equal(strlen(big), 69);
    assert_true(strncmp(big, "x; dusk eval --no-memory-check", 30) == 0);
    assert_memory_equal(big + 70, before + 70, sizeof big - 70);
}

static void test_cli_errors(void **state)
{
    (void)state;
    char input[600], output[600];
    snprintf(input, sizeof input, "x=%s:/x", input_file());
    snprintf(output, sizeof output, "%s:/r", scratch("never.h5"));

    ran r = run_eval("x - x.mean(axis=)", "--input", input, "-o", output, NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "dusk eval: column 17: expected an expression, found ')'\n"
                               "  x - x.mean(axis=)\n"
                               "                  ^\n");
    assert_string_equal(r.out, "");
    ran_free(&r);

    r = run_eval("x - x.maen(axis=0)", "--input", input, "-o", output, NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "column 7: an array has no method 'maen'; did you mean 'mean'?"));
    assert_non_null(strstr(r.err, "\n        ^\n"));
    ran_free(&r);

    r = run_eval("x + ones(7)", "--input", input, "-o", output, NULL);   /* dusk's own message */
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "column 3: "));
    assert_non_null(strstr(r.err, "(100, 60)"));
    ran_free(&r);

    char missing[600];
    snprintf(missing, sizeof missing, "x=%s:/x", scratch("missing.h5"));
    r = run_eval("x + 1", "--input", missing, "-o", output, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "dusk eval: --input x: "));
    assert_non_null(strstr(r.err, "missing.h5"));
    ran_free(&r);

    char noset[600];
    snprintf(noset, sizeof noset, "x=%s:/nothing", input_file());
    r = run_eval("x + 1", "--input", noset, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "/nothing"));
    ran_free(&r);

    r = run_eval("x + 1", "--input", "x=nofile", NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "dusk eval: --input 'x=nofile': which dataset of nofile? "
                               "(NAME=FILE.hdf5:/dataset, e.g. x=nofile:/data_set_1)\n");
    ran_free(&r);
    r = run_eval("x + 1", "--input", "1x=f.h5:/x", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "expected NAME=FILE.hdf5:/dataset (NAME a Python name)"));
    ran_free(&r);

    r = run_eval("x + 1", "--input", input, "-o", "out.h5", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "-o 'out.h5': which dataset of out.h5? (FILE.hdf5:/dataset"));
    ran_free(&r);

    r = run_eval("x + 1", "--inptu", input, NULL);
    assert_int_equal(r.rc, 2);
    assert_string_equal(r.err, "dusk eval: unknown option '--inptu'; did you mean '--input'? "
                               "(dusk eval --help lists them)\n");
    ran_free(&r);

    r = run_eval("x + 1", "y", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "one expression only"));
    ran_free(&r);

    /* --chunks spelt wrong: its own message, usage (2), no caret */
    static const char *const bad_chunks[] = {"foo", "(0, 1)", "(1, 1", ")", ""};
    for (size_t k = 0; k < sizeof bad_chunks / sizeof *bad_chunks; k++) {
        r = run_eval("ones((4, 4))", "--chunks", bad_chunks[k], "--print", NULL);
        assert_int_equal(r.rc, 2);
        assert_non_null(strstr(r.err, "--chunks '"));
        assert_non_null(strstr(r.err, "chunks are a number, auto or a tuple"));
        assert_null(strchr(r.err, '^'));
        ran_free(&r);
    }
    /* after a character of two bytes the caret is still under the error */
    r = run_eval("'\xc3\xa9' + )", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "  '\xc3\xa9' + )\n        ^\n"));
    ran_free(&r);

    /* "--" ends the options: an expression may start with '-' */
    r = run_eval("--print", "--", "-(ones((2,)) * 3)", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "-3"));
    ran_free(&r);

    r = run_eval("--print", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "no expression"));
    ran_free(&r);

    r = run_eval("-1 + ones(2)", "--chunks", NULL);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "--chunks needs a value"));
    ran_free(&r);

    r = run_eval("ones(3)", "--input", "1x=a.h5:/d", NULL);
    assert_int_equal(r.rc, 2);
    ran_free(&r);

    /* an output that cannot be written: exit 1, nothing left behind */
    r = run_eval("ones(3)", "-o", "/proc/nowhere/r.h5:/r", NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "/proc/nowhere/r.h5"));
    ran_free(&r);

    /* a task that fails as NumPy's would: exit 1, its message, no file */
    r = run_eval("(-arange(1, 4)) ** -arange(1, 4)", "-o", output, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "negative integer powers"));
    ran_free(&r);

    /* an all-NaN slice: nanargmax fails when computed, as NumPy's does */
    r = run_eval("nanargmax(where(arange(4, chunks=2) > 0, nan, nan))", "-o", output, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "All-NaN slice encountered"));
    ran_free(&r);

    /* a reshape Dask does not build: refused before anything runs, with a caret */
    r = run_eval("x.reshape(8, -1) + 1", "--input", input, "--chunks", "(30, 25)", "-o", output,
                 NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "dusk eval: column 10: reshape: cannot reshape "));
    assert_non_null(strstr(r.err, "only merges or splits existing axes evenly"));
    assert_non_null(strstr(r.err, "\n  x.reshape(8, -1) + 1\n           ^\n"));
    ran_free(&r);

    /* no output file was made by any of these */
    assert_int_not_equal(access(scratch("never.h5"), F_OK), 0);

    r = run_eval("--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "usage: dusk eval EXPR"));
    ran_free(&r);
}

static void test_cli_visualize_profile(void **state)
{
    (void)state;
    ran r = run_eval("ones((6, 6), chunks=3) @ ones((6, 6), chunks=3)", "--visualize",
                     scratch("g.svg"), "--profile", scratch("p.html"), NULL);
    if (r.rc != 0)
        fail_msg("exit %d: %s", r.rc, r.err);
    ran_free(&r);
    char *svg = slurp(scratch("g.svg"), NULL);
    assert_non_null(svg);
    assert_non_null(strstr(svg, "<svg"));
    assert_non_null(strstr(svg, "matmul"));
    free(svg);
    char *html = slurp(scratch("p.html"), NULL);
    assert_non_null(html);
    assert_non_null(strstr(html, "<html"));
    assert_non_null(strstr(html, "matmul"));
    free(html);
}

/* --view: the run in the live window (SDL's dummy driver), stored as without it. */
static void test_cli_view(void **state)
{
    (void)state;
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    setenv("SDL_RENDER_DRIVER", "software", 1);
    char output[600];
    snprintf(output, sizeof output, "%s:/r", scratch("viewed.h5"));
    ran r = run_eval("arange(12, chunks=4) * 2", "--view", "--close", "-o", output, "--print", NULL);
    if (r.rc != 0)
        fail_msg("exit %d: %s", r.rc, r.err);
    assert_string_equal(r.out, "[ 0  2  4  6  8 10 12 14 16 18 20 22]\n");
    ran_free(&r);
    h5dump_out o;
    assert_int_equal(run_h5dump(scratch("viewed.h5"), "/r", NULL, &o), 0);
    assert_int_equal(o.n, 12);
    for (size_t k = 0; k < o.n; k++)
        assert_int_equal(strtoll(o.tok[k], NULL, 10), 2 * (long long)k);
    h5dump_free(&o);
    /* nothing else asked: the value is printed once the window closed, as
     * dusk run --view prints its value (dusk view --eval is this) */
    r = run_eval("ones((100, 100), chunks=(50, 50)).sum()", "--view", "--close", NULL);
    if (r.rc != 0)
        fail_msg("exit %d: %s", r.rc, r.err);
    assert_string_equal(r.out, "10000.0\n");
    ran_free(&r);
    r = run_eval("arange(6, chunks=2).reshape((2, 3)) - 2.5", "--view", "--close", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[[-2.5 -1.5 -0.5]\n [ 0.5  1.5  2.5]]\n");
    ran_free(&r);
}

/* A 0-d result prints as NumPy's str() of the scalar Dask computes: the
 * shortest text that reads back in its dtype (0.1, 0.3333333333333333,
 * 0.33333334 in float32, 3.0, 1e+20, -0.0), against /usr/bin/python3's
 * NumPy, each expression evaluated by both. */
static const char *const SCALAR_EXPRS[] = {
    "0.1", "1/3", "1e20", "1e-7", "nan", "inf", "-0.0", "3", "True", "False", "2**62",
    "1e16", "1e15", "123456789.0", "1e-4", "9.999e-5", "0.0001234", "2.5e-5",
    "5e-324", "1.7976931348623157e308", "-1.5e-300", "nextafter(1, 2)", "0.1 + 0.2",
    "(arange(10) * 0.1).sum()", "ones((3,)).sum()", "arange(10).mean()", "arange(7).std()",
    "full((), 1/3, dtype='f4')", "full((), 0.1, dtype='f4')", "full((), 1e-4, dtype='f4')",
    "full((), 123456789, dtype='f4')", "full((), 1e16, dtype='f4')",
    "full((), 1/3, dtype='f2')", "full((), 65504, dtype='f2')", "full((), 1e-7, dtype='f2')",
    "full((), 9.999e-5, dtype='f2')", "full((), 0.1, dtype='f2')",
    "ones((), dtype='c16')", "full((), 0.1, dtype='c16') * 2", "zeros((), dtype='c16') - 1",
    "full((), 1e20, dtype='c16')", "full((), -0.0, dtype='c16')",
    "full((), 200, dtype='u1')", "full((), -5, dtype='i1')", "arange(5).sum()",
    "(arange(4) > 1).any()",
};

static void test_cli_print_scalars_as_numpy(void **state)
{
    (void)state;
    int status;
    char *has = run_command("/usr/bin/python3 -c 'import numpy' 2>/dev/null && echo yes",
                            &status);
    bool ok = has && strstr(has, "yes");
    free(has);
    if (!ok) {
        print_message("no numpy in /usr/bin/python3: not compared with NumPy\n");
        skip();
    }
    size_t n = sizeof SCALAR_EXPRS / sizeof *SCALAR_EXPRS;
    FILE *f = fopen(scratch("scalars.py"), "w");
    assert_non_null(f);
    fputs("import sys, numpy as np\n"
          "np.seterr(all='ignore')\n"
          "for e in sys.argv[1:]:\n"
          "    print(str(np.asarray(eval(e, vars(np)))[()]))\n", f);
    fclose(f);
    char cmd[8192];
    int k = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s", scratch("scalars.py"));
    for (size_t i = 0; i < n; i++)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " \"%s\"", SCALAR_EXPRS[i]);
    assert_true(k < (int)sizeof cmd - 8);
    char *want = run_command(cmd, &status);
    assert_non_null(want);
    assert_int_equal(status, 0);
    const char *line = want;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        ran r = run_eval(SCALAR_EXPRS[i], NULL);
        if (r.rc != 0 || strncmp(r.out, line, (size_t)(end - line + 1)) != 0 ||
            strlen(r.out) != (size_t)(end - line + 1))
            fail_msg("'%s': printed \"%s\" (%s); NumPy prints \"%.*s\"", SCALAR_EXPRS[i],
                     r.out, r.err, (int)(end - line), line);
        ran_free(&r);
        line = end + 1;
    }
    free(want);
}

/* --print lines columns up as NumPy's str() does (numpy 1.24's output,
 * pasted): sign padding, decimal points aligned, nan and inf, scientific
 * notation for a wide range, rows wrapped at 75 columns, long axes cut. */
static void test_cli_print_numpy(void **state)
{
    (void)state;
    static const struct { const char *text, *out; } CASES[] = {
        {"linspace(-1, 1, 12).reshape((2, 2, 3))",
         "[[[-1.         -0.81818182 -0.63636364]\n  [-0.45454545 -0.27272727 -0.09090909]]\n\n"
         " [[ 0.09090909  0.27272727  0.45454545]\n  [ 0.63636364  0.81818182  1.        ]]]\n"},
        {"arange(30) - 5",
         "[-5 -4 -3 -2 -1  0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18\n"
         " 19 20 21 22 23 24]\n"},
        {"(arange(3) - 1) / 0.", "[-inf  nan  inf]\n"},
        {"ones(3) * 1e-5 + arange(3)", "[1.00000e-05 1.00001e+00 2.00001e+00]\n"},
        {"arange(3) * 1e9", "[0.e+00 1.e+09 2.e+09]\n"},
        /* rounded at 8 digits, trailing zeros trimmed (3 * 1e-5 has 17) */
        {"arange(1, 4) * 1e-5", "[1.e-05 2.e-05 3.e-05]\n"},
        {"ones(1) * 1.100000001e-05", "[1.1e-05]\n"},
        {"ones(1) * 1.000000001e20", "[1.e+20]\n"},
        {"ones(2) * 1.000000001 + arange(2) * 1e9", "[1.e+00 1.e+09]\n"},
        /* a list of True and False is a mask, as NumPy reads it */
        {"arange(3)[[True, False, True]]", "[0 2]\n"},
        {"arange(6).reshape((2, 3))[:, [True, False, True]]", "[[0 2]\n [3 5]]\n"},
        {"arange(6).reshape((2, 3))[..., [False, True, True]]", "[[1 2]\n [4 5]]\n"},
        {"arange(6).reshape((2, 3))[[False, True]]", "[[3 4 5]]\n"},
        {"arange(3)[[False, False, False]]", "[]\n"},
        {"arange(3)[[True, 2]]", "[1 2]\n"},
        /* bools are 5 wide in an array, even with no False among them */
        {"ones((2, 2)) > 0", "[[ True  True]\n [ True  True]]\n"},
        {"arange(2) > 0", "[False  True]\n"},
        {"ones(()) > 0", "True\n"},
        {"ones(4, dtype='f4') / 3 - arange(4)",
         "[ 0.33333334 -0.66666666 -1.66666666 -2.66666666]\n"},
        {"arange(2000.).reshape((40, 50)) / 7",
         "[[0.00000000e+00 1.42857143e-01 2.85714286e-01 ... 6.71428571e+00\n"
         "  6.85714286e+00 7.00000000e+00]\n"
         " [7.14285714e+00 7.28571429e+00 7.42857143e+00 ... 1.38571429e+01\n"
         "  1.40000000e+01 1.41428571e+01]\n"
         " [1.42857143e+01 1.44285714e+01 1.45714286e+01 ... 2.10000000e+01\n"
         "  2.11428571e+01 2.12857143e+01]\n"
         " ...\n"
         " [2.64285714e+02 2.64428571e+02 2.64571429e+02 ... 2.71000000e+02\n"
         "  2.71142857e+02 2.71285714e+02]\n"
         " [2.71428571e+02 2.71571429e+02 2.71714286e+02 ... 2.78142857e+02\n"
         "  2.78285714e+02 2.78428571e+02]\n"
         " [2.78571429e+02 2.78714286e+02 2.78857143e+02 ... 2.85285714e+02\n"
         "  2.85428571e+02 2.85571429e+02]]\n"},
    };
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        ran r = run_eval(CASES[i].text, NULL);
        if (r.rc != 0 || strcmp(r.out, CASES[i].out) != 0)
            fail_msg("'%s': exit %d, printed \"%s\" (%s); expected \"%s\"", CASES[i].text,
                     r.rc, r.out, r.err, CASES[i].out);
        ran_free(&r);
    }
}

/* A number with an array is one layer of one task per block, as Dask
 * builds it, whatever its Python kind: an int array - 2.0 (float64) and
 * a bool array ^ True (bool) took an astype layer or a 0-d array more.
 * Task counts, dtypes and values against /usr/bin/python3's dask. */
static const char *const DASK_SCALAR_EXPRS[] = {
    "arange(6, chunks=2) - 2.0",
    "2.0 - arange(6, chunks=2)",
    "arange(6, chunks=2) // 2.5 + arange(6, chunks=2) % 4.0",
    "arange(6, chunks=2) ** 2.0",
    "(arange(6, chunks=2) > 2) ^ True",
    "False | (arange(6, chunks=2) > 2)",
    "ones(6, chunks=2, dtype=bool) + True",
    "arange(6, chunks=2).astype('u1') + 300",
    "arange(6, chunks=2).astype('u1') // 300",
    "arange(6, chunks=2).astype('f2') + 300",
    "(arange(6, chunks=2) > 2) * 3",
};

static void test_eval_scalars_as_dask(void **state)
{
    (void)state;
    int status;
    char *has = run_command("/usr/bin/python3 -c 'import dask.array' 2>/dev/null && echo yes", &status);
    bool ok = has && strstr(has, "yes");
    free(has);
    if (!ok) {
        print_message("no dask in /usr/bin/python3: not compared with Dask\n");
        skip();
    }
    size_t n = sizeof DASK_SCALAR_EXPRS / sizeof *DASK_SCALAR_EXPRS;
    FILE *f = fopen(scratch("dask_scalars.py"), "w");
    assert_non_null(f);
    fputs("import sys, numpy as np, dask.array as da\n"
          "np.seterr(all='ignore')\n"
          "for e in sys.argv[1:]:\n"
          "    x = eval(e, vars(da))\n"
          "    v = x.compute()\n"
          "    t = 'b1' if v.dtype == bool else v.dtype.kind + str(v.dtype.itemsize)\n"
          "    print(len(dict(x.__dask_graph__())), t, ' '.join(float(a).hex() for a in v))\n", f);
    fclose(f);
    char cmd[4096];
    int k = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s", scratch("dask_scalars.py"));
    for (size_t i = 0; i < n; i++)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " \"%s\"", DASK_SCALAR_EXPRS[i]);
    strcat(cmd, " 2>&1");
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("dask failed: %s", out);
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    char *line = out;
    for (size_t i = 0; i < n; i++) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        const char *e = DASK_SCALAR_EXPRS[i];
        long long ntasks;
        char code[8];
        int at = 0;
        if (sscanf(line, "%lld %7s %n", &ntasks, code, &at) != 2)
            fail_msg("'%s': dask printed '%s'", e, line);
        dusk_array *r = eval_ok(ctx, e);
        if (dusk_array_ntasks(r) != ntasks)
            fail_msg("'%s': %lld tasks, Dask's %lld", e, (long long)dusk_array_ntasks(r), ntasks);
        if (strcmp(dusk_dtype_code(dusk_array_dtype(r)), code) != 0)
            fail_msg("'%s': dtype %s, Dask's %s", e, dusk_dtype_code(dusk_array_dtype(r)), code);
        dusk_value *v = compute_on(r, DUSK_SCHED_SYNC);
        const char *p = line + at;
        for (int64_t j = 0; j < dusk_ndarray_size(v); j++) {
            char *end;
            double want = strtod(p, &end);
            assert_true(end != p);
            p = end;
            double got = ref_getf(dusk_ndarray_data(v), dusk_ndarray_dtype(v), j);
            if (got != want)
                fail_msg("'%s' [%lld]: %.17g, Dask's %.17g", e, (long long)j, got, want);
        }
        dusk_value_unref(v);
        line = nl + 1;
    }
    dusk_array_ctx_free(ctx);
    free(out);
}

/* Expressions whose every bit is NumPy's (and Python's, for numbers): the
 * numbers dusk eval computes itself, as Python does (// and % of floats
 * of both signs, zeros, inf and nan), and what they make with arrays.
 * NumPy evaluates each (np.asarray of it, as dusk eval makes a 0-d array
 * of a number); the dtype, integers in decimal and floats' bits (the sign
 * of a zero included) must agree. */
static const char *const EXACT_EXPRS[] = {
    "7.5 // 2", "7.5 % 2", "-7.5 // 2", "-7.5 % 2", "7.5 // -2", "7.5 % -2", "-7.5 % -2",
    "7.5 // 0.3", "7.5 % 0.3", "-7.5 // 0.3", "-7.5 % -0.3", "0.0 // 2", "0.0 % -2",
    "-0.0 // 2", "-0.0 % 2", "-0.0 // -2", "0.0 % -0.3", "inf // 2", "inf % 2", "-inf // -2",
    "2.5 // inf", "2.5 % inf", "-2.5 // inf", "-2.5 % inf", "2.5 % -inf", "-0.0 % inf",
    "nan // 2", "nan % 2", "2.5 // nan", "2.5 % nan", "1e308 // 1e-10", "1e308 % -3.0",
    "-5e-324 // 2", "-5e-324 % 2", "5e-324 % -1e308", "7 // 2.0", "-7 % 2.0",
    /* ints past 2**53 exactly: int64, and uint64 from 2**63 to 2**64 - 1 */
    "9007199254740993", "-9007199254740993", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "18446744073709551615", "2**64 - 1", "2**63 + 5", "-(2**63)",
    "(-2) ** 63", "(2**64 - 1) // 3", "(2**64 - 1) % 1000", "-7 // 2", "7 % -2",
    "-9007199254740993 // 2", "-9007199254740993 % -10", "9007199254740993 * 3 - 2**54",
    "3**40 // 3**20", "~9007199254740993", "abs(-9007199254740993)", "9007199254740993 & 3",
    "9007199254740993 > 9007199254740992", "9007199254740993 == 9007199254740992",
    "maximum(9007199254740993, 9007199254740992)", "10**40 // 10**30", "2 ** -1",
    "True + 9007199254740993",
    /* and with arrays: the scalar as NumPy 1.24 types a Python int */
    "arange(3).astype('u8') + 18446744073709551615", "arange(3) + 9007199254740993",
    "arange(3).astype('u8') - 18446744073709551615", "18446744073709551615 - arange(3).astype('u8')",
    "arange(3) + 9223372036854775807", "arange(3) + 9223372036854775808",
    "-9223372036854775808 + arange(3)", "(arange(3) > 0) + 2**63",
    "arange(3).astype('u8') & 18446744073709551615", "arange(3).astype('u8') // (2**63 + 1)",
    "arange(4).astype('u8') * 6148914691236517205", "arange(3).astype('i1') + 2**63",
    "arange(3).astype('u4') + 2**63", "arange(3).astype('f8') + 9007199254740993",
    "arange(3).astype('f4') + 9007199254740993", "arange(3).astype('u8') == 18446744073709551615",
    "maximum(arange(3).astype('u8'), 2**64 - 2)", "arange(3) * (2**62 + 1)",
    "full(3, 9007199254740993)", "full(2, 18446744073709551615)", "full(2, 2**63, dtype='f4')",
    "full(2, 9007199254740993, dtype='u8')", "stack([9007199254740993, 1])",
    /* argmax and its kin (int64; ties and NaNs: the first), cumsum and cumprod
     * (integers and bools in int64, u1 in uint64, f4 added in f4 one after
     * another), where typed as NumPy 1.24 types it */
    "argmax(5)", "argmin(stack([3, 1, 1, 2]))", "argmax(arange(6) % 3, keepdims=True)",
    "argmin(arange(6) % 3)", "nanargmax(stack([arange(3) / 0, arange(3) * 1.0]), axis=0)",
    "argmax(stack([arange(3) / 0, arange(3) * 1.0]), axis=1)",
    "nanargmin(full(3, 2.0) - arange(3) % 2)", "argmin(stack([1.0, nan, 0.0, nan]))",
    "cumsum(5)", "cumsum(True)", "cumprod(2.5)", "cumsum(arange(5) > 1)",
    "cumprod(arange(1, 8).astype('u1'))", "cumsum(arange(5).astype('i1') * 100)",
    "cumsum(arange(7) / 3)", "cumsum(arange(7).astype('f4') / 3)",
    "cumprod(arange(1, 30) * 3)",
    "where(arange(4) > 1, 1, 2.5)", "where(arange(4) > 1, 1, 2**63)", "where(True, 1, 2)",
    "where(0, True, False)", "where(arange(3) > 0, arange(3).astype('i1'), 300)",
    "where(arange(3) > 0, 0.5, arange(3).astype('f4'))",
    "where(arange(3), arange(3).astype('u1'), -1)", "where(arange(3) / 0 > 0, nan, arange(3))",
    /* the nan- reductions: NaNs skipped, in sums, counts and degrees of freedom
     * (NaN when none is left: of integers, var's division by zero); NaNs only */
    "nansum(where(arange(6) % 3 == 0, nan, arange(6) * 1.0))", "nansum(arange(5).astype('i1') * 100)",
    "nanprod(where(arange(1, 7) % 2 == 0, nan, arange(1, 7) / 2))", "nanprod(arange(1, 6) > 0)",
    "nanmean(stack([1.0, nan, 3.0, nan, 5.0]))", "nanmean(arange(4).astype('f4'))", "nanmean(5)",
    "nanvar(stack([1.0, nan, 3.0, nan, 5.0]), ddof=1)", "nanstd(stack([1.0, nan, 3.0, nan, 5.0]), ddof=1)",
    "nanvar(stack([1.0, nan]), ddof=1)", "nanvar(arange(2), ddof=2)", "nanstd(arange(4).astype('f4'))",
    "nanmin(stack([nan, 2.0, -1.0]))", "nanmax(stack([stack([nan, nan]), stack([1.0, nan])]), axis=0)",
    "nanmin(arange(6) % 4, keepdims=True)", "nanmax(full(3, nan))", "nansum(full(3, nan), axis=0)",
    "nanmean(full(3, nan))", "nanmax(2.5)", "nansum(True)", "nanmin(arange(4).astype('u1') - 1)",
};

static const char EXACT_SCRIPT[] =
    "import sys, warnings, numpy as np\n"
    "np.seterr(all='ignore')\n"
    "warnings.simplefilter('ignore')   # nanmin's All-NaN slice, nanvar's degrees of freedom\n"
    "for e in sys.argv[1:]:\n"
    "    v = np.asarray(eval(e, dict(vars(np))))\n"
    "    t = 'b1' if v.dtype == bool else v.dtype.kind + str(v.dtype.itemsize)\n"
    "    f = (lambda a: float(a).hex()) if v.dtype.kind == 'f' else (lambda a: str(int(a)))\n"
    "    print(t, ' '.join(f(a) for a in v.ravel()))\n";

/* Whether two doubles are one (nans aside, which are all one): Python's
 * hex and C's %a spell a double otherwise. */
static bool same_bits(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static void test_eval_exact_as_numpy(void **state)
{
    (void)state;
    int status;
    char *has = run_command("/usr/bin/python3 -c 'import numpy' 2>/dev/null && echo yes", &status);
    bool ok = has && strstr(has, "yes");
    free(has);
    if (!ok) {
        print_message("no numpy in /usr/bin/python3: not compared with NumPy\n");
        skip();
    }
    FILE *f = fopen(scratch("exact.py"), "w");
    assert_non_null(f);
    fputs(EXACT_SCRIPT, f);
    fclose(f);
    size_t n = sizeof EXACT_EXPRS / sizeof *EXACT_EXPRS;
    char cmd[16384];
    int k = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s", scratch("exact.py"));
    for (size_t i = 0; i < n; i++)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " \"%s\"", EXACT_EXPRS[i]);
    assert_true(k < (int)sizeof cmd - 8);
    strcat(cmd, " 2>&1");
    char *out = run_command(cmd, &status);
    if (status != 0)
        fail_msg("numpy failed: %s", out);
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    char *line = out;
    for (size_t i = 0; i < n; i++) {
        const char *e = EXACT_EXPRS[i];
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        *nl = '\0';
        char code[8];
        int at = 0;
        if (sscanf(line, "%7s %n", code, &at) != 1)
            fail_msg("'%s': numpy printed '%s'", e, line);
        dusk_value *v = compute_on(eval_ok(ctx, e), DUSK_SCHED_SYNC);
        dusk_dtype t = dusk_ndarray_dtype(v);
        if (strcmp(dusk_dtype_code(t), code) != 0)
            fail_msg("'%s': dtype %s, NumPy's %s", e, dusk_dtype_code(t), code);
        const char *p = line + at;
        for (int64_t j = 0; j < dusk_ndarray_size(v); j++) {
            char got[64], want[64];
            int used = 0;
            if (sscanf(p, "%63s %n", want, &used) != 1)
                fail_msg("'%s': NumPy gave fewer numbers: %s", e, line + at);
            p += used;
            if (dt_float(t))
                snprintf(got, sizeof got, "%a", ref_getf(dusk_ndarray_data(v), t, j));
            else if (t == DUSK_DT_U8)
                snprintf(got, sizeof got, "%" PRIu64,
                         (uint64_t)ref_geti(dusk_ndarray_data(v), t, j));
            else
                snprintf(got, sizeof got, "%" PRId64, ref_geti(dusk_ndarray_data(v), t, j));
            if (dt_float(t) ? !same_bits(strtod(got, NULL), strtod(want, NULL))
                            : strcmp(got, want) != 0)
                fail_msg("'%s' [%lld]: %s, NumPy's %s", e, (long long)j, got, want);
        }
        dusk_value_unref(v);
        line = nl + 1;
    }
    dusk_array_ctx_free(ctx);
    free(out);
}

/* The same expressions through dusk eval -o and through NumPy on the same
 * HDF5 input, read back with h5py: where /usr/bin/python3 has both. */
static const char *const NUMPY_EXPRS[] = {
    "x - x.mean(axis=0)",
    "(x ** 2).sum(axis=1, keepdims=True) / x.shape[1]",
    "x.T @ x",
    "x[:50, 40:10:-2] * 2 + 1",
    "x[:, [10, 1, 5]].std(axis=0, ddof=1)",
    "np.exp(-abs(x)).max(axis=0)",
    "(x > 0).sum(axis=0)",
    "np.concatenate([x, -x], axis=0).var(axis=1)",
    "np.dot(x[:7], x[:7].T) - 1 / (x[:7, :7] ** 2 + 1)",
    "x[..., None][::3, 5, 0] <= x[::3, 6]",
    "(x * 7) // 2.5 + (x * 7) % -2.5 + np.floor_divide(x, 0.25) % 3",
    "(x * 100).astype(\"i8\") // 7 - np.remainder((x * 100).astype(\"i2\"), -7) + (7 // 2) % -3",
    "((x > 0) & (x < 0.5)) | ~(x < -0.5) ^ (x[:1] > 0)",
    "(np.maximum(x, 0.25) - np.minimum(x, x[::-1])) * ((x * 10).astype(\"i4\") & 6 | 1)",
    /* a float written as one makes integers float64; a bool stays bool */
    "(x * 10).astype(\"i8\") // 2.0 + (x * 10).astype(\"i2\") * 0.5 - (0 // -1) * 1.0",
    "np.maximum(x > 0, True) ^ ((x < 0) + False)",
    "np.floor(x * 3) + np.ceil(x) - np.trunc(-x) + np.rint(x * 2.5) + np.square(x) * np.sign(x)",
    "np.isnan(np.log(x)).sum(axis=0) + np.isfinite(1 / x).sum(axis=0) - np.isinf(x).sum(axis=0)",
    "np.tan(x) + np.arctan(x) + np.sinh(x) - np.tanh(x) + np.log1p(abs(x)) + np.expm1(x) + np.log10(abs(x) + 1) + np.log2(abs(x) + 2) + np.cosh(x)",
    "np.floor(2.5) + x",
    /* numbers of the functions stay scalars (f4 + floor(2.5) is f4); an
     * int past int64 is no float literal (u8 + 10**19 is u8) */
    "(x * 10).astype(\"f4\") + np.floor(2.5) + np.square(3) * (x > 0).astype(\"i1\") - np.isnan(2.0)",
    "(x > 0).astype(\"u8\") + 10000000000000000000 + (x < 0).astype(\"u8\") // 3000000000000000000",
};

static const char NUMPY_SCRIPT[] =
    "import sys, numpy as np, h5py\n"
    "np.seterr(all='ignore')\n"
    "x = h5py.File(sys.argv[1], 'r')['x'][...]\n"
    "bad = 0\n"
    "for i, e in enumerate(sys.argv[3:]):\n"
    "    want = np.asarray(eval(e, {'np': np, 'x': x}))\n"
    "    got = h5py.File('%s%d.h5' % (sys.argv[2], i), 'r')['r'][...]\n"
    "    if got.shape != want.shape or got.dtype != want.dtype or \\\n"
    "            not np.allclose(got, want, rtol=1e-12, atol=1e-12):\n"
    "        bad += 1\n"
    "        print('differs:', e, got.shape, got.dtype, want.shape, want.dtype)\n"
    "print('compared', len(sys.argv) - 3, 'bad', bad)\n";

/* The expressions through dusk eval -o, in these chunks, into files
 * named prefix0.h5, prefix1.h5 ..., and through NumPy: the same shapes,
 * dtypes and values. */
static void compare_with_numpy(const char *const *exprs, size_t n, const char *chunks,
                               const char *prefix)
{
    char input[600], output[600];
    snprintf(input, sizeof input, "x=%s:/x", input_file());
    for (size_t i = 0; i < n; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%zu.h5", prefix, i);
        snprintf(output, sizeof output, "%s:/r", scratch(name));
        ran r = run_eval(exprs[i], "--input", input, "--chunks", chunks, "-o", output, NULL);
        if (r.rc != 0)
            fail_msg("'%s' in chunks %s: exit %d: %s", exprs[i], chunks, r.rc, r.err);
        ran_free(&r);
    }
    FILE *f = fopen(scratch("compare.py"), "w");
    assert_non_null(f);
    fputs(NUMPY_SCRIPT, f);
    fclose(f);
    char cmd[8192];
    int k = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %s/%s", scratch("compare.py"),
                     input_file(), scratch_dir, prefix);
    for (size_t i = 0; i < n; i++)
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " '%s'", exprs[i]);
    assert_true(k < (int)sizeof cmd - 8);
    strcat(cmd, " 2>&1");
    int status;
    char *out = run_command(cmd, &status);
    assert_non_null(out);
    char want[64];
    snprintf(want, sizeof want, "compared %zu bad 0\n", n);
    if (status != 0 || strcmp(out, want) != 0)
        fail_msg("NumPy disagrees (chunks %s): %s", chunks, out);
    free(out);
}

static bool has_numpy_h5py(void)
{
    int status;
    char *has = run_command("/usr/bin/python3 -c 'import numpy, h5py' 2>/dev/null && echo yes", &status);
    bool ok = has && strstr(has, "yes");
    free(has);
    if (!ok)
        print_message("no numpy and h5py in /usr/bin/python3: not compared with NumPy\n");
    return ok;
}

static void test_cli_against_numpy(void **state)
{
    (void)state;
    if (!has_numpy_h5py())
        skip();
    compare_with_numpy(NUMPY_EXPRS, sizeof NUMPY_EXPRS / sizeof *NUMPY_EXPRS, "(30, 25)", "np");
}

/* argmax and its kin, cumsum and cumprod, where on x (100 x 60, values
 * that repeat: ties go to the first index), NaNs put in by where; in one
 * block, in rows, in many small blocks and in uneven ones, so that the
 * carries between blocks and the combining steps are crossed. */
static const char *const ARGCUM_EXPRS[] = {
    "x.argmax(axis=0)",
    "np.argmin(x, axis=1)",
    "np.argmax(x)",
    "np.argmin(x, axis=0, keepdims=True)",
    "np.nanargmax(np.where(x > 2.5, np.nan, x), axis=1)",
    "np.argmax(np.where(x > 2, np.nan, x), axis=0)",
    "np.nanargmin(np.where(x < -2, np.nan, x))",
    "x.cumsum(axis=0)",
    "np.cumprod(1 + x / 100, axis=1)",
    "np.cumsum(x > 0, axis=1)",
    "x[7].cumsum()",
    /* float32 sums of whole numbers: exact whatever the order (a block's
     * carry added to its own sums rounds otherwise than NumPy's one pass) */
    "np.cumsum(np.rint(x * 7).astype(\"f4\"), axis=0)",
    "(x * 10).astype(\"i4\").cumprod(axis=-1)",
    "np.where(x > 0, x, -x[:1] * 2)",
    "np.where(x > 0.5, 1, 2.5)",
    "np.where(x < 0, 0, x.astype(\"f4\"))",
    "np.where((x * 7).astype(\"i2\") % 3, (x * 7).astype(\"i1\"), 300)",
    "np.where(x > 0, 1, 2**63)",
};

/* reshape, ravel and flatten, and cumsum/cumprod of the flattened array
 * (x is 100 x 60: every chunking of CHUNKS splits its first axis and
 * merges both) */
static const char *const RESHAPE_EXPRS[] = {
    "x.reshape(6000)",
    "np.reshape(x, (10, 10, -1))",
    "x.reshape(5, 20, 3, 20) * 2",
    "np.ravel(x[::7]) + 1",
    "x.T.flatten()",
    "x.reshape(100, 60, 1).sum(axis=1)",
    "x.cumsum()",
    "np.cumprod(1 + x[:2] / 1000)",
    "np.cumsum(x > 0.5)",
};

static void test_cli_reshape_against_numpy(void **state)
{
    (void)state;
    if (!has_numpy_h5py())
        skip();
    static const char *const CHUNKS[] = {"(100, 60)", "(7, 60)", "(13, 1)", "(30, 25)"};
    for (size_t c = 0; c < sizeof CHUNKS / sizeof *CHUNKS; c++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "rs%zu_", c);
        compare_with_numpy(RESHAPE_EXPRS, sizeof RESHAPE_EXPRS / sizeof *RESHAPE_EXPRS,
                           CHUNKS[c], prefix);
    }
}

/* NumPy's ufuncs and functions added to the language, their NumPy names for
 * the operators, and the same functions of numbers (NumPy scalars: f4
 * array + logaddexp(1, 2) is float32) */
static const char *const UFUNC_EXPRS[] = {
    "np.arctan2(x, x[::-1]) + np.hypot(x, 2) - np.copysign(1.5, x)",
    "np.nextafter(x, 0) - x",
    "np.logaddexp(x, x[:, ::-1]) + np.logaddexp2(x, 1)",
    "np.fmod(x * 7, 2.5) + np.fmod((x * 10).astype(\"i4\"), -3)",
    "np.fmax(np.where(x > 2, np.nan, x), 0.5) - np.fmin(x, np.where(x < 0, np.nan, 1))",
    "np.float_power(abs(x), 1.5) + np.float_power((x > 0).astype(\"i2\"), 2)",
    "np.logical_and(x > 0, x) ^ np.logical_or(x < -1, 0) | np.logical_xor(x, x > 2)",
    "np.logical_not(x > 1) + np.signbit(x)",
    "np.positive(x) + np.reciprocal(x + 10) + np.cbrt(x * 3) + np.exp2(x / 3)",
    "np.reciprocal((x * 2).astype(\"i8\") | 1)",
    "np.fabs(x) + np.deg2rad(x) - np.rad2deg(x) + np.degrees(x) * np.radians(x)",
    "np.arcsinh(x) + np.arccosh(abs(x) + 1) + np.arctanh(x / 20)",
    "np.sinc(x) + np.sinc((x * 2).astype(\"i1\"))",
    "np.clip(x, -1, 2.5) + np.clip((x * 10).astype(\"i1\"), 0, 300)",
    "x.clip(0.5) + x.clip(None, 1)",
    "np.round(x, 1) + np.around(x * 3, -1) + x.round(2) + np.round_(x, 3)",
    "np.round((x * 100).astype(\"i4\"), -1)",
    "np.isclose(x, x + 1e-6) ^ np.isclose(x, np.round(x, 1), rtol=0, atol=0.01)",
    "np.allclose(x, x + 1e-9, rtol=0, atol=1e-8)",
    "np.allclose(x, x[::-1])",
    "np.nan_to_num(np.log(x)) + np.nan_to_num(1 / x, posinf=5, neginf=-5, nan=1)",
    "np.nan_to_num((x * 10).astype(\"i2\"))",
    "np.subtract(x, 1) * np.multiply(x, 2) / (np.true_divide(x, 3) + 10) + np.power(abs(x), 0.5) - np.divide(1, x + 10)",
    "np.equal(x, 1) | np.not_equal(x, 2) & np.less(x, 3) ^ np.less_equal(x, 0) | np.greater(x, 5) & np.greater_equal(x, 6)",
    "np.mod(x, 3) + np.remainder(x, -2) + np.floor_divide(x, 0.5)",
    "x + np.arctan2(1, 2) + np.hypot(3, 4) * np.cbrt(8) - np.sinc(0.5)",
    "(x * 10).astype(\"f4\") + np.logaddexp(1, 2) * np.reciprocal(2.0)",
    "np.fmod(7, -3) * x + np.logical_and(1, 0) + np.clip(7, 0, 5) * np.round(2.675, 2)",
};

static void test_cli_ufuncs_against_numpy(void **state)
{
    (void)state;
    if (!has_numpy_h5py())
        skip();
    static const char *const CHUNKS[] = {"(100, 60)", "(13, 7)"};
    for (size_t c = 0; c < sizeof CHUNKS / sizeof *CHUNKS; c++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "uf%zu_", c);
        compare_with_numpy(UFUNC_EXPRS, sizeof UFUNC_EXPRS / sizeof *UFUNC_EXPRS, CHUNKS[c],
                           prefix);
    }
}

static void test_cli_argcum_against_numpy(void **state)
{
    (void)state;
    if (!has_numpy_h5py())
        skip();
    static const char *const CHUNKS[] = {"(100, 60)", "(7, 60)", "(13, 1)", "(30, 25)"};
    for (size_t c = 0; c < sizeof CHUNKS / sizeof *CHUNKS; c++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "ac%zu_", c);
        compare_with_numpy(ARGCUM_EXPRS, sizeof ARGCUM_EXPRS / sizeof *ARGCUM_EXPRS, CHUNKS[c],
                           prefix);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_depth),
        cmocka_unit_test(test_closest),
        cmocka_unit_test(test_eval_errors),
        cmocka_unit_test(test_eval_arity),
        cmocka_unit_test(test_user_text),
        cmocka_unit_test(test_cli_ufunc_values),
        cmocka_unit_test(test_cli_minus_first),
        cmocka_unit_test(test_eval_values),
        cmocka_unit_test(test_eval_limits),
        cmocka_unit_test(test_eval_same_keys),
        cmocka_unit_test(test_eval_scalars_as_dask),
        cmocka_unit_test(test_eval_exact_as_numpy),
        cmocka_unit_test(test_cli_store),
        cmocka_unit_test(test_cli_print),
        cmocka_unit_test(test_cli_print_numpy),
        cmocka_unit_test(test_cli_print_scalars_as_numpy),
        cmocka_unit_test(test_cli_errors),
        cmocka_unit_test(test_cli_visualize_profile),
        cmocka_unit_test(test_cli_view),
        cmocka_unit_test(test_cli_against_numpy),
        cmocka_unit_test(test_cli_argcum_against_numpy),
        cmocka_unit_test(test_cli_reshape_against_numpy),
        cmocka_unit_test(test_cli_ufuncs_against_numpy),
    };
    return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
