#include "common/bytes.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_parse_i64_accepts_java_long_syntax(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("1700000000000"), &v), 0);
    assert_int_equal(v, 1700000000000LL);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("-5"), &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("+7"), &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("9223372036854775807"), &v), 0);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("-9223372036854775808"), &v), 0);
    assert_true(v == INT64_MIN);
}

static void
test_parse_i64_rejects_garbage_and_overflow(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr(""), &v), RJ_EINVAL);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("-"), &v), RJ_EINVAL);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr(" 1"), &v), RJ_EINVAL);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("1.5"), &v), RJ_EINVAL);
    assert_int_equal(rj_bytes_parse_i64(rj_bytes_from_cstr("9223372036854775808"), &v),
                     RJ_ETOOLARGE);
    int32_t i;
    assert_int_equal(rj_bytes_parse_i32(rj_bytes_from_cstr("2147483648"), &i), RJ_ETOOLARGE);
    assert_int_equal(rj_bytes_parse_i32(rj_bytes_from_cstr("-2147483648"), &i), 0);
    assert_int_equal(i, INT32_MIN);
}

static void
test_java_bool_is_true_only_for_true(void **state)
{
    (void)state;
    assert_true(rj_bytes_parse_java_bool(rj_bytes_from_cstr("true")));
    assert_true(rj_bytes_parse_java_bool(rj_bytes_from_cstr("TRUE")));
    assert_false(rj_bytes_parse_java_bool(rj_bytes_from_cstr("yes")));
    assert_false(rj_bytes_parse_java_bool(rj_bytes_from_cstr("1")));
    assert_false(rj_bytes_parse_java_bool(RJ_BYTES_NULL));
}

static void
test_copy_and_trim(void **state)
{
    (void)state;
    char small[4];
    assert_false(rj_bytes_copy_cstr(rj_bytes_from_cstr("abcdef"), small, sizeof(small)));
    assert_string_equal(small, "abc");
    rj_bytes_t t = rj_bytes_trim(rj_bytes_from_cstr("  x y \t\n"));
    assert_true(rj_bytes_eq_cstr(t, "x y"));
    char *d = rj_bytes_dup(t);
    assert_string_equal(d, "x y");
    rj_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_i64_accepts_java_long_syntax),
        cmocka_unit_test(test_parse_i64_rejects_garbage_and_overflow),
        cmocka_unit_test(test_java_bool_is_true_only_for_true),
        cmocka_unit_test(test_copy_and_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
