/* mqnamesrv's option table (see namesrv_config.h). */
#include "namesrv/namesrv_config.h"

#include "common/alloc.h"
#include "ramjet/status.h"

#include <stdlib.h>
#include <string.h>

static const char *const log_levels[] = {"DEBUG", "INFO", "WARN", "ERROR", "OFF", NULL};

#define C rj_namesrv_config_t
const rj_config_option_t rj_namesrv_config_options[] = {
    /* NamesrvConfig, in Java's field order. */
    RJ_CONFIG_STRING("rocketmqHome", C, rocketmq_home, NULL, RJ_CONFIG_READONLY),
    RJ_CONFIG_STRING("kvConfigPath", C, kv_config_path, "~/namesrv/kvConfig.json",
                     RJ_CONFIG_READONLY),
    RJ_CONFIG_STRING("configStorePath", C, config_store_path, "~/namesrv/namesrv.properties",
                     RJ_CONFIG_READONLY),
    RJ_CONFIG_BOOL("orderMessageEnable", C, order_message_enable, "false", RJ_CONFIG_LIVE),
    RJ_CONFIG_STRING("configBlackList", C, config_black_list,
                     "configBlackList;configStorePath;kvConfigPath", RJ_CONFIG_READONLY),
    RJ_CONFIG_LONG("scanNotActiveBrokerInterval", C, scan_not_active_broker_interval_ms, "10000",
                   10, 3600000, RJ_CONFIG_LIVE),
    RJ_CONFIG_LONG("brokerChannelExpiredTime", C, broker_channel_expired_time_ms, "120000", 100,
                   INT64_C(86400000), RJ_CONFIG_LIVE),
    RJ_CONFIG_STRING("logDir", C, log_dir, "~/logs/rocketmqlogs", 0),
    RJ_CONFIG_ENUM("logLevel", C, log_level, "INFO", log_levels, RJ_CONFIG_LIVE),
    /* NettyServerConfig */
    RJ_CONFIG_STRING("bindAddress", C, bind_address, "0.0.0.0", 0),
    RJ_CONFIG_INT("listenPort", C, listen_port, "9876", 0, 65535, 0),
    RJ_CONFIG_INT("serverWorkerThreads", C, server_worker_threads, "8", 1, 128, 0),
    RJ_CONFIG_INT("serverSelectorThreads", C, server_selector_threads, "3", 1, 64, 0),
    RJ_CONFIG_INT("serverChannelMaxIdleTimeSeconds", C, server_channel_max_idle_time_seconds, "120",
                  0, 86400, 0),
    RJ_CONFIG_END,
};
#undef C

int
rj_namesrv_config_init(rj_namesrv_config_t *config)
{
    memset(config, 0, sizeof(*config));
    int rc = rj_config_init(rj_namesrv_config_options, config);
    const char *home = getenv("ROCKETMQ_HOME");
    if (rc == 0 && home != NULL && home[0] != '\0') {
        config->rocketmq_home = rj_strdup(home);
        if (config->rocketmq_home == NULL) {
            rc = RJ_ENOMEM;
        }
    }
    if (rc != 0) {
        rj_config_cleanup(rj_namesrv_config_options, config);
    }
    return rc;
}

void
rj_namesrv_config_cleanup(rj_namesrv_config_t *config)
{
    rj_config_cleanup(rj_namesrv_config_options, config);
}

bool
rj_namesrv_config_is_blacklisted(const rj_namesrv_config_t *config, const char *key)
{
    static const char *const always[] = {"configBlackList", "configStorePath", "kvConfigPath",
                                         "rocketmqHome"};
    for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
        if (strcmp(key, always[i]) == 0) {
            return true;
        }
    }
    const char *list = config->config_black_list != NULL ? config->config_black_list : "";
    size_t klen = strlen(key);
    while (*list != '\0') {
        const char *end = strchr(list, ';');
        size_t n = end != NULL ? (size_t)(end - list) : strlen(list);
        /* Java splits on ';' and compares whole entries; spaces are part of the entry. */
        if (n == klen && n > 0 && memcmp(list, key, n) == 0) {
            return true;
        }
        if (end == NULL) {
            break;
        }
        list = end + 1;
    }
    return false;
}
