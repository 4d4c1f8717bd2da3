/*
 * mqnamesrv configuration: RocketMQ's NamesrvConfig and NettyServerConfig keys
 * (same names, same defaults as Apache RocketMQ 4.9.8) plus the few Ramjet
 * adds, all read from a .properties file (`-c namesrv.conf`), printed by `-p`
 * and served by GET_NAMESRV_CONFIG.
 *
 * Keys Ramjet adds (documented in conf/namesrv.conf):
 *   scanNotActiveBrokerInterval  ms between liveness scans (5.x's key; 4.9.8 hardcodes 10 s)
 *   brokerChannelExpiredTime     ms without a registration after which a broker is
 *                                dropped (4.9.8's BROKER_CHANNEL_EXPIRED_TIME, 120 s)
 *   bindAddress                  address to listen on (5.x's NettyServerConfig key)
 *   logDir, logLevel             where namesrv.log goes and how much it says
 */
#ifndef RJ_NAMESRV_NAMESRV_CONFIG_H
#define RJ_NAMESRV_NAMESRV_CONFIG_H

#include "common/config.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    /* NamesrvConfig */
    char *rocketmq_home;     /* rocketmqHome: $ROCKETMQ_HOME, optional */
    char *kv_config_path;    /* kvConfigPath */
    char *config_store_path; /* configStorePath: where UPDATE_NAMESRV_CONFIG persists */
    bool order_message_enable;
    char *config_black_list; /* ';'-separated keys UPDATE_NAMESRV_CONFIG refuses */
    int64_t scan_not_active_broker_interval_ms;
    int64_t broker_channel_expired_time_ms;
    char *log_dir;
    int log_level; /* index into DEBUG, INFO, WARN, ERROR, OFF == rj_log_level_t */
    /* NettyServerConfig */
    char *bind_address;
    int32_t listen_port;
    int32_t server_worker_threads;
    int32_t server_selector_threads;
    int32_t server_channel_max_idle_time_seconds;
} rj_namesrv_config_t;

/* The option table (NULL-terminated by RJ_CONFIG_END). */
extern const rj_config_option_t rj_namesrv_config_options[];

/* Defaults; rocketmqHome from $ROCKETMQ_HOME when set. Returns 0 or RJ_ENOMEM. */
int rj_namesrv_config_init(rj_namesrv_config_t *config);
void rj_namesrv_config_cleanup(rj_namesrv_config_t *config);

/*
 * True when UPDATE_NAMESRV_CONFIG may not change `key`: the four keys Java
 * always refuses (configBlackList, configStorePath, kvConfigPath, rocketmqHome)
 * and those listed in configBlackList.
 */
bool rj_namesrv_config_is_blacklisted(const rj_namesrv_config_t *config, const char *key);

#endif
