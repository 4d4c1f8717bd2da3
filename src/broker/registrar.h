/*
 * Name-server registration (RocketMQ's BrokerOuterAPI + registerBrokerAll):
 * REGISTER_BROKER to every configured name server in parallel, QUERY_DATA_VERSION
 * first when registration is not forced, UNREGISTER_BROKER at shutdown.
 *
 * Thread: the blocking calls (register, unregister) wait for the answers of
 * all name servers up to registerBrokerTimeoutMills; they run on the
 * registration scheduler thread, a worker or the main thread, never on an I/O
 * thread. rj_registrar_register_async() and rj_registrar_register_oneway()
 * never wait and may be called anywhere.
 */
#ifndef RJ_BROKER_REGISTRAR_H
#define RJ_BROKER_REGISTRAR_H

#include <stdbool.h>

typedef struct rj_broker rj_broker_t;
typedef struct rj_registrar rj_registrar_t;

/* Reads the name-server list from the broker's namesrvAddr. Returns 0 or RJ_ENOMEM. */
int rj_registrar_create(rj_broker_t *b, rj_registrar_t **out);
void rj_registrar_destroy(rj_registrar_t *r);

/* Number of configured name servers. */
int rj_registrar_namesrv_count(const rj_registrar_t *r);

/*
 * registerBrokerAll(checkOrderConfig, oneway=false, force): unless `force`,
 * asks every name server with QUERY_DATA_VERSION and registers only if one of
 * them has another DataVersion (or did not answer). Registers the whole topic
 * table, or only `only_topic` (incremental registration after an admin change).
 * With `check_order_config` the ORDER_TOPIC_CONFIG table a name server returns
 * updates the topics' order flags. Returns the number of name servers that
 * acknowledged (0 when none is configured).
 */
int rj_registrar_register(rj_registrar_t *r, bool check_order_config, bool force,
                          const char *only_topic);

/* Completion of rj_registrar_register_async(): how many name servers acknowledged. */
typedef void (*rj_registrar_done_cb)(int acked, void *arg);

/*
 * registerIncrementBrokerData without blocking the caller: REGISTER_BROKER
 * (always sent, no QUERY_DATA_VERSION) with every topic or only `only_topic`
 * to every name server. Once each has answered or timed out
 * (registerBrokerTimeoutMills) the ORDER_TOPIC_CONFIG tables are applied as
 * rj_registrar_register() does and `cb` runs with the number of name servers
 * that acknowledged (0 when none is configured). `cb` runs exactly once: on
 * the RPC client's loop thread (must not block), or on the calling thread
 * before this returns when nothing could be sent (no name server, out of
 * memory). Any thread.
 */
void rj_registrar_register_async(rj_registrar_t *r, bool check_order_config, const char *only_topic,
                                 rj_registrar_done_cb cb, void *arg);

/* Full registration sent one-way to every name server (after an auto-created topic). */
void rj_registrar_register_oneway(rj_registrar_t *r);

/* UNREGISTER_BROKER to every name server, each waited for up to 3 s. */
void rj_registrar_unregister(rj_registrar_t *r);

#endif
