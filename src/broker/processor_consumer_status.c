/*
 * INVOKE_BROKER_TO_GET_CONSUMER_STATUS (Broker2Client.getConsumeStatus,
 * `mqadmin getConsumerStatus`): the broker asks the consumers of a group (all
 * of them, or the one whose client id is `clientAddr`) for their queue offsets
 * with GET_CONSUMER_STATUS_FROM_CLIENT and answers GetConsumerStatusBody
 * {"consumerTable":{clientId:{MessageQueue:offset}},"messageQueueTable":{}}.
 *
 * Java asks the clients one after another with a blocking call; here all are
 * asked at once with asynchronous invocations and the admin's request is
 * deferred. Each answer is converted into its JSON table on the thread that
 * delivers it; whichever completion comes last (an answer, a timeout, a lost
 * connection, or the handler itself once everything is sent) writes the body
 * and replies. A client that fails, answers an error or an unreadable body is
 * left out, as Java does.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/header_fields.h"
#include "broker/processor.h"
#include "common/alloc.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/mq_version.h"
#include "remoting/response_code.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Broker2Client waits this long for each client. */
#define CONSUMER_STATUS_TIMEOUT_MS 5000

typedef struct status_call status_call_t;

/* One asked client. */
typedef struct {
    status_call_t *call;
    char *client_id;
    bool answered; /* `table` holds its queue table */
    rj_buf_t table;
} status_slot_t;

struct status_call {
    rj_deferred_t *deferred;
    atomic_size_t pending; /* unanswered clients + 1 while the handler is still sending */
    size_t n;
    status_slot_t slots[];
};

enum { F_TOPIC, F_GROUP, F_CLIENT_ADDR };
static const char *const status_names[] = {"topic", "group", "clientAddr"};
static rj_header_spec_t status_spec = RJ_HEADER_SPEC(status_names);

/* UtilAll.isBlank: empty or only whitespace (Character.isWhitespace, ASCII part). */
static bool
is_blank(rj_bytes_t s)
{
    for (size_t i = 0; i < s.len; i++) {
        uint8_t c = s.data[i];
        if (!(c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f))) {
            return false;
        }
    }
    return true;
}

/*
 * Writes one MessageQueue key of a client's table as fastjson writes the
 * decoded object: brokerName, queueId, topic, null fields left out.
 */
static int
write_queue_key(rj_json_writer_t *w, const char *key_text, rj_buf_t *scratch)
{
    json_t *mq = rj_json_parse(key_text, strlen(key_text), NULL, 0);
    int rc = RJ_EMALFORMED;
    if (mq == NULL || !json_is_object(mq)) {
        goto out;
    }
    int64_t qid = 0;
    const json_t *q = json_object_get(mq, "queueId");
    if (q != NULL && !json_is_null(q) &&
        (!rj_json_as_int(q, &qid) || qid < INT32_MIN || qid > INT32_MAX)) {
        goto out;
    }
    const char *broker = rj_json_get_str(mq, "brokerName", NULL);
    const char *topic = rj_json_get_str(mq, "topic", NULL);
    rj_json_writer_t kw;
    rj_buf_reset(scratch);
    rj_jw_init(&kw, scratch, w->flags);
    rj_jw_object_begin(&kw);
    if (broker != NULL) {
        rj_jw_key(&kw, "brokerName");
        rj_jw_string(&kw, broker);
    }
    rj_jw_key(&kw, "queueId");
    rj_jw_int(&kw, qid);
    if (topic != NULL) {
        rj_jw_key(&kw, "topic");
        rj_jw_string(&kw, topic);
    }
    rj_jw_object_end(&kw);
    rc = rj_jw_finish(&kw);
    if (rc == 0) {
        rj_jw_key_raw(w, (const char *)scratch->data, scratch->len);
    }
out:
    json_decref(mq);
    return rc;
}

/*
 * The messageQueueTable of a client's GetConsumerStatusBody, rewritten as a
 * JSON object into `out`. An absent table is empty (the field's default); a
 * null one, or anything Java could not decode, is an error.
 */
