/* Send-side encoding: properties, UNIQ_KEY, transaction and retry rules, compression, batches. */
#include "client/message_encode.h"

#include "client/pull_batch.h"
#include "common/alloc.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static bool
has(rj_bytes_t props, const char *key, const char *value)
{
    rj_bytes_t v;
    return rj_message_properties_get(props, key, &v) &&
           (value == NULL || rj_bytes_eq_cstr(v, value));
}

static void
test_properties_get_a_uniq_key_unless_set(void **state)
{
    rj_message_t *m;
    rj_prop_buf_t pb;
    rj_encode_info_t info;
    rj_encode_opts_t opts = {0};

    assert_int_equal(rj_message_create("T", &m), RJ_OK);
    rj_message_set_tags(m, "A");
    rj_prop_buf_init(&pb);
    assert_int_equal(rj_message_encode_properties(m, &opts, &pb, &info), RJ_OK);
    rj_bytes_t p = rj_prop_buf_view(&pb);
    assert_true(has(p, "WAIT", "true"));
    assert_true(has(p, "TAGS", "A"));
    assert_true(has(p, "UNIQ_KEY", info.uniq_key));
    assert_ptr_equal(info.msg_id, info.uniq_key);
    assert_int_not_equal(p.data[p.len - 1], '\002'); /* 4.9.8: no trailing separator */
    rj_prop_buf_cleanup(&pb);

    rj_message_set_property(m, "UNIQ_KEY", "MINE");
    rj_prop_buf_init(&pb);
    assert_int_equal(rj_message_encode_properties(m, &opts, &pb, &info), RJ_OK);
    assert_string_equal(info.msg_id, "MINE");
    assert_string_equal(info.uniq_key, "");
    rj_prop_buf_cleanup(&pb);
    rj_message_destroy(m);
}

static void
test_transaction_and_retry_rules(void **state)
{
    rj_message_t *m;
    rj_prop_buf_t pb;
    rj_encode_info_t info;

    assert_int_equal(rj_message_create("%RETRY%g", &m), RJ_OK);
    rj_message_set_delay_level(m, 4);
    rj_message_set_property(m, "RECONSUME_TIME", "3");
    rj_message_set_property(m, "MAX_RECONSUME_TIMES", "16");
    rj_encode_opts_t retry = {.retry_topic = true};
    rj_prop_buf_init(&pb);
    assert_int_equal(rj_message_encode_properties(m, &retry, &pb, &info), RJ_OK);
    assert_int_equal(info.reconsume_times, 3);
    assert_int_equal(info.max_reconsume_times, 16);
    assert_false(has(rj_prop_buf_view(&pb), "RECONSUME_TIME", NULL));
    assert_true(has(rj_prop_buf_view(&pb), "DELAY", "4"));
    rj_prop_buf_cleanup(&pb);

    rj_encode_opts_t tx = {.transaction = true, .producer_group = "pg"};
    rj_prop_buf_init(&pb);
    assert_int_equal(rj_message_encode_properties(m, &tx, &pb, &info), RJ_OK);
    assert_true(has(rj_prop_buf_view(&pb), "TRAN_MSG", "true"));
    assert_true(has(rj_prop_buf_view(&pb), "PGROUP", "pg"));
    assert_false(has(rj_prop_buf_view(&pb), "DELAY", NULL));
    rj_prop_buf_cleanup(&pb);
    rj_message_destroy(m);
}

static void
test_long_properties_spill_to_the_heap_and_oversize_is_refused(void **state)
{
    rj_message_t *m;
    rj_prop_buf_t pb;
    rj_encode_info_t info;
    rj_encode_opts_t opts = {0};
    static char value[40000];

    memset(value, 'v', 2000);
    value[2000] = '\0';
    assert_int_equal(rj_message_create("T", &m), RJ_OK);
    rj_message_set_property(m, "big", value);
    rj_prop_buf_init(&pb);
    assert_int_equal(rj_message_encode_properties(m, &opts, &pb, &info), RJ_OK);
    assert_true(pb.len > RJ_PROP_BUF_INLINE);
    assert_true(has(rj_prop_buf_view(&pb), "big", value));
    rj_prop_buf_cleanup(&pb);
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    rj_message_set_property(m, "big", value);
    rj_prop_buf_init(&pb);
    assert_int_equal(rj_message_encode_properties(m, &opts, &pb, &info), RJ_EINVAL);
    rj_prop_buf_cleanup(&pb);
    rj_message_destroy(m);
}

static void
test_compression_round_trips(void **state)
{
    char body[10000];
    uint8_t *z, *back;
    size_t zlen, blen;

    for (size_t i = 0; i < sizeof(body); i++) {
        body[i] = (char)('a' + i % 7);
    }
    assert_int_equal(rj_message_compress(body, sizeof(body), 5, &z, &zlen), RJ_OK);
    assert_true(zlen < sizeof(body));
    assert_int_equal(z[0], 0x78);
    assert_int_equal(z[1], 0x5E);
    assert_int_equal(rj_zlib_inflate(z, zlen, 1 << 20, &back, &blen), RJ_OK);
    assert_int_equal(blen, sizeof(body));
    assert_memory_equal(back, body, sizeof(body));
    rj_free(z);
    rj_free(back);
}

static void
test_batch_body_and_rules(void **state)
{
    rj_message_t *ms[2];
    rj_buf_t body = RJ_BUF_INIT, ids = RJ_BUF_INIT;

    for (int i = 0; i < 2; i++) {
        assert_int_equal(rj_message_create("T", &ms[i]), RJ_OK);
        rj_message_set_body(ms[i], "xy", 2);
    }
    assert_int_equal(rj_message_encode_batch((const rj_message_t *const *)ms, 2, &body, &ids),
                     RJ_OK);
    rj_message_batch_item_t item;
    int n = rj_message_batch_item_decode(body.data, body.len, &item);
    assert_true(n > 0);
    assert_true(rj_bytes_eq_cstr(item.body, "xy"));
    assert_true(has(item.properties, "UNIQ_KEY", NULL));
    assert_int_equal(ids.len, 65);
    rj_buf_reset(&body);
    rj_buf_reset(&ids);
    rj_message_set_topic(ms[1], "Other");
    assert_int_equal(rj_message_encode_batch((const rj_message_t *const *)ms, 2, &body, &ids),
                     RJ_EINVAL);
    rj_message_set_topic(ms[1], "T");
    rj_message_set_wait_store_ok(ms[1], false);
    assert_int_equal(rj_message_encode_batch((const rj_message_t *const *)ms, 2, &body, &ids),
                     RJ_EINVAL);
    assert_int_equal(rj_message_encode_batch((const rj_message_t *const *)ms, 0, &body, &ids),
                     RJ_EINVAL);
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&ids);
    rj_message_destroy(ms[0]);
    rj_message_destroy(ms[1]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_properties_get_a_uniq_key_unless_set),
        cmocka_unit_test(test_transaction_and_retry_rules),
        cmocka_unit_test(test_long_properties_spill_to_the_heap_and_oversize_is_refused),
        cmocka_unit_test(test_compression_round_trips),
        cmocka_unit_test(test_batch_body_and_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
