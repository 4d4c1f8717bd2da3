/* Thread pool over a mutex-guarded ring buffer of tasks. */
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
    for (;;) {
        rj_task_t t;
        if ((!e->stopping || e->drain) && pop_locked(e, &t)) {
            pthread_mutex_unlock(&e->lock);
            t.fn(t.arg, t.extra, false);
            pthread_mutex_lock(&e->lock);
            continue;
        }
        if (e->stopping) {
            break;
        }
        pthread_cond_wait(&e->cond, &e->lock);
    }
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

int
rj_executor_submit(rj_executor_t *e, rj_task_fn fn, void *arg, uint64_t extra)
{
    int rc = RJ_OK;

    pthread_mutex_lock(&e->lock);
    if (e->stopping) {
        rc = RJ_ESHUTDOWN;
        goto out;
    }
    if (e->count == e->cap) {
        size_t ncap = e->cap == 0 ? 64 : e->cap * 2;
        rj_task_t *n = rj_malloc(ncap * sizeof(*n));
        if (n == NULL) {
            rc = RJ_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < e->count; i++) {
            n[i] = e->ring[(e->head + i) % e->cap];
        }
        rj_free(e->ring);
        e->ring = n;
        e->head = 0;
        e->cap = ncap;
    }
    e->ring[(e->head + e->count) % e->cap] = (rj_task_t){fn, arg, extra};
    e->count++;
    pthread_cond_signal(&e->cond);
out:
    pthread_mutex_unlock(&e->lock);
    return rc;
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
