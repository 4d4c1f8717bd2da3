/*
 * Store service thread: consume-queue flushing and the checkpoint
 * (FlushConsumeQueueService), disk-usage checks, and cleanup of expired files
 * (CleanCommitLogService, CleanConsumeQueueService) with RocketMQ's rules:
 *
 * - commit-log segments (never the last), oldest first, are deleted when
 *   their mtime is older than fileReservedTime hours and either the hour is in
 *   deleteWhen, the disk is fuller than diskMaxUsedSpaceRatio, or a manual
 *   delete is pending; above the forced-clean ratio age does not matter; at
 *   most 10 per pass, the first one that may not go stops the pass;
 * - above the warning ratio the disk is marked full: puts are refused;
 * - then consume-queue files and index files below the new commit-log minimum
 *   go, and every queue's minimum offset moves to its first remaining record.
 *
 * The checkpoint records only what is durable: the commit-log time covered by
 * the last flush, and the consume-queue time captured before a flush of all
 * queues completed.
 */
#include "store/store_internal.h"

#include "common/clock.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#define DELETE_FILES_BATCH_MAX 10
#define DISK_CHECK_INTERVAL_MS 10000

double
rj_service_disk_ratio(rj_store_t *s, const char *path)
{
    if (s->disk_ratio != NULL) {
        return s->disk_ratio(path, s->disk_ratio_arg);
    }
    struct statvfs st;
    if (statvfs(path, &st) != 0 || st.f_blocks == 0) {
        return -1;
    }
    return (double)(st.f_blocks - st.f_bfree) / (double)st.f_blocks;
}

static void
set_disk_full(rj_store_t *s, bool full, const char *what, double ratio)
{
    bool was = atomic_exchange(&s->disk_full, full);
    if (full && !was) {
        rj_log(RJ_LOG_ERROR, 0,
               "%s disk maybe full soon, used %.2f%%, so mark disk full: puts "
               "refused",
               what, ratio * 100);
    } else if (!full && was) {
        rj_log(RJ_LOG_INFO, 0, "%s disk space OK, used %.2f%%, so mark disk ok", what, ratio * 100);
    }
}

void
rj_service_check_disk(rj_store_t *s)
{
    double ratio = rj_service_disk_ratio(s, s->commit_log_dir);
    double warn = s->cfg.disk_space_warning_level_ratio / 100.0;
    set_disk_full(s, ratio > warn, "commit log", ratio);
}

static bool
is_time_to_delete(rj_store_t *s)
{
    time_t sec = (time_t)(rj_store_now_ms(s) / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    char when[128];
    pthread_mutex_lock(&s->cfg_mu);
    snprintf(when, sizeof(when), "%s", s->cfg.delete_when ? s->cfg.delete_when : "");
    pthread_mutex_unlock(&s->cfg_mu);
    const char *p = when;
    while (*p != '\0') {
        char *endp;
        long h = strtol(p, &endp, 10);
        if (endp != p && h == tm.tm_hour) {
            rj_log(RJ_LOG_INFO, 0, "it's time to reclaim disk space, %s", when);
            return true;
        }
        p = endp;
        while (*p != '\0' && *p != ';') {
            p++;
        }
        if (*p == ';') {
            p++;
        }
    }
    return false;
}

static int32_t
clamp_ratio(int32_t r)
{
    return r < 10 ? 10 : r > 95 ? 95 : r;
}

static bool
is_space_to_delete(rj_store_t *s)
{
    double max = clamp_ratio(s->cfg.disk_max_used_space_ratio) / 100.0;
    double warn = s->cfg.disk_space_warning_level_ratio / 100.0;
    double force = s->cfg.disk_space_clean_forcibly_ratio / 100.0;
    double physic = rj_service_disk_ratio(s, s->commit_log_dir);
    double logics = rj_service_disk_ratio(s, s->cq_dir);
    double worst = physic > logics ? physic : logics;
    s->clean_immediately = worst > force;
    set_disk_full(s, worst > warn, physic >= logics ? "physic" : "logics", worst);
    if (physic < 0 || physic > max || logics < 0 || logics > max) {
        rj_log(RJ_LOG_INFO, 0,
               "disk maybe full soon, so reclaim space: physic %.2f%% logics %.2f%%", physic * 100,
               logics * 100);
        return true;
    }
    return false;
}

static int
delete_expired_commit_log(rj_store_t *s, int64_t expired_ms, bool clean_at_once)
{
    int deleted = 0;
    int64_t now = rj_store_now_ms(s);
    while (deleted < DELETE_FILES_BATCH_MAX && rj_mfq_count(&s->cl) > 1) {
        rj_mapped_file_t *mf = rj_mfq_first(&s->cl);
        if (mf == NULL) {
            break;
        }
        int64_t mtime = rj_mapped_file_mtime_ms(mf);
        bool expired = clean_at_once || (mtime >= 0 && now >= mtime + expired_ms);
        rj_mapped_file_release(mf);
        if (!expired) {
            break; /* never delete in the middle */
        }
        if (!rj_mfq_remove_first(&s->cl)) {
            break;
        }
        deleted++;
        if (s->cfg.delete_commit_log_files_interval > 0 && rj_mfq_count(&s->cl) > 1 &&
            deleted < DELETE_FILES_BATCH_MAX) {
            rj_clock_sleep_ms(s->cfg.delete_commit_log_files_interval);
        }
    }
    return deleted;
}

static void
delete_expired_queues(rj_store_t *s)
{
    int64_t min = rj_commitlog_min_offset(s);
    if (min <= s->last_physical_min_offset) {
        return;
    }
    s->last_physical_min_offset = min;
    for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
        int n = rj_consume_queue_delete_expired(cq, min);
        if (n > 0 && s->cfg.delete_consume_queue_files_interval > 0) {
            rj_clock_sleep_ms(s->cfg.delete_consume_queue_files_interval);
        }
    }
    rj_index_service_delete_expired(&s->index, min);
}

