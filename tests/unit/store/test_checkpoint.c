#include "store/checkpoint.h"

#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

static void
test_vector_checkpoint_decodes_field_by_field_and_reencodes(void **state)
{
    (void)state;
    rj_buf_t b = st_load_vector("checkpoint");
    assert_int_equal(b.len, RJ_CHECKPOINT_SIZE);
    rj_checkpoint_values_t v;
    rj_checkpoint_decode(b.data, &v);
    assert_int_equal(v.physic_msg_timestamp, 1795794360815LL);
    assert_int_equal(v.logics_msg_timestamp, 1795794360815LL);
    assert_int_equal(v.index_msg_timestamp, 0);
    for (size_t i = 24; i < b.len; i++) {
        assert_int_equal(b.data[i], 0);
    }
    uint8_t img[RJ_CHECKPOINT_SIZE];
    memset(img, 0, sizeof(img));
    rj_checkpoint_encode(&v, img);
    assert_memory_equal(img, b.data, RJ_CHECKPOINT_SIZE);
    rj_buf_cleanup(&b);
}

static void
test_min_timestamps_follow_rocketmq(void **state)
{
    (void)state;
    rj_checkpoint_values_t v = {10000, 7000, 2000};
    assert_int_equal(rj_checkpoint_min_timestamp(&v), 4000);
    assert_int_equal(rj_checkpoint_min_timestamp_index(&v), 2000);
    v.logics_msg_timestamp = 1000;
    assert_int_equal(rj_checkpoint_min_timestamp(&v), 0);
}

static void
test_file_is_created_written_and_read_back(void **state)
{
    (void)state;
    char *dir = st_make_dir("cp");
    char path[512];
    snprintf(path, sizeof(path), "%s/checkpoint", dir);
    rj_checkpoint_t cp;
    assert_int_equal(rj_checkpoint_open(&cp, path), 0);
    assert_false(cp.existed);
    rj_checkpoint_values_t v = {111, 222, 333}, r;
    assert_int_equal(rj_checkpoint_write(&cp, &v), 0);
    rj_checkpoint_close(&cp);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, RJ_CHECKPOINT_SIZE);
    assert_int_equal(rj_checkpoint_open(&cp, path), 0);
    assert_true(cp.existed);
    rj_checkpoint_read(&cp, &r);
    assert_int_equal(r.physic_msg_timestamp, 111);
    assert_int_equal(r.logics_msg_timestamp, 222);
    assert_int_equal(r.index_msg_timestamp, 333);
    rj_checkpoint_close(&cp);
    /* The vector file opens as is. */
    rj_buf_t b = st_load_vector("checkpoint");
    assert_int_equal(rj_fs_write_atomic(path, b.data, b.len), 0);
    assert_int_equal(rj_checkpoint_open(&cp, path), 0);
    rj_checkpoint_read(&cp, &r);
    assert_int_equal(r.physic_msg_timestamp, 1795794360815LL);
    rj_checkpoint_close(&cp);
    rj_buf_cleanup(&b);
    rj_fs_remove_tree(dir);
    rj_free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_checkpoint_decodes_field_by_field_and_reencodes),
        cmocka_unit_test(test_min_timestamps_follow_rocketmq),
        cmocka_unit_test(test_file_is_created_written_and_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
