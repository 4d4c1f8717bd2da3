/*
 * Message store: RocketMQ 4.9.8's commit log, consume queues and index in
 * their on-disk format, as a library that knows nothing of the network.
 *
 * Lifecycle: rj_store_open() locks the directory, loads and recovers
 * (normal or, when the `abort` marker is present, abnormal recovery) and
 * replays the commit log into the consume queues and index; rj_store_start()
 * starts the background threads (pre-faulting allocator, commit-log flush,
 * flush-timeout watcher, dispatcher, consume-queue flush and cleanup) and
 * creates `abort`; rj_store_shutdown() stops them, flushes everything and
 * removes `abort` when the store is consistent; rj_store_close() frees.
 *
 * Threads: every function below may be called from any thread after
 * rj_store_start() unless it says otherwise; none blocks on disk I/O except
 * where stated (queries walk index files, which are in the page cache).
 * Puts are serialised by one append lock; reads take no store-wide lock.
 *
 * Zero copy: reads return views into the mapped files together with a
 * reference on each file (rj_store_view_t.mf); the file stays mapped — even if
 * the cleanup deletes it — until the view is released. Write the views with
 * writev() and release them when the write completed.
 */
#ifndef RJ_STORE_STORE_H
#define RJ_STORE_STORE_H

#include "common/bytes.h"
#include "common/message_id.h"
#include "common/message_record.h"
#include "store/store_config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rj_store rj_store_t;
typedef struct rj_mapped_file rj_mapped_file_t;

/* Schedule topic of delayed messages; queue = delay level − 1. */
#define RJ_SCHEDULE_TOPIC "SCHEDULE_TOPIC_XXXX"

/* PutMessageStatus: XX(enum suffix, RocketMQ name, meaning). */
#define RJ_PUT_STATUS_MAP(XX)                                                                     \
    XX(OK, "PUT_OK", "stored")                                                                    \
    XX(FLUSH_DISK_TIMEOUT, "FLUSH_DISK_TIMEOUT", "stored, no fsync covered it in time")           \
    XX(FLUSH_SLAVE_TIMEOUT, "FLUSH_SLAVE_TIMEOUT", "stored, no slave acknowledged it in time")    \
    XX(SLAVE_NOT_AVAILABLE, "SLAVE_NOT_AVAILABLE", "stored, but no slave is available")           \
    XX(SERVICE_NOT_AVAILABLE, "SERVICE_NOT_AVAILABLE",                                            \
       "not writable: shut down, slave, disk full or write error")                                \
    XX(CREATE_MAPEDFILE_FAILED, "CREATE_MAPEDFILE_FAILED", "a commit log file cannot be created") \
    XX(MESSAGE_ILLEGAL, "MESSAGE_ILLEGAL", "message too large or malformed")                      \
    XX(PROPERTIES_SIZE_EXCEEDED, "PROPERTIES_SIZE_EXCEEDED", "properties over 32767 bytes")       \
    XX(OS_PAGECACHE_BUSY, "OS_PAGECACHE_BUSY", "the append lock is held too long")                \
    XX(UNKNOWN_ERROR, "UNKNOWN_ERROR", "unknown error")

typedef enum {
#define XX(name, java, text) RJ_PUT_##name,
    RJ_PUT_STATUS_MAP(XX)
#undef XX
} rj_put_status_t;

/* "PUT_OK", ... */
const char *rj_put_status_name(rj_put_status_t status);

/* GetMessageStatus. */
#define RJ_GET_STATUS_MAP(XX)  \
    XX(FOUND)                  \
    XX(NO_MATCHED_MESSAGE)     \
    XX(MESSAGE_WAS_REMOVING)   \
    XX(OFFSET_FOUND_NULL)      \
    XX(OFFSET_OVERFLOW_BADLY)  \
    XX(OFFSET_OVERFLOW_ONE)    \
    XX(OFFSET_TOO_SMALL)       \
    XX(NO_MATCHED_LOGIC_QUEUE) \
    XX(NO_MESSAGE_IN_QUEUE)

typedef enum {
#define XX(name) RJ_GET_##name,
    RJ_GET_STATUS_MAP(XX)
#undef XX
} rj_get_status_t;

/* "FOUND", ... (the pull response remark). */
const char *rj_get_status_name(rj_get_status_t status);

/* ------------------------------------------------------------------ */
/* Opening                                                             */
/* ------------------------------------------------------------------ */

/*
 * Called by the dispatcher thread for every message that got a consume-queue
 * unit once the store is started (not for what rj_store_open() replays):
 * `logic_offset` is the queue's new max offset (unit + 1). Must be quick and
 * thread-safe (the broker's long-poll service wakes parked pulls).
 */
