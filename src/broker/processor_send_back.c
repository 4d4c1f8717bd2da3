/*
 * CONSUMER_SEND_MSG_BACK (SendMessageProcessor.consumerSendMsgBack): a
 * consumer hands back a message it failed to consume. The broker reads the
 * original record by commit-log offset and stores a copy for the group's
 * %RETRY% topic, delayed by level 3 + reconsumeTimes (or the level asked
 * for), which the schedule service delivers when due; once reconsumeTimes
 * reaches the limit (or the level is negative) the copy goes to %DLQ%<group>
 * instead. Runs on a worker: a newly created retry or DLQ topic is persisted
 * and registered with every name server before the answer (the answer is
 * deferred until the registration completes; the worker does not wait).
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "ramjet/status.h"
#include "remoting/mq_version.h"
#include "remoting/response_code.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DLQ_NUMS_PER_GROUP 1
#define TOPIC_SYS_FLAG_UNIT_SUB 0x2
#define FAQ "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

static int32_t
random_below(int32_t n)
{
    static _Thread_local unsigned seed;
    if (seed == 0) {
        seed = (unsigned)rj_clock_mono_ns() | 1u;
    }
    return n > 0 ? (int32_t)((unsigned)rand_r(&seed) % 99999999u) % n : 0;
}

/* Drops the keys this handler sets again. */
static bool
drop_rewritten(rj_bytes_t key, void *arg)
{
    (void)arg;
    return rj_bytes_eq_cstr(key, RJ_PROP_WAIT_STORE_MSG_OK) ||
           rj_bytes_eq_cstr(key, RJ_PROP_DELAY_TIME_LEVEL) ||
           rj_bytes_eq_cstr(key, RJ_PROP_ORIGIN_MESSAGE_ID);
}

