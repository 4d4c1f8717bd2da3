/*
 * Registration with the name servers. A registration builds the
 * RegisterBrokerBody once, sends it to every name server with
 * rj_rpc_client_invoke_async and waits on a condition variable until all
 * answered or the timeout passed, as Java's CountDownLatch does. The wait
 * context is reference counted: a late answer arriving after the waiter gave
 * up only drops its reference.
 */
#include "broker/registrar.h"

#include "broker/broker.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/crc.h"
#include "common/json.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"

#include <pthread.h>
#include <string.h>

#define MAX_NAMESRV 32
#define UNREGISTER_TIMEOUT_MS 3000

struct rj_registrar {
    rj_broker_t *broker;
    char *namesrv[MAX_NAMESRV];
    int nnamesrv;
};

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int refs;
    int pending;
    int acked;
    bool changed;         /* QUERY_DATA_VERSION: some name server needs a registration */
    json_t *order_topics; /* union of the ORDER_TOPIC_CONFIG tables returned */
    bool got_kv_table;
    rj_data_version_t local_version;
    /* Asynchronous registrations: called once the last answer is in (else NULL). */
    rj_registrar_t *registrar;
    bool check_order_config;
    rj_registrar_done_cb done;
    void *done_arg;
} wait_ctx_t;

static wait_ctx_t *
wait_ctx_create(int pending)
{
    wait_ctx_t *w = rj_calloc(1, sizeof(*w));
    if (w == NULL) {
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
    w->refs = 1 + pending;
    w->pending = pending;
    return w;
}

static void
wait_ctx_release(wait_ctx_t *w)
{
    pthread_mutex_lock(&w->lock);
    bool last = --w->refs == 0;
    pthread_mutex_unlock(&w->lock);
    if (last) {
        json_decref(w->order_topics);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        rj_free(w);
    }
}

/* Waits until every answer arrived or `timeout_ms` passed (lock not held). */
static void
wait_ctx_wait(wait_ctx_t *w, int64_t timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    while (w->pending > 0) {
        if (pthread_cond_timedwait(&w->cond, &w->lock, &deadline) != 0) {
            break;
        }
    }
    pthread_mutex_unlock(&w->lock);
}

/*
 * Marks one answer in; the caller already updated the result fields under the
 * lock. True for the last one (an asynchronous registration then completes).
 */
static bool
wait_ctx_done_locked(wait_ctx_t *w)
{
    w->pending--;
    pthread_cond_broadcast(&w->cond);
    return w->pending == 0;
}

int
rj_registrar_create(rj_broker_t *b, rj_registrar_t **out)
{
    rj_registrar_t *r = rj_calloc(1, sizeof(*r));
    if (r == NULL) {
        return RJ_ENOMEM;
    }
    r->broker = b;
    if (b->config.namesrv_addr != NULL) {
        r->nnamesrv =
            rj_broker_config_namesrv_list(b->config.namesrv_addr, r->namesrv, MAX_NAMESRV);
    }
    *out = r;
    return 0;
}

void
rj_registrar_destroy(rj_registrar_t *r)
{
    if (r == NULL) {
        return;
    }
    for (int i = 0; i < r->nnamesrv; i++) {
        rj_free(r->namesrv[i]);
    }
    rj_free(r);
}

int
rj_registrar_namesrv_count(const rj_registrar_t *r)
{
    return r->nnamesrv;
}

/* Header fields shared by REGISTER_BROKER, UNREGISTER_BROKER and QUERY_DATA_VERSION. */
static void
add_identity(rj_registrar_t *r, rj_command_t *req)
{
    rj_broker_t *b = r->broker;
    rj_command_add_ext_i64(req, "brokerId", b->config.broker_id);
    rj_command_add_ext_cstr(req, "clusterName", b->config.broker_cluster_name);
    rj_command_add_ext_cstr(req, "brokerAddr", b->broker_addr);
    rj_command_add_ext_cstr(req, "brokerName", b->config.broker_name);
}

/* RegisterBrokerBody JSON: every topic (or one) and the topic table's DataVersion. */
static int
encode_body(rj_registrar_t *r, const char *only_topic, rj_buf_t *out)
{
    rj_broker_t *b = r->broker;
    int32_t perm = RJ_BROKER_CONFIG_LIVE_GET(&b->config, broker_permission);
    /* A broker that is not read-write advertises its own permission for every topic. */
    int32_t override = (RJ_PERM_IS_WRITEABLE(perm) && RJ_PERM_IS_READABLE(perm)) ? -1 : perm;
    rj_json_writer_t w;
    rj_jw_init(&w, out, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "filterServerList");
    rj_jw_array_begin(&w);
    rj_jw_array_end(&w);
    rj_jw_key(&w, "topicConfigSerializeWrapper");
    rj_topic_manager_write_wrapper(b->topics, &w, only_topic, override);
    rj_jw_object_end(&w);
    return rj_jw_finish(&w);
}

static int
build_register_request(rj_registrar_t *r, const rj_buf_t *body, rj_command_t *req)
{
    rj_broker_t *b = r->broker;
    rj_command_init_request(req, RJ_REQ_REGISTER_BROKER);
    add_identity(r, req);
    rj_command_add_ext_cstr(req, "haServerAddr", b->ha_addr);
    rj_command_add_ext_bool(req, "compressed", false);
    rj_command_add_ext_i64(req, "bodyCrc32", rj_crc32_masked(body->data, body->len));
    req->body = rj_buf_view(body);
    return 0;
}

static int collect_result(wait_ctx_t *w);

static void
on_register_response(int status, const rj_command_t *resp, void *arg)
{
    wait_ctx_t *w = arg;
    pthread_mutex_lock(&w->lock);
    if (status != 0) {
        rj_log(RJ_LOG_WARN, status, "registerBroker failed");
    } else if (resp->code != RJ_RESP_SUCCESS) {
        rj_log(RJ_LOG_WARN, 0, "registerBroker answered code=%d remark=%.*s", resp->code,
               (int)resp->remark.len, (const char *)resp->remark.data);
    } else {
        w->acked++;
        if (resp->body.len > 0) {
            json_t *kv = rj_json_parse(resp->body.data, resp->body.len, NULL, 0);
            json_t *table = json_object_get(kv, "table");
            if (json_is_object(table)) {
                w->got_kv_table = true;
                if (w->order_topics == NULL) {
                    w->order_topics = json_object();
                }
                json_object_update(w->order_topics, table);
            }
            json_decref(kv);
        }
    }
    bool last = wait_ctx_done_locked(w);
    pthread_mutex_unlock(&w->lock);
    if (last && w->done != NULL) {
        w->done(collect_result(w), w->done_arg);
    }
    wait_ctx_release(w);
}

static void
on_query_version_response(int status, const rj_command_t *resp, void *arg)
{
    wait_ctx_t *w = arg;
    pthread_mutex_lock(&w->lock);
    if (status != 0) {
        /* Java counts a failed query as "changed": register to be safe. */
        w->changed = true;
        rj_log(RJ_LOG_WARN, status, "Query data version from name server failed");
    } else if (resp->code == RJ_RESP_SUCCESS) {
        bool changed = false;
        rj_command_ext_bool(resp, "changed", &changed);
        if (resp->body.len > 0) {
            json_t *v = rj_json_parse(resp->body.data, resp->body.len, NULL, 0);
            rj_data_version_t ns = {-1, -1};
            rj_data_version_read(&ns, v);
            json_decref(v);
            if (!rj_data_version_equal(&ns, &w->local_version)) {
                changed = true;
            }
        }
        w->changed = w->changed || changed;
    }
    wait_ctx_done_locked(w);
    pthread_mutex_unlock(&w->lock);
    wait_ctx_release(w);
}

/* needRegister: true when some name server does not have our DataVersion. */
static bool
need_register(rj_registrar_t *r, int64_t timeout_ms)
{
    rj_broker_t *b = r->broker;
    rj_buf_t body = RJ_BUF_INIT;
    rj_json_writer_t jw;
    wait_ctx_t *w = wait_ctx_create(r->nnamesrv);
    if (w == NULL) {
        return true;
    }
    rj_topic_manager_data_version(b->topics, &w->local_version);
    rj_jw_init(&jw, &body, 0);
    rj_data_version_write(&w->local_version, &jw);
    if (rj_jw_finish(&jw) != 0) {
        rj_buf_cleanup(&body);
        for (int i = 0; i < r->nnamesrv; i++) {
            wait_ctx_release(w);
        }
        wait_ctx_release(w);
        return true;
    }
    for (int i = 0; i < r->nnamesrv; i++) {
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_QUERY_DATA_VERSION);
        add_identity(r, &req);
        req.body = rj_buf_view(&body);
        int rc = rj_rpc_client_invoke_async(b->rpc, r->namesrv[i], &req, timeout_ms,
                                            on_query_version_response, w);
        if (rc != 0) {
            pthread_mutex_lock(&w->lock);
            w->changed = true;
            wait_ctx_done_locked(w);
            pthread_mutex_unlock(&w->lock);
            wait_ctx_release(w);
        }
    }
    rj_buf_cleanup(&body);
    wait_ctx_wait(w, timeout_ms);
    pthread_mutex_lock(&w->lock);
    bool changed = w->changed || w->pending > 0;
    pthread_mutex_unlock(&w->lock);
    wait_ctx_release(w);
    return changed;
}

