/*
 * Fuzz target of the SQL92 filter (src/broker/sql92_*.c): compiler and
 * evaluator.
 *
 * Input: the expression, then optionally a NUL byte and a message
 * properties string ("k\x01v\x02..."). Whatever compiles is evaluated against
 * the properties twice (the result must be stable and in range, and the
 * match helper must agree), then compiled again from its own text.
 */
#include "broker/sql92.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
lookup(void *ctx, rj_bytes_t name, rj_bytes_t *value)
{
    /* Same lookup as the broker's, written out so the fuzzer also varies it. */
    const rj_bytes_t *props = ctx;
    bool found = false;
    size_t i = 0;
    while (i < props->len) {
        size_t end = i;
        while (end < props->len && props->data[end] != 2) {
            end++;
        }
        const uint8_t *sep = memchr(props->data + i, 1, end - i);
        if (sep != NULL) {
            size_t klen = (size_t)(sep - (props->data + i));
            if (klen == name.len && klen > 0 && memcmp(props->data + i, name.data, klen) == 0) {
                *value = rj_bytes(sep + 1, (size_t)(props->data + end - (sep + 1)));
                found = value->len > 0;
            }
        }
        i = end + 1;
    }
    return found;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t expr_len = nul ? (size_t)(nul - data) : size;
    rj_bytes_t expr = rj_bytes(data, expr_len);
    rj_bytes_t props = nul ? rj_bytes(nul + 1, size - expr_len - 1) : RJ_BYTES_NULL;
    rj_sql92_t *e = NULL;
    char err[256];
    int rc = rj_sql92_compile(expr, &e, err, sizeof(err));
    if (rc != 0) {
        if (e != NULL || err[0] == '\0') {
            abort();
        }
        return 0;
    }
    rj_sql92_result_t r1 = rj_sql92_evaluate(e, lookup, &props);
    rj_sql92_result_t r2 = rj_sql92_evaluate(e, lookup, &props);
    if (r1 != r2 || (unsigned)r1 > RJ_SQL92_ERROR) {
        abort();
    }
    (void)rj_sql92_match_properties(e, props);
    /* The kept text compiles again to an expression that behaves the same. */
    rj_sql92_t *again = NULL;
    if (rj_sql92_compile(rj_bytes_from_cstr(rj_sql92_text(e)), &again, NULL, 0) != 0) {
        /* Only possible when the text held a NUL, which the input split removed. */
        abort();
    }
    if (rj_sql92_evaluate(again, lookup, &props) != r1) {
        abort();
    }
    rj_sql92_release(again);
    rj_sql92_release(e);
    return 0;
}
