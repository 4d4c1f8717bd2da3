/*
 * Dispatcher ("reput"): follows the commit log from reput_offset and, for
 * every record, writes its consume-queue unit (tran types NOT and COMMIT),
 * its index entries (all but ROLLBACK) and tells the arriving listener.
 *
 * Both writes are idempotent (units and index entries already present are
 * skipped), so recovery may replay any range. A record that cannot be
 * dispatched (a consume-queue file cannot be created) is retried, not skipped:
 * puts are refused meanwhile (logics error), as a unit missing for a stored
 * message would hide it from consumers.
 */
#include "store/store_internal.h"

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/clock.h"
#include "common/java_hash.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "common/thread_sched.h"
#include "ramjet/status.h"

#include <string.h>

#define DISPATCH_POLL_US 200
#define DISPATCH_SLICE_US 200

bool
rj_store_topic_is_safe(rj_bytes_t topic)
{
    /* The topic names a directory: nothing that leaves consumequeue/. */
    return topic.len > 0 && topic.len <= RJ_MSG_TOPIC_MAX_V1 &&
           memchr(topic.data, '/', topic.len) == NULL &&
           memchr(topic.data, '\0', topic.len) == NULL && !rj_bytes_eq_cstr(topic, ".") &&
           !rj_bytes_eq_cstr(topic, "..");
}

rj_consume_queue_t *
rj_store_find_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id, bool create)
{
    rj_consume_queue_t *cq =
        rj_queue_table_lookup(&s->queues, (const char *)topic.data, topic.len, queue_id);
    if (cq != NULL || !create || !rj_store_topic_is_safe(topic)) {
        return cq;
    }
    cq = rj_calloc(1, sizeof(*cq));
    if (cq == NULL) {
        return NULL;
    }
    if (rj_consume_queue_init(cq, s->cq_dir, (const char *)topic.data, topic.len, queue_id,
                              (size_t)s->cfg.mapped_file_size_consume_queue) != 0) {
        rj_free(cq);
        return NULL;
    }
    return rj_queue_table_insert(&s->queues, cq);
}

int64_t
rj_dispatch_tags_code(rj_store_t *s, rj_bytes_t topic, rj_bytes_t tags, rj_bytes_t delay,
                      int64_t store_timestamp)
{
    int64_t code = tags.len > 0 ? (int64_t)rj_java_hash(tags.data, tags.len) : 0;
    if (delay.len > 0 && rj_bytes_eq_cstr(topic, RJ_SCHEDULE_TOPIC)) {
        int32_t level;
        if (rj_bytes_parse_i32(delay, &level) == 0) {
            if (level > s->max_delay_level) {
                level = s->max_delay_level;
            }
            if (level > 0) {
                code = store_timestamp + s->delay_ms[level - 1];
            }
        }
    }
    return code;
}

typedef struct {
    rj_bytes_t tags, keys, uniq_key, delay;
} dispatch_props_t;

static void
scan_properties(rj_bytes_t props, dispatch_props_t *out)
{
    memset(out, 0, sizeof(*out));
    rj_message_properties_iter_t it;
    rj_bytes_t k, v;
    rj_message_properties_iter_init(&it, props);
    /* Later duplicates win, as in Java's map. */
    while (rj_message_properties_next(&it, &k, &v)) {
        if (rj_bytes_eq_cstr(k, RJ_PROP_TAGS)) {
            out->tags = v;
        } else if (rj_bytes_eq_cstr(k, RJ_PROP_KEYS)) {
            out->keys = v;
        } else if (rj_bytes_eq_cstr(k, RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX)) {
            out->uniq_key = v;
        } else if (rj_bytes_eq_cstr(k, RJ_PROP_DELAY_TIME_LEVEL)) {
            out->delay = v;
        }
    }
}

