/*
 * The name server's shared state and the processor registration functions
 * (one processor_*.c file per group of request codes). Folder-only.
 */
#ifndef RJ_NAMESRV_NAMESRV_INTERNAL_H
#define RJ_NAMESRV_NAMESRV_INTERNAL_H

#include "common/hashmap.h"
#include "namesrv/kv_config.h"
#include "namesrv/namesrv.h"
#include "namesrv/route_table.h"
#include "remoting/server.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Room for names, addresses and topics copied out of ext fields. */
#define RJ_NAMESRV_FIELD_MAX 1024

struct rj_namesrv {
    /* Guarded by config_lock (UPDATE/GET_NAMESRV_CONFIG); handlers read the atomics below. */
    rj_namesrv_config_t config;
    pthread_mutex_t config_lock;
    atomic_bool order_message_enable;
    _Atomic int64_t scan_interval_ms;

    rj_route_table_t *routes;
    rj_kv_config_t *kv;
    rj_server_t *server;

    /*
     * Connections that carried a REGISTER_BROKER, so that the liveness scan can
     * close an expired broker's connection: 8-byte connection id ->
     * rj_connection_t * (retained). Such connections are marked with
     * `broker_conn_mark` as user data, so that closing a client connection
     * costs no lookup.
     */
    pthread_mutex_t conns_lock;
    rj_hashmap_t *broker_conns;
};

/* User data of a connection that has registered a broker. */
extern char rj_namesrv_broker_conn_mark;

/* Remembers a broker's connection (idempotent). Thread: the connection's I/O thread. */
void rj_namesrv_track_broker_conn(rj_namesrv_t *ns, rj_connection_t *conn);

/* Processor groups: register their codes on ns->server. Return 0 or the server's error. */
int rj_processor_broker_register(rj_namesrv_t *ns);
int rj_processor_route_register(rj_namesrv_t *ns);
int rj_processor_kv_register(rj_namesrv_t *ns);
int rj_processor_config_register(rj_namesrv_t *ns);

/* ---------------------------------------------------------------- handler helpers */

/*
 * Copies ext field `key` into `buf` as a C string. Returns `buf`, or NULL when
 * absent or longer than `size` - 1 (*too_long says which, may be NULL).
 */
const char *rj_namesrv_ext_cstr(const rj_command_t *cmd, const char *key, char *buf, size_t size,
                                bool *too_long);

/*
 * Answers with `code`, `remark` (may be NULL) and `body` (may be NULL), in the
 * request's serialize type. `mark_ext` writes `"extFields":{}` even without
 * fields (Java does for responses built with a header object).
 */
int rj_namesrv_reply(rj_request_t *req, const rj_command_t *cmd, int32_t code, const char *remark,
                     const rj_buf_t *body, bool mark_ext);

/*
 * Answers SYSTEM_ERROR "the custom field <key> is null" (or "... is too long")
 * for a required ext field that is missing or oversized.
 */
int rj_namesrv_reply_bad_field(rj_request_t *req, const rj_command_t *cmd, const char *key,
                               bool too_long);

#endif
