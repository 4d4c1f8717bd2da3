/*
 * Message query sub-commands: queryMsgById, queryMsgByKey,
 * queryMsgByUniqueKey and queryMsgByOffset. Offset ids name the broker and
 * commit-log offset (VIEW_MESSAGE_BY_ID at that broker); keys and unique keys
 * are looked up in every broker's index (QUERY_MESSAGE) and filtered as
 * RocketMQ's MQAdminImpl does, since an index hit may be a hash collision.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "common/alloc.h"
#include "common/message_properties.h"
#include "ramjet/message.h"
#include "ramjet/producer.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"
#include "tools/mqadmin/mqadmin_msg.h"
#include "tools/mqadmin/mqadmin_print.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared: view by offset id, message track ------------------------------------------------ */

/* VIEW_MESSAGE_BY_ID at the broker the offset id names; the record lands in `list`. */
static int
view_message(rj_mqadmin_ctx_t *ctx, const char *msg_id, rj_mqadmin_msg_list_t *list, char *addr,
             size_t addr_size)
{
    rj_msg_host_t host;
    int64_t offset;
    if (rj_message_id_decode(msg_id, strlen(msg_id), &host, &offset) != 0) {
        return rj_mqadmin_ctx_fail(
            ctx, RJ_EINVAL,
            "query message by id finished, but no message. (\"%s\" is not an "
            "offset message id)",
            msg_id);
    }
    rj_msg_host_format(&host, addr, addr_size);
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_VIEW_MESSAGE_BY_ID);
    rj_command_add_ext_i64(&req, "offset", offset);
    int rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
    if (rc == 0) {
        size_t before = list->count;
        rc = rj_mqadmin_msg_list_decode(list, resp->body.data, resp->body.len);
        if (rc == 0 && list->count == before) {
            rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND,
                                     "query message by id finished, but no message.");
        } else if (rc != 0) {
            rc = rj_mqadmin_ctx_fail(ctx, rc, "%s answered a bad message record", addr);
        }
    }
    rj_command_destroy(resp);
    return rc;
}

typedef enum {
    TRACK_CONSUMED,
    TRACK_CONSUMED_BUT_FILTERED,
    TRACK_PULL,
    TRACK_NOT_CONSUME_YET,
    TRACK_NOT_ONLINE,
    TRACK_UNKNOWN,
} track_type_t;

static const char *const track_names[] = {
    "CONSUMED", "CONSUMED_BUT_FILTERED", "PULL", "NOT_CONSUME_YET", "NOT_ONLINE", "UNKNOWN",
};

/* True when the group's stored progress on the message's queue is past it (consumed()). */
static int
group_consumed(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_msg_t *m, const char *group, bool *consumed)
{
    rj_mqadmin_mq_table_t stats = {0};
    json_t *ci = NULL;
    double tps;
    int rc = rj_mqadmin_group_consume_stats(ctx, group, NULL, &stats, &tps);
    if (rc == 0) {
        rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    }
    *consumed = false;
    json_t *brokers = json_object_get(ci, "brokerAddrTable");
    for (size_t i = 0; rc == 0 && i < stats.count; i++) {
        const rj_mqadmin_mq_entry_t *e = &stats.items[i];
        if (e->queue_id != m->rec.queue_id || !rj_bytes_eq_cstr(m->rec.topic, e->topic)) {
            continue;
        }
        const char *master =
            rj_mqadmin_route_broker_master(json_object_get(brokers, e->broker_name));
        if (master != NULL && strcmp(master, m->store_host) == 0 &&
            rj_mqadmin_json_int(e->value, "consumerOffset", 0) > m->rec.queue_offset) {
            *consumed = true;
        }
    }
    json_decref(ci);
    rj_mqadmin_mq_table_cleanup(&stats);
    return rc;
}

/* Whether the group's subscription of the topic filters the message's tag out. */
static bool
filtered_out(const json_t *cc, const rj_mqadmin_msg_t *m)
{
    char tag[512];
    bool has_tag = rj_mqadmin_msg_property(m, RJ_PROP_TAGS, tag, sizeof(tag));
    const char *topic;
    json_t *sd;
    json_object_foreach(json_object_get(cc, "subscriptionTable"), topic, sd)
    {
        if (!rj_bytes_eq_cstr(m->rec.topic, topic)) {
            continue;
        }
        json_t *tags = json_object_get(sd, "tagsSet");
        if (json_array_size(tags) == 0) {
            return false;
        }
        size_t i;
        json_t *t;
        json_array_foreach(tags, i, t)
        {
            const char *s = json_is_string(t) ? json_string_value(t) : "";
            if (strcmp(s, "*") == 0 || (has_tag && strcmp(s, tag) == 0)) {
                return false;
            }
        }
        return true;
    }
    return false;
}

