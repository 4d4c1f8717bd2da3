/*
 * Broker statistics for GET_BROKER_RUNTIME_INFO: messages stored and
 * transferred to consumers (totals, today/yesterday morning snapshots as
 * RocketMQ's BrokerStats keeps them), TPS over 10 s, 60 s and 600 s, and
 * the latency figures of RocketMQ's StoreStatsService (put and pull time
 * maxima, put latency distribution and percentiles per minute).
 *
 * Counters are sharded per thread (cache-line padded), so the send and pull
 * paths of different I/O threads never write the same line. The sampler runs
 * once a second on the housekeeping thread.
 */
#ifndef RJ_BROKER_BROKER_STATS_H
#define RJ_BROKER_BROKER_STATS_H

#include "common/buf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define RJ_STATS_SHARDS 16
#define RJ_STATS_WINDOW 601 /* one-second samples: 10 min + now */

/*
 * Put latency as StoreStatsService keeps it: 13 distribution ranges
 * (putMessageDistributeTime) and the percentile buckets of
 * PUT_MESSAGE_ENTIRE_TIME_BUCKETS (20 of 1 ms, 15 of 2 ms, 10 of 5 ms, 10 of
 * 10 ms, 6 of 50 ms, 5 of 100 ms, 9 of 1 s, then the rest) for putLatency99/999.
 */
#define RJ_STATS_PUT_DIST 13
#define RJ_STATS_PUT_PX 76

typedef struct {
    _Alignas(64) atomic_uint_fast64_t put_msgs;
    atomic_uint_fast64_t put_bytes;
    atomic_uint_fast64_t get_msgs;
    atomic_uint_fast64_t get_bytes;
    atomic_uint_fast64_t get_times;   /* successful pulls */
    atomic_int_fast64_t put_time_max; /* longest store put, ms */
    atomic_int_fast64_t get_time_max; /* longest store read of a pull, ms */
    atomic_uint_fast64_t put_dist[RJ_STATS_PUT_DIST];
    atomic_uint_fast64_t put_px[RJ_STATS_PUT_PX];
} rj_stats_shard_t;

/*
 * Snapshot lists of RocketMQ's StatsItem for BROKER_PUT_NUMS / BROKER_GET_NUMS
 * (VIEW_BROKER_STATS_DATA): every 10 s (7 kept: the last minute), every
 * 10 min (7: the last hour) and every hour (25: the last day).
 */
#define RJ_STATS_LIST_MAX 25

typedef struct {
    int64_t timestamp_ms;
    uint64_t put, get, get_times;
} rj_stats_point_t;

typedef struct {
    rj_stats_point_t points[RJ_STATS_LIST_MAX];
    int first, count, max;
} rj_stats_list_t;

/* StatsSnapshot: the sum over a list's span, its rate per second and the average per call. */
typedef struct {
    uint64_t sum;
    double tps;
    double avgpt;
} rj_stats_snapshot_t;

typedef struct {
    rj_stats_shard_t shards[RJ_STATS_SHARDS];
    /* Sampler state (housekeeping thread; read under `lock` by the admin handler). */
    pthread_mutex_t lock;
    uint64_t put_samples[RJ_STATS_WINDOW];
    uint64_t get_samples[RJ_STATS_WINDOW];
    int sample_pos;
    int nsamples;
    uint64_t put_today_morning, put_yesterday_morning;
    uint64_t get_today_morning, get_yesterday_morning;
    int last_day;   /* day of year of the last sample, to detect midnight */
    uint64_t ticks; /* samples taken */
    rj_stats_list_t minute, hour, day;
    /* The store's pull outcomes (rj_broker_stats_store_totals), sampled with the rest. */
    uint64_t store_found, store_miss;
    int64_t store_behind;
    uint64_t found_samples[RJ_STATS_WINDOW];
    uint64_t miss_samples[RJ_STATS_WINDOW];
    int64_t dispatch_behind_max; /* largest dispatch backlog a sample saw, bytes */
    /* Put latency of the last complete minute (StoreStatsService's 60 s windows). */
    bool have_last_minute;
    uint64_t dist_mark[RJ_STATS_PUT_DIST], px_mark[RJ_STATS_PUT_PX];
    uint64_t dist_last[RJ_STATS_PUT_DIST], px_last[RJ_STATS_PUT_PX];
} rj_broker_stats_t;

