/*
 * Every producer mode against a real broker, consumed by a push consumer:
 * sync, async, one-way, batch, selector (ordered), compressed bodies; tags,
 * keys and user properties arrive unchanged; offsets reach the broker and a
 * restarted group resumes after them.
 */
#include "client_fixture.h"

#include "common/clock.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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

static rj_push_consumer_t *
start_consumer(const char *group, const char *topic, const char *expr, rj_consume_cb cb, void *arg)
{
    rj_push_consumer_t *c;
    assert_int_equal(rj_push_consumer_create(group, &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, topic, expr), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, cb, arg), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    return c;
}

static atomic_int async_ok, async_failed;

static void
on_sent(int status, const rj_send_result_t *r, void *arg)
{
    (void)r;
    (void)arg;
    atomic_fetch_add(status == RJ_OK ? &async_ok : &async_failed, 1);
}

static bool
async_all_done(void *arg)
{
    return atomic_load(&async_ok) + atomic_load(&async_failed) >= *(int *)arg;
}

static int
select_by_key(const rj_message_queue_t *queues, size_t count, const rj_message_t *msg, void *arg)
{
    (void)queues;
    (void)msg;
    return *(int *)arg % (int)count;
}

typedef struct {
    it_seen_t seen;
    pthread_mutex_t lock;
    bool big_ok;
    int64_t last_offset[8];
    bool ordered_ok;
} send_check_t;

static rj_consume_status_t
check_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    send_check_t *sc = arg;
    for (size_t i = 0; i < count; i++) {
        size_t len;
        const char *body = rj_message_body(msgs[i], &len);
        int n = it_msg_number(msgs[i]);
        if (n == 9999) {
            bool ok = len == 20000;
            for (size_t k = 12; ok && k < len; k++) {
                ok = body[k] == (char)('a' + k % 26);
            }
            pthread_mutex_lock(&sc->lock);
            sc->big_ok = ok;
            pthread_mutex_unlock(&sc->lock);
        }
        it_seen_add(&sc->seen, msgs[i]);
    }
    (void)ctx;
    return RJ_CONSUME_SUCCESS;
}

