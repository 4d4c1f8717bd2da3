/* Commit-log append details: record encoding, segment edges, limits, lock-time checks. */
#include "store/store_internal.h"

#include "common/clock.h"
#include "common/crc.h"
#include "common/endian.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define SEG (1 << 20)

typedef struct {
    char *dir;
    rj_store_config_t cfg;
    rj_store_t *s;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("cl");
    st_config(&f->cfg, f->dir);
    st_log_start();
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_store_close(f->s);
    rj_store_config_cleanup(&f->cfg);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

static void
test_record_fields_are_encoded_as_given(void **state)
{
    fixture_t *f = *state;
    rj_store_msg_t m = st_msg("Enc", 7, "payload",
                              "a\x01"
                              "1\x02"
                              "b\x01"
                              "2");
    m.flag = 0x1234;
    m.sys_flag = RJ_SYSFLAG_COMPRESSED | RJ_SYSFLAG_COMPRESSION_ZLIB;
    m.born_timestamp = 1795794258365LL;
    m.reconsume_times = 3;
    m.prepared_transaction_offset = 99;
    rj_store_put_result_t r;
    int64_t before = rj_clock_wall_ms();
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    rj_message_record_t rec;
    rj_store_view_t v;
    assert_int_equal(rj_store_look_message(f->s, r.phy_offset, &rec, &v), 0);
    assert_int_equal(rec.total_size, 91 + 7 + 3 + 7);
    assert_int_equal(rec.total_size, r.wrote_bytes);
    assert_int_equal(rec.magic, RJ_MSG_MAGIC_V1);
    assert_int_equal(rec.body_crc, rj_crc32_masked("payload", 7));
    assert_int_equal(rec.queue_id, 7);
    assert_int_equal(rec.flag, 0x1234);
    assert_int_equal(rec.sys_flag, 0x301);
    assert_int_equal(rec.born_timestamp, 1795794258365LL);
    assert_int_equal(rec.born_host.port, 40000);
    assert_int_equal(rec.store_host.port, 10911);
    assert_true(rec.store_timestamp >= before);
    assert_int_equal(rec.store_timestamp, r.store_timestamp);
    assert_int_equal(rec.reconsume_times, 3);
    assert_int_equal(rec.prepared_transaction_offset, 99);
    assert_memory_equal(rec.properties.data,
                        "a\x01"
                        "1\x02"
                        "b\x01"
                        "2",
                        7);
    rj_store_view_release(&v);
    assert_int_equal(rj_commitlog_pickup_store_timestamp(f->s, r.phy_offset, r.wrote_bytes),
                     r.store_timestamp);
}

static void
test_blank_is_written_when_record_plus_8_does_not_fit(void **state)
{
    fixture_t *f = *state;
    /* Fill the first segment to exactly 16 bytes short of its end. */
    rj_store_put_result_t r;
    char body[60000];
    memset(body, 'x', sizeof(body) - 1);
    body[sizeof(body) - 1] = 0;
    int64_t written = 0;
    while (SEG - written > 70000) {
        rj_store_msg_t m = st_msg("B", 0, body, "");
        assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
        written = r.phy_offset + r.wrote_bytes;
    }
    size_t fixed = 91 + 1; /* topic "B" */
    size_t left = (size_t)(SEG - written);
    size_t blen = left - 16 - fixed;
    char *b2 = rj_malloc(blen + 1);
    memset(b2, 'y', blen);
    b2[blen] = 0;
    rj_store_msg_t m = st_msg("B", 0, b2, "");
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.phy_offset + r.wrote_bytes, SEG - 16);
    rj_free(b2);
    /* 16 bytes left: a 9-byte-body record (101 bytes) does not fit → BLANK of 16. */
    m = st_msg("B", 0, "123456789", "");
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.phy_offset, SEG);
    rj_store_view_t v;
    assert_int_equal(rj_commitlog_select(f->s, SEG - 16, 8, &v), 0);
    assert_true(rj_message_record_is_blank(v.data, 8));
    assert_int_equal(rj_load_be32(v.data), 16);
    rj_store_view_release(&v);
    assert_int_equal(rj_commitlog_roll_next_file(f->s, SEG - 16), SEG);
    assert_int_equal(rj_commitlog_roll_next_file(f->s, SEG), 2 * SEG);
}

