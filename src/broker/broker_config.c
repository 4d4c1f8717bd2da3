/*
 * The broker's option table and loading across several tables. Defaults are
 * RocketMQ 4.9.8's; the few computed ones (host name, local address,
 * NAMESRV_ADDR) are filled by rj_broker_config_init().
 */
#include "broker/broker_config.h"

#include "common/alloc.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/properties.h"
#include "ramjet/status.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T rj_broker_config_t
#define LIVE RJ_CONFIG_LIVE

const rj_config_option_t rj_broker_config_options[] = {
    RJ_CONFIG_STRING("rocketmqHome", T, rocketmq_home, NULL, RJ_CONFIG_READONLY),
    RJ_CONFIG_STRING("namesrvAddr", T, namesrv_addr, NULL, 0),
    RJ_CONFIG_STRING("brokerIP1", T, broker_ip1, NULL, 0),
    RJ_CONFIG_STRING("brokerIP2", T, broker_ip2, NULL, 0),
    RJ_CONFIG_STRING("brokerName", T, broker_name, NULL, 0),
    RJ_CONFIG_STRING("brokerClusterName", T, broker_cluster_name, "DefaultCluster", 0),
    RJ_CONFIG_LONG("brokerId", T, broker_id, "0", 0, INT64_MAX, 0),
    RJ_CONFIG_INT("brokerPermission", T, broker_permission, "6", 0, 15, LIVE),
    RJ_CONFIG_INT("defaultTopicQueueNums", T, default_topic_queue_nums, "8", 1, 1024, 0),
    RJ_CONFIG_BOOL("autoCreateTopicEnable", T, auto_create_topic_enable, "true", LIVE),
    RJ_CONFIG_BOOL("clusterTopicEnable", T, cluster_topic_enable, "true", 0),
    RJ_CONFIG_BOOL("brokerTopicEnable", T, broker_topic_enable, "true", 0),
    RJ_CONFIG_BOOL("autoCreateSubscriptionGroup", T, auto_create_subscription_group, "true", LIVE),
    RJ_CONFIG_STRING("msgTraceTopicName", T, msg_trace_topic_name, "RMQ_SYS_TRACE_TOPIC", 0),
    RJ_CONFIG_BOOL("traceTopicEnable", T, trace_topic_enable, "false", 0),
    RJ_CONFIG_INT("flushConsumerOffsetInterval", T, flush_consumer_offset_interval, "5000", 100,
                  INT32_MAX, 0),
    RJ_CONFIG_BOOL("rejectTransactionMessage", T, reject_transaction_message, "false", LIVE),
    RJ_CONFIG_BOOL("longPollingEnable", T, long_polling_enable, "true", LIVE),
    RJ_CONFIG_LONG("shortPollingTimeMills", T, short_polling_time_mills, "1000", 0, INT64_MAX,
                   LIVE),
    RJ_CONFIG_BOOL("notifyConsumerIdsChangedEnable", T, notify_consumer_ids_changed_enable, "true",
                   LIVE),
    RJ_CONFIG_STRING("regionId", T, region_id, "DefaultRegion", 0),
    RJ_CONFIG_INT("registerBrokerTimeoutMills", T, register_broker_timeout_mills, "6000", 100,
                  INT32_MAX, 0),
    RJ_CONFIG_BOOL("slaveReadEnable", T, slave_read_enable, "false", LIVE),
    RJ_CONFIG_BOOL("disableConsumeIfConsumerReadSlowly", T, disable_consume_if_consumer_read_slowly,
                   "false", LIVE),
    RJ_CONFIG_LONG("consumerFallbehindThreshold", T, consumer_fallbehind_threshold, "17179869184",
                   0, INT64_MAX, LIVE),
    RJ_CONFIG_BOOL("brokerFastFailureEnable", T, broker_fast_failure_enable, "true", LIVE),
    RJ_CONFIG_LONG("waitTimeMillsInSendQueue", T, wait_time_mills_in_send_queue, "200", 0,
                   INT64_MAX, LIVE),
    RJ_CONFIG_LONG("startAcceptSendRequestTimeStamp", T, start_accept_send_request_time_stamp, "0",
                   0, INT64_MAX, LIVE),
    RJ_CONFIG_BOOL("traceOn", T, trace_on, "true", LIVE),
    RJ_CONFIG_BOOL("storeReplyMessageEnable", T, store_reply_message_enable, "true", LIVE),
    RJ_CONFIG_BOOL("compressedRegister", T, compressed_register, "false", 0),
    RJ_CONFIG_BOOL("forceRegister", T, force_register, "true", LIVE),
    RJ_CONFIG_INT("registerNameServerPeriod", T, register_name_server_period, "30000", 0, INT32_MAX,
                  0),
    RJ_CONFIG_LONG("transactionTimeOut", T, transaction_time_out, "6000", 0, INT64_MAX, LIVE),
    RJ_CONFIG_INT("transactionCheckMax", T, transaction_check_max, "15", 0, INT32_MAX, LIVE),
    RJ_CONFIG_LONG("transactionCheckInterval", T, transaction_check_interval, "60000", 1, INT64_MAX,
                   0),
    RJ_CONFIG_BOOL("enablePropertyFilter", T, enable_property_filter, "false", LIVE),
    RJ_CONFIG_BOOL("filterSupportRetry", T, filter_support_retry, "false", LIVE),
    RJ_CONFIG_LONG("filterDataCleanTimeSpan", T, filter_data_clean_time_span, "86400000", 0,
                   INT64_MAX, LIVE),
    RJ_CONFIG_LONG("rocketmq.broker.rebalance.lockMaxLiveTime", T, rebalance_lock_max_live_time,
                   "60000", 0, INT64_MAX, 0),
    RJ_CONFIG_INT("sendThreadPoolQueueCapacity", T, send_thread_pool_queue_capacity, "10000", 1,
                  INT32_MAX, 0),
    RJ_CONFIG_INT("pullThreadPoolQueueCapacity", T, pull_thread_pool_queue_capacity, "100000", 1,
                  INT32_MAX, 0),
    RJ_CONFIG_INT("queryThreadPoolQueueCapacity", T, query_thread_pool_queue_capacity, "20000", 1,
                  INT32_MAX, 0),
    RJ_CONFIG_INT("endTransactionPoolQueueCapacity", T, end_transaction_pool_queue_capacity,
                  "100000", 1, INT32_MAX, 0),
    RJ_CONFIG_INT("listenPort", T, listen_port, "10911", 0, 65535, 0),
    RJ_CONFIG_INT("serverWorkerThreads", T, server_worker_threads, "8", 1, 256, 0),
    RJ_CONFIG_INT("serverSelectorThreads", T, server_selector_threads, "0", 0, 64, 0),
    RJ_CONFIG_INT("serverChannelMaxIdleTimeSeconds", T, server_channel_max_idle_time_seconds, "120",
                  0, INT32_MAX, 0),
    RJ_CONFIG_STRING("logDir", T, log_dir, "~/logs/rocketmqlogs", 0),
    RJ_CONFIG_STRING("logLevel", T, log_level, "INFO", 0),
    RJ_CONFIG_END,
};

