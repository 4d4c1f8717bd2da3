/*
 * Group sub-commands: updateSubGroup, deleteSubGroup, consumerProgress,
 * consumerConnection and producerConnection. A consumer group's brokers are
 * found through the route of its retry topic (%RETRY%<group>), which every
 * broker the group heartbeats to creates, as DefaultMQAdminExt does.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "common/alloc.h"
#include "common/json.h"
#include "ramjet/status.h"
#include "remoting/mq_version.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"
#include "tools/mqadmin/mqadmin_print.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- updateSubGroup ------------------------------------------------------------------------ */

static int
run_update_sub_group(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    int32_t retry_queues, retry_max;
    int64_t broker_id, slow_broker;
    int rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'q', 1, &retry_queues);
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'r', 16, &retry_max);
    }
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'i', 0, &broker_id);
    }
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'w', 1, &slow_broker);
    }
    if (rc != 0) {
        return rc;
    }
    if (!rj_mqadmin_cli_has(args, 'b') && !rj_mqadmin_cli_has(args, 'c')) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE,
                                   "one of -b brokerAddr or -c clusterName is needed");
    }
    const char *group = rj_mqadmin_cli_get(args, 'g');
    bool consume_enable = rj_mqadmin_cli_bool(args, 's', true);
    bool from_min = rj_mqadmin_cli_bool(args, 'm', false);
    bool broadcast = rj_mqadmin_cli_bool(args, 'd', false);
    bool notify = rj_mqadmin_cli_bool(args, 'a', true);
    json_t *config = json_pack("{s:I,s:b,s:b,s:b,s:s,s:b,s:i,s:i,s:I}", "brokerId",
                               (json_int_t)broker_id, "consumeBroadcastEnable", broadcast,
                               "consumeEnable", consume_enable, "consumeFromMinEnable", from_min,
                               "groupName", group, "notifyConsumerIdsChangedEnable", notify,
                               "retryMaxTimes", retry_max, "retryQueueNums", retry_queues,
                               "whichBrokerWhenConsumeSlowly", (json_int_t)slow_broker);
    rj_buf_t body = RJ_BUF_INIT;
    if (config == NULL || rj_json_dump(config, &body) != 0) {
        json_decref(config);
        rj_buf_cleanup(&body);
        return rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "cannot encode the subscription group");
    }
    json_decref(config);

    rj_mqadmin_strv_t addrs = {0};
    json_t *ci = NULL;
    bool by_cluster = !rj_mqadmin_cli_has(args, 'b');
    if (by_cluster) {
        rc = rj_mqadmin_route_cluster_info(ctx, &ci);
        if (rc == 0) {
            rc = rj_mqadmin_route_cluster_addrs(ctx, ci, rj_mqadmin_cli_get(args, 'c'), true,
                                                &addrs);
        }
    } else {
        rc = rj_mqadmin_strv_add(&addrs, rj_mqadmin_cli_get(args, 'b'));
    }
    int failed = 0;
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_UPDATE_AND_CREATE_SUBSCRIPTIONGROUP);
        req.body = rj_buf_view(&body);
        int one = rj_mqadmin_ctx_invoke_ok(ctx, addrs.items[i], &req, NULL);
        if (one == 0) {
            printf("create subscription group to %s success.\n", addrs.items[i]);
        } else if (by_cluster) {
            /* RocketMQ goes on with the other masters; the failure still fails the run. */
            fprintf(stderr, "create subscription group to %s failed: %s\n", addrs.items[i],
                    ctx->err);
            failed = one;
        } else {
            rc = one;
        }
    }
    if (rc == 0) {
        printf("SubscriptionGroupConfig [groupName=%s, consumeEnable=%s, consumeFromMinEnable=%s, "
               "consumeBroadcastEnable=%s, retryQueueNums=%d, retryMaxTimes=%d, brokerId=%lld, "
               "whichBrokerWhenConsumeSlowly=%lld, notifyConsumerIdsChangedEnable=%s]\n",
               group, consume_enable ? "true" : "false", from_min ? "true" : "false",
               broadcast ? "true" : "false", retry_queues, retry_max, (long long)broker_id,
               (long long)slow_broker, notify ? "true" : "false");
        if (failed != 0) {
            rc = rj_mqadmin_ctx_fail(ctx, failed, "the group could not be written to every master");
        }
    }
    rj_mqadmin_strv_cleanup(&addrs);
    json_decref(ci);
    rj_buf_cleanup(&body);
    return rc;
}

