#include "namesrv/namesrv_config.h"

#include "common/buf.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static void
test_defaults_are_rocketmq_defaults(void **state)
{
    (void)state;
    unsetenv("ROCKETMQ_HOME");
    rj_namesrv_config_t c;
    assert_int_equal(rj_namesrv_config_init(&c), 0);
    assert_int_equal(c.listen_port, 9876);
    assert_string_equal(c.kv_config_path, "~/namesrv/kvConfig.json");
    assert_string_equal(c.config_store_path, "~/namesrv/namesrv.properties");
    assert_false(c.order_message_enable);
    assert_int_equal(c.scan_not_active_broker_interval_ms, 10000);
    assert_int_equal(c.broker_channel_expired_time_ms, 120000);
    assert_int_equal(c.server_worker_threads, 8);
    assert_int_equal(c.server_channel_max_idle_time_seconds, 120);
    assert_null(c.rocketmq_home);
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_config_format(rj_namesrv_config_options, &c, &out), 0);
    rj_buf_terminate(&out);
    assert_non_null(strstr((char *)out.data, "\nlistenPort=9876\n"));
    assert_non_null(strstr((char *)out.data, "\norderMessageEnable=false\n"));
    assert_non_null(strstr((char *)out.data, "rocketmqHome=\n"));
    rj_buf_cleanup(&out);
    rj_namesrv_config_cleanup(&c);
}

static void
test_rocketmq_home_from_environment(void **state)
{
    (void)state;
    setenv("ROCKETMQ_HOME", "/opt/rocketmq", 1);
    rj_namesrv_config_t c;
    assert_int_equal(rj_namesrv_config_init(&c), 0);
    assert_string_equal(c.rocketmq_home, "/opt/rocketmq");
    rj_namesrv_config_cleanup(&c);
    unsetenv("ROCKETMQ_HOME");
}

static void
test_loads_a_rocketmq_namesrv_conf(void **state)
{
    (void)state;
    rj_namesrv_config_t c;
    char err[256] = "";
    assert_int_equal(rj_namesrv_config_init(&c), 0);
    const char *text = "# RocketMQ style\nlistenPort=19876\nkvConfigPath=/data/kv.json\n"
                       "orderMessageEnable=true\nscanNotActiveBrokerInterval=200\n"
                       "brokerChannelExpiredTime=2000\nserverSelectorThreads=3\n";
    assert_int_equal(rj_config_load_text(rj_namesrv_config_options, &c, text, strlen(text),
                                         "namesrv.conf", err, sizeof(err)),
                     0);
    assert_int_equal(c.listen_port, 19876);
    assert_string_equal(c.kv_config_path, "/data/kv.json");
    assert_true(c.order_message_enable);
    assert_int_equal(c.scan_not_active_broker_interval_ms, 200);
    assert_int_equal(c.broker_channel_expired_time_ms, 2000);

    const char *bad = "listenPort=70000\n";
    assert_int_equal(rj_config_load_text(rj_namesrv_config_options, &c, bad, strlen(bad),
                                         "namesrv.conf", err, sizeof(err)),
                     RJ_EINVAL);
    assert_non_null(strstr(err, "listenPort"));
    rj_namesrv_config_cleanup(&c);
}

static void
test_black_list(void **state)
{
    (void)state;
    rj_namesrv_config_t c;
    assert_int_equal(rj_namesrv_config_init(&c), 0);
    assert_true(rj_namesrv_config_is_blacklisted(&c, "kvConfigPath"));
    assert_true(rj_namesrv_config_is_blacklisted(&c, "rocketmqHome"));
    assert_true(rj_namesrv_config_is_blacklisted(&c, "configBlackList"));
    assert_false(rj_namesrv_config_is_blacklisted(&c, "orderMessageEnable"));
    char err[256];
    assert_int_equal(rj_config_set(rj_namesrv_config_options, &c, "configBlackList",
                                   "orderMessageEnable;listenPort", err, sizeof(err)),
                     0);
    assert_true(rj_namesrv_config_is_blacklisted(&c, "orderMessageEnable"));
    assert_true(rj_namesrv_config_is_blacklisted(&c, "listenPort"));
    assert_false(rj_namesrv_config_is_blacklisted(&c, "listen"));
    /* The fixed four stay refused whatever the list says. */
    assert_true(rj_namesrv_config_is_blacklisted(&c, "kvConfigPath"));
    rj_namesrv_config_cleanup(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_rocketmq_defaults),
        cmocka_unit_test(test_rocketmq_home_from_environment),
        cmocka_unit_test(test_loads_a_rocketmq_namesrv_conf),
        cmocka_unit_test(test_black_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
