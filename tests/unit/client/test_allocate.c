/* Allocation strategies against Java's results (features.md §7). */
#include "client/allocate.h"

#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static rj_message_queue_t mqs[16];

static void
make_queues(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mqs[i].topic = "T";
        mqs[i].broker_name = "broker-a";
        mqs[i].queue_id = (int32_t)i;
    }
}

static void
test_averagely_eight_queues_three_consumers_splits_3_3_2(void **state)
{
    const char *cids[] = {"c0", "c1", "c2"};
    size_t out[16], n;

    make_queues(8);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 8, cids, 3, "c0", out, &n), RJ_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[2], 2);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 8, cids, 3, "c1", out, &n), RJ_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 3);
    assert_int_equal(out[2], 5);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 8, cids, 3, "c2", out, &n), RJ_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 6);
    assert_int_equal(out[1], 7);
}

static void
test_averagely_more_consumers_than_queues_leaves_last_idle(void **state)
{
    const char *cids[] = {"a", "b", "c"};
    size_t out[16], n;

    make_queues(2);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 2, cids, 3, "b", out, &n), RJ_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 1);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 2, cids, 3, "c", out, &n), RJ_OK);
    assert_int_equal(n, 0);
}

static void
test_every_strategy_assigns_each_queue_exactly_once(void **state)
{
    const char *cids[] = {"10.0.0.1@1#1", "10.0.0.1@2#2", "10.0.0.2@3#3", "10.0.0.3@4#4"};
    rj_allocate_strategy_t strategies[] = {RJ_ALLOCATE_AVERAGELY, RJ_ALLOCATE_AVERAGELY_BY_CIRCLE,
                                           RJ_ALLOCATE_CONSISTENT_HASH};

    make_queues(13);
    for (size_t s = 0; s < 3; s++) {
        for (size_t consumers = 1; consumers <= 4; consumers++) {
            int owners[16] = {0};
            for (size_t c = 0; c < consumers; c++) {
                size_t out[16], n;
                assert_int_equal(
                    rj_allocate(strategies[s], mqs, 13, cids, consumers, cids[c], out, &n), RJ_OK);
                for (size_t k = 0; k < n; k++) {
                    owners[out[k]]++;
                }
            }
            for (size_t q = 0; q < 13; q++) {
                assert_int_equal(owners[q], 1);
            }
        }
    }
}

static void
test_by_circle_takes_every_cth_queue(void **state)
{
    const char *cids[] = {"a", "b", "c"};
    size_t out[16], n;

    make_queues(8);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY_BY_CIRCLE, mqs, 8, cids, 3, "b", out, &n),
                     RJ_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 4);
    assert_int_equal(out[2], 7);
}

/* Expected shares computed independently from Java's ConsistentHashRouter rules. */
static void
test_consistent_hash_matches_java_ring(void **state)
{
    const char *cids[] = {"10.0.0.1@1#1", "10.0.0.1@2#2", "10.0.0.2@3#3"};
    static const size_t want0[] = {1, 3, 4, 7}, want1[] = {5, 6}, want2[] = {0, 2};
    const size_t *want[] = {want0, want1, want2};
    const size_t want_n[] = {4, 2, 2};
    rj_message_queue_t q[8];

    for (int i = 0; i < 8; i++) {
        q[i].topic = "TopicTest";
        q[i].broker_name = "broker-a";
        q[i].queue_id = i;
    }
    for (int c = 0; c < 3; c++) {
        size_t out[8], n;
        assert_int_equal(rj_allocate(RJ_ALLOCATE_CONSISTENT_HASH, q, 8, cids, 3, cids[c], out, &n),
                         RJ_OK);
        assert_int_equal(n, want_n[c]);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(out[k], want[c][k]);
        }
    }
}

static void
test_unknown_current_id_gets_nothing(void **state)
{
    const char *cids[] = {"a", "b"};
    size_t out[16], n = 99;

    make_queues(4);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 4, cids, 2, "zz", out, &n), RJ_OK);
    assert_int_equal(n, 0);
}

static void
test_bad_arguments_are_einval(void **state)
{
    const char *cids[] = {"a"};
    size_t out[4], n;

    make_queues(4);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 4, cids, 1, NULL, out, &n), RJ_EINVAL);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, NULL, 4, cids, 1, "a", out, &n), RJ_EINVAL);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 4, NULL, 1, "a", out, &n), RJ_EINVAL);
    assert_int_equal(rj_allocate((rj_allocate_strategy_t)77, mqs, 4, cids, 1, "a", out, &n),
                     RJ_EINVAL);
    assert_int_equal(rj_allocate(RJ_ALLOCATE_AVERAGELY, mqs, 4, cids, 1, "a", out, NULL),
                     RJ_EINVAL);
}

static void
test_sort_queues_orders_by_topic_broker_queue(void **state)
{
    rj_message_queue_t q[] = {{"T", "b", 1}, {"S", "z", 0}, {"T", "a", 2}, {"T", "b", 0}};

    rj_allocate_sort_queues(q, 4);
    assert_string_equal(q[0].topic, "S");
    assert_string_equal(q[1].broker_name, "a");
    assert_int_equal(q[2].queue_id, 0);
    assert_int_equal(q[3].queue_id, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_averagely_eight_queues_three_consumers_splits_3_3_2),
        cmocka_unit_test(test_averagely_more_consumers_than_queues_leaves_last_idle),
        cmocka_unit_test(test_every_strategy_assigns_each_queue_exactly_once),
        cmocka_unit_test(test_by_circle_takes_every_cth_queue),
        cmocka_unit_test(test_consistent_hash_matches_java_ring),
        cmocka_unit_test(test_unknown_current_id_gets_nothing),
        cmocka_unit_test(test_bad_arguments_are_einval),
        cmocka_unit_test(test_sort_queues_orders_by_topic_broker_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
