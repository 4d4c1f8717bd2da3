#include "broker/bloom_filter.h"

#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

/* SMHasher's verification value of MurmurHash3_x64_128. */
static void
test_murmur3_matches_the_reference_verification(void **state)
{
    (void)state;
    uint8_t key[256];
    static uint8_t hashes[256 * 16];
    for (int i = 0; i < 256; i++) {
        key[i] = (uint8_t)i;
        uint64_t h[2];
        rj_bloom_filter_murmur3_128(key, (size_t)i, (uint32_t)(256 - i), h);
        for (int b = 0; b < 8; b++) {
            hashes[i * 16 + b] = (uint8_t)(h[0] >> (8 * b));
            hashes[i * 16 + 8 + b] = (uint8_t)(h[1] >> (8 * b));
        }
    }
    uint64_t final[2];
    rj_bloom_filter_murmur3_128(hashes, sizeof(hashes), 0, final);
    assert_int_equal((uint32_t) final[0], 0x6384BA69u);
    uint64_t empty[2];
    rj_bloom_filter_murmur3_128("", 0, 0, empty);
    assert_int_equal(empty[0], 0);
    assert_int_equal(empty[1], 0);
}

static void
test_sizes_and_positions_of_the_broker_filter(void **state)
{
    (void)state;
    rj_bloom_filter_t bf;
    assert_int_equal(
        rj_bloom_filter_init(&bf, RJ_BLOOM_FILTER_ERROR_RATE, RJ_BLOOM_FILTER_EXPECTED), 0);
    /* BloomFilter.createByFn(20, 32): k = 3, m = 112. */
    assert_int_equal(bf.k, 3);
    assert_int_equal(bf.m, 112);
    int32_t pos[RJ_BLOOM_FILTER_MAX_K], again[RJ_BLOOM_FILTER_MAX_K];
    rj_bloom_filter_positions(&bf, RJ_BYTES_LIT("cg#TopicTest"), pos);
    rj_bloom_filter_positions(&bf, RJ_BYTES_LIT("cg#TopicTest"), again);
    assert_memory_equal(pos, again, sizeof(int32_t) * 3);
    for (int i = 0; i < 3; i++) {
        assert_true(pos[i] >= 0 && pos[i] < 112);
    }
    rj_bloom_filter_positions(&bf, RJ_BYTES_LIT("cg2#TopicTest"), again);
    assert_memory_not_equal(pos, again, sizeof(int32_t) * 3);
    assert_int_equal(rj_bloom_filter_init(&bf, 0, 32), RJ_EINVAL);
    assert_int_equal(rj_bloom_filter_init(&bf, 100, 32), RJ_EINVAL);
    assert_int_equal(rj_bloom_filter_init(&bf, 20, 0), RJ_EINVAL);
    assert_int_equal(rj_bloom_filter_init(&bf, 1, 10), 0);
    assert_int_equal(bf.k, 7); /* ceil(log_0.5 0.01) */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur3_matches_the_reference_verification),
        cmocka_unit_test(test_sizes_and_positions_of_the_broker_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