/* messageTrackDetail: one line per group consuming the topic. */
static void
print_message_track(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_msg_t *m)
{
    char topic[512];
    rj_bytes_copy_cstr(m->rec.topic, topic, sizeof(topic));
    json_t *route = NULL;
    rj_mqadmin_strv_t groups = {0};
    int rc = rj_mqadmin_route_topic(ctx, topic, &route);
    if (rc == 0) {
        rc = rj_mqadmin_topic_consumer_groups(ctx, topic, route, &groups);
    }
    json_decref(route);
    if (rc != 0) {
        fprintf(stderr, "message track: %s\n", ctx->err);
        ctx->err[0] = '\0';
        rj_mqadmin_strv_cleanup(&groups);
        return;
    }
    if (groups.count == 0) {
        printf("\n\nWARN: No Consumer\n");
    } else {
        printf("\n\n");
    }
    for (size_t i = 0; i < groups.count; i++) {
        track_type_t type = TRACK_UNKNOWN;
        char desc[sizeof(ctx->err) + 32] = "null";
        json_t *cc = NULL;
        ctx->last_code = -1;
        if (rj_mqadmin_group_consumer_connection(ctx, groups.items[i], NULL, &cc) != 0) {
            type = ctx->last_code == RJ_RESP_CONSUMER_NOT_ONLINE ? TRACK_NOT_ONLINE : TRACK_UNKNOWN;
            snprintf(desc, sizeof(desc), "CODE:%d DESC:%s", ctx->last_code, ctx->err);
        } else {
            const char *consume_type = rj_mqadmin_json_str(cc, "consumeType");
            if (consume_type != NULL && strcmp(consume_type, "CONSUME_ACTIVELY") == 0) {
                type = TRACK_PULL;
            } else if (consume_type != NULL && strcmp(consume_type, "CONSUME_PASSIVELY") == 0) {
                bool consumed = false;
                ctx->last_code = -1;
                if (group_consumed(ctx, m, groups.items[i], &consumed) != 0) {
                    type = ctx->last_code == RJ_RESP_CONSUMER_NOT_ONLINE ? TRACK_NOT_ONLINE
                                                                         : TRACK_UNKNOWN;
                    snprintf(desc, sizeof(desc), "CODE:%d DESC:%s", ctx->last_code, ctx->err);
                } else if (!consumed) {
                    type = TRACK_NOT_CONSUME_YET;
                } else {
                    type = filtered_out(cc, m) ? TRACK_CONSUMED_BUT_FILTERED : TRACK_CONSUMED;
                }
            }
        }
        printf("MessageTrack [consumerGroup=%s, trackType=%s, exceptionDesc=%s]\n", groups.items[i],
               track_names[type], desc);
        json_decref(cc);
    }
    ctx->err[0] = '\0';
    rj_mqadmin_strv_cleanup(&groups);
}

/* printMsg of QueryMsgByIdSubCommand (also used by queryMsgByOffset). */
static int
print_message(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_msg_t *m, bool with_offset_id, int index)
{
    char path[2048];
    int rc = rj_mqadmin_msg_write_body_file(m, index, path, sizeof(path));
    if (rc != 0) {
        return rj_mqadmin_ctx_fail(ctx, rc, "cannot write the message body file: %s",
                                   rj_strerror(rc));
    }
    rj_mqadmin_msg_print_fields(stdout, m, with_offset_id, path);
    print_message_track(ctx, m);
    return 0;
}

