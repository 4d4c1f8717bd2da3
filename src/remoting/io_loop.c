/*
 * I/O loop thread: a libuv loop plus the cross-thread message queue, the tick
 * timer and the pools its connections use (output chunks, the shared read
 * buffer). See io_loop_internal.h for the contract.
 *
 * Shutdown is a message like any other, so everything posted before it still
 * runs in order; it is enqueued under the same lock that stops the queue from
 * accepting more, so nothing can slip in after it.
 */
#include "remoting/io_loop_internal.h"

#include "remoting/connection_internal.h"

#include "common/alloc.h"
#include "common/assert.h"
#include "common/log.h"
#include "common/thread_sched.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

/* Scheduling slice requested by I/O threads (see thread_sched.h). */
#define RJ_IO_LOOP_SLICE_US 100

static _Thread_local rj_io_loop_t *tls_loop;

rj_io_loop_t *
rj_io_loop_current(void)
{
    return tls_loop;
}

static void
drain(uv_async_t *handle)
{
    rj_io_loop_t *loop = rj_container_of(handle, rj_io_loop_t, wakeup);
    uv_mutex_lock(&loop->mu);
    rj_loop_msg_t *m = loop->head;
    loop->head = loop->tail = NULL;
    uv_mutex_unlock(&loop->mu);
    while (m != NULL) {
        rj_loop_msg_t *next = m->next;
        m->run(loop, m);
        m = next;
    }
}

/*
 * Output queued during a loop iteration (replies of read batches, drained
 * messages, finished worker jobs) is written here, once per connection per
 * iteration, so many responses share one write.
 */
static void
on_check(uv_check_t *h)
{
    rj_io_loop_t *loop = rj_container_of(h, rj_io_loop_t, flush_check);
    if (loop->dirty != NULL) {
        rj_connection_flush_dirty(loop);
    }
}

static void
on_tick(uv_timer_t *t)
{
    rj_io_loop_t *loop = rj_container_of(t, rj_io_loop_t, tick);
    int64_t now = (int64_t)uv_now(&loop->uv);
    rj_connection_tick(loop, now);
    if (loop->on_tick != NULL) {
        loop->on_tick(loop, now);
    }
}

int
rj_io_loop_create(const char *name, void *owner, int index, rj_io_loop_tick_cb tick_cb,
                  rj_io_loop_t **out)
{
    rj_io_loop_t *loop = rj_calloc(1, sizeof(*loop));
    int rc;
    if (loop == NULL) {
        return RJ_ENOMEM;
    }
    loop->read_buf = rj_malloc(RJ_IO_LOOP_READ_BUF);
    if (loop->read_buf == NULL) {
        rj_free(loop);
        return RJ_ENOMEM;
    }
    snprintf(loop->name, sizeof(loop->name), "%s", name);
    loop->owner = owner;
    loop->index = index;
    loop->on_tick = tick_cb;
    atomic_init(&loop->refs, 1);
    atomic_init(&loop->running, false);
    atomic_init(&loop->workers, 0);
    atomic_init(&loop->conn_count, 0);
    loop->accepting = true;
    if ((rc = uv_mutex_init(&loop->mu)) != 0) {
        goto fail_buf;
    }
    rj_msg_pool_init(&loop->deferred_pool, 1024);
    loop->deferred_destroy = rj_deferred_block_destroy;
    if ((rc = uv_loop_init(&loop->uv)) != 0) {
        goto fail_mutex;
    }
    if ((rc = uv_async_init(&loop->uv, &loop->wakeup, drain)) != 0) {
        goto fail_loop;
    }
    uv_check_init(&loop->uv, &loop->flush_check);
    uv_check_start(&loop->flush_check, on_check);
    uv_timer_init(&loop->uv, &loop->tick);
    uv_timer_start(&loop->tick, on_tick, RJ_IO_LOOP_TICK_MS, RJ_IO_LOOP_TICK_MS);
    *out = loop;
    return 0;
fail_loop:
    uv_loop_close(&loop->uv);
fail_mutex:
    rj_msg_pool_cleanup(&loop->deferred_pool, NULL);
    uv_mutex_destroy(&loop->mu);
fail_buf:
    rj_free(loop->read_buf);
    rj_free(loop);
    return rc;
}

static void
thread_main(void *arg)
{
    rj_io_loop_t *loop = arg;
    tls_loop = loop;
    rj_log_set_thread_name(loop->name);
    /* Requests are short: a woken loop should get a core at once. */
    (void)rj_thread_request_slice_us(RJ_IO_LOOP_SLICE_US);
    uv_run(&loop->uv, UV_RUN_DEFAULT);
    tls_loop = NULL;
}

