/*
 * Sending (RocketMQ's SendMessageProcessor): SEND_MESSAGE, SEND_MESSAGE_V2 and
 * SEND_BATCH_MESSAGE, inline on the I/O thread.
 *
 * The handler validates (topic name, reserved topics, permissions, queue id),
 * auto-creates the topic from its default topic when allowed, redirects
 * retries that used up their attempts to the group's %DLQ% topic, rewrites
 * the properties once into a per-thread buffer (CLUSTER added, WAIT dropped
 * for single messages as 4.9.8 does) and appends with rj_store_put. A
 * message with TRAN_MSG=true is stored as a half message in
 * RMQ_SYS_TRANS_HALF_TOPIC (features.md §3) for END_TRANSACTION and the
 * transaction check service to resolve. Under
 * SYNC_FLUSH with WAIT the reply is deferred and completed by the store's
 * flush callback on the flush thread; nothing here ever waits.
 *
 * SYNC_FLUSH completion race: the flush thread may call back as soon as the
 * append lock is released, before this thread has stored the msgId in the
 * wait context. Both sides bump `arrivals`; whoever comes second replies.
 */
#include "broker/block_pool.h"
#include "broker/broker.h"
#include "broker/broker_reply.h"
#include "broker/header_fields.h"
#include "broker/processor.h"
#include "broker/processor_send.h"
#include "broker/send_properties.h"
#include "broker/send_throttle.h"
#include "broker/topic_validator.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/message_id.h"
#include "common/message_properties.h"
#include "ramjet/status.h"
#include "remoting/mq_version.h"
#include "remoting/response_code.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC_SYS_FLAG_UNIT 0x1
#define TOPIC_SYS_FLAG_UNIT_SUB 0x2
#define DLQ_NUMS_PER_GROUP 1
#define BATCH_IDS_ON_STACK 64

/*
 * Per-thread scratch buffers: the send path reuses them and stops allocating
 * once warm. They live in a pthread key so that they are freed when an I/O
 * thread exits.
 */
typedef struct {
    rj_buf_t props;
    rj_buf_t ids;
} scratch_t;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void
scratch_free(void *p)
{
    scratch_t *s = p;
    rj_buf_cleanup(&s->props);
    rj_buf_cleanup(&s->ids);
    rj_free(s);
}

static void
scratch_key_create(void)
{
    pthread_key_create(&scratch_key, scratch_free);
}

static scratch_t *
scratch(void)
{
    pthread_once(&scratch_once, scratch_key_create);
    scratch_t *s = pthread_getspecific(scratch_key);
    if (s == NULL) {
        s = rj_calloc(1, sizeof(*s));
        if (s != NULL && pthread_setspecific(scratch_key, s) != 0) {
            rj_free(s);
            s = NULL;
        }
    }
    return s;
}

/* ---- request header --------------------------------------------------------- */

static const char *const v1_keys[] = {
    "producerGroup", "topic",          "defaultTopic",  "defaultTopicQueueNums",
    "queueId",       "sysFlag",        "bornTimestamp", "flag",
    "properties",    "reconsumeTimes", "unitMode",      "maxReconsumeTimes",
    "batch"};
static const char *const v2_keys[] = {"a", "b", "c", "d", "e", "f", "g",
                                      "h", "i", "j", "k", "l", "m"};
static rj_header_spec_t v1_spec = RJ_HEADER_SPEC(v1_keys);
static rj_header_spec_t v2_spec = RJ_HEADER_SPEC(v2_keys);

enum {
    K_GROUP,
    K_TOPIC,
    K_DEF_TOPIC,
    K_DEF_QNUMS,
    K_QID,
    K_SYSFLAG,
    K_BORN,
    K_FLAG,
    K_PROPS,
    K_RECONSUME,
    K_UNIT,
    K_MAX_RECONSUME,
    K_BATCH
};

/* SendMessageRequestHeader(V2): one pass over the ext fields (header_fields.h). */
int
rj_send_header_parse(const rj_command_t *cmd, rj_send_header_t *h, rj_header_reader_t *rd)
{
    bool v1 = cmd->code == RJ_REQ_SEND_MESSAGE || cmd->code == RJ_REQ_SEND_REPLY_MESSAGE;
    rj_header_fields_t hf;
    rj_header_fields_scan(&hf, cmd, v1 ? &v1_spec : &v2_spec);
    h->producer_group = rj_header_fields_str(&hf, K_GROUP, true);
    h->topic = rj_header_fields_str(&hf, K_TOPIC, true);
    h->default_topic = rj_header_fields_str(&hf, K_DEF_TOPIC, true);
    h->default_topic_queue_nums = rj_header_fields_i32(&hf, K_DEF_QNUMS, true, 0);
    h->queue_id = rj_header_fields_i32(&hf, K_QID, true, 0);
    h->sys_flag = rj_header_fields_i32(&hf, K_SYSFLAG, true, 0);
    h->born_timestamp = rj_header_fields_i64(&hf, K_BORN, true, 0);
    h->flag = rj_header_fields_i32(&hf, K_FLAG, true, 0);
    h->properties = rj_header_fields_str(&hf, K_PROPS, false);
    h->reconsume_times = rj_header_fields_i32(&hf, K_RECONSUME, false, 0);
    h->unit_mode = rj_header_fields_bool(&hf, K_UNIT, false);
    int32_t max_rt;
    h->has_max_reconsume_times = rj_header_fields_try_i32(&hf, K_MAX_RECONSUME, &max_rt) == 0;
    h->max_reconsume_times = h->has_max_reconsume_times ? max_rt : 0;
    h->batch = rj_header_fields_bool(&hf, K_BATCH, false) || cmd->code == RJ_REQ_SEND_BATCH_MESSAGE;
    *rd = hf.rd;
    return rj_header_failed(rd) ? RJ_EINVAL : 0;
}

