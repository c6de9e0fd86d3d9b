/*
** dusk cli — array expressions: lexer, recursive-descent parser, tree,
** canonical print and evaluator onto include/dusk/array.h (private to cli/)
**
** The grammar, Python's for the part NumPy users write (lowest binding
** first; { } repeats, [ ] is optional):
**
**   expr       := bitor [ cmpop bitor ]           cmpop: < <= > >= == !=
**   bitor      := bitxor { '|' bitxor }
**   bitxor     := bitand { '^' bitand }
**   bitand     := arith { '&' arith }               so write (x > 0) & (x < 1)
**   arith      := term { ('+' | '-') term }
**   term       := unary { ('*' | '/' | '//' | '%' | '@') unary }
**   unary      := ('-' | '+' | '~') unary | power
**   power      := postfix [ '**' unary ]          so -2**2 is -(2**2), 2**-1 works
**   postfix    := atom { '(' [args] ')' | '.' NAME | '[' subscripts ']' }
**   atom       := NUMBER | STRING | NAME | True | False | None
**               | '(' ')' | '(' expr ')' | '(' expr ',' [expr {',' expr}] [','] ')'
**               | '[' [expr {',' expr} [',']] ']'
**   args       := arg {',' arg} [',']              arg: NAME '=' expr | expr
**                                                  (no positional after a keyword)
**   subscripts := sub {',' sub} [',']
**   sub        := '...' | expr | [expr] ':' [expr] [':' [expr]]
**
** NUMBER is 12, 1.5, .5, 1e-3 (no sign: that is unary minus); STRING is
** '...' or "..." without escapes; NAME is [A-Za-z_][A-Za-z0-9_]*. Comparisons
** do not chain (a < b < c is refused: write (a < b) & (b < c)).
**
** The tree lives in one block list owned by expr_tree (no node is freed on
** its own). Parentheses, brackets, calls, signs and powers nested deeper than
** EXPR_MAX_NEST, and a tree deeper than EXPR_MAX_DEPTH (a chain of
** operations, 1 + 1 + ..., is as deep as it is long), are refused, so that
** no input runs the C stack out. Every error carries the column it is at.
**
** The evaluator: names are the --input arrays, then constants (pi, e, inf,
** nan, newaxis) and dtype names; np., numpy., da. and dask.array. prefixes
** are dropped (np.exp(x) is exp(x)). A call on an array's attribute is a
** method (x.sum(axis=0), x.astype('f4')); x.T, x.shape, x.ndim, x.size and
** x.dtype are attributes. Values are arrays, numbers, strings, None and
** tuples or lists of them; a number that meets an array is a scalar
** operand (dusk_array_binop_typed). NumPy's newer ufuncs (arctan2 ...
** sinc), clip, round, isclose and nan_to_num of numbers alone give a
** number too, as NumPy gives a scalar: computed at once, on 0-d arrays, by
** the arrays' own kernels (eager_number). Ints are exact, as Python's (below
** 2**126; a double is not past 2**53): NumPy takes one from -2**63 to
** 2**64 - 1 (int64, uint64 from 2**63), and one past those, which NumPy
** 1.24 makes an object array of, is refused, named. After every array
** operation the array's status is read, so that dusk's own message
** (shapes that do not broadcast, an axis out of range) comes with the
** column of the operator or call that failed.
*/
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dusk/alloc.h"
#include "dusk/array.h"
#include "array/npymath.h"

#include "expr.h"

#define EXPR_MAX_NEST 100
#define EXPR_MAX_DEPTH 1000

/* --- the tree's memory ---------------------------------------------------- */

typedef struct block {
    struct block *next;
    size_t used, size;
    _Alignas(max_align_t) unsigned char data[];
} block;

struct expr_tree {
    block *blocks;
    expr *root;
};

static void *tree_alloc(expr_tree *t, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!t->blocks || t->blocks->size - t->blocks->used < n) {
        size_t size = n > 4000 ? n : 4000;
        block *b = dusk_malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->next = t->blocks;
        b->used = 0;
        b->size = size;
        t->blocks = b;
    }
    void *p = t->blocks->data + t->blocks->used;
    t->blocks->used += n;
    return p;
}

void expr_free(expr_tree *t)
{
    if (!t)
        return;
    for (block *b = t->blocks, *next; b; b = next) {
        next = b->next;
        dusk_free(b);
    }
    dusk_free(t);
}

const expr *expr_root(const expr_tree *t) { return t ? t->root : NULL; }

