#include "common/hashmap.h"

#include "common/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void
test_put_get_replace_remove(void **state)
{
    (void)state;
    rj_hashmap_t *m = rj_hashmap_create(0);
    int a = 1, b = 2;
    void *old = &a;
    assert_int_equal(rj_hashmap_put_cstr(m, "TopicTest", &a, &old), 0);
    assert_null(old);
    assert_ptr_equal(rj_hashmap_get_cstr(m, "TopicTest"), &a);
    assert_int_equal(rj_hashmap_put_cstr(m, "TopicTest", &b, &old), 0);
    assert_ptr_equal(old, &a);
    assert_int_equal(rj_hashmap_count(m), 1);
    assert_null(rj_hashmap_get_cstr(m, "Topic"));
    assert_ptr_equal(rj_hashmap_remove_cstr(m, "TopicTest"), &b);
    assert_int_equal(rj_hashmap_count(m), 0);
    assert_null(rj_hashmap_remove_cstr(m, "TopicTest"));
    rj_hashmap_destroy(m, NULL);
}

static void
test_many_keys_survive_growth_and_churn(void **state)
{
    (void)state;
    enum { N = 5000 };
    rj_hashmap_t *m = rj_hashmap_create(4);
    char key[32];
    srand(7);
    for (intptr_t i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "k%ld", (long)i);
        assert_int_equal(rj_hashmap_put_cstr(m, key, (void *)(i + 1), NULL), 0);
    }
    /* Remove every third key, then check all lookups. */
    for (intptr_t i = 0; i < N; i += 3) {
        snprintf(key, sizeof(key), "k%ld", (long)i);
        assert_ptr_equal(rj_hashmap_remove_cstr(m, key), (void *)(i + 1));
    }
    for (intptr_t i = 0; i < N; i++) {
        snprintf(key, sizeof(key), "k%ld", (long)i);
        void *want = i % 3 == 0 ? NULL : (void *)(i + 1);
        assert_ptr_equal(rj_hashmap_get_cstr(m, key), want);
    }
    assert_int_equal(rj_hashmap_count(m), N - (N + 2) / 3);
    rj_hashmap_destroy(m, NULL);
}

static void
test_iteration_with_removal_visits_everything(void **state)
{
    (void)state;
    rj_hashmap_t *m = rj_hashmap_create(0);
    char key[16];
    for (intptr_t i = 0; i < 200; i++) {
        snprintf(key, sizeof(key), "%ld", (long)i);
        rj_hashmap_put_cstr(m, key, (void *)i, NULL);
    }
    rj_hashmap_iter_t it;
    void *v;
    const char *k;
    rj_hashmap_iter_init(m, &it);
    while (rj_hashmap_iter_next(&it, &k, NULL, &v)) {
        assert_int_equal(atol(k), (intptr_t)v);
        if ((intptr_t)v % 2 == 0) {
            rj_hashmap_iter_remove(&it);
        }
    }
    assert_int_equal(rj_hashmap_count(m), 100);
    size_t seen = 0;
    rj_hashmap_iter_init(m, &it);
    while (rj_hashmap_iter_next(&it, NULL, NULL, &v)) {
        assert_int_equal((intptr_t)v % 2, 1);
        seen++;
    }
    assert_int_equal(seen, 100);
    rj_hashmap_destroy(m, NULL);
}

static void
test_destroy_frees_values(void **state)
{
    (void)state;
    rj_hashmap_t *m = rj_hashmap_create(0);
    rj_hashmap_put_cstr(m, "a", rj_strdup("x"), NULL);
    rj_hashmap_put(m, "b\0c", 3, rj_strdup("y"), NULL);
    assert_non_null(rj_hashmap_get(m, "b\0c", 3));
    assert_null(rj_hashmap_get_cstr(m, "b"));
    rj_hashmap_destroy(m, rj_free);
    rj_hashmap_destroy(NULL, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_replace_remove),
        cmocka_unit_test(test_many_keys_survive_growth_and_churn),
        cmocka_unit_test(test_iteration_with_removal_visits_everything),
        cmocka_unit_test(test_destroy_frees_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
