/*
 * Lite pull consumer (Java DefaultLitePullConsumerImpl): the application
 * polls; the library keeps pulling in the background into a bounded cache.
 *
 * Queues come from rebalance (subscribe mode) or from the application
 * (assign mode); both go through the same process-queue table. Each queue
 * has one async long-polling pull loop (suspend 20 s, lite-pull flag, the
 * subscription in the request). A FOUND result is queued whole as one
 * "consume request" (batch + queue); poll() hands out one request at a time
 * and records the offset after it for commits. seek() bumps the queue's
 * generation: pulls of an older generation still in flight are discarded
 * when they answer, and a fresh loop starts at the sought offset at once.
 * Cached requests carry the generation of the pull that fetched them, so
 * one that raced past the seek is dropped by cache_push or poll instead of
 * being handed out.
 *
 * Subscriptions may change while running (Java allows subscribe/unsubscribe
 * on a started consumer). Writers of `subs`/`sub_count`/`mode` hold
 * life_lock and sub_lock (write); threads holding life_lock may read them
 * without sub_lock; every other reader (pull loop, heartbeat body, route
 * polls, rebalance) holds sub_lock for reading while it uses a subscription.
 * rb_lock makes a rebalance round and an unsubscribe's queue removal
 * exclusive, so a round working from an old topic list cannot re-add the
 * queues of a topic just dropped. Lock order:
 *   life_lock -> rb_lock -> sub_lock; run_lock -> sub_lock;
 *   the client instance's members_lock (read) -> rb_lock -> sub_lock.
 * sub_lock is never held while calling into the client instance.
 */
#include "client/client_instance.h"
#include "client/client_option.h"
#include "client/last_error.h"
#include "client/mq_client_api.h"
#include "client/offset_store.h"
#include "client/process_queue.h"
#include "client/rebalance.h"
#include "client/subscription.h"
#include "client/validators.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "ramjet/consumer.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LITE_SUSPEND_MS 20000
#define LITE_PULL_TIMEOUT_MS 30000
#define DELAY_ON_EXCEPTION_MS 3000
#define DELAY_FLOW_CONTROL_MS 50
#define DELAY_PAUSED_MS 1000
#define MAX_SUBS 64
#define THRESHOLD_ALL 10000

typedef enum { MODE_NONE = 0, MODE_SUBSCRIBE = 1, MODE_ASSIGN = 2 } lite_mode_t;

typedef struct {
    rj_process_queue_t *pq;
    rj_pull_batch_t *batch;
    uint64_t gen; /* pq->generation of the pull that fetched it */
} cache_entry_t;

struct rj_poll_result {
    rj_process_queue_t *pq;
    rj_pull_batch_t *batch;
};

struct rj_pull_consumer {
    atomic_int refs;
    char *group;
    char *namesrv_addrs;
    char *instance_name;
    char *offset_dir;
    rj_message_model_t model;
    rj_consume_from_t consume_from;
    int64_t consume_timestamp_ms;
    rj_allocate_strategy_t strategy;
    int pull_batch_size;
    bool auto_commit;
    int64_t auto_commit_interval_ms;
    int pull_threshold;
    int64_t poll_namesrv_interval_ms;
    int64_t heartbeat_interval_ms;
    int64_t rebalance_interval_ms;

    pthread_rwlock_t sub_lock; /* subs, sub_count, mode (see the top comment) */
    pthread_mutex_t rb_lock;   /* a rebalance round vs. unsubscribe's queue removal */
    lite_mode_t mode;
    rj_subscription_t *subs[MAX_SUBS];
    size_t sub_count;
    rj_message_queue_t *pending_assign; /* assign() before start */
    size_t pending_assign_count;

    atomic_int state; /* 0 created, 1 running, 2 stopped */
    pthread_mutex_t life_lock;
    pthread_mutex_t poll_lock; /* poll, seek and commit are serialised (Java synchronized) */
    pthread_rwlock_t run_lock;
    bool running;

    rj_client_instance_t *inst;
    rj_client_member_t member;
    rj_offset_store_t *offsets;
    rj_rebalance_t rb;
    bool rb_ready;

    pthread_mutex_t cache_lock;
    pthread_cond_t cache_cond;
    cache_entry_t *cache;
    size_t cache_head, cache_count, cache_cap;
    size_t cached_msgs;
    int64_t next_auto_commit_ms;
};

static void lite_pull(rj_process_queue_t *pq, uint64_t gen);

/* ------------------------------------------------------------- references */

static void
free_consumer(rj_pull_consumer_t *c)
{
    for (size_t i = 0; i < c->sub_count; i++) {
        rj_subscription_destroy(c->subs[i]);
    }
    rj_free(c->pending_assign);
    rj_free(c->cache);
    pthread_mutex_destroy(&c->life_lock);
    pthread_mutex_destroy(&c->poll_lock);
    pthread_rwlock_destroy(&c->run_lock);
    pthread_rwlock_destroy(&c->sub_lock);
    pthread_mutex_destroy(&c->rb_lock);
    pthread_mutex_destroy(&c->cache_lock);
    pthread_cond_destroy(&c->cache_cond);
    rj_free(c->group);
    rj_free(c->namesrv_addrs);
    rj_free(c->instance_name);
    rj_free(c->offset_dir);
    rj_free(c);
}

static void
consumer_release(void *owner)
{
    rj_pull_consumer_t *c = owner;
    if (atomic_fetch_sub(&c->refs, 1) == 1) {
        free_consumer(c);
    }
}

int
rj_pull_consumer_create(const char *group, rj_pull_consumer_t **out)
{
    rj_pull_consumer_t *c;
    int rc;

    rj_client_clear_error();
    if (out == NULL) {
        return rj_client_fail(RJ_EINVAL, "output pointer is NULL");
    }
    *out = NULL;
    rc = rj_validators_check_group(group);
    if (rc != RJ_OK) {
        return rc;
    }
    c = rj_calloc(1, sizeof(*c));
    if (c == NULL) {
        return RJ_ENOMEM;
    }
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->life_lock, NULL);
    pthread_mutex_init(&c->poll_lock, NULL);
    pthread_rwlock_init(&c->run_lock, NULL);
    pthread_rwlock_init(&c->sub_lock, NULL);
    pthread_mutex_init(&c->rb_lock, NULL);
    pthread_mutex_init(&c->cache_lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cache_cond, &ca);
    pthread_condattr_destroy(&ca);
    c->group = rj_strdup(group);
    if (c->group == NULL) {
        free_consumer(c);
        return RJ_ENOMEM;
    }
    c->model = RJ_MESSAGE_MODEL_CLUSTERING;
    c->consume_from = RJ_CONSUME_FROM_LAST_OFFSET;
    c->consume_timestamp_ms = rj_clock_wall_ms() - 30 * 60 * 1000;
    c->strategy = RJ_ALLOCATE_AVERAGELY;
    c->pull_batch_size = 10;
    c->auto_commit = true;
    c->auto_commit_interval_ms = 5000;
    c->pull_threshold = 1000;
    c->poll_namesrv_interval_ms = 30000;
    c->heartbeat_interval_ms = 30000;
    c->rebalance_interval_ms = 20000;
    *out = c;
    return RJ_OK;
}

