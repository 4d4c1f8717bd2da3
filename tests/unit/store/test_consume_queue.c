#include "store/consume_queue.h"

#include "common/endian.h"
#include "common/java_hash.h"
#include "common/message_record.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#define FILE_UNITS 10
#define FILE_SIZE (FILE_UNITS * RJ_CQ_UNIT_SIZE)

typedef struct {
    char *dir;
    rj_consume_queue_t cq;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("cq");
    st_log_start();
    assert_int_equal(rj_consume_queue_init(&f->cq, f->dir, "T", 1, 0, FILE_SIZE), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_consume_queue_cleanup(&f->cq);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

static void
reload(fixture_t *f)
{
    rj_consume_queue_cleanup(&f->cq);
    assert_int_equal(rj_consume_queue_init(&f->cq, f->dir, "T", 1, 0, FILE_SIZE), 0);
    assert_int_equal(rj_consume_queue_load(&f->cq), 0);
}

static void
test_topictest_vector_units_decode_and_match_the_commit_log(void **state)
{
    (void)state;
    rj_buf_t cq = st_load_vector("consumequeue-TopicTest-0-head.bin");
    rj_buf_t cl = st_load_vector("commitlog-head.bin");
    assert_int_equal(cq.len, 400);
    rj_cq_unit_t u;
    rj_cq_unit_decode(cq.data, &u);
    assert_int_equal(u.phy_offset, 933);
    assert_int_equal(u.size, 237);
    assert_int_equal(u.tags_code, 2598921); /* TagC */
    rj_cq_unit_decode(cq.data + 20, &u);
    assert_int_equal(u.phy_offset, 1170);
    assert_int_equal(u.size, 214);
    assert_int_equal(u.tags_code, 2598919); /* TagA */
    for (int i = 0; i < 20; i++) {
        rj_cq_unit_decode(cq.data + 20 * i, &u);
        uint8_t out[20];
        rj_cq_unit_encode(&u, out);
        assert_memory_equal(out, cq.data + 20 * i, 20);
        /* The record at that offset has that size, this queue and this queue offset. */
        rj_message_record_t rec;
        assert_int_equal(rj_message_record_decode(cl.data + u.phy_offset,
                                                  cl.len - (size_t)u.phy_offset, &rec,
                                                  RJ_MSG_DECODE_CHECK_CRC),
                         u.size);
        assert_int_equal(rec.queue_id, 0);
        assert_int_equal(rec.queue_offset, i);
        assert_true(rj_bytes_eq_cstr(rec.topic, "TopicTest"));
        rj_bytes_t tags;
        assert_true(rj_message_properties_get(rec.properties, "TAGS", &tags));
        assert_int_equal(u.tags_code, rj_java_hash(tags.data, tags.len));
    }
    rj_buf_cleanup(&cq);
    rj_buf_cleanup(&cl);
}

static void
test_schedule_vector_units_hold_delivery_times(void **state)
{
    (void)state;
    rj_buf_t cq = st_load_vector("consumequeue-SCHEDULE_TOPIC_XXXX-2-head.bin");
    rj_cq_unit_t u;
    rj_cq_unit_decode(cq.data, &u);
    assert_int_equal(u.phy_offset, 217798);
    assert_int_equal(u.size, 273);
    assert_int_equal(u.tags_code, 1795794316603LL);
    rj_cq_unit_decode(cq.data + 19 * 20, &u);
    assert_int_equal(u.phy_offset, 222994);
    assert_int_equal(u.size, 274);
    assert_int_equal(u.tags_code, 1795794316669LL);
    int64_t prev_end = 0;
    for (int i = 0; i < 20; i++) {
        rj_cq_unit_decode(cq.data + 20 * i, &u);
        /* Consecutive delayed sends: records follow each other in the commit log. */
        assert_true(u.phy_offset >= prev_end);
        prev_end = u.phy_offset + u.size;
        uint8_t out[20];
        rj_cq_unit_encode(&u, out);
        assert_memory_equal(out, cq.data + 20 * i, 20);
    }
    rj_buf_cleanup(&cq);
}

static void
test_put_read_and_roll_over_files(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 25; i++) {
        assert_int_equal(rj_consume_queue_put(&f->cq, 1000 + 100 * i, 100, i, i), 0);
    }
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 25);
    assert_int_equal(rj_consume_queue_min_offset(&f->cq), 0);
    assert_int_equal(rj_mfq_count(&f->cq.files), 3);
    assert_int_equal(rj_consume_queue_last_record_end(&f->cq), 1000 + 100 * 24 + 100);
    const uint8_t *units;
    int32_t n;
    rj_mapped_file_t *mf;
    /* A read sees the units up to the end of that file only. */
    assert_int_equal(rj_consume_queue_units(&f->cq, 7, &units, &n, &mf), 0);
    assert_int_equal(n, 3);
    rj_cq_unit_t u;
    rj_cq_unit_decode(units, &u);
    assert_int_equal(u.phy_offset, 1700);
    assert_int_equal(u.tags_code, 7);
    rj_mapped_file_release(mf);
    assert_int_equal(rj_consume_queue_units(&f->cq, 25, &units, &n, &mf), RJ_ENOTFOUND);
    /* Replays are ignored. */
    assert_int_equal(rj_consume_queue_put(&f->cq, 1000, 100, 0, 0), 0);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 25);
    /* The file names are the byte offsets of their first unit. */
    char path[512];
    snprintf(path, sizeof(path), "%s/T/0/%020d", f->dir, 2 * FILE_SIZE);
    assert_true(rj_fs_exists(path));
}

