#include "broker/sql92_internal.h"

#include "common/message_properties.h"
#include "ramjet/status.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#define T RJ_SQL92_TRUE
#define F RJ_SQL92_FALSE
#define N RJ_SQL92_NULL
#define E RJ_SQL92_ERROR

typedef struct {
    const char *expr;
    const char *props; /* "k=v;k=v" shorthand, "" for none */
    rj_sql92_result_t want;
} case_t;

/* "a=5;b=x" -> "a\x015\x02b\x01x". */
static size_t
props_of(const char *shorthand, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = shorthand; *p != '\0' && n + 2 < size; p++) {
        out[n++] = *p == '=' ? '\001' : (*p == ';' ? '\002' : *p);
    }
    out[n] = '\0';
    return n;
}

static bool
lookup(void *ctx, rj_bytes_t key, rj_bytes_t *value)
{
    return rj_message_properties_get_n(*(rj_bytes_t *)ctx, key, value);
}

static const char *
name(rj_sql92_result_t r)
{
    static const char *const names[] = {"FALSE", "TRUE", "NULL", "ERROR"};
    return names[r];
}

static void
run_cases(const case_t *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        rj_sql92_t *e;
        char err[256];
        if (rj_sql92_compile(rj_bytes_from_cstr(cases[i].expr), &e, err, sizeof(err)) != 0) {
            fail_msg("'%s' does not compile: %s", cases[i].expr, err);
        }
        char props[512];
        size_t n = props_of(cases[i].props, props, sizeof(props));
        rj_bytes_t pb = rj_bytes(props, n);
        rj_sql92_result_t got = rj_sql92_evaluate(e, lookup, &pb);
        if (got != cases[i].want) {
            fail_msg("'%s' with {%s}: %s, expected %s", cases[i].expr, cases[i].props, name(got),
                     name(cases[i].want));
        }
        assert_int_equal(rj_sql92_match_properties(e, pb), cases[i].want == T);
        rj_sql92_release(e);
    }
}

