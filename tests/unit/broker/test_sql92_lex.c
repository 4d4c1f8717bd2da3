#include "broker/sql92_internal.h"

#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Lexes `src` into kinds (terminated by TK_EOF) and the text of each token. */
static int
lex_all(const char *src, rj_sql92_token_kind_t *kinds, char texts[][32], int cap)
{
    rj_bytes_t s = rj_bytes_from_cstr(src);
    size_t pos = 0;
    for (int n = 0; n < cap; n++) {
        rj_sql92_token_t t;
        if (rj_sql92_lex_next(s, &pos, &t) != 0) {
            return -1 - n;
        }
        kinds[n] = t.kind;
        snprintf(texts[n], 32, "%.*s", (int)t.len, src + t.start);
        if (t.kind == TK_EOF) {
            return n;
        }
    }
    return cap;
}

static void
expect_tokens(const char *src, const rj_sql92_token_kind_t *want, const char *const *texts)
{
    rj_sql92_token_kind_t kinds[32];
    char got[32][32];
    int n = lex_all(src, kinds, got, 32);
    int w = 0;
    while (want[w] != TK_EOF) {
        w++;
    }
    if (n != w) {
        fail_msg("'%s': %d tokens, expected %d", src, n, w);
    }
    for (int i = 0; i < n; i++) {
        if (kinds[i] != want[i]) {
            fail_msg("'%s' token %d: %s, expected %s", src, i, rj_sql92_token_name(kinds[i]),
                     rj_sql92_token_name(want[i]));
        }
        if (texts != NULL) {
            assert_string_equal(got[i], texts[i]);
        }
    }
}

static void
test_keywords_ignore_case_and_lose_to_longer_ids(void **state)
{
    (void)state;
    expect_tokens("and Or NOT between In true FALSE null Is",
                  (rj_sql92_token_kind_t[]){TK_AND, TK_OR, TK_NOT, TK_BETWEEN, TK_IN, TK_TRUE,
                                            TK_FALSE, TK_NULL, TK_IS, TK_EOF},
                  NULL);
    expect_tokens("ANDROID _x $y9 a_b Nulls",
                  (rj_sql92_token_kind_t[]){TK_ID, TK_ID, TK_ID, TK_ID, TK_ID, TK_EOF},
                  (const char *const[]){"ANDROID", "_x", "$y9", "a_b", "Nulls"});
}

static void
test_numbers_take_the_longest_match(void **state)
{
    (void)state;
    expect_tokens(
        "0 12 12L 7l 1.5 1. .5 1e3 1E+3 2.5e-2",
        (rj_sql92_token_kind_t[]){TK_DECIMAL, TK_DECIMAL, TK_DECIMAL, TK_DECIMAL, TK_FLOAT,
                                  TK_FLOAT, TK_FLOAT, TK_FLOAT, TK_FLOAT, TK_FLOAT, TK_EOF},
        (const char *const[]){"0", "12", "12L", "7l", "1.5", "1.", ".5", "1e3", "1E+3", "2.5e-2"});
    /* "0" takes no suffix and no second digit; an exponent needs digits. */
    expect_tokens("0L 05 1e 1.5.3 05.5",
                  (rj_sql92_token_kind_t[]){TK_DECIMAL, TK_ID, TK_DECIMAL, TK_DECIMAL, TK_DECIMAL,
                                            TK_ID, TK_FLOAT, TK_FLOAT, TK_FLOAT, TK_EOF},
                  (const char *const[]){"0", "L", "0", "5", "1", "e", "1.5", ".3", "05.5"});
}

static void
test_strings_operators_and_comments(void **state)
{
    (void)state;
    expect_tokens("'a''b' '' 'x y'",
                  (rj_sql92_token_kind_t[]){TK_STRING, TK_STRING, TK_STRING, TK_EOF},
                  (const char *const[]){"'a''b'", "''", "'x y'"});
    expect_tokens("=<> <= >= < > ( , ) + -",
                  (rj_sql92_token_kind_t[]){TK_EQ, TK_NE, TK_LE, TK_GE, TK_LT, TK_GT, TK_LPAREN,
                                            TK_COMMA, TK_RPAREN, TK_PLUS, TK_MINUS, TK_EOF},
                  NULL);
    expect_tokens("a -- comment\nb /* block * / */ c\r\n\t\fd",
                  (rj_sql92_token_kind_t[]){TK_ID, TK_ID, TK_ID, TK_ID, TK_EOF},
                  (const char *const[]){"a", "b", "c", "d"});
    /* A line comment without its line end is two minus signs. */
    expect_tokens("a --x", (rj_sql92_token_kind_t[]){TK_ID, TK_MINUS, TK_MINUS, TK_ID, TK_EOF},
                  NULL);
    expect_tokens("", (rj_sql92_token_kind_t[]){TK_EOF}, NULL);
    expect_tokens(" -- only\n", (rj_sql92_token_kind_t[]){TK_EOF}, NULL);
}

static void
test_text_that_is_no_token(void **state)
{
    (void)state;
    rj_sql92_token_kind_t kinds[8];
    char texts[8][32];
    assert_int_equal(lex_all("a != 1", kinds, texts, 8), -2);
    assert_int_equal(lex_all("a = 'open", kinds, texts, 8), -3);
    assert_int_equal(lex_all("a /* never closed", kinds, texts, 8), -2);
    assert_int_equal(lex_all("a = .", kinds, texts, 8), -3);
    assert_int_equal(lex_all("\xc3\xa9t\xc3\xa9", kinds, texts, 8), -1);
    assert_int_equal(lex_all("a # b", kinds, texts, 8), -2);
    /* Inside strings anything goes. */
    assert_int_equal(lex_all("'\xc3\xa9 # != /*'", kinds, texts, 8), 1);
    /* The error position is the bad character. */
    rj_sql92_token_t t;
    size_t pos = 0;
    rj_bytes_t src = RJ_BYTES_LIT("  ;");
    assert_int_equal(rj_sql92_lex_next(src, &pos, &t), RJ_EMALFORMED);
    assert_int_equal(t.start, 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_ignore_case_and_lose_to_longer_ids),
        cmocka_unit_test(test_numbers_take_the_longest_match),
        cmocka_unit_test(test_strings_operators_and_comments),
        cmocka_unit_test(test_text_that_is_no_token),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
