/*
 * Sharded counters and the once-a-second sampler: TPS windows, the
 * minute/hour/day snapshot lists and, every 60 samples, the put latency
 * figures of the minute that ended (the shards' latency counters only grow;
 * a minute is the difference between two marks).
 */
#include "broker/broker_stats.h"

#include "common/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void init_px_bounds(void);

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
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_px_bounds);
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

/* Upper bounds of the percentile buckets (TreeMap.ceilingEntry picks the first bound >= value). */
static int64_t px_bounds[RJ_STATS_PUT_PX];

static void
init_px_bounds(void)
{
    static const struct {
        int64_t step;
        int times;
    } rules[] = {{1, 20}, {2, 15}, {5, 10}, {10, 10}, {50, 6}, {100, 5}, {1000, 9}};
    int n = 0;
    int64_t bound = 0;
    for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
        for (int i = 0; i < rules[r].times; i++) {
            bound += rules[r].step;
            px_bounds[n++] = bound;
        }
    }
    px_bounds[n] = INT64_MAX;
}

static void
atomic_max(atomic_int_fast64_t *v, int64_t value)
{
    int_fast64_t cur = atomic_load_explicit(v, memory_order_relaxed);
    while (value > cur && !atomic_compare_exchange_weak_explicit(
                              v, &cur, value, memory_order_relaxed, memory_order_relaxed)) {
    }
}

/* StoreStatsService.setPutMessageEntireTimeMax's ranges. */
static int
dist_index(int64_t ms)
{
    static const int64_t below[] = {10, 50, 100, 200, 500, 1000, 2000, 3000, 4000, 5000, 10000};
    if (ms <= 0) {
        return 0;
    }
    for (int i = 0; i < (int)(sizeof(below) / sizeof(below[0])); i++) {
        if (ms < below[i]) {
            return i + 1;
        }
    }
    return RJ_STATS_PUT_DIST - 1;
}

