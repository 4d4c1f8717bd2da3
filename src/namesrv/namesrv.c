/*
 * The name server object (see namesrv.h): wires the route table, the KV
 * config and the remoting server together, tracks the connections brokers
 * registered on, and runs the liveness scan.
 *
 * Broker connections: REGISTER_BROKER marks its connection (user data) and
 * keeps a reference to it in `broker_conns`. When a marked connection closes,
 * the brokers registered on it leave the route table at once; when the scan
 * finds a broker silent for too long, it removes it and closes its connection
 * (as Java's scanNotActiveBroker does), which in turn releases the reference.
 */
#include "namesrv/namesrv.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "namesrv/namesrv_internal.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

char rj_namesrv_broker_conn_mark;

static void
on_conn_close(rj_connection_t *conn, void *arg)
{
    rj_namesrv_t *ns = arg;
    if (rj_connection_user_data(conn) != &rj_namesrv_broker_conn_mark) {
        return;
    }
    uint64_t id = rj_connection_id(conn);
    rj_route_table_on_conn_closed(ns->routes, id);
    pthread_mutex_lock(&ns->conns_lock);
    rj_connection_t *kept = rj_hashmap_remove(ns->broker_conns, &id, sizeof(id));
    pthread_mutex_unlock(&ns->conns_lock);
    rj_connection_release(kept);
}

void
rj_namesrv_track_broker_conn(rj_namesrv_t *ns, rj_connection_t *conn)
{
    if (rj_connection_user_data(conn) == &rj_namesrv_broker_conn_mark) {
        return;
    }
    uint64_t id = rj_connection_id(conn);
    pthread_mutex_lock(&ns->conns_lock);
    int rc = rj_hashmap_put(ns->broker_conns, &id, sizeof(id), conn, NULL);
    pthread_mutex_unlock(&ns->conns_lock);
    if (rc == 0) {
        rj_connection_retain(conn);
    } else {
        /* Still removed at once on close; only the expiry scan cannot close it. */
        rj_log(RJ_LOG_WARN, rc, "namesrv: cannot track broker connection %s",
               rj_connection_remote_addr(conn));
    }
    rj_connection_set_user_data(conn, &rj_namesrv_broker_conn_mark);
}

int
rj_namesrv_create(rj_namesrv_config_t *config, rj_namesrv_t **out)
{
    *out = NULL;
    rj_namesrv_t *ns = rj_calloc(1, sizeof(*ns));
    if (ns == NULL) {
        return RJ_ENOMEM;
    }
    ns->config = *config;
    memset(config, 0, sizeof(*config));
    pthread_mutex_init(&ns->config_lock, NULL);
    pthread_mutex_init(&ns->conns_lock, NULL);
    atomic_store(&ns->order_message_enable, ns->config.order_message_enable);
    atomic_store(&ns->scan_interval_ms, ns->config.scan_not_active_broker_interval_ms);
    ns->routes = rj_route_table_create(ns->config.broker_channel_expired_time_ms);
    ns->kv = rj_kv_config_create(ns->config.kv_config_path);
    ns->broker_conns = rj_hashmap_create(16);
    if (ns->routes == NULL || ns->kv == NULL || ns->broker_conns == NULL) {
        rj_namesrv_destroy(ns);
        return RJ_ENOMEM;
    }
    *out = ns;
    return 0;
}

