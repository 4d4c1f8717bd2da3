/*
 * The transaction check pass and its thread.
 *
 * DESIGN. One pass mirrors TransactionalMessageServiceImpl.check of 4.9.8 for
 * each queue of the half topic: the op records from the op queue's progress
 * on are read 32 at a time into a map half offset -> op offset; the half
 * queue is then walked from its progress. A half offset found in the map is
 * done (its op offset joins the `done` list); any other half message is
 * discarded, left for later (too young: the pass stops there), or — once no
 * further op record can resolve it — copied to the end of the half queue
 * with its check count + 1 and handed to the listener. The half progress
 * moves past everything handled; the op progress moves over the consecutive
 * run of op offsets that are done. Clock, limits and the order of the
 * decisions are 4.9.8's, so a half message is checked exactly when RocketMQ
 * would check it.
 */
#include "broker/transaction_check.h"

#include "broker/topic_validator.h"
#include "broker/transaction_message.h"
#include "common/alloc.h"
#include "common/clock.h"
#include "common/hashmap.h"
#include "common/log.h"
#include "common/message_properties.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"

#include <stdio.h>
#include <string.h>

#define MAX_PROCESS_TIME_MS 60000
#define OP_PULL_BATCH 32
#define MAX_RETRY_COUNT_WHEN_HALF_NULL 1

/* PullStatus of the bridge's getMessage. */
typedef enum {
    PULL_FOUND,
    PULL_NO_NEW_MSG,
    PULL_NO_MATCHED_MSG,
    PULL_OFFSET_ILLEGAL,
} pull_status_t;

/* What the last op read returned (Java keeps the PullResult). */
typedef struct {
    pull_status_t status;
    int64_t next_begin;
    bool has_msgs;        /* msgFoundList != null */
    int64_t last_born_ms; /* born time of its last op record */
} op_pull_t;

typedef struct {
    rj_broker_t *b;
    const rj_transaction_check_listener_t *listener;
    int64_t now_ms;
    int64_t timeout_ms;
    int32_t check_max;
    rj_hashmap_t *remove_map; /* half offset (8 bytes) -> op offset + 1 */
    int64_t *done;            /* op offsets accounted for */
    size_t ndone, done_cap;
    rj_transaction_check_stats_t *st;
} check_t;

static const rj_bytes_t half_topic = RJ_BYTES_LIT(RJ_TOPIC_TRANS_HALF);
static const rj_bytes_t op_topic = RJ_BYTES_LIT(RJ_TOPIC_TRANS_OP_HALF);
static const rj_bytes_t group = RJ_BYTES_LIT(RJ_TRANSACTION_GROUP);

static pull_status_t
pull_status(rj_get_status_t s)
{
    switch (s) {
    case RJ_GET_FOUND:
        return PULL_FOUND;
    case RJ_GET_NO_MATCHED_MESSAGE:
        return PULL_NO_MATCHED_MSG;
    case RJ_GET_NO_MESSAGE_IN_QUEUE:
    case RJ_GET_OFFSET_OVERFLOW_ONE:
    case RJ_GET_NO_MATCHED_LOGIC_QUEUE: /* the queue does not exist yet: nothing new */
        return PULL_NO_NEW_MSG;
    default:
        return PULL_OFFSET_ILLEGAL;
    }
}

/* fetchConsumeOffset: the group's progress, else the queue's min offset (0 if the queue is new). */
static int64_t
fetch_offset(rj_broker_t *b, rj_bytes_t topic, int32_t qid)
{
    int64_t off;
    if (rj_offset_manager_query(b->offsets, topic, group, qid, &off)) {
        return off;
    }
    off = rj_store_get_min_offset_in_queue(b->store, topic, qid);
    return off < 0 ? 0 : off;
}

static void
commit_offset(rj_broker_t *b, rj_bytes_t topic, int32_t qid, int64_t offset)
{
    rj_offset_manager_commit(b->offsets, topic, group, qid, offset);
}