/* ----------------------------------------------------------------- options */

static int
option_check(rj_pull_consumer_t *c)
{
    return rj_client_option_begin(c, "consumer", c != NULL && atomic_load(&c->state) != 0);
}

static int
set_string(rj_pull_consumer_t *c, char **field, const char *value)
{
    return rj_client_option_string(option_check(c), field, value);
}

int
rj_pull_consumer_set_namesrv_addr(rj_pull_consumer_t *c, const char *addrs)
{
    return set_string(c, c != NULL ? &c->namesrv_addrs : NULL, addrs);
}

int
rj_pull_consumer_set_instance_name(rj_pull_consumer_t *c, const char *name)
{
    return rj_client_option_instance_name(option_check(c), c != NULL ? &c->instance_name : NULL,
                                          name);
}

int
rj_pull_consumer_set_offset_store_dir(rj_pull_consumer_t *c, const char *dir)
{
    return set_string(c, c != NULL ? &c->offset_dir : NULL, dir);
}

int
rj_pull_consumer_set_message_model(rj_pull_consumer_t *c, rj_message_model_t model)
{
    int rc = option_check(c);
    if (rc == RJ_OK && model != RJ_MESSAGE_MODEL_CLUSTERING &&
        model != RJ_MESSAGE_MODEL_BROADCASTING) {
        rc = rj_client_fail(RJ_EINVAL, "unknown message model");
    }
    if (rc == RJ_OK) {
        c->model = model;
    }
    return rc;
}

int
rj_pull_consumer_set_consume_from(rj_pull_consumer_t *c, rj_consume_from_t where,
                                  int64_t timestamp_ms)
{
    int rc = option_check(c);
    if (rc == RJ_OK && where != RJ_CONSUME_FROM_LAST_OFFSET &&
        where != RJ_CONSUME_FROM_FIRST_OFFSET && where != RJ_CONSUME_FROM_TIMESTAMP) {
        rc = rj_client_fail(RJ_EINVAL, "unknown consume-from");
    }
    if (rc == RJ_OK && where == RJ_CONSUME_FROM_TIMESTAMP && timestamp_ms < 0) {
        rc = rj_client_fail(RJ_EINVAL, "negative timestamp");
    }
    if (rc == RJ_OK) {
        c->consume_from = where;
        if (where == RJ_CONSUME_FROM_TIMESTAMP) {
            c->consume_timestamp_ms = timestamp_ms;
        }
    }
    return rc;
}

int
rj_pull_consumer_set_allocate_strategy(rj_pull_consumer_t *c, rj_allocate_strategy_t strategy)
{
    int rc = option_check(c);
    if (rc == RJ_OK && strategy != RJ_ALLOCATE_AVERAGELY &&
        strategy != RJ_ALLOCATE_AVERAGELY_BY_CIRCLE && strategy != RJ_ALLOCATE_CONSISTENT_HASH) {
        rc = rj_client_fail(RJ_EINVAL, "unknown allocation strategy");
    }
    if (rc == RJ_OK) {
        c->strategy = strategy;
    }
    return rc;
}

int
rj_pull_consumer_set_pull_batch_size(rj_pull_consumer_t *c, int count)
{
    int rc = option_check(c);
    if (rc == RJ_OK && (count < 1 || count > 1024)) {
        rc = rj_client_fail(RJ_EINVAL, "pull batch size must be in [1, 1024]");
    }
    if (rc == RJ_OK) {
        c->pull_batch_size = count;
    }
    return rc;
}

int
rj_pull_consumer_set_auto_commit(rj_pull_consumer_t *c, bool enable, int64_t interval_ms)
{
    int rc = option_check(c);
    if (rc == RJ_OK && enable && (interval_ms < 10 || interval_ms > 86400000)) {
        rc = rj_client_fail(RJ_EINVAL, "auto commit interval out of range");
    }
    if (rc == RJ_OK) {
        c->auto_commit = enable;
        if (enable) {
            c->auto_commit_interval_ms = interval_ms;
        }
    }
    return rc;
}

int
rj_pull_consumer_set_pull_threshold(rj_pull_consumer_t *c, int msg_count)
{
    int rc = option_check(c);
    if (rc == RJ_OK && (msg_count < 1 || msg_count > 65535)) {
        rc = rj_client_fail(RJ_EINVAL, "pull threshold out of range");
    }
    if (rc == RJ_OK) {
        c->pull_threshold = msg_count;
    }
    return rc;
}

