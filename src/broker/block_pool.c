/*
 * Block pools (block_pool.h): a per-thread cache in a pthread key (so that it
 * is handed back when the thread exits) in front of a mutex-guarded depot.
 * Free blocks are linked through their first bytes.
 */
#include "broker/block_pool.h"

#include "common/alloc.h"

#include <sched.h>

struct rj_pool_block {
    rj_pool_block_t *next;
};

typedef struct {
    rj_block_pool_t *pool;
    rj_pool_block_t *head;
    size_t len;
} cache_t;

/* Moves up to `n` blocks from the front of `*from` (length *from_len) to `*to`. */
static void
move_blocks(rj_pool_block_t **from, size_t *from_len, rj_pool_block_t **to, size_t *to_len,
            size_t n)
{
    while (n-- > 0 && *from != NULL) {
        rj_pool_block_t *b = *from;
        *from = b->next;
        (*from_len)--;
        b->next = *to;
        *to = b;
        (*to_len)++;
    }
}

/* Thread exit: the cache goes back to the depot (beyond its limit: freed). */
static void
cache_release(void *arg)
{
    cache_t *c = arg;
    rj_block_pool_t *p = c->pool;
    pthread_mutex_lock(&p->lock);
    while (c->head != NULL && p->depot_len < p->depot_max) {
        move_blocks(&c->head, &c->len, &p->depot, &p->depot_len, 1);
    }
    pthread_mutex_unlock(&p->lock);
    while (c->head != NULL) {
        rj_pool_block_t *b = c->head;
        c->head = b->next;
        rj_free(b);
    }
    rj_free(c);
}

static bool
pool_ready(rj_block_pool_t *p)
{
    int st = atomic_load_explicit(&p->state, memory_order_acquire);
    while (st != 2) {
        int expected = 0;
        if (st == 0 && atomic_compare_exchange_strong(&p->state, &expected, 1)) {
            if (pthread_key_create(&p->key, cache_release) != 0) {
                atomic_store(&p->state, 0);
                return false;
            }
            atomic_store_explicit(&p->state, 2, memory_order_release);
            return true;
        }
        sched_yield();
        st = atomic_load_explicit(&p->state, memory_order_acquire);
    }
    return true;
}

/* The calling thread's cache of `p`, created on first use; NULL when out of memory. */
static cache_t *
thread_cache(rj_block_pool_t *p)
{
    if (!pool_ready(p)) {
        return NULL;
    }
    cache_t *c = pthread_getspecific(p->key);
    if (c == NULL) {
        c = rj_calloc(1, sizeof(*c));
        if (c == NULL) {
            return NULL;
        }
        c->pool = p;
        if (pthread_setspecific(p->key, c) != 0) {
            rj_free(c);
            return NULL;
        }
    }
    return c;
}

void *
rj_block_pool_get(rj_block_pool_t *p)
{
    cache_t *c = thread_cache(p);
    if (c == NULL) {
        return rj_malloc(p->block_size);
    }
    if (c->head == NULL) {
        pthread_mutex_lock(&p->lock);
        move_blocks(&p->depot, &p->depot_len, &c->head, &c->len, RJ_BLOCK_POOL_BATCH);
        pthread_mutex_unlock(&p->lock);
    }
    if (c->head == NULL) {
        size_t size =
            p->block_size < sizeof(rj_pool_block_t) ? sizeof(rj_pool_block_t) : p->block_size;
        return rj_malloc(size);
    }
    rj_pool_block_t *b = c->head;
    c->head = b->next;
    c->len--;
    return b;
}

void
rj_block_pool_put(rj_block_pool_t *p, void *block)
{
    if (block == NULL) {
        return;
    }
    cache_t *c = thread_cache(p);
    if (c == NULL) {
        rj_free(block);
        return;
    }
    rj_pool_block_t *b = block;
    b->next = c->head;
    c->head = b;
    c->len++;
    if (c->len <= RJ_BLOCK_POOL_CACHE) {
        return;
    }
    /* Full: a batch goes to the depot, or is freed when the depot is full too. */
    rj_pool_block_t *spill = NULL;
    size_t spill_len = 0;
    move_blocks(&c->head, &c->len, &spill, &spill_len, RJ_BLOCK_POOL_BATCH);
    pthread_mutex_lock(&p->lock);
    while (spill != NULL && p->depot_len < p->depot_max) {
        move_blocks(&spill, &spill_len, &p->depot, &p->depot_len, 1);
    }
    pthread_mutex_unlock(&p->lock);
    while (spill != NULL) {
        rj_pool_block_t *n = spill->next;
        rj_free(spill);
        spill = n;
    }
}
