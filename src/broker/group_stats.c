/*
 * Per group and topic pull counters (see group_stats.h). A shard maps
 * "topic@group" to a counter that only grows; the sampler adds the shards'
 * counters up per key and appends the sum to the key's snapshot list, so a
 * counter is never reset and a pull racing with the sampler lands in this
 * sample or the next one, never lost.
 */
#include "broker/group_stats.h"

#include "common/alloc.h"
#include "common/hashmap.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define SHARDS 8
#define MINUTE_POINTS 7 /* StatsItem.csListMinute: 6 intervals of 10 s */
#define KEY_MAX 512     /* topic (127) + '@' + group (255) fit */

typedef struct {
    _Alignas(64) pthread_mutex_t lock;
    rj_hashmap_t *counters; /* "topic@group" -> uint64_t * (messages pulled) */
} shard_t;

typedef struct {
    int64_t ts_ms;
    uint64_t value;
} point_t;

/* One key's minute list (a ring of the last MINUTE_POINTS snapshots). */
typedef struct {
    uint64_t sum; /* scratch: this sample's total over the shards */
    point_t points[MINUTE_POINTS];
    int first, count;
} item_t;

struct rj_group_stats {
    shard_t shards[SHARDS];
    pthread_mutex_t lock; /* items */
    rj_hashmap_t *items;  /* "topic@group" -> item_t * */
};

static atomic_uint next_shard;
static _Thread_local int my_shard = -1;

int
rj_group_stats_create(rj_group_stats_t **out)
{
    rj_group_stats_t *s = rj_calloc(1, sizeof(*s));
    if (s == NULL) {
        return RJ_ENOMEM;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->items = rj_hashmap_create(64);
    bool ok = s->items != NULL;
    for (int i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&s->shards[i].lock, NULL);
        s->shards[i].counters = rj_hashmap_create(64);
        ok = ok && s->shards[i].counters != NULL;
    }
    if (!ok) {
        rj_group_stats_destroy(s);
        return RJ_ENOMEM;
    }
    *out = s;
    return 0;
}

void
rj_group_stats_destroy(rj_group_stats_t *s)
{
    if (s == NULL) {
        return;
    }
    for (int i = 0; i < SHARDS; i++) {
        if (s->shards[i].counters != NULL) {
            rj_hashmap_destroy(s->shards[i].counters, rj_free);
        }
        pthread_mutex_destroy(&s->shards[i].lock);
    }
    if (s->items != NULL) {
        rj_hashmap_destroy(s->items, rj_free);
    }
    pthread_mutex_destroy(&s->lock);
    rj_free(s);
}

/* buildStatsKey(topic, group): "topic@group". Length, or 0 if it does not fit. */
static size_t
make_key(rj_bytes_t topic, rj_bytes_t group, char *key)
{
    if (topic.len + 1 + group.len > KEY_MAX) {
        return 0;
    }
    memcpy(key, topic.data, topic.len);
    key[topic.len] = '@';
    memcpy(key + topic.len + 1, group.data, group.len);
    return topic.len + 1 + group.len;
}

void
rj_group_stats_add(rj_group_stats_t *s, rj_bytes_t topic, rj_bytes_t group, uint64_t msgs)
{
    char key[KEY_MAX];
    size_t len = make_key(topic, group, key);
    if (len == 0 || msgs == 0) {
        return;
    }
    if (my_shard < 0) {
        my_shard = (int)(atomic_fetch_add(&next_shard, 1) % SHARDS);
    }
    shard_t *sh = &s->shards[my_shard];
    pthread_mutex_lock(&sh->lock);
    uint64_t *counter = rj_hashmap_get(sh->counters, key, len);
    if (counter == NULL) {
        /* Once per key and shard, not per pull. */
        counter = rj_calloc(1, sizeof(*counter));
        if (counter != NULL && rj_hashmap_put(sh->counters, key, len, counter, NULL) != 0) {
            rj_free(counter);
            counter = NULL;
        }
    }
    if (counter != NULL) {
        *counter += msgs;
    }
    pthread_mutex_unlock(&sh->lock);
}

static void
item_add_point(item_t *it, int64_t ts_ms, uint64_t value)
{
    if (it->count == MINUTE_POINTS) {
        it->first = (it->first + 1) % MINUTE_POINTS;
        it->count--;
    }
    it->points[(it->first + it->count) % MINUTE_POINTS] = (point_t){ts_ms, value};
    it->count++;
}

void
rj_group_stats_sample(rj_group_stats_t *s, int64_t now_ms)
{
    rj_hashmap_iter_t it;
    const char *key;
    size_t len;
    void *v;
    pthread_mutex_lock(&s->lock);
    rj_hashmap_iter_init(s->items, &it);
    while (rj_hashmap_iter_next(&it, &key, &len, &v)) {
        ((item_t *)v)->sum = 0;
    }
    for (int i = 0; i < SHARDS; i++) {
        shard_t *sh = &s->shards[i];
        pthread_mutex_lock(&sh->lock);
        rj_hashmap_iter_init(sh->counters, &it);
        while (rj_hashmap_iter_next(&it, &key, &len, &v)) {
            item_t *item = rj_hashmap_get(s->items, key, len);
            if (item == NULL) {
                item = rj_calloc(1, sizeof(*item));
                if (item == NULL || rj_hashmap_put(s->items, key, len, item, NULL) != 0) {
                    rj_free(item);
                    continue;
                }
                item->count = -1; /* new: gets the zero snapshot below */
            }
            item->sum += *(uint64_t *)v;
        }
        pthread_mutex_unlock(&sh->lock);
    }
    rj_hashmap_iter_init(s->items, &it);
    while (rj_hashmap_iter_next(&it, &key, &len, &v)) {
        item_t *item = v;
        if (item->count < 0) {
            /* StatsItem.samplingInSeconds starts a list with a zero 10 s earlier. */
            item->count = 0;
            item_add_point(item, now_ms - RJ_GROUP_STATS_SAMPLE_MS, 0);
        }
        item_add_point(item, now_ms, item->sum);
    }
    pthread_mutex_unlock(&s->lock);
}

double
rj_group_stats_tps(rj_group_stats_t *s, rj_bytes_t topic, rj_bytes_t group)
{
    char key[KEY_MAX];
    size_t len = make_key(topic, group, key);
    double tps = 0.0;
    if (len == 0) {
        return 0.0;
    }
    pthread_mutex_lock(&s->lock);
    const item_t *item = rj_hashmap_get(s->items, key, len);
    if (item != NULL && item->count >= 2) {
        const point_t *first = &item->points[item->first];
        const point_t *last = &item->points[(item->first + item->count - 1) % MINUTE_POINTS];
        if (last->ts_ms > first->ts_ms) {
            tps = (double)(last->value - first->value) * 1000.0 /
                  (double)(last->ts_ms - first->ts_ms);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return tps;
}
