/*
 * Push consumer (Java DefaultMQPushConsumerImpl + PullMessageService +
 * RebalancePushImpl): options, life cycle, the member hooks of the client
 * instance, the rebalance hooks, and the pull loop.
 *
 * PULL LOOP. Each process queue has at most one pull in flight. A pull is an
 * async long poll (suspend 15 s, RPC timeout 30 s); its callback on the I/O
 * thread decodes the records into one batch, hands them to the consume
 * service and issues the next pull at once. Flow control (too many or too
 * large cached messages, too wide an offset span) and errors re-issue the
 * pull later through the scheduler. Nothing in the loop blocks.
 */
#include "client/push_consumer_internal.h"

#include "client/client_option.h"
#include "client/last_error.h"
#include "client/mq_client_api.h"
#include "client/validators.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Java constants (DefaultMQPushConsumerImpl, features.md §8). */
#define PULL_DELAY_ON_EXCEPTION_MS 3000
#define PULL_DELAY_FLOW_CONTROL_MS 50
#define PULL_DELAY_SUSPENDED_MS 1000
#define PULL_DELAY_BROKER_FLOW_CONTROL_MS 20
#define BROKER_SUSPEND_MAX_MS 15000
#define PULL_TIMEOUT_WHEN_SUSPEND_MS 30000
#define CONSUME_CONCURRENTLY_MAX_SPAN 2000
#define OFFSET_ILLEGAL_DELAY_MS 10000

static void pull_message(rj_process_queue_t *pq);

/* ------------------------------------------------------------- references */

void
rj_push_consumer_retain(rj_push_consumer_t *c)
{
    atomic_fetch_add(&c->refs, 1);
}

static void
free_consumer(rj_push_consumer_t *c)
{
    for (size_t i = 0; i < c->sub_count; i++) {
        rj_subscription_destroy(c->subs[i]);
    }
    pthread_mutex_destroy(&c->life_lock);
    pthread_rwlock_destroy(&c->run_lock);
    pthread_mutex_destroy(&c->inner_lock);
    rj_free(c->group);
    rj_free(c->retry_topic);
    rj_free(c->namesrv_addrs);
    rj_free(c->instance_name);
    rj_free(c->offset_dir);
    rj_free(c);
}

void
rj_push_consumer_release(rj_push_consumer_t *c)
{
    if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1) {
        free_consumer(c);
    }
}

static void
release_owner(void *owner)
{
    rj_push_consumer_release(owner);
}

/* ------------------------------------------------------------------ create */

int
rj_push_consumer_create(const char *group, rj_push_consumer_t **out)
{
    rj_push_consumer_t *c;
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
    c->group = rj_strdup(group);
    size_t rl = strlen(group) + sizeof(RJ_RETRY_GROUP_TOPIC_PREFIX);
    c->retry_topic = rj_malloc(rl);
    pthread_mutex_init(&c->life_lock, NULL);
    pthread_rwlock_init(&c->run_lock, NULL);
    pthread_mutex_init(&c->inner_lock, NULL);
    if (c->group == NULL || c->retry_topic == NULL) {
        free_consumer(c);
        return RJ_ENOMEM;
    }
    snprintf(c->retry_topic, rl, "%s%s", RJ_RETRY_GROUP_TOPIC_PREFIX, group);
    c->model = RJ_MESSAGE_MODEL_CLUSTERING;
    c->consume_from = RJ_CONSUME_FROM_LAST_OFFSET;
    c->consume_timestamp_ms = rj_clock_wall_ms() - 30 * 60 * 1000;
    c->strategy = RJ_ALLOCATE_AVERAGELY;
    c->consume_threads = 20;
    c->consume_batch_size = 1;
    c->pull_batch_size = 32;
    c->pull_threshold_count = 1000;
    c->pull_threshold_size_mib = 100;
    c->max_reconsume_times = -1;
    c->consume_timeout_min = 15;
    c->suspend_ms = 1000;
    c->poll_namesrv_interval_ms = 30000;
    c->heartbeat_interval_ms = 30000;
    c->persist_interval_ms = 5000;
    c->rebalance_interval_ms = 20000;
    atomic_init(&c->state, RJ_CONSUMER_CREATED);
    *out = c;
    return RJ_OK;
}

/* ----------------------------------------------------------------- options */

static int
option_check(rj_push_consumer_t *c)
{
    return rj_client_option_begin(c, "consumer",
                                  c != NULL && atomic_load(&c->state) != RJ_CONSUMER_CREATED);
}

static int
set_string(rj_push_consumer_t *c, char **field, const char *value)
{
    return rj_client_option_string(option_check(c), field, value);
}

int
rj_push_consumer_set_namesrv_addr(rj_push_consumer_t *c, const char *addrs)
{
    return set_string(c, c != NULL ? &c->namesrv_addrs : NULL, addrs);
}

int
rj_push_consumer_set_instance_name(rj_push_consumer_t *c, const char *name)
{
    return rj_client_option_instance_name(option_check(c), c != NULL ? &c->instance_name : NULL,
                                          name);
}

int
rj_push_consumer_set_offset_store_dir(rj_push_consumer_t *c, const char *dir)
{
    return set_string(c, c != NULL ? &c->offset_dir : NULL, dir);
}

