/*
 * Cluster and broker sub-commands: clusterList, brokerStatus,
 * updateBrokerConfig and getBrokerConfig. Runtime figures come from each
 * broker's GET_BROKER_RUNTIME_INFO KVTable; configuration travels as Java
 * properties text both ways.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/properties.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GET_BROKER_RUNTIME_INFO: the KVTable's "table" object (new reference). */
static int
runtime_stats(rj_mqadmin_ctx_t *ctx, const char *addr, json_t **out)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, RJ_REQ_GET_BROKER_RUNTIME_INFO);
    int rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
    json_t *body = rc == 0 ? rj_mqadmin_ctx_json_body(ctx, resp, "broker runtime info") : NULL;
    rj_command_destroy(resp);
    if (rc != 0) {
        return rc;
    }
    json_t *table = json_object_get(body, "table");
    if (!json_is_object(table)) {
        json_decref(body);
        return rj_mqadmin_ctx_fail(ctx, RJ_EMALFORMED, "the runtime info of %s has no table", addr);
    }
    *out = json_incref(table);
    json_decref(body);
    return 0;
}

/* A KVTable value as text; NULL when absent (printed as Java prints a null String). */
static const char *
kv(const json_t *table, const char *key)
{
    return rj_mqadmin_json_str(table, key);
}

static int64_t
kv_long(const json_t *table, const char *key)
{
    const char *v = kv(table, key);
    return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* First number of a "12.3 4.5 6.7" TPS string. */
static double
kv_first_double(const json_t *table, const char *key)
{
    const char *v = kv(table, key);
    return v != NULL ? strtod(v, NULL) : 0.0;
}

/* ---- clusterList -------------------------------------------------------------------------- */

typedef void (*broker_row_cb)(rj_mqadmin_ctx_t *ctx, const char *cluster, const char *broker,
                              const rj_mqadmin_broker_addr_t *addr);

/* Walks clusters (sorted), their brokers (sorted) and each broker's addresses (by id). */
static void
for_each_broker_addr(rj_mqadmin_ctx_t *ctx, const json_t *ci, const char *only_cluster,
                     broker_row_cb cb)
{
    rj_mqadmin_strv_t clusters = {0};
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(ci, "clusterAddrTable"), name, v)
    {
        if (only_cluster == NULL || strcmp(only_cluster, name) == 0) {
            rj_mqadmin_strv_add(&clusters, name);
        }
    }
    rj_mqadmin_strv_sort(&clusters);
    json_t *brokers = json_object_get(ci, "brokerAddrTable");
    for (size_t c = 0; c < clusters.count; c++) {
        rj_mqadmin_strv_t names = {0};
        rj_mqadmin_route_cluster_broker_names(ci, clusters.items[c], &names);
        for (size_t b = 0; b < names.count; b++) {
            rj_mqadmin_broker_addr_t addrs[16];
            size_t n =
                rj_mqadmin_route_broker_addrs(json_object_get(brokers, names.items[b]), addrs, 16);
            for (size_t i = 0; i < n; i++) {
                cb(ctx, clusters.items[c], names.items[b], &addrs[i]);
            }
        }
        rj_mqadmin_strv_cleanup(&names);
    }
    rj_mqadmin_strv_cleanup(&clusters);
}

static json_t *
stats_or_warn(rj_mqadmin_ctx_t *ctx, const char *addr)
{
    json_t *table = NULL;
    if (runtime_stats(ctx, addr, &table) != 0) {
        fprintf(stderr, "fetch the runtime info of %s failed: %s\n", addr, ctx->err);
        ctx->err[0] = '\0';
    }
    return table;
}

