/*
 * Broker statistics for GET_BROKER_RUNTIME_INFO: messages stored and
 * transferred to consumers (totals, today/yesterday morning snapshots as
 * RocketMQ's BrokerStats keeps them) and TPS over 10 s, 60 s and 600 s.
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

typedef struct {
    _Alignas(64) atomic_uint_fast64_t put_msgs;
    atomic_uint_fast64_t put_bytes;
    atomic_uint_fast64_t get_msgs;
    atomic_uint_fast64_t get_bytes;
    atomic_uint_fast64_t get_times; /* successful pulls */
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
} rj_broker_stats_t;

void rj_broker_stats_init(rj_broker_stats_t *s);
void rj_broker_stats_cleanup(rj_broker_stats_t *s);

/* Counts stored messages. Any thread; no lock. */
void rj_broker_stats_put(rj_broker_stats_t *s, uint64_t msgs, uint64_t bytes);

/* Counts messages handed to consumers. Any thread; no lock. */
void rj_broker_stats_get(rj_broker_stats_t *s, uint64_t msgs, uint64_t bytes);

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

/* Morning snapshots. */
void rj_broker_stats_mornings(rj_broker_stats_t *s, uint64_t *put_today, uint64_t *put_yesterday,
                              uint64_t *get_today, uint64_t *get_yesterday);

#endif