#undef T
#undef LIVE

/*
 * RemotingUtil.getLocalAddress(): the first non-loopback IPv4 address, one
 * outside 192.168/16 preferred; 127.0.0.1 when the host has none.
 */
static void
local_address(char *out, size_t size)
{
    struct ifaddrs *ifs = NULL, *i;
    char preferred[INET_ADDRSTRLEN] = "", fallback[INET_ADDRSTRLEN] = "";
    if (getifaddrs(&ifs) == 0) {
        for (i = ifs; i != NULL; i = i->ifa_next) {
            if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
                (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP)) {
                continue;
            }
            char text[INET_ADDRSTRLEN];
            const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)i->ifa_addr;
            inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
            if (strncmp(text, "127.", 4) == 0) {
                continue;
            }
            if (strncmp(text, "192.168.", 8) != 0 && preferred[0] == '\0') {
                snprintf(preferred, sizeof(preferred), "%s", text);
            } else if (fallback[0] == '\0') {
                snprintf(fallback, sizeof(fallback), "%s", text);
            }
        }
        freeifaddrs(ifs);
    }
    snprintf(out, size, "%s", preferred[0] ? preferred : (fallback[0] ? fallback : "127.0.0.1"));
}

int
rj_broker_config_init(rj_broker_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    int rc = rj_config_init(rj_broker_config_options, cfg);
    if (rc != 0) {
        return rc;
    }
    char host[256] = "localhost";
    char ip[INET_ADDRSTRLEN];
    const char *home = getenv("ROCKETMQ_HOME");
    const char *ns = getenv("NAMESRV_ADDR");
    if (gethostname(host, sizeof(host) - 1) != 0) {
        snprintf(host, sizeof(host), "localhost");
    }
    host[sizeof(host) - 1] = '\0';
    local_address(ip, sizeof(ip));
    char err[128];
    if ((rc = rj_config_set(rj_broker_config_options, cfg, "brokerName", host, err, sizeof(err))) !=
            0 ||
        (rc = rj_config_set(rj_broker_config_options, cfg, "brokerIP1", ip, err, sizeof(err))) !=
            0 ||
        (home && (rc = rj_config_set(rj_broker_config_options, cfg, "rocketmqHome", home, err,
                                     sizeof(err))) != 0) ||
        (ns && *ns &&
         (rc = rj_config_set(rj_broker_config_options, cfg, "namesrvAddr", ns, err, sizeof(err))) !=
             0)) {
        rj_broker_config_cleanup(cfg);
        return rc;
    }
    return 0;
}

void
rj_broker_config_cleanup(rj_broker_config_t *cfg)
{
    rj_config_cleanup(rj_broker_config_options, cfg);
}

