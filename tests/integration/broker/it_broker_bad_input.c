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

/* Every request code the broker serves, without any header or body. */
static const struct {
    int32_t code;
    int32_t want;       /* response code */
    const char *remark; /* part of the remark, NULL: none expected */
} empty_cases[] = {
    {10, 1, "the custom field <producerGroup> is null"},
    {11, 1, "the custom field <consumerGroup> is null"},
    {12, 1, "is null"},
    {14, 1, "the custom field <consumerGroup> is null"},
    {15, 1, "the custom field <consumerGroup> is null"},
    {17, 1, "is null"},
    {21, 0, NULL},
    {25, 0, NULL},
    {26, 0, NULL},
    {28, 0, NULL},
    {29, 1, "the custom field <topic> is null"},
    {30, 1, "the custom field <topic> is null"},
    {31, 1, "the custom field <topic> is null"},
    {32, 1, "the custom field <topic> is null"},
    {33, 1, "the custom field <offset> is null"},
    {34, 1, "heartbeat body"},
    {35, 1, "the custom field <clientID> is null"},
    {36, 1, "the custom field <offset> is null"},
    {37, 1, "the custom field <producerGroup> is null"},
    {38, 1, "the custom field <consumerGroup> is null"},
    {41, 1, "body"},
    {42, 1, "body"},
    {43, 0, NULL},
    {45, 0, NULL},
    {46, 1, "CheckClientRequestBody"},
    {200, 1, NULL},
    {201, 0, NULL},
    {202, 1, "the custom field <topic> is null"},
    {203, 1, "the custom field <consumerGroup> is null"},
    {204, 1, "the custom field <producerGroup> is null"},
    {207, 1, "the custom field <groupName> is null"},
    {208, 1, "the custom field <consumerGroup> is null"},
    {215, 1, "the custom field <topic> is null"},
    {222, 1, "is null"},
    {300, 1, "the custom field <topic> is null"},
    {303, 1, "the custom field <topic> is null"},
    {305, 0, NULL},
    {306, 0, NULL},
    {307, 1, "the custom field <consumerGroup> is null"},
    {308, 1, "the custom field <compareGroup> is null"},
    {309, 1, "the custom field <consumerGroup> is null"},
    {310, 1, "the custom field <a> is null"},
    {314, 1, "is null"},
    {315, 1, "the custom field <statsName> is null"},
    {316, 0, NULL},
    {317, 1, "the custom field <isOrder> is null"},
    {320, 1, "the custom field <a> is null"},
    {321, 1, "the custom field <topic> is null"},
    {323, 1, "RMQ_SYS_TRANS_HALF_TOPIC"},
    {328, 0, NULL},
    {329, 0, NULL},
};

/* Every numeric field any request reads, malformed. */
static const char *const malformed_ext =
    "{\"topic\":\"T\",\"consumerGroup\":\"g\",\"producerGroup\":\"g\",\"group\":\"g\","
    "\"groupName\":\"g\",\"clientID\":\"c\",\"clientId\":\"c\",\"key\":\"k\",\"msgId\":\"m\","
    "\"queueId\":\"q\",\"queueOffset\":\"q\",\"offset\":\"q\",\"maxMsgNums\":\"q\","
    "\"sysFlag\":\"q\",\"commitOffset\":\"q\",\"suspendTimeoutMillis\":\"q\",\"subVersion\":\"q\","
    "\"timestamp\":\"q\",\"maxNum\":\"q\",\"beginTimestamp\":\"q\",\"endTimestamp\":\"q\","
    "\"delayLevel\":\"q\",\"tranStateTableOffset\":\"q\",\"commitLogOffset\":\"q\","
    "\"commitOrRollback\":\"q\",\"readQueueNums\":\"q\",\"writeQueueNums\":\"q\",\"perm\":\"q\","
    "\"index\":\"q\",\"count\":\"q\",\"statsName\":\"s\",\"statsKey\":\"k\","
    "\"compareGroup\":\"g\",\"srcGroup\":\"g\",\"destGroup\":\"g\",\"isForce\":\"q\","
    "\"a\":\"g\",\"b\":\"T\",\"c\":\"TBW102\",\"d\":\"q\",\"e\":\"q\",\"f\":\"q\",\"g\":\"q\","
    "\"h\":\"q\"}";

/*
 * Codes whose headers hold only names: with the names present they succeed
 * (RocketMQ answers them SUCCESS too for unknown groups and topics).
 */
static bool
names_only(int32_t code)
{
    static const int32_t codes[] = {35, 207, 208, 215, 300, 308, 314};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (codes[i] == code) {
            return true;
        }
    }
    return false;
}

