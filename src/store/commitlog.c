/*
 * Commit-log append and reads.
 *
 * Append: everything that does not need the append lock (validation, lengths,
 * body CRC, the REAL_TOPIC/REAL_QID suffix of delayed messages) happens before
 * it; under the lock the record is encoded once, straight into the mapped
 * segment, then the write position is published. No allocation happens on
 * this path except the first message of a new queue (its object).
 *
 * Invariants: records never span segments (a BLANK marker fills the rest of a
 * segment); the write position of the last segment is the commit-log end and
 * only moves under the append lock; bytes below it are complete records.
 */
#include "store/store_internal.h"

#include "common/clock.h"
#include "common/crc.h"
#include "common/endian.h"
#include "common/log.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Room for "\x02REAL_TOPIC\x01<topic>\x02REAL_QID\x01<int>". */
#define SUFFIX_MAX 192
/* Appends write-fault at least this far ahead when the allocator fell behind. */
#ifndef SYNC_PREFAULT_AHEAD
#define SYNC_PREFAULT_AHEAD (256u << 10)
#endif

static rj_put_status_t
check_store(rj_store_t *s)
{
    if (!atomic_load_explicit(&s->started, memory_order_acquire) ||
        atomic_load_explicit(&s->stopping, memory_order_acquire)) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0, "message store is shut down: put refused");
        return RJ_PUT_SERVICE_NOT_AVAILABLE;
    }
    if (s->cfg.broker_role == RJ_BROKER_ROLE_SLAVE) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0, "broker role is SLAVE: put refused");
        return RJ_PUT_SERVICE_NOT_AVAILABLE;
    }
    if (atomic_load_explicit(&s->disk_full, memory_order_relaxed) ||
        atomic_load_explicit(&s->logics_error, memory_order_relaxed) ||
        atomic_load_explicit(&s->write_error, memory_order_relaxed)) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                           "message store is not writable (disk full: %d, consume queue error: "
                           "%d, write error: %d): put refused",
                           (int)atomic_load(&s->disk_full), (int)atomic_load(&s->logics_error),
                           (int)atomic_load(&s->write_error));
        return RJ_PUT_SERVICE_NOT_AVAILABLE;
    }
    if (rj_store_is_os_pagecache_busy(s)) {
        return RJ_PUT_OS_PAGECACHE_BUSY;
    }
    return RJ_PUT_OK;
}

static int32_t
host_flags(int32_t sys_flag, const rj_msg_host_t *born, const rj_msg_host_t *store)
{
    sys_flag &= ~(RJ_SYSFLAG_BORNHOST_V6 | RJ_SYSFLAG_STOREHOST_V6);
    if (born->family == 6) {
        sys_flag |= RJ_SYSFLAG_BORNHOST_V6;
    }
    if (store->family == 6) {
        sys_flag |= RJ_SYSFLAG_STOREHOST_V6;
    }
    return sys_flag;
}

static uint8_t *
put_host(uint8_t *p, const rj_msg_host_t *h)
{
    size_t n = h->family == 6 ? 16 : 4;
    memcpy(p, h->addr, n);
    rj_store_be32(p + n, (uint32_t)h->port);
    return p + n + 4;
}

/* Fields of one record to encode; the same for single and batch appends. */
typedef struct {
    int32_t total;
    int32_t body_crc;
    int32_t queue_id;
    int32_t flag;
    int32_t sys_flag;
    int64_t born_timestamp;
    const rj_msg_host_t *born_host;
    const rj_msg_host_t *store_host;
    int32_t reconsume_times;
    int64_t prepared_transaction_offset;
    rj_bytes_t body;
    rj_bytes_t topic;
    rj_bytes_t props;
    rj_bytes_t props_tail; /* appended to props (delay suffix, batch properties) */
    bool props_sep;        /* a \x02 between props and props_tail */
} record_fields_t;

