/*
 * Consume queue: 20-byte units written by the dispatcher, read lock-free.
 * Files are sparse; pages are write-faulted (their space reserved) ahead of
 * the writer, so a full disk shows up as an error return.
 *
 * A unit is written offset and tagsCode first and its size last, with a
 * 4-byte aligned store (units sit at multiples of 20, the size at +8), then
 * the file's write position is published. A process killed mid-unit therefore
 * leaves size 0, which recovery treats as the end of the queue.
 */
#include "store/consume_queue.h"

#include "common/alloc.h"
#include "common/endian.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Unit pages are write-faulted (space reserved) this far ahead of the writer. */
#define PREFAULT_AHEAD (64u << 10)
/* Largest gap (in files) the dispatcher fills with blank units. */
#define MAX_GAP_FILES 16

void
rj_cq_unit_decode(const uint8_t *p, rj_cq_unit_t *u)
{
    u->phy_offset = (int64_t)rj_load_be64(p);
    u->size = (int32_t)rj_load_be32(p + 8);
    u->tags_code = (int64_t)rj_load_be64(p + 12);
}

void
rj_cq_unit_encode(const rj_cq_unit_t *u, uint8_t *p)
{
    rj_store_be64(p, (uint64_t)u->phy_offset);
    rj_store_be32(p + 8, (uint32_t)u->size);
    rj_store_be64(p + 12, (uint64_t)u->tags_code);
}

int
rj_consume_queue_init(rj_consume_queue_t *cq, const char *cq_root, const char *topic,
                      size_t topic_len, int32_t queue_id, size_t file_size)
{
    char dir[PATH_MAX];
    memset(cq, 0, sizeof(*cq));
    if (snprintf(dir, sizeof(dir), "%s/%.*s/%d", cq_root, (int)topic_len, topic, queue_id) >=
        (int)sizeof(dir)) {
        return RJ_EINVAL;
    }
    cq->topic = rj_strndup(topic, topic_len);
    if (cq->topic == NULL) {
        return RJ_ENOMEM;
    }
    cq->topic_len = topic_len;
    cq->queue_id = queue_id;
    cq->max_physic_offset = -1;
    atomic_init(&cq->min_logic_offset, 0);
    int rc = rj_mfq_init(&cq->files, dir, file_size, RJ_MF_RANDOM);
    if (rc != 0) {
        rj_free(cq->topic);
        cq->topic = NULL;
    }
    return rc;
}

void
rj_consume_queue_cleanup(rj_consume_queue_t *cq)
{
    rj_mfq_cleanup(&cq->files);
    rj_free(cq->topic);
    cq->topic = NULL;
}

int
rj_consume_queue_load(rj_consume_queue_t *cq)
{
    /* Extend short files first: the generic loader insists on the exact size. */
    DIR *d = opendir(cq->files.dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strlen(e->d_name) != 20 || strspn(e->d_name, "0123456789") != 20) {
                continue;
            }
            char path[PATH_MAX];
            struct stat st;
            snprintf(path, sizeof(path), "%s/%s", cq->files.dir, e->d_name);
            if (stat(path, &st) != 0 || (size_t)st.st_size >= cq->files.file_size) {
                continue;
            }
            /* Whole units only: a partial unit at the cut is dropped too. */
            off_t keep = st.st_size - st.st_size % RJ_CQ_UNIT_SIZE;
            if (truncate(path, keep) != 0 || truncate(path, (off_t)cq->files.file_size) != 0) {
                int rc = -errno;
                rj_log(RJ_LOG_ERROR, rc, "extend truncated consume queue file %s", path);
                closedir(d);
                return rc;
            }
            cq->damaged = true;
            rj_log(RJ_LOG_WARN, 0,
                   "consume queue file %s was truncated to %lld bytes: extended with zeros, "
                   "missing units will be rebuilt from the commit log",
                   path, (long long)st.st_size);
        }
        closedir(d);
    }
    return rj_mfq_load(&cq->files);
}

int64_t
rj_consume_queue_max_offset(rj_consume_queue_t *cq)
{
    return rj_mfq_max_offset(&cq->files) / RJ_CQ_UNIT_SIZE;
}

