/*
 * Lite pull consumer against the fake cluster: subscribe and assign, poll, seek, commit,
 * subscription changes on a running consumer.
 */
#include "fake_cluster.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "ramjet/ramjet.h"
#include "support/wait.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

typedef struct {
    fake_cluster_t *fc;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    assert_int_equal(fake_cluster_start(1, &f->fc), 0);
    fake_cluster_add_topic(f->fc, "TopicTest", 2);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    fake_cluster_destroy(f->fc);
    rj_free(f);
    return 0;
}

#define HEART_BEAT_CODE 34

static void
produce_topic(fake_cluster_t *fc, const char *topic, int queue, int from, int n)
{
    rj_producer_t *p;
    rj_message_t *m;
    rj_message_queue_t mq = {topic, "broker-0", queue};

    assert_int_equal(rj_producer_create("pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, fake_cluster_namesrv(fc)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create(topic, &m), RJ_OK);
    for (int i = from; i < from + n; i++) {
        char body[32];
        snprintf(body, sizeof(body), "msg #%d", i);
        rj_message_set_body(m, body, strlen(body));
        rj_message_set_tags(m, i % 2 == 0 ? "even" : "odd");
        assert_int_equal(rj_producer_send_to_queue(p, m, &mq, NULL), RJ_OK);
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);
}

static void
produce_to(fake_cluster_t *fc, int queue, int from, int n)
{
    produce_topic(fc, "TopicTest", queue, from, n);
}

static int
number(const rj_message_t *m)
{
    size_t len;
    const char *b = rj_message_body(m, &len);
    char t[32];
    memcpy(t, b, len < 31 ? len : 31);
    t[len < 31 ? len : 31] = '\0';
    return atoi(strchr(t, '#') + 1);
}

/* Polls until `want` messages arrived or the deadline; records numbers. */
static int
poll_n(rj_pull_consumer_t *c, int want, int *seen, int64_t timeout_ms)
{
    int got = 0;
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    while (got < want && rj_clock_mono_ms() < deadline) {
        rj_poll_result_t *r;
        int rc = rj_pull_consumer_poll(c, 200, &r);
        if (rc == RJ_ETIMEDOUT) {
            continue;
        }
        assert_int_equal(rc, RJ_OK);
        assert_true(rj_poll_result_count(r) <= 10);
        for (size_t i = 0; i < rj_poll_result_count(r); i++) {
            seen[number(rj_poll_result_message(r, i))]++;
            got++;
        }
        rj_poll_result_destroy(r);
    }
    return got;
}

static void
test_subscribe_polls_everything_with_tag_filter_and_auto_commit(void **state)
{
    fixture_t *f = *state;
    rj_pull_consumer_t *c;
    int seen[200] = {0};

    produce_to(f->fc, 0, 0, 30);
    produce_to(f->fc, 1, 30, 30);
    assert_int_equal(rj_pull_consumer_create("lg1", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_auto_commit(c, true, 100), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicTest", "even"), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    assert_int_equal(poll_n(c, 30, seen, 10000), 30);
    for (int i = 0; i < 60; i++) {
        assert_int_equal(seen[i], i % 2 == 0 ? 1 : 0);
    }
    /* A poll after the interval commits what was returned. */
    rj_clock_sleep_ms(150);
    rj_poll_result_t *r;
    assert_int_equal(rj_pull_consumer_poll(c, 50, &r), RJ_ETIMEDOUT);
    assert_null(r);
    assert_int_equal(rj_pull_consumer_shutdown(c), RJ_OK);
    /* The last message returned from each queue is at offset 28 (29 was filtered out). */
    assert_int_equal(fake_cluster_consumer_offset(f->fc, "lg1", "TopicTest", 0, 0), 29);
    assert_int_equal(fake_cluster_consumer_offset(f->fc, "lg1", "TopicTest", 0, 1), 29);
    rj_pull_consumer_destroy(c);
}

/* Polls until every number in [from, to) was seen or the deadline passes. */
static bool
poll_until_seen(rj_pull_consumer_t *c, int *seen, int from, int to, int64_t timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    for (;;) {
        int missing = 0;
        for (int i = from; i < to; i++) {
            missing += seen[i] == 0;
        }
        if (missing == 0) {
            return true;
        }
        if (rj_clock_mono_ms() >= deadline) {
            return false;
        }
        poll_n(c, to - from, seen, 200);
    }
}

static size_t
assigned_of(rj_pull_consumer_t *c, const char *topic)
{
    rj_message_queue_t *qs = NULL;
    size_t n = 0, k = 0;
    assert_int_equal(rj_pull_consumer_assigned_queues(c, &qs, &n), RJ_OK);
    for (size_t i = 0; i < n; i++) {
        k += strcmp(qs[i].topic, topic) == 0;
    }
    rj_message_queues_free(qs);
    return k;
}

static bool
heartbeat_lists(fake_cluster_t *fc, const char *topic)
{
    char quoted[160];
    snprintf(quoted, sizeof(quoted), "\"topic\":\"%s\"", topic);
    char *body = fake_cluster_last_body(fc, HEART_BEAT_CODE);
    assert_non_null(body);
    bool found = strstr(body, quoted) != NULL;
    rj_free(body);
    return found;
}

static void
test_subscribe_and_unsubscribe_while_running(void **state)
{
    fixture_t *f = *state;
    rj_pull_consumer_t *c;
    int seen[200] = {0};

    fake_cluster_add_topic(f->fc, "TopicB", 2);
    assert_int_equal(rj_pull_consumer_create("lg4", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicTest", "*"), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    produce_to(f->fc, 0, 0, 5);
    assert_true(poll_until_seen(c, seen, 0, 5, 10000));

    /* A second topic on the running consumer: the brokers hear of it at once, rebalance
     * hands out its queues and poll returns its messages, older and newer ones. */
    produce_topic(f->fc, "TopicB", 0, 50, 5);
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicB", "*"), RJ_OK);
    assert_true(heartbeat_lists(f->fc, "TopicB"));
    assert_true(heartbeat_lists(f->fc, "TopicTest"));
    produce_topic(f->fc, "TopicB", 1, 55, 5);
    assert_true(poll_until_seen(c, seen, 50, 60, 10000));
    assert_int_equal(assigned_of(c, "TopicB"), 2); /* both queues delivered above */
    assert_int_equal(assigned_of(c, "TopicTest"), 2);

    /* Unsubscribe: queues gone at once, heartbeat without it, nothing more of it from poll
     * (also not what may already sit in the cache). */
    produce_topic(f->fc, "TopicB", 0, 60, 10);
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "TopicB"), RJ_OK);
    assert_int_equal(assigned_of(c, "TopicB"), 0);
    assert_int_equal(assigned_of(c, "TopicTest"), 2);
    assert_false(heartbeat_lists(f->fc, "TopicB"));
    assert_true(heartbeat_lists(f->fc, "TopicTest"));
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "TopicB"), RJ_ENOTFOUND);
    assert_non_null(strstr(rj_last_error(), "not subscribed"));
    produce_topic(f->fc, "TopicB", 1, 70, 5);
    produce_to(f->fc, 1, 5, 5);
    assert_true(poll_until_seen(c, seen, 5, 10, 10000));
    poll_n(c, 100, seen, 1000);
    for (int i = 60; i < 75; i++) {
        assert_int_equal(seen[i], 0);
    }
    for (int i = 0; i < 60; i++) {
        assert_true(seen[i] <= 1);
    }

    /* Subscribing it again resumes it; a new expression replaces the old one. */
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicB", "even"), RJ_OK);
    produce_topic(f->fc, "TopicB", 0, 80, 6);
    assert_true(poll_until_seen(c, seen, 80, 81, 10000));
    assert_true(poll_until_seen(c, seen, 82, 83, 5000));
    assert_true(poll_until_seen(c, seen, 84, 85, 5000));
    poll_n(c, 100, seen, 500);
    assert_int_equal(seen[81] + seen[83] + seen[85], 0);
    assert_true(heartbeat_lists(f->fc, "TopicB"));
    rj_pull_consumer_destroy(c);
}

typedef struct {
    rj_pull_consumer_t *c;
    atomic_bool stop;
    int polled;
} poller_t;

static void *
poller_main(void *arg)
{
    poller_t *p = arg;
    while (!atomic_load(&p->stop)) {
        rj_poll_result_t *r;
        if (rj_pull_consumer_poll(p->c, 20, &r) == RJ_OK) {
            p->polled += (int)rj_poll_result_count(r);
            rj_poll_result_destroy(r);
        }
    }
    return NULL;
}

/* Subscription changes racing with pollers, pulls, heartbeats and rebalances. */
static void
test_subscription_changes_race_with_pollers(void **state)
{
    fixture_t *f = *state;
    rj_pull_consumer_t *c;
    pthread_t th[2];
    poller_t p = {0};

    fake_cluster_add_topic(f->fc, "TopicB", 2);
    produce_to(f->fc, 0, 0, 20);
    produce_topic(f->fc, "TopicB", 1, 100, 20);
    assert_int_equal(rj_pull_consumer_create("lg5", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_heartbeat_interval(c, 10), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_rebalance_interval(c, 10), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_poll_namesrv_interval(c, 10), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicTest", "*"), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    p.c = c;
    atomic_init(&p.stop, false);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, poller_main, &p), 0);
    }
    for (int i = 0; i < 20; i++) {
        assert_int_equal(rj_pull_consumer_subscribe(c, "TopicB", i % 2 ? "even" : "*"), RJ_OK);
        assert_int_equal(rj_pull_consumer_subscribe(c, "TopicTest", i % 2 ? "*" : "odd"), RJ_OK);
        rj_clock_sleep_ms(5);
        assert_int_equal(rj_pull_consumer_unsubscribe(c, "TopicB"), RJ_OK);
        assert_int_equal(assigned_of(c, "TopicB"), 0);
    }
    atomic_store(&p.stop, true);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
    }
    assert_true(p.polled > 0);
    assert_int_equal(rj_pull_consumer_shutdown(c), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicB", "*"), RJ_ESTATE);
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "TopicTest"), RJ_ESTATE);
    rj_pull_consumer_destroy(c);
}