int
rj_push_consumer_set_message_model(rj_push_consumer_t *c, rj_message_model_t model)
{
    int rc = option_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    if (model != RJ_MESSAGE_MODEL_CLUSTERING && model != RJ_MESSAGE_MODEL_BROADCASTING) {
        return rj_client_fail(RJ_EINVAL, "unknown message model %d", (int)model);
    }
    c->model = model;
    return RJ_OK;
}

int
rj_push_consumer_set_consume_from(rj_push_consumer_t *c, rj_consume_from_t where,
                                  int64_t timestamp_ms)
{
    int rc = option_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    if (where != RJ_CONSUME_FROM_LAST_OFFSET && where != RJ_CONSUME_FROM_FIRST_OFFSET &&
        where != RJ_CONSUME_FROM_TIMESTAMP) {
        return rj_client_fail(RJ_EINVAL, "unknown consume-from %d", (int)where);
    }
    if (where == RJ_CONSUME_FROM_TIMESTAMP && timestamp_ms < 0) {
        return rj_client_fail(RJ_EINVAL, "negative timestamp");
    }
    c->consume_from = where;
    if (where == RJ_CONSUME_FROM_TIMESTAMP) {
        c->consume_timestamp_ms = timestamp_ms;
    }
    return RJ_OK;
}

int
rj_push_consumer_set_allocate_strategy(rj_push_consumer_t *c, rj_allocate_strategy_t strategy)
{
    int rc = option_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    if (strategy != RJ_ALLOCATE_AVERAGELY && strategy != RJ_ALLOCATE_AVERAGELY_BY_CIRCLE &&
        strategy != RJ_ALLOCATE_CONSISTENT_HASH) {
        return rj_client_fail(RJ_EINVAL, "unknown allocation strategy %d", (int)strategy);
    }
    c->strategy = strategy;
    return RJ_OK;
}

