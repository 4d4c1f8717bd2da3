/*
 * Commit-log flushing (store.md §8).
 *
 * ASYNC_FLUSH: every flushIntervalCommitLog ms, msync the written range when
 * at least flushCommitLogLeastPages pages are dirty, everything at least every
 * flushCommitLogThoroughInterval ms.
 *
 * SYNC_FLUSH (group commit): puts that wait enqueue a waiter {end offset,
 * deadline} under the append lock, so the list is in offset order. The flush
 * thread, woken by such puts (or every 10 ms), flushes everything written so
 * far — one msync covers every record appended meanwhile — and completes the
 * prefix of waiters whose records are now on disk. A watcher thread completes
 * waiters still pending at their deadline with FLUSH_DISK_TIMEOUT, so a stuck
 * fsync cannot hold replies forever. Each waiter leaves the list exactly once,
 * under gc_mu, so it is completed exactly once.
 */
#include "store/store_internal.h"

#include "common/clock.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <string.h>
#include <sys/mman.h>

void
rj_waker_init(rj_waker_t *w)
{
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
    atomic_init(&w->sleeping, false);
    w->signaled = false;
}

void
rj_waker_destroy(rj_waker_t *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
}

void
rj_waker_wait(rj_waker_t *w, int64_t timeout_ms, bool (*ready)(void *arg), void *arg)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (timeout_ms % 1000) * 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&w->mu);
    atomic_store(&w->sleeping, true);
    /* Dekker with rj_waker_wake(): either the waker sees `sleeping`, or we see its work. */
    atomic_thread_fence(memory_order_seq_cst);
    if (ready != NULL && ready(arg)) {
        w->signaled = true;
    }
    while (!w->signaled) {
        if (pthread_cond_timedwait(&w->cond, &w->mu, &ts) != 0) {
            break;
        }
    }
    w->signaled = false;
    atomic_store(&w->sleeping, false);
    pthread_mutex_unlock(&w->mu);
}

void
rj_waker_wake(rj_waker_t *w)
{
    /* Pairs with the fence in rj_waker_wait(). */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&w->sleeping, memory_order_relaxed)) {
        rj_waker_wake_force(w);
    }
}

