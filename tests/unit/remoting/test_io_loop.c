/*
 * Tests of src/remoting/io_loop.c: cross-thread posting (every message runs
 * once, in order per poster), synchronous calls, shutdown dropping later
 * posts, the message pool, and the output chunk pool's limits.
 */
#include "remoting/io_loop_internal.h"

#include "common/alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    rj_loop_msg_t base;
    int poster;
    int seq;
} test_msg_t;

enum { POSTERS = 4, PER_POSTER = 20000 };

static int last_seq[POSTERS];
static atomic_int ran, dropped, out_of_order, on_wrong_thread;

static void
msg_run(rj_io_loop_t *loop, rj_loop_msg_t *m)
{
    test_msg_t *t = (test_msg_t *)m;
    if (rj_io_loop_current() != loop) {
        atomic_fetch_add(&on_wrong_thread, 1);
    }
    if (t->seq != last_seq[t->poster] + 1) {
        atomic_fetch_add(&out_of_order, 1);
    }
    last_seq[t->poster] = t->seq;
    atomic_fetch_add(&ran, 1);
    free(t);
}

static void
msg_drop(rj_loop_msg_t *m)
{
    atomic_fetch_add(&dropped, 1);
    free(m);
}

typedef struct {
    rj_io_loop_t *loop;
    int poster;
} poster_t;

static void *
post_many(void *arg)
{
    poster_t *p = arg;
    for (int i = 1; i <= PER_POSTER; i++) {
        test_msg_t *t = malloc(sizeof(*t));
        t->base.run = msg_run;
        t->base.drop = msg_drop;
        t->poster = p->poster;
        t->seq = i;
        rj_io_loop_post(p->loop, &t->base);
    }
    return NULL;
}

static void
count_call(rj_io_loop_t *loop, void *arg)
{
    (void)loop;
    *(int *)arg = atomic_load(&ran);
}

static void
test_posts_from_many_threads_run_in_order_then_shutdown_drops(void **state)
{
    (void)state;
    rj_io_loop_t *loop;
    assert_int_equal(rj_io_loop_create("t-loop", NULL, 0, NULL, &loop), 0);
    assert_null(rj_io_loop_current());
    assert_int_equal(rj_io_loop_start(loop), 0);
    pthread_t t[POSTERS];
    poster_t p[POSTERS];
    for (int i = 0; i < POSTERS; i++) {
        p[i] = (poster_t){loop, i};
        pthread_create(&t[i], NULL, post_many, &p[i]);
    }
    for (int i = 0; i < POSTERS; i++) {
        pthread_join(t[i], NULL);
    }
    /* A call runs after everything posted before it. */
    int seen = 0;
    rj_io_loop_call(loop, count_call, &seen);
    assert_int_equal(seen, POSTERS * PER_POSTER);
    assert_int_equal(atomic_load(&out_of_order), 0);
    assert_int_equal(atomic_load(&on_wrong_thread), 0);
    rj_io_loop_shutdown(loop, NULL);
    rj_io_loop_shutdown(loop, NULL); /* idempotent */
    /* After shutdown a post is dropped on the posting thread. */
    test_msg_t *m = malloc(sizeof(*m));
    m->base.run = msg_run;
    m->base.drop = msg_drop;
    assert_false(rj_io_loop_post(loop, &m->base));
    assert_int_equal(atomic_load(&dropped), 1);
    seen = -1;
    rj_io_loop_call(loop, count_call, &seen); /* dropped: returns without running */
    assert_int_equal(seen, -1);
    rj_io_loop_release(loop);
}

static void
test_shutdown_of_a_loop_that_never_ran(void **state)
{
    (void)state;
    rj_io_loop_t *loop;
    assert_int_equal(rj_io_loop_create("t-idle", NULL, 0, NULL, &loop), 0);
    test_msg_t *m = malloc(sizeof(*m));
    m->base.run = msg_run;
    m->base.drop = msg_drop;
    m->poster = 0;
    m->seq = last_seq[0] + 1;
    int before = atomic_load(&ran);
    assert_true(rj_io_loop_post(loop, &m->base));
    /* Queued before the shutdown: it still runs (on the shutting-down thread). */
    rj_io_loop_shutdown(loop, NULL);
    assert_int_equal(atomic_load(&ran), before + 1);
    rj_io_loop_release(loop);
}

