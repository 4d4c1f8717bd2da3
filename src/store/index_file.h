/*
 * One hash index file (store.md §4): a 40-byte header, `slots` int32 hash
 * slots, then `nums` 20-byte items; item 0 is never used. An item links to the
 * previous item of its slot, so a slot heads a chain newest → oldest.
 *
 * Writer: the dispatcher alone (rj_index_file_put). Readers (queries) may run
 * at the same time; the item count is published with release after the item
 * and slot are written, and readers treat slot values beyond it as empty.
 */
#ifndef RJ_STORE_INDEX_FILE_H
#define RJ_STORE_INDEX_FILE_H

#include "store/mapped_file.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RJ_INDEX_HEADER_SIZE 40
#define RJ_INDEX_SLOT_SIZE 4
#define RJ_INDEX_ITEM_SIZE 20

typedef struct {
    int64_t begin_timestamp;
    int64_t end_timestamp;
    int64_t begin_phy_offset;
    int64_t end_phy_offset;
    int32_t hash_slot_count;
    int32_t index_count;
} rj_index_header_t;

typedef struct {
    int32_t key_hash;
    int64_t phy_offset;
    int32_t time_diff;
    int32_t prev_index;
} rj_index_item_t;

void rj_index_header_decode(const uint8_t *p, rj_index_header_t *h);
void rj_index_header_encode(const rj_index_header_t *h, uint8_t *p);
void rj_index_item_decode(const uint8_t *p, rj_index_item_t *it);
void rj_index_item_encode(const rj_index_item_t *it, uint8_t *p);

/* abs(javaHash(key)), Integer.MIN_VALUE → 0 (IndexFile.indexKeyHashMethod). */
int32_t rj_index_key_hash(const void *key, size_t len);

/* File size for the geometry: 40 + slots·4 + nums·20. */
size_t rj_index_file_size(int32_t slots, int32_t nums);

typedef struct {
    rj_mapped_file_t mf;
    int32_t slots;
    int32_t nums;
    /* Header mirror; the mapped header is updated with it. */
    _Atomic int64_t begin_timestamp;
    _Atomic int64_t end_timestamp;
    _Atomic int64_t begin_phy_offset;
    _Atomic int64_t end_phy_offset;
    _Atomic int32_t hash_slot_count;
    _Atomic int32_t index_count;
    size_t items_prefaulted;       /* bytes of the item area write-faulted */
    _Atomic int32_t flushed_count; /* index_count at the last flush (flushing thread) */
    bool write_error;              /* the file system refused pages: stop writing here */
} rj_index_file_t;

/*
 * Creates a new index file at `path`. A file that follows a full one starts
 * with that file's end offset and timestamp (RocketMQ's behaviour). Returns 0
 * or a negative status.
 */
int rj_index_file_create(rj_index_file_t *f, const char *path, int32_t slots, int32_t nums,
                         int64_t end_phy_offset, int64_t end_timestamp);

/* Maps an existing file; its size must match the geometry (else RJ_ECORRUPT). */
int rj_index_file_load(rj_index_file_t *f, const char *path, int32_t slots, int32_t nums);

/* Unmaps; deletes the file too when `unlink_file`. */
void rj_index_file_close(rj_index_file_t *f, bool unlink_file);

bool rj_index_file_is_full(const rj_index_file_t *f);

/*
 * Adds `key_hash` → `phy_offset` stored at `store_timestamp`. Returns 0, RJ_EFULL
 * when the file holds `nums` items, or a negative errno when the pages for the
 * item cannot be allocated (disk full).
 */
int rj_index_file_put(rj_index_file_t *f, int32_t key_hash, int64_t phy_offset,
                      int64_t store_timestamp);

/* RocketMQ's isTimeMatched: the file's [begin, end] time range meets [begin, end]. */
bool rj_index_file_time_matched(const rj_index_file_t *f, int64_t begin, int64_t end);

/*
 * Walks the chain of `key_hash`, appending offsets of items whose hash matches
 * and whose time is within [begin, end] to out[*count..max) (stops at max).
 */
void rj_index_file_select(const rj_index_file_t *f, int32_t key_hash, int64_t begin, int64_t end,
                          int64_t *out, int *count, int max);

/* Forces the header and written items to disk. */
int rj_index_file_flush(rj_index_file_t *f);

#endif
