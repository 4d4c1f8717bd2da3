/*
 * Route queries and route administration (requests.md §A3–§A5, §A7):
 * GET_ROUTEINFO_BY_TOPIC (105), GET_BROKER_CLUSTER_INFO (106), the topic-list
 * codes (206, 224, 304, 311–313), DELETE_TOPIC_IN_NAMESRV (216) and
 * WIPE/ADD_WRITE_PERM_OF_BROKER (205, 327). Memory only: all INLINE.
 *
 * Route bodies follow the requester's dialect: request version >= V4_9_4 or
 * acceptStandardJsonOnly=true get standard JSON (quoted keys, non-ASCII
 * escaped), older clients (ali-ons sends 121) fastjson's unquoted integer keys.
 */
#include "common/alloc.h"
#include "common/log.h"
#include "namesrv/namesrv_internal.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

/* FAQUrl.suggestTodo(APPLY_TOPIC_URL), as Java appends it. */
#define TOPIC_NOT_EXIST_SUFFIX "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

static int
handle_get_route(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    char topic[RJ_NAMESRV_FIELD_MAX];
    bool too_long;
    if (rj_namesrv_ext_cstr(cmd, "topic", topic, sizeof(topic), &too_long) == NULL) {
        return rj_namesrv_reply_bad_field(req, cmd, "topic", too_long);
    }
    bool standard_only = false;
    rj_command_ext_bool(cmd, "acceptStandardJsonOnly", &standard_only);
    unsigned flags =
        (cmd->version >= RJ_MQ_VERSION_V4_9_4 || standard_only) ? RJ_ROUTE_JSON_STANDARD : 0;

    char *order_conf = NULL;
    if (atomic_load(&ns->order_message_enable)) {
        rj_kv_config_get(ns->kv, RJ_KV_NAMESPACE_ORDER_TOPIC_CONFIG, topic, &order_conf);
    }
    rj_buf_t body = RJ_BUF_INIT;
    int rc = rj_route_table_route_json(ns->routes, topic, flags, order_conf, &body);
    rj_free(order_conf);
    if (rc == RJ_ENOTFOUND) {
        char remark[RJ_NAMESRV_FIELD_MAX + 160];
        snprintf(remark, sizeof(remark), "No topic route info in name server for the topic: %s%s",
                 topic, TOPIC_NOT_EXIST_SUFFIX);
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_TOPIC_NOT_EXIST, remark, NULL, false);
    } else if (rc == 0) {
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, &body, false);
    }
    rj_buf_cleanup(&body);
    return rc;
}

static int
handle_cluster_info(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    rj_buf_t body = RJ_BUF_INIT;
    int rc = rj_route_table_cluster_info_json(ns->routes, &body);
    if (rc == 0) {
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, &body, false);
    }
    rj_buf_cleanup(&body);
    return rc;
}

static int
reply_topic_list(rj_request_t *req, const rj_command_t *cmd, rj_namesrv_t *ns,
                 rj_topic_list_kind_t kind, const char *cluster)
{
    rj_buf_t body = RJ_BUF_INIT;
    int rc = rj_route_table_topic_list_json(ns->routes, kind, cluster, &body);
    if (rc == 0) {
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, &body, false);
    }
    rj_buf_cleanup(&body);
    return rc;
}

static int
handle_all_topics(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return reply_topic_list(req, cmd, arg, RJ_TOPIC_LIST_ALL, NULL);
}

static int
handle_topics_by_cluster(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    char cluster[RJ_NAMESRV_FIELD_MAX];
    bool too_long;
    if (rj_namesrv_ext_cstr(cmd, "cluster", cluster, sizeof(cluster), &too_long) == NULL) {
        return rj_namesrv_reply_bad_field(req, cmd, "cluster", too_long);
    }
    return reply_topic_list(req, cmd, arg, RJ_TOPIC_LIST_BY_CLUSTER, cluster);
}

