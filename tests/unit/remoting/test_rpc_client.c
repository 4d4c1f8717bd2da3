/*
 * Tests of src/remoting/rpc_client.c against a real server: sync, async and
 * one-way calls, calls from many threads, connect failures, timeouts, the
 * loop-thread guard of sync calls, reconnects, close callbacks and stop.
 */
#include "remoting/rpc_client.h"
#include "remoting/server.h"

#include "common/clock.h"
#include "raw_peer.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

enum { CODE_ECHO = 4000, CODE_HOLD = 4001, CODE_COUNT = 4002, CODE_TYPE = 4003 };

typedef struct {
    rj_server_t *srv;
    rj_rpc_client_t *cli;
    char addr[64];
    atomic_int counted;
    atomic_int client_open;
    atomic_int client_closed;
    _Atomic(rj_deferred_t *) held[16];
    atomic_int held_count;
    /* async results */
    atomic_int done;
    atomic_int status;
    atomic_int nested_sync_rc;
} fixture_t;

/* The i-th held request, once its handler has published it. */
static rj_deferred_t *
held_at(fixture_t *f, int i)
{
    rj_deferred_t *d;
    while ((d = atomic_load(&f->held[i])) == NULL) {
        rj_clock_sleep_ms(1);
    }
    return d;
}

static int
echo_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_command_t resp;
    (void)arg;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    for (uint32_t i = 0; i < cmd->ext_count; i++) {
        rj_command_add_ext(&resp, cmd->ext[i].key, cmd->ext[i].value);
    }
    resp.body = cmd->body;
    return rj_request_reply(req, &resp);
}

/* Answers with the request's header type as text ("0" JSON, "1" ROCKETMQ). */
static int
type_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_command_t resp;
    char t[4];
    (void)arg;
    int n = snprintf(t, sizeof(t), "%u", (unsigned)cmd->serialize_type);
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_add_ext_cstr(&resp, "seen", t);
    resp.body = rj_bytes(t, (size_t)n);
    return rj_request_reply(req, &resp);
}

static int
hold_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    (void)cmd;
    int i = atomic_fetch_add(&f->held_count, 1);
    assert_true(i < 16);
    atomic_store(&f->held[i], rj_request_defer(req));
    return 0;
}

static int
count_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    (void)req;
    assert_true(rj_command_is_oneway(cmd));
    atomic_fetch_add(&f->counted, 1);
    return 0;
}

static void
client_open(rj_connection_t *conn, void *arg)
{
    fixture_t *f = arg;
    (void)conn;
    atomic_fetch_add(&f->client_open, 1);
}

static void
client_closed(rj_connection_t *conn, void *arg)
{
    fixture_t *f = arg;
    /* Only the test server's connection counts (other tests also dial other addresses). */
    if (strcmp(rj_connection_remote_addr(conn), f->addr) == 0) {
        atomic_fetch_add(&f->client_closed, 1);
    }
}

static void
start_server(fixture_t *f)
{
    rj_server_options_t o;
    rj_server_options_init(&o);
    o.bind_host = "127.0.0.1";
    o.io_threads = 2;
    o.shutdown_timeout_ms = 200;
    assert_int_equal(rj_server_create(&o, &f->srv), 0);
    rj_server_register(f->srv, CODE_ECHO, RJ_DISPATCH_INLINE, echo_handler, f);
    rj_server_register(f->srv, CODE_HOLD, RJ_DISPATCH_INLINE, hold_handler, f);
    rj_server_register(f->srv, CODE_COUNT, RJ_DISPATCH_INLINE, count_handler, f);
    rj_server_register(f->srv, CODE_TYPE, RJ_DISPATCH_INLINE, type_handler, f);
    assert_int_equal(rj_server_start(f->srv), 0);
    snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%d", rj_server_port(f->srv));
}

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    start_server(f);
    rj_rpc_client_options_t o;
    rj_rpc_client_options_init(&o);
    o.io_threads = 2;
    o.connect_timeout_ms = 1000;
    o.on_connect = client_open;
    o.on_close = client_closed;
    o.cb_arg = f;
    assert_int_equal(rj_rpc_client_create(&o, &f->cli), 0);
    assert_int_equal(rj_rpc_client_start(f->cli), 0);
    assert_int_equal(rj_rpc_client_register(f->cli, 1, RJ_DISPATCH_INLINE, echo_handler, f),
                     RJ_ESTATE);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_rpc_client_destroy(f->cli);
    rj_server_destroy(f->srv);
    free(f);
    return 0;
}

