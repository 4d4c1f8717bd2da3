/*
 * Tests of src/remoting/connection.c: server-initiated requests to a client
 * (with response and one-way), invocation timeouts, pending invocations failing
 * on close, unmatched responses, closing from another thread, reference
 * counting, output flow control that must not deadlock, and a reply backlog
 * kept in small chunks the loop can pool.
 */
#include "remoting/rpc_client.h"
#include "remoting/server.h"

#include "common/clock.h"
#include "remoting/io_loop_internal.h"
#include "raw_peer.h"
#include "ramjet/status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

enum { CODE_HELLO = 3000, CODE_ECHO = 3001, CODE_POOL_STATS = 3002 };

typedef struct {
    rj_server_t *srv;
    rj_rpc_client_t *cli;
    char addr[64];
    rj_connection_t *client_conn; /* server side of the client's connection, retained */
    atomic_int closed;
    atomic_int notified;
    atomic_int notify_not_oneway;
    atomic_int running_info_calls;
    atomic_bool hold_running_info;
    rj_deferred_t *held;
    atomic_int held_set;
    /* results of server-side invocations */
    atomic_int cb_count;
    atomic_int cb_status;
    char cb_body[64];
} fixture_t;

/* Server: remembers the connection of whoever says hello. */
static int
hello_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    rj_command_t resp;
    if (f->client_conn == NULL) {
        f->client_conn = rj_request_connection(req);
        rj_connection_retain(f->client_conn);
    }
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    return rj_request_reply(req, &resp);
}

static int
echo_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_command_t resp;
    (void)arg;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    resp.body = cmd->body;
    return rj_request_reply(req, &resp);
}

/* Reports the output chunk pool of the loop it runs on: "<bytes> <buffered chunks> <max cap>". */
static int
pool_stats_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_io_loop_t *loop = rj_io_loop_current();
    char text[96];
    size_t n = 0, max_cap = 0;
    (void)arg;
    for (rj_out_chunk_t *c = loop->free_bufs; c != NULL; c = c->next) {
        n++;
        max_cap = c->buf.cap > max_cap ? c->buf.cap : max_cap;
    }
    int len = snprintf(text, sizeof(text), "%zu %zu %zu", loop->free_buf_bytes, n, max_cap);
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    resp.body = rj_bytes(text, (size_t)len);
    return rj_request_reply(req, &resp);
}

static void
on_close(rj_connection_t *conn, void *arg)
{
    fixture_t *f = arg;
    (void)conn;
    atomic_fetch_add(&f->closed, 1);
}

/* Client side handlers for broker → client requests. */
static int
notify_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    if (!rj_request_is_oneway(req) || !rj_command_is_oneway(cmd)) {
        atomic_fetch_add(&f->notify_not_oneway, 1);
    }
    atomic_fetch_add(&f->notified, 1);
    return 0;
}

static int
running_info_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    atomic_fetch_add(&f->running_info_calls, 1);
    if (atomic_load(&f->hold_running_info)) {
        f->held = rj_request_defer(req);
        atomic_store(&f->held_set, 1);
        return 0;
    }
    rj_command_t resp;
    rj_bytes_t group;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    if (rj_command_ext_get(cmd, "consumerGroup", &group)) {
        resp.body = group;
    }
    return rj_request_reply(req, &resp);
}

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    rj_server_options_t o;
    rj_server_options_init(&o);
    o.bind_host = "127.0.0.1";
    o.io_threads = 2;
    o.on_close = on_close;
    o.cb_arg = f;
    o.write_high_watermark = 64 * 1024;
    o.write_low_watermark = 16 * 1024;
    assert_int_equal(rj_server_create(&o, &f->srv), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_HELLO, RJ_DISPATCH_INLINE, hello_handler, f),
                     0);
    assert_int_equal(rj_server_register(f->srv, CODE_ECHO, RJ_DISPATCH_INLINE, echo_handler, f), 0);
    assert_int_equal(
        rj_server_register(f->srv, CODE_POOL_STATS, RJ_DISPATCH_INLINE, pool_stats_handler, f), 0);
    assert_int_equal(rj_server_start(f->srv), 0);
    snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%d", rj_server_port(f->srv));

    rj_rpc_client_options_t co;
    rj_rpc_client_options_init(&co);
    assert_int_equal(rj_rpc_client_create(&co, &f->cli), 0);
    assert_int_equal(rj_rpc_client_register(f->cli, RJ_REQ_NOTIFY_CONSUMER_IDS_CHANGED,
                                            RJ_DISPATCH_INLINE, notify_handler, f),
                     0);
    assert_int_equal(rj_rpc_client_register(f->cli, RJ_REQ_GET_CONSUMER_RUNNING_INFO,
                                            RJ_DISPATCH_WORKER, running_info_handler, f),
                     0);
    assert_int_equal(rj_rpc_client_start(f->cli), 0);
    /* Say hello so the server knows the client's connection. */
    rj_command_t hello, *resp = NULL;
    rj_command_init_request(&hello, CODE_HELLO);
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &hello, 3000, &resp), 0);
    rj_command_destroy(resp);
    assert_non_null(f->client_conn);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_rpc_client_destroy(f->cli);
    rj_server_destroy(f->srv);
    rj_connection_release(f->client_conn);
    free(f);
    return 0;
}

