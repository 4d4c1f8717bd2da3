/*
 * Tests of src/remoting/server.c over real loopback sockets, driven by a raw
 * blocking peer: request/response in both header types, pipelining, one-way,
 * unknown codes, handler errors, malformed input, idle close, callbacks, stop.
 */
#include "remoting/server.h"

#include "common/clock.h"
#include "raw_peer.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

enum {
    CODE_ECHO = 1000,
    CODE_FAIL = 1001,
    CODE_NOREPLY = 1002,
    CODE_SLOW = 1003,
};

typedef struct {
    rj_server_t *srv;
    int port;
    atomic_int accepted;
    atomic_int closed;
    atomic_int echo_calls;
    pthread_mutex_t mu; /* guards last_addr */
    char last_addr[64];
    _Atomic(rj_deferred_t *) held[64];
    atomic_int held_count;
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
    fixture_t *f = arg;
    rj_command_t resp;
    atomic_fetch_add(&f->echo_calls, 1);
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_set_remark_cstr(&resp, "echo");
    for (uint32_t i = 0; i < cmd->ext_count; i++) {
        rj_command_add_ext(&resp, cmd->ext[i].key, cmd->ext[i].value);
    }
    resp.body = cmd->body;
    return rj_request_reply(req, &resp);
}

static int
fail_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    (void)req, (void)cmd, (void)arg;
    return RJ_EINVAL;
}

static int
noreply_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    (void)req, (void)cmd, (void)arg;
    return 0;
}

/* Holds the request; the test completes it later from its own thread. */
static int
slow_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    (void)cmd;
    rj_deferred_t *d = rj_request_defer(req);
    assert_non_null(d);
    int i = atomic_fetch_add(&f->held_count, 1);
    assert_true(i < 64);
    atomic_store(&f->held[i], d);
    return 0;
}

static void
on_accept(rj_connection_t *conn, void *arg)
{
    fixture_t *f = arg;
    pthread_mutex_lock(&f->mu);
    snprintf(f->last_addr, sizeof(f->last_addr), "%s", rj_connection_remote_addr(conn));
    pthread_mutex_unlock(&f->mu);
    rj_connection_set_user_data(conn, f);
    atomic_fetch_add(&f->accepted, 1);
}

static void
on_close(rj_connection_t *conn, void *arg)
{
    fixture_t *f = arg;
    assert_ptr_equal(rj_connection_user_data(conn), f);
    atomic_fetch_add(&f->closed, 1);
}

static fixture_t *
start_server(int idle_s, uint32_t max_frame)
{
    fixture_t *f = calloc(1, sizeof(*f));
    pthread_mutex_init(&f->mu, NULL);
    rj_server_options_t o;
    rj_server_options_init(&o);
    o.name = "test";
    o.bind_host = "127.0.0.1";
    o.io_threads = 2;
    o.idle_timeout_s = idle_s;
    o.max_frame_bytes = max_frame;
    o.on_accept = on_accept;
    o.on_close = on_close;
    o.cb_arg = f;
    o.shutdown_timeout_ms = 2000;
    assert_int_equal(rj_server_create(&o, &f->srv), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_ECHO, RJ_DISPATCH_INLINE, echo_handler, f), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_FAIL, RJ_DISPATCH_INLINE, fail_handler, f), 0);
    assert_int_equal(
        rj_server_register(f->srv, CODE_NOREPLY, RJ_DISPATCH_INLINE, noreply_handler, f), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_SLOW, RJ_DISPATCH_INLINE, slow_handler, f), 0);
    assert_int_equal(rj_server_start(f->srv), 0);
    f->port = rj_server_port(f->srv);
    assert_true(f->port > 0);
    assert_int_equal(rj_server_register(f->srv, 5, RJ_DISPATCH_INLINE, echo_handler, f), RJ_ESTATE);
    return f;
}

static int
setup(void **state)
{
    *state = start_server(0, 0);
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_server_destroy(f->srv);
    free(f);
    return 0;
}

static void
make_request(rj_command_t *c, int32_t code, int32_t opaque, uint8_t type)
{
    rj_command_init_request(c, code);
    c->opaque = opaque;
    c->serialize_type = type;
}

/* Sends a ping on fd and checks it is answered: the connection is alive and served. */
static void
assert_served(int fd, int32_t opaque)
{
    rj_command_t c, r;
    rj_buf_t b = RJ_BUF_INIT;
    make_request(&c, CODE_ECHO, opaque, RJ_SERIALIZE_JSON);
    raw_send_cmd(fd, &c);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.opaque, opaque);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    rj_buf_cleanup(&b);
}

