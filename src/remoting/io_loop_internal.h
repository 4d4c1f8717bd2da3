/*
 * I/O loop: one thread running one libuv loop, shared by the server and the RPC
 * client. Other threads talk to it only through rj_io_loop_post(): a message
 * goes onto a mutex-guarded list and uv_async_send wakes the loop, which drains
 * the whole list per wake-up (sends coalesce). Folder-only.
 *
 * The loop object is reference counted: its owner holds one reference and every
 * connection of the loop holds one, so a deferred reply completed after the
 * loop stopped still finds a valid mutex and is dropped cleanly.
 */
#ifndef RJ_REMOTING_IO_LOOP_INTERNAL_H
#define RJ_REMOTING_IO_LOOP_INTERNAL_H

#include "common/assert.h"
#include "common/buf.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct rj_io_loop rj_io_loop_t;
typedef struct rj_loop_msg rj_loop_msg_t;
typedef struct rj_connection rj_connection_t;

/*
 * A message for a loop. `run` executes on the loop thread; `drop` releases the
 * message's resources instead when the loop no longer runs (any thread). Both
 * own the message: they free it (or recycle it).
 */
struct rj_loop_msg {
    rj_loop_msg_t *next;
    void (*run)(rj_io_loop_t *loop, rj_loop_msg_t *msg);
    void (*drop)(rj_loop_msg_t *msg);
};

/*
 * A small thread-safe free list of message blocks of one kind, so hot paths
 * (deferred replies, client invocations) reuse memory instead of allocating per
 * message. Blocks are linked through their rj_loop_msg_t header.
 */
typedef struct {
    uv_mutex_t mu;
    rj_loop_msg_t *head;
    size_t count;
    size_t max;
} rj_msg_pool_t;

void rj_msg_pool_init(rj_msg_pool_t *pool, size_t max);
/* A pooled block, or NULL when the pool is empty. Any thread. */
rj_loop_msg_t *rj_msg_pool_get(rj_msg_pool_t *pool);
/* Keeps `msg` for reuse; false when the pool is full (the caller frees it). Any thread. */
bool rj_msg_pool_put(rj_msg_pool_t *pool, rj_loop_msg_t *msg);
/* Empties the pool through `destroy` and frees the lock. */
void rj_msg_pool_cleanup(rj_msg_pool_t *pool, void (*destroy)(rj_loop_msg_t *msg));

/* Periodic hook of the owner, on the loop thread (every RJ_IO_LOOP_TICK_MS). */
typedef void (*rj_io_loop_tick_cb)(rj_io_loop_t *loop, int64_t now_ms);

/* Tick period: resolution of invocation timeouts, idle checks and connect timeouts. */
#define RJ_IO_LOOP_TICK_MS 50

/* Size of the loop's shared read buffer (one read at a time per loop). */
#define RJ_IO_LOOP_READ_BUF 65536

/*
 * Output chunk pool limits. Chunks with a buffer of at most
 * RJ_IO_LOOP_POOL_BUF_MAX are kept with it while the loop's pooled buffer
 * bytes stay within RJ_IO_LOOP_POOL_BYTES_MAX; any other buffer is freed when
 * its chunk comes back. Segment chunks need no buffer and come from a
 * separate list of bare chunks (at most RJ_IO_LOOP_POOL_BARE_MAX kept), so a
 * backlog of zero-copy segments never pins encoded-frame memory.
 */
#define RJ_IO_LOOP_POOL_BUF_MAX (16 * 1024)
#define RJ_IO_LOOP_POOL_BYTES_MAX (1024 * 1024)
#define RJ_IO_LOOP_POOL_BARE_MAX 1024

/* A buffer chunk this full is closed: later frames start a new chunk (keeps buffers poolable). */
#define RJ_IO_LOOP_CHUNK_FILL (RJ_IO_LOOP_POOL_BUF_MAX - 1024)

/* Chunk of a connection's output queue: encoded bytes or an external segment. */
typedef struct rj_out_chunk {
    struct rj_out_chunk *next;
    rj_buf_t buf; /* encoded frames (when !is_seg) */
    size_t off;   /* bytes of this chunk already written */
    bool is_seg;  /* external segment: data/len/release below */
    const void *seg_data;
    size_t seg_len;
    void (*seg_release)(void *ctx);
    void *seg_ctx;
} rj_out_chunk_t;

