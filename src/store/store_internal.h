/*
 * The message store object, shared by the store's .c files (never by other
 * modules). Fields are grouped by the thread or lock that owns them.
 */
#ifndef RJ_STORE_STORE_INTERNAL_H
#define RJ_STORE_STORE_INTERNAL_H

#include "store/checkpoint.h"
#include "store/index_service.h"
#include "store/mapped_file_queue.h"
#include "store/queue_table.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Window the allocator keeps write-faulted ahead of the commit-log writer. */
#ifndef RJ_PREFAULT_WINDOW
#define RJ_PREFAULT_WINDOW (16u << 20)
#endif

/* A sleeping thread another thread may wake; wakes are skipped while it runs. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    _Atomic bool sleeping;
    bool signaled;
} rj_waker_t;

void rj_waker_init(rj_waker_t *w);
void rj_waker_destroy(rj_waker_t *w);
/*
 * Sleeps up to timeout_ms or until woken. `ready` (may be NULL) is checked after
 * announcing the sleep, so work published before a wake is never missed.
 */
void rj_waker_wait(rj_waker_t *w, int64_t timeout_ms, bool (*ready)(void *arg), void *arg);
/* Wakes the sleeper (cheap when it is not sleeping). */
void rj_waker_wake(rj_waker_t *w);
/* Wakes even a thread about to sleep (shutdown). */
void rj_waker_wake_force(rj_waker_t *w);

/* Disk usage of the partition holding `path`, 0..1, or -1. Tests replace it. */
typedef double (*rj_disk_ratio_fn)(const char *path, void *arg);

struct rj_store {
    rj_store_config_t cfg;
    pthread_mutex_t cfg_mu; /* string options (deleteWhen) changed while running */
    rj_store_callbacks_t cb;
    char *root_dir;
    char *commit_log_dir;
    char *cq_dir;
    char *index_dir;
    char *checkpoint_path;
    char *abort_path;
    char *lock_path;
    int lock_fd;
    int64_t delay_ms[RJ_STORE_MAX_DELAY_LEVELS];
    int32_t max_delay_level;
    int64_t total_physical_memory;
    int64_t start_time_ms;
    bool last_exit_ok;

    /* Commit log. `cur` and queue offsets belong to the append lock. */
    rj_mapped_file_queue_t cl;
    int32_t cl_file_size;
    pthread_mutex_t append_lock;
    rj_mapped_file_t *cur;
    _Atomic int64_t begin_time_in_lock;

    /* Allocator: the next segment, created and pre-faulted ahead of need. */
    pthread_mutex_t alloc_mu;
    rj_mapped_file_t *prepared; /* alloc_mu */
    int prepared_error;         /* alloc_mu: last creation failure */
    rj_waker_t alloc_waker;
    pthread_t alloc_thread;

    /* Consume queues and index. */
    rj_queue_table_t queues;
    rj_index_service_t index;

    /* Checkpoint: values maintained in memory, written by the service thread. */
    rj_checkpoint_t checkpoint;
    _Atomic int64_t logics_msg_timestamp; /* store time of the last dispatched record */

    /* Dispatcher ("reput"). */
    _Atomic int64_t reput_offset;
    rj_waker_t dispatch_waker;
    pthread_t dispatch_thread;
    _Atomic uint64_t dispatched;

    /* Commit-log flush. */
    rj_waker_t flush_waker;
    pthread_t flush_thread;
    pthread_mutex_t gc_mu; /* group-commit waiters */
    rj_store_flush_waiter_t *gc_head;
    rj_store_flush_waiter_t *gc_tail;
    pthread_t watcher_thread;
    rj_waker_t watcher_waker;
    bool flush_running;
    bool watcher_running;
    int64_t last_thorough_flush_ms;
    int64_t retired_where; /* flush thread: commit-log pages unmapped from the writer below */

    /* Service thread: consume-queue flush, checkpoint, cleanup, disk checks. */
    rj_waker_t service_waker;
    pthread_t service_thread;
    int64_t last_cq_thorough_ms;
    int64_t last_clean_ms;
    int64_t last_disk_check_ms;
    int64_t last_physical_min_offset;
    _Atomic int manual_delete_times;
    bool clean_immediately;
    rj_disk_ratio_fn disk_ratio;
    void *disk_ratio_arg;
    /* Test hook: when > 0, the service thread's idea of "now" (ms). */
    _Atomic int64_t now_override_ms;

