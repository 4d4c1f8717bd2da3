/* Sharded counters and the once-a-second TPS sampler. */
#include "broker/broker_stats.h"

#include "common/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static atomic_uint next_shard;
static _Thread_local int my_shard = -1;

static rj_stats_shard_t *
shard(rj_broker_stats_t *s)
{
    if (my_shard < 0) {
        my_shard = (int)(atomic_fetch_add(&next_shard, 1) % RJ_STATS_SHARDS);
    }
    return &s->shards[my_shard];
}

static int
day_of_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return tm.tm_yday;
}

void
rj_broker_stats_init(rj_broker_stats_t *s)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    s->last_day = day_of_year();
    s->minute.max = 7;
    s->hour.max = 7;
    s->day.max = 25;
}

void
rj_broker_stats_cleanup(rj_broker_stats_t *s)
{
    pthread_mutex_destroy(&s->lock);
}

void
rj_broker_stats_put(rj_broker_stats_t *s, uint64_t msgs, uint64_t bytes)
{
    rj_stats_shard_t *sh = shard(s);
    atomic_fetch_add_explicit(&sh->put_msgs, msgs, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->put_bytes, bytes, memory_order_relaxed);
}

void
rj_broker_stats_get(rj_broker_stats_t *s, uint64_t msgs, uint64_t bytes)
{
    rj_stats_shard_t *sh = shard(s);
    atomic_fetch_add_explicit(&sh->get_msgs, msgs, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->get_bytes, bytes, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->get_times, 1, memory_order_relaxed);
}

uint64_t
rj_broker_stats_put_total(rj_broker_stats_t *s)
{
    uint64_t n = 0;
    for (int i = 0; i < RJ_STATS_SHARDS; i++) {
        n += atomic_load_explicit(&s->shards[i].put_msgs, memory_order_relaxed);
    }
    return n;
}

uint64_t
rj_broker_stats_get_total(rj_broker_stats_t *s)
{
    uint64_t n = 0;
    for (int i = 0; i < RJ_STATS_SHARDS; i++) {
        n += atomic_load_explicit(&s->shards[i].get_msgs, memory_order_relaxed);
    }
    return n;
}

static uint64_t
get_times_total(rj_broker_stats_t *s)
{
    uint64_t n = 0;
    for (int i = 0; i < RJ_STATS_SHARDS; i++) {
        n += atomic_load_explicit(&s->shards[i].get_times, memory_order_relaxed);
    }
    return n;
}

static void
list_add(rj_stats_list_t *l, const rj_stats_point_t *p)
{
    if (l->count == l->max) {
        l->first = (l->first + 1) % l->max;
        l->count--;
    }
    l->points[(l->first + l->count) % l->max] = *p;
    l->count++;
}

void
rj_broker_stats_sample(rj_broker_stats_t *s)
{
    rj_broker_stats_sample_at(s, rj_clock_wall_ms());
}

void
rj_broker_stats_sample_at(rj_broker_stats_t *s, int64_t now_ms)
{
    uint64_t put = rj_broker_stats_put_total(s), get = rj_broker_stats_get_total(s);
    rj_stats_point_t point = {now_ms, put, get, get_times_total(s)};
    int day = day_of_year();
    pthread_mutex_lock(&s->lock);
    /* StatsItem samples every 10 s, 10 min and hour, each starting at once. */
    if (s->ticks % 10 == 0) {
        list_add(&s->minute, &point);
    }
    if (s->ticks % 600 == 0) {
        list_add(&s->hour, &point);
    }
    if (s->ticks % 3600 == 0) {
        list_add(&s->day, &point);
    }
    s->ticks++;
    s->sample_pos = (s->sample_pos + 1) % RJ_STATS_WINDOW;
    s->put_samples[s->sample_pos] = put;
    s->get_samples[s->sample_pos] = get;
    if (s->nsamples < RJ_STATS_WINDOW) {
        s->nsamples++;
    }
    if (day != s->last_day) {
        s->put_yesterday_morning = s->put_today_morning;
        s->get_yesterday_morning = s->get_today_morning;
        s->put_today_morning = put;
        s->get_today_morning = get;
        s->last_day = day;
    }
    pthread_mutex_unlock(&s->lock);
}

/* Rate over the last `secs` samples (fewer if not yet available). Lock held. */
static double
rate_locked(const rj_broker_stats_t *s, const uint64_t *samples, int secs)
{
    if (s->nsamples < 2) {
        return 0.0;
    }
    int span = secs < s->nsamples - 1 ? secs : s->nsamples - 1;
    int then = (s->sample_pos - span + RJ_STATS_WINDOW) % RJ_STATS_WINDOW;
    return (double)(samples[s->sample_pos] - samples[then]) / span;
}

void
rj_broker_stats_tps(rj_broker_stats_t *s, char *put_tps, char *get_tps, size_t size)
{
    pthread_mutex_lock(&s->lock);
    snprintf(put_tps, size, "%.2f %.2f %.2f", rate_locked(s, s->put_samples, 10),
             rate_locked(s, s->put_samples, 60), rate_locked(s, s->put_samples, 600));
    snprintf(get_tps, size, "%.2f %.2f %.2f", rate_locked(s, s->get_samples, 10),
             rate_locked(s, s->get_samples, 60), rate_locked(s, s->get_samples, 600));
    pthread_mutex_unlock(&s->lock);
}

void
rj_broker_stats_mornings(rj_broker_stats_t *s, uint64_t *put_today, uint64_t *put_yesterday,
                         uint64_t *get_today, uint64_t *get_yesterday)
{
    pthread_mutex_lock(&s->lock);
    *put_today = s->put_today_morning;
    *put_yesterday = s->put_yesterday_morning;
    *get_today = s->get_today_morning;
    *get_yesterday = s->get_yesterday_morning;
    pthread_mutex_unlock(&s->lock);
}

/* computeStatsData: first and last snapshot of the list. Lock held. */
static rj_stats_snapshot_t
compute_locked(const rj_stats_list_t *l, bool get)
{
    rj_stats_snapshot_t out = {0, 0.0, 0.0};
    if (l->count < 2) {
        return out;
    }
    const rj_stats_point_t *first = &l->points[l->first];
    const rj_stats_point_t *last = &l->points[(l->first + l->count - 1) % l->max];
    out.sum = get ? last->get - first->get : last->put - first->put;
    int64_t span = last->timestamp_ms - first->timestamp_ms;
    out.tps = span > 0 ? (double)out.sum * 1000.0 / (double)span : 0.0;
    uint64_t times = get ? last->get_times - first->get_times : 0;
    out.avgpt = times > 0 ? (double)out.sum / (double)times : 0.0;
    return out;
}

void
rj_broker_stats_snapshots(rj_broker_stats_t *s, bool get, rj_stats_snapshot_t out[3])
{
    pthread_mutex_lock(&s->lock);
    out[0] = compute_locked(&s->minute, get);
    out[1] = compute_locked(&s->hour, get);
    out[2] = compute_locked(&s->day, get);
    pthread_mutex_unlock(&s->lock);
}
