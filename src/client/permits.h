/*
 * A counting semaphore for the producer's bounds on requests in flight (Java
 * NettyRemotingAbstract's semaphoreAsync / semaphoreOneway): async sends
 * awaiting their answer, one-way sends not yet written to the socket.
 *
 * DESIGN. The fast paths are one atomic operation: acquire takes a permit
 * with a compare-and-swap while permits are left, release gives it back with
 * a decrement. Only a thread that must wait takes the mutex and sleeps on
 * the condition variable, announcing itself in `waiters` first; a release
 * takes the mutex only when someone waits (sequentially consistent order:
 * either the waiter sees the freed permit or the releaser sees the waiter).
 * Releases may come from any thread (the I/O thread completes requests).
 */
#ifndef RJ_CLIENT_PERMITS_H
#define RJ_CLIENT_PERMITS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    atomic_size_t used;
    size_t max; /* 0: unlimited (acquire never waits; `used` still counts) */
    atomic_int waiters;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
} rj_permits_t;

/* `max` 0 means unlimited. */
void rj_permits_init(rj_permits_t *p, size_t max);
void rj_permits_cleanup(rj_permits_t *p);

/*
 * Takes a permit, waiting up to `timeout_ms` for one. Returns RJ_OK or
 * RJ_EBUSY (none freed in time; nothing taken). Any thread.
 */
int rj_permits_acquire(rj_permits_t *p, int64_t timeout_ms);

/* Gives a permit back. Any thread, including the I/O thread (never blocks long). */
void rj_permits_release(rj_permits_t *p);

/* Permits taken and not given back. */
size_t rj_permits_in_use(rj_permits_t *p);

/* Waits until every permit has been given back (shutdown). */
void rj_permits_wait_idle(rj_permits_t *p);

#endif
