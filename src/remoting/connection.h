/*
 * Remoting connections, request handlers and replies: what the name server,
 * broker and client code use once a frame has arrived, on either side of a TCP
 * connection (rj_server_t accepts them, rj_rpc_client_t opens them; the API is
 * the same).
 *
 * THREADS. Every connection belongs to one I/O thread (its libuv loop). Frames
 * are decoded in place there and dispatched by request code to a handler that
 * runs either INLINE on that I/O thread (must not block: no fsync, no sync RPC,
 * no sleeps) or on a WORKER thread with a private copy of the request.
 * Functions below say which threads may call them; "any thread" ones cross to
 * the connection's loop through a mutex-guarded queue and uv_async_send.
 *
 * ANSWERING. Every request whose ONEWAY flag bit is clear gets exactly one
 * response; one-way requests never get one (replies to them are dropped, error
 * replies included). A handler either
 *   - replies before returning (rj_request_reply*), or
 *   - defers (rj_request_defer) and completes the rj_deferred_t later from any
 *     thread (long-polling pulls, SYNC_FLUSH waits, forwarding to another peer),
 *   - or returns a negative status without replying: the layer answers
 *     SYSTEM_ERROR (1) with rj_strerror(status) as remark.
 * Returning 0 without replying or deferring is a handler bug: the layer answers
 * SYSTEM_ERROR "no response" and logs it. Unregistered codes are answered with
 * REQUEST_CODE_NOT_SUPPORTED (3), remark " request type <code> not supported".
 * Replies go out in the request's serialize type (unless the handler chose
 * another with rj_request_set_reply_serialize_type()), with the request's
 * opaque and the RESPONSE flag (the reply functions stamp these on `resp`).
 *
 * LIFETIME. Connections are reference counted. The layer holds a reference
 * while a connection is open; a deferred reply holds one until completed;
 * anyone keeping an rj_connection_t * beyond the callback that gave it to them
 * (the broker's client channel table) retains it and releases it later. A
 * closed connection stays a valid object until the last release; sending on it
 * fails with RJ_ECLOSED and deferred replies to it are dropped.
 */
#ifndef RJ_REMOTING_CONNECTION_H
#define RJ_REMOTING_CONNECTION_H

#include "remoting/command.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct rj_connection rj_connection_t;
typedef struct rj_request rj_request_t;
typedef struct rj_deferred rj_deferred_t;

/* ------------------------------------------------------------ handlers */

/* Where a request handler runs. */
typedef enum {
    RJ_DISPATCH_INLINE = 0, /* on the connection's I/O thread, straight from the read buffer */
    RJ_DISPATCH_WORKER = 1, /* on a worker thread (libuv pool), with a private copy of the frame */
} rj_dispatch_mode_t;

/*
 * A request handler. `cmd` is the decoded request, valid until the handler
 * returns (INLINE: views into the connection's read buffer; WORKER: a private
 * copy); `req` is the handle to reply or defer with, also valid until return.
 * Returns 0 once it replied or deferred (or for a one-way request it handled),
 * or a negative status to have SYSTEM_ERROR sent for it (if it has not replied).
 * Thread: the connection's I/O thread (INLINE) or a worker thread (WORKER).
 */
typedef int (*rj_request_handler_cb)(rj_request_t *req, const rj_command_t *cmd, void *arg);

/*
 * Connection events (accepted, closed). Thread: the connection's I/O thread.
 * The connection pointer is valid during the call; retain it to keep it.
 */
typedef void (*rj_connection_cb)(rj_connection_t *conn, void *arg);

/*
 * Result of an invocation. `status` 0: `resp` is the peer's response, valid only
 * during the call (rj_command_dup() to keep it). Otherwise `resp` is NULL and
 * status is RJ_ETIMEDOUT (no response in time), RJ_ECLOSED (connection lost),
 * RJ_ESHUTDOWN (server or client stopping), or a connect error (rpc client:
 * -ECONNREFUSED, RJ_ETIMEDOUT for a connect timeout, ...).
 * Thread: the connection's I/O thread. Must not block.
 */
typedef void (*rj_response_cb)(int status, const rj_command_t *resp, void *arg);

/* ------------------------------------------------------------ zero-copy bodies */

/* Called once a segment's bytes are no longer needed. Any thread. */
typedef void (*rj_segment_release_cb)(void *ctx);

/*
 * A piece of a response body that stays where it is (e.g. mapped commit-log
 * pages) and is written with writev. `release` (may be NULL) is called exactly
 * once with `release_ctx` after the bytes were written, or when the connection
 * dies or the reply is dropped (one-way request, error).
 */
typedef struct {
    const void *data;
    size_t len;
    rj_segment_release_cb release;
    void *release_ctx;
} rj_segment_t;

/* ------------------------------------------------------------ replying */

/*
 * Sends `resp` as the response to `req` (stamps resp->opaque, the RESPONSE flag
 * and the request's serialize type into `resp`). Encoded at once (resp and the
 * memory its views point to may be reused when this returns). Dropped silently
 * (returns 0) for one-way requests and closed connections. Returns 0,
 * RJ_ESTATE if `req` was already answered or deferred, or an encoding error
 * (rj_command_encode()); after an error the handler may still reply again.
 * Thread: the handler's thread, during the handler.
 */
int rj_request_reply(rj_request_t *req, rj_command_t *resp);

/*
 * Like rj_request_reply() with a body made of `nsegs` external segments, sent
 * after the header without copying (resp->body is ignored). Takes ownership of
 * the segments in every case: each release is called exactly once, also when
 * this returns an error.
 */
int rj_request_reply_segments(rj_request_t *req, rj_command_t *resp, const rj_segment_t *segs,
                              size_t nsegs);

