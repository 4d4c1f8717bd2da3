/*
 * Store API end to end: put, pull with filters and statuses, lookups, key
 * queries, timestamp search, delayed and transactional messages, SYNC_FLUSH
 * completions, restart.
 */
#include "store/store.h"

#include "common/clock.h"
#include "common/crc.h"
#include "common/endian.h"
#include "common/java_hash.h"
#include "common/message_id.h"
#include "ramjet/status.h"
#include "store_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

typedef struct {
    char *dir;
    rj_store_config_t cfg;
    rj_store_t *s;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    f->dir = st_make_dir("api");
    st_config(&f->cfg, f->dir);
    st_log_start();
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_store_close(f->s);
    rj_store_config_cleanup(&f->cfg);
    rj_fs_remove_tree(f->dir);
    rj_free(f->dir);
    rj_free(f);
    return 0;
}

static void
open_store(fixture_t *f)
{
    assert_int_equal(rj_store_open(&f->cfg, NULL, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
}

static void
reopen(fixture_t *f)
{
    rj_store_close(f->s);
    f->s = NULL;
    open_store(f);
}

static void
wait_dispatched(rj_store_t *s)
{
    for (int i = 0; i < 2000 && rj_store_dispatch_behind_bytes(s) > 0; i++) {
        rj_clock_sleep_ms(1);
    }
    assert_int_equal(rj_store_dispatch_behind_bytes(s), 0);
}

static rj_put_status_t
put(fixture_t *f, const char *topic, int qid, const char *body, const char *props,
    rj_store_put_result_t *res)
{
    rj_store_msg_t m = st_msg(topic, qid, body, props);
    return rj_store_put(f->s, &m, NULL, res);
}

static void
test_put_then_pull_returns_identical_records(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_put_result_t r;
    char body[64];
    for (int i = 0; i < 10; i++) {
        snprintf(body, sizeof(body), "body-%d", i);
        assert_int_equal(put(f, "TopicTest", 1, body, "TAGS\x01TagA\x02KEYS\x01k1", &r), RJ_PUT_OK);
        assert_int_equal(r.queue_offset, i);
        assert_int_equal(r.msg_num, 1);
        assert_int_equal(strlen(r.msg_id), 32);
    }
    wait_dispatched(f->s);
    rj_bytes_t topic = RJ_BYTES_LIT("TopicTest");
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, topic, 1), 10);
    assert_int_equal(rj_store_get_min_offset_in_queue(f->s, topic, 1), 0);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, topic, 2), 0);
    assert_int_equal(rj_store_get_min_offset_in_queue(f->s, topic, 2), -1);

    rj_store_view_t views[32];
    rj_store_get_result_t g = {.views = views, .cap = 32};
    assert_int_equal(rj_store_get_message(f->s, topic, 1, 3, 32, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_FOUND);
    assert_int_equal(g.count, 7);
    assert_int_equal(g.next_begin_offset, 10);
    assert_int_equal(g.min_offset, 0);
    assert_int_equal(g.max_offset, 10);
    for (uint32_t i = 0; i < g.count; i++) {
        rj_message_record_t rec;
        assert_int_equal(
            rj_message_record_decode(views[i].data, views[i].len, &rec, RJ_MSG_DECODE_CHECK_CRC),
            (int)views[i].len);
        snprintf(body, sizeof(body), "body-%u", 3 + i);
        assert_true(rj_bytes_eq_cstr(rec.body, body));
        assert_int_equal(rec.queue_offset, 3 + i);
        assert_int_equal(rec.queue_id, 1);
        assert_int_equal(views[i].queue_offset, 3 + i);
        assert_int_equal(rec.phy_offset, views[i].phy_offset);
        assert_true(rec.store_timestamp > 0);
    }
    rj_store_get_result_release(&g);

    /* The offset msgId locates the record. */
    rj_msg_host_t host;
    int64_t off;
    assert_int_equal(rj_message_id_decode(r.msg_id, 32, &host, &off), 0);
    assert_int_equal(off, r.phy_offset);
    assert_int_equal(host.port, 10911);
    rj_message_record_t rec;
    rj_store_view_t v;
    assert_int_equal(rj_store_look_message(f->s, off, &rec, &v), 0);
    assert_true(rj_bytes_eq_cstr(rec.body, "body-9"));
    rj_store_view_release(&v);
}

