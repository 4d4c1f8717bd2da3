/*
 * Consume services (Java ConsumeMessageConcurrentlyService and
 * ConsumeMessageOrderlyService) and consumer retries.
 *
 * Concurrent: each pull batch is split into tasks of consume-batch-size
 * messages (a task names its slice of the batch by index, so no allocation),
 * run on the consume pool in any order. Failed messages go back to the broker
 * (CONSUMER_SEND_MSG_BACK, else a re-send to %RETRY%<group>, else a local
 * retry after 5 s); the committed offset only passes messages that are done.
 *
 * Orderly: one task per queue at a time (the queue's consume_lock), taking
 * messages from the front of the process queue in order, while the queue's
 * broker lock is held (clustering). SUSPEND re-delivers the same messages
 * after the suspend time; queue locks are renewed every 20 s.
 */
#include "client/push_consumer_internal.h"

#include "client/last_error.h"
#include "client/mq_client_api.h"
#include "client/validators.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define LOCAL_RETRY_DELAY_MS 5000
#define SEND_BACK_TIMEOUT_MS 5000
#define ORDERLY_MAX_CONTINUOUS_MS 60000
#define RELOCK_INTERVAL_MS 20000

/* --------------------------------------------------------- context access */

const rj_message_queue_t *
rj_consume_context_queue(const rj_consume_context_t *ctx)
{
    return ctx != NULL ? &ctx->mq : NULL;
}

int
rj_consume_context_set_ack_index(rj_consume_context_t *ctx, int ack_index)
{
    if (ctx == NULL || ctx->orderly || ack_index < -1) {
        return RJ_EINVAL;
    }
    ctx->ack_index = ack_index;
    return RJ_OK;
}

int
rj_consume_context_set_delay_level(rj_consume_context_t *ctx, int level)
{
    if (ctx == NULL || ctx->orderly || level < -1 || level > 1000) {
        return RJ_EINVAL;
    }
    ctx->delay_level = level;
    return RJ_OK;
}

int
rj_consume_context_set_suspend_time(rj_consume_context_t *ctx, int64_t suspend_ms)
{
    if (ctx == NULL || !ctx->orderly || suspend_ms < 10 || suspend_ms > 30000) {
        return RJ_EINVAL;
    }
    ctx->suspend_ms = suspend_ms;
    return RJ_OK;
}

/* ------------------------------------------------------------- send back */

static rj_producer_t *
inner_producer(rj_push_consumer_t *c)
{
    pthread_mutex_lock(&c->inner_lock);
    if (c->inner_producer == NULL) {
        rj_producer_t *p;
        if (rj_producer_create("CLIENT_INNER_PRODUCER", &p) == RJ_OK) {
            if (rj_producer_set_namesrv_addr(p, c->namesrv_addrs) != RJ_OK ||
                rj_producer_start(p) != RJ_OK) {
                rj_producer_destroy(p);
            } else {
                c->inner_producer = p;
            }
        }
    }
    rj_producer_t *p = c->inner_producer;
    pthread_mutex_unlock(&c->inner_lock);
    return p;
}

/* Java's fallback: the message itself re-sent to %RETRY%<group> with a delay. */
static int
resend_to_retry(rj_push_consumer_t *c, const rj_message_t *msg, int max)
{
    rj_producer_t *p = inner_producer(c);
    rj_message_t *nm = NULL;
    char text[24];
    int rc;

    if (p == NULL) {
        return rj_client_fail(RJ_ESTATE, "inner producer unavailable");
    }
    rc = rj_message_create(c->retry_topic, &nm);
    if (rc != RJ_OK) {
        return rc;
    }
    rc = rj_message_set_body(nm, msg->body, msg->body_len);
    for (uint32_t i = 0; i < msg->prop_count && rc == RJ_OK; i++) {
        if (strcmp(msg->props[i].key, RJ_PROP_TRANSACTION_PREPARED) != 0) {
            rc = rj_message_set_property(nm, msg->props[i].key, msg->props[i].value);
        }
    }
    const char *origin = rj_message_prop_get(msg, RJ_PROP_ORIGIN_MESSAGE_ID);
    if (rc == RJ_OK) {
        rc = rj_message_set_property(nm, RJ_PROP_ORIGIN_MESSAGE_ID,
                                     origin != NULL ? origin : msg->msg_id);
    }
    if (rc == RJ_OK) {
        rc = rj_message_set_property(nm, RJ_PROP_RETRY_TOPIC, msg->topic);
    }
    snprintf(text, sizeof(text), "%d", msg->reconsume_times + 1);
    if (rc == RJ_OK) {
        rc = rj_message_set_property(nm, RJ_PROP_RECONSUME_TIME, text);
    }
    snprintf(text, sizeof(text), "%d", max);
    if (rc == RJ_OK) {
        rc = rj_message_set_property(nm, RJ_PROP_MAX_RECONSUME_TIMES, text);
    }
    if (rc == RJ_OK) {
        rc = rj_message_set_delay_level(nm, 3 + msg->reconsume_times);
    }
    if (rc == RJ_OK) {
        nm->flag = msg->flag;
        rc = rj_producer_send(p, nm, NULL);
    }
    rj_message_destroy(nm);
    return rc;
}

