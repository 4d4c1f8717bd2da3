#include "broker/group_stats.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static rj_group_stats_t *stats;

static bool
near(double a, double b)
{
    return a > b - 1e-9 && a < b + 1e-9;
}

static rj_bytes_t
B(const char *s)
{
    return rj_bytes_from_cstr(s);
}

static void *
pull_from_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        rj_group_stats_add(stats, B("TopicA"), B("g1"), 1);
    }
    return NULL;
}

static void
test_tps_is_the_minute_list_rate_of_the_key(void **state)
{
    (void)state;
    assert_int_equal(rj_group_stats_create(&stats), 0);
    assert_true(near(rj_group_stats_tps(stats, B("TopicA"), B("g1")), 0.0));
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        pthread_create(&th[i], NULL, pull_from_thread, NULL);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    rj_group_stats_add(stats, B("TopicA"), B("g2"), 7);
    /* Counted, but nothing sampled yet. */
    assert_true(near(rj_group_stats_tps(stats, B("TopicA"), B("g1")), 0.0));
    int64_t t = 1000000;
    rj_group_stats_sample(stats, t);
    /* First sample: a zero snapshot 10 s before, so 4000 messages over 10 s. */
    assert_true(near(rj_group_stats_tps(stats, B("TopicA"), B("g1")), 400.0));
    assert_true(near(rj_group_stats_tps(stats, B("TopicA"), B("g2")), 0.7));
    assert_true(near(rj_group_stats_tps(stats, B("TopicB"), B("g1")), 0.0));
    /* Keys are "topic@group": group g1 of TopicA is not group A@g1 of Topic. */
    assert_true(near(rj_group_stats_tps(stats, B("Topic"), B("A@g1")), 0.0));

    rj_group_stats_add(stats, B("TopicA"), B("g1"), 2000);
    rj_group_stats_sample(stats, t + 10000);
    assert_true(near(rj_group_stats_tps(stats, B("TopicA"), B("g1")), 6000.0 / 20.0));
    /* Idle for a minute: the list keeps 7 snapshots, the old ones fall out, the rate drops. */
    for (int i = 2; i <= 7; i++) {
        rj_group_stats_sample(stats, t + i * 10000);
    }
    assert_true(near(rj_group_stats_tps(stats, B("TopicA"), B("g1")), 0.0));
    rj_group_stats_destroy(stats);
}

static void
test_oversized_keys_are_not_counted(void **state)
{
    (void)state;
    assert_int_equal(rj_group_stats_create(&stats), 0);
    char topic[400], group[400];
    memset(topic, 'T', sizeof(topic) - 1);
    topic[sizeof(topic) - 1] = '\0';
    memset(group, 'g', sizeof(group) - 1);
    group[sizeof(group) - 1] = '\0';
    rj_group_stats_add(stats, B(topic), B(group), 5);
    rj_group_stats_sample(stats, 1000000);
    assert_true(near(rj_group_stats_tps(stats, B(topic), B(group)), 0.0));
    rj_group_stats_destroy(stats);
    rj_group_stats_destroy(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tps_is_the_minute_list_rate_of_the_key),
        cmocka_unit_test(test_oversized_keys_are_not_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
