#include "broker/subscription_data.h"

#include "common/json.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_build_match_all(void **state)
{
    (void)state;
    const char *exprs[] = {NULL, "", "*"};
    for (size_t i = 0; i < 3; i++) {
        rj_subscription_t *s;
        assert_int_equal(rj_subscription_data_build(RJ_BYTES_LIT("T"), rj_bytes_from_cstr(exprs[i]),
                                                    RJ_BYTES_NULL, &s),
                         0);
        assert_true(s->match_all);
        assert_string_equal(s->sub_string, "*");
        assert_true(rj_subscription_data_match_tags_code(s, 12345));
        assert_true(rj_subscription_data_match_tags_code(s, 0));
        rj_subscription_data_release(s);
    }
}

static void
test_build_splits_tags_like_java(void **state)
{
    (void)state;
    rj_subscription_t *s;
    assert_int_equal(rj_subscription_data_build(RJ_BYTES_LIT("T"), RJ_BYTES_LIT("TagA || TagB||"),
                                                RJ_BYTES_LIT("TAG"), &s),
                     0);
    assert_false(s->match_all);
    assert_int_equal(s->ntags, 2);
    assert_string_equal(s->tags[0], "TagA");
    assert_string_equal(s->tags[1], "TagB");
    assert_true(rj_subscription_data_match_tags_code(s, 2598919)); /* "TagA".hashCode() */
    assert_true(rj_subscription_data_match_tags_code(s, 2598920)); /* "TagB" */
    assert_false(rj_subscription_data_match_tags_code(s, 2598921));
    assert_false(rj_subscription_data_match_tags_code(s, 0)); /* untagged */
    rj_subscription_data_release(s);

    assert_int_equal(
        rj_subscription_data_build(RJ_BYTES_LIT("T"), RJ_BYTES_LIT("a|||b"), RJ_BYTES_NULL, &s), 0);
    assert_int_equal(s->ntags, 2);
    assert_string_equal(s->tags[1], "|b");
    rj_subscription_data_release(s);

    assert_int_equal(
        rj_subscription_data_build(RJ_BYTES_LIT("T"), RJ_BYTES_LIT("a"), RJ_BYTES_LIT("XPATH"), &s),
        RJ_EINVAL);
}

static void
test_from_heartbeat_json_and_back(void **state)
{
    (void)state;
    const char *text = "{\"topic\":\"AlionsAcceptance\",\"subString\":\"TagA || TagB\","
                       "\"classFilterMode\":false,\"tagsSet\":[\"TagA\",\"TagB\"],"
                       "\"codeSet\":[2598920,2598919],\"subVersion\":1795794321707}";
    json_t *j = rj_json_parse(text, strlen(text), NULL, 0);
    rj_subscription_t *s;
    assert_int_equal(rj_subscription_data_from_json(j, &s), 0);
    json_decref(j);
    assert_int_equal(s->sub_version, 1795794321707LL);
    assert_int_equal(s->expression_type, RJ_EXPRESSION_TAG);
    assert_true(rj_subscription_data_match_tags_code(s, 2598919));
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_subscription_data_write(s, &w);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data,
                        "{\"classFilterMode\":false,\"codeSet\":[2598919,2598920],"
                        "\"expressionType\":\"TAG\",\"subString\":\"TagA || TagB\","
                        "\"subVersion\":1795794321707,\"tagsSet\":[\"TagA\",\"TagB\"],"
                        "\"topic\":\"AlionsAcceptance\"}");
    rj_buf_cleanup(&out);
    rj_subscription_data_retain(s);
    rj_subscription_data_release(s);
    rj_subscription_data_release(s);

    j = rj_json_parse("{\"subString\":\"*\"}", 16, NULL, 0);
    assert_int_equal(rj_subscription_data_from_json(j, &s), RJ_EMALFORMED);
    json_decref(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_match_all),
        cmocka_unit_test(test_build_splits_tags_like_java),
        cmocka_unit_test(test_from_heartbeat_json_and_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
