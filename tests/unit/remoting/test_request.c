/*
 * Tests of src/remoting/request.c: deferred replies completed from other
 * threads, worker handlers, zero-copy segments (released exactly once on every
 * path), reply state rules, cancellation, flow control by outstanding
 * requests, and replies forced to a JSON header.
 */
#include "remoting/server.h"

#include "common/clock.h"
#include "raw_peer.h"
#include "ramjet/status.h"
#include "remoting/io_loop_internal.h"

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

enum {
    CODE_HOLD = 2000,      /* defers; the test completes it */
    CODE_WORKER = 2001,    /* WORKER mode echo */
    CODE_SEGS = 2002,      /* zero-copy reply with three segments */
    CODE_TWICE = 2003,     /* replies twice, defers after reply */
    CODE_WFAIL = 2004,     /* WORKER mode error */
    CODE_BIGSEG = 2005,    /* one 8 MiB segment */
    CODE_WDEFER = 2006,    /* WORKER mode defer */
    CODE_JSON_SEGS = 2007, /* zero-copy reply forced to a JSON header (WORKER) */
    CODE_JSON_HOLD = 2008, /* forced to JSON, then deferred */
    MAX_HELD = 4096,
};

typedef struct {
    rj_server_t *srv;
    int port;
    _Atomic(rj_deferred_t *) held[MAX_HELD];
    atomic_int held_count;
    atomic_int releases[8];
    atomic_int closed;
    atomic_int worker_off_loop;
    atomic_int twice_rc;
    uint8_t *big;
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

static fixture_t *the_fixture;

static int
hold_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    (void)cmd;
    rj_deferred_t *d = rj_request_defer(req);
    assert_non_null(d);
    /* Deferred once: a second defer or a reply is refused. */
    assert_null(rj_request_defer(req));
    rj_command_t resp;
    rj_command_init_request(&resp, 0);
    assert_int_equal(rj_request_reply(req, &resp), RJ_ESTATE);
    assert_ptr_equal(rj_deferred_connection(d), rj_request_connection(req));
    assert_int_equal(rj_deferred_opaque(d), cmd->opaque);
    assert_int_equal(rj_deferred_code(d), cmd->code);
    assert_int_equal(rj_deferred_is_oneway(d), rj_request_is_oneway(req));
    int i = atomic_fetch_add(&f->held_count, 1);
    assert_true(i < MAX_HELD);
    atomic_store(&f->held[i], d);
    return 0;
}

static int
worker_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    if (rj_io_loop_current() == NULL) {
        atomic_fetch_add(&f->worker_off_loop, 1);
    }
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    rj_command_add_ext(&resp, RJ_BYTES_LIT("copy"), cmd->body);
    resp.body = cmd->body;
    return rj_request_reply(req, &resp);
}

static int
worker_fail_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    (void)req, (void)cmd, (void)arg;
    return RJ_ENOENT;
}

static int
worker_defer_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    return hold_handler(req, cmd, arg) == 0 ? 0 : -1;
}

static void
count_release(void *ctx)
{
    atomic_fetch_add((atomic_int *)ctx, 1);
}

static int
segs_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    (void)cmd;
    rj_segment_t segs[3] = {
        {"alpha-", 6, count_release, &f->releases[0]},
        {"beta-", 5, count_release, &f->releases[1]},
        {"gamma", 5, count_release, &f->releases[2]},
    };
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    rj_command_add_ext_i64(&resp, "n", 3);
    resp.body = rj_bytes("ignored", 7);
    return rj_request_reply_segments(req, &resp, segs, 3);
}

static int
json_segs_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_request_set_reply_serialize_type(req, RJ_SERIALIZE_JSON);
    return segs_handler(req, cmd, arg);
}

static int
json_hold_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_request_set_reply_serialize_type(req, RJ_SERIALIZE_JSON);
    return hold_handler(req, cmd, arg);
}

static int
bigseg_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    (void)cmd;
    rj_segment_t seg = {f->big, 8u << 20, count_release, &f->releases[3]};
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    return rj_request_reply_segments(req, &resp, &seg, 1);
}

