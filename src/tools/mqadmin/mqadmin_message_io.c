/*
 * Quick-check sub-commands that move messages: sendMessage (through the
 * public producer API of libramjet) and consumeMessage (one-shot pulls from
 * chosen queues and offsets, printed as RocketMQ's printMsg lines, without
 * committing any progress). Also the re-send of queryMsgById -s.
 */
#include "tools/mqadmin/mqadmin_commands.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/message_properties.h"
#include "ramjet/log.h"
#include "ramjet/message.h"
#include "ramjet/producer.h"
#include "ramjet/status.h"
#include "remoting/request_code.h"
#include "remoting/response_code.h"
#include "tools/mqadmin/mqadmin_msg.h"
#include "tools/mqadmin/mqadmin_print.h"
#include "tools/mqadmin/mqadmin_route.h"

#include <stdio.h>
#include <string.h>

/* Largest batch one pull asks for (the broker caps it at 32 anyway). */
#define PULL_BATCH 32

static const char *
send_status_name(rj_send_status_t s)
{
    switch (s) {
    case RJ_SEND_OK:
        return "SEND_OK";
    case RJ_SEND_FLUSH_DISK_TIMEOUT:
        return "FLUSH_DISK_TIMEOUT";
    case RJ_SEND_FLUSH_SLAVE_TIMEOUT:
        return "FLUSH_SLAVE_TIMEOUT";
    case RJ_SEND_SLAVE_NOT_AVAILABLE:
        return "SLAVE_NOT_AVAILABLE";
    }
    return "UNKNOWN";
}

/* A started producer of `group` on the name servers of -n (instance of its own). */
static int
start_producer(rj_mqadmin_ctx_t *ctx, const char *group, rj_producer_t **out)
{
    if (ctx->namesrv == NULL) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL,
                                   "no name server address: use -n 'host:port[;host:port]' or set "
                                   "NAMESRV_ADDR");
    }
    rj_producer_t *p = NULL;
    char instance[32];
    snprintf(instance, sizeof(instance), "%lld", (long long)rj_clock_wall_ms());
    int rc = rj_producer_create(group, &p);
    if (rc == 0) {
        rc = rj_producer_set_namesrv_addr(p, ctx->namesrv);
    }
    if (rc == 0) {
        rc = rj_producer_set_instance_name(p, instance);
    }
    if (rc == 0) {
        rc = rj_producer_start(p);
    }
    if (rc != 0) {
        const char *why = rj_last_error();
        rj_mqadmin_ctx_fail(ctx, rc, "cannot start a producer: %s", why[0] ? why : rj_strerror(rc));
        rj_producer_destroy(p);
        return rc;
    }
    *out = p;
    return 0;
}

static int
send_failed(rj_mqadmin_ctx_t *ctx, int rc)
{
    const char *why = rj_last_error();
    return rj_mqadmin_ctx_fail(ctx, rc, "send failed: %s", why[0] ? why : rj_strerror(rc));
}

/* ---- sendMessage -------------------------------------------------------------------------------
 */

static int
run_send_message(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    const char *topic = rj_mqadmin_cli_get(args, 't');
    const char *body = rj_mqadmin_cli_get(args, 'p');
    const char *broker = rj_mqadmin_cli_get(args, 'b');
    int32_t qid = -1;
    if (rj_mqadmin_cli_has(args, 'i') && broker == NULL) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE,
                                   "Broker name must be set if the queue is chosen!");
    }
    int rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'i', -1, &qid);
    if (rc != 0) {
        return rc;
    }
    rj_message_t *msg = NULL;
    rc = rj_message_create(topic, &msg);
    if (rc == 0) {
        rc = rj_message_set_body(msg, body, strlen(body));
    }
    if (rc == 0 && rj_mqadmin_cli_has(args, 'c')) {
        rc = rj_message_set_tags(msg, rj_mqadmin_cli_get(args, 'c'));
    }
    if (rc == 0 && rj_mqadmin_cli_has(args, 'k')) {
        rc = rj_message_set_keys(msg, rj_mqadmin_cli_get(args, 'k'));
    }
    if (rc != 0) {
        rj_message_destroy(msg);
        const char *why = rj_last_error();
        return rj_mqadmin_ctx_fail(ctx, rc, "bad message: %s", why[0] ? why : rj_strerror(rc));
    }
    /* RocketMQ names the producer group after the current time. */
    char group[32];
    snprintf(group, sizeof(group), "%lld", (long long)rj_clock_wall_ms());
    rj_producer_t *p = NULL;
    rj_send_result_t *res = NULL;
    rc = start_producer(ctx, group, &p);
    if (rc == 0) {
        if (broker != NULL && qid > -1) {
            rj_message_queue_t mq = {topic, broker, qid};
            rc = rj_producer_send_to_queue(p, msg, &mq, &res);
        } else {
            rc = rj_producer_send(p, msg, &res);
        }
        if (rc != 0) {
            send_failed(ctx, rc);
        }
    }
    if (rc == 0) {
        printf("%-32s  %-4s  %-20s    %s\n", "#Broker Name", "#QID", "#Send Result", "#MsgId");
        char q[16];
        snprintf(q, sizeof(q), "%d", rj_send_result_queue_id(res));
        printf("%-32s  %-4s  %-20s    %s\n", rj_send_result_broker_name(res), q,
               send_status_name(rj_send_result_status(res)), rj_send_result_msg_id(res));
    }
    rj_send_result_destroy(res);
    if (p != NULL) {
        rj_producer_shutdown(p);
        rj_producer_destroy(p);
    }
    rj_message_destroy(msg);
    return rc;
}

