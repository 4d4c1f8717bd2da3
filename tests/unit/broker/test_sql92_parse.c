#include "broker/sql92_internal.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static void
expect_ok(const char *src)
{
    rj_sql92_t *e = NULL;
    char err[256];
    int rc = rj_sql92_compile(rj_bytes_from_cstr(src), &e, err, sizeof(err));
    if (rc != 0) {
        fail_msg("'%s' should compile: %s", src, err);
    }
    assert_string_equal(rj_sql92_text(e), src);
    rj_sql92_release(e);
}

static void
expect_error(const char *src, const char *reason_part)
{
    rj_sql92_t *e = NULL;
    char err[256];
    int rc = rj_sql92_compile(rj_bytes_from_cstr(src), &e, err, sizeof(err));
    if (rc != RJ_EINVAL) {
        fail_msg("'%s' should not compile (rc %d)", src, rc);
    }
    assert_null(e);
    assert_non_null(strstr(err, "Invalid MessageSelector. "));
    if (reason_part != NULL && strstr(err, reason_part) == NULL) {
        fail_msg("'%s': message '%s' lacks '%s'", src, err, reason_part);
    }
}

static void
test_the_grammar_of_rocketmq(void **state)
{
    (void)state;
    const char *ok[] = {
        "a = 1",
        "a > 1 AND b < 2",
        "a >= 1 OR b <= 2 OR c <> 'x'",
        "a BETWEEN 1 AND 3",
        "a NOT BETWEEN 1.5 AND 3",
        "a BETWEEN -5 AND -10", /* negations are no constants: no bound check */
        "a IN ('x', 'y')",
        "a NOT IN ('x')",
        "(a) IN ('x')",
        "a IS NULL",
        "a IS NOT NULL",
        "a = TRUE",
        "a <> FALSE",
        "NOT a",
        "a",
        "(a)",
        "NOT (a > 1 AND b IS NULL)",
        "a = -5",
        "+a = 1",
        "- - a = 1",
        "-a > 1",
        "TRUE",
        "FALSE",
        "NULL",
        "1 = TRUE", /* a number may be compared with a boolean literal (not the other way) */
        "a = 1.5",
        "a > 1e3",
        "a = 9223372036854775807",
        "a = 2147483648",
        "a = 12L",
        "a = 'it''s'",
        "a and b or not c",
        "a = b",
        "(a > 1) = TRUE",
        "'true' = (a > 1)",
        "TAGS = 'TagA' AND KEYS IS NOT NULL",
        "a = 1 b", /* the parser stops after the expression */
        "a = 1 )", /* likewise */
        "a = 1 -- comment\n",
        "/* c */ a = 1",
        "a BETWEEN 1 AND 1",
        "a BETWEEN 1 AND 1.5",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        expect_ok(ok[i]);
    }
}

static void
test_what_rocketmq_refuses(void **state)
{
    (void)state;
    expect_error("", "<EOF>");
    expect_error("   ", "<EOF>");
    expect_error("5", "will not result in a boolean value");
    expect_error("'x'", "will not result in a boolean value");
    expect_error("-a", "will not result in a boolean value");
    expect_error("a AND 5", "will not result in a boolean value");
    expect_error("NOT 5", "will not result in a boolean value");
    expect_error("a = NULL", "'NULL' cannot be compared");
    expect_error("NULL = a", "'NULL' cannot be compared");
    expect_error("a <> NULL", "'NULL' cannot be compared");
    expect_error("TRUE = 1", "cannot be compared with");
    expect_error("a > 'x'", "cannot be compared");
    expect_error("a > TRUE", "cannot be compared");
    expect_error("a < NULL", "cannot be compared");
    expect_error("(a > 1) > 2", "cannot be compared");
    expect_error("a BETWEEN 3 AND 1", "must less than or equal");
    expect_error("a BETWEEN NULL AND 1", "can not be null");
    expect_error("a BETWEEN 'a' AND 'b'", "cannot be compared");
    expect_error("a BETWEEN 1 AND 'x'", "Illegal values of between");
    expect_error("a NOT BETWEEN 'a' AND 'b'", "cannot be compared");
    expect_error("'x' IN ('x')", "Expected a property");
    expect_error("5 IN ('a')", "Expected a property");
    expect_error("a IN ()", "Encountered");
    expect_error("a IN (1)", "Encountered");
    expect_error("a IN ('x',)", "Encountered");
    expect_error("a = 1 NOT b", "Encountered");
    expect_error("a IS 5", "Encountered");
    expect_error("a IS NOT 5", "Encountered");
    expect_error("a = 9223372036854775808", "long range");
    expect_error("a = 0.0", "less than");
    expect_error("a = 1e-400", "less than");
    expect_error("a = 1e400", "greater than");
    expect_error("a = 1 #", "Lexical error");
    expect_error("a = 'x", "Lexical error");
    expect_error("a = 1 /* x", "Lexical error");
    expect_error("a != 1", "Lexical error");
    expect_error("a = ", "<EOF>");
    expect_error("(a = 1", "<EOF>");
    expect_error("a = 1 AND", "<EOF>");
    expect_error("a BETWEEN 1", "<EOF>");
    expect_error("+", "<EOF>");
    expect_error("()", "Encountered");
}