#define INT_SETTER(fn, field, lo, hi)                                                    \
    int fn(rj_push_consumer_t *c, int value)                                             \
    {                                                                                    \
        int rc = option_check(c);                                                        \
        if (rc != RJ_OK) {                                                               \
            return rc;                                                                   \
        }                                                                                \
        if (value < (lo) || value > (hi)) {                                              \
            return rj_client_fail(RJ_EINVAL, #field " must be in [%d, %d]", (lo), (hi)); \
        }                                                                                \
        c->field = value;                                                                \
        return RJ_OK;                                                                    \
    }

INT_SETTER(rj_push_consumer_set_consume_thread_count, consume_threads, 1, 1000)
INT_SETTER(rj_push_consumer_set_consume_batch_size, consume_batch_size, 1, 1024)
INT_SETTER(rj_push_consumer_set_pull_batch_size, pull_batch_size, 1, 1024)
INT_SETTER(rj_push_consumer_set_max_reconsume_times, max_reconsume_times, -1, 1000000)
INT_SETTER(rj_push_consumer_set_consume_timeout, consume_timeout_min, 1, 1440)

#define MS_SETTER(fn, field, lo)                                      \
    int fn(rj_push_consumer_t *c, int64_t value)                      \
    {                                                                 \
        int rc = option_check(c);                                     \
        if (rc != RJ_OK) {                                            \
            return rc;                                                \
        }                                                             \
        if (value < (lo) || value > 86400000) {                       \
            return rj_client_fail(RJ_EINVAL, #field " out of range"); \
        }                                                             \
        c->field = value;                                             \
        return RJ_OK;                                                 \
    }

MS_SETTER(rj_push_consumer_set_suspend_time, suspend_ms, 10)
MS_SETTER(rj_push_consumer_set_poll_namesrv_interval, poll_namesrv_interval_ms, 10)
MS_SETTER(rj_push_consumer_set_heartbeat_interval, heartbeat_interval_ms, 10)
MS_SETTER(rj_push_consumer_set_persist_offset_interval, persist_interval_ms, 10)
MS_SETTER(rj_push_consumer_set_rebalance_interval, rebalance_interval_ms, 10)

int
rj_push_consumer_set_pull_threshold(rj_push_consumer_t *c, int msg_count, int size_mib)
{
    int rc = option_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    if (msg_count < 1 || msg_count > 65535 || size_mib < 1 || size_mib > 1024) {
        return rj_client_fail(RJ_EINVAL, "pull threshold out of range");
    }
    c->pull_threshold_count = msg_count;
    c->pull_threshold_size_mib = size_mib;
    return RJ_OK;
}

static int
add_subscription(rj_push_consumer_t *c, const char *topic, const char *expr, const char *type)
{
    rj_subscription_t *s;
    int rc = option_check(c);

    if (rc != RJ_OK) {
        return rc;
    }
    rc = rj_validators_check_topic(topic);
    if (rc != RJ_OK) {
        return rc;
    }
    rc = rj_subscription_create(topic, expr, type, &s);
    if (rc != RJ_OK) {
        return rc == RJ_EINVAL ? rj_client_fail(rc, "bad subscription expression") : rc;
    }
    for (size_t i = 0; i < c->sub_count; i++) {
        if (strcmp(c->subs[i]->topic, topic) == 0) {
            rj_subscription_destroy(c->subs[i]);
            c->subs[i] = s;
            return RJ_OK;
        }
    }
    if (c->sub_count >= RJ_MAX_SUBSCRIPTIONS - 1) {
        rj_subscription_destroy(s);
        return rj_client_fail(RJ_ETOOLARGE, "too many subscriptions");
    }
    c->subs[c->sub_count++] = s;
    return RJ_OK;
}

int
rj_push_consumer_subscribe(rj_push_consumer_t *c, const char *topic, const char *expression)
{
    return add_subscription(c, topic, expression, RJ_EXPRESSION_TAG);
}

int
rj_push_consumer_subscribe_sql(rj_push_consumer_t *c, const char *topic, const char *sql)
{
    if (sql == NULL || sql[0] == '\0') {
        return rj_client_fail(RJ_EINVAL, "empty SQL92 expression");
    }
    return add_subscription(c, topic, sql, RJ_EXPRESSION_SQL92);
}

int
rj_push_consumer_unsubscribe(rj_push_consumer_t *c, const char *topic)
{
    int rc = option_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    if (topic == NULL) {
        return rj_client_fail(RJ_EINVAL, "topic is NULL");
    }
    for (size_t i = 0; i < c->sub_count; i++) {
        if (strcmp(c->subs[i]->topic, topic) == 0) {
            rj_subscription_destroy(c->subs[i]);
            c->subs[i] = c->subs[--c->sub_count];
            return RJ_OK;
        }
    }
    return rj_client_fail(RJ_ENOTFOUND, "topic %s is not subscribed", topic);
}

int
rj_push_consumer_set_listener(rj_push_consumer_t *c, rj_consume_cb cb, void *arg)
{
    int rc = option_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    if (cb == NULL) {
        return rj_client_fail(RJ_EINVAL, "listener is NULL");
    }
    c->listener = cb;
    c->orderly_listener = NULL;
    c->listener_arg = arg;
    return RJ_OK;
}

int
rj_push_consumer_set_orderly_listener(rj_push_consumer_t *c, rj_consume_orderly_cb cb, void *arg)
{
    int rc = option_check(c);
    if (rc != RJ_OK) {
        return rc;
    }
    if (cb == NULL) {
        return rj_client_fail(RJ_EINVAL, "listener is NULL");
    }
    c->orderly_listener = cb;
    c->listener = NULL;
    c->listener_arg = arg;
    return RJ_OK;
}

const rj_subscription_t *
rj_push_consumer_subscription(const rj_push_consumer_t *c, const char *topic)
{
    for (size_t i = 0; i < c->sub_count; i++) {
        if (strcmp(c->subs[i]->topic, topic) == 0) {
            return c->subs[i];
        }
    }
    return NULL;
}

int
rj_push_consumer_max_reconsume(const rj_push_consumer_t *c)
{
    if (c->max_reconsume_times >= 0) {
        return c->max_reconsume_times;
    }
    return c->orderly_listener != NULL ? INT32_MAX : 16;
}

const char *
rj_push_consumer_client_id(const rj_push_consumer_t *c)
{
    return c != NULL && c->inst != NULL ? rj_client_instance_client_id(c->inst) : NULL;
}

/* ------------------------------------------------------------- scheduling */

void
rj_push_consumer_schedule(rj_push_consumer_t *c, int64_t delay_ms, rj_task_fn fn, void *arg,
                          uint64_t extra)
{
    int rc = RJ_ESHUTDOWN;

    pthread_rwlock_rdlock(&c->run_lock);
    if (c->running) {
        rc = rj_scheduler_schedule(rj_client_instance_scheduler(c->inst), delay_ms, fn, arg, extra);
    }
    pthread_rwlock_unlock(&c->run_lock);
    if (rc != RJ_OK) {
        fn(arg, extra, true);
    }
}

/* -------------------------------------------------------------- pull loop */

static void
pull_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_process_queue_t *pq = arg;

    (void)extra;
    if (cancelled) {
        rj_pq_release(pq);
        return;
    }
    pull_message(pq);
}

static void
pull_later(rj_process_queue_t *pq, int64_t delay_ms)
{
    rj_push_consumer_schedule(pq->owner, delay_ms, pull_task, pq, 0);
}

/* Java correctTagsOffset / OFFSET_ILLEGAL handling run with the queue's consumer. */
static void
offset_illegal_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_process_queue_t *pq = arg;
    rj_push_consumer_t *c = pq->owner;

    (void)extra;
    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            rj_offset_store_update(c->offsets, &pq->mq, pq->next_offset, false);
            rj_offset_store_persist(c->offsets, &pq->mq, false);
            rj_rebalance_remove(&c->rb, pq);
        }
        pthread_rwlock_unlock(&c->run_lock);
    }
    rj_pq_release(pq);
}

static void
offset_illegal_later(void *arg, uint64_t extra, bool cancelled)
{
    rj_process_queue_t *pq = arg;
    rj_push_consumer_t *c = pq->owner;
    int rc = RJ_ESHUTDOWN;

    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            rc = rj_executor_submit(rj_client_instance_service(c->inst), offset_illegal_task, pq,
                                    extra);
        }
        pthread_rwlock_unlock(&c->run_lock);
    }
    if (rc != RJ_OK) {
        rj_pq_release(pq);
    }
}

typedef struct {
    rj_push_consumer_t *c;
    const rj_subscription_t *sub;
} filter_arg_t;

