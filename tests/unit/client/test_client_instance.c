/*
 * Tests of src/client/client_instance.c: the request header type chosen like
 * Java's RemotingCommand (environment variable ROCKETMQ_SERIALIZE_TYPE), seen
 * on the wire and working end to end against the fake cluster.
 */
#include "client/client_instance.h"

#include "fake_cluster.h"

#include "common/alloc.h"
#include "ramjet/ramjet.h"
#include "remoting/server.h"
#include "support/wait.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static atomic_int route_requests;
static atomic_int route_type = -1;

/* A name server that only records the header type of route requests. */
static int
spy_route(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_command_t resp;
    (void)arg;
    atomic_store(&route_type, cmd->serialize_type);
    atomic_fetch_add(&route_requests, 1);
    rj_command_init_response(&resp, cmd, RJ_RESP_TOPIC_NOT_EXIST);
    rj_command_set_remark_cstr(&resp, "No topic route info in name server for the topic: T");
    return rj_request_reply(req, &resp);
}

static void
test_requests_go_out_in_the_configured_header_type(void **state)
{
    rj_server_options_t o;
    rj_server_t *srv;
    rj_producer_t *p;
    rj_message_t *m;
    char addr[64];

    (void)state;
    assert_int_equal(rj_client_request_serialize_type(), RJ_SERIALIZE_ROCKETMQ);
    rj_server_options_init(&o);
    o.bind_host = "127.0.0.1";
    assert_int_equal(rj_server_create(&o, &srv), 0);
    rj_server_register(srv, RJ_REQ_GET_ROUTEINFO_BY_TOPIC, RJ_DISPATCH_INLINE, spy_route, NULL);
    assert_int_equal(rj_server_start(srv), 0);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", rj_server_port(srv));
    assert_int_equal(rj_producer_create("pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, addr), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("T", &m), RJ_OK);
    assert_int_equal(rj_message_set_body(m, "x", 1), RJ_OK);
    assert_int_equal(rj_producer_send(p, m, NULL), RJ_ENOROUTE);
    assert_true(atomic_load(&route_requests) >= 1);
    assert_int_equal(atomic_load(&route_type), RJ_SERIALIZE_ROCKETMQ);
    rj_message_destroy(m);
    rj_producer_destroy(p);
    rj_server_destroy(srv);
}

typedef struct {
    atomic_int ok;
    atomic_int failed;
} counts_t;

static void
on_sent(int status, const rj_send_result_t *r, void *arg)
{
    counts_t *c = arg;
    (void)r;
    atomic_fetch_add(status == RJ_OK ? &c->ok : &c->failed, 1);
}

static bool
all_sent(void *arg)
{
    counts_t *c = arg;
    return atomic_load(&c->ok) + atomic_load(&c->failed) == 100;
}

static void
test_sends_work_end_to_end_with_binary_headers(void **state)
{
    fake_cluster_t *fc;
    rj_producer_t *p;
    rj_send_result_t *r = NULL;
    rj_message_t *m;
    counts_t c = {0};

    (void)state;
    assert_int_equal(fake_cluster_start(1, &fc), 0);
    fake_cluster_add_topic(fc, "TopicTest", 4);
    assert_int_equal(rj_producer_create("pg", &p), RJ_OK);
    assert_int_equal(rj_producer_set_namesrv_addr(p, fake_cluster_namesrv(fc)), RJ_OK);
    assert_int_equal(rj_producer_start(p), RJ_OK);
    assert_int_equal(rj_message_create("TopicTest", &m), RJ_OK);
    assert_int_equal(rj_message_set_body(m, "binary", 6), RJ_OK);
    assert_int_equal(rj_message_set_tags(m, "TagA"), RJ_OK);
    assert_int_equal(rj_producer_send(p, m, &r), RJ_OK);
    assert_int_equal(strlen(rj_send_result_msg_id(r)), 32);
    assert_string_equal(rj_send_result_broker_name(r), "broker-0");
    rj_send_result_destroy(r);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rj_producer_send_async(p, m, on_sent, &c), RJ_OK);
    }
    assert_true(rj_wait_until(all_sent, &c, 10000));
    assert_int_equal(atomic_load(&c.ok), 100);
    assert_int_equal(fake_cluster_count(fc, "TopicTest"), 101);
    char *tag_ext = fake_cluster_last_ext(fc, 310, "b");
    assert_string_equal(tag_ext, "TopicTest");
    rj_free(tag_ext);
    rj_message_destroy(m);
    rj_producer_destroy(p);
    fake_cluster_destroy(fc);
}

int
main(void)
{
    /* Read once per process, before any client exists (as Java reads it at class load). */
    setenv("ROCKETMQ_SERIALIZE_TYPE", "ROCKETMQ", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_go_out_in_the_configured_header_type),
        cmocka_unit_test(test_sends_work_end_to_end_with_binary_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
