/*
 * The name server as one object (RocketMQ's NamesrvController): its
 * configuration, route table, KV config and remoting server with every
 * name-server request code registered, plus the broker-liveness scan.
 *
 * Threads: create/start/stop/destroy and rj_namesrv_scan() run on the owning
 * (main) thread; request handlers run on the server's I/O and worker threads.
 */
#ifndef RJ_NAMESRV_NAMESRV_H
#define RJ_NAMESRV_NAMESRV_H

#include "namesrv/namesrv_config.h"

#include <stdint.h>

typedef struct rj_namesrv rj_namesrv_t;

/*
 * Takes over `config` (its strings now belong to the name server; the struct
 * is left zeroed). Nothing is opened yet. Returns 0 or RJ_ENOMEM.
 */
int rj_namesrv_create(rj_namesrv_config_t *config, rj_namesrv_t **out);

/*
 * Loads kvConfig.json and starts listening. Returns 0, the KV load error
 * (RJ_ECORRUPT ...), or the server's (-EADDRINUSE ...); logged.
 */
int rj_namesrv_start(rj_namesrv_t *ns);

/* The bound port (after start). */
int rj_namesrv_port(const rj_namesrv_t *ns);

/* One liveness scan: drops brokers silent for longer than their expiry and closes their
 * connections. */
void rj_namesrv_scan(rj_namesrv_t *ns);

/* Current scanNotActiveBrokerInterval (changes with UPDATE_NAMESRV_CONFIG). */
int64_t rj_namesrv_scan_interval_ms(const rj_namesrv_t *ns);

/* Stops the server (connections closed, handlers finished). Idempotent. */
void rj_namesrv_stop(rj_namesrv_t *ns);

/* Stops if needed and frees. NULL is a no-op. */
void rj_namesrv_destroy(rj_namesrv_t *ns);

#endif