static void
test_sync_call_returns_an_owned_copy(void **state)
{
    fixture_t *f = *state;
    rj_command_t req, *resp = NULL;
    for (uint8_t type = 0; type <= 1; type++) {
        rj_command_init_request(&req, CODE_ECHO);
        req.serialize_type = type;
        rj_command_add_ext_cstr(&req, "topic", "T");
        req.body = rj_bytes("payload", 7);
        assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 3000, &resp), 0);
        assert_non_null(resp);
        assert_int_equal(resp->code, RJ_RESP_SUCCESS);
        assert_int_equal(resp->opaque, req.opaque);
        assert_int_equal(resp->serialize_type, type);
        rj_bytes_t v;
        assert_true(rj_command_ext_get(resp, "topic", &v));
        assert_true(rj_bytes_eq_cstr(v, "T"));
        assert_true(rj_bytes_eq_cstr(resp->body, "payload"));
        rj_command_destroy(resp);
    }
    assert_int_equal(atomic_load(&f->client_open), 1); /* one connection, reused */
}

typedef struct {
    fixture_t *f;
    int calls;
    int failures;
} caller_t;

static void *
call_many(void *arg)
{
    caller_t *c = arg;
    for (int i = 0; i < c->calls; i++) {
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, CODE_ECHO);
        rj_command_add_ext_i64(&req, "i", i);
        if (rj_rpc_client_invoke_sync(c->f->cli, c->f->addr, &req, 5000, &resp) != 0) {
            c->failures++;
            continue;
        }
        int64_t v = -1;
        if (resp->opaque != req.opaque || rj_command_ext_i64(resp, "i", &v) != 0 || v != i) {
            c->failures++;
        }
        rj_command_destroy(resp);
    }
    return NULL;
}

static void
test_calls_from_many_threads(void **state)
{
    fixture_t *f = *state;
    enum { THREADS = 8 };
    pthread_t t[THREADS];
    caller_t c[THREADS];
    for (int i = 0; i < THREADS; i++) {
        c[i] = (caller_t){f, 300, 0};
        pthread_create(&t[i], NULL, call_many, &c[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(c[i].failures, 0);
    }
}

static void
async_done(int status, const rj_command_t *resp, void *arg)
{
    fixture_t *f = arg;
    atomic_store(&f->status, status);
    if (status == 0) {
        /* A sync call on the loop thread would deadlock: refused. */
        rj_command_t req, *r2 = NULL;
        rj_command_init_request(&req, CODE_ECHO);
        atomic_store(&f->nested_sync_rc,
                     rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 100, &r2));
        assert_null(r2);
        assert_int_equal(resp->code, RJ_RESP_SUCCESS);
    }
    atomic_fetch_add(&f->done, 1);
}

static bool
one_done(void *arg)
{
    return atomic_load(&((fixture_t *)arg)->done) == 1;
}

static void
test_async_call_and_sync_guard_on_the_loop_thread(void **state)
{
    fixture_t *f = *state;
    rj_command_t req;
    rj_command_init_request(&req, CODE_ECHO);
    assert_int_equal(rj_rpc_client_invoke_async(f->cli, f->addr, &req, 3000, async_done, f), 0);
    assert_true(wait_until(one_done, f, 5000));
    assert_int_equal(atomic_load(&f->status), 0);
    assert_int_equal(atomic_load(&f->nested_sync_rc), RJ_ESTATE);
    assert_int_equal(rj_rpc_client_invoke_async(f->cli, f->addr, &req, 3000, NULL, f), RJ_EINVAL);
}

static bool
hundred_counted(void *arg)
{
    return atomic_load(&((fixture_t *)arg)->counted) == 100;
}

static void
test_oneway_calls_arrive_with_the_oneway_flag(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 100; i++) {
        rj_command_t req;
        rj_command_init_request(&req, CODE_COUNT);
        assert_int_equal(rj_rpc_client_invoke_oneway(f->cli, f->addr, &req), 0);
    }
    assert_true(wait_until(hundred_counted, f, 5000));
}

