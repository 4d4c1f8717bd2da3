#include "broker/connection_body.h"

#include "fake_connection.h"
#include "remoting/language_code.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static const char *
written(rj_buf_t *out, const rj_connection_t *conn, const char *client_id, int32_t language,
        int32_t version)
{
    rj_json_writer_t w;
    rj_buf_reset(out);
    rj_jw_init(&w, out, 0);
    rj_connection_body_write(&w, conn, client_id, language, version);
    assert_int_equal(rj_jw_finish(&w), 0);
    assert_int_equal(rj_buf_append(out, "", 1), 0);
    return (const char *)out->data;
}

static void
test_connection_object_as_rocketmq_writes_it(void **state)
{
    (void)state;
    rj_connection_t conn;
    fake_connection_init(&conn, 40123);
    rj_buf_t out = RJ_BUF_INIT;
    assert_string_equal(written(&out, &conn, "10.0.0.1@4242", RJ_LANG_JAVA, 409),
                        "{\"clientAddr\":\"127.0.0.1:40123\",\"clientId\":\"10.0.0.1@4242\","
                        "\"language\":\"JAVA\",\"version\":409}");
    /* A language code RocketMQ does not know is written as OTHER. */
    assert_non_null(strstr(written(&out, &conn, "c", 99, 121), "\"language\":\"OTHER\""));
    rj_buf_cleanup(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connection_object_as_rocketmq_writes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
