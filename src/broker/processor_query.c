/*
 * Message queries (RocketMQ's QueryMessageProcessor): QUERY_MESSAGE by key or
 * unique key through the index, and VIEW_MESSAGE_BY_ID by commit-log offset.
 * Both run on a worker (index files and old commit-log pages may have to be
 * read from disk) and answer with the records as zero-copy segments. As in
 * 4.9.8, whose processor encodes these answers' headers itself, a found
 * result has a JSON header whatever the request's header type; error answers
 * follow the request's type like any other.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "common/alloc.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <string.h>

#define QUERY_MAX_VIEWS 64

static void
release_view_segment(void *ctx)
{
    rj_store_view_t v = {.mf = ctx};
    rj_store_view_release(&v);
}

static int
handle_query_message(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    rj_bytes_t key = rj_header_str(&h, "key", true);
    int32_t max_num = rj_header_i32(&h, "maxNum", true, 0);
    int64_t begin = rj_header_i64(&h, "beginTimestamp", true, 0);
    int64_t end = rj_header_i64(&h, "endTimestamp", true, 0);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    bool unique = false;
    if (rj_command_ext_bool(cmd, "_UNIQUE_KEY_QUERY", &unique) == 0 && unique) {
        max_num = 32; /* defaultQueryMaxNum */
    }
    rj_store_view_t views[QUERY_MAX_VIEWS];
    rj_store_query_result_t res = {.views = views, .cap = QUERY_MAX_VIEWS};
    rj_store_query_message(b->store, topic, key, max_num, begin, end, &res);
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_add_ext_i64(&resp, "indexLastUpdateTimestamp", res.index_last_update_timestamp);
    rj_command_add_ext_i64(&resp, "indexLastUpdatePhyoffset", res.index_last_update_phyoffset);
    if (res.total_bytes == 0) {
        rj_store_query_result_release(&res);
        resp.code = RJ_RESP_QUERY_NOT_FOUND;
        rj_command_set_remark_cstr(&resp, "can not find message, maybe time range not correct");
        return rj_request_reply(req, &resp);
    }
    rj_segment_t segs[QUERY_MAX_VIEWS];
    for (uint32_t i = 0; i < res.count; i++) {
        segs[i] = (rj_segment_t){res.views[i].data, res.views[i].len, release_view_segment,
                                 res.views[i].mf};
    }
    /* The segments own the views' references now. */
    rj_request_set_reply_serialize_type(req, RJ_SERIALIZE_JSON);
    return rj_request_reply_segments(req, &resp, segs, res.count);
}

static int
handle_view_message(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    int64_t offset = rj_header_i64(&h, "offset", true, 0);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_store_view_t v;
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    if (offset < 0 || rj_store_select_message(b->store, offset, &v) != 0) {
        char remark[96];
        snprintf(remark, sizeof(remark), "can not find message by the offset, %lld",
                 (long long)offset);
        resp.code = RJ_RESP_SYSTEM_ERROR;
        rj_command_set_remark_cstr(&resp, remark);
        return rj_request_reply(req, &resp);
    }
    rj_segment_t seg = {v.data, v.len, release_view_segment, v.mf};
    rj_request_set_reply_serialize_type(req, RJ_SERIALIZE_JSON);
    return rj_request_reply_segments(req, &resp, &seg, 1);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_QUERY_MESSAGE, RJ_DISPATCH_WORKER, handle_query_message},
    {RJ_REQ_VIEW_MESSAGE_BY_ID, RJ_DISPATCH_WORKER, handle_view_message},
};

const rj_broker_processor_t rj_processor_query = {
    .name = "query",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
