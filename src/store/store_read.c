/*
 * Store reads: pulls (getMessage), lookups by offset, time search, key
 * queries, HA data. Reads take no store-wide lock; every returned byte range
 * comes with a reference on its mapped file.
 */
#include "store/store_internal.h"

#include "common/alloc.h"
#include "common/endian.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <stdlib.h>
#include <string.h>

void
rj_store_view_release(rj_store_view_t *v)
{
    if (v->mf != NULL) {
        rj_mapped_file_release(v->mf);
    }
    memset(v, 0, sizeof(*v));
}

void
rj_store_get_result_release(rj_store_get_result_t *res)
{
    for (uint32_t i = 0; i < res->count; i++) {
        rj_store_view_release(&res->views[i]);
    }
    res->count = 0;
    res->total_bytes = 0;
}

void
rj_store_query_result_release(rj_store_query_result_t *res)
{
    for (uint32_t i = 0; i < res->count; i++) {
        rj_store_view_release(&res->views[i]);
    }
    res->count = 0;
    res->total_bytes = 0;
}

static int64_t
next_offset_correction(rj_store_t *s, int64_t old_offset, int64_t new_offset)
{
    if (s->cfg.broker_role != RJ_BROKER_ROLE_SLAVE || s->cfg.offset_check_in_slave) {
        return new_offset;
    }
    return old_offset;
}

static int64_t
memory_limit(rj_store_t *s)
{
    return (int64_t)((double)s->total_physical_memory *
                     (s->cfg.access_message_in_memory_max_ratio / 100.0));
}

static bool
batch_full(rj_store_t *s, int32_t size, int32_t max_nums, size_t total, uint32_t count,
           bool in_disk)
{
    if (total == 0 || count == 0) {
        return false;
    }
    if ((uint32_t)max_nums <= count) {
        return true;
    }
    if (in_disk) {
        return (int64_t)total + size > s->cfg.max_transfer_bytes_on_message_in_disk ||
               count > (uint32_t)(s->cfg.max_transfer_count_on_message_in_disk - 1);
    }
    return (int64_t)total + size > s->cfg.max_transfer_bytes_on_message_in_memory ||
           count > (uint32_t)(s->cfg.max_transfer_count_on_message_in_memory - 1);
}

/* Selects a record, reusing the previous record's segment when it is the same. */
static int
select_cached(rj_store_t *s, rj_mapped_file_t **cache, int64_t offset, int32_t size,
              rj_store_view_t *out)
{
    rj_mapped_file_t *mf = *cache;
    if (mf != NULL && offset >= mf->from_offset && offset < mf->from_offset + (int64_t)mf->size) {
        int64_t pos = offset - mf->from_offset;
        if (size <= 0 || pos + size > rj_mapped_file_wrote(mf)) {
            return RJ_ENOTFOUND;
        }
        rj_mapped_file_retain(mf);
        out->data = mf->base + pos;
        out->len = (uint32_t)size;
        out->phy_offset = offset;
        out->mf = mf;
        return 0;
    }
    int rc = rj_commitlog_select(s, offset, size, out);
    if (rc == 0) {
        if (*cache != NULL) {
            rj_mapped_file_release(*cache);
        }
        rj_mapped_file_retain(out->mf);
        *cache = out->mf;
    }
    return rc;
}

