/* Helpers of the name-server integration tests (see namesrv_fixture.h). */
#include "namesrv_fixture.h"

#include "common/alloc.h"
#include "common/buf.h"
#include "common/crc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static int32_t next_opaque = 1000;

int
it_namesrv_start(int64_t scan_ms, int64_t expiry_ms, const char *extra_conf, rj_daemon_t **out)
{
    char conf[4096];
    snprintf(conf, sizeof(conf),
             "listenPort={port}\n"
             "bindAddress=127.0.0.1\n"
             "kvConfigPath={dir}/store/kvConfig.json\n"
             "logDir={dir}/logs\n"
             "scanNotActiveBrokerInterval=%lld\n"
             "brokerChannelExpiredTime=%lld\n"
             "serverSelectorThreads=2\n"
             "serverWorkerThreads=2\n"
             "%s",
             (long long)scan_ms, (long long)expiry_ms, extra_conf != NULL ? extra_conf : "");
    static const char *const args[] = {"-c", "{dir}/namesrv.conf", NULL};
    rj_daemon_options_t opts = {
        .binary = "mqnamesrv",
        .args = args,
        .config_name = "namesrv.conf",
        .config_text = conf,
        .external_env = "RJ_TEST_NAMESRV",
    };
    return rj_daemon_start(&opts, out);
}

rj_raw_client_t *
it_connect(const rj_daemon_t *d)
{
    rj_raw_client_t *c = NULL;
    int rc = rj_raw_client_connect(rj_daemon_addr(d), IT_TIMEOUT_MS, &c);
    if (rc != 0) {
        fail_msg("connect to %s failed: %d", rj_daemon_addr(d), rc);
    }
    return c;
}

void
it_call(rj_raw_client_t *c, int32_t code, int32_t version, const char *ext_json, const void *body,
        size_t body_len, rj_raw_reply_t *reply)
{
    rj_buf_t req = RJ_BUF_INIT;
    int32_t opaque = next_opaque++;
    assert_int_equal(rj_raw_request_json(&req, code, version, opaque, 0, ext_json, body, body_len),
                     0);
    int rc = rj_raw_client_call(c, &req, IT_TIMEOUT_MS, reply);
    rj_buf_cleanup(&req);
    if (rc != 0) {
        fail_msg("request code %d: no reply (%d)", code, rc);
    }
    assert_int_equal(reply->opaque, opaque);
    assert_int_equal(reply->flag & 1, 1);
}

void
it_register(rj_raw_client_t *c, const char *cluster, const char *name, int64_t id, const char *addr,
            const char *ha, int64_t counter, const char *topics, int32_t flag,
            rj_raw_reply_t *reply)
{
    rj_buf_t body = RJ_BUF_INIT, ext = RJ_BUF_INIT, req = RJ_BUF_INIT;
    rj_buf_appendf(&body,
                   "{\"filterServerList\":[],\"topicConfigSerializeWrapper\":{\"dataVersion\":"
                   "{\"counter\":%lld,\"timestamp\":1700000000000},\"topicConfigTable\":%s}}",
                   (long long)counter, topics != NULL ? topics : "{}");
    rj_buf_appendf(&ext,
                   "{\"brokerId\":\"%lld\",\"bodyCrc32\":\"%d\",\"clusterName\":\"%s\","
                   "\"brokerAddr\":\"%s\",\"haServerAddr\":\"%s\",\"compressed\":\"false\","
                   "\"brokerName\":\"%s\"}",
                   (long long)id, rj_crc32_masked(body.data, body.len), cluster, addr, ha, name);
    rj_buf_terminate(&ext);
    int32_t opaque = next_opaque++;
    assert_int_equal(rj_raw_request_json(&req, 103, IT_VERSION_JAVA, opaque, flag,
                                         (const char *)ext.data, body.data, body.len),
                     0);
    if (flag & 2) {
        assert_int_equal(rj_raw_client_send(c, req.data, req.len), 0);
    } else {
        int rc = rj_raw_client_call(c, &req, IT_TIMEOUT_MS, reply);
        if (rc != 0) {
            fail_msg("REGISTER_BROKER %s: no reply (%d)", name, rc);
        }
        assert_int_equal(reply->opaque, opaque);
    }
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&ext);
    rj_buf_cleanup(&req);
}

const char *
it_topic(const char *name, int read, int write, int perm)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, 512,
             "\"%s\":{\"order\":false,\"perm\":%d,\"readQueueNums\":%d,\"topicFilterType\":"
             "\"SINGLE_TAG\",\"topicName\":\"%s\",\"topicSysFlag\":0,\"writeQueueNums\":%d}",
             name, perm, read, name, write);
    return b;
}

int32_t
it_route(const rj_daemon_t *d, const char *topic, int32_t version, char **body)
{
    rj_raw_client_t *c = it_connect(d);
    rj_raw_reply_t reply;
    char ext[512];
    snprintf(ext, sizeof(ext), "{\"topic\":\"%s\"}", topic);
    it_call(c, 105, version, ext, NULL, 0, &reply);
    int32_t code = reply.code;
    if (body != NULL) {
        *body = rj_strdup(rj_raw_reply_body_text(&reply));
    }
    rj_raw_reply_cleanup(&reply);
    rj_raw_client_close(c);
    return code;
}

bool
it_route_is_gone(void *probe)
{
    it_route_probe_t *p = probe;
    return it_route(p->daemon, p->topic, IT_VERSION_JAVA, NULL) == 17;
}