int
rj_consume_send_back(rj_push_consumer_t *c, rj_message_t *msg, int delay_level)
{
    char addr[128];
    int max = rj_push_consumer_max_reconsume(c);
    int rc = RJ_ENOTFOUND;

    if (msg->broker_name != NULL) {
        rc = rj_client_instance_master_addr(c->inst, msg->broker_name, addr, sizeof(addr));
    }
    if (rc != RJ_OK) {
        rc = rj_msg_host_format(&msg->store_host, addr, sizeof(addr)) > 0 ? RJ_OK : RJ_EINVAL;
    }
    if (rc == RJ_OK) {
        rc = rj_api_consumer_send_back(rj_client_instance_rpc(c->inst), addr, msg->commitlog_offset,
                                       c->group, delay_level, msg->msg_id, msg->topic, max,
                                       SEND_BACK_TIMEOUT_MS);
    }
    if (rc == RJ_OK) {
        return RJ_OK;
    }
    rj_log(RJ_LOG_WARN, rc, "send back of %s failed (%s), re-sending to %s", msg->msg_id,
           rj_last_error(), c->retry_topic);
    rc = resend_to_retry(c, msg, max);
    if (rc != RJ_OK) {
        rj_log(RJ_LOG_WARN, rc, "re-send of %s to %s failed: %s", msg->msg_id, c->retry_topic,
               rj_last_error());
    }
    return rc;
}

/* ------------------------------------------------------------- concurrent */

static void consume_task(void *arg, uint64_t extra, bool cancelled);

/* Messages to consume again locally (rare: broker and re-send both failed). */
typedef struct {
    rj_pull_batch_t *b;
    size_t count;
    rj_message_t *msgs[];
} local_retry_t;

static void retry_submit(void *arg, uint64_t extra, bool cancelled);

static void orderly_submit(rj_push_consumer_t *c, rj_process_queue_t *pq);

/* Slices queued per executor call (one lock and at most one wake-up each). */
#define SUBMIT_GROUP 64

/*
 * Queues the slices of a pull batch in groups, each slice holding a reference
 * on the batch and the queue (taken in bulk). A group the executor refuses
 * (stopping, no memory) is dropped with its references, as single submits
 * were.
 */
static void
submit_slices(rj_push_consumer_t *c, rj_process_queue_t *pq, rj_pull_batch_t *b)
{
    rj_task_t tasks[SUBMIT_GROUP];
    size_t bs = (size_t)c->consume_batch_size;
    size_t i = 0;
    while (i < b->kept_count) {
        size_t k = 0;
        for (; k < SUBMIT_GROUP && i < b->kept_count; k++) {
            size_t n = b->kept_count - i < bs ? b->kept_count - i : bs;
            tasks[k] = (rj_task_t){consume_task, b, (uint64_t)i << 32 | n};
            i += n;
        }
        atomic_fetch_add_explicit(&b->refs, (int)k, memory_order_relaxed);
        atomic_fetch_add_explicit(&pq->refs, (int)k, memory_order_relaxed);
        if (rj_executor_submit_many(c->consume_pool, tasks, k) != RJ_OK) {
            for (size_t j = 0; j < k; j++) {
                rj_pq_release(pq);
                rj_pull_batch_release(b);
            }
        }
    }
}

