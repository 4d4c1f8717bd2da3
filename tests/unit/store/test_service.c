/*
 * Cleanup and disk checks: expired segments by age and deleteWhen, manual
 * deletes, forced cleaning above the disk ratio, disk full, and what readers
 * see afterwards; consume-queue flushing and the checkpoint.
 */
#include "store/store_internal.h"

#include "common/clock.h"
#include "ramjet/status.h"
#include "store_check.h"
#include "store_test_util.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define SEG (1 << 20)

typedef struct {
    char *dir;
    rj_store_config_t cfg;
    rj_store_t *s;
    double ratio;
} fixture_t;

static double
fake_ratio(const char *path, void *arg)
{
    (void)path;
    return ((fixture_t *)arg)->ratio;
}

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("clean");
    st_config(&f->cfg, f->dir);
    f->cfg.file_reserved_time = 1;
    f->cfg.delete_commit_log_files_interval = 0;
    f->cfg.delete_consume_queue_files_interval = 0;
    f->cfg.max_index_num = 200;
    f->ratio = 0.10;
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
open_store(fixture_t *f)
{
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    rj_store_set_disk_ratio_fn(f->s, fake_ratio, f);
    assert_int_equal(rj_store_start(f->s), 0);
}

/* ~5 segments of 5000-byte messages in one queue, with keys. */
static void
fill(fixture_t *f, int n)
{
    char body[5001];
    memset(body, 'c', 5000);
    body[5000] = 0;
    for (int i = 0; i < n; i++) {
        char props[64];
        snprintf(props, sizeof(props), "KEYS\x01k%d", i);
        rj_store_msg_t m = st_msg("C", 0, body, props);
        rj_store_put_result_t r;
        assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    }
    for (int i = 0; i < 2000 && rj_store_dispatch_behind_bytes(f->s) > 0; i++) {
        rj_clock_sleep_ms(1);
    }
}

/* Pretends the first `n` segments were last written `hours` ago. */
static void
age_segments(fixture_t *f, int n, int hours)
{
    for (int i = 0; i < n; i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s/commitlog/%020lld", f->dir, (long long)i * SEG);
        struct timespec ts[2];
        clock_gettime(CLOCK_REALTIME, &ts[0]);
        ts[0].tv_sec -= hours * 3600;
        ts[1] = ts[0];
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    }
}

static void
set_delete_when_now(fixture_t *f, int hour_offset)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char when[16];
    snprintf(when, sizeof(when), "%02d;%02d", (tm.tm_hour + hour_offset + 24) % 24,
             (tm.tm_hour + hour_offset + 25) % 24);
    rj_free(f->s->cfg.delete_when);
    f->s->cfg.delete_when = rj_strdup(when);
}

