/* Reference-counted send blocks recycled through a bounded pool (send_pool.h). */
#include "client/send_pool.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>

struct rj_send_pool {
    atomic_int refs; /* the owner + every block allocated and not yet freed */
    rj_permits_t permits;
    pthread_mutex_t lock;
    bool closed;
    rj_send_block_t *free;
    size_t free_count;
    size_t free_bytes;
};

_Static_assert(sizeof(rj_send_block_t) % alignof(max_align_t) == 0,
               "block data must be max-aligned");

rj_send_pool_t *
rj_send_pool_create(size_t permits)
{
    rj_send_pool_t *pool = rj_calloc(1, sizeof(*pool));
    if (pool == NULL) {
        return NULL;
    }
    atomic_init(&pool->refs, 1);
    rj_permits_init(&pool->permits, permits);
    pthread_mutex_init(&pool->lock, NULL);
    return pool;
}

static void
pool_unref(rj_send_pool_t *pool)
{
    if (atomic_fetch_sub_explicit(&pool->refs, 1, memory_order_acq_rel) == 1) {
        rj_permits_cleanup(&pool->permits);
        pthread_mutex_destroy(&pool->lock);
        rj_free(pool);
    }
}

static void
block_free(rj_send_block_t *b)
{
    rj_send_pool_t *pool = b->pool;
    rj_free(b);
    pool_unref(pool);
}

void
rj_send_pool_close(rj_send_pool_t *pool)
{
    if (pool == NULL) {
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->closed = true;
    rj_send_block_t *list = pool->free;
    pool->free = NULL;
    pool->free_count = 0;
    pool->free_bytes = 0;
    pthread_mutex_unlock(&pool->lock);
    while (list != NULL) {
        rj_send_block_t *next = list->next;
        block_free(list);
        list = next;
    }
    pool_unref(pool);
}

/* Rounds a request up so blocks of similar messages are interchangeable. */
static size_t
block_size(size_t bytes)
{
    size_t cap = 1024;
    while (cap < bytes && cap < RJ_SEND_POOL_BLOCK_MAX) {
        cap *= 2;
    }
    if (cap < bytes) {
        cap = (bytes + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
    }
    return cap;
}

rj_send_block_t *
rj_send_pool_get(rj_send_pool_t *pool, size_t bytes)
{
    rj_send_block_t *b = NULL;
    pthread_mutex_lock(&pool->lock);
    if (pool->free != NULL && pool->free->cap >= bytes) {
        b = pool->free;
        pool->free = b->next;
        pool->free_count--;
        pool->free_bytes -= b->cap;
    }
    pthread_mutex_unlock(&pool->lock);
    if (b == NULL) {
        size_t cap = block_size(bytes);
        if (cap < bytes || cap > SIZE_MAX - sizeof(*b) ||
            (b = rj_malloc(sizeof(*b) + cap)) == NULL) {
            return NULL;
        }
        b->pool = pool;
        b->cap = cap;
        atomic_fetch_add_explicit(&pool->refs, 1, memory_order_relaxed);
    }
    b->next = NULL;
    b->holds_permit = false;
    atomic_init(&b->refs, 1);
    return b;
}

rj_send_block_t *
rj_send_pool_get_permit(rj_send_pool_t *pool, size_t bytes, int64_t timeout_ms, int *rc)
{
    if ((*rc = rj_permits_acquire(&pool->permits, timeout_ms)) != RJ_OK) {
        return NULL;
    }
    rj_send_block_t *b = rj_send_pool_get(pool, bytes);
    if (b == NULL) {
        rj_permits_release(&pool->permits);
        *rc = RJ_ENOMEM;
        return NULL;
    }
    b->holds_permit = true;
    return b;
}

size_t
rj_send_pool_permits_in_use(rj_send_pool_t *pool)
{
    return rj_permits_in_use(&pool->permits);
}

void
rj_send_block_retain(rj_send_block_t *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void
rj_send_block_release(rj_send_block_t *b)
{
    if (b == NULL || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    rj_send_pool_t *pool = b->pool;
    if (b->holds_permit) {
        b->holds_permit = false;
        rj_permits_release(&pool->permits);
    }
    if (b->cap <= RJ_SEND_POOL_BLOCK_MAX) {
        pthread_mutex_lock(&pool->lock);
        if (!pool->closed && pool->free_bytes + b->cap <= RJ_SEND_POOL_BYTES_MAX) {
            b->next = pool->free;
            pool->free = b;
            pool->free_count++;
            pool->free_bytes += b->cap;
            b = NULL;
        }
        pthread_mutex_unlock(&pool->lock);
    }
    if (b != NULL) {
        block_free(b);
    }
}

void
rj_send_block_release_cb(void *ctx)
{
    rj_send_block_release(ctx);
}

void
rj_send_pool_stats(rj_send_pool_t *pool, size_t *blocks, size_t *bytes)
{
    pthread_mutex_lock(&pool->lock);
    *blocks = pool->free_count;
    *bytes = pool->free_bytes;
    pthread_mutex_unlock(&pool->lock);
}
