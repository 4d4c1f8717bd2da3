/*
 * Remoting connection: reading and framing, the output queue, invocations and
 * their pending table, idle and timeout checks, closing. Shared by accepted
 * (server) and opened (rpc client) connections.
 *
 * READING. A connection with no partial frame reads into its loop's shared
 * 64 KiB buffer; every complete frame there is decoded in place and dispatched
 * at once (pipelined requests are handled in one go), and only the tail of an
 * incomplete frame is copied into the connection's own buffer, which then
 * receives the following reads until the frame completes. Idle connections
 * therefore hold no read memory.
 *
 * WRITING. Responses are encoded straight into the tail chunk of the output
 * queue; external segments (zero-copy bodies) are chunks of their own. Once
 * per loop iteration (check phase) a connection with new output is flushed:
 * uv_try_write of the whole queue as one writev, then a single uv_write (the
 * connection's embedded request, so no allocation) for what the socket did not
 * take. While that write is in flight new output accumulates and goes out with
 * the next flush. Chunks and their buffers come from the loop's pool.
 *
 * FLOW CONTROL. Reading stops while queued output exceeds the high watermark
 * or too many deferred/worker requests are outstanding, and resumes below the
 * low watermark / half the limit. Requests already read are always answered.
 *
 * LIFETIME. The loop side holds one reference from creation until the libuv
 * close callback; deferred replies, messages and users hold others.
 */
#include "remoting/connection_internal.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* iovecs per write; more chunks go out with the next write. */
#define MAX_IOV 64

/*
 * Encoded frames up to this size are copied into the output queue; larger
 * ones hand over their buffer (which is then freed, not pooled, once written).
 */
#define COPY_FRAME_MAX RJ_IO_LOOP_CHUNK_FILL

/* A connection's own read buffer larger than this is freed once empty. */
#define RBUF_KEEP_MAX (256 * 1024)

static atomic_uint_fast64_t next_conn_id = 1;

/* ------------------------------------------------------------ lifetime */

rj_connection_t *
rj_connection_create(rj_io_loop_t *loop, rj_endpoint_t *ep)
{
    rj_connection_t *c = rj_calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    if (uv_tcp_init(&loop->uv, &c->tcp) != 0) {
        rj_free(c);
        return NULL;
    }
    c->tcp_initialized = true;
    c->loop = loop;
    c->ep = ep;
    atomic_init(&c->refs, 1);
    atomic_init(&c->state, RJ_CONN_CONNECTING);
    atomic_init(&c->outstanding, 0);
    c->id = atomic_fetch_add(&next_conn_id, 1);
    c->peer.ss_family = AF_UNSPEC;
    c->close_status = RJ_ECLOSED;
    c->last_active_ms = (int64_t)uv_now(&loop->uv);
    rj_io_loop_retain(loop);
    c->next = loop->conns;
    if (loop->conns != NULL) {
        loop->conns->prev = c;
    }
    loop->conns = c;
    atomic_fetch_add(&loop->conn_count, 1);
    return c;
}

void
rj_connection_retain(rj_connection_t *conn)
{
    atomic_fetch_add_explicit(&conn->refs, 1, memory_order_relaxed);
}