static const rj_mqadmin_option_t update_sub_group_options[] = {
    {'b', "brokerAddr", true, false, 0, "create subscription group to which broker"},
    {'c', "clusterName", true, false, 0, "create subscription group to which cluster"},
    {'g', "groupName", true, true, 0, "consumer group name"},
    {'s', "consumeEnable", true, false, 0, "consume enable"},
    {'m', "consumeFromMinEnable", true, false, 0, "from min offset"},
    {'d', "consumeBroadcastEnable", true, false, 0, "broadcast"},
    {'q', "retryQueueNums", true, false, 0, "retry queue nums"},
    {'r', "retryMaxTimes", true, false, 0, "retry max times"},
    {'i', "brokerId", true, false, 0, "consumer from which broker id"},
    {'w', "whichBrokerWhenConsumeSlowly", true, false, 0, "which broker id when consume slowly"},
    {'a', "notifyConsumerIdsChanged", true, false, 0, "notify consumerId changed"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_update_sub_group = {
    "updateSubGroup", "Update or create subscription group", update_sub_group_options,
    run_update_sub_group};

/* ---- deleteSubGroup ------------------------------------------------------------------------- */

static int
delete_group_at(rj_mqadmin_ctx_t *ctx, const char *addr, const char *group, bool remove_offset)
{
    rj_command_t req;
    rj_command_init_request(&req, RJ_REQ_DELETE_SUBSCRIPTIONGROUP);
    rj_command_add_ext_cstr(&req, "groupName", group);
    rj_command_add_ext_bool(&req, "removeOffset", remove_offset);
    return rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, NULL);
}

static int
run_delete_sub_group(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *group = rj_mqadmin_cli_get(args, 'g');
    bool remove_offset = rj_mqadmin_cli_bool(args, 'r', false);
    if (rj_mqadmin_cli_has(args, 'b')) {
        const char *addr = rj_mqadmin_cli_get(args, 'b');
        int rc = delete_group_at(ctx, addr, group, remove_offset);
        if (rc == 0) {
            printf("delete subscription group [%s] from broker [%s] success.\n", group, addr);
        }
        return rc;
    }
    if (!rj_mqadmin_cli_has(args, 'c')) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE,
                                   "one of -b brokerAddr or -c clusterName is needed");
    }
    const char *cluster = rj_mqadmin_cli_get(args, 'c');
    json_t *ci = NULL;
    rj_mqadmin_strv_t masters = {0};
    int rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    if (rc == 0) {
        rc = rj_mqadmin_route_cluster_addrs(ctx, ci, cluster, true, &masters);
    }
    for (size_t i = 0; rc == 0 && i < masters.count; i++) {
        rc = delete_group_at(ctx, masters.items[i], group, remove_offset);
        if (rc == 0) {
            printf("delete subscription group [%s] from broker [%s] in cluster [%s] success.\n",
                   group, masters.items[i], cluster);
        }
    }
    if (rc == 0) {
        /* The group's retry and dead-letter topics go too; a missing one is no failure. */
        static const char *const prefixes[] = {RJ_MQADMIN_RETRY_PREFIX, RJ_MQADMIN_DLQ_PREFIX};
        for (size_t i = 0; i < 2; i++) {
            char topic[512];
            snprintf(topic, sizeof(topic), "%s%s", prefixes[i], group);
            if (rj_mqadmin_topic_delete(ctx, cluster, topic) != 0) {
                fprintf(stderr, "delete topic [%s] failed: %s\n", topic, ctx->err);
            }
        }
    }
    rj_mqadmin_strv_cleanup(&masters);
    json_decref(ci);
    return rc;
}

static const rj_mqadmin_option_t delete_sub_group_options[] = {
    {'b', "brokerAddr", true, false, 0, "delete subscription group from which broker"},
    {'c', "clusterName", true, false, 0, "delete subscription group from which cluster"},
    {'g', "groupName", true, true, 0, "subscription group name"},
    {'r', "removeOffset", true, false, 0, "remove offset"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_delete_sub_group = {
    "deleteSubGroup", "Delete subscription group from broker.", delete_sub_group_options,
    run_delete_sub_group};

/* ---- shared: consume stats and connections ------------------------------------------------- */

/*
 * Route of the group's retry topic, which exists on every broker the group
 * ever reached; a group unknown to all brokers has none.
 */
static int
group_route(rj_mqadmin_ctx_t *ctx, const char *group, json_t **route)
{
    char retry[512];
    snprintf(retry, sizeof(retry), "%s%s", RJ_MQADMIN_RETRY_PREFIX, group);
    int rc = rj_mqadmin_route_topic(ctx, retry, route);
    if (rc != 0 && ctx->last_code == RJ_RESP_TOPIC_NOT_EXIST) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND,
                                 "consumer group %s not found: the name servers have no route "
                                 "for its retry topic %s",
                                 group, retry);
    }
    return rc;
}

