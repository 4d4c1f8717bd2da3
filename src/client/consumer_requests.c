/*
 * Broker-initiated requests to a push consumer (Java ClientRemotingProcessor):
 * GET_CONSUMER_RUNNING_INFO, CONSUME_MESSAGE_DIRECTLY,
 * RESET_CONSUMER_CLIENT_OFFSET and GET_CONSUMER_STATUS_FROM_CLIENT. They run
 * on a remoting worker thread; the offset reset is handed to the service
 * thread because it makes RPCs and reorganises the queues.
 */
#include "client/push_consumer_internal.h"

#include "client/allocate.h"
#include "client/last_error.h"
#include "client/pull_batch.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "ramjet/version.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void
write_mq_key(rj_json_writer_t *w, const rj_message_queue_t *mq, rj_buf_t *scratch)
{
    rj_json_writer_t kw;

    rj_buf_reset(scratch);
    rj_jw_init(&kw, scratch, 0);
    rj_jw_object_begin(&kw);
    rj_jw_key(&kw, "brokerName");
    rj_jw_string(&kw, mq->broker_name);
    rj_jw_key(&kw, "queueId");
    rj_jw_int(&kw, mq->queue_id);
    rj_jw_key(&kw, "topic");
    rj_jw_string(&kw, mq->topic);
    rj_jw_object_end(&kw);
    rj_jw_finish(&kw);
    rj_jw_key_raw(w, (const char *)scratch->data, scratch->len);
}

static void
prop(rj_json_writer_t *w, const char *key, const char *value)
{
    rj_jw_key(w, key);
    rj_jw_string(w, value);
}

static void
prop_int(rj_json_writer_t *w, const char *key, int64_t value)
{
    char text[24];
    snprintf(text, sizeof(text), "%" PRId64, value);
    prop(w, key, text);
}

/* ConsumerRunningInfo (fastjson form, MessageQueue objects as keys). */
static int
running_info(rj_push_consumer_t *c, rj_buf_t *out)
{
    rj_json_writer_t w;
    rj_buf_t scratch = RJ_BUF_INIT;
    rj_process_queue_t *pqs[1024];
    size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);

    if (n > 1024) {
        n = 1024;
    }
    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "mqTable");
    rj_jw_object_begin(&w);
    for (size_t i = 0; i < n; i++) {
        rj_process_queue_t *pq = pqs[i];
        write_mq_key(&w, &pq->mq, &scratch);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "cachedMsgCount");
        rj_jw_int(&w, (int64_t)rj_pq_msg_count(pq));
        rj_jw_key(&w, "cachedMsgMaxOffset");
        rj_jw_int(&w, pq->queue_offset_max);
        rj_jw_key(&w, "cachedMsgSizeInMiB");
        rj_jw_int(&w, (int64_t)(rj_pq_msg_size(pq) / (1024 * 1024)));
        rj_jw_key(&w, "commitOffset");
        rj_jw_int(&w, rj_offset_store_read(c->offsets, &pq->mq, RJ_READ_FROM_MEMORY));
        rj_jw_key(&w, "droped");
        rj_jw_bool(&w, atomic_load(&pq->dropped));
        rj_jw_key(&w, "lastConsumeTimestamp");
        rj_jw_int(&w, atomic_load(&pq->last_consume_ms));
        rj_jw_key(&w, "lastLockTimestamp");
        rj_jw_int(&w, atomic_load(&pq->last_lock_ms));
        rj_jw_key(&w, "lastPullTimestamp");
        rj_jw_int(&w, atomic_load(&pq->last_pull_ms));
        rj_jw_key(&w, "locked");
        rj_jw_bool(&w, atomic_load(&pq->locked));
        rj_jw_key(&w, "tryUnlockTimes");
        rj_jw_int(&w, 0);
        rj_jw_object_end(&w);
    }
    rj_jw_object_end(&w);
    rj_jw_key(&w, "properties");
    rj_jw_object_begin(&w);
    prop(&w, "PROP_CLIENT_VERSION", "RAMJET_" RJ_VERSION_STRING);
    prop(&w, "PROP_CONSUMEORDERLY", c->orderly_listener != NULL ? "true" : "false");
    prop(&w, "PROP_CONSUME_TYPE", "CONSUME_PASSIVELY");
    prop_int(&w, "PROP_CONSUMER_START_TIMESTAMP", c->start_ms);
    prop(&w, "PROP_NAMESERVER_ADDR", c->namesrv_addrs);
    prop_int(&w, "PROP_THREADPOOL_CORE_SIZE", c->consume_threads);
    prop(&w, "allocateMessageQueueStrategy", rj_allocate_strategy_name(c->strategy));
    prop_int(&w, "consumeMessageBatchMaxSize", c->consume_batch_size);
    prop(&w, "consumerGroup", c->group);
    prop(&w, "messageModel",
         c->model == RJ_MESSAGE_MODEL_CLUSTERING ? "CLUSTERING" : "BROADCASTING");
    prop_int(&w, "pullBatchSize", c->pull_batch_size);
    prop_int(&w, "pullThresholdForQueue", c->pull_threshold_count);
    prop_int(&w, "consumedOkTotal", atomic_load(&c->consumed_ok));
    prop_int(&w, "consumedFailedTotal", atomic_load(&c->consumed_failed));
    rj_jw_object_end(&w);
    rj_jw_key(&w, "statusTable");
    rj_jw_object_begin(&w);
    for (size_t i = 0; i < c->sub_count; i++) {
        rj_jw_key(&w, c->subs[i]->topic);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "consumeFailedMsgs");
        rj_jw_int(&w, atomic_load(&c->consumed_failed));
        rj_jw_key(&w, "consumeFailedTPS");
        rj_jw_double(&w, 0.0);
        rj_jw_key(&w, "consumeOKTPS");
        rj_jw_double(&w, 0.0);
        rj_jw_key(&w, "consumeRT");
        rj_jw_double(&w, 0.0);
        rj_jw_key(&w, "pullRT");
        rj_jw_double(&w, 0.0);
        rj_jw_key(&w, "pullTPS");
        rj_jw_double(&w, 0.0);
        rj_jw_object_end(&w);
    }
    rj_jw_object_end(&w);
    rj_jw_key(&w, "subscriptionSet");
    rj_jw_array_begin(&w);
    for (size_t i = 0; i < c->sub_count; i++) {
        rj_subscription_write_json(c->subs[i], &w);
    }
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    for (size_t i = 0; i < n; i++) {
        rj_pq_release(pqs[i]);
    }
    rj_buf_cleanup(&scratch);
    return rj_jw_finish(&w);
}