typedef void (*rj_store_arriving_cb)(void *arg, rj_bytes_t topic, int32_t queue_id,
                                     int64_t logic_offset, int64_t tags_code,
                                     int64_t store_timestamp, rj_bytes_t properties);

typedef struct {
    rj_store_arriving_cb arriving; /* may be NULL */
    void *arriving_arg;
} rj_store_callbacks_t;

/*
 * Opens the store described by `cfg` (copied): takes the `lock` file, loads
 * and recovers, and rebuilds consume queues and index up to the end of the
 * commit log. Every repair is logged at WARN. Returns 0, RJ_EBUSY when another
 * process holds the store, RJ_ECORRUPT when files cannot be loaded (named in
 * the log), RJ_ECONFIG for an unusable configuration, or -errno.
 * Thread: the caller's; does disk I/O.
 */
int rj_store_open(const rj_store_config_t *cfg, const rj_store_callbacks_t *cb, rj_store_t **out);

/* Starts the background threads and creates `abort`. Returns 0 or a negative status. */
int rj_store_start(rj_store_t *s);

/*
 * Stops accepting puts, waits for the dispatcher to catch up, stops the
 * threads, flushes everything and removes `abort` if the store is consistent.
 * Pending flush waiters are completed first. Thread: not a store callback.
 */
void rj_store_shutdown(rj_store_t *s);

/* Shuts down if needed and frees; views must have been released. NULL is fine. */
void rj_store_close(rj_store_t *s);

/*
 * The configuration in use. Read it freely; change it only through
 * rj_store_set_config() (numeric fields may also be stored directly).
 */
rj_store_config_t *rj_store_config(rj_store_t *s);

/*
 * UPDATE_BROKER_CONFIG for a store key marked RJ_CONFIG_LIVE. Returns 0,
 * RJ_ENOTFOUND (not a store key), RJ_ESTATE (not live) or RJ_EINVAL (bad
 * value), with a reason in `err`. Thread: any.
 */
int rj_store_set_config(rj_store_t *s, const char *key, const char *value, char *err,
                        size_t err_size);

/* ------------------------------------------------------------------ */
/* Putting                                                             */
/* ------------------------------------------------------------------ */

/* A message to append. Views are only read during the call. */
typedef struct {
    rj_bytes_t topic;
    int32_t queue_id;
    int32_t flag;
    int32_t sys_flag; /* compression, tran type ...; host v6 bits are set from the hosts */
    int64_t born_timestamp;
    rj_msg_host_t born_host;
    rj_msg_host_t store_host; /* brokerIP1:listenPort: part of every offset msgId */
    int32_t reconsume_times;
    int64_t prepared_transaction_offset;
    rj_bytes_t body;
    rj_bytes_t properties; /* the string to store (the broker's re-serialisation) */
    /*
     * Delay level (the broker reads DELAY). For tran types NOT/COMMIT and a level
     * > 0 (clamped to the highest), the store redirects the message into
     * SCHEDULE_TOPIC_XXXX queue level−1 and appends REAL_TOPIC and REAL_QID.
     */
    int32_t delay_level;
    /* WAIT: under SYNC_FLUSH, complete only when an fsync covers the record. */
    bool wait_store_msg_ok;
} rj_store_msg_t;

/* A SEND_BATCH_MESSAGE: one record per inner message, consecutive queue offsets. */
typedef struct {
    rj_bytes_t topic;
    int32_t queue_id;
    int32_t sys_flag; /* must be tran type NOT */
    int64_t born_timestamp;
    rj_msg_host_t born_host;
    rj_msg_host_t store_host;
    int32_t reconsume_times;
    rj_bytes_t body;       /* concatenated inner messages (rj_message_batch_item_*) */
    rj_bytes_t properties; /* batch properties, appended to each inner message's */
    bool wait_store_msg_ok;
    int64_t *phy_offsets_out; /* optional: offset of each record */
    size_t phy_offsets_cap;
} rj_store_batch_t;

typedef struct {
    rj_put_status_t status;
    int64_t phy_offset;   /* first record */
    int32_t wrote_bytes;  /* all records */
    int64_t queue_offset; /* first record's queue offset (0 for PREPARED/ROLLBACK) */
    int64_t store_timestamp;
    int32_t msg_num;
    char msg_id[RJ_MSG_ID_MAX_HEX_SIZE]; /* offset msgId of the first record */
    bool flush_pending;                  /* the waiter's callback will deliver the final status */
} rj_store_put_result_t;

