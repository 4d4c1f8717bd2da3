/*
 * Fixed-size blocks for per-request state that is created on one thread and
 * freed on another (a SYNC_FLUSH send's wait context: I/O thread -> flush
 * thread; a parked pull: I/O thread -> long-poll thread), without a malloc per
 * request and without a lock per request: each thread keeps a small cache of
 * blocks and exchanges them with a shared depot in batches (one lock per
 * batch). Pools are static objects that live as long as the process; a
 * thread's cache goes back to the depot when the thread exits.
 */
#ifndef RJ_BROKER_BLOCK_POOL_H
#define RJ_BROKER_BLOCK_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Blocks a thread caches per pool, and moved to or from the depot at a time. */
#define RJ_BLOCK_POOL_CACHE 64
#define RJ_BLOCK_POOL_BATCH 32

typedef struct rj_pool_block rj_pool_block_t;

typedef struct {
    size_t block_size;
    size_t depot_max;  /* blocks kept in the depot; more are freed */
    atomic_int state;  /* 0 new, 1 initialising, 2 ready */
    pthread_key_t key; /* the calling thread's cache */
    pthread_mutex_t lock;
    rj_pool_block_t *depot;
    size_t depot_len;
} rj_block_pool_t;

/* A static pool of `size`-byte blocks keeping at most `depot_max` spare blocks in its depot. */
#define RJ_BLOCK_POOL_INIT(size, max)                                               \
    {                                                                               \
        .block_size = (size), .depot_max = (max), .lock = PTHREAD_MUTEX_INITIALIZER \
    }

/* A block of the pool's size (suitably aligned for any type), or NULL. Any thread. */
void *rj_block_pool_get(rj_block_pool_t *p);

/* Returns a block from rj_block_pool_get() of the same pool. NULL is ignored. Any thread. */
void rj_block_pool_put(rj_block_pool_t *p, void *block);

#endif
