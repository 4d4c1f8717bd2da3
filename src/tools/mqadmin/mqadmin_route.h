/*
 * Reading the name server's views for mqadmin: ClusterInfo
 * (GET_BROKER_CLUSTER_INFO), TopicRouteData (GET_ROUTEINFO_BY_TOPIC) and the
 * KV store. Everything is kept as jansson trees and read with type checks, so
 * odd answers are skipped or reported, never trusted.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_ROUTE_H
#define RJ_TOOLS_MQADMIN_MQADMIN_ROUTE_H

#include "tools/mqadmin/mqadmin_ctx.h"
#include "tools/mqadmin/mqadmin_json.h"
#include "tools/mqadmin/mqadmin_mq_table.h"

#include <jansson.h>
#include <stdint.h>

#define RJ_MQADMIN_RETRY_PREFIX "%RETRY%"
#define RJ_MQADMIN_DLQ_PREFIX "%DLQ%"

/* Most queues a topic may have on one broker (what brokers accept from updateTopic). */
#define RJ_MQADMIN_MAX_QUEUES 65535

/* GET_BROKER_CLUSTER_INFO from a name server. *out is a new reference. */
int rj_mqadmin_route_cluster_info(rj_mqadmin_ctx_t *ctx, json_t **out);

/* GET_ROUTEINFO_BY_TOPIC. TOPIC_NOT_EXIST and friends fail with the reason recorded. */
int rj_mqadmin_route_topic(rj_mqadmin_ctx_t *ctx, const char *topic, json_t **out);

/* One address of a BrokerData. */
typedef struct {
    int64_t id; /* 0: master */
    const char *addr;
} rj_mqadmin_broker_addr_t;

/* The addresses of a BrokerData object, sorted by id; returns how many (at most `cap`). */
size_t rj_mqadmin_route_broker_addrs(const json_t *broker_data, rj_mqadmin_broker_addr_t *out,
                                     size_t cap);

/* Master address of a BrokerData, or NULL. */
const char *rj_mqadmin_route_broker_master(const json_t *broker_data);

/* BrokerData.selectBrokerAddr(): the master, else the lowest id; NULL when none. */
const char *rj_mqadmin_route_broker_select(const json_t *broker_data);

/*
 * A queue count member of a QueueData ("readQueueNums", "writeQueueNums"):
 * 0..RJ_MQADMIN_MAX_QUEUES, or -1 when absent or out of range.
 */
int32_t rj_mqadmin_route_queue_nums(const json_t *queue_data, const char *key);

/*
 * Addresses of a cluster's brokers: masters only, or every address. Fails
 * with RocketMQ's "Make sure the specified clusterName exists ..." when the
 * cluster is unknown or has no such broker.
 */
int rj_mqadmin_route_cluster_addrs(rj_mqadmin_ctx_t *ctx, const json_t *cluster_info,
                                   const char *cluster, bool masters_only, rj_mqadmin_strv_t *out);

/* Sorted broker names of a cluster (empty when unknown). */
int rj_mqadmin_route_cluster_broker_names(const json_t *cluster_info, const char *cluster,
                                          rj_mqadmin_strv_t *out);

/* Name of the broker that owns `addr` in the cluster info, or NULL. */
const char *rj_mqadmin_route_broker_name_of_addr(const json_t *cluster_info, const char *addr);

/* Master (else any) address of `broker_name` in a topic route; fails when it is not there. */
int rj_mqadmin_route_broker_addr_of(rj_mqadmin_ctx_t *ctx, const json_t *route, const char *topic,
                                    const char *broker_name, const char **addr);

/* ---- name-server KV config ------------------------------------------------------------- */

/* PUT_KV_CONFIG on every name server (as RocketMQ's putKVConfigValue). */
int rj_mqadmin_route_kv_put(rj_mqadmin_ctx_t *ctx, const char *ns, const char *key,
                            const char *value);

/* GET_KV_CONFIG from the first reachable name server into buf. */
int rj_mqadmin_route_kv_get(rj_mqadmin_ctx_t *ctx, const char *ns, const char *key, char *buf,
                            size_t size);

/* DELETE_KV_CONFIG on every name server. */
int rj_mqadmin_route_kv_delete(rj_mqadmin_ctx_t *ctx, const char *ns, const char *key);

#endif