void
rj_connection_release(rj_connection_t *conn)
{
    if (conn == NULL || atomic_fetch_sub_explicit(&conn->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    rj_io_loop_t *loop = conn->loop;
    rj_free(conn);
    rj_io_loop_release(loop);
}

const char *
rj_connection_remote_addr(const rj_connection_t *conn)
{
    return conn->remote_addr;
}

const struct sockaddr_storage *
rj_connection_peer(const rj_connection_t *conn)
{
    return &conn->peer;
}

uint64_t
rj_connection_id(const rj_connection_t *conn)
{
    return conn->id;
}

void
rj_connection_set_user_data(rj_connection_t *conn, void *data)
{
    conn->user_data = data;
}

void *
rj_connection_user_data(const rj_connection_t *conn)
{
    return conn->user_data;
}

bool
rj_connection_is_open(const rj_connection_t *conn)
{
    int s = atomic_load(&conn->state);
    return s == RJ_CONN_OPEN || s == RJ_CONN_CONNECTING;
}

int32_t
rj_endpoint_next_opaque(rj_endpoint_t *ep)
{
    return atomic_fetch_add_explicit(&ep->next_opaque, 1, memory_order_relaxed);
}

void
rj_segments_release(const rj_segment_t *segs, size_t nsegs)
{
    for (size_t i = 0; i < nsegs; i++) {
        if (segs[i].release != NULL) {
            segs[i].release(segs[i].release_ctx);
        }
    }
}

/* ------------------------------------------------------------ reading state */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void schedule_flush(rj_connection_t *c);

static void
update_reading(rj_connection_t *c)
{
    bool want = atomic_load(&c->state) == RJ_CONN_OPEN && !c->paused_output && !c->paused_pending;
    if (want && !c->reading) {
        int rc = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
        if (rc != 0) {
            rj_log(RJ_LOG_WARN, rc, "remoting: cannot read from %s", c->remote_addr);
            rj_connection_close_now(c, RJ_ECLOSED);
            return;
        }
        c->reading = true;
        if (c->rbuf.len > 0) {
            /* Frames read before the pause wait in rbuf: handle them without new input. */
            c->reprocess = true;
            schedule_flush(c);
        }
    } else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

static void
check_pending_limit(rj_connection_t *c)
{
    if (!c->paused_pending && atomic_load(&c->outstanding) >= c->ep->max_pending_requests) {
        c->paused_pending = true;
        rj_log(RJ_LOG_DEBUG, 0, "remoting: %s has %u requests outstanding, reading paused",
               c->remote_addr, (unsigned)atomic_load(&c->outstanding));
        update_reading(c);
    }
}

void
rj_connection_outstanding_done(rj_connection_t *c)
{
    unsigned left = atomic_fetch_sub(&c->outstanding, 1) - 1;
    if (c->paused_pending && left <= c->ep->max_pending_requests / 2) {
        c->paused_pending = false;
        update_reading(c);
    }
}

int
rj_connection_start(rj_connection_t *c)
{
    atomic_store(&c->state, RJ_CONN_OPEN);
    c->last_active_ms = (int64_t)uv_now(&c->loop->uv);
    update_reading(c);
    if (atomic_load(&c->state) != RJ_CONN_OPEN) {
        return RJ_ECLOSED;
    }
    if (c->out_head != NULL && !c->dirty) {
        c->dirty = true;
        rj_connection_retain(c);
        c->dirty_next = c->loop->dirty;
        c->loop->dirty = c;
    }
    return 0;
}

/* ------------------------------------------------------------ closing */

static void
fail_pending(rj_pending_t *list, int status)
{
    while (list != NULL) {
        rj_pending_t *next = list->next;
        rj_invoke_fail(rj_container_of(list, rj_invoke_msg_t, pending), status);
        list = next;
    }
}

static void
release_chunks(rj_io_loop_t *loop, rj_out_chunk_t *c)
{
    while (c != NULL) {
        rj_out_chunk_t *next = c->next;
        rj_io_loop_chunk_put(loop, c);
        c = next;
    }
}

static void
close_cb(uv_handle_t *h)
{
    rj_connection_t *c = rj_container_of(h, rj_connection_t, tcp);
    rj_io_loop_t *loop = c->loop;
    atomic_store(&c->state, RJ_CONN_CLOSED);
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        loop->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    c->prev = c->next = NULL;
    atomic_fetch_sub(&loop->conn_count, 1);
    /* Invocations that arrived between close and now. */
    fail_pending(rj_pending_take_all(&c->pending), c->close_status);
    rj_pending_cleanup(&c->pending);
    release_chunks(loop, c->out_head);
    c->out_head = c->out_tail = NULL;
    rj_buf_cleanup(&c->rbuf);
    if (c->ep->closed_hook != NULL) {
        c->ep->closed_hook(c);
    }
    if (c->connected_once && c->ep->on_close != NULL) {
        c->ep->on_close(c, c->ep->cb_arg);
    }
    rj_connection_release(c);
}

void
rj_connection_close_now(rj_connection_t *c, int status)
{
    int s = atomic_load(&c->state);
    if (s == RJ_CONN_CLOSING || s == RJ_CONN_CLOSED) {
        return;
    }
    atomic_store(&c->state, RJ_CONN_CLOSING);
    c->close_status = status;
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
    rj_log(RJ_LOG_DEBUG, 0, "remoting: closing connection %s (%s)", c->remote_addr,
           rj_strerror(status));
    fail_pending(rj_pending_take_all(&c->pending), status);
    /* Queued output is dropped (segments released); a write in flight is cancelled by libuv. */
    release_chunks(c->loop, c->out_head);
    c->out_head = c->out_tail = NULL;
    c->out_bytes = c->sending_bytes;
    uv_close((uv_handle_t *)&c->tcp, close_cb);
}

typedef struct {
    rj_loop_msg_t base;
    rj_connection_t *conn;
} close_msg_t;

static void
close_msg_run(rj_io_loop_t *loop, rj_loop_msg_t *m)
{
    close_msg_t *cm = (close_msg_t *)m;
    (void)loop;
    rj_connection_close_now(cm->conn, RJ_ECLOSED);
    rj_connection_release(cm->conn);
    rj_free(cm);
}

static void
close_msg_drop(rj_loop_msg_t *m)
{
    close_msg_t *cm = (close_msg_t *)m;
    rj_connection_release(cm->conn);
    rj_free(cm);
}

void
rj_connection_close(rj_connection_t *conn)
{
    if (rj_io_loop_current() == conn->loop) {
        rj_connection_close_now(conn, RJ_ECLOSED);
        return;
    }
    if (!rj_connection_is_open(conn)) {
        return;
    }
    close_msg_t *cm = rj_malloc(sizeof(*cm));
    if (cm == NULL) {
        rj_log(RJ_LOG_ERROR, RJ_ENOMEM, "remoting: cannot close %s", conn->remote_addr);
        return;
    }
    cm->base.run = close_msg_run;
    cm->base.drop = close_msg_drop;
    cm->conn = conn;
    rj_connection_retain(conn);
    rj_io_loop_post(conn->loop, &cm->base);
}

void
rj_connection_close_all(rj_io_loop_t *loop, int status)
{
    for (rj_connection_t *c = loop->conns; c != NULL; c = c->next) {
        rj_connection_close_now(c, status);
    }
}

/* ------------------------------------------------------------ output */

static void
schedule_flush(rj_connection_t *c)
{
    if (!c->dirty) {
        c->dirty = true;
        rj_connection_retain(c);
        c->dirty_next = c->loop->dirty;
        c->loop->dirty = c;
    }
}

static void
after_queue(rj_connection_t *c)
{
    schedule_flush(c);
    if (!c->paused_output && c->out_bytes > c->ep->high_watermark) {
        c->paused_output = true;
        rj_log(RJ_LOG_DEBUG, 0, "remoting: %s has %zu bytes of output queued, reading paused",
               c->remote_addr, c->out_bytes);
        update_reading(c);
    }
}

static void
append_chunk(rj_connection_t *c, rj_out_chunk_t *chunk)
{
    chunk->next = NULL;
    if (c->out_tail != NULL) {
        c->out_tail->next = chunk;
    } else {
        c->out_head = chunk;
    }
    c->out_tail = chunk;
}

/*
 * The chunk new encoded bytes go into: the queue's tail if it holds bytes and
 * is not yet full, else a new one. Closing chunks at RJ_IO_LOOP_CHUNK_FILL
 * keeps a backlog of small frames (replies piling up behind a slow reader) in
 * many poolable buffers instead of one that grows without bound.
 */
static rj_out_chunk_t *
tail_buf_chunk(rj_connection_t *c)
{
    if (c->out_tail != NULL && !c->out_tail->is_seg &&
        c->out_tail->buf.len < RJ_IO_LOOP_CHUNK_FILL) {
        return c->out_tail;
    }
    rj_out_chunk_t *chunk = rj_io_loop_chunk_get(c->loop);
    if (chunk != NULL) {
        append_chunk(c, chunk);
    }
    return chunk;
}

/* Takes segment chunks for `nsegs` segments up front so a header is never queued without them. */
static int
get_seg_chunks(rj_connection_t *c, size_t nsegs, rj_out_chunk_t **list)
{
    *list = NULL;
    for (size_t i = 0; i < nsegs; i++) {
        rj_out_chunk_t *chunk = rj_io_loop_chunk_get_bare(c->loop);
        if (chunk == NULL) {
            release_chunks(c->loop, *list);
            *list = NULL;
            return RJ_ENOMEM;
        }
        chunk->next = *list;
        *list = chunk;
    }
    return 0;
}

static void
append_segments(rj_connection_t *c, rj_out_chunk_t *chunks, const rj_segment_t *segs, size_t nsegs)
{
    for (size_t i = 0; i < nsegs; i++) {
        rj_out_chunk_t *chunk = chunks;
        chunks = chunks->next;
        chunk->is_seg = true;
        chunk->seg_data = segs[i].data;
        chunk->seg_len = segs[i].len;
        chunk->seg_release = segs[i].release;
        chunk->seg_ctx = segs[i].release_ctx;
        append_chunk(c, chunk);
        c->out_bytes += segs[i].len;
    }
}

static bool
accepts_output(const rj_connection_t *c)
{
    int s = atomic_load(&c->state);
    return s == RJ_CONN_OPEN || s == RJ_CONN_CONNECTING;
}

int
rj_connection_queue_command(rj_connection_t *c, const rj_command_t *cmd, const rj_segment_t *segs,
                            size_t nsegs)
{
    rj_out_chunk_t *seg_chunks = NULL;
    int rc;
    if (!accepts_output(c)) {
        rj_segments_release(segs, nsegs);
        return RJ_ECLOSED;
    }
    if ((rc = get_seg_chunks(c, segs != NULL ? nsegs : 0, &seg_chunks)) != 0) {
        rj_segments_release(segs, nsegs);
        return rc;
    }
    rj_out_chunk_t *chunk = tail_buf_chunk(c);
    if (chunk == NULL) {
        release_chunks(c->loop, seg_chunks);
        rj_segments_release(segs, nsegs);
        return RJ_ENOMEM;
    }
    size_t before = chunk->buf.len;
    if (segs != NULL) {
        size_t body = 0;
        for (size_t i = 0; i < nsegs; i++) {
            body += segs[i].len;
        }
        rc = rj_command_encode_header(cmd, body, &chunk->buf);
    } else {
        rc = rj_command_encode(cmd, &chunk->buf);
    }
    if (rc != 0) {
        release_chunks(c->loop, seg_chunks);
        rj_segments_release(segs, nsegs);
        return rc;
    }
    c->out_bytes += chunk->buf.len - before;
    if (segs != NULL) {
        append_segments(c, seg_chunks, segs, nsegs);
    }
    after_queue(c);
    return 0;
}

int
rj_connection_queue_bytes(rj_connection_t *c, rj_buf_t *frame, const rj_segment_t *segs,
                          size_t nsegs)
{
    rj_out_chunk_t *seg_chunks = NULL;
    int rc;
    if (!accepts_output(c)) {
        rj_segments_release(segs, nsegs);
        return RJ_ECLOSED;
    }
    if ((rc = get_seg_chunks(c, nsegs, &seg_chunks)) != 0) {
        rj_segments_release(segs, nsegs);
        return rc;
    }
    if (frame->len > COPY_FRAME_MAX) {
        /* The frame's owner gets the pooled chunk's (small) buffer in exchange. */
        rj_out_chunk_t *chunk = rj_io_loop_chunk_get(c->loop);
        if (chunk != NULL) {
            rj_buf_t spare = chunk->buf;
            chunk->buf = *frame;
            *frame = spare;
            rj_buf_reset(frame);
            append_chunk(c, chunk);
            c->out_bytes += chunk->buf.len;
        } else {
            rc = RJ_ENOMEM;
        }
    } else if (frame->len > 0) {
        rj_out_chunk_t *chunk = tail_buf_chunk(c);
        rc = chunk != NULL ? rj_buf_append(&chunk->buf, frame->data, frame->len) : RJ_ENOMEM;
        if (rc == 0) {
            c->out_bytes += frame->len;
        }
    }
    if (rc != 0) {
        release_chunks(c->loop, seg_chunks);
        rj_segments_release(segs, nsegs);
        return rc;
    }
    append_segments(c, seg_chunks, segs, nsegs);
    after_queue(c);
    return 0;
}

static size_t
chunk_left(const rj_out_chunk_t *chunk)
{
    return (chunk->is_seg ? chunk->seg_len : chunk->buf.len) - chunk->off;
}

static const char *
chunk_ptr(const rj_out_chunk_t *chunk)
{
    return (const char *)(chunk->is_seg ? chunk->seg_data : chunk->buf.data) + chunk->off;
}

static size_t
build_iov(rj_out_chunk_t *chunk, uv_buf_t *iov, size_t max, size_t *total)
{
    size_t n = 0;
    *total = 0;
    for (; chunk != NULL && n < max; chunk = chunk->next) {
        size_t left = chunk_left(chunk);
        if (left > 0) {
            iov[n++] = uv_buf_init((char *)chunk_ptr(chunk), (unsigned int)left);
            *total += left;
        }
    }
    return n;
}

/* Drops `written` bytes from the head of the queue, recycling finished chunks. */
static void
consume_output(rj_connection_t *c, size_t written)
{
    c->out_bytes -= written;
    while (c->out_head != NULL) {
        rj_out_chunk_t *chunk = c->out_head;
        size_t left = chunk_left(chunk);
        if (left > written) {
            chunk->off += written;
            return;
        }
        written -= left;
        c->out_head = chunk->next;
        if (c->out_head == NULL) {
            c->out_tail = NULL;
        }
        rj_io_loop_chunk_put(c->loop, chunk);
    }
}

static void
maybe_resume_output(rj_connection_t *c)
{
    if (c->paused_output && c->out_bytes <= c->ep->low_watermark) {
        c->paused_output = false;
        update_reading(c);
    }
}

static void flush(rj_connection_t *c);

static void
write_cb(uv_write_t *req, int status)
{
    rj_connection_t *c = rj_container_of(req, rj_connection_t, write_req);
    c->write_in_flight = false;
    release_chunks(c->loop, c->sending_head);
    c->sending_head = c->sending_tail = NULL;
    c->out_bytes -= c->sending_bytes;
    c->sending_bytes = 0;
    if (status < 0) {
        if (status != UV_ECANCELED) {
            rj_log(RJ_LOG_DEBUG, status, "remoting: write to %s failed", c->remote_addr);
        }
        rj_connection_close_now(c, RJ_ECLOSED);
        return;
    }
    c->last_active_ms = (int64_t)uv_now(&c->loop->uv);
    maybe_resume_output(c);
    if (c->out_head != NULL) {
        flush(c);
    }
}

static void
flush(rj_connection_t *c)
{
    uv_buf_t iov[MAX_IOV];
    size_t total;
    if (c->write_in_flight || atomic_load(&c->state) != RJ_CONN_OPEN) {
        return;
    }
    while (c->out_head != NULL) {
        size_t n = build_iov(c->out_head, iov, MAX_IOV, &total);
        if (n == 0) {
            consume_output(c, 0); /* only empty chunks */
            break;
        }
        int w = uv_try_write((uv_stream_t *)&c->tcp, iov, (unsigned int)n);
        if (w == UV_EAGAIN || w == UV_ENOSYS) {
            w = 0;
        } else if (w < 0) {
            rj_log(RJ_LOG_DEBUG, w, "remoting: write to %s failed", c->remote_addr);
            rj_connection_close_now(c, RJ_ECLOSED);
            return;
        }
        consume_output(c, (size_t)w);
        if (w > 0) {
            c->last_active_ms = (int64_t)uv_now(&c->loop->uv);
        }
        if ((size_t)w < total) {
            break; /* socket full: the rest goes through uv_write */
        }
    }
    if (c->out_head == NULL) {
        maybe_resume_output(c);
        return;
    }
    /* Hand the first MAX_IOV chunks to one uv_write; they stay untouched until it completes. */
    size_t n = build_iov(c->out_head, iov, MAX_IOV, &total);
    rj_out_chunk_t *last = c->out_head;
    size_t used = 0;
    for (rj_out_chunk_t *chunk = c->out_head; chunk != NULL; chunk = chunk->next) {
        last = chunk;
        if (chunk_left(chunk) > 0 && ++used == n) {
            break;
        }
    }
    c->sending_head = c->out_head;
    c->sending_tail = last;
    c->out_head = last->next;
    if (c->out_head == NULL) {
        c->out_tail = NULL;
    }
    last->next = NULL;
    c->sending_bytes = total;
    int rc = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, iov, (unsigned int)n, write_cb);
    if (rc != 0) {
        /* The chunks go back to the queue's head so close releases them once. */
        last->next = c->out_head;
        c->out_head = c->sending_head;
        if (c->out_tail == NULL) {
            c->out_tail = last;
        }
        c->sending_head = c->sending_tail = NULL;
        c->sending_bytes = 0;
        rj_log(RJ_LOG_DEBUG, rc, "remoting: write to %s failed", c->remote_addr);
        rj_connection_close_now(c, RJ_ECLOSED);
        return;
    }
    c->write_in_flight = true;
}

static size_t process_frames(rj_connection_t *c, uint8_t *data, size_t len);

static void
reprocess_frames(rj_connection_t *c)
{
    if (atomic_load(&c->state) != RJ_CONN_OPEN || c->rbuf.len == 0 || c->paused_output ||
        c->paused_pending) {
        return;
    }
    size_t used = process_frames(c, c->rbuf.data, c->rbuf.len);
    if (atomic_load(&c->state) == RJ_CONN_OPEN) {
        rj_buf_consume(&c->rbuf, used);
    }
}

void
rj_connection_flush_dirty(rj_io_loop_t *loop)
{
    while (loop->dirty != NULL) {
        rj_connection_t *c = loop->dirty;
        loop->dirty = c->dirty_next;
        c->dirty_next = NULL;
        c->dirty = false;
        if (c->reprocess) {
            c->reprocess = false;
            reprocess_frames(c);
        }
        flush(c);
        rj_connection_release(c);
    }
}

/* ------------------------------------------------------------ reading */

static void
alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    rj_connection_t *c = rj_container_of(h, rj_connection_t, tcp);
    rj_io_loop_t *loop = c->loop;
    (void)suggested;
    if (c->rbuf.len == 0 && !loop->read_buf_lent) {
        loop->read_buf_lent = true;
        *buf = uv_buf_init((char *)loop->read_buf, RJ_IO_LOOP_READ_BUF);
        return;
    }
    /* A partial frame: read the rest of it (at least 64 KiB) into the connection's buffer. */
    size_t want = RJ_IO_LOOP_READ_BUF;
    if (c->rbuf.len >= 4) {
        uint32_t length = rj_load_be32(c->rbuf.data);
        if (length <= c->ep->max_frame_bytes && 4 + (size_t)length > c->rbuf.len &&
            4 + (size_t)length - c->rbuf.len > want) {
            want = 4 + (size_t)length - c->rbuf.len;
        }
    }
    if (rj_buf_reserve(&c->rbuf, want) != 0) {
        *buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
        return;
    }
    *buf =
        uv_buf_init((char *)c->rbuf.data + c->rbuf.len, (unsigned int)(c->rbuf.cap - c->rbuf.len));
}

static void
handle_response(rj_connection_t *c, const rj_command_t *cmd)
{
    rj_pending_t *p = rj_pending_remove(&c->pending, cmd->opaque);
    if (p == NULL) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                           "remoting: response opaque=%d code=%d from %s matches no request "
                           "(timed out?), dropped",
                           cmd->opaque, cmd->code, c->remote_addr);
        return;
    }
    rj_invoke_msg_t *m = rj_container_of(p, rj_invoke_msg_t, pending);
    m->pending.cb(0, cmd, m->pending.arg);
    rj_invoke_msg_free(m);
}

