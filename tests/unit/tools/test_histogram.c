/* Log-linear histogram: bucket layout, error bound, percentiles, merging, concurrent reads. */
#include "tools/mqbench/histogram.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static rj_histogram_t *
new_hist(void)
{
    rj_histogram_t *h = malloc(sizeof(*h));
    assert_non_null(h);
    rj_histogram_init(h);
    return h;
}

/* xorshift64*, seeded per test so failures reproduce. */
static uint64_t
next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void
test_small_values_have_exact_buckets(void **state)
{
    (void)state;
    for (uint64_t v = 0; v < RJ_HIST_LINEAR; v++) {
        unsigned i = rj_histogram_index(v);
        assert_int_equal(i, v);
        assert_int_equal(rj_histogram_bucket_low(i), v);
        assert_int_equal(rj_histogram_bucket_high(i), v);
    }
}

static void
test_buckets_are_contiguous_and_ordered(void **state)
{
    (void)state;
    for (unsigned i = 0; i + 1 < RJ_HIST_BUCKETS; i++) {
        uint64_t low = rj_histogram_bucket_low(i), high = rj_histogram_bucket_high(i);
        assert_true(low <= high);
        assert_int_equal(high + 1, rj_histogram_bucket_low(i + 1));
        assert_int_equal(rj_histogram_index(low), i);
        assert_int_equal(rj_histogram_index(high), i);
    }
    /* The last bucket starts where the previous one ends and takes everything above. */
    assert_int_equal(rj_histogram_index(UINT64_C(1) << RJ_HIST_MAX_BITS), RJ_HIST_BUCKETS - 1);
    assert_int_equal(rj_histogram_index(UINT64_MAX), RJ_HIST_BUCKETS - 1);
    assert_int_equal(rj_histogram_index((UINT64_C(1) << RJ_HIST_MAX_BITS) - 1),
                     RJ_HIST_BUCKETS - 1);
}

static void
test_relative_error_is_below_one_in_128(void **state)
{
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    (void)state;
    print_message("seed %llu\n", (unsigned long long)seed);
    for (int n = 0; n < 200000; n++) {
        uint64_t v = next_random(&seed) >> (22 + next_random(&seed) % 40);
        if (v >> RJ_HIST_MAX_BITS) {
            continue;
        }
        unsigned i = rj_histogram_index(v);
        uint64_t low = rj_histogram_bucket_low(i), high = rj_histogram_bucket_high(i);
        assert_true(low <= v && v <= high);
        if (i == RJ_HIST_BUCKETS - 1) {
            continue; /* the top bucket also takes every clamped value: no upper bound */
        }
        if (v < RJ_HIST_LINEAR) {
            assert_int_equal(low, high);
            continue;
        }
        /* Bucket width relative to its lowest value: at most 1/128. */
        assert_true((high - low + 1) * 128 <= low);
    }
}

static void
test_percentiles_of_uniform_values(void **state)
{
    rj_histogram_t *h = new_hist();
    (void)state;
    for (uint64_t v = 1; v <= 100000; v++) {
        rj_histogram_record(h, v * 1000); /* 1 us .. 100 ms */
    }
    assert_int_equal(rj_histogram_count(h), 100000);
    assert_int_equal(rj_histogram_max(h), 100000000);
    assert_int_equal(rj_histogram_min(h), 1000);
    const struct {
        double pct;
        uint64_t exact;
    } cases[] = {
        {50, 50000000}, {90, 90000000}, {99, 99000000}, {99.9, 99900000}, {100, 100000000}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t got = rj_histogram_percentile(h, cases[i].pct);
        /* Never below the true value, at most one bucket width above it. */
        assert_true(got >= cases[i].exact);
        assert_true(got <= cases[i].exact + cases[i].exact / 128);
    }
    assert_true(rj_histogram_mean(h) > 50000499.0 && rj_histogram_mean(h) < 50000501.0);
    free(h);
}

static void
test_percentile_rank_is_rounded_like_hdr_histogram(void **state)
{
    rj_histogram_t *h = new_hist();
    (void)state;
    rj_histogram_record_n(h, 7, 999);
    rj_histogram_record(h, 5000000);
    /*
     * 1000 values: p99.9 is rank round(999.0) = 999, still the small value;
     * p99.95 is rank round(999.5) = 1000, the outlier, as is p100.
     */
    assert_int_equal(rj_histogram_percentile(h, 99.9), 7);
    assert_true(rj_histogram_percentile(h, 99.95) >= 5000000);
    assert_int_equal(rj_histogram_percentile(h, 100), 5000000);
    assert_int_equal(rj_histogram_percentile(h, 0), 7);
    free(h);
}

static void
test_empty_histogram_reports_zeros(void **state)
{
    rj_histogram_t *h = new_hist();
    (void)state;
    assert_int_equal(rj_histogram_count(h), 0);
    assert_int_equal(rj_histogram_percentile(h, 99), 0);
    assert_int_equal(rj_histogram_max(h), 0);
    assert_int_equal(rj_histogram_min(h), 0);
    assert_true(rj_histogram_mean(h) == 0.0);
    rj_histogram_record_n(h, 5, 0);
    assert_int_equal(rj_histogram_count(h), 0);
    free(h);
}

