/*
 * Evaluation of compiled SQL92 filters with the semantics of RocketMQ
 * 4.9.8's expression classes: property values are strings; comparisons
 * convert between Integer, Long, Double, Boolean and String as
 * ComparisonExpression.__compare does (including where it throws); NULL
 * propagates as in SQL's three-valued logic; AND/OR stop as soon as their
 * result is known. An "exception" is RJ_SQL92_ERROR and means no match.
 *
 * Values are views: property values point into the message's properties
 * (the mapped record on the pull path) and literals into the expression, so
 * an evaluation allocates nothing.
 */
#include "broker/sql92_internal.h"

#include "common/alloc.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DOUBLE_ON_STACK 1024

/* ---- Java number parsing -------------------------------------------------------- */

static bool
is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static size_t
run(const uint8_t *s, size_t n, size_t i, bool hex)
{
    size_t k = 0;
    while (i + k < n && (hex ? is_hex(s[i + k]) : (s[i + k] >= '0' && s[i + k] <= '9'))) {
        k++;
    }
    return k;
}

/*
 * FloatingDecimal.readJavaFormatString's grammar. Returns the length of the
 * numeric part (without a trailing f/F/d/D) when the whole text is one
 * number, else 0.
 */
static size_t
java_double_syntax(const uint8_t *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        i++;
    }
    if (n - i == 3 && memcmp(s + i, "NaN", 3) == 0) {
        return n;
    }
    if (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0) {
        return n;
    }
    bool hex = n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
    if (hex) {
        i += 2;
    }
    size_t whole = run(s, n, i, hex);
    i += whole;
    size_t frac = 0;
    if (i < n && s[i] == '.') {
        i++;
        frac = run(s, n, i, hex);
        i += frac;
    }
    if (whole + frac == 0) {
        return 0;
    }
    bool exp_needed = hex;
    if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        size_t e = run(s, n, i, false);
        if (e == 0) {
            return 0;
        }
        i += e;
        exp_needed = false;
    }
    if (exp_needed) {
        return 0;
    }
    size_t end = i;
    if (i < n && (s[i] == 'f' || s[i] == 'F' || s[i] == 'd' || s[i] == 'D')) {
        i++;
    }
    return i == n ? end : 0;
}

int
rj_sql92_parse_java_double(rj_bytes_t text, double *out)
{
    /* String.trim(): every char up to U+0020 goes. */
    const uint8_t *s = text.data;
    size_t n = text.len;
    while (n > 0 && s[0] <= ' ') {
        s++;
        n--;
    }
    while (n > 0 && s[n - 1] <= ' ') {
        n--;
    }
    size_t len = n > 0 ? java_double_syntax(s, n) : 0;
    if (len == 0) {
        return RJ_EINVAL;
    }
    char stack[DOUBLE_ON_STACK];
    char *buf = len < sizeof(stack) ? stack : rj_malloc(len + 1);
    if (buf == NULL) {
        return RJ_ENOMEM;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    const char *p = buf + (buf[0] == '+' || buf[0] == '-');
    double v;
    if (strcmp(p, "NaN") == 0) {
        v = NAN;
    } else if (strcmp(p, "Infinity") == 0) {
        v = buf[0] == '-' ? -INFINITY : INFINITY;
    } else {
        char *end;
        v = strtod(buf, &end);
        if (*end != '\0') {
            v = 0; /* cannot happen after the syntax check */
        }
    }
    if (buf != stack) {
        rj_free(buf);
    }
    *out = v;
    return 0;
}

/* ---- comparison ------------------------------------------------------------------ */

static int
sign_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* Double.compare. */
static int
double_compare(double a, double b)
{
    if (a < b) {
        return -1;
    }
    if (a > b) {
        return 1;
    }
    /* Equal, NaN or signed zeros: doubleToLongBits order (NaN largest, -0.0 < 0.0). */
    bool an = isnan(a), bn = isnan(b);
    if (an || bn) {
        return an == bn ? 0 : (an ? 1 : -1);
    }
    bool as = signbit(a) != 0, bs = signbit(b) != 0;
    return as == bs ? 0 : (as ? -1 : 1);
}

static int
bytes_compare(rj_bytes_t a, rj_bytes_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.data, b.data, n) : 0;
    return c != 0 ? (c < 0 ? -1 : 1) : (a.len > b.len) - (a.len < b.len);
}

