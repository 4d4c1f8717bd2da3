/*
 * One consume queue (store.md §3): fixed 20-byte units (commit-log offset,
 * record size, tagsCode) in files of mappedFileSizeConsumeQueue bytes under
 * consumequeue/<topic>/<queueId>/. Unit n is queue offset n.
 *
 * Threads: the dispatcher is the only writer (rj_consume_queue_put); readers
 * use rj_consume_queue_units() from any thread; cleanup deletes files at the
 * front. next_queue_offset belongs to the commit-log append lock.
 */
#ifndef RJ_STORE_CONSUME_QUEUE_H
#define RJ_STORE_CONSUME_QUEUE_H

#include "store/mapped_file_queue.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define RJ_CQ_UNIT_SIZE 20
/* Filler unit written before the first real unit of a queue that starts late. */
#define RJ_CQ_BLANK_SIZE INT32_MAX

typedef struct {
    int64_t phy_offset;
    int32_t size;
    int64_t tags_code;
} rj_cq_unit_t;

void rj_cq_unit_decode(const uint8_t *p, rj_cq_unit_t *u);
void rj_cq_unit_encode(const rj_cq_unit_t *u, uint8_t *p);

static inline bool
rj_cq_unit_is_blank(const rj_cq_unit_t *u)
{
    return u->size == RJ_CQ_BLANK_SIZE && u->phy_offset == 0;
}

typedef struct rj_consume_queue rj_consume_queue_t;

struct rj_consume_queue {
    char *topic;
    size_t topic_len;
    int32_t queue_id;
    rj_mapped_file_queue_t files;
    int64_t max_physic_offset;        /* end of the last record with a unit; dispatcher */
    _Atomic int64_t min_logic_offset; /* bytes */
    int64_t next_queue_offset;        /* next offset to assign; append lock */
    bool damaged;                     /* load found a short file */
    rj_consume_queue_t *all_next;     /* list of every queue of the store */
};

/* Sets up the queue object for consumequeue/<topic>/<queue_id> under `cq_root`. No I/O. */
int rj_consume_queue_init(rj_consume_queue_t *cq, const char *cq_root, const char *topic,
                          size_t topic_len, int32_t queue_id, size_t file_size);

void rj_consume_queue_cleanup(rj_consume_queue_t *cq);

/*
 * Maps the queue's files. A file shorter than the configured size (cut by a
 * crash or by hand) is extended with zeros and the queue marked damaged, so
 * recovery stops there and the dispatcher rebuilds the rest.
 */
int rj_consume_queue_load(rj_consume_queue_t *cq);

/*
 * Finds the last valid unit (offset ≥ 0, size > 0, and after the previous
 * record) scanning from the third-last file, truncates after it and sets
 * max_physic_offset. Returns 1 when an invalid (non-zero) unit ended the
 * queue, 0 when it simply ended.
 */
int64_t rj_consume_queue_recover(rj_consume_queue_t *cq);

/*
 * Drops the units whose record ends after `phy_offset` (a record boundary:
 * the recovered end of the commit log, or the point from which abnormal
 * recovery rebuilds). Returns the number of units dropped.
 */
int64_t rj_consume_queue_truncate_phy(rj_consume_queue_t *cq, int64_t phy_offset);

/* Next unit index to be written (RocketMQ's getMaxOffsetInQueue). */
int64_t rj_consume_queue_max_offset(rj_consume_queue_t *cq);

/* First readable unit index. */
static inline int64_t
rj_consume_queue_min_offset(rj_consume_queue_t *cq)
{
    return atomic_load_explicit(&cq->min_logic_offset, memory_order_acquire) / RJ_CQ_UNIT_SIZE;
}

/* End (offset + size) of the record of the last unit, or -1 (RocketMQ's getLastOffset). */
int64_t rj_consume_queue_last_record_end(rj_consume_queue_t *cq);

/*
 * Dispatcher: writes the unit for queue offset `cq_offset`. Units already
 * present (record end ≤ max_physic_offset, or an offset below the end) are
 * skipped; a gap is filled with blank units. Returns 0 or a negative status
 * (the file could not be created).
 */
int rj_consume_queue_put(rj_consume_queue_t *cq, int64_t phy_offset, int32_t size,
                         int64_t tags_code, int64_t cq_offset);

/*
 * Units from queue offset `index` to the end of the written part of its file:
 * *units points at the first, *count of them are readable, *mf holds a
 * reference to release. Returns 0 or RJ_ENOTFOUND (below the minimum or past
 * the end, or the file is gone).
 */
int rj_consume_queue_units(rj_consume_queue_t *cq, int64_t index, const uint8_t **units,
                           int32_t *count, rj_mapped_file_t **mf);

/* One unit; returns 0 or RJ_ENOTFOUND. */
int rj_consume_queue_unit_at(rj_consume_queue_t *cq, int64_t index, rj_cq_unit_t *out);

/*
 * Sets the minimum to the first unit whose record is at or after
 * `cl_min_offset` (RocketMQ's correctMinOffset; an exhausted last file moves
 * the minimum to the end).
 */
void rj_consume_queue_correct_min_offset(rj_consume_queue_t *cq, int64_t cl_min_offset);

/*
 * Deletes leading files whose last unit points below `cl_min_offset` (never
 * the last file), then corrects the minimum. Returns the number deleted.
 */
int rj_consume_queue_delete_expired(rj_consume_queue_t *cq, int64_t cl_min_offset);

/* Deletes every file of the queue and resets it to empty (topic deletion). */
void rj_consume_queue_destroy_files(rj_consume_queue_t *cq);

/* Flushes with `least_pages` (0 = all). Returns 0 or -errno. */
int rj_consume_queue_flush(rj_consume_queue_t *cq, int least_pages);

#endif
