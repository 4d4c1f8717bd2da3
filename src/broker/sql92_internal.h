/*
 * Internals of the SQL92 filter shared by its lexer, parser and evaluator:
 * the tokens of SelectorParser.jj, the compiled node array and the values
 * an evaluation works with. Only src/broker/sql92*.c and their tests use it.
 */
#ifndef RJ_BROKER_SQL92_INTERNAL_H
#define RJ_BROKER_SQL92_INTERNAL_H

#include "broker/sql92.h"

#include <stdatomic.h>
#include <stdint.h>

/* ---- tokens ---------------------------------------------------------------- */

typedef enum {
    TK_EOF = 0,
    TK_NOT, /* keywords, any case */
    TK_AND,
    TK_OR,
    TK_BETWEEN,
    TK_IN,
    TK_TRUE,
    TK_FALSE,
    TK_NULL,
    TK_IS,
    TK_DECIMAL, /* 0 | [1-9][0-9]*[lL]? */
    TK_FLOAT,   /* 1.5, 1., .5, 1e3, with optional exponent */
    TK_STRING,  /* '...' with '' for a quote */
    TK_ID,      /* [a-zA-Z_$][a-zA-Z0-9_$]* */
    TK_EQ,      /* = */
    TK_NE,      /* <> */
    TK_GT,      /* > */
    TK_GE,      /* >= */
    TK_LT,      /* < */
    TK_LE,      /* <= */
    TK_LPAREN,
    TK_COMMA,
    TK_RPAREN,
    TK_PLUS,
    TK_MINUS,
} rj_sql92_token_kind_t;

typedef struct {
    rj_sql92_token_kind_t kind;
    size_t start; /* byte offset in the expression */
    size_t len;
} rj_sql92_token_t;

/*
 * Reads the token at or after `*pos` (skipping white space and comments, as
 * JavaCC's longest match does), advancing `*pos` past it. Returns 0, or
 * RJ_EMALFORMED for text that is no token (the position of the bad character
 * in tok->start).
 */
int rj_sql92_lex_next(rj_bytes_t src, size_t *pos, rj_sql92_token_t *tok);

/* "AND", "<=", "<EOF>", ... for messages. */
const char *rj_sql92_token_name(rj_sql92_token_kind_t kind);

/* ---- values -------------------------------------------------------------- */

typedef enum {
    V_NULL = 0,
    V_BOOL,   /* java.lang.Boolean */
    V_INT,    /* java.lang.Integer */
    V_LONG,   /* java.lang.Long */
    V_DOUBLE, /* java.lang.Double */
    V_STRING, /* java.lang.String (a property value or a literal) */
} rj_sql92_vtype_t;

typedef struct {
    rj_sql92_vtype_t type;
    union {
        bool b;
        int32_t i;
        int64_t l;
        double d;
        rj_bytes_t s;
    } u;
} rj_sql92_value_t;

/* ---- compiled expression ---------------------------------------------------- */

typedef enum {
    N_CONST,    /* literal: a ConstantExpression (TRUE/FALSE/NULL: BooleanConstantExpression) */
    N_PROP,     /* property reference */
    N_NEGATE,   /* unary minus */
    N_NOT,      /* NOT of a boolean expression */
    N_BOOLCAST, /* a property used as a condition */
    N_AND,      /* n-ary AND (a chain a AND b AND c: same result as Java's nested pairs) */
    N_OR,       /* n-ary OR */
    N_EQ,       /* =, and IS NULL (compared with NULL) */
    N_GT,
    N_GE,
    N_LT,
    N_LE,
    N_IN, /* property IN ('a', ...) or NOT IN */
} rj_sql92_node_kind_t;

#define RJ_SQL92_NODE_BOOLEAN 0x1 /* a BooleanExpression in Java */
#define RJ_SQL92_NODE_CONST 0x2   /* a ConstantExpression in Java */

typedef struct {
    uint8_t kind;  /* rj_sql92_node_kind_t */
    uint8_t flags; /* RJ_SQL92_NODE_* */
    bool negated;  /* N_IN: NOT IN */
    uint16_t depth;
    int32_t a, b;       /* children (unary: a); N_AND/N_OR: first index in kids, count; N_IN: first
                           index in strings, count (sorted) */
    rj_sql92_value_t v; /* N_CONST: the value; N_PROP: the name (V_STRING) */
} rj_sql92_node_t;

struct rj_sql92 {
    atomic_int refs;
    char *text;
    rj_sql92_node_t *nodes;
    int32_t nnodes;
    int32_t root;
    int32_t *kids; /* children of N_AND / N_OR */
    int32_t nkids;
    rj_bytes_t *strings; /* IN lists */
    int32_t nstrings;
    char **owned; /* decoded string literals and property names */
    int32_t nowned;
};

/* Deepest nesting a compiled expression may have (bounds evaluation stack). */
#define RJ_SQL92_MAX_DEPTH 200
/* Most nodes an expression may compile to. */
#define RJ_SQL92_MAX_NODES 20000

/*
 * Java's __compare of two non-null values, with conversions of strings
 * (CONVERT_STRING_EXPRESSIONS is on in the broker). Returns 0 and the sign in
 * *cmp, or RJ_EINVAL where Java throws (a string that is no number, the
 * Boolean-vs-String cast bug of ComparisonExpression).
 */
int rj_sql92_compare(const rj_sql92_value_t *lv, const rj_sql92_value_t *rv, int *cmp);

/*
 * Java's Double.valueOf of a string (whitespace trimmed, optional sign,
 * NaN, Infinity, decimal and hex forms, optional f/F/d/D suffix). Returns 0
 * or RJ_EINVAL.
 */
int rj_sql92_parse_java_double(rj_bytes_t text, double *out);

#endif