/* ---- responses -------------------------------------------------------------- */

void
rj_send_response_init(rj_broker_t *b, const rj_command_t *cmd, rj_command_t *resp, int32_t code)
{
    rj_command_init_response(resp, cmd, code);
    rj_command_add_ext_cstr(resp, "MSG_REGION", b->config.region_id);
    rj_command_add_ext_cstr(resp, "TRACE_ON",
                            RJ_BROKER_CONFIG_LIVE_GET(&b->config, trace_on) ? "true" : "false");
}

static int
reply_error(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, int32_t code,
            const char *remark)
{
    rj_command_t resp;
    rj_send_response_init(b, cmd, &resp, code);
    rj_command_set_remark_cstr(&resp, remark);
    return rj_request_reply(req, &resp);
}

/* Fills a send response for a put result (handlePutMessageResult). */
void
rj_send_response_fill(rj_broker_t *b, rj_command_t *resp, rj_put_status_t status,
                      const char *msg_id, int32_t queue_id, int64_t queue_offset, char *remark,
                      size_t remark_size)
{
    bool ok = false;
    remark[0] = '\0';
    switch (status) {
    case RJ_PUT_OK:
        resp->code = RJ_RESP_SUCCESS;
        ok = true;
        break;
    case RJ_PUT_FLUSH_DISK_TIMEOUT:
        resp->code = RJ_RESP_FLUSH_DISK_TIMEOUT;
        ok = true;
        break;
    case RJ_PUT_FLUSH_SLAVE_TIMEOUT:
        resp->code = RJ_RESP_FLUSH_SLAVE_TIMEOUT;
        ok = true;
        break;
    case RJ_PUT_SLAVE_NOT_AVAILABLE:
        resp->code = RJ_RESP_SLAVE_NOT_AVAILABLE;
        ok = true;
        break;
    case RJ_PUT_CREATE_MAPEDFILE_FAILED:
        resp->code = RJ_RESP_SYSTEM_ERROR;
        snprintf(remark, remark_size, "create mapped file failed, server is busy or broken.");
        break;
    case RJ_PUT_MESSAGE_ILLEGAL:
    case RJ_PUT_PROPERTIES_SIZE_EXCEEDED:
        resp->code = RJ_RESP_MESSAGE_ILLEGAL;
        snprintf(remark, remark_size,
                 "the message is illegal, maybe msg body or properties length not matched. msg "
                 "body length limit %dB, msg properties length limit 32KB.",
                 b->store_config.max_message_size);
        break;
    case RJ_PUT_SERVICE_NOT_AVAILABLE: {
        rj_store_stats_t st;
        rj_store_get_stats(b->store, &st);
        resp->code = RJ_RESP_SERVICE_NOT_AVAILABLE;
        snprintf(remark, remark_size,
                 "service not available now. It may be caused by one of the following reasons: "
                 "the broker's disk is full [CL: %5.2f CQ: %5.2f INDEX: %5.2f], messages are put "
                 "to the slave, message store has been shut down, etc.",
                 st.commit_log_disk_ratio * 100, st.consume_queue_disk_ratio * 100,
                 st.consume_queue_disk_ratio * 100);
        break;
    }
    case RJ_PUT_OS_PAGECACHE_BUSY:
        resp->code = RJ_RESP_SYSTEM_ERROR;
        snprintf(remark, remark_size,
                 "[PC_SYNCHRONIZED]broker busy, start flow control for a while");
        break;
    case RJ_PUT_UNKNOWN_ERROR:
    default:
        resp->code = RJ_RESP_SYSTEM_ERROR;
        snprintf(remark, remark_size, "UNKNOWN_ERROR");
        break;
    }
    if (ok) {
        rj_command_add_ext_cstr(resp, "msgId", msg_id);
        rj_command_add_ext_i64(resp, "queueId", queue_id);
        rj_command_add_ext_i64(resp, "queueOffset", queue_offset);
        rj_command_set_remark_cstr(resp, NULL);
    } else {
        rj_command_set_remark_cstr(resp, remark);
    }
}

/* ---- message preparation ------------------------------------------------------ */

static const rj_bytes_t drop_wait_and_cluster[] = {RJ_BYTES_LIT(RJ_PROP_WAIT_STORE_MSG_OK),
                                                   RJ_BYTES_LIT(RJ_PROP_CLUSTER)};
