/*
 * Hash index file: RocketMQ's layout and chain rules. The header and slot table
 * are reserved on disk at creation; the item area is write-faulted ahead of
 * the writer in 1 MiB steps, so a full disk turns into an error return here
 * instead of a SIGBUS on a page of the mapping.
 */
#include "store/index_file.h"

#include "common/endian.h"
#include "common/java_hash.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#define ITEM_PREFAULT_STEP (1u << 20)

void
rj_index_header_decode(const uint8_t *p, rj_index_header_t *h)
{
    h->begin_timestamp = (int64_t)rj_load_be64(p);
    h->end_timestamp = (int64_t)rj_load_be64(p + 8);
    h->begin_phy_offset = (int64_t)rj_load_be64(p + 16);
    h->end_phy_offset = (int64_t)rj_load_be64(p + 24);
    h->hash_slot_count = (int32_t)rj_load_be32(p + 32);
    h->index_count = (int32_t)rj_load_be32(p + 36);
}

void
rj_index_header_encode(const rj_index_header_t *h, uint8_t *p)
{
    rj_store_be64(p, (uint64_t)h->begin_timestamp);
    rj_store_be64(p + 8, (uint64_t)h->end_timestamp);
    rj_store_be64(p + 16, (uint64_t)h->begin_phy_offset);
    rj_store_be64(p + 24, (uint64_t)h->end_phy_offset);
    rj_store_be32(p + 32, (uint32_t)h->hash_slot_count);
    rj_store_be32(p + 36, (uint32_t)h->index_count);
}

void
rj_index_item_decode(const uint8_t *p, rj_index_item_t *it)
{
    it->key_hash = (int32_t)rj_load_be32(p);
    it->phy_offset = (int64_t)rj_load_be64(p + 4);
    it->time_diff = (int32_t)rj_load_be32(p + 12);
    it->prev_index = (int32_t)rj_load_be32(p + 16);
}

void
rj_index_item_encode(const rj_index_item_t *it, uint8_t *p)
{
    rj_store_be32(p, (uint32_t)it->key_hash);
    rj_store_be64(p + 4, (uint64_t)it->phy_offset);
    rj_store_be32(p + 12, (uint32_t)it->time_diff);
    rj_store_be32(p + 16, (uint32_t)it->prev_index);
}

int32_t
rj_index_key_hash(const void *key, size_t len)
{
    int32_t h = rj_java_hash(key, len);
    if (h == INT32_MIN) {
        return 0;
    }
    return h < 0 ? -h : h;
}

size_t
rj_index_file_size(int32_t slots, int32_t nums)
{
    return RJ_INDEX_HEADER_SIZE + (size_t)slots * RJ_INDEX_SLOT_SIZE +
           (size_t)nums * RJ_INDEX_ITEM_SIZE;
}

static size_t
items_base(const rj_index_file_t *f)
{
    return RJ_INDEX_HEADER_SIZE + (size_t)f->slots * RJ_INDEX_SLOT_SIZE;
}

static void
mirror_header(rj_index_file_t *f, const rj_index_header_t *h)
{
    atomic_store(&f->begin_timestamp, h->begin_timestamp);
    atomic_store(&f->end_timestamp, h->end_timestamp);
    atomic_store(&f->begin_phy_offset, h->begin_phy_offset);
    atomic_store(&f->end_phy_offset, h->end_phy_offset);
    atomic_store(&f->hash_slot_count, h->hash_slot_count);
    atomic_store(&f->index_count, h->index_count);
}

static void
write_header(rj_index_file_t *f)
{
    rj_index_header_t h = {
        .begin_timestamp = atomic_load(&f->begin_timestamp),
        .end_timestamp = atomic_load(&f->end_timestamp),
        .begin_phy_offset = atomic_load(&f->begin_phy_offset),
        .end_phy_offset = atomic_load(&f->end_phy_offset),
        .hash_slot_count = atomic_load(&f->hash_slot_count),
        .index_count = atomic_load(&f->index_count),
    };
    rj_index_header_encode(&h, f->mf.base);
}

int
rj_index_file_create(rj_index_file_t *f, const char *path, int32_t slots, int32_t nums,
                     int64_t end_phy_offset, int64_t end_timestamp)
{
    memset(f, 0, sizeof(*f));
    f->mf.fd = -1;
    f->slots = slots;
    f->nums = nums;
    int rc = rj_mapped_file_open(&f->mf, path, rj_index_file_size(slots, nums), 0, 1,
                                 RJ_MF_CREATE | RJ_MF_RANDOM);
    if (rc != 0) {
        return rc;
    }
    /* Header and slots are written at random places: reserve their blocks now. */
    if (fallocate(f->mf.fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)items_base(f)) != 0 &&
        errno != EOPNOTSUPP) {
        rc = -errno;
        rj_log(RJ_LOG_ERROR, rc, "fallocate %s", path);
        rj_mapped_file_destroy(&f->mf, true);
        rj_mapped_file_cleanup(&f->mf);
        return rc;
    }
    rj_index_header_t h = {0};
    if (end_phy_offset > 0) {
        h.begin_phy_offset = h.end_phy_offset = end_phy_offset;
    }
    if (end_timestamp > 0) {
        h.begin_timestamp = h.end_timestamp = end_timestamp;
    }
    h.index_count = 1;
    mirror_header(f, &h);
    write_header(f);
    return 0;
}