/* Client-side tag re-filter and retry-topic restore (Java processPullResult, resetRetryTopic). */
static bool
keep_message(const rj_message_t *cm, void *arg)
{
    filter_arg_t *fa = arg;
    rj_message_t *m = (rj_message_t *)cm;

    if (!rj_subscription_accepts(fa->sub, rj_message_prop_get(m, RJ_PROP_TAGS))) {
        return false;
    }
    if (strcmp(m->topic, fa->c->retry_topic) == 0) {
        const char *real = rj_message_prop_get(m, RJ_PROP_RETRY_TOPIC);
        if (real != NULL) {
            m->topic = (char *)real;
        }
    }
    return true;
}

/* What the pull loop does after a response. */
typedef enum {
    NEXT_PULL_NOW = 0,
    NEXT_PULL_LATER = 1,
    NEXT_STOP = 2,
    NEXT_OFFSET_ILLEGAL = 3,
} next_step_t;

static next_step_t
handle_pull_response(rj_push_consumer_t *c, rj_process_queue_t *pq, int status,
                     const rj_command_t *resp, int64_t *delay)
{
    rj_pull_response_t pr;
    int rc;

    if (!c->running) {
        return NEXT_STOP;
    }
    *delay = PULL_DELAY_ON_EXCEPTION_MS;
    if (status != RJ_OK) {
        rj_log_ratelimited(5000, RJ_LOG_WARN, status, "pull %s qid=%d from %s failed", pq->mq.topic,
                           pq->mq.queue_id, pq->mq.broker_name);
        return NEXT_PULL_LATER;
    }
    rc = rj_api_parse_pull_response(resp, &pr);
    if (rc != RJ_OK) {
        const char *name = rj_response_code_name(resp->code);
        rj_log_ratelimited(5000, RJ_LOG_WARN, rc, "pull %s qid=%d from %s: %s(%d) %.*s",
                           pq->mq.topic, pq->mq.queue_id, pq->mq.broker_name,
                           name != NULL ? name : "?", resp->code,
                           resp->has_remark ? (int)resp->remark.len : 0,
                           resp->has_remark ? (const char *)resp->remark.data : "");
        if (resp->code == RJ_RESP_FLOW_CONTROL) {
            *delay = PULL_DELAY_BROKER_FLOW_CONTROL_MS;
        }
        return NEXT_PULL_LATER;
    }
    pq->suggest_broker_id = pr.suggest_which_broker_id;
    switch (pr.status) {
    case RJ_PULL_FOUND: {
        rj_pull_batch_t *b = NULL;
        rc = rj_pull_batch_decode(resp->body.data, resp->body.len, pq->mq.broker_name,
                                  pr.min_offset, pr.max_offset, &b);
        if (rc != RJ_OK) {
            rj_log(RJ_LOG_WARN, rc, "pull %s qid=%d: body does not decode", pq->mq.topic,
                   pq->mq.queue_id);
            return NEXT_PULL_LATER;
        }
        filter_arg_t fa = {c, rj_push_consumer_subscription(c, pq->mq.topic)};
        if (fa.sub != NULL) {
            rj_pull_batch_filter(b, keep_message, &fa);
        }
        pq->next_offset = pr.next_begin_offset;
        atomic_fetch_add(&c->pulled, (long long)b->kept_count);
        if (b->kept_count == 0) {
            rj_pull_batch_release(b);
            return NEXT_PULL_NOW;
        }
        bool dispatch = rj_pq_put(pq, b, &rc);
        if (rc != RJ_OK) {
            rj_pull_batch_release(b);
            return NEXT_PULL_LATER;
        }
        b->owner = pq;
        rj_consume_submit(c, pq, b, dispatch);
        return NEXT_PULL_NOW;
    }
    case RJ_PULL_NO_NEW_MSG:
    case RJ_PULL_NO_MATCHED_MSG:
        pq->next_offset = pr.next_begin_offset;
        if (rj_pq_msg_count(pq) == 0) {
            rj_offset_store_update_keyed(c->offsets, pq->key, &pq->mq, pr.next_begin_offset, true);
        }
        return NEXT_PULL_NOW;
    case RJ_PULL_OFFSET_ILLEGAL:
        rj_log(RJ_LOG_WARN, 0, "pull %s qid=%d: offset %" PRId64 " illegal, next %" PRId64,
               pq->mq.topic, pq->mq.queue_id, pq->next_offset, pr.next_begin_offset);
        pq->next_offset = pr.next_begin_offset;
        atomic_store(&pq->dropped, true);
        return NEXT_OFFSET_ILLEGAL;
    }
    return NEXT_PULL_LATER;
}

/* Pull answer, on the I/O thread. Consumer state is touched only while running. */
static void
pull_response(int status, const rj_command_t *resp, void *arg)
{
    rj_process_queue_t *pq = arg;
    rj_push_consumer_t *c = pq->owner;
    int64_t delay = 0;

    pthread_rwlock_rdlock(&c->run_lock);
    next_step_t next = handle_pull_response(c, pq, status, resp, &delay);
    pthread_rwlock_unlock(&c->run_lock);
    switch (next) {
    case NEXT_PULL_NOW:
        pull_message(pq);
        break;
    case NEXT_PULL_LATER:
        pull_later(pq, delay);
        break;
    case NEXT_OFFSET_ILLEGAL:
        rj_push_consumer_schedule(c, OFFSET_ILLEGAL_DELAY_MS, offset_illegal_later, pq, 0);
        break;
    case NEXT_STOP:
        rj_pq_release(pq);
        break;
    }
}