static void
test_assign_seek_and_manual_commit(void **state)
{
    fixture_t *f = *state;
    rj_pull_consumer_t *c;
    int seen[200] = {0};
    rj_message_queue_t q0 = {"TopicTest", "broker-0", 0};

    produce_to(f->fc, 0, 0, 20);
    produce_to(f->fc, 1, 100, 5);
    assert_int_equal(rj_pull_consumer_create("lg2", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_auto_commit(c, false, 0), RJ_OK);
    assert_int_equal(rj_pull_consumer_assign(c, &q0, 1), RJ_OK);
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicTest", "*"), RJ_ESTATE);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    /* Still exclusive on the running consumer. */
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicTest", "*"), RJ_ESTATE);
    assert_non_null(strstr(rj_last_error(), "mutually exclusive"));
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "TopicTest"), RJ_ESTATE);
    assert_int_equal(poll_n(c, 20, seen, 10000), 20);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(seen[i], 1);
    }
    assert_int_equal(seen[100], 0); /* queue 1 not assigned */
    /* Seek back to 15: the last five come again, at once. */
    assert_int_equal(rj_pull_consumer_seek(c, &q0, 15), RJ_OK);
    int again[200] = {0};
    assert_int_equal(poll_n(c, 5, again, 5000), 5);
    for (int i = 15; i < 20; i++) {
        assert_int_equal(again[i], 1);
    }
    assert_int_equal(rj_pull_consumer_seek(c, &q0, 21), RJ_EINVAL); /* beyond max offset 20 */
    rj_message_queue_t other = {"TopicTest", "broker-0", 1};
    assert_int_equal(rj_pull_consumer_seek(c, &other, 0), RJ_ENOTFOUND);
    /* Manual commits: what poll returned, then an explicit offset. */
    int64_t committed;
    assert_int_equal(rj_pull_consumer_commit_sync(c), RJ_OK);
    assert_int_equal(fake_cluster_consumer_offset(f->fc, "lg2", "TopicTest", 0, 0), 20);
    assert_int_equal(rj_pull_consumer_commit_offset(c, &q0, 17), RJ_OK);
    assert_int_equal(rj_pull_consumer_committed(c, &q0, &committed), RJ_OK);
    assert_int_equal(committed, 17);
    assert_int_equal(fake_cluster_consumer_offset(f->fc, "lg2", "TopicTest", 0, 0), 17);
    /* Seek to begin / end. */
    assert_int_equal(rj_pull_consumer_seek_to_end(c, &q0), RJ_OK);
    rj_poll_result_t *r;
    assert_int_equal(rj_pull_consumer_poll(c, 300, &r), RJ_ETIMEDOUT);
    assert_int_equal(rj_pull_consumer_seek_to_begin(c, &q0), RJ_OK);
    memset(again, 0, sizeof(again));
    assert_int_equal(poll_n(c, 20, again, 5000), 20);
    /* Re-assign to the other queue only. */
    assert_int_equal(rj_pull_consumer_assign(c, &other, 1), RJ_OK);
    rj_message_queue_t *qs;
    size_t n;
    assert_int_equal(rj_pull_consumer_assigned_queues(c, &qs, &n), RJ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(qs[0].queue_id, 1);
    rj_message_queues_free(qs);
    memset(again, 0, sizeof(again));
    assert_int_equal(poll_n(c, 5, again, 5000), 5);
    assert_int_equal(again[100], 1);
    rj_pull_consumer_destroy(c);
}

