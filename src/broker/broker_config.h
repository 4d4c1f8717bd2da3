/*
 * mqbroker configuration: RocketMQ 4.9.8's BrokerConfig and NettyServerConfig
 * keys (same names and defaults) that the broker acts on, plus Ramjet's
 * `logDir`/`logLevel`. The store's keys (MessageStoreConfig) live in the
 * store's own table; rj_broker_config_load_text() feeds every key of a
 * broker.conf to the table that knows it and warns about the rest.
 *
 * Live keys (RJ_CONFIG_LIVE) may change through UPDATE_BROKER_CONFIG while
 * requests run: readers on other threads load them with relaxed atomics
 * (RJ_BROKER_CONFIG_LIVE_GET) so a change is seen soon and never torn.
 */
#ifndef RJ_BROKER_BROKER_CONFIG_H
#define RJ_BROKER_BROKER_CONFIG_H

#include "common/buf.h"
#include "common/config.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    /* BrokerConfig */
    char *rocketmq_home;
    char *namesrv_addr; /* "host:port;host:port" */
    char *broker_ip1;   /* default: first non-loopback IPv4 of the host */
    char *broker_ip2;   /* HA address; default brokerIP1 */
    char *broker_name;  /* default: host name */
    char *broker_cluster_name;
    int64_t broker_id;
    int32_t broker_permission;
    int32_t default_topic_queue_nums;
    bool auto_create_topic_enable;
    bool cluster_topic_enable;
    bool broker_topic_enable;
    bool auto_create_subscription_group;
    char *msg_trace_topic_name;
    bool trace_topic_enable;
    int32_t flush_consumer_offset_interval;
    bool reject_transaction_message;
    bool long_polling_enable;
    int64_t short_polling_time_mills;
    bool notify_consumer_ids_changed_enable;
    char *region_id;
    int32_t register_broker_timeout_mills;
    bool slave_read_enable;
    bool disable_consume_if_consumer_read_slowly;
    int64_t consumer_fallbehind_threshold;
    bool broker_fast_failure_enable;
    int64_t wait_time_mills_in_send_queue;
    int64_t start_accept_send_request_time_stamp;
    bool trace_on;
    bool store_reply_message_enable; /* SEND_REPLY_MESSAGE also appends to the commit log */
    bool compressed_register;
    bool force_register;
    int32_t register_name_server_period;
    int64_t transaction_time_out;
    int32_t transaction_check_max;
    int64_t transaction_check_interval;
    bool enable_property_filter;
    bool filter_support_retry;
    int64_t filter_data_clean_time_span;
    /* Java's system property rocketmq.broker.rebalance.lockMaxLiveTime, a key here. */
    int64_t rebalance_lock_max_live_time;
    /* RocketMQ's request queue bounds, reported by GET_BROKER_RUNTIME_INFO (*QueueCapacity). */
    int32_t send_thread_pool_queue_capacity;
    int32_t pull_thread_pool_queue_capacity;
    int32_t query_thread_pool_queue_capacity;
    int32_t end_transaction_pool_queue_capacity;
    /* NettyServerConfig */
    int32_t listen_port;
    int32_t server_worker_threads;
    int32_t server_selector_threads;
    int32_t server_channel_max_idle_time_seconds;
    /* Ramjet */
    char *log_dir;
    char *log_level;
} rj_broker_config_t;

extern const rj_config_option_t rj_broker_config_options[];

#define RJ_BROKER_CONFIG_LIVE_GET(cfg, field) __atomic_load_n(&(cfg)->field, __ATOMIC_RELAXED)

/* Defaults (host name, local address and NAMESRV_ADDR from the environment included). */
int rj_broker_config_init(rj_broker_config_t *cfg);
void rj_broker_config_cleanup(rj_broker_config_t *cfg);

/* A further option table fed by the same file (the store's) and its struct. */
typedef struct {
    const rj_config_option_t *options;
    void *config;
} rj_config_table_t;

/*
 * Applies one key to the broker table or one of `extra` (in that order).
 * Returns 0, RJ_ENOTFOUND (no table knows it) or RJ_EINVAL (bad value, `err`
 * names the key).
 */
int rj_broker_config_set(rj_broker_config_t *cfg, const rj_config_table_t *extra, int nextra,
                         const char *key, const char *value, char *err, size_t err_size);

/*
 * Applies .properties text. Unknown keys are warned about and skipped; the
 * first bad value fails the load (RJ_EINVAL, `err` names key and line).
 */
int rj_broker_config_load_text(rj_broker_config_t *cfg, const rj_config_table_t *extra, int nextra,
                               const char *text, size_t len, const char *origin, char *err,
                               size_t err_size);

/* Same from a file. */
int rj_broker_config_load_file(rj_broker_config_t *cfg, const rj_config_table_t *extra, int nextra,
                               const char *path, char *err, size_t err_size);

/*
 * Checks cross-key rules after loading (namesrvAddr syntax, name characters)
 * and fills computed defaults (brokerIP2 = brokerIP1). Returns 0 or RJ_EINVAL
 * with the reason in `err`.
 */
int rj_broker_config_finish(rj_broker_config_t *cfg, char *err, size_t err_size);

/* Appends "key=value\n" for the broker table and every extra table. */
int rj_broker_config_format(const rj_broker_config_t *cfg, const rj_config_table_t *extra,
                            int nextra, rj_buf_t *out);

/*
 * Splits namesrvAddr on ';' into at most `max` heap strings (rj_free each).
 * Blank entries are skipped. Returns the count.
 */
int rj_broker_config_namesrv_list(const char *namesrv_addr, char **out, int max);

#endif
