/*
 * Clustering rebalance over two brokers: a third consumer joins and one
 * leaves; after each change every queue has exactly one owner, and no message
 * produced across the changes is lost (at-least-once: duplicates allowed
 * only around a change).
 */
#include "client_fixture.h"

#include "common/clock.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define QUEUES 4

static it_cluster_t cluster;

static rj_push_consumer_t *
start_member(const char *strategy_name, rj_allocate_strategy_t strategy, it_seen_t *s)
{
    rj_push_consumer_t *c;
    (void)strategy_name;
    assert_int_equal(rj_push_consumer_create("it_rebalance", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_Rebalance", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_allocate_strategy(c, strategy), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(c, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_set_persist_offset_interval(c, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, it_record_listener, s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    return c;
}

typedef struct {
    rj_push_consumer_t **cs;
    int n;
    bool everyone_owns; /* averagely: each member has a share once settled */
} members_t;

/* Every queue of the topic (both brokers) has exactly one owner, and everyone owns something
 * when there are enough queues. */
static bool
settled(void *arg)
{
    members_t *m = arg;
    int owners[2][QUEUES] = {{0}};
    for (int i = 0; i < m->n; i++) {
        rj_message_queue_t *qs;
        size_t n;
        if (rj_push_consumer_assigned_queues(m->cs[i], "IT_Rebalance", &qs, &n) != RJ_OK) {
            return false;
        }
        for (size_t k = 0; k < n; k++) {
            int b = strcmp(qs[k].broker_name, "broker-b") == 0;
            if (qs[k].queue_id >= 0 && qs[k].queue_id < QUEUES) {
                owners[b][qs[k].queue_id]++;
            }
        }
        rj_message_queues_free(qs);
        if (n == 0 && m->everyone_owns) {
            return false;
        }
    }
    for (int b = 0; b < 2; b++) {
        for (int q = 0; q < QUEUES; q++) {
            if (owners[b][q] != 1) {
                return false;
            }
        }
    }
    return true;
}

static void
run_join_and_leave(rj_allocate_strategy_t strategy, const char *name)
{
    it_seen_t s;
    rj_push_consumer_t *cs[3];
    members_t m = {cs, 2, strategy == RJ_ALLOCATE_AVERAGELY};
    int produced = 0;

    it_seen_init(&s);
    cs[0] = start_member(name, strategy, &s);
    cs[1] = start_member(name, strategy, &s);
    assert_true(rj_wait_until(settled, &m, 20000));
    it_produce(&cluster, "IT_Rebalance", produced, 300, NULL);
    produced += 300;
    cs[2] = start_member(name, strategy, &s);
    m.n = 3;
    assert_true(rj_wait_until(settled, &m, 20000));
    it_produce(&cluster, "IT_Rebalance", produced, 300, NULL);
    produced += 300;
    assert_int_equal(rj_push_consumer_shutdown(cs[0]), RJ_OK);
    m.cs = &cs[1];
    m.n = 2;
    assert_true(rj_wait_until(settled, &m, 20000));
    it_produce(&cluster, "IT_Rebalance", produced, 300, NULL);
    produced += 300;
    assert_true(it_seen_wait(&s, produced, 30000));
    for (int i = 0; i < produced; i++) {
        assert_true(s.seen[i] >= 1);
    }
    for (int i = 0; i < 3; i++) {
        rj_push_consumer_destroy(cs[i]);
    }
}

static int
setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 2);
    it_create_topic(&cluster, "IT_Rebalance", QUEUES);
    return 0;
}

static int
teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

static void
test_average_strategy_join_and_leave(void **state)
{
    run_join_and_leave(RJ_ALLOCATE_AVERAGELY, "avg");
}

static void
test_consistent_hash_strategy_join_and_leave(void **state)
{
    run_join_and_leave(RJ_ALLOCATE_CONSISTENT_HASH, "hash");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_average_strategy_join_and_leave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consistent_hash_strategy_join_and_leave, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