void
rj_consume_submit(rj_push_consumer_t *c, rj_process_queue_t *pq, rj_pull_batch_t *b, bool dispatch)
{
    if (c->orderly_listener != NULL) {
        if (dispatch) {
            orderly_submit(c, pq);
        }
    } else {
        submit_slices(c, pq, b);
    }
    rj_pull_batch_release(b); /* the decoder's reference */
}

static void
process_result(rj_push_consumer_t *c, rj_process_queue_t *pq, rj_message_t **msgs, size_t n,
               rj_consume_status_t status, const rj_consume_context_t *ctx, rj_pull_batch_t *b)
{
    int ack = -1;
    rj_message_t *retry[1024];
    size_t retry_n = 0;

    if (status == RJ_CONSUME_SUCCESS) {
        ack = ctx->ack_index >= (int)n ? (int)n - 1 : ctx->ack_index;
    }
    atomic_fetch_add(&c->consumed_ok, (long)(ack + 1));
    atomic_fetch_add(&c->consumed_failed, (long)((int)n - ack - 1));
    for (size_t i = (size_t)(ack + 1); i < n; i++) {
        if (c->model == RJ_MESSAGE_MODEL_BROADCASTING) {
            rj_log(RJ_LOG_WARN, 0, "BROADCASTING, the message %s consume failed, drop it",
                   msgs[i]->msg_id);
            continue;
        }
        if (rj_consume_send_back(c, msgs[i], ctx->delay_level) != RJ_OK && retry_n < 1024) {
            msgs[i]->reconsume_times++;
            retry[retry_n++] = msgs[i];
        }
    }
    /* Everything except the local retries is done. */
    rj_message_t *done[1024];
    size_t done_n = 0;
    for (size_t i = 0; i < n; i++) {
        bool again = false;
        for (size_t k = 0; k < retry_n && !again; k++) {
            again = retry[k] == msgs[i];
        }
        if (!again) {
            done[done_n++] = msgs[i];
        }
    }
    int64_t offset = rj_pq_remove(pq, done, done_n);
    if (offset >= 0 && !atomic_load(&pq->dropped)) {
        rj_offset_store_update_keyed(c->offsets, pq->key, &pq->mq, offset, true);
    }
    if (retry_n > 0) {
        local_retry_t *lr = rj_malloc(sizeof(*lr) + retry_n * sizeof(rj_message_t *));
        if (lr != NULL) {
            rj_pull_batch_retain(b);
            rj_pq_retain(pq);
            lr->b = b;
            lr->count = retry_n;
            memcpy(lr->msgs, retry, retry_n * sizeof(rj_message_t *));
            rj_push_consumer_schedule(c, LOCAL_RETRY_DELAY_MS, retry_submit, lr, 0);
        }
    }
}

static void
run_concurrent(rj_push_consumer_t *c, rj_process_queue_t *pq, rj_message_t **msgs, size_t n,
               rj_pull_batch_t *b)
{
    rj_consume_context_t ctx = {
        .mq = pq->mq, .ack_index = INT_MAX, .delay_level = 0, .suspend_ms = 0, .orderly = false};
    int64_t now = rj_clock_wall_ms();

    for (size_t i = 0; i < n; i++) {
        atomic_store_explicit(&msgs[i]->consume_start_ms, now, memory_order_relaxed);
    }
    rj_consume_status_t status =
        c->listener((const rj_message_t *const *)msgs, n, &ctx, c->listener_arg);
    if (status != RJ_CONSUME_SUCCESS && status != RJ_CONSUME_RECONSUME_LATER) {
        status = RJ_CONSUME_RECONSUME_LATER;
    }
    if (atomic_load(&pq->dropped)) {
        rj_log(RJ_LOG_INFO, 0, "queue %s qid=%d dropped while consuming, result not committed",
               pq->mq.topic, pq->mq.queue_id);
        return;
    }
    process_result(c, pq, msgs, n, status, &ctx, b);
}

