/*
 * Transactional messages over real sockets (features.md §3): half messages
 * answered as RocketMQ 4.9.8 answers them (golden frames 216/217), commit
 * and rollback through END_TRANSACTION (one-way and two-way), its errors,
 * rejectTransactionMessage, and the check service asking a registered
 * producer with CHECK_TRANSACTION_STATE (compared with golden frame 224),
 * answered from the check, discarding after transactionCheckMax checks and
 * RESUME_CHECK_HALF_MESSAGE bringing a discarded message back.
 */
#include "broker_fixture.h"

#include "common/clock.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "ramjet/status.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define HALF_TOPIC "RMQ_SYS_TRANS_HALF_TOPIC"
#define OP_TOPIC "RMQ_SYS_TRANS_OP_HALF_TOPIC"
#define DISCARD_TOPIC "TRANS_CHECK_MAX_TIME_TOPIC"

/* The check service never runs in `plain` (60 s interval); `fast` checks every 200 ms. */
static it_cluster_t plain, fast;

static int
group_setup(void **state)
{
    (void)state;
    it_cluster_start(&plain, NULL);
    it_cluster_start(&fast, "transactionCheckInterval=200\ntransactionTimeOut=0\n"
                            "transactionCheckMax=2\n");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    it_cluster_stop(&plain);
    it_cluster_stop(&fast);
    return 0;
}

typedef struct {
    char msg_id[64];
    int64_t commit_log_offset;
    int64_t queue_offset;
} half_t;

/* Sends a half message as the Java producer does (sysFlag 4, TRAN_MSG, PGROUP). */
static void
send_half(rj_raw_client_t *c, const char *group, const char *topic, int qid, const char *uniq,
          const char *extra_props, half_t *out)
{
    char props[512];
    snprintf(props, sizeof(props),
             "KEYS\001key-%s\002TRAN_MSG\001true\002UNIQ_KEY\001%s\002WAIT\001true\002PGROUP\001%s"
             "\002TAGS\001TagA%s",
             uniq, uniq, group, extra_props ? extra_props : "");
    rj_raw_reply_t r;
    char body[64];
    int n = snprintf(body, sizeof(body), "tx body %s", uniq);
    it_send_message_ex(c, group, topic, qid, 4, props, body, (size_t)n, &r);
    assert_int_equal(r.code, 0);
    char want_qid[16];
    snprintf(want_qid, sizeof(want_qid), "%d", qid);
    assert_string_equal(rj_raw_reply_ext(&r, "queueId"), want_qid);
    snprintf(out->msg_id, sizeof(out->msg_id), "%s", rj_raw_reply_ext(&r, "msgId"));
    out->queue_offset = strtoll(rj_raw_reply_ext(&r, "queueOffset"), NULL, 10);
    rj_msg_host_t host;
    assert_int_equal(
        rj_message_id_decode(out->msg_id, strlen(out->msg_id), &host, &out->commit_log_offset), 0);
    rj_raw_reply_cleanup(&r);
}

/* END_TRANSACTION; `oneway` sends it as Java does (flag 2, no answer). */
static void
end_transaction(rj_raw_client_t *c, bool oneway, const char *group, int64_t tran_offset,
                int64_t commit_log_offset, int type, bool from_check, const char *uniq,
                rj_raw_reply_t *reply)
{
    char ext[768];
    snprintf(
        ext, sizeof(ext),
        "{\"producerGroup\":\"%s\",\"tranStateTableOffset\":\"%lld\",\"commitLogOffset\":"
        "\"%lld\",\"commitOrRollback\":\"%d\",\"fromTransactionCheck\":\"%s\",\"msgId\":\"%s\","
        "\"transactionId\":\"%s\"}",
        group, (long long)tran_offset, (long long)commit_log_offset, type,
        from_check ? "true" : "false", uniq, uniq);
    if (oneway) {
        it_send(c, 37, IT_VERSION_JAVA, 2, ext, NULL, 0);
    } else {
        it_call(c, 37, IT_VERSION_JAVA, ext, NULL, 0, reply);
    }
}

