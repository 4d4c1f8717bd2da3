/*
 * The captured name-server conversation of Apache RocketMQ 4.9.8
 * (tests/data/frames.jsonl, peer "namesrv") replayed against mqnamesrv: every
 * request frame is sent byte for byte and the answer must carry the same
 * header fields and values as the captured answer (same opaque, code, flag,
 * remark, extFields present/absent/empty, language, version) and the same
 * body in the same JSON dialect. Topic lists are compared as sets (Java lists
 * them in HashMap order).
 *
 * One deliberate difference: 4.9.8 silently drops unknown codes (frame 3);
 * Ramjet answers REQUEST_CODE_NOT_SUPPORTED as its broker does.
 */
#include "namesrv_fixture.h"

#include "common/json.h"
#include "remoting/command.h"
#include "support/golden.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    rj_daemon_t *ns;
    rj_raw_client_t *broker; /* the broker's connection */
} fixture_t;

static int
setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_int_equal(it_namesrv_start(10000, 120000, NULL, &f->ns), 0);
    f->broker = it_connect(f->ns);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    fixture_t *f = *state;
    rj_raw_client_close(f->broker);
    if (!rj_daemon_is_external(f->ns)) {
        int status = -1;
        assert_int_equal(rj_daemon_stop(f->ns, 10000, &status), 0);
        assert_int_equal(status, 0);
    }
    rj_daemon_destroy(f->ns);
    free(f);
    return 0;
}

static bool
same_string_set(const json_t *a, const json_t *b)
{
    if (json_array_size(a) != json_array_size(b)) {
        return false;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        bool found = false;
        for (size_t j = 0; j < json_array_size(b) && !found; j++) {
            found = json_equal(json_array_get(a, i), json_array_get(b, j));
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

/* Compares a reply with the captured response frame `resp_id`. */
static void
expect_like(rj_raw_reply_t *r, int resp_id)
{
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(resp_id, &g), 0);
    assert_int_equal(r->serialize_type, g.serialize_type);
    if (g.serialize_type == 0) {
        if (!json_equal(r->json, g.header)) {
            char *ours = json_dumps(r->json, JSON_SORT_KEYS | JSON_COMPACT);
            char *theirs = json_dumps(g.header, JSON_SORT_KEYS | JSON_COMPACT);
            fail_msg("frame %d: header\n  ours   %s\n  theirs %s", resp_id, ours, theirs);
        }
    } else {
        /* Binary header: decode ours with the codec and compare the fields. */
        rj_command_t cmd;
        rj_buf_t copy = RJ_BUF_INIT;
        rj_buf_append(&copy, r->frame.data, r->frame.len);
        assert_true(rj_command_decode(copy.data, copy.len, 0, &cmd) > 0);
        assert_int_equal(cmd.code, json_integer_value(json_object_get(g.header, "code")));
        assert_int_equal(cmd.flag, json_integer_value(json_object_get(g.header, "flag")));
        assert_int_equal(cmd.opaque, json_integer_value(json_object_get(g.header, "opaque")));
        assert_int_equal(cmd.version, json_integer_value(json_object_get(g.header, "version")));
        assert_int_equal(cmd.language, 0);
        assert_false(cmd.has_remark);
        assert_int_equal(cmd.ext_count, 0);
        rj_buf_cleanup(&copy);
    }
    const char *ours = rj_raw_reply_body_text(r);
    const char *theirs = rj_golden_frame_body_text(&g);
    const json_t *why = json_object_get(g.record, "request_code");
    if (json_integer_value(why) == 206) {
        json_t *a = rj_json_parse(ours, strlen(ours), NULL, 0);
        json_t *b = rj_json_parse(theirs, strlen(theirs), NULL, 0);
        if (!same_string_set(json_object_get(a, "topicList"), json_object_get(b, "topicList"))) {
            fail_msg("frame %d: topic list\n  ours   %s\n  theirs %s", resp_id, ours, theirs);
        }
        json_decref(a);
        json_decref(b);
    } else if (strcmp(ours, theirs) != 0) {
        fail_msg("frame %d: body\n  ours   %s\n  theirs %s", resp_id, ours, theirs);
    }
    rj_golden_frame_cleanup(&g);
}

/* Sends captured request `req_id` on `c`; reads and checks the answer against `resp_id`. */
static void
replay(rj_raw_client_t *c, int req_id, int resp_id)
{
    rj_golden_frame_t g;
    assert_int_equal(rj_golden_frame_load(req_id, &g), 0);
    assert_string_equal(g.peer, "namesrv");
    assert_string_equal(g.direction, "request");
    assert_int_equal(rj_raw_client_send(c, g.wire.data, g.wire.len), 0);
    rj_golden_frame_cleanup(&g);
    if (resp_id == 0) {
        return;
    }
    rj_raw_reply_t r;
    int rc = rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r);
    if (rc != 0) {
        fail_msg("frame %d: no answer (%d)", req_id, rc);
    }
    expect_like(&r, resp_id);
    rj_raw_reply_cleanup(&r);
}

static void
test_replays_the_captured_conversation(void **state)
{
    fixture_t *f = *state;
    rj_raw_client_t *client = it_connect(f->ns);

    /* Broker start-up registration and its periodic repeat. */
    replay(f->broker, 1, 2);
    replay(f->broker, 27, 28);
    /* probe.py: unknown topic, KV miss, TBW102 route as ali-ons (121), Java (409), binary. */
    replay(client, 4, 5);
    replay(client, 6, 7);
    replay(client, 8, 9);
    replay(client, 10, 11);
    replay(client, 12, 13);
    /* mqadmin clusterList and topicList (signed requests: extra ext fields ignored). */
    replay(client, 19, 21);
    replay(client, 20, 22);
    replay(client, 29, 32);
    /* Java producer: TopicTest unknown yet, TBW102 known. */
    replay(client, 33, 34);
    replay(client, 35, 36);
    /* Topic auto-creation: one-way registrations, never answered ... */
    replay(f->broker, 42, 0);
    replay(f->broker, 57, 0);
    /* ... yet applied: TopicTest routes in both dialects. */
    replay(client, 210, 211);
    replay(client, 212, 213);
    /* ali-ons creates AlionsAcceptance; the broker registers it incrementally. */
    replay(client, 100, 101);
    replay(f->broker, 105, 106);
    replay(client, 108, 109);
    replay(client, 214, 215);
    /* Broker shutdown. */
    replay(f->broker, 232, 233);
    rj_raw_client_close(client);
}

static void
test_unknown_code_is_answered_not_dropped(void **state)
{
    fixture_t *f = *state;
    rj_raw_client_t *c = it_connect(f->ns);
    replay(c, 3, 0);
    rj_raw_reply_t r;
    assert_int_equal(rj_raw_client_read_reply(c, IT_TIMEOUT_MS, &r), 0);
    assert_int_equal(r.code, 3);
    assert_int_equal(r.opaque, 900001);
    assert_int_equal(r.flag, 1);
    assert_string_equal(r.remark, " request type 9999 not supported");
    rj_raw_reply_cleanup(&r);
    rj_raw_client_close(c);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_replays_the_captured_conversation),
        T(test_unknown_code_is_answered_not_dropped),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
