/*
 * Log-linear latency histogram (HDR style) with fixed memory.
 *
 * Values are unsigned 64-bit (mqbench records nanoseconds). Values below
 * 2^(RJ_HIST_SUB_BITS + 1) get a bucket each (exact); above, every power of two
 * is split into 2^RJ_HIST_SUB_BITS equal buckets, so a reported value is at
 * most 1/2^RJ_HIST_SUB_BITS (0.78 %) above the true one. Values at or above
 * 2^RJ_HIST_MAX_BITS (about 73 minutes in ns) land in the last bucket; the
 * exact maximum is kept separately.
 *
 * Threads: one writer per histogram (rj_histogram_record* and the
 * destination of add/diff), any number of concurrent readers. The fields are
 * relaxed atomics written with plain load+store by the single writer (no
 * locked instruction on the hot path); a concurrent reader sees each field
 * whole, possibly a few records behind, which a once-per-second report
 * tolerates.
 */
#ifndef RJ_MQBENCH_HISTOGRAM_H
#define RJ_MQBENCH_HISTOGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#define RJ_HIST_SUB_BITS 7
#define RJ_HIST_MAX_BITS 42
/* Exact region [0, 2^(SUB_BITS+1)), then 2^SUB_BITS buckets per octave up to 2^MAX_BITS. */
#define RJ_HIST_LINEAR (1u << (RJ_HIST_SUB_BITS + 1))
#define RJ_HIST_BUCKETS \
    (RJ_HIST_LINEAR + (RJ_HIST_MAX_BITS - RJ_HIST_SUB_BITS - 1) * (1u << RJ_HIST_SUB_BITS))

typedef struct {
    _Atomic uint64_t counts[RJ_HIST_BUCKETS];
    _Atomic uint64_t total;   /* number of recorded values */
    _Atomic uint64_t sum;     /* sum of recorded values (for the mean), wraps only past 2^64 */
    _Atomic uint64_t max;     /* largest recorded value, exact */
    _Atomic uint64_t min;     /* smallest recorded value, exact (UINT64_MAX when empty) */
    _Atomic uint64_t clamped; /* values at or above 2^RJ_HIST_MAX_BITS */
} rj_histogram_t;

/* Empties `h` (caller's memory). */
void rj_histogram_init(rj_histogram_t *h);

/* Bucket index of `value` (clamped to the last bucket). */
unsigned rj_histogram_index(uint64_t value);

/* Smallest and largest value that map to bucket `index`. */
uint64_t rj_histogram_bucket_low(unsigned index);
uint64_t rj_histogram_bucket_high(unsigned index);

/* Records `value` once / `n` times. Thread: the histogram's single writer. */
void rj_histogram_record(rj_histogram_t *h, uint64_t value);
void rj_histogram_record_n(rj_histogram_t *h, uint64_t value, uint64_t n);

/* dst += src. `src` may be written concurrently by its own writer. */
void rj_histogram_add(rj_histogram_t *dst, const rj_histogram_t *src);

/*
 * dst = cur - prev, where `prev` is an earlier snapshot of the same
 * cumulative data (every count of prev <= cur). The difference has no exact
 * min/max: they are set from its lowest and highest non-empty buckets.
 */
void rj_histogram_diff(rj_histogram_t *dst, const rj_histogram_t *cur, const rj_histogram_t *prev);

uint64_t rj_histogram_count(const rj_histogram_t *h);
uint64_t rj_histogram_max(const rj_histogram_t *h);
uint64_t rj_histogram_min(const rj_histogram_t *h);
double rj_histogram_mean(const rj_histogram_t *h);

/*
 * Value at percentile `pct` (0..100]: the highest value of the bucket that
 * holds the n-th smallest value, n = pct/100 * count rounded to the nearest
 * integer (at least 1), as HdrHistogram ranks; never above the maximum.
 * 0 when empty.
 */
uint64_t rj_histogram_percentile(const rj_histogram_t *h, double pct);

#endif