static void
test_every_code_answers_bad_input(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    for (size_t i = 0; i < sizeof(empty_cases) / sizeof(empty_cases[0]); i++) {
        rj_raw_reply_t r;
        it_call(c, empty_cases[i].code, IT_VERSION_JAVA, NULL, NULL, 0, &r);
        if (r.code != empty_cases[i].want ||
            (empty_cases[i].remark != NULL &&
             (r.remark == NULL || strstr(r.remark, empty_cases[i].remark) == NULL))) {
            fail_msg("code %d without input: answered %d '%s', expected %d '%s'",
                     empty_cases[i].code, r.code, r.remark ? r.remark : "(null)",
                     empty_cases[i].want, empty_cases[i].remark ? empty_cases[i].remark : "(any)");
        }
        rj_raw_reply_cleanup(&r);
        /* Malformed numbers: an error naming a field, never a crash or a success. */
        it_call(c, empty_cases[i].code, IT_VERSION_JAVA, malformed_ext, "garbage", 7, &r);
        if (empty_cases[i].want != 0 && r.code == 0 && !names_only(empty_cases[i].code)) {
            fail_msg("code %d with malformed fields succeeded", empty_cases[i].code);
        }
        rj_raw_reply_cleanup(&r);
        /* One-way: never answered, whatever the input. */
        it_send(c, empty_cases[i].code, IT_VERSION_JAVA, 2, malformed_ext, "garbage", 7);
    }
    /* Still serving after all of that: the next answer is this request's. */
    rj_raw_reply_t r;
    it_call(c, 30, IT_VERSION_JAVA, "{\"topic\":\"NoTopic\",\"queueId\":\"0\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "0");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_unknown_topics_and_queue_ids(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_send_message(c, "KnownT", 0, "TAGS\001a", "x", 1, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    /* Pull: unknown topic, queue id beyond readQueueNums, negative queue id. */
    it_pull(c, "bad_cg", "NoSuchTopicX", 0, 0, 32, "*", NULL, &r);
    assert_int_equal(r.code, 17);
    assert_non_null(strstr(r.remark, "topic[NoSuchTopicX] not exist"));
    rj_raw_reply_cleanup(&r);
    it_pull(c, "bad_cg", "KnownT", 4, 0, 32, "*", NULL, &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "queueId[4] is illegal"));
    rj_raw_reply_cleanup(&r);
    it_pull(c, "bad_cg", "KnownT", -1, 0, 32, "*", NULL, &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "queueId[-1] is illegal"));
    rj_raw_reply_cleanup(&r);
    /* Send: queue id beyond the topic's queues; reserved and malformed topic names. */
    it_send_message(c, "KnownT", 9, "TAGS\001a", "x", 1, &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "request queueId[9] is illegal"));
    rj_raw_reply_cleanup(&r);
    it_send_message(c, "RMQ_SYS_TRANS_HALF_TOPIC", 0, "TAGS\001a", "x", 1, &r);
    assert_int_equal(r.code, 16);
    rj_raw_reply_cleanup(&r);
    it_send_message(c, "bad topic!", 0, "TAGS\001a", "x", 1, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);
    /* Offsets of unknown queues are 0 / -1 as RocketMQ answers them. */
    it_call(c, 31, IT_VERSION_JAVA, "{\"topic\":\"NoSuchTopicX\",\"queueId\":\"3\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(c, 32, IT_VERSION_JAVA, "{\"topic\":\"NoSuchTopicX\",\"queueId\":\"3\"}", NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "timestamp"), "-1");
    rj_raw_reply_cleanup(&r);
    /* Topic statistics and consume queue of an unknown topic. */
    it_call(c, 202, IT_VERSION_JAVA, "{\"topic\":\"NoSuchTopicX\"}", NULL, 0, &r);
    assert_int_equal(r.code, 17);
    rj_raw_reply_cleanup(&r);
    /* Properties beyond 32767 bytes. */
    size_t plen = 40000;
    char *props = rj_malloc(plen + 1);
    memcpy(props, "big\001", 4);
    memset(props + 4, 'p', plen - 4);
    props[plen] = '\0';
    it_send_message(c, "KnownT", 0, props, "x", 1, &r);
    assert_int_equal(r.code, 13);
    rj_raw_reply_cleanup(&r);
    rj_free(props);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_headers_and_bodies),
        cmocka_unit_test(test_undecodable_frames_close_the_connection),
        cmocka_unit_test(test_every_code_answers_bad_input),
        cmocka_unit_test(test_unknown_topics_and_queue_ids),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
