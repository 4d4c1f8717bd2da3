/*
 * Producer (Java DefaultMQProducerImpl): options, life cycle, topic publish
 * infos, queue selection, and the send paths.
 *
 * DESIGN. A send encodes the message once (properties into a stack buffer,
 * the body compressed when >= 4 KiB) and then tries queues. Sync sends block
 * on the RPC. Async sends copy what a retry needs into one pooled context
 * block (send_pool.h) and complete on the I/O thread, retrying there on
 * network failures; one-way sends copy the body into a pooled block too.
 * Either way the block's body goes to the socket as a zero-copy segment
 * after the encoded header, so the body is copied once per send (the
 * caller's buffer may be reused as soon as the call returns), and the block
 * lives until both the callback and the write are done. In-flight bounds
 * (async: until the answer, one-way: until written) are counting semaphores
 * (permits.h) with lock-free fast paths. The send path takes no lock shared
 * by all producers: the publish table is this producer's (read-locked), the
 * queue position is per thread, and the fault table is consulted only with
 * latency fault avoidance on.
 */
#include "client/producer_internal.h"

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

#define ADDR_MAX 128

/* ------------------------------------------------------------- life cycle */

static void visit_topics(rj_client_member_t *m, rj_topic_visit_cb cb, void *arg);
static void route_changed(rj_client_member_t *m, const char *topic, const rj_topic_route_t *r);
static int handle_request(rj_client_member_t *m, rj_request_t *req, const rj_command_t *cmd);

static const rj_member_ops_t producer_ops = {
    .visit_topics = visit_topics,
    .route_changed = route_changed,
    .handle_request = handle_request,
};

int
rj_producer_create(const char *group, rj_producer_t **out)
{
    rj_producer_t *p;
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
    p = rj_calloc(1, sizeof(*p));
    if (p == NULL) {
        return RJ_ENOMEM;
    }
    p->group = rj_strdup(group);
    p->publish = rj_hashmap_create(16);
    if (p->group == NULL || p->publish == NULL) {
        rj_hashmap_destroy(p->publish, NULL);
        rj_free(p->group);
        rj_free(p);
        return RJ_ENOMEM;
    }
    p->poll_namesrv_interval_ms = 30000;
    p->heartbeat_interval_ms = 30000;
    p->send_timeout_ms = 3000;
    p->retry_times = 2;
    p->async_retry_times = 2;
    p->compress_threshold = 4096;
    p->compress_level = 5;
    p->max_message_size = 4 * 1024 * 1024;
    p->default_topic_queue_nums = 4;
    p->max_inflight_oneway = 65535; /* Java clientOnewaySemaphoreValue */
    atomic_init(&p->state, RJ_PRODUCER_CREATED);
    pthread_mutex_init(&p->life_lock, NULL);
    pthread_rwlock_init(&p->pub_lock, NULL);
    rj_permits_init(&p->async_permits, 0);
    p->member.ops = &producer_ops;
    p->member.kind = RJ_MEMBER_PRODUCER;
    p->member.group = p->group;
    p->member.owner = p;
    *out = p;
    return RJ_OK;
}

static void
release_publish(void *v)
{
    rj_publish_info_release(v);
}

void
rj_producer_destroy(rj_producer_t *p)
{
    if (p == NULL) {
        return;
    }
    rj_producer_shutdown(p);
    rj_fault_strategy_cleanup(&p->fault);
    rj_hashmap_destroy(p->publish, release_publish);
    pthread_mutex_destroy(&p->life_lock);
    pthread_rwlock_destroy(&p->pub_lock);
    rj_permits_cleanup(&p->async_permits);
    /* Blocks still queued for writing (one-way, timed-out async) keep the pool alive. */
    rj_send_pool_close(p->send_pool);
    rj_free(p->namesrv_addrs);
    rj_free(p->instance_name);
    rj_free(p->group);
    rj_free(p);
}

int
rj_producer_start(rj_producer_t *p)
{
    rj_client_config_t cfg;
    int rc;

    rj_client_clear_error();
    if (p == NULL) {
        return rj_client_fail(RJ_EINVAL, "producer is NULL");
    }
    pthread_mutex_lock(&p->life_lock);
    if (atomic_load(&p->state) != RJ_PRODUCER_CREATED) {
        rc = rj_client_fail(RJ_ESTATE, "The producer service state not OK, maybe started once");
        goto out;
    }
    if (p->namesrv_addrs == NULL) {
        rc = rj_client_fail(RJ_EINVAL, "no name server address set (rj_producer_set_namesrv_addr)");
        goto out;
    }
    if ((p->tx_execute != NULL) != (p->tx_check != NULL)) {
        rc = rj_client_fail(RJ_EINVAL, "transaction listener incomplete");
        goto out;
    }
    p->send_pool = rj_send_pool_create(p->max_inflight_oneway);
    if (p->send_pool == NULL) {
        rc = RJ_ENOMEM;
        goto out;
    }
    rj_fault_strategy_init(&p->fault, p->latency_fault);
    rj_client_config_init(&cfg);
    cfg.namesrv_addrs = p->namesrv_addrs;
    cfg.instance_name = p->instance_name;
    cfg.poll_namesrv_interval_ms = p->poll_namesrv_interval_ms;
    cfg.heartbeat_interval_ms = p->heartbeat_interval_ms;
    rc = rj_client_instance_acquire(&cfg, &p->inst);
    if (rc != RJ_OK) {
        goto out;
    }
    rc = rj_producer_transaction_start(p);
    if (rc == RJ_OK) {
        rc = rj_client_instance_register(p->inst, &p->member);
    }
    if (rc != RJ_OK) {
        rj_producer_transaction_stop(p);
        rj_client_instance_release(p->inst);
        p->inst = NULL;
        goto out;
    }
    atomic_store(&p->state, RJ_PRODUCER_RUNNING);
    /* Java sends a heartbeat at start; off the caller's thread here. */
    rj_log(RJ_LOG_INFO, 0, "producer %s started, client id %s", p->group,
           rj_client_instance_client_id(p->inst));
out:
    pthread_mutex_unlock(&p->life_lock);
    return rc;
}

