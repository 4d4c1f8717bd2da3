#include "broker/producer_manager.h"

#include "fake_connection.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_register_list_and_expire(void **state)
{
    (void)state;
    rj_producer_manager_t *m;
    rj_connection_t c1, c2;
    fake_connection_init(&c1, 2001);
    fake_connection_init(&c2, 2002);
    assert_int_equal(rj_producer_manager_create(&m), 0);
    assert_int_equal(
        rj_producer_manager_register(m, RJ_BYTES_LIT("pg"), &c1, RJ_BYTES_LIT("p1"), 0, 409, 1000),
        0);
    assert_int_equal(
        rj_producer_manager_register(m, RJ_BYTES_LIT("pg"), &c1, RJ_BYTES_LIT("p1"), 0, 409, 5000),
        0);
    assert_int_equal(
        rj_producer_manager_register(m, RJ_BYTES_LIT("pg"), &c2, RJ_BYTES_LIT("p2"), 13, 121, 1000),
        0);
    assert_int_equal(rj_producer_manager_channel_count(m), 2);
    assert_int_equal(c1.refs, 2);

    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    assert_int_equal(rj_producer_manager_write_connection(m, RJ_BYTES_LIT("pg"), &w), 0);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_non_null(strstr((char *)out.data, "{\"clientAddr\":\"127.0.0.1:2001\",\"clientId\":"
                                             "\"p1\",\"language\":\"JAVA\",\"version\":409}"));
    assert_non_null(strstr((char *)out.data, "\"language\":\"NODE_JS\""));
    rj_buf_cleanup(&out);

    rj_connection_t *any = rj_producer_manager_any_channel(m, RJ_BYTES_LIT("pg"));
    assert_non_null(any);
    rj_connection_release(any);

    /* c2 idle since 1000, c1 refreshed at 5000. */
    assert_int_equal(rj_producer_manager_scan_idle(m, 122000, 120000), 1);
    assert_true(c2.closed);
    assert_false(c1.closed);
    rj_producer_manager_unregister(m, RJ_BYTES_LIT("pg"), &c1);
    assert_int_equal(rj_producer_manager_channel_count(m), 0);
    assert_int_equal(c1.refs, 1);
    assert_int_equal(c2.refs, 1);

    rj_producer_manager_register(m, RJ_BYTES_LIT("a"), &c1, RJ_BYTES_LIT("p1"), 0, 409, 1000);
    rj_producer_manager_register(m, RJ_BYTES_LIT("b"), &c1, RJ_BYTES_LIT("p1"), 0, 409, 1000);
    rj_producer_manager_connection_closed(m, &c1);
    assert_int_equal(rj_producer_manager_channel_count(m), 0);
    assert_null(rj_producer_manager_any_channel(m, RJ_BYTES_LIT("a")));
    assert_int_equal(rj_producer_manager_write_connection(m, RJ_BYTES_LIT("a"), &w), RJ_ENOTFOUND);
    rj_producer_manager_destroy(m);
}

static void
test_producer_table_of_every_group(void **state)
{
    (void)state;
    rj_producer_manager_t *m;
    rj_connection_t c1, c2;
    fake_connection_init(&c1, 3001);
    fake_connection_init(&c2, 3002);
    assert_int_equal(rj_producer_manager_create(&m), 0);
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_producer_manager_write_all(m, &w);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data, "{\"data\":{}}");
    rj_producer_manager_register(m, RJ_BYTES_LIT("pa"), &c1, RJ_BYTES_LIT("p1"), 0, 409, 1234);
    rj_producer_manager_register(m, RJ_BYTES_LIT("pb"), &c1, RJ_BYTES_LIT("p1"), 0, 409, 1234);
    rj_producer_manager_register(m, RJ_BYTES_LIT("pb"), &c2, RJ_BYTES_LIT("p2"), 13, 121, 99);
    rj_buf_reset(&out);
    rj_jw_init(&w, &out, 0);
    rj_producer_manager_write_all(m, &w);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    const char *text = (const char *)out.data;
    assert_non_null(strstr(text, "\"pa\":[{\"clientId\":\"p1\",\"language\":\"JAVA\","
                                 "\"lastUpdateTimestamp\":1234,\"remoteIP\":\"/127.0.0.1:3001\","
                                 "\"version\":409}]"));
    assert_non_null(strstr(text, "\"remoteIP\":\"/127.0.0.1:3002\""));
    assert_non_null(strstr(text, "\"language\":\"NODE_JS\""));
    rj_buf_cleanup(&out);
    rj_producer_manager_destroy(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_list_and_expire),
        cmocka_unit_test(test_producer_table_of_every_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