static void
test_request_response_in_both_header_types(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    for (uint8_t type = 0; type <= 1; type++) {
        rj_command_t c, r;
        make_request(&c, CODE_ECHO, 77 + type, type);
        c.language = RJ_LANG_NODE_JS;
        c.version = 121;
        rj_command_add_ext_cstr(&c, "topic", "TopicTest");
        rj_command_add_ext_i64(&c, "queueId", 3);
        c.body = rj_bytes("hello", 5);
        raw_send_cmd(fd, &c);
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.serialize_type, type);
        assert_int_equal(r.code, RJ_RESP_SUCCESS);
        assert_int_equal(r.opaque, 77 + type);
        assert_int_equal(r.flag, RJ_CMD_FLAG_RESPONSE);
        assert_int_equal(r.language, RJ_LANG_JAVA);
        assert_int_equal(r.version, RJ_REMOTING_VERSION);
        assert_true(rj_bytes_eq_cstr(r.remark, "echo"));
        rj_bytes_t v;
        assert_true(rj_command_ext_get(&r, "topic", &v));
        assert_true(rj_bytes_eq_cstr(v, "TopicTest"));
        assert_true(rj_command_ext_get(&r, "queueId", &v));
        assert_true(rj_bytes_eq_cstr(v, "3"));
        assert_true(rj_bytes_eq_cstr(r.body, "hello"));
    }
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_pipelined_requests_answered_in_order(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t all = RJ_BUF_INIT, b = RJ_BUF_INIT;
    enum { N = 2000 };
    for (int i = 0; i < N; i++) {
        rj_command_t c;
        make_request(&c, CODE_ECHO, i, (uint8_t)(i % 2));
        rj_command_add_ext_i64(&c, "i", i);
        assert_int_equal(rj_command_encode(&c, &all), 0);
    }
    /* One big write: many frames per read, frames split across reads. */
    raw_send(fd, all.data, all.len);
    for (int i = 0; i < N; i++) {
        rj_command_t r;
        int64_t v;
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.opaque, i);
        assert_int_equal(r.serialize_type, i % 2);
        assert_int_equal(rj_command_ext_i64(&r, "i", &v), 0);
        assert_int_equal(v, i);
    }
    assert_int_equal(atomic_load(&f->echo_calls), N);
    rj_buf_cleanup(&all);
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_byte_by_byte_frames_are_reassembled(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t frame = RJ_BUF_INIT, b = RJ_BUF_INIT;
    rj_command_t c, r;
    make_request(&c, CODE_ECHO, 5, RJ_SERIALIZE_JSON);
    c.body = rj_bytes("0123456789", 10);
    assert_int_equal(rj_command_encode(&c, &frame), 0);
    for (size_t i = 0; i < frame.len; i++) {
        raw_send(fd, frame.data + i, 1);
        if (i % 16 == 0) {
            rj_clock_sleep_ms(1);
        }
    }
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.opaque, 5);
    assert_true(rj_bytes_eq_cstr(r.body, "0123456789"));
    rj_buf_cleanup(&frame);
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_large_frames_round_trip(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    size_t n = 3u << 20;
    uint8_t *body = malloc(n);
    for (size_t i = 0; i < n; i++) {
        body[i] = (uint8_t)(i * 7);
    }
    for (int k = 0; k < 3; k++) {
        rj_command_t c, r;
        make_request(&c, CODE_ECHO, k, RJ_SERIALIZE_JSON);
        c.body = rj_bytes(body, n - (size_t)k);
        raw_send_cmd(fd, &c);
        assert_true(raw_read_frame(fd, &b, &r, 10000));
        assert_int_equal(r.opaque, k);
        assert_int_equal(r.body.len, n - (size_t)k);
        assert_memory_equal(r.body.data, body, n - (size_t)k);
    }
    free(body);
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_oneway_requests_are_never_answered(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_command_t c;
    static const int32_t codes[] = {CODE_ECHO, 9999, CODE_FAIL, CODE_NOREPLY};
    for (uint8_t type = 0; type <= 1; type++) {
        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
            make_request(&c, codes[i], 100 + (int32_t)i, type);
            c.flag = RJ_CMD_FLAG_ONEWAY;
            raw_send_cmd(fd, &c);
        }
    }
    /* The first thing that comes back is the answer to this two-way ping. */
    assert_served(fd, 4242);
    assert_true(raw_quiet(fd, 100));
    assert_int_equal(atomic_load(&f->echo_calls), 3);
    close(fd);
}

