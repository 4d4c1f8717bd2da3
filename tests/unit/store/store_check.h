/*
 * Consistency check of an open store, for recovery and crash tests:
 * - every commit-log record from the minimum to the end is valid (magic,
 *   length, body CRC, PHYSICALOFFSET = its position), segments end in BLANK;
 * - every consume-queue unit in [min, max) points at a record of that topic,
 *   queue and queue offset, with its size and tag code;
 * - every NOT/COMMIT record has the unit its queue offset names;
 * - no unit points past the end of the commit log.
 * Returns the number of records checked, or -1 with a reason in `err`.
 */
#ifndef RJ_TEST_STORE_CHECK_H
#define RJ_TEST_STORE_CHECK_H

#include "common/endian.h"
#include "store/store_internal.h"

#include <inttypes.h>
#include <stdio.h>

static inline int64_t
st_check_consistency(rj_store_t *s, char *err, size_t errlen)
{
    int64_t records = 0;
    int64_t min = rj_store_get_min_phy_offset(s), max = rj_store_get_max_phy_offset(s);
    int64_t seg = s->cl_file_size;
    if (min < 0) {
        min = 0;
    }
    int64_t off = min;
    while (off < max) {
        rj_store_view_t v;
        if (rj_store_get_commit_log_data(s, off, &v) != 0) {
            snprintf(err, errlen, "commit log data at %" PRId64 " unreadable (end %" PRId64 ")",
                     off, max);
            return -1;
        }
        if (rj_message_record_is_blank(v.data, v.len)) {
            int64_t remain = seg - off % seg;
            if ((int64_t)rj_load_be32(v.data) != remain) {
                snprintf(err, errlen, "BLANK at %" PRId64 " has a wrong size", off);
                rj_store_view_release(&v);
                return -1;
            }
            rj_store_view_release(&v);
            off += remain;
            continue;
        }
        rj_message_record_t rec;
        int n = rj_message_record_decode(v.data, v.len, &rec, RJ_MSG_DECODE_CHECK_CRC);
        if (n <= 0 || rec.phy_offset != off) {
            snprintf(err, errlen, "invalid record at %" PRId64 " (%d)", off, n);
            rj_store_view_release(&v);
            return -1;
        }
        int32_t tran = rj_sysflag_tran_type(rec.sys_flag);
        if (tran == RJ_SYSFLAG_TRANSACTION_NOT || tran == RJ_SYSFLAG_TRANSACTION_COMMIT) {
            int64_t p = rj_store_get_commit_log_offset_in_queue(s, rec.topic, rec.queue_id,
                                                                rec.queue_offset);
            int64_t qmin = rj_store_get_min_offset_in_queue(s, rec.topic, rec.queue_id);
            if (rec.queue_offset >= qmin && p != off) {
                snprintf(err, errlen,
                         "record at %" PRId64 " (%.*s-%d offset %" PRId64
                         ") has no matching unit (unit points at %" PRId64 ")",
                         off, (int)rec.topic.len, (const char *)rec.topic.data, rec.queue_id,
                         rec.queue_offset, p);
                rj_store_view_release(&v);
                return -1;
            }
        }
        rj_store_view_release(&v);
        off += n;
        records++;
    }
    for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
        int64_t qmax = rj_consume_queue_max_offset(cq);
        for (int64_t i = rj_consume_queue_min_offset(cq); i < qmax; i++) {
            rj_cq_unit_t u;
            if (rj_consume_queue_unit_at(cq, i, &u) != 0) {
                snprintf(err, errlen, "unit %s-%d/%" PRId64 " unreadable", cq->topic, cq->queue_id,
                         i);
                return -1;
            }
            if (rj_cq_unit_is_blank(&u)) {
                continue;
            }
            if (u.phy_offset + u.size > max) {
                snprintf(err, errlen, "unit %s-%d/%" PRId64 " points past the end", cq->topic,
                         cq->queue_id, i);
                return -1;
            }
            if (u.phy_offset < min) {
                continue;
            }
            rj_message_record_t rec;
            rj_store_view_t v;
            if (rj_store_look_message(s, u.phy_offset, &rec, &v) != 0) {
                snprintf(err, errlen, "unit %s-%d/%" PRId64 " points at no record (%" PRId64 ")",
                         cq->topic, cq->queue_id, i, u.phy_offset);
                return -1;
            }
            bool ok = rec.total_size == u.size && rec.queue_offset == i &&
                      rec.queue_id == cq->queue_id && rec.topic.len == cq->topic_len &&
                      memcmp(rec.topic.data, cq->topic, cq->topic_len) == 0;
            rj_store_view_release(&v);
            if (!ok) {
                snprintf(err, errlen, "unit %s-%d/%" PRId64 " does not match its record", cq->topic,
                         cq->queue_id, i);
                return -1;
            }
        }
    }
    return records;
}

#endif