struct rj_io_loop {
    uv_loop_t uv;
    uv_async_t wakeup;
    uv_timer_t tick;
    uv_check_t flush_check; /* after each poll phase: flush connections with new output */
    uv_thread_t thread;
    char name[48];
    void *owner; /* the rj_server_t or rj_rpc_client_t */
    int index;   /* position among the owner's loops */
    rj_io_loop_tick_cb on_tick;
    atomic_int refs;
    atomic_bool running; /* thread started and not yet exited */

    /* Guarded by mu. */
    uv_mutex_t mu;
    rj_loop_msg_t *head, *tail;
    bool accepting; /* false once the loop is shutting down: posts are dropped */

    /* Loop thread only. */
    uint8_t *read_buf; /* RJ_IO_LOOP_READ_BUF bytes lent to one read at a time */
    bool read_buf_lent;
    rj_connection_t *conns;    /* open connections (doubly linked) */
    rj_connection_t *dirty;    /* connections with output to flush (singly linked) */
    rj_out_chunk_t *free_bufs; /* pooled chunks holding a buffer (cap <= POOL_BUF_MAX) */
    size_t free_buf_bytes;     /* sum of their capacities */
    rj_out_chunk_t *free_bare; /* pooled chunks without a buffer */
    size_t free_bare_count;
    atomic_int workers;          /* worker jobs in flight (read by the stopping thread) */
    rj_msg_pool_t deferred_pool; /* rj_deferred_t blocks (request.c) */
    void (*deferred_destroy)(rj_loop_msg_t *m); /* frees one of them at loop release */
    atomic_size_t conn_count;
};

/*
 * Creates a loop (not yet running) with its wake-up and tick handles. Returns 0,
 * RJ_ENOMEM or a libuv error as -errno.
 */
int rj_io_loop_create(const char *name, void *owner, int index, rj_io_loop_tick_cb on_tick,
                      rj_io_loop_t **out);

/* Starts the loop thread. Handles may be added to loop->uv before this call. */
int rj_io_loop_start(rj_io_loop_t *loop);

/*
 * Posts a message; `run` executes on the loop thread. If the loop is shutting
 * down, `drop` runs instead, on the calling thread, before this returns.
 * Returns true if queued. Any thread.
 */
bool rj_io_loop_post(rj_io_loop_t *loop, rj_loop_msg_t *msg);

/*
 * Stops taking messages (later posts are dropped), runs `final` on the loop
 * thread (it must close the owner's handles: listeners, connections), closes the
 * loop's own handles and joins the thread once the loop has no more handles.
 * Calling thread: not the loop's.
 */
void rj_io_loop_shutdown(rj_io_loop_t *loop, void (*final)(rj_io_loop_t *loop));

/* Runs `fn(loop, arg)` on the loop thread and waits for it. Not on the loop thread. */
void rj_io_loop_call(rj_io_loop_t *loop, void (*fn)(rj_io_loop_t *loop, void *arg), void *arg);

void rj_io_loop_retain(rj_io_loop_t *loop);
/* Last reference: frees the loop (its thread must have been joined). Any thread. */
void rj_io_loop_release(rj_io_loop_t *loop);

/* The loop the calling thread runs, or NULL on other threads. */
rj_io_loop_t *rj_io_loop_current(void);

/*
 * Output chunks from the loop's pool. Loop thread only. NULL when out of
 * memory. rj_io_loop_chunk_get() prefers a chunk that still has a buffer (for
 * encoded bytes); rj_io_loop_chunk_get_bare() returns one without a buffer
 * (for a segment). rj_io_loop_chunk_put() releases a segment and keeps or
 * frees the chunk and its buffer within the pool limits above.
 */
rj_out_chunk_t *rj_io_loop_chunk_get(rj_io_loop_t *loop);
rj_out_chunk_t *rj_io_loop_chunk_get_bare(rj_io_loop_t *loop);
void rj_io_loop_chunk_put(rj_io_loop_t *loop, rj_out_chunk_t *chunk);

#endif
