/*
 * Interop with ali-ons 3.12.0: a consumer restarted in its group resumes from
 * the committed offset.
 *
 * For every queue, with s = where the restarted consumer started (its
 * QUERY_CONSUMER_OFFSET answer) and p = the first offset the first run did not
 * consume:
 *   - no loss: the first run consumed every message below s, the second run
 *     every message from s on;
 *   - the commit never runs ahead of consumption: s <= p;
 *   - duplicates only after the last commit: the second run gets nothing
 *     below s and each message at most once.
 * After a clean close (offsets persisted on close) s == p: no duplicates at
 * all. After kill -9 the broker must drop the dead member when its
 * connection closes, so the new one owns every queue at once.
 * Broadcasting consumers resume from their local offset file.
 *
 * A group's very first start: like 4.9.8 (captured frames 182/183), the broker
 * answers QUERY_CONSUMER_OFFSET of a group without progress with 0 while the
 * queue's first message is still in memory, so ali-ons starts at 0 whatever
 * consumeFromWhere says (CONSUME_FROM_LAST_OFFSET and CONSUME_FROM_TIMESTAMP
 * included) and gets every message.
 */
#include "interop_cluster.h"
#include "interop_expect.h"
#include "interop_node.h"
#include "interop_observe.h"

#include "common/json.h"
#include "support/tempdir.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define QUEUES 4
#define COUNT 48

static it_interop_cluster_t cluster;

static int
group_setup(void **state)
{
    (void)state;
    it_node_preflight();
    it_interop_cluster_start(&cluster, 1);
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

static json_t *
make_messages(const char *topic, size_t from, size_t n, json_t *msgs)
{
    for (size_t k = 0; k < n; k++) {
        char body[64], keys[32];
        size_t seq = from + k;
        snprintf(body, sizeof(body), "resume #%zu ✓", seq);
        snprintf(keys, sizeof(keys), "rk-%zu", seq);
        it_msg_add(msgs, topic, "TagR", keys, 0, body, strlen(body));
    }
    return msgs;
}

static json_t *
consumer_opts(const char *topic, const char *group)
{
    return json_pack("{s:s, s:s, s:s, s:i}", "namesrv", it_interop_namesrv(&cluster), "topic",
                     topic, "group", group, "timeoutMs", 60000);
}

/* consumed[q][offset] = deliveries of that queue offset in `events`. */
static void
per_queue(const json_t *events, const json_t *msgs, int consumed[QUEUES][COUNT])
{
    memset(consumed, 0, sizeof(int) * QUEUES * COUNT);
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (strcmp(rj_json_get_str(e, "ev", ""), "msg") != 0) {
            continue;
        }
        it_check_delivery(e, msgs);
        int64_t q = rj_json_get_int(e, "queueId", -1), off = rj_json_get_int(e, "queueOffset", -1);
        assert_in_range(q, 0, QUEUES - 1);
        assert_in_range(off, 0, COUNT - 1);
        consumed[q][off]++;
    }
}

/*
 * The checks of the file comment for the runs `first` and `second`; returns
 * the number of duplicates (messages both runs got).
 */
static int
check_resume(const char *topic, it_node_t *first, it_node_t *second, const json_t *msgs,
             bool clean_close)
{
    static int c1[QUEUES][COUNT], c2[QUEUES][COUNT];
    int dups = 0;
    per_queue(it_node_events(first), msgs, c1);
    per_queue(it_node_events(second), msgs, c2);
    for (int q = 0; q < QUEUES; q++) {
        int64_t max = it_interop_max_offset(&cluster, topic, "broker-a", q);
        const json_t *start = it_start_event(second, topic, "broker-a", q);
        assert_non_null(start);
        int64_t s = rj_json_get_int(start, "offset", -1);
        int64_t p = 0;
        while (p < max && c1[q][p] > 0) {
            p++;
        }
        for (int64_t off = 0; off < max; off++) {
            if (c1[q][off] > 1) {
                fail_msg("queue %d offset %lld: the first run got it %d times", q, (long long)off,
                         c1[q][off]);
            }
            if (off < s && c1[q][off] != 1) {
                fail_msg("queue %d offset %lld is below the resume offset %lld but the first run "
                         "never consumed it: lost",
                         q, (long long)off, (long long)s);
            }
            if (off < s && c2[q][off] != 0) {
                fail_msg("queue %d offset %lld is below the resume offset %lld but was delivered "
                         "again",
                         q, (long long)off, (long long)s);
            }
            if (off >= s && c2[q][off] != 1) {
                fail_msg("queue %d offset %lld (resume offset %lld): the second run got it %d "
                         "times",
                         q, (long long)off, (long long)s, c2[q][off]);
            }
            dups += c1[q][off] > 0 && c2[q][off] > 0;
        }
        if (s > p) {
            fail_msg("queue %d: committed offset %lld is ahead of what was consumed (%lld)", q,
                     (long long)s, (long long)p);
        }
        if (clean_close && s != p) {
            fail_msg("queue %d: after a clean close the group resumed at %lld, not at %lld", q,
                     (long long)s, (long long)p);
        }
    }
    return dups;
}