static void
test_message_pool_bounds(void **state)
{
    (void)state;
    rj_msg_pool_t pool;
    rj_msg_pool_init(&pool, 2);
    assert_null(rj_msg_pool_get(&pool));
    rj_loop_msg_t *a = rj_malloc(sizeof(*a)), *b = rj_malloc(sizeof(*b)),
                  *c = rj_malloc(sizeof(*c));
    assert_true(rj_msg_pool_put(&pool, a));
    assert_true(rj_msg_pool_put(&pool, b));
    assert_false(rj_msg_pool_put(&pool, c));
    rj_free(c);
    assert_ptr_equal(rj_msg_pool_get(&pool), b);
    assert_true(rj_msg_pool_put(&pool, b));
    rj_msg_pool_cleanup(&pool, NULL);
}

static atomic_int seg_released;

static void
seg_release(void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&seg_released, 1);
}

static void
test_chunk_pool_keeps_small_buffers_within_its_byte_limit(void **state)
{
    (void)state;
    enum { N = 200 };
    rj_io_loop_t *loop;
    rj_out_chunk_t *chunks[N];
    assert_int_equal(rj_io_loop_create("t-chunks", NULL, 0, NULL, &loop), 0);

    /* A buffer larger than the pooled size is freed; the chunk is kept bare. */
    rj_out_chunk_t *big = rj_io_loop_chunk_get(loop);
    assert_non_null(big);
    assert_int_equal(rj_buf_reserve(&big->buf, RJ_IO_LOOP_POOL_BUF_MAX + 1), 0);
    rj_io_loop_chunk_put(loop, big);
    assert_int_equal(loop->free_buf_bytes, 0);
    assert_int_equal(loop->free_bare_count, 1);

    /* Many full-size buffers (the first reuses the bare chunk): only
       RJ_IO_LOOP_POOL_BYTES_MAX worth stays pooled. */
    for (int i = 0; i < N; i++) {
        chunks[i] = rj_io_loop_chunk_get(loop);
        assert_non_null(chunks[i]);
        assert_int_equal(rj_buf_reserve(&chunks[i]->buf, RJ_IO_LOOP_POOL_BUF_MAX), 0);
        assert_int_equal(chunks[i]->buf.cap, RJ_IO_LOOP_POOL_BUF_MAX);
    }
    for (int i = 0; i < N; i++) {
        rj_io_loop_chunk_put(loop, chunks[i]);
    }
    assert_int_equal(loop->free_buf_bytes, RJ_IO_LOOP_POOL_BYTES_MAX);
    assert_int_equal(loop->free_bare_count,
                     N - RJ_IO_LOOP_POOL_BYTES_MAX / RJ_IO_LOOP_POOL_BUF_MAX);

    /* Segments get bare chunks even while buffered ones are pooled ... */
    rj_out_chunk_t *seg = rj_io_loop_chunk_get_bare(loop);
    assert_int_equal(seg->buf.cap, 0);
    assert_int_equal(loop->free_buf_bytes, RJ_IO_LOOP_POOL_BYTES_MAX);
    /* ... and release their segment exactly once when they come back. */
    seg->is_seg = true;
    seg->seg_release = seg_release;
    rj_io_loop_chunk_put(loop, seg);
    assert_int_equal(atomic_load(&seg_released), 1);
    /* Encoded bytes get a chunk that still has its buffer, reset. */
    rj_out_chunk_t *buffered = rj_io_loop_chunk_get(loop);
    assert_int_equal(buffered->buf.cap, RJ_IO_LOOP_POOL_BUF_MAX);
    assert_int_equal(buffered->buf.len, 0);
    assert_false(buffered->is_seg);
    assert_null(buffered->next);
    assert_int_equal(loop->free_buf_bytes, RJ_IO_LOOP_POOL_BYTES_MAX - RJ_IO_LOOP_POOL_BUF_MAX);
    rj_io_loop_chunk_put(loop, buffered);

    /* Bare chunks are bounded in number too. */
    size_t extra = RJ_IO_LOOP_POOL_BARE_MAX + 10;
    rj_out_chunk_t **bare = rj_malloc(extra * sizeof(*bare));
    for (size_t i = 0; i < extra; i++) {
        bare[i] = rj_io_loop_chunk_get_bare(loop);
        assert_non_null(bare[i]);
    }
    for (size_t i = 0; i < extra; i++) {
        rj_io_loop_chunk_put(loop, bare[i]);
    }
    assert_int_equal(loop->free_bare_count, RJ_IO_LOOP_POOL_BARE_MAX);
    rj_free(bare);
    rj_io_loop_shutdown(loop, NULL);
    rj_io_loop_release(loop); /* frees the pooled chunks (ASan checks for leaks) */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_posts_from_many_threads_run_in_order_then_shutdown_drops),
        cmocka_unit_test(test_shutdown_of_a_loop_that_never_ran),
        cmocka_unit_test(test_message_pool_bounds),
        cmocka_unit_test(test_chunk_pool_keeps_small_buffers_within_its_byte_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
