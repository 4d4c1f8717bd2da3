/*
 * Messages: what a producer sends and what a consumer receives.
 *
 * A message built by the application (rj_message_create) owns copies of
 * everything set on it, unless rj_message_set_body_ref() was used. Sending
 * never modifies or keeps a message: the send functions encode it before they
 * return, so one message may be sent many times, from several threads at
 * once, and destroyed as soon as the send call returns. The unique id
 * (UNIQ_KEY) is generated per send unless the application set one with
 * rj_message_set_property(msg, "UNIQ_KEY", ...); it is reported in the send
 * result.
 *
 * Received messages are handed out as `const rj_message_t *`. They are views
 * into the library's receive buffers and stay valid only as long as the
 * function that delivered them says (a listener call, or until the poll
 * result is destroyed). Setters must not be used on them.
 *
 * Threads: a message is not locked. Concurrent reads are fine; a message being
 * modified must not be used by another thread at the same time.
 * Errors: functions returning int give RJ_OK or a negative status
 * (ramjet/status.h); RJ_EINVAL for NULL or out-of-range arguments.
 */
#ifndef RAMJET_MESSAGE_H
#define RAMJET_MESSAGE_H

#include "ramjet/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rj_message rj_message_t;

/*
 * A message queue: one queue of a topic on one broker. Used as a value; the
 * strings are borrowed (the library copies what it keeps). Queues returned by
 * the library point to strings owned by the object that returned them.
 */
typedef struct {
    const char *topic;       /* topic name */
    const char *broker_name; /* broker (master/slave set) holding the queue */
    int32_t queue_id;        /* queue number within that broker, from 0 */
} rj_message_queue_t;

/* Well-known property names (RocketMQ's MessageConst). */
#define RJ_PROPERTY_KEYS "KEYS"
#define RJ_PROPERTY_TAGS "TAGS"
#define RJ_PROPERTY_WAIT_STORE_MSG_OK "WAIT"
#define RJ_PROPERTY_DELAY_TIME_LEVEL "DELAY"
#define RJ_PROPERTY_UNIQ_KEY "UNIQ_KEY"
#define RJ_PROPERTY_TIMER_DELIVER_MS "TIMER_DELIVER_MS"
#define RJ_PROPERTY_TIMER_DELAY_SEC "TIMER_DELAY_SEC"
#define RJ_PROPERTY_TIMER_DELAY_MS "TIMER_DELAY_MS"
#define RJ_PROPERTY_RETRY_TOPIC "RETRY_TOPIC"
#define RJ_PROPERTY_TRANSACTION_PREPARED "TRAN_MSG"
#define RJ_PROPERTY_PRODUCER_GROUP "PGROUP"
#define RJ_PROPERTY_MIN_OFFSET "MIN_OFFSET"
#define RJ_PROPERTY_MAX_OFFSET "MAX_OFFSET"
#define RJ_PROPERTY_ORIGIN_MESSAGE_ID "ORIGIN_MESSAGE_ID"
#define RJ_PROPERTY_CHECK_IMMUNITY_TIME_IN_SECONDS "CHECK_IMMUNITY_TIME_IN_SECONDS"

/* Highest delay level of the default broker configuration ("1s 5s ... 2h"). */
#define RJ_MAX_DELAY_LEVEL 18

/* ---------------------------------------------------------------- building */

/*
 * New empty message for `topic` (copied; may be NULL and set later).
 * Returns RJ_OK and the message in *out, RJ_EINVAL, or RJ_ENOMEM.
 * Free it with rj_message_destroy().
 */
RJ_API int rj_message_create(const char *topic, rj_message_t **out);

/* Frees a message the application created. NULL is a no-op. */
RJ_API void rj_message_destroy(rj_message_t *msg);

/* Replaces the topic (copied). */
RJ_API int rj_message_set_topic(rj_message_t *msg, const char *topic);

/* Copies `len` bytes as the body. */
RJ_API int rj_message_set_body(rj_message_t *msg, const void *body, size_t len);

/*
 * Uses `body` without copying it: the caller keeps those bytes unchanged and
 * alive until the message is destroyed or gets another body.
 */
RJ_API int rj_message_set_body_ref(rj_message_t *msg, const void *body, size_t len);

/* Tag (property TAGS), used for filtering by consumers. NULL removes it. */
RJ_API int rj_message_set_tags(rj_message_t *msg, const char *tags);

/* Business keys (property KEYS), space-separated; the broker indexes each. NULL removes. */
RJ_API int rj_message_set_keys(rj_message_t *msg, const char *keys);

