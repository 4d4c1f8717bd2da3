/*
 * Remoting server: accepts RocketMQ remoting connections on one TCP port and
 * dispatches their requests to handlers (connection.h). Used by the name server
 * and the broker (main port, VIP port: one server each).
 *
 * I/O threads: `io_threads` threads, each with its own libuv loop and its own
 * listening socket bound with SO_REUSEPORT to the same port, so accepting and
 * reading share no lock; the kernel spreads connections over them. Each
 * connection stays on the thread that accepted it.
 *
 * Lifecycle: rj_server_create() → rj_server_register() for each code →
 * rj_server_start() → ... → rj_server_stop() → rj_server_destroy().
 * Registration is only allowed before start; after start the handler table is
 * read-only and read by all I/O threads without locking.
 */
#ifndef RJ_REMOTING_SERVER_H
#define RJ_REMOTING_SERVER_H

#include "remoting/connection.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rj_server rj_server_t;

typedef struct {
    /* Thread and log name prefix ("namesrv", "broker"). Copied. Default "remoting". */
    const char *name;
    /* Address to bind. Copied. Default "0.0.0.0"; tests use "127.0.0.1". */
    const char *bind_host;
    /* TCP port; 0 picks a free one (see rj_server_port()). Default 0. */
    int port;
    /* I/O threads; 0: number of cores, at most 4. */
    int io_threads;
    /* Largest frame (`length` field) accepted; 0: RJ_FRAME_MAX_DEFAULT (16 MiB). */
    uint32_t max_frame_bytes;
    /* Close connections idle (no read, no write) this long; 0: 120 (Java's
       serverChannelMaxIdleTimeSeconds); negative: never. */
    int idle_timeout_s;
    /* Stop reading a connection whose unsent output exceeds this many bytes
       (0: 4 MiB); resume below the low watermark (0: 1 MiB). */
    size_t write_high_watermark;
    size_t write_low_watermark;
    /* Stop reading a connection with this many deferred or worker requests
       outstanding (0: 4096); resume when half of them have completed. */
    uint32_t max_pending_requests;
    /* rj_server_stop() waits at most this long for handlers and output (0: 3000). */
    int shutdown_timeout_ms;
    /* Called on the connection's I/O thread when a connection is accepted / closed
       (close: exactly once per accepted connection, also at server stop). May be NULL. */
    rj_connection_cb on_accept;
    rj_connection_cb on_close;
    void *cb_arg;
} rj_server_options_t;

/* Fills `opts` with the defaults above. */
void rj_server_options_init(rj_server_options_t *opts);

/*
 * Creates a stopped server (nothing bound yet). Returns 0 or RJ_ENOMEM /
 * RJ_EINVAL (bad option); *out set on success. Any thread.
 */
int rj_server_create(const rj_server_options_t *opts, rj_server_t **out);

/*
 * Registers the handler of request `code` (replacing an earlier one). Only
 * before rj_server_start(). Returns 0, RJ_ENOMEM, or RJ_ESTATE after start.
 */
int rj_server_register(rj_server_t *srv, int32_t code, rj_dispatch_mode_t mode,
                       rj_request_handler_cb cb, void *arg);

/*
 * Binds, listens and starts the I/O threads. Returns 0 once every thread
 * listens, or -errno (e.g. -EADDRINUSE) / RJ_ESTATE (already started); on
 * error nothing keeps running. Not on an I/O thread of this server.
 */
int rj_server_start(rj_server_t *srv);

/* The bound TCP port (after a successful start), else 0. Any thread. */
int rj_server_port(const rj_server_t *srv);

/* Number of I/O threads the server runs (after start). */
int rj_server_io_threads(const rj_server_t *srv);

/* Open connections right now (a snapshot, for tests and stats). Any thread. */
size_t rj_server_connection_count(const rj_server_t *srv);

/*
 * Clean stop: stops accepting, waits (bounded by shutdown_timeout_ms) for
 * running handlers and worker jobs to finish and for queued replies to be
 * written, then closes every connection (their pending invocations fail with
 * RJ_ESHUTDOWN, on_close runs) and joins the I/O threads. Deferred requests
 * completed afterwards are dropped safely. Idempotent. Must not be called on
 * one of this server's I/O threads or from a handler.
 */
void rj_server_stop(rj_server_t *srv);

/* Stops (if running) and frees the server. NULL is a no-op. */
void rj_server_destroy(rj_server_t *srv);

#endif