int
rj_producer_shutdown(rj_producer_t *p)
{
    if (p == NULL) {
        return RJ_EINVAL;
    }
    pthread_mutex_lock(&p->life_lock);
    int prev = atomic_exchange(&p->state, RJ_PRODUCER_STOPPED);
    if (prev != RJ_PRODUCER_RUNNING) {
        pthread_mutex_unlock(&p->life_lock);
        return RJ_OK;
    }
    /* Every async send completes (answer, timeout or failure) in bounded time. */
    rj_permits_wait_idle(&p->async_permits);
    rj_client_instance_unregister(p->inst, &p->member);
    rj_producer_transaction_stop(p);
    rj_client_instance_release(p->inst);
    p->inst = NULL;
    rj_log(RJ_LOG_INFO, 0, "producer %s shut down", p->group);
    pthread_mutex_unlock(&p->life_lock);
    return RJ_OK;
}

/* ----------------------------------------------------------------- options */

static int
option_check(rj_producer_t *p)
{
    return rj_client_option_begin(p, "producer",
                                  p != NULL && atomic_load(&p->state) != RJ_PRODUCER_CREATED);
}

static int
set_string(rj_producer_t *p, char **field, const char *value)
{
    return rj_client_option_string(option_check(p), field, value);
}

int
rj_producer_set_namesrv_addr(rj_producer_t *p, const char *addrs)
{
    return set_string(p, p != NULL ? &p->namesrv_addrs : NULL, addrs);
}

int
rj_producer_set_instance_name(rj_producer_t *p, const char *name)
{
    return rj_client_option_instance_name(option_check(p), p != NULL ? &p->instance_name : NULL,
                                          name);
}

