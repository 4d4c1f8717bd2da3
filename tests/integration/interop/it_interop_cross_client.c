/*
 * Cross-client interop between the C client and ali-ons 3.12.0 through the
 * broker (two brokers, 4 queues each). it_client_interop covers the basics
 * (body, tag, keys, one property, UNIQ_KEY, one compressed body); here:
 *
 *  - C producer -> ali-ons consumer: the varied messages of
 *    it_add_rich_messages() plus a C batch, each delivered exactly once with
 *    every byte, property and flag unchanged; ali-ons' msgId equals the
 *    offset msgId the C send returned and UNIQ_KEY the C msgId;
 *  - ali-ons producer -> C consumer: the same, the other way round; the C
 *    consumer's msgId (no UNIQ_KEY: the offset id) equals ali-ons' send msgId,
 *    compressed bodies arrive inflated;
 *  - one C and one ali-ons consumer in one clustering group compute the same
 *    split of the 8 queues (same sorted member list, same averaging), and
 *    every message - from both producers - reaches the owner of its queue
 *    exactly once;
 *  - a C and an ali-ons broadcasting consumer of one group each get all.
 */
#include "interop_c_consumer.h"
#include "interop_cluster.h"
#include "interop_expect.h"
#include "interop_node.h"
#include "interop_observe.h"

#include "common/json.h"
#include "support/tempdir.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define QUEUES_PER_BROKER 4
#define ALL_QUEUES (2 * QUEUES_PER_BROKER)
#define MAX_MSGS 64

static it_interop_cluster_t cluster;

static int
group_setup(void **state)
{
    (void)state;
    it_node_preflight();
    it_interop_cluster_start(&cluster, 2);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    return it_interop_cluster_stop(&cluster);
}

static int
test_teardown(void **state)
{
    (void)state;
    it_node_destroy_all();
    return 0;
}

static void
assert_each_once(const int *counts, size_t n, const char *who)
{
    for (size_t i = 0; i < n; i++) {
        if (counts[i] != 1) {
            fail_msg("%s: message %zu delivered %d times", who, i, counts[i]);
        }
    }
}

static void
test_c_producer_to_alions_consumer(void **state)
{
    (void)state;
    const char *topic = "IxC2A";
    it_interop_create_topic(&cluster, topic, QUEUES_PER_BROKER);
    json_t *msgs = json_array();
    it_add_rich_messages(msgs, topic);
    size_t singles = json_array_size(msgs);
    it_msgs_send_c(it_interop_namesrv(&cluster), "ix_c2a_pg", msgs, 0);
    for (int i = 0; i < 3; i++) {
        char body[64], keys[32];
        snprintf(body, sizeof(body), "batch item %d — ✓", i);
        snprintf(keys, sizeof(keys), "bk-%d", i);
        json_t *m = it_msg_add(msgs, topic, "TagBatch", keys, 100 + i, body, strlen(body));
        it_msg_set_prop(m, "batch", "yes ✓");
    }
    it_msgs_send_c_batch(it_interop_namesrv(&cluster), "ix_c2a_pg", msgs, singles);
    size_t n = json_array_size(msgs);

    json_t *opts =
        json_pack("{s:s, s:s, s:s, s:i, s:i}", "namesrv", it_interop_namesrv(&cluster), "topic",
                  topic, "group", "ix_c2a_cg", "expect", (int)n, "settleMs", 1500);
    json_t *events = it_node_run_json("alions-consumer", "alions_consume.js", opts, 40000);
    int counts[MAX_MSGS];
    it_assert_no_errors(events, "ix_c2a_cg");
    it_count_deliveries(events, msgs, counts);
    assert_each_once(counts, n, "ali-ons consumer");
    json_decref(events);
    json_decref(opts);
    json_decref(msgs);
}

typedef struct {
    it_c_consumer_t *c;
    size_t want;
} c_wait_t;

static bool
c_has(void *arg)
{
    c_wait_t *w = arg;
    return it_c_consumer_count(w->c) >= w->want;
}

