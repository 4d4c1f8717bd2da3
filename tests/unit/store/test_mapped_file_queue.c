#include "store/mapped_file_queue.h"

#include "ramjet/status.h"
#include "store_test_util.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

#define FSIZE 8192

typedef struct {
    char *dir;
    rj_mapped_file_queue_t q;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("mfq");
    assert_int_equal(rj_mfq_init(&f->q, f->dir, FSIZE, RJ_MF_FALLOCATE), 0);
    st_log_start();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_mfq_cleanup(&f->q);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

/* Appends `n` files, each filled with its number. */
static void
fill(fixture_t *f, int n)
{
    for (int i = 0; i < n; i++) {
        int err;
        rj_mapped_file_t *mf = rj_mfq_last_or_create(&f->q, 0, &err);
        assert_non_null(mf);
        memset(mf->base, 'A' + (int)(mf->from_offset / FSIZE), FSIZE);
        rj_mapped_file_set_wrote(mf, FSIZE);
        rj_mapped_file_release(mf);
    }
}

static void
test_lookup_by_offset_and_ends(void **state)
{
    fixture_t *f = *state;
    assert_true(rj_mfq_is_empty(&f->q));
    assert_int_equal(rj_mfq_min_offset(&f->q), -1);
    assert_int_equal(rj_mfq_max_offset(&f->q), 0);
    fill(f, 3);
    assert_int_equal(rj_mfq_count(&f->q), 3);
    assert_int_equal(rj_mfq_min_offset(&f->q), 0);
    assert_int_equal(rj_mfq_max_offset(&f->q), 3 * FSIZE);
    rj_mapped_file_t *mf = rj_mfq_lookup(&f->q, FSIZE + 5);
    assert_non_null(mf);
    assert_int_equal(mf->from_offset, FSIZE);
    assert_int_equal(mf->base[5], 'B');
    rj_mapped_file_release(mf);
    assert_null(rj_mfq_lookup(&f->q, 3 * FSIZE));
    assert_null(rj_mfq_lookup(&f->q, -1));
}

static void
test_many_files_grow_the_ring_and_reload_in_order(void **state)
{
    fixture_t *f = *state;
    fill(f, 40);
    for (int i = 0; i < 40; i++) {
        rj_mapped_file_t *mf = rj_mfq_lookup(&f->q, (int64_t)i * FSIZE);
        assert_non_null(mf);
        assert_int_equal(mf->base[0], 'A' + i);
        rj_mapped_file_release(mf);
    }
    rj_mfq_cleanup(&f->q);
    assert_int_equal(rj_mfq_init(&f->q, f->dir, FSIZE, 0), 0);
    assert_int_equal(rj_mfq_load(&f->q), 0);
    assert_int_equal(rj_mfq_count(&f->q), 40);
    rj_mapped_file_t *mf = rj_mfq_lookup(&f->q, 39 * FSIZE);
    assert_int_equal(mf->base[0], 'A' + 39);
    /* Loaded files count as full until recovery says otherwise. */
    assert_true(rj_mapped_file_is_full(mf));
    rj_mapped_file_release(mf);
}

static void
test_remove_first_keeps_the_last_and_deletes_files(void **state)
{
    fixture_t *f = *state;
    fill(f, 3);
    rj_mapped_file_t *held = rj_mfq_first(&f->q);
    assert_true(rj_mfq_remove_first(&f->q));
    assert_int_equal(rj_mfq_min_offset(&f->q), FSIZE);
    assert_null(rj_mfq_lookup(&f->q, 0));
    /* The holder still reads the deleted file. */
    assert_int_equal(held->base[0], 'A');
    rj_mapped_file_release(held);
    assert_true(rj_mfq_remove_first(&f->q));
    assert_false(rj_mfq_remove_first(&f->q));
    assert_int_equal(rj_mfq_count(&f->q), 1);
    char path[600];
    snprintf(path, sizeof(path), "%s/%020d", f->dir, 0);
    assert_false(rj_fs_exists(path));
    /* Freed structs are reused for new files. */
    fill(f, 2);
    assert_int_equal(rj_mfq_count(&f->q), 3);
    assert_int_equal(rj_mfq_max_offset(&f->q), 5 * FSIZE);
}

static void
test_truncate_sets_end_and_deletes_later_files(void **state)
{
    fixture_t *f = *state;
    fill(f, 4);
    rj_mfq_truncate(&f->q, FSIZE + 100, false);
    assert_int_equal(rj_mfq_count(&f->q), 2);
    assert_int_equal(rj_mfq_max_offset(&f->q), FSIZE + 100);
    assert_int_equal(rj_mfq_flushed_where(&f->q), FSIZE + 100);
    rj_mapped_file_t *mf = rj_mfq_last(&f->q);
    /* Stale bytes after the end were wiped. */
    assert_int_equal(mf->base[99], 'B');
    assert_int_equal(mf->base[100], 0);
    assert_int_equal(mf->base[FSIZE - 1], 0);
    rj_mapped_file_release(mf);
    /* Truncating exactly at a file start drops that file. */
    fill(f, 2);
    rj_mfq_truncate(&f->q, 2 * FSIZE, false);
    assert_int_equal(rj_mfq_count(&f->q), 2);
    assert_int_equal(rj_mfq_max_offset(&f->q), 2 * FSIZE);
    rj_mfq_destroy_all(&f->q);
    assert_true(rj_mfq_is_empty(&f->q));
}

static void
test_flush_moves_across_full_files(void **state)
{
    fixture_t *f = *state;
    fill(f, 2);
    int err;
    rj_mapped_file_t *mf = rj_mfq_last_or_create(&f->q, 0, &err);
    atomic_store(&mf->store_timestamp, 777);
    rj_mapped_file_set_wrote(mf, 100);
    rj_mapped_file_release(mf);
    assert_int_equal(rj_mfq_flush(&f->q, 0), 0);
    assert_int_equal(rj_mfq_flushed_where(&f->q), 2 * FSIZE + 100);
    assert_int_equal(atomic_load(&f->q.flushed_timestamp), 777);
}

static void
test_files_with_wrong_size_or_gaps_are_refused(void **state)
{
    fixture_t *f = *state;
    fill(f, 3);
    rj_mfq_cleanup(&f->q);
    char path[600];
    snprintf(path, sizeof(path), "%s/%020d", f->dir, FSIZE);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rj_mfq_init(&f->q, f->dir, FSIZE, 0), 0);
    assert_int_equal(rj_mfq_load(&f->q), RJ_ECORRUPT);
    assert_true(st_log_contains("files are not consecutive"));
    rj_mfq_cleanup(&f->q);
    snprintf(path, sizeof(path), "%s/%020d", f->dir, 2 * FSIZE);
    assert_int_equal(truncate(path, 100), 0);
    snprintf(path, sizeof(path), "%s/%020d", f->dir, 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rj_mfq_init(&f->q, f->dir, FSIZE, 0), 0);
    assert_int_equal(rj_mfq_load(&f->q), RJ_ECORRUPT);
    assert_true(st_log_contains("expected 8192"));
}

