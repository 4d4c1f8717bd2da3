/*
 * Faults: a broker killed (SIGKILL) in the middle of a produce/consume run
 * (the producer fails over to the other broker of the topic and reports any
 * failure honestly; the consumer resumes and, once the broker is back, gets
 * every acknowledged message), and a name server that is down when clients
 * start (clear error, then success once it is up).
 */
#include "client_fixture.h"

#include "common/clock.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static it_cluster_t cluster;

static int
setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 2);
    return 0;
}

static int
teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

static void
test_broker_killed_mid_run(void **state)
{
    rj_producer_t *p;
    rj_message_t *m;
    rj_push_consumer_t *c;
    it_seen_t s;
    static bool acked[IT_MAX_SEEN];
    int sent = 0, failed = 0, on_b_after_kill = 0;

    memset(acked, 0, sizeof(acked));
    it_seen_init(&s);
    it_create_topic(&cluster, "IT_Faults", 4);
    assert_int_equal(rj_push_consumer_create("it_faults", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_Faults", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_poll_namesrv_interval(c, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(c, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_set_heartbeat_interval(c, 1000), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, it_record_listener, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);

    assert_int_equal(rj_producer_create("it_faults_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_set_send_timeout(p, 2000), RJ_OK);
    assert_int_equal(rj_producer_set_poll_namesrv_interval(p, 1000), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_Faults", &m), RJ_OK);
    for (int i = 0; i < 600; i++) {
        char body[32];
        snprintf(body, sizeof(body), "msg #%d", i);
        rj_message_set_body(m, body, strlen(body));
        if (i == 200) {
            assert_int_equal(rj_daemon_kill9(cluster.brokers[1]), 0);
        }
        rj_send_result_t *r;
        int rc = rj_producer_send(p, m, &r);
        if (rc == RJ_OK) {
            acked[i] = true;
            sent++;
            if (i > 200 && strcmp(rj_send_result_broker_name(r), "broker-b") == 0) {
                on_b_after_kill++;
            }
            rj_send_result_destroy(r);
        } else {
            /* An honest failure: an error code and a text naming what failed. */
            assert_true(rc < 0);
            assert_true(strlen(rj_last_error()) > 0);
            failed++;
        }
    }
    /* After the kill every send goes to broker-a (the retry avoids the dead broker). */
    assert_int_equal(on_b_after_kill, 0);
    assert_true(sent >= 590);
    /* What broker-a holds is consumed while broker-b is down. */
    int before_restart = sent;
    (void)before_restart;
    assert_int_equal(rj_daemon_restart(cluster.brokers[1]), 0);
    assert_true(it_seen_wait(&s, sent, 60000));
    for (int i = 0; i < 600; i++) {
        if (acked[i]) {
            assert_true(s.seen[i] >= 1);
        }
    }
    fprintf(stderr, "sent %d, failed %d\n", sent, failed);
    rj_message_destroy(m);
    rj_producer_destroy(p);
    rj_push_consumer_destroy(c);
}

typedef struct {
    rj_producer_t *p;
    rj_message_t *m;
} try_send_t;

static bool
send_works(void *arg)
{
    try_send_t *t = arg;
    return rj_producer_send(t->p, t->m, NULL) == RJ_OK;
}

static void
test_namesrv_down_at_start(void **state)
{
    rj_producer_t *p;
    rj_message_t *m;
    rj_push_consumer_t *c;
    it_seen_t s;
    int status;

    it_seen_init(&s);
    it_create_topic(&cluster, "IT_NsDown", 2);
    assert_int_equal(rj_daemon_stop(cluster.ns, 10000, &status), 0);

    assert_int_equal(rj_producer_create("it_nsdown_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK); /* not an error: the library keeps trying */
    assert_int_equal(rj_message_create("IT_NsDown", &m), RJ_OK);
    rj_message_set_body(m, "msg #1", 6);
    assert_int_equal(rj_producer_send(p, m, NULL), RJ_ENOROUTE);
    assert_non_null(strstr(rj_last_error(), "no name server reachable"));
    assert_non_null(strstr(rj_last_error(), it_namesrv(&cluster)));

    assert_int_equal(rj_push_consumer_create("it_nsdown", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_NsDown", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_poll_namesrv_interval(c, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_heartbeat_interval(c, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_rebalance_interval(c, 500), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, it_record_listener, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);

    /* The name server comes back on the same port; brokers register again (10 s period). */
    assert_int_equal(rj_daemon_restart(cluster.ns), 0);
    try_send_t t = {p, m};
    assert_true(rj_wait_until(send_works, &t, 30000));
    assert_true(it_seen_wait(&s, 1, 30000));
    rj_message_destroy(m);
    rj_producer_destroy(p);
    rj_push_consumer_destroy(c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_broker_killed_mid_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namesrv_down_at_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
