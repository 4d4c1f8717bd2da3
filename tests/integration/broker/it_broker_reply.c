/*
 * Request/reply over real sockets: a replier's SEND_REPLY_MESSAGE(_V2) is
 * pushed to the requesting client (found by REPLY_TO_CLIENT among the
 * registered producers) with PUSH_REPLY_MESSAGE_TO_CLIENT, stored in the
 * reply topic, and answered with the push outcome and the stored record's
 * fields, as RocketMQ 4.9.8's ReplyMessageProcessor does; unknown clients,
 * refused or lost pushes, storeReplyMessageEnable=false, SYNC_FLUSH and
 * malformed headers.
 */
#include "broker_fixture.h"

#include "common/clock.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#define REPLY_TOPIC "DefaultCluster_REPLY_TOPIC"
#define REQ_SEND_REPLY 324
#define REQ_SEND_REPLY_V2 325
#define REQ_PUSH_REPLY 326

/* `plain` answers with the defaults (ASYNC_FLUSH); `sync` flushes before answering. */
static it_cluster_t plain, sync_flush;

static int
group_setup(void **state)
{
    (void)state;
    it_cluster_start(&plain, NULL);
    it_cluster_start(&sync_flush, "flushDiskType=SYNC_FLUSH\n");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_cluster_stop(&plain);
    it_cluster_stop(&sync_flush);
    return 0;
}

/* The reply's properties as the Java replier sets them (MessageUtil.createReplyMessage). */
static void
reply_props(char *out, size_t size, const char *client_id, const char *correlation)
{
    if (client_id == NULL) {
        snprintf(out, size, "CORRELATION_ID\001%s\002MSG_TYPE\001reply\002UNIQ_KEY\001U-%s",
                 correlation, correlation);
    } else {
        snprintf(out, size,
                 "CORRELATION_ID\001%s\002REPLY_TO_CLIENT\001%s\002TTL\0013000\002MSG_TYPE\001"
                 "reply\002UNIQ_KEY\001U-%s",
                 correlation, client_id, correlation);
    }
}

/* Sends a reply (V2 one-letter keys, or SEND_REPLY_MESSAGE's long names) without reading. */
static int32_t
send_reply(rj_raw_client_t *c, int32_t code, const char *topic, int32_t qid, int64_t born,
           const char *props, const char *body)
{
    char q[16], b[24];
    snprintf(q, sizeof(q), "%d", qid);
    snprintf(b, sizeof(b), "%lld", (long long)born);
    json_t *ext;
    if (code == REQ_SEND_REPLY_V2) {
        ext = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "a", "reply_pg", "b",
                        topic, "c", "TBW102", "d", "4", "e", q, "f", "0", "g", b, "h", "7", "i",
                        props, "j", "0", "k", "false", "m", "false");
    } else {
        ext =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "producerGroup", "reply_pg",
                      "topic", topic, "defaultTopic", "TBW102", "defaultTopicQueueNums", "4",
                      "queueId", q, "sysFlag", "0", "bornTimestamp", b, "flag", "7", "properties",
                      props, "reconsumeTimes", "0", "unitMode", "false");
    }
    char *text = json_dumps(ext, JSON_COMPACT);
    int32_t opaque = it_send(c, code, IT_VERSION_JAVA, 0, text, body, strlen(body));
    free(text);
    json_decref(ext);
    return opaque;
}

/* The replier's answer to `opaque` (nothing else arrives on a replier's connection). */
static void
read_answer(rj_raw_client_t *c, int32_t opaque, rj_raw_reply_t *r)
{
    int rc = rj_raw_client_read_reply(c, IT_TIMEOUT_MS, r);
    if (rc != 0) {
        fail_msg("no answer to the reply (%d)", rc);
    }
    assert_int_equal(r->flag & 1, 1);
    assert_int_equal(r->opaque, opaque);
}

/* The requester answers the push with `code`. */
static void
answer_push(rj_raw_client_t *c, const rj_raw_reply_t *push, int32_t code)
{
    rj_buf_t resp = RJ_BUF_INIT;
    assert_int_equal(
        rj_raw_request_json(&resp, code, IT_VERSION_JAVA, push->opaque, 1, "{}", NULL, 0), 0);
    assert_int_equal(rj_raw_client_send(c, resp.data, resp.len), 0);
    rj_buf_cleanup(&resp);
}

