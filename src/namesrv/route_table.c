/*
 * Routing state of the name server (RouteInfoManager). See route_table.h.
 *
 * Layout: five string-keyed maps, as in Java. Values:
 *   topics    topic -> rj_hashmap_t* (brokerName -> queue_data_t*)
 *   brokers   brokerName -> broker_data_t* (cluster + id/address pairs sorted by id)
 *   clusters  cluster -> rj_hashmap_t* used as a set (brokerName -> &set_mark)
 *   live      brokerAddr -> live_info_t*
 *   filters   brokerAddr -> filter_list_t*
 *
 * Invariants: a brokerName is in `brokers` iff its BrokerData has at least one
 * address; a topic is in `topics` iff it has at least one QueueData; a cluster
 * is in `clusters` iff its set is not empty. Every mutation happens under the
 * write lock; JSON bodies are written under the read lock straight into the
 * caller's buffer, so a query never sees a half-applied registration.
 * Lists in JSON are sorted by name so that answers are deterministic.
 */
#include "namesrv/route_table.h"

#include "common/alloc.h"
#include "common/hashmap.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t read_queue_nums;
    int32_t write_queue_nums;
    int32_t perm;
    int32_t topic_sys_flag;
} queue_data_t;

typedef struct {
    int64_t id;
    char *addr;
} addr_entry_t;

typedef struct {
    char *cluster;
    addr_entry_t *addrs; /* sorted by id, ids unique */
    size_t count;
    size_t cap;
} broker_data_t;

typedef struct {
    int64_t last_update_ms;
    int64_t timeout_ms; /* 0: the table's default */
    rj_data_version_t data_version;
    uint64_t conn_id;
    char *ha_server_addr;
} live_info_t;

typedef struct {
    char **addrs;
    size_t count;
} filter_list_t;

struct rj_route_table {
    pthread_rwlock_t lock;
    rj_hashmap_t *topics;
    rj_hashmap_t *brokers;
    rj_hashmap_t *clusters;
    rj_hashmap_t *live;
    rj_hashmap_t *filters;
    _Atomic int64_t default_expiry_ms;
};

/* Value stored in maps used as sets. */
static char set_mark;

/* ---------------------------------------------------------------- helpers */

static void
free_queue_map(void *v)
{
    rj_hashmap_destroy(v, rj_free);
}

static void
free_broker_data(void *v)
{
    broker_data_t *bd = v;
    if (bd == NULL) {
        return;
    }
    for (size_t i = 0; i < bd->count; i++) {
        rj_free(bd->addrs[i].addr);
    }
    rj_free(bd->addrs);
    rj_free(bd->cluster);
    rj_free(bd);
}

static void
free_set(void *v)
{
    rj_hashmap_destroy(v, NULL);
}

static void
free_live(void *v)
{
    live_info_t *li = v;
    if (li != NULL) {
        rj_free(li->ha_server_addr);
        rj_free(li);
    }
}

static void
free_filter_list(void *v)
{
    filter_list_t *fl = v;
    if (fl == NULL) {
        return;
    }
    for (size_t i = 0; i < fl->count; i++) {
        rj_free(fl->addrs[i]);
    }
    rj_free(fl->addrs);
    rj_free(fl);
}

static int
cmp_cstr_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys of `map`, sorted; the array is heap, the strings belong to the map. */
static int
sorted_keys(const rj_hashmap_t *map, const char ***out, size_t *count)
{
    size_t n = rj_hashmap_count(map);
    *out = NULL;
    *count = 0;
    if (n == 0) {
        return 0;
    }
    const char **keys = rj_malloc(n * sizeof(*keys));
    if (keys == NULL) {
        return RJ_ENOMEM;
    }
    rj_hashmap_iter_t it;
    const char *k;
    size_t klen, i = 0;
    void *v;
    rj_hashmap_iter_init(map, &it);
    while (i < n && rj_hashmap_iter_next(&it, &k, &klen, &v)) {
        keys[i++] = k;
    }
    qsort(keys, i, sizeof(*keys), cmp_cstr_ptr);
    *out = keys;
    *count = i;
    return 0;
}

static const char *
broker_data_lookup(const broker_data_t *bd, int64_t id)
{
    for (size_t i = 0; i < bd->count; i++) {
        if (bd->addrs[i].id == id) {
            return bd->addrs[i].addr;
        }
    }
    return NULL;
}

static void
broker_data_remove_at(broker_data_t *bd, size_t i)
{
    rj_free(bd->addrs[i].addr);
    memmove(&bd->addrs[i], &bd->addrs[i + 1], (bd->count - i - 1) * sizeof(bd->addrs[0]));
    bd->count--;
}

/* brokerAddrs.put(id, addr); *existed tells whether the id had an address before. */
static int
broker_data_put(broker_data_t *bd, int64_t id, const char *addr, bool *existed)
{
    size_t i = 0;
    while (i < bd->count && bd->addrs[i].id < id) {
        i++;
    }
    char *copy = rj_strdup(addr);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    if (i < bd->count && bd->addrs[i].id == id) {
        rj_free(bd->addrs[i].addr);
        bd->addrs[i].addr = copy;
        *existed = true;
        return 0;
    }
    if (bd->count == bd->cap) {
        size_t ncap = bd->cap ? bd->cap * 2 : 2;
        addr_entry_t *n = rj_realloc(bd->addrs, ncap * sizeof(*n));
        if (n == NULL) {
            rj_free(copy);
            return RJ_ENOMEM;
        }
        bd->addrs = n;
        bd->cap = ncap;
    }
    memmove(&bd->addrs[i + 1], &bd->addrs[i], (bd->count - i) * sizeof(bd->addrs[0]));
    bd->addrs[i].id = id;
    bd->addrs[i].addr = copy;
    bd->count++;
    *existed = false;
    return 0;
}