int
rj_index_file_load(rj_index_file_t *f, const char *path, int32_t slots, int32_t nums)
{
    memset(f, 0, sizeof(*f));
    f->mf.fd = -1;
    f->slots = slots;
    f->nums = nums;
    int rc = rj_mapped_file_open(&f->mf, path, rj_index_file_size(slots, nums), 0, 1, RJ_MF_RANDOM);
    if (rc != 0) {
        return rc;
    }
    rj_index_header_t h;
    rj_index_header_decode(f->mf.base, &h);
    /* A file created but never written reads as all zeros: count starts at 1. */
    if (h.index_count < 1) {
        h.index_count = 1;
    }
    if (h.index_count > nums) {
        h.index_count = nums;
    }
    mirror_header(f, &h);
    atomic_store(&f->flushed_count, h.index_count);
    f->items_prefaulted = (size_t)h.index_count * RJ_INDEX_ITEM_SIZE;
    return 0;
}

void
rj_index_file_close(rj_index_file_t *f, bool unlink_file)
{
    if (f->mf.base != NULL || rj_mapped_file_is_live(&f->mf)) {
        rj_mapped_file_destroy(&f->mf, unlink_file);
    }
    rj_mapped_file_cleanup(&f->mf);
}

bool
rj_index_file_is_full(const rj_index_file_t *f)
{
    return atomic_load(&f->index_count) >= f->nums || f->write_error;
}

int
rj_index_file_put(rj_index_file_t *f, int32_t key_hash, int64_t phy_offset, int64_t store_timestamp)
{
    int32_t count = atomic_load_explicit(&f->index_count, memory_order_relaxed);
    if (count >= f->nums || f->write_error) {
        return RJ_EFULL;
    }
    size_t item_pos = items_base(f) + (size_t)count * RJ_INDEX_ITEM_SIZE;
    size_t item_rel = (size_t)count * RJ_INDEX_ITEM_SIZE + RJ_INDEX_ITEM_SIZE;
    if (item_rel > f->items_prefaulted) {
        size_t upto = item_rel + ITEM_PREFAULT_STEP;
        size_t from = f->items_prefaulted;
        atomic_store(&f->mf.prefault_pos, (int32_t)(items_base(f) + from));
        int rc = rj_mapped_file_prefault(&f->mf, items_base(f) + upto);
        if (rc != 0) {
            f->write_error = true;
            rj_log(RJ_LOG_ERROR, rc, "index file %s: cannot allocate item pages", f->mf.path);
            return rc;
        }
        f->items_prefaulted = upto;
    }
    int32_t slot = key_hash % f->slots;
    uint8_t *slot_p = f->mf.base + RJ_INDEX_HEADER_SIZE + (size_t)slot * RJ_INDEX_SLOT_SIZE;
    int32_t slot_value = (int32_t)rj_load_be32(slot_p);
    if (slot_value <= 0 || slot_value > count) {
        slot_value = 0;
    }
    int64_t begin_ts = atomic_load(&f->begin_timestamp);
    int64_t diff = (store_timestamp - begin_ts) / 1000;
    if (begin_ts <= 0 || diff < 0) {
        diff = 0;
    } else if (diff > INT32_MAX) {
        diff = INT32_MAX;
    }
    rj_index_item_t it = {key_hash, phy_offset, (int32_t)diff, slot_value};
    rj_index_item_encode(&it, f->mf.base + item_pos);
    rj_store_be32(slot_p, (uint32_t)count);
    if (count <= 1) {
        atomic_store(&f->begin_phy_offset, phy_offset);
        atomic_store(&f->begin_timestamp, store_timestamp);
    }
    if (slot_value == 0) {
        atomic_fetch_add(&f->hash_slot_count, 1);
    }
    atomic_store(&f->end_phy_offset, phy_offset);
    atomic_store(&f->end_timestamp, store_timestamp);
    atomic_store_explicit(&f->index_count, count + 1, memory_order_release);
    write_header(f);
    return 0;
}

bool
rj_index_file_time_matched(const rj_index_file_t *f, int64_t begin, int64_t end)
{
    int64_t b = atomic_load(&f->begin_timestamp), e = atomic_load(&f->end_timestamp);
    return (begin < b && end > e) || (begin >= b && begin <= e) || (end >= b && end <= e);
}

void
rj_index_file_select(const rj_index_file_t *f, int32_t key_hash, int64_t begin, int64_t end,
                     int64_t *out, int *count, int max)
{
    int32_t index_count = atomic_load_explicit(&f->index_count, memory_order_acquire);
    int64_t begin_ts = atomic_load(&f->begin_timestamp);
    int32_t slot = key_hash % f->slots;
    const uint8_t *slot_p = f->mf.base + RJ_INDEX_HEADER_SIZE + (size_t)slot * RJ_INDEX_SLOT_SIZE;
    int32_t next = (int32_t)rj_load_be32(slot_p);
    if (next <= 0 || next > index_count || index_count <= 1) {
        return;
    }
    /* A chain is at most index_count long unless the file is damaged. */
    for (int32_t steps = 0; steps < index_count && *count < max; steps++) {
        rj_index_item_t it;
        rj_index_item_decode(f->mf.base + items_base(f) + (size_t)next * RJ_INDEX_ITEM_SIZE, &it);
        if (it.time_diff < 0) {
            break;
        }
        int64_t t = begin_ts + (int64_t)it.time_diff * 1000;
        if (it.key_hash == key_hash && t >= begin && t <= end) {
            out[(*count)++] = it.phy_offset;
        }
        if (it.prev_index <= 0 || it.prev_index > index_count || it.prev_index == next ||
            t < begin) {
            break;
        }
        next = it.prev_index;
    }
}

int
rj_index_file_flush(rj_index_file_t *f)
{
    /* The writer keeps the mapped header current; a flush only forces pages out. */
    size_t used = items_base(f) + (size_t)atomic_load(&f->index_count) * RJ_INDEX_ITEM_SIZE;
    return rj_mapped_file_sync_range(&f->mf, 0, used);
}