int
rj_broker_config_set(rj_broker_config_t *cfg, const rj_config_table_t *extra, int nextra,
                     const char *key, const char *value, char *err, size_t err_size)
{
    int rc = rj_config_set(rj_broker_config_options, cfg, key, value, err, err_size);
    for (int i = 0; rc == RJ_ENOTFOUND && i < nextra; i++) {
        rc = rj_config_set(extra[i].options, extra[i].config, key, value, err, err_size);
    }
    return rc;
}

typedef struct {
    rj_broker_config_t *cfg;
    const rj_config_table_t *extra;
    int nextra;
    const char *origin;
    char *err;
    size_t err_size;
} load_ctx_t;

static int
load_entry(const char *key, const char *value, int line, void *arg)
{
    load_ctx_t *c = arg;
    char why[256];
    int rc = rj_broker_config_set(c->cfg, c->extra, c->nextra, key, value, why, sizeof(why));
    if (rc == RJ_ENOTFOUND) {
        rj_log(RJ_LOG_WARN, 0, "%s:%d: unknown configuration key '%s' ignored", c->origin, line,
               key);
        return 0;
    }
    if (rc != 0) {
        snprintf(c->err, c->err_size, "%s:%d: %s", c->origin, line, why);
    }
    return rc;
}

int
rj_broker_config_load_text(rj_broker_config_t *cfg, const rj_config_table_t *extra, int nextra,
                           const char *text, size_t len, const char *origin, char *err,
                           size_t err_size)
{
    load_ctx_t c = {cfg, extra, nextra, origin, err, err_size};
    return rj_properties_parse(text, len, load_entry, &c);
}

int
rj_broker_config_load_file(rj_broker_config_t *cfg, const rj_config_table_t *extra, int nextra,
                           const char *path, char *err, size_t err_size)
{
    rj_buf_t text = RJ_BUF_INIT;
    int rc = rj_fs_read_file(path, &text);
    if (rc != 0) {
        snprintf(err, err_size, "%s: %s", path, rj_strerror(rc));
    } else {
        rc = rj_broker_config_load_text(cfg, extra, nextra, (const char *)text.data, text.len, path,
                                        err, err_size);
    }
    rj_buf_cleanup(&text);
    return rc;
}

int
rj_broker_config_namesrv_list(const char *addr, char **out, int max)
{
    int n = 0;
    const char *p = addr;
    while (p != NULL && *p != '\0' && n < max) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        rj_bytes_t item = rj_bytes_trim(rj_bytes(p, len));
        if (item.len > 0) {
            char *copy = rj_bytes_dup(item);
            if (copy == NULL) {
                break;
            }
            out[n++] = copy;
        }
        p = end ? end + 1 : NULL;
    }
    return n;
}

/* "host:port" with a port in 1..65535 (RemotingUtil.string2SocketAddress). */
static bool
valid_addr(const char *a)
{
    const char *colon = strrchr(a, ':');
    if (colon == NULL || colon == a) {
        return false;
    }
    int32_t port;
    if (rj_bytes_parse_i32(rj_bytes_from_cstr(colon + 1), &port) != 0 || port <= 0 ||
        port > 65535) {
        return false;
    }
    return true;
}

int
rj_broker_config_finish(rj_broker_config_t *cfg, char *err, size_t err_size)
{
    if (cfg->namesrv_addr != NULL) {
        char *list[32];
        int n = rj_broker_config_namesrv_list(cfg->namesrv_addr, list, 32);
        bool ok = true;
        for (int i = 0; i < n; i++) {
            ok = ok && valid_addr(list[i]);
            rj_free(list[i]);
        }
        if (!ok) {
            snprintf(err, err_size,
                     "The Name Server Address[%s] illegal, please set it as follows, "
                     "\"127.0.0.1:9876;192.168.0.1:9876\"",
                     cfg->namesrv_addr);
            return RJ_EINVAL;
        }
    }
    if (cfg->broker_name == NULL || cfg->broker_name[0] == '\0') {
        snprintf(err, err_size, "brokerName: must not be empty");
        return RJ_EINVAL;
    }
    if (cfg->broker_cluster_name == NULL || cfg->broker_cluster_name[0] == '\0') {
        snprintf(err, err_size, "brokerClusterName: must not be empty");
        return RJ_EINVAL;
    }
    if (cfg->broker_ip2 == NULL && cfg->broker_ip1 != NULL) {
        cfg->broker_ip2 = rj_strdup(cfg->broker_ip1);
        if (cfg->broker_ip2 == NULL) {
            return RJ_ENOMEM;
        }
    }
    if (rj_log_level_parse(cfg->log_level) < 0) {
        snprintf(err, err_size, "logLevel: '%s' is not one of DEBUG INFO WARN ERROR OFF",
                 cfg->log_level);
        return RJ_EINVAL;
    }
    return 0;
}

int
rj_broker_config_format(const rj_broker_config_t *cfg, const rj_config_table_t *extra, int nextra,
                        rj_buf_t *out)
{
    int rc = rj_config_format(rj_broker_config_options, cfg, out);
    for (int i = 0; rc == 0 && i < nextra; i++) {
        rc = rj_config_format(extra[i].options, extra[i].config, out);
    }
    return rc;
}