typedef struct rj_store_flush_waiter rj_store_flush_waiter_t;

/*
 * Completion of a SYNC_FLUSH put: called once, from the flush thread (PUT_OK)
 * or the timeout watcher (FLUSH_DISK_TIMEOUT), never from the putting thread.
 * It must not block; the broker posts the reply to its I/O loop.
 */
typedef void (*rj_store_flush_cb)(rj_store_flush_waiter_t *w, rj_put_status_t status);

/* Caller-owned, embedded in the caller's request; valid until the callback. */
struct rj_store_flush_waiter {
    rj_store_flush_cb cb;
    void *data;
    /* Private to the store. */
    rj_store_flush_waiter_t *next;
    int64_t next_offset;
    int64_t deadline_ms;
};

/*
 * Appends one message. Returns the status (also in res->status). Under
 * SYNC_FLUSH with msg->wait_store_msg_ok and a successful append:
 *   - waiter != NULL: res->flush_pending is set and waiter->cb will be called
 *     with the final status; the call itself never blocks;
 *   - waiter == NULL: the call blocks until the fsync or the timeout.
 * Otherwise the result is final when the call returns and no callback follows.
 */
rj_put_status_t rj_store_put(rj_store_t *s, const rj_store_msg_t *msg,
                             rj_store_flush_waiter_t *waiter, rj_store_put_result_t *res);

/* Batch append, all records in one segment. Same completion rules as rj_store_put. */
rj_put_status_t rj_store_put_batch(rj_store_t *s, const rj_store_batch_t *batch,
                                   rj_store_flush_waiter_t *waiter, rj_store_put_result_t *res);

/* ------------------------------------------------------------------ */
/* Reading                                                             */
/* ------------------------------------------------------------------ */

/* Bytes of one record (or of commit-log data) in a mapped file. */
typedef struct {
    const uint8_t *data;
    uint32_t len;
    int64_t phy_offset;
    int64_t queue_offset; /* for get_message results */
    rj_mapped_file_t *mf; /* reference held by the view */
} rj_store_view_t;

/* Releases a view's reference (no-op for an empty view). */
void rj_store_view_release(rj_store_view_t *v);

/* Filters of a pull: tag codes at consume-queue level, then (optionally) the record. */
typedef struct {
    bool (*match_cq)(int64_t tags_code, void *arg);
    bool (*match_record)(const uint8_t *record, size_t len, void *arg);
    void *arg;
} rj_store_filter_t;

typedef struct {
    rj_get_status_t status;
    int64_t next_begin_offset;
    int64_t min_offset;
    int64_t max_offset;
    bool suggest_pulling_from_slave;
    uint32_t count;         /* views filled */
    size_t total_bytes;     /* sum of their lengths */
    rj_store_view_t *views; /* caller's array of `cap` views */
    uint32_t cap;
} rj_store_get_result_t;

/*
 * RocketMQ's getMessage: up to min(max_msg_nums, res->cap) records of
 * topic/queue from queue offset `offset`, within maxTransfer{Bytes,Count}
 * limits, skipping records the filter rejects. Sets status, next_begin_offset,
 * min/max offsets and views (release with rj_store_get_result_release).
 * Returns 0, or RJ_ESHUTDOWN when the store is not readable (RocketMQ: null).
 */
int rj_store_get_message(rj_store_t *s, rj_bytes_t topic, int32_t queue_id, int64_t offset,
                         int32_t max_msg_nums, const rj_store_filter_t *filter,
                         rj_store_get_result_t *res);

/* Releases every view of a result. */
void rj_store_get_result_release(rj_store_get_result_t *res);

/* The record at `phy_offset` (its size read from the record). 0 or RJ_ENOTFOUND. */
int rj_store_select_message(rj_store_t *s, int64_t phy_offset, rj_store_view_t *out);

/* `size` bytes at `phy_offset`. 0 or RJ_ENOTFOUND. */
int rj_store_select_message_sized(rj_store_t *s, int64_t phy_offset, int32_t size,
                                  rj_store_view_t *out);

/* Decodes the record at `phy_offset` (views into `view`, which the caller releases). */
int rj_store_look_message(rj_store_t *s, int64_t phy_offset, rj_message_record_t *rec,
                          rj_store_view_t *view);

/* Commit-log data from `offset` to the end of what is written in its segment (HA). */
int rj_store_get_commit_log_data(rj_store_t *s, int64_t offset, rj_store_view_t *out);

