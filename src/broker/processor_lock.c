/*
 * Queue locks of orderly consumers (AdminBrokerProcessor.lockBatchMQ /
 * unlockBatchMQ, requests.md §C9): LOCK_BATCH_MQ answers the queues the
 * client holds afterwards as {"lockOKMQSet":[MessageQueue…]}, UNLOCK_BATCH_MQ
 * releases the client's queues (Java clients send it one-way or two-way).
 * Inline: a small JSON body and a striped in-memory table (rebalance_lock.h).
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/rebalance_lock.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

#define MQS_ON_STACK 64
/* A client locks the queues of one broker: far fewer than this. */
#define MAX_MQS 65536

/* A decoded Lock/UnlockBatchRequestBody; views into `json`. */
typedef struct {
    json_t *json;
    rj_bytes_t group;
    rj_bytes_t client_id;
    rj_message_queue_t *mqs;
    size_t n;
    rj_message_queue_t stack[MQS_ON_STACK];
} lock_body_t;

static bool
same_mq(const rj_message_queue_t *a, const rj_message_queue_t *b)
{
    return a->queue_id == b->queue_id && rj_bytes_eq(a->topic, b->topic) &&
           rj_bytes_eq(a->broker_name, b->broker_name);
}

/* Parses the body; mqSet becomes a set (duplicates dropped). Returns NULL or the error remark. */
static const char *
parse_body(const rj_command_t *cmd, lock_body_t *lb)
{
    memset(lb, 0, offsetof(lock_body_t, stack));
    lb->mqs = lb->stack;
    if (cmd->body.len == 0) {
        return "the request body is missing";
    }
    lb->json = rj_json_parse(cmd->body.data, cmd->body.len, NULL, 0);
    if (!json_is_object(lb->json)) {
        return "the request body is not a JSON object";
    }
    const char *group = rj_json_get_str(lb->json, "consumerGroup", NULL);
    const char *client = rj_json_get_str(lb->json, "clientId", NULL);
    const json_t *set = json_object_get(lb->json, "mqSet");
    if (group == NULL || client == NULL || !json_is_array(set)) {
        return "the request body lacks consumerGroup, clientId or mqSet";
    }
    lb->group = rj_bytes_from_cstr(group);
    lb->client_id = rj_bytes_from_cstr(client);
    size_t total = json_array_size(set);
    if (total > MAX_MQS) {
        return "mqSet is too large";
    }
    if (total > MQS_ON_STACK) {
        lb->mqs = rj_calloc(total, sizeof(*lb->mqs));
        if (lb->mqs == NULL) {
            lb->mqs = lb->stack;
            return "out of memory";
        }
    }
    for (size_t i = 0; i < total; i++) {
        const json_t *mq = json_array_get(set, i);
        int64_t qid = rj_json_get_int(mq, "queueId", -1);
        const char *topic = rj_json_get_str(mq, "topic", NULL);
        const char *broker = rj_json_get_str(mq, "brokerName", NULL);
        if (!json_is_object(mq) || topic == NULL || broker == NULL || qid < INT32_MIN ||
            qid > INT32_MAX) {
            return "mqSet holds a malformed MessageQueue";
        }
        rj_message_queue_t q = {rj_bytes_from_cstr(topic), rj_bytes_from_cstr(broker),
                                (int32_t)qid};
        bool dup = false;
        for (size_t j = 0; j < lb->n && !dup; j++) {
            dup = same_mq(&lb->mqs[j], &q);
        }
        if (!dup) {
            lb->mqs[lb->n++] = q;
        }
    }
    return NULL;
}

static void
body_cleanup(lock_body_t *lb)
{
    if (lb->mqs != lb->stack) {
        rj_free(lb->mqs);
    }
    json_decref(lb->json);
}

static int
handle_lock(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    lock_body_t lb;
    const char *bad = parse_body(cmd, &lb);
    if (bad != NULL) {
        body_cleanup(&lb);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, bad, false);
    }
    bool stack_granted[MQS_ON_STACK];
    bool *granted = lb.n <= MQS_ON_STACK ? stack_granted : rj_calloc(lb.n, sizeof(bool));
    int rc = granted != NULL ? rj_rebalance_lock_try_batch(b->locks, lb.group, lb.client_id, lb.mqs,
                                                           lb.n, granted, rj_clock_wall_ms())
                             : RJ_ENOMEM;
    if (rc >= 0) {
        rj_buf_t out = RJ_BUF_INIT;
        rj_json_writer_t w;
        rj_jw_init(&w, &out, 0);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "lockOKMQSet");
        rj_jw_array_begin(&w);
        for (size_t i = 0; i < lb.n; i++) {
            if (granted[i]) {
                /* Names come from a JSON string, so they are NUL-terminated. */
                rj_broker_write_mq(&w, (const char *)lb.mqs[i].broker_name.data, lb.mqs[i].topic,
                                   lb.mqs[i].queue_id);
            }
        }
        rj_jw_array_end(&w);
        rj_jw_object_end(&w);
        if ((size_t)rc < lb.n) {
            rj_log(RJ_LOG_DEBUG, 0, "lockBatchMQ group=%.*s client=%.*s: %d of %zu granted",
                   (int)lb.group.len, (const char *)lb.group.data, (int)lb.client_id.len,
                   (const char *)lb.client_id.data, rc, lb.n);
        }
        rc = rj_broker_reply_json(req, cmd, &w);
        rj_buf_cleanup(&out);
    }
    if (granted != stack_granted) {
        rj_free(granted);
    }
    body_cleanup(&lb);
    return rc;
}

static int
handle_unlock(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    lock_body_t lb;
    const char *bad = parse_body(cmd, &lb);
    if (bad != NULL) {
        body_cleanup(&lb);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, bad, false);
    }
    rj_rebalance_lock_unlock_batch(b->locks, lb.group, lb.client_id, lb.mqs, lb.n);
    body_cleanup(&lb);
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

static int
start_lock(rj_broker_t *b)
{
    return rj_rebalance_lock_create(b->config.rebalance_lock_max_live_time, &b->locks);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_LOCK_BATCH_MQ, RJ_DISPATCH_INLINE, handle_lock},
    {RJ_REQ_UNLOCK_BATCH_MQ, RJ_DISPATCH_INLINE, handle_unlock},
};

const rj_broker_processor_t rj_processor_lock = {
    .name = "lock",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
    .start = start_lock,
};
