/* Producer against the fake cluster: every send mode, retries, faults, bad input. */
#include "fake_cluster.h"

#include "client/pull_batch.h"
#include "common/message_record.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/message_properties.h"
#include "ramjet/ramjet.h"
#include "support/wait.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

typedef struct {
    fake_cluster_t *fc;
    rj_producer_t *p;
} fixture_t;

static int
setup_n(void **state, int brokers)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    assert_int_equal(fake_cluster_start(brokers, &f->fc), 0);
    fake_cluster_add_topic(f->fc, "TopicTest", 4);
    assert_int_equal(rj_producer_create("pg", &f->p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(f->p, fake_cluster_namesrv(f->fc)), RJ_OK);
    *state = f;
    return 0;
}

static int
setup1(void **state)
{
    return setup_n(state, 1);
}

static int
setup2(void **state)
{
    return setup_n(state, 2);
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_producer_destroy(f->p);
    fake_cluster_destroy(f->fc);
    rj_free(f);
    return 0;
}

static rj_message_t *
make_msg(const char *topic, const char *body)
{
    rj_message_t *m;
    assert_int_equal(rj_message_create(topic, &m), RJ_OK);
    assert_int_equal(rj_message_set_body(m, body, strlen(body)), RJ_OK);
    return m;
}

static bool
prop_is(const char *props, const char *key, const char *want)
{
    rj_bytes_t v;
    return rj_message_properties_get(rj_bytes_from_cstr(props), key, &v) &&
           (want == NULL || rj_bytes_eq_cstr(v, want));
}

static void
test_sync_send_stores_message_with_java_header(void **state)
{
    fixture_t *f = *state;
    rj_send_result_t *r;
    rj_message_t *m = make_msg("TopicTest", "Hello RocketMQ");

    assert_int_equal(rj_message_set_tags(m, "TagA"), RJ_OK);
    assert_int_equal(rj_message_set_keys(m, "k1 k2"), RJ_OK);
    assert_int_equal(rj_message_set_property(m, "color", "red"), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, &r), RJ_OK);
    assert_int_equal(rj_send_result_status(r), RJ_SEND_OK);
    assert_int_equal(strlen(rj_send_result_msg_id(r)), 32);
    assert_int_equal(strlen(rj_send_result_offset_msg_id(r)), 32);
    assert_string_equal(rj_send_result_broker_name(r), "broker-0");
    assert_string_equal(rj_send_result_topic(r), "TopicTest");
    assert_int_equal(rj_send_result_queue_offset(r), 0);

    fake_msg_t fm;
    assert_true(fake_cluster_get(f->fc, "TopicTest", 0, &fm));
    assert_int_equal(fm.queue_id, rj_send_result_queue_id(r));
    assert_memory_equal(fm.body.data, "Hello RocketMQ", 14);
    assert_true(prop_is(fm.props, "UNIQ_KEY", rj_send_result_msg_id(r)));
    assert_true(prop_is(fm.props, "TAGS", "TagA"));
    assert_true(prop_is(fm.props, "KEYS", "k1 k2"));
    assert_true(prop_is(fm.props, "WAIT", "true"));
    assert_true(prop_is(fm.props, "color", "red"));
    assert_int_equal(fm.sys_flag, 0);
    fake_msg_cleanup(&fm);

    char *a = fake_cluster_last_ext(f->fc, 310, "a");
    char *c = fake_cluster_last_ext(f->fc, 310, "c");
    char *d = fake_cluster_last_ext(f->fc, 310, "d");
    char *k = fake_cluster_last_ext(f->fc, 310, "k");
    char *n = fake_cluster_last_ext(f->fc, 310, "n");
    assert_string_equal(a, "pg");
    assert_string_equal(c, "TBW102");
    assert_string_equal(d, "4");
    assert_string_equal(k, "false");
    assert_string_equal(n, "broker-0");
    rj_free(a);
    rj_free(c);
    rj_free(d);
    rj_free(k);
    rj_free(n);
    rj_send_result_destroy(r);
    rj_message_destroy(m);
}

