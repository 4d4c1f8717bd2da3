/* Message store configuration table with RocketMQ 4.9.8 names and defaults. */
#include "store/store_config.h"

#include "common/alloc.h"
#include "common/bytes.h"
#include "ramjet/status.h"

#include <stdio.h>
#include <string.h>

static const char *const flush_disk_types[] = {"ASYNC_FLUSH", "SYNC_FLUSH", NULL};
static const char *const broker_roles[] = {"ASYNC_MASTER", "SYNC_MASTER", "SLAVE", NULL};

#define T rj_store_config_t
const rj_config_option_t rj_store_config_options[] = {
    RJ_CONFIG_STRING("storePathRootDir", T, store_path_root_dir, "~/store", RJ_CONFIG_READONLY),
    RJ_CONFIG_STRING("storePathCommitLog", T, store_path_commit_log, "", RJ_CONFIG_READONLY),
    RJ_CONFIG_INT("mappedFileSizeCommitLog", T, mapped_file_size_commit_log, "1073741824", 4096,
                  INT32_MAX, 0),
    RJ_CONFIG_INT("mappedFileSizeConsumeQueue", T, mapped_file_size_consume_queue, "6000000", 20,
                  INT32_MAX, 0),
    RJ_CONFIG_INT("flushIntervalCommitLog", T, flush_interval_commit_log, "500", 1, INT32_MAX,
                  RJ_CONFIG_LIVE),
    RJ_CONFIG_BOOL("flushCommitLogTimed", T, flush_commit_log_timed, "true", RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("flushCommitLogLeastPages", T, flush_commit_log_least_pages, "4", 0, INT32_MAX,
                  RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("flushCommitLogThoroughInterval", T, flush_commit_log_thorough_interval, "10000",
                  0, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_ENUM("flushDiskType", T, flush_disk_type, "ASYNC_FLUSH", flush_disk_types, 0),
    RJ_CONFIG_INT("syncFlushTimeout", T, sync_flush_timeout, "5000", 1, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("flushIntervalConsumeQueue", T, flush_interval_consume_queue, "1000", 1,
                  INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("flushConsumeQueueLeastPages", T, flush_consume_queue_least_pages, "2", 0,
                  INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("flushConsumeQueueThoroughInterval", T, flush_consume_queue_thorough_interval,
                  "60000", 0, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("cleanResourceInterval", T, clean_resource_interval, "10000", 1, INT32_MAX,
                  RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("deleteCommitLogFilesInterval", T, delete_commit_log_files_interval, "100", 0,
                  INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("deleteConsumeQueueFilesInterval", T, delete_consume_queue_files_interval, "100",
                  0, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_STRING("deleteWhen", T, delete_when, "04", RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("diskMaxUsedSpaceRatio", T, disk_max_used_space_ratio, "75", 0, 100,
                  RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("fileReservedTime", T, file_reserved_time, "72", 0, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_BOOL("cleanFileForciblyEnable", T, clean_file_forcibly_enable, "true",
                   RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("maxMessageSize", T, max_message_size, "4194304", 10, INT32_MAX - 65536,
                  RJ_CONFIG_LIVE),
    RJ_CONFIG_BOOL("checkCRCOnRecover", T, check_crc_on_recover, "true", 0),
    RJ_CONFIG_INT("maxTransferBytesOnMessageInMemory", T, max_transfer_bytes_on_message_in_memory,
                  "262144", 1, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("maxTransferCountOnMessageInMemory", T, max_transfer_count_on_message_in_memory,
                  "32", 1, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("maxTransferBytesOnMessageInDisk", T, max_transfer_bytes_on_message_in_disk,
                  "65536", 1, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("maxTransferCountOnMessageInDisk", T, max_transfer_count_on_message_in_disk, "8",
                  1, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_INT("accessMessageInMemoryMaxRatio", T, access_message_in_memory_max_ratio, "40", 0,
                  100, RJ_CONFIG_LIVE),
    RJ_CONFIG_BOOL("messageIndexEnable", T, message_index_enable, "true", 0),
    RJ_CONFIG_INT("maxHashSlotNum", T, max_hash_slot_num, "5000000", 1, 50000000, 0),
    RJ_CONFIG_INT("maxIndexNum", T, max_index_num, "20000000", 2, 50000000, 0),
    RJ_CONFIG_INT("maxMsgsNumBatch", T, max_msgs_num_batch, "64", 1, INT32_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_BOOL("messageIndexSafe", T, message_index_safe, "false", 0),
    RJ_CONFIG_ENUM("brokerRole", T, broker_role, "ASYNC_MASTER", broker_roles, 0),
    RJ_CONFIG_BOOL("offsetCheckInSlave", T, offset_check_in_slave, "false", RJ_CONFIG_LIVE),
    RJ_CONFIG_STRING("messageDelayLevel", T, message_delay_level,
                     "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h", 0),
    RJ_CONFIG_LONG("osPageCacheBusyTimeOutMills", T, os_page_cache_busy_timeout_mills, "1000", 0,
                   INT64_MAX, RJ_CONFIG_LIVE),
    RJ_CONFIG_END,
};
#undef T

int
rj_store_config_init(rj_store_config_t *c)
{
    memset(c, 0, sizeof(*c));
    c->disk_space_warning_level_ratio = 90;
    c->disk_space_clean_forcibly_ratio = 85;
    return rj_config_init(rj_store_config_options, c);
}

void
rj_store_config_cleanup(rj_store_config_t *c)
{
    rj_config_cleanup(rj_store_config_options, c);
}

int
rj_store_config_copy(rj_store_config_t *dst, const rj_store_config_t *src)
{
    *dst = *src;
    dst->store_path_root_dir = NULL;
    dst->store_path_commit_log = NULL;
    dst->delete_when = NULL;
    dst->message_delay_level = NULL;
    const char *s[4] = {src->store_path_root_dir, src->store_path_commit_log, src->delete_when,
                        src->message_delay_level};
    char **d[4] = {&dst->store_path_root_dir, &dst->store_path_commit_log, &dst->delete_when,
                   &dst->message_delay_level};
    for (int i = 0; i < 4; i++) {
        if (s[i] != NULL && (*d[i] = rj_strdup(s[i])) == NULL) {
            rj_store_config_cleanup(dst);
            return RJ_ENOMEM;
        }
    }
    return 0;
}

int
rj_store_delay_levels_parse(const char *text, int64_t *delays_ms, int cap)
{
    int n = 0;
    const char *p = text ? text : "";
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        const char *start = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
        size_t len = (size_t)(p - start);
        if (len < 2 || n >= cap) {
            return RJ_EINVAL;
        }
        int64_t unit;
        switch (start[len - 1]) {
        case 's':
            unit = 1000;
            break;
        case 'm':
            unit = 60 * 1000;
            break;
        case 'h':
            unit = 3600 * 1000;
            break;
        case 'd':
            unit = 86400 * 1000;
            break;
        default:
            return RJ_EINVAL;
        }
        int64_t v;
        if (rj_bytes_parse_i64(rj_bytes(start, len - 1), &v) != 0 || v < 0 ||
            v > INT64_MAX / unit) {
            return RJ_EINVAL;
        }
        delays_ms[n++] = v * unit;
    }
    return n;
}