static void
encode_record(uint8_t *p, const record_fields_t *f, int64_t queue_offset, int64_t phy_offset,
              int64_t store_timestamp)
{
    rj_store_be32(p, (uint32_t)f->total);
    rj_store_be32(p + RJ_MSG_POS_MAGIC, RJ_MSG_MAGIC_V1);
    rj_store_be32(p + RJ_MSG_POS_BODYCRC, (uint32_t)f->body_crc);
    rj_store_be32(p + RJ_MSG_POS_QUEUEID, (uint32_t)f->queue_id);
    rj_store_be32(p + RJ_MSG_POS_FLAG, (uint32_t)f->flag);
    rj_store_be64(p + RJ_MSG_POS_QUEUEOFFSET, (uint64_t)queue_offset);
    rj_store_be64(p + RJ_MSG_POS_PHYOFFSET, (uint64_t)phy_offset);
    rj_store_be32(p + RJ_MSG_POS_SYSFLAG, (uint32_t)f->sys_flag);
    rj_store_be64(p + RJ_MSG_POS_BORNTIMESTAMP, (uint64_t)f->born_timestamp);
    uint8_t *q = put_host(p + RJ_MSG_POS_BORNHOST, f->born_host);
    rj_store_be64(q, (uint64_t)store_timestamp);
    q = put_host(q + 8, f->store_host);
    rj_store_be32(q, (uint32_t)f->reconsume_times);
    rj_store_be64(q + 4, (uint64_t)f->prepared_transaction_offset);
    rj_store_be32(q + 12, (uint32_t)f->body.len);
    q += 16;
    if (f->body.len > 0) {
        memcpy(q, f->body.data, f->body.len);
        q += f->body.len;
    }
    *q++ = (uint8_t)f->topic.len;
    memcpy(q, f->topic.data, f->topic.len);
    q += f->topic.len;
    size_t plen = f->props.len + f->props_tail.len + (f->props_sep ? 1 : 0);
    rj_store_be16(q, (uint16_t)plen);
    q += 2;
    if (f->props.len > 0) {
        memcpy(q, f->props.data, f->props.len);
        q += f->props.len;
    }
    if (f->props_sep) {
        *q++ = RJ_PROP_SEPARATOR;
    }
    if (f->props_tail.len > 0) {
        memcpy(q, f->props_tail.data, f->props_tail.len);
    }
}

int64_t
rj_commitlog_roll_next_file(rj_store_t *s, int64_t offset)
{
    return offset + s->cl_file_size - offset % s->cl_file_size;
}

int64_t
rj_commitlog_min_offset(rj_store_t *s)
{
    return rj_mfq_min_offset(&s->cl);
}

int64_t
rj_commitlog_max_offset(rj_store_t *s)
{
    return rj_mfq_max_offset(&s->cl);
}

/*
 * Drops a prepared segment that will not be used. Its file is deleted unless
 * the queue already holds a file at that offset (then it is the same file).
 * alloc_mu held.
 */
static void
drop_prepared_locked(rj_store_t *s)
{
    rj_mapped_file_t *mf = s->prepared;
    s->prepared = NULL;
    if (mf == NULL) {
        return;
    }
    int64_t idx = mf->from_offset / s->cl_file_size;
    bool installed = !rj_mfq_is_empty(&s->cl) && idx >= rj_mfq_first_idx(&s->cl) &&
                     idx <= rj_mfq_last_idx(&s->cl);
    rj_mapped_file_destroy(mf, !installed);
}

rj_mapped_file_t *
rj_commitlog_next_segment(rj_store_t *s, int64_t from_offset, int *err)
{
    rj_mapped_file_t *mf = NULL;
    int rc = 0;
    *err = 0;
    /* Creation and installation both happen under alloc_mu, so the allocator never
     * prepares a file the writer is creating or has just installed. */
    pthread_mutex_lock(&s->alloc_mu);
    if (s->prepared != NULL && s->prepared->from_offset == from_offset) {
        mf = s->prepared;
        s->prepared = NULL;
    } else {
        drop_prepared_locked(s);
        rj_log(RJ_LOG_WARN, 0,
               "commit log segment at %lld not prepared in time: creating it on the append path",
               (long long)from_offset);
        rc = rj_mfq_prepare_file(&s->cl, from_offset, &mf);
    }
    if (rc == 0) {
        rc = rj_mfq_append_file(&s->cl, mf);
        if (rc != 0) {
            rj_mfq_discard_prepared(&s->cl, mf);
        }
    }
    pthread_mutex_unlock(&s->alloc_mu);
    if (rc != 0) {
        *err = rc;
        return NULL;
    }
    rj_prefault_kick(s);
    return mf;
}