/* CONSUME_MESSAGE_DIRECTLY at the broker that stored the message, for one client of a group. */
static int
consume_directly(rj_mqadmin_ctx_t *ctx, const char *store_addr, const char *group,
                 const char *client_id, const char *offset_msg_id)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_CONSUME_MESSAGE_DIRECTLY);
    rj_command_add_ext_cstr(&req, "consumerGroup", group);
    rj_command_add_ext_cstr(&req, "clientId", client_id);
    rj_command_add_ext_cstr(&req, "msgId", offset_msg_id);
    int64_t saved = ctx->timeout_ms;
    ctx->timeout_ms = saved * 3; /* the broker waits for the client */
    int rc = rj_mqadmin_ctx_invoke_ok(ctx, store_addr, &req, &resp);
    ctx->timeout_ms = saved;
    json_t *body = rc == 0 ? rj_mqadmin_ctx_json_body(ctx, resp, "consume message directly") : NULL;
    rj_command_destroy(resp);
    if (rc == 0 && body == NULL) {
        return RJ_EMALFORMED;
    }
    if (rc == 0) {
        json_t *order = json_object_get(body, "order");
        json_t *auto_commit = json_object_get(body, "autoCommit");
        const char *result = rj_mqadmin_json_str(body, "consumeResult");
        const char *remark = rj_mqadmin_json_str(body, "remark");
        printf("ConsumeMessageDirectlyResult [order=%s, autoCommit=%s, consumeResult=%s, "
               "remark=%s, spentTimeMills=%lld]\n",
               json_is_true(order) ? "true" : "false",
               json_is_false(auto_commit) ? "false" : "true", result ? result : "null",
               remark ? remark : "null", (long long)rj_mqadmin_json_int(body, "spentTimeMills", 0));
    }
    json_decref(body);
    return rc;
}

/* ---- queryMsgById -------------------------------------------------------------------------------
 */

static int
query_one_by_id(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, const char *msg_id)
{
    rj_mqadmin_msg_list_t list = {0};
    char addr[128];
    int rc = view_message(ctx, msg_id, &list, addr, sizeof(addr));
    if (rc == 0) {
        const rj_mqadmin_msg_t *m = &list.items[0];
        if (rj_mqadmin_cli_has(args, 'g') && rj_mqadmin_cli_has(args, 'd')) {
            rc = consume_directly(ctx, m->store_host, rj_mqadmin_cli_get(args, 'g'),
                                  rj_mqadmin_cli_get(args, 'd'), m->offset_msg_id);
        } else if (rj_mqadmin_cli_has(args, 's')) {
            if (rj_mqadmin_cli_bool(args, 's', false)) {
                printf("prepare resend msg. originalMsgId=%s\n", msg_id);
                rc = rj_mqadmin_message_io_resend(ctx, m, rj_mqadmin_cli_get(args, 'u'));
            }
        } else {
            rc = print_message(ctx, m, true, 0);
        }
    }
    rj_mqadmin_msg_list_cleanup(&list);
    return rc;
}

static int
run_query_msg_by_id(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    char *ids = rj_strdup(rj_mqadmin_cli_get(args, 'i'));
    if (ids == NULL) {
        return rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
    }
    int rc = 0, queried = 0;
    char *save = NULL;
    for (char *id = strtok_r(ids, ",", &save); rc == 0 && id != NULL;
         id = strtok_r(NULL, ",", &save)) {
        rj_bytes_t t = rj_bytes_trim(rj_bytes_from_cstr(id));
        if (t.len == 0) {
            continue;
        }
        char one[RJ_MSG_ID_MAX_HEX_SIZE + 64];
        if (!rj_bytes_copy_cstr(t, one, sizeof(one))) {
            rc = rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "message id too long: %.*s", (int)t.len,
                                     (const char *)t.data);
            break;
        }
        if (queried++ > 0) {
            printf("\n");
        }
        rc = query_one_by_id(ctx, args, one);
    }
    rj_free(ids);
    if (rc == 0 && queried == 0) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "no message id in -i");
    }
    return rc;
}