int64_t
rj_consume_queue_recover(rj_consume_queue_t *cq)
{
    rj_mapped_file_queue_t *q = &cq->files;
    if (rj_mfq_is_empty(q)) {
        return 0;
    }
    int64_t idx = rj_mfq_last_idx(q) - 2;
    if (idx < rj_mfq_first_idx(q)) {
        idx = rj_mfq_first_idx(q);
    }
    int64_t process = idx * (int64_t)q->file_size;
    int64_t prev_end = -1;
    int64_t max_phy = -1;
    bool stop = false, invalid = false;
    rj_cq_unit_t bad = {0, 0, 0};
    for (; !stop && idx <= rj_mfq_last_idx(q); idx++) {
        rj_mapped_file_t *mf = rj_mfq_get(q, idx);
        if (mf == NULL) {
            break;
        }
        size_t i;
        for (i = 0; i + RJ_CQ_UNIT_SIZE <= mf->size; i += RJ_CQ_UNIT_SIZE) {
            rj_cq_unit_t u;
            rj_cq_unit_decode(mf->base + i, &u);
            bool ok = u.phy_offset >= 0 && u.size > 0;
            if (ok && !rj_cq_unit_is_blank(&u)) {
                /* Units follow the commit log: each record starts after the previous ends. */
                ok = u.phy_offset >= prev_end && u.phy_offset <= INT64_MAX - u.size;
                if (ok) {
                    prev_end = u.phy_offset + u.size;
                    max_phy = prev_end;
                }
            }
            if (!ok) {
                invalid = u.phy_offset != 0 || u.size != 0 || u.tags_code != 0;
                bad = u;
                stop = true;
                break;
            }
        }
        process = mf->from_offset + (int64_t)i;
        rj_mapped_file_release(mf);
    }
    if (invalid) {
        rj_log(RJ_LOG_WARN, 0,
               "consume queue %s-%d: invalid unit at offset %lld (phy %lld size %d) ends the "
               "queue",
               cq->topic, cq->queue_id, (long long)(process / RJ_CQ_UNIT_SIZE),
               (long long)bad.phy_offset, bad.size);
    }
    rj_mfq_truncate(q, process, invalid);
    cq->max_physic_offset = max_phy;
    if (process < atomic_load(&cq->min_logic_offset)) {
        atomic_store(&cq->min_logic_offset, process);
    }
    return invalid ? 1 : 0;
}

int64_t
rj_consume_queue_last_record_end(rj_consume_queue_t *cq)
{
    int64_t end = rj_mfq_max_offset(&cq->files);
    if (end == 0 || end <= rj_mfq_min_offset(&cq->files)) {
        return -1;
    }
    rj_cq_unit_t u;
    if (rj_consume_queue_unit_at(cq, end / RJ_CQ_UNIT_SIZE - 1, &u) != 0 ||
        rj_cq_unit_is_blank(&u) || u.size <= 0) {
        return -1;
    }
    return u.phy_offset + u.size;
}

