/*
 * The daemons of an interop test: one mqnamesrv and one or two mqbroker
 * masters ("broker-a", "broker-b", broker id 0, brokerIP1 127.0.0.1) on
 * loopback port 0 with temp dirs, and the admin calls the scenarios need
 * (topic creation: ali-ons never creates topics; stored consumer offsets).
 * Helpers fail the running cmocka test instead of returning errors.
 */
#ifndef RJ_IT_INTEROP_CLUSTER_H
#define RJ_IT_INTEROP_CLUSTER_H

#include "support/daemon.h"

#include <stdint.h>

#define IT_INTEROP_MAX_BROKERS 2

typedef struct {
    rj_daemon_t *ns;
    rj_daemon_t *brokers[IT_INTEROP_MAX_BROKERS];
    int broker_count;
} it_interop_cluster_t;

/* Name server + `brokers` brokers (1 or 2). */
void it_interop_cluster_start(it_interop_cluster_t *c, int brokers);

/*
 * Stops the daemons (SIGTERM) and removes their dirs. Returns 0 when every
 * daemon exited cleanly (status 0: no crash, no sanitizer report), else -1
 * after printing the output of those that did not.
 */
int it_interop_cluster_stop(it_interop_cluster_t *c);

const char *it_interop_namesrv(const it_interop_cluster_t *c);

/* "127.0.0.1:<port>" of broker i, and its name ("broker-a", ...). */
const char *it_interop_broker_addr(const it_interop_cluster_t *c, int i);
const char *it_interop_broker_name(int i);

/* Creates `topic` with `queues` read/write queues on every broker and waits for its full route. */
void it_interop_create_topic(const it_interop_cluster_t *c, const char *topic, int queues);

/* Offset stored on the broker for `group` on a queue (-1: none). */
int64_t it_interop_consumer_offset(const it_interop_cluster_t *c, const char *group,
                                   const char *topic, const char *broker_name, int queue_id);

/* Next offset to be written in a queue. */
int64_t it_interop_max_offset(const it_interop_cluster_t *c, const char *topic,
                              const char *broker_name, int queue_id);

#endif