#define RANGE_SETTER(fn, type, field, lo, hi)                         \
    int fn(rj_producer_t *p, type value)                              \
    {                                                                 \
        int rc = option_check(p);                                     \
        if (rc != RJ_OK) {                                            \
            return rc;                                                \
        }                                                             \
        if (value < (lo) || value > (hi)) {                           \
            return rj_client_fail(RJ_EINVAL, #field " out of range"); \
        }                                                             \
        p->field = value;                                             \
        return RJ_OK;                                                 \
    }

RANGE_SETTER(rj_producer_set_send_timeout, int64_t, send_timeout_ms, 1, 3600000)
RANGE_SETTER(rj_producer_set_retry_times, int, retry_times, 0, 100)
RANGE_SETTER(rj_producer_set_async_retry_times, int, async_retry_times, 0, 100)
RANGE_SETTER(rj_producer_set_compress_level, int, compress_level, 0, 9)
RANGE_SETTER(rj_producer_set_max_message_size, size_t, max_message_size, 1, 64u * 1024 * 1024)
RANGE_SETTER(rj_producer_set_default_topic_queue_nums, int, default_topic_queue_nums, 1, 1024)
RANGE_SETTER(rj_producer_set_poll_namesrv_interval, int64_t, poll_namesrv_interval_ms, 10, 86400000)
RANGE_SETTER(rj_producer_set_heartbeat_interval, int64_t, heartbeat_interval_ms, 10, 86400000)

int
rj_producer_set_compress_threshold(rj_producer_t *p, size_t bytes)
{
    int rc = option_check(p);
    if (rc == RJ_OK) {
        p->compress_threshold = bytes;
    }
    return rc;
}

int
rj_producer_set_max_inflight_async(rj_producer_t *p, size_t count)
{
    int rc = option_check(p);
    if (rc == RJ_OK) {
        p->max_inflight = count;
        p->async_permits.max = count; /* before start: no send can hold a permit yet */
    }
    return rc;
}

int
rj_producer_set_max_inflight_oneway(rj_producer_t *p, size_t count)
{
    int rc = option_check(p);
    if (rc == RJ_OK) {
        p->max_inflight_oneway = count;
    }
    return rc;
}

int
rj_producer_set_retry_another_broker_when_not_store_ok(rj_producer_t *p, bool enable)
{
    int rc = option_check(p);
    if (rc == RJ_OK) {
        p->retry_not_ok = enable;
    }
    return rc;
}

int
rj_producer_set_latency_fault_enable(rj_producer_t *p, bool enable)
{
    int rc = option_check(p);
    if (rc == RJ_OK) {
        p->latency_fault = enable;
    }
    return rc;
}

int
rj_producer_set_transaction_listener(rj_producer_t *p, rj_local_transaction_cb execute,
                                     rj_check_transaction_cb check, void *arg)
{
    int rc = option_check(p);
    if (rc != RJ_OK) {
        return rc;
    }
    if (execute == NULL || check == NULL) {
        return rj_client_fail(RJ_EINVAL, "both transaction callbacks are required");
    }
    p->tx_execute = execute;
    p->tx_check = check;
    p->tx_arg = arg;
    return RJ_OK;
}

/* ----------------------------------------------------------- publish infos */

static void
visit_topics(rj_client_member_t *m, rj_topic_visit_cb cb, void *arg)
{
    rj_producer_t *p = m->owner;
    rj_hashmap_iter_t it;
    const char *topic;
    size_t len;
    void *val;

    pthread_rwlock_rdlock(&p->pub_lock);
    rj_hashmap_iter_init(p->publish, &it);
    while (rj_hashmap_iter_next(&it, &topic, &len, &val)) {
        cb(topic, arg);
    }
    pthread_rwlock_unlock(&p->pub_lock);
}

static void
put_publish(rj_producer_t *p, const char *topic, rj_publish_info_t *pi)
{
    void *old = NULL;

    pthread_rwlock_wrlock(&p->pub_lock);
    if (rj_hashmap_put_cstr(p->publish, topic, pi, &old) != 0) {
        old = pi; /* could not store: drop the new one */
    }
    pthread_rwlock_unlock(&p->pub_lock);
    rj_publish_info_release(old);
}

static void
route_changed(rj_client_member_t *m, const char *topic, const rj_topic_route_t *r)
{
    rj_producer_t *p = m->owner;

    pthread_rwlock_rdlock(&p->pub_lock);
    bool used = rj_hashmap_get_cstr(p->publish, topic) != NULL;
    pthread_rwlock_unlock(&p->pub_lock);
    if (!used) {
        return;
    }
    rj_publish_info_t *pi = rj_publish_info_create(topic, r);
    if (pi != NULL) {
        put_publish(p, topic, pi);
    }
}

static rj_publish_info_t *
lookup_publish(rj_producer_t *p, const char *topic)
{
    pthread_rwlock_rdlock(&p->pub_lock);
    rj_publish_info_t *pi = rj_hashmap_get_cstr(p->publish, topic);
    if (pi != NULL) {
        rj_publish_info_retain(pi);
    }
    pthread_rwlock_unlock(&p->pub_lock);
    return pi;
}

/* Publish info from the instance's stored route (NULL if none or no queue). */
static rj_publish_info_t *
publish_from_instance(rj_producer_t *p, const char *topic)
{
    rj_topic_route_t *r = rj_client_instance_route(p->inst, topic);
    if (r == NULL) {
        return NULL;
    }
    rj_publish_info_t *pi = rj_publish_info_create(topic, r);
    rj_topic_route_destroy(r);
    if (pi == NULL) {
        return NULL;
    }
    rj_publish_info_retain(pi);
    put_publish(p, topic, pi);
    return pi;
}

/*
 * Java tryToFindTopicPublishInfo: the cached info, else the route from the
 * name server, else the TBW102 route (the broker creates the topic on the
 * first send). Returns a retained info, or NULL with the reason recorded.
 */
static rj_publish_info_t *
find_publish(rj_producer_t *p, const char *topic, int *rc_out)
{
    rj_publish_info_t *pi = lookup_publish(p, topic);
    int rc;

    *rc_out = RJ_OK;
    if (rj_publish_info_ok(pi)) {
        return pi;
    }
    rj_publish_info_release(pi);
    rc = rj_client_instance_update_route(p->inst, topic, false, 0);
    pi = publish_from_instance(p, topic);
    if (rj_publish_info_ok(pi)) {
        return pi;
    }
    rj_publish_info_release(pi);
    if (rc == RJ_OK || rc == RJ_ENOROUTE) {
        rc = rj_client_instance_update_route(p->inst, topic, true, p->default_topic_queue_nums);
        pi = publish_from_instance(p, topic);
        if (rj_publish_info_ok(pi)) {
            return pi;
        }
        rj_publish_info_release(pi);
    }
    if (rc == RJ_OK) {
        rc = rj_client_fail(RJ_ENOROUTE,
                            "No route info of this topic: %s (no writable queue with a master)",
                            topic);
    }
    /* Name server unreachable or no route: both are "no route" to the caller;
     * the recorded text says which. */
    *rc_out = RJ_ENOROUTE;
    return NULL;
}

int
rj_producer_fetch_publish_queues(rj_producer_t *p, const char *topic, rj_message_queue_t **queues,
                                 size_t *count)
{
    int rc;

    rj_client_clear_error();
    if (p == NULL || topic == NULL || queues == NULL || count == NULL) {
        return rj_client_fail(RJ_EINVAL, "NULL argument");
    }
    *queues = NULL;
    *count = 0;
    if (atomic_load(&p->state) != RJ_PRODUCER_RUNNING) {
        return rj_client_fail(RJ_ESTATE, "producer not running");
    }
    rc = rj_validators_check_topic(topic);
    if (rc != RJ_OK) {
        return rc;
    }
    rj_publish_info_t *pi = find_publish(p, topic, &rc);
    if (pi == NULL) {
        return rc;
    }
    *queues = rj_message_queues_copy(pi->queues, pi->queue_count);
    *count = *queues != NULL ? pi->queue_count : 0;
    rj_publish_info_release(pi);
    return *queues != NULL ? RJ_OK : RJ_ENOMEM;
}

/* ---------------------------------------------------------------- encoding */

int
rj_producer_check_message(rj_producer_t *p, const rj_message_t *msg)
{
    if (p == NULL || msg == NULL) {
        return rj_client_fail(RJ_EINVAL, "the message is null");
    }
    if (msg->kind != RJ_MESSAGE_OWNED) {
        return rj_client_fail(RJ_EINVAL, "a received message cannot be sent as is");
    }
    if (atomic_load(&p->state) != RJ_PRODUCER_RUNNING) {
        return rj_client_fail(RJ_ESTATE, "The producer service state not OK");
    }
    int rc = rj_validators_check_send_topic(msg->topic);
    if (rc != RJ_OK) {
        return rc;
    }
    return rj_validators_check_body(msg->body_len, msg->body != NULL, p->max_message_size);
}

int
rj_producer_prepare(rj_producer_t *p, const rj_message_t *msg, const rj_encode_opts_t *opts,
                    rj_prop_buf_t *props, rj_encode_info_t *info, rj_prepared_msg_t *pm,
                    uint8_t **compressed)
{
    int rc;

    *compressed = NULL;
    rc = rj_message_encode_properties(msg, opts, props, info);
    if (rc != RJ_OK) {
        return rc;
    }
    memset(pm, 0, sizeof(*pm));
    pm->topic = msg->topic;
    pm->props = rj_prop_buf_view(props);
    pm->body = rj_bytes(msg->body, msg->body_len);
    pm->flag = msg->flag;
    pm->reconsume_times = info->reconsume_times;
    pm->max_reconsume_times = info->max_reconsume_times;
    pm->msg_id = info->msg_id;
    if (opts->transaction) {
        pm->sys_flag |= RJ_SYSFLAG_TRANSACTION_PREPARED;
    }
    if (msg->body_len >= p->compress_threshold) {
        size_t clen;
        if (rj_message_compress(msg->body, msg->body_len, p->compress_level, compressed, &clen) ==
            RJ_OK) {
            pm->body = rj_bytes(*compressed, clen);
            pm->sys_flag |= RJ_SYSFLAG_JAVA_ZLIB;
        }
    }
    return RJ_OK;
}

static void
fill_header(rj_producer_t *p, const rj_prepared_msg_t *pm, const char *broker_name,
            int32_t queue_id, rj_send_header_t *h)
{
    h->producer_group = p->group;
    h->topic = pm->topic;
    h->default_topic = RJ_AUTO_CREATE_TOPIC_KEY;
    h->default_topic_queues = p->default_topic_queue_nums;
    h->queue_id = queue_id;
    h->sys_flag = pm->sys_flag;
    h->born_timestamp = rj_clock_wall_ms();
    h->flag = pm->flag;
    h->properties = pm->props;
    h->reconsume_times = pm->reconsume_times;
    h->max_reconsume_times = pm->max_reconsume_times;
    h->batch = pm->batch;
    h->broker_name = broker_name;
}

/* Fills `res` from a stored-message response. */
static void
fill_result(rj_send_result_t *res, const rj_prepared_msg_t *pm, const char *broker_name,
            const rj_send_response_t *sr)
{
    res->status = rj_send_status_of_code(sr->code);
    res->response_code = sr->code;
    res->msg_id = rj_send_result_store_cstr(res, pm->msg_id);
    res->offset_msg_id = rj_send_result_store(res, sr->msg_id);
    res->topic = rj_send_result_store_cstr(res, pm->topic);
    res->broker_name = rj_send_result_store_cstr(res, broker_name);
    res->queue_id = sr->queue_id;
    res->queue_offset = sr->queue_offset;
    if (sr->transaction_id.len > 0) {
        res->transaction_id = rj_send_result_store(res, sr->transaction_id);
    }
}

/* --------------------------------------------------------------- sync sends */

/*
 * A sync attempt's answer, taken on the I/O thread straight from the
 * response (no copy of it): the result is filled there, and what an error
 * report needs is kept for the sending thread (last error is per thread).
 */
typedef struct {
    const rj_prepared_msg_t *pm;
    const char *broker_name;
    rj_send_result_t *res;
    bool answered; /* a response arrived (else status is the transport failure) */
    int status;    /* transport status, or the response's parse outcome */
    int32_t code;
    char remark[256];
} sync_answer_t;

static void
sync_answer(int status, const rj_command_t *resp, void *arg)
{
    sync_answer_t *a = arg;
    rj_send_response_t sr;

    a->status = status;
    if (status != RJ_OK) {
        return;
    }
    a->answered = true;
    a->code = resp->code;
    a->status = rj_api_parse_send_response(resp, &sr);
    if (a->status == RJ_OK) {
        fill_result(a->res, a->pm, a->broker_name, &sr);
    } else if (resp->has_remark) {
        size_t n =
            resp->remark.len < sizeof(a->remark) - 1 ? resp->remark.len : sizeof(a->remark) - 1;
        memcpy(a->remark, resp->remark.data, n);
        a->remark[n] = '\0';
    }
}

/* One attempt on one queue. Returns RJ_OK (res filled), RJ_EREMOTE (*code set) or transport. */
static int
send_once_sync(rj_producer_t *p, const rj_prepared_msg_t *pm, const char *addr,
               const char *broker_name, int32_t queue_id, int64_t timeout_ms, rj_send_result_t *res,
               int32_t *code)
{
    rj_command_t req;
    rj_send_header_t h;
    sync_answer_t a = {.pm = pm, .broker_name = broker_name, .res = res, .code = 0};
    int rc;

    *code = 0;
    fill_header(p, pm, broker_name, queue_id, &h);
    rc = rj_api_build_send(&req, &h, pm->body);
    if (rc != RJ_OK) {
        return rc;
    }
    rc = rj_rpc_client_invoke_sync_cb(rj_client_instance_rpc(p->inst), addr, &req, timeout_ms,
                                      sync_answer, &a);
    if (rc == RJ_OK) {
        rc = a.status;
    }
    if (!a.answered) {
        return rj_client_fail(rc, "send to %s (%s) failed: %s", broker_name, addr, rj_strerror(rc));
    }
    *code = a.code;
    if (rc == RJ_OK) {
        return RJ_OK;
    }
    if (rc == RJ_EREMOTE) {
        const char *name = rj_response_code_name(a.code);
        return rj_client_fail(RJ_EREMOTE, "%s to %s: %s(%d) %s", "SEND_MESSAGE", addr,
                              name != NULL ? name : "UNKNOWN", a.code, a.remark);
    }
    return rj_client_fail(rc, "send response of %s has no msgId/queueId/queueOffset", addr);
}

int
rj_producer_send_prepared(rj_producer_t *p, const rj_prepared_msg_t *pm, rj_send_result_t *res)
{
    int64_t begin = rj_clock_mono_ms();
    int total = 1 + p->retry_times;
    char brokers[512] = "";
    size_t blen = 0;
    char last_broker[128] = "";
    char last_err[512] = "";
    int last_rc = RJ_EIO;
    int times = 0;
    int rc;

    rj_publish_info_t *pi = find_publish(p, pm->topic, &rc);
    if (pi == NULL) {
        return rc;
    }
    for (; times < total; times++) {
        int32_t ov, code;
        size_t q =
            rj_fault_strategy_select(&p->fault, pi, last_broker[0] ? last_broker : NULL, &ov);
        const rj_publish_broker_t *b = &pi->brokers[pi->queue_broker[q]];
        int32_t queue_id = ov >= 0 ? ov : pi->queues[q].queue_id;
        int64_t start = rj_clock_mono_ms();
        int64_t left = p->send_timeout_ms - (start - begin);

        snprintf(last_broker, sizeof(last_broker), "%s", b->name);
        blen += (size_t)snprintf(brokers + blen, sizeof(brokers) - blen, "%s%s",
                                 blen > 0 ? ", " : "", b->name);
        if (blen >= sizeof(brokers)) {
            blen = sizeof(brokers) - 1;
        }
        if (left <= 0) {
            last_rc = RJ_ETIMEDOUT;
            snprintf(last_err, sizeof(last_err), "sendDefaultImpl call timeout");
            break;
        }
        if (b->master_addr == NULL) {
            last_rc = RJ_ENOTFOUND;
            snprintf(last_err, sizeof(last_err), "The broker[%s] not exist", b->name);
            continue;
        }
        rc = send_once_sync(p, pm, b->master_addr, b->name, queue_id, left, res, &code);
        int64_t latency = rj_clock_mono_ms() - start;
        if (rc == RJ_OK) {
            rj_fault_strategy_update(&p->fault, b->name, latency, false);
            if (res->status != RJ_SEND_OK && p->retry_not_ok && times + 1 < total) {
                rj_send_result_cleanup(res);
                rj_send_result_init(res);
                continue;
            }
            rj_publish_info_release(pi);
            return RJ_OK;
        }
        rj_fault_strategy_update(&p->fault, b->name, latency, true);
        last_rc = rc;
        snprintf(last_err, sizeof(last_err), "%s", rj_last_error());
        rj_log(RJ_LOG_WARN, rc, "send attempt %d of %s to %s failed, %s", times + 1, pm->topic,
               b->name, last_err);
        if (rc == RJ_EREMOTE && !rj_api_send_code_is_retryable(code)) {
            rj_publish_info_release(pi);
            res->response_code = code;
            return rj_client_fail(RJ_EREMOTE, "%s", last_err);
        }
        if (rc == RJ_EREMOTE) {
            res->response_code = code;
        }
    }
    rj_publish_info_release(pi);
    return rj_client_fail(last_rc,
                          "Send [%d] times, still failed, cost [%" PRId64
                          "]ms, Topic: %s, BrokersSent: [%s]: %s",
                          times < total ? times + 1 : times, rj_clock_mono_ms() - begin, pm->topic,
                          brokers, last_err);
}

static int
return_result(const rj_send_result_t *res, rj_send_result_t **result)
{
    if (result == NULL) {
        return RJ_OK;
    }
    *result = rj_send_result_dup(res);
    return *result != NULL ? RJ_OK : RJ_ENOMEM;
}

/* A sync send (with retries) of `msg` into `res`, an initialised result. */
static int
send_sync_into(rj_producer_t *p, const rj_message_t *msg, rj_send_result_t *res)
{
    rj_encode_opts_t opts = {0};
    rj_prop_buf_t props;
    rj_encode_info_t info;
    rj_prepared_msg_t pm;
    uint8_t *compressed = NULL;
    int rc;

    rc = rj_producer_check_message(p, msg);
    if (rc != RJ_OK) {
        return rc;
    }
    opts.retry_topic = strncmp(msg->topic, RJ_RETRY_GROUP_TOPIC_PREFIX, 7) == 0;
    rj_prop_buf_init(&props);
    rc = rj_producer_prepare(p, msg, &opts, &props, &info, &pm, &compressed);
    if (rc == RJ_OK) {
        rc = rj_producer_send_prepared(p, &pm, res);
    }
    rj_free(compressed);
    rj_prop_buf_cleanup(&props);
    return rc;
}

int
rj_producer_send(rj_producer_t *p, const rj_message_t *msg, rj_send_result_t **result)
{
    rj_send_result_t res;
    int rc;

    rj_client_clear_error();
    if (result != NULL) {
        *result = NULL;
    }
    rj_send_result_init(&res);
    rc = send_sync_into(p, msg, &res);
    if (rc == RJ_OK) {
        rc = return_result(&res, result);
    }
    rj_send_result_cleanup(&res);
    return rc;
}

int
rj_producer_send_into(rj_producer_t *p, const rj_message_t *msg, rj_send_result_t *result)
{
    rj_client_clear_error();
    if (result == NULL) {
        return rj_client_fail(RJ_EINVAL, "result is NULL");
    }
    /* The result's own storage is reused: nothing is allocated for it per call. */
    rj_send_result_cleanup(result);
    rj_send_result_init(result);
    int rc = send_sync_into(p, msg, result);
    if (rc != RJ_OK) {
        int32_t code = result->response_code;
        rj_send_result_cleanup(result);
        rj_send_result_init(result);
        result->response_code = code;
        result->error = rj_send_result_store_cstr(result, rj_last_error());
    }
    return rc;
}

int
rj_producer_send_batch(rj_producer_t *p, const rj_message_t *const *msgs, size_t count,
                       rj_send_result_t **result)
{
    rj_buf_t body = RJ_BUF_INIT, ids = RJ_BUF_INIT;
    rj_prepared_msg_t pm;
    rj_send_result_t res;
    char wait_prop[16];
    int rc;

    rj_client_clear_error();
    if (result != NULL) {
        *result = NULL;
    }
    if (p == NULL || msgs == NULL || count == 0) {
        return rj_client_fail(RJ_EINVAL, "empty batch");
    }
    for (size_t i = 0; i < count; i++) {
        rc = rj_producer_check_message(p, msgs[i]);
        if (rc != RJ_OK) {
            return rc;
        }
    }
    rc = rj_message_encode_batch(msgs, count, &body, &ids);
    if (rc == RJ_OK && body.len > p->max_message_size) {
        rc = rj_client_fail(RJ_EINVAL, "the message body size over max value, MAX: %zu",
                            p->max_message_size);
    }
    rj_send_result_init(&res);
    if (rc == RJ_OK) {
        const char *w = rj_message_prop_get(msgs[0], RJ_PROP_WAIT_STORE_MSG_OK);
        int n = w != NULL ? snprintf(wait_prop, sizeof(wait_prop), "WAIT\001%s", w) : 0;
        memset(&pm, 0, sizeof(pm));
        pm.topic = msgs[0]->topic;
        pm.props = rj_bytes(wait_prop, n > 0 && (size_t)n < sizeof(wait_prop) ? (size_t)n : 0);
        pm.body = rj_buf_view(&body);
        pm.batch = true;
        pm.max_reconsume_times = -1;
        pm.msg_id = (const char *)ids.data;
        rc = rj_producer_send_prepared(p, &pm, &res);
    }
    if (rc == RJ_OK) {
        rc = return_result(&res, result);
    }
    rj_send_result_cleanup(&res);
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&ids);
    return rc;
}