/* Decodes and dispatches every complete frame of data[0..len); returns the bytes used. */
static size_t
process_frames(rj_connection_t *c, uint8_t *data, size_t len)
{
    rj_command_t cmd;
    size_t off = 0;
    /* A pause (output or outstanding requests over the limit) stops here; the rest waits. */
    while (off < len && atomic_load(&c->state) == RJ_CONN_OPEN && !c->paused_output &&
           !c->paused_pending) {
        int64_t n = rj_command_decode(data + off, len - off, c->ep->max_frame_bytes, &cmd);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            rj_log_ratelimited(10000, RJ_LOG_WARN, (int)n,
                               "remoting: malformed frame from %s, closing the connection",
                               c->remote_addr);
            rj_connection_close_now(c, RJ_ECLOSED);
            return len;
        }
        off += (size_t)n;
        if (rj_command_is_response(&cmd)) {
            handle_response(c, &cmd);
        } else {
            rj_request_dispatch(c, &cmd);
            check_pending_limit(c);
        }
    }
    return atomic_load(&c->state) == RJ_CONN_OPEN ? off : len;
}

static void
read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    rj_connection_t *c = rj_container_of(s, rj_connection_t, tcp);
    rj_io_loop_t *loop = c->loop;
    bool shared = buf->base == (char *)loop->read_buf;
    if (nread < 0) {
        if (shared) {
            loop->read_buf_lent = false;
        }
        if (nread != UV_EOF && nread != UV_ECONNRESET) {
            rj_log(RJ_LOG_DEBUG, (int)nread, "remoting: read from %s failed", c->remote_addr);
        }
        rj_connection_close_now(c, RJ_ECLOSED);
        return;
    }
    if (nread == 0) {
        if (shared) {
            loop->read_buf_lent = false;
        }
        return;
    }
    c->last_active_ms = (int64_t)uv_now(&loop->uv);
    if (shared) {
        size_t used = process_frames(c, loop->read_buf, (size_t)nread);
        if (used < (size_t)nread && atomic_load(&c->state) == RJ_CONN_OPEN &&
            rj_buf_append(&c->rbuf, loop->read_buf + used, (size_t)nread - used) != 0) {
            rj_log(RJ_LOG_WARN, RJ_ENOMEM, "remoting: no memory for a frame from %s",
                   c->remote_addr);
            rj_connection_close_now(c, RJ_ECLOSED);
        }
        loop->read_buf_lent = false;
        return;
    }
    c->rbuf.len += (size_t)nread;
    size_t used = process_frames(c, c->rbuf.data, c->rbuf.len);
    if (atomic_load(&c->state) != RJ_CONN_OPEN) {
        return;
    }
    rj_buf_consume(&c->rbuf, used);
    if (c->rbuf.len == 0 && c->rbuf.cap > RBUF_KEEP_MAX) {
        rj_buf_cleanup(&c->rbuf);
    }
}