static void
wait_push(rj_raw_client_t *c, rj_raw_reply_t *push)
{
    int rc = it_wait_request(c, REQ_PUSH_REPLY, IT_TIMEOUT_MS, push);
    if (rc != 0) {
        fail_msg("no PUSH_REPLY_MESSAGE_TO_CLIENT arrived (%d)", rc);
    }
    assert_int_equal(push->flag, 0); /* two-way: the broker waits for the client's answer */
}

static void
expect_error(rj_raw_reply_t *r, int code, const char *remark)
{
    if (r->code != code || r->remark == NULL || strcmp(r->remark, remark) != 0) {
        fail_msg("expected %d '%s', got %d '%s'", code, remark, r->code,
                 r->remark ? r->remark : "(null)");
    }
}

/* The answer describes a stored record at `offset` of queue `qid` of this broker. */
static void
expect_stored(const rj_raw_reply_t *r, const it_cluster_t *cl, int qid, int64_t offset)
{
    char want[32];
    snprintf(want, sizeof(want), "%d", qid);
    assert_string_equal(rj_raw_reply_ext(r, "queueId"), want);
    snprintf(want, sizeof(want), "%lld", (long long)offset);
    assert_string_equal(rj_raw_reply_ext(r, "queueOffset"), want);
    const char *msg_id = rj_raw_reply_ext(r, "msgId");
    assert_non_null(msg_id);
    rj_msg_host_t host;
    int64_t phy;
    assert_int_equal(rj_message_id_decode(msg_id, strlen(msg_id), &host, &phy), 0);
    assert_int_equal(host.port, rj_daemon_port(cl->broker));
    assert_string_equal(rj_raw_reply_ext(r, "MSG_REGION"), "DefaultRegion");
    assert_string_equal(rj_raw_reply_ext(r, "TRACE_ON"), "true");
}

static void
local_addr(rj_raw_client_t *c, char *out, size_t size)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(rj_raw_client_fd(c), (struct sockaddr *)&sa, &len), 0);
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
    snprintf(out, size, "%s:%d", ip, ntohs(sa.sin_port));
}

static void
prop(const char *props, const char *key, char *out, size_t size)
{
    rj_bytes_t v;
    out[0] = '\0';
    if (rj_message_properties_get(rj_bytes(props, strlen(props)), key, &v)) {
        rj_bytes_copy_cstr(v, out, size);
    }
}