static const rj_mqadmin_option_t send_message_options[] = {
    {'t', "topic", true, true, 0, "Topic name"},
    {'p', "body", true, true, 0, "UTF-8 string format of the message body"},
    {'k', "key", true, false, 0, "Message keys"},
    {'c', "tags", true, false, 0, "Message tags"},
    {'b', "broker", true, false, 0, "Send message to target broker"},
    {'i', "qid", true, false, 0, "Send message to target queue"},
    {'m', "msgTraceEnable", true, false, 0, "Message Trace Enable, Default: false"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_send_message = {"sendMessage", "Send a message",
                                                          send_message_options, run_send_message};

/* ---- queryMsgById -s: send a stored message again
 * ------------------------------------------------ */

int
rj_mqadmin_message_io_resend(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_msg_t *m,
                             const char *unit_name)
{
    (void)unit_name; /* unit routing is not part of Ramjet's client */
    char topic[512];
    if (!rj_bytes_copy_cstr(m->rec.topic, topic, sizeof(topic))) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "the stored topic is too long");
    }
    size_t len;
    const uint8_t *body = rj_mqadmin_msg_body(m, &len);
    rj_message_t *msg = NULL;
    int rc = rj_message_create(topic, &msg);
    if (rc == 0) {
        rc = rj_message_set_body(msg, body, len);
    }
    if (rc == 0) {
        rc = rj_message_set_flag(msg, m->rec.flag);
    }
    /* The message goes again with its properties, as MessageExt does (UNIQ_KEY included). */
    rj_message_properties_iter_t it;
    rj_bytes_t key, value;
    rj_message_properties_iter_init(&it, m->rec.properties);
    while (rc == 0 && rj_message_properties_next(&it, &key, &value)) {
        char *k = rj_bytes_dup(key), *v = rj_bytes_dup(value);
        rc = k != NULL && v != NULL ? rj_message_set_property(msg, k, v) : RJ_ENOMEM;
        rj_free(k);
        rj_free(v);
    }
    if (rc != 0) {
        rj_message_destroy(msg);
        return rj_mqadmin_ctx_fail(ctx, rc, "cannot rebuild the message: %s", rj_strerror(rc));
    }
    rj_producer_t *p = NULL;
    rj_send_result_t *res = NULL;
    rc = start_producer(ctx, "ReSendMsgById", &p);
    if (rc == 0) {
        rc = rj_producer_send(p, msg, &res);
        if (rc != 0) {
            send_failed(ctx, rc);
        }
    }
    if (rc == 0) {
        printf("SendResult [sendStatus=%s, msgId=%s, offsetMsgId=%s, messageQueue=MessageQueue "
               "[topic=%s, brokerName=%s, queueId=%d], queueOffset=%lld]\n",
               send_status_name(rj_send_result_status(res)), rj_send_result_msg_id(res),
               rj_send_result_offset_msg_id(res), rj_send_result_topic(res),
               rj_send_result_broker_name(res), rj_send_result_queue_id(res),
               (long long)rj_send_result_queue_offset(res));
    }
    rj_send_result_destroy(res);
    if (p != NULL) {
        rj_producer_shutdown(p);
        rj_producer_destroy(p);
    }
    rj_message_destroy(msg);
    return rc;
}

