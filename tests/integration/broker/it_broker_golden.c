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
#include "common/fs.h"
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

/* Broker request frames sent by the tests of this file (checked by the last test). */
static bool replayed[512];

static void
golden_send(rj_raw_client_t *c, int id, rj_raw_reply_t *reply)
{
    replayed[id] = true;
    it_golden_send(c, id, reply);
}

/* Sends a request frame that gets no answer (one-way, or parked). */
static void
golden_send_only(rj_raw_client_t *c, int id)
{
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(id, &f), 0);
    assert_string_equal(f.direction, "request");
    assert_int_equal(rj_raw_client_send(c, f.wire.data, f.wire.len), 0);
    rj_golden_frame_cleanup(&f);
    replayed[id] = true;
}

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
    golden_send(c, 41, &r);
    it_golden_expect(&r, 43, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    assert_msg_id(rj_raw_reply_ext(&r, "msgId"));
    rj_raw_reply_cleanup(&r);

    /* Compressed bodies (sysFlag 0x301). */
    golden_send(c, 44, &r);
    it_golden_expect(&r, 45, send_values);
    rj_raw_reply_cleanup(&r);
    golden_send(c, 46, &r);
    it_golden_expect(&r, 47, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    rj_raw_reply_cleanup(&r);

    /* V1 header names. */
    golden_send(c, 200, &r);
    it_golden_expect(&r, 201, send_values);
    rj_raw_reply_cleanup(&r);

    /* ROCKETMQ binary header: answered in binary with the same fields. */
    golden_send(c, 202, &r);
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
    golden_send(c, 86, &r);
    it_golden_expect(&r, 87, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    const char *ids = rj_raw_reply_ext(&r, "msgId");
    assert_non_null(ids);
    assert_int_equal(strlen(ids), 3 * 32 + 2);
    assert_int_equal(ids[32], ',');
    rj_raw_reply_cleanup(&r);

    /* ali-ons: numbers in extFields, trailing \x02 in properties, no WAIT. */
    golden_send(c, 110, &r);
    it_golden_expect(&r, 111, send_values);
    rj_raw_reply_cleanup(&r);
    golden_send(c, 114, &r);
    it_golden_expect(&r, 115, send_values);
    rj_raw_reply_cleanup(&r);

    /* Errors: reserved topic, bad name, bad queue id. */
    golden_send(c, 204, &r);
    it_golden_expect(&r, 205, (const char *const[]){"remark", "TRACE_ON", "MSG_REGION", NULL});
    rj_raw_reply_cleanup(&r);
    golden_send(c, 206, &r);
    it_golden_expect(&r, 207, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);
    golden_send(c, 208, &r);
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
    golden_send(c, 180, &r);
    it_golden_expect(&r, 181, NULL);
    assert_int_equal(it_count_records(&r), 2);
    rj_raw_reply_cleanup(&r);

    /* Offset far beyond the end: OFFSET_OVERFLOW_BADLY → PULL_OFFSET_MOVED. */
    golden_send(c, 172, &r);
    it_golden_expect(&r, 173,
                     (const char *const[]){"remark", "suggestWhichBrokerId", "minOffset", NULL});
    assert_string_equal(rj_raw_reply_ext(&r, "nextBeginOffset"), rj_raw_reply_ext(&r, "maxOffset"));
    rj_raw_reply_cleanup(&r);

    /* A tag nobody sent: every unit scanned, none matched. */
    golden_send(c, 174, &r);
    it_golden_expect(&r, 175, (const char *const[]){"remark", "minOffset", NULL});
    assert_string_equal(rj_raw_reply_ext(&r, "nextBeginOffset"), rj_raw_reply_ext(&r, "maxOffset"));
    rj_raw_reply_cleanup(&r);

    /* Bad queue id and unknown topic: check failures carry `extFields:{}`. */
    golden_send(c, 176, &r);
    it_golden_expect(&r, 177, NULL);
    assert_non_null(strstr(r.remark, "queueId[99] is illegal, topic:[TopicTest] "
                                     "topicConfig.readQueueNums:[4] consumer:[/127.0.0.1:"));
    rj_raw_reply_cleanup(&r);
    golden_send(c, 178, &r);
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
    golden_send(c, 182, &r);
    it_golden_expect(&r, 183, (const char *const[]){"offset", NULL});
    rj_raw_reply_cleanup(&r);
    golden_send(c, 184, &r);
    it_golden_expect(&r, 185, NULL);
    rj_raw_reply_cleanup(&r);
    golden_send(c, 186, &r);
    it_golden_expect(&r, 187, (const char *const[]){"offset", NULL});
    rj_raw_reply_cleanup(&r);
    /* Java's one-way UPDATE_CONSUMER_OFFSET: no answer; the next request's answer comes next. */
    golden_send_only(c, 82);
    it_call(c, 14, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"please_rename_unique_group_name_4\",\"topic\":\"TopicTest\","
            "\"queueId\":\"3\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "251");
    rj_raw_reply_cleanup(&r);

    golden_send(c, 188, &r);
    it_golden_expect(&r, 189, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);

    golden_send(c, 158, &r);
    it_golden_expect(&r, 159, NULL);
    rj_raw_reply_cleanup(&r);
    golden_send(c, 160, &r);
    it_golden_expect(&r, 161, NULL);
    rj_raw_reply_cleanup(&r);
    golden_send(c, 162, &r);
    it_golden_expect(&r, 163, (const char *const[]){"offset", NULL});
    rj_raw_reply_cleanup(&r);
    golden_send(c, 164, &r);
    it_golden_expect(&r, 165, NULL);
    assert_true(strtoll(rj_raw_reply_ext(&r, "timestamp"), NULL, 10) > 1600000000000LL);
    rj_raw_reply_cleanup(&r);
    golden_send(c, 166, &r);
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
    golden_send(c, 14, &r);
    it_golden_expect(&r, 15, (const char *const[]){"remark", NULL});
    rj_raw_reply_cleanup(&r);
    /* One-way unknown code: nothing comes back; the binary one is answered in binary. */
    golden_send_only(c, 16);
    golden_send(c, 17, &r);
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
    golden_send(c, 56, &r);
    it_golden_expect(&r, 55, NULL);
    rj_raw_reply_cleanup(&r);
    golden_send(c, 60, &r);
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
    golden_send(c2, 139, &r); /* ali-ons group: no notification to c */
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

    golden_send(c, 48, &r);
    it_golden_expect(&r, 49, NULL);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

/* ---- the whole captured session, on a broker of its own ------------------------------- */

/* What frames.jsonl says about each frame: who sent it where, and its answer. */
typedef struct {
    int conn;
    int response; /* id of the response frame, 0: none */
    bool broker_request;
    int32_t code;
} frame_info_t;

static frame_info_t frames[512];

static void
load_frame_index(void)
{
    char path[4096];
    const char *src = getenv("RJ_SOURCE_DIR");
    snprintf(path, sizeof(path), "%s/tests/data/frames.jsonl", src ? src : ".");
    rj_buf_t file = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &file), 0);
    size_t pos = 0;
    while (pos < file.len) {
        const uint8_t *nl = memchr(file.data + pos, '\n', file.len - pos);
        size_t end = nl != NULL ? (size_t)(nl - file.data) : file.len;
        json_error_t err;
        json_t *rec = json_loadb((const char *)file.data + pos, end - pos, 0, &err);
        pos = end + 1;
        if (rec == NULL) {
            continue;
        }
        int id = (int)json_integer_value(json_object_get(rec, "id"));
        const char *dir = json_string_value(json_object_get(rec, "direction"));
        const char *peer = json_string_value(json_object_get(rec, "peer"));
        const char *pair = json_string_value(json_object_get(rec, "pair"));
        if (id > 0 && id < 512 && dir != NULL && peer != NULL && pair != NULL) {
            frames[id].conn = (int)json_integer_value(json_object_get(rec, "conn"));
            frames[id].code = (int32_t)json_integer_value(json_object_get(rec, "code"));
            frames[id].broker_request = strcmp(dir, "request") == 0 && strcmp(peer, "broker") == 0;
            int req = atoi(pair + 1);
            if (strcmp(dir, "response") == 0 && req > 0 && req < 512) {
                frames[req].response = id;
            }
        }
        json_decref(rec);
    }
    rj_buf_cleanup(&file);
}

typedef struct {
    rj_daemon_t *broker;
    rj_raw_client_t *conns[64]; /* one per captured TCP connection */
    rj_raw_client_t *setup;     /* for preparations between the captured requests */
} session_t;

static rj_raw_client_t *
conn_of(session_t *s, int id)
{
    int n = frames[id].conn;
    assert_true(n > 0 && n < 64);
    if (s->conns[n] == NULL) {
        s->conns[n] = it_connect(s->broker);
    }
    return s->conns[n];
}

/* The program of captured connection `conn` ended: its connection closes. */
static void
end_program(session_t *s, int conn)
{
    if (s->conns[conn] != NULL) {
        rj_raw_client_close(s->conns[conn]);
        s->conns[conn] = NULL;
    }
}

/* Replays request `id` on its connection and compares the answer with the captured one. */
static void
replay(session_t *s, int id, const char *const *same_values)
{
    rj_raw_reply_t r;
    golden_send(conn_of(s, id), id, &r);
    assert_true(frames[id].response > 0);
    it_golden_expect(&r, frames[id].response, same_values);
    rj_raw_reply_cleanup(&r);
}

/* Same, keeping the reply for further checks (cleanup by the caller). */
static void
replay_keep(session_t *s, int id, const char *const *same_values, rj_raw_reply_t *r)
{
    golden_send(conn_of(s, id), id, r);
    it_golden_expect(r, frames[id].response, same_values);
}

/* A broker-initiated request (NOTIFY_CONSUMER_IDS_CHANGED) like captured frame `id`. */
static void
expect_broker_request(session_t *s, int id)
{
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(id, &g), 0);
    rj_raw_reply_t r;
    if (it_wait_request(conn_of(s, id), g.code, IT_TIMEOUT_MS, &r) != 0) {
        fail_msg("the broker never sent the request of golden frame %d", id);
    }
    assert_int_equal(r.flag, g.flag);
    const json_t *gext = json_object_get(g.header, "extFields");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)gext, k, v)
    {
        assert_string_equal(rj_raw_reply_ext(&r, k), json_string_value(v));
    }
    assert_int_equal(json_object_size(r.ext), json_object_size(gext));
    rj_raw_reply_cleanup(&r);
    rj_golden_frame_cleanup(&g);
}

