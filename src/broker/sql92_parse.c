/*
 * The SQL92 filter's parser: SelectorParser.jj's grammar by recursive
 * descent over a two-token lookahead, building the node array with the
 * compile-time checks of ComparisonExpression and asBooleanExpression.
 *
 *   orExpression         := andExpression (OR andExpression)*
 *   andExpression        := equalityExpression (AND equalityExpression)*
 *   equalityExpression   := comparisonExpression ( '=' comparisonExpression
 *                           | '<>' comparisonExpression | IS NULL | IS NOT NULL )*
 *   comparisonExpression := unaryExpr ( ('>'|'>='|'<'|'<=') unaryExpr
 *                           | [NOT] BETWEEN unaryExpr AND unaryExpr
 *                           | [NOT] IN '(' string (',' string)* ')' )*
 *   unaryExpr            := '+' unaryExpr | '-' unaryExpr | NOT unaryExpr | primaryExpr
 *   primaryExpr          := literal | ID | '(' orExpression ')'
 *
 * As in JavaCC's generated parser nothing after the expression is required
 * (no <EOF>), but every token the parser looks at must lex. Chains of AND
 * or OR become one n-ary node, which evaluates exactly like Java's nested
 * pairs and keeps long chains from deepening the tree.
 */
#include "broker/sql92_internal.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <errno.h>
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    rj_bytes_t src;
    size_t pos; /* lexer position after the buffered tokens */
    rj_sql92_token_t la[2];
    int nla;
    rj_sql92_t *e;
    int32_t node_cap, kid_cap, str_cap, owned_cap;
    int nesting;
    int rc; /* first error (RJ_EINVAL or RJ_ENOMEM); 0 while parsing goes well */
    char *err;
    size_t err_size;
} parser_t;

static void fail(parser_t *p, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
fail(parser_t *p, int rc, const char *fmt, ...)
{
    if (p->rc != 0) {
        return;
    }
    p->rc = rc;
    if (p->err != NULL && p->err_size > 0) {
        int n = snprintf(p->err, p->err_size, "Invalid MessageSelector. ");
        va_list ap;
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < p->err_size) {
            vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
        }
        va_end(ap);
    }
}

/* ---- tokens ------------------------------------------------------------------- */

/* The k-th token ahead (k < 2); TK_EOF after an error. */
static const rj_sql92_token_t *
peek(parser_t *p, int k)
{
    static const rj_sql92_token_t eof = {TK_EOF, 0, 0};
    while (p->rc == 0 && p->nla <= k) {
        rj_sql92_token_t *t = &p->la[p->nla];
        if (rj_sql92_lex_next(p->src, &p->pos, t) != 0) {
            uint8_t c = t->start < p->src.len ? p->src.data[t->start] : 0;
            if (c == '\'') {
                fail(p, RJ_EINVAL, "Lexical error at line 1, column %zu. Unterminated string.",
                     t->start + 1);
            } else if (c >= 0x20 && c < 0x7F) {
                fail(p, RJ_EINVAL, "Lexical error at line 1, column %zu. Encountered: \"%c\"",
                     t->start + 1, c);
            } else {
                fail(p, RJ_EINVAL, "Lexical error at line 1, column %zu. Encountered: byte 0x%02X",
                     t->start + 1, c);
            }
            return &eof;
        }
        p->nla++;
    }
    return p->rc == 0 ? &p->la[k] : &eof;
}

static rj_sql92_token_kind_t
peek_kind(parser_t *p, int k)
{
    return peek(p, k)->kind;
}

static rj_sql92_token_t
consume(parser_t *p)
{
    rj_sql92_token_t t = *peek(p, 0);
    if (p->nla > 0) {
        p->la[0] = p->la[1];
        p->nla--;
    }
    return t;
}