static void
test_round_robin_covers_all_queues_of_all_brokers(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "x");
    int seen[2][4] = {{0}};

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    for (int i = 0; i < 16; i++) {
        rj_send_result_t *r;
        assert_int_equal(rj_producer_send(f->p, m, &r), RJ_OK);
        int b = strcmp(rj_send_result_broker_name(r), "broker-1") == 0;
        seen[b][rj_send_result_queue_id(r)]++;
        rj_send_result_destroy(r);
    }
    for (int b = 0; b < 2; b++) {
        for (int q = 0; q < 4; q++) {
            assert_int_equal(seen[b][q], 2);
        }
    }
    rj_message_destroy(m);
}

static void
test_large_body_is_zlib_compressed_like_java(void **state)
{
    fixture_t *f = *state;
    char body[5000];
    rj_message_t *m;

    memset(body, 'v', sizeof(body));
    assert_int_equal(rj_message_create("TopicTest", &m), RJ_OK);
    assert_int_equal(rj_message_set_body(m, body, sizeof(body)), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_OK);
    fake_msg_t fm;
    assert_true(fake_cluster_get(f->fc, "TopicTest", 0, &fm));
    assert_int_equal(fm.sys_flag, 0x301);
    assert_int_equal(fm.body.data[0], 0x78);
    assert_int_equal(fm.body.data[1], 0x5E); /* zlib level 5, as Java */
    uint8_t *out;
    size_t out_len;
    assert_int_equal(rj_zlib_inflate(fm.body.data, fm.body.len, 1 << 20, &out, &out_len), RJ_OK);
    assert_int_equal(out_len, sizeof(body));
    assert_memory_equal(out, body, sizeof(body));
    rj_free(out);
    fake_msg_cleanup(&fm);
    /* 4095 bytes: below the threshold. */
    assert_int_equal(rj_message_set_body(m, body, 4095), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_OK);
    assert_true(fake_cluster_get(f->fc, "TopicTest", 1, &fm));
    assert_int_equal(fm.sys_flag, 0);
    fake_msg_cleanup(&fm);
    rj_message_destroy(m);
}

static void
test_retryable_code_moves_to_another_broker(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "retry me");
    rj_send_result_t *r;

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    fake_cluster_fail_sends(f->fc, -1, 1, 14 /* SERVICE_NOT_AVAILABLE */);
    assert_int_equal(rj_producer_send(f->p, m, &r), RJ_OK);
    assert_int_equal(fake_cluster_requests(f->fc, 310), 2);
    assert_int_equal(fake_cluster_count(f->fc, "TopicTest"), 1);
    rj_send_result_destroy(r);

    /* Every attempt fails: 3 tries, then an honest error. */
    fake_cluster_fail_sends(f->fc, -1, 3, 1 /* SYSTEM_ERROR */);
    assert_int_equal(rj_producer_send(f->p, m, &r), RJ_EREMOTE);
    assert_null(r);
    assert_non_null(strstr(rj_last_error(), "Send [3] times, still failed"));
    assert_non_null(strstr(rj_last_error(), "SYSTEM_ERROR"));
    assert_int_equal(fake_cluster_requests(f->fc, 310), 5);
    rj_message_destroy(m);
}

static void
test_non_retryable_code_fails_at_once(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "busy");

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    fake_cluster_fail_sends(f->fc, -1, 1, 2 /* SYSTEM_BUSY */);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_EREMOTE);
    assert_non_null(strstr(rj_last_error(), "SYSTEM_BUSY(2)"));
    assert_int_equal(fake_cluster_requests(f->fc, 310), 1);
    rj_message_destroy(m);
}