static void
test_alions_producer_to_c_consumer(void **state)
{
    (void)state;
    const char *topic = "IxA2C";
    it_interop_create_topic(&cluster, topic, QUEUES_PER_BROKER);
    json_t *msgs = json_array();
    it_add_rich_messages(msgs, topic);
    size_t n = json_array_size(msgs);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_a2c_pg", msgs, 0);

    it_c_consumer_t *c =
        it_c_consumer_start(it_interop_namesrv(&cluster), topic, "*", "ix_a2c_cg", false, NULL);
    c_wait_t w = {c, n};
    if (!rj_wait_until(c_has, &w, 20000)) {
        fail_msg("the C consumer got %zu of %zu messages", it_c_consumer_count(c), n);
    }
    /* a duplicate would come with a rebalance (1 s) or a redelivery */
    w.want = n + 1;
    assert_false(rj_wait_until(c_has, &w, 2500));
    json_t *events = it_c_consumer_events(c);
    int counts[MAX_MSGS];
    it_count_deliveries(events, msgs, counts);
    assert_each_once(counts, n, "C consumer");
    json_decref(events);
    it_c_consumer_destroy(c);
    json_decref(msgs);
}

typedef struct {
    it_node_t *alions;
    it_c_consumer_t *c;
    const char *topic;
} mixed_t;

/* The two members own disjoint queue sets that cover all 8. */
static bool
mixed_split(void *arg)
{
    mixed_t *m = arg;
    const json_t *qa = it_owned_queues(m->alions, m->topic);
    json_t *qc = it_c_consumer_owned(m->c, m->topic);
    bool ok = qa != NULL && json_array_size(qa) + json_array_size(qc) == ALL_QUEUES;
    size_t i;
    json_t *q;
    json_array_foreach(qc, i, q)
    {
        ok = ok && !it_queues_contain(qa, rj_json_get_str(q, "broker", ""),
                                      (int)rj_json_get_int(q, "queueId", -1));
    }
    json_decref(qc);
    return ok;
}

typedef struct {
    it_node_t *a;
    it_c_consumer_t *c;
    const json_t *msgs;
    size_t done;
} union_t;

/* Every message was delivered by the ali-ons consumer or the C one. */
static bool
union_complete(void *arg)
{
    union_t *u = arg;
    int ca[MAX_MSGS], cc[MAX_MSGS];
    size_t n = json_array_size(u->msgs);
    json_t *ce = it_c_consumer_events(u->c);
    it_count_deliveries(it_node_events(u->a), u->msgs, ca);
    it_count_deliveries(ce, u->msgs, cc);
    json_decref(ce);
    u->done = 0;
    for (size_t i = 0; i < n; i++) {
        u->done += ca[i] + cc[i] > 0;
    }
    return u->done == n;
}

static void
test_c_and_alions_consumers_share_one_group(void **state)
{
    (void)state;
    const char *topic = "IxMixed", *group = "ix_mixed_cg";
    it_interop_create_topic(&cluster, topic, QUEUES_PER_BROKER);
    json_t *opts = json_pack("{s:s, s:s, s:s, s:i}", "namesrv", it_interop_namesrv(&cluster),
                             "topic", topic, "group", group, "timeoutMs", 60000);
    it_node_t *a = it_node_start_json("alions-member", "alions_consume.js", opts, NULL);
    it_c_consumer_t *c =
        it_c_consumer_start(it_interop_namesrv(&cluster), topic, "*", group, false, NULL);
    mixed_t m = {a, c, topic};
    if (!rj_wait_until(mixed_split, &m, 20000)) {
        json_t *qc = it_c_consumer_owned(c, topic);
        char *text = json_dumps(qc, JSON_COMPACT);
        it_node_dump(a);
        fail_msg("C and ali-ons members did not agree on a split; C owns %s", text);
    }
    assert_int_equal(json_array_size(it_owned_queues(a, topic)), ALL_QUEUES / 2);

    json_t *msgs = json_array();
    for (int i = 0; i < 24; i++) {
        char body[64];
        snprintf(body, sizeof(body), "mixed #%d", i);
        it_msg_add(msgs, topic, i % 2 ? "TagM" : "TagN", NULL, i, body, strlen(body));
    }
    /* half from each producer */
    json_t *first = json_array();
    for (size_t i = 0; i < 12; i++) {
        json_array_append(first, json_array_get(msgs, i));
    }
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_mixed_pg", first, 0);
    json_decref(first);
    it_msgs_send_c(it_interop_namesrv(&cluster), "ix_mixed_pg", msgs, 12);

    /* all delivered between the two, then two more ali-ons rebalances for duplicates */
    union_t u = {a, c, msgs, 0};
    if (!rj_wait_until(union_complete, &u, 20000)) {
        it_node_dump(a);
        fail_msg("only %zu of 24 messages delivered in the mixed group", u.done);
    }
    int ca[24], cc[24];
    json_t *qa = json_incref((json_t *)it_owned_queues(a, topic));
    json_t *qc = it_c_consumer_owned(c, topic);
    it_wait_rebalances(&a, 1, 2, 10000);
    assert_int_equal(it_node_stop(a, 10000), 0);
    json_t *ce = it_c_consumer_events(c);
    it_assert_no_errors(it_node_events(a), group);
    it_count_deliveries(it_node_events(a), msgs, ca);
    it_count_deliveries(ce, msgs, cc);
    for (size_t i = 0; i < 24; i++) {
        const json_t *sent = json_object_get(json_array_get(msgs, i), "sent");
        const char *broker = rj_json_get_str(sent, "broker", "");
        int qid = (int)rj_json_get_int(sent, "queueId", -1);
        if (ca[i] + cc[i] != 1) {
            fail_msg("message %zu delivered %d times (ali-ons %d, C %d)", i, ca[i] + cc[i], ca[i],
                     cc[i]);
        }
        bool alions_owns = it_queues_contain(qa, broker, qid);
        assert_true(alions_owns != it_queues_contain(qc, broker, qid));
        if ((ca[i] == 1) != alions_owns) {
            fail_msg("message %zu of %s/%d went to the %s member, the queue belongs to the other",
                     i, broker, qid, ca[i] ? "ali-ons" : "C");
        }
    }
    json_decref(ce);
    json_decref(qa);
    json_decref(qc);
    it_c_consumer_destroy(c);
    it_node_destroy(a);
    json_decref(msgs);
    json_decref(opts);
}