void
rj_waker_wake_force(rj_waker_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->signaled = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

void
rj_flush_service_enqueue_locked(rj_store_t *s, rj_store_flush_waiter_t *w)
{
    w->next = NULL;
    w->deadline_ms = rj_clock_mono_ms() + s->cfg.sync_flush_timeout;
    pthread_mutex_lock(&s->gc_mu);
    if (s->gc_tail != NULL) {
        s->gc_tail->next = w;
    } else {
        s->gc_head = w;
    }
    s->gc_tail = w;
    pthread_mutex_unlock(&s->gc_mu);
}

void
rj_flush_service_wake(rj_store_t *s)
{
    rj_waker_wake(&s->flush_waker);
}

/* Detaches the waiters covered by `flushed` (or all with `all`); returns the chain. */
static rj_store_flush_waiter_t *
take_covered(rj_store_t *s, int64_t flushed, bool all)
{
    pthread_mutex_lock(&s->gc_mu);
    rj_store_flush_waiter_t *head = s->gc_head, *last = NULL, *w = head;
    while (w != NULL && (all || w->next_offset <= flushed)) {
        last = w;
        w = w->next;
    }
    if (last == NULL) {
        pthread_mutex_unlock(&s->gc_mu);
        return NULL;
    }
    s->gc_head = w;
    if (w == NULL) {
        s->gc_tail = NULL;
    }
    last->next = NULL;
    pthread_mutex_unlock(&s->gc_mu);
    return head;
}

static void
complete_chain(rj_store_t *s, rj_store_flush_waiter_t *w, int64_t flushed)
{
    while (w != NULL) {
        rj_store_flush_waiter_t *next = w->next;
        rj_put_status_t st = w->next_offset <= flushed ? RJ_PUT_OK : RJ_PUT_FLUSH_DISK_TIMEOUT;
        if (st != RJ_PUT_OK) {
            atomic_fetch_add(&s->flush_timeouts, 1);
        }
        w->next = NULL;
        w->cb(w, st);
        w = next;
    }
}

/*
 * Drops the writer's page-table entries of fully written commit-log pages
 * before they are flushed. Writeback must write-protect every writable entry
 * of a page it cleans, one TLB shootdown (an inter-processor interrupt, a VM
 * exit when virtualised) per page while other threads of the process run;
 * unmapping the range first costs one shootdown per call. The pages stay in
 * the page cache: readers fault them back in read-only, which writeback
 * never has to touch. The partial last page stays mapped for the writer.
 */
static int64_t
retire_written_pages(rj_store_t *s)
{
    int64_t from = s->retired_where;
    int64_t max = rj_commitlog_max_offset(s);
    int64_t min = rj_commitlog_min_offset(s);
    if (from < min) {
        from = min;
    }
    while (from < max) {
        rj_mapped_file_t *mf = rj_mfq_lookup(&s->cl, from);
        if (mf == NULL) {
            break;
        }
        int32_t wrote = rj_mapped_file_wrote(mf);
        bool full = (size_t)wrote == mf->size;
        int64_t end = mf->from_offset + (full ? (int64_t)mf->size
                                              : (int64_t)(wrote & ~(int32_t)(RJ_OS_PAGE_SIZE - 1)));
        if (end > from) {
            size_t off = (size_t)(from - mf->from_offset);
            madvise(mf->base + off, (size_t)(end - from), MADV_DONTNEED);
            from = end;
        }
        rj_mapped_file_release(mf);
        if (!full) {
            break;
        }
    }
    s->retired_where = from;
    return from;
}

static bool
has_waiters(void *arg)
{
    rj_store_t *s = arg;
    pthread_mutex_lock(&s->gc_mu);
    bool v = s->gc_head != NULL;
    pthread_mutex_unlock(&s->gc_mu);
    return v;
}

static void
group_commit_once(rj_store_t *s)
{
    int64_t max = rj_commitlog_max_offset(s);
    if (rj_mfq_flushed_where(&s->cl) < max) {
        retire_written_pages(s);
        int rc = rj_mfq_flush(&s->cl, 0);
        if (rc != 0) {
            rj_log_ratelimited(1000, RJ_LOG_ERROR, rc, "commit log flush failed");
        }
    }
    int64_t flushed = rj_mfq_flushed_where(&s->cl);
    complete_chain(s, take_covered(s, flushed, false), flushed);
}

static void *
flush_main(void *arg)
{
    rj_store_t *s = arg;
    rj_log_set_thread_name(s->cfg.flush_disk_type == RJ_FLUSH_SYNC ? "GroupCommit" : "FlushCL");
    s->last_thorough_flush_ms = rj_clock_mono_ms();
    s->retired_where = rj_commitlog_max_offset(s) & ~(int64_t)(RJ_OS_PAGE_SIZE - 1);
    while (!atomic_load(&s->stop_threads)) {
        if (s->cfg.flush_disk_type == RJ_FLUSH_SYNC) {
            if (!has_waiters(s)) {
                rj_waker_wait(&s->flush_waker, 10, has_waiters, s);
            }
            group_commit_once(s);
            continue;
        }
        int least = s->cfg.flush_commit_log_least_pages;
        int64_t now = rj_clock_mono_ms();
        if (now >= s->last_thorough_flush_ms + s->cfg.flush_commit_log_thorough_interval) {
            s->last_thorough_flush_ms = now;
            least = 0;
        }
        if (s->cfg.flush_commit_log_timed) {
            rj_clock_sleep_ms(s->cfg.flush_interval_commit_log);
        } else {
            rj_waker_wait(&s->flush_waker, s->cfg.flush_interval_commit_log, NULL, NULL);
        }
        /* A regular flush stops where the writer's mappings were dropped: pages
         * written after that are still mapped writable and would cost a TLB
         * shootdown each. A thorough flush takes everything. */
        int64_t retired = retire_written_pages(s);
        int rc = rj_mfq_flush_upto(&s->cl, least, least == 0 ? INT64_MAX : retired);
        if (rc != 0) {
            rj_log_ratelimited(1000, RJ_LOG_ERROR, rc, "commit log flush failed");
        }
    }
    /* Shutdown: everything on disk, every waiter answered. */
    for (int i = 0; i < 10; i++) {
        if (rj_mfq_flush(&s->cl, 0) == 0) {
            break;
        }
    }
    int64_t flushed = rj_mfq_flushed_where(&s->cl);
    complete_chain(s, take_covered(s, flushed, true), flushed);
    return NULL;
}

static void *
watcher_main(void *arg)
{
    rj_store_t *s = arg;
    rj_log_set_thread_name("FlushWatcher");
    while (!atomic_load(&s->stop_threads)) {
        int64_t now = rj_clock_mono_ms();
        int64_t wait = 100;
        rj_store_flush_waiter_t *expired = NULL, **tail = &expired;
        pthread_mutex_lock(&s->gc_mu);
        while (s->gc_head != NULL && s->gc_head->deadline_ms <= now) {
            rj_store_flush_waiter_t *w = s->gc_head;
            s->gc_head = w->next;
            if (s->gc_head == NULL) {
                s->gc_tail = NULL;
            }
            w->next = NULL;
            *tail = w;
            tail = &w->next;
        }
        if (s->gc_head != NULL && s->gc_head->deadline_ms - now < wait) {
            wait = s->gc_head->deadline_ms - now;
        }
        pthread_mutex_unlock(&s->gc_mu);
        if (expired != NULL) {
            rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                               "flush did not complete within syncFlushTimeout %d ms: "
                               "FLUSH_DISK_TIMEOUT",
                               s->cfg.sync_flush_timeout);
            /* Re-check against the latest flush: a waiter covered meanwhile is PUT_OK. */
            complete_chain(s, expired, rj_mfq_flushed_where(&s->cl));
        }
        rj_waker_wait(&s->watcher_waker, wait < 1 ? 1 : wait, NULL, NULL);
    }
    return NULL;
}

int
rj_flush_service_start(rj_store_t *s)
{
    int rc = pthread_create(&s->flush_thread, NULL, flush_main, s);
    if (rc != 0) {
        return -rc;
    }
    s->flush_running = true;
    if (s->cfg.flush_disk_type == RJ_FLUSH_SYNC) {
        rc = pthread_create(&s->watcher_thread, NULL, watcher_main, s);
        if (rc != 0) {
            return -rc;
        }
        s->watcher_running = true;
    }
    return 0;
}

void
rj_flush_service_stop(rj_store_t *s)
{
    if (s->flush_running) {
        rj_waker_wake_force(&s->flush_waker);
        pthread_join(s->flush_thread, NULL);
        s->flush_running = false;
    }
    if (s->watcher_running) {
        rj_waker_wake_force(&s->watcher_waker);
        pthread_join(s->watcher_thread, NULL);
        s->watcher_running = false;
    }
}