/* Takes brokerName out of every topic; topics left without QueueData go away. */
static void
remove_topics_of_broker_locked(rj_route_table_t *rt, const char *broker_name)
{
    rj_hashmap_iter_t it;
    const char *topic;
    size_t tlen;
    void *v;
    rj_hashmap_iter_init(rt->topics, &it);
    while (rj_hashmap_iter_next(&it, &topic, &tlen, &v)) {
        rj_hashmap_t *qmap = v;
        queue_data_t *qd = rj_hashmap_remove_cstr(qmap, broker_name);
        if (qd != NULL) {
            rj_log(RJ_LOG_INFO, 0, "route: removed queue data topic=%s broker=%s", topic,
                   broker_name);
            rj_free(qd);
        }
        if (rj_hashmap_count(qmap) == 0) {
            rj_log(RJ_LOG_INFO, 0, "route: removed topic=%s, no broker serves it", topic);
            free_queue_map(rj_hashmap_iter_remove(&it));
        }
    }
}

static void
remove_from_cluster_set_locked(rj_route_table_t *rt, const char *cluster, const char *broker_name)
{
    rj_hashmap_t *set = rj_hashmap_get_cstr(rt->clusters, cluster);
    if (set == NULL) {
        return;
    }
    rj_hashmap_remove_cstr(set, broker_name);
    if (rj_hashmap_count(set) == 0) {
        rj_log(RJ_LOG_INFO, 0, "route: removed cluster=%s, no broker left", cluster);
        free_set(rj_hashmap_remove_cstr(rt->clusters, cluster));
    }
}

/* Removes `broker_name` from whichever cluster set holds it (onChannelDestroy). */
static void
remove_from_any_cluster_locked(rj_route_table_t *rt, const char *broker_name)
{
    rj_hashmap_iter_t it;
    const char *cluster;
    size_t clen;
    void *v;
    rj_hashmap_iter_init(rt->clusters, &it);
    while (rj_hashmap_iter_next(&it, &cluster, &clen, &v)) {
        rj_hashmap_t *set = v;
        if (rj_hashmap_remove_cstr(set, broker_name) != NULL) {
            if (rj_hashmap_count(set) == 0) {
                rj_log(RJ_LOG_INFO, 0, "route: removed cluster=%s, no broker left", cluster);
                free_set(rj_hashmap_iter_remove(&it));
            }
            return;
        }
    }
}

/*
 * Everything known about one broker address goes: live entry, filter servers,
 * its slot in the BrokerData, and — when that was the last address — the
 * brokerName from its cluster and topics. `addr` must not point into the table.
 */
static void
remove_broker_addr_locked(rj_route_table_t *rt, const char *addr)
{
    free_live(rj_hashmap_remove_cstr(rt->live, addr));
    free_filter_list(rj_hashmap_remove_cstr(rt->filters, addr));

    rj_hashmap_iter_t it;
    const char *name;
    size_t nlen;
    void *v;
    rj_hashmap_iter_init(rt->brokers, &it);
    while (rj_hashmap_iter_next(&it, &name, &nlen, &v)) {
        broker_data_t *bd = v;
        for (size_t i = 0; i < bd->count; i++) {
            if (strcmp(bd->addrs[i].addr, addr) != 0) {
                continue;
            }
            rj_log(RJ_LOG_INFO, 0, "route: removed broker=%s id=%lld addr=%s", name,
                   (long long)bd->addrs[i].id, addr);
            broker_data_remove_at(bd, i);
            if (bd->count == 0) {
                char *broker_name = rj_strdup(name);
                free_broker_data(rj_hashmap_iter_remove(&it));
                if (broker_name != NULL) {
                    remove_from_any_cluster_locked(rt, broker_name);
                    remove_topics_of_broker_locked(rt, broker_name);
                    rj_free(broker_name);
                }
            }
            return;
        }
    }
}