int
rj_store_get_message(rj_store_t *s, rj_bytes_t topic, int32_t queue_id, int64_t offset,
                     int32_t max_msg_nums, const rj_store_filter_t *filter,
                     rj_store_get_result_t *res)
{
    res->status = RJ_GET_NO_MESSAGE_IN_QUEUE;
    res->next_begin_offset = offset;
    res->min_offset = 0;
    res->max_offset = 0;
    res->suggest_pulling_from_slave = false;
    res->count = 0;
    res->total_bytes = 0;
    if (atomic_load(&s->stopping)) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                           "message store has shut down: getMessage refused");
        return RJ_ESHUTDOWN;
    }
    int64_t max_phy = rj_commitlog_max_offset(s);
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    rj_get_status_t status;
    int64_t next = offset;
    if (cq == NULL) {
        status = RJ_GET_NO_MESSAGE_IN_QUEUE;
        next = next_offset_correction(s, offset, 0);
        goto done;
    }
    int64_t min = rj_consume_queue_min_offset(cq);
    int64_t max = rj_consume_queue_max_offset(cq);
    res->min_offset = min;
    res->max_offset = max;
    if (max == 0) {
        status = RJ_GET_NO_MESSAGE_IN_QUEUE;
        next = next_offset_correction(s, offset, 0);
    } else if (offset < min) {
        status = RJ_GET_OFFSET_TOO_SMALL;
        next = next_offset_correction(s, offset, min);
    } else if (offset == max) {
        status = RJ_GET_OFFSET_OVERFLOW_ONE;
        next = next_offset_correction(s, offset, offset);
    } else if (offset > max) {
        status = RJ_GET_OFFSET_OVERFLOW_BADLY;
        next = next_offset_correction(s, offset, max);
    } else {
        const uint8_t *units;
        int32_t n;
        rj_mapped_file_t *cq_mf;
        if (rj_consume_queue_units(cq, offset, &units, &n, &cq_mf) != 0) {
            status = RJ_GET_OFFSET_FOUND_NULL;
            int64_t per_file = (int64_t)cq->files.file_size / RJ_CQ_UNIT_SIZE;
            next = next_offset_correction(s, offset, offset + per_file - offset % per_file);
            rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                               "consumer request topic %.*s-%d offset %lld (min %lld max %lld) "
                               "but the consume queue file cannot be accessed",
                               (int)topic.len, (const char *)topic.data, queue_id,
                               (long long)offset, (long long)min, (long long)max);
        } else {
            status = RJ_GET_NO_MATCHED_MESSAGE;
            int64_t next_phy_file_start = INT64_MIN;
            int64_t max_phy_pulling = 0;
            int64_t max_filter = max_msg_nums * (int64_t)RJ_CQ_UNIT_SIZE;
            if (max_filter < 16000) {
                max_filter = 16000;
            }
            uint32_t cap = max_msg_nums < 0 ? 0 : (uint32_t)max_msg_nums;
            if (cap > res->cap) {
                cap = res->cap;
            }
            int64_t mem = memory_limit(s);
            rj_mapped_file_t *cache = NULL;
            int64_t i;
            for (i = 0; i < (int64_t)n * RJ_CQ_UNIT_SIZE && i < max_filter; i += RJ_CQ_UNIT_SIZE) {
                rj_cq_unit_t u;
                rj_cq_unit_decode(units + i, &u);
                max_phy_pulling = u.phy_offset;
                if (next_phy_file_start != INT64_MIN && u.phy_offset < next_phy_file_start) {
                    continue;
                }
                bool in_disk = max_phy - u.phy_offset > mem;
                if (batch_full(s, u.size, max_msg_nums, res->total_bytes, res->count, in_disk) ||
                    (res->count > 0 && res->count >= cap)) {
                    break;
                }
                if (rj_cq_unit_is_blank(&u)) {
                    continue;
                }
                if (filter != NULL && filter->match_cq != NULL &&
                    !filter->match_cq(u.tags_code, filter->arg)) {
                    if (res->total_bytes == 0) {
                        status = RJ_GET_NO_MATCHED_MESSAGE;
                    }
                    continue;
                }
                if (cap == 0) {
                    break;
                }
                rj_store_view_t *v = &res->views[res->count];
                if (select_cached(s, &cache, u.phy_offset, u.size, v) != 0) {
                    if (res->total_bytes == 0) {
                        status = RJ_GET_MESSAGE_WAS_REMOVING;
                    }
                    next_phy_file_start = rj_commitlog_roll_next_file(s, u.phy_offset);
                    continue;
                }
                if (filter != NULL && filter->match_record != NULL &&
                    !filter->match_record(v->data, v->len, filter->arg)) {
                    rj_store_view_release(v);
                    if (res->total_bytes == 0) {
                        status = RJ_GET_NO_MATCHED_MESSAGE;
                    }
                    continue;
                }
                v->queue_offset = offset + i / RJ_CQ_UNIT_SIZE;
                res->count++;
                res->total_bytes += v->len;
                atomic_fetch_add_explicit(&s->get_transferred, 1, memory_order_relaxed);
                status = RJ_GET_FOUND;
                next_phy_file_start = INT64_MIN;
            }
            if (cache != NULL) {
                rj_mapped_file_release(cache);
            }
            next = offset + i / RJ_CQ_UNIT_SIZE;
            res->suggest_pulling_from_slave = max_phy - max_phy_pulling > mem;
            rj_mapped_file_release(cq_mf);
        }
    }