int64_t
rj_consume_queue_truncate_phy(rj_consume_queue_t *cq, int64_t phy_offset)
{
    rj_mapped_file_queue_t *q = &cq->files;
    int64_t end = rj_mfq_max_offset(q);
    int64_t begin = rj_mfq_min_offset(q);
    if (begin < 0) {
        return 0;
    }
    /* Binary search for the first unit whose record ends after phy_offset. */
    int64_t lo = begin / RJ_CQ_UNIT_SIZE, hi = end / RJ_CQ_UNIT_SIZE;
    int64_t first_bad = hi;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        rj_cq_unit_t u;
        if (rj_consume_queue_unit_at(cq, mid, &u) != 0) {
            break;
        }
        bool bad = !rj_cq_unit_is_blank(&u) && u.phy_offset + u.size > phy_offset;
        if (bad) {
            first_bad = mid;
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    int64_t dropped = end / RJ_CQ_UNIT_SIZE - first_bad;
    if (dropped <= 0) {
        return 0;
    }
    rj_mfq_truncate(q, first_bad * RJ_CQ_UNIT_SIZE, true);
    cq->max_physic_offset = rj_consume_queue_last_record_end(cq);
    if (first_bad * RJ_CQ_UNIT_SIZE < atomic_load(&cq->min_logic_offset)) {
        atomic_store(&cq->min_logic_offset, first_bad * RJ_CQ_UNIT_SIZE);
    }
    rj_log(RJ_LOG_WARN, 0,
           "consume queue %s-%d: dropped %lld units pointing at or past commit log offset %lld",
           cq->topic, cq->queue_id, (long long)dropped, (long long)phy_offset);
    return dropped;
}

static int
write_unit(rj_consume_queue_t *cq, int64_t logic_offset, const rj_cq_unit_t *u)
{
    int err;
    rj_mapped_file_t *mf = rj_mfq_last_or_create(&cq->files, logic_offset, &err);
    if (mf == NULL) {
        return err;
    }
    int32_t pos = rj_mapped_file_wrote(mf);
    if ((size_t)pos + RJ_CQ_UNIT_SIZE > mf->size) {
        rj_mapped_file_release(mf);
        return RJ_EFULL;
    }
    if (pos + RJ_CQ_UNIT_SIZE > atomic_load_explicit(&mf->prefault_pos, memory_order_relaxed)) {
        /* Reserve the pages before touching them: a full disk is an error here, not a
         * SIGBUS in the store below. */
        int rc = rj_mapped_file_prefault(mf, (size_t)pos + PREFAULT_AHEAD);
        if (rc != 0) {
            rj_mapped_file_release(mf);
            return rc;
        }
    }
    uint8_t *p = mf->base + pos;
    rj_store_be64(p, (uint64_t)u->phy_offset);
    rj_store_be64(p + 12, (uint64_t)u->tags_code);
    __atomic_store_n((uint32_t *)(void *)(p + 8), __builtin_bswap32((uint32_t)u->size),
                     __ATOMIC_RELEASE);
    rj_mapped_file_set_wrote(mf, pos + RJ_CQ_UNIT_SIZE);
    rj_mapped_file_release(mf);
    return 0;
}

int
rj_consume_queue_put(rj_consume_queue_t *cq, int64_t phy_offset, int32_t size, int64_t tags_code,
                     int64_t cq_offset)
{
    if (cq_offset < 0 || cq_offset > INT64_MAX / (2 * RJ_CQ_UNIT_SIZE) || size <= 0 ||
        phy_offset < 0) {
        rj_log_ratelimited(1000, RJ_LOG_ERROR, 0,
                           "consume queue %s-%d: record at %lld has an invalid queue offset %lld "
                           "or size %d; unit not written",
                           cq->topic, cq->queue_id, (long long)phy_offset, (long long)cq_offset,
                           size);
        return RJ_ECORRUPT;
    }
    if (phy_offset + size <= cq->max_physic_offset) {
        return 0;
    }
    rj_mapped_file_queue_t *q = &cq->files;
    int64_t expect = cq_offset * RJ_CQ_UNIT_SIZE;
    int64_t units_per_file = (int64_t)q->file_size / RJ_CQ_UNIT_SIZE;
    int rc;
    if (rj_mfq_is_empty(q)) {
        if (cq_offset != 0) {
            /* A queue that starts late: pad its first file up to the unit. */
            int64_t file_start = expect - expect % (int64_t)q->file_size;
            rj_cq_unit_t blank = {0, RJ_CQ_BLANK_SIZE, 0};
            atomic_store(&cq->min_logic_offset, expect);
            atomic_store(&q->flushed_where, file_start);
            for (int64_t at = file_start; at < expect; at += RJ_CQ_UNIT_SIZE) {
                if ((rc = write_unit(cq, at, &blank)) != 0) {
                    return rc;
                }
            }
            rj_log(RJ_LOG_INFO, 0, "consume queue %s-%d starts at offset %lld", cq->topic,
                   cq->queue_id, (long long)cq_offset);
        }
    } else {
        int64_t current = rj_mfq_max_offset(q);
        if (expect < current) {
            rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                               "consume queue %s-%d: unit %lld already written (end %lld)",
                               cq->topic, cq->queue_id, (long long)cq_offset,
                               (long long)(current / RJ_CQ_UNIT_SIZE));
            return 0;
        }
        if (expect > current) {
            int64_t gap = (expect - current) / RJ_CQ_UNIT_SIZE;
            if (gap > MAX_GAP_FILES * units_per_file) {
                rj_log(RJ_LOG_ERROR, 0,
                       "consume queue %s-%d: record at %lld has queue offset %lld, far past the "
                       "end %lld; unit not written",
                       cq->topic, cq->queue_id, (long long)phy_offset, (long long)cq_offset,
                       (long long)(current / RJ_CQ_UNIT_SIZE));
                return RJ_ECORRUPT;
            }
            rj_log(RJ_LOG_WARN, 0,
                   "consume queue %s-%d: %lld missing units before offset %lld filled blank",
                   cq->topic, cq->queue_id, (long long)gap, (long long)cq_offset);
            rj_cq_unit_t blank = {0, RJ_CQ_BLANK_SIZE, 0};
            for (int64_t at = current; at < expect; at += RJ_CQ_UNIT_SIZE) {
                if ((rc = write_unit(cq, at, &blank)) != 0) {
                    return rc;
                }
            }
        }
    }
    rj_cq_unit_t u = {phy_offset, size, tags_code};
    rc = write_unit(cq, expect, &u);
    if (rc == 0) {
        cq->max_physic_offset = phy_offset + size;
    }
    return rc;
}

