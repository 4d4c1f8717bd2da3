/*
 * Token bucket (see bench_pacer.h). The bucket is refilled lazily on each
 * take from the time elapsed since the last one, capped at its capacity; a
 * sender that sleeps longer than one token interval therefore sends the
 * tokens it accrued meanwhile back to back, which keeps the average rate
 * exact whatever the timer resolution.
 */
#include "tools/mqbench/bench_pacer.h"

#include <math.h>

void
rj_bench_pacer_init(rj_bench_pacer_t *p, double rate_per_s, double burst, uint64_t now_ns)
{
    p->rate_per_s = rate_per_s > 0 ? rate_per_s : 0;
    p->burst = burst < 1 ? 1 : burst;
    p->tokens = 0;
    p->last_ns = now_ns;
}

uint64_t
rj_bench_pacer_take(rj_bench_pacer_t *p, unsigned n, uint64_t now_ns, uint64_t *intended_ns)
{
    if (p->rate_per_s <= 0) {
        *intended_ns = now_ns;
        return 0;
    }
    double cap = p->burst > (double)n ? p->burst : (double)n;
    if (now_ns > p->last_ns) {
        p->tokens += (double)(now_ns - p->last_ns) * p->rate_per_s / 1e9;
        if (p->tokens > cap) {
            p->tokens = cap;
        }
        p->last_ns = now_ns;
    }
    if (p->tokens + 1e-9 < (double)n) {
        double wait = ((double)n - p->tokens) * 1e9 / p->rate_per_s;
        return (uint64_t)ceil(wait);
    }
    p->tokens -= (double)n;
    if (p->tokens < 0) {
        p->tokens = 0;
    }
    /* The last token taken appeared when the bucket held exactly n; what is left accrued since. */
    double age_ns = p->tokens * 1e9 / p->rate_per_s;
    *intended_ns = now_ns - (uint64_t)age_ns;
    return 0;
}