static void
consume_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_pull_batch_t *b = arg;
    rj_process_queue_t *pq = b->owner;
    rj_push_consumer_t *c = pq->owner;
    size_t start = (size_t)(extra >> 32), n = (size_t)(extra & 0xFFFFFFFFu);

    if (!cancelled && !atomic_load(&pq->dropped)) {
        run_concurrent(c, pq, &b->kept[start], n, b);
    }
    rj_pq_release(pq);
    rj_pull_batch_release(b);
}

static void
retry_task(void *arg, uint64_t extra, bool cancelled)
{
    local_retry_t *lr = arg;
    rj_process_queue_t *pq = lr->b->owner;

    (void)extra;
    if (!cancelled && !atomic_load(&pq->dropped)) {
        run_concurrent(pq->owner, pq, lr->msgs, lr->count, lr->b);
    }
    rj_pq_release(pq);
    rj_pull_batch_release(lr->b);
    rj_free(lr);
}

static void
retry_submit(void *arg, uint64_t extra, bool cancelled)
{
    local_retry_t *lr = arg;
    rj_process_queue_t *pq = lr->b->owner;
    rj_push_consumer_t *c = pq->owner;
    int rc = RJ_ESHUTDOWN;

    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            rc = rj_executor_submit(c->consume_pool, retry_task, lr, extra);
        }
        pthread_rwlock_unlock(&c->run_lock);
    }
    if (rc != RJ_OK) {
        retry_task(lr, extra, true);
    }
}

/* ---------------------------------------------------------------- orderly */

static void orderly_task(void *arg, uint64_t extra, bool cancelled);

/* Queues the orderly task of `pq` on the consume pool (under the run lock). */
static void
orderly_submit(rj_push_consumer_t *c, rj_process_queue_t *pq)
{
    rj_pq_retain(pq);
    if (rj_executor_submit(c->consume_pool, orderly_task, pq, 0) != RJ_OK) {
        rj_pq_release(pq);
    }
}

static void
orderly_submit_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_process_queue_t *pq = arg;
    rj_push_consumer_t *c = pq->owner;

    (void)extra;
    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running && !atomic_load(&pq->dropped)) {
            orderly_submit(c, pq);
        }
        pthread_rwlock_unlock(&c->run_lock);
    }
    rj_pq_release(pq);
}

void
rj_consume_orderly_later(rj_push_consumer_t *c, rj_process_queue_t *pq, int64_t delay_ms)
{
    rj_pq_retain(pq);
    rj_push_consumer_schedule(c, delay_ms, orderly_submit_task, pq, 0);
}

bool
rj_consume_lock_queue(rj_push_consumer_t *c, rj_process_queue_t *pq)
{
    char addr[128];
    bool locked = false;

    if (rj_client_instance_master_addr(c->inst, pq->mq.broker_name, addr, sizeof(addr)) != RJ_OK) {
        return false;
    }
    int rc = rj_api_lock_batch(rj_client_instance_rpc(c->inst), addr, c->group,
                               rj_client_instance_client_id(c->inst), &pq->mq, 1,
                               RJ_CLIENT_API_TIMEOUT_MS, &locked);
    if (rc != RJ_OK) {
        rj_log_ratelimited(5000, RJ_LOG_WARN, rc, "lock %s qid=%d: %s", pq->mq.topic,
                           pq->mq.queue_id, rj_last_error());
        return false;
    }
    if (locked) {
        atomic_store(&pq->last_lock_ms, rj_clock_mono_ms());
    }
    atomic_store(&pq->locked, locked);
    return locked;
}

/* Service thread: lock one queue, then resume its consumption (Java tryLockLaterAndReconsume). */
static void
lock_and_resume_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_process_queue_t *pq = arg;
    rj_push_consumer_t *c = pq->owner;

    (void)extra;
    if (!cancelled) {
        int64_t delay = -1;
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running && !atomic_load(&pq->dropped)) {
            delay = rj_consume_lock_queue(c, pq) ? 10 : 3000;
        }
        pthread_rwlock_unlock(&c->run_lock);
        if (delay >= 0) {
            rj_consume_orderly_later(c, pq, delay);
        }
    }
    rj_pq_release(pq);
}

