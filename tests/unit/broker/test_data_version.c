#include "broker/data_version.h"

#include "common/json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_next_bumps_counter_and_time(void **state)
{
    (void)state;
    rj_data_version_t v, w;
    rj_data_version_init(&v);
    assert_int_equal(v.counter, 0);
    assert_true(v.timestamp_ms > 1600000000000LL);
    w = v;
    assert_true(rj_data_version_equal(&v, &w));
    rj_data_version_next(&w);
    assert_int_equal(w.counter, 1);
    assert_false(rj_data_version_equal(&v, &w));
}

static void
test_json_round_trip(void **state)
{
    (void)state;
    rj_data_version_t v = {7, 1700000000000LL}, r = {0, 0};
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_data_version_write(&v, &w);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data, "{\"counter\":7,\"timestamp\":1700000000000}");
    json_t *j = rj_json_parse(out.data, out.len, NULL, 0);
    rj_data_version_read(&r, j);
    assert_true(rj_data_version_equal(&v, &r));
    json_decref(j);
    rj_data_version_read(&r, NULL); /* not an object: unchanged */
    assert_int_equal(r.counter, 7);
    rj_buf_cleanup(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_bumps_counter_and_time),
        cmocka_unit_test(test_json_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