static int
convert_table(rj_bytes_t body, rj_buf_t *out)
{
    rj_buf_t scratch = RJ_BUF_INIT;
    json_t *root = rj_json_parse(body.data, body.len, NULL, 0);
    int rc = RJ_EMALFORMED;
    if (root == NULL || !json_is_object(root)) {
        goto out;
    }
    const json_t *table = json_object_get(root, "messageQueueTable");
    if (table != NULL && !json_is_object(table)) {
        goto out;
    }
    rj_json_writer_t w;
    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)table, key, value)
    {
        int64_t offset;
        if (json_is_null(value)) {
            continue; /* a null Long is dropped when Java writes the map */
        }
        if (!rj_json_as_int(value, &offset) || write_queue_key(&w, key, &scratch) != 0) {
            goto out;
        }
        rj_jw_int(&w, offset);
    }
    rj_jw_object_end(&w);
    rc = rj_jw_finish(&w);
out:
    json_decref(root);
    rj_buf_cleanup(&scratch);
    return rc;
}

/* Writes the body from the answered slots and completes the admin's request. */
static void
status_complete(status_call_t *call)
{
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "consumerTable");
    rj_jw_object_begin(&w);
    for (size_t i = 0; i < call->n; i++) {
        const status_slot_t *s = &call->slots[i];
        bool replaced = false; /* Java's map keeps the last answer of a client id */
        for (size_t j = i + 1; j < call->n && !replaced; j++) {
            replaced =
                call->slots[j].answered && strcmp(call->slots[j].client_id, s->client_id) == 0;
        }
        if (s->answered && !replaced) {
            rj_jw_key(&w, s->client_id);
            rj_jw_raw(&w, (const char *)s->table.data, s->table.len);
        }
    }
    rj_jw_object_end(&w);
    rj_jw_key(&w, "messageQueueTable");
    rj_jw_object_begin(&w);
    rj_jw_object_end(&w);
    rj_jw_object_end(&w);
    int rc = rj_jw_finish(&w);

    rj_command_t resp;
    if (rc == 0) {
        rj_command_init_request(&resp, RJ_RESP_SUCCESS);
        resp.body = rj_buf_view(&body);
    } else {
        rj_command_init_request(&resp, RJ_RESP_SYSTEM_ERROR);
        rj_command_set_remark_cstr(&resp, rj_strerror(rc));
    }
    rj_deferred_reply(call->deferred, &resp);
    rj_buf_cleanup(&body);
    for (size_t i = 0; i < call->n; i++) {
        rj_free(call->slots[i].client_id);
        rj_buf_cleanup(&call->slots[i].table);
    }
    rj_free(call);
}

/* One completion; the last one replies. The slot writes happen before the decrement. */
static void
status_done_one(status_call_t *call)
{
    if (atomic_fetch_sub_explicit(&call->pending, 1, memory_order_acq_rel) == 1) {
        status_complete(call);
    }
}

static void
on_client_status(int status, const rj_command_t *resp, void *arg)
{
    status_slot_t *s = arg;
    if (status != 0) {
        rj_log(RJ_LOG_WARN, status, "[get-consumer-status] client %s did not answer", s->client_id);
    } else if (resp->code != RJ_RESP_SUCCESS || resp->body.len == 0) {
        rj_log(RJ_LOG_INFO, 0, "[get-consumer-status] client %s answered code %d without status",
               s->client_id, resp->code);
    } else if (convert_table(resp->body, &s->table) != 0) {
        rj_log(RJ_LOG_WARN, RJ_EMALFORMED, "[get-consumer-status] client %s sent a bad body",
               s->client_id);
        rj_buf_cleanup(&s->table);
    } else {
        s->answered = true;
    }
    status_done_one(s->call);
}

/* Counts the channels to ask: all, or the first whose client id is `client_addr`. */
static size_t
select_targets(const rj_consumer_channel_t *chans, size_t n, rj_bytes_t client_addr, bool all,
               size_t *first)
{
    if (all) {
        *first = 0;
        return n;
    }
    for (size_t i = 0; i < n; i++) {
        if (rj_bytes_eq_cstr(client_addr, chans[i].client_id)) {
            *first = i;
            return 1;
        }
    }
    *first = 0;
    return 0;
}