static void
test_nesting_is_bounded_but_chains_are_not(void **state)
{
    (void)state;
    char buf[8192];
    /* 150 nested parentheses compile, 300 do not. */
    size_t n = 0;
    for (int i = 0; i < 150; i++) {
        buf[n++] = '(';
    }
    n += (size_t)snprintf(buf + n, sizeof(buf) - n, "a = 1");
    for (int i = 0; i < 150; i++) {
        buf[n++] = ')';
    }
    buf[n] = '\0';
    expect_ok(buf);
    n = 0;
    for (int i = 0; i < 300; i++) {
        buf[n++] = '(';
    }
    snprintf(buf + n, sizeof(buf) - n, "a = 1");
    expect_error(buf, "nested too deeply");
    n = 0;
    for (int i = 0; i < 300; i++) {
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "NOT ");
    }
    snprintf(buf + n, sizeof(buf) - n, "a");
    expect_error(buf, "nested too deeply");
    /* A long OR chain is one node. */
    n = (size_t)snprintf(buf, sizeof(buf), "a = 0");
    for (int i = 1; i < 500; i++) {
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, " OR a = %d", i);
    }
    rj_sql92_t *e;
    assert_int_equal(rj_sql92_compile(rj_bytes(buf, n), &e, NULL, 0), 0);
    assert_int_equal(e->nodes[e->root].kind, N_OR);
    assert_int_equal(e->nodes[e->root].b, 500);
    assert_true(e->nodes[e->root].depth <= 3);
    rj_sql92_release(e);
}

static void
test_literals_and_structure(void **state)
{
    (void)state;
    rj_sql92_t *e;
    assert_int_equal(rj_sql92_compile(RJ_BYTES_LIT("x = 2147483648 AND y = 7 AND z = 'a''b' AND "
                                                   "w IN ('q', 'c', 'b')"),
                                      &e, NULL, 0),
                     0);
    const rj_sql92_node_t *root = &e->nodes[e->root];
    assert_int_equal(root->kind, N_AND);
    assert_int_equal(root->b, 4);
    const rj_sql92_node_t *eq = &e->nodes[e->kids[root->a]];
    assert_int_equal(eq->kind, N_EQ);
    assert_int_equal(e->nodes[eq->a].kind, N_PROP);
    assert_int_equal(e->nodes[eq->b].v.type, V_LONG);
    eq = &e->nodes[e->kids[root->a + 1]];
    assert_int_equal(e->nodes[eq->b].v.type, V_INT);
    assert_int_equal(e->nodes[eq->b].v.u.i, 7);
    eq = &e->nodes[e->kids[root->a + 2]];
    assert_true(rj_bytes_eq_cstr(e->nodes[eq->b].v.u.s, "a'b"));
    const rj_sql92_node_t *in = &e->nodes[e->kids[root->a + 3]];
    assert_int_equal(in->kind, N_IN);
    assert_int_equal(in->b, 3);
    /* Sorted for the lookup. */
    assert_true(rj_bytes_eq_cstr(e->strings[in->v.u.i], "b"));
    assert_true(rj_bytes_eq_cstr(e->strings[in->v.u.i + 2], "q"));
    rj_sql92_retain(e);
    rj_sql92_release(e);
    rj_sql92_release(e);
    rj_sql92_release(NULL);
}

static void
test_oversized_expression_is_refused(void **state)
{
    (void)state;
    size_t len = RJ_SQL92_MAX_LEN + 1;
    char *big = rj_malloc(len);
    memset(big, ' ', len);
    big[0] = 'a';
    rj_sql92_t *e = NULL;
    char err[128];
    assert_int_equal(rj_sql92_compile(rj_bytes(big, len), &e, err, sizeof(err)), RJ_EINVAL);
    assert_null(e);
    rj_free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_grammar_of_rocketmq),
        cmocka_unit_test(test_what_rocketmq_refuses),
        cmocka_unit_test(test_nesting_is_bounded_but_chains_are_not),
        cmocka_unit_test(test_literals_and_structure),
        cmocka_unit_test(test_oversized_expression_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
