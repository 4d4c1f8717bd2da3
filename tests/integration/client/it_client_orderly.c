/*
 * Orderly consumption against a real broker: messages of one key go to one
 * queue (selector) and an orderly listener sees every queue in offset order,
 * also when it suspends (the same messages come back, with their reconsume
 * times counted, before anything later): in broadcasting mode (no queue
 * locks), and in clustering mode where two members hold the broker's queue
 * locks and one of them leaves half-way.
 */
#include "client_fixture.h"

#include "common/clock.h"
#include "support/tempdir.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define TOTAL 200
#define KEYS 6

static it_cluster_t cluster;

typedef struct {
    pthread_mutex_t lock;
    int64_t last_offset[16];
    int last_step[KEYS];
    bool out_of_order;
    int delivered;
    int suspended;
    int reconsumed;
} order_seen_t;

/* Bodies are "msg #<n> key <k> step <s>": per key, steps must arrive 0, 1, 2, ... */
static rj_consume_orderly_status_t
orderly_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx,
                 void *arg)
{
    order_seen_t *s = arg;
    const rj_message_queue_t *mq = rj_consume_context_queue(ctx);

    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < count; i++) {
        int n = it_msg_number(msgs[i]);
        if (n % 9 == 4 && rj_message_reconsume_times(msgs[i]) == 0) {
            s->suspended++;
            pthread_mutex_unlock(&s->lock);
            rj_consume_context_set_suspend_time(ctx, 50);
            return RJ_CONSUME_ORDERLY_SUSPEND;
        }
    }
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const char *body = rj_message_body(msgs[i], &len);
        char text[64];
        int n, key, step;
        snprintf(text, sizeof(text), "%.*s", (int)len, body);
        if (sscanf(text, "msg #%d key %d step %d", &n, &key, &step) != 3 || key < 0 ||
            key >= KEYS) {
            s->out_of_order = true;
            continue;
        }
        int64_t off = rj_message_queue_offset(msgs[i]);
        if (off != s->last_offset[mq->queue_id] + 1 || step != s->last_step[key] + 1) {
            s->out_of_order = true;
        }
        s->last_offset[mq->queue_id] = off;
        s->last_step[key] = step;
        s->reconsumed += rj_message_reconsume_times(msgs[i]) > 0;
        s->delivered++;
    }
    pthread_mutex_unlock(&s->lock);
    return RJ_CONSUME_ORDERLY_SUCCESS;
}

static bool
all_delivered(void *arg)
{
    order_seen_t *s = arg;
    pthread_mutex_lock(&s->lock);
    bool done = s->delivered >= TOTAL;
    pthread_mutex_unlock(&s->lock);
    return done;
}

static int
by_key(const rj_message_queue_t *queues, size_t count, const rj_message_t *msg, void *arg)
{
    (void)queues;
    (void)msg;
    return *(int *)arg % (int)count;
}