#define MS_SETTER(fn, field)                                        \
    int fn(rj_pull_consumer_t *c, int64_t value)                    \
    {                                                               \
        int rc = option_check(c);                                   \
        if (rc == RJ_OK && (value < 10 || value > 86400000)) {      \
            rc = rj_client_fail(RJ_EINVAL, #field " out of range"); \
        }                                                           \
        if (rc == RJ_OK) {                                          \
            c->field = value;                                       \
        }                                                           \
        return rc;                                                  \
    }

MS_SETTER(rj_pull_consumer_set_poll_namesrv_interval, poll_namesrv_interval_ms)
MS_SETTER(rj_pull_consumer_set_heartbeat_interval, heartbeat_interval_ms)
MS_SETTER(rj_pull_consumer_set_rebalance_interval, rebalance_interval_ms)

static void refresh_topic(rj_pull_consumer_t *c, const char *topic);
static bool has_sub(rj_pull_consumer_t *c, const char *topic);
static void remove_topic_queues(rj_pull_consumer_t *c, const char *topic);

/* Common opening of subscribe/unsubscribe: arguments, state and mode. Takes life_lock. */
static int
sub_change_begin(rj_pull_consumer_t *c, const char *topic)
{
    rj_client_clear_error();
    if (c == NULL) {
        return rj_client_fail(RJ_EINVAL, "consumer is NULL");
    }
    if (topic == NULL || topic[0] == '\0') {
        return rj_client_fail(RJ_EINVAL, "Topic can not be null or empty.");
    }
    pthread_mutex_lock(&c->life_lock);
    int rc = RJ_OK;
    if (atomic_load(&c->state) == 2) {
        rc = rj_client_fail(RJ_ESTATE, "The consumer service state not OK, consumer shut down");
    } else if (c->mode == MODE_ASSIGN) {
        rc = rj_client_fail(RJ_ESTATE, "Subscribe and assign are mutually exclusive.");
    }
    if (rc != RJ_OK) {
        pthread_mutex_unlock(&c->life_lock);
    }
    return rc;
}

int
rj_pull_consumer_subscribe(rj_pull_consumer_t *c, const char *topic, const char *expression)
{
    rj_subscription_t *s = NULL;
    rj_subscription_t *old = NULL;
    int rc = sub_change_begin(c, topic);

    if (rc != RJ_OK) {
        return rc;
    }
    rc = rj_validators_check_topic(topic);
    if (rc == RJ_OK) {
        rc = rj_subscription_create(topic, expression, RJ_EXPRESSION_TAG, &s);
    }
    if (rc != RJ_OK) {
        goto out;
    }
    pthread_rwlock_wrlock(&c->sub_lock);
    size_t i = 0;
    while (i < c->sub_count && strcmp(c->subs[i]->topic, topic) != 0) {
        i++;
    }
    if (i < c->sub_count) {
        old = c->subs[i];
        c->subs[i] = s;
    } else if (c->sub_count >= MAX_SUBS) {
        rc = rj_client_fail(RJ_ETOOLARGE, "too many subscriptions");
    } else {
        c->subs[c->sub_count++] = s;
    }
    if (rc == RJ_OK) {
        c->mode = MODE_SUBSCRIBE;
    }
    pthread_rwlock_unlock(&c->sub_lock);
    if (rc != RJ_OK) {
        rj_subscription_destroy(s);
        goto out;
    }
    rj_subscription_destroy(old);
    if (atomic_load(&c->state) == 1) {
        /* Java: heartbeat to all brokers, refresh the subscribed topics' routes; the
         * rebalance then hands out the new topic's queues. The route comes first here so
         * that brokers only this topic uses get the heartbeat too. */
        refresh_topic(c, topic);
        rj_client_instance_heartbeat_now(c->inst);
        rj_client_instance_rebalance_soon(c->inst);
    }
out:
    pthread_mutex_unlock(&c->life_lock);
    return rc;
}

int
rj_pull_consumer_unsubscribe(rj_pull_consumer_t *c, const char *topic)
{
    rj_subscription_t *gone = NULL;
    int rc = sub_change_begin(c, topic);

    if (rc != RJ_OK) {
        return rc;
    }
    bool running = atomic_load(&c->state) == 1;
    if (running) {
        pthread_mutex_lock(&c->rb_lock);
    }
    pthread_rwlock_wrlock(&c->sub_lock);
    for (size_t i = 0; i < c->sub_count; i++) {
        if (strcmp(c->subs[i]->topic, topic) == 0) {
            gone = c->subs[i];
            c->subs[i] = c->subs[--c->sub_count];
            break;
        }
    }
    pthread_rwlock_unlock(&c->sub_lock);
    if (gone == NULL) {
        rc = rj_client_fail(RJ_ENOTFOUND, "topic %s is not subscribed", topic);
    }
    if (running) {
        if (gone != NULL) {
            remove_topic_queues(c, topic);
        }
        pthread_mutex_unlock(&c->rb_lock);
        if (gone != NULL) {
            /* Tell the brokers at once instead of at the next periodic heartbeat. */
            rj_client_instance_heartbeat_now(c->inst);
        }
    }
    rj_subscription_destroy(gone);
    pthread_mutex_unlock(&c->life_lock);
    return rc;
}

/* Caller holds sub_lock (either mode) or life_lock. */
static const rj_subscription_t *
find_sub(const rj_pull_consumer_t *c, const char *topic)
{
    for (size_t i = 0; i < c->sub_count; i++) {
        if (strcmp(c->subs[i]->topic, topic) == 0) {
            return c->subs[i];
        }
    }
    return NULL;
}

static bool
has_sub(rj_pull_consumer_t *c, const char *topic)
{
    pthread_rwlock_rdlock(&c->sub_lock);
    bool found = find_sub(c, topic) != NULL;
    pthread_rwlock_unlock(&c->sub_lock);
    return found;
}

/* ------------------------------------------------------------------ cache */

/* A request that will never be handed out: its messages leave the process queue too. */
static void
discard_stale(rj_process_queue_t *pq, rj_pull_batch_t *b)
{
    rj_pq_remove(pq, b->kept, b->kept_count);
    rj_pull_batch_release(b);
    rj_pq_release(pq);
}

static void
cache_push(rj_pull_consumer_t *c, rj_process_queue_t *pq, rj_pull_batch_t *b, uint64_t gen)
{
    pthread_mutex_lock(&c->cache_lock);
    if (atomic_load(&pq->generation) != gen) {
        /* A seek bumped the generation (before dropping the cache) after this pull's
         * answer was checked: seek has already dropped what it saw, so drop this too. */
        pthread_mutex_unlock(&c->cache_lock);
        discard_stale(pq, b);
        return;
    }
    if (c->cache_count == c->cache_cap) {
        size_t ncap = c->cache_cap == 0 ? 64 : c->cache_cap * 2;
        cache_entry_t *n = rj_malloc(ncap * sizeof(*n));
        if (n == NULL) {
            pthread_mutex_unlock(&c->cache_lock);
            rj_pull_batch_release(b);
            rj_pq_release(pq);
            return;
        }
        for (size_t i = 0; i < c->cache_count; i++) {
            n[i] = c->cache[(c->cache_head + i) % c->cache_cap];
        }
        rj_free(c->cache);
        c->cache = n;
        c->cache_head = 0;
        c->cache_cap = ncap;
    }
    c->cache[(c->cache_head + c->cache_count) % c->cache_cap] = (cache_entry_t){pq, b, gen};
    c->cache_count++;
    c->cached_msgs += b->kept_count;
    pthread_cond_signal(&c->cache_cond);
    pthread_mutex_unlock(&c->cache_lock);
}

/* Drops cached requests of `pq` (all queues when NULL). */
static void
cache_drop(rj_pull_consumer_t *c, rj_process_queue_t *pq)
{
    cache_entry_t *gone = NULL;
    size_t gone_n = 0;

    pthread_mutex_lock(&c->cache_lock);
    if (c->cache_count > 0) {
        gone = rj_malloc(c->cache_count * sizeof(*gone));
    }
    size_t w = 0;
    for (size_t i = 0; i < c->cache_count; i++) {
        cache_entry_t e = c->cache[(c->cache_head + i) % c->cache_cap];
        if ((pq == NULL || e.pq == pq) && gone != NULL) {
            gone[gone_n++] = e;
            c->cached_msgs -= e.batch->kept_count;
        } else {
            c->cache[(c->cache_head + w) % c->cache_cap] = e;
            w++;
        }
    }
    c->cache_count = w;
    pthread_mutex_unlock(&c->cache_lock);
    for (size_t i = 0; i < gone_n; i++) {
        rj_pull_batch_release(gone[i].batch);
        rj_pq_release(gone[i].pq);
    }
    rj_free(gone);
}

static size_t
cached_msgs(rj_pull_consumer_t *c)
{
    pthread_mutex_lock(&c->cache_lock);
    size_t n = c->cached_msgs;
    pthread_mutex_unlock(&c->cache_lock);
    return n;
}

/* -------------------------------------------------------------- pull loop */

typedef struct {
    rj_process_queue_t *pq;
    uint64_t gen;
} pull_ctx_t;

static void
lite_pull_task(void *arg, uint64_t gen, bool cancelled)
{
    rj_process_queue_t *pq = arg;
    if (cancelled) {
        rj_pq_release(pq);
        return;
    }
    lite_pull(pq, gen);
}

static void
lite_later(rj_process_queue_t *pq, uint64_t gen, int64_t delay)
{
    rj_pull_consumer_t *c = pq->owner;
    int rc = RJ_ESHUTDOWN;

    pthread_rwlock_rdlock(&c->run_lock);
    if (c->running) {
        rc = rj_scheduler_schedule(rj_client_instance_scheduler(c->inst), delay, lite_pull_task, pq,
                                   gen);
    }
    pthread_rwlock_unlock(&c->run_lock);
    if (rc != RJ_OK) {
        rj_pq_release(pq);
    }
}

static bool
keep_tag(const rj_message_t *m, void *arg)
{
    return rj_subscription_accepts(arg, rj_message_prop_get(m, RJ_PROP_TAGS));
}

static void
lite_response(int status, const rj_command_t *resp, void *arg)
{
    pull_ctx_t ctx = *(pull_ctx_t *)arg;
    rj_process_queue_t *pq = ctx.pq;
    rj_pull_consumer_t *c = pq->owner;
    rj_pull_response_t pr;
    int64_t delay = 0;
    int rc;

    rj_free(arg);
    pthread_rwlock_rdlock(&c->run_lock);
    if (!c->running || atomic_load(&pq->dropped) || atomic_load(&pq->generation) != ctx.gen) {
        /* Stopped, dropped, or a seek started a newer loop: this one ends. */
        pthread_rwlock_unlock(&c->run_lock);
        rj_pq_release(pq);
        return;
    }
    if (status != RJ_OK) {
        delay = DELAY_ON_EXCEPTION_MS;
        rj_log_ratelimited(5000, RJ_LOG_WARN, status, "lite pull %s qid=%d failed", pq->mq.topic,
                           pq->mq.queue_id);
    } else if ((rc = rj_api_parse_pull_response(resp, &pr)) != RJ_OK) {
        delay = resp->code == RJ_RESP_FLOW_CONTROL ? 20 : DELAY_ON_EXCEPTION_MS;
        rj_log_ratelimited(5000, RJ_LOG_WARN, rc, "lite pull %s qid=%d: code %d", pq->mq.topic,
                           pq->mq.queue_id, resp->code);
    } else {
        pq->suggest_broker_id = pr.suggest_which_broker_id;
        pq->next_offset = pr.next_begin_offset;
        if (pr.status == RJ_PULL_FOUND) {
            rj_pull_batch_t *b = NULL;
            rc = rj_pull_batch_decode(resp->body.data, resp->body.len, pq->mq.broker_name,
                                      pr.min_offset, pr.max_offset, &b);
            if (rc != RJ_OK) {
                delay = DELAY_ON_EXCEPTION_MS;
            } else {
                pthread_rwlock_rdlock(&c->sub_lock);
                const rj_subscription_t *sub = find_sub(c, pq->mq.topic);
                if (sub != NULL) {
                    rj_pull_batch_filter(b, keep_tag, (void *)sub);
                }
                pthread_rwlock_unlock(&c->sub_lock);
                if (sub == NULL) {
                    /* Unsubscribed while this pull was out: the queue is on its way out. */
                    rj_pull_batch_release(b);
                    delay = DELAY_ON_EXCEPTION_MS;
                } else if (b->kept_count > 0 && (rj_pq_put(pq, b, &rc), rc == RJ_OK)) {
                    b->owner = pq;
                    rj_pq_retain(pq);
                    cache_push(c, pq, b, ctx.gen);
                } else {
                    rj_pull_batch_release(b);
                }
            }
        }
    }
    pthread_rwlock_unlock(&c->run_lock);
    if (delay > 0) {
        lite_later(pq, ctx.gen, delay);
    } else {
        lite_pull(pq, ctx.gen);
    }
}

static void
lite_pull(rj_process_queue_t *pq, uint64_t gen)
{
    rj_pull_consumer_t *c = pq->owner;
    int64_t delay = -1;
    char addr[128];

    pthread_rwlock_rdlock(&c->run_lock);
    if (!c->running || atomic_load(&pq->dropped) || atomic_load(&pq->generation) != gen) {
        pthread_rwlock_unlock(&c->run_lock);
        rj_pq_release(pq);
        return;
    }
    atomic_store(&pq->last_pull_ms, rj_clock_mono_ms());
    /* Held until the request is sent: it points into the subscription. */
    pthread_rwlock_rdlock(&c->sub_lock);
    const rj_subscription_t *sub = find_sub(c, pq->mq.topic);
    if (atomic_load(&pq->paused)) {
        delay = DELAY_PAUSED_MS;
    } else if (cached_msgs(c) > THRESHOLD_ALL || rj_pq_msg_count(pq) > (size_t)c->pull_threshold) {
        delay = DELAY_FLOW_CONTROL_MS;
    } else if (sub == NULL ||
               rj_client_instance_broker_addr(c->inst, pq->mq.broker_name, pq->suggest_broker_id,
                                              false, addr, sizeof(addr)) != RJ_OK) {
        delay = DELAY_ON_EXCEPTION_MS;
    }
    if (delay >= 0) {
        pthread_rwlock_unlock(&c->sub_lock);
        pthread_rwlock_unlock(&c->run_lock);
        lite_later(pq, gen, delay);
        return;
    }
    pthread_mutex_lock(&pq->lock);
    if (pq->seek_offset >= 0) {
        pq->next_offset = pq->seek_offset;
        pq->consume_offset = pq->seek_offset;
        pq->seek_offset = -1;
    }
    int64_t offset = pq->next_offset;
    pthread_mutex_unlock(&pq->lock);
    rj_pull_header_t h = {
        .consumer_group = c->group,
        .topic = pq->mq.topic,
        .queue_id = pq->mq.queue_id,
        .queue_offset = offset,
        .max_msg_nums = c->pull_batch_size,
        .sys_flag = RJ_PULL_FLAG_SUSPEND | RJ_PULL_FLAG_SUBSCRIPTION | RJ_PULL_FLAG_LITE_PULL,
        .commit_offset = 0,
        .suspend_timeout_ms = LITE_SUSPEND_MS,
        .subscription = sub->sub_string,
        .sub_version = sub->sub_version,
        .expression_type = sub->expression_type,
        .broker_name = pq->mq.broker_name,
    };
    rj_command_t req;
    rj_api_build_pull(&req, &h);
    pull_ctx_t *ctx = rj_malloc(sizeof(*ctx));
    int rc = RJ_ENOMEM;
    if (ctx != NULL) {
        ctx->pq = pq;
        ctx->gen = gen;
        rc = rj_rpc_client_invoke_async(rj_client_instance_rpc(c->inst), addr, &req,
                                        LITE_PULL_TIMEOUT_MS, lite_response, ctx);
        if (rc != RJ_OK) {
            rj_free(ctx);
        }
    }
    pthread_rwlock_unlock(&c->sub_lock);
    pthread_rwlock_unlock(&c->run_lock);
    if (rc != RJ_OK) {
        lite_later(pq, gen, DELAY_ON_EXCEPTION_MS);
    }
}

/* ---------------------------------------------------------- rebalance hooks */

static int64_t
compute_pull_from_where(rj_pull_consumer_t *c, const rj_message_queue_t *mq)
{
    int64_t last = rj_offset_store_read(c->offsets, mq, RJ_READ_FROM_STORE);
    char addr[128];
    int64_t off = -1;

    if (last >= 0) {
        return last;
    }
    if (last != -1) {
        return -1;
    }
    if (c->consume_from == RJ_CONSUME_FROM_FIRST_OFFSET) {
        return 0;
    }
    if (rj_client_instance_master_addr(c->inst, mq->broker_name, addr, sizeof(addr)) != RJ_OK) {
        return -1;
    }
    int rc =
        c->consume_from == RJ_CONSUME_FROM_LAST_OFFSET
            ? rj_api_get_max_offset(rj_client_instance_rpc(c->inst), addr, mq->topic, mq->queue_id,
                                    RJ_CLIENT_API_TIMEOUT_MS, &off)
            : rj_api_search_offset(rj_client_instance_rpc(c->inst), addr, mq->topic, mq->queue_id,
                                   c->consume_timestamp_ms, RJ_CLIENT_API_TIMEOUT_MS, &off);
    return rc == RJ_OK ? off : -1;
}

static rj_process_queue_t *
rb_add_queue(void *owner, const rj_message_queue_t *mq)
{
    rj_pull_consumer_t *c = owner;
    rj_process_queue_t *pq = rj_pq_create(mq, c);

    if (pq == NULL) {
        return NULL;
    }
    atomic_fetch_add(&c->refs, 1);
    pq->owner_release = consumer_release;
    rj_offset_store_remove(c->offsets, mq);
    int64_t offset = compute_pull_from_where(c, mq);
    if (offset < 0) {
        rj_pq_release(pq);
        return NULL;
    }
    pq->next_offset = offset;
    rj_offset_store_update(c->offsets, mq, offset, false);
    rj_pq_retain(pq);
    lite_later(pq, 0, 0);
    return pq;
}

static bool
rb_remove_queue(void *owner, rj_process_queue_t *pq)
{
    rj_pull_consumer_t *c = owner;

    if (c->auto_commit && pq->consume_offset >= 0) {
        rj_offset_store_update(c->offsets, &pq->mq, pq->consume_offset, false);
    }
    rj_offset_store_persist(c->offsets, &pq->mq, false);
    rj_offset_store_remove(c->offsets, &pq->mq);
    cache_drop(c, pq);
    return true;
}

static const rj_rebalance_ops_t rebalance_ops = {
    .add_queue = rb_add_queue,
    .remove_queue = rb_remove_queue,
};

/* ------------------------------------------------------------ member ops */

static void
visit_topics(rj_client_member_t *m, rj_topic_visit_cb cb, void *arg)
{
    rj_pull_consumer_t *c = m->owner;
    pthread_rwlock_rdlock(&c->sub_lock);
    for (size_t i = 0; i < c->sub_count; i++) {
        cb(c->subs[i]->topic, arg);
    }
    pthread_rwlock_unlock(&c->sub_lock);
}

static void
route_changed(rj_client_member_t *m, const char *topic, const rj_topic_route_t *r)
{
    rj_pull_consumer_t *c = m->owner;
    if (c->rb_ready && has_sub(c, topic)) {
        rj_rebalance_set_route(&c->rb, topic, r);
    }
}

static void
write_consumer_data(rj_client_member_t *m, rj_json_writer_t *w)
{
    rj_pull_consumer_t *c = m->owner;

    rj_jw_object_begin(w);
    rj_jw_key(w, "consumeFromWhere");
    rj_jw_string(w, c->consume_from == RJ_CONSUME_FROM_FIRST_OFFSET ? "CONSUME_FROM_FIRST_OFFSET"
                    : c->consume_from == RJ_CONSUME_FROM_TIMESTAMP  ? "CONSUME_FROM_TIMESTAMP"
                                                                    : "CONSUME_FROM_LAST_OFFSET");
    rj_jw_key(w, "consumeType");
    rj_jw_string(w, "CONSUME_ACTIVELY");
    rj_jw_key(w, "groupName");
    rj_jw_string(w, c->group);
    rj_jw_key(w, "messageModel");
    rj_jw_string(w, c->model == RJ_MESSAGE_MODEL_CLUSTERING ? "CLUSTERING" : "BROADCASTING");
    rj_jw_key(w, "subscriptionDataSet");
    rj_jw_array_begin(w);
    pthread_rwlock_rdlock(&c->sub_lock);
    for (size_t i = 0; i < c->sub_count; i++) {
        rj_subscription_write_json(c->subs[i], w);
    }
    pthread_rwlock_unlock(&c->sub_lock);
    rj_jw_array_end(w);
    rj_jw_key(w, "unitMode");
    rj_jw_bool(w, false);
    rj_jw_object_end(w);
}

static void
do_rebalance(rj_client_member_t *m)
{
    rj_pull_consumer_t *c = m->owner;
    char *topics[MAX_SUBS];
    size_t n = 0;

    if (!c->rb_ready) {
        return;
    }
    pthread_mutex_lock(&c->rb_lock);
    /* Copies: the round makes sync RPCs and must not hold sub_lock meanwhile. */
    pthread_rwlock_rdlock(&c->sub_lock);
    bool subscribe_mode = c->mode == MODE_SUBSCRIBE;
    for (size_t i = 0; subscribe_mode && i < c->sub_count; i++) {
        topics[n] = rj_strdup(c->subs[i]->topic);
        if (topics[n] == NULL) {
            subscribe_mode = false; /* out of memory: skip this round */
            break;
        }
        n++;
    }
    pthread_rwlock_unlock(&c->sub_lock);
    if (subscribe_mode) {
        rj_rebalance_do(&c->rb, (const char *const *)topics, n);
    }
    pthread_mutex_unlock(&c->rb_lock);
    for (size_t i = 0; i < n; i++) {
        rj_free(topics[i]);
    }
}

/* Drops the process queues of an unsubscribed topic (caller holds rb_lock). */
static void
remove_topic_queues(rj_pull_consumer_t *c, const char *topic)
{
    rj_process_queue_t *pqs[1024];
    size_t n = rj_rebalance_snapshot(&c->rb, topic, pqs, 1024);

    if (n > 1024) {
        n = 1024;
    }
    for (size_t i = 0; i < n; i++) {
        /* Dropped first: its pull loop ends and poll skips what is still cached. */
        atomic_store(&pqs[i]->dropped, true);
        rb_remove_queue(c, pqs[i]);
        rj_rebalance_remove(&c->rb, pqs[i]);
        rj_pq_release(pqs[i]);
    }
}

/* Fetches a topic's route and hands it to rebalance even if the instance already had it. */
static void
refresh_topic(rj_pull_consumer_t *c, const char *topic)
{
    rj_client_instance_update_route(c->inst, topic, false, 0);
    rj_topic_route_t *r = rj_client_instance_route(c->inst, topic);
    if (r != NULL) {
        rj_rebalance_set_route(&c->rb, topic, r);
        rj_topic_route_destroy(r);
    }
}

/* Moves what poll handed out into the offset store (Java commitAll). */
static void
commit_all(rj_pull_consumer_t *c, bool sync)
{
    rj_process_queue_t *pqs[1024];
    rj_message_queue_t mqs[1024];
    size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);

    if (n > 1024) {
        n = 1024;
    }
    for (size_t i = 0; i < n; i++) {
        pthread_mutex_lock(&pqs[i]->lock);
        int64_t off = pqs[i]->consume_offset;
        pthread_mutex_unlock(&pqs[i]->lock);
        if (off >= 0 && !atomic_load(&pqs[i]->dropped)) {
            rj_offset_store_update(c->offsets, &pqs[i]->mq, off, false);
        }
        mqs[i] = pqs[i]->mq;
    }
    rj_offset_store_persist_all(c->offsets, mqs, n, sync);
    for (size_t i = 0; i < n; i++) {
        rj_pq_release(pqs[i]);
    }
}

