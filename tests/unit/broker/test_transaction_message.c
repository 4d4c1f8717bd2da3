#include "broker/transaction_message.h"

#include "common/message_properties.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static bool
prop_is(rj_bytes_t props, const char *key, const char *want)
{
    rj_bytes_t v;
    return rj_message_properties_get(props, key, &v) && rj_bytes_eq_cstr(v, want);
}

static void
test_props_set_replaces_and_adds(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    rj_bytes_t in = RJ_BYTES_LIT("A\001x\002TRANSACTION_CHECK_TIMES\0013\002B\001y");
    assert_int_equal(rj_transaction_props_set_i64(in, "TRANSACTION_CHECK_TIMES", 4, &out), 0);
    assert_true(prop_is(rj_buf_view(&out), "TRANSACTION_CHECK_TIMES", "4"));
    assert_true(prop_is(rj_buf_view(&out), "A", "x"));
    assert_true(prop_is(rj_buf_view(&out), "B", "y"));
    /* One entry per key. */
    int count = 0;
    rj_message_properties_iter_t it;
    rj_bytes_t k, v;
    rj_message_properties_iter_init(&it, rj_buf_view(&out));
    while (rj_message_properties_next(&it, &k, &v)) {
        count += rj_bytes_eq_cstr(k, "TRANSACTION_CHECK_TIMES");
    }
    assert_int_equal(count, 1);
    rj_buf_reset(&out);
    assert_int_equal(rj_transaction_props_set(RJ_BYTES_NULL, "WAIT", RJ_BYTES_LIT("false"), &out),
                     0);
    assert_int_equal(out.len, strlen("WAIT\001false"));
    assert_memory_equal(out.data, "WAIT\001false", out.len);
    rj_buf_cleanup(&out);
}

static void
test_op_record_properties_and_body(void **state)
{
    (void)state;
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_transaction_op_properties(&out), 0);
    /* What 4.9.8 stores for an op record (features.md §3). */
    assert_int_equal(out.len, strlen("WAIT\001true\002TAGS\001d"));
    assert_memory_equal(out.data, "WAIT\001true\002TAGS\001d", out.len);
    rj_buf_cleanup(&out);
    assert_int_equal(rj_transaction_op_half_offset(RJ_BYTES_LIT("17")), 17);
    assert_int_equal(rj_transaction_op_half_offset(RJ_BYTES_LIT("0")), 0);
    assert_int_equal(rj_transaction_op_half_offset(RJ_BYTES_LIT("x1")), -1);
    assert_int_equal(rj_transaction_op_half_offset(RJ_BYTES_NULL), -1);
}

static void
test_next_op_offset_moves_over_consecutive_done(void **state)
{
    (void)state;
    int64_t done[] = {7, 5, 6, 9};
    assert_int_equal(rj_transaction_next_op_offset(done, 4, 5), 8);
    int64_t gap[] = {6, 7};
    assert_int_equal(rj_transaction_next_op_offset(gap, 2, 5), 5);
    assert_int_equal(rj_transaction_next_op_offset(NULL, 0, 3), 3);
    int64_t dup[] = {3, 3, 4};
    /* Java stops at a duplicate: the sorted list has 3,3 and the second 3 != 4. */
    assert_int_equal(rj_transaction_next_op_offset(dup, 3, 3), 4);
}

static void
test_need_discard_counts_checks(void **state)
{
    (void)state;
    int32_t next = -99;
    assert_false(rj_transaction_need_discard(RJ_BYTES_LIT("A\001b"), 15, &next));
    assert_int_equal(next, 1);
    assert_false(
        rj_transaction_need_discard(RJ_BYTES_LIT("TRANSACTION_CHECK_TIMES\0011"), 15, &next));
    assert_int_equal(next, 2);
    assert_true(
        rj_transaction_need_discard(RJ_BYTES_LIT("TRANSACTION_CHECK_TIMES\00115"), 15, &next));
    assert_true(
        rj_transaction_need_discard(RJ_BYTES_LIT("TRANSACTION_CHECK_TIMES\00199"), 15, &next));
    /* Unparsable counts as -1 (Java's getInt), so the next copy carries 0. */
    assert_false(
        rj_transaction_need_discard(RJ_BYTES_LIT("TRANSACTION_CHECK_TIMES\001zz"), 15, &next));
    assert_int_equal(next, 0);
}