static bool
held_two(void *arg)
{
    return atomic_load(&((fixture_t *)arg)->held_count) == 2;
}

static void
test_timeouts(void **state)
{
    fixture_t *f = *state;
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, CODE_HOLD);
    int64_t t0 = rj_clock_mono_ms();
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 300, &resp), RJ_ETIMEDOUT);
    int64_t took = rj_clock_mono_ms() - t0;
    assert_null(resp);
    assert_true(took >= 290 && took < 3000);
    rj_command_init_request(&req, CODE_HOLD);
    assert_int_equal(rj_rpc_client_invoke_async(f->cli, f->addr, &req, 100, async_done, f), 0);
    assert_true(wait_until(one_done, f, 5000));
    assert_int_equal(atomic_load(&f->status), RJ_ETIMEDOUT);
    assert_true(wait_until(held_two, f, 5000));
    /* Late answers match nothing and are dropped; the connection keeps working. */
    for (int i = 0; i < 2; i++) {
        rj_command_t late;
        rj_command_init_request(&late, RJ_RESP_SUCCESS);
        rj_deferred_reply(held_at(f, i), &late);
    }
    rj_command_init_request(&req, CODE_ECHO);
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 3000, &resp), 0);
    assert_int_equal(resp->opaque, req.opaque);
    rj_command_destroy(resp);
}

static void
test_connect_failures_and_bad_addresses(void **state)
{
    fixture_t *f = *state;
    rj_command_t req, *resp = NULL;
    /* A port nobody listens on. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, (struct sockaddr *)&sin, sizeof(sin));
    socklen_t len = sizeof(sin);
    getsockname(s, (struct sockaddr *)&sin, &len);
    char dead[64];
    snprintf(dead, sizeof(dead), "127.0.0.1:%d", ntohs(sin.sin_port));
    close(s);
    rj_command_init_request(&req, CODE_ECHO);
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, dead, &req, 3000, &resp), -ECONNREFUSED);
    assert_null(resp);
    static const char *const bad[] = {"",    "nohost",      "127.0.0.1",       "127.0.0.1:",
                                      ":80", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:12ab"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(rj_rpc_client_invoke_sync(f->cli, bad[i], &req, 100, &resp), RJ_EINVAL);
    }
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, NULL, &req, 100, &resp), RJ_EINVAL);
    /* A host name is resolved. */
    char named[64];
    snprintf(named, sizeof(named), "localhost:%d", rj_server_port(f->srv));
    int rc = rj_rpc_client_invoke_sync(f->cli, named, &req, 3000, &resp);
    if (rc == 0) {
        rj_command_destroy(resp);
    } else {
        /* localhost may resolve to ::1 first where nothing listens: still a clean error. */
        assert_true(rc == -ECONNREFUSED || rc == RJ_ENOTFOUND);
    }
    /* An IPv6 literal in brackets parses (nothing listens there). */
    rc = rj_rpc_client_invoke_sync(f->cli, "[::1]:1", &req, 3000, &resp);
    assert_true(rc < 0 && rc != RJ_EINVAL);
}

static bool
client_closed_once(void *arg)
{
    return atomic_load(&((fixture_t *)arg)->client_closed) == 1;
}