/*
 * What the answers of a finished registration mean: ORDER_TOPIC_CONFIG tables
 * update the topics' order flags (check_order_config). Returns the number of
 * name servers that acknowledged.
 */
static int
collect_result(wait_ctx_t *w)
{
    rj_registrar_t *r = w->registrar;
    pthread_mutex_lock(&w->lock);
    int acked = w->acked;
    json_t *order = w->got_kv_table ? json_incref(w->order_topics) : NULL;
    pthread_mutex_unlock(&w->lock);
    if (w->check_order_config && order != NULL) {
        rj_topic_manager_update_order_topics(r->broker->topics, order);
    }
    json_decref(order);
    rj_log(acked == r->nnamesrv ? RJ_LOG_DEBUG : RJ_LOG_WARN, 0,
           "register broker[%lld] to %d of %d name servers", (long long)r->broker->config.broker_id,
           acked, r->nnamesrv);
    return acked;
}

/*
 * Sends REGISTER_BROKER with `only_topic` (NULL: all) to every name server;
 * each answer (or failure) counts down `w`. The creator's reference on `w`
 * stays with the caller. Returns 0, or an encoding error before anything was
 * sent (then `w` holds no answer references any more).
 */
static int
send_registration(rj_registrar_t *r, wait_ctx_t *w, const char *only_topic)
{
    rj_broker_t *b = r->broker;
    int64_t timeout_ms = b->config.register_broker_timeout_mills;
    rj_buf_t body = RJ_BUF_INIT;
    int rc = encode_body(r, only_topic, &body);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "encode RegisterBrokerBody");
        rj_buf_cleanup(&body);
        for (int i = 0; i < r->nnamesrv; i++) {
            wait_ctx_release(w);
        }
        return rc;
    }
    for (int i = 0; i < r->nnamesrv; i++) {
        rj_command_t req;
        build_register_request(r, &body, &req);
        rc = rj_rpc_client_invoke_async(b->rpc, r->namesrv[i], &req, timeout_ms,
                                        on_register_response, w);
        if (rc != 0) {
            rj_log(RJ_LOG_WARN, rc, "registerBroker to %s", r->namesrv[i]);
            pthread_mutex_lock(&w->lock);
            bool last = wait_ctx_done_locked(w);
            pthread_mutex_unlock(&w->lock);
            if (last && w->done != NULL) {
                w->done(collect_result(w), w->done_arg);
            }
            wait_ctx_release(w);
        }
    }
    rj_buf_cleanup(&body);
    return 0;
}

