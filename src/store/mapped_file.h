/*
 * One memory-mapped store file (commit-log segment, consume-queue segment,
 * index file), reference counted so that a reader - a pull response waiting
 * for its writev, the dispatcher, a query - keeps the mapping valid while the
 * cleanup deletes the file.
 *
 * The reference word packs, in one atomic 64-bit value, the identity of the
 * file (gen = segment index + 1), a LIVE bit (still part of its queue), a FREE
 * bit (unmapped, the struct may be reused) and the count. A reader that found
 * the struct through a lock-free table calls rj_mapped_file_try_retain() with
 * the identity it expects: if the struct was destroyed or reused meanwhile,
 * the compare-and-swap fails instead of retaining the wrong file. Structs are
 * never freed while their queue lives (see mapped_file_queue.h), only unmapped.
 *
 * Positions (wrote, flushed, prefaulted) are atomics: one writer thread
 * updates them with release stores after writing the bytes, readers load them
 * with acquire and may read everything below.
 */
#ifndef RJ_STORE_MAPPED_FILE_H
#define RJ_STORE_MAPPED_FILE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RJ_OS_PAGE_SIZE 4096

enum {
    RJ_MF_FALLOCATE = 1u << 0, /* reserve the whole file's blocks at creation */
    RJ_MF_CREATE = 1u << 1,    /* create the file (fails if it exists with another size) */
    /*
     * Written and read at scattered places (consume queues, index): no
     * read-ahead (MADV_RANDOM), so a fault maps one page instead of zeroing
     * a large folio of up to 2 MiB on the dispatcher's time.
     */
    RJ_MF_RANDOM = 1u << 2,
    /*
     * Pre-fault page by page, so the page cache holds 4 KiB folios: a flush
     * of a partly written region then writes 4 KiB back, not a large folio of
     * up to 2 MiB (for files flushed at every group commit: SYNC_FLUSH).
     */
    RJ_MF_SMALL_FOLIOS = 1u << 3,
};

typedef struct rj_mapped_file rj_mapped_file_t;

struct rj_mapped_file {
    uint8_t *base;
    size_t size;
    int64_t from_offset; /* offset of byte 0 within its queue */
    int fd;
    char *path;
    _Atomic uint64_t ref;
    _Atomic int32_t wrote_pos;
    _Atomic int32_t flushed_pos;
    _Atomic int32_t prefault_pos;    /* bytes from 0 known to be write-faulted (commit log) */
    _Atomic int64_t store_timestamp; /* store time of the last record appended */
    bool first_create_in_queue;
    bool small_folios;           /* RJ_MF_SMALL_FOLIOS */
    rj_mapped_file_t *all_next;  /* every struct of a queue, for freeing at close */
    pthread_mutex_t prefault_mu; /* one prefaulter at a time (writer or allocator) */
    bool prefault_mu_ready;
};

/*
 * Opens (or with RJ_MF_CREATE creates) `path` of exactly `size` bytes and maps
 * it shared read-write. The file starts LIVE with one reference (the queue's)
 * and identity `gen`. wrote/flushed positions start at 0. An existing file
 * of another size is RJ_ECORRUPT (for RJ_MF_CREATE as well).
 * Thread: any; this does file I/O (never on an I/O thread).
 */
int rj_mapped_file_open(rj_mapped_file_t *mf, const char *path, size_t size, int64_t from_offset,
                        uint64_t gen, unsigned flags);

/* Identity a file was opened with. */
uint64_t rj_mapped_file_gen(const rj_mapped_file_t *mf);

/* True when the struct is unmapped and may be reopened. */
bool rj_mapped_file_is_free(const rj_mapped_file_t *mf);

/* True while the file belongs to its queue (not destroyed). */
bool rj_mapped_file_is_live(const rj_mapped_file_t *mf);

/* Another reference for a holder of one. */
void rj_mapped_file_retain(rj_mapped_file_t *mf);

/* A reference if the struct is LIVE with identity `gen`; false otherwise. */
bool rj_mapped_file_try_retain(rj_mapped_file_t *mf, uint64_t gen);

/* Drops a reference; the last one of a destroyed file unmaps and closes it. */
void rj_mapped_file_release(rj_mapped_file_t *mf);

/*
 * Removes the file from its queue: clears LIVE, unlinks the path when `unlink_file`,
 * and drops the queue's reference. Readers holding references keep the mapping.
 */
void rj_mapped_file_destroy(rj_mapped_file_t *mf, bool unlink_file);

/* Frees the path of a FREE struct (at queue close). */
void rj_mapped_file_cleanup(rj_mapped_file_t *mf);

static inline int32_t
rj_mapped_file_wrote(const rj_mapped_file_t *mf)
{
    return atomic_load_explicit(&mf->wrote_pos, memory_order_acquire);
}

static inline void
rj_mapped_file_set_wrote(rj_mapped_file_t *mf, int32_t pos)
{
    atomic_store_explicit(&mf->wrote_pos, pos, memory_order_release);
}

static inline bool
rj_mapped_file_is_full(const rj_mapped_file_t *mf)
{
    return (size_t)rj_mapped_file_wrote(mf) == mf->size;
}

/*
 * Flushes written bytes to disk when at least `least_pages` dirty pages
 * accumulated (0: anything unflushed; a full file always). Returns the flushed
 * position, or a negative errno when msync failed (position unchanged).
 */
int rj_mapped_file_flush(rj_mapped_file_t *mf, int least_pages);

/* The same, flushing no further than position `limit`. */
int rj_mapped_file_flush_upto(rj_mapped_file_t *mf, int least_pages, int32_t limit);

/* Forces bytes [from, to) to disk regardless of positions (checkpoint, index). */
int rj_mapped_file_sync_range(rj_mapped_file_t *mf, size_t from, size_t to);

/*
 * Prepares bytes [prefault_pos, upto) ahead of the writer so appends never take
 * a page fault: writes zeros there with pwrite (which reserves the blocks and
 * puts uptodate pages in the page cache, far cheaper than faulting holes in),
 * then write-faults them into the mapping, and advances prefault_pos.
 * Invariant: the writer only writes below prefault_pos, and nothing below it is
 * ever overwritten here. Serialised per file. Returns 0 or a negative errno
 * (ENOSPC when the file system has no room for those pages).
 */
int rj_mapped_file_prefault(rj_mapped_file_t *mf, size_t upto);

/*
 * Zeroes bytes [from, size): the rest of the page by hand, whole pages by
 * punching a hole (falling back to writing zeros). Used when recovery truncates,
 * so stale records past the new end can never be mistaken for data later.
 */
int rj_mapped_file_zero_tail(rj_mapped_file_t *mf, size_t from);

/* Modification time of the file in ms (cleanup's age), or -1. */
int64_t rj_mapped_file_mtime_ms(const rj_mapped_file_t *mf);

/* Base name ("00000000001073741824") of the file's path. */
const char *rj_mapped_file_name(const rj_mapped_file_t *mf);

/* Formats the 20-digit zero-padded name of `offset`. `out` needs 21 bytes. */
void rj_mapped_file_offset_name(int64_t offset, char *out);

#endif