static const rj_bytes_t drop_cluster[] = {RJ_BYTES_LIT(RJ_PROP_CLUSTER)};
static const rj_bytes_t drop_half_keys[] = {RJ_BYTES_LIT(RJ_PROP_CLUSTER),
                                            RJ_BYTES_LIT(RJ_PROP_REAL_TOPIC),
                                            RJ_BYTES_LIT(RJ_PROP_REAL_QUEUE_ID)};

/* The stored property string: the client's map re-serialised with CLUSTER set. */
static int
build_properties(rj_broker_t *b, const rj_send_props_t *props, bool keep_wait, rj_buf_t *out)
{
    rj_buf_reset(out);
    int rc = keep_wait ? rj_send_props_write(props, drop_cluster, RJ_ARRAY_SIZE(drop_cluster), out)
                       : rj_send_props_write(props, drop_wait_and_cluster,
                                             RJ_ARRAY_SIZE(drop_wait_and_cluster), out);
    if (rc == 0) {
        rc = rj_message_properties_append_cstr(out, RJ_PROP_CLUSTER, b->config.broker_cluster_name);
    }
    return rc;
}

/*
 * A half message's properties (parseHalfMessageInner): the client's map with
 * WAIT kept, CLUSTER, and the real topic and queue to restore on commit.
 */
static int
build_half_properties(rj_broker_t *b, const rj_send_props_t *props, rj_bytes_t topic,
                      int32_t queue_id, rj_buf_t *out)
{
    char qid[16];
    int n = snprintf(qid, sizeof(qid), "%d", queue_id);
    rj_buf_reset(out);
    int rc = rj_send_props_write(props, drop_half_keys, RJ_ARRAY_SIZE(drop_half_keys), out);
    if (rc == 0) {
        rc = rj_message_properties_append_cstr(out, RJ_PROP_CLUSTER, b->config.broker_cluster_name);
    }
    if (rc == 0) {
        rc = rj_message_properties_append(out, RJ_BYTES_LIT(RJ_PROP_REAL_TOPIC), topic);
    }
    if (rc == 0) {
        rc = rj_message_properties_append(out, RJ_BYTES_LIT(RJ_PROP_REAL_QUEUE_ID),
                                          rj_bytes(qid, (size_t)n));
    }
    return rc;
}

static const char *
perm_string(int32_t perm, char *out)
{
    out[0] = RJ_PERM_IS_READABLE(perm) ? 'R' : '-';
    out[1] = RJ_PERM_IS_WRITEABLE(perm) ? 'W' : '-';
    out[2] = RJ_PERM_IS_INHERITED(perm) ? 'X' : '-';
    out[3] = '\0';
    return out;
}

/*
 * msgCheck: validation, permissions, auto-creation and the queue id check.
 * Returns 0 with the topic's config in *tc, or an error already answered (1).
 */
static int
msg_check(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, const rj_send_header_t *h,
          rj_topic_config_t *tc, bool *topic_created)
{
    *topic_created = false;
    char remark[512];
    int32_t broker_perm = RJ_BROKER_CONFIG_LIVE_GET(&b->config, broker_permission);
    bool exists = rj_topic_manager_lookup(b->topics, h->topic, tc);
    if (!RJ_PERM_IS_WRITEABLE(broker_perm) && exists && tc->order) {
        snprintf(remark, sizeof(remark), "the broker[%s] sending message is forbidden",
                 b->config.broker_ip1);
        reply_error(b, req, cmd, RJ_RESP_NO_PERMISSION, remark);
        return 1;
    }
    const char *bad = rj_topic_validator_check(h->topic);
    if (bad != NULL) {
        reply_error(b, req, cmd, RJ_RESP_SYSTEM_ERROR, bad);
        return 1;
    }
    if (rj_topic_validator_is_send_forbidden(h->topic)) {
        snprintf(remark, sizeof(remark), "Sending message to topic[%.*s] is forbidden.",
                 (int)h->topic.len, (const char *)h->topic.data);
        reply_error(b, req, cmd, RJ_RESP_NO_PERMISSION, remark);
        return 1;
    }
    bool is_retry = rj_bytes_starts_with(h->topic, RJ_TOPIC_RETRY_PREFIX);
    if (!exists) {
        int32_t sys_flag = 0;
        bool created;
        if (h->unit_mode) {
            sys_flag = is_retry ? TOPIC_SYS_FLAG_UNIT_SUB : TOPIC_SYS_FLAG_UNIT;
        }
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "the topic %.*s not exist, producer: %s",
                           (int)h->topic.len, (const char *)h->topic.data,
                           rj_connection_remote_addr(rj_request_connection(req)));
        exists = rj_topic_manager_create_in_send(b->topics, h->topic, h->default_topic,
                                                 h->default_topic_queue_nums, sys_flag, tc,
                                                 &created) == 0;
        *topic_created = created;
        if (!exists && is_retry) {
            exists = rj_topic_manager_create_if_absent(b->topics, h->topic, 1,
                                                       RJ_PERM_WRITE | RJ_PERM_READ, sys_flag, tc,
                                                       &created) == 0;
            *topic_created = created;
        }
        if (!exists) {
            snprintf(remark, sizeof(remark),
                     "topic[%.*s] not exist, apply first please!\nSee "
                     "http://rocketmq.apache.org/docs/faq/ for further details.",
                     (int)h->topic.len, (const char *)h->topic.data);
            reply_error(b, req, cmd, RJ_RESP_TOPIC_NOT_EXIST, remark);
            return 1;
        }
    }
    int32_t valid =
        tc->write_queue_nums > tc->read_queue_nums ? tc->write_queue_nums : tc->read_queue_nums;
    if (h->queue_id >= valid) {
        char perm[4];
        snprintf(remark, sizeof(remark),
                 "request queueId[%d] is illegal, TopicConfig [topicName=%.*s, readQueueNums=%d, "
                 "writeQueueNums=%d, perm=%s, topicFilterType=%s, topicSysFlag=%d, order=%s] "
                 "Producer: %s",
                 h->queue_id, (int)h->topic.len, (const char *)h->topic.data, tc->read_queue_nums,
                 tc->write_queue_nums, perm_string(tc->perm, perm),
                 rj_topic_filter_type_name(tc->filter_type), tc->topic_sys_flag,
                 tc->order ? "true" : "false",
                 rj_connection_remote_addr(rj_request_connection(req)));
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0, "%s", remark);
        reply_error(b, req, cmd, RJ_RESP_SYSTEM_ERROR, remark);
        return 1;
    }
    return 0;
}