static int
twice_handler(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    fixture_t *f = arg;
    (void)cmd;
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    assert_int_equal(rj_request_reply(req, &resp), 0);
    atomic_store(&f->twice_rc, rj_request_reply(req, &resp));
    assert_null(rj_request_defer(req));
    rj_segment_t seg = {"x", 1, count_release, &f->releases[4]};
    assert_int_equal(rj_request_reply_segments(req, &resp, &seg, 1), RJ_ESTATE);
    return RJ_EINVAL; /* ignored: already answered */
}

static void
on_close(rj_connection_t *conn, void *arg)
{
    fixture_t *f = arg;
    (void)conn;
    atomic_fetch_add(&f->closed, 1);
}

static fixture_t *
start(uint32_t max_pending)
{
    fixture_t *f = calloc(1, sizeof(*f));
    rj_server_options_t o;
    rj_server_options_init(&o);
    o.bind_host = "127.0.0.1";
    o.io_threads = 2;
    o.max_pending_requests = max_pending;
    o.on_close = on_close;
    o.cb_arg = f;
    assert_int_equal(rj_server_create(&o, &f->srv), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_HOLD, RJ_DISPATCH_INLINE, hold_handler, f), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_WORKER, RJ_DISPATCH_WORKER, worker_handler, f),
                     0);
    assert_int_equal(
        rj_server_register(f->srv, CODE_WFAIL, RJ_DISPATCH_WORKER, worker_fail_handler, f), 0);
    assert_int_equal(
        rj_server_register(f->srv, CODE_WDEFER, RJ_DISPATCH_WORKER, worker_defer_handler, f), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_SEGS, RJ_DISPATCH_INLINE, segs_handler, f), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_BIGSEG, RJ_DISPATCH_INLINE, bigseg_handler, f),
                     0);
    assert_int_equal(
        rj_server_register(f->srv, CODE_JSON_SEGS, RJ_DISPATCH_WORKER, json_segs_handler, f), 0);
    assert_int_equal(
        rj_server_register(f->srv, CODE_JSON_HOLD, RJ_DISPATCH_INLINE, json_hold_handler, f), 0);
    assert_int_equal(rj_server_register(f->srv, CODE_TWICE, RJ_DISPATCH_INLINE, twice_handler, f),
                     0);
    assert_int_equal(rj_server_register(f->srv, 1, 7, twice_handler, f), RJ_EINVAL);
    assert_int_equal(rj_server_start(f->srv), 0);
    f->port = rj_server_port(f->srv);
    the_fixture = f;
    return f;
}

static int
setup(void **state)
{
    *state = start(0);
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_server_destroy(f->srv);
    free(f->big);
    free(f);
    return 0;
}

static void
send_req(int fd, int32_t code, int32_t opaque, int32_t flag, const char *body)
{
    rj_command_t c;
    rj_command_init_request(&c, code);
    c.opaque = opaque;
    c.flag = flag;
    if (body != NULL) {
        c.body = rj_bytes_from_cstr(body);
    }
    raw_send_cmd(fd, &c);
}

typedef struct {
    fixture_t *f;
    int n;
} count_arg_t;

static bool
held_at_least(void *arg)
{
    count_arg_t *a = arg;
    return atomic_load(&a->f->held_count) >= a->n;
}

typedef struct {
    fixture_t *f;
    int first, step, n;
} completer_t;

static void *
complete_some(void *arg)
{
    completer_t *c = arg;
    for (int i = c->first; i < c->n; i += c->step) {
        rj_command_t resp;
        char remark[32];
        rj_command_init_request(&resp, RJ_RESP_SUCCESS);
        snprintf(remark, sizeof(remark), "done-%d", i);
        rj_command_set_remark_cstr(&resp, remark);
        rj_command_add_ext_i64(&resp, "i", i);
        assert_int_equal(rj_deferred_reply(held_at(c->f, i), &resp), 0);
    }
    return NULL;
}

