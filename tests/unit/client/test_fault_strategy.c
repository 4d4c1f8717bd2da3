/* Queue selection: round robin, avoid the failed broker, latency penalties. */
#include "client/fault_strategy.h"

#include "ramjet/status.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_robin_visits_every_queue),
        cmocka_unit_test(test_retry_avoids_the_broker_that_failed),
        cmocka_unit_test(test_penalties_follow_java_table),
        cmocka_unit_test(test_latency_fault_avoids_penalised_broker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
