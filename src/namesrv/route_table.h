/*
 * The name server's routing state (RocketMQ's RouteInfoManager, features.md §9):
 *
 *   topicQueueTable   topic      -> brokerName -> QueueData (queue counts, perm, sysFlag)
 *   brokerAddrTable   brokerName -> BrokerData (cluster, brokerId -> address)
 *   clusterAddrTable  cluster    -> set of brokerNames
 *   brokerLiveTable   brokerAddr -> last registration time, DataVersion, connection, HA address
 *   filterServerTable brokerAddr -> filter-server addresses
 *
 * All of it is soft state rebuilt from broker registrations. One read-write
 * lock guards the whole table: queries (routes, cluster info, topic lists)
 * share it, registrations and removals take it exclusively. Every function is
 * safe to call from any thread; none blocks on anything but that lock, so
 * they may run on an I/O thread.
 *
 * Connections are identified by an opaque non-zero `conn_id` chosen by the
 * caller (the remoting layer's connection id); the table only compares them.
 * Time is passed in by the caller (ms of a clock that only moves forward; the
 * name server uses the monotonic clock) so tests need no sleeping.
 *
 * JSON bodies are produced in the dialects Java peers expect (requests.md §A3,
 * §A4, §F): see rj_route_table_route_json() and rj_route_table_cluster_info_json().
 */
#ifndef RJ_NAMESRV_ROUTE_TABLE_H
#define RJ_NAMESRV_ROUTE_TABLE_H

#include "common/buf.h"
#include "namesrv/register_body.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PermName bits. */
#define RJ_PERM_INHERIT 0x1
#define RJ_PERM_WRITE 0x2
#define RJ_PERM_READ 0x4

/* TopicSysFlag bits. */
#define RJ_TOPIC_SYS_FLAG_UNIT 0x1
#define RJ_TOPIC_SYS_FLAG_UNIT_SUB 0x2

/* MixAll.MASTER_ID */
#define RJ_MASTER_ID 0

typedef struct rj_route_table rj_route_table_t;

/* The header of a REGISTER_BROKER request plus what the server knows about it. */
typedef struct {
    const char *cluster_name;
    const char *broker_addr;
    const char *broker_name;
    const char *ha_server_addr; /* may be NULL */
    int64_t broker_id;
    uint64_t conn_id;             /* connection the registration came on; 0 = none */
    int64_t heartbeat_timeout_ms; /* 5.x per-broker expiry; <= 0: the table's default */
    int64_t now_ms;               /* monotonic clock */
} rj_broker_registration_t;

/* What a slave learns from its registration: its master's HA and remoting address. */
typedef struct {
    char *ha_server_addr; /* heap copies, NULL when unknown */
    char *master_addr;
} rj_register_result_t;

void rj_register_result_cleanup(rj_register_result_t *result);

/* A broker removed by rj_route_table_scan_expired(); the caller closes its connection. */
typedef struct {
    char *broker_addr;
    uint64_t conn_id;
} rj_expired_broker_t;

void rj_expired_brokers_free(rj_expired_broker_t *list, size_t count);

/* Dialect of route JSON (GET_ROUTEINFO_BY_TOPIC). */
enum {
    /* Quote the integer keys of brokerAddrs (`{"0":...}`) — fastjson QuoteFieldNames. */
    RJ_ROUTE_JSON_QUOTED_KEYS = 1u << 0,
    /* Escape non-ASCII as \uXXXX — fastjson BrowserCompatible. */
    RJ_ROUTE_JSON_ASCII_ONLY = 1u << 1,
    /* Both: what Java sends to request version >= V4_9_4 or acceptStandardJsonOnly=true. */
    RJ_ROUTE_JSON_STANDARD = RJ_ROUTE_JSON_QUOTED_KEYS | RJ_ROUTE_JSON_ASCII_ONLY,
};

/*
 * `default_expiry_ms`: a broker whose last registration is older than this
 * (and that did not announce its own heartbeat timeout) is removed by
 * rj_route_table_scan_expired(). NULL when out of memory.
 */
rj_route_table_t *rj_route_table_create(int64_t default_expiry_ms);
void rj_route_table_destroy(rj_route_table_t *rt);

/* Changes the default expiry (live configuration update). */
void rj_route_table_set_default_expiry(rj_route_table_t *rt, int64_t expiry_ms);

/*
 * REGISTER_BROKER (RouteInfoManager.registerBroker): adds the broker to its
 * cluster and BrokerData (an address registered under another id is moved:
 * slave -> master switch), refreshes its QueueData when it is a master whose
 * DataVersion changed or that registers for the first time, and records it
 * live. `body` may be NULL (no topic data). `result` (may be NULL) receives the
 * master's addresses for a slave whose master is registered and live.
 * Returns 0 or RJ_ENOMEM / RJ_EINVAL (missing name, address or cluster).
 */
