/*
 * Request/reply (RocketMQ's ReplyMessageProcessor): SEND_REPLY_MESSAGE and
 * SEND_REPLY_MESSAGE_V2, inline on the I/O thread.
 *
 * A replier sends the reply like a message (same header and checks as
 * SEND_MESSAGE, processor_send.h) to <cluster>_REPLY_TOPIC with the
 * requester's client id in REPLY_TO_CLIENT. The broker pushes it to that
 * client's connection (the producer table's findChannel) with
 * PUSH_REPLY_MESSAGE_TO_CLIENT, PUSH_REPLY_TIME added to its properties, and,
 * with storeReplyMessageEnable, also appends it to the commit log as sent.
 * The replier's answer follows Java: the code and remark say whether the push
 * worked (SYSTEM_ERROR when the client is unknown, the push fails or the
 * client answers an error), and msgId/queueId/queueOffset describe the stored
 * record ("0"/queueId/0 when the push worked but nothing was stored).
 *
 * Nothing waits: the request is deferred, the push is an asynchronous
 * invocation and a SYNC_FLUSH put hands in a flush waiter. Up to three parties
 * finish independently (this handler, the push callback on the requester's
 * I/O thread, the store's flush callback); each drops one count and the last
 * one answers the replier.
 *
 * Deliberate difference: Java stores the reply with sysFlag 0, so a
 * compressed body (Java compresses bodies over 4 KiB) would be stored
 * without its COMPRESSED bit; the header's sysFlag (tran type cleared) is
 * stored here, so the record decodes.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/processor_send.h"
#include "broker/producer_manager.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "common/message_record.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Broker2Client.callClient's timeout. */
#define PUSH_TIMEOUT_MS 10000

typedef struct {
    rj_store_flush_waiter_t waiter;
    rj_broker_t *broker;
    rj_deferred_t *deferred;
    atomic_int pending; /* parties still to finish: handler, push, flush */
    bool push_ok;
    bool stored;
    bool topic_created; /* the answer waits for topics.json */
    int32_t queue_id;   /* the request's queue, or the random pick for queueId < 0 */
    int64_t queue_offset;
    char msg_id[RJ_MSG_ID_MAX_HEX_SIZE];
    char remark[512]; /* the failure remark, when !push_ok */
} reply_t;

static bool
put_ok(rj_put_status_t st)
{
    return st == RJ_PUT_OK || st == RJ_PUT_FLUSH_DISK_TIMEOUT || st == RJ_PUT_FLUSH_SLAVE_TIMEOUT ||
           st == RJ_PUT_SLAVE_NOT_AVAILABLE;
}

/* Answers the replier (the last party to finish) and frees `r`. */
static void
reply_finish(reply_t *r)
{
    rj_broker_t *b = r->broker;
    rj_command_t resp;
    rj_command_init_request(&resp, r->push_ok ? RJ_RESP_SUCCESS : RJ_RESP_SYSTEM_ERROR);
    resp.flag = RJ_CMD_FLAG_RESPONSE;
    rj_command_add_ext_cstr(&resp, "MSG_REGION", b->config.region_id);
    rj_command_add_ext_cstr(&resp, "TRACE_ON",
                            RJ_BROKER_CONFIG_LIVE_GET(&b->config, trace_on) ? "true" : "false");
    if (!r->push_ok) {
        rj_command_set_remark_cstr(&resp, r->remark);
    }
    if (r->stored || r->push_ok) {
        /* Java's pushed-but-not-stored answer carries msgId "0" so that clients still decode it. */
        rj_command_add_ext_cstr(&resp, "msgId", r->stored ? r->msg_id : "0");
        rj_command_add_ext_i64(&resp, "queueId", r->queue_id);
        rj_command_add_ext_i64(&resp, "queueOffset", r->stored ? r->queue_offset : 0);
    }
    if (r->topic_created) {
        rj_send_reply_after_persist(b, r->deferred, &resp);
    } else {
        rj_deferred_reply(r->deferred, &resp);
    }
    rj_free(r);
}

static void
reply_arrive(reply_t *r)
{
    if (atomic_fetch_sub(&r->pending, 1) == 1) {
        reply_finish(r);
    }
}

static void
on_flushed(rj_store_flush_waiter_t *w, rj_put_status_t status)
{
    /* Every flush outcome still counts as stored (FLUSH_DISK_TIMEOUT is a put success). */
    (void)status;
    reply_arrive(w->data);
}