static void
test_numbers_compared_with_property_strings(void **state)
{
    (void)state;
    static const case_t cases[] = {
        {"a = 5", "a=5", T},
        {"a = 5", "a=6", F},
        {"a = 5", "", N},
        {"a = 5", "b=5", N},
        {"a = 5", "a=abc", E}, /* Integer.valueOf("abc") throws */
        {"a = 5", "a=5.0", E}, /* so does Integer.valueOf("5.0") */
        {"a = 5", "a= 5", E},  /* no white space in parseInt */
        {"a = 5", "a=+5", T},
        {"a = 5.0", "a=5", T},   /* Double.valueOf */
        {"a = 1.0", "a= 1 ", T}, /* Double.valueOf trims */
        {"a > 3", "a=5", T},
        {"a > 3", "a=2", F},
        {"a > 3", "a=abc", E},
        {"a > 3", "", N},
        {"a >= 3", "a=3", T},
        {"a < 3", "a=-7", T},
        {"a <= 3", "a=4", F},
        {"a > 3.5", "a=4", T},
        {"a > 2147483647", "a=99999999999", E}, /* Integer constant: Integer.valueOf overflows */
        {"a > 2147483648", "a=99999999999", T}, /* Long constant */
        {"a = -2147483648", "a=-2147483648", T},
        {"a > 1.0", "a=NaN", T}, /* Double.compare puts NaN above everything */
        {"a > 1", "a=NaN", E},
        {"a > 1.0", "a=5f", T},
        {"a > 1.0", "a=0x10p0", T},
        {"a > 1.0", "a=0x10", E},
        {"a > 1.0", "a=1e", E},
        {"a > 1.0", "a=Infinity", T},
        {"a < 1.0", "a=-Infinity", T},
        {"a > b", "a=10;b=9", T}, /* two strings compare as numbers, not as text */
        {"a > b", "a=x;b=9", E},
        {"a BETWEEN 1 AND 3", "a=2", T},
        {"a BETWEEN 1 AND 3", "a=3", T},
        {"a BETWEEN 1 AND 3", "a=5", F},
        {"a BETWEEN 1 AND 3", "", N},
        {"a BETWEEN 1 AND 3", "a=q", E},
        {"a NOT BETWEEN 1 AND 3", "a=5", T},
        {"a NOT BETWEEN 1 AND 3", "a=2", F},
        {"a NOT BETWEEN 1 AND 3", "", N},
        {"-a = -5", "a=5", N}, /* a string negates to null */
        {"- 5 = -5", "", T},
        {"1 = TRUE", "", F},
        {"3000000000 = 3000000000", "", T},
        {"2 = 2.0", "", T},
        {"2 = 2L", "", T},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_strings_booleans_and_sets(void **state)
{
    (void)state;
    static const case_t cases[] = {
        {"a = 'x'", "a=x", T},
        {"a = 'x'", "a=y", F},
        {"a = 'x'", "", N},
        {"a = 'it''s'", "a=it's", T},
        {"a <> 'x'", "a=y", T},
        {"a <> 'x'", "a=x", F},
        {"a <> 'x'", "", N},
        {"a = b", "a=1.0;b=1", F}, /* string equality */
        {"a = b", "a=1;b=1", T},
        {"a = b", "b=1", N},
        {"a = b", "a=1", F},
        {"a IS NULL", "", T},
        {"a IS NULL", "a=1", F},
        {"a IS NOT NULL", "a=1", T},
        {"a IS NOT NULL", "", F},
        {"a IN ('x', 'y')", "a=y", T},
        {"a IN ('x', 'y')", "a=z", F},
        {"a IN ('x', 'y')", "", N},
        {"a NOT IN ('x')", "a=z", T},
        {"a NOT IN ('x')", "a=x", F},
        {"a NOT IN ('x')", "", N},
        {"a IN ('q','w','e','r','t','y','u')", "a=u", T},
        {"a = TRUE", "a=true", T},
        {"a = TRUE", "a=TRUE", T}, /* Boolean.valueOf ignores case */
        {"a = TRUE", "a=yes", F},
        {"a = FALSE", "a=nope", T},
        {"a", "a=true", F}, /* a property used as a condition is a string: FALSE */
        {"a", "", N},
        {"NOT a", "a=x", T},
        {"NOT a", "", N},
        {"TRUE", "", T},
        {"FALSE", "", F},
        {"NULL", "", N},
        {"NOT NULL", "", N},
        {"(a > 1) = TRUE", "a=2", T},
        {"(a > 1) = 'true'", "a=2", E}, /* Java casts the Boolean to String and fails */
        {"'true' = (a > 1)", "a=2", T},
        {"(a > 1) = 5", "a=2", F},
        {"TAGS = 'TagA'", "TAGS=TagA;KEYS=k1", T},
        {"a = '2'", "a=1;a=2", T}, /* the last duplicate wins */
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_three_valued_logic_and_short_circuits(void **state)
{
    (void)state;
    static const case_t cases[] = {
        {"a = 1 AND b = 2", "a=1;b=2", T},
        {"a = 1 AND b = 2", "a=1", N},
        {"a = 1 AND b = 2", "b=2", N},
        {"a = 1 AND b = 2", "a=2", F},
        {"a = 1 AND b = 2", "a=2;b=x", F}, /* b is never looked at */
        {"a = 1 AND b = 2", "a=1;b=x", E},
        {"a = 1 AND b = 2", "b=3", F},    /* NULL AND FALSE */
        {"a = 1 OR b = 2", "a=1;b=x", T}, /* b is never looked at */
        {"a = 1 OR b = 2", "b=2", T},
        {"a = 1 OR b = 2", "a=2", N},
        {"a = 1 OR b = 2", "a=2;b=3", F},
        {"a = 1 OR b = 2", "a=x", E},
        {"a = 1 OR b = 2 OR c = 3", "c=3", T},
        {"a = 1 OR b = 2 OR c = 3", "a=0;b=0;c=0", F},
        {"NOT (a = 1 OR b = 2)", "a=2;b=3", T},
        {"NOT (a = 1 OR b = 2)", "a=2", N},
        {"a = 1 OR b = 2 AND c = 3", "a=1", T},
        {"(a = 1 OR b = 2) AND c = 3", "a=1", N},
        {"a > 1 AND a < 10 AND TAGS IN ('A', 'B')", "a=5;TAGS=B", T},
        {"a > 1 AND a < 10 AND TAGS IN ('A', 'B')", "a=5;TAGS=C", F},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
test_java_double_parsing(void **state)
{
    (void)state;
    double d;
    const struct {
        const char *text;
        double want;
    } ok[] = {
        {"1", 1},       {"-1.5", -1.5}, {"+2e3", 2000},  {" 7 ", 7},    {".5", 0.5},
        {"5.", 5},      {"1.5f", 1.5},  {"2D", 2},       {"0x1p4", 16}, {"0X.8P1", 1},
        {"1e-2", 0.01}, {"\t3\n", 3},   {"0x1.8p1d", 3},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (rj_sql92_parse_java_double(rj_bytes_from_cstr(ok[i].text), &d) != 0 ||
            d != ok[i].want) {
            fail_msg("'%s' parsed wrong", ok[i].text);
        }
    }
    assert_int_equal(rj_sql92_parse_java_double(RJ_BYTES_LIT("NaN"), &d), 0);
    assert_true(isnan(d));
    assert_int_equal(rj_sql92_parse_java_double(RJ_BYTES_LIT("-Infinity"), &d), 0);
    assert_true(isinf(d) && d < 0);
    const char *bad[] = {"",    " ",   "abc", "1e", "0x10", "1.5ff", "nan", "inf",
                         "1,5", "--1", ".",   "e5", "1 2",  "0x",    "1e+", "Infinityx"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (rj_sql92_parse_java_double(rj_bytes_from_cstr(bad[i]), &d) == 0) {
            fail_msg("'%s' should not parse", bad[i]);
        }
    }
    /* Long texts are parsed too (off the stack buffer). */
    char longnum[3000];
    memset(longnum, '0', sizeof(longnum));
    longnum[0] = '0';
    longnum[1] = '.';
    longnum[2] = '5';
    longnum[sizeof(longnum) - 2] = '1';
    longnum[sizeof(longnum) - 1] = '\0';
    assert_int_equal(rj_sql92_parse_java_double(rj_bytes_from_cstr(longnum), &d), 0);
    assert_true(d == 0.5);
}

static void
test_compare_follows_java_conversions(void **state)
{
    (void)state;
    rj_sql92_value_t i5 = {.type = V_INT, .u.i = 5}, l5 = {.type = V_LONG, .u.l = 5},
                     d5 = {.type = V_DOUBLE, .u.d = 5.0},
                     s5 = {.type = V_STRING, .u.s = RJ_BYTES_LIT("5")},
                     bt = {.type = V_BOOL, .u.b = true},
                     st = {.type = V_STRING, .u.s = RJ_BYTES_LIT("TRUE")};
    int c;
    assert_int_equal(rj_sql92_compare(&i5, &l5, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rj_sql92_compare(&l5, &d5, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rj_sql92_compare(&d5, &s5, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rj_sql92_compare(&s5, &i5, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rj_sql92_compare(&st, &bt, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(rj_sql92_compare(&bt, &st, &c), RJ_EINVAL);
    assert_int_equal(rj_sql92_compare(&bt, &i5, &c), 0);
    assert_int_equal(c, -1);
    assert_int_equal(rj_sql92_compare(&i5, &bt, &c), 0);
    assert_int_equal(c, -1);
    rj_sql92_value_t nz = {.type = V_DOUBLE, .u.d = -0.0}, pz = {.type = V_DOUBLE, .u.d = 0.0};
    assert_int_equal(rj_sql92_compare(&nz, &pz, &c), 0);
    assert_int_equal(c, -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_compared_with_property_strings),
        cmocka_unit_test(test_strings_booleans_and_sets),
        cmocka_unit_test(test_three_valued_logic_and_short_circuits),
        cmocka_unit_test(test_java_double_parsing),
        cmocka_unit_test(test_compare_follows_java_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