static void
test_unknown_code_answered_in_the_request_type(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    for (uint8_t type = 0; type <= 1; type++) {
        rj_command_t c, r;
        make_request(&c, 9998, 900009, type);
        raw_send_cmd(fd, &c);
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.serialize_type, type);
        assert_int_equal(r.code, RJ_RESP_REQUEST_CODE_NOT_SUPPORTED);
        assert_int_equal(r.opaque, 900009);
        assert_int_equal(r.flag, RJ_CMD_FLAG_RESPONSE);
        assert_true(rj_bytes_eq_cstr(r.remark, " request type 9998 not supported"));
    }
    /* A code beyond the direct table (5.x POP family) is unknown too. */
    rj_command_t c, r;
    make_request(&c, RJ_REQ_POP_MESSAGE, 1, RJ_SERIALIZE_JSON);
    raw_send_cmd(fd, &c);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.code, RJ_RESP_REQUEST_CODE_NOT_SUPPORTED);
    assert_true(rj_bytes_eq_cstr(r.remark, " request type 200050 not supported"));
    rj_buf_cleanup(&b);
    close(fd);
}

/* Frame from a serialize type and header bytes (no body). */
static void
golden_frame(rj_buf_t *out, uint8_t type, const void *header, size_t len)
{
    rj_buf_reset(out);
    rj_buf_append_be32(out, (uint32_t)(4 + len));
    rj_buf_append_be32(out, (uint32_t)type << 24 | (uint32_t)len);
    rj_buf_append(out, header, len);
}