/* QueueData of `broker_name` for the topic, created or replaced. */
static int
update_queue_data_locked(rj_route_table_t *rt, const char *broker_name,
                         const rj_topic_config_entry_t *tc)
{
    queue_data_t *qd = rj_malloc(sizeof(*qd));
    if (qd == NULL) {
        return RJ_ENOMEM;
    }
    qd->read_queue_nums = tc->read_queue_nums;
    qd->write_queue_nums = tc->write_queue_nums;
    qd->perm = tc->perm;
    qd->topic_sys_flag = tc->topic_sys_flag;

    rj_hashmap_t *qmap = rj_hashmap_get_cstr(rt->topics, tc->topic_name);
    if (qmap == NULL) {
        qmap = rj_hashmap_create(4);
        if (qmap == NULL || rj_hashmap_put_cstr(rt->topics, tc->topic_name, qmap, NULL) != 0) {
            rj_hashmap_destroy(qmap, NULL);
            rj_free(qd);
            return RJ_ENOMEM;
        }
        rj_log(RJ_LOG_INFO, 0, "route: new topic=%s broker=%s read=%d write=%d perm=%d",
               tc->topic_name, broker_name, qd->read_queue_nums, qd->write_queue_nums, qd->perm);
    }
    void *old = NULL;
    if (rj_hashmap_put_cstr(qmap, broker_name, qd, &old) != 0) {
        rj_free(qd);
        if (rj_hashmap_count(qmap) == 0) {
            free_queue_map(rj_hashmap_remove_cstr(rt->topics, tc->topic_name));
        }
        return RJ_ENOMEM;
    }
    if (old != NULL && memcmp(old, qd, sizeof(*qd)) != 0) {
        rj_log(RJ_LOG_INFO, 0, "route: topic=%s broker=%s changed to read=%d write=%d perm=%d",
               tc->topic_name, broker_name, qd->read_queue_nums, qd->write_queue_nums, qd->perm);
    }
    rj_free(old);
    return 0;
}

/* ---------------------------------------------------------------- lifecycle */

rj_route_table_t *
rj_route_table_create(int64_t default_expiry_ms)
{
    rj_route_table_t *rt = rj_calloc(1, sizeof(*rt));
    if (rt == NULL) {
        return NULL;
    }
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* Registrations must not starve behind a steady stream of route queries. */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int rc = pthread_rwlock_init(&rt->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0) {
        rj_free(rt);
        return NULL;
    }
    rt->topics = rj_hashmap_create(1024);
    rt->brokers = rj_hashmap_create(128);
    rt->clusters = rj_hashmap_create(32);
    rt->live = rj_hashmap_create(256);
    rt->filters = rj_hashmap_create(16);
    rt->default_expiry_ms = default_expiry_ms;
    if (rt->topics == NULL || rt->brokers == NULL || rt->clusters == NULL || rt->live == NULL ||
        rt->filters == NULL) {
        rj_route_table_destroy(rt);
        return NULL;
    }
    return rt;
}

void
rj_route_table_destroy(rj_route_table_t *rt)
{
    if (rt == NULL) {
        return;
    }
    rj_hashmap_destroy(rt->topics, free_queue_map);
    rj_hashmap_destroy(rt->brokers, free_broker_data);
    rj_hashmap_destroy(rt->clusters, free_set);
    rj_hashmap_destroy(rt->live, free_live);
    rj_hashmap_destroy(rt->filters, free_filter_list);
    pthread_rwlock_destroy(&rt->lock);
    rj_free(rt);
}

void
rj_route_table_set_default_expiry(rj_route_table_t *rt, int64_t expiry_ms)
{
    rt->default_expiry_ms = expiry_ms;
}

void
rj_register_result_cleanup(rj_register_result_t *result)
{
    if (result != NULL) {
        rj_free(result->ha_server_addr);
        rj_free(result->master_addr);
        result->ha_server_addr = NULL;
        result->master_addr = NULL;
    }
}

void
rj_expired_brokers_free(rj_expired_broker_t *list, size_t count)
{
    for (size_t i = 0; list != NULL && i < count; i++) {
        rj_free(list[i].broker_addr);
    }
    rj_free(list);
}

/* ---------------------------------------------------------------- registration */

static int
set_filter_servers_locked(rj_route_table_t *rt, const char *addr, const rj_register_body_t *body)
{
    if (body->filter_server_count == 0) {
        free_filter_list(rj_hashmap_remove_cstr(rt->filters, addr));
        return 0;
    }
    filter_list_t *fl = rj_calloc(1, sizeof(*fl));
    if (fl == NULL) {
        return RJ_ENOMEM;
    }
    fl->addrs = rj_calloc(body->filter_server_count, sizeof(char *));
    if (fl->addrs == NULL) {
        free_filter_list(fl);
        return RJ_ENOMEM;
    }
    for (size_t i = 0; i < body->filter_server_count; i++) {
        fl->addrs[i] = rj_strdup(body->filter_servers[i]);
        if (fl->addrs[i] == NULL) {
            free_filter_list(fl);
            return RJ_ENOMEM;
        }
        fl->count = i + 1;
    }
    void *old = NULL;
    if (rj_hashmap_put_cstr(rt->filters, addr, fl, &old) != 0) {
        free_filter_list(fl);
        return RJ_ENOMEM;
    }
    free_filter_list(old);
    return 0;
}

