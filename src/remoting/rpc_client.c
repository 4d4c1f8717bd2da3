/*
 * Remoting RPC client: connections by "host:port", opened on demand on the
 * loop the address hashes to and reused; invocations encoded on the caller's
 * thread and handed to that loop; incoming requests from peers dispatched like
 * the server's (connection.c, request.c).
 *
 * Each loop keeps its own address → connection map, touched only on that
 * loop's thread, so no lock is shared between loops. A connection leaves the
 * map when it closes; the next invocation for the address opens a new one.
 */
#include "remoting/rpc_client.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/hashmap.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/connection_internal.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
    CLIENT_CREATED = 0,
    CLIENT_STARTED = 1,
    CLIENT_STOPPED = 2,
} client_state_t;

typedef struct {
    rj_io_loop_t *loop;
    rj_hashmap_t *conns; /* addr → rj_connection_t *, loop thread only */
} client_loop_t;

struct rj_rpc_client {
    rj_endpoint_t ep;
    char *name;
    int loop_count;
    int connect_timeout_ms;
    int request_serialize_type; /* < 0: as built */
    client_loop_t *loops;
    atomic_int state; /* client_state_t */
    uv_mutex_t stop_mu;
};

void
rj_rpc_client_options_init(rj_rpc_client_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->name = "rpc";
    o->request_serialize_type = -1;
}

static void closed_hook(rj_connection_t *conn);

int
rj_rpc_client_create(const rj_rpc_client_options_t *o, rj_rpc_client_t **out)
{
    if (o == NULL || o->io_threads < 0 || o->io_threads > 64 || o->connect_timeout_ms < 0 ||
        o->request_serialize_type > RJ_SERIALIZE_ROCKETMQ) {
        return RJ_EINVAL;
    }
    rj_rpc_client_t *c = rj_calloc(1, sizeof(*c));
    if (c == NULL) {
        return RJ_ENOMEM;
    }
    c->name = rj_strdup(o->name != NULL ? o->name : "rpc");
    if (c->name == NULL || rj_dispatch_init(&c->ep.dispatch) != 0 ||
        uv_mutex_init(&c->stop_mu) != 0) {
        rj_dispatch_cleanup(&c->ep.dispatch);
        rj_free(c->name);
        rj_free(c);
        return RJ_ENOMEM;
    }
    c->loop_count = o->io_threads > 0 ? o->io_threads : 1;
    c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 3000;
    c->request_serialize_type = o->request_serialize_type;
    c->ep.name = c->name;
    c->ep.max_frame_bytes = o->max_frame_bytes > 0 ? o->max_frame_bytes : RJ_FRAME_MAX_DEFAULT;
    c->ep.high_watermark = 64u << 20; /* a client's output is its own requests: no pausing */
    c->ep.low_watermark = 32u << 20;
    c->ep.max_pending_requests = 4096;
    c->ep.idle_timeout_ms = o->idle_timeout_s == 0  ? 120000
                            : o->idle_timeout_s < 0 ? 0
                                                    : (int64_t)o->idle_timeout_s * 1000;
    c->ep.on_open = o->on_connect;
    c->ep.on_close = o->on_close;
    c->ep.cb_arg = o->cb_arg;
    c->ep.closed_hook = closed_hook;
    c->ep.is_client = true;
    atomic_init(&c->ep.next_opaque, 0);
    rj_endpoint_init_pools(&c->ep);
    atomic_init(&c->state, CLIENT_CREATED);
    *out = c;
    return 0;
}

int
rj_rpc_client_register(rj_rpc_client_t *cli, int32_t code, rj_dispatch_mode_t mode,
                       rj_request_handler_cb cb, void *arg)
{
    if (atomic_load(&cli->state) != CLIENT_CREATED) {
        return RJ_ESTATE;
    }
    return rj_dispatch_register(&cli->ep.dispatch, code, mode, cb, arg);
}

/* ------------------------------------------------------------ connections */

static void
closed_hook(rj_connection_t *conn)
{
    rj_rpc_client_t *cli = conn->loop->owner;
    client_loop_t *cl = &cli->loops[conn->loop->index];
    if (cl->conns != NULL && rj_hashmap_get_cstr(cl->conns, conn->remote_addr) == conn) {
        rj_hashmap_remove_cstr(cl->conns, conn->remote_addr);
    }
}

