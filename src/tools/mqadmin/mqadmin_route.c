/*
 * Cluster info, topic routes and name-server KV calls for mqadmin (see
 * mqadmin_route.h). Broker address maps arrive in fastjson's dialect
 * ({0:"host:port"}); common/json.h turns their keys into strings.
 */
#include "tools/mqadmin/mqadmin_route.h"

#include "common/alloc.h"
#include "common/json.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"

#include <stdlib.h>
#include <string.h>

#define CLUSTER_ERROR                                                                \
    "Make sure the specified clusterName exists or the name server connected to is " \
    "correct."

int
rj_mqadmin_route_cluster_info(rj_mqadmin_ctx_t *ctx, json_t **out)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_BROKER_CLUSTER_INFO);
    int rc = rj_mqadmin_ctx_namesrv_invoke_ok(ctx, &req, &resp);
    if (rc != 0) {
        return rc;
    }
    json_t *ci = rj_mqadmin_ctx_json_body(ctx, resp, "cluster info");
    rj_command_destroy(resp);
    if (ci == NULL) {
        return RJ_EMALFORMED;
    }
    *out = ci;
    return 0;
}

int
rj_mqadmin_route_topic(rj_mqadmin_ctx_t *ctx, const char *topic, json_t **out)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_ROUTEINFO_BY_TOPIC);
    rj_command_add_ext_cstr(&req, "topic", topic);
    int rc = rj_mqadmin_ctx_namesrv_invoke_ok(ctx, &req, &resp);
    if (rc != 0) {
        return rc;
    }
    json_t *route = rj_mqadmin_ctx_json_body(ctx, resp, "topic route");
    rj_command_destroy(resp);
    if (route == NULL) {
        return RJ_EMALFORMED;
    }
    *out = route;
    return 0;
}

int32_t
rj_mqadmin_route_queue_nums(const json_t *queue_data, const char *key)
{
    int64_t n = rj_mqadmin_json_int(queue_data, key, -1);
    return n >= 0 && n <= RJ_MQADMIN_MAX_QUEUES ? (int32_t)n : -1;
}

static int
compare_addr(const void *a, const void *b)
{
    const rj_mqadmin_broker_addr_t *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t
rj_mqadmin_route_broker_addrs(const json_t *broker_data, rj_mqadmin_broker_addr_t *out, size_t cap)
{
    json_t *addrs =
        json_is_object(broker_data) ? json_object_get(broker_data, "brokerAddrs") : NULL;
    if (!json_is_object(addrs)) {
        return 0;
    }
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(addrs, key, v)
    {
        int64_t id;
        if (n == cap || !json_is_string(v) ||
            rj_bytes_parse_i64(rj_bytes_from_cstr(key), &id) != 0) {
            continue;
        }
        out[n].id = id;
        out[n].addr = json_string_value(v);
        n++;
    }
    qsort(out, n, sizeof(out[0]), compare_addr);
    return n;
}

const char *
rj_mqadmin_route_broker_master(const json_t *broker_data)
{
    rj_mqadmin_broker_addr_t addrs[16];
    size_t n = rj_mqadmin_route_broker_addrs(broker_data, addrs, 16);
    return n > 0 && addrs[0].id == 0 ? addrs[0].addr : NULL;
}

const char *
rj_mqadmin_route_broker_select(const json_t *broker_data)
{
    rj_mqadmin_broker_addr_t addrs[16];
    size_t n = rj_mqadmin_route_broker_addrs(broker_data, addrs, 16);
    return n > 0 ? addrs[0].addr : NULL;
}

int
rj_mqadmin_route_cluster_broker_names(const json_t *cluster_info, const char *cluster,
                                      rj_mqadmin_strv_t *out)
{
    json_t *table = json_object_get(cluster_info, "clusterAddrTable");
    json_t *names = json_is_object(table) ? json_object_get(table, cluster) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        if (json_is_string(v) && rj_mqadmin_strv_add_unique(out, json_string_value(v)) != 0) {
            return RJ_ENOMEM;
        }
    }
    rj_mqadmin_strv_sort(out);
    return 0;
}

