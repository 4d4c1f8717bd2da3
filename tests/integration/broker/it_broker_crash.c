/*
 * Crash safety: producers send while the broker is killed with SIGKILL.
 * After a restart (abnormal recovery), every message the broker acknowledged
 * must be readable by pulling, exactly once, and each queue's offsets must be
 * contiguous.
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/message_record.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define PRODUCERS 3
#define MAX_ACKS 200000
#define KILL_AFTER_ACKS 3000

typedef struct {
    const char *addr;
    int id;
    atomic_int *acked_total;
    int acked; /* this producer's acknowledged sequence numbers: 0..acked-1 */
    int sent;
} producer_t;

static void *
produce(void *arg)
{
    producer_t *p = arg;
    rj_raw_client_t *c = NULL;
    if (rj_raw_client_connect(p->addr, IT_TIMEOUT_MS, &c) != 0) {
        return NULL;
    }
    for (int seq = 0; seq < MAX_ACKS; seq++) {
        char ext[512], body[64];
        int blen = snprintf(body, sizeof(body), "p%d-%d", p->id, seq);
        snprintf(
            ext, sizeof(ext),
            "{\"a\":\"crash_pg\",\"b\":\"CrashTopic\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"%d\","
            "\"f\":\"0\",\"g\":\"1700000000000\",\"h\":\"0\",\"i\":\"TAGS\\u0001t\","
            "\"j\":\"0\",\"k\":\"false\",\"m\":\"false\"}",
            seq % 4);
        rj_buf_t req = RJ_BUF_INIT;
        rj_raw_request_json(&req, 310, IT_VERSION_JAVA, seq + 1, 0, ext, body, (size_t)blen);
        p->sent = seq + 1;
        rj_raw_reply_t r;
        int rc = rj_raw_client_call(c, &req, 5000, &r);
        rj_buf_cleanup(&req);
        if (rc != 0) {
            break; /* the broker died: this message may or may not be stored */
        }
        bool ok = r.code == 0 && r.opaque == seq + 1;
        rj_raw_reply_cleanup(&r);
        if (!ok) {
            break;
        }
        p->acked = seq + 1;
        atomic_fetch_add(p->acked_total, 1);
    }
    rj_raw_client_close(c);
    return NULL;
}

static void
test_no_acknowledged_message_lost_on_kill9(void **state)
{
    (void)state;
    it_cluster_t c;
    it_cluster_start(&c, NULL);
    if (rj_daemon_is_external(c.broker)) {
        skip();
    }
    /* Create the topic first so that all producers see 4 queues. */
    rj_raw_client_t *cl = it_connect(c.broker);
    rj_raw_reply_t r;
    it_send_message(cl, "CrashTopic", 0, "TAGS\001t", "warm", 4, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(cl);

    atomic_int acked_total = 0;
    producer_t prods[PRODUCERS];
    pthread_t th[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        prods[i] = (producer_t){.addr = c.broker_addr, .id = i, .acked_total = &acked_total};
        pthread_create(&th[i], NULL, produce, &prods[i]);
    }
    int64_t deadline = rj_clock_mono_ms() + 60000;
    while (atomic_load(&acked_total) < KILL_AFTER_ACKS && rj_clock_mono_ms() < deadline) {
        rj_clock_sleep_ms(5);
    }
    assert_int_equal(rj_daemon_kill9(c.broker), 0);
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(th[i], NULL);
    }
    assert_true(atomic_load(&acked_total) >= KILL_AFTER_ACKS);

    assert_int_equal(rj_daemon_restart(c.broker), 0);
    /* Read every queue from offset 0 and note which sequence numbers came back. */
    uint8_t *seen[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        seen[i] = rj_calloc((size_t)prods[i].sent + 1, 1);
    }
    cl = it_connect(c.broker);
    int64_t total = 0;
    for (int q = 0; q < 4; q++) {
        int64_t offset = 0;
        for (;;) {
            char ext[512];
            snprintf(
                ext, sizeof(ext),
                "{\"consumerGroup\":\"crash_check\",\"topic\":\"CrashTopic\",\"queueId\":\"%d\","
                "\"queueOffset\":\"%lld\",\"maxMsgNums\":\"32\",\"sysFlag\":\"4\","
                "\"commitOffset\":\"0\",\"suspendTimeoutMillis\":\"0\",\"subscription\":\"*\","
                "\"subVersion\":\"0\"}",
                q, (long long)offset);
            it_call(cl, 11, IT_VERSION_JAVA, ext, NULL, 0, &r);
            if (r.code != 0) {
                /* The end of the queue (dispatch after recovery may still be running). */
                const char *max_text = rj_raw_reply_ext(&r, "maxOffset");
                if (max_text == NULL) {
                    fail_msg("pull of CrashTopic/%d failed: code %d %s", q, r.code,
                             r.remark ? r.remark : "");
                }
                int64_t max = strtoll(max_text, NULL, 10);
                rj_raw_reply_cleanup(&r);
                if (max > offset) {
                    continue;
                }
                break;
            }
            size_t pos = 0;
            while (pos < r.body.len) {
                rj_message_record_t rec;
                int n = rj_message_record_decode(r.body.data + pos, r.body.len - pos, &rec,
                                                 RJ_MSG_DECODE_CHECK_CRC);
                assert_true(n > 0);
                assert_int_equal(rec.queue_offset, offset);
                assert_int_equal(rec.queue_id, q);
                int pid, seq;
                char text[64];
                rj_bytes_copy_cstr(rec.body, text, sizeof(text));
                if (sscanf(text, "p%d-%d", &pid, &seq) == 2) {
                    assert_true(pid >= 0 && pid < PRODUCERS && seq >= 0 && seq < prods[pid].sent);
                    assert_int_equal(seen[pid][seq], 0); /* exactly once */
                    seen[pid][seq] = 1;
                    total++;
                }
                offset++;
                pos += (size_t)n;
            }
            rj_raw_reply_cleanup(&r);
        }
    }
    rj_raw_client_close(cl);
    for (int i = 0; i < PRODUCERS; i++) {
        for (int seq = 0; seq < prods[i].acked; seq++) {
            if (!seen[i][seq]) {
                fail_msg("acknowledged message p%d-%d lost (acked %d, total read %lld)", i, seq,
                         prods[i].acked, (long long)total);
            }
        }
        rj_free(seen[i]);
    }
    it_cluster_stop(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_acknowledged_message_lost_on_kill9),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
