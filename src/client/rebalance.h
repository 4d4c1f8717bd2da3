/*
 * Rebalance (Java RebalanceImpl): which queues of its subscribed topics this
 * consumer owns. For each topic: the readable queues from the route, the
 * group's live members from a broker, the allocation strategy's share
 * (clustering) or every queue (broadcasting); then process queues are created
 * for new queues and dropped for lost ones, through the owner's callbacks.
 *
 * Threads: rj_rebalance_do() and the callbacks run on the client instance's
 * service thread (they make sync RPCs); the table functions lock and may be
 * called from any thread.
 */
#ifndef RJ_CLIENT_REBALANCE_H
#define RJ_CLIENT_REBALANCE_H

#include "client/client_instance.h"
#include "client/process_queue.h"
#include "common/hashmap.h"
#include "ramjet/consumer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    /*
     * A queue was allocated to this member: return a new process queue
     * (refs = 1, which the table takes) to start consuming it, or NULL to
     * skip it this round (lock not granted, start offset unknown).
     */
    rj_process_queue_t *(*add_queue)(void *owner, const rj_message_queue_t *mq);
    /*
     * A queue was taken away (already marked dropped and out of the table):
     * persist its offset, unlock it. Returns false to keep it in the table
     * for now (orderly queue still consuming), then it is tried again later.
     */
    bool (*remove_queue)(void *owner, rj_process_queue_t *pq);
    /* The set of queues of `topic` changed. */
    void (*queues_changed)(void *owner, const char *topic);
} rj_rebalance_ops_t;

typedef struct {
    rj_client_instance_t *inst;
    const char *group;
    rj_message_model_t model;
    rj_allocate_strategy_t strategy;
    bool drop_expired_pulls; /* push: drop queues not pulled for 120 s */
    const rj_rebalance_ops_t *ops;
    void *owner;
    pthread_mutex_t lock;
    rj_hashmap_t *pqs;       /* rj_mq_key -> rj_process_queue_t * */
    rj_hashmap_t *topic_mqs; /* topic -> topic_mqs_t * (readable queues) */
} rj_rebalance_t;

int rj_rebalance_init(rj_rebalance_t *rb, rj_client_instance_t *inst, const char *group,
                      rj_message_model_t model, rj_allocate_strategy_t strategy,
                      const rj_rebalance_ops_t *ops, void *owner);

/* Drops every process queue (without the remove callback) and frees the tables. */
void rj_rebalance_cleanup(rj_rebalance_t *rb);

/* Records the readable queues of `topic` from its route (route_changed). */
void rj_rebalance_set_route(rj_rebalance_t *rb, const char *topic, const rj_topic_route_t *route);

/*
 * Rebalances `topics` (the subscribed ones); process queues of other topics
 * are dropped. Blocks (RPCs).
 */
void rj_rebalance_do(rj_rebalance_t *rb, const char *const *topics, size_t count);

/*
 * Fills `out` (room for `max`) with retained process queues (all, or of
 * `topic` when not NULL); returns how many there are (may exceed `max`).
 */
size_t rj_rebalance_snapshot(rj_rebalance_t *rb, const char *topic, rj_process_queue_t **out,
                             size_t max);

/*
 * Assign mode: makes the table hold exactly `mqs` (removing others through the
 * remove callback, adding the missing ones through the add callback). Blocks.
 */
void rj_rebalance_assign(rj_rebalance_t *rb, const rj_message_queue_t *mqs, size_t count);

/* The process queue of `mq`, retained, or NULL. */
rj_process_queue_t *rj_rebalance_find(rj_rebalance_t *rb, const rj_message_queue_t *mq);

/* Removes `pq` from the table (if still there) after marking it dropped; returns true if removed.
 */
bool rj_rebalance_remove(rj_rebalance_t *rb, rj_process_queue_t *pq);

/* Copy of the readable queues of a topic (rj_free), or NULL with *count 0. */
rj_message_queue_t *rj_rebalance_topic_queues(rj_rebalance_t *rb, const char *topic, size_t *count);

#endif
