/*
 * Consumer and producer group administration (AdminBrokerProcessor):
 * UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, DELETE_SUBSCRIPTIONGROUP,
 * GET_ALL_SUBSCRIPTIONGROUP_CONFIG, GET_CONSUMER_CONNECTION_LIST,
 * GET_PRODUCER_CONNECTION_LIST, GET_ALL_PRODUCER_INFO, GET_CONSUME_STATS and
 * GET_BROKER_CONSUME_STATS.
 * Worker threads: they persist files or walk every queue of every group.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/group_stats.h"
#include "broker/processor.h"
#include "common/alloc.h"
#include "common/hashmap.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

static int
handle_update_group(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    if (!rj_broker_is_master(b)) {
        return rj_broker_reply_slave_refusal(req, cmd);
    }
    char err[200] = "";
    json_t *body =
        cmd->body.len ? rj_json_parse(cmd->body.data, cmd->body.len, err, sizeof(err)) : NULL;
    rj_group_config_t gc;
    const char *name = NULL;
    if (json_is_object(body)) {
        rj_group_config_read(body, &gc, &name);
    }
    int rc;
    if (name == NULL || name[0] == '\0') {
        rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR,
                             "the body must be a SubscriptionGroupConfig with a groupName", false);
    } else {
        rj_log(RJ_LOG_INFO, 0, "updateAndCreateSubscriptionGroup called by %s group=%s",
               rj_connection_remote_addr(rj_request_connection(req)), name);
        rc = rj_group_manager_update(b->groups, name, &gc);
        if (rc == 0) {
            rj_group_manager_persist(b->groups);
            rc = rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
        }
    }
    json_decref(body);
    return rc;
}

static int
handle_delete_group(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    if (!rj_broker_is_master(b)) {
        return rj_broker_reply_slave_refusal(req, cmd);
    }
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "groupName", true);
    bool remove_offset = rj_header_bool(&h, "removeOffset", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    char *name = rj_bytes_dup(group);
    if (name == NULL) {
        return RJ_ENOMEM;
    }
    rj_log(RJ_LOG_INFO, 0, "deleteSubscriptionGroup called by %s group=%s",
           rj_connection_remote_addr(rj_request_connection(req)), name);
    rj_group_manager_delete(b->groups, name);
    rj_group_manager_persist(b->groups);
    if (remove_offset) {
        rj_offset_manager_remove_group(b->offsets, group);
        rj_offset_manager_persist(b->offsets);
    }
    rj_free(name);
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

static int
handle_get_all_groups(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_group_manager_write(b->groups, w);
    return rj_broker_json_reply(&j, req, cmd);
}

static int
handle_consumer_connections(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    int rc;
    if (rj_consumer_manager_write_connection(b->consumers, group, w) != 0) {
        char remark[300];
        snprintf(remark, sizeof(remark), "the consumer group[%.*s] not online", (int)group.len,
                 (const char *)group.data);
        rc = rj_broker_reply(req, cmd, RJ_RESP_CONSUMER_NOT_ONLINE, remark, false);
    } else {
        rc = rj_broker_json_reply(&j, req, cmd);
    }
    rj_broker_json_discard(&j);
    return rc;
}

static int
handle_producer_connections(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "producerGroup", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    int rc;
    if (rj_producer_manager_write_connection(b->producers, group, w) != 0) {
        char remark[300];
        snprintf(remark, sizeof(remark), "the producer group[%.*s] not exist", (int)group.len,
                 (const char *)group.data);
        rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    } else {
        rc = rj_broker_json_reply(&j, req, cmd);
    }
    rj_broker_json_discard(&j);
    return rc;
}

/* GET_ALL_PRODUCER_INFO: every producer channel of every group (ProducerTableInfo). */
static int
handle_all_producer_info(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_producer_manager_write_all(b->producers, w);
    return rj_broker_json_reply(&j, req, cmd);
}

/* ---- consume statistics ------------------------------------------------------------ */

typedef struct {
    rj_hashmap_t *set;
    rj_bytes_t group;
} topics_of_group_t;

static int
collect_topics(void *arg, rj_bytes_t topic, rj_bytes_t group, const int64_t *offsets, int32_t count)
{
    topics_of_group_t *t = arg;
    (void)offsets;
    (void)count;
    if (rj_bytes_eq(group, t->group)) {
        rj_hashmap_put(t->set, topic.data, topic.len, (void *)1, NULL);
    }
    return 0;
}