/* Switches the writer to the next segment. Append lock held. */
static rj_put_status_t
roll_segment_locked(rj_store_t *s, rj_mapped_file_t **mf_io)
{
    rj_mapped_file_t *old = *mf_io;
    int64_t from = old ? old->from_offset + s->cl_file_size : 0;
    int err;
    rj_mapped_file_t *mf = rj_commitlog_next_segment(s, from, &err);
    if (mf == NULL) {
        if (err == RJ_ENOSPC || err == -EDQUOT || err == -EFBIG) {
            if (!atomic_exchange(&s->disk_full, true)) {
                rj_log(RJ_LOG_ERROR, err, "commit log disk full: puts refused until space frees");
            }
            return RJ_PUT_SERVICE_NOT_AVAILABLE;
        }
        rj_log_ratelimited(1000, RJ_LOG_ERROR, err, "create commit log segment at %lld",
                           (long long)from);
        return RJ_PUT_CREATE_MAPEDFILE_FAILED;
    }
    rj_mapped_file_retain(mf);
    if (old != NULL) {
        rj_mapped_file_release(old);
    }
    s->cur = mf;
    *mf_io = mf;
    return RJ_PUT_OK;
}

/*
 * Finds room for `need` bytes: writes a BLANK and rolls over when the segment
 * cannot hold them plus a BLANK. Append lock held. On success *pos is where
 * to write.
 */
static rj_put_status_t
reserve_locked(rj_store_t *s, int32_t need, rj_mapped_file_t **mf_out, int32_t *pos_out)
{
    rj_mapped_file_t *mf = s->cur;
    rj_put_status_t st;
    if (mf == NULL || rj_mapped_file_is_full(mf)) {
        if ((st = roll_segment_locked(s, &mf)) != RJ_PUT_OK) {
            return st;
        }
    }
    int32_t pos = rj_mapped_file_wrote(mf);
    int32_t remain = (int32_t)mf->size - pos;
    if ((int64_t)need + RJ_MSG_BLANK_LEN > remain) {
        if (pos + RJ_MSG_BLANK_LEN > atomic_load(&mf->prefault_pos)) {
            rj_mapped_file_prefault(mf, (size_t)pos + RJ_MSG_BLANK_LEN);
        }
        rj_message_record_encode_blank(mf->base + pos, remain);
        rj_mapped_file_set_wrote(mf, (int32_t)mf->size);
        if ((st = roll_segment_locked(s, &mf)) != RJ_PUT_OK) {
            return st;
        }
        pos = rj_mapped_file_wrote(mf);
        if ((int64_t)need + RJ_MSG_BLANK_LEN > (int32_t)mf->size - pos) {
            return RJ_PUT_MESSAGE_ILLEGAL; /* larger than a whole segment */
        }
    }
    if ((size_t)pos + (size_t)need > (size_t)atomic_load(&mf->prefault_pos)) {
        /* The allocator fell behind: fault the pages here rather than in the memcpy,
         * where a full disk would be a SIGBUS instead of an error. */
        int rc = rj_mapped_file_prefault(mf, (size_t)pos + (size_t)need + SYNC_PREFAULT_AHEAD);
        if (rc != 0) {
            if (!atomic_exchange(&s->disk_full, true)) {
                rj_log(RJ_LOG_ERROR, rc, "commit log pages cannot be allocated: disk full");
            }
            return RJ_PUT_SERVICE_NOT_AVAILABLE;
        }
    }
    *mf_out = mf;
    *pos_out = pos;
    return RJ_PUT_OK;
}