static void
print_base_row(rj_mqadmin_ctx_t *ctx, const char *cluster, const char *broker,
               const rj_mqadmin_broker_addr_t *addr)
{
    json_t *t = stats_or_warn(ctx, addr->addr);
    double in = kv_first_double(t, "putTps"), out = kv_first_double(t, "getTransferedTps");
    const char *earliest = kv(t, "earliestMessageTimeStamp");
    const char *ratio = kv(t, "commitLogDiskRatio");
    double hours = 0, space = 0;
    if (earliest != NULL && earliest[0] != '\0') {
        hours = (double)(rj_clock_wall_ms() - strtoll(earliest, NULL, 10)) / 1000.0 / 60.0 / 60.0;
    }
    if (ratio != NULL && ratio[0] != '\0') {
        space = strtod(ratio, NULL);
    }
#define OR_NA(x) (t == NULL ? "" : (x) != NULL ? (x) : "N/A")
    char id[24], in_text[96], out_text[96], hour_text[32], space_text[32];
    snprintf(id, sizeof(id), "%lld", (long long)addr->id);
    snprintf(in_text, sizeof(in_text), "%9.2f(%s,%sms)", in,
             OR_NA(kv(t, "sendThreadPoolQueueSize")),
             OR_NA(kv(t, "sendThreadPoolQueueHeadWaitTimeMills")));
    snprintf(out_text, sizeof(out_text), "%9.2f(%s,%sms)", out,
             OR_NA(kv(t, "pullThreadPoolQueueSize")),
             OR_NA(kv(t, "pullThreadPoolQueueHeadWaitTimeMills")));
    snprintf(hour_text, sizeof(hour_text), "%2.2f", hours);
    snprintf(space_text, sizeof(space_text), "%.4f", space);
    printf("%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s\n", cluster, broker, id,
           addr->addr, OR_NA(kv(t, "brokerVersionDesc")), in_text, out_text,
           OR_NA(kv(t, "pageCacheLockTimeMills")), hour_text, space_text);
#undef OR_NA
    json_decref(t);
}

static void
print_more_row(rj_mqadmin_ctx_t *ctx, const char *cluster, const char *broker,
               const rj_mqadmin_broker_addr_t *addr)
{
    json_t *t = stats_or_warn(ctx, addr->addr);
    int64_t put_yest = kv_long(t, "msgPutTotalYesterdayMorning");
    int64_t put_today = kv_long(t, "msgPutTotalTodayMorning");
    int64_t put_now = kv_long(t, "msgPutTotalTodayNow");
    int64_t get_yest = kv_long(t, "msgGetTotalYesterdayMorning");
    int64_t get_today = kv_long(t, "msgGetTotalTodayMorning");
    int64_t get_now = kv_long(t, "msgGetTotalTodayNow");
    printf("%-16s  %-32s %14lld %14lld %14lld %14lld\n", cluster, broker,
           (long long)(put_today - put_yest), (long long)(get_today - get_yest),
           (long long)(put_now - put_today), (long long)(get_now - get_today));
    json_decref(t);
}

static int
run_cluster_list(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    int64_t interval_s = 0;
    int rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'i', 0, &interval_s);
    if (rc != 0) {
        return rc;
    }
    if (interval_s < 0 || interval_s > INT64_MAX / 1000) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "bad value for -i: %lld", (long long)interval_s);
    }
    bool more = rj_mqadmin_cli_has(args, 'm');
    const char *only = rj_mqadmin_cli_get(args, 'c');
    for (int round = 0;; round++) {
        if (round > 0) {
            rj_clock_sleep_ms(interval_s * 1000);
        }
        json_t *ci = NULL;
        rc = rj_mqadmin_route_cluster_info(ctx, &ci);
        if (rc != 0) {
            return rc;
        }
        if (only != NULL &&
            json_object_get(json_object_get(ci, "clusterAddrTable"), only) == NULL) {
            json_decref(ci);
            return rj_mqadmin_ctx_fail(ctx, RJ_ENOTFOUND, "no cluster named %s", only);
        }
        if (more) {
            printf("%-16s  %-32s %14s %14s %14s %14s\n", "#Cluster Name", "#Broker Name",
                   "#InTotalYest", "#OutTotalYest", "#InTotalToday", "#OutTotalToday");
        } else {
            printf("%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s\n", "#Cluster Name",
                   "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS(LOAD)", "#OutTPS(LOAD)",
                   "#PCWait(ms)", "#Hour", "#SPACE");
        }
        for_each_broker_addr(ctx, ci, only, more ? print_more_row : print_base_row);
        json_decref(ci);
        fflush(stdout);
        if (!rj_mqadmin_cli_has(args, 'i')) {
            return 0;
        }
    }
}