static void set_error(expr_error *err, int code, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_error(expr_error *err, int code, int col, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    err->col = col;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

/* --- lexer ---------------------------------------------------------------- */

typedef enum { T_END, T_NUM, T_STR, T_NAME, T_OP, T_BAD } tok_kind;

typedef struct token {
    tok_kind kind;
    int col;             /* 1-based */
    const char *start;
    size_t len;
    double num;
    int is_int;
} token;

typedef struct parser {
    const char *text;
    const char *p;
    token tok;
    expr_tree *tree;
    expr_error *err;
    int depth;
    int failed;
} parser;

/* Operators, longest first so that "**" wins over "*". */
static const char *const OPS[] = {"**", "//", "<=", ">=", "==", "!=", "...", "+", "-", "*",
                                  "/", "%", "@", "<", ">", "&", "|", "^", "~", "(", ")", "[",
                                  "]", ",", ":", ".", "="};

static void next(parser *ps)
{
    const char *p = ps->p;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    token *t = &ps->tok;
    t->start = p;
    t->col = (int)(p - ps->text) + 1;
    t->is_int = 0;
    t->num = 0;
    if (!*p) {
        t->kind = T_END;
        t->len = 0;
    } else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
        const char *q = p;
        int is_int = 1;
        while (isdigit((unsigned char)*q))
            q++;
        if (*q == '.') {
            is_int = 0;
            q++;
            while (isdigit((unsigned char)*q))
                q++;
        }
        if ((*q == 'e' || *q == 'E') &&
            (isdigit((unsigned char)q[1]) ||
             ((q[1] == '+' || q[1] == '-') && isdigit((unsigned char)q[2])))) {
            is_int = 0;
            q += 2;
            while (isdigit((unsigned char)*q))
                q++;
        }
        char buf[64];
        size_t n = (size_t)(q - p);
        if (n >= sizeof buf) {   /* strtod on a copy: the text is not ours to cut */
            char *copy = dusk_malloc(n + 1);
            if (copy) {
                memcpy(copy, p, n);
                copy[n] = '\0';
                t->num = strtod(copy, NULL);
                dusk_free(copy);
            }
        } else {
            memcpy(buf, p, n);
            buf[n] = '\0';
            t->num = strtod(buf, NULL);
        }
        t->kind = T_NUM;
        t->is_int = is_int;
        t->len = n;
        p = q;
        if (isalpha((unsigned char)*p) || *p == '_') {   /* 3x, 1e */
            t->kind = T_BAD;
            t->col = (int)(p - ps->text) + 1;
            t->start = p;
            t->len = 1;
            return;
        }
    } else if (isalpha((unsigned char)*p) || *p == '_') {
        const char *q = p;
        while (isalnum((unsigned char)*q) || *q == '_')
            q++;
        t->kind = T_NAME;
        t->len = (size_t)(q - p);
        p = q;
    } else if (*p == '\'' || *p == '"') {
        const char *q = strchr(p + 1, *p);
        if (!q) {
            t->kind = T_BAD;
            t->len = strlen(p);
            ps->p = p;
            return;
        }
        t->kind = T_STR;
        t->start = p + 1;
        t->len = (size_t)(q - p - 1);
        p = q + 1;
    } else {
        t->kind = T_BAD;
        t->len = 1;
        for (size_t i = 0; i < sizeof OPS / sizeof *OPS; i++) {
            size_t n = strlen(OPS[i]);
            if (strncmp(p, OPS[i], n) == 0) {
                t->kind = T_OP;
                t->len = n;
                p += n;
                break;
            }
        }
    }
    ps->p = p;
}

static int is_op(const parser *ps, const char *op)
{
    return ps->tok.kind == T_OP && ps->tok.len == strlen(op) &&
           strncmp(ps->tok.start, op, ps->tok.len) == 0;
}

/* What the current token is, for messages: "')'", "the end". */
static const char *tok_text(const parser *ps, char *buf, size_t n)
{
    const token *t = &ps->tok;
    if (t->kind == T_END)
        return "the end of the expression";
    if (t->kind == T_BAD) {
        unsigned char c = (unsigned char)*t->start;
        if (c == '\'' || c == '"')
            snprintf(buf, n, "a string that is not closed");
        else if (c < 0x20 || c >= 0x7f)
            snprintf(buf, n, "the byte 0x%02x", c);
        else
            snprintf(buf, n, "'%c'", c);
        return buf;
    }
    int len = t->len > 40 ? 40 : (int)t->len;
    snprintf(buf, n, "%s%.*s%s%s", t->kind == T_STR ? "the string '" : "'", len, t->start,
             t->len > 40 ? "..." : "", "'");
    return buf;
}

static void syntax(parser *ps, const char *fmt, const char *what)
{
    if (ps->failed)
        return;
    char tb[80], msg[256];
    ps->failed = 1;
    snprintf(msg, sizeof msg, fmt, what ? what : "");
    if (ps->tok.kind == T_BAD && (*ps->tok.start == '\'' || *ps->tok.start == '"'))
        set_error(ps->err, 2, ps->tok.col, "a string that is not closed");
    else if (ps->tok.kind == T_BAD)
        set_error(ps->err, 2, ps->tok.col, "unexpected %s", tok_text(ps, tb, sizeof tb));
    else
        set_error(ps->err, 2, ps->tok.col, "%s, found %s", msg, tok_text(ps, tb, sizeof tb));
}

static void nomem(parser *ps)
{
    if (!ps->failed) {
        ps->failed = 1;
        set_error(ps->err, 1, 0, "out of memory");
    }
}

static expr *node(parser *ps, expr_kind kind, int col, int nkids)
{
    expr *e = tree_alloc(ps->tree, sizeof *e);
    expr **kids = nkids ? tree_alloc(ps->tree, sizeof *kids * (size_t)nkids) : NULL;
    if (!e || (nkids && !kids)) {
        nomem(ps);
        return NULL;
    }
    memset(e, 0, sizeof *e);
    e->depth = 1;
    e->kind = kind;
    e->col = e->opcol = col;
    e->nkids = nkids;
    e->kids = kids;
    for (int i = 0; i < nkids; i++)
        kids[i] = NULL;
    return e;
}

/* Sets e's depth from its kids; NULL (an error at e's operator) past
 * EXPR_MAX_DEPTH, so that walking the tree (printing, evaluating) never
 * runs the stack out: x.T.T.T... and x+x+x+... are built by loops. */
static expr *deepen(parser *ps, expr *e)
{
    if (!e)
        return NULL;
    e->depth = 1;
    for (int i = 0; i < e->nkids; i++)
        if (e->kids[i] && e->kids[i]->depth + 1 > e->depth)
            e->depth = e->kids[i]->depth + 1;
    if (e->depth > EXPR_MAX_DEPTH) {
        if (!ps->failed) {
            ps->failed = 1;
            set_error(ps->err, 2, e->opcol, "the expression is more than %d operations "
                      "deep (a chain such as 1 + 1 + ... counts each one)", EXPR_MAX_DEPTH);
        }
        return NULL;
    }
    return e;
}

static const char *intern(parser *ps, const char *s, size_t n)
{
    char *c = tree_alloc(ps->tree, n + 1);
    if (!c) {
        nomem(ps);
        return NULL;
    }
    memcpy(c, s, n);
    c[n] = '\0';
    return c;
}

/* A growing list of nodes while a call's arguments or a tuple are read. */
typedef struct nodelist {
    expr **v;
    int n, cap;
} nodelist;

static int push(parser *ps, nodelist *l, expr *e)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 8;
        expr **v = dusk_realloc(l->v, sizeof *v * (size_t)cap);
        if (!v) {
            nomem(ps);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = e;
    return 0;
}

/* A node of kind with first (may be NULL: none) and the list as kids. */
static expr *from_list(parser *ps, expr_kind kind, int col, expr *first, nodelist *l)
{
    int off = first ? 1 : 0;
    expr *e = node(ps, kind, col, l->n + off);
    if (e) {
        if (first)
            e->kids[0] = first;
        for (int i = 0; i < l->n; i++)
            e->kids[i + off] = l->v[i];
    }
    dusk_free(l->v);
    l->v = NULL;
    return deepen(ps, e);
}

static expr *parse_expr(parser *ps);
static expr *parse_unary(parser *ps);

static int enter(parser *ps)
{
    if (++ps->depth > EXPR_MAX_NEST) {
        if (!ps->failed) {
            ps->failed = 1;
            set_error(ps->err, 2, ps->tok.col, "the expression nests deeper than %d levels "
                      "of parentheses, brackets, calls, signs and powers", EXPR_MAX_NEST);
        }
        return -1;
    }
    return 0;
}

/* Comma-separated expressions up to close (the opening one read). *commas
 * counts the commas (a trailing one makes (1,) a tuple). */
static int parse_seq(parser *ps, const char *close, nodelist *l, int *commas)
{
    *commas = 0;
    while (!is_op(ps, close)) {
        expr *e = parse_expr(ps);
        if (!e || push(ps, l, e) < 0)
            return -1;
        if (is_op(ps, ",")) {
            (*commas)++;
            next(ps);
        } else if (!is_op(ps, close)) {
            char msg[64];
            snprintf(msg, sizeof msg, "expected ',' or '%s'", close);
            syntax(ps, "%s", msg);
            return -1;
        }
    }
    next(ps);
    return 0;
}

static expr *parse_atom(parser *ps)
{
    token t = ps->tok;
    expr *e = NULL;
    if (t.kind == T_NUM) {
        e = node(ps, EXPR_NUM, t.col, 0);
        if (e) {
            e->num = t.num;
            e->is_int = t.is_int;
            /* an int's digits: the evaluator reads it exactly from them */
            if (t.is_int && !(e->str = intern(ps, t.start, t.len)))
                return NULL;
        }
        next(ps);
    } else if (t.kind == T_STR) {
        e = node(ps, EXPR_STR, t.col, 0);
        if (e && !(e->str = intern(ps, t.start, t.len)))
            return NULL;
        next(ps);
    } else if (t.kind == T_NAME) {
        int is_const = (t.len == 4 && (!strncmp(t.start, "True", 4) || !strncmp(t.start, "None", 4))) ||
                       (t.len == 5 && !strncmp(t.start, "False", 5));
        e = node(ps, is_const ? EXPR_CONST : EXPR_NAME, t.col, 0);
        if (e && !(e->str = intern(ps, t.start, t.len)))
            return NULL;
        next(ps);
    } else if (is_op(ps, "(")) {
        next(ps);
        nodelist l = {0};
        int commas;
        if (parse_seq(ps, ")", &l, &commas) < 0) {
            dusk_free(l.v);
            return NULL;
        }
        if (l.n == 1 && commas == 0) {   /* (a): grouping; the node keeps its own column */
            e = l.v[0];
            dusk_free(l.v);
        } else {
            e = from_list(ps, EXPR_TUPLE, t.col, NULL, &l);
        }
    } else if (is_op(ps, "[")) {
        next(ps);
        nodelist l = {0};
        int commas;
        if (parse_seq(ps, "]", &l, &commas) < 0) {
            dusk_free(l.v);
            return NULL;
        }
        e = from_list(ps, EXPR_LIST, t.col, NULL, &l);
    } else {
        syntax(ps, "expected an expression", NULL);
    }
    return e;
}

/* One entry of x[...]. */
static expr *parse_sub(parser *ps)
{
    int col = ps->tok.col;
    if (is_op(ps, "...")) {
        next(ps);
        return node(ps, EXPR_ELLIPSIS, col, 0);
    }
    expr *parts[3] = {NULL, NULL, NULL};
    if (!is_op(ps, ":")) {
        parts[0] = parse_expr(ps);
        if (!parts[0] || !is_op(ps, ":"))
            return parts[0];
    }
    for (int k = 1; k < 3 && is_op(ps, ":"); k++) {
        next(ps);
        if (!is_op(ps, ":") && !is_op(ps, ",") && !is_op(ps, "]")) {
            if (!(parts[k] = parse_expr(ps)))
                return NULL;
        }
    }
    if (is_op(ps, ":")) {
        syntax(ps, "expected ',' or ']' after a slice's step", NULL);
        return NULL;
    }
    expr *e = node(ps, EXPR_SLICE, col, 3);
    if (e)
        for (int k = 0; k < 3; k++)
            e->kids[k] = parts[k];
    return deepen(ps, e);
}

static expr *parse_postfix(parser *ps)
{
    expr *e = parse_atom(ps);
    while (e && !ps->failed) {
        int col = ps->tok.col;
        if (is_op(ps, "(")) {
            next(ps);
            nodelist l = {0};
            int seen_kw = 0;
            while (!is_op(ps, ")")) {
                expr *a;
                const char *save = ps->p;
                token t = ps->tok;
                if (t.kind == T_NAME) {   /* NAME '=' expr: a keyword */
                    next(ps);
                    if (is_op(ps, "=")) {
                        next(ps);
                        a = node(ps, EXPR_KEYWORD, t.col, 1);
                        if (a && !(a->str = intern(ps, t.start, t.len)))
                            a = NULL;
                        if (a && !(a->kids[0] = parse_expr(ps)))
                            a = NULL;
                        a = deepen(ps, a);
                        seen_kw = 1;
                        goto got;
                    }
                    ps->p = save;
                    ps->tok = t;
                }
                if (seen_kw) {
                    syntax(ps, "expected a keyword argument (a positional one cannot follow "
                               "a keyword)", NULL);
                    a = NULL;
                } else {
                    a = parse_expr(ps);
                }
            got:
                if (!a || push(ps, &l, a) < 0) {
                    dusk_free(l.v);
                    return NULL;
                }
                if (is_op(ps, ","))
                    next(ps);
                else if (!is_op(ps, ")")) {
                    syntax(ps, "expected ',' or ')' in the arguments", NULL);
                    dusk_free(l.v);
                    return NULL;
                }
            }
            next(ps);
            expr *c = from_list(ps, EXPR_CALL, e->col, e, &l);
            if (c)
                c->opcol = col;
            e = c;
        } else if (is_op(ps, ".")) {
            next(ps);
            if (ps->tok.kind != T_NAME) {
                syntax(ps, "expected a name after '.'", NULL);
                return NULL;
            }
            expr *a = node(ps, EXPR_ATTR, e->col, 1);
            if (!a || !(a->str = intern(ps, ps->tok.start, ps->tok.len)))
                return NULL;
            a->kids[0] = e;
            a->opcol = ps->tok.col;
            next(ps);
            if (!(e = deepen(ps, a)))
                return NULL;
        } else if (is_op(ps, "[")) {
            next(ps);
            nodelist l = {0};
            if (is_op(ps, "]")) {
                syntax(ps, "expected an index", NULL);
                return NULL;
            }
            while (!is_op(ps, "]")) {
                expr *s = parse_sub(ps);
                if (!s || push(ps, &l, s) < 0) {
                    dusk_free(l.v);
                    return NULL;
                }
                if (is_op(ps, ","))
                    next(ps);
                else if (!is_op(ps, "]")) {
                    syntax(ps, "expected ',' or ']' in the index", NULL);
                    dusk_free(l.v);
                    return NULL;
                }
            }
            next(ps);
            expr *x = from_list(ps, EXPR_INDEX, e->col, e, &l);
            if (x)
                x->opcol = col;
            e = x;
        } else {
            break;
        }
    }
    return ps->failed ? NULL : e;
}

static expr *binop(parser *ps, const char *op, int opcol, expr *a, expr *b)
{
    if (!a || !b)
        return NULL;
    expr *e = node(ps, EXPR_BINOP, a->col, 2);
    if (!e || !(e->str = intern(ps, op, strlen(op))))
        return NULL;
    e->opcol = opcol;
    e->kids[0] = a;
    e->kids[1] = b;
    return deepen(ps, e);
}

static expr *parse_power(parser *ps)
{
    expr *e = parse_postfix(ps);
    if (e && is_op(ps, "**")) {
        int col = ps->tok.col;
        next(ps);
        if (enter(ps) < 0)   /* 2 ** 2 ** ... recurses, to the right */
            return NULL;
        e = binop(ps, "**", col, e, parse_unary(ps));
        ps->depth--;
    }
    return e;
}

static expr *parse_unary(parser *ps)
{
    int col = ps->tok.col, sign = is_op(ps, "-") || is_op(ps, "~") || is_op(ps, "+");
    if (!sign)   /* a parenthesis counts once, in parse_expr */
        return parse_power(ps);
    if (enter(ps) < 0)
        return NULL;
    expr *e;
    if (!is_op(ps, "+")) {
        expr_kind k = is_op(ps, "-") ? EXPR_NEG : EXPR_INVERT;
        next(ps);
        expr *a = parse_unary(ps);
        e = a ? node(ps, k, col, 1) : NULL;
        if (e)
            e->kids[0] = a;
        e = deepen(ps, e);
    } else {
        next(ps);
        e = parse_unary(ps);
    }
    ps->depth--;
    return e;
}

static expr *parse_term(parser *ps)
{
    expr *e = parse_unary(ps);
    while (e && (is_op(ps, "*") || is_op(ps, "/") || is_op(ps, "//") || is_op(ps, "%") ||
                 is_op(ps, "@"))) {
        char op[3] = {*ps->tok.start, 0, 0};
        int col = ps->tok.col;
        if (is_op(ps, "//"))
            op[1] = '/';
        next(ps);
        e = binop(ps, op, col, e, parse_unary(ps));
    }
    return e;
}

static expr *parse_arith(parser *ps)
{
    expr *e = parse_term(ps);
    while (e && (is_op(ps, "+") || is_op(ps, "-"))) {
        char op[2] = {*ps->tok.start, 0};
        int col = ps->tok.col;
        next(ps);
        e = binop(ps, op, col, e, parse_term(ps));
    }
    return e;
}

/* & binds tighter than ^, which binds tighter than |; all of them
 * looser than arithmetic and tighter than comparisons, as in Python. */
static expr *parse_bits(parser *ps, int level)
{
    static const char *const OP[3] = {"|", "^", "&"};
    expr *e = level == 3 ? parse_arith(ps) : parse_bits(ps, level + 1);
    while (e && level < 3 && is_op(ps, OP[level])) {
        int col = ps->tok.col;
        next(ps);
        e = binop(ps, OP[level], col, e, parse_bits(ps, level + 1));
    }
    return e;
}

static int is_cmp(const parser *ps)
{
    return is_op(ps, "<") || is_op(ps, "<=") || is_op(ps, ">") || is_op(ps, ">=") ||
           is_op(ps, "==") || is_op(ps, "!=");
}

static expr *parse_expr(parser *ps)
{
    if (enter(ps) < 0)
        return NULL;
    expr *e = parse_bits(ps, 0);
    if (e && is_cmp(ps)) {
        char op[3] = {0};
        memcpy(op, ps->tok.start, ps->tok.len);
        int col = ps->tok.col;
        next(ps);
        e = binop(ps, op, col, e, parse_bits(ps, 0));
        if (e && is_cmp(ps)) {
            if (!ps->failed) {
                ps->failed = 1;
                set_error(ps->err, 2, ps->tok.col,
                          "comparisons do not chain: write (a < b) & (b < c)");
            }
            e = NULL;
        }
    }
    if (e && is_op(ps, "=") && !ps->failed) {
        ps->failed = 1;
        set_error(ps->err, 2, ps->tok.col,
                  "'=' only names a keyword argument (f(axis=0)); to compare, write '=='");
        e = NULL;
    }
    ps->depth--;
    return ps->failed ? NULL : e;
}

expr_tree *expr_parse(const char *text, expr_error *err)
{
    if (err) {
        err->code = 0;
        err->col = 0;
        err->msg[0] = '\0';
    }
    if (!text) {
        set_error(err, 2, 0, "no expression");
        return NULL;
    }
    expr_tree *t = dusk_malloc(sizeof *t);
    if (!t) {
        set_error(err, 1, 0, "out of memory");
        return NULL;
    }
    t->blocks = NULL;
    t->root = NULL;
    parser ps = {text, text, {0}, t, err, 0, 0};
    next(&ps);
    if (ps.tok.kind == T_END) {
        set_error(err, 2, 1, "the expression is empty");
        expr_free(t);
        return NULL;
    }
    t->root = parse_expr(&ps);
    if (t->root && ps.tok.kind != T_END)
        syntax(&ps, "expected an operator or the end", NULL);
    if (ps.failed || !t->root) {
        expr_free(t);
        return NULL;
    }
    return t;
}

/* --- canonical print -------------------------------------------------------- */

typedef struct textbuf {
    char *buf;
    size_t n, len;
} textbuf;

static void put(textbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(textbuf *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->n ? o->n - o->len : 0;
    int k = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->len += (size_t)k;
}

/* The shortest text that reads back as the float v, with ".0" when it
 * looks whole. */
static void put_number(textbuf *o, double v)
{
    char b[40];
    int p = 1;
    for (; p < 17; p++) {
        snprintf(b, sizeof b, "%.*g", p, v);
        if (strtod(b, NULL) == v)
            break;
    }
    /* as Python's repr: plain digits between 1e-4 and 1e16 */
    int ex = v != 0 && isfinite(v) ? (int)floor(log10(fabs(v))) : 0;
    if (v != 0 && isfinite(v) && ex >= -4 && ex < 16)
        snprintf(b, sizeof b, "%.*f", p - 1 - ex > 0 ? p - 1 - ex : 0, v);
    else
        snprintf(b, sizeof b, "%.*g", p, v);
    if (!strpbrk(b, ".eni"))
        strcat(b, ".0");
    put(o, "%s", b);
}

static void sexp(textbuf *o, const expr *e)
{
    if (!e) {
        put(o, "_");
        return;
    }
    const char *head = NULL;
    switch (e->kind) {
    case EXPR_NUM:
        if (e->is_int) {   /* its digits, exact past 2**53 too ("007" is 7) */
            const char *d = e->str + strspn(e->str, "0");
            put(o, "%s", *d ? d : "0");
            return;
        }
        put_number(o, e->num);
        return;
    case EXPR_STR: put(o, "'%s'", e->str); return;
    case EXPR_NAME:
    case EXPR_CONST: put(o, "%s", e->str); return;
    case EXPR_ELLIPSIS: put(o, "..."); return;
    case EXPR_BINOP: head = e->str; break;
    case EXPR_NEG: head = "neg"; break;
    case EXPR_INVERT: head = "~"; break;
    case EXPR_CALL: head = "call"; break;
    case EXPR_KEYWORD: put(o, "(= %s ", e->str); sexp(o, e->kids[0]); put(o, ")"); return;
    case EXPR_ATTR: put(o, "(. "); sexp(o, e->kids[0]); put(o, " %s)", e->str); return;
    case EXPR_INDEX: head = "[]"; break;
    case EXPR_SLICE: head = ":"; break;
    case EXPR_TUPLE: head = "tuple"; break;
    case EXPR_LIST: head = "list"; break;
    }
    put(o, "(%s", head);
    for (int i = 0; i < e->nkids; i++) {
        put(o, " ");
        sexp(o, e->kids[i]);
    }
    put(o, ")");
}

size_t expr_sexp(const expr *e, char *buf, size_t n)
{
    textbuf o = {buf, n, 0};
    if (buf && n)
        buf[0] = '\0';
    sexp(&o, e);
    return o.len;
}

/* --- suggestions ------------------------------------------------------------ */

/* How did-you-mean guesses are chosen (every "did you mean" of the dusk
 * command comes from here): the known word fewest edits away, an edit
 * being a letter added, dropped, changed, or two neighbours swapped
 * ("wrokers", "maen": one edit), case aside; within one edit per three
 * letters of the given word (at least one, fewer than it has letters, at
 * most three), its leading dashes not counted ("--nope" has four letters:
 * "--close", three edits away, is no guess). Failing that, the one known
 * word that the given one begins ("--sched" for "--scheduler"; not
 * "--s", two letters being no word). Ties go to the earlier known word.
 * Else no guess: a random near word would mislead more than none. */

/* The optimal string alignment distance of a and b (Levenshtein plus the
 * swap of two neighbours), case-insensitive; 99 past 40 letters. */
static size_t edits(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t rows[3][41], *prev2 = rows[0], *prev = rows[1], *row = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        int ca = tolower((unsigned char)a[i - 1]);
        for (size_t j = 1; j <= lb; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            row[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = row;
        row = t;
    }
    return prev[lb];
}

/* Whether word begins with the letters of start (case aside). */
static int begins(const char *word, const char *start)
{
    for (; *start; start++, word++)
        if (tolower((unsigned char)*word) != tolower((unsigned char)*start))
            return 0;
    return 1;
}

const char *expr_closest(const char *given, const char *const *known, size_t n)
{
    if (!given)
        return NULL;
    size_t letters = strlen(given + strspn(given, "-"));
    size_t allow = letters / 3 ? letters / 3 : 1;
    if (allow >= letters)
        allow = letters ? letters - 1 : 0;
    if (allow > 3)
        allow = 3;
    const char *best = NULL;
    size_t bestd = allow + 1;
    for (size_t i = 0; i < n; i++) {
        if (!known[i])
            continue;
        size_t d = edits(given, known[i]);
        if (d < bestd) {
            bestd = d;
            best = known[i];
        }
    }
    if (best || letters < 3)
        return best;
    const char *only = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!known[i] || strlen(known[i]) <= strlen(given) || !begins(known[i], given))
            continue;
        if (only && strcmp(only, known[i]) != 0)
            return NULL;   /* two words begin so: no guess between them */
        only = known[i];
    }
    return only;
}

/* --- values -------------------------------------------------------------------- */

typedef enum { V_ARRAY, V_NUM, V_STR, V_NONE, V_SEQ } vkind;

/* A Python int that dusk eval holds exactly: below 2**126 in magnitude, so
 * that what NumPy takes (int64 and uint64, from -2**63 to 2**64 - 1) and
 * the sums and products on the way there (2**64 - 1) are exact, where a
 * double is past 2**53. Past 2**126 an int is only its nearest double. */
__extension__ typedef __int128 pyint;
#define PYINT_LIMIT ((pyint)1 << 126)

typedef struct val {
    vkind kind;
    int is_int;           /* V_NUM: a Python int of int64 (or a bool, when is_bool) */
    int big_int;          /* V_NUM: a Python int past int64 (is_int 0: not a float as
                             written; NumPy takes one below 2**64 as uint64) */
    int exact;            /* V_NUM: an int that ival holds (every is_int, a big_int below
                             2**126); num is its nearest double */
    pyint ival;
    const char *digits;   /* V_NUM: an int literal's digits, for messages */
    int is_bool;
    int is_list;          /* V_SEQ: [..] rather than (..) */
    double num;
    const char *str;      /* V_STR: in the tree or static */
    dusk_array *a;
    int n;                /* V_SEQ */
    struct val *items;    /* V_SEQ: in the evaluator's list of allocations */
} val;

/* A creation call made once already (ones, zeros, full, empty of the same
 * shape, chunks, dtype and fill): the same array again, as Dask names such
 * calls by their arguments with the chunks normalised, so that
 * `ones(s) + ones(s).T` has the tasks of `x + x.T`, and chunks=5 and
 * chunks=(5, 5) make one array. */
typedef struct made {
    int f;
    uint64_t fill;        /* the fill's bits: -0.0 is not 0.0 */
    dusk_array *a;
    struct made *next;
} made;

/* Whether a and b have the same dtype, shape and chunks. */
static int same_grid(const dusk_array *a, const dusk_array *b)
{
    int nd = dusk_array_ndim(a);
    if (dusk_array_dtype(a) != dusk_array_dtype(b) || nd != dusk_array_ndim(b))
        return 0;
    for (int k = 0; k < nd; k++) {
        int64_t nb = dusk_array_numblocks(a, k);
        if (dusk_array_shape(a)[k] != dusk_array_shape(b)[k] ||
            nb != dusk_array_numblocks(b, k) ||
            memcmp(dusk_array_chunks(a, k), dusk_array_chunks(b, k),
                   (size_t)nb * sizeof(int64_t)) != 0)
            return 0;
    }
    return 1;
}

typedef struct evaluator {
    const expr_env *env;
    expr_error *err;
    void **allocs;        /* what to free at the end */
    size_t nallocs, cap;
    int failed;
    made *made;           /* in ev_alloc's memory */
} evaluator;

static void *ev_alloc(evaluator *ev, size_t n)
{
    if (ev->nallocs == ev->cap) {
        size_t cap = ev->cap ? 2 * ev->cap : 16;
        void **v = dusk_realloc(ev->allocs, sizeof *v * cap);
        if (!v)
            return NULL;
        ev->allocs = v;
        ev->cap = cap;
    }
    void *p = dusk_malloc(n ? n : 1);
    if (p)
        ev->allocs[ev->nallocs++] = p;
    return p;
}

static int fail(evaluator *ev, int code, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(evaluator *ev, int code, int col, const char *fmt, ...)
{
    if (!ev->failed && ev->err) {
        va_list ap;
        va_start(ap, fmt);
        ev->err->code = code;
        ev->err->col = col;
        vsnprintf(ev->err->msg, sizeof ev->err->msg, fmt, ap);
        va_end(ap);
    }
    ev->failed = 1;
    return -1;
}

static int nomem_ev(evaluator *ev, int col) { return fail(ev, 1, col, "out of memory"); }

/* A number; an int (is_int) must be whole and of int64. */
static val num_val(double v, int is_int)
{
    val r = {0};
    r.kind = V_NUM;
    r.num = v;
    r.is_int = is_int;
    r.exact = is_int;
    r.ival = is_int ? (int64_t)v : 0;
    return r;
}

/* The int n, exactly. */
static val int_val(pyint n)
{
    val r = num_val((double)n, 0);
    r.is_int = n >= INT64_MIN && n <= INT64_MAX;
    r.big_int = !r.is_int;
    r.exact = 1;
    r.ival = n;
    return r;
}

/* An int that v, whole, is nearest to (from ints dusk does not hold
 * exactly: Python's would be exact). */
static val int_near(double v)
{
    if (fabs(v) < 0x1p126)
        return int_val((pyint)v);
    val r = num_val(v, 0);
    r.big_int = 1;
    return r;
}

/* Python's int a OP b of ints held exactly, as Python computes it (b is
 * not 0 for // and %; & | ^ take int64s): 0 and *r, or -1 past 2**126. */
static int pyint_binop(dusk_binop op, pyint a, pyint b, pyint *r)
{
    pyint ua = a < 0 ? -a : a, ub = b < 0 ? -b : b;
    switch (op) {
    case DUSK_BINOP_ADD: *r = a + b; break;   /* below 2**127: no overflow */
    case DUSK_BINOP_SUB: *r = a - b; break;
    case DUSK_BINOP_MUL:
        if (ub != 0 && ua > (PYINT_LIMIT - 1) / ub)
            return -1;
        *r = a * b;
        break;
    case DUSK_BINOP_POW: {   /* b >= 0 */
        pyint acc = 1, base = a;
        for (pyint e = b; e > 0; e >>= 1) {
            if ((e & 1) && pyint_binop(DUSK_BINOP_MUL, acc, base, &acc) < 0)
                return -1;
            if (e > 1 && pyint_binop(DUSK_BINOP_MUL, base, base, &base) < 0)
                return -1;
        }
        *r = acc;
        break;
    }
    case DUSK_BINOP_FLOORDIV:
    case DUSK_BINOP_MOD: {   /* floored: the remainder has b's sign */
        pyint q = a / b, m = a % b;
        if (m != 0 && (m < 0) != (b < 0)) {
            q -= 1;
            m += b;
        }
        *r = op == DUSK_BINOP_FLOORDIV ? q : m;
        break;
    }
    case DUSK_BINOP_AND: *r = (int64_t)a & (int64_t)b; break;
    case DUSK_BINOP_OR: *r = (int64_t)a | (int64_t)b; break;
    case DUSK_BINOP_XOR: *r = (int64_t)a ^ (int64_t)b; break;
    case DUSK_BINOP_MAX: *r = a > b ? a : b; break;
    case DUSK_BINOP_MIN: *r = a < b ? a : b; break;
    case DUSK_BINOP_LT: *r = a < b; break;
    case DUSK_BINOP_LE: *r = a <= b; break;
    case DUSK_BINOP_GT: *r = a > b; break;
    case DUSK_BINOP_GE: *r = a >= b; break;
    case DUSK_BINOP_EQ: *r = a == b; break;
    default: *r = a != b; break;
    }
    return *r <= -PYINT_LIMIT || *r >= PYINT_LIMIT ? -1 : 0;
}

/* The int in v as text: its literal's digits, or the int's (held
 * exactly). */
static const char *int_text(const val *v, char *buf, size_t n)
{
    if (v->digits) {
        const char *d = v->digits + strspn(v->digits, "0");
        return *d ? d : "0";
    }
    char t[48];
    size_t k = sizeof t;
    t[--k] = '\0';
    pyint m = v->ival;
    do {
        int d = (int)(m % 10);
        t[--k] = (char)('0' + (d < 0 ? -d : d));
        m /= 10;
    } while (m != 0);
    if (v->ival < 0)
        t[--k] = '-';
    snprintf(buf, n, "%s", t + k);
    return buf;
}

/* 0 when v, a number meeting an array, is one NumPy holds; an int past
 * int64 and uint64 (NumPy 1.24 makes an object array of it, and raises
 * OverflowError where a dtype must hold it) is refused, named. */
static int check_fits(evaluator *ev, int col, const val *v)
{
    if (!v->big_int || (v->exact && v->ival >= 0 && v->ival <= UINT64_MAX))
        return 0;
    char buf[48];
    if (!v->exact && !v->digits)
        return fail(ev, 2, col, "an integer of about %.17g does not fit in 64 bits (int64 or "
                    "uint64): NumPy makes an object array of it, which dusk does not have",
                    v->num);
    return fail(ev, 2, col, "the integer %s does not fit in 64 bits (int64 or uint64): NumPy "
                "makes an object array of it, which dusk does not have",
                int_text(v, buf, sizeof buf));
}

static const char *kind_name(const val *v)
{
    switch (v->kind) {
    case V_ARRAY: return "an array";
    case V_NUM: return v->is_bool ? "a bool" : v->is_int || v->big_int ? "an integer" : "a number";
    case V_STR: return "a string";
    case V_NONE: return "None";
    case V_SEQ: return v->is_list ? "a list" : "a tuple";
    }
    return "a value";
}

/* dusk_array's message for chunks it cannot read, whatever the shape
 * (array/chunks.c); chunks that do not fit the shape say otherwise. */
static int unreadable_chunks(const char *msg)
{
    return !strncmp(msg, "cannot read chunks ", 19);
}

int expr_chunks_readable(const char *spec)
{
    dusk_array_ctx *ctx = dusk_array_ctx_new();
    if (!ctx)
        return 0;
    dusk_error e = DUSK_ERROR_INIT;
    int ok = dusk_array_status(dusk_ones(ctx, DUSK_SHAPE(1), spec, DUSK_DT_F8), &e) == 0 ||
             !unreadable_chunks(e.msg);
    dusk_array_ctx_free(ctx);
    return ok;
}

/* The status of a new array r made at col: dusk's own message, code 1
 * (2 for chunks that cannot be read: a typing error, as --chunks's); too
 * many blocks for the env's limit, code 2. */
static int check(evaluator *ev, int col, dusk_array *r, val *out)
{
    dusk_error e = DUSK_ERROR_INIT;
    if (dusk_array_status(r, &e) != 0)
        return fail(ev, unreadable_chunks(e.msg) ? 2 : 1, col, "%s", e.msg);
    if (ev->env->max_blocks > 0 && dusk_array_nchunks(r) > ev->env->max_blocks)
        return fail(ev, 2, col, "the result has %lld blocks, more than the %lld allowed here",
                    (long long)dusk_array_nchunks(r), (long long)ev->env->max_blocks);
    memset(out, 0, sizeof *out);
    out->kind = V_ARRAY;
    out->a = r;
    return 0;
}

/* r, a 0-d array of a function of numbers only, computed now into the
 * number NumPy's scalar result is (np.arctan2(1, 2) is a float64 scalar,
 * which meets an array as a number: f4 array + arctan2(1, 2) is f4).
 * Its bools stay bools, its integers ints, its floats floats. */
static int eager_number(evaluator *ev, int col, dusk_array *r, val *out)
{
    val tmp;
    if (check(ev, col, r, &tmp) < 0)
        return -1;
    dusk_dtype dt = dusk_array_dtype(r);
    if (dt == DUSK_DT_C16 || dt == DUSK_DT_C8)
        return fail(ev, 2, col, "this gives a complex number, which dusk eval's numbers are "
                    "not: give it an array");
    dusk_dtype as = dt == DUSK_DT_BOOL || dt == DUSK_DT_U8 ? dt
                    : dt == DUSK_DT_F8 || dt == DUSK_DT_F4 || dt == DUSK_DT_F2 ? DUSK_DT_F8
                    : DUSK_DT_I8;
    if (as != dt && check(ev, col, dusk_array_astype(r, as), &tmp) < 0)
        return -1;
    dusk_options run = DUSK_OPTIONS_INIT;
    run.scheduler = DUSK_SCHED_SYNC;
    dusk_value *v = NULL;
    dusk_error e = DUSK_ERROR_INIT;
    if (dusk_array_compute(tmp.a, &run, &v, &e) != 0)
        return fail(ev, 1, col, "%s", e.msg);
    const void *p = dusk_ndarray_data(v);
    if (as == DUSK_DT_F8) {
        double x;
        memcpy(&x, p, sizeof x);
        *out = num_val(x, 0);
    } else if (as == DUSK_DT_BOOL) {
        *out = num_val(*(const unsigned char *)p != 0, 1);
        out->is_bool = 1;
    } else if (as == DUSK_DT_U8) {
        uint64_t u;
        memcpy(&u, p, sizeof u);
        *out = int_val((pyint)u);
    } else {
        int64_t i;
        memcpy(&i, p, sizeof i);
        *out = int_val(i);
    }
    dusk_value_unref(v);
    return 0;
}

/* --- names: constants and dtypes ------------------------------------------------- */

static const struct { const char *name; dusk_dtype dt; } DTYPES[] = {
    {"float64", DUSK_DT_F8}, {"float32", DUSK_DT_F4}, {"int64", DUSK_DT_I8},
    {"int32", DUSK_DT_I4},   {"int16", DUSK_DT_I2},   {"int8", DUSK_DT_I1},
    {"uint64", DUSK_DT_U8},  {"uint32", DUSK_DT_U4},  {"uint16", DUSK_DT_U2},
    {"uint8", DUSK_DT_U1},   {"bool", DUSK_DT_BOOL},  {"bool_", DUSK_DT_BOOL},
    {"float", DUSK_DT_F8},   {"int", DUSK_DT_I8},     {"double", DUSK_DT_F8},
    {"f8", DUSK_DT_F8},      {"f4", DUSK_DT_F4},      {"i8", DUSK_DT_I8},
    {"i4", DUSK_DT_I4},      {"i2", DUSK_DT_I2},      {"i1", DUSK_DT_I1},
    {"u8", DUSK_DT_U8},      {"u4", DUSK_DT_U4},      {"u2", DUSK_DT_U2},
    {"u1", DUSK_DT_U1},      {"?", DUSK_DT_BOOL},     {"b1", DUSK_DT_BOOL},
    {"float16", DUSK_DT_F2}, {"f2", DUSK_DT_F2},      {"half", DUSK_DT_F2},
    {"complex128", DUSK_DT_C16}, {"c16", DUSK_DT_C16}, {"complex", DUSK_DT_C16},
    {"complex64", DUSK_DT_C8}, {"c8", DUSK_DT_C8},
};
#define NDTYPES (sizeof DTYPES / sizeof *DTYPES)

static int dtype_of(const char *s, dusk_dtype *dt)
{
    for (size_t i = 0; i < NDTYPES; i++)
        if (strcmp(s, DTYPES[i].name) == 0) {
            *dt = DTYPES[i].dt;
            return 0;
        }
    return -1;
}

/* Names of functions, for lookups and suggestions (methods: the same names
 * on an array, plus those of METHODS). */
enum {
    F_ONES, F_ZEROS, F_EMPTY, F_FULL, F_ARANGE, F_LINSPACE, F_NORMAL, F_UNIFORM, F_RANDOM,
    F_EXP, F_LOG, F_SQRT, F_SIN, F_COS, F_ABS, F_NEGATIVE, F_FLOOR, F_CEIL, F_TRUNC, F_RINT,
    F_ISNAN, F_ISINF, F_ISFINITE, F_SQUARE, F_SIGN, F_TAN, F_ARCSIN, F_ARCCOS, F_ARCTAN, F_SINH,
    F_COSH, F_TANH, F_LOG10, F_LOG2, F_LOG1P, F_EXPM1,
    F_ADD, F_SUBTRACT, F_MULTIPLY, F_DIVIDE, F_POWER, F_LESS, F_LESS_EQUAL, F_GREATER,
    F_GREATER_EQUAL, F_EQUAL, F_NOT_EQUAL, F_FLOOR_DIVIDE, F_REMAINDER, F_BITWISE_AND,
    F_BITWISE_OR, F_BITWISE_XOR, F_MAXIMUM, F_MINIMUM, F_INVERT,
    F_SUM, F_PROD, F_MEAN, F_STD, F_VAR, F_MIN, F_MAX, F_ANY, F_ALL,
    F_TRANSPOSE, F_ASTYPE, F_RECHUNK, F_SQUEEZE, F_CONCATENATE, F_STACK, F_TENSORDOT, F_DOT,
    F_MATMUL, F_ARGMAX, F_ARGMIN, F_NANARGMAX, F_NANARGMIN, F_CUMSUM, F_CUMPROD, F_WHERE,
    F_RESHAPE, F_RAVEL,
    F_NANSUM, F_NANPROD, F_NANMEAN, F_NANSTD, F_NANVAR, F_NANMIN, F_NANMAX,
    F_ARCTAN2, F_HYPOT, F_COPYSIGN, F_NEXTAFTER, F_LOGADDEXP, F_LOGADDEXP2, F_FMOD, F_FMAX,
    F_FMIN, F_FLOAT_POWER, F_LOGICAL_AND, F_LOGICAL_OR, F_LOGICAL_XOR,
    F_LOGICAL_NOT, F_POSITIVE, F_RECIPROCAL, F_CBRT, F_EXP2, F_FABS, F_DEG2RAD, F_RAD2DEG,
    F_DEGREES, F_RADIANS, F_ARCSINH, F_ARCCOSH, F_ARCTANH, F_SIGNBIT, F_SINC,
    F_CLIP, F_ROUND, F_AROUND, F_ISCLOSE, F_ALLCLOSE, F_NAN_TO_NUM,
    F_EYE, F_RANDINT, F_EXPONENTIAL, F_POISSON, F_STANDARD_NORMAL,
    F_COUNT
};
_Static_assert(F_NANMAX - F_NANSUM == DUSK_RED_NANMAX - DUSK_RED_NANSUM,
               "the functions nansum..nanmax follow dusk_reduction's order");
_Static_assert(F_EXPM1 - F_FLOOR == DUSK_UNOP_EXPM1 - DUSK_UNOP_FLOOR,
               "the functions floor..expm1 follow dusk_unop's order");
_Static_assert(F_LOGICAL_XOR - F_ARCTAN2 == DUSK_BINOP_LOGICAL_XOR - DUSK_BINOP_ARCTAN2,
               "the functions arctan2..logical_xor follow dusk_binop's order");
_Static_assert(F_SINC - F_LOGICAL_NOT == DUSK_UNOP_SINC - DUSK_UNOP_LOGICAL_NOT,
               "the functions logical_not..sinc follow dusk_unop's order");

static const char *const FUNCS[F_COUNT] = {
    "ones", "zeros", "empty", "full", "arange", "linspace", "random.normal",
    "random.uniform", "random.random",
    "exp", "log", "sqrt", "sin", "cos", "abs", "negative", "floor", "ceil", "trunc", "rint",
    "isnan", "isinf", "isfinite", "square", "sign", "tan", "arcsin", "arccos", "arctan", "sinh",
    "cosh", "tanh", "log10", "log2", "log1p", "expm1",
    "add", "subtract", "multiply", "divide", "power", "less", "less_equal", "greater",
    "greater_equal", "equal", "not_equal", "floor_divide", "remainder", "bitwise_and",
    "bitwise_or", "bitwise_xor", "maximum", "minimum", "invert",
    "sum", "prod", "mean", "std", "var", "min", "max", "any", "all",
    "transpose", "astype", "rechunk", "squeeze", "concatenate", "stack", "tensordot", "dot",
    "matmul", "argmax", "argmin", "nanargmax", "nanargmin", "cumsum", "cumprod", "where",
    "reshape", "ravel",
    "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax",
    "arctan2", "hypot", "copysign", "nextafter", "logaddexp", "logaddexp2", "fmod", "fmax",
    "fmin", "float_power", "logical_and", "logical_or", "logical_xor",
    "logical_not", "positive", "reciprocal", "cbrt", "exp2", "fabs", "deg2rad", "rad2deg",
    "degrees", "radians", "arcsinh", "arccosh", "arctanh", "signbit", "sinc",
    "clip", "round", "around", "isclose", "allclose", "nan_to_num",
    "eye", "random.randint", "random.exponential", "random.poisson", "random.standard_normal",
};

/* Parameters of each function, in order; those before the '|' are required. */
static const char *const PARAMS[F_COUNT] = {
    [F_ONES] = "shape|dtype chunks", [F_ZEROS] = "shape|dtype chunks",
    [F_EMPTY] = "shape|dtype chunks", [F_FULL] = "shape fill_value|dtype chunks",
    [F_ARANGE] = "start|stop step chunks", [F_LINSPACE] = "start stop|num chunks",
    [F_NORMAL] = "|loc scale size chunks seed", [F_UNIFORM] = "|low high size chunks seed",
    [F_RANDOM] = "|size chunks seed",
    [F_EXP] = "x|", [F_LOG] = "x|", [F_SQRT] = "x|", [F_SIN] = "x|", [F_COS] = "x|",
    [F_FLOOR] = "x|", [F_CEIL] = "x|", [F_TRUNC] = "x|", [F_RINT] = "x|", [F_ISNAN] = "x|",
    [F_ISINF] = "x|", [F_ISFINITE] = "x|", [F_SQUARE] = "x|", [F_SIGN] = "x|", [F_TAN] = "x|",
    [F_ARCSIN] = "x|", [F_ARCCOS] = "x|", [F_ARCTAN] = "x|", [F_SINH] = "x|", [F_COSH] = "x|",
    [F_TANH] = "x|", [F_LOG10] = "x|", [F_LOG2] = "x|", [F_LOG1P] = "x|", [F_EXPM1] = "x|",
    [F_ABS] = "x|", [F_NEGATIVE] = "x|",
    [F_ADD] = "x1 x2|", [F_SUBTRACT] = "x1 x2|", [F_MULTIPLY] = "x1 x2|",
    [F_DIVIDE] = "x1 x2|", [F_POWER] = "x1 x2|", [F_LESS] = "x1 x2|",
    [F_LESS_EQUAL] = "x1 x2|", [F_GREATER] = "x1 x2|", [F_GREATER_EQUAL] = "x1 x2|",
    [F_EQUAL] = "x1 x2|", [F_NOT_EQUAL] = "x1 x2|", [F_FLOOR_DIVIDE] = "x1 x2|",
    [F_REMAINDER] = "x1 x2|", [F_BITWISE_AND] = "x1 x2|", [F_BITWISE_OR] = "x1 x2|",
    [F_BITWISE_XOR] = "x1 x2|", [F_MAXIMUM] = "x1 x2|", [F_MINIMUM] = "x1 x2|",
    [F_INVERT] = "x|",
    [F_SUM] = "a|axis keepdims split_every", [F_PROD] = "a|axis keepdims split_every",
    [F_MEAN] = "a|axis keepdims split_every", [F_STD] = "a|axis keepdims ddof split_every",
    [F_VAR] = "a|axis keepdims ddof split_every", [F_MIN] = "a|axis keepdims split_every",
    [F_MAX] = "a|axis keepdims split_every", [F_ANY] = "a|axis keepdims split_every",
    [F_ALL] = "a|axis keepdims split_every",
    [F_TRANSPOSE] = "a|axes", [F_ASTYPE] = "a dtype|", [F_RECHUNK] = "a chunks|",
    [F_SQUEEZE] = "a|axis", [F_CONCATENATE] = "arrays|axis", [F_STACK] = "arrays|axis",
    [F_TENSORDOT] = "a b|axes", [F_DOT] = "a b|", [F_MATMUL] = "a b|",
    [F_ARGMAX] = "a|axis keepdims split_every", [F_ARGMIN] = "a|axis keepdims split_every",
    [F_NANARGMAX] = "a|axis keepdims split_every", [F_NANARGMIN] = "a|axis keepdims split_every",
    [F_CUMSUM] = "a|axis", [F_CUMPROD] = "a|axis", [F_WHERE] = "condition x y|",
    [F_RESHAPE] = "a shape|merge_chunks", [F_RAVEL] = "a|",
    [F_NANSUM] = "a|axis keepdims split_every", [F_NANPROD] = "a|axis keepdims split_every",
    [F_NANMEAN] = "a|axis keepdims split_every", [F_NANSTD] = "a|axis keepdims ddof split_every",
    [F_NANVAR] = "a|axis keepdims ddof split_every", [F_NANMIN] = "a|axis keepdims split_every",
    [F_NANMAX] = "a|axis keepdims split_every",
    [F_ARCTAN2] = "x1 x2|", [F_HYPOT] = "x1 x2|", [F_COPYSIGN] = "x1 x2|",
    [F_NEXTAFTER] = "x1 x2|", [F_LOGADDEXP] = "x1 x2|", [F_LOGADDEXP2] = "x1 x2|",
    [F_FMOD] = "x1 x2|", [F_FMAX] = "x1 x2|", [F_FMIN] = "x1 x2|", [F_FLOAT_POWER] = "x1 x2|",
    [F_LOGICAL_AND] = "x1 x2|", [F_LOGICAL_OR] = "x1 x2|", [F_LOGICAL_XOR] = "x1 x2|",
    [F_LOGICAL_NOT] = "x|", [F_POSITIVE] = "x|", [F_RECIPROCAL] = "x|", [F_CBRT] = "x|",
    [F_EXP2] = "x|", [F_FABS] = "x|", [F_DEG2RAD] = "x|", [F_RAD2DEG] = "x|",
    [F_DEGREES] = "x|", [F_RADIANS] = "x|", [F_ARCSINH] = "x|", [F_ARCCOSH] = "x|",
    [F_ARCTANH] = "x|", [F_SIGNBIT] = "x|", [F_SINC] = "x|",
    [F_CLIP] = "a|a_min a_max", [F_ROUND] = "a|decimals", [F_AROUND] = "a|decimals",
    [F_ISCLOSE] = "a b|rtol atol equal_nan", [F_ALLCLOSE] = "a b|rtol atol equal_nan",
    [F_NAN_TO_NUM] = "x|copy nan posinf neginf",
    [F_EYE] = "N|chunks M k dtype",
    [F_RANDINT] = "low|high size chunks dtype seed", [F_EXPONENTIAL] = "|scale size chunks seed",
    [F_POISSON] = "|lam size chunks seed", [F_STANDARD_NORMAL] = "|size chunks seed",
};

/* Other spellings NumPy has. */
static const struct { const char *alias; int f; } ALIASES[] = {
    {"absolute", F_ABS}, {"amin", F_MIN}, {"amax", F_MAX}, {"random.random_sample", F_RANDOM},
    {"true_divide", F_DIVIDE}, {"mod", F_REMAINDER}, {"bitwise_not", F_INVERT},
    {"fix", F_TRUNC}, {"round_", F_ROUND},
};

static const char *const PREFIXES[] = {"np.", "numpy.", "da.", "dask.array."};

static const char *strip_prefix(const char *s)
{
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < sizeof PREFIXES / sizeof *PREFIXES; i++) {
            size_t n = strlen(PREFIXES[i]);
            if (strncmp(s, PREFIXES[i], n) == 0) {
                s += n;
                again = 1;
            }
        }
    }
    return s;
}

