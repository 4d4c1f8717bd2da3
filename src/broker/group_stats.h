/*
 * Messages pulled per consumer group and topic (RocketMQ's GROUP_GET_NUMS
 * statistics item, key "topic@group"), for the consumeTps of
 * GET_CONSUME_STATS and GET_BROKER_CONSUME_STATS.
 *
 * Counting is cheap for the pull path: counters live in a few shards, each
 * with its own mutex and map, and a thread always uses the same shard, so
 * I/O threads do not share a lock (a lock is shared with the sampler only
 * once every 10 s). The sampler (housekeeping thread) sums the shards every
 * 10 s and keeps StatsItem's minute list per key: up to 7 snapshots, starting
 * with a zero one 10 s before the key's first sample. The TPS is the change
 * between the first and last snapshot of that list per second.
 */
#ifndef RJ_BROKER_GROUP_STATS_H
#define RJ_BROKER_GROUP_STATS_H

#include "common/bytes.h"

#include <stdint.h>

#define RJ_GROUP_STATS_SAMPLE_MS 10000

typedef struct rj_group_stats rj_group_stats_t;

/* Returns 0 or RJ_ENOMEM. */
int rj_group_stats_create(rj_group_stats_t **out);
void rj_group_stats_destroy(rj_group_stats_t *s);

/* Counts `msgs` messages pulled by `group` from `topic`. Any thread. */
void rj_group_stats_add(rj_group_stats_t *s, rj_bytes_t topic, rj_bytes_t group, uint64_t msgs);

/* Takes the 10 s sample at `now_ms` (wall clock). Housekeeping thread (tests: any). */
void rj_group_stats_sample(rj_group_stats_t *s, int64_t now_ms);

/* tpsGroupGetNums: pulled messages per second over the last minute of samples; 0 if none. */
double rj_group_stats_tps(rj_group_stats_t *s, rj_bytes_t topic, rj_bytes_t group);

#endif