static void
unexpected(parser_t *p, const rj_sql92_token_t *t)
{
    if (t->kind == TK_EOF) {
        fail(p, RJ_EINVAL, "Encountered \"<EOF>\" at line 1, column %zu.", t->start + 1);
    } else {
        fail(p, RJ_EINVAL, "Encountered \"%.*s\" at line 1, column %zu.",
             (int)(t->len > 40 ? 40 : t->len), (const char *)p->src.data + t->start, t->start + 1);
    }
}

static bool
expect(parser_t *p, rj_sql92_token_kind_t kind)
{
    const rj_sql92_token_t *t = peek(p, 0);
    if (p->rc != 0) {
        return false;
    }
    if (t->kind != kind) {
        unexpected(p, t);
        return false;
    }
    consume(p);
    return true;
}

/* ---- building --------------------------------------------------------------------- */

static bool
grow(parser_t *p, void **arr, int32_t *cap, int32_t need, size_t elem)
{
    if (need <= *cap) {
        return true;
    }
    int32_t n = *cap ? *cap * 2 : 16;
    while (n < need) {
        n *= 2;
    }
    void *a = rj_realloc(*arr, (size_t)n * elem);
    if (a == NULL) {
        fail(p, RJ_ENOMEM, "out of memory");
        return false;
    }
    *arr = a;
    *cap = n;
    return true;
}

/* Keeps a heap copy owned by the expression; returns it or NULL. */
static char *
own(parser_t *p, char *s)
{
    rj_sql92_t *e = p->e;
    if (s == NULL) {
        fail(p, RJ_ENOMEM, "out of memory");
        return NULL;
    }
    if (!grow(p, (void **)&e->owned, &p->owned_cap, e->nowned + 1, sizeof(char *))) {
        rj_free(s);
        return NULL;
    }
    e->owned[e->nowned++] = s;
    return s;
}

static int32_t
new_node(parser_t *p, rj_sql92_node_kind_t kind, uint8_t flags, int32_t a, int32_t b)
{
    rj_sql92_t *e = p->e;
    if (p->rc != 0) {
        return -1;
    }
    if (e->nnodes >= RJ_SQL92_MAX_NODES) {
        fail(p, RJ_EINVAL, "the expression is too long");
        return -1;
    }
    if (!grow(p, (void **)&e->nodes, &p->node_cap, e->nnodes + 1, sizeof(rj_sql92_node_t))) {
        return -1;
    }
    rj_sql92_node_t *n = &e->nodes[e->nnodes];
    memset(n, 0, sizeof(*n));
    n->kind = (uint8_t)kind;
    n->flags = flags;
    n->a = a;
    n->b = b;
    int depth = 0;
    if (kind == N_NEGATE || kind == N_NOT || kind == N_BOOLCAST || kind == N_IN) {
        depth = e->nodes[a].depth;
    } else if (kind >= N_EQ && kind <= N_LE) {
        depth = e->nodes[a].depth > e->nodes[b].depth ? e->nodes[a].depth : e->nodes[b].depth;
    } else if (kind == N_AND || kind == N_OR) {
        for (int32_t i = 0; i < b; i++) {
            int d = e->nodes[e->kids[a + i]].depth;
            depth = d > depth ? d : depth;
        }
    }
    if (depth + 1 > RJ_SQL92_MAX_DEPTH) {
        fail(p, RJ_EINVAL, "the expression is nested too deeply");
        return -1;
    }
    n->depth = (uint16_t)(depth + 1);
    return e->nnodes++;
}

static int32_t
const_node(parser_t *p, rj_sql92_value_t v)
{
    uint8_t flags = RJ_SQL92_NODE_CONST;
    if (v.type == V_NULL || v.type == V_BOOL) {
        flags |= RJ_SQL92_NODE_BOOLEAN; /* BooleanConstantExpression */
    }
    int32_t n = new_node(p, N_CONST, flags, -1, -1);
    if (n >= 0) {
        p->e->nodes[n].v = v;
    }
    return n;
}

static const rj_sql92_node_t *
node(parser_t *p, int32_t i)
{
    return &p->e->nodes[i];
}

