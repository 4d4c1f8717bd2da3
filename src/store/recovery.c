/*
 * Start-up recovery (store.md §7), run by rj_store_open() after loading.
 *
 * 1. Consume queues: each ends at its last valid unit (offset ≥ 0, size > 0,
 *    after the previous record); queues with short files or invalid units are
 *    "damaged" and will be rebuilt from their last valid record on.
 * 2. Commit log: after a clean shutdown, records are validated from the
 *    third-last segment (RocketMQ's normal recovery); after a crash (`abort`
 *    present), from the newest segment whose first record is older than the
 *    checkpoint's min(physic, logics) − 3 s. The first invalid record (bad
 *    magic, length or body CRC) ends the log; the rest is zeroed and later
 *    segments deleted.
 * 3. Consume-queue units and index files that point past the new end are
 *    dropped; after a crash every unit from the recovery start on is dropped
 *    too, so they are rebuilt exactly from the validated records.
 * 4. The dispatcher restarts from the lowest of: the end of the consume queues
 *    (clean exit) or the recovery start (crash), a damaged queue's end, and the
 *    start of a deleted index file. rj_store_open() then replays up to the end.
 * Each repair is logged at WARN with offsets.
 */
#include "store/store_internal.h"

#include "common/endian.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    int64_t end;           /* first offset that is not a valid record */
    const char *reason;    /* why the scan stopped there, NULL at clean end */
    int64_t records;       /* valid records scanned */
    int64_t dropped_valid; /* valid-looking records found after a bad one */
} scan_result_t;

static const char *
decode_reason(int rc)
{
    switch (rc) {
    case RJ_ECORRUPT:
        return "body CRC mismatch";
    case RJ_EMALFORMED:
        return "bad magic code or length";
    case 0:
        return "record extends past the written data (torn write)";
    default:
        return "unreadable record";
    }
}

/* Counts records that decode after a bad one: tells a torn tail from damage in the middle. */
static int64_t
count_valid_after(const rj_mapped_file_t *mf, size_t pos, bool check_crc)
{
    int64_t n = 0;
    if (pos + 8 > mf->size) {
        return 0;
    }
    int32_t total = (int32_t)rj_load_be32(mf->base + pos);
    if (total <= 0 || (size_t)total > mf->size - pos) {
        return 0;
    }
    pos += (size_t)total;
    while (pos + 8 <= mf->size) {
        rj_message_record_t rec;
        int r = rj_message_record_decode(mf->base + pos, mf->size - pos, &rec,
                                         check_crc ? RJ_MSG_DECODE_CHECK_CRC : 0);
        if (r <= 0) {
            break;
        }
        n++;
        pos += (size_t)r;
    }
    return n;
}

/* Validates records from file `idx` on. */
static void
scan_commit_log(rj_store_t *s, int64_t idx, scan_result_t *out)
{
    bool check_crc = s->cfg.check_crc_on_recover;
    memset(out, 0, sizeof(*out));
    out->end = idx * s->cl_file_size;
    for (; idx <= rj_mfq_last_idx(&s->cl); idx++) {
        rj_mapped_file_t *mf = rj_mfq_get(&s->cl, idx);
        if (mf == NULL) {
            break;
        }
        size_t pos = 0;
        bool next_file = false;
        while (pos < mf->size) {
            const uint8_t *p = mf->base + pos;
            size_t avail = mf->size - pos;
            if (rj_message_record_is_blank(p, avail)) {
                int32_t remain = (int32_t)rj_load_be32(p);
                if ((size_t)remain != avail) {
                    out->reason = "BLANK marker with a wrong size";
                    break;
                }
                next_file = idx < rj_mfq_last_idx(&s->cl);
                break;
            }
            rj_message_record_t rec;
            int n =
                rj_message_record_decode(p, avail, &rec, check_crc ? RJ_MSG_DECODE_CHECK_CRC : 0);
            if (n <= 0) {
                bool zero = avail >= 8 && rj_load_be64(p) == 0;
                if (!zero) {
                    out->reason = decode_reason(n);
                    out->dropped_valid = count_valid_after(mf, pos, check_crc);
                }
                break;
            }
            if (rec.phy_offset != mf->from_offset + (int64_t)pos) {
                /* A valid record that claims another place: data copied from elsewhere. */
                out->reason = "record's PHYSICALOFFSET does not match its position";
                break;
            }
            pos += (size_t)n;
            out->records++;
        }
        out->end = mf->from_offset + (int64_t)pos;
        rj_mapped_file_release(mf);
        if (!next_file) {
            break;
        }
        out->end = (idx + 1) * s->cl_file_size;
    }
}