static bool
java_bool_of(rj_bytes_t s)
{
    return rj_bytes_parse_java_bool(s);
}

/* Converts a string operand to `type` (Integer/Long/Double/Boolean.valueOf). */
static int
convert_string(rj_bytes_t s, rj_sql92_vtype_t type, rj_sql92_value_t *out)
{
    out->type = type;
    switch (type) {
    case V_BOOL:
        out->u.b = java_bool_of(s);
        return 0;
    case V_INT:
        return rj_bytes_parse_i32(s, &out->u.i) == 0 ? 0 : RJ_EINVAL;
    case V_LONG:
        return rj_bytes_parse_i64(s, &out->u.l) == 0 ? 0 : RJ_EINVAL;
    case V_DOUBLE:
        return rj_sql92_parse_java_double(s, &out->u.d);
    default:
        return RJ_EINVAL;
    }
}

int
rj_sql92_compare(const rj_sql92_value_t *lv0, const rj_sql92_value_t *rv0, int *cmp)
{
    rj_sql92_value_t lv = *lv0, rv = *rv0;
    if (lv.type != rv.type) {
        switch (lv.type) {
        case V_BOOL:
            /* Java casts the Boolean to String here and throws. */
            if (rv.type == V_STRING) {
                return RJ_EINVAL;
            }
            *cmp = -1;
            return 0;
        case V_INT:
            if (rv.type == V_LONG) {
                lv.type = V_LONG;
                lv.u.l = lv0->u.i;
            } else if (rv.type == V_DOUBLE) {
                lv.type = V_DOUBLE;
                lv.u.d = lv0->u.i;
            } else if (rv.type == V_STRING) {
                if (convert_string(rv0->u.s, V_INT, &rv) != 0) {
                    return RJ_EINVAL;
                }
            } else {
                *cmp = -1;
                return 0;
            }
            break;
        case V_LONG:
            if (rv.type == V_INT) {
                rv.type = V_LONG;
                rv.u.l = rv0->u.i;
            } else if (rv.type == V_DOUBLE) {
                lv.type = V_DOUBLE;
                lv.u.d = (double)lv0->u.l;
            } else if (rv.type == V_STRING) {
                if (convert_string(rv0->u.s, V_LONG, &rv) != 0) {
                    return RJ_EINVAL;
                }
            } else {
                *cmp = -1;
                return 0;
            }
            break;
        case V_DOUBLE:
            if (rv.type == V_INT) {
                rv.type = V_DOUBLE;
                rv.u.d = rv0->u.i;
            } else if (rv.type == V_LONG) {
                rv.type = V_DOUBLE;
                rv.u.d = (double)rv0->u.l;
            } else if (rv.type == V_STRING) {
                if (convert_string(rv0->u.s, V_DOUBLE, &rv) != 0) {
                    return RJ_EINVAL;
                }
            } else {
                *cmp = -1;
                return 0;
            }
            break;
        case V_STRING:
            if (rv.type == V_NULL || convert_string(lv0->u.s, rv.type, &lv) != 0) {
                return RJ_EINVAL;
            }
            break;
        default:
            *cmp = -1;
            return 0;
        }
    }
    switch (lv.type) {
    case V_BOOL:
        *cmp = lv.u.b == rv.u.b ? 0 : (lv.u.b ? 1 : -1);
        break;
    case V_INT:
        *cmp = sign_i64(lv.u.i, rv.u.i);
        break;
    case V_LONG:
        *cmp = sign_i64(lv.u.l, rv.u.l);
        break;
    case V_DOUBLE:
        *cmp = double_compare(lv.u.d, rv.u.d);
        break;
    case V_STRING:
        *cmp = bytes_compare(lv.u.s, rv.u.s);
        break;
    default:
        return RJ_EINVAL;
    }
    return 0;
}