done:
    if (status == RJ_GET_FOUND) {
        atomic_fetch_add_explicit(&s->get_found, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&s->get_miss, 1, memory_order_relaxed);
    }
    res->status = status;
    res->next_begin_offset = next;
    return 0;
}

int
rj_store_select_message_sized(rj_store_t *s, int64_t phy_offset, int32_t size, rj_store_view_t *out)
{
    return rj_commitlog_select(s, phy_offset, size, out);
}

int
rj_store_select_message(rj_store_t *s, int64_t phy_offset, rj_store_view_t *out)
{
    rj_store_view_t head;
    int rc = rj_commitlog_select(s, phy_offset, 8, &head);
    if (rc != 0) {
        return rc;
    }
    int32_t size = (int32_t)rj_load_be32(head.data);
    bool blank = rj_load_be32(head.data + RJ_MSG_POS_MAGIC) == RJ_MSG_MAGIC_BLANK;
    rj_store_view_release(&head);
    if (blank || size < RJ_MSG_FIXED_LEN) {
        memset(out, 0, sizeof(*out));
        return RJ_ENOTFOUND;
    }
    return rj_commitlog_select(s, phy_offset, size, out);
}

int
rj_store_look_message(rj_store_t *s, int64_t phy_offset, rj_message_record_t *rec,
                      rj_store_view_t *view)
{
    int rc = rj_store_select_message(s, phy_offset, view);
    if (rc != 0) {
        return rc;
    }
    if (rj_message_record_decode(view->data, view->len, rec, 0) <= 0) {
        rj_store_view_release(view);
        return RJ_ECORRUPT;
    }
    return 0;
}

int
rj_store_get_commit_log_data(rj_store_t *s, int64_t offset, rj_store_view_t *out)
{
    memset(out, 0, sizeof(*out));
    if (atomic_load(&s->stopping)) {
        return RJ_ESHUTDOWN;
    }
    rj_mapped_file_t *mf = rj_mfq_lookup(&s->cl, offset);
    if (mf == NULL && offset == 0) {
        mf = rj_mfq_first(&s->cl);
    }
    if (mf == NULL) {
        return RJ_ENOTFOUND;
    }
    int32_t pos = (int32_t)(offset % s->cl_file_size);
    int32_t wrote = rj_mapped_file_wrote(mf);
    if (pos < 0 || pos >= wrote) {
        rj_mapped_file_release(mf);
        return RJ_ENOTFOUND;
    }
    out->data = mf->base + pos;
    out->len = (uint32_t)(wrote - pos);
    out->phy_offset = mf->from_offset + pos;
    out->queue_offset = -1;
    out->mf = mf;
    return 0;
}

int
rj_store_append_to_commit_log(rj_store_t *s, int64_t start_offset, const uint8_t *data, size_t len)
{
    if (atomic_load(&s->stopping)) {
        return RJ_ESHUTDOWN;
    }
    int rc = 0;
    pthread_mutex_lock(&s->append_lock);
    int64_t max = rj_commitlog_max_offset(s);
    bool empty = rj_mfq_is_empty(&s->cl);
    if ((!empty && start_offset != max) || (empty && start_offset % s->cl_file_size != 0) ||
        start_offset < 0) {
        rj_log(RJ_LOG_ERROR, 0, "append replicated data at %lld but the commit log ends at %lld",
               (long long)start_offset, (long long)max);
        rc = RJ_EINVAL;
        goto out;
    }
    rj_mapped_file_t *mf = s->cur;
    if (mf == NULL || rj_mapped_file_is_full(mf)) {
        int err;
        rj_mapped_file_t *n = rj_commitlog_next_segment(
            s, mf ? mf->from_offset + s->cl_file_size : start_offset, &err);
        if (n == NULL) {
            rc = err;
            goto out;
        }
        rj_mapped_file_retain(n);
        if (mf != NULL) {
            rj_mapped_file_release(mf);
        }
        s->cur = mf = n;
    }
    int32_t pos = rj_mapped_file_wrote(mf);
    if (len > mf->size - (size_t)pos) {
        rc = RJ_EINVAL;
        goto out;
    }
    if ((size_t)pos + len > (size_t)atomic_load(&mf->prefault_pos) &&
        (rc = rj_mapped_file_prefault(mf, (size_t)pos + len)) != 0) {
        atomic_store(&s->disk_full, true);
        goto out;
    }
    memcpy(mf->base + pos, data, len);
    rj_mapped_file_set_wrote(mf, pos + (int32_t)len);
out:
    pthread_mutex_unlock(&s->append_lock);
    if (rc == 0) {
        rj_waker_wake(&s->dispatch_waker);
    }
    return rc;
}

