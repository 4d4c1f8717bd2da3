/*
 * Protocol evidence over real sockets with the raw client: batch sends
 * (records, ids, errors), the same requests with JSON and ROCKETMQ binary
 * headers, QUERY_MESSAGE by key and by UNIQ_KEY (_UNIQUE_KEY_QUERY),
 * VIEW_MESSAGE_BY_ID, SEARCH_OFFSET_BY_TIMESTAMP, the latency of long-poll
 * wake-ups (measured and printed) and a pull on a range whose commit log
 * was deleted.
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "common/message_record.h"
#include "ramjet/status.h"
#include "remoting/command.h"

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

/* ---- batch ---------------------------------------------------------------------- */

static void
batch_item(rj_buf_t *body, const char *text, const char *props)
{
    uint8_t buf[1024];
    int n = rj_message_batch_item_encode(0, rj_bytes_from_cstr(text), rj_bytes_from_cstr(props),
                                         buf, sizeof(buf));
    assert_true(n > 0);
    rj_buf_append(body, buf, (size_t)n);
}

static void
send_batch(rj_raw_client_t *c, const char *topic, const char *props, const char *sys_flag,
           const rj_buf_t *body, rj_raw_reply_t *r)
{
    char ext[512];
    snprintf(
        ext, sizeof(ext),
        "{\"a\":\"batch_pg\",\"b\":\"%s\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"1\",\"f\":\"%s\","
        "\"g\":\"%lld\",\"h\":\"0\",\"i\":\"%s\",\"m\":\"true\"}",
        topic, sys_flag, (long long)rj_clock_wall_ms(), props);
    it_call(c, 320, IT_VERSION_JAVA, ext, body->data, body->len, r);
}

static void
test_batch_send(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_buf_t body = RJ_BUF_INIT;
    for (int i = 0; i < 5; i++) {
        char text[32], props[128];
        snprintf(text, sizeof(text), "batch body %d", i);
        snprintf(props, sizeof(props), "KEYS\001bk%d\002UNIQ_KEY\001BU%d\002TAGS\001T%d\002n\001%d",
                 i, i, i % 2, i);
        batch_item(&body, text, props);
    }
    rj_raw_reply_t r;
    send_batch(c, "TopicBatch", "WAIT\\u0001true", "0", &body, &r);
    assert_int_equal(r.code, 0);
    assert_string_equal(rj_raw_reply_ext(&r, "queueId"), "1");
    int64_t first = strtoll(rj_raw_reply_ext(&r, "queueOffset"), NULL, 10);
    char ids[512];
    snprintf(ids, sizeof(ids), "%s", rj_raw_reply_ext(&r, "msgId"));
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(c, "TopicBatch", 1, first + 5);

    /* One record per inner message, consecutive queue offsets, ids in order. */
    it_pull(c, "batch_cg", "TopicBatch", 1, first, 32, "*", NULL, &r);
    assert_int_equal(r.code, 0);
    rj_message_record_t rec[8];
    assert_int_equal(it_records(&r, rec, 8), 5);
    const char *id = ids;
    for (int i = 0; i < 5; i++) {
        char v[64], want[64];
        assert_int_equal(rec[i].queue_offset, first + i);
        snprintf(want, sizeof(want), "batch body %d", i);
        assert_true(rj_bytes_eq_cstr(rec[i].body, want));
        snprintf(want, sizeof(want), "BU%d", i);
        assert_string_equal(it_record_prop(&rec[i], "UNIQ_KEY", v, sizeof(v)), want);
        snprintf(want, sizeof(want), "%d", i);
        assert_string_equal(it_record_prop(&rec[i], "n", v, sizeof(v)), want);
        /* The batch's own properties are added to every message. */
        assert_string_equal(it_record_prop(&rec[i], "WAIT", v, sizeof(v)), "true");
        assert_string_equal(it_record_prop(&rec[i], "CLUSTER", v, sizeof(v)), "DefaultCluster");
        rj_msg_host_t host;
        int64_t phy;
        assert_int_equal(rj_message_id_decode(id, 32, &host, &phy), 0);
        assert_int_equal(phy, rec[i].phy_offset);
        id += 32;
        assert_true(i == 4 ? *id == '\0' : *id == ',');
        id += *id == ',';
    }
    rj_raw_reply_cleanup(&r);

    /* Batches can be neither delayed nor transactional, nor malformed. */
    send_batch(c, "TopicBatch", "DELAY\\u00013", "0", &body, &r);
    assert_int_equal(r.code, 13);
    assert_non_null(strstr(r.remark, "cannot be delayed"));
    rj_raw_reply_cleanup(&r);
    send_batch(c, "TopicBatch", "", "4", &body, &r);
    assert_int_equal(r.code, 13);
    rj_raw_reply_cleanup(&r);
    rj_buf_t bad = RJ_BUF_INIT;
    rj_buf_append(&bad, body.data, body.len - 3);
    send_batch(c, "TopicBatch", "", "0", &bad, &r);
    assert_int_equal(r.code, 13);
    rj_raw_reply_cleanup(&r);
    rj_buf_reset(&bad);
    send_batch(c, "TopicBatch", "", "0", &bad, &r);
    assert_int_equal(r.code, 13);
    rj_raw_reply_cleanup(&r);
    rj_buf_cleanup(&bad);
    assert_int_equal(it_max_offset(c, "TopicBatch", 1), first + 5);
    rj_buf_cleanup(&body);
    rj_raw_client_close(c);
}

