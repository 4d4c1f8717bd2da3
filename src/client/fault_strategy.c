/*
 * Fault strategy. The round-robin position is per sending thread and per
 * publish info, as Java's ThreadLocalIndex: a small thread-local table keyed
 * by the publish info's id, each position starting at a random queue. So
 * sender threads share no counter (no cache line bouncing between cores),
 * and one thread alternating between topics still walks each topic's queues
 * in turn. Fault items are a small array under a mutex, touched only when
 * fault avoidance is enabled.
 */
#include "client/fault_strategy.h"

#include "common/alloc.h"
#include "common/clock.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rj_fault_item {
    char name[128];
    int64_t latency_ms;
    int64_t available_from_ms; /* wall clock, as Java's startTimestamp */
};

static const int64_t latency_max[] = {50, 100, 550, 1000, 2000, 3000, 15000};
static const int64_t not_available_duration[] = {0, 0, 30000, 60000, 120000, 180000, 600000};

void
rj_fault_strategy_init(rj_fault_strategy_t *fs, bool enabled)
{
    memset(fs, 0, sizeof(*fs));
    fs->enabled = enabled;
    pthread_mutex_init(&fs->lock, NULL);
}

void
rj_fault_strategy_cleanup(rj_fault_strategy_t *fs)
{
    pthread_mutex_destroy(&fs->lock);
    rj_free(fs->items);
    fs->items = NULL;
}

int64_t
rj_fault_strategy_penalty_ms(int64_t latency_ms)
{
    for (int i = (int)(sizeof(latency_max) / sizeof(latency_max[0])) - 1; i >= 0; i--) {
        if (latency_ms >= latency_max[i]) {
            return not_available_duration[i];
        }
    }
    return 0;
}

static rj_fault_item_t *
find_item_locked(rj_fault_strategy_t *fs, const char *name)
{
    for (size_t i = 0; i < fs->count; i++) {
        if (strcmp(fs->items[i].name, name) == 0) {
            return &fs->items[i];
        }
    }
    return NULL;
}

static bool
item_available(const rj_fault_item_t *it, int64_t now)
{
    return now - it->available_from_ms >= 0;
}

bool
rj_fault_strategy_is_available(rj_fault_strategy_t *fs, const char *broker)
{
    bool ok = true;

    if (!fs->enabled) {
        return true;
    }
    pthread_mutex_lock(&fs->lock);
    rj_fault_item_t *it = find_item_locked(fs, broker);
    if (it != NULL) {
        ok = item_available(it, rj_clock_wall_ms());
    }
    pthread_mutex_unlock(&fs->lock);
    return ok;
}

void
rj_fault_strategy_update(rj_fault_strategy_t *fs, const char *broker, int64_t latency_ms,
                         bool isolation)
{
    if (!fs->enabled) {
        return;
    }
    int64_t duration = rj_fault_strategy_penalty_ms(isolation ? 30000 : latency_ms);
    pthread_mutex_lock(&fs->lock);
    rj_fault_item_t *it = find_item_locked(fs, broker);
    if (it == NULL) {
        if (fs->count == fs->cap) {
            size_t ncap = fs->cap == 0 ? 4 : fs->cap * 2;
            rj_fault_item_t *n = rj_realloc(fs->items, ncap * sizeof(*n));
            if (n == NULL) {
                pthread_mutex_unlock(&fs->lock);
                return;
            }
            fs->items = n;
            fs->cap = ncap;
        }
        it = &fs->items[fs->count++];
        memset(it, 0, sizeof(*it));
        snprintf(it->name, sizeof(it->name), "%s", broker);
    }
    it->latency_ms = latency_ms;
    it->available_from_ms = rj_clock_wall_ms() + duration;
    pthread_mutex_unlock(&fs->lock);
}

/* Publish infos a thread keeps a position for at once (direct-mapped by id). */
#define RR_SLOTS 16

typedef struct {
    uint64_t id; /* 0: empty (ids start at 1) */
    unsigned pos;
} rr_slot_t;

static _Thread_local rr_slot_t rr_slots[RR_SLOTS];
static _Thread_local uint64_t rr_seed;

/* A random start position (xorshift64*, seeded per thread from its address and the clock). */
static unsigned
random_start(void)
{
    if (rr_seed == 0) {
        rr_seed = (rj_clock_mono_ns() ^ (uint64_t)(uintptr_t)&rr_seed) | 1;
    }
    rr_seed ^= rr_seed >> 12;
    rr_seed ^= rr_seed << 25;
    rr_seed ^= rr_seed >> 27;
    return (unsigned)((rr_seed * 0x2545F4914F6CDD1Dull) >> 33);
}

