/* Lock-free-read table of consume queues keyed by (topic, queueId). */
#include "store/queue_table.h"

#include "common/alloc.h"
#include "common/hashmap.h"
#include "ramjet/status.h"

#include <string.h>

struct rj_queue_slots {
    size_t mask;
    rj_queue_slots_t *retired_next;
    _Atomic(rj_consume_queue_t *) slot[];
};

static uint64_t
key_hash(const char *topic, size_t len, int32_t queue_id)
{
    uint64_t h = rj_hash_bytes(topic, len);
    return h ^ ((uint64_t)(uint32_t)queue_id * 0x9E3779B97F4A7C15ull);
}

static rj_queue_slots_t *
slots_new(size_t cap)
{
    rj_queue_slots_t *s = rj_calloc(1, sizeof(*s) + cap * sizeof(s->slot[0]));
    if (s != NULL) {
        s->mask = cap - 1;
    }
    return s;
}

int
rj_queue_table_init(rj_queue_table_t *t)
{
    memset(t, 0, sizeof(*t));
    rj_queue_slots_t *s = slots_new(64);
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    atomic_init(&t->slots, s);
    atomic_init(&t->all, NULL);
    pthread_mutex_init(&t->lock, NULL);
    return 0;
}

void
rj_queue_table_cleanup(rj_queue_table_t *t)
{
    rj_consume_queue_t *cq = atomic_load(&t->all);
    while (cq != NULL) {
        rj_consume_queue_t *next = cq->all_next;
        rj_consume_queue_cleanup(cq);
        rj_free(cq);
        cq = next;
    }
    for (rj_queue_slots_t *r = t->retired; r != NULL;) {
        rj_queue_slots_t *next = r->retired_next;
        rj_free(r);
        r = next;
    }
    rj_free(atomic_load(&t->slots));
    pthread_mutex_destroy(&t->lock);
    memset(t, 0, sizeof(*t));
}

static bool
matches(const rj_consume_queue_t *cq, const char *topic, size_t len, int32_t queue_id)
{
    return cq->queue_id == queue_id && cq->topic_len == len && memcmp(cq->topic, topic, len) == 0;
}

rj_consume_queue_t *
rj_queue_table_lookup(rj_queue_table_t *t, const char *topic, size_t topic_len, int32_t queue_id)
{
    rj_queue_slots_t *s = atomic_load_explicit(&t->slots, memory_order_acquire);
    size_t i = (size_t)key_hash(topic, topic_len, queue_id) & s->mask;
    for (;;) {
        rj_consume_queue_t *cq = atomic_load_explicit(&s->slot[i], memory_order_acquire);
        if (cq == NULL) {
            return NULL;
        }
        if (matches(cq, topic, topic_len, queue_id)) {
            return cq;
        }
        i = (i + 1) & s->mask;
    }
}

static void
place(rj_queue_slots_t *s, rj_consume_queue_t *cq)
{
    size_t i = (size_t)key_hash(cq->topic, cq->topic_len, cq->queue_id) & s->mask;
    while (atomic_load_explicit(&s->slot[i], memory_order_relaxed) != NULL) {
        i = (i + 1) & s->mask;
    }
    atomic_store_explicit(&s->slot[i], cq, memory_order_release);
}

rj_consume_queue_t *
rj_queue_table_insert(rj_queue_table_t *t, rj_consume_queue_t *cq)
{
    pthread_mutex_lock(&t->lock);
    rj_consume_queue_t *existing = rj_queue_table_lookup(t, cq->topic, cq->topic_len, cq->queue_id);
    if (existing != NULL) {
        pthread_mutex_unlock(&t->lock);
        rj_consume_queue_cleanup(cq);
        rj_free(cq);
        return existing;
    }
    rj_queue_slots_t *s = atomic_load_explicit(&t->slots, memory_order_relaxed);
    if ((t->count + 1) * 2 > s->mask + 1) {
        rj_queue_slots_t *n = slots_new((s->mask + 1) * 2);
        if (n == NULL) {
            pthread_mutex_unlock(&t->lock);
            rj_consume_queue_cleanup(cq);
            rj_free(cq);
            return NULL;
        }
        for (rj_consume_queue_t *q = atomic_load(&t->all); q != NULL; q = q->all_next) {
            place(n, q);
        }
        atomic_store_explicit(&t->slots, n, memory_order_release);
        s->retired_next = t->retired;
        t->retired = s;
        s = n;
    }
    cq->all_next = atomic_load_explicit(&t->all, memory_order_relaxed);
    atomic_store_explicit(&t->all, cq, memory_order_release);
    place(s, cq);
    t->count++;
    pthread_mutex_unlock(&t->lock);
    return cq;
}
