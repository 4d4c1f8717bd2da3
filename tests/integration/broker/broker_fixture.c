/* Helpers of the broker integration tests (see broker_fixture.h). */
#include "broker_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/message_properties.h"
#include "common/message_record.h"
#include "ramjet/status.h"
#include "remoting/command.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static int32_t next_opaque = 5000;

static void stash_clear(void);

int
it_namesrv_start(rj_daemon_t **out)
{
    static const char *const args[] = {"-c", "{dir}/namesrv.conf", NULL};
    rj_daemon_options_t opts = {
        .binary = "mqnamesrv",
        .args = args,
        .config_name = "namesrv.conf",
        .config_text = "listenPort={port}\nbindAddress=127.0.0.1\n"
                       "kvConfigPath={dir}/store/kvConfig.json\nlogDir={dir}/logs\n"
                       "serverSelectorThreads=1\nserverWorkerThreads=2\n",
        .external_env = "RJ_TEST_NAMESRV",
    };
    return rj_daemon_start(&opts, out);
}

int
it_broker_start(const rj_daemon_t *ns, const char *extra_conf, rj_daemon_t **out)
{
    char conf[4096];
    snprintf(conf, sizeof(conf),
             "brokerClusterName=DefaultCluster\n"
             "brokerName=broker-a\n"
             "brokerId=0\n"
             "listenPort={port}\n"
             "brokerIP1=127.0.0.1\n"
             "brokerIP2=127.0.0.1\n"
             "storePathRootDir={dir}/store\n"
             "logDir={dir}/logs\n"
             "mappedFileSizeCommitLog=8388608\n"
             "mappedFileSizeConsumeQueue=120000\n"
             "serverSelectorThreads=2\n"
             "serverWorkerThreads=2\n"
             "%s%s\n%s",
             ns ? "namesrvAddr=" : "", ns ? rj_daemon_addr(ns) : "",
             extra_conf != NULL ? extra_conf : "");
    static const char *const args[] = {"-c", "{dir}/broker.conf", NULL};
    rj_daemon_options_t opts = {
        .binary = "mqbroker",
        .args = args,
        .config_name = "broker.conf",
        .config_text = conf,
        .external_env = "RJ_TEST_BROKER",
        .keep_port_on_restart = true,
    };
    return rj_daemon_start(&opts, out);
}

void
it_cluster_start(it_cluster_t *c, const char *extra_conf)
{
    memset(c, 0, sizeof(*c));
    assert_int_equal(it_namesrv_start(&c->ns), 0);
    assert_int_equal(it_broker_start(c->ns, extra_conf, &c->broker), 0);
    snprintf(c->broker_addr, sizeof(c->broker_addr), "%s", rj_daemon_addr(c->broker));
}

void
it_cluster_stop(it_cluster_t *c)
{
    int status = -1;
    stash_clear();
    if (c->broker != NULL && !rj_daemon_is_external(c->broker) && rj_daemon_is_running(c->broker)) {
        assert_int_equal(rj_daemon_stop(c->broker, 20000, &status), 0);
        assert_int_equal(status, 0);
    }
    rj_daemon_destroy(c->broker);
    if (c->ns != NULL && !rj_daemon_is_external(c->ns)) {
        rj_daemon_stop(c->ns, 10000, &status);
    }
    rj_daemon_destroy(c->ns);
    memset(c, 0, sizeof(*c));
}

static void stash_forget(const rj_raw_client_t *c);

rj_raw_client_t *
it_connect(const rj_daemon_t *d)
{
    rj_raw_client_t *c = NULL;
    int rc = rj_raw_client_connect(rj_daemon_addr(d), IT_TIMEOUT_MS, &c);
    if (rc != 0) {
        fail_msg("connect to %s failed: %d", rj_daemon_addr(d), rc);
    }
    /* The address may be that of a closed client whose requests are still kept. */
    stash_forget(c);
    return c;
}

int32_t
it_send(rj_raw_client_t *c, int32_t code, int32_t version, int32_t flag, const char *ext_json,
        const void *body, size_t body_len)
{
    rj_buf_t req = RJ_BUF_INIT;
    int32_t opaque = next_opaque++;
    assert_int_equal(
        rj_raw_request_json(&req, code, version, opaque, flag, ext_json, body, body_len), 0);
    assert_int_equal(rj_raw_client_send(c, req.data, req.len), 0);
    rj_buf_cleanup(&req);
    return opaque;
}

/*
 * Requests the broker sent while a test waited for a response (a check or a
 * notification may overtake a reply on the connection): kept for
 * it_wait_request, the oldest dropped beyond STASH_MAX.
 */
