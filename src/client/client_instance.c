/*
 * Client instance: registry, routes, heartbeats, periodic tasks and the
 * dispatch of broker-initiated requests to members.
 *
 * DESIGN. Timers live on the scheduler thread and only submit work to the
 * single service thread, where route polls, heartbeats, rebalances and
 * offset persistence run one at a time (each may block on sync RPCs). A
 * "pending" flag per kind of work coalesces submissions, so a slow broker
 * cannot pile up a backlog. Route fetches are serialised by `update_lock`
 * (Java's lockNamesrv) because user threads fetch routes on demand too.
 *
 * Locks, in the only order they are ever nested:
 *   members_lock (read) -> update_lock; members_lock (read) -> member's own locks
 *   route_lock and versions_lock are leaves. Route changes are announced to the
 *   members after update_lock is released.
 * members_lock is an rwlock: callbacks into members hold it for reading, so
 * unregistering (write) waits for callbacks of that member to finish.
 */
#include "client/client_instance.h"

#include "client/last_error.h"
#include "client/local_ip.h"
#include "client/mq_client_api.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/hashmap.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "common/message_record.h"
#include "ramjet/log.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INNER_PRODUCER_GROUP "CLIENT_INNER_PRODUCER"

enum {
    WORK_ROUTES = 0,
    WORK_HEARTBEAT = 1,
    WORK_PERSIST = 2,
    WORK_REBALANCE = 3,
    WORK_KINDS = 4,
};

struct rj_client_instance {
    atomic_int refs;
    rj_client_instance_t *next; /* registry list */
    char *client_id;
    rj_client_config_t cfg;
    char *namesrv_text;
    char **namesrvs;
    size_t namesrv_count;
    atomic_size_t namesrv_index;

    rj_rpc_client_t *rpc;
    rj_scheduler_t *sched;
    rj_executor_t *service;
    atomic_bool stopping;
    atomic_bool pending[WORK_KINDS];

    pthread_mutex_t update_lock;
    pthread_rwlock_t route_lock;
    rj_hashmap_t *routes;  /* topic -> rj_topic_route_t * */
    rj_hashmap_t *brokers; /* broker name -> rj_broker_data_t * (points into routes) */

    pthread_mutex_t versions_lock;
    rj_hashmap_t *versions; /* addr -> (intptr_t) version */

    pthread_mutex_t heartbeat_lock;
    pthread_rwlock_t members_lock;
    rj_client_member_t *members;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static rj_client_instance_t *registry;

void
rj_client_config_init(rj_client_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->poll_namesrv_interval_ms = 30000;
    cfg->heartbeat_interval_ms = 30000;
    cfg->persist_offset_interval_ms = 5000;
    cfg->rebalance_interval_ms = 20000;
}

/* ------------------------------------------------------------------ helpers */

static void
free_route(void *v)
{
    rj_topic_route_destroy(v);
}

/* Rebuilds brokers from all routes. Caller holds route_lock for writing. */
static void
rebuild_brokers_locked(rj_client_instance_t *inst)
{
    rj_hashmap_iter_t it;
    const char *key;
    size_t klen;
    void *val;

    rj_hashmap_clear(inst->brokers, NULL);
    rj_hashmap_iter_init(inst->routes, &it);
    while (rj_hashmap_iter_next(&it, &key, &klen, &val)) {
        rj_topic_route_t *r = val;
        for (size_t i = 0; i < r->broker_count; i++) {
            /* Keep the entry with the most addresses (routes fetched at different times). */
            rj_broker_data_t *old = rj_hashmap_get_cstr(inst->brokers, r->brokers[i].name);
            if (old == NULL || old->addr_count < r->brokers[i].addr_count) {
                if (rj_hashmap_put_cstr(inst->brokers, r->brokers[i].name, &r->brokers[i], NULL) !=
                    0) {
                    rj_log(RJ_LOG_WARN, RJ_ENOMEM, "broker table update failed");
                }
            }
        }
    }
}

static int
split_namesrvs(rj_client_instance_t *inst, const char *text)
{
    size_t n = 1;

    inst->namesrv_text = rj_strdup(text);
    if (inst->namesrv_text == NULL) {
        return RJ_ENOMEM;
    }
    for (const char *p = text; *p != '\0'; p++) {
        n += *p == ';';
    }
    inst->namesrvs = rj_calloc(n, sizeof(char *));
    if (inst->namesrvs == NULL) {
        return RJ_ENOMEM;
    }
    char *save = NULL;
    for (char *tok = strtok_r(inst->namesrv_text, ";", &save); tok != NULL;
         tok = strtok_r(NULL, ";", &save)) {
        while (*tok == ' ') {
            tok++;
        }
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ') {
            *--end = '\0';
        }
        if (*tok != '\0') {
            inst->namesrvs[inst->namesrv_count++] = tok;
        }
    }
    return inst->namesrv_count > 0 ? RJ_OK : RJ_EINVAL;
}

