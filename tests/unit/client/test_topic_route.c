/* Route parsing (golden name-server answers in both JSON dialects) and derived queues. */
#include "client/topic_route.h"

#include "common/alloc.h"
#include "ramjet/producer.h"
#include "ramjet/status.h"
#include "support/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void
check_tbw102_route(const rj_topic_route_t *r)
{
    assert_int_equal(r->broker_count, 1);
    assert_string_equal(r->brokers[0].name, "broker-a");
    assert_string_equal(r->brokers[0].cluster, "DefaultCluster");
    assert_int_equal(r->brokers[0].addr_count, 1);
    assert_string_equal(rj_broker_data_addr(&r->brokers[0], 0), "127.0.0.1:10911");
    assert_int_equal(r->queue_count, 1);
    assert_int_equal(r->queues[0].perm, 7);
    assert_int_equal(r->queues[0].read_queue_nums, 8);
    assert_int_equal(r->queues[0].write_queue_nums, 8);
}

static void
test_golden_routes_parse_in_both_dialects(void **state)
{
    rj_golden_frame_t unquoted, quoted;
    rj_topic_route_t *a, *b;

    assert_int_equal(rj_golden_frame_load(9, &unquoted), 0);
    assert_int_equal(rj_golden_frame_load(11, &quoted), 0);
    assert_int_equal(rj_topic_route_parse(unquoted.body.data, unquoted.body.len, &a), RJ_OK);
    assert_int_equal(rj_topic_route_parse(quoted.body.data, quoted.body.len, &b), RJ_OK);
    check_tbw102_route(a);
    check_tbw102_route(b);
    assert_true(rj_topic_route_equal(a, b));
    rj_topic_route_t *c = rj_topic_route_clone(a);
    assert_non_null(c);
    assert_true(rj_topic_route_equal(a, c));
    c->queues[0].perm = 6;
    assert_false(rj_topic_route_equal(a, c));
    rj_topic_route_destroy(a);
    rj_topic_route_destroy(b);
    rj_topic_route_destroy(c);
    rj_golden_frame_cleanup(&unquoted);
    rj_golden_frame_cleanup(&quoted);
}

static const char two_brokers[] =
    "{\"brokerDatas\":[{\"brokerAddrs\":{\"1\":\"h:2\",\"0\":\"h:1\"},\"brokerName\":\"b\","
    "\"cluster\":\"C\"},{\"brokerAddrs\":{\"1\":\"h:4\"},\"brokerName\":\"a\",\"cluster\":\"C\"},"
    "{\"brokerAddrs\":{\"0\":\"h:5\"},\"brokerName\":\"c\",\"cluster\":\"C\"}],"
    "\"queueDatas\":[{\"brokerName\":\"b\",\"perm\":6,\"readQueueNums\":2,\"writeQueueNums\":3},"
    "{\"brokerName\":\"a\",\"perm\":6,\"readQueueNums\":4,\"writeQueueNums\":4},"
    "{\"brokerName\":\"c\",\"perm\":4,\"readQueueNums\":1,\"writeQueueNums\":1}]}";

static void
test_publish_skips_brokers_without_master_or_write_perm(void **state)
{
    rj_topic_route_t *r;

    assert_int_equal(rj_topic_route_parse(two_brokers, strlen(two_brokers), &r), RJ_OK);
    /* sorted by broker name, addresses by id */
    assert_string_equal(r->brokers[0].name, "a");
    assert_int_equal(r->brokers[1].addrs[0].id, 0);
    rj_publish_info_t *pi = rj_publish_info_create("T", r);
    assert_non_null(pi);
    /* a: no master; c: read-only; b: 3 write queues. */
    assert_int_equal(pi->queue_count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(pi->queues[i].broker_name, "b");
        assert_string_equal(pi->queues[i].topic, "T");
        assert_int_equal(pi->queues[i].queue_id, (int)i);
    }
    assert_string_equal(rj_publish_info_broker(pi, "b")->master_addr, "h:1");
    rj_publish_info_release(pi);

    rj_message_queue_t *subs;
    size_t n;
    assert_int_equal(rj_topic_route_subscribe_queues("T", r, &subs, &n), RJ_OK);
    assert_int_equal(n, 7);
    assert_string_equal(subs[0].broker_name, "a");
    assert_string_equal(subs[4].broker_name, "b");
    assert_string_equal(subs[6].broker_name, "c");
    rj_message_queues_free(subs);
    rj_topic_route_destroy(r);
}