static void
test_reply_pushed_and_stored(void **state)
{
    (void)state;
    rj_raw_client_t *requester = it_connect(plain.broker);
    rj_raw_client_t *replier = it_connect(plain.broker);
    it_heartbeat_producer(requester, "127.0.0.1@req#1", "request_pg");
    int64_t before = it_max_offset(replier, REPLY_TOPIC, 0);
    char props[256];
    reply_props(props, sizeof(props), "127.0.0.1@req#1", "corr-1");
    int64_t born = rj_clock_wall_ms();
    int64_t t0 = rj_clock_wall_ms();
    int32_t opaque =
        send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, 0, born, props, "reply body 1");

    rj_raw_reply_t push;
    wait_push(requester, &push);
    int64_t t1 = rj_clock_wall_ms();
    /* ReplyMessageRequestHeader, with the long names whatever the replier used. */
    assert_string_equal(rj_raw_reply_ext(&push, "producerGroup"), "reply_pg");
    assert_string_equal(rj_raw_reply_ext(&push, "topic"), REPLY_TOPIC);
    assert_string_equal(rj_raw_reply_ext(&push, "defaultTopic"), "TBW102");
    assert_string_equal(rj_raw_reply_ext(&push, "defaultTopicQueueNums"), "4");
    assert_string_equal(rj_raw_reply_ext(&push, "queueId"), "0");
    assert_string_equal(rj_raw_reply_ext(&push, "sysFlag"), "0");
    char want[64];
    snprintf(want, sizeof(want), "%lld", (long long)born);
    assert_string_equal(rj_raw_reply_ext(&push, "bornTimestamp"), want);
    assert_string_equal(rj_raw_reply_ext(&push, "flag"), "7");
    assert_string_equal(rj_raw_reply_ext(&push, "reconsumeTimes"), "0");
    assert_string_equal(rj_raw_reply_ext(&push, "unitMode"), "false");
    local_addr(replier, want, sizeof(want));
    assert_string_equal(rj_raw_reply_ext(&push, "bornHost"), want);
    assert_string_equal(rj_raw_reply_ext(&push, "storeHost"), plain.broker_addr);
    int64_t store_ts = strtoll(rj_raw_reply_ext(&push, "storeTimestamp"), NULL, 10);
    assert_true(store_ts >= t0 && store_ts <= t1);
    /* The client's properties plus PUSH_REPLY_TIME. */
    const char *pushed = rj_raw_reply_ext(&push, "properties");
    assert_non_null(pushed);
    char v[64];
    prop(pushed, "CORRELATION_ID", v, sizeof(v));
    assert_string_equal(v, "corr-1");
    prop(pushed, "REPLY_TO_CLIENT", v, sizeof(v));
    assert_string_equal(v, "127.0.0.1@req#1");
    prop(pushed, "MSG_TYPE", v, sizeof(v));
    assert_string_equal(v, "reply");
    prop(pushed, "PUSH_REPLY_TIME", v, sizeof(v));
    int64_t push_time = strtoll(v, NULL, 10);
    assert_true(push_time >= t0 && push_time <= t1);
    assert_int_equal(push.body.len, strlen("reply body 1"));
    assert_memory_equal(push.body.data, "reply body 1", push.body.len);

    /* The replier waits for the requester's answer. */
    rj_raw_reply_t r;
    assert_int_equal(rj_raw_client_read_reply(replier, 200, &r), RJ_ETIMEDOUT);
    answer_push(requester, &push, 0);
    rj_raw_reply_cleanup(&push);
    read_answer(replier, opaque, &r);
    assert_int_equal(r.code, 0);
    assert_null(r.remark);
    expect_stored(&r, &plain, 0, before);
    rj_raw_reply_cleanup(&r);

    /* Stored as sent: the client's properties (no PUSH_REPLY_TIME, no CLUSTER) and body. */
    it_wait_max_offset(replier, REPLY_TOPIC, 0, before + 1);
    it_pull(replier, "reply_reader", REPLY_TOPIC, 0, before, 1, "*", NULL, &r);
    assert_int_equal(r.code, 0);
    rj_message_record_t rec;
    assert_int_equal(it_records(&r, &rec, 1), 1);
    assert_int_equal(rec.body.len, strlen("reply body 1"));
    assert_memory_equal(rec.body.data, "reply body 1", rec.body.len);
    assert_int_equal(rec.flag, 7);
    assert_int_equal(rec.born_timestamp, born);
    assert_string_equal(it_record_prop(&rec, "CORRELATION_ID", v, sizeof(v)), "corr-1");
    assert_string_equal(it_record_prop(&rec, "REPLY_TO_CLIENT", v, sizeof(v)), "127.0.0.1@req#1");
    assert_string_equal(it_record_prop(&rec, "PUSH_REPLY_TIME", v, sizeof(v)), "");
    assert_string_equal(it_record_prop(&rec, "CLUSTER", v, sizeof(v)), "");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(replier);
    rj_raw_client_close(requester);
}

static void
test_push_refused_or_lost(void **state)
{
    (void)state;
    rj_raw_client_t *requester = it_connect(plain.broker);
    rj_raw_client_t *replier = it_connect(plain.broker);
    it_heartbeat_producer(requester, "127.0.0.1@req#2", "request_pg");
    int64_t before = it_max_offset(replier, REPLY_TOPIC, 0);
    char props[256];
    reply_props(props, sizeof(props), "127.0.0.1@req#2", "corr-2");
    /* SEND_REPLY_MESSAGE (long names); the requester answers the push with an error. */
    int32_t opaque =
        send_reply(replier, REQ_SEND_REPLY, REPLY_TOPIC, 0, rj_clock_wall_ms(), props, "b2");
    rj_raw_reply_t push, r;
    wait_push(requester, &push);
    assert_string_equal(rj_raw_reply_ext(&push, "producerGroup"), "reply_pg");
    answer_push(requester, &push, 1);
    rj_raw_reply_cleanup(&push);
    read_answer(replier, opaque, &r);
    expect_error(&r, 1, "push reply message to 127.0.0.1@req#2fail.");
    /* Stored all the same, and the answer says where. */
    expect_stored(&r, &plain, 0, before);
    rj_raw_reply_cleanup(&r);

    /* The requester goes away before answering: the push fails with its connection. */
    opaque =
        send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, 0, rj_clock_wall_ms(), props, "b3");
    wait_push(requester, &push);
    rj_raw_reply_cleanup(&push);
    rj_raw_client_close(requester);
    read_answer(replier, opaque, &r);
    expect_error(&r, 1, "push reply message to 127.0.0.1@req#2fail.");
    expect_stored(&r, &plain, 0, before + 1);
    rj_raw_reply_cleanup(&r);
    /* Dispatch is asynchronous: let the next test start from a settled queue. */
    it_wait_max_offset(replier, REPLY_TOPIC, 0, before + 2);
    rj_raw_client_close(replier);
}

