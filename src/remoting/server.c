/*
 * Remoting server: N I/O loops, each with its own listening socket bound with
 * SO_REUSEPORT to the same address, so the kernel spreads connections and no
 * lock is shared on the accept or read path. libuv 1.44 has no
 * UV_TCP_REUSEPORT, so the sockets are made and bound here and handed to
 * libuv with uv_tcp_open().
 *
 * Stop: listeners close first; then, bounded by shutdown_timeout_ms, the
 * stopping thread waits until no handler or worker job runs, no deferred
 * request is outstanding and every queued reply has been written; then every
 * connection is closed and the loop threads are joined.
 */
#include "remoting/server.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/clock.h"
#include "common/log.h"
#include "ramjet/status.h"
#include "remoting/connection_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1024
#define MAX_IO_THREADS_DEFAULT 4

typedef struct {
    uv_tcp_t tcp;
    rj_server_t *srv;
    bool listening;
} listener_t;

struct rj_server {
    rj_endpoint_t ep;
    char *name;
    char *bind_host;
    int port_opt;
    int io_threads;
    int shutdown_timeout_ms;
    atomic_int port;
    rj_io_loop_t **loops;
    listener_t *listeners;
    int loop_count;
    bool started;
    bool stopped;
};

void
rj_server_options_init(rj_server_options_t *o)
{
    memset(o, 0, sizeof(*o));
    o->name = "remoting";
    o->bind_host = "0.0.0.0";
}

static int
default_io_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) {
        n = 1;
    }
    return n > MAX_IO_THREADS_DEFAULT ? MAX_IO_THREADS_DEFAULT : (int)n;
}

int
rj_server_create(const rj_server_options_t *o, rj_server_t **out)
{
    if (o == NULL || o->port < 0 || o->port > 65535 || o->io_threads < 0 || o->io_threads > 256) {
        return RJ_EINVAL;
    }
    rj_server_t *s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    s->name = rj_strdup(o->name != NULL ? o->name : "remoting");
    s->bind_host = rj_strdup(o->bind_host != NULL ? o->bind_host : "0.0.0.0");
    if (s->name == NULL || s->bind_host == NULL || rj_dispatch_init(&s->ep.dispatch) != 0) {
        rj_free(s->name);
        rj_free(s->bind_host);
        rj_dispatch_cleanup(&s->ep.dispatch);
        rj_free(s);
        return RJ_ENOMEM;
    }
    s->port_opt = o->port;
    s->io_threads = o->io_threads > 0 ? o->io_threads : default_io_threads();
    s->shutdown_timeout_ms = o->shutdown_timeout_ms > 0 ? o->shutdown_timeout_ms : 3000;
    s->ep.name = s->name;
    s->ep.max_frame_bytes = o->max_frame_bytes > 0 ? o->max_frame_bytes : RJ_FRAME_MAX_DEFAULT;
    s->ep.high_watermark = o->write_high_watermark > 0 ? o->write_high_watermark : 4u << 20;
    s->ep.low_watermark = o->write_low_watermark > 0 ? o->write_low_watermark : 1u << 20;
    if (s->ep.low_watermark > s->ep.high_watermark) {
        s->ep.low_watermark = s->ep.high_watermark;
    }
    s->ep.max_pending_requests = o->max_pending_requests > 0 ? o->max_pending_requests : 4096;
    s->ep.idle_timeout_ms = o->idle_timeout_s == 0  ? 120000
                            : o->idle_timeout_s < 0 ? 0
                                                    : (int64_t)o->idle_timeout_s * 1000;
    s->ep.on_open = o->on_accept;
    s->ep.on_close = o->on_close;
    s->ep.cb_arg = o->cb_arg;
    s->ep.is_client = false;
    atomic_init(&s->ep.next_opaque, 0);
    rj_endpoint_init_pools(&s->ep);
    atomic_init(&s->port, 0);
    *out = s;
    return 0;
}

int
rj_server_register(rj_server_t *srv, int32_t code, rj_dispatch_mode_t mode,
                   rj_request_handler_cb cb, void *arg)
{
    if (srv->started) {
        return RJ_ESTATE;
    }
    return rj_dispatch_register(&srv->ep.dispatch, code, mode, cb, arg);
}

int
rj_server_port(const rj_server_t *srv)
{
    return atomic_load(&srv->port);
}

int
rj_server_io_threads(const rj_server_t *srv)
{
    return srv->loop_count;
}

size_t
rj_server_connection_count(const rj_server_t *srv)
{
    size_t n = 0;
    for (int i = 0; i < srv->loop_count; i++) {
        n += atomic_load(&srv->loops[i]->conn_count);
    }
    return n;
}