static void
lock_later_submit(void *arg, uint64_t extra, bool cancelled)
{
    rj_process_queue_t *pq = arg;
    rj_push_consumer_t *c = pq->owner;
    int rc = RJ_ESHUTDOWN;

    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            rc = rj_executor_submit(rj_client_instance_service(c->inst), lock_and_resume_task, pq,
                                    extra);
        }
        pthread_rwlock_unlock(&c->run_lock);
    }
    if (rc != RJ_OK) {
        rj_pq_release(pq);
    }
}

static void
try_lock_later(rj_push_consumer_t *c, rj_process_queue_t *pq, int64_t delay_ms)
{
    rj_pq_retain(pq);
    rj_push_consumer_schedule(c, delay_ms, lock_later_submit, pq, 0);
}

/* Java checkReconsumeTimes: true when the messages must be suspended and retried. */
static bool
check_reconsume_times(rj_push_consumer_t *c, rj_message_t **msgs, size_t n)
{
    bool suspend = false;
    int max = rj_push_consumer_max_reconsume(c);

    for (size_t i = 0; i < n; i++) {
        rj_message_t *m = msgs[i];
        if (m->reconsume_times >= max) {
            /* Give up on it locally: to the retry topic, where it reaches the DLQ. */
            if (resend_to_retry(c, m, max) != RJ_OK) {
                suspend = true;
                m->reconsume_times++;
            }
        } else {
            suspend = true;
            m->reconsume_times++;
        }
    }
    return suspend;
}

static void
run_orderly(rj_push_consumer_t *c, rj_process_queue_t *pq)
{
    bool clustering = c->model == RJ_MESSAGE_MODEL_CLUSTERING;
    int64_t begin = rj_clock_mono_ms();
    rj_message_t *msgs[1024];

    for (;;) {
        int64_t now = rj_clock_mono_ms();
        if (atomic_load(&pq->dropped)) {
            break;
        }
        if (clustering && (!atomic_load(&pq->locked) || rj_pq_is_lock_expired(pq, now))) {
            try_lock_later(c, pq, 10);
            break;
        }
        if (now - begin > ORDERLY_MAX_CONTINUOUS_MS) {
            rj_consume_orderly_later(c, pq, 10);
            break;
        }
        size_t n = rj_pq_take(pq, (size_t)c->consume_batch_size, msgs);
        if (n == 0) {
            break;
        }
        rj_consume_context_t ctx = {
            .mq = pq->mq, .ack_index = INT_MAX, .suspend_ms = c->suspend_ms, .orderly = true};
        int64_t start = rj_clock_wall_ms();
        for (size_t i = 0; i < n; i++) {
            atomic_store_explicit(&msgs[i]->consume_start_ms, start, memory_order_relaxed);
        }
        rj_consume_orderly_status_t status =
            c->orderly_listener((const rj_message_t *const *)msgs, n, &ctx, c->listener_arg);
        int64_t offset = -1;
        bool stop = false;
        if (status == RJ_CONSUME_ORDERLY_SUCCESS) {
            atomic_fetch_add(&c->consumed_ok, (long)n);
            offset = rj_pq_commit(pq);
        } else {
            atomic_fetch_add(&c->consumed_failed, (long)n);
            if (check_reconsume_times(c, msgs, n)) {
                rj_pq_make_again(pq);
                rj_consume_orderly_later(c, pq, ctx.suspend_ms);
                stop = true;
            } else {
                offset = rj_pq_commit(pq);
            }
        }
        if (offset >= 0 && !atomic_load(&pq->dropped)) {
            rj_offset_store_update_keyed(c->offsets, pq->key, &pq->mq, offset, false);
        }
        if (stop) {
            break;
        }
    }
}

static void
orderly_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_process_queue_t *pq = arg;
    rj_push_consumer_t *c = pq->owner;

    (void)extra;
    if (cancelled || atomic_load(&pq->dropped)) {
        rj_pq_release(pq);
        return;
    }
    pthread_mutex_lock(&pq->consume_lock);
    bool clustering = c->model == RJ_MESSAGE_MODEL_CLUSTERING;
    if (!clustering ||
        (atomic_load(&pq->locked) && !rj_pq_is_lock_expired(pq, rj_clock_mono_ms()))) {
        run_orderly(c, pq);
    } else if (!atomic_load(&pq->dropped)) {
        try_lock_later(c, pq, 100);
    }
    pthread_mutex_unlock(&pq->consume_lock);
    rj_pq_release(pq);
}

