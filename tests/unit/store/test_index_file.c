#include "store/index_file.h"

#include "common/endian.h"
#include "common/java_hash.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static void
test_vector_header_decodes_and_reencodes(void **state)
{
    (void)state;
    rj_buf_t b = st_load_vector("index-header.bin");
    assert_int_equal(b.len, RJ_INDEX_HEADER_SIZE);
    rj_index_header_t h;
    rj_index_header_decode(b.data, &h);
    assert_int_equal(h.begin_timestamp, 1795794258389LL);
    assert_int_equal(h.end_timestamp, 1795794360815LL);
    assert_int_equal(h.begin_phy_offset, 0);
    assert_int_equal(h.end_phy_offset, 284549);
    assert_int_equal(h.hash_slot_count, 1266);
    assert_int_equal(h.index_count, 1288);
    uint8_t out[RJ_INDEX_HEADER_SIZE];
    rj_index_header_encode(&h, out);
    assert_memory_equal(out, b.data, sizeof(out));
    rj_buf_cleanup(&b);
}

/* Keys of items 1..10 of the vector file, as the store README lists them. */
static const char *const vector_keys[10] = {
    "TopicTest#FD000000000000000000000000000002067C5FFD2B278945E1BD0000",
    "TopicTest#vecKey1",
    "TopicTest#vecKey2",
    "TopicTest#FD000000000000000000000000000002067C5FFD2B278945E1FB0001",
    "TopicTest#bigKey",
    "TopicTest#FD000000000000000000000000000002067C5FFD2B278945E2040002",
    "TopicTest#key4096",
    "TopicTest#FD00000000000000000000000000000206AE5FFD2B278945F3B70000",
    "TopicTest#FD00000000000000000000000000000206AE5FFD2B278945F3C30001",
    "TopicTest#FD00000000000000000000000000000206AE5FFD2B278945F3CB0002",
};

static void
test_vector_items_decode_hash_and_reencode(void **state)
{
    (void)state;
    rj_buf_t b = st_load_vector("index-items-head.bin");
    assert_int_equal(b.len, 11 * RJ_INDEX_ITEM_SIZE);
    for (int i = 0; i < RJ_INDEX_ITEM_SIZE; i++) {
        assert_int_equal(b.data[i], 0); /* item 0 is never used */
    }
    static const int64_t offsets[10] = {0, 0, 0, 258, 258, 933, 933, 1170, 1384, 1598};
    static const int32_t diffs[10] = {0, 0, 0, 0, 0, 0, 0, 4, 4, 4};
    for (int n = 1; n <= 10; n++) {
        rj_index_item_t it;
        rj_index_item_decode(b.data + n * RJ_INDEX_ITEM_SIZE, &it);
        const char *key = vector_keys[n - 1];
        assert_int_equal(it.key_hash, rj_index_key_hash(key, strlen(key)));
        assert_int_equal(it.phy_offset, offsets[n - 1]);
        assert_int_equal(it.time_diff, diffs[n - 1]);
        assert_int_equal(it.prev_index, 0);
        uint8_t out[RJ_INDEX_ITEM_SIZE];
        rj_index_item_encode(&it, out);
        assert_memory_equal(out, b.data + n * RJ_INDEX_ITEM_SIZE, RJ_INDEX_ITEM_SIZE);
    }
    /* README values, and the slot each item heads. */
    rj_index_item_t it;
    rj_index_item_decode(b.data + 20, &it);
    assert_int_equal(it.key_hash, 2060060936);
    assert_int_equal(it.key_hash % 5000000, 60936);
    rj_index_item_decode(b.data + 40, &it);
    assert_int_equal(it.key_hash % 5000000, 522140);
    rj_buf_cleanup(&b);

    rj_buf_t slots = st_load_vector("index-slots-head.bin");
    for (int s = 0; s < 256; s++) {
        int32_t v = (int32_t)rj_load_be32(slots.data + 4 * s);
        assert_int_equal(v, s == 81 ? 324 : 0);
    }
    rj_buf_cleanup(&slots);
}

static void
test_key_hash_is_abs_of_java_hash_with_min_value_zero(void **state)
{
    (void)state;
    assert_int_equal(rj_index_key_hash("a", 1), 97);
    /* "polygenelubricants".hashCode() == Integer.MIN_VALUE */
    assert_int_equal(rj_java_hash("polygenelubricants", 18), INT32_MIN);
    assert_int_equal(rj_index_key_hash("polygenelubricants", 18), 0);
    /* "TopicTest".hashCode() = -1902610879 */
    assert_int_equal(rj_index_key_hash("TopicTest", 9), 1902610879);
}