static void
test_pull_statuses_follow_rocketmq(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_view_t views[4];
    rj_store_get_result_t g = {.views = views, .cap = 4};
    rj_bytes_t topic = RJ_BYTES_LIT("T");
    assert_int_equal(rj_store_get_message(f->s, topic, 0, 5, 4, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_NO_MESSAGE_IN_QUEUE);
    assert_int_equal(g.next_begin_offset, 0);
    rj_store_put_result_t r;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(put(f, "T", 0, "x", "", &r), RJ_PUT_OK);
    }
    wait_dispatched(f->s);
    assert_int_equal(rj_store_get_message(f->s, topic, 0, 6, 4, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_OFFSET_OVERFLOW_ONE);
    assert_int_equal(g.next_begin_offset, 6);
    assert_int_equal(rj_store_get_message(f->s, topic, 0, 60, 4, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_OFFSET_OVERFLOW_BADLY);
    assert_int_equal(g.next_begin_offset, 6);
    /* max_msg_nums bounds the batch; cap bounds it too. */
    assert_int_equal(rj_store_get_message(f->s, topic, 0, 0, 2, NULL, &g), 0);
    assert_int_equal(g.status, RJ_GET_FOUND);
    assert_int_equal(g.count, 2);
    assert_int_equal(g.next_begin_offset, 2);
    rj_store_get_result_release(&g);
    assert_int_equal(rj_store_get_message(f->s, topic, 0, 0, 32, NULL, &g), 0);
    assert_int_equal(g.count, 4);
    assert_int_equal(g.next_begin_offset, 4);
    rj_store_get_result_release(&g);
    assert_string_equal(rj_get_status_name(RJ_GET_OFFSET_OVERFLOW_ONE), "OFFSET_OVERFLOW_ONE");
    assert_string_equal(rj_put_status_name(RJ_PUT_OK), "PUT_OK");
}

static bool
match_tag_b(int64_t tags_code, void *arg)
{
    (void)arg;
    return (int32_t)tags_code == rj_java_hash("TagB", 4);
}

static void
test_tag_filter_skips_and_reports_next_offset(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_put_result_t r;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(put(f, "F", 0, "m", i == 15 ? "TAGS\x01TagB" : "TAGS\x01TagA", &r),
                         RJ_PUT_OK);
    }
    wait_dispatched(f->s);
    rj_store_view_t views[8];
    rj_store_get_result_t g = {.views = views, .cap = 8};
    rj_store_filter_t filt = {.match_cq = match_tag_b};
    rj_bytes_t topic = RJ_BYTES_LIT("F");
    assert_int_equal(rj_store_get_message(f->s, topic, 0, 0, 8, &filt, &g), 0);
    assert_int_equal(g.status, RJ_GET_FOUND);
    assert_int_equal(g.count, 1);
    assert_int_equal(views[0].queue_offset, 15);
    assert_int_equal(g.next_begin_offset, 20);
    rj_store_get_result_release(&g);
    /* No match at all: NO_MATCHED_MESSAGE and the scan jumps past what it read. */
    assert_int_equal(rj_store_get_message(f->s, topic, 0, 16, 8, &filt, &g), 0);
    assert_int_equal(g.status, RJ_GET_NO_MATCHED_MESSAGE);
    assert_int_equal(g.count, 0);
    assert_int_equal(g.next_begin_offset, 20);
}

static void
test_segment_rollover_writes_blank_and_reads_across(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    char body[5000];
    memset(body, 'b', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    rj_store_put_result_t r;
    int64_t first_in_second = -1;
    for (int i = 0; i < 400; i++) {
        assert_int_equal(put(f, "Roll", 0, body, "", &r), RJ_PUT_OK);
        if (first_in_second < 0 && r.phy_offset >= (1 << 20)) {
            first_in_second = r.phy_offset;
            assert_int_equal(first_in_second, 1 << 20);
        }
        /* No record spans two segments. */
        assert_int_equal(r.phy_offset / (1 << 20), (r.phy_offset + r.wrote_bytes - 1) / (1 << 20));
    }
    assert_true(first_in_second > 0);
    wait_dispatched(f->s);
    /* The previous segment ends with a BLANK record covering the rest. */
    rj_store_view_t v;
    rj_store_view_t views[400];
    rj_store_get_result_t g = {.views = views, .cap = 400};
    int64_t offset = 0;
    int total = 0;
    while (offset < 400) {
        assert_int_equal(rj_store_get_message(f->s, RJ_BYTES_LIT("Roll"), 0, offset, 400, NULL, &g),
                         0);
        assert_int_equal(g.status, RJ_GET_FOUND);
        total += (int)g.count;
        offset = g.next_begin_offset;
        rj_store_get_result_release(&g);
    }
    assert_int_equal(total, 400);
    /* Locate the BLANK: the record before the first in segment 2 ends before 1 MiB. */
    assert_int_equal(rj_store_get_commit_log_data(f->s, 0, &v), 0);
    assert_int_equal(v.len, 1 << 20);
    size_t pos = 0;
    rj_message_record_t rec;
    while (!rj_message_record_is_blank(v.data + pos, v.len - pos)) {
        int n = rj_message_record_decode(v.data + pos, v.len - pos, &rec, RJ_MSG_DECODE_CHECK_CRC);
        assert_true(n > 0);
        pos += (size_t)n;
    }
    assert_int_equal(rj_load_be32(v.data + pos), (1 << 20) - pos);
    rj_store_view_release(&v);
}

static void
test_batch_put_gives_consecutive_offsets_and_appends_batch_properties(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_buf_t body = st_load_vector("batch-body-frame86.bin");
    rj_store_batch_t b;
    memset(&b, 0, sizeof(b));
    int64_t offs[3];
    b.topic = RJ_BYTES_LIT("BatchTest");
    b.queue_id = 0;
    b.born_host = st_host("127.0.0.1", 4000);
    b.store_host = st_host("127.0.0.1", 10911);
    b.body = rj_buf_view(&body);
    b.properties = RJ_BYTES_LIT("WAIT\x01true");
    b.phy_offsets_out = offs;
    b.phy_offsets_cap = 3;
    rj_store_put_result_t r;
    assert_int_equal(put(f, "BatchTest", 0, "before", "", &r), RJ_PUT_OK);
    assert_int_equal(rj_store_put_batch(f->s, &b, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.msg_num, 3);
    assert_int_equal(r.queue_offset, 1);
    assert_int_equal(offs[0], r.phy_offset);
    wait_dispatched(f->s);
    for (int i = 0; i < 3; i++) {
        rj_message_record_t rec;
        rj_store_view_t v;
        assert_int_equal(rj_store_look_message(f->s, offs[i], &rec, &v), 0);
        assert_int_equal(rec.queue_offset, 1 + i);
        char want[32];
        snprintf(want, sizeof(want), "Hello world %d", i);
        assert_true(rj_bytes_eq_cstr(rec.body, want));
        assert_int_equal(rec.body_crc, rj_crc32_masked(want, strlen(want)));
        /* The inner properties, then the batch's: WAIT appears twice (as 4.9.8 stores it). */
        assert_int_equal(rec.properties.len, 100 + 1 + 9);
        assert_memory_equal(rec.properties.data + 100, "\x02WAIT\x01true", 10);
        if (i > 0) {
            assert_int_equal(offs[i], offs[i - 1] + rec.total_size);
        }
        rj_store_view_release(&v);
    }
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("BatchTest"), 0), 4);
    /* A malformed batch body is refused. */
    b.body = rj_bytes(body.data, 100);
    assert_int_equal(rj_store_put_batch(f->s, &b, NULL, &r), RJ_PUT_MESSAGE_ILLEGAL);
    rj_buf_cleanup(&body);
}

static void
test_limits_are_enforced(void **state)
{
    fixture_t *f = *state;
    f->cfg.max_message_size = 1000;
    open_store(f);
    rj_store_put_result_t r;
    char big[1100];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    assert_int_equal(put(f, "L", 0, big, "", &r), RJ_PUT_MESSAGE_ILLEGAL);
    char topic[200];
    memset(topic, 't', 128);
    topic[128] = 0;
    assert_int_equal(put(f, topic, 0, "x", "", &r), RJ_PUT_MESSAGE_ILLEGAL);
    assert_int_equal(put(f, "", 0, "x", "", &r), RJ_PUT_MESSAGE_ILLEGAL);
    /* Topics name directories: nothing that could leave consumequeue/. */
    assert_int_equal(put(f, "../escape", 0, "x", "", &r), RJ_PUT_MESSAGE_ILLEGAL);
    assert_int_equal(put(f, "..", 0, "x", "", &r), RJ_PUT_MESSAGE_ILLEGAL);
    assert_int_equal(put(f, "a/b", 0, "x", "", &r), RJ_PUT_MESSAGE_ILLEGAL);
    rj_store_stats_t st;
    rj_store_get_stats(f->s, &st);
    assert_int_equal(st.put_message_failed_times, 6);
}

static bool
capture(int64_t code, void *arg)
{
    *(int64_t *)arg = code;
    return true;
}

static void
test_delayed_message_goes_to_schedule_topic_with_delivery_time(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_msg_t m = st_msg("TestTopic", 5, "later",
                              "TAGS\x01TagA\x02"
                              "DELAY\x01"
                              "3");
    m.delay_level = 3;
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    wait_dispatched(f->s);
    rj_bytes_t sched = RJ_BYTES_LIT(RJ_SCHEDULE_TOPIC);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, sched, 2), 1);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("TestTopic"), 5), 0);
    rj_store_view_t views[1];
    rj_store_get_result_t g = {.views = views, .cap = 1};
    assert_int_equal(rj_store_get_message(f->s, sched, 2, 0, 1, NULL, &g), 0);
    assert_int_equal(g.count, 1);
    rj_message_record_t rec;
    assert_true(rj_message_record_decode(views[0].data, views[0].len, &rec, 0) > 0);
    assert_true(rj_bytes_eq_cstr(rec.topic, RJ_SCHEDULE_TOPIC));
    assert_int_equal(rec.queue_id, 2);
    rj_bytes_t v;
    assert_true(rj_message_properties_get(rec.properties, "REAL_TOPIC", &v));
    assert_true(rj_bytes_eq_cstr(v, "TestTopic"));
    assert_true(rj_message_properties_get(rec.properties, "REAL_QID", &v));
    assert_true(rj_bytes_eq_cstr(v, "5"));
    int64_t store_ts = rec.store_timestamp;
    rj_store_get_result_release(&g);
    /* The unit's tagsCode is the delivery time: store time + 10 s for level 3. */
    int64_t phy = rj_store_get_commit_log_offset_in_queue(f->s, sched, 2, 0);
    assert_int_equal(phy, r.phy_offset);
    assert_int_equal(rj_store_delay_level_ms(f->s, 3), 10000);
    assert_int_equal(rj_store_max_delay_level(f->s), 18);
    /* Read the unit through a filter that records the code. */
    int64_t seen = 0;
    rj_store_get_result_t g2 = {.views = views, .cap = 1};
    rj_store_filter_t cf = {.match_cq = capture, .arg = &seen};
    assert_int_equal(rj_store_get_message(f->s, sched, 2, 0, 1, &cf, &g2), 0);
    assert_int_equal(seen, store_ts + 10000);
    rj_store_get_result_release(&g2);
    /* Levels beyond the table are clamped to the highest (2 h, queue 17). */
    m.delay_level = 40;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    wait_dispatched(f->s);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, sched, 17), 1);
}