static void
persist_offsets(rj_client_member_t *m)
{
    rj_pull_consumer_t *c = m->owner;
    if (c->rb_ready) {
        rj_process_queue_t *pqs[1024];
        rj_message_queue_t mqs[1024];
        size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);
        if (n > 1024) {
            n = 1024;
        }
        for (size_t i = 0; i < n; i++) {
            mqs[i] = pqs[i]->mq;
        }
        rj_offset_store_persist_all(c->offsets, mqs, n, false);
        for (size_t i = 0; i < n; i++) {
            rj_pq_release(pqs[i]);
        }
    }
}

static const rj_member_ops_t consumer_ops = {
    .visit_topics = visit_topics,
    .route_changed = route_changed,
    .write_consumer_data = write_consumer_data,
    .rebalance = do_rebalance,
    .persist_offsets = persist_offsets,
};

/* ---------------------------------------------------------------- assign */

static int
add_assign_subscriptions(rj_pull_consumer_t *c, const rj_message_queue_t *queues, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (find_sub(c, queues[i].topic) != NULL) {
            continue;
        }
        if (c->sub_count >= MAX_SUBS) {
            return rj_client_fail(RJ_ETOOLARGE, "too many topics");
        }
        rj_subscription_t *s;
        int rc = rj_subscription_create(queues[i].topic, "*", RJ_EXPRESSION_TAG, &s);
        if (rc != RJ_OK) {
            return rc;
        }
        c->subs[c->sub_count++] = s;
    }
    return RJ_OK;
}