int
rj_consume_queue_units(rj_consume_queue_t *cq, int64_t index, const uint8_t **units, int32_t *count,
                       rj_mapped_file_t **mf_out)
{
    int64_t offset = index * RJ_CQ_UNIT_SIZE;
    if (index < 0 || offset < atomic_load_explicit(&cq->min_logic_offset, memory_order_acquire)) {
        return RJ_ENOTFOUND;
    }
    rj_mapped_file_t *mf = rj_mfq_lookup(&cq->files, offset);
    if (mf == NULL) {
        return RJ_ENOTFOUND;
    }
    int32_t pos = (int32_t)(offset - mf->from_offset);
    int32_t wrote = rj_mapped_file_wrote(mf);
    if (pos >= wrote) {
        rj_mapped_file_release(mf);
        return RJ_ENOTFOUND;
    }
    *units = mf->base + pos;
    *count = (wrote - pos) / RJ_CQ_UNIT_SIZE;
    *mf_out = mf;
    return 0;
}

int
rj_consume_queue_unit_at(rj_consume_queue_t *cq, int64_t index, rj_cq_unit_t *out)
{
    int64_t offset = index * RJ_CQ_UNIT_SIZE;
    /* Below the logical minimum is still readable for recovery and cleanup. */
    rj_mapped_file_t *mf = rj_mfq_lookup(&cq->files, offset);
    if (mf == NULL) {
        return RJ_ENOTFOUND;
    }
    int32_t pos = (int32_t)(offset - mf->from_offset);
    int rc = RJ_ENOTFOUND;
    if (pos + RJ_CQ_UNIT_SIZE <= rj_mapped_file_wrote(mf)) {
        rj_cq_unit_decode(mf->base + pos, out);
        rc = 0;
    }
    rj_mapped_file_release(mf);
    return rc;
}

void
rj_consume_queue_correct_min_offset(rj_consume_queue_t *cq, int64_t cl_min_offset)
{
    rj_mapped_file_t *mf = rj_mfq_first(&cq->files);
    if (mf == NULL) {
        return;
    }
    int32_t wrote = rj_mapped_file_wrote(mf);
    bool found = false;
    for (int32_t i = 0; i + RJ_CQ_UNIT_SIZE <= wrote; i += RJ_CQ_UNIT_SIZE) {
        rj_cq_unit_t u;
        rj_cq_unit_decode(mf->base + i, &u);
        if (!rj_cq_unit_is_blank(&u) && u.phy_offset >= cl_min_offset) {
            int64_t min = mf->from_offset + i;
            if (min != atomic_load(&cq->min_logic_offset)) {
                atomic_store_explicit(&cq->min_logic_offset, min, memory_order_release);
                rj_log(RJ_LOG_INFO, 0, "consume queue %s-%d: min offset %lld", cq->topic,
                       cq->queue_id, (long long)(min / RJ_CQ_UNIT_SIZE));
            }
            found = true;
            break;
        }
    }
    bool last = mf->from_offset / (int64_t)cq->files.file_size == rj_mfq_last_idx(&cq->files);
    if (!found && last && wrote > 0) {
        /* Every message of the queue is gone with the commit log: empty at its end. */
        int64_t min = mf->from_offset + wrote;
        if (min > atomic_load(&cq->min_logic_offset)) {
            atomic_store_explicit(&cq->min_logic_offset, min, memory_order_release);
        }
    }
    rj_mapped_file_release(mf);
}

int
rj_consume_queue_delete_expired(rj_consume_queue_t *cq, int64_t cl_min_offset)
{
    int deleted = 0;
    for (;;) {
        rj_mapped_file_t *mf = rj_mfq_first(&cq->files);
        if (mf == NULL) {
            break;
        }
        bool is_last =
            mf->from_offset / (int64_t)cq->files.file_size == rj_mfq_last_idx(&cq->files);
        bool expired = false;
        if (!is_last && rj_mapped_file_wrote(mf) >= (int32_t)RJ_CQ_UNIT_SIZE) {
            rj_cq_unit_t u;
            rj_cq_unit_decode(mf->base + rj_mapped_file_wrote(mf) - RJ_CQ_UNIT_SIZE, &u);
            expired = u.phy_offset < cl_min_offset;
        }
        rj_mapped_file_release(mf);
        if (!expired || !rj_mfq_remove_first(&cq->files)) {
            break;
        }
        deleted++;
    }
    rj_consume_queue_correct_min_offset(cq, cl_min_offset);
    return deleted;
}

void
rj_consume_queue_destroy_files(rj_consume_queue_t *cq)
{
    rj_mfq_destroy_all(&cq->files);
    cq->max_physic_offset = -1;
    atomic_store(&cq->min_logic_offset, 0);
    rmdir(cq->files.dir);
}

int
rj_consume_queue_flush(rj_consume_queue_t *cq, int least_pages)
{
    return rj_mfq_flush(&cq->files, least_pages);
}
