/*
 * INVOKE_BROKER_TO_GET_CONSUMER_STATUS (223) against a real broker: raw
 * clients registered as consumers by HEART_BEAT are asked with
 * GET_CONSUMER_STATUS_FROM_CLIENT (221) and answer with their queue tables;
 * the admin gets GetConsumerStatusBody with every answering client's table
 * (or only the one named by clientAddr). Clients that time out, fail, close
 * or answer garbage are left out; unknown groups, old clients and malformed
 * headers get RocketMQ's errors. One case asks a real C push consumer.
 */
#include "broker_fixture.h"

#include "common/clock.h"
#include "common/json.h"
#include "ramjet/ramjet.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define REQ_HEART_BEAT 34
#define REQ_STATUS_FROM_CLIENT 221
#define REQ_GET_CONSUMER_STATUS 223
#define MQ_KEY(topic, q) "{\"brokerName\":\"broker-a\",\"queueId\":" #q ",\"topic\":\"" topic "\"}"

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

/* A raw connection registered as a push consumer of `group` (topic CsTopic). */
static rj_raw_client_t *
join(const char *group, const char *client_id, int32_t version)
{
    rj_raw_client_t *c = it_connect(cluster.broker);
    char hb[1024];
    int n = snprintf(hb, sizeof(hb),
                     "{\"clientID\":\"%s\",\"consumerDataSet\":[{\"consumeFromWhere\":"
                     "\"CONSUME_FROM_LAST_OFFSET\",\"consumeType\":\"CONSUME_PASSIVELY\","
                     "\"groupName\":\"%s\",\"messageModel\":\"CLUSTERING\","
                     "\"subscriptionDataSet\":[{\"classFilterMode\":false,\"codeSet\":[],"
                     "\"expressionType\":\"TAG\",\"subString\":\"*\",\"subVersion\":1,"
                     "\"tagsSet\":[],\"topic\":\"CsTopic\"}],\"unitMode\":false}],"
                     "\"producerDataSet\":[]}",
                     client_id, group);
    rj_raw_reply_t r;
    it_call(c, REQ_HEART_BEAT, version, NULL, hb, (size_t)n, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    return c;
}

/* Waits for the broker's 221 on `c` and checks its header. */
static void
expect_ask(rj_raw_client_t *c, const char *group, rj_raw_reply_t *ask)
{
    assert_int_equal(it_wait_request(c, REQ_STATUS_FROM_CLIENT, IT_TIMEOUT_MS, ask), 0);
    assert_string_equal(rj_raw_reply_ext(ask, "topic"), "CsTopic");
    assert_string_equal(rj_raw_reply_ext(ask, "group"), group);
    assert_null(rj_raw_reply_ext(ask, "clientAddr"));
}

/* Answers `ask` with `code` and `body` (NULL: none), then frees it. */
static void
answer(rj_raw_client_t *c, rj_raw_reply_t *ask, int32_t code, const char *body)
{
    rj_buf_t frame = RJ_BUF_INIT;
    assert_int_equal(rj_raw_request_json(&frame, code, IT_VERSION_JAVA, ask->opaque, 1, NULL, body,
                                         body != NULL ? strlen(body) : 0),
                     0);
    assert_int_equal(rj_raw_client_send(c, frame.data, frame.len), 0);
    rj_buf_cleanup(&frame);
    rj_raw_reply_cleanup(ask);
}

/* Sends 223 with `ext` and returns its opaque. */
static int32_t
ask_status(rj_raw_client_t *admin, const char *ext)
{
    return it_send(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA, 0, ext, NULL, 0);
}

static void
read_status(rj_raw_client_t *admin, int32_t opaque, int timeout_ms, rj_raw_reply_t *r)
{
    assert_int_equal(rj_raw_client_read_reply(admin, timeout_ms, r), 0);
    assert_int_equal(r->opaque, opaque);
    assert_int_equal(r->flag & 1, 1);
}

static json_t *
body_json(rj_raw_reply_t *r)
{
    json_t *j = rj_json_parse(r->body.data, r->body.len, NULL, 0);
    if (j == NULL || !json_is_object(json_object_get(j, "consumerTable"))) {
        fail_msg("not a GetConsumerStatusBody: %s", rj_raw_reply_body_text(r));
    }
    return j;
}

/* The offset of queue key `mq` in the table of `client` (-100 when absent). */
static int64_t
offset_of(const json_t *body, const char *client, const char *mq)
{
    const json_t *t = json_object_get(json_object_get(body, "consumerTable"), client);
    int64_t v;
    return json_is_object(t) && rj_json_as_int(json_object_get(t, mq), &v) ? v : -100;
}

static const char *const table_a = "{\"consumerTable\":{},\"messageQueueTable\":{" MQ_KEY(
    "CsTopic", 0) ":5," MQ_KEY("CsTopic", 1) ":6}}";
static const char *const table_b =
    "{\"consumerTable\":{},\"messageQueueTable\":{" MQ_KEY("CsTopic", 2) ":17}}";

static void
test_every_consumer_answers(void **state)
{
    (void)state;
    rj_raw_client_t *admin = it_connect(cluster.broker);
    rj_raw_client_t *a = join("cs_all", "127.0.0.1@a", IT_VERSION_JAVA);
    rj_raw_client_t *b = join("cs_all", "127.0.0.1@b", IT_VERSION_JAVA);
    int32_t op = ask_status(admin, "{\"topic\":\"CsTopic\",\"group\":\"cs_all\"}");
    rj_raw_reply_t ask_a, ask_b, r;
    expect_ask(a, "cs_all", &ask_a);
    expect_ask(b, "cs_all", &ask_b);
    /* The admin waits for both. */
    answer(a, &ask_a, 0, table_a);
    assert_int_equal(rj_raw_client_read_reply(admin, 200, &r), RJ_ETIMEDOUT);
    answer(b, &ask_b, 0, table_b);
    read_status(admin, op, IT_TIMEOUT_MS, &r);
    assert_int_equal(r.code, 0);
    json_t *j = body_json(&r);
    assert_int_equal(json_object_size(json_object_get(j, "consumerTable")), 2);
    assert_int_equal(json_object_size(json_object_get(j, "messageQueueTable")), 0);
    assert_int_equal(offset_of(j, "127.0.0.1@a", MQ_KEY("CsTopic", 0)), 5);
    assert_int_equal(offset_of(j, "127.0.0.1@a", MQ_KEY("CsTopic", 1)), 6);
    assert_int_equal(offset_of(j, "127.0.0.1@b", MQ_KEY("CsTopic", 2)), 17);
    assert_int_equal(
        json_object_size(json_object_get(json_object_get(j, "consumerTable"), "127.0.0.1@b")), 1);
    json_decref(j);
    /* MessageQueue keys are written as fastjson object keys, fields in order. */
    assert_non_null(
        strstr(rj_raw_reply_body_text(&r), "\"127.0.0.1@b\":{" MQ_KEY("CsTopic", 2) ":17}"));
    rj_raw_reply_cleanup(&r);

    /* A blank clientAddr also means everyone. */
    op = ask_status(admin, "{\"topic\":\"CsTopic\",\"group\":\"cs_all\",\"clientAddr\":\" \"}");
    expect_ask(a, "cs_all", &ask_a);
    expect_ask(b, "cs_all", &ask_b);
    answer(b, &ask_b, 0, table_b);
    answer(a, &ask_a, 0, table_a);
    read_status(admin, op, IT_TIMEOUT_MS, &r);
    j = body_json(&r);
    assert_int_equal(json_object_size(json_object_get(j, "consumerTable")), 2);
    json_decref(j);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(a);
    rj_raw_client_close(b);
    rj_raw_client_close(admin);
}

static void
test_only_client_addr(void **state)
{
    (void)state;
    rj_raw_client_t *admin = it_connect(cluster.broker);
    rj_raw_client_t *a = join("cs_one", "127.0.0.1@a", IT_VERSION_JAVA);
    rj_raw_client_t *b = join("cs_one", "127.0.0.1@b", IT_VERSION_JAVA);
    int32_t op = ask_status(
        admin, "{\"topic\":\"CsTopic\",\"group\":\"cs_one\",\"clientAddr\":\"127.0.0.1@b\"}");
    rj_raw_reply_t ask, r;
    expect_ask(b, "cs_one", &ask);
    answer(b, &ask, 0, table_b);
    read_status(admin, op, IT_TIMEOUT_MS, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"consumerTable\":{\"127.0.0.1@b\":{" MQ_KEY(
                            "CsTopic", 2) ":17}},\"messageQueueTable\":{}}");
    rj_raw_reply_cleanup(&r);
    /* The other consumer was not asked. */
    assert_int_equal(it_wait_request(a, REQ_STATUS_FROM_CLIENT, 300, &r), RJ_ETIMEDOUT);

    /* A client id nobody has: nobody is asked, the table is empty. */
    op = ask_status(admin,
                    "{\"topic\":\"CsTopic\",\"group\":\"cs_one\",\"clientAddr\":\"10.9.9.9@x\"}");
    read_status(admin, op, IT_TIMEOUT_MS, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"consumerTable\":{},\"messageQueueTable\":{}}");
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_wait_request(a, REQ_STATUS_FROM_CLIENT, 100, &r), RJ_ETIMEDOUT);
    assert_int_equal(it_wait_request(b, REQ_STATUS_FROM_CLIENT, 100, &r), RJ_ETIMEDOUT);
    rj_raw_client_close(a);
    rj_raw_client_close(b);
    rj_raw_client_close(admin);
}