static void
on_connected(uv_connect_t *req, int status)
{
    rj_connection_t *c = rj_container_of(req, rj_connection_t, connect_req);
    if (status == UV_ECANCELED || atomic_load(&c->state) != RJ_CONN_CONNECTING) {
        return;
    }
    if (status < 0) {
        rj_log(RJ_LOG_INFO, status, "remoting: connect to %s failed", c->remote_addr);
        rj_connection_close_now(c, status);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    int len = (int)sizeof(c->peer);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer, &len) != 0) {
        c->peer.ss_family = AF_UNSPEC;
    }
    c->connect_deadline_ms = 0;
    c->connected_once = true;
    rj_log(RJ_LOG_DEBUG, 0, "remoting: connected to %s", c->remote_addr);
    if (c->ep->on_open != NULL) {
        c->ep->on_open(c, c->ep->cb_arg);
    }
    if (atomic_load(&c->state) == RJ_CONN_CONNECTING) {
        rj_connection_start(c);
    }
}

static void
start_connect(rj_connection_t *c, const struct sockaddr *sa)
{
    int rc = uv_tcp_connect(&c->connect_req, &c->tcp, sa, on_connected);
    if (rc != 0) {
        rj_log(RJ_LOG_INFO, rc, "remoting: connect to %s failed", c->remote_addr);
        rj_connection_close_now(c, rc);
    }
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    rj_connection_t *c = rj_container_of(req, rj_connection_t, resolve_req);
    if (atomic_load(&c->state) == RJ_CONN_CONNECTING) {
        if (status < 0 || res == NULL) {
            rj_log(RJ_LOG_INFO, status, "remoting: cannot resolve %s", c->remote_addr);
            rj_connection_close_now(c, RJ_ENOTFOUND);
        } else {
            start_connect(c, res->ai_addr);
        }
    }
    uv_freeaddrinfo(res);
    rj_connection_release(c);
}

/* Splits "host:port" / "[v6]:port" into host and port. Returns false if malformed. */
static bool
split_addr(const char *addr, char *host, size_t host_size, int *port)
{
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon == addr || colon[1] == 0) {
        return false;
    }
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end != 0 || p <= 0 || p > 65535) {
        return false;
    }
    const char *h = addr;
    size_t n = (size_t)(colon - addr);
    if (h[0] == '[' && n >= 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n == 0 || n >= host_size) {
        return false;
    }
    memcpy(host, h, n);
    host[n] = 0;
    *port = (int)p;
    return true;
}

int
rj_connection_connect(rj_connection_t *c, int64_t timeout_ms)
{
    char host[RJ_CONN_ADDR_MAX];
    int port;
    struct sockaddr_storage ss;
    if (!split_addr(c->remote_addr, host, sizeof(host), &port)) {
        return RJ_EINVAL;
    }
    c->connect_deadline_ms = (int64_t)uv_now(&c->loop->uv) + timeout_ms;
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) == 0 ||
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss) == 0) {
        start_connect(c, (const struct sockaddr *)&ss);
        return 0;
    }
    struct addrinfo hints;
    char port_text[8];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port_text, sizeof(port_text), "%d", port);
    rj_connection_retain(c);
    int rc = uv_getaddrinfo(&c->loop->uv, &c->resolve_req, on_resolved, host, port_text, &hints);
    if (rc != 0) {
        rj_connection_release(c);
        return rc;
    }
    return 0;
}

/* The connection for `addr` on this loop, opened if there is none. Loop thread. */
static rj_connection_t *
connection_for(rj_rpc_client_t *cli, rj_io_loop_t *loop, const char *addr, int *rc)
{
    client_loop_t *cl = &cli->loops[loop->index];
    rj_connection_t *c = rj_hashmap_get_cstr(cl->conns, addr);
    if (c != NULL) {
        return c;
    }
    c = rj_connection_create(loop, &cli->ep);
    if (c == NULL) {
        *rc = RJ_ENOMEM;
        return NULL;
    }
    snprintf(c->remote_addr, sizeof(c->remote_addr), "%s", addr);
    if ((*rc = rj_hashmap_put_cstr(cl->conns, addr, c, NULL)) != 0) {
        rj_connection_close_now(c, *rc);
        return NULL;
    }
    if ((*rc = rj_connection_connect(c, cli->connect_timeout_ms)) != 0) {
        rj_connection_close_now(c, *rc);
        return NULL;
    }
    /* A synchronous connect failure closes it at once. */
    if (!rj_connection_is_open(c)) {
        *rc = c->close_status;
        return NULL;
    }
    return c;
}

/* ------------------------------------------------------------ invocations */

static void
client_invoke_run(rj_io_loop_t *loop, rj_loop_msg_t *base)
{
    rj_invoke_msg_t *m = (rj_invoke_msg_t *)base;
    rj_rpc_client_t *cli = loop->owner;
    int rc = RJ_ECLOSED;
    rj_connection_t *c = connection_for(cli, loop, m->addr, &rc);
    if (c == NULL) {
        rj_invoke_fail(m, rc);
        return;
    }
    rj_invoke_submit(c, m);
}