int
rj_registrar_register(rj_registrar_t *r, bool check_order_config, bool force,
                      const char *only_topic)
{
    rj_broker_t *b = r->broker;
    int64_t timeout_ms = b->config.register_broker_timeout_mills;
    if (r->nnamesrv == 0) {
        return 0;
    }
    if (!force && !need_register(r, timeout_ms)) {
        return r->nnamesrv;
    }
    wait_ctx_t *w = wait_ctx_create(r->nnamesrv);
    if (w == NULL) {
        return 0;
    }
    w->registrar = r;
    w->check_order_config = check_order_config;
    int acked = 0;
    if (send_registration(r, w, only_topic) == 0) {
        wait_ctx_wait(w, timeout_ms);
        acked = collect_result(w);
    }
    wait_ctx_release(w);
    return acked;
}

void
rj_registrar_register_async(rj_registrar_t *r, bool check_order_config, const char *only_topic,
                            rj_registrar_done_cb cb, void *arg)
{
    wait_ctx_t *w = r->nnamesrv > 0 ? wait_ctx_create(r->nnamesrv) : NULL;
    if (w == NULL) {
        if (r->nnamesrv > 0) {
            rj_log(RJ_LOG_ERROR, RJ_ENOMEM, "registerBroker not sent");
        }
        cb(0, arg);
        return;
    }
    w->registrar = r;
    w->check_order_config = check_order_config;
    w->done = cb;
    w->done_arg = arg;
    if (send_registration(r, w, only_topic) != 0) {
        cb(0, arg);
    }
    wait_ctx_release(w);
}

void
rj_registrar_register_oneway(rj_registrar_t *r)
{
    rj_broker_t *b = r->broker;
    if (r->nnamesrv == 0) {
        return;
    }
    rj_buf_t body = RJ_BUF_INIT;
    int rc = encode_body(r, NULL, &body);
    for (int i = 0; rc == 0 && i < r->nnamesrv; i++) {
        rj_command_t req;
        build_register_request(r, &body, &req);
        int src = rj_rpc_client_invoke_oneway(b->rpc, r->namesrv[i], &req);
        if (src != 0) {
            rj_log(RJ_LOG_WARN, src, "registerBroker one-way to %s", r->namesrv[i]);
        }
    }
    rj_buf_cleanup(&body);
}

void
rj_registrar_unregister(rj_registrar_t *r)
{
    rj_broker_t *b = r->broker;
    for (int i = 0; i < r->nnamesrv; i++) {
        rj_command_t req;
        rj_command_t *resp = NULL;
        rj_command_init_request(&req, RJ_REQ_UNREGISTER_BROKER);
        add_identity(r, &req);
        int rc =
            rj_rpc_client_invoke_sync(b->rpc, r->namesrv[i], &req, UNREGISTER_TIMEOUT_MS, &resp);
        if (rc == 0 && resp->code == RJ_RESP_SUCCESS) {
            rj_log(RJ_LOG_INFO, 0, "unregisterBroker OK, NamesrvAddr: %s", r->namesrv[i]);
        } else {
            rj_log(RJ_LOG_WARN, rc, "unregisterBroker Exception, %s code=%d", r->namesrv[i],
                   resp ? resp->code : -1);
        }
        rj_command_destroy(resp);
    }
}
