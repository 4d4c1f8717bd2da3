/*
 * The recording C push consumer of the interop tests (see
 * interop_c_consumer.h). The listener runs on the library's consume threads;
 * events go to a JSON array under a mutex, and the test thread reads copies.
 */
#include "interop_c_consumer.h"

#include "interop_expect.h"
#include "ramjet/ramjet.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

struct it_c_consumer {
    rj_push_consumer_t *consumer;
    pthread_mutex_t lock;
    json_t *events;
};

static json_t *
str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *
event_of(const rj_message_t *msg)
{
    size_t len;
    const void *body = rj_message_body(msg, &len);
    char *hex = it_hex_encode(body != NULL ? body : "", body != NULL ? len : 0);
    json_t *props = json_object();
    for (size_t i = 0; i < rj_message_property_count(msg); i++) {
        const char *k, *v;
        if (rj_message_property_at(msg, i, &k, &v) == RJ_OK) {
            json_object_set_new(props, k, json_string(v));
        }
    }
    const char *seq = rj_message_property(msg, "seq");
    json_t *e = json_object();
    json_object_set_new(e, "ev", json_string("msg"));
    json_object_set_new(e, "id", json_string(seq != NULL ? seq : rj_message_offset_msg_id(msg)));
    json_object_set_new(e, "topic", str_or_null(rj_message_topic(msg)));
    json_object_set_new(e, "broker", str_or_null(rj_message_broker_name(msg)));
    json_object_set_new(e, "queueId", json_integer(rj_message_queue_id(msg)));
    json_object_set_new(e, "queueOffset", json_integer(rj_message_queue_offset(msg)));
    json_object_set_new(e, "commitLogOffset", json_integer(rj_message_commitlog_offset(msg)));
    json_object_set_new(e, "msgId", str_or_null(rj_message_offset_msg_id(msg)));
    json_object_set_new(e, "javaMsgId", str_or_null(rj_message_msg_id(msg)));
    json_object_set_new(e, "tags", str_or_null(rj_message_tags(msg)));
    json_object_set_new(e, "keys", str_or_null(rj_message_keys(msg)));
    json_object_set_new(e, "props", props);
    json_object_set_new(e, "flag", json_integer(rj_message_flag(msg)));
    json_object_set_new(e, "sysFlag", json_integer(rj_message_sys_flag(msg)));
    json_object_set_new(e, "reconsumeTimes", json_integer(rj_message_reconsume_times(msg)));
    json_object_set_new(e, "bodyLen", json_integer((json_int_t)len));
    json_object_set_new(e, "bodyHex", json_string(hex));
    free(hex);
    return e;
}

static rj_consume_status_t
record(const rj_message_t *const *msgs, size_t count, rj_consume_context_t *ctx, void *arg)
{
    it_c_consumer_t *c = arg;
    (void)ctx;
    for (size_t i = 0; i < count; i++) {
        json_t *e = event_of(msgs[i]);
        pthread_mutex_lock(&c->lock);
        json_array_append_new(c->events, e);
        pthread_mutex_unlock(&c->lock);
    }
    return RJ_CONSUME_SUCCESS;
}

it_c_consumer_t *
it_c_consumer_start(const char *namesrv, const char *topic, const char *expr, const char *group,
                    bool broadcast, const char *offset_dir)
{
    it_c_consumer_t *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    pthread_mutex_init(&c->lock, NULL);
    c->events = json_array();
    rj_push_consumer_t *pc;
    assert_int_equal(rj_push_consumer_create(group, &pc), RJ_OK);
    c->consumer = pc;
    assert_int_equal(rj_push_consumer_set_namesrv_addr(pc, namesrv), RJ_OK);
    assert_int_equal(rj_push_consumer_set_message_model(pc, broadcast
                                                                ? RJ_MESSAGE_MODEL_BROADCASTING
                                                                : RJ_MESSAGE_MODEL_CLUSTERING),
                     RJ_OK);
    if (offset_dir != NULL) {
        assert_int_equal(rj_push_consumer_set_offset_store_dir(pc, offset_dir), RJ_OK);
    }
    assert_int_equal(rj_push_consumer_set_consume_from(pc, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(pc, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_set_heartbeat_interval(pc, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_set_poll_namesrv_interval(pc, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_set_persist_offset_interval(pc, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(pc, topic, expr), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(pc, record, c), RJ_OK);
    if (rj_push_consumer_start(pc) != RJ_OK) {
        fail_msg("C consumer start: %s", rj_last_error());
    }
    return c;
}

json_t *
it_c_consumer_events(it_c_consumer_t *c)
{
    pthread_mutex_lock(&c->lock);
    json_t *copy = json_deep_copy(c->events);
    pthread_mutex_unlock(&c->lock);
    return copy;
}

size_t
it_c_consumer_count(it_c_consumer_t *c)
{
    pthread_mutex_lock(&c->lock);
    size_t n = json_array_size(c->events);
    pthread_mutex_unlock(&c->lock);
    return n;
}

json_t *
it_c_consumer_owned(it_c_consumer_t *c, const char *topic)
{
    rj_message_queue_t *qs = NULL;
    size_t n = 0;
    json_t *out = json_array();
    if (rj_push_consumer_assigned_queues(c->consumer, topic, &qs, &n) == RJ_OK) {
        for (size_t i = 0; i < n; i++) {
            json_array_append_new(out, json_pack("{s:s, s:i}", "broker", qs[i].broker_name,
                                                 "queueId", (int)qs[i].queue_id));
        }
        rj_message_queues_free(qs);
    }
    return out;
}

const char *
it_c_consumer_client_id(it_c_consumer_t *c)
{
    return rj_push_consumer_client_id(c->consumer);
}

void
it_c_consumer_destroy(it_c_consumer_t *c)
{
    if (c == NULL) {
        return;
    }
    rj_push_consumer_destroy(c->consumer);
    json_decref(c->events);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
