/*
 * KV configuration codes (requests.md §A6): PUT_KV_CONFIG (100),
 * GET_KV_CONFIG (101), DELETE_KV_CONFIG (102), GET_KVLIST_BY_NAMESPACE (219).
 * Writes rewrite kvConfig.json (fsync), so PUT and DELETE run on WORKER
 * threads; reads are memory only and run INLINE.
 */
#include "common/alloc.h"
#include "common/log.h"
#include "namesrv/namesrv_internal.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

/* Heap copy of a required ext field, or NULL (absent). */
static char *
ext_dup(const rj_command_t *cmd, const char *key)
{
    rj_bytes_t v;
    return rj_command_ext_get(cmd, key, &v) ? rj_bytes_dup(v) : NULL;
}

static int
reply_persist_result(rj_request_t *req, const rj_command_t *cmd, int rc)
{
    if (rc == 0) {
        return rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, NULL, false);
    }
    char remark[200];
    snprintf(remark, sizeof(remark), "persisting the KV config failed: %s", rj_strerror(rc));
    return rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, NULL, false);
}

static int
handle_put(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    char *ns_name = ext_dup(cmd, "namespace");
    char *key = ext_dup(cmd, "key");
    char *value = ext_dup(cmd, "value");
    int rc;
    if (ns_name == NULL || key == NULL) {
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, "namespace or key is null", NULL,
                              false);
    } else if (value == NULL) {
        rc = rj_namesrv_reply_bad_field(req, cmd, "value", false);
    } else {
        rc = reply_persist_result(req, cmd, rj_kv_config_put(ns->kv, ns_name, key, value));
    }
    rj_free(ns_name);
    rj_free(key);
    rj_free(value);
    return rc;
}

static int
handle_delete(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    char *ns_name = ext_dup(cmd, "namespace");
    char *key = ext_dup(cmd, "key");
    int rc;
    if (ns_name == NULL || key == NULL) {
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, "namespace or key is null", NULL,
                              false);
    } else {
        rc = reply_persist_result(req, cmd, rj_kv_config_delete(ns->kv, ns_name, key));
    }
    rj_free(ns_name);
    rj_free(key);
    return rc;
}

static int
handle_get(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    char ns_name[RJ_NAMESRV_FIELD_MAX], key[RJ_NAMESRV_FIELD_MAX];
    bool too_long;
    if (rj_namesrv_ext_cstr(cmd, "namespace", ns_name, sizeof(ns_name), &too_long) == NULL) {
        return rj_namesrv_reply_bad_field(req, cmd, "namespace", too_long);
    }
    if (rj_namesrv_ext_cstr(cmd, "key", key, sizeof(key), &too_long) == NULL) {
        return rj_namesrv_reply_bad_field(req, cmd, "key", too_long);
    }
    char *value = NULL;
    int rc = rj_kv_config_get(ns->kv, ns_name, key, &value);
    if (rc == RJ_ENOTFOUND) {
        char remark[2 * RJ_NAMESRV_FIELD_MAX + 64];
        snprintf(remark, sizeof(remark), "No config item, Namespace: %s Key: %s", ns_name, key);
        return rj_namesrv_reply(req, cmd, RJ_RESP_QUERY_NOT_FOUND, remark, NULL, true);
    }
    if (rc != 0) {
        return rc;
    }
    rj_command_t resp;
    rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
    rj_command_add_ext_cstr(&resp, "value", value);
    rc = rj_request_reply(req, &resp);
    rj_free(value);
    return rc;
}

static int
handle_list_namespace(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_namesrv_t *ns = arg;
    char ns_name[RJ_NAMESRV_FIELD_MAX];
    bool too_long;
    if (rj_namesrv_ext_cstr(cmd, "namespace", ns_name, sizeof(ns_name), &too_long) == NULL) {
        return rj_namesrv_reply_bad_field(req, cmd, "namespace", too_long);
    }
    rj_buf_t body = RJ_BUF_INIT;
    int rc = rj_kv_config_namespace_json(ns->kv, ns_name, &body);
    if (rc == RJ_ENOTFOUND) {
        char remark[RJ_NAMESRV_FIELD_MAX + 64];
        snprintf(remark, sizeof(remark), "No config item, Namespace: %s", ns_name);
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_QUERY_NOT_FOUND, remark, NULL, false);
    } else if (rc == 0) {
        rc = rj_namesrv_reply(req, cmd, RJ_RESP_SUCCESS, NULL, &body, false);
    }
    rj_buf_cleanup(&body);
    return rc;
}

int
rj_processor_kv_register(rj_namesrv_t *ns)
{
    int rc =
        rj_server_register(ns->server, RJ_REQ_PUT_KV_CONFIG, RJ_DISPATCH_WORKER, handle_put, ns);
    if (rc == 0) {
        rc = rj_server_register(ns->server, RJ_REQ_DELETE_KV_CONFIG, RJ_DISPATCH_WORKER,
                                handle_delete, ns);
    }
    if (rc == 0) {
        rc = rj_server_register(ns->server, RJ_REQ_GET_KV_CONFIG, RJ_DISPATCH_INLINE, handle_get,
                                ns);
    }
    if (rc == 0) {
        rc = rj_server_register(ns->server, RJ_REQ_GET_KVLIST_BY_NAMESPACE, RJ_DISPATCH_INLINE,
                                handle_list_namespace, ns);
    }
    return rc;
}
