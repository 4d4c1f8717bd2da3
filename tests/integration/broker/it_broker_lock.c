/*
 * LOCK_BATCH_MQ / UNLOCK_BATCH_MQ over real sockets (requests.md §C9,
 * features.md §5): the lockOKMQSet body, queues held by another client,
 * renewal, two-way and one-way unlock, expiry after
 * rocketmq.broker.rebalance.lockMaxLiveTime (1 s here) and bad bodies.
 */
#include "broker_fixture.h"

#include "common/clock.h"

#include <jansson.h>
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
    it_cluster_start(&cluster, "rocketmq.broker.rebalance.lockMaxLiveTime=1000\n");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_cluster_stop(&cluster);
    return 0;
}

/* A Lock/UnlockBatchRequestBody for queues `qids` (-1 terminated) of `topic`. */
static char *
lock_body(const char *group, const char *client, const char *topic, const int *qids)
{
    json_t *set = json_array();
    for (int i = 0; qids[i] >= 0; i++) {
        json_array_append_new(set, json_pack("{s:s,s:i,s:s}", "brokerName", "broker-a", "queueId",
                                             qids[i], "topic", topic));
    }
    json_t *body =
        json_pack("{s:s,s:s,s:o}", "clientId", client, "consumerGroup", group, "mqSet", set);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

/* LOCK_BATCH_MQ; returns a bit mask of the granted queue ids. */
static unsigned
lock(rj_raw_client_t *c, const char *client, const char *topic, const int *qids)
{
    char *body = lock_body("cg_lock", client, topic, qids);
    rj_raw_reply_t r;
    it_call(c, 41, IT_VERSION_JAVA, NULL, body, strlen(body), &r);
    free(body);
    assert_int_equal(r.code, 0);
    assert_null(r.remark);
    json_error_t err;
    json_t *j = json_loadb((const char *)r.body.data, r.body.len, 0, &err);
    assert_non_null(j);
    assert_int_equal(json_object_size(j), 1);
    const json_t *set = json_object_get(j, "lockOKMQSet");
    assert_true(json_is_array(set));
    unsigned mask = 0;
    for (size_t i = 0; i < json_array_size(set); i++) {
        const json_t *mq = json_array_get(set, i);
        assert_int_equal(json_object_size(mq), 3);
        assert_string_equal(json_string_value(json_object_get(mq, "brokerName")), "broker-a");
        assert_string_equal(json_string_value(json_object_get(mq, "topic")), topic);
        mask |= 1u << json_integer_value(json_object_get(mq, "queueId"));
    }
    json_decref(j);
    rj_raw_reply_cleanup(&r);
    return mask;
}

static void
unlock(rj_raw_client_t *c, const char *client, const char *topic, const int *qids, bool oneway)
{
    char *body = lock_body("cg_lock", client, topic, qids);
    if (oneway) {
        it_send(c, 42, IT_VERSION_JAVA, 2, NULL, body, strlen(body));
    } else {
        rj_raw_reply_t r;
        it_call(c, 42, IT_VERSION_JAVA, NULL, body, strlen(body), &r);
        assert_int_equal(r.code, 0);
        assert_null(r.remark);
        assert_int_equal(r.body.len, 0);
        rj_raw_reply_cleanup(&r);
    }
    free(body);
}

static void
test_lock_grants_free_queues_and_keeps_others_out(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    const int q012[] = {0, 1, 2, -1}, q123[] = {1, 2, 3, -1}, q3[] = {3, -1}, q1[] = {1, -1};
    assert_int_equal(lock(c, "A@1", "TopicL", q012), 0x7);
    /* B gets only the queue nobody holds. */
    assert_int_equal(lock(c, "B@2", "TopicL", q123), 0x8);
    /* A renews its own and is refused B's. */
    assert_int_equal(lock(c, "A@1", "TopicL", q123), 0x6);
    /* Java's exact body for one queue. */
    char *body = lock_body("cg_lock", "A@1", "TopicL", q1);
    rj_raw_reply_t r;
    it_call(c, 41, IT_VERSION_JAVA, NULL, body, strlen(body), &r);
    free(body);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"lockOKMQSet\":[{\"brokerName\":\"broker-a\",\"queueId\":1,\"topic\":"
                        "\"TopicL\"}]}");
    rj_raw_reply_cleanup(&r);

    /* Two-way unlock by the holder frees the queue; unlock by someone else does nothing. */
    unlock(c, "B@2", "TopicL", q012, false);
    assert_int_equal(lock(c, "B@2", "TopicL", q012), 0);
    unlock(c, "A@1", "TopicL", q1, false);
    assert_int_equal(lock(c, "B@2", "TopicL", q012), 0x2);
    /* One-way, as Java sends it on shutdown. */
    unlock(c, "B@2", "TopicL", q3, true);
    assert_int_equal(lock(c, "A@1", "TopicL", q3), 0x8);
    /* Duplicates in mqSet count once. */
    const int dup[] = {5, 5, 5, -1};
    body = lock_body("cg_lock", "A@1", "TopicL", dup);
    it_call(c, 41, IT_VERSION_JAVA, NULL, body, strlen(body), &r);
    free(body);
    assert_string_equal(rj_raw_reply_body_text(&r),
                        "{\"lockOKMQSet\":[{\"brokerName\":\"broker-a\",\"queueId\":5,\"topic\":"
                        "\"TopicL\"}]}");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_lock_expires_after_max_live_time(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    const int q0[] = {0, -1};
    assert_int_equal(lock(c, "A@1", "TopicExp", q0), 0x1);
    int64_t locked_at = rj_clock_mono_ms();
    assert_int_equal(lock(c, "B@2", "TopicExp", q0), 0);
    /* B polls as a rebalancing client would; it gets the queue once A's lock is 1 s old. */
    int64_t deadline = locked_at + IT_TIMEOUT_MS;
    while (lock(c, "B@2", "TopicExp", q0) == 0) {
        assert_true(rj_clock_mono_ms() < deadline);
        rj_clock_sleep_ms(50);
    }
    int64_t waited = rj_clock_mono_ms() - locked_at;
    printf("lock taken over after %lld ms (lockMaxLiveTime 1000)\n", (long long)waited);
    assert_true(waited >= 1000);
    assert_int_equal(lock(c, "A@1", "TopicExp", q0), 0);
    rj_raw_client_close(c);
}

static void
expect_bad_body(rj_raw_client_t *c, int code, const char *body)
{
    rj_raw_reply_t r;
    it_call(c, code, IT_VERSION_JAVA, NULL, body, body ? strlen(body) : 0, &r);
    assert_int_equal(r.code, 1);
    assert_non_null(r.remark);
    rj_raw_reply_cleanup(&r);
}

static void
test_bad_bodies_are_refused(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    for (int code = 41; code <= 42; code++) {
        expect_bad_body(c, code, NULL);
        expect_bad_body(c, code, "not json");
        expect_bad_body(c, code, "[1,2]");
        expect_bad_body(c, code, "{\"consumerGroup\":\"g\",\"mqSet\":[]}");
        expect_bad_body(c, code, "{\"clientId\":\"c\",\"mqSet\":[]}");
        expect_bad_body(c, code, "{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":{}}");
        expect_bad_body(
            c, code, "{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[{\"topic\":\"t\"}]}");
        expect_bad_body(c, code,
                        "{\"clientId\":\"c\",\"consumerGroup\":\"g\",\"mqSet\":[{\"topic\":\"t\","
                        "\"brokerName\":\"b\",\"queueId\":99999999999}]}");
    }
    /* An empty set is fine (fastjson field order does not matter either). */
    rj_raw_reply_t r;
    const char *empty = "{\"mqSet\":[],\"consumerGroup\":\"g\",\"clientId\":\"c\"}";
    it_call(c, 41, IT_VERSION_JAVA, NULL, empty, strlen(empty), &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"lockOKMQSet\":[]}");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_grants_free_queues_and_keeps_others_out),
        cmocka_unit_test(test_lock_expires_after_max_live_time),
        cmocka_unit_test(test_bad_bodies_are_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