static int
px_index(int64_t ms)
{
    int lo = 0, hi = RJ_STATS_PUT_PX - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (px_bounds[mid] >= ms) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

void
rj_broker_stats_put_time(rj_broker_stats_t *s, int64_t elapsed_ms)
{
    rj_stats_shard_t *sh = shard(s);
    atomic_fetch_add_explicit(&sh->put_dist[dist_index(elapsed_ms)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&sh->put_px[px_index(elapsed_ms)], 1, memory_order_relaxed);
    atomic_max(&sh->put_time_max, elapsed_ms);
}

void
rj_broker_stats_get_time(rj_broker_stats_t *s, int64_t elapsed_ms)
{
    atomic_max(&shard(s)->get_time_max, elapsed_ms);
}

void
rj_broker_stats_store_totals(rj_broker_stats_t *s, uint64_t found, uint64_t miss,
                             int64_t dispatch_behind_bytes)
{
    pthread_mutex_lock(&s->lock);
    s->store_found = found;
    s->store_miss = miss;
    s->store_behind = dispatch_behind_bytes;
    pthread_mutex_unlock(&s->lock);
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

/* Every 60 samples: the latency counts since the previous mark become the last minute's. */
static void
rotate_minute_locked(rj_broker_stats_t *s)
{
    uint64_t dist[RJ_STATS_PUT_DIST] = {0}, px[RJ_STATS_PUT_PX] = {0};
    for (int i = 0; i < RJ_STATS_SHARDS; i++) {
        for (int d = 0; d < RJ_STATS_PUT_DIST; d++) {
            dist[d] += atomic_load_explicit(&s->shards[i].put_dist[d], memory_order_relaxed);
        }
        for (int p = 0; p < RJ_STATS_PUT_PX; p++) {
            px[p] += atomic_load_explicit(&s->shards[i].put_px[p], memory_order_relaxed);
        }
    }
    for (int d = 0; d < RJ_STATS_PUT_DIST; d++) {
        s->dist_last[d] = dist[d] - s->dist_mark[d];
        s->dist_mark[d] = dist[d];
    }
    for (int p = 0; p < RJ_STATS_PUT_PX; p++) {
        s->px_last[p] = px[p] - s->px_mark[p];
        s->px_mark[p] = px[p];
    }
    s->have_last_minute = true;
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
    s->found_samples[s->sample_pos] = s->store_found;
    s->miss_samples[s->sample_pos] = s->store_miss;
    if (s->store_behind > s->dispatch_behind_max) {
        s->dispatch_behind_max = s->store_behind;
    }
    if (s->ticks % 60 == 0) {
        rotate_minute_locked(s);
    }
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
rj_broker_stats_get_tps(rj_broker_stats_t *s, char *found_tps, char *miss_tps, char *total_tps,
                        size_t size)
{
    static const int spans[] = {10, 60, 600};
    double found[3], miss[3];
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < 3; i++) {
        found[i] = rate_locked(s, s->found_samples, spans[i]);
        miss[i] = rate_locked(s, s->miss_samples, spans[i]);
    }
    pthread_mutex_unlock(&s->lock);
    snprintf(found_tps, size, "%.2f %.2f %.2f", found[0], found[1], found[2]);
    snprintf(miss_tps, size, "%.2f %.2f %.2f", miss[0], miss[1], miss[2]);
    snprintf(total_tps, size, "%.2f %.2f %.2f", found[0] + miss[0], found[1] + miss[1],
             found[2] + miss[2]);
}

/* findPutMessageEntireTimePX over the last minute's buckets. Lock held. */
static double
percentile_locked(const rj_broker_stats_t *s, double px)
{
    uint64_t total = 0;
    for (int i = 0; i < RJ_STATS_PUT_PX; i++) {
        total += s->px_last[i];
    }
    uint64_t index = (uint64_t)((double)total * px), passed = 0;
    for (int i = 0; i < RJ_STATS_PUT_PX; i++) {
        uint64_t count = s->px_last[i];
        if (index <= passed + count) {
            double rel = count == 0 ? 0.0 : (double)(index - passed) / (double)count;
            double lower = i == 0 ? 0.0 : (double)px_bounds[i - 1];
            return lower + ((double)px_bounds[i] - lower) * rel;
        }
        passed += count;
    }
    return 0.0;
}

void
rj_broker_stats_store_view(rj_broker_stats_t *s, rj_stats_store_view_t *out)
{
    static const char *const desc[RJ_STATS_PUT_DIST] = {
        "[<=0ms]",     "[0~10ms]",   "[10~50ms]", "[50~100ms]", "[100~200ms]",
        "[200~500ms]", "[500ms~1s]", "[1~2s]",    "[2~3s]",     "[3~4s]",
        "[4~5s]",      "[5~10s]",    "[10s~]"};
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < RJ_STATS_SHARDS; i++) {
        int64_t put = atomic_load_explicit(&s->shards[i].put_time_max, memory_order_relaxed);
        int64_t get = atomic_load_explicit(&s->shards[i].get_time_max, memory_order_relaxed);
        out->put_time_max_ms = put > out->put_time_max_ms ? put : out->put_time_max_ms;
        out->get_time_max_ms = get > out->get_time_max_ms ? get : out->get_time_max_ms;
    }
    pthread_mutex_lock(&s->lock);
    out->dispatch_max_bytes = s->dispatch_behind_max;
    out->put_latency_99 = percentile_locked(s, 0.99);
    out->put_latency_999 = percentile_locked(s, 0.999);
    if (!s->have_last_minute) {
        snprintf(out->put_distribution, sizeof(out->put_distribution), "null");
    } else {
        size_t pos = 0;
        for (int d = 0; d < RJ_STATS_PUT_DIST && pos < sizeof(out->put_distribution); d++) {
            int n = snprintf(out->put_distribution + pos, sizeof(out->put_distribution) - pos,
                             "%s:%llu ", desc[d], (unsigned long long)s->dist_last[d]);
            pos += n > 0 ? (size_t)n : 0;
        }
    }
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