/* A random queue, as ThreadLocalRandom.nextInt(99999999) % writeQueueNums. */
int32_t
rj_send_random_queue(int32_t write_queue_nums)
{
    static _Thread_local unsigned seed;
    if (seed == 0) {
        seed = (unsigned)rj_clock_mono_ns() | 1u;
    }
    if (write_queue_nums <= 0) {
        return 0;
    }
    return (int32_t)((unsigned)rand_r(&seed) % 99999999u) % write_queue_nums;
}

/*
 * handleRetryAndDLQ: a %RETRY% send whose reconsumeTimes reached the limit
 * goes to %DLQ%<group> queue 0 without delay. Returns 0, or 1 after answering
 * an error. *topic and *queue_id may be redirected (`dlq` holds the new name).
 */
static int
handle_retry_and_dlq(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd,
                     const rj_send_header_t *h, rj_bytes_t *topic, int32_t *queue_id, char *dlq,
                     size_t dlq_size, bool *to_dlq, bool *created)
{
    *to_dlq = false;
    if (!rj_bytes_starts_with(h->topic, RJ_TOPIC_RETRY_PREFIX)) {
        return 0;
    }
    size_t plen = strlen(RJ_TOPIC_RETRY_PREFIX);
    rj_bytes_t group = rj_bytes(h->topic.data + plen, h->topic.len - plen);
    rj_group_config_t gc;
    char remark[512];
    if (!rj_group_manager_find(b->groups, group, &gc)) {
        snprintf(remark, sizeof(remark),
                 "subscription group not exist, %.*s \nSee http://rocketmq.apache.org/docs/faq/ "
                 "for further details.",
                 (int)group.len, (const char *)group.data);
        reply_error(b, req, cmd, RJ_RESP_SUBSCRIPTION_GROUP_NOT_EXIST, remark);
        return 1;
    }
    int32_t max = gc.retry_max_times;
    if (cmd->version >= RJ_MQ_VERSION_V3_4_9 && h->has_max_reconsume_times) {
        max = h->max_reconsume_times;
    }
    if (h->reconsume_times < max) {
        return 0;
    }
    int n = snprintf(dlq, dlq_size, "%s%.*s", RJ_TOPIC_DLQ_PREFIX, (int)group.len,
                     (const char *)group.data);
    rj_topic_config_t tc;
    bool dlq_created = false;
    if (n < 0 || (size_t)n >= dlq_size ||
        rj_topic_manager_create_if_absent(b->topics, rj_bytes(dlq, (size_t)n), DLQ_NUMS_PER_GROUP,
                                          RJ_PERM_WRITE | RJ_PERM_READ, 0, &tc,
                                          &dlq_created) != 0) {
        snprintf(remark, sizeof(remark), "topic[%s] not exist", dlq);
        reply_error(b, req, cmd, RJ_RESP_SYSTEM_ERROR, remark);
        return 1;
    }
    *topic = rj_bytes(dlq, (size_t)n);
    *queue_id = rj_send_random_queue(DLQ_NUMS_PER_GROUP);
    *to_dlq = true;
    *created = *created || dlq_created;
    return 0;
}

/* ---- completion --------------------------------------------------------------- */

/* A SYNC_FLUSH send waiting for its fsync. */
typedef struct {
    rj_store_flush_waiter_t waiter;
    rj_deferred_t *deferred;
    rj_broker_t *broker;
    atomic_int arrivals;    /* putter done + flush done: the second one replies */
    rj_put_status_t status; /* the flush outcome */
    bool topic_created;     /* the reply waits for topics.json (rj_send_reply_after_persist) */
    int32_t opaque;         /* the request's, for the response */
    uint8_t serialize_type; /* the request's */
    int32_t queue_id;
    int64_t queue_offset;
    uint32_t msg_num;
    bool pooled;   /* from flush_wait_pool (single messages), else rj_malloc (batches) */
    char msg_id[]; /* NUL-terminated; comma-joined for batches */
} flush_wait_t;