int
rj_pull_consumer_assign(rj_pull_consumer_t *c, const rj_message_queue_t *queues, size_t count)
{
    rj_client_clear_error();
    if (c == NULL || (queues == NULL && count > 0)) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    for (size_t i = 0; i < count; i++) {
        if (queues[i].topic == NULL || queues[i].broker_name == NULL || queues[i].queue_id < 0 ||
            rj_validators_check_topic(queues[i].topic) != RJ_OK) {
            return rj_client_fail(RJ_EINVAL, "bad message queue %zu", i);
        }
    }
    pthread_mutex_lock(&c->life_lock);
    int rc = RJ_OK;
    int state = atomic_load(&c->state);
    if (c->mode == MODE_SUBSCRIBE) {
        rc = rj_client_fail(RJ_ESTATE, "Subscribe and assign are mutually exclusive.");
    } else if (state == 2) {
        rc = rj_client_fail(RJ_ESTATE, "consumer shut down");
    } else {
        pthread_rwlock_wrlock(&c->sub_lock);
        c->mode = MODE_ASSIGN;
        pthread_rwlock_unlock(&c->sub_lock);
        rj_message_queue_t *copy = rj_message_queues_copy(queues, count);
        if (count > 0 && copy == NULL) {
            rc = RJ_ENOMEM;
        } else {
            rj_free(c->pending_assign);
            c->pending_assign = copy;
            c->pending_assign_count = count;
            if (state == 1) {
                pthread_rwlock_wrlock(&c->sub_lock);
                rc = add_assign_subscriptions(c, copy, count);
                pthread_rwlock_unlock(&c->sub_lock);
            }
            if (rc == RJ_OK && state == 1) {
                rj_rebalance_assign(&c->rb, copy, count);
            }
        }
    }
    pthread_mutex_unlock(&c->life_lock);
    return rc;
}

