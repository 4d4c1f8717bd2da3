/*
 * Damaged stores: a torn last record, a flipped body byte, a truncated consume
 * queue, a missing checkpoint, a cut segment, a crash across segments. Each
 * time recovery must end consistent (store_check.h) and say what it did.
 */
#include "store/store_internal.h"

#include "common/clock.h"
#include "common/endian.h"
#include "ramjet/status.h"
#include "store_check.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define SEG (1 << 20)

typedef struct {
    char *dir;
    rj_store_config_t cfg;
    rj_store_t *s;
    int64_t offsets[2048];
    int32_t sizes[2048];
    int count;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("recovery");
    st_config(&f->cfg, f->dir);
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
put_messages(rj_store_t *s, int n, size_t body_len)
{
    char *body = rj_malloc(body_len + 1);
    for (int i = 0; i < n; i++) {
        memset(body, 'a' + i % 26, body_len);
        body[body_len] = '\0';
        char props[64];
        snprintf(props, sizeof(props), "TAGS\x01Tag%d\x02KEYS\x01key%d", i % 3, i);
        rj_store_msg_t m = st_msg("D", i % 4, body, props);
        rj_store_put_result_t r;
        if (rj_store_put(s, &m, NULL, &r) != RJ_PUT_OK) {
            abort();
        }
    }
    rj_free(body);
}

/* Writes `n` messages and closes cleanly. */
static void
populate_clean(fixture_t *f, int n, size_t body_len)
{
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    put_messages(f->s, n, body_len);
    rj_store_close(f->s);
    f->s = NULL;
}

/* Writes `n` messages in a child that then dies without shutting down (kill -9). */
static void
populate_crash(fixture_t *f, int n, size_t body_len)
{
    pid_t pid = fork();
    if (pid == 0) {
        rj_store_t *s;
        if (rj_store_open(&f->cfg, NULL, &s) != 0 || rj_store_start(s) != 0) {
            _exit(2);
        }
        put_messages(s, n, body_len);
        /* Let the dispatcher write some units, then die mid-flight. */
        rj_clock_sleep_ms(20);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char abort_path[600];
    snprintf(abort_path, sizeof(abort_path), "%s/abort", f->dir);
    assert_true(rj_fs_exists(abort_path));
}

static void
segment_path(fixture_t *f, int64_t from, char *out, size_t size)
{
    snprintf(out, size, "%s/commitlog/%020lld", f->dir, (long long)from);
}

/* Lists the records of the commit log files, as written on disk. */
static void
scan_files(fixture_t *f)
{
    f->count = 0;
    for (int64_t from = 0;; from += SEG) {
        char path[600];
        segment_path(f, from, path, sizeof(path));
        rj_buf_t b = RJ_BUF_INIT;
        if (rj_fs_read_file(path, &b) != 0) {
            break;
        }
        size_t pos = 0;
        rj_message_record_t rec;
        int n;
        while ((n = rj_message_record_decode(b.data + pos, b.len - pos, &rec, 1)) > 0) {
            f->offsets[f->count] = from + (int64_t)pos;
            f->sizes[f->count] = n;
            f->count++;
            pos += (size_t)n;
        }
        rj_buf_cleanup(&b);
    }
}

static void
patch_file(fixture_t *f, int64_t phy, const void *bytes, size_t len)
{
    char path[600];
    segment_path(f, phy - phy % SEG, path, sizeof(path));
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &b), 0);
    memcpy(b.data + phy % SEG, bytes, len);
    assert_int_equal(rj_fs_write_atomic(path, b.data, b.len), 0);
    rj_buf_cleanup(&b);
}

static void
reopen_and_check(fixture_t *f, int64_t expect_records)
{
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    char err[256];
    int64_t n = st_check_consistency(f->s, err, sizeof(err));
    if (n < 0) {
        fail_msg("inconsistent after recovery: %s", err);
    }
    assert_int_equal(n, expect_records);
    assert_int_equal(rj_store_start(f->s), 0);
}

static void
test_torn_last_record_is_truncated_after_a_crash(void **state)
{
    fixture_t *f = *state;
    populate_crash(f, 100, 200);
    scan_files(f);
    assert_int_equal(f->count, 100);
    int64_t last = f->offsets[99];
    uint8_t zeros[150];
    memset(zeros, 0, sizeof(zeros));
    /* The second half of the last record never reached the disk. */
    patch_file(f, last + f->sizes[99] - 150, zeros, sizeof(zeros));
    reopen_and_check(f, 99);
    assert_true(st_log_contains("last shutdown abnormally"));
    assert_true(st_log_contains("torn tail truncated there"));
    assert_int_equal(rj_store_get_max_phy_offset(f->s), last);
    /* Message 99 went to queue 3: its offset is free again. */
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("D"), 3), 24);
    rj_store_msg_t m = st_msg("D", 3, "new", "");
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.phy_offset, last);
    assert_int_equal(r.queue_offset, 24);
}

