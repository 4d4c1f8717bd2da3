/*
 * Connection internals shared by connection.c, request.c, dispatch.c,
 * pending.c, server.c and rpc_client.c. Folder-only.
 */
#ifndef RJ_REMOTING_CONNECTION_INTERNAL_H
#define RJ_REMOTING_CONNECTION_INTERNAL_H

#include "remoting/connection.h"
#include "remoting/io_loop_internal.h"

#include <stdatomic.h>
#include <uv.h>

/* ------------------------------------------------------------ dispatch table */

typedef struct {
    rj_request_handler_cb cb;
    void *arg;
    rj_dispatch_mode_t mode;
} rj_handler_t;

/* Codes below this are looked up by index; the rest (5.x POP codes...) by search. */
#define RJ_DISPATCH_DIRECT 4096

typedef struct {
    rj_handler_t *direct; /* RJ_DISPATCH_DIRECT entries, cb NULL: unregistered */
    struct rj_dispatch_far {
        int32_t code;
        rj_handler_t h;
    } * far;
    size_t far_count;
} rj_dispatch_t;

int rj_dispatch_init(rj_dispatch_t *d);
void rj_dispatch_cleanup(rj_dispatch_t *d);
int rj_dispatch_register(rj_dispatch_t *d, int32_t code, rj_dispatch_mode_t mode,
                         rj_request_handler_cb cb, void *arg);
/* The handler of `code`, or NULL. Read-only after start: any thread without locking. */
const rj_handler_t *rj_dispatch_lookup(const rj_dispatch_t *d, int32_t code);

/* ------------------------------------------------------------ endpoint */

/*
 * What a connection needs from its owner (server or client): the handler table,
 * limits, callbacks and the opaque counter. Lives as long as the owner.
 */
typedef struct rj_endpoint {
    const char *name;
    rj_dispatch_t dispatch;
    uint32_t max_frame_bytes;
    size_t high_watermark;
    size_t low_watermark;
    uint32_t max_pending_requests;
    int64_t idle_timeout_ms;  /* <= 0: never */
    rj_connection_cb on_open; /* accepted (server) / connected (client) */
    rj_connection_cb on_close;
    void *cb_arg;
    atomic_int next_opaque;
    /* Owner hook when a connection has closed, before on_close (client: forget its address). */
    void (*closed_hook)(rj_connection_t *conn);
    bool is_client;
    rj_msg_pool_t invoke_pool; /* recycled rj_invoke_msg_t blocks */
} rj_endpoint_t;

/* Sets up / tears down the endpoint's pools (after its loops are gone). */
void rj_endpoint_init_pools(rj_endpoint_t *ep);
void rj_endpoint_cleanup_pools(rj_endpoint_t *ep);

/* ------------------------------------------------------------ pending invocations */

typedef struct rj_pending {
    struct rj_pending *next; /* hash chain */
    int32_t opaque;
    int64_t deadline_ms; /* loop time (uv_now) */
    rj_response_cb cb;
    void *arg;
} rj_pending_t;

typedef struct {
    rj_pending_t **buckets;
    size_t mask; /* bucket count - 1; 0 buckets when mask is 0 and buckets NULL */
    size_t count;
} rj_pending_table_t;

/* Inserts (the table does not own the entry). Returns 0 or RJ_ENOMEM. */
int rj_pending_insert(rj_pending_table_t *t, rj_pending_t *p);
/* Removes and returns the entry of `opaque`, or NULL. */
rj_pending_t *rj_pending_remove(rj_pending_table_t *t, int32_t opaque);
/* Removes every entry whose deadline is <= now and links them through ->next. */
rj_pending_t *rj_pending_take_expired(rj_pending_table_t *t, int64_t now_ms);
/* Removes every entry and links them through ->next. */
rj_pending_t *rj_pending_take_all(rj_pending_table_t *t);
void rj_pending_cleanup(rj_pending_table_t *t);

/* ------------------------------------------------------------ connection */

typedef enum {
    RJ_CONN_CONNECTING = 0, /* client: resolving / connecting */
    RJ_CONN_OPEN = 1,
    RJ_CONN_CLOSING = 2, /* uv_close called, close callback pending */
    RJ_CONN_CLOSED = 3,
} rj_conn_state_t;

#define RJ_CONN_ADDR_MAX 256

struct rj_connection {
    uv_tcp_t tcp;
    uv_write_t write_req; /* the one write in flight */
    uv_connect_t connect_req;
    uv_getaddrinfo_t resolve_req;
    rj_io_loop_t *loop;
    rj_endpoint_t *ep;
    atomic_int refs;
    atomic_int state; /* rj_conn_state_t */
    uint64_t id;
    char remote_addr[RJ_CONN_ADDR_MAX];
    struct sockaddr_storage peer;
    void *user_data;
    atomic_uint outstanding; /* deferred + worker requests not completed */