/* Sync send to one queue without retries (selector and explicit-queue sends). */
static int
send_to_queue_sync(rj_producer_t *p, const rj_message_t *msg, const char *broker_name,
                   int32_t queue_id, rj_send_result_t **result)
{
    rj_encode_opts_t opts = {0};
    rj_prop_buf_t props;
    rj_encode_info_t info;
    rj_prepared_msg_t pm;
    rj_send_result_t res;
    uint8_t *compressed = NULL;
    char addr[ADDR_MAX];
    int32_t code;
    int rc;

    rc = rj_client_instance_master_addr(p->inst, broker_name, addr, sizeof(addr));
    if (rc != RJ_OK) {
        rj_client_instance_update_route(p->inst, msg->topic, false, 0);
        rc = rj_client_instance_master_addr(p->inst, broker_name, addr, sizeof(addr));
        if (rc != RJ_OK) {
            return rj_client_fail(RJ_ENOROUTE, "The broker[%s] not exist", broker_name);
        }
    }
    opts.retry_topic = strncmp(msg->topic, RJ_RETRY_GROUP_TOPIC_PREFIX, 7) == 0;
    rj_prop_buf_init(&props);
    rj_send_result_init(&res);
    rc = rj_producer_prepare(p, msg, &opts, &props, &info, &pm, &compressed);
    if (rc == RJ_OK) {
        int64_t start = rj_clock_mono_ms();
        rc = send_once_sync(p, &pm, addr, broker_name, queue_id, p->send_timeout_ms, &res, &code);
        rj_fault_strategy_update(&p->fault, broker_name, rj_clock_mono_ms() - start, rc != RJ_OK);
    }
    if (rc == RJ_OK) {
        rc = return_result(&res, result);
    }
    rj_free(compressed);
    rj_prop_buf_cleanup(&props);
    rj_send_result_cleanup(&res);
    return rc;
}