static void
on_pushed(int status, const rj_command_t *resp, void *arg)
{
    reply_t *r = arg;
    if (status == 0 && resp->code == RJ_RESP_SUCCESS) {
        r->push_ok = true;
    } else if (status == 0) {
        rj_log(RJ_LOG_WARN, 0, "%s, response code %d remark %.*s", r->remark, resp->code,
               resp->has_remark ? (int)resp->remark.len : 0,
               resp->has_remark ? (const char *)resp->remark.data : "");
    } else {
        rj_log(RJ_LOG_WARN, status, "%s", r->remark);
    }
    reply_arrive(r);
}

/* Appends the reply as sent (Java's putMessage of the reply); fills r's stored fields. */
static void
reply_store(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, const rj_send_header_t *h,
            reply_t *r)
{
    rj_bytes_t v;
    bool wait = true;
    if (rj_message_properties_get(h->properties, RJ_PROP_WAIT_STORE_MSG_OK, &v)) {
        wait = rj_bytes_parse_java_bool(v);
    }
    int32_t delay = 0;
    if (rj_message_properties_get(h->properties, RJ_PROP_DELAY_TIME_LEVEL, &v) &&
        rj_bytes_parse_i32(v, &delay) != 0) {
        delay = 0;
    }
    /* Java stores the client's property string as it came (no CLUSTER added, WAIT kept). */
    rj_store_msg_t msg = {
        .topic = h->topic,
        .queue_id = r->queue_id,
        .flag = h->flag,
        .sys_flag = rj_sysflag_set_tran_type(h->sys_flag, RJ_SYSFLAG_TRANSACTION_NOT),
        .born_timestamp = h->born_timestamp,
        .store_host = b->store_host,
        .reconsume_times = h->reconsume_times,
        .body = cmd->body,
        .properties = h->properties,
        .delay_level = delay,
        .wait_store_msg_ok = wait,
    };
    rj_msg_host_from_sockaddr(
        (const struct sockaddr *)rj_connection_peer(rj_request_connection(req)), &msg.born_host);
    bool must_wait = wait && b->store_config.flush_disk_type == RJ_FLUSH_SYNC;
    if (must_wait) {
        r->waiter.cb = on_flushed;
        r->waiter.data = r;
        atomic_fetch_add(&r->pending, 1);
    }
    rj_store_put_result_t res;
    memset(&res, 0, sizeof(res));
    int64_t begin_ms = rj_clock_mono_ms();
    rj_put_status_t st = rj_store_put(b->store, &msg, must_wait ? &r->waiter : NULL, &res);
    rj_broker_stats_put_time(&b->stats, rj_clock_mono_ms() - begin_ms);
    if (must_wait && !res.flush_pending) {
        /* No callback follows; the handler's own count keeps r alive. */
        atomic_fetch_sub(&r->pending, 1);
    }
    if (put_ok(st)) {
        rj_broker_stats_put(&b->stats, 1, (uint64_t)res.wrote_bytes);
        r->stored = true;
        memcpy(r->msg_id, res.msg_id, sizeof(r->msg_id));
        r->queue_offset = res.queue_offset;
    } else {
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "process reply message, store put failed: %d",
                           (int)st);
    }
}

static bool
is_push_reply_time(rj_bytes_t key, void *arg)
{
    (void)arg;
    return rj_bytes_eq_cstr(key, RJ_PROP_PUSH_REPLY_TIME);
}