int
rj_mqadmin_group_consume_stats(rj_mqadmin_ctx_t *ctx, const char *group, const char *topic,
                               rj_mqadmin_mq_table_t *out, double *tps)
{
    json_t *route = NULL;
    int rc = group_route(ctx, group, &route);
    *tps = 0;
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *addr = rj_mqadmin_route_broker_select(bd);
        if (rc != 0 || addr == NULL) {
            continue;
        }
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_GET_CONSUME_STATS);
        rj_command_add_ext_cstr(&req, "consumerGroup", group);
        rj_command_add_ext_cstr(&req, "topic", topic);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
        json_t *body = rc == 0 ? rj_mqadmin_ctx_json_body(ctx, resp, "consume stats") : NULL;
        rj_command_destroy(resp);
        if (rc == 0 && body == NULL) {
            rc = RJ_EMALFORMED;
        }
        if (rc == 0 && rj_mqadmin_mq_table_add_all(out, json_object_get(body, "offsetTable"))) {
            rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
        }
        json_t *t = json_object_get(body, "consumeTps");
        *tps += json_is_number(t) ? json_number_value(t) : 0;
        json_decref(body);
    }
    json_decref(route);
    if (rc == 0 && out->count == 0) {
        ctx->last_code = RJ_RESP_CONSUMER_NOT_ONLINE;
        rc =
            rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND,
                                "Not found the consumer group consume stats, because return offset "
                                "table is empty, maybe the consumer not consume any message");
    }
    return rc;
}

int
rj_mqadmin_group_consumer_connection(rj_mqadmin_ctx_t *ctx, const char *group, const char *addr,
                                     json_t **out)
{
    rj_mqadmin_strv_t addrs = {0};
    int rc = 0;
    if (addr != NULL) {
        rc = rj_mqadmin_strv_add(&addrs, addr);
    } else {
        json_t *route = NULL;
        rc = group_route(ctx, group, &route);
        size_t i;
        json_t *bd;
        json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
        {
            const char *a = rj_mqadmin_route_broker_select(bd);
            if (rc == 0 && a != NULL) {
                rc = rj_mqadmin_strv_add(&addrs, a);
            }
        }
        json_decref(route);
    }
    *out = NULL;
    /* Any broker of the group knows its connections; the first one that answers is used. */
    for (size_t i = 0; rc == 0 && i < addrs.count && *out == NULL; i++) {
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_GET_CONSUMER_CONNECTION_LIST);
        rj_command_add_ext_cstr(&req, "consumerGroup", group);
        int one = rj_mqadmin_ctx_invoke_ok(ctx, addrs.items[i], &req, &resp);
        json_t *body = one == 0 ? rj_mqadmin_ctx_json_body(ctx, resp, "consumer connection") : NULL;
        rj_command_destroy(resp);
        if (one == 0 && body == NULL) {
            one = RJ_EMALFORMED;
        } else if (one == 0 && json_array_size(json_object_get(body, "connectionSet")) == 0) {
            ctx->last_code = RJ_RESP_CONSUMER_NOT_ONLINE;
            one = rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND, "Not found the consumer group connection");
        }
        if (one == 0) {
            *out = body;
        } else {
            json_decref(body);
            if (i + 1 == addrs.count) {
                rc = one; /* the last broker's reason stands */
            }
        }
    }
    if (rc == 0 && *out == NULL) {
        rc =
            rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND, "no broker serves the consumer group %s", group);
    }
    rj_mqadmin_strv_cleanup(&addrs);
    return rc;
}

static const char *
json_text(const json_t *obj, const char *key, char *buf, size_t size)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) {
        return json_string_value(v);
    }
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return "";
}

/* ---- consumerProgress ----------------------------------------------------------------------- */