static int
reply_body(rj_request_t *req, int32_t code, const char *remark, rj_bytes_t body)
{
    rj_command_t resp;

    rj_command_init_request(&resp, code);
    if (remark != NULL) {
        rj_command_set_remark_cstr(&resp, remark);
    }
    resp.body = body;
    return rj_request_reply(req, &resp);
}

static int
consume_directly(rj_push_consumer_t *c, rj_request_t *req, const rj_command_t *cmd)
{
    rj_pull_batch_t *b = NULL;
    char broker[128] = "";
    rj_bytes_t bn;
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    bool ok = false;
    int64_t spent = 0;
    int rc;

    if (rj_command_ext_get(cmd, "brokerName", &bn)) {
        rj_bytes_copy_cstr(bn, broker, sizeof(broker));
    }
    rc = rj_pull_batch_decode(cmd->body.data, cmd->body.len, broker, -1, -1, &b);
    if (rc != RJ_OK || b->count != 1) {
        rj_pull_batch_release(b);
        return reply_body(req, 1, "message body does not decode", RJ_BYTES_NULL);
    }
    rj_consume_directly(c, &b->msgs[0], &ok, &spent);
    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "autoCommit");
    rj_jw_bool(&w, true);
    rj_jw_key(&w, "consumeResult");
    rj_jw_string(&w, ok ? "CR_SUCCESS" : "CR_LATER");
    rj_jw_key(&w, "order");
    rj_jw_bool(&w, c->orderly_listener != NULL);
    rj_jw_key(&w, "spentTimeMills");
    rj_jw_int(&w, spent);
    rj_jw_object_end(&w);
    rc = rj_jw_finish(&w);
    if (rc == RJ_OK) {
        rc = reply_body(req, 0, NULL, rj_buf_view(&body));
    }
    rj_buf_cleanup(&body);
    rj_pull_batch_release(b);
    return rc;
}

/* ----------------------------------------------------------- offset reset */

typedef struct {
    rj_push_consumer_t *c;
    char topic[128];
    json_t *table; /* ResetOffsetBody offsetTable */
} reset_task_t;

static void
reset_run(void *arg, uint64_t extra, bool cancelled)
{
    reset_task_t *t = arg;
    rj_push_consumer_t *c = t->c;
    const char *key;
    const json_t *val;

    (void)extra;
    if (cancelled) {
        goto out;
    }
    pthread_rwlock_rdlock(&c->run_lock);
    if (!c->running) {
        pthread_rwlock_unlock(&c->run_lock);
        goto out;
    }
    bool was_paused = atomic_exchange(&c->paused, true);
    /* Only the queues named in the table move (Java resetOffset). */
    json_object_foreach(t->table, key, val)
    {
        json_t *jmq = rj_json_parse(key, strlen(key), NULL, 0);
        int64_t offset;
        const char *topic = rj_json_get_str(jmq, "topic", NULL);
        const char *bn = rj_json_get_str(jmq, "brokerName", NULL);
        int64_t qid = rj_json_get_int(jmq, "queueId", -1);
        if (topic != NULL && bn != NULL && qid >= 0 && qid <= INT32_MAX &&
            rj_json_as_int(val, &offset) && strcmp(topic, t->topic) == 0) {
            rj_message_queue_t mq = {topic, bn, (int32_t)qid};
            rj_process_queue_t *pq = rj_rebalance_find(&c->rb, &mq);
            if (pq != NULL) {
                atomic_store(&pq->dropped, true);
                rj_pq_clear(pq);
            }
            rj_offset_store_update(c->offsets, &mq, offset, false);
            rj_offset_store_persist(c->offsets, &mq, true);
            if (pq != NULL) {
                rj_rebalance_remove(&c->rb, pq);
                rj_pq_release(pq);
            }
            rj_log(RJ_LOG_INFO, 0, "reset offset group=%s %s qid=%d on %s to %" PRId64, c->group,
                   topic, (int)qid, bn, offset);
        }
        json_decref(jmq);
    }
    if (!was_paused) {
        atomic_store(&c->paused, false);
    }
    pthread_rwlock_unlock(&c->run_lock);
    rj_client_instance_rebalance_soon(c->inst);
out:
    json_decref(t->table);
    rj_push_consumer_release(c);
    rj_free(t);
}