/* ------------------------------------------------------------ accepting */

/* "ip:port" of a socket address. */
static void
format_addr(const struct sockaddr_storage *ss, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
        port = ntohs(in->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
        port = ntohs(in6->sin6_port);
    }
    snprintf(buf, size, "%s:%d", ip, port);
}

static void
on_connection(uv_stream_t *server, int status)
{
    listener_t *l = rj_container_of(server, listener_t, tcp);
    rj_server_t *srv = l->srv;
    rj_io_loop_t *loop = rj_container_of(server->loop, rj_io_loop_t, uv);
    if (status < 0) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, status, "remoting: %s accept failed", srv->name);
        return;
    }
    rj_connection_t *c = rj_connection_create(loop, &srv->ep);
    if (c == NULL) {
        rj_log_ratelimited(10000, RJ_LOG_ERROR, RJ_ENOMEM, "remoting: %s cannot accept", srv->name);
        return;
    }
    int rc = uv_accept(server, (uv_stream_t *)&c->tcp);
    if (rc != 0) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, rc, "remoting: %s accept failed", srv->name);
        rj_connection_close_now(c, RJ_ECLOSED);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    int len = (int)sizeof(c->peer);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer, &len) != 0) {
        c->peer.ss_family = AF_UNSPEC;
    }
    format_addr(&c->peer, c->remote_addr, sizeof(c->remote_addr));
    rj_log(RJ_LOG_DEBUG, 0, "remoting: %s accepted %s", srv->name, c->remote_addr);
    c->connected_once = true;
    if (srv->ep.on_open != NULL) {
        srv->ep.on_open(c, srv->ep.cb_arg);
    }
    if (atomic_load(&c->state) == RJ_CONN_CONNECTING) {
        rj_connection_start(c);
    }
}

/* ------------------------------------------------------------ start */

static int
resolve_bind(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    char port_text[16];
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port_text, sizeof(port_text), "%d", port);
    int rc = getaddrinfo(host, port_text, &hints, &res);
    if (rc != 0 || res == NULL) {
        rj_log(RJ_LOG_ERROR, 0, "remoting: cannot resolve bind address %s: %s", host,
               gai_strerror(rc));
        return RJ_EINVAL;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void
set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET) {
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
    } else {
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    }
}

/* A bound, non-blocking socket with SO_REUSEPORT; returns the fd or -errno. */
static int
bound_socket(const struct sockaddr_storage *ss, socklen_t len)
{
    int one = 1;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
        bind(fd, (const struct sockaddr *)ss, len) != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

/*
 * Fails with -EADDRINUSE when another socket already holds the address. The
 * listeners use SO_REUSEPORT, and Linux lets another process of the same user
 * that does the same share the port silently; a probe bound without
 * SO_REUSEPORT is refused while any listener holds it. (SO_REUSEADDR keeps
 * TIME_WAIT connections of a previous run from failing the probe.)
 */
static int
check_address_free(const struct sockaddr_storage *ss, socklen_t len)
{
    int one = 1, rc = 0;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (const struct sockaddr *)ss, len) != 0) {
        rc = -errno;
    }
    close(fd);
    return rc;
}

static void
close_listener(rj_io_loop_t *loop, void *arg)
{
    (void)arg;
    rj_server_t *srv = loop->owner;
    listener_t *l = &srv->listeners[loop->index];
    if (l->listening) {
        l->listening = false;
        uv_close((uv_handle_t *)&l->tcp, NULL);
    }
}

static void
final_close(rj_io_loop_t *loop)
{
    close_listener(loop, NULL);
    rj_connection_close_all(loop, RJ_ESHUTDOWN);
}

static void
teardown(rj_server_t *srv)
{
    for (int i = 0; i < srv->loop_count; i++) {
        rj_io_loop_shutdown(srv->loops[i], final_close);
    }
    for (int i = 0; i < srv->loop_count; i++) {
        rj_io_loop_release(srv->loops[i]);
    }
    rj_free(srv->loops);
    rj_free(srv->listeners);
    srv->loops = NULL;
    srv->listeners = NULL;
    srv->loop_count = 0;
}