/* File to start abnormal recovery from: newest whose first record predates the checkpoint. */
static int64_t
abnormal_start_idx(rj_store_t *s, const rj_checkpoint_values_t *cp)
{
    int64_t min_ts = (s->cfg.message_index_enable && s->cfg.message_index_safe)
                         ? rj_checkpoint_min_timestamp_index(cp)
                         : rj_checkpoint_min_timestamp(cp);
    for (int64_t idx = rj_mfq_last_idx(&s->cl); idx >= rj_mfq_first_idx(&s->cl); idx--) {
        rj_mapped_file_t *mf = rj_mfq_get(&s->cl, idx);
        if (mf == NULL) {
            continue;
        }
        bool match = false;
        if (rj_load_be32(mf->base + RJ_MSG_POS_MAGIC) == RJ_MSG_MAGIC_V1) {
            int64_t ts = rj_message_record_store_timestamp(mf->base);
            match = ts != 0 && ts <= min_ts;
        }
        rj_mapped_file_release(mf);
        if (match) {
            return idx;
        }
    }
    return rj_mfq_first_idx(&s->cl);
}

/* True when `offset` starts a record (or a BLANK, or is the end). */
static bool
is_record_boundary(rj_store_t *s, int64_t offset, int64_t end)
{
    if (offset == end || offset % s->cl_file_size == 0) {
        return true;
    }
    rj_mapped_file_t *mf = rj_mfq_lookup(&s->cl, offset);
    if (mf == NULL) {
        return false;
    }
    size_t pos = (size_t)(offset - mf->from_offset);
    const uint8_t *p = mf->base + pos;
    rj_message_record_t rec;
    bool ok =
        rj_message_record_is_blank(p, mf->size - pos) ||
        (rj_message_record_decode(p, mf->size - pos, &rec, 0) > 0 && rec.phy_offset == offset);
    rj_mapped_file_release(mf);
    return ok;
}