static bool
is_const(parser_t *p, int32_t i)
{
    return (node(p, i)->flags & RJ_SQL92_NODE_CONST) != 0;
}

static bool
is_boolean(parser_t *p, int32_t i)
{
    return (node(p, i)->flags & RJ_SQL92_NODE_BOOLEAN) != 0;
}

/* Java's toString of an operand, for messages. */
static void
describe(parser_t *p, int32_t i, char *out, size_t size)
{
    const rj_sql92_node_t *n = node(p, i);
    if (n->kind == N_PROP) {
        snprintf(out, size, "%.*s", (int)n->v.u.s.len, (const char *)n->v.u.s.data);
        return;
    }
    if (n->kind != N_CONST) {
        snprintf(out, size, "(expression)");
        return;
    }
    switch (n->v.type) {
    case V_NULL:
        snprintf(out, size, "NULL");
        break;
    case V_BOOL:
        snprintf(out, size, "%s", n->v.u.b ? "TRUE" : "FALSE");
        break;
    case V_INT:
        snprintf(out, size, "%d", n->v.u.i);
        break;
    case V_LONG:
        snprintf(out, size, "%lld", (long long)n->v.u.l);
        break;
    case V_DOUBLE:
        snprintf(out, size, "%.17g", n->v.u.d);
        break;
    case V_STRING:
        snprintf(out, size, "'%.*s'", (int)(n->v.u.s.len > 40 ? 40 : n->v.u.s.len),
                 (const char *)n->v.u.s.data);
        break;
    }
}

/* asBooleanExpression. */
static int32_t
as_boolean(parser_t *p, int32_t i)
{
    if (i < 0) {
        return -1;
    }
    if (is_boolean(p, i)) {
        return i;
    }
    if (node(p, i)->kind == N_PROP) {
        return new_node(p, N_BOOLCAST, RJ_SQL92_NODE_BOOLEAN, i, -1);
    }
    char what[64];
    describe(p, i, what, sizeof(what));
    fail(p, RJ_EINVAL, "Expression will not result in a boolean value: %s", what);
    return -1;
}

/* checkLessThanOperand: only numbers and non-boolean expressions are ordered. */
static bool
check_less_than_operand(parser_t *p, int32_t i)
{
    const rj_sql92_node_t *n = node(p, i);
    bool ok;
    if (is_const(p, i)) {
        ok = n->v.type == V_INT || n->v.type == V_LONG || n->v.type == V_DOUBLE;
    } else {
        ok = !is_boolean(p, i);
    }
    if (!ok) {
        char what[64];
        describe(p, i, what, sizeof(what));
        fail(p, RJ_EINVAL, "Value '%s' cannot be compared.", what);
    }
    return ok;
}

static int32_t
ordered(parser_t *p, rj_sql92_node_kind_t kind, int32_t l, int32_t r)
{
    if (l < 0 || r < 0 || !check_less_than_operand(p, l) || !check_less_than_operand(p, r)) {
        return -1;
    }
    return new_node(p, kind, RJ_SQL92_NODE_BOOLEAN, l, r);
}

/* createEqual: NULL literals and boolean-vs-non-boolean literals cannot be compared. */
static int32_t
equal(parser_t *p, int32_t l, int32_t r)
{
    if (l < 0 || r < 0) {
        return -1;
    }
    int32_t side[2] = {l, r};
    for (int k = 0; k < 2; k++) {
        if (is_const(p, side[k]) && node(p, side[k])->v.type == V_NULL) {
            fail(p, RJ_EINVAL, "'NULL' cannot be compared.");
            return -1;
        }
    }
    if (is_const(p, l) && is_const(p, r) && is_boolean(p, l) && !is_boolean(p, r)) {
        char a[64], b[64];
        describe(p, l, a, sizeof(a));
        describe(p, r, b, sizeof(b));
        fail(p, RJ_EINVAL, "'%s' cannot be compared with '%s'", a, b);
        return -1;
    }
    return new_node(p, N_EQ, RJ_SQL92_NODE_BOOLEAN, l, r);
}