/* ------------------------------------------------------------------- routes */

/* GET_ROUTEINFO_BY_TOPIC on the current name server, moving on to the next ones on
 * transport failures (Java keeps using the name server that answered). */
static int
fetch_route(rj_client_instance_t *inst, const char *topic, rj_topic_route_t **out)
{
    int rc = RJ_ECONNREFUSED;
    size_t start = atomic_load(&inst->namesrv_index);

    for (size_t k = 0; k < inst->namesrv_count; k++) {
        size_t idx = (start + k) % inst->namesrv_count;
        const char *ns = inst->namesrvs[idx];
        rc = rj_api_get_route(inst->rpc, ns, topic, RJ_CLIENT_API_TIMEOUT_MS, out);
        if (rc == RJ_OK || rc == RJ_ENOROUTE || rc == RJ_EREMOTE || rc == RJ_EMALFORMED) {
            if (k > 0) {
                atomic_store(&inst->namesrv_index, idx);
            }
            return rc;
        }
        rj_log_ratelimited(5000, RJ_LOG_WARN, rc, "name server %s unreachable (topic=%s)", ns,
                           topic);
    }
    return rj_client_fail(rc, "No route info of this topic: %s: no name server reachable (%s): %s",
                          topic, inst->namesrv_text != NULL ? inst->cfg.namesrv_addrs : "",
                          rj_strerror(rc));
}

static void
notify_route_changed(rj_client_instance_t *inst, const char *topic, const rj_topic_route_t *r)
{
    pthread_rwlock_rdlock(&inst->members_lock);
    for (rj_client_member_t *m = inst->members; m != NULL; m = m->next) {
        if (m->ops->route_changed != NULL) {
            m->ops->route_changed(m, topic, r);
        }
    }
    pthread_rwlock_unlock(&inst->members_lock);
}

/* Stores `fresh` (taking it) if it differs. Returns true if it did. Caller holds update_lock. */
static bool
store_route_locked(rj_client_instance_t *inst, const char *topic, rj_topic_route_t *fresh)
{
    bool changed;

    pthread_rwlock_wrlock(&inst->route_lock);
    rj_topic_route_t *old = rj_hashmap_get_cstr(inst->routes, topic);
    changed = old == NULL || !rj_topic_route_equal(old, fresh);
    if (changed) {
        void *prev = NULL;
        if (rj_hashmap_put_cstr(inst->routes, topic, fresh, &prev) != 0) {
            pthread_rwlock_unlock(&inst->route_lock);
            rj_topic_route_destroy(fresh);
            return false;
        }
        rebuild_brokers_locked(inst);
        rj_topic_route_destroy(prev);
    }
    pthread_rwlock_unlock(&inst->route_lock);
    if (!changed) {
        rj_topic_route_destroy(fresh);
        return false;
    }
    rj_log(RJ_LOG_INFO, 0, "topic route changed topic=%s brokers=%zu queue_datas=%zu", topic,
           fresh->broker_count, fresh->queue_count);
    return true;
}

int
rj_client_instance_update_route(rj_client_instance_t *inst, const char *topic, bool use_default,
                                int32_t default_queue_nums)
{
    rj_topic_route_t *r = NULL;
    int rc;

    pthread_mutex_lock(&inst->update_lock);
    rc = fetch_route(inst, topic, &r);
    if (rc == RJ_ENOROUTE && use_default) {
        rc = fetch_route(inst, "TBW102", &r);
        if (rc == RJ_OK) {
            rj_topic_route_apply_default_queue_nums(r, default_queue_nums);
        } else if (rc == RJ_ENOROUTE) {
            rj_client_fail(RJ_ENOROUTE,
                           "No route info of this topic: %s (and no TBW102 route for "
                           "auto-creation)",
                           topic);
        }
    }
    bool changed = rc == RJ_OK && store_route_locked(inst, topic, r);
    pthread_mutex_unlock(&inst->update_lock);
    /* Members hear about it outside update_lock (they may fetch routes themselves); they get
     * the route stored now, so racing updates still leave everyone with the latest one. */
    if (changed) {
        rj_topic_route_t *latest = rj_client_instance_route(inst, topic);
        if (latest != NULL) {
            notify_route_changed(inst, topic, latest);
            rj_topic_route_destroy(latest);
        }
    }
    return rc;
}