static void
test_requester_not_found(void **state)
{
    (void)state;
    rj_raw_client_t *replier = it_connect(plain.broker);
    int64_t before = it_max_offset(replier, REPLY_TOPIC, 0);
    char props[256];
    reply_props(props, sizeof(props), "10.9.9.9@nobody", "corr-3");
    int32_t opaque =
        send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, 0, rj_clock_wall_ms(), props, "b4");
    rj_raw_reply_t r;
    read_answer(replier, opaque, &r);
    expect_error(&r, 1, "push reply message fail, channel of <10.9.9.9@nobody> not found.");
    expect_stored(&r, &plain, 0, before);
    rj_raw_reply_cleanup(&r);

    /* No REPLY_TO_CLIENT at all. */
    reply_props(props, sizeof(props), NULL, "corr-4");
    opaque =
        send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, 0, rj_clock_wall_ms(), props, "b5");
    read_answer(replier, opaque, &r);
    expect_error(&r, 1, "reply message properties[REPLY_TO_CLIENT] is null");
    expect_stored(&r, &plain, 0, before + 1);
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(replier, REPLY_TOPIC, 0, before + 2);

    /* A producer that closed its connection is forgotten. */
    rj_raw_client_t *gone = it_connect(plain.broker);
    it_heartbeat_producer(gone, "127.0.0.1@gone", "request_pg");
    rj_raw_client_close(gone);
    reply_props(props, sizeof(props), "127.0.0.1@gone", "corr-5");
    for (int i = 0;; i++) {
        opaque =
            send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, 0, rj_clock_wall_ms(), props, "b6");
        read_answer(replier, opaque, &r);
        assert_int_equal(r.code, 1);
        bool forgotten = strstr(r.remark, "not found") != NULL;
        expect_stored(&r, &plain, 0, before + 2 + i);
        rj_raw_reply_cleanup(&r);
        if (forgotten) {
            it_wait_max_offset(replier, REPLY_TOPIC, 0, before + 3 + i);
            break;
        }
        assert_true(i < 100);
        rj_clock_sleep_ms(20);
    }
    rj_raw_client_close(replier);
}

static void
test_store_disabled(void **state)
{
    (void)state;
    rj_raw_client_t *requester = it_connect(plain.broker);
    rj_raw_client_t *replier = it_connect(plain.broker);
    it_heartbeat_producer(requester, "127.0.0.1@req#6", "request_pg");
    rj_raw_reply_t r;
    const char *off = "storeReplyMessageEnable=false\n";
    it_call(replier, 25, IT_VERSION_JAVA, NULL, off, strlen(off), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    int64_t before = it_max_offset(replier, REPLY_TOPIC, 0);

    char props[256];
    reply_props(props, sizeof(props), "127.0.0.1@req#6", "corr-6");
    int32_t opaque =
        send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, -1, rj_clock_wall_ms(), props, "b7");
    rj_raw_reply_t push;
    wait_push(requester, &push);
    assert_string_equal(rj_raw_reply_ext(&push, "queueId"), "-1");
    answer_push(requester, &push, 0);
    rj_raw_reply_cleanup(&push);
    read_answer(replier, opaque, &r);
    /* Pushed, not stored: msgId "0", the picked queue (the reply topic has one), offset 0. */
    assert_int_equal(r.code, 0);
    assert_null(r.remark);
    assert_string_equal(rj_raw_reply_ext(&r, "msgId"), "0");
    assert_string_equal(rj_raw_reply_ext(&r, "queueId"), "0");
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    rj_raw_reply_cleanup(&r);
    /* Not found and not stored: no record fields at all. */
    reply_props(props, sizeof(props), "10.9.9.9@nobody", "corr-7");
    opaque =
        send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, 0, rj_clock_wall_ms(), props, "b8");
    read_answer(replier, opaque, &r);
    expect_error(&r, 1, "push reply message fail, channel of <10.9.9.9@nobody> not found.");
    assert_null(rj_raw_reply_ext(&r, "msgId"));
    assert_null(rj_raw_reply_ext(&r, "queueOffset"));
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_max_offset(replier, REPLY_TOPIC, 0), before);

    const char *on = "storeReplyMessageEnable=true\n";
    it_call(replier, 25, IT_VERSION_JAVA, NULL, on, strlen(on), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(replier);
    rj_raw_client_close(requester);
}