static const rj_mqadmin_option_t cluster_list_options[] = {
    {'m', "moreStats", false, false, 0, "Print more stats"},
    {'i', "interval", true, false, 0, "specify intervals numbers, it is in seconds"},
    {'c', "clusterName", true, false, 0, "which cluster"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_cluster_list = {"clusterList", "List all of clusters",
                                                          cluster_list_options, run_cluster_list};

/* ---- brokerStatus -------------------------------------------------------------------------- */

static int
compare_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
print_runtime(rj_mqadmin_ctx_t *ctx, const char *addr, bool with_addr)
{
    json_t *t = NULL;
    int rc = runtime_stats(ctx, addr, &t);
    if (rc != 0) {
        return rc;
    }
    size_t n = json_object_size(t), i = 0;
    const char **keys = rj_calloc(n ? n : 1, sizeof(*keys));
    if (keys == NULL) {
        json_decref(t);
        return rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
    }
    const char *key;
    json_t *v;
    json_object_foreach(t, key, v)
    {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof(*keys), compare_cstr);
    for (i = 0; i < n; i++) {
        const char *value = rj_mqadmin_json_str(t, keys[i]);
        if (with_addr) {
            printf("%-24s %-32s: %s\n", addr, keys[i], value != NULL ? value : "null");
        } else {
            printf("%-32s: %s\n", keys[i], value != NULL ? value : "null");
        }
    }
    rj_free(keys);
    json_decref(t);
    return 0;
}

static int
run_broker_status(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    if (rj_mqadmin_cli_has(args, 'b')) {
        return print_runtime(ctx, rj_mqadmin_cli_get(args, 'b'), false);
    }
    if (!rj_mqadmin_cli_has(args, 'c')) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE,
                                   "one of -b brokerAddr or -c clusterName is needed");
    }
    json_t *ci = NULL;
    rj_mqadmin_strv_t addrs = {0};
    int rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    if (rc == 0) {
        rc = rj_mqadmin_route_cluster_addrs(ctx, ci, rj_mqadmin_cli_get(args, 'c'), false, &addrs);
    }
    int failed = 0;
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        int one = print_runtime(ctx, addrs.items[i], true);
        if (one != 0) {
            fprintf(stderr, "%s: %s\n", addrs.items[i], ctx->err);
            failed = one;
        }
    }
    if (rc == 0 && failed != 0) {
        rc = rj_mqadmin_ctx_fail(ctx, failed, "some brokers did not answer");
    }
    rj_mqadmin_strv_cleanup(&addrs);
    json_decref(ci);
    return rc;
}

static const rj_mqadmin_option_t broker_status_options[] = {
    {'b', "brokerAddr", true, false, 0, "Broker address"},
    {'c', "clusterName", true, false, 0, "which cluster"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_broker_status = {
    "brokerStatus", "Fetch broker runtime status data", broker_status_options, run_broker_status};

/* ---- updateBrokerConfig ---------------------------------------------------------------------- */

static int
run_update_broker_config(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *key = rj_mqadmin_cli_get(args, 'k');
    const char *value = rj_mqadmin_cli_get(args, 'v');
    if (key[0] == '\0') {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "the config key (-k) is empty");
    }
    if (strpbrk(key, "=:\n\r") != NULL || strpbrk(value, "\n\r") != NULL) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL,
                                   "the key or value holds a character that cannot "
                                   "travel in a properties line");
    }
    if (!rj_mqadmin_cli_has(args, 'b') && !rj_mqadmin_cli_has(args, 'c')) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE,
                                   "one of -b brokerAddr or -c clusterName is needed");
    }
    rj_buf_t body = RJ_BUF_INIT;
    if (rj_buf_appendf(&body, "%s=%s\n", key, value) != 0) {
        return rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
    }
    rj_mqadmin_strv_t addrs = {0};
    json_t *ci = NULL;
    bool by_cluster = !rj_mqadmin_cli_has(args, 'b');
    int rc;
    if (by_cluster) {
        rc = rj_mqadmin_route_cluster_info(ctx, &ci);
        if (rc == 0) {
            rc = rj_mqadmin_route_cluster_addrs(ctx, ci, rj_mqadmin_cli_get(args, 'c'), true,
                                                &addrs);
        }
    } else {
        rc = rj_mqadmin_strv_add(&addrs, rj_mqadmin_cli_get(args, 'b'));
    }
    int failed = 0;
    for (size_t i = 0; rc == 0 && i < addrs.count; i++) {
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_UPDATE_BROKER_CONFIG);
        req.body = rj_buf_view(&body);
        int one = rj_mqadmin_ctx_invoke_ok(ctx, addrs.items[i], &req, NULL);
        if (one == 0) {
            printf("update broker config success, %s\n", addrs.items[i]);
        } else if (by_cluster) {
            fprintf(stderr, "update broker config of %s failed: %s\n", addrs.items[i], ctx->err);
            failed = one;
        } else {
            rc = one;
        }
    }
    if (rc == 0 && failed != 0) {
        rc = rj_mqadmin_ctx_fail(ctx, failed, "the config could not be updated on every master");
    }
    rj_mqadmin_strv_cleanup(&addrs);
    json_decref(ci);
    rj_buf_cleanup(&body);
    return rc;
}