/*
 * Writes the offsetTable entries (MessageQueue key: OffsetWrapper) of `group`
 * on queues 0..nqueues-1 of `topic` and returns their total diff
 * (brokerOffset - consumerOffset summed).
 */
static int64_t
write_queue_offsets(rj_broker_t *b, rj_json_writer_t *w, rj_bytes_t group, rj_bytes_t topic,
                    int32_t nqueues)
{
    int64_t diff = 0;
    for (int32_t q = 0; q < nqueues; q++) {
        int64_t broker_offset = rj_store_get_max_offset_in_queue(b->store, topic, q);
        int64_t consumer = 0;
        if (!rj_offset_manager_query(b->offsets, topic, group, q, &consumer) || consumer < 0) {
            consumer = 0;
        }
        broker_offset = broker_offset < 0 ? 0 : broker_offset;
        int64_t last = 0;
        if (consumer > 0) {
            int64_t ts = rj_store_get_message_store_timestamp(b->store, topic, q, consumer - 1);
            last = ts > 0 ? ts : 0;
        }
        diff += broker_offset - consumer;
        rj_broker_write_mq_key(w, b->config.broker_name, topic, q);
        rj_jw_object_begin(w);
        rj_jw_key(w, "brokerOffset");
        rj_jw_int(w, broker_offset);
        rj_jw_key(w, "consumerOffset");
        rj_jw_int(w, consumer);
        rj_jw_key(w, "lastTimestamp");
        rj_jw_int(w, last);
        rj_jw_object_end(w);
    }
    return diff;
}

/*
 * Writes one ConsumeStats object for `group` on `topic` (queues 0..nqueues-1)
 * and returns its total diff.
 */
static int64_t
write_consume_stats(rj_broker_t *b, rj_json_writer_t *w, rj_bytes_t group, rj_bytes_t topic,
                    int32_t nqueues)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "consumeTps");
    rj_jw_double(w, rj_group_stats_tps(b->group_stats, topic, group));
    rj_jw_key(w, "offsetTable");
    rj_jw_object_begin(w);
    int64_t diff = write_queue_offsets(b, w, group, topic, nqueues);
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    return diff;
}

static void
count_topic(void *arg, const char *topic)
{
    (void)topic;
    (*(int *)arg)++;
}

/*
 * True when an online group with subscriptions does not subscribe `topic`
 * (findSubscriptionData == null && findSubscriptionDataCount > 0): skipped.
 */
static bool
skip_unsubscribed(rj_broker_t *b, rj_bytes_t group, rj_bytes_t topic)
{
    rj_consumer_lookup_t lk;
    rj_consumer_manager_lookup(b->consumers, group, topic, &lk);
    bool subscribed = lk.sub != NULL;
    rj_subscription_data_release(lk.sub);
    if (subscribed || !lk.group_found) {
        return false;
    }
    int n = 0;
    rj_consumer_manager_group_topics(b->consumers, group, count_topic, &n);
    return n > 0;
}

