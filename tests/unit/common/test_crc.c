#include "common/crc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_crc32_matches_zlib_check_value(void **state)
{
    (void)state;
    assert_int_equal(rj_crc32("123456789", 9), 0xCBF43926u);
    uint32_t c = rj_crc32_update(0, "12345", 5);
    assert_int_equal(rj_crc32_update(c, "6789", 4), 0xCBF43926u);
}

static void
test_masked_crc_matches_rocketmq_store_vector(void **state)
{
    (void)state;
    /* Record 0 of the 4.9.8 store vector: body "vector éè 中文 🚀". */
    const char body[] = "vector \xc3\xa9\xc3\xa8 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x9a\x80";
    assert_int_equal(sizeof(body) - 1, 23);
    assert_int_equal(rj_crc32(body, 23), 3309774706u);
    assert_int_equal(rj_crc32_masked(body, 23), 1162291058);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_matches_zlib_check_value),
        cmocka_unit_test(test_masked_crc_matches_rocketmq_store_vector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