static void
test_close_addr_reconnects_and_reports_close(void **state)
{
    fixture_t *f = *state;
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, CODE_ECHO);
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 3000, &resp), 0);
    rj_command_destroy(resp);
    rj_rpc_client_close_addr(f->cli, f->addr);
    assert_true(wait_until(client_closed_once, f, 5000));
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 3000, &resp), 0);
    rj_command_destroy(resp);
    assert_int_equal(atomic_load(&f->client_open), 2);
}

static void
test_server_stop_fails_pending_calls(void **state)
{
    fixture_t *f = *state;
    rj_command_t req;
    rj_command_init_request(&req, CODE_HOLD);
    assert_int_equal(rj_rpc_client_invoke_async(f->cli, f->addr, &req, 30000, async_done, f), 0);
    while (atomic_load(&f->held_count) < 1) {
        rj_clock_sleep_ms(1);
    }
    rj_server_stop(f->srv); /* the held request times out after 200 ms, then closes */
    assert_true(wait_until(one_done, f, 5000));
    assert_int_equal(atomic_load(&f->status), RJ_ECLOSED);
    assert_true(wait_until(client_closed_once, f, 5000));
    rj_command_t late;
    rj_command_init_request(&late, RJ_RESP_SUCCESS);
    rj_deferred_reply(held_at(f, 0), &late); /* server stopped: dropped safely */
}

static void
test_client_stop_fails_pending_calls_and_refuses_new_ones(void **state)
{
    fixture_t *f = *state;
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, CODE_HOLD);
    assert_int_equal(rj_rpc_client_invoke_async(f->cli, f->addr, &req, 30000, async_done, f), 0);
    while (atomic_load(&f->held_count) < 1) {
        rj_clock_sleep_ms(1);
    }
    rj_rpc_client_stop(f->cli);
    assert_int_equal(atomic_load(&f->done), 1);
    assert_int_equal(atomic_load(&f->status), RJ_ESHUTDOWN);
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 100, &resp), RJ_ESTATE);
    assert_int_equal(rj_rpc_client_invoke_oneway(f->cli, f->addr, &req), RJ_ESTATE);
    rj_rpc_client_stop(f->cli);
    rj_command_t late;
    rj_command_init_request(&late, RJ_RESP_SUCCESS);
    rj_deferred_reply(held_at(f, 0), &late);
}

static void
test_not_started_client_refuses_calls(void **state)
{
    (void)state;
    rj_rpc_client_t *cli;
    rj_rpc_client_options_t o;
    rj_command_t req, *resp = NULL;
    rj_rpc_client_options_init(&o);
    assert_int_equal(rj_rpc_client_create(&o, &cli), 0);
    rj_command_init_request(&req, 1);
    assert_int_equal(rj_rpc_client_invoke_sync(cli, "127.0.0.1:1", &req, 100, &resp), RJ_ESTATE);
    rj_rpc_client_destroy(cli);
    rj_rpc_client_destroy(NULL);
    o.io_threads = -1;
    assert_int_equal(rj_rpc_client_create(&o, &cli), RJ_EINVAL);
}

/* Segment bodies: released exactly once; the echoed body is their concatenation. */
typedef struct {
    fixture_t *f;
    atomic_int released;
    atomic_int done;
    atomic_int status;
    char body[64];
} seg_call_t;

static void
seg_release(void *ctx)
{
    atomic_fetch_add(&((seg_call_t *)ctx)->released, 1);
}

static void
seg_done(int status, const rj_command_t *resp, void *arg)
{
    seg_call_t *c = arg;
    if (status == 0) {
        snprintf(c->body, sizeof(c->body), "%.*s", (int)resp->body.len,
                 (const char *)resp->body.data);
    }
    atomic_store(&c->status, status);
    atomic_fetch_add(&c->done, 1);
}

static bool
seg_call_finished(void *arg)
{
    seg_call_t *c = arg;
    return atomic_load(&c->done) == 1 && atomic_load(&c->released) == 3;
}