static void
test_send_into_reuses_a_caller_owned_result(void **state)
{
    fixture_t *f = *state;
    rj_send_result_t *r = NULL;
    rj_message_t *m = make_msg("TopicTest", "into");
    char prev_id[64] = "";

    assert_int_equal(rj_send_result_create(&r), RJ_OK);
    assert_string_equal(rj_send_result_msg_id(r), "");
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(rj_producer_send_into(f->p, m, r), RJ_OK);
        assert_int_equal(rj_send_result_status(r), RJ_SEND_OK);
        assert_int_equal(strlen(rj_send_result_msg_id(r)), 32);
        assert_string_not_equal(rj_send_result_msg_id(r), prev_id);
        snprintf(prev_id, sizeof(prev_id), "%s", rj_send_result_msg_id(r));
        assert_string_equal(rj_send_result_topic(r), "TopicTest");
        assert_int_equal(rj_send_result_queue_offset(r), i / 4); /* 4 queues in turn */
        assert_string_equal(rj_send_result_error(r), "");
    }
    /* A failure replaces the contents: only the code and the error text remain. */
    fake_cluster_fail_sends(f->fc, -1, 1, 2 /* SYSTEM_BUSY */);
    assert_int_equal(rj_producer_send_into(f->p, m, r), RJ_EREMOTE);
    assert_int_equal(rj_send_result_response_code(r), 2);
    assert_non_null(strstr(rj_send_result_error(r), "SYSTEM_BUSY(2)"));
    assert_string_equal(rj_send_result_msg_id(r), "");
    /* And the next success is complete again. */
    assert_int_equal(rj_producer_send_into(f->p, m, r), RJ_OK);
    assert_int_equal(strlen(rj_send_result_msg_id(r)), 32);
    assert_string_equal(rj_send_result_error(r), "");
    assert_int_equal(rj_producer_send_into(f->p, m, NULL), RJ_EINVAL);
    assert_int_equal(rj_send_result_create(NULL), RJ_EINVAL);
    rj_send_result_destroy(r);
    rj_message_destroy(m);
}

static void
test_silent_broker_times_out(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "slow");

    assert_int_equal(rj_producer_set_send_timeout(f->p, 300), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    int wrc = rj_producer_send(f->p, m, NULL); /* route + connection warm */
    if (wrc != RJ_OK) {
        fprintf(stderr, "warm send: %s\n", rj_last_error());
    }
    assert_int_equal(wrc, RJ_OK);
    fake_cluster_fail_sends(f->fc, -1, 1, -1);
    int64_t t0 = rj_clock_mono_ms();
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_ETIMEDOUT);
    assert_true(rj_clock_mono_ms() - t0 < 2000);
    rj_message_destroy(m);
}

static void
test_dead_broker_fails_over_to_the_other(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "failover");

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_OK);
    fake_cluster_stop_broker(f->fc, 0);
    for (int i = 0; i < 20; i++) {
        rj_send_result_t *r;
        assert_int_equal(rj_producer_send(f->p, m, &r), RJ_OK);
        assert_string_equal(rj_send_result_broker_name(r), "broker-1");
        rj_send_result_destroy(r);
    }
    rj_message_destroy(m);
}

typedef struct {
    pthread_mutex_t lock;
    int ok, failed;
    int last_status;
    char last_error[256];
} async_count_t;

static void
on_sent(int status, const rj_send_result_t *r, void *arg)
{
    async_count_t *c = arg;
    pthread_mutex_lock(&c->lock);
    if (status == RJ_OK) {
        c->ok++;
    } else {
        c->failed++;
        c->last_status = status;
        snprintf(c->last_error, sizeof(c->last_error), "%s", rj_send_result_error(r));
    }
    pthread_mutex_unlock(&c->lock);
}

static bool
async_done(void *arg)
{
    async_count_t *c = arg;
    pthread_mutex_lock(&c->lock);
    bool done = c->ok + c->failed >= 1000;
    pthread_mutex_unlock(&c->lock);
    return done;
}

static void
test_async_sends_all_complete(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "async");
    async_count_t c = {.lock = PTHREAD_MUTEX_INITIALIZER};

    assert_int_equal(rj_producer_set_max_inflight_async(f->p, 64), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(rj_producer_send_async(f->p, m, on_sent, &c), RJ_OK);
    }
    assert_true(rj_wait_until(async_done, &c, 10000));
    assert_int_equal(c.ok, 1000);
    assert_int_equal(fake_cluster_count(f->fc, "TopicTest"), 1000);
    rj_message_destroy(m);
}