static int
done_add(check_t *c, int64_t op_offset)
{
    if (c->ndone == c->done_cap) {
        size_t cap = c->done_cap ? c->done_cap * 2 : 64;
        int64_t *d = rj_realloc(c->done, cap * sizeof(*d));
        if (d == NULL) {
            return RJ_ENOMEM;
        }
        c->done = d;
        c->done_cap = cap;
    }
    c->done[c->ndone++] = op_offset;
    return 0;
}

/* removeMap.remove(half): the op offset + 1, or 0 when absent. */
static int64_t
remove_map_take(check_t *c, int64_t half)
{
    return (int64_t)(uintptr_t)rj_hashmap_remove(c->remove_map, &half, sizeof(half));
}

/*
 * fillOpRemoveMap: reads up to 32 op records from `op_offset`; those naming
 * a half offset below `mini_offset` are done, the others go into the map.
 */
static int
fill_op_remove_map(check_t *c, int32_t qid, int64_t op_offset, int64_t mini_offset, op_pull_t *out)
{
    rj_store_view_t views[OP_PULL_BATCH];
    rj_store_get_result_t res = {.views = views, .cap = OP_PULL_BATCH};
    if (rj_store_get_message(c->b->store, op_topic, qid, op_offset, OP_PULL_BATCH, NULL, &res) !=
        0) {
        return RJ_ESHUTDOWN;
    }
    out->status = pull_status(res.status);
    out->next_begin = res.next_begin_offset;
    out->has_msgs = false;
    int rc = 0;
    if (out->status == PULL_OFFSET_ILLEGAL || out->status == PULL_NO_MATCHED_MSG) {
        rj_log(RJ_LOG_WARN, 0, "transaction op offset %lld of queue %d is illegal (%s)",
               (long long)op_offset, qid, rj_get_status_name(res.status));
        commit_offset(c->b, op_topic, qid, res.next_begin_offset);
    } else if (out->status == PULL_FOUND) {
        for (uint32_t i = 0; i < res.count && rc == 0; i++) {
            rj_message_record_t rec;
            if (rj_message_record_decode(views[i].data, views[i].len, &rec, 0) <= 0) {
                continue;
            }
            out->has_msgs = true;
            out->last_born_ms = rec.born_timestamp;
            rj_bytes_t tag;
            int64_t half = rj_transaction_op_half_offset(rec.body);
            if (!rj_message_properties_get(rec.properties, RJ_PROP_TAGS, &tag) ||
                !rj_bytes_eq_cstr(tag, RJ_TRANSACTION_REMOVE_TAG)) {
                rj_log(RJ_LOG_ERROR, 0, "illegal tag in transaction op record at %lld",
                       (long long)rec.queue_offset);
                continue;
            }
            if (half < mini_offset) {
                rc = done_add(c, rec.queue_offset);
            } else {
                rc = rj_hashmap_put(c->remove_map, &half, sizeof(half),
                                    (void *)(uintptr_t)(rec.queue_offset + 1), NULL);
            }
        }
    }
    rj_store_get_result_release(&res);
    return rc;
}

/* Appends a copy of a half message (renewHalfMessageInner) with `props`. */
static rj_put_status_t
put_copy(check_t *c, const rj_message_record_t *rec, rj_bytes_t props, rj_store_put_result_t *res)
{
    rj_store_msg_t msg = {
        .topic = rec->topic,
        .queue_id = rec->queue_id,
        .flag = rec->flag,
        .sys_flag = rec->sys_flag,
        .born_timestamp = rec->born_timestamp,
        .born_host = rec->born_host,
        .store_host = rec->store_host,
        .reconsume_times = rec->reconsume_times,
        .body = rec->body,
        .properties = props,
        .wait_store_msg_ok = false,
    };
    memset(res, 0, sizeof(*res));
    return rj_store_put(c->b->store, &msg, NULL, res);
}