/* ------------------------------------------------------------ ticks */

void
rj_connection_tick(rj_io_loop_t *loop, int64_t now_ms)
{
    for (rj_connection_t *c = loop->conns; c != NULL; c = c->next) {
        int s = atomic_load(&c->state);
        if (c->pending.count > 0) {
            fail_pending(rj_pending_take_expired(&c->pending, now_ms), RJ_ETIMEDOUT);
        }
        if (s == RJ_CONN_CONNECTING && c->connect_deadline_ms > 0 &&
            now_ms >= c->connect_deadline_ms) {
            rj_log(RJ_LOG_INFO, 0, "remoting: connect to %s timed out", c->remote_addr);
            rj_connection_close_now(c, RJ_ETIMEDOUT);
        } else if (s == RJ_CONN_OPEN && c->ep->idle_timeout_ms > 0 &&
                   now_ms - c->last_active_ms >= c->ep->idle_timeout_ms) {
            rj_log(RJ_LOG_INFO, 0, "remoting: closing connection %s idle for %lld ms",
                   c->remote_addr, (long long)(now_ms - c->last_active_ms));
            rj_connection_close_now(c, RJ_ECLOSED);
        }
    }
}

/* ------------------------------------------------------------ invocations */

/* Pooled invocation blocks keep frame buffers up to this capacity. */
#define INVOKE_BUF_KEEP RJ_IO_LOOP_POOL_BUF_MAX

