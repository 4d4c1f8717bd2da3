/* The allocator prepares the next segment and keeps pages faulted ahead of the writer. */
#include "store/store_internal.h"

#include "common/clock.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

static void
test_next_segment_is_ready_before_it_is_needed(void **state)
{
    (void)state;
    char *dir = st_make_dir("prefault");
    rj_store_config_t cfg;
    st_config(&cfg, dir);
    cfg.mapped_file_size_commit_log = 4 << 20;
    st_log_start();
    rj_store_t *s;
    assert_int_equal(rj_store_open(&cfg, NULL, &s), 0);
    assert_int_equal(rj_store_start(s), 0);
    char body[1025];
    memset(body, 'p', 1024);
    body[1024] = 0;
    rj_store_put_result_t r;
    rj_store_msg_t first = st_msg("P", 0, body, "");
    assert_int_equal(rj_store_put(s, &first, NULL, &r), RJ_PUT_OK);
    for (int round = 0; round < 3; round++) {
        /* Wait for the allocator, then fill the current segment at a modest pace. */
        for (int i = 0; i < 2000; i++) {
            pthread_mutex_lock(&s->alloc_mu);
            bool ready = s->prepared != NULL;
            pthread_mutex_unlock(&s->alloc_mu);
            if (ready) {
                break;
            }
            rj_clock_sleep_ms(1);
        }
        rj_mapped_file_t *cur = rj_mfq_last(&s->cl);
        assert_non_null(cur);
        /* The window ahead of the writer is faulted in. */
        for (int i = 0; i < 2000; i++) {
            if ((size_t)atomic_load(&cur->prefault_pos) >=
                (size_t)rj_mapped_file_wrote(cur) +
                    (cur->size - rj_mapped_file_wrote(cur) < RJ_PREFAULT_WINDOW
                         ? cur->size - rj_mapped_file_wrote(cur)
                         : RJ_PREFAULT_WINDOW)) {
                break;
            }
            rj_clock_sleep_ms(1);
        }
        assert_true((size_t)atomic_load(&cur->prefault_pos) > (size_t)rj_mapped_file_wrote(cur));
        int64_t end = cur->from_offset + (int64_t)cur->size;
        rj_mapped_file_release(cur);
        do {
            rj_store_msg_t m = st_msg("P", 0, body, "");
            assert_int_equal(rj_store_put(s, &m, NULL, &r), RJ_PUT_OK);
        } while (r.phy_offset < end);
    }
    /* After the first segment, every roll-over found its segment prepared. */
    assert_int_equal(rj_mfq_count(&s->cl), 4);
    rj_store_close(s);
    rj_store_config_cleanup(&cfg);
    rj_fs_remove_tree(dir);
    rj_free(dir);
    assert_false(st_log_contains("segment at 4194304 not prepared in time"));
    assert_false(st_log_contains("segment at 8388608 not prepared in time"));
}

/* Bytes this process dirtied for writeback (whole folios each time one becomes dirty). */
static long long
dirtied_bytes(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    assert_non_null(f);
    char line[128];
    long long v = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (sscanf(line, "write_bytes: %lld", &v) == 1) {
            break;
        }
    }
    fclose(f);
    return v;
}

static void
on_flushed(rj_store_flush_waiter_t *w, rj_put_status_t st)
{
    assert_int_equal(st, RJ_PUT_OK);
    atomic_fetch_add((_Atomic int *)w->data, 1);
}

/*
 * Under SYNC_FLUSH every group commit cleans the page being written and the
 * next record dirties it again: with pages pre-faulted as 4 KiB folios that
 * costs 4 KiB of writeback per commit, not a large folio.
 */
static void
test_sync_flush_commits_rewrite_small_pages(void **state)
{
    (void)state;
    char *dir = st_make_dir("prefault");
    rj_store_config_t cfg;
    st_config(&cfg, dir);
    cfg.flush_disk_type = RJ_FLUSH_SYNC;
    cfg.mapped_file_size_commit_log = 64 << 20;
    st_log_start();
    rj_store_t *s;
    assert_int_equal(rj_store_open(&cfg, NULL, &s), 0);
    assert_int_equal(rj_store_start(s), 0);
    _Atomic int done = 0;
    rj_store_flush_waiter_t w = {.cb = on_flushed, .data = (void *)&done};
    rj_store_put_result_t r;
    rj_store_msg_t m = st_msg("S", 0, "a record of a few bytes", "");
    assert_int_equal(rj_store_put(s, &m, &w, &r), RJ_PUT_OK);
    /* Let pre-faulting (this segment's window, the next segment) settle. */
    long long before = dirtied_bytes();
    for (int quiet = 0, i = 0; quiet < 20 && i < 5000; i++) {
        rj_clock_sleep_ms(5);
        long long now = dirtied_bytes();
        quiet = now == before ? quiet + 1 : 0;
        before = now;
    }
    int puts = 200;
    for (int i = 0; i < puts; i++) {
        int want = atomic_load(&done) + 1;
        m = st_msg("S", 0, "a record of a few bytes", "");
        rj_put_status_t st = rj_store_put(s, &m, &w, &r);
        assert_int_equal(st, RJ_PUT_OK);
        if (!r.flush_pending) {
            continue;
        }
        for (int j = 0; j < 5000 && atomic_load(&done) < want; j++) {
            rj_clock_sleep_ms(1);
        }
        assert_true(atomic_load(&done) >= want);
    }
    long long dirtied = dirtied_bytes() - before;
    /* 4 KiB per commit plus the window advancing; large folios would be ≥ 25 MB. */
    assert_true(dirtied < 4LL << 20);
    rj_store_close(s);
    rj_store_config_cleanup(&cfg);
    rj_fs_remove_tree(dir);
    rj_free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_segment_is_ready_before_it_is_needed),
        cmocka_unit_test(test_sync_flush_commits_rewrite_small_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