static void
test_silent_client_left_out(void **state)
{
    (void)state;
    rj_raw_client_t *admin = it_connect(cluster.broker);
    rj_raw_client_t *a = join("cs_silent", "127.0.0.1@a", IT_VERSION_JAVA);
    rj_raw_client_t *b = join("cs_silent", "127.0.0.1@b", IT_VERSION_JAVA);
    int64_t t0 = rj_clock_mono_ms();
    int32_t op = ask_status(admin, "{\"topic\":\"CsTopic\",\"group\":\"cs_silent\"}");
    rj_raw_reply_t ask, silent, r;
    expect_ask(a, "cs_silent", &ask);
    expect_ask(b, "cs_silent", &silent); /* never answered */
    answer(a, &ask, 0, table_a);
    /* The broker gives each client 5 s, as RocketMQ does. */
    read_status(admin, op, 15000, &r);
    int64_t waited = rj_clock_mono_ms() - t0;
    assert_true(waited >= 4500);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"consumerTable\":{\"127.0.0.1@a\":{" MQ_KEY("CsTopic", 0) ":5," MQ_KEY(
                            "CsTopic", 1) ":6}},"
                                          "\"messageQueueTable\":{}}");
    rj_raw_reply_cleanup(&r);
    /* A late answer is dropped without harm; the broker still serves. */
    answer(b, &silent, 0, table_b);
    op = ask_status(admin, "{\"topic\":\"CsTopic\",\"group\":\"cs_silent\",\"clientAddr\":"
                           "\"127.0.0.1@b\"}");
    expect_ask(b, "cs_silent", &ask);
    answer(b, &ask, 0, table_b);
    read_status(admin, op, IT_TIMEOUT_MS, &r);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\"127.0.0.1@b\":{"));
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(a);
    rj_raw_client_close(b);
    rj_raw_client_close(admin);
}