static int
reset_offset(rj_push_consumer_t *c, rj_request_t *req, const rj_command_t *cmd)
{
    rj_bytes_t topic;
    json_t *root = rj_json_parse(cmd->body.data, cmd->body.len, NULL, 0);
    json_t *table = root != NULL ? json_object_get(root, "offsetTable") : NULL;

    if (!rj_command_ext_get(cmd, "topic", &topic) || !json_is_object(table)) {
        rj_log(RJ_LOG_WARN, RJ_EMALFORMED, "RESET_CONSUMER_CLIENT_OFFSET without topic or table");
        json_decref(root);
        return rj_request_is_oneway(req) ? RJ_OK : reply_body(req, 1, "bad body", RJ_BYTES_NULL);
    }
    reset_task_t *t = rj_calloc(1, sizeof(*t));
    if (t == NULL) {
        json_decref(root);
        return RJ_ENOMEM;
    }
    t->c = c;
    rj_bytes_copy_cstr(topic, t->topic, sizeof(t->topic));
    t->table = json_incref(table);
    json_decref(root);
    rj_push_consumer_retain(c);
    if (rj_executor_submit(rj_client_instance_service(c->inst), reset_run, t, 0) != RJ_OK) {
        reset_run(t, 0, true);
    }
    return rj_request_is_oneway(req) ? RJ_OK : reply_body(req, 0, NULL, RJ_BYTES_NULL);
}

static int
consumer_status(rj_push_consumer_t *c, rj_request_t *req, const rj_command_t *cmd)
{
    rj_bytes_t topic = RJ_BYTES_NULL;
    char topic_text[128] = "";
    rj_buf_t body = RJ_BUF_INIT, scratch = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_process_queue_t *pqs[1024];

    if (rj_command_ext_get(cmd, "topic", &topic)) {
        rj_bytes_copy_cstr(topic, topic_text, sizeof(topic_text));
    }
    size_t n = rj_rebalance_snapshot(&c->rb, topic_text[0] ? topic_text : NULL, pqs, 1024);
    if (n > 1024) {
        n = 1024;
    }
    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "consumerTable");
    rj_jw_object_begin(&w);
    rj_jw_object_end(&w);
    rj_jw_key(&w, "messageQueueTable");
    rj_jw_object_begin(&w);
    for (size_t i = 0; i < n; i++) {
        write_mq_key(&w, &pqs[i]->mq, &scratch);
        rj_jw_int(&w, rj_offset_store_read(c->offsets, &pqs[i]->mq, RJ_READ_FROM_MEMORY));
        rj_pq_release(pqs[i]);
    }
    rj_jw_object_end(&w);
    rj_jw_object_end(&w);
    int rc = rj_jw_finish(&w);
    if (rc == RJ_OK) {
        rc = reply_body(req, 0, NULL, rj_buf_view(&body));
    }
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&scratch);
    return rc;
}

int
rj_push_consumer_handle_request(rj_push_consumer_t *c, rj_request_t *req, const rj_command_t *cmd)
{
    int rc;

    pthread_rwlock_rdlock(&c->run_lock);
    if (!c->running) {
        pthread_rwlock_unlock(&c->run_lock);
        return rj_request_is_oneway(req)
                   ? RJ_OK
                   : reply_body(req, 1, "consumer shutting down", RJ_BYTES_NULL);
    }
    switch (cmd->code) {
    case RJ_REQ_GET_CONSUMER_RUNNING_INFO: {
        rj_buf_t body = RJ_BUF_INIT;
        rc = running_info(c, &body);
        if (rc == RJ_OK) {
            rc = reply_body(req, 0, NULL, rj_buf_view(&body));
        }
        rj_buf_cleanup(&body);
        break;
    }
    case RJ_REQ_CONSUME_MESSAGE_DIRECTLY:
        rc = consume_directly(c, req, cmd);
        break;
    case RJ_REQ_RESET_CONSUMER_CLIENT_OFFSET:
        rc = reset_offset(c, req, cmd);
        break;
    case RJ_REQ_GET_CONSUMER_STATUS_FROM_CLIENT:
        rc = consumer_status(c, req, cmd);
        break;
    default:
        rc = reply_body(req, RJ_RESP_REQUEST_CODE_NOT_SUPPORTED, "not supported", RJ_BYTES_NULL);
        break;
    }
    pthread_rwlock_unlock(&c->run_lock);
    return rc;
}
