/* Tag expressions and the SubscriptionData JSON of heartbeats. */
#include "client/subscription.h"

#include "common/buf.h"
#include "common/json_writer.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
test_star_empty_and_null_subscribe_all(void **state)
{
    const char *exprs[] = {NULL, "", "*"};
    for (int i = 0; i < 3; i++) {
        rj_subscription_t *s;
        assert_int_equal(rj_subscription_create("T", exprs[i], NULL, &s), RJ_OK);
        assert_string_equal(s->sub_string, "*");
        assert_true(rj_subscription_is_all(s));
        assert_int_equal(s->tag_count, 0);
        assert_true(rj_subscription_accepts(s, NULL));
        rj_subscription_destroy(s);
    }
}

static void
test_tags_are_split_trimmed_deduplicated_and_hashed(void **state)
{
    rj_subscription_t *s;

    assert_int_equal(rj_subscription_create("T", " TagA || TagB||TagA|| ", NULL, &s), RJ_OK);
    assert_string_equal(s->sub_string, " TagA || TagB||TagA|| ");
    assert_int_equal(s->tag_count, 2);
    assert_string_equal(s->tags[0], "TagA");
    assert_string_equal(s->tags[1], "TagB");
    assert_int_equal(s->code_count, 2);
    assert_int_equal(s->codes[0], 2598919);
    assert_true(rj_subscription_accepts(s, "TagB"));
    assert_false(rj_subscription_accepts(s, "TagC"));
    assert_false(rj_subscription_accepts(s, NULL));
    rj_subscription_destroy(s);
}

static void
test_sql_keeps_expression_and_needs_one(void **state)
{
    rj_subscription_t *s;

    assert_int_equal(rj_subscription_create("T", "a > 5", RJ_EXPRESSION_SQL92, &s), RJ_OK);
    assert_string_equal(s->sub_string, "a > 5");
    assert_false(rj_subscription_is_all(s));
    assert_true(rj_subscription_accepts(s, NULL));
    rj_subscription_destroy(s);
    assert_int_equal(rj_subscription_create("T", " ", RJ_EXPRESSION_SQL92, &s), RJ_EINVAL);
    assert_int_equal(rj_subscription_create("T", "x", "XPATH", &s), RJ_EINVAL);
    assert_int_equal(rj_subscription_create(NULL, "x", NULL, &s), RJ_EINVAL);
}

static void
test_json_has_java_field_order(void **state)
{
    rj_subscription_t *s;
    rj_buf_t buf = RJ_BUF_INIT;
    rj_json_writer_t w;
    char want[256];

    assert_int_equal(rj_subscription_create("TopicTest", "TagA", NULL, &s), RJ_OK);
    s->sub_version = 1700000000000;
    rj_jw_init(&w, &buf, 0);
    rj_subscription_write_json(s, &w);
    assert_int_equal(rj_jw_finish(&w), 0);
    snprintf(want, sizeof(want),
             "{\"classFilterMode\":false,\"codeSet\":[2598919],\"expressionType\":\"TAG\","
             "\"subString\":\"TagA\",\"subVersion\":1700000000000,\"tagsSet\":[\"TagA\"],"
             "\"topic\":\"TopicTest\"}");
    assert_int_equal(buf.len, strlen(want));
    assert_memory_equal(buf.data, want, buf.len);
    rj_buf_cleanup(&buf);
    rj_subscription_destroy(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_star_empty_and_null_subscribe_all),
        cmocka_unit_test(test_tags_are_split_trimmed_deduplicated_and_hashed),
        cmocka_unit_test(test_sql_keeps_expression_and_needs_one),
        cmocka_unit_test(test_json_has_java_field_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
