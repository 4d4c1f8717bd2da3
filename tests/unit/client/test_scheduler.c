/* Delayed tasks run in due order; pending ones run cancelled at stop. */
#include "client/scheduler.h"

#include "common/clock.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

typedef struct {
    pthread_mutex_t lock;
    int order[16];
    int n;
    int cancelled;
    bool on_thread;
    rj_scheduler_t *s;
} log_t;

static void
record(void *arg, uint64_t extra, bool cancelled)
{
    log_t *l = arg;
    pthread_mutex_lock(&l->lock);
    if (cancelled) {
        l->cancelled++;
    } else {
        l->order[l->n++] = (int)extra;
        l->on_thread = rj_scheduler_is_current(l->s);
    }
    pthread_mutex_unlock(&l->lock);
}

static int
count(log_t *l)
{
    pthread_mutex_lock(&l->lock);
    int n = l->n;
    pthread_mutex_unlock(&l->lock);
    return n;
}

static void
test_tasks_run_in_due_order(void **state)
{
    log_t l = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rj_scheduler_t *s;

    assert_int_equal(rj_scheduler_create("sched-test", &s), RJ_OK);
    l.s = s;
    int64_t start = rj_clock_mono_ms();
    assert_int_equal(rj_scheduler_schedule(s, 60, record, &l, 3), RJ_OK);
    assert_int_equal(rj_scheduler_schedule(s, 20, record, &l, 2), RJ_OK);
    assert_int_equal(rj_scheduler_schedule(s, 0, record, &l, 1), RJ_OK);
    assert_int_equal(rj_scheduler_schedule(s, 20, record, &l, 22), RJ_OK);
    while (count(&l) < 4 && rj_clock_mono_ms() - start < 5000) {
        rj_clock_sleep_ms(1);
    }
    assert_int_equal(count(&l), 4);
    assert_true(rj_clock_mono_ms() - start >= 60);
    assert_int_equal(l.order[0], 1);
    assert_int_equal(l.order[1], 2);
    assert_int_equal(l.order[2], 22);
    assert_int_equal(l.order[3], 3);
    assert_true(l.on_thread);
    assert_false(rj_scheduler_is_current(s));
    rj_scheduler_destroy(s);
}

static void
test_stop_runs_pending_tasks_cancelled(void **state)
{
    log_t l = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rj_scheduler_t *s;

    assert_int_equal(rj_scheduler_create("sched-test", &s), RJ_OK);
    l.s = s;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rj_scheduler_schedule(s, 60000 + i, record, &l, (uint64_t)i), RJ_OK);
    }
    rj_scheduler_stop(s);
    assert_int_equal(l.cancelled, 100);
    assert_int_equal(l.n, 0);
    assert_int_equal(rj_scheduler_schedule(s, 0, record, &l, 0), RJ_ESHUTDOWN);
    rj_scheduler_stop(s);
    rj_scheduler_destroy(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tasks_run_in_due_order),
        cmocka_unit_test(test_stop_runs_pending_tasks_cancelled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