static const rj_mqadmin_option_t query_by_id_options[] = {
    {'i', "msgId", true, true, 0, "Message Id"},
    {'g', "consumerGroup", true, false, 0, "consumer group name"},
    {'d', "clientId", true, false, 0, "The consumer's client id"},
    {'s', "sendMessage", true, false, 0, "resend message"},
    {'u', "unitName", true, false, 0, "unit name"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_id = {
    "queryMsgById", "Query Message by Id", query_by_id_options, run_query_msg_by_id};

/* ---- QUERY_MESSAGE on every broker
 * ----------------------------------------------------------------- */

/*
 * MQAdminImpl.queryMessage: asks every broker of the topic and keeps the
 * records whose KEYS hold `key` (or whose UNIQ_KEY equals it when `unique`).
 */
static int
query_index(rj_mqadmin_ctx_t *ctx, const char *topic, const char *key, int32_t max_num,
            int64_t begin, int64_t end, bool unique, rj_mqadmin_msg_list_t *out)
{
    json_t *route = NULL;
    int rc = rj_mqadmin_route_topic(ctx, topic, &route);
    rj_mqadmin_msg_list_t found = {0};
    size_t i;
    json_t *bd;
    bool asked = false;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *addr = rj_mqadmin_route_broker_select(bd);
        if (rc != 0 || addr == NULL) {
            continue;
        }
        asked = true;
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_QUERY_MESSAGE);
        rj_command_add_ext_cstr(&req, "topic", topic);
        rj_command_add_ext_cstr(&req, "key", key);
        rj_command_add_ext_i64(&req, "maxNum", max_num);
        rj_command_add_ext_i64(&req, "beginTimestamp", begin);
        rj_command_add_ext_i64(&req, "endTimestamp", end);
        rj_command_add_ext_cstr(&req, "_UNIQUE_KEY_QUERY", unique ? "true" : "false");
        int64_t saved = ctx->timeout_ms;
        ctx->timeout_ms = saved * 3;
        int one = rj_mqadmin_ctx_invoke(ctx, addr, &req, &resp);
        ctx->timeout_ms = saved;
        /* As RocketMQ: a broker that fails or finds nothing adds nothing. */
        if (one == 0 && resp->code == RJ_RESP_SUCCESS &&
            rj_mqadmin_msg_list_decode(&found, resp->body.data, resp->body.len) == RJ_ENOMEM) {
            rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
        }
        rj_command_destroy(resp);
    }
    json_decref(route);
    if (rc == 0 && !asked) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOROUTE, "The topic[%s] not matched route info", topic);
    }
    /* Keep the matches; the list's blocks move over so the views stay valid. */
    for (i = 0; rc == 0 && i < found.count; i++) {
        rj_mqadmin_msg_t *m = &found.items[i];
        bool match = false;
        if (unique) {
            match = strcmp(m->msg_id, key) == 0;
        } else {
            char keys[4096];
            if (rj_bytes_eq_cstr(m->rec.topic, topic) &&
                rj_mqadmin_msg_property(m, RJ_PROP_KEYS, keys, sizeof(keys))) {
                char *save = NULL;
                for (char *k = strtok_r(keys, " ", &save); k != NULL && !match;
                     k = strtok_r(NULL, " ", &save)) {
                    match = strcmp(k, key) == 0;
                }
            }
        }
        if (!match) {
            continue;
        }
        if (out->count == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            rj_mqadmin_msg_t *items = rj_realloc(out->items, cap * sizeof(*items));
            if (items == NULL) {
                rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
                break;
            }
            out->items = items;
            out->cap = cap;
        }
        out->items[out->count++] = *m;
        m->inflated = NULL; /* now owned by `out` */
    }
    if (rc == 0 && found.nblocks > 0) {
        uint8_t **blocks =
            rj_realloc(out->blocks, (out->nblocks + found.nblocks + 1) * sizeof(*blocks));
        if (blocks == NULL) {
            rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
        } else {
            out->blocks = blocks;
            memcpy(out->blocks + out->nblocks, found.blocks, found.nblocks * sizeof(*blocks));
            out->nblocks += found.nblocks;
            found.nblocks = 0;
        }
    }
    rj_mqadmin_msg_list_cleanup(&found);
    if (rc == 0 && out->count == 0) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND,
                                 "query message by key finished, but no message.");
    }
    return rc;
}

/* ---- queryMsgByKey ------------------------------------------------------------------------------
 */

static int
run_query_msg_by_key(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    int64_t begin, end;
    int32_t max_num;
    int rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'b', 0, &begin);
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'e', INT64_MAX, &end);
    }
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'm', 64, &max_num);
    }
    if (rc != 0) {
        return rc;
    }
    rj_mqadmin_msg_list_t list = {0};
    rc = query_index(ctx, rj_mqadmin_cli_get(args, 't'), rj_mqadmin_cli_get(args, 'k'), max_num,
                     begin, end, false, &list);
    if (rc == 0) {
        printf("%-50s %4s %40s\n", "#Message ID", "#QID", "#Offset");
        for (size_t i = 0; i < list.count; i++) {
            printf("%-50s %4d %40lld\n", list.items[i].msg_id, list.items[i].rec.queue_id,
                   (long long)list.items[i].rec.queue_offset);
        }
    }
    rj_mqadmin_msg_list_cleanup(&list);
    return rc;
}