static void
invoke_block_destroy(rj_loop_msg_t *base)
{
    rj_invoke_msg_t *m = (rj_invoke_msg_t *)base;
    rj_buf_cleanup(&m->frame);
    rj_free(m);
}

void
rj_endpoint_init_pools(rj_endpoint_t *ep)
{
    rj_msg_pool_init(&ep->invoke_pool, 4096);
}

void
rj_endpoint_cleanup_pools(rj_endpoint_t *ep)
{
    rj_msg_pool_cleanup(&ep->invoke_pool, invoke_block_destroy);
}

rj_invoke_msg_t *
rj_invoke_msg_create(rj_endpoint_t *ep, rj_command_t *request, bool oneway, int64_t timeout_ms,
                     rj_response_cb cb, void *arg, const rj_segment_t *segs, size_t nsegs,
                     const char *addr, int *rc)
{
    size_t addr_len = addr != NULL ? strlen(addr) + 1 : 0;
    if (addr_len > RJ_CONN_ADDR_MAX) {
        rj_segments_release(segs, nsegs);
        *rc = RJ_EINVAL;
        return NULL;
    }
    rj_invoke_msg_t *m = (rj_invoke_msg_t *)rj_msg_pool_get(&ep->invoke_pool);
    if (m == NULL && (m = rj_calloc(1, sizeof(*m))) == NULL) {
        rj_segments_release(segs, nsegs);
        *rc = RJ_ENOMEM;
        return NULL;
    }
    m->ep = ep;
    m->conn = NULL;
    m->segs = NULL;
    m->nsegs = 0;
    m->pending.next = NULL;
    if (nsegs > 0 && (m->segs = nsegs <= RJ_ARRAY_SIZE(m->seg_inline)
                                    ? m->seg_inline
                                    : rj_malloc(nsegs * sizeof(*segs))) == NULL) {
        rj_segments_release(segs, nsegs);
        rj_invoke_msg_free(m);
        *rc = RJ_ENOMEM;
        return NULL;
    }
    request->opaque = rj_endpoint_next_opaque(ep);
    request->flag &= ~(RJ_CMD_FLAG_RESPONSE | RJ_CMD_FLAG_ONEWAY);
    if (oneway) {
        request->flag |= RJ_CMD_FLAG_ONEWAY;
    }
    if (nsegs > 0) {
        size_t body = 0;
        for (size_t i = 0; i < nsegs; i++) {
            body += segs[i].len;
        }
        memcpy(m->segs, segs, nsegs * sizeof(*segs));
        m->nsegs = nsegs;
        *rc = rj_command_encode_header(request, body, &m->frame);
    } else {
        *rc = rj_command_encode(request, &m->frame);
    }
    if (*rc != 0) {
        rj_invoke_msg_free(m);
        return NULL;
    }
    m->pending.opaque = request->opaque;
    m->pending.cb = oneway ? NULL : cb;
    m->pending.arg = arg;
    m->oneway = oneway;
    m->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    if (addr != NULL) {
        memcpy(m->addr, addr, addr_len);
    } else {
        m->addr[0] = 0;
    }
    return m;
}