typedef struct {
    rj_mapped_file_queue_t *q;
    _Atomic bool stop;
    _Atomic long lookups;
} reader_t;

static void *
reader_main(void *arg)
{
    reader_t *r = arg;
    while (!atomic_load(&r->stop)) {
        int64_t min = rj_mfq_min_offset(r->q), max = rj_mfq_max_offset(r->q);
        if (max <= min) {
            continue;
        }
        int64_t off = min + (int64_t)((uint64_t)rand() % (uint64_t)(max - min));
        rj_mapped_file_t *mf = rj_mfq_lookup(r->q, off);
        if (mf != NULL) {
            /* A file found is the right one and stays readable while held. */
            if (mf->from_offset != off - off % FSIZE ||
                mf->base[0] != (uint8_t)('A' + (mf->from_offset / FSIZE) % 26)) {
                abort();
            }
            rj_mapped_file_release(mf);
            atomic_fetch_add(&r->lookups, 1);
        }
    }
    return NULL;
}

static void
test_lookups_race_safely_with_adds_and_deletes(void **state)
{
    fixture_t *f = *state;
    reader_t r = {&f->q, false, 0};
    pthread_t t[2];
    fill(f, 2);
    for (int i = 0; i < 2; i++) {
        pthread_create(&t[i], NULL, reader_main, &r);
    }
    for (int round = 0; round < 300; round++) {
        int err;
        rj_mapped_file_t *mf = rj_mfq_last_or_create(&f->q, 0, &err);
        assert_non_null(mf);
        memset(mf->base, 'A' + (int)((mf->from_offset / FSIZE) % 26), FSIZE);
        rj_mapped_file_set_wrote(mf, FSIZE);
        rj_mapped_file_release(mf);
        if (rj_mfq_count(&f->q) > 5) {
            rj_mfq_remove_first(&f->q);
        }
    }
    atomic_store(&r.stop, true);
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
    }
    assert_true(atomic_load(&r.lookups) > 0);
    assert_int_equal(rj_mfq_count(&f->q), 5);
}

typedef struct {
    rj_mapped_file_queue_t *q;
    _Atomic bool done;
} adder_t;

static void *
adder_main(void *arg)
{
    adder_t *a = arg;
    int err;
    rj_mapped_file_t *mf = rj_mfq_last_or_create(a->q, 0, &err);
    if (mf != NULL) {
        rj_mapped_file_set_wrote(mf, FSIZE);
        rj_mapped_file_release(mf);
    }
    atomic_store(&a->done, true);
    return NULL;
}

/* An msync waiting for the disk (flush lock held) must not hold up the next file. */
static void
test_adding_a_file_does_not_wait_for_a_running_flush(void **state)
{
    fixture_t *f = *state;
    fill(f, 1);
    adder_t a = {&f->q, false};
    pthread_mutex_lock(&f->q.flush_lock);
    pthread_t t;
    pthread_create(&t, NULL, adder_main, &a);
    for (int i = 0; i < 5000 && !atomic_load(&a.done); i++) {
        usleep(1000);
    }
    bool added = atomic_load(&a.done);
    pthread_mutex_unlock(&f->q.flush_lock);
    pthread_join(t, NULL);
    assert_true(added);
    assert_int_equal(rj_mfq_count(&f->q), 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lookup_by_offset_and_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files_grow_the_ring_and_reload_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_remove_first_keeps_the_last_and_deletes_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncate_sets_end_and_deletes_later_files, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_flush_moves_across_full_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_with_wrong_size_or_gaps_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lookups_race_safely_with_adds_and_deletes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_adding_a_file_does_not_wait_for_a_running_flush, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