/* resolveDiscardMsg: the half message goes to TRANS_CHECK_MAX_TIME_TOPIC. */
static void
discard(check_t *c, const rj_message_record_t *rec, rj_bytes_t props)
{
    rj_topic_config_t tc;
    bool created;
    if (rj_topic_manager_create_if_absent(c->b->topics, RJ_BYTES_LIT(RJ_TOPIC_TRANS_CHECK_MAX_TIME),
                                          RJ_TRANSACTION_DISCARD_QUEUE_NUMS,
                                          RJ_PERM_READ | RJ_PERM_WRITE, 0, &tc, &created) == 0 &&
        created) {
        /* createTopicOfTranCheckMaxTime registers the new topic. */
        rj_broker_register_then_reply(c->b, NULL, NULL);
    }
    rj_store_msg_t msg = {
        .topic = RJ_BYTES_LIT(RJ_TOPIC_TRANS_CHECK_MAX_TIME),
        .queue_id = 0,
        .flag = rec->flag,
        .sys_flag = rec->sys_flag,
        .born_timestamp = rec->born_timestamp,
        .born_host = rec->born_host,
        .store_host = rec->store_host,
        .reconsume_times = rec->reconsume_times,
        .body = rec->body,
        .properties = props,
        .wait_store_msg_ok = false,
    };
    rj_store_put_result_t res;
    memset(&res, 0, sizeof(res));
    rj_put_status_t st = rj_store_put(c->b->store, &msg, NULL, &res);
    rj_bytes_t real = RJ_BYTES_NULL;
    rj_message_properties_get(rec->properties, RJ_PROP_REAL_TOPIC, &real);
    if (st == RJ_PUT_OK) {
        rj_log(RJ_LOG_WARN, 0,
               "half message checked too many times, moved to %s: queueOffset=%lld "
               "commitLogOffset=%lld realTopic=%.*s",
               RJ_TOPIC_TRANS_CHECK_MAX_TIME, (long long)rec->queue_offset,
               (long long)rec->phy_offset, (int)real.len, (const char *)real.data);
        c->st->discarded++;
    } else {
        rj_log(RJ_LOG_ERROR, 0, "put checked-too-many-times half message failed: %s realTopic=%.*s",
               rj_put_status_name(st), (int)real.len, (const char *)real.data);
    }
}

/*
 * putBackHalfMsgQueue + resolveHalfMsg: appends the copy that the answer
 * will refer to and hands the check to the listener. Returns 0 or an error
 * (nothing was sent).
 */
static int
put_back_and_check(check_t *c, const rj_message_record_t *rec, int32_t next_times)
{
    rj_buf_t props = RJ_BUF_INIT, check_props = RJ_BUF_INIT, body = RJ_BUF_INIT;
    int rc = rj_transaction_props_set_i64(rec->properties, RJ_PROP_TRANSACTION_CHECK_TIMES,
                                          next_times, &props);
    rj_store_put_result_t res;
    rj_put_status_t st = RJ_PUT_UNKNOWN_ERROR;
    if (rc == 0) {
        st = put_copy(c, rec, rj_buf_view(&props), &res);
        if (st != RJ_PUT_OK) {
            rj_log(RJ_LOG_ERROR, 0, "put back half message failed: %s queueOffset=%lld",
                   rj_put_status_name(st), (long long)rec->queue_offset);
            rc = RJ_EIO;
        }
    }
    /* The check body carries the copy's offsets and, as 4.9.8's shared map does, WAIT=false. */
    if (rc == 0) {
        rc = rj_transaction_props_set(rj_buf_view(&props), RJ_PROP_WAIT_STORE_MSG_OK,
                                      RJ_BYTES_LIT("false"), &check_props);
    }
    if (rc == 0) {
        rj_message_record_t copy = *rec;
        copy.queue_offset = res.queue_offset;
        copy.phy_offset = res.phy_offset;
        rc = rj_transaction_encode_check_body(&copy, rj_buf_view(&check_props), &body);
        if (rc != 0) {
            rj_log(RJ_LOG_ERROR, rc, "half message at %lld has no usable REAL_TOPIC/REAL_QID",
                   (long long)res.phy_offset);
        }
    }
    if (rc == 0) {
        rj_bytes_t uniq = RJ_BYTES_NULL, pgroup = RJ_BYTES_NULL;
        rj_message_properties_get(rec->properties, RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX, &uniq);
        rj_message_properties_get(rec->properties, RJ_PROP_PRODUCER_GROUP, &pgroup);
        rj_command_t req;
        rj_command_init_request(&req, RJ_REQ_CHECK_TRANSACTION_STATE);
        rj_command_add_ext_i64(&req, "commitLogOffset", res.phy_offset);
        if (uniq.data != NULL) {
            rj_command_add_ext(&req, RJ_BYTES_LIT("msgId"), uniq);
        }
        rj_command_add_ext_i64(&req, "tranStateTableOffset", res.queue_offset);
        rj_command_add_ext_cstr(&req, "offsetMsgId", res.msg_id);
        if (uniq.data != NULL) {
            rj_command_add_ext(&req, RJ_BYTES_LIT("transactionId"), uniq);
        }
        c->listener->send_check(c->listener->arg, pgroup, &req, rj_buf_view(&body));
        c->st->checks_sent++;
    }
    rj_buf_cleanup(&props);
    rj_buf_cleanup(&check_props);
    rj_buf_cleanup(&body);
    return rc;
}

