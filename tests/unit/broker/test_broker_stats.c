#include "broker/broker_stats.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static rj_broker_stats_t stats;

static void *
count_puts(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10000; i++) {
        rj_broker_stats_put(&stats, 1, 100);
        rj_broker_stats_get(&stats, 2, 10);
    }
    return NULL;
}

static void
test_totals_across_threads_and_tps(void **state)
{
    (void)state;
    rj_broker_stats_init(&stats);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        pthread_create(&th[i], NULL, count_puts, NULL);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    assert_int_equal(rj_broker_stats_put_total(&stats), 40000);
    assert_int_equal(rj_broker_stats_get_total(&stats), 80000);

    char put[96], get[96];
    rj_broker_stats_tps(&stats, put, get, sizeof(put));
    assert_string_equal(put, "0.00 0.00 0.00"); /* no samples yet */
    rj_broker_stats_sample(&stats);
    rj_broker_stats_put(&stats, 50, 0);
    rj_broker_stats_sample(&stats);
    rj_broker_stats_tps(&stats, put, get, sizeof(put));
    /* One second between the two samples: 50 puts, 0 gets. */
    assert_string_equal(put, "50.00 50.00 50.00");
    assert_string_equal(get, "0.00 0.00 0.00");
    uint64_t a, b, c, d;
    rj_broker_stats_mornings(&stats, &a, &b, &c, &d);
    assert_int_equal(a + b + c + d, 0);
    rj_broker_stats_cleanup(&stats);
}

static void
test_minute_hour_and_day_snapshots(void **state)
{
    (void)state;
    rj_broker_stats_t s;
    rj_broker_stats_init(&s);
    rj_stats_snapshot_t snap[3];
    rj_broker_stats_snapshots(&s, true, snap);
    assert_int_equal(snap[0].sum, 0); /* no samples yet */
    int64_t t = 1000000;
    /* 2 hours of one sample a second; each second 10 puts and one pull of 4 messages. */
    for (int i = 0; i < 7200; i++) {
        rj_broker_stats_sample_at(&s, t + (int64_t)i * 1000);
        rj_broker_stats_put(&s, 10, 100);
        rj_broker_stats_get(&s, 4, 40);
    }
    rj_broker_stats_snapshots(&s, false, snap);
    /* Minute: 7 snapshots 10 s apart = 60 s; hour: 7 of 10 min; day: hourly ones at 0 and 1 h. */
    assert_int_equal(snap[0].sum, 600);
    assert_true(snap[0].tps > 9.99 && snap[0].tps < 10.01);
    assert_true(snap[0].avgpt == 0.0); /* puts are not counted as calls */
    assert_int_equal(snap[1].sum, 36000);
    assert_int_equal(snap[2].sum, 36000);
    rj_broker_stats_snapshots(&s, true, snap);
    assert_int_equal(snap[0].sum, 240);
    assert_true(snap[0].tps > 3.99 && snap[0].tps < 4.01);
    assert_true(snap[0].avgpt > 3.99 && snap[0].avgpt < 4.01);
    assert_int_equal(snap[2].sum, 14400);
    rj_broker_stats_cleanup(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_across_threads_and_tps),
        cmocka_unit_test(test_minute_hour_and_day_snapshots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
