/*
 * Store file names, and the config JSON files of RocketMQ 4.9.8 (vectors)
 * persisted through rj_fs_write_config under <root>/config: read back byte
 * for byte (including the .bak fallback), and decoded field by field.
 */
#include "store/store_path.h"

#include "common/json.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

static void
test_paths_follow_rocketmq_names(void **state)
{
    (void)state;
    char p[64];
    assert_int_equal(rj_store_path(p, sizeof(p), "/data/store", NULL, RJ_STORE_PATH_CHECKPOINT),
                     strlen("/data/store/checkpoint"));
    assert_string_equal(p, "/data/store/checkpoint");
    rj_store_path(p, sizeof(p), "/s", RJ_STORE_PATH_CONFIG, RJ_STORE_CONFIG_CONSUMER_OFFSET);
    assert_string_equal(p, "/s/config/consumerOffset.json");
    assert_int_equal(rj_store_path(p, 8, "/data/store", NULL, "abort"), -1);
    char *d = rj_store_path_dup("/r", RJ_STORE_PATH_CONSUMEQUEUE);
    assert_string_equal(d, "/r/consumequeue");
    rj_free(d);
}

static json_t *
persist_and_parse(const char *root, const char *name, rj_buf_t *bytes)
{
    char vpath[128];
    snprintf(vpath, sizeof(vpath), "config/%s", name);
    rj_buf_t v = st_load_vector(vpath);
    char path[512];
    assert_true(rj_store_path(path, sizeof(path), root, RJ_STORE_PATH_CONFIG, name) > 0);
    char dir[512];
    rj_store_path(dir, sizeof(dir), root, NULL, RJ_STORE_PATH_CONFIG);
    assert_int_equal(rj_fs_mkdirs(dir, 0755), 0);
    assert_int_equal(rj_fs_write_config(path, v.data, v.len), 0);
    /* A second write keeps the first as .bak. */
    assert_int_equal(rj_fs_write_config(path, v.data, v.len), 0);
    rj_buf_t back = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_config(path, &back, NULL), 0);
    assert_int_equal(back.len, v.len);
    assert_memory_equal(back.data, v.data, v.len);
    /* The main file lost: the .bak copy is read instead. */
    assert_int_equal(unlink(path), 0);
    rj_buf_reset(&back);
    assert_int_equal(rj_fs_read_config(path, &back, NULL), 0);
    assert_memory_equal(back.data, v.data, v.len);
    char err[128];
    json_t *j = rj_json_parse(back.data, back.len, err, sizeof(err));
    if (j == NULL) {
        fail_msg("%s: %s", name, err);
    }
    *bytes = v;
    rj_buf_cleanup(&back);
    return j;
}

static void
test_config_vectors_persist_byte_identical_and_decode(void **state)
{
    (void)state;
    char *root = st_make_dir("cfgfiles");
    rj_buf_t bytes;

    json_t *j = persist_and_parse(root, RJ_STORE_CONFIG_TOPICS, &bytes);
    json_t *dv = json_object_get(j, "dataVersion");
    assert_int_equal(rj_json_get_int(dv, "counter", -1), 9);
    assert_int_equal(rj_json_get_int(dv, "timestamp", -1), 1795794343831LL);
    json_t *t = json_object_get(json_object_get(j, "topicConfigTable"), "TopicTest");
    assert_non_null(t);
    assert_string_equal(rj_json_get_str(t, "topicName", ""), "TopicTest");
    assert_int_equal(rj_json_get_int(t, "readQueueNums", -1), 4);
    assert_int_equal(rj_json_get_int(t, "writeQueueNums", -1), 4);
    assert_int_equal(rj_json_get_int(t, "perm", -1), 6);
    assert_string_equal(rj_json_get_str(t, "topicFilterType", ""), "SINGLE_TAG");
    assert_false(rj_json_get_bool(t, "order", true));
    t = json_object_get(json_object_get(j, "topicConfigTable"), "SCHEDULE_TOPIC_XXXX");
    assert_int_equal(rj_json_get_int(t, "readQueueNums", -1), 18);
    json_decref(j);
    rj_buf_cleanup(&bytes);

    j = persist_and_parse(root, RJ_STORE_CONFIG_SUBSCRIPTION_GROUP, &bytes);
    assert_int_equal(rj_json_get_int(json_object_get(j, "dataVersion"), "counter", -1), 4);
    json_t *g = json_object_get(json_object_get(j, "subscriptionGroupTable"),
                                "alions_accept_consume_mwz5kmqy336f8d");
    assert_non_null(g);
    assert_int_equal(rj_json_get_int(g, "retryMaxTimes", -1), 16);
    assert_int_equal(rj_json_get_int(g, "retryQueueNums", -1), 1);
    assert_true(rj_json_get_bool(g, "consumeBroadcastEnable", false));
    json_decref(j);
    rj_buf_cleanup(&bytes);

    /* fastjson dialect: unquoted integer keys. */
    j = persist_and_parse(root, RJ_STORE_CONFIG_CONSUMER_OFFSET, &bytes);
    json_t *q = json_object_get(json_object_get(j, "offsetTable"),
                                "TopicTest@please_rename_unique_group_name_4");
    assert_non_null(q);
    assert_int_equal(rj_json_get_int(q, "0", -1), 251);
    assert_int_equal(rj_json_get_int(q, "1", -1), 250);
    assert_int_equal(rj_json_get_int(q, "3", -1), 251);
    q = json_object_get(json_object_get(j, "offsetTable"),
                        "%RETRY%alions_accept_consume_mwz5kmqy336f8d@"
                        "alions_accept_consume_mwz5kmqy336f8d");
    assert_int_equal(rj_json_get_int(q, "0", 0), -1);
    json_decref(j);
    rj_buf_cleanup(&bytes);

    j = persist_and_parse(root, RJ_STORE_CONFIG_DELAY_OFFSET, &bytes);
    assert_int_equal(rj_json_get_int(json_object_get(j, "offsetTable"), "3", -1), 101);
    json_decref(j);
    rj_buf_cleanup(&bytes);

    j = persist_and_parse(root, RJ_STORE_CONFIG_CONSUMER_FILTER, &bytes);
    assert_int_equal(json_object_size(json_object_get(j, "filterDataByTopic")), 0);
    json_decref(j);
    rj_buf_cleanup(&bytes);

    rj_fs_remove_tree(root);
    rj_free(root);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_follow_rocketmq_names),
        cmocka_unit_test(test_config_vectors_persist_byte_identical_and_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
