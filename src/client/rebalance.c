/* Rebalance: allocation per topic and process-queue table updates. */
#include "client/rebalance.h"

#include "client/allocate.h"
#include "client/last_error.h"
#include "client/mq_client_api.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/assert.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <string.h>

typedef struct {
    rj_message_queue_t *mqs;
    size_t count;
} topic_mqs_t;

static void
free_topic_mqs(void *v)
{
    topic_mqs_t *t = v;
    if (t != NULL) {
        rj_free(t->mqs);
        rj_free(t);
    }
}

int
rj_rebalance_init(rj_rebalance_t *rb, rj_client_instance_t *inst, const char *group,
                  rj_message_model_t model, rj_allocate_strategy_t strategy,
                  const rj_rebalance_ops_t *ops, void *owner)
{
    memset(rb, 0, sizeof(*rb));
    rb->inst = inst;
    rb->group = group;
    rb->model = model;
    rb->strategy = strategy;
    rb->ops = ops;
    rb->owner = owner;
    pthread_mutex_init(&rb->lock, NULL);
    rb->pqs = rj_hashmap_create(16);
    rb->topic_mqs = rj_hashmap_create(8);
    if (rb->pqs == NULL || rb->topic_mqs == NULL) {
        rj_rebalance_cleanup(rb);
        return RJ_ENOMEM;
    }
    return RJ_OK;
}

static void
drop_pq(void *v)
{
    rj_process_queue_t *pq = v;
    atomic_store(&pq->dropped, true);
    rj_pq_release(pq);
}

void
rj_rebalance_cleanup(rj_rebalance_t *rb)
{
    if (rb->pqs != NULL) {
        rj_hashmap_destroy(rb->pqs, drop_pq);
        rb->pqs = NULL;
    }
    if (rb->topic_mqs != NULL) {
        rj_hashmap_destroy(rb->topic_mqs, free_topic_mqs);
        rb->topic_mqs = NULL;
    }
    pthread_mutex_destroy(&rb->lock);
}

void
rj_rebalance_set_route(rj_rebalance_t *rb, const char *topic, const rj_topic_route_t *route)
{
    topic_mqs_t *t = rj_calloc(1, sizeof(*t));
    void *old = NULL;

    if (t == NULL || rj_topic_route_subscribe_queues(topic, route, &t->mqs, &t->count) != RJ_OK) {
        rj_free(t);
        return;
    }
    pthread_mutex_lock(&rb->lock);
    if (rj_hashmap_put_cstr(rb->topic_mqs, topic, t, &old) != 0) {
        old = t;
    }
    pthread_mutex_unlock(&rb->lock);
    free_topic_mqs(old);
}

rj_message_queue_t *
rj_rebalance_topic_queues(rj_rebalance_t *rb, const char *topic, size_t *count)
{
    rj_message_queue_t *copy = NULL;

    *count = 0;
    pthread_mutex_lock(&rb->lock);
    topic_mqs_t *t = rj_hashmap_get_cstr(rb->topic_mqs, topic);
    if (t != NULL && t->count > 0) {
        copy = rj_message_queues_copy(t->mqs, t->count);
        *count = copy != NULL ? t->count : 0;
    }
    pthread_mutex_unlock(&rb->lock);
    return copy;
}

/* Readable queues of a topic, fetching the route when the table has none. */
static rj_message_queue_t *
topic_queues(rj_rebalance_t *rb, const char *topic, size_t *count)
{
    rj_message_queue_t *mqs = rj_rebalance_topic_queues(rb, topic, count);
    if (mqs != NULL) {
        return mqs;
    }
    rj_topic_route_t *r = rj_client_instance_route(rb->inst, topic);
    if (r == NULL && rj_client_instance_update_route(rb->inst, topic, false, 0) == RJ_OK) {
        r = rj_client_instance_route(rb->inst, topic);
    }
    if (r != NULL) {
        rj_rebalance_set_route(rb, topic, r);
        rj_topic_route_destroy(r);
    }
    return rj_rebalance_topic_queues(rb, topic, count);
}

