/*
 * The transaction check pass against a real store: checks of unresolved
 * half messages, op records that resolve them, young messages, discards,
 * immunity copies and the progress of CID_RMQ_SYS_TRANS.
 */
#include "broker/transaction_check.h"

#include "broker/topic_validator.h"
#include "broker/transaction_message.h"
#include "broker_with_store.h"
#include "common/message_properties.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

typedef struct {
    rj_broker_t *b;
    char *dir;
    /* What the listener saw (last check). */
    int checks;
    char group[64];
    int64_t commit_log_offset, tran_offset;
    char msg_id[128], offset_msg_id[64], transaction_id[128];
    rj_buf_t body;
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = rj_calloc(1, sizeof(*f));
    rj_log_set_level(RJ_LOG_ERROR);
    f->b = bws_create(&f->dir);
    assert_non_null(f->b);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    bws_destroy(f->b, f->dir);
    rj_buf_cleanup(&f->body);
    rj_free(f);
    return 0;
}

static void
ext_copy(const rj_command_t *cmd, const char *key, char *out, size_t size)
{
    rj_bytes_t v;
    out[0] = '\0';
    if (rj_command_ext_get(cmd, key, &v)) {
        rj_bytes_copy_cstr(v, out, size);
    }
}

static void
capture(void *arg, rj_bytes_t group, rj_command_t *req, rj_bytes_t body)
{
    fixture_t *f = arg;
    f->checks++;
    assert_int_equal(req->code, 39);
    rj_bytes_copy_cstr(group, f->group, sizeof(f->group));
    const rj_ext_field_t *e = rj_command_ext_find(req, "commitLogOffset");
    assert_non_null(e);
    f->commit_log_offset = e->num;
    e = rj_command_ext_find(req, "tranStateTableOffset");
    assert_non_null(e);
    f->tran_offset = e->num;
    ext_copy(req, "msgId", f->msg_id, sizeof(f->msg_id));
    ext_copy(req, "offsetMsgId", f->offset_msg_id, sizeof(f->offset_msg_id));
    ext_copy(req, "transactionId", f->transaction_id, sizeof(f->transaction_id));
    rj_buf_reset(&f->body);
    rj_buf_append(&f->body, body.data, body.len);
}

static void
put_raw(fixture_t *f, const char *topic, const char *body, const char *props, int64_t born,
        rj_store_put_result_t *res)
{
    rj_store_msg_t m = {
        .topic = rj_bytes_from_cstr(topic),
        .queue_id = 0,
        .born_timestamp = born,
        .born_host = bws_host(40000),
        .store_host = f->b->store_host,
        .body = rj_bytes_from_cstr(body),
        .properties = rj_bytes_from_cstr(props),
    };
    rj_store_put_result_t local;
    assert_int_equal(rj_store_put(f->b->store, &m, NULL, res ? res : &local), RJ_PUT_OK);
}

static void
put_half(fixture_t *f, const char *uniq, const char *extra, int64_t born,
         rj_store_put_result_t *res)
{
    char props[512];
    snprintf(
        props, sizeof(props),
        "KEYS\001k\002TRAN_MSG\001true\002PGROUP\001pg\002UNIQ_KEY\001%s\002WAIT\001true\002"
        "TAGS\001TagA\002CLUSTER\001DefaultCluster\002REAL_TOPIC\001TopicTx\002REAL_QID\0012%s",
        uniq, extra);
    put_raw(f, RJ_TOPIC_TRANS_HALF, "half body", props, born, res);
}

static void
put_op(fixture_t *f, int64_t half_offset)
{
    char body[24];
    snprintf(body, sizeof(body), "%lld", (long long)half_offset);
    put_raw(f, RJ_TOPIC_TRANS_OP_HALF, body, "WAIT\001true\002TAGS\001d", rj_clock_wall_ms(), NULL);
}

static int
run_pass(fixture_t *f, int64_t now, rj_transaction_check_stats_t *st)
{
    assert_true(bws_wait_dispatched(f->b));
    /* A pass leaves messages stored in its own first millisecond alone: start after them. */
    int64_t last = rj_store_get_max_phy_offset(f->b->store) > 0 ? rj_clock_wall_ms() : 0;
    while (rj_clock_wall_ms() <= last) {
        rj_clock_sleep_ms(1);
    }
    rj_transaction_check_listener_t l = {capture, f};
    int rc = rj_transaction_check_once(f->b, now, &l, st);
    assert_true(bws_wait_dispatched(f->b));
    return rc;
}

static int64_t
progress(fixture_t *f, const char *topic)
{
    int64_t off = -1;
    rj_offset_manager_query(f->b->offsets, rj_bytes_from_cstr(topic),
                            RJ_BYTES_LIT(RJ_TRANSACTION_GROUP), 0, &off);
    return off;
}

