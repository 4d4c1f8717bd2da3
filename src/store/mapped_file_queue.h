/*
 * A directory of equally sized mapped files forming one address space: the
 * commit log (segments named by their 20-digit start offset), or one consume
 * queue. File n covers [n·size, (n+1)·size).
 *
 * Lookups are lock-free: a ring of struct pointers indexed by file number,
 * replaced (never modified in place) when it must grow; the identity check of
 * rj_mapped_file_try_retain() rejects a struct that was destroyed or reused.
 * Adding and removing take the queue's mutex (writers only: the appender or
 * dispatcher adds at the end, the cleanup removes at the front). Flushes are
 * serialised by a mutex of their own, so an msync that waits for the disk
 * never holds up the writer adding the next file.
 */
#ifndef RJ_STORE_MAPPED_FILE_QUEUE_H
#define RJ_STORE_MAPPED_FILE_QUEUE_H

#include "store/mapped_file.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rj_mf_ring rj_mf_ring_t;

typedef struct {
    char *dir;
    size_t file_size;
    unsigned file_flags; /* RJ_MF_FALLOCATE (files created here), RJ_MF_RANDOM, SMALL_FOLIOS */
    _Atomic(rj_mf_ring_t *) ring;
    _Atomic int64_t first_idx; /* number of the first file; first > last when empty */
    _Atomic int64_t last_idx;
    pthread_mutex_t lock;
    pthread_mutex_t flush_lock; /* one flusher at a time (taken before `lock`, never after) */
    rj_mapped_file_t *all;      /* every struct ever used, freed at cleanup */
    rj_mf_ring_t *retired;      /* replaced rings, freed at cleanup */
    _Atomic int64_t flushed_where;
    _Atomic int64_t flushed_timestamp; /* store time of the last record known flushed */
} rj_mapped_file_queue_t;

/* Sets up an empty queue for `dir` (created on first file). Returns 0 or RJ_ENOMEM. */
int rj_mfq_init(rj_mapped_file_queue_t *q, const char *dir, size_t file_size, unsigned file_flags);

/* Unmaps every file (files stay on disk) and frees the queue's memory. */
void rj_mfq_cleanup(rj_mapped_file_queue_t *q);

/*
 * Maps the files found in the directory, in name order. Every file must have
 * the configured size and a name equal to its offset, and the names must be
 * consecutive; otherwise RJ_ECORRUPT naming the file. Loaded files are marked
 * fully written and flushed (recovery then sets the real end).
 */
int rj_mfq_load(rj_mapped_file_queue_t *q);

/* The file holding `offset`, retained, or NULL. Thread: any. */
rj_mapped_file_t *rj_mfq_lookup(rj_mapped_file_queue_t *q, int64_t offset);

/* File number `idx`, retained, or NULL. */
rj_mapped_file_t *rj_mfq_get(rj_mapped_file_queue_t *q, int64_t idx);

/* First / last file, retained, or NULL when empty. */
rj_mapped_file_t *rj_mfq_first(rj_mapped_file_queue_t *q);
rj_mapped_file_t *rj_mfq_last(rj_mapped_file_queue_t *q);

static inline int64_t
rj_mfq_first_idx(rj_mapped_file_queue_t *q)
{
    return atomic_load_explicit(&q->first_idx, memory_order_acquire);
}

static inline int64_t
rj_mfq_last_idx(rj_mapped_file_queue_t *q)
{
    return atomic_load_explicit(&q->last_idx, memory_order_acquire);
}

static inline bool
rj_mfq_is_empty(rj_mapped_file_queue_t *q)
{
    return rj_mfq_first_idx(q) > rj_mfq_last_idx(q);
}

/* Number of files. */
int64_t rj_mfq_count(rj_mapped_file_queue_t *q);

/* Start of the first file, or -1 when empty. */
int64_t rj_mfq_min_offset(rj_mapped_file_queue_t *q);

/* End of the written bytes (last file start + its write position), 0 when empty. */
int64_t rj_mfq_max_offset(rj_mapped_file_queue_t *q);

/*
 * Creates the file starting at `from_offset` on disk and maps it, without adding
 * it to the queue (the allocator prepares the next segment this way). The file
 * is returned with the queue's reference. Returns 0 or a negative status.
 */
int rj_mfq_prepare_file(rj_mapped_file_queue_t *q, int64_t from_offset, rj_mapped_file_t **out);

/*
 * Appends a prepared file as the new last file; it must start where the queue
 * ends (or anywhere when the queue is empty). Returns 0 or RJ_EINVAL.
 */
int rj_mfq_append_file(rj_mapped_file_queue_t *q, rj_mapped_file_t *mf);

/* Destroys a prepared file that was never appended (the file is deleted). */
void rj_mfq_discard_prepared(rj_mapped_file_queue_t *q, rj_mapped_file_t *mf);

/*
 * The last file if it has room, else a new file appended after it (or at the
 * file containing `start_offset` when empty). Returned retained; NULL on error
 * with *err set. Thread: the queue's single writer.
 */
rj_mapped_file_t *rj_mfq_last_or_create(rj_mapped_file_queue_t *q, int64_t start_offset, int *err);

/* Removes the first file (deleting it). Returns false when the queue has one file or none. */
bool rj_mfq_remove_first(rj_mapped_file_queue_t *q);

/* Removes the last file (deleting it). */
void rj_mfq_remove_last(rj_mapped_file_queue_t *q);

/*
 * Recovery: makes `offset` the end of the queue. The file holding it gets that
 * write/flush position; files after it are deleted. The rest of that file is
 * zeroed when `force_zero` or when stale bytes follow the new end, so that old
 * data can never be read back as new after a later crash.
 */
void rj_mfq_truncate(rj_mapped_file_queue_t *q, int64_t offset, bool force_zero);

/* Deletes every file and resets the queue to empty. */
void rj_mfq_destroy_all(rj_mapped_file_queue_t *q);

/*
 * Flushes written data from flushed_where on, crossing into following files as
 * they fill: files need `least_pages` dirty pages (0 = any). Returns 0 when
 * flushed_where moved or nothing was due, or a negative errno when msync failed.
 */
int rj_mfq_flush(rj_mapped_file_queue_t *q, int least_pages);

/* The same, flushing no further than offset `limit`. */
int rj_mfq_flush_upto(rj_mapped_file_queue_t *q, int least_pages, int64_t limit);

static inline int64_t
rj_mfq_flushed_where(rj_mapped_file_queue_t *q)
{
    return atomic_load_explicit(&q->flushed_where, memory_order_acquire);
}

#endif