int
rj_recovery_run(rj_store_t *s)
{
    rj_checkpoint_values_t cp;
    rj_checkpoint_read(&s->checkpoint, &cp);
    bool abnormal = !s->last_exit_ok;
    if (!s->checkpoint.existed && !rj_mfq_is_empty(&s->cl)) {
        rj_log(RJ_LOG_WARN, 0, "checkpoint file %s is missing: created%s", s->checkpoint_path,
               abnormal ? "; crash recovery will validate the commit log from its first segment"
                        : "");
    }
    rj_log(RJ_LOG_INFO, 0,
           "recovery: last shutdown %s; checkpoint physic %" PRId64 " logics %" PRId64
           " index %" PRId64,
           abnormal ? "ABNORMAL (abort file present)" : "normal", cp.physic_msg_timestamp,
           cp.logics_msg_timestamp, cp.index_msg_timestamp);

    /* 1. Consume queues. */
    int64_t max_phy_cq = -1;
    int64_t damaged_from = INT64_MAX;
    for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
        int64_t invalid = rj_consume_queue_recover(cq);
        if (cq->max_physic_offset > max_phy_cq) {
            max_phy_cq = cq->max_physic_offset;
        }
        if (cq->damaged || invalid > 0) {
            int64_t from = cq->max_physic_offset < 0 ? 0 : cq->max_physic_offset;
            if (from < damaged_from) {
                damaged_from = from;
            }
            rj_log(RJ_LOG_WARN, 0,
                   "consume queue %s-%d is damaged: rebuilding it from commit log "
                   "offset %lld",
                   cq->topic, cq->queue_id, (long long)from);
        }
    }

    /* 2. Commit log. */
    int64_t end = 0;
    int64_t scan_start = 0;
    if (rj_mfq_is_empty(&s->cl)) {
        if (max_phy_cq > 0) {
            rj_log(RJ_LOG_WARN, 0, "the commit log is empty: deleting the consume queues");
            for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
                rj_consume_queue_destroy_files(cq);
            }
            max_phy_cq = -1;
        }
    } else {
        int64_t idx;
        if (abnormal) {
            idx = s->checkpoint.existed ? abnormal_start_idx(s, &cp) : rj_mfq_first_idx(&s->cl);
        } else {
            idx = rj_mfq_last_idx(&s->cl) - 2;
            if (idx < rj_mfq_first_idx(&s->cl)) {
                idx = rj_mfq_first_idx(&s->cl);
            }
        }
        scan_start = idx * s->cl_file_size;
        scan_result_t r;
        scan_commit_log(s, idx, &r);
        end = r.end;
        if (r.reason != NULL && r.dropped_valid > 0) {
            rj_log(RJ_LOG_WARN, 0,
                   "commit log: %s at offset %lld: truncated there (%lld records after it look "
                   "valid and are dropped)",
                   r.reason, (long long)end, (long long)r.dropped_valid);
        } else if (r.reason != NULL) {
            rj_log(RJ_LOG_WARN, 0, "commit log: %s at offset %lld: torn tail truncated there",
                   r.reason, (long long)end);
        }
        rj_log(RJ_LOG_INFO, 0, "commit log: %lld records valid from offset %lld to %lld",
               (long long)r.records, (long long)scan_start, (long long)end);
        rj_mfq_truncate(&s->cl, end, true);
        atomic_store(&s->cl.flushed_where, end);
    }
    s->cl.flushed_timestamp = 0;

    /* 3. Nothing may point past the end; after a crash, rebuild from the scan start. */
    int64_t cut = abnormal ? scan_start : end;
    if (abnormal || max_phy_cq > end) {
        if (max_phy_cq > end) {
            rj_log(RJ_LOG_WARN, 0,
                   "consume queues reference offset %lld past the commit log end %lld: "
                   "truncating them",
                   (long long)max_phy_cq, (long long)end);
        }
        int64_t units = 0;
        for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
            units += rj_consume_queue_truncate_phy(cq, cut);
        }
        if (abnormal && units > 0) {
            rj_log(RJ_LOG_WARN, 0,
                   "crash recovery: %lld consume-queue units from commit log offset %lld on "
                   "will be rebuilt",
                   (long long)units, (long long)cut);
        }
    }
    int64_t index_from = rj_index_service_truncate(&s->index, end);

    /* 4. Where the dispatcher resumes. */
    int64_t cl_min = rj_commitlog_min_offset(s);
    if (cl_min < 0) {
        cl_min = 0;
    }
    int64_t reput = -1;
    for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
        if (cq->max_physic_offset > reput) {
            reput = cq->max_physic_offset;
        }
    }
    if (abnormal && scan_start < reput) {
        reput = scan_start;
    }
    if (damaged_from < reput) {
        reput = damaged_from;
    }
    if (index_from >= 0 && index_from < reput) {
        reput = index_from;
    }
    if (reput > end) {
        reput = end;
    }
    if (reput < cl_min) {
        if (reput > 0) {
            rj_log(RJ_LOG_WARN, 0, "dispatch offset %lld below the commit log minimum %lld",
                   (long long)reput, (long long)cl_min);
        }
        reput = cl_min;
    }
    if (!is_record_boundary(s, reput, end)) {
        int64_t seg = reput - reput % s->cl_file_size;
        rj_log(RJ_LOG_WARN, 0,
               "dispatch offset %lld is not a record boundary: restarting at the "
               "segment start %lld",
               (long long)reput, (long long)seg);
        reput = seg < cl_min ? cl_min : seg;
    }
    atomic_store(&s->reput_offset, reput);
    if (reput < end) {
        rj_log(abnormal || damaged_from != INT64_MAX || index_from >= 0 ? RJ_LOG_WARN : RJ_LOG_INFO,
               0,
               "recovery: dispatching commit log offsets %lld..%lld into consume queues and "
               "index",
               (long long)reput, (long long)end);
    }
    return 0;
}