/* Waits until every stored message is in its consume queue (runtime info's dispatchBehindBytes). */
static void
wait_dispatched(session_t *s)
{
    int64_t deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS;
    for (;;) {
        rj_raw_reply_t r;
        it_call(s->setup, 28, IT_VERSION_JAVA, NULL, NULL, 0, &r);
        assert_int_equal(r.code, 0);
        json_t *info = rj_json_parse(r.body.data, r.body.len, NULL, 0);
        const char *behind = json_string_value(
            json_object_get(json_object_get(info, "table"), "dispatchBehindBytes"));
        bool done = behind != NULL && strcmp(behind, "0") == 0;
        json_decref(info);
        rj_raw_reply_cleanup(&r);
        if (done) {
            return;
        }
        assert_true(rj_clock_mono_ms() < deadline);
        rj_clock_sleep_ms(2);
    }
}

/* Sends TagA messages to `topic` until each queue holds counts[q] (replayed sends included). */
static void
top_up(session_t *s, const char *topic, const int *counts, int nqueues, const char *tag)
{
    wait_dispatched(s);
    for (int q = 0; q < nqueues; q++) {
        int64_t have = it_max_offset(s->setup, topic, q);
        for (int64_t i = have; i < counts[q]; i++) {
            rj_raw_reply_t r;
            char props[64];
            snprintf(props, sizeof(props), "TAGS\001%s", tag);
            it_send_message(s->setup, topic, q, props, "Hello RocketMQ", 14, &r);
            assert_int_equal(r.code, 0);
            rj_raw_reply_cleanup(&r);
        }
        it_wait_max_offset(s->setup, topic, q, counts[q]);
    }
}

