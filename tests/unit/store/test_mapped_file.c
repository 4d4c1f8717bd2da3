#include "store/mapped_file.h"

#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

#define SIZE (64 * 1024)

typedef struct {
    char *dir;
    char path[512];
    rj_mapped_file_t mf;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("mf");
    snprintf(f->path, sizeof(f->path), "%s/00000000000000065536", f->dir);
    f->mf.fd = -1;
    assert_int_equal(
        rj_mapped_file_open(&f->mf, f->path, SIZE, SIZE, 2, RJ_MF_CREATE | RJ_MF_FALLOCATE), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    if (rj_mapped_file_is_live(&f->mf)) {
        rj_mapped_file_destroy(&f->mf, false);
    }
    rj_mapped_file_cleanup(&f->mf);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

static void
test_create_maps_file_of_exact_size(void **state)
{
    fixture_t *f = *state;
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, SIZE);
    /* Reserved on disk, not sparse. */
    assert_true((size_t)st.st_blocks * 512 >= SIZE);
    assert_string_equal(rj_mapped_file_name(&f->mf), "00000000000000065536");
    assert_int_equal(f->mf.from_offset, SIZE);
    assert_int_equal(rj_mapped_file_gen(&f->mf), 2);
    assert_int_equal(rj_mapped_file_wrote(&f->mf), 0);
    assert_false(rj_mapped_file_is_full(&f->mf));
    assert_true(rj_mapped_file_mtime_ms(&f->mf) > 0);
    char name[21];
    rj_mapped_file_offset_name(1073741824, name);
    assert_string_equal(name, "00000000001073741824");
}

static void
test_existing_file_of_other_size_is_refused(void **state)
{
    fixture_t *f = *state;
    rj_mapped_file_t other;
    memset(&other, 0, sizeof(other));
    assert_int_equal(rj_mapped_file_open(&other, f->path, SIZE * 2, 0, 1, 0), RJ_ECORRUPT);
    assert_int_equal(rj_mapped_file_open(&other, f->path, SIZE * 2, 0, 1, RJ_MF_CREATE),
                     RJ_ECORRUPT);
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/nope", f->dir);
    assert_int_equal(rj_mapped_file_open(&other, missing, SIZE, 0, 1, 0), RJ_ENOENT);
}

static void
test_references_keep_a_destroyed_file_mapped(void **state)
{
    fixture_t *f = *state;
    memcpy(f->mf.base, "hello", 5);
    assert_true(rj_mapped_file_try_retain(&f->mf, 2));
    assert_false(rj_mapped_file_try_retain(&f->mf, 3)); /* another identity */
    rj_mapped_file_retain(&f->mf);
    rj_mapped_file_destroy(&f->mf, true);
    assert_false(rj_fs_exists(f->path));
    assert_false(rj_mapped_file_is_live(&f->mf));
    assert_false(rj_mapped_file_try_retain(&f->mf, 2)); /* no new readers */
    assert_memory_equal(f->mf.base, "hello", 5);        /* old readers still read */
    rj_mapped_file_release(&f->mf);
    assert_false(rj_mapped_file_is_free(&f->mf));
    rj_mapped_file_release(&f->mf);
    assert_true(rj_mapped_file_is_free(&f->mf));
    assert_null(f->mf.base);
    /* A FREE struct can be reopened for another file. */
    assert_int_equal(rj_mapped_file_open(&f->mf, f->path, SIZE, 0, 1, RJ_MF_CREATE), 0);
    assert_true(rj_mapped_file_try_retain(&f->mf, 1));
    rj_mapped_file_release(&f->mf);
}

static void
test_flush_honours_least_pages(void **state)
{
    fixture_t *f = *state;
    memset(f->mf.base, 1, 3 * RJ_OS_PAGE_SIZE);
    rj_mapped_file_set_wrote(&f->mf, 3 * RJ_OS_PAGE_SIZE);
    assert_int_equal(rj_mapped_file_flush(&f->mf, 4), 0);
    assert_int_equal(rj_mapped_file_flush(&f->mf, 2), 3 * RJ_OS_PAGE_SIZE);
    memset(f->mf.base + 3 * RJ_OS_PAGE_SIZE, 1, 100);
    rj_mapped_file_set_wrote(&f->mf, 3 * RJ_OS_PAGE_SIZE + 100);
    assert_int_equal(rj_mapped_file_flush(&f->mf, 1), 3 * RJ_OS_PAGE_SIZE);
    assert_int_equal(rj_mapped_file_flush(&f->mf, 0), 3 * RJ_OS_PAGE_SIZE + 100);
    /* A full file always flushes. */
    rj_mapped_file_set_wrote(&f->mf, SIZE);
    assert_int_equal(rj_mapped_file_flush(&f->mf, 100), SIZE);
}

static void
test_prefault_advances_and_zero_tail_wipes(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(rj_mapped_file_prefault(&f->mf, 10000), 0);
    assert_int_equal(atomic_load(&f->mf.prefault_pos), 3 * RJ_OS_PAGE_SIZE);
    assert_int_equal(rj_mapped_file_prefault(&f->mf, SIZE * 4), 0);
    assert_int_equal(atomic_load(&f->mf.prefault_pos), SIZE);
    memset(f->mf.base, 0xAB, SIZE);
    assert_int_equal(rj_mapped_file_zero_tail(&f->mf, 5000), 0);
    assert_int_equal(f->mf.base[4999], 0xAB);
    for (size_t i = 5000; i < SIZE; i++) {
        if (f->mf.base[i] != 0) {
            fail_msg("byte %zu not zeroed", i);
        }
    }
    /* The file on disk says the same. */
    rj_buf_t b = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(f->path, &b), 0);
    assert_int_equal(b.len, SIZE);
    assert_int_equal(b.data[4999], 0xAB);
    assert_int_equal(b.data[SIZE - 1], 0);
    rj_buf_cleanup(&b);
    assert_true(atomic_load(&f->mf.prefault_pos) <= 2 * RJ_OS_PAGE_SIZE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_maps_file_of_exact_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_existing_file_of_other_size_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_references_keep_a_destroyed_file_mapped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flush_honours_least_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefault_advances_and_zero_tail_wipes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
