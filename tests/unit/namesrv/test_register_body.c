#include "namesrv/register_body.h"

#include "common/buf.h"
#include "common/endian.h"
#include "ramjet/status.h"
#include "support/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

static const rj_topic_config_entry_t *
find_topic(const rj_register_body_t *b, const char *name)
{
    for (size_t i = 0; i < b->topic_count; i++) {
        if (strcmp(b->topics[i].topic_name, name) == 0) {
            return &b->topics[i];
        }
    }
    return NULL;
}

static int
decode_str(const char *text, bool compressed, rj_register_body_t *b)
{
    char err[256] = "";
    return rj_register_body_decode(text, strlen(text), compressed, b, err, sizeof(err));
}

static void
test_decodes_the_captured_java_registration(void **state)
{
    (void)state;
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(1, &f), 0);
    assert_int_equal(f.code, 103);
    rj_register_body_t b;
    char err[256] = "";
    assert_int_equal(rj_register_body_decode(f.body.data, f.body.len, false, &b, err, sizeof(err)),
                     0);
    assert_int_equal(b.data_version.counter, 0);
    assert_int_equal(b.data_version.timestamp, 1795794239646LL);
    assert_int_equal(b.topic_count, 8);
    const rj_topic_config_entry_t *t = find_topic(&b, "TBW102");
    assert_non_null(t);
    assert_int_equal(t->perm, 7);
    assert_int_equal(t->read_queue_nums, 8);
    assert_int_equal(t->write_queue_nums, 8);
    t = find_topic(&b, "BenchmarkTest");
    assert_non_null(t);
    assert_int_equal(t->read_queue_nums, 1024);
    assert_true(b.has_filter_servers);
    assert_int_equal(b.filter_server_count, 0);
    rj_register_body_cleanup(&b);
    rj_golden_frame_cleanup(&f);
}

static void
test_decodes_filter_servers_and_fastjson_dialect(void **state)
{
    (void)state;
    rj_register_body_t b;
    /* fastjson may write unquoted keys; ali-style numbers as strings must work too. */
    const char *text = "{\"filterServerList\":[\"10.0.0.9:3000\",\"10.0.0.9:3001\"],"
                       "\"topicConfigSerializeWrapper\":{\"dataVersion\":{\"counter\":\"7\","
                       "\"timestamp\":1700000000000},\"topicConfigTable\":{t1:{\"perm\":6,"
                       "\"readQueueNums\":4,\"topicName\":\"t1\",\"topicSysFlag\":3,"
                       "\"writeQueueNums\":2}}}}";
    assert_int_equal(decode_str(text, false, &b), 0);
    assert_int_equal(b.data_version.counter, 7);
    assert_int_equal(b.topic_count, 1);
    assert_string_equal(b.topics[0].topic_name, "t1");
    assert_int_equal(b.topics[0].topic_sys_flag, 3);
    assert_int_equal(b.topics[0].write_queue_nums, 2);
    assert_int_equal(b.filter_server_count, 2);
    assert_string_equal(b.filter_servers[1], "10.0.0.9:3001");
    rj_register_body_cleanup(&b);
}

static void
test_accepts_bare_wrapper_of_old_brokers(void **state)
{
    (void)state;
    rj_register_body_t b;
    const char *text = "{\"dataVersion\":{\"counter\":2,\"timestamp\":9},\"topicConfigTable\":"
                       "{\"a\":{\"readQueueNums\":1}}}";
    assert_int_equal(decode_str(text, false, &b), 0);
    assert_int_equal(b.data_version.counter, 2);
    assert_int_equal(b.topic_count, 1);
    /* Missing fields take Java's TopicConfig defaults; the name comes from the key. */
    assert_string_equal(b.topics[0].topic_name, "a");
    assert_int_equal(b.topics[0].write_queue_nums, 16);
    assert_int_equal(b.topics[0].perm, 6);
    assert_false(b.has_filter_servers);
    rj_register_body_cleanup(&b);
}

static void
test_empty_body_is_version_zero_without_topics(void **state)
{
    (void)state;
    rj_register_body_t b;
    assert_int_equal(rj_register_body_decode("", 0, false, &b, NULL, 0), 0);
    assert_int_equal(b.topic_count, 0);
    assert_int_equal(b.data_version.counter, 0);
    assert_int_equal(b.data_version.timestamp, 0);
    rj_register_body_cleanup(&b);
}

