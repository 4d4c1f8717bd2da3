/*
 * Retries and delays against a real broker: a message the listener asks to
 * reconsume comes back through %RETRY%<group> (CONSUMER_SEND_MSG_BACK, delay
 * level chosen by the listener) with its topic restored and reconsume times
 * counted; past the consumer's max reconsume times it lands in %DLQ%<group>;
 * a delay-level message is delivered only after its delay.
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

static it_cluster_t cluster;

static int
group_setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 1);
    return 0;
}

static int
group_teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

typedef struct {
    pthread_mutex_t lock;
    int deliveries;
    int max_reconsume_seen;
    char topic[128];
    int fail_until; /* fail deliveries with reconsume times below this */
    int64_t first_ms, last_ms;
} retry_seen_t;

static rj_consume_status_t
retry_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    retry_seen_t *s = arg;
    rj_consume_status_t st = RJ_CONSUME_SUCCESS;

    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < count; i++) {
        int rt = rj_message_reconsume_times(msgs[i]);
        s->deliveries++;
        if (rt > s->max_reconsume_seen) {
            s->max_reconsume_seen = rt;
        }
        snprintf(s->topic, sizeof(s->topic), "%s", rj_message_topic(msgs[i]));
        if (s->first_ms == 0) {
            s->first_ms = rj_clock_mono_ms();
        }
        s->last_ms = rj_clock_mono_ms();
        if (rt < s->fail_until) {
            st = RJ_CONSUME_RECONSUME_LATER;
        }
    }
    pthread_mutex_unlock(&s->lock);
    rj_consume_context_set_delay_level(ctx, 1); /* 1 s instead of the default 10 s */
    return st;
}

static rj_push_consumer_t *
start(const char *group, const char *topic, retry_seen_t *s, int max_reconsume)
{
    rj_push_consumer_t *c;
    assert_int_equal(rj_push_consumer_create(group, &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, topic, "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_max_reconsume_times(c, max_reconsume), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(c, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_poll_namesrv_interval(c, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, retry_listener, s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    return c;
}

typedef struct {
    retry_seen_t *s;
    int deliveries;
} deliveries_wait_t;

static bool
deliveries_reached(void *arg)
{
    deliveries_wait_t *w = arg;
    pthread_mutex_lock(&w->s->lock);
    bool ok = w->s->deliveries >= w->deliveries;
    pthread_mutex_unlock(&w->s->lock);
    return ok;
}

static void
test_reconsume_later_comes_back_through_the_retry_topic(void **state)
{
    retry_seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_until = 2};

    it_create_topic(&cluster, "IT_Retry", 2);
    it_produce(&cluster, "IT_Retry", 0, 1, NULL);
    rj_push_consumer_t *c = start("it_retry", "IT_Retry", &s, 16);
    deliveries_wait_t w = {&s, 3};
    assert_true(rj_wait_until(deliveries_reached, &w, 30000));
    rj_clock_sleep_ms(1500);
    pthread_mutex_lock(&s.lock);
    assert_int_equal(s.deliveries, 3); /* first try, then two retries */
    assert_int_equal(s.max_reconsume_seen, 2);
    assert_string_equal(s.topic, "IT_Retry");    /* restored from RETRY_TOPIC */
    assert_true(s.last_ms - s.first_ms >= 1500); /* two 1 s delays */
    pthread_mutex_unlock(&s.lock);
    rj_push_consumer_destroy(c);
}

typedef struct {
    const char *topic;
} dlq_wait_t;

static bool
dlq_has_message(void *arg)
{
    rj_admin_t *a;
    rj_message_queue_t *qs;
    size_t n;
    int64_t max = 0;
    if (rj_admin_create(it_namesrv(&cluster), &a) != RJ_OK) {
        return false;
    }
    if (rj_admin_topic_queues(a, ((dlq_wait_t *)arg)->topic, &qs, &n) == RJ_OK) {
        if (n > 0) {
            rj_admin_max_offset(a, &qs[0], &max);
        }
        rj_message_queues_free(qs);
    }
    rj_admin_destroy(a);
    return max >= 1;
}

static void
test_past_max_reconsume_times_goes_to_the_dlq(void **state)
{
    retry_seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER, .fail_until = 1000};

    it_create_topic(&cluster, "IT_Dlq", 1);
    it_produce(&cluster, "IT_Dlq", 0, 1, NULL);
    rj_push_consumer_t *c = start("it_dlq", "IT_Dlq", &s, 1);
    dlq_wait_t w = {"%DLQ%it_dlq"};
    assert_true(rj_wait_until(dlq_has_message, &w, 30000));
    pthread_mutex_lock(&s.lock);
    assert_int_equal(s.deliveries, 2); /* first try + one retry, then the DLQ */
    pthread_mutex_unlock(&s.lock);
    rj_push_consumer_destroy(c);
}

static rj_consume_status_t
delay_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    retry_seen_t *s = arg;
    (void)ctx;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < count; i++) {
        s->deliveries++;
        s->last_ms = rj_clock_wall_ms() - rj_message_born_timestamp(msgs[i]);
        snprintf(s->topic, sizeof(s->topic), "%s", rj_message_topic(msgs[i]));
    }
    pthread_mutex_unlock(&s->lock);
    return RJ_CONSUME_SUCCESS;
}

static void
test_delay_level_message_waits_its_delay(void **state)
{
    retry_seen_t s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rj_producer_t *p;
    rj_message_t *m;
    rj_push_consumer_t *c;

    it_create_topic(&cluster, "IT_Delay", 2);
    assert_int_equal(rj_push_consumer_create("it_delay", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_Delay", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, delay_listener, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_int_equal(rj_producer_create("it_delay_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_Delay", &m), RJ_OK);
    rj_message_set_body(m, "msg #1", 6);
    assert_int_equal(rj_message_set_delay_level(m, 2), RJ_OK); /* 5 s */
    assert_int_equal(rj_producer_send(p, m, NULL), RJ_OK);
    deliveries_wait_t w = {&s, 1};
    assert_true(rj_wait_until(deliveries_reached, &w, 30000));
    pthread_mutex_lock(&s.lock);
    assert_true(s.last_ms >= 4500);
    assert_string_equal(s.topic, "IT_Delay");
    pthread_mutex_unlock(&s.lock);
    rj_message_destroy(m);
    rj_producer_destroy(p);
    rj_push_consumer_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reconsume_later_comes_back_through_the_retry_topic),
        cmocka_unit_test(test_past_max_reconsume_times_goes_to_the_dlq),
        cmocka_unit_test(test_delay_level_message_waits_its_delay),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