size_t
rj_rebalance_snapshot(rj_rebalance_t *rb, const char *topic, rj_process_queue_t **out, size_t max)
{
    rj_hashmap_iter_t it;
    const char *key;
    size_t klen, n = 0;
    void *val;

    pthread_mutex_lock(&rb->lock);
    rj_hashmap_iter_init(rb->pqs, &it);
    while (rj_hashmap_iter_next(&it, &key, &klen, &val)) {
        rj_process_queue_t *pq = val;
        if (topic != NULL && strcmp(pq->mq.topic, topic) != 0) {
            continue;
        }
        if (n < max) {
            rj_pq_retain(pq);
            out[n] = pq;
        }
        n++;
    }
    pthread_mutex_unlock(&rb->lock);
    return n;
}

rj_process_queue_t *
rj_rebalance_find(rj_rebalance_t *rb, const rj_message_queue_t *mq)
{
    char key[400];

    rj_mq_key(mq, key);
    pthread_mutex_lock(&rb->lock);
    rj_process_queue_t *pq = rj_hashmap_get_cstr(rb->pqs, key);
    if (pq != NULL) {
        rj_pq_retain(pq);
    }
    pthread_mutex_unlock(&rb->lock);
    return pq;
}

bool
rj_rebalance_remove(rj_rebalance_t *rb, rj_process_queue_t *pq)
{
    pthread_mutex_lock(&rb->lock);
    bool removed = rj_hashmap_get_cstr(rb->pqs, pq->key) == pq;
    if (removed) {
        rj_hashmap_remove_cstr(rb->pqs, pq->key);
    }
    pthread_mutex_unlock(&rb->lock);
    atomic_store(&pq->dropped, true);
    if (removed) {
        rj_pq_release(pq); /* the table's reference */
    }
    return removed;
}

static bool
in_set(const rj_message_queue_t *mq, const rj_message_queue_t *set, const size_t *idx, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const rj_message_queue_t *o = &set[idx[i]];
        if (o->queue_id == mq->queue_id && strcmp(o->broker_name, mq->broker_name) == 0 &&
            strcmp(o->topic, mq->topic) == 0) {
            return true;
        }
    }
    return false;
}

/* Java updateProcessQueueTableInRebalance. Returns true if the set changed. */
static bool
update_table(rj_rebalance_t *rb, const char *topic, const rj_message_queue_t *mqs,
             const size_t *idx, size_t n)
{
    rj_process_queue_t *cur[1024];
    size_t count = rj_rebalance_snapshot(rb, topic, cur, RJ_ARRAY_SIZE(cur));
    bool changed = false;
    int64_t now = rj_clock_mono_ms();

    if (count > RJ_ARRAY_SIZE(cur)) {
        count = RJ_ARRAY_SIZE(cur);
    }
    for (size_t i = 0; i < count; i++) {
        rj_process_queue_t *pq = cur[i];
        bool keep = in_set(&pq->mq, mqs, idx, n);
        bool expired = keep && rb->drop_expired_pulls && rj_pq_is_pull_expired(pq, now);
        if (!keep || expired) {
            atomic_store(&pq->dropped, true);
            if (rb->ops->remove_queue(rb->owner, pq)) {
                rj_rebalance_remove(rb, pq);
                changed = true;
                rj_log(RJ_LOG_INFO, 0, "rebalance group=%s drops %s qid=%d on %s%s", rb->group,
                       pq->mq.topic, pq->mq.queue_id, pq->mq.broker_name,
                       expired ? " (not pulled for 120 s)" : "");
            } else {
                /* Could not be released now: keep it and try again next round. */
                atomic_store(&pq->dropped, false);
            }
        }
        rj_pq_release(pq);
    }
    for (size_t i = 0; i < n; i++) {
        const rj_message_queue_t *mq = &mqs[idx[i]];
        rj_process_queue_t *existing = rj_rebalance_find(rb, mq);
        if (existing != NULL) {
            rj_pq_release(existing);
            continue;
        }
        rj_process_queue_t *pq = rb->ops->add_queue(rb->owner, mq);
        if (pq == NULL) {
            continue;
        }
        pthread_mutex_lock(&rb->lock);
        int rc = rj_hashmap_put_cstr(rb->pqs, pq->key, pq, NULL);
        pthread_mutex_unlock(&rb->lock);
        if (rc != 0) {
            drop_pq(pq);
            continue;
        }
        changed = true;
        rj_log(RJ_LOG_INFO, 0, "rebalance group=%s adds %s qid=%d on %s", rb->group, mq->topic,
               mq->queue_id, mq->broker_name);
    }
    return changed;
}

