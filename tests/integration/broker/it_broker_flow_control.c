/*
 * Flow control under contention: with osPageCacheBusyTimeOutMills=0 every
 * overlap on the commit-log append lock makes the store report
 * OS_PAGECACHE_BUSY. Concurrent producers of large messages must then be held
 * and paced, never failed with SYSTEM_ERROR, and each producer's messages
 * must keep their order in its queue. With waitTimeMillsInSendQueue=0 a held
 * send is failed at once, and only with RocketMQ's "[TIMEOUT_CLEAN_QUEUE]" text.
 */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/message_record.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define PRODUCERS 4
#define MESSAGES 60
#define BODY_BYTES (1024 * 1024)

typedef struct {
    const char *addr;
    int id;
    int ok, busy, other;
    int64_t last_offset;
    bool ordered;
    char other_remark[256];
} producer_t;

static void *
produce(void *arg)
{
    producer_t *p = arg;
    rj_raw_client_t *c = NULL;
    if (rj_raw_client_connect(p->addr, IT_TIMEOUT_MS, &c) != 0) {
        return NULL;
    }
    uint8_t *body = rj_malloc(BODY_BYTES);
    memset(body, 'a' + p->id, BODY_BYTES);
    p->last_offset = -1;
    p->ordered = true;
    for (int i = 0; i < MESSAGES; i++) {
        char ext[512];
        snprintf(ext, sizeof(ext),
                 "{\"a\":\"fc_pg\",\"b\":\"FcTopic\",\"c\":\"TBW102\",\"d\":\"4\",\"e\":\"%d\","
                 "\"f\":\"0\",\"g\":\"1700000000000\",\"h\":\"0\",\"i\":\"seq\\u0001%d\","
                 "\"j\":\"0\",\"k\":\"false\",\"m\":\"false\"}",
                 p->id, i);
        rj_buf_t req = RJ_BUF_INIT;
        rj_raw_request_json(&req, 310, IT_VERSION_JAVA, i + 1, 0, ext, body, BODY_BYTES);
        rj_raw_reply_t r;
        int rc = rj_raw_client_call(c, &req, 20000, &r);
        rj_buf_cleanup(&req);
        if (rc != 0) {
            p->other++;
            snprintf(p->other_remark, sizeof(p->other_remark), "transport error %d", rc);
            break;
        }
        if (r.code == 0) {
            int64_t off = strtoll(rj_raw_reply_ext(&r, "queueOffset"), NULL, 10);
            if (off <= p->last_offset) {
                p->ordered = false;
            }
            p->last_offset = off;
            p->ok++;
        } else if (r.code == 2 && r.remark != NULL &&
                   strncmp(r.remark,
                           "[TIMEOUT_CLEAN_QUEUE]broker busy, start flow control for a "
                           "while, period in queue: ",
                           82) == 0) {
            p->busy++;
        } else {
            p->other++;
            snprintf(p->other_remark, sizeof(p->other_remark), "code %d: %s", r.code,
                     r.remark ? r.remark : "");
        }
        rj_raw_reply_cleanup(&r);
    }
    rj_free(body);
    rj_raw_client_close(c);
    return NULL;
}

static void
run_producers(const char *extra_conf, producer_t *prods)
{
    it_cluster_t c;
    it_cluster_start(&c, extra_conf);
    rj_raw_client_t *cl = it_connect(c.broker);
    rj_raw_reply_t r;
    it_send_message(cl, "FcTopic", 0, NULL, "warm", 4, &r); /* 4 queues, one per producer */
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(cl);
    pthread_t th[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        prods[i] = (producer_t){.addr = c.broker_addr, .id = i};
        pthread_create(&th[i], NULL, produce, &prods[i]);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        pthread_join(th[i], NULL);
    }
    it_cluster_stop(&c);
}

static void
test_contention_is_paced_not_failed(void **state)
{
    (void)state;
    producer_t prods[PRODUCERS];
    run_producers("osPageCacheBusyTimeOutMills=0\nwaitTimeMillsInSendQueue=60000\n"
                  "mappedFileSizeCommitLog=67108864\n",
                  prods);
    for (int i = 0; i < PRODUCERS; i++) {
        if (prods[i].other != 0 || prods[i].busy != 0) {
            fail_msg("producer %d: %d ok, %d busy, %d other (%s)", i, prods[i].ok, prods[i].busy,
                     prods[i].other, prods[i].other_remark);
        }
        assert_int_equal(prods[i].ok, MESSAGES);
        assert_true(prods[i].ordered);
    }
}

static void
test_zero_wait_fails_with_rocketmq_text_only(void **state)
{
    (void)state;
    producer_t prods[PRODUCERS];
    run_producers("osPageCacheBusyTimeOutMills=0\nwaitTimeMillsInSendQueue=0\n"
                  "mappedFileSizeCommitLog=67108864\n",
                  prods);
    for (int i = 0; i < PRODUCERS; i++) {
        if (prods[i].other != 0) {
            fail_msg("producer %d: unexpected answer %s", i, prods[i].other_remark);
        }
        assert_int_equal(prods[i].ok + prods[i].busy, MESSAGES);
        assert_true(prods[i].ordered);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contention_is_paced_not_failed),
        cmocka_unit_test(test_zero_wait_fails_with_rocketmq_text_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