/* putImmunityMsgBackToHalfQueue: a copy that remembers the original half offset. */
static bool
put_immunity_back(check_t *c, const rj_message_record_t *rec, rj_bytes_t props)
{
    int64_t prepared;
    if (!rj_transaction_prepared_queue_offset(props, &prepared)) {
        prepared = rec->queue_offset;
    }
    rj_buf_t p = RJ_BUF_INIT;
    bool ok = false;
    if (rj_transaction_props_set_i64(props, RJ_PROP_TRANSACTION_PREPARED_QUEUE_OFFSET, prepared,
                                     &p) == 0) {
        rj_store_put_result_t res;
        ok = put_copy(c, rec, rj_buf_view(&p), &res) == RJ_PUT_OK;
    }
    rj_buf_cleanup(&p);
    return ok;
}

/* checkPrepareQueueOffset: true when the message needs no check (skip it). */
static bool
check_prepare_queue_offset(check_t *c, const rj_message_record_t *rec, rj_bytes_t props)
{
    int64_t prepared;
    if (!rj_transaction_prepared_queue_offset(props, &prepared)) {
        return put_immunity_back(c, rec, props);
    }
    if (prepared == -1) {
        return false;
    }
    int64_t op = remove_map_take(c, prepared);
    if (op > 0) {
        done_add(c, op - 1);
        return true;
    }
    return put_immunity_back(c, rec, props);
}