static int
register_locked(rj_route_table_t *rt, const rj_broker_registration_t *reg,
                const rj_register_body_t *body, rj_register_result_t *result)
{
    rj_hashmap_t *set = rj_hashmap_get_cstr(rt->clusters, reg->cluster_name);
    if (set == NULL) {
        set = rj_hashmap_create(8);
        if (set == NULL || rj_hashmap_put_cstr(rt->clusters, reg->cluster_name, set, NULL) != 0) {
            free_set(set);
            return RJ_ENOMEM;
        }
    }
    if (rj_hashmap_put_cstr(set, reg->broker_name, &set_mark, NULL) != 0) {
        return RJ_ENOMEM;
    }

    bool register_first = false;
    broker_data_t *bd = rj_hashmap_get_cstr(rt->brokers, reg->broker_name);
    if (bd == NULL) {
        bd = rj_calloc(1, sizeof(*bd));
        if (bd == NULL || (bd->cluster = rj_strdup(reg->cluster_name)) == NULL ||
            rj_hashmap_put_cstr(rt->brokers, reg->broker_name, bd, NULL) != 0) {
            free_broker_data(bd);
            return RJ_ENOMEM;
        }
        register_first = true;
    }
    /* One address has one id: a slave promoted to master drops its old id first. */
    for (size_t i = 0; i < bd->count;) {
        if (bd->addrs[i].id != reg->broker_id && strcmp(bd->addrs[i].addr, reg->broker_addr) == 0) {
            broker_data_remove_at(bd, i);
        } else {
            i++;
        }
    }
    bool existed = false;
    int rc = broker_data_put(bd, reg->broker_id, reg->broker_addr, &existed);
    if (rc != 0) {
        return rc;
    }
    register_first = register_first || !existed;

    rj_data_version_t dv = {0, 0};
    if (body != NULL) {
        dv = body->data_version;
    }
    live_info_t *prev = rj_hashmap_get_cstr(rt->live, reg->broker_addr);
    if (body != NULL && reg->broker_id == RJ_MASTER_ID &&
        (register_first || prev == NULL || !rj_data_version_equal(&prev->data_version, &dv))) {
        for (size_t i = 0; i < body->topic_count; i++) {
            rc = update_queue_data_locked(rt, reg->broker_name, &body->topics[i]);
            if (rc != 0) {
                return rc;
            }
        }
    }

    live_info_t *li = rj_calloc(1, sizeof(*li));
    if (li == NULL) {
        return RJ_ENOMEM;
    }
    li->last_update_ms = reg->now_ms;
    li->timeout_ms = reg->heartbeat_timeout_ms > 0 ? reg->heartbeat_timeout_ms : 0;
    li->data_version = dv;
    li->conn_id = reg->conn_id;
    if (reg->ha_server_addr != NULL &&
        (li->ha_server_addr = rj_strdup(reg->ha_server_addr)) == NULL) {
        free_live(li);
        return RJ_ENOMEM;
    }
    void *old = NULL;
    if (rj_hashmap_put_cstr(rt->live, reg->broker_addr, li, &old) != 0) {
        free_live(li);
        return RJ_ENOMEM;
    }
    if (old == NULL) {
        rj_log(RJ_LOG_INFO, 0,
               "route: new broker registered cluster=%s broker=%s id=%lld addr=%s ha=%s",
               reg->cluster_name, reg->broker_name, (long long)reg->broker_id, reg->broker_addr,
               reg->ha_server_addr ? reg->ha_server_addr : "-");
    }
    free_live(old);

    if (body != NULL && body->has_filter_servers) {
        rc = set_filter_servers_locked(rt, reg->broker_addr, body);
        if (rc != 0) {
            return rc;
        }
    }

    if (result != NULL && reg->broker_id != RJ_MASTER_ID) {
        const char *master = broker_data_lookup(bd, RJ_MASTER_ID);
        live_info_t *mli = master != NULL ? rj_hashmap_get_cstr(rt->live, master) : NULL;
        if (mli != NULL) {
            result->master_addr = rj_strdup(master);
            if (mli->ha_server_addr != NULL) {
                result->ha_server_addr = rj_strdup(mli->ha_server_addr);
            }
            if (result->master_addr == NULL ||
                (mli->ha_server_addr != NULL && result->ha_server_addr == NULL)) {
                rj_register_result_cleanup(result);
                return RJ_ENOMEM;
            }
        }
    }
    return 0;
}

int
rj_route_table_register(rj_route_table_t *rt, const rj_broker_registration_t *reg,
                        const rj_register_body_t *body, rj_register_result_t *result)
{
    if (result != NULL) {
        result->ha_server_addr = NULL;
        result->master_addr = NULL;
    }
    if (reg->cluster_name == NULL || reg->broker_addr == NULL || reg->broker_name == NULL ||
        reg->cluster_name[0] == '\0' || reg->broker_addr[0] == '\0' ||
        reg->broker_name[0] == '\0') {
        return RJ_EINVAL;
    }
    pthread_rwlock_wrlock(&rt->lock);
    int rc = register_locked(rt, reg, body, result);
    pthread_rwlock_unlock(&rt->lock);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "route: registering broker=%s addr=%s failed", reg->broker_name,
               reg->broker_addr);
    }
    return rc;
}

void
rj_route_table_unregister(rj_route_table_t *rt, const char *cluster_name, const char *broker_addr,
                          const char *broker_name, int64_t broker_id)
{
    if (broker_addr == NULL || broker_name == NULL) {
        return;
    }
    pthread_rwlock_wrlock(&rt->lock);
    live_info_t *li = rj_hashmap_remove_cstr(rt->live, broker_addr);
    rj_log(RJ_LOG_INFO, 0, "route: unregister broker=%s id=%lld addr=%s (%s)", broker_name,
           (long long)broker_id, broker_addr, li != NULL ? "was live" : "not live");
    free_live(li);
    free_filter_list(rj_hashmap_remove_cstr(rt->filters, broker_addr));

    broker_data_t *bd = rj_hashmap_get_cstr(rt->brokers, broker_name);
    if (bd != NULL) {
        for (size_t i = 0; i < bd->count; i++) {
            if (bd->addrs[i].id == broker_id) {
                broker_data_remove_at(bd, i);
                break;
            }
        }
        if (bd->count == 0) {
            free_broker_data(rj_hashmap_remove_cstr(rt->brokers, broker_name));
            if (cluster_name != NULL) {
                remove_from_cluster_set_locked(rt, cluster_name, broker_name);
            }
            remove_topics_of_broker_locked(rt, broker_name);
        }
    }
    pthread_rwlock_unlock(&rt->lock);
}

