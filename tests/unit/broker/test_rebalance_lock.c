#include "broker/rebalance_lock.h"

#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#define G RJ_BYTES_LIT("cg")
#define C1 RJ_BYTES_LIT("10.0.0.1@1")
#define C2 RJ_BYTES_LIT("10.0.0.2@2")

static rj_message_queue_t
mq(const char *topic, const char *broker, int32_t qid)
{
    rj_message_queue_t q = {rj_bytes_from_cstr(topic), rj_bytes_from_cstr(broker), qid};
    return q;
}

static int
setup(void **state)
{
    rj_rebalance_lock_t *lk;
    assert_int_equal(rj_rebalance_lock_create(60000, &lk), 0);
    *state = lk;
    return 0;
}

static int
teardown(void **state)
{
    rj_rebalance_lock_destroy(*state);
    return 0;
}

static void
test_free_queues_are_granted_and_kept_from_others(void **state)
{
    rj_rebalance_lock_t *lk = *state;
    rj_message_queue_t q[3] = {mq("T", "b", 0), mq("T", "b", 1), mq("T", "b", 2)};
    bool granted[3];
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C1, q, 2, granted, 1000), 2);
    assert_true(granted[0] && granted[1]);
    /* Another client gets only the free one. */
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C2, q, 3, granted, 2000), 1);
    assert_false(granted[0]);
    assert_false(granted[1]);
    assert_true(granted[2]);
    /* The holder renews. */
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C1, q, 2, granted, 30000), 2);
    assert_true(rj_rebalance_lock_is_held(lk, G, &q[0], C1, 89000));
    assert_false(rj_rebalance_lock_is_held(lk, G, &q[0], C2, 89000));
    /* Queues are told apart by topic, broker name and id. */
    rj_message_queue_t other[3] = {mq("T2", "b", 0), mq("T", "c", 0), mq("T", "b", 7)};
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C2, other, 3, granted, 31000), 3);
    /* Other groups are independent. */
    assert_int_equal(rj_rebalance_lock_try_batch(lk, RJ_BYTES_LIT("cg2"), C2, q, 2, granted, 31000),
                     2);
}

static void
test_expired_lock_goes_to_the_next_client(void **state)
{
    rj_rebalance_lock_t *lk = *state;
    rj_message_queue_t q = mq("T", "b", 0);
    bool granted;
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C1, &q, 1, &granted, 1000), 1);
    /* Exactly 60 s: not expired yet (Java: older than lockMaxLiveTime). */
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C2, &q, 1, &granted, 61000), 0);
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C2, &q, 1, &granted, 61001), 1);
    assert_true(granted);
    assert_true(rj_rebalance_lock_is_held(lk, G, &q, C2, 61001));
    assert_false(rj_rebalance_lock_is_held(lk, G, &q, C1, 61001));
    /* The old holder, back, is refused. */
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C1, &q, 1, &granted, 62000), 0);
    /* Its own expired lock a client simply takes again. */
    assert_false(rj_rebalance_lock_is_held(lk, G, &q, C2, 200000));
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C2, &q, 1, &granted, 200000), 1);
}

static void
test_unlock_releases_only_the_holders_queues(void **state)
{
    rj_rebalance_lock_t *lk = *state;
    rj_message_queue_t q[2] = {mq("T", "b", 0), mq("T", "b", 1)};
    bool granted[2];
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C1, q, 1, granted, 1000), 1);
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C2, &q[1], 1, granted, 1000), 1);
    /* C2 cannot release C1's queue. */
    rj_rebalance_lock_unlock_batch(lk, G, C2, q, 2);
    assert_true(rj_rebalance_lock_is_held(lk, G, &q[0], C1, 2000));
    assert_false(rj_rebalance_lock_is_held(lk, G, &q[1], C2, 2000));
    rj_rebalance_lock_unlock_batch(lk, G, C1, q, 1);
    assert_false(rj_rebalance_lock_is_held(lk, G, &q[0], C1, 2000));
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C2, q, 2, granted, 3000), 2);
    /* Unknown groups and queues are fine. */
    rj_rebalance_lock_unlock_batch(lk, RJ_BYTES_LIT("nobody"), C1, q, 2);
    rj_rebalance_lock_unlock_batch(lk, G, C1, NULL, 0);
}

static void
test_oversized_names_are_never_locked(void **state)
{
    rj_rebalance_lock_t *lk = *state;
    char big[600];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    rj_message_queue_t q = mq(big, "b", 0);
    bool granted = true;
    assert_int_equal(rj_rebalance_lock_try_batch(lk, G, C1, &q, 1, &granted, 1000), 0);
    assert_false(granted);
    assert_false(rj_rebalance_lock_is_held(lk, G, &q, C1, 1000));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_free_queues_are_granted_and_kept_from_others, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_lock_goes_to_the_next_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlock_releases_only_the_holders_queues, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oversized_names_are_never_locked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
