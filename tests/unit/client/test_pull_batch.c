/* Pull bodies from the golden capture decoded into one arena. */
#include "client/pull_batch.h"

#include "common/alloc.h"
#include "common/message_record.h"
#include "ramjet/message.h"
#include "ramjet/status.h"
#include "support/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void
test_java_pull_of_32_messages_decodes(void **state)
{
    rj_golden_frame_t f;
    rj_pull_batch_t *b;
    size_t len;

    assert_int_equal(rj_golden_frame_load(72, &f), 0);
    assert_int_equal(rj_pull_batch_decode(f.body.data, f.body.len, "broker-a", 0, 250, &b), RJ_OK);
    assert_int_equal(b->count, 32);
    assert_int_equal(b->kept_count, 32);
    const rj_message_t *m = b->kept[0];
    assert_string_equal(rj_message_topic(m), "TopicTest");
    assert_memory_equal(rj_message_body(m, &len), "Hello RocketMQ 1", 16);
    assert_int_equal(len, 16);
    assert_string_equal(rj_message_tags(m), "TagA");
    assert_string_equal(rj_message_msg_id(m),
                        "FD00000000000000000000000000000206AE5FFD2B278945F3C30001");
    assert_string_equal(rj_message_property(m, "CLUSTER"), "DefaultCluster");
    assert_string_equal(rj_message_property(m, "MIN_OFFSET"), "0");
    assert_string_equal(rj_message_property(m, "MAX_OFFSET"), "250");
    rj_pull_batch_t *big;
    assert_int_equal(rj_pull_batch_decode(f.body.data, f.body.len, "broker-a", 9,
                                          INT64_C(9223372036854775807), &big),
                     RJ_OK);
    assert_string_equal(rj_message_property(big->kept[31], "MIN_OFFSET"), "9");
    assert_string_equal(rj_message_property(big->kept[31], "MAX_OFFSET"), "9223372036854775807");
    rj_pull_batch_release(big);
    assert_int_equal(rj_message_queue_id(m), 1);
    assert_int_equal(rj_message_queue_offset(m), 0);
    assert_int_equal(rj_message_commitlog_offset(m), 1384);
    assert_int_equal(rj_message_store_size(m), 214);
    assert_int_equal(rj_message_store_timestamp(m), 1795794262985);
    assert_string_equal(rj_message_broker_name(m), "broker-a");
    /* 127.0.0.1:10911 = 7F000001 00002A9F, offset 1384 = 0x568 */
    assert_string_equal(rj_message_offset_msg_id(m), "7F00000100002A9F0000000000000568");
    char host[64];
    assert_int_equal(rj_message_store_host(m, host, sizeof(host)), RJ_OK);
    assert_string_equal(host, "127.0.0.1:10911");
    assert_int_equal(rj_message_store_host(m, host, 4), RJ_ETOOLARGE);
    assert_null(rj_message_transaction_id(m));
    for (size_t i = 1; i < 32; i++) {
        assert_int_equal(rj_message_queue_offset(b->kept[i]), (int64_t)i);
    }
    rj_pull_batch_release(b);
    rj_golden_frame_cleanup(&f);
}

static void
test_compressed_bodies_are_inflated(void **state)
{
    rj_golden_frame_t java, alions;
    rj_pull_batch_t *b;
    size_t len;

    assert_int_equal(rj_golden_frame_load(71, &java), 0);
    assert_int_equal(rj_pull_batch_decode(java.body.data, java.body.len, NULL, -1, -1, &b), RJ_OK);
    const char *body = rj_message_body(b->kept[0], &len);
    assert_int_equal(len, 5000);
    assert_memory_equal(body, "RocketMQ vector line 0000\n", 26);
    assert_int_equal(rj_message_sys_flag(b->kept[0]), 0x301);
    assert_null(rj_message_property(b->kept[0], "MIN_OFFSET"));
    rj_pull_batch_release(b);

    assert_int_equal(rj_golden_frame_load(136, &alions), 0);
    assert_int_equal(rj_pull_batch_decode(alions.body.data, alions.body.len, NULL, -1, -1, &b),
                     RJ_OK);
    body = rj_message_body(b->kept[0], &len);
    assert_int_equal(len, 6430);
    assert_memory_equal(body, "alions mwz5klsx546888 #2 big: ", 30);
    /* ali-ons sends no UNIQ_KEY: the message id is the offset id. */
    assert_string_equal(rj_message_msg_id(b->kept[0]), rj_message_offset_msg_id(b->kept[0]));
    rj_pull_batch_release(b);
    rj_golden_frame_cleanup(&java);
    rj_golden_frame_cleanup(&alions);
}

static bool
keep_odd_offsets(const rj_message_t *m, void *arg)
{
    (void)arg;
    return rj_message_queue_offset(m) % 2 == 1;
}

