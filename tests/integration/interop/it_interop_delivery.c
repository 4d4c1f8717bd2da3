/*
 * Interop with ali-ons 3.12.0, one producer and one clustering consumer:
 *
 *  - messages with tags, keys, user properties (UTF-8, JSON escapes), flags
 *    (negative too), UTF-8 / binary / empty-of-text bodies and bodies at and
 *    around the 4 KiB compression threshold are consumed exactly once and
 *    unchanged, with the msgId the send returned; the broker's stored records
 *    (VIEW_MESSAGE_BY_ID by that msgId, QUERY_MESSAGE by key) are v1 records
 *    whose compressed bodies inflate to what was sent;
 *  - a message the handler refuses (ali-ons sends it back: CONSUMER_SEND_MSG_BACK)
 *    comes again once, from the group's %RETRY% topic, with body (compressed
 *    ones too), tags, keys, flag and user properties unchanged, reconsumeTimes
 *    1, RETRY_TOPIC and ORIGIN_MESSAGE_ID set; the queue moves on past it;
 *  - long polling with ali-ons: a pull asking for a 300 ms suspension is held
 *    and answered empty (NO_NEW_MSG) once that time passed (by the broker's
 *    next check at the latest); a pull held with the default 15 s is woken by
 *    the arrival of a message, which reaches the handler at once;
 *  - tag filtering: a "TagA || TagB" subscription gets those and nothing else
 *    — the broker itself filters (pull answers carry no other tag and skip
 *    to the end of the queue), and the committed offsets pass every delivery;
 *    with non-ASCII tags too, also when the pulls carry no expression and the
 *    broker filters by the tag codes of ali-ons' heartbeat (Java hashCode of
 *    UTF-16, which the broker must compute the same way for its consume queue).
 */
#include "interop_cluster.h"
#include "interop_expect.h"
#include "interop_node.h"
#include "interop_observe.h"
#include "interop_record.h"

#include "common/clock.h"
#include "common/crc.h"
#include "common/json.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

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

/* The record the broker stored for message m, as VIEW_MESSAGE_BY_ID returns it. */
static void
check_stored(const json_t *m)
{
    const json_t *sent = json_object_get(m, "sent");
    const char *msg_id = json_string_value(json_object_get(sent, "msgId"));
    char addr[64], value[512];
    int64_t offset;

    it_msgid_decode(msg_id, addr, sizeof(addr), &offset);
    /* The msgId names the broker's own address (brokerIP1:listenPort). */
    assert_string_equal(addr, it_interop_broker_addr(&cluster, 0));

    size_t len;
    uint8_t *data = it_view_message(addr, offset, &len);
    it_record_t r;
    assert_int_equal(it_record_decode(data, len, &r), len);
    assert_int_equal(r.phy_offset, offset);
    assert_string_equal(r.topic, json_string_value(json_object_get(m, "topic")));
    assert_int_equal(r.queue_id, rj_json_get_int(sent, "queueId", -1));
    assert_int_equal(r.queue_offset, rj_json_get_int(sent, "queueOffset", -1));
    assert_int_equal(r.flag, rj_json_get_int(m, "flag", -1));
    assert_string_equal(r.store_host, addr);
    assert_int_equal(strncmp(r.born_host, "127.0.0.1:", 10), 0);
    assert_int_equal(r.reconsume_times, 0);
    assert_int_equal(r.prepared_transaction_offset, 0);
    assert_int_equal(r.body_crc, rj_crc32_masked(r.body, r.body_len));

    size_t want_len, plain_len;
    uint8_t *want = it_hex_decode(json_string_value(json_object_get(m, "bodyHex")), &want_len);
    bool big = want_len >= IT_COMPRESS_THRESHOLD;
    assert_int_equal(r.sys_flag & 1, big ? 1 : 0);
    if (big) {
        assert_true(r.body_len >= 2 &&
                    r.body[0] == 0x78); /* a zlib stream, as ali-ons deflated it */
    }
    uint8_t *plain = it_record_plain_body(&r, &plain_len);
    assert_int_equal(plain_len, want_len);
    assert_memory_equal(plain, want, want_len);

    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(m, "props"), k, v)
    {
        assert_true(it_record_property(&r, k, value, sizeof(value)));
        assert_string_equal(value, json_string_value(v));
    }
    assert_true(it_record_property(&r, "TAGS", value, sizeof(value)));
    assert_string_equal(value, json_string_value(json_object_get(m, "tags")));
    free(plain);
    free(want);
    free(data);
}

