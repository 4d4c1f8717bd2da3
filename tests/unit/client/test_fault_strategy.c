/* Queue selection: round robin, avoid the failed broker, latency penalties. */
#include "client/fault_strategy.h"

#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static rj_publish_info_t *
two_broker_info(void)
{
    const char text[] =
        "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"h:1\"},\"brokerName\":\"a\"},"
        "{\"brokerAddrs\":{\"0\":\"h:2\"},\"brokerName\":\"b\"}],"
        "\"queueDatas\":[{\"brokerName\":\"a\",\"perm\":6,\"readQueueNums\":2,\"writeQueueNums\":2}"
        ","
        "{\"brokerName\":\"b\",\"perm\":6,\"readQueueNums\":2,\"writeQueueNums\":2}]}";
    rj_topic_route_t *r;
    assert_int_equal(rj_topic_route_parse(text, strlen(text), &r), RJ_OK);
    rj_publish_info_t *pi = rj_publish_info_create("T", r);
    rj_topic_route_destroy(r);
    assert_non_null(pi);
    return pi;
}

static void
test_round_robin_visits_every_queue(void **state)
{
    rj_fault_strategy_t fs;
    rj_publish_info_t *pi = two_broker_info();
    int seen[4] = {0};
    int32_t ov;

    rj_fault_strategy_init(&fs, false);
    for (int i = 0; i < 8; i++) {
        seen[rj_fault_strategy_select(&fs, pi, NULL, &ov)]++;
        assert_int_equal(ov, -1);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(seen[i], 2);
    }
    rj_fault_strategy_cleanup(&fs);
    rj_publish_info_release(pi);
}

static void
test_retry_avoids_the_broker_that_failed(void **state)
{
    rj_fault_strategy_t fs;
    rj_publish_info_t *pi = two_broker_info();
    int32_t ov;

    rj_fault_strategy_init(&fs, false);
    for (int i = 0; i < 10; i++) {
        size_t q = rj_fault_strategy_select(&fs, pi, "a", &ov);
        assert_string_equal(pi->queues[q].broker_name, "b");
    }
    rj_fault_strategy_cleanup(&fs);
    rj_publish_info_release(pi);
}

static void
test_penalties_follow_java_table(void **state)
{
    assert_int_equal(rj_fault_strategy_penalty_ms(10), 0);
    assert_int_equal(rj_fault_strategy_penalty_ms(549), 0);
    assert_int_equal(rj_fault_strategy_penalty_ms(550), 30000);
    assert_int_equal(rj_fault_strategy_penalty_ms(1000), 60000);
    assert_int_equal(rj_fault_strategy_penalty_ms(30000), 600000);
}

static void
test_latency_fault_avoids_penalised_broker(void **state)
{
    rj_fault_strategy_t fs;
    rj_publish_info_t *pi = two_broker_info();
    int32_t ov;

    rj_fault_strategy_init(&fs, true);
    rj_fault_strategy_update(&fs, "a", 5, true); /* failure: 30 s equivalent → 600 s */
    rj_fault_strategy_update(&fs, "b", 5, false);
    assert_false(rj_fault_strategy_is_available(&fs, "a"));
    assert_true(rj_fault_strategy_is_available(&fs, "b"));
    for (int i = 0; i < 10; i++) {
        size_t q = rj_fault_strategy_select(&fs, pi, NULL, &ov);
        assert_string_equal(pi->queues[q].broker_name, "b");
    }
    /* Both penalised: the least bad one is still chosen. */
    rj_fault_strategy_update(&fs, "b", 3000, false);
    size_t q = rj_fault_strategy_select(&fs, pi, NULL, &ov);
    assert_true(q < pi->queue_count);
    rj_fault_strategy_cleanup(&fs);
    rj_publish_info_release(pi);
}

static void
test_alternating_topics_each_get_every_queue(void **state)
{
    rj_fault_strategy_t fs;
    rj_publish_info_t *a = two_broker_info(), *b = two_broker_info();
    int seen_a[4] = {0}, seen_b[4] = {0};
    int32_t ov;

    (void)state;
    assert_true(a->id != b->id);
    rj_fault_strategy_init(&fs, false);
    /* One thread alternating between two topics: each topic's own positions advance. */
    for (int i = 0; i < 16; i++) {
        seen_a[rj_fault_strategy_select(&fs, a, NULL, &ov)]++;
        seen_b[rj_fault_strategy_select(&fs, b, NULL, &ov)]++;
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(seen_a[i], 4);
        assert_int_equal(seen_b[i], 4);
    }
    rj_fault_strategy_cleanup(&fs);
    rj_publish_info_release(a);
    rj_publish_info_release(b);
}

typedef struct {
    rj_fault_strategy_t *fs;
    rj_publish_info_t *pi;
    int seen[4];
} rr_thread_t;

static void *
select_many(void *arg)
{
    rr_thread_t *t = arg;
    int32_t ov;
    for (int i = 0; i < 4000; i++) {
        t->seen[rj_fault_strategy_select(t->fs, t->pi, NULL, &ov)]++;
    }
    return NULL;
}

static void
test_each_thread_walks_every_queue_in_turn(void **state)
{
    rj_fault_strategy_t fs;
    rj_publish_info_t *pi = two_broker_info();
    rr_thread_t t[4];
    pthread_t tid[4];

    (void)state;
    rj_fault_strategy_init(&fs, false);
    for (int i = 0; i < 4; i++) {
        t[i] = (rr_thread_t){.fs = &fs, .pi = pi};
        assert_int_equal(pthread_create(&tid[i], NULL, select_many, &t[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(tid[i], NULL);
        /* Concurrent senders do not disturb each other's round robin. */
        for (int q = 0; q < 4; q++) {
            assert_int_equal(t[i].seen[q], 1000);
        }
    }
    rj_fault_strategy_cleanup(&fs);
    rj_publish_info_release(pi);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_robin_visits_every_queue),
        cmocka_unit_test(test_retry_avoids_the_broker_that_failed),
        cmocka_unit_test(test_penalties_follow_java_table),
        cmocka_unit_test(test_latency_fault_avoids_penalised_broker),
        cmocka_unit_test(test_alternating_topics_each_get_every_queue),
        cmocka_unit_test(test_each_thread_walks_every_queue_in_turn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