static int32_t
not_of(parser_t *p, int32_t i)
{
    return i < 0 ? -1 : new_node(p, N_NOT, RJ_SQL92_NODE_BOOLEAN, i, -1);
}

static int32_t
is_null(parser_t *p, int32_t l)
{
    rj_sql92_value_t null = {.type = V_NULL};
    int32_t n = const_node(p, null);
    return l < 0 || n < 0 ? -1 : new_node(p, N_EQ, RJ_SQL92_NODE_BOOLEAN, l, n);
}

/* An n-ary AND/OR over `items` (already boolean expressions). */
static int32_t
logic(parser_t *p, rj_sql92_node_kind_t kind, const int32_t *items, int32_t count)
{
    rj_sql92_t *e = p->e;
    if (p->rc != 0) {
        return -1;
    }
    if (count == 1) {
        return items[0];
    }
    if (!grow(p, (void **)&e->kids, &p->kid_cap, e->nkids + count, sizeof(int32_t))) {
        return -1;
    }
    int32_t first = e->nkids;
    memcpy(e->kids + first, items, (size_t)count * sizeof(int32_t));
    e->nkids += count;
    return new_node(p, kind, RJ_SQL92_NODE_BOOLEAN, first, count);
}

static int32_t
pair(parser_t *p, rj_sql92_node_kind_t kind, int32_t a, int32_t b)
{
    if (a < 0 || b < 0) {
        return -1;
    }
    int32_t items[2] = {a, b};
    return logic(p, kind, items, 2);
}

/* createBetween: constant bounds must be non-null and in order. */
static int32_t
between(parser_t *p, int32_t value, int32_t low, int32_t high)
{
    if (value < 0 || low < 0 || high < 0) {
        return -1;
    }
    if (is_const(p, low) && is_const(p, high)) {
        const rj_sql92_value_t *lv = &node(p, low)->v, *hv = &node(p, high)->v;
        if (lv->type == V_NULL || hv->type == V_NULL) {
            fail(p, RJ_EINVAL, "Illegal values of between, values can not be null!");
            return -1;
        }
        int cmp;
        if (rj_sql92_compare(hv, lv, &cmp) != 0) {
            fail(p, RJ_EINVAL, "Illegal values of between, they cannot be compared");
            return -1;
        }
        if (cmp < 0) {
            char a[64], b[64];
            describe(p, low, a, sizeof(a));
            describe(p, high, b, sizeof(b));
            fail(p, RJ_EINVAL,
                 "Illegal values of between, left value(%s) must less than or equal to right "
                 "value(%s)",
                 a, b);
            return -1;
        }
    }
    int32_t ge = ordered(p, N_GE, value, low);
    int32_t le = ordered(p, N_LE, value, high);
    return pair(p, N_AND, ge, le);
}

static int
cmp_bytes(const void *a, const void *b)
{
    const rj_bytes_t *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->data, y->data, n) : 0;
    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* ---- grammar -------------------------------------------------------------------------- */

static int32_t or_expression(parser_t *p);
static int32_t unary_expr(parser_t *p);

/* A string literal's value (quotes removed, '' turned into '). */
static bool
string_literal(parser_t *p, rj_bytes_t *out)
{
    const rj_sql92_token_t *t = peek(p, 0);
    if (p->rc != 0) {
        return false;
    }
    if (t->kind != TK_STRING) {
        unexpected(p, t);
        return false;
    }
    rj_sql92_token_t tok = consume(p);
    const uint8_t *s = p->src.data + tok.start + 1;
    size_t len = tok.len - 2;
    char *copy = own(p, rj_malloc(len + 1));
    if (copy == NULL) {
        return false;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        copy[n++] = (char)s[i];
        if (s[i] == '\'') {
            i++; /* the second quote of '' */
        }
    }
    copy[n] = '\0';
    *out = rj_bytes(copy, n);
    return true;
}