int
rj_service_clean_once(rj_store_t *s)
{
    int deleted = 0;
    bool timeup = is_time_to_delete(s);
    bool spacefull = is_space_to_delete(s);
    int manual = atomic_load(&s->manual_delete_times);
    if (timeup || spacefull || manual > 0) {
        if (manual > 0) {
            atomic_fetch_sub(&s->manual_delete_times, 1);
        }
        bool clean_at_once = s->cfg.clean_file_forcibly_enable && s->clean_immediately;
        rj_log(RJ_LOG_INFO, 0,
               "begin to delete before %d hours file. timeup: %d spacefull: %d "
               "manualDeleteFileSeveralTimes: %d cleanAtOnce: %d",
               s->cfg.file_reserved_time, timeup, spacefull, manual, clean_at_once);
        deleted = delete_expired_commit_log(s, (int64_t)s->cfg.file_reserved_time * 3600 * 1000,
                                            clean_at_once);
        if (deleted == 0 && spacefull) {
            rj_log(RJ_LOG_WARN, 0, "disk space will be full soon, but delete file failed.");
        }
    }
    delete_expired_queues(s);
    return deleted;
}

void
rj_service_flush_queues(rj_store_t *s, int least_pages)
{
    int64_t logics = atomic_load_explicit(&s->logics_msg_timestamp, memory_order_acquire);
    bool all_ok = true;
    for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
        if (rj_consume_queue_flush(cq, least_pages) != 0) {
            all_ok = false;
        }
    }
    rj_index_service_flush(&s->index, least_pages == 0);
    rj_checkpoint_values_t cp;
    rj_checkpoint_read(&s->checkpoint, &cp);
    rj_checkpoint_values_t nv = cp;
    if (least_pages == 0 && all_ok && logics > 0) {
        nv.logics_msg_timestamp = logics;
    }
    int64_t physic = atomic_load(&s->cl.flushed_timestamp);
    if (physic > 0) {
        nv.physic_msg_timestamp = physic;
    }
    int64_t index_ts = atomic_load(&s->index.full_flushed_timestamp);
    if (index_ts > 0) {
        nv.index_msg_timestamp = index_ts;
    }
    if (memcmp(&nv, &cp, sizeof(nv)) != 0) {
        int rc = rj_checkpoint_write(&s->checkpoint, &nv);
        if (rc != 0) {
            rj_log_ratelimited(10000, RJ_LOG_ERROR, rc, "checkpoint write failed");
        }
    }
}

static void *
service_main(void *arg)
{
    rj_store_t *s = arg;
    rj_log_set_thread_name("StoreService");
    int64_t now = rj_clock_mono_ms();
    int64_t next_flush = now + s->cfg.flush_interval_consume_queue;
    int64_t next_clean = now + s->cfg.clean_resource_interval;
    int64_t next_disk = now + 1000;
    s->last_cq_thorough_ms = now;
    while (!atomic_load(&s->stop_threads)) {
        now = rj_clock_mono_ms();
        if (now >= next_flush) {
            int least = s->cfg.flush_consume_queue_least_pages;
            if (now >= s->last_cq_thorough_ms + s->cfg.flush_consume_queue_thorough_interval) {
                s->last_cq_thorough_ms = now;
                least = 0;
            }
            rj_service_flush_queues(s, least);
            next_flush = now + s->cfg.flush_interval_consume_queue;
        }
        if (now >= next_disk) {
            rj_service_check_disk(s);
            next_disk = now + DISK_CHECK_INTERVAL_MS;
        }
        if (now >= next_clean) {
            rj_service_clean_once(s);
            next_clean = rj_clock_mono_ms() + s->cfg.clean_resource_interval;
        }
        int64_t next = next_flush < next_clean ? next_flush : next_clean;
        if (next_disk < next) {
            next = next_disk;
        }
        now = rj_clock_mono_ms();
        if (next > now) {
            rj_waker_wait(&s->service_waker, next - now, NULL, NULL);
        }
    }
    return NULL;
}

int
rj_service_start(rj_store_t *s)
{
    int rc = pthread_create(&s->service_thread, NULL, service_main, s);
    return rc == 0 ? 0 : -rc;
}

void
rj_service_stop(rj_store_t *s)
{
    rj_waker_wake_force(&s->service_waker);
    pthread_join(s->service_thread, NULL);
}
