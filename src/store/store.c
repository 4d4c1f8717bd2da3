/*
 * Message store lifecycle (DefaultMessageStore: load, recover, start,
 * shutdown), the put entry points and statistics.
 *
 * Open order: lock file → abort marker → commit log → consume queues →
 * checkpoint → index → recovery → dispatch catch-up → next queue offsets from
 * the consume queues. Nothing is accepted before rj_store_start().
 */
#include "store/store_internal.h"

#include "store/store_path.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

const char *
rj_put_status_name(rj_put_status_t status)
{
    switch (status) {
#define XX(name, java, text) \
    case RJ_PUT_##name:      \
        return java;
        RJ_PUT_STATUS_MAP(XX)
#undef XX
    }
    return "UNKNOWN_ERROR";
}

const char *
rj_get_status_name(rj_get_status_t status)
{
    switch (status) {
#define XX(name)        \
    case RJ_GET_##name: \
        return #name;
        RJ_GET_STATUS_MAP(XX)
#undef XX
    }
    return "NO_MESSAGE_IN_QUEUE";
}

int64_t
rj_store_now_ms(rj_store_t *s)
{
    int64_t v = atomic_load(&s->now_override_ms);
    return v > 0 ? v : rj_clock_wall_ms();
}

void
rj_store_set_disk_ratio_fn(rj_store_t *s, rj_disk_ratio_fn fn, void *arg)
{
    s->disk_ratio = fn;
    s->disk_ratio_arg = arg;
}

void
rj_store_set_now_ms(rj_store_t *s, int64_t now_ms)
{
    atomic_store(&s->now_override_ms, now_ms);
}

rj_store_config_t *
rj_store_config(rj_store_t *s)
{
    return &s->cfg;
}

int
rj_store_set_config(rj_store_t *s, const char *key, const char *value, char *err, size_t err_size)
{
    const rj_config_option_t *o = rj_config_find(rj_store_config_options, key);
    if (o == NULL) {
        snprintf(err, err_size, "%s: not a store option", key);
        return RJ_ENOTFOUND;
    }
    if (!(o->flags & RJ_CONFIG_LIVE)) {
        snprintf(err, err_size, "%s cannot change while the store runs", key);
        return RJ_ESTATE;
    }
    pthread_mutex_lock(&s->cfg_mu);
    int rc = rj_config_set(rj_store_config_options, &s->cfg, key, value, err, err_size);
    pthread_mutex_unlock(&s->cfg_mu);
    if (rc == 0) {
        rj_log(RJ_LOG_INFO, 0, "store option %s set to %s", key, value);
    }
    return rc;
}

static int
take_lock(rj_store_t *s)
{
    int fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = -errno;
        rj_log(RJ_LOG_ERROR, rc, "open %s", s->lock_path);
        return rc;
    }
    /* A POSIX record lock, as RocketMQ's FileChannel.tryLock takes (excludes a Java
     * broker), and flock(), which also excludes a second open in this process. */
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    if (fcntl(fd, F_SETLK, &fl) != 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int rc = errno == EAGAIN || errno == EACCES ? RJ_EBUSY : -errno;
        rj_log(RJ_LOG_ERROR, errno, "Lock failed, MQ already started (%s)", s->lock_path);
        close(fd);
        return rc;
    }
    if (pwrite(fd, "lock", 4, 0) != 4 || fsync(fd) != 0) {
        rj_log(RJ_LOG_WARN, errno, "write %s", s->lock_path);
    }
    s->lock_fd = fd;
    return 0;
}

static int
cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* True when the file is missing, empty, or starts with 8 zero bytes (never written). */
static bool
segment_unwritten(const char *path, off_t size)
{
    if (size < 8) {
        return true;
    }
    uint8_t head[8] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    bool zero = pread(fd, head, sizeof(head), 0) == (ssize_t)sizeof(head) &&
                memcmp(head, "\0\0\0\0\0\0\0\0", 8) == 0;
    close(fd);
    return zero;
}

/*
 * Repairs what a crash can leave in the commit-log directory before it is
 * loaded: a segment the allocator was still creating (short and never
 * written) is deleted; a last segment cut short is extended with zeros
 * (recovery then ends the log at the cut). A short segment followed by written
 * ones is real damage: the load will refuse it.
 */
