/*
 * Broker administration (AdminBrokerProcessor): GET_BROKER_CONFIG,
 * UPDATE_BROKER_CONFIG (keys that can change while running), GET_BROKER_RUNTIME_INFO
 * (RocketMQ's KV table), CLEAN_EXPIRED_CONSUMEQUEUE, DELETE_EXPIRED_COMMITLOG,
 * CLEAN_UNUSED_TOPIC and VIEW_BROKER_STATS_DATA.
 * Worker threads.
 *
 * Live changes: other threads read live values with relaxed atomic loads
 * (RJ_BROKER_CONFIG_LIVE_GET), so numbers are stored atomically; a string is
 * replaced by swapping its pointer, and the old string is kept until the
 * broker is destroyed because a reader may still hold it.
 */
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/processor.h"
#include "broker/registrar.h"
#include "broker/send_throttle.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/fs.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/properties.h"
#include "ramjet/status.h"
#include "remoting/mq_version.h"
#include "remoting/response_code.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- GET_BROKER_CONFIG ----------------------------------------------------------------- */

static int
handle_get_config(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_config_table_t extra[] = {{rj_store_config_options, rj_store_config(b->store)}};
    rj_buf_t body = RJ_BUF_INIT, version = RJ_BUF_INIT;
    rj_json_writer_t w;
    pthread_mutex_lock(&b->config_lock);
    int rc = rj_broker_config_format(&b->config, extra, 1, &body);
    rj_jw_init(&w, &version, 0);
    rj_data_version_write(&b->config_version, &w);
    pthread_mutex_unlock(&b->config_lock);
    if (rc == 0) {
        rc = rj_jw_finish(&w);
    }
    if (rc == 0) {
        rj_command_t resp;
        rj_command_init_response(&resp, cmd, RJ_RESP_SUCCESS);
        rj_command_add_ext(&resp, RJ_BYTES_LIT("version"), rj_buf_view(&version));
        resp.body = rj_buf_view(&body);
        rc = rj_request_reply(req, &resp);
    }
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&version);
    return rc;
}

/* ---- UPDATE_BROKER_CONFIG ---------------------------------------------------------------- */

typedef struct {
    rj_broker_t *broker;
    char err[300];
    bool perm_changed;
    int pass; /* 0: validate every key, 1: apply */
} update_ctx_t;

/* Applies one live value to `config` of `table` (config lock held). */
static int
set_live(rj_broker_t *b, const rj_config_option_t *o, void *config, const char *value, char *err,
         size_t err_size)
{
    /* Parse first: the live struct is only touched atomically. */
    rj_config_value_t v;
    int rc = rj_config_parse_value(o, value, &v, err, err_size);
    if (rc != 0) {
        return rc;
    }
    void *field = (char *)config + o->offset;
    switch (o->type) {
    case RJ_CONFIG_TYPE_INT:
        __atomic_store_n((int32_t *)field, v.i32, __ATOMIC_RELAXED);
        break;
    case RJ_CONFIG_TYPE_LONG:
        __atomic_store_n((int64_t *)field, v.i64, __ATOMIC_RELAXED);
        break;
    case RJ_CONFIG_TYPE_BOOL:
        __atomic_store_n((bool *)field, v.b, __ATOMIC_RELAXED);
        break;
    case RJ_CONFIG_TYPE_ENUM:
        __atomic_store_n((int *)field, v.e, __ATOMIC_RELAXED);
        break;
    case RJ_CONFIG_TYPE_STRING: {
        char *fresh = v.s;
        char *old = __atomic_exchange_n((char **)field, fresh, __ATOMIC_ACQ_REL);
        char **grown = rj_realloc(b->retired_strings, (b->nretired + 1) * sizeof(char *));
        if (grown != NULL) {
            b->retired_strings = grown;
            b->retired_strings[b->nretired++] = old;
        }
        break;
    }
    }
    return 0;
}