/* Runs a selector over the topic's queues; the chosen queue's broker/id. */
static int
select_queue(rj_producer_t *p, const rj_message_t *msg, rj_queue_select_cb selector, void *sarg,
             char *broker, size_t broker_size, int32_t *queue_id)
{
    int rc;
    rj_publish_info_t *pi = find_publish(p, msg->topic, &rc);

    if (pi == NULL) {
        return rc;
    }
    int idx = selector(pi->queues, pi->queue_count, msg, sarg);
    if (idx < 0 || (size_t)idx >= pi->queue_count) {
        rj_publish_info_release(pi);
        return rj_client_fail(RJ_EINVAL, "selector returned %d, not in [0, %zu)", idx,
                              pi->queue_count);
    }
    snprintf(broker, broker_size, "%s", pi->queues[idx].broker_name);
    *queue_id = pi->queues[idx].queue_id;
    rj_publish_info_release(pi);
    return RJ_OK;
}

int
rj_producer_send_select(rj_producer_t *p, const rj_message_t *msg, rj_queue_select_cb selector,
                        void *selector_arg, rj_send_result_t **result)
{
    char broker[128];
    int32_t queue_id;
    int rc;

    rj_client_clear_error();
    if (result != NULL) {
        *result = NULL;
    }
    if (selector == NULL) {
        return rj_client_fail(RJ_EINVAL, "selector is NULL");
    }
    rc = rj_producer_check_message(p, msg);
    if (rc == RJ_OK) {
        rc = select_queue(p, msg, selector, selector_arg, broker, sizeof(broker), &queue_id);
    }
    if (rc == RJ_OK) {
        rc = send_to_queue_sync(p, msg, broker, queue_id, result);
    }
    return rc;
}

