#include "broker/offset_manager.h"

#include "common/fs.h"
#include "common/json.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    char dir[256];
    char path[300];
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/rj_test_offset_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/consumerOffset.json", f->dir);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_fs_remove_tree(f->dir);
    free(f);
    return 0;
}

static void
test_commit_and_query(void **state)
{
    fixture_t *f = *state;
    rj_offset_manager_t *m;
    int64_t off = 0;
    assert_int_equal(rj_offset_manager_create(f->path, &m), 0);
    assert_false(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 0, &off));
    assert_int_equal(rj_offset_manager_commit(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 3, 42), 0);
    assert_true(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 3, &off));
    assert_int_equal(off, 42);
    assert_false(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 2, &off));
    assert_false(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 9, &off));
    assert_int_equal(rj_offset_manager_commit(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 9, -1), 0);
    assert_true(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 9, &off));
    assert_int_equal(off, -1);
    assert_int_equal(rj_offset_manager_commit(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), -1, 1),
                     RJ_EINVAL);
    assert_int_equal(rj_offset_manager_commit(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 70000, 1),
                     RJ_EINVAL);

    /* Long keys take the heap path. */
    char big[700];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(rj_offset_manager_commit(m, rj_bytes_from_cstr(big), RJ_BYTES_LIT("g"), 0, 5),
                     0);
    assert_true(rj_offset_manager_query(m, rj_bytes_from_cstr(big), RJ_BYTES_LIT("g"), 0, &off));
    assert_int_equal(off, 5);

    assert_int_equal(
        rj_offset_manager_clone(m, RJ_BYTES_LIT("g"), RJ_BYTES_LIT("g2"), RJ_BYTES_LIT("t")), 0);
    assert_true(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g2"), 3, &off));
    assert_int_equal(off, 42);
    assert_int_equal(rj_offset_manager_remove_group(m, RJ_BYTES_LIT("g")), 2);
    assert_false(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g"), 3, &off));
    assert_int_equal(rj_offset_manager_remove_topic(m, RJ_BYTES_LIT("t")), 1);
    assert_false(rj_offset_manager_query(m, RJ_BYTES_LIT("t"), RJ_BYTES_LIT("g2"), 3, &off));
    rj_offset_manager_destroy(m);
}

static void
test_file_uses_unquoted_int_keys_and_round_trips(void **state)
{
    fixture_t *f = *state;
    rj_offset_manager_t *m;
    int64_t off;
    assert_int_equal(rj_offset_manager_create(f->path, &m), 0);
    rj_offset_manager_commit(m, RJ_BYTES_LIT("TopicTest"), RJ_BYTES_LIT("cg"), 0, 15);
    rj_offset_manager_commit(m, RJ_BYTES_LIT("TopicTest"), RJ_BYTES_LIT("cg"), 1, 7);
    assert_int_equal(rj_offset_manager_persist(m), 0);
    rj_buf_t text = RJ_BUF_INIT;
    assert_int_equal(rj_fs_read_file(f->path, &text), 0);
    rj_buf_terminate(&text);
    assert_string_equal((char *)text.data, "{\"offsetTable\":{\"TopicTest@cg\":{0:15,1:7}}}");
    rj_buf_cleanup(&text);
    rj_offset_manager_destroy(m);

    assert_int_equal(rj_offset_manager_create(f->path, &m), 0);
    assert_int_equal(rj_offset_manager_load(m), 0);
    assert_true(rj_offset_manager_query(m, RJ_BYTES_LIT("TopicTest"), RJ_BYTES_LIT("cg"), 1, &off));
    assert_int_equal(off, 7);
    rj_offset_manager_destroy(m);

    char golden[512];
    const char *src = getenv("RJ_SOURCE_DIR");
    assert_non_null(src);
    snprintf(golden, sizeof(golden), "%s/tests/unit/broker/data/consumerOffset.json", src);
    assert_int_equal(rj_fs_read_file(golden, &text), 0);
    assert_int_equal(rj_fs_write_atomic(f->path, text.data, text.len), 0);
    rj_buf_cleanup(&text);
    assert_int_equal(rj_offset_manager_create(f->path, &m), 0);
    assert_int_equal(rj_offset_manager_load(m), 0);
    assert_true(rj_offset_manager_query(
        m, RJ_BYTES_LIT("TopicTest"), RJ_BYTES_LIT("please_rename_unique_group_name_4"), 1, &off));
    assert_int_equal(off, 250);
    assert_true(
        rj_offset_manager_query(m, RJ_BYTES_LIT("%RETRY%alions_accept_consume_mwz5kmqy336f8d"),
                                RJ_BYTES_LIT("alions_accept_consume_mwz5kmqy336f8d"), 0, &off));
    assert_int_equal(off, -1);
    rj_offset_manager_destroy(m);
}

typedef struct {
    rj_offset_manager_t *m;
    int id;
} worker_t;

static void *
hammer(void *arg)
{
    worker_t *w = arg;
    char group[32];
    snprintf(group, sizeof(group), "g%d", w->id);
    for (int i = 0; i < 20000; i++) {
        rj_offset_manager_commit(w->m, RJ_BYTES_LIT("T"), rj_bytes_from_cstr(group), i % 8, i);
    }
    return NULL;
}

static void
test_concurrent_commits_keep_last_value(void **state)
{
    (void)state;
    rj_offset_manager_t *m;
    assert_int_equal(rj_offset_manager_create(NULL, &m), 0);
    pthread_t th[4];
    worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker_t){m, i};
        pthread_create(&th[i], NULL, hammer, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
    }
    for (int i = 0; i < 4; i++) {
        char group[32];
        int64_t off;
        snprintf(group, sizeof(group), "g%d", i);
        assert_true(
            rj_offset_manager_query(m, RJ_BYTES_LIT("T"), rj_bytes_from_cstr(group), 7, &off));
        assert_int_equal(off, 19999);
    }
    rj_offset_manager_destroy(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commit_and_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_uses_unquoted_int_keys_and_round_trips, setup,
                                        teardown),
        cmocka_unit_test(test_concurrent_commits_keep_last_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
