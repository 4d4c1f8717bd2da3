#include "common/message_record.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/crc.h"
#include "common/endian.h"
#include "common/fs.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static rj_buf_t
load_vector(const char *name)
{
    char path[1024];
    const char *src = getenv("RJ_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/data/store/%s", src ? src : ".", name);
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &b), 0);
    return b;
}

static void
assert_host(const rj_msg_host_t *h, const char *ip, int port)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, ip, &a), 1);
    assert_int_equal(h->family, 4);
    assert_memory_equal(h->addr, &a, 4);
    assert_int_equal(h->port, port);
}

static void
test_decodes_vector_record0_field_by_field(void **state)
{
    (void)state;
    rj_buf_t cl = load_vector("commitlog-head.bin");
    rj_message_record_t r;
    int n = rj_message_record_decode(cl.data, cl.len, &r, RJ_MSG_DECODE_CHECK_CRC);
    assert_int_equal(n, 258);
    assert_int_equal(r.total_size, 258);
    assert_int_equal(r.magic, RJ_MSG_MAGIC_V1);
    assert_int_equal(r.body_crc, 1162291058);
    assert_int_equal(r.queue_id, 2);
    assert_int_equal(r.flag, 0);
    assert_int_equal(r.queue_offset, 0);
    assert_int_equal(r.phy_offset, 0);
    assert_int_equal(r.sys_flag, 0);
    assert_int_equal(r.born_timestamp, 1795794258365LL);
    assert_host(&r.born_host, "127.0.0.1", 32906);
    assert_int_equal(r.store_timestamp, 1795794258389LL);
    assert_host(&r.store_host, "127.0.0.1", 10911);
    assert_int_equal(r.reconsume_times, 0);
    assert_int_equal(r.prepared_transaction_offset, 0);
    assert_int_equal(r.body.len, 23);
    assert_memory_equal(r.body.data,
                        "vector \xc3\xa9\xc3\xa8 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x9a\x80", 23);
    assert_true(rj_bytes_eq_cstr(r.topic, "TopicTest"));
    assert_int_equal(r.properties.len, 135);
    assert_true(rj_bytes_starts_with(r.properties, "color\x01"
                                                   "blue\x02KEYS\x01vecKey1 vecKey2\x02"));
    assert_int_equal(rj_message_record_store_timestamp(cl.data), 1795794258389LL);
    rj_buf_cleanup(&cl);
}

static void
test_decodes_vector_records_1_and_2_compressed(void **state)
{
    (void)state;
    rj_buf_t cl = load_vector("commitlog-head.bin");
    rj_message_record_t r;
    assert_int_equal(rj_message_record_decode(cl.data + 258, cl.len - 258, &r, 1), 675);
    assert_int_equal(r.phy_offset, 258);
    assert_int_equal(r.sys_flag, 0x301);
    assert_int_equal(r.body.len, 465);
    assert_int_equal(r.body_crc, 2117951299);
    assert_int_equal(r.store_timestamp, 1795794258430LL);
    assert_int_equal(r.properties.len, 110);
    assert_int_equal(rj_message_record_decode(cl.data + 933, cl.len - 933, &r, 1), 237);
    assert_int_equal(r.phy_offset, 933);
    assert_int_equal(r.queue_offset, 0);
    assert_int_equal(r.queue_id, 0);
    assert_int_equal(r.body.len, 26);
    assert_int_equal(r.body_crc, 1250809638);
    assert_int_equal(r.body.data[0], 0x78);
    assert_int_equal(r.body.data[1], 0x5E);
    rj_buf_cleanup(&cl);
}

