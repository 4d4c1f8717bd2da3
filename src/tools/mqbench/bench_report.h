/*
 * mqbench output: the line printed every second and the final summary, as
 * text and as one JSON object.
 */
#ifndef RJ_MQBENCH_REPORT_H
#define RJ_MQBENCH_REPORT_H

#include "tools/mqbench/bench_options.h"
#include "tools/mqbench/bench_recorder.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const rj_bench_options_t *opts;
    const rj_bench_snapshot_t *total;    /* the whole run, warm-up included */
    const rj_bench_snapshot_t *measured; /* after the warm-up: rates and latencies */
    double send_window_s;                /* measured sending time */
    double recv_window_s;                /* measured receiving time (consume, e2e) */
    uint64_t missing;                    /* e2e: sent but not received after the drain */
    int topic_queues;                    /* writable queues seen by the producer (0 unknown) */
    int64_t rss_max_kib;                 /* -1 when not sampled */
    int64_t rss_last_kib;
    int rss_samples;
    bool ok; /* within --max-failures */
} rj_bench_summary_t;

/* One progress line: elapsed time, rates, failures and p99 of the last interval. */
void rj_bench_report_tick(FILE *out, const rj_bench_options_t *o, double elapsed_s,
                          double interval_s, const rj_bench_snapshot_t *interval,
                          const rj_bench_snapshot_t *total, const char *phase);

/* Human-readable summary. */
void rj_bench_report_text(FILE *out, const rj_bench_summary_t *s);

/* The summary as one JSON object and a newline. RJ_OK or RJ_ENOMEM / RJ_EIO. */
int rj_bench_report_json(FILE *out, const rj_bench_summary_t *s);

#endif
