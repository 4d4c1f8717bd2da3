/*
 * Client management (RocketMQ's ClientManageProcessor): HEART_BEAT,
 * UNREGISTER_CLIENT and CHECK_CLIENT_CONFIG. A heartbeat's SQL92
 * subscriptions also become filter data (consumer_filter_manager.h), which
 * pulls without their own subscription use. Heartbeats run inline: they only
 * touch in-memory tables. Creating a group's %RETRY% topic is an in-memory
 * insert persisted by the housekeeping thread; as in 4.9.8 the heartbeat is
 * answered only once every name server has the new topic (the reply is
 * deferred and completed by the asynchronous registration), so a consumer
 * that looks up the retry topic's route after its first heartbeat finds it.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/sql92.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

#define TOPIC_SYS_FLAG_UNIT_SUB 0x2

/* One consumer group entry of a heartbeat. */
static void
register_consumer(rj_broker_t *b, rj_connection_t *conn, const rj_command_t *cmd,
                  rj_bytes_t client_id, const json_t *data, int64_t now, bool *topic_created)
{
    const char *group = rj_json_get_str(data, "groupName", NULL);
    if (group == NULL || group[0] == '\0') {
        return;
    }
    rj_bytes_t gname = rj_bytes_from_cstr(group);
    rj_group_config_t gc;
    bool notify = true;
    if (rj_group_manager_find(b->groups, gname, &gc)) {
        notify = gc.notify_consumer_ids_changed_enable;
        char retry[512];
        int n = snprintf(retry, sizeof(retry), "%s%s", RJ_TOPIC_RETRY_PREFIX, group);
        if (n > 0 && (size_t)n < sizeof(retry)) {
            rj_topic_config_t tc;
            bool created;
            int32_t sys_flag =
                rj_json_get_bool(data, "unitMode", false) ? TOPIC_SYS_FLAG_UNIT_SUB : 0;
            if (rj_topic_manager_create_if_absent(b->topics, rj_bytes(retry, (size_t)n),
                                                  gc.retry_queue_nums, RJ_PERM_READ | RJ_PERM_WRITE,
                                                  sys_flag, &tc, &created) == 0 &&
                created) {
                *topic_created = true;
            }
        }
    }

    const json_t *subs_json = json_object_get(data, "subscriptionDataSet");
    size_t nsubs = json_is_array(subs_json) ? json_array_size(subs_json) : 0;
    rj_subscription_t **subs = nsubs ? rj_calloc(nsubs, sizeof(*subs)) : NULL;
    size_t kept = 0;
    for (size_t i = 0; i < nsubs && subs != NULL; i++) {
        if (rj_subscription_data_from_json(json_array_get(subs_json, i), &subs[kept]) == 0) {
            kept++;
        }
    }
    int ct = rj_consume_type_parse(rj_json_get_str(data, "consumeType", NULL));
    int mm = rj_message_model_parse(rj_json_get_str(data, "messageModel", NULL));
    int cf = rj_consume_from_where_parse(rj_json_get_str(data, "consumeFromWhere", NULL));
    rj_consumer_data_t cd = {
        .consume_type = ct < 0 ? RJ_CONSUME_PASSIVELY : ct,
        .message_model = mm < 0 ? RJ_MODEL_CLUSTERING : mm,
        .consume_from_where = cf < 0 ? 0 : cf,
        .subs = subs,
        .nsubs = kept,
    };
    bool changed = rj_consumer_manager_register(b->consumers, gname, conn, client_id, cmd->language,
                                                cmd->version, &cd, notify, now);
    /* DefaultConsumerIdsChangeListener REGISTER: SQL92 subscriptions become filter data. */
    rj_consumer_filter_manager_register(b->filters, gname, subs, kept, now);
    if (changed) {
        rj_log(RJ_LOG_INFO, 0, "registerConsumer info changed group=%s clientId=%.*s channel=%s",
               group, (int)client_id.len, (const char *)client_id.data,
               rj_connection_remote_addr(conn));
    }
    for (size_t i = 0; i < kept; i++) {
        rj_subscription_data_release(subs[i]);
    }
    rj_free(subs);
}