static const rj_mqadmin_option_t update_broker_config_options[] = {
    {'b', "brokerAddr", true, false, 0, "update which broker"},
    {'c', "clusterName", true, false, 0, "update which cluster"},
    {'k', "key", true, true, 0, "config key"},
    {'v', "value", true, true, 0, "config value"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_update_broker_config = {
    "updateBrokerConfig", "Update broker's config", update_broker_config_options,
    run_update_broker_config};

/* ---- getBrokerConfig ------------------------------------------------------------------------ */

static int
print_property(const char *key, const char *value, int line, void *arg)
{
    (void)line;
    (void)arg;
    printf("%-50s=  %s\n", key, value);
    return 0;
}

/* GET_BROKER_CONFIG of `addr` printed as "key  =  value" lines after `banner`. */
int
rj_mqadmin_broker_print_config(rj_mqadmin_ctx_t *ctx, int32_t code, const char *addr,
                               const char *banner)
{
    rj_command_t req, *resp = NULL;
    rj_command_init_request(&req, code);
    int rc = rj_mqadmin_ctx_invoke_ok(ctx, addr, &req, &resp);
    if (rc != 0) {
        return rc;
    }
    fputs(banner, stdout);
    if (resp->body.len == 0) {
        printf("Broker[%s] has no config property!\n", addr);
    } else if (rj_properties_parse((const char *)resp->body.data, resp->body.len, print_property,
                                   NULL) != 0) {
        rc = rj_mqadmin_ctx_fail(ctx, RJ_ENOMEM, "out of memory");
    }
    rj_command_destroy(resp);
    return rc;
}

static int
run_get_broker_config(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    char banner[600];
    if (rj_mqadmin_cli_has(args, 'b')) {
        const char *addr = rj_mqadmin_cli_get(args, 'b');
        snprintf(banner, sizeof(banner), "============%s============\n", addr);
        int rc = rj_mqadmin_broker_print_config(ctx, RJ_REQ_GET_BROKER_CONFIG, addr, banner);
        if (rc == 0) {
            printf("\n");
        }
        return rc;
    }
    if (!rj_mqadmin_cli_has(args, 'c')) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE,
                                   "one of -b brokerAddr or -c clusterName is needed");
    }
    const char *cluster = rj_mqadmin_cli_get(args, 'c');
    json_t *ci = NULL;
    rj_mqadmin_strv_t names = {0};
    int rc = rj_mqadmin_route_cluster_info(ctx, &ci);
    if (rc == 0) {
        rc = rj_mqadmin_route_cluster_broker_names(ci, cluster, &names);
    }
    if (rc == 0 && names.count == 0) {
        rc = rj_mqadmin_ctx_fail(
            ctx, RJ_ENOTFOUND,
            "[error] Make sure the specified clusterName exists or the name server "
            "connected to is correct. (cluster \"%s\")",
            cluster);
    }
    json_t *brokers = json_object_get(ci, "brokerAddrTable");
    for (size_t b = 0; rc == 0 && b < names.count; b++) {
        rj_mqadmin_broker_addr_t addrs[16];
        size_t n =
            rj_mqadmin_route_broker_addrs(json_object_get(brokers, names.items[b]), addrs, 16);
        const char *master = n > 0 && addrs[0].id == 0 ? addrs[0].addr : NULL;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (addrs[i].id == 0) {
                snprintf(banner, sizeof(banner), "============Master: %s============\n",
                         addrs[i].addr);
            } else {
                snprintf(banner, sizeof(banner),
                         "============My Master: %s=====Slave: %s============\n",
                         master != NULL ? master : "null", addrs[i].addr);
            }
            rc = rj_mqadmin_broker_print_config(ctx, RJ_REQ_GET_BROKER_CONFIG, addrs[i].addr,
                                                banner);
            if (rc == 0) {
                printf("\n");
            }
        }
    }
    rj_mqadmin_strv_cleanup(&names);
    json_decref(ci);
    return rc;
}

static const rj_mqadmin_option_t get_broker_config_options[] = {
    {'b', "brokerAddr", true, false, 0, "get which broker"},
    {'c', "clusterName", true, false, 0, "get which cluster"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_get_broker_config = {
    "getBrokerConfig", "Get broker config by cluster or special broker!", get_broker_config_options,
    run_get_broker_config};