/* Returns 0, or a negative status when the record must be retried later. */
static int
dispatch_record(rj_store_t *s, const rj_message_record_t *rec)
{
    dispatch_props_t p;
    scan_properties(rec->properties, &p);
    int32_t tran = rj_sysflag_tran_type(rec->sys_flag);
    if (tran == RJ_SYSFLAG_TRANSACTION_NOT || tran == RJ_SYSFLAG_TRANSACTION_COMMIT) {
        int64_t tags_code =
            rj_dispatch_tags_code(s, rec->topic, p.tags, p.delay, rec->store_timestamp);
        rj_consume_queue_t *cq = rj_store_find_queue(s, rec->topic, rec->queue_id, true);
        if (cq == NULL && !rj_store_topic_is_safe(rec->topic)) {
            rj_log_ratelimited(1000, RJ_LOG_ERROR, 0,
                               "record at %lld has an unusable topic name: no consume queue unit",
                               (long long)rec->phy_offset);
            return 0;
        }
        int rc = cq == NULL ? RJ_ENOMEM
                            : rj_consume_queue_put(cq, rec->phy_offset, rec->total_size, tags_code,
                                                   rec->queue_offset);
        if (rc != 0 && rc != RJ_ECORRUPT) {
            if (!atomic_exchange(&s->logics_error, true)) {
                rj_log(RJ_LOG_ERROR, rc,
                       "consume queue %.*s-%d cannot be written: puts refused, retrying",
                       (int)rec->topic.len, (const char *)rec->topic.data, rec->queue_id);
            }
            return rc;
        }
        if (atomic_load_explicit(&s->logics_error, memory_order_relaxed)) {
            atomic_store(&s->logics_error, false);
            rj_log(RJ_LOG_INFO, 0, "consume queues writable again");
        }
        atomic_store_explicit(&s->logics_msg_timestamp, rec->store_timestamp, memory_order_release);
        /* Nobody can be waiting before the store started: recovery replays silently. */
        if (s->cb.arriving != NULL && atomic_load_explicit(&s->started, memory_order_relaxed)) {
            s->cb.arriving(s->cb.arriving_arg, rec->topic, rec->queue_id, rec->queue_offset + 1,
                           tags_code, rec->store_timestamp, rec->properties);
        }
    }
    if (s->cfg.message_index_enable && tran != RJ_SYSFLAG_TRANSACTION_ROLLBACK) {
        int rc = rj_index_service_build(&s->index, rec->topic, rec->phy_offset,
                                        rec->store_timestamp, p.uniq_key, p.keys);
        bool was = atomic_load_explicit(&s->write_error, memory_order_relaxed);
        if (rc != 0 && !was) {
            atomic_store(&s->write_error, true);
        } else if (rc == 0 && was) {
            atomic_store(&s->write_error, false);
            rj_log(RJ_LOG_INFO, 0, "index writable again");
        }
    }
    atomic_fetch_add_explicit(&s->dispatched, 1, memory_order_relaxed);
    return 0;
}