static void
client_invoke_drop(rj_loop_msg_t *base)
{
    rj_invoke_msg_free((rj_invoke_msg_t *)base);
}

static rj_io_loop_t *
loop_for(rj_rpc_client_t *cli, const char *addr)
{
    uint64_t h = rj_hash_bytes(addr, strlen(addr));
    return cli->loops[h % (uint64_t)cli->loop_count].loop;
}

static int
client_invoke(rj_rpc_client_t *cli, const char *addr, rj_command_t *request, bool oneway,
              int64_t timeout_ms, rj_response_cb cb, void *arg, const rj_segment_t *segs,
              size_t nsegs)
{
    char host[RJ_CONN_ADDR_MAX];
    int port, rc;
    if (atomic_load(&cli->state) != CLIENT_STARTED) {
        rj_segments_release(segs, nsegs);
        return RJ_ESTATE;
    }
    if (addr == NULL || strlen(addr) >= RJ_CONN_ADDR_MAX ||
        !split_addr(addr, host, sizeof(host), &port)) {
        rj_segments_release(segs, nsegs);
        return RJ_EINVAL;
    }
    if (cli->request_serialize_type >= 0) {
        request->serialize_type = (uint8_t)cli->request_serialize_type;
    }
    rj_invoke_msg_t *m = rj_invoke_msg_create(&cli->ep, request, oneway, timeout_ms, cb, arg, segs,
                                              nsegs, addr, &rc);
    if (m == NULL) {
        return rc;
    }
    m->base.run = client_invoke_run;
    m->base.drop = client_invoke_drop;
    if (!rj_io_loop_post(loop_for(cli, addr), &m->base)) {
        return RJ_ESTATE;
    }
    return 0;
}

int
rj_rpc_client_invoke_async(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                           int64_t timeout_ms, rj_response_cb cb, void *arg)
{
    if (cb == NULL) {
        return RJ_EINVAL;
    }
    return client_invoke(cli, addr, request, false, timeout_ms, cb, arg, NULL, 0);
}

int
rj_rpc_client_invoke_async_segments(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                                    const rj_segment_t *segs, size_t nsegs, int64_t timeout_ms,
                                    rj_response_cb cb, void *arg)
{
    if (cb == NULL || (segs == NULL && nsegs > 0)) {
        rj_segments_release(segs, nsegs);
        return RJ_EINVAL;
    }
    return client_invoke(cli, addr, request, false, timeout_ms, cb, arg, segs, nsegs);
}

int
rj_rpc_client_invoke_oneway(rj_rpc_client_t *cli, const char *addr, rj_command_t *request)
{
    return client_invoke(cli, addr, request, true, 0, NULL, NULL, NULL, 0);
}

int
rj_rpc_client_invoke_oneway_segments(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                                     const rj_segment_t *segs, size_t nsegs)
{
    if (segs == NULL && nsegs > 0) {
        return RJ_EINVAL;
    }
    return client_invoke(cli, addr, request, true, 0, NULL, NULL, segs, nsegs);
}

/*
 * A blocked caller. It sleeps on a semaphore, not a mutex and condition
 * variable: the loop thread posts once and the caller wakes once, instead of
 * waking to find the mutex still held by the signalling thread and sleeping
 * again (a second context switch per call).
 */
typedef struct {
    uv_sem_t done;
    rj_response_cb cb; /* the caller's handler, run on the loop thread */
    void *arg;
} sync_wait_t;

static void
sync_done(int status, const rj_command_t *resp, void *arg)
{
    sync_wait_t *w = arg;
    w->cb(status, resp, w->arg);
    uv_sem_post(&w->done);
}

int
rj_rpc_client_invoke_sync_cb(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                             int64_t timeout_ms, rj_response_cb cb, void *arg)
{
    sync_wait_t w = {.cb = cb, .arg = arg};
    if (cb == NULL) {
        return RJ_EINVAL;
    }
    if (rj_io_loop_current() != NULL) {
        /* Blocking an I/O thread (this client's: deadlock; another's: stalls its peers). */
        return RJ_ESTATE;
    }
    if (uv_sem_init(&w.done, 0) != 0) {
        return RJ_ENOMEM;
    }
    int rc = client_invoke(cli, addr, request, false, timeout_ms, sync_done, &w, NULL, 0);
    if (rc == 0) {
        /* The loop always completes the call: response, timeout, close or shutdown. */
        uv_sem_wait(&w.done);
    }
    uv_sem_destroy(&w.done);
    return rc;
}

typedef struct {
    int status;
    rj_command_t *response;
} sync_copy_t;

