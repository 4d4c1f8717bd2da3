/*
 * Remote calls of the client. Each sync call builds its header on the stack
 * (views of the caller's strings; integers are formatted by the encoder),
 * invokes, checks the response code and extracts what the caller needs.
 */
#include "client/mq_client_api.h"

#include "client/last_error.h"
#include "common/alloc.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int
rj_api_remote_error(const char *what, const char *addr, const rj_command_t *resp)
{
    const char *name = rj_response_code_name(resp->code);

    return rj_client_fail(RJ_EREMOTE, "%s to %s: %s(%d) %.*s", what, addr,
                          name != NULL ? name : "UNKNOWN", resp->code,
                          resp->has_remark ? (int)resp->remark.len : 0,
                          resp->has_remark ? (const char *)resp->remark.data : "");
}

static int
transport_error(const char *what, const char *addr, int rc)
{
    return rj_client_fail(rc, "%s to %s failed: %s", what, addr, rj_strerror(rc));
}

/* Sync invoke + code check. On RJ_OK *resp holds the response (rj_command_destroy it). */
static int
invoke_expect(rj_rpc_client_t *rpc, const char *addr, rj_command_t *req, int64_t timeout_ms,
              int32_t expect, const char *what, rj_command_t **resp)
{
    int rc = rj_rpc_client_invoke_sync(rpc, addr, req, timeout_ms, resp);

    if (rc != RJ_OK) {
        return transport_error(what, addr, rc);
    }
    if ((*resp)->code != expect) {
        rc = rj_api_remote_error(what, addr, *resp);
        rj_command_destroy(*resp);
        *resp = NULL;
        return rc;
    }
    return RJ_OK;
}

/* -------------------------------------------------------------- name server */

int
rj_api_get_route(rj_rpc_client_t *rpc, const char *namesrv, const char *topic, int64_t timeout_ms,
                 rj_topic_route_t **out)
{
    rj_command_t req, *resp = NULL;
    int rc;

    *out = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_ROUTEINFO_BY_TOPIC);
    rj_command_add_ext_cstr(&req, "topic", topic);
    rc = rj_rpc_client_invoke_sync(rpc, namesrv, &req, timeout_ms, &resp);
    if (rc != RJ_OK) {
        return transport_error("GET_ROUTEINFO_BY_TOPIC", namesrv, rc);
    }
    if (resp->code == RJ_RESP_TOPIC_NOT_EXIST) {
        rc = rj_client_fail(RJ_ENOROUTE, "No route info of this topic: %s (name server %s)", topic,
                            namesrv);
    } else if (resp->code != RJ_RESP_SUCCESS) {
        rc = rj_api_remote_error("GET_ROUTEINFO_BY_TOPIC", namesrv, resp);
    } else {
        rc = rj_topic_route_parse(resp->body.data, resp->body.len, out);
        if (rc == RJ_EMALFORMED) {
            rj_client_fail(rc, "route of %s from %s does not parse", topic, namesrv);
        }
    }
    rj_command_destroy(resp);
    return rc;
}

int
rj_api_get_cluster_info(rj_rpc_client_t *rpc, const char *namesrv, int64_t timeout_ms,
                        void **json_out)
{
    rj_command_t req, *resp = NULL;
    int rc;

    *json_out = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_BROKER_CLUSTER_INFO);
    rc = invoke_expect(rpc, namesrv, &req, timeout_ms, RJ_RESP_SUCCESS, "GET_BROKER_CLUSTER_INFO",
                       &resp);
    if (rc != RJ_OK) {
        return rc;
    }
    json_t *root = rj_json_parse(resp->body.data, resp->body.len, NULL, 0);
    rj_command_destroy(resp);
    if (root == NULL) {
        return rj_client_fail(RJ_EMALFORMED, "cluster info from %s does not parse", namesrv);
    }
    *json_out = root;
    return RJ_OK;
}

/* ------------------------------------------------------------------ sending */

