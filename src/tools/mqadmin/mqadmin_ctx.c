/*
 * mqadmin's shared state and synchronous remote calls (see mqadmin_ctx.h). The
 * RPC client is created on the first call, so help and argument errors never
 * start threads.
 */
#include "tools/mqadmin/mqadmin_ctx.h"

#include "common/alloc.h"
#include "common/bytes.h"
#include "common/json.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
rj_mqadmin_ctx_init(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_command_t *cmd, const char *namesrv)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->cmd = cmd;
    ctx->timeout_ms = RJ_MQADMIN_TIMEOUT_MS;
    ctx->last_code = -1;
    if (namesrv == NULL || namesrv[0] == '\0') {
        namesrv = getenv("NAMESRV_ADDR");
    }
    if (namesrv != NULL && namesrv[0] != '\0') {
        ctx->namesrv = rj_strdup(namesrv);
        if (ctx->namesrv == NULL) {
            return RJ_ENOMEM;
        }
    }
    return 0;
}

void
rj_mqadmin_ctx_cleanup(rj_mqadmin_ctx_t *ctx)
{
    rj_rpc_client_destroy(ctx->rpc);
    ctx->rpc = NULL;
    rj_free(ctx->namesrv);
    ctx->namesrv = NULL;
}

int
rj_mqadmin_ctx_fail(rj_mqadmin_ctx_t *ctx, int rc, const char *fmt, ...)
{
    /* Formatted aside first: callers may pass the previous reason as an argument. */
    char text[sizeof(ctx->err)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    memcpy(ctx->err, text, sizeof(text));
    return rc;
}

static int
arg_i64(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, char opt, int64_t min, int64_t max,
        int64_t *out)
{
    const char *v = rj_mqadmin_cli_get(args, opt);
    int64_t n;
    if (rj_bytes_parse_i64(rj_bytes_from_cstr(v), &n) != 0 || n < min || n > max) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "bad value for -%c: \"%s\" is not a %s", opt, v,
                                   max == INT32_MAX ? "32-bit integer" : "64-bit integer");
    }
    *out = n;
    return 0;
}

int
rj_mqadmin_ctx_arg_i32(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, char opt, int32_t def,
                       int32_t *out)
{
    if (!rj_mqadmin_cli_has(args, opt)) {
        *out = def;
        return 0;
    }
    int64_t n = 0;
    int rc = arg_i64(ctx, args, opt, INT32_MIN, INT32_MAX, &n);
    if (rc == 0) {
        *out = (int32_t)n;
    }
    return rc;
}

int
rj_mqadmin_ctx_arg_i64(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, char opt, int64_t def,
                       int64_t *out)
{
    if (!rj_mqadmin_cli_has(args, opt)) {
        *out = def;
        return 0;
    }
    return arg_i64(ctx, args, opt, INT64_MIN, INT64_MAX, out);
}

/* ---- remote calls --------------------------------------------------------------- */

static int
ensure_rpc(rj_mqadmin_ctx_t *ctx)
{
    if (ctx->rpc != NULL) {
        return 0;
    }
    rj_rpc_client_options_t opts;
    rj_rpc_client_options_init(&opts);
    opts.name = "mqadmin";
    rj_rpc_client_t *rpc = NULL;
    int rc = rj_rpc_client_create(&opts, &rpc);
    if (rc == 0) {
        rc = rj_rpc_client_start(rpc);
    }
    if (rc != 0) {
        rj_rpc_client_destroy(rpc);
        return rj_mqadmin_ctx_fail(ctx, rc, "cannot start the remoting client: %s",
                                   rj_strerror(rc));
    }
    ctx->rpc = rpc;
    return 0;
}

int
rj_mqadmin_ctx_invoke(rj_mqadmin_ctx_t *ctx, const char *addr, rj_command_t *req,
                      rj_command_t **resp)
{
    *resp = NULL;
    if (addr == NULL || addr[0] == '\0') {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "no address to send %s to",
                                   rj_request_code_name(req->code));
    }
    int rc = ensure_rpc(ctx);
    if (rc != 0) {
        return rc;
    }
    rc = rj_rpc_client_invoke_sync(ctx->rpc, addr, req, ctx->timeout_ms, resp);
    if (rc == 0) {
        if (*resp == NULL) {
            return rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "%s: empty answer", addr);
        }
        ctx->last_code = (*resp)->code;
        return 0;
    }
    switch (rc) {
    case -ECONNREFUSED:
        return rj_mqadmin_ctx_fail(ctx, rc, "connect to %s failed: connection refused", addr);
    case RJ_ETIMEDOUT:
        return rj_mqadmin_ctx_fail(ctx, rc, "no answer from %s within %lld ms", addr,
                                   (long long)ctx->timeout_ms);
    case RJ_EINVAL:
        return rj_mqadmin_ctx_fail(ctx, rc, "bad address \"%s\" (expected host:port)", addr);
    case RJ_ENOTFOUND:
        return rj_mqadmin_ctx_fail(ctx, rc, "cannot resolve the host of \"%s\"", addr);
    case RJ_ECLOSED:
        return rj_mqadmin_ctx_fail(ctx, rc, "%s closed the connection", addr);
    default:
        return rj_mqadmin_ctx_fail(ctx, rc, "request to %s failed: %s", addr, rj_strerror(rc));
    }
}

