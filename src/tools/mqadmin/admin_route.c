/*
 * Cluster info, topic routes and MessageQueue-keyed tables for mqadmin (see
 * admin_route.h). Object keys of fastjson maps reach us as strings holding the
 * key object's JSON text (common/json.h), parsed again here.
 */
#include "tools/mqadmin/admin_route.h"

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
rj_admin_cluster_info(rj_admin_ctx_t *ctx, json_t **out)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_BROKER_CLUSTER_INFO);
    int rc = rj_admin_namesrv_invoke_ok(ctx, &req, &resp);
    if (rc != 0) {
        return rc;
    }
    json_t *ci = rj_admin_json_body(ctx, resp, "cluster info");
    rj_command_destroy(resp);
    if (ci == NULL) {
        return RJ_EMALFORMED;
    }
    *out = ci;
    return 0;
}

int
rj_admin_topic_route(rj_admin_ctx_t *ctx, const char *topic, json_t **out)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_ROUTEINFO_BY_TOPIC);
    rj_command_add_ext_cstr(&req, "topic", topic);
    int rc = rj_admin_namesrv_invoke_ok(ctx, &req, &resp);
    if (rc != 0) {
        return rc;
    }
    json_t *route = rj_admin_json_body(ctx, resp, "topic route");
    rj_command_destroy(resp);
    if (route == NULL) {
        return RJ_EMALFORMED;
    }
    *out = route;
    return 0;
}

const char *
rj_admin_json_str(const json_t *obj, const char *key)
{
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t
rj_admin_json_int(const json_t *obj, const char *key, int64_t def)
{
    return json_is_object(obj) ? rj_json_get_int(obj, key, def) : def;
}

int32_t
rj_admin_queue_nums(const json_t *queue_data, const char *key)
{
    int64_t n = rj_admin_json_int(queue_data, key, -1);
    return n >= 0 && n <= RJ_ADMIN_MAX_QUEUES ? (int32_t)n : -1;
}

static int
compare_addr(const void *a, const void *b)
{
    const rj_admin_broker_addr_t *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t
rj_admin_broker_addrs(const json_t *broker_data, rj_admin_broker_addr_t *out, size_t cap)
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
rj_admin_broker_master(const json_t *broker_data)
{
    rj_admin_broker_addr_t addrs[16];
    size_t n = rj_admin_broker_addrs(broker_data, addrs, 16);
    return n > 0 && addrs[0].id == 0 ? addrs[0].addr : NULL;
}

const char *
rj_admin_broker_select(const json_t *broker_data)
{
    rj_admin_broker_addr_t addrs[16];
    size_t n = rj_admin_broker_addrs(broker_data, addrs, 16);
    return n > 0 ? addrs[0].addr : NULL;
}

int
rj_admin_cluster_broker_names(const json_t *cluster_info, const char *cluster, rj_admin_strv_t *out)
{
    json_t *table = json_object_get(cluster_info, "clusterAddrTable");
    json_t *names = json_is_object(table) ? json_object_get(table, cluster) : NULL;
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        if (json_is_string(v) && rj_admin_strv_add_unique(out, json_string_value(v)) != 0) {
            return RJ_ENOMEM;
        }
    }
    rj_admin_strv_sort(out);
    return 0;
}

int
rj_admin_cluster_addrs(rj_admin_ctx_t *ctx, const json_t *cluster_info, const char *cluster,
                       bool masters_only, rj_admin_strv_t *out)
{
    rj_admin_strv_t names = {0};
    int rc = rj_admin_cluster_broker_names(cluster_info, cluster, &names);
    json_t *brokers = json_object_get(cluster_info, "brokerAddrTable");
    for (size_t i = 0; rc == 0 && i < names.count; i++) {
        json_t *bd = json_is_object(brokers) ? json_object_get(brokers, names.items[i]) : NULL;
        rj_admin_broker_addr_t addrs[16];
        size_t n = rj_admin_broker_addrs(bd, addrs, 16);
        for (size_t j = 0; rc == 0 && j < n; j++) {
            if (!masters_only || addrs[j].id == 0) {
                rc = rj_admin_strv_add_unique(out, addrs[j].addr);
            }
        }
    }
    rj_admin_strv_cleanup(&names);
    if (rc != 0) {
        return rj_admin_fail(ctx, rc, "out of memory");
    }
    if (out->count == 0) {
        return rj_admin_fail(ctx, RJ_ENOTFOUND, "[error] %s (cluster \"%s\"%s)", CLUSTER_ERROR,
                             cluster, masters_only ? ", no master broker" : "");
    }
    return 0;
}

const char *
rj_admin_broker_name_of_addr(const json_t *cluster_info, const char *addr)
{
    json_t *brokers = json_object_get(cluster_info, "brokerAddrTable");
    const char *name;
    json_t *bd;
    json_object_foreach(brokers, name, bd)
    {
        rj_admin_broker_addr_t addrs[16];
        size_t n = rj_admin_broker_addrs(bd, addrs, 16);
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
kv_on_every_namesrv(rj_admin_ctx_t *ctx, int32_t code, const char *ns, const char *key,
                    const char *value)
{
    rj_admin_strv_t addrs = {0};
    int rc = rj_admin_namesrv_addrs(ctx, &addrs);
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        rj_command_t req;
        rj_command_init_request(&req, code);
        rj_command_add_ext_cstr(&req, "namespace", ns);
        rj_command_add_ext_cstr(&req, "key", key);
        rj_command_add_ext_cstr(&req, "value", value);
        rc = rj_admin_invoke_ok(ctx, addrs.items[i], &req, NULL);
    }
    rj_admin_strv_cleanup(&addrs);
    return rc;
}

int
rj_admin_kv_put(rj_admin_ctx_t *ctx, const char *ns, const char *key, const char *value)
{
    return kv_on_every_namesrv(ctx, RJ_REQ_PUT_KV_CONFIG, ns, key, value);
}

int
rj_admin_kv_delete(rj_admin_ctx_t *ctx, const char *ns, const char *key)
{
    return kv_on_every_namesrv(ctx, RJ_REQ_DELETE_KV_CONFIG, ns, key, NULL);
}

int
rj_admin_kv_get(rj_admin_ctx_t *ctx, const char *ns, const char *key, char *buf, size_t size)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_KV_CONFIG);
    rj_command_add_ext_cstr(&req, "namespace", ns);
    rj_command_add_ext_cstr(&req, "key", key);
    int rc = rj_admin_namesrv_invoke_ok(ctx, &req, &resp);
    if (rc == 0 && !rj_admin_ext_cstr(resp, "value", buf, size)) {
        rc = rj_admin_fail(ctx, RJ_EMALFORMED, "the KV answer has no value");
    }
    rj_command_destroy(resp);
    return rc;
}