int
rj_api_build_send(rj_command_t *cmd, const rj_send_header_t *h, rj_bytes_t body)
{
    int rc = 0;

    rj_command_init_request(cmd, h->batch ? RJ_REQ_SEND_BATCH_MESSAGE : RJ_REQ_SEND_MESSAGE_V2);
    rc |= rj_command_add_ext_cstr(cmd, "a", h->producer_group);
    rc |= rj_command_add_ext_cstr(cmd, "b", h->topic);
    rc |= rj_command_add_ext_cstr(cmd, "c", h->default_topic);
    rc |= rj_command_add_ext_i64(cmd, "d", h->default_topic_queues);
    rc |= rj_command_add_ext_i64(cmd, "e", h->queue_id);
    rc |= rj_command_add_ext_i64(cmd, "f", h->sys_flag);
    rc |= rj_command_add_ext_i64(cmd, "g", h->born_timestamp);
    rc |= rj_command_add_ext_i64(cmd, "h", h->flag);
    if (h->properties.len > 0) {
        rc |= rj_command_add_ext(cmd, rj_bytes_from_cstr("i"), h->properties);
    }
    rc |= rj_command_add_ext_i64(cmd, "j", h->reconsume_times);
    rc |= rj_command_add_ext_bool(cmd, "k", false);
    if (h->max_reconsume_times >= 0) {
        rc |= rj_command_add_ext_i64(cmd, "l", h->max_reconsume_times);
    }
    rc |= rj_command_add_ext_bool(cmd, "m", h->batch);
    if (h->broker_name != NULL) {
        rc |= rj_command_add_ext_cstr(cmd, "n", h->broker_name);
    }
    cmd->body = body;
    return rc == 0 ? RJ_OK : RJ_ETOOLARGE;
}

bool
rj_api_send_code_is_retryable(int32_t code)
{
    switch (code) {
    case RJ_RESP_TOPIC_NOT_EXIST:
    case RJ_RESP_SERVICE_NOT_AVAILABLE:
    case RJ_RESP_SYSTEM_ERROR:
    case RJ_RESP_NO_PERMISSION:
    case RJ_RESP_NO_BUYER_ID:
    case RJ_RESP_NOT_IN_CURRENT_UNIT:
        return true;
    default:
        return false;
    }
}

int
rj_api_parse_send_response(const rj_command_t *resp, rj_send_response_t *out)
{
    memset(out, 0, sizeof(*out));
    out->code = resp->code;
    switch (resp->code) {
    case RJ_RESP_SUCCESS:
    case RJ_RESP_FLUSH_DISK_TIMEOUT:
    case RJ_RESP_FLUSH_SLAVE_TIMEOUT:
    case RJ_RESP_SLAVE_NOT_AVAILABLE:
        break;
    default:
        return RJ_EREMOTE;
    }
    if (!rj_command_ext_get(resp, "msgId", &out->msg_id) ||
        rj_command_ext_i32(resp, "queueId", &out->queue_id) != 0 ||
        rj_command_ext_i64(resp, "queueOffset", &out->queue_offset) != 0) {
        return RJ_EMALFORMED;
    }
    rj_command_ext_get(resp, "transactionId", &out->transaction_id);
    return RJ_OK;
}

int
rj_api_end_transaction_oneway(rj_rpc_client_t *rpc, const char *addr, const char *group,
                              int64_t tran_state_table_offset, int64_t commitlog_offset,
                              int32_t commit_or_rollback, bool from_check, const char *msg_id,
                              const char *transaction_id, const char *broker_name,
                              const char *remark)
{
    rj_command_t req;

    rj_command_init_request(&req, RJ_REQ_END_TRANSACTION);
    rj_command_add_ext_cstr(&req, "producerGroup", group);
    rj_command_add_ext_i64(&req, "tranStateTableOffset", tran_state_table_offset);
    rj_command_add_ext_i64(&req, "commitLogOffset", commitlog_offset);
    rj_command_add_ext_i64(&req, "commitOrRollback", commit_or_rollback);
    rj_command_add_ext_bool(&req, "fromTransactionCheck", from_check);
    rj_command_add_ext_cstr(&req, "msgId", msg_id);
    rj_command_add_ext_cstr(&req, "transactionId", transaction_id);
    rj_command_add_ext_cstr(&req, "bname", broker_name);
    if (remark != NULL) {
        rj_command_set_remark_cstr(&req, remark);
    }
    int rc = rj_rpc_client_invoke_oneway(rpc, addr, &req);
    return rc == RJ_OK ? RJ_OK : transport_error("END_TRANSACTION", addr, rc);
}

/* ----------------------------------------------------------------- clients */

int
rj_api_heartbeat(rj_rpc_client_t *rpc, const char *addr, rj_bytes_t body, int64_t timeout_ms,
                 int32_t *broker_version)
{
    rj_command_t req, *resp = NULL;
    int rc;

    rj_command_init_request(&req, RJ_REQ_HEART_BEAT);
    req.body = body;
    rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "HEART_BEAT", &resp);
    if (rc == RJ_OK) {
        if (broker_version != NULL) {
            *broker_version = resp->version;
        }
        rj_command_destroy(resp);
    }
    return rc;
}