rj_topic_route_t *
rj_client_instance_route(rj_client_instance_t *inst, const char *topic)
{
    rj_topic_route_t *copy = NULL;

    pthread_rwlock_rdlock(&inst->route_lock);
    rj_topic_route_t *r = rj_hashmap_get_cstr(inst->routes, topic);
    if (r != NULL) {
        copy = rj_topic_route_clone(r);
    }
    pthread_rwlock_unlock(&inst->route_lock);
    return copy;
}

static int
copy_out(const char *addr, char *buf, size_t size)
{
    if (addr == NULL) {
        return RJ_ENOTFOUND;
    }
    /* Every pull asks for its broker's address: a plain copy, not snprintf. */
    size_t n = strlen(addr);
    if (n >= size) {
        if (size > 0) {
            memcpy(buf, addr, size - 1);
            buf[size - 1] = '\0';
        }
        return RJ_ETOOLARGE;
    }
    memcpy(buf, addr, n + 1);
    return RJ_OK;
}

int
rj_client_instance_broker_addr(rj_client_instance_t *inst, const char *broker_name,
                               int64_t broker_id, bool only_this_id, char *buf, size_t size)
{
    int rc;

    pthread_rwlock_rdlock(&inst->route_lock);
    const rj_broker_data_t *b = rj_hashmap_get_cstr(inst->brokers, broker_name);
    const char *addr = NULL;
    if (b != NULL) {
        addr = rj_broker_data_addr(b, broker_id);
        if (addr == NULL && broker_id != RJ_MASTER_ID) {
            addr = rj_broker_data_addr(b, broker_id + 1);
        }
        if (addr == NULL && !only_this_id && b->addr_count > 0) {
            addr = b->addrs[0].addr;
        }
    }
    rc = copy_out(addr, buf, size);
    pthread_rwlock_unlock(&inst->route_lock);
    return rc;
}

int
rj_client_instance_master_addr(rj_client_instance_t *inst, const char *broker_name, char *buf,
                               size_t size)
{
    int rc;

    pthread_rwlock_rdlock(&inst->route_lock);
    const rj_broker_data_t *b = rj_hashmap_get_cstr(inst->brokers, broker_name);
    rc = copy_out(b != NULL ? rj_broker_data_addr(b, RJ_MASTER_ID) : NULL, buf, size);
    pthread_rwlock_unlock(&inst->route_lock);
    return rc;
}

int
rj_client_instance_any_broker_of_topic(rj_client_instance_t *inst, const char *topic, char *buf,
                                       size_t size)
{
    int rc = RJ_ENOTFOUND;

    pthread_rwlock_rdlock(&inst->route_lock);
    const rj_topic_route_t *r = rj_hashmap_get_cstr(inst->routes, topic);
    if (r != NULL && r->broker_count > 0) {
        /* Java picks a random broker of the route, preferring its master. */
        size_t start = (size_t)rand() % r->broker_count;
        for (size_t k = 0; k < r->broker_count && rc != RJ_OK; k++) {
            const rj_broker_data_t *b = &r->brokers[(start + k) % r->broker_count];
            const char *addr = rj_broker_data_addr(b, RJ_MASTER_ID);
            if (addr == NULL && b->addr_count > 0) {
                addr = b->addrs[0].addr;
            }
            rc = copy_out(addr, buf, size);
        }
    }
    pthread_rwlock_unlock(&inst->route_lock);
    return rc;
}

int32_t
rj_client_instance_broker_version(rj_client_instance_t *inst, const char *addr)
{
    pthread_mutex_lock(&inst->versions_lock);
    intptr_t v = (intptr_t)rj_hashmap_get_cstr(inst->versions, addr);
    pthread_mutex_unlock(&inst->versions_lock);
    return (int32_t)v;
}

/* -------------------------------------------------------------- service work */

static void
collect_topic(const char *topic, void *arg)
{
    rj_hashmap_t *set = arg;
    if (rj_hashmap_get_cstr(set, topic) == NULL) {
        rj_hashmap_put_cstr(set, topic, (void *)1, NULL);
    }
}