/* Queue → client IP from each member's ConsumerRunningInfo (missing ones stay unknown). */
static void
queue_owners(rj_mqadmin_ctx_t *ctx, const char *group, rj_mqadmin_mq_table_t *owners)
{
    json_t *cc = NULL;
    char saved[sizeof(ctx->err)];
    memcpy(saved, ctx->err, sizeof(saved));
    if (rj_mqadmin_group_consumer_connection(ctx, group, NULL, &cc) != 0) {
        memcpy(ctx->err, saved, sizeof(saved));
        return;
    }
    json_t *route = NULL;
    const char *addr = NULL;
    if (group_route(ctx, group, &route) == 0) {
        addr = rj_mqadmin_route_broker_select(
            json_array_get(json_object_get(route, "brokerDatas"), 0));
    }
    size_t i;
    json_t *conn;
    json_array_foreach(json_object_get(cc, "connectionSet"), i, conn)
    {
        const char *client_id = rj_mqadmin_json_str(conn, "clientId");
        if (client_id == NULL || addr == NULL) {
            continue;
        }
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_GET_CONSUMER_RUNNING_INFO);
        rj_command_add_ext_cstr(&req, "consumerGroup", group);
        rj_command_add_ext_cstr(&req, "clientId", client_id);
        rj_command_add_ext_bool(&req, "jstackEnable", false);
        if (rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp) != 0) {
            continue;
        }
        json_t *info = rj_mqadmin_ctx_json_body(ctx, resp, "consumer running info");
        rj_command_destroy(resp);
        rj_mqadmin_mq_table_t mqs = {0};
        rj_mqadmin_mq_table_add_all(&mqs, json_object_get(info, "mqTable"));
        json_t *ip = json_stringn(client_id, strcspn(client_id, "@"));
        for (size_t q = 0; ip != NULL && q < mqs.count; q++) {
            rj_mqadmin_mq_table_put(owners, mqs.items[q].topic, mqs.items[q].broker_name,
                                    mqs.items[q].queue_id, ip);
        }
        json_decref(ip);
        rj_mqadmin_mq_table_cleanup(&mqs);
        json_decref(info);
    }
    json_decref(route);
    json_decref(cc);
    memcpy(ctx->err, saved, sizeof(saved));
}

static int
progress_of_group(rj_mqadmin_ctx_t *ctx, const char *group, bool show_ip)
{
    rj_mqadmin_mq_table_t stats = {0}, owners = {0};
    double tps = 0;
    int rc = rj_mqadmin_group_consume_stats(ctx, group, NULL, &stats, &tps);
    if (rc != 0) {
        rj_mqadmin_mq_table_cleanup(&stats);
        return rc;
    }
    rj_mqadmin_mq_table_sort(&stats);
    if (show_ip) {
        queue_owners(ctx, group, &owners);
        printf("%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s  %s\n", "#Topic", "#Broker Name",
               "#QID", "#Broker Offset", "#Consumer Offset", "#Client IP", "#Diff", "#LastTime");
    } else {
        printf("%-64s  %-32s  %-4s  %-20s  %-20s  %-20s  %s\n", "#Topic", "#Broker Name", "#QID",
               "#Broker Offset", "#Consumer Offset", "#Diff", "#LastTime");
    }
    int64_t diff_total = 0;
    for (size_t i = 0; i < stats.count; i++) {
        const rj_mqadmin_mq_entry_t *e = &stats.items[i];
        int64_t broker_offset = rj_mqadmin_json_int(e->value, "brokerOffset", 0);
        int64_t consumer_offset = rj_mqadmin_json_int(e->value, "consumerOffset", 0);
        int64_t last = rj_mqadmin_json_int(e->value, "lastTimestamp", 0);
        int64_t diff = broker_offset - consumer_offset;
        diff_total += diff;
        char last_text[64] = "N/A";
        if (last != 0) {
            rj_mqadmin_print_date(last, last_text, sizeof(last_text));
        }
        if (show_ip) {
            const rj_mqadmin_mq_entry_t *o =
                rj_mqadmin_mq_table_find(&owners, e->topic, e->broker_name, e->queue_id);
            const char *ip =
                o != NULL && json_is_string(o->value) ? json_string_value(o->value) : "N/A";
            printf("%-64.64s  %-32.32s  %-4d  %-20lld  %-20lld  %-20s %-20lld  %s\n", e->topic,
                   e->broker_name, e->queue_id, (long long)broker_offset,
                   (long long)consumer_offset, ip, (long long)diff, last_text);
        } else {
            printf("%-64.64s  %-32.32s  %-4d  %-20lld  %-20lld  %-20lld  %s\n", e->topic,
                   e->broker_name, e->queue_id, (long long)broker_offset,
                   (long long)consumer_offset, (long long)diff, last_text);
        }
    }
    printf("\nConsume TPS: %.2f\nDiff Total: %lld\n", tps, (long long)diff_total);
    rj_mqadmin_mq_table_cleanup(&owners);
    rj_mqadmin_mq_table_cleanup(&stats);
    return 0;
}