static void
test_immunity_and_prepared_offset(void **state)
{
    (void)state;
    bool has;
    assert_int_equal(rj_transaction_immunity_ms(RJ_BYTES_LIT("A\001b"), 6000, &has), 6000);
    assert_false(has);
    assert_int_equal(rj_transaction_immunity_ms(
                         RJ_BYTES_LIT("CHECK_IMMUNITY_TIME_IN_SECONDS\00160"), 6000, &has),
                     60000);
    assert_true(has);
    assert_int_equal(
        rj_transaction_immunity_ms(RJ_BYTES_LIT("CHECK_IMMUNITY_TIME_IN_SECONDS\001x"), 6000, &has),
        6000);
    assert_true(has);
    int64_t off;
    assert_false(rj_transaction_prepared_queue_offset(RJ_BYTES_LIT("A\001b"), &off));
    assert_true(rj_transaction_prepared_queue_offset(
        RJ_BYTES_LIT("TRAN_PREPARED_QUEUE_OFFSET\00142"), &off));
    assert_int_equal(off, 42);
    assert_true(rj_transaction_prepared_queue_offset(
        RJ_BYTES_LIT("TRAN_PREPARED_QUEUE_OFFSET\001?"), &off));
    assert_int_equal(off, -1);
}

static void
test_check_body_restores_real_topic_and_queue(void **state)
{
    (void)state;
    rj_message_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.magic = RJ_MSG_MAGIC_V1;
    rec.body_crc = 613185359;
    rec.queue_id = 0;
    rec.queue_offset = 10;
    rec.phy_offset = 279523;
    rec.born_timestamp = 1795794343817;
    rec.store_timestamp = 1795794343837;
    rec.born_host.family = 4;
    rec.born_host.port = 36540;
    rec.store_host.family = 4;
    rec.store_host.port = 10911;
    rec.body = RJ_BYTES_LIT("Hello RocketMQ 0");
    rec.topic = RJ_BYTES_LIT("RMQ_SYS_TRANS_HALF_TOPIC");
    rec.properties = RJ_BYTES_LIT("REAL_TOPIC\001TopicTest1234\002REAL_QID\0013\002TAGS\001TagA");
    rj_bytes_t props =
        RJ_BYTES_LIT("REAL_TOPIC\001TopicTest1234\002REAL_QID\0013\002WAIT\001false");
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_transaction_encode_check_body(&rec, props, &out), 0);
    rj_message_record_t back;
    assert_int_equal(rj_message_record_decode(out.data, out.len, &back, 0), (int)out.len);
    assert_true(rj_bytes_eq_cstr(back.topic, "TopicTest1234"));
    assert_int_equal(back.queue_id, 3);
    assert_int_equal(back.queue_offset, 10);
    assert_int_equal(back.phy_offset, 279523);
    assert_int_equal(back.body_crc, 613185359);
    assert_int_equal(back.store_timestamp, 1795794343837);
    assert_true(rj_bytes_eq(back.properties, props));
    /* Golden frame 224: TOTALSIZE = 91 + body + topic + properties. */
    assert_int_equal(back.total_size, 91 + 16 + 13 + (int)props.len);
    rj_buf_cleanup(&out);

    rec.properties = RJ_BYTES_LIT("REAL_TOPIC\001T");
    assert_int_equal(rj_transaction_encode_check_body(&rec, props, &out), RJ_EINVAL);
    rec.properties = RJ_BYTES_LIT("REAL_TOPIC\001T\002REAL_QID\001q");
    assert_int_equal(rj_transaction_encode_check_body(&rec, props, &out), RJ_EINVAL);
    rj_buf_cleanup(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_props_set_replaces_and_adds),
        cmocka_unit_test(test_op_record_properties_and_body),
        cmocka_unit_test(test_next_op_offset_moves_over_consecutive_done),
        cmocka_unit_test(test_need_discard_counts_checks),
        cmocka_unit_test(test_immunity_and_prepared_offset),
        cmocka_unit_test(test_check_body_restores_real_topic_and_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
