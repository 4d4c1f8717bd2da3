/*
 * Watching running alions_consume.js processes: which queues each owns, how
 * many rebalances it finished, which messages it got. Waits are on these
 * conditions, with deadlines; a missed deadline fails the test after
 * printing the processes' output.
 */
#ifndef RJ_IT_INTEROP_OBSERVE_H
#define RJ_IT_INTEROP_OBSERVE_H

#include "interop_node.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The queues of `topic` the consumer owns now (last "queues" event; borrowed), or NULL. */
const json_t *it_owned_queues(it_node_t *n, const char *topic);

/* True when `queues` ([{broker, queueId}]) holds that queue. */
bool it_queues_contain(const json_t *queues, const char *broker, int queue_id);

/* Rebalances of the subscribed topic the consumer finished so far. */
int it_rebalance_count(it_node_t *n);

/* Waits until the consumer owns exactly `count` queues of `topic`. */
void it_wait_owned(it_node_t *n, const char *topic, size_t count, int timeout_ms);

/*
 * Waits until the queues of `topic` owned by the `count` consumers are
 * pairwise disjoint and together number `total`.
 */
void it_wait_partition(it_node_t **nodes, size_t count, const char *topic, size_t total,
                       int timeout_ms);

/* Waits until the consumer made at least `count` deliveries. */
void it_wait_deliveries(it_node_t *n, size_t count, int timeout_ms);

/* Waits until every message seq in [from, to) was delivered by at least one of the consumers. */
void it_wait_delivered(it_node_t **nodes, size_t count, size_t from, size_t to, int timeout_ms);

/*
 * Waits until each consumer finished `more` further rebalances: the window in
 * which a duplicate delivery caused by a queue changing hands would show up.
 */
void it_wait_rebalances(it_node_t **nodes, size_t count, int more, int timeout_ms);

/*
 * Fails the test if the consumer reported an error ("error" events: ali-ons
 * emits every failed request or unexpected answer) before it began to close.
 * Not counted: errors during close (ali-ons 3.12.0 close() clears its queue
 * table while a rebalance may be running, which then asks for offsets over
 * connections close() is shutting: "The socket was closed"), and a route
 * lookup of the group's own %RETRY% topic that found none, which ali-ons can
 * make before the broker's registration of that topic (created by the
 * group's first heartbeat) reached the name server; it retries on its next
 * route poll.
 */
void it_assert_no_errors(const json_t *events, const char *group);

/*
 * The "start" event of a queue (where the consumer began it; the last one
 * before the consumer began to close: a rebalance running during ali-ons'
 * close may start queues again), or NULL.
 */
const json_t *it_start_event(it_node_t *n, const char *topic, const char *broker, int queue_id);

#endif