static int
progress_of_all_groups(rj_mqadmin_ctx_t *ctx)
{
    rj_mqadmin_strv_t topics = {0};
    int rc = rj_mqadmin_topic_list(ctx, &topics);
    if (rc != 0) {
        return rc;
    }
    printf("%-64s  %-6s  %-24s %-5s  %-14s  %-7s  %s\n", "#Group", "#Count", "#Version", "#Type",
           "#Model", "#TPS", "#Diff Total");
    size_t prefix = strlen(RJ_MQADMIN_RETRY_PREFIX);
    for (size_t i = 0; i < topics.count; i++) {
        if (strncmp(topics.items[i], RJ_MQADMIN_RETRY_PREFIX, prefix) != 0) {
            continue;
        }
        const char *group = topics.items[i] + prefix;
        rj_mqadmin_mq_table_t stats = {0};
        double tps = 0;
        int64_t diff_total = 0;
        /* As RocketMQ: a group without stats or connections is still listed. */
        if (rj_mqadmin_group_consume_stats(ctx, group, NULL, &stats, &tps) == 0) {
            for (size_t q = 0; q < stats.count; q++) {
                diff_total += rj_mqadmin_json_int(stats.items[q].value, "brokerOffset", 0) -
                              rj_mqadmin_json_int(stats.items[q].value, "consumerOffset", 0);
            }
        }
        json_t *cc = NULL;
        size_t count = 0;
        char version[32] = "OFFLINE";
        const char *type = "", *model = "";
        if (rj_mqadmin_group_consumer_connection(ctx, group, NULL, &cc) == 0) {
            json_t *conns = json_object_get(cc, "connectionSet");
            count = json_array_size(conns);
            int64_t min_version = INT32_MAX;
            size_t j;
            json_t *conn;
            json_array_foreach(conns, j, conn)
            {
                int64_t v = rj_mqadmin_json_int(conn, "version", INT32_MAX);
                min_version = v < min_version ? v : min_version;
            }
            rj_mq_version_desc((int32_t)min_version, version, sizeof(version));
            const char *consume_type = rj_mqadmin_json_str(cc, "consumeType");
            bool pull = consume_type != NULL && strcmp(consume_type, "CONSUME_ACTIVELY") == 0;
            type = pull ? "PULL" : "PUSH";
            const char *m = rj_mqadmin_json_str(cc, "messageModel");
            model = !pull && m != NULL ? m : "";
        }
        printf("%-64.64s  %-6zu  %-24s %-5s  %-14s  %-7d  %lld\n", group, count,
               count > 0 ? version : "OFFLINE", type, model, (int)tps, (long long)diff_total);
        json_decref(cc);
        rj_mqadmin_mq_table_cleanup(&stats);
    }
    ctx->err[0] = '\0';
    rj_mqadmin_strv_cleanup(&topics);
    return 0;
}

static int
run_consumer_progress(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *show = rj_mqadmin_cli_get(args, 's');
    bool show_ip = show != NULL && strcasecmp(show, "true") == 0;
    if (rj_mqadmin_cli_has(args, 'g')) {
        return progress_of_group(ctx, rj_mqadmin_cli_get(args, 'g'), show_ip);
    }
    return progress_of_all_groups(ctx);
}

