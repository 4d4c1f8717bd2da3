/*
 * Topic routes as the name server returns them (GET_ROUTEINFO_BY_TOPIC body,
 * requests.md §A3), and what a client derives from one: the queues it may
 * write (publish info) and read (subscribe queues), and broker addresses.
 *
 * A parsed route and a publish info are immutable once built; publish infos
 * are reference counted because senders keep using a snapshot while the route
 * poller replaces it.
 */
#ifndef RJ_CLIENT_TOPIC_ROUTE_H
#define RJ_CLIENT_TOPIC_ROUTE_H

#include "ramjet/message.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Topic permission bits (PermName). */
#define RJ_PERM_INHERIT 0x1
#define RJ_PERM_WRITE 0x2
#define RJ_PERM_READ 0x4

#define RJ_MASTER_ID 0

typedef struct {
    int64_t id; /* 0 master, > 0 slave */
    char *addr; /* "host:port" */
} rj_broker_addr_t;

typedef struct {
    char *name;
    char *cluster;
    rj_broker_addr_t *addrs; /* sorted by id */
    size_t addr_count;
} rj_broker_data_t;

typedef struct {
    char *broker_name;
    int32_t read_queue_nums;
    int32_t write_queue_nums;
    int32_t perm;
    int32_t topic_sys_flag;
} rj_queue_data_t;

typedef struct {
    char *order_topic_conf;  /* "brokerA:4;brokerB:4" or NULL */
    rj_queue_data_t *queues; /* sorted by broker name */
    size_t queue_count;
    rj_broker_data_t *brokers; /* sorted by broker name */
    size_t broker_count;
} rj_topic_route_t;

/*
 * Parses a TopicRouteData body (standard JSON or fastjson dialect). Returns
 * RJ_OK, RJ_EMALFORMED (not a route), or RJ_ENOMEM.
 */
int rj_topic_route_parse(const void *json, size_t len, rj_topic_route_t **out);

/* Deep copy; NULL on ENOMEM. */
rj_topic_route_t *rj_topic_route_clone(const rj_topic_route_t *r);

void rj_topic_route_destroy(rj_topic_route_t *r);

/* Same brokers, addresses and queue data (both sorted), so nothing to update. */
bool rj_topic_route_equal(const rj_topic_route_t *a, const rj_topic_route_t *b);

/* Broker data of `broker_name`, or NULL. */
const rj_broker_data_t *rj_topic_route_broker(const rj_topic_route_t *r, const char *broker_name);

/* Address of broker id `id` of a broker, or NULL. */
const char *rj_broker_data_addr(const rj_broker_data_t *b, int64_t id);

/*
 * TBW102 fallback (Java updateTopicRouteInfoFromNameServer isDefault=true): every
 * queue data's read and write counts become min(default_queue_nums, read count).
 */
void rj_topic_route_apply_default_queue_nums(rj_topic_route_t *r, int32_t default_queue_nums);

/* ------------------------------------------------------------ publish info */

typedef struct {
    char *name;
    char *master_addr;        /* NULL when the broker has no live master */
    int32_t write_queue_nums; /* from its writable queue data, -1 if not writable */
} rj_publish_broker_t;

typedef struct rj_publish_info {
    atomic_int refs;
    char *topic;
    bool order_topic;
    rj_message_queue_t *queues; /* strings point into this object */
    uint32_t *queue_broker;     /* per queue: index into brokers */
    size_t queue_count;
    rj_publish_broker_t *brokers;
    size_t broker_count;
    uint64_t id; /* unique per publish info: keys each sender thread's round-robin position */
} rj_publish_info_t;

/*
 * Builds the publish info of `topic` from its route (Java
 * topicRouteData2TopicPublishInfo): with an order topic config, its
 * "broker:count" entries; else for every writable queue data whose broker has
 * a master, write_queue_nums queues. Returns NULL on ENOMEM. refs = 1.
 */
rj_publish_info_t *rj_publish_info_create(const char *topic, const rj_topic_route_t *route);

void rj_publish_info_retain(rj_publish_info_t *pi);
void rj_publish_info_release(rj_publish_info_t *pi);

/* True when there is at least one queue. */
bool rj_publish_info_ok(const rj_publish_info_t *pi);

/* Broker entry by name, or NULL. */
const rj_publish_broker_t *rj_publish_info_broker(const rj_publish_info_t *pi, const char *name);

/* ---------------------------------------------------------- subscribe info */

/*
 * The readable queues of `topic` (READ perm, read_queue_nums per broker),
 * sorted by (topic, broker, queue id), in one allocation whose strings are
 * inside it: free with rj_free(). *count may be 0 (then *out is NULL).
 */
int rj_topic_route_subscribe_queues(const char *topic, const rj_topic_route_t *route,
                                    rj_message_queue_t **out, size_t *count);

/*
 * Copies an array of queues into one allocation (strings included). NULL for
 * count 0 or ENOMEM (check count).
 */
rj_message_queue_t *rj_message_queues_copy(const rj_message_queue_t *mqs, size_t count);

#endif