static int func_of(const char *name)
{
    name = strip_prefix(name);
    for (int f = 0; f < F_COUNT; f++)
        if (strcmp(name, FUNCS[f]) == 0)
            return f;
    for (size_t i = 0; i < sizeof ALIASES / sizeof *ALIASES; i++)
        if (strcmp(name, ALIASES[i].alias) == 0)
            return ALIASES[i].f;
    return -1;
}

/* The dotted name an ATTR/NAME chain spells ("np.random.normal"), into
 * buf; -1 when it is not all names or does not fit. */
static int dotted(const expr *e, char *buf, size_t n)
{
    if (e->kind == EXPR_NAME) {
        if (strlen(e->str) >= n)
            return -1;
        strcpy(buf, e->str);
        return 0;
    }
    if (e->kind != EXPR_ATTR || dotted(e->kids[0], buf, n) < 0)
        return -1;
    size_t len = strlen(buf);
    if (len + 1 + strlen(e->str) >= n)
        return -1;
    buf[len] = '.';
    strcpy(buf + len + 1, e->str);
    return 0;
}

static const dusk_array *input_of(const evaluator *ev, const char *name)
{
    for (size_t i = 0; i < ev->env->ninputs; i++)
        if (strcmp(ev->env->inputs[i].name, name) == 0)
            return ev->env->inputs[i].array;
    return NULL;
}