static void
test_every_vector_record_passes_crc_and_reencodes_identically(void **state)
{
    (void)state;
    rj_buf_t cl = load_vector("commitlog-head.bin");
    uint8_t out[8192];
    size_t off = 0;
    int count = 0;
    for (;;) {
        rj_message_record_t r;
        int n = rj_message_record_decode(cl.data + off, cl.len - off, &r, RJ_MSG_DECODE_CHECK_CRC);
        if (n == 0) {
            break;
        }
        assert_true(n > 0);
        assert_int_equal(r.phy_offset, (int64_t)off);
        assert_int_equal(
            rj_message_record_length(r.sys_flag, r.body.len, r.topic.len, r.properties.len, false),
            (size_t)n);
        int m = rj_message_record_encode(&r, out, sizeof(out));
        assert_int_equal(m, n);
        assert_memory_equal(out, cl.data + off, (size_t)n);
        off += (size_t)n;
        count++;
    }
    /* 301 whole records, then the first 108 bytes of the next one. */
    assert_int_equal(count, 301);
    assert_int_equal(off, 65428);
    rj_buf_cleanup(&cl);
}

static void
test_truncated_input_is_incomplete_not_error(void **state)
{
    (void)state;
    rj_buf_t cl = load_vector("commitlog-head.bin");
    rj_message_record_t r;
    assert_int_equal(rj_message_record_decode(cl.data, 0, &r, 0), 0);
    assert_int_equal(rj_message_record_decode(cl.data, 7, &r, 0), 0);
    assert_int_equal(rj_message_record_decode(cl.data, 257, &r, 0), 0);
    /* The torn record at the end of the vector. */
    assert_int_equal(rj_message_record_decode(cl.data + 65428, cl.len - 65428, &r, 0), 0);
    rj_buf_cleanup(&cl);
}

static void
test_flipped_body_byte_fails_crc_only_when_checked(void **state)
{
    (void)state;
    rj_buf_t cl = load_vector("commitlog-head.bin");
    rj_message_record_t r;
    cl.data[88 + 3] ^= 0x01;
    assert_int_equal(rj_message_record_decode(cl.data, cl.len, &r, RJ_MSG_DECODE_CHECK_CRC),
                     RJ_ECORRUPT);
    assert_int_equal(rj_message_record_decode(cl.data, cl.len, &r, 0), 258);
    rj_buf_cleanup(&cl);
}

static void
test_bad_magic_and_bad_lengths_are_malformed(void **state)
{
    (void)state;
    rj_buf_t cl = load_vector("commitlog-head.bin");
    uint8_t rec[258];
    rj_message_record_t r;
    memcpy(rec, cl.data, sizeof(rec));
    rec[5] ^= 0xFF;
    assert_int_equal(rj_message_record_decode(rec, sizeof(rec), &r, 0), RJ_EMALFORMED);
    memcpy(rec, cl.data, sizeof(rec));
    /* TOTALSIZE smaller than the record: the length check fails. */
    rj_store_be32(rec, 257);
    assert_int_equal(rj_message_record_decode(rec, sizeof(rec), &r, 0), RJ_EMALFORMED);
    rj_store_be32(rec, 12);
    assert_int_equal(rj_message_record_decode(rec, sizeof(rec), &r, 0), RJ_EMALFORMED);
    rj_store_be32(rec, (uint32_t)-5);
    assert_int_equal(rj_message_record_decode(rec, sizeof(rec), &r, 0), RJ_EMALFORMED);
    memcpy(rec, cl.data, sizeof(rec));
    /* BODYLEN pointing past the record. */
    rj_store_be32(rec + 84, 100000);
    assert_int_equal(rj_message_record_decode(rec, sizeof(rec), &r, 0), RJ_EMALFORMED);
    memcpy(rec, cl.data, sizeof(rec));
    /* Negative topic length. */
    rec[111] = 0x80;
    assert_int_equal(rj_message_record_decode(rec, sizeof(rec), &r, 0), RJ_EMALFORMED);
    rj_buf_cleanup(&cl);
}