static void
test_rejects_malformed_json_bodies(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "not json",
        "[1,2,3]",
        "{\"topicConfigSerializeWrapper\":{\"topicConfigTable\":[1]}}",
        ("{\"topicConfigSerializeWrapper\":{\"topicConfigTable\":{\"t\":{\"readQueueNums\":\"x\"}}}"
         "}"),
        "{\"topicConfigSerializeWrapper\":{\"topicConfigTable\":{\"t\":{\"perm\":99999999999}}}}",
        "{\"topicConfigSerializeWrapper\":{\"dataVersion\":{\"counter\":[]}}}",
        "{\"filterServerList\":[1]}",
        "{\"filterServerList\":{}}",
        "{\"topicConfigSerializeWrapper\":{\"topicConfigTable\":{\"t\":5}}}",
        "{\"topicConfigSerializeWrapper\":5}",
        /* Reals beyond int64: converting them would be undefined behaviour. */
        "{\"topicConfigSerializeWrapper\":{\"dataVersion\":{\"timestamp\":1.7e129}}}",
        "{\"topicConfigSerializeWrapper\":{\"topicConfigTable\":{\"t\":{\"perm\":-1e300}}}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rj_register_body_t b;
        char err[256] = "";
        int rc = rj_register_body_decode(bad[i], strlen(bad[i]), false, &b, err, sizeof(err));
        if (rc != RJ_EMALFORMED) {
            fail_msg("input %zu accepted: %s", i, bad[i]);
        }
        assert_true(err[0] != '\0');
        assert_int_equal(b.topic_count, 0);
        assert_null(b.topics);
    }
}

/* Builds the compressed layout of RegisterBrokerBody.encode(true). */
static void
append_block(rj_buf_t *raw, const char *text)
{
    rj_buf_append_be32(raw, (uint32_t)strlen(text));
    rj_buf_append_cstr(raw, text);
}

static void
deflate_buf(const rj_buf_t *raw, rj_buf_t *out)
{
    uLongf n = compressBound(raw->len);
    rj_buf_reserve(out, n);
    assert_int_equal(compress2(out->data, &n, raw->data, raw->len, 9), Z_OK);
    out->len = n;
}

static void
test_decodes_compressed_form_with_java_topic_text(void **state)
{
    (void)state;
    rj_buf_t raw = RJ_BUF_INIT, z = RJ_BUF_INIT;
    append_block(&raw, "{\"counter\":5,\"timestamp\":1700000000123}");
    rj_buf_append_be32(&raw, 3);
    append_block(&raw, "TopicTest 4 4 6 SINGLE_TAG");
    append_block(&raw, "Multi 8 2 7 MULTI_TAG");
    /* 5.x appends the attributes JSON as a sixth field. */
    append_block(&raw, "WithAttr 1 1 6 SINGLE_TAG {\"+message.type\":\"NORMAL\"}");
    append_block(&raw, "[\"10.1.1.1:4000\"]");
    /* 5.x trailing topic-queue-mapping section: ignored. */
    rj_buf_append_be32(&raw, 0);
    deflate_buf(&raw, &z);

    rj_register_body_t b;
    char err[256] = "";
    assert_int_equal(rj_register_body_decode(z.data, z.len, true, &b, err, sizeof(err)), 0);
    assert_int_equal(b.data_version.counter, 5);
    assert_int_equal(b.data_version.timestamp, 1700000000123LL);
    assert_int_equal(b.topic_count, 3);
    const rj_topic_config_entry_t *t = find_topic(&b, "Multi");
    assert_non_null(t);
    assert_int_equal(t->read_queue_nums, 8);
    assert_int_equal(t->write_queue_nums, 2);
    assert_int_equal(t->perm, 7);
    assert_non_null(find_topic(&b, "WithAttr"));
    assert_int_equal(b.filter_server_count, 1);
    assert_string_equal(b.filter_servers[0], "10.1.1.1:4000");
    rj_register_body_cleanup(&b);
    rj_buf_cleanup(&raw);
    rj_buf_cleanup(&z);
}

static void
test_decodes_compressed_form_with_json_topics(void **state)
{
    (void)state;
    rj_buf_t raw = RJ_BUF_INIT, z = RJ_BUF_INIT;
    append_block(&raw, "{\"counter\":1,\"timestamp\":2}");
    rj_buf_append_be32(&raw, 1);
    append_block(&raw, "{\"perm\":6,\"readQueueNums\":3,\"topicName\":\"J\",\"topicSysFlag\":1,"
                       "\"writeQueueNums\":3}");
    append_block(&raw, "[]");
    deflate_buf(&raw, &z);
    rj_register_body_t b;
    assert_int_equal(rj_register_body_decode(z.data, z.len, true, &b, NULL, 0), 0);
    assert_int_equal(b.topic_count, 1);
    assert_string_equal(b.topics[0].topic_name, "J");
    assert_int_equal(b.topics[0].topic_sys_flag, 1);
    rj_register_body_cleanup(&b);
    rj_buf_cleanup(&raw);
    rj_buf_cleanup(&z);
}

static void
expect_compressed_failure(const rj_buf_t *raw)
{
    rj_buf_t z = RJ_BUF_INIT;
    deflate_buf(raw, &z);
    rj_register_body_t b;
    char err[256] = "";
    assert_int_equal(rj_register_body_decode(z.data, z.len, true, &b, err, sizeof(err)),
                     RJ_EMALFORMED);
    assert_true(err[0] != '\0');
    assert_null(b.topics);
    rj_buf_cleanup(&z);
}

