/* mqbench summary: the JSON object carries the promised keys with the measured values. */
#include "tools/mqbench/bench_report.h"

#include "ramjet/status.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static rj_bench_snapshot_t *total, *measured;

static int
setup(void **state)
{
    (void)state;
    total = malloc(sizeof(*total));
    measured = malloc(sizeof(*measured));
    rj_bench_snapshot_init(total);
    rj_bench_snapshot_init(measured);
    return total == NULL || measured == NULL;
}

static int
teardown(void **state)
{
    (void)state;
    free(total);
    free(measured);
    return 0;
}

static json_t *
summary_json(const rj_bench_summary_t *s, char *text, size_t cap)
{
    FILE *f = fmemopen(text, cap, "w");
    assert_non_null(f);
    assert_int_equal(rj_bench_report_json(f, s), RJ_OK);
    fclose(f);
    json_error_t e;
    json_t *obj = json_loads(text, 0, &e);
    assert_non_null(obj);
    return obj;
}

static double
num(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        fail_msg("key %s missing", key);
    }
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static void
test_produce_json_has_rates_percentiles_and_counts(void **state)
{
    char text[8192];
    rj_bench_options_t o = {.command = RJ_BENCH_PRODUCE,
                            .mode = RJ_BENCH_ASYNC,
                            .size = 1024,
                            .threads = 2,
                            .batch = 1};
    (void)state;
    snprintf(o.topic, sizeof(o.topic), "T");
    /* 990 sends of 0.5 ms and 10 of 20 ms after the warm-up; 1200 sent in all, 3 failed. */
    rj_histogram_record_n(&measured->send_ns, 500000, 990);
    rj_histogram_record_n(&measured->send_ns, 20000000, 10);
    measured->counters[RJ_BENCH_SENT] = 1000;
    total->counters[RJ_BENCH_SENT] = 1200;
    total->counters[RJ_BENCH_FAILED] = 3;
    rj_bench_summary_t s = {.opts = &o,
                            .total = total,
                            .measured = measured,
                            .send_window_s = 2.0,
                            .recv_window_s = 2.0,
                            .rss_max_kib = 4096,
                            .rss_last_kib = 4000,
                            .rss_samples = 3,
                            .ok = false};
    json_t *obj = summary_json(&s, text, sizeof(text));
    assert_true(num(obj, "tps") == 500.0);
    assert_true(num(obj, "sent") == 1200);
    assert_true(num(obj, "failed") == 3);
    double p50 = num(obj, "p50_ms"), p99 = num(obj, "p99_ms"), p999 = num(obj, "p999_ms");
    assert_true(p50 >= 0.5 && p50 <= 0.5 * (1 + 1.0 / 128));
    assert_true(p99 >= 0.5 && p99 <= 0.5 * (1 + 1.0 / 128));
    assert_true(p999 >= 20.0 && p999 <= 20.0 * (1 + 1.0 / 128));
    assert_true(num(obj, "max_ms") == 20.0);
    assert_true(num(obj, "broker_rss_anon_max_kib") == 4096);
    assert_string_equal(json_string_value(json_object_get(obj, "latency")), "send");
    assert_true(json_is_false(json_object_get(obj, "ok")));
    /* One line of JSON, nothing else, on the stream. */
    assert_non_null(strchr(text, '\n'));
    assert_int_equal(strchr(text, '\n')[1], '\0');
    json_decref(obj);
}

static void
test_e2e_json_uses_e2e_latency_and_slower_direction(void **state)
{
    char text[8192];
    rj_bench_options_t o = {.command = RJ_BENCH_E2E,
                            .mode = RJ_BENCH_SYNC,
                            .size = 1024,
                            .threads = 2,
                            .batch = 1,
                            .consume_threads = 4};
    (void)state;
    snprintf(o.topic, sizeof(o.topic), "T");
    rj_histogram_record_n(&measured->send_ns, 100000, 100);
    rj_histogram_record_n(&measured->e2e_ns, 3000000, 100);
    measured->counters[RJ_BENCH_SENT] = 1000;
    measured->counters[RJ_BENCH_RECEIVED] = 900;
    total->counters[RJ_BENCH_SENT] = 1000;
    total->counters[RJ_BENCH_RECEIVED] = 1000;
    rj_bench_summary_t s = {.opts = &o,
                            .total = total,
                            .measured = measured,
                            .send_window_s = 1.0,
                            .recv_window_s = 1.0,
                            .rss_max_kib = -1,
                            .ok = true};
    json_t *obj = summary_json(&s, text, sizeof(text));
    assert_true(num(obj, "tps") == 900.0);
    assert_true(num(obj, "send_tps") == 1000.0);
    assert_true(num(obj, "recv_tps") == 900.0);
    assert_true(num(obj, "received") == 1000);
    assert_true(num(obj, "p50_ms") >= 3.0 && num(obj, "p50_ms") < 3.03);
    assert_true(num(obj, "send_p50_ms") >= 0.1 && num(obj, "send_p50_ms") < 0.101);
    assert_null(json_object_get(obj, "broker_rss_anon_max_kib"));
    assert_true(json_is_true(json_object_get(obj, "ok")));
    json_decref(obj);
}

static void
test_tick_line_shows_rates_failures_and_p99(void **state)
{
    char line[512];
    rj_bench_options_t o = {.command = RJ_BENCH_E2E};
    (void)state;
    measured->counters[RJ_BENCH_SENT] = 2000;
    measured->counters[RJ_BENCH_RECEIVED] = 1000;
    measured->counters[RJ_BENCH_FAILED] = 7;
    total->counters[RJ_BENCH_FAILED] = 9;
    rj_histogram_record_n(&measured->e2e_ns, 1500000, 100);
    FILE *f = fmemopen(line, sizeof(line), "w");
    rj_bench_report_tick(f, &o, 3.0, 2.0, measured, total, "");
    fclose(f);
    assert_non_null(strstr(line, "[   3.0s]"));
    assert_non_null(strstr(line, "send      1000/s"));
    assert_non_null(strstr(line, "recv       500/s"));
    assert_non_null(strstr(line, "failed 7 (total 9)"));
    assert_non_null(strstr(line, "p99 1.50"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_produce_json_has_rates_percentiles_and_counts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_e2e_json_uses_e2e_latency_and_slower_direction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tick_line_shows_rates_failures_and_p99, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
