/*
 * Administration basics (include/ramjet/admin.h): a private RPC client and
 * name-server list, and the few admin calls tests, tools and benchmarks need.
 * Every call is synchronous and takes the admin timeout per remote call.
 */
#include "client/client_instance.h"
#include "client/last_error.h"
#include "client/mq_client_api.h"
#include "client/topic_route.h"
#include "client/validators.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/json.h"
#include "ramjet/admin.h"
#include "ramjet/producer.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

struct rj_admin {
    rj_rpc_client_t *rpc;
    char *namesrv_text;
    char **namesrvs;
    size_t namesrv_count;
    int64_t timeout_ms;
};

void
rj_admin_destroy(rj_admin_t *a)
{
    if (a == NULL) {
        return;
    }
    rj_rpc_client_destroy(a->rpc);
    rj_free(a->namesrvs);
    rj_free(a->namesrv_text);
    rj_free(a);
}

int
rj_admin_create(const char *namesrv_addrs, rj_admin_t **out)
{
    rj_rpc_client_options_t opts;
    rj_admin_t *a;
    int rc;

    rj_client_clear_error();
    if (out == NULL || namesrv_addrs == NULL || namesrv_addrs[0] == '\0') {
        return rj_client_fail(RJ_EINVAL, "no name server address");
    }
    *out = NULL;
    a = rj_calloc(1, sizeof(*a));
    if (a == NULL) {
        return RJ_ENOMEM;
    }
    a->timeout_ms = RJ_CLIENT_API_TIMEOUT_MS;
    a->namesrv_text = rj_strdup(namesrv_addrs);
    size_t n = 1;
    for (const char *p = namesrv_addrs; *p != '\0'; p++) {
        n += *p == ';';
    }
    a->namesrvs = rj_calloc(n, sizeof(char *));
    if (a->namesrv_text == NULL || a->namesrvs == NULL) {
        rj_admin_destroy(a);
        return RJ_ENOMEM;
    }
    char *save = NULL;
    for (char *tok = strtok_r(a->namesrv_text, ";", &save); tok != NULL;
         tok = strtok_r(NULL, ";", &save)) {
        if (*tok != '\0') {
            a->namesrvs[a->namesrv_count++] = tok;
        }
    }
    if (a->namesrv_count == 0) {
        rj_admin_destroy(a);
        return rj_client_fail(RJ_EINVAL, "no name server address in \"%s\"", namesrv_addrs);
    }
    rj_rpc_client_options_init(&opts);
    opts.name = "rjadmin";
    opts.request_serialize_type = rj_client_request_serialize_type();
    rc = rj_rpc_client_create(&opts, &a->rpc);
    if (rc == RJ_OK) {
        rc = rj_rpc_client_start(a->rpc);
    }
    if (rc != RJ_OK) {
        rj_admin_destroy(a);
        return rc;
    }
    *out = a;
    return RJ_OK;
}

int
rj_admin_set_timeout(rj_admin_t *a, int64_t timeout_ms)
{
    rj_client_clear_error();
    if (a == NULL || timeout_ms < 1 || timeout_ms > 3600000) {
        return rj_client_fail(RJ_EINVAL, "bad timeout");
    }
    a->timeout_ms = timeout_ms;
    return RJ_OK;
}

void
rj_admin_free(void *p)
{
    rj_free(p);
}

/* Route of `topic` from the first name server that answers. */
static int
get_route(rj_admin_t *a, const char *topic, rj_topic_route_t **out)
{
    int rc = RJ_ECONNREFUSED;

    for (size_t i = 0; i < a->namesrv_count; i++) {
        rc = rj_api_get_route(a->rpc, a->namesrvs[i], topic, a->timeout_ms, out);
        if (rc == RJ_OK || rc == RJ_ENOROUTE) {
            return rc;
        }
    }
    return rc;
}

