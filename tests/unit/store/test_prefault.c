/* The allocator prepares the next segment and keeps pages faulted ahead of the writer. */
#include "store/store_internal.h"

#include "common/clock.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_segment_is_ready_before_it_is_needed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