static void
poll_routes(rj_client_instance_t *inst)
{
    rj_hashmap_t *topics = rj_hashmap_create(16);
    rj_hashmap_iter_t it;
    const char *topic;
    size_t len;
    void *val;

    if (topics == NULL) {
        return;
    }
    pthread_rwlock_rdlock(&inst->members_lock);
    for (rj_client_member_t *m = inst->members; m != NULL; m = m->next) {
        if (m->ops->visit_topics != NULL) {
            m->ops->visit_topics(m, collect_topic, topics);
        }
    }
    pthread_rwlock_unlock(&inst->members_lock);
    rj_hashmap_iter_init(topics, &it);
    while (rj_hashmap_iter_next(&it, &topic, &len, &val)) {
        if (atomic_load(&inst->stopping)) {
            break;
        }
        int rc = rj_client_instance_update_route(inst, topic, false, 0);
        if (rc != RJ_OK && rc != RJ_ENOROUTE) {
            rj_log_ratelimited(10000, RJ_LOG_WARN, rc, "route update of %s failed: %s", topic,
                               rj_last_error());
        }
    }
    rj_hashmap_destroy(topics, NULL);
}

static int
build_heartbeat(rj_client_instance_t *inst, rj_buf_t *out, bool *has_consumers, bool *has_members)
{
    rj_json_writer_t w;

    *has_consumers = false;
    *has_members = false;
    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "clientID");
    rj_jw_string(&w, inst->client_id);
    rj_jw_key(&w, "consumerDataSet");
    rj_jw_array_begin(&w);
    pthread_rwlock_rdlock(&inst->members_lock);
    for (rj_client_member_t *m = inst->members; m != NULL; m = m->next) {
        if (m->kind == RJ_MEMBER_CONSUMER && m->ops->write_consumer_data != NULL) {
            m->ops->write_consumer_data(m, &w);
            *has_consumers = true;
        }
    }
    rj_jw_array_end(&w);
    rj_jw_key(&w, "producerDataSet");
    rj_jw_array_begin(&w);
    for (rj_client_member_t *m = inst->members; m != NULL; m = m->next) {
        *has_members = true;
        if (m->kind == RJ_MEMBER_PRODUCER) {
            rj_jw_object_begin(&w);
            rj_jw_key(&w, "groupName");
            rj_jw_string(&w, m->group);
            rj_jw_object_end(&w);
        }
    }
    pthread_rwlock_unlock(&inst->members_lock);
    /* Java's instance always carries its inner producer (used for consumer re-sends). */
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "groupName");
    rj_jw_string(&w, INNER_PRODUCER_GROUP);
    rj_jw_object_end(&w);
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    return rj_jw_finish(&w);
}

/* Snapshot of broker addresses to contact: (id, addr) pairs in one allocation. */
typedef struct {
    int64_t id;
    char addr[96];
} addr_entry_t;

static addr_entry_t *
snapshot_addrs(rj_client_instance_t *inst, size_t *count)
{
    rj_hashmap_iter_t it;
    const char *key;
    size_t klen, n = 0;
    void *val;
    addr_entry_t *out = NULL;

    pthread_rwlock_rdlock(&inst->route_lock);
    rj_hashmap_iter_init(inst->brokers, &it);
    while (rj_hashmap_iter_next(&it, &key, &klen, &val)) {
        n += ((rj_broker_data_t *)val)->addr_count;
    }
    if (n > 0 && (out = rj_calloc(n, sizeof(*out))) != NULL) {
        size_t k = 0;
        rj_hashmap_iter_init(inst->brokers, &it);
        while (rj_hashmap_iter_next(&it, &key, &klen, &val)) {
            const rj_broker_data_t *b = val;
            for (size_t i = 0; i < b->addr_count && k < n; i++) {
                out[k].id = b->addrs[i].id;
                snprintf(out[k].addr, sizeof(out[k].addr), "%s", b->addrs[i].addr);
                k++;
            }
        }
        n = k;
    }
    pthread_rwlock_unlock(&inst->route_lock);
    *count = out != NULL ? n : 0;
    return out;
}

void
rj_client_instance_heartbeat_now(rj_client_instance_t *inst)
{
    rj_buf_t body = RJ_BUF_INIT;
    bool has_consumers, has_members;
    size_t n;

    pthread_mutex_lock(&inst->heartbeat_lock);
    if (build_heartbeat(inst, &body, &has_consumers, &has_members) != RJ_OK || !has_members) {
        goto out;
    }
    addr_entry_t *addrs = snapshot_addrs(inst, &n);
    for (size_t i = 0; i < n; i++) {
        if (!has_consumers && addrs[i].id != RJ_MASTER_ID) {
            continue;
        }
        int32_t version = 0;
        int rc = rj_api_heartbeat(inst->rpc, addrs[i].addr, rj_buf_view(&body),
                                  RJ_CLIENT_API_TIMEOUT_MS, &version);
        if (rc != RJ_OK) {
            rj_log_ratelimited(10000, RJ_LOG_WARN, rc, "heartbeat to %s failed: %s", addrs[i].addr,
                               rj_last_error());
            continue;
        }
        pthread_mutex_lock(&inst->versions_lock);
        rj_hashmap_put_cstr(inst->versions, addrs[i].addr, (void *)(intptr_t)version, NULL);
        pthread_mutex_unlock(&inst->versions_lock);
    }
    rj_free(addrs);
out:
    pthread_mutex_unlock(&inst->heartbeat_lock);
    rj_buf_cleanup(&body);
}