typedef struct {
    const char *addr;
    const char *topic;
    const char *key;
    int code;
    uint8_t *records;
    size_t len;
} query_t;

static bool
query_found(void *arg)
{
    query_t *q = arg;
    free(q->records);
    q->code = it_query_message(q->addr, q->topic, q->key, &q->records, &q->len);
    return q->code == 0;
}

/* QUERY_MESSAGE by each key of message m finds exactly its record. */
static void
check_query_by_key(const json_t *m)
{
    size_t i;
    json_t *key;
    const json_t *sent = json_object_get(m, "sent");
    char addr[64];
    int64_t offset;
    it_msgid_decode(json_string_value(json_object_get(sent, "msgId")), addr, sizeof(addr), &offset);

    json_array_foreach(json_object_get(m, "keys"), i, key)
    {
        query_t q = {
            addr, json_string_value(json_object_get(m, "topic")), json_string_value(key), -1, NULL,
            0};
        /* the index is built by the dispatcher, a moment after the append */
        if (!rj_wait_until(query_found, &q, 5000)) {
            fail_msg("QUERY_MESSAGE key %s: code %d", q.key, q.code);
        }
        size_t pos = 0, found = 0;
        while (pos < q.len) {
            it_record_t r;
            pos += it_record_decode(q.records + pos, q.len - pos, &r);
            assert_int_equal(r.phy_offset, offset);
            found++;
        }
        assert_int_equal(found, 1);
        free(q.records);
    }
}

static void
test_roundtrip_exactly_once_unchanged(void **state)
{
    (void)state;
    const char *topic = "IxRoundTrip";
    it_interop_create_topic(&cluster, topic, 4);
    json_t *msgs = json_array();
    it_add_rich_messages(msgs, topic);
    size_t n = json_array_size(msgs);
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_rt_pg", msgs, 0);

    /* Settle 1.5 s after the last new message: a duplicate would show up then. */
    json_t *opts = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "namesrv",
                             it_interop_namesrv(&cluster), "topic", topic, "group", "ix_rt_cg",
                             "expect", (int)n, "settleMs", 1500, "timeoutMs", 30000);
    json_t *events = it_node_run_json("consumer", "alions_consume.js", opts, 40000);
    int counts[64];
    it_assert_no_errors(events, "ix_rt_cg");
    it_count_deliveries(events, msgs, counts);
    for (size_t i = 0; i < n; i++) {
        if (counts[i] != 1) {
            fail_msg("message %zu delivered %d times", i, counts[i]);
        }
    }

    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m)
    {
        check_stored(m);
    }
    check_query_by_key(json_array_get(msgs, 3));
    check_query_by_key(json_array_get(msgs, 8));

    /* The group's progress reached the end of every queue (close commits it). */
    for (int q = 0; q < 4; q++) {
        assert_int_equal(it_interop_consumer_offset(&cluster, "ix_rt_cg", topic, "broker-a", q),
                         it_interop_max_offset(&cluster, topic, "broker-a", q));
    }
    json_decref(events);
    json_decref(opts);
    json_decref(msgs);
}