/*
 * Sets a property (both strings copied); `value` NULL removes it. Keys and
 * values must be non-empty and must not contain the bytes 0x01 or 0x02, which
 * separate properties on the wire (RJ_EINVAL otherwise).
 */
RJ_API int rj_message_set_property(rj_message_t *msg, const char *key, const char *value);

/*
 * Delay level 1..RJ_MAX_DELAY_LEVEL (1s 5s 10s 30s 1m ... 2h on a default
 * broker); 0 removes it. The broker clamps higher levels to its maximum.
 */
RJ_API int rj_message_set_delay_level(rj_message_t *msg, int level);

/* Timer message (RocketMQ 5 brokers): deliver at this wall-clock time, ms since the epoch. */
RJ_API int rj_message_set_deliver_time_ms(rj_message_t *msg, int64_t epoch_ms);

/* Timer message (RocketMQ 5 brokers): deliver after this many milliseconds / seconds. */
RJ_API int rj_message_set_delay_time_ms(rj_message_t *msg, int64_t delay_ms);
RJ_API int rj_message_set_delay_time_sec(rj_message_t *msg, int64_t delay_sec);

/* User flag stored with the message as-is. */
RJ_API int rj_message_set_flag(rj_message_t *msg, int32_t flag);

/*
 * WAIT property: whether the broker answers only after the message is flushed
 * / replicated as its configuration requires (default true, as Java).
 */
RJ_API int rj_message_set_wait_store_ok(rj_message_t *msg, bool wait);

/* ------------------------------------------------------------- reading */

/* Topic, or NULL if none was set. */
RJ_API const char *rj_message_topic(const rj_message_t *msg);

/*
 * Body and its length in *len (len may be NULL). A received body that was
 * compressed by its producer is returned decompressed. NULL if there is none.
 */
RJ_API const void *rj_message_body(const rj_message_t *msg, size_t *len);

/* Tags / keys, or NULL. */
RJ_API const char *rj_message_tags(const rj_message_t *msg);
RJ_API const char *rj_message_keys(const rj_message_t *msg);

/* A property's value, or NULL. */
RJ_API const char *rj_message_property(const rj_message_t *msg, const char *key);

/* Number of properties, and the i-th one (0-based). RJ_EINVAL if i is out of range. */
RJ_API size_t rj_message_property_count(const rj_message_t *msg);
RJ_API int rj_message_property_at(const rj_message_t *msg, size_t i, const char **key,
                                  const char **value);

RJ_API int32_t rj_message_flag(const rj_message_t *msg);

/* Delay level, or 0. */
RJ_API int rj_message_delay_level(const rj_message_t *msg);

/* ------------------------------------------------ received messages only */
/* On messages the application built these return NULL / 0 / -1. */

/* Message id as Java shows it: the producer's UNIQ_KEY, else the offset message id. */
RJ_API const char *rj_message_msg_id(const rj_message_t *msg);

/* Offset message id: store host, port and commit-log offset in hex (32 or 56 chars). */
RJ_API const char *rj_message_offset_msg_id(const rj_message_t *msg);

/* Broker name the message was pulled from (NULL if unknown). */
RJ_API const char *rj_message_broker_name(const rj_message_t *msg);

RJ_API int32_t rj_message_queue_id(const rj_message_t *msg);
RJ_API int64_t rj_message_queue_offset(const rj_message_t *msg);
RJ_API int64_t rj_message_commitlog_offset(const rj_message_t *msg);
RJ_API int64_t rj_message_born_timestamp(const rj_message_t *msg);
RJ_API int64_t rj_message_store_timestamp(const rj_message_t *msg);
RJ_API int32_t rj_message_reconsume_times(const rj_message_t *msg);
RJ_API int32_t rj_message_sys_flag(const rj_message_t *msg);
RJ_API int32_t rj_message_body_crc(const rj_message_t *msg);
RJ_API int32_t rj_message_store_size(const rj_message_t *msg);
RJ_API int64_t rj_message_prepared_transaction_offset(const rj_message_t *msg);

/* Transaction id (the UNIQ_KEY of a half message), or NULL. */
RJ_API const char *rj_message_transaction_id(const rj_message_t *msg);

/*
 * Born host (producer address as the broker saw it) / store host, written as
 * "ip:port" into `buf` of `size` bytes. Returns RJ_OK, RJ_EINVAL (not a
 * received message or bad arguments) or RJ_ETOOLARGE (buffer too small).
 */
RJ_API int rj_message_born_host(const rj_message_t *msg, char *buf, size_t size);
RJ_API int rj_message_store_host(const rj_message_t *msg, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