static void
test_filter_keeps_order_and_counts_bytes(void **state)
{
    rj_golden_frame_t f;
    rj_pull_batch_t *b;

    assert_int_equal(rj_golden_frame_load(72, &f), 0);
    assert_int_equal(rj_pull_batch_decode(f.body.data, f.body.len, NULL, -1, -1, &b), RJ_OK);
    rj_pull_batch_filter(b, keep_odd_offsets, NULL);
    assert_int_equal(b->kept_count, 16);
    assert_int_equal(rj_message_queue_offset(b->kept[0]), 1);
    assert_int_equal(rj_message_queue_offset(b->kept[15]), 31);
    size_t bytes = 0;
    for (size_t i = 0; i < b->kept_count; i++) {
        bytes += b->kept[i]->body_len;
    }
    assert_int_equal(b->body_bytes, bytes);
    rj_pull_batch_retain(b);
    rj_pull_batch_release(b);
    rj_pull_batch_release(b);
    rj_golden_frame_cleanup(&f);
}

static void
test_truncated_or_garbage_bodies_are_rejected(void **state)
{
    rj_golden_frame_t f;
    rj_pull_batch_t *b = NULL;
    uint8_t garbage[64];

    assert_int_equal(rj_golden_frame_load(72, &f), 0);
    for (size_t cut = 1; cut < 300; cut += 7) {
        assert_int_equal(rj_pull_batch_decode(f.body.data, f.body.len - cut, NULL, -1, -1, &b),
                         RJ_EMALFORMED);
        assert_null(b);
    }
    memset(garbage, 0xAB, sizeof(garbage));
    assert_int_equal(rj_pull_batch_decode(garbage, sizeof(garbage), NULL, -1, -1, &b),
                     RJ_EMALFORMED);
    assert_int_equal(rj_pull_batch_decode(garbage, 0, NULL, -1, -1, &b), RJ_OK);
    assert_int_equal(b->count, 0);
    rj_pull_batch_release(b);
    rj_golden_frame_cleanup(&f);
}

static void
test_properties_follow_java_parsing_rules(void **state)
{
    rj_golden_frame_t f;
    rj_pull_batch_t *b;

    assert_int_equal(rj_golden_frame_load(132, &f), 0);
    assert_int_equal(rj_pull_batch_decode(f.body.data, f.body.len, NULL, -1, -1, &b), RJ_OK);
    const rj_message_t *m = b->kept[0];
    assert_string_equal(rj_message_property(m, "acceptRun"), "mwz5klsx546888");
    assert_string_equal(rj_message_keys(m), "mwz5klsx546888_0 idx0");
    assert_int_equal(rj_message_property_count(m), 6);
    rj_pull_batch_release(b);
    rj_golden_frame_cleanup(&f);
}

static void
test_any_number_of_properties_decodes(void **state)
{
    /* Records with 0..40 properties of varied lengths (separator counts at every
       position of an 8-byte word), all in one pull body. */
    enum { N = 41 };
    uint8_t *body = malloc(N * 4096);
    size_t len = 0;
    char props[2048];
    rj_pull_batch_t *b;

    (void)state;
    assert_non_null(body);
    for (int k = 0; k < N; k++) {
        size_t pl = 0;
        for (int i = 0; i < k; i++) {
            pl += (size_t)snprintf(props + pl, sizeof(props) - pl, "k%d\001%.*s\002", i, 1 + i % 9,
                                   "vvvvvvvvvv");
        }
        rj_message_record_t rec;
        memset(&rec, 0, sizeof(rec));
        rec.magic = RJ_MSG_MAGIC_V1;
        rec.queue_offset = k;
        rec.born_host.family = 4;
        rec.store_host.family = 4;
        rec.body = rj_bytes("b", 1);
        rec.topic = rj_bytes("T", 1);
        rec.properties = rj_bytes(props, pl);
        int n = rj_message_record_encode(&rec, body + len, N * 4096 - len);
        assert_true(n > 0);
        len += (size_t)n;
    }
    assert_int_equal(rj_pull_batch_decode(body, len, NULL, -1, -1, &b), RJ_OK);
    assert_int_equal(b->count, N);
    for (int k = 0; k < N; k++) {
        const rj_message_t *m = b->kept[k];
        assert_int_equal(rj_message_property_count(m), k);
        for (int i = 0; i < k; i++) {
            char key[8];
            snprintf(key, sizeof(key), "k%d", i);
            const char *v = rj_message_property(m, key);
            assert_non_null(v);
            assert_int_equal(strlen(v), (size_t)(1 + i % 9));
        }
    }
    rj_pull_batch_release(b);
    free(body);
}

static void
test_zlib_inflate_rejects_bad_streams(void **state)
{
    uint8_t *out;
    size_t out_len;
    const uint8_t bad[] = {0x78, 0x9c, 0xff, 0xff, 0x00};

    assert_int_equal(rj_zlib_inflate(bad, sizeof(bad), 1 << 20, &out, &out_len), RJ_EMALFORMED);
    assert_null(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_java_pull_of_32_messages_decodes),
        cmocka_unit_test(test_compressed_bodies_are_inflated),
        cmocka_unit_test(test_filter_keeps_order_and_counts_bytes),
        cmocka_unit_test(test_truncated_or_garbage_bodies_are_rejected),
        cmocka_unit_test(test_properties_follow_java_parsing_rules),
        cmocka_unit_test(test_any_number_of_properties_decodes),
        cmocka_unit_test(test_zlib_inflate_rejects_bad_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
