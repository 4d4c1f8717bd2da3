/*
 * The lock table: stripes of group name -> (queue key -> holder). A queue
 * key is the MessageQueue's fields with their lengths, so no two queues
 * share one whatever bytes their names hold.
 */
#include "broker/rebalance_lock.h"

#include "common/alloc.h"
#include "common/endian.h"
#include "common/hashmap.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <string.h>

#define STRIPES 16
/* Longer names than this are no queue a client can lock (topics have at most 127 bytes). */
#define NAME_MAX_LEN 500
#define KEY_MAX (2 + NAME_MAX_LEN + 2 + NAME_MAX_LEN + 4)

typedef struct {
    char *client_id;
    size_t client_id_len;
    int64_t last_update_ms;
} entry_t;

typedef struct {
    pthread_mutex_t lock;
    rj_hashmap_t *groups; /* group -> rj_hashmap_t of queue key -> entry_t */
} stripe_t;

struct rj_rebalance_lock {
    int64_t max_live_ms;
    stripe_t stripes[STRIPES];
};

static void
entry_free(void *p)
{
    entry_t *e = p;
    if (e != NULL) {
        rj_free(e->client_id);
        rj_free(e);
    }
}

static void
group_free(void *p)
{
    rj_hashmap_destroy(p, entry_free);
}

int
rj_rebalance_lock_create(int64_t max_live_ms, rj_rebalance_lock_t **out)
{
    rj_rebalance_lock_t *lk = rj_calloc(1, sizeof(*lk));
    if (lk == NULL) {
        return RJ_ENOMEM;
    }
    lk->max_live_ms = max_live_ms;
    for (int i = 0; i < STRIPES; i++) {
        pthread_mutex_init(&lk->stripes[i].lock, NULL);
        lk->stripes[i].groups = rj_hashmap_create(16);
        if (lk->stripes[i].groups == NULL) {
            rj_rebalance_lock_destroy(lk);
            return RJ_ENOMEM;
        }
    }
    *out = lk;
    return 0;
}

void
rj_rebalance_lock_destroy(rj_rebalance_lock_t *lk)
{
    if (lk == NULL) {
        return;
    }
    for (int i = 0; i < STRIPES; i++) {
        if (lk->stripes[i].groups != NULL) {
            rj_hashmap_destroy(lk->stripes[i].groups, group_free);
        }
        pthread_mutex_destroy(&lk->stripes[i].lock);
    }
    rj_free(lk);
}

static stripe_t *
stripe_of(rj_rebalance_lock_t *lk, rj_bytes_t group)
{
    return &lk->stripes[rj_hash_bytes(group.data, group.len) % STRIPES];
}

/* Writes the queue key into `buf` (KEY_MAX bytes); returns its length, 0 for oversized names. */
static size_t
mq_key(const rj_message_queue_t *mq, uint8_t *buf)
{
    if (mq->topic.len > NAME_MAX_LEN || mq->broker_name.len > NAME_MAX_LEN) {
        return 0;
    }
    size_t n = 0;
    rj_store_be16(buf + n, (uint16_t)mq->topic.len);
    n += 2;
    memcpy(buf + n, mq->topic.data, mq->topic.len);
    n += mq->topic.len;
    rj_store_be16(buf + n, (uint16_t)mq->broker_name.len);
    n += 2;
    memcpy(buf + n, mq->broker_name.data, mq->broker_name.len);
    n += mq->broker_name.len;
    rj_store_be32(buf + n, (uint32_t)mq->queue_id);
    return n + 4;
}

static bool
entry_is_expired(const rj_rebalance_lock_t *lk, const entry_t *e, int64_t now_ms)
{
    return now_ms - e->last_update_ms > lk->max_live_ms;
}

static bool
entry_is_client(const entry_t *e, rj_bytes_t client_id)
{
    return e->client_id_len == client_id.len &&
           memcmp(e->client_id, client_id.data, client_id.len) == 0;
}

static int
entry_set_client(entry_t *e, rj_bytes_t client_id)
{
    char *copy = rj_bytes_dup(client_id);
    if (copy == NULL) {
        return RJ_ENOMEM;
    }
    rj_free(e->client_id);
    e->client_id = copy;
    e->client_id_len = client_id.len;
    return 0;
}