/* Issues the next pull of `pq` (consumes the loop's reference on it). Any thread. */
static void
pull_message(rj_process_queue_t *pq)
{
    rj_push_consumer_t *c = pq->owner;
    int64_t delay = -1;
    char addr[128];
    int rc;

    pthread_rwlock_rdlock(&c->run_lock);
    if (!c->running || atomic_load(&pq->dropped)) {
        pthread_rwlock_unlock(&c->run_lock);
        rj_pq_release(pq);
        return;
    }
    atomic_store(&pq->last_pull_ms, rj_clock_mono_ms());
    const rj_subscription_t *sub = rj_push_consumer_subscription(c, pq->mq.topic);
    if (atomic_load(&c->paused)) {
        delay = PULL_DELAY_SUSPENDED_MS;
    } else if (rj_pq_msg_count(pq) > (size_t)c->pull_threshold_count ||
               rj_pq_msg_size(pq) / (1024 * 1024) > (size_t)c->pull_threshold_size_mib) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                           "flow control: %s qid=%d has %zu messages (%zu bytes) cached",
                           pq->mq.topic, pq->mq.queue_id, rj_pq_msg_count(pq), rj_pq_msg_size(pq));
        delay = PULL_DELAY_FLOW_CONTROL_MS;
    } else if (c->orderly_listener == NULL && rj_pq_max_span(pq) > CONSUME_CONCURRENTLY_MAX_SPAN) {
        delay = PULL_DELAY_FLOW_CONTROL_MS;
    } else if (c->orderly_listener != NULL && c->model == RJ_MESSAGE_MODEL_CLUSTERING &&
               !atomic_load(&pq->locked)) {
        delay = PULL_DELAY_ON_EXCEPTION_MS;
    } else if (sub == NULL) {
        delay = PULL_DELAY_ON_EXCEPTION_MS;
    } else if (rj_client_instance_broker_addr(c->inst, pq->mq.broker_name, pq->suggest_broker_id,
                                              false, addr, sizeof(addr)) != RJ_OK) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0, "no address for broker %s", pq->mq.broker_name);
        delay = PULL_DELAY_ON_EXCEPTION_MS;
    }
    if (delay >= 0) {
        pthread_rwlock_unlock(&c->run_lock);
        pull_later(pq, delay);
        return;
    }
    int64_t commit = 0;
    int32_t flag = RJ_PULL_FLAG_SUSPEND;
    if (c->model == RJ_MESSAGE_MODEL_CLUSTERING) {
        commit = rj_offset_store_read_keyed(c->offsets, pq->key);
        if (commit > 0 && pq->suggest_broker_id == RJ_MASTER_ID) {
            flag |= RJ_PULL_FLAG_COMMIT_OFFSET;
        } else if (commit < 0) {
            commit = 0;
        }
    }
    rj_pull_header_t h = {
        .consumer_group = c->group,
        .topic = pq->mq.topic,
        .queue_id = pq->mq.queue_id,
        .queue_offset = pq->next_offset,
        .max_msg_nums = c->pull_batch_size,
        .sys_flag = flag,
        .commit_offset = commit,
        .suspend_timeout_ms = BROKER_SUSPEND_MAX_MS,
        .subscription = NULL,
        .sub_version = sub->sub_version,
        .expression_type = sub->expression_type,
        .broker_name = pq->mq.broker_name,
    };
    rj_command_t req;
    rj_api_build_pull(&req, &h);
    rc = rj_rpc_client_invoke_async(rj_client_instance_rpc(c->inst), addr, &req,
                                    PULL_TIMEOUT_WHEN_SUSPEND_MS, pull_response, pq);
    pthread_rwlock_unlock(&c->run_lock);
    if (rc != RJ_OK) {
        rj_log_ratelimited(5000, RJ_LOG_WARN, rc, "pull %s qid=%d from %s not sent", pq->mq.topic,
                           pq->mq.queue_id, addr);
        pull_later(pq, PULL_DELAY_ON_EXCEPTION_MS);
    }
}

/* ------------------------------------------------------------- rebalance */

/* Java RebalancePushImpl.computePullFromWhereWithException. */
static int64_t
compute_pull_from_where(rj_push_consumer_t *c, const rj_message_queue_t *mq)
{
    int64_t last = rj_offset_store_read(c->offsets, mq, RJ_READ_FROM_STORE);
    bool retry =
        strncmp(mq->topic, RJ_RETRY_GROUP_TOPIC_PREFIX, strlen(RJ_RETRY_GROUP_TOPIC_PREFIX)) == 0;
    char addr[128];
    int64_t off = -1;

    if (last >= 0) {
        return last;
    }
    if (last != -1) {
        return -1; /* the store could not be asked: try again next rebalance */
    }
    if (c->consume_from == RJ_CONSUME_FROM_FIRST_OFFSET ||
        (retry && c->consume_from == RJ_CONSUME_FROM_LAST_OFFSET)) {
        return 0;
    }
    if (rj_client_instance_master_addr(c->inst, mq->broker_name, addr, sizeof(addr)) != RJ_OK) {
        return -1;
    }
    int rc;
    if (c->consume_from == RJ_CONSUME_FROM_LAST_OFFSET || retry) {
        rc = rj_api_get_max_offset(rj_client_instance_rpc(c->inst), addr, mq->topic, mq->queue_id,
                                   RJ_CLIENT_API_TIMEOUT_MS, &off);
    } else {
        rc = rj_api_search_offset(rj_client_instance_rpc(c->inst), addr, mq->topic, mq->queue_id,
                                  c->consume_timestamp_ms, RJ_CLIENT_API_TIMEOUT_MS, &off);
    }
    if (rc != RJ_OK) {
        rj_log(RJ_LOG_WARN, rc, "start offset of %s qid=%d: %s", mq->topic, mq->queue_id,
               rj_last_error());
        return -1;
    }
    return off;
}