static int
handle_consume_stats(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", true);
    rj_bytes_t topic = rj_header_str(&h, "topic", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    topics_of_group_t t = {rj_hashmap_create(16), group};
    if (t.set == NULL) {
        return RJ_ENOMEM;
    }
    if (rj_bytes_trim(topic).len == 0) {
        rj_offset_manager_for_each(b->offsets, collect_topics, &t);
    } else {
        rj_hashmap_put(t.set, topic.data, topic.len, (void *)1, NULL);
    }
    /* The topics that count, and their pull rates summed (consumeTps comes first). */
    rj_hashmap_iter_t it;
    const char *name;
    size_t len;
    void *v;
    double tps = 0.0;
    rj_hashmap_iter_init(t.set, &it);
    while (rj_hashmap_iter_next(&it, &name, &len, &v)) {
        rj_bytes_t tb = rj_bytes(name, len);
        rj_topic_config_t tc;
        if (!rj_topic_manager_lookup(b->topics, tb, &tc) || skip_unsubscribed(b, group, tb)) {
            rj_hashmap_iter_remove(&it);
            continue;
        }
        tps += rj_group_stats_tps(b->group_stats, tb, group);
    }
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_jw_object_begin(w);
    rj_jw_key(w, "consumeTps");
    rj_jw_double(w, tps);
    rj_jw_key(w, "offsetTable");
    rj_jw_object_begin(w);
    rj_hashmap_iter_init(t.set, &it);
    while (rj_hashmap_iter_next(&it, &name, &len, &v)) {
        rj_bytes_t tb = rj_bytes(name, len);
        rj_topic_config_t tc;
        if (!rj_topic_manager_lookup(b->topics, tb, &tc)) {
            continue;
        }
        /* ConsumeStats of one group: every queue a consumer reads. */
        write_queue_offsets(b, w, group, tb, tc.read_queue_nums);
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    rj_hashmap_destroy(t.set, NULL);
    return rj_broker_json_reply(&j, req, cmd);
}

typedef struct {
    rj_broker_t *broker;
    rj_json_writer_t *w;
    bool order_only;
    int64_t total_diff;
} broker_stats_ctx_t;

static int
write_group_stats(void *arg, const char *group, const rj_group_config_t *gc)
{
    broker_stats_ctx_t *c = arg;
    rj_broker_t *b = c->broker;
    (void)gc;
    rj_bytes_t gb = rj_bytes_from_cstr(group);
    topics_of_group_t t = {rj_hashmap_create(8), gb};
    if (t.set == NULL) {
        return RJ_ENOMEM;
    }
    rj_offset_manager_for_each(b->offsets, collect_topics, &t);
    rj_jw_object_begin(c->w);
    rj_jw_key(c->w, group);
    rj_jw_array_begin(c->w);
    rj_hashmap_iter_t it;
    const char *name;
    size_t len;
    void *v;
    rj_hashmap_iter_init(t.set, &it);
    while (rj_hashmap_iter_next(&it, &name, &len, &v)) {
        rj_bytes_t tb = rj_bytes(name, len);
        rj_topic_config_t tc;
        if (!rj_topic_manager_lookup(b->topics, tb, &tc) || (c->order_only && !tc.order) ||
            skip_unsubscribed(b, gb, tb)) {
            continue;
        }
        c->total_diff += write_consume_stats(b, c->w, gb, tb, tc.write_queue_nums);
    }
    rj_jw_array_end(c->w);
    rj_jw_object_end(c->w);
    rj_hashmap_destroy(t.set, NULL);
    return 0;
}

static int
handle_broker_consume_stats(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    /* GetConsumeStatsInBrokerHeader.isOrder is a required (primitive) field. */
    rj_header_str(&h, "isOrder", true);
    bool order = rj_header_bool(&h, "isOrder", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    /*
     * The group table's lock is held while walking it, so the walk must not
     * call back into the group manager: write_group_stats only touches the
     * offset, topic and consumer tables.
     */
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    broker_stats_ctx_t c = {b, w, order, 0};
    rj_jw_object_begin(w);
    rj_jw_key(w, "brokerAddr");
    rj_jw_string(w, b->broker_addr);
    rj_jw_key(w, "consumeStatsList");
    rj_jw_array_begin(w);
    int rc = rj_group_manager_for_each(b->groups, write_group_stats, &c);
    rj_jw_array_end(w);
    rj_jw_key(w, "totalDiff");
    rj_jw_int(w, c.total_diff);
    rj_jw_object_end(w);
    if (rc == 0) {
        rc = rj_broker_json_reply(&j, req, cmd);
    }
    rj_broker_json_discard(&j);
    return rc;
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, RJ_DISPATCH_WORKER, handle_update_group},
    {RJ_REQ_DELETE_SUBSCRIPTIONGROUP, RJ_DISPATCH_WORKER, handle_delete_group},
    {RJ_REQ_GET_ALL_SUBSCRIPTIONGROUP_CONFIG, RJ_DISPATCH_WORKER, handle_get_all_groups},
    {RJ_REQ_GET_CONSUMER_CONNECTION_LIST, RJ_DISPATCH_WORKER, handle_consumer_connections},
    {RJ_REQ_GET_PRODUCER_CONNECTION_LIST, RJ_DISPATCH_WORKER, handle_producer_connections},
    {RJ_REQ_GET_ALL_PRODUCER_INFO, RJ_DISPATCH_WORKER, handle_all_producer_info},
    {RJ_REQ_GET_CONSUME_STATS, RJ_DISPATCH_WORKER, handle_consume_stats},
    {RJ_REQ_GET_BROKER_CONSUME_STATS, RJ_DISPATCH_WORKER, handle_broker_consume_stats},
};

const rj_broker_processor_t rj_processor_admin_group = {
    .name = "admin_group",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