static int
handle_system_topics(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return reply_topic_list(req, cmd, arg, RJ_TOPIC_LIST_SYSTEM, NULL);
}

static int
handle_unit_topics(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return reply_topic_list(req, cmd, arg, RJ_TOPIC_LIST_UNIT, NULL);
}

static int
handle_has_unit_sub_topics(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return reply_topic_list(req, cmd, arg, RJ_TOPIC_LIST_HAS_UNIT_SUB, NULL);
}

static int
handle_has_unit_sub_ununit_topics(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return reply_topic_list(req, cmd, arg, RJ_TOPIC_LIST_HAS_UNIT_SUB_NOT_UNIT, NULL);
}

static int
handle_delete_topic(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    char topic[RJ_NAMESRV_FIELD_MAX], cluster[RJ_NAMESRV_FIELD_MAX];
    bool too_long;
    if (rj_namesrv_ext_cstr(cmd, "topic", topic, sizeof(topic), &too_long) == NULL) {
        return rj_namesrv_reply_bad_field(req, cmd, "topic", too_long);
    }
    const char *c = rj_namesrv_ext_cstr(cmd, "clusterName", cluster, sizeof(cluster), &too_long);
    if (c == NULL && too_long) {
        return rj_namesrv_reply_bad_field(req, cmd, "clusterName", true);
    }
    rj_route_table_delete_topic(ns->routes, topic, c);
    return rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, NULL, false);
}

static int
change_write_perm(rj_request_t *req, const rj_command_t *cmd, rj_namesrv_t *ns, bool add)
{
    char name[RJ_NAMESRV_FIELD_MAX];
    bool too_long;
    if (rj_namesrv_ext_cstr(cmd, "brokerName", name, sizeof(name), &too_long) == NULL) {
        return rj_namesrv_reply_bad_field(req, cmd, "brokerName", too_long);
    }
    int count = add ? rj_route_table_add_write_perm(ns->routes, name)
                    : rj_route_table_wipe_write_perm(ns->routes, name);
    rj_log(RJ_LOG_INFO, 0, "namesrv: %s write perm of broker=%s, client=%s, topics=%d",
           add ? "add" : "wipe", name, rj_connection_remote_addr(rj_request_connection(req)),
           count);
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_add_ext_i64(&resp, add ? "addTopicCount" : "wipeTopicCount", count);
    return rj_request_reply(req, &resp);
}

static int
handle_wipe_write_perm(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return change_write_perm(req, cmd, arg, false);
}

static int
handle_add_write_perm(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return change_write_perm(req, cmd, arg, true);
}

int
rj_processor_route_register(rj_namesrv_t *ns)
{
    static const struct {
        int32_t code;
        rj_request_handler_cb cb;
    } table[] = {
        {RJ_REQ_GET_ROUTEINFO_BY_TOPIC, handle_get_route},
        {RJ_REQ_GET_BROKER_CLUSTER_INFO, handle_cluster_info},
        {RJ_REQ_GET_ALL_TOPIC_LIST_FROM_NAMESERVER, handle_all_topics},
        {RJ_REQ_GET_TOPICS_BY_CLUSTER, handle_topics_by_cluster},
        {RJ_REQ_GET_SYSTEM_TOPIC_LIST_FROM_NS, handle_system_topics},
        {RJ_REQ_GET_UNIT_TOPIC_LIST, handle_unit_topics},
        {RJ_REQ_GET_HAS_UNIT_SUB_TOPIC_LIST, handle_has_unit_sub_topics},
        {RJ_REQ_GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, handle_has_unit_sub_ununit_topics},
        {RJ_REQ_DELETE_TOPIC_IN_NAMESRV, handle_delete_topic},
        {RJ_REQ_WIPE_WRITE_PERM_OF_BROKER, handle_wipe_write_perm},
        {RJ_REQ_ADD_WRITE_PERM_OF_BROKER, handle_add_write_perm},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        int rc = rj_server_register(ns->server, table[i].code, RJ_DISPATCH_INLINE, table[i].cb, ns);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}