static void
test_async_retries_on_dead_broker_and_reports_failures(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "async failover");
    async_count_t c = {.lock = PTHREAD_MUTEX_INITIALIZER};

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_OK);
    fake_cluster_stop_broker(f->fc, 0);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(rj_producer_send_async(f->p, m, on_sent, &c), RJ_OK);
    }
    assert_true(rj_wait_until(async_done, &c, 20000));
    assert_int_equal(c.ok, 1000);
    /* Both brokers gone: every callback reports the failure. */
    fake_cluster_stop_broker(f->fc, 1);
    c.ok = 0;
    assert_int_equal(rj_producer_send_async(f->p, m, on_sent, &c), RJ_OK);
    c.ok = 999;
    assert_true(rj_wait_until(async_done, &c, 20000));
    assert_int_equal(c.failed, 1);
    assert_true(c.last_status < 0);
    assert_non_null(strstr(c.last_error, "failed"));
    rj_message_destroy(m);
}

static bool
ten_stored(void *arg)
{
    return fake_cluster_count(arg, "TopicTest") >= 10;
}

static void
test_oneway_sends_arrive(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "oneway");

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(rj_producer_send_oneway(f->p, m), RJ_OK);
    }
    assert_true(rj_wait_until(ten_stored, f->fc, 5000));
    rj_message_destroy(m);
}

static bool
two_hundred_stored(void *arg)
{
    return fake_cluster_count(arg, "TopicTest") >= 200;
}

static void
test_oneway_permits_come_back_once_written(void **state)
{
    fixture_t *f = *state;
    char body[64];
    rj_message_t *m = make_msg("TopicTest", "x");

    /* One permit: each send waits for the previous body to be written, never for long. */
    assert_int_equal(rj_producer_set_max_inflight_oneway(f->p, 1), RJ_OK);
    assert_int_equal(rj_producer_set_send_timeout(f->p, 2000), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_set_max_inflight_oneway(f->p, 5), RJ_ESTATE);
    int64_t t0 = rj_clock_mono_ms();
    for (int i = 0; i < 200; i++) {
        int n = snprintf(body, sizeof(body), "oneway-%03d", i);
        assert_int_equal(rj_message_set_body(m, body, (size_t)n), RJ_OK);
        assert_int_equal(rj_producer_send_oneway(f->p, m), RJ_OK);
    }
    assert_true(rj_clock_mono_ms() - t0 < 10000);
    assert_true(rj_wait_until(two_hundred_stored, f->fc, 5000));
    /* One connection, in order: every body arrived as it was at its call. */
    for (size_t i = 0; i < 200; i++) {
        fake_msg_t fm;
        int n = snprintf(body, sizeof(body), "oneway-%03zu", i);
        assert_true(fake_cluster_get(f->fc, "TopicTest", i, &fm));
        assert_int_equal(fm.body.len, (size_t)n);
        assert_memory_equal(fm.body.data, body, (size_t)n);
        fake_msg_cleanup(&fm);
    }
    rj_message_destroy(m);
}

static void
test_async_body_is_taken_at_the_call(void **state)
{
    fixture_t *f = *state;
    char body[64];
    rj_message_t *m = make_msg("TopicTest", "x");
    async_count_t c = {.lock = PTHREAD_MUTEX_INITIALIZER};

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(body, sizeof(body), "async-%04d", i);
        assert_int_equal(rj_message_set_body(m, body, (size_t)n), RJ_OK);
        assert_int_equal(rj_producer_send_async(f->p, m, on_sent, &c), RJ_OK);
        /* The caller may change the message at once: the send keeps its own copy. */
        assert_int_equal(rj_message_set_body(m, "overwritten", 11), RJ_OK);
    }
    assert_true(rj_wait_until(async_done, &c, 10000));
    assert_int_equal(c.ok, 1000);
    bool seen[1000] = {false};
    for (size_t i = 0; i < 1000; i++) {
        fake_msg_t fm;
        int k = -1;
        assert_true(fake_cluster_get(f->fc, "TopicTest", i, &fm));
        assert_int_equal(fm.body.len, 10);
        assert_int_equal(sscanf((const char *)fm.body.data, "async-%4d", &k), 1);
        assert_true(k >= 0 && k < 1000 && !seen[k]);
        seen[k] = true;
        fake_msg_cleanup(&fm);
    }
    rj_message_destroy(m);
}