static void
test_prepared_and_rollback_get_no_queue_unit(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_msg_t m = st_msg("Tx", 0, "half", "KEYS\x01txkey");
    rj_store_put_result_t r;
    m.sys_flag = RJ_SYSFLAG_TRANSACTION_PREPARED;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.queue_offset, 0);
    m.sys_flag = RJ_SYSFLAG_TRANSACTION_ROLLBACK;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    m.sys_flag = RJ_SYSFLAG_TRANSACTION_COMMIT;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.queue_offset, 0);
    m.sys_flag = 0;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(r.queue_offset, 1);
    wait_dispatched(f->s);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, RJ_BYTES_LIT("Tx"), 0), 2);
    /* Index: PREPARED, COMMIT and NOT are indexed, ROLLBACK is not. */
    rj_store_view_t views[8];
    rj_store_query_result_t q = {.views = views, .cap = 8};
    assert_int_equal(rj_store_query_message(f->s, RJ_BYTES_LIT("Tx"), RJ_BYTES_LIT("txkey"), 32, 0,
                                            INT64_MAX, &q),
                     0);
    assert_int_equal(q.count, 3);
    for (uint32_t i = 0; i < q.count; i++) {
        rj_message_record_t rec;
        assert_true(rj_message_record_decode(views[i].data, views[i].len, &rec, 0) > 0);
        assert_int_not_equal(rj_sysflag_tran_type(rec.sys_flag), RJ_SYSFLAG_TRANSACTION_ROLLBACK);
    }
    rj_store_query_result_release(&q);
}