static void
set_config(session_t *s, const char *text)
{
    rj_raw_reply_t r;
    it_call(s->setup, 25, IT_VERSION_JAVA, NULL, text, strlen(text), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

/* A golden request with some extFields replaced, sent as JSON on `c` (ext values as text). */
static void
send_modified(rj_raw_client_t *c, int id, const char *key, const char *value, rj_raw_reply_t *r)
{
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(id, &g), 0);
    json_t *header = json_deep_copy(g.header);
    json_object_set_new(json_object_get(header, "extFields"), key, json_string(value));
    char *text = json_dumps(header, JSON_COMPACT);
    rj_buf_t frame = RJ_BUF_INIT;
    assert_int_equal(rj_raw_frame(&frame, 0, text, strlen(text), g.body.data, g.body.len), 0);
    assert_int_equal(rj_raw_client_send(c, frame.data, frame.len), 0);
    int rc;
    do {
        rc = rj_raw_client_read_reply(c, IT_TIMEOUT_MS, r);
        if (rc == 0 && (r->flag & 1) == 0) {
            rj_raw_reply_cleanup(r);
            continue;
        }
        break;
    } while (true);
    assert_int_equal(rc, 0);
    rj_buf_cleanup(&frame);
    free(text);
    json_decref(header);
    rj_golden_frame_cleanup(&g);
}

/* The ConsumeStats/TopicStatsTable body's MessageQueue -> object map, keyed "topic/qid". */
static json_t *
mq_table(rj_raw_reply_t *r)
{
    json_t *body = rj_json_parse(r->body.data, r->body.len, NULL, 0);
    assert_non_null(body);
    json_t *out = json_object();
    const json_t *table = json_object_get(body, "offsetTable");
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)table, key, v)
    {
        json_t *mq = rj_json_parse(key, strlen(key), NULL, 0);
        char k[300];
        snprintf(k, sizeof(k), "%s/%lld", json_string_value(json_object_get(mq, "topic")),
                 (long long)json_integer_value(json_object_get(mq, "queueId")));
        json_object_set(out, k, v);
        json_decref(mq);
    }
    json_decref(body);
    return out;
}