/* Wait contexts of single messages come from a pool: no malloc per SYNC_FLUSH send. */
#define FLUSH_WAIT_BLOCK (sizeof(flush_wait_t) + RJ_MSG_ID_MAX_HEX_SIZE + 1)
static rj_block_pool_t flush_wait_pool = RJ_BLOCK_POOL_INIT(FLUSH_WAIT_BLOCK, 1024);

static void
flush_wait_free(flush_wait_t *fw)
{
    if (fw != NULL && fw->pooled) {
        rj_block_pool_put(&flush_wait_pool, fw);
    } else {
        rj_free(fw);
    }
}

/*
 * A send that auto-created its topic (or the group's %RETRY% / %DLQ% topic) is
 * answered only once topics.json holds the topic (as Java persists inside
 * createTopicInSendMessageMethod), so an acknowledged message never sits in a
 * topic a crash would forget, and once every name server has the topic (as
 * Java registers before answering), so the route is there when the producer
 * or a consumer asks. The file is written by the housekeeping thread, which
 * then starts the registration; the reply waits in a deferred handle.
 */
typedef struct {
    rj_broker_t *broker;
    rj_deferred_t *deferred;
    rj_command_t *resp;
} persist_reply_t;

static void
task_persist_then_reply(void *arg)
{
    persist_reply_t *pr = arg;
    rj_topic_manager_persist(pr->broker->topics);
    rj_broker_register_then_reply(pr->broker, pr->deferred, pr->resp);
    rj_command_destroy(pr->resp);
    rj_free(pr);
}

/* Answers `d` with `resp` after persisting and registering the topic table (or at once if that
 * cannot be arranged). */
void
rj_send_reply_after_persist(rj_broker_t *b, rj_deferred_t *d, rj_command_t *resp)
{
    persist_reply_t *pr = rj_malloc(sizeof(*pr));
    if (pr != NULL) {
        pr->broker = b;
        pr->deferred = d;
        pr->resp = rj_command_dup(resp);
        if (pr->resp != NULL &&
            rj_broker_scheduler_post(b->housekeeping, task_persist_then_reply, pr) == 0) {
            return;
        }
        rj_command_destroy(pr->resp);
        rj_free(pr);
    }
    rj_deferred_reply(d, resp);
}

static void
reply_flushed(flush_wait_t *fw)
{
    rj_broker_t *b = fw->broker;
    rj_put_status_t status = fw->status;
    rj_command_t resp;
    rj_command_init_request(&resp, RJ_RESP_SUCCESS);
    resp.opaque = fw->opaque;
    resp.serialize_type = fw->serialize_type;
    resp.flag = RJ_CMD_FLAG_RESPONSE;
    char remark[512];
    rj_command_add_ext_cstr(&resp, "MSG_REGION", b->config.region_id);
    rj_command_add_ext_cstr(&resp, "TRACE_ON",
                            RJ_BROKER_CONFIG_LIVE_GET(&b->config, trace_on) ? "true" : "false");
    rj_send_response_fill(b, &resp, status, fw->msg_id, fw->queue_id, fw->queue_offset, remark,
                          sizeof(remark));
    if (fw->topic_created) {
        rj_send_reply_after_persist(b, fw->deferred, &resp);
    } else {
        rj_deferred_reply(fw->deferred, &resp);
    }
    flush_wait_free(fw);
}

static void
on_flushed(rj_store_flush_waiter_t *w, rj_put_status_t status)
{
    flush_wait_t *fw = w->data;
    fw->status = status;
    if (atomic_fetch_add(&fw->arrivals, 1) == 1) {
        reply_flushed(fw);
    }
}

/*
 * Answers a put result: at once, or when the store's flush callback says so.
 * `ids` is the msgId text (one id, or the comma-joined batch list).
 */
static int
finish_put(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, rj_put_status_t status,
           const rj_store_put_result_t *res, const char *ids, int32_t queue_id, flush_wait_t *fw,
           bool topic_created)
{
    if (status == RJ_PUT_OK || status == RJ_PUT_FLUSH_DISK_TIMEOUT ||
        status == RJ_PUT_FLUSH_SLAVE_TIMEOUT || status == RJ_PUT_SLAVE_NOT_AVAILABLE) {
        rj_broker_stats_put(&b->stats, res->msg_num ? res->msg_num : 1, (uint64_t)res->wrote_bytes);
    }
    if (fw != NULL && res->flush_pending) {
        fw->topic_created = topic_created;
        /* fw's fields are final: whichever of us and the flush callback comes second replies. */
        if (atomic_fetch_add(&fw->arrivals, 1) == 1) {
            reply_flushed(fw);
        }
        return 0;
    }
    rj_command_t resp;
    char remark[512];
    rj_send_response_init(b, cmd, &resp, RJ_RESP_SUCCESS);
    rj_send_response_fill(b, &resp, status, ids, queue_id, res->queue_offset, remark,
                          sizeof(remark));
    if (fw != NULL) {
        if (topic_created) {
            rj_send_reply_after_persist(b, fw->deferred, &resp);
        } else {
            rj_deferred_reply(fw->deferred, &resp);
        }
        flush_wait_free(fw);
        return 0;
    }
    if (topic_created) {
        rj_deferred_t *d = rj_request_defer(req);
        if (d != NULL) {
            rj_send_reply_after_persist(b, d, &resp);
            return 0;
        }
    }
    return rj_request_reply(req, &resp);
}

