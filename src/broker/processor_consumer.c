/*
 * Consumer management (RocketMQ's ConsumerManageProcessor):
 * GET_CONSUMER_LIST_BY_GROUP, QUERY_CONSUMER_OFFSET and UPDATE_CONSUMER_OFFSET,
 * inline: they only read and write in-memory tables (the offsets reach disk
 * from the housekeeping thread every flushConsumerOffsetInterval).
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "common/json_writer.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <unistd.h>

static int
handle_get_consumer_list(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_consumer_channel_t *chans;
    size_t n = rj_consumer_manager_channels(b->consumers, group, &chans);
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_mark_ext_fields(&resp);
    int rc;
    if (n == 0) {
        char remark[300];
        snprintf(remark, sizeof(remark), "no consumer for this group, %.*s", (int)group.len,
                 (const char *)group.data);
        resp.code = RJ_RESP_SYSTEM_ERROR;
        rj_command_set_remark_cstr(&resp, remark);
        rc = rj_request_reply(req, &resp);
    } else {
        rj_buf_t body = RJ_BUF_INIT;
        rj_json_writer_t w;
        rj_jw_init(&w, &body, 0);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "consumerIdList");
        rj_jw_array_begin(&w);
        for (size_t i = 0; i < n; i++) {
            rj_jw_string(&w, chans[i].client_id);
        }
        rj_jw_array_end(&w);
        rj_jw_object_end(&w);
        rc = rj_jw_finish(&w);
        if (rc == 0) {
            resp.body = rj_buf_view(&body);
            rc = rj_request_reply(req, &resp);
        }
        rj_buf_cleanup(&body);
    }
    rj_consumer_channels_free(chans, n);
    return rc;
}

/* checkInDiskByConsumeOffset: is the record of queue offset 0 outside the in-memory share? */
static bool
first_message_on_disk(rj_broker_t *b, rj_bytes_t topic, int32_t queue_id)
{
    int64_t phy = rj_store_get_commit_log_offset_in_queue(b->store, topic, queue_id, 0);
    if (phy <= 0 && rj_store_get_max_offset_in_queue(b->store, topic, queue_id) == 0) {
        return false;
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double memory =
        (double)pages * (double)page * (b->store_config.access_message_in_memory_max_ratio / 100.0);
    return (double)(rj_store_get_max_phy_offset(b->store) - phy) > memory;
}

static int
handle_query_consumer_offset(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", true);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    int32_t queue_id = rj_header_i32(&h, "queueId", true, 0);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_mark_ext_fields(&resp);
    int64_t offset;
    if (rj_offset_manager_query(b->offsets, topic, group, queue_id, &offset) && offset >= 0) {
        rj_command_add_ext_i64(&resp, "offset", offset);
    } else {
        int64_t min = rj_store_get_min_offset_in_queue(b->store, topic, queue_id);
        if (min <= 0 && !first_message_on_disk(b, topic, queue_id)) {
            rj_command_add_ext_i64(&resp, "offset", 0);
        } else {
            resp.code = RJ_RESP_QUERY_NOT_FOUND;
            rj_command_set_remark_cstr(&resp,
                                       "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot "
                                       "first");
        }
    }
    return rj_request_reply(req, &resp);
}

static int
handle_update_consumer_offset(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t group = rj_header_str(&h, "consumerGroup", true);
    rj_bytes_t topic = rj_header_str(&h, "topic", true);
    int32_t queue_id = rj_header_i32(&h, "queueId", true, 0);
    int64_t offset = rj_header_i64(&h, "commitOffset", true, 0);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    int rc = rj_offset_manager_commit(b->offsets, topic, group, queue_id, offset);
    if (rc == RJ_EINVAL) {
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, "queueId is illegal", true);
    }
    if (rc != 0) {
        return rc;
    }
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, true);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_GET_CONSUMER_LIST_BY_GROUP, RJ_DISPATCH_INLINE, handle_get_consumer_list},
    {RJ_REQ_QUERY_CONSUMER_OFFSET, RJ_DISPATCH_INLINE, handle_query_consumer_offset},
    {RJ_REQ_UPDATE_CONSUMER_OFFSET, RJ_DISPATCH_INLINE, handle_update_consumer_offset},
};

const rj_broker_processor_t rj_processor_consumer = {
    .name = "consumer",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
