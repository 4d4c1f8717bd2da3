/*
 * Transactional messages, the parts that are pure data (RocketMQ 4.9.8's
 * TransactionalMessageBridge / TransactionalMessageServiceImpl helpers,
 * features.md §3): property rewrites of half messages and their check
 * copies, the op records that mark a half message as resolved, the
 * bookkeeping of the check pass and the CHECK_TRANSACTION_STATE body.
 *
 * Nothing here touches the store or the network; the check service
 * (transaction_check.h) and the END_TRANSACTION processor build on it.
 *
 * Thread: any; functions are pure.
 */
#ifndef RJ_BROKER_TRANSACTION_MESSAGE_H
#define RJ_BROKER_TRANSACTION_MESSAGE_H

#include "common/buf.h"
#include "common/bytes.h"
#include "common/message_record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Consumer group that keeps the check progress on the half and op topics. */
#define RJ_TRANSACTION_GROUP "CID_RMQ_SYS_TRANS"
/* Tag of op records that mark a half message as committed or rolled back. */
#define RJ_TRANSACTION_REMOVE_TAG "d"
/* Queues of TRANS_CHECK_MAX_TIME_TOPIC. */
#define RJ_TRANSACTION_DISCARD_QUEUE_NUMS 1

/*
 * Sets `key` to `value` in a property string: the entries of `props` except
 * `key`, then `key`=`value`, appended to `out` (Java's putProperty followed
 * by a re-serialisation). Returns 0 or RJ_ENOMEM.
 */
int rj_transaction_props_set(rj_bytes_t props, const char *key, rj_bytes_t value, rj_buf_t *out);

/* Same with a decimal value. */
int rj_transaction_props_set_i64(rj_bytes_t props, const char *key, int64_t value, rj_buf_t *out);

/*
 * Properties of an op record: "WAIT\x01true\x02TAGS\x01d" (4.9.8 serialises
 * them before it would add a UNIQ_KEY). Appends to `out`.
 */
int rj_transaction_op_properties(rj_buf_t *out);

/*
 * The half-queue offset an op record's body names (decimal text), or -1 when
 * the body is not a number (Java's getLong).
 */
int64_t rj_transaction_op_half_offset(rj_bytes_t body);

/*
 * calculateOpOffset: sorts `done` (op queue offsets already accounted for) and
 * returns `old` advanced over the run of consecutive offsets starting at it.
 */
int64_t rj_transaction_next_op_offset(int64_t *done, size_t n, int64_t old);

/*
 * needDiscard: a half message checked `transactionCheckMax` times already is
 * discarded (returns true). Otherwise *next_times is the check count its
 * next copy carries (TRANSACTION_CHECK_TIMES + 1, or 1 for the first check;
 * an unparsable count counts as -1 as in Java).
 */
bool rj_transaction_need_discard(rj_bytes_t props, int32_t check_max, int32_t *next_times);

/*
 * getImmunityTime: CHECK_IMMUNITY_TIME_IN_SECONDS in ms, or `timeout_ms` when
 * the property is absent (*has false) or unparsable.
 */
int64_t rj_transaction_immunity_ms(rj_bytes_t props, int64_t timeout_ms, bool *has);

/*
 * Half-message queue offset a check copy refers to
 * (TRAN_PREPARED_QUEUE_OFFSET): true with *out (-1 if unparsable) when present.
 */
bool rj_transaction_prepared_queue_offset(rj_bytes_t props, int64_t *out);

/*
 * The CHECK_TRANSACTION_STATE body (MessageDecoder.encode of the checker's
 * copy): `rec` with its topic and queue id replaced by REAL_TOPIC/REAL_QID
 * and its properties by `props`; queue and commit-log offsets are those in
 * `rec`. Appends to `out`. Returns 0, RJ_EINVAL when REAL_TOPIC or REAL_QID
 * is missing or bad, or an encoding error.
 */
int rj_transaction_encode_check_body(const rj_message_record_t *rec, rj_bytes_t props,
                                     rj_buf_t *out);

#endif