int64_t
rj_store_get_max_offset_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id)
{
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    return cq ? rj_consume_queue_max_offset(cq) : 0;
}

int64_t
rj_store_get_min_offset_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id)
{
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    return cq ? rj_consume_queue_min_offset(cq) : -1;
}

int64_t
rj_store_get_message_total_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id)
{
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    return cq ? rj_consume_queue_max_offset(cq) - rj_consume_queue_min_offset(cq) : -1;
}

int64_t
rj_store_get_commit_log_offset_in_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id,
                                        int64_t queue_offset)
{
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    rj_cq_unit_t u;
    if (cq == NULL || queue_offset < rj_consume_queue_min_offset(cq) ||
        rj_consume_queue_unit_at(cq, queue_offset, &u) != 0) {
        return 0;
    }
    return u.phy_offset;
}

static int64_t
unit_store_time(rj_store_t *s, rj_consume_queue_t *cq, int64_t index)
{
    rj_cq_unit_t u;
    if (rj_consume_queue_unit_at(cq, index, &u) != 0 || rj_cq_unit_is_blank(&u)) {
        return -1;
    }
    return rj_commitlog_pickup_store_timestamp(s, u.phy_offset, u.size);
}

int64_t
rj_store_get_message_store_timestamp(rj_store_t *s, rj_bytes_t topic, int32_t queue_id,
                                     int64_t queue_offset)
{
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    if (cq == NULL || queue_offset < rj_consume_queue_min_offset(cq)) {
        return -1;
    }
    return unit_store_time(s, cq, queue_offset);
}

int64_t
rj_store_get_earliest_message_time(rj_store_t *s, rj_bytes_t topic, int32_t queue_id)
{
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    if (cq == NULL) {
        return -1;
    }
    return unit_store_time(s, cq, rj_consume_queue_min_offset(cq));
}

int64_t
rj_store_get_earliest_message_time_all(rj_store_t *s)
{
    int64_t min = rj_commitlog_min_offset(s);
    if (min < 0) {
        return -1;
    }
    rj_store_view_t v;
    if (rj_commitlog_select(s, min, 8, &v) != 0) {
        return -1;
    }
    bool blank = rj_load_be32(v.data + RJ_MSG_POS_MAGIC) == RJ_MSG_MAGIC_BLANK;
    rj_store_view_release(&v);
    if (blank) {
        min = rj_commitlog_roll_next_file(s, min);
    }
    return rj_commitlog_pickup_store_timestamp(s, min, RJ_MSG_FIXED_LEN);
}