static int32_t
literal(parser_t *p)
{
    rj_sql92_token_t t = *peek(p, 0);
    rj_sql92_value_t v = {.type = V_NULL};
    const char *text = (const char *)p->src.data + t.start;
    switch (t.kind) {
    case TK_STRING:
        v.type = V_STRING;
        if (!string_literal(p, &v.u.s)) {
            return -1;
        }
        return const_node(p, v);
    case TK_DECIMAL: {
        consume(p);
        size_t len = t.len;
        if (text[len - 1] == 'l' || text[len - 1] == 'L') {
            len--;
        }
        int64_t l;
        if (rj_bytes_parse_i64(rj_bytes(text, len), &l) != 0) {
            fail(p, RJ_EINVAL, "number %.*s is out of the long range", (int)len, text);
            return -1;
        }
        if (l >= INT32_MIN && l <= INT32_MAX) {
            v.type = V_INT;
            v.u.i = (int32_t)l;
        } else {
            v.type = V_LONG;
            v.u.l = l;
        }
        return const_node(p, v);
    }
    case TK_FLOAT: {
        consume(p);
        char *buf = rj_malloc(t.len + 1);
        if (buf == NULL) {
            fail(p, RJ_ENOMEM, "out of memory");
            return -1;
        }
        memcpy(buf, text, t.len);
        buf[t.len] = '\0';
        errno = 0;
        double d = strtod(buf, NULL);
        rj_free(buf);
        /* ConstantExpression.createFloat refuses what Double cannot hold and 0. */
        if (d > DBL_MAX) {
            fail(p, RJ_EINVAL, "%.*s is greater than 1.7976931348623157E308", (int)t.len, text);
            return -1;
        }
        if (d < DBL_TRUE_MIN) {
            fail(p, RJ_EINVAL, "%.*s is less than 4.9E-324", (int)t.len, text);
            return -1;
        }
        v.type = V_DOUBLE;
        v.u.d = d;
        return const_node(p, v);
    }
    case TK_TRUE:
    case TK_FALSE:
        consume(p);
        v.type = V_BOOL;
        v.u.b = t.kind == TK_TRUE;
        return const_node(p, v);
    case TK_NULL:
        consume(p);
        return const_node(p, v);
    default:
        unexpected(p, &t);
        return -1;
    }
}

static int32_t
primary_expr(parser_t *p)
{
    rj_sql92_token_t t = *peek(p, 0);
    if (p->rc != 0) {
        return -1;
    }
    switch (t.kind) {
    case TK_ID: {
        consume(p);
        char *name = own(p, rj_bytes_dup(rj_bytes(p->src.data + t.start, t.len)));
        int32_t n = name ? new_node(p, N_PROP, 0, -1, -1) : -1;
        if (n >= 0) {
            p->e->nodes[n].v.type = V_STRING;
            p->e->nodes[n].v.u.s = rj_bytes(name, t.len);
        }
        return n;
    }
    case TK_LPAREN: {
        consume(p);
        int32_t n = or_expression(p);
        return n >= 0 && expect(p, TK_RPAREN) ? n : -1;
    }
    default:
        return literal(p);
    }
}

static int32_t
unary_expr(parser_t *p)
{
    if (++p->nesting > RJ_SQL92_MAX_DEPTH) {
        fail(p, RJ_EINVAL, "the expression is nested too deeply");
        p->nesting--;
        return -1;
    }
    int32_t n;
    switch (peek_kind(p, 0)) {
    case TK_PLUS:
        consume(p);
        n = unary_expr(p);
        break;
    case TK_MINUS:
        consume(p);
        n = unary_expr(p);
        n = n < 0 ? -1 : new_node(p, N_NEGATE, 0, n, -1);
        break;
    case TK_NOT:
        consume(p);
        n = not_of(p, as_boolean(p, unary_expr(p)));
        break;
    default:
        n = primary_expr(p);
        break;
    }
    p->nesting--;
    return p->rc == 0 ? n : -1;
}

