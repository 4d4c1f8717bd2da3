/*
 * Offset administration (AdminBrokerProcessor / Broker2Client):
 * GET_ALL_CONSUMER_OFFSET, CLONE_GROUP_OFFSET, INVOKE_BROKER_TO_RESET_OFFSET,
 * QUERY_TOPIC_CONSUME_BY_WHO, QUERY_CONSUME_TIME_SPAN, QUERY_CONSUME_QUEUE and
 * QUERY_CORRECTION_OFFSET.
 * They walk tables or read store times, so they run on a worker.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/hashmap.h"
#include "common/java_hash.h"
#include "common/json_writer.h"
#include "common/message_properties.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/language_code.h"
#include "remoting/mq_version.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

#define CQ_QUERY_MAX_COUNT 1000

/* ---- helpers ------------------------------------------------------------------ */

/* Distinct topics (or groups) collected from the offset table. */
typedef struct {
    rj_hashmap_t *set;
    rj_bytes_t match; /* the group (collect topics) or the topic (collect groups) */
    bool by_group;
} collect_t;

static int
collect_offset_keys(void *arg, rj_bytes_t topic, rj_bytes_t group, const int64_t *offsets,
                    int32_t count)
{
    collect_t *c = arg;
    (void)offsets;
    (void)count;
    if (c->by_group ? rj_bytes_eq(group, c->match) : rj_bytes_eq(topic, c->match)) {
        rj_bytes_t item = c->by_group ? topic : group;
        rj_hashmap_put(c->set, item.data, item.len, (void *)1, NULL);
    }
    return 0;
}

/* whichTopicByConsumer (by_group) or whichGroupByTopic into a new set (NULL on ENOMEM). */
static rj_hashmap_t *
offset_keys(rj_broker_t *b, rj_bytes_t match, bool by_group)
{
    collect_t c = {rj_hashmap_create(16), match, by_group};
    if (c.set != NULL) {
        rj_offset_manager_for_each(b->offsets, collect_offset_keys, &c);
    }
    return c.set;
}

/* ---- GET_ALL_CONSUMER_OFFSET ------------------------------------------------------ */

static int
handle_get_all_consumer_offset(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_offset_manager_write(b->offsets, w);
    return rj_broker_json_reply(&j, req, cmd);
}

/* ---- CLONE_GROUP_OFFSET ------------------------------------------------------------- */