static int
master_of(rj_admin_t *a, const char *topic, const char *broker_name, char *buf, size_t size)
{
    rj_topic_route_t *r;
    int rc = get_route(a, topic, &r);

    if (rc != RJ_OK) {
        return rc;
    }
    const rj_broker_data_t *b = rj_topic_route_broker(r, broker_name);
    const char *addr = b != NULL ? rj_broker_data_addr(b, RJ_MASTER_ID) : NULL;
    if (addr == NULL) {
        rc = rj_client_fail(RJ_ENOROUTE, "no master of %s in the route of %s", broker_name, topic);
    } else if ((size_t)snprintf(buf, size, "%s", addr) >= size) {
        rc = rj_client_fail(RJ_ETOOLARGE, "address buffer too small");
    }
    rj_topic_route_destroy(r);
    return rc;
}

static bool
valid_mq(const rj_message_queue_t *mq)
{
    return mq != NULL && mq->topic != NULL && mq->broker_name != NULL && mq->queue_id >= 0;
}

int
rj_admin_create_topic(rj_admin_t *a, const char *cluster, const char *topic, int queue_nums,
                      bool order)
{
    json_t *info = NULL;
    char masters[64][128];
    char names[64][128];
    size_t count = 0;
    int rc;

    rj_client_clear_error();
    if (a == NULL || queue_nums < 1 || queue_nums > 1024) {
        return rj_client_fail(RJ_EINVAL, "bad arguments");
    }
    rc = rj_validators_check_topic(topic);
    if (rc != RJ_OK) {
        return rc;
    }
    for (size_t i = 0; i < a->namesrv_count; i++) {
        rc = rj_api_get_cluster_info(a->rpc, a->namesrvs[i], a->timeout_ms, (void **)&info);
        if (rc == RJ_OK) {
            break;
        }
    }
    if (rc != RJ_OK) {
        return rc;
    }
    const json_t *brokers = json_object_get(info, "brokerAddrTable");
    const json_t *clusters = json_object_get(info, "clusterAddrTable");
    const char *bname;
    const json_t *bd;
    json_object_foreach((json_t *)brokers, bname, bd)
    {
        if (cluster != NULL) {
            const json_t *members = json_object_get(clusters, cluster);
            bool in = false;
            size_t k;
            const json_t *m;
            json_array_foreach(members, k, m)
            {
                in |= json_is_string(m) && strcmp(json_string_value(m), bname) == 0;
            }
            if (!in) {
                continue;
            }
        }
        const char *addr = rj_json_get_str(json_object_get(bd, "brokerAddrs"), "0", NULL);
        if (addr != NULL && count < 64) {
            snprintf(masters[count], sizeof(masters[count]), "%s", addr);
            snprintf(names[count], sizeof(names[count]), "%s", bname);
            count++;
        }
    }
    json_decref(info);
    if (count == 0) {
        return rj_client_fail(RJ_ENOTFOUND, "no master broker in cluster %s",
                              cluster != NULL ? cluster : "(any)");
    }
    for (size_t i = 0; i < count; i++) {
        rc = rj_api_create_topic(a->rpc, masters[i], topic, queue_nums, queue_nums, order,
                                 a->timeout_ms);
        if (rc != RJ_OK) {
            return rc;
        }
    }
    /* The brokers register the topic with the name servers: wait until the route shows it. */
    int64_t deadline = rj_clock_mono_ms() + a->timeout_ms;
    for (;;) {
        rj_topic_route_t *r = NULL;
        size_t found = 0;
        if (get_route(a, topic, &r) == RJ_OK) {
            for (size_t i = 0; i < count; i++) {
                for (size_t q = 0; q < r->queue_count; q++) {
                    found += strcmp(r->queues[q].broker_name, names[i]) == 0 &&
                             r->queues[q].write_queue_nums == queue_nums;
                }
            }
            rj_topic_route_destroy(r);
        }
        if (found >= count) {
            return RJ_OK;
        }
        if (rj_clock_mono_ms() >= deadline) {
            return rj_client_fail(RJ_ETIMEDOUT, "topic %s created but not yet in the route", topic);
        }
        rj_clock_sleep_ms(50);
    }
}

