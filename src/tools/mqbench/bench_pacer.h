/*
 * Token bucket on the monotonic clock, one per sender thread (the target rate
 * is split evenly among the threads, so pacing shares nothing).
 *
 * Tokens accrue at `rate` per second up to `burst`. Taking n tokens either
 * succeeds and reports the intended send time (when the last of those tokens
 * became available), or says how long to wait. Latencies are measured from
 * the intended time, so a sender that fell behind its schedule does not hide
 * the delay (coordinated omission), up to burst/rate seconds.
 *
 * Time is passed in by the caller, which keeps the bucket testable.
 * Threads: one thread per pacer.
 */
#ifndef RJ_MQBENCH_PACER_H
#define RJ_MQBENCH_PACER_H

#include <stdint.h>

typedef struct {
    double rate_per_s; /* tokens per second; 0 = unlimited */
    double burst;      /* bucket capacity in tokens */
    double tokens;     /* tokens in the bucket at `last_ns` */
    uint64_t last_ns;  /* monotonic time of the last refill */
} rj_bench_pacer_t;

/*
 * `rate_per_s` 0 means unlimited. `burst` below 1 is raised to 1. The bucket
 * starts empty at `now_ns`, so no run begins with a burst.
 */
void rj_bench_pacer_init(rj_bench_pacer_t *p, double rate_per_s, double burst, uint64_t now_ns);

/*
 * Takes `n` tokens at `now_ns`. Returns 0 when taken (intended send time in
 * *intended_ns), else the nanoseconds to wait before enough tokens exist
 * (nothing is taken then). Unlimited pacers always return 0 with now_ns.
 * If `n` exceeds the burst, the bucket is allowed to fill up to `n`.
 */
uint64_t rj_bench_pacer_take(rj_bench_pacer_t *p, unsigned n, uint64_t now_ns,
                             uint64_t *intended_ns);

#endif