/* '(' string (',' string)* ')' after IN, as a sorted list. */
static int32_t
in_list(parser_t *p, int32_t left, bool negated)
{
    rj_sql92_t *e = p->e;
    if (!expect(p, TK_LPAREN)) {
        return -1;
    }
    int32_t first = e->nstrings;
    do {
        rj_bytes_t s;
        if (!string_literal(p, &s) ||
            !grow(p, (void **)&e->strings, &p->str_cap, e->nstrings + 1, sizeof(rj_bytes_t))) {
            return -1;
        }
        e->strings[e->nstrings++] = s;
    } while (peek_kind(p, 0) == TK_COMMA && consume(p).kind == TK_COMMA);
    if (!expect(p, TK_RPAREN)) {
        return -1;
    }
    if (left < 0) {
        return -1;
    }
    if (node(p, left)->kind != N_PROP) {
        char what[64];
        describe(p, left, what, sizeof(what));
        fail(p, RJ_EINVAL, "Expected a property for In expression, got: %s", what);
        return -1;
    }
    int32_t count = e->nstrings - first;
    qsort(e->strings + first, (size_t)count, sizeof(rj_bytes_t), cmp_bytes);
    int32_t n = new_node(p, N_IN, RJ_SQL92_NODE_BOOLEAN, left, -1);
    if (n >= 0) {
        e->nodes[n].negated = negated;
        e->nodes[n].v.type = V_INT;
        e->nodes[n].v.u.i = first;
        e->nodes[n].b = count;
    }
    return n;
}

static int32_t
comparison_expression(parser_t *p)
{
    int32_t left = unary_expr(p);
    while (left >= 0) {
        rj_sql92_token_kind_t k = peek_kind(p, 0);
        if (p->rc != 0) {
            return -1;
        }
        if (k == TK_GT || k == TK_GE || k == TK_LT || k == TK_LE) {
            consume(p);
            int32_t r = unary_expr(p);
            rj_sql92_node_kind_t kind =
                k == TK_GT ? N_GT : (k == TK_GE ? N_GE : (k == TK_LT ? N_LT : N_LE));
            left = ordered(p, kind, left, r);
        } else if (k == TK_BETWEEN) {
            consume(p);
            int32_t low = unary_expr(p);
            int32_t high = low >= 0 && expect(p, TK_AND) ? unary_expr(p) : -1;
            left = between(p, left, low, high);
        } else if (k == TK_NOT && peek_kind(p, 1) == TK_BETWEEN) {
            consume(p);
            consume(p);
            int32_t low = unary_expr(p);
            int32_t high = low >= 0 && expect(p, TK_AND) ? unary_expr(p) : -1;
            if (high < 0) {
                return -1;
            }
            int32_t lt = ordered(p, N_LT, left, low);
            int32_t gt = ordered(p, N_GT, left, high);
            left = pair(p, N_OR, lt, gt);
        } else if (k == TK_IN) {
            consume(p);
            left = in_list(p, left, false);
        } else if (k == TK_NOT && peek_kind(p, 1) == TK_IN) {
            consume(p);
            consume(p);
            left = in_list(p, left, true);
        } else if (k == TK_NOT) {
            if (p->rc == 0) {
                unexpected(p, peek(p, 1));
            }
            return -1;
        } else {
            break;
        }
    }
    return p->rc == 0 ? left : -1;
}

static int32_t
equality_expression(parser_t *p)
{
    int32_t left = comparison_expression(p);
    while (left >= 0) {
        rj_sql92_token_kind_t k = peek_kind(p, 0);
        if (k == TK_EQ) {
            consume(p);
            left = equal(p, left, comparison_expression(p));
        } else if (k == TK_NE) {
            consume(p);
            left = not_of(p, equal(p, left, comparison_expression(p)));
        } else if (k == TK_IS && peek_kind(p, 1) == TK_NULL) {
            consume(p);
            consume(p);
            left = is_null(p, left);
        } else if (k == TK_IS) {
            consume(p);
            if (!expect(p, TK_NOT) || !expect(p, TK_NULL)) {
                return -1;
            }
            left = not_of(p, is_null(p, left));
        } else {
            break;
        }
    }
    return p->rc == 0 ? left : -1;
}