static void
test_deferred_replies_from_other_threads(void **state)
{
    fixture_t *f = *state;
    enum { N = 1000, THREADS = 4 };
    int fd = raw_connect(f->port);
    for (int i = 0; i < N; i++) {
        send_req(fd, CODE_HOLD, i, 0, NULL);
    }
    count_arg_t a = {f, N};
    assert_true(wait_until(held_at_least, &a, 10000));
    pthread_t t[THREADS];
    completer_t c[THREADS];
    for (int k = 0; k < THREADS; k++) {
        c[k] = (completer_t){f, k, THREADS, N};
        pthread_create(&t[k], NULL, complete_some, &c[k]);
    }
    for (int k = 0; k < THREADS; k++) {
        pthread_join(t[k], NULL);
    }
    bool seen[N] = {false};
    rj_buf_t b = RJ_BUF_INIT;
    for (int i = 0; i < N; i++) {
        rj_command_t r;
        int64_t v;
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.code, RJ_RESP_SUCCESS);
        assert_true(r.flag & RJ_CMD_FLAG_RESPONSE);
        assert_int_equal(rj_command_ext_i64(&r, "i", &v), 0);
        assert_int_equal(v, r.opaque);
        assert_false(seen[r.opaque]);
        seen[r.opaque] = true;
    }
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_deferred_oneway_and_cancel(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t r, resp;
    send_req(fd, CODE_HOLD, 1, RJ_CMD_FLAG_ONEWAY, NULL); /* reply dropped */
    send_req(fd, CODE_HOLD, 2, RJ_CMD_FLAG_ONEWAY, NULL); /* cancelled silently */
    send_req(fd, CODE_HOLD, 3, 0, NULL);                  /* cancelled: SYSTEM_ERROR */
    count_arg_t a = {f, 3};
    assert_true(wait_until(held_at_least, &a, 5000));
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    assert_int_equal(rj_deferred_reply(held_at(f, 0), &resp), 0);
    rj_deferred_cancel(held_at(f, 1));
    rj_deferred_cancel(held_at(f, 2));
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.opaque, 3);
    assert_int_equal(r.code, RJ_RESP_SYSTEM_ERROR);
    assert_true(rj_bytes_eq_cstr(r.remark, "request cancelled"));
    assert_true(raw_quiet(fd, 100));
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_worker_handlers_run_off_the_io_thread(void **state)
{
    fixture_t *f = *state;
    enum { N = 200 };
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    for (int i = 0; i < N; i++) {
        char body[16];
        snprintf(body, sizeof(body), "w%d", i);
        send_req(fd, CODE_WORKER, i, 0, body);
    }
    bool seen[N] = {false};
    for (int i = 0; i < N; i++) {
        rj_command_t r;
        char body[16];
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.code, RJ_RESP_SUCCESS);
        snprintf(body, sizeof(body), "w%d", r.opaque);
        /* The worker got a private copy: views stay valid while the I/O thread reads on. */
        assert_true(rj_bytes_eq_cstr(r.body, body));
        rj_bytes_t v;
        assert_true(rj_command_ext_get(&r, "copy", &v));
        assert_true(rj_bytes_eq_cstr(v, body));
        seen[r.opaque] = true;
    }
    for (int i = 0; i < N; i++) {
        assert_true(seen[i]);
    }
    assert_int_equal(atomic_load(&f->worker_off_loop), N);
    /* A worker handler error and a worker defer. */
    rj_command_t r, resp;
    send_req(fd, CODE_WFAIL, 7, 0, NULL);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.code, RJ_RESP_SYSTEM_ERROR);
    assert_true(rj_bytes_eq_cstr(r.remark, rj_strerror(RJ_ENOENT)));
    send_req(fd, CODE_WDEFER, 8, 0, NULL);
    count_arg_t a = {f, 1};
    assert_true(wait_until(held_at_least, &a, 5000));
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    assert_int_equal(rj_deferred_reply(held_at(f, 0), &resp), 0);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.opaque, 8);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    rj_buf_cleanup(&b);
    close(fd);
}

