/*
 * Pulling (RocketMQ's PullMessageProcessor): PULL_MESSAGE, inline on the I/O
 * thread, with long polling.
 *
 * A pull passes RocketMQ's checks (broker and topic readable, group exists
 * and may consume, queue id, subscription from the request or from the
 * group's heartbeat), reads from the store with the subscription's tag codes
 * as consume-queue filter, and answers with the records as zero-copy
 * segments pointing into the mapped commit log (each segment keeps its mapped
 * file referenced until written). PULL_NOT_FOUND with the SUSPEND flag parks
 * the request in the long-poll service instead of answering; it is executed
 * again (without suspension and without committing the offset) when a
 * matching message is dispatched or its suspend time ends.
 */
#include "broker/block_pool.h"
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/group_stats.h"
#include "broker/header_fields.h"
#include "broker/long_poll.h"
#include "broker/processor.h"
#include "broker/sql92.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "common/java_hash.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PULL_SYSFLAG_COMMIT_OFFSET 0x1
#define PULL_SYSFLAG_SUSPEND 0x2
#define PULL_SYSFLAG_SUBSCRIPTION 0x4
#define VIEWS_ON_STACK 64
#define FAQ "\nSee http://rocketmq.apache.org/docs/faq/ for further details."

typedef struct {
    rj_bytes_t group;
    rj_bytes_t topic;
    int32_t queue_id;
    int64_t queue_offset;
    int32_t max_msg_nums;
    int32_t sys_flag;
    int64_t commit_offset;
    int64_t suspend_timeout_ms;
    rj_bytes_t subscription;
    int64_t sub_version;
    rj_bytes_t expression_type;
} pull_header_t;

/* What one execution decided. */
typedef struct {
    int32_t code;
    const char *status_remark; /* a constant remark (the store's status name), else `remark` */
    char remark[512];
    bool has_remark;
    bool has_offsets; /* the four PullMessageResponseHeader fields */
    int64_t next_begin, min_offset, max_offset, suggest_broker_id;
    bool park; /* PULL_NOT_FOUND and the request may be suspended */
    int64_t park_ms;
    rj_subscription_t *sub; /* retained when set */
    rj_sql92_t *sql;        /* SQL92 filter (retained when set); NULL: none */
    /* filterSupportRetry on a %RETRY% topic: the original topic's filter data, per message. */
    rj_consumer_filter_manager_t *retry_filters;
    rj_bytes_t retry_group;
    rj_store_get_result_t res;
    rj_store_view_t stack_views[VIEWS_ON_STACK];
    rj_store_view_t *heap_views;
} pull_outcome_t;

/*
 * A parked pull: the long-poll entry, its deferred reply and the decoded
 * header, whose text fields point into `text` (one allocation; the re-run
 * neither copies the request nor decodes its header again).
 */
typedef struct {
    rj_parked_pull_t park; /* first: the long-poll service hands this pointer back */
    rj_broker_t *broker;
    rj_deferred_t *deferred;
    rj_subscription_t *sub;
    rj_sql92_t *sql; /* retained: wake-ups test arriving messages against it */
    pull_header_t h;
    int32_t opaque;
    uint8_t serialize_type;
    bool pooled; /* from parked_pool, else rj_malloc (long subscriptions) */
    char text[];
} parked_t;

/* Parked pulls come from a pool (no malloc per parked pull); this much text fits a block. */
#define PARKED_TEXT_MAX 384
static rj_block_pool_t parked_pool = RJ_BLOCK_POOL_INIT(sizeof(parked_t) + PARKED_TEXT_MAX, 1024);

static const char *const pull_keys[] = {
    "consumerGroup", "topic",      "queueId",       "queueOffset",
    "maxMsgNums",    "sysFlag",    "commitOffset",  "suspendTimeoutMillis",
    "subscription",  "subVersion", "expressionType"};
static rj_header_spec_t pull_spec = RJ_HEADER_SPEC(pull_keys);

enum {
    P_GROUP,
    P_TOPIC,
    P_QID,
    P_QOFFSET,
    P_MAX_NUMS,
    P_SYSFLAG,
    P_COMMIT,
    P_SUSPEND,
    P_SUB,
    P_SUB_VERSION,
    P_EXPR_TYPE
};

