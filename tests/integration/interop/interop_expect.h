/*
 * Messages the interop scenarios send and the checks of what consumers got.
 *
 * A message is a JSON object in the form tests/interop/alions_send.js reads:
 *   {"topic", "tags", "keys": [..], "props": {k: v}, "flag", "bodyHex"}
 * and, once sent (by ali-ons or by the C producer), "sent":
 *   {"by", "msgId", "offsetMsgId", "broker", "queueId", "queueOffset"}
 * where msgId is what the producer's send returned (ali-ons: the broker's
 * offset message id; C client: the UNIQ_KEY), offsetMsgId the broker's id and
 * "by" the producer ("alions" or "c").
 * Every message carries the user property "seq" = its index in its array, which
 * is how deliveries are matched to what was sent.
 */
#ifndef RJ_IT_INTEROP_EXPECT_H
#define RJ_IT_INTEROP_EXPECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bodies of at least this many bytes are compressed by both producers (their default). */
#define IT_COMPRESS_THRESHOLD 4096

/* Hex of `len` bytes (heap string, free()) and back (heap bytes, length in *len). */
char *it_hex_encode(const void *data, size_t len);
uint8_t *it_hex_decode(const char *hex, size_t *len);

/* Deterministic bodies (heap, free()). */
/* Text of `size` bytes (or a little less, never cutting a UTF-8 sequence) from a mixed-script word
 * list. */
char *it_body_words(uint32_t seed, size_t size, size_t *len);
/* `size` pseudo-random bytes: a body compression cannot shrink. */
uint8_t *it_body_random(uint32_t seed, size_t size);

/*
 * Appends a new message to `msgs` with user property seq = its index. `keys`
 * is space-separated (or NULL). Returns the message (borrowed).
 */
json_t *it_msg_add(json_t *msgs, const char *topic, const char *tags, const char *keys,
                   int32_t flag, const void *body, size_t len);
void it_msg_set_prop(json_t *m, const char *key, const char *value);

/*
 * Appends 14 varied messages: UTF-8 bodies and property values (JSON escapes
 * too), flags from INT32_MIN to INT32_MAX, keys with Cyrillic, a 12 KB text
 * body, a 6000-byte random body, bodies of threshold-1 and threshold bytes,
 * a 512-byte body with every byte value, a 1-byte body; tags TagA/TagB/TagC.
 */
void it_add_rich_messages(json_t *msgs, const char *topic);

/*
 * Sends msgs[from..] with ali-ons (alions_send.js, producer group `group`),
 * one by one; fills in their "sent".
 */
void it_msgs_send_alions(const char *namesrv, const char *group, json_t *msgs, size_t from);

/* Sends msgs[from..] with the C producer (sync sends, one by one); fills in "sent". */
void it_msgs_send_c(const char *namesrv, const char *group, json_t *msgs, size_t from);

/* Sends msgs[from..] (one topic, bodies below the threshold) as one C batch; fills in "sent". */
void it_msgs_send_c_batch(const char *namesrv, const char *group, json_t *msgs, size_t from);

/*
 * Checks one "msg" event of alions_consume.js against the message it
 * delivered (found by its seq): same topic, body bytes, tags, keys, flag,
 * user properties; only the properties a 4.9.8 broker and the consumer add
 * besides (CLUSTER, MIN_OFFSET, MAX_OFFSET; UNIQ_KEY and WAIT from the C
 * producer); msgId = the send's offset message id (and "javaMsgId", when the
 * event has one, = the id the send returned); queue and offset as the send
 * reported; compressed on the wire exactly when the body reached the
 * threshold. Events of the C consumer (interop_c_consumer.h) have the same
 * form.
 * Returns the message's index.
 */
size_t it_check_delivery(const json_t *ev, const json_t *msgs);

/*
 * Counts the "msg" events of `events` per message index into counts[0..n)
 * (zeroed first), checking each with it_check_delivery().
 */
void it_count_deliveries(const json_t *events, const json_t *msgs, int *counts);

/* Index of a message by its seq property ("id" of an event); fails on a stranger. */
size_t it_seq_of(const char *id, size_t n);

#endif