static void
test_batch_is_one_request_with_an_id_per_message(void **state)
{
    fixture_t *f = *state;
    rj_message_t *ms[3];
    rj_send_result_t *r;

    for (int i = 0; i < 3; i++) {
        char body[16];
        snprintf(body, sizeof(body), "batch %d", i);
        ms[i] = make_msg("TopicTest", body);
        rj_message_set_tags(ms[i], "TagB");
    }
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send_batch(f->p, (const rj_message_t *const *)ms, 3, &r), RJ_OK);
    assert_int_equal(fake_cluster_requests(f->fc, 320), 1);
    assert_int_equal(fake_cluster_count(f->fc, "TopicTest"), 3);
    const char *ids = rj_send_result_msg_id(r);
    assert_int_equal(strlen(ids), 3 * 32 + 2);
    const char *offs = rj_send_result_offset_msg_id(r);
    assert_int_equal(strlen(offs), 3 * 32 + 2);
    for (int i = 0; i < 3; i++) {
        fake_msg_t fm;
        char want[16];
        assert_true(fake_cluster_get(f->fc, "TopicTest", (size_t)i, &fm));
        snprintf(want, sizeof(want), "batch %d", i);
        assert_memory_equal(fm.body.data, want, strlen(want));
        assert_true(prop_is(fm.props, "TAGS", "TagB"));
        rj_bytes_t uk;
        assert_true(rj_message_properties_get(rj_bytes_from_cstr(fm.props), "UNIQ_KEY", &uk));
        assert_memory_equal(ids + i * 33, uk.data, 32);
        fake_msg_cleanup(&fm);
    }
    rj_send_result_destroy(r);
    /* Delayed messages cannot be batched. */
    rj_message_set_delay_level(ms[1], 2);
    assert_int_equal(rj_producer_send_batch(f->p, (const rj_message_t *const *)ms, 3, NULL),
                     RJ_EINVAL);
    for (int i = 0; i < 3; i++) {
        rj_message_destroy(ms[i]);
    }
}

static int
select_by_key(const rj_message_queue_t *queues, size_t count, const rj_message_t *msg, void *arg)
{
    (void)queues;
    return (int)(*(int *)arg % (int)count);
}

static void
test_selector_keeps_a_key_on_one_queue(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "ordered");
    int key = 6;

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    for (int i = 0; i < 5; i++) {
        rj_send_result_t *r;
        assert_int_equal(rj_producer_send_select(f->p, m, select_by_key, &key, &r), RJ_OK);
        assert_int_equal(rj_send_result_queue_id(r), 2);
        assert_string_equal(rj_send_result_broker_name(r), "broker-1");
        rj_send_result_destroy(r);
    }
    key = -1;
    assert_int_equal(rj_producer_send_select(f->p, m, select_by_key, &key, NULL), RJ_EINVAL);
    rj_message_queue_t *qs;
    size_t n;
    assert_int_equal(rj_producer_fetch_publish_queues(f->p, "TopicTest", &qs, &n), RJ_OK);
    assert_int_equal(n, 8);
    assert_int_equal(rj_producer_send_to_queue(f->p, m, &qs[5], NULL), RJ_OK);
    rj_message_queues_free(qs);
    rj_message_destroy(m);
}

static void
test_unknown_topic_uses_tbw102_route_when_broker_auto_creates(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("NewTopic", "auto");

    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_ENOROUTE);
    assert_non_null(strstr(rj_last_error(), "No route info of this topic: NewTopic"));
    fake_cluster_set_auto_create(f->fc, true);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_OK);
    assert_int_equal(fake_cluster_count(f->fc, "NewTopic"), 1);
    rj_message_destroy(m);
}

