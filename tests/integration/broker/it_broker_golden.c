/*
 * Golden replay: the requests Apache RocketMQ 4.9.8's clients sent in the
 * captured session (tests/data/frames.jsonl) are sent byte for byte to a
 * real mqbroker, and its answers are compared with the captured responses:
 * code, flag, serialize type, remark, the extFields key set and the values
 * that do not depend on the store's contents or addresses.
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/json.h"
#include "remoting/command.h"

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
    it_cluster_start(&cluster, NULL);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_cluster_stop(&cluster);
    return 0;
}

static const char *const send_values[] = {"queueId", "TRACE_ON", "MSG_REGION", NULL};

/* The offset msgId of this broker: 127.0.0.1, its port, then 16 hex digits of offset. */
static void
assert_msg_id(const char *id)
{
    char prefix[17];
    snprintf(prefix, sizeof(prefix), "7F000001%08X", rj_daemon_port(cluster.broker));
    assert_non_null(id);
    assert_int_equal(strlen(id), 32);
    assert_memory_equal(id, prefix, 16);
}

static void
test_sends_answer_like_rocketmq(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;

    /* Java V2 send to a new topic through TBW102; keys, user properties, UTF-8 body. */
    it_golden_send(c, 41, &r);
    it_golden_expect(&r, 43, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    assert_msg_id(rj_raw_reply_ext(&r, "msgId"));
    rj_raw_reply_cleanup(&r);

    /* Compressed bodies (sysFlag 0x301). */
    it_golden_send(c, 44, &r);
    it_golden_expect(&r, 45, send_values);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 46, &r);
    it_golden_expect(&r, 47, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    rj_raw_reply_cleanup(&r);

    /* V1 header names. */
    it_golden_send(c, 200, &r);
    it_golden_expect(&r, 201, send_values);
    rj_raw_reply_cleanup(&r);

    /* ROCKETMQ binary header: answered in binary with the same fields. */
    it_golden_send(c, 202, &r);
    it_golden_expect(&r, 203, NULL);
    rj_command_t cmd;
    rj_buf_t copy = RJ_BUF_INIT;
    rj_buf_append(&copy, r.frame.data, r.frame.len);
    assert_true(rj_command_decode(copy.data, copy.len, 0, &cmd) > 0);
    rj_bytes_t v;
    assert_true(rj_command_ext_get(&cmd, "queueId", &v) && rj_bytes_eq_cstr(v, "1"));
    assert_true(rj_command_ext_get(&cmd, "msgId", &v) && v.len == 32);
    assert_true(rj_command_ext_get(&cmd, "queueOffset", &v));
    assert_true(rj_command_ext_get(&cmd, "TRACE_ON", &v) && rj_bytes_eq_cstr(v, "true"));
    assert_true(rj_command_ext_get(&cmd, "MSG_REGION", &v) && rj_bytes_eq_cstr(v, "DefaultRegion"));
    rj_buf_cleanup(&copy);
    rj_raw_reply_cleanup(&r);

    /* Batch of three: comma-joined ids, first queue offset. */
    it_golden_send(c, 86, &r);
    it_golden_expect(&r, 87, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    const char *ids = rj_raw_reply_ext(&r, "msgId");
    assert_non_null(ids);
    assert_int_equal(strlen(ids), 3 * 32 + 2);
    assert_int_equal(ids[32], ',');
    rj_raw_reply_cleanup(&r);

    /* ali-ons: numbers in extFields, trailing \x02 in properties, no WAIT. */
    it_golden_send(c, 110, &r);
    it_golden_expect(&r, 111, send_values);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 114, &r);
    it_golden_expect(&r, 115, send_values);
    rj_raw_reply_cleanup(&r);

    /* Errors: reserved topic, bad name, bad queue id. */
    it_golden_send(c, 204, &r);
    it_golden_expect(&r, 205, (const char *const[]){"remark", "TRACE_ON", "MSG_REGION", NULL});
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 206, &r);
    it_golden_expect(&r, 207, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 208, &r);
    it_golden_expect(&r, 209, NULL);
    assert_non_null(r.remark);
    assert_non_null(strstr(r.remark,
                           "request queueId[99] is illegal, TopicConfig [topicName=TopicTest, "
                           "readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType="
                           "SINGLE_TAG, topicSysFlag=0, order=false] Producer: 127.0.0.1:"));
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

/* Waits until the dispatcher has indexed queue `qid` of `topic` up to `want`. */
static void
wait_max_offset(rj_raw_client_t *c, const char *topic, int qid, int64_t want)
{
    char ext[256];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\",\"queueId\":\"%d\"}", topic, qid);
    for (int i = 0; i < 5000; i++) {
        rj_raw_reply_t r;
        it_call(c, 30, IT_VERSION_JAVA, ext, NULL, 0, &r);
        int64_t v = strtoll(rj_raw_reply_ext(&r, "offset"), NULL, 10);
        rj_raw_reply_cleanup(&r);
        if (v >= want) {
            return;
        }
        rj_clock_sleep_ms(2);
    }
    fail_msg("%s/%d never reached offset %lld", topic, qid, (long long)want);
}

