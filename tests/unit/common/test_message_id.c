#include "common/message_id.h"

#include "ramjet/status.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_ipv4_id_matches_rocketmq_layout(void **state)
{
    (void)state;
    rj_msg_host_t h = {.family = 4, .port = 10911};
    inet_pton(AF_INET, "127.0.0.1", h.addr);
    char id[RJ_MSG_ID_MAX_HEX_SIZE];
    /* 127.0.0.1:10911 offset 933: 7F000001 00002A9F 00000000000003A5. */
    assert_int_equal(rj_message_id_encode(&h, 933, id, sizeof(id)), 32);
    assert_string_equal(id, "7F00000100002A9F00000000000003A5");
    rj_msg_host_t d;
    int64_t off;
    assert_int_equal(rj_message_id_decode(id, strlen(id), &d, &off), 0);
    assert_int_equal(off, 933);
    assert_int_equal(d.family, 4);
    assert_int_equal(d.port, 10911);
    assert_memory_equal(d.addr, h.addr, 4);
    /* Lowercase input is accepted too. */
    assert_int_equal(rj_message_id_decode("7f00000100002a9f00000000000003a5", 32, &d, &off), 0);
    assert_int_equal(off, 933);
}

static void
test_ipv6_id_is_56_chars(void **state)
{
    (void)state;
    rj_msg_host_t h = {.family = 6, .port = 10911};
    inet_pton(AF_INET6, "fd00::2", h.addr);
    char id[RJ_MSG_ID_MAX_HEX_SIZE];
    assert_int_equal(rj_message_id_encode(&h, 0x0102030405060708LL, id, sizeof(id)), 56);
    assert_string_equal(id, "FD00000000000000000000000000000200002A9F0102030405060708");
    rj_msg_host_t d;
    int64_t off;
    assert_int_equal(rj_message_id_decode(id, 56, &d, &off), 0);
    assert_int_equal(d.family, 6);
    assert_int_equal(off, 0x0102030405060708LL);
    assert_int_equal(rj_message_id_encode(&h, 1, id, 56), RJ_ETOOLARGE);
}

static void
test_bad_ids_are_rejected(void **state)
{
    (void)state;
    rj_msg_host_t d;
    int64_t off;
    assert_int_equal(rj_message_id_decode("7F0000", 6, &d, &off), RJ_EMALFORMED);
    assert_int_equal(rj_message_id_decode("7F00000100002A9F00000000000003AZ", 32, &d, &off),
                     RJ_EMALFORMED);
    uint8_t raw[2];
    assert_int_equal(rj_hex_decode("ABC", 3, raw, sizeof(raw)), RJ_EMALFORMED);
    assert_int_equal(rj_hex_decode("ABCDEF", 6, raw, sizeof(raw)), RJ_EMALFORMED);
    assert_int_equal(rj_hex_decode("abCD", 4, raw, sizeof(raw)), 2);
    assert_int_equal(raw[0], 0xAB);
    assert_int_equal(raw[1], 0xCD);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_id_matches_rocketmq_layout),
        cmocka_unit_test(test_ipv6_id_is_56_chars),
        cmocka_unit_test(test_bad_ids_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
