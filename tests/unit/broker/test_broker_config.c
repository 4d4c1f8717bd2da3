#include "broker/broker_config.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    int32_t file_reserved_time;
    char *delete_when;
} store_sample_t;

static const rj_config_option_t store_options[] = {
    RJ_CONFIG_INT("fileReservedTime", store_sample_t, file_reserved_time, "72", 0, 100000, 0),
    RJ_CONFIG_STRING("deleteWhen", store_sample_t, delete_when, "04", 0),
    RJ_CONFIG_END,
};

static void
test_defaults_are_rocketmq(void **state)
{
    (void)state;
    rj_broker_config_t c;
    unsetenv("NAMESRV_ADDR");
    assert_int_equal(rj_broker_config_init(&c), 0);
    assert_int_equal(c.listen_port, 10911);
    assert_string_equal(c.broker_cluster_name, "DefaultCluster");
    assert_int_equal(c.broker_permission, 6);
    assert_int_equal(c.default_topic_queue_nums, 8);
    assert_true(c.auto_create_topic_enable);
    assert_int_equal(c.register_name_server_period, 30000);
    assert_int_equal(c.flush_consumer_offset_interval, 5000);
    assert_non_null(c.broker_name);
    assert_non_null(c.broker_ip1);
    assert_null(c.namesrv_addr);
    rj_broker_config_cleanup(&c);

    setenv("NAMESRV_ADDR", "10.0.0.1:9876", 1);
    assert_int_equal(rj_broker_config_init(&c), 0);
    assert_string_equal(c.namesrv_addr, "10.0.0.1:9876");
    rj_broker_config_cleanup(&c);
    unsetenv("NAMESRV_ADDR");
}

static void
test_load_routes_keys_to_tables(void **state)
{
    (void)state;
    rj_broker_config_t c;
    store_sample_t st;
    char err[256] = "";
    assert_int_equal(rj_broker_config_init(&c), 0);
    assert_int_equal(rj_config_init(store_options, &st), 0);
    rj_config_table_t extra[] = {{store_options, &st}};
    const char *text = "brokerClusterName = DefaultCluster\nbrokerName = broker-a\nbrokerId = 0\n"
                       "deleteWhen = 04\nfileReservedTime = 48\nlistenPort=0\nnoSuch=1\n"
                       "namesrvAddr=127.0.0.1:9876;127.0.0.2:9877\n";
    assert_int_equal(
        rj_broker_config_load_text(&c, extra, 1, text, strlen(text), "b.conf", err, sizeof(err)),
        0);
    assert_string_equal(c.broker_name, "broker-a");
    assert_int_equal(c.listen_port, 0);
    assert_int_equal(st.file_reserved_time, 48);
    assert_int_equal(rj_broker_config_finish(&c, err, sizeof(err)), 0);
    assert_string_equal(c.broker_ip2, c.broker_ip1);

    char *list[4];
    int n = rj_broker_config_namesrv_list(c.namesrv_addr, list, 4);
    assert_int_equal(n, 2);
    assert_string_equal(list[1], "127.0.0.2:9877");
    rj_free(list[0]);
    rj_free(list[1]);

    const char *bad = "fileReservedTime=abc\n";
    assert_int_equal(
        rj_broker_config_load_text(&c, extra, 1, bad, strlen(bad), "b.conf", err, sizeof(err)),
        RJ_EINVAL);
    assert_non_null(strstr(err, "fileReservedTime"));
    assert_non_null(strstr(err, "b.conf:1"));

    assert_int_equal(rj_broker_config_set(&c, extra, 1, "namesrvAddr", "nohost", err, sizeof(err)),
                     0);
    assert_int_equal(rj_broker_config_finish(&c, err, sizeof(err)), RJ_EINVAL);
    assert_non_null(strstr(err, "The Name Server Address[nohost] illegal"));

    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_broker_config_format(&c, extra, 1, &out), 0);
    rj_buf_terminate(&out);
    assert_non_null(strstr((char *)out.data, "\nlistenPort=0\n"));
    assert_non_null(strstr((char *)out.data, "\ndeleteWhen=04\n"));
    rj_buf_cleanup(&out);
    rj_config_cleanup(store_options, &st);
    rj_broker_config_cleanup(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_rocketmq),
        cmocka_unit_test(test_load_routes_keys_to_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