/* ------------------------------------------------------------- life cycle */

int
rj_pull_consumer_start(rj_pull_consumer_t *c)
{
    rj_client_config_t cfg;
    int rc;

    rj_client_clear_error();
    if (c == NULL) {
        return rj_client_fail(RJ_EINVAL, "consumer is NULL");
    }
    pthread_mutex_lock(&c->life_lock);
    if (atomic_load(&c->state) != 0) {
        rc = rj_client_fail(RJ_ESTATE, "The consumer service state not OK, maybe started once");
        goto out;
    }
    if (c->namesrv_addrs == NULL) {
        rc = rj_client_fail(RJ_EINVAL, "no name server address set");
        goto out;
    }
    if (c->mode == MODE_NONE) {
        rc = rj_client_fail(RJ_EINVAL, "subscribe or assign before start");
        goto out;
    }
    if (c->mode == MODE_ASSIGN) {
        rc = add_assign_subscriptions(c, c->pending_assign, c->pending_assign_count);
        if (rc != RJ_OK) {
            goto out;
        }
    }
    rj_client_config_init(&cfg);
    cfg.namesrv_addrs = c->namesrv_addrs;
    cfg.instance_name = c->instance_name;
    cfg.poll_namesrv_interval_ms = c->poll_namesrv_interval_ms;
    cfg.heartbeat_interval_ms = c->heartbeat_interval_ms;
    cfg.rebalance_interval_ms = c->rebalance_interval_ms;
    rc = rj_client_instance_acquire(&cfg, &c->inst);
    if (rc != RJ_OK) {
        goto out;
    }
    if (c->model == RJ_MESSAGE_MODEL_BROADCASTING) {
        rc = rj_offset_store_create_local(c->offset_dir, rj_client_instance_client_id(c->inst),
                                          c->group, &c->offsets);
    } else {
        rc = rj_offset_store_create_remote(c->inst, c->group, &c->offsets);
    }
    if (rc == RJ_OK) {
        rc = rj_rebalance_init(&c->rb, c->inst, c->group, c->model, c->strategy, &rebalance_ops, c);
        c->rb_ready = rc == RJ_OK;
    }
    if (rc == RJ_OK) {
        c->member.ops = &consumer_ops;
        c->member.kind = RJ_MEMBER_CONSUMER;
        c->member.group = c->group;
        c->member.owner = c;
        rc = rj_client_instance_register(c->inst, &c->member);
    }
    if (rc != RJ_OK) {
        if (c->rb_ready) {
            rj_rebalance_cleanup(&c->rb);
            c->rb_ready = false;
        }
        rj_offset_store_destroy(c->offsets);
        c->offsets = NULL;
        rj_client_instance_release(c->inst);
        c->inst = NULL;
        goto out;
    }
    pthread_rwlock_wrlock(&c->run_lock);
    c->running = true;
    pthread_rwlock_unlock(&c->run_lock);
    atomic_store(&c->state, 1);
    c->next_auto_commit_ms = rj_clock_mono_ms() + c->auto_commit_interval_ms;
    for (size_t i = 0; i < c->sub_count; i++) {
        rj_client_instance_update_route(c->inst, c->subs[i]->topic, false, 0);
    }
    rj_client_instance_heartbeat_now(c->inst);
    if (c->mode == MODE_ASSIGN) {
        rj_rebalance_assign(&c->rb, c->pending_assign, c->pending_assign_count);
    } else {
        rj_client_instance_rebalance_soon(c->inst);
    }
    rj_log(RJ_LOG_INFO, 0, "lite pull consumer %s started, client id %s", c->group,
           rj_client_instance_client_id(c->inst));
out:
    pthread_mutex_unlock(&c->life_lock);
    return rc;
}

