/*
 * Offset sub-commands: resetOffsetByTime and cloneGroupOffset, plus the queue
 * offset queries other commands share. resetOffsetByTime first asks each
 * broker of the topic to reset the online consumers
 * (INVOKE_BROKER_TO_RESET_OFFSET); when the group is not online it rewrites
 * the stored offsets itself, queue by queue, as RocketMQ's
 * resetOffsetByTimestampOld does.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "ramjet/status.h"
#include "remoting/language_code.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"
#include "tools/mqadmin/mqadmin_print.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <stdio.h>
#include <string.h>

int
rj_mqadmin_offset_query(rj_mqadmin_ctx_t *ctx, const char *addr, int32_t code, const char *topic,
                        int32_t queue_id, int64_t timestamp, int64_t *out)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, code);
    rj_command_add_ext_cstr(&req, "topic", topic);
    rj_command_add_ext_i64(&req, "queueId", queue_id);
    if (code == RJ_REQ_SEARCH_OFFSET_BY_TIMESTAMP) {
        rj_command_add_ext_i64(&req, "timestamp", timestamp);
    }
    int rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
    if (rc == 0 && rj_command_ext_i64(resp, "offset", out) != 0) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "%s answered %s without an offset", addr,
                                 rj_request_code_name(code));
    }
    rj_command_destroy(resp);
    return rc;
}

int
rj_mqadmin_offset_update(rj_mqadmin_ctx_t *ctx, const char *addr, const char *group,
                         const char *topic, const char *broker_name, int32_t queue_id,
                         int64_t offset)
{
    rj_command_t req;
    rj_command_init_request(&req, RJ_REQ_UPDATE_CONSUMER_OFFSET);
    rj_command_add_ext_cstr(&req, "consumerGroup", group);
    rj_command_add_ext_cstr(&req, "topic", topic);
    rj_command_add_ext_i64(&req, "queueId", queue_id);
    rj_command_add_ext_i64(&req, "commitOffset", offset);
    rj_command_add_ext_cstr(&req, "bname", broker_name);
    return rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, NULL);
}

/* ---- resetOffsetByTime ------------------------------------------------------------------------
 */

typedef struct {
    const char *group;
    const char *topic;
    const char *timestamp_text;
    int64_t timestamp; /* -1: the end of each queue */
    bool force;
    bool cplus;
} reset_t;

/* One queue of the offline reset: target offset, then the write if allowed. */
static int
reset_queue_offline(rj_mqadmin_ctx_t *ctx, const reset_t *r, const char *addr, const char *broker,
                    int32_t qid, int64_t broker_offset, int64_t consumer_offset)
{
    int64_t target;
    int rc =
        r->timestamp == -1
            ? rj_mqadmin_offset_query(ctx, addr, RJ_REQ_GET_MAX_OFFSET, r->topic, qid, 0, &target)
            : rj_mqadmin_offset_query(ctx, addr, RJ_REQ_SEARCH_OFFSET_BY_TIMESTAMP, r->topic, qid,
                                      r->timestamp, &target);
    if (rc != 0) {
        return rc;
    }
    int64_t rollback = consumer_offset;
    if (r->force || target <= consumer_offset) {
        rollback = target;
        rc = rj_mqadmin_offset_update(ctx, addr, r->group, r->topic, broker, qid, target);
    }
    if (rc == 0) {
        printf("%-20.32s  %-20d  %-20lld  %-20lld  %-20lld  %-20lld\n", broker, qid,
               (long long)broker_offset, (long long)consumer_offset, (long long)target,
               (long long)rollback);
    }
    return rc;
}