static void
test_unknown_code_replies_match_java_bytes(void **state)
{
    fixture_t *f = *state;
    /* Golden frames 14/15 (JSON) and 17/18 (ROCKETMQ): the 4.9.8 broker's requests and answers. */
    static const char req_json[] = "{\"code\":9999,\"extFields\":{\"probe\":\"unknown-code\"},"
                                   "\"flag\":0,\"language\":\"JAVA\",\"opaque\":900007,"
                                   "\"serializeTypeCurrentRPC\":\"JSON\",\"version\":409}";
    static const char resp_json[] =
        "{\"code\":3,\"flag\":1,\"language\":\"JAVA\",\"opaque\":900007,"
        "\"remark\":\" request type 9999 not supported\","
        "\"serializeTypeCurrentRPC\":\"JSON\",\"version\":409}";
    static const uint8_t req_bin[] = {0x27, 0x0e, 0x00, 0x01, 0x99, 0x00, 0x0d,
                                      0xbb, 0xa9, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    static const char resp_bin_remark[] = " request type 9998 not supported";
    rj_buf_t want = RJ_BUF_INIT, got = RJ_BUF_INIT, frame = RJ_BUF_INIT, bin = RJ_BUF_INIT;
    rj_command_t r;
    int fd = raw_connect(f->port);

    golden_frame(&frame, RJ_SERIALIZE_JSON, req_json, strlen(req_json));
    raw_send(fd, frame.data, frame.len);
    golden_frame(&want, RJ_SERIALIZE_JSON, resp_json, strlen(resp_json));
    assert_true(raw_read_frame(fd, &got, &r, 5000));
    assert_int_equal(got.len, want.len);
    /* raw_read_frame decoded in place; JSON without escapes is unchanged by that. */
    assert_memory_equal(got.data, want.data, want.len);

    golden_frame(&frame, RJ_SERIALIZE_ROCKETMQ, req_bin, sizeof(req_bin));
    raw_send(fd, frame.data, frame.len);
    /* code 3, JAVA, 409, opaque 900009, flag 1, remark, no extFields */
    rj_buf_append(&bin, "\x00\x03\x00\x01\x99\x00\x0d\xbb\xa9\x00\x00\x00\x01", 13);
    rj_buf_append_be32(&bin, (uint32_t)strlen(resp_bin_remark));
    rj_buf_append_cstr(&bin, resp_bin_remark);
    rj_buf_append_be32(&bin, 0);
    golden_frame(&want, RJ_SERIALIZE_ROCKETMQ, bin.data, bin.len);
    assert_true(raw_read_frame(fd, &got, &r, 5000));
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    rj_buf_cleanup(&want);
    rj_buf_cleanup(&got);
    rj_buf_cleanup(&frame);
    rj_buf_cleanup(&bin);
    close(fd);
}

static void
test_handler_errors_become_system_error(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t c, r;
    make_request(&c, CODE_FAIL, 1, RJ_SERIALIZE_ROCKETMQ);
    raw_send_cmd(fd, &c);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.code, RJ_RESP_SYSTEM_ERROR);
    assert_int_equal(r.serialize_type, RJ_SERIALIZE_ROCKETMQ);
    assert_true(rj_bytes_eq_cstr(r.remark, rj_strerror(RJ_EINVAL)));
    make_request(&c, CODE_NOREPLY, 2, RJ_SERIALIZE_JSON);
    raw_send_cmd(fd, &c);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.code, RJ_RESP_SYSTEM_ERROR);
    assert_int_equal(r.opaque, 2);
    assert_true(rj_bytes_eq_cstr(r.remark, "no response"));
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_malformed_input_closes_only_that_connection(void **state)
{
    fixture_t *f = *state;
    rj_buf_t bad = RJ_BUF_INIT;
    int keep = raw_connect(f->port);
    assert_served(keep, 1);
    for (int variant = 0; variant < 7; variant++) {
        rj_buf_reset(&bad);
        switch (variant) {
        case 0: /* garbage: reads as a huge length */
            rj_buf_append_cstr(&bad, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            break;
        case 1: /* length 2^31 */
            rj_buf_append_be32(&bad, 0x80000000u);
            rj_buf_append_be32(&bad, 10);
            break;
        case 2: /* length above 16 MiB */
            rj_buf_append_be32(&bad, (16u << 20) + 1);
            rj_buf_append_be32(&bad, 10);
            break;
        case 3: /* header length larger than the frame */
            rj_buf_append_be32(&bad, 14);
            rj_buf_append_be32(&bad, 100);
            rj_buf_append_cstr(&bad, "{\"code\":1}");
            break;
        case 4: /* invalid JSON header */
            rj_buf_append_be32(&bad, 4 + 9);
            rj_buf_append_be32(&bad, 9);
            rj_buf_append_cstr(&bad, "{\"code\":}");
            break;
        case 5: /* unknown serialize type */
            rj_buf_append_be32(&bad, 4 + 2);
            rj_buf_append_be32(&bad, 2u << 24 | 2);
            rj_buf_append_cstr(&bad, "{}");
            break;
        case 6: /* length below the header word */
            rj_buf_append_be32(&bad, 2);
            rj_buf_append_be32(&bad, 0);
            break;
        }
        int fd = raw_connect(f->port);
        raw_send(fd, bad.data, bad.len);
        if (!raw_wait_closed(fd, 5000)) {
            fail_msg("variant %d: connection not closed", variant);
        }
        close(fd);
        /* The next client is served, and so is the one that was open all along. */
        int next = raw_connect(f->port);
        assert_served(next, 10 + variant);
        close(next);
        assert_served(keep, 20 + variant);
    }
    close(keep);
    rj_buf_cleanup(&bad);
}

static void
test_smaller_frame_limit_is_enforced(void **state)
{
    (void)state;
    fixture_t *f = start_server(0, 4096);
    int fd = raw_connect(f->port);
    rj_command_t c;
    uint8_t body[5000] = {0};
    assert_served(fd, 1);
    make_request(&c, CODE_ECHO, 2, RJ_SERIALIZE_JSON);
    c.body = rj_bytes(body, sizeof(body));
    raw_send_cmd(fd, &c);
    assert_true(raw_wait_closed(fd, 5000));
    close(fd);
    rj_server_destroy(f->srv);
    free(f);
}

static bool
accepted_and_closed_once(void *arg)
{
    fixture_t *f = arg;
    return atomic_load(&f->accepted) == 1 && atomic_load(&f->closed) == 1;
}

static void
test_accept_and_close_callbacks_with_peer_address(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    assert_served(fd, 1);
    struct sockaddr_in local;
    socklen_t len = sizeof(local);
    getsockname(fd, (struct sockaddr *)&local, &len);
    char want[64];
    snprintf(want, sizeof(want), "127.0.0.1:%d", ntohs(local.sin_port));
    pthread_mutex_lock(&f->mu);
    assert_string_equal(f->last_addr, want);
    pthread_mutex_unlock(&f->mu);
    assert_int_equal(rj_server_connection_count(f->srv), 1);
    close(fd);
    assert_true(wait_until(accepted_and_closed_once, f, 5000));
    assert_int_equal(rj_server_connection_count(f->srv), 0);
}

static bool
all_closed(void *arg)
{
    fixture_t *f = arg;
    return atomic_load(&f->closed) == atomic_load(&f->accepted);
}

static void
test_connections_spread_over_io_threads(void **state)
{
    fixture_t *f = *state;
    enum { N = 32 };
    int fds[N];
    assert_int_equal(rj_server_io_threads(f->srv), 2);
    for (int i = 0; i < N; i++) {
        fds[i] = raw_connect(f->port);
    }
    for (int i = 0; i < N; i++) {
        assert_served(fds[i], i);
    }
    assert_int_equal(rj_server_connection_count(f->srv), N);
    for (int i = 0; i < N; i++) {
        close(fds[i]);
    }
    assert_true(wait_until(all_closed, f, 5000));
}

static void
test_idle_connections_are_closed(void **state)
{
    (void)state;
    fixture_t *f = start_server(1, 0);
    int fd = raw_connect(f->port);
    assert_served(fd, 1);
    int64_t t0 = rj_clock_mono_ms();
    assert_true(raw_wait_closed(fd, 5000));
    int64_t waited = rj_clock_mono_ms() - t0;
    assert_true(waited >= 900);
    close(fd);
    assert_true(wait_until(all_closed, f, 5000));
    rj_server_destroy(f->srv);
    free(f);
}

typedef struct {
    fixture_t *f;
    int n;
} held_arg_t;

static bool
held_reached(void *arg)
{
    held_arg_t *h = arg;
    return atomic_load(&h->f->held_count) >= h->n;
}

static void *
complete_later(void *arg)
{
    fixture_t *f = arg;
    rj_clock_sleep_ms(200);
    int n = atomic_load(&f->held_count);
    for (int i = 0; i < n; i++) {
        rj_command_t resp;
        rj_command_init_request(&resp, RJ_RESP_SUCCESS);
        rj_command_set_remark_cstr(&resp, "late");
        assert_int_equal(rj_deferred_reply(held_at(f, i), &resp), 0);
    }
    return NULL;
}

static void
test_stop_lets_deferred_replies_flush(void **state)
{
    (void)state;
    fixture_t *f = start_server(0, 0);
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    for (int i = 0; i < 3; i++) {
        rj_command_t c;
        make_request(&c, CODE_SLOW, 50 + i, RJ_SERIALIZE_JSON);
        raw_send_cmd(fd, &c);
    }
    held_arg_t h = {f, 3};
    assert_true(wait_until(held_reached, &h, 5000));
    pthread_t t;
    pthread_create(&t, NULL, complete_later, f);
    /* Stop waits for the outstanding requests, which complete after 200 ms. */
    rj_server_stop(f->srv);
    pthread_join(t, NULL);
    for (int i = 0; i < 3; i++) {
        rj_command_t r;
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.opaque, 50 + i);
        assert_true(rj_bytes_eq_cstr(r.remark, "late"));
    }
    assert_true(raw_wait_closed(fd, 5000));
    assert_int_equal(atomic_load(&f->closed), 1);
    /* New connections are refused after stop. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_not_equal(connect(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    close(s);
    close(fd);
    rj_buf_cleanup(&b);
    rj_server_stop(f->srv); /* idempotent */
    rj_server_destroy(f->srv);
    free(f);
}

