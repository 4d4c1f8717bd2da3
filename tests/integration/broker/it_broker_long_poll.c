/*
 * Long polling over real sockets: a pull at the end of a queue with the
 * SUSPEND flag is held until a message for that queue arrives (answered at
 * once with it), or until its suspend time ends (PULL_NOT_FOUND); a message
 * of another tag or another queue does not wake it; short pulls are answered
 * at once; a parked pull is answered when the broker shuts down.
 */
#include "broker_fixture.h"

#include "common/clock.h"
#include "ramjet/status.h"

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

static int64_t
max_offset(rj_raw_client_t *c, const char *topic, int qid)
{
    rj_raw_reply_t r;
    char ext[256];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\",\"queueId\":\"%d\"}", topic, qid);
    it_call(c, 30, IT_VERSION_JAVA, ext, NULL, 0, &r);
    int64_t v = strtoll(rj_raw_reply_ext(&r, "offset"), NULL, 10);
    rj_raw_reply_cleanup(&r);
    return v;
}

/* Sends a suspended pull (SUBSCRIPTION + SUSPEND) without reading the answer. */
static int32_t
pull_suspended(rj_raw_client_t *c, const char *topic, int qid, int64_t offset, const char *sub,
               int64_t suspend_ms)
{
    char ext[512];
    snprintf(ext, sizeof(ext),
             "{\"consumerGroup\":\"lp_group\",\"topic\":\"%s\",\"queueId\":\"%d\","
             "\"queueOffset\":\"%lld\",\"maxMsgNums\":\"32\",\"sysFlag\":\"6\","
             "\"commitOffset\":\"0\",\"suspendTimeoutMillis\":\"%lld\",\"subscription\":\"%s\","
             "\"subVersion\":\"0\",\"expressionType\":\"TAG\"}",
             topic, qid, (long long)offset, (long long)suspend_ms, sub);
    return it_send(c, 11, IT_VERSION_JAVA, 0, ext, NULL, 0);
}

/* Sends one message; returns the queue's max offset once the message is dispatched. */
static int64_t
send_tagged(rj_raw_client_t *c, const char *topic, int qid, const char *tag)
{
    rj_raw_reply_t r;
    char props[64];
    snprintf(props, sizeof(props), "TAGS\001%s", tag);
    it_send_message(c, topic, qid, props, "hello", 5, &r);
    assert_int_equal(r.code, 0);
    int64_t next = strtoll(rj_raw_reply_ext(&r, "queueOffset"), NULL, 10) + 1;
    rj_raw_reply_cleanup(&r);
    /* Sends are acknowledged before the dispatcher writes the consume queue. */
    int64_t deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS;
    while (max_offset(c, topic, qid) < next) {
        assert_true(rj_clock_mono_ms() < deadline);
        rj_clock_sleep_ms(2);
    }
    return next;
}

static void
test_parked_pull_wakes_on_arrival(void **state)
{
    (void)state;
    rj_raw_client_t *producer = it_connect(cluster.broker);
    rj_raw_client_t *consumer = it_connect(cluster.broker);
    int64_t end = send_tagged(producer, "LpTopic", 0, "TagA"); /* creates the topic */

    int32_t opaque = pull_suspended(consumer, "LpTopic", 0, end, "TagA", 20000);
    rj_raw_reply_t r;
    /* Held: nothing comes back meanwhile. */
    assert_int_equal(rj_raw_client_read_reply(consumer, 300, &r), RJ_ETIMEDOUT);
    /* Another queue and another tag do not wake it. */
    send_tagged(producer, "LpTopic", 1, "TagA");
    send_tagged(producer, "LpTopic", 0, "TagB");
    assert_int_equal(rj_raw_client_read_reply(consumer, 300, &r), RJ_ETIMEDOUT);

    int64_t t0 = rj_clock_mono_ms();
    send_tagged(producer, "LpTopic", 0, "TagA");
    assert_int_equal(rj_raw_client_read_reply(consumer, IT_TIMEOUT_MS, &r), 0);
    int64_t waited = rj_clock_mono_ms() - t0;
    assert_int_equal(r.opaque, opaque);
    assert_int_equal(r.code, 0);
    assert_string_equal(r.remark, "FOUND");
    /* Only the TagA message passes the consume-queue filter; the TagB one is skipped. */
    assert_int_equal(it_count_records(&r), 1);
    char want[32];
    snprintf(want, sizeof(want), "%lld", (long long)(end + 2));
    assert_string_equal(rj_raw_reply_ext(&r, "nextBeginOffset"), want);
    assert_true(waited < 2000);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(producer);
    rj_raw_client_close(consumer);
}

