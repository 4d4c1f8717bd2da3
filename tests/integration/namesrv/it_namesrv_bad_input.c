/*
 * Bad input never takes the name server down: malformed frames close the
 * connection, well-framed but wrong requests get an error response, and after
 * each the next client is served. The daemon must finally exit cleanly (and,
 * in the sanitizer build, without leaks).
 */
#include "namesrv_fixture.h"

#include "common/buf.h"
#include "common/crc.h"
#include "common/endian.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <cmocka.h>

static rj_daemon_t *ns;

static int
group_setup(void **state)
{
    (void)state;
    return it_namesrv_start(10000, 120000, NULL, &ns);
}

static int
group_teardown(void **state)
{
    (void)state;
    int rc = 0;
    if (!rj_daemon_is_external(ns)) {
        int status = -1;
        rc = rj_daemon_stop(ns, 10000, &status);
        if (rc == 0 && status != 0) {
            fprintf(stderr, "mqnamesrv exited with status %d\n", status);
            rj_daemon_dump_output(ns, stderr, 0);
            rc = -1;
        }
    }
    rj_daemon_destroy(ns);
    return rc;
}

/* The server still answers a fresh client. */
static void
expect_served(void)
{
    rj_raw_client_t *c = it_connect(ns);
    rj_raw_reply_t r;
    it_call(c, 106, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    if (!rj_daemon_is_external(ns)) {
        assert_true(rj_daemon_is_running(ns));
    }
}

static void
expect_closed_after(const void *bytes, size_t len)
{
    rj_raw_client_t *c = it_connect(ns);
    assert_int_equal(rj_raw_client_send(c, bytes, len), 0);
    assert_true(rj_raw_client_wait_closed(c, IT_TIMEOUT_MS));
    rj_raw_client_close(c);
    expect_served();
}

static void
test_garbage_bytes_close_the_connection(void **state)
{
    (void)state;
    const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    expect_closed_after(http, strlen(http));
}

static void
test_length_of_2_pow_31(void **state)
{
    (void)state;
    static const uint8_t frame[] = {0x80, 0, 0, 0, 0, 0, 0, 2, '{', '}'};
    expect_closed_after(frame, sizeof(frame));
    static const uint8_t huge[] = {0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2, '{', '}'};
    expect_closed_after(huge, sizeof(huge));
    static const uint8_t tiny[] = {0, 0, 0, 2, 0, 0};
    expect_closed_after(tiny, sizeof(tiny));
}

static void
test_header_longer_than_frame(void **state)
{
    (void)state;
    static const uint8_t frame[] = {0, 0, 0, 10, 0, 0, 1, 0, '{', '}', ' ', ' ', ' ', ' '};
    expect_closed_after(frame, sizeof(frame));
}

static void
test_invalid_json_header_and_unknown_serialize_type(void **state)
{
    (void)state;
    rj_buf_t f = RJ_BUF_INIT;
    const char *bad =
        "{\"code\":105,\"flag\":0,\"opaque\":1,\"version\":409,\"extFields\":{\"topic";
    rj_raw_frame(&f, 0, bad, strlen(bad), NULL, 0);
    expect_closed_after(f.data, f.len);
    rj_buf_reset(&f);
    const char *ok = "{\"code\":105,\"flag\":0,\"opaque\":1,\"version\":409}";
    rj_raw_frame(&f, 5, ok, strlen(ok), NULL, 0);
    expect_closed_after(f.data, f.len);
    /* ROCKETMQ binary header whose remark length runs past the header. */
    rj_buf_reset(&f);
    static const uint8_t bin[] = {0, 105, 0, 1, 0x99, 0, 0, 0, 1, 0, 0, 0, 0, 0x7F, 0, 0, 0};
    rj_raw_frame(&f, 1, bin, sizeof(bin), NULL, 0);
    expect_closed_after(f.data, f.len);
    rj_buf_cleanup(&f);
}

static void
test_unknown_code_gets_request_code_not_supported(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(ns);
    rj_raw_reply_t r;
    it_call(c, 4242, IT_VERSION_JAVA, "{}", NULL, 0, &r);
    assert_int_equal(r.code, 3);
    assert_string_equal(r.remark, " request type 4242 not supported");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    expect_served();
}

/* REGISTER_BROKER with the given ext fields and body; returns the reply code, remark checked. */
static void
expect_register_error(const char *ext, const void *body, size_t len, const char *remark_prefix)
{
    rj_raw_client_t *c = it_connect(ns);
    rj_raw_reply_t r;
    it_call(c, 103, IT_VERSION_JAVA, ext, body, len, &r);
    assert_int_equal(r.code, 1);
    if (r.remark == NULL || strncmp(r.remark, remark_prefix, strlen(remark_prefix)) != 0) {
        fail_msg("remark '%s' does not start with '%s'", r.remark ? r.remark : "(null)",
                 remark_prefix);
    }
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    expect_served();
}

#define REG_EXT(compressed, crc)                                                                  \
    "{\"brokerId\":\"0\",\"bodyCrc32\":\"" crc "\",\"clusterName\":\"bad\",\"brokerAddr\":"       \
    "\"127.0.0.1:29911\",\"haServerAddr\":\"127.0.0.1:29912\",\"compressed\":\"" compressed "\"," \
    "\"brokerName\":\"it-bad\"}"

static void
test_register_broker_with_broken_bodies(void **state)
{
    (void)state;
    const char *json = "{\"topicConfigSerializeWrapper\":{\"topicConfigTable\":{\"t\":[";
    expect_register_error(REG_EXT("false", "0"), json, strlen(json),
                          "Failed to decode RegisterBrokerBody");
    const char *zgarbage = "this is not zlib at all";
    expect_register_error(REG_EXT("true", "0"), zgarbage, strlen(zgarbage),
                          "Failed to decode RegisterBrokerBody");
    /* A valid body under a wrong checksum. */
    const char *body = "{\"filterServerList\":[],\"topicConfigSerializeWrapper\":{}}";
    expect_register_error(REG_EXT("false", "12345"), body, strlen(body), "crc32 not match");
    /* Required fields missing or not numbers. */
    expect_register_error(
        "{\"brokerAddr\":\"127.0.0.1:1\",\"clusterName\":\"c\",\"brokerId\":\"0\"}", body,
        strlen(body), "the custom field <brokerName> is null");
    expect_register_error("{\"brokerName\":\"b\",\"brokerAddr\":\"127.0.0.1:1\",\"clusterName\":"
                          "\"c\",\"brokerId\":\"zero\"}",
                          body, strlen(body), "the custom field <brokerId>");

    /* A zip bomb: refused after a bounded amount of inflating. */
    size_t n = 80u * 1024u * 1024u;
    uint8_t *zeros = calloc(1, n);
    uLongf zn = compressBound(n);
    uint8_t *z = malloc(zn);
    assert_int_equal(compress2(z, &zn, zeros, n, 9), Z_OK);
    expect_register_error(REG_EXT("true", "0"), z, zn, "Failed to decode RegisterBrokerBody");
    free(z);
    free(zeros);
    /* The broken registrations left nothing behind. */
    assert_int_equal(it_route(ns, "t", IT_VERSION_JAVA, NULL), 17);
}

static void
test_truncated_frame_then_disconnect(void **state)
{
    (void)state;
    rj_buf_t f = RJ_BUF_INIT;
    rj_raw_request_json(&f, 105, IT_VERSION_JAVA, 1, 0, "{\"topic\":\"TBW102\"}", NULL, 0);
    rj_raw_client_t *c = it_connect(ns);
    assert_int_equal(rj_raw_client_send(c, f.data, f.len / 2), 0);
    rj_raw_client_close(c);
    rj_buf_cleanup(&f);
    expect_served();
}

static void
test_random_frames(void **state)
{
    (void)state;
    unsigned seed = (unsigned)time(NULL);
    const char *env = getenv("RJ_TEST_SEED");
    if (env != NULL) {
        seed = (unsigned)strtoul(env, NULL, 10);
    }
    printf("random frames: seed %u (RJ_TEST_SEED=%u to repeat)\n", seed, seed);
    srand(seed);
    for (int i = 0; i < 40; i++) {
        /* A plausible frame prefix with random header/body bytes and random lengths. */
        uint8_t buf[256];
        size_t len = 8 + (size_t)(rand() % 200);
        for (size_t j = 0; j < len; j++) {
            buf[j] = (uint8_t)rand();
        }
        uint32_t flen = (uint32_t)(rand() % 3 == 0 ? rand() : (int)len - 4);
        rj_store_be32(buf, flen);
        uint32_t hlen = (uint32_t)(rand() % 3 == 0 ? rand() % 0xFFFFFF : rand() % (int)len);
        rj_store_be32(buf + 4, ((uint32_t)(rand() % 3) << 24) | hlen);
        rj_raw_client_t *c = it_connect(ns);
        assert_int_equal(rj_raw_client_send(c, buf, len), 0);
        /* Either an answer or a close; an incomplete frame just waits: we hang up. */
        rj_buf_t frame = RJ_BUF_INIT;
        rj_raw_client_read_frame(c, 50, &frame);
        rj_buf_cleanup(&frame);
        rj_raw_client_close(c);
    }
    expect_served();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_bytes_close_the_connection),
        cmocka_unit_test(test_length_of_2_pow_31),
        cmocka_unit_test(test_header_longer_than_frame),
        cmocka_unit_test(test_invalid_json_header_and_unknown_serialize_type),
        cmocka_unit_test(test_unknown_code_gets_request_code_not_supported),
        cmocka_unit_test(test_register_broker_with_broken_bodies),
        cmocka_unit_test(test_truncated_frame_then_disconnect),
        cmocka_unit_test(test_random_frames),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
