/*
 * RocketMQ's SQL92 message filter (the `filter` module of 4.9.8: the JavaCC
 * SelectorParser and the ActiveMQ-derived expression classes, features.md
 * §4): an expression over message properties such as
 *
 *     a > 5 AND b IN ('x', 'y') AND (c IS NULL OR c BETWEEN 1.5 AND 3)
 *
 * compiled once and evaluated against each message's property string.
 *
 * Java's semantics are kept where a client can see them: keywords and
 * identifiers are case-insensitive; parsing stops after the first complete
 * expression (trailing tokens are ignored as JavaCC's grammar ignores them,
 * unless the one token the parser looks at is not a token at all); the
 * compile-time checks of ComparisonExpression (what may be compared with
 * what, BETWEEN bounds); property values are strings converted on demand
 * (Integer/Long/Double/Boolean.valueOf) with an unknown property being NULL;
 * three-valued AND/OR/NOT; and a comparison that cannot be made (a string
 * that is no number compared with a number) fails the whole evaluation,
 * which the broker then treats as "no match".
 *
 * Compiled expressions are immutable and reference counted: the filter
 * tables hold one and pulls (possibly parked) retain it while they use it.
 * Evaluation never allocates (except for a Double.valueOf of a property
 * value longer than 1 KiB) and needs stack proportional to the nesting
 * depth, which compilation bounds.
 *
 * Thread: any; retain/release are atomic.
 */
#ifndef RJ_BROKER_SQL92_H
#define RJ_BROKER_SQL92_H

#include "common/bytes.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct rj_sql92 rj_sql92_t;

/* Longest expression accepted (bytes). */
#define RJ_SQL92_MAX_LEN 65536

/*
 * Compiles `expr`. Returns 0 with a new expression (one reference) in *out,
 * RJ_EINVAL for an expression RocketMQ would refuse (the reason, Java-like,
 * in `err`, which may be NULL), or RJ_ENOMEM.
 */
int rj_sql92_compile(rj_bytes_t expr, rj_sql92_t **out, char *err, size_t err_size);

void rj_sql92_retain(rj_sql92_t *e);
/* NULL is a no-op. */
void rj_sql92_release(rj_sql92_t *e);

/* The source text of a compiled expression (NUL-terminated). */
const char *rj_sql92_text(const rj_sql92_t *e);

/* Outcome of an evaluation (Java: Boolean.TRUE, Boolean.FALSE, null, an exception). */
typedef enum {
    RJ_SQL92_FALSE = 0,
    RJ_SQL92_TRUE = 1,
    RJ_SQL92_NULL = 2,
    RJ_SQL92_ERROR = 3,
} rj_sql92_result_t;

/* Looks a property up: true with its value, false when the message has none. */
typedef bool (*rj_sql92_lookup_cb)(void *ctx, rj_bytes_t name, rj_bytes_t *value);

rj_sql92_result_t rj_sql92_evaluate(const rj_sql92_t *e, rj_sql92_lookup_cb lookup, void *ctx);

/*
 * ExpressionMessageFilter.isMatchedByCommitLog: true iff the expression is
 * TRUE for a message whose properties string (requests.md §B1) is `props`.
 */
bool rj_sql92_match_properties(const rj_sql92_t *e, rj_bytes_t props);

#endif