static void
test_queue_starting_late_is_padded_with_blank_units(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(rj_consume_queue_put(&f->cq, 5000, 50, 0, 13), 0);
    assert_int_equal(rj_consume_queue_min_offset(&f->cq), 13);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 14);
    rj_cq_unit_t u;
    assert_int_equal(rj_consume_queue_unit_at(&f->cq, 10, &u), 0);
    assert_true(rj_cq_unit_is_blank(&u));
    assert_int_equal(u.size, INT32_MAX);
    assert_int_equal(rj_consume_queue_unit_at(&f->cq, 13, &u), 0);
    assert_int_equal(u.phy_offset, 5000);
    /* A gap later is filled with blank units so unit n stays queue offset n. */
    assert_int_equal(rj_consume_queue_put(&f->cq, 6000, 50, 0, 16), 0);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 17);
    assert_int_equal(rj_consume_queue_unit_at(&f->cq, 15, &u), 0);
    assert_true(rj_cq_unit_is_blank(&u));
    reload(f);
    assert_int_equal(rj_consume_queue_recover(&f->cq), 0);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 17);
    assert_int_equal(f->cq.max_physic_offset, 6050);
}

static void
test_recover_stops_at_first_invalid_or_out_of_order_unit(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 15; i++) {
        assert_int_equal(rj_consume_queue_put(&f->cq, 100 * i, 100, 0, i), 0);
    }
    reload(f);
    assert_int_equal(rj_consume_queue_recover(&f->cq), 0);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 15);
    assert_int_equal(f->cq.max_physic_offset, 1500);
    /* A unit that goes backwards in the commit log ends the queue. */
    rj_mapped_file_t *mf = rj_mfq_lookup(&f->cq.files, 12 * 20);
    rj_store_be64(mf->base + 2 * 20, 5);
    rj_mapped_file_release(mf);
    reload(f);
    assert_int_equal(rj_consume_queue_recover(&f->cq), 1);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 12);
    assert_int_equal(f->cq.max_physic_offset, 1200);
    /* New units continue at 12, and the stale ones after it were wiped. */
    assert_int_equal(rj_consume_queue_put(&f->cq, 1200, 100, 0, 12), 0);
    reload(f);
    assert_int_equal(rj_consume_queue_recover(&f->cq), 0);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 13);
}