int
rj_admin_topic_queues(rj_admin_t *a, const char *topic, rj_message_queue_t **queues, size_t *count)
{
    rj_topic_route_t *r;
    int rc;

    rj_client_clear_error();
    if (a == NULL || topic == NULL || queues == NULL || count == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    rc = get_route(a, topic, &r);
    if (rc != RJ_OK) {
        return rc;
    }
    rc = rj_topic_route_subscribe_queues(topic, r, queues, count);
    rj_topic_route_destroy(r);
    return rc;
}

int
rj_admin_broker_addr(rj_admin_t *a, const char *topic, const char *broker_name, char *buf,
                     size_t size)
{
    rj_client_clear_error();
    if (a == NULL || topic == NULL || broker_name == NULL || buf == NULL || size == 0) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    return master_of(a, topic, broker_name, buf, size);
}

static int
queue_offset(rj_admin_t *a, const rj_message_queue_t *mq, int which, int64_t ts, int64_t *offset)
{
    char addr[128];
    int rc;

    rj_client_clear_error();
    if (a == NULL || !valid_mq(mq) || offset == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument or bad queue");
    }
    rc = master_of(a, mq->topic, mq->broker_name, addr, sizeof(addr));
    if (rc != RJ_OK) {
        return rc;
    }
    switch (which) {
    case 0:
        return rj_api_get_max_offset(a->rpc, addr, mq->topic, mq->queue_id, a->timeout_ms, offset);
    case 1:
        return rj_api_get_min_offset(a->rpc, addr, mq->topic, mq->queue_id, a->timeout_ms, offset);
    default:
        return rj_api_search_offset(a->rpc, addr, mq->topic, mq->queue_id, ts, a->timeout_ms,
                                    offset);
    }
}

int
rj_admin_max_offset(rj_admin_t *a, const rj_message_queue_t *mq, int64_t *offset)
{
    return queue_offset(a, mq, 0, 0, offset);
}

int
rj_admin_min_offset(rj_admin_t *a, const rj_message_queue_t *mq, int64_t *offset)
{
    return queue_offset(a, mq, 1, 0, offset);
}

int
rj_admin_search_offset(rj_admin_t *a, const rj_message_queue_t *mq, int64_t timestamp_ms,
                       int64_t *offset)
{
    return queue_offset(a, mq, 2, timestamp_ms, offset);
}

int
rj_admin_consumer_offset(rj_admin_t *a, const char *group, const rj_message_queue_t *mq,
                         int64_t *offset)
{
    char addr[128];
    int rc;

    rj_client_clear_error();
    if (a == NULL || group == NULL || !valid_mq(mq) || offset == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument or bad queue");
    }
    rc = master_of(a, mq->topic, mq->broker_name, addr, sizeof(addr));
    if (rc != RJ_OK) {
        return rc;
    }
    rc = rj_api_query_consumer_offset(a->rpc, addr, group, mq->topic, mq->queue_id, a->timeout_ms,
                                      offset);
    if (rc == RJ_ENOTFOUND) {
        *offset = -1;
        return RJ_OK;
    }
    return rc;
}

int
rj_admin_consumer_ids(rj_admin_t *a, const char *topic, const char *group, char **ids,
                      size_t *count)
{
    rj_topic_route_t *r;
    char **list = NULL;
    size_t n = 0;
    int rc;

    rj_client_clear_error();
    if (a == NULL || topic == NULL || group == NULL || ids == NULL || count == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    *ids = NULL;
    *count = 0;
    rc = get_route(a, topic, &r);
    if (rc != RJ_OK) {
        return rc;
    }
    rc = RJ_ENOTFOUND;
    for (size_t i = 0; i < r->broker_count && rc != RJ_OK; i++) {
        const char *addr = rj_broker_data_addr(&r->brokers[i], RJ_MASTER_ID);
        if (addr != NULL) {
            rc = rj_api_get_consumer_ids(a->rpc, addr, group, a->timeout_ms, &list, &n);
        }
    }
    rj_topic_route_destroy(r);
    if (rc != RJ_OK) {
        return rc;
    }
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        total += strlen(list[i]) + 1;
    }
    char *out = rj_malloc(total);
    if (out == NULL) {
        rj_free(list);
        return RJ_ENOMEM;
    }
    char *p = out;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]) + 1;
        memcpy(p, list[i], l);
        p += l;
    }
    *p = '\0';
    rj_free(list);
    *ids = out;
    *count = n;
    return RJ_OK;
}