static void
test_blank_marker(void **state)
{
    (void)state;
    uint8_t b[8];
    rj_message_record_encode_blank(b, 4096);
    assert_true(rj_message_record_is_blank(b, 8));
    assert_false(rj_message_record_is_blank(b, 7));
    assert_int_equal(rj_load_be32(b), 4096);
    assert_int_equal((int32_t)rj_load_be32(b + 4), -875286124);
    rj_message_record_t r;
    assert_int_equal(rj_message_record_decode(b, 8, &r, 0), RJ_EMALFORMED);
}

static void
test_ipv6_hosts_round_trip_and_shift_fields(void **state)
{
    (void)state;
    rj_message_record_t r, d;
    memset(&r, 0, sizeof(r));
    r.sys_flag = RJ_SYSFLAG_BORNHOST_V6 | RJ_SYSFLAG_STOREHOST_V6 | RJ_SYSFLAG_TRANSACTION_COMMIT;
    r.born_host.family = 6;
    r.born_host.addr[0] = 0xfd;
    r.born_host.addr[15] = 2;
    r.born_host.port = 40000;
    r.store_host.family = 6;
    r.store_host.addr[15] = 1;
    r.store_host.port = 10911;
    r.queue_id = 3;
    r.queue_offset = 77;
    r.phy_offset = 1 << 20;
    r.born_timestamp = 1000;
    r.store_timestamp = 2000;
    r.reconsume_times = 2;
    r.prepared_transaction_offset = 555;
    r.body = RJ_BYTES_LIT("hello");
    r.body_crc = rj_crc32_masked("hello", 5);
    r.topic = RJ_BYTES_LIT("T6");
    r.properties = RJ_BYTES_LIT("TAGS\x01x");
    uint8_t buf[256];
    int n = rj_message_record_encode(&r, buf, sizeof(buf));
    assert_int_equal(n, 91 + 24 + 5 + 2 + 6);
    assert_int_equal(rj_message_record_decode(buf, (size_t)n, &d, RJ_MSG_DECODE_CHECK_CRC), n);
    assert_int_equal(d.born_host.family, 6);
    assert_memory_equal(d.born_host.addr, r.born_host.addr, 16);
    assert_int_equal(d.born_host.port, 40000);
    assert_int_equal(d.store_host.port, 10911);
    assert_int_equal(d.store_timestamp, 2000);
    assert_int_equal(rj_message_record_store_timestamp(buf), 2000);
    assert_int_equal(d.prepared_transaction_offset, 555);
    assert_int_equal(rj_sysflag_tran_type(d.sys_flag), RJ_SYSFLAG_TRANSACTION_COMMIT);
    assert_true(rj_bytes_eq_cstr(d.topic, "T6"));
    /* Too small a buffer, and a host family that contradicts sysFlag. */
    assert_int_equal(rj_message_record_encode(&r, buf, (size_t)n - 1), RJ_ETOOLARGE);
    r.store_host.family = 4;
    assert_int_equal(rj_message_record_encode(&r, buf, sizeof(buf)), RJ_EINVAL);
}

static void
test_v2_magic_has_two_byte_topic_length(void **state)
{
    (void)state;
    char topic[200];
    memset(topic, 'a', sizeof(topic));
    rj_message_record_t r, d;
    memset(&r, 0, sizeof(r));
    r.magic = RJ_MSG_MAGIC_V2;
    r.born_host.family = 4;
    r.store_host.family = 4;
    r.topic = rj_bytes(topic, sizeof(topic));
    uint8_t buf[512];
    int n = rj_message_record_encode(&r, buf, sizeof(buf));
    assert_int_equal(n, 92 + 200);
    assert_int_equal(rj_message_record_decode(buf, (size_t)n, &d, 0), n);
    assert_int_equal(d.magic, RJ_MSG_MAGIC_V2);
    assert_int_equal(d.topic.len, 200);
    /* A V1 record cannot hold a topic longer than 127 bytes. */
    r.magic = RJ_MSG_MAGIC_V1;
    assert_int_equal(rj_message_record_encode(&r, buf, sizeof(buf)), RJ_EINVAL);
}

