#include "broker/group_manager.h"

#include "common/fs.h"
#include "common/json.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    char dir[256];
    char path[300];
    int changes;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/rj_test_group_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/subscriptionGroup.json", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_fs_remove_tree(f->dir);
    free(f);
    return 0;
}

static void
on_change(void *arg, const char *group)
{
    fixture_t *f = arg;
    (void)group;
    f->changes++;
}

static void
test_builtin_groups_and_auto_create(void **state)
{
    fixture_t *f = *state;
    rj_group_manager_t *m;
    rj_group_config_t c;
    assert_int_equal(rj_group_manager_create(f->path, true, &m), 0);
    rj_group_manager_set_change_cb(m, on_change, f);
    assert_true(rj_group_manager_lookup(m, RJ_BYTES_LIT("TOOLS_CONSUMER"), &c));
    assert_true(rj_group_manager_lookup(m, RJ_BYTES_LIT("SELF_TEST_C_GROUP"), &c));
    assert_true(rj_group_manager_lookup(m, RJ_BYTES_LIT("CID_ONSAPI_OWNER"), &c));
    assert_false(rj_group_manager_lookup(m, RJ_BYTES_LIT("cg"), &c));

    assert_true(rj_group_manager_find(m, RJ_BYTES_LIT("cg"), &c));
    assert_int_equal(f->changes, 1);
    assert_int_equal(c.retry_queue_nums, 1);
    assert_int_equal(c.retry_max_times, 16);
    assert_int_equal(c.which_broker_when_consume_slowly, 1);
    assert_true(c.consume_enable);
    assert_true(rj_group_manager_find(m, RJ_BYTES_LIT("cg"), &c));
    assert_int_equal(f->changes, 1);

    rj_group_manager_set_auto_create(m, false);
    assert_false(rj_group_manager_find(m, RJ_BYTES_LIT("other"), &c));
    /* System groups are created even without auto-create. */
    assert_true(rj_group_manager_find(m, RJ_BYTES_LIT("CID_RMQ_SYS_TRANS"), &c));
    assert_int_equal(rj_group_manager_delete(m, "cg"), 0);
    assert_int_equal(rj_group_manager_delete(m, "cg"), RJ_ENOTFOUND);
    rj_group_manager_destroy(m);
}

static void
test_persist_load_and_rocketmq_file(void **state)
{
    fixture_t *f = *state;
    rj_group_manager_t *m;
    rj_group_config_t c;
    assert_int_equal(rj_group_manager_create(f->path, true, &m), 0);
    rj_group_config_init(&c);
    c.retry_max_times = 3;
    c.consume_enable = false;
    assert_int_equal(rj_group_manager_update(m, "g1", &c), 0);
    assert_int_equal(rj_group_manager_persist(m), 0);
    rj_group_manager_destroy(m);

    assert_int_equal(rj_group_manager_create(f->path, true, &m), 0);
    assert_int_equal(rj_group_manager_load(m), 0);
    assert_true(rj_group_manager_lookup(m, RJ_BYTES_LIT("g1"), &c));
    assert_int_equal(c.retry_max_times, 3);
    assert_false(c.consume_enable);
    rj_group_manager_destroy(m);

    char golden[512];
    const char *src = getenv("RJ_SOURCE_DIR");
    assert_non_null(src);
    snprintf(golden, sizeof(golden), "%s/tests/unit/broker/data/subscriptionGroup.json", src);
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(golden, &text), 0);
    assert_int_equal(rj_fs_write_atomic(f->path, text.data, text.len), 0);
    rj_buf_cleanup(&text);
    assert_int_equal(rj_group_manager_create(f->path, false, &m), 0);
    assert_int_equal(rj_group_manager_load(m), 0);
    assert_true(rj_group_manager_lookup(m, RJ_BYTES_LIT("please_rename_unique_group_name_4"), &c));
    assert_int_equal(c.retry_queue_nums, 1);
    rj_data_version_t v;
    rj_group_manager_data_version(m, &v);
    assert_int_equal(v.counter, 4);

    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_group_config_write("g", &c, &w);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data,
                        "{\"brokerId\":0,\"consumeBroadcastEnable\":true,\"consumeEnable\":true,"
                        "\"consumeFromMinEnable\":true,\"groupName\":\"g\","
                        "\"notifyConsumerIdsChangedEnable\":true,\"retryMaxTimes\":16,"
                        "\"retryQueueNums\":1,\"whichBrokerWhenConsumeSlowly\":1}");
    rj_buf_cleanup(&out);
    rj_group_manager_destroy(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builtin_groups_and_auto_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persist_load_and_rocketmq_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
