/*
 * Transactions (RocketMQ 4.9.8's EndTransactionProcessor and the admin
 * RESUME_CHECK_HALF_MESSAGE): END_TRANSACTION resolves a half message —
 * commit re-puts it to its real topic and queue with tran type COMMIT and
 * PREPARED_TRANSACTION_OFFSET = the half record, rollback drops it — and in
 * both cases an op record (tag `d`, body = half queue offset) in
 * RMQ_SYS_TRANS_OP_HALF_TOPIC tells the check service the half message is
 * done. The processor also runs the check service (transaction_check.h) on
 * masters.
 *
 * END_TRANSACTION runs inline: it reads one record from the mapped commit
 * log and appends two records without waiting for a flush, like a send.
 * Producers send it one-way; errors are only visible to two-way callers.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/topic_validator.h"
#include "broker/transaction_check.h"
#include "broker/transaction_message.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

/* Writes the op record of a resolved half message (deletePrepareMessage). */
static void
put_op(rj_broker_t *b, const rj_message_record_t *half)
{
    char body[24];
    int n = snprintf(body, sizeof(body), "%lld", (long long)half->queue_offset);
    rj_buf_t props = RJ_BUF_INIT;
    if (rj_transaction_op_properties(&props) != 0) {
        rj_log(RJ_LOG_ERROR, RJ_ENOMEM, "transaction op record for %lld not written",
               (long long)half->queue_offset);
        return;
    }
    rj_store_msg_t msg = {
        .topic = RJ_BYTES_LIT(RJ_TOPIC_TRANS_OP_HALF),
        .queue_id = half->queue_id,
        .born_timestamp = rj_clock_wall_ms(),
        .born_host = b->store_host,
        .store_host = b->store_host,
        .body = rj_bytes(body, (size_t)n),
        .properties = rj_buf_view(&props),
        .wait_store_msg_ok = false,
    };
    rj_store_put_result_t res;
    memset(&res, 0, sizeof(res));
    rj_put_status_t st = rj_store_put(b->store, &msg, NULL, &res);
    if (st != RJ_PUT_OK) {
        rj_log(RJ_LOG_ERROR, 0, "transaction op record for half offset %lld failed: %s",
               (long long)half->queue_offset, rj_put_status_name(st));
    }
    rj_buf_cleanup(&props);
}

/* sendFinalMessage's mapping of a put status; remark NULL on success. */
static int32_t
final_put_code(rj_broker_t *b, rj_put_status_t st, char *remark, size_t size)
{
    switch (st) {
    case RJ_PUT_OK:
    case RJ_PUT_FLUSH_DISK_TIMEOUT:
    case RJ_PUT_FLUSH_SLAVE_TIMEOUT:
    case RJ_PUT_SLAVE_NOT_AVAILABLE:
        remark[0] = '\0';
        return RJ_RESP_SUCCESS;
    case RJ_PUT_CREATE_MAPEDFILE_FAILED:
        snprintf(remark, size, "Create mapped file failed.");
        return RJ_RESP_SYSTEM_ERROR;
    case RJ_PUT_MESSAGE_ILLEGAL:
    case RJ_PUT_PROPERTIES_SIZE_EXCEEDED:
        snprintf(remark, size,
                 "The message is illegal, maybe msg body or properties length not matched. msg "
                 "body length limit %dB, msg properties length limit 32KB.",
                 b->store_config.max_message_size);
        return RJ_RESP_MESSAGE_ILLEGAL;
    case RJ_PUT_SERVICE_NOT_AVAILABLE:
        snprintf(remark, size, "Service not available now.");
        return RJ_RESP_SERVICE_NOT_AVAILABLE;
    case RJ_PUT_OS_PAGECACHE_BUSY:
        snprintf(remark, size, "OS page cache busy, please try another machine");
        return RJ_RESP_SYSTEM_ERROR;
    default:
        snprintf(remark, size, "UNKNOWN_ERROR");
        return RJ_RESP_SYSTEM_ERROR;
    }
}