static void
for_each_consumer(rj_client_instance_t *inst, bool rebalance)
{
    pthread_rwlock_rdlock(&inst->members_lock);
    for (rj_client_member_t *m = inst->members; m != NULL; m = m->next) {
        if (atomic_load(&inst->stopping)) {
            break;
        }
        void (*fn)(rj_client_member_t *) = rebalance ? m->ops->rebalance : m->ops->persist_offsets;
        if (fn != NULL) {
            fn(m);
        }
    }
    pthread_rwlock_unlock(&inst->members_lock);
}

static void
service_task(void *arg, uint64_t kind, bool cancelled)
{
    rj_client_instance_t *inst = arg;

    atomic_store(&inst->pending[kind], false);
    if (cancelled || atomic_load(&inst->stopping)) {
        return;
    }
    switch (kind) {
    case WORK_ROUTES:
        poll_routes(inst);
        break;
    case WORK_HEARTBEAT:
        rj_client_instance_heartbeat_now(inst);
        break;
    case WORK_PERSIST:
        for_each_consumer(inst, false);
        break;
    case WORK_REBALANCE:
        for_each_consumer(inst, true);
        break;
    default:
        break;
    }
}

static void
submit_work(rj_client_instance_t *inst, int kind)
{
    if (atomic_exchange(&inst->pending[kind], true)) {
        return; /* already queued */
    }
    if (rj_executor_submit(inst->service, service_task, inst, (uint64_t)kind) != RJ_OK) {
        atomic_store(&inst->pending[kind], false);
    }
}

void
rj_client_instance_rebalance_soon(rj_client_instance_t *inst)
{
    submit_work(inst, WORK_REBALANCE);
}

static int64_t
interval_of(const rj_client_instance_t *inst, int kind)
{
    switch (kind) {
    case WORK_ROUTES:
        return inst->cfg.poll_namesrv_interval_ms;
    case WORK_HEARTBEAT:
        return inst->cfg.heartbeat_interval_ms;
    case WORK_PERSIST:
        return inst->cfg.persist_offset_interval_ms;
    default:
        return inst->cfg.rebalance_interval_ms;
    }
}

static void
timer_task(void *arg, uint64_t kind, bool cancelled)
{
    rj_client_instance_t *inst = arg;

    if (cancelled || atomic_load(&inst->stopping)) {
        return;
    }
    submit_work(inst, (int)kind);
    rj_scheduler_schedule(inst->sched, interval_of(inst, (int)kind), timer_task, inst, kind);
}

/* ------------------------------------------------ broker-initiated requests */

static rj_client_member_t *
find_member_locked(rj_client_instance_t *inst, rj_member_kind_t kind, rj_bytes_t group)
{
    for (rj_client_member_t *m = inst->members; m != NULL; m = m->next) {
        if (m->kind == kind && rj_bytes_eq_cstr(group, m->group)) {
            return m;
        }
    }
    return NULL;
}

static int
reply_unknown_group(rj_request_t *req, rj_bytes_t group)
{
    rj_command_t resp;
    char remark[512];

    snprintf(remark, sizeof(remark), "The Consumer Group <%.*s> not exist in this consumer",
             (int)group.len, (const char *)group.data);
    int32_t code = RJ_RESP_SYSTEM_ERROR;
    rj_command_init_request(&resp, code);
    rj_command_set_remark_cstr(&resp, remark);
    return rj_request_reply(req, &resp);
}

static int
handle_notify_ids_changed(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_client_instance_t *inst = arg;
    rj_bytes_t group = RJ_BYTES_NULL;

    rj_command_ext_get(cmd, "consumerGroup", &group);
    rj_log(RJ_LOG_INFO, 0, "consumer ids changed group=%.*s, rebalance now", (int)group.len,
           (const char *)group.data);
    rj_client_instance_rebalance_soon(inst);
    if (!rj_request_is_oneway(req)) {
        rj_command_t resp;
        rj_command_init_request(&resp, RJ_RESP_SUCCESS);
        return rj_request_reply(req, &resp);
    }
    return RJ_OK;
}

