/*
 * Per-thread measurement slots of one benchmark run.
 *
 * Every thread that records (sender threads, the client's I/O threads running
 * async callbacks, consume threads) gets its own slot on first use: two
 * histograms and a few counters written by that thread alone, so recording
 * takes no lock and shares no cache line. Slots are pushed onto a lock-free
 * list and live until the recorder is destroyed, so threads that exit keep
 * their numbers. The reporter merges all slots into a snapshot whenever it
 * likes (rj_bench_recorder_snapshot).
 *
 * Threads: rj_bench_slot() and the slot writers from any thread; snapshot
 * from any thread (normally the reporter); destroy after every writer stopped.
 */
#ifndef RJ_MQBENCH_RECORDER_H
#define RJ_MQBENCH_RECORDER_H

#include "tools/mqbench/histogram.h"

#include <stdatomic.h>
#include <stdint.h>

/* What a slot counts; each counter is written by the slot's thread only. */
typedef enum {
    RJ_BENCH_SENT = 0,     /* messages acknowledged (sync/async) or handed over (one-way) */
    RJ_BENCH_FAILED = 1,   /* messages whose send failed or was not SEND_OK */
    RJ_BENCH_RECEIVED = 2, /* messages of this run delivered to the consumer */
    RJ_BENCH_FOREIGN = 3,  /* delivered messages not produced by this run (e2e ignores them) */
    RJ_BENCH_COUNTERS = 4,
} rj_bench_counter_t;

typedef struct rj_bench_slot {
    rj_histogram_t send_ns; /* send call -> acknowledgement */
    rj_histogram_t e2e_ns;  /* born time -> delivery to the listener */
    _Atomic uint64_t counters[RJ_BENCH_COUNTERS];
    struct rj_bench_slot *next;
} rj_bench_slot_t;

typedef struct {
    _Atomic(rj_bench_slot_t *) head;
    _Atomic unsigned slot_count;
    uint64_t id; /* unique per process, so a thread never reuses a slot of an older recorder */
} rj_bench_recorder_t;

/* Merged view of every slot at one moment. */
typedef struct {
    rj_histogram_t send_ns;
    rj_histogram_t e2e_ns;
    uint64_t counters[RJ_BENCH_COUNTERS];
} rj_bench_snapshot_t;

void rj_bench_recorder_init(rj_bench_recorder_t *r);

/* Frees every slot. No thread may record any more. */
void rj_bench_recorder_cleanup(rj_bench_recorder_t *r);

/*
 * The calling thread's slot, created on first use (NULL only when out of
 * memory; callers then skip the record).
 */
rj_bench_slot_t *rj_bench_slot(rj_bench_recorder_t *r);

/* Adds `n` to a counter of the calling thread's slot. */
static inline void
rj_bench_slot_count(rj_bench_slot_t *s, rj_bench_counter_t c, uint64_t n)
{
    atomic_store_explicit(&s->counters[c],
                          atomic_load_explicit(&s->counters[c], memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* Merges every slot into `out` (which it first empties). */
void rj_bench_recorder_snapshot(rj_bench_recorder_t *r, rj_bench_snapshot_t *out);

/* out = cur - prev for counters and histograms (see rj_histogram_diff). */
void rj_bench_snapshot_diff(rj_bench_snapshot_t *out, const rj_bench_snapshot_t *cur,
                            const rj_bench_snapshot_t *prev);

/* Empty snapshot. */
void rj_bench_snapshot_init(rj_bench_snapshot_t *s);

#endif