int rj_route_table_register(rj_route_table_t *rt, const rj_broker_registration_t *reg,
                            const rj_register_body_t *body, rj_register_result_t *result);

/*
 * UNREGISTER_BROKER: removes the live entry and the id; a BrokerData left
 * empty takes its brokerName out of the cluster and of every topic (topics
 * left without QueueData disappear). Unknown brokers are ignored.
 */
void rj_route_table_unregister(rj_route_table_t *rt, const char *cluster_name,
                               const char *broker_addr, const char *broker_name, int64_t broker_id);

/*
 * Liveness scan: removes every broker whose last registration is older than
 * its expiry at `now_ms`, with the same cleanup as a closed connection. The
 * removed brokers are returned in a heap array (*out, *count; free with
 * rj_expired_brokers_free) so that the caller can close their connections.
 * Returns 0 or RJ_ENOMEM (the removals are done either way).
 */
int rj_route_table_scan_expired(rj_route_table_t *rt, int64_t now_ms, rj_expired_broker_t **out,
                                size_t *count);

/*
 * A connection closed: the broker registered on it (if any) is removed at once
 * (RouteInfoManager.onChannelDestroy). Returns true if a broker was removed.
 */
bool rj_route_table_on_conn_closed(rj_route_table_t *rt, uint64_t conn_id);

/*
 * QUERY_DATA_VERSION: *changed is true when the broker is unknown or its stored
 * DataVersion differs from `dv`; when unchanged its live timestamp is refreshed
 * to `now_ms`. The stored version goes to *stored (*has_stored false if none).
 */
void rj_route_table_query_data_version(rj_route_table_t *rt, const char *broker_addr,
                                       const rj_data_version_t *dv, int64_t now_ms, bool *changed,
                                       rj_data_version_t *stored, bool *has_stored);

/* WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER: returns the number of topics touched. */
int rj_route_table_wipe_write_perm(rj_route_table_t *rt, const char *broker_name);
int rj_route_table_add_write_perm(rj_route_table_t *rt, const char *broker_name);

/*
 * DELETE_TOPIC_IN_NAMESRV: removes the topic, or with a non-empty
 * `cluster_name` only its QueueData on that cluster's brokers.
 */
void rj_route_table_delete_topic(rj_route_table_t *rt, const char *topic, const char *cluster_name);

/*
 * TopicRouteData of `topic` appended to `out` as JSON in the dialect chosen
 * by `flags` (RJ_ROUTE_JSON_*). Keys in Java's order: brokerDatas,
 * filterServerTable, orderTopicConf (when `order_topic_conf` is not NULL),
 * queueDatas; brokers sorted by name. Returns 0, RJ_ENOTFOUND when the topic
 * has no QueueData or none of its brokers has a BrokerData (TOPIC_NOT_EXIST),
 * or RJ_ENOMEM.
 */
int rj_route_table_route_json(rj_route_table_t *rt, const char *topic, unsigned flags,
                              const char *order_topic_conf, rj_buf_t *out);

/*
 * ClusterInfo `{"brokerAddrTable":{...},"clusterAddrTable":{...}}` — always the
 * fastjson default dialect with unquoted brokerId keys, as Java sends it.
 */
int rj_route_table_cluster_info_json(rj_route_table_t *rt, rj_buf_t *out);

/* Which topics a TopicList body lists. */
typedef enum {
    RJ_TOPIC_LIST_ALL,                   /* GET_ALL_TOPIC_LIST_FROM_NAMESERVER */
    RJ_TOPIC_LIST_BY_CLUSTER,            /* GET_TOPICS_BY_CLUSTER (needs `cluster`) */
    RJ_TOPIC_LIST_SYSTEM,                /* GET_SYSTEM_TOPIC_LIST_FROM_NS */
    RJ_TOPIC_LIST_UNIT,                  /* GET_UNIT_TOPIC_LIST */
    RJ_TOPIC_LIST_HAS_UNIT_SUB,          /* GET_HAS_UNIT_SUB_TOPIC_LIST */
    RJ_TOPIC_LIST_HAS_UNIT_SUB_NOT_UNIT, /* GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST */
} rj_topic_list_kind_t;

/*
 * TopicList `{"brokerAddr":"...","topicList":[...]}` (brokerAddr only for the
 * system list) appended to `out`, topics sorted. Returns 0 or RJ_ENOMEM.
 */
int rj_route_table_topic_list_json(rj_route_table_t *rt, rj_topic_list_kind_t kind,
                                   const char *cluster, rj_buf_t *out);

/* Counts for logs and tests. */
typedef struct {
    size_t topics;
    size_t broker_names;
    size_t clusters;
    size_t live_brokers;
} rj_route_table_stats_t;

void rj_route_table_stats(rj_route_table_t *rt, rj_route_table_stats_t *stats);

/* True when `broker_addr` has a live entry. */
bool rj_route_table_is_live(rj_route_table_t *rt, const char *broker_addr);

#endif