/* First run until `stop` says so, second run to the end; the checks above. */
static void
restart_scenario(const char *topic, const char *group, bool kill9)
{
    it_interop_create_topic(&cluster, topic, QUEUES);
    json_t *msgs = make_messages(topic, 0, COUNT, json_array());
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_resume_pg", msgs, 0);

    json_t *o1 = consumer_opts(topic, group);
    json_object_set_new(o1, "handlerDelayMs", json_integer(20));
    json_object_set_new(o1, "persistMs", json_integer(200));
    it_node_t *first;
    if (kill9) {
        /* killed half-way: only periodic and pull-piggybacked commits reached the broker */
        first = it_node_start_json("first-run", "alions_consume.js", o1, NULL);
        it_wait_deliveries(first, COUNT / 3, 20000);
        it_node_signal(first, SIGKILL);
        assert_int_equal(it_node_wait(first, 5000), 128 + SIGKILL);
    } else {
        /* stops by itself after a third of the messages, closing cleanly */
        json_object_set_new(o1, "stopAfter", json_integer(COUNT / 3));
        first = it_node_start_json("first-run", "alions_consume.js", o1, NULL);
        assert_int_equal(it_node_wait(first, 30000), 0);
    }
    it_node_events(first);
    size_t first_got = it_events_count(it_node_events(first), "msg");
    assert_true(first_got >= COUNT / 3 && first_got < COUNT);

    json_t *o2 = consumer_opts(topic, group);
    it_node_t *second = it_node_start_json("second-run", "alions_consume.js", o2, NULL);
    /* the dead or departed member is gone: the new one owns every queue */
    it_wait_owned(second, topic, QUEUES, 10000);
    it_node_t *both[2] = {first, second};
    it_wait_delivered(both, 2, 0, COUNT, 20000);
    it_wait_rebalances(&second, 1, 2, 10000);
    assert_int_equal(it_node_stop(second, 10000), 0);

    it_assert_no_errors(it_node_events(first), group);
    it_assert_no_errors(it_node_events(second), group);
    int dups = check_resume(topic, first, second, msgs, !kill9);
    print_message("%s: first run consumed %zu, duplicates after the last commit: %d\n", topic,
                  first_got, dups);
    for (int q = 0; q < QUEUES; q++) {
        assert_int_equal(it_interop_consumer_offset(&cluster, group, topic, "broker-a", q),
                         it_interop_max_offset(&cluster, topic, "broker-a", q));
    }
    it_node_destroy(first);
    it_node_destroy(second);
    json_decref(o1);
    json_decref(o2);
    json_decref(msgs);
}

static void
test_restart_after_clean_close_resumes_exactly(void **state)
{
    (void)state;
    restart_scenario("IxResumeClean", "ix_resume_clean_cg", false);
}

static void
test_restart_after_kill9_resumes_from_last_commit(void **state)
{
    (void)state;
    restart_scenario("IxResumeKill", "ix_resume_kill_cg", true);
}

