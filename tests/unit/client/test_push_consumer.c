/* Push consumer against the fake cluster: clustering, filters, retries, rebalance, orderly,
 * broadcasting, start positions, broker requests, bad input. */
#include "fake_cluster.h"

#include "client/push_consumer_internal.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "ramjet/ramjet.h"
#include "support/tempdir.h"
#include "support/wait.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_SEEN 4096

/* What a listener saw. */
typedef struct {
    pthread_mutex_t lock;
    int count;
    int distinct;
    int bodies[MAX_SEEN]; /* deliveries per message number */
    int reconsumed;       /* deliveries with reconsume_times > 0 */
    int fail_first;       /* RECONSUME_LATER for the first delivery of numbers < this */
    int64_t last_offset[2][16];
    bool out_of_order;
    int suspend_every; /* orderly: SUSPEND the first delivery of every n-th message */
    char topic_seen[128];
} seen_t;

static void
seen_init(seen_t *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    for (int b = 0; b < 2; b++) {
        for (int q = 0; q < 16; q++) {
            s->last_offset[b][q] = -1;
        }
    }
}

static int
body_number(const rj_message_t *m)
{
    size_t len;
    const char *b = rj_message_body(m, &len);
    char text[32];
    if (len >= sizeof(text)) {
        return -1;
    }
    memcpy(text, b, len);
    text[len] = '\0';
    const char *p = strchr(text, '#');
    return p != NULL ? atoi(p + 1) : -1;
}

static rj_consume_status_t
on_messages(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    seen_t *s = arg;
    rj_consume_status_t st = RJ_CONSUME_SUCCESS;

    assert_non_null(rj_consume_context_queue(ctx));
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < count; i++) {
        int n = body_number(msgs[i]);
        if (n < 0 || n >= MAX_SEEN) {
            continue;
        }
        snprintf(s->topic_seen, sizeof(s->topic_seen), "%s", rj_message_topic(msgs[i]));
        if (rj_message_reconsume_times(msgs[i]) > 0) {
            s->reconsumed++;
        }
        if (n < s->fail_first && rj_message_reconsume_times(msgs[i]) == 0) {
            st = RJ_CONSUME_RECONSUME_LATER;
            continue;
        }
        if (s->bodies[n]++ == 0) {
            s->distinct++;
        }
        s->count++;
    }
    pthread_mutex_unlock(&s->lock);
    return st;
}

static rj_consume_orderly_status_t
on_orderly(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    seen_t *s = arg;
    const rj_message_queue_t *mq = rj_consume_context_queue(ctx);
    int b = strcmp(mq->broker_name, "broker-1") == 0;

    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < count; i++) {
        int n = body_number(msgs[i]);
        if (s->suspend_every > 0 && n % s->suspend_every == 0 &&
            rj_message_reconsume_times(msgs[i]) == 0) {
            pthread_mutex_unlock(&s->lock);
            rj_consume_context_set_suspend_time(ctx, 50);
            return RJ_CONSUME_ORDERLY_SUSPEND;
        }
    }
    for (size_t i = 0; i < count; i++) {
        int n = body_number(msgs[i]);
        int64_t off = rj_message_queue_offset(msgs[i]);
        if (off != s->last_offset[b][mq->queue_id] + 1) {
            s->out_of_order = true;
        }
        s->last_offset[b][mq->queue_id] = off;
        if (rj_message_reconsume_times(msgs[i]) > 0) {
            s->reconsumed++;
        }
        if (n >= 0 && n < MAX_SEEN) {
            s->bodies[n]++;
        }
        s->count++;
    }
    pthread_mutex_unlock(&s->lock);
    return RJ_CONSUME_ORDERLY_SUCCESS;
}

typedef struct {
    seen_t *s;
    int want;
} wait_count_t;

static bool
distinct_reached(void *arg)
{
    wait_count_t *w = arg;
    pthread_mutex_lock(&w->s->lock);
    bool ok = w->s->distinct >= w->want;
    pthread_mutex_unlock(&w->s->lock);
    return ok;
}