int
rj_pull_consumer_shutdown(rj_pull_consumer_t *c)
{
    if (c == NULL) {
        return RJ_EINVAL;
    }
    pthread_mutex_lock(&c->life_lock);
    if (atomic_load(&c->state) != 1) {
        atomic_store(&c->state, 2);
        pthread_mutex_unlock(&c->life_lock);
        return RJ_OK;
    }
    atomic_store(&c->state, 2);
    pthread_mutex_lock(&c->poll_lock);
    pthread_rwlock_wrlock(&c->run_lock);
    c->running = false;
    pthread_rwlock_unlock(&c->run_lock);
    pthread_mutex_lock(&c->cache_lock);
    pthread_cond_broadcast(&c->cache_cond);
    pthread_mutex_unlock(&c->cache_lock);
    rj_client_instance_detach(c->inst, &c->member);
    if (c->auto_commit) {
        commit_all(c, true);
    } else {
        persist_offsets(&c->member);
    }
    rj_client_instance_unregister_brokers(c->inst, RJ_MEMBER_CONSUMER, c->group);
    cache_drop(c, NULL);
    rj_rebalance_cleanup(&c->rb);
    c->rb_ready = false;
    rj_client_instance_release(c->inst);
    c->inst = NULL;
    rj_offset_store_destroy(c->offsets);
    c->offsets = NULL;
    pthread_mutex_unlock(&c->poll_lock);
    pthread_mutex_unlock(&c->life_lock);
    return RJ_OK;
}

void
rj_pull_consumer_destroy(rj_pull_consumer_t *c)
{
    if (c == NULL) {
        return;
    }
    rj_pull_consumer_shutdown(c);
    consumer_release(c);
}

/* ------------------------------------------------------------------ poll */

static int
running_check(rj_pull_consumer_t *c)
{
    rj_client_clear_error();
    if (c == NULL) {
        return rj_client_fail(RJ_EINVAL, "consumer is NULL");
    }
    if (atomic_load(&c->state) != 1) {
        return rj_client_fail(RJ_ESTATE, "The consumer not running");
    }
    return RJ_OK;
}