int
rj_mqadmin_route_cluster_addrs(rj_mqadmin_ctx_t *ctx, const json_t *cluster_info,
                               const char *cluster, bool masters_only, rj_mqadmin_strv_t *out)
{
    rj_mqadmin_strv_t names = {0};
    int rc = rj_mqadmin_route_cluster_broker_names(cluster_info, cluster, &names);
    json_t *brokers = json_object_get(cluster_info, "brokerAddrTable");
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        json_t *bd = json_is_object(brokers) ? json_object_get(brokers, names.items[i]) : NULL;
        rj_mqadmin_broker_addr_t addrs[16];
        size_t n = rj_mqadmin_route_broker_addrs(bd, addrs, 16);
        for (size_t j = 0; rc == 0 && j < n; j++) {
            if (!masters_only || addrs[j].id == 0) {
                rc = rj_mqadmin_strv_add_unique(out, addrs[j].addr);
            }
        }
    }
    rj_mqadmin_strv_cleanup(&names);
    if (rc != 0) {
        return rj_mqadmin_ctx_fail(ctx, rc, "out of memory");
    }
    if (out->count == 0) {
        return rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND, "[error] %s (cluster \"%s\"%s)",
                                   CLUSTER_ERROR, cluster,
                                   masters_only ? ", no master broker" : "");
    }
    return 0;
}

const char *
rj_mqadmin_route_broker_name_of_addr(const json_t *cluster_info, const char *addr)
{
    json_t *brokers = json_object_get(cluster_info, "brokerAddrTable");
    const char *name;
    json_t *bd;
    json_object_foreach(brokers, name, bd)
    {
        rj_mqadmin_broker_addr_t addrs[16];
        size_t n = rj_mqadmin_route_broker_addrs(bd, addrs, 16);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(addrs[i].addr, addr) == 0) {
                return name;
            }
        }
    }
    return NULL;
}

/* ---- name-server KV config ------------------------------------------------------------- */

static int
kv_on_every_namesrv(rj_mqadmin_ctx_t *ctx, int32_t code, const char *ns, const char *key,
                    const char *value)
{
    rj_mqadmin_strv_t addrs = {0};
    int rc = rj_mqadmin_ctx_namesrv_addrs(ctx, &addrs);
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        rj_command_t req;
        rj_command_init_request(&req, code);
        rj_command_add_ext_cstr(&req, "namespace", ns);
        rj_command_add_ext_cstr(&req, "key", key);
        rj_command_add_ext_cstr(&req, "value", value);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, addrs.items[i], &req, NULL);
    }
    rj_mqadmin_strv_cleanup(&addrs);
    return rc;
}

int
rj_mqadmin_route_kv_put(rj_mqadmin_ctx_t *ctx, const char *ns, const char *key, const char *value)
{
    return kv_on_every_namesrv(ctx, RJ_REQ_PUT_KV_CONFIG, ns, key, value);
}

int
rj_mqadmin_route_kv_delete(rj_mqadmin_ctx_t *ctx, const char *ns, const char *key)
{
    return kv_on_every_namesrv(ctx, RJ_REQ_DELETE_KV_CONFIG, ns, key, NULL);
}

int
rj_mqadmin_route_kv_get(rj_mqadmin_ctx_t *ctx, const char *ns, const char *key, char *buf,
                        size_t size)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_KV_CONFIG);
    rj_command_add_ext_cstr(&req, "namespace", ns);
    rj_command_add_ext_cstr(&req, "key", key);
    int rc = rj_mqadmin_ctx_namesrv_invoke_ok(ctx, &req, &resp);
    if (rc == 0 && !rj_mqadmin_ctx_ext_cstr(resp, "value", buf, size)) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "the KV answer has no value");
    }
    rj_command_destroy(resp);
    return rc;
}

/* Master (else any) address of `broker_name` in the topic's route. */
int
rj_mqadmin_route_broker_addr_of(rj_mqadmin_ctx_t *ctx, const json_t *route, const char *topic,
                                const char *broker_name, const char **addr)
{
    size_t i;
    json_t *bd;
    json_array_foreach(json_object_get(route, "brokerDatas"), i, bd)
    {
        const char *name = rj_mqadmin_json_str(bd, "brokerName");
        if (name != NULL && strcmp(name, broker_name) == 0) {
            *addr = rj_mqadmin_route_broker_select(bd);
            if (*addr != NULL) {
                return 0;
            }
        }
    }
    return rj_mqadmin_ctx_fail(ctx, RJ_ENOROUTE, "broker %s is not in the route of topic %s",
                               broker_name, topic);
}