static void
test_bind_errors_are_reported(void **state)
{
    fixture_t *f = *state;
    rj_server_options_t o;
    rj_server_t *other;
    rj_server_options_init(&o);
    o.bind_host = "127.0.0.1";
    o.port = f->port;
    o.io_threads = 1;
    assert_int_equal(rj_server_create(&o, &other), 0);
    /* A second server must not share a port in use through SO_REUSEPORT. */
    assert_int_equal(rj_server_start(other), -EADDRINUSE);
    assert_int_equal(rj_server_port(other), 0);
    rj_server_destroy(other);
    o.port = 0;
    o.bind_host = "not an address";
    assert_int_equal(rj_server_create(&o, &other), 0);
    assert_int_not_equal(rj_server_start(other), 0);
    assert_int_equal(rj_server_port(other), 0);
    rj_server_destroy(other);
    o.port = 70000;
    assert_int_equal(rj_server_create(&o, &other), RJ_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_response_in_both_header_types, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_requests_answered_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_by_byte_frames_are_reassembled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_frames_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneway_requests_are_never_answered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_code_answered_in_the_request_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_code_replies_match_java_bytes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_handler_errors_become_system_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_input_closes_only_that_connection, setup,
                                        teardown),
        cmocka_unit_test(test_smaller_frame_limit_is_enforced),
        cmocka_unit_test_setup_teardown(test_accept_and_close_callbacks_with_peer_address, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_connections_spread_over_io_threads, setup, teardown),
        cmocka_unit_test(test_idle_connections_are_closed),
        cmocka_unit_test(test_stop_lets_deferred_replies_flush),
        cmocka_unit_test_setup_teardown(test_bind_errors_are_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