static void
after_append(rj_store_t *s, rj_mapped_file_t *mf)
{
    int32_t wrote = rj_mapped_file_wrote(mf);
    if ((int64_t)wrote + RJ_PREFAULT_WINDOW / 2 > atomic_load(&mf->prefault_pos) &&
        (size_t)atomic_load(&mf->prefault_pos) < mf->size) {
        rj_prefault_kick(s);
    }
    rj_waker_wake(&s->dispatch_waker);
}

typedef struct {
    rj_store_flush_waiter_t w;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool done;
    rj_put_status_t status;
} blocking_waiter_t;

static void
blocking_done(rj_store_flush_waiter_t *w, rj_put_status_t status)
{
    blocking_waiter_t *b = w->data;
    pthread_mutex_lock(&b->mu);
    b->status = status;
    b->done = true;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

static void
blocking_init(blocking_waiter_t *b)
{
    memset(b, 0, sizeof(*b));
    b->w.cb = blocking_done;
    b->w.data = b;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->cond, NULL);
}

static rj_put_status_t
blocking_wait(blocking_waiter_t *b)
{
    pthread_mutex_lock(&b->mu);
    while (!b->done) {
        pthread_cond_wait(&b->cond, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cond);
    return b->status;
}

static void
fill_msg_id(rj_store_put_result_t *res, const rj_msg_host_t *store_host)
{
    rj_message_id_encode(store_host, res->phy_offset, res->msg_id, sizeof(res->msg_id));
}

/* Builds the REAL_TOPIC/REAL_QID suffix of a delayed message into buf. */
static size_t
delay_suffix(char *buf, rj_bytes_t topic, int32_t queue_id)
{
    int n = snprintf(buf, SUFFIX_MAX, "%s\x01%.*s\x02%s\x01%d", RJ_PROP_REAL_TOPIC, (int)topic.len,
                     (const char *)topic.data, RJ_PROP_REAL_QUEUE_ID, queue_id);
    return n > 0 && n < SUFFIX_MAX ? (size_t)n : 0;
}

rj_put_status_t
rj_commitlog_put(rj_store_t *s, const rj_store_msg_t *msg, rj_store_flush_waiter_t *waiter,
                 rj_store_put_result_t *res)
{
    memset(res, 0, sizeof(*res));
    rj_put_status_t st = check_store(s);
    if (st != RJ_PUT_OK) {
        goto fail;
    }
    if (!rj_store_topic_is_safe(msg->topic) || msg->properties.len > RJ_MSG_PROPERTIES_MAX ||
        msg->body.len > (size_t)s->cfg.max_message_size ||
        (msg->born_host.family != 4 && msg->born_host.family != 6) ||
        (msg->store_host.family != 4 && msg->store_host.family != 6)) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                           "put refused: topic %zu bytes, properties %zu bytes, body %zu bytes",
                           msg->topic.len, msg->properties.len, msg->body.len);
        st = RJ_PUT_MESSAGE_ILLEGAL;
        goto fail;
    }
    record_fields_t f = {
        .queue_id = msg->queue_id,
        .flag = msg->flag,
        .sys_flag = host_flags(msg->sys_flag, &msg->born_host, &msg->store_host),
        .born_timestamp = msg->born_timestamp,
        .born_host = &msg->born_host,
        .store_host = &msg->store_host,
        .reconsume_times = msg->reconsume_times,
        .prepared_transaction_offset = msg->prepared_transaction_offset,
        .body = msg->body,
        .topic = msg->topic,
        .props = msg->properties,
    };
    int32_t tran = rj_sysflag_tran_type(f.sys_flag);
    bool queued = tran == RJ_SYSFLAG_TRANSACTION_NOT || tran == RJ_SYSFLAG_TRANSACTION_COMMIT;
    char suffix[SUFFIX_MAX];
    if (queued && msg->delay_level > 0 && s->max_delay_level > 0) {
        int32_t level =
            msg->delay_level > s->max_delay_level ? s->max_delay_level : msg->delay_level;
        size_t n = delay_suffix(suffix, msg->topic, msg->queue_id);
        f.props_tail = rj_bytes(suffix, n);
        f.props_sep = f.props.len > 0 && f.props.data[f.props.len - 1] != RJ_PROP_SEPARATOR;
        f.topic = RJ_BYTES_LIT(RJ_SCHEDULE_TOPIC);
        f.queue_id = level - 1;
    }
    size_t plen = f.props.len + f.props_tail.len + (f.props_sep ? 1 : 0);
    if (plen > RJ_MSG_PROPERTIES_MAX) {
        st = RJ_PUT_PROPERTIES_SIZE_EXCEEDED;
        goto fail;
    }
    size_t total = rj_message_record_length(f.sys_flag, f.body.len, f.topic.len, plen, false);
    if (total > (size_t)s->cfg.max_message_size + 65536 ||
        total + RJ_MSG_BLANK_LEN > (size_t)s->cl_file_size) {
        st = RJ_PUT_MESSAGE_ILLEGAL;
        goto fail;
    }
    f.total = (int32_t)total;
    f.body_crc = rj_crc32_masked(f.body.data, f.body.len);
    bool wait_flush = s->cfg.flush_disk_type == RJ_FLUSH_SYNC && msg->wait_store_msg_ok;
    blocking_waiter_t blocking;
    rj_store_flush_waiter_t *w = NULL;
    if (wait_flush) {
        if (waiter == NULL) {
            blocking_init(&blocking);
            w = &blocking.w;
        } else {
            w = waiter;
        }
    }

    pthread_mutex_lock(&s->append_lock);
    int64_t now = rj_clock_wall_ms();
    atomic_store_explicit(&s->begin_time_in_lock, now, memory_order_relaxed);
    rj_consume_queue_t *cq = rj_store_find_queue(s, f.topic, f.queue_id, true);
    rj_mapped_file_t *mf = NULL;
    int32_t pos = 0;
    if (cq == NULL) {
        st = RJ_PUT_UNKNOWN_ERROR;
    } else {
        st = reserve_locked(s, f.total, &mf, &pos);
    }
    if (st != RJ_PUT_OK) {
        atomic_store_explicit(&s->begin_time_in_lock, 0, memory_order_relaxed);
        pthread_mutex_unlock(&s->append_lock);
        if (w == &blocking.w) {
            pthread_mutex_destroy(&blocking.mu);
            pthread_cond_destroy(&blocking.cond);
        }
        goto fail;
    }
    int64_t queue_offset = queued ? cq->next_queue_offset : 0;
    int64_t phy = mf->from_offset + pos;
    encode_record(mf->base + pos, &f, queue_offset, phy, now);
    rj_mapped_file_set_wrote(mf, pos + f.total);
    atomic_store_explicit(&mf->store_timestamp, now, memory_order_release);
    if (queued) {
        cq->next_queue_offset++;
    }
    if (w != NULL) {
        w->next_offset = phy + f.total;
        rj_flush_service_enqueue_locked(s, w);
    }
    atomic_store_explicit(&s->begin_time_in_lock, 0, memory_order_relaxed);
    pthread_mutex_unlock(&s->append_lock);

    after_append(s, mf);
    atomic_fetch_add_explicit(&s->put_times, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->put_bytes, (uint64_t)f.total, memory_order_relaxed);
    res->status = RJ_PUT_OK;
    res->phy_offset = phy;
    res->wrote_bytes = f.total;
    res->queue_offset = queue_offset;
    res->store_timestamp = now;
    res->msg_num = 1;
    fill_msg_id(res, &msg->store_host);
    if (w != NULL) {
        rj_flush_service_wake(s);
        if (w == &blocking.w) {
            res->status = blocking_wait(&blocking);
            return res->status;
        }
        res->flush_pending = true;
    }
    return RJ_PUT_OK;