static void
test_rejects_broken_compressed_bodies(void **state)
{
    (void)state;
    rj_buf_t raw = RJ_BUF_INIT;

    /* Not zlib at all. */
    rj_register_body_t b;
    assert_int_equal(rj_register_body_decode("garbage!", 8, true, &b, NULL, 0), RJ_EMALFORMED);

    /* Length prefix beyond the data. */
    rj_buf_append_be32(&raw, 1000);
    rj_buf_append_cstr(&raw, "{}");
    expect_compressed_failure(&raw);

    /* Negative length. */
    rj_buf_reset(&raw);
    rj_buf_append_be32(&raw, 0xFFFFFFFFu);
    expect_compressed_failure(&raw);

    /* Topic count larger than what follows. */
    rj_buf_reset(&raw);
    append_block(&raw, "{\"counter\":1,\"timestamp\":2}");
    rj_buf_append_be32(&raw, 0x7FFFFFFF);
    expect_compressed_failure(&raw);

    /* Bad topic text: too few fields, bad number, unknown filter type. */
    static const char *const bad_topics[] = {"T 1 1 6", "T x 1 6 SINGLE_TAG", "T 1 1 6 WHAT_TAG",
                                             " 1 1 6 SINGLE_TAG"};
    for (size_t i = 0; i < 4; i++) {
        rj_buf_reset(&raw);
        append_block(&raw, "{\"counter\":1,\"timestamp\":2}");
        rj_buf_append_be32(&raw, 1);
        append_block(&raw, bad_topics[i]);
        append_block(&raw, "[]");
        expect_compressed_failure(&raw);
    }

    /* Missing filter server list. */
    rj_buf_reset(&raw);
    append_block(&raw, "{\"counter\":1,\"timestamp\":2}");
    rj_buf_append_be32(&raw, 0);
    expect_compressed_failure(&raw);

    /* Truncated zlib stream. */
    rj_buf_reset(&raw);
    append_block(&raw, "{\"counter\":1,\"timestamp\":2}");
    rj_buf_append_be32(&raw, 0);
    append_block(&raw, "[]");
    rj_buf_t z = RJ_BUF_INIT;
    deflate_buf(&raw, &z);
    assert_int_equal(rj_register_body_decode(z.data, z.len - 3, true, &b, NULL, 0), RJ_EMALFORMED);
    rj_buf_cleanup(&z);
    rj_buf_cleanup(&raw);
}

static void
test_refuses_a_zip_bomb(void **state)
{
    (void)state;
    size_t n = RJ_REGISTER_BODY_MAX_INFLATED + 1024;
    uint8_t *zeros = calloc(1, n);
    assert_non_null(zeros);
    uLongf zn = compressBound(n);
    uint8_t *z = malloc(zn);
    assert_int_equal(compress2(z, &zn, zeros, n, 9), Z_OK);
    rj_register_body_t b;
    assert_int_equal(rj_register_body_decode(z, zn, true, &b, NULL, 0), RJ_ETOOLARGE);
    free(z);
    free(zeros);
}

static void
test_data_version_decode(void **state)
{
    (void)state;
    rj_data_version_t dv;
    const char *ok = "{\"counter\":12,\"timestamp\":1795794239646}";
    assert_int_equal(rj_data_version_decode(ok, strlen(ok), &dv), 0);
    assert_int_equal(dv.counter, 12);
    assert_int_equal(dv.timestamp, 1795794239646LL);
    /* 5.x adds stateVersion; ignored. */
    const char *v5 = "{\"counter\":1,\"stateVersion\":0,\"timestamp\":2}";
    assert_int_equal(rj_data_version_decode(v5, strlen(v5), &dv), 0);
    assert_int_equal(dv.timestamp, 2);
    assert_int_equal(rj_data_version_decode("[]", 2, &dv), RJ_EMALFORMED);
    assert_int_equal(rj_data_version_decode("null", 4, &dv), RJ_EMALFORMED);
    assert_int_equal(rj_data_version_decode("{\"counter\":{}}", 14, &dv), RJ_EMALFORMED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes_the_captured_java_registration),
        cmocka_unit_test(test_decodes_filter_servers_and_fastjson_dialect),
        cmocka_unit_test(test_accepts_bare_wrapper_of_old_brokers),
        cmocka_unit_test(test_empty_body_is_version_zero_without_topics),
        cmocka_unit_test(test_rejects_malformed_json_bodies),
        cmocka_unit_test(test_decodes_compressed_form_with_java_topic_text),
        cmocka_unit_test(test_decodes_compressed_form_with_json_topics),
        cmocka_unit_test(test_rejects_broken_compressed_bodies),
        cmocka_unit_test(test_refuses_a_zip_bomb),
        cmocka_unit_test(test_data_version_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