int
rj_api_unregister_client(rj_rpc_client_t *rpc, const char *addr, const char *client_id,
                         const char *producer_group, const char *consumer_group, int64_t timeout_ms)
{
    rj_command_t req, *resp = NULL;

    rj_command_init_request(&req, RJ_REQ_UNREGISTER_CLIENT);
    rj_command_add_ext_cstr(&req, "clientID", client_id);
    rj_command_add_ext_cstr(&req, "producerGroup", producer_group);
    rj_command_add_ext_cstr(&req, "consumerGroup", consumer_group);
    int rc =
        invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "UNREGISTER_CLIENT", &resp);
    rj_command_destroy(resp);
    return rc;
}

int
rj_api_get_consumer_ids(rj_rpc_client_t *rpc, const char *addr, const char *group,
                        int64_t timeout_ms, char ***ids, size_t *count)
{
    rj_command_t req, *resp = NULL;
    json_t *root = NULL;
    int rc;

    *ids = NULL;
    *count = 0;
    rj_command_init_request(&req, RJ_REQ_GET_CONSUMER_LIST_BY_GROUP);
    rj_command_add_ext_cstr(&req, "consumerGroup", group);
    rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "GET_CONSUMER_LIST_BY_GROUP",
                       &resp);
    if (rc != RJ_OK) {
        return rc;
    }
    root = rj_json_parse(resp->body.data, resp->body.len, NULL, 0);
    const json_t *list = root != NULL ? json_object_get(root, "consumerIdList") : NULL;
    if (!json_is_array(list)) {
        rc = rj_client_fail(RJ_EMALFORMED, "consumer list of %s from %s does not parse", group,
                            addr);
        goto out;
    }
    size_t n = json_array_size(list), strings = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(list, i);
        if (!json_is_string(v)) {
            rc = rj_client_fail(RJ_EMALFORMED, "consumer list of %s has a non-string id", group);
            goto out;
        }
        strings += json_string_length(v) + 1;
    }
    char **arr = rj_malloc((n + 1) * sizeof(char *) + strings);
    if (arr == NULL) {
        rc = RJ_ENOMEM;
        goto out;
    }
    char *p = (char *)(arr + n + 1);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(list, i);
        size_t l = json_string_length(v);
        memcpy(p, json_string_value(v), l);
        p[l] = '\0';
        arr[i] = p;
        p += l + 1;
    }
    arr[n] = NULL;
    *ids = arr;
    *count = n;
out:
    json_decref(root);
    rj_command_destroy(resp);
    return rc;
}

/* ---------------------------------------------------------------- offsets */

static int
offset_call(rj_rpc_client_t *rpc, const char *addr, rj_command_t *req, int64_t timeout_ms,
            const char *what, int64_t *offset)
{
    rj_command_t *resp = NULL;
    int rc = invoke_expect(rpc, addr, req, timeout_ms, RJ_RESP_SUCCESS, what, &resp);

    if (rc != RJ_OK) {
        return rc;
    }
    if (rj_command_ext_i64(resp, "offset", offset) != 0) {
        rc = rj_client_fail(RJ_EMALFORMED, "%s answer of %s has no offset", what, addr);
    }
    rj_command_destroy(resp);
    return rc;
}

int
rj_api_query_consumer_offset(rj_rpc_client_t *rpc, const char *addr, const char *group,
                             const char *topic, int32_t queue_id, int64_t timeout_ms,
                             int64_t *offset)
{
    rj_command_t req, *resp = NULL;
    int rc;

    rj_command_init_request(&req, RJ_REQ_QUERY_CONSUMER_OFFSET);
    rj_command_add_ext_cstr(&req, "consumerGroup", group);
    rj_command_add_ext_cstr(&req, "topic", topic);
    rj_command_add_ext_i64(&req, "queueId", queue_id);
    rc = rj_rpc_client_invoke_sync(rpc, addr, &req, timeout_ms, &resp);
    if (rc != RJ_OK) {
        return transport_error("QUERY_CONSUMER_OFFSET", addr, rc);
    }
    if (resp->code == RJ_RESP_QUERY_NOT_FOUND) {
        rc = RJ_ENOTFOUND;
    } else if (resp->code != RJ_RESP_SUCCESS) {
        rc = rj_api_remote_error("QUERY_CONSUMER_OFFSET", addr, resp);
    } else if (rj_command_ext_i64(resp, "offset", offset) != 0) {
        rc =
            rj_client_fail(RJ_EMALFORMED, "QUERY_CONSUMER_OFFSET answer of %s has no offset", addr);
    }
    rj_command_destroy(resp);
    return rc;
}