void rj_broker_stats_init(rj_broker_stats_t *s);
void rj_broker_stats_cleanup(rj_broker_stats_t *s);

/* Counts stored messages. Any thread; no lock. */
void rj_broker_stats_put(rj_broker_stats_t *s, uint64_t msgs, uint64_t bytes);

/* Counts messages handed to consumers. Any thread; no lock. */
void rj_broker_stats_get(rj_broker_stats_t *s, uint64_t msgs, uint64_t bytes);

/* Records how long one store put took (the whole put, lock wait included). Any thread; no lock. */
void rj_broker_stats_put_time(rj_broker_stats_t *s, int64_t elapsed_ms);

/* Records how long the store read of one pull took. Any thread; no lock. */
void rj_broker_stats_get_time(rj_broker_stats_t *s, int64_t elapsed_ms);

/*
 * Hands the store's cumulative found / missed pull counts and its current
 * dispatch backlog to the next sample. Housekeeping thread, before sampling.
 */
void rj_broker_stats_store_totals(rj_broker_stats_t *s, uint64_t found, uint64_t miss,
                                  int64_t dispatch_behind_bytes);

uint64_t rj_broker_stats_put_total(rj_broker_stats_t *s);
uint64_t rj_broker_stats_get_total(rj_broker_stats_t *s);

/* Takes a one-second sample. Housekeeping thread. */
void rj_broker_stats_sample(rj_broker_stats_t *s);

/* Same at an explicit time (tests): `now_ms` must grow by about 1000 per call. */
void rj_broker_stats_sample_at(rj_broker_stats_t *s, int64_t now_ms);

/*
 * StatsItem.getStatsDataInMinute/Hour/Day of BROKER_GET_NUMS (`get`, with the
 * pulls as calls) or BROKER_PUT_NUMS (calls are not counted: avgpt 0, as in
 * RocketMQ), into out[0..2].
 */
void rj_broker_stats_snapshots(rj_broker_stats_t *s, bool get, rj_stats_snapshot_t out[3]);

/* TPS strings as RocketMQ prints them: "<10s> <60s> <600s>" with two decimals. */
void rj_broker_stats_tps(rj_broker_stats_t *s, char *put_tps, char *get_tps, size_t size);

/* The store's getFoundTps, getMissTps and getTotalTps strings, formatted as the TPS above. */
void rj_broker_stats_get_tps(rj_broker_stats_t *s, char *found_tps, char *miss_tps, char *total_tps,
                             size_t size);

/* StoreStatsService figures of GET_BROKER_RUNTIME_INFO. */
typedef struct {
    int64_t put_time_max_ms;    /* putMessageEntireTimeMax */
    int64_t get_time_max_ms;    /* getMessageEntireTimeMax */
    int64_t dispatch_max_bytes; /* dispatchMaxBuffer */
    double put_latency_99;      /* putLatency99, ms, of the last complete minute */
    double put_latency_999;     /* putLatency999 */
    char put_distribution[400]; /* putMessageDistributeTime; "null" before the first minute */
} rj_stats_store_view_t;

void rj_broker_stats_store_view(rj_broker_stats_t *s, rj_stats_store_view_t *out);

/* Morning snapshots. */
void rj_broker_stats_mornings(rj_broker_stats_t *s, uint64_t *put_today, uint64_t *put_yesterday,
                              uint64_t *get_today, uint64_t *get_yesterday);

#endif
