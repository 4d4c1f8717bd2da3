/*
 * Reading the name server's views for mqadmin: ClusterInfo
 * (GET_BROKER_CLUSTER_INFO), TopicRouteData (GET_ROUTEINFO_BY_TOPIC) and the
 * MessageQueue-keyed tables of broker answers (ConsumeStats, TopicStatsTable,
 * ResetOffsetBody). Everything is kept as jansson trees and read with type
 * checks, so odd answers are skipped or reported, never trusted.
 */
#ifndef RJ_TOOLS_MQADMIN_ADMIN_ROUTE_H
#define RJ_TOOLS_MQADMIN_ADMIN_ROUTE_H

#include "tools/mqadmin/admin_ctx.h"

#include <jansson.h>
#include <stdint.h>

#define RJ_ADMIN_RETRY_PREFIX "%RETRY%"
#define RJ_ADMIN_DLQ_PREFIX "%DLQ%"

/* Most queues a topic may have on one broker (what brokers accept from updateTopic). */
#define RJ_ADMIN_MAX_QUEUES 65535

/* GET_BROKER_CLUSTER_INFO from a name server. *out is a new reference. */
int rj_admin_cluster_info(rj_admin_ctx_t *ctx, json_t **out);

/* GET_ROUTEINFO_BY_TOPIC. TOPIC_NOT_EXIST and friends fail with the reason recorded. */
int rj_admin_topic_route(rj_admin_ctx_t *ctx, const char *topic, json_t **out);

/* One address of a BrokerData. */
typedef struct {
    int64_t id; /* 0: master */
    const char *addr;
} rj_admin_broker_addr_t;

/* The addresses of a BrokerData object, sorted by id; returns how many (at most `cap`). */
size_t rj_admin_broker_addrs(const json_t *broker_data, rj_admin_broker_addr_t *out, size_t cap);

/* Master address of a BrokerData, or NULL. */
const char *rj_admin_broker_master(const json_t *broker_data);

/* BrokerData.selectBrokerAddr(): the master, else the lowest id; NULL when none. */
const char *rj_admin_broker_select(const json_t *broker_data);

/*
 * A queue count member of a QueueData ("readQueueNums", "writeQueueNums"):
 * 0..RJ_ADMIN_MAX_QUEUES, or -1 when absent or out of range.
 */
int32_t rj_admin_queue_nums(const json_t *queue_data, const char *key);

/* String member `key` of `obj`, or NULL when absent or not a string. */
const char *rj_admin_json_str(const json_t *obj, const char *key);

/*
 * Addresses of a cluster's brokers: masters only, or every address. Fails
 * with RocketMQ's "Make sure the specified clusterName exists ..." when the
 * cluster is unknown or has no such broker.
 */
int rj_admin_cluster_addrs(rj_admin_ctx_t *ctx, const json_t *cluster_info, const char *cluster,
                           bool masters_only, rj_admin_strv_t *out);

/* Sorted broker names of a cluster (empty when unknown). */
int rj_admin_cluster_broker_names(const json_t *cluster_info, const char *cluster,
                                  rj_admin_strv_t *out);

/* Name of the broker that owns `addr` in the cluster info, or NULL. */
const char *rj_admin_broker_name_of_addr(const json_t *cluster_info, const char *addr);

/* ---- name-server KV config ------------------------------------------------------------- */

/* PUT_KV_CONFIG on every name server (as RocketMQ's putKVConfigValue). */
int rj_admin_kv_put(rj_admin_ctx_t *ctx, const char *ns, const char *key, const char *value);

/* GET_KV_CONFIG from the first reachable name server into buf. */
int rj_admin_kv_get(rj_admin_ctx_t *ctx, const char *ns, const char *key, char *buf, size_t size);

/* DELETE_KV_CONFIG on every name server. */
int rj_admin_kv_delete(rj_admin_ctx_t *ctx, const char *ns, const char *key);

/* ---- MessageQueue-keyed tables --------------------------------------------------------- */

typedef struct {
    char *topic;
    char *broker_name;
    int32_t queue_id;
    json_t *value; /* own reference */
} rj_admin_mq_entry_t;

typedef struct {
    rj_admin_mq_entry_t *items;
    size_t count;
    size_t cap;
} rj_admin_mq_table_t;

/*
 * Adds every entry of a fastjson object-keyed map (`{{"brokerName":..,
 * "queueId":..,"topic":..}:value}`) or of the C++ list form
 * (`[{"brokerName":..,"queueId":..,"topic":..,"offset":n}]`, value = the
 * element). Keys that are not MessageQueues are skipped; an entry for a queue
 * already present replaces it (Java's putAll). Returns 0 or RJ_ENOMEM.
 */
int rj_admin_mq_table_add_all(rj_admin_mq_table_t *t, const json_t *map);

/* Sets the entry of one queue (a new reference to `value` is kept). Returns 0 or RJ_ENOMEM. */
int rj_admin_mq_table_put(rj_admin_mq_table_t *t, const char *topic, const char *broker_name,
                          int32_t queue_id, json_t *value);

/* MessageQueue.compareTo order: topic, broker name, queue id. */
void rj_admin_mq_table_sort(rj_admin_mq_table_t *t);

const rj_admin_mq_entry_t *rj_admin_mq_table_find(const rj_admin_mq_table_t *t, const char *topic,
                                                  const char *broker_name, int32_t queue_id);

void rj_admin_mq_table_cleanup(rj_admin_mq_table_t *t);

/* Integer member of a JSON object (numbers or decimal strings), `def` otherwise. */
int64_t rj_admin_json_int(const json_t *obj, const char *key, int64_t def);

#endif
