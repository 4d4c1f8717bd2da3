/* Helpers of the client integration tests (see client_fixture.h). */
#include "client_fixture.h"

#include "common/clock.h"
#include "support/test_cluster.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Transactions are checked back within seconds. */
#define BROKER_EXTRA_CONF "transactionCheckInterval=1000\ntransactionTimeOut=1000\n"

void
it_cluster_start(it_cluster_t *c, int brokers)
{
    static const char *const names[IT_MAX_BROKERS] = {"broker-a", "broker-b"};

    memset(c, 0, sizeof(*c));
    assert_int_equal(rj_test_namesrv_start(&c->ns), 0);
    for (int i = 0; i < brokers && i < IT_MAX_BROKERS; i++) {
        assert_int_equal(rj_test_broker_start(c->ns, names[i], BROKER_EXTRA_CONF, &c->brokers[i]),
                         0);
        c->broker_count++;
    }
}

void
it_cluster_stop(it_cluster_t *c)
{
    int status;
    for (int i = 0; i < c->broker_count; i++) {
        if (c->brokers[i] != NULL && rj_daemon_is_running(c->brokers[i])) {
            rj_daemon_stop(c->brokers[i], 20000, &status);
        }
        rj_daemon_destroy(c->brokers[i]);
    }
    if (c->ns != NULL && !rj_daemon_is_external(c->ns) && rj_daemon_is_running(c->ns)) {
        rj_daemon_stop(c->ns, 10000, &status);
    }
    rj_daemon_destroy(c->ns);
    memset(c, 0, sizeof(*c));
}

const char *
it_namesrv(const it_cluster_t *c)
{
    return rj_daemon_addr(c->ns);
}

void
it_create_topic(const it_cluster_t *c, const char *topic, int queues)
{
    rj_admin_t *a;
    int rc = -1;

    assert_int_equal(rj_admin_create(it_namesrv(c), &a), RJ_OK);
    assert_int_equal(rj_admin_set_timeout(a, 10000), RJ_OK);
    /* Brokers register with the name server a moment after they start. */
    int64_t deadline = rj_clock_mono_ms() + 20000;
    while (rj_clock_mono_ms() < deadline) {
        rc = rj_admin_create_topic(a, NULL, topic, queues, false);
        if (rc == RJ_OK) {
            rj_message_queue_t *qs;
            size_t n;
            if (rj_admin_topic_queues(a, topic, &qs, &n) == RJ_OK) {
                rj_message_queues_free(qs);
                if (n == (size_t)(queues * c->broker_count)) {
                    break;
                }
            }
            rc = -1;
        }
        rj_clock_sleep_ms(100);
    }
    if (rc != RJ_OK) {
        fail_msg("cannot create topic %s: %s", topic, rj_last_error());
    }
    rj_admin_destroy(a);
}

void
it_produce(const it_cluster_t *c, const char *topic, int from, int n, const char *tag)
{
    rj_producer_t *p;
    rj_message_t *m;

    assert_int_equal(rj_producer_create("it_producer", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(c)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create(topic, &m), RJ_OK);
    for (int i = from; i < from + n; i++) {
        char body[32];
        snprintf(body, sizeof(body), "msg #%d", i);
        assert_int_equal(rj_message_set_body(m, body, strlen(body)), RJ_OK);
        if (tag != NULL) {
            assert_int_equal(rj_message_set_tags(m, tag), RJ_OK);
        }
        int rc = rj_producer_send(p, m, NULL);
        if (rc != RJ_OK) {
            fail_msg("send %d failed: %s", i, rj_last_error());
        }
    }
    rj_message_destroy(m);
    rj_producer_destroy(p);
}

void
it_seen_init(it_seen_t *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
}

int
it_msg_number(const rj_message_t *msg)
{
    size_t len;
    const char *b = rj_message_body(msg, &len);
    char text[32];

    if (b == NULL || len == 0) {
        return -1;
    }
    if (len >= sizeof(text)) {
        len = sizeof(text) - 1; /* large bodies start with their "msg #<n>" too */
    }
    memcpy(text, b, len);
    text[len] = '\0';
    const char *p = strstr(text, "#");
    return p != NULL ? atoi(p + 1) : -1;
}

void
it_seen_add(it_seen_t *s, const rj_message_t *msg)
{
    int n = it_msg_number(msg);

    pthread_mutex_lock(&s->lock);
    s->count++;
    if (n >= 0 && n < IT_MAX_SEEN && s->seen[n]++ == 0) {
        s->distinct++;
    }
    pthread_mutex_unlock(&s->lock);
}

int
it_seen_distinct(it_seen_t *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->distinct;
    pthread_mutex_unlock(&s->lock);
    return n;
}

typedef struct {
    it_seen_t *s;
    int want;
} seen_wait_t;

static bool
seen_enough(void *arg)
{
    seen_wait_t *w = arg;
    return it_seen_distinct(w->s) >= w->want;
}

bool
it_seen_wait(it_seen_t *s, int want, int timeout_ms)
{
    seen_wait_t w = {s, want};
    return rj_wait_until(seen_enough, &w, timeout_ms);
}

rj_consume_status_t
it_record_listener(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx,
                   void *arg)
{
    (void)ctx;
    for (size_t i = 0; i < count; i++) {
        it_seen_add(arg, msgs[i]);
    }
    return RJ_CONSUME_SUCCESS;
}

static void
log_to_stderr(int level, const char *line, size_t len, void *arg)
{
    (void)level;
    (void)arg;
    fprintf(stderr, "%.*s\n", (int)len, line);
}

void
it_log_from_env(void)
{
    const char *v = getenv("RJ_TEST_LOG");
    if (v != NULL) {
        rj_log_set_callback(log_to_stderr, atoi(v), NULL);
    }
}
