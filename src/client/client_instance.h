/*
 * Client instance (Java MQClientInstance): what producers and consumers of
 * one client id share: the RPC client and its connections, the name-server
 * list, the topic routes and broker addresses, heartbeats to every broker,
 * the periodic tasks and the handlers of broker-initiated requests.
 *
 * Instances are looked up by client id ("ip@instanceName") in a process-wide
 * registry and reference counted; members (producers, consumers) register
 * with an ops table the instance calls back.
 *
 * Threads: one RPC I/O thread (loop), one scheduler thread (timers), one
 * service thread (route polls, heartbeats, rebalances, offset persistence —
 * work that makes sync RPCs). Member callbacks say where they run.
 */
#ifndef RJ_CLIENT_CLIENT_INSTANCE_H
#define RJ_CLIENT_CLIENT_INSTANCE_H

#include "client/executor.h"
#include "client/scheduler.h"
#include "client/topic_route.h"
#include "common/json_writer.h"
#include "remoting/connection.h"
#include "remoting/rpc_client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_client_instance rj_client_instance_t;
typedef struct rj_client_member rj_client_member_t;

/* Settings an instance is created with (the first member's). */
typedef struct {
    const char *namesrv_addrs;          /* "h:p;h:p" (required) */
    const char *instance_name;          /* NULL or "DEFAULT": "<pid>#<nanotime>" */
    int64_t poll_namesrv_interval_ms;   /* 30000 */
    int64_t heartbeat_interval_ms;      /* 30000 */
    int64_t persist_offset_interval_ms; /* 5000 */
    int64_t rebalance_interval_ms;      /* 20000 */
} rj_client_config_t;

void rj_client_config_init(rj_client_config_t *cfg);

typedef enum {
    RJ_MEMBER_PRODUCER = 0,
    RJ_MEMBER_CONSUMER = 1,
} rj_member_kind_t;

/* Called with each topic name a member uses. */
typedef void (*rj_topic_visit_cb)(const char *topic, void *arg);

/*
 * What the instance calls on a member. NULL entries are skipped. Unless
 * stated otherwise they run on the service thread.
 */
typedef struct {
    /* Topics whose routes to keep fresh. */
    void (*visit_topics)(rj_client_member_t *m, rj_topic_visit_cb cb, void *arg);
    /* A topic's route changed (or appeared). */
    void (*route_changed)(rj_client_member_t *m, const char *topic, const rj_topic_route_t *r);
    /* Consumers: writes the ConsumerData JSON object for heartbeats. */
    void (*write_consumer_data)(rj_client_member_t *m, rj_json_writer_t *w);
    /* Consumers: rebalance now. */
    void (*rebalance)(rj_client_member_t *m);
    /* Consumers: send offsets to the broker / file. */
    void (*persist_offsets)(rj_client_member_t *m);
    /*
     * Broker-initiated requests for this member's group (CHECK_TRANSACTION_STATE,
     * RESET_CONSUMER_CLIENT_OFFSET, GET_CONSUMER_RUNNING_INFO,
     * CONSUME_MESSAGE_DIRECTLY, GET_CONSUMER_STATUS_FROM_CLIENT): same contract
     * as a remoting request handler. Runs on a remoting worker thread.
     */
    int (*handle_request)(rj_client_member_t *m, rj_request_t *req, const rj_command_t *cmd);
} rj_member_ops_t;

struct rj_client_member {
    const rj_member_ops_t *ops;
    rj_member_kind_t kind;
    const char *group; /* owned by the member's object */
    void *owner;
    /* Instance bookkeeping. */
    rj_client_member_t *next;
};

/*
 * Finds or creates (and starts) the instance for `cfg`'s client id and takes
 * a reference. Returns RJ_OK, RJ_EINVAL (no name server), RJ_ENOMEM or a
 * thread start error.
 */
int rj_client_instance_acquire(const rj_client_config_t *cfg, rj_client_instance_t **out);

/* Drops a reference; the last one stops and frees the instance. */
void rj_client_instance_release(rj_client_instance_t *inst);

/*
 * Adds a member. RJ_ESTATE if a member of the same kind and group is already
 * registered (Java: "The producer group has been created before").
 */
int rj_client_instance_register(rj_client_instance_t *inst, rj_client_member_t *m);

/*
 * Removes a member and tells the brokers (UNREGISTER_CLIENT for its group).
 * Waits for a running service task of that member to finish.
 */
void rj_client_instance_unregister(rj_client_instance_t *inst, rj_client_member_t *m);

/* The two halves of rj_client_instance_unregister(): leave the member list (waiting
 * for callbacks into it to finish), then tell the brokers. */
void rj_client_instance_detach(rj_client_instance_t *inst, rj_client_member_t *m);
void rj_client_instance_unregister_brokers(rj_client_instance_t *inst, rj_member_kind_t kind,
                                           const char *group);

const char *rj_client_instance_client_id(const rj_client_instance_t *inst);
rj_rpc_client_t *rj_client_instance_rpc(rj_client_instance_t *inst);

/*
 * Header type of the client's requests, as Java's RemotingCommand chooses it:
 * the environment variable ROCKETMQ_SERIALIZE_TYPE ("JSON", the default, or
 * "ROCKETMQ" for the binary header; anything else is logged and ignored).
 * Read once per process. Brokers answer in the request's type.
 */
int rj_client_request_serialize_type(void);
rj_scheduler_t *rj_client_instance_scheduler(rj_client_instance_t *inst);
rj_executor_t *rj_client_instance_service(rj_client_instance_t *inst);
const rj_client_config_t *rj_client_instance_config(const rj_client_instance_t *inst);

/*
 * Fetches `topic`'s route from a name server now and, if it changed, stores
 * it and tells every member. With `use_default`, a TOPIC_NOT_EXIST route is
 * replaced by the TBW102 route capped at `default_queue_nums` queues (Java's
 * isDefault path for producers). Returns RJ_OK (route present), RJ_ENOROUTE,
 * or a transport error. Blocks (sync RPC): not on the I/O thread.
 */
int rj_client_instance_update_route(rj_client_instance_t *inst, const char *topic, bool use_default,
                                    int32_t default_queue_nums);

/* A copy of the stored route of `topic` (destroy it), or NULL. */
rj_topic_route_t *rj_client_instance_route(rj_client_instance_t *inst, const char *topic);

/*
 * Broker address: the master of `broker_name` (find_master), else the address
 * of broker id `broker_id` if present, else any address. Copied into `buf`.
 * Returns RJ_OK or RJ_ENOTFOUND.
 */
int rj_client_instance_broker_addr(rj_client_instance_t *inst, const char *broker_name,
                                   int64_t broker_id, bool only_this_id, char *buf, size_t size);

/* Master address of `broker_name`, into `buf`. RJ_ENOTFOUND if no master is known. */
int rj_client_instance_master_addr(rj_client_instance_t *inst, const char *broker_name, char *buf,
                                   size_t size);

/* Any one broker address serving `topic` (for GET_CONSUMER_LIST_BY_GROUP). */
int rj_client_instance_any_broker_of_topic(rj_client_instance_t *inst, const char *topic, char *buf,
                                           size_t size);

/* Sends heartbeats to all brokers now (on the calling thread; blocks). */
void rj_client_instance_heartbeat_now(rj_client_instance_t *inst);

/* Asks for a rebalance of every consumer on the service thread soon. */
void rj_client_instance_rebalance_soon(rj_client_instance_t *inst);

/* Broker version recorded from its last heartbeat answer (0 if unknown). */
int32_t rj_client_instance_broker_version(rj_client_instance_t *inst, const char *addr);

#endif
