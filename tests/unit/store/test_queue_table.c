#include "store/queue_table.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static rj_consume_queue_t *
make(const char *topic, int qid)
{
    rj_consume_queue_t *cq = rj_calloc(1, sizeof(*cq));
    assert_int_equal(rj_consume_queue_init(cq, "/nonexistent", topic, strlen(topic), qid, 2000), 0);
    return cq;
}

static void
test_insert_lookup_and_growth(void **state)
{
    (void)state;
    rj_queue_table_t t;
    assert_int_equal(rj_queue_table_init(&t), 0);
    char topic[32];
    for (int i = 0; i < 500; i++) {
        snprintf(topic, sizeof(topic), "topic-%d", i / 8);
        rj_consume_queue_t *cq = make(topic, i % 8);
        assert_ptr_equal(rj_queue_table_insert(&t, cq), cq);
    }
    assert_int_equal(t.count, 500);
    for (int i = 0; i < 500; i++) {
        snprintf(topic, sizeof(topic), "topic-%d", i / 8);
        rj_consume_queue_t *cq = rj_queue_table_lookup(&t, topic, strlen(topic), i % 8);
        assert_non_null(cq);
        assert_int_equal(cq->queue_id, i % 8);
        assert_string_equal(cq->topic, topic);
    }
    assert_null(rj_queue_table_lookup(&t, "topic-1", 7, 9));
    assert_null(rj_queue_table_lookup(&t, "topic-", 6, 0));
    /* A duplicate insert returns the existing queue. */
    rj_consume_queue_t *existing = rj_queue_table_lookup(&t, "topic-3", 7, 2);
    assert_ptr_equal(rj_queue_table_insert(&t, make("topic-3", 2)), existing);
    int n = 0;
    for (rj_consume_queue_t *cq = rj_queue_table_first(&t); cq; cq = cq->all_next) {
        n++;
    }
    assert_int_equal(n, 500);
    rj_queue_table_cleanup(&t);
}

typedef struct {
    rj_queue_table_t *t;
    _Atomic bool stop;
    _Atomic long found;
} reader_t;

static void *
reader_main(void *arg)
{
    reader_t *r = arg;
    while (!atomic_load(&r->stop)) {
        if (rj_queue_table_lookup(r->t, "base", 4, 0) == NULL) {
            abort(); /* inserted before the readers started: always visible */
        }
        atomic_fetch_add(&r->found, 1);
    }
    return NULL;
}

static void
test_lookups_during_growth_never_miss(void **state)
{
    (void)state;
    rj_queue_table_t t;
    assert_int_equal(rj_queue_table_init(&t), 0);
    rj_queue_table_insert(&t, make("base", 0));
    reader_t r = {&t, false, 0};
    pthread_t th;
    pthread_create(&th, NULL, reader_main, &r);
    while (atomic_load(&r.found) == 0) {
        sched_yield();
    }
    char topic[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(topic, sizeof(topic), "grow-%d", i);
        rj_queue_table_insert(&t, make(topic, 1));
    }
    atomic_store(&r.stop, true);
    pthread_join(th, NULL);
    assert_true(atomic_load(&r.found) > 0);
    rj_queue_table_cleanup(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_lookup_and_growth),
        cmocka_unit_test(test_lookups_during_growth_never_miss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