static int
check_queue(const rj_message_t *msg, const rj_message_queue_t *mq)
{
    if (mq == NULL || mq->topic == NULL || mq->broker_name == NULL || mq->queue_id < 0) {
        return rj_client_fail(RJ_EINVAL, "bad message queue");
    }
    if (strcmp(mq->topic, msg->topic) != 0) {
        return rj_client_fail(RJ_EINVAL, "message's topic not equal mq's topic");
    }
    return RJ_OK;
}

int
rj_producer_send_to_queue(rj_producer_t *p, const rj_message_t *msg, const rj_message_queue_t *mq,
                          rj_send_result_t **result)
{
    int rc;

    rj_client_clear_error();
    if (result != NULL) {
        *result = NULL;
    }
    rc = rj_producer_check_message(p, msg);
    if (rc == RJ_OK) {
        rc = check_queue(msg, mq);
    }
    if (rc == RJ_OK) {
        rc = send_to_queue_sync(p, msg, mq->broker_name, mq->queue_id, result);
    }
    return rc;
}

/* -------------------------------------------------------------- async sends */

/*
 * An async send: lives in a pooled send block, followed by the copies of the
 * topic, msg id, properties and body. The block's references: one for the
 * pending send (dropped after the callback), one per body segment handed to
 * the remoting layer (dropped once written or discarded).
 */
typedef struct {
    rj_send_block_t *block;
    rj_producer_t *p;
    rj_send_cb cb;
    void *arg;
    rj_publish_info_t *pi; /* NULL for a fixed queue */
    int times;
    int times_total;
    int64_t timeout_ms;
    int64_t start_ms; /* only with latency fault avoidance */
    char broker[128];
    char addr[ADDR_MAX];
    int32_t queue_id;
    rj_prepared_msg_t pm;
} async_ctx_t;

static int
inflight_acquire(rj_producer_t *p)
{
    if (rj_permits_acquire(&p->async_permits, p->send_timeout_ms) != RJ_OK) {
        return rj_client_fail(RJ_EBUSY, "%zu async sends in flight (max_inflight_async)",
                              rj_permits_in_use(&p->async_permits));
    }
    return RJ_OK;
}

static void
async_finish(async_ctx_t *ctx, int status, const rj_send_result_t *res)
{
    rj_producer_t *p = ctx->p;

    ctx->cb(status, res, ctx->arg);
    rj_publish_info_release(ctx->pi);
    ctx->pi = NULL;
    /* The permit last: once it is back, shutdown may go on and free the producer. */
    rj_send_block_release(ctx->block);
    rj_permits_release(&p->async_permits);
}

static void
async_fail(async_ctx_t *ctx, int status, int32_t code, const char *text)
{
    rj_send_result_t res;

    rj_send_result_init(&res);
    res.response_code = code;
    res.error = rj_send_result_store_cstr(&res, text);
    res.msg_id = rj_send_result_store_cstr(&res, ctx->pm.msg_id);
    res.topic = rj_send_result_store_cstr(&res, ctx->pm.topic);
    res.broker_name = rj_send_result_store_cstr(&res, ctx->broker);
    res.queue_id = ctx->queue_id;
    async_finish(ctx, status, &res);
    rj_send_result_cleanup(&res);
}

static int async_invoke(async_ctx_t *ctx);

static void
async_response(int status, const rj_command_t *resp, void *arg)
{
    async_ctx_t *ctx = arg;
    rj_producer_t *p = ctx->p;
    int64_t latency = p->fault.enabled ? rj_clock_mono_ms() - ctx->start_ms : 0;
    char text[512];

    if (status != RJ_OK) {
        rj_fault_strategy_update(&p->fault, ctx->broker, latency, true);
        snprintf(text, sizeof(text), "send to %s (%s) failed: %s", ctx->broker, ctx->addr,
                 rj_strerror(status));
        /* Java retries async sends on network failures only. */
        while (++ctx->times < ctx->times_total) {
            rj_log(RJ_LOG_WARN, status, "async send of %s: %s, retrying (%d/%d)", ctx->pm.topic,
                   text, ctx->times, ctx->times_total - 1);
            int rc = async_invoke(ctx);
            if (rc == RJ_OK) {
                return;
            }
            status = rc;
        }
        async_fail(ctx, status, 0, text);
        return;
    }
    rj_fault_strategy_update(&p->fault, ctx->broker, latency, false);
    rj_send_response_t sr;
    int rc = rj_api_parse_send_response(resp, &sr);
    if (rc != RJ_OK) {
        const char *name = rj_response_code_name(resp->code);
        snprintf(text, sizeof(text), "send to %s: %s(%d) %.*s", ctx->addr,
                 name != NULL ? name : "UNKNOWN", resp->code,
                 resp->has_remark ? (int)resp->remark.len : 0,
                 resp->has_remark ? (const char *)resp->remark.data : "");
        async_fail(ctx, rc, resp->code, text);
        return;
    }
    rj_send_result_t res;
    rj_send_result_init(&res);
    fill_result(&res, &ctx->pm, ctx->broker, &sr);
    async_finish(ctx, RJ_OK, &res);
    rj_send_result_cleanup(&res);
}