static void
expect_error(rj_raw_reply_t *r, int code, const char *remark_part)
{
    if (r->code != code || r->remark == NULL || strstr(r->remark, remark_part) == NULL) {
        fail_msg("expected %d '%s', got %d '%s'", code, remark_part, r->code,
                 r->remark ? r->remark : "(null)");
    }
    rj_raw_reply_cleanup(r);
}

static const char *const send_values[] = {"queueId", "TRACE_ON", "MSG_REGION", NULL};

static void
test_half_message_answers_like_rocketmq(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(plain.broker);
    rj_raw_reply_t r;
    /* Golden 216: a Java half message to queue 3 of a new topic. */
    it_golden_send(c, 216, &r);
    it_golden_expect(&r, 217, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "0");
    /* msgId is the offset id of the half record: this broker's address. */
    char prefix[17];
    snprintf(prefix, sizeof(prefix), "7F000001%08X", rj_daemon_port(plain.broker));
    assert_memory_equal(rj_raw_reply_ext(&r, "msgId"), prefix, 16);
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(c, HALF_TOPIC, 0, 1);
    /* Nothing in the real queue yet. */
    assert_int_equal(it_max_offset(c, "TopicTest1234", 3), 0);

    /* The stored half record: real topic and queue in properties, tran type NOT, WAIT kept. */
    rj_raw_reply_t v;
    char ext[128];
    int64_t phy;
    rj_msg_host_t host;
    /* Golden 219 (queue 0) comes next in the half queue. */
    it_golden_send(c, 219, &r);
    it_golden_expect(&r, 220, send_values);
    assert_string_equal(rj_raw_reply_ext(&r, "queueOffset"), "1");
    assert_int_equal(rj_message_id_decode(rj_raw_reply_ext(&r, "msgId"), 32, &host, &phy), 0);
    rj_raw_reply_cleanup(&r);
    snprintf(ext, sizeof(ext), "{\"offset\":\"%lld\"}", (long long)phy);
    it_call(c, 33, IT_VERSION_JAVA, ext, NULL, 0, &v);
    assert_int_equal(v.code, 0);
    rj_message_record_t rec;
    assert_int_equal(it_records(&v, &rec, 1), 1);
    char val[128];
    assert_true(rj_bytes_eq_cstr(rec.topic, HALF_TOPIC));
    assert_int_equal(rec.queue_id, 0);
    assert_int_equal(rec.sys_flag & 0xC, 0);
    assert_string_equal(it_record_prop(&rec, "REAL_TOPIC", val, sizeof(val)), "TopicTest1234");
    assert_string_equal(it_record_prop(&rec, "REAL_QID", val, sizeof(val)), "0");
    assert_string_equal(it_record_prop(&rec, "WAIT", val, sizeof(val)), "true");
    assert_string_equal(it_record_prop(&rec, "TRAN_MSG", val, sizeof(val)), "true");
    assert_string_equal(it_record_prop(&rec, "CLUSTER", val, sizeof(val)), "DefaultCluster");
    rj_raw_reply_cleanup(&v);

    /* Golden 218/221: one-way END_TRANSACTION "unknown" after the send: no answer, no effect. */
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(218, &f), 0);
    assert_int_equal(rj_raw_client_send(c, f.wire.data, f.wire.len), 0);
    rj_golden_frame_cleanup(&f);
    assert_int_equal(rj_golden_frame_load(221, &f), 0);
    assert_int_equal(rj_raw_client_send(c, f.wire.data, f.wire.len), 0);
    rj_golden_frame_cleanup(&f);
    /* The next answer on the connection is the next request's. */
    assert_int_equal(it_max_offset(c, "TopicTest1234", 3), 0);
    assert_int_equal(it_max_offset(c, OP_TOPIC, 0), 0);
    rj_raw_client_close(c);
}