static void
test_namesrv_down_gives_a_clear_error(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "x");

    fake_cluster_stop_namesrv(f->fc);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_ENOROUTE);
    assert_non_null(strstr(rj_last_error(), "no name server reachable"));
    rj_message_destroy(m);
}

static void
test_invalid_arguments_never_crash(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "x");
    rj_message_t *empty;
    rj_producer_t *p2;

    assert_int_equal(rj_producer_create(NULL, &p2), RJ_EINVAL);
    assert_int_equal(rj_producer_create("bad group", &p2), RJ_EINVAL);
    assert_int_equal(rj_producer_create("g", NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_ESTATE); /* not started */
    assert_int_equal(rj_producer_set_namesrv_addr(NULL, "x"), RJ_EINVAL);
    assert_int_equal(rj_producer_set_namesrv_addr(f->p, NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_set_send_timeout(f->p, 0), RJ_EINVAL);
    assert_int_equal(rj_producer_set_compress_level(f->p, 10), RJ_EINVAL);
    assert_int_equal(rj_producer_set_instance_name(f->p, "a@b"), RJ_EINVAL);
    assert_int_equal(rj_producer_start(NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_ESTATE);
    assert_int_equal(rj_producer_set_retry_times(f->p, 1), RJ_ESTATE);
    assert_int_equal(rj_producer_send(NULL, m, NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_send(f->p, NULL, NULL), RJ_EINVAL);
    assert_int_equal(rj_message_create("TopicTest", &empty), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, empty, NULL), RJ_EINVAL);
    assert_int_equal(rj_message_set_body(empty, "", 0), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, empty, NULL), RJ_EINVAL);
    assert_int_equal(rj_message_set_topic(empty, "bad topic!"), RJ_OK);
    assert_int_equal(rj_message_set_body(empty, "x", 1), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, empty, NULL), RJ_EINVAL);
    assert_int_equal(rj_message_set_topic(empty, "SCHEDULE_TOPIC_XXXX"), RJ_OK);
    assert_int_equal(rj_producer_send_oneway(f->p, empty), RJ_EINVAL);
    assert_int_equal(rj_producer_send_async(f->p, m, NULL, NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_send_select(f->p, m, NULL, NULL, NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_send_batch(f->p, NULL, 3, NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_send_to_queue(f->p, m, NULL, NULL), RJ_EINVAL);
    rj_message_queue_t other = {"Other", "broker-0", 0};
    assert_int_equal(rj_producer_send_to_queue(f->p, m, &other, NULL), RJ_EINVAL);
    assert_int_equal(rj_producer_send_in_transaction(f->p, m, NULL, NULL), RJ_ESTATE);
    assert_int_equal(rj_producer_fetch_publish_queues(f->p, NULL, NULL, NULL), RJ_EINVAL);
    char big[64];
    memset(big, 'b', sizeof(big));
    assert_int_equal(rj_message_set_body(m, big, sizeof(big)), RJ_OK);
    rj_producer_shutdown(f->p);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_ESTATE);
    assert_int_equal(rj_producer_shutdown(f->p), RJ_OK);
    rj_producer_destroy(NULL);
    rj_send_result_destroy(NULL);
    assert_null(rj_send_result_msg_id(NULL));
    rj_message_destroy(empty);
    rj_message_destroy(m);
}

static bool
heartbeat_seen(void *arg)
{
    return fake_cluster_requests(arg, 34) > 0;
}

static void
test_heartbeat_and_unregister_reach_the_broker(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "hb");

    assert_int_equal(rj_producer_set_heartbeat_interval(f->p, 50), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_OK);
    assert_true(rj_wait_until(heartbeat_seen, f->fc, 5000));
    char *body = fake_cluster_last_body(f->fc, 34);
    assert_non_null(strstr(body, "\"producerDataSet\":[{\"groupName\":\"pg\"},"
                                 "{\"groupName\":\"CLIENT_INNER_PRODUCER\"}]"));
    assert_non_null(strstr(body, "\"clientID\":\""));
    assert_non_null(strstr(body, "\"consumerDataSet\":[]"));
    rj_free(body);
    assert_int_equal(rj_producer_shutdown(f->p), RJ_OK);
    assert_true(fake_cluster_requests(f->fc, 35) >= 1);
    char *cid = fake_cluster_last_ext(f->fc, 35, "clientID");
    char *pg = fake_cluster_last_ext(f->fc, 35, "producerGroup");
    assert_non_null(strchr(cid, '@'));
    assert_string_equal(pg, "pg");
    rj_free(cid);
    rj_free(pg);
    rj_message_destroy(m);
}

static rj_transaction_state_t
tx_execute(const rj_message_t *msg, const char *tx_id, void *exec_arg, void *arg)
{
    (void)msg;
    (void)arg;
    assert_int_equal(strlen(tx_id), 32);
    return *(rj_transaction_state_t *)exec_arg;
}

static atomic_int checks;

static rj_transaction_state_t
tx_check(const rj_message_t *msg, void *arg)
{
    (void)arg;
    assert_non_null(rj_message_transaction_id(msg));
    atomic_fetch_add(&checks, 1);
    return RJ_TRANSACTION_ROLLBACK;
}

static bool
end_tx_from_check(void *arg)
{
    char *v = fake_cluster_last_ext(arg, 37, "fromTransactionCheck");
    bool ok = v != NULL && strcmp(v, "true") == 0;
    rj_free(v);
    return ok;
}

static bool
end_tx_seen(void *arg)
{
    return fake_cluster_requests(arg, 37) > 0;
}

static void
test_transactional_send_commits_and_answers_checks(void **state)
{
    fixture_t *f = *state;
    rj_message_t *m = make_msg("TopicTest", "half");
    rj_send_result_t *r;
    rj_transaction_state_t commit = RJ_TRANSACTION_COMMIT;

    rj_message_set_delay_level(m, 3);
    assert_int_equal(rj_producer_set_transaction_listener(f->p, tx_execute, tx_check, NULL), RJ_OK);
    assert_int_equal(rj_producer_set_heartbeat_interval(f->p, 50), RJ_OK);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send_in_transaction(f->p, m, &commit, &r), RJ_OK);
    assert_int_equal(rj_send_result_transaction_state(r), RJ_TRANSACTION_COMMIT);
    assert_string_equal(rj_send_result_transaction_id(r), rj_send_result_msg_id(r));
    fake_msg_t fm;
    assert_true(fake_cluster_get(f->fc, "TopicTest", 0, &fm));
    assert_int_equal(fm.sys_flag & 0xC, 0x4); /* PREPARED */
    assert_true(prop_is(fm.props, "TRAN_MSG", "true"));
    assert_true(prop_is(fm.props, "PGROUP", "pg"));
    assert_false(prop_is(fm.props, "DELAY", NULL)); /* dropped for half messages */
    fake_msg_cleanup(&fm);
    assert_true(rj_wait_until(end_tx_seen, f->fc, 5000));
    char *cor = fake_cluster_last_ext(f->fc, 37, "commitOrRollback");
    char *mid = fake_cluster_last_ext(f->fc, 37, "msgId");
    char *off = fake_cluster_last_ext(f->fc, 37, "tranStateTableOffset");
    assert_string_equal(cor, "8");
    assert_string_equal(mid, rj_send_result_msg_id(r));
    assert_string_equal(off, "0");
    rj_free(cor);
    rj_free(mid);
    rj_free(off);
    rj_send_result_destroy(r);

    /* The broker asks about a half message: the check callback answers. */
    assert_true(rj_wait_until(heartbeat_seen, f->fc, 5000));
    fake_msg_t half;
    assert_true(fake_cluster_get(f->fc, "TopicTest", 0, &half));
    /* Re-encode the stored half message as the check body. */
    rj_message_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.magic = RJ_MSG_MAGIC_V1;
    rec.queue_offset = 7;
    rec.phy_offset = 1234;
    rec.sys_flag = 0x4;
    rec.born_host.family = 4;
    rec.store_host.family = 4;
    rec.body = rj_buf_view(&half.body);
    rec.topic = rj_bytes_from_cstr("TopicTest");
    rec.properties = rj_bytes_from_cstr(half.props);
    uint8_t buf[2048];
    int n = rj_message_record_encode(&rec, buf, sizeof(buf));
    assert_true(n > 0);
    const char *kv[] = {
        "tranStateTableOffset", "7", "commitLogOffset", "1234", "transactionId", "TXID", NULL};
    fake_msg_cleanup(&half);
    assert_int_equal(
        fake_cluster_call_client(f->fc, 0, "pg", NULL, 39, true, kv, buf, (size_t)n, NULL, NULL),
        0);
    assert_true(rj_wait_until(end_tx_from_check, f->fc, 5000));
    assert_int_equal(atomic_load(&checks), 1);
    cor = fake_cluster_last_ext(f->fc, 37, "commitOrRollback");
    off = fake_cluster_last_ext(f->fc, 37, "tranStateTableOffset");
    char *clo = fake_cluster_last_ext(f->fc, 37, "commitLogOffset");
    char *txid = fake_cluster_last_ext(f->fc, 37, "transactionId");
    assert_string_equal(cor, "12");
    assert_string_equal(off, "7");
    assert_string_equal(clo, "1234");
    assert_string_equal(txid, "TXID");
    rj_free(cor);
    rj_free(off);
    rj_free(clo);
    rj_free(txid);
    rj_message_destroy(m);
}