void
rj_invoke_msg_free(rj_invoke_msg_t *m)
{
    if (m == NULL) {
        return;
    }
    rj_segments_release(m->segs, m->nsegs);
    if (m->segs != m->seg_inline) {
        rj_free(m->segs);
    }
    m->segs = NULL;
    m->nsegs = 0;
    if (m->frame.cap > INVOKE_BUF_KEEP) {
        rj_buf_cleanup(&m->frame);
    }
    rj_buf_reset(&m->frame);
    if (!rj_msg_pool_put(&m->ep->invoke_pool, &m->base)) {
        invoke_block_destroy(&m->base);
    }
}

void
rj_invoke_fail(rj_invoke_msg_t *m, int status)
{
    if (m->pending.cb != NULL) {
        m->pending.cb(status, NULL, m->pending.arg);
    }
    rj_invoke_msg_free(m);
}

void
rj_invoke_submit(rj_connection_t *c, rj_invoke_msg_t *m)
{
    if (!accepts_output(c)) {
        rj_invoke_fail(m, c->close_status);
        return;
    }
    if (!m->oneway) {
        m->pending.deadline_ms = (int64_t)uv_now(&c->loop->uv) + m->timeout_ms;
        if (rj_pending_insert(&c->pending, &m->pending) != 0) {
            rj_invoke_fail(m, RJ_ENOMEM);
            return;
        }
    }
    int rc = rj_connection_queue_bytes(c, &m->frame, m->segs, m->nsegs);
    /* Segments belong to the queue now (or were released by it). */
    if (m->segs != m->seg_inline) {
        rj_free(m->segs);
    }
    m->segs = NULL;
    m->nsegs = 0;
    rj_buf_reset(&m->frame);
    if (rc != 0) {
        if (!m->oneway) {
            rj_pending_remove(&c->pending, m->pending.opaque);
        }
        rj_invoke_fail(m, rc);
        return;
    }
    if (m->oneway) {
        rj_invoke_msg_free(m);
    }
}