/* ---- consumeMessage and printMsg: pulls without committing ---------------------------------- */

typedef struct {
    rj_mqadmin_ctx_t *ctx;
    const char *topic;
    const char *group;
    const char *subscription; /* TAG expression */
    int64_t begin_ms;         /* 0: from the queue's first message */
    int64_t end_ms;           /* 0: to the queue's end */
    bool print_body;
    bool consume_ok_line; /* consumeMessage announces each found batch */
    int64_t left;         /* messages still to print (consumeMessage -c) */
} consume_t;

static const char *
pull_status_name(int32_t code)
{
    switch (code) {
    case RJ_RESP_SUCCESS:
        return "FOUND";
    case RJ_RESP_PULL_NOT_FOUND:
        return "NO_NEW_MSG";
    case RJ_RESP_PULL_RETRY_IMMEDIATELY:
        return "NO_MATCHED_MSG";
    default:
        return "OFFSET_ILLEGAL";
    }
}

/* Prints the messages of [from, to) of one queue. */
static int
pull_range(consume_t *c, const char *addr, const char *broker, int32_t qid, int64_t from,
           int64_t to)
{
    int64_t offset = from;
    while (offset < to) {
        int64_t want = to - offset;
        rj_mqadmin_msg_pull_result_t pr;
        int rc = rj_mqadmin_msg_pull(c->ctx, addr, c->group, c->topic, broker, qid, offset,
                                     (int32_t)(want < PULL_BATCH ? want : PULL_BATCH),
                                     c->subscription, &pr);
        if (rc != 0) {
            return rc;
        }
        int64_t next = pr.next_begin_offset;
        if (pr.code == RJ_RESP_SUCCESS) {
            if (c->consume_ok_line) {
                printf("Consume ok\n");
            }
            for (size_t i = 0; i < pr.msgs.count; i++) {
                const rj_mqadmin_msg_t *m = &pr.msgs.items[i];
                if (m->rec.queue_offset < to && rj_mqadmin_msg_matches(m, c->subscription)) {
                    rj_mqadmin_msg_print_line(stdout, m, broker, c->print_body);
                }
            }
        } else if (pr.code == RJ_RESP_PULL_RETRY_IMMEDIATELY) {
            printf("MessageQueue [topic=%s, brokerName=%s, queueId=%d] no matched msg. "
                   "status=%s, offset=%lld\n",
                   c->topic, broker, qid, pull_status_name(pr.code), (long long)next);
        } else {
            printf("MessageQueue [topic=%s, brokerName=%s, queueId=%d] print msg finished. "
                   "status=%s, offset=%lld\n",
                   c->topic, broker, qid, pull_status_name(pr.code), (long long)next);
            next = to;
        }
        rj_mqadmin_msg_list_cleanup(&pr.msgs);
        if (next <= offset) {
            break; /* no progress: the broker would answer the same again */
        }
        offset = next;
    }
    return 0;
}

/* The readable range of a queue, narrowed to the begin/end times. */
static int
queue_range(consume_t *c, const char *addr, int32_t qid, int64_t *min, int64_t *max)
{
    int rc = rj_mqadmin_offset_query(c->ctx, addr, RJ_REQ_GET_MIN_OFFSET, c->topic, qid, 0, min);
    if (rc == 0) {
        rc = rj_mqadmin_offset_query(c->ctx, addr, RJ_REQ_GET_MAX_OFFSET, c->topic, qid, 0, max);
    }
    if (rc == 0 && c->begin_ms > 0) {
        rc = rj_mqadmin_offset_query(c->ctx, addr, RJ_REQ_SEARCH_OFFSET_BY_TIMESTAMP, c->topic, qid,
                                     c->begin_ms, min);
    }
    if (rc == 0 && c->end_ms > 0) {
        rc = rj_mqadmin_offset_query(c->ctx, addr, RJ_REQ_SEARCH_OFFSET_BY_TIMESTAMP, c->topic, qid,
                                     c->end_ms, max);
    }
    return rc;
}

typedef int (*queue_cb)(consume_t *c, const char *addr, const char *broker, int32_t qid);

/*
 * Calls `cb` for every readable queue of the route (fetchSubscribeMessageQueues),
 * in route order, until it fails or c->left reaches 0.
 */