typedef struct {
    atomic_int *counter;
    int want;
} eq_arg_t;

static bool
counter_is(void *arg)
{
    eq_arg_t *e = arg;
    return atomic_load(e->counter) == e->want;
}

static void
test_zero_copy_segments_are_written_and_released_once(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t r;
    for (uint8_t type = 0; type <= 1; type++) {
        rj_command_t c;
        rj_command_init_request(&c, CODE_SEGS);
        c.opaque = 40 + type;
        c.serialize_type = type;
        raw_send_cmd(fd, &c);
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.opaque, 40 + type);
        assert_int_equal(r.serialize_type, type);
        assert_true(rj_bytes_eq_cstr(r.body, "alpha-beta-gamma"));
    }
    for (int i = 0; i < 3; i++) {
        eq_arg_t e = {&f->releases[i], 2};
        assert_true(wait_until(counter_is, &e, 5000));
    }
    /* One-way: nothing is sent, the segments are still released. */
    send_req(fd, CODE_SEGS, 50, RJ_CMD_FLAG_ONEWAY, NULL);
    for (int i = 0; i < 3; i++) {
        eq_arg_t e = {&f->releases[i], 3};
        assert_true(wait_until(counter_is, &e, 5000));
    }
    assert_true(raw_quiet(fd, 50));
    rj_clock_sleep_ms(50);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(atomic_load(&f->releases[i]), 3);
    }
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_reply_serialize_type_can_be_forced_to_json(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t r;
    /* Zero-copy reply from a worker: JSON header for both request types. */
    for (uint8_t type = 0; type <= 1; type++) {
        rj_command_t c;
        rj_command_init_request(&c, CODE_JSON_SEGS);
        c.opaque = 60 + type;
        c.serialize_type = type;
        raw_send_cmd(fd, &c);
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.opaque, 60 + type);
        assert_int_equal(r.serialize_type, RJ_SERIALIZE_JSON);
        assert_true(r.flag & RJ_CMD_FLAG_RESPONSE);
        assert_true(rj_bytes_eq_cstr(r.body, "alpha-beta-gamma"));
        int64_t n;
        assert_int_equal(rj_command_ext_i64(&r, "n", &n), 0);
        assert_int_equal(n, 3);
    }
    /* Forced before deferring: the deferred completion keeps it. */
    rj_command_t c;
    rj_command_init_request(&c, CODE_JSON_HOLD);
    c.opaque = 70;
    c.serialize_type = RJ_SERIALIZE_ROCKETMQ;
    raw_send_cmd(fd, &c);
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    rj_command_set_remark_cstr(&resp, "later");
    assert_int_equal(rj_deferred_reply(held_at(f, 0), &resp), 0);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.opaque, 70);
    assert_int_equal(r.serialize_type, RJ_SERIALIZE_JSON);
    assert_true(rj_bytes_eq_cstr(r.remark, "later"));
    /* Other codes still answer in the request's type. */
    rj_command_init_request(&c, CODE_SEGS);
    c.opaque = 71;
    c.serialize_type = RJ_SERIALIZE_ROCKETMQ;
    raw_send_cmd(fd, &c);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.serialize_type, RJ_SERIALIZE_ROCKETMQ);
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_big_segment_waits_for_a_slow_reader(void **state)
{
    fixture_t *f = *state;
    f->big = malloc(8u << 20);
    for (size_t i = 0; i < (8u << 20); i++) {
        f->big[i] = (uint8_t)(i ^ (i >> 11));
    }
    int fd = raw_connect(f->port);
    send_req(fd, CODE_BIGSEG, 1, 0, NULL);
    /* The socket cannot take 8 MiB at once: the segment stays in use while we dawdle. */
    rj_clock_sleep_ms(100);
    assert_int_equal(atomic_load(&f->releases[3]), 0);
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t r;
    assert_true(raw_read_frame(fd, &b, &r, 10000));
    assert_int_equal(r.body.len, 8u << 20);
    assert_memory_equal(r.body.data, f->big, 8u << 20);
    eq_arg_t e = {&f->releases[3], 1};
    assert_true(wait_until(counter_is, &e, 5000));
    /* Closed before the write finished: released exactly once as well. */
    send_req(fd, CODE_BIGSEG, 2, 0, NULL);
    rj_clock_sleep_ms(50);
    close(fd);
    eq_arg_t e2 = {&f->releases[3], 2};
    assert_true(wait_until(counter_is, &e2, 5000));
    rj_clock_sleep_ms(50);
    assert_int_equal(atomic_load(&f->releases[3]), 2);
    rj_buf_cleanup(&b);
}

