/* rj_message_t building and reading; bad arguments never crash. */
#include "client/message_internal.h"

#include "common/alloc.h"
#include "ramjet/message.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
test_new_message_has_java_default_wait_property(void **state)
{
    rj_message_t *m;

    assert_int_equal(rj_message_create("T", &m), RJ_OK);
    assert_string_equal(rj_message_topic(m), "T");
    assert_string_equal(rj_message_property(m, "WAIT"), "true");
    assert_int_equal(rj_message_property_count(m), 1);
    assert_int_equal(rj_message_set_wait_store_ok(m, false), RJ_OK);
    assert_string_equal(rj_message_property(m, "WAIT"), "false");
    assert_int_equal(rj_message_property_count(m), 1);
    rj_message_destroy(m);
}

static void
test_setters_and_getters_round_trip(void **state)
{
    rj_message_t *m;
    size_t len;
    const char *k, *v;

    assert_int_equal(rj_message_create(NULL, &m), RJ_OK);
    assert_null(rj_message_topic(m));
    assert_int_equal(rj_message_set_topic(m, "TopicTest"), RJ_OK);
    assert_int_equal(rj_message_set_body(m, "hello", 5), RJ_OK);
    assert_int_equal(rj_message_set_tags(m, "TagA"), RJ_OK);
    assert_int_equal(rj_message_set_keys(m, "k1 k2"), RJ_OK);
    assert_int_equal(rj_message_set_property(m, "color", "red"), RJ_OK);
    assert_int_equal(rj_message_set_delay_level(m, 3), RJ_OK);
    assert_int_equal(rj_message_set_flag(m, 42), RJ_OK);
    assert_int_equal(rj_message_set_deliver_time_ms(m, 1700000000000), RJ_OK);
    assert_memory_equal(rj_message_body(m, &len), "hello", 5);
    assert_int_equal(len, 5);
    assert_string_equal(rj_message_tags(m), "TagA");
    assert_string_equal(rj_message_keys(m), "k1 k2");
    assert_string_equal(rj_message_property(m, "color"), "red");
    assert_string_equal(rj_message_property(m, "TIMER_DELIVER_MS"), "1700000000000");
    assert_int_equal(rj_message_delay_level(m), 3);
    assert_int_equal(rj_message_flag(m), 42);
    assert_int_equal(rj_message_property_at(m, 1, &k, &v), RJ_OK);
    assert_string_equal(k, "TAGS");
    assert_int_equal(rj_message_set_delay_level(m, 0), RJ_OK);
    assert_null(rj_message_property(m, "DELAY"));
    assert_int_equal(rj_message_set_tags(m, NULL), RJ_OK);
    assert_null(rj_message_tags(m));
    /* Not a received message. */
    assert_null(rj_message_msg_id(m));
    assert_int_equal(rj_message_queue_offset(m), -1);
    char host[64];
    assert_int_equal(rj_message_born_host(m, host, sizeof(host)), RJ_EINVAL);
    rj_message_destroy(m);
}

static void
test_body_ref_is_not_copied(void **state)
{
    rj_message_t *m;
    char body[] = "abc";

    assert_int_equal(rj_message_create("T", &m), RJ_OK);
    assert_int_equal(rj_message_set_body_ref(m, body, 3), RJ_OK);
    assert_ptr_equal(rj_message_body(m, NULL), body);
    assert_int_equal(rj_message_set_body(m, body, 3), RJ_OK);
    assert_ptr_not_equal(rj_message_body(m, NULL), body);
    rj_message_destroy(m);
}

static void
test_invalid_arguments_return_einval(void **state)
{
    rj_message_t *m;

    assert_int_equal(rj_message_create("T", NULL), RJ_EINVAL);
    assert_int_equal(rj_message_create("T", &m), RJ_OK);
    assert_int_equal(rj_message_set_topic(NULL, "x"), RJ_EINVAL);
    assert_int_equal(rj_message_set_topic(m, NULL), RJ_EINVAL);
    assert_int_equal(rj_message_set_body(m, NULL, 3), RJ_EINVAL);
    assert_int_equal(rj_message_set_body(NULL, "x", 1), RJ_EINVAL);
    assert_int_equal(rj_message_set_property(m, "", "v"), RJ_EINVAL);
    assert_int_equal(rj_message_set_property(m, "k", ""), RJ_EINVAL);
    assert_int_equal(rj_message_set_property(m, "a\x01", "v"), RJ_EINVAL);
    assert_int_equal(rj_message_set_property(m, "k", "v\x02"), RJ_EINVAL);
    assert_int_equal(rj_message_set_property(m, NULL, "v"), RJ_EINVAL);
    assert_int_equal(rj_message_set_delay_level(m, -1), RJ_EINVAL);
    assert_int_equal(rj_message_set_delay_time_ms(m, 0), RJ_EINVAL);
    assert_int_equal(rj_message_set_delay_time_sec(m, -5), RJ_EINVAL);
    assert_int_equal(rj_message_set_deliver_time_ms(m, 0), RJ_EINVAL);
    assert_int_equal(rj_message_set_flag(NULL, 1), RJ_EINVAL);
    assert_int_equal(rj_message_property_at(m, 5, NULL, NULL), RJ_EINVAL);
    assert_null(rj_message_topic(NULL));
    assert_null(rj_message_body(NULL, NULL));
    assert_null(rj_message_property(m, NULL));
    assert_int_equal(rj_message_property_count(NULL), 0);
    rj_message_destroy(NULL);
    rj_message_destroy(m);
}

static void
test_allocation_failure_is_enomem(void **state)
{
    for (long n = 0; n < 8; n++) {
        rj_message_t *m = NULL;
        rj_alloc_fail_after(n);
        int rc = rj_message_create("T", &m);
        if (rc == RJ_OK) {
            rc = rj_message_set_property(m, "a", "b");
        }
        rj_alloc_fail_after(-1);
        assert_true(rc == RJ_OK || rc == RJ_ENOMEM);
        rj_message_destroy(m);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_message_has_java_default_wait_property),
        cmocka_unit_test(test_setters_and_getters_round_trip),
        cmocka_unit_test(test_body_ref_is_not_copied),
        cmocka_unit_test(test_invalid_arguments_return_einval),
        cmocka_unit_test(test_allocation_failure_is_enomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