static int
reset_offline(rj_mqadmin_ctx_t *ctx, const reset_t *r, const json_t *route)
{
    printf("rollback consumer offset by specified consumerGroup[%s], topic[%s], force[%s], "
           "timestamp(string)[%s], timestamp(long)[%lld]\n",
           r->group, r->topic, r->force ? "true" : "false", r->timestamp_text,
           (long long)r->timestamp);
    printf("%-20s  %-20s  %-20s  %-20s  %-20s  %-20s\n", "#brokerName", "#queueId", "#brokerOffset",
           "#consumerOffset", "#timestampOffset", "#rollbackOffset");
    int rc = 0;
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *addr = rj_mqadmin_route_broker_select(bd);
        const char *broker = rj_mqadmin_json_str(bd, "brokerName");
        if (rc != 0 || addr == NULL || broker == NULL) {
            continue;
        }
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_GET_CONSUME_STATS);
        rj_command_add_ext_cstr(&req, "consumerGroup", r->group);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
        json_t *body = rc == 0 ? rj_mqadmin_ctx_json_body(ctx, resp, "consume stats") : NULL;
        rj_command_destroy(resp);
        rj_mqadmin_mq_table_t stats = {0};
        if (rc == 0 && body == NULL) {
            rc = RJ_EMALFORMED;
        }
        if (rc == 0) {
            rj_mqadmin_mq_table_add_all(&stats, json_object_get(body, "offsetTable"));
            rj_mqadmin_mq_table_sort(&stats);
        }
        bool consumed = false;
        for (size_t q = 0; rc == 0 && q < stats.count; q++) {
            const rj_mqadmin_mq_entry_t *e = &stats.items[q];
            if (strcmp(e->topic, r->topic) != 0) {
                continue;
            }
            consumed = true;
            rc = reset_queue_offline(ctx, r, addr, e->broker_name, e->queue_id,
                                     rj_mqadmin_json_int(e->value, "brokerOffset", 0),
                                     rj_mqadmin_json_int(e->value, "consumerOffset", 0));
        }
        if (rc == 0 && !consumed) {
            /* Never consumed here: start from the topic's own offsets (min as progress). */
            int32_t read_queues = 0;
            size_t j;
            json_t *qd;
            json_array_foreach(json_object_get(route, "queueDatas"), j, qd)
            {
                const char *name = rj_mqadmin_json_str(qd, "brokerName");
                if (name != NULL && strcmp(name, broker) == 0) {
                    read_queues = rj_mqadmin_route_queue_nums(qd, "readQueueNums");
                }
            }
            if (read_queues < 0) {
                rc = rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED,
                                         "the route of %s has a bad queue count", r->topic);
            }
            for (int32_t qid = 0; rc == 0 && qid < read_queues; qid++) {
                int64_t min = 0, max = 0;
                rc = rj_mqadmin_offset_query(ctx, addr, RJ_REQ_GET_MIN_OFFSET, r->topic, qid, 0,
                                             &min);
                if (rc == 0) {
                    rc = rj_mqadmin_offset_query(ctx, addr, RJ_REQ_GET_MAX_OFFSET, r->topic, qid, 0,
                                                 &max);
                }
                if (rc == 0) {
                    rc = reset_queue_offline(ctx, r, addr, broker, qid, max, min);
                }
            }
        }
        rj_mqadmin_mq_table_cleanup(&stats);
        json_decref(body);
    }
    return rc;
}