typedef struct {
    char *dir;
    char path[512];
    rj_index_file_t f;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *fx = rj_calloc(1, sizeof(*fx));
    fx->dir = st_make_dir("idx");
    snprintf(fx->path, sizeof(fx->path), "%s/20261127154418399", fx->dir);
    assert_int_equal(rj_index_file_create(&fx->f, fx->path, 16, 8, 0, 0), 0);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *fx = *state;
    rj_index_file_close(&fx->f, false);
    rj_fs_remove_tree(fx->dir);
    rj_free(fx->dir);
    rj_free(fx);
    return 0;
}

static void
test_put_builds_chains_and_select_walks_them(void **state)
{
    fixture_t *fx = *state;
    int64_t t0 = 1700000000000LL;
    /* Hashes 3, 19 and 35 share slot 3 of 16. */
    assert_int_equal(rj_index_file_put(&fx->f, 3, 100, t0), 0);
    assert_int_equal(rj_index_file_put(&fx->f, 19, 200, t0 + 1500), 0);
    assert_int_equal(rj_index_file_put(&fx->f, 3, 300, t0 + 3000), 0);
    assert_int_equal(rj_index_file_put(&fx->f, 5, 400, t0 + 4000), 0);
    rj_index_header_t h;
    rj_index_header_decode(fx->f.mf.base, &h);
    assert_int_equal(h.begin_timestamp, t0);
    assert_int_equal(h.end_timestamp, t0 + 4000);
    assert_int_equal(h.begin_phy_offset, 100);
    assert_int_equal(h.end_phy_offset, 400);
    assert_int_equal(h.index_count, 5);
    assert_int_equal(h.hash_slot_count, 2);
    /* Slot 3 heads item 3, which links to item 2, then item 1. */
    assert_int_equal(rj_load_be32(fx->f.mf.base + 40 + 3 * 4), 3);
    rj_index_item_t it;
    rj_index_item_decode(fx->f.mf.base + 40 + 16 * 4 + 3 * 20, &it);
    assert_int_equal(it.prev_index, 2);
    assert_int_equal(it.time_diff, 3);
    int64_t out[8];
    int n = 0;
    rj_index_file_select(&fx->f, 3, 0, INT64_MAX, out, &n, 8);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 300);
    assert_int_equal(out[1], 100);
    n = 0;
    rj_index_file_select(&fx->f, 3, t0 + 2000, INT64_MAX, out, &n, 8);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 300);
    n = 0;
    rj_index_file_select(&fx->f, 3, 0, INT64_MAX, out, &n, 1);
    assert_int_equal(n, 1);
    n = 0;
    rj_index_file_select(&fx->f, 7, 0, INT64_MAX, out, &n, 8);
    assert_int_equal(n, 0);
    assert_true(rj_index_file_time_matched(&fx->f, t0 + 100, t0 + 200));
    assert_true(rj_index_file_time_matched(&fx->f, 0, INT64_MAX));
    assert_false(rj_index_file_time_matched(&fx->f, 0, t0 - 1));
}

static void
test_full_file_refuses_and_reloads_with_same_content(void **state)
{
    fixture_t *fx = *state;
    for (int i = 0; i < 7; i++) {
        assert_int_equal(rj_index_file_put(&fx->f, i, i * 10, 1000 + i), 0);
    }
    assert_true(rj_index_file_is_full(&fx->f));
    assert_int_equal(rj_index_file_put(&fx->f, 9, 99, 2000), RJ_EFULL);
    assert_int_equal(rj_index_file_flush(&fx->f), 0);
    rj_index_file_close(&fx->f, false);
    assert_int_equal(rj_index_file_load(&fx->f, fx->path, 16, 8), 0);
    assert_int_equal(atomic_load(&fx->f.index_count), 8);
    int64_t out[4];
    int n = 0;
    rj_index_file_select(&fx->f, 6, 0, INT64_MAX, out, &n, 4);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 60);
    /* A file that follows a full one starts at its end. */
    char p2[600];
    snprintf(p2, sizeof(p2), "%s/20261127154418400", fx->dir);
    rj_index_file_t g;
    assert_int_equal(rj_index_file_create(&g, p2, 16, 8, 60, 1006), 0);
    assert_int_equal(atomic_load(&g.begin_phy_offset), 60);
    assert_int_equal(atomic_load(&g.end_timestamp), 1006);
    rj_index_file_close(&g, true);
    assert_false(rj_fs_exists(p2));
    /* A file of another geometry is refused. */
    rj_index_file_close(&fx->f, false);
    assert_int_equal(rj_index_file_load(&fx->f, fx->path, 32, 8), RJ_ECORRUPT);
    assert_int_equal(rj_index_file_load(&fx->f, fx->path, 16, 8), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_header_decodes_and_reencodes),
        cmocka_unit_test(test_vector_items_decode_hash_and_reencode),
        cmocka_unit_test(test_key_hash_is_abs_of_java_hash_with_min_value_zero),
        cmocka_unit_test_setup_teardown(test_put_builds_chains_and_select_walks_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_file_refuses_and_reloads_with_same_content, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
