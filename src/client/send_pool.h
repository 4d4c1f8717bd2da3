/*
 * Blocks that carry a message from a send call to the socket: the async
 * send's context with its copy of the message (kept for retries), or a
 * one-way send's body. The body is handed to the remoting layer as a
 * zero-copy segment, so a block can outlive the send's callback (the bytes
 * may still wait in an output queue after a timeout): it is reference
 * counted and goes back to its pool when the last reference is released.
 *
 * DESIGN. Sends allocate no memory once the pool holds enough blocks of the
 * right size: blocks are recycled through a mutex-guarded free list. A
 * block is kept only while it is at most RJ_SEND_POOL_BLOCK_MAX bytes and
 * the pool holds at most RJ_SEND_POOL_BYTES_MAX, so a burst of large
 * messages does not pin memory. The pool itself is reference counted by its
 * owner and by every block allocated from it, so a block released after the
 * producer is gone (by an I/O thread of a client instance shared with other
 * producers) still finds it; each block's reference on the pool is taken
 * when the block is allocated, not per send.
 */
#ifndef RJ_CLIENT_SEND_POOL_H
#define RJ_CLIENT_SEND_POOL_H

#include "client/permits.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest block kept for reuse, and the most bytes of blocks a pool keeps. */
#define RJ_SEND_POOL_BLOCK_MAX (16 * 1024)
#define RJ_SEND_POOL_BYTES_MAX (4 * 1024 * 1024)

typedef struct rj_send_pool rj_send_pool_t;

typedef struct rj_send_block {
    struct rj_send_block *next; /* free list */
    rj_send_pool_t *pool;
    atomic_int refs;
    bool holds_permit; /* returns one of the pool's permits when freed or recycled */
    size_t cap;        /* usable bytes at rj_send_block_data() */
} rj_send_block_t;

/*
 * A new pool (refs = 1, the owner's), or NULL when out of memory. The pool
 * also holds `permits` permits (0: unlimited) for blocks taken with
 * rj_send_pool_get_permit(): they bound blocks in flight (one-way sends not
 * yet written) and outlive the owner like the blocks do.
 */
rj_send_pool_t *rj_send_pool_create(size_t permits);

/* Drops the owner's reference: pooled blocks are freed, blocks still out free themselves. */
void rj_send_pool_close(rj_send_pool_t *pool);

/* A block with at least `bytes` usable (max-aligned), refs = 1; NULL when out of memory. */
rj_send_block_t *rj_send_pool_get(rj_send_pool_t *pool, size_t bytes);

/*
 * Like rj_send_pool_get(), first taking one of the pool's permits (waiting up
 * to `timeout_ms`); the block returns it with its last release. NULL with
 * *rc RJ_EBUSY (no permit in time) or RJ_ENOMEM.
 */
rj_send_block_t *rj_send_pool_get_permit(rj_send_pool_t *pool, size_t bytes, int64_t timeout_ms,
                                         int *rc);

/* Permits of the pool taken and not yet given back. */
size_t rj_send_pool_permits_in_use(rj_send_pool_t *pool);

/* Usable memory of a block (aligned for any object). */
static inline void *
rj_send_block_data(rj_send_block_t *b)
{
    return b + 1;
}

void rj_send_block_retain(rj_send_block_t *b);

/* Drops a reference; the last one recycles or frees the block. Any thread. */
void rj_send_block_release(rj_send_block_t *b);

/* rj_send_block_release() as a segment release callback (ctx is the block). */
void rj_send_block_release_cb(void *ctx);

/* Blocks kept for reuse and their bytes (tests, statistics). */
void rj_send_pool_stats(rj_send_pool_t *pool, size_t *blocks, size_t *bytes);

#endif