static bool
count_reached(void *arg)
{
    wait_count_t *w = arg;
    pthread_mutex_lock(&w->s->lock);
    bool ok = w->s->count >= w->want;
    pthread_mutex_unlock(&w->s->lock);
    return ok;
}

static bool
wait_count(seen_t *s, int want, int timeout_ms)
{
    wait_count_t w = {s, want};
    return rj_wait_until(count_reached, &w, timeout_ms);
}

static void
produce(fake_cluster_t *fc, const char *topic, int from, int n, const char *tag)
{
    rj_producer_t *p;
    rj_message_t *m;

    assert_int_equal(rj_producer_create("pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, fake_cluster_namesrv(fc)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create(topic, &m), RJ_OK);
    for (int i = from; i < from + n; i++) {
        char body[32];
        snprintf(body, sizeof(body), "msg #%d", i);
        rj_message_set_body(m, body, strlen(body));
        if (tag != NULL) {
            rj_message_set_tags(m, tag);
        }
        assert_int_equal(rj_producer_send(p, m, NULL), RJ_OK);
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);
}

static int
by_number(const rj_message_queue_t *queues, size_t count, const rj_message_t *msg, void *arg)
{
    (void)queues;
    (void)msg;
    return *(int *)arg % (int)count;
}

static void
produce_ordered(fake_cluster_t *fc, const char *topic, int n)
{
    rj_producer_t *p;
    rj_message_t *m;

    assert_int_equal(rj_producer_create("pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, fake_cluster_namesrv(fc)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create(topic, &m), RJ_OK);
    for (int i = 0; i < n; i++) {
        char body[32];
        int key = i % 5;
        snprintf(body, sizeof(body), "msg #%d", i);
        rj_message_set_body(m, body, strlen(body));
        assert_int_equal(rj_producer_send_select(p, m, by_number, &key, NULL), RJ_OK);
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);
}

static rj_push_consumer_t *
make_consumer(fake_cluster_t *fc, const char *group, const char *topic, const char *expr, seen_t *s,
              bool orderly)
{
    rj_push_consumer_t *c;

    assert_int_equal(rj_push_consumer_create(group, &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, fake_cluster_namesrv(fc)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, topic, expr), RJ_OK);
    assert_int_equal(rj_push_consumer_set_persist_offset_interval(c, 100), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(c, 300), RJ_OK);
    assert_int_equal(rj_push_consumer_set_heartbeat_interval(c, 200), RJ_OK);
    if (orderly) {
        assert_int_equal(rj_push_consumer_set_orderly_listener(c, on_orderly, s), RJ_OK);
    } else {
        assert_int_equal(rj_push_consumer_set_listener(c, on_messages, s), RJ_OK);
    }
    return c;
}

typedef struct {
    fake_cluster_t *fc;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    assert_int_equal(fake_cluster_start(2, &f->fc), 0);
    fake_cluster_add_topic(f->fc, "TopicTest", 4);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    fake_cluster_destroy(f->fc);
    rj_free(f);
    return 0;
}

typedef struct {
    fake_cluster_t *fc;
    const char *group;
    int64_t want_total;
} offsets_wait_t;

static bool
offsets_committed(void *arg)
{
    offsets_wait_t *w = arg;
    int64_t total = 0;
    for (int b = 0; b < 2; b++) {
        for (int q = 0; q < 4; q++) {
            int64_t o = fake_cluster_consumer_offset(w->fc, w->group, "TopicTest", b, q);
            total += o > 0 ? o : 0;
        }
    }
    return total == w->want_total;
}

static void
test_clustering_consumes_each_message_once_and_commits_offsets(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    seen_init(&s);

    produce(f->fc, "TopicTest", 0, 100, "TagA");
    rj_push_consumer_t *c = make_consumer(f->fc, "cg1", "TopicTest", "*", &s, false);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(wait_count(&s, 100, 10000));
    for (int i = 0; i < 100; i++) {
        assert_int_equal(s.bodies[i], 1);
    }
    offsets_wait_t ow = {f->fc, "cg1", 100};
    assert_true(rj_wait_until(offsets_committed, &ow, 5000));
    /* More messages after start are consumed too (long polling wakes up). */
    produce(f->fc, "TopicTest", 100, 20, NULL);
    assert_true(wait_count(&s, 120, 10000));
    rj_message_queue_t *qs;
    size_t n;
    assert_int_equal(rj_push_consumer_assigned_queues(c, "TopicTest", &qs, &n), RJ_OK);
    assert_int_equal(n, 8);
    rj_message_queues_free(qs);
    assert_int_equal(rj_push_consumer_shutdown(c), RJ_OK);
    /* Shutdown committed everything and unregistered. */
    ow.want_total = 120;
    assert_true(offsets_committed(&ow));
    assert_int_equal(fake_cluster_consumer_count(f->fc, "cg1"), 0);
    rj_push_consumer_destroy(c);
}

static void
test_tag_expression_filters(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    seen_init(&s);

    produce(f->fc, "TopicTest", 0, 10, "TagA");
    produce(f->fc, "TopicTest", 10, 10, "TagB");
    produce(f->fc, "TopicTest", 20, 10, "TagC");
    rj_push_consumer_t *c = make_consumer(f->fc, "cg2", "TopicTest", "TagA || TagC", &s, false);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(wait_count(&s, 20, 10000));
    rj_clock_sleep_ms(200);
    assert_int_equal(s.count, 20);
    for (int i = 10; i < 20; i++) {
        assert_int_equal(s.bodies[i], 0);
    }
    rj_push_consumer_destroy(c);
}

static void
test_reconsume_later_redelivers_through_retry_topic(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    seen_init(&s);
    s.fail_first = 5;

    produce(f->fc, "TopicTest", 0, 10, NULL);
    rj_push_consumer_t *c = make_consumer(f->fc, "cg3", "TopicTest", "*", &s, false);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(wait_count(&s, 10, 15000));
    for (int i = 0; i < 10; i++) {
        assert_int_equal(s.bodies[i], 1);
    }
    assert_int_equal(s.reconsumed, 5);
    assert_string_equal(s.topic_seen, "TopicTest"); /* restored from RETRY_TOPIC */
    assert_int_equal(fake_cluster_count(f->fc, "%RETRY%cg3"), 5);
    assert_true(fake_cluster_requests(f->fc, 36) >= 5);
    rj_push_consumer_destroy(c);
}

typedef struct {
    rj_push_consumer_t **cs;
    int n;
    int want_total;
} owners_wait_t;

/* Every queue owned by exactly one of the consumers. */
static bool
queues_settled(void *arg)
{
    owners_wait_t *w = arg;
    int owners[2][4] = {{0}};
    int total = 0;
    for (int i = 0; i < w->n; i++) {
        rj_message_queue_t *qs;
        size_t n;
        if (rj_push_consumer_assigned_queues(w->cs[i], "TopicTest", &qs, &n) != RJ_OK) {
            return false;
        }
        for (size_t k = 0; k < n; k++) {
            owners[strcmp(qs[k].broker_name, "broker-1") == 0][qs[k].queue_id]++;
            total++;
        }
        rj_message_queues_free(qs);
    }
    for (int b = 0; b < 2; b++) {
        for (int q = 0; q < 4; q++) {
            if (owners[b][q] != 1) {
                return false;
            }
        }
    }
    return total == w->want_total;
}

static void
test_rebalance_when_a_third_consumer_joins_and_one_leaves(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    seen_init(&s);
    rj_push_consumer_t *cs[3];

    for (int i = 0; i < 2; i++) {
        cs[i] = make_consumer(f->fc, "cg4", "TopicTest", "*", &s, false);
        assert_int_equal(rj_push_consumer_start(cs[i]), RJ_OK);
    }
    owners_wait_t w = {cs, 2, 8};
    assert_true(rj_wait_until(queues_settled, &w, 10000));
    produce(f->fc, "TopicTest", 0, 200, NULL);
    cs[2] = make_consumer(f->fc, "cg4", "TopicTest", "*", &s, false);
    assert_int_equal(rj_push_consumer_start(cs[2]), RJ_OK);
    w.n = 3;
    assert_true(rj_wait_until(queues_settled, &w, 10000));
    produce(f->fc, "TopicTest", 200, 200, NULL);
    assert_int_equal(rj_push_consumer_shutdown(cs[0]), RJ_OK);
    w.cs = &cs[1];
    w.n = 2;
    assert_true(rj_wait_until(queues_settled, &w, 10000));
    produce(f->fc, "TopicTest", 400, 200, NULL);
    wait_count_t wd = {&s, 600};
    assert_true(rj_wait_until(distinct_reached, &wd, 20000));
    /* None lost; duplicates are allowed across a rebalance (at-least-once). */
    for (int i = 0; i < 600; i++) {
        assert_true(s.bodies[i] >= 1);
    }
    for (int i = 0; i < 3; i++) {
        rj_push_consumer_destroy(cs[i]);
    }
}

static void
test_orderly_keeps_queue_order_with_suspend_retries(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    seen_init(&s);
    s.suspend_every = 7;

    produce_ordered(f->fc, "TopicTest", 100);
    rj_push_consumer_t *c = make_consumer(f->fc, "cg5", "TopicTest", "*", &s, true);
    assert_int_equal(rj_push_consumer_set_consume_batch_size(c, 3), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(wait_count(&s, 100, 15000));
    assert_false(s.out_of_order);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(s.bodies[i], 1);
    }
    assert_true(s.reconsumed >= 14); /* each suspended message came back reconsumed */
    assert_true(fake_cluster_requests(f->fc, 41) >= 1);
    rj_push_consumer_destroy(c);
    assert_true(fake_cluster_requests(f->fc, 42) >= 1); /* locks released */
}

static void
test_broadcasting_delivers_to_every_member_and_keeps_offsets_locally(void **state)
{
    fixture_t *f = *state;
    seen_t s1, s2;
    char *dir;
    seen_init(&s1);
    seen_init(&s2);

    assert_int_equal(rj_tempdir_create("bcast", &dir), 0);
    produce(f->fc, "TopicTest", 0, 50, NULL);
    rj_push_consumer_t *c1 = make_consumer(f->fc, "cg6", "TopicTest", "*", &s1, false);
    rj_push_consumer_t *c2 = make_consumer(f->fc, "cg6", "TopicTest", "*", &s2, false);
    assert_int_equal(rj_push_consumer_set_message_model(c1, RJ_MESSAGE_MODEL_BROADCASTING), RJ_OK);
    assert_int_equal(rj_push_consumer_set_message_model(c2, RJ_MESSAGE_MODEL_BROADCASTING), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c1, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c2, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_instance_name(c1, "bc1"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_instance_name(c2, "bc2"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_offset_store_dir(c1, dir), RJ_OK);
    assert_int_equal(rj_push_consumer_set_offset_store_dir(c2, dir), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c1), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c2), RJ_OK);
    assert_true(wait_count(&s1, 50, 10000));
    assert_true(wait_count(&s2, 50, 10000));
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/cg6/offsets.json", dir, rj_push_consumer_client_id(c1));
    rj_push_consumer_destroy(c1);
    rj_push_consumer_destroy(c2);
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &text), 0);
    rj_buf_terminate(&text);
    assert_non_null(strstr((char *)text.data, "{\"offsetTable\":{{\"brokerName\":\"broker-"));
    assert_null(strstr((char *)text.data, "%RETRY%")); /* no retry topic when broadcasting */
    /* Nothing committed to the broker. */
    assert_int_equal(fake_cluster_consumer_offset(f->fc, "cg6", "TopicTest", 0, 0), -1);

    /* A restart with the same instance name resumes from the file: nothing old again. */
    seen_t s3;
    seen_init(&s3);
    rj_push_consumer_t *c3 = make_consumer(f->fc, "cg6", "TopicTest", "*", &s3, false);
    rj_push_consumer_set_message_model(c3, RJ_MESSAGE_MODEL_BROADCASTING);
    rj_push_consumer_set_consume_from(c3, RJ_CONSUME_FROM_FIRST_OFFSET, 0);
    rj_push_consumer_set_instance_name(c3, "bc1");
    rj_push_consumer_set_offset_store_dir(c3, dir);
    assert_int_equal(rj_push_consumer_start(c3), RJ_OK);
    produce(f->fc, "TopicTest", 50, 5, NULL);
    assert_true(wait_count(&s3, 5, 10000));
    rj_clock_sleep_ms(200);
    assert_int_equal(s3.count, 5);
    for (int i = 50; i < 55; i++) {
        assert_int_equal(s3.bodies[i], 1);
    }
    rj_push_consumer_destroy(c3);
    rj_buf_cleanup(&text);
    rj_tempdir_remove(dir);
}

static void
test_consume_from_last_offset_skips_old_messages(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    seen_init(&s);

    fake_cluster_set_offset_not_found(f->fc, true);
    produce(f->fc, "TopicTest", 0, 20, NULL);
    rj_push_consumer_t *c = make_consumer(f->fc, "cg7", "TopicTest", "*", &s, false);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    owners_wait_t w = {&c, 1, 8};
    assert_true(rj_wait_until(queues_settled, &w, 10000));
    produce(f->fc, "TopicTest", 20, 10, NULL);
    assert_true(wait_count(&s, 10, 10000));
    rj_clock_sleep_ms(200);
    assert_int_equal(s.count, 10);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(s.bodies[i], 0);
    }
    rj_push_consumer_destroy(c);

    seen_t s2;
    seen_init(&s2);
    c = make_consumer(f->fc, "cg8", "TopicTest", "*", &s2, false);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(wait_count(&s2, 30, 10000));
    rj_push_consumer_destroy(c);
}

static bool
consumer_registered(void *arg)
{
    return fake_cluster_consumer_count(arg, "cg9") == 1;
}

static void
test_broker_requests_running_info_and_consume_directly(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    seen_init(&s);

    produce(f->fc, "TopicTest", 0, 4, NULL);
    rj_push_consumer_t *c = make_consumer(f->fc, "cg9", "TopicTest", "*", &s, false);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_true(wait_count(&s, 4, 10000));
    assert_true(rj_wait_until(consumer_registered, f->fc, 5000));
    const char *kv[] = {"consumerGroup", "cg9", "clientId", rj_push_consumer_client_id(c), NULL};
    int32_t code = -1;
    char *body = NULL;
    int crc =
        fake_cluster_call_client(f->fc, 0, "cg9", NULL, 307, false, kv, NULL, 0, &code, &body);
    assert_int_equal(crc, 0);
    assert_int_equal(code, 0);
    assert_non_null(strstr(body, "\"mqTable\":{{\"brokerName\":\"broker-"));
    assert_non_null(strstr(body, "\"PROP_CONSUME_TYPE\":\"CONSUME_PASSIVELY\""));
    assert_non_null(strstr(body, "\"subscriptionSet\":["));
    rj_free(body);
    /* Unknown group: SYSTEM_ERROR. */
    const char *kv2[] = {"consumerGroup", "nope", NULL};
    assert_int_equal(
        fake_cluster_call_client(f->fc, 0, "cg9", NULL, 307, false, kv2, NULL, 0, &code, &body), 0);
    assert_int_equal(code, 1);
    rj_free(body);
    /* Reset the offsets of queue broker-0/0 .. 3 to 0 through RESET_CONSUMER_CLIENT_OFFSET. */
    int before = s.count;
    char reset[1024];
    snprintf(
        reset, sizeof(reset),
        "{\"offsetTable\":{{\"brokerName\":\"broker-0\",\"queueId\":0,\"topic\":\"TopicTest\"}:0,"
        "{\"brokerName\":\"broker-0\",\"queueId\":1,\"topic\":\"TopicTest\"}:0,"
        "{\"brokerName\":\"broker-0\",\"queueId\":2,\"topic\":\"TopicTest\"}:0,"
        "{\"brokerName\":\"broker-0\",\"queueId\":3,\"topic\":\"TopicTest\"}:0}}");
    const char *kv3[] = {"topic", "TopicTest", "group", "cg9", "timestamp",
                         "0",     "isForce",   "true",  NULL};
    assert_int_equal(fake_cluster_call_client(f->fc, 0, "cg9", NULL, 220, true, kv3, reset,
                                              strlen(reset), NULL, NULL),
                     0);
    int on_broker0 = 0;
    for (size_t i = 0; i < 4; i++) {
        fake_msg_t fm;
        assert_true(fake_cluster_get(f->fc, "TopicTest", i, &fm));
        on_broker0 += fm.broker == 0;
        fake_msg_cleanup(&fm);
    }
    /* Every message of broker-0 is delivered again, nothing else. */
    assert_true(wait_count(&s, before + on_broker0, 10000));
    rj_clock_sleep_ms(300);
    assert_int_equal(s.count, before + on_broker0);
    rj_push_consumer_destroy(c);
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    const rj_message_t *held;
    bool release;
    int calls;
} stuck_t;

static rj_consume_status_t
stuck_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    stuck_t *st = arg;
    (void)ctx;
    (void)count;
    pthread_mutex_lock(&st->lock);
    st->calls++;
    if (st->held == NULL) {
        st->held = msgs[0];
        pthread_cond_broadcast(&st->cond);
        while (!st->release) {
            pthread_cond_wait(&st->cond, &st->lock);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return RJ_CONSUME_SUCCESS;
}

/* A listener call stuck past the consume timeout: its message is sent back and the queue's
 * offset moves past it. */
static void
test_message_held_past_consume_timeout_is_sent_back(void **state)
{
    fixture_t *f = *state;
    stuck_t st = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    rj_push_consumer_t *c;

    fake_cluster_add_topic(f->fc, "OneQueue", 1);
    assert_int_equal(rj_push_consumer_create("cg11", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "OneQueue", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_timeout(c, 1), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_thread_count(c, 1), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, stuck_listener, &st), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    produce(f->fc, "OneQueue", 0, 1, NULL);
    pthread_mutex_lock(&st.lock);
    while (st.held == NULL) {
        pthread_cond_wait(&st.cond, &st.lock);
    }
    pthread_mutex_unlock(&st.lock);
    /* Pretend the call started two minutes ago. */
    rj_message_t *m = (rj_message_t *)st.held;
    atomic_store(&m->consume_start_ms, rj_clock_wall_ms() - 120000);
    rj_consume_clean_expired(c);
    assert_int_equal(fake_cluster_count(f->fc, "%RETRY%cg11"), 1);
    rj_message_queue_t mq = {"OneQueue", rj_message_broker_name(m), rj_message_queue_id(m)};
    rj_process_queue_t *pq = rj_rebalance_find(&c->rb, &mq);
    assert_non_null(pq);
    assert_int_equal(rj_pq_msg_count(pq), 0);
    assert_int_equal(rj_offset_store_read(c->offsets, &pq->mq, RJ_READ_FROM_MEMORY), 1);
    rj_pq_release(pq);
    pthread_mutex_lock(&st.lock);
    st.release = true;
    pthread_cond_broadcast(&st.cond);
    pthread_mutex_unlock(&st.lock);
    rj_push_consumer_destroy(c);
    assert_int_equal(rj_push_consumer_set_consume_timeout(NULL, 1), RJ_EINVAL);
}

/* A producer and a consumer share one client instance; the consumer goes away while its
 * long polls are parked at the broker, the producer keeps working. */
static void
test_consumer_destroyed_with_pulls_in_flight_on_a_shared_instance(void **state)
{
    fixture_t *f = *state;
    seen_t s;
    rj_producer_t *p;
    rj_message_t *m;

    seen_init(&s);
    assert_int_equal(rj_producer_create("shared_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_producer_set_instance_name(p, "shared"), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    rj_push_consumer_t *c = make_consumer(f->fc, "cg10", "TopicTest", "*", &s, false);
    assert_int_equal(rj_push_consumer_set_instance_name(c, "shared"), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_string_equal(strchr(rj_push_consumer_client_id(c), '@') + 1, "shared");
    owners_wait_t w = {&c, 1, 8};
    assert_true(rj_wait_until(queues_settled, &w, 10000));
    assert_int_equal(rj_message_create("TopicTest", &m), RJ_OK);
    rj_message_set_body(m, "msg #1", 6);
    assert_int_equal(rj_producer_send(p, m, NULL), RJ_OK);
    assert_true(wait_count(&s, 1, 10000));
    rj_clock_sleep_ms(100); /* the pulls are parked again */
    rj_push_consumer_destroy(c);
    /* The shared instance and its connections live on for the producer. */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(rj_producer_send(p, m, NULL), RJ_OK);
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);
}

static void
test_invalid_arguments_never_crash(void **state)
{
    fixture_t *f = *state;
    rj_push_consumer_t *c;
    seen_t s;
    seen_init(&s);

    assert_int_equal(rj_push_consumer_create(NULL, &c), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_create("bad/group", &c), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_create("g", NULL), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_create("g", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_EINVAL); /* no name server */
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, fake_cluster_namesrv(f->fc)), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_EINVAL); /* no listener */
    assert_int_equal(rj_push_consumer_set_listener(c, NULL, NULL), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_set_listener(c, on_messages, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_EINVAL); /* no subscription */
    assert_int_equal(rj_push_consumer_subscribe(c, NULL, "*"), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_subscribe(c, "bad topic", "*"), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_subscribe_sql(c, "T", ""), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_unsubscribe(c, "nope"), RJ_ENOTFOUND);
    assert_int_equal(rj_push_consumer_set_message_model(c, (rj_message_model_t)9), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_set_consume_from(c, (rj_consume_from_t)9, 0), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_set_allocate_strategy(c, (rj_allocate_strategy_t)9),
                     RJ_EINVAL);
    assert_int_equal(rj_push_consumer_set_consume_thread_count(c, 0), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_set_pull_batch_size(c, 2000), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_set_pull_threshold(c, 0, 1), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_set_instance_name(c, "a@b"), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_subscribe(c, "TopicTest", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_ESTATE);
    assert_int_equal(rj_push_consumer_subscribe(c, "Other", "*"), RJ_ESTATE);
    assert_int_equal(rj_push_consumer_set_pull_batch_size(c, 8), RJ_ESTATE);
    assert_int_equal(rj_push_consumer_assigned_queues(c, NULL, NULL, NULL), RJ_EINVAL);
    assert_null(rj_consume_context_queue(NULL));
    assert_int_equal(rj_consume_context_set_ack_index(NULL, 0), RJ_EINVAL);
    assert_int_equal(rj_push_consumer_shutdown(c), RJ_OK);
    assert_int_equal(rj_push_consumer_shutdown(c), RJ_OK);
    rj_message_queue_t *qs;
    size_t n;
    assert_int_equal(rj_push_consumer_assigned_queues(c, NULL, &qs, &n), RJ_ESTATE);
    rj_push_consumer_destroy(c);
    rj_push_consumer_destroy(NULL);
    assert_int_equal(rj_push_consumer_shutdown(NULL), RJ_EINVAL);
}

static void
log_to_stderr(int level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    fprintf(stderr, "%.*s\n", (int)len, line);
}

int
main(void)
{
    if (getenv("RJ_TEST_LOG") != NULL) {
        rj_log_set_callback(log_to_stderr, atoi(getenv("RJ_TEST_LOG")), NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_clustering_consumes_each_message_once_and_commits_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_expression_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconsume_later_redelivers_through_retry_topic, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rebalance_when_a_third_consumer_joins_and_one_leaves,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_orderly_keeps_queue_order_with_suspend_retries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_broadcasting_delivers_to_every_member_and_keeps_offsets_locally, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consume_from_last_offset_skips_old_messages, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_broker_requests_running_info_and_consume_directly,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_consumer_destroyed_with_pulls_in_flight_on_a_shared_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_held_past_consume_timeout_is_sent_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invalid_arguments_never_crash, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
