/*
 * What every mqadmin sub-command shares: the name-server list, one RPC client
 * (created on first use), the timeout, and the reason of a failure. Remote
 * calls are synchronous; a failed call records a readable reason
 * (connection refused, timeout, or the peer's response code and remark) that
 * main prints before exiting non-zero.
 *
 * Threads: mqadmin runs commands on its main thread only.
 */
#ifndef RJ_TOOLS_MQADMIN_MQADMIN_CTX_H
#define RJ_TOOLS_MQADMIN_MQADMIN_CTX_H

#include "remoting/command.h"
#include "remoting/rpc_client.h"
#include "tools/mqadmin/mqadmin_cli.h"
#include "tools/mqadmin/mqadmin_strv.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Positive status a run function returns for a usage error it finds itself
 * (e.g. neither -b nor -c): main prints the reason and the command's help.
 */
#define RJ_MQADMIN_USAGE 1

/* DefaultMQAdminExt's timeoutMillis. */
#define RJ_MQADMIN_TIMEOUT_MS 5000

struct rj_mqadmin_ctx {
    const rj_mqadmin_command_t *cmd;
    rj_rpc_client_t *rpc; /* NULL until the first remote call */
    char *namesrv;        /* "-n" or $NAMESRV_ADDR; NULL when neither is set */
    int64_t timeout_ms;
    int32_t last_code; /* response code of the last answered call; -1 when none */
    char err[2048];    /* why the command failed */
};

/* Prepares `ctx` for `cmd`; `namesrv` may be NULL (then $NAMESRV_ADDR is used). */
int rj_mqadmin_ctx_init(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_command_t *cmd,
                        const char *namesrv);
void rj_mqadmin_ctx_cleanup(rj_mqadmin_ctx_t *ctx);

/* Records the reason of a failure (replacing an earlier one) and returns `rc`. */
int rj_mqadmin_ctx_fail(rj_mqadmin_ctx_t *ctx, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Integer values of an option, parsed like Java's Integer/Long.parseLong.
 * Absent: *out = def and 0. Not a number: RJ_EINVAL with the reason in ctx.
 */
int rj_mqadmin_ctx_arg_i32(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, char opt,
                           int32_t def, int32_t *out);
int rj_mqadmin_ctx_arg_i64(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, char opt,
                           int64_t def, int64_t *out);

/* ---- remote calls --------------------------------------------------------------- */

/*
 * Sends `req` to `addr` and waits for the answer (any code). On 0 *resp is
 * owned (rj_command_destroy). Transport failures return their status with the
 * reason recorded.
 */
int rj_mqadmin_ctx_invoke(rj_mqadmin_ctx_t *ctx, const char *addr, rj_command_t *req,
                          rj_command_t **resp);

/*
 * Like rj_mqadmin_ctx_invoke() but also requires code SUCCESS: any other code gives
 * RJ_EREMOTE with "CODE: n (NAME)  DESC: remark" recorded (ctx->last_code
 * holds the code). `resp` may be NULL when the answer is not needed.
 */
int rj_mqadmin_ctx_invoke_ok(rj_mqadmin_ctx_t *ctx, const char *addr, rj_command_t *req,
                             rj_command_t **resp);

/*
 * Judges an answer already received for `req` from `addr`, taking ownership
 * of `r`: SUCCESS is kept in *resp (freed when resp is NULL); any other code
 * is freed and gives RJ_EREMOTE with the reason recorded.
 */
int rj_mqadmin_ctx_answer_ok(rj_mqadmin_ctx_t *ctx, const char *addr, const rj_command_t *req,
                             rj_command_t *r, rj_command_t **resp);

/* Name-server addresses of -n / $NAMESRV_ADDR, split on ';'. Fails when none is set. */
int rj_mqadmin_ctx_namesrv_addrs(rj_mqadmin_ctx_t *ctx, rj_mqadmin_strv_t *out);

/*
 * rj_mqadmin_ctx_invoke_ok() against the name servers: the first one that can be
 * reached answers (as the Java client picks one connected name server).
 */
int rj_mqadmin_ctx_namesrv_invoke_ok(rj_mqadmin_ctx_t *ctx, rj_command_t *req, rj_command_t **resp);

/* The JSON body of an answer (standard or fastjson dialect), or NULL with the reason recorded. */
json_t *rj_mqadmin_ctx_json_body(rj_mqadmin_ctx_t *ctx, const rj_command_t *resp, const char *what);

/* Copy of ext field `key` of `cmd` as a NUL-terminated string in buf; false when absent. */
bool rj_mqadmin_ctx_ext_cstr(const rj_command_t *cmd, const char *key, char *buf, size_t size);

#endif
