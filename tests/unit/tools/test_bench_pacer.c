/* Token bucket: unlimited mode, waits, exact average rate, burst cap, intended times. */
#include "tools/mqbench/bench_pacer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define MS 1000000ull
#define S 1000000000ull

static void
test_unlimited_never_waits(void **state)
{
    rj_bench_pacer_t p;
    uint64_t intended = 0;
    (void)state;
    rj_bench_pacer_init(&p, 0, 0, 5);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(rj_bench_pacer_take(&p, 32, 100 + (uint64_t)i, &intended), 0);
        assert_int_equal(intended, 100 + (uint64_t)i);
    }
}

static void
test_starts_empty_and_says_how_long_to_wait(void **state)
{
    rj_bench_pacer_t p;
    uint64_t intended = 0;
    (void)state;
    rj_bench_pacer_init(&p, 1000, 1, 10 * S); /* one token per ms */
    uint64_t wait = rj_bench_pacer_take(&p, 1, 10 * S, &intended);
    assert_int_equal(wait, 1 * MS);
    /* Half way there: half the wait is left, nothing taken. */
    wait = rj_bench_pacer_take(&p, 1, 10 * S + MS / 2, &intended);
    assert_int_equal(wait, MS / 2);
    assert_int_equal(rj_bench_pacer_take(&p, 1, 10 * S + MS, &intended), 0);
    assert_int_equal(intended, 10 * S + MS);
    /* Right after a take the bucket is empty again. */
    assert_true(rj_bench_pacer_take(&p, 1, 10 * S + MS, &intended) > 0);
}

static void
test_simulated_sender_keeps_the_average_rate(void **state)
{
    rj_bench_pacer_t p;
    uint64_t now = 0, intended = 0, taken = 0, last_intended = 0;
    uint64_t seed = 7;
    (void)state;
    /* 50,000/s with a coarse, jittery sleep (60..200 us), as on a loaded machine. */
    rj_bench_pacer_init(&p, 50000, 100, now);
    while (now < 10 * S) {
        uint64_t wait = rj_bench_pacer_take(&p, 1, now, &intended);
        if (wait == 0) {
            taken++;
            assert_true(intended <= now);
            assert_true(intended >= last_intended);
            last_intended = intended;
            now += 2000; /* the send itself takes 2 us */
            continue;
        }
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t slack = 60000 + (seed >> 33) % 140000;
        now += wait > slack ? wait : slack;
    }
    /* 500,000 tokens in 10 s, within one burst. */
    assert_true(taken >= 500000 - 100 && taken <= 500000 + 100);
}

static void
test_burst_is_capped_and_intended_times_are_spread(void **state)
{
    rj_bench_pacer_t p;
    uint64_t intended = 0, taken = 0, first = 0;
    (void)state;
    rj_bench_pacer_init(&p, 1000, 10, 0);
    /* Idle for a whole second: only 10 tokens may be spent at once. */
    while (rj_bench_pacer_take(&p, 1, S, &intended) == 0) {
        if (taken == 0) {
            first = intended;
        }
        taken++;
    }
    assert_int_equal(taken, 10);
    /* The oldest of them became available 9 ms before now, the last one now. */
    assert_int_equal(first, S - 9 * MS);
    assert_int_equal(intended, S);
}

static void
test_batch_larger_than_burst_waits_for_whole_batch(void **state)
{
    rj_bench_pacer_t p;
    uint64_t intended = 0;
    (void)state;
    rj_bench_pacer_init(&p, 1000, 1, 0);
    assert_int_equal(rj_bench_pacer_take(&p, 32, 0, &intended), 32 * MS);
    assert_true(rj_bench_pacer_take(&p, 32, 31 * MS, &intended) > 0);
    assert_int_equal(rj_bench_pacer_take(&p, 32, 32 * MS, &intended), 0);
    assert_int_equal(intended, 32 * MS);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlimited_never_waits),
        cmocka_unit_test(test_starts_empty_and_says_how_long_to_wait),
        cmocka_unit_test(test_simulated_sender_keeps_the_average_rate),
        cmocka_unit_test(test_burst_is_capped_and_intended_times_are_spread),
        cmocka_unit_test(test_batch_larger_than_burst_waits_for_whole_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
