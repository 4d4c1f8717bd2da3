#include "broker/long_poll.h"

#include "common/clock.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    pthread_mutex_t lock;
    int64_t max_offset; /* the fake store's max offset for every queue */
    int ran;
    int64_t ran_at[16];
} world_t;

typedef struct {
    rj_parked_pull_t p;
    world_t *w;
    int id;
    int64_t parked_at;
} entry_t;

static int64_t
fake_max_offset(void *arg, rj_bytes_t topic, int32_t qid)
{
    world_t *w = arg;
    (void)topic;
    (void)qid;
    pthread_mutex_lock(&w->lock);
    int64_t v = w->max_offset;
    pthread_mutex_unlock(&w->lock);
    return v;
}

static void
on_run(rj_parked_pull_t *p)
{
    entry_t *e = (entry_t *)p;
    pthread_mutex_lock(&e->w->lock);
    if (e->id < 16) {
        e->w->ran_at[e->id] = rj_clock_mono_ms() - e->parked_at;
    }
    e->w->ran++;
    pthread_mutex_unlock(&e->w->lock);
    free(e);
}

static int
ran(world_t *w)
{
    pthread_mutex_lock(&w->lock);
    int n = w->ran;
    pthread_mutex_unlock(&w->lock);
    return n;
}

static bool
wait_ran(world_t *w, int n, int timeout_ms)
{
    int64_t end = rj_clock_mono_ms() + timeout_ms;
    while (rj_clock_mono_ms() < end) {
        if (ran(w) >= n) {
            return true;
        }
        rj_clock_sleep_ms(2);
    }
    return ran(w) >= n;
}

static entry_t *
park(rj_long_poll_t *lp, world_t *w, int id, const char *topic, int64_t offset, int64_t timeout,
     const rj_subscription_t *sub)
{
    entry_t *e = calloc(1, sizeof(*e));
    e->w = w;
    e->id = id;
    e->parked_at = rj_clock_mono_ms();
    e->p.topic = rj_bytes_from_cstr(topic);
    e->p.queue_id = 0;
    e->p.offset = offset;
    e->p.deadline_mono_ms = e->parked_at + timeout;
    e->p.sub = sub;
    e->p.run = on_run;
    assert_int_equal(rj_long_poll_park(lp, &e->p), 0);
    return e;
}

static void
test_wakes_on_matching_message_and_times_out(void **state)
{
    (void)state;
    world_t w = {.max_offset = 5};
    pthread_mutex_init(&w.lock, NULL);
    rj_long_poll_t *lp;
    rj_long_poll_options_t o = {fake_max_offset, &w, 60000};
    assert_int_equal(rj_long_poll_create(&o, &lp), 0);
    assert_int_equal(rj_long_poll_start(lp), 0);

    rj_subscription_t *tag_a;
    assert_int_equal(
        rj_subscription_data_build(RJ_BYTES_LIT("T"), RJ_BYTES_LIT("TagA"), RJ_BYTES_NULL, &tag_a),
        0);
    park(lp, &w, 0, "T", 5, 10000, NULL); /* any message wakes it */
    park(lp, &w, 1, "T", 5, 300, tag_a);  /* only TagA wakes it; else the deadline */
    park(lp, &w, 2, "U", 5, 10000, NULL); /* another topic */
    /* Wait until all three are taken in. */
    for (int i = 0; i < 1000 && rj_long_poll_parked(lp) != 3; i++) {
        rj_clock_sleep_ms(1);
    }
    assert_int_equal(rj_long_poll_parked(lp), 3);
    assert_int_equal(ran(&w), 0);

    /* A message with another tag at offset 5 on T: wakes only entry 0. */
    pthread_mutex_lock(&w.lock);
    w.max_offset = 6;
    pthread_mutex_unlock(&w.lock);
    rj_long_poll_notify(lp, RJ_BYTES_LIT("T"), 0, 5, 12345, RJ_BYTES_NULL);
    assert_true(wait_ran(&w, 1, 2000));
    rj_clock_sleep_ms(50);
    assert_int_equal(ran(&w), 1);

    /* Entry 1 runs at its deadline (300 ms), not much earlier or later. */
    assert_true(wait_ran(&w, 2, 2000));
    assert_true(w.ran_at[1] >= 290);
    assert_true(w.ran_at[1] < 1500);

    /* A request parked at an offset the store already passed runs at once. */
    park(lp, &w, 3, "T", 2, 10000, NULL);
    assert_true(wait_ran(&w, 3, 2000));

    /* Stop answers the rest. */
    rj_long_poll_stop(lp);
    assert_int_equal(ran(&w), 4);
    entry_t late = {0};
    late.p.topic = RJ_BYTES_LIT("T");
    late.p.run = on_run;
    assert_int_equal(rj_long_poll_park(lp, &late.p), RJ_ESTATE);
    rj_long_poll_destroy(lp);
    rj_subscription_data_release(tag_a);
    pthread_mutex_destroy(&w.lock);
}

static void
test_notification_flood_wakes_waiter(void **state)
{
    (void)state;
    world_t w = {.max_offset = 0};
    pthread_mutex_init(&w.lock, NULL);
    rj_long_poll_t *lp;
    rj_long_poll_options_t o = {fake_max_offset, &w, 60000};
    assert_int_equal(rj_long_poll_create(&o, &lp), 0);
    assert_int_equal(rj_long_poll_start(lp), 0);
    park(lp, &w, 0, "T", 0, 10000, NULL);
    for (int i = 0; i < 1000 && rj_long_poll_parked(lp) != 1; i++) {
        rj_clock_sleep_ms(1);
    }
    pthread_mutex_lock(&w.lock);
    w.max_offset = 1;
    pthread_mutex_unlock(&w.lock);
    /* A flood of notifications (more than the ring holds) still wakes the waiter. */
    for (int i = 0; i < 2000; i++) {
        rj_long_poll_notify(lp, RJ_BYTES_LIT("T"), 0, 0, 0, RJ_BYTES_NULL);
    }
    assert_true(wait_ran(&w, 1, 2000));
    rj_long_poll_destroy(lp);
    pthread_mutex_destroy(&w.lock);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wakes_on_matching_message_and_times_out),
        cmocka_unit_test(test_notification_flood_wakes_waiter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
