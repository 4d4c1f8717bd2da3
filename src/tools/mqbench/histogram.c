/*
 * Log-linear latency histogram: bucket arithmetic, single-writer recording,
 * merging of per-thread histograms and percentiles.
 *
 * Layout: index v for v < RJ_HIST_LINEAR; above, the bucket of v is fixed by
 * its highest set bit (the octave) and the RJ_HIST_SUB_BITS bits below it.
 * Every octave therefore has 2^RJ_HIST_SUB_BITS buckets of equal width
 * 2^(msb - RJ_HIST_SUB_BITS), which bounds the relative error.
 */
#include "tools/mqbench/histogram.h"

#include <stdbool.h>
#include <stddef.h>

#define SUB_COUNT (1u << RJ_HIST_SUB_BITS)

/* The single writer's update: no locked instruction, readers still see whole values. */
static inline void
bump(_Atomic uint64_t *field, uint64_t n)
{
    atomic_store_explicit(field, atomic_load_explicit(field, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline uint64_t
get(const _Atomic uint64_t *field)
{
    return atomic_load_explicit(field, memory_order_relaxed);
}

static inline void
put(_Atomic uint64_t *field, uint64_t v)
{
    atomic_store_explicit(field, v, memory_order_relaxed);
}

void
rj_histogram_init(rj_histogram_t *h)
{
    for (unsigned i = 0; i < RJ_HIST_BUCKETS; i++) {
        put(&h->counts[i], 0);
    }
    put(&h->total, 0);
    put(&h->sum, 0);
    put(&h->max, 0);
    put(&h->min, UINT64_MAX);
    put(&h->clamped, 0);
}

unsigned
rj_histogram_index(uint64_t value)
{
    if (value < RJ_HIST_LINEAR) {
        return (unsigned)value;
    }
    if (value >> RJ_HIST_MAX_BITS) {
        return RJ_HIST_BUCKETS - 1;
    }
    unsigned msb = 63u - (unsigned)__builtin_clzll(value);
    unsigned sub = (unsigned)(value >> (msb - RJ_HIST_SUB_BITS)) - SUB_COUNT;
    return RJ_HIST_LINEAR + (msb - RJ_HIST_SUB_BITS - 1) * SUB_COUNT + sub;
}

uint64_t
rj_histogram_bucket_low(unsigned index)
{
    if (index < RJ_HIST_LINEAR) {
        return index;
    }
    if (index >= RJ_HIST_BUCKETS) {
        index = RJ_HIST_BUCKETS - 1;
    }
    unsigned k = index - RJ_HIST_LINEAR;
    unsigned msb = RJ_HIST_SUB_BITS + 1 + k / SUB_COUNT;
    uint64_t sub = SUB_COUNT + k % SUB_COUNT;
    return sub << (msb - RJ_HIST_SUB_BITS);
}

uint64_t
rj_histogram_bucket_high(unsigned index)
{
    if (index < RJ_HIST_LINEAR) {
        return index;
    }
    if (index >= RJ_HIST_BUCKETS - 1) {
        return UINT64_MAX; /* the last bucket also holds every clamped value */
    }
    unsigned k = index - RJ_HIST_LINEAR;
    unsigned msb = RJ_HIST_SUB_BITS + 1 + k / SUB_COUNT;
    return rj_histogram_bucket_low(index) + (UINT64_C(1) << (msb - RJ_HIST_SUB_BITS)) - 1;
}

void
rj_histogram_record_n(rj_histogram_t *h, uint64_t value, uint64_t n)
{
    if (n == 0) {
        return;
    }
    bump(&h->counts[rj_histogram_index(value)], n);
    bump(&h->total, n);
    bump(&h->sum, value * n);
    if (value > get(&h->max)) {
        put(&h->max, value);
    }
    if (value < get(&h->min)) {
        put(&h->min, value);
    }
    if (value >> RJ_HIST_MAX_BITS) {
        bump(&h->clamped, n);
    }
}

void
rj_histogram_record(rj_histogram_t *h, uint64_t value)
{
    rj_histogram_record_n(h, value, 1);
}

void
rj_histogram_add(rj_histogram_t *dst, const rj_histogram_t *src)
{
    for (unsigned i = 0; i < RJ_HIST_BUCKETS; i++) {
        uint64_t c = get(&src->counts[i]);
        if (c != 0) {
            bump(&dst->counts[i], c);
        }
    }
    bump(&dst->total, get(&src->total));
    bump(&dst->sum, get(&src->sum));
    bump(&dst->clamped, get(&src->clamped));
    if (get(&src->max) > get(&dst->max)) {
        put(&dst->max, get(&src->max));
    }
    if (get(&src->min) < get(&dst->min)) {
        put(&dst->min, get(&src->min));
    }
}

void
rj_histogram_diff(rj_histogram_t *dst, const rj_histogram_t *cur, const rj_histogram_t *prev)
{
    bool any = false;
    unsigned lowest = 0, highest = 0;
    uint64_t total = 0;

    for (unsigned i = 0; i < RJ_HIST_BUCKETS; i++) {
        uint64_t a = get(&cur->counts[i]), b = get(&prev->counts[i]);
        uint64_t c = a > b ? a - b : 0;
        put(&dst->counts[i], c);
        if (c != 0) {
            if (!any) {
                lowest = i;
                any = true;
            }
            highest = i;
            total += c;
        }
    }
    /* The total is recounted from the buckets so percentiles stay consistent. */
    put(&dst->total, total);
    uint64_t sc = get(&cur->sum), sp = get(&prev->sum);
    put(&dst->sum, sc - sp);
    uint64_t cc = get(&cur->clamped), cp = get(&prev->clamped);
    put(&dst->clamped, cc > cp ? cc - cp : 0);
    if (!any) {
        put(&dst->max, 0);
        put(&dst->min, UINT64_MAX);
        return;
    }
    uint64_t high = rj_histogram_bucket_high(highest);
    uint64_t cur_max = get(&cur->max);
    put(&dst->max, high < cur_max ? high : cur_max);
    uint64_t low = rj_histogram_bucket_low(lowest);
    uint64_t cur_min = get(&cur->min);
    put(&dst->min, low > cur_min ? low : cur_min);
}

uint64_t
rj_histogram_count(const rj_histogram_t *h)
{
    return get(&h->total);
}

uint64_t
rj_histogram_max(const rj_histogram_t *h)
{
    return get(&h->max);
}

uint64_t
rj_histogram_min(const rj_histogram_t *h)
{
    return get(&h->total) == 0 ? 0 : get(&h->min);
}

double
rj_histogram_mean(const rj_histogram_t *h)
{
    uint64_t n = get(&h->total);
    return n == 0 ? 0.0 : (double)get(&h->sum) / (double)n;
}

uint64_t
rj_histogram_percentile(const rj_histogram_t *h, double pct)
{
    uint64_t total = 0;

    /* Counts are summed again rather than trusting `total`: a concurrent writer may be mid-record.
     */
    for (unsigned i = 0; i < RJ_HIST_BUCKETS; i++) {
        total += get(&h->counts[i]);
    }
    if (total == 0) {
        return 0;
    }
    if (pct > 100.0) {
        pct = 100.0;
    }
    if (pct < 0.0) {
        pct = 0.0;
    }
    /* Rounded rank: immune to 99.9 * 1000 coming out as 999.0000000000001. */
    uint64_t rank = (uint64_t)(pct / 100.0 * (double)total + 0.5);
    if (rank == 0) {
        rank = 1;
    }
    if (rank > total) {
        rank = total;
    }
    uint64_t seen = 0;
    uint64_t max = get(&h->max);
    for (unsigned i = 0; i < RJ_HIST_BUCKETS; i++) {
        seen += get(&h->counts[i]);
        if (seen >= rank) {
            uint64_t v = rj_histogram_bucket_high(i);
            return v < max ? v : max;
        }
    }
    return max;
}