/* "unknown name 'y'; did you mean 'x'?" over inputs, constants and functions. */
static int unknown(evaluator *ev, int col, const char *what, const char *name, int funcs_only)
{
    const char *known[F_COUNT + 64 + NDTYPES];
    size_t n = 0;
    for (int f = 0; f < F_COUNT; f++)
        known[n++] = FUNCS[f];
    if (!funcs_only) {
        for (size_t i = 0; i < ev->env->ninputs && n < F_COUNT + 60; i++)
            known[n++] = ev->env->inputs[i].name;
        static const char *const CONSTS[] = {"pi", "e", "inf", "nan", "newaxis"};
        for (size_t i = 0; i < 5; i++)
            known[n++] = CONSTS[i];
    }
    const char *near = expr_closest(strip_prefix(name), known, n);
    if (near)
        return fail(ev, 2, col, "unknown %s '%s'; did you mean '%s'?", what, name, near);
    if (!funcs_only && ev->env->ninputs == 0)
        return fail(ev, 2, col, "unknown %s '%s' (no --input names an array)", what, name);
    return fail(ev, 2, col, "unknown %s '%s'", what, name);
}

/* A name that is not an input: a constant or a dtype (as a string). */
static int eval_dotted_name(evaluator *ev, const expr *e, const char *name, val *out)
{
    const char *s = strip_prefix(name);
    dusk_dtype dt;
    memset(out, 0, sizeof *out);
    if (!strcmp(s, "pi"))
        *out = num_val(3.14159265358979323846, 0);
    else if (!strcmp(s, "e"))
        *out = num_val(2.71828182845904523536, 0);
    else if (!strcmp(s, "inf"))
        *out = num_val(INFINITY, 0);
    else if (!strcmp(s, "nan"))
        *out = num_val(NAN, 0);
    else if (!strcmp(s, "newaxis"))
        out->kind = V_NONE;
    else if (dtype_of(s, &dt) == 0) {
        out->kind = V_STR;
        out->str = dusk_dtype_code(dt);
    } else if (func_of(s) >= 0)
        return fail(ev, 2, e->col, "'%s' is a function: call it, as %s(...)", name, name);
    else
        return unknown(ev, e->col, "name", name, 0);
    return 0;
}

/* --- evaluation ---------------------------------------------------------------- */

static int eval(evaluator *ev, const expr *e, val *out);

static int as_int(evaluator *ev, const expr *e, const val *v, const char *what, int64_t *out)
{
    if (v->kind != V_NUM || !(v->is_int || v->big_int) || v->num != v->num)
        return fail(ev, 2, e ? e->col : 0, "%s must be an integer, not %s", what, kind_name(v));
    if (v->big_int || fabs(v->num) > 4.0e18)
        return fail(ev, 2, e ? e->col : 0, "%s %.17g is too large", what, v->num);
    *out = (int64_t)v->num;
    return 0;
}

static int as_num(evaluator *ev, const expr *e, const val *v, const char *what, double *out)
{
    if (v->kind != V_NUM)
        return fail(ev, 2, e ? e->col : 0, "%s must be a number, not %s", what, kind_name(v));
    *out = v->num;
    return 0;
}

static int as_bool(evaluator *ev, const expr *e, const val *v, const char *what, bool *out)
{
    if (v->kind != V_NUM || !v->is_int || (v->num != 0 && v->num != 1))
        return fail(ev, 2, e ? e->col : 0, "%s must be True or False, not %s", what,
                    kind_name(v));
    *out = v->num != 0;
    return 0;
}

static int as_shape(evaluator *ev, const expr *e, const val *v, dusk_shape *s)
{
    s->ndim = 0;
    if (v->kind == V_NUM)
        return as_int(ev, e, v, "a shape", &s->v[s->ndim++]);
    if (v->kind != V_SEQ)
        return fail(ev, 2, e->col, "a shape must be an integer or a tuple of integers, not %s",
                    kind_name(v));
    if (v->n > DUSK_MAXDIMS)
        return fail(ev, 2, e->col, "a shape has at most %d axes, this one %d", DUSK_MAXDIMS, v->n);
    for (int i = 0; i < v->n; i++)
        if (as_int(ev, e, &v->items[i], "a shape's length", &s->v[s->ndim++]) < 0)
            return -1;
    return 0;
}

static int as_axes(evaluator *ev, const expr *e, const val *v, uint64_t *mask)
{
    if (v->kind == V_NONE) {
        *mask = DUSK_ALL_AXES;
        return 0;
    }
    int n = v->kind == V_SEQ ? v->n : 1;
    const val *items = v->kind == V_SEQ ? v->items : v;
    *mask = 0;
    for (int i = 0; i < n; i++) {
        int64_t ax = 0;
        if (as_int(ev, e, &items[i], "an axis", &ax) < 0)
            return -1;
        if (ax >= DUSK_MAXDIMS || ax < -DUSK_MAXDIMS)
            return fail(ev, 2, e->col, "axis %lld is out of range (arrays have at most %d axes)",
                        (long long)ax, DUSK_MAXDIMS);
        /* (0, 0) is one bit twice; the library refuses (0, -2) of a 2-d
         * array, whose bits differ, with the same words */
        if (*mask & DUSK_AXIS(ax))
            return fail(ev, 2, e->col, "duplicate value in 'axis': axis %lld given twice",
                        (long long)ax);
        *mask |= DUSK_AXIS(ax);
    }
    return 0;
}

/* One axis or None (DUSK_AXIS_NONE), where NumPy takes no tuple (argmax,
 * cumsum); the library refuses an axis out of the array's range. */
static int as_one_axis(evaluator *ev, const expr *e, const val *v, const char *fname,
                       int *axis)
{
    if (v->kind == V_SEQ)
        return fail(ev, 2, e->col, "%s's axis must be an integer or None, not %s", fname,
                    kind_name(v));
    if (v->kind == V_NONE) {
        *axis = DUSK_AXIS_NONE;
        return 0;
    }
    int64_t ax = 0;
    if (as_int(ev, e, v, "an axis", &ax) < 0)
        return -1;
    if (ax >= DUSK_MAXDIMS || ax < -DUSK_MAXDIMS)
        return fail(ev, 2, e->col, "axis %lld is out of range (arrays have at most %d axes)",
                    (long long)ax, DUSK_MAXDIMS);
    *axis = (int)ax;
    return 0;
}

/* Chunks as the text dusk_array takes: 'auto', 5, (5, 5), ((2, 3), -1). */
static int chunks_text(evaluator *ev, const expr *e, const val *v, textbuf *o, int depth)
{
    if (depth > 2)
        return fail(ev, 2, e->col, "chunks nest at most two deep: ((5, 5), (10,))");
    if (v->kind == V_STR && depth == 0) {
        put(o, "%s", v->str);
    } else if (v->kind == V_NONE && depth == 0) {
        put(o, "auto");
    } else if (v->kind == V_NUM) {
        int64_t k;
        if (as_int(ev, e, v, "a chunk size", &k) < 0)
            return -1;
        put(o, "%lld", (long long)k);
    } else if (v->kind == V_SEQ) {
        put(o, "(");
        for (int i = 0; i < v->n; i++) {
            if (i)
                put(o, ", ");
            if (chunks_text(ev, e, &v->items[i], o, depth + 1) < 0)
                return -1;
        }
        put(o, v->n == 1 ? ",)" : ")");
    } else {
        return fail(ev, 2, e->col, "chunks must be 'auto', an integer or a tuple, not %s",
                    kind_name(v));
    }
    return 0;
}

/* The chunks argument (or --chunks, or auto) into buf. */
static int get_chunks(evaluator *ev, const expr *e, const val *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "%s", ev->env->chunks ? ev->env->chunks : "auto");
        return 0;
    }
    textbuf o = {buf, n, 0};
    if (chunks_text(ev, e, v, &o, 0) < 0)
        return -1;
    if (o.len >= n)
        return fail(ev, 2, e->col, "the chunks are too long");
    return 0;
}

static int get_dtype(evaluator *ev, const expr *e, const val *v, dusk_dtype *dt)
{
    if (v->kind != V_STR)
        return fail(ev, 2, e->col, "a dtype must be a name such as 'f8' or float32, not %s",
                    kind_name(v));
    if (dtype_of(v->str, dt) < 0) {
        const char *names[NDTYPES];
        for (size_t i = 0; i < NDTYPES; i++)
            names[i] = DTYPES[i].name;
        const char *near = expr_closest(v->str, names, NDTYPES);
        return fail(ev, 2, e->col, "unknown dtype '%s'%s%s%s", v->str,
                    near ? "; did you mean '"
                         : " (f8 f4 f2 c16 c8 i8 i4 i2 i1 u8 u4 u2 u1 bool)",
                    near ? near : "", near ? "'?" : "");
    }
    return 0;
}

/* The elements a new array of shape s would have, against the env's limit. */
static int check_size(evaluator *ev, const expr *e, const dusk_shape *s)
{
    if (ev->env->max_elements <= 0)
        return 0;
    double n = 1;
    for (int d = 0; d < s->ndim; d++) {
        /* an empty array's axes count too: its grid of blocks is made */
        if (s->v[d] > ev->env->max_elements)
            return fail(ev, 2, e->col, "an axis of length %lld is more than the %lld allowed here",
                        (long long)s->v[d], (long long)ev->env->max_elements);
        n *= s->v[d] < 0 ? 0 : (double)s->v[d];
    }
    if (n > (double)ev->env->max_elements)
        return fail(ev, 2, e->col, "an array of %.0f elements is more than the %lld allowed here",
                    n, (long long)ev->env->max_elements);
    return 0;
}

