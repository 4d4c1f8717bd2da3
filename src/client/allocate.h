/*
 * Queue allocation strategies of a consumer group (features.md §7; Java
 * AllocateMessageQueueAveragely, ...ByCircle, ...ConsistentHash). Pure
 * functions over sorted inputs: every member computes its own share from the
 * same lists, so the results must agree bit for bit with the other clients of
 * the group (Java, ali-ons).
 */
#ifndef RJ_CLIENT_ALLOCATE_H
#define RJ_CLIENT_ALLOCATE_H

#include "ramjet/consumer.h"
#include "ramjet/message.h"

#include <stddef.h>

/* Sorts queues by (topic, broker name, queue id), strings bytewise. */
void rj_allocate_sort_queues(rj_message_queue_t *mqs, size_t count);

/* Sorts client ids bytewise. */
void rj_allocate_sort_ids(const char **ids, size_t count);

/*
 * Writes the indices (into `mq_all`) of the queues `current_id` gets into
 * `out` (room for `mq_count` entries) and their number into *out_count.
 * `mq_all` and `cid_all` must be sorted. A current id missing from `cid_all`
 * gets nothing (Java logs it and allocates nothing). Returns RJ_OK, RJ_EINVAL
 * (bad arguments or strategy) or RJ_ENOMEM (consistent hash ring).
 */
int rj_allocate(rj_allocate_strategy_t strategy, const rj_message_queue_t *mq_all, size_t mq_count,
                const char *const *cid_all, size_t cid_count, const char *current_id, size_t *out,
                size_t *out_count);

/* Strategy name as Java reports it ("AVG", "AVG_BY_CIRCLE", "CONSISTENT_HASH"). */
const char *rj_allocate_strategy_name(rj_allocate_strategy_t strategy);

#endif
