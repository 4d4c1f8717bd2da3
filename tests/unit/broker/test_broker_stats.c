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

static void
test_put_latency_per_minute_and_time_maxima(void **state)
{
    (void)state;
    rj_broker_stats_t s;
    rj_broker_stats_init(&s);
    rj_stats_store_view_t v;
    rj_broker_stats_store_view(&s, &v);
    assert_string_equal(v.put_distribution, "null"); /* no minute has ended */
    assert_true(v.put_latency_99 == 0.0);
    assert_int_equal(v.put_time_max_ms, 0);

    /* 1000 puts: 980 at 0 ms, 10 at 3 ms, 9 at 30 ms, one at 1500 ms. */
    for (int i = 0; i < 980; i++) {
        rj_broker_stats_put_time(&s, 0);
    }
    for (int i = 0; i < 10; i++) {
        rj_broker_stats_put_time(&s, 3);
    }
    for (int i = 0; i < 9; i++) {
        rj_broker_stats_put_time(&s, 30);
    }
    rj_broker_stats_put_time(&s, 1500);
    rj_broker_stats_get_time(&s, 7);
    rj_broker_stats_get_time(&s, 2);
    int64_t t = 5000000;
    for (int i = 0; i < 59; i++) {
        rj_broker_stats_sample_at(&s, t + i * 1000);
    }
    rj_broker_stats_store_view(&s, &v);
    assert_string_equal(v.put_distribution, "null"); /* 59 samples: still the first minute */
    assert_int_equal(v.put_time_max_ms, 1500);
    assert_int_equal(v.get_time_max_ms, 7);
    rj_broker_stats_sample_at(&s, t + 59 * 1000);
    rj_broker_stats_store_view(&s, &v);
    assert_string_equal(v.put_distribution,
                        "[<=0ms]:980 [0~10ms]:10 [10~50ms]:9 [50~100ms]:0 [100~200ms]:0 "
                        "[200~500ms]:0 [500ms~1s]:0 [1~2s]:1 [2~3s]:0 [3~4s]:0 [4~5s]:0 "
                        "[5~10s]:0 [10s~]:0 ");
    /* 99th of 1000 = index 990: the last of the 3 ms ones, in the (2, 3] bucket at 10/10. */
    assert_true(v.put_latency_99 > 2.99 && v.put_latency_99 < 3.01);
    /* index 999: the 9th of the 30 ms ones, in the (28, 30] bucket at 9/9. */
    assert_true(v.put_latency_999 > 29.99 && v.put_latency_999 < 30.01);

    /* The next minute has no puts: its figures replace the last ones. */
    for (int i = 60; i < 120; i++) {
        rj_broker_stats_sample_at(&s, t + i * 1000);
    }
    rj_broker_stats_store_view(&s, &v);
    assert_non_null(strstr(v.put_distribution, "[<=0ms]:0 [0~10ms]:0 "));
    assert_true(v.put_latency_99 == 0.0);
    assert_int_equal(v.put_time_max_ms, 1500); /* the maximum since start stays */
    rj_broker_stats_cleanup(&s);
}

static void
test_store_pull_tps_and_dispatch_maximum(void **state)
{
    (void)state;
    rj_broker_stats_t s;
    rj_broker_stats_init(&s);
    char found[96], miss[96], total[96];
    rj_broker_stats_get_tps(&s, found, miss, total, sizeof(found));
    assert_string_equal(total, "0.00 0.00 0.00");
    int64_t t = 1000000;
    /* Each second 30 pulls found messages and 5 found none; the backlog peaks at 4096. */
    for (int i = 0; i <= 20; i++) {
        rj_broker_stats_store_totals(&s, (uint64_t)i * 30, (uint64_t)i * 5, i == 7 ? 4096 : 0);
        rj_broker_stats_sample_at(&s, t + i * 1000);
    }
    rj_broker_stats_get_tps(&s, found, miss, total, sizeof(found));
    assert_string_equal(found, "30.00 30.00 30.00");
    assert_string_equal(miss, "5.00 5.00 5.00");
    assert_string_equal(total, "35.00 35.00 35.00");
    rj_stats_store_view_t v;
    rj_broker_stats_store_view(&s, &v);
    assert_int_equal(v.dispatch_max_bytes, 4096);
    rj_broker_stats_cleanup(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totals_across_threads_and_tps),
        cmocka_unit_test(test_minute_hour_and_day_snapshots),
        cmocka_unit_test(test_put_latency_per_minute_and_time_maxima),
        cmocka_unit_test(test_store_pull_tps_and_dispatch_maximum),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
