/*
 * Retries and delays: CONSUMER_SEND_MSG_BACK stores a copy for the group's
 * %RETRY% topic behind a delay level, which the schedule service delivers
 * when due (pulled with RETRY_TOPIC, ORIGIN_MESSAGE_ID and reconsumeTimes+1);
 * past maxReconsumeTimes the copy goes to %DLQ%; a send with DELAY=1 shows up
 * in its topic only after a second; delay progress is kept in
 * delayOffset.json across a restart.
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/message_properties.h"
#include "common/message_record.h"
#include "ramjet/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static it_cluster_t cluster;

static int
group_setup(void **state)
{
    (void)state;
    it_cluster_start(&cluster, NULL);
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_cluster_stop(&cluster);
    return 0;
}

/* A suspended pull of one message from `topic`/`qid` at `offset`; fills `rec` views into `r`. */
static int64_t
pull_one(rj_raw_client_t *c, const char *group, const char *topic, int64_t offset,
         rj_raw_reply_t *r, rj_message_record_t *rec)
{
    char ext[512];
    snprintf(
        ext, sizeof(ext),
        "{\"consumerGroup\":\"%s\",\"topic\":\"%s\",\"queueId\":\"0\",\"queueOffset\":\"%lld\","
        "\"maxMsgNums\":\"1\",\"sysFlag\":\"6\",\"commitOffset\":\"0\","
        "\"suspendTimeoutMillis\":\"5000\",\"subscription\":\"*\",\"subVersion\":\"0\"}",
        group, topic, (long long)offset);
    int64_t t0 = rj_clock_mono_ms();
    it_call(c, 11, IT_VERSION_JAVA, ext, NULL, 0, r);
    if (r->code != 0) {
        fail_msg("pull %s: code %d %s", topic, r->code, r->remark ? r->remark : "");
    }
    assert_true(rj_message_record_decode(r->body.data, r->body.len, rec, 0) > 0);
    return rj_clock_mono_ms() - t0;
}

static void
expect_prop(const rj_message_record_t *rec, const char *key, const char *value)
{
    rj_bytes_t v;
    if (!rj_message_properties_get(rec->properties, key, &v)) {
        fail_msg("property %s missing", key);
    }
    if (value != NULL && !rj_bytes_eq_cstr(v, value)) {
        fail_msg("property %s is '%.*s', expected '%s'", key, (int)v.len, (const char *)v.data,
                 value);
    }
}

static void
test_send_back_retry_and_dlq(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r, s;
    rj_message_record_t rec;
    it_send_message(c, "RetryTopic", 0, "TAGS\001t\002KEYS\001rk", "retry me", 8, &s);
    assert_int_equal(s.code, 0);
    char origin_id[64];
    snprintf(origin_id, sizeof(origin_id), "%s", rj_raw_reply_ext(&s, "msgId"));
    rj_raw_reply_cleanup(&s);
    pull_one(c, "rt_group", "RetryTopic", 0, &r, &rec);
    int64_t phy = rec.phy_offset;
    rj_raw_reply_cleanup(&r);

    /* Level 1 (1 s): the copy appears in %RETRY%rt_group after the delay. */
    char ext[512];
    snprintf(ext, sizeof(ext),
             "{\"offset\":\"%lld\",\"group\":\"rt_group\",\"delayLevel\":\"1\",\"originMsgId\":"
             "\"%s\",\"originTopic\":\"RetryTopic\",\"unitMode\":\"false\","
             "\"maxReconsumeTimes\":\"16\"}",
             (long long)phy, origin_id);
    int64_t t0 = rj_clock_mono_ms();
    it_call(c, 36, IT_VERSION_JAVA, ext, NULL, 0, &r);
    it_golden_expect(&r, 157, NULL);
    rj_raw_reply_cleanup(&r);
    pull_one(c, "rt_group", "%RETRY%rt_group", 0, &r, &rec);
    int64_t waited = rj_clock_mono_ms() - t0;
    assert_true(waited >= 900);
    assert_true(rj_bytes_eq_cstr(rec.topic, "%RETRY%rt_group"));
    assert_true(rj_bytes_eq_cstr(rec.body, "retry me"));
    assert_int_equal(rec.reconsume_times, 1);
    expect_prop(&rec, "RETRY_TOPIC", "RetryTopic");
    expect_prop(&rec, "ORIGIN_MESSAGE_ID", origin_id);
    expect_prop(&rec, "TAGS", "t");
    int64_t retry_phy = rec.phy_offset;
    rj_raw_reply_cleanup(&r);

    /* Past maxReconsumeTimes: straight to the DLQ, no delay. */
    snprintf(ext, sizeof(ext),
             "{\"offset\":\"%lld\",\"group\":\"rt_group\",\"delayLevel\":\"0\","
             "\"maxReconsumeTimes\":\"1\"}",
             (long long)retry_phy);
    it_call(c, 36, IT_VERSION_JAVA, ext, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    waited = pull_one(c, "rt_group", "%DLQ%rt_group", 0, &r, &rec);
    assert_true(waited < 3000);
    assert_int_equal(rec.reconsume_times, 2);
    expect_prop(&rec, "RETRY_TOPIC", "RetryTopic");
    expect_prop(&rec, "ORIGIN_MESSAGE_ID", origin_id);
    rj_raw_reply_cleanup(&r);

    /* Bad offset. */
    it_call(c, 36, IT_VERSION_JAVA,
            "{\"offset\":\"1099511627776\",\"group\":\"rt_group\",\"delayLevel\":\"0\"}", NULL, 0,
            &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "look message by offset failed, 1099511627776");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static void
test_delayed_send_and_delay_offsets(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    rj_message_record_t rec;
    int64_t t0 = rj_clock_mono_ms();
    it_send_message(c, "DelayTopic", 0, "TAGS\001d\002DELAY\0011", "later", 5, &r);
    assert_int_equal(r.code, 0);
    /* The answer describes the SCHEDULE_TOPIC_XXXX record; queueId is the requested one. */
    assert_string_equal(rj_raw_reply_ext(&r, "queueId"), "0");
    rj_raw_reply_cleanup(&r);
    pull_one(c, "delay_group", "DelayTopic", 0, &r, &rec);
    assert_true(rj_clock_mono_ms() - t0 >= 900);
    assert_true(rj_bytes_eq_cstr(rec.body, "later"));
    assert_true(rj_bytes_eq_cstr(rec.topic, "DelayTopic"));
    rj_raw_reply_cleanup(&r);

    it_call(c, 45, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_non_null(strstr(rj_raw_reply_body_text(&r), "{\"offsetTable\":{1:"));
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);

    int status = -1;
    assert_int_equal(rj_daemon_stop(cluster.broker, 20000, &status), 0);
    assert_int_equal(status, 0);
    rj_buf_t path = RJ_BUF_INIT, text = RJ_BUF_INIT;
    rj_buf_appendf(&path, "%s/store/config/delayOffset.json", rj_daemon_dir(cluster.broker));
    rj_buf_terminate(&path);
    assert_int_equal(rj_fs_read_file((const char *)path.data, &text), 0);
    rj_buf_terminate(&text);
    assert_non_null(strstr((const char *)text.data, "{\"offsetTable\":{1:"));
    rj_buf_cleanup(&path);
    rj_buf_cleanup(&text);
    assert_int_equal(rj_daemon_restart(cluster.broker), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_send_back_retry_and_dlq),
        cmocka_unit_test(test_delayed_send_and_delay_offsets),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