static void
test_commit_and_rollback(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(plain.broker);
    rj_raw_reply_t r;
    int64_t ops = it_max_offset(c, OP_TOPIC, 0);

    /* Two-way commit: SUCCESS without header; the message appears in its real queue. */
    half_t h;
    send_half(c, "pg_commit", "TopicTx", 1, "UC1", NULL, &h);
    end_transaction(c, false, "pg_commit", h.queue_offset, h.commit_log_offset, 8, false, "UC1",
                    &r);
    assert_int_equal(r.code, 0);
    assert_null(r.remark);
    assert_null(r.ext);
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(c, "TopicTx", 1, 1);
    it_wait_max_offset(c, OP_TOPIC, 0, ops + 1);
    it_pull(c, "it_tx_reader", "TopicTx", 1, 0, 32, "*", "TAG", &r);
    assert_int_equal(r.code, 0);
    rj_message_record_t rec[4];
    assert_int_equal(it_records(&r, rec, 4), 1);
    char val[128];
    assert_int_equal(rec[0].sys_flag & 0xC, 0x8); /* COMMIT */
    assert_int_equal(rec[0].prepared_transaction_offset, h.commit_log_offset);
    assert_true(rj_bytes_eq_cstr(rec[0].topic, "TopicTx"));
    assert_int_equal(rec[0].queue_id, 1);
    assert_true(rj_bytes_eq_cstr(rec[0].body, "tx body UC1"));
    assert_string_equal(it_record_prop(&rec[0], "UNIQ_KEY", val, sizeof(val)), "UC1");
    assert_string_equal(it_record_prop(&rec[0], "TAGS", val, sizeof(val)), "TagA");
    rj_raw_reply_cleanup(&r);

    /* One-way commit as Java sends it. */
    send_half(c, "pg_commit", "TopicTx", 1, "UC2", NULL, &h);
    end_transaction(c, true, "pg_commit", h.queue_offset, h.commit_log_offset, 8, false, "UC2",
                    NULL);
    it_wait_max_offset(c, "TopicTx", 1, 2);
    it_wait_max_offset(c, OP_TOPIC, 0, ops + 2);

    /* Rollback: the op record only; the real queue stays as it was. */
    send_half(c, "pg_commit", "TopicTx", 2, "UR1", NULL, &h);
    end_transaction(c, false, "pg_commit", h.queue_offset, h.commit_log_offset, 12, false, "UR1",
                    &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    it_wait_max_offset(c, OP_TOPIC, 0, ops + 3);
    assert_int_equal(it_max_offset(c, "TopicTx", 2), 0);

    /* "Unknown" answers change nothing. */
    send_half(c, "pg_commit", "TopicTx", 2, "UU1", NULL, &h);
    end_transaction(c, false, "pg_commit", h.queue_offset, h.commit_log_offset, 0, false, "UU1",
                    &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    end_transaction(c, false, "pg_commit", h.queue_offset, h.commit_log_offset, 0, true, "UU1", &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_max_offset(c, OP_TOPIC, 0), ops + 3);
    assert_int_equal(it_max_offset(c, "TopicTx", 2), 0);
    rj_raw_client_close(c);
}

static void
test_end_transaction_errors(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(plain.broker);
    rj_raw_reply_t r;
    half_t h;
    send_half(c, "pg_err", "TopicTxErr", 0, "UE1", NULL, &h);
    int64_t ops = it_max_offset(c, OP_TOPIC, 0);

    end_transaction(c, false, "other_group", h.queue_offset, h.commit_log_offset, 8, false, "UE1",
                    &r);
    expect_error(&r, 1, "The producer group wrong");
    end_transaction(c, false, "pg_err", h.queue_offset + 7, h.commit_log_offset, 8, false, "UE1",
                    &r);
    expect_error(&r, 1, "The transaction state table offset wrong");
    end_transaction(c, false, "pg_err", h.queue_offset, h.commit_log_offset + 1, 8, false, "UE1",
                    &r);
    expect_error(&r, 1, "Find prepared transaction message failed");
    end_transaction(c, false, "pg_err", h.queue_offset, 1LL << 40, 12, false, "UE1", &r);
    expect_error(&r, 1, "Find prepared transaction message failed");
    end_transaction(c, false, "pg_err", h.queue_offset, -5, 8, false, "UE1", &r);
    expect_error(&r, 1, "Find prepared transaction message failed");
    end_transaction(c, false, "pg_err", h.queue_offset, h.commit_log_offset, 5, false, "UE1", &r);
    expect_error(&r, 1, "commitOrRollback field wrong");

    /* An ordinary message is no half message. */
    rj_raw_reply_t s;
    it_send_message_ex(c, "pg_err", "TopicTxErr", 0, 0, "PGROUP\001pg_err", "x", 1, &s);
    assert_int_equal(s.code, 0);
    int64_t phy;
    rj_msg_host_t host;
    assert_int_equal(rj_message_id_decode(rj_raw_reply_ext(&s, "msgId"), 32, &host, &phy), 0);
    int64_t qoff = strtoll(rj_raw_reply_ext(&s, "queueOffset"), NULL, 10);
    rj_raw_reply_cleanup(&s);
    end_transaction(c, false, "pg_err", qoff, phy, 8, false, "x", &r);
    expect_error(&r, 1, "Find prepared transaction message failed");

    /* Missing and malformed fields. */
    it_call(c, 37, IT_VERSION_JAVA,
            "{\"producerGroup\":\"pg_err\",\"tranStateTableOffset\":\"0\",\"commitLogOffset\":"
            "\"0\",\"commitOrRollback\":\"8\"}",
            NULL, 0, &r);
    expect_error(&r, 1, "msgId");
    it_call(c, 37, IT_VERSION_JAVA,
            "{\"producerGroup\":\"pg_err\",\"tranStateTableOffset\":\"0\",\"commitLogOffset\":"
            "\"zz\",\"commitOrRollback\":\"8\",\"msgId\":\"m\"}",
            NULL, 0, &r);
    expect_error(&r, 1, "commitLogOffset");
    it_call(c, 37, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    expect_error(&r, 1, "producerGroup");

    /* A one-way error is not answered; the half message is still unresolved. */
    end_transaction(c, true, "other_group", h.queue_offset, h.commit_log_offset, 8, false, "UE1",
                    NULL);
    it_wait_max_offset(c, "TopicTxErr", 0, 1);
    assert_int_equal(it_max_offset(c, OP_TOPIC, 0), ops);
    assert_int_equal(it_max_offset(c, "TopicTxErr", 0), 1); /* the ordinary message only */
    rj_raw_client_close(c);
}

static void
set_config(rj_raw_client_t *c, const char *text)
{
    rj_raw_reply_t r;
    it_call(c, 25, IT_VERSION_JAVA, NULL, text, strlen(text), &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

static void
test_reject_transaction_message(void **state)
{
    (void)state;
    rj_raw_client_t *c = it_connect(plain.broker);
    set_config(c, "rejectTransactionMessage=true\n");
    rj_raw_reply_t r;
    it_send_message_ex(c, "pg_rej", "TopicTxRej", 0, 4,
                       "TRAN_MSG\001true\002PGROUP\001pg_rej\002UNIQ_KEY\001R1", "x", 1, &r);
    assert_int_equal(r.code, 16);
    assert_string_equal(r.remark, "the broker[127.0.0.1] sending transaction message is forbidden");
    assert_string_equal(rj_raw_reply_ext(&r, "TRACE_ON"), "true");
    assert_string_equal(rj_raw_reply_ext(&r, "MSG_REGION"), "DefaultRegion");
    rj_raw_reply_cleanup(&r);
    /* Ordinary messages still go through. */
    it_send_message(c, "TopicTxRej", 0, "TAGS\001x", "y", 1, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    set_config(c, "rejectTransactionMessage=false\n");
    half_t h;
    send_half(c, "pg_rej", "TopicTxRej", 0, "R2", NULL, &h);
    rj_raw_client_close(c);
}

/* The progress of CID_RMQ_SYS_TRANS on a queue (QUERY_CONSUMER_OFFSET), -1 when none. */
static int64_t
check_progress(rj_raw_client_t *c, const char *topic)
{
    char ext[256];
    snprintf(ext, sizeof(ext),
             "{\"consumerGroup\":\"CID_RMQ_SYS_TRANS\",\"topic\":\"%s\",\"queueId\":\"0\"}", topic);
    rj_raw_reply_t r;
    it_call(c, 14, IT_VERSION_JAVA, ext, NULL, 0, &r);
    int64_t v = r.code == 0 ? strtoll(rj_raw_reply_ext(&r, "offset"), NULL, 10) : -1;
    rj_raw_reply_cleanup(&r);
    return v;
}

/* Waits for a CHECK_TRANSACTION_STATE and decodes its record into `rec` (views into `r`). */
static void
wait_check(rj_raw_client_t *p, rj_raw_reply_t *r, rj_message_record_t *rec)
{
    int rc = it_wait_request(p, 39, IT_TIMEOUT_MS, r);
    if (rc != 0) {
        fail_msg("no CHECK_TRANSACTION_STATE arrived (%d)", rc);
    }
    assert_int_equal(r->flag, 2); /* one-way */
    assert_int_equal(it_records(r, rec, 1), 1);
}

static void
test_check_asks_producer_like_rocketmq(void **state)
{
    (void)state;
    rj_raw_client_t *p = it_connect(fast.broker);
    /* Golden 222: the Java transaction producer's heartbeat. */
    rj_raw_reply_t r;
    it_golden_send(p, 222, &r);
    it_golden_expect(&r, 223, NULL);
    rj_raw_reply_cleanup(&r);
    /*
     * Golden 216 with nobody answering after the send: the broker asks. The
     * checks may overtake the send's answer on the connection: keep the first.
     */
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(216, &f), 0);
    assert_int_equal(rj_raw_client_send(p, f.wire.data, f.wire.len), 0);
    rj_golden_frame_cleanup(&f);
    rj_raw_reply_t early = {.code = -1};
    for (;;) {
        assert_int_equal(rj_raw_client_read_reply(p, IT_TIMEOUT_MS, &r), 0);
        if ((r.flag & 1) != 0) {
            break;
        }
        assert_int_equal(r.code, 39);
        /* Keep the first (the send's answer waits for the new topic's registration, so a
           slow machine may see a second pass before it). */
        if (early.code == 39) {
            rj_raw_reply_cleanup(&r);
        } else {
            early = r;
        }
    }
    it_golden_expect(&r, 217, send_values);
    char half_id[64];
    snprintf(half_id, sizeof(half_id), "%s", rj_raw_reply_ext(&r, "msgId"));
    rj_raw_reply_cleanup(&r);

    rj_message_record_t rec;
    if (early.code == 39) {
        r = early;
        assert_int_equal(r.flag, 2);
        assert_int_equal(it_records(&r, &rec, 1), 1);
    } else {
        wait_check(p, &r, &rec);
    }
    /* Same header fields as golden 224; offsets are those of the checker's copy. */
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(224, &g), 0);
    const json_t *gext = json_object_get(g.header, "extFields");
    assert_int_equal(json_object_size(r.ext), json_object_size(gext));
    const char *k;
    json_t *val;
    json_object_foreach((json_t *)gext, k, val)
    {
        assert_non_null(rj_raw_reply_ext(&r, k));
    }
    assert_string_equal(rj_raw_reply_ext(&r, "msgId"),
                        "FD00000000000000000000000000000208845FFD2B2789472F890000");
    assert_string_equal(rj_raw_reply_ext(&r, "transactionId"), rj_raw_reply_ext(&r, "msgId"));
    assert_string_not_equal(rj_raw_reply_ext(&r, "offsetMsgId"), half_id);
    int64_t commit_log_offset = strtoll(rj_raw_reply_ext(&r, "commitLogOffset"), NULL, 10);
    int64_t tran_offset = strtoll(rj_raw_reply_ext(&r, "tranStateTableOffset"), NULL, 10);
    assert_true(tran_offset >= 1);
    /* Body: like golden 224's record — real topic and queue, the same property keys. */
    rj_message_record_t grec;
    rj_raw_reply_t gr = {.body = rj_buf_view(&g.body)};
    assert_int_equal(it_records(&gr, &grec, 1), 1);
    assert_true(rj_bytes_eq(rec.topic, grec.topic));
    assert_int_equal(rec.queue_id, grec.queue_id);
    assert_int_equal(rec.sys_flag, grec.sys_flag);
    assert_true(rj_bytes_eq(rec.body, grec.body));
    assert_int_equal(rec.queue_offset, tran_offset);
    assert_int_equal(rec.phy_offset, commit_log_offset);
    rj_message_properties_iter_t it;
    rj_bytes_t pk, pv;
    int nkeys = 0;
    rj_message_properties_iter_init(&it, grec.properties);
    while (rj_message_properties_next(&it, &pk, &pv)) {
        rj_bytes_t mine;
        if (!rj_message_properties_get_n(rec.properties, pk, &mine)) {
            fail_msg("check body lacks property %.*s", (int)pk.len, (const char *)pk.data);
        }
        nkeys++;
    }
    rj_message_properties_iter_init(&it, rec.properties);
    while (rj_message_properties_next(&it, &pk, &pv)) {
        nkeys--;
    }
    assert_int_equal(nkeys, 0);
    char v[64];
    assert_string_equal(it_record_prop(&rec, "TRANSACTION_CHECK_TIMES", v, sizeof(v)), "1");
    assert_string_equal(it_record_prop(&rec, "WAIT", v, sizeof(v)), "false");
    assert_string_equal(it_record_prop(&rec, "REAL_QID", v, sizeof(v)), "3");
    rj_raw_reply_cleanup(&r);
    rj_golden_frame_cleanup(&g);

    /* The producer commits from the check (golden 226's shape, our offsets), one-way. */
    rj_raw_client_t *c = it_connect(fast.broker);
    end_transaction(p, true, "please_rename_unique_group_name", tran_offset, commit_log_offset, 8,
                    true, "FD00000000000000000000000000000208845FFD2B2789472F890000", NULL);
    it_wait_max_offset(c, "TopicTest1234", 3, 1);
    it_pull(c, "it_tx_reader", "TopicTest1234", 3, 0, 32, "*", NULL, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_records(&r, &rec, 1), 1);
    assert_true(rj_bytes_eq_cstr(rec.body, "Hello RocketMQ 0"));
    assert_int_equal(rec.prepared_transaction_offset, commit_log_offset);
    rj_raw_reply_cleanup(&r);

    /* Resolved: the checker moves past every copy and asks no more. */
    int64_t deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS;
    while (check_progress(c, HALF_TOPIC) < it_max_offset(c, HALF_TOPIC, 0) ||
           check_progress(c, OP_TOPIC) < it_max_offset(c, OP_TOPIC, 0)) {
        assert_true(rj_clock_mono_ms() < deadline);
        rj_clock_sleep_ms(20);
    }
    /* Drain checks sent before the commit arrived; after that nothing comes. */
    while (it_wait_request(p, 39, 50, &r) == 0) {
        rj_raw_reply_cleanup(&r);
    }
    int64_t half_max = it_max_offset(c, HALF_TOPIC, 0);
    int64_t progress_before = check_progress(c, HALF_TOPIC);
    /* Two more passes (the progress only moves when a pass runs) bring no check. */
    assert_int_equal(it_wait_request(p, 39, 600, &r), RJ_ETIMEDOUT);
    assert_int_equal(it_max_offset(c, HALF_TOPIC, 0), half_max);
    assert_int_equal(check_progress(c, HALF_TOPIC), progress_before);
    rj_raw_client_close(c);
    rj_raw_client_close(p);
}

static void
test_check_max_discards_and_resume_brings_back(void **state)
{
    (void)state;
    rj_raw_client_t *p = it_connect(fast.broker);
    rj_raw_client_t *c = it_connect(fast.broker);
    int64_t discarded_before = it_max_offset(c, DISCARD_TOPIC, 0);
    it_heartbeat_producer(p, "10.0.0.7@99#1", "pg_silent");
    half_t h;
    send_half(p, "pg_silent", "TopicTxMax", 0, "UD1", NULL, &h);
    /* transactionCheckMax=2: two checks, then the message is moved aside. */
    rj_raw_reply_t r;
    rj_message_record_t rec;
    char v[64];
    for (int i = 1; i <= 2; i++) {
        wait_check(p, &r, &rec);
        char want[8];
        snprintf(want, sizeof(want), "%d", i);
        assert_string_equal(it_record_prop(&rec, "TRANSACTION_CHECK_TIMES", v, sizeof(v)), want);
        assert_string_equal(rj_raw_reply_ext(&r, "msgId"), "UD1");
        rj_raw_reply_cleanup(&r);
    }
    it_wait_max_offset(c, DISCARD_TOPIC, 0, discarded_before + 1);
    assert_int_equal(it_wait_request(p, 39, 500, &r), RJ_ETIMEDOUT);
    it_pull(c, "it_tx_admin", DISCARD_TOPIC, 0, discarded_before, 1, "*", NULL, &r);
    assert_int_equal(r.code, 0);
    assert_int_equal(it_records(&r, &rec, 1), 1);
    assert_string_equal(it_record_prop(&rec, "UNIQ_KEY", v, sizeof(v)), "UD1");
    assert_string_equal(it_record_prop(&rec, "TRANSACTION_CHECK_TIMES", v, sizeof(v)), "2");
    char id[RJ_MSG_ID_MAX_HEX_SIZE];
    rj_message_id_encode(&rec.store_host, rec.phy_offset, id, sizeof(id));
    rj_raw_reply_cleanup(&r);

    /* RESUME_CHECK_HALF_MESSAGE: back into the half topic with the count reset. */
    char ext[128];
    snprintf(ext, sizeof(ext), "{\"msgId\":\"%s\"}", id);
    it_call(c, 323, IT_VERSION_JAVA, ext, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    assert_null(r.remark);
    rj_raw_reply_cleanup(&r);
    wait_check(p, &r, &rec);
    assert_string_equal(rj_raw_reply_ext(&r, "msgId"), "UD1");
    assert_string_equal(it_record_prop(&rec, "TRANSACTION_CHECK_TIMES", v, sizeof(v)), "1");
    assert_true(rj_bytes_eq_cstr(rec.topic, "TopicTxMax"));
    int64_t tran_offset = strtoll(rj_raw_reply_ext(&r, "tranStateTableOffset"), NULL, 10);
    int64_t clo = strtoll(rj_raw_reply_ext(&r, "commitLogOffset"), NULL, 10);
    rj_raw_reply_cleanup(&r);
    /* A rollback from the check ends it. */
    end_transaction(p, false, "pg_silent", tran_offset, clo, 12, true, "UD1", &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    assert_int_equal(it_max_offset(c, "TopicTxMax", 0), 0);

    /* Bad ids. */
    it_call(c, 323, IT_VERSION_JAVA, "{\"msgId\":\"not-an-id\"}", NULL, 0, &r);
    expect_error(&r, 1, "putting message back to RMQ_SYS_TRANS_HALF_TOPIC");
    it_call(c, 323, IT_VERSION_JAVA, NULL, NULL, 0, &r);
    expect_error(&r, 1, "putting message back to RMQ_SYS_TRANS_HALF_TOPIC");
    snprintf(ext, sizeof(ext), "{\"msgId\":\"7F00000100002A9F0000FFFFFFFFFFFF\"}");
    it_call(c, 323, IT_VERSION_JAVA, ext, NULL, 0, &r);
    expect_error(&r, 1, "putting message back to RMQ_SYS_TRANS_HALF_TOPIC");
    rj_raw_client_close(c);
    rj_raw_client_close(p);
}

static void
test_slave_refuses_end_transaction(void **state)
{
    (void)state;
    rj_daemon_t *slave;
    assert_int_equal(it_broker_start(NULL, "brokerRole=SLAVE\nbrokerId=1\n", &slave), 0);
    rj_raw_client_t *c = it_connect(slave);
    rj_raw_reply_t r;
    end_transaction(c, false, "pg", 0, 0, 8, false, "U", &r);
    assert_int_equal(r.code, 11); /* SLAVE_NOT_AVAILABLE */
    assert_null(r.remark);
    rj_raw_reply_cleanup(&r);
    /* A slave stores nothing, half messages included. */
    it_send_message_ex(c, "pg", "TopicTxSlave", 0, 4, "TRAN_MSG\001true\002PGROUP\001pg", "x", 1,
                       &r);
    assert_int_not_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
    int status;
    assert_int_equal(rj_daemon_stop(slave, 20000, &status), 0);
    assert_int_equal(status, 0);
    rj_daemon_destroy(slave);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_message_answers_like_rocketmq),
        cmocka_unit_test(test_commit_and_rollback),
        cmocka_unit_test(test_end_transaction_errors),
        cmocka_unit_test(test_reject_transaction_message),
        cmocka_unit_test(test_check_asks_producer_like_rocketmq),
        cmocka_unit_test(test_check_max_discards_and_resume_brings_back),
        cmocka_unit_test(test_slave_refuses_end_transaction),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