/* Arguments bound to a function's parameters. */
typedef struct bound {
    int n;
    const char *names[8];
    const expr *at[8];    /* the argument's node (NULL: not given) */
    val v[8];
} bound;

static const val *arg(const bound *b, const char *name)
{
    for (int i = 0; i < b->n; i++)
        if (!strcmp(b->names[i], name))
            return b->at[i] ? &b->v[i] : NULL;
    return NULL;
}

static const expr *arg_at(const bound *b, const char *name, const expr *call)
{
    for (int i = 0; i < b->n; i++)
        if (!strcmp(b->names[i], name) && b->at[i])
            return b->at[i];
    return call;
}

/* Binds self (may be NULL) and the call's arguments to f's parameters as
 * Python would, naming what is unknown, missing or given twice. */
static int bind(evaluator *ev, int f, const char *fname, const expr *call, const val *self,
                const expr *self_at, bound *b)
{
    char spec[96];
    snprintf(spec, sizeof spec, "%s", PARAMS[f]);
    int required = -1;
    b->n = 0;
    for (char *p = spec, *tok; (tok = strtok(p, " ")); p = NULL) {
        char *bar = strchr(tok, '|');
        if (bar) {
            *bar = '\0';
            if (*tok)
                b->names[b->n++] = tok;
            required = b->n;
            if (bar[1])
                b->names[b->n++] = bar + 1;
        } else {
            b->names[b->n++] = tok;
        }
    }
    /* keep names valid after this function: they point into PARAMS' copy */
    for (int i = 0; i < b->n; i++) {
        char *c = ev_alloc(ev, strlen(b->names[i]) + 1);
        if (!c)
            return nomem_ev(ev, call->col);
        strcpy(c, b->names[i]);
        b->names[i] = c;
        b->at[i] = NULL;
    }
    int pos = 0;
    if (self) {
        b->v[0] = *self;
        b->at[0] = self_at;
        pos = 1;
    }
    for (int k = 1; k < call->nkids; k++) {
        const expr *a = call->kids[k];
        if (a->kind == EXPR_KEYWORD) {
            int i;
            for (i = 0; i < b->n && strcmp(b->names[i], a->str); i++)
                ;
            if (i == b->n) {
                const char *near = expr_closest(a->str, b->names, (size_t)b->n);
                if (near)
                    return fail(ev, 2, a->col, "%s() has no keyword '%s'; did you mean '%s'?",
                                fname, a->str, near);
                return fail(ev, 2, a->col, "%s() has no keyword '%s'", fname, a->str);
            }
            if (b->at[i])
                return fail(ev, 2, a->col, "%s() got '%s' twice", fname, a->str);
            if (eval(ev, a->kids[0], &b->v[i]) < 0)
                return -1;
            b->at[i] = a->kids[0];
        } else {
            if (pos >= b->n)
                return fail(ev, 2, a->col, "%s() takes at most %d argument%s", fname,
                            b->n - (self ? 1 : 0), b->n - (self ? 1 : 0) == 1 ? "" : "s");
            if (eval(ev, a, &b->v[pos]) < 0)
                return -1;
            b->at[pos++] = a;
        }
    }
    for (int i = 0; i < required; i++)
        if (!b->at[i])
            return fail(ev, 2, call->opcol, "%s() needs its argument '%s'", fname, b->names[i]);
    return 0;
}

static int need_array(evaluator *ev, const expr *e, const val *v, const char *fname)
{
    if (v->kind != V_ARRAY)
        return fail(ev, 2, e->col, "%s() needs an array here, not %s", fname, kind_name(v));
    return 0;
}

/* Argument k of a ufunc-like function must be an array or a number: else
 * the message names the argument, at its column. */
static int need_operand(evaluator *ev, const bound *b, int k, const char *fname)
{
    const val *v = &b->v[k];
    if (v->kind == V_ARRAY || v->kind == V_NUM)
        return 0;
    return fail(ev, 2, b->at[k]->col, "%s()'s argument '%s' must be an array or a number, not %s",
                fname, b->names[k], kind_name(v));
}

/* A number as a 0-d array of the context (so that array functions take it). */
static int to_array(evaluator *ev, const expr *e, val *v)
{
    if (v->kind == V_ARRAY)
        return 0;
    if (v->kind != V_NUM)
        return fail(ev, 2, e->col, "expected an array or a number, not %s", kind_name(v));
    if (check_fits(ev, e->col, v) < 0)
        return -1;
    if (v->big_int || (v->is_int && (pyint)v->num != v->ival)) {
        /* an int a double would round, as NumPy's asarray makes it (int64,
         * or uint64 from 2**63) */
        int64_t i = (int64_t)(uint64_t)v->ival;
        return check(ev, e->col, dusk_from_buffer(ev->env->ctx, &i, v->is_int ? DUSK_DT_I8
                                                                              : DUSK_DT_U8,
                                                  DUSK_SHAPE0, "()"), v);
    }
    dusk_dtype dt = v->is_bool ? DUSK_DT_BOOL : v->is_int ? DUSK_DT_I8 : DUSK_DT_F8;
    return check(ev, e->col, dusk_full(ev->env->ctx, DUSK_SHAPE0, "()", dt, v->num), v);
}

/* The functions that are operators under NumPy's names take dusk's named
 * forms, whose layers are named as Dask's ('subtract-<token>'); their
 * numbers compute as the operators' (operator_of). */
static const dusk_binop BINOP_OF_F[] = {
    [F_ADD] = DUSK_BINOP_ADD, [F_SUBTRACT] = DUSK_BINOP_SUBTRACT,
    [F_MULTIPLY] = DUSK_BINOP_MULTIPLY, [F_DIVIDE] = DUSK_BINOP_DIVIDE,
    [F_POWER] = DUSK_BINOP_POWER, [F_LESS] = DUSK_BINOP_LESS,
    [F_LESS_EQUAL] = DUSK_BINOP_LESS_EQUAL, [F_GREATER] = DUSK_BINOP_GREATER,
    [F_GREATER_EQUAL] = DUSK_BINOP_GREATER_EQUAL, [F_EQUAL] = DUSK_BINOP_EQUAL,
    [F_NOT_EQUAL] = DUSK_BINOP_NOT_EQUAL,
    [F_FLOOR_DIVIDE] = DUSK_BINOP_FLOORDIV, [F_REMAINDER] = DUSK_BINOP_MOD,
    [F_BITWISE_AND] = DUSK_BINOP_AND, [F_BITWISE_OR] = DUSK_BINOP_OR,
    [F_BITWISE_XOR] = DUSK_BINOP_XOR, [F_MAXIMUM] = DUSK_BINOP_MAX, [F_MINIMUM] = DUSK_BINOP_MIN,
};

/* The operator a named form computes as (DUSK_BINOP_SUBTRACT: SUB). */
static dusk_binop operator_of(dusk_binop op)
{
    switch (op) {
    case DUSK_BINOP_SUBTRACT: return DUSK_BINOP_SUB;
    case DUSK_BINOP_MULTIPLY: return DUSK_BINOP_MUL;
    case DUSK_BINOP_DIVIDE: return DUSK_BINOP_DIV;
    case DUSK_BINOP_POWER: return DUSK_BINOP_POW;
    case DUSK_BINOP_EQUAL: return DUSK_BINOP_EQ;
    case DUSK_BINOP_NOT_EQUAL: return DUSK_BINOP_NE;
    case DUSK_BINOP_LESS: return DUSK_BINOP_LT;
    case DUSK_BINOP_LESS_EQUAL: return DUSK_BINOP_LE;
    case DUSK_BINOP_GREATER: return DUSK_BINOP_GT;
    case DUSK_BINOP_GREATER_EQUAL: return DUSK_BINOP_GE;
    default: return op;
    }
}

/* Python's arithmetic on two numbers: of ints, exact (as ints below
 * 2**126; past that, in doubles); of a float, in doubles. */
static val num_binop(dusk_binop op, const val *a, const val *b)
{
    int ints = (a->is_int || a->big_int) && (b->is_int || b->big_int);
    int compares = op == DUSK_BINOP_LT || op == DUSK_BINOP_LE || op == DUSK_BINOP_GT ||
                   op == DUSK_BINOP_GE || op == DUSK_BINOP_EQ || op == DUSK_BINOP_NE;
    double x = a->num, y = b->num;
    val r;
    pyint n;
    if (ints && a->exact && b->exact && op != DUSK_BINOP_DIV &&
        (op != DUSK_BINOP_POW || b->ival >= 0) && pyint_binop(op, a->ival, b->ival, &n) == 0) {
        r = int_val(n);
        r.is_bool = compares || (a->is_bool && b->is_bool && (op == DUSK_BINOP_AND ||
                                                              op == DUSK_BINOP_OR ||
                                                              op == DUSK_BINOP_XOR));
        return r;
    }
    if (compares) {
        r = num_val(op == DUSK_BINOP_LT ? x < y : op == DUSK_BINOP_LE ? x <= y
                    : op == DUSK_BINOP_GT ? x > y : op == DUSK_BINOP_GE ? x >= y
                    : op == DUSK_BINOP_EQ ? x == y : x != y, 1);
        r.is_bool = 1;
        return r;
    }
    switch (op) {
    case DUSK_BINOP_ADD: r = num_val(x + y, 0); break;
    case DUSK_BINOP_SUB: r = num_val(x - y, 0); break;
    case DUSK_BINOP_MUL: r = num_val(x * y, 0); break;
    case DUSK_BINOP_DIV: r = num_val(x / y, 0); break;
    case DUSK_BINOP_POW: r = num_val(pow(x, y), 0); break;
    case DUSK_BINOP_FLOORDIV: {
        double m;
        r = num_val(dusk__divmod(x, y, &m), 0);
        break;
    }
    case DUSK_BINOP_MOD: {
        double m;
        dusk__divmod(x, y, &m);
        r = num_val(m, 0);
        break;
    }
    case DUSK_BINOP_MAX: r = num_val(isnan(x) || x > y ? x : y, 0); break;
    case DUSK_BINOP_MIN: r = num_val(isnan(x) || x < y ? x : y, 0); break;
    default: r = num_val(0, 0); break;   /* & | ^ take int64s, exact above */
    }
    /* ints past 2**126: Python's int is exact, this is near it */
    if (ints && op != DUSK_BINOP_DIV && (op != DUSK_BINOP_POW || y >= 0))
        return int_near(r.num);
    return r;
}

/* A number as the scalar Python makes of it: a bool, an int (uint64 from
 * 2**63 to 2**64 - 1; check_fits refuses one past those) or a float,
 * whose kind NumPy's casting reads. */
static dusk_scalar scalar_of(const val *v)
{
    if (v->is_bool)
        return dusk_scalar_bool(v->ival != 0);
    if (v->is_int)
        return dusk_scalar_int((int64_t)v->ival);
    if (v->big_int)
        return dusk_scalar_uint((uint64_t)v->ival);
    return dusk_scalar_float(v->num);
}

static int eager_number(evaluator *ev, int col, dusk_array *r, val *out);

static int apply_binop(evaluator *ev, const expr *at, dusk_binop op, const char *opname,
                       const val *a, const val *b, val *out)
{
    if (a->kind == V_NUM && b->kind == V_NUM && op >= DUSK_BINOP_ARCTAN2 &&
        op <= DUSK_BINOP_LOGICAL_XOR) {
        /* NumPy's ufuncs of two numbers give a NumPy scalar: computed
         * here, on 0-d arrays, so that it is the array's formula's */
        val x = *a, y = *b;
        if (check_fits(ev, at->opcol, &x) < 0 || check_fits(ev, at->opcol, &y) < 0)
            return -1;
        if (to_array(ev, at, &x) < 0 || to_array(ev, at, &y) < 0)
            return -1;
        return eager_number(ev, at->opcol, dusk_array_binop(op, x.a, y.a), out);
    }
    if (a->kind == V_NUM && b->kind == V_NUM) {
        op = operator_of(op);
        if ((op == DUSK_BINOP_DIV || op == DUSK_BINOP_FLOORDIV || op == DUSK_BINOP_MOD) &&
            b->num == 0)
            return fail(ev, 2, at->opcol, op == DUSK_BINOP_MOD ? "modulo by zero"
                                                               : "division by zero");
        if ((op == DUSK_BINOP_AND || op == DUSK_BINOP_OR || op == DUSK_BINOP_XOR) &&
            (!a->is_int || !b->is_int))
            return fail(ev, 2, at->opcol, "'%s' takes integers and bools, not %s", opname,
                        (a->is_int || a->big_int) && (b->is_int || b->big_int)
                            ? "integers past 64 bits" : "floats");
        *out = num_binop(op, a, b);
        return 0;
    }
    if (a->kind == V_ARRAY && b->kind == V_ARRAY)
        return check(ev, at->opcol, dusk_array_binop(op, a->a, b->a), out);
    const val *num = a->kind == V_NUM ? a : b, *arr = a->kind == V_NUM ? b : a;
    if (num->kind == V_NUM && arr->kind == V_ARRAY && check_fits(ev, at->opcol, num) < 0)
        return -1;
    if (num->kind == V_NUM && arr->kind == V_ARRAY)
        return check(ev, at->opcol, dusk_array_binop_typed(op, arr->a, scalar_of(num),
                                                           a->kind == V_NUM), out);
    return fail(ev, 2, at->opcol, "'%s' takes arrays and numbers, not %s and %s", opname,
                kind_name(a), kind_name(b));
}

static int apply_unop(evaluator *ev, const expr *at, dusk_unop op, const val *a, val *out)
{
    if (a->kind == V_NUM && op >= DUSK_UNOP_LOGICAL_NOT) {
        /* a NumPy scalar, as apply_binop's ufuncs of numbers */
        val x = *a;
        if (check_fits(ev, at->col, &x) < 0 || to_array(ev, at, &x) < 0)
            return -1;
        return eager_number(ev, at->opcol, dusk_array_unop(op, x.a), out);
    }
    if (a->kind == V_NUM) {
        double x = a->num;
        static double (*const fn[])(double) = {NULL, fabs, exp, log, sqrt, sin, cos};
        int is_int = a->is_int || a->big_int;
        if (op == DUSK_UNOP_INVERT) {   /* Python's ~ of an int (and of a bool: ~True is -2) */
            if (!is_int)
                return fail(ev, 2, at->col, "~ takes integers and bools, not %s", kind_name(a));
            *out = a->exact ? int_val(-a->ival - 1) : int_near(-x - 1);
        } else if (op == DUSK_UNOP_NEG) {
            *out = !is_int ? num_val(-x, 0) : a->exact ? int_val(-a->ival) : int_near(-x);
        } else if (op == DUSK_UNOP_ABS) {
            *out = !is_int ? num_val(fabs(x), 0) : a->exact ? int_val(a->ival < 0 ? -a->ival : a->ival)
                                                          : int_near(fabs(x));
        } else if (op < (int)(sizeof fn / sizeof *fn)) {
            *out = num_val(fn[op](x), 0);
        } else if (op == DUSK_UNOP_ISNAN || op == DUSK_UNOP_ISINF || op == DUSK_UNOP_ISFINITE) {
            /* the others of a number give a number, as NumPy's scalars
             * do, so that it stays a scalar operand (value-based casting:
             * f4 array + floor(2.5) is f4) */
            *out = num_val(op == DUSK_UNOP_ISNAN ? isnan(x) : op == DUSK_UNOP_ISINF ? isinf(x)
                                                                                : isfinite(x), 1);
            out->is_bool = 1;
        } else if (op == DUSK_UNOP_SQUARE || op == DUSK_UNOP_SIGN) {
            if (op == DUSK_UNOP_SIGN && a->is_bool)
                return fail(ev, 2, at->col, "sign takes numbers, not a bool (nor in NumPy)");
            double r = op == DUSK_UNOP_SQUARE ? x * x : x > 0 ? 1 : x < 0 ? -1 : x == 0 ? 0 : x;
            *out = num_val(r, a->is_int && !a->is_bool && fabs(r) < 9.2e18);
        } else {
            static double (*const more[])(double) = {
                [DUSK_UNOP_FLOOR - DUSK_UNOP_FLOOR] = floor, [DUSK_UNOP_CEIL - DUSK_UNOP_FLOOR] = ceil,
                [DUSK_UNOP_TRUNC - DUSK_UNOP_FLOOR] = trunc, [DUSK_UNOP_RINT - DUSK_UNOP_FLOOR] = rint,
                [DUSK_UNOP_TAN - DUSK_UNOP_FLOOR] = tan, [DUSK_UNOP_ARCSIN - DUSK_UNOP_FLOOR] = asin,
                [DUSK_UNOP_ARCCOS - DUSK_UNOP_FLOOR] = acos, [DUSK_UNOP_ARCTAN - DUSK_UNOP_FLOOR] = atan,
                [DUSK_UNOP_SINH - DUSK_UNOP_FLOOR] = sinh, [DUSK_UNOP_COSH - DUSK_UNOP_FLOOR] = cosh,
                [DUSK_UNOP_TANH - DUSK_UNOP_FLOOR] = tanh, [DUSK_UNOP_LOG10 - DUSK_UNOP_FLOOR] = log10,
                [DUSK_UNOP_LOG2 - DUSK_UNOP_FLOOR] = log2, [DUSK_UNOP_LOG1P - DUSK_UNOP_FLOOR] = log1p,
                [DUSK_UNOP_EXPM1 - DUSK_UNOP_FLOOR] = expm1,
            };
            size_t k = (size_t)(op - DUSK_UNOP_FLOOR);
            if (op < DUSK_UNOP_FLOOR || k >= sizeof more / sizeof *more || !more[k])
                return fail(ev, 2, at->col, "that function takes arrays");
            *out = num_val(more[k](x), 0);
        }
        return 0;
    }
    if (a->kind != V_ARRAY)
        return fail(ev, 2, at->col, "expected an array or a number, not %s", kind_name(a));
    return check(ev, at->opcol, dusk_array_unop(op, a->a), out);
}

