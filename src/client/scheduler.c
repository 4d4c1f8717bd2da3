/*
 * Scheduler thread: waits on a condition variable until the earliest task is
 * due (pthread_cond_timedwait on CLOCK_MONOTONIC), pops and runs due tasks
 * without holding the lock.
 */
#include "client/scheduler.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct {
    int64_t due_ms;
    uint64_t seq;
    rj_task_t task;
} sched_entry_t;

struct rj_scheduler {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool started;
    bool stopping;
    bool joined;
    sched_entry_t *heap;
    size_t count;
    size_t cap;
    uint64_t next_seq;
    char name[16];
};

static bool
entry_before(const sched_entry_t *a, const sched_entry_t *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void
heap_push(rj_scheduler_t *s, sched_entry_t e)
{
    size_t i = s->count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!entry_before(&e, &s->heap[parent])) {
            break;
        }
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = e;
}

static sched_entry_t
heap_pop(rj_scheduler_t *s)
{
    sched_entry_t top = s->heap[0];
    sched_entry_t last = s->heap[--s->count];
    size_t i = 0;

    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const sched_entry_t *best = &last;
        if (l < s->count && entry_before(&s->heap[l], best)) {
            m = l;
            best = &s->heap[l];
        }
        if (r < s->count && entry_before(&s->heap[r], best)) {
            m = r;
        }
        if (m == i) {
            break;
        }
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (s->count > 0) {
        s->heap[i] = last;
    }
    return top;
}

static void *
scheduler_main(void *arg)
{
    rj_scheduler_t *s = arg;

    rj_log_set_thread_name(s->name);
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        if (s->count == 0) {
            pthread_cond_wait(&s->cond, &s->lock);
            continue;
        }
        int64_t now = rj_clock_mono_ms();
        if (s->heap[0].due_ms > now) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t wait = s->heap[0].due_ms - now;
            ts.tv_sec += (time_t)(wait / 1000);
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->cond, &s->lock, &ts);
            continue;
        }
        sched_entry_t e = heap_pop(s);
        pthread_mutex_unlock(&s->lock);
        e.task.fn(e.task.arg, e.task.extra, false);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int
rj_scheduler_create(const char *name, rj_scheduler_t **out)
{
    rj_scheduler_t *s = rj_calloc(1, sizeof(*s));
    pthread_condattr_t ca;
    int rc;

    *out = NULL;
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    snprintf(s->name, sizeof(s->name), "%s", name != NULL ? name : "scheduler");
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    rc = pthread_create(&s->thread, NULL, scheduler_main, s);
    if (rc != 0) {
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
        rj_free(s);
        return -rc;
    }
    s->started = true;
    *out = s;
    return RJ_OK;
}

int
rj_scheduler_schedule(rj_scheduler_t *s, int64_t delay_ms, rj_task_fn fn, void *arg, uint64_t extra)
{
    int rc = RJ_OK;

    pthread_mutex_lock(&s->lock);
    if (s->stopping) {
        rc = RJ_ESHUTDOWN;
        goto out;
    }
    if (s->count == s->cap) {
        size_t ncap = s->cap == 0 ? 64 : s->cap * 2;
        sched_entry_t *n = rj_realloc(s->heap, ncap * sizeof(*n));
        if (n == NULL) {
            rc = RJ_ENOMEM;
            goto out;
        }
        s->heap = n;
        s->cap = ncap;
    }
    sched_entry_t e = {
        .due_ms = rj_clock_mono_ms() + (delay_ms > 0 ? delay_ms : 0),
        .seq = s->next_seq++,
        .task = {fn, arg, extra},
    };
    bool earliest = s->count == 0 || entry_before(&e, &s->heap[0]);
    heap_push(s, e);
    if (earliest) {
        pthread_cond_signal(&s->cond);
    }
out:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

bool
rj_scheduler_is_current(const rj_scheduler_t *s)
{
    return s->started && pthread_equal(pthread_self(), s->thread);
}

void
rj_scheduler_stop(rj_scheduler_t *s)
{
    if (s == NULL) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->cond);
    bool join = !s->joined;
    s->joined = true;
    pthread_mutex_unlock(&s->lock);
    if (join) {
        pthread_join(s->thread, NULL);
    }
    /* Pending tasks run cancelled, in due order, so they release their args. */
    for (;;) {
        pthread_mutex_lock(&s->lock);
        if (s->count == 0) {
            pthread_mutex_unlock(&s->lock);
            break;
        }
        sched_entry_t e = heap_pop(s);
        pthread_mutex_unlock(&s->lock);
        e.task.fn(e.task.arg, e.task.extra, true);
    }
}

void
rj_scheduler_destroy(rj_scheduler_t *s)
{
    if (s == NULL) {
        return;
    }
    rj_scheduler_stop(s);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    rj_free(s->heap);
    rj_free(s);
}