static void
test_query_by_key_and_uniq_key_with_time_range(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_put_result_t r;
    assert_int_equal(put(f, "Q", 0, "a", "KEYS\x01order1 order2\x02UNIQ_KEY\x01U1", &r), RJ_PUT_OK);
    int64_t off_a = r.phy_offset;
    assert_int_equal(put(f, "Q", 1, "b", "KEYS\x01order2", &r), RJ_PUT_OK);
    assert_int_equal(put(f, "Other", 0, "c", "KEYS\x01order2", &r), RJ_PUT_OK);
    wait_dispatched(f->s);
    rj_store_view_t views[8];
    rj_store_query_result_t q = {.views = views, .cap = 8};
    assert_int_equal(rj_store_query_message(f->s, RJ_BYTES_LIT("Q"), RJ_BYTES_LIT("order2"), 32, 0,
                                            INT64_MAX, &q),
                     0);
    assert_int_equal(q.count, 2);
    assert_int_equal(views[0].phy_offset, off_a);
    assert_true(q.index_last_update_timestamp > 0);
    rj_store_query_result_release(&q);
    assert_int_equal(
        rj_store_query_message(f->s, RJ_BYTES_LIT("Q"), RJ_BYTES_LIT("U1"), 32, 0, INT64_MAX, &q),
        0);
    assert_int_equal(q.count, 1);
    rj_store_query_result_release(&q);
    assert_int_equal(
        rj_store_query_message(f->s, RJ_BYTES_LIT("Q"), RJ_BYTES_LIT("order1"), 32, 0, 1000, &q),
        0);
    assert_int_equal(q.count, 0);
    assert_int_equal(rj_store_query_message(f->s, RJ_BYTES_LIT("Q"), RJ_BYTES_LIT("nokey"), 32, 0,
                                            INT64_MAX, &q),
                     0);
    assert_int_equal(q.count, 0);
}