static int eval_seq_arrays(evaluator *ev, const expr *at, val *v, const char *fname,
                           dusk_array ***arrays)
{
    if (v->kind != V_SEQ || v->n == 0)
        return fail(ev, 2, at->col, "%s() needs a list of arrays, not %s", fname,
                    v->kind == V_SEQ ? "an empty one" : kind_name(v));
    *arrays = ev_alloc(ev, sizeof **arrays * (size_t)v->n);
    if (!*arrays)
        return nomem_ev(ev, at->col);
    for (int i = 0; i < v->n; i++) {
        if (to_array(ev, at, &v->items[i]) < 0)
            return -1;
        (*arrays)[i] = v->items[i].a;
    }
    return 0;
}

static int axes_list(evaluator *ev, const expr *at, const val *v, int *ax, int *n)
{
    const val *items = v->kind == V_SEQ ? v->items : v;
    int k = v->kind == V_SEQ ? v->n : 1;
    if (k > DUSK_MAXDIMS)
        return fail(ev, 2, at->col, "more axes than an array has (%d)", DUSK_MAXDIMS);
    for (int i = 0; i < k; i++) {
        int64_t a = 0;
        if (as_int(ev, at, &items[i], "an axis", &a) < 0)
            return -1;
        if (a > 1000 || a < -1000)
            return fail(ev, 2, at->col, "axis %lld is out of range", (long long)a);
        ax[i] = (int)a;
    }
    *n = k;
    return 0;
}

static int call_func(evaluator *ev, int f, const char *fname, const expr *call, const val *self,
                     const expr *self_at, val *out)
{
    bound b;
    if (bind(ev, f, fname, call, self, self_at, &b) < 0)
        return -1;
    dusk_array_ctx *ctx = ev->env->ctx;
    int col = call->opcol;
    char chunks[256];
    const val *v;
    switch (f) {
    case F_ONES: case F_ZEROS: case F_EMPTY: case F_FULL: {
        dusk_shape s;
        dusk_dtype dt = DUSK_DT_F8;
        double fill = 0;
        if (as_shape(ev, b.at[0], &b.v[0], &s) < 0 || check_size(ev, call, &s) < 0)
            return -1;
        if (f == F_FULL) {
            if (as_num(ev, b.at[1], &b.v[1], "fill_value", &fill) < 0)
                return -1;
            /* NumPy's full takes the fill's type (uint64 for an int from 2**63) */
            dt = b.v[1].is_bool  ? DUSK_DT_BOOL
                 : b.v[1].is_int ? DUSK_DT_I8
                 : b.v[1].big_int ? DUSK_DT_U8 : DUSK_DT_F8;
            if (check_fits(ev, b.at[1]->col, &b.v[1]) < 0)
                return -1;
        }
        if ((v = arg(&b, "dtype")) && get_dtype(ev, arg_at(&b, "dtype", call), v, &dt) < 0)
            return -1;
        if (get_chunks(ev, arg_at(&b, "chunks", call), arg(&b, "chunks"), chunks, sizeof chunks) < 0)
            return -1;
        if (f == F_FULL && (b.v[1].big_int || (b.v[1].is_int && (pyint)fill != b.v[1].ival))) {
            /* an int a double would round: zeros plus it, as the scalar
             * it is, in dt */
            dusk_array *r = dusk_array_binop_typed(DUSK_BINOP_ADD, dusk_zeros(ctx, s, chunks, dt),
                                                   scalar_of(&b.v[1]), false);
            return check(ev, col, dusk_array_dtype(r) == dt ? r : dusk_array_astype(r, dt), out);
        }
        dusk_array *r = f == F_ONES    ? dusk_ones(ctx, s, chunks, dt)
                        : f == F_ZEROS ? dusk_zeros(ctx, s, chunks, dt)
                        : f == F_EMPTY ? dusk_empty(ctx, s, chunks, dt)
                                       : dusk_full(ctx, s, chunks, dt, fill);
        if (check(ev, col, r, out) < 0)
            return -1;
        /* compared once made, when its chunks are normalised (the new one
         * stays unused in the context: it has no task of the result's) */
        uint64_t bits;
        memcpy(&bits, &fill, sizeof bits);
        for (const made *m = ev->made; m; m = m->next)
            if (m->f == f && m->fill == bits && same_grid(m->a, r))
                return check(ev, col, m->a, out);
        made *m = ev_alloc(ev, sizeof *m);
        if (m) {   /* without memory it is only made again next time */
            *m = (made){f, bits, r, ev->made};
            ev->made = m;
        }
        return 0;
    }
    case F_ARANGE: {
        double start = 0, stop = 0, step = 1;
        const val *v1 = arg(&b, "stop"), *v2 = arg(&b, "step");
        if (as_num(ev, b.at[0], &b.v[0], "start", v1 ? &start : &stop) < 0)
            return -1;
        if (v1 && as_num(ev, arg_at(&b, "stop", call), v1, "stop", &stop) < 0)
            return -1;
        if (v2 && as_num(ev, arg_at(&b, "step", call), v2, "step", &step) < 0)
            return -1;
        if (step == 0)
            return fail(ev, 2, arg_at(&b, "step", call)->col, "arange's step must not be 0");
        double n = ceil((stop - start) / step);
        dusk_shape s = {1, {n > 0 ? (int64_t)fmin(n, 9e18) : 0}};
        if (n != n)
            return fail(ev, 2, col, "arange's bounds must be finite");
        if (check_size(ev, call, &s) < 0)
            return -1;
        if (get_chunks(ev, arg_at(&b, "chunks", call), arg(&b, "chunks"), chunks, sizeof chunks) < 0)
            return -1;
        /* NumPy's arange(5.) is of floats: a float among the bounds says so */
        int floats = !b.v[0].is_int || (v1 && !v1->is_int) || (v2 && !v2->is_int);
        return check(ev, col, (floats ? dusk_arange_f8 : dusk_arange)(ctx, start, stop, step,
                                                                        chunks), out);
    }
    case F_LINSPACE: {
        double start = 0, stop = 0;
        int64_t num = 50;
        if (as_num(ev, b.at[0], &b.v[0], "start", &start) < 0 ||
            as_num(ev, b.at[1], &b.v[1], "stop", &stop) < 0)
            return -1;
        if ((v = arg(&b, "num")) && as_int(ev, arg_at(&b, "num", call), v, "num", &num) < 0)
            return -1;
        if (num < 0)
            return fail(ev, 2, arg_at(&b, "num", call)->col, "linspace's num must be 0 or more");
        dusk_shape s = {1, {num}};
        if (check_size(ev, call, &s) < 0)
            return -1;
        if (get_chunks(ev, arg_at(&b, "chunks", call), arg(&b, "chunks"), chunks, sizeof chunks) < 0)
            return -1;
        return check(ev, col, dusk_linspace(ctx, start, stop, num, chunks), out);
    }
    case F_EYE: {
        /* dask.array.eye(N, chunks, M, k, dtype) */
        int64_t n = 0, m, k = 0;
        dusk_dtype dt = DUSK_DT_F8;
        if (as_int(ev, b.at[0], &b.v[0], "N", &n) < 0)
            return -1;
        m = n;
        if ((v = arg(&b, "M")) && as_int(ev, arg_at(&b, "M", call), v, "M", &m) < 0)
            return -1;
        if ((v = arg(&b, "k")) && as_int(ev, arg_at(&b, "k", call), v, "k", &k) < 0)
            return -1;
        if (n < 0 || m < 0)
            return fail(ev, 2, (n < 0 ? b.at[0] : arg_at(&b, "M", call))->col,
                        "eye's N and M must be 0 or more");
        dusk_shape s = {2, {n, m}};
        if (check_size(ev, call, &s) < 0)
            return -1;
        if ((v = arg(&b, "dtype")) && get_dtype(ev, arg_at(&b, "dtype", call), v, &dt) < 0)
            return -1;
        if (get_chunks(ev, arg_at(&b, "chunks", call), arg(&b, "chunks"), chunks, sizeof chunks) < 0)
            return -1;
        return check(ev, col, dusk_eye(ctx, n, m, k, chunks, dt), out);
    }
    case F_NORMAL: case F_UNIFORM: case F_RANDOM: case F_STANDARD_NORMAL: case F_EXPONENTIAL:
    case F_POISSON: case F_RANDINT: {
        /* loc, scale; low, high; scale; lam; randint's low, high (high
         * absent: [0, low)) */
        double p0 = f == F_EXPONENTIAL ? 1 : 0, p1 = 1;
        int64_t seed = 42, ilow = 0, ihigh = 0;
        dusk_dtype idt = DUSK_DT_I8;
        dusk_shape s = DUSK_SHAPE0;
        int nparams = f == F_RANDOM || f == F_STANDARD_NORMAL ? 0
                      : f == F_EXPONENTIAL || f == F_POISSON ? 1 : 2;
        int base = nparams;
        if (f == F_POISSON)
            p0 = 1;
        if (f == F_RANDINT) {
            if (as_int(ev, b.at[0], &b.v[0], b.names[0], &ilow) < 0)
                return -1;
            if (b.at[1] && as_int(ev, b.at[1], &b.v[1], b.names[1], &ihigh) < 0)
                return -1;
            if (!b.at[1])
                ihigh = ilow, ilow = 0;
            if ((v = arg(&b, "dtype")) && get_dtype(ev, arg_at(&b, "dtype", call), v, &idt) < 0)
                return -1;
        } else {
            if (nparams > 0 && b.at[0] && as_num(ev, b.at[0], &b.v[0], b.names[0], &p0) < 0)
                return -1;
            if (nparams > 1 && b.at[1] && as_num(ev, b.at[1], &b.v[1], b.names[1], &p1) < 0)
                return -1;
        }
        if (b.at[base] && as_shape(ev, b.at[base], &b.v[base], &s) < 0)
            return -1;
        if (check_size(ev, call, &s) < 0)
            return -1;
        if ((v = arg(&b, "seed")) && as_int(ev, arg_at(&b, "seed", call), v, "seed", &seed) < 0)
            return -1;
        if (seed < 0)   /* NumPy's RandomState refuses one too */
            return fail(ev, 2, arg_at(&b, "seed", call)->col, "seed must be 0 or more, not %lld",
                        (long long)seed);
        if (get_chunks(ev, arg_at(&b, "chunks", call), arg(&b, "chunks"), chunks, sizeof chunks) < 0)
            return -1;
        if (s.ndim == 0)
            strcpy(chunks, "()");
        dusk_array *r;
        if (f == F_NORMAL || f == F_STANDARD_NORMAL)
            r = dusk_random_normal(ctx, (uint64_t)seed, p0, p1, s, chunks);
        else if (f == F_EXPONENTIAL)
            r = dusk_random_exponential(ctx, (uint64_t)seed, p0, s, chunks);
        else if (f == F_POISSON)
            r = dusk_random_poisson(ctx, (uint64_t)seed, p0, s, chunks);
        else if (f == F_RANDINT)
            r = dusk_random_integers(ctx, (uint64_t)seed, ilow, ihigh, s, chunks, idt);
        else
            r = dusk_random_uniform(ctx, (uint64_t)seed, p0, p1, s, chunks);
        return check(ev, col, r, out);
    }
    case F_INVERT:
        if (need_operand(ev, &b, 0, fname) < 0)
            return -1;
        return apply_unop(ev, call, DUSK_UNOP_INVERT, &b.v[0], out);
    case F_FLOOR: case F_CEIL: case F_TRUNC: case F_RINT: case F_ISNAN: case F_ISINF:
    case F_ISFINITE: case F_SQUARE: case F_SIGN: case F_TAN: case F_ARCSIN: case F_ARCCOS:
    case F_ARCTAN: case F_SINH: case F_COSH: case F_TANH: case F_LOG10: case F_LOG2:
    case F_LOG1P: case F_EXPM1:
        if (need_operand(ev, &b, 0, fname) < 0)
            return -1;
        /* in the order of dusk_unop from DUSK_UNOP_FLOOR (asserted at FUNCS) */
        return apply_unop(ev, call, (dusk_unop)(DUSK_UNOP_FLOOR + (f - F_FLOOR)), &b.v[0], out);
    case F_EXP: case F_LOG: case F_SQRT: case F_SIN: case F_COS: case F_ABS: case F_NEGATIVE: {
        static const dusk_unop U[] = {DUSK_UNOP_EXP, DUSK_UNOP_LOG, DUSK_UNOP_SQRT, DUSK_UNOP_SIN,
                                      DUSK_UNOP_COS, DUSK_UNOP_ABS, DUSK_UNOP_NEG};
        if (need_operand(ev, &b, 0, fname) < 0)
            return -1;
        return apply_unop(ev, call, U[f - F_EXP], &b.v[0], out);
    }
    case F_LOGICAL_NOT: case F_POSITIVE: case F_RECIPROCAL: case F_CBRT: case F_EXP2:
    case F_FABS: case F_DEG2RAD: case F_RAD2DEG: case F_DEGREES: case F_RADIANS:
    case F_ARCSINH: case F_ARCCOSH: case F_ARCTANH: case F_SIGNBIT: case F_SINC:
        if (need_operand(ev, &b, 0, fname) < 0)
            return -1;
        /* in the order of dusk_unop from DUSK_UNOP_LOGICAL_NOT (asserted at FUNCS) */
        return apply_unop(ev, call, (dusk_unop)(DUSK_UNOP_LOGICAL_NOT + (f - F_LOGICAL_NOT)),
                          &b.v[0], out);
    case F_ARCTAN2: case F_HYPOT: case F_COPYSIGN: case F_NEXTAFTER: case F_LOGADDEXP:
    case F_LOGADDEXP2: case F_FMOD: case F_FMAX: case F_FMIN: case F_FLOAT_POWER:
    case F_LOGICAL_AND: case F_LOGICAL_OR: case F_LOGICAL_XOR:
        if (need_operand(ev, &b, 0, fname) < 0 || need_operand(ev, &b, 1, fname) < 0)
            return -1;
        return apply_binop(ev, call, (dusk_binop)(DUSK_BINOP_ARCTAN2 + (f - F_ARCTAN2)), fname,
                           &b.v[0], &b.v[1], out);
    case F_ADD: case F_SUBTRACT: case F_MULTIPLY: case F_DIVIDE: case F_POWER: case F_LESS:
    case F_LESS_EQUAL: case F_GREATER: case F_GREATER_EQUAL: case F_EQUAL: case F_NOT_EQUAL:
    case F_FLOOR_DIVIDE: case F_REMAINDER: case F_BITWISE_AND: case F_BITWISE_OR:
    case F_BITWISE_XOR: case F_MAXIMUM: case F_MINIMUM:
        if (need_operand(ev, &b, 0, fname) < 0 || need_operand(ev, &b, 1, fname) < 0)
            return -1;
        return apply_binop(ev, call, BINOP_OF_F[f], fname, &b.v[0], &b.v[1], out);
    case F_CLIP: {
        dusk_scalar lims[2];
        bool given[2] = {false, false};
        if (need_operand(ev, &b, 0, fname) < 0)
            return -1;
        for (int k = 1; k <= 2; k++) {
            const val *lim = b.at[k] ? &b.v[k] : NULL;
            if (!lim || lim->kind == V_NONE)
                continue;
            if (lim->kind != V_NUM)
                return fail(ev, 2, b.at[k]->col, "clip()'s %s must be a number or None, not %s",
                            b.names[k], kind_name(lim));
            if (check_fits(ev, b.at[k]->col, lim) < 0)
                return -1;
            lims[k - 1] = scalar_of(lim);
            given[k - 1] = true;
        }
        if (!given[0] && !given[1])
            return fail(ev, 2, col, "clip() needs a_min or a_max (a number; None for one of "
                        "them at most)");
        bool number = b.v[0].kind == V_NUM;
        if (to_array(ev, b.at[0], &b.v[0]) < 0)
            return -1;
        dusk_array *r = dusk_array_clip(b.v[0].a, given[0] ? &lims[0] : NULL,
                                        given[1] ? &lims[1] : NULL);
        return number ? eager_number(ev, col, r, out) : check(ev, col, r, out);
    }
    case F_ROUND: case F_AROUND: {
        int64_t decimals = 0;
        if (need_operand(ev, &b, 0, fname) < 0)
            return -1;
        if ((v = arg(&b, "decimals")) &&
            as_int(ev, arg_at(&b, "decimals", call), v, "decimals", &decimals) < 0)
            return -1;
        if (decimals < -1000 || decimals > 1000)
            return fail(ev, 2, arg_at(&b, "decimals", call)->col,
                        "decimals must be between -1000 and 1000");
        bool number = b.v[0].kind == V_NUM;
        if (to_array(ev, b.at[0], &b.v[0]) < 0)
            return -1;
        dusk_array *r = (f == F_ROUND ? dusk_array_round : dusk_array_around)(b.v[0].a,
                                                                             (int)decimals);
        return number ? eager_number(ev, col, r, out) : check(ev, col, r, out);
    }
    case F_ISCLOSE: case F_ALLCLOSE: {
        double tol[2] = {1e-5, 1e-8};
        bool equal_nan = false;
        static const char *const TOL[] = {"rtol", "atol"};
        if (need_operand(ev, &b, 0, fname) < 0 || need_operand(ev, &b, 1, fname) < 0)
            return -1;
        for (int k = 0; k < 2; k++)
            if ((v = arg(&b, TOL[k])) && as_num(ev, arg_at(&b, TOL[k], call), v, TOL[k],
                                                &tol[k]) < 0)
                return -1;
        if ((v = arg(&b, "equal_nan")) &&
            as_bool(ev, arg_at(&b, "equal_nan", call), v, "equal_nan", &equal_nan) < 0)
            return -1;
        bool numbers = b.v[0].kind == V_NUM && b.v[1].kind == V_NUM;
        if (to_array(ev, b.at[0], &b.v[0]) < 0 || to_array(ev, b.at[1], &b.v[1]) < 0)
            return -1;
        dusk_array *r = (f == F_ISCLOSE ? dusk_array_isclose : dusk_array_allclose)(
            b.v[0].a, b.v[1].a, tol[0], tol[1], equal_nan);
        /* allclose is lazy, as Dask's: a 0-d array even of numbers */
        return numbers && f == F_ISCLOSE ? eager_number(ev, col, r, out) : check(ev, col, r, out);
    }
    case F_NAN_TO_NUM: {
        double nan = 0, inf[2];
        bool copy = true, given[2] = {false, false};
        static const char *const INF[] = {"posinf", "neginf"};
        if (need_operand(ev, &b, 0, fname) < 0)
            return -1;
        if ((v = arg(&b, "copy")) && as_bool(ev, arg_at(&b, "copy", call), v, "copy", &copy) < 0)
            return -1;
        if ((v = arg(&b, "nan")) && as_num(ev, arg_at(&b, "nan", call), v, "nan", &nan) < 0)
            return -1;
        for (int k = 0; k < 2; k++)
            if ((v = arg(&b, INF[k])) && v->kind != V_NONE) {
                if (as_num(ev, arg_at(&b, INF[k], call), v, INF[k], &inf[k]) < 0)
                    return -1;
                given[k] = true;
            }
        /* copy=False changes nothing: dusk's arrays are never written in place */
        bool number = b.v[0].kind == V_NUM;
        if (to_array(ev, b.at[0], &b.v[0]) < 0)
            return -1;
        dusk_array *r = dusk_array_nan_to_num(b.v[0].a, nan, given[0] ? &inf[0] : NULL,
                                              given[1] ? &inf[1] : NULL);
        return number ? eager_number(ev, col, r, out) : check(ev, col, r, out);
    }
    case F_SUM: case F_PROD: case F_MEAN: case F_STD: case F_VAR: case F_MIN: case F_MAX:
    case F_ANY: case F_ALL: case F_NANSUM: case F_NANPROD: case F_NANMEAN: case F_NANSTD:
    case F_NANVAR: case F_NANMIN: case F_NANMAX: {
        static const dusk_reduction R[] = {DUSK_RED_SUM, DUSK_RED_PROD, DUSK_RED_MEAN,
                                           DUSK_RED_STD, DUSK_RED_VAR, DUSK_RED_MIN,
                                           DUSK_RED_MAX, DUSK_RED_ANY, DUSK_RED_ALL};
        uint64_t axes = DUSK_ALL_AXES;
        bool keepdims = false;
        int64_t ddof = 0, split = 0;
        if (to_array(ev, b.at[0], &b.v[0]) < 0)
            return -1;
        if ((v = arg(&b, "axis")) && as_axes(ev, arg_at(&b, "axis", call), v, &axes) < 0)
            return -1;
        if ((v = arg(&b, "keepdims")) &&
            as_bool(ev, arg_at(&b, "keepdims", call), v, "keepdims", &keepdims) < 0)
            return -1;
        if ((v = arg(&b, "ddof")) && as_int(ev, arg_at(&b, "ddof", call), v, "ddof", &ddof) < 0)
            return -1;
        if ((v = arg(&b, "split_every")) &&
            as_int(ev, arg_at(&b, "split_every", call), v, "split_every", &split) < 0)
            return -1;
        if (ddof < 0 || ddof > 1000000 || split < 0 || split > 1000000)
            return fail(ev, 2, col, "ddof and split_every must be between 0 and 1000000");
        /* the nan- forms in the order of dusk_reduction (asserted at F_COUNT) */
        dusk_reduction op = f >= F_NANSUM ? (dusk_reduction)(DUSK_RED_NANSUM + (f - F_NANSUM))
                                          : R[f - F_SUM];
        return check(ev, col, dusk_array_reduce(op, b.v[0].a, axes, keepdims, (int)split,
                                                (int)ddof), out);
    }
    case F_ARGMAX: case F_ARGMIN: case F_NANARGMAX: case F_NANARGMIN: {
        static const dusk_argreduction A[] = {DUSK_ARG_MAX, DUSK_ARG_MIN, DUSK_ARG_NANMAX,
                                              DUSK_ARG_NANMIN};
        int axis = DUSK_AXIS_NONE;
        bool keepdims = false;
        int64_t split = 0;
        if (to_array(ev, b.at[0], &b.v[0]) < 0)
            return -1;
        if ((v = arg(&b, "axis")) && as_one_axis(ev, arg_at(&b, "axis", call), v, fname, &axis) < 0)
            return -1;
        if ((v = arg(&b, "keepdims")) &&
            as_bool(ev, arg_at(&b, "keepdims", call), v, "keepdims", &keepdims) < 0)
            return -1;
        if ((v = arg(&b, "split_every")) &&
            as_int(ev, arg_at(&b, "split_every", call), v, "split_every", &split) < 0)
            return -1;
        if (split < 0 || split > 1000000)
            return fail(ev, 2, arg_at(&b, "split_every", call)->col,
                        "split_every must be between 0 and 1000000");
        return check(ev, col, dusk_array_argreduce(A[f - F_ARGMAX], b.v[0].a, axis, keepdims,
                                                   (int)split), out);
    }
    case F_CUMSUM: case F_CUMPROD: {
        int axis = DUSK_AXIS_NONE;
        if (to_array(ev, b.at[0], &b.v[0]) < 0)
            return -1;
        if ((v = arg(&b, "axis")) && as_one_axis(ev, arg_at(&b, "axis", call), v, fname, &axis) < 0)
            return -1;
        /* axis=None flattens (a 0-d array too: NumPy's cumsum(5) is [5]) */
        return check(ev, col, f == F_CUMSUM ? dusk_array_cumsum(b.v[0].a, axis)
                                            : dusk_array_cumprod(b.v[0].a, axis), out);
    }
    case F_WHERE: {
        val *c = &b.v[0], *x = &b.v[1], *y = &b.v[2];
        if (to_array(ev, b.at[0], c) < 0)
            return -1;
        if (x->kind == V_ARRAY && y->kind == V_ARRAY)
            return check(ev, col, dusk_array_where(c->a, x->a, y->a), out);
        if (x->kind == V_ARRAY || y->kind == V_ARRAY) {
            /* a number beside an array is a scalar, typed as an operator's is */
            bool first = x->kind != V_ARRAY;
            const val *num = first ? x : y;
            const expr *num_at = b.at[first ? 1 : 2];
            if (num->kind != V_NUM)
                return fail(ev, 2, num_at->col, "where() takes arrays and numbers, not %s",
                            kind_name(num));
            if (check_fits(ev, num_at->col, num) < 0)
                return -1;
            return check(ev, col, dusk_array_where_scalar(c->a, first ? y->a : x->a,
                                                          scalar_of(num), first), out);
        }
        /* two numbers: NumPy makes 0-d arrays of both (asarray), whose
         * dtypes meet as result_type's (1 and 2**63 give float64) */
        if (to_array(ev, b.at[1], x) < 0 || to_array(ev, b.at[2], y) < 0)
            return -1;
        return check(ev, col, dusk_array_where(c->a, x->a, y->a), out);
    }
    case F_TRANSPOSE: {
        int perm[DUSK_MAXDIMS], n = 0;
        if (need_array(ev, b.at[0], &b.v[0], fname) < 0)
            return -1;
        if ((v = arg(&b, "axes")) && v->kind != V_NONE &&
            axes_list(ev, arg_at(&b, "axes", call), v, perm, &n) < 0)
            return -1;
        if (v && v->kind != V_NONE && n != dusk_array_ndim(b.v[0].a))
            return fail(ev, 2, arg_at(&b, "axes", call)->col,
                        "transpose's axes must list each of the array's %d axes once",
                        dusk_array_ndim(b.v[0].a));
        return check(ev, col, dusk_array_transpose(b.v[0].a, v && v->kind != V_NONE ? perm : NULL),
                     out);
    }
    case F_ASTYPE: {
        dusk_dtype dt;
        if (need_array(ev, b.at[0], &b.v[0], fname) < 0 || get_dtype(ev, b.at[1], &b.v[1], &dt) < 0)
            return -1;
        return check(ev, col, dusk_array_astype(b.v[0].a, dt), out);
    }
    case F_RECHUNK:
        if (need_array(ev, b.at[0], &b.v[0], fname) < 0 ||
            get_chunks(ev, b.at[1], &b.v[1], chunks, sizeof chunks) < 0)
            return -1;
        return check(ev, col, dusk_array_rechunk(b.v[0].a, chunks), out);
    case F_RESHAPE: case F_RAVEL: {
        dusk_shape s = DUSK_SHAPE(-1);
        bool merge = true;
        if (need_array(ev, b.at[0], &b.v[0], fname) < 0)
            return -1;
        if (f == F_RESHAPE && as_shape(ev, b.at[1], &b.v[1], &s) < 0)
            return -1;
        if ((v = arg(&b, "merge_chunks")) &&
            as_bool(ev, arg_at(&b, "merge_chunks", call), v, "merge_chunks", &merge) < 0)
            return -1;
        return check(ev, col, dusk_array_reshape(b.v[0].a, s, merge), out);
    }
    case F_SQUEEZE: {
        uint64_t axes = DUSK_ALL_AXES;
        if (need_array(ev, b.at[0], &b.v[0], fname) < 0)
            return -1;
        if ((v = arg(&b, "axis")) && as_axes(ev, arg_at(&b, "axis", call), v, &axes) < 0)
            return -1;
        return check(ev, col, dusk_array_squeeze(b.v[0].a, axes), out);
    }
    case F_CONCATENATE: case F_STACK: {
        dusk_array **arrays;
        int64_t axis = 0;
        if (eval_seq_arrays(ev, b.at[0], &b.v[0], fname, &arrays) < 0)
            return -1;
        if ((v = arg(&b, "axis")) && as_int(ev, arg_at(&b, "axis", call), v, "axis", &axis) < 0)
            return -1;
        if (axis > 1000 || axis < -1000)
            return fail(ev, 2, arg_at(&b, "axis", call)->col, "axis %lld is out of range",
                        (long long)axis);
        dusk_array *r = f == F_STACK ? dusk_stack(arrays, b.v[0].n, (int)axis)
                                     : dusk_concatenate(arrays, b.v[0].n, (int)axis);
        return check(ev, col, r, out);
    }
    case F_TENSORDOT: {
        if (to_array(ev, b.at[0], &b.v[0]) < 0 || to_array(ev, b.at[1], &b.v[1]) < 0)
            return -1;
        v = arg(&b, "axes");
        if (!v || v->kind == V_NUM) {
            int64_t n = 2;
            if (v && as_int(ev, arg_at(&b, "axes", call), v, "axes", &n) < 0)
                return -1;
            if (n < 0 || n > DUSK_MAXDIMS)
                return fail(ev, 2, arg_at(&b, "axes", call)->col,
                            "tensordot's axes must be between 0 and %d", DUSK_MAXDIMS);
            return check(ev, col, dusk_tensordot(b.v[0].a, b.v[1].a, NULL, NULL, (int)n), out);
        }
        int aa[DUSK_MAXDIMS], ba[DUSK_MAXDIMS], na, nb;
        const expr *at = arg_at(&b, "axes", call);
        if (v->kind != V_SEQ || v->n != 2)
            return fail(ev, 2, at->col, "tensordot's axes: an integer or a pair of axis lists");
        if (axes_list(ev, at, &v->items[0], aa, &na) < 0 || axes_list(ev, at, &v->items[1], ba, &nb) < 0)
            return -1;
        if (na != nb)
            return fail(ev, 2, at->col, "tensordot's axes: %d axes of a but %d of b", na, nb);
        return check(ev, col, dusk_tensordot(b.v[0].a, b.v[1].a, aa, ba, na), out);
    }
    case F_DOT: case F_MATMUL:
        if (to_array(ev, b.at[0], &b.v[0]) < 0 || to_array(ev, b.at[1], &b.v[1]) < 0)
            return -1;
        return check(ev, col, f == F_DOT ? dusk_array_dot(b.v[0].a, b.v[1].a)
                                         : dusk_array_matmul(b.v[0].a, b.v[1].a), out);
    }
    return fail(ev, 2, col, "%s() is not callable here", fname);
}