/* ---- binary headers ----------------------------------------------------------------- */

/* Sends `cmd` with a ROCKETMQ binary header and decodes the reply (copied into `frame`). */
static void
call_binary(rj_raw_client_t *c, rj_command_t *cmd, rj_buf_t *frame, rj_command_t *resp)
{
    static int32_t opaque = 90000;
    cmd->serialize_type = RJ_SERIALIZE_ROCKETMQ;
    cmd->opaque = ++opaque;
    rj_buf_t out = RJ_BUF_INIT;
    assert_int_equal(rj_command_encode(cmd, &out), 0);
    assert_int_equal(rj_raw_client_send(c, out.data, out.len), 0);
    rj_buf_cleanup(&out);
    rj_raw_reply_t r;
    assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.serialize_type, 1);
    rj_buf_reset(frame);
    rj_buf_append(frame, r.frame.data, r.frame.len);
    rj_raw_reply_cleanup(&r);
    assert_true(rj_command_decode(frame->data, frame->len, 0, resp) > 0);
    assert_int_equal(resp->opaque, opaque);
    assert_true(rj_command_is_response(resp));
}

static const char *
ext(const rj_command_t *cmd, const char *key, char *buf, size_t size)
{
    rj_bytes_t v;
    if (!rj_command_ext_get(cmd, key, &v)) {
        return NULL;
    }
    rj_bytes_copy_cstr(v, buf, size);
    return buf;
}

