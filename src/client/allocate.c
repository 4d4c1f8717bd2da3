/*
 * Allocation strategies. Averagely and ByCircle are index arithmetic; the
 * consistent hash builds Java's ring: for every client id, virtual nodes
 * "<id>-<i>" (i < 10) placed at the first 4 MD5 bytes (big-endian, unsigned),
 * later puts with an equal position replacing earlier ones as in a TreeMap;
 * a queue "MessageQueue [topic=T, brokerName=B, queueId=N]" goes to the first
 * node at or after its own position, wrapping around.
 */
#include "client/allocate.h"

#include "client/md5.h"
#include "common/alloc.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONSISTENT_HASH_VNODES 10

static int
compare_queues(const void *a, const void *b)
{
    const rj_message_queue_t *x = a, *y = b;
    int c = strcmp(x->topic, y->topic);
    if (c != 0) {
        return c;
    }
    c = strcmp(x->broker_name, y->broker_name);
    if (c != 0) {
        return c;
    }
    return (x->queue_id > y->queue_id) - (x->queue_id < y->queue_id);
}

void
rj_allocate_sort_queues(rj_message_queue_t *mqs, size_t count)
{
    if (count > 1) {
        qsort(mqs, count, sizeof(*mqs), compare_queues);
    }
}

static int
compare_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
rj_allocate_sort_ids(const char **ids, size_t count)
{
    if (count > 1) {
        qsort(ids, count, sizeof(*ids), compare_ids);
    }
}

const char *
rj_allocate_strategy_name(rj_allocate_strategy_t strategy)
{
    switch (strategy) {
    case RJ_ALLOCATE_AVERAGELY:
        return "AVG";
    case RJ_ALLOCATE_AVERAGELY_BY_CIRCLE:
        return "AVG_BY_CIRCLE";
    case RJ_ALLOCATE_CONSISTENT_HASH:
        return "CONSISTENT_HASH";
    }
    return "?";
}

static void
allocate_averagely(size_t n, size_t c, size_t i, size_t *out, size_t *out_count)
{
    size_t mod = n % c;
    size_t avg = n <= c ? 1 : (mod > 0 && i < mod ? n / c + 1 : n / c);
    size_t start = (mod > 0 && i < mod) ? i * avg : i * avg + mod;
    size_t range = start < n ? (avg < n - start ? avg : n - start) : 0;

    for (size_t k = 0; k < range; k++) {
        out[(*out_count)++] = (start + k) % n;
    }
}

static void
allocate_by_circle(size_t n, size_t c, size_t i, size_t *out, size_t *out_count)
{
    for (size_t j = i; j < n; j++) {
        if (j % c == i) {
            out[(*out_count)++] = j;
        }
    }
}

typedef struct {
    uint32_t pos;
    size_t client; /* index into cid_all */
    size_t seq;    /* insertion order, so the latest equal position wins */
} ring_node_t;

static uint32_t
md5_position(const char *text, size_t len)
{
    uint8_t d[16];

    rj_md5(text, len, d);
    return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | (uint32_t)d[3];
}

static int
compare_nodes(const void *a, const void *b)
{
    const ring_node_t *x = a, *y = b;
    if (x->pos != y->pos) {
        return x->pos < y->pos ? -1 : 1;
    }
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int
allocate_consistent_hash(const rj_message_queue_t *mq_all, size_t n, const char *const *cid_all,
                         size_t c, size_t self, size_t *out, size_t *out_count)
{
    size_t total = c * CONSISTENT_HASH_VNODES;
    ring_node_t *ring = rj_calloc(total, sizeof(*ring));
    size_t used = 0;
    char key[1024];

    if (ring == NULL) {
        return RJ_ENOMEM;
    }
    for (size_t ci = 0; ci < c; ci++) {
        for (int v = 0; v < CONSISTENT_HASH_VNODES; v++) {
            int len = snprintf(key, sizeof(key), "%s-%d", cid_all[ci], v);
            if (len < 0 || (size_t)len >= sizeof(key)) {
                len = (int)sizeof(key) - 1;
            }
            ring[used].pos = md5_position(key, (size_t)len);
            ring[used].client = ci;
            ring[used].seq = used;
            used++;
        }
    }
    qsort(ring, used, sizeof(*ring), compare_nodes);
    /* Equal positions: keep only the last inserted (TreeMap.put replaces). */
    size_t w = 0;
    for (size_t r = 0; r < used; r++) {
        if (w > 0 && ring[w - 1].pos == ring[r].pos) {
            ring[w - 1] = ring[r];
        } else {
            ring[w++] = ring[r];
        }
    }
    used = w;
    for (size_t q = 0; q < n; q++) {
        int len = snprintf(key, sizeof(key), "MessageQueue [topic=%s, brokerName=%s, queueId=%d]",
                           mq_all[q].topic, mq_all[q].broker_name, (int)mq_all[q].queue_id);
        if (len < 0 || (size_t)len >= sizeof(key)) {
            len = (int)sizeof(key) - 1;
        }
        uint32_t pos = md5_position(key, (size_t)len);
        size_t lo = 0, hi = used;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ring[mid].pos < pos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        const ring_node_t *node = &ring[lo < used ? lo : 0];
        if (node->client == self) {
            out[(*out_count)++] = q;
        }
    }
    rj_free(ring);
    return RJ_OK;
}

int
rj_allocate(rj_allocate_strategy_t strategy, const rj_message_queue_t *mq_all, size_t mq_count,
            const char *const *cid_all, size_t cid_count, const char *current_id, size_t *out,
            size_t *out_count)
{
    size_t self = SIZE_MAX;

    if (out_count == NULL) {
        return RJ_EINVAL;
    }
    *out_count = 0;
    if (current_id == NULL || current_id[0] == '\0' || mq_all == NULL || mq_count == 0 ||
        cid_all == NULL || cid_count == 0 || out == NULL) {
        return RJ_EINVAL;
    }
    for (size_t i = 0; i < cid_count; i++) {
        if (strcmp(cid_all[i], current_id) == 0) {
            self = i;
            break;
        }
    }
    if (self == SIZE_MAX) {
        return RJ_OK;
    }
    switch (strategy) {
    case RJ_ALLOCATE_AVERAGELY:
        allocate_averagely(mq_count, cid_count, self, out, out_count);
        return RJ_OK;
    case RJ_ALLOCATE_AVERAGELY_BY_CIRCLE:
        allocate_by_circle(mq_count, cid_count, self, out, out_count);
        return RJ_OK;
    case RJ_ALLOCATE_CONSISTENT_HASH:
        return allocate_consistent_hash(mq_all, mq_count, cid_all, cid_count, self, out, out_count);
    }
    return RJ_EINVAL;
}