static int
handle_send_back(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    int64_t offset = rj_header_i64(&h, "offset", true, 0);
    rj_bytes_t group = rj_header_str(&h, "group", true);
    int32_t delay_level = rj_header_i32(&h, "delayLevel", true, 0);
    bool unit_mode = rj_header_bool(&h, "unitMode", false);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    char remark[512];
    rj_group_config_t gc;
    if (!rj_group_manager_find(b->groups, group, &gc)) {
        snprintf(remark, sizeof(remark), "subscription group not exist, %.*s %s", (int)group.len,
                 (const char *)group.data, FAQ);
        return rj_broker_reply(req, cmd, RJ_RESP_SUBSCRIPTION_GROUP_NOT_EXIST, remark, false);
    }
    if (!RJ_PERM_IS_WRITEABLE(RJ_BROKER_CONFIG_LIVE_GET(&b->config, broker_permission))) {
        snprintf(remark, sizeof(remark), "the broker[%s] sending message is forbidden",
                 b->config.broker_ip1);
        return rj_broker_reply(req, cmd, RJ_RESP_NO_PERMISSION, remark, false);
    }
    if (gc.retry_queue_nums <= 0) {
        return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
    }
    char topic[300];
    int n = snprintf(topic, sizeof(topic), "%s%.*s", RJ_TOPIC_RETRY_PREFIX, (int)group.len,
                     (const char *)group.data);
    if (n < 0 || (size_t)n >= sizeof(topic)) {
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, "group name too long", false);
    }
    int32_t queue_id = random_below(gc.retry_queue_nums);
    rj_topic_config_t tc;
    bool created = false, dlq_created = false;
    if (rj_topic_manager_create_if_absent(b->topics, rj_bytes(topic, (size_t)n),
                                          gc.retry_queue_nums, RJ_PERM_WRITE | RJ_PERM_READ,
                                          unit_mode ? TOPIC_SYS_FLAG_UNIT_SUB : 0, &tc,
                                          &created) != 0) {
        snprintf(remark, sizeof(remark), "topic[%s] not exist", topic);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    if (!RJ_PERM_IS_WRITEABLE(tc.perm)) {
        snprintf(remark, sizeof(remark), "the topic[%s] sending message is forbidden", topic);
        return rj_broker_reply(req, cmd, RJ_RESP_NO_PERMISSION, remark, false);
    }
    rj_message_record_t rec;
    rj_store_view_t view;
    if (offset < 0 || rj_store_look_message(b->store, offset, &rec, &view) != 0) {
        snprintf(remark, sizeof(remark), "look message by offset failed, %lld", (long long)offset);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    int32_t max_times = gc.retry_max_times;
    int32_t header_max;
    if (cmd->version >= RJ_MQ_VERSION_V3_4_9 &&
        rj_command_ext_i32(cmd, "maxReconsumeTimes", &header_max) == 0) {
        max_times = header_max;
    }
    if (rec.reconsume_times >= max_times || delay_level < 0) {
        n = snprintf(topic, sizeof(topic), "%s%.*s", RJ_TOPIC_DLQ_PREFIX, (int)group.len,
                     (const char *)group.data);
        queue_id = random_below(DLQ_NUMS_PER_GROUP);
        if (rj_topic_manager_create_if_absent(b->topics, rj_bytes(topic, (size_t)n),
                                              DLQ_NUMS_PER_GROUP, RJ_PERM_WRITE | RJ_PERM_READ, 0,
                                              &tc, &dlq_created) != 0) {
            rj_store_view_release(&view);
            snprintf(remark, sizeof(remark), "topic[%s] not exist", topic);
            return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
        }
        delay_level = 0;
    } else if (delay_level == 0) {
        delay_level = 3 + rec.reconsume_times;
    }

    /* Properties: the original ones, RETRY_TOPIC (first time), WAIT=false, DELAY,
     * ORIGIN_MESSAGE_ID. */
    rj_buf_t props = RJ_BUF_INIT;
    int rc = rj_message_properties_rewrite(rec.properties, drop_rewritten, NULL, &props);
    rj_bytes_t v;
    if (rc == 0 && !rj_message_properties_get(rec.properties, RJ_PROP_RETRY_TOPIC, &v)) {
        rc = rj_message_properties_append(&props, RJ_BYTES_LIT(RJ_PROP_RETRY_TOPIC), rec.topic);
    }
    if (rc == 0) {
        rc = rj_message_properties_append_cstr(&props, RJ_PROP_WAIT_STORE_MSG_OK, "false");
    }
    if (rc == 0 && delay_level > 0) {
        char level[16];
        snprintf(level, sizeof(level), "%d", delay_level);
        rc = rj_message_properties_append_cstr(&props, RJ_PROP_DELAY_TIME_LEVEL, level);
    }
    if (rc == 0) {
        char id[RJ_MSG_ID_MAX_HEX_SIZE];
        rj_bytes_t origin;
        if (!rj_message_properties_get(rec.properties, RJ_PROP_ORIGIN_MESSAGE_ID, &origin) ||
            rj_bytes_trim(origin).len == 0) {
            rj_message_id_encode(&rec.store_host, rec.phy_offset, id, sizeof(id));
            origin = rj_bytes_from_cstr(id);
        }
        rc = rj_message_properties_append(&props, RJ_BYTES_LIT(RJ_PROP_ORIGIN_MESSAGE_ID), origin);
    }
    if (rc != 0) {
        rj_buf_cleanup(&props);
        rj_store_view_release(&view);
        return rc;
    }
    rj_store_msg_t msg = {
        .topic = rj_bytes(topic, (size_t)n),
        .queue_id = queue_id,
        .flag = rec.flag,
        .sys_flag = rec.sys_flag,
        .born_timestamp = rec.born_timestamp,
        .born_host = rec.born_host,
        .store_host = rec.store_host,
        .reconsume_times = rec.reconsume_times + 1,
        .body = rec.body,
        .properties = rj_buf_view(&props),
        .delay_level = delay_level,
        .wait_store_msg_ok = false,
    };
    rj_store_put_result_t res;
    rj_put_status_t st = rj_store_put(b->store, &msg, NULL, &res);
    rj_buf_cleanup(&props);
    rj_store_view_release(&view);
    if (st == RJ_PUT_OK) {
        rj_broker_stats_put(&b->stats, 1, (uint64_t)res.wrote_bytes);
        if (created || dlq_created) {
            rj_topic_manager_persist(b->topics);
            /* createTopicInSendMessageBackMethod registers before the answer. */
            rj_deferred_t *d = rj_request_defer(req);
            if (d != NULL) {
                rj_command_t resp;
                rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
                rj_broker_register_then_reply(b, d, &resp);
                return 0;
            }
        }
        return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
    }
    return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, rj_put_status_name(st), false);
}

static const rj_broker_handler_t handlers[] = {
    /* Worker: a newly created retry/DLQ topic is persisted before the answer. */
    {RJ_REQ_CONSUMER_SEND_MSG_BACK, RJ_DISPATCH_WORKER, handle_send_back},
};

const rj_broker_processor_t rj_processor_send_back = {
    .name = "send_back",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
