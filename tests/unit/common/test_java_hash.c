#include "common/java_hash.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static int32_t
h(const char *s)
{
    return rj_java_hash(s, strlen(s));
}

static void
test_ascii_matches_java_string_hashcode(void **state)
{
    (void)state;
    assert_int_equal(h(""), 0);
    assert_int_equal(h("TagA"), 2598919);
    assert_int_equal(h("TagB"), 2598920);
    assert_int_equal(h("a"), 97);
    /* Java: "TopicTest".hashCode() */
    assert_int_equal(h("TopicTest"), -1902610879);
}

static void
test_wraps_like_java_int(void **state)
{
    (void)state;
    /* "polygenelubricants".hashCode() == Integer.MIN_VALUE in Java. */
    assert_int_equal(h("polygenelubricants"), INT32_MIN);
}

static void
test_non_ascii_hashes_utf16_units(void **state)
{
    (void)state;
    /* "é" is U+00E9: one unit. */
    assert_int_equal(h("\xc3\xa9"), 0xE9);
    /* "中" U+4E2D. */
    assert_int_equal(h("\xe4\xb8\xad"), 0x4E2D);
    /* U+1F680 is the surrogate pair D83D DE80: 31*0xD83D + 0xDE80. */
    assert_int_equal(h("\xf0\x9f\x9a\x80"), 31 * 0xD83D + 0xDE80);
}

static void
test_malformed_utf8_counts_as_replacement(void **state)
{
    (void)state;
    assert_int_equal(rj_java_hash("\xff", 1), 0xFFFD);
    /* A truncated 3-byte sequence: each byte replaced. */
    assert_int_equal(rj_java_hash("\xe4\xb8", 2), 31 * 0xFFFD + 0xFFFD);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii_matches_java_string_hashcode),
        cmocka_unit_test(test_wraps_like_java_int),
        cmocka_unit_test(test_non_ascii_hashes_utf16_units),
        cmocka_unit_test(test_malformed_utf8_counts_as_replacement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