int
rj_server_start(rj_server_t *srv)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    int rc;
    if (srv->started) {
        return RJ_ESTATE;
    }
    if ((rc = resolve_bind(srv->bind_host, srv->port_opt, &ss, &len)) != 0) {
        return rc;
    }
    if (srv->port_opt != 0 && (rc = check_address_free(&ss, len)) != 0) {
        rj_log(RJ_LOG_ERROR, rc, "remoting: %s cannot bind %s:%d", srv->name, srv->bind_host,
               srv->port_opt);
        return rc;
    }
    srv->loops = rj_calloc((size_t)srv->io_threads, sizeof(*srv->loops));
    srv->listeners = rj_calloc((size_t)srv->io_threads, sizeof(*srv->listeners));
    if (srv->loops == NULL || srv->listeners == NULL) {
        rc = RJ_ENOMEM;
        goto fail;
    }
    int port = srv->port_opt;
    for (int i = 0; i < srv->io_threads; i++) {
        char name[48];
        snprintf(name, sizeof(name), "%.16s-io-%d", srv->name, i);
        if ((rc = rj_io_loop_create(name, srv, i, NULL, &srv->loops[i])) != 0) {
            goto fail;
        }
        srv->loop_count++;
        set_port(&ss, port);
        int fd = bound_socket(&ss, len);
        if (fd < 0) {
            rc = fd;
            rj_log(RJ_LOG_ERROR, rc, "remoting: %s cannot bind %s:%d", srv->name, srv->bind_host,
                   port);
            goto fail;
        }
        if (i == 0) {
            struct sockaddr_storage bound;
            socklen_t blen = sizeof(bound);
            getsockname(fd, (struct sockaddr *)&bound, &blen);
            port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                    : ((struct sockaddr_in6 *)&bound)->sin6_port);
        }
        listener_t *l = &srv->listeners[i];
        l->srv = srv;
        uv_tcp_init(&srv->loops[i]->uv, &l->tcp);
        if ((rc = uv_tcp_open(&l->tcp, fd)) != 0 ||
            (rc = uv_listen((uv_stream_t *)&l->tcp, LISTEN_BACKLOG, on_connection)) != 0) {
            uv_close((uv_handle_t *)&l->tcp, NULL);
            rj_log(RJ_LOG_ERROR, rc, "remoting: %s cannot listen on port %d", srv->name, port);
            goto fail;
        }
        l->listening = true;
    }
    atomic_store(&srv->port, port);
    for (int i = 0; i < srv->loop_count; i++) {
        if ((rc = rj_io_loop_start(srv->loops[i])) != 0) {
            goto fail;
        }
    }
    srv->started = true;
    rj_log(RJ_LOG_INFO, 0, "remoting: %s listening on %s:%d with %d I/O threads", srv->name,
           srv->bind_host, port, srv->loop_count);
    return 0;
fail:
    teardown(srv);
    atomic_store(&srv->port, 0);
    return rc;
}

/* ------------------------------------------------------------ stop */

typedef struct {
    size_t busy; /* connections with work left */
} quiet_check_t;

static void
count_busy(rj_io_loop_t *loop, void *arg)
{
    quiet_check_t *q = arg;
    for (rj_connection_t *c = loop->conns; c != NULL; c = c->next) {
        if (atomic_load(&c->outstanding) > 0 || c->out_bytes > 0) {
            q->busy++;
        }
    }
    q->busy += (size_t)atomic_load(&loop->workers);
}

void
rj_server_stop(rj_server_t *srv)
{
    if (!srv->started || srv->stopped) {
        return;
    }
    srv->stopped = true;
    for (int i = 0; i < srv->loop_count; i++) {
        rj_io_loop_call(srv->loops[i], close_listener, NULL);
    }
    int64_t deadline = rj_clock_mono_ms() + srv->shutdown_timeout_ms;
    for (;;) {
        quiet_check_t q = {0};
        for (int i = 0; i < srv->loop_count; i++) {
            rj_io_loop_call(srv->loops[i], count_busy, &q);
        }
        if (q.busy == 0) {
            break;
        }
        if (rj_clock_mono_ms() >= deadline) {
            rj_log(RJ_LOG_WARN, 0,
                   "remoting: %s stopping with %zu connections or jobs still busy after %d ms",
                   srv->name, q.busy, srv->shutdown_timeout_ms);
            break;
        }
        rj_clock_sleep_ms(5);
    }
    teardown(srv);
    rj_log(RJ_LOG_INFO, 0, "remoting: %s stopped", srv->name);
}

void
rj_server_destroy(rj_server_t *srv)
{
    if (srv == NULL) {
        return;
    }
    rj_server_stop(srv);
    if (srv->loops != NULL) {
        teardown(srv); /* created loops of a start that failed half-way are already gone */
    }
    rj_endpoint_cleanup_pools(&srv->ep);
    rj_dispatch_cleanup(&srv->ep.dispatch);
    rj_free(srv->name);
    rj_free(srv->bind_host);
    rj_free(srv);
}