static void
test_flipped_body_byte_truncates_at_the_bad_record(void **state)
{
    fixture_t *f = *state;
    populate_clean(f, 100, 200);
    scan_files(f);
    int64_t bad = f->offsets[50];
    uint8_t byte;
    char path[600];
    segment_path(f, 0, path, sizeof(path));
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(path, &b), 0);
    byte = b.data[bad + 100] ^ 0x20;
    rj_buf_cleanup(&b);
    patch_file(f, bad + 100, &byte, 1);
    reopen_and_check(f, 50);
    assert_true(st_log_contains("last shutdown normally"));
    assert_true(st_log_contains("body CRC mismatch at offset"));
    assert_true(st_log_contains("(49 records after it look valid and are dropped)"));
    assert_true(st_log_contains("past the commit log end"));
    assert_int_equal(rj_store_get_max_phy_offset(f->s), bad);
    rj_store_close(f->s);
    f->s = NULL;
    /* Nothing of the dropped records remains past the end. */
    assert_int_equal(rj_fs_read_file(path, &b), 0);
    for (size_t i = (size_t)bad; i < b.len; i++) {
        if (b.data[i] != 0) {
            fail_msg("stale byte at %zu", i);
        }
    }
    rj_buf_cleanup(&b);
}

static void
test_truncated_consume_queue_is_rebuilt(void **state)
{
    fixture_t *f = *state;
    populate_clean(f, 100, 100);
    char path[600];
    snprintf(path, sizeof(path), "%s/consumequeue/D/1/00000000000000000000", f->dir);
    assert_int_equal(truncate(path, 10 * 20 + 7), 0);
    reopen_and_check(f, 100);
    assert_true(st_log_contains("was truncated to 207 bytes"));
    assert_true(st_log_contains("consume queue D-1 is damaged: rebuilding it"));
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("D"), 1), 25);
    rj_store_view_t views[32];
    rj_store_get_result_t g = {.views = views, .cap = 32};
    assert_int_equal(rj_store_get_message(f->s, RJ_BYTES_LIT("D"), 1, 10, 32, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_FOUND);
    assert_int_equal(views[0].queue_offset, 10);
    rj_store_get_result_release(&g);
}

static void
test_missing_checkpoint_after_a_crash_validates_everything(void **state)
{
    fixture_t *f = *state;
    populate_crash(f, 300, 5000);
    char path[600];
    snprintf(path, sizeof(path), "%s/checkpoint", f->dir);
    assert_int_equal(unlink(path), 0);
    reopen_and_check(f, 300);
    assert_true(st_log_contains("is missing: created; crash recovery will validate the commit "
                                "log from its first segment"));
    assert_true(rj_fs_exists(path));
    rj_store_view_t views[4];
    rj_store_query_result_t q = {.views = views, .cap = 4};
    assert_int_equal(
        rj_store_query_message(f->s, RJ_BYTES_LIT("D"), RJ_BYTES_LIT("key7"), 4, 0, INT64_MAX, &q),
        0);
    assert_int_equal(q.count, 1);
    rj_store_query_result_release(&q);
}

static void
test_missing_checkpoint_after_clean_shutdown(void **state)
{
    fixture_t *f = *state;
    populate_clean(f, 20, 100);
    char path[600];
    snprintf(path, sizeof(path), "%s/checkpoint", f->dir);
    assert_int_equal(unlink(path), 0);
    reopen_and_check(f, 20);
    assert_true(st_log_contains("is missing: created"));
}

static void
test_crash_across_segments_keeps_every_message_and_index(void **state)
{
    fixture_t *f = *state;
    populate_crash(f, 600, 5000);
    reopen_and_check(f, 600);
    assert_true(st_log_contains("recovery: last shutdown ABNORMAL"));
    assert_true(rj_store_get_max_phy_offset(f->s) > 2 * SEG);
    for (int q = 0; q < 4; q++) {
        assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("D"), q), 150);
    }
    rj_store_view_t views[4];
    rj_store_query_result_t qr = {.views = views, .cap = 4};
    assert_int_equal(rj_store_query_message(f->s, RJ_BYTES_LIT("D"), RJ_BYTES_LIT("key599"), 4, 0,
                                            INT64_MAX, &qr),
                     0);
    assert_int_equal(qr.count, 1);
    rj_store_query_result_release(&qr);
    /* Appending continues, and a clean restart after that is normal. */
    put_messages(f->s, 10, 100);
    rj_store_close(f->s);
    f->s = NULL;
    st_log_start();
    reopen_and_check(f, 610);
    assert_true(st_log_contains("last shutdown normally"));
}

static void
test_cut_last_segment_is_extended_and_recovered(void **state)
{
    fixture_t *f = *state;
    populate_crash(f, 50, 100);
    scan_files(f);
    char path[600];
    segment_path(f, 0, path, sizeof(path));
    /* The file itself was cut in the middle of record 40. */
    assert_int_equal(truncate(path, f->offsets[40] + 30), 0);
    reopen_and_check(f, 40);
    assert_true(st_log_contains("was cut to"));
    assert_int_equal(rj_store_get_max_phy_offset(f->s), f->offsets[40]);
}

static void
test_garbage_store_files_do_not_crash_recovery(void **state)
{
    fixture_t *f = *state;
    populate_clean(f, 30, 100);
    /* Random bytes over the first records: everything from there is dropped. */
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = (uint8_t)(i * 131 + 7);
    }
    patch_file(f, 0, junk, sizeof(junk));
    reopen_and_check(f, 0);
    assert_true(st_log_contains("bad magic code or length at offset 0"));
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("D"), 0), 0);
    rj_store_msg_t m = st_msg("D", 0, "again", "");
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.phy_offset, 0);
    assert_int_equal(r.queue_offset, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_torn_last_record_is_truncated_after_a_crash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flipped_body_byte_truncates_at_the_bad_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncated_consume_queue_is_rebuilt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_checkpoint_after_a_crash_validates_everything,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_checkpoint_after_clean_shutdown, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crash_across_segments_keeps_every_message_and_index,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_last_segment_is_extended_and_recovered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_garbage_store_files_do_not_crash_recovery, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