/* Prepares the deferred context for a put that may wait for an fsync. */
static flush_wait_t *
flush_wait_create(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, size_t ids_len)
{
    bool pooled = sizeof(flush_wait_t) + ids_len + 1 <= FLUSH_WAIT_BLOCK;
    flush_wait_t *fw =
        pooled ? rj_block_pool_get(&flush_wait_pool) : rj_malloc(sizeof(*fw) + ids_len + 1);
    if (fw == NULL) {
        return NULL;
    }
    fw->pooled = pooled;
    fw->deferred = rj_request_defer(req);
    if (fw->deferred == NULL) {
        flush_wait_free(fw);
        return NULL;
    }
    fw->broker = b;
    atomic_init(&fw->arrivals, 0);
    fw->status = RJ_PUT_OK;
    fw->topic_created = false;
    fw->waiter.cb = on_flushed;
    fw->waiter.data = fw;
    fw->opaque = cmd->opaque;
    fw->serialize_type = cmd->serialize_type;
    fw->msg_id[0] = '\0';
    return fw;
}

static bool
must_wait_flush(rj_broker_t *b, bool wait)
{
    return wait && b->store_config.flush_disk_type == RJ_FLUSH_SYNC;
}

/* ---- single message ------------------------------------------------------------ */

static int
send_single(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, rj_send_header_t *h,
            const rj_topic_config_t *tc, bool topic_created)
{
    rj_bytes_t topic = h->topic;
    int32_t queue_id = h->queue_id < 0 ? rj_send_random_queue(tc->write_queue_nums) : h->queue_id;
    char dlq[300];
    bool to_dlq;
    if (handle_retry_and_dlq(b, req, cmd, h, &topic, &queue_id, dlq, sizeof(dlq), &to_dlq,
                             &topic_created) != 0) {
        return 0;
    }
    int32_t sys_flag = h->sys_flag;
    if (tc->filter_type == RJ_TOPIC_FILTER_MULTI_TAG) {
        sys_flag |= RJ_SYSFLAG_MULTI_TAGS;
    }
    /* The properties are parsed once; lookups and the stored copy use the entries. */
    rj_send_props_t props;
    rj_send_props_parse(&props, h->properties);
    rj_bytes_t v;
    bool wait = true;
    if (rj_send_props_get(&props, RJ_BYTES_LIT(RJ_PROP_WAIT_STORE_MSG_OK), &v)) {
        wait = rj_bytes_parse_java_bool(v);
    }
    int32_t delay = 0;
    if (!to_dlq && rj_send_props_get(&props, RJ_BYTES_LIT(RJ_PROP_DELAY_TIME_LEVEL), &v)) {
        if (rj_bytes_parse_i32(v, &delay) != 0) {
            delay = 0;
        }
    }
    /*
     * A half (prepared) message is stored in RMQ_SYS_TRANS_HALF_TOPIC queue 0
     * with tran type NOT and its real topic and queue in properties; the
     * response then describes that record. Its delay is ignored: a delayed
     * half message would end in the schedule topic, which never delivers it.
     */
    bool half = rj_send_props_get(&props, RJ_BYTES_LIT(RJ_PROP_TRANSACTION_PREPARED), &v) &&
                rj_bytes_parse_java_bool(v);
    if (half && RJ_BROKER_CONFIG_LIVE_GET(&b->config, reject_transaction_message)) {
        char remark[200];
        snprintf(remark, sizeof(remark), "the broker[%s] sending transaction message is forbidden",
                 b->config.broker_ip1);
        return reply_error(b, req, cmd, RJ_RESP_NO_PERMISSION, remark);
    }
    scratch_t *sc = scratch();
    if (sc == NULL || (half ? build_half_properties(b, &props, topic, queue_id, &sc->props)
                            : build_properties(b, &props, false, &sc->props)) != 0) {
        return RJ_ENOMEM;
    }
    rj_store_msg_t msg = {
        .topic = half ? RJ_BYTES_LIT(RJ_TOPIC_TRANS_HALF) : topic,
        .queue_id = half ? 0 : queue_id,
        .flag = h->flag,
        .sys_flag =
            half ? rj_sysflag_set_tran_type(sys_flag, RJ_SYSFLAG_TRANSACTION_NOT) : sys_flag,
        .born_timestamp = h->born_timestamp,
        .store_host = b->store_host,
        .reconsume_times = h->reconsume_times,
        .body = cmd->body,
        .properties = rj_buf_view(&sc->props),
        .delay_level = half ? 0 : delay,
        .wait_store_msg_ok = wait,
    };
    rj_msg_host_from_sockaddr(
        (const struct sockaddr *)rj_connection_peer(rj_request_connection(req)), &msg.born_host);
    /* Response queueId is the one the producer asked for (or the random pick), not the DLQ's. */
    int32_t resp_qid = to_dlq ? queue_id : (h->queue_id < 0 ? queue_id : h->queue_id);
    rj_held_reply_t held = {resp_qid, topic_created};
    /* Sends are being held: queue behind them so that order is kept. */
    if (rj_send_throttle_active(b->throttle) &&
        rj_send_throttle_hold(b->throttle, req, NULL, cmd, &msg, &held) == 0) {
        return 0;
    }
    flush_wait_t *fw = NULL;
    if (must_wait_flush(b, wait)) {
        fw = flush_wait_create(b, req, cmd, RJ_MSG_ID_MAX_HEX_SIZE);
        if (fw == NULL) {
            return RJ_ENOMEM;
        }
        fw->queue_id = h->queue_id < 0 ? queue_id : h->queue_id;
    }
    rj_store_put_result_t res;
    memset(&res, 0, sizeof(res));
    int64_t begin_ms = rj_clock_mono_ms();
    rj_put_status_t st = rj_store_put(b->store, &msg, fw ? &fw->waiter : NULL, &res);
    rj_broker_stats_put_time(&b->stats, rj_clock_mono_ms() - begin_ms);
    if (st == RJ_PUT_OS_PAGECACHE_BUSY && b->throttle != NULL &&
        rj_send_throttle_hold(b->throttle, req, fw ? fw->deferred : NULL, cmd, &msg, &held) == 0) {
        flush_wait_free(fw);
        return 0;
    }
    if (fw != NULL) {
        memcpy(fw->msg_id, res.msg_id, sizeof(res.msg_id));
        fw->queue_id = resp_qid;
        fw->queue_offset = res.queue_offset;
    }
    return finish_put(b, req, cmd, st, &res, res.msg_id, resp_qid, fw, topic_created);
}

