/*
 * RocketMQ's BloomFilter (filter/util/BloomFilter) as far as the broker's
 * consumerFilter.json needs it: each SQL92 filter is stored with the bit
 * positions of "group#topic" (its BloomFilterData), computed with
 * MurmurHash3 x64_128 exactly as 4.9.8 does, so the file stays valid for a
 * RocketMQ broker reading it (which drops every entry whose bit data does
 * not match its own filter). No consume-queue bitmaps are built
 * (enableCalcFilterBitMap is off by default), so nothing here is on a hot path.
 */
#ifndef RJ_BROKER_BLOOM_FILTER_H
#define RJ_BROKER_BLOOM_FILTER_H

#include "common/bytes.h"

#include <stdint.h>

/* BrokerConfig defaults: maxErrorRateOfBloomFilter 20 (%), expectConsumerNumUseFilter 32. */
#define RJ_BLOOM_FILTER_ERROR_RATE 20
#define RJ_BLOOM_FILTER_EXPECTED 32
#define RJ_BLOOM_FILTER_MAX_K 32

typedef struct {
    int32_t k; /* hash functions */
    int32_t m; /* bits, a multiple of 8 */
} rj_bloom_filter_t;

/* BloomFilter.createByFn(f, n). Returns 0, or RJ_EINVAL for f outside 1..99 or n < 1. */
int rj_bloom_filter_init(rj_bloom_filter_t *bf, int32_t f, int32_t n);

/* calcBitPositions: the k bit positions of `str` (UTF-8) into `out` (room for k). */
void rj_bloom_filter_positions(const rj_bloom_filter_t *bf, rj_bytes_t str, int32_t *out);

/* MurmurHash3 x64_128 of `data` with `seed`: out[0] is h1 (Guava's asLong()), out[1] h2. */
void rj_bloom_filter_murmur3_128(const void *data, size_t len, uint32_t seed, uint64_t out[2]);

#endif