int
rj_io_loop_start(rj_io_loop_t *loop)
{
    atomic_store(&loop->running, true);
    int rc = uv_thread_create(&loop->thread, thread_main, loop);
    if (rc != 0) {
        atomic_store(&loop->running, false);
        rj_log(RJ_LOG_ERROR, rc, "remoting: cannot start thread %s", loop->name);
    }
    return rc;
}

bool
rj_io_loop_post(rj_io_loop_t *loop, rj_loop_msg_t *msg)
{
    msg->next = NULL;
    uv_mutex_lock(&loop->mu);
    if (!loop->accepting) {
        uv_mutex_unlock(&loop->mu);
        msg->drop(msg);
        return false;
    }
    if (loop->tail != NULL) {
        loop->tail->next = msg;
    } else {
        loop->head = msg;
    }
    loop->tail = msg;
    /* Sent under the lock: the handle cannot be closed by a concurrent shutdown meanwhile. */
    uv_async_send(&loop->wakeup);
    uv_mutex_unlock(&loop->mu);
    return true;
}

/* ------------------------------------------------------------ synchronous calls */

typedef struct {
    rj_loop_msg_t base;
    void (*fn)(rj_io_loop_t *loop, void *arg);
    void *arg;
    uv_mutex_t mu;
    uv_cond_t cond;
    bool done;
} call_msg_t;

static void
call_finish(call_msg_t *c)
{
    uv_mutex_lock(&c->mu);
    c->done = true;
    uv_cond_signal(&c->cond);
    uv_mutex_unlock(&c->mu);
}

static void
call_run(rj_io_loop_t *loop, rj_loop_msg_t *m)
{
    call_msg_t *c = (call_msg_t *)m;
    c->fn(loop, c->arg);
    call_finish(c);
}

static void
call_drop(rj_loop_msg_t *m)
{
    call_finish((call_msg_t *)m);
}

void
rj_io_loop_call(rj_io_loop_t *loop, void (*fn)(rj_io_loop_t *loop, void *arg), void *arg)
{
    call_msg_t c = {.base = {.run = call_run, .drop = call_drop}, .fn = fn, .arg = arg};
    RJ_ASSERT(tls_loop != loop);
    uv_mutex_init(&c.mu);
    uv_cond_init(&c.cond);
    rj_io_loop_post(loop, &c.base);
    uv_mutex_lock(&c.mu);
    while (!c.done) {
        uv_cond_wait(&c.cond, &c.mu);
    }
    uv_mutex_unlock(&c.mu);
    uv_cond_destroy(&c.cond);
    uv_mutex_destroy(&c.mu);
}

/* ------------------------------------------------------------ shutdown */

typedef struct {
    rj_loop_msg_t base;
    void (*final)(rj_io_loop_t *loop);
} shutdown_msg_t;

static void
close_own_handles(rj_io_loop_t *loop)
{
    uv_close((uv_handle_t *)&loop->wakeup, NULL);
    uv_timer_stop(&loop->tick);
    uv_close((uv_handle_t *)&loop->tick, NULL);
    uv_check_stop(&loop->flush_check);
    uv_close((uv_handle_t *)&loop->flush_check, NULL);
}

static void
shutdown_run(rj_io_loop_t *loop, rj_loop_msg_t *m)
{
    shutdown_msg_t *s = (shutdown_msg_t *)m;
    if (s->final != NULL) {
        s->final(loop);
    }
    close_own_handles(loop);
}

static void
shutdown_drop(rj_loop_msg_t *m)
{
    (void)m; /* never dropped: it is the message that stops the accepting */
}

static void
close_leftover(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) {
        uv_close(h, NULL);
    }
}

void
rj_io_loop_shutdown(rj_io_loop_t *loop, void (*final)(rj_io_loop_t *loop))
{
    shutdown_msg_t s = {.base = {.run = shutdown_run, .drop = shutdown_drop}, .final = final};
    RJ_ASSERT(tls_loop != loop);
    uv_mutex_lock(&loop->mu);
    if (!loop->accepting) {
        uv_mutex_unlock(&loop->mu);
        return; /* already shut down */
    }
    s.base.next = NULL;
    if (loop->tail != NULL) {
        loop->tail->next = &s.base;
    } else {
        loop->head = &s.base;
    }
    loop->tail = &s.base;
    loop->accepting = false;
    bool running = atomic_load(&loop->running);
    if (running) {
        uv_async_send(&loop->wakeup);
    }
    uv_mutex_unlock(&loop->mu);
    if (running) {
        uv_thread_join(&loop->thread);
        atomic_store(&loop->running, false);
    } else {
        /* Never started: run the queue and the closes on this thread. */
        tls_loop = loop;
        drain(&loop->wakeup);
        uv_run(&loop->uv, UV_RUN_DEFAULT);
        tls_loop = NULL;
    }
    /* Anything still open (should not happen) is closed so the loop can be closed. */
    if (uv_loop_close(&loop->uv) == UV_EBUSY) {
        rj_log(RJ_LOG_WARN, 0, "remoting: loop %s had handles left at shutdown", loop->name);
        uv_walk(&loop->uv, close_leftover, NULL);
        uv_run(&loop->uv, UV_RUN_DEFAULT);
        uv_loop_close(&loop->uv);
    }
}

