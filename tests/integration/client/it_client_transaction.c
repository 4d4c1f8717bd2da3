/*
 * Transactional producer against a real broker: a committed half message
 * becomes visible to consumers, a rolled-back one never does, and an
 * undecided one is checked by the broker (CHECK_TRANSACTION_STATE) and
 * committed by the check listener.
 */
#include "client_fixture.h"

#include "common/clock.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static it_cluster_t cluster;
static atomic_int checks;

/* Message n: n % 3 == 0 commit, 1 rollback, 2 unknown (then commit on check). */
static rj_transaction_state_t
execute_local(const rj_message_t *msg, const char *transaction_id, void *exec_arg, void *arg)
{
    (void)msg;
    (void)arg;
    assert_non_null(transaction_id);
    switch (*(int *)exec_arg % 3) {
    case 0:
        return RJ_TRANSACTION_COMMIT;
    case 1:
        return RJ_TRANSACTION_ROLLBACK;
    default:
        return RJ_TRANSACTION_UNKNOWN;
    }
}

static rj_transaction_state_t
check_local(const rj_message_t *msg, void *arg)
{
    (void)arg;
    int n = it_msg_number(msg);
    atomic_fetch_add(&checks, 1);
    /* Only undecided transactions are asked about. */
    return n % 3 == 2 ? RJ_TRANSACTION_COMMIT : RJ_TRANSACTION_ROLLBACK;
}

static void
test_commit_rollback_and_checked_transactions(void **state)
{
    rj_producer_t *p;
    rj_message_t *m;
    rj_push_consumer_t *c;
    it_seen_t s;

    it_seen_init(&s);
    it_create_topic(&cluster, "IT_Tx", 2);
    assert_int_equal(rj_producer_create("it_tx_pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_producer_set_transaction_listener(p, execute_local, check_local, NULL),
                     RJ_OK);
    assert_int_equal(rj_producer_set_heartbeat_interval(p, 500), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("IT_Tx", &m), RJ_OK);
    for (int n = 0; n < 9; n++) {
        char body[32];
        rj_send_result_t *r;
        snprintf(body, sizeof(body), "msg #%d", n);
        rj_message_set_body(m, body, strlen(body));
        assert_int_equal(rj_producer_send_in_transaction(p, m, &n, &r), RJ_OK);
        assert_int_equal(rj_send_result_status(r), RJ_SEND_OK);
        assert_non_null(rj_send_result_transaction_id(r));
        assert_int_equal(rj_send_result_transaction_state(r), n % 3 == 0 ? RJ_TRANSACTION_COMMIT
                                                              : n % 3 == 1
                                                                  ? RJ_TRANSACTION_ROLLBACK
                                                                  : RJ_TRANSACTION_UNKNOWN);
        rj_send_result_destroy(r);
    }
    rj_message_destroy(m);

    assert_int_equal(rj_push_consumer_create("it_tx", &c), RJ_OK);
    assert_int_equal(rj_push_consumer_set_namesrv_addr(c, it_namesrv(&cluster)), RJ_OK);
    assert_int_equal(rj_push_consumer_subscribe(c, "IT_Tx", "*"), RJ_OK);
    assert_int_equal(rj_push_consumer_set_consume_from(c, RJ_CONSUME_FROM_FIRST_OFFSET, 0), RJ_OK);
    assert_int_equal(rj_push_consumer_set_listener(c, it_record_listener, &s), RJ_OK);
    assert_int_equal(rj_push_consumer_start(c), RJ_OK);
    /* 0, 3, 6 committed at once; 2, 5, 8 after the broker's check. */
    assert_true(it_seen_wait(&s, 6, 30000));
    rj_clock_sleep_ms(1500); /* another check round: nothing more shows up */
    pthread_mutex_lock(&s.lock);
    for (int n = 0; n < 9; n++) {
        assert_int_equal(s.seen[n], n % 3 == 1 ? 0 : 1);
    }
    pthread_mutex_unlock(&s.lock);
    assert_true(atomic_load(&checks) >= 3);
    rj_push_consumer_destroy(c);
    rj_producer_destroy(p);
}

static int
setup(void **state)
{
    it_log_from_env();
    it_cluster_start(&cluster, 1);
    return 0;
}

static int
teardown(void **state)
{
    it_cluster_stop(&cluster);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_rollback_and_checked_transactions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