static void
test_segment_bodies_are_sent_after_the_header_and_released_once(void **state)
{
    fixture_t *f = *state;
    seg_call_t c = {.f = f};
    rj_segment_t segs[3] = {
        {"seg", 3, seg_release, &c}, {"ment", 4, seg_release, &c}, {"-body", 5, seg_release, &c}};
    rj_command_t req;
    rj_command_init_request(&req, CODE_ECHO);
    req.body = rj_bytes("ignored", 7);
    assert_int_equal(
        rj_rpc_client_invoke_async_segments(f->cli, f->addr, &req, segs, 3, 3000, seg_done, &c), 0);
    assert_true(wait_until(seg_call_finished, &c, 5000));
    assert_int_equal(atomic_load(&c.status), 0);
    assert_string_equal(c.body, "segment-body");

    /* Refused calls release their segments before returning, without a callback. */
    seg_call_t bad = {.f = f};
    rj_segment_t one[1] = {{"x", 1, seg_release, &bad}};
    rj_command_init_request(&req, CODE_ECHO);
    assert_int_equal(
        rj_rpc_client_invoke_async_segments(f->cli, "no-port", &req, one, 1, 3000, seg_done, &bad),
        RJ_EINVAL);
    assert_int_equal(atomic_load(&bad.released), 1);
    assert_int_equal(
        rj_rpc_client_invoke_async_segments(f->cli, f->addr, &req, one, 1, 3000, NULL, &bad),
        RJ_EINVAL);
    assert_int_equal(atomic_load(&bad.released), 2);
    assert_int_equal(atomic_load(&bad.done), 0);

    /* One-way: arrives, segments released once written. */
    seg_call_t ow = {.f = f};
    rj_segment_t body[1] = {{"payload", 7, seg_release, &ow}};
    rj_command_init_request(&req, CODE_COUNT);
    int before = atomic_load(&f->counted);
    assert_int_equal(rj_rpc_client_invoke_oneway_segments(f->cli, f->addr, &req, body, 1), 0);
    for (int i = 0;
         i < 5000 && (atomic_load(&f->counted) == before || atomic_load(&ow.released) != 1); i++) {
        rj_clock_sleep_ms(1);
    }
    assert_int_equal(atomic_load(&f->counted), before + 1);
    assert_int_equal(atomic_load(&ow.released), 1);
}

static void
test_segments_of_a_timed_out_call_are_released(void **state)
{
    fixture_t *f = *state;
    seg_call_t c = {.f = f};
    rj_segment_t segs[3] = {
        {"a", 1, seg_release, &c}, {"b", 1, seg_release, &c}, {"c", 1, seg_release, &c}};
    rj_command_t req;
    rj_command_init_request(&req, CODE_HOLD);
    assert_int_equal(
        rj_rpc_client_invoke_async_segments(f->cli, f->addr, &req, segs, 3, 100, seg_done, &c), 0);
    assert_true(wait_until(seg_call_finished, &c, 5000));
    assert_int_equal(atomic_load(&c.status), RJ_ETIMEDOUT);
    rj_command_t late;
    rj_command_init_request(&late, RJ_RESP_SUCCESS);
    rj_deferred_reply(held_at(f, 0), &late);
}

typedef struct {
    int calls;
    int status;
    int32_t opaque;
    char body[32];
} sync_seen_t;

static void
record_sync(int status, const rj_command_t *resp, void *arg)
{
    sync_seen_t *s = arg;
    s->calls++;
    s->status = status;
    if (status == 0) {
        s->opaque = resp->opaque;
        snprintf(s->body, sizeof(s->body), "%.*s", (int)resp->body.len,
                 (const char *)resp->body.data);
    }
}