    /* Loop thread only. */
    rj_connection_t *prev, *next; /* loop->conns */
    rj_connection_t *dirty_next;  /* loop->dirty */
    bool dirty;
    bool tcp_initialized;
    bool reading;
    bool paused_output;
    bool paused_pending;
    bool write_in_flight;
    bool reprocess;      /* rbuf may hold complete frames left when reading paused */
    bool connected_once; /* on_open ran: on_close is due */
    int close_status;    /* what pending invocations fail with */
    rj_buf_t rbuf;       /* bytes of an incomplete frame */
    rj_out_chunk_t *out_head, *out_tail;         /* not yet handed to uv_write */
    rj_out_chunk_t *sending_head, *sending_tail; /* owned by the write in flight */
    size_t out_bytes;                            /* queued + in flight */
    size_t sending_bytes;
    int64_t last_active_ms;
    int64_t connect_deadline_ms;
    rj_pending_table_t pending;
};

/*
 * Allocates a connection bound to `loop` (retains the loop) with one reference
 * held by the loop side, initializes its TCP handle and links it into the loop.
 * Loop thread (or before the loop starts). NULL when out of memory.
 */
rj_connection_t *rj_connection_create(rj_io_loop_t *loop, rj_endpoint_t *ep);

/* Starts reading an accepted/connected connection and marks it open. Loop thread. */
int rj_connection_start(rj_connection_t *conn);

/* Closes on the loop thread; pending invocations fail with `status`. Idempotent. */
void rj_connection_close_now(rj_connection_t *conn, int status);

/*
 * Queues a frame: `cmd` encoded with its body, or, when `segs` is not NULL,
 * its header announcing the `nsegs` segments that follow as the body
 * (cmd->body ignored). Takes ownership of the segments in every case.
 * Schedules a flush. Loop thread. Returns 0, encoding errors, RJ_ENOMEM,
 * RJ_ECLOSED.
 */
int rj_connection_queue_command(rj_connection_t *conn, const rj_command_t *cmd,
                                const rj_segment_t *segs, size_t nsegs);

/*
 * Queues pre-encoded bytes (copied, or the buffer's storage taken over when
 * large: `frame` is left empty or untouched) followed by segments (ownership
 * taken). Loop thread.
 */
int rj_connection_queue_bytes(rj_connection_t *conn, rj_buf_t *frame, const rj_segment_t *segs,
                              size_t nsegs);

/* Flushes every connection of the loop's dirty list. Loop thread. */
void rj_connection_flush_dirty(rj_io_loop_t *loop);

/* Per-tick work for every connection of the loop: timeouts, idle close. Loop thread. */
void rj_connection_tick(rj_io_loop_t *loop, int64_t now_ms);

/* Closes every connection of the loop with `status`. Loop thread. */
void rj_connection_close_all(rj_io_loop_t *loop, int status);

/* One more deferred/worker request finished: may resume reading. Loop thread. */
void rj_connection_outstanding_done(rj_connection_t *conn);

/* Releases segments that will never be sent. Any thread. */
void rj_segments_release(const rj_segment_t *segs, size_t nsegs);

/* Next opaque of the endpoint. Any thread. */
int32_t rj_endpoint_next_opaque(rj_endpoint_t *ep);

/* Dispatches a decoded request (flag bit 0 clear) of `conn`. Loop thread (request.c). */
void rj_request_dispatch(rj_connection_t *conn, rj_command_t *cmd);

/* ------------------------------------------------------------ invocations */

/*
 * An outgoing request on its way to a loop: encoded on the caller's thread,
 * then (loop thread) queued on a connection; while waiting for its response
 * it stays alive as the pending entry.
 */
typedef struct rj_invoke_msg {
    rj_loop_msg_t base;
    rj_endpoint_t *ep;     /* whose pool the block returns to */
    rj_pending_t pending;  /* cb/arg NULL for one-way */
    rj_connection_t *conn; /* retained while the message travels (connection invocations) */
    int64_t timeout_ms;
    bool oneway;
    rj_buf_t frame;
    rj_segment_t *segs; /* owned until queued: seg_inline or a heap array */
    size_t nsegs;
    rj_segment_t seg_inline[4];  /* a few segments (a message body) need no allocation */
    char addr[RJ_CONN_ADDR_MAX]; /* rpc client: target "host:port" */
} rj_invoke_msg_t;

/*
 * Builds the message: assigns the opaque (written into request), fixes the
 * flag, encodes, copies the segments and `addr`. On error releases the segments
 * and returns NULL with *rc set. Any thread.
 */
rj_invoke_msg_t *rj_invoke_msg_create(rj_endpoint_t *ep, rj_command_t *request, bool oneway,
                                      int64_t timeout_ms, rj_response_cb cb, void *arg,
                                      const rj_segment_t *segs, size_t nsegs, const char *addr,
                                      int *rc);

/* Queues `m` on `conn` (pending entry + frame) or fails it. Takes `m`. Loop thread. */
void rj_invoke_submit(rj_connection_t *conn, rj_invoke_msg_t *m);

/* Completes `m` with `status` (callback if two-way) and frees it. Loop thread. */
void rj_invoke_fail(rj_invoke_msg_t *m, int status);

/* Recycles `m` without calling anything (segments released). Any thread. */
void rj_invoke_msg_free(rj_invoke_msg_t *m);

/* Frees a pooled deferred-reply block (request.c), for the loop's pool teardown. */
void rj_deferred_block_destroy(rj_loop_msg_t *m);

/* Client: starts connecting a created connection to conn->remote_addr (rpc_client.c). */
int rj_connection_connect(rj_connection_t *conn, int64_t timeout_ms);

#endif
