#include "broker/topic_validator.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_legal_names_pass(void **state)
{
    (void)state;
    assert_null(rj_topic_validator_check(RJ_BYTES_LIT("TopicTest")));
    assert_null(rj_topic_validator_check(RJ_BYTES_LIT("%RETRY%group_1|x-y")));
}

static void
test_illegal_names_get_rocketmq_remarks(void **state)
{
    (void)state;
    assert_string_equal(rj_topic_validator_check(RJ_BYTES_LIT("")),
                        "The specified topic is blank.");
    assert_string_equal(rj_topic_validator_check(RJ_BYTES_LIT("   ")),
                        "The specified topic is blank.");
    assert_string_equal(
        rj_topic_validator_check(RJ_BYTES_LIT("bad topic")),
        "The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$");
    assert_non_null(rj_topic_validator_check(RJ_BYTES_LIT("t\xc3\xa9")));
    char longname[129];
    memset(longname, 'a', 128);
    longname[128] = '\0';
    assert_string_equal(rj_topic_validator_check(rj_bytes_from_cstr(longname)),
                        "The specified topic is longer than topic max length.");
    longname[127] = '\0';
    assert_null(rj_topic_validator_check(rj_bytes_from_cstr(longname)));
}

static void
test_system_and_forbidden_sets(void **state)
{
    (void)state;
    assert_true(rj_topic_validator_is_system(RJ_BYTES_LIT("TBW102")));
    assert_true(rj_topic_validator_is_system(RJ_BYTES_LIT("rmq_sys_anything")));
    assert_false(rj_topic_validator_is_system(RJ_BYTES_LIT("DefaultCluster")));
    assert_int_equal(rj_topic_validator_add_system("DefaultCluster"), 0);
    assert_int_equal(rj_topic_validator_add_system("DefaultCluster"), 0);
    assert_true(rj_topic_validator_is_system(RJ_BYTES_LIT("DefaultCluster")));
    int n = 0;
    while (rj_topic_validator_system_at(n) != NULL) {
        n++;
    }
    assert_int_equal(n, 10);
    rj_topic_validator_reset();
    assert_false(rj_topic_validator_is_system(RJ_BYTES_LIT("DefaultCluster")));

    assert_true(rj_topic_validator_is_send_forbidden(RJ_BYTES_LIT("SCHEDULE_TOPIC_XXXX")));
    assert_true(rj_topic_validator_is_send_forbidden(RJ_BYTES_LIT("OFFSET_MOVED_EVENT")));
    assert_false(rj_topic_validator_is_send_forbidden(RJ_BYTES_LIT("TBW102")));
    assert_true(rj_topic_validator_has_illegal_chars(RJ_BYTES_LIT("a@b")));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legal_names_pass),
        cmocka_unit_test(test_illegal_names_get_rocketmq_remarks),
        cmocka_unit_test(test_system_and_forbidden_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
