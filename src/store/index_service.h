/*
 * The index/ directory: a list of index files, oldest first, each named by its
 * creation time (yyyyMMddHHmmssSSS). The dispatcher adds `topic#key` entries
 * to the last file (a new one when it fills); queries walk the files newest to
 * oldest under the read lock; cleanup deletes old files under the write lock.
 */
#ifndef RJ_STORE_INDEX_SERVICE_H
#define RJ_STORE_INDEX_SERVICE_H

#include "common/buf.h"
#include "common/bytes.h"
#include "store/index_file.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char *dir;
    int32_t slots;
    int32_t nums;
    pthread_rwlock_t lock;
    rj_index_file_t **files;
    size_t count;
    size_t cap;
    rj_buf_t key;                           /* dispatcher's key builder */
    bool error;                             /* a file could not be created: indexing paused */
    _Atomic int64_t full_flushed_timestamp; /* end time of the last full file flushed */
} rj_index_service_t;

int rj_index_service_init(rj_index_service_t *s, const char *dir, int32_t slots, int32_t nums);
void rj_index_service_cleanup(rj_index_service_t *s);

/* Maps the existing files. Files with a wrong size are skipped with an error log. */
int rj_index_service_load(rj_index_service_t *s);

/*
 * Recovery: deletes the files that index records at or past `cl_max_offset`
 * (the recovered end of the commit log). Returns the commit-log offset from
 * which the index must be rebuilt (the first deleted file's begin offset), or
 * -1 when nothing was deleted.
 */
int64_t rj_index_service_truncate(rj_index_service_t *s, int64_t cl_max_offset);

/* Commit-log offset of the last indexed record, or -1 when no file exists. */
int64_t rj_index_service_end_phy_offset(rj_index_service_t *s);

/*
 * Dispatcher: indexes a record (UNIQ_KEY, then every non-empty KEYS token, as
 * `topic#key`). Records at or before the last indexed offset are skipped.
 * Returns 0 or a negative status (no file could be created).
 */
int rj_index_service_build(rj_index_service_t *s, rj_bytes_t topic, int64_t phy_offset,
                           int64_t store_timestamp, rj_bytes_t uniq_key, rj_bytes_t keys);

/*
 * Offsets of records indexed under `topic#key` stored within [begin, end],
 * newest file first, at most `max`. Also the end time and offset of the newest
 * file. Returns the number of offsets.
 */
int rj_index_service_query(rj_index_service_t *s, rj_bytes_t topic, rj_bytes_t key, int max,
                           int64_t begin, int64_t end, int64_t *out, int64_t *last_update_ts,
                           int64_t *last_update_phy);

/* Deletes files (never the last) whose last indexed record is below `cl_min_offset`. */
int rj_index_service_delete_expired(rj_index_service_t *s, int64_t cl_min_offset);

/*
 * Flushes files that gained items since their last flush: full files always,
 * the current one only with `current_too`. Thread: the service thread (the
 * dispatcher never waits for an index msync).
 */
void rj_index_service_flush(rj_index_service_t *s, bool current_too);

/* Flushes every file (shutdown). */
void rj_index_service_flush_all(rj_index_service_t *s);

/* Deletes every index file. */
void rj_index_service_destroy_all(rj_index_service_t *s);

#endif