int
rj_mqadmin_ctx_answer_ok(rj_mqadmin_ctx_t *ctx, const char *addr, const rj_command_t *req,
                         rj_command_t *r, rj_command_t **resp)
{
    if (r->code != RJ_RESP_SUCCESS) {
        const char *name = rj_response_code_name(r->code);
        rj_mqadmin_ctx_fail(ctx, RJ_EREMOTE, "CODE: %d (%s)  DESC: %.*s  [%s from %s]", r->code,
                            name != NULL ? name : "?", r->has_remark ? (int)r->remark.len : 4,
                            r->has_remark ? (const char *)r->remark.data : "null",
                            rj_request_code_name(req->code), addr);
        rj_command_destroy(r);
        return RJ_EREMOTE;
    }
    if (resp != NULL) {
        *resp = r;
    } else {
        rj_command_destroy(r);
    }
    return 0;
}

int
rj_mqadmin_ctx_invoke_ok(rj_mqadmin_ctx_t *ctx, const char *addr, rj_command_t *req,
                         rj_command_t **resp)
{
    rj_command_t *r = NULL;
    if (resp != NULL) {
        *resp = NULL;
    }
    int rc = rj_mqadmin_ctx_invoke(ctx, addr, req, &r);
    return rc != 0 ? rc : rj_mqadmin_ctx_answer_ok(ctx, addr, req, r, resp);
}

int
rj_mqadmin_ctx_namesrv_addrs(rj_mqadmin_ctx_t *ctx, rj_mqadmin_strv_t *out)
{
    if (ctx->namesrv == NULL) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL,
                                   "no name server address: use -n 'host:port[;host:port]' or set "
                                   "NAMESRV_ADDR");
    }
    const char *p = ctx->namesrv;
    while (*p != '\0') {
        const char *end = strchr(p, ';');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        rj_bytes_t one = rj_bytes_trim(rj_bytes(p, len));
        if (one.len > 0) {
            char *s = rj_bytes_dup(one);
            int rc = s != NULL ? rj_mqadmin_strv_add_unique(out, s) : RJ_ENOMEM;
            rj_free(s);
            if (rc != 0) {
                return rj_mqadmin_ctx_fail(ctx, rc, "out of memory");
            }
        }
        p += len;
        if (*p == ';') {
            p++;
        }
    }
    if (out->count == 0) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "no name server address in \"%s\"",
                                   ctx->namesrv);
    }
    return 0;
}

int
rj_mqadmin_ctx_namesrv_invoke_ok(rj_mqadmin_ctx_t *ctx, rj_command_t *req, rj_command_t **resp)
{
    rj_mqadmin_strv_t addrs = {0};
    if (resp != NULL) {
        *resp = NULL;
    }
    int rc = rj_mqadmin_ctx_namesrv_addrs(ctx, &addrs);
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        rj_command_t *r = NULL;
        rc = rj_mqadmin_ctx_invoke(ctx, addrs.items[i], req, &r);
        if (rc != 0) {
            if (i + 1 < addrs.count) {
                rc = 0; /* unreachable: the next name server may answer */
            }
            continue;
        }
        rc = rj_mqadmin_ctx_answer_ok(ctx, addrs.items[i], req, r, resp);
        break;
    }
    rj_mqadmin_strv_cleanup(&addrs);
    return rc;
}

json_t *
rj_mqadmin_ctx_json_body(rj_mqadmin_ctx_t *ctx, const rj_command_t *resp, const char *what)
{
    if (resp->body.len == 0) {
        rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "the %s answer has no body", what);
        return NULL;
    }
    char err[200] = "";
    json_t *v = rj_json_parse(resp->body.data, resp->body.len, err, sizeof(err));
    if (v == NULL || !json_is_object(v)) {
        json_decref(v);
        rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "the %s answer is not a JSON object%s%s", what,
                            err[0] ? ": " : "", err);
        return NULL;
    }
    return v;
}

bool
rj_mqadmin_ctx_ext_cstr(const rj_command_t *cmd, const char *key, char *buf, size_t size)
{
    rj_bytes_t v;
    if (!rj_command_ext_get(cmd, key, &v)) {
        return false;
    }
    return rj_bytes_copy_cstr(v, buf, size);
}
