/* Counting semaphore with lock-free fast paths (permits.h). */
#include "client/permits.h"

#include "ramjet/status.h"

#include <time.h>

void
rj_permits_init(rj_permits_t *p, size_t max)
{
    pthread_condattr_t attr;

    atomic_init(&p->used, 0);
    p->max = max;
    atomic_init(&p->waiters, 0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cond, &attr);
    pthread_condattr_destroy(&attr);
}

void
rj_permits_cleanup(rj_permits_t *p)
{
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
}

static int
try_take(rj_permits_t *p)
{
    size_t n = atomic_load(&p->used);
    while (p->max == 0 || n < p->max) {
        if (atomic_compare_exchange_weak(&p->used, &n, n + 1)) {
            return RJ_OK;
        }
    }
    return RJ_EBUSY;
}

int
rj_permits_acquire(rj_permits_t *p, int64_t timeout_ms)
{
    if (try_take(p) == RJ_OK) {
        return RJ_OK;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(timeout_ms / 1000);
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc = RJ_EBUSY;
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->waiters, 1);
    for (;;) {
        /* Announced as a waiter before this check: a release after it signals us. */
        if ((rc = try_take(p)) == RJ_OK) {
            break;
        }
        if (pthread_cond_timedwait(&p->cond, &p->lock, &deadline) != 0) {
            rc = try_take(p);
            break;
        }
    }
    atomic_fetch_sub(&p->waiters, 1);
    pthread_mutex_unlock(&p->lock);
    return rc;
}

void
rj_permits_release(rj_permits_t *p)
{
    atomic_fetch_sub(&p->used, 1);
    if (atomic_load(&p->waiters) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->cond);
        pthread_mutex_unlock(&p->lock);
    }
}

size_t
rj_permits_in_use(rj_permits_t *p)
{
    return atomic_load(&p->used);
}

void
rj_permits_wait_idle(rj_permits_t *p)
{
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->waiters, 1);
    /* Announced before the check, as in acquire: the last release signals us. */
    while (atomic_load(&p->used) > 0) {
        pthread_cond_wait(&p->cond, &p->lock);
    }
    atomic_fetch_sub(&p->waiters, 1);
    pthread_mutex_unlock(&p->lock);
}
