/*
 * Interop with ali-ons 3.12.0, several consumers at once, on two brokers
 * (broker-a, broker-b; 4 queues each):
 *
 *  - two consumers of one clustering group split the 8 queues (disjoint,
 *    4 each); once they have, every message goes to the owner of its queue,
 *    exactly once; the second member resumes the queues it takes over at
 *    the offsets the first committed, so nothing consumed before is repeated;
 *  - two groups each get every message exactly once;
 *  - two broadcasting consumers of one group each get every message exactly
 *    once, and keep their progress in their local offset files, not on the
 *    broker.
 * Duplicates are looked for until every consumer finished two more
 * rebalances after the last delivery.
 */
#include "interop_cluster.h"
#include "interop_expect.h"
#include "interop_node.h"
#include "interop_observe.h"

#include "common/fs.h"
#include "common/json.h"
#include "ramjet/ramjet.h"
#include "support/tempdir.h"
#include "support/wait.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define QUEUES_PER_BROKER 4
#define ALL_QUEUES (2 * QUEUES_PER_BROKER)

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

/* Appends messages seq from..from+n-1 with alternating tags and a key each. */
static void
add_messages(json_t *msgs, const char *topic, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        size_t seq = json_array_size(msgs);
        char body[96], keys[32];
        snprintf(body, sizeof(body), "group message #%zu — ✓", seq);
        snprintf(keys, sizeof(keys), "gk-%zu", seq);
        json_t *m = it_msg_add(msgs, topic, seq % 2 ? "TagOdd" : "TagEven", keys, (int32_t)seq,
                               body, strlen(body));
        it_msg_set_prop(m, "phase", seq < 16 ? "one" : "two");
    }
}

static json_t *
consumer_opts(const char *topic, const char *group)
{
    return json_pack("{s:s, s:s, s:s, s:i}", "namesrv", it_interop_namesrv(&cluster), "topic",
                     topic, "group", group, "timeoutMs", 60000);
}

/* Deliveries of one consumer, counted per seq into counts[0..n). */
static void
count_of(it_node_t *c, const json_t *msgs, int *counts)
{
    it_count_deliveries(it_node_events(c), msgs, counts);
}

typedef struct {
    const char *group;
    const char *topic;
    int64_t want[ALL_QUEUES];
} committed_t;

static bool
committed_at(void *arg)
{
    committed_t *c = arg;
    for (int b = 0; b < 2; b++) {
        for (int q = 0; q < QUEUES_PER_BROKER; q++) {
            if (it_interop_consumer_offset(&cluster, c->group, c->topic, it_interop_broker_name(b),
                                           q) != c->want[b * QUEUES_PER_BROKER + q]) {
                return false;
            }
        }
    }
    return true;
}

