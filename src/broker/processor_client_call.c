/*
 * Calls the broker forwards to a client (AdminBrokerProcessor.callConsumer):
 * GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY. The admin's request
 * is copied (CONSUME_MESSAGE_DIRECTLY also gets `brokerName` and the stored
 * record as body), sent to the consumer's connection with an asynchronous
 * invocation, and the consumer's answer is relayed as the admin's response.
 * Nothing waits: the admin's request is deferred and completed from the
 * consumer connection's loop.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "common/alloc.h"
#include "common/message_id.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/mq_version.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

#define CALL_CLIENT_TIMEOUT_MS 10000

typedef struct {
    rj_deferred_t *deferred;
    char group[256];
    char client_id[256];
} call_t;

static void
on_client_response(int status, const rj_command_t *resp, void *arg)
{
    call_t *c = arg;
    rj_command_t out;
    char remark[700];
    if (status == 0) {
        /* Relay the consumer's answer: code, remark, header fields and body. */
        out = *resp;
        out.flag = 0;
        rj_deferred_reply(c->deferred, &out);
    } else {
        rj_command_init_request(&out, RJ_RESP_SYSTEM_ERROR);
        if (status == RJ_ETIMEDOUT) {
            out.code = RJ_RESP_CONSUME_MSG_TIMEOUT;
            snprintf(remark, sizeof(remark), "consumer <%s> <%s> Timeout: %s", c->group,
                     c->client_id, rj_strerror(status));
        } else {
            snprintf(remark, sizeof(remark), "invoke consumer <%s> <%s> Exception: %s", c->group,
                     c->client_id, rj_strerror(status));
        }
        rj_command_set_remark_cstr(&out, remark);
        rj_deferred_reply(c->deferred, &out);
    }
    rj_free(c);
}

/* Finds the consumer, checks its version and forwards `fwd`. Always answers. */
static int
call_consumer(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, rj_command_t *fwd,
              rj_bytes_t group, rj_bytes_t client_id)
{
    char remark[700];
    rj_consumer_channel_t *chans;
    size_t n = rj_consumer_manager_channels(b->consumers, group, &chans);
    rj_consumer_channel_t *target = NULL;
    for (size_t i = 0; i < n && target == NULL; i++) {
        if (rj_bytes_eq_cstr(client_id, chans[i].client_id)) {
            target = &chans[i];
        }
    }
    int rc;
    if (target == NULL) {
        snprintf(remark, sizeof(remark), "The Consumer <%.*s> <%.*s> not online", (int)group.len,
                 (const char *)group.data, (int)client_id.len, (const char *)client_id.data);
        rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    } else if (target->version < RJ_MQ_VERSION_V3_1_8_SNAPSHOT) {
        char desc[32];
        rj_mq_version_desc(target->version, desc, sizeof(desc));
        snprintf(remark, sizeof(remark),
                 "The Consumer <%.*s> Version <%s> too low to finish, please upgrade it to "
                 "V3_1_8_SNAPSHOT",
                 (int)client_id.len, (const char *)client_id.data, desc);
        rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    } else {
        call_t *c = rj_calloc(1, sizeof(*c));
        rc = RJ_ENOMEM;
        if (c != NULL && (c->deferred = rj_request_defer(req)) != NULL) {
            rj_bytes_copy_cstr(group, c->group, sizeof(c->group));
            rj_bytes_copy_cstr(client_id, c->client_id, sizeof(c->client_id));
            rj_deferred_t *d = c->deferred;
            rc = rj_connection_invoke_async(target->conn, fwd, CALL_CLIENT_TIMEOUT_MS,
                                            on_client_response, c);
            if (rc != 0) {
                rj_command_t out;
                rj_command_init_request(&out, RJ_RESP_SYSTEM_ERROR);
                snprintf(remark, sizeof(remark), "invoke consumer <%s> <%s> Exception: %s",
                         c->group, c->client_id, rj_strerror(rc));
                rj_command_set_remark_cstr(&out, remark);
                rj_deferred_reply(d, &out);
                rj_free(c);
            }
            rc = 0;
        } else {
            rj_free(c);
        }
    }
    rj_consumer_channels_free(chans, n);
    return rc;
}

/* A request of `code` carrying the admin's ext fields (views into `cmd`) and body. */
static void
copy_request(const rj_command_t *cmd, int32_t code, rj_command_t *fwd)
{
    rj_command_init_request(fwd, code);
    for (uint32_t i = 0; i < cmd->ext_count; i++) {
        rj_command_add_ext(fwd, cmd->ext[i].key, cmd->ext[i].value);
    }
    fwd->body = cmd->body;
}

static int
handle_running_info(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", true);
    rj_bytes_t client = rj_header_str(&h, "clientId", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_command_t fwd;
    copy_request(cmd, RJ_REQ_GET_CONSUMER_RUNNING_INFO, &fwd);
    return call_consumer(arg, req, cmd, &fwd, group, client);
}

static int
handle_consume_directly(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", true);
    rj_bytes_t client = rj_header_str(&h, "clientId", false);
    rj_bytes_t msg_id = rj_header_str(&h, "msgId", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_command_t fwd;
    rj_command_init_request(&fwd, RJ_REQ_CONSUME_MESSAGE_DIRECTLY);
    for (uint32_t i = 0; i < cmd->ext_count; i++) {
        if (!rj_bytes_eq_cstr(cmd->ext[i].key, "brokerName")) {
            rj_command_add_ext(&fwd, cmd->ext[i].key, cmd->ext[i].value);
        }
    }
    rj_command_add_ext_cstr(&fwd, "brokerName", b->config.broker_name);
    rj_msg_host_t host;
    int64_t offset;
    rj_store_view_t v = {0};
    if (rj_message_id_decode((const char *)msg_id.data, msg_id.len, &host, &offset) == 0 &&
        rj_store_select_message(b->store, offset, &v) == 0) {
        fwd.body = rj_bytes(v.data, v.len);
    }
    /* The request is encoded by the invoke call, so the view can go right after. */
    int rc = call_consumer(b, req, cmd, &fwd, group, client);
    rj_store_view_release(&v);
    return rc;
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_GET_CONSUMER_RUNNING_INFO, RJ_DISPATCH_WORKER, handle_running_info},
    {RJ_REQ_CONSUME_MESSAGE_DIRECTLY, RJ_DISPATCH_WORKER, handle_consume_directly},
};

const rj_broker_processor_t rj_processor_client_call = {
    .name = "client_call",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