/* ---------------------------------------------------------------- liveness */

static bool
is_expired(const live_info_t *li, int64_t now_ms, int64_t default_expiry_ms)
{
    int64_t timeout = li->timeout_ms > 0 ? li->timeout_ms : default_expiry_ms;
    return li->last_update_ms + timeout < now_ms;
}

static bool
any_expired_locked(rj_route_table_t *rt, int64_t now_ms, int64_t expiry)
{
    rj_hashmap_iter_t it;
    const char *addr;
    size_t alen;
    void *v;
    rj_hashmap_iter_init(rt->live, &it);
    while (rj_hashmap_iter_next(&it, &addr, &alen, &v)) {
        if (is_expired(v, now_ms, expiry)) {
            return true;
        }
    }
    return false;
}

int
rj_route_table_scan_expired(rj_route_table_t *rt, int64_t now_ms, rj_expired_broker_t **out,
                            size_t *count)
{
    int64_t expiry = rt->default_expiry_ms;
    *out = NULL;
    *count = 0;

    /* The common case (nobody expired) only takes the read lock. */
    pthread_rwlock_rdlock(&rt->lock);
    bool any = any_expired_locked(rt, now_ms, expiry);
    pthread_rwlock_unlock(&rt->lock);
    if (!any) {
        return 0;
    }

    int rc = 0;
    pthread_rwlock_wrlock(&rt->lock);
    size_t n = rj_hashmap_count(rt->live), found = 0;
    rj_expired_broker_t *list = rj_calloc(n ? n : 1, sizeof(*list));
    rj_hashmap_iter_t it;
    const char *addr;
    size_t alen;
    void *v;
    /* Collect first: removing an address touches the live map being iterated. */
    char **addrs = rj_calloc(n ? n : 1, sizeof(char *));
    rj_hashmap_iter_init(rt->live, &it);
    while (addrs != NULL && rj_hashmap_iter_next(&it, &addr, &alen, &v)) {
        live_info_t *li = v;
        if (!is_expired(li, now_ms, expiry) || found == n) {
            continue;
        }
        addrs[found] = rj_strdup(addr);
        if (addrs[found] == NULL) {
            break;
        }
        if (list != NULL) {
            list[found].conn_id = li->conn_id;
        }
        rj_log(RJ_LOG_WARN, 0, "route: broker addr=%s expired, last registration %lld ms ago", addr,
               (long long)(now_ms - li->last_update_ms));
        found++;
    }
    for (size_t i = 0; i < found; i++) {
        remove_broker_addr_locked(rt, addrs[i]);
    }
    pthread_rwlock_unlock(&rt->lock);

    if (list == NULL || addrs == NULL) {
        rc = RJ_ENOMEM;
        for (size_t i = 0; addrs != NULL && i < found; i++) {
            rj_free(addrs[i]);
        }
        rj_free(list);
        list = NULL;
        found = 0;
    } else {
        for (size_t i = 0; i < found; i++) {
            list[i].broker_addr = addrs[i];
        }
    }
    rj_free(addrs);
    *out = list;
    *count = found;
    return rc;
}

bool
rj_route_table_on_conn_closed(rj_route_table_t *rt, uint64_t conn_id)
{
    if (conn_id == 0) {
        return false;
    }
    char *found = NULL;
    rj_hashmap_iter_t it;
    const char *addr;
    size_t alen;
    void *v;

    /* Most closed connections are clients': look under the read lock first. */
    pthread_rwlock_rdlock(&rt->lock);
    bool any = false;
    rj_hashmap_iter_init(rt->live, &it);
    while (rj_hashmap_iter_next(&it, &addr, &alen, &v)) {
        if (((live_info_t *)v)->conn_id == conn_id) {
            any = true;
            break;
        }
    }
    pthread_rwlock_unlock(&rt->lock);
    if (!any) {
        return false;
    }

    pthread_rwlock_wrlock(&rt->lock);
    /* A broker may own several entries on one connection (several addresses): drop them all. */
    for (;;) {
        found = NULL;
        rj_hashmap_iter_init(rt->live, &it);
        while (rj_hashmap_iter_next(&it, &addr, &alen, &v)) {
            if (((live_info_t *)v)->conn_id == conn_id) {
                found = rj_strdup(addr);
                break;
            }
        }
        if (found == NULL) {
            break;
        }
        rj_log(RJ_LOG_INFO, 0, "route: connection of broker addr=%s closed, removing it at once",
               found);
        remove_broker_addr_locked(rt, found);
        rj_free(found);
    }
    pthread_rwlock_unlock(&rt->lock);
    return true;
}