static void
test_tag_filter_only_subscribed_tags(void **state)
{
    (void)state;
    static const char *const tags[] = {"TagA", "TagB", "TagC", "TagD", "TagAB"};
    const char *topic = "IxTags";
    it_interop_create_topic(&cluster, topic, 2);
    json_t *msgs = json_array();
    int wanted = 0;
    for (int i = 0; i < 30; i++) {
        char body[64];
        const char *tag = tags[i % 5];
        snprintf(body, sizeof(body), "tagged #%d %s", i, tag);
        it_msg_add(msgs, topic, tag, NULL, 0, body, strlen(body));
        wanted += strcmp(tag, "TagA") == 0 || strcmp(tag, "TagB") == 0;
    }
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_tag_pg", msgs, 0);

    json_t *opts =
        json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:b}", "namesrv", it_interop_namesrv(&cluster),
                  "topic", topic, "group", "ix_tag_cg", "expr", "TagA || TagB", "expect", wanted,
                  "settleMs", 1500, "logPulls", 1);
    json_t *events = it_node_run_json("consumer", "alions_consume.js", opts, 40000);
    int counts[30];
    it_assert_no_errors(events, "ix_tag_cg");
    it_count_deliveries(events, msgs, counts);
    for (int i = 0; i < 30; i++) {
        const char *tag = tags[i % 5];
        int want = strcmp(tag, "TagA") == 0 || strcmp(tag, "TagB") == 0;
        if (counts[i] != want) {
            fail_msg("message %d (%s) delivered %d times, want %d", i, tag, counts[i], want);
        }
    }
    /* ali-ons filters by tag again after a pull; the broker must have filtered already. */
    json_t *pulls = it_events_select(events, "pull", topic);
    assert_true(json_array_size(pulls) > 0);
    size_t i, j;
    json_t *p, *pm;
    json_array_foreach(pulls, i, p)
    {
        json_array_foreach(json_object_get(p, "msgs"), j, pm)
        {
            const char *tag = json_string_value(json_object_get(pm, "tags"));
            if (tag == NULL || (strcmp(tag, "TagA") != 0 && strcmp(tag, "TagB") != 0)) {
                fail_msg("the broker returned a %s message to a \"TagA || TagB\" pull",
                         tag != NULL ? tag : "(untagged)");
            }
        }
    }
    /*
     * The pull answer's nextBeginOffset skips the filtered messages (the end of
     * the queue here); ali-ons commits after the last message it consumed and
     * moves to nextBeginOffset only when its next (long-polling) pull returns,
     * so the stored progress is at least past every delivered message.
     */
    for (int q = 0; q < 2; q++) {
        int64_t last = -1, next = -1;
        json_array_foreach(pulls, i, p)
        {
            if (rj_json_get_int(p, "queueId", -1) != q) {
                continue;
            }
            next = rj_json_get_int(p, "nextBeginOffset", -1);
            json_array_foreach(json_object_get(p, "msgs"), j, pm)
            {
                int64_t off = rj_json_get_int(pm, "queueOffset", -1);
                last = off > last ? off : last;
            }
        }
        assert_int_equal(next, it_interop_max_offset(&cluster, topic, "broker-a", q));
        int64_t committed = it_interop_consumer_offset(&cluster, "ix_tag_cg", topic, "broker-a", q);
        assert_true(last >= 0);
        assert_in_range(committed, last + 1, it_interop_max_offset(&cluster, topic, "broker-a", q));
    }
    json_decref(pulls);
    json_decref(events);
    json_decref(opts);
    json_decref(msgs);
}

/* The second delivery of message m, from the retry topic of `group` (ev: its event). */
static void
check_retried(const json_t *ev, const json_t *m, const char *group)
{
    const json_t *sent = json_object_get(m, "sent");
    const char *topic = rj_json_get_str(m, "topic", "");
    /* ali-ons puts the original topic back (from RETRY_TOPIC) before the handler */
    assert_string_equal(rj_json_get_str(ev, "topic", ""), topic);
    assert_string_equal(rj_json_get_str(ev, "bodyHex", ""), rj_json_get_str(m, "bodyHex", "?"));
    assert_string_equal(rj_json_get_str(ev, "tags", ""), rj_json_get_str(m, "tags", "?"));
    assert_int_equal(rj_json_get_int(ev, "flag", -1), rj_json_get_int(m, "flag", -2));
    assert_int_equal(rj_json_get_int(ev, "reconsumeTimes", -1), 1);
    const json_t *props = json_object_get(ev, "props");
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(m, "props"), k, v)
    {
        assert_string_equal(rj_json_get_str(props, k, "(missing)"), json_string_value(v));
    }
    assert_string_equal(rj_json_get_str(props, "RETRY_TOPIC", ""), topic);
    assert_string_equal(rj_json_get_str(props, "ORIGIN_MESSAGE_ID", ""),
                        rj_json_get_str(sent, "msgId", "?"));
    assert_string_not_equal(rj_json_get_str(ev, "msgId", ""), rj_json_get_str(sent, "msgId", ""));

    /* the record in %RETRY%<group>, as stored */
    char addr[64], retry_topic[256];
    int64_t offset;
    it_msgid_decode(rj_json_get_str(ev, "msgId", ""), addr, sizeof(addr), &offset);
    size_t len, want_len, plain_len;
    uint8_t *data = it_view_message(addr, offset, &len);
    it_record_t r;
    assert_int_equal(it_record_decode(data, len, &r), len);
    snprintf(retry_topic, sizeof(retry_topic), "%%RETRY%%%s", group);
    assert_string_equal(r.topic, retry_topic);
    assert_int_equal(r.reconsume_times, 1);
    assert_int_equal(r.flag, rj_json_get_int(m, "flag", -2));
    assert_int_equal(r.body_crc, rj_crc32_masked(r.body, r.body_len));
    uint8_t *want = it_hex_decode(rj_json_get_str(m, "bodyHex", ""), &want_len);
    assert_int_equal(r.sys_flag & 1, want_len >= IT_COMPRESS_THRESHOLD ? 1 : 0);
    uint8_t *plain = it_record_plain_body(&r, &plain_len);
    assert_int_equal(plain_len, want_len);
    assert_memory_equal(plain, want, want_len);
    free(plain);
    free(want);
    free(data);
}

