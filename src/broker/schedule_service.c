/*
 * The schedule thread. For every delay level it reads the next unit of the
 * level's queue through rj_store_get_message with a consume-queue filter
 * that captures the unit's tags code (the delivery time) and lets the record
 * through; if the time has come, the record is re-put to its real topic and
 * queue and the level's offset advances, else the thread sleeps until the
 * earliest due time (at most 100 ms, as Java re-checks). A put that fails is
 * retried after 100 ms. Offsets are plain int64s written by this thread and
 * read under `lock` by the persist and admin paths.
 */
#include "broker/schedule_service.h"

#include "broker/broker.h"
#include "broker/config_file.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define MAX_LEVELS 64
#define RECHECK_MS 100
#define FLUSH_DELAY_OFFSET_INTERVAL_MS 10000

struct rj_schedule_service {
    rj_broker_t *broker;
    rj_config_file_t file; /* delayOffset.json */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping, started;
    pthread_t thread;
    int32_t nlevels;
    int64_t offsets[MAX_LEVELS + 1]; /* index = level */
};

/* ---- offsets file ---------------------------------------------------------------------- */

void
rj_schedule_service_write(rj_schedule_service_t *s, rj_json_writer_t *w)
{
    pthread_mutex_lock(&s->lock);
    rj_jw_object_begin(w);
    rj_jw_key(w, "offsetTable");
    rj_jw_object_begin(w);
    for (int32_t level = 1; level <= s->nlevels; level++) {
        if (s->offsets[level] > 0) {
            rj_jw_key_int_unquoted(w, level);
            rj_jw_int(w, s->offsets[level]);
        }
    }
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    pthread_mutex_unlock(&s->lock);
}

static void
write_file(void *arg, rj_json_writer_t *w)
{
    rj_schedule_service_write(arg, w);
}

int
rj_schedule_service_persist(rj_schedule_service_t *s)
{
    return rj_config_file_persist(&s->file, write_file, s, RJ_CONFIG_FILE_CHECK_FIRST);
}

static int
load(rj_schedule_service_t *s)
{
    json_t *root;
    int rc = rj_config_file_load(&s->file, &root);
    if (root == NULL) {
        return rc;
    }
    const char *key;
    json_t *value;
    json_object_foreach(json_object_get(root, "offsetTable"), key, value)
    {
        int32_t level;
        int64_t offset;
        if (rj_bytes_parse_i32(rj_bytes_from_cstr(key), &level) == 0 && level >= 1 &&
            level <= MAX_LEVELS && rj_json_as_int(value, &offset) && offset >= 0) {
            s->offsets[level] = offset;
        }
    }
    json_decref(root);
    return 0;
}

int64_t
rj_schedule_service_offset(rj_schedule_service_t *s, int32_t level)
{
    if (level < 1 || level > MAX_LEVELS) {
        return 0;
    }
    pthread_mutex_lock(&s->lock);
    int64_t v = s->offsets[level];
    pthread_mutex_unlock(&s->lock);
    return v;
}

/* ---- delivery ----------------------------------------------------------------------------- */

typedef struct {
    int64_t tags_code;
    bool seen;
} capture_t;

static bool
capture_time(int64_t tags_code, void *arg)
{
    capture_t *c = arg;
    c->tags_code = tags_code;
    c->seen = true;
    return true;
}

/* Copies the delayed record to its real topic. Returns the put status. */
static rj_put_status_t
deliver(rj_broker_t *b, const rj_message_record_t *rec)
{
    rj_bytes_t real_topic, real_qid;
    int32_t qid;
    if (!rj_message_properties_get(rec->properties, RJ_PROP_REAL_TOPIC, &real_topic) ||
        !rj_message_properties_get(rec->properties, RJ_PROP_REAL_QUEUE_ID, &real_qid) ||
        rj_bytes_parse_i32(real_qid, &qid) != 0) {
        rj_log_ratelimited(1000, RJ_LOG_ERROR, 0,
                           "delayed message at %lld has no REAL_TOPIC/REAL_QID: dropped",
                           (long long)rec->phy_offset);
        return RJ_PUT_OK;
    }
    if (rj_bytes_eq_cstr(real_topic, RJ_TOPIC_TRANS_HALF)) {
        return RJ_PUT_OK; /* half messages are never delivered from the schedule topic */
    }
    /*
     * Same body, flags, born data, hosts and reconsume count; the property
     * string is the schedule record's (4.9.8 keeps DELAY/REAL_* in it too),
     * but no delay is applied again and nobody waits for a flush.
     */
    rj_store_msg_t msg = {
        .topic = real_topic,
        .queue_id = qid,
        .flag = rec->flag,
        .sys_flag = rec->sys_flag,
        .born_timestamp = rec->born_timestamp,
        .born_host = rec->born_host,
        .store_host = rec->store_host,
        .reconsume_times = rec->reconsume_times,
        .prepared_transaction_offset = rec->prepared_transaction_offset,
        .body = rec->body,
        .properties = rec->properties,
        .delay_level = 0,
        .wait_store_msg_ok = false,
    };
    rj_store_put_result_t res;
    return rj_store_put(b->store, &msg, NULL, &res);
}

/*
 * Delivers everything due on `level`. Returns the time (wall ms) the next
 * message of the level is due, or now + RECHECK_MS when nothing is queued
 * or a put failed.
 */