static int
handle_member_request(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_client_instance_t *inst = arg;
    rj_member_kind_t kind = RJ_MEMBER_CONSUMER;
    rj_bytes_t group = RJ_BYTES_NULL;
    int rc;

    switch (cmd->code) {
    case RJ_REQ_CHECK_TRANSACTION_STATE: {
        rj_message_record_t rec;
        kind = RJ_MEMBER_PRODUCER;
        if (rj_message_record_decode(cmd->body.data, cmd->body.len, &rec, 0) <= 0 ||
            !rj_message_properties_get(rec.properties, RJ_PROP_PRODUCER_GROUP, &group)) {
            rj_log(RJ_LOG_WARN, RJ_EMALFORMED, "CHECK_TRANSACTION_STATE without a half message");
            return RJ_OK; /* one-way: nothing to answer */
        }
        break;
    }
    case RJ_REQ_RESET_CONSUMER_CLIENT_OFFSET:
    case RJ_REQ_GET_CONSUMER_STATUS_FROM_CLIENT:
        rj_command_ext_get(cmd, "group", &group);
        break;
    default:
        rj_command_ext_get(cmd, "consumerGroup", &group);
        break;
    }
    pthread_rwlock_rdlock(&inst->members_lock);
    rj_client_member_t *m = find_member_locked(inst, kind, group);
    if (m == NULL || m->ops->handle_request == NULL) {
        pthread_rwlock_unlock(&inst->members_lock);
        rj_log(RJ_LOG_WARN, 0, "request %d for unknown group %.*s", cmd->code, (int)group.len,
               (const char *)group.data);
        if (rj_request_is_oneway(req)) {
            return RJ_OK;
        }
        return reply_unknown_group(req, group);
    }
    rc = m->ops->handle_request(m, req, cmd);
    pthread_rwlock_unlock(&inst->members_lock);
    return rc;
}

/* --------------------------------------------------------------- life cycle */

static void
instance_free(rj_client_instance_t *inst)
{
    if (inst->sched != NULL) {
        rj_scheduler_destroy(inst->sched);
    }
    if (inst->service != NULL) {
        rj_executor_destroy(inst->service);
    }
    if (inst->rpc != NULL) {
        rj_rpc_client_destroy(inst->rpc);
    }
    if (inst->routes != NULL) {
        rj_hashmap_destroy(inst->routes, free_route);
    }
    if (inst->brokers != NULL) {
        rj_hashmap_destroy(inst->brokers, NULL);
    }
    if (inst->versions != NULL) {
        rj_hashmap_destroy(inst->versions, NULL);
    }
    pthread_mutex_destroy(&inst->update_lock);
    pthread_rwlock_destroy(&inst->route_lock);
    pthread_mutex_destroy(&inst->versions_lock);
    pthread_mutex_destroy(&inst->heartbeat_lock);
    pthread_rwlock_destroy(&inst->members_lock);
    rj_free(inst->namesrvs);
    rj_free(inst->namesrv_text);
    rj_free((char *)inst->cfg.namesrv_addrs);
    rj_free((char *)inst->cfg.instance_name);
    rj_free(inst->client_id);
    rj_free(inst);
}

static char *
make_client_id(const char *instance_name, char **resolved_name)
{
    char ip[RJ_LOCAL_IP_TEXT_MAX];
    char name[96];
    char id[256];

    if (instance_name == NULL || instance_name[0] == '\0' ||
        strcmp(instance_name, "DEFAULT") == 0) {
        snprintf(name, sizeof(name), "%ld#%" PRIu64, (long)getpid(), rj_clock_mono_ns());
    } else {
        snprintf(name, sizeof(name), "%s", instance_name);
    }
    rj_local_ip(ip, NULL);
    snprintf(id, sizeof(id), "%s@%s", ip, name);
    *resolved_name = rj_strdup(name);
    return rj_strdup(id);
}