/* Checks one half queue. */
static void
check_queue(check_t *c, int32_t qid)
{
    rj_broker_t *b = c->b;
    int64_t half_offset = fetch_offset(b, half_topic, qid);
    int64_t op_offset = fetch_offset(b, op_topic, qid);
    rj_hashmap_clear(c->remove_map, NULL);
    c->ndone = 0;
    op_pull_t pr;
    if (fill_op_remove_map(c, qid, op_offset, half_offset, &pr) != 0) {
        rj_log(RJ_LOG_ERROR, 0, "transaction check of queue %d: op records unreadable", qid);
        return;
    }
    int null_count = 1;
    int64_t new_offset = half_offset, i = half_offset;
    int64_t start_mono = rj_clock_mono_ms();
    /* Copies appended by this pass are stored after this: the walk stops at them. */
    int64_t start_wall = rj_clock_wall_ms();
    /* fileReservedTime may change while running (UPDATE_BROKER_CONFIG writes the store's copy). */
    int64_t reserved_ms =
        (int64_t)__atomic_load_n(&rj_store_config(b->store)->file_reserved_time, __ATOMIC_RELAXED) *
        3600 * 1000;
    for (;;) {
        if (rj_clock_mono_ms() - start_mono > MAX_PROCESS_TIME_MS ||
            atomic_load(&b->shutting_down)) {
            break;
        }
        int64_t op = remove_map_take(c, i);
        if (op > 0) {
            done_add(c, op - 1);
            c->st->resolved++;
            new_offset = ++i;
            continue;
        }
        rj_store_view_t view;
        rj_store_get_result_t res = {.views = &view, .cap = 1};
        if (rj_store_get_message(b->store, half_topic, qid, i, 1, NULL, &res) != 0) {
            break;
        }
        rj_message_record_t rec;
        if (res.count == 0 || rj_message_record_decode(view.data, view.len, &rec, 0) <= 0) {
            rj_store_get_result_release(&res);
            if (null_count++ > MAX_RETRY_COUNT_WHEN_HALF_NULL ||
                pull_status(res.status) == PULL_NO_NEW_MSG) {
                break;
            }
            i = new_offset = res.next_begin_offset;
            continue;
        }
        int32_t next_times = 0;
        bool discard_now = rj_transaction_need_discard(rec.properties, c->check_max, &next_times);
        bool skip_old = !discard_now && c->now_ms - rec.born_timestamp > reserved_ms;
        rj_buf_t props = RJ_BUF_INIT;
        /* From here on 4.9.8 works on the message with its check count already raised. */
        if (!discard_now &&
            rj_transaction_props_set_i64(rec.properties, RJ_PROP_TRANSACTION_CHECK_TIMES,
                                         next_times, &props) != 0) {
            rj_store_get_result_release(&res);
            break;
        }
        rj_bytes_t cur_props = discard_now ? rec.properties : rj_buf_view(&props);
        bool stop = false, advance = true;
        if (discard_now || skip_old) {
            discard(c, &rec, cur_props);
        } else if (rec.store_timestamp >= start_wall) {
            stop = true; /* stored during this pass: next time */
        } else {
            int64_t age = c->now_ms - rec.born_timestamp;
            bool has_immunity;
            int64_t immunity =
                rj_transaction_immunity_ms(rec.properties, c->timeout_ms, &has_immunity);
            bool skip = false;
            if (has_immunity) {
                if (age < immunity && check_prepare_queue_offset(c, &rec, cur_props)) {
                    skip = true;
                }
            } else if (age >= 0 && age < immunity) {
                stop = true; /* too young; so are the ones after it */
            }
            if (!skip && !stop) {
                bool need_check = (!pr.has_msgs && age > immunity) ||
                                  (pr.has_msgs && pr.last_born_ms - c->now_ms > c->timeout_ms) ||
                                  age <= -1;
                if (need_check) {
                    if (put_back_and_check(c, &rec, next_times) != 0) {
                        stop = true; /* the store refused the copy: retry next pass */
                        advance = false;
                    }
                } else {
                    /* An op record further on may still resolve it: read more of them. */
                    advance = false;
                    if (fill_op_remove_map(c, qid, pr.next_begin, half_offset, &pr) != 0) {
                        stop = true;
                    }
                }
            }
        }
        rj_buf_cleanup(&props);
        rj_store_get_result_release(&res);
        if (stop) {
            break;
        }
        if (advance) {
            new_offset = ++i;
        }
    }
    if (new_offset != half_offset) {
        commit_offset(b, half_topic, qid, new_offset);
    }
    int64_t new_op = rj_transaction_next_op_offset(c->done, c->ndone, op_offset);
    if (new_op != op_offset) {
        commit_offset(b, op_topic, qid, new_op);
    }
    c->st->half_offset = new_offset;
    c->st->op_offset = new_op;
}

