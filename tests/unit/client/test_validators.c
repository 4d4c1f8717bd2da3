/* Topic, group and body checks with Java's limits and texts. */
#include "client/validators.h"

#include "ramjet/log.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
test_topic_rules(void **state)
{
    char long_topic[200];

    assert_int_equal(rj_validators_check_topic("TopicTest"), RJ_OK);
    assert_int_equal(rj_validators_check_topic("%RETRY%g|x-_1"), RJ_OK);
    assert_int_equal(rj_validators_check_topic(NULL), RJ_EINVAL);
    assert_string_equal(rj_last_error(), "The specified topic is blank");
    assert_int_equal(rj_validators_check_topic("  "), RJ_EINVAL);
    assert_int_equal(rj_validators_check_topic("a b"), RJ_EINVAL);
    assert_non_null(strstr(rj_last_error(), "illegal characters"));
    assert_int_equal(rj_validators_check_topic("caf\xc3\xa9"), RJ_EINVAL);
    memset(long_topic, 'a', 127);
    long_topic[127] = '\0';
    assert_int_equal(rj_validators_check_topic(long_topic), RJ_OK);
    long_topic[127] = 'a';
    long_topic[128] = '\0';
    assert_int_equal(rj_validators_check_topic(long_topic), RJ_EINVAL);
}

static void
test_group_rules(void **state)
{
    char g[300];

    assert_int_equal(rj_validators_check_group("please_rename_unique_group_name_4"), RJ_OK);
    assert_int_equal(rj_validators_check_group(""), RJ_EINVAL);
    assert_int_equal(rj_validators_check_group("g/x"), RJ_EINVAL);
    memset(g, 'g', 256);
    g[256] = '\0';
    assert_int_equal(rj_validators_check_group(g), RJ_EINVAL);
}

static void
test_system_topics_cannot_be_sent_to(void **state)
{
    assert_int_equal(rj_validators_check_send_topic("SCHEDULE_TOPIC_XXXX"), RJ_EINVAL);
    assert_string_equal(rj_last_error(),
                        "Sending message to topic[SCHEDULE_TOPIC_XXXX] is forbidden.");
    assert_int_equal(rj_validators_check_send_topic("RMQ_SYS_TRANS_HALF_TOPIC"), RJ_EINVAL);
    assert_int_equal(rj_validators_check_send_topic("TBW102"), RJ_OK);
}

static void
test_body_rules(void **state)
{
    assert_int_equal(rj_validators_check_body(0, false, 10), RJ_EINVAL);
    assert_int_equal(rj_validators_check_body(0, true, 10), RJ_EINVAL);
    assert_int_equal(rj_validators_check_body(11, true, 10), RJ_EINVAL);
    assert_string_equal(rj_last_error(), "the message body size over max value, MAX: 10");
    assert_int_equal(rj_validators_check_body(10, true, 10), RJ_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_rules),
        cmocka_unit_test(test_group_rules),
        cmocka_unit_test(test_system_topics_cannot_be_sent_to),
        cmocka_unit_test(test_body_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