/* PullMessageRequestHeader: one pass over the ext fields (header_fields.h). */
static int
parse_header(const rj_command_t *cmd, pull_header_t *h, rj_header_reader_t *rd)
{
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, cmd, &pull_spec);
    h->group = rj_header_fields_str(&hf, P_GROUP, true);
    h->topic = rj_header_fields_str(&hf, P_TOPIC, true);
    h->queue_id = rj_header_fields_i32(&hf, P_QID, true, 0);
    h->queue_offset = rj_header_fields_i64(&hf, P_QOFFSET, true, 0);
    h->max_msg_nums = rj_header_fields_i32(&hf, P_MAX_NUMS, true, 0);
    h->sys_flag = rj_header_fields_i32(&hf, P_SYSFLAG, true, 0);
    h->commit_offset = rj_header_fields_i64(&hf, P_COMMIT, true, 0);
    h->suspend_timeout_ms = rj_header_fields_i64(&hf, P_SUSPEND, true, 0);
    h->subscription = rj_header_fields_str(&hf, P_SUB, false);
    h->sub_version = rj_header_fields_i64(&hf, P_SUB_VERSION, true, 0);
    h->expression_type = rj_header_fields_str(&hf, P_EXPR_TYPE, false);
    *rd = hf.rd;
    return rj_header_failed(rd) ? RJ_EINVAL : 0;
}

static void fail(pull_outcome_t *o, int32_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(pull_outcome_t *o, int32_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->remark, sizeof(o->remark), fmt, ap);
    va_end(ap);
    o->code = code;
    o->has_remark = true;
    o->has_offsets = false;
}

static bool
match_cq(int64_t tags_code, void *arg)
{
    const pull_outcome_t *o = arg;
    return rj_subscription_data_match_tags_code(o->sub, tags_code);
}

/* isMatchedByCommitLog: the SQL92 filter against the record's properties (views, no copy). */
static bool
match_record(const uint8_t *record, size_t len, void *arg)
{
    const pull_outcome_t *o = arg;
    rj_message_record_t rec;
    if (rj_message_record_decode(record, len, &rec, 0) <= 0) {
        return false;
    }
    return rj_sql92_match_properties(o->sql, rec.properties);
}

/*
 * ExpressionForRetryMessageFilter (filterSupportRetry): a message of the
 * group's retry topic is tested against the filter data the group registered
 * for the message's original topic (RETRY_TOPIC); without one it passes.
 */
static bool
match_retry_record(const uint8_t *record, size_t len, void *arg)
{
    const pull_outcome_t *o = arg;
    rj_message_record_t rec;
    rj_bytes_t real;
    rj_consumer_filter_t cf;
    if (rj_message_record_decode(record, len, &rec, 0) <= 0) {
        return false;
    }
    if (!rj_message_properties_get(rec.properties, RJ_PROP_RETRY_TOPIC, &real) ||
        !rj_consumer_filter_manager_lookup(o->retry_filters, real, o->retry_group, &cf)) {
        return true;
    }
    bool match = cf.expression == NULL || rj_sql92_match_properties(cf.expression, rec.properties);
    rj_sql92_release(cf.expression);
    return match;
}

/*
 * Compiled SQL92 expressions of pulls that carry their subscription, kept
 * per I/O thread: a consumer sends the same expression with every pull, so
 * it is compiled once per thread instead of once per request (as RocketMQ's
 * parse cache does), and no lock is shared between threads.
 */
#define SQL_CACHE_SLOTS 8

typedef struct {
    rj_sql92_t *slots[SQL_CACHE_SLOTS];
    unsigned next;
} sql_cache_t;

static pthread_key_t sql_cache_key;
static pthread_once_t sql_cache_once = PTHREAD_ONCE_INIT;

static void
sql_cache_free(void *p)
{
    sql_cache_t *c = p;
    for (int i = 0; i < SQL_CACHE_SLOTS; i++) {
        rj_sql92_release(c->slots[i]);
    }
    rj_free(c);
}

static void
sql_cache_key_create(void)
{
    pthread_key_create(&sql_cache_key, sql_cache_free);
}

