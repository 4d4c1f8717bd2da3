/*
 * Lite pull consumer changing its subscriptions while running, against a real
 * name server and broker: a second topic subscribed later is consumed, an
 * unsubscribed topic stops arriving and leaves the broker's view of the group
 * (GET_CONSUMER_CONNECTION_LIST), and assign mode still refuses subscribe.
 */
#include "client_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "support/raw_client.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define GET_CONSUMER_CONNECTION_LIST 203

static it_cluster_t cluster;

static int
group_setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 1);
    it_create_topic(&cluster, "IT_SubA", 2);
    it_create_topic(&cluster, "IT_SubB", 2);
    return 0;
}

static int
group_teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

/* Polls for up to `timeout_ms`, recording every message. */
static void
poll_for(rj_pull_consumer_t *c, it_seen_t *s, int64_t timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    while (rj_clock_mono_ms() < deadline) {
        rj_poll_result_t *r;
        int rc = rj_pull_consumer_poll(c, 100, &r);
        if (rc == RJ_ETIMEDOUT) {
            continue;
        }
        assert_int_equal(rc, RJ_OK);
        for (size_t i = 0; i < rj_poll_result_count(r); i++) {
            it_seen_add(s, rj_poll_result_message(r, i));
        }
        rj_poll_result_destroy(r);
    }
}

/* Polls until every number in [from, to) was seen or `timeout_ms` passed. */
static bool
poll_until(rj_pull_consumer_t *c, it_seen_t *s, int from, int to, int64_t timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    for (;;) {
        int missing = 0;
        pthread_mutex_lock(&s->lock);
        for (int i = from; i < to; i++) {
            missing += s->seen[i] == 0;
        }
        pthread_mutex_unlock(&s->lock);
        if (missing == 0) {
            return true;
        }
        if (rj_clock_mono_ms() >= deadline) {
            return false;
        }
        poll_for(c, s, 100);
    }
}

/* The broker's GET_CONSUMER_CONNECTION_LIST body for `group` ("" if not online). rj_free it. */
static char *
connection_list(const char *group)
{
    rj_raw_client_t *rc;
    rj_buf_t req;
    rj_raw_reply_t reply;
    char ext[128];

    assert_int_equal(rj_raw_client_connect(rj_daemon_addr(cluster.brokers[0]), 3000, &rc), 0);
    rj_buf_init(&req);
    snprintf(ext, sizeof(ext), "{\"consumerGroup\":\"%s\"}", group);
    assert_int_equal(
        rj_raw_request_json(&req, GET_CONSUMER_CONNECTION_LIST, 399, 1, 0, ext, NULL, 0), 0);
    assert_int_equal(rj_raw_client_call(rc, &req, 5000, &reply), 0);
    char *body = rj_strdup(reply.code == 0 ? rj_raw_reply_body_text(&reply) : "");
    assert_non_null(body);
    rj_raw_reply_cleanup(&reply);
    rj_buf_cleanup(&req);
    rj_raw_client_close(rc);
    return body;
}

static bool
broker_lists(const char *group, const char *topic)
{
    char quoted[160];
    snprintf(quoted, sizeof(quoted), "\"topic\":\"%s\"", topic);
    char *body = connection_list(group);
    bool found = strstr(body, quoted) != NULL;
    rj_free(body);
    return found;
}

static void
test_subscribe_and_unsubscribe_while_running(void **state)
{
    it_seen_t s;
    rj_pull_consumer_t *c;

    it_seen_init(&s);
    it_produce(&cluster, "IT_SubA", 0, 10, NULL);
    assert_int_equal(rj_pull_consumer_create("it_lite_sub", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "IT_SubA", "*"), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    assert_true(poll_until(c, &s, 0, 10, 15000));
    assert_true(broker_lists("it_lite_sub", "IT_SubA"));
    assert_false(broker_lists("it_lite_sub", "IT_SubB"));

    /* Second topic on the running consumer: in the broker's view at once, then consumed. */
    it_produce(&cluster, "IT_SubB", 100, 10, NULL);
    assert_int_equal(rj_pull_consumer_subscribe(c, "IT_SubB", "*"), RJ_OK);
    assert_true(broker_lists("it_lite_sub", "IT_SubB"));
    it_produce(&cluster, "IT_SubB", 110, 10, NULL);
    assert_true(poll_until(c, &s, 100, 120, 15000));

    /* Unsubscribe: out of the broker's view, and nothing more of it from poll. */
    it_produce(&cluster, "IT_SubB", 200, 10, NULL);
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "IT_SubB"), RJ_OK);
    assert_false(broker_lists("it_lite_sub", "IT_SubB"));
    assert_true(broker_lists("it_lite_sub", "IT_SubA"));
    it_produce(&cluster, "IT_SubB", 300, 10, NULL);
    it_produce(&cluster, "IT_SubA", 10, 10, NULL);
    assert_true(poll_until(c, &s, 10, 20, 15000));
    poll_for(c, &s, 1500);
    for (int i = 200; i < 310; i++) {
        assert_int_equal(s.seen[i], 0);
    }
    rj_message_queue_t *qs;
    size_t n;
    assert_int_equal(rj_pull_consumer_assigned_queues(c, &qs, &n), RJ_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(qs[i].topic, "IT_SubA");
    }
    rj_message_queues_free(qs);
    rj_pull_consumer_destroy(c);
}

static void
test_assign_mode_refuses_subscribe_while_running(void **state)
{
    rj_pull_consumer_t *c;
    rj_message_queue_t mq = {"IT_SubA", "broker-a", 0};

    assert_int_equal(rj_pull_consumer_create("it_lite_assign", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_pull_consumer_assign(c, &mq, 1), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "IT_SubB", "*"), RJ_ESTATE);
    assert_non_null(strstr(rj_last_error(), "mutually exclusive"));
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "IT_SubA"), RJ_ESTATE);
    rj_pull_consumer_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscribe_and_unsubscribe_while_running),
        cmocka_unit_test(test_assign_mode_refuses_subscribe_while_running),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