static void
test_c_and_alions_broadcasting_each_get_all(void **state)
{
    (void)state;
    const char *topic = "IxMixedBc", *group = "ix_mixed_bc_cg";
    it_interop_create_topic(&cluster, topic, QUEUES_PER_BROKER);
    /* eight from each producer, sent before the consumers start */
    json_t *msgs = json_array();
    for (int i = 0; i < 16; i++) {
        char body[64];
        snprintf(body, sizeof(body), "broadcast #%d ✓", i);
        it_msg_add(msgs, topic, "TagBc", NULL, i, body, strlen(body));
    }
    json_t *first = json_array();
    for (size_t i = 0; i < 8; i++) {
        json_array_append(first, json_array_get(msgs, i));
    }
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_mixed_bc_pg", first, 0);
    json_decref(first);
    it_msgs_send_c(it_interop_namesrv(&cluster), "ix_mixed_bc_pg", msgs, 8);

    char *home;
    assert_int_equal(rj_tempdir_create("bc-offsets", &home), 0);
    json_t *opts = json_pack("{s:s, s:s, s:s, s:b, s:s, s:i, s:i}", "namesrv",
                             it_interop_namesrv(&cluster), "topic", topic, "group", group,
                             "broadcast", 1, "instanceName", "bcx", "expect", 16, "settleMs", 1500);
    it_node_t *a = it_node_start_json("alions-broadcast", "alions_consume.js", opts, home);
    it_c_consumer_t *c =
        it_c_consumer_start(it_interop_namesrv(&cluster), topic, "*", group, true, home);
    assert_int_equal(it_node_wait(a, 40000), 0);
    c_wait_t w = {c, 16};
    if (!rj_wait_until(c_has, &w, 20000)) {
        fail_msg("the C broadcasting consumer got %zu of 16", it_c_consumer_count(c));
    }
    w.want = 17;
    assert_false(rj_wait_until(c_has, &w, 1500));
    int ca[16], cc[16];
    json_t *ce = it_c_consumer_events(c);
    it_assert_no_errors(it_node_events(a), group);
    it_count_deliveries(it_node_events(a), msgs, ca);
    it_count_deliveries(ce, msgs, cc);
    assert_each_once(ca, 16, "ali-ons broadcasting consumer");
    assert_each_once(cc, 16, "C broadcasting consumer");
    json_decref(ce);
    it_c_consumer_destroy(c);
    it_node_destroy(a);
    rj_tempdir_remove(home);
    json_decref(opts);
    json_decref(msgs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_c_producer_to_alions_consumer, test_teardown),
        cmocka_unit_test_teardown(test_alions_producer_to_c_consumer, test_teardown),
        cmocka_unit_test_teardown(test_c_and_alions_consumers_share_one_group, test_teardown),
        cmocka_unit_test_teardown(test_c_and_alions_broadcasting_each_get_all, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