/* The compiled expression (retained for the caller), or NULL when it does not compile. */
static rj_sql92_t *
sql_compile_cached(rj_bytes_t expr)
{
    pthread_once(&sql_cache_once, sql_cache_key_create);
    sql_cache_t *c = pthread_getspecific(sql_cache_key);
    if (c == NULL && (c = rj_calloc(1, sizeof(*c))) != NULL &&
        pthread_setspecific(sql_cache_key, c) != 0) {
        rj_free(c);
        c = NULL;
    }
    for (int i = 0; c != NULL && i < SQL_CACHE_SLOTS; i++) {
        rj_sql92_t *e = c->slots[i];
        if (e != NULL && rj_bytes_eq_cstr(expr, rj_sql92_text(e))) {
            rj_sql92_retain(e);
            return e;
        }
    }
    rj_sql92_t *e;
    char err[256];
    if (rj_sql92_compile(expr, &e, err, sizeof(err)) != 0) {
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                           "Parse the consumer's subscription[%.*s] failed: %s", (int)expr.len,
                           (const char *)expr.data, err);
        return NULL;
    }
    if (c != NULL) {
        unsigned slot = c->next++ % SQL_CACHE_SLOTS;
        rj_sql92_release(c->slots[slot]);
        rj_sql92_retain(e);
        c->slots[slot] = e;
    }
    return e;
}

/* generateOffsetMovedEvent: a record in OFFSET_MOVED_EVENT describing the correction. */
static void
offset_moved_event(rj_broker_t *b, const pull_header_t *h, int64_t new_offset)
{
    rj_buf_t body = RJ_BUF_INIT, props = RJ_BUF_INIT;
    rj_json_writer_t w;
    rj_jw_init(&w, &body, 0);
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "consumerGroup");
    rj_jw_string_n(&w, (const char *)h->group.data, h->group.len);
    rj_jw_key(&w, "messageQueue");
    rj_jw_object_begin(&w);
    rj_jw_key(&w, "brokerName");
    rj_jw_string(&w, b->config.broker_name);
    rj_jw_key(&w, "queueId");
    rj_jw_int(&w, h->queue_id);
    rj_jw_key(&w, "topic");
    rj_jw_string_n(&w, (const char *)h->topic.data, h->topic.len);
    rj_jw_object_end(&w);
    rj_jw_key(&w, "offsetNew");
    rj_jw_int(&w, new_offset);
    rj_jw_key(&w, "offsetRequest");
    rj_jw_int(&w, h->queue_offset);
    rj_jw_object_end(&w);
    if (rj_jw_finish(&w) == 0 &&
        rj_message_properties_append(&props, RJ_BYTES_LIT(RJ_PROP_TAGS), h->group) == 0 &&
        rj_message_properties_append(&props, RJ_BYTES_LIT(RJ_PROP_KEYS), h->group) == 0) {
        rj_store_msg_t msg = {
            .topic = RJ_BYTES_LIT(RJ_TOPIC_OFFSET_MOVED_EVENT),
            .queue_id = 0,
            .born_timestamp = rj_clock_wall_ms(),
            .born_host = b->store_host,
            .store_host = b->store_host,
            .body = rj_buf_view(&body),
            .properties = rj_buf_view(&props),
        };
        rj_store_put_result_t res;
        rj_put_status_t st = rj_store_put(b->store, &msg, NULL, &res);
        if (st != RJ_PUT_OK) {
            rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "generateOffsetMovedEvent: %s",
                               rj_put_status_name(st));
        }
    }
    rj_buf_cleanup(&body);
    rj_buf_cleanup(&props);
}

/*
 * One execution of processRequest. `allow_suspend` is false for the re-run of
 * a parked request. `remote` is the consumer's address for messages.
 */