static void
test_huge_values_are_clamped_but_max_is_exact(void **state)
{
    rj_histogram_t *h = new_hist();
    (void)state;
    rj_histogram_record(h, UINT64_C(1) << 50);
    rj_histogram_record(h, 10);
    assert_int_equal(atomic_load(&h->clamped), 1);
    assert_int_equal(rj_histogram_max(h), UINT64_C(1) << 50);
    assert_int_equal(rj_histogram_percentile(h, 100), UINT64_C(1) << 50);
    assert_int_equal(rj_histogram_percentile(h, 50), 10);
    free(h);
}

static void
test_merge_equals_recording_everything_in_one(void **state)
{
    rj_histogram_t *a = new_hist(), *b = new_hist(), *all = new_hist(), *merged = new_hist();
    uint64_t seed = 42;
    (void)state;
    for (int i = 0; i < 50000; i++) {
        uint64_t v = next_random(&seed) % 50000000;
        rj_histogram_record(i % 3 == 0 ? a : b, v);
        rj_histogram_record(all, v);
    }
    rj_histogram_add(merged, a);
    rj_histogram_add(merged, b);
    assert_memory_equal(merged->counts, all->counts, sizeof(all->counts));
    assert_int_equal(rj_histogram_count(merged), rj_histogram_count(all));
    assert_int_equal(rj_histogram_max(merged), rj_histogram_max(all));
    assert_int_equal(rj_histogram_min(merged), rj_histogram_min(all));
    assert_int_equal(atomic_load(&merged->sum), atomic_load(&all->sum));
    for (double p = 1; p <= 100; p += 0.5) {
        assert_int_equal(rj_histogram_percentile(merged, p), rj_histogram_percentile(all, p));
    }
    free(a);
    free(b);
    free(all);
    free(merged);
}

static void
test_diff_gives_the_interval(void **state)
{
    rj_histogram_t *cum = new_hist(), *before = new_hist(), *interval = new_hist();
    (void)state;
    rj_histogram_record_n(cum, 1000, 100); /* first interval: 1 us */
    rj_histogram_add(before, cum);
    rj_histogram_record_n(cum, 2000000, 10); /* second interval: 2 ms */
    rj_histogram_diff(interval, cum, before);
    assert_int_equal(rj_histogram_count(interval), 10);
    assert_int_equal(rj_histogram_percentile(interval, 50), rj_histogram_percentile(interval, 99));
    uint64_t p = rj_histogram_percentile(interval, 99);
    assert_true(p >= 2000000 && p <= 2000000 + 2000000 / 128);
    assert_true(rj_histogram_max(interval) >= 2000000);
    assert_true(rj_histogram_mean(interval) > 1999999.0 && rj_histogram_mean(interval) < 2000001.0);
    /* Nothing new: empty interval. */
    rj_histogram_init(before);
    rj_histogram_add(before, cum);
    rj_histogram_diff(interval, cum, before);
    assert_int_equal(rj_histogram_count(interval), 0);
    assert_int_equal(rj_histogram_percentile(interval, 99), 0);
    free(cum);
    free(before);
    free(interval);
}

typedef struct {
    rj_histogram_t *h;
    atomic_bool done;
} writer_arg_t;

static void *
writer(void *arg)
{
    writer_arg_t *w = arg;
    for (uint64_t i = 0; i < 2000000; i++) {
        rj_histogram_record(w->h, 1000 + i % 100000);
    }
    atomic_store(&w->done, true);
    return NULL;
}

static void
test_concurrent_reader_sees_growing_consistent_counts(void **state)
{
    writer_arg_t w = {.h = new_hist()};
    rj_histogram_t *snap = new_hist();
    pthread_t t;
    uint64_t last = 0;
    (void)state;
    atomic_init(&w.done, false);
    assert_int_equal(pthread_create(&t, NULL, writer, &w), 0);
    while (!atomic_load(&w.done)) {
        rj_histogram_init(snap);
        rj_histogram_add(snap, w.h);
        uint64_t n = rj_histogram_count(snap);
        assert_true(n >= last);
        last = n;
        uint64_t p = rj_histogram_percentile(snap, 99);
        assert_true(p <= 1000 + 99999 + (1000 + 99999) / 128);
    }
    pthread_join(t, NULL);
    rj_histogram_init(snap);
    rj_histogram_add(snap, w.h);
    assert_int_equal(rj_histogram_count(snap), 2000000);
    free(snap);
    free(w.h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_values_have_exact_buckets),
        cmocka_unit_test(test_buckets_are_contiguous_and_ordered),
        cmocka_unit_test(test_relative_error_is_below_one_in_128),
        cmocka_unit_test(test_percentiles_of_uniform_values),
        cmocka_unit_test(test_percentile_rank_is_rounded_like_hdr_histogram),
        cmocka_unit_test(test_empty_histogram_reports_zeros),
        cmocka_unit_test(test_huge_values_are_clamped_but_max_is_exact),
        cmocka_unit_test(test_merge_equals_recording_everything_in_one),
        cmocka_unit_test(test_diff_gives_the_interval),
        cmocka_unit_test(test_concurrent_reader_sees_growing_consistent_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