static int
repair_commit_log_files(rj_store_t *s)
{
    DIR *d = opendir(s->commit_log_dir);
    if (d == NULL) {
        return 0;
    }
    char(*names)[21] = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strlen(e->d_name) != 20 || strspn(e->d_name, "0123456789") != 20) {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char(*nn)[21] = rj_realloc(names, cap * sizeof(*names));
            if (nn == NULL) {
                closedir(d);
                rj_free(names);
                return RJ_ENOMEM;
            }
            names = nn;
        }
        memcpy(names[n++], e->d_name, 21);
    }
    closedir(d);
    if (n > 0) {
        qsort(names, n, sizeof(*names), cmp_names);
    }
    int rc = 0;
    for (size_t i = n; i > 0; i--) {
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", s->commit_log_dir, names[i - 1]);
        if (stat(path, &st) != 0) {
            continue;
        }
        bool unwritten = segment_unwritten(path, st.st_size);
        if (st.st_size < s->cl_file_size) {
            if (unwritten) {
                rj_log(RJ_LOG_WARN, 0,
                       "commit log segment %s was being created (%lld bytes): "
                       "deleted",
                       path, (long long)st.st_size);
                unlink(path);
                continue;
            }
            if (truncate(path, s->cl_file_size) != 0) {
                rc = -errno;
                rj_log(RJ_LOG_ERROR, rc, "extend %s", path);
            } else {
                rj_log(RJ_LOG_WARN, 0,
                       "commit log segment %s was cut to %lld bytes: extended "
                       "with zeros",
                       path, (long long)st.st_size);
            }
            break;
        }
        if (!unwritten) {
            break; /* the last written segment: earlier ones are left to the loader */
        }
    }
    rj_free(names);
    return rc;
}

static int
load_consume_queues(rj_store_t *s)
{
    DIR *d = opendir(s->cq_dir);
    if (d == NULL) {
        return errno == ENOENT ? 0 : -errno;
    }
    int rc = 0;
    struct dirent *t;
    while (rc == 0 && (t = readdir(d)) != NULL) {
        if (t->d_name[0] == '.') {
            continue;
        }
        char tdir[PATH_MAX];
        snprintf(tdir, sizeof(tdir), "%s/%s", s->cq_dir, t->d_name);
        DIR *qd = opendir(tdir);
        if (qd == NULL) {
            continue;
        }
        struct dirent *q;
        while (rc == 0 && (q = readdir(qd)) != NULL) {
            int32_t qid;
            if (q->d_name[0] == '.' ||
                rj_bytes_parse_i32(rj_bytes_from_cstr(q->d_name), &qid) != 0) {
                continue;
            }
            rj_consume_queue_t *cq =
                rj_store_find_queue(s, rj_bytes_from_cstr(t->d_name), qid, true);
            if (cq == NULL) {
                rc = RJ_ENOMEM;
                break;
            }
            rc = rj_consume_queue_load(cq);
            if (rc != 0) {
                rj_log(RJ_LOG_ERROR, rc, "load consume queue %s-%d", t->d_name, qid);
            }
        }
        closedir(qd);
    }
    closedir(d);
    return rc;
}

static void
store_free(rj_store_t *s)
{
    if (s->cur != NULL) {
        rj_mapped_file_release(s->cur);
        s->cur = NULL;
    }
    rj_index_service_cleanup(&s->index);
    if (atomic_load(&s->queues.slots) != NULL) {
        rj_queue_table_cleanup(&s->queues);
    }
    rj_mfq_cleanup(&s->cl);
    rj_checkpoint_close(&s->checkpoint);
    if (s->lock_fd >= 0) {
        close(s->lock_fd);
    }
    rj_waker_destroy(&s->alloc_waker);
    rj_waker_destroy(&s->dispatch_waker);
    rj_waker_destroy(&s->flush_waker);
    rj_waker_destroy(&s->watcher_waker);
    rj_waker_destroy(&s->service_waker);
    pthread_mutex_destroy(&s->append_lock);
    pthread_mutex_destroy(&s->alloc_mu);
    pthread_mutex_destroy(&s->gc_mu);
    pthread_mutex_destroy(&s->cfg_mu);
    rj_free(s->root_dir);
    rj_free(s->commit_log_dir);
    rj_free(s->cq_dir);
    rj_free(s->index_dir);
    rj_free(s->checkpoint_path);
    rj_free(s->abort_path);
    rj_free(s->lock_path);
    rj_store_config_cleanup(&s->cfg);
    rj_free(s);
}