static int64_t
max_offset(fixture_t *f, const char *topic)
{
    return rj_store_get_max_offset_in_queue(f->b->store, rj_bytes_from_cstr(topic), 0);
}

/* Reads the record at a queue offset of the half topic. */
static void
read_half(fixture_t *f, int64_t offset, rj_message_record_t *rec, rj_store_view_t *view)
{
    int64_t phy = rj_store_get_commit_log_offset_in_queue(
        f->b->store, RJ_BYTES_LIT(RJ_TOPIC_TRANS_HALF), 0, offset);
    assert_int_equal(rj_store_look_message(f->b->store, phy, rec, view), 0);
}

static bool
prop_is(rj_bytes_t props, const char *key, const char *want)
{
    rj_bytes_t v;
    return rj_message_properties_get(props, key, &v) && rj_bytes_eq_cstr(v, want);
}

static void
test_unresolved_half_message_is_checked_through_a_fresh_copy(void **state)
{
    fixture_t *f = *state;
    int64_t now = rj_clock_wall_ms() + 1000;
    rj_store_put_result_t half;
    put_half(f, "U1", "", now - 20000, &half);
    rj_transaction_check_stats_t st;
    assert_int_equal(run_pass(f, now, &st), 0);
    assert_int_equal(st.checks_sent, 1);
    assert_int_equal(f->checks, 1);
    assert_string_equal(f->group, "pg");
    assert_string_equal(f->msg_id, "U1");
    assert_string_equal(f->transaction_id, "U1");
    /* The check names the copy at half offset 1, not the original at 0. */
    assert_int_equal(f->tran_offset, 1);
    assert_true(f->commit_log_offset > half.phy_offset);
    char id[RJ_MSG_ID_MAX_HEX_SIZE];
    rj_message_id_encode(&f->b->store_host, f->commit_log_offset, id, sizeof(id));
    assert_string_equal(f->offset_msg_id, id);
    /* Body: the copy re-encoded with the real topic and queue. */
    rj_message_record_t rec;
    assert_int_equal(rj_message_record_decode(f->body.data, f->body.len, &rec, 0),
                     (int)f->body.len);
    assert_true(rj_bytes_eq_cstr(rec.topic, "TopicTx"));
    assert_int_equal(rec.queue_id, 2);
    assert_int_equal(rec.queue_offset, 1);
    assert_int_equal(rec.phy_offset, f->commit_log_offset);
    assert_true(rj_bytes_eq_cstr(rec.body, "half body"));
    assert_true(prop_is(rec.properties, "TRANSACTION_CHECK_TIMES", "1"));
    assert_true(prop_is(rec.properties, "WAIT", "false"));
    assert_true(prop_is(rec.properties, "REAL_TOPIC", "TopicTx"));
    /* The stored copy keeps WAIT as it was and counts the check. */
    rj_store_view_t view;
    read_half(f, 1, &rec, &view);
    assert_true(prop_is(rec.properties, "TRANSACTION_CHECK_TIMES", "1"));
    assert_true(prop_is(rec.properties, "WAIT", "true"));
    assert_true(prop_is(rec.properties, "UNIQ_KEY", "U1"));
    rj_store_view_release(&view);
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_HALF), 1);

    /* The next pass reaches the copy and checks again with count 2. */
    assert_int_equal(run_pass(f, rj_clock_wall_ms() + 1000, &st), 0);
    assert_int_equal(st.checks_sent, 1);
    assert_int_equal(f->tran_offset, 2);
    assert_int_equal(rj_message_record_decode(f->body.data, f->body.len, &rec, 0),
                     (int)f->body.len);
    assert_true(prop_is(rec.properties, "TRANSACTION_CHECK_TIMES", "2"));
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_HALF), 2);
}

static void
test_op_record_resolves_half_message(void **state)
{
    fixture_t *f = *state;
    int64_t now = rj_clock_wall_ms() + 1000;
    put_half(f, "U1", "", now - 20000, NULL);
    put_half(f, "U2", "", now - 20000, NULL);
    put_op(f, 0);
    put_op(f, 1);
    rj_transaction_check_stats_t st;
    assert_int_equal(run_pass(f, now, &st), 0);
    assert_int_equal(st.checks_sent, 0);
    assert_int_equal(st.resolved, 2);
    assert_int_equal(f->checks, 0);
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_HALF), 2);
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_OP_HALF), 2);
    assert_int_equal(max_offset(f, RJ_TOPIC_TRANS_HALF), 2); /* no copies */
}