static int
instance_create(const rj_client_config_t *cfg, rj_client_instance_t **out)
{
    rj_client_instance_t *inst = rj_calloc(1, sizeof(*inst));
    rj_rpc_client_options_t opts;
    char *resolved = NULL;
    int rc = RJ_ENOMEM;

    if (inst == NULL) {
        return RJ_ENOMEM;
    }
    atomic_init(&inst->refs, 1);
    inst->cfg = *cfg;
    inst->cfg.namesrv_addrs = NULL;
    inst->cfg.instance_name = NULL;
    pthread_mutex_init(&inst->update_lock, NULL);
    pthread_rwlock_init(&inst->route_lock, NULL);
    pthread_mutex_init(&inst->versions_lock, NULL);
    pthread_mutex_init(&inst->heartbeat_lock, NULL);
    pthread_rwlock_init(&inst->members_lock, NULL);
    inst->client_id = make_client_id(cfg->instance_name, &resolved);
    inst->cfg.instance_name = resolved;
    inst->cfg.namesrv_addrs = rj_strdup(cfg->namesrv_addrs);
    inst->routes = rj_hashmap_create(16);
    inst->brokers = rj_hashmap_create(8);
    inst->versions = rj_hashmap_create(8);
    if (inst->client_id == NULL || resolved == NULL || inst->cfg.namesrv_addrs == NULL ||
        inst->routes == NULL || inst->brokers == NULL || inst->versions == NULL) {
        goto fail;
    }
    rc = split_namesrvs(inst, cfg->namesrv_addrs);
    if (rc != RJ_OK) {
        rj_client_fail(rc, "no name server address in \"%s\"", cfg->namesrv_addrs);
        goto fail;
    }
    atomic_init(&inst->namesrv_index, (size_t)rand() % inst->namesrv_count);
    rj_rpc_client_options_init(&opts);
    opts.name = "rjclient";
    opts.request_serialize_type = rj_client_request_serialize_type();
    rc = rj_rpc_client_create(&opts, &inst->rpc);
    if (rc != RJ_OK) {
        goto fail;
    }
    rj_rpc_client_register(inst->rpc, RJ_REQ_NOTIFY_CONSUMER_IDS_CHANGED, RJ_DISPATCH_INLINE,
                           handle_notify_ids_changed, inst);
    static const int32_t member_codes[] = {
        RJ_REQ_CHECK_TRANSACTION_STATE,         RJ_REQ_RESET_CONSUMER_CLIENT_OFFSET,
        RJ_REQ_GET_CONSUMER_STATUS_FROM_CLIENT, RJ_REQ_GET_CONSUMER_RUNNING_INFO,
        RJ_REQ_CONSUME_MESSAGE_DIRECTLY,
    };
    for (size_t i = 0; i < sizeof(member_codes) / sizeof(member_codes[0]); i++) {
        rc = rj_rpc_client_register(inst->rpc, member_codes[i], RJ_DISPATCH_WORKER,
                                    handle_member_request, inst);
        if (rc != RJ_OK) {
            goto fail;
        }
    }
    rc = rj_rpc_client_start(inst->rpc);
    if (rc != RJ_OK) {
        goto fail;
    }
    rc = rj_executor_create("rjservice", 1, &inst->service);
    if (rc != RJ_OK) {
        goto fail;
    }
    rc = rj_scheduler_create("rjsched", &inst->sched);
    if (rc != RJ_OK) {
        goto fail;
    }
    /* First runs as Java: routes at once, heartbeat after 1 s, offsets after 10 s. */
    static const int64_t first_delay[WORK_KINDS] = {10, 1000, 10000, 20000};
    for (int k = 0; k < WORK_KINDS; k++) {
        int64_t delay =
            interval_of(inst, k) < first_delay[k] ? interval_of(inst, k) : first_delay[k];
        rj_scheduler_schedule(inst->sched, delay, timer_task, inst, (uint64_t)k);
    }
    rj_log(RJ_LOG_INFO, 0, "client instance %s started, name servers %s", inst->client_id,
           inst->cfg.namesrv_addrs);
    *out = inst;
    return RJ_OK;
fail:
    atomic_store(&inst->stopping, true);
    instance_free(inst);
    return rc;
}