static void
execute(rj_broker_t *b, const rj_command_t *cmd, const pull_header_t *h, bool allow_suspend,
        const char *remote, pull_outcome_t *o)
{
    memset(o, 0, offsetof(pull_outcome_t, stack_views));
    o->heap_views = NULL;
    o->code = RJ_RESP_SUCCESS;
    (void)cmd;

    if (!RJ_PERM_IS_READABLE(RJ_BROKER_CONFIG_LIVE_GET(&b->config, broker_permission))) {
        fail(o, RJ_RESP_NO_PERMISSION, "the broker[%s] pulling message is forbidden",
             b->config.broker_ip1);
        return;
    }
    rj_group_config_t gc;
    if (!rj_group_manager_find(b->groups, h->group, &gc)) {
        fail(o, RJ_RESP_SUBSCRIPTION_GROUP_NOT_EXIST,
             "subscription group [%.*s] does not exist, %s", (int)h->group.len,
             (const char *)h->group.data, FAQ);
        return;
    }
    if (!gc.consume_enable) {
        fail(o, RJ_RESP_NO_PERMISSION, "subscription group no permission, %.*s", (int)h->group.len,
             (const char *)h->group.data);
        return;
    }
    bool has_suspend = (h->sys_flag & PULL_SYSFLAG_SUSPEND) != 0;
    bool has_commit = (h->sys_flag & PULL_SYSFLAG_COMMIT_OFFSET) != 0;
    bool has_subscription = (h->sys_flag & PULL_SYSFLAG_SUBSCRIPTION) != 0;

    rj_topic_config_t tc;
    if (!rj_topic_manager_lookup(b->topics, h->topic, &tc)) {
        rj_log_ratelimited(1000, RJ_LOG_ERROR, 0, "the topic %.*s not exist, consumer: %s",
                           (int)h->topic.len, (const char *)h->topic.data, remote);
        fail(o, RJ_RESP_TOPIC_NOT_EXIST, "topic[%.*s] not exist, apply first please! %s",
             (int)h->topic.len, (const char *)h->topic.data, FAQ);
        return;
    }
    if (!RJ_PERM_IS_READABLE(tc.perm)) {
        fail(o, RJ_RESP_NO_PERMISSION, "the topic[%.*s] pulling message is forbidden",
             (int)h->topic.len, (const char *)h->topic.data);
        return;
    }
    if (h->queue_id < 0 || h->queue_id >= tc.read_queue_nums) {
        fail(o, RJ_RESP_SYSTEM_ERROR,
             "queueId[%d] is illegal, topic:[%.*s] topicConfig.readQueueNums:[%d] consumer:[/%s]",
             h->queue_id, (int)h->topic.len, (const char *)h->topic.data, tc.read_queue_nums,
             remote);
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "%s", o->remark);
        return;
    }

    if (has_subscription) {
        bool sql = h->expression_type.len > 0 && !rj_bytes_eq_cstr(h->expression_type, "TAG");
        /* FilterAPI.build refuses an empty SQL92 expression; ConsumerFilterManager.build compiles.
         */
        if ((sql && h->subscription.len == 0) ||
            rj_subscription_data_build(h->topic, h->subscription, h->expression_type, &o->sub) !=
                0 ||
            (sql && (o->sql = sql_compile_cached(h->subscription)) == NULL)) {
            fail(o, RJ_RESP_SUBSCRIPTION_PARSE_FAILED, "parse the consumer's subscription failed");
            return;
        }
    } else {
        rj_consumer_lookup_t lk;
        rj_consumer_manager_lookup(b->consumers, h->group, h->topic, &lk);
        o->sub = lk.sub;
        if (!lk.group_found) {
            fail(o, RJ_RESP_SUBSCRIPTION_NOT_EXIST, "the consumer's group info not exist%s", FAQ);
            return;
        }
        if (!gc.consume_broadcast_enable && lk.message_model == RJ_MODEL_BROADCASTING) {
            fail(o, RJ_RESP_NO_PERMISSION,
                 "the consumer group[%.*s] can not consume by broadcast way", (int)h->group.len,
                 (const char *)h->group.data);
            return;
        }
        if (o->sub == NULL) {
            fail(o, RJ_RESP_SUBSCRIPTION_NOT_EXIST, "the consumer's subscription not exist%s", FAQ);
            return;
        }
        if (o->sub->sub_version < h->sub_version) {
            fail(o, RJ_RESP_SUBSCRIPTION_NOT_LATEST, "the consumer's subscription not latest");
            return;
        }
        if (o->sub->expression_type != RJ_EXPRESSION_TAG) {
            rj_consumer_filter_t cf;
            if (!rj_consumer_filter_manager_lookup(b->filters, h->topic, h->group, &cf)) {
                fail(o, RJ_RESP_FILTER_DATA_NOT_EXIST,
                     "The broker's consumer filter data is not exist!Your expression may be "
                     "wrong!");
                return;
            }
            o->sql = cf.expression;
            if (cf.client_version < h->sub_version) {
                fail(o, RJ_RESP_FILTER_DATA_NOT_LATEST,
                     "the consumer's consumer filter data not latest");
                return;
            }
        }
    }
    if (o->sub->expression_type != RJ_EXPRESSION_TAG &&
        !RJ_BROKER_CONFIG_LIVE_GET(&b->config, enable_property_filter)) {
        fail(o, RJ_RESP_SYSTEM_ERROR,
             "The broker does not support consumer to filter message by SQL92");
        return;
    }

    uint32_t cap = (uint32_t)(h->max_msg_nums > 0 ? h->max_msg_nums : 1);
    uint32_t limit = (uint32_t)b->store_config.max_transfer_count_on_message_in_memory;
    if (cap > limit) {
        cap = limit > 0 ? limit : 1;
    }
    o->res.views = o->stack_views;
    if (cap > VIEWS_ON_STACK) {
        o->heap_views = rj_calloc(cap, sizeof(rj_store_view_t));
        if (o->heap_views == NULL) {
            cap = VIEWS_ON_STACK;
        } else {
            o->res.views = o->heap_views;
        }
    }
    o->res.cap = cap;
    /* A SQL92 subscription whose data did not compile takes everything, as in RocketMQ. */
    rj_store_filter_t filter = {
        .match_cq = match_cq, .match_record = o->sql != NULL ? match_record : NULL, .arg = o};
    if (RJ_BROKER_CONFIG_LIVE_GET(&b->config, filter_support_retry) &&
        rj_bytes_starts_with(h->topic, RJ_TOPIC_RETRY_PREFIX)) {
        o->retry_filters = b->filters;
        o->retry_group = h->group;
        filter.match_record = match_retry_record;
    }
    int64_t begin_ms = rj_clock_mono_ms();
    int rc = rj_store_get_message(b->store, h->topic, h->queue_id, h->queue_offset, h->max_msg_nums,
                                  &filter, &o->res);
    rj_broker_stats_get_time(&b->stats, rj_clock_mono_ms() - begin_ms);
    if (rc != 0) {
        o->res.count = 0;
        fail(o, RJ_RESP_SYSTEM_ERROR, "store getMessage return null");
        return;
    }
    o->has_remark = true;
    o->status_remark = rj_get_status_name(o->res.status);
    o->has_offsets = true;
    o->next_begin = o->res.next_begin_offset;
    o->min_offset = o->res.min_offset;
    o->max_offset = o->res.max_offset;
    bool slave_read = RJ_BROKER_CONFIG_LIVE_GET(&b->config, slave_read_enable);
    if (slave_read) {
        o->suggest_broker_id =
            o->res.suggest_pulling_from_slave ? gc.which_broker_when_consume_slowly : gc.broker_id;
    } else {
        o->suggest_broker_id = 0;
    }

    switch (o->res.status) {
    case RJ_GET_FOUND:
        o->code = RJ_RESP_SUCCESS;
        break;
    case RJ_GET_MESSAGE_WAS_REMOVING:
    case RJ_GET_NO_MATCHED_MESSAGE:
        o->code = RJ_RESP_PULL_RETRY_IMMEDIATELY;
        break;
    case RJ_GET_NO_MATCHED_LOGIC_QUEUE:
    case RJ_GET_NO_MESSAGE_IN_QUEUE:
        o->code = h->queue_offset != 0 ? RJ_RESP_PULL_OFFSET_MOVED : RJ_RESP_PULL_NOT_FOUND;
        break;
    case RJ_GET_OFFSET_FOUND_NULL:
    case RJ_GET_OFFSET_OVERFLOW_ONE:
        o->code = RJ_RESP_PULL_NOT_FOUND;
        break;
    case RJ_GET_OFFSET_OVERFLOW_BADLY:
    case RJ_GET_OFFSET_TOO_SMALL:
        o->code = RJ_RESP_PULL_OFFSET_MOVED;
        break;
    }

    if (o->code == RJ_RESP_SUCCESS) {
        rj_broker_stats_get(&b->stats, o->res.count, o->res.total_bytes);
        rj_group_stats_add(b->group_stats, h->topic, h->group, o->res.count);
    } else if (o->code == RJ_RESP_PULL_NOT_FOUND && allow_suspend && has_suspend) {
        o->park = true;
        o->park_ms = RJ_BROKER_CONFIG_LIVE_GET(&b->config, long_polling_enable)
                         ? h->suspend_timeout_ms
                         : RJ_BROKER_CONFIG_LIVE_GET(&b->config, short_polling_time_mills);
    } else if (o->code == RJ_RESP_PULL_OFFSET_MOVED) {
        if (rj_broker_is_master(b) || b->store_config.offset_check_in_slave) {
            offset_moved_event(b, h, o->next_begin);
            rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                               "PULL_OFFSET_MOVED:correction offset. topic=%.*s, groupId=%.*s, "
                               "requestOffset=%lld, newOffset=%lld",
                               (int)h->topic.len, (const char *)h->topic.data, (int)h->group.len,
                               (const char *)h->group.data, (long long)h->queue_offset,
                               (long long)o->next_begin);
        } else {
            o->suggest_broker_id = gc.broker_id;
            o->code = RJ_RESP_PULL_RETRY_IMMEDIATELY;
        }
    }

    if (allow_suspend && has_commit && rj_broker_is_master(b)) {
        rj_offset_manager_commit(b->offsets, h->topic, h->group, h->queue_id, h->commit_offset);
    }
}