void
rj_rebalance_assign(rj_rebalance_t *rb, const rj_message_queue_t *mqs, size_t count)
{
    size_t *idx = rj_calloc(count > 0 ? count : 1, sizeof(*idx));

    if (idx == NULL) {
        return;
    }
    for (size_t i = 0; i < count; i++) {
        idx[i] = i;
    }
    if (update_table(rb, NULL, mqs, idx, count) && rb->ops->queues_changed != NULL) {
        rb->ops->queues_changed(rb->owner, NULL);
    }
    rj_free(idx);
}

static void
rebalance_topic(rj_rebalance_t *rb, const char *topic)
{
    size_t mq_count = 0, cid_count = 0, n = 0;
    rj_message_queue_t *mqs = topic_queues(rb, topic, &mq_count);
    char **cids = NULL;
    size_t *idx = NULL;

    if (mqs == NULL) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0, "rebalance group=%s: no route for topic %s yet",
                           rb->group, topic);
        return;
    }
    idx = rj_calloc(mq_count, sizeof(*idx));
    if (idx == NULL) {
        goto out;
    }
    if (rb->model == RJ_MESSAGE_MODEL_BROADCASTING) {
        for (size_t i = 0; i < mq_count; i++) {
            idx[n++] = i;
        }
    } else {
        char addr[128];
        int rc = rj_client_instance_any_broker_of_topic(rb->inst, topic, addr, sizeof(addr));
        if (rc == RJ_OK) {
            rc = rj_api_get_consumer_ids(rj_client_instance_rpc(rb->inst), addr, rb->group,
                                         RJ_CLIENT_API_TIMEOUT_MS, &cids, &cid_count);
        }
        if (rc != RJ_OK || cid_count == 0) {
            rj_log_ratelimited(10000, RJ_LOG_WARN, rc,
                               "rebalance group=%s topic=%s: no consumer list: %s", rb->group,
                               topic, rj_last_error());
            goto out;
        }
        rj_allocate_sort_ids((const char **)cids, cid_count);
        rc = rj_allocate(rb->strategy, mqs, mq_count, (const char *const *)cids, cid_count,
                         rj_client_instance_client_id(rb->inst), idx, &n);
        if (rc != RJ_OK) {
            goto out;
        }
    }
    if (update_table(rb, topic, mqs, idx, n) && rb->ops->queues_changed != NULL) {
        rb->ops->queues_changed(rb->owner, topic);
    }
out:
    rj_free(cids);
    rj_free(idx);
    rj_free(mqs);
}

void
rj_rebalance_do(rj_rebalance_t *rb, const char *const *topics, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        rebalance_topic(rb, topics[i]);
    }
    /* Queues of topics no longer subscribed (Java truncateMessageQueueNotMyTopic). */
    rj_process_queue_t *all[1024];
    size_t n = rj_rebalance_snapshot(rb, NULL, all, RJ_ARRAY_SIZE(all));
    if (n > RJ_ARRAY_SIZE(all)) {
        n = RJ_ARRAY_SIZE(all);
    }
    for (size_t i = 0; i < n; i++) {
        bool subscribed = false;
        for (size_t t = 0; t < count && !subscribed; t++) {
            subscribed = strcmp(all[i]->mq.topic, topics[t]) == 0;
        }
        if (!subscribed) {
            atomic_store(&all[i]->dropped, true);
            if (rb->ops->remove_queue(rb->owner, all[i])) {
                rj_rebalance_remove(rb, all[i]);
            }
        }
        rj_pq_release(all[i]);
    }
}