int
rj_store_open(const rj_store_config_t *cfg, const rj_store_callbacks_t *cb, rj_store_t **out)
{
    int rc;
    rj_store_t *s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    s->lock_fd = -1;
    s->checkpoint.fd = -1;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&s->append_lock, &attr);
    pthread_mutexattr_destroy(&attr);
    pthread_mutex_init(&s->alloc_mu, NULL);
    pthread_mutex_init(&s->gc_mu, NULL);
    pthread_mutex_init(&s->cfg_mu, NULL);
    rj_waker_init(&s->alloc_waker);
    rj_waker_init(&s->dispatch_waker);
    rj_waker_init(&s->flush_waker);
    rj_waker_init(&s->watcher_waker);
    rj_waker_init(&s->service_waker);
    if ((rc = rj_store_config_copy(&s->cfg, cfg)) != 0) {
        rj_free(s);
        return rc;
    }
    if (cb != NULL) {
        s->cb = *cb;
    }
    /* Consume-queue files hold whole units. */
    s->cfg.mapped_file_size_consume_queue -= s->cfg.mapped_file_size_consume_queue % 20;
    s->cl_file_size = s->cfg.mapped_file_size_commit_log;
    if (s->cfg.mapped_file_size_consume_queue < 20 || s->cl_file_size < 4096) {
        rj_log(RJ_LOG_ERROR, 0, "mapped file sizes too small");
        rc = RJ_ECONFIG;
        goto fail;
    }
    s->max_delay_level = rj_store_delay_levels_parse(s->cfg.message_delay_level, s->delay_ms,
                                                     RJ_STORE_MAX_DELAY_LEVELS);
    if (s->max_delay_level < 0) {
        rj_log(RJ_LOG_ERROR, 0, "bad messageDelayLevel '%s'", s->cfg.message_delay_level);
        rc = RJ_ECONFIG;
        goto fail;
    }
    s->total_physical_memory = (int64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);

    s->root_dir =
        rj_fs_expand_home(s->cfg.store_path_root_dir ? s->cfg.store_path_root_dir : "~/store");
    if (s->root_dir == NULL) {
        rc = RJ_ENOMEM;
        goto fail;
    }
    if (s->cfg.store_path_commit_log != NULL && s->cfg.store_path_commit_log[0] != '\0') {
        s->commit_log_dir = rj_fs_expand_home(s->cfg.store_path_commit_log);
    } else {
        s->commit_log_dir = rj_store_path_dup(s->root_dir, RJ_STORE_PATH_COMMITLOG);
    }
    s->cq_dir = rj_store_path_dup(s->root_dir, RJ_STORE_PATH_CONSUMEQUEUE);
    s->index_dir = rj_store_path_dup(s->root_dir, RJ_STORE_PATH_INDEX);
    s->checkpoint_path = rj_store_path_dup(s->root_dir, RJ_STORE_PATH_CHECKPOINT);
    s->abort_path = rj_store_path_dup(s->root_dir, RJ_STORE_PATH_ABORT);
    s->lock_path = rj_store_path_dup(s->root_dir, RJ_STORE_PATH_LOCK);
    if (!s->commit_log_dir || !s->cq_dir || !s->index_dir || !s->checkpoint_path ||
        !s->abort_path || !s->lock_path) {
        rc = RJ_ENOMEM;
        goto fail;
    }
    if ((rc = rj_fs_mkdirs(s->root_dir, 0755)) != 0 ||
        (rc = rj_fs_mkdirs(s->commit_log_dir, 0755)) != 0 ||
        (rc = rj_fs_mkdirs(s->cq_dir, 0755)) != 0) {
        rj_log(RJ_LOG_ERROR, rc, "create store directories under %s", s->root_dir);
        goto fail;
    }
    if ((rc = take_lock(s)) != 0) {
        goto fail;
    }
    /* Under SYNC_FLUSH every group commit flushes the page being written. */
    unsigned cl_flags = s->cfg.flush_disk_type == RJ_FLUSH_SYNC ? RJ_MF_SMALL_FOLIOS : 0;
    if ((rc = rj_mfq_init(&s->cl, s->commit_log_dir, (size_t)s->cl_file_size, cl_flags)) != 0 ||
        (rc = rj_queue_table_init(&s->queues)) != 0 ||
        (rc = rj_index_service_init(&s->index, s->index_dir, s->cfg.max_hash_slot_num,
                                    s->cfg.max_index_num)) != 0) {
        goto fail;
    }
    s->last_exit_ok = !rj_fs_exists(s->abort_path);
    rj_log(RJ_LOG_INFO, 0, "opening store %s: last shutdown %s", s->root_dir,
           s->last_exit_ok ? "normally" : "abnormally");
    if ((rc = repair_commit_log_files(s)) != 0 || (rc = rj_mfq_load(&s->cl)) != 0) {
        rj_log(RJ_LOG_ERROR, rc, "load commit log %s", s->commit_log_dir);
        goto fail;
    }
    if ((rc = load_consume_queues(s)) != 0) {
        goto fail;
    }
    if ((rc = rj_checkpoint_open(&s->checkpoint, s->checkpoint_path)) != 0) {
        goto fail;
    }
    if ((rc = rj_index_service_load(&s->index)) != 0) {
        goto fail;
    }
    if ((rc = rj_recovery_run(s)) != 0) {
        goto fail;
    }
    rj_dispatch_catch_up(s);
    int64_t cl_min = rj_commitlog_min_offset(s);
    for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
        cq->next_queue_offset = rj_consume_queue_max_offset(cq);
        if (cl_min >= 0) {
            rj_consume_queue_correct_min_offset(cq, cl_min);
        }
    }
    s->cur = rj_mfq_last(&s->cl);
    s->last_physical_min_offset = cl_min;
    /* What recovery rebuilt is made durable before new data arrives. */
    rj_service_flush_queues(s, 0);
    rj_log(RJ_LOG_INFO, 0, "store opened: commit log [%lld, %lld), %zu consume queues",
           (long long)rj_commitlog_min_offset(s), (long long)rj_commitlog_max_offset(s),
           s->queues.count);
    *out = s;
    return 0;
