#include "common/alloc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_fail_after_n_allocations(void **state)
{
    (void)state;
    rj_alloc_fail_after(2);
    void *a = rj_malloc(8), *b = rj_malloc(8), *c = rj_malloc(8);
    rj_alloc_fail_after(-1);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    rj_free(a);
    rj_free(b);
}

static void
test_strndup_terminates(void **state)
{
    (void)state;
    char *s = rj_strndup("abcdef", 3);
    assert_string_equal(s, "abc");
    rj_free(s);
    rj_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_after_n_allocations),
        cmocka_unit_test(test_strndup_terminates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