/* Methods an array has: the functions that take the array first. */
static int is_method(int f)
{
    return (f >= F_SUM && f <= F_ALL) || f == F_TRANSPOSE || f == F_ASTYPE || f == F_RECHUNK ||
           f == F_SQUEEZE || f == F_DOT || f == F_ARGMAX || f == F_ARGMIN || f == F_CUMSUM ||
           f == F_CUMPROD || f == F_RESHAPE || f == F_RAVEL || f == F_CLIP || f == F_ROUND;
}

/* x.reshape(3, 4), x.reshape(3, -1, merge_chunks=False): the sizes as
 * separate arguments, as NumPy and Dask take them. */
static int reshape_varargs(evaluator *ev, const expr *e, const val *self, val *out)
{
    int npos = 0;
    while (npos + 1 < e->nkids && e->kids[npos + 1]->kind != EXPR_KEYWORD)
        npos++;
    val *items = ev_alloc(ev, sizeof *items * (size_t)npos);
    if (!items)
        return nomem_ev(ev, e->col);
    for (int k = 0; k < npos; k++)
        if (eval(ev, e->kids[k + 1], &items[k]) < 0)
            return -1;
    val seq = {0};
    seq.kind = V_SEQ;
    seq.n = npos;
    seq.items = items;
    dusk_shape s;
    if (as_shape(ev, e->kids[1], &seq, &s) < 0)
        return -1;
    bool merge = true;
    for (int k = npos + 1; k < e->nkids; k++) {
        const expr *kw = e->kids[k];
        if (kw->kind != EXPR_KEYWORD)
            return fail(ev, 2, kw->col, "reshape(): a positional argument after a keyword");
        if (strcmp(kw->str, "merge_chunks") != 0)
            return fail(ev, 2, kw->col, "reshape() has no keyword '%s'", kw->str);
        val v;
        if (eval(ev, kw->kids[0], &v) < 0 || as_bool(ev, kw->kids[0], &v, "merge_chunks", &merge) < 0)
            return -1;
    }
    return check(ev, e->opcol, dusk_array_reshape(self->a, s, merge), out);
}