/* One queue, stripe locked. Returns 1 granted, 0 held by another client, or RJ_ENOMEM. */
static int
try_one_locked(rj_rebalance_lock_t *lk, rj_hashmap_t *queues, const rj_message_queue_t *mq,
               rj_bytes_t client_id, int64_t now_ms, uint8_t *key)
{
    size_t klen = mq_key(mq, key);
    if (klen == 0) {
        return 0;
    }
    entry_t *e = rj_hashmap_get(queues, key, klen);
    if (e == NULL) {
        e = rj_calloc(1, sizeof(*e));
        if (e == NULL || entry_set_client(e, client_id) != 0 ||
            rj_hashmap_put(queues, key, klen, e, NULL) != 0) {
            entry_free(e);
            return RJ_ENOMEM;
        }
        e->last_update_ms = now_ms;
        return 1;
    }
    if (entry_is_client(e, client_id)) {
        /* Held by the same client: refreshed, or taken again once expired. */
        e->last_update_ms = now_ms;
        return 1;
    }
    if (entry_is_expired(lk, e, now_ms)) {
        if (entry_set_client(e, client_id) != 0) {
            return RJ_ENOMEM;
        }
        e->last_update_ms = now_ms;
        return 1;
    }
    return 0;
}

int
rj_rebalance_lock_try_batch(rj_rebalance_lock_t *lk, rj_bytes_t group, rj_bytes_t client_id,
                            const rj_message_queue_t *mqs, size_t n, bool *granted, int64_t now_ms)
{
    uint8_t key[KEY_MAX];
    stripe_t *s = stripe_of(lk, group);
    int rc = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        granted[i] = false;
    }
    pthread_mutex_lock(&s->lock);
    rj_hashmap_t *queues = rj_hashmap_get(s->groups, group.data, group.len);
    if (queues == NULL) {
        queues = rj_hashmap_create(32);
        if (queues == NULL || rj_hashmap_put(s->groups, group.data, group.len, queues, NULL) != 0) {
            rj_hashmap_destroy(queues, NULL);
            rc = RJ_ENOMEM;
        }
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int r = try_one_locked(lk, queues, &mqs[i], client_id, now_ms, key);
        if (r < 0) {
            rc = r;
        } else if (r == 1) {
            granted[i] = true;
            count++;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return rc != 0 ? rc : count;
}

void
rj_rebalance_lock_unlock_batch(rj_rebalance_lock_t *lk, rj_bytes_t group, rj_bytes_t client_id,
                               const rj_message_queue_t *mqs, size_t n)
{
    uint8_t key[KEY_MAX];
    stripe_t *s = stripe_of(lk, group);
    pthread_mutex_lock(&s->lock);
    rj_hashmap_t *queues = rj_hashmap_get(s->groups, group.data, group.len);
    for (size_t i = 0; queues != NULL && i < n; i++) {
        size_t klen = mq_key(&mqs[i], key);
        entry_t *e = klen ? rj_hashmap_get(queues, key, klen) : NULL;
        if (e != NULL && entry_is_client(e, client_id)) {
            entry_free(rj_hashmap_remove(queues, key, klen));
        }
    }
    if (queues != NULL && rj_hashmap_count(queues) == 0) {
        group_free(rj_hashmap_remove(s->groups, group.data, group.len));
    }
    pthread_mutex_unlock(&s->lock);
}

bool
rj_rebalance_lock_is_held(rj_rebalance_lock_t *lk, rj_bytes_t group, const rj_message_queue_t *mq,
                          rj_bytes_t client_id, int64_t now_ms)
{
    uint8_t key[KEY_MAX];
    bool held = false;
    stripe_t *s = stripe_of(lk, group);
    pthread_mutex_lock(&s->lock);
    rj_hashmap_t *queues = rj_hashmap_get(s->groups, group.data, group.len);
    size_t klen = mq_key(mq, key);
    entry_t *e = queues != NULL && klen ? rj_hashmap_get(queues, key, klen) : NULL;
    held = e != NULL && entry_is_client(e, client_id) && !entry_is_expired(lk, e, now_ms);
    pthread_mutex_unlock(&s->lock);
    return held;
}