static void
test_sync_call_with_a_handler_sees_the_response_in_place(void **state)
{
    fixture_t *f = *state;
    sync_seen_t seen = {0};
    rj_command_t req;
    rj_command_init_request(&req, CODE_ECHO);
    req.body = rj_bytes("in place", 8);
    assert_int_equal(rj_rpc_client_invoke_sync_cb(f->cli, f->addr, &req, 3000, record_sync, &seen),
                     0);
    /* The handler ran exactly once, before the call returned. */
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.status, 0);
    assert_int_equal(seen.opaque, req.opaque);
    assert_string_equal(seen.body, "in place");
    /* A timeout reaches the handler as a status. */
    rj_command_init_request(&req, CODE_HOLD);
    assert_int_equal(rj_rpc_client_invoke_sync_cb(f->cli, f->addr, &req, 100, record_sync, &seen),
                     0);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.status, RJ_ETIMEDOUT);
    rj_command_t late;
    rj_command_init_request(&late, RJ_RESP_SUCCESS);
    rj_deferred_reply(held_at(f, 0), &late);
    /* Refused calls never run the handler. */
    assert_int_equal(rj_rpc_client_invoke_sync_cb(f->cli, "bad", &req, 100, record_sync, &seen),
                     RJ_EINVAL);
    assert_int_equal(rj_rpc_client_invoke_sync_cb(f->cli, f->addr, &req, 100, NULL, &seen),
                     RJ_EINVAL);
    assert_int_equal(seen.calls, 2);
}

static void
test_request_serialize_type_option_sets_every_request_header(void **state)
{
    fixture_t *f = *state;
    rj_rpc_client_options_t o;
    rj_rpc_client_t *cli;
    rj_command_t req, *resp = NULL;
    rj_bytes_t seen;

    rj_rpc_client_options_init(&o);
    assert_int_equal(o.request_serialize_type, -1);
    o.request_serialize_type = 7;
    assert_int_equal(rj_rpc_client_create(&o, &cli), RJ_EINVAL);
    o.request_serialize_type = RJ_SERIALIZE_ROCKETMQ;
    assert_int_equal(rj_rpc_client_create(&o, &cli), 0);
    assert_int_equal(rj_rpc_client_start(cli), 0);
    rj_command_init_request(&req, CODE_TYPE);
    assert_int_equal(req.serialize_type, RJ_SERIALIZE_JSON);
    assert_int_equal(rj_rpc_client_invoke_sync(cli, f->addr, &req, 3000, &resp), 0);
    /* Sent as ROCKETMQ, answered in the same type, decoded. */
    assert_int_equal(req.serialize_type, RJ_SERIALIZE_ROCKETMQ);
    assert_int_equal(resp->serialize_type, RJ_SERIALIZE_ROCKETMQ);
    assert_true(rj_command_ext_get(resp, "seen", &seen));
    assert_true(rj_bytes_eq_cstr(seen, "1"));
    rj_command_destroy(resp);
    rj_rpc_client_destroy(cli);
    /* The fixture's client (default option) keeps each request's own type. */
    rj_command_init_request(&req, CODE_TYPE);
    assert_int_equal(rj_rpc_client_invoke_sync(f->cli, f->addr, &req, 3000, &resp), 0);
    assert_int_equal(resp->serialize_type, RJ_SERIALIZE_JSON);
    assert_true(rj_command_ext_get(resp, "seen", &seen));
    assert_true(rj_bytes_eq_cstr(seen, "0"));
    rj_command_destroy(resp);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sync_call_returns_an_owned_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_calls_from_many_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_async_call_and_sync_guard_on_the_loop_thread, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oneway_calls_arrive_with_the_oneway_flag, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_segment_bodies_are_sent_after_the_header_and_released_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_of_a_timed_out_call_are_released, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sync_call_with_a_handler_sees_the_response_in_place,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_request_serialize_type_option_sets_every_request_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_failures_and_bad_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_addr_reconnects_and_reports_close, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_stop_fails_pending_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_stop_fails_pending_calls_and_refuses_new_ones,
                                        setup, teardown),
        cmocka_unit_test(test_not_started_client_refuses_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