static rj_process_queue_t *
rb_add_queue(void *owner, const rj_message_queue_t *mq)
{
    rj_push_consumer_t *c = owner;
    rj_process_queue_t *pq = rj_pq_create(mq, c);

    if (pq == NULL) {
        return NULL;
    }
    rj_push_consumer_retain(c);
    pq->owner_release = release_owner;
    if (c->orderly_listener != NULL && c->model == RJ_MESSAGE_MODEL_CLUSTERING &&
        !rj_consume_lock_queue(c, pq)) {
        rj_log(RJ_LOG_INFO, 0, "rebalance group=%s: %s qid=%d on %s is locked by another member",
               c->group, mq->topic, mq->queue_id, mq->broker_name);
        rj_pq_release(pq);
        return NULL;
    }
    rj_offset_store_remove(c->offsets, mq);
    int64_t offset = compute_pull_from_where(c, mq);
    if (offset < 0) {
        rj_pq_release(pq);
        return NULL;
    }
    pq->next_offset = offset;
    rj_offset_store_update(c->offsets, mq, offset, false);
    rj_pq_retain(pq); /* the pull loop's reference */
    pull_later(pq, 0);
    return pq;
}

static bool
rb_remove_queue(void *owner, rj_process_queue_t *pq)
{
    rj_push_consumer_t *c = owner;

    rj_offset_store_persist(c->offsets, &pq->mq, false);
    rj_offset_store_remove(c->offsets, &pq->mq);
    if (c->orderly_listener != NULL && c->model == RJ_MESSAGE_MODEL_CLUSTERING) {
        /* Unlock only once no listener call of this queue runs (Java waits up to 1 s). */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (pthread_mutex_timedlock(&pq->consume_lock, &ts) != 0) {
            return false;
        }
        char addr[128];
        if (rj_client_instance_master_addr(c->inst, pq->mq.broker_name, addr, sizeof(addr)) ==
            RJ_OK) {
            rj_api_unlock_batch(rj_client_instance_rpc(c->inst), addr, c->group,
                                rj_client_instance_client_id(c->inst), &pq->mq, 1, 0);
        }
        atomic_store(&pq->locked, false);
        pthread_mutex_unlock(&pq->consume_lock);
    }
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
    rj_push_consumer_t *c = m->owner;
    for (size_t i = 0; i < c->sub_count; i++) {
        cb(c->subs[i]->topic, arg);
    }
}

static void
route_changed(rj_client_member_t *m, const char *topic, const rj_topic_route_t *r)
{
    rj_push_consumer_t *c = m->owner;
    if (c->rb_ready && rj_push_consumer_subscription(c, topic) != NULL) {
        rj_rebalance_set_route(&c->rb, topic, r);
    }
}

static const char *
consume_from_name(rj_consume_from_t w)
{
    switch (w) {
    case RJ_CONSUME_FROM_FIRST_OFFSET:
        return "CONSUME_FROM_FIRST_OFFSET";
    case RJ_CONSUME_FROM_TIMESTAMP:
        return "CONSUME_FROM_TIMESTAMP";
    default:
        return "CONSUME_FROM_LAST_OFFSET";
    }
}

static void
write_consumer_data(rj_client_member_t *m, rj_json_writer_t *w)
{
    rj_push_consumer_t *c = m->owner;

    rj_jw_object_begin(w);
    rj_jw_key(w, "consumeFromWhere");
    rj_jw_string(w, consume_from_name(c->consume_from));
    rj_jw_key(w, "consumeType");
    rj_jw_string(w, "CONSUME_PASSIVELY");
    rj_jw_key(w, "groupName");
    rj_jw_string(w, c->group);
    rj_jw_key(w, "messageModel");
    rj_jw_string(w, c->model == RJ_MESSAGE_MODEL_CLUSTERING ? "CLUSTERING" : "BROADCASTING");
    rj_jw_key(w, "subscriptionDataSet");
    rj_jw_array_begin(w);
    for (size_t i = 0; i < c->sub_count; i++) {
        rj_subscription_write_json(c->subs[i], w);
    }
    rj_jw_array_end(w);
    rj_jw_key(w, "unitMode");
    rj_jw_bool(w, false);
    rj_jw_object_end(w);
}

static void
do_rebalance(rj_client_member_t *m)
{
    rj_push_consumer_t *c = m->owner;
    const char *topics[RJ_MAX_SUBSCRIPTIONS];

    if (!c->rb_ready) {
        return;
    }
    for (size_t i = 0; i < c->sub_count; i++) {
        topics[i] = c->subs[i]->topic;
    }
    rj_rebalance_do(&c->rb, topics, c->sub_count);
}