static const rj_mqadmin_option_t consumer_progress_options[] = {
    {'g', "groupName", true, false, 0, "consumer group name"},
    {'s', "showClientIP", true, false, 0, "Show Client IP per Queue"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_consumer_progress = {
    "consumerProgress", "Query consumers's progress, speed", consumer_progress_options,
    run_consumer_progress};

/* ---- consumerConnection ------------------------------------------------------------------------
 */

static int
run_consumer_connection(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    json_t *cc = NULL;
    int rc = rj_mqadmin_group_consumer_connection(ctx, rj_mqadmin_cli_get(args, 'g'),
                                                  rj_mqadmin_cli_get(args, 'b'), &cc);
    if (rc != 0) {
        return rc;
    }
    printf("%-36s %-22s %-10s %s\n", "#ClientId", "#ClientAddr", "#Language", "#Version");
    size_t i;
    json_t *conn;
    json_array_foreach(json_object_get(cc, "connectionSet"), i, conn)
    {
        char version[32], lang[24];
        rj_mq_version_desc((int32_t)rj_mqadmin_json_int(conn, "version", -1), version,
                           sizeof(version));
        const char *client_id = rj_mqadmin_json_str(conn, "clientId");
        const char *client_addr = rj_mqadmin_json_str(conn, "clientAddr");
        printf("%-36s %-22s %-10s %s\n", client_id != NULL ? client_id : "",
               client_addr != NULL ? client_addr : "",
               json_text(conn, "language", lang, sizeof(lang)), version);
    }
    printf("\nBelow is subscription:\n");
    printf("%-20s %s\n", "#Topic", "#SubExpression");
    const char *topic;
    json_t *sd;
    json_object_foreach(json_object_get(cc, "subscriptionTable"), topic, sd)
    {
        const char *t = rj_mqadmin_json_str(sd, "topic");
        const char *expr = rj_mqadmin_json_str(sd, "subString");
        printf("%-20s %s\n", t != NULL ? t : topic, expr != NULL ? expr : "");
    }
    const char *type = rj_mqadmin_json_str(cc, "consumeType");
    const char *model = rj_mqadmin_json_str(cc, "messageModel");
    const char *from = rj_mqadmin_json_str(cc, "consumeFromWhere");
    printf("\nConsumeType: %s\nMessageModel: %s\nConsumeFromWhere: %s\n", type ? type : "null",
           model ? model : "null", from ? from : "null");
    json_decref(cc);
    return 0;
}

static const rj_mqadmin_option_t consumer_connection_options[] = {
    {'g', "consumerGroup", true, true, 0, "consumer group name"},
    {'b', "brokerAddr", true, false, 0, "broker address"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_consumer_connection = {
    "consumerConnection", "Query consumer's socket connection, client version and subscription",
    consumer_connection_options, run_consumer_connection};

/* ---- producerConnection ------------------------------------------------------------------------
 */

static int
run_producer_connection(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *group = rj_mqadmin_cli_get(args, 'g');
    json_t *route = NULL, *pc = NULL;
    int rc = rj_mqadmin_route_topic(ctx, rj_mqadmin_cli_get(args, 't'), &route);
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *addr = rj_mqadmin_route_broker_select(bd);
        if (rc != 0 || pc != NULL || addr == NULL) {
            continue;
        }
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_GET_PRODUCER_CONNECTION_LIST);
        rj_command_add_ext_cstr(&req, "producerGroup", group);
        if (rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp) == 0) {
            json_t *body = rj_mqadmin_ctx_json_body(ctx, resp, "producer connection");
            if (json_array_size(json_object_get(body, "connectionSet")) > 0) {
                pc = body;
            } else {
                json_decref(body);
            }
        }
        rj_command_destroy(resp);
    }
    if (rc == 0 && pc == NULL) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND, "Not found the producer group connection%s%s",
                                 ctx->err[0] ? ": " : "", ctx->err);
    }
    int n = 1;
    json_t *conn;
    json_array_foreach(json_object_get(pc, "connectionSet"), i, conn)
    {
        char version[32], lang[24];
        rj_mq_version_desc((int32_t)rj_mqadmin_json_int(conn, "version", -1), version,
                           sizeof(version));
        const char *client_id = rj_mqadmin_json_str(conn, "clientId");
        const char *client_addr = rj_mqadmin_json_str(conn, "clientAddr");
        printf("%04d  %-32s %-22s %-8s %s\n", n++, client_id != NULL ? client_id : "",
               client_addr != NULL ? client_addr : "",
               json_text(conn, "language", lang, sizeof(lang)), version);
    }
    json_decref(pc);
    json_decref(route);
    return rc;
}

static const rj_mqadmin_option_t producer_connection_options[] = {
    {'g', "producerGroup", true, true, 0, "producer group name"},
    {'t', "topic", true, true, 0, "topic name"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_producer_connection = {
    "producerConnection", "Query producer's socket connection and client version",
    producer_connection_options, run_producer_connection};