/* Renews the locks of every queue, one LOCK_BATCH_MQ per broker (Java lockAll). */
static void
lock_all(rj_push_consumer_t *c)
{
    rj_process_queue_t *pqs[1024];
    rj_message_queue_t mqs[1024];
    bool locked[1024];
    bool done[1024] = {false};
    size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);

    if (n > 1024) {
        n = 1024;
    }
    for (size_t i = 0; i < n; i++) {
        if (done[i]) {
            continue;
        }
        size_t k = 0;
        size_t idx[1024];
        for (size_t j = i; j < n; j++) {
            if (!done[j] && strcmp(pqs[j]->mq.broker_name, pqs[i]->mq.broker_name) == 0) {
                idx[k] = j;
                mqs[k++] = pqs[j]->mq;
                done[j] = true;
            }
        }
        char addr[128];
        if (rj_client_instance_master_addr(c->inst, pqs[i]->mq.broker_name, addr, sizeof(addr)) !=
                RJ_OK ||
            rj_api_lock_batch(rj_client_instance_rpc(c->inst), addr, c->group,
                              rj_client_instance_client_id(c->inst), mqs, k,
                              RJ_CLIENT_API_TIMEOUT_MS, locked) != RJ_OK) {
            continue;
        }
        int64_t now = rj_clock_mono_ms();
        for (size_t j = 0; j < k; j++) {
            rj_process_queue_t *pq = pqs[idx[j]];
            if (locked[j]) {
                atomic_store(&pq->last_lock_ms, now);
            }
            atomic_store(&pq->locked, locked[j]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        rj_pq_release(pqs[i]);
    }
}

void
rj_consume_unlock_all(rj_push_consumer_t *c)
{
    rj_process_queue_t *pqs[1024];
    rj_message_queue_t mqs[1024];
    bool done[1024] = {false};
    size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);

    if (n > 1024) {
        n = 1024;
    }
    for (size_t i = 0; i < n; i++) {
        if (done[i]) {
            continue;
        }
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            if (!done[j] && strcmp(pqs[j]->mq.broker_name, pqs[i]->mq.broker_name) == 0) {
                mqs[k++] = pqs[j]->mq;
                done[j] = true;
                atomic_store(&pqs[j]->locked, false);
            }
        }
        char addr[128];
        if (rj_client_instance_master_addr(c->inst, pqs[i]->mq.broker_name, addr, sizeof(addr)) ==
            RJ_OK) {
            rj_api_unlock_batch(rj_client_instance_rpc(c->inst), addr, c->group,
                                rj_client_instance_client_id(c->inst), mqs, k,
                                RJ_CLIENT_API_TIMEOUT_MS);
        }
    }
    for (size_t i = 0; i < n; i++) {
        rj_pq_release(pqs[i]);
    }
}

static void relock_timer(void *arg, uint64_t extra, bool cancelled);

static void
relock_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_push_consumer_t *c = arg;

    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            lock_all(c);
        }
        pthread_rwlock_unlock(&c->run_lock);
        rj_push_consumer_schedule(c, RELOCK_INTERVAL_MS, relock_timer, c, extra);
        return;
    }
    rj_push_consumer_release(c);
}

static void
relock_timer(void *arg, uint64_t extra, bool cancelled)
{
    rj_push_consumer_t *c = arg;
    int rc = RJ_ESHUTDOWN;

    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            rc = rj_executor_submit(rj_client_instance_service(c->inst), relock_task, c, extra);
        }
        pthread_rwlock_unlock(&c->run_lock);
    }
    if (rc != RJ_OK) {
        rj_push_consumer_release(c);
    }
}

void
rj_consume_start_relock(rj_push_consumer_t *c)
{
    rj_push_consumer_retain(c);
    rj_push_consumer_schedule(c, 1000, relock_timer, c, 0);
}