void
rj_route_table_query_data_version(rj_route_table_t *rt, const char *broker_addr,
                                  const rj_data_version_t *dv, int64_t now_ms, bool *changed,
                                  rj_data_version_t *stored, bool *has_stored)
{
    pthread_rwlock_wrlock(&rt->lock);
    live_info_t *li = broker_addr != NULL ? rj_hashmap_get_cstr(rt->live, broker_addr) : NULL;
    *changed = li == NULL || !rj_data_version_equal(&li->data_version, dv);
    *has_stored = li != NULL;
    if (li != NULL) {
        *stored = li->data_version;
        if (!*changed) {
            li->last_update_ms = now_ms;
        }
    }
    pthread_rwlock_unlock(&rt->lock);
}

bool
rj_route_table_is_live(rj_route_table_t *rt, const char *broker_addr)
{
    pthread_rwlock_rdlock(&rt->lock);
    bool live = rj_hashmap_get_cstr(rt->live, broker_addr) != NULL;
    pthread_rwlock_unlock(&rt->lock);
    return live;
}

/* ---------------------------------------------------------------- admin */

static int
change_write_perm(rj_route_table_t *rt, const char *broker_name, bool add)
{
    int touched = 0;
    if (broker_name == NULL) {
        return 0;
    }
    pthread_rwlock_wrlock(&rt->lock);
    rj_hashmap_iter_t it;
    const char *topic;
    size_t tlen;
    void *v;
    rj_hashmap_iter_init(rt->topics, &it);
    while (rj_hashmap_iter_next(&it, &topic, &tlen, &v)) {
        queue_data_t *qd = rj_hashmap_get_cstr(v, broker_name);
        if (qd == NULL) {
            continue;
        }
        /* As Java: adding write perm restores exactly READ|WRITE. */
        qd->perm = add ? (RJ_PERM_READ | RJ_PERM_WRITE) : (qd->perm & ~RJ_PERM_WRITE);
        touched++;
    }
    pthread_rwlock_unlock(&rt->lock);
    rj_log(RJ_LOG_INFO, 0, "route: %s write perm of broker=%s on %d topics",
           add ? "added" : "wiped", broker_name, touched);
    return touched;
}

int
rj_route_table_wipe_write_perm(rj_route_table_t *rt, const char *broker_name)
{
    return change_write_perm(rt, broker_name, false);
}

int
rj_route_table_add_write_perm(rj_route_table_t *rt, const char *broker_name)
{
    return change_write_perm(rt, broker_name, true);
}

void
rj_route_table_delete_topic(rj_route_table_t *rt, const char *topic, const char *cluster_name)
{
    if (topic == NULL) {
        return;
    }
    pthread_rwlock_wrlock(&rt->lock);
    if (cluster_name == NULL || cluster_name[0] == '\0') {
        free_queue_map(rj_hashmap_remove_cstr(rt->topics, topic));
        rj_log(RJ_LOG_INFO, 0, "route: deleted topic=%s", topic);
    } else {
        rj_hashmap_t *set = rj_hashmap_get_cstr(rt->clusters, cluster_name);
        rj_hashmap_t *qmap = rj_hashmap_get_cstr(rt->topics, topic);
        if (set != NULL && qmap != NULL) {
            rj_hashmap_iter_t it;
            const char *name;
            size_t nlen;
            void *v;
            rj_hashmap_iter_init(set, &it);
            while (rj_hashmap_iter_next(&it, &name, &nlen, &v)) {
                rj_free(rj_hashmap_remove_cstr(qmap, name));
            }
            if (rj_hashmap_count(qmap) == 0) {
                free_queue_map(rj_hashmap_remove_cstr(rt->topics, topic));
            }
            rj_log(RJ_LOG_INFO, 0, "route: deleted topic=%s on cluster=%s", topic, cluster_name);
        }
    }
    pthread_rwlock_unlock(&rt->lock);
}

/* ---------------------------------------------------------------- JSON bodies */

/* BrokerData {"brokerAddrs":{0:"a"},"brokerName":"b","cluster":"c"} */
static void
write_broker_data(rj_json_writer_t *w, const char *name, const broker_data_t *bd, bool quoted_keys)
{
    rj_jw_object_begin(w);
    rj_jw_key(w, "brokerAddrs");
    rj_jw_object_begin(w);
    for (size_t i = 0; i < bd->count; i++) {
        if (quoted_keys) {
            char key[24];
            snprintf(key, sizeof(key), "%lld", (long long)bd->addrs[i].id);
            rj_jw_key(w, key);
        } else {
            rj_jw_key_int_unquoted(w, bd->addrs[i].id);
        }
        rj_jw_string(w, bd->addrs[i].addr);
    }
    rj_jw_object_end(w);
    rj_jw_key(w, "brokerName");
    rj_jw_string(w, name);
    rj_jw_key(w, "cluster");
    rj_jw_string(w, bd->cluster);
    rj_jw_object_end(w);
}

