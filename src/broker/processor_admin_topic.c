/*
 * Topic administration (AdminBrokerProcessor): UPDATE_AND_CREATE_TOPIC,
 * DELETE_TOPIC_IN_BROKER, GET_ALL_TOPIC_CONFIG, GET_SYSTEM_TOPIC_LIST_FROM_BROKER
 * and GET_TOPIC_STATS_INFO. They write topics.json or walk every queue, so
 * they run on a worker. A created or updated topic is registered with every
 * name server before the answer goes out (deferred until the registration
 * completes), so `updateTopic` followed by `topicRoute` works at once.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/registrar.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

#define MAX_ADMIN_QUEUES 65535

/* RocketMQ answers with the remark its response object was created with. */
#define UPDATE_TOPIC_REMARK "not set any response code"

typedef struct {
    rj_broker_t *broker;
    rj_deferred_t *deferred;
} register_wait_t;

static void
reply_update_topic(rj_deferred_t *d)
{
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    rj_command_set_remark_cstr(&resp, UPDATE_TOPIC_REMARK);
    rj_deferred_reply(d, &resp);
}

/* The increment registration finished (RPC loop thread or the handler's): answer now. */
static void
on_increment_registered(int acked, void *arg)
{
    register_wait_t *rw = arg;
    (void)acked; /* as in 4.9.8, a name server that did not take it is only logged */
    /* An ORDER_TOPIC_CONFIG answer may have changed order flags. */
    rj_broker_scheduler_signal(rw->broker->housekeeping, RJ_BROKER_SIGNAL_PERSIST_TOPICS);
    reply_update_topic(rw->deferred);
    rj_free(rw);
}

/*
 * registerIncrementBrokerData: the changed topic and the current DataVersion
 * go to every name server before the answer, so a route query right after the
 * answer finds the topic (4.9.8 waits for the registration the same way). The
 * reply is deferred and completed by the registration's callback, so this
 * worker does not wait; without memory for that it registers synchronously.
 */
static int
register_increment_and_reply(rj_request_t *req, const rj_command_t *cmd, rj_broker_t *b,
                             const char *topic)
{
    register_wait_t *rw = rj_malloc(sizeof(*rw));
    rj_deferred_t *d = rw != NULL ? rj_request_defer(req) : NULL;
    if (d == NULL) {
        rj_free(rw);
        rj_registrar_register(b->registrar, true, true, topic);
        return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, UPDATE_TOPIC_REMARK, false);
    }
    rw->broker = b;
    rw->deferred = d;
    rj_registrar_register_async(b->registrar, true, topic, on_increment_registered, rw);
    return 0;
}

/*
 * TopicValidator.validateTopic and isSystemTopic, as both topic changes check
 * them: true with the name in `name` when the topic may be changed; otherwise
 * the request is answered (*rc is the reply's status).
 */
static bool
check_topic_name(rj_request_t *req, const rj_command_t *cmd, rj_bytes_t topic,
                 char name[RJ_TOPIC_MAX_LEN + 1], int *rc)
{
    const char *bad = rj_topic_validator_check(topic);
    if (bad != NULL) {
        *rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, bad, false);
        return false;
    }
    rj_bytes_copy_cstr(topic, name, RJ_TOPIC_MAX_LEN + 1);
    if (rj_topic_validator_is_system(topic)) {
        char remark[300];
        snprintf(remark, sizeof(remark), "The topic[%s] is conflict with system topic.", name);
        *rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
        return false;
    }
    return true;
}