static void
test_oversized_records_and_properties_are_refused(void **state)
{
    fixture_t *f = *state;
    rj_store_put_result_t r;
    /* 32767 bytes of properties fit; a delay suffix pushing them over does not. */
    char *props = rj_malloc(32768);
    memset(props, 'p', 32767);
    props[0] = 'K';
    props[1] = '\x01';
    props[32767] = 0;
    rj_store_msg_t m = st_msg("P", 0, "b", props);
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    m.delay_level = 1;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_PROPERTIES_SIZE_EXCEEDED);
    props[32766] = 0;
    m = st_msg("P", 0, "b", props);
    m.properties.len = 32768; /* past the int16 */
    m.properties.data = (const uint8_t *)props;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_MESSAGE_ILLEGAL);
    rj_free(props);
    /* A record larger than a segment can never be stored. */
    rj_store_config(f->s)->max_message_size = 4 * SEG;
    char *big = rj_malloc(SEG + 1);
    memset(big, 'z', SEG);
    big[SEG] = 0;
    m = st_msg("P", 0, big, "");
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_MESSAGE_ILLEGAL);
    rj_free(big);
    /* A batch must be tran type NOT and not empty. */
    rj_store_batch_t b;
    memset(&b, 0, sizeof(b));
    b.topic = RJ_BYTES_LIT("P");
    b.born_host = st_host("127.0.0.1", 1);
    b.store_host = st_host("127.0.0.1", 2);
    assert_int_equal(rj_store_put_batch(f->s, &b, NULL, &r), RJ_PUT_MESSAGE_ILLEGAL);
    uint8_t item[64];
    int n = rj_message_batch_item_encode(0, RJ_BYTES_LIT("x"), RJ_BYTES_NULL, item, sizeof(item));
    b.body = rj_bytes(item, (size_t)n);
    b.sys_flag = RJ_SYSFLAG_TRANSACTION_PREPARED;
    assert_int_equal(rj_store_put_batch(f->s, &b, NULL, &r), RJ_PUT_MESSAGE_ILLEGAL);
    b.sys_flag = 0;
    assert_int_equal(rj_store_put_batch(f->s, &b, NULL, &r), RJ_PUT_OK);
}

static void
test_page_cache_busy_when_lock_held_too_long(void **state)
{
    fixture_t *f = *state;
    assert_false(rj_store_is_os_pagecache_busy(f->s));
    assert_int_equal(rj_store_lock_time_ms(f->s), 0);
    /* Pretend a writer has held the lock for 2 s. */
    atomic_store(&f->s->begin_time_in_lock, rj_clock_wall_ms() - 2000);
    assert_true(rj_store_is_os_pagecache_busy(f->s));
    assert_true(rj_store_lock_time_ms(f->s) >= 2000);
    rj_store_msg_t m = st_msg("P", 0, "b", "");
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OS_PAGECACHE_BUSY);
    atomic_store(&f->s->begin_time_in_lock, 0);
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
}

static void
test_selects_are_bounded_by_written_bytes(void **state)
{
    fixture_t *f = *state;
    rj_store_msg_t m = st_msg("S", 0, "b", "");
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    rj_store_view_t v;
    assert_int_equal(rj_commitlog_select(f->s, 0, r.wrote_bytes, &v), 0);
    rj_store_view_release(&v);
    assert_int_equal(rj_commitlog_select(f->s, 0, r.wrote_bytes + 1, &v), RJ_ENOTFOUND);
    assert_int_equal(rj_commitlog_select(f->s, 5 * SEG, 10, &v), RJ_ENOTFOUND);
    assert_int_equal(rj_store_select_message(f->s, r.wrote_bytes, &v), RJ_ENOTFOUND);
    assert_int_equal(rj_commitlog_pickup_store_timestamp(f->s, -1, 10), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_record_fields_are_encoded_as_given, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blank_is_written_when_record_plus_8_does_not_fit,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_records_and_properties_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_page_cache_busy_when_lock_held_too_long, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_selects_are_bounded_by_written_bytes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
