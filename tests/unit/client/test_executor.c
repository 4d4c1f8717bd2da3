/* Thread pool: all tasks run, in parallel; stop drains or cancels. */
#include "client/executor.h"

#include "common/clock.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static atomic_int done, cancelled, running, max_running;

static void
work(void *arg, uint64_t extra, bool was_cancelled)
{
    if (was_cancelled) {
        atomic_fetch_add(&cancelled, 1);
        return;
    }
    int now = atomic_fetch_add(&running, 1) + 1;
    int prev = atomic_load(&max_running);
    while (now > prev && !atomic_compare_exchange_weak(&max_running, &prev, now)) {
    }
    if (extra > 0) {
        rj_clock_sleep_ms((int64_t)extra);
    }
    atomic_fetch_sub(&running, 1);
    atomic_fetch_add(&done, 1);
}

static int
reset(void **state)
{
    atomic_store(&done, 0);
    atomic_store(&cancelled, 0);
    atomic_store(&running, 0);
    atomic_store(&max_running, 0);
    return 0;
}

static void
test_tasks_run_on_several_threads(void **state)
{
    rj_executor_t *e;

    assert_int_equal(rj_executor_create("ex", 4, &e), RJ_OK);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(rj_executor_submit(e, work, NULL, 30), RJ_OK);
    }
    rj_executor_stop(e, true);
    assert_int_equal(atomic_load(&done), 8);
    assert_true(atomic_load(&max_running) > 1);
    assert_int_equal(rj_executor_submit(e, work, NULL, 0), RJ_ESHUTDOWN);
    rj_executor_destroy(e);
}

static void
test_many_tasks_grow_the_ring_and_all_run(void **state)
{
    rj_executor_t *e;

    assert_int_equal(rj_executor_create("ex", 2, &e), RJ_OK);
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(rj_executor_submit(e, work, NULL, 0), RJ_OK);
    }
    rj_executor_stop(e, true);
    assert_int_equal(atomic_load(&done), 5000);
    rj_executor_destroy(e);
}

static void
test_stop_without_drain_cancels_queued(void **state)
{
    rj_executor_t *e;

    assert_int_equal(rj_executor_create("ex", 1, &e), RJ_OK);
    assert_int_equal(rj_executor_submit(e, work, NULL, 100), RJ_OK);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(rj_executor_submit(e, work, NULL, 0), RJ_OK);
    }
    rj_clock_sleep_ms(20);
    rj_executor_destroy(e);
    assert_int_equal(atomic_load(&done) + atomic_load(&cancelled), 11);
    assert_true(atomic_load(&cancelled) >= 9);
    assert_int_equal(rj_executor_create("ex", 0, &e), RJ_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tasks_run_on_several_threads, reset),
        cmocka_unit_test_setup(test_many_tasks_grow_the_ring_and_all_run, reset),
        cmocka_unit_test_setup(test_stop_without_drain_cancels_queued, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