static int
handle_heart_beat(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_connection_t *conn = rj_request_connection(req);
    char err[160] = "";
    json_t *hb =
        cmd->body.len ? rj_json_parse(cmd->body.data, cmd->body.len, err, sizeof(err)) : NULL;
    if (!json_is_object(hb)) {
        json_decref(hb);
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "bad heartbeat body from %s: %s",
                           rj_connection_remote_addr(conn), err[0] ? err : "empty");
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, "heartbeat body is not valid JSON",
                               false);
    }
    const char *client_id = rj_json_get_str(hb, "clientID", "");
    rj_bytes_t cid = rj_bytes_from_cstr(client_id);
    int64_t now = rj_clock_wall_ms();
    const json_t *consumers = json_object_get(hb, "consumerDataSet");
    bool created = false; /* a %RETRY% topic: the answer waits for its registration */
    for (size_t i = 0; json_is_array(consumers) && i < json_array_size(consumers); i++) {
        const json_t *data = json_array_get(consumers, i);
        if (json_is_object(data)) {
            register_consumer(b, conn, cmd, cid, data, now, &created);
        }
    }
    const json_t *producers = json_object_get(hb, "producerDataSet");
    for (size_t i = 0; json_is_array(producers) && i < json_array_size(producers); i++) {
        const char *group = rj_json_get_str(json_array_get(producers, i), "groupName", NULL);
        if (group != NULL && group[0] != '\0') {
            rj_producer_manager_register(b->producers, rj_bytes_from_cstr(group), conn, cid,
                                         cmd->language, cmd->version, now);
        }
    }
    json_decref(hb);
    rj_deferred_t *d = created ? rj_request_defer(req) : NULL;
    if (d != NULL) {
        rj_command_t resp;
        rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
        rj_broker_register_then_reply(b, d, &resp);
        return 0;
    }
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

static int
handle_unregister_client(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_connection_t *conn = rj_request_connection(req);
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_header_str(&h, "clientID", true);
    rj_bytes_t producer = rj_header_str(&h, "producerGroup", false);
    rj_bytes_t consumer = rj_header_str(&h, "consumerGroup", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    if (producer.data != NULL) {
        rj_producer_manager_unregister(b->producers, producer, conn);
    }
    if (consumer.data != NULL) {
        rj_group_config_t gc;
        bool notify = true;
        if (rj_group_manager_find(b->groups, consumer, &gc)) {
            notify = gc.notify_consumer_ids_changed_enable;
        }
        rj_consumer_manager_unregister(b->consumers, consumer, conn, notify);
    }
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, true);
}

/*
 * CHECK_CLIENT_CONFIG: a consumer asks whether its subscription can be served
 * (Java consumers send it at start for every non-TAG subscription). TAG is
 * always fine; SQL92 needs enablePropertyFilter and an expression that
 * compiles (SUBSCRIPTION_PARSE_FAILED with the parser's message otherwise).
 */
static int
handle_check_client_config(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    json_t *body = cmd->body.len ? rj_json_parse(cmd->body.data, cmd->body.len, NULL, 0) : NULL;
    if (!json_is_object(body)) {
        json_decref(body);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR,
                               "CheckClientRequestBody is missing or not a JSON object", false);
    }
    const json_t *sub = json_object_get(body, "subscriptionData");
    int rc;
    const char *type = json_is_object(sub) ? rj_json_get_str(sub, "expressionType", "") : "";
    if (!json_is_object(sub) || type[0] == '\0' || strcmp(type, "TAG") == 0) {
        rc = rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
    } else if (!RJ_BROKER_CONFIG_LIVE_GET(&b->config, enable_property_filter)) {
        char remark[256];
        snprintf(remark, sizeof(remark),
                 "The broker does not support consumer to filter message by %s", type);
        rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    } else if (strcmp(type, "SQL92") != 0) {
        char remark[256];
        snprintf(remark, sizeof(remark), "unknown expression type %s", type);
        rc = rj_broker_reply(req, cmd, RJ_RESP_SUBSCRIPTION_PARSE_FAILED, remark, false);
    } else {
        const char *expr = rj_json_get_str(sub, "subString", "");
        rj_sql92_t *compiled = NULL;
        char err[512];
        if (rj_sql92_compile(rj_bytes_from_cstr(expr), &compiled, err, sizeof(err)) == 0) {
            rc = rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
        } else {
            rj_log(RJ_LOG_WARN, 0,
                   "Client %s@%s filter message, but failed to compile expression! sub=%s, "
                   "error=%s",
                   rj_json_get_str(body, "clientId", ""), rj_json_get_str(body, "group", ""), expr,
                   err);
            rc = rj_broker_reply(req, cmd, RJ_RESP_SUBSCRIPTION_PARSE_FAILED, err, false);
        }
        rj_sql92_release(compiled);
    }
    json_decref(body);
    return rc;
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_HEART_BEAT, RJ_DISPATCH_INLINE, handle_heart_beat},
    {RJ_REQ_UNREGISTER_CLIENT, RJ_DISPATCH_INLINE, handle_unregister_client},
    {RJ_REQ_CHECK_CLIENT_CONFIG, RJ_DISPATCH_INLINE, handle_check_client_config},
};

const rj_broker_processor_t rj_processor_client = {
    .name = "client",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
