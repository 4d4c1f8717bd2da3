/* Thread pool over a mutex-guarded ring buffer of tasks, waking workers sparingly (executor.h). */
#include "client/executor.h"

#include "common/alloc.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct rj_executor {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    rj_task_t *ring;
    size_t head;
    size_t count;
    size_t cap;
    bool stopping;
    bool drain;
    bool joined;
    int threads;
    /*
     * Worker accounting, under `lock`: `idle` workers sleep on `cond` without
     * a wake token; `searching` ones are awake and not running a task (they
     * will look at the queue before sleeping). A wake moves one worker from
     * idle to searching at once and leaves a token, so a spurious wake-up
     * (no token) sleeps again and two submits never wake two workers for one
     * task the first can take.
     */
    int idle;
    int searching;
    int tokens;
    uint64_t wakeups;
    pthread_t *tids;
    char name[12];
};

typedef struct {
    rj_executor_t *e;
    int index;
} worker_arg_t;

static bool
pop_locked(rj_executor_t *e, rj_task_t *t)
{
    if (e->count == 0) {
        return false;
    }
    *t = e->ring[e->head];
    e->head = (e->head + 1) % e->cap;
    e->count--;
    return true;
}

/* Wakes one sleeping worker if more tasks wait than awake workers are looking for work. */
static void
maybe_wake_locked(rj_executor_t *e)
{
    if (e->idle > 0 && e->count > (size_t)e->searching) {
        e->idle--;
        e->searching++;
        e->tokens++;
        e->wakeups++;
        pthread_cond_signal(&e->cond);
    }
}

static void *
worker_main(void *arg)
{
    rj_executor_t *e = ((worker_arg_t *)arg)->e;
    int index = ((worker_arg_t *)arg)->index;
    char tname[16];

    rj_free(arg);
    snprintf(tname, sizeof(tname), "%s-%d", e->name, index);
    rj_log_set_thread_name(tname);
    pthread_mutex_lock(&e->lock);
    e->searching++;
    for (;;) {
        rj_task_t t;
        if ((!e->stopping || e->drain) && pop_locked(e, &t)) {
            e->searching--;
            maybe_wake_locked(e); /* more queued: the next sleeper helps */
            pthread_mutex_unlock(&e->lock);
            t.fn(t.arg, t.extra, false);
            pthread_mutex_lock(&e->lock);
            e->searching++;
            continue;
        }
        if (e->stopping) {
            break;
        }
        e->searching--;
        e->idle++;
        while (e->tokens == 0 && !e->stopping) {
            pthread_cond_wait(&e->cond, &e->lock);
        }
        if (e->tokens > 0) {
            e->tokens--; /* the waker already counted this worker as searching */
        } else {
            e->idle--; /* stopping */
            e->searching++;
        }
    }
    e->searching--;
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

int
rj_executor_create(const char *name, int threads, rj_executor_t **out)
{
    rj_executor_t *e;
    int rc = RJ_OK;

    *out = NULL;
    if (threads <= 0) {
        return RJ_EINVAL;
    }
    e = rj_calloc(1, sizeof(*e));
    if (e == NULL) {
        return RJ_ENOMEM;
    }
    e->tids = rj_calloc((size_t)threads, sizeof(*e->tids));
    if (e->tids == NULL) {
        rj_free(e);
        return RJ_ENOMEM;
    }
    snprintf(e->name, sizeof(e->name), "%s", name != NULL ? name : "exec");
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->cond, NULL);
    for (int i = 0; i < threads; i++) {
        worker_arg_t *wa = rj_malloc(sizeof(*wa));
        if (wa == NULL) {
            rc = RJ_ENOMEM;
            break;
        }
        wa->e = e;
        wa->index = i;
        int prc = pthread_create(&e->tids[i], NULL, worker_main, wa);
        if (prc != 0) {
            rj_free(wa);
            rc = -prc;
            break;
        }
        e->threads++;
    }
    if (rc != RJ_OK) {
        rj_executor_destroy(e);
        return rc;
    }
    *out = e;
    return RJ_OK;
}

/* Makes room for `n` more tasks. */
static int
reserve_locked(rj_executor_t *e, size_t n)
{
    if (e->cap - e->count >= n) {
        return RJ_OK;
    }
    size_t ncap = e->cap == 0 ? 64 : e->cap * 2;
    while (ncap - e->count < n) {
        ncap *= 2;
    }
    rj_task_t *r = rj_malloc(ncap * sizeof(*r));
    if (r == NULL) {
        return RJ_ENOMEM;
    }
    for (size_t i = 0; i < e->count; i++) {
        r[i] = e->ring[(e->head + i) % e->cap];
    }
    rj_free(e->ring);
    e->ring = r;
    e->head = 0;
    e->cap = ncap;
    return RJ_OK;
}

int
rj_executor_submit_many(rj_executor_t *e, const rj_task_t *tasks, size_t n)
{
    int rc = RJ_OK;

    pthread_mutex_lock(&e->lock);
    if (e->stopping) {
        rc = RJ_ESHUTDOWN;
    } else if ((rc = reserve_locked(e, n)) == RJ_OK) {
        for (size_t i = 0; i < n; i++) {
            e->ring[(e->head + e->count) % e->cap] = tasks[i];
            e->count++;
        }
        maybe_wake_locked(e);
    }
    pthread_mutex_unlock(&e->lock);
    return rc;
}

int
rj_executor_submit(rj_executor_t *e, rj_task_fn fn, void *arg, uint64_t extra)
{
    rj_task_t t = {fn, arg, extra};
    return rj_executor_submit_many(e, &t, 1);
}

uint64_t
rj_executor_wakeups(rj_executor_t *e)
{
    pthread_mutex_lock(&e->lock);
    uint64_t n = e->wakeups;
    pthread_mutex_unlock(&e->lock);
    return n;
}

size_t
rj_executor_pending(rj_executor_t *e)
{
    pthread_mutex_lock(&e->lock);
    size_t n = e->count;
    pthread_mutex_unlock(&e->lock);
    return n;
}

bool
rj_executor_is_current(const rj_executor_t *e)
{
    pthread_t self = pthread_self();
    for (int i = 0; i < e->threads; i++) {
        if (pthread_equal(self, e->tids[i])) {
            return true;
        }
    }
    return false;
}

void
rj_executor_stop(rj_executor_t *e, bool drain)
{
    if (e == NULL) {
        return;
    }
    pthread_mutex_lock(&e->lock);
    if (!e->stopping) {
        e->drain = drain;
    }
    e->stopping = true;
    pthread_cond_broadcast(&e->cond);
    bool join = !e->joined;
    e->joined = true;
    pthread_mutex_unlock(&e->lock);
    if (join) {
        for (int i = 0; i < e->threads; i++) {
            pthread_join(e->tids[i], NULL);
        }
    }
    for (;;) {
        rj_task_t t;
        pthread_mutex_lock(&e->lock);
        bool got = pop_locked(e, &t);
        pthread_mutex_unlock(&e->lock);
        if (!got) {
            break;
        }
        t.fn(t.arg, t.extra, true);
    }
}

void
rj_executor_destroy(rj_executor_t *e)
{
    if (e == NULL) {
        return;
    }
    rj_executor_stop(e, false);
    pthread_cond_destroy(&e->cond);
    pthread_mutex_destroy(&e->lock);
    rj_free(e->ring);
    rj_free(e->tids);
    rj_free(e);
}