/* ---- MessageQueue-keyed tables --------------------------------------------------------- */

static rj_admin_mq_entry_t *
find_entry(const rj_admin_mq_table_t *t, const char *topic, const char *broker_name, int32_t qid)
{
    for (size_t i = 0; i < t->count; i++) {
        rj_admin_mq_entry_t *e = &t->items[i];
        if (e->queue_id == qid && strcmp(e->topic, topic) == 0 &&
            strcmp(e->broker_name, broker_name) == 0) {
            return e;
        }
    }
    return NULL;
}

int
rj_admin_mq_table_put(rj_admin_mq_table_t *t, const char *topic, const char *broker, int32_t qid,
                      json_t *value)
{
    rj_admin_mq_entry_t *e = find_entry(t, topic, broker, qid);
    if (e != NULL) {
        json_decref(e->value);
        e->value = json_incref(value);
        return 0;
    }
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        rj_admin_mq_entry_t *items = rj_realloc(t->items, cap * sizeof(*items));
        if (items == NULL) {
            return RJ_ENOMEM;
        }
        t->items = items;
        t->cap = cap;
    }
    e = &t->items[t->count];
    e->topic = rj_strdup(topic);
    e->broker_name = rj_strdup(broker);
    if (e->topic == NULL || e->broker_name == NULL) {
        rj_free(e->topic);
        rj_free(e->broker_name);
        return RJ_ENOMEM;
    }
    e->queue_id = qid;
    e->value = json_incref(value);
    t->count++;
    return 0;
}

static int
add_entry(rj_admin_mq_table_t *t, const json_t *mq, json_t *value)
{
    const char *topic = rj_admin_json_str(mq, "topic");
    const char *broker = rj_admin_json_str(mq, "brokerName");
    int64_t qid = rj_admin_json_int(mq, "queueId", -1);
    if (topic == NULL || broker == NULL || qid < 0 || qid > INT32_MAX) {
        return 0; /* not a MessageQueue: nothing to show for it */
    }
    return rj_admin_mq_table_put(t, topic, broker, (int32_t)qid, value);
}

int
rj_admin_mq_table_add_all(rj_admin_mq_table_t *t, const json_t *map)
{
    int rc = 0;
    if (json_is_array(map)) {
        size_t i;
        json_t *v;
        json_array_foreach(map, i, v)
        {
            if (rc == 0 && json_is_object(v)) {
                rc = add_entry(t, v, v);
            }
        }
        return rc;
    }
    if (!json_is_object(map)) {
        return 0;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)map, key, v)
    {
        json_t *mq = rc == 0 ? rj_json_parse(key, strlen(key), NULL, 0) : NULL;
        if (json_is_object(mq)) {
            rc = add_entry(t, mq, v);
        }
        json_decref(mq);
    }
    return rc;
}

static int
compare_mq(const void *a, const void *b)
{
    const rj_admin_mq_entry_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c == 0) {
        c = strcmp(x->broker_name, y->broker_name);
    }
    if (c == 0) {
        c = x->queue_id < y->queue_id ? -1 : x->queue_id > y->queue_id;
    }
    return c;
}

void
rj_admin_mq_table_sort(rj_admin_mq_table_t *t)
{
    if (t->count > 1) {
        qsort(t->items, t->count, sizeof(t->items[0]), compare_mq);
    }
}

const rj_admin_mq_entry_t *
rj_admin_mq_table_find(const rj_admin_mq_table_t *t, const char *topic, const char *broker_name,
                       int32_t queue_id)
{
    return find_entry(t, topic, broker_name, queue_id);
}

void
rj_admin_mq_table_cleanup(rj_admin_mq_table_t *t)
{
    for (size_t i = 0; i < t->count; i++) {
        rj_free(t->items[i].topic);
        rj_free(t->items[i].broker_name);
        json_decref(t->items[i].value);
    }
    rj_free(t->items);
    memset(t, 0, sizeof(*t));
}