static void
test_pause_stops_a_queue(void **state)
{
    fixture_t *f = *state;
    rj_pull_consumer_t *c;
    rj_message_queue_t q0 = {"TopicTest", "broker-0", 0};
    int seen[200] = {0};

    assert_int_equal(rj_pull_consumer_create("lg3", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_pull_consumer_assign(c, &q0, 1), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    rj_message_queue_t *qs;
    size_t n;
    assert_int_equal(rj_pull_consumer_fetch_queues(c, "TopicTest", &qs, &n), RJ_OK);
    assert_int_equal(n, 2);
    rj_message_queues_free(qs);
    assert_int_equal(rj_pull_consumer_pause(c, &q0, 1), RJ_OK);
    /* A seek retires the pull already parked at the broker; the new loop sees the pause. */
    assert_int_equal(rj_pull_consumer_seek_to_begin(c, &q0), RJ_OK);
    produce_to(f->fc, 0, 0, 3);
    assert_int_equal(poll_n(c, 3, seen, 1500), 0);
    assert_int_equal(rj_pull_consumer_resume(c, &q0, 1), RJ_OK);
    assert_int_equal(poll_n(c, 3, seen, 5000), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(seen[i], 1);
    }
    rj_pull_consumer_destroy(c);
}

static void
test_invalid_arguments_never_crash(void **state)
{
    fixture_t *f = *state;
    rj_pull_consumer_t *c;
    rj_poll_result_t *r;

    assert_int_equal(rj_pull_consumer_create(NULL, &c), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_create("g", NULL), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_create("g", &c), RJ_OK);
    assert_int_equal(rj_pull_consumer_poll(c, 10, &r), RJ_ESTATE);
    assert_int_equal(rj_pull_consumer_start(c), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_EINVAL); /* neither subscribe nor assign */
    assert_int_equal(rj_pull_consumer_set_pull_batch_size(c, 0), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_set_auto_commit(c, true, 1), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_assign(c, NULL, 2), RJ_EINVAL);
    rj_message_queue_t bad = {"bad topic", "b", 0};
    assert_int_equal(rj_pull_consumer_assign(c, &bad, 1), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_subscribe(NULL, "TopicTest", "*"), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_subscribe(c, NULL, "*"), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_subscribe(c, "", "*"), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_subscribe(c, "bad topic", "*"), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_unsubscribe(NULL, "TopicTest"), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_unsubscribe(c, NULL), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "TopicTest"), RJ_ENOTFOUND);
    assert_int_equal(rj_pull_consumer_subscribe(c, "Gone", "*"), RJ_OK);
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "Gone"), RJ_OK); /* before start too */
    assert_int_equal(rj_pull_consumer_subscribe(c, "TopicTest", "*"), RJ_OK);
    assert_int_equal(rj_pull_consumer_start(c), RJ_OK);
    /* A subscription to a topic without a route is kept (Java) and consumes nothing. */
    assert_int_equal(rj_pull_consumer_subscribe(c, "NoSuchTopic", "*"), RJ_OK);
    assert_int_equal(rj_pull_consumer_unsubscribe(c, "NoSuchTopic"), RJ_OK);
    assert_int_equal(rj_pull_consumer_poll(c, -1, &r), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_poll(c, 10, NULL), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_seek(c, NULL, 0), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_commit_offset(c, NULL, 1), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_committed(c, NULL, NULL), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_pause(c, NULL, 1), RJ_EINVAL);
    assert_int_equal(rj_pull_consumer_fetch_queues(c, NULL, NULL, NULL), RJ_EINVAL);
    assert_int_equal(rj_poll_result_count(NULL), 0);
    assert_null(rj_poll_result_message(NULL, 0));
    rj_poll_result_destroy(NULL);
    rj_pull_consumer_destroy(c);
    rj_pull_consumer_destroy(NULL);
}