int
rj_client_instance_acquire(const rj_client_config_t *cfg, rj_client_instance_t **out)
{
    int rc = RJ_OK;

    *out = NULL;
    if (cfg->namesrv_addrs == NULL || cfg->namesrv_addrs[0] == '\0') {
        return rj_client_fail(RJ_EINVAL, "no name server address set");
    }
    pthread_mutex_lock(&registry_lock);
    bool named = cfg->instance_name != NULL && cfg->instance_name[0] != '\0' &&
                 strcmp(cfg->instance_name, "DEFAULT") != 0;
    if (named) {
        for (rj_client_instance_t *it = registry; it != NULL; it = it->next) {
            if (strcmp(it->cfg.instance_name, cfg->instance_name) == 0 &&
                !atomic_load(&it->stopping)) {
                atomic_fetch_add(&it->refs, 1);
                *out = it;
                goto out;
            }
        }
    }
    rc = instance_create(cfg, out);
    if (rc == RJ_OK) {
        (*out)->next = registry;
        registry = *out;
    }
out:
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

void
rj_client_instance_release(rj_client_instance_t *inst)
{
    if (inst == NULL) {
        return;
    }
    pthread_mutex_lock(&registry_lock);
    if (atomic_fetch_sub(&inst->refs, 1) != 1) {
        pthread_mutex_unlock(&registry_lock);
        return;
    }
    for (rj_client_instance_t **pp = &registry; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == inst) {
            *pp = inst->next;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    atomic_store(&inst->stopping, true);
    rj_scheduler_stop(inst->sched);
    rj_executor_stop(inst->service, false);
    rj_rpc_client_stop(inst->rpc);
    rj_log(RJ_LOG_INFO, 0, "client instance %s stopped", inst->client_id);
    instance_free(inst);
}

int
rj_client_instance_register(rj_client_instance_t *inst, rj_client_member_t *m)
{
    pthread_rwlock_wrlock(&inst->members_lock);
    for (rj_client_member_t *it = inst->members; it != NULL; it = it->next) {
        if (it->kind == m->kind && strcmp(it->group, m->group) == 0) {
            pthread_rwlock_unlock(&inst->members_lock);
            return rj_client_fail(RJ_ESTATE,
                                  "The %s group[%s] has been created before, specify another "
                                  "name please.",
                                  m->kind == RJ_MEMBER_PRODUCER ? "producer" : "consumer",
                                  m->group);
        }
    }
    m->next = inst->members;
    inst->members = m;
    pthread_rwlock_unlock(&inst->members_lock);
    return RJ_OK;
}

void
rj_client_instance_detach(rj_client_instance_t *inst, rj_client_member_t *m)
{
    pthread_rwlock_wrlock(&inst->members_lock);
    for (rj_client_member_t **pp = &inst->members; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == m) {
            *pp = m->next;
            break;
        }
    }
    pthread_rwlock_unlock(&inst->members_lock);
}

void
rj_client_instance_unregister_brokers(rj_client_instance_t *inst, rj_member_kind_t kind,
                                      const char *group)
{
    size_t n;
    addr_entry_t *addrs = snapshot_addrs(inst, &n);

    for (size_t i = 0; i < n; i++) {
        int rc = rj_api_unregister_client(
            inst->rpc, addrs[i].addr, inst->client_id, kind == RJ_MEMBER_PRODUCER ? group : NULL,
            kind == RJ_MEMBER_CONSUMER ? group : NULL, RJ_CLIENT_API_TIMEOUT_MS);
        if (rc != RJ_OK) {
            rj_log(RJ_LOG_DEBUG, rc, "unregister %s from %s: %s", group, addrs[i].addr,
                   rj_last_error());
        }
    }
    rj_free(addrs);
}

void
rj_client_instance_unregister(rj_client_instance_t *inst, rj_client_member_t *m)
{
    rj_client_instance_detach(inst, m);
    rj_client_instance_unregister_brokers(inst, m->kind, m->group);
}

const char *
rj_client_instance_client_id(const rj_client_instance_t *inst)
{
    return inst->client_id;
}

static int serialize_type = RJ_SERIALIZE_JSON;

static void
read_serialize_type(void)
{
    const char *v = getenv("ROCKETMQ_SERIALIZE_TYPE");
    if (v == NULL || strcmp(v, "JSON") == 0) {
        return;
    }
    if (strcmp(v, "ROCKETMQ") == 0) {
        serialize_type = RJ_SERIALIZE_ROCKETMQ;
        return;
    }
    rj_log(RJ_LOG_WARN, 0, "ROCKETMQ_SERIALIZE_TYPE=%s is neither JSON nor ROCKETMQ: using JSON",
           v);
}

int
rj_client_request_serialize_type(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, read_serialize_type);
    return serialize_type;
}

rj_rpc_client_t *
rj_client_instance_rpc(rj_client_instance_t *inst)
{
    return inst->rpc;
}

rj_scheduler_t *
rj_client_instance_scheduler(rj_client_instance_t *inst)
{
    return inst->sched;
}

rj_executor_t *
rj_client_instance_service(rj_client_instance_t *inst)
{
    return inst->service;
}

const rj_client_config_t *
rj_client_instance_config(const rj_client_instance_t *inst)
{
    return &inst->cfg;
}