static int eval_call(evaluator *ev, const expr *e, val *out)
{
    const expr *callee = e->kids[0];
    char name[128];
    if (callee->kind == EXPR_ATTR) {
        /* a method, unless the chain spells a function (np.random.normal) */
        if (dotted(callee, name, sizeof name) == 0) {
            char first[128];
            snprintf(first, sizeof first, "%s", name);
            *strchr(first, '.') = '\0';
            if (!input_of(ev, first)) {
                if (func_of(name) >= 0)
                    return call_func(ev, func_of(name), strip_prefix(name), e, NULL, NULL, out);
                if (!strcmp(first, "np") || !strcmp(first, "numpy") || !strcmp(first, "da") ||
                    !strcmp(first, "dask") || !strcmp(first, "random"))
                    return unknown(ev, callee->col, "function", name, 1);
            }
        }
        val self;
        if (eval(ev, callee->kids[0], &self) < 0)
            return -1;
        int f = func_of(callee->str);
        if (f < 0 && !strcmp(callee->str, "flatten"))
            f = F_RAVEL;   /* x.flatten(): a method only, as in NumPy */
        if (self.kind != V_ARRAY)
            return fail(ev, 2, callee->opcol, "%s has no method '%s'", kind_name(&self),
                        callee->str);
        if (f < 0 || !is_method(f)) {
            static const char *const M[] = {"sum", "prod", "mean", "std", "var", "min", "max",
                                            "any", "all", "transpose", "astype", "rechunk",
                                            "squeeze", "dot", "argmax", "argmin", "cumsum",
                                            "cumprod", "reshape", "ravel", "flatten",
                                            "clip", "round", "T",
                                            "shape", "ndim", "size", "dtype"};
            const char *near = expr_closest(callee->str, M, sizeof M / sizeof *M);
            return fail(ev, 2, callee->opcol, "an array has no method '%s'%s%s%s", callee->str,
                        near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        }
        if (f == F_TRANSPOSE && e->nkids > 2 && e->kids[1]->kind != EXPR_KEYWORD) {
            /* x.transpose(1, 0, 2): the axes as separate arguments */
            val *items = ev_alloc(ev, sizeof *items * (size_t)(e->nkids - 1));
            if (!items)
                return nomem_ev(ev, e->col);
            for (int k = 1; k < e->nkids; k++)
                if (eval(ev, e->kids[k], &items[k - 1]) < 0)
                    return -1;
            val axes = {0};
            axes.kind = V_SEQ;
            axes.n = e->nkids - 1;
            axes.items = items;
            int perm[DUSK_MAXDIMS], n;
            if (axes_list(ev, e->kids[1], &axes, perm, &n) < 0)
                return -1;
            if (n != dusk_array_ndim(self.a))
                return fail(ev, 2, e->kids[1]->col,
                            "transpose's axes must list each of the array's %d axes once",
                            dusk_array_ndim(self.a));
            return check(ev, e->opcol, dusk_array_transpose(self.a, perm), out);
        }
        if (f == F_RESHAPE && e->nkids > 2 && e->kids[2]->kind != EXPR_KEYWORD)
            return reshape_varargs(ev, e, &self, out);
        return call_func(ev, f, callee->str, e, &self, callee->kids[0], out);
    }
    if (callee->kind != EXPR_NAME) {
        val v;
        if (eval(ev, callee, &v) < 0)
            return -1;
        return fail(ev, 2, e->opcol, "%s cannot be called", kind_name(&v));
    }
    int f = func_of(callee->str);
    if (f < 0) {
        if (input_of(ev, callee->str))
            return fail(ev, 2, e->opcol, "'%s' is an array, not a function", callee->str);
        return unknown(ev, callee->col, "function", callee->str, 1);
    }
    if (f == F_NORMAL || f == F_UNIFORM || f == F_RANDOM || f == F_RANDINT ||
        f == F_EXPONENTIAL || f == F_POISSON || f == F_STANDARD_NORMAL)   /* write random.normal */
        return unknown(ev, callee->col, "function", callee->str, 1);
    return call_func(ev, f, callee->str, e, NULL, NULL, out);
}

static int eval_attr(evaluator *ev, const expr *e, val *out)
{
    char name[128];
    if (dotted(e, name, sizeof name) == 0) {   /* np.pi, np.float32, np.newaxis */
        char *dot = strchr(name, '.');
        *dot = '\0';
        int is_module = !input_of(ev, name) && (!strcmp(name, "np") || !strcmp(name, "numpy") ||
                                                !strcmp(name, "da") || !strcmp(name, "dask"));
        *dot = '.';
        if (is_module)
            return eval_dotted_name(ev, e, name, out);
    }
    val base;
    if (eval(ev, e->kids[0], &base) < 0)
        return -1;
    if (base.kind != V_ARRAY)
        return fail(ev, 2, e->opcol, "%s has no attribute '%s'", kind_name(&base), e->str);
    dusk_array *a = base.a;
    int nd = dusk_array_ndim(a);
    memset(out, 0, sizeof *out);
    if (!strcmp(e->str, "T"))
        return check(ev, e->opcol, dusk_array_transpose(a, NULL), out);
    if (!strcmp(e->str, "real") || !strcmp(e->str, "imag"))   /* of complex arrays */
        return check(ev, e->opcol, dusk_array_unop(e->str[0] == 'r' ? DUSK_UNOP_REAL
                                                                     : DUSK_UNOP_IMAG, a), out);
    if (!strcmp(e->str, "ndim")) {
        *out = num_val(nd, 1);
        return 0;
    }
    if (!strcmp(e->str, "size")) {
        double n = 1;
        for (int d = 0; d < nd; d++)
            n *= (double)dusk_array_shape(a)[d];
        *out = num_val(n, 1);
        return 0;
    }
    if (!strcmp(e->str, "dtype")) {
        out->kind = V_STR;
        out->str = dusk_dtype_code(dusk_array_dtype(a));
        return 0;
    }
    if (!strcmp(e->str, "shape")) {
        val *items = ev_alloc(ev, sizeof *items * (size_t)(nd ? nd : 1));
        if (!items)
            return nomem_ev(ev, e->col);
        for (int d = 0; d < nd; d++)
            items[d] = num_val((double)dusk_array_shape(a)[d], 1);
        out->kind = V_SEQ;
        out->n = nd;
        out->items = items;
        return 0;
    }
    int f = func_of(e->str);
    if (f >= 0 && is_method(f))
        return fail(ev, 2, e->opcol, "'%s' is a method: call it, as x.%s()", e->str, e->str);
    static const char *const A[] = {"T", "shape", "ndim", "size", "dtype", "real", "imag"};
    const char *near = expr_closest(e->str, A, 7);
    return fail(ev, 2, e->opcol, "an array has no attribute '%s'%s%s%s", e->str,
                near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
}

/* One entry of an index: a number, a slice, a list, None or '...'. A list
 * of True and False (a mask, as NumPy reads it) is left with *mask set,
 * its items 1 and 0, for eval_index, which knows its axis. */
static int index_entry(evaluator *ev, const expr *s, dusk_index *ix, int *mask)
{
    *mask = 0;
    if (s->kind == EXPR_ELLIPSIS) {
        *ix = DUSK_ELLIPSIS;
        return 0;
    }
    if (s->kind == EXPR_SLICE) {
        int64_t p[3];
        for (int k = 0; k < 3; k++) {
            p[k] = DUSK_NIL;
            if (!s->kids[k])
                continue;
            val v;
            if (eval(ev, s->kids[k], &v) < 0)
                return -1;
            if (v.kind == V_NONE)
                continue;
            if (as_int(ev, s->kids[k], &v, "a slice's bound", &p[k]) < 0)
                return -1;
        }
        if (p[2] == 0)
            return fail(ev, 2, s->kids[2]->col, "a slice's step must not be 0");
        *ix = DUSK_SLICE(p[0], p[1], p[2]);
        return 0;
    }
    val v;
    if (eval(ev, s, &v) < 0)
        return -1;
    if (v.kind == V_NONE) {
        *ix = DUSK_NEWAXIS;
        return 0;
    }
    if (v.kind == V_NUM) {
        int64_t i;
        if (v.is_bool)   /* NumPy reads x[True] as a new axis, not as x[1] */
            return fail(ev, 2, s->col, "an index entry cannot be %s (NumPy adds an axis for "
                        "it: use None)", v.num ? "True" : "False");
        if (as_int(ev, s, &v, "an index", &i) < 0)
            return -1;
        *ix = DUSK_AT(i);
        return 0;
    }
    if (v.kind == V_SEQ && v.is_list) {
        int64_t *list = ev_alloc(ev, sizeof *list * (size_t)(v.n ? v.n : 1));
        if (!list)
            return nomem_ev(ev, s->col);
        int bools = 0;
        for (int i = 0; i < v.n; i++) {
            bools += v.items[i].kind == V_NUM && v.items[i].is_bool;
            if (as_int(ev, s, &v.items[i], "a list index", &list[i]) < 0)
                return -1;
        }
        *mask = v.n > 0 && bools == v.n;   /* [True, 2] is [1, 2], as in NumPy */
        *ix = DUSK_LIST(list, v.n);
        return 0;
    }
    return fail(ev, 2, s->col, "an index entry is an integer, a slice, a list of integers, "
                               "None or ..., not %s", kind_name(&v));
}

/* ix[k], a mask of 1s and 0s, as the positions NumPy picks with it, once
 * its length is its axis's: the axis counts the entries before it that
 * take one (not None or ...), or, after a '...', from the end. */
static int mask_positions(evaluator *ev, const expr *s, const dusk_array *a, dusk_index *ix,
                          int n, int k)
{
    int before = 0, from = 0, ellipsis = 0;
    for (int i = 0; i < n; i++) {
        int takes = ix[i].kind != DUSK_IDX_NEWAXIS && ix[i].kind != DUSK_IDX_ELLIPSIS;
        ellipsis |= i < k && ix[i].kind == DUSK_IDX_ELLIPSIS;
        before += i < k && takes;
        from += i >= k && takes;
    }
    int ndim = dusk_array_ndim(a);
    int axis = ellipsis ? ndim - from : before;
    const int64_t *shape = dusk_array_shape(a);
    if (axis < 0 || axis >= ndim || shape[axis] != ix[k].n)
        return fail(ev, 2, s->col, "boolean index did not match indexed array along dimension "
                    "%d; dimension is %lld but corresponding boolean dimension is %lld", axis,
                    axis >= 0 && axis < ndim ? (long long)shape[axis] : 0LL,
                    (long long)ix[k].n);
    int64_t *list = (int64_t *)ix[k].list, m = 0;
    for (int64_t i = 0; i < ix[k].n; i++)
        if (list[i])
            list[m++] = i;
    ix[k].n = m;
    return 0;
}

static int eval_index(evaluator *ev, const expr *e, val *out)
{
    val base;
    if (eval(ev, e->kids[0], &base) < 0)
        return -1;
    int n = e->nkids - 1;
    if (base.kind == V_SEQ) {   /* x.shape[0] */
        val v;
        int64_t i;
        if (n != 1 || e->kids[1]->kind == EXPR_SLICE)
            return fail(ev, 2, e->opcol, "a tuple takes one integer index");
        if (eval(ev, e->kids[1], &v) < 0 || as_int(ev, e->kids[1], &v, "an index", &i) < 0)
            return -1;
        if (i < -base.n || i >= base.n)
            return fail(ev, 2, e->kids[1]->col, "index %lld is out of range for %d items",
                        (long long)i, base.n);
        *out = base.items[i < 0 ? i + base.n : i];
        return 0;
    }
    if (base.kind != V_ARRAY)
        return fail(ev, 2, e->opcol, "%s cannot be indexed", kind_name(&base));
    if (n > 2 * DUSK_MAXDIMS)
        return fail(ev, 2, e->kids[2 * DUSK_MAXDIMS + 1]->col, "too many indices (more than %d)",
                    2 * DUSK_MAXDIMS);
    dusk_index ix[2 * DUSK_MAXDIMS];
    int mask[2 * DUSK_MAXDIMS];
    for (int k = 0; k < n; k++)
        if (index_entry(ev, e->kids[k + 1], &ix[k], &mask[k]) < 0)
            return -1;
    for (int k = 0; k < n; k++)
        if (mask[k] && mask_positions(ev, e->kids[k + 1], base.a, ix, n, k) < 0)
            return -1;
    return check(ev, e->opcol, dusk_array_getitem(base.a, ix, n), out);
}

static int eval(evaluator *ev, const expr *e, val *out)
{
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case EXPR_NUM: {
        if (!e->is_int) {
            *out = num_val(e->num, 0);
            return 0;
        }
        pyint n = 0;   /* its digits, exactly (below 2**126) */
        const char *d = e->str;
        for (; *d && n < PYINT_LIMIT / 10; d++)
            n = n * 10 + (*d - '0');
        *out = *d || n >= PYINT_LIMIT ? int_near(e->num) : int_val(n);
        out->digits = e->str;
        return 0;
    }
    case EXPR_STR:
        out->kind = V_STR;
        out->str = e->str;
        return 0;
    case EXPR_CONST:
        if (!strcmp(e->str, "None")) {
            out->kind = V_NONE;
        } else {
            *out = num_val(!strcmp(e->str, "True"), 1);
            out->is_bool = 1;
        }
        return 0;
    case EXPR_NAME: {
        const dusk_array *a = input_of(ev, e->str);
        if (a) {
            out->kind = V_ARRAY;
            out->a = (dusk_array *)a;
            return 0;
        }
        return eval_dotted_name(ev, e, e->str, out);
    }
    case EXPR_ELLIPSIS:
        return fail(ev, 2, e->col, "'...' only stands inside an index");
    case EXPR_SLICE:
        return fail(ev, 2, e->col, "a slice only stands inside an index");
    case EXPR_KEYWORD:
        return fail(ev, 2, e->col, "a keyword argument only stands inside a call");
    case EXPR_NEG:
    case EXPR_INVERT: {
        val a;
        if (eval(ev, e->kids[0], &a) < 0)
            return -1;
        return apply_unop(ev, e, e->kind == EXPR_NEG ? DUSK_UNOP_NEG : DUSK_UNOP_INVERT, &a,
                          out);
    }
    case EXPR_BINOP: {
        val a, b;
        if (eval(ev, e->kids[0], &a) < 0 || eval(ev, e->kids[1], &b) < 0)
            return -1;
        if (!strcmp(e->str, "@")) {
            if (a.kind != V_ARRAY || b.kind != V_ARRAY)
                return fail(ev, 2, e->opcol, "'@' takes two arrays, not %s and %s",
                            kind_name(&a), kind_name(&b));
            return check(ev, e->opcol, dusk_array_matmul(a.a, b.a), out);
        }
        static const struct { const char *op; dusk_binop b; } OPS_OF[] = {
            {"+", DUSK_BINOP_ADD}, {"-", DUSK_BINOP_SUB}, {"*", DUSK_BINOP_MUL},
            {"/", DUSK_BINOP_DIV}, {"**", DUSK_BINOP_POW}, {"<", DUSK_BINOP_LT},
            {"<=", DUSK_BINOP_LE}, {">", DUSK_BINOP_GT}, {">=", DUSK_BINOP_GE},
            {"==", DUSK_BINOP_EQ}, {"!=", DUSK_BINOP_NE}, {"//", DUSK_BINOP_FLOORDIV},
            {"%", DUSK_BINOP_MOD}, {"&", DUSK_BINOP_AND}, {"|", DUSK_BINOP_OR},
            {"^", DUSK_BINOP_XOR}};
        for (size_t i = 0; i < sizeof OPS_OF / sizeof *OPS_OF; i++)
            if (!strcmp(e->str, OPS_OF[i].op))
                return apply_binop(ev, e, OPS_OF[i].b, e->str, &a, &b, out);
        return fail(ev, 2, e->opcol, "unknown operator '%s'", e->str);
    }
    case EXPR_CALL:
        return eval_call(ev, e, out);
    case EXPR_ATTR:
        return eval_attr(ev, e, out);
    case EXPR_INDEX:
        return eval_index(ev, e, out);
    case EXPR_TUPLE:
    case EXPR_LIST: {
        val *items = ev_alloc(ev, sizeof *items * (size_t)(e->nkids ? e->nkids : 1));
        if (!items)
            return nomem_ev(ev, e->col);
        for (int i = 0; i < e->nkids; i++)
            if (eval(ev, e->kids[i], &items[i]) < 0)
                return -1;
        out->kind = V_SEQ;
        out->is_list = e->kind == EXPR_LIST;
        out->n = e->nkids;
        out->items = items;
        return 0;
    }
    }
    return fail(ev, 2, e->col, "cannot evaluate this");
}

int expr_eval(const expr_tree *t, const expr_env *env, dusk_array **out, expr_error *err)
{
    if (err) {
        err->code = 0;
        err->col = 0;
        err->msg[0] = '\0';
    }
    *out = NULL;
    if (!t || !env || !env->ctx) {
        set_error(err, 2, 0, "no expression or no context");
        return 2;
    }
    evaluator ev = {env, err, NULL, 0, 0, 0, NULL};
    val v;
    int rc = eval(&ev, t->root, &v);
    if (rc == 0) {
        if (v.kind == V_NUM)
            rc = to_array(&ev, t->root, &v);
        else if (v.kind != V_ARRAY)
            rc = fail(&ev, 2, t->root->col, "the expression gives %s, not an array",
                      kind_name(&v));
        if (rc == 0)
            *out = v.a;
    }
    for (size_t i = 0; i < ev.nallocs; i++)
        dusk_free(ev.allocs[i]);
    dusk_free(ev.allocs);
    return rc == 0 ? 0 : (err ? err->code : 2);
}