static void
test_sync_flush_reply(void **state)
{
    (void)state;
    rj_raw_client_t *requester = it_connect(sync_flush.broker);
    rj_raw_client_t *replier = it_connect(sync_flush.broker);
    it_heartbeat_producer(requester, "127.0.0.1@req#8", "request_pg");
    char props[256];
    reply_props(props, sizeof(props), "127.0.0.1@req#8", "corr-8");
    for (int i = 0; i < 3; i++) {
        int64_t before = it_max_offset(replier, REPLY_TOPIC, 0);
        int32_t opaque =
            send_reply(replier, REQ_SEND_REPLY_V2, REPLY_TOPIC, 0, rj_clock_wall_ms(), props, "s");
        rj_raw_reply_t push, r;
        wait_push(requester, &push);
        answer_push(requester, &push, 0);
        rj_raw_reply_cleanup(&push);
        read_answer(replier, opaque, &r);
        assert_int_equal(r.code, 0);
        expect_stored(&r, &sync_flush, 0, before);
        rj_raw_reply_cleanup(&r);
        it_wait_max_offset(replier, REPLY_TOPIC, 0, before + 1);
    }
    rj_raw_client_close(replier);
    rj_raw_client_close(requester);
}

static void
test_bad_requests(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(plain.broker);
    rj_raw_reply_t r;
    /* No topic. */
    it_call(c, REQ_SEND_REPLY_V2, IT_VERSION_JAVA,
            "{\"a\":\"pg\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"0\",\"f\":\"0\",\"g\":\"1\","
            "\"h\":\"0\"}",
            "x", 1, &r);
    expect_error(&r, 1, "the custom field <b> is null");
    rj_raw_reply_cleanup(&r);
    /* A queue id that is not a number. */
    it_call(c, REQ_SEND_REPLY_V2, IT_VERSION_JAVA,
            "{\"a\":\"pg\",\"b\":\"" REPLY_TOPIC "\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"zero\","
            "\"f\":\"0\",\"g\":\"1\",\"h\":\"0\"}",
            "x", 1, &r);
    expect_error(&r, 1, "the custom field <e> is not a number");
    rj_raw_reply_cleanup(&r);
    /* SEND_REPLY_MESSAGE wants the long names: V2 keys are missing fields there. */
    it_call(c, REQ_SEND_REPLY, IT_VERSION_JAVA,
            "{\"a\":\"pg\",\"b\":\"" REPLY_TOPIC "\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"0\","
            "\"f\":\"0\",\"g\":\"1\",\"h\":\"0\"}",
            "x", 1, &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "is null"));
    rj_raw_reply_cleanup(&r);
    /* No header at all. */
    it_call(c, REQ_SEND_REPLY_V2, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);
    /* A queue the reply topic does not have. */
    char props[256];
    reply_props(props, sizeof(props), "10.9.9.9@nobody", "corr-9");
    int32_t opaque =
        send_reply(c, REQ_SEND_REPLY_V2, REPLY_TOPIC, 5, rj_clock_wall_ms(), props, "bad queue");
    read_answer(c, opaque, &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "request queueId[5] is illegal"));
    rj_raw_reply_cleanup(&r);
    /* A reserved topic. */
    opaque = send_reply(c, REQ_SEND_REPLY_V2, "SCHEDULE_TOPIC_XXXX", 0, rj_clock_wall_ms(), props,
                        "reserved");
    read_answer(c, opaque, &r);
    assert_int_equal(r.code, 16);
    rj_raw_reply_cleanup(&r);
    /* The broker still serves. */
    assert_true(it_max_offset(c, REPLY_TOPIC, 0) >= 0);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_pushed_and_stored), cmocka_unit_test(test_push_refused_or_lost),
        cmocka_unit_test(test_requester_not_found),     cmocka_unit_test(test_store_disabled),
        cmocka_unit_test(test_sync_flush_reply),        cmocka_unit_test(test_bad_requests),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