static void
record_result(int status, const rj_command_t *resp, void *arg)
{
    fixture_t *f = arg;
    atomic_store(&f->cb_status, status);
    if (status == 0) {
        assert_non_null(resp);
        assert_true(rj_command_is_response(resp));
        snprintf(f->cb_body, sizeof(f->cb_body), "%.*s", (int)resp->body.len,
                 (const char *)resp->body.data);
    } else {
        assert_null(resp);
    }
    atomic_fetch_add(&f->cb_count, 1);
}

static bool
one_callback(void *arg)
{
    return atomic_load(&((fixture_t *)arg)->cb_count) == 1;
}

static bool
two_notified(void *arg)
{
    return atomic_load(&((fixture_t *)arg)->notified) == 2;
}

static void
test_server_sends_requests_to_the_client(void **state)
{
    fixture_t *f = *state;
    rj_command_t req;
    /* One-way, twice: the client handler sees ONEWAY and never answers. */
    for (int i = 0; i < 2; i++) {
        rj_command_init_request(&req, RJ_REQ_NOTIFY_CONSUMER_IDS_CHANGED);
        rj_command_add_ext_cstr(&req, "consumerGroup", "g1");
        assert_int_equal(rj_connection_invoke_oneway(f->client_conn, &req), 0);
        assert_true(req.flag & RJ_CMD_FLAG_ONEWAY);
    }
    assert_true(wait_until(two_notified, f, 5000));
    assert_int_equal(atomic_load(&f->notify_not_oneway), 0);
    /* With a response, answered by a WORKER handler on the client. */
    rj_command_init_request(&req, RJ_REQ_GET_CONSUMER_RUNNING_INFO);
    rj_command_add_ext_cstr(&req, "consumerGroup", "group-A");
    req.flag = RJ_CMD_FLAG_ONEWAY; /* cleared by the invoke */
    assert_int_equal(rj_connection_invoke_async(f->client_conn, &req, 3000, record_result, f), 0);
    assert_int_equal(req.flag, 0);
    assert_true(wait_until(one_callback, f, 5000));
    assert_int_equal(atomic_load(&f->cb_status), 0);
    assert_string_equal(f->cb_body, "group-A");
}

static void
test_server_invocation_times_out(void **state)
{
    fixture_t *f = *state;
    rj_command_t req;
    atomic_store(&f->hold_running_info, true);
    rj_command_init_request(&req, RJ_REQ_GET_CONSUMER_RUNNING_INFO);
    int64_t t0 = rj_clock_mono_ms();
    assert_int_equal(rj_connection_invoke_async(f->client_conn, &req, 200, record_result, f), 0);
    assert_true(wait_until(one_callback, f, 5000));
    int64_t took = rj_clock_mono_ms() - t0;
    assert_int_equal(atomic_load(&f->cb_status), RJ_ETIMEDOUT);
    assert_true(took >= 190 && took < 2000);
    /* The late response matches nothing and is dropped; the connection stays usable. */
    while (!atomic_load(&f->held_set)) {
        rj_clock_sleep_ms(1);
    }
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    assert_int_equal(rj_deferred_reply(f->held, &resp), 0);
    atomic_store(&f->hold_running_info, false);
    atomic_store(&f->cb_count, 0);
    rj_command_init_request(&req, RJ_REQ_GET_CONSUMER_RUNNING_INFO);
    rj_command_add_ext_cstr(&req, "consumerGroup", "again");
    assert_int_equal(rj_connection_invoke_async(f->client_conn, &req, 3000, record_result, f), 0);
    assert_true(wait_until(one_callback, f, 5000));
    assert_int_equal(atomic_load(&f->cb_status), 0);
    assert_string_equal(f->cb_body, "again");
}

static bool
closed_once(void *arg)
{
    return atomic_load(&((fixture_t *)arg)->closed) == 1;
}