static void
test_every_send_mode_is_consumed_exactly_once(void **state)
{
    send_check_t sc;
    rj_producer_t *p;
    rj_message_t *m;
    char body[32];
    int n = 0;

    it_seen_init(&sc.seen);
    pthread_mutex_init(&sc.lock, NULL);
    sc.big_ok = false;
    it_create_topic(&cluster, "IT_Modes", 4);
    rj_push_consumer_t *c = start_consumer("it_modes", "IT_Modes", "*", check_listener, &sc);
    assert_int_equal(rj_producer_create("it_modes_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_Modes", &m), RJ_OK);
    for (int i = 0; i < 50; i++, n++) { /* sync */
        snprintf(body, sizeof(body), "msg #%d", n);
        rj_message_set_body(m, body, strlen(body));
        rj_send_result_t *r;
        assert_int_equal(rj_producer_send(p, m, &r), RJ_OK);
        assert_int_equal(rj_send_result_status(r), RJ_SEND_OK);
        assert_string_equal(rj_send_result_broker_name(r), "broker-a");
        rj_send_result_destroy(r);
    }
    for (int i = 0; i < 50; i++, n++) { /* async */
        snprintf(body, sizeof(body), "msg #%d", n);
        rj_message_set_body(m, body, strlen(body));
        assert_int_equal(rj_producer_send_async(p, m, on_sent, NULL), RJ_OK);
    }
    int want = 50;
    assert_true(rj_wait_until(async_all_done, &want, 10000));
    assert_int_equal(atomic_load(&async_ok), 50);
    for (int i = 0; i < 50; i++, n++) { /* one-way */
        snprintf(body, sizeof(body), "msg #%d", n);
        rj_message_set_body(m, body, strlen(body));
        assert_int_equal(rj_producer_send_oneway(p, m), RJ_OK);
    }
    for (int b = 0; b < 5; b++) { /* batches of 10 */
        rj_message_t *ms[10];
        for (int i = 0; i < 10; i++, n++) {
            assert_int_equal(rj_message_create("IT_Modes", &ms[i]), RJ_OK);
            snprintf(body, sizeof(body), "msg #%d", n);
            rj_message_set_body(ms[i], body, strlen(body));
        }
        rj_send_result_t *r;
        assert_int_equal(rj_producer_send_batch(p, (const rj_message_t *const *)ms, 10, &r), RJ_OK);
        assert_int_equal(strlen(rj_send_result_msg_id(r)), 10 * 33 - 1);
        rj_send_result_destroy(r);
        for (int i = 0; i < 10; i++) {
            rj_message_destroy(ms[i]);
        }
    }
    for (int i = 0; i < 50; i++, n++) { /* selector */
        int key = i % 3;
        snprintf(body, sizeof(body), "msg #%d", n);
        rj_message_set_body(m, body, strlen(body));
        rj_send_result_t *r;
        assert_int_equal(rj_producer_send_select(p, m, select_by_key, &key, &r), RJ_OK);
        assert_int_equal(rj_send_result_queue_id(r), key);
        rj_send_result_destroy(r);
    }
    /* A large body, compressed on the way, arrives inflated. */
    char big[20000];
    snprintf(big, sizeof(big), "msg #9999 ");
    for (size_t k = 12; k < sizeof(big); k++) {
        big[k] = (char)('a' + k % 26);
    }
    rj_message_set_body(m, big, sizeof(big));
    assert_int_equal(rj_producer_send(p, m, NULL), RJ_OK);
    assert_true(it_seen_wait(&sc.seen, n + 1, 20000));
    rj_clock_sleep_ms(300);
    assert_int_equal(sc.seen.count, n + 1); /* nothing twice */
    pthread_mutex_lock(&sc.lock);
    assert_true(sc.big_ok);
    pthread_mutex_unlock(&sc.lock);
    rj_message_destroy(m);
    rj_producer_destroy(p);
    rj_push_consumer_destroy(c);
}

typedef struct {
    pthread_mutex_t lock;
    char msg_id[64];
    char keys[64];
    char tags[64];
    char color[64];
    int flag;
    bool got;
} props_seen_t;

static rj_consume_status_t
props_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    props_seen_t *ps = arg;
    (void)ctx;
    pthread_mutex_lock(&ps->lock);
    for (size_t i = 0; i < count; i++) {
        const char *v;
        snprintf(ps->msg_id, sizeof(ps->msg_id), "%s", rj_message_msg_id(msgs[i]));
        v = rj_message_keys(msgs[i]);
        snprintf(ps->keys, sizeof(ps->keys), "%s", v != NULL ? v : "");
        v = rj_message_tags(msgs[i]);
        snprintf(ps->tags, sizeof(ps->tags), "%s", v != NULL ? v : "");
        v = rj_message_property(msgs[i], "color");
        snprintf(ps->color, sizeof(ps->color), "%s", v != NULL ? v : "");
        ps->flag = rj_message_flag(msgs[i]);
        ps->got = true;
    }
    pthread_mutex_unlock(&ps->lock);
    return RJ_CONSUME_SUCCESS;
}

static bool
props_got(void *arg)
{
    props_seen_t *ps = arg;
    pthread_mutex_lock(&ps->lock);
    bool got = ps->got;
    pthread_mutex_unlock(&ps->lock);
    return got;
}

