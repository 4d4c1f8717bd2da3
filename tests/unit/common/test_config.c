#include "common/config.h"

#include "common/log.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    int32_t listen_port;
    int64_t file_reserved_ms;
    bool auto_create;
    char *broker_name;
    int flush_disk_type;
} sample_config_t;

static const char *const flush_types[] = {"ASYNC_FLUSH", "SYNC_FLUSH", NULL};

static const rj_config_option_t options[] = {
    RJ_CONFIG_INT("listenPort", sample_config_t, listen_port, "10911", 0, 65535, 0),
    RJ_CONFIG_LONG("fileReservedMs", sample_config_t, file_reserved_ms, "259200000", 0, INT64_MAX,
                   RJ_CONFIG_LIVE),
    RJ_CONFIG_BOOL("autoCreateTopicEnable", sample_config_t, auto_create, "true", 0),
    RJ_CONFIG_STRING("brokerName", sample_config_t, broker_name, "broker-a", 0),
    RJ_CONFIG_ENUM("flushDiskType", sample_config_t, flush_disk_type, "ASYNC_FLUSH", flush_types,
                   0),
    RJ_CONFIG_END,
};

static void
test_defaults_and_format(void **state)
{
    (void)state;
    sample_config_t c;
    assert_int_equal(rj_config_init(options, &c), 0);
    assert_int_equal(c.listen_port, 10911);
    assert_true(c.auto_create);
    assert_string_equal(c.broker_name, "broker-a");
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_config_format(options, &c, &out), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data,
                        "listenPort=10911\nfileReservedMs=259200000\nautoCreateTopicEnable=true\n"
                        "brokerName=broker-a\nflushDiskType=ASYNC_FLUSH\n");
    rj_buf_cleanup(&out);
    rj_config_cleanup(options, &c);
}

static void
test_load_sets_values_and_skips_unknown_keys(void **state)
{
    (void)state;
    sample_config_t c;
    char err[256] = "";
    rj_config_init(options, &c);
    const char *text = "listenPort=0\nbrokerName = b2 \nnoSuchKey=1\nflushDiskType=SYNC_FLUSH\n"
                       "autoCreateTopicEnable=FALSE\n";
    assert_int_equal(
        rj_config_load_text(options, &c, text, strlen(text), "t.conf", err, sizeof(err)), 0);
    assert_int_equal(c.listen_port, 0);
    assert_string_equal(c.broker_name, "b2");
    assert_int_equal(c.flush_disk_type, 1);
    assert_false(c.auto_create);
    rj_config_cleanup(options, &c);
}

static void
test_bad_values_name_the_key(void **state)
{
    (void)state;
    sample_config_t c;
    char err[256] = "";
    rj_config_init(options, &c);
    const char *text = "listenPort=70000\n";
    assert_int_equal(
        rj_config_load_text(options, &c, text, strlen(text), "t.conf", err, sizeof(err)),
        RJ_EINVAL);
    assert_non_null(strstr(err, "t.conf:1"));
    assert_non_null(strstr(err, "listenPort"));
    assert_int_equal(rj_config_set(options, &c, "autoCreateTopicEnable", "yes", err, sizeof(err)),
                     RJ_EINVAL);
    assert_non_null(strstr(err, "autoCreateTopicEnable"));
    assert_int_equal(rj_config_set(options, &c, "flushDiskType", "SOMETIMES", err, sizeof(err)),
                     RJ_EINVAL);
    assert_non_null(strstr(err, "SYNC_FLUSH"));
    assert_int_equal(rj_config_set(options, &c, "listenPort", "12x", err, sizeof(err)), RJ_EINVAL);
    assert_int_equal(rj_config_set(options, &c, "nope", "1", err, sizeof(err)), RJ_ENOTFOUND);
    rj_config_cleanup(options, &c);
}

int
main(void)
{
    rj_log_set_level(RJ_LOG_OFF);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_format),
        cmocka_unit_test(test_load_sets_values_and_skips_unknown_keys),
        cmocka_unit_test(test_bad_values_name_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