static void
conn_invoke_run(rj_io_loop_t *loop, rj_loop_msg_t *base)
{
    rj_invoke_msg_t *m = (rj_invoke_msg_t *)base;
    rj_connection_t *c = m->conn;
    (void)loop;
    m->conn = NULL;
    rj_invoke_submit(c, m);
    rj_connection_release(c);
}

static void
conn_invoke_drop(rj_loop_msg_t *base)
{
    rj_invoke_msg_t *m = (rj_invoke_msg_t *)base;
    rj_connection_release(m->conn);
    rj_invoke_msg_free(m);
}

static int
connection_invoke(rj_connection_t *conn, rj_command_t *request, bool oneway, int64_t timeout_ms,
                  rj_response_cb cb, void *arg, const rj_segment_t *segs, size_t nsegs)
{
    int rc;
    if (!rj_connection_is_open(conn)) {
        rj_segments_release(segs, nsegs);
        return RJ_ECLOSED;
    }
    rj_invoke_msg_t *m = rj_invoke_msg_create(conn->ep, request, oneway, timeout_ms, cb, arg, segs,
                                              nsegs, NULL, &rc);
    if (m == NULL) {
        return rc;
    }
    m->base.run = conn_invoke_run;
    m->base.drop = conn_invoke_drop;
    m->conn = conn;
    rj_connection_retain(conn);
    /* Always through the queue, also on the loop thread: the callback never runs inside. */
    if (!rj_io_loop_post(conn->loop, &m->base)) {
        return RJ_ESHUTDOWN;
    }
    return 0;
}

int
rj_connection_invoke_async(rj_connection_t *conn, rj_command_t *request, int64_t timeout_ms,
                           rj_response_cb cb, void *arg)
{
    if (cb == NULL) {
        return RJ_EINVAL;
    }
    return connection_invoke(conn, request, false, timeout_ms, cb, arg, NULL, 0);
}

int
rj_connection_invoke_oneway(rj_connection_t *conn, rj_command_t *request)
{
    return connection_invoke(conn, request, true, 0, NULL, NULL, NULL, 0);
}

int
rj_connection_invoke_oneway_segments(rj_connection_t *conn, rj_command_t *request,
                                     const rj_segment_t *segs, size_t nsegs)
{
    return connection_invoke(conn, request, true, 0, NULL, NULL, segs, nsegs);
}