static json_t *
golden_mq_table(int id)
{
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(id, &g), 0);
    rj_raw_reply_t r = {.body = rj_buf_view(&g.body)};
    json_t *t = mq_table(&r);
    rj_golden_frame_cleanup(&g);
    return t;
}

static const char *const send_same[] = {"queueId", "TRACE_ON", "MSG_REGION", NULL};
static const char *const pull_same[] = {
    "remark", "suggestWhichBrokerId", "nextBeginOffset", "maxOffset", "minOffset", NULL};

static void
test_session_replay_matches_rocketmq(void **state)
{
    (void)state;
    load_frame_index();
    session_t s;
    memset(&s, 0, sizeof(s));
    /* Checks every 500 ms so the transaction part sees CHECK_TRANSACTION_STATE (once the
       transaction timeout is lowered there). */
    assert_int_equal(
        it_broker_start(NULL, "transactionCheckInterval=500\ntransactionTimeOut=1000000000000\n",
                        &s.broker),
        0);
    s.setup = it_connect(s.broker);
    rj_raw_reply_t r;

    /* mqadmin clusterList: runtime info, then the admin client leaves. */
    replay_keep(&s, 23, NULL, &r);
    json_t *mine = rj_json_parse(r.body.data, r.body.len, NULL, 0);
    const json_t *table = json_object_get(mine, "table");
    assert_true(json_is_object(table));
    static const char *const keys[] = {"brokerVersion",
                                       "brokerVersionDesc",
                                       "msgPutTotalTodayNow",
                                       "msgGetTotalTodayNow",
                                       "msgPutTotalYesterdayMorning",
                                       "msgPutTotalTodayMorning",
                                       "msgGetTotalYesterdayMorning",
                                       "msgGetTotalTodayMorning",
                                       "putTps",
                                       "getTransferedTps",
                                       "commitLogMinOffset",
                                       "commitLogMaxOffset",
                                       "commitLogDiskRatio",
                                       "consumeQueueDiskRatio",
                                       "earliestMessageTimeStamp",
                                       "dispatchBehindBytes",
                                       "pageCacheLockTimeMills",
                                       "sendThreadPoolQueueSize",
                                       "pullThreadPoolQueueSize",
                                       "bootTimestamp",
                                       "runtime",
                                       "commitLogDirCapacity"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        if (!json_is_string(json_object_get(table, keys[i]))) {
            fail_msg("runtime info lacks %s", keys[i]);
        }
    }
    json_decref(mine);
    rj_raw_reply_cleanup(&r);
    replay(&s, 25, NULL);
    end_program(&s, 4);

    /* VectorExtraProducer: three sends to the new TopicTest, unregistering. */
    replay_keep(&s, 41, send_same, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    rj_raw_reply_cleanup(&r);
    replay(&s, 44, send_same);
    replay(&s, 46, send_same);
    replay(&s, 48, NULL);
    replay(&s, 50, NULL);
    end_program(&s, 7);
    /* quickstart Producer: its first send, its heartbeat, then the rest of the 1000. */
    replay(&s, 52, send_same);
    replay(&s, 54, NULL);
    static const int quickstart[] = {251, 250, 251, 251};
    top_up(&s, "TopicTest", quickstart, 4, "TagA");
    end_program(&s, 9);

    /* quickstart Consumer: heartbeat (the broker tells it the group changed), list, offsets. */
    replay(&s, 56, NULL);
    expect_broker_request(&s, 58);
    replay_keep(&s, 60, NULL, &r);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"consumerIdList\":[\"192.0.2.2@1773#2624661947052\"]}");
    rj_raw_reply_cleanup(&r);
    replay(&s, 62, NULL);
    static const char *const offset_same[] = {"offset", NULL};
    replay(&s, 64, offset_same);
    replay(&s, 66, offset_same);
    /* Pulls of 32 from three queues: the same offsets as captured. */
    static const int first_pulls[] = {68, 69, 70};
    for (int i = 0; i < 3; i++) {
        replay_keep(&s, first_pulls[i], pull_same, &r);
        assert_int_equal(it_count_records(&r), 32);
        rj_raw_reply_cleanup(&r);
    }
    /* A retry-topic pull newer than the heartbeat: SUBSCRIPTION_NOT_LATEST. */
    replay(&s, 74, (const char *const[]){"remark", NULL});
    /* The consumer's next heartbeat (not captured) brought the newer versions. */
    const char *hb =
        "{\"clientID\":\"192.0.2.2@1773#2624661947052\",\"consumerDataSet\":[{"
        "\"consumeFromWhere\":\"CONSUME_FROM_FIRST_OFFSET\",\"consumeType\":"
        "\"CONSUME_PASSIVELY\",\"groupName\":\"please_rename_unique_group_name_4\","
        "\"messageModel\":\"CLUSTERING\",\"subscriptionDataSet\":[{\"classFilterMode\":"
        "false,\"codeSet\":[],\"expressionType\":\"TAG\",\"subString\":\"*\","
        "\"subVersion\":1795794269102,\"tagsSet\":[],\"topic\":\"TopicTest\"},{"
        "\"classFilterMode\":false,\"codeSet\":[],\"expressionType\":\"TAG\","
        "\"subString\":\"*\",\"subVersion\":1795794269134,\"tagsSet\":[],\"topic\":"
        "\"%RETRY%please_rename_unique_group_name_4\"}],\"unitMode\":false}],"
        "\"producerDataSet\":[]}";
    it_call(conn_of(&s, 56), 34, IT_VERSION_JAVA, NULL, hb, strlen(hb), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    /* Parked pulls are answered after 100 ms instead of 15 s. */
    set_config(&s, "longPollingEnable=false\nshortPollingTimeMills=100\n");
    replay_keep(&s, 76, pull_same, &r);
    assert_int_equal(it_count_records(&r), 32);
    rj_raw_reply_cleanup(&r);
    replay_keep(&s, 78, pull_same, &r);
    assert_int_equal(it_count_records(&r), 32);
    rj_raw_reply_cleanup(&r);
    replay(&s, 80, pull_same); /* at the end of queue 2: held, then PULL_NOT_FOUND */
    replay(&s, 81, pull_same); /* the empty retry queue: NO_MESSAGE_IN_QUEUE */
    /* Two one-way offset commits; they are there afterwards. */
    golden_send_only(conn_of(&s, 82), 82);
    golden_send_only(conn_of(&s, 83), 83);
    /* Asked on the same connection: handled after the commits (inline, in order). */
    it_call(conn_of(&s, 83), 14, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"please_rename_unique_group_name_4\",\"topic\":\"TopicTest\","
            "\"queueId\":\"2\"}",
            NULL, 0, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "251");
    rj_raw_reply_cleanup(&r);
    /* Its later (uncaptured) one-way commits: every queue consumed, the retry queue at 0. */
    static const struct {
        const char *topic;
        int qid;
        int offset;
    } commits[] = {{"TopicTest", 0, 251},
                   {"TopicTest", 1, 250},
                   {"%RETRY%please_rename_unique_group_name_4", 0, 0}};
    for (size_t i = 0; i < sizeof(commits) / sizeof(commits[0]); i++) {
        char e[300];
        snprintf(e, sizeof(e),
                 "{\"consumerGroup\":\"please_rename_unique_group_name_4\",\"topic\":\"%s\","
                 "\"queueId\":\"%d\",\"commitOffset\":\"%d\"}",
                 commits[i].topic, commits[i].qid, commits[i].offset);
        it_send(conn_of(&s, 82), 15, IT_VERSION_JAVA, 2, e, NULL, 0);
    }
    /* A round trip on that connection: the one-way commits before it have been applied. */
    it_call(conn_of(&s, 82), 14, IT_VERSION_JAVA,
            "{\"consumerGroup\":\"please_rename_unique_group_name_4\",\"topic\":\"TopicTest\","
            "\"queueId\":\"1\"}",
            NULL, 0, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "250");
    rj_raw_reply_cleanup(&r);
    set_config(&s, "longPollingEnable=true\n");
    end_program(&s, 11); /* the consumer was killed */

    /* SimpleBatchProducer and ScheduledMessageProducer. */
    replay_keep(&s, 86, send_same, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    rj_raw_reply_cleanup(&r);
    replay(&s, 88, NULL);
    end_program(&s, 13);
    static const char *const delayed_same[] = {"queueId", "queueOffset", "TRACE_ON", "MSG_REGION",
                                               NULL};
    replay(&s, 90, delayed_same); /* queueOffset: of the SCHEDULE_TOPIC_XXXX record */
    replay(&s, 92, delayed_same);
    end_program(&s, 15);

    /* mqadmin consumerProgress and topicStatus. */
    replay_keep(&s, 94, NULL, &r);
    json_t *got = mq_table(&r), *want = golden_mq_table(95);
    assert_int_equal(json_object_size(got), json_object_size(want));
    const char *k;
    json_t *v;
    json_object_foreach(want, k, v)
    {
        const json_t *mine_q = json_object_get(got, k);
        if (mine_q == NULL) {
            fail_msg("consume stats lack %s", k);
        }
        assert_int_equal(json_integer_value(json_object_get(mine_q, "brokerOffset")),
                         json_integer_value(json_object_get(v, "brokerOffset")));
        assert_int_equal(json_integer_value(json_object_get(mine_q, "consumerOffset")),
                         json_integer_value(json_object_get(v, "consumerOffset")));
    }
    json_decref(got);
    json_decref(want);
    rj_raw_reply_cleanup(&r);
    replay(&s, 96, NULL);
    end_program(&s, 17);
    replay_keep(&s, 98, NULL, &r);
    got = mq_table(&r);
    want = golden_mq_table(99);
    assert_int_equal(json_object_size(got), json_object_size(want));
    json_object_foreach(want, k, v)
    {
        const json_t *mine_q = json_object_get(got, k);
        assert_non_null(mine_q);
        assert_int_equal(json_integer_value(json_object_get(mine_q, "minOffset")),
                         json_integer_value(json_object_get(v, "minOffset")));
        assert_int_equal(json_integer_value(json_object_get(mine_q, "maxOffset")),
                         json_integer_value(json_object_get(v, "maxOffset")));
    }
    json_decref(got);
    json_decref(want);
    rj_raw_reply_cleanup(&r);
    end_program(&s, 19);

    /* ali-ons produce.js: topic creation and sends (numbers in extFields). */
    replay(&s, 104, (const char *const[]){"remark", NULL});
    replay(&s, 110, send_same);
    replay(&s, 112, send_same);
    replay(&s, 114, send_same);
    replay(&s, 116, send_same);
    replay(&s, 118, NULL);
    end_program(&s, 22);
    static const int acceptance[] = {2, 3, 3, 2};
    top_up(&s, "AlionsAcceptance", acceptance, 4, "TagB");

    /* ali-ons consume.js. */
    replay(&s, 120, NULL);
    expect_broker_request(&s, 121);
    replay_keep(&s, 123, NULL, &r);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"consumerIdList\":[\"192.0.2.2@2087\"]}");
    rj_raw_reply_cleanup(&r);
    replay(&s, 125, offset_same);
    replay(&s, 127, offset_same);
    static const int alions_pulls[] = {128, 130, 133, 135};
    for (int i = 0; i < 4; i++) {
        replay_keep(&s, alions_pulls[i], pull_same, &r);
        assert_int_equal(it_count_records(&r), acceptance[i]);
        rj_raw_reply_cleanup(&r);
    }
    /* Pulls at the end of queues 2 and 3 were held when the capture ended: here they are
     * answered after the short-polling time, like frame 85. */
    set_config(&s, "longPollingEnable=false\nshortPollingTimeMills=100\n");
    static const int held[] = {137, 138};
    for (int i = 0; i < 2; i++) {
        golden_send(conn_of(&s, held[i]), held[i], &r);
        it_golden_expect(&r, 85, (const char *const[]){"remark", "suggestWhichBrokerId", NULL});
        rj_raw_reply_cleanup(&r);
    }
    set_config(&s, "longPollingEnable=true\n");
    /* The second heartbeat adds the retry topic: the broker tells the group again. */
    replay(&s, 139, NULL);
    expect_broker_request(&s, 140);
    replay(&s, 142, NULL);
    replay(&s, 144, NULL);
    replay(&s, 145, NULL);
    replay(&s, 146, NULL);
    end_program(&s, 25);

    /* ali-ons retry.js: no message has its tag, then a send-back. */
    replay(&s, 150, NULL);
    replay(&s, 152, pull_same);
    replay(&s, 154, pull_same);
    /* The captured commit-log offset names a record of that broker's log, not of this one. */
    golden_send(conn_of(&s, 156), 156, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "look message by offset failed, 274356");
    rj_raw_reply_cleanup(&r);
    it_pull(s.setup, "probe_reader", "AlionsAcceptance", 0, 0, 1, "*", NULL, &r);
    rj_message_record_t rec;
    assert_int_equal(it_records(&r, &rec, 1), 1);
    char offset[32];
    snprintf(offset, sizeof(offset), "%lld", (long long)rec.phy_offset);
    rj_raw_reply_cleanup(&r);
    send_modified(conn_of(&s, 156), 156, "offset", offset, &r);
    it_golden_expect(&r, 157, NULL);
    rj_raw_reply_cleanup(&r);

    end_program(&s, 28);

    /* probe.py B on this broker: queue 0 of TopicTest holds 251 messages as captured. */
    replay_keep(&s, 168, pull_same, &r);
    assert_int_equal(it_count_records(&r), 3);
    rj_raw_reply_cleanup(&r);
    replay(&s, 170, pull_same);
    replay_keep(&s, 190, NULL, &r);
    assert_int_equal(it_count_records(&r), 1);
    rj_raw_reply_cleanup(&r);
    replay(&s, 192, (const char *const[]){"remark", NULL});
    /* A ROCKETMQ-header request: the zero-copy answer has a JSON header, as frame 195. */
    golden_send(conn_of(&s, 194), 194, &r);
    it_golden_expect(&r, 195, NULL);
    assert_int_equal(r.serialize_type, 0);
    assert_non_null(r.json);
    assert_int_equal(it_count_records(&r), 1);
    rj_raw_reply_cleanup(&r);
    /* Its error answer follows the request's header type (ROCKETMQ). */
    rj_golden_frame_t g194;
    assert_int_equal(rj_golden_frame_load(194, &g194), 0);
    rj_command_t view;
    assert_true(rj_command_decode(g194.wire.data, g194.wire.len, 0, &view) > 0);
    rj_command_t bad_view = view;
    bad_view.ext_count = 0;
    rj_command_add_ext_cstr(&bad_view, "offset", "1099511627776");
    rj_buf_t frame = RJ_BUF_INIT;
    assert_int_equal(rj_command_encode(&bad_view, &frame), 0);
    assert_int_equal(rj_raw_client_send(conn_of(&s, 194), frame.data, frame.len), 0);
    assert_int_equal(rj_raw_client_read_reply(conn_of(&s, 194), IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.serialize_type, 1);
    rj_command_t err;
    rj_buf_t copy = RJ_BUF_INIT;
    rj_buf_append(&copy, r.frame.data, r.frame.len);
    assert_true(rj_command_decode(copy.data, copy.len, 0, &err) > 0);
    assert_int_equal(err.code, 1);
    assert_true(rj_bytes_eq_cstr(err.remark, "can not find message by the offset, 1099511627776"));
    rj_buf_cleanup(&copy);
    rj_buf_cleanup(&frame);
    rj_golden_frame_cleanup(&g194);
    rj_raw_reply_cleanup(&r);
    /* QUERY_MESSAGE's captured end time lies before this broker stored anything: a later one. */
    golden_send(conn_of(&s, 196), 196, &r);
    assert_int_equal(r.code, 22);
    rj_raw_reply_cleanup(&r);
    char end[32];
    snprintf(end, sizeof(end), "%lld", (long long)rj_clock_wall_ms() + 3600000);
    int64_t deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS;
    for (;;) {
        send_modified(conn_of(&s, 196), 196, "endTimestamp", end, &r);
        if (r.code == 0 || rj_clock_mono_ms() > deadline) {
            break;
        }
        rj_raw_reply_cleanup(&r);
        rj_clock_sleep_ms(5);
    }
    it_golden_expect(&r, 197, NULL);
    assert_int_equal(it_count_records(&r), 1);
    rj_raw_reply_cleanup(&r);
    replay(&s, 198,
           (const char *const[]){"remark", "indexLastUpdateTimestamp", "indexLastUpdatePhyoffset",
                                 NULL});

    end_program(&s, 29);

    /* TransactionProducer: two half messages, "unknown" after each, the heartbeat, checks. */
    replay_keep(&s, 216, send_same, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    rj_raw_reply_cleanup(&r);
    golden_send_only(conn_of(&s, 218), 218);
    replay_keep(&s, 219, send_same, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "1");
    rj_raw_reply_cleanup(&r);
    golden_send_only(conn_of(&s, 221), 221);
    /* Only now may the checker look at them: a check between the two sends would have put
       the first one back into the half queue and moved the second one's queueOffset. */
    set_config(&s, "transactionTimeOut=0\n");
    replay(&s, 222, NULL);
    assert_int_equal(it_wait_request(conn_of(&s, 224), 39, IT_TIMEOUT_MS, &r), 0);
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(224, &g), 0);
    const json_t *gext = json_object_get(g.header, "extFields");
    assert_int_equal(json_object_size(r.ext), json_object_size(gext));
    json_object_foreach((json_t *)gext, k, v)
    {
        assert_non_null(rj_raw_reply_ext(&r, k));
    }
    assert_int_equal(r.flag, g.flag);
    assert_int_equal(it_count_records(&r), 1);
    rj_golden_frame_cleanup(&g);
    rj_raw_reply_cleanup(&r);
    /* The captured answers name that broker's offsets: one-way, nothing happens here. */
    for (int id = 226; id <= 231; id++) {
        golden_send_only(conn_of(&s, id), id);
    }
    it_call(conn_of(&s, 222), 30, IT_VERSION_JAVA,
            "{\"topic\":\"TopicTest1234\",\"queueId\":\"3\"}", NULL, 0, &r);
    assert_string_equal(rj_raw_reply_ext(&r, "offset"), "0");
    rj_raw_reply_cleanup(&r);

    for (int i = 0; i < 64; i++) {
        if (s.conns[i] != NULL) {
            rj_raw_client_close(s.conns[i]);
        }
    }
    rj_raw_client_close(s.setup);
    int status;
    assert_int_equal(rj_daemon_stop(s.broker, 20000, &status), 0);
    assert_int_equal(status, 0);
    rj_daemon_destroy(s.broker);
}

/* Runs last: every broker request of frames.jsonl went through one of the tests above. */
static void
test_every_broker_request_was_replayed(void **state)
{
    (void)state;
    load_frame_index();
    int missing = 0;
    for (int id = 1; id < 512; id++) {
        if (frames[id].broker_request && !replayed[id]) {
            printf("golden request %d (code %d) was not replayed\n", id, frames[id].code);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
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
        cmocka_unit_test(test_session_replay_matches_rocketmq),
        cmocka_unit_test(test_every_broker_request_was_replayed),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
