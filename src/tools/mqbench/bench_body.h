/*
 * Bodies of mqbench messages. The first RJ_BENCH_BODY_HEADER bytes carry what
 * the consumer needs to measure end-to-end latency at sub-millisecond
 * resolution and to tell this run's messages from others:
 *
 *   0  "RJMB"               magic
 *   4  u32 run id           random per mqbench run
 *   8  u64 born time        CLOCK_REALTIME nanoseconds at the intended send time
 *   16 u64 sequence         (sender thread << 40) | per-thread counter
 *
 * all big-endian; the rest of the body is filler. Bodies shorter than the
 * header carry nothing and consumers fall back to the broker's born
 * timestamp (milliseconds).
 */
#ifndef RJ_MQBENCH_BODY_H
#define RJ_MQBENCH_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RJ_BENCH_BODY_HEADER 24

typedef struct {
    uint32_t run_id;
    uint64_t born_ns; /* CLOCK_REALTIME ns */
    uint64_t seq;
} rj_bench_body_t;

/* Fills `body` (`len` bytes) with filler and, if it fits, the header. */
void rj_bench_body_init(uint8_t *body, size_t len, const rj_bench_body_t *h);

/* Rewrites only the header fields of a body made by rj_bench_body_init (no-op if too short). */
void rj_bench_body_stamp(uint8_t *body, size_t len, const rj_bench_body_t *h);

/* Reads the header; false when the body is too short or lacks the magic. */
bool rj_bench_body_parse(const void *body, size_t len, rj_bench_body_t *out);

#endif