fail:
    res->status = st;
    atomic_fetch_add_explicit(&s->put_failed, 1, memory_order_relaxed);
    return st;
}

rj_put_status_t
rj_commitlog_put_batch(rj_store_t *s, const rj_store_batch_t *b, rj_store_flush_waiter_t *waiter,
                       rj_store_put_result_t *res)
{
    memset(res, 0, sizeof(*res));
    rj_put_status_t st = check_store(s);
    if (st != RJ_PUT_OK) {
        goto fail;
    }
    int32_t sys_flag = host_flags(b->sys_flag, &b->born_host, &b->store_host);
    if (rj_sysflag_tran_type(sys_flag) != RJ_SYSFLAG_TRANSACTION_NOT ||
        !rj_store_topic_is_safe(b->topic) || b->body.len > (size_t)s->cfg.max_message_size ||
        b->properties.len > RJ_MSG_PROPERTIES_MAX ||
        (b->born_host.family != 4 && b->born_host.family != 6) ||
        (b->store_host.family != 4 && b->store_host.family != 6)) {
        st = RJ_PUT_MESSAGE_ILLEGAL;
        goto fail;
    }
    /* First pass: validate the inner messages and size the whole batch. */
    size_t total = 0;
    int32_t count = 0;
    for (size_t off = 0; off < b->body.len;) {
        rj_message_batch_item_t it;
        int n = rj_message_batch_item_decode(b->body.data + off, b->body.len - off, &it);
        if (n <= 0) {
            st = RJ_PUT_MESSAGE_ILLEGAL;
            goto fail;
        }
        bool sep = it.properties.len > 0 && b->properties.len > 0 &&
                   it.properties.data[it.properties.len - 1] != RJ_PROP_SEPARATOR;
        size_t plen = it.properties.len + b->properties.len + (sep ? 1 : 0);
        if (plen > RJ_MSG_PROPERTIES_MAX) {
            st = RJ_PUT_PROPERTIES_SIZE_EXCEEDED;
            goto fail;
        }
        total += rj_message_record_length(sys_flag, it.body.len, b->topic.len, plen, false);
        count++;
        off += (size_t)n;
    }
    if (count == 0 || total + RJ_MSG_BLANK_LEN > (size_t)s->cl_file_size) {
        st = RJ_PUT_MESSAGE_ILLEGAL;
        goto fail;
    }
    bool wait_flush = s->cfg.flush_disk_type == RJ_FLUSH_SYNC && b->wait_store_msg_ok;
    blocking_waiter_t blocking;
    rj_store_flush_waiter_t *w = NULL;
    if (wait_flush) {
        if (waiter == NULL) {
            blocking_init(&blocking);
            w = &blocking.w;
        } else {
            w = waiter;
        }
    }

    pthread_mutex_lock(&s->append_lock);
    int64_t now = rj_clock_wall_ms();
    atomic_store_explicit(&s->begin_time_in_lock, now, memory_order_relaxed);
    rj_consume_queue_t *cq = rj_store_find_queue(s, b->topic, b->queue_id, true);
    rj_mapped_file_t *mf = NULL;
    int32_t pos = 0;
    st = cq == NULL ? RJ_PUT_UNKNOWN_ERROR : reserve_locked(s, (int32_t)total, &mf, &pos);
    if (st != RJ_PUT_OK) {
        atomic_store_explicit(&s->begin_time_in_lock, 0, memory_order_relaxed);
        pthread_mutex_unlock(&s->append_lock);
        if (w == &blocking.w) {
            pthread_mutex_destroy(&blocking.mu);
            pthread_cond_destroy(&blocking.cond);
        }
        goto fail;
    }
    int64_t first_phy = mf->from_offset + pos;
    int64_t first_queue_offset = cq->next_queue_offset;
    int32_t wpos = pos;
    int32_t i = 0;
    for (size_t off = 0; off < b->body.len; i++) {
        rj_message_batch_item_t it;
        int n = rj_message_batch_item_decode(b->body.data + off, b->body.len - off, &it);
        off += (size_t)n;
        record_fields_t f = {
            .queue_id = b->queue_id,
            .flag = it.flag,
            .sys_flag = sys_flag,
            .born_timestamp = b->born_timestamp,
            .born_host = &b->born_host,
            .store_host = &b->store_host,
            .reconsume_times = b->reconsume_times,
            .body = it.body,
            .topic = b->topic,
            .props = it.properties,
            .props_tail = b->properties,
            .props_sep = it.properties.len > 0 && b->properties.len > 0 &&
                         it.properties.data[it.properties.len - 1] != RJ_PROP_SEPARATOR,
        };
        size_t plen = f.props.len + f.props_tail.len + (f.props_sep ? 1 : 0);
        f.total =
            (int32_t)rj_message_record_length(sys_flag, it.body.len, b->topic.len, plen, false);
        f.body_crc = rj_crc32_masked(it.body.data, it.body.len);
        int64_t phy = mf->from_offset + wpos;
        encode_record(mf->base + wpos, &f, cq->next_queue_offset, phy, now);
        if (b->phy_offsets_out != NULL && (size_t)i < b->phy_offsets_cap) {
            b->phy_offsets_out[i] = phy;
        }
        cq->next_queue_offset++;
        wpos += f.total;
    }
    rj_mapped_file_set_wrote(mf, wpos);
    atomic_store_explicit(&mf->store_timestamp, now, memory_order_release);
    if (w != NULL) {
        w->next_offset = first_phy + (int64_t)total;
        rj_flush_service_enqueue_locked(s, w);
    }
    atomic_store_explicit(&s->begin_time_in_lock, 0, memory_order_relaxed);
    pthread_mutex_unlock(&s->append_lock);

    after_append(s, mf);
    atomic_fetch_add_explicit(&s->put_times, (uint64_t)count, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->put_bytes, (uint64_t)total, memory_order_relaxed);
    res->status = RJ_PUT_OK;
    res->phy_offset = first_phy;
    res->wrote_bytes = (int32_t)total;
    res->queue_offset = first_queue_offset;
    res->store_timestamp = now;
    res->msg_num = count;
    fill_msg_id(res, &b->store_host);
    if (w != NULL) {
        rj_flush_service_wake(s);
        if (w == &blocking.w) {
            res->status = blocking_wait(&blocking);
            return res->status;
        }
        res->flush_pending = true;
    }
    return RJ_PUT_OK;
fail:
    res->status = st;
    atomic_fetch_add_explicit(&s->put_failed, 1, memory_order_relaxed);
    return st;
}