/* With no log callback the library writes nothing on stdout or stderr, failures included. */
static void
test_library_prints_nothing_by_default(void **state)
{
    fixture_t *f = *state;
    char path[] = "/tmp/rj-silent-XXXXXX";
    int fd = mkstemp(path);
    int saved_out = dup(1), saved_err = dup(2);
    rj_message_t *m = make_msg("TopicTest", "quiet");

    assert_true(fd >= 0);
    fflush(stdout);
    fflush(stderr);
    dup2(fd, 1);
    dup2(fd, 2);
    assert_int_equal(rj_producer_start(f->p), RJ_OK);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_OK);
    fake_cluster_fail_sends(f->fc, -1, 3, 1);
    assert_int_equal(rj_producer_send(f->p, m, NULL), RJ_EREMOTE); /* logs warnings internally */
    rj_message_t *none = make_msg("NoSuchTopic", "x");
    assert_int_equal(rj_producer_send(f->p, none, NULL), RJ_ENOROUTE);
    rj_producer_shutdown(f->p);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_size, 0);
    close(fd);
    unlink(path);
    rj_message_destroy(none);
    rj_message_destroy(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_send_stores_message_with_java_header, setup1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_round_robin_covers_all_queues_of_all_brokers, setup2,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_large_body_is_zlib_compressed_like_java, setup1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retryable_code_moves_to_another_broker, setup2,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_non_retryable_code_fails_at_once, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_send_into_reuses_a_caller_owned_result, setup1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_silent_broker_times_out, setup1, teardown),
        cmocka_unit_test_setup_teardown(test_dead_broker_fails_over_to_the_other, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_async_sends_all_complete, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_async_retries_on_dead_broker_and_reports_failures,
                                        setup2, teardown),
        cmocka_unit_test_setup_teardown(test_oneway_sends_arrive, setup1, teardown),
        cmocka_unit_test_setup_teardown(test_oneway_permits_come_back_once_written, setup1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_async_body_is_taken_at_the_call, setup1, teardown),
        cmocka_unit_test_setup_teardown(test_batch_is_one_request_with_an_id_per_message, setup1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_selector_keeps_a_key_on_one_queue, setup2, teardown),
        cmocka_unit_test_setup_teardown(
            test_unknown_topic_uses_tbw102_route_when_broker_auto_creates, setup1, teardown),
        cmocka_unit_test_setup_teardown(test_namesrv_down_gives_a_clear_error, setup1, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments_never_crash, setup1, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_and_unregister_reach_the_broker, setup1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_transactional_send_commits_and_answers_checks, setup1,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_library_prints_nothing_by_default, setup1, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