int
rj_api_update_consumer_offset(rj_rpc_client_t *rpc, const char *addr, const char *group,
                              const char *topic, int32_t queue_id, int64_t offset,
                              int64_t timeout_ms)
{
    rj_command_t req, *resp = NULL;
    int rc;

    rj_command_init_request(&req, RJ_REQ_UPDATE_CONSUMER_OFFSET);
    rj_command_add_ext_cstr(&req, "consumerGroup", group);
    rj_command_add_ext_cstr(&req, "topic", topic);
    rj_command_add_ext_i64(&req, "queueId", queue_id);
    rj_command_add_ext_i64(&req, "commitOffset", offset);
    if (timeout_ms <= 0) {
        rc = rj_rpc_client_invoke_oneway(rpc, addr, &req);
        return rc == RJ_OK ? RJ_OK : transport_error("UPDATE_CONSUMER_OFFSET", addr, rc);
    }
    rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "UPDATE_CONSUMER_OFFSET",
                       &resp);
    rj_command_destroy(resp);
    return rc;
}

static void
queue_header(rj_command_t *req, int32_t code, const char *topic, int32_t queue_id)
{
    rj_command_init_request(req, code);
    rj_command_add_ext_cstr(req, "topic", topic);
    rj_command_add_ext_i64(req, "queueId", queue_id);
}

int
rj_api_get_max_offset(rj_rpc_client_t *rpc, const char *addr, const char *topic, int32_t queue_id,
                      int64_t timeout_ms, int64_t *offset)
{
    rj_command_t req;

    queue_header(&req, RJ_REQ_GET_MAX_OFFSET, topic, queue_id);
    return offset_call(rpc, addr, &req, timeout_ms, "GET_MAX_OFFSET", offset);
}

int
rj_api_get_min_offset(rj_rpc_client_t *rpc, const char *addr, const char *topic, int32_t queue_id,
                      int64_t timeout_ms, int64_t *offset)
{
    rj_command_t req;

    queue_header(&req, RJ_REQ_GET_MIN_OFFSET, topic, queue_id);
    return offset_call(rpc, addr, &req, timeout_ms, "GET_MIN_OFFSET", offset);
}

int
rj_api_search_offset(rj_rpc_client_t *rpc, const char *addr, const char *topic, int32_t queue_id,
                     int64_t timestamp_ms, int64_t timeout_ms, int64_t *offset)
{
    rj_command_t req;

    queue_header(&req, RJ_REQ_SEARCH_OFFSET_BY_TIMESTAMP, topic, queue_id);
    rj_command_add_ext_i64(&req, "timestamp", timestamp_ms);
    return offset_call(rpc, addr, &req, timeout_ms, "SEARCH_OFFSET_BY_TIMESTAMP", offset);
}

/* ------------------------------------------------------------------ pulling */

void
rj_api_build_pull(rj_command_t *cmd, const rj_pull_header_t *h)
{
    rj_command_init_request(cmd, RJ_REQ_PULL_MESSAGE);
    rj_command_add_ext_cstr(cmd, "consumerGroup", h->consumer_group);
    rj_command_add_ext_cstr(cmd, "topic", h->topic);
    rj_command_add_ext_i64(cmd, "queueId", h->queue_id);
    rj_command_add_ext_i64(cmd, "queueOffset", h->queue_offset);
    rj_command_add_ext_i64(cmd, "maxMsgNums", h->max_msg_nums);
    rj_command_add_ext_i64(cmd, "sysFlag", h->sys_flag);
    rj_command_add_ext_i64(cmd, "commitOffset", h->commit_offset);
    rj_command_add_ext_i64(cmd, "suspendTimeoutMillis", h->suspend_timeout_ms);
    rj_command_add_ext_cstr(cmd, "subscription", h->subscription);
    rj_command_add_ext_i64(cmd, "subVersion", h->sub_version);
    rj_command_add_ext_cstr(cmd, "expressionType", h->expression_type);
    rj_command_add_ext_cstr(cmd, "bname", h->broker_name);
}