static void
test_admin_basics(void **state)
{
    fixture_t *f = *state;
    rj_admin_t *a;
    rj_message_queue_t *qs;
    size_t n;
    int64_t off;

    assert_int_equal(rj_admin_create(NULL, &a), RJ_EINVAL);
    assert_int_equal(rj_admin_create(fake_cluster_namesrv(f->fc), &a), RJ_OK);
    assert_int_equal(rj_admin_create_topic(a, "DefaultCluster", "AdminTopic", 3, false), RJ_OK);
    assert_int_equal(rj_admin_topic_queues(a, "AdminTopic", &qs, &n), RJ_OK);
    assert_int_equal(n, 3);
    produce_to(f->fc, 0, 0, 4);
    rj_message_queue_t q0 = {"TopicTest", "broker-0", 0};
    assert_int_equal(rj_admin_max_offset(a, &q0, &off), RJ_OK);
    assert_int_equal(off, 4);
    assert_int_equal(rj_admin_min_offset(a, &q0, &off), RJ_OK);
    assert_int_equal(off, 0);
    char addr[64];
    assert_int_equal(rj_admin_broker_addr(a, "TopicTest", "broker-0", addr, sizeof(addr)), RJ_OK);
    assert_string_equal(addr, fake_cluster_broker_addr(f->fc, 0));
    assert_int_equal(rj_admin_topic_queues(a, "Missing", &qs, &n) == RJ_ENOROUTE, true);
    assert_int_equal(rj_admin_max_offset(a, NULL, &off), RJ_EINVAL);
    assert_int_equal(rj_admin_set_timeout(a, 0), RJ_EINVAL);
    rj_message_queues_free(qs);
    rj_admin_destroy(a);
    rj_admin_destroy(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_subscribe_polls_everything_with_tag_filter_and_auto_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subscribe_and_unsubscribe_while_running, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_subscription_changes_race_with_pollers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_assign_seek_and_manual_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_stops_a_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments_never_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_basics, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