fail:
    store_free(s);
    return rc;
}

int
rj_store_start(rj_store_t *s)
{
    int rc;
    if (atomic_load(&s->started)) {
        return RJ_ESTATE;
    }
    int fd = open(s->abort_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        rj_log(RJ_LOG_ERROR, rc, "create %s", s->abort_path);
        return rc;
    }
    close(fd);
    rj_fs_fsync_dir(s->root_dir);
    s->start_time_ms = rj_clock_wall_ms();
    atomic_store(&s->started, true);
    int started = 0;
    if ((rc = rj_prefault_start(s)) == 0 && ++started && (rc = rj_flush_service_start(s)) == 0 &&
        ++started && (rc = rj_dispatch_start(s)) == 0 && ++started &&
        (rc = rj_service_start(s)) == 0) {
        return 0;
    }
    /* Out of threads: undo what started; the store stays open, not started. */
    rj_log(RJ_LOG_ERROR, rc, "start store threads");
    atomic_store(&s->stopping, true);
    atomic_store(&s->stop_threads, true);
    if (started >= 1) {
        rj_prefault_stop(s);
    }
    if (started >= 3) {
        rj_dispatch_stop(s);
    }
    rj_flush_service_stop(s); /* stops whatever of it did start */
    atomic_store(&s->started, false);
    atomic_store(&s->stopping, false);
    atomic_store(&s->stop_threads, false);
    return rc;
}

void
rj_store_shutdown(rj_store_t *s)
{
    if (!atomic_load(&s->started) || atomic_load(&s->stopping)) {
        return;
    }
    atomic_store(&s->stopping, true);
    /* Puts in progress finish under the lock; later ones see `stopping`. */
    pthread_mutex_lock(&s->append_lock);
    pthread_mutex_unlock(&s->append_lock);
    atomic_store(&s->stop_threads, true);
    rj_prefault_stop(s);
    rj_dispatch_stop(s);
    rj_flush_service_stop(s);
    rj_service_stop(s);
    rj_service_flush_queues(s, 0);
    rj_index_service_flush_all(&s->index);
    int64_t behind = rj_store_dispatch_behind_bytes(s);
    bool clean = behind == 0 && !atomic_load(&s->logics_error) &&
                 rj_mfq_flushed_where(&s->cl) >= rj_commitlog_max_offset(s);
    rj_service_flush_queues(s, 0);
    if (clean) {
        unlink(s->abort_path);
        rj_fs_fsync_dir(s->root_dir);
        rj_log(RJ_LOG_INFO, 0, "store shut down normally");
    } else {
        rj_log(RJ_LOG_WARN, 0,
               "the store may be inconsistent (dispatch behind %lld bytes): "
               "shutting down abnormally, abort file kept",
               (long long)behind);
    }
    atomic_store(&s->started, false);
}

void
rj_store_close(rj_store_t *s)
{
    if (s == NULL) {
        return;
    }
    rj_store_shutdown(s);
    store_free(s);
}

rj_put_status_t
rj_store_put(rj_store_t *s, const rj_store_msg_t *msg, rj_store_flush_waiter_t *waiter,
             rj_store_put_result_t *res)
{
    return rj_commitlog_put(s, msg, waiter, res);
}