/* Object.equals of two non-null values. */
static bool
java_equals(const rj_sql92_value_t *a, const rj_sql92_value_t *b)
{
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case V_BOOL:
        return a->u.b == b->u.b;
    case V_INT:
        return a->u.i == b->u.i;
    case V_LONG:
        return a->u.l == b->u.l;
    case V_DOUBLE:
        return double_compare(a->u.d, b->u.d) == 0;
    case V_STRING:
        return rj_bytes_eq(a->u.s, b->u.s);
    default:
        return false;
    }
}

/* ---- evaluation ------------------------------------------------------------------ */

typedef struct {
    const rj_sql92_t *e;
    rj_sql92_lookup_cb lookup;
    void *ctx;
} eval_t;

static int eval(const eval_t *ev, int32_t idx, rj_sql92_value_t *out);

static void
set_bool(rj_sql92_value_t *out, bool b)
{
    out->type = V_BOOL;
    out->u.b = b;
}

/* A relational operator's verdict on a comparison result. */
static bool
verdict(uint8_t kind, int cmp)
{
    switch (kind) {
    case N_EQ:
        return cmp == 0;
    case N_GT:
        return cmp > 0;
    case N_GE:
        return cmp >= 0;
    case N_LT:
        return cmp < 0;
    default:
        return cmp <= 0;
    }
}

static int
eval_equal(const eval_t *ev, const rj_sql92_node_t *n, rj_sql92_value_t *out)
{
    rj_sql92_value_t lv, rv;
    int rc;
    if ((rc = eval(ev, n->a, &lv)) != 0 || (rc = eval(ev, n->b, &rv)) != 0) {
        return rc;
    }
    if ((lv.type == V_NULL) != (rv.type == V_NULL)) {
        if (lv.type == V_NULL) {
            out->type = V_NULL;
        } else {
            set_bool(out, false);
        }
        return 0;
    }
    if (lv.type == V_NULL || java_equals(&lv, &rv)) {
        set_bool(out, true);
        return 0;
    }
    int cmp;
    if (rj_sql92_compare(&lv, &rv, &cmp) != 0) {
        return RJ_EINVAL;
    }
    set_bool(out, cmp == 0);
    return 0;
}

static int
eval_ordered(const eval_t *ev, const rj_sql92_node_t *n, rj_sql92_value_t *out)
{
    rj_sql92_value_t lv, rv;
    int rc = eval(ev, n->a, &lv);
    if (rc != 0) {
        return rc;
    }
    if (lv.type == V_NULL) {
        out->type = V_NULL;
        return 0;
    }
    if ((rc = eval(ev, n->b, &rv)) != 0) {
        return rc;
    }
    if (rv.type == V_NULL) {
        out->type = V_NULL;
        return 0;
    }
    /* Two strings are compared as numbers, or the comparison is illegal. */
    if (lv.type == V_STRING && rv.type == V_STRING) {
        rj_bytes_t ls = lv.u.s, rs = rv.u.s;
        if (rj_sql92_parse_java_double(ls, &lv.u.d) != 0 ||
            rj_sql92_parse_java_double(rs, &rv.u.d) != 0) {
            return RJ_EINVAL;
        }
        lv.type = rv.type = V_DOUBLE;
    }
    int cmp;
    if (rj_sql92_compare(&lv, &rv, &cmp) != 0) {
        return RJ_EINVAL;
    }
    set_bool(out, verdict(n->kind, cmp));
    return 0;
}

/* n-ary AND (stop at FALSE) / OR (stop at TRUE); NULL when unknown. */
static int
eval_logic(const eval_t *ev, const rj_sql92_node_t *n, rj_sql92_value_t *out)
{
    bool stop_on = n->kind == N_OR;
    bool unknown = false;
    for (int32_t i = 0; i < n->b; i++) {
        rj_sql92_value_t v;
        int rc = eval(ev, ev->e->kids[n->a + i], &v);
        if (rc != 0) {
            return rc;
        }
        if (v.type == V_NULL) {
            unknown = true;
        } else if (v.u.b == stop_on) {
            set_bool(out, stop_on);
            return 0;
        }
    }
    if (unknown) {
        out->type = V_NULL;
    } else {
        set_bool(out, !stop_on);
    }
    return 0;
}

