/*
 * The message properties string (requests.md §B1): "key\x01value" entries
 * separated by \x02, with or without a trailing \x02 (4.9.8 writes none, 5.x and
 * ali-ons write one). Parsing follows Java's string2messageProperties: a segment
 * counts only if it has a non-empty key before its first \x01 and a non-empty
 * value after it; later duplicates of a key win.
 *
 * Everything works on views: the iterator and the lookups never allocate.
 */
#ifndef RJ_COMMON_MESSAGE_PROPERTIES_H
#define RJ_COMMON_MESSAGE_PROPERTIES_H

#include "common/buf.h"
#include "common/bytes.h"

#include <stdbool.h>
#include <stddef.h>

#define RJ_PROP_NAME_VALUE_SEPARATOR '\x01'
#define RJ_PROP_SEPARATOR '\x02'

/* Well-known keys (MessageConst). */
#define RJ_PROP_KEYS "KEYS"
#define RJ_PROP_TAGS "TAGS"
#define RJ_PROP_WAIT_STORE_MSG_OK "WAIT"
#define RJ_PROP_DELAY_TIME_LEVEL "DELAY"
#define RJ_PROP_RETRY_TOPIC "RETRY_TOPIC"
#define RJ_PROP_REAL_TOPIC "REAL_TOPIC"
#define RJ_PROP_REAL_QUEUE_ID "REAL_QID"
#define RJ_PROP_TRANSACTION_PREPARED "TRAN_MSG"
#define RJ_PROP_PRODUCER_GROUP "PGROUP"
#define RJ_PROP_MIN_OFFSET "MIN_OFFSET"
#define RJ_PROP_MAX_OFFSET "MAX_OFFSET"
#define RJ_PROP_BUYER_ID "BUYER_ID"
#define RJ_PROP_ORIGIN_MESSAGE_ID "ORIGIN_MESSAGE_ID"
#define RJ_PROP_TRANSFER_FLAG "TRANSFER_FLAG"
#define RJ_PROP_CORRECTION_FLAG "CORRECTION_FLAG"
#define RJ_PROP_MQ2_FLAG "MQ2_FLAG"
#define RJ_PROP_RECONSUME_TIME "RECONSUME_TIME"
#define RJ_PROP_MSG_REGION "MSG_REGION"
#define RJ_PROP_TRACE_SWITCH "TRACE_ON"
#define RJ_PROP_UNIQ_CLIENT_MESSAGE_ID_KEYIDX "UNIQ_KEY"
#define RJ_PROP_MAX_RECONSUME_TIMES "MAX_RECONSUME_TIMES"
#define RJ_PROP_CONSUME_START_TIMESTAMP "CONSUME_START_TIME"
#define RJ_PROP_TRANSACTION_PREPARED_QUEUE_OFFSET "TRAN_PREPARED_QUEUE_OFFSET"
#define RJ_PROP_TRANSACTION_CHECK_TIMES "TRANSACTION_CHECK_TIMES"
#define RJ_PROP_CHECK_IMMUNITY_TIME_IN_SECONDS "CHECK_IMMUNITY_TIME_IN_SECONDS"
#define RJ_PROP_INSTANCE_ID "INSTANCE_ID"
#define RJ_PROP_CORRELATION_ID "CORRELATION_ID"
#define RJ_PROP_MESSAGE_REPLY_TO_CLIENT "REPLY_TO_CLIENT"
#define RJ_PROP_MESSAGE_TTL "TTL"
#define RJ_PROP_REPLY_MESSAGE_ARRIVE_TIME "ARRIVE_TIME"
#define RJ_PROP_PUSH_REPLY_TIME "PUSH_REPLY_TIME"
#define RJ_PROP_CLUSTER "CLUSTER"
#define RJ_PROP_MESSAGE_TYPE "MSG_TYPE"
#define RJ_PROP_INNER_MULTI_DISPATCH "INNER_MULTI_DISPATCH"
#define RJ_PROP_INNER_MULTI_QUEUE_OFFSET "INNER_MULTI_QUEUE_OFFSET"

/* Separator of the KEYS value. */
#define RJ_PROP_KEY_SEPARATOR ' '

/* Iteration in string order over the segments Java keeps (duplicates included). */
typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} rj_message_properties_iter_t;

void rj_message_properties_iter_init(rj_message_properties_iter_t *it, rj_bytes_t props);

/* Next kept entry; false at the end. */
bool rj_message_properties_next(rj_message_properties_iter_t *it, rj_bytes_t *key,
                                rj_bytes_t *value);

/* Value of `key` as Java's map would hold it (the last occurrence). False if absent. */
bool rj_message_properties_get(rj_bytes_t props, const char *key, rj_bytes_t *value);

/* Same with a key view. */
bool rj_message_properties_get_n(rj_bytes_t props, rj_bytes_t key, rj_bytes_t *value);

/*
 * Appends "key\x01value" to `out`, preceded by \x02 when `out` already holds
 * entries (4.9.8 style: no trailing separator). Returns 0 or RJ_ENOMEM.
 */
int rj_message_properties_append(rj_buf_t *out, rj_bytes_t key, rj_bytes_t value);
int rj_message_properties_append_cstr(rj_buf_t *out, const char *key, const char *value);

/*
 * Re-serialises `props` as Java's map would: one entry per key (the last value),
 * in first-occurrence order, separated by \x02 without a trailing one, skipping
 * keys for which `drop` returns true (`drop` may be NULL). Appends to `out`.
 * Returns 0 or RJ_ENOMEM.
 */
int rj_message_properties_rewrite(rj_bytes_t props, bool (*drop)(rj_bytes_t key, void *arg),
                                  void *arg, rj_buf_t *out);

#endif