static void
test_failed_answers_left_out(void **state)
{
    (void)state;
    rj_raw_client_t *admin = it_connect(cluster.broker);
    rj_raw_client_t *c[6];
    char id[32];
    for (int i = 0; i < 6; i++) {
        snprintf(id, sizeof(id), "127.0.0.1@f%d", i);
        c[i] = join("cs_fail", id, IT_VERSION_JAVA);
    }
    int32_t op = ask_status(admin, "{\"topic\":\"CsTopic\",\"group\":\"cs_fail\"}");
    rj_raw_reply_t ask[6], r;
    for (int i = 0; i < 6; i++) {
        expect_ask(c[i], "cs_fail", &ask[i]);
    }
    answer(c[0], &ask[0], 1, "{\"messageQueueTable\":{}}"); /* an error code */
    answer(c[1], &ask[1], 0, NULL);                         /* success without a body */
    answer(c[2], &ask[2], 0, "not json");
    answer(c[3], &ask[3], 0,
           "{\"messageQueueTable\":{{\"brokerName\":\"broker-a\",\"queueId\":\"x\"}:1}}");
    /* No table is the field's default, an empty one; keys are rewritten as Java writes them. */
    answer(c[4], &ask[4], 0, "{\"consumerTable\":{}}");
    rj_raw_reply_cleanup(&ask[5]);
    rj_raw_client_close(c[5]); /* the connection is lost before it answers */
    c[5] = NULL;
    read_status(admin, op, IT_TIMEOUT_MS, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"consumerTable\":{\"127.0.0.1@f4\":{}},\"messageQueueTable\":{}}");
    rj_raw_reply_cleanup(&r);

    /* Keys in another field order, offsets as strings, null entries dropped. */
    op = ask_status(
        admin, "{\"topic\":\"CsTopic\",\"group\":\"cs_fail\",\"clientAddr\":\"127.0.0.1@f1\"}");
    expect_ask(c[1], "cs_fail", &ask[1]);
    answer(c[1], &ask[1], 0,
           "{\"messageQueueTable\":{{\"topic\":\"CsTopic\",\"queueId\":3,\"brokerName\":"
           "\"broker-a\"}:\"42\",{\"topic\":\"CsTopic\",\"queueId\":1}:null}}");
    read_status(admin, op, IT_TIMEOUT_MS, &r);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"consumerTable\":{\"127.0.0.1@f1\":{" MQ_KEY(
                            "CsTopic", 3) ":42}},\"messageQueueTable\":{}}");
    rj_raw_reply_cleanup(&r);
    for (int i = 0; i < 5; i++) {
        rj_raw_client_close(c[i]);
    }
    rj_raw_client_close(admin);
}

