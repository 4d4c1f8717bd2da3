/*
 * Request dispatch and replies: looks a request's code up in the endpoint's
 * handler table, runs the handler inline or on the worker pool, and makes sure
 * every two-way request is answered exactly once (unknown code →
 * REQUEST_CODE_NOT_SUPPORTED, handler error or forgotten reply → SYSTEM_ERROR)
 * while one-way requests never are.
 *
 * Replies made on the connection's I/O thread are encoded straight into its
 * output queue. Replies from any other thread (worker handlers, deferred
 * completions) are encoded on that thread into the rj_deferred_t / reply
 * message and cross to the loop through rj_io_loop_post().
 */
#include "remoting/connection_internal.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/log.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

typedef enum {
    REQ_ACTIVE = 0,   /* not answered yet */
    REQ_REPLIED = 1,  /* answered (or the answer was dropped: one-way, closed) */
    REQ_DEFERRED = 2, /* an rj_deferred_t owns the answer */
} req_state_t;

struct rj_request {
    rj_connection_t *conn;
    int32_t opaque;
    int32_t code;
    uint8_t serialize_type;
    bool oneway;
    bool on_worker; /* handler runs off the I/O thread: replies go through the queue */
    uint8_t state;  /* req_state_t */
};

struct rj_deferred {
    rj_loop_msg_t base;
    rj_connection_t *conn; /* retained */
    int32_t opaque;
    int32_t code;
    uint8_t serialize_type;
    bool oneway;
    bool counted; /* counts in conn->outstanding */
    rj_buf_t frame;
    rj_segment_t *segs; /* seg_inline or a heap array */
    size_t nsegs;
    rj_segment_t seg_inline[32]; /* a default pull batch of 32 messages needs no allocation */
};

/* Pooled deferred blocks keep frame buffers up to this capacity. */
#define DEFERRED_BUF_KEEP RJ_IO_LOOP_POOL_BUF_MAX

typedef struct {
    uv_work_t work;
    rj_request_t req;
    rj_command_t *cmd;
    const rj_handler_t *handler;
} worker_job_t;

/* Puts the request's identity on a response. */
static void
stamp(rj_command_t *resp, int32_t opaque, uint8_t serialize_type)
{
    resp->opaque = opaque;
    resp->flag = (resp->flag | RJ_CMD_FLAG_RESPONSE) & ~RJ_CMD_FLAG_ONEWAY;
    resp->serialize_type = serialize_type;
}

/* ------------------------------------------------------------ deferred / posted replies */

static void
drop_segments(rj_deferred_t *d)
{
    rj_segments_release(d->segs, d->nsegs);
    if (d->segs != d->seg_inline) {
        rj_free(d->segs);
    }
    d->segs = NULL;
    d->nsegs = 0;
}

void
rj_deferred_block_destroy(rj_loop_msg_t *m)
{
    rj_deferred_t *d = (rj_deferred_t *)m;
    rj_buf_cleanup(&d->frame);
    rj_free(d);
}

/* Back to the loop's pool (the caller still holds its connection reference). */
static void
deferred_free(rj_deferred_t *d)
{
    drop_segments(d);
    if (d->frame.cap > DEFERRED_BUF_KEEP) {
        rj_buf_cleanup(&d->frame);
    }
    rj_buf_reset(&d->frame);
    if (!rj_msg_pool_put(&d->conn->loop->deferred_pool, &d->base)) {
        rj_deferred_block_destroy(&d->base);
    }
}

static void
deferred_run(rj_io_loop_t *loop, rj_loop_msg_t *m)
{
    rj_deferred_t *d = (rj_deferred_t *)m;
    rj_connection_t *conn = d->conn;
    (void)loop;
    if (d->frame.len > 0) {
        /* A closed connection just drops it (segments released by the queue call). */
        rj_connection_queue_bytes(conn, &d->frame, d->segs, d->nsegs);
        if (d->segs != d->seg_inline) {
            rj_free(d->segs);
        }
        d->segs = NULL;
        d->nsegs = 0;
    }
    if (d->counted) {
        rj_connection_outstanding_done(conn);
    }
    deferred_free(d);
    rj_connection_release(conn);
}

static void
deferred_drop(rj_loop_msg_t *m)
{
    rj_deferred_t *d = (rj_deferred_t *)m;
    rj_connection_t *conn = d->conn;
    if (d->counted) {
        atomic_fetch_sub(&conn->outstanding, 1);
    }
    deferred_free(d);
    rj_connection_release(conn);
}

static rj_deferred_t *
deferred_create(const rj_request_t *req, bool counted)
{
    rj_deferred_t *d = (rj_deferred_t *)rj_msg_pool_get(&req->conn->loop->deferred_pool);
    if (d == NULL && (d = rj_calloc(1, sizeof(*d))) == NULL) {
        return NULL;
    }
    d->segs = NULL;
    d->nsegs = 0;
    d->base.run = deferred_run;
    d->base.drop = deferred_drop;
    d->conn = req->conn;
    d->opaque = req->opaque;
    d->code = req->code;
    d->serialize_type = req->serialize_type;
    d->oneway = req->oneway;
    d->counted = counted;
    rj_connection_retain(d->conn);
    if (counted) {
        atomic_fetch_add(&d->conn->outstanding, 1);
    }
    return d;
}

