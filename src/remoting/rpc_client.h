/*
 * Remoting RPC client: sends requests to name servers and brokers by "host:port"
 * address over connections it opens on demand and reuses (one per address),
 * and serves the requests those peers send back (broker → client:
 * CHECK_TRANSACTION_STATE, NOTIFY_CONSUMER_IDS_CHANGED,
 * GET_CONSUMER_RUNNING_INFO ...) through a handler table like the server's.
 * Used by the client library, the tools, and the broker (registration with name
 * servers, HA, forwarding).
 *
 * Threads: the client owns `io_threads` libuv loop threads (default 1); each
 * address maps to one of them. Every invoke function may be called from any
 * thread (requests are encoded on the caller's thread and cross to the loop
 * through a queue + uv_async_send). Callbacks and handlers run on the loop
 * thread (WORKER handlers on the worker pool).
 *
 * Lifecycle: rj_rpc_client_create() → rj_rpc_client_register() for incoming
 * codes → rj_rpc_client_start() → invoke... → rj_rpc_client_destroy().
 */
#ifndef RJ_REMOTING_RPC_CLIENT_H
#define RJ_REMOTING_RPC_CLIENT_H

#include "remoting/connection.h"

#include <stdint.h>

typedef struct rj_rpc_client rj_rpc_client_t;

typedef struct {
    /* Thread and log name prefix. Copied. Default "rpc". */
    const char *name;
    /* Loop threads; 0: 1. */
    int io_threads;
    /* Connect timeout (Java clientConnectTimeoutMillis); 0: 3000. */
    int connect_timeout_ms;
    /* Largest frame accepted; 0: RJ_FRAME_MAX_DEFAULT (16 MiB). */
    uint32_t max_frame_bytes;
    /* Close connections idle this long (Java clientChannelMaxIdleTimeSeconds); 0: 120;
       negative: never. */
    int idle_timeout_s;
    /* Called on the loop thread when a connection closes (for any reason: peer
       closed, error, idle, rj_rpc_client_close_addr, stop), after its pending
       invocations have failed. rj_connection_remote_addr() gives the address.
       May be NULL. */
    rj_connection_cb on_close;
    /* Called on the loop thread once a connection is established. May be NULL. */
    rj_connection_cb on_connect;
    void *cb_arg;
    /* Header type every request goes out in (rj_serialize_type_t), written into the
       request like its opaque; -1 (the default): as each request was built. Peers
       answer in the request's type (Java clients: ROCKETMQ_SERIALIZE_TYPE). */
    int request_serialize_type;
} rj_rpc_client_options_t;

/* Fills `opts` with the defaults above. */
void rj_rpc_client_options_init(rj_rpc_client_options_t *opts);

/* Creates a stopped client. Returns 0, RJ_ENOMEM or RJ_EINVAL; *out set on success. */
int rj_rpc_client_create(const rj_rpc_client_options_t *opts, rj_rpc_client_t **out);

/*
 * Registers the handler for requests of `code` arriving from peers (replacing
 * an earlier one). Only before start. Unregistered codes are answered with
 * REQUEST_CODE_NOT_SUPPORTED. Returns 0, RJ_ENOMEM, RJ_ESTATE after start.
 */
int rj_rpc_client_register(rj_rpc_client_t *cli, int32_t code, rj_dispatch_mode_t mode,
                           rj_request_handler_cb cb, void *arg);

/* Starts the loop threads. Returns 0, RJ_ESTATE if started, or -errno. */
int rj_rpc_client_start(rj_rpc_client_t *cli);

