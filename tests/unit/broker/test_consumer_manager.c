#include "broker/consumer_manager.h"

#include "fake_connection.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    int calls;
    char group[64];
    size_t nconns;
} notes_t;

static void
on_change(void *arg, const char *group, rj_connection_t *const *conns, size_t n)
{
    notes_t *t = arg;
    t->calls++;
    snprintf(t->group, sizeof(t->group), "%s", group);
    t->nconns = n;
    for (size_t i = 0; i < n; i++) {
        assert_true(conns[i]->refs >= 2); /* retained for the call */
    }
}

static rj_subscription_t *
sub(const char *topic, const char *expr, int64_t version)
{
    rj_subscription_t *s;
    assert_int_equal(rj_subscription_data_build(rj_bytes_from_cstr(topic), rj_bytes_from_cstr(expr),
                                                RJ_BYTES_NULL, &s),
                     0);
    s->sub_version = version;
    return s;
}

static void
test_register_notifies_on_new_channel_and_topic_change(void **state)
{
    (void)state;
    rj_consumer_manager_t *m;
    notes_t notes = {0};
    rj_connection_t c1, c2;
    fake_connection_init(&c1, 1001);
    fake_connection_init(&c2, 1002);
    assert_int_equal(rj_consumer_manager_create(&m), 0);
    rj_consumer_manager_set_change_cb(m, on_change, &notes);

    rj_subscription_t *subs[2] = {sub("T", "TagA", 10), sub("%RETRY%cg", "*", 11)};
    rj_consumer_data_t data = {RJ_CONSUME_PASSIVELY, RJ_MODEL_CLUSTERING, 4, subs, 2};
    assert_true(rj_consumer_manager_register(m, RJ_BYTES_LIT("cg"), &c1, RJ_BYTES_LIT("id1"), 0,
                                             409, &data, true, 1000));
    assert_int_equal(notes.calls, 1);
    assert_int_equal(notes.nconns, 1);
    assert_int_equal(c1.refs, 2);
    /* Same heartbeat again: nothing changes, no notification. */
    assert_false(rj_consumer_manager_register(m, RJ_BYTES_LIT("cg"), &c1, RJ_BYTES_LIT("id1"), 0,
                                              409, &data, true, 2000));
    assert_int_equal(notes.calls, 1);
    /* A second consumer joins: everyone is told. */
    assert_true(rj_consumer_manager_register(m, RJ_BYTES_LIT("cg"), &c2, RJ_BYTES_LIT("id2"), 0,
                                             409, &data, true, 2000));
    assert_int_equal(notes.calls, 2);
    assert_int_equal(notes.nconns, 2);

    rj_consumer_lookup_t lk;
    rj_consumer_manager_lookup(m, RJ_BYTES_LIT("cg"), RJ_BYTES_LIT("T"), &lk);
    assert_true(lk.group_found);
    assert_non_null(lk.sub);
    assert_int_equal(lk.sub->sub_version, 10);
    rj_subscription_data_release(lk.sub);

    /* A newer version replaces the subscription without a notification. */
    rj_subscription_t *newer[2] = {sub("T", "TagB", 20), subs[1]};
    rj_consumer_data_t data2 = {RJ_CONSUME_PASSIVELY, RJ_MODEL_CLUSTERING, 4, newer, 2};
    assert_false(rj_consumer_manager_register(m, RJ_BYTES_LIT("cg"), &c1, RJ_BYTES_LIT("id1"), 0,
                                              409, &data2, true, 3000));
    rj_consumer_manager_lookup(m, RJ_BYTES_LIT("cg"), RJ_BYTES_LIT("T"), &lk);
    assert_int_equal(lk.sub->sub_version, 20);
    rj_subscription_data_release(lk.sub);

    /* Dropping a topic is a change. */
    rj_consumer_data_t data3 = {RJ_CONSUME_PASSIVELY, RJ_MODEL_CLUSTERING, 4, newer, 1};
    assert_true(rj_consumer_manager_register(m, RJ_BYTES_LIT("cg"), &c1, RJ_BYTES_LIT("id1"), 0,
                                             409, &data3, false, 3000));
    assert_int_equal(notes.calls, 2);
    rj_consumer_manager_lookup(m, RJ_BYTES_LIT("cg"), RJ_BYTES_LIT("%RETRY%cg"), &lk);
    assert_true(lk.group_found);
    assert_null(lk.sub);

    rj_consumer_channel_t *chans;
    size_t n = rj_consumer_manager_channels(m, RJ_BYTES_LIT("cg"), &chans);
    assert_int_equal(n, 2);
    rj_consumer_channels_free(chans, n);

    rj_buf_t out = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &out, 0);
    assert_int_equal(rj_consumer_manager_write_connection(m, RJ_BYTES_LIT("cg"), &w), 0);
    assert_int_equal(rj_jw_finish(&w), 0);
    rj_buf_terminate(&out);
    assert_non_null(strstr((char *)out.data, "\"consumeFromWhere\":\"CONSUME_FROM_FIRST_OFFSET\""));
    assert_non_null(strstr((char *)out.data, "\"messageModel\":\"CLUSTERING\""));
    assert_non_null(strstr((char *)out.data, "\"clientId\":\"id2\""));
    rj_buf_cleanup(&out);

    /* Connection closes: the rest of the group is told; group disappears with its last member. */
    rj_consumer_manager_connection_closed(m, &c1, true);
    assert_int_equal(notes.calls, 3);
    assert_int_equal(notes.nconns, 1);
    assert_int_equal(c1.refs, 1);
    rj_consumer_manager_unregister(m, RJ_BYTES_LIT("cg"), &c2, true);
    rj_consumer_manager_lookup(m, RJ_BYTES_LIT("cg"), RJ_BYTES_LIT("T"), &lk);
    assert_false(lk.group_found);
    assert_int_equal(c2.refs, 1);

    rj_subscription_data_release(subs[0]);
    rj_subscription_data_release(subs[1]);
    rj_subscription_data_release(newer[0]);
    rj_consumer_manager_destroy(m);
}

static void
test_idle_channels_are_closed(void **state)
{
    (void)state;
    rj_consumer_manager_t *m;
    rj_connection_t c1;
    fake_connection_init(&c1, 1001);
    assert_int_equal(rj_consumer_manager_create(&m), 0);
    rj_consumer_data_t data = {RJ_CONSUME_ACTIVELY, RJ_MODEL_BROADCASTING, 0, NULL, 0};
    rj_consumer_manager_register(m, RJ_BYTES_LIT("g"), &c1, RJ_BYTES_LIT("id"), 0, 409, &data,
                                 false, 1000);
    assert_int_equal(rj_consumer_manager_scan_idle(m, 120000, 120000), 0);
    assert_int_equal(rj_consumer_manager_scan_idle(m, 121001, 120000), 1);
    assert_true(c1.closed);
    assert_int_equal(c1.refs, 1);
    assert_false(rj_consumer_manager_group_topics(m, RJ_BYTES_LIT("g"), NULL, NULL));
    rj_consumer_manager_destroy(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_notifies_on_new_channel_and_topic_change),
        cmocka_unit_test(test_idle_channels_are_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
