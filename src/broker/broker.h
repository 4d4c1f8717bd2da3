/*
 * The broker controller (RocketMQ's BrokerController): owns the store, the
 * remoting server, the config managers, the client tables and the background
 * services, and holds the identity every processor needs (name, address,
 * store host). Processors receive the rj_broker_t as their handler argument
 * and use its members directly; the members are set up by rj_broker_create()
 * and rj_broker_start() and stay valid until rj_broker_destroy().
 */
#ifndef RJ_BROKER_BROKER_H
#define RJ_BROKER_BROKER_H

#include "broker/broker_config.h"
#include "broker/broker_scheduler.h"
#include "broker/broker_stats.h"
#include "broker/consumer_filter_manager.h"
#include "broker/consumer_manager.h"
#include "broker/group_manager.h"
#include "broker/group_stats.h"
#include "broker/offset_manager.h"
#include "broker/producer_manager.h"
#include "broker/topic_manager.h"
#include "common/message_record.h"
#include "remoting/rpc_client.h"
#include "remoting/server.h"
#include "store/store.h"
#include "store/store_config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Scheduler flags (rj_broker_scheduler_signal on b->housekeeping). */
enum {
    RJ_BROKER_SIGNAL_PERSIST_TOPICS = 0, /* topics.json changed */
    RJ_BROKER_SIGNAL_PERSIST_GROUPS = 1, /* subscriptionGroup.json changed */
};

typedef struct rj_long_poll rj_long_poll_t;
typedef struct rj_registrar rj_registrar_t;
typedef struct rj_send_throttle rj_send_throttle_t;
typedef struct rj_schedule_service rj_schedule_service_t;
typedef struct rj_rebalance_lock rj_rebalance_lock_t;

typedef struct rj_broker {
    rj_broker_config_t config;
    rj_store_config_t store_config;

    rj_store_t *store;
    rj_server_t *server;
    rj_server_t *vip_server; /* listenPort - 2 (RocketMQ's fast remoting port); NULL if unbound */
    int vip_port;
    rj_rpc_client_t *rpc; /* name servers and client-bound requests */
    rj_topic_manager_t *topics;
    rj_group_manager_t *groups;
    rj_offset_manager_t *offsets;
    rj_consumer_manager_t *consumers;
    rj_consumer_filter_manager_t *filters; /* SQL92 filter data (consumerFilter.json) */
    rj_producer_manager_t *producers;
    rj_long_poll_t *long_poll;
    rj_send_throttle_t *throttle;    /* holds sends while the store is busy (send processor) */
    rj_schedule_service_t *schedule; /* delayed-message delivery (masters; schedule processor) */
    rj_rebalance_lock_t *locks;      /* orderly consumers' queue locks (lock processor) */
    rj_registrar_t *registrar;
    atomic_bool registrar_ready;         /* registrar set up: auto-created topics are registered */
    rj_broker_scheduler_t *housekeeping; /* persistence, client expiry */
    rj_broker_scheduler_t *registration; /* name-server registration */
    rj_broker_scheduler_t *tx_check;     /* transaction check service (masters) */
    rj_broker_stats_t stats;
    rj_group_stats_t *group_stats; /* pulled messages per group and topic (consumeTps) */

    char broker_addr[80];     /* brokerIP1:listenPort, what clients connect to */
    char ha_addr[80];         /* brokerIP2:haListenPort */
    rj_msg_host_t store_host; /* STOREHOST of every record */
    int listen_port;
    int ha_port;
    int ha_listen_fd; /* HA port reserved for the replication service (-1: none) */
    int64_t boot_ms;
    atomic_bool shutting_down;

    /* UPDATE_BROKER_CONFIG: serialises changes; its DataVersion is GET_BROKER_CONFIG's `version`.
     */
    pthread_mutex_t config_lock;
    rj_data_version_t config_version;
    char **
        retired_strings; /* replaced live string values, freed at destroy (readers may hold them) */
    size_t nretired;
} rj_broker_t;

/* The broker is a master (brokerRole ASYNC_MASTER or SYNC_MASTER). */
bool rj_broker_is_master(const rj_broker_t *b);

/*
 * Loads `config_file` (may be NULL) into the broker and store tables, applies
 * the command line's name-server list (may be NULL; else NAMESRV_ADDR from the
 * environment is the default) and checks the result. On error the reason is
 * in `err`. Nothing is started.
 */
int rj_broker_load_config(rj_broker_config_t *cfg, rj_store_config_t *scfg, const char *config_file,
                          const char *namesrv_addr, char *err, size_t err_size);

/*
 * Takes ownership of the two configurations (the caller must not clean them
 * up afterwards) and builds every component; nothing is bound or started.
 */
int rj_broker_create(rj_broker_config_t *cfg, rj_store_config_t *scfg, rj_broker_t **out);

/*
 * Loads the config files and the store, binds the ports (listenPort=0:
 * ephemeral main and HA ports), starts the services and registers with the
 * name servers. Returns 0 or an error (logged).
 */
int rj_broker_start(rj_broker_t *b);

/*
 * Orderly stop (SIGTERM): parked pulls are answered, pending flush waits are
 * completed by the store's shutdown (flush + clean-shutdown marker), the
 * server writes what is queued and closes, the broker unregisters from the
 * name servers and the config files and offsets are persisted.
 */
void rj_broker_shutdown(rj_broker_t *b);

void rj_broker_destroy(rj_broker_t *b);

/*
 * registerBrokerAll after an auto-created topic (4.9.8's createTopicInSendMessageMethod,
 * createTopicInSendMessageBackMethod and createTopicOfTranCheckMaxTime register
 * before their caller answers): REGISTER_BROKER with every topic to every
 * name server (built and sent from the registration thread), and once each
 * has answered or timed out, `d` is completed with `resp` (copied here; `d`
 * NULL: registration only). So a client that asks for the route after the
 * answer finds the topic. Never waits: any thread, I/O threads included.
 * Answers at once when out of memory or before the registration service is
 * up (the start-up registration then carries the topic).
 */
void rj_broker_register_then_reply(rj_broker_t *b, rj_deferred_t *d, const rj_command_t *resp);

#endif
