#include "broker/topic_manager.h"

#include "broker/topic_validator.h"
#include "common/fs.h"
#include "common/json.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

typedef struct {
    char dir[256];
    char path[300];
    rj_topic_manager_options_t opts;
    int changes;
    char last_topic[200];
    bool last_created;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/rj_test_topic_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/topics.json", f->dir);
    f->opts = (rj_topic_manager_options_t){
        .config_path = f->path,
        .cluster_name = "DefaultCluster",
        .broker_name = "broker-a",
        .auto_create_topic_enable = true,
        .default_topic_queue_nums = 8,
        .cluster_topic_enable = true,
        .broker_topic_enable = true,
    };
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_fs_remove_tree(f->dir);
    rj_topic_validator_reset();
    free(f);
    return 0;
}

static void
on_change(void *arg, const char *topic, bool created)
{
    fixture_t *f = arg;
    f->changes++;
    snprintf(f->last_topic, sizeof(f->last_topic), "%s", topic ? topic : "");
    f->last_created = created;
}

static void
test_builtin_topics_match_rocketmq(void **state)
{
    fixture_t *f = *state;
    rj_topic_manager_t *m;
    rj_topic_config_t c;
    assert_int_equal(rj_topic_manager_create(&f->opts, &m), 0);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("TBW102"), &c));
    assert_int_equal(c.read_queue_nums, 8);
    assert_int_equal(c.perm, 7);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("DefaultCluster"), &c));
    assert_int_equal(c.perm, 7);
    assert_int_equal(c.write_queue_nums, 16);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("broker-a"), &c));
    assert_int_equal(c.write_queue_nums, 1);
    assert_int_equal(c.perm, 7);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("SCHEDULE_TOPIC_XXXX"), &c));
    assert_int_equal(c.read_queue_nums, 18);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("SELF_TEST_TOPIC"), &c));
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("OFFSET_MOVED_EVENT"), &c));
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("DefaultCluster_REPLY_TOPIC"), &c));
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("BenchmarkTest"), &c));
    assert_int_equal(c.read_queue_nums, 1024);
    assert_false(rj_topic_manager_lookup(m, RJ_BYTES_LIT("RMQ_SYS_TRACE_TOPIC"), &c));
    assert_true(rj_topic_validator_is_system(RJ_BYTES_LIT("broker-a")));
    rj_topic_manager_destroy(m);

    f->opts.auto_create_topic_enable = false;
    f->opts.cluster_topic_enable = false;
    f->opts.trace_topic_enable = true;
    f->opts.trace_topic_name = "RMQ_SYS_TRACE_TOPIC";
    assert_int_equal(rj_topic_manager_create(&f->opts, &m), 0);
    assert_false(rj_topic_manager_lookup(m, RJ_BYTES_LIT("TBW102"), &c));
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("DefaultCluster"), &c));
    assert_int_equal(c.perm, 1);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("RMQ_SYS_TRACE_TOPIC"), &c));
    rj_topic_manager_destroy(m);
}

static void
test_create_in_send_inherits_from_tbw102(void **state)
{
    fixture_t *f = *state;
    rj_topic_manager_t *m;
    rj_topic_config_t c;
    bool created;
    rj_data_version_t v0, v1;
    assert_int_equal(rj_topic_manager_create(&f->opts, &m), 0);
    rj_topic_manager_set_change_cb(m, on_change, f);
    rj_topic_manager_data_version(m, &v0);

    assert_int_equal(rj_topic_manager_create_in_send(m, RJ_BYTES_LIT("TopicTest"),
                                                     RJ_BYTES_LIT("TBW102"), 4, 0, &c, &created),
                     0);
    assert_true(created);
    assert_int_equal(c.read_queue_nums, 4);
    assert_int_equal(c.write_queue_nums, 4);
    assert_int_equal(c.perm, 6);
    assert_int_equal(f->changes, 1);
    assert_string_equal(f->last_topic, "TopicTest");
    assert_true(f->last_created);
    rj_topic_manager_data_version(m, &v1);
    assert_int_equal(v1.counter, v0.counter + 1);

    /* Existing topic: returned as is, no change. */
    assert_int_equal(rj_topic_manager_create_in_send(m, RJ_BYTES_LIT("TopicTest"),
                                                     RJ_BYTES_LIT("TBW102"), 16, 0, &c, &created),
                     0);
    assert_false(created);
    assert_int_equal(f->changes, 1);

    /* More queues asked than TBW102 has: capped at its 8. */
    assert_int_equal(rj_topic_manager_create_in_send(m, RJ_BYTES_LIT("Big"), RJ_BYTES_LIT("TBW102"),
                                                     100, 0, &c, &created),
                     0);
    assert_int_equal(c.write_queue_nums, 8);

    /* A default topic without INHERIT, or a missing one, cannot create. */
    assert_int_equal(rj_topic_manager_create_in_send(
                         m, RJ_BYTES_LIT("X"), RJ_BYTES_LIT("SELF_TEST_TOPIC"), 4, 0, &c, &created),
                     RJ_ENOTFOUND);
    assert_int_equal(rj_topic_manager_create_in_send(m, RJ_BYTES_LIT("X"), RJ_BYTES_LIT("NOPE"), 4,
                                                     0, &c, &created),
                     RJ_ENOTFOUND);
    assert_false(rj_topic_manager_lookup(m, RJ_BYTES_LIT("X"), &c));

    assert_int_equal(
        rj_topic_manager_create_if_absent(m, RJ_BYTES_LIT("%RETRY%g"), 1, 6, 0, &c, &created), 0);
    assert_true(created);
    assert_int_equal(c.read_queue_nums, 1);
    assert_int_equal(rj_topic_manager_delete(m, "%RETRY%g"), 0);
    assert_int_equal(rj_topic_manager_delete(m, "%RETRY%g"), RJ_ENOTFOUND);
    rj_topic_manager_destroy(m);
}

