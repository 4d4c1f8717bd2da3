/*
 * The send throttle: a FIFO of held sends (each one heap block holding the
 * deferred reply, the response template and copies of topic, body and
 * properties) and a thread that retries the head every millisecond while the
 * store stays busy. Allocation happens only when a send has to be held, never
 * on the normal path.
 */
#include "broker/send_throttle.h"

#include "broker/broker.h"
#include "broker/processor_send.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_id.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#define RETRY_INTERVAL_MS 1
#define THROTTLE_STACK_BYTES (256 * 1024)

typedef struct held {
    struct held *next;
    rj_deferred_t *deferred;
    rj_command_t resp_base;
    int64_t since_ms;
    rj_held_reply_t reply;
    bool is_batch;
    rj_store_msg_t msg;
    rj_store_batch_t batch;
    size_t count;
    int64_t *offsets;
    uint8_t data[];
} held_t;

struct rj_send_throttle {
    rj_broker_t *broker;
    pthread_mutex_t lock;
    held_t *head, *tail;
    atomic_size_t count;
    bool started, stopping;
    uv_loop_t loop;
    uv_async_t wake;
    uv_timer_t retry;
    uv_thread_t thread;
};

int
rj_send_throttle_create(rj_broker_t *b, rj_send_throttle_t **out)
{
    rj_send_throttle_t *t = rj_calloc(1, sizeof(*t));
    if (t == NULL) {
        return RJ_ENOMEM;
    }
    t->broker = b;
    pthread_mutex_init(&t->lock, NULL);
    int rc = uv_loop_init(&t->loop);
    if (rc != 0) {
        pthread_mutex_destroy(&t->lock);
        rj_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

bool
rj_send_throttle_active(const rj_send_throttle_t *t)
{
    return t != NULL && atomic_load_explicit(&t->count, memory_order_acquire) > 0;
}

size_t
rj_send_throttle_held(const rj_send_throttle_t *t)
{
    return t != NULL ? atomic_load(&t->count) : 0;
}

int64_t
rj_send_throttle_head_wait_ms(rj_send_throttle_t *t)
{
    if (!rj_send_throttle_active(t)) {
        return 0;
    }
    int64_t waited = 0;
    pthread_mutex_lock(&t->lock);
    if (t->head != NULL) {
        waited = rj_clock_mono_ms() - t->head->since_ms;
    }
    pthread_mutex_unlock(&t->lock);
    return waited;
}

/* ---- answering --------------------------------------------------------------------- */

static void
reply_put(rj_send_throttle_t *t, held_t *h, rj_put_status_t st, const rj_store_put_result_t *res)
{
    rj_broker_t *b = t->broker;
    char ids_stack[RJ_MSG_ID_MAX_HEX_SIZE * 8];
    char *ids = ids_stack;
    char *heap_ids = NULL;
    if (h->is_batch) {
        size_t need = h->count * RJ_MSG_ID_MAX_HEX_SIZE + 1;
        if (need > sizeof(ids_stack)) {
            ids = heap_ids = rj_malloc(need);
        }
        if (ids != NULL) {
            size_t pos = 0;
            uint32_t n = res->msg_num > 0 ? (uint32_t)res->msg_num : (uint32_t)h->count;
            ids[0] = '\0';
            for (uint32_t i = 0; i < n && i < h->count; i++) {
                if (i > 0) {
                    ids[pos++] = ',';
                }
                int len = rj_message_id_encode(&b->store_host, h->offsets[i], ids + pos,
                                               RJ_MSG_ID_MAX_HEX_SIZE);
                pos += len > 0 ? (size_t)len : 0;
            }
        }
    } else {
        ids = (char *)res->msg_id;
    }
    if (st == RJ_PUT_OK || st == RJ_PUT_FLUSH_DISK_TIMEOUT || st == RJ_PUT_FLUSH_SLAVE_TIMEOUT ||
        st == RJ_PUT_SLAVE_NOT_AVAILABLE) {
        rj_broker_stats_put(&b->stats, res->msg_num > 0 ? (uint64_t)res->msg_num : 1,
                            (uint64_t)res->wrote_bytes);
    }
    rj_command_t resp = h->resp_base;
    char remark[512];
    rj_command_add_ext_cstr(&resp, "MSG_REGION", b->config.region_id);
    rj_command_add_ext_cstr(&resp, "TRACE_ON",
                            RJ_BROKER_CONFIG_LIVE_GET(&b->config, trace_on) ? "true" : "false");
    rj_send_response_fill(b, &resp, st, ids ? ids : "", h->reply.resp_queue_id, res->queue_offset,
                          remark, sizeof(remark));
    if (h->reply.topic_created) {
        /* Persisted and registered before the answer, as an unheld send (processor_send.c). */
        rj_topic_manager_persist(b->topics);
        rj_broker_register_then_reply(b, h->deferred, &resp);
    } else {
        rj_deferred_reply(h->deferred, &resp);
    }
    rj_free(heap_ids);
}

static void
reply_busy(rj_send_throttle_t *t, held_t *h, int64_t waited, size_t queued)
{
    rj_broker_t *b = t->broker;
    rj_command_t resp = h->resp_base;
    char remark[200];
    resp.code = RJ_RESP_SYSTEM_BUSY;
    snprintf(remark, sizeof(remark),
             "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a while, period in queue: "
             "%lldms, size of queue: %zu",
             (long long)waited, queued);
    rj_command_add_ext_cstr(&resp, "MSG_REGION", b->config.region_id);
    rj_command_add_ext_cstr(&resp, "TRACE_ON",
                            RJ_BROKER_CONFIG_LIVE_GET(&b->config, trace_on) ? "true" : "false");
    rj_command_set_remark_cstr(&resp, remark);
    rj_deferred_reply(h->deferred, &resp);
}

/* One put attempt; false when the store is still busy (the entry stays at the head). */
static bool
try_put(rj_send_throttle_t *t, held_t *h, bool last_chance)
{
    rj_store_put_result_t res;
    memset(&res, 0, sizeof(res));
    /* waiter NULL: under SYNC_FLUSH this thread waits for the fsync, not an I/O thread. */
    int64_t begin_ms = rj_clock_mono_ms();
    rj_put_status_t st = h->is_batch ? rj_store_put_batch(t->broker->store, &h->batch, NULL, &res)
                                     : rj_store_put(t->broker->store, &h->msg, NULL, &res);
    rj_broker_stats_put_time(&t->broker->stats, rj_clock_mono_ms() - begin_ms);
    if (st == RJ_PUT_OS_PAGECACHE_BUSY && !last_chance) {
        return false;
    }
    reply_put(t, h, st, &res);
    return true;
}

static held_t *
pop_head(rj_send_throttle_t *t)
{
    pthread_mutex_lock(&t->lock);
    held_t *h = t->head;
    if (h != NULL) {
        t->head = h->next;
        if (t->head == NULL) {
            t->tail = NULL;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return h;
}

static void
push_front(rj_send_throttle_t *t, held_t *h)
{
    pthread_mutex_lock(&t->lock);
    h->next = t->head;
    t->head = h;
    if (t->tail == NULL) {
        t->tail = h;
    }
    pthread_mutex_unlock(&t->lock);
}

/* Works through the queue in order until the store is busy again. */
static void
drain(rj_send_throttle_t *t, bool final)
{
    int64_t wait_ms = RJ_BROKER_CONFIG_LIVE_GET(&t->broker->config, wait_time_mills_in_send_queue);
    held_t *h;
    while ((h = pop_head(t)) != NULL) {
        int64_t waited = rj_clock_mono_ms() - h->since_ms;
        if (!final && waited >= wait_ms) {
            reply_busy(t, h, waited, atomic_load(&t->count));
        } else if (!try_put(t, h, final)) {
            push_front(t, h);
            return;
        }
        rj_free(h);
        atomic_fetch_sub_explicit(&t->count, 1, memory_order_release);
    }
}

static void
on_retry(uv_timer_t *timer)
{
    rj_send_throttle_t *t = timer->data;
    drain(t, false);
    if (atomic_load(&t->count) == 0) {
        uv_timer_stop(&t->retry);
    }
}

static void
on_wake(uv_async_t *a)
{
    rj_send_throttle_t *t = a->data;
    pthread_mutex_lock(&t->lock);
    bool stopping = t->stopping;
    pthread_mutex_unlock(&t->lock);
    if (stopping) {
        drain(t, true);
        uv_close((uv_handle_t *)&t->retry, NULL);
        uv_close((uv_handle_t *)&t->wake, NULL);
        return;
    }
    if (!uv_is_active((uv_handle_t *)&t->retry)) {
        uv_timer_start(&t->retry, on_retry, RETRY_INTERVAL_MS, RETRY_INTERVAL_MS);
    }
}

static void
thread_main(void *arg)
{
    rj_send_throttle_t *t = arg;
    rj_log_set_thread_name("SendThrottle");
    uv_run(&t->loop, UV_RUN_DEFAULT);
}

int
rj_send_throttle_start(rj_send_throttle_t *t)
{
    uv_async_init(&t->loop, &t->wake, on_wake);
    t->wake.data = t;
    uv_timer_init(&t->loop, &t->retry);
    t->retry.data = t;
    uv_thread_options_t opts = {.flags = UV_THREAD_HAS_STACK_SIZE,
                                .stack_size = THROTTLE_STACK_BYTES};
    int rc = uv_thread_create_ex(&t->thread, &opts, thread_main, t);
    if (rc == 0) {
        t->started = true;
    }
    return rc;
}

/* ---- holding ------------------------------------------------------------------------------- */

static int
enqueue(rj_send_throttle_t *t, held_t *h, rj_request_t *req, rj_deferred_t *deferred,
        const rj_command_t *cmd, const rj_held_reply_t *reply)
{
    h->reply = *reply;
    h->since_ms = rj_clock_mono_ms();
    rj_command_init_response(&h->resp_base, cmd, RJ_RESP_SUCCESS);
    pthread_mutex_lock(&t->lock);
    if (!t->started || t->stopping) {
        pthread_mutex_unlock(&t->lock);
        rj_free(h);
        return RJ_ESTATE;
    }
    h->deferred = deferred != NULL ? deferred : rj_request_defer(req);
    if (h->deferred == NULL) {
        pthread_mutex_unlock(&t->lock);
        rj_free(h);
        return RJ_ENOMEM;
    }
    if (t->tail != NULL) {
        t->tail->next = h;
    } else {
        t->head = h;
    }
    t->tail = h;
    atomic_fetch_add_explicit(&t->count, 1, memory_order_release);
    uv_async_send(&t->wake);
    pthread_mutex_unlock(&t->lock);
    rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                       "store busy (append lock held too long): holding sends, %zu held",
                       atomic_load(&t->count));
    return 0;
}

/* Copies `v` into the held block at *pos and returns the view of the copy. */
static rj_bytes_t
copy_in(held_t *h, size_t *pos, rj_bytes_t v)
{
    uint8_t *dst = h->data + *pos;
    if (v.len > 0) {
        memcpy(dst, v.data, v.len);
    }
    *pos += v.len;
    return rj_bytes(dst, v.len);
}

int
rj_send_throttle_hold(rj_send_throttle_t *t, rj_request_t *req, rj_deferred_t *deferred,
                      const rj_command_t *cmd, const rj_store_msg_t *msg,
                      const rj_held_reply_t *reply)
{
    size_t n = msg->topic.len + msg->body.len + msg->properties.len;
    held_t *h = rj_calloc(1, sizeof(*h) + n);
    if (h == NULL) {
        return RJ_ENOMEM;
    }
    size_t pos = 0;
    h->msg = *msg;
    h->msg.topic = copy_in(h, &pos, msg->topic);
    h->msg.body = copy_in(h, &pos, msg->body);
    h->msg.properties = copy_in(h, &pos, msg->properties);
    return enqueue(t, h, req, deferred, cmd, reply);
}

int
rj_send_throttle_hold_batch(rj_send_throttle_t *t, rj_request_t *req, rj_deferred_t *deferred,
                            const rj_command_t *cmd, const rj_store_batch_t *batch, size_t count,
                            const rj_held_reply_t *reply)
{
    size_t offsets_bytes = count * sizeof(int64_t);
    size_t n = offsets_bytes + batch->topic.len + batch->body.len + batch->properties.len;
    held_t *h = rj_calloc(1, sizeof(*h) + n);
    if (h == NULL) {
        return RJ_ENOMEM;
    }
    /* The offsets array goes first so that it stays aligned. */
    size_t pos = offsets_bytes;
    h->is_batch = true;
    h->count = count;
    h->offsets = (int64_t *)(void *)h->data;
    h->batch = *batch;
    h->batch.topic = copy_in(h, &pos, batch->topic);
    h->batch.body = copy_in(h, &pos, batch->body);
    h->batch.properties = copy_in(h, &pos, batch->properties);
    h->batch.phy_offsets_out = h->offsets;
    h->batch.phy_offsets_cap = count;
    return enqueue(t, h, req, deferred, cmd, reply);
}

void
rj_send_throttle_stop(rj_send_throttle_t *t)
{
    if (t == NULL) {
        return;
    }
    pthread_mutex_lock(&t->lock);
    bool was = t->stopping;
    t->stopping = true;
    if (t->started && !was) {
        uv_async_send(&t->wake);
    }
    pthread_mutex_unlock(&t->lock);
    if (t->started && !was) {
        uv_thread_join(&t->thread);
    }
}

void
rj_send_throttle_destroy(rj_send_throttle_t *t)
{
    if (t == NULL) {
        return;
    }
    rj_send_throttle_stop(t);
    if (!t->started) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
    }
    uv_loop_close(&t->loop);
    pthread_mutex_destroy(&t->lock);
    rj_free(t);
}