static int
update_entry(const char *key, const char *value, int line, void *arg)
{
    update_ctx_t *c = arg;
    rj_broker_t *b = c->broker;
    (void)line;
    const rj_config_option_t *o = rj_config_find(rj_broker_config_options, key);
    void *config = &b->config;
    if (o == NULL) {
        o = rj_config_find(rj_store_config_options, key);
        config = rj_store_config(b->store);
    }
    if (o == NULL) {
        snprintf(c->err, sizeof(c->err), "%s: unknown configuration key", key);
        return RJ_ENOTFOUND;
    }
    if (!(o->flags & RJ_CONFIG_LIVE)) {
        snprintf(c->err, sizeof(c->err), "%s: cannot be changed while the broker runs", key);
        return RJ_EINVAL;
    }
    if (c->pass == 0) {
        rj_config_value_t v;
        int rc = rj_config_parse_value(o, value, &v, c->err, sizeof(c->err));
        if (rc == 0 && o->type == RJ_CONFIG_TYPE_STRING) {
            rj_free(v.s);
        }
        return rc;
    }
    if (strcmp(key, "brokerPermission") == 0) {
        c->perm_changed = true;
    }
    return set_live(b, o, config, value, c->err, sizeof(c->err));
}

static void
task_register_now(void *arg)
{
    rj_broker_t *b = arg;
    rj_registrar_register(b->registrar, false, true, NULL);
}

/* RocketMQ's configBlackList: keys UPDATE_BROKER_CONFIG must refuse. Stops the parse with 1. */
static int
check_blacklist(const char *key, const char *value, int line, void *arg)
{
    (void)value;
    (void)line;
    (void)arg;
    return strcmp(key, "configBlackList") == 0 || strcmp(key, "brokerConfigPath") == 0;
}

static int
handle_update_config(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_log(RJ_LOG_INFO, 0, "updateBrokerConfig called by %s",
           rj_connection_remote_addr(rj_request_connection(req)));
    if (cmd->body.len == 0) {
        return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
    }
    const char *text = (const char *)cmd->body.data;
    if (rj_properties_parse(text, cmd->body.len, check_blacklist, NULL) == 1) {
        return rj_broker_reply(req, cmd, RJ_RESP_NO_PERMISSION,
                               "Can not update config in black list.", false);
    }
    update_ctx_t c = {.broker = b};
    pthread_mutex_lock(&b->config_lock);
    int rc = rj_properties_parse(text, cmd->body.len, update_entry, &c);
    if (rc == 0) {
        c.pass = 1;
        rc = rj_properties_parse(text, cmd->body.len, update_entry, &c);
        rj_data_version_next(&b->config_version);
    }
    pthread_mutex_unlock(&b->config_lock);
    if (rc != 0) {
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, c.err[0] ? c.err : rj_strerror(rc),
                               false);
    }
    rj_log(RJ_LOG_INFO, 0, "updateBrokerConfig, new config: [%.*s]", (int)cmd->body.len, text);
    rj_group_manager_set_auto_create(
        b->groups, RJ_BROKER_CONFIG_LIVE_GET(&b->config, auto_create_subscription_group));
    rj_topic_manager_set_auto_create(
        b->topics, RJ_BROKER_CONFIG_LIVE_GET(&b->config, auto_create_topic_enable));
    if (c.perm_changed) {
        /* The topics' advertised permission changed: register everything again. */
        rj_broker_scheduler_post(b->registration, task_register_now, b);
    }
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

/* ---- GET_BROKER_RUNTIME_INFO --------------------------------------------------------------- */