rj_put_status_t
rj_store_put_batch(rj_store_t *s, const rj_store_batch_t *batch, rj_store_flush_waiter_t *waiter,
                   rj_store_put_result_t *res)
{
    return rj_commitlog_put_batch(s, batch, waiter, res);
}

void
rj_store_execute_delete_files_manually(rj_store_t *s)
{
    atomic_store(&s->manual_delete_times, 20);
    rj_log(RJ_LOG_INFO, 0, "executeDeleteFilesManually was invoked");
}

void
rj_store_delete_topic(rj_store_t *s, rj_bytes_t topic)
{
    for (rj_consume_queue_t *cq = rj_queue_table_first(&s->queues); cq; cq = cq->all_next) {
        if (cq->topic_len == topic.len && memcmp(cq->topic, topic.data, topic.len) == 0) {
            pthread_mutex_lock(&s->append_lock);
            rj_consume_queue_destroy_files(cq);
            cq->next_queue_offset = 0;
            pthread_mutex_unlock(&s->append_lock);
            rj_log(RJ_LOG_INFO, 0, "deleted consume queue %s-%d", cq->topic, cq->queue_id);
        }
    }
}

int64_t
rj_store_delay_level_ms(rj_store_t *s, int32_t level)
{
    if (level < 1 || level > s->max_delay_level) {
        return -1;
    }
    return s->delay_ms[level - 1];
}

int32_t
rj_store_max_delay_level(rj_store_t *s)
{
    return s->max_delay_level;
}

int64_t
rj_store_lock_time_ms(rj_store_t *s)
{
    int64_t begin = atomic_load_explicit(&s->begin_time_in_lock, memory_order_relaxed);
    if (begin <= 0) {
        return 0;
    }
    int64_t diff = rj_clock_wall_ms() - begin;
    return diff < 0 ? 0 : diff;
}

bool
rj_store_is_os_pagecache_busy(rj_store_t *s)
{
    int64_t begin = atomic_load_explicit(&s->begin_time_in_lock, memory_order_relaxed);
    if (begin <= 0) {
        return false;
    }
    int64_t diff = rj_clock_wall_ms() - begin;
    return diff < 10000000 && diff > s->cfg.os_page_cache_busy_timeout_mills;
}

int64_t
rj_store_dispatch_behind_bytes(rj_store_t *s)
{
    return rj_commitlog_max_offset(s) - atomic_load(&s->reput_offset);
}

int64_t
rj_store_get_min_phy_offset(rj_store_t *s)
{
    return rj_commitlog_min_offset(s);
}

int64_t
rj_store_get_max_phy_offset(rj_store_t *s)
{
    return rj_commitlog_max_offset(s);
}

void
rj_store_get_stats(rj_store_t *s, rj_store_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    out->put_message_times_total = atomic_load(&s->put_times);
    out->put_message_size_total = atomic_load(&s->put_bytes);
    out->put_message_failed_times = atomic_load(&s->put_failed);
    out->get_message_times_total_found = atomic_load(&s->get_found);
    out->get_message_times_total_miss = atomic_load(&s->get_miss);
    out->get_message_transfered_msg_count = atomic_load(&s->get_transferred);
    out->dispatched_messages = atomic_load(&s->dispatched);
    out->commit_log_min_offset = rj_commitlog_min_offset(s);
    out->commit_log_max_offset = rj_commitlog_max_offset(s);
    out->commit_log_flushed_offset = rj_mfq_flushed_where(&s->cl);
    out->dispatch_behind_bytes = rj_store_dispatch_behind_bytes(s);
    out->flush_disk_timeouts = atomic_load(&s->flush_timeouts);
    out->commit_log_disk_ratio = rj_service_disk_ratio(s, s->commit_log_dir);
    out->consume_queue_disk_ratio = rj_service_disk_ratio(s, s->cq_dir);
    out->consume_queue_count = (int64_t)s->queues.count;
    pthread_rwlock_rdlock(&s->index.lock);
    out->index_file_count = (int64_t)s->index.count;
    pthread_rwlock_unlock(&s->index.lock);
    out->disk_full = atomic_load(&s->disk_full);
    out->writable = !out->disk_full && !atomic_load(&s->logics_error) &&
                    !atomic_load(&s->write_error) && s->cfg.broker_role != RJ_BROKER_ROLE_SLAVE;
    out->start_time_ms = s->start_time_ms;
}