static void
outcome_release(pull_outcome_t *o)
{
    rj_store_get_result_release(&o->res);
    rj_free(o->heap_views);
    o->heap_views = NULL;
    rj_subscription_data_release(o->sub);
    o->sub = NULL;
    rj_sql92_release(o->sql);
    o->sql = NULL;
}

static void
release_segment(void *ctx)
{
    rj_store_view_t v = {.mf = ctx};
    rj_store_view_release(&v);
}

/*
 * Builds the response and the body segments. Adjacent records of the same
 * mapped file become one segment (their extra references are dropped here),
 * so a 32-message pull is usually one iovec. The views' references move into
 * the segments; `o->res.count` is cleared so outcome_release keeps them.
 */
static size_t
build_reply(const rj_command_t *cmd, pull_outcome_t *o, rj_command_t *resp, rj_segment_t *segs)
{
    rj_command_init_response(resp, cmd, o->code);
    if (o->has_remark) {
        rj_command_set_remark_cstr(resp, o->status_remark != NULL ? o->status_remark : o->remark);
    }
    rj_command_mark_ext_fields(resp);
    if (o->has_offsets) {
        rj_command_add_ext_i64(resp, "suggestWhichBrokerId", o->suggest_broker_id);
        rj_command_add_ext_i64(resp, "nextBeginOffset", o->next_begin);
        rj_command_add_ext_i64(resp, "maxOffset", o->max_offset);
        rj_command_add_ext_i64(resp, "minOffset", o->min_offset);
    }
    size_t n = 0;
    if (o->code != RJ_RESP_SUCCESS) {
        return 0;
    }
    for (uint32_t i = 0; i < o->res.count; i++) {
        rj_store_view_t *v = &o->res.views[i];
        if (n > 0 && segs[n - 1].release_ctx == v->mf &&
            (const uint8_t *)segs[n - 1].data + segs[n - 1].len == v->data) {
            segs[n - 1].len += v->len;
            rj_store_view_release(v);
            continue;
        }
        segs[n++] = (rj_segment_t){v->data, v->len, release_segment, v->mf};
    }
    o->res.count = 0;
    return n;
}