/* Encodes an error response into d->frame (used when the real one cannot be encoded). */
static void
encode_error(rj_deferred_t *d, int32_t code, const char *remark)
{
    rj_command_t resp;
    rj_command_init_request(&resp, code);
    rj_command_set_remark_cstr(&resp, remark);
    stamp(&resp, d->opaque, d->serialize_type);
    rj_buf_reset(&d->frame);
    if (rj_command_encode(&resp, &d->frame) != 0) {
        rj_log(RJ_LOG_ERROR, RJ_ENOMEM, "remoting: cannot answer request opaque=%d of %s",
               d->opaque, d->conn->remote_addr);
    }
}

/*
 * Encodes `resp` (or its header when segs != NULL) into d and posts it. Takes
 * the segments. On an encoding error sends SYSTEM_ERROR instead and returns the
 * error. Consumes d.
 */
static int
deferred_complete(rj_deferred_t *d, rj_command_t *resp, const rj_segment_t *segs, size_t nsegs)
{
    int rc = 0;
    if (d->oneway || resp == NULL) {
        rj_segments_release(segs, nsegs);
    } else {
        stamp(resp, d->opaque, d->serialize_type);
        if (segs != NULL) {
            size_t body = 0;
            for (size_t i = 0; i < nsegs; i++) {
                body += segs[i].len;
            }
            d->segs = nsegs <= RJ_ARRAY_SIZE(d->seg_inline) ? d->seg_inline
                                                            : rj_malloc(nsegs * sizeof(*segs));
            if (d->segs == NULL) {
                rc = RJ_ENOMEM;
            } else {
                rc = rj_command_encode_header(resp, body, &d->frame);
            }
            if (rc == 0) {
                if (nsegs > 0) {
                    memcpy(d->segs, segs, nsegs * sizeof(*segs));
                }
                d->nsegs = nsegs;
            } else {
                if (d->segs != d->seg_inline) {
                    rj_free(d->segs);
                }
                d->segs = NULL;
                rj_segments_release(segs, nsegs);
            }
        } else {
            rc = rj_command_encode(resp, &d->frame);
        }
        if (rc != 0) {
            rj_log(RJ_LOG_WARN, rc, "remoting: cannot encode the response to code=%d from %s",
                   d->code, d->conn->remote_addr);
            encode_error(d, RJ_RESP_SYSTEM_ERROR, rj_strerror(rc));
        }
    }
    rj_io_loop_post(d->conn->loop, &d->base);
    return rc;
}

/* ------------------------------------------------------------ replying to a request */

static int
reply(rj_request_t *req, rj_command_t *resp, const rj_segment_t *segs, size_t nsegs)
{
    if (req->state != REQ_ACTIVE) {
        rj_segments_release(segs, nsegs);
        return RJ_ESTATE;
    }
    if (req->oneway) {
        req->state = REQ_REPLIED;
        rj_segments_release(segs, nsegs);
        return 0;
    }
    stamp(resp, req->opaque, req->serialize_type);
    if (!req->on_worker) {
        int rc = rj_connection_queue_command(req->conn, resp, segs, nsegs);
        if (rc != 0 && rc != RJ_ECLOSED) {
            return rc; /* still unanswered: the handler may answer differently */
        }
        req->state = REQ_REPLIED;
        return 0;
    }
    rj_deferred_t *d = deferred_create(req, false);
    if (d == NULL) {
        rj_segments_release(segs, nsegs);
        return RJ_ENOMEM;
    }
    int rc = deferred_complete(d, resp, segs, nsegs);
    req->state = REQ_REPLIED; /* answered, with SYSTEM_ERROR if rc != 0 */
    return rc;
}

int
rj_request_reply(rj_request_t *req, rj_command_t *resp)
{
    return reply(req, resp, NULL, 0);
}

int
rj_request_reply_segments(rj_request_t *req, rj_command_t *resp, const rj_segment_t *segs,
                          size_t nsegs)
{
    static const rj_segment_t none[1];
    return reply(req, resp, segs != NULL ? segs : none, segs != NULL ? nsegs : 0);
}

rj_deferred_t *
rj_request_defer(rj_request_t *req)
{
    if (req->state != REQ_ACTIVE) {
        return NULL;
    }
    rj_deferred_t *d = deferred_create(req, true);
    if (d != NULL) {
        req->state = REQ_DEFERRED;
    }
    return d;
}

void
rj_request_set_reply_serialize_type(rj_request_t *req, uint8_t serialize_type)
{
    req->serialize_type = serialize_type;
}

rj_connection_t *
rj_request_connection(const rj_request_t *req)
{
    return req->conn;
}

bool
rj_request_is_oneway(const rj_request_t *req)
{
    return req->oneway;
}

int
rj_deferred_reply(rj_deferred_t *d, rj_command_t *resp)
{
    return deferred_complete(d, resp, NULL, 0);
}