int
rj_pull_consumer_poll(rj_pull_consumer_t *c, int64_t timeout_ms, rj_poll_result_t **out)
{
    int rc = running_check(c);

    if (out != NULL) {
        *out = NULL;
    }
    if (rc != RJ_OK) {
        return rc;
    }
    if (out == NULL || timeout_ms < 0) {
        return rj_client_fail(RJ_EINVAL, "Timeout must not be negative");
    }
    pthread_mutex_lock(&c->poll_lock);
    if (atomic_load(&c->state) != 1) {
        pthread_mutex_unlock(&c->poll_lock);
        return rj_client_fail(RJ_ESTATE, "The consumer not running");
    }
    if (c->auto_commit && rj_clock_mono_ms() >= c->next_auto_commit_ms) {
        commit_all(c, false);
        c->next_auto_commit_ms = rj_clock_mono_ms() + c->auto_commit_interval_ms;
    }
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    cache_entry_t e = {NULL, NULL, 0};
    pthread_mutex_lock(&c->cache_lock);
    for (;;) {
        while (c->cache_count > 0) {
            e = c->cache[c->cache_head];
            c->cache_head = (c->cache_head + 1) % c->cache_cap;
            c->cache_count--;
            c->cached_msgs -= e.batch->kept_count;
            bool stale = atomic_load(&e.pq->generation) != e.gen;
            if (!atomic_load(&e.pq->dropped) && !stale) {
                break;
            }
            pthread_mutex_unlock(&c->cache_lock);
            if (stale) {
                discard_stale(e.pq, e.batch);
            } else {
                rj_pull_batch_release(e.batch);
                rj_pq_release(e.pq);
            }
            e.pq = NULL;
            pthread_mutex_lock(&c->cache_lock);
        }
        if (e.pq != NULL || atomic_load(&c->state) != 1) {
            break;
        }
        int64_t left = deadline - rj_clock_mono_ms();
        if (left <= 0) {
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(left / 1000);
        ts.tv_nsec += (long)(left % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cache_cond, &c->cache_lock, &ts);
    }
    pthread_mutex_unlock(&c->cache_lock);
    if (e.pq == NULL) {
        pthread_mutex_unlock(&c->poll_lock);
        return RJ_ETIMEDOUT;
    }
    int64_t offset = rj_pq_remove(e.pq, e.batch->kept, e.batch->kept_count);
    if (offset >= 0) {
        pthread_mutex_lock(&e.pq->lock);
        e.pq->consume_offset = offset;
        pthread_mutex_unlock(&e.pq->lock);
    }
    pthread_mutex_unlock(&c->poll_lock);
    rj_poll_result_t *r = rj_malloc(sizeof(*r));
    if (r == NULL) {
        rj_pull_batch_release(e.batch);
        rj_pq_release(e.pq);
        return RJ_ENOMEM;
    }
    r->pq = e.pq;
    r->batch = e.batch;
    *out = r;
    return RJ_OK;
}

size_t
rj_poll_result_count(const rj_poll_result_t *r)
{
    return r != NULL ? r->batch->kept_count : 0;
}

const rj_message_t *
rj_poll_result_message(const rj_poll_result_t *r, size_t i)
{
    return r != NULL && i < r->batch->kept_count ? r->batch->kept[i] : NULL;
}

void
rj_poll_result_destroy(rj_poll_result_t *r)
{
    if (r == NULL) {
        return;
    }
    rj_pull_batch_release(r->batch);
    rj_pq_release(r->pq);
    rj_free(r);
}

/* ---------------------------------------------------------- seek / commit */

static int
find_queue(rj_pull_consumer_t *c, const rj_message_queue_t *mq, rj_process_queue_t **out)
{
    *out = NULL;
    if (mq == NULL || mq->topic == NULL || mq->broker_name == NULL) {
        return rj_client_fail(RJ_EINVAL, "bad message queue");
    }
    *out = rj_rebalance_find(&c->rb, mq);
    if (*out == NULL) {
        return rj_client_fail(RJ_ENOTFOUND,
                              "The message queue is not in assigned list, may be rebalancing, "
                              "message queue: %s/%s/%d",
                              mq->topic, mq->broker_name, mq->queue_id);
    }
    return RJ_OK;
}

static int
queue_offset_bound(rj_pull_consumer_t *c, const rj_message_queue_t *mq, bool max, int64_t *out)
{
    char addr[128];
    int rc = rj_client_instance_master_addr(c->inst, mq->broker_name, addr, sizeof(addr));
    if (rc != RJ_OK) {
        return rj_client_fail(RJ_ENOROUTE, "broker %s not found", mq->broker_name);
    }
    return max ? rj_api_get_max_offset(rj_client_instance_rpc(c->inst), addr, mq->topic,
                                       mq->queue_id, RJ_CLIENT_API_TIMEOUT_MS, out)
               : rj_api_get_min_offset(rj_client_instance_rpc(c->inst), addr, mq->topic,
                                       mq->queue_id, RJ_CLIENT_API_TIMEOUT_MS, out);
}

static int
seek_common(rj_pull_consumer_t *c, const rj_message_queue_t *mq, int64_t offset, int which)
{
    rj_process_queue_t *pq;
    int64_t min = 0, max = 0;
    int rc = running_check(c);

    if (rc != RJ_OK) {
        return rc;
    }
    rc = find_queue(c, mq, &pq);
    if (rc != RJ_OK) {
        return rc;
    }
    rc = queue_offset_bound(c, &pq->mq, false, &min);
    if (rc == RJ_OK) {
        rc = queue_offset_bound(c, &pq->mq, true, &max);
    }
    if (rc == RJ_OK) {
        if (which == 1) {
            offset = min;
        } else if (which == 2) {
            offset = max;
        } else if (offset < min || offset > max) {
            rc = rj_client_fail(RJ_EINVAL,
                                "Seek offset illegal, seek offset = %" PRId64
                                ", min offset = %" PRId64 ", max offset = %" PRId64,
                                offset, min, max);
        }
    }
    if (rc == RJ_OK) {
        pthread_mutex_lock(&c->poll_lock);
        pthread_mutex_lock(&pq->lock);
        pq->seek_offset = offset;
        pthread_mutex_unlock(&pq->lock);
        /* Generation first: a pull answer cached after the drop below is refused by
         * cache_push, one cached before it is dropped here. */
        uint64_t gen = atomic_fetch_add(&pq->generation, 1) + 1;
        cache_drop(c, pq);
        rj_pq_clear(pq);
        pthread_mutex_unlock(&c->poll_lock);
        rj_pq_retain(pq);
        lite_later(pq, gen, 0);
    }
    rj_pq_release(pq);
    return rc;
}

int
rj_pull_consumer_seek(rj_pull_consumer_t *c, const rj_message_queue_t *mq, int64_t offset)
{
    if (offset < 0) {
        return rj_client_fail(RJ_EINVAL, "negative offset");
    }
    return seek_common(c, mq, offset, 0);
}

int
rj_pull_consumer_seek_to_begin(rj_pull_consumer_t *c, const rj_message_queue_t *mq)
{
    return seek_common(c, mq, 0, 1);
}

int
rj_pull_consumer_seek_to_end(rj_pull_consumer_t *c, const rj_message_queue_t *mq)
{
    return seek_common(c, mq, 0, 2);
}

int
rj_pull_consumer_commit_sync(rj_pull_consumer_t *c)
{
    int rc = running_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    pthread_mutex_lock(&c->poll_lock);
    commit_all(c, true);
    pthread_mutex_unlock(&c->poll_lock);
    return RJ_OK;
}

int
rj_pull_consumer_commit_offset(rj_pull_consumer_t *c, const rj_message_queue_t *mq, int64_t offset)
{
    rj_process_queue_t *pq;
    int rc = running_check(c);

    if (rc != RJ_OK) {
        return rc;
    }
    if (offset < 0) {
        return rj_client_fail(RJ_EINVAL, "negative offset");
    }
    rc = find_queue(c, mq, &pq);
    if (rc != RJ_OK) {
        return rc;
    }
    pthread_mutex_lock(&c->poll_lock);
    pthread_mutex_lock(&pq->lock);
    pq->consume_offset = offset;
    pthread_mutex_unlock(&pq->lock);
    rj_offset_store_update(c->offsets, &pq->mq, offset, false);
    rj_offset_store_persist(c->offsets, &pq->mq, true);
    pthread_mutex_unlock(&c->poll_lock);
    rj_pq_release(pq);
    return RJ_OK;
}

int
rj_pull_consumer_committed(rj_pull_consumer_t *c, const rj_message_queue_t *mq, int64_t *offset)
{
    int rc = running_check(c);

    if (rc != RJ_OK) {
        return rc;
    }
    if (mq == NULL || mq->topic == NULL || mq->broker_name == NULL || offset == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    int64_t v = rj_offset_store_read(c->offsets, mq, RJ_READ_FROM_STORE);
    if (v == -2) {
        return rj_client_fail(RJ_EREMOTE, "cannot read the committed offset: %s", rj_last_error());
    }
    *offset = v;
    return RJ_OK;
}

static int
set_paused(rj_pull_consumer_t *c, const rj_message_queue_t *queues, size_t count, bool paused)
{
    int rc = running_check(c);

    if (rc != RJ_OK) {
        return rc;
    }
    if (queues == NULL && count > 0) {
        return rj_client_fail(RJ_EINVAL, "NULL queues");
    }
    for (size_t i = 0; i < count; i++) {
        rj_process_queue_t *pq;
        rc = find_queue(c, &queues[i], &pq);
        if (rc != RJ_OK) {
            return rc;
        }
        atomic_store(&pq->paused, paused);
        rj_pq_release(pq);
    }
    return RJ_OK;
}

int
rj_pull_consumer_pause(rj_pull_consumer_t *c, const rj_message_queue_t *queues, size_t count)
{
    return set_paused(c, queues, count, true);
}

int
rj_pull_consumer_resume(rj_pull_consumer_t *c, const rj_message_queue_t *queues, size_t count)
{
    return set_paused(c, queues, count, false);
}

int
rj_pull_consumer_assigned_queues(rj_pull_consumer_t *c, rj_message_queue_t **queues, size_t *count)
{
    rj_process_queue_t *pqs[1024];
    rj_message_queue_t mqs[1024];
    int rc = running_check(c);

    if (rc != RJ_OK) {
        return rc;
    }
    if (queues == NULL || count == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    *queues = NULL;
    *count = 0;
    size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);
    if (n > 1024) {
        n = 1024;
    }
    for (size_t i = 0; i < n; i++) {
        mqs[i] = pqs[i]->mq;
    }
    if (n > 0) {
        *queues = rj_message_queues_copy(mqs, n);
        *count = *queues != NULL ? n : 0;
    }
    for (size_t i = 0; i < n; i++) {
        rj_pq_release(pqs[i]);
    }
    return n > 0 && *queues == NULL ? RJ_ENOMEM : RJ_OK;
}

int
rj_pull_consumer_fetch_queues(rj_pull_consumer_t *c, const char *topic, rj_message_queue_t **queues,
                              size_t *count)
{
    int rc = running_check(c);

    if (rc != RJ_OK) {
        return rc;
    }
    if (topic == NULL || queues == NULL || count == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    rc = rj_client_instance_update_route(c->inst, topic, false, 0);
    if (rc != RJ_OK) {
        return rc == RJ_ENOROUTE ? rc : rj_client_fail(RJ_ENOROUTE, "%s", rj_last_error());
    }
    rj_topic_route_t *r = rj_client_instance_route(c->inst, topic);
    if (r == NULL) {
        return rj_client_fail(RJ_ENOROUTE, "No route info of this topic: %s", topic);
    }
    rc = rj_topic_route_subscribe_queues(topic, r, queues, count);
    rj_topic_route_destroy(r);
    return rc;
}