/* ---- batch ---------------------------------------------------------------------- */

static int
send_batch(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, rj_send_header_t *h,
           const rj_topic_config_t *tc, bool topic_created)
{
    int32_t queue_id = h->queue_id < 0 ? rj_send_random_queue(tc->write_queue_nums) : h->queue_id;
    int32_t sys_flag = h->sys_flag;
    if (tc->filter_type == RJ_TOPIC_FILTER_MULTI_TAG) {
        sys_flag |= RJ_SYSFLAG_MULTI_TAGS;
    }
    rj_send_props_t props;
    rj_send_props_parse(&props, h->properties);
    rj_bytes_t v;
    int32_t delay = 0;
    if (rj_send_props_get(&props, RJ_BYTES_LIT(RJ_PROP_DELAY_TIME_LEVEL), &v) &&
        rj_bytes_parse_i32(v, &delay) == 0 && delay > 0) {
        return reply_error(b, req, cmd, RJ_RESP_MESSAGE_ILLEGAL,
                           "the message is illegal, maybe msg body or properties length not "
                           "matched. batch messages cannot be delayed.");
    }
    bool wait = true;
    if (rj_send_props_get(&props, RJ_BYTES_LIT(RJ_PROP_WAIT_STORE_MSG_OK), &v)) {
        wait = rj_bytes_parse_java_bool(v);
    }
    /* Count the inner messages to size the offset array; a malformed body is illegal. */
    size_t count = 0;
    for (size_t pos = 0; pos < cmd->body.len;) {
        rj_message_batch_item_t item;
        int n = rj_message_batch_item_decode(cmd->body.data + pos, cmd->body.len - pos, &item);
        if (n <= 0) {
            return reply_error(b, req, cmd, RJ_RESP_MESSAGE_ILLEGAL,
                               "the message is illegal, maybe msg body or properties length not "
                               "matched.");
        }
        pos += (size_t)n;
        count++;
    }
    if (count == 0) {
        return reply_error(b, req, cmd, RJ_RESP_MESSAGE_ILLEGAL,
                           "the message is illegal, batch body is empty.");
    }
    scratch_t *sc = scratch();
    if (sc == NULL || build_properties(b, &props, true, &sc->props) != 0) {
        return RJ_ENOMEM;
    }
    int64_t stack_offsets[BATCH_IDS_ON_STACK];
    int64_t *offsets =
        count <= BATCH_IDS_ON_STACK ? stack_offsets : rj_malloc(count * sizeof(int64_t));
    if (offsets == NULL) {
        return RJ_ENOMEM;
    }
    rj_store_batch_t batch = {
        .topic = h->topic,
        .queue_id = queue_id,
        .sys_flag = sys_flag,
        .born_timestamp = h->born_timestamp,
        .store_host = b->store_host,
        .reconsume_times = h->reconsume_times,
        .body = cmd->body,
        .properties = rj_buf_view(&sc->props),
        .wait_store_msg_ok = wait,
        .phy_offsets_out = offsets,
        .phy_offsets_cap = count,
    };
    rj_msg_host_from_sockaddr(
        (const struct sockaddr *)rj_connection_peer(rj_request_connection(req)), &batch.born_host);
    rj_held_reply_t held = {queue_id, topic_created};
    if (rj_send_throttle_active(b->throttle) &&
        rj_send_throttle_hold_batch(b->throttle, req, NULL, cmd, &batch, count, &held) == 0) {
        if (offsets != stack_offsets) {
            rj_free(offsets);
        }
        return 0;
    }
    flush_wait_t *fw = NULL;
    size_t ids_cap = count * RJ_MSG_ID_MAX_HEX_SIZE;
    if (must_wait_flush(b, wait)) {
        fw = flush_wait_create(b, req, cmd, ids_cap);
        if (fw == NULL) {
            if (offsets != stack_offsets) {
                rj_free(offsets);
            }
            return RJ_ENOMEM;
        }
    }
    rj_store_put_result_t res;
    memset(&res, 0, sizeof(res));
    int64_t begin_ms = rj_clock_mono_ms();
    rj_put_status_t st = rj_store_put_batch(b->store, &batch, fw ? &fw->waiter : NULL, &res);
    rj_broker_stats_put_time(&b->stats, rj_clock_mono_ms() - begin_ms);
    if (st == RJ_PUT_OS_PAGECACHE_BUSY && b->throttle != NULL &&
        rj_send_throttle_hold_batch(b->throttle, req, fw ? fw->deferred : NULL, cmd, &batch, count,
                                    &held) == 0) {
        flush_wait_free(fw);
        if (offsets != stack_offsets) {
            rj_free(offsets);
        }
        return 0;
    }
    rj_buf_reset(&sc->ids);
    uint32_t n = res.msg_num > 0 ? (uint32_t)res.msg_num : (uint32_t)count;
    for (uint32_t i = 0; i < n && i < count; i++) {
        char id[RJ_MSG_ID_MAX_HEX_SIZE];
        rj_message_id_encode(&b->store_host, offsets[i], id, sizeof(id));
        if (i > 0) {
            rj_buf_append_u8(&sc->ids, ',');
        }
        rj_buf_append_cstr(&sc->ids, id);
    }
    if (offsets != stack_offsets) {
        rj_free(offsets);
    }
    if (rj_buf_terminate(&sc->ids) != 0) {
        return RJ_ENOMEM;
    }
    if (fw != NULL) {
        fw->queue_id = queue_id;
        fw->queue_offset = res.queue_offset;
        memcpy(fw->msg_id, sc->ids.data, sc->ids.len + 1);
    }
    return finish_put(b, req, cmd, st, &res, (const char *)sc->ids.data, queue_id, fw,
                      topic_created);
}