static int
handle_clone_group_offset(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t src = rj_header_str(&h, "srcGroup", true);
    rj_bytes_t dst = rj_header_str(&h, "destGroup", true);
    rj_bytes_t topic = rj_header_str(&h, "topic", false);
    bool offline = rj_header_bool(&h, "offline", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_hashmap_t *topics = NULL;
    if (rj_bytes_trim(topic).len == 0) {
        topics = offset_keys(b, src, true);
    } else {
        topics = rj_hashmap_create(2);
        if (topics != NULL) {
            rj_hashmap_put(topics, topic.data, topic.len, (void *)1, NULL);
        }
    }
    if (topics == NULL) {
        return RJ_ENOMEM;
    }
    rj_hashmap_iter_t it;
    const char *t;
    size_t tlen;
    void *v;
    rj_hashmap_iter_init(topics, &it);
    while (rj_hashmap_iter_next(&it, &t, &tlen, &v)) {
        rj_bytes_t tb = rj_bytes(t, tlen);
        rj_topic_config_t tc;
        if (!rj_topic_manager_lookup(b->topics, tb, &tc)) {
            rj_log(RJ_LOG_WARN, 0, "[cloneGroupOffset], topic config not exist, %s", t);
            continue;
        }
        if (!offline) {
            rj_consumer_lookup_t lk;
            rj_consumer_manager_lookup(b->consumers, src, tb, &lk);
            bool has_subs = rj_consumer_manager_group_topics(b->consumers, src, NULL, NULL);
            if (lk.sub == NULL && lk.group_found && has_subs) {
                rj_log(RJ_LOG_WARN, 0,
                       "[cloneGroupOffset], the consumer group[%.*s], topic[%s] "
                       "not exist",
                       (int)src.len, (const char *)src.data, t);
                continue;
            }
            rj_subscription_data_release(lk.sub);
        }
        rj_offset_manager_clone(b->offsets, src, dst, tb);
    }
    rj_hashmap_destroy(topics, NULL);
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

/* ---- INVOKE_BROKER_TO_RESET_OFFSET ---------------------------------------------------- */

static int
handle_reset_offset(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    rj_bytes_t group = rj_header_str(&h, "group", true);
    int64_t timestamp = rj_header_i64(&h, "timestamp", true, 0);
    bool force = rj_header_bool(&h, "isForce", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    char remark[512];
    rj_topic_config_t tc;
    if (!rj_topic_manager_lookup(b->topics, topic, &tc)) {
        snprintf(remark, sizeof(remark),
                 "[reset-offset] reset offset failed, no topic in this broker. topic=%.*s",
                 (int)topic.len, (const char *)topic.data);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    int32_t n = tc.write_queue_nums;
    int64_t *targets = rj_calloc(n > 0 ? (size_t)n : 1, sizeof(int64_t));
    if (targets == NULL) {
        return RJ_ENOMEM;
    }
    for (int32_t q = 0; q < n; q++) {
        int64_t consumer;
        if (!rj_offset_manager_query(b->offsets, topic, group, q, &consumer) || consumer == -1) {
            rj_free(targets);
            snprintf(remark, sizeof(remark), "THe consumer group <%.*s> not exist", (int)group.len,
                     (const char *)group.data);
            return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
        }
        int64_t at = timestamp == -1
                         ? rj_store_get_max_offset_in_queue(b->store, topic, q)
                         : rj_store_get_offset_in_queue_by_time(b->store, topic, q, timestamp);
        if (at < 0) {
            at = 0;
        }
        targets[q] = (force || at < consumer) ? at : consumer;
    }
    /* ResetOffsetBody; C clients get the list form. */
    bool for_c = cmd->language == RJ_LANG_CPP;
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "offsetTable");
    if (for_c) {
        rj_jw_array_begin(&w);
    } else {
        rj_jw_object_begin(&w);
    }
    for (int32_t q = 0; q < n; q++) {
        if (for_c) {
            rj_jw_object_begin(&w);
            rj_jw_key(&w, "brokerName");
            rj_jw_string(&w, b->config.broker_name);
            rj_jw_key(&w, "offset");
            rj_jw_int(&w, targets[q]);
            rj_jw_key(&w, "queueId");
            rj_jw_int(&w, q);
            rj_jw_key(&w, "topic");
            rj_jw_string_n(&w, (const char *)topic.data, topic.len);
            rj_jw_object_end(&w);
        } else {
            rj_broker_write_mq_key(&w, b->config.broker_name, topic, q);
            rj_jw_int(&w, targets[q]);
        }
    }
    if (for_c) {
        rj_jw_array_end(&w);
    } else {
        rj_jw_object_end(&w);
    }
    rj_jw_object_end(&w);
    rj_free(targets);
    int rc = rj_jw_finish(&w);
    if (rc != 0) {
        rj_buf_cleanup(&body);
        return rc;
    }

    rj_consumer_channel_t *chans;
    size_t nch = rj_consumer_manager_channels(b->consumers, group, &chans);
    if (nch == 0) {
        snprintf(remark, sizeof(remark),
                 "Consumer not online, so can not reset offset, Group: %.*s Topic: %.*s "
                 "Timestamp: %lld",
                 (int)group.len, (const char *)group.data, (int)topic.len, (const char *)topic.data,
                 (long long)timestamp);
        rj_buf_cleanup(&body);
        return rj_broker_reply(req, cmd, RJ_RESP_CONSUMER_NOT_ONLINE, remark, false);
    }
    for (size_t i = 0; i < nch; i++) {
        if (chans[i].version < RJ_MQ_VERSION_V3_0_7_SNAPSHOT) {
            char desc[32];
            rj_mq_version_desc(chans[i].version, desc, sizeof(desc));
            snprintf(remark, sizeof(remark), "the client does not support this feature. version=%s",
                     desc);
            rj_consumer_channels_free(chans, nch);
            rj_buf_cleanup(&body);
            return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
        }
    }
    for (size_t i = 0; i < nch; i++) {
        rj_command_t reset;
        rj_command_init_request(&reset, RJ_REQ_RESET_CONSUMER_CLIENT_OFFSET);
        rj_command_add_ext(&reset, RJ_BYTES_LIT("topic"), topic);
        rj_command_add_ext(&reset, RJ_BYTES_LIT("group"), group);
        rj_command_add_ext_i64(&reset, "timestamp", timestamp);
        rj_command_add_ext_bool(&reset, "isForce", force);
        reset.body = rj_buf_view(&body);
        int src = rj_connection_invoke_oneway(chans[i].conn, &reset);
        rj_log(src == 0 ? RJ_LOG_INFO : RJ_LOG_WARN, src,
               "[reset-offset] reset offset to client topic=%.*s group=%.*s client=%s",
               (int)topic.len, (const char *)topic.data, (int)group.len, (const char *)group.data,
               chans[i].client_id);
    }
    rj_consumer_channels_free(chans, nch);
    rc = rj_broker_reply_body(req, cmd, &body);
    rj_buf_cleanup(&body);
    return rc;
}

/* ---- QUERY_TOPIC_CONSUME_BY_WHO ------------------------------------------------------ */

static void
add_group(void *arg, const char *group)
{
    rj_hashmap_put_cstr(arg, group, (void *)1, NULL);
}

static int
handle_consume_by_who(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_hashmap_t *groups = offset_keys(b, topic, false);
    if (groups == NULL) {
        return RJ_ENOMEM;
    }
    rj_consumer_manager_groups_of_topic(b->consumers, topic, add_group, groups);
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_jw_object_begin(w);
    rj_jw_key(w, "groupList");
    rj_jw_array_begin(w);
    rj_hashmap_iter_t it;
    const char *g;
    size_t glen;
    void *v;
    rj_hashmap_iter_init(groups, &it);
    while (rj_hashmap_iter_next(&it, &g, &glen, &v)) {
        rj_jw_string_n(w, g, glen);
    }
    rj_jw_array_end(w);
    rj_jw_object_end(w);
    rj_hashmap_destroy(groups, NULL);
    return rj_broker_json_reply(&j, req, cmd);
}

/* ---- QUERY_CONSUME_TIME_SPAN ------------------------------------------------------------ */

static int
handle_consume_time_span(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    rj_bytes_t group = rj_header_str(&h, "group", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_topic_config_t tc;
    if (!rj_topic_manager_lookup(b->topics, topic, &tc)) {
        return rj_broker_reply_topic_not_exist(req, cmd, topic);
    }
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_jw_object_begin(w);
    rj_jw_key(w, "consumeTimeSpanSet");
    rj_jw_array_begin(w);
    for (int32_t q = 0; q < tc.write_queue_nums; q++) {
        int64_t min_time = rj_store_get_earliest_message_time(b->store, topic, q);
        int64_t max = rj_store_get_max_offset_in_queue(b->store, topic, q);
        int64_t max_time = rj_store_get_message_store_timestamp(b->store, topic, q, max - 1);
        int64_t consumer = -1;
        rj_offset_manager_query(b->offsets, topic, group, q, &consumer);
        int64_t consume_time =
            consumer > 0 ? rj_store_get_message_store_timestamp(b->store, topic, q, consumer - 1)
                         : min_time;
        int64_t delay = 0;
        if (consumer < max) {
            int64_t next = rj_store_get_message_store_timestamp(b->store, topic, q, consumer);
            delay = rj_clock_wall_ms() - next;
        }
        rj_jw_object_begin(w);
        rj_jw_key(w, "consumeTimeStamp");
        rj_jw_int(w, consume_time);
        rj_jw_key(w, "delayTime");
        rj_jw_int(w, delay);
        rj_jw_key(w, "maxTimeStamp");
        rj_jw_int(w, max_time);
        rj_jw_key(w, "messageQueue");
        rj_broker_write_mq(w, b->config.broker_name, topic, q);
        rj_jw_key(w, "minTimeStamp");
        rj_jw_int(w, min_time);
        rj_jw_object_end(w);
    }
    rj_jw_array_end(w);
    rj_jw_object_end(w);
    return rj_broker_json_reply(&j, req, cmd);
}

/* ---- QUERY_CONSUME_QUEUE ------------------------------------------------------------------ */

static int
handle_query_consume_queue(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    int32_t qid = rj_header_i32(&h, "queueId", true, 0);
    int64_t index = rj_header_i64(&h, "index", true, 0);
    int32_t count = rj_header_i32(&h, "count", true, 0);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    char remark[400];
    int64_t min = rj_store_get_min_offset_in_queue(b->store, topic, qid);
    if (min < 0) {
        snprintf(remark, sizeof(remark), "%d@%.*s is not exist!", qid, (int)topic.len,
                 (const char *)topic.data);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    int64_t max = rj_store_get_max_offset_in_queue(b->store, topic, qid);
    rj_subscription_t *sub = NULL;
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    if (group.data != NULL) {
        rj_consumer_lookup_t lk;
        rj_consumer_manager_lookup(b->consumers, group, topic, &lk);
        sub = lk.sub;
        rj_jw_key(&w, "filterData");
        if (sub == NULL) {
            snprintf(remark, sizeof(remark), "%.*s@%.*s is not online!", (int)group.len,
                     (const char *)group.data, (int)topic.len, (const char *)topic.data);
            rj_jw_string(&w, remark);
        } else {
            rj_jw_string(&w, "null");
        }
    }
    rj_jw_key(&w, "maxQueueIndex");
    rj_jw_int(&w, max);
    rj_jw_key(&w, "minQueueIndex");
    rj_jw_int(&w, min);
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    if (index < min || index >= max) {
        snprintf(remark, sizeof(remark), "Index %lld of %d@%.*s is not exist!", (long long)index,
                 qid, (int)topic.len, (const char *)topic.data);
        rj_command_set_remark_cstr(&resp, remark);
    } else {
        rj_jw_key(&w, "queueData");
        rj_jw_array_begin(&w);
        if (count > CQ_QUERY_MAX_COUNT) {
            count = CQ_QUERY_MAX_COUNT;
        }
        for (int64_t i = index; i < max && i < index + count; i++) {
            /* Each unit re-read through the store: commit-log offset, size, tags code. */
            int64_t phy = rj_store_get_commit_log_offset_in_queue(b->store, topic, qid, i);
            rj_store_view_t v;
            rj_message_record_t rec;
            int32_t size = 0;
            int64_t tags = 0;
            if (rj_store_look_message(b->store, phy, &rec, &v) == 0) {
                rj_bytes_t tag;
                size = rec.total_size;
                /* The consume queue's tagsCode is the Java hash of TAGS (0 without a tag). */
                if (rj_message_properties_get(rec.properties, RJ_PROP_TAGS, &tag) && tag.len > 0) {
                    tags = rj_java_hash(tag.data, tag.len);
                }
                rj_store_view_release(&v);
            }
            rj_jw_object_begin(&w);
            rj_jw_key(&w, "eval");
            rj_jw_bool(&w, false);
            rj_jw_key(&w, "physicOffset");
            rj_jw_int(&w, phy);
            rj_jw_key(&w, "physicSize");
            rj_jw_int(&w, size);
            rj_jw_key(&w, "tagsCode");
            rj_jw_int(&w, tags);
            rj_jw_object_end(&w);
        }
        rj_jw_array_end(&w);
    }
    if (sub != NULL) {
        rj_jw_key(&w, "subscriptionData");
        rj_subscription_data_write(sub, &w);
    }
    rj_jw_object_end(&w);
    rj_subscription_data_release(sub);
    int rc = rj_jw_finish(&w);
    if (rc == 0) {
        resp.body = rj_buf_view(&body);
        rc = rj_request_reply(req, &resp);
    }
    rj_buf_cleanup(&body);
    return rc;
}

/* ---- QUERY_CORRECTION_OFFSET -------------------------------------------------------------- */

#define NO_OFFSET INT64_MIN

typedef struct {
    rj_broker_t *broker;
    rj_bytes_t topic;
    rj_bytes_t filter_groups; /* comma-separated groups left out */
    int64_t *mins;            /* per queue id; NO_OFFSET when none */
    int32_t nmins;
    int rc;
} correction_t;

static bool
in_list(rj_bytes_t list, rj_bytes_t item)
{
    size_t start = 0;
    for (size_t i = 0; i <= list.len; i++) {
        if (i == list.len || list.data[i] == ',') {
            if (rj_bytes_eq(rj_bytes(list.data + start, i - start), item)) {
                return true;
            }
            start = i + 1;
        }
    }
    return false;
}

/* queryMinOffsetInAllGroup: the smallest valid offset of any group per queue. */
static int
collect_min_offsets(void *arg, rj_bytes_t topic, rj_bytes_t group, const int64_t *offsets,
                    int32_t count)
{
    correction_t *c = arg;
    if (!rj_bytes_eq(topic, c->topic) || in_list(c->filter_groups, group)) {
        return 0;
    }
    if (count > c->nmins) {
        int64_t *m = rj_realloc(c->mins, (size_t)count * sizeof(int64_t));
        if (m == NULL) {
            c->rc = RJ_ENOMEM;
            return 1;
        }
        for (int32_t q = c->nmins; q < count; q++) {
            m[q] = NO_OFFSET;
        }
        c->mins = m;
        c->nmins = count;
    }
    for (int32_t q = 0; q < count; q++) {
        if (offsets[q] == RJ_OFFSET_NONE) {
            continue;
        }
        int64_t min = rj_store_get_min_offset_in_queue(c->broker->store, topic, q);
        if (offsets[q] >= (min < 0 ? 0 : min) &&
            (c->mins[q] == NO_OFFSET || offsets[q] < c->mins[q])) {
            c->mins[q] = offsets[q];
        }
    }
    return 0;
}

/*
 * QUERY_CORRECTION_OFFSET: per queue the smallest offset of the topic's
 * groups (except `filterGroups`), or Long.MAX_VALUE where `compareGroup` is
 * behind it. 4.9.8 deletes the filtered groups' offsets from its table on
 * the way (and fails when the compare group has a queue the others lack);
 * here they are only left out, and such queues are skipped.
 */
static int
handle_query_correction_offset(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    correction_t c = {.broker = b};
    c.filter_groups = rj_header_str(&h, "filterGroups", false);
    rj_bytes_t compare = rj_header_str(&h, "compareGroup", true);
    c.topic = rj_header_str(&h, "topic", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_offset_manager_for_each(b->offsets, collect_min_offsets, &c);
    if (c.rc != 0) {
        rj_free(c.mins);
        return c.rc;
    }
    for (int32_t q = 0; q < c.nmins; q++) {
        int64_t off;
        if (c.mins[q] != NO_OFFSET &&
            rj_offset_manager_query(b->offsets, c.topic, compare, q, &off) && c.mins[q] > off) {
            c.mins[q] = INT64_MAX;
        }
    }
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_jw_object_begin(w);
    rj_jw_key(w, "correctionOffsets");
    rj_jw_object_begin(w);
    for (int32_t q = 0; q < c.nmins; q++) {
        if (c.mins[q] != NO_OFFSET) {
            rj_jw_key_int_unquoted(w, q);
            rj_jw_int(w, c.mins[q]);
        }
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    rj_free(c.mins);
    return rj_broker_json_reply(&j, req, cmd);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_GET_ALL_CONSUMER_OFFSET, RJ_DISPATCH_WORKER, handle_get_all_consumer_offset},
    {RJ_REQ_CLONE_GROUP_OFFSET, RJ_DISPATCH_WORKER, handle_clone_group_offset},
    {RJ_REQ_INVOKE_BROKER_TO_RESET_OFFSET, RJ_DISPATCH_WORKER, handle_reset_offset},
    {RJ_REQ_QUERY_TOPIC_CONSUME_BY_WHO, RJ_DISPATCH_WORKER, handle_consume_by_who},
    {RJ_REQ_QUERY_CONSUME_TIME_SPAN, RJ_DISPATCH_WORKER, handle_consume_time_span},
    {RJ_REQ_QUERY_CONSUME_QUEUE, RJ_DISPATCH_WORKER, handle_query_consume_queue},
    {RJ_REQ_QUERY_CORRECTION_OFFSET, RJ_DISPATCH_WORKER, handle_query_correction_offset},
};

const rj_broker_processor_t rj_processor_offset_admin = {
    .name = "offset_admin",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