static void
test_errors(void **state)
{
    (void)state;
    rj_raw_client_t *admin = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_call(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA,
            "{\"topic\":\"CsTopic\",\"group\":\"cs_nobody\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "No Any Consumer online in the consumer group: [cs_nobody]");
    rj_raw_reply_cleanup(&r);

    it_call(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA, "{\"group\":\"cs_nobody\"}", NULL, 0,
            &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "the custom field <topic> is null");
    rj_raw_reply_cleanup(&r);
    it_call(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA, "{\"topic\":\"CsTopic\"}", NULL, 0,
            &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "the custom field <group> is null");
    rj_raw_reply_cleanup(&r);
    it_call(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "the custom field <topic> is null");
    rj_raw_reply_cleanup(&r);

    /* A client older than V3_0_7_SNAPSHOT fails the whole request; nobody is asked. */
    rj_raw_client_t *fresh = join("cs_old", "127.0.0.1@new", IT_VERSION_JAVA);
    rj_raw_client_t *old = join("cs_old", "127.0.0.1@old", 0);
    it_call(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA,
            "{\"topic\":\"CsTopic\",\"group\":\"cs_old\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark,
                        "the client does not support this feature. version=V3_0_0_SNAPSHOT");
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_wait_request(fresh, REQ_STATUS_FROM_CLIENT, 100, &r), RJ_ETIMEDOUT);
    rj_raw_client_close(old);
    rj_raw_client_close(fresh);
    rj_raw_client_close(admin);
}

/* ---- a real C push consumer ---------------------------------------------------------- */

static rj_consume_status_t
count_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    (void)msgs;
    (void)ctx;
    __atomic_add_fetch((int *)arg, (int)count, __ATOMIC_SEQ_CST);
    return RJ_CONSUME_SUCCESS;
}

