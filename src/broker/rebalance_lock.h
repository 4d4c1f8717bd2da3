/*
 * Queue locks of orderly consumers (RocketMQ's RebalanceLockManager,
 * features.md §5): per consumer group, MessageQueue -> {clientId,
 * lastUpdate}. A lock is granted when the queue is free, held by the same
 * client (which refreshes it) or not refreshed for `max_live_ms` (Java's
 * rocketmq.broker.rebalance.lockMaxLiveTime, 60 s); UNLOCK_BATCH_MQ drops
 * the entries a client holds. Nothing is persisted: after a restart clients
 * lock again within their 20 s re-lock interval.
 *
 * The table is split into stripes by group name, each with its own mutex,
 * so groups do not contend with each other.
 *
 * Thread: every function is thread-safe.
 */
#ifndef RJ_BROKER_REBALANCE_LOCK_H
#define RJ_BROKER_REBALANCE_LOCK_H

#include "common/bytes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A MessageQueue (views borrowed for the call). */
typedef struct {
    rj_bytes_t topic;
    rj_bytes_t broker_name;
    int32_t queue_id;
} rj_message_queue_t;

typedef struct rj_rebalance_lock rj_rebalance_lock_t;

/* Java's default lock lifetime. */
#define RJ_REBALANCE_LOCK_MAX_LIVE_MS 60000

int rj_rebalance_lock_create(int64_t max_live_ms, rj_rebalance_lock_t **out);
void rj_rebalance_lock_destroy(rj_rebalance_lock_t *lk);

/*
 * tryLockBatch at time `now_ms`: granted[i] tells whether `client_id` holds
 * mqs[i] afterwards. Returns the number granted, or RJ_ENOMEM (nothing
 * changed for the queues not yet handled).
 */
int rj_rebalance_lock_try_batch(rj_rebalance_lock_t *lk, rj_bytes_t group, rj_bytes_t client_id,
                                const rj_message_queue_t *mqs, size_t n, bool *granted,
                                int64_t now_ms);

/* unlockBatch: drops the entries of `mqs` that `client_id` holds. */
void rj_rebalance_lock_unlock_batch(rj_rebalance_lock_t *lk, rj_bytes_t group, rj_bytes_t client_id,
                                    const rj_message_queue_t *mqs, size_t n);

/* True when `client_id` holds an unexpired lock on `mq` (does not refresh it). */
bool rj_rebalance_lock_is_held(rj_rebalance_lock_t *lk, rj_bytes_t group,
                               const rj_message_queue_t *mq, rj_bytes_t client_id, int64_t now_ms);

#endif
