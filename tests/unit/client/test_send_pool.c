/* Send blocks: recycling, bounds, reference counts, blocks outliving their pool's owner. */
#include "client/send_pool.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void
test_released_blocks_are_reused(void **state)
{
    size_t blocks, bytes;

    (void)state;
    rj_send_pool_t *pool = rj_send_pool_create(0);
    assert_non_null(pool);
    rj_send_block_t *a = rj_send_pool_get(pool, 1300);
    assert_non_null(a);
    assert_true(a->cap >= 1300);
    assert_int_equal((uintptr_t)rj_send_block_data(a) % alignof(max_align_t), 0);
    memset(rj_send_block_data(a), 0xAB, a->cap);
    rj_send_block_release(a);
    rj_send_pool_stats(pool, &blocks, &bytes);
    assert_int_equal(blocks, 1);
    assert_int_equal(bytes, a->cap);
    /* Same size class: the same block comes back. */
    rj_send_block_t *b = rj_send_pool_get(pool, 1200);
    assert_ptr_equal(b, a);
    rj_send_pool_stats(pool, &blocks, &bytes);
    assert_int_equal(blocks, 0);
    /* A larger request than the pooled block gets a new one. */
    rj_send_block_release(b);
    rj_send_block_t *c = rj_send_pool_get(pool, 5000);
    assert_ptr_not_equal(c, a);
    assert_true(c->cap >= 5000);
    rj_send_block_release(c);
    rj_send_pool_close(pool);
}

static void
test_references_keep_a_block_until_the_last_release(void **state)
{
    size_t blocks, bytes;

    (void)state;
    rj_send_pool_t *pool = rj_send_pool_create(0);
    rj_send_block_t *a = rj_send_pool_get(pool, 100);
    rj_send_block_retain(a); /* e.g. a body segment still queued */
    rj_send_block_retain(a);
    rj_send_block_release(a);
    rj_send_block_release_cb(a);
    rj_send_pool_stats(pool, &blocks, &bytes);
    assert_int_equal(blocks, 0);
    rj_send_block_release(a);
    rj_send_pool_stats(pool, &blocks, &bytes);
    assert_int_equal(blocks, 1);
    rj_send_block_release(NULL); /* no-op */
    rj_send_pool_close(pool);
}

static void
test_pool_keeps_only_small_blocks_up_to_its_byte_limit(void **state)
{
    enum { N = RJ_SEND_POOL_BYTES_MAX / RJ_SEND_POOL_BLOCK_MAX + 10 };
    rj_send_block_t *b[N];
    size_t blocks, bytes;

    (void)state;
    rj_send_pool_t *pool = rj_send_pool_create(0);
    rj_send_block_t *big = rj_send_pool_get(pool, RJ_SEND_POOL_BLOCK_MAX + 1);
    assert_true(big->cap > RJ_SEND_POOL_BLOCK_MAX);
    rj_send_block_release(big); /* too large to keep */
    rj_send_pool_stats(pool, &blocks, &bytes);
    assert_int_equal(blocks, 0);
    for (int i = 0; i < N; i++) {
        b[i] = rj_send_pool_get(pool, RJ_SEND_POOL_BLOCK_MAX);
        assert_int_equal(b[i]->cap, RJ_SEND_POOL_BLOCK_MAX);
    }
    for (int i = 0; i < N; i++) {
        rj_send_block_release(b[i]);
    }
    rj_send_pool_stats(pool, &blocks, &bytes);
    assert_int_equal(bytes, RJ_SEND_POOL_BYTES_MAX);
    assert_int_equal(blocks, RJ_SEND_POOL_BYTES_MAX / RJ_SEND_POOL_BLOCK_MAX);
    rj_send_pool_close(pool);
}

static void *
release_on_other_thread(void *arg)
{
    rj_send_block_release(arg);
    return NULL;
}

static void
test_blocks_released_after_close_free_themselves_and_the_pool(void **state)
{
    (void)state;
    rj_send_pool_t *pool = rj_send_pool_create(0);
    rj_send_block_t *a = rj_send_pool_get(pool, 64);
    rj_send_block_t *b = rj_send_pool_get(pool, 64);
    rj_send_block_release(b); /* pooled: freed by close */
    rj_send_pool_close(pool); /* the owner is gone, `a` still out */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_on_other_thread, a), 0);
    pthread_join(t, NULL); /* frees `a` and then the pool (ASan reports any leak) */
}

static void
test_out_of_memory_returns_null(void **state)
{
    (void)state;
    rj_send_pool_t *pool = rj_send_pool_create(0);
    rj_alloc_fail_after(0);
    assert_null(rj_send_pool_get(pool, 100));
    rj_alloc_fail_after(-1);
    rj_send_pool_close(pool);
}

static void
test_permit_blocks_bound_blocks_in_flight_until_released(void **state)
{
    int rc;

    (void)state;
    rj_send_pool_t *pool = rj_send_pool_create(2);
    rj_send_block_t *a = rj_send_pool_get_permit(pool, 100, 0, &rc);
    rj_send_block_t *b = rj_send_pool_get_permit(pool, 100, 0, &rc);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(rj_send_pool_permits_in_use(pool), 2);
    int64_t t0 = rj_clock_mono_ms();
    assert_null(rj_send_pool_get_permit(pool, 100, 30, &rc));
    assert_int_equal(rc, RJ_EBUSY);
    assert_true(rj_clock_mono_ms() - t0 >= 25);
    /* Blocks without a permit are not bounded. */
    rj_send_block_t *free_block = rj_send_pool_get(pool, 100);
    assert_non_null(free_block);
    rj_send_block_release(free_block);
    assert_int_equal(rj_send_pool_permits_in_use(pool), 2);
    /* The permit comes back with the last reference. */
    rj_send_block_retain(a);
    rj_send_block_release(a);
    assert_int_equal(rj_send_pool_permits_in_use(pool), 2);
    rj_send_block_release(a);
    assert_int_equal(rj_send_pool_permits_in_use(pool), 1);
    rj_send_block_t *c = rj_send_pool_get_permit(pool, 100, 0, &rc);
    assert_non_null(c);
    /* A recycled block does not keep the permit flag. */
    rj_send_block_release(c);
    rj_send_block_t *d = rj_send_pool_get(pool, 100);
    assert_false(d->holds_permit);
    rj_send_block_release(d);
    rj_send_pool_close(pool);
    /* Released after the owner closed: the permit and the block go away with the pool. */
    rj_send_block_release(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_released_blocks_are_reused),
        cmocka_unit_test(test_references_keep_a_block_until_the_last_release),
        cmocka_unit_test(test_pool_keeps_only_small_blocks_up_to_its_byte_limit),
        cmocka_unit_test(test_blocks_released_after_close_free_themselves_and_the_pool),
        cmocka_unit_test(test_out_of_memory_returns_null),
        cmocka_unit_test(test_permit_blocks_bound_blocks_in_flight_until_released),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