static void
test_persist_and_load_round_trip(void **state)
{
    fixture_t *f = *state;
    rj_topic_manager_t *m;
    rj_topic_config_t c, d;
    rj_data_version_t v1, v2;
    assert_int_equal(rj_topic_manager_create(&f->opts, &m), 0);
    rj_topic_config_init(&c);
    c.read_queue_nums = 3;
    c.write_queue_nums = 2;
    c.perm = 4;
    c.order = true;
    c.filter_type = RJ_TOPIC_FILTER_MULTI_TAG;
    assert_int_equal(rj_topic_manager_update(m, "Ordered", &c), 0);
    assert_int_equal(rj_topic_manager_persist(m), 0);
    assert_true(rj_fs_exists(f->path));
    rj_topic_manager_data_version(m, &v1);
    rj_topic_manager_destroy(m);

    assert_int_equal(rj_topic_manager_create(&f->opts, &m), 0);
    assert_int_equal(rj_topic_manager_load(m), 0);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("Ordered"), &d));
    assert_int_equal(d.read_queue_nums, 3);
    assert_int_equal(d.write_queue_nums, 2);
    assert_int_equal(d.perm, 4);
    assert_true(d.order);
    assert_int_equal(d.filter_type, RJ_TOPIC_FILTER_MULTI_TAG);
    rj_topic_manager_data_version(m, &v2);
    assert_true(rj_data_version_equal(&v1, &v2));

    /* Corrupt main file: the .bak copy (previous content) is used. */
    assert_int_equal(rj_topic_manager_update(m, "Second", &c), 0);
    assert_int_equal(rj_topic_manager_persist(m), 0);
    rj_topic_manager_destroy(m);
    FILE *fp = fopen(f->path, "w");
    fputs("{not json", fp);
    fclose(fp);
    assert_int_equal(rj_topic_manager_create(&f->opts, &m), 0);
    assert_int_equal(rj_topic_manager_load(m), 0);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("Ordered"), &d));
    assert_false(rj_topic_manager_lookup(m, RJ_BYTES_LIT("Second"), &d));
    rj_topic_manager_destroy(m);
}

static void
test_loads_rocketmq_pretty_printed_file(void **state)
{
    fixture_t *f = *state;
    char golden[512];
    const char *src = getenv("RJ_SOURCE_DIR");
    assert_non_null(src);
    snprintf(golden, sizeof(golden), "%s/tests/unit/broker/data/topics.json", src);
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(golden, &text), 0);
    assert_int_equal(rj_fs_write_atomic(f->path, text.data, text.len), 0);
    rj_buf_cleanup(&text);

    rj_topic_manager_t *m;
    rj_topic_config_t c;
    rj_data_version_t v;
    assert_int_equal(rj_topic_manager_create(&f->opts, &m), 0);
    assert_int_equal(rj_topic_manager_load(m), 0);
    assert_true(rj_topic_manager_lookup(m, RJ_BYTES_LIT("TopicTest"), &c));
    assert_int_equal(c.read_queue_nums, 4);
    assert_int_equal(c.perm, 6);
    assert_true(rj_topic_manager_lookup(
        m, RJ_BYTES_LIT("%RETRY%alions_accept_consume_mwz5kmqy336f8d"), &c));
    rj_topic_manager_data_version(m, &v);
    assert_int_equal(v.counter, 9);
    assert_int_equal(v.timestamp_ms, 1795794343831LL);

    /* Incremental wrapper holds only the named topic and the current version. */
    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    rj_topic_manager_write_wrapper(m, &w, "TopicTest", -1);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_string_equal((char *)out.data,
                        "{\"dataVersion\":{\"counter\":9,\"timestamp\":1795794343831},"
                        "\"topicConfigTable\":{\"TopicTest\":{\"order\":false,\"perm\":6,"
                        "\"readQueueNums\":4,\"topicFilterType\":\"SINGLE_TAG\",\"topicName\":"
                        "\"TopicTest\",\"topicSysFlag\":0,\"writeQueueNums\":4}}}");
    rj_buf_cleanup(&out);
    rj_topic_manager_destroy(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_builtin_topics_match_rocketmq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_in_send_inherits_from_tbw102, setup, teardown),
        cmocka_unit_test_setup_teardown(test_persist_and_load_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loads_rocketmq_pretty_printed_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