static void
test_two_consumers_split_queues(void **state)
{
    (void)state;
    const char *topic = "IxSplit", *group = "ix_split_cg";
    it_interop_create_topic(&cluster, topic, QUEUES_PER_BROKER);
    json_t *opts = consumer_opts(topic, group);
    json_t *msgs = json_array();

    /* Phase 1: A alone owns everything and consumes 16 messages. */
    it_node_t *a = it_node_start_json("consumer-A", "alions_consume.js", opts, NULL);
    it_wait_owned(a, topic, ALL_QUEUES, 20000);
    add_messages(msgs, topic, 16);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_split_pg", msgs, 0);
    it_wait_delivered(&a, 1, 0, 16, 20000);
    /* ... and its progress reaches the broker (periodic one-way commits). */
    committed_t c = {group, topic, {0}};
    for (int b = 0; b < 2; b++) {
        for (int q = 0; q < QUEUES_PER_BROKER; q++) {
            c.want[b * QUEUES_PER_BROKER + q] =
                it_interop_max_offset(&cluster, topic, it_interop_broker_name(b), q);
        }
    }
    if (!rj_wait_until(committed_at, &c, 10000)) {
        it_node_dump(a);
        fail_msg("the offsets A consumed were not committed on the brokers");
    }

    /* Phase 2: B joins; they split the queues, then 32 more messages. */
    it_node_t *b = it_node_start_json("consumer-B", "alions_consume.js", opts, NULL);
    it_node_t *both[2] = {a, b};
    it_wait_partition(both, 2, topic, ALL_QUEUES, 20000);
    assert_int_equal(json_array_size(it_owned_queues(a, topic)), ALL_QUEUES / 2);
    assert_int_equal(json_array_size(it_owned_queues(b, topic)), ALL_QUEUES / 2);

    /* The brokers list both members (ali-ons asks broker-a for the list). */
    rj_admin_t *admin;
    char *ids;
    size_t nids;
    assert_int_equal(rj_admin_create(it_interop_namesrv(&cluster), &admin), RJ_OK);
    assert_int_equal(rj_admin_consumer_ids(admin, topic, group, &ids, &nids), RJ_OK);
    assert_int_equal(nids, 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *ready = it_events_last(it_node_events(both[i]), "ready", NULL);
        const char *want = rj_json_get_str(ready, "clientId", "?");
        bool listed = strcmp(ids, want) == 0 || strcmp(ids + strlen(ids) + 1, want) == 0;
        if (!listed) {
            fail_msg("client %s is not in the group's consumer list", want);
        }
    }
    rj_admin_free(ids);
    rj_admin_destroy(admin);

    add_messages(msgs, topic, 32);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_split_pg", msgs, 16);
    it_wait_delivered(both, 2, 16, 48, 20000);
    it_wait_rebalances(both, 2, 2, 10000);
    const json_t *qa = json_incref((json_t *)it_owned_queues(a, topic));
    const json_t *qb = json_incref((json_t *)it_owned_queues(b, topic));
    assert_int_equal(it_node_stop(a, 10000), 0);
    assert_int_equal(it_node_stop(b, 10000), 0);

    int ca[48], cb[48];
    it_assert_no_errors(it_node_events(a), group);
    it_assert_no_errors(it_node_events(b), group);
    count_of(a, msgs, ca);
    count_of(b, msgs, cb);
    for (size_t i = 0; i < 48; i++) {
        const json_t *sent = json_object_get(json_array_get(msgs, i), "sent");
        const char *broker = rj_json_get_str(sent, "broker", "");
        int qid = (int)rj_json_get_int(sent, "queueId", -1);
        if (i < 16) {
            if (ca[i] != 1 || cb[i] != 0) {
                fail_msg("phase-1 message %zu: A got it %d times, B %d", i, ca[i], cb[i]);
            }
            continue;
        }
        if (ca[i] + cb[i] != 1) {
            fail_msg("message %zu delivered %d times (A %d, B %d)", i, ca[i] + cb[i], ca[i], cb[i]);
        }
        bool owner_a = it_queues_contain(qa, broker, qid);
        if ((ca[i] == 1) != owner_a) {
            fail_msg("message %zu of %s/%d went to %s, the queue belongs to %s", i, broker, qid,
                     ca[i] ? "A" : "B", owner_a ? "A" : "B");
        }
    }
    /* B started its queues where A's committed progress was. */
    size_t k;
    json_t *q;
    json_array_foreach(qb, k, q)
    {
        const char *broker = rj_json_get_str(q, "broker", "");
        int qid = (int)rj_json_get_int(q, "queueId", -1);
        int bi = strcmp(broker, "broker-a") == 0 ? 0 : 1;
        const json_t *start = it_start_event(b, topic, broker, qid);
        assert_non_null(start);
        assert_int_equal(rj_json_get_int(start, "offset", -1),
                         c.want[bi * QUEUES_PER_BROKER + qid]);
    }
    json_decref((json_t *)qa);
    json_decref((json_t *)qb);
    it_node_destroy(a);
    it_node_destroy(b);
    json_decref(msgs);
    json_decref(opts);
}

static void
test_two_groups_each_get_everything(void **state)
{
    (void)state;
    const char *topic = "IxTwoGroups";
    it_interop_create_topic(&cluster, topic, QUEUES_PER_BROKER);
    json_t *msgs = json_array();
    add_messages(msgs, topic, 10);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_groups_pg", msgs, 0);

    json_t *o1 = consumer_opts(topic, "ix_group_one");
    json_t *o2 = consumer_opts(topic, "ix_group_two");
    it_node_t *g[2] = {it_node_start_json("group-one", "alions_consume.js", o1, NULL),
                       it_node_start_json("group-two", "alions_consume.js", o2, NULL)};
    it_wait_owned(g[0], topic, ALL_QUEUES, 20000);
    it_wait_owned(g[1], topic, ALL_QUEUES, 20000);
    add_messages(msgs, topic, 10);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_groups_pg", msgs, 10);
    it_wait_delivered(&g[0], 1, 0, 20, 20000);
    it_wait_delivered(&g[1], 1, 0, 20, 20000);
    it_wait_rebalances(g, 2, 2, 10000);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(it_node_stop(g[i], 10000), 0);
        int counts[20];
        it_assert_no_errors(it_node_events(g[i]), i == 0 ? "ix_group_one" : "ix_group_two");
        count_of(g[i], msgs, counts);
        for (int s = 0; s < 20; s++) {
            if (counts[s] != 1) {
                fail_msg("group %d got message %d %d times", i + 1, s, counts[s]);
            }
        }
        it_node_destroy(g[i]);
    }
    json_decref(o1);
    json_decref(o2);
    json_decref(msgs);
}

