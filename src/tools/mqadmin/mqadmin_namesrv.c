/*
 * Name-server sub-commands: updateKvConfig, deleteKvConfig, getNamesrvConfig,
 * updateNamesrvConfig, wipeWritePerm and addWritePerm. KV changes and write
 * permission changes go to every name server of -n, as RocketMQ's admin does;
 * the configuration commands talk to each listed name server in turn.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "common/buf.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <stdio.h>
#include <string.h>

/* ---- updateKvConfig / deleteKvConfig -------------------------------------------------------- */

static int
run_update_kv_config(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    int rc = rj_mqadmin_route_kv_put(ctx, rj_mqadmin_cli_get(args, 's'),
                                     rj_mqadmin_cli_get(args, 'k'), rj_mqadmin_cli_get(args, 'v'));
    if (rc == 0) {
        printf("create or update kv config to namespace success.\n");
    }
    return rc;
}

static const rj_mqadmin_option_t update_kv_options[] = {
    {'s', "namespace", true, true, 0, "set the namespace"},
    {'k', "key", true, true, 0, "set the key name"},
    {'v', "value", true, true, 0, "set the key value"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_update_kv_config = {
    "updateKvConfig", "Create or update KV config.", update_kv_options, run_update_kv_config};

static int
run_delete_kv_config(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    int rc = rj_mqadmin_route_kv_delete(ctx, rj_mqadmin_cli_get(args, 's'),
                                        rj_mqadmin_cli_get(args, 'k'));
    if (rc == 0) {
        printf("delete kv config from namespace success.\n");
    }
    return rc;
}

static const rj_mqadmin_option_t delete_kv_options[] = {
    {'s', "namespace", true, true, 0, "set the namespace"},
    {'k', "key", true, true, 0, "set the key name"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_delete_kv_config = {
    "deleteKvConfig", "Delete KV config.", delete_kv_options, run_delete_kv_config};

/* ---- getNamesrvConfig / updateNamesrvConfig -------------------------------------------------- */

static int
run_get_namesrv_config(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    (void)args;
    rj_mqadmin_strv_t addrs = {0};
    int rc = rj_mqadmin_ctx_namesrv_addrs(ctx, &addrs);
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        char banner[600];
        snprintf(banner, sizeof(banner), "============%s============\n", addrs.items[i]);
        rc = rj_mqadmin_broker_print_config(ctx, RJ_REQ_GET_NAMESRV_CONFIG, addrs.items[i], banner);
    }
    rj_mqadmin_strv_cleanup(&addrs);
    return rc;
}

static const rj_mqadmin_option_t get_namesrv_config_options[] = {
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_get_namesrv_config = {
    "getNamesrvConfig", "Get configs of name server.", get_namesrv_config_options,
    run_get_namesrv_config};

static int
run_update_namesrv_config(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *key = rj_mqadmin_cli_get(args, 'k');
    const char *value = rj_mqadmin_cli_get(args, 'v');
    if (key[0] == '\0' || strpbrk(key, "=:\n\r") != NULL || strpbrk(value, "\n\r") != NULL) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "bad config key or value for a properties line");
    }
    rj_mqadmin_strv_t addrs = {0};
    rj_buf_t body = RJ_BUF_INIT, list = RJ_BUF_INIT;
    int rc = rj_mqadmin_ctx_namesrv_addrs(ctx, &addrs);
    if (rc == 0 && rj_buf_appendf(&body, "%s=%s\n", key, value) != 0) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_UPDATE_NAMESRV_CONFIG);
        req.body = rj_buf_view(&body);
        rc = rj_mqadmin_ctx_invoke_ok(ctx, addrs.items[i], &req, NULL);
        rj_buf_appendf(&list, "%s%s", i ? ", " : "[", addrs.items[i]);
    }
    if (rc == 0 && rj_buf_append_cstr(&list, "]") == 0 && rj_buf_terminate(&list) == 0) {
        printf("update name server config success!%s\n%s : %s\n", (const char *)list.data, key,
               value);
    }
    rj_buf_cleanup(&list);
    rj_buf_cleanup(&body);
    rj_mqadmin_strv_cleanup(&addrs);
    return rc;
}

static const rj_mqadmin_option_t update_namesrv_config_options[] = {
    {'k', "key", true, true, 0, "config key"},
    {'v', "value", true, true, 0, "config value"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_update_namesrv_config = {
    "updateNamesrvConfig", "Update configs of name server.", update_namesrv_config_options,
    run_update_namesrv_config};

/* ---- wipeWritePerm / addWritePerm ------------------------------------------------------------ */

static int
change_write_perm(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, bool add)
{
    const char *broker = rj_mqadmin_cli_get(args, 'b');
    const char *verb = add ? "add" : "wipe";
    rj_mqadmin_strv_t addrs = {0};
    int rc = rj_mqadmin_ctx_namesrv_addrs(ctx, &addrs);
    int failed = 0;
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        rj_command_t req, *resp = NULL;
        rj_command_init_request(&req, add ? RJ_REQ_ADD_WRITE_PERM_OF_BROKER
                                          : RJ_REQ_WIPE_WRITE_PERM_OF_BROKER);
        rj_command_add_ext_cstr(&req, "brokerName", broker);
        int one = rj_mqadmin_ctx_invoke_ok(ctx, addrs.items[i], &req, &resp);
        int64_t count = 0;
        if (one == 0 &&
            rj_command_ext_i64(resp, add ? "addTopicCount" : "wipeTopicCount", &count) != 0) {
            one = rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "%s answered without a topic count",
                                      addrs.items[i]);
        }
        rj_command_destroy(resp);
        if (one == 0) {
            printf("%s write perm of broker[%s] in name server[%s] OK, %lld\n", verb, broker,
                   addrs.items[i], (long long)count);
        } else {
            /* As RocketMQ: report and go on with the other name servers. */
            printf("%s write perm of broker[%s] in name server[%s] Failed\n", verb, broker,
                   addrs.items[i]);
            fprintf(stderr, "%s\n", ctx->err);
            failed = one;
        }
    }
    rj_mqadmin_strv_cleanup(&addrs);
    if (rc == 0 && failed != 0) {
        rc = rj_mqadmin_ctx_fail(ctx, failed, "not every name server accepted the change");
    }
    return rc;
}

static int
run_wipe_write_perm(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    return change_write_perm(ctx, args, false);
}

static int
run_add_write_perm(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    return change_write_perm(ctx, args, true);
}

static const rj_mqadmin_option_t write_perm_options[] = {
    {'b', "brokerName", true, true, 0, "broker name"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_wipe_write_perm = {
    "wipeWritePerm", "Wipe write perm of broker in all name server you defined in the -n param",
    write_perm_options, run_wipe_write_perm};

const rj_mqadmin_command_t rj_mqadmin_cmd_add_write_perm = {
    "addWritePerm", "Add write perm of broker in all name server you defined in the -n param",
    write_perm_options, run_add_write_perm};