static int
for_each_readable_queue(consume_t *c, const json_t *route, queue_cb cb)
{
    json_t *brokers = json_object_get(route, "brokerDatas");
    int rc = 0;
    size_t i;
    json_t *qd;
    json_array_foreach(json_object_get(route, "queueDatas"), i, qd)
    {
        const char *broker = rj_mqadmin_json_str(qd, "brokerName");
        int64_t perm = rj_mqadmin_json_int(qd, "perm", 0);
        int32_t nqueues = rj_mqadmin_route_queue_nums(qd, "readQueueNums");
        const char *addr = NULL;
        size_t j;
        json_t *bd;
        json_array_foreach(brokers, j, bd)
        {
            const char *name = rj_mqadmin_json_str(bd, "brokerName");
            if (broker != NULL && name != NULL && strcmp(name, broker) == 0) {
                addr = rj_mqadmin_route_broker_select(bd);
            }
        }
        if (nqueues < 0) {
            rc = rj_mqadmin_ctx_fail(c->ctx, RJ_EMALFORMED, "the route of %s has a bad queue count",
                                     c->topic);
            break;
        }
        if (addr == NULL || (perm & 0x4) == 0) {
            continue; /* not readable */
        }
        for (int32_t qid = 0; rc == 0 && c->left > 0 && qid < nqueues; qid++) {
            rc = cb(c, addr, broker, qid);
        }
        if (rc != 0 || c->left <= 0) {
            break;
        }
    }
    return rc;
}

/* consumeMessage over every queue: the oldest messages until -c are printed. */
static int
consume_queue(consume_t *c, const char *addr, const char *broker, int32_t qid)
{
    int64_t min, max;
    int rc = queue_range(c, addr, qid, &min, &max);
    if (rc != 0 || max <= min) {
        return rc;
    }
    if (max - min > c->left) {
        printf("The older %lld message of the %d queue will be provided\n", (long long)c->left,
               qid);
        max = min + c->left;
    }
    c->left -= max - min;
    return pull_range(c, addr, broker, qid, min, max);
}

/* printMsg: every message of each queue in the time range, framed as RocketMQ prints it. */
static int
print_queue(consume_t *c, const char *addr, const char *broker, int32_t qid)
{
    int64_t min, max;
    int rc = queue_range(c, addr, qid, &min, &max);
    if (rc != 0) {
        return rc;
    }
    printf("minOffset=%lld, maxOffset=%lld, MessageQueue [topic=%s, brokerName=%s, queueId=%d]\n",
           (long long)min, (long long)max, c->topic, broker, qid);
    rc = pull_range(c, addr, broker, qid, min, max);
    printf("--------------------------------------------------------\n");
    return rc;
}

/* The -<opt> timestamp of printMsg/consumeMessage into *out (left alone when absent). */
static int
arg_timestamp(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args, char opt, int64_t *out)
{
    const char *v = rj_mqadmin_cli_get(args, opt);
    if (v != NULL && rj_mqadmin_cli_timestamp(v, out) != 0) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL,
                                   "bad -%c timestamp \"%s\": use milliseconds since the epoch or "
                                   "yyyy-MM-dd#HH:mm:ss:SSS",
                                   opt, v);
    }
    return 0;
}

static int
run_print_msg(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    consume_t c = {
        .ctx = ctx,
        .topic = rj_mqadmin_cli_get(args, 't'),
        .group = RJ_MQADMIN_TOOLS_GROUP,
        .subscription = rj_mqadmin_cli_has(args, 's') ? rj_mqadmin_cli_get(args, 's') : "*",
        .print_body = !rj_mqadmin_cli_has(args, 'd') || rj_mqadmin_cli_bool(args, 'd', true),
        .left = INT64_MAX,
    };
    int rc = arg_timestamp(ctx, args, 'b', &c.begin_ms);
    if (rc == 0) {
        rc = arg_timestamp(ctx, args, 'e', &c.end_ms);
    }
    json_t *route = NULL;
    if (rc == 0) {
        rc = rj_mqadmin_route_topic(ctx, c.topic, &route);
    }
    if (rc == 0) {
        rc = for_each_readable_queue(&c, route, print_queue);
    }
    json_decref(route);
    return rc;
}

