/*
 * Topic and group name rules and RocketMQ's reserved topic names
 * (TopicValidator): which names are legal, which topics are the broker's own
 * and which ones producers may not send to.
 */
#ifndef RJ_BROKER_TOPIC_VALIDATOR_H
#define RJ_BROKER_TOPIC_VALIDATOR_H

#include "common/bytes.h"

#include <stdbool.h>

#define RJ_TOPIC_MAX_LEN 127

#define RJ_TOPIC_TBW102 "TBW102"
#define RJ_TOPIC_SCHEDULE "SCHEDULE_TOPIC_XXXX"
#define RJ_TOPIC_BENCHMARK "BenchmarkTest"
#define RJ_TOPIC_TRANS_HALF "RMQ_SYS_TRANS_HALF_TOPIC"
#define RJ_TOPIC_TRACE "RMQ_SYS_TRACE_TOPIC"
#define RJ_TOPIC_TRANS_OP_HALF "RMQ_SYS_TRANS_OP_HALF_TOPIC"
#define RJ_TOPIC_TRANS_CHECK_MAX_TIME "TRANS_CHECK_MAX_TIME_TOPIC"
#define RJ_TOPIC_SELF_TEST "SELF_TEST_TOPIC"
#define RJ_TOPIC_OFFSET_MOVED_EVENT "OFFSET_MOVED_EVENT"
#define RJ_TOPIC_SYSTEM_PREFIX "rmq_sys_"
#define RJ_TOPIC_RETRY_PREFIX "%RETRY%"
#define RJ_TOPIC_DLQ_PREFIX "%DLQ%"
#define RJ_TOPIC_REPLY_SUFFIX "_REPLY_TOPIC"

/*
 * Checks a topic name for a send or an admin request. Returns NULL when legal,
 * else RocketMQ's remark text (static) for the SYSTEM_ERROR response.
 */
const char *rj_topic_validator_check(rj_bytes_t topic);

/* True if a name uses characters outside [%|a-zA-Z0-9_-] (topics and groups). */
bool rj_topic_validator_has_illegal_chars(rj_bytes_t name);

/*
 * Fixed system topics plus names the broker registered at start (cluster and
 * broker-name topics); also anything starting with "rmq_sys_".
 */
bool rj_topic_validator_is_system(rj_bytes_t topic);

/* Topics clients may never send to (schedule, transaction, self-test, offset-moved). */
bool rj_topic_validator_is_send_forbidden(rj_bytes_t topic);

/*
 * Adds a name to the system-topic set (the broker's cluster and name topics).
 * Called at start-up before any request is served; not thread-safe.
 * Returns 0 or RJ_ENOMEM.
 */
int rj_topic_validator_add_system(const char *topic);

/* Releases the names added by rj_topic_validator_add_system(). */
void rj_topic_validator_reset(void);

/* Iterates every system topic (fixed ones then added ones). Returns NULL past the end. */
const char *rj_topic_validator_system_at(int index);

#endif