static void
test_broadcasting_restart_resumes_from_local_file(void **state)
{
    (void)state;
    const char *topic = "IxResumeBc", *group = "ix_resume_bc_cg";
    it_interop_create_topic(&cluster, topic, QUEUES);
    json_t *msgs = make_messages(topic, 0, 12, json_array());
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_resume_pg", msgs, 0);
    char *home;
    assert_int_equal(rj_tempdir_create("alions-home", &home), 0);

    json_t *opts = consumer_opts(topic, group);
    json_object_set_new(opts, "broadcast", json_true());
    json_object_set_new(opts, "persistent", json_true());
    json_object_set_new(opts, "instanceName", json_string("bcr"));
    json_object_set_new(opts, "expect", json_integer(12));
    json_object_set_new(opts, "settleMs", json_integer(300));
    it_node_t *first = it_node_start_json("bc-first", "alions_consume.js", opts, home);
    assert_int_equal(it_node_wait(first, 30000), 0);

    make_messages(topic, 12, 12, msgs);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_resume_pg", msgs, 12);
    it_node_t *second = it_node_start_json("bc-second", "alions_consume.js", opts, home);
    assert_int_equal(it_node_wait(second, 30000), 0);

    it_assert_no_errors(it_node_events(first), group);
    it_assert_no_errors(it_node_events(second), group);
    int c1[24], c2[24];
    it_count_deliveries(it_node_events(first), msgs, c1);
    it_count_deliveries(it_node_events(second), msgs, c2);
    for (int i = 0; i < 24; i++) {
        if (c1[i] != (i < 12) || c2[i] != (i >= 12)) {
            fail_msg("message %d: first run %d, second run %d deliveries", i, c1[i], c2[i]);
        }
    }
    it_node_destroy(first);
    it_node_destroy(second);
    rj_tempdir_remove(home);
    json_decref(opts);
    json_decref(msgs);
}

static void
test_new_group_starts_at_zero_as_4_9_8(void **state)
{
    (void)state;
    const char *topic = "IxNewGroup";
    static const char *const modes[] = {"CONSUME_FROM_LAST_OFFSET", "CONSUME_FROM_TIMESTAMP"};
    static const char *const groups[] = {"ix_new_last_cg", "ix_new_ts_cg"};
    it_interop_create_topic(&cluster, topic, QUEUES);
    json_t *msgs = make_messages(topic, 0, 8, json_array());
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_resume_pg", msgs, 0);
    for (int m = 0; m < 2; m++) {
        json_t *opts = consumer_opts(topic, groups[m]);
        json_object_set_new(opts, "fromWhere", json_string(modes[m]));
        /* a time after every message: a search by time alone would find none of them */
        json_object_set_new(opts, "consumeTimestamp", json_string("20991231235959"));
        json_object_set_new(opts, "expect", json_integer(8));
        json_object_set_new(opts, "settleMs", json_integer(1000));
        json_t *events = it_node_run_json(modes[m], "alions_consume.js", opts, 30000);
        it_assert_no_errors(events, groups[m]);
        int counts[8];
        it_count_deliveries(events, msgs, counts);
        for (int i = 0; i < 8; i++) {
            if (counts[i] != 1) {
                fail_msg("%s: message %d delivered %d times", modes[m], i, counts[i]);
            }
        }
        /* (a rebalance running while ali-ons closes may start queues again: not counted) */
        size_t i, starts = 0;
        json_t *s;
        json_array_foreach(events, i, s)
        {
            const char *ev = rj_json_get_str(s, "ev", "");
            if (strcmp(ev, "closing") == 0) {
                break;
            }
            if (strcmp(ev, "start") == 0 && strcmp(rj_json_get_str(s, "topic", ""), topic) == 0) {
                assert_int_equal(rj_json_get_int(s, "offset", -1), 0);
                starts++;
            }
        }
        assert_int_equal(starts, QUEUES);
        json_decref(events);
        json_decref(opts);
    }
    json_decref(msgs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_restart_after_clean_close_resumes_exactly, test_teardown),
        cmocka_unit_test_teardown(test_restart_after_kill9_resumes_from_last_commit, test_teardown),
        cmocka_unit_test_teardown(test_broadcasting_restart_resumes_from_local_file, test_teardown),
        cmocka_unit_test_teardown(test_new_group_starts_at_zero_as_4_9_8, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
