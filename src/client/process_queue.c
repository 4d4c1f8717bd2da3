/* Process queue: a ring of pulled, not yet consumed messages (see process_queue.h). */
#include "client/process_queue.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/clock.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

void
rj_mq_key(const rj_message_queue_t *mq, char out[400])
{
    snprintf(out, 400, "%s\001%s\001%d", mq->topic, mq->broker_name, (int)mq->queue_id);
}

rj_process_queue_t *
rj_pq_create(const rj_message_queue_t *mq, void *owner)
{
    size_t tl = strlen(mq->topic) + 1, bl = strlen(mq->broker_name) + 1;
    rj_process_queue_t *pq = rj_calloc(1, sizeof(*pq) + tl + bl);

    if (pq == NULL) {
        return NULL;
    }
    char *p = (char *)(pq + 1);
    memcpy(p, mq->topic, tl);
    memcpy(p + tl, mq->broker_name, bl);
    pq->mq.topic = p;
    pq->mq.broker_name = p + tl;
    pq->mq.queue_id = mq->queue_id;
    rj_mq_key(&pq->mq, pq->key);
    atomic_init(&pq->refs, 1);
    pthread_mutex_init(&pq->lock, NULL);
    pthread_mutex_init(&pq->consume_lock, NULL);
    int64_t now = rj_clock_mono_ms();
    atomic_init(&pq->last_pull_ms, now);
    atomic_init(&pq->last_consume_ms, now);
    atomic_init(&pq->last_lock_ms, now);
    pq->queue_offset_max = -1;
    pq->seek_offset = -1;
    pq->consume_offset = -1;
    pq->owner = owner;
    return pq;
}

void
rj_pq_retain(rj_process_queue_t *pq)
{
    atomic_fetch_add_explicit(&pq->refs, 1, memory_order_relaxed);
}