static void parked_run(rj_parked_pull_t *p);

static bool
parked_match_properties(const rj_parked_pull_t *p, rj_bytes_t properties)
{
    const parked_t *pk = (const parked_t *)p;
    return rj_sql92_match_properties(pk->sql, properties);
}

/* Copies `v` into the parked request's text block at *pos and returns the copy. */
static rj_bytes_t
keep(parked_t *pk, size_t *pos, rj_bytes_t v)
{
    if (v.data == NULL) {
        return RJ_BYTES_NULL;
    }
    rj_bytes_t copy = rj_bytes(pk->text + *pos, v.len);
    memcpy(pk->text + *pos, v.data, v.len);
    *pos += v.len;
    return copy;
}

/* The command a deferred answer is built from: only opaque and serialize type matter. */
static void
parked_request(const parked_t *pk, rj_command_t *cmd)
{
    rj_command_init_request(cmd, RJ_REQ_PULL_MESSAGE);
    cmd->opaque = pk->opaque;
    cmd->serialize_type = pk->serialize_type;
}

static void
parked_free(parked_t *pk)
{
    rj_subscription_data_release(pk->sub);
    rj_sql92_release(pk->sql);
    if (pk->pooled) {
        rj_block_pool_put(&parked_pool, pk);
    } else {
        rj_free(pk);
    }
}