/*
 * Sends `request` to `addr` ("host:port"; "[v6]:port" also accepted), connecting
 * first if needed, and calls `cb` exactly once on the loop thread with the
 * response, RJ_ETIMEDOUT after `timeout_ms`, RJ_ECLOSED if the connection is lost
 * first, a connect error (-ECONNREFUSED, RJ_ETIMEDOUT, RJ_ENOTFOUND for an
 * unresolvable host) or RJ_ESHUTDOWN. The opaque is assigned here (written into
 * request->opaque, from a counter of this client); RESPONSE/ONEWAY flag bits are
 * cleared; with the request_serialize_type option, request->serialize_type is set. The request is
 * encoded before returning. Returns 0 (cb will be called, never from inside this call) or RJ_EINVAL
 * (bad address) / RJ_ENOMEM / RJ_ESTATE (not started or stopping) / encoding errors (cb never
 * called). Any thread, including the loop thread (e.g. from a callback).
 */
int rj_rpc_client_invoke_async(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                               int64_t timeout_ms, rj_response_cb cb, void *arg);

/*
 * Like rj_rpc_client_invoke_async() with a body of `nsegs` external segments
 * written after the header without being copied (request->body is ignored).
 * Takes ownership of the segments in every case: each release is called
 * exactly once, after the bytes were written or when they never will be
 * (error return, connection lost, stop); a release may come after `cb`
 * (e.g. on a timeout while the bytes still wait in the output queue).
 * Releases run on the loop thread, or on the calling thread when this
 * returns an error. Any thread.
 */
int rj_rpc_client_invoke_async_segments(rj_rpc_client_t *cli, const char *addr,
                                        rj_command_t *request, const rj_segment_t *segs,
                                        size_t nsegs, int64_t timeout_ms, rj_response_cb cb,
                                        void *arg);

/*
 * Sends `request` and blocks the calling thread until the response, a timeout
 * or a failure. On 0, *response is an owned copy (free with
 * rj_command_destroy()); otherwise *response is NULL and the status is as for
 * rj_rpc_client_invoke_async(). Returns RJ_ESTATE when called on one of this
 * client's loop threads (it would deadlock). Never call it on a server I/O
 * thread either (it blocks). Any other thread.
 */
int rj_rpc_client_invoke_sync(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                              int64_t timeout_ms, rj_command_t **response);

/*
 * Blocking call without a copy of the response: sends `request` as
 * rj_rpc_client_invoke_async() would, calls `cb` exactly once on the loop
 * thread with the outcome (the response is valid only during the call; cb
 * must not block), and returns once cb has returned: 0, or an error for
 * which cb was never called (RJ_EINVAL, RJ_ENOMEM, RJ_ESTATE as for
 * rj_rpc_client_invoke_sync(), encoding errors). Any thread but the loop threads.
 */
int rj_rpc_client_invoke_sync_cb(rj_rpc_client_t *cli, const char *addr, rj_command_t *request,
                                 int64_t timeout_ms, rj_response_cb cb, void *arg);

/*
 * Sends `request` one-way (ONEWAY flag set, opaque assigned, nothing comes
 * back). Returns 0 once queued (delivery is not confirmed), or RJ_EINVAL /
 * RJ_ENOMEM / RJ_ESTATE / encoding errors. Any thread.
 */
int rj_rpc_client_invoke_oneway(rj_rpc_client_t *cli, const char *addr, rj_command_t *request);

/* One-way with a zero-copy body; segment ownership as rj_rpc_client_invoke_async_segments(). */
int rj_rpc_client_invoke_oneway_segments(rj_rpc_client_t *cli, const char *addr,
                                         rj_command_t *request, const rj_segment_t *segs,
                                         size_t nsegs);

/*
 * Closes the connection to `addr` if there is one (its pending invocations fail
 * with RJ_ECLOSED); the next invoke reconnects. Any thread.
 */
void rj_rpc_client_close_addr(rj_rpc_client_t *cli, const char *addr);

/*
 * Stops: fails every pending invocation with RJ_ESHUTDOWN, closes the
 * connections, waits for running worker handlers, joins the threads. Later
 * invokes return RJ_ESTATE. Idempotent. Not on a loop thread of this client.
 */
void rj_rpc_client_stop(rj_rpc_client_t *cli);

/* Stops (if running) and frees the client. NULL is a no-op. */
void rj_rpc_client_destroy(rj_rpc_client_t *cli);

#endif