void
rj_pq_release(rj_process_queue_t *pq)
{
    if (pq == NULL || atomic_fetch_sub_explicit(&pq->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    rj_pq_clear(pq);
    rj_free(pq->ring);
    pthread_mutex_destroy(&pq->lock);
    pthread_mutex_destroy(&pq->consume_lock);
    void (*owner_release)(void *) = pq->owner_release;
    void *owner = pq->owner;
    rj_free(pq);
    if (owner_release != NULL) {
        owner_release(owner);
    }
}

static rj_pq_entry_t *
entry_at(rj_process_queue_t *pq, size_t i)
{
    return &pq->ring[(size_t)((pq->head_seq + i) % pq->cap)];
}

static int
grow_locked(rj_process_queue_t *pq, size_t need)
{
    if (pq->count + need <= pq->cap) {
        return RJ_OK;
    }
    size_t ncap = pq->cap == 0 ? 64 : pq->cap * 2;
    while (ncap < pq->count + need) {
        ncap *= 2;
    }
    rj_pq_entry_t *n = rj_malloc(ncap * sizeof(*n));
    if (n == NULL) {
        return RJ_ENOMEM;
    }
    for (size_t i = 0; i < pq->count; i++) {
        n[(size_t)((pq->head_seq + i) % ncap)] = *entry_at(pq, i);
    }
    rj_free(pq->ring);
    pq->ring = n;
    pq->cap = ncap;
    return RJ_OK;
}

bool
rj_pq_put(rj_process_queue_t *pq, rj_pull_batch_t *b, int *rc)
{
    bool dispatch = false;

    *rc = RJ_OK;
    pthread_mutex_lock(&pq->lock);
    /* Messages must keep increasing: skip any at or below what is already queued. */
    size_t first = 0;
    while (first < b->kept_count && b->kept[first]->queue_offset <= pq->queue_offset_max &&
           pq->count > 0) {
        first++;
    }
    size_t n = b->kept_count - first;
    if (n > 0 && grow_locked(pq, n) != RJ_OK) {
        *rc = RJ_ENOMEM;
        pthread_mutex_unlock(&pq->lock);
        return false;
    }
    for (size_t i = first; i < b->kept_count; i++) {
        rj_message_t *m = b->kept[i];
        m->pq_seq = pq->head_seq + pq->count;
        rj_pq_entry_t *e = entry_at(pq, pq->count);
        e->msg = m;
        e->done = false;
        pq->count++;
        pq->msg_count++;
        pq->msg_size += m->body_len;
        pq->queue_offset_max = m->queue_offset;
        rj_pull_batch_retain(b);
    }
    if (n > 0) {
        const char *max = rj_message_prop_get(b->kept[b->kept_count - 1], RJ_PROP_MAX_OFFSET);
        int64_t maxv;
        if (max != NULL && rj_bytes_parse_i64(rj_bytes_from_cstr(max), &maxv) == 0) {
            int64_t acc = maxv - pq->queue_offset_max;
            if (acc > 0) {
                pq->msg_acc_cnt = acc;
            }
        }
    }
    if (pq->msg_count > 0 && !pq->consuming) {
        pq->consuming = true;
        dispatch = true;
    }
    pthread_mutex_unlock(&pq->lock);
    return dispatch;
}

/* Pops done entries at the front (releasing their batches). Caller holds the lock. */
static void
pop_done_locked(rj_process_queue_t *pq)
{
    while (pq->count > 0) {
        rj_pq_entry_t *e = entry_at(pq, 0);
        if (!e->done) {
            break;
        }
        rj_pull_batch_t *b = e->msg->batch;
        e->msg = NULL;
        pq->head_seq++;
        pq->count--;
        if (pq->taken > 0) {
            pq->taken--;
        }
        rj_pull_batch_release(b);
    }
}

static int64_t
commit_offset_locked(rj_process_queue_t *pq)
{
    for (size_t i = 0; i < pq->count; i++) {
        const rj_pq_entry_t *e = entry_at(pq, i);
        if (!e->done) {
            return e->msg->queue_offset;
        }
    }
    return pq->queue_offset_max + 1;
}

int64_t
rj_pq_remove(rj_process_queue_t *pq, rj_message_t *const *msgs, size_t count)
{
    int64_t result = -1;

    pthread_mutex_lock(&pq->lock);
    atomic_store(&pq->last_consume_ms, rj_clock_mono_ms());
    if (pq->count == 0) {
        pthread_mutex_unlock(&pq->lock);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        rj_message_t *m = msgs[i];
        if (m->pq_seq < pq->head_seq || m->pq_seq >= pq->head_seq + pq->count) {
            continue; /* already removed (queue cleared and refilled) */
        }
        rj_pq_entry_t *e = entry_at(pq, (size_t)(m->pq_seq - pq->head_seq));
        if (e->msg != m || e->done) {
            continue;
        }
        e->done = true;
        pq->msg_count--;
        pq->msg_size -= m->body_len;
    }
    pop_done_locked(pq);
    result = commit_offset_locked(pq);
    pthread_mutex_unlock(&pq->lock);
    return result;
}

size_t
rj_pq_take(rj_process_queue_t *pq, size_t max, rj_message_t **out)
{
    size_t n = 0;

    pthread_mutex_lock(&pq->lock);
    atomic_store(&pq->last_consume_ms, rj_clock_mono_ms());
    while (n < max && pq->taken < pq->count) {
        rj_pq_entry_t *e = entry_at(pq, pq->taken);
        pq->taken++;
        if (!e->done) {
            out[n++] = e->msg;
        }
    }
    if (n == 0) {
        pq->consuming = false;
    }
    pthread_mutex_unlock(&pq->lock);
    return n;
}

int64_t
rj_pq_commit(rj_process_queue_t *pq)
{
    int64_t offset = -1;

    pthread_mutex_lock(&pq->lock);
    for (size_t i = 0; i < pq->taken && i < pq->count; i++) {
        rj_pq_entry_t *e = entry_at(pq, i);
        if (!e->done) {
            e->done = true;
            pq->msg_count--;
            pq->msg_size -= e->msg->body_len;
            offset = e->msg->queue_offset + 1;
        }
    }
    pop_done_locked(pq);
    pq->taken = 0;
    pthread_mutex_unlock(&pq->lock);
    return offset;
}

void
rj_pq_make_again(rj_process_queue_t *pq)
{
    pthread_mutex_lock(&pq->lock);
    pq->taken = 0;
    pthread_mutex_unlock(&pq->lock);
}

rj_message_t *
rj_pq_first_pending(rj_process_queue_t *pq)
{
    rj_message_t *m = NULL;

    pthread_mutex_lock(&pq->lock);
    for (size_t i = 0; i < pq->count; i++) {
        rj_pq_entry_t *e = entry_at(pq, i);
        if (!e->done) {
            m = e->msg;
            rj_pull_batch_retain(m->batch);
            break;
        }
    }
    pthread_mutex_unlock(&pq->lock);
    return m;
}

void
rj_pq_clear(rj_process_queue_t *pq)
{
    pthread_mutex_lock(&pq->lock);
    for (size_t i = 0; i < pq->count; i++) {
        rj_pq_entry_t *e = entry_at(pq, i);
        rj_pull_batch_release(e->msg->batch);
        e->msg = NULL;
    }
    pq->head_seq += pq->count;
    pq->count = 0;
    pq->taken = 0;
    pq->msg_count = 0;
    pq->msg_size = 0;
    pthread_mutex_unlock(&pq->lock);
}

size_t
rj_pq_msg_count(rj_process_queue_t *pq)
{
    pthread_mutex_lock(&pq->lock);
    size_t n = pq->msg_count;
    pthread_mutex_unlock(&pq->lock);
    return n;
}

size_t
rj_pq_msg_size(rj_process_queue_t *pq)
{
    pthread_mutex_lock(&pq->lock);
    size_t n = pq->msg_size;
    pthread_mutex_unlock(&pq->lock);
    return n;
}

int64_t
rj_pq_max_span(rj_process_queue_t *pq)
{
    int64_t span = 0;

    pthread_mutex_lock(&pq->lock);
    for (size_t i = 0; i < pq->count; i++) {
        const rj_pq_entry_t *e = entry_at(pq, i);
        if (!e->done) {
            span = pq->queue_offset_max - e->msg->queue_offset;
            break;
        }
    }
    pthread_mutex_unlock(&pq->lock);
    return span;
}

bool
rj_pq_is_lock_expired(rj_process_queue_t *pq, int64_t now_ms)
{
    return now_ms - atomic_load(&pq->last_lock_ms) > RJ_PQ_LOCK_MAX_LIVE_MS;
}

bool
rj_pq_is_pull_expired(rj_process_queue_t *pq, int64_t now_ms)
{
    return now_ms - atomic_load(&pq->last_pull_ms) > RJ_PQ_PULL_MAX_IDLE_MS;
}