static void
persist_offsets(rj_client_member_t *m)
{
    rj_push_consumer_t *c = m->owner;
    rj_process_queue_t *pqs[1024];
    rj_message_queue_t mqs[1024];

    if (!c->rb_ready) {
        return;
    }
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

static int
handle_request(rj_client_member_t *m, rj_request_t *req, const rj_command_t *cmd)
{
    return rj_push_consumer_handle_request(m->owner, req, cmd);
}

static const rj_member_ops_t consumer_ops = {
    .visit_topics = visit_topics,
    .route_changed = route_changed,
    .write_consumer_data = write_consumer_data,
    .rebalance = do_rebalance,
    .persist_offsets = persist_offsets,
    .handle_request = handle_request,
};

/* ------------------------------------------------------------- life cycle */

/*
 * Java checkClientInBroker: each SQL92 subscription is validated by one broker
 * of its topic (CHECK_CLIENT_CONFIG), so a bad expression or a broker without
 * property filtering fails the start instead of every pull.
 */
static int
check_filters(rj_push_consumer_t *c)
{
    for (size_t i = 0; i < c->sub_count; i++) {
        const rj_subscription_t *sub = c->subs[i];
        char addr[128];
        if (strcmp(sub->expression_type, RJ_EXPRESSION_TAG) == 0 ||
            rj_client_instance_any_broker_of_topic(c->inst, sub->topic, addr, sizeof(addr)) !=
                RJ_OK) {
            continue;
        }
        rj_buf_t json = RJ_BUF_INIT;
        rj_json_writer_t w;
        rj_jw_init(&w, &json, 0);
        rj_subscription_write_json(sub, &w);
        int rc = rj_jw_finish(&w);
        if (rc == RJ_OK) {
            rc = rj_api_check_client_config(rj_client_instance_rpc(c->inst), addr, c->group,
                                            rj_client_instance_client_id(c->inst),
                                            rj_buf_view(&json), RJ_CLIENT_API_TIMEOUT_MS);
        }
        rj_buf_cleanup(&json);
        if (rc != RJ_OK) {
            return rj_client_fail(rc,
                                  "Check client in broker error, maybe because you use %s to "
                                  "filter message, but server has not been upgraded to "
                                  "support: %s",
                                  sub->expression_type, rj_last_error());
        }
    }
    return RJ_OK;
}

int
rj_push_consumer_start(rj_push_consumer_t *c)
{
    rj_client_config_t cfg;
    int rc;

    rj_client_clear_error();
    if (c == NULL) {
        return rj_client_fail(RJ_EINVAL, "consumer is NULL");
    }
    pthread_mutex_lock(&c->life_lock);
    if (atomic_load(&c->state) != RJ_CONSUMER_CREATED) {
        rc = rj_client_fail(RJ_ESTATE, "The PushConsumer service state not OK, maybe started once");
        goto out;
    }
    if (c->namesrv_addrs == NULL) {
        rc = rj_client_fail(RJ_EINVAL, "no name server address set");
        goto out;
    }
    if (c->listener == NULL && c->orderly_listener == NULL) {
        rc = rj_client_fail(RJ_EINVAL, "messageListener is null");
        goto out;
    }
    if (c->sub_count == 0) {
        rc = rj_client_fail(RJ_EINVAL, "no subscription");
        goto out;
    }
    if (c->model == RJ_MESSAGE_MODEL_CLUSTERING &&
        rj_push_consumer_subscription(c, c->retry_topic) == NULL) {
        rj_subscription_t *rs;
        rc = rj_subscription_create(c->retry_topic, "*", RJ_EXPRESSION_TAG, &rs);
        if (rc != RJ_OK) {
            goto out;
        }
        c->subs[c->sub_count++] = rs;
    }
    rj_client_config_init(&cfg);
    cfg.namesrv_addrs = c->namesrv_addrs;
    cfg.instance_name = c->instance_name;
    cfg.poll_namesrv_interval_ms = c->poll_namesrv_interval_ms;
    cfg.heartbeat_interval_ms = c->heartbeat_interval_ms;
    cfg.persist_offset_interval_ms = c->persist_interval_ms;
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
        rc = rj_executor_create("rjconsume", c->consume_threads, &c->consume_pool);
    }
    if (rc == RJ_OK) {
        rc = rj_rebalance_init(&c->rb, c->inst, c->group, c->model, c->strategy, &rebalance_ops, c);
        c->rb.drop_expired_pulls = true;
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
        rj_executor_destroy(c->consume_pool);
        c->consume_pool = NULL;
        rj_offset_store_destroy(c->offsets);
        c->offsets = NULL;
        rj_client_instance_release(c->inst);
        c->inst = NULL;
        goto out;
    }
    c->start_ms = rj_clock_wall_ms();
    pthread_rwlock_wrlock(&c->run_lock);
    c->running = true;
    pthread_rwlock_unlock(&c->run_lock);
    atomic_store(&c->state, RJ_CONSUMER_RUNNING);
    /* As Java: fetch the subscribed routes, heartbeat, then rebalance at once. */
    for (size_t i = 0; i < c->sub_count; i++) {
        if (rj_client_instance_update_route(c->inst, c->subs[i]->topic, false, 0) != RJ_OK) {
            /* The retry topic appears once the broker has the heartbeat: not worth a warning. */
            rj_log(c->subs[i]->topic == c->retry_topic ||
                           strcmp(c->subs[i]->topic, c->retry_topic) == 0
                       ? RJ_LOG_INFO
                       : RJ_LOG_WARN,
                   0, "consumer %s: %s", c->group, rj_last_error());
        }
    }
    rc = check_filters(c);
    if (rc != RJ_OK) {
        pthread_mutex_unlock(&c->life_lock);
        char why[512];
        snprintf(why, sizeof(why), "%s", rj_last_error());
        rj_push_consumer_shutdown(c);
        atomic_store(&c->state, RJ_CONSUMER_STOPPED);
        return rj_client_fail(rc, "%s", why);
    }
    rj_client_instance_heartbeat_now(c->inst);
    if (c->orderly_listener != NULL && c->model == RJ_MESSAGE_MODEL_CLUSTERING) {
        rj_consume_start_relock(c);
    }
    if (c->orderly_listener == NULL) {
        rj_consume_start_expiry(c);
    }
    rj_client_instance_rebalance_soon(c->inst);
    rj_log(RJ_LOG_INFO, 0, "push consumer %s started, client id %s, %s", c->group,
           rj_client_instance_client_id(c->inst),
           c->model == RJ_MESSAGE_MODEL_CLUSTERING ? "clustering" : "broadcasting");
    rc = RJ_OK;
out:
    pthread_mutex_unlock(&c->life_lock);
    return rc;
}