static void
test_keys_tags_properties_and_ids_arrive_unchanged(void **state)
{
    props_seen_t ps = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rj_producer_t *p;
    rj_message_t *m;
    rj_send_result_t *r;

    it_create_topic(&cluster, "IT_Props", 2);
    rj_push_consumer_t *c = start_consumer("it_props", "IT_Props", "TagP", props_listener, &ps);
    assert_int_equal(rj_producer_create("it_props_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_Props", &m), RJ_OK);
    rj_message_set_body(m, "msg #1", 6);
    rj_message_set_tags(m, "TagP");
    rj_message_set_keys(m, "order-1 order-2");
    rj_message_set_property(m, "color", "blue");
    rj_message_set_flag(m, 77);
    assert_int_equal(rj_producer_send(p, m, &r), RJ_OK);
    assert_true(rj_wait_until(props_got, &ps, 10000));
    assert_string_equal(ps.msg_id, rj_send_result_msg_id(r));
    assert_string_equal(ps.keys, "order-1 order-2");
    assert_string_equal(ps.tags, "TagP");
    assert_string_equal(ps.color, "blue");
    assert_int_equal(ps.flag, 77);
    rj_send_result_destroy(r);
    rj_message_destroy(m);
    rj_producer_destroy(p);
    rj_push_consumer_destroy(c);
}

static void
test_tag_filter_and_offsets_survive_a_restart(void **state)
{
    it_seen_t s;
    it_seen_init(&s);
    it_create_topic(&cluster, "IT_Tags", 4);
    /* Filtered messages first, so the committed offsets end after all 80. */
    it_produce(&cluster, "IT_Tags", 0, 40, "TagB");
    it_produce(&cluster, "IT_Tags", 40, 40, "TagA");
    rj_push_consumer_t *c = start_consumer("it_tags", "IT_Tags", "TagA", it_record_listener, &s);
    assert_true(it_seen_wait(&s, 40, 15000));
    rj_clock_sleep_ms(300);
    assert_int_equal(s.distinct, 40);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(s.seen[i], 0);
    }
    assert_int_equal(rj_push_consumer_shutdown(c), RJ_OK);
    rj_push_consumer_destroy(c);

    /* Offsets are at the broker: a new member of the group starts after them. */
    rj_admin_t *a;
    rj_message_queue_t *qs;
    size_t n;
    int64_t total = 0;
    assert_int_equal(rj_admin_create(it_namesrv(&cluster), &a), RJ_OK);
    assert_int_equal(rj_admin_topic_queues(a, "IT_Tags", &qs, &n), RJ_OK);
    for (size_t i = 0; i < n; i++) {
        int64_t off;
        assert_int_equal(rj_admin_consumer_offset(a, "it_tags", &qs[i], &off), RJ_OK);
        total += off;
    }
    assert_int_equal(total, 80); /* filtered messages are passed over too */
    rj_message_queues_free(qs);
    rj_admin_destroy(a);
    it_seen_t s2;
    it_seen_init(&s2);
    it_produce(&cluster, "IT_Tags", 80, 10, "TagA");
    c = start_consumer("it_tags", "IT_Tags", "TagA", it_record_listener, &s2);
    assert_true(it_seen_wait(&s2, 10, 15000));
    rj_clock_sleep_ms(300);
    assert_int_equal(s2.count, 10);
    rj_push_consumer_destroy(c);
}

/* An SQL92 subscription is checked at start (CHECK_CLIENT_CONFIG); a broker without property
 * filtering makes the start fail with its reason. */
static void
test_sql92_subscription_checked_at_start(void **state)
{
    rj_push_consumer_t *c;
    it_seen_t s;

    it_seen_init(&s);
    it_create_topic(&cluster, "IT_Sql", 2);
    assert_int_equal(rj_push_consumer_create("it_sql", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe_sql(c, "IT_Sql", "a > 5"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, it_record_listener, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_EREMOTE);
    assert_non_null(strstr(rj_last_error(), "SQL92"));
    assert_non_null(strstr(rj_last_error(), "does not support"));
    assert_int_equal(rj_push_consumer_start(c), RJ_ESTATE);
    rj_push_consumer_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_send_mode_is_consumed_exactly_once),
        cmocka_unit_test(test_keys_tags_properties_and_ids_arrive_unchanged),
        cmocka_unit_test(test_tag_filter_and_offsets_survive_a_restart),
        cmocka_unit_test(test_sql92_subscription_checked_at_start),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