int
rj_api_parse_pull_response(const rj_command_t *resp, rj_pull_response_t *out)
{
    memset(out, 0, sizeof(*out));
    switch (resp->code) {
    case RJ_RESP_SUCCESS:
        out->status = RJ_PULL_FOUND;
        break;
    case RJ_RESP_PULL_NOT_FOUND:
        out->status = RJ_PULL_NO_NEW_MSG;
        break;
    case RJ_RESP_PULL_RETRY_IMMEDIATELY:
        out->status = RJ_PULL_NO_MATCHED_MSG;
        break;
    case RJ_RESP_PULL_OFFSET_MOVED:
        out->status = RJ_PULL_OFFSET_ILLEGAL;
        break;
    default:
        return RJ_EREMOTE;
    }
    if (rj_command_ext_i64(resp, "nextBeginOffset", &out->next_begin_offset) != 0 ||
        rj_command_ext_i64(resp, "minOffset", &out->min_offset) != 0 ||
        rj_command_ext_i64(resp, "maxOffset", &out->max_offset) != 0) {
        return RJ_EMALFORMED;
    }
    if (rj_command_ext_i64(resp, "suggestWhichBrokerId", &out->suggest_which_broker_id) != 0) {
        out->suggest_which_broker_id = 0;
    }
    return RJ_OK;
}

/* ------------------------------------------------------------------- retry */

int
rj_api_consumer_send_back(rj_rpc_client_t *rpc, const char *addr, int64_t commitlog_offset,
                          const char *group, int32_t delay_level, const char *origin_msg_id,
                          const char *origin_topic, int32_t max_reconsume_times, int64_t timeout_ms)
{
    rj_command_t req, *resp = NULL;

    rj_command_init_request(&req, RJ_REQ_CONSUMER_SEND_MSG_BACK);
    rj_command_add_ext_i64(&req, "offset", commitlog_offset);
    rj_command_add_ext_cstr(&req, "group", group);
    rj_command_add_ext_i64(&req, "delayLevel", delay_level);
    rj_command_add_ext_cstr(&req, "originMsgId", origin_msg_id);
    rj_command_add_ext_cstr(&req, "originTopic", origin_topic);
    rj_command_add_ext_bool(&req, "unitMode", false);
    rj_command_add_ext_i64(&req, "maxReconsumeTimes", max_reconsume_times);
    int rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "CONSUMER_SEND_MSG_BACK",
                           &resp);
    rj_command_destroy(resp);
    return rc;
}

/* ------------------------------------------------------------------- locks */

static void
write_mq(rj_json_writer_t *w, const rj_message_queue_t *mq)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "brokerName");
    rj_jw_string(w, mq->broker_name);
    rj_jw_key(w, "queueId");
    rj_jw_int(w, mq->queue_id);
    rj_jw_key(w, "topic");
    rj_jw_string(w, mq->topic);
    rj_jw_object_end(w);
}

static int
lock_body(rj_buf_t *buf, const char *group, const char *client_id, const rj_message_queue_t *mqs,
          size_t count)
{
    rj_json_writer_t w;

    rj_jw_init(&w, buf, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "clientId");
    rj_jw_string(&w, client_id);
    rj_jw_key(&w, "consumerGroup");
    rj_jw_string(&w, group);
    rj_jw_key(&w, "mqSet");
    rj_jw_array_begin(&w);
    for (size_t i = 0; i < count; i++) {
        write_mq(&w, &mqs[i]);
    }
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    return rj_jw_finish(&w);
}

