/*
 * Daemons and admin calls of the interop tests (see interop_cluster.h).
 * Brokers register with the name server every 10 s here (instead of 30 s) so
 * a route change shows up soon, and every delay level is 1 s so a message a
 * consumer sends back comes again within seconds; topics are created through the C client's
 * admin API, which sends UPDATE_AND_CREATE_TOPIC to every master.
 */
#include "interop_cluster.h"

#include "common/clock.h"
#include "ramjet/ramjet.h"
#include "support/test_cluster.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Every delay level 1 s. */
#define BROKER_EXTRA_CONF \
    "messageDelayLevel=1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s\n"

static const char *const broker_names[IT_INTEROP_MAX_BROKERS] = {"broker-a", "broker-b"};

void
it_interop_cluster_start(it_interop_cluster_t *c, int brokers)
{
    memset(c, 0, sizeof(*c));
    assert_true(brokers >= 1 && brokers <= IT_INTEROP_MAX_BROKERS);
    assert_int_equal(rj_test_namesrv_start(&c->ns), 0);
    for (int i = 0; i < brokers; i++) {
        assert_int_equal(
            rj_test_broker_start(c->ns, broker_names[i], BROKER_EXTRA_CONF, &c->brokers[i]), 0);
        c->broker_count++;
    }
}

int
it_interop_cluster_stop(it_interop_cluster_t *c)
{
    int status = 0, result = 0;
    for (int i = 0; i < c->broker_count; i++) {
        if (c->brokers[i] != NULL && rj_daemon_is_running(c->brokers[i])) {
            int rc = rj_daemon_stop(c->brokers[i], 20000, &status);
            if (rc != 0 || status != 0) {
                fprintf(stderr, "%s did not exit cleanly (rc %d, status %d)\n", broker_names[i], rc,
                        status);
                rj_daemon_dump_output(c->brokers[i], stderr, 0);
                result = -1;
            }
        }
        rj_daemon_destroy(c->brokers[i]);
    }
    if (c->ns != NULL && !rj_daemon_is_external(c->ns) && rj_daemon_is_running(c->ns)) {
        int rc = rj_daemon_stop(c->ns, 10000, &status);
        if (rc != 0 || status != 0) {
            fprintf(stderr, "mqnamesrv did not exit cleanly (rc %d, status %d)\n", rc, status);
            rj_daemon_dump_output(c->ns, stderr, 0);
            result = -1;
        }
    }
    rj_daemon_destroy(c->ns);
    memset(c, 0, sizeof(*c));
    return result;
}

const char *
it_interop_namesrv(const it_interop_cluster_t *c)
{
    return rj_daemon_addr(c->ns);
}

const char *
it_interop_broker_addr(const it_interop_cluster_t *c, int i)
{
    assert_true(i >= 0 && i < c->broker_count);
    return rj_daemon_addr(c->brokers[i]);
}

const char *
it_interop_broker_name(int i)
{
    assert_true(i >= 0 && i < IT_INTEROP_MAX_BROKERS);
    return broker_names[i];
}

static rj_admin_t *
admin_open(const it_interop_cluster_t *c)
{
    rj_admin_t *a;
    assert_int_equal(rj_admin_create(it_interop_namesrv(c), &a), RJ_OK);
    assert_int_equal(rj_admin_set_timeout(a, 10000), RJ_OK);
    return a;
}

void
it_interop_create_topic(const it_interop_cluster_t *c, const char *topic, int queues)
{
    rj_admin_t *a = admin_open(c);
    int rc = -1;

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
        rj_clock_sleep_ms(50);
    }
    if (rc != RJ_OK) {
        fail_msg("cannot create topic %s: %s", topic, rj_last_error());
    }
    rj_admin_destroy(a);
}

int64_t
it_interop_consumer_offset(const it_interop_cluster_t *c, const char *group, const char *topic,
                           const char *broker_name, int queue_id)
{
    rj_admin_t *a = admin_open(c);
    rj_message_queue_t mq = {topic, broker_name, queue_id};
    int64_t offset = -2;
    int rc = rj_admin_consumer_offset(a, group, &mq, &offset);
    rj_admin_destroy(a);
    if (rc != RJ_OK) {
        fail_msg("consumer offset of %s on %s/%s/%d: %s", group, topic, broker_name, queue_id,
                 rj_last_error());
    }
    return offset;
}

int64_t
it_interop_max_offset(const it_interop_cluster_t *c, const char *topic, const char *broker_name,
                      int queue_id)
{
    rj_admin_t *a = admin_open(c);
    rj_message_queue_t mq = {topic, broker_name, queue_id};
    int64_t offset = -1;
    int rc = rj_admin_max_offset(a, &mq, &offset);
    rj_admin_destroy(a);
    if (rc != RJ_OK) {
        fail_msg("max offset of %s/%s/%d: %s", topic, broker_name, queue_id, rj_last_error());
    }
    return offset;
}