/* ---- entry point ---------------------------------------------------------------- */

int
rj_send_check(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, const rj_send_header_t *h,
              rj_topic_config_t *tc, bool *topic_created)
{
    int64_t start = RJ_BROKER_CONFIG_LIVE_GET(&b->config, start_accept_send_request_time_stamp);
    if (start > 0 && rj_clock_wall_ms() < start) {
        char remark[128], when[64];
        time_t secs = (time_t)(start / 1000);
        struct tm tm;
        localtime_r(&secs, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(remark, sizeof(remark), "broker unable to service, until %s,%03d", when,
                 (int)(start % 1000));
        reply_error(b, req, cmd, RJ_RESP_SYSTEM_ERROR, remark);
        return 1;
    }
    return msg_check(b, req, cmd, h, tc, topic_created);
}

static int
send_process(rj_broker_t *b, rj_request_t *req, const rj_command_t *cmd, rj_send_header_t *h)
{
    rj_topic_config_t tc;
    bool created;
    if (rj_send_check(b, req, cmd, h, &tc, &created) != 0) {
        return 0;
    }
    return h->batch ? send_batch(b, req, cmd, h, &tc, created)
                    : send_single(b, req, cmd, h, &tc, created);
}

static int
handle_send(rj_request_t *req, const rj_command_t *cmd, void *arg)
{
    rj_broker_t *b = arg;
    rj_send_header_t h;
    rj_header_reader_t rd;
    if (rj_send_header_parse(cmd, &h, &rd) != 0) {
        return rj_header_reply_error(&rd, req);
    }
    return send_process(b, req, cmd, &h);
}

static const rj_broker_handler_t handlers[] = {
    {RJ_REQ_SEND_MESSAGE, RJ_DISPATCH_INLINE, handle_send},
    {RJ_REQ_SEND_MESSAGE_V2, RJ_DISPATCH_INLINE, handle_send},
    {RJ_REQ_SEND_BATCH_MESSAGE, RJ_DISPATCH_INLINE, handle_send},
};

static int
start_send(rj_broker_t *b)
{
    int rc = rj_send_throttle_create(b, &b->throttle);
    if (rc == 0) {
        rc = rj_send_throttle_start(b->throttle);
    }
    return rc;
}

static void
stop_send(rj_broker_t *b)
{
    rj_send_throttle_stop(b->throttle);
}

const rj_broker_processor_t rj_processor_send = {
    .name = "send",
    .handlers = handlers,
    .nhandlers = sizeof(handlers) / sizeof(handlers[0]),
    .start = start_send,
    .stop = stop_send,
};
