/* Conditions on running ali-ons consumers (see interop_observe.h). */
#include "interop_observe.h"

#include "common/json.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define MAX_WATCHED 8

const json_t *
it_owned_queues(it_node_t *n, const char *topic)
{
    const json_t *e = it_events_last(it_node_events(n), "queues", topic);
    return e != NULL ? json_object_get(e, "queues") : NULL;
}

bool
it_queues_contain(const json_t *queues, const char *broker, int queue_id)
{
    size_t i;
    json_t *q;
    json_array_foreach(queues, i, q)
    {
        if (strcmp(rj_json_get_str(q, "broker", ""), broker) == 0 &&
            rj_json_get_int(q, "queueId", -1) == queue_id) {
            return true;
        }
    }
    return false;
}

int
it_rebalance_count(it_node_t *n)
{
    const json_t *e = it_events_last(it_node_events(n), "rebalance", NULL);
    return e != NULL ? (int)rj_json_get_int(e, "n", 0) : 0;
}

static void
dump_all(it_node_t **nodes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        it_node_dump(nodes[i]);
    }
}

typedef struct {
    it_node_t **nodes;
    size_t count;
    const char *topic;
    size_t total;
    size_t from, to;
    int target[MAX_WATCHED];
} watch_t;

static bool
owned_exactly(void *arg)
{
    watch_t *w = arg;
    const json_t *q = it_owned_queues(w->nodes[0], w->topic);
    return q != NULL && json_array_size(q) == w->total;
}

void
it_wait_owned(it_node_t *n, const char *topic, size_t count, int timeout_ms)
{
    watch_t w = {.nodes = &n, .count = 1, .topic = topic, .total = count};
    if (!rj_wait_until(owned_exactly, &w, timeout_ms)) {
        it_node_dump(n);
        fail_msg("consumer does not own %zu queues of %s after %d ms", count, topic, timeout_ms);
    }
}

static bool
partitioned(void *arg)
{
    watch_t *w = arg;
    size_t sum = 0;
    for (size_t i = 0; i < w->count; i++) {
        const json_t *qi = it_owned_queues(w->nodes[i], w->topic);
        if (qi == NULL) {
            return false;
        }
        sum += json_array_size(qi);
        for (size_t j = i + 1; j < w->count; j++) {
            const json_t *qj = it_owned_queues(w->nodes[j], w->topic);
            size_t k;
            json_t *q;
            json_array_foreach(qi, k, q)
            {
                if (qj == NULL || it_queues_contain(qj, rj_json_get_str(q, "broker", ""),
                                                    (int)rj_json_get_int(q, "queueId", -1))) {
                    return false;
                }
            }
        }
    }
    return sum == w->total;
}

void
it_wait_partition(it_node_t **nodes, size_t count, const char *topic, size_t total, int timeout_ms)
{
    watch_t w = {.nodes = nodes, .count = count, .topic = topic, .total = total};
    if (!rj_wait_until(partitioned, &w, timeout_ms)) {
        dump_all(nodes, count);
        fail_msg("the %zu consumers did not split the %zu queues of %s within %d ms", count, total,
                 topic, timeout_ms);
    }
}

static bool
enough_deliveries(void *arg)
{
    watch_t *w = arg;
    return it_events_count(it_node_events(w->nodes[0]), "msg") >= w->total;
}

void
it_wait_deliveries(it_node_t *n, size_t count, int timeout_ms)
{
    watch_t w = {.nodes = &n, .count = 1, .total = count};
    if (!rj_wait_until(enough_deliveries, &w, timeout_ms)) {
        it_node_dump(n);
        fail_msg("consumer made fewer than %zu deliveries within %d ms", count, timeout_ms);
    }
}

static bool
all_delivered(void *arg)
{
    watch_t *w = arg;
    for (size_t seq = w->from; seq < w->to; seq++) {
        char id[32];
        bool got = false;
        snprintf(id, sizeof(id), "%zu", seq);
        for (size_t i = 0; i < w->count && !got; i++) {
            size_t k;
            json_t *e;
            json_array_foreach(it_node_events(w->nodes[i]), k, e)
            {
                if (strcmp(rj_json_get_str(e, "ev", ""), "msg") == 0 &&
                    strcmp(rj_json_get_str(e, "id", ""), id) == 0) {
                    got = true;
                    break;
                }
            }
        }
        if (!got) {
            w->total = seq; /* first missing, for the message */
            return false;
        }
    }
    return true;
}

void
it_wait_delivered(it_node_t **nodes, size_t count, size_t from, size_t to, int timeout_ms)
{
    watch_t w = {.nodes = nodes, .count = count, .from = from, .to = to};
    if (!rj_wait_until(all_delivered, &w, timeout_ms)) {
        dump_all(nodes, count);
        fail_msg("message seq %zu (of %zu..%zu) not delivered within %d ms", w.total, from, to,
                 timeout_ms);
    }
}

static bool
rebalanced(void *arg)
{
    watch_t *w = arg;
    for (size_t i = 0; i < w->count; i++) {
        if (it_rebalance_count(w->nodes[i]) < w->target[i]) {
            return false;
        }
    }
    return true;
}

void
it_wait_rebalances(it_node_t **nodes, size_t count, int more, int timeout_ms)
{
    watch_t w = {.nodes = nodes, .count = count};
    assert_true(count <= MAX_WATCHED);
    for (size_t i = 0; i < count; i++) {
        w.target[i] = it_rebalance_count(nodes[i]) + more;
    }
    if (!rj_wait_until(rebalanced, &w, timeout_ms)) {
        dump_all(nodes, count);
        fail_msg("consumers did not rebalance %d more times within %d ms", more, timeout_ms);
    }
}

const json_t *
it_start_event(it_node_t *n, const char *topic, const char *broker, int queue_id)
{
    const json_t *events = it_node_events(n);
    size_t end = json_array_size(events);
    for (size_t i = 0; i < end; i++) {
        if (strcmp(rj_json_get_str(json_array_get(events, i), "ev", ""), "closing") == 0) {
            end = i;
        }
    }
    for (size_t i = end; i > 0; i--) {
        const json_t *e = json_array_get(events, i - 1);
        if (strcmp(rj_json_get_str(e, "ev", ""), "start") == 0 &&
            strcmp(rj_json_get_str(e, "topic", ""), topic) == 0 &&
            strcmp(rj_json_get_str(e, "broker", ""), broker) == 0 &&
            rj_json_get_int(e, "queueId", -1) == queue_id) {
            return e;
        }
    }
    return NULL;
}

void
it_assert_no_errors(const json_t *events, const char *group)
{
    char tolerated[512];
    snprintf(tolerated, sizeof(tolerated),
             "No topic route info in name server for the topic: %%RETRY%%%s\n", group);
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (strcmp(rj_json_get_str(e, "ev", ""), "closing") == 0) {
            break;
        }
        if (strcmp(rj_json_get_str(e, "ev", ""), "error") != 0) {
            continue;
        }
        const char *msg = rj_json_get_str(e, "message", "");
        if (strstr(msg, tolerated) == NULL) {
            fail_msg("ali-ons reported an error: %s", msg);
        }
    }
}