int
rj_deferred_reply_segments(rj_deferred_t *d, rj_command_t *resp, const rj_segment_t *segs,
                           size_t nsegs)
{
    static const rj_segment_t none[1];
    return deferred_complete(d, resp, segs != NULL ? segs : none, segs != NULL ? nsegs : 0);
}

void
rj_deferred_cancel(rj_deferred_t *d)
{
    if (!d->oneway) {
        rj_log(RJ_LOG_WARN, 0,
               "remoting: two-way request code=%d from %s cancelled, answering "
               "SYSTEM_ERROR",
               d->code, d->conn->remote_addr);
        encode_error(d, RJ_RESP_SYSTEM_ERROR, "request cancelled");
    }
    rj_io_loop_post(d->conn->loop, &d->base);
}

rj_connection_t *
rj_deferred_connection(const rj_deferred_t *d)
{
    return d->conn;
}

int32_t
rj_deferred_opaque(const rj_deferred_t *d)
{
    return d->opaque;
}

int32_t
rj_deferred_code(const rj_deferred_t *d)
{
    return d->code;
}

bool
rj_deferred_is_oneway(const rj_deferred_t *d)
{
    return d->oneway;
}

/* ------------------------------------------------------------ dispatch */

static void
answer_error(rj_request_t *req, int32_t code, const char *remark)
{
    rj_command_t resp;
    rj_command_init_request(&resp, code);
    rj_command_set_remark_cstr(&resp, remark);
    if (reply(req, &resp, NULL, 0) != 0) {
        rj_log(RJ_LOG_ERROR, RJ_ENOMEM, "remoting: cannot answer code=%d opaque=%d from %s",
               req->code, req->opaque, req->conn->remote_addr);
    }
}

/* After the handler: a two-way request it neither answered nor deferred gets SYSTEM_ERROR. */
static void
finish(rj_request_t *req, int rc)
{
    if (req->state != REQ_ACTIVE || req->oneway) {
        return;
    }
    if (rc < 0) {
        rj_log(RJ_LOG_DEBUG, rc, "remoting: handler of code=%d failed for %s", req->code,
               req->conn->remote_addr);
        answer_error(req, RJ_RESP_SYSTEM_ERROR, rj_strerror(rc));
    } else {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                           "remoting: handler of code=%d returned without a response", req->code);
        answer_error(req, RJ_RESP_SYSTEM_ERROR, "no response");
    }
}

static void
worker_run(uv_work_t *w)
{
    worker_job_t *job = rj_container_of(w, worker_job_t, work);
    int rc = job->handler->cb(&job->req, job->cmd, job->handler->arg);
    finish(&job->req, rc);
}

static void
worker_done(uv_work_t *w, int status)
{
    worker_job_t *job = rj_container_of(w, worker_job_t, work);
    rj_connection_t *conn = job->req.conn;
    (void)status;
    rj_command_destroy(job->cmd);
    rj_free(job);
    atomic_fetch_sub(&conn->loop->workers, 1);
    rj_connection_outstanding_done(conn);
    rj_connection_release(conn);
}

void
rj_request_dispatch(rj_connection_t *conn, rj_command_t *cmd)
{
    rj_request_t req = {
        .conn = conn,
        .opaque = cmd->opaque,
        .code = cmd->code,
        .serialize_type = cmd->serialize_type,
        .oneway = rj_command_is_oneway(cmd),
        .on_worker = false,
        .state = REQ_ACTIVE,
    };
    const rj_handler_t *h = rj_dispatch_lookup(&conn->ep->dispatch, cmd->code);
    if (h == NULL) {
        char remark[64];
        rj_log(RJ_LOG_DEBUG, 0, "remoting: request code=%d from %s not supported", cmd->code,
               conn->remote_addr);
        if (!req.oneway) {
            snprintf(remark, sizeof(remark), " request type %d not supported", cmd->code);
            answer_error(&req, RJ_RESP_REQUEST_CODE_NOT_SUPPORTED, remark);
        }
        return;
    }
    if (h->mode == RJ_DISPATCH_INLINE) {
        int rc = h->cb(&req, cmd, h->arg);
        finish(&req, rc);
        return;
    }
    worker_job_t *job = rj_malloc(sizeof(*job));
    if (job == NULL || (job->cmd = rj_command_dup(cmd)) == NULL) {
        rj_free(job);
        rj_log(RJ_LOG_WARN, RJ_ENOMEM, "remoting: cannot queue code=%d from %s", cmd->code,
               conn->remote_addr);
        finish(&req, RJ_ENOMEM);
        return;
    }
    job->req = req;
    job->req.on_worker = true;
    job->handler = h;
    rj_connection_retain(conn);
    atomic_fetch_add(&conn->outstanding, 1);
    atomic_fetch_add(&conn->loop->workers, 1);
    int rc = uv_queue_work(&conn->loop->uv, &job->work, worker_run, worker_done);
    if (rc != 0) {
        atomic_fetch_sub(&conn->loop->workers, 1);
        atomic_fetch_sub(&conn->outstanding, 1);
        rj_connection_release(conn);
        rj_command_destroy(job->cmd);
        rj_free(job);
        finish(&req, rc);
    }
}
