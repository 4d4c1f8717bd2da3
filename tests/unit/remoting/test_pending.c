/* Tests of src/remoting/pending.c: the per-connection table of invocations. */
#include "remoting/connection_internal.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <stdlib.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static size_t
list_len(rj_pending_t *p)
{
    size_t n = 0;
    for (; p != NULL; p = p->next) {
        n++;
    }
    return n;
}

static void
test_insert_remove_and_grow(void **state)
{
    (void)state;
    enum { N = 5000 };
    rj_pending_table_t t = {0};
    rj_pending_t *e = calloc(N, sizeof(*e));
    for (int i = 0; i < N; i++) {
        e[i].opaque = i * 3 - 100; /* negative and positive opaques */
        e[i].deadline_ms = i;
        assert_int_equal(rj_pending_insert(&t, &e[i]), 0);
    }
    assert_int_equal(t.count, N);
    assert_null(rj_pending_remove(&t, 1)); /* never inserted */
    for (int i = 0; i < N; i += 2) {
        assert_ptr_equal(rj_pending_remove(&t, i * 3 - 100), &e[i]);
        assert_null(rj_pending_remove(&t, i * 3 - 100));
    }
    assert_int_equal(t.count, N / 2);
    /* Entries with deadline <= 2000 that are still there: odd i in [1, 1999]. */
    rj_pending_t *expired = rj_pending_take_expired(&t, 2000);
    assert_int_equal(list_len(expired), 1000);
    for (rj_pending_t *p = expired; p != NULL; p = p->next) {
        assert_true(p->deadline_ms <= 2000);
    }
    assert_int_equal(t.count, N / 2 - 1000);
    assert_int_equal(list_len(rj_pending_take_all(&t)), N / 2 - 1000);
    assert_int_equal(t.count, 0);
    assert_null(rj_pending_take_all(&t));
    assert_null(rj_pending_remove(&t, 5));
    rj_pending_cleanup(&t);
    free(e);
}

static void
test_first_insert_fails_cleanly_without_memory(void **state)
{
    (void)state;
    rj_pending_table_t t = {0};
    rj_pending_t e = {.opaque = 1};
    rj_alloc_fail_after(0);
    assert_int_equal(rj_pending_insert(&t, &e), RJ_ENOMEM);
    rj_alloc_fail_after(-1);
    assert_int_equal(t.count, 0);
    assert_int_equal(rj_pending_insert(&t, &e), 0);
    assert_ptr_equal(rj_pending_remove(&t, 1), &e);
    rj_pending_cleanup(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_remove_and_grow),
        cmocka_unit_test(test_first_insert_fails_cleanly_without_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