/* strlcpy-style copy (snprintf("%s") showed up in send-path profiles). */
static void
copy_str(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Picks the queue for this attempt and sends. Any thread (also the I/O thread). */
static int
async_invoke(async_ctx_t *ctx)
{
    rj_producer_t *p = ctx->p;
    rj_command_t req;
    rj_send_header_t h;

    if (ctx->pi != NULL) {
        int32_t ov;
        size_t q =
            rj_fault_strategy_select(&p->fault, ctx->pi, ctx->times > 0 ? ctx->broker : NULL, &ov);
        const rj_publish_broker_t *b = &ctx->pi->brokers[ctx->pi->queue_broker[q]];
        copy_str(ctx->broker, sizeof(ctx->broker), b->name);
        ctx->queue_id = ov >= 0 ? ov : ctx->pi->queues[q].queue_id;
        if (b->master_addr == NULL) {
            return rj_client_fail(RJ_ENOROUTE, "The broker[%s] not exist", b->name);
        }
        copy_str(ctx->addr, sizeof(ctx->addr), b->master_addr);
    }
    fill_header(p, &ctx->pm, ctx->broker, ctx->queue_id, &h);
    int rc = rj_api_build_send(&req, &h, ctx->pm.body);
    if (rc != RJ_OK) {
        return rc;
    }
    if (p->fault.enabled) {
        ctx->start_ms = rj_clock_mono_ms();
    }
    /* The body goes out from the block, uncopied; the segment holds a reference on it. */
    rj_segment_t body = {ctx->pm.body.data, ctx->pm.body.len, rj_send_block_release_cb, ctx->block};
    rj_send_block_retain(ctx->block);
    rc = rj_rpc_client_invoke_async_segments(rj_client_instance_rpc(p->inst), ctx->addr, &req,
                                             &body, 1, ctx->timeout_ms, async_response, ctx);
    if (rc != RJ_OK) {
        rj_client_fail(rc, "send to %s (%s) failed: %s", ctx->broker, ctx->addr, rj_strerror(rc));
    }
    return rc;
}

/* Copies a prepared message into a pooled context block (so retries can re-send it). */
static async_ctx_t *
async_ctx_create(rj_producer_t *p, const rj_prepared_msg_t *pm, rj_send_cb cb, void *arg)
{
    size_t tl = strlen(pm->topic) + 1, il = strlen(pm->msg_id) + 1;
    rj_send_block_t *block = rj_send_pool_get(p->send_pool, sizeof(async_ctx_t) + tl + il +
                                                                pm->props.len + pm->body.len);

    if (block == NULL) {
        return NULL;
    }
    async_ctx_t *ctx = rj_send_block_data(block);
    ctx->block = block;
    ctx->p = p;
    ctx->cb = cb;
    ctx->arg = arg;
    ctx->pi = NULL;
    ctx->times = 0;
    ctx->timeout_ms = p->send_timeout_ms;
    ctx->start_ms = 0;
    ctx->broker[0] = '\0';
    ctx->addr[0] = '\0';
    ctx->queue_id = -1;
    ctx->pm = *pm;
    uint8_t *d = (uint8_t *)(ctx + 1);
    memcpy(d, pm->topic, tl);
    ctx->pm.topic = (const char *)d;
    d += tl;
    memcpy(d, pm->msg_id, il);
    ctx->pm.msg_id = (const char *)d;
    d += il;
    if (pm->props.len > 0) {
        memcpy(d, pm->props.data, pm->props.len);
    }
    ctx->pm.props = rj_bytes(d, pm->props.len);
    d += pm->props.len;
    if (pm->body.len > 0) {
        memcpy(d, pm->body.data, pm->body.len);
    }
    ctx->pm.body = rj_bytes(d, pm->body.len);
    return ctx;
}

/* Starts an async send of `pm`: to a selected queue (pi) or the fixed broker/queue. */
static int
async_start(rj_producer_t *p, const rj_prepared_msg_t *pm, rj_publish_info_t *pi,
            const char *broker, int32_t queue_id, rj_send_cb cb, void *arg)
{
    int rc = inflight_acquire(p);
    if (rc != RJ_OK) {
        rj_publish_info_release(pi);
        return rc;
    }
    async_ctx_t *ctx = async_ctx_create(p, pm, cb, arg);
    if (ctx == NULL) {
        rj_publish_info_release(pi);
        rj_permits_release(&p->async_permits);
        return RJ_ENOMEM;
    }
    ctx->pi = pi;
    ctx->times_total = 1 + p->async_retry_times;
    if (pi == NULL) {
        copy_str(ctx->broker, sizeof(ctx->broker), broker);
        ctx->queue_id = queue_id;
        rc = rj_client_instance_master_addr(p->inst, broker, ctx->addr, sizeof(ctx->addr));
        if (rc != RJ_OK) {
            rc = rj_client_fail(RJ_ENOROUTE, "The broker[%s] not exist", broker);
        }
    }
    if (rc == RJ_OK) {
        rc = async_invoke(ctx);
    }
    if (rc != RJ_OK) {
        /* The callback is never called when the call itself fails. */
        rj_publish_info_release(ctx->pi);
        rj_send_block_release(ctx->block);
        rj_permits_release(&p->async_permits);
    }
    return rc;
}

static int
send_async_common(rj_producer_t *p, const rj_message_t *msg, rj_queue_select_cb selector,
                  void *selector_arg, const rj_message_queue_t *mq, rj_send_cb cb, void *arg)
{
    rj_encode_opts_t opts = {0};
    rj_prop_buf_t props;
    rj_encode_info_t info;
    rj_prepared_msg_t pm;
    uint8_t *compressed = NULL;
    rj_publish_info_t *pi = NULL;
    char broker[128] = "";
    int32_t queue_id = -1;
    int rc;

    rj_client_clear_error();
    if (cb == NULL) {
        return rj_client_fail(RJ_EINVAL, "callback is NULL");
    }
    rc = rj_producer_check_message(p, msg);
    if (rc != RJ_OK) {
        return rc;
    }
    if (mq != NULL) {
        rc = check_queue(msg, mq);
        if (rc != RJ_OK) {
            return rc;
        }
        snprintf(broker, sizeof(broker), "%s", mq->broker_name);
        queue_id = mq->queue_id;
    } else if (selector != NULL) {
        rc = select_queue(p, msg, selector, selector_arg, broker, sizeof(broker), &queue_id);
        if (rc != RJ_OK) {
            return rc;
        }
    } else {
        pi = find_publish(p, msg->topic, &rc);
        if (pi == NULL) {
            return rc;
        }
    }
    opts.retry_topic = strncmp(msg->topic, RJ_RETRY_GROUP_TOPIC_PREFIX, 7) == 0;
    rj_prop_buf_init(&props);
    rc = rj_producer_prepare(p, msg, &opts, &props, &info, &pm, &compressed);
    if (rc == RJ_OK) {
        rc = async_start(p, &pm, pi, broker, queue_id, cb, arg);
    } else {
        rj_publish_info_release(pi);
    }
    rj_free(compressed);
    rj_prop_buf_cleanup(&props);
    return rc;
}

int
rj_producer_send_async(rj_producer_t *p, const rj_message_t *msg, rj_send_cb cb, void *arg)
{
    return send_async_common(p, msg, NULL, NULL, NULL, cb, arg);
}

int
rj_producer_send_select_async(rj_producer_t *p, const rj_message_t *msg,
                              rj_queue_select_cb selector, void *selector_arg, rj_send_cb cb,
                              void *arg)
{
    if (selector == NULL) {
        return rj_client_fail(RJ_EINVAL, "selector is NULL");
    }
    return send_async_common(p, msg, selector, selector_arg, NULL, cb, arg);
}

int
rj_producer_send_to_queue_async(rj_producer_t *p, const rj_message_t *msg,
                                const rj_message_queue_t *mq, rj_send_cb cb, void *arg)
{
    if (mq == NULL) {
        return rj_client_fail(RJ_EINVAL, "message queue is NULL");
    }
    return send_async_common(p, msg, NULL, NULL, mq, cb, arg);
}

int
rj_producer_send_batch_async(rj_producer_t *p, const rj_message_t *const *msgs, size_t count,
                             rj_send_cb cb, void *arg)
{
    rj_buf_t body = RJ_BUF_INIT, ids = RJ_BUF_INIT;
    rj_prepared_msg_t pm;
    char wait_prop[16];
    int rc;

    rj_client_clear_error();
    if (p == NULL || msgs == NULL || count == 0 || cb == NULL) {
        return rj_client_fail(RJ_EINVAL, "empty batch or NULL callback");
    }
    for (size_t i = 0; i < count; i++) {
        rc = rj_producer_check_message(p, msgs[i]);
        if (rc != RJ_OK) {
            return rc;
        }
    }
    rc = rj_message_encode_batch(msgs, count, &body, &ids);
    if (rc == RJ_OK && body.len > p->max_message_size) {
        rc = rj_client_fail(RJ_EINVAL, "the message body size over max value, MAX: %zu",
                            p->max_message_size);
    }
    rj_publish_info_t *pi = NULL;
    if (rc == RJ_OK) {
        pi = find_publish(p, msgs[0]->topic, &rc);
    }
    if (rc == RJ_OK && pi != NULL) {
        const char *w = rj_message_prop_get(msgs[0], RJ_PROP_WAIT_STORE_MSG_OK);
        int n = w != NULL ? snprintf(wait_prop, sizeof(wait_prop), "WAIT\001%s", w) : 0;
        memset(&pm, 0, sizeof(pm));
        pm.topic = msgs[0]->topic;
        pm.props = rj_bytes(wait_prop, n > 0 && (size_t)n < sizeof(wait_prop) ? (size_t)n : 0);
        pm.body = rj_buf_view(&body);
        pm.batch = true;
        pm.max_reconsume_times = -1;
        pm.msg_id = (const char *)ids.data;
        rc = async_start(p, &pm, pi, NULL, -1, cb, arg);
    }
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&ids);
    return rc;
}