int
rj_commitlog_select(rj_store_t *s, int64_t offset, int32_t size, rj_store_view_t *out)
{
    memset(out, 0, sizeof(*out));
    if (size <= 0 || offset < 0) {
        return RJ_ENOTFOUND;
    }
    rj_mapped_file_t *mf = rj_mfq_lookup(&s->cl, offset);
    if (mf == NULL) {
        return RJ_ENOTFOUND;
    }
    int64_t pos = offset - mf->from_offset;
    if (pos + size > rj_mapped_file_wrote(mf)) {
        rj_mapped_file_release(mf);
        return RJ_ENOTFOUND;
    }
    out->data = mf->base + pos;
    out->len = (uint32_t)size;
    out->phy_offset = offset;
    out->queue_offset = -1;
    out->mf = mf;
    return 0;
}

int64_t
rj_commitlog_pickup_store_timestamp(rj_store_t *s, int64_t offset, int32_t size)
{
    if (offset < rj_commitlog_min_offset(s)) {
        return -1;
    }
    rj_store_view_t v;
    int32_t need = size < 76 ? size : 76;
    if (rj_commitlog_select(s, offset, need, &v) != 0) {
        return -1;
    }
    int64_t ts = -1;
    if (v.len >= 64) {
        int32_t sys_flag = (int32_t)rj_load_be32(v.data + RJ_MSG_POS_SYSFLAG);
        if (!(sys_flag & RJ_SYSFLAG_BORNHOST_V6) || v.len >= 76) {
            ts = rj_message_record_store_timestamp(v.data);
        }
    }
    rj_store_view_release(&v);
    return ts;
}