static void
test_timestamp_search_and_earliest_time(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_put_result_t r;
    int64_t ts[5];
    for (int i = 0; i < 5; i++) {
        assert_int_equal(put(f, "Time", 0, "t", "", &r), RJ_PUT_OK);
        ts[i] = r.store_timestamp;
        rj_clock_sleep_ms(15);
    }
    wait_dispatched(f->s);
    rj_bytes_t t = RJ_BYTES_LIT("Time");
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rj_store_get_offset_in_queue_by_time(f->s, t, 0, ts[i]), i);
        assert_int_equal(rj_store_get_message_store_timestamp(f->s, t, 0, i), ts[i]);
    }
    /* Between two messages: the nearer one. */
    assert_int_equal(rj_store_get_offset_in_queue_by_time(f->s, t, 0, ts[2] + 2), 2);
    assert_int_equal(rj_store_get_offset_in_queue_by_time(f->s, t, 0, ts[3] - 2), 3);
    assert_int_equal(rj_store_get_offset_in_queue_by_time(f->s, t, 0, 0), 0);
    assert_int_equal(rj_store_get_offset_in_queue_by_time(f->s, t, 0, INT64_MAX / 2), 4);
    assert_int_equal(rj_store_get_earliest_message_time(f->s, t, 0), ts[0]);
    assert_int_equal(rj_store_get_earliest_message_time_all(f->s), ts[0]);
    assert_int_equal(rj_store_get_earliest_message_time(f->s, RJ_BYTES_LIT("none"), 0), -1);
}

typedef struct {
    pthread_mutex_t mu;
    int done;
    rj_put_status_t last;
    int64_t flushed_at_callback;
    rj_store_t *s;
} completion_t;

static void
on_flushed(rj_store_flush_waiter_t *w, rj_put_status_t st)
{
    completion_t *c = w->data;
    pthread_mutex_lock(&c->mu);
    c->done++;
    c->last = st;
    pthread_mutex_unlock(&c->mu);
}

