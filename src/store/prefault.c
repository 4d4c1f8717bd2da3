/*
 * Allocator thread (RocketMQ's AllocateMappedFileService, plus pre-faulting):
 * keeps the next commit-log segment created, space-reserved and mapped before
 * the writer needs it, and keeps RJ_PREFAULT_WINDOW bytes ahead of the write
 * position write-faulted (MADV_POPULATE_WRITE), so the append path neither
 * creates files nor takes page faults. Only a window is faulted, not the whole
 * segment: faulting a 1 GiB segment at once would hold 1 GiB of page cache
 * and could write zeros back to disk before the writer overwrote them.
 */
#include "store/store_internal.h"

#include "common/log.h"
#include "ramjet/status.h"

#include <sched.h>

/*
 * Faulted per call, so the writer sees progress early, and small: on a kernel
 * without preemption (PREEMPT_NONE) a thread in a system call keeps its core
 * until the call returns, and a woken I/O thread waits behind it.
 */
#ifndef PREFAULT_CHUNK
#define PREFAULT_CHUNK (128u << 10)
#endif

static size_t
window(rj_store_t *s)
{
    return (size_t)s->cl_file_size < RJ_PREFAULT_WINDOW ? (size_t)s->cl_file_size
                                                        : RJ_PREFAULT_WINDOW;
}

/* Faults the last segment up to its write position + window. Returns true if work was left. */
static bool
prefault_current(rj_store_t *s)
{
    rj_mapped_file_t *mf = rj_mfq_last(&s->cl);
    if (mf == NULL) {
        return false;
    }
    size_t target = (size_t)rj_mapped_file_wrote(mf) + window(s);
    if (target > mf->size) {
        target = mf->size;
    }
    int rc = 0;
    while (rc == 0 && (size_t)atomic_load(&mf->prefault_pos) < target &&
           !atomic_load(&s->stop_threads)) {
        size_t step = (size_t)atomic_load(&mf->prefault_pos) + PREFAULT_CHUNK;
        rc = rj_mapped_file_prefault(mf, step < target ? step : target);
        /* Lets a woken I/O thread have this core now rather than at the end of
         * our slice: the scheduler does not preempt a background burst for it. */
        sched_yield();
    }
    if (rc != 0) {
        rj_log_ratelimited(10000, RJ_LOG_ERROR, rc, "pre-fault of %s failed", mf->path);
    }
    rj_mapped_file_release(mf);
    return false;
}

static void
prepare_next(rj_store_t *s)
{
    pthread_mutex_lock(&s->alloc_mu);
    if (s->prepared != NULL || atomic_load(&s->stop_threads)) {
        pthread_mutex_unlock(&s->alloc_mu);
        return;
    }
    /* The writer installs segments under alloc_mu too: `last` cannot move here. */
    rj_mapped_file_t *last = rj_mfq_last(&s->cl);
    int64_t from = 0;
    if (last != NULL) {
        from = last->from_offset + s->cl_file_size;
        rj_mapped_file_release(last);
    }
    rj_mapped_file_t *mf;
    int rc = rj_mfq_prepare_file(&s->cl, from, &mf);
    if (rc != 0) {
        bool first = s->prepared_error == 0;
        s->prepared_error = rc;
        pthread_mutex_unlock(&s->alloc_mu);
        if (first) {
            rj_log(RJ_LOG_ERROR, rc, "cannot prepare commit log segment at %lld", (long long)from);
        }
        return;
    }
    s->prepared_error = 0;
    s->prepared = mf;
    /* Hold it while faulting: the writer may take and use it meanwhile. */
    rj_mapped_file_retain(mf);
    pthread_mutex_unlock(&s->alloc_mu);
    size_t w = window(s);
    rc = 0;
    for (size_t at = 0; at < w && rc == 0 && !atomic_load(&s->stop_threads); at += PREFAULT_CHUNK) {
        rc = rj_mapped_file_prefault(mf, at + PREFAULT_CHUNK < w ? at + PREFAULT_CHUNK : w);
        sched_yield(); /* as in prefault_current() */
    }
    rj_mapped_file_release(mf);
}

/* True when the writer got within half a window of the faulted pages, or no segment waits. */
static bool
has_work(void *arg)
{
    rj_store_t *s = arg;
    pthread_mutex_lock(&s->alloc_mu);
    bool need_next = s->prepared == NULL && s->prepared_error == 0;
    pthread_mutex_unlock(&s->alloc_mu);
    if (need_next) {
        return true;
    }
    rj_mapped_file_t *mf = rj_mfq_last(&s->cl);
    if (mf == NULL) {
        return false;
    }
    size_t pf = (size_t)atomic_load(&mf->prefault_pos);
    bool near = pf < mf->size && (size_t)rj_mapped_file_wrote(mf) + window(s) / 2 > pf;
    rj_mapped_file_release(mf);
    return near;
}

static void *
alloc_main(void *arg)
{
    rj_store_t *s = arg;
    rj_log_set_thread_name("AllocMappedFile");
    while (!atomic_load(&s->stop_threads)) {
        prefault_current(s);
        prepare_next(s);
        /* Re-checked after announcing the sleep: a kick that came while we were
         * busy is not lost (the writer would otherwise fault its own pages). */
        rj_waker_wait(&s->alloc_waker, 100, has_work, s);
    }
    return NULL;
}

void
rj_prefault_kick(rj_store_t *s)
{
    rj_waker_wake(&s->alloc_waker);
}

int
rj_prefault_start(rj_store_t *s)
{
    int rc = pthread_create(&s->alloc_thread, NULL, alloc_main, s);
    return rc == 0 ? 0 : -rc;
}

void
rj_prefault_stop(rj_store_t *s)
{
    rj_waker_wake_force(&s->alloc_waker);
    pthread_join(s->alloc_thread, NULL);
    pthread_mutex_lock(&s->alloc_mu);
    rj_mapped_file_t *mf = s->prepared;
    s->prepared = NULL;
    pthread_mutex_unlock(&s->alloc_mu);
    if (mf != NULL) {
        /* Never appended: delete it, so a restart does not load an empty segment. */
        rj_mapped_file_destroy(mf, true);
    }
}