#define STASH_MAX 16
static struct {
    const rj_raw_client_t *client;
    rj_raw_reply_t frame;
} stash[STASH_MAX];
static int nstash;

static void
stash_push(const rj_raw_client_t *c, rj_raw_reply_t *frame)
{
    if (nstash == STASH_MAX) {
        rj_raw_reply_cleanup(&stash[0].frame);
        memmove(&stash[0], &stash[1], sizeof(stash[0]) * (STASH_MAX - 1));
        nstash--;
    }
    stash[nstash].client = c;
    stash[nstash].frame = *frame;
    nstash++;
}

static bool
stash_take(const rj_raw_client_t *c, int32_t code, rj_raw_reply_t *out)
{
    for (int i = 0; i < nstash; i++) {
        if (stash[i].client == c && stash[i].frame.code == code) {
            *out = stash[i].frame;
            memmove(&stash[i], &stash[i + 1], sizeof(stash[0]) * (size_t)(nstash - i - 1));
            nstash--;
            return true;
        }
    }
    return false;
}

static void
stash_forget(const rj_raw_client_t *c)
{
    int kept = 0;
    for (int i = 0; i < nstash; i++) {
        if (stash[i].client == c) {
            rj_raw_reply_cleanup(&stash[i].frame);
        } else {
            stash[kept++] = stash[i];
        }
    }
    nstash = kept;
}

static void
stash_clear(void)
{
    for (int i = 0; i < nstash; i++) {
        rj_raw_reply_cleanup(&stash[i].frame);
    }
    nstash = 0;
}

/* Reads the next response; requests the broker sends meanwhile go to the stash. */
static int
read_response(rj_raw_client_t *c, rj_raw_reply_t *reply)
{
    for (;;) {
        int rc = rj_raw_client_read_reply(c, IT_TIMEOUT_MS, reply);
        if (rc != 0 || reply->serialize_type != 0 || (reply->flag & 1) != 0) {
            return rc;
        }
        stash_push(c, reply);
    }
}

void
it_call(rj_raw_client_t *c, int32_t code, int32_t version, const char *ext_json, const void *body,
        size_t body_len, rj_raw_reply_t *reply)
{
    int32_t opaque = it_send(c, code, version, 0, ext_json, body, body_len);
    int rc = read_response(c, reply);
    if (rc != 0) {
        fail_msg("request code %d: no reply (%d)", code, rc);
    }
    assert_int_equal(reply->opaque, opaque);
    assert_int_equal(reply->flag & 1, 1);
}

void
it_golden_send(rj_raw_client_t *c, int id, rj_raw_reply_t *reply)
{
    rj_golden_frame_t f;
    assert_int_equal(rj_golden_frame_load(id, &f), 0);
    assert_string_equal(f.direction, "request");
    assert_int_equal(rj_raw_client_send(c, f.wire.data, f.wire.len), 0);
    int rc = read_response(c, reply);
    if (rc != 0) {
        fail_msg("golden request %d: no reply (%d)", id, rc);
    }
    rj_golden_frame_cleanup(&f);
}

/* Text of an ext field of a golden header (JSON or decoded binary). */
static const char *
golden_ext(const json_t *header, const char *key)
{
    return json_string_value(json_object_get(json_object_get(header, "extFields"), key));
}

/* The reply as code / flag / remark / ext fields, whatever its header type. */
typedef struct {
    int32_t code, flag;
    bool has_remark;
    char remark[1024];
    json_t *ext; /* object or NULL */
} reply_view_t;

static void
reply_view(const rj_raw_reply_t *reply, reply_view_t *v)
{
    memset(v, 0, sizeof(*v));
    if (reply->serialize_type == 0) {
        v->code = reply->code;
        v->flag = reply->flag;
        v->has_remark = reply->remark != NULL;
        snprintf(v->remark, sizeof(v->remark), "%s", reply->remark ? reply->remark : "");
        v->ext = reply->ext ? json_deep_copy(reply->ext) : NULL;
        return;
    }
    rj_buf_t copy = RJ_BUF_INIT;
    rj_command_t cmd;
    rj_buf_append(&copy, reply->frame.data, reply->frame.len);
    if (rj_command_decode(copy.data, copy.len, 0, &cmd) <= 0) {
        rj_buf_cleanup(&copy);
        fail_msg("binary reply does not decode");
    }
    v->code = cmd.code;
    v->flag = cmd.flag;
    v->has_remark = cmd.has_remark;
    rj_bytes_copy_cstr(cmd.remark, v->remark, sizeof(v->remark));
    if (cmd.has_ext_fields && cmd.ext_count > 0) {
        v->ext = json_object();
        for (uint32_t i = 0; i < cmd.ext_count; i++) {
            char key[256], val[1024];
            rj_bytes_copy_cstr(cmd.ext[i].key, key, sizeof(key));
            rj_bytes_copy_cstr(cmd.ext[i].value, val, sizeof(val));
            json_object_set_new(v->ext, key, json_string(val));
        }
    }
    rj_buf_cleanup(&copy);
}