static void
test_sync_flush_completes_waiters_from_flush_thread(void **state)
{
    fixture_t *f = *state;
    f->cfg.flush_disk_type = RJ_FLUSH_SYNC;
    open_store(f);
    completion_t c = {PTHREAD_MUTEX_INITIALIZER, 0, RJ_PUT_UNKNOWN_ERROR, 0, f->s};
    rj_store_flush_waiter_t w[16];
    rj_store_put_result_t r;
    for (int i = 0; i < 16; i++) {
        w[i].cb = on_flushed;
        w[i].data = &c;
        rj_store_msg_t m = st_msg("S", 0, "sync", "");
        assert_int_equal(rj_store_put(f->s, &m, &w[i], &r), RJ_PUT_OK);
        assert_true(r.flush_pending);
    }
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&c.mu);
        int d = c.done;
        pthread_mutex_unlock(&c.mu);
        if (d == 16) {
            break;
        }
        rj_clock_sleep_ms(1);
    }
    assert_int_equal(c.done, 16);
    assert_int_equal(c.last, RJ_PUT_OK);
    rj_store_stats_t st;
    rj_store_get_stats(f->s, &st);
    assert_true(st.commit_log_flushed_offset >= r.phy_offset + r.wrote_bytes);
    /* WAIT=false: answered at once, no callback. */
    rj_store_msg_t m = st_msg("S", 0, "nowait", "");
    m.wait_store_msg_ok = false;
    assert_int_equal(rj_store_put(f->s, &m, &w[0], &r), RJ_PUT_OK);
    assert_false(r.flush_pending);
    /* No waiter: the call blocks until the flush. */
    m.wait_store_msg_ok = true;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_false(r.flush_pending);
    rj_store_get_stats(f->s, &st);
    assert_true(st.commit_log_flushed_offset >= r.phy_offset + r.wrote_bytes);
}

static void
test_restart_keeps_messages_and_queue_offsets(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_put_result_t r;
    for (int i = 0; i < 50; i++) {
        assert_int_equal(put(f, "R", i % 3, "persist", "KEYS\x01rk", &r), RJ_PUT_OK);
    }
    reopen(f);
    assert_true(st_log_contains("last shutdown normally"));
    rj_bytes_t t = RJ_BYTES_LIT("R");
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, t, 0), 17);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, t, 1), 17);
    assert_int_equal(rj_store_get_max_offset_in_queue(f->s, t, 2), 16);
    assert_int_equal(put(f, "R", 2, "after", "", &r), RJ_PUT_OK);
    assert_int_equal(r.queue_offset, 16);
    wait_dispatched(f->s);
    rj_store_view_t views[64];
    rj_store_query_result_t q = {.views = views, .cap = 64};
    assert_int_equal(rj_store_query_message(f->s, t, RJ_BYTES_LIT("rk"), 64, 0, INT64_MAX, &q), 0);
    assert_int_equal(q.count, 50);
    rj_store_query_result_release(&q);
}

static void
test_live_options_change_and_others_are_refused(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    char err[128];
    assert_int_equal(rj_store_set_config(f->s, "deleteWhen", "03;15", err, sizeof(err)), 0);
    assert_string_equal(rj_store_config(f->s)->delete_when, "03;15");
    assert_int_equal(rj_store_set_config(f->s, "fileReservedTime", "48", err, sizeof(err)), 0);
    assert_int_equal(rj_store_config(f->s)->file_reserved_time, 48);
    assert_int_equal(rj_store_set_config(f->s, "mappedFileSizeCommitLog", "4096", err, sizeof(err)),
                     RJ_ESTATE);
    assert_int_equal(rj_store_set_config(f->s, "fileReservedTime", "x", err, sizeof(err)),
                     RJ_EINVAL);
    assert_int_equal(rj_store_set_config(f->s, "brokerName", "b", err, sizeof(err)), RJ_ENOTFOUND);
}