static int
route_json_locked(rj_route_table_t *rt, const char *topic, unsigned flags,
                  const char *order_topic_conf, rj_buf_t *out)
{
    rj_hashmap_t *qmap = rj_hashmap_get_cstr(rt->topics, topic);
    if (qmap == NULL) {
        return RJ_ENOTFOUND;
    }
    const char **names = NULL;
    size_t n = 0;
    int rc = sorted_keys(qmap, &names, &n);
    if (rc != 0) {
        return rc;
    }
    bool any_broker = false;
    for (size_t i = 0; i < n && !any_broker; i++) {
        any_broker = rj_hashmap_get_cstr(rt->brokers, names[i]) != NULL;
    }
    if (!any_broker) {
        rj_free(names);
        return RJ_ENOTFOUND;
    }

    bool quoted = (flags & RJ_ROUTE_JSON_QUOTED_KEYS) != 0;
    size_t start = out->len;
    rj_json_writer_t w;
    rj_jw_init(&w, out, (flags & RJ_ROUTE_JSON_ASCII_ONLY) ? RJ_JW_ASCII_ONLY : 0);
    rj_jw_object_begin(&w);

    rj_jw_key(&w, "brokerDatas");
    rj_jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const broker_data_t *bd = rj_hashmap_get_cstr(rt->brokers, names[i]);
        if (bd != NULL) {
            write_broker_data(&w, names[i], bd, quoted);
        }
    }
    rj_jw_array_end(&w);

    rj_jw_key(&w, "filterServerTable");
    rj_jw_object_begin(&w);
    if (rj_hashmap_count(rt->filters) > 0) {
        for (size_t i = 0; i < n; i++) {
            const broker_data_t *bd = rj_hashmap_get_cstr(rt->brokers, names[i]);
            for (size_t j = 0; bd != NULL && j < bd->count; j++) {
                const filter_list_t *fl = rj_hashmap_get_cstr(rt->filters, bd->addrs[j].addr);
                if (fl == NULL) {
                    continue;
                }
                rj_jw_key(&w, bd->addrs[j].addr);
                rj_jw_array_begin(&w);
                for (size_t k = 0; k < fl->count; k++) {
                    rj_jw_string(&w, fl->addrs[k]);
                }
                rj_jw_array_end(&w);
            }
        }
    }
    rj_jw_object_end(&w);

    if (order_topic_conf != NULL) {
        rj_jw_key(&w, "orderTopicConf");
        rj_jw_string(&w, order_topic_conf);
    }

    rj_jw_key(&w, "queueDatas");
    rj_jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const queue_data_t *qd = rj_hashmap_get_cstr(qmap, names[i]);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "brokerName");
        rj_jw_string(&w, names[i]);
        rj_jw_key(&w, "perm");
        rj_jw_int(&w, qd->perm);
        rj_jw_key(&w, "readQueueNums");
        rj_jw_int(&w, qd->read_queue_nums);
        rj_jw_key(&w, "topicSysFlag");
        rj_jw_int(&w, qd->topic_sys_flag);
        rj_jw_key(&w, "writeQueueNums");
        rj_jw_int(&w, qd->write_queue_nums);
        rj_jw_object_end(&w);
    }
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    rc = rj_jw_finish(&w);
    if (rc != 0) {
        out->len = start;
    }
    rj_free(names);
    return rc;
}

int
rj_route_table_route_json(rj_route_table_t *rt, const char *topic, unsigned flags,
                          const char *order_topic_conf, rj_buf_t *out)
{
    if (topic == NULL) {
        return RJ_ENOTFOUND;
    }
    pthread_rwlock_rdlock(&rt->lock);
    int rc = route_json_locked(rt, topic, flags, order_topic_conf, out);
    pthread_rwlock_unlock(&rt->lock);
    return rc;
}

static int
cluster_info_json_locked(rj_route_table_t *rt, rj_buf_t *out)
{
    const char **names = NULL, **clusters = NULL;
    size_t n = 0, nc = 0;
    int rc = sorted_keys(rt->brokers, &names, &n);
    if (rc == 0) {
        rc = sorted_keys(rt->clusters, &clusters, &nc);
    }
    if (rc != 0) {
        rj_free(names);
        return rc;
    }
    size_t start = out->len;
    rj_json_writer_t w;
    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "brokerAddrTable");
    rj_jw_object_begin(&w);
    for (size_t i = 0; i < n; i++) {
        rj_jw_key(&w, names[i]);
        write_broker_data(&w, names[i], rj_hashmap_get_cstr(rt->brokers, names[i]), false);
    }
    rj_jw_object_end(&w);
    rj_jw_key(&w, "clusterAddrTable");
    rj_jw_object_begin(&w);
    for (size_t i = 0; i < nc && rc == 0; i++) {
        const char **members = NULL;
        size_t nm = 0;
        rc = sorted_keys(rj_hashmap_get_cstr(rt->clusters, clusters[i]), &members, &nm);
        rj_jw_key(&w, clusters[i]);
        rj_jw_array_begin(&w);
        for (size_t j = 0; j < nm; j++) {
            rj_jw_string(&w, members[j]);
        }
        rj_jw_array_end(&w);
        rj_free(members);
    }
    rj_jw_object_end(&w);
    rj_jw_object_end(&w);
    int wrc = rj_jw_finish(&w);
    rc = rc != 0 ? rc : wrc;
    if (rc != 0) {
        out->len = start;
    }
    rj_free(names);
    rj_free(clusters);
    return rc;
}

int
rj_route_table_cluster_info_json(rj_route_table_t *rt, rj_buf_t *out)
{
    pthread_rwlock_rdlock(&rt->lock);
    int rc = cluster_info_json_locked(rt, out);
    pthread_rwlock_unlock(&rt->lock);
    return rc;
}

