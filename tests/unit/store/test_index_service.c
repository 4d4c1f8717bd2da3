#include "store/index_service.h"

#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    char *dir;
    rj_index_service_t s;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("idxsvc");
    char idx[600];
    snprintf(idx, sizeof(idx), "%s/index", f->dir);
    /* 10 items per file (item 0 unused): a new file every 9 keys. */
    assert_int_equal(rj_index_service_init(&f->s, idx, 64, 10), 0);
    st_log_start();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_index_service_cleanup(&f->s);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

static int
build(fixture_t *f, int64_t phy, int64_t ts, const char *uniq, const char *keys)
{
    return rj_index_service_build(&f->s, RJ_BYTES_LIT("T"), phy, ts, rj_bytes_from_cstr(uniq),
                                  rj_bytes_from_cstr(keys));
}

static int
query(fixture_t *f, const char *key, int64_t begin, int64_t end, int64_t *out, int max)
{
    int64_t ts, phy;
    return rj_index_service_query(&f->s, RJ_BYTES_LIT("T"), rj_bytes_from_cstr(key), max, begin,
                                  end, out, &ts, &phy);
}

static void
test_keys_uniq_key_and_tokens_are_indexed(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(build(f, 100, 1000, "U1", "a  b"), 0);
    assert_int_equal(build(f, 200, 2000, "", "b"), 0);
    int64_t out[8];
    assert_int_equal(query(f, "U1", 0, INT64_MAX, out, 8), 1);
    assert_int_equal(out[0], 100);
    assert_int_equal(query(f, "b", 0, INT64_MAX, out, 8), 2);
    assert_int_equal(out[0], 200); /* newest first */
    assert_int_equal(out[1], 100);
    assert_int_equal(query(f, "", 0, INT64_MAX, out, 8), 0); /* empty tokens are not keys */
    /* The same record again (replay) is not indexed twice. */
    assert_int_equal(build(f, 200, 2000, "", "b"), 0);
    assert_int_equal(query(f, "b", 0, INT64_MAX, out, 8), 2);
    assert_int_equal(rj_index_service_end_phy_offset(&f->s), 200);
}

static void
test_files_roll_over_and_queries_span_them(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 40; i++) {
        assert_int_equal(build(f, 100 * i, 1000 + 1000 * i, "", i % 2 ? "odd" : "even"), 0);
    }
    assert_int_equal(f->s.count, 5);
    int64_t out[64];
    assert_int_equal(query(f, "odd", 0, INT64_MAX, out, 64), 20);
    assert_int_equal(out[0], 3900);
    assert_int_equal(out[19], 100);
    assert_int_equal(query(f, "odd", 0, INT64_MAX, out, 5), 5);
    /* Time range: only files and items inside it. */
    int n = query(f, "even", 10000, 20000, out, 64);
    assert_true(n >= 5);
    for (int i = 0; i < n; i++) {
        assert_true(out[i] >= 900 && out[i] <= 1900);
    }
    /* Expiry with the commit log: never the last file. */
    assert_int_equal(rj_index_service_delete_expired(&f->s, 1850), 2);
    assert_int_equal(f->s.count, 3);
    assert_int_equal(rj_index_service_delete_expired(&f->s, 1000000), 2);
    assert_int_equal(f->s.count, 1);
    /* Reload finds the remaining file. */
    rj_index_service_cleanup(&f->s);
    char idx[600];
    snprintf(idx, sizeof(idx), "%s/index", f->dir);
    assert_int_equal(rj_index_service_init(&f->s, idx, 64, 10), 0);
    assert_int_equal(rj_index_service_load(&f->s), 0);
    assert_int_equal(f->s.count, 1);
    assert_int_equal(rj_index_service_end_phy_offset(&f->s), 3900);
}

static void
test_truncate_deletes_files_past_the_log_end(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(build(f, 100 * i, 1000 * i + 1, "", "k"), 0);
    }
    assert_int_equal(f->s.count, 3);
    /* The log now ends at 1500: the files holding offsets ≥ 1500 go. */
    int64_t from = rj_index_service_truncate(&f->s, 1500);
    assert_int_equal(f->s.count, 1);
    assert_int_equal(from, 900);
    assert_true(st_log_contains("will be rebuilt"));
    assert_int_equal(rj_index_service_truncate(&f->s, 1500), -1);
    /* Rebuilding re-adds them. */
    for (int i = 9; i < 15; i++) {
        assert_int_equal(build(f, 100 * i, 1000 * i + 1, "", "k"), 0);
    }
    int64_t out[32];
    assert_int_equal(query(f, "k", 0, INT64_MAX, out, 32), 15);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_uniq_key_and_tokens_are_indexed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_roll_over_and_queries_span_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_truncate_deletes_files_past_the_log_end, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