static void
test_orderly_listener_keeps_queue_order_with_suspend_retries(void **state)
{
    order_seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rj_producer_t *p;
    rj_message_t *m;
    rj_push_consumer_t *c;
    char *dir;

    for (int i = 0; i < 16; i++) {
        s.last_offset[i] = -1;
    }
    for (int k = 0; k < KEYS; k++) {
        s.last_step[k] = -1;
    }
    assert_int_equal(rj_tempdir_create("it-orderly", &dir), 0);
    it_create_topic(&cluster, "IT_Orderly", 4);
    assert_int_equal(rj_producer_create("it_orderly_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_Orderly", &m), RJ_OK);
    int step[KEYS] = {0};
    for (int n = 0; n < TOTAL; n++) {
        char body[64];
        int key = (n * 7) % KEYS;
        snprintf(body, sizeof(body), "msg #%d key %d step %d", n, key, step[key]++);
        rj_message_set_body(m, body, strlen(body));
        assert_int_equal(rj_producer_send_select(p, m, by_key, &key, NULL), RJ_OK);
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);

    assert_int_equal(rj_push_consumer_create("it_orderly", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_set_message_model(c, RJ_MESSAGE_MODEL_BROADCASTING), RJ_OK);
    assert_int_equal(rj_push_consumer_set_offset_store_dir(c, dir), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_batch_size(c, 4), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_Orderly", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_orderly_listener(c, orderly_listener, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(rj_wait_until(all_delivered, &s, 30000));
    rj_clock_sleep_ms(200);
    rj_push_consumer_destroy(c);
    assert_false(s.out_of_order);
    assert_int_equal(s.delivered, TOTAL); /* each exactly once after its retries */
    assert_true(s.suspended >= TOTAL / 9);
    assert_true(s.reconsumed >= s.suspended);
    rj_tempdir_remove(dir);
}

static void
produce_ordered(int from, int total, int *step)
{
    rj_producer_t *p;
    rj_message_t *m;

    assert_int_equal(rj_producer_create("it_orderly_pg2", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_OrderlyLocks", &m), RJ_OK);
    for (int n = from; n < from + total; n++) {
        char body[64];
        int key = (n * 7) % KEYS;
        snprintf(body, sizeof(body), "msg #%d key %d step %d", n, key, step[key]++);
        rj_message_set_body(m, body, strlen(body));
        assert_int_equal(rj_producer_send_select(p, m, by_key, &key, NULL), RJ_OK);
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);
}

static rj_push_consumer_t *
orderly_member(order_seen_t *s)
{
    rj_push_consumer_t *c;
    assert_int_equal(rj_push_consumer_create("it_orderly_locks", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(c, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_persist_offset_interval(c, 200), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_OrderlyLocks", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_orderly_listener(c, orderly_listener, s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    return c;
}

static bool
delivered_at_least(order_seen_t *s, int want, int timeout_ms)
{
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        bool ok = s->delivered >= want;
        pthread_mutex_unlock(&s->lock);
        if (ok || rj_clock_mono_ms() >= deadline) {
            return ok;
        }
        rj_clock_sleep_ms(20);
    }
}

static void
test_clustering_members_hold_queue_locks_and_keep_order(void **state)
{
    order_seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    int step[KEYS] = {0};

    for (int i = 0; i < 16; i++) {
        s.last_offset[i] = -1;
    }
    for (int k = 0; k < KEYS; k++) {
        s.last_step[k] = -1;
    }
    it_create_topic(&cluster, "IT_OrderlyLocks", 4);
    rj_push_consumer_t *c1 = orderly_member(&s);
    rj_push_consumer_t *c2 = orderly_member(&s);
    produce_ordered(0, TOTAL, step);
    assert_true(delivered_at_least(&s, TOTAL, 30000));
    /* Both members own queues, none twice: each holds its queues' locks. */
    rj_message_queue_t *q1, *q2;
    size_t n1, n2;
    assert_int_equal(rj_push_consumer_assigned_queues(c1, NULL, &q1, &n1), RJ_OK);
    assert_int_equal(rj_push_consumer_assigned_queues(c2, NULL, &q2, &n2), RJ_OK);
    for (size_t i = 0; i < n1; i++) {
        for (size_t k = 0; k < n2; k++) {
            assert_false(strcmp(q1[i].topic, q2[k].topic) == 0 && q1[i].queue_id == q2[k].queue_id);
        }
    }
    rj_message_queues_free(q1);
    rj_message_queues_free(q2);
    /* One leaves (unlocking); the other takes its queues over and goes on in order. */
    rj_push_consumer_destroy(c1);
    produce_ordered(TOTAL, TOTAL, step);
    assert_true(delivered_at_least(&s, 2 * TOTAL, 30000));
    rj_clock_sleep_ms(300);
    rj_push_consumer_destroy(c2);
    assert_false(s.out_of_order);
    assert_int_equal(s.delivered, 2 * TOTAL);
    assert_true(s.suspended >= 2 * TOTAL / 9);
}

static int
setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 1);
    return 0;
}

static int
teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_orderly_listener_keeps_queue_order_with_suspend_retries),
        cmocka_unit_test(test_clustering_members_hold_queue_locks_and_keep_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
