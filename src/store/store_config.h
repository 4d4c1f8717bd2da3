/*
 * Message store configuration: RocketMQ 4.9.8's MessageStoreConfig keys and
 * defaults, so broker.conf files keep working. rj_store_config_options is an
 * rj_config table over rj_store_config_t; the broker binds it next to its own
 * table (rj_config_set on either) and passes the struct to rj_store_open().
 */
#ifndef RJ_STORE_STORE_CONFIG_H
#define RJ_STORE_STORE_CONFIG_H

#include "common/config.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    RJ_FLUSH_ASYNC = 0, /* ASYNC_FLUSH: answer after the in-memory append */
    RJ_FLUSH_SYNC = 1,  /* SYNC_FLUSH: answer after an fsync covers the record */
} rj_flush_disk_type_t;

typedef enum {
    RJ_BROKER_ROLE_ASYNC_MASTER = 0,
    RJ_BROKER_ROLE_SYNC_MASTER = 1,
    RJ_BROKER_ROLE_SLAVE = 2, /* puts are refused (SERVICE_NOT_AVAILABLE) */
} rj_broker_role_t;

#define RJ_STORE_MAX_DELAY_LEVELS 64

typedef struct {
    char *store_path_root_dir;                  /* storePathRootDir, "~/store" */
    char *store_path_commit_log;                /* storePathCommitLog, default <root>/commitlog */
    int32_t mapped_file_size_commit_log;        /* 1 GiB */
    int32_t mapped_file_size_consume_queue;     /* 300000 × 20 */
    int32_t flush_interval_commit_log;          /* ms, 500 */
    bool flush_commit_log_timed;                /* true: sleep the interval (not woken by puts) */
    int32_t flush_commit_log_least_pages;       /* 4 */
    int32_t flush_commit_log_thorough_interval; /* ms, 10000 */
    int flush_disk_type;                        /* rj_flush_disk_type_t */
    int32_t sync_flush_timeout;                 /* ms, 5000 */
    int32_t flush_interval_consume_queue;       /* ms, 1000 */
    int32_t flush_consume_queue_least_pages;    /* 2 */
    int32_t flush_consume_queue_thorough_interval;   /* ms, 60000 */
    int32_t clean_resource_interval;                 /* ms, 10000 */
    int32_t delete_commit_log_files_interval;        /* ms between deletions, 100 */
    int32_t delete_consume_queue_files_interval;     /* ms, 100 */
    char *delete_when;                               /* "04": hours, ';'-separated */
    int32_t disk_max_used_space_ratio;               /* %, 75 (clamped 10..95) */
    int32_t file_reserved_time;                      /* hours, 72 */
    bool clean_file_forcibly_enable;                 /* true */
    int32_t max_message_size;                        /* body bytes, 4 MiB */
    bool check_crc_on_recover;                       /* true */
    int32_t max_transfer_bytes_on_message_in_memory; /* 256 KiB */
    int32_t max_transfer_count_on_message_in_memory; /* 32 */
    int32_t max_transfer_bytes_on_message_in_disk;   /* 64 KiB */
    int32_t max_transfer_count_on_message_in_disk;   /* 8 */
    int32_t access_message_in_memory_max_ratio;      /* %, 40 */
    bool message_index_enable;                       /* true */
    int32_t max_hash_slot_num;                       /* 5000000 */
    int32_t max_index_num;                           /* 20000000 */
    int32_t max_msgs_num_batch;                      /* query results, 64 */
    bool message_index_safe;                         /* false */
    int broker_role;                                 /* rj_broker_role_t */
    bool offset_check_in_slave;                      /* false */
    char *message_delay_level;                       /* "1s 5s 10s 30s 1m ... 2h" */
    int64_t os_page_cache_busy_timeout_mills;        /* 1000 */
    /* Not broker.conf keys in RocketMQ (JVM system properties there). */
    int32_t disk_space_warning_level_ratio;  /* %, 90: above it puts fail */
    int32_t disk_space_clean_forcibly_ratio; /* %, 85: above it delete regardless of age */
} rj_store_config_t;

/* The broker.conf keys above, RJ_CONFIG_END-terminated. */
extern const rj_config_option_t rj_store_config_options[];

/* Defaults. Returns 0 or RJ_ENOMEM. */
int rj_store_config_init(rj_store_config_t *c);
void rj_store_config_cleanup(rj_store_config_t *c);

/* Deep copy (strings duplicated). Returns 0 or RJ_ENOMEM. */
int rj_store_config_copy(rj_store_config_t *dst, const rj_store_config_t *src);

/*
 * Parses messageDelayLevel ("1s 5s 1m 2h 1d"): delays_ms[level-1] for levels
 * 1..n; returns n (max delay level) or RJ_EINVAL for a bad entry.
 */
int rj_store_delay_levels_parse(const char *text, int64_t *delays_ms, int cap);

#endif