static void kv(rj_json_writer_t *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
kv(rj_json_writer_t *w, const char *key, const char *fmt, ...)
{
    char value[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    rj_jw_key(w, key);
    rj_jw_string(w, value);
}

/* MixAll.humanReadableByteCount(bytes, si=false). */
static void
human_bytes(uint64_t bytes, char *out, size_t size)
{
    if (bytes < 1024) {
        snprintf(out, size, "%llu B", (unsigned long long)bytes);
        return;
    }
    const char *units = "KMGTPE";
    double v = (double)bytes;
    int exp = 0;
    while (v >= 1024.0 && exp < 6) {
        v /= 1024.0;
        exp++;
    }
    snprintf(out, size, "%.1f %ciB", v, units[exp - 1]);
}

/*
 * RocketMQ's request thread-pool queues. Ours are not the same pools, so each
 * key reports what plays that part here:
 *   send: sends wait only while the store is busy, held by the send throttle
 *         in arrival order: its length and the age of its oldest send;
 *   pull, end transaction: handled on the I/O thread that read them, never
 *         queued: always 0 (a parked long-poll pull is not waiting to run);
 *   query (QUERY_MESSAGE, VIEW_MESSAGE_BY_ID): run on the remoting worker
 *         pool, whose queue the broker cannot see; no queue of the broker's
 *         own holds them: 0.
 * The capacities are the *QueueCapacity keys of the configuration.
 */
static void
write_queue_figures(rj_json_writer_t *w, rj_broker_t *b)
{
    kv(w, "sendThreadPoolQueueSize", "%zu", rj_send_throttle_held(b->throttle));
    kv(w, "sendThreadPoolQueueCapacity", "%d", b->config.send_thread_pool_queue_capacity);
    kv(w, "sendThreadPoolQueueHeadWaitTimeMills", "%lld",
       (long long)rj_send_throttle_head_wait_ms(b->throttle));
    kv(w, "pullThreadPoolQueueSize", "0");
    kv(w, "pullThreadPoolQueueCapacity", "%d", b->config.pull_thread_pool_queue_capacity);
    kv(w, "pullThreadPoolQueueHeadWaitTimeMills", "0");
    kv(w, "queryThreadPoolQueueSize", "0");
    kv(w, "queryThreadPoolQueueCapacity", "%d", b->config.query_thread_pool_queue_capacity);
    kv(w, "queryThreadPoolQueueHeadWaitTimeMills", "0");
    kv(w, "EndTransactionQueueSize", "0");
    kv(w, "EndTransactionThreadPoolQueueCapacity", "%d",
       b->config.end_transaction_pool_queue_capacity);
}

/* MessageStore.getRuntimeInfo's figures beyond the totals (StoreStatsService, disk ratios). */
static void
write_store_figures(rj_json_writer_t *w, rj_broker_t *b)
{
    char found[96], miss[96], total[96];
    rj_broker_stats_get_tps(&b->stats, found, miss, total, sizeof(found));
    kv(w, "getFoundTps", "%s", found);
    kv(w, "getMissTps", "%s", miss);
    kv(w, "getTotalTps", "%s", total);
    rj_stats_store_view_t v;
    rj_broker_stats_store_view(&b->stats, &v);
    /* Timed around the store call of each send and pull, in ms as RocketMQ does. */
    kv(w, "putMessageEntireTimeMax", "%lld", (long long)v.put_time_max_ms);
    kv(w, "getMessageEntireTimeMax", "%lld", (long long)v.get_time_max_ms);
    kv(w, "putMessageDistributeTime", "%s", v.put_distribution);
    kv(w, "putLatency99", "%.2f", v.put_latency_99);
    kv(w, "putLatency999", "%.2f", v.put_latency_999);
    /* RocketMQ never sets it (always 0); here: the largest dispatch backlog seen, sampled 1/s. */
    kv(w, "dispatchMaxBuffer", "%lld", (long long)v.dispatch_max_bytes);
    /* No transient store pool: as RocketMQ without transientStorePoolEnable. */
    kv(w, "remainTransientStoreBufferNumbs", "%d", INT32_MAX);
    /* One ratio per commit-log path (storePathCommitLog may list several, comma-separated). */
    const rj_store_config_t *scfg = rj_store_config(b->store);
    const char *paths = scfg->store_path_commit_log;
    char *root = NULL;
    char dflt[4096];
    if (paths == NULL || paths[0] == '\0') {
        root = rj_fs_expand_home(scfg->store_path_root_dir);
        snprintf(dflt, sizeof(dflt), "%s/commitlog", root != NULL ? root : "");
        paths = dflt;
    }
    for (const char *p = paths; *p != '\0';) {
        size_t n = strcspn(p, ",");
        char path[4096], key[4200];
        snprintf(path, sizeof(path), "%.*s", (int)n, p);
        uint64_t free_bytes = 0, total_bytes = 0;
        double ratio = -1.0;
        if (n > 0 && rj_fs_exists(path) && rj_fs_space(path, &free_bytes, &total_bytes) == 0 &&
            total_bytes > 0) {
            ratio = (double)(total_bytes - free_bytes) / (double)total_bytes;
        }
        if (n > 0) {
            snprintf(key, sizeof(key), "commitLogDiskRatio_%s", path);
            kv(w, key, "%.2f", ratio);
        }
        p += n;
        p += *p == ',';
    }
    rj_free(root);
}

static int
handle_runtime_info(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_store_stats_t st;
    rj_store_get_stats(b->store, &st);
    char put_tps[96], get_tps[96], desc[32];
    rj_broker_stats_tps(&b->stats, put_tps, get_tps, sizeof(put_tps));
    uint64_t put_today, put_yesterday, get_today, get_yesterday;
    rj_broker_stats_mornings(&b->stats, &put_today, &put_yesterday, &get_today, &get_yesterday);
    rj_mq_version_desc(RJ_REMOTING_VERSION, desc, sizeof(desc));
    int64_t up = (rj_clock_wall_ms() - b->boot_ms) / 1000;

    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_jw_object_begin(w);
    rj_jw_key(w, "table");
    rj_jw_object_begin(w);
    kv(w, "brokerVersionDesc", "%s", desc);
    kv(w, "brokerVersion", "%d", RJ_REMOTING_VERSION);
    kv(w, "bootTimestamp", "%lld", (long long)b->boot_ms);
    kv(w, "runtime", "[ %lld days, %lld hours, %lld minutes, %lld seconds ]",
       (long long)(up / 86400), (long long)(up % 86400 / 3600), (long long)(up % 3600 / 60),
       (long long)(up % 60));
    kv(w, "msgPutTotalYesterdayMorning", "%llu", (unsigned long long)put_yesterday);
    kv(w, "msgPutTotalTodayMorning", "%llu", (unsigned long long)put_today);
    kv(w, "msgPutTotalTodayNow", "%llu", (unsigned long long)rj_broker_stats_put_total(&b->stats));
    kv(w, "msgGetTotalYesterdayMorning", "%llu", (unsigned long long)get_yesterday);
    kv(w, "msgGetTotalTodayMorning", "%llu", (unsigned long long)get_today);
    kv(w, "msgGetTotalTodayNow", "%llu", (unsigned long long)rj_broker_stats_get_total(&b->stats));
    kv(w, "putTps", "%s", put_tps);
    kv(w, "getTransferedTps", "%s", get_tps);
    kv(w, "putMessageTimesTotal", "%llu", (unsigned long long)st.put_message_times_total);
    kv(w, "putMessageSizeTotal", "%llu", (unsigned long long)st.put_message_size_total);
    kv(w, "putMessageFailedTimes", "%llu", (unsigned long long)st.put_message_failed_times);
    kv(w, "putMessageAverageSize", "%.1f",
       st.put_message_times_total
           ? (double)st.put_message_size_total / (double)st.put_message_times_total
           : 0.0);
    kv(w, "commitLogMinOffset", "%lld", (long long)st.commit_log_min_offset);
    kv(w, "commitLogMaxOffset", "%lld", (long long)st.commit_log_max_offset);
    kv(w, "commitLogDiskRatio", "%.2f", st.commit_log_disk_ratio);
    kv(w, "consumeQueueDiskRatio", "%.2f", st.consume_queue_disk_ratio);
    kv(w, "earliestMessageTimeStamp", "%lld",
       (long long)rj_store_get_earliest_message_time_all(b->store));
    kv(w, "dispatchBehindBytes", "%lld", (long long)st.dispatch_behind_bytes);
    kv(w, "pageCacheLockTimeMills", "%lld", (long long)rj_store_lock_time_ms(b->store));
    kv(w, "startAcceptSendRequestTimeStamp", "%lld",
       (long long)RJ_BROKER_CONFIG_LIVE_GET(&b->config, start_accept_send_request_time_stamp));
    write_queue_figures(w, b);
    write_store_figures(w, b);
    char human[64];
    human_bytes((uint64_t)(st.commit_log_max_offset > st.commit_log_flushed_offset
                               ? st.commit_log_max_offset - st.commit_log_flushed_offset
                               : 0),
                human, sizeof(human));
    kv(w, "remainHowManyDataToFlush", "%s", human);
    uint64_t free_bytes = 0, total_bytes = 0;
    char *root = rj_fs_expand_home(b->store_config.store_path_root_dir);
    if (root != NULL && rj_fs_space(root, &free_bytes, &total_bytes) == 0) {
        char t[64], f[64];
        human_bytes(total_bytes, t, sizeof(t));
        human_bytes(free_bytes, f, sizeof(f));
        kv(w, "commitLogDirCapacity", "Total : %s, Free : %s.", t, f);
    }
    rj_free(root);
    rj_jw_object_end(w);
    rj_jw_object_end(w);
    return rj_broker_json_reply(&j, req, cmd);
}

/* ---- cleanup triggers ------------------------------------------------------------------------ */

typedef struct {
    rj_broker_t *broker;
    char **expired;
    size_t n, cap;
} clean_ctx_t;

static int
find_expired_topic(void *arg, const char *topic, size_t len, const rj_topic_config_t *c)
{
    clean_ctx_t *ctx = arg;
    rj_broker_t *b = ctx->broker;
    rj_bytes_t t = rj_bytes(topic, len);
    if (rj_bytes_eq_cstr(t, RJ_SCHEDULE_TOPIC)) {
        return 0;
    }
    int64_t cl_min = rj_store_get_min_phy_offset(b->store);
    int32_t queues =
        c->read_queue_nums > c->write_queue_nums ? c->read_queue_nums : c->write_queue_nums;
    bool any = false;
    for (int32_t q = 0; q < queues; q++) {
        int64_t max = rj_store_get_max_offset_in_queue(b->store, t, q);
        if (max <= 0) {
            continue;
        }
        any = true;
        int64_t last = rj_store_get_commit_log_offset_in_queue(b->store, t, q, max - 1);
        if (last >= cl_min) {
            return 0; /* this queue still points at live data */
        }
    }
    if (!any) {
        return 0;
    }
    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 8;
        char **p = rj_realloc(ctx->expired, cap * sizeof(char *));
        if (p == NULL) {
            return RJ_ENOMEM;
        }
        ctx->expired = p;
        ctx->cap = cap;
    }
    ctx->expired[ctx->n] = rj_bytes_dup(t);
    if (ctx->expired[ctx->n] != NULL) {
        ctx->n++;
    }
    return 0;
}

/*
 * cleanExpiredConsumerQueue: consume queues whose every unit points below the
 * commit log's start hold nothing readable; their files are removed.
 */
static int
handle_clean_expired_cq(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_log(RJ_LOG_WARN, 0, "invoke cleanExpiredConsumeQueue start.");
    clean_ctx_t ctx = {.broker = b};
    rj_topic_manager_for_each(b->topics, find_expired_topic, &ctx);
    for (size_t i = 0; i < ctx.n; i++) {
        rj_log(RJ_LOG_INFO, 0, "cleanExpiredConsumeQueue: removing expired queues of %s",
               ctx.expired[i]);
        rj_store_delete_topic(b->store, rj_bytes_from_cstr(ctx.expired[i]));
        rj_free(ctx.expired[i]);
    }
    rj_free(ctx.expired);
    rj_log(RJ_LOG_WARN, 0, "invoke cleanExpiredConsumeQueue end.");
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

static int
handle_delete_expired_commitlog(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_log(RJ_LOG_WARN, 0, "invoke deleteExpiredCommitLog start.");
    rj_store_execute_delete_files_manually(b->store);
    rj_log(RJ_LOG_WARN, 0, "invoke deleteExpiredCommitLog end.");
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

/*
 * CLEAN_UNUSED_TOPIC (DefaultMessageStore.cleanUnusedTopic): consume queues
 * of topics the broker no longer knows are deleted. The schedule topic and
 * the transaction topics are kept (their queues exist before or without a
 * topic config).
 */
static int
keep_topic_dir(const char *name)
{
    return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
           strcmp(name, RJ_TOPIC_SCHEDULE) == 0 || strcmp(name, RJ_TOPIC_TRANS_OP_HALF) == 0 ||
           strcmp(name, RJ_TOPIC_TRANS_HALF) == 0 || strncmp(name, "%LMQ%", 5) == 0;
}

static int
handle_clean_unused_topic(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_log(RJ_LOG_WARN, 0, "invoke cleanUnusedTopic start.");
    char *root = rj_fs_expand_home(b->store_config.store_path_root_dir);
    char path[4096];
    DIR *dir = NULL;
    if (root != NULL) {
        snprintf(path, sizeof(path), "%s/consumequeue", root);
        dir = opendir(path);
    }
    rj_free(root);
    struct dirent *de;
    while (dir != NULL && (de = readdir(dir)) != NULL) {
        rj_topic_config_t tc;
        if (keep_topic_dir(de->d_name) ||
            rj_topic_manager_lookup(b->topics, rj_bytes_from_cstr(de->d_name), &tc)) {
            continue;
        }
        rj_log(RJ_LOG_INFO, 0, "cleanUnusedTopic: %s, topic destroyed", de->d_name);
        rj_store_delete_topic(b->store, rj_bytes_from_cstr(de->d_name));
    }
    if (dir != NULL) {
        closedir(dir);
    }
    rj_log(RJ_LOG_WARN, 0, "invoke cleanUnusedTopic end.");
    return rj_broker_reply(req, cmd, RJ_RESP_SUCCESS, NULL, false);
}

/* ---- VIEW_BROKER_STATS_DATA ---------------------------------------------------------------- */

static void
write_stats_item(rj_json_writer_t *w, const char *key, const rj_stats_snapshot_t *s)
{
    rj_jw_key(w, key);
    rj_jw_object_begin(w);
    rj_jw_key(w, "avgpt");
    rj_jw_double(w, s->avgpt);
    rj_jw_key(w, "sum");
    rj_jw_int(w, (int64_t)s->sum);
    rj_jw_key(w, "tps");
    rj_jw_double(w, s->tps);
    rj_jw_object_end(w);
}

/*
 * The broker keeps the statistics items BROKER_PUT_NUMS and BROKER_GET_NUMS
 * (key: the cluster name); other items (per topic or group) are not kept
 * and answer "not exist" like an item RocketMQ has not seen yet.
 */
static int
handle_view_stats(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_header_reader_t h;
    rj_header_reader_init(&h, cmd);
    rj_bytes_t name = rj_header_str(&h, "statsName", true);
    rj_bytes_t key = rj_header_str(&h, "statsKey", true);
    if (rj_header_failed(&h)) {
        return rj_header_reply_error(&h, req);
    }
    bool put = rj_bytes_eq_cstr(name, "BROKER_PUT_NUMS");
    bool get = rj_bytes_eq_cstr(name, "BROKER_GET_NUMS");
    if ((!put && !get) || !rj_bytes_eq_cstr(key, b->config.broker_cluster_name)) {
        char remark[600];
        snprintf(remark, sizeof(remark), "The stats <%.*s> <%.*s> not exist", (int)name.len,
                 (const char *)name.data, (int)key.len, (const char *)key.data);
        return rj_broker_reply(req, cmd, RJ_RESP_SYSTEM_ERROR, remark, false);
    }
    rj_stats_snapshot_t snaps[3];
    rj_broker_stats_snapshots(&b->stats, get, snaps);
    rj_broker_json_t j;
    rj_json_writer_t *w = rj_broker_json_begin(&j);
    rj_jw_object_begin(w);
    write_stats_item(w, "statsDay", &snaps[2]);
    write_stats_item(w, "statsHour", &snaps[1]);
    write_stats_item(w, "statsMinute", &snaps[0]);
    rj_jw_object_end(w);
    return rj_broker_json_reply(&j, req, cmd);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_GET_BROKER_CONFIG, RJ_DISPATCH_WORKER, handle_get_config},
    {RJ_REQ_UPDATE_BROKER_CONFIG, RJ_DISPATCH_WORKER, handle_update_config},
    {RJ_REQ_GET_BROKER_RUNTIME_INFO, RJ_DISPATCH_WORKER, handle_runtime_info},
    {RJ_REQ_CLEAN_EXPIRED_CONSUMEQUEUE, RJ_DISPATCH_WORKER, handle_clean_expired_cq},
    {RJ_REQ_DELETE_EXPIRED_COMMITLOG, RJ_DISPATCH_WORKER, handle_delete_expired_commitlog},
    {RJ_REQ_CLEAN_UNUSED_TOPIC, RJ_DISPATCH_WORKER, handle_clean_unused_topic},
    {RJ_REQ_VIEW_BROKER_STATS_DATA, RJ_DISPATCH_WORKER, handle_view_stats},
};

const rj_broker_processor_t rj_processor_admin_broker = {
    .name = "admin_broker",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
};
