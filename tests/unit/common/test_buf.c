#include "common/buf.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_appends_big_endian_fields(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_buf_append_be32(&b, 0xDAA320A7u), 0);
    assert_int_equal(rj_buf_append_be16(&b, 0x0102), 0);
    assert_int_equal(rj_buf_append_be64(&b, 0x0102030405060708ull), 0);
    const uint8_t want[] = {0xDA, 0xA3, 0x20, 0xA7, 1, 2, 1, 2, 3, 4, 5, 6, 7, 8};
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    assert_int_equal(rj_load_be32(b.data), 0xDAA320A7u);
    assert_int_equal(rj_load_be64(b.data + 6), 0x0102030405060708ull);
    rj_buf_cleanup(&b);
}

static void
test_appendf_grows_past_small_buffer(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    char big[600];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(rj_buf_appendf(&b, "%s-%d", big, 42), 0);
    assert_int_equal(b.len, 599 + 3);
    assert_int_equal(rj_buf_terminate(&b), 0);
    assert_string_equal((char *)b.data + 599, "-42");
    rj_buf_consume(&b, 599);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "-42", 3);
    rj_buf_cleanup(&b);
}

static void
test_failed_growth_leaves_contents(void **state)
{
    (void)state;
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_buf_append(&b, "abc", 3), 0);
    rj_alloc_fail_after(0);
    char big[4096] = {0};
    int rc = rj_buf_append(&b, big, sizeof(big));
    rj_alloc_fail_after(-1);
    assert_int_equal(rc, RJ_ENOMEM);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "abc", 3);
    size_t n;
    char *s = rj_buf_detach(&b, &n);
    assert_string_equal(s, "abc");
    assert_int_equal(n, 3);
    assert_null(b.data);
    rj_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends_big_endian_fields),
        cmocka_unit_test(test_appendf_grows_past_small_buffer),
        cmocka_unit_test(test_failed_growth_leaves_contents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