/*
 * Slave: appends replicated bytes verbatim at `start_offset`, which must equal
 * the current max offset; the data never crosses a segment end. Returns 0,
 * RJ_EINVAL for a wrong offset, or a negative status.
 */
int rj_store_append_to_commit_log(rj_store_t *s, int64_t start_offset, const uint8_t *data,
                                  size_t len);

/* Max (next) queue offset; 0 for an unknown queue. */
int64_t rj_store_get_max_offset_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id);

/* Min queue offset; -1 for an unknown queue. */
int64_t rj_store_get_min_offset_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id);

/* Commit-log offset of a queue offset; 0 if unknown. */
int64_t rj_store_get_commit_log_offset_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id,
                                                int64_t queue_offset);

/* SEARCH_OFFSET_BY_TIMESTAMP: queue offset of the message stored nearest `timestamp`. */
int64_t rj_store_get_offset_in_queue_by_time(rj_store_t *s, rj_bytes_t topic, int32_t queue_id,
                                             int64_t timestamp);

/* Store time of the first message of the queue; -1 if none. */
int64_t rj_store_get_earliest_message_time(rj_store_t *s, rj_bytes_t topic, int32_t queue_id);

/* Store time of the first message of the commit log; -1 if none. */
int64_t rj_store_get_earliest_message_time_all(rj_store_t *s);

/* Store time of the message at a queue offset; -1 if none. */
int64_t rj_store_get_message_store_timestamp(rj_store_t *s, rj_bytes_t topic, int32_t queue_id,
                                             int64_t queue_offset);

/* maxOffset − minOffset of the queue; -1 for an unknown queue. */
int64_t rj_store_get_message_total_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id);

int64_t rj_store_get_min_phy_offset(rj_store_t *s);
int64_t rj_store_get_max_phy_offset(rj_store_t *s);

/* Commit-log bytes written but not yet dispatched. */
int64_t rj_store_dispatch_behind_bytes(rj_store_t *s);

typedef struct {
    int64_t index_last_update_timestamp;
    int64_t index_last_update_phyoffset;
    uint32_t count;
    size_t total_bytes;
    rj_store_view_t *views; /* caller's array */
    uint32_t cap;
} rj_store_query_result_t;

/*
 * QUERY_MESSAGE: records indexed under `topic#key` stored within [begin, end],
 * at most min(max_num, maxMsgsNumBatch, cap), ordered by commit-log offset.
 * Only key hashes are compared: callers re-check the key. Returns 0.
 * Thread: a worker (walks index files).
 */
int rj_store_query_message(rj_store_t *s, rj_bytes_t topic, rj_bytes_t key, int32_t max_num,
                           int64_t begin, int64_t end, rj_store_query_result_t *res);

void rj_store_query_result_release(rj_store_query_result_t *res);

/* ------------------------------------------------------------------ */
/* Administration and statistics                                      */
/* ------------------------------------------------------------------ */

/* DELETE_EXPIRED_COMMITLOG: the next 20 cleanup passes delete expired files. */
void rj_store_execute_delete_files_manually(rj_store_t *s);

/* Deletes the consume queues of a topic (its commit-log records stay). */
void rj_store_delete_topic(rj_store_t *s, rj_bytes_t topic);

/* Delay of a level in ms (1-based), -1 if out of range; and the highest level. */
int64_t rj_store_delay_level_ms(rj_store_t *s, int32_t level);
int32_t rj_store_max_delay_level(rj_store_t *s);

/* Is the append lock held longer than osPageCacheBusyTimeOutMills right now? */
bool rj_store_is_os_pagecache_busy(rj_store_t *s);

/* How long the current holder has held the append lock, ms (0 if free). */
int64_t rj_store_lock_time_ms(rj_store_t *s);

typedef struct {
    uint64_t put_message_times_total;
    uint64_t put_message_size_total;
    uint64_t put_message_failed_times;
    uint64_t get_message_times_total_found;
    uint64_t get_message_times_total_miss;
    uint64_t get_message_transfered_msg_count;
    uint64_t dispatched_messages;
    int64_t commit_log_min_offset;
    int64_t commit_log_max_offset;
    int64_t commit_log_flushed_offset;
    int64_t dispatch_behind_bytes;
    int64_t flush_disk_timeouts;
    double commit_log_disk_ratio; /* used / total of the commit-log partition, 0..1 */
    double consume_queue_disk_ratio;
    int64_t consume_queue_count;
    int64_t index_file_count;
    bool disk_full;
    bool writable;
    int64_t start_time_ms;
} rj_store_stats_t;

void rj_store_get_stats(rj_store_t *s, rj_store_stats_t *out);

#endif