static void
copy_response(int status, const rj_command_t *resp, void *arg)
{
    sync_copy_t *c = arg;
    c->response = NULL;
    if (status == 0 && (c->response = rj_command_dup(resp)) == NULL) {
        status = RJ_ENOMEM;
    }
    c->status = status;
}

int
rj_rpc_client_invoke_sync(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                          int64_t timeout_ms, rj_command_t **response)
{
    sync_copy_t c = {.status = 0, .response = NULL};
    int rc = rj_rpc_client_invoke_sync_cb(cli, addr, request, timeout_ms, copy_response, &c);
    if (rc == 0) {
        rc = c.status;
    }
    *response = c.response;
    return rc;
}

/* ------------------------------------------------------------ lifecycle */

typedef struct {
    rj_loop_msg_t base;
    char addr[RJ_CONN_ADDR_MAX];
} close_addr_msg_t;

static void
close_addr_run(rj_io_loop_t *loop, rj_loop_msg_t *base)
{
    close_addr_msg_t *m = (close_addr_msg_t *)base;
    rj_rpc_client_t *cli = loop->owner;
    rj_connection_t *c = rj_hashmap_get_cstr(cli->loops[loop->index].conns, m->addr);
    if (c != NULL) {
        rj_connection_close_now(c, RJ_ECLOSED);
    }
    rj_free(m);
}

static void
close_addr_drop(rj_loop_msg_t *base)
{
    rj_free(base);
}

void
rj_rpc_client_close_addr(rj_rpc_client_t *cli, const char *addr)
{
    if (atomic_load(&cli->state) != CLIENT_STARTED || addr == NULL ||
        strlen(addr) >= RJ_CONN_ADDR_MAX) {
        return;
    }
    close_addr_msg_t *m = rj_malloc(sizeof(*m));
    if (m == NULL) {
        return;
    }
    m->base.run = close_addr_run;
    m->base.drop = close_addr_drop;
    snprintf(m->addr, sizeof(m->addr), "%s", addr);
    rj_io_loop_post(loop_for(cli, addr), &m->base);
}

int
rj_rpc_client_start(rj_rpc_client_t *cli)
{
    int rc = 0;
    if (atomic_load(&cli->state) != CLIENT_CREATED) {
        return RJ_ESTATE;
    }
    cli->loops = rj_calloc((size_t)cli->loop_count, sizeof(*cli->loops));
    if (cli->loops == NULL) {
        return RJ_ENOMEM;
    }
    for (int i = 0; i < cli->loop_count && rc == 0; i++) {
        char name[48];
        snprintf(name, sizeof(name), "%.16s-io-%d", cli->name, i);
        cli->loops[i].conns = rj_hashmap_create(16);
        if (cli->loops[i].conns == NULL) {
            rc = RJ_ENOMEM;
            break;
        }
        rc = rj_io_loop_create(name, cli, i, NULL, &cli->loops[i].loop);
    }
    for (int i = 0; i < cli->loop_count && rc == 0; i++) {
        rc = rj_io_loop_start(cli->loops[i].loop);
    }
    atomic_store(&cli->state, CLIENT_STARTED);
    if (rc != 0) {
        rj_rpc_client_stop(cli);
    }
    return rc;
}

static void
final_close(rj_io_loop_t *loop)
{
    rj_connection_close_all(loop, RJ_ESHUTDOWN);
}

void
rj_rpc_client_stop(rj_rpc_client_t *cli)
{
    uv_mutex_lock(&cli->stop_mu);
    if (atomic_load(&cli->state) != CLIENT_STARTED) {
        atomic_store(&cli->state, CLIENT_STOPPED);
        uv_mutex_unlock(&cli->stop_mu);
        return;
    }
    atomic_store(&cli->state, CLIENT_STOPPED);
    for (int i = 0; i < cli->loop_count; i++) {
        if (cli->loops[i].loop != NULL) {
            rj_io_loop_shutdown(cli->loops[i].loop, final_close);
        }
    }
    for (int i = 0; i < cli->loop_count; i++) {
        rj_io_loop_release(cli->loops[i].loop);
        cli->loops[i].loop = NULL;
        rj_hashmap_destroy(cli->loops[i].conns, NULL);
        cli->loops[i].conns = NULL;
    }
    uv_mutex_unlock(&cli->stop_mu);
}

void
rj_rpc_client_destroy(rj_rpc_client_t *cli)
{
    if (cli == NULL) {
        return;
    }
    rj_rpc_client_stop(cli);
    rj_free(cli->loops);
    rj_endpoint_cleanup_pools(&cli->ep);
    rj_dispatch_cleanup(&cli->ep.dispatch);
    uv_mutex_destroy(&cli->stop_mu);
    rj_free(cli->name);
    rj_free(cli);
}
