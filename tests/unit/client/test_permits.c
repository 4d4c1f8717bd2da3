/* Counting semaphore: bounds, timeouts, wake-ups across threads, waiting for idle. */
#include "client/permits.h"

#include "common/clock.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static void
test_acquire_stops_at_the_limit_and_times_out(void **state)
{
    rj_permits_t p;

    (void)state;
    rj_permits_init(&p, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rj_permits_acquire(&p, 1000), RJ_OK);
    }
    assert_int_equal(rj_permits_in_use(&p), 3);
    int64_t t0 = rj_clock_mono_ms();
    assert_int_equal(rj_permits_acquire(&p, 50), RJ_EBUSY);
    int64_t took = rj_clock_mono_ms() - t0;
    assert_true(took >= 45 && took < 2000);
    assert_int_equal(rj_permits_in_use(&p), 3);
    rj_permits_release(&p);
    assert_int_equal(rj_permits_acquire(&p, 0), RJ_OK);
    for (int i = 0; i < 3; i++) {
        rj_permits_release(&p);
    }
    assert_int_equal(rj_permits_in_use(&p), 0);
    rj_permits_cleanup(&p);
}

static void
test_unlimited_never_waits_but_counts(void **state)
{
    rj_permits_t p;

    (void)state;
    rj_permits_init(&p, 0);
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(rj_permits_acquire(&p, 0), RJ_OK);
    }
    assert_int_equal(rj_permits_in_use(&p), 100000);
    for (int i = 0; i < 100000; i++) {
        rj_permits_release(&p);
    }
    assert_int_equal(rj_permits_in_use(&p), 0);
    rj_permits_cleanup(&p);
}

typedef struct {
    rj_permits_t *p;
    int rounds;
    atomic_int *held;
    atomic_int *max_held;
    atomic_int *failed;
} worker_t;

static void *
acquire_release(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < w->rounds; i++) {
        if (rj_permits_acquire(w->p, 10000) != RJ_OK) {
            atomic_fetch_add(w->failed, 1);
            continue;
        }
        int now = atomic_fetch_add(w->held, 1) + 1;
        int prev = atomic_load(w->max_held);
        while (now > prev && !atomic_compare_exchange_weak(w->max_held, &prev, now)) {
        }
        atomic_fetch_sub(w->held, 1);
        rj_permits_release(w->p);
    }
    return NULL;
}

static void
test_threads_never_hold_more_than_the_limit_and_all_finish(void **state)
{
    rj_permits_t p;
    atomic_int held = 0, max_held = 0, failed = 0;
    pthread_t t[8];
    worker_t w = {&p, 20000, &held, &max_held, &failed};

    (void)state;
    rj_permits_init(&p, 2);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, acquire_release, &w), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
    }
    /* No lost wake-up (every waiter got a permit within its 10 s) and never over the limit. */
    assert_int_equal(atomic_load(&failed), 0);
    assert_true(atomic_load(&max_held) <= 2);
    assert_int_equal(rj_permits_in_use(&p), 0);
    rj_permits_cleanup(&p);
}

static void *
release_later(void *arg)
{
    rj_permits_t *p = arg;
    rj_clock_sleep_ms(50);
    rj_permits_release(p);
    rj_clock_sleep_ms(50);
    rj_permits_release(p);
    return NULL;
}

static void
test_a_release_wakes_a_waiter_and_wait_idle_returns_at_zero(void **state)
{
    rj_permits_t p;
    pthread_t t;

    (void)state;
    rj_permits_init(&p, 1);
    assert_int_equal(rj_permits_acquire(&p, 0), RJ_OK);
    assert_int_equal(pthread_create(&t, NULL, release_later, &p), 0);
    int64_t t0 = rj_clock_mono_ms();
    /* Woken by the first release long before the 5 s timeout. */
    assert_int_equal(rj_permits_acquire(&p, 5000), RJ_OK);
    assert_true(rj_clock_mono_ms() - t0 < 2500);
    /* The second release brings it to zero. */
    rj_permits_wait_idle(&p);
    assert_int_equal(rj_permits_in_use(&p), 0);
    pthread_join(t, NULL);
    rj_permits_cleanup(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acquire_stops_at_the_limit_and_times_out),
        cmocka_unit_test(test_unlimited_never_waits_but_counts),
        cmocka_unit_test(test_threads_never_hold_more_than_the_limit_and_all_finish),
        cmocka_unit_test(test_a_release_wakes_a_waiter_and_wait_idle_returns_at_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