/* checkPrepareMessage. Returns NULL when the record is the half message the header names. */
static const char *
check_prepare_message(const rj_message_record_t *rec, rj_bytes_t producer_group,
                      int64_t tran_state_table_offset, int64_t commit_log_offset)
{
    rj_bytes_t pgroup;
    /* Only half records can be resolved (4.9.8 would also "commit" any record with a PGROUP). */
    if (!rj_bytes_eq_cstr(rec->topic, RJ_TOPIC_TRANS_HALF)) {
        return "Find prepared transaction message failed";
    }
    if (!rj_message_properties_get(rec->properties, RJ_PROP_PRODUCER_GROUP, &pgroup) ||
        !rj_bytes_eq(pgroup, producer_group)) {
        return "The producer group wrong";
    }
    if (rec->queue_offset != tran_state_table_offset) {
        return "The transaction state table offset wrong";
    }
    if (rec->phy_offset != commit_log_offset) {
        return "The commit log offset wrong";
    }
    return NULL;
}

/* endMessageTransaction + sendFinalMessage: the committed message in its real queue. */
static int32_t
put_committed(rj_broker_t *b, const rj_message_record_t *half, int64_t commit_log_offset,
              char *remark, size_t size)
{
    rj_bytes_t real_topic, real_qid, v;
    int32_t qid, delay = 0;
    if (!rj_message_properties_get(half->properties, RJ_PROP_REAL_TOPIC, &real_topic) ||
        !rj_message_properties_get(half->properties, RJ_PROP_REAL_QUEUE_ID, &real_qid) ||
        rj_bytes_parse_i32(real_qid, &qid) != 0 || real_topic.len == 0) {
        snprintf(remark, size, "The half message has no valid REAL_TOPIC/REAL_QID");
        return RJ_RESP_SYSTEM_ERROR;
    }
    if (rj_message_properties_get(half->properties, RJ_PROP_DELAY_TIME_LEVEL, &v) &&
        rj_bytes_parse_i32(v, &delay) != 0) {
        delay = 0;
    }
    /* 4.9.8 stores the half record's property string unchanged (REAL_* and TRAN_MSG included). */
    rj_store_msg_t msg = {
        .topic = real_topic,
        .queue_id = qid,
        .flag = half->flag,
        .sys_flag = rj_sysflag_set_tran_type(half->sys_flag, RJ_SYSFLAG_TRANSACTION_COMMIT),
        .born_timestamp = half->born_timestamp,
        .born_host = half->born_host,
        .store_host = half->store_host,
        .reconsume_times = half->reconsume_times,
        .prepared_transaction_offset = commit_log_offset,
        .body = half->body,
        .properties = half->properties,
        .delay_level = delay,
        .wait_store_msg_ok = false,
    };
    rj_store_put_result_t res;
    memset(&res, 0, sizeof(res));
    rj_put_status_t st = rj_store_put(b->store, &msg, NULL, &res);
    if (st == RJ_PUT_OK) {
        rj_broker_stats_put(&b->stats, 1, (uint64_t)res.wrote_bytes);
    }
    return final_put_code(b, st, remark, size);
}