static const rj_mqadmin_option_t print_msg_options[] = {
    {'t', "topic", true, true, 0, "topic name"},
    {'c', "charsetName", true, false, 0, "CharsetName(eg: UTF-8,GBK)"},
    {'s', "subExpression", true, false, 0, "Subscribe Expression(eg: TagA || TagB)"},
    {'b', "beginTimestamp", true, false, 0,
     "Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'e', "endTimestamp", true, false, 0,
     "End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'d', "printBody", true, false, 0, "print body"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_print_msg = {"printMsg", "Print Message Detail",
                                                       print_msg_options, run_print_msg};

static int
run_consume_message(rj_mqadmin_ctx_t *ctx, const rj_mqadmin_args_t *args)
{
    consume_t c = {
        .ctx = ctx,
        .topic = rj_mqadmin_cli_get(args, 't'),
        .group =
            rj_mqadmin_cli_has(args, 'g') ? rj_mqadmin_cli_get(args, 'g') : RJ_MQADMIN_TOOLS_GROUP,
        .subscription = "*",
        .print_body = true,
        .consume_ok_line = true,
    };
    int64_t count = 128, offset = 0;
    int32_t qid = 0;
    int rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'c', 128, &count);
    if (rc != 0) {
        return rc;
    }
    if (count <= 0) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "Please input a positive messageNumber!");
    }
    if (rj_mqadmin_cli_has(args, 'i') && !rj_mqadmin_cli_has(args, 'b')) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE,
                                   "Please set the brokerName before queueId!");
    }
    if (rj_mqadmin_cli_has(args, 'o') && !rj_mqadmin_cli_has(args, 'i')) {
        return rj_mqadmin_ctx_fail(ctx, RJ_MQADMIN_USAGE, "Please set queueId before offset!");
    }
    rc = rj_mqadmin_ctx_arg_i32(ctx, args, 'i', 0, &qid);
    if (rc == 0) {
        rc = rj_mqadmin_ctx_arg_i64(ctx, args, 'o', 0, &offset);
    }
    if (rc != 0) {
        return rc;
    }
    c.left = count;
    int64_t now = rj_clock_wall_ms();
    rc = arg_timestamp(ctx, args, 's', &c.begin_ms);
    if (rc == 0) {
        rc = arg_timestamp(ctx, args, 'e', &c.end_ms);
    }
    if (rc != 0) {
        return rc;
    }
    if (c.begin_ms > now) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "Please set the beginTimestamp before now!");
    }
    if (c.end_ms > now) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL, "Please set the endTimestamp before now!");
    }
    if (rj_mqadmin_cli_has(args, 'e') && c.begin_ms > c.end_ms) {
        return rj_mqadmin_ctx_fail(ctx, RJ_EINVAL,
                                   "Please make sure that the beginTimestamp is less "
                                   "than or equal to the endTimestamp");
    }
    json_t *route = NULL;
    rc = rj_mqadmin_route_topic(ctx, c.topic, &route);
    if (rc == 0 && !rj_mqadmin_cli_has(args, 'i')) {
        rc = for_each_readable_queue(&c, route, consume_queue);
    } else if (rc == 0) {
        const char *broker = rj_mqadmin_cli_get(args, 'b');
        const char *addr = NULL;
        int64_t min = 0, max = 0;
        rc = rj_mqadmin_route_broker_addr_of(ctx, route, c.topic, broker, &addr);
        if (rc == 0) {
            rc = queue_range(&c, addr, qid, &min, &max);
        }
        if (rc == 0 && offset > max) {
            printf("MessageQueue [topic=%s, brokerName=%s, queueId=%d] no matched msg, "
                   "offset=%lld\n",
                   c.topic, broker, qid, (long long)offset);
        } else if (rc == 0) {
            min = min > offset ? min : offset;
            if (max - min > count) {
                printf("The oldler %lld message will be provided\n", (long long)count);
                max = min + count;
            }
            rc = pull_range(&c, addr, broker, qid, min, max);
        }
    }
    json_decref(route);
    return rc;
}

static const rj_mqadmin_option_t consume_message_options[] = {
    {'t', "topic", true, true, 0, "Topic name"},
    {'b', "brokerName", true, false, 0, "Broker name"},
    {'i', "queueId", true, false, 0, "Queue Id"},
    {'o', "offset", true, false, 0, "Queue offset"},
    {'g', "consumerGroup", true, false, 0, "Consumer group name"},
    {'s', "beginTimestamp", true, false, 0,
     "Begin timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'e', "endTimestamp", true, false, 0,
     "End timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]"},
    {'c', "MessageNumber", true, false, 0, "Number of message to be consumed"},
    RJ_MQADMIN_OPTIONS_END,
};

const rj_mqadmin_command_t rj_mqadmin_cmd_consume_message = {
    "consumeMessage", "Consume message", consume_message_options, run_consume_message};