/* Does the first QueueData of a topic (Java looks at one only) match the unit filter? */
static bool
unit_filter_matches(rj_topic_list_kind_t kind, rj_hashmap_t *qmap)
{
    rj_hashmap_iter_t it;
    const char *name;
    size_t nlen;
    void *v;
    rj_hashmap_iter_init(qmap, &it);
    if (!rj_hashmap_iter_next(&it, &name, &nlen, &v)) {
        return false;
    }
    int32_t f = ((const queue_data_t *)v)->topic_sys_flag;
    bool unit = (f & RJ_TOPIC_SYS_FLAG_UNIT) != 0, sub = (f & RJ_TOPIC_SYS_FLAG_UNIT_SUB) != 0;
    switch (kind) {
    case RJ_TOPIC_LIST_UNIT:
        return unit;
    case RJ_TOPIC_LIST_HAS_UNIT_SUB:
        return sub;
    case RJ_TOPIC_LIST_HAS_UNIT_SUB_NOT_UNIT:
        return !unit && sub;
    default:
        return true;
    }
}

static bool
topic_on_cluster(rj_hashmap_t *qmap, rj_hashmap_t *set)
{
    rj_hashmap_iter_t it;
    const char *name;
    size_t nlen;
    void *v;
    rj_hashmap_iter_init(set, &it);
    while (rj_hashmap_iter_next(&it, &name, &nlen, &v)) {
        if (rj_hashmap_get_cstr(qmap, name) != NULL) {
            return true;
        }
    }
    return false;
}

static int
topic_list_json_locked(rj_route_table_t *rt, rj_topic_list_kind_t kind, const char *cluster,
                       rj_buf_t *out)
{
    const char **items = NULL;
    size_t n = 0;
    int rc;
    const char *broker_addr = NULL;

    if (kind == RJ_TOPIC_LIST_SYSTEM) {
        /* Cluster names and broker names are topics too; plus one broker address to ask. */
        size_t cap = rj_hashmap_count(rt->clusters) + rj_hashmap_count(rt->brokers);
        items = rj_malloc((cap ? cap : 1) * sizeof(*items));
        if (items == NULL) {
            return RJ_ENOMEM;
        }
        rj_hashmap_iter_t it;
        const char *k;
        size_t klen;
        void *v;
        rj_hashmap_iter_init(rt->clusters, &it);
        while (rj_hashmap_iter_next(&it, &k, &klen, &v)) {
            items[n++] = k;
        }
        rj_hashmap_iter_init(rt->brokers, &it);
        while (rj_hashmap_iter_next(&it, &k, &klen, &v)) {
            items[n++] = k;
        }
        const char **names = NULL;
        size_t nn = 0;
        if (sorted_keys(rt->brokers, &names, &nn) == 0 && nn > 0) {
            const broker_data_t *bd = rj_hashmap_get_cstr(rt->brokers, names[0]);
            broker_addr = bd->count > 0 ? bd->addrs[0].addr : NULL;
        }
        rj_free(names);
        qsort(items, n, sizeof(*items), cmp_cstr_ptr);
    } else {
        rj_hashmap_t *set = NULL;
        if (kind == RJ_TOPIC_LIST_BY_CLUSTER) {
            set = cluster != NULL ? rj_hashmap_get_cstr(rt->clusters, cluster) : NULL;
            if (set == NULL) {
                goto write;
            }
        }
        rc = sorted_keys(rt->topics, &items, &n);
        if (rc != 0) {
            return rc;
        }
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            rj_hashmap_t *qmap = rj_hashmap_get_cstr(rt->topics, items[i]);
            bool keep = kind == RJ_TOPIC_LIST_BY_CLUSTER ? topic_on_cluster(qmap, set)
                                                         : unit_filter_matches(kind, qmap);
            if (keep) {
                items[kept++] = items[i];
            }
        }
        n = kept;
    }

write:;
    size_t start = out->len;
    rj_json_writer_t w;
    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    if (broker_addr != NULL) {
        rj_jw_key(&w, "brokerAddr");
        rj_jw_string(&w, broker_addr);
    }
    rj_jw_key(&w, "topicList");
    rj_jw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        /* A cluster named like a broker appears once. */
        if (i > 0 && strcmp(items[i], items[i - 1]) == 0) {
            continue;
        }
        rj_jw_string(&w, items[i]);
    }
    rj_jw_array_end(&w);
    rj_jw_object_end(&w);
    rc = rj_jw_finish(&w);
    if (rc != 0) {
        out->len = start;
    }
    rj_free(items);
    return rc;
}

int
rj_route_table_topic_list_json(rj_route_table_t *rt, rj_topic_list_kind_t kind, const char *cluster,
                               rj_buf_t *out)
{
    pthread_rwlock_rdlock(&rt->lock);
    int rc = topic_list_json_locked(rt, kind, cluster, out);
    pthread_rwlock_unlock(&rt->lock);
    return rc;
}

void
rj_route_table_stats(rj_route_table_t *rt, rj_route_table_stats_t *stats)
{
    pthread_rwlock_rdlock(&rt->lock);
    stats->topics = rj_hashmap_count(rt->topics);
    stats->broker_names = rj_hashmap_count(rt->brokers);
    stats->clusters = rj_hashmap_count(rt->clusters);
    stats->live_brokers = rj_hashmap_count(rt->live);
    pthread_rwlock_unlock(&rt->lock);
}