static void
test_binary_and_json_headers(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_buf_t frame = RJ_BUF_INIT;
    rj_command_t req, resp;
    char v[128];

    /* SEND_MESSAGE_V2 with a binary header. */
    rj_command_init_request(&req, 310);
    rj_command_add_ext_cstr(&req, "a", "bin_pg");
    rj_command_add_ext_cstr(&req, "b", "TopicBin");
    rj_command_add_ext_cstr(&req, "c", "TBW102");
    rj_command_add_ext_cstr(&req, "d", "4");
    rj_command_add_ext_cstr(&req, "e", "2");
    rj_command_add_ext_cstr(&req, "f", "0");
    rj_command_add_ext_i64(&req, "g", rj_clock_wall_ms());
    rj_command_add_ext_cstr(&req, "h", "0");
    rj_command_add_ext_cstr(&req, "i", "TAGS\001bin\002KEYS\001binkey");
    req.body = RJ_BYTES_LIT("binary header body");
    call_binary(c, &req, &frame, &resp);
    assert_int_equal(resp.code, 0);
    assert_string_equal(ext(&resp, "queueId", v, sizeof(v)), "2");
    assert_string_equal(ext(&resp, "queueOffset", v, sizeof(v)), "0");
    assert_int_equal(strlen(ext(&resp, "msgId", v, sizeof(v))), 32);
    assert_string_equal(ext(&resp, "MSG_REGION", v, sizeof(v)), "DefaultRegion");
    /* V1 names (code 10), binary. */
    rj_command_init_request(&req, 10);
    rj_command_add_ext_cstr(&req, "producerGroup", "bin_pg");
    rj_command_add_ext_cstr(&req, "topic", "TopicBin");
    rj_command_add_ext_cstr(&req, "defaultTopic", "TBW102");
    rj_command_add_ext_cstr(&req, "defaultTopicQueueNums", "4");
    rj_command_add_ext_cstr(&req, "queueId", "2");
    rj_command_add_ext_cstr(&req, "sysFlag", "0");
    rj_command_add_ext_i64(&req, "bornTimestamp", rj_clock_wall_ms());
    rj_command_add_ext_cstr(&req, "flag", "0");
    rj_command_add_ext_cstr(&req, "properties", "TAGS\001bin");
    req.body = RJ_BYTES_LIT("second");
    call_binary(c, &req, &frame, &resp);
    assert_int_equal(resp.code, 0);
    assert_string_equal(ext(&resp, "queueOffset", v, sizeof(v)), "1");
    it_wait_max_offset(c, "TopicBin", 2, 2);

    /* GET_MAX_OFFSET / GET_MIN_OFFSET / GET_EARLIEST_MSG_STORETIME, both header types. */
    int codes[] = {30, 31, 32};
    const char *field[] = {"offset", "offset", "timestamp"};
    for (int i = 0; i < 3; i++) {
        rj_command_init_request(&req, codes[i]);
        rj_command_add_ext_cstr(&req, "topic", "TopicBin");
        rj_command_add_ext_cstr(&req, "queueId", "2");
        call_binary(c, &req, &frame, &resp);
        assert_int_equal(resp.code, 0);
        char bin[64];
        assert_non_null(ext(&resp, field[i], bin, sizeof(bin)));
        rj_raw_reply_t r;
        it_call(c, codes[i], IT_VERSION_JAVA, "{\"topic\":\"TopicBin\",\"queueId\":\"2\"}", NULL, 0,
                &r);
        assert_int_equal(r.code, 0);
        assert_string_equal(rj_raw_reply_ext(&r, field[i]), bin);
        rj_raw_reply_cleanup(&r);
    }

    /* SEARCH_OFFSET_BY_TIMESTAMP in binary. */
    rj_command_init_request(&req, 29);
    rj_command_add_ext_cstr(&req, "topic", "TopicBin");
    rj_command_add_ext_cstr(&req, "queueId", "2");
    rj_command_add_ext_cstr(&req, "timestamp", "0");
    call_binary(c, &req, &frame, &resp);
    assert_int_equal(resp.code, 0);
    assert_string_equal(ext(&resp, "offset", v, sizeof(v)), "0");

    /* UPDATE_CONSUMER_OFFSET then QUERY_CONSUMER_OFFSET, binary. */
    rj_command_init_request(&req, 15);
    rj_command_add_ext_cstr(&req, "consumerGroup", "bin_cg");
    rj_command_add_ext_cstr(&req, "topic", "TopicBin");
    rj_command_add_ext_cstr(&req, "queueId", "2");
    rj_command_add_ext_cstr(&req, "commitOffset", "1");
    call_binary(c, &req, &frame, &resp);
    assert_int_equal(resp.code, 0);
    rj_command_init_request(&req, 14);
    rj_command_add_ext_cstr(&req, "consumerGroup", "bin_cg");
    rj_command_add_ext_cstr(&req, "topic", "TopicBin");
    rj_command_add_ext_cstr(&req, "queueId", "2");
    call_binary(c, &req, &frame, &resp);
    assert_int_equal(resp.code, 0);
    assert_string_equal(ext(&resp, "offset", v, sizeof(v)), "1");

    /* PULL_MESSAGE in binary: records in the body, offsets in the binary header. */
    rj_command_init_request(&req, 11);
    rj_command_add_ext_cstr(&req, "consumerGroup", "bin_cg");
    rj_command_add_ext_cstr(&req, "topic", "TopicBin");
    rj_command_add_ext_cstr(&req, "queueId", "2");
    rj_command_add_ext_cstr(&req, "queueOffset", "0");
    rj_command_add_ext_cstr(&req, "maxMsgNums", "32");
    rj_command_add_ext_cstr(&req, "sysFlag", "4");
    rj_command_add_ext_cstr(&req, "commitOffset", "0");
    rj_command_add_ext_cstr(&req, "suspendTimeoutMillis", "0");
    rj_command_add_ext_cstr(&req, "subscription", "bin");
    rj_command_add_ext_cstr(&req, "subVersion", "0");
    call_binary(c, &req, &frame, &resp);
    assert_int_equal(resp.code, 0);
    assert_string_equal(ext(&resp, "nextBeginOffset", v, sizeof(v)), "2");
    assert_string_equal(ext(&resp, "maxOffset", v, sizeof(v)), "2");
    rj_raw_reply_t body = {.body = resp.body};
    rj_message_record_t rec[2];
    assert_int_equal(it_records(&body, rec, 2), 2);
    assert_true(rj_bytes_eq_cstr(rec[0].body, "binary header body"));
    assert_true(rj_bytes_eq_cstr(rec[1].body, "second"));

    /* Errors keep the request's header type too. */
    rj_command_init_request(&req, 11);
    rj_command_add_ext_cstr(&req, "topic", "TopicBin");
    call_binary(c, &req, &frame, &resp);
    assert_int_equal(resp.code, 1);
    assert_true(resp.has_remark);
    rj_buf_cleanup(&frame);
    rj_raw_client_close(c);
}