void
rj_io_loop_retain(rj_io_loop_t *loop)
{
    atomic_fetch_add_explicit(&loop->refs, 1, memory_order_relaxed);
}

void
rj_io_loop_release(rj_io_loop_t *loop)
{
    if (loop == NULL || atomic_fetch_sub_explicit(&loop->refs, 1, memory_order_acq_rel) != 1) {
        return;
    }
    rj_out_chunk_t *lists[2] = {loop->free_bufs, loop->free_bare};
    for (int i = 0; i < 2; i++) {
        rj_out_chunk_t *c = lists[i];
        while (c != NULL) {
            rj_out_chunk_t *next = c->next;
            rj_buf_cleanup(&c->buf);
            rj_free(c);
            c = next;
        }
    }
    rj_msg_pool_cleanup(&loop->deferred_pool, loop->deferred_destroy);
    uv_mutex_destroy(&loop->mu);
    rj_free(loop->read_buf);
    rj_free(loop);
}

/* ------------------------------------------------------------ message pools */

void
rj_msg_pool_init(rj_msg_pool_t *pool, size_t max)
{
    uv_mutex_init(&pool->mu);
    pool->head = NULL;
    pool->count = 0;
    pool->max = max;
}

rj_loop_msg_t *
rj_msg_pool_get(rj_msg_pool_t *pool)
{
    uv_mutex_lock(&pool->mu);
    rj_loop_msg_t *m = pool->head;
    if (m != NULL) {
        pool->head = m->next;
        pool->count--;
    }
    uv_mutex_unlock(&pool->mu);
    return m;
}

bool
rj_msg_pool_put(rj_msg_pool_t *pool, rj_loop_msg_t *msg)
{
    bool kept = false;
    uv_mutex_lock(&pool->mu);
    if (pool->count < pool->max) {
        msg->next = pool->head;
        pool->head = msg;
        pool->count++;
        kept = true;
    }
    uv_mutex_unlock(&pool->mu);
    return kept;
}

void
rj_msg_pool_cleanup(rj_msg_pool_t *pool, void (*destroy)(rj_loop_msg_t *msg))
{
    rj_loop_msg_t *m = pool->head;
    while (m != NULL) {
        rj_loop_msg_t *next = m->next;
        if (destroy != NULL) {
            destroy(m);
        } else {
            rj_free(m);
        }
        m = next;
    }
    pool->head = NULL;
    pool->count = 0;
    uv_mutex_destroy(&pool->mu);
}

/* ------------------------------------------------------------ chunk pool */

static rj_out_chunk_t *
chunk_ready(rj_out_chunk_t *c)
{
    c->next = NULL;
    c->off = 0;
    c->is_seg = false;
    c->seg_release = NULL;
    rj_buf_reset(&c->buf);
    return c;
}

rj_out_chunk_t *
rj_io_loop_chunk_get_bare(rj_io_loop_t *loop)
{
    rj_out_chunk_t *c = loop->free_bare;
    if (c != NULL) {
        loop->free_bare = c->next;
        loop->free_bare_count--;
        return chunk_ready(c);
    }
    c = rj_calloc(1, sizeof(*c));
    return c != NULL ? chunk_ready(c) : NULL;
}

rj_out_chunk_t *
rj_io_loop_chunk_get(rj_io_loop_t *loop)
{
    rj_out_chunk_t *c = loop->free_bufs;
    if (c == NULL) {
        return rj_io_loop_chunk_get_bare(loop);
    }
    loop->free_bufs = c->next;
    loop->free_buf_bytes -= c->buf.cap;
    return chunk_ready(c);
}

void
rj_io_loop_chunk_put(rj_io_loop_t *loop, rj_out_chunk_t *c)
{
    if (c->is_seg && c->seg_release != NULL) {
        c->seg_release(c->seg_ctx);
    }
    c->is_seg = false;
    c->seg_release = NULL;
    if (c->buf.cap > 0) {
        if (c->buf.cap <= RJ_IO_LOOP_POOL_BUF_MAX &&
            loop->free_buf_bytes + c->buf.cap <= RJ_IO_LOOP_POOL_BYTES_MAX) {
            c->next = loop->free_bufs;
            loop->free_bufs = c;
            loop->free_buf_bytes += c->buf.cap;
            return;
        }
        rj_buf_cleanup(&c->buf);
    }
    if (loop->free_bare_count >= RJ_IO_LOOP_POOL_BARE_MAX) {
        rj_free(c);
        return;
    }
    c->next = loop->free_bare;
    loop->free_bare = c;
    loop->free_bare_count++;
}