void
it_golden_expect(const rj_raw_reply_t *reply, int id, const char *const *same_values)
{
    rj_golden_frame_t f;
    reply_view_t v;
    assert_int_equal(rj_golden_frame_load(id, &f), 0);
    assert_string_equal(f.direction, "response");
    reply_view(reply, &v);
    if (v.code != f.code) {
        fail_msg("golden %d: code %d, captured %d (remark %s)", id, v.code, f.code,
                 v.has_remark ? v.remark : "-");
    }
    assert_int_equal(reply->serialize_type, f.serialize_type);
    assert_int_equal(v.flag, f.flag);
    const char *captured_remark = json_string_value(json_object_get(f.header, "remark"));
    if ((captured_remark == NULL) != !v.has_remark) {
        fail_msg("golden %d: remark '%s' vs captured '%s'", id, v.has_remark ? v.remark : "(none)",
                 captured_remark ? captured_remark : "(none)");
    }
    const json_t *cext = json_object_get(f.header, "extFields");
    /* Binary headers cannot tell an empty extFields from none. */
    bool c_has = cext != NULL && (reply->serialize_type == 0 || json_object_size(cext) > 0);
    if (c_has != (v.ext != NULL)) {
        fail_msg("golden %d: extFields %s vs captured %s", id, v.ext ? "present" : "absent",
                 c_has ? "present" : "absent");
    }
    if (cext != NULL && v.ext != NULL) {
        const char *k;
        json_t *val;
        json_object_foreach((json_t *)cext, k, val)
        {
            if (json_object_get(v.ext, k) == NULL) {
                fail_msg("golden %d: extFields lacks '%s'", id, k);
            }
        }
        json_object_foreach(v.ext, k, val)
        {
            if (json_object_get(cext, k) == NULL) {
                fail_msg("golden %d: extFields has extra '%s'", id, k);
            }
        }
    }
    for (int i = 0; same_values != NULL && same_values[i] != NULL; i++) {
        const char *k = same_values[i];
        const char *want = strcmp(k, "remark") == 0 ? captured_remark : golden_ext(f.header, k);
        const char *got = strcmp(k, "remark") == 0 ? (v.has_remark ? v.remark : NULL)
                                                   : json_string_value(json_object_get(v.ext, k));
        if (want == NULL || got == NULL || strcmp(want, got) != 0) {
            fail_msg("golden %d: %s is '%s', captured '%s'", id, k, got ? got : "(null)",
                     want ? want : "(null)");
        }
    }
    json_decref(v.ext);
    rj_golden_frame_cleanup(&f);
}

void
it_send_message_ex(rj_raw_client_t *c, const char *group, const char *topic, int32_t queue_id,
                   int32_t sys_flag, const char *props, const void *body, size_t body_len,
                   rj_raw_reply_t *reply)
{
    char qid[16], flag[16], born[24];
    snprintf(qid, sizeof(qid), "%d", queue_id);
    snprintf(flag, sizeof(flag), "%d", sys_flag);
    snprintf(born, sizeof(born), "%lld", (long long)rj_clock_wall_ms());
    json_t *ext = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "a", group, "b",
                            topic, "c", "TBW102", "d", "4", "e", qid, "f", flag, "g", born, "h",
                            "0", "i", props ? props : "", "j", "0", "k", "false", "m", "false");
    char *text = json_dumps(ext, JSON_COMPACT);
    it_call(c, 310, IT_VERSION_JAVA, text, body, body_len, reply);
    free(text);
    json_decref(ext);
}

void
it_send_message(rj_raw_client_t *c, const char *topic, int32_t queue_id, const char *props,
                const void *body, size_t body_len, rj_raw_reply_t *reply)
{
    it_send_message_ex(c, "it_pg", topic, queue_id, 0, props, body, body_len, reply);
}

int
it_records(const rj_raw_reply_t *reply, rj_message_record_t *out, int cap)
{
    int n = 0;
    size_t pos = 0;
    while (pos < reply->body.len && n < cap) {
        int rc = rj_message_record_decode(reply->body.data + pos, reply->body.len - pos, &out[n],
                                          RJ_MSG_DECODE_CHECK_CRC);
        if (rc <= 0) {
            return -1;
        }
        pos += (size_t)rc;
        n++;
    }
    return n;
}

