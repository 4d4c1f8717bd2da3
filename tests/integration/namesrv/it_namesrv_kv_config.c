/*
 * KV config and name-server configuration over real sockets: the KV codes,
 * persistence across a SIGTERM restart, GET/UPDATE_NAMESRV_CONFIG with the
 * black list, and orderMessageEnable feeding orderTopicConf into routes.
 */
#include "namesrv_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/fs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void
kv_call(const rj_daemon_t *d, int32_t code, const char *ext, rj_raw_reply_t *r)
{
    rj_raw_client_t *c = it_connect(d);
    it_call(c, code, IT_VERSION_JAVA, ext, NULL, 0, r);
    rj_raw_client_close(c);
}

static void
test_kv_codes_and_restart(void **state)
{
    (void)state;
    rj_daemon_t *d;
    assert_int_equal(it_namesrv_start(10000, 120000, NULL, &d), 0);
    if (rj_daemon_is_external(d)) {
        rj_daemon_destroy(d);
        skip();
    }
    /* The port file is written just before the boot line: wait for the line. */
    assert_true(rj_daemon_wait_output(d, "stdout",
                                      "The Name Server boot success. serializeType=JSON", 10000));
    rj_raw_reply_t r;
    kv_call(d, 100, "{\"namespace\":\"it-ns\",\"key\":\"k1\",\"value\":\"v1\"}", &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    kv_call(d, 100, "{\"namespace\":\"it-ns\",\"key\":\"k2\",\"value\":\"v2\"}", &r);
    rj_raw_reply_cleanup(&r);
    kv_call(d, 101, "{\"namespace\":\"it-ns\",\"key\":\"k1\"}", &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "value"), "v1");
    rj_raw_reply_cleanup(&r);
    kv_call(d, 102, "{\"namespace\":\"it-ns\",\"key\":\"k2\"}", &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    /* A miss: QUERY_NOT_FOUND, Java's remark and an empty extFields object (frame 7). */
    kv_call(d, 101, "{\"namespace\":\"it-ns\",\"key\":\"k2\"}", &r);
    assert_int_equal(r.code, 22);
    assert_string_equal(r.remark, "No config item, Namespace: it-ns Key: k2");
    assert_non_null(r.ext);
    assert_int_equal(json_object_size(r.ext), 0);
    rj_raw_reply_cleanup(&r);
    kv_call(d, 219, "{\"namespace\":\"it-ns\"}", &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"table\":{\"k1\":\"v1\"}}");
    rj_raw_reply_cleanup(&r);
    kv_call(d, 219, "{\"namespace\":\"it-nothing\"}", &r);
    assert_int_equal(r.code, 22);
    assert_string_equal(r.remark, "No config item, Namespace: it-nothing");
    rj_raw_reply_cleanup(&r);
    kv_call(d, 100, "{\"key\":\"k\",\"value\":\"v\"}", &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "namespace or key is null");
    rj_raw_reply_cleanup(&r);

    /* The file is Java's kvConfig.json shape. */
    char path[4096];
    snprintf(path, sizeof(path), "%s/store/kvConfig.json", rj_daemon_dir(d));
    rj_buf_t file = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &file), 0);
    rj_buf_terminate(&file);
    assert_string_equal((char *)file.data, "{\"configTable\":{\"it-ns\":{\"k1\":\"v1\"}}}");
    rj_buf_cleanup(&file);
    /* The log file is where logDir says, with the boot line. */
    snprintf(path, sizeof(path), "%s/logs/namesrv.log", rj_daemon_dir(d));
    assert_int_equal(rj_fs_read_file(path, &file), 0);
    rj_buf_terminate(&file);
    assert_non_null(strstr((char *)file.data, "The Name Server boot success"));
    rj_buf_cleanup(&file);

    /* SIGTERM: clean exit 0; then the KV config is back after a restart. */
    int status = -1;
    assert_int_equal(rj_daemon_stop(d, 10000, &status), 0);
    assert_int_equal(status, 0);
    assert_int_equal(rj_daemon_restart(d), 0);
    kv_call(d, 101, "{\"namespace\":\"it-ns\",\"key\":\"k1\"}", &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "value"), "v1");
    rj_raw_reply_cleanup(&r);
    assert_int_equal(rj_daemon_stop(d, 10000, &status), 0);
    assert_int_equal(status, 0);
    rj_daemon_destroy(d);
}