static int
handle_end_transaction(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t producer_group = rj_header_str(&h, "producerGroup", true);
    int64_t tran_offset = rj_header_i64(&h, "tranStateTableOffset", true, 0);
    int64_t commit_log_offset = rj_header_i64(&h, "commitLogOffset", true, 0);
    int32_t type = rj_header_i32(&h, "commitOrRollback", true, 0);
    bool from_check = rj_header_bool(&h, "fromTransactionCheck", false);
    rj_bytes_t msg_id = rj_header_str(&h, "msgId", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    if (type != RJ_SYSFLAG_TRANSACTION_NOT && type != RJ_SYSFLAG_TRANSACTION_COMMIT &&
        type != RJ_SYSFLAG_TRANSACTION_ROLLBACK) {
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, "commitOrRollback field wrong",
                               false);
    }
    if (!rj_broker_is_master(b)) {
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                           "Message store is slave mode, so end transaction is forbidden.");
        return rj_broker_reply(req, cmd, RJ_RESP_SLAVE_NOT_AVAILABLE, NULL, false);
    }
    const char *remote = rj_connection_remote_addr(rj_request_connection(req));
    if (type == RJ_SYSFLAG_TRANSACTION_NOT) {
        /* Still unknown: nothing to do, the check service asks again later. */
        rj_log(RJ_LOG_DEBUG, 0, "producer %s reports transaction %.*s pending (%s)", remote,
               (int)msg_id.len, (const char *)msg_id.data,
               from_check ? "check answer" : "after send");
        /* 4.9.8 leaves even a two-way request unanswered; answer it rather than let it time out. */
        return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
    }
    if (from_check || type == RJ_SYSFLAG_TRANSACTION_ROLLBACK) {
        rj_log(RJ_LOG_INFO, 0, "producer %s %s transaction %.*s%s", remote,
               type == RJ_SYSFLAG_TRANSACTION_COMMIT ? "commits" : "rolls back", (int)msg_id.len,
               (const char *)msg_id.data, from_check ? " (check answer)" : "");
    }

    rj_message_record_t rec;
    rj_store_view_t view;
    if (commit_log_offset < 0 ||
        rj_store_look_message(b->store, commit_log_offset, &rec, &view) != 0) {
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR,
                               "Find prepared transaction message failed", false);
    }
    const char *bad = check_prepare_message(&rec, producer_group, tran_offset, commit_log_offset);
    if (bad != NULL) {
        rj_store_view_release(&view);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, bad, false);
    }
    int32_t code = RJ_RESP_SUCCESS;
    char remark[256] = "";
    if (type == RJ_SYSFLAG_TRANSACTION_COMMIT) {
        code = put_committed(b, &rec, commit_log_offset, remark, sizeof(remark));
    }
    if (code == RJ_RESP_SUCCESS) {
        put_op(b, &rec);
    }
    rj_store_view_release(&view);
    return rj_broker_reply(req, cmd, code, code == RJ_RESP_SUCCESS ? NULL : remark, false);
}

/* RESUME_CHECK_HALF_MESSAGE: a message is put back into the half topic with check count 0. */
static int
handle_resume_check(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    static const char *const failed =
        "Exception was thrown when putting message back to RMQ_SYS_TRANS_HALF_TOPIC.";
    rj_bytes_t id;
    rj_msg_host_t host;
    int64_t offset;
    rj_message_record_t rec;
    rj_store_view_t view;
    if (!rj_command_ext_get(cmd, "msgId", &id) ||
        rj_message_id_decode((const char *)id.data, id.len, &host, &offset) != 0 ||
        rj_store_look_message(b->store, offset, &rec, &view) != 0) {
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, failed, false);
    }
    rj_buf_t props = RJ_BUF_INIT;
    int rc =
        rj_transaction_props_set_i64(rec.properties, RJ_PROP_TRANSACTION_CHECK_TIMES, 0, &props);
    rj_put_status_t st = RJ_PUT_UNKNOWN_ERROR;
    if (rc == 0) {
        rj_store_msg_t msg = {
            .topic = RJ_BYTES_LIT(RJ_TOPIC_TRANS_HALF),
            .queue_id = 0,
            .flag = rec.flag,
            .sys_flag = rec.sys_flag,
            .born_timestamp = rec.born_timestamp,
            .born_host = rec.born_host,
            .store_host = rec.store_host,
            .reconsume_times = rec.reconsume_times,
            .body = rec.body,
            .properties = rj_buf_view(&props),
            .wait_store_msg_ok = false,
        };
        rj_store_put_result_t res;
        memset(&res, 0, sizeof(res));
        st = rj_store_put(b->store, &msg, NULL, &res);
    }
    rj_buf_cleanup(&props);
    rj_store_view_release(&view);
    if (st != RJ_PUT_OK) {
        rj_log(RJ_LOG_ERROR, 0, "Put message back to RMQ_SYS_TRANS_HALF_TOPIC failed: %s",
               rj_put_status_name(st));
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR,
                               "Put message back to RMQ_SYS_TRANS_HALF_TOPIC failed.", false);
    }
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

static int
start_transaction(rj_broker_t *b)
{
    return rj_broker_is_master(b) ? rj_transaction_check_start(b) : 0;
}

static void
stop_transaction(rj_broker_t *b)
{
    rj_transaction_check_stop(b);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_END_TRANSACTION, RJ_DISPATCH_INLINE, handle_end_transaction},
    /* Worker: an admin request that reads a record anywhere in the commit log. */
    {RJ_REQ_RESUME_CHECK_HALF_MESSAGE, RJ_DISPATCH_WORKER, handle_resume_check},
};

const rj_broker_processor_t rj_processor_transaction = {
    .name = "transaction",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
    .start = start_transaction,
    .stop = stop_transaction,
};