static void
test_order_topic_conf_defines_the_queues(void **state)
{
    const char text[] = "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"h:1\"},\"brokerName\":\"x\"}],"
                        "\"orderTopicConf\":\"x:2;y:1\",\"queueDatas\":[]}";
    rj_topic_route_t *r;

    assert_int_equal(rj_topic_route_parse(text, strlen(text), &r), RJ_OK);
    rj_publish_info_t *pi = rj_publish_info_create("T", r);
    assert_non_null(pi);
    assert_true(pi->order_topic);
    assert_int_equal(pi->queue_count, 3);
    assert_string_equal(pi->queues[2].broker_name, "y");
    assert_null(rj_publish_info_broker(pi, "y")->master_addr);
    rj_publish_info_release(pi);
    rj_topic_route_destroy(r);
}

static void
test_default_queue_nums_cap_the_tbw102_route(void **state)
{
    rj_golden_frame_t f;
    rj_topic_route_t *r;

    assert_int_equal(rj_golden_frame_load(11, &f), 0);
    assert_int_equal(rj_topic_route_parse(f.body.data, f.body.len, &r), RJ_OK);
    rj_topic_route_apply_default_queue_nums(r, 4);
    assert_int_equal(r->queues[0].read_queue_nums, 4);
    assert_int_equal(r->queues[0].write_queue_nums, 4);
    rj_topic_route_destroy(r);
    rj_golden_frame_cleanup(&f);
}

static void
test_malformed_routes_are_rejected(void **state)
{
    static const char *bad[] = {
        "",
        "[]",
        "{\"brokerDatas\":5}",
        "{\"brokerDatas\":[{\"brokerAddrs\":{\"x\":\"h\"},\"brokerName\":\"b\"}]}",
        "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":7},\"brokerName\":\"b\"}]}",
        "{\"queueDatas\":[{\"perm\":6}]}",
        "{\"queueDatas\":[{\"brokerName\":\"b\",\"readQueueNums\":-1}]}",
        "{\"brokerDatas\":[{\"brokerAddrs\":{\"0\":\"h\"}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rj_topic_route_t *r = (rj_topic_route_t *)1;
        assert_int_equal(rj_topic_route_parse(bad[i], strlen(bad[i]), &r), RJ_EMALFORMED);
        assert_null(r);
    }
}

static void
test_allocation_failures_are_reported_without_leaks(void **state)
{
    for (long n = 0; n < 60; n++) {
        rj_topic_route_t *r = NULL;
        rj_alloc_fail_after(n);
        int rc = rj_topic_route_parse(two_brokers, strlen(two_brokers), &r);
        rj_publish_info_t *pi = rc == RJ_OK ? rj_publish_info_create("T", r) : NULL;
        rj_alloc_fail_after(-1);
        assert_true(rc == RJ_OK || rc == RJ_ENOMEM);
        rj_publish_info_release(pi);
        rj_topic_route_destroy(r);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_routes_parse_in_both_dialects),
        cmocka_unit_test(test_publish_skips_brokers_without_master_or_write_perm),
        cmocka_unit_test(test_order_topic_conf_defines_the_queues),
        cmocka_unit_test(test_default_queue_nums_cap_the_tbw102_route),
        cmocka_unit_test(test_malformed_routes_are_rejected),
        cmocka_unit_test(test_allocation_failures_are_reported_without_leaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