static void
test_namesrv_config_update_and_order_topic_conf(void **state)
{
    (void)state;
    rj_daemon_t *d;
    assert_int_equal(it_namesrv_start(10000, 120000, NULL, &d), 0);
    if (rj_daemon_is_external(d)) {
        rj_daemon_destroy(d);
        skip();
    }
    rj_raw_client_t *c = it_connect(d);
    rj_raw_reply_t r;
    it_call(c, 319, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\norderMessageEnable=false\n"));
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\nscanNotActiveBrokerInterval=10000\n"));
    rj_raw_reply_cleanup(&r);

    /* Black-listed keys refuse the whole update. */
    const char *black = "orderMessageEnable=true\nkvConfigPath=/tmp/elsewhere.json\n";
    it_call(c, 318, IT_VERSION_JAVA, NULL, black, strlen(black), &r);
    assert_int_equal(r.code, 16);
    assert_string_equal(r.remark, "Can not update config in black list.");
    rj_raw_reply_cleanup(&r);
    /* A bad value changes nothing and says which key. */
    const char *bad = "orderMessageEnable=true\nbrokerChannelExpiredTime=soon\n";
    it_call(c, 318, IT_VERSION_JAVA, NULL, bad, strlen(bad), &r);
    assert_int_equal(r.code, 1);
    assert_non_null(strstr(r.remark, "brokerChannelExpiredTime"));
    rj_raw_reply_cleanup(&r);
    it_call(c, 319, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\norderMessageEnable=false\n"));
    rj_raw_reply_cleanup(&r);

    const char *good = "orderMessageEnable=true\nnoSuchKey=1\n";
    it_call(c, 318, IT_VERSION_JAVA, NULL, good, strlen(good), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_call(c, 319, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "\norderMessageEnable=true\n"));
    rj_raw_reply_cleanup(&r);
    /* Persisted into the -c file, as Java's Configuration does. */
    char path[4096];
    snprintf(path, sizeof(path), "%s/namesrv.conf", rj_daemon_dir(d));
    rj_buf_t file = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &file), 0);
    rj_buf_terminate(&file);
    assert_non_null(strstr((char *)file.data, "orderMessageEnable=true\n"));
    rj_buf_cleanup(&file);

    /* ORDER_TOPIC_CONFIG: in the route (orderMessageEnable) and in REGISTER_BROKER's answer. */
    it_call(c, 100, IT_VERSION_JAVA,
            "{\"namespace\":\"ORDER_TOPIC_CONFIG\",\"key\":\"ItOrder\",\"value\":"
            "\"it-order:4\"}",
            NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    char topics[1024];
    snprintf(topics, sizeof(topics), "{%s}", it_topic("ItOrder", 4, 4, 6));
    rj_raw_client_t *broker = it_connect(d);
    it_register(broker, "c", "it-order", 0, "127.0.0.1:23001", "127.0.0.1:23002", 1, topics, 0, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_body_text(&r), "{\"table\":{\"ItOrder\":\"it-order:4\"}}");
    rj_raw_reply_cleanup(&r);
    char *body = NULL;
    assert_int_equal(it_route(d, "ItOrder", IT_VERSION_JAVA, &body), 0);
    assert_non_null(strstr(body, "\"orderTopicConf\":\"it-order:4\""));
    rj_free(body);

    rj_raw_client_close(broker);
    rj_raw_client_close(c);
    int status = -1;
    assert_int_equal(rj_daemon_stop(d, 10000, &status), 0);
    assert_int_equal(status, 0);
    rj_daemon_destroy(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv_codes_and_restart),
        cmocka_unit_test(test_namesrv_config_update_and_order_topic_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
