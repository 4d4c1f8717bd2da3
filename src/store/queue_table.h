/*
 * (topic, queueId) → consume queue, read without locks. Queues are only added
 * while the store is open (a deleted topic keeps its emptied queue objects),
 * so lookups walk an open-addressing table of pointers that is replaced as a
 * whole when it grows; replaced tables are kept until the store closes, which
 * bounds their memory by the current table's size.
 */
#ifndef RJ_STORE_QUEUE_TABLE_H
#define RJ_STORE_QUEUE_TABLE_H

#include "store/consume_queue.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_queue_slots rj_queue_slots_t;

typedef struct {
    _Atomic(rj_queue_slots_t *) slots;
    _Atomic(rj_consume_queue_t *) all; /* every queue, newest first */
    size_t count;
    pthread_mutex_t lock; /* inserts */
    rj_queue_slots_t *retired;
} rj_queue_table_t;

int rj_queue_table_init(rj_queue_table_t *t);

/* Frees the table; every queue is cleaned up and freed. */
void rj_queue_table_cleanup(rj_queue_table_t *t);

/* The queue or NULL. Thread: any. */
rj_consume_queue_t *rj_queue_table_lookup(rj_queue_table_t *t, const char *topic, size_t topic_len,
                                          int32_t queue_id);

/*
 * Adds `cq` (allocated with rj_malloc; the table owns it from now on). If the
 * key is already present, `cq` is cleaned up and freed and the existing queue
 * returned. NULL when out of memory (cq freed as well).
 */
rj_consume_queue_t *rj_queue_table_insert(rj_queue_table_t *t, rj_consume_queue_t *cq);

/* First queue of the list; continue with cq->all_next. Thread: any. */
static inline rj_consume_queue_t *
rj_queue_table_first(rj_queue_table_t *t)
{
    return atomic_load_explicit(&t->all, memory_order_acquire);
}

#endif
