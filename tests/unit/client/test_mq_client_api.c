/* Request headers as Java 4.9.8 writes them and answers interpreted as Java does (golden frames).
 */
#include "client/mq_client_api.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "ramjet/status.h"
#include "support/golden.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* Encodes `cmd` and decodes it again so every ext field is text. */
static rj_command_t *
round_trip(rj_command_t *cmd, rj_buf_t *wire)
{
    rj_command_t *out = rj_malloc(sizeof(*out));
    assert_int_equal(rj_command_encode(cmd, wire), 0);
    assert_true(rj_command_decode(wire->data, wire->len, 0, out) > 0);
    return out;
}

/* Same ext keys as the golden frame; values equal except the listed ones. */
static void
expect_like_golden(const rj_command_t *mine, int golden_id, const char *const *differ)
{
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(golden_id, &f), 0);
    const json_t *ext = json_object_get(f.header, "extFields");
    assert_int_equal(mine->ext_count, json_object_size(ext));
    const char *key;
    const json_t *val;
    json_object_foreach((json_t *)ext, key, val)
    {
        rj_bytes_t v;
        if (!rj_command_ext_get(mine, key, &v)) {
            fail_msg("key %s missing", key);
        }
        bool skip = false;
        for (size_t i = 0; differ != NULL && differ[i] != NULL; i++) {
            skip |= strcmp(differ[i], key) == 0;
        }
        if (!skip && !rj_bytes_eq_cstr(v, json_string_value(val))) {
            fail_msg("key %s: %.*s != %s", key, (int)v.len, (const char *)v.data,
                     json_string_value(val));
        }
    }
    assert_int_equal(mine->code, (int32_t)json_integer_value(json_object_get(f.header, "code")));
    rj_golden_frame_cleanup(&f);
}

static void
test_send_header_has_java_keys_and_values(void **state)
{
    rj_command_t cmd;
    rj_buf_t wire = RJ_BUF_INIT;
    const char props[] = "WAIT\001true\002TAGS\001TagA";
    rj_send_header_t h = {
        .producer_group = "please_rename_unique_group_name",
        .topic = "TopicTest",
        .default_topic = "TBW102",
        .default_topic_queues = 4,
        .queue_id = 0,
        .sys_flag = 0,
        .born_timestamp = 1795794262968,
        .flag = 0,
        .properties = rj_bytes(props, sizeof(props) - 1),
        .reconsume_times = 0,
        .max_reconsume_times = -1,
        .batch = false,
        .broker_name = "broker-a",
    };
    assert_int_equal(rj_api_build_send(&cmd, &h, RJ_BYTES_LIT("Hello RocketMQ 0")), RJ_OK);
    rj_command_t *back = round_trip(&cmd, &wire);
    static const char *const differ[] = {"i", NULL}; /* property order and UNIQ_KEY */
    expect_like_golden(back, 52, differ);
    rj_free(back);
    rj_buf_cleanup(&wire);
}

static void
test_pull_header_has_java_keys_and_values(void **state)
{
    rj_command_t cmd;
    rj_buf_t wire = RJ_BUF_INIT;
    rj_pull_header_t h = {
        .consumer_group = "please_rename_unique_group_name_4",
        .topic = "TopicTest",
        .queue_id = 3,
        .queue_offset = 0,
        .max_msg_nums = 32,
        .sys_flag = 2,
        .commit_offset = 0,
        .suspend_timeout_ms = 15000,
        .sub_version = 1795794268714,
        .expression_type = "TAG",
        .broker_name = "broker-a",
    };
    rj_api_build_pull(&cmd, &h);
    rj_command_t *back = round_trip(&cmd, &wire);
    expect_like_golden(back, 68, NULL);
    rj_free(back);
    rj_buf_cleanup(&wire);
}

static void
decode_golden(int id, rj_golden_frame_t *f, rj_command_t *cmd)
{
    assert_int_equal(rj_golden_frame_load(id, f), 0);
    assert_true(rj_command_decode(f->wire.data, f->wire.len, 0, cmd) > 0);
}

static void
test_send_responses_are_read_like_java(void **state)
{
    rj_golden_frame_t f;
    rj_command_t cmd;
    rj_send_response_t sr;

    decode_golden(53, &f, &cmd);
    assert_int_equal(rj_api_parse_send_response(&cmd, &sr), RJ_OK);
    assert_true(rj_bytes_eq_cstr(sr.msg_id, "7F00000100002A9F0000000000000492"));
    assert_int_equal(sr.queue_id, 0);
    assert_int_equal(sr.queue_offset, 1);
    rj_golden_frame_cleanup(&f);
    /* Send errors: system topic (NO_PERMISSION), bad topic and queue (SYSTEM_ERROR). */
    for (int id = 205; id <= 209; id += 2) {
        decode_golden(id, &f, &cmd);
        assert_int_equal(rj_api_parse_send_response(&cmd, &sr), RJ_EREMOTE);
        assert_true(rj_api_send_code_is_retryable(cmd.code));
        rj_golden_frame_cleanup(&f);
    }
    assert_false(rj_api_send_code_is_retryable(2));
    assert_false(rj_api_send_code_is_retryable(13));
}

static void
test_pull_responses_map_to_java_statuses(void **state)
{
    static const struct {
        int id;
        int rc;
        rj_pull_status_t status;
        int64_t next;
    } cases[] = {
        {72, RJ_OK, RJ_PULL_FOUND, 32},          {84, RJ_OK, RJ_PULL_NO_NEW_MSG, 0},
        {153, RJ_OK, RJ_PULL_NO_MATCHED_MSG, 2}, {173, RJ_OK, RJ_PULL_OFFSET_ILLEGAL, 251},
        {75, RJ_EREMOTE, RJ_PULL_FOUND, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rj_golden_frame_t f;
        rj_command_t cmd;
        rj_pull_response_t pr;
        decode_golden(cases[i].id, &f, &cmd);
        assert_int_equal(rj_api_parse_pull_response(&cmd, &pr), cases[i].rc);
        if (cases[i].rc == RJ_OK) {
            assert_int_equal(pr.status, cases[i].status);
            assert_int_equal(pr.next_begin_offset, cases[i].next);
        }
        rj_golden_frame_cleanup(&f);
    }
}

static void
test_route_and_consumer_list_answers_parse(void **state)
{
    rj_golden_frame_t f;
    rj_command_t cmd;
    rj_topic_route_t *r;

    decode_golden(11, &f, &cmd);
    assert_int_equal(rj_topic_route_parse(cmd.body.data, cmd.body.len, &r), RJ_OK);
    assert_int_equal(r->broker_count, 1);
    rj_topic_route_destroy(r);
    rj_golden_frame_cleanup(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_header_has_java_keys_and_values),
        cmocka_unit_test(test_pull_header_has_java_keys_and_values),
        cmocka_unit_test(test_send_responses_are_read_like_java),
        cmocka_unit_test(test_pull_responses_map_to_java_statuses),
        cmocka_unit_test(test_route_and_consumer_list_answers_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