/* --------------------------------------------------------- consume timeout */

/*
 * Java cleanExpiredMsg: a message a listener has held longer than the consume
 * timeout is sent back for a later retry (delay level 3) and taken out of its
 * queue, so one stuck call does not hold the queue's offset forever. At most
 * 16 messages per queue per round, from the queue's head.
 */
void
rj_consume_clean_expired(rj_push_consumer_t *c)
{
    rj_process_queue_t *pqs[1024];
    size_t n = rj_rebalance_snapshot(&c->rb, NULL, pqs, 1024);
    int64_t limit = (int64_t)c->consume_timeout_min * 60 * 1000;

    if (n > 1024) {
        n = 1024;
    }
    for (size_t i = 0; i < n; i++) {
        rj_process_queue_t *pq = pqs[i];
        for (int k = 0; k < 16 && !atomic_load(&pq->dropped); k++) {
            rj_message_t *m = rj_pq_first_pending(pq);
            if (m == NULL) {
                break;
            }
            int64_t started = atomic_load_explicit(&m->consume_start_ms, memory_order_relaxed);
            if (started == 0 || rj_clock_wall_ms() - started <= limit) {
                rj_pull_batch_release(m->batch);
                break;
            }
            rj_log(RJ_LOG_WARN, 0,
                   "consume of %s took over %d minutes: sent back, topic=%s qid=%d offset=%" PRId64,
                   m->msg_id, c->consume_timeout_min, pq->mq.topic, pq->mq.queue_id,
                   m->queue_offset);
            if (rj_consume_send_back(c, m, 3) == RJ_OK) {
                int64_t offset = rj_pq_remove(pq, &m, 1);
                if (offset >= 0) {
                    rj_offset_store_update(c->offsets, &pq->mq, offset, true);
                }
            }
            rj_pull_batch_release(m->batch);
        }
        rj_pq_release(pq);
    }
}

static void expired_timer(void *arg, uint64_t extra, bool cancelled);

static void
expired_task(void *arg, uint64_t extra, bool cancelled)
{
    rj_push_consumer_t *c = arg;

    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            rj_consume_clean_expired(c);
        }
        pthread_rwlock_unlock(&c->run_lock);
        rj_push_consumer_schedule(c, (int64_t)c->consume_timeout_min * 60000, expired_timer, c,
                                  extra);
        return;
    }
    rj_push_consumer_release(c);
}

static void
expired_timer(void *arg, uint64_t extra, bool cancelled)
{
    rj_push_consumer_t *c = arg;
    int rc = RJ_ESHUTDOWN;

    if (!cancelled) {
        pthread_rwlock_rdlock(&c->run_lock);
        if (c->running) {
            rc = rj_executor_submit(rj_client_instance_service(c->inst), expired_task, c, extra);
        }
        pthread_rwlock_unlock(&c->run_lock);
    }
    if (rc != RJ_OK) {
        rj_push_consumer_release(c);
    }
}

void
rj_consume_start_expiry(rj_push_consumer_t *c)
{
    rj_push_consumer_retain(c);
    rj_push_consumer_schedule(c, (int64_t)c->consume_timeout_min * 60000, expired_timer, c, 0);
}

/* --------------------------------------------------------------- directly */

int
rj_consume_directly(rj_push_consumer_t *c, const rj_message_t *msg, bool *ok, int64_t *spent_ms)
{
    int64_t start = rj_clock_mono_ms();
    rj_consume_context_t ctx = {.ack_index = INT_MAX, .suspend_ms = c->suspend_ms};

    ctx.mq.topic = msg->topic;
    ctx.mq.broker_name = msg->broker_name != NULL ? msg->broker_name : "";
    ctx.mq.queue_id = msg->queue_id;
    if (c->orderly_listener != NULL) {
        ctx.orderly = true;
        *ok = c->orderly_listener(&msg, 1, &ctx, c->listener_arg) == RJ_CONSUME_ORDERLY_SUCCESS;
    } else {
        *ok = c->listener(&msg, 1, &ctx, c->listener_arg) == RJ_CONSUME_SUCCESS;
    }
    *spent_ms = rj_clock_mono_ms() - start;
    return RJ_OK;
}