int
rj_push_consumer_shutdown(rj_push_consumer_t *c)
{
    if (c == NULL) {
        return RJ_EINVAL;
    }
    pthread_mutex_lock(&c->life_lock);
    if (atomic_exchange(&c->state, RJ_CONSUMER_STOPPED) != RJ_CONSUMER_RUNNING) {
        pthread_mutex_unlock(&c->life_lock);
        return RJ_OK;
    }
    /* 1. No new pulls or scheduled work; running listener calls finish, queued ones are dropped. */
    pthread_rwlock_wrlock(&c->run_lock);
    c->running = false;
    pthread_rwlock_unlock(&c->run_lock);
    rj_executor_stop(c->consume_pool, false);
    /* 2. Leave the instance's periodic work, then commit offsets and release queue locks. */
    rj_client_member_t *m = &c->member;
    rj_client_instance_detach(c->inst, m);
    rj_process_queue_t *pqs[1024];
    rj_message_queue_t mqs[1024];
    size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);
    if (n > 1024) {
        n = 1024;
    }
    for (size_t i = 0; i < n; i++) {
        atomic_store(&pqs[i]->dropped, true);
        mqs[i] = pqs[i]->mq;
    }
    rj_offset_store_persist_all(c->offsets, mqs, n, true);
    if (c->orderly_listener != NULL && c->model == RJ_MESSAGE_MODEL_CLUSTERING) {
        rj_consume_unlock_all(c);
    }
    for (size_t i = 0; i < n; i++) {
        rj_pq_release(pqs[i]);
    }
    rj_client_instance_unregister_brokers(c->inst, m->kind, m->group);
    /* 3. The queues go; pulls still in flight release theirs when they complete. */
    rj_rebalance_cleanup(&c->rb);
    c->rb_ready = false;
    pthread_mutex_lock(&c->inner_lock);
    rj_producer_destroy(c->inner_producer);
    c->inner_producer = NULL;
    pthread_mutex_unlock(&c->inner_lock);
    rj_client_instance_release(c->inst);
    c->inst = NULL;
    rj_executor_destroy(c->consume_pool);
    c->consume_pool = NULL;
    rj_offset_store_destroy(c->offsets);
    c->offsets = NULL;
    rj_log(RJ_LOG_INFO, 0, "push consumer %s shut down", c->group);
    pthread_mutex_unlock(&c->life_lock);
    return RJ_OK;
}

void
rj_push_consumer_destroy(rj_push_consumer_t *c)
{
    if (c == NULL) {
        return;
    }
    rj_push_consumer_shutdown(c);
    rj_push_consumer_release(c);
}

int
rj_push_consumer_suspend(rj_push_consumer_t *c)
{
    if (c == NULL) {
        return RJ_EINVAL;
    }
    atomic_store(&c->paused, true);
    return RJ_OK;
}

int
rj_push_consumer_resume(rj_push_consumer_t *c)
{
    if (c == NULL) {
        return RJ_EINVAL;
    }
    atomic_store(&c->paused, false);
    return RJ_OK;
}

int
rj_push_consumer_assigned_queues(rj_push_consumer_t *c, const char *topic,
                                 rj_message_queue_t **queues, size_t *count)
{
    rj_process_queue_t *pqs[1024];
    rj_message_queue_t mqs[1024];

    rj_client_clear_error();
    if (c == NULL || queues == NULL || count == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    *queues = NULL;
    *count = 0;
    pthread_mutex_lock(&c->life_lock);
    if (atomic_load(&c->state) != RJ_CONSUMER_RUNNING) {
        pthread_mutex_unlock(&c->life_lock);
        return rj_client_fail(RJ_ESTATE, "consumer not running");
    }
    size_t n = rj_rebalance_snapshot(&c->rb, topic, pqs, 1024);
    pthread_mutex_unlock(&c->life_lock);
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
