/* Thread pool: all tasks run, in parallel; stop drains or cancels; sparing wake-ups. */
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

/* Tasks that hold their worker until the gate opens. */
static atomic_bool gate_open;

static void
gated(void *arg, uint64_t extra, bool was_cancelled)
{
    (void)arg;
    (void)extra;
    if (was_cancelled) {
        atomic_fetch_add(&cancelled, 1);
        return;
    }
    int now = atomic_fetch_add(&running, 1) + 1;
    int prev = atomic_load(&max_running);
    while (now > prev && !atomic_compare_exchange_weak(&max_running, &prev, now)) {
    }
    while (!atomic_load(&gate_open)) {
        rj_clock_sleep_ms(1);
    }
    atomic_fetch_sub(&running, 1);
    atomic_fetch_add(&done, 1);
}

static bool
wait_for(atomic_int *v, int want, int timeout_ms)
{
    for (int i = 0; i < timeout_ms && atomic_load(v) != want; i++) {
        rj_clock_sleep_ms(1);
    }
    return atomic_load(v) == want;
}

static void
test_a_burst_wakes_each_sleeping_worker_at_most_once(void **state)
{
    rj_executor_t *e;
    rj_task_t tasks[1000];

    (void)state;
    assert_int_equal(rj_executor_create("ex", 4, &e), RJ_OK);
    rj_clock_sleep_ms(50); /* all four asleep */
    for (int i = 0; i < 1000; i++) {
        tasks[i] = (rj_task_t){work, NULL, 0};
    }
    assert_int_equal(rj_executor_submit_many(e, tasks, 1000), RJ_OK);
    assert_true(wait_for(&done, 1000, 10000));
    /* One wake by the submitter, then at most one per other worker (chained). */
    uint64_t w = rj_executor_wakeups(e);
    assert_true(w >= 1);
    assert_true(w <= 4);
    rj_executor_destroy(e);
}

static void
test_chained_wakes_run_slow_tasks_in_parallel(void **state)
{
    rj_executor_t *e;
    rj_task_t tasks[4];

    (void)state;
    atomic_store(&gate_open, false);
    assert_int_equal(rj_executor_create("ex", 4, &e), RJ_OK);
    rj_clock_sleep_ms(20);
    for (int i = 0; i < 4; i++) {
        tasks[i] = (rj_task_t){gated, NULL, 0};
    }
    assert_int_equal(rj_executor_submit_many(e, tasks, 4), RJ_OK);
    /* Every task holds its worker: all four must be running at once. */
    assert_true(wait_for(&running, 4, 5000));
    /* A fifth one submitted alone waits for a free worker, then runs. */
    assert_int_equal(rj_executor_submit(e, gated, NULL, 0), RJ_OK);
    atomic_store(&gate_open, true);
    assert_true(wait_for(&done, 5, 5000));
    assert_int_equal(atomic_load(&max_running), 4);
    rj_executor_destroy(e);
}

static void
test_a_busy_worker_drains_later_tasks_without_wakeups(void **state)
{
    rj_executor_t *e;

    (void)state;
    atomic_store(&gate_open, false);
    assert_int_equal(rj_executor_create("ex", 1, &e), RJ_OK);
    rj_clock_sleep_ms(20);
    assert_int_equal(rj_executor_submit(e, gated, NULL, 0), RJ_OK);
    assert_true(wait_for(&running, 1, 5000));
    assert_int_equal(rj_executor_wakeups(e), 1);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(rj_executor_submit(e, work, NULL, 0), RJ_OK);
    }
    atomic_store(&gate_open, true);
    assert_true(wait_for(&done, 51, 5000));
    /* The worker went from the first task straight through the queue. */
    assert_int_equal(rj_executor_wakeups(e), 1);
    rj_executor_destroy(e);
}

static void
test_submit_many_after_stop_queues_nothing(void **state)
{
    rj_executor_t *e;
    rj_task_t tasks[3] = {{work, NULL, 0}, {work, NULL, 0}, {work, NULL, 0}};

    (void)state;
    assert_int_equal(rj_executor_create("ex", 2, &e), RJ_OK);
    rj_executor_stop(e, true);
    assert_int_equal(rj_executor_submit_many(e, tasks, 3), RJ_ESHUTDOWN);
    assert_int_equal(rj_executor_pending(e), 0);
    rj_executor_destroy(e);
    assert_int_equal(atomic_load(&done) + atomic_load(&cancelled), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_tasks_run_on_several_threads, reset),
        cmocka_unit_test_setup(test_many_tasks_grow_the_ring_and_all_run, reset),
        cmocka_unit_test_setup(test_stop_without_drain_cancels_queued, reset),
        cmocka_unit_test_setup(test_a_burst_wakes_each_sleeping_worker_at_most_once, reset),
        cmocka_unit_test_setup(test_chained_wakes_run_slow_tasks_in_parallel, reset),
        cmocka_unit_test_setup(test_a_busy_worker_drains_later_tasks_without_wakeups, reset),
        cmocka_unit_test_setup(test_submit_many_after_stop_queues_nothing, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