int64_t
rj_store_get_offset_in_queue_by_time(rj_store_t *s, rj_bytes_t topic, int32_t queue_id,
                                     int64_t timestamp)
{
    rj_consume_queue_t *cq = rj_store_find_queue(s, topic, queue_id, false);
    if (cq == NULL) {
        return 0;
    }
    /* The first file whose last message is not older than `timestamp`, else the last. */
    rj_mapped_file_t *mf = NULL;
    for (int64_t idx = rj_mfq_first_idx(&cq->files); idx <= rj_mfq_last_idx(&cq->files); idx++) {
        rj_mapped_file_t *f = rj_mfq_get(&cq->files, idx);
        if (f == NULL) {
            continue;
        }
        if (mf != NULL) {
            rj_mapped_file_release(mf);
        }
        mf = f;
        int32_t wrote = rj_mapped_file_wrote(f);
        if (wrote >= RJ_CQ_UNIT_SIZE &&
            unit_store_time(s, cq, (f->from_offset + wrote) / RJ_CQ_UNIT_SIZE - 1) >= timestamp) {
            break;
        }
    }
    if (mf == NULL) {
        return 0;
    }
    int64_t min_logic = atomic_load(&cq->min_logic_offset);
    int64_t low = min_logic > mf->from_offset ? min_logic - mf->from_offset : 0;
    int64_t high = (int64_t)rj_mapped_file_wrote(mf) - RJ_CQ_UNIT_SIZE;
    int64_t target = -1, left = -1, right = -1;
    int64_t left_v = -1, right_v = -1;
    int64_t min_phy = rj_commitlog_min_offset(s);
    int64_t result = 0;
    bool failed = false;
    while (high >= low) {
        int64_t mid = (low + high) / (2 * RJ_CQ_UNIT_SIZE) * RJ_CQ_UNIT_SIZE;
        rj_cq_unit_t u;
        rj_cq_unit_decode(mf->base + mid, &u);
        if (u.phy_offset < min_phy || rj_cq_unit_is_blank(&u)) {
            low = mid + RJ_CQ_UNIT_SIZE;
            left = mid;
            continue;
        }
        int64_t t = rj_commitlog_pickup_store_timestamp(s, u.phy_offset, u.size);
        if (t < 0) {
            failed = true;
            break;
        }
        if (t == timestamp) {
            target = mid;
            break;
        }
        if (t > timestamp) {
            high = mid - RJ_CQ_UNIT_SIZE;
            right = mid;
            right_v = t;
        } else {
            low = mid + RJ_CQ_UNIT_SIZE;
            left = mid;
            left_v = t;
        }
    }
    if (!failed) {
        int64_t off;
        if (target != -1) {
            off = target;
        } else if (left_v == -1) {
            off = right != -1 ? right : (left != -1 ? left + RJ_CQ_UNIT_SIZE : 0);
        } else if (right_v == -1) {
            off = left;
        } else {
            off = llabs(timestamp - left_v) > llabs(timestamp - right_v) ? right : left;
        }
        result = (mf->from_offset + off) / RJ_CQ_UNIT_SIZE;
    }
    rj_mapped_file_release(mf);
    return result;
}

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int
rj_store_query_message(rj_store_t *s, rj_bytes_t topic, rj_bytes_t key, int32_t max_num,
                       int64_t begin, int64_t end, rj_store_query_result_t *res)
{
    res->count = 0;
    res->total_bytes = 0;
    res->index_last_update_timestamp = 0;
    res->index_last_update_phyoffset = 0;
    int max = max_num;
    if (max > s->cfg.max_msgs_num_batch) {
        max = s->cfg.max_msgs_num_batch;
    }
    if ((uint32_t)max > res->cap) {
        max = (int)res->cap;
    }
    if (max <= 0) {
        return 0;
    }
    int64_t stack[256];
    int64_t *offsets = max <= 256 ? stack : rj_malloc((size_t)max * sizeof(int64_t));
    if (offsets == NULL) {
        return RJ_ENOMEM;
    }
    int64_t last_query_time = end;
    for (int round = 0; round < 3; round++) {
        int64_t ts, phy;
        int n = rj_index_service_query(&s->index, topic, key, max, begin, last_query_time, offsets,
                                       &ts, &phy);
        if (n == 0) {
            break;
        }
        qsort(offsets, (size_t)n, sizeof(int64_t), cmp_i64);
        res->index_last_update_timestamp = ts;
        res->index_last_update_phyoffset = phy;
        for (int m = 0; m < n && res->count < res->cap; m++) {
            if (m > 0 && offsets[m] == offsets[m - 1]) {
                continue;
            }
            rj_store_view_t *v = &res->views[res->count];
            if (rj_store_select_message(s, offsets[m], v) != 0) {
                continue;
            }
            if (m == 0) {
                last_query_time = rj_message_record_store_timestamp(v->data);
            }
            res->count++;
            res->total_bytes += v->len;
        }
        if (res->total_bytes > 0 || last_query_time < begin) {
            break;
        }
    }
    if (offsets != stack) {
        rj_free(offsets);
    }
    return 0;
}