static void
test_truncated_file_is_extended_and_marked_damaged(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 8; i++) {
        assert_int_equal(rj_consume_queue_put(&f->cq, 100 * i, 100, 0, i), 0);
    }
    rj_consume_queue_cleanup(&f->cq);
    char path[512];
    snprintf(path, sizeof(path), "%s/T/0/%020d", f->dir, 0);
    assert_int_equal(truncate(path, 5 * 20 + 7), 0);
    assert_int_equal(rj_consume_queue_init(&f->cq, f->dir, "T", 1, 0, FILE_SIZE), 0);
    assert_int_equal(rj_consume_queue_load(&f->cq), 0);
    assert_true(f->cq.damaged);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, FILE_SIZE);
    rj_consume_queue_recover(&f->cq);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 5);
}

static void
test_truncate_phy_drops_units_past_an_offset(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 25; i++) {
        assert_int_equal(rj_consume_queue_put(&f->cq, 100 * i, 100, 0, i), 0);
    }
    assert_int_equal(rj_consume_queue_truncate_phy(&f->cq, 1450), 11);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 14);
    assert_int_equal(f->cq.max_physic_offset, 1400);
    assert_int_equal(rj_mfq_count(&f->cq.files), 2);
    assert_int_equal(rj_consume_queue_truncate_phy(&f->cq, 5000), 0);
    assert_int_equal(rj_consume_queue_put(&f->cq, 1400, 100, 0, 14), 0);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 15);
}

static void
test_expired_files_are_deleted_and_min_offset_moves(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 35; i++) {
        assert_int_equal(rj_consume_queue_put(&f->cq, 100 * i, 100, 0, i), 0);
    }
    /* Commit log now starts at 2550: files whose last record is below go. */
    assert_int_equal(rj_consume_queue_delete_expired(&f->cq, 2550), 2);
    assert_int_equal(rj_mfq_count(&f->cq.files), 2);
    assert_int_equal(rj_consume_queue_min_offset(&f->cq), 26);
    const uint8_t *units;
    int32_t n;
    rj_mapped_file_t *mf;
    assert_int_equal(rj_consume_queue_units(&f->cq, 25, &units, &n, &mf), RJ_ENOTFOUND);
    assert_int_equal(rj_consume_queue_units(&f->cq, 26, &units, &n, &mf), 0);
    rj_mapped_file_release(mf);
    /* Everything expired: the last file stays, the minimum moves to the end. */
    assert_int_equal(rj_consume_queue_delete_expired(&f->cq, 100000), 1);
    assert_int_equal(rj_consume_queue_min_offset(&f->cq), 35);
    assert_int_equal(rj_consume_queue_max_offset(&f->cq), 35);
}

static void
test_readers_keep_deleted_files_mapped(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 25; i++) {
        assert_int_equal(rj_consume_queue_put(&f->cq, 100 * i, 100, 0, i), 0);
    }
    const uint8_t *units;
    int32_t n;
    rj_mapped_file_t *mf;
    assert_int_equal(rj_consume_queue_units(&f->cq, 2, &units, &n, &mf), 0);
    assert_int_equal(rj_consume_queue_delete_expired(&f->cq, 10000), 2);
    /* Unlinked, but still mapped for the reader. */
    char path[512];
    snprintf(path, sizeof(path), "%s/T/0/%020d", f->dir, 0);
    assert_false(rj_fs_exists(path));
    rj_cq_unit_t u;
    rj_cq_unit_decode(units, &u);
    assert_int_equal(u.phy_offset, 200);
    assert_true(mf->base != NULL);
    rj_mapped_file_release(mf);
    assert_true(mf->base == NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topictest_vector_units_decode_and_match_the_commit_log),
        cmocka_unit_test(test_schedule_vector_units_hold_delivery_times),
        cmocka_unit_test_setup_teardown(test_put_read_and_roll_over_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_queue_starting_late_is_padded_with_blank_units, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_recover_stops_at_first_invalid_or_out_of_order_unit,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_file_is_extended_and_marked_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncate_phy_drops_units_past_an_offset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_files_are_deleted_and_min_offset_moves, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_readers_keep_deleted_files_mapped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