/* A chain of `op`-separated operands into one n-ary node. */
static int32_t
chain(parser_t *p, rj_sql92_token_kind_t op, rj_sql92_node_kind_t kind,
      int32_t (*operand)(parser_t *))
{
    int32_t first = operand(p);
    if (first < 0 || peek_kind(p, 0) != op) {
        return p->rc == 0 ? first : -1;
    }
    int32_t stack_items[16];
    int32_t *items = stack_items, cap = 16, count = 0;
    items[count++] = first;
    int32_t result = -1;
    while (p->rc == 0 && peek_kind(p, 0) == op) {
        consume(p);
        int32_t next = operand(p);
        if (next < 0) {
            break;
        }
        if (count == cap) {
            int32_t *bigger = rj_malloc((size_t)cap * 2 * sizeof(int32_t));
            if (bigger == NULL) {
                fail(p, RJ_ENOMEM, "out of memory");
                break;
            }
            memcpy(bigger, items, (size_t)count * sizeof(int32_t));
            if (items != stack_items) {
                rj_free(items);
            }
            items = bigger;
            cap *= 2;
        }
        items[count++] = next;
    }
    /* asBooleanExpression of each operand, as Java's createOR/createAND do pair by pair. */
    for (int32_t i = 0; i < count && p->rc == 0; i++) {
        items[i] = as_boolean(p, items[i]);
    }
    if (p->rc == 0) {
        result = logic(p, kind, items, count);
    }
    if (items != stack_items) {
        rj_free(items);
    }
    return p->rc == 0 ? result : -1;
}

static int32_t
and_expression(parser_t *p)
{
    return chain(p, TK_AND, N_AND, equality_expression);
}

static int32_t
or_expression(parser_t *p)
{
    return chain(p, TK_OR, N_OR, and_expression);
}

/* ---- public -------------------------------------------------------------------------- */

static void
free_expr(rj_sql92_t *e)
{
    for (int32_t i = 0; i < e->nowned; i++) {
        rj_free(e->owned[i]);
    }
    rj_free(e->owned);
    rj_free(e->strings);
    rj_free(e->kids);
    rj_free(e->nodes);
    rj_free(e->text);
    rj_free(e);
}

int
rj_sql92_compile(rj_bytes_t expr, rj_sql92_t **out, char *err, size_t err_size)
{
    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    parser_t p = {.src = expr, .err = err, .err_size = err_size};
    if (expr.len > RJ_SQL92_MAX_LEN) {
        fail(&p, RJ_EINVAL, "the expression is longer than %d bytes", RJ_SQL92_MAX_LEN);
        return p.rc;
    }
    p.e = rj_calloc(1, sizeof(*p.e));
    if (p.e == NULL || (p.e->text = rj_bytes_dup(expr)) == NULL) {
        rj_free(p.e);
        return RJ_ENOMEM;
    }
    atomic_init(&p.e->refs, 1);
    int32_t root = as_boolean(&p, or_expression(&p));
    if (p.rc == 0 && root < 0) {
        fail(&p, RJ_EINVAL, "empty expression");
    }
    if (p.rc != 0) {
        free_expr(p.e);
        return p.rc;
    }
    p.e->root = root;
    *out = p.e;
    return 0;
}

void
rj_sql92_retain(rj_sql92_t *e)
{
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

void
rj_sql92_release(rj_sql92_t *e)
{
    if (e != NULL && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1) {
        free_expr(e);
    }
}

const char *
rj_sql92_text(const rj_sql92_t *e)
{
    return e->text;
}