static int64_t
run_level(rj_schedule_service_t *s, int32_t level)
{
    rj_broker_t *b = s->broker;
    rj_bytes_t topic = RJ_BYTES_LIT(RJ_SCHEDULE_TOPIC);
    for (;;) {
        int64_t offset = rj_schedule_service_offset(s, level);
        rj_store_view_t view;
        capture_t cap = {0, false};
        rj_store_filter_t filter = {capture_time, NULL, &cap};
        rj_store_get_result_t res = {.views = &view, .cap = 1};
        if (rj_store_get_message(b->store, topic, level - 1, offset, 1, &filter, &res) != 0) {
            return rj_clock_wall_ms() + RECHECK_MS;
        }
        if (res.status == RJ_GET_OFFSET_TOO_SMALL || res.status == RJ_GET_OFFSET_OVERFLOW_BADLY) {
            /* Cleanup removed the start, or the offsets file is ahead: continue where data is. */
            pthread_mutex_lock(&s->lock);
            s->offsets[level] = res.next_begin_offset;
            rj_config_file_changed(&s->file);
            pthread_mutex_unlock(&s->lock);
            rj_store_get_result_release(&res);
            continue;
        }
        if (res.count == 0) {
            bool skip = res.status == RJ_GET_MESSAGE_WAS_REMOVING ||
                        res.status == RJ_GET_NO_MATCHED_MESSAGE;
            if (skip && res.next_begin_offset > offset) {
                pthread_mutex_lock(&s->lock);
                s->offsets[level] = res.next_begin_offset;
                rj_config_file_changed(&s->file);
                pthread_mutex_unlock(&s->lock);
                rj_store_get_result_release(&res);
                continue;
            }
            rj_store_get_result_release(&res);
            return rj_clock_wall_ms() + RECHECK_MS;
        }
        int64_t now = rj_clock_wall_ms();
        int64_t due = cap.tags_code;
        /* A due time further away than the level's delay means the clock went back: deliver now. */
        int64_t max_due = now + rj_store_delay_level_ms(b->store, level);
        if (due > max_due) {
            due = now;
        }
        if (due > now) {
            rj_store_get_result_release(&res);
            return due;
        }
        rj_message_record_t rec;
        rj_put_status_t st = RJ_PUT_OK;
        if (rj_message_record_decode(res.views[0].data, res.views[0].len, &rec, 0) > 0) {
            st = deliver(b, &rec);
        } else {
            rj_log(RJ_LOG_ERROR, 0, "schedule level %d offset %lld: record does not decode", level,
                   (long long)offset);
        }
        rj_store_get_result_release(&res);
        if (st != RJ_PUT_OK && st != RJ_PUT_FLUSH_DISK_TIMEOUT &&
            st != RJ_PUT_FLUSH_SLAVE_TIMEOUT && st != RJ_PUT_SLAVE_NOT_AVAILABLE) {
            rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                               "schedule level %d offset %lld: put failed (%s), retrying", level,
                               (long long)offset, rj_put_status_name(st));
            return rj_clock_wall_ms() + RECHECK_MS;
        }
        pthread_mutex_lock(&s->lock);
        s->offsets[level] = offset + 1;
        rj_config_file_changed(&s->file);
        pthread_mutex_unlock(&s->lock);
    }
}

static void *
thread_main(void *arg)
{
    rj_schedule_service_t *s = arg;
    rj_log_set_thread_name("ScheduleMessage");
    int64_t next_persist = rj_clock_mono_ms() + FLUSH_DELAY_OFFSET_INTERVAL_MS;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        pthread_mutex_unlock(&s->lock);
        int64_t next_due = rj_clock_wall_ms() + RECHECK_MS;
        for (int32_t level = 1; level <= s->nlevels; level++) {
            int64_t due = run_level(s, level);
            if (due < next_due) {
                next_due = due;
            }
        }
        if (rj_clock_mono_ms() >= next_persist) {
            rj_schedule_service_persist(s);
            next_persist = rj_clock_mono_ms() + FLUSH_DELAY_OFFSET_INTERVAL_MS;
        }
        int64_t wait = next_due - rj_clock_wall_ms();
        if (wait < 1) {
            wait = 1;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&s->lock);
        if (!s->stopping) {
            pthread_cond_timedwait(&s->cond, &s->lock, &ts);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int
rj_schedule_service_create(rj_broker_t *b, const char *offsets_path, rj_schedule_service_t **out)
{
    rj_schedule_service_t *s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    if (rj_config_file_init(&s->file, offsets_path) != 0) {
        rj_config_file_cleanup(&s->file);
        rj_free(s);
        return RJ_ENOMEM;
    }
    s->broker = b;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &attr);
    pthread_condattr_destroy(&attr);
    int32_t n = rj_store_max_delay_level(b->store);
    s->nlevels = n > MAX_LEVELS ? MAX_LEVELS : (n < 0 ? 0 : n);
    int rc = load(s);
    if (rc != 0) {
        rj_schedule_service_destroy(s);
        return rc;
    }
    rj_config_file_mark_persisted(&s->file);
    *out = s;
    return 0;
}

int
rj_schedule_service_start(rj_schedule_service_t *s)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int rc = pthread_create(&s->thread, &attr, thread_main, s);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        return -rc;
    }
    s->started = true;
    return 0;
}

void
rj_schedule_service_stop(rj_schedule_service_t *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    bool was = s->stopping;
    s->stopping = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    if (s->started && !was) {
        pthread_join(s->thread, NULL);
    }
    if (!was) {
        rj_schedule_service_persist(s);
    }
}

void
rj_schedule_service_destroy(rj_schedule_service_t *s)
{
    if (s == NULL) {
        return;
    }
    rj_schedule_service_stop(s);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    rj_config_file_cleanup(&s->file);
    rj_free(s);
}