int64_t
it_max_offset(rj_raw_client_t *c, const char *topic, int qid)
{
    rj_raw_reply_t r;
    char ext[512];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\",\"queueId\":\"%d\"}", topic, qid);
    it_call(c, 30, IT_VERSION_JAVA, ext, NULL, 0, &r);
    assert_int_equal(r.code, 0);
    int64_t v = strtoll(rj_raw_reply_ext(&r, "offset"), NULL, 10);
    rj_raw_reply_cleanup(&r);
    return v;
}

void
it_wait_max_offset(rj_raw_client_t *c, const char *topic, int qid, int64_t want)
{
    int64_t deadline = rj_clock_mono_ms() + IT_TIMEOUT_MS;
    int64_t got;
    while ((got = it_max_offset(c, topic, qid)) < want) {
        if (rj_clock_mono_ms() > deadline) {
            fail_msg("%s/%d stays at offset %lld, expected %lld", topic, qid, (long long)got,
                     (long long)want);
        }
        rj_clock_sleep_ms(2);
    }
}

void
it_pull(rj_raw_client_t *c, const char *group, const char *topic, int qid, int64_t offset,
        int max_msgs, const char *sub, const char *expr_type, rj_raw_reply_t *reply)
{
    json_t *ext = json_object();
    char num[32];
    json_object_set_new(ext, "consumerGroup", json_string(group));
    json_object_set_new(ext, "topic", json_string(topic));
    snprintf(num, sizeof(num), "%d", qid);
    json_object_set_new(ext, "queueId", json_string(num));
    snprintf(num, sizeof(num), "%lld", (long long)offset);
    json_object_set_new(ext, "queueOffset", json_string(num));
    snprintf(num, sizeof(num), "%d", max_msgs);
    json_object_set_new(ext, "maxMsgNums", json_string(num));
    json_object_set_new(ext, "sysFlag", json_string("4"));
    json_object_set_new(ext, "commitOffset", json_string("0"));
    json_object_set_new(ext, "suspendTimeoutMillis", json_string("0"));
    json_object_set_new(ext, "subscription", json_string(sub));
    json_object_set_new(ext, "subVersion", json_string("0"));
    if (expr_type != NULL) {
        json_object_set_new(ext, "expressionType", json_string(expr_type));
    }
    char *text = json_dumps(ext, JSON_COMPACT);
    it_call(c, 11, IT_VERSION_JAVA, text, NULL, 0, reply);
    free(text);
    json_decref(ext);
}

void
it_heartbeat_producer(rj_raw_client_t *c, const char *client_id, const char *group)
{
    char hb[512];
    int n = snprintf(hb, sizeof(hb),
                     "{\"clientID\":\"%s\",\"consumerDataSet\":[],\"producerDataSet\":["
                     "{\"groupName\":\"CLIENT_INNER_PRODUCER\"},{\"groupName\":\"%s\"}]}",
                     client_id, group);
    rj_raw_reply_t r;
    it_call(c, 34, IT_VERSION_JAVA, NULL, hb, (size_t)n, &r);
    assert_int_equal(r.code, 0);
    rj_raw_reply_cleanup(&r);
}

int
it_wait_request(rj_raw_client_t *c, int32_t code, int timeout_ms, rj_raw_reply_t *reply)
{
    if (stash_take(c, code, reply)) {
        return 0;
    }
    int64_t deadline = rj_clock_mono_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - rj_clock_mono_ms();
        if (left <= 0) {
            return RJ_ETIMEDOUT;
        }
        int rc = rj_raw_client_read_reply(c, (int)left, reply);
        if (rc != 0) {
            return rc;
        }
        if (reply->serialize_type == 0 && (reply->flag & 1) == 0 && reply->code == code) {
            return 0;
        }
        rj_raw_reply_cleanup(reply);
    }
}

const char *
it_record_prop(const rj_message_record_t *rec, const char *key, char *out, size_t size)
{
    rj_bytes_t v;
    out[0] = '\0';
    if (rj_message_properties_get(rec->properties, key, &v)) {
        rj_bytes_copy_cstr(v, out, size);
    }
    return out;
}

int
it_count_records(const rj_raw_reply_t *reply)
{
    int n = 0;
    size_t pos = 0;
    while (pos < reply->body.len) {
        rj_message_record_t rec;
        int rc = rj_message_record_decode(reply->body.data + pos, reply->body.len - pos, &rec,
                                          RJ_MSG_DECODE_CHECK_CRC);
        if (rc <= 0) {
            return -1;
        }
        pos += (size_t)rc;
        n++;
    }
    return n;
}