static void
test_deferred_reply_after_close_is_dropped(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    send_req(fd, CODE_HOLD, 1, 0, NULL);
    count_arg_t a = {f, 1};
    assert_true(wait_until(held_at_least, &a, 5000));
    close(fd);
    eq_arg_t closed = {&f->closed, 1};
    assert_true(wait_until(counter_is, &closed, 5000));
    rj_segment_t seg = {"late", 4, count_release, &f->releases[5]};
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    assert_int_equal(rj_deferred_reply_segments(held_at(f, 0), &resp, &seg, 1), 0);
    eq_arg_t e = {&f->releases[5], 1};
    assert_true(wait_until(counter_is, &e, 5000));
}

static void
test_reply_twice_is_refused(void **state)
{
    fixture_t *f = *state;
    int fd = raw_connect(f->port);
    rj_buf_t b = RJ_BUF_INIT;
    rj_command_t r;
    send_req(fd, CODE_TWICE, 9, 0, NULL);
    assert_true(raw_read_frame(fd, &b, &r, 5000));
    assert_int_equal(r.opaque, 9);
    assert_int_equal(r.code, RJ_RESP_SUCCESS);
    assert_true(raw_quiet(fd, 100));
    assert_int_equal(atomic_load(&f->twice_rc), RJ_ESTATE);
    assert_int_equal(atomic_load(&f->releases[4]), 1);
    rj_buf_cleanup(&b);
    close(fd);
}

static void
test_outstanding_limit_pauses_reading_without_dropping(void **state)
{
    (void)state;
    fixture_t *f = start(8);
    enum { N = 40 };
    int fd = raw_connect(f->port);
    for (int i = 0; i < N; i++) {
        send_req(fd, CODE_HOLD, i, 0, NULL);
    }
    count_arg_t a = {f, 8};
    assert_true(wait_until(held_at_least, &a, 5000));
    rj_clock_sleep_ms(100);
    /* Reading stopped at the limit: no more requests were taken in. */
    assert_int_equal(atomic_load(&f->held_count), 8);
    /* Completing them lets the rest in, batch by batch; every request is answered. */
    int done = 0;
    rj_buf_t b = RJ_BUF_INIT;
    while (done < N) {
        int held = atomic_load(&f->held_count);
        for (; done < held; done++) {
            rj_command_t resp;
            rj_command_init_request(&resp, RJ_RESP_SUCCESS);
            assert_int_equal(rj_deferred_reply(held_at(f, done), &resp), 0);
        }
        count_arg_t more = {f, done < N ? done + 1 : N};
        assert_true(wait_until(held_at_least, &more, 5000));
    }
    for (int i = 0; i < N; i++) {
        rj_command_t r;
        assert_true(raw_read_frame(fd, &b, &r, 5000));
        assert_int_equal(r.opaque, i);
    }
    rj_buf_cleanup(&b);
    close(fd);
    rj_server_destroy(f->srv);
    free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deferred_replies_from_other_threads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred_oneway_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_handlers_run_off_the_io_thread, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_zero_copy_segments_are_written_and_released_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_serialize_type_can_be_forced_to_json, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_big_segment_waits_for_a_slow_reader, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred_reply_after_close_is_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reply_twice_is_refused, setup, teardown),
        cmocka_unit_test(test_outstanding_limit_pauses_reading_without_dropping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