/* Offset table of an ali-ons local offset file (broadcasting, persistent). */
static json_t *
local_offsets(const char *home, const char *client_id, const char *group)
{
    char path[2048];
    rj_buf_t data = RJ_BUF_INIT;
    snprintf(path, sizeof(path), "%s/.rocketmq_offsets_node/%s/%s/offsets.json", home, client_id,
             group);
    if (rj_fs_read_file(path, &data) != 0) {
        fail_msg("no local offset file %s", path);
    }
    json_t *j = json_loadb((const char *)data.data, data.len, 0, NULL);
    rj_buf_cleanup(&data);
    assert_non_null(j);
    json_t *table = json_incref(json_object_get(j, "offsetTable"));
    json_decref(j);
    assert_non_null(table);
    return table;
}

static void
test_broadcasting_each_gets_everything(void **state)
{
    (void)state;
    const char *topic = "IxBroadcast", *group = "ix_bc_cg";
    static const char *const instances[2] = {"bc1", "bc2"};
    it_interop_create_topic(&cluster, topic, QUEUES_PER_BROKER);
    json_t *msgs = json_array();
    add_messages(msgs, topic, 10);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_bc_pg", msgs, 0);

    char *home;
    assert_int_equal(rj_tempdir_create("alions-home", &home), 0);
    it_node_t *c[2];
    json_t *opts[2];
    for (int i = 0; i < 2; i++) {
        opts[i] = consumer_opts(topic, group);
        json_object_set_new(opts[i], "broadcast", json_true());
        json_object_set_new(opts[i], "persistent", json_true());
        json_object_set_new(opts[i], "instanceName", json_string(instances[i]));
        c[i] = it_node_start_json(instances[i], "alions_consume.js", opts[i], home);
    }
    it_wait_owned(c[0], topic, ALL_QUEUES, 20000);
    it_wait_owned(c[1], topic, ALL_QUEUES, 20000);
    add_messages(msgs, topic, 10);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_bc_pg", msgs, 10);
    it_wait_delivered(&c[0], 1, 0, 20, 20000);
    it_wait_delivered(&c[1], 1, 0, 20, 20000);
    it_wait_rebalances(c, 2, 2, 10000);
    for (int i = 0; i < 2; i++) {
        char client_id[128];
        snprintf(
            client_id, sizeof(client_id), "%s",
            rj_json_get_str(it_events_last(it_node_events(c[i]), "ready", NULL), "clientId", ""));
        assert_int_equal(it_node_stop(c[i], 10000), 0);
        int counts[20];
        it_assert_no_errors(it_node_events(c[i]), group);
        count_of(c[i], msgs, counts);
        for (int s = 0; s < 20; s++) {
            if (counts[s] != 1) {
                fail_msg("broadcasting consumer %s got message %d %d times", instances[i], s,
                         counts[s]);
            }
        }
        /* Progress is local: the consumer's own file holds the end of every queue. */
        json_t *table = local_offsets(home, client_id, group);
        for (int b = 0; b < 2; b++) {
            for (int q = 0; q < QUEUES_PER_BROKER; q++) {
                char key[256];
                snprintf(key, sizeof(key), "[topic=\"%s\", brokerName=\"%s\", queueId=\"%d\"]",
                         topic, it_interop_broker_name(b), q);
                assert_int_equal(
                    rj_json_get_int(table, key, -1),
                    it_interop_max_offset(&cluster, topic, it_interop_broker_name(b), q));
            }
        }
        json_decref(table);
        it_node_destroy(c[i]);
        json_decref(opts[i]);
    }
    rj_tempdir_remove(home);
    json_decref(msgs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_two_consumers_split_queues, test_teardown),
        cmocka_unit_test_teardown(test_two_groups_each_get_everything, test_teardown),
        cmocka_unit_test_teardown(test_broadcasting_each_gets_everything, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