int
rj_namesrv_start(rj_namesrv_t *ns)
{
    int rc = rj_kv_config_load(ns->kv);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "namesrv: cannot load KV config %s", rj_kv_config_path(ns->kv));
        return rc;
    }

    rj_server_options_t opts;
    rj_server_options_init(&opts);
    opts.name = "namesrv";
    opts.bind_host = ns->config.bind_address;
    opts.port = ns->config.listen_port;
    opts.io_threads = ns->config.server_selector_threads;
    /* Java: 0 disables the idle check. */
    opts.idle_timeout_s = ns->config.server_channel_max_idle_time_seconds > 0
                              ? ns->config.server_channel_max_idle_time_seconds
                              : -1;
    opts.on_close = on_conn_close;
    opts.cb_arg = ns;
    rc = rj_server_create(&opts, &ns->server);
    if (rc == 0) {
        rc = rj_processor_broker_register(ns);
    }
    if (rc == 0) {
        rc = rj_processor_route_register(ns);
    }
    if (rc == 0) {
        rc = rj_processor_kv_register(ns);
    }
    if (rc == 0) {
        rc = rj_processor_config_register(ns);
    }
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "namesrv: cannot set up the remoting server");
        return rc;
    }
    rc = rj_server_start(ns->server);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "namesrv: cannot listen on %s:%d", ns->config.bind_address,
               ns->config.listen_port);
        return rc;
    }
    return 0;
}

int
rj_namesrv_port(const rj_namesrv_t *ns)
{
    return ns->server != NULL ? rj_server_port(ns->server) : 0;
}

int64_t
rj_namesrv_scan_interval_ms(const rj_namesrv_t *ns)
{
    return atomic_load(&ns->scan_interval_ms);
}

void
rj_namesrv_scan(rj_namesrv_t *ns)
{
    rj_expired_broker_t *gone = NULL;
    size_t n = 0;
    rj_route_table_scan_expired(ns->routes, rj_clock_mono_ms(), &gone, &n);
    for (size_t i = 0; i < n; i++) {
        uint64_t id = gone[i].conn_id;
        pthread_mutex_lock(&ns->conns_lock);
        rj_connection_t *conn = rj_hashmap_get(ns->broker_conns, &id, sizeof(id));
        if (conn != NULL) {
            /* Asynchronous: the close callback releases our reference. */
            rj_connection_close(conn);
        }
        pthread_mutex_unlock(&ns->conns_lock);
    }
    rj_expired_brokers_free(gone, n);
}

void
rj_namesrv_stop(rj_namesrv_t *ns)
{
    if (ns->server != NULL) {
        rj_server_stop(ns->server);
    }
}

static void
release_conn(void *v)
{
    rj_connection_release(v);
}

void
rj_namesrv_destroy(rj_namesrv_t *ns)
{
    if (ns == NULL) {
        return;
    }
    rj_server_destroy(ns->server);
    rj_hashmap_destroy(ns->broker_conns, release_conn);
    rj_route_table_destroy(ns->routes);
    rj_kv_config_destroy(ns->kv);
    rj_namesrv_config_cleanup(&ns->config);
    pthread_mutex_destroy(&ns->config_lock);
    pthread_mutex_destroy(&ns->conns_lock);
    rj_free(ns);
}

/* ---------------------------------------------------------------- handler helpers */

const char *
rj_namesrv_ext_cstr(const rj_command_t *cmd, const char *key, char *buf, size_t size,
                    bool *too_long)
{
    rj_bytes_t v;
    if (too_long != NULL) {
        *too_long = false;
    }
    if (!rj_command_ext_get(cmd, key, &v)) {
        return NULL;
    }
    if (!rj_bytes_copy_cstr(v, buf, size)) {
        if (too_long != NULL) {
            *too_long = true;
        }
        return NULL;
    }
    return buf;
}

int
rj_namesrv_reply(rj_request_t *req, const rj_command_t *cmd, int32_t code, const char *remark,
                 const rj_buf_t *body, bool mark_ext)
{
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, code);
    if (remark != NULL) {
        rj_command_set_remark_cstr(&resp, remark);
    }
    if (body != NULL && body->len > 0) {
        resp.body = rj_buf_view(body);
    }
    if (mark_ext) {
        rj_command_mark_ext_fields(&resp);
    }
    return rj_request_reply(req, &resp);
}

int
rj_namesrv_reply_bad_field(rj_request_t *req, const rj_command_t *cmd, const char *key,
                           bool too_long)
{
    char remark[160];
    snprintf(remark, sizeof(remark), "the custom field <%s> is %s", key,
             too_long ? "too long" : "null");
    return rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, NULL, false);
}
