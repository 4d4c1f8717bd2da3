#include "broker/broker_scheduler.h"

#include "common/clock.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    atomic_int periodic;
    atomic_int signalled;
    atomic_int posted;
} counts_t;

static void
on_periodic(void *arg)
{
    atomic_fetch_add(&((counts_t *)arg)->periodic, 1);
}

static void
on_signal(void *arg)
{
    atomic_fetch_add(&((counts_t *)arg)->signalled, 1);
    rj_clock_sleep_ms(20); /* signals arriving meanwhile coalesce into one more run */
}

static void
on_post(void *arg)
{
    atomic_fetch_add(&((counts_t *)arg)->posted, 1);
}

static bool
wait_for(atomic_int *v, int want, int timeout_ms)
{
    int64_t end = rj_clock_mono_ms() + timeout_ms;
    while (atomic_load(v) < want && rj_clock_mono_ms() < end) {
        rj_clock_sleep_ms(2);
    }
    return atomic_load(v) >= want;
}

static void
test_periodic_signals_and_posts(void **state)
{
    (void)state;
    counts_t c = {0};
    rj_broker_scheduler_t *s;
    assert_int_equal(rj_broker_scheduler_create("test", &s), 0);
    assert_int_equal(rj_broker_scheduler_every(s, 10, 10, on_periodic, &c), 0);
    assert_int_equal(rj_broker_scheduler_on_signal(s, 3, on_signal, &c), 0);
    assert_int_equal(rj_broker_scheduler_on_signal(s, 99, on_signal, &c), RJ_EINVAL);
    assert_int_equal(rj_broker_scheduler_post(s, on_post, &c), RJ_ESTATE); /* not started */
    assert_int_equal(rj_broker_scheduler_start(s), 0);
    assert_int_equal(rj_broker_scheduler_every(s, 1, 1, on_periodic, &c), RJ_ESTATE);

    assert_true(wait_for(&c.periodic, 3, 2000));
    for (int i = 0; i < 50; i++) {
        rj_broker_scheduler_signal(s, 3);
    }
    assert_true(wait_for(&c.signalled, 1, 2000));
    rj_clock_sleep_ms(100);
    /* 50 signals, coalesced: far fewer runs. */
    assert_true(atomic_load(&c.signalled) <= 3);
    assert_int_equal(rj_broker_scheduler_post(s, on_post, &c), 0);
    assert_true(wait_for(&c.posted, 1, 2000));
    rj_broker_scheduler_stop(s);
    assert_int_equal(rj_broker_scheduler_post(s, on_post, &c), RJ_ESTATE);
    rj_broker_scheduler_signal(s, 3); /* ignored after stop */
    rj_broker_scheduler_destroy(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_periodic_signals_and_posts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