static void
test_refused_message_comes_again_from_retry_topic(void **state)
{
    (void)state;
    const char *topic = "IxRetry", *group = "ix_retry_cg";
    static const char *const retry[] = {"2", "8", "9"};
    it_interop_create_topic(&cluster, topic, 2);
    json_t *msgs = json_array();
    for (int i = 0; i < 8; i++) {
        char body[64], keys[32];
        snprintf(body, sizeof(body), "retry me? #%d ✓", i);
        snprintf(keys, sizeof(keys), "rt-%d", i);
        json_t *m = it_msg_add(msgs, topic, i % 2 ? "TagA" : "TagB", keys, -i, body, strlen(body));
        it_msg_set_prop(m, "städte", "Zürich ✓");
    }
    size_t len;
    char *words = it_body_words(77, 9000, &len);
    it_msg_add(msgs, topic, "TagA", "rt-big", 8, words, len);
    free(words);
    uint8_t bin[300];
    for (size_t i = 0; i < sizeof(bin); i++) {
        bin[i] = (uint8_t)(255 - i);
    }
    it_msg_add(msgs, topic, "TagB", "rt-bin", 9, bin, sizeof(bin));
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_retry_pg", msgs, 0);

    json_t *opts = json_pack("{s:s, s:s, s:s, s:[s,s,s], s:i}", "namesrv",
                             it_interop_namesrv(&cluster), "topic", topic, "group", group,
                             "retrySeqs", retry[0], retry[1], retry[2], "timeoutMs", 60000);
    it_node_t *n = it_node_start_json("consumer", "alions_consume.js", opts, NULL);
    it_wait_deliveries(n, 10 + 3, 20000);
    it_wait_rebalances(&n, 1, 2, 10000);
    assert_int_equal(it_node_stop(n, 10000), 0);
    const json_t *events = it_node_events(n);
    it_assert_no_errors(events, group);

    int normal[10] = {0}, refused[10] = {0}, again[10] = {0};
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        if (strcmp(rj_json_get_str(e, "ev", ""), "msg") != 0) {
            continue;
        }
        size_t seq = it_seq_of(rj_json_get_str(e, "id", ""), 10);
        if (rj_json_get_int(e, "reconsumeTimes", -1) == 0) {
            it_check_delivery(e, msgs);
            bool r = strcmp(rj_json_get_str(e, "action", ""), "retry") == 0;
            (r ? refused : normal)[seq]++;
        } else {
            check_retried(e, json_array_get(msgs, seq), group);
            again[seq]++;
        }
    }
    for (int s = 0; s < 10; s++) {
        bool r = s == 2 || s == 8 || s == 9;
        if (normal[s] != (r ? 0 : 1) || refused[s] != (r ? 1 : 0) || again[s] != (r ? 1 : 0)) {
            fail_msg("message %d: %d plain, %d refused, %d retried deliveries", s, normal[s],
                     refused[s], again[s]);
        }
    }
    for (int q = 0; q < 2; q++) {
        assert_int_equal(it_interop_consumer_offset(&cluster, group, topic, "broker-a", q),
                         it_interop_max_offset(&cluster, topic, "broker-a", q));
    }
    it_node_destroy(n);
    json_decref(opts);
    json_decref(msgs);
}