static int
handle_update_and_create_topic(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    if (!rj_broker_is_master(b)) {
        return rj_broker_reply_slave_refusal(req, cmd);
    }
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    rj_header_str(&h, "defaultTopic", true);
    int32_t read = rj_header_i32(&h, "readQueueNums", true, 0);
    int32_t write = rj_header_i32(&h, "writeQueueNums", true, 0);
    int32_t perm = rj_header_i32(&h, "perm", true, 0);
    rj_bytes_t filter = rj_header_str(&h, "topicFilterType", true);
    int32_t sys_flag = rj_header_i32(&h, "topicSysFlag", false, 0);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    char name[RJ_TOPIC_MAX_LEN + 1], remark[300];
    int rc;
    if (!check_topic_name(req, cmd, topic, name, &rc)) {
        return rc;
    }
    char ftext[32];
    rj_bytes_copy_cstr(filter, ftext, sizeof(ftext));
    int ft = rj_topic_filter_type_parse(ftext);
    if (ft < 0) {
        snprintf(remark, sizeof(remark),
                 "No enum constant org.apache.rocketmq.common.TopicFilterType.%s", ftext);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    if (read < 0 || write < 0 || read > MAX_ADMIN_QUEUES || write > MAX_ADMIN_QUEUES || perm < 0 ||
        perm > 15) {
        snprintf(remark, sizeof(remark),
                 "illegal topic config: readQueueNums=%d writeQueueNums=%d perm=%d "
                 "(queues 0..%d, perm 0..15)",
                 read, write, perm, MAX_ADMIN_QUEUES);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    rj_log(RJ_LOG_INFO, 0, "updateAndCreateTopic called by %s",
           rj_connection_remote_addr(rj_request_connection(req)));
    rj_topic_config_t tc;
    rj_topic_config_init(&tc);
    tc.read_queue_nums = read;
    tc.write_queue_nums = write;
    tc.perm = perm;
    tc.topic_sys_flag = sys_flag;
    tc.filter_type = (rj_topic_filter_type_t)ft;
    rc = rj_topic_manager_update(b->topics, name, &tc);
    if (rc != 0) {
        return rc;
    }
    rj_topic_manager_persist(b->topics);
    return register_increment_and_reply(req, cmd, b, name);
}

static int
handle_delete_topic(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    if (!rj_broker_is_master(b)) {
        return rj_broker_reply_slave_refusal(req, cmd);
    }
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    char name[RJ_TOPIC_MAX_LEN + 1];
    int rc;
    if (!check_topic_name(req, cmd, topic, name, &rc)) {
        return rc;
    }
    rj_log(RJ_LOG_INFO, 0, "deleteTopic called by %s topic=%s",
           rj_connection_remote_addr(rj_request_connection(req)), name);
    rj_topic_manager_delete(b->topics, name);
    rj_topic_manager_persist(b->topics);
    rj_store_delete_topic(b->store, topic);
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

static int
handle_get_all_topic_config(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &body, 0);
    rj_topic_manager_write_wrapper(b->topics, &w, NULL, -1);
    int rc = rj_jw_finish(&w);
    if (rc == 0) {
        rj_command_t resp;
        rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
        rj_command_mark_ext_fields(&resp);
        resp.body = rj_buf_view(&body);
        rc = rj_request_reply(req, &resp);
    }
    rj_buf_cleanup(&body);
    return rc;
}

static int
handle_get_system_topics(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    (void)arg;
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_jw_object_begin(w);
    rj_jw_key(w, "topicList");
    rj_jw_array_begin(w);
    for (int i = 0; rj_topic_validator_system_at(i) != NULL; i++) {
        rj_jw_string(w, rj_topic_validator_system_at(i));
    }
    rj_jw_array_end(w);
    rj_jw_object_end(w);
    return rj_broker_json_reply(&j, req, cmd);
}

static int
handle_topic_stats(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
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
    rj_jw_key(w, "offsetTable");
    rj_jw_object_begin(w);
    for (int32_t q = 0; q < tc.write_queue_nums; q++) {
        int64_t min = rj_store_get_min_offset_in_queue(b->store, topic, q);
        int64_t max = rj_store_get_max_offset_in_queue(b->store, topic, q);
        int64_t ts = 0;
        min = min < 0 ? 0 : min;
        max = max < 0 ? 0 : max;
        if (max > 0) {
            ts = rj_store_get_message_store_timestamp(b->store, topic, q, max - 1);
        }
        rj_broker_write_mq_key(w, b->config.broker_name, topic, q);
        rj_jw_object_begin(w);
        rj_jw_key(w, "lastUpdateTimestamp");
        rj_jw_int(w, ts);
        rj_jw_key(w, "maxOffset");
        rj_jw_int(w, max);
        rj_jw_key(w, "minOffset");
        rj_jw_int(w, min);
        rj_jw_object_end(w);
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    return rj_broker_json_reply(&j, req, cmd);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_UPDATE_AND_CREATE_TOPIC, RJ_DISPATCH_WORKER, handle_update_and_create_topic},
    {RJ_REQ_DELETE_TOPIC_IN_BROKER, RJ_DISPATCH_WORKER, handle_delete_topic},
    {RJ_REQ_GET_ALL_TOPIC_CONFIG, RJ_DISPATCH_WORKER, handle_get_all_topic_config},
    {RJ_REQ_GET_SYSTEM_TOPIC_LIST_FROM_BROKER, RJ_DISPATCH_WORKER, handle_get_system_topics},
    {RJ_REQ_GET_TOPIC_STATS_INFO, RJ_DISPATCH_WORKER, handle_topic_stats},
};

const rj_broker_processor_t rj_processor_admin_topic = {
    .name = "admin_topic",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