static void
test_batch_body_vector_decodes_and_reencodes(void **state)
{
    (void)state;
    rj_buf_t b = load_vector("batch-body-frame86.bin");
    assert_int_equal(b.len, 405);
    size_t off = 0;
    int i = 0;
    uint8_t out[512];
    while (off < b.len) {
        rj_message_batch_item_t it;
        int n = rj_message_batch_item_decode(b.data + off, b.len - off, &it);
        assert_int_equal(n, 135);
        assert_int_equal(it.flag, 0);
        assert_int_equal(it.magic, 0);
        char body[32];
        snprintf(body, sizeof(body), "Hello world %d", i);
        assert_true(rj_bytes_eq_cstr(it.body, body));
        assert_int_equal(it.properties.len, 100);
        assert_true(rj_bytes_starts_with(it.properties, "KEYS\x01OrderID00"));
        assert_int_equal(
            rj_message_batch_item_encode(it.flag, it.body, it.properties, out, sizeof(out)), n);
        assert_memory_equal(out, b.data + off, (size_t)n);
        off += (size_t)n;
        i++;
    }
    assert_int_equal(i, 3);
    rj_message_batch_item_t it;
    assert_int_equal(rj_message_batch_item_decode(b.data, 0, &it), 0);
    assert_int_equal(rj_message_batch_item_decode(b.data, 100, &it), RJ_EMALFORMED);
    b.data[17] = 0x7F; /* body length beyond the item */
    assert_int_equal(rj_message_batch_item_decode(b.data, b.len, &it), RJ_EMALFORMED);
    rj_buf_cleanup(&b);
}

static void
test_host_sockaddr_conversions(void **state)
{
    (void)state;
    struct sockaddr_in in;
    memset(&in, 0, sizeof(in));
    in.sin_family = AF_INET;
    in.sin_port = htons(10911);
    inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
    rj_msg_host_t h;
    assert_int_equal(rj_msg_host_from_sockaddr((struct sockaddr *)&in, &h), 0);
    assert_host(&h, "192.0.2.7", 10911);
    char text[64];
    rj_msg_host_format(&h, text, sizeof(text));
    assert_string_equal(text, "192.0.2.7:10911");
    struct sockaddr_storage ss;
    assert_int_equal(rj_msg_host_to_sockaddr(&h, &ss), 0);
    assert_memory_equal(&ss, &in, sizeof(in));

    struct sockaddr_in6 in6;
    memset(&in6, 0, sizeof(in6));
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(8080);
    inet_pton(AF_INET6, "fd00::2", &in6.sin6_addr);
    assert_int_equal(rj_msg_host_from_sockaddr((struct sockaddr *)&in6, &h), 0);
    assert_int_equal(h.family, 6);
    assert_int_equal(rj_msg_host_len(&h), 20);
    rj_msg_host_format(&h, text, sizeof(text));
    assert_string_equal(text, "[fd00::2]:8080");
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_int_equal(rj_msg_host_from_sockaddr(&un, &h), RJ_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decodes_vector_record0_field_by_field),
        cmocka_unit_test(test_decodes_vector_records_1_and_2_compressed),
        cmocka_unit_test(test_every_vector_record_passes_crc_and_reencodes_identically),
        cmocka_unit_test(test_truncated_input_is_incomplete_not_error),
        cmocka_unit_test(test_flipped_body_byte_fails_crc_only_when_checked),
        cmocka_unit_test(test_bad_magic_and_bad_lengths_are_malformed),
        cmocka_unit_test(test_blank_marker),
        cmocka_unit_test(test_ipv6_hosts_round_trip_and_shift_fields),
        cmocka_unit_test(test_v2_magic_has_two_byte_topic_length),
        cmocka_unit_test(test_batch_body_vector_decodes_and_reencodes),
        cmocka_unit_test(test_host_sockaddr_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
