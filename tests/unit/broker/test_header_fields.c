#include "broker/header_fields.h"

#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static const char *const names[] = {"topic",    "queueId", "queueOffset", "tags",
                                    "unitMode", "b",       "q",           "big"};
static rj_header_spec_t spec = RJ_HEADER_SPEC(names);
enum { TOPIC, QID, QOFF, TAGS, UNIT, SHORT_B, SHORT_Q, BIG };

static void
add(rj_command_t *cmd, const char *k, const char *v)
{
    assert_int_equal(rj_command_add_ext_cstr(cmd, k, v), 0);
}

static void
test_finds_every_field_in_one_pass(void **state)
{
    (void)state;
    rj_command_t cmd;
    rj_command_init_request(&cmd, 11);
    add(&cmd, "queueOffset", "-5");
    add(&cmd, "q", "7");
    add(&cmd, "topic", "T1");
    add(&cmd, "qId", "no");     /* same first byte and length as nothing named */
    add(&cmd, "queueid", "no"); /* case matters */
    add(&cmd, "queueId", "3");
    add(&cmd, "unitMode", "TRUE");
    add(&cmd, "b", "x");
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, &cmd, &spec);
    assert_true(rj_bytes_eq_cstr(rj_header_fields_str(&hf, TOPIC, true), "T1"));
    assert_int_equal(rj_header_fields_i32(&hf, QID, true, -1), 3);
    assert_int_equal(rj_header_fields_i64(&hf, QOFF, true, 0), -5);
    assert_int_equal(rj_header_fields_i32(&hf, SHORT_Q, true, 0), 7);
    assert_true(rj_bytes_eq_cstr(rj_header_fields_str(&hf, SHORT_B, true), "x"));
    assert_true(rj_header_fields_bool(&hf, UNIT, false));
    assert_false(rj_header_fields_has(&hf, TAGS));
    assert_null(rj_header_fields_str(&hf, TAGS, false).data);
    assert_false(rj_header_fields_failed(&hf));
}

static void
test_last_duplicate_wins_like_ext_find(void **state)
{
    (void)state;
    rj_command_t cmd;
    rj_command_init_request(&cmd, 11);
    add(&cmd, "topic", "first");
    add(&cmd, "topic", "second");
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, &cmd, &spec);
    assert_true(rj_bytes_eq_cstr(rj_header_fields_str(&hf, TOPIC, true), "second"));
    rj_bytes_t v;
    assert_true(rj_command_ext_get(&cmd, "topic", &v));
    assert_true(rj_bytes_eq_cstr(v, "second"));
}

static void
test_first_failed_required_field_is_named(void **state)
{
    (void)state;
    rj_command_t cmd;
    rj_command_init_request(&cmd, 11);
    add(&cmd, "queueId", "x1");
    add(&cmd, "big", "2147483648");
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, &cmd, &spec);
    /* Optional failures are not remembered. */
    assert_int_equal(rj_header_fields_i32(&hf, BIG, false, 9), 9);
    assert_false(rj_header_fields_failed(&hf));
    int32_t v = 0;
    assert_int_equal(rj_header_fields_try_i32(&hf, BIG, &v), RJ_ETOOLARGE);
    assert_int_equal(rj_header_fields_try_i32(&hf, TAGS, &v), RJ_ENOTFOUND);
    assert_int_equal(rj_header_fields_i32(&hf, QID, true, 4), 4);
    assert_string_equal(hf.rd.invalid, "queueId");
    /* A later missing one does not replace the first failure. */
    rj_header_fields_str(&hf, TOPIC, true);
    assert_null(hf.rd.missing);
    assert_true(rj_header_fields_failed(&hf));

    rj_header_fields_scan(&hf, &cmd, &spec);
    rj_header_fields_str(&hf, TOPIC, true);
    assert_string_equal(hf.rd.missing, "topic");
}

static void
test_integer_fields_of_built_commands(void **state)
{
    (void)state;
    rj_command_t cmd;
    rj_command_init_request(&cmd, 11);
    assert_int_equal(rj_command_add_ext_i64(&cmd, "queueOffset", 1234567890123LL), 0);
    assert_int_equal(rj_command_add_ext_i64(&cmd, "queueId", 5000000000LL), 0);
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, &cmd, &spec);
    assert_int_equal(rj_header_fields_i64(&hf, QOFF, true, 0), 1234567890123LL);
    assert_int_equal(rj_header_fields_i32(&hf, QID, true, -1), -1);
    assert_string_equal(hf.rd.invalid, "queueId");
    /* An integer has no text. */
    assert_null(rj_header_fields_str(&hf, QOFF, false).data);
}

/* Numbers read like Java's Long.parseLong / Integer.parseInt, fast path or not. */
static void
test_numbers_parse_like_java(void **state)
{
    (void)state;
    const char *texts[] = {"0",
                           "-0",
                           "7",
                           "-7",
                           "+7",
                           "007",
                           "123456789012345678",
                           "-123456789012345678",
                           "9223372036854775807",
                           "-9223372036854775808",
                           "9223372036854775808",
                           "2147483647",
                           "2147483648",
                           "-2147483648",
                           "-2147483649",
                           "",
                           "-",
                           "1 ",
                           " 1",
                           "1x",
                           "0x10",
                           "99999999999999999999"};
    for (size_t i = 0; i < RJ_ARRAY_SIZE(texts); i++) {
        rj_command_t cmd;
        rj_command_init_request(&cmd, 11);
        add(&cmd, "queueOffset", texts[i]);
        add(&cmd, "queueId", texts[i]);
        rj_header_fields_t hf;
        rj_header_fields_scan(&hf, &cmd, &spec);
        int64_t want64 = 0, got64 = -12345;
        int rc64 = rj_bytes_parse_i64(rj_bytes_from_cstr(texts[i]), &want64);
        got64 = rj_header_fields_i64(&hf, QOFF, false, -12345);
        assert_int_equal(got64, rc64 == 0 ? want64 : -12345);
        int32_t want32 = 0, got32 = 0;
        int rc32 = rj_bytes_parse_i32(rj_bytes_from_cstr(texts[i]), &want32);
        assert_int_equal(rj_header_fields_try_i32(&hf, QID, &got32), rc32);
        if (rc32 == 0) {
            assert_int_equal(got32, want32);
        }
    }
}

static void
test_empty_and_unknown_keys_are_ignored(void **state)
{
    (void)state;
    rj_command_t cmd;
    rj_command_init_request(&cmd, 11);
    assert_int_equal(rj_command_add_ext(&cmd, rj_bytes("", 0), RJ_BYTES_LIT("v")), 0);
    add(&cmd, "\xff\xfe", "v");
    add(&cmd, "topicX", "v");
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, &cmd, &spec);
    for (size_t i = 0; i < RJ_ARRAY_SIZE(names); i++) {
        assert_false(rj_header_fields_has(&hf, i));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finds_every_field_in_one_pass),
        cmocka_unit_test(test_last_duplicate_wins_like_ext_find),
        cmocka_unit_test(test_first_failed_required_field_is_named),
        cmocka_unit_test(test_integer_fields_of_built_commands),
        cmocka_unit_test(test_numbers_parse_like_java),
        cmocka_unit_test(test_empty_and_unknown_keys_are_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