static int
eval_in(const eval_t *ev, const rj_sql92_node_t *n, rj_sql92_value_t *out)
{
    rj_sql92_value_t v;
    int rc = eval(ev, n->a, &v);
    if (rc != 0) {
        return rc;
    }
    if (v.type != V_STRING) {
        out->type = V_NULL;
        return 0;
    }
    const rj_bytes_t *list = ev->e->strings + n->v.u.i;
    int32_t lo = 0, hi = n->b - 1;
    bool found = false;
    while (lo <= hi && !found) {
        int32_t mid = lo + (hi - lo) / 2;
        int c = bytes_compare(list[mid], v.u.s);
        if (c == 0) {
            found = true;
        } else if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    set_bool(out, found != n->negated);
    return 0;
}

static int
eval(const eval_t *ev, int32_t idx, rj_sql92_value_t *out)
{
    const rj_sql92_node_t *n = &ev->e->nodes[idx];
    rj_sql92_value_t v;
    int rc;
    switch (n->kind) {
    case N_CONST:
        *out = n->v;
        return 0;
    case N_PROP:
        if (ev->lookup(ev->ctx, n->v.u.s, &out->u.s)) {
            out->type = V_STRING;
        } else {
            out->type = V_NULL;
        }
        return 0;
    case N_NEGATE:
        if ((rc = eval(ev, n->a, &v)) != 0) {
            return rc;
        }
        *out = v;
        if (v.type == V_INT) {
            out->u.i = (int32_t)(0u - (uint32_t)v.u.i); /* Java wraps */
        } else if (v.type == V_LONG) {
            out->u.l = (int64_t)(0u - (uint64_t)v.u.l);
        } else if (v.type == V_DOUBLE) {
            out->u.d = -v.u.d;
        } else {
            out->type = V_NULL;
        }
        return 0;
    case N_NOT:
        if ((rc = eval(ev, n->a, &v)) != 0) {
            return rc;
        }
        *out = v;
        if (v.type == V_BOOL) {
            out->u.b = !v.u.b;
        }
        return 0;
    case N_BOOLCAST:
        if ((rc = eval(ev, n->a, &v)) != 0) {
            return rc;
        }
        if (v.type == V_NULL || v.type == V_BOOL) {
            *out = v;
        } else {
            set_bool(out, false);
        }
        return 0;
    case N_AND:
    case N_OR:
        return eval_logic(ev, n, out);
    case N_EQ:
        return eval_equal(ev, n, out);
    case N_GT:
    case N_GE:
    case N_LT:
    case N_LE:
        return eval_ordered(ev, n, out);
    case N_IN:
        return eval_in(ev, n, out);
    default:
        return RJ_EINVAL;
    }
}

rj_sql92_result_t
rj_sql92_evaluate(const rj_sql92_t *e, rj_sql92_lookup_cb lookup, void *ctx)
{
    eval_t ev = {e, lookup, ctx};
    rj_sql92_value_t v;
    if (eval(&ev, e->root, &v) != 0) {
        return RJ_SQL92_ERROR;
    }
    if (v.type == V_NULL) {
        return RJ_SQL92_NULL;
    }
    if (v.type != V_BOOL) {
        return RJ_SQL92_ERROR; /* cannot happen: the root is a boolean expression */
    }
    return v.u.b ? RJ_SQL92_TRUE : RJ_SQL92_FALSE;
}

static bool
lookup_properties(void *ctx, rj_bytes_t name, rj_bytes_t *value)
{
    return rj_message_properties_get_n(*(const rj_bytes_t *)ctx, name, value);
}

bool
rj_sql92_match_properties(const rj_sql92_t *e, rj_bytes_t props)
{
    return rj_sql92_evaluate(e, lookup_properties, &props) == RJ_SQL92_TRUE;
}
