/*
 * Bad input never crashes or hangs the broker: missing or malformed header
 * fields, garbage bodies, absurd queue ids and sizes, and malformed frames
 * get clear errors (or a closed connection for undecodable frames), and the
 * broker keeps serving afterwards. SYNC_FLUSH sends (deferred until the
 * fsync) are answered too.
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/endian.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static it_cluster_t cluster;

static int
group_setup(void **state)
{
    (void)state;
    it_cluster_start(&cluster, "flushDiskType=SYNC_FLUSH\n");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_cluster_stop(&cluster);
    return 0;
}

static void
expect(rj_raw_client_t *c, int32_t code, const char *ext, const void *body, size_t len,
       int32_t want, const char *remark_part)
{
    rj_raw_reply_t r;
    it_call(c, code, IT_VERSION_JAVA, ext, body, len, &r);
    if (r.code != want ||
        (remark_part != NULL && (r.remark == NULL || !strstr(r.remark, remark_part)))) {
        fail_msg("code %d: answered %d '%s', expected %d '%s'", code, r.code,
                 r.remark ? r.remark : "", want, remark_part ? remark_part : "");
    }
    rj_raw_reply_cleanup(&r);
}

static void
test_bad_headers_and_bodies(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    /* Missing required fields. */
    expect(c, 310, "{\"a\":\"pg\"}", "x", 1, 1, "the custom field <b> is null");
    expect(c, 10, "{\"producerGroup\":\"pg\",\"topic\":\"T\"}", "x", 1, 1, "is null");
    expect(c, 11, "{\"topic\":\"T\"}", NULL, 0, 1, "is null");
    expect(c, 14, "{\"topic\":\"T\",\"queueId\":\"x\",\"consumerGroup\":\"g\"}", NULL, 0, 1,
           "queueId");
    expect(c, 15,
           "{\"topic\":\"T\",\"queueId\":\"-5\",\"consumerGroup\":\"g\",\"commitOffset\":\"1\"}",
           NULL, 0, 1, "queueId");
    expect(
        c, 15,
        "{\"topic\":\"T\",\"queueId\":\"99999999\",\"consumerGroup\":\"g\",\"commitOffset\":\"1\"}",
        NULL, 0, 1, "queueId");
    /* Numbers out of range. */
    expect(c, 310,
           "{\"a\":\"pg\",\"b\":\"BadT\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"99999999999\","
           "\"f\":\"0\",\"g\":\"1\",\"h\":\"0\"}",
           "x", 1, 1, "e");
    /* Garbage bodies. */
    expect(c, 34, NULL, "{not json", 9, 1, "heartbeat body");
    expect(c, 34, NULL, NULL, 0, 1, "heartbeat body");
    expect(c, 200, NULL, "[1,2]", 5, 1, "groupName");
    expect(c, 320,
           "{\"a\":\"pg\",\"b\":\"BatchBad\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"0\",\"f\":\"0\","
           "\"g\":\"1\",\"h\":\"0\",\"m\":\"true\"}",
           "\x00\x00\x00\x05zz", 6, 13, "illegal");
    /* A heartbeat with junk inside is answered and ignored where it makes no sense. */
    const char *hb = "{\"clientID\":5,\"consumerDataSet\":[7,{\"groupName\":\"\"},"
                     "{\"groupName\":\"g1\",\"subscriptionDataSet\":[{\"noTopic\":1},\"x\"]}],"
                     "\"producerDataSet\":{\"x\":1}}";
    expect(c, 34, NULL, hb, strlen(hb), 0, NULL);
    /* A body beyond maxMessageSize. */
    size_t big = 4 * 1024 * 1024 + 1;
    uint8_t *body = rj_calloc(1, big);
    expect(c, 310,
           "{\"a\":\"pg\",\"b\":\"BigT\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"0\",\"f\":\"0\","
           "\"g\":\"1\",\"h\":\"0\"}",
           body, big, 13, "msg body length limit 4194304B");
    rj_free(body);
    /* Still serving: a SYNC_FLUSH send (deferred until the fsync) and a batch. */
    rj_raw_reply_t r;
    it_send_message(c, "SyncT", 0, "TAGS\001a\002WAIT\001true", "durable", 7, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_send_message(c, "SyncT", 1, "TAGS\001a\002WAIT\001false", "not waited", 10, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 86, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_undecodable_frames_close_the_connection(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    /* Header length beyond the frame. */
    uint8_t bad[8];
    rj_store_be32(bad, 4);
    rj_store_be32(bad + 4, 1000);
    assert_int_equal(rj_raw_client_send(c, bad, sizeof(bad)), 0);
    assert_true(rj_raw_client_wait_closed(c, IT_TIMEOUT_MS));
    rj_raw_client_close(c);
    c = it_connect(cluster.broker);
    /* A JSON header that is not JSON. */
    rj_buf_t f = RJ_BUF_INIT;
    rj_raw_frame(&f, 0, "{code:", 6, NULL, 0);
    assert_int_equal(rj_raw_client_send(c, f.data, f.len), 0);
    assert_true(rj_raw_client_wait_closed(c, IT_TIMEOUT_MS));
    rj_buf_cleanup(&f);
    rj_raw_client_close(c);
    /* The broker is fine. */
    c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_call(c, 30, IT_VERSION_JAVA, "{\"topic\":\"SyncT\",\"queueId\":\"0\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_headers_and_bodies),
        cmocka_unit_test(test_undecodable_frames_close_the_connection),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
