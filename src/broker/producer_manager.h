/*
 * Producer manager (RocketMQ's ProducerManager): producer groups and their
 * client channels, from heartbeats; removed by UNREGISTER_CLIENT, closed
 * connections and the idle scan. Producers heartbeat every 30 s, far off the
 * send path, so one mutex guards the table.
 *
 * Thread: every function is thread-safe.
 */
#ifndef RJ_BROKER_PRODUCER_MANAGER_H
#define RJ_BROKER_PRODUCER_MANAGER_H

#include "common/bytes.h"
#include "common/json_writer.h"
#include "remoting/connection.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct rj_producer_manager rj_producer_manager_t;

int rj_producer_manager_create(rj_producer_manager_t **out);
void rj_producer_manager_destroy(rj_producer_manager_t *m);

/* registerProducer: adds the channel or refreshes its time. Returns 0 or RJ_ENOMEM. */
int rj_producer_manager_register(rj_producer_manager_t *m, rj_bytes_t group, rj_connection_t *conn,
                                 rj_bytes_t client_id, int32_t language, int32_t version,
                                 int64_t now_ms);

/* unregisterProducer: removes the connection's channel from `group`. */
void rj_producer_manager_unregister(rj_producer_manager_t *m, rj_bytes_t group,
                                    rj_connection_t *conn);

/* Drops the connection from every group. */
void rj_producer_manager_connection_closed(rj_producer_manager_t *m, rj_connection_t *conn);

/* Removes and closes channels idle for more than `expiry_ms`. Returns the count. */
int rj_producer_manager_scan_idle(rj_producer_manager_t *m, int64_t now_ms, int64_t expiry_ms);

/*
 * Writes ProducerConnection `{"connectionSet":[Connection…]}` for `group`.
 * Returns RJ_ENOTFOUND (nothing written) when the group has no channel.
 */
int rj_producer_manager_write_connection(rj_producer_manager_t *m, rj_bytes_t group,
                                         rj_json_writer_t *w);

/*
 * Writes ProducerTableInfo `{"data":{"<group>":[ProducerInfo…]}}` for every
 * group (GET_ALL_PRODUCER_INFO); remoteIP is "/ip:port" as Java prints it.
 */
void rj_producer_manager_write_all(rj_producer_manager_t *m, rj_json_writer_t *w);

/* A live connection of `group` (retained), or NULL. For broker → producer requests. */
rj_connection_t *rj_producer_manager_any_channel(rj_producer_manager_t *m, rj_bytes_t group);

/*
 * The connection that last registered `client_id` (findChannel: the requester
 * a reply is pushed to), retained, or NULL. The caller releases it.
 */
rj_connection_t *rj_producer_manager_find_client(rj_producer_manager_t *m, rj_bytes_t client_id);

/* Number of channels across all groups (runtime info). */
size_t rj_producer_manager_channel_count(rj_producer_manager_t *m);

#endif
