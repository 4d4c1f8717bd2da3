/* UNIQ_KEY layout (store.md §6) and uniqueness. */
#include "client/uniq_key.h"

#include "common/clock.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

static void
test_format_lays_out_ip_pid_hash_time_counter(void **state)
{
    const uint8_t ip[4] = {192, 0, 2, 2};
    char out[RJ_UNIQ_KEY_LEN + 1];

    rj_uniq_key_format(out, ip, 0x06AE, 0x5FFD2B27, 1000 + 0x12345, 1000, 0x0001);
    assert_string_equal(out, "C000020206AE5FFD2B27000123450001");
}

static void
test_small_negative_time_is_clamped_to_zero(void **state)
{
    const uint8_t ip[4] = {127, 0, 0, 1};
    char out[RJ_UNIQ_KEY_LEN + 1];

    rj_uniq_key_format(out, ip, 1, 2, 5000, 6000, 7);
    assert_memory_equal(out + 20, "000000000007", 12);
}

static void
test_created_ids_are_32_upper_hex_and_distinct(void **state)
{
    char a[RJ_UNIQ_KEY_LEN + 1], b[RJ_UNIQ_KEY_LEN + 1];

    rj_uniq_key_create(a);
    rj_uniq_key_create(b);
    assert_int_equal(strlen(a), 32);
    for (int i = 0; i < 32; i++) {
        assert_true((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'A' && a[i] <= 'F'));
    }
    assert_string_not_equal(a, b);
    /* Same process: the first 20 chars are fixed. */
    assert_memory_equal(a, b, 20);
}

static void
test_month_bounds_start_on_the_first_at_midnight(void **state)
{
    int64_t start, next;
    int64_t now = rj_clock_wall_ms();

    rj_uniq_key_month_bounds(now, &start, &next);
    assert_true(start <= now && now < next);
    time_t s = (time_t)(start / 1000);
    struct tm tm;
    localtime_r(&s, &tm);
    assert_int_equal(tm.tm_mday, 1);
    assert_int_equal(tm.tm_hour, 0);
    assert_int_equal(tm.tm_min, 0);
    assert_true(next - start >= 28LL * 86400 * 1000 - 3600 * 1000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_lays_out_ip_pid_hash_time_counter),
        cmocka_unit_test(test_small_negative_time_is_clamped_to_zero),
        cmocka_unit_test(test_created_ids_are_32_upper_hex_and_distinct),
        cmocka_unit_test(test_month_bounds_start_on_the_first_at_midnight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
