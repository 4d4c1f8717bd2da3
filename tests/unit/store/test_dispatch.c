/*
 * A commit log written by Apache RocketMQ 4.9.8 (the vector's first 301
 * records) opens here, is dispatched, and produces consume-queue units and
 * index items byte-identical to the ones RocketMQ wrote for it.
 */
#include "store/store_internal.h"

#include "common/clock.h"
#include "common/endian.h"
#include "common/java_hash.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define VALID_BYTES 65428

typedef struct {
    char *dir;
    rj_store_config_t cfg;
    rj_store_t *s;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("interop");
    st_config(&f->cfg, f->dir);
    /* RocketMQ's index geometry, so slots and items land where Java put them. */
    f->cfg.max_hash_slot_num = 5000000;
    f->cfg.max_index_num = 20000000;
    f->cfg.mapped_file_size_consume_queue = 300000 * 20;
    /* The first 64 KiB of RocketMQ's segment 0, in a 1 MiB segment. */
    char cl_dir[512], path[600];
    snprintf(cl_dir, sizeof(cl_dir), "%s/commitlog", f->dir);
    assert_int_equal(rj_fs_mkdirs(cl_dir, 0755), 0);
    snprintf(path, sizeof(path), "%s/00000000000000000000", cl_dir);
    rj_buf_t head = st_load_vector("commitlog-head.bin");
    uint8_t *seg = rj_calloc(1, 1 << 20);
    memcpy(seg, head.data, VALID_BYTES);
    assert_int_equal(rj_fs_write_atomic(path, seg, 1 << 20), 0);
    rj_free(seg);
    rj_buf_cleanup(&head);
    st_log_start();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_store_close(f->s);
    rj_store_config_cleanup(&f->cfg);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

static void
test_rocketmq_commit_log_rebuilds_identical_consume_queue(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_get_max_phy_offset(f->s), VALID_BYTES);
    assert_true(st_log_contains("301 records valid"));
    rj_buf_t want = st_load_vector("consumequeue-TopicTest-0-head.bin");
    char path[600];
    snprintf(path, sizeof(path), "%s/consumequeue/TopicTest/0/00000000000000000000", f->dir);
    rj_buf_t got = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &got), 0);
    assert_int_equal(got.len, 300000 * 20);
    assert_memory_equal(got.data, want.data, want.len);
    rj_buf_cleanup(&got);
    rj_buf_cleanup(&want);
    /* Messages are served: queue offsets, sizes and bytes as RocketMQ stored them. */
    assert_int_equal(rj_store_start(f->s), 0);
    rj_store_view_t views[32];
    rj_store_get_result_t g = {.views = views, .cap = 32};
    assert_int_equal(rj_store_get_message(f->s, RJ_BYTES_LIT("TopicTest"), 0, 0, 32, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_FOUND);
    assert_int_equal(views[0].phy_offset, 933);
    assert_int_equal(views[0].len, 237);
    rj_buf_t cl = st_load_vector("commitlog-head.bin");
    for (uint32_t i = 0; i < g.count; i++) {
        assert_memory_equal(views[i].data, cl.data + views[i].phy_offset, views[i].len);
    }
    rj_buf_cleanup(&cl);
    rj_store_get_result_release(&g);
    /* Appending continues after RocketMQ's records with the next queue offset. */
    int64_t max0 = rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("TopicTest"), 0);
    rj_store_msg_t m = st_msg("TopicTest", 0, "from ramjet", "TAGS\x01TagA");
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.phy_offset, VALID_BYTES);
    assert_int_equal(r.queue_offset, max0);
}

static void
test_rocketmq_commit_log_rebuilds_identical_index_items(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    char idx_dir[512];
    snprintf(idx_dir, sizeof(idx_dir), "%s/index", f->dir);
    DIR *d = opendir(idx_dir);
    assert_non_null(d);
    struct dirent *e;
    char name[64] = "";
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            snprintf(name, sizeof(name), "%.60s", e->d_name);
        }
    }
    closedir(d);
    assert_int_equal(strlen(name), 17); /* yyyyMMddHHmmssSSS */
    char path[700];
    snprintf(path, sizeof(path), "%s/%s", idx_dir, name);
    rj_store_close(f->s);
    f->s = NULL;
    rj_buf_t file = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &file), 0);
    assert_int_equal(file.len, 420000040);
    rj_buf_t items = st_load_vector("index-items-head.bin");
    assert_memory_equal(file.data + 20000040, items.data, items.len);
    rj_buf_t hdr = st_load_vector("index-header.bin");
    /* Same begin time and offset as RocketMQ's file (the end differs: fewer records). */
    assert_memory_equal(file.data, hdr.data, 8);
    assert_memory_equal(file.data + 16, hdr.data + 16, 8);
    /* Each of the first items heads its slot. */
    for (int n = 1; n <= 10; n++) {
        int32_t h = (int32_t)rj_load_be32(items.data + 20 * n);
        int32_t slot = (int32_t)rj_load_be32(file.data + 40 + 4 * (size_t)(h % 5000000));
        assert_true(slot >= n);
    }
    rj_buf_cleanup(&file);
    rj_buf_cleanup(&items);
    rj_buf_cleanup(&hdr);
}

static void
test_tags_code_is_java_hash_or_delivery_time(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    rj_bytes_t none = RJ_BYTES_NULL;
    assert_int_equal(rj_dispatch_tags_code(f->s, RJ_BYTES_LIT("T"), RJ_BYTES_LIT("TagA"), none, 5),
                     2598919);
    assert_int_equal(rj_dispatch_tags_code(f->s, RJ_BYTES_LIT("T"), none, none, 5), 0);
    /* Negative Java hashes are sign-extended. */
    assert_int_equal(
        rj_dispatch_tags_code(f->s, RJ_BYTES_LIT("T"), RJ_BYTES_LIT("TopicTest"), none, 5),
        -1902610879LL);
    rj_bytes_t sched = RJ_BYTES_LIT(RJ_SCHEDULE_TOPIC);
    assert_int_equal(rj_dispatch_tags_code(f->s, sched, RJ_BYTES_LIT("TagA"), RJ_BYTES_LIT("3"),
                                           1795794306603LL),
                     1795794316603LL);
    assert_int_equal(rj_dispatch_tags_code(f->s, sched, none, RJ_BYTES_LIT("99"), 1000),
                     1000 + 7200000);
    /* DELAY outside the schedule topic, or not a number, changes nothing. */
    assert_int_equal(rj_dispatch_tags_code(f->s, RJ_BYTES_LIT("T"), none, RJ_BYTES_LIT("3"), 1), 0);
    assert_int_equal(rj_dispatch_tags_code(f->s, sched, none, RJ_BYTES_LIT("x"), 1), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rocketmq_commit_log_rebuilds_identical_consume_queue,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_rocketmq_commit_log_rebuilds_identical_index_items,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags_code_is_java_hash_or_delivery_time, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