static void
test_pending_invocations_fail_when_the_connection_closes(void **state)
{
    fixture_t *f = *state;
    rj_command_t req;
    atomic_store(&f->hold_running_info, true);
    rj_command_init_request(&req, RJ_REQ_GET_CONSUMER_RUNNING_INFO);
    assert_int_equal(rj_connection_invoke_async(f->client_conn, &req, 30000, record_result, f), 0);
    while (!atomic_load(&f->held_set)) {
        rj_clock_sleep_ms(1);
    }
    rj_rpc_client_close_addr(f->cli, f->addr);
    assert_true(wait_until(one_callback, f, 5000));
    assert_int_equal(atomic_load(&f->cb_status), RJ_ECLOSED);
    assert_true(wait_until(closed_once, f, 5000));
    /* The retained object stays valid; sending on it fails at once, without callback. */
    assert_false(rj_connection_is_open(f->client_conn));
    assert_int_equal(rj_connection_invoke_async(f->client_conn, &req, 100, record_result, f),
                     RJ_ECLOSED);
    assert_int_equal(rj_connection_invoke_oneway(f->client_conn, &req), RJ_ECLOSED);
    assert_int_equal(atomic_load(&f->cb_count), 1);
    /* The client's own reply to the request it still held is dropped. */
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    assert_int_equal(rj_deferred_reply(f->held, &resp), 0);
}

static void
test_close_from_another_thread(void **state)
{
    fixture_t *f = *state;
    rj_connection_close(f->client_conn);
    rj_connection_close(f->client_conn); /* idempotent */
    assert_true(wait_until(closed_once, f, 5000));
    /* The client reconnects on its next call. */
    rj_command_t hello, *resp = NULL;
    rj_command_init_request(&hello, CODE_ECHO);
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &hello, 3000, &resp), 0);
    rj_command_destroy(resp);
}

/* Writes many requests without reading, from its own thread. */
typedef struct {
    int fd;
    int n;
    size_t body;
} writer_t;

static void *
write_requests(void *arg)
{
    writer_t *w = arg;
    uint8_t *body = calloc(1, w->body);
    rj_buf_t out = RJ_BUF_INIT;
    for (int i = 0; i < w->n; i++) {
        rj_command_t c;
        rj_command_init_request(&c, CODE_ECHO);
        c.opaque = i;
        c.body = rj_bytes(body, w->body);
        rj_buf_reset(&out);
        assert_int_equal(rj_command_encode(&c, &out), 0);
        raw_send(w->fd, out.data, out.len);
    }
    rj_buf_cleanup(&out);
    free(body);
    return NULL;
}

static void
test_output_flow_control_does_not_deadlock(void **state)
{
    fixture_t *f = *state;
    /* 8 MiB of responses against a 64 KiB high watermark: the server must pause
       reading, and resume as the client drains, with every request answered. */
    writer_t w = {raw_connect(rj_server_port(f->srv)), 4000, 2048};
    pthread_t t;
    pthread_create(&t, NULL, write_requests, &w);
    rj_clock_sleep_ms(200); /* let the server fill the socket and pause */
    rj_buf_t b = RJ_BUF_INIT;
    for (int i = 0; i < w.n; i++) {
        rj_command_t r;
        assert_true(raw_read_frame(w.fd, &b, &r, 10000));
        assert_int_equal(r.opaque, i);
        assert_int_equal(r.body.len, w.body);
    }
    pthread_join(t, NULL);
    rj_buf_cleanup(&b);
    close(w.fd);
}

static void
test_reply_backlog_is_kept_in_small_poolable_chunks(void **state)
{
    fixture_t *f = *state;
    /* 20,000 small replies pile up behind a reader that waits: they must go into
       chunks closed at RJ_IO_LOOP_CHUNK_FILL, which the loop then pools. */
    writer_t w = {raw_connect(rj_server_port(f->srv)), 20000, 32};
    pthread_t t;
    pthread_create(&t, NULL, write_requests, &w);
    rj_clock_sleep_ms(200);
    rj_buf_t b = RJ_BUF_INIT;
    for (int i = 0; i < w.n; i++) {
        rj_command_t r;
        assert_true(raw_read_frame(w.fd, &b, &r, 10000));
        assert_int_equal(r.opaque, i);
    }
    pthread_join(t, NULL);
    rj_command_t q, r;
    rj_command_init_request(&q, CODE_POOL_STATS);
    q.opaque = w.n;
    raw_send_cmd(w.fd, &q);
    assert_true(raw_read_frame(w.fd, &b, &r, 5000));
    assert_int_equal(r.opaque, w.n);
    size_t bytes = 0, count = 0, max_cap = 0;
    char text[96];
    snprintf(text, sizeof(text), "%.*s", (int)r.body.len, (const char *)r.body.data);
    assert_int_equal(sscanf(text, "%zu %zu %zu", &bytes, &count, &max_cap), 3);
    assert_true(count >= 2);
    assert_true(max_cap <= RJ_IO_LOOP_POOL_BUF_MAX);
    assert_true(bytes <= RJ_IO_LOOP_POOL_BYTES_MAX);
    rj_buf_cleanup(&b);
    close(w.fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_server_sends_requests_to_the_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_server_invocation_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_invocations_fail_when_the_connection_closes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_from_another_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_flow_control_does_not_deadlock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reply_backlog_is_kept_in_small_poolable_chunks, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