/* The push: ReplyMessageRequestHeader and the body, to the requester's connection. */
static int
reply_invoke(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, const rj_send_header_t *h,
             rj_connection_t *conn, reply_t *r)
{
    char now[24];
    snprintf(now, sizeof(now), "%lld", (long long)rj_clock_wall_ms());
    rj_buf_t props = RJ_BUF_INIT;
    int rc = rj_message_properties_rewrite(h->properties, is_push_reply_time, NULL, &props);
    if (rc == 0) {
        rc = rj_message_properties_append_cstr(&props, RJ_PROP_PUSH_REPLY_TIME, now);
    }
    if (rc == 0) {
        rj_command_t push;
        rj_command_init_request(&push, RJ_REQ_PUSH_REPLY_MESSAGE_TO_CLIENT);
        rj_command_add_ext(&push, RJ_BYTES_LIT("producerGroup"), h->producer_group);
        rj_command_add_ext(&push, RJ_BYTES_LIT("topic"), h->topic);
        rj_command_add_ext(&push, RJ_BYTES_LIT("defaultTopic"), h->default_topic);
        rj_command_add_ext_i64(&push, "defaultTopicQueueNums", h->default_topic_queue_nums);
        rj_command_add_ext_i64(&push, "queueId", h->queue_id);
        rj_command_add_ext_i64(&push, "sysFlag", h->sys_flag);
        rj_command_add_ext_i64(&push, "bornTimestamp", h->born_timestamp);
        rj_command_add_ext_i64(&push, "flag", h->flag);
        rj_command_add_ext(&push, RJ_BYTES_LIT("properties"), rj_buf_view(&props));
        rj_command_add_ext_i64(&push, "reconsumeTimes", h->reconsume_times);
        rj_command_add_ext_bool(&push, "unitMode", h->unit_mode);
        rj_command_add_ext_cstr(&push, "bornHost",
                                rj_connection_remote_addr(rj_request_connection(req)));
        rj_command_add_ext_cstr(&push, "storeHost", b->broker_addr);
        rj_command_add_ext_i64(&push, "storeTimestamp", rj_clock_wall_ms());
        push.body = cmd->body;
        atomic_fetch_add(&r->pending, 1);
        /* Encoded before returning: the views above may go right after. */
        rc = rj_connection_invoke_async(conn, &push, PUSH_TIMEOUT_MS, on_pushed, r);
        if (rc != 0) {
            atomic_fetch_sub(&r->pending, 1);
        }
    }
    rj_buf_cleanup(&props);
    return rc;
}

/* pushReplyMessage: finds the requester and starts the push; failures leave r->remark. */
static void
reply_push(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, const rj_send_header_t *h,
           reply_t *r)
{
    rj_bytes_t client;
    if (!rj_message_properties_get(h->properties, RJ_PROP_MESSAGE_REPLY_TO_CLIENT, &client)) {
        snprintf(r->remark, sizeof(r->remark), "reply message properties[%s] is null",
                 RJ_PROP_MESSAGE_REPLY_TO_CLIENT);
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "%s is null, can not reply message",
                           RJ_PROP_MESSAGE_REPLY_TO_CLIENT);
        return;
    }
    rj_connection_t *conn = rj_producer_manager_find_client(b->producers, client);
    if (conn == NULL) {
        snprintf(r->remark, sizeof(r->remark),
                 "push reply message fail, channel of <%.*s> not found.", (int)client.len,
                 (const char *)client.data);
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "%s", r->remark);
        return;
    }
    /* Set before the push starts: its callback may run on another thread at once. */
    snprintf(r->remark, sizeof(r->remark), "push reply message to %.*sfail.", (int)client.len,
             (const char *)client.data);
    int rc = reply_invoke(b, req, cmd, h, conn, r);
    if (rc != 0) {
        rj_log(RJ_LOG_WARN, rc, "push reply message to <%.*s> fail, channel %s", (int)client.len,
               (const char *)client.data, rj_connection_remote_addr(conn));
    }
    rj_connection_release(conn);
}

static int
handle_reply(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_send_header_t h;
    rj_header_reader_t rd;
    if (rj_send_header_parse(cmd, &h, &rd) != 0) {
        return rj_header_reply_error(&rd, req);
    }
    rj_topic_config_t tc;
    bool created;
    if (rj_send_check(b, req, cmd, &h, &tc, &created) != 0) {
        return 0;
    }
    reply_t *r = rj_calloc(1, sizeof(*r));
    if (r == NULL) {
        return RJ_ENOMEM;
    }
    if ((r->deferred = rj_request_defer(req)) == NULL) {
        rj_free(r);
        return RJ_ENOMEM;
    }
    r->broker = b;
    r->topic_created = created;
    r->queue_id = h.queue_id < 0 ? rj_send_random_queue(tc.write_queue_nums) : h.queue_id;
    atomic_init(&r->pending, 1);
    /* Stored before the push (Java pushes first): the answer is the same, and nothing of the
     * request has to outlive this call. */
    if (RJ_BROKER_CONFIG_LIVE_GET(&b->config, store_reply_message_enable)) {
        reply_store(b, req, cmd, &h, r);
    }
    reply_push(b, req, cmd, &h, r);
    reply_arrive(r);
    return 0;
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_SEND_REPLY_MESSAGE, RJ_DISPATCH_INLINE, handle_reply},
    {RJ_REQ_SEND_REPLY_MESSAGE_V2, RJ_DISPATCH_INLINE, handle_reply},
};

const rj_broker_processor_t rj_processor_reply = {
    .name = "reply",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
