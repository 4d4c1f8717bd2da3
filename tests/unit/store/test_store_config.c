#include "store/store_config.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

static void
test_defaults_are_rocketmq_4_9_8s(void **state)
{
    (void)state;
    rj_store_config_t c;
    assert_int_equal(rj_store_config_init(&c), 0);
    assert_string_equal(c.store_path_root_dir, "~/store");
    assert_int_equal(c.mapped_file_size_commit_log, 1073741824);
    assert_int_equal(c.mapped_file_size_consume_queue, 6000000);
    assert_int_equal(c.flush_interval_commit_log, 500);
    assert_int_equal(c.flush_commit_log_least_pages, 4);
    assert_int_equal(c.flush_commit_log_thorough_interval, 10000);
    assert_int_equal(c.flush_disk_type, RJ_FLUSH_ASYNC);
    assert_int_equal(c.sync_flush_timeout, 5000);
    assert_int_equal(c.flush_interval_consume_queue, 1000);
    assert_int_equal(c.clean_resource_interval, 10000);
    assert_string_equal(c.delete_when, "04");
    assert_int_equal(c.disk_max_used_space_ratio, 75);
    assert_int_equal(c.file_reserved_time, 72);
    assert_int_equal(c.max_message_size, 4194304);
    assert_true(c.check_crc_on_recover);
    assert_true(c.message_index_enable);
    assert_int_equal(c.max_hash_slot_num, 5000000);
    assert_int_equal(c.max_index_num, 20000000);
    assert_int_equal(c.max_transfer_bytes_on_message_in_memory, 262144);
    assert_int_equal(c.max_transfer_count_on_message_in_memory, 32);
    assert_int_equal(c.broker_role, RJ_BROKER_ROLE_ASYNC_MASTER);
    assert_string_equal(c.message_delay_level,
                        "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h");
    assert_int_equal(c.disk_space_warning_level_ratio, 90);
    assert_int_equal(c.disk_space_clean_forcibly_ratio, 85);
    rj_store_config_cleanup(&c);
}

static void
test_broker_conf_keys_set_the_struct(void **state)
{
    (void)state;
    rj_store_config_t c, d;
    char err[256];
    assert_int_equal(rj_store_config_init(&c), 0);
    const char *text = "flushDiskType=SYNC_FLUSH\n"
                       "brokerRole=SLAVE\n"
                       "storePathRootDir=/data/store\n"
                       "mappedFileSizeCommitLog=1048576\n"
                       "deleteWhen=04;16\n"
                       "messageIndexEnable=false\n";
    assert_int_equal(
        rj_config_load_text(rj_store_config_options, &c, text, strlen(text), "t", err, sizeof(err)),
        0);
    assert_int_equal(c.flush_disk_type, RJ_FLUSH_SYNC);
    assert_int_equal(c.broker_role, RJ_BROKER_ROLE_SLAVE);
    assert_string_equal(c.store_path_root_dir, "/data/store");
    assert_int_equal(c.mapped_file_size_commit_log, 1048576);
    assert_string_equal(c.delete_when, "04;16");
    assert_false(c.message_index_enable);
    assert_int_equal(
        rj_config_set(rj_store_config_options, &c, "flushDiskType", "FAST", err, sizeof(err)),
        RJ_EINVAL);
    assert_int_equal(rj_store_config_copy(&d, &c), 0);
    assert_string_equal(d.delete_when, "04;16");
    assert_ptr_not_equal(d.delete_when, c.delete_when);
    rj_store_config_cleanup(&d);
    rj_store_config_cleanup(&c);
}

static void
test_delay_levels_parse_units(void **state)
{
    (void)state;
    int64_t d[RJ_STORE_MAX_DELAY_LEVELS];
    int n = rj_store_delay_levels_parse(
        "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h", d, RJ_STORE_MAX_DELAY_LEVELS);
    assert_int_equal(n, 18);
    assert_int_equal(d[0], 1000);
    assert_int_equal(d[2], 10000);
    assert_int_equal(d[4], 60000);
    assert_int_equal(d[17], 7200000);
    assert_int_equal(rj_store_delay_levels_parse("1d 2h", d, 4), 2);
    assert_int_equal(d[0], 86400000);
    assert_int_equal(rj_store_delay_levels_parse("1x", d, 4), RJ_EINVAL);
    assert_int_equal(rj_store_delay_levels_parse("s", d, 4), RJ_EINVAL);
    assert_int_equal(rj_store_delay_levels_parse("1s 2s 3s", d, 2), RJ_EINVAL);
    assert_int_equal(rj_store_delay_levels_parse("", d, 2), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_rocketmq_4_9_8s),
        cmocka_unit_test(test_broker_conf_keys_set_the_struct),
        cmocka_unit_test(test_delay_levels_parse_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