static void
test_op_progress_stops_at_a_gap(void **state)
{
    fixture_t *f = *state;
    int64_t now = rj_clock_wall_ms() + 1000;
    put_half(f, "U1", "", now - 20000, NULL);
    put_half(f, "U2", "", now - 20000, NULL);
    put_half(f, "U3", "", now - 20000, NULL);
    put_op(f, 2); /* resolves the third only */
    put_op(f, 0); /* and the first */
    rj_transaction_check_stats_t st;
    assert_int_equal(run_pass(f, now, &st), 0);
    /* U2 is checked; the op queue is done for both entries. */
    assert_int_equal(st.checks_sent, 1);
    assert_int_equal(st.resolved, 2);
    assert_string_equal(f->msg_id, "U2");
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_HALF), 3);
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_OP_HALF), 2);
}

static void
test_young_half_message_waits(void **state)
{
    fixture_t *f = *state;
    int64_t now = rj_clock_wall_ms() + 1000;
    put_half(f, "U1", "", now - 100, NULL); /* younger than transactionTimeOut (6 s) */
    put_half(f, "U2", "", now - 20000, NULL);
    rj_transaction_check_stats_t st;
    assert_int_equal(run_pass(f, now, &st), 0);
    /* The walk stops at the young one: the older one behind it waits too. */
    assert_int_equal(st.checks_sent, 0);
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_HALF), -1);
    assert_int_equal(max_offset(f, RJ_TOPIC_TRANS_HALF), 2);
}

static void
test_checked_too_often_is_discarded(void **state)
{
    fixture_t *f = *state;
    int64_t now = rj_clock_wall_ms() + 1000;
    put_half(f, "U1", "\002TRANSACTION_CHECK_TIMES\00115", now - 20000, NULL);
    rj_transaction_check_stats_t st;
    assert_int_equal(run_pass(f, now, &st), 0);
    assert_int_equal(st.checks_sent, 0);
    assert_int_equal(st.discarded, 1);
    assert_int_equal(max_offset(f, RJ_TOPIC_TRANS_CHECK_MAX_TIME), 1);
    rj_topic_config_t tc;
    assert_true(
        rj_topic_manager_lookup(f->b->topics, RJ_BYTES_LIT(RJ_TOPIC_TRANS_CHECK_MAX_TIME), &tc));
    assert_int_equal(tc.read_queue_nums, 1);
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_HALF), 1);

    /* A lower limit applies at once. */
    f->b->config.transaction_check_max = 1;
    put_half(f, "U2", "\002TRANSACTION_CHECK_TIMES\0011", now - 20000, NULL);
    assert_int_equal(run_pass(f, now, &st), 0);
    assert_int_equal(st.discarded, 1);
    assert_int_equal(max_offset(f, RJ_TOPIC_TRANS_CHECK_MAX_TIME), 2);
}

static void
test_immunity_puts_a_copy_instead_of_checking(void **state)
{
    fixture_t *f = *state;
    int64_t now = rj_clock_wall_ms() + 1000;
    put_half(f, "U1", "\002CHECK_IMMUNITY_TIME_IN_SECONDS\0013600", now - 20000, NULL);
    rj_transaction_check_stats_t st;
    assert_int_equal(run_pass(f, now, &st), 0);
    assert_int_equal(st.checks_sent, 0);
    assert_int_equal(progress(f, RJ_TOPIC_TRANS_HALF), 1);
    assert_int_equal(max_offset(f, RJ_TOPIC_TRANS_HALF), 2);
    rj_message_record_t rec;
    rj_store_view_t view;
    read_half(f, 1, &rec, &view);
    assert_true(prop_is(rec.properties, "TRAN_PREPARED_QUEUE_OFFSET", "0"));
    rj_store_view_release(&view);

    /* Once the immunity is over the copy is checked like any other. */
    assert_int_equal(run_pass(f, now + 3600 * 1000, &st), 0);
    assert_int_equal(st.checks_sent, 1);
    assert_string_equal(f->msg_id, "U1");
}

static void
test_empty_half_topic_is_created_and_quiet(void **state)
{
    fixture_t *f = *state;
    rj_transaction_check_stats_t st;
    assert_int_equal(run_pass(f, rj_clock_wall_ms(), &st), 0);
    assert_int_equal(st.checks_sent, 0);
    rj_topic_config_t tc;
    assert_true(rj_topic_manager_lookup(f->b->topics, RJ_BYTES_LIT(RJ_TOPIC_TRANS_HALF), &tc));
    assert_int_equal(tc.read_queue_nums, 1);
    assert_int_equal(tc.perm, RJ_PERM_READ | RJ_PERM_WRITE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_unresolved_half_message_is_checked_through_a_fresh_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_op_record_resolves_half_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_op_progress_stops_at_a_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_young_half_message_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checked_too_often_is_discarded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_immunity_puts_a_copy_instead_of_checking, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_empty_half_topic_is_created_and_quiet, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
