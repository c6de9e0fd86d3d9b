/*
** dusk cli — array expressions: `dusk eval`'s language. Private to cli/
** (and tests/cli/test_expr.c, tests/fuzz/fuzz_expr.c).
**
** expr_parse reads text into a tree (one allocation block per tree, freed
** by expr_free); expr_sexp prints a tree as a canonical s-expression (the
** parser's table in tests/cli/test_expr.c compares those); expr_eval
** builds the tree onto include/dusk/array.h in a context. Errors carry the
** 1-based column they are at, so that `dusk eval` can echo the expression
** with a caret under it.
*/
#ifndef DUSK_CLI_EXPR_H
#define DUSK_CLI_EXPR_H

#include <stddef.h>
#include <stdint.h>

#include "dusk/array.h"

typedef enum {
    EXPR_NUM,       /* num (is_int: written without '.', 'e'; then str holds its digits,
                       which num, a double, holds only below 2**53) */
    EXPR_STR,       /* str: 'f4', "auto" */
    EXPR_NAME,      /* str */
    EXPR_CONST,     /* str: "True", "False", "None" */
    EXPR_ELLIPSIS,  /* ... inside [] */
    EXPR_BINOP,     /* str: the operator ("+", "**", "<=", "@"); kids[0], kids[1] */
    EXPR_NEG,       /* -kids[0] */
    EXPR_CALL,      /* kids[0] called with kids[1..]; keyword arguments are EXPR_KEYWORD */
    EXPR_KEYWORD,   /* str=kids[0] */
    EXPR_ATTR,      /* kids[0].str */
    EXPR_INDEX,     /* kids[0][kids[1], ...] */
    EXPR_SLICE,     /* start:stop:step, each kid NULL when left out */
    EXPR_TUPLE,     /* (a, b) */
    EXPR_LIST,      /* [a, b] */
    EXPR_INVERT     /* ~kids[0] */
} expr_kind;

typedef struct expr expr;
struct expr {
    expr_kind kind;
    int col;              /* 1-based column of the node's first character */
    int opcol;            /* column of its operator, '(' or '[' (errors point there) */
    int is_int;
    double num;
    const char *str;      /* in the tree's block */
    int depth;            /* 1 + the deepest kid's */
    int nkids;
    expr **kids;
};

typedef struct expr_tree expr_tree;

typedef struct expr_error {
    int col;                     /* 1-based column; 0: none */
    int code;                    /* 2: the expression is wrong (usage); 1: the arrays failed */
    char msg[DUSK_ERROR_MSG_MAX + 128];
} expr_error;

/* Parses text; returns the tree (free it with expr_free), or NULL with
 * err filled (code 2, or DUSK's ENOMEM as code 1). */
expr_tree *expr_parse(const char *text, expr_error *err);
const expr *expr_root(const expr_tree *t);
void expr_free(expr_tree *t);   /* NULL-safe */

/* The canonical s-expression of e, as snprintf (returns the full length). */
size_t expr_sexp(const expr *e, char *buf, size_t n);

/* The names expressions may use, and limits (for the fuzz target). */
typedef struct expr_binding {
    const char *name;
    dusk_array *array;
} expr_binding;

typedef struct expr_env {
    dusk_array_ctx *ctx;
    const expr_binding *inputs;
    size_t ninputs;
    const char *chunks;          /* creation functions' default chunks (NULL: "auto") */
    int64_t max_elements;        /* 0: none; else arrays made by functions with more elements,
                                    or an axis longer, than this are refused */
    int64_t max_blocks;          /* 0: none; else any array of more blocks is refused */
} expr_env;

/* Evaluates the tree; 0 and *out (an array of env->ctx; a number becomes a
 * 0-d array), or err->code (2: a name, function, keyword or argument that
 * does not exist or does not fit, chunks that cannot be read; 1: dusk's
 * own array error, chunks that do not fit a shape among them). */
int expr_eval(const expr_tree *t, const expr_env *env, dusk_array **out, expr_error *err);

/* Whether dusk_array reads spec as chunks (for some shape: whether they
 * fit one is the array's to say). 0 when out of memory. */
int expr_chunks_readable(const char *spec);

/* The did-you-mean guess for given among known (NULL entries skipped), or
 * NULL when none is close: the word fewest edits away (a swap of two
 * neighbours is one), within one edit per three letters (leading dashes
 * not counted; at least one, fewer than given has letters), else the one
 * known word given begins (3 letters or more). The rule: cli/expr.c.
 * cli_closest is this too. */
const char *expr_closest(const char *given, const char *const *known, size_t n);

#endif /* DUSK_CLI_EXPR_H */