/* ---- queries ------------------------------------------------------------------------- */

static int
query(rj_raw_client_t *c, const char *topic, const char *key, int max, int64_t begin, int64_t end,
      bool uniq, rj_raw_reply_t *r)
{
    char e[512];
    snprintf(e, sizeof(e),
             "{\"topic\":\"%s\",\"key\":\"%s\",\"maxNum\":\"%d\",\"beginTimestamp\":\"%lld\","
             "\"endTimestamp\":\"%lld\"%s}",
             topic, key, max, (long long)begin, (long long)end,
             uniq ? ",\"_UNIQUE_KEY_QUERY\":\"true\"" : "");
    it_call(c, 12, IT_VERSION_JAVA, e, NULL, 0, r);
    return r->code;
}

static void
test_query_by_key_and_id(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    int64_t t0 = rj_clock_wall_ms();
    for (int i = 0; i < 3; i++) {
        char props[128];
        snprintf(props, sizeof(props), "KEYS\001qk-a qk-%d\002UNIQ_KEY\001QUNIQ%d\002TAGS\001q", i,
                 i);
        it_send_message(c, "TopicQuery", 0, props, "query me", 8, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
    }
    int64_t t1 = rj_clock_wall_ms();
    /* The index is written by the dispatcher: wait until the key is there. */
    int64_t deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS;
    while (query(c, "TopicQuery", "qk-a", 32, t0 - 1000, t1 + 1000, false, &r) != 0 ||
           it_count_records(&r) < 3) {
        rj_raw_reply_cleanup(&r);
        assert_true(rj_clock_mono_ms() < deadline);
        rj_clock_sleep_ms(5);
    }
    /* Each key of KEYS is indexed; the response names the index position. */
    assert_int_equal(it_count_records(&r), 3);
    assert_non_null(rj_raw_reply_ext(&r, "indexLastUpdateTimestamp"));
    assert_non_null(rj_raw_reply_ext(&r, "indexLastUpdatePhyoffset"));
    rj_raw_reply_cleanup(&r);
    assert_int_equal(query(c, "TopicQuery", "qk-1", 32, t0 - 1000, t1 + 1000, false, &r), 0);
    rj_message_record_t rec;
    assert_int_equal(it_records(&r, &rec, 1), 1);
    char v[64];
    assert_string_equal(it_record_prop(&rec, "UNIQ_KEY", v, sizeof(v)), "QUNIQ1");
    int64_t phy = rec.phy_offset;
    rj_msg_host_t host = rec.store_host;
    rj_raw_reply_cleanup(&r);
    /* maxNum limits; by UNIQ_KEY (_UNIQUE_KEY_QUERY) maxNum is forced to 32. */
    assert_int_equal(query(c, "TopicQuery", "qk-a", 1, t0 - 1000, t1 + 1000, false, &r), 0);
    assert_int_equal(it_count_records(&r), 1);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(query(c, "TopicQuery", "QUNIQ2", 1, t0 - 1000, t1 + 1000, true, &r), 0);
    assert_int_equal(it_records(&r, &rec, 1), 1);
    assert_string_equal(it_record_prop(&rec, "UNIQ_KEY", v, sizeof(v)), "QUNIQ2");
    rj_raw_reply_cleanup(&r);
    /* Misses: another key, another topic, a time range before the messages. */
    assert_int_equal(query(c, "TopicQuery", "nope", 32, t0 - 1000, t1 + 1000, false, &r), 22);
    assert_string_equal(r.remark, "can not find message, maybe time range not correct");
    rj_raw_reply_cleanup(&r);
    assert_int_equal(query(c, "TopicOther", "qk-a", 32, t0 - 1000, t1 + 1000, false, &r), 22);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(query(c, "TopicQuery", "qk-a", 32, 1000, 2000, false, &r), 22);
    rj_raw_reply_cleanup(&r);

    /* VIEW_MESSAGE_BY_ID: the offset decoded from an offset msgId. */
    char idhex[RJ_MSG_ID_MAX_HEX_SIZE];
    rj_message_id_encode(&host, phy, idhex, sizeof(idhex));
    rj_msg_host_t h2;
    int64_t off;
    assert_int_equal(rj_message_id_decode(idhex, strlen(idhex), &h2, &off), 0);
    char e[128];
    snprintf(e, sizeof(e), "{\"offset\":\"%lld\"}", (long long)off);
    it_call(c, 33, IT_VERSION_JAVA, e, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_records(&r, &rec, 1), 1);
    assert_int_equal(rec.phy_offset, phy);
    assert_string_equal(it_record_prop(&rec, "UNIQ_KEY", v, sizeof(v)), "QUNIQ1");
    rj_raw_reply_cleanup(&r);
    it_call(c, 33, IT_VERSION_JAVA, "{\"offset\":\"999999999\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    assert_string_equal(r.remark, "can not find message by the offset, 999999999");
    rj_raw_reply_cleanup(&r);
    it_call(c, 33, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

static int64_t
search(rj_raw_client_t *c, const char *topic, int qid, int64_t ts)
{
    char e[256];
    snprintf(e, sizeof(e), "{\"topic\":\"%s\",\"queueId\":\"%d\",\"timestamp\":\"%lld\"}", topic,
             qid, (long long)ts);
    rj_raw_reply_t r;
    it_call(c, 29, IT_VERSION_JAVA, e, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    int64_t v = strtoll(rj_raw_reply_ext(&r, "offset"), NULL, 10);
    rj_raw_reply_cleanup(&r);
    return v;
}

static void
test_offsets_by_timestamp(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    /* Six messages stored in six different milliseconds. */
    for (int i = 0; i < 6; i++) {
        int64_t before = rj_clock_wall_ms();
        it_send_message(c, "TopicTime", 0, "TAGS\001t", "tick", 4, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
        while (rj_clock_wall_ms() <= before + 2) {
            rj_clock_sleep_ms(1);
        }
    }
    it_wait_max_offset(c, "TopicTime", 0, 6);
    it_pull(c, "time_cg", "TopicTime", 0, 0, 32, "*", NULL, &r);
    rj_message_record_t rec[6];
    assert_int_equal(it_records(&r, rec, 6), 6);
    int64_t ts[6];
    for (int i = 0; i < 6; i++) {
        ts[i] = rec[i].store_timestamp;
        if (i > 0) {
            assert_true(ts[i] > ts[i - 1]);
        }
    }
    rj_raw_reply_cleanup(&r);
    /* Exact store times find their message; before all: the first; after all: the last. */
    for (int i = 0; i < 6; i++) {
        assert_int_equal(search(c, "TopicTime", 0, ts[i]), i);
    }
    assert_int_equal(search(c, "TopicTime", 0, ts[0] - 100000), 0);
    assert_int_equal(search(c, "TopicTime", 0, ts[5] + 100000), 5);
    /* In between: the nearer one (a gap of 2 ms would make ts[3] - 1 a tie). */
    if (ts[3] - ts[2] >= 3) {
        assert_int_equal(search(c, "TopicTime", 0, ts[3] - 1), 3);
        assert_int_equal(search(c, "TopicTime", 0, ts[2] + 1), 2);
    }
    /* Unknown queues answer 0. */
    assert_int_equal(search(c, "TopicTime", 3, ts[0]), 0);
    assert_int_equal(search(c, "NoSuchTopic", 0, ts[0]), 0);
    rj_raw_client_close(c);
}

/* ---- long polling ---------------------------------------------------------------------- */

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void
test_long_poll_wake_latency(void **state)
{
    (void)state;
    rj_raw_client_t *p = it_connect(cluster.broker);
    rj_raw_client_t *c = it_connect(cluster.broker);
    rj_raw_reply_t r;
    it_send_message(p, "TopicLatency", 0, "TAGS\001x", "seed", 4, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    int64_t end = 1;
    it_wait_max_offset(p, "TopicLatency", 0, end);
    enum { ROUNDS = 20 };
    double ms[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        char e[512];
        snprintf(e, sizeof(e),
                 "{\"consumerGroup\":\"lat_cg\",\"topic\":\"TopicLatency\",\"queueId\":\"0\","
                 "\"queueOffset\":\"%lld\",\"maxMsgNums\":\"32\",\"sysFlag\":\"6\","
                 "\"commitOffset\":\"0\",\"suspendTimeoutMillis\":\"20000\",\"subscription\":\"*\","
                 "\"subVersion\":\"0\"}",
                 (long long)end);
        it_send(c, 11, IT_VERSION_JAVA, 0, e, NULL, 0);
        /* Held (nothing to read yet). */
        assert_int_equal(rj_raw_client_read_reply(c, 30, &r), RJ_ETIMEDOUT);
        uint64_t t0 = rj_clock_mono_ns();
        it_send_message(p, "TopicLatency", 0, "TAGS\001x", "wake", 4, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
        assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
        ms[i] = (double)(rj_clock_mono_ns() - t0) / 1e6;
        assert_int_equal(r.code, 0);
        assert_int_equal(it_count_records(&r), 1);
        rj_raw_reply_cleanup(&r);
        end++;
    }
    qsort(ms, ROUNDS, sizeof(double), cmp_double);
    printf("long-poll wake-up after a send (%d rounds, send round trip included): min %.2f ms, "
           "median %.2f ms, max %.2f ms\n",
           ROUNDS, ms[0], ms[ROUNDS / 2], ms[ROUNDS - 1]);
    assert_true(ms[ROUNDS - 1] < 200.0);

    /* The suspend time ends the hold: PULL_NOT_FOUND after about that long. */
    char e[512];
    snprintf(e, sizeof(e),
             "{\"consumerGroup\":\"lat_cg\",\"topic\":\"TopicLatency\",\"queueId\":\"0\","
             "\"queueOffset\":\"%lld\",\"maxMsgNums\":\"32\",\"sysFlag\":\"6\","
             "\"commitOffset\":\"0\",\"suspendTimeoutMillis\":\"400\",\"subscription\":\"*\","
             "\"subVersion\":\"0\"}",
             (long long)end);
    uint64_t t0 = rj_clock_mono_ns();
    it_send(c, 11, IT_VERSION_JAVA, 0, e, NULL, 0);
    assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
    double waited = (double)(rj_clock_mono_ns() - t0) / 1e6;
    printf("long-poll timeout of 400 ms answered after %.1f ms\n", waited);
    assert_int_equal(r.code, 19);
    assert_string_equal(r.remark, "OFFSET_OVERFLOW_ONE");
    assert_true(waited >= 390.0 && waited < 2000.0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    rj_raw_client_close(p);
}

/* ---- deleted range -------------------------------------------------------------------- */

static void
test_pull_on_deleted_range(void **state)
{
    (void)state;
    /* A broker with 1 MiB commit-log segments that keeps files for 0 hours. */
    rj_daemon_t *b;
    assert_int_equal(it_broker_start(NULL,
                                     "mappedFileSizeCommitLog=1048576\nfileReservedTime=0\n"
                                     "cleanResourceInterval=100\ndeleteCommitLogFilesInterval=0\n",
                                     &b),
                     0);
    rj_raw_client_t *c = it_connect(b);
    size_t len = 100 * 1024;
    char *body = rj_calloc(1, len);
    memset(body, 'd', len);
    rj_raw_reply_t r;
    for (int i = 0; i < 40; i++) {
        it_send_message(c, "TopicDel", 0, "TAGS\001d", body, len, &r);
        assert_int_equal(r.code, 0);
        rj_raw_reply_cleanup(&r);
    }
    rj_free(body);
    it_wait_max_offset(c, "TopicDel", 0, 40);
    /* DELETE_EXPIRED_COMMITLOG: the old segments go, the queue's min offset follows. */
    it_call(c, 329, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    int64_t min = 0, deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS * 2;
    while (min == 0) {
        it_call(c, 31, IT_VERSION_JAVA, "{\"topic\":\"TopicDel\",\"queueId\":\"0\"}", NULL, 0, &r);
        min = strtoll(rj_raw_reply_ext(&r, "offset"), NULL, 10);
        rj_raw_reply_cleanup(&r);
        if (min == 0) {
            assert_true(rj_clock_mono_ms() < deadline);
            rj_clock_sleep_ms(20);
        }
    }
    printf("commit log deleted up to queue offset %lld\n", (long long)min);
    assert_true(min > 0 && min < 40);
    /* A pull in the deleted range is told where the queue starts now. */
    it_pull(c, "del_cg", "TopicDel", 0, 0, 32, "*", NULL, &r);
    assert_int_equal(r.code, 21);
    assert_string_equal(r.remark, "OFFSET_TOO_SMALL");
    assert_int_equal(strtoll(rj_raw_reply_ext(&r, "nextBeginOffset"), NULL, 10), min);
    rj_raw_reply_cleanup(&r);
    /* From there on it reads. */
    it_pull(c, "del_cg", "TopicDel", 0, min, 1, "*", NULL, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_count_records(&r), 1);
    rj_raw_reply_cleanup(&r);
    /* The records before min are gone for lookups too. */
    it_call(c, 33, IT_VERSION_JAVA, "{\"offset\":\"0\"}", NULL, 0, &r);
    assert_int_equal(r.code, 1);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    int status;
    assert_int_equal(rj_daemon_stop(b, 20000, &status), 0);
    assert_int_equal(status, 0);
    rj_daemon_destroy(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_send),
        cmocka_unit_test(test_binary_and_json_headers),
        cmocka_unit_test(test_query_by_key_and_id),
        cmocka_unit_test(test_offsets_by_timestamp),
        cmocka_unit_test(test_long_poll_wake_latency),
        cmocka_unit_test(test_pull_on_deleted_range),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
