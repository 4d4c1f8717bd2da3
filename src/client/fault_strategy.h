/*
 * Producer queue selection (Java MQFaultStrategy + TopicPublishInfo):
 * round robin over the topic's queues (a position per sending thread and
 * publish info, starting at a random queue, as Java's ThreadLocalIndex), skipping the broker that
 * just failed for the retry of the same message; with latency fault avoidance enabled, brokers
 * whose last send was slow or failed are skipped until their penalty ends (latency 550 ms → 30 s, 1
 * s → 60 s, 2 s → 120 s, 3 s → 180 s, 15 s → 600 s; a failure counts as 30 s of latency).
 *
 * Thread-safe. Without fault avoidance the selection takes no lock.
 */
#ifndef RJ_CLIENT_FAULT_STRATEGY_H
#define RJ_CLIENT_FAULT_STRATEGY_H

#include "client/topic_route.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rj_fault_item rj_fault_item_t;

typedef struct {
    bool enabled;
    pthread_mutex_t lock;
    rj_fault_item_t *items; /* one per broker name seen */
    size_t count;
    size_t cap;
    unsigned which_worst;
} rj_fault_strategy_t;

void rj_fault_strategy_init(rj_fault_strategy_t *fs, bool enabled);
void rj_fault_strategy_cleanup(rj_fault_strategy_t *fs);

/*
 * Index of the queue to use next in `pi` (which must have queues). With
 * fault avoidance off, `last_broker` (may be NULL) is avoided when another
 * broker exists. `*queue_id_override` is set to the queue id to use when the
 * choice is "the least bad broker" (a queue of that broker not in the round
 * robin position), else to -1.
 */
size_t rj_fault_strategy_select(rj_fault_strategy_t *fs, rj_publish_info_t *pi,
                                const char *last_broker, int32_t *queue_id_override);

/* Records a send's latency; `isolation` marks a failure (penalty as 30 s latency). */
void rj_fault_strategy_update(rj_fault_strategy_t *fs, const char *broker, int64_t latency_ms,
                              bool isolation);

/* Penalty for a latency (exposed for tests). */
int64_t rj_fault_strategy_penalty_ms(int64_t latency_ms);

/* True if `broker` has no running penalty (always true when disabled). */
bool rj_fault_strategy_is_available(rj_fault_strategy_t *fs, const char *broker);

#endif