/* Three messages with tag TagA into TopicTest queue 0, which the pulls below read. */
static void
fill_queue0(rj_raw_client_t *c)
{
    int64_t last = 0;
    for (int i = 0; i < 3; i++) {
        rj_raw_reply_t r;
        char body[32];
        int n = snprintf(body, sizeof(body), "queue0 message %d", i);
        it_send_message(c, "TopicTest", 0, "TAGS\001TagA\002KEYS\001k0", body, (size_t)n, &r);
        assert_int_equal(r.code, 0);
        last = strtoll(rj_raw_reply_ext(&r, "queueOffset"), NULL, 10);
        rj_raw_reply_cleanup(&r);
    }
    wait_max_offset(c, "TopicTest", 0, last + 1);
}

static void
test_pulls_answer_like_rocketmq(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    rj_raw_reply_t probe;
    /* Queue 0 of TopicTest exists after the sends of the first test (or is created now). */
    it_send_message(c, "TopicTest", 0, "TAGS\001TagA", "x", 1, &probe);
    assert_int_equal(probe.code, 0);
    rj_raw_reply_cleanup(&probe);
    fill_queue0(c);

    /* ROCKETMQ binary pull of 2 messages from offset 0 with subscription "*". */
    it_golden_send(c, 180, &r);
    it_golden_expect(&r, 181, NULL);
    assert_int_equal(it_count_records(&r), 2);
    rj_raw_reply_cleanup(&r);

    /* Offset far beyond the end: OFFSET_OVERFLOW_BADLY → PULL_OFFSET_MOVED. */
    it_golden_send(c, 172, &r);
    it_golden_expect(&r, 173,
                     (const char *const[]){"remark", "suggestWhichBrokerId", "minOffset", NULL});
    assert_string_equal(rj_raw_reply_ext(&r, "nextBeginOffset"), rj_raw_reply_ext(&r, "maxOffset"));
    rj_raw_reply_cleanup(&r);

    /* A tag nobody sent: every unit scanned, none matched. */
    it_golden_send(c, 174, &r);
    it_golden_expect(&r, 175, (const char *const[]){"remark", "minOffset", NULL});
    assert_string_equal(rj_raw_reply_ext(&r, "nextBeginOffset"), rj_raw_reply_ext(&r, "maxOffset"));
    rj_raw_reply_cleanup(&r);

    /* Bad queue id and unknown topic: check failures carry `extFields:{}`. */
    it_golden_send(c, 176, &r);
    it_golden_expect(&r, 177, NULL);
    assert_non_null(strstr(r.remark, "queueId[99] is illegal, topic:[TopicTest] "
                                     "topicConfig.readQueueNums:[4] consumer:[/127.0.0.1:"));
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 178, &r);
    it_golden_expect(&r, 179, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);

    /* At the end of the queue without suspension: PULL_NOT_FOUND, OFFSET_OVERFLOW_ONE. */
    char ext[512];
    rj_raw_reply_t m;
    it_call(c, 30, IT_VERSION_JAVA, "{\"topic\":\"TopicTest\",\"queueId\":\"0\"}", NULL, 0, &m);
    const char *max = rj_raw_reply_ext(&m, "offset");
    snprintf(
        ext, sizeof(ext),
        "{\"consumerGroup\":\"vectors_probe_group\",\"topic\":\"TopicTest\",\"queueId\":\"0\","
        "\"queueOffset\":\"%s\",\"maxMsgNums\":\"32\",\"sysFlag\":\"4\",\"commitOffset\":\"0\","
        "\"suspendTimeoutMillis\":\"0\",\"subscription\":\"*\",\"subVersion\":\"0\","
        "\"expressionType\":\"TAG\"}",
        max);
    it_call(c, 11, IT_VERSION_JAVA, ext, NULL, 0, &r);
    it_golden_expect(&r, 171, (const char *const[]){"remark", NULL});
    assert_string_equal(rj_raw_reply_ext(&r, "nextBeginOffset"), max);
    rj_raw_reply_cleanup(&r);
    rj_raw_reply_cleanup(&m);

    /* An empty queue: NO_MESSAGE_IN_QUEUE at offset 0. */
    it_call(c, 11, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"vectors_probe_group\",\"topic\":\"TopicTest\",\"queueId\":\"1\","
            "\"queueOffset\":\"0\",\"maxMsgNums\":\"32\",\"sysFlag\":\"4\",\"commitOffset\":\"0\","
            "\"suspendTimeoutMillis\":\"0\",\"subscription\":\"*\",\"subVersion\":\"0\"}",
            NULL, 0, &r);
    /* Queue 1 holds the V1/binary sends of the first test when it ran first. */
    if (strcmp(r.remark, "NO_MESSAGE_IN_QUEUE") == 0) {
        it_golden_expect(
            &r, 84,
            (const char *const[]){"remark", "nextBeginOffset", "maxOffset", "minOffset", NULL});
    } else {
        assert_int_equal(r.code, 0);
    }
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_offsets_and_queue_queries(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    /* No stored offset, queue starts at 0 and is in memory: SUCCESS with 0. */
    it_golden_send(c, 182, &r);
    it_golden_expect(&r, 183, (const char *const[]){"offset", NULL});
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 184, &r);
    it_golden_expect(&r, 185, NULL);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 186, &r);
    it_golden_expect(&r, 187, (const char *const[]){"offset", NULL});
    rj_raw_reply_cleanup(&r);
    /* Java's one-way UPDATE_CONSUMER_OFFSET: no answer; the next request's answer comes next. */
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(82, &f), 0);
    assert_int_equal(rj_raw_client_send(c, f.wire.data, f.wire.len), 0);
    rj_golden_frame_cleanup(&f);
    it_call(c, 14, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"please_rename_unique_group_name_4\",\"topic\":\"TopicTest\","
            "\"queueId\":\"3\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "251");
    rj_raw_reply_cleanup(&r);

    it_golden_send(c, 188, &r);
    it_golden_expect(&r, 189, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);

    it_golden_send(c, 158, &r);
    it_golden_expect(&r, 159, NULL);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 160, &r);
    it_golden_expect(&r, 161, NULL);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 162, &r);
    it_golden_expect(&r, 163, (const char *const[]){"offset", NULL});
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 164, &r);
    it_golden_expect(&r, 165, NULL);
    assert_true(strtoll(rj_raw_reply_ext(&r, "timestamp"), NULL, 10) > 1600000000000LL);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 166, &r);
    it_golden_expect(&r, 167, (const char *const[]){"offset", NULL});
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_unknown_codes(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_golden_send(c, 14, &r);
    it_golden_expect(&r, 15, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);
    /* One-way unknown code: nothing comes back; the binary one is answered in binary. */
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(16, &f), 0);
    assert_int_equal(rj_raw_client_send(c, f.wire.data, f.wire.len), 0);
    rj_golden_frame_cleanup(&f);
    it_golden_send(c, 17, &r);
    it_golden_expect(&r, 18, NULL);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_heartbeat_consumer_list_and_unregister(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_golden_send(c, 56, &r);
    it_golden_expect(&r, 55, NULL);
    rj_raw_reply_cleanup(&r);
    it_golden_send(c, 60, &r);
    it_golden_expect(&r, 61, NULL);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"consumerIdList\":[\"192.0.2.2@1773#2624661947052\"]}");
    rj_raw_reply_cleanup(&r);

    /* A pull whose subVersion is newer than the heartbeat's: SUBSCRIPTION_NOT_LATEST. */
    it_call(c, 11, IT_VERSION_JAVA,
            "{\"queueId\":\"1\",\"maxMsgNums\":\"32\",\"sysFlag\":\"2\",\"suspendTimeoutMillis\":"
            "\"15000\",\"commitOffset\":\"0\",\"topic\":\"TopicTest\",\"queueOffset\":\"0\","
            "\"expressionType\":\"TAG\",\"subVersion\":\"1795794269102\",\"consumerGroup\":"
            "\"please_rename_unique_group_name_4\"}",
            NULL, 0, &r);
    it_golden_expect(&r, 75, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);

    /* A second member joins on another connection: the first is told (one-way, code 40). */
    rj_raw_client_t *c2 = it_connect(cluster.broker);
    it_golden_send(c2, 139, &r); /* ali-ons group: no notification to c */
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    const char *hb = "{\"clientID\":\"10.0.0.9@42#1\",\"consumerDataSet\":[{\"consumeFromWhere\":"
                     "\"CONSUME_FROM_FIRST_OFFSET\",\"consumeType\":\"CONSUME_PASSIVELY\","
                     "\"groupName\":\"please_rename_unique_group_name_4\",\"messageModel\":"
                     "\"CLUSTERING\",\"subscriptionDataSet\":[{\"classFilterMode\":false,"
                     "\"codeSet\":[],\"expressionType\":\"TAG\",\"subString\":\"*\","
                     "\"subVersion\":1795794268714,\"tagsSet\":[],\"topic\":\"TopicTest\"}],"
                     "\"unitMode\":false}],\"producerDataSet\":[]}";
    it_call(c2, 34, IT_VERSION_JAVA, NULL, hb, strlen(hb), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.code, 40);
    assert_int_equal(r.flag, 2);
    assert_string_equal(rj_raw_reply_ext(&r, "consumerGroup"), "please_rename_unique_group_name_4");
    rj_raw_reply_cleanup(&r);

    /* The second member's connection closes: the first one is told again. */
    rj_raw_client_close(c2);
    assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.code, 40);
    rj_raw_reply_cleanup(&r);

    it_golden_send(c, 48, &r);
    it_golden_expect(&r, 49, NULL);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sends_answer_like_rocketmq),
        cmocka_unit_test(test_pulls_answer_like_rocketmq),
        cmocka_unit_test(test_offsets_and_queue_queries),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_heartbeat_consumer_list_and_unregister),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