/* Dispatches what is written. Returns 0, or a negative status to retry later. */
static int
do_reput(rj_store_t *s)
{
    int64_t reput = atomic_load_explicit(&s->reput_offset, memory_order_acquire);
    int64_t min = rj_commitlog_min_offset(s);
    if (min >= 0 && reput < min) {
        rj_log(RJ_LOG_WARN, 0,
               "dispatch offset %lld is below the commit log minimum %lld: skipping ahead",
               (long long)reput, (long long)min);
        reput = min;
        atomic_store(&s->reput_offset, reput);
    }
    rj_mapped_file_t *mf = NULL;
    int rc = 0;
    for (;;) {
        if (mf == NULL || reput < mf->from_offset || reput >= mf->from_offset + (int64_t)mf->size) {
            if (mf != NULL) {
                rj_mapped_file_release(mf);
            }
            mf = rj_mfq_lookup(&s->cl, reput);
            if (mf == NULL) {
                break;
            }
        }
        int32_t pos = (int32_t)(reput - mf->from_offset);
        int32_t wrote = rj_mapped_file_wrote(mf);
        if (pos >= wrote) {
            if ((size_t)wrote == mf->size) {
                reput = rj_commitlog_roll_next_file(s, reput);
                continue;
            }
            break;
        }
        const uint8_t *p = mf->base + pos;
        size_t avail = (size_t)(wrote - pos);
        if (rj_message_record_is_blank(p, avail)) {
            reput = rj_commitlog_roll_next_file(s, reput);
            atomic_store_explicit(&s->reput_offset, reput, memory_order_release);
            continue;
        }
        rj_message_record_t rec;
        int n = rj_message_record_decode(p, avail, &rec, 0);
        if (n <= 0) {
            rj_log(RJ_LOG_ERROR, n,
                   "dispatch: invalid record at commit log offset %lld, "
                   "skipping the rest of its segment",
                   (long long)reput);
            reput = rj_commitlog_roll_next_file(s, reput);
            atomic_store_explicit(&s->reput_offset, reput, memory_order_release);
            continue;
        }
        /* Replicated or recovered bytes carry their own offset; trust the position. */
        rec.phy_offset = reput;
        rc = dispatch_record(s, &rec);
        if (rc != 0) {
            break;
        }
        if (s->cfg.broker_role == RJ_BROKER_ROLE_SLAVE) {
            /* Replicated bytes carry no append time: let the flusher learn it here. */
            atomic_store_explicit(&mf->store_timestamp, rec.store_timestamp, memory_order_release);
        }
        reput += n;
        atomic_store_explicit(&s->reput_offset, reput, memory_order_release);
    }
    if (mf != NULL) {
        rj_mapped_file_release(mf);
    }
    atomic_store_explicit(&s->reput_offset, reput, memory_order_release);
    return rc;
}

void
rj_dispatch_catch_up(rj_store_t *s)
{
    for (int tries = 0; tries < 1000; tries++) {
        int rc = do_reput(s);
        if (rc == 0 || atomic_load(&s->stop_threads)) {
            if (atomic_load(&s->reput_offset) >= rj_commitlog_max_offset(s)) {
                return;
            }
        }
        if (rc != 0) {
            rj_waker_wait(&s->dispatch_waker, 100, NULL, NULL);
        }
    }
}

static bool
behind(void *arg)
{
    rj_store_t *s = arg;
    return atomic_load(&s->reput_offset) < rj_commitlog_max_offset(s);
}

/*
 * While records keep coming, the dispatcher polls every DISPATCH_POLL_US
 * (RocketMQ's reput polls every millisecond, which alone adds half a
 * millisecond to the median end-to-end latency) and writers never pay for a
 * wake-up; once it found nothing twice in a row it sleeps announced, and the
 * next put wakes it.
 */
static void *
dispatch_main(void *arg)
{
    rj_store_t *s = arg;
    rj_log_set_thread_name("ReputMessage");
    /* Short bursts that consumers wait for: preempt long background bursts. */
    (void)rj_thread_request_slice_us(DISPATCH_SLICE_US);
    int idle = 0;
    while (!atomic_load(&s->stop_threads)) {
        int64_t before = atomic_load(&s->reput_offset);
        int rc = do_reput(s);
        if (rc != 0) {
            rj_waker_wait(&s->dispatch_waker, 1000, NULL, NULL);
            continue;
        }
        idle = atomic_load(&s->reput_offset) == before ? idle + 1 : 0;
        if (idle < 2) {
            rj_clock_sleep_us(DISPATCH_POLL_US);
        } else {
            rj_waker_wait(&s->dispatch_waker, 100, behind, s);
        }
    }
    /* Shutdown: puts have stopped; dispatch everything that was written. */
    for (int i = 0; i < 50 && behind(s); i++) {
        if (do_reput(s) != 0) {
            rj_waker_wait(&s->dispatch_waker, 100, NULL, NULL);
        }
    }
    return NULL;
}

int
rj_dispatch_start(rj_store_t *s)
{
    int rc = pthread_create(&s->dispatch_thread, NULL, dispatch_main, s);
    return rc == 0 ? 0 : -rc;
}

void
rj_dispatch_stop(rj_store_t *s)
{
    rj_waker_wake_force(&s->dispatch_waker);
    pthread_join(s->dispatch_thread, NULL);
}
