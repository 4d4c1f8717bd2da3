/*
 * Queue offset queries: GET_MAX_OFFSET, GET_MIN_OFFSET and
 * GET_EARLIEST_MSG_STORETIME read the consume queue's ends (inline);
 * SEARCH_OFFSET_BY_TIMESTAMP binary-searches consume-queue files and reads
 * store times from the commit log, which may fault pages in, so it runs on a
 * worker.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

typedef enum { Q_MAX, Q_MIN, Q_EARLIEST, Q_BY_TIME } query_t;

static int
answer(rj_request_t *req, const rj_command_t *cmd, rj_broker_t *b, query_t q)
{
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    int32_t queue_id = rj_header_i32(&h, "queueId", true, 0);
    int64_t timestamp = q == Q_BY_TIME ? rj_header_i64(&h, "timestamp", true, 0) : 0;
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_mark_ext_fields(&resp);
    int64_t v;
    switch (q) {
    case Q_MAX:
        v = rj_store_get_max_offset_in_queue(b->store, topic, queue_id);
        rj_command_add_ext_i64(&resp, "offset", v);
        break;
    case Q_MIN:
        v = rj_store_get_min_offset_in_queue(b->store, topic, queue_id);
        rj_command_add_ext_i64(&resp, "offset", v < 0 ? 0 : v);
        break;
    case Q_EARLIEST:
        v = rj_store_get_earliest_message_time(b->store, topic, queue_id);
        rj_command_add_ext_i64(&resp, "timestamp", v);
        break;
    case Q_BY_TIME:
        v = rj_store_get_offset_in_queue_by_time(b->store, topic, queue_id, timestamp);
        rj_command_add_ext_i64(&resp, "offset", v);
        break;
    }
    return rj_request_reply(req, &resp);
}

static int
handle_max(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return answer(req, cmd, arg, Q_MAX);
}

static int
handle_min(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return answer(req, cmd, arg, Q_MIN);
}

static int
handle_earliest(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return answer(req, cmd, arg, Q_EARLIEST);
}

static int
handle_by_time(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return answer(req, cmd, arg, Q_BY_TIME);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_GET_MAX_OFFSET, RJ_DISPATCH_INLINE, handle_max},
    {RJ_REQ_GET_MIN_OFFSET, RJ_DISPATCH_INLINE, handle_min},
    {RJ_REQ_GET_EARLIEST_MSG_STORETIME, RJ_DISPATCH_INLINE, handle_earliest},
    {RJ_REQ_SEARCH_OFFSET_BY_TIMESTAMP, RJ_DISPATCH_WORKER, handle_by_time},
};

const rj_broker_processor_t rj_processor_queue_offset = {
    .name = "queue_offset",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