static void
test_parked_pull_times_out(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    int64_t end = send_tagged(c, "LpTimeout", 0, "x");
    int64_t t0 = rj_clock_mono_ms();
    int32_t opaque = pull_suspended(c, "LpTimeout", 0, end, "*", 500);
    rj_raw_reply_t r;
    assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
    int64_t waited = rj_clock_mono_ms() - t0;
    assert_int_equal(r.opaque, opaque);
    assert_int_equal(r.code, 19);
    assert_string_equal(r.remark, "OFFSET_OVERFLOW_ONE");
    assert_true(waited >= 450);
    assert_true(waited < 3000);
    rj_raw_reply_cleanup(&r);

    /* Without the SUSPEND flag the same pull is answered at once. */
    char ext[512];
    snprintf(ext, sizeof(ext),
             "{\"consumerGroup\":\"lp_group\",\"topic\":\"LpTimeout\",\"queueId\":\"0\","
             "\"queueOffset\":\"%lld\",\"maxMsgNums\":\"32\",\"sysFlag\":\"4\","
             "\"commitOffset\":\"0\",\"suspendTimeoutMillis\":\"15000\",\"subscription\":\"*\","
             "\"subVersion\":\"0\"}",
             (long long)end);
    t0 = rj_clock_mono_ms();
    it_call(c, 11, IT_VERSION_JAVA, ext, NULL, 0, &r);
    assert_int_equal(r.code, 19);
    assert_true(rj_clock_mono_ms() - t0 < 1000);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_many_parked_pulls_each_get_their_message(void **state)
{
    (void)state;
    enum { N = 8 };
    rj_raw_client_t *producer = it_connect(cluster.broker);
    rj_raw_client_t *consumers[N];
    int32_t opaques[N];
    int64_t ends[4];
    for (int q = 0; q < 4; q++) { /* 4 queues via TBW102 with d=4 */
        ends[q] = send_tagged(producer, "LpMany", q, "t");
    }
    for (int i = 0; i < N; i++) {
        consumers[i] = it_connect(cluster.broker);
        opaques[i] = pull_suspended(consumers[i], "LpMany", i % 4, ends[i % 4], "*", 20000);
    }
    for (int q = 0; q < 4; q++) {
        send_tagged(producer, "LpMany", q, "t");
    }
    for (int i = 0; i < N; i++) {
        rj_raw_reply_t r;
        assert_int_equal(rj_raw_client_read_reply(consumers[i], IT_TIMEOUT_MS, &r), 0);
        assert_int_equal(r.opaque, opaques[i]);
        assert_int_equal(r.code, 0);
        assert_int_equal(it_count_records(&r), 1);
        rj_raw_reply_cleanup(&r);
        rj_raw_client_close(consumers[i]);
    }
    rj_raw_client_close(producer);
}

static void
test_parked_pull_answered_at_shutdown(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    int64_t end = send_tagged(c, "LpShutdown", 0, "x");
    int32_t opaque = pull_suspended(c, "LpShutdown", 0, end, "*", 60000);
    rj_raw_reply_t r;
    assert_int_equal(rj_raw_client_read_reply(c, 200, &r), RJ_ETIMEDOUT);
    int status = -1;
    assert_int_equal(rj_daemon_stop(cluster.broker, 20000, &status), 0);
    assert_int_equal(status, 0);
    assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.opaque, opaque);
    assert_int_equal(r.code, 19);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    assert_int_equal(rj_daemon_restart(cluster.broker), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parked_pull_wakes_on_arrival),
        cmocka_unit_test(test_parked_pull_times_out),
        cmocka_unit_test(test_many_parked_pulls_each_get_their_message),
        cmocka_unit_test(test_parked_pull_answered_at_shutdown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