    /* State flags. */
    _Atomic bool started;
    _Atomic bool stopping; /* no more puts */
    _Atomic bool stop_threads;
    _Atomic bool disk_full;
    _Atomic bool logics_error;
    _Atomic bool write_error;

    /* Statistics. */
    _Atomic uint64_t put_times;
    _Atomic uint64_t put_bytes;
    _Atomic uint64_t put_failed;
    _Atomic uint64_t get_found;
    _Atomic uint64_t get_miss;
    _Atomic uint64_t get_transferred;
    _Atomic int64_t flush_timeouts;
};

/* commitlog.c */
rj_put_status_t rj_commitlog_put(rj_store_t *s, const rj_store_msg_t *msg,
                                 rj_store_flush_waiter_t *waiter, rj_store_put_result_t *res);
rj_put_status_t rj_commitlog_put_batch(rj_store_t *s, const rj_store_batch_t *b,
                                       rj_store_flush_waiter_t *waiter, rj_store_put_result_t *res);
/* The segment after `cur` for the writer: the prepared one, or created now. */
rj_mapped_file_t *rj_commitlog_next_segment(rj_store_t *s, int64_t from_offset, int *err);
int64_t rj_commitlog_min_offset(rj_store_t *s);
int64_t rj_commitlog_max_offset(rj_store_t *s);
int64_t rj_commitlog_roll_next_file(rj_store_t *s, int64_t offset);
/* `size` bytes at `offset` if written; view holds a reference. */
int rj_commitlog_select(rj_store_t *s, int64_t offset, int32_t size, rj_store_view_t *out);
/* Store time of the record at `offset`, -1 if unreadable. */
int64_t rj_commitlog_pickup_store_timestamp(rj_store_t *s, int64_t offset, int32_t size);

/* flush_service.c */
int rj_flush_service_start(rj_store_t *s);
void rj_flush_service_stop(rj_store_t *s);
/* Adds a SYNC_FLUSH waiter; called with the append lock held (keeps offset order). */
void rj_flush_service_enqueue_locked(rj_store_t *s, rj_store_flush_waiter_t *w);
void rj_flush_service_wake(rj_store_t *s);

/* prefault.c */
int rj_prefault_start(rj_store_t *s);
void rj_prefault_stop(rj_store_t *s);
/* Writer: the current segment's write position crossed into the window. */
void rj_prefault_kick(rj_store_t *s);

/* dispatch.c */
int rj_dispatch_start(rj_store_t *s);
void rj_dispatch_stop(rj_store_t *s);
/* Dispatches everything written so far (startup catch-up, tests). */
void rj_dispatch_catch_up(rj_store_t *s);
/* True for topics usable as a directory name (no '/', NUL, "." or ".."). */
bool rj_store_topic_is_safe(rj_bytes_t topic);
/* Consume-queue object for (topic, queue), created if `create`. */
rj_consume_queue_t *rj_store_find_queue(rj_store_t *s, rj_bytes_t topic, int32_t queue_id,
                                        bool create);
/* tagsCode of a record: javaHash(TAGS), or the delivery time for the schedule topic. */
int64_t rj_dispatch_tags_code(rj_store_t *s, rj_bytes_t topic, rj_bytes_t tags, rj_bytes_t delay,
                              int64_t store_timestamp);

/* recovery.c */
int rj_recovery_run(rj_store_t *s);

/* service.c */
int rj_service_start(rj_store_t *s);
void rj_service_stop(rj_store_t *s);
/* One cleanup pass (deleteWhen/ratios/manual rules). Returns files deleted. */
int rj_service_clean_once(rj_store_t *s);
/* Flushes consume queues (least_pages 0 = all) and writes the checkpoint. */
void rj_service_flush_queues(rj_store_t *s, int least_pages);
/* Re-reads the disk usage and sets or clears the disk-full state. */
void rj_service_check_disk(rj_store_t *s);
/* Used / total of the partition holding `path` (0..1), -1 if unknown. */
double rj_service_disk_ratio(rj_store_t *s, const char *path);

/* store.c */
int64_t rj_store_now_ms(rj_store_t *s);
/* Test hooks. */
void rj_store_set_disk_ratio_fn(rj_store_t *s, rj_disk_ratio_fn fn, void *arg);
void rj_store_set_now_ms(rj_store_t *s, int64_t now_ms);

#endif
