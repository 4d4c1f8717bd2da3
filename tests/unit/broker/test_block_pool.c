#include "broker/block_pool.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#define N 200

static void
test_a_put_block_is_reused_by_the_same_thread(void **state)
{
    (void)state;
    static rj_block_pool_t pool = RJ_BLOCK_POOL_INIT(100, 16);
    void *a = rj_block_pool_get(&pool);
    assert_non_null(a);
    memset(a, 0xAB, 100);
    rj_block_pool_put(&pool, a);
    assert_ptr_equal(rj_block_pool_get(&pool), a);
    rj_block_pool_put(&pool, a);
    rj_block_pool_put(&pool, NULL);
}

typedef struct {
    rj_block_pool_t *pool;
    void **blocks;
    size_t n;
} job_t;

static void *
put_all(void *arg)
{
    job_t *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        rj_block_pool_put(j->pool, j->blocks[i]);
    }
    return NULL;
}

static void *
get_all(void *arg)
{
    job_t *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        j->blocks[i] = rj_block_pool_get(j->pool);
    }
    return NULL;
}

static void
test_blocks_freed_on_another_thread_come_back_through_the_depot(void **state)
{
    (void)state;
    static rj_block_pool_t pool = RJ_BLOCK_POOL_INIT(64, 1000);
    void *blocks[N];
    for (size_t i = 0; i < N; i++) {
        blocks[i] = rj_block_pool_get(&pool);
        assert_non_null(blocks[i]);
        memset(blocks[i], (int)i, 64);
    }
    /* Another thread frees them all: its cache spills to the depot in batches and the rest
       goes to the depot when it exits. */
    job_t j = {&pool, blocks, N};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, put_all, &j), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    pthread_mutex_lock(&pool.lock);
    assert_int_equal(pool.depot_len, N);
    pthread_mutex_unlock(&pool.lock);
    /* This thread takes them back from the depot; no block is handed out twice. */
    void *again[N];
    for (size_t i = 0; i < N; i++) {
        again[i] = rj_block_pool_get(&pool);
        for (size_t k = 0; k < i; k++) {
            assert_ptr_not_equal(again[k], again[i]);
        }
    }
    size_t reused = 0;
    for (size_t i = 0; i < N; i++) {
        for (size_t k = 0; k < N; k++) {
            reused += again[i] == blocks[k];
        }
    }
    assert_int_equal(reused, N);
    for (size_t i = 0; i < N; i++) {
        rj_block_pool_put(&pool, again[i]);
    }
}

static void
test_the_depot_keeps_at_most_its_limit(void **state)
{
    (void)state;
    static rj_block_pool_t pool = RJ_BLOCK_POOL_INIT(32, 10);
    void *blocks[N];
    job_t j = {&pool, blocks, N};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, get_all, &j), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(pthread_create(&t, NULL, put_all, &j), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    pthread_mutex_lock(&pool.lock);
    assert_int_equal(pool.depot_len, 10);
    pthread_mutex_unlock(&pool.lock);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_put_block_is_reused_by_the_same_thread),
        cmocka_unit_test(test_blocks_freed_on_another_thread_come_back_through_the_depot),
        cmocka_unit_test(test_the_depot_keeps_at_most_its_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