/* Parks the request; false when it must be answered now. */
static bool
park(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, const pull_header_t *h,
     pull_outcome_t *o)
{
    size_t text_len = h->group.len + h->topic.len + h->subscription.len + h->expression_type.len;
    bool pooled = text_len <= PARKED_TEXT_MAX;
    parked_t *pk = pooled ? rj_block_pool_get(&parked_pool) : rj_malloc(sizeof(*pk) + text_len);
    if (pk == NULL) {
        return false;
    }
    memset(pk, 0, sizeof(*pk));
    pk->pooled = pooled;
    pk->deferred = rj_request_defer(req);
    if (pk->deferred == NULL) {
        parked_free(pk);
        return false;
    }
    size_t pos = 0;
    pk->h = *h;
    pk->h.group = keep(pk, &pos, h->group);
    pk->h.topic = keep(pk, &pos, h->topic);
    pk->h.subscription = keep(pk, &pos, h->subscription);
    pk->h.expression_type = keep(pk, &pos, h->expression_type);
    pk->opaque = cmd->opaque;
    pk->serialize_type = cmd->serialize_type;
    pk->broker = b;
    pk->sub = o->sub;
    rj_subscription_data_retain(pk->sub);
    if (o->sql != NULL) {
        pk->sql = o->sql;
        rj_sql92_retain(pk->sql);
        pk->park.match_properties = parked_match_properties;
    }
    pk->park.topic = pk->h.topic;
    pk->park.queue_id = h->queue_id;
    pk->park.offset = h->queue_offset;
    pk->park.deadline_mono_ms = rj_clock_mono_ms() + (o->park_ms > 0 ? o->park_ms : 0);
    pk->park.sub = pk->sub;
    pk->park.run = parked_run;
    if (rj_long_poll_park(b->long_poll, &pk->park) != 0) {
        /* Stopping: the deferred handle answers right away with the outcome we have. */
        rj_command_t resp;
        rj_segment_t segs[1];
        build_reply(cmd, o, &resp, segs);
        rj_deferred_reply(pk->deferred, &resp);
        parked_free(pk);
    }
    return true;
}

/* Long-poll thread: the re-run (no suspension, no offset commit) answers the deferred request. */
static void
parked_run(rj_parked_pull_t *p)
{
    parked_t *pk = (parked_t *)p;
    rj_broker_t *b = pk->broker;
    rj_command_t req;
    parked_request(pk, &req);
    pull_outcome_t o;
    rj_connection_t *conn = rj_deferred_connection(pk->deferred);
    execute(b, &req, &pk->h, false, rj_connection_remote_addr(conn), &o);
    rj_command_t resp;
    rj_segment_t stack_segs[VIEWS_ON_STACK];
    rj_segment_t *segs =
        o.res.count <= VIEWS_ON_STACK ? stack_segs : rj_malloc(o.res.count * sizeof(rj_segment_t));
    if (segs == NULL) {
        rj_command_init_response(&resp, &req, RJ_RESP_SYSTEM_ERROR);
        rj_command_set_remark_cstr(&resp, "out of memory");
        rj_deferred_reply(pk->deferred, &resp);
    } else {
        size_t n = build_reply(&req, &o, &resp, segs);
        rj_deferred_reply_segments(pk->deferred, &resp, segs, n);
        if (segs != stack_segs) {
            rj_free(segs);
        }
    }
    outcome_release(&o);
    parked_free(pk);
}

static int
handle_pull(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    pull_header_t h;
    rj_header_reader_t rd;
    if (parse_header(cmd, &h, &rd) != 0) {
        return rj_header_reply_error(&rd, req);
    }
    pull_outcome_t o;
    execute(b, cmd, &h, true, rj_connection_remote_addr(rj_request_connection(req)), &o);
    if (o.park && park(b, req, cmd, &h, &o)) {
        outcome_release(&o);
        return 0;
    }
    rj_command_t resp;
    rj_segment_t stack_segs[VIEWS_ON_STACK];
    rj_segment_t *segs =
        o.res.count <= VIEWS_ON_STACK ? stack_segs : rj_malloc(o.res.count * sizeof(rj_segment_t));
    int rc;
    if (segs == NULL) {
        outcome_release(&o);
        return RJ_ENOMEM;
    }
    size_t n = build_reply(cmd, &o, &resp, segs);
    rc = rj_request_reply_segments(req, &resp, segs, n);
    if (segs != stack_segs) {
        rj_free(segs);
    }
    outcome_release(&o);
    return rc;
}

static void
stop_pull(rj_broker_t *b)
{
    rj_long_poll_stop(b->long_poll);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_PULL_MESSAGE, RJ_DISPATCH_INLINE, handle_pull},
};

const rj_broker_processor_t rj_processor_pull = {
    .name = "pull",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
    .stop = stop_pull,
};