/* ------------------------------------------------------------ one-way sends */

int
rj_producer_send_oneway(rj_producer_t *p, const rj_message_t *msg)
{
    rj_encode_opts_t opts = {0};
    rj_prop_buf_t props;
    rj_encode_info_t info;
    rj_prepared_msg_t pm;
    uint8_t *compressed = NULL;
    rj_command_t req;
    rj_send_header_t h;
    int rc;

    rj_client_clear_error();
    rc = rj_producer_check_message(p, msg);
    if (rc != RJ_OK) {
        return rc;
    }
    rj_publish_info_t *pi = find_publish(p, msg->topic, &rc);
    if (pi == NULL) {
        return rc;
    }
    opts.retry_topic = strncmp(msg->topic, RJ_RETRY_GROUP_TOPIC_PREFIX, 7) == 0;
    rj_prop_buf_init(&props);
    rc = rj_producer_prepare(p, msg, &opts, &props, &info, &pm, &compressed);
    if (rc == RJ_OK) {
        int32_t ov;
        size_t q = rj_fault_strategy_select(&p->fault, pi, NULL, &ov);
        const rj_publish_broker_t *b = &pi->brokers[pi->queue_broker[q]];
        rj_send_block_t *block = NULL;
        if (b->master_addr == NULL) {
            rc = rj_client_fail(RJ_ENOROUTE, "The broker[%s] not exist", b->name);
        } else if ((block = rj_send_pool_get_permit(p->send_pool, pm.body.len, p->send_timeout_ms,
                                                    &rc)) == NULL) {
            if (rc == RJ_EBUSY) {
                rc = rj_client_fail(RJ_EBUSY,
                                    "%zu one-way sends not yet written "
                                    "(max_inflight_oneway)",
                                    rj_send_pool_permits_in_use(p->send_pool));
            }
        } else {
            /* The body is copied once into the block, which returns its permit when written. */
            if (pm.body.len > 0) {
                memcpy(rj_send_block_data(block), pm.body.data, pm.body.len);
            }
            rj_segment_t body = {rj_send_block_data(block), pm.body.len, rj_send_block_release_cb,
                                 block};
            fill_header(p, &pm, b->name, ov >= 0 ? ov : pi->queues[q].queue_id, &h);
            rc = rj_api_build_send(&req, &h, pm.body);
            if (rc == RJ_OK) {
                rc = rj_rpc_client_invoke_oneway_segments(rj_client_instance_rpc(p->inst),
                                                          b->master_addr, &req, &body, 1);
                if (rc != RJ_OK) {
                    rj_client_fail(rc, "one-way send to %s failed: %s", b->name, rj_strerror(rc));
                }
            } else {
                rj_send_block_release(block);
            }
        }
    }
    rj_publish_info_release(pi);
    rj_free(compressed);
    rj_prop_buf_cleanup(&props);
    return rc;
}

/* -------------------------------------------------------- broker requests */

static int
handle_request(rj_client_member_t *m, rj_request_t *req, const rj_command_t *cmd)
{
    rj_producer_t *p = m->owner;

    if (cmd->code == RJ_REQ_CHECK_TRANSACTION_STATE) {
        return rj_producer_handle_check(p, req, cmd);
    }
    return RJ_ENOTSUP;
}
