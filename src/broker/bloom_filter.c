/*
 * Bloom filter sizing and bit positions (RocketMQ's BloomFilter) over
 * MurmurHash3 x64_128 (Austin Appleby's public-domain algorithm, the one
 * Guava's Hashing.murmur3_128 implements).
 */
#include "broker/bloom_filter.h"

#include "ramjet/status.h"

#include <math.h>
#include <string.h>

static uint64_t
rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static uint64_t
fmix64(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}

static uint64_t
load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

void
rj_bloom_filter_murmur3_128(const void *data, size_t len, uint32_t seed, uint64_t out[2])
{
    const uint8_t *p = data;
    const uint64_t c1 = 0x87c37b91114253d5ULL, c2 = 0x4cf5ad432745937fULL;
    uint64_t h1 = seed, h2 = seed;
    size_t nblocks = len / 16;
    for (size_t i = 0; i < nblocks; i++) {
        uint64_t k1 = load_le64(p + i * 16), k2 = load_le64(p + i * 16 + 8);
        k1 *= c1;
        k1 = rotl64(k1, 31);
        k1 *= c2;
        h1 ^= k1;
        h1 = rotl64(h1, 27);
        h1 += h2;
        h1 = h1 * 5 + 0x52dce729;
        k2 *= c2;
        k2 = rotl64(k2, 33);
        k2 *= c1;
        h2 ^= k2;
        h2 = rotl64(h2, 31);
        h2 += h1;
        h2 = h2 * 5 + 0x38495ab5;
    }
    const uint8_t *tail = p + nblocks * 16;
    uint64_t k1 = 0, k2 = 0;
    size_t rest = len & 15;
    for (size_t i = rest; i > 8; i--) {
        k2 ^= (uint64_t)tail[i - 1] << ((i - 9) * 8);
    }
    if (rest > 8) {
        k2 *= c2;
        k2 = rotl64(k2, 33);
        k2 *= c1;
        h2 ^= k2;
    }
    for (size_t i = rest < 8 ? rest : 8; i > 0; i--) {
        k1 ^= (uint64_t)tail[i - 1] << ((i - 1) * 8);
    }
    if (rest > 0) {
        k1 *= c1;
        k1 = rotl64(k1, 31);
        k1 *= c2;
        h1 ^= k1;
    }
    h1 ^= (uint64_t)len;
    h2 ^= (uint64_t)len;
    h1 += h2;
    h2 += h1;
    h1 = fmix64(h1);
    h2 = fmix64(h2);
    h1 += h2;
    h2 += h1;
    out[0] = h1;
    out[1] = h2;
}

int
rj_bloom_filter_init(rj_bloom_filter_t *bf, int32_t f, int32_t n)
{
    if (f < 1 || f >= 100 || n < 1) {
        return RJ_EINVAL;
    }
    double error_rate = f / 100.0;
    /* k = ceil(log_0.5(errorRate)); m = ceil(n * log2(1/f) * log2(e)) rounded up to bytes. */
    int32_t k = (int32_t)ceil(log(error_rate) / log(0.5));
    if (k < 1 || k > RJ_BLOOM_FILTER_MAX_K) {
        return RJ_EINVAL;
    }
    double m = ceil(n * (log(1 / error_rate) / log(2)) * (log(M_E) / log(2)));
    bf->k = k;
    bf->m = (int32_t)(8 * ceil(m / 8.0));
    return 0;
}

void
rj_bloom_filter_positions(const rj_bloom_filter_t *bf, rj_bytes_t str, int32_t *out)
{
    uint64_t h[2];
    rj_bloom_filter_murmur3_128(str.data, str.len, 0, h);
    int32_t hash1 = (int32_t)(uint32_t)h[0];
    int32_t hash2 = (int32_t)(uint32_t)(h[0] >> 32);
    for (int32_t i = 1; i <= bf->k; i++) {
        /* Java int arithmetic: wraps. */
        int32_t combined = (int32_t)((uint32_t)hash1 + (uint32_t)i * (uint32_t)hash2);
        if (combined < 0) {
            combined = ~combined;
        }
        out[i - 1] = combined % bf->m;
    }
}