int
rj_api_lock_batch(rj_rpc_client_t *rpc, const char *addr, const char *group, const char *client_id,
                  const rj_message_queue_t *mqs, size_t count, int64_t timeout_ms, bool *locked)
{
    rj_buf_t body = RJ_BUF_INIT;
    rj_command_t req, *resp = NULL;
    json_t *root = NULL;
    int rc;

    for (size_t i = 0; i < count; i++) {
        locked[i] = false;
    }
    rc = lock_body(&body, group, client_id, mqs, count);
    if (rc != RJ_OK) {
        goto out;
    }
    rj_command_init_request(&req, RJ_REQ_LOCK_BATCH_MQ);
    req.body = rj_buf_view(&body);
    rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "LOCK_BATCH_MQ", &resp);
    if (rc != RJ_OK) {
        goto out;
    }
    root = rj_json_parse(resp->body.data, resp->body.len, NULL, 0);
    const json_t *set = root != NULL ? json_object_get(root, "lockOKMQSet") : NULL;
    if (set == NULL && root != NULL) {
        goto out; /* nothing granted */
    }
    if (!json_is_array(set)) {
        rc = rj_client_fail(RJ_EMALFORMED, "LOCK_BATCH_MQ answer of %s does not parse", addr);
        goto out;
    }
    size_t idx;
    const json_t *jmq;
    json_array_foreach(set, idx, jmq)
    {
        const char *topic = rj_json_get_str(jmq, "topic", NULL);
        const char *bn = rj_json_get_str(jmq, "brokerName", NULL);
        int64_t qid = rj_json_get_int(jmq, "queueId", -1);
        if (topic == NULL || bn == NULL) {
            continue;
        }
        for (size_t i = 0; i < count; i++) {
            if (mqs[i].queue_id == qid && strcmp(mqs[i].topic, topic) == 0 &&
                strcmp(mqs[i].broker_name, bn) == 0) {
                locked[i] = true;
            }
        }
    }
out:
    json_decref(root);
    rj_command_destroy(resp);
    rj_buf_cleanup(&body);
    return rc;
}

int
rj_api_unlock_batch(rj_rpc_client_t *rpc, const char *addr, const char *group,
                    const char *client_id, const rj_message_queue_t *mqs, size_t count,
                    int64_t timeout_ms)
{
    rj_buf_t body = RJ_BUF_INIT;
    rj_command_t req, *resp = NULL;
    int rc;

    rc = lock_body(&body, group, client_id, mqs, count);
    if (rc == RJ_OK) {
        rj_command_init_request(&req, RJ_REQ_UNLOCK_BATCH_MQ);
        req.body = rj_buf_view(&body);
        if (timeout_ms <= 0) {
            rc = rj_rpc_client_invoke_oneway(rpc, addr, &req);
            if (rc != RJ_OK) {
                rc = transport_error("UNLOCK_BATCH_MQ", addr, rc);
            }
        } else {
            rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "UNLOCK_BATCH_MQ",
                               &resp);
        }
    }
    rj_command_destroy(resp);
    rj_buf_cleanup(&body);
    return rc;
}

/* ------------------------------------------------------------------ filters */

int
rj_api_check_client_config(rj_rpc_client_t *rpc, const char *addr, const char *group,
                           const char *client_id, rj_bytes_t subscription_json, int64_t timeout_ms)
{
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_command_t req, *resp = NULL;
    int rc;

    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "clientId");
    rj_jw_string(&w, client_id);
    rj_jw_key(&w, "group");
    rj_jw_string(&w, group);
    rj_jw_key(&w, "subscriptionData");
    rj_jw_raw(&w, (const char *)subscription_json.data, subscription_json.len);
    rj_jw_object_end(&w);
    rc = rj_jw_finish(&w);
    if (rc == RJ_OK) {
        rj_command_init_request(&req, RJ_REQ_CHECK_CLIENT_CONFIG);
        req.body = rj_buf_view(&body);
        rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "CHECK_CLIENT_CONFIG",
                           &resp);
    }
    rj_command_destroy(resp);
    rj_buf_cleanup(&body);
    return rc;
}

/* ------------------------------------------------------------------- admin */

int
rj_api_create_topic(rj_rpc_client_t *rpc, const char *addr, const char *topic,
                    int32_t read_queue_nums, int32_t write_queue_nums, bool order,
                    int64_t timeout_ms)
{
    rj_command_t req, *resp = NULL;

    rj_command_init_request(&req, RJ_REQ_UPDATE_AND_CREATE_TOPIC);
    rj_command_add_ext_cstr(&req, "topic", topic);
    rj_command_add_ext_cstr(&req, "defaultTopic", "TBW102");
    rj_command_add_ext_i64(&req, "readQueueNums", read_queue_nums);
    rj_command_add_ext_i64(&req, "writeQueueNums", write_queue_nums);
    rj_command_add_ext_i64(&req, "perm", 6);
    rj_command_add_ext_cstr(&req, "topicFilterType", "SINGLE_TAG");
    rj_command_add_ext_i64(&req, "topicSysFlag", 0);
    rj_command_add_ext_bool(&req, "order", order);
    int rc = invoke_expect(rpc, addr, &req, timeout_ms, RJ_RESP_SUCCESS, "UPDATE_AND_CREATE_TOPIC",
                           &resp);
    rj_command_destroy(resp);
    return rc;
}