static void
create_topic(const char *topic, int queues)
{
    rj_admin_t *a;
    assert_int_equal(rj_admin_create(rj_daemon_addr(cluster.ns), &a), RJ_OK);
    int64_t deadline = rj_clock_mono_ms() + 20000;
    bool ok = false;
    while (!ok && rj_clock_mono_ms() < deadline) {
        rj_message_queue_t *qs;
        size_t n;
        if (rj_admin_create_topic(a, NULL, topic, queues, false) == RJ_OK &&
            rj_admin_topic_queues(a, topic, &qs, &n) == RJ_OK) {
            rj_message_queues_free(qs);
            ok = n == (size_t)queues;
        }
        if (!ok) {
            rj_clock_sleep_ms(100);
        }
    }
    rj_admin_destroy(a);
    assert_true(ok);
}

static void
test_c_push_consumer(void **state)
{
    (void)state;
    create_topic("CsReal", 2);
    int consumed = 0;
    rj_push_consumer_t *pc;
    assert_int_equal(rj_push_consumer_create("cs_real", &pc), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(pc, rj_daemon_addr(cluster.ns)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(pc, "CsReal", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(pc, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(pc, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(pc, count_listener, &consumed), RJ_OK);
    assert_int_equal(rj_push_consumer_start(pc), RJ_OK);

    int64_t deadline = rj_clock_mono_ms() + 20000;
    size_t assigned = 0;
    while (assigned != 2 && rj_clock_mono_ms() < deadline) {
        rj_message_queue_t *qs;
        if (rj_push_consumer_assigned_queues(pc, "CsReal", &qs, &assigned) == RJ_OK) {
            rj_message_queues_free(qs);
        }
        if (assigned != 2) {
            rj_clock_sleep_ms(50);
        }
    }
    assert_int_equal(assigned, 2);

    rj_raw_client_t *admin = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_send_message(admin, "CsReal", 0, NULL, "hello", 5, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);

    /* The consumer reports queue 0 at offset 1 once it consumed the message. */
    int64_t q0 = -100, q1 = -100;
    const char *client = NULL;
    char client_id[256] = "";
    while (q0 != 1 && rj_clock_mono_ms() < deadline) {
        it_call(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA,
                "{\"topic\":\"CsReal\",\"group\":\"cs_real\"}", NULL, 0, &r);
        assert_int_equal(r.code, 0);
        json_t *j = body_json(&r);
        const json_t *table = json_object_get(j, "consumerTable");
        assert_int_equal(json_object_size(table), 1);
        client = json_object_iter_key(json_object_iter((json_t *)table));
        snprintf(client_id, sizeof(client_id), "%s", client);
        q0 = offset_of(j, client_id, MQ_KEY("CsReal", 0));
        q1 = offset_of(j, client_id, MQ_KEY("CsReal", 1));
        assert_int_equal(json_object_size(json_object_get(table, client_id)), 2);
        json_decref(j);
        rj_raw_reply_cleanup(&r);
        if (q0 != 1) {
            rj_clock_sleep_ms(50);
        }
    }
    assert_int_equal(q0, 1);
    assert_true(q1 == 0 || q1 == -1);
    assert_int_equal(__atomic_load_n(&consumed, __ATOMIC_SEQ_CST), 1);
    assert_non_null(strchr(client_id, '@'));

    /* The same through clientAddr, with the id the broker reported. */
    char ext[512];
    snprintf(ext, sizeof(ext), "{\"topic\":\"CsReal\",\"group\":\"cs_real\",\"clientAddr\":\"%s\"}",
             client_id);
    it_call(admin, REQ_GET_CONSUMER_STATUS, IT_VERSION_JAVA, ext, NULL, 0, &r);
    json_t *j = body_json(&r);
    assert_int_equal(offset_of(j, client_id, MQ_KEY("CsReal", 0)), 1);
    json_decref(j);
    rj_raw_reply_cleanup(&r);

    rj_raw_client_close(admin);
    assert_int_equal(rj_push_consumer_shutdown(pc), RJ_OK);
    rj_push_consumer_destroy(pc);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_consumer_answers),
        cmocka_unit_test(test_only_client_addr),
        cmocka_unit_test(test_silent_client_left_out),
        cmocka_unit_test(test_failed_answers_left_out),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_c_push_consumer),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