static const rj_mqadmin_option_t query_by_key_options[] = {
    {'t', "topic", true, true, 0, "topic name"},
    {'k', "msgKey", true, true, 0, "Message Key"},
    {'b', "beginTimestamp", true, false, 0, "Begin timestamp(ms). default:0, eg:1676730526212"},
    {'e', "endTimestamp", true, false, 0,
     "End timestamp(ms). default:Long.MAX_VALUE, eg:1676730526212"},
    {'m', "maxNum", true, false, 0,
     "The maximum number of messages returned by the query, default:64"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_key = {
    "queryMsgByKey", "Query Message by Key", query_by_key_options, run_query_msg_by_key};

/* ---- queryMsgByUniqueKey -----------------------------------------------------------------------
 */

static int
compare_store_time(const void *a, const void *b)
{
    const rj_mqadmin_msg_t *x = a, *y = b;
    return x->rec.store_timestamp < y->rec.store_timestamp
               ? -1
               : x->rec.store_timestamp > y->rec.store_timestamp;
}

static int
run_query_msg_by_unique_key(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *topic = rj_mqadmin_cli_get(args, 't');
    const char *msg_id = rj_mqadmin_cli_get(args, 'i');
    rj_mqadmin_msg_list_t list = {0};
    int rc = query_index(ctx, topic, msg_id, 32, 0, INT64_MAX, true, &list);
    if (rc == 0 && rj_mqadmin_cli_has(args, 'g') && rj_mqadmin_cli_has(args, 'd')) {
        const rj_mqadmin_msg_t *m = &list.items[0];
        rc = consume_directly(ctx, m->store_host, rj_mqadmin_cli_get(args, 'g'),
                              rj_mqadmin_cli_get(args, 'd'), m->offset_msg_id);
    } else if (rc == 0) {
        qsort(list.items, list.count, sizeof(list.items[0]), compare_store_time);
        size_t n = rj_mqadmin_cli_has(args, 'a') ? list.count : 1;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (i > 0) {
                printf("\n");
            }
            rc = print_message(ctx, &list.items[i], false, (int)i);
        }
    }
    rj_mqadmin_msg_list_cleanup(&list);
    return rc;
}

static const rj_mqadmin_option_t query_by_unique_key_options[] = {
    {'i', "msgId", true, true, 0, "Message Id"},
    {'g', "consumerGroup", true, false, 0, "consumer group name"},
    {'d', "clientId", true, false, 0, "The consumer's client id"},
    {'t', "topic", true, true, 0, "The topic of msg"},
    {'a', "showAll", false, false, 0, "Print all message, the limit is 32"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_unique_key = {
    "queryMsgByUniqueKey", "Query Message by Unique key", query_by_unique_key_options,
    run_query_msg_by_unique_key};

/* ---- queryMsgByOffset ---------------------------------------------------------------------------
 */

static int
run_query_msg_by_offset(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *topic = rj_mqadmin_cli_get(args, 't');
    const char *broker = rj_mqadmin_cli_get(args, 'b');
    int32_t qid;
    int64_t offset;
    int rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'i', 0, &qid);
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'o', 0, &offset);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *route = NULL;
    const char *addr = NULL;
    rc = rj_mqadmin_route_topic(ctx, topic, &route);
    if (rc == 0) {
        rc = rj_mqadmin_route_broker_addr_of(ctx, route, topic, broker, &addr);
    }
    rj_mqadmin_msg_pull_result_t pr;
    memset(&pr, 0, sizeof(pr));
    if (rc == 0) {
        rc = rj_mqadmin_msg_pull(ctx, addr, RJ_MQADMIN_TOOLS_GROUP, topic, broker, qid, offset, 1,
                                 NULL, &pr);
    }
    if (rc == 0 && (pr.code != RJ_RESP_SUCCESS || pr.msgs.count == 0)) {
        const char *name = rj_response_code_name(pr.code);
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND,
                                 "no message at offset %lld of %s/%s/%d (pull answered %s; queue "
                                 "offsets %lld..%lld)",
                                 (long long)offset, topic, broker, qid, name != NULL ? name : "?",
                                 (long long)pr.min_offset, (long long)pr.max_offset);
    }
    if (rc == 0) {
        rc = print_message(ctx, &pr.msgs.items[0], true, 0);
    }
    rj_mqadmin_msg_list_cleanup(&pr.msgs);
    json_decref(route);
    return rc;
}

static const rj_mqadmin_option_t query_by_offset_options[] = {
    {'t', "topic", true, true, 0, "topic name"},
    {'b', "brokerName", true, true, 0, "Broker Name"},
    {'i', "queueId", true, true, 0, "Queue Id"},
    {'o', "offset", true, true, 0, "Queue Offset"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_query_msg_by_offset = {
    "queryMsgByOffset", "Query Message by offset", query_by_offset_options,
    run_query_msg_by_offset};