/*
 * Postpones the answer: returns a handle that completes the request later from
 * any thread (rj_deferred_reply*), or NULL when out of memory or `req` was
 * already answered or deferred (the handler then answers itself or returns an
 * error). Holds a reference on the connection until completed. A connection
 * with too many deferred requests outstanding stops being read until some
 * complete (flow control; nothing is dropped).
 * Thread: the handler's thread, during the handler.
 */
rj_deferred_t *rj_request_defer(rj_request_t *req);

/*
 * Makes the reply to `req` (direct, or through a handle deferred after this
 * call) go out with `serialize_type` (RJ_SERIALIZE_JSON / RJ_SERIALIZE_ROCKETMQ)
 * instead of the request's own. RocketMQ's zero-copy answers (QUERY_MESSAGE,
 * VIEW_MESSAGE_BY_ID) encode their header as JSON whatever the request used.
 * Thread: the handler's thread, during the handler.
 */
void rj_request_set_reply_serialize_type(rj_request_t *req, uint8_t serialize_type);

/* The connection a request arrived on (valid during the handler; retain to keep). */
rj_connection_t *rj_request_connection(const rj_request_t *req);

/* True when the request is one-way (any reply to it will be dropped). */
bool rj_request_is_oneway(const rj_request_t *req);

/*
 * Completes a deferred request with `resp` (stamped as in rj_request_reply()).
 * Encodes on the calling thread and hands the bytes to the connection's loop.
 * Dropped if the request was one-way or the connection has closed meanwhile.
 * Always consumes `d`. Returns 0 or an encoding error (in which case SYSTEM_ERROR
 * with the error text is sent instead, so the requester is still answered).
 * Thread: any.
 */
int rj_deferred_reply(rj_deferred_t *d, rj_command_t *resp);

/* Zero-copy form; takes ownership of the segments as rj_request_reply_segments(). Any thread. */
int rj_deferred_reply_segments(rj_deferred_t *d, rj_command_t *resp, const rj_segment_t *segs,
                               size_t nsegs);

/*
 * Abandons a deferred request without answering: only for one-way requests (a
 * two-way request cancelled this way gets SYSTEM_ERROR, so it is never left
 * unanswered). Consumes `d`. Any thread.
 */
void rj_deferred_cancel(rj_deferred_t *d);

/* The connection of a deferred request (valid until `d` is consumed; retain to keep). */
rj_connection_t *rj_deferred_connection(const rj_deferred_t *d);

/* The request's opaque and code (for logs and bookkeeping). */
int32_t rj_deferred_opaque(const rj_deferred_t *d);
int32_t rj_deferred_code(const rj_deferred_t *d);
bool rj_deferred_is_oneway(const rj_deferred_t *d);

/* ------------------------------------------------------------ connections */

/* Takes a reference. Any thread. */
void rj_connection_retain(rj_connection_t *conn);

/* Drops a reference; the last one frees the object (only after it closed). Any thread. NULL ok. */
void rj_connection_release(rj_connection_t *conn);

/*
 * Peer address as text. Accepted connections: "ip:port" of the peer
 * ("127.0.0.1:54321"). Client connections: the "host:port" address they were
 * opened for. Stable for the object's lifetime. Any thread.
 */
const char *rj_connection_remote_addr(const rj_connection_t *conn);

/*
 * The peer's socket address (what the broker stores as BORNHOST), set once the
 * connection is established (accepted connections: always; client connections:
 * zeroed, family AF_UNSPEC, until connected). Any thread.
 */
const struct sockaddr_storage *rj_connection_peer(const rj_connection_t *conn);

/* A number unique to the connection within the process (for logs and maps). Any thread. */
uint64_t rj_connection_id(const rj_connection_t *conn);

/* Application pointer per connection, NULL at first; set typically in the accept callback. */
void rj_connection_set_user_data(rj_connection_t *conn, void *data);
void *rj_connection_user_data(const rj_connection_t *conn);

/* False once the connection is closing or closed. Any thread (a snapshot). */
bool rj_connection_is_open(const rj_connection_t *conn);

/*
 * Closes the connection: the loop closes the socket soon, pending invocations
 * fail with RJ_ECLOSED and the close callback runs. Queued output is not
 * flushed. Idempotent. Any thread.
 */
void rj_connection_close(rj_connection_t *conn);

/*
 * Sends `request` on this connection and calls `cb` once with its response, a
 * timeout after `timeout_ms`, or the connection's loss. The opaque is assigned
 * here (written into request->opaque); the flag's RESPONSE and ONEWAY bits are
 * cleared. Encoded before returning (request may be reused afterwards).
 * Returns 0 (cb will be called exactly once, on the connection's I/O thread,
 * never from inside this call) or RJ_ECLOSED / RJ_ESHUTDOWN (its server or
 * client has stopped) / RJ_ENOMEM / encoding errors (cb never called). Used by the broker for
 * GET_CONSUMER_RUNNING_INFO / CONSUME_MESSAGE_DIRECTLY to a client. Any thread.
 */
int rj_connection_invoke_async(rj_connection_t *conn, rj_command_t *request, int64_t timeout_ms,
                               rj_response_cb cb, void *arg);

/*
 * Sends `request` one-way (ONEWAY flag set, opaque assigned, no response
 * expected): NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE. Returns 0
 * once queued, or RJ_ECLOSED / RJ_ESHUTDOWN / RJ_ENOMEM / encoding errors.
 * Any thread.
 */
int rj_connection_invoke_oneway(rj_connection_t *conn, rj_command_t *request);

/* Like rj_connection_invoke_oneway() with a body of external segments (ownership as above). */
int rj_connection_invoke_oneway_segments(rj_connection_t *conn, rj_command_t *request,
                                         const rj_segment_t *segs, size_t nsegs);

#endif