static int
run_reset_offset_by_time(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    reset_t r = {
        .group = rj_mqadmin_cli_get(args, 'g'),
        .topic = rj_mqadmin_cli_get(args, 't'),
        .timestamp_text = rj_mqadmin_cli_get(args, 's'),
        .force = rj_mqadmin_cli_bool(args, 'f', true),
        .cplus = rj_mqadmin_cli_has(args, 'c'),
    };
    if (strcmp(r.timestamp_text, "now") == 0) {
        r.timestamp = -1;
    } else if (rj_mqadmin_cli_timestamp(r.timestamp_text, &r.timestamp) != 0) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL,
                                   "bad timestamp \"%s\": use now, milliseconds since the epoch or "
                                   "yyyy-MM-dd#HH:mm:ss:SSS",
                                   r.timestamp_text);
    }
    json_t *route = NULL;
    int rc = rj_mqadmin_route_topic(ctx, r.topic, &route);
    rj_mqadmin_mq_table_t table = {0};
    bool offline = false;
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *addr = rj_mqadmin_route_broker_select(bd);
        if (rc != 0 || offline || addr == NULL) {
            continue;
        }
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_INVOKE_BROKER_TO_RESET_OFFSET);
        if (r.cplus) {
            req.language = RJ_LANG_CPP; /* the broker answers the list form C++ clients read */
        }
        rj_command_add_ext_cstr(&req, "topic", r.topic);
        rj_command_add_ext_cstr(&req, "group", r.group);
        rj_command_add_ext_i64(&req, "timestamp", r.timestamp);
        rj_command_add_ext_bool(&req, "isForce", r.force);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
        if (rc != 0 && ctx->last_code == RJ_RESP_CONSUMER_NOT_ONLINE) {
            offline = true;
            rc = 0;
            continue;
        }
        if (rc == 0 && resp->body.len > 0) {
            json_t *body = rj_mqadmin_ctx_json_body(ctx, resp, "reset offset");
            if (body == NULL) {
                rc = RJ_EMALFORMED;
            } else if (rj_mqadmin_mq_table_add_all(&table, json_object_get(body, "offsetTable"))) {
                rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
            }
            json_decref(body);
        }
        rj_command_destroy(resp);
    }
    if (rc == 0 && offline) {
        rc = reset_offline(ctx, &r, route);
    } else if (rc == 0) {
        printf("rollback consumer offset by specified group[%s], topic[%s], force[%s], "
               "timestamp(string)[%s], timestamp(long)[%lld]\n",
               r.group, r.topic, r.force ? "true" : "false", r.timestamp_text,
               (long long)r.timestamp);
        printf("%-40s  %-40s  %-40s\n", "#brokerName", "#queueId", "#offset");
        rj_mqadmin_mq_table_sort(&table);
        for (i = 0; i < table.count; i++) {
            const rj_mqadmin_mq_entry_t *e = &table.items[i];
            int64_t offset = json_is_object(e->value) ? rj_mqadmin_json_int(e->value, "offset", 0)
                             : json_is_integer(e->value) ? json_integer_value(e->value)
                                                         : 0;
            printf("%-40.32s  %-40d  %-40lld\n", e->broker_name, e->queue_id, (long long)offset);
        }
    }
    rj_mqadmin_mq_table_cleanup(&table);
    json_decref(route);
    return rc;
}

static const rj_mqadmin_option_t reset_offset_options[] = {
    {'g', "group", true, true, 0, "set the consumer group"},
    {'t', "topic", true, true, 0, "set the topic"},
    {'s', "timestamp", true, true, 0,
     "set the timestamp[now|currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'f', "force", true, false, 0, "set the force rollback by timestamp switch[true|false]"},
    {'c', "cplus", false, false, 0, "reset c++ client offset"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_reset_offset_by_time = {
    "resetOffsetByTime", "Reset consumer offset by timestamp(without client restart).",
    reset_offset_options, run_reset_offset_by_time};

/* ---- cloneGroupOffset --------------------------------------------------------------------------
 */

static int
run_clone_group_offset(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *src = rj_mqadmin_cli_get(args, 's');
    const char *dst = rj_mqadmin_cli_get(args, 'd');
    const char *topic = rj_mqadmin_cli_get(args, 't');
    bool offline = rj_mqadmin_cli_bool(args, 'o', false);
    json_t *route = NULL;
    int rc = rj_mqadmin_route_topic(ctx, topic, &route);
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *addr = rj_mqadmin_route_broker_master(bd);
        if (rc != 0 || addr == NULL) {
            continue;
        }
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_CLONE_GROUP_OFFSET);
        rj_command_add_ext_cstr(&req, "srcGroup", src);
        rj_command_add_ext_cstr(&req, "destGroup", dst);
        rj_command_add_ext_cstr(&req, "topic", topic);
        rj_command_add_ext_bool(&req, "offline", offline);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, NULL);
    }
    json_decref(route);
    if (rc == 0) {
        printf("clone group offset success. srcGroup[%s], destGroup=[%s], topic[%s]\n", src, dst,
               topic);
    }
    return rc;
}

static const rj_mqadmin_option_t clone_offset_options[] = {
    {'s', "srcGroup", true, true, 0, "set source consumer group"},
    {'d', "destGroup", true, true, 0, "set destination consumer group"},
    {'t', "topic", true, true, 0, "set the topic"},
    {'o', "offline", true, false, 0, "the group or the topic is offline"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_clone_group_offset = {
    "cloneGroupOffset", "clone offset from other group.", clone_offset_options,
    run_clone_group_offset};