static void
test_second_open_of_a_locked_store_fails(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    /* In this process too. */
    rj_store_t *again;
    assert_int_equal(rj_store_open(&f->cfg, NULL, &again), RJ_EBUSY);
    pid_t pid = fork();
    if (pid == 0) {
        rj_store_t *other;
        int rc = rj_store_open(&f->cfg, NULL, &other);
        _exit(rc == RJ_EBUSY ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_ipv6_hosts_and_slave_role(void **state)
{
    fixture_t *f = *state;
    open_store(f);
    rj_store_msg_t m = st_msg("V6", 0, "six", "");
    m.born_host = st_host("fd00::2", 5555);
    m.store_host = st_host("::1", 10911);
    rj_store_put_result_t r;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_OK);
    assert_int_equal(strlen(r.msg_id), 56);
    rj_message_record_t rec;
    rj_store_view_t v;
    assert_int_equal(rj_store_look_message(f->s, r.phy_offset, &rec, &v), 0);
    assert_int_equal(rec.sys_flag & (RJ_SYSFLAG_BORNHOST_V6 | RJ_SYSFLAG_STOREHOST_V6),
                     RJ_SYSFLAG_BORNHOST_V6 | RJ_SYSFLAG_STOREHOST_V6);
    assert_int_equal(rec.born_host.port, 5555);
    rj_store_view_release(&v);
    rj_store_config(f->s)->broker_role = RJ_BROKER_ROLE_SLAVE;
    assert_int_equal(rj_store_put(f->s, &m, NULL, &r), RJ_PUT_SERVICE_NOT_AVAILABLE);
}

typedef struct {
    int count;
    int64_t last_offset;
} arrivals_t;

static void
on_arrive(void *arg, rj_bytes_t topic, int32_t queue_id, int64_t logic_offset, int64_t tags,
          int64_t ts, rj_bytes_t props)
{
    arrivals_t *a = arg;
    (void)topic;
    (void)queue_id;
    (void)tags;
    (void)ts;
    (void)props;
    a->count++;
    a->last_offset = logic_offset;
}

static void
test_arriving_listener_and_slave_replication_append(void **state)
{
    fixture_t *f = *state;
    arrivals_t a = {0, 0};
    rj_store_callbacks_t cb = {on_arrive, &a};
    assert_int_equal(rj_store_open(&f->cfg, &cb, &f->s), 0);
    assert_int_equal(rj_store_start(f->s), 0);
    rj_store_put_result_t r;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(put(f, "A", 0, "x", "", &r), RJ_PUT_OK);
    }
    wait_dispatched(f->s);
    assert_int_equal(a.count, 3);
    assert_int_equal(a.last_offset, 3);
    /* Copy the data into a second store as a slave would receive it. */
    rj_store_view_t v;
    assert_int_equal(rj_store_get_commit_log_data(f->s, 0, &v), 0);
    char *dir2 = st_make_dir("slave");
    rj_store_config_t c2;
    st_config(&c2, dir2);
    c2.broker_role = RJ_BROKER_ROLE_SLAVE;
    rj_store_t *s2;
    assert_int_equal(rj_store_open(&c2, NULL, &s2), 0);
    assert_int_equal(rj_store_start(s2), 0);
    assert_int_equal(rj_store_append_to_commit_log(s2, 5, v.data, v.len), RJ_EINVAL);
    assert_int_equal(rj_store_append_to_commit_log(s2, 0, v.data, 100), 0);
    assert_int_equal(rj_store_append_to_commit_log(s2, 100, v.data + 100, v.len - 100), 0);
    for (int i = 0; i < 1000 && rj_store_dispatch_behind_bytes(s2) > 0; i++) {
        rj_clock_sleep_ms(1);
    }
    assert_int_equal(rj_store_get_max_offset_in_queue(s2, RJ_BYTES_LIT("A"), 0), 3);
    rj_store_view_release(&v);
    rj_store_close(s2);
    rj_store_config_cleanup(&c2);
    rj_fs_remove_tree(dir2);
    rj_free(dir2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_then_pull_returns_identical_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pull_statuses_follow_rocketmq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tag_filter_skips_and_reports_next_offset, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_segment_rollover_writes_blank_and_reads_across, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_batch_put_gives_consecutive_offsets_and_appends_batch_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_are_enforced, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_delayed_message_goes_to_schedule_topic_with_delivery_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepared_and_rollback_get_no_queue_unit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_query_by_key_and_uniq_key_with_time_range, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_timestamp_search_and_earliest_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_flush_completes_waiters_from_flush_thread, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_messages_and_queue_offsets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_live_options_change_and_others_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_second_open_of_a_locked_store_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6_hosts_and_slave_role, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arriving_listener_and_slave_replication_append, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