static int
handle_consumer_status(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, cmd, &status_spec);
    rj_bytes_t topic = rj_header_fields_str(&hf, F_TOPIC, true);
    rj_bytes_t group = rj_header_fields_str(&hf, F_GROUP, true);
    rj_bytes_t client_addr = rj_header_fields_str(&hf, F_CLIENT_ADDR, false);
    if (rj_header_fields_failed(&hf)) {
        return rj_header_reply_error(&hf.rd, req);
    }
    rj_log(RJ_LOG_INFO, 0,
           "[get-consumer-status] get consumer status by %s. topic=%.*s, group=%.*s",
           rj_connection_remote_addr(rj_request_connection(req)), (int)topic.len,
           (const char *)topic.data, (int)group.len, (const char *)group.data);

    char remark[400];
    rj_consumer_channel_t *chans;
    size_t nch = rj_consumer_manager_channels(b->consumers, group, &chans);
    if (nch == 0) {
        snprintf(remark, sizeof(remark), "No Any Consumer online in the consumer group: [%.*s]",
                 (int)group.len, (const char *)group.data);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    int rc = 0;
    for (size_t i = 0; i < nch; i++) {
        if (chans[i].version < RJ_MQ_VERSION_V3_0_7_SNAPSHOT) {
            char desc[32];
            rj_mq_version_desc(chans[i].version, desc, sizeof(desc));
            snprintf(remark, sizeof(remark), "the client does not support this feature. version=%s",
                     desc);
            rc = rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
            goto out;
        }
    }
    size_t first;
    size_t ntargets = select_targets(chans, nch, client_addr, is_blank(client_addr), &first);
    status_call_t *call = rj_calloc(1, sizeof(*call) + (ntargets + 1) * sizeof(status_slot_t));
    if (call == NULL) {
        rc = RJ_ENOMEM;
        goto out;
    }
    call->n = ntargets;
    for (size_t i = 0; i < ntargets; i++) {
        status_slot_t *s = &call->slots[i];
        s->call = call;
        s->table = (rj_buf_t)RJ_BUF_INIT;
        s->client_id = rj_strdup(chans[first + i].client_id);
        if (s->client_id == NULL) {
            rc = RJ_ENOMEM;
        }
    }
    if (rc == 0 && (call->deferred = rj_request_defer(req)) == NULL) {
        rc = RJ_ENOMEM;
    }
    if (rc != 0) {
        for (size_t i = 0; i < ntargets; i++) {
            rj_free(call->slots[i].client_id);
        }
        rj_free(call);
        goto out;
    }
    atomic_init(&call->pending, ntargets + 1);
    for (size_t i = 0; i < ntargets; i++) {
        status_slot_t *s = &call->slots[i];
        rj_command_t ask;
        rj_command_init_request(&ask, RJ_REQ_GET_CONSUMER_STATUS_FROM_CLIENT);
        rj_command_add_ext(&ask, RJ_BYTES_LIT("topic"), topic);
        rj_command_add_ext(&ask, RJ_BYTES_LIT("group"), group);
        int src = rj_connection_invoke_async(chans[first + i].conn, &ask,
                                             CONSUMER_STATUS_TIMEOUT_MS, on_client_status, s);
        if (src != 0) {
            rj_log(RJ_LOG_WARN, src, "[get-consumer-status] cannot ask client %s", s->client_id);
            status_done_one(call);
        }
    }
    status_done_one(call); /* everything is sent: the last answer may now reply */
out:
    rj_consumer_channels_free(chans, nch);
    return rc;
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_INVOKE_BROKER_TO_GET_CONSUMER_STATUS, RJ_DISPATCH_WORKER, handle_consumer_status},
};

const rj_broker_processor_t rj_processor_consumer_status = {
    .name = "consumer_status",
    .handlers = handlers,
    .nhandlers = RJ_ARRAY_SIZE(handlers),
};