/* The calling thread's next round-robin value for `pi`. */
static unsigned
next_position(const rj_publish_info_t *pi)
{
    rr_slot_t *s = &rr_slots[pi->id % RR_SLOTS];
    if (s->id != pi->id) {
        s->id = pi->id;
        s->pos = random_start();
    }
    return ++s->pos;
}

static size_t
next_index(rj_publish_info_t *pi)
{
    return (size_t)(next_position(pi) % (unsigned)pi->queue_count);
}

static const char *
queue_broker(const rj_publish_info_t *pi, size_t i)
{
    return pi->brokers[pi->queue_broker[i]].name;
}

/* Java LatencyFaultToleranceImpl.pickOneAtLeast: sort (available first, lower
 * latency, earlier end), take one of the better half in turn. */
static int
compare_items(const void *a, const void *b, int64_t now)
{
    const rj_fault_item_t *x = a, *y = b;
    bool xa = item_available(x, now), ya = item_available(y, now);
    if (xa != ya) {
        return xa ? -1 : 1;
    }
    if (x->latency_ms != y->latency_ms) {
        return x->latency_ms < y->latency_ms ? -1 : 1;
    }
    if (x->available_from_ms != y->available_from_ms) {
        return x->available_from_ms < y->available_from_ms ? -1 : 1;
    }
    return 0;
}

static bool
pick_one_at_least_locked(rj_fault_strategy_t *fs, char *out, size_t size)
{
    int64_t now = rj_clock_wall_ms();

    if (fs->count == 0) {
        return false;
    }
    /* Insertion sort of a small array: a handful of brokers. */
    for (size_t i = 1; i < fs->count; i++) {
        rj_fault_item_t tmp = fs->items[i];
        size_t j = i;
        while (j > 0 && compare_items(&fs->items[j - 1], &tmp, now) > 0) {
            fs->items[j] = fs->items[j - 1];
            j--;
        }
        fs->items[j] = tmp;
    }
    size_t half = fs->count / 2;
    size_t pick = half == 0 ? 0 : (++fs->which_worst) % half;
    snprintf(out, size, "%s", fs->items[pick].name);
    return true;
}

static void
remove_item_locked(rj_fault_strategy_t *fs, const char *name)
{
    for (size_t i = 0; i < fs->count; i++) {
        if (strcmp(fs->items[i].name, name) == 0) {
            fs->items[i] = fs->items[--fs->count];
            return;
        }
    }
}

size_t
rj_fault_strategy_select(rj_fault_strategy_t *fs, rj_publish_info_t *pi, const char *last_broker,
                         int32_t *queue_id_override)
{
    *queue_id_override = -1;
    if (fs->enabled) {
        for (size_t i = 0; i < pi->queue_count; i++) {
            size_t pos = next_index(pi);
            if (rj_fault_strategy_is_available(fs, queue_broker(pi, pos))) {
                return pos;
            }
        }
        char name[128];
        pthread_mutex_lock(&fs->lock);
        bool found = pick_one_at_least_locked(fs, name, sizeof(name));
        if (found) {
            const rj_publish_broker_t *b = rj_publish_info_broker(pi, name);
            if (b == NULL || b->write_queue_nums <= 0) {
                remove_item_locked(fs, name);
                found = false;
            }
        }
        pthread_mutex_unlock(&fs->lock);
        if (found) {
            const rj_publish_broker_t *b = rj_publish_info_broker(pi, name);
            size_t base = next_index(pi);
            /* Use a queue of the least bad broker: find one of its entries. */
            for (size_t i = 0; i < pi->queue_count; i++) {
                size_t pos = (base + i) % pi->queue_count;
                if (strcmp(queue_broker(pi, pos), name) == 0) {
                    unsigned idx = next_position(pi);
                    *queue_id_override = (int32_t)(idx % (unsigned)b->write_queue_nums);
                    return pos;
                }
            }
        }
        return next_index(pi);
    }
    if (last_broker != NULL) {
        for (size_t i = 0; i < pi->queue_count; i++) {
            size_t pos = next_index(pi);
            if (strcmp(queue_broker(pi, pos), last_broker) != 0) {
                return pos;
            }
        }
    }
    return next_index(pi);
}