typedef struct {
    it_node_t *n;
    int queues;
    int64_t min_age_ms;
} pulls_t;

/* The last "pull"/"pulling" event of a queue, or NULL. */
static const json_t *
last_pull_event(it_node_t *n, const char *ev, int queue_id)
{
    const json_t *events = it_node_events(n);
    for (size_t i = json_array_size(events); i > 0; i--) {
        const json_t *e = json_array_get(events, i - 1);
        if (strcmp(rj_json_get_str(e, "ev", ""), ev) == 0 &&
            rj_json_get_int(e, "queueId", -1) == queue_id &&
            strncmp(rj_json_get_str(e, "topic", ""), "%RETRY%", 7) != 0) {
            return e;
        }
    }
    return NULL;
}

/* Every queue had a pull answered empty after its suspension. */
static bool
expired_on_every_queue(void *arg)
{
    pulls_t *p = arg;
    for (int q = 0; q < p->queues; q++) {
        bool found = false;
        size_t i;
        json_t *e;
        json_array_foreach(it_node_events(p->n), i, e)
        {
            found = found || (strcmp(rj_json_get_str(e, "ev", ""), "pull") == 0 &&
                              rj_json_get_int(e, "queueId", -1) == q &&
                              strcmp(rj_json_get_str(e, "status", ""), "NO_NEW_MSG") == 0);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Every queue has a pull out for at least min_age_ms: it is parked on the broker. */
static bool
parked_on_every_queue(void *arg)
{
    pulls_t *p = arg;
    int64_t now = rj_clock_wall_ms();
    for (int q = 0; q < p->queues; q++) {
        const json_t *out = last_pull_event(p->n, "pulling", q);
        const json_t *back = last_pull_event(p->n, "pull", q);
        if (out == NULL ||
            (back != NULL && rj_json_get_int(back, "at", 0) >= rj_json_get_int(out, "at", 0))) {
            return false;
        }
        if (now - rj_json_get_int(out, "at", now) < p->min_age_ms) {
            return false;
        }
    }
    return true;
}

static void
test_long_polling_expires_and_wakes(void **state)
{
    (void)state;
    const char *topic = "IxLongPoll";
    it_interop_create_topic(&cluster, topic, 2);
    json_t *os = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i}", "namesrv",
                           it_interop_namesrv(&cluster), "topic", topic, "group", "ix_lp_short_cg",
                           "suspendMs", 300, "logPulls", "all", "timeoutMs", 60000);
    json_t *ol =
        json_pack("{s:s, s:s, s:s, s:s, s:i}", "namesrv", it_interop_namesrv(&cluster), "topic",
                  topic, "group", "ix_lp_long_cg", "logPulls", "all", "timeoutMs", 60000);
    it_node_t *n[2] = {it_node_start_json("short-suspend", "alions_consume.js", os, NULL),
                       it_node_start_json("long-suspend", "alions_consume.js", ol, NULL)};

    pulls_t ps = {n[0], 2, 0};
    if (!rj_wait_until(expired_on_every_queue, &ps, 20000)) {
        it_node_dump(n[0]);
        fail_msg("no empty answer to a 300 ms long poll on every queue");
    }
    size_t i;
    json_t *e;
    json_array_foreach(it_node_events(n[0]), i, e)
    {
        if (strcmp(rj_json_get_str(e, "ev", ""), "pull") == 0 &&
            strcmp(rj_json_get_str(e, "status", ""), "NO_NEW_MSG") == 0) {
            /* held, not answered at once; released by the suspension's end */
            int64_t ms = rj_json_get_int(e, "ms", -1);
            if (ms < 250 || ms > 8000) {
                fail_msg("a pull suspended for 300 ms was answered empty after %lld ms",
                         (long long)ms);
            }
        }
    }

    pulls_t pl = {n[1], 2, 300};
    if (!rj_wait_until(parked_on_every_queue, &pl, 20000)) {
        it_node_dump(n[1]);
        fail_msg("the 15 s long polls were not parked");
    }
    json_t *msgs = json_array();
    for (int k = 0; k < 6; k++) {
        char body[32];
        snprintf(body, sizeof(body), "wake up #%d", k);
        it_msg_add(msgs, topic, "TagW", NULL, 0, body, strlen(body));
    }
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_lp_pg", msgs, 0);
    it_wait_delivered(&n[0], 1, 0, 6, 20000);
    it_wait_delivered(&n[1], 1, 0, 6, 20000);
    for (int c = 0; c < 2; c++) {
        assert_int_equal(it_node_stop(n[c], 10000), 0);
        const json_t *events = it_node_events(n[c]);
        it_assert_no_errors(events, c == 0 ? "ix_lp_short_cg" : "ix_lp_long_cg");
        int counts[6];
        it_count_deliveries(events, msgs, counts);
        for (int k = 0; k < 6; k++) {
            assert_int_equal(counts[k], 1);
        }
    }
    /* the parked 15 s pulls answered with the new messages, not at a timeout */
    json_array_foreach(it_node_events(n[1]), i, e)
    {
        if (strcmp(rj_json_get_str(e, "ev", ""), "msg") == 0) {
            int64_t lag =
                rj_json_get_int(e, "receivedAt", 0) - rj_json_get_int(e, "storeTimestamp", 0);
            if (lag > 3000) {
                fail_msg("a message reached the parked consumer %lld ms after it was stored",
                         (long long)lag);
            }
        }
    }
    it_node_destroy(n[0]);
    it_node_destroy(n[1]);
    json_decref(msgs);
    json_decref(os);
    json_decref(ol);
}

static void
test_tag_filter_non_ascii_tags(void **state)
{
    (void)state;
    static const char *const tags[] = {"标签A", "Tög🚀", "标签B", "TagA", "Тег"};
    const char *topic = "IxTagsUtf8";
    it_interop_create_topic(&cluster, topic, 2);
    json_t *msgs = json_array();
    for (int i = 0; i < 20; i++) {
        char body[64];
        snprintf(body, sizeof(body), "utf-8 tag #%d %s", i, tags[i % 5]);
        it_msg_add(msgs, topic, tags[i % 5], NULL, 0, body, strlen(body));
    }
    it_msgs_send_alions(it_interop_namesrv(&cluster), "ix_tag_pg", msgs, 0);

    /* with the expression in every pull, then with the heartbeat's subscription only */
    static const char *const groups[] = {"ix_tag_utf8_post_cg", "ix_tag_utf8_hb_cg"};
    for (int v = 0; v < 2; v++) {
        json_t *opts = json_pack("{s:s, s:s, s:s, s:s, s:b, s:i, s:i, s:b}", "namesrv",
                                 it_interop_namesrv(&cluster), "topic", topic, "group", groups[v],
                                 "expr", "标签A || Tög🚀", "postSubscription", v == 0, "expect", 8,
                                 "settleMs", 1000, "logPulls", 1);
        json_t *events = it_node_run_json(groups[v], "alions_consume.js", opts, 40000);
        int counts[20];
        it_assert_no_errors(events, groups[v]);
        it_count_deliveries(events, msgs, counts);
        for (int i = 0; i < 20; i++) {
            int want = i % 5 < 2;
            if (counts[i] != want) {
                fail_msg("%s: message %d (%s) delivered %d times, want %d", groups[v], i,
                         tags[i % 5], counts[i], want);
            }
        }
        json_t *pulls = it_events_select(events, "pull", topic);
        size_t i, j;
        json_t *p, *pm;
        json_array_foreach(pulls, i, p)
        {
            json_array_foreach(json_object_get(p, "msgs"), j, pm)
            {
                const char *tag = rj_json_get_str(pm, "tags", "");
                if (strcmp(tag, tags[0]) != 0 && strcmp(tag, tags[1]) != 0) {
                    fail_msg("%s: the broker returned a \"%s\" message", groups[v], tag);
                }
            }
        }
        json_decref(pulls);
        json_decref(events);
        json_decref(opts);
    }
    json_decref(msgs);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_roundtrip_exactly_once_unchanged, test_teardown),
        cmocka_unit_test_teardown(test_refused_message_comes_again_from_retry_topic, test_teardown),
        cmocka_unit_test_teardown(test_tag_filter_only_subscribed_tags, test_teardown),
        cmocka_unit_test_teardown(test_tag_filter_non_ascii_tags, test_teardown),
        cmocka_unit_test_teardown(test_long_polling_expires_and_wakes, test_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
