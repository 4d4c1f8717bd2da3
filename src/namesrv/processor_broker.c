/*
 * Requests brokers send to the name server: REGISTER_BROKER (103),
 * UNREGISTER_BROKER (104) and QUERY_DATA_VERSION (322), requests.md §A1, §A2,
 * §A7. All three only touch memory and run INLINE on the I/O thread.
 *
 * REGISTER_BROKER may arrive one-way (flag 2, after topic auto-creation): it
 * is processed the same and the layer drops the reply. Its response always
 * carries `"extFields":{}` at least (Java builds it from a header object), plus
 * haServerAddr/masterAddr for a slave whose master is live, and the
 * ORDER_TOPIC_CONFIG KV namespace as body when it exists.
 */
#include "common/clock.h"
#include "common/crc.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "namesrv/namesrv_internal.h"
#include "namesrv/register_body.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    char cluster[RJ_NAMESRV_FIELD_MAX];
    char addr[RJ_NAMESRV_FIELD_MAX];
    char name[RJ_NAMESRV_FIELD_MAX];
    int64_t id;
} broker_identity_t;

/*
 * brokerName, brokerAddr, clusterName and brokerId, all required. Returns 0,
 * or answers SYSTEM_ERROR itself and returns 1.
 */
static int
read_identity(rj_request_t *req, const rj_command_t *cmd, broker_identity_t *bi)
{
    static const char *const keys[] = {"brokerName", "brokerAddr", "clusterName"};
    char *bufs[] = {bi->name, bi->addr, bi->cluster};
    for (size_t i = 0; i < 3; i++) {
        bool too_long;
        if (rj_namesrv_ext_cstr(cmd, keys[i], bufs[i], RJ_NAMESRV_FIELD_MAX, &too_long) == NULL ||
            bufs[i][0] == '\0') {
            rj_namesrv_reply_bad_field(req, cmd, keys[i], too_long);
            return 1;
        }
    }
    int rc = rj_command_ext_i64(cmd, "brokerId", &bi->id);
    if (rc == RJ_ENOTFOUND) {
        rj_namesrv_reply_bad_field(req, cmd, "brokerId", false);
        return 1;
    }
    if (rc != 0) {
        rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR,
                         "the custom field <brokerId> is not a number", NULL, false);
        return 1;
    }
    return 0;
}

static int
handle_register_broker(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    broker_identity_t bi;
    char ha[RJ_NAMESRV_FIELD_MAX];
    char err[256] = "";
    if (read_identity(req, cmd, &bi) != 0) {
        return 0;
    }
    const char *ha_addr = rj_namesrv_ext_cstr(cmd, "haServerAddr", ha, sizeof(ha), NULL);

    int32_t crc = 0;
    if (rj_command_ext_i32(cmd, "bodyCrc32", &crc) == 0 && crc != 0 &&
        crc != rj_crc32_masked(cmd->body.data, cmd->body.len)) {
        rj_log_ratelimited(10000, RJ_LOG_WARN, 0,
                           "namesrv: REGISTER_BROKER from %s: crc32 not match",
                           rj_connection_remote_addr(rj_request_connection(req)));
        return rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, "crc32 not match", NULL, true);
    }
    bool compressed = false;
    rj_command_ext_bool(cmd, "compressed", &compressed);
    int64_t hb_timeout = 0;
    rj_command_ext_i64(cmd, "heartbeatTimeoutMillis", &hb_timeout);

    rj_register_body_t body;
    int rc =
        rj_register_body_decode(cmd->body.data, cmd->body.len, compressed, &body, err, sizeof(err));
    if (rc != 0) {
        char remark[400];
        snprintf(remark, sizeof(remark), "Failed to decode RegisterBrokerBody: %s", err);
        rj_log_ratelimited(10000, RJ_LOG_WARN, rc, "namesrv: REGISTER_BROKER broker=%s from %s: %s",
                           bi.name, rj_connection_remote_addr(rj_request_connection(req)), err);
        return rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, NULL, true);
    }

    rj_connection_t *conn = rj_request_connection(req);
    rj_broker_registration_t reg = {
        .cluster_name = bi.cluster,
        .broker_addr = bi.addr,
        .broker_name = bi.name,
        .ha_server_addr = ha_addr,
        .broker_id = bi.id,
        .conn_id = rj_connection_id(conn),
        .heartbeat_timeout_ms = hb_timeout,
        .now_ms = rj_clock_mono_ms(),
    };
    rj_register_result_t result;
    rc = rj_route_table_register(ns->routes, &reg, &body, &result);
    rj_register_body_cleanup(&body);
    if (rc != 0) {
        return rc;
    }
    rj_namesrv_track_broker_conn(ns, conn);

    rj_command_t resp;
    rj_buf_t kv = RJ_BUF_INIT;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_mark_ext_fields(&resp);
    rj_command_add_ext_cstr(&resp, "haServerAddr", result.ha_server_addr);
    rj_command_add_ext_cstr(&resp, "masterAddr", result.master_addr);
    if (rj_kv_config_namespace_json(ns->kv, RJ_KV_NAMESPACE_ORDER_TOPIC_CONFIG, &kv) == 0) {
        resp.body = rj_buf_view(&kv);
    }
    rc = rj_request_reply(req, &resp);
    rj_buf_cleanup(&kv);
    rj_register_result_cleanup(&result);
    return rc;
}

static int
handle_unregister_broker(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    broker_identity_t bi;
    if (read_identity(req, cmd, &bi) != 0) {
        return 0;
    }
    rj_route_table_unregister(ns->routes, bi.cluster, bi.addr, bi.name, bi.id);
    return rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, NULL, false);
}

static int
handle_query_data_version(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    broker_identity_t bi;
    if (read_identity(req, cmd, &bi) != 0) {
        return 0;
    }
    rj_data_version_t dv, stored;
    if (rj_data_version_decode(cmd->body.data, cmd->body.len, &dv) != 0) {
        return rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR,
                                "QUERY_DATA_VERSION needs a DataVersion JSON body", NULL, true);
    }
    bool changed, has_stored;
    rj_route_table_query_data_version(ns->routes, bi.addr, &dv, rj_clock_mono_ms(), &changed,
                                      &stored, &has_stored);
    rj_buf_t body = RJ_BUF_INIT;
    if (has_stored) {
        rj_json_writer_t w;
        rj_jw_init(&w, &body, 0);
        rj_jw_object_begin(&w);
        rj_jw_key(&w, "counter");
        rj_jw_int(&w, stored.counter);
        rj_jw_key(&w, "timestamp");
        rj_jw_int(&w, stored.timestamp);
        rj_jw_object_end(&w);
        int rc = rj_jw_finish(&w);
        if (rc != 0) {
            rj_buf_cleanup(&body);
            return rc;
        }
    }
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_add_ext_bool(&resp, "changed", changed);
    resp.body = rj_buf_view(&body);
    int rc = rj_request_reply(req, &resp);
    rj_buf_cleanup(&body);
    return rc;
}

int
rj_processor_broker_register(rj_namesrv_t *ns)
{
    int rc = rj_server_register(ns->server, RJ_REQ_REGISTER_BROKER, RJ_DISPATCH_INLINE,
                                handle_register_broker, ns);
    if (rc == 0) {
        rc = rj_server_register(ns->server, RJ_REQ_UNREGISTER_BROKER, RJ_DISPATCH_INLINE,
                                handle_unregister_broker, ns);
    }
    if (rc == 0) {
        rc = rj_server_register(ns->server, RJ_REQ_QUERY_DATA_VERSION, RJ_DISPATCH_INLINE,
                                handle_query_data_version, ns);
    }
    return rc;
}