int
rj_transaction_check_once(rj_broker_t *b, int64_t now_ms,
                          const rj_transaction_check_listener_t *listener,
                          rj_transaction_check_stats_t *stats)
{
    rj_transaction_check_stats_t local;
    check_t c = {
        .b = b,
        .listener = listener,
        .now_ms = now_ms,
        .timeout_ms = RJ_BROKER_CONFIG_LIVE_GET(&b->config, transaction_time_out),
        .check_max = RJ_BROKER_CONFIG_LIVE_GET(&b->config, transaction_check_max),
        .st = stats != NULL ? stats : &local,
    };
    memset(c.st, 0, sizeof(*c.st));
    /* fetchMessageQueues: the half topic is created on first use, 1 queue RW. */
    rj_topic_config_t tc;
    bool created;
    int rc = rj_topic_manager_create_if_absent(b->topics, half_topic, 1,
                                               RJ_PERM_WRITE | RJ_PERM_READ, 0, &tc, &created);
    if (rc != 0) {
        return rc;
    }
    if (created) {
        rj_broker_register_then_reply(b, NULL, NULL);
    }
    c.remove_map = rj_hashmap_create(64);
    if (c.remove_map == NULL) {
        return RJ_ENOMEM;
    }
    for (int32_t q = 0; q < tc.read_queue_nums; q++) {
        check_queue(&c, q);
    }
    rj_hashmap_destroy(c.remove_map, NULL);
    rj_free(c.done);
    return 0;
}

/* ---- the service ---------------------------------------------------------------- */

void
rj_transaction_check_send_to_producer(void *arg, rj_bytes_t producer_group, rj_command_t *request,
                                      rj_bytes_t body)
{
    rj_broker_t *b = arg;
    rj_connection_t *conn = producer_group.len > 0
                                ? rj_producer_manager_any_channel(b->producers, producer_group)
                                : NULL;
    if (conn == NULL) {
        rj_log_ratelimited(1000, RJ_LOG_WARN, 0,
                           "Check transaction failed, channel is null. groupId=%.*s",
                           (int)producer_group.len, (const char *)producer_group.data);
        return;
    }
    request->body = body;
    int rc = rj_connection_invoke_oneway(conn, request);
    if (rc != 0) {
        rj_log(RJ_LOG_WARN, rc, "CHECK_TRANSACTION_STATE to %s (group %.*s) failed",
               rj_connection_remote_addr(conn), (int)producer_group.len,
               (const char *)producer_group.data);
    }
    rj_connection_release(conn);
}

static void
task_check(void *arg)
{
    rj_broker_t *b = arg;
    if (atomic_load(&b->shutting_down)) {
        return;
    }
    rj_transaction_check_listener_t l = {rj_transaction_check_send_to_producer, b};
    rj_transaction_check_stats_t st;
    int64_t begin = rj_clock_wall_ms();
    int rc = rj_transaction_check_once(b, begin, &l, &st);
    if (rc != 0) {
        rj_log(RJ_LOG_ERROR, rc, "transaction check failed");
    } else if (st.checks_sent > 0 || st.discarded > 0) {
        rj_log(RJ_LOG_INFO, 0,
               "transaction check: %d checked, %d discarded, %d resolved, progress half=%lld "
               "op=%lld, %lld ms",
               st.checks_sent, st.discarded, st.resolved, (long long)st.half_offset,
               (long long)st.op_offset, (long long)(rj_clock_wall_ms() - begin));
    }
}

int
rj_transaction_check_start(rj_broker_t *b)
{
    int64_t interval = b->config.transaction_check_interval;
    int rc = rj_broker_scheduler_create("TransactionCheck", &b->tx_check);
    if (rc == 0) {
        rc = rj_broker_scheduler_every(b->tx_check, interval, interval, task_check, b);
    }
    if (rc == 0) {
        rc = rj_broker_scheduler_start(b->tx_check);
    }
    return rc;
}

void
rj_transaction_check_stop(rj_broker_t *b)
{
    if (b->tx_check != NULL) {
        rj_broker_scheduler_stop(b->tx_check);
    }
}