static void
test_expired_segments_go_at_delete_when_and_readers_see_new_min(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    fill(f, 1000);
    int64_t segs = rj_mfq_count(&f->s->cl);
    assert_true(segs >= 5);
    age_segments(f, 3, 2);
    /* Not the hour yet: nothing happens. */
    set_delete_when_now(f, 2);
    assert_int_equal(rj_service_clean_once(f->s), 0);
    set_delete_when_now(f, 0);
    assert_int_equal(rj_service_clean_once(f->s), 3);
    assert_true(st_log_contains("it's time to reclaim disk space"));
    assert_int_equal(rj_store_get_min_phy_offset(f->s), 3 * SEG);
    /* Consume-queue files and the minimum queue offset followed. */
    rj_bytes_t t = RJ_BYTES_LIT("C");
    int64_t min = rj_store_get_min_offset_in_queue(f->s, t, 0);
    assert_true(min > 0);
    int64_t phy = rj_store_get_commit_log_offset_in_queue(f->s, t, 0, min);
    assert_true(phy >= 3 * SEG);
    rj_store_view_t views[4];
    rj_store_get_result_t g = {.views = views, .cap = 4};
    assert_int_equal(rj_store_get_message(f->s, t, 0, 0, 4, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_OFFSET_TOO_SMALL);
    assert_int_equal(g.next_begin_offset, min);
    assert_int_equal(rj_store_get_message(f->s, t, 0, min, 4, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_FOUND);
    rj_store_get_result_release(&g);
    /* Old index files went too; recent keys still resolve. */
    rj_store_view_t qv[2];
    rj_store_query_result_t q = {.views = qv, .cap = 2};
    assert_int_equal(rj_store_query_message(f->s, t, RJ_BYTES_LIT("k999"), 2, 0, INT64_MAX, &q), 0);
    assert_int_equal(q.count, 1);
    rj_store_query_result_release(&q);
    char err[256];
    assert_true(st_check_consistency(f->s, err, sizeof(err)) > 0);
    /* The rest is not expired: stays even at the hour. */
    assert_int_equal(rj_service_clean_once(f->s), 0);
}

static void
test_manual_delete_and_the_last_segment_stays(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    fill(f, 600);
    int64_t segs = rj_mfq_count(&f->s->cl);
    set_delete_when_now(f, 5);
    age_segments(f, (int)segs, 100);
    assert_int_equal(rj_service_clean_once(f->s), 0);
    rj_store_execute_delete_files_manually(f->s);
    assert_int_equal(rj_service_clean_once(f->s), (int)segs - 1);
    assert_int_equal(rj_mfq_count(&f->s->cl), 1);
    /* Appending continues in the remaining segment. */
    fill(f, 5);
    char err[256];
    assert_true(st_check_consistency(f->s, err, sizeof(err)) > 0);
}

static void
test_forced_clean_above_ratio_ignores_age_and_batches_ten(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    fill(f, 2600);
    int64_t segs = rj_mfq_count(&f->s->cl);
    assert_true(segs > 11);
    set_delete_when_now(f, 5);
    f->ratio = 0.87; /* above diskSpaceCleanForciblyRatio 85 % */
    assert_int_equal(rj_service_clean_once(f->s), 10);
    assert_int_equal(rj_mfq_count(&f->s->cl), segs - 10);
    assert_false(atomic_load(&f->s->disk_full));
    /* Above 75 % but below 85 %: only expired files (none here). */
    f->ratio = 0.80;
    assert_int_equal(rj_service_clean_once(f->s), 0);
    assert_true(st_log_contains("reclaim space"));
}

static void
test_disk_full_refuses_puts_until_space_returns(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    fill(f, 3);
    f->ratio = 0.95;
    rj_service_check_disk(f->s);
    rj_store_msg_t m = st_msg("C", 0, "x", "");
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_SERVICE_NOT_AVAILABLE);
    assert_true(st_log_contains("so mark disk full"));
    rj_store_stats_t st;
    rj_store_get_stats(f->s, &st);
    assert_true(st.disk_full);
    assert_false(st.writable);
    f->ratio = 0.50;
    rj_service_check_disk(f->s);
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_true(st_log_contains("so mark disk ok"));
}

static void
test_file_size_limit_fails_puts_without_corrupting(void **state)
{
    fixture_t *f = *state;
    f->cfg.mapped_file_size_commit_log = 2 * SEG;
    char body[5001];
    memset(body, 'f', 5000);
    body[5000] = 0;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    for (int i = 0; i < 100; i++) {
        rj_store_msg_t m = st_msg("F", 0, body, "");
        rj_store_put_result_t r;
        assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    }
    rj_store_close(f->s);
    f->s = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        /* No file may be written past 1.5 MiB any more: the store refuses puts once
         * its segment (2 MiB) cannot take more, and cannot create the next one. */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {SEG + SEG / 2, SEG + SEG / 2};
        setrlimit(RLIMIT_FSIZE, &rl);
        rj_store_t *s;
        if (rj_store_open(&f->cfg, NULL, &s) != 0 || rj_store_start(s) != 0) {
            _exit(2);
        }
        int ok = 0, refused = 0;
        for (int i = 0; i < 400; i++) {
            rj_store_msg_t m = st_msg("F", 0, body, "");
            rj_store_put_result_t r;
            rj_put_status_t st = rj_store_put(s, &m, NULL, &r);
            if (st == RJ_PUT_OK) {
                ok++;
            } else if (st == RJ_PUT_SERVICE_NOT_AVAILABLE) {
                refused++;
            } else {
                _exit(3);
            }
        }
        rj_store_close(s);
        _exit(ok > 50 && refused > 0 ? 0 : 4);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* Everything accepted is there and consistent, and appending works again. */
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    char err[256];
    int64_t n = st_check_consistency(f->s, err, sizeof(err));
    if (n < 0) {
        fail_msg("%s", err);
    }
    assert_true(n > 150);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("F"), 0), n);
    assert_int_equal(rj_store_start(f->s), 0);
    for (int i = 0; i < 100; i++) {
        rj_store_msg_t m = st_msg("F", 0, body, "");
        rj_store_put_result_t r;
        assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    }
}

static void
test_queue_flush_writes_durable_checkpoint(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    fill(f, 10);
    int64_t last = rj_store_get_message_store_timestamp(f->s, RJ_BYTES_LIT("C"), 0, 9);
    rj_checkpoint_values_t cp;
    /* The commit log's time moves when a thorough flush covered the last record. */
    for (int i = 0; i < 300; i++) {
        rj_service_flush_queues(f->s, 0);
        rj_checkpoint_read(&f->s->checkpoint, &cp);
        if (cp.physic_msg_timestamp == last) {
            break;
        }
        rj_clock_sleep_ms(10);
    }
    assert_int_equal(cp.logics_msg_timestamp, last);
    assert_int_equal(cp.physic_msg_timestamp, last);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_expired_segments_go_at_delete_when_and_readers_see_new_min, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manual_delete_and_the_last_segment_stays, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_forced_clean_above_ratio_ignores_age_and_batches_ten,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_refuses_puts_until_space_returns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_file_size_limit_fails_puts_without_corrupting, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_queue_flush_writes_durable_checkpoint, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
