/*
 * The message object behind rj_message_t. One struct serves both kinds:
 *
 *   OWNED    built by the application; topic, body (unless borrowed) and
 *            property strings are separate heap copies.
 *   RECEIVED decoded from a pull (or a broker request) into a batch arena
 *            (pull_batch.h): every string points into the arena, the body
 *            into the arena's copy of the response body (or to an inflated
 *            copy of a compressed body). Freed with the batch, never alone.
 */
#ifndef RJ_CLIENT_MESSAGE_INTERNAL_H
#define RJ_CLIENT_MESSAGE_INTERNAL_H

#include "common/message_id.h"
#include "common/message_record.h"
#include "ramjet/message.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct rj_pull_batch rj_pull_batch_t;

typedef struct {
    const char *key;
    const char *value;
} rj_message_prop_t;

typedef enum {
    RJ_MESSAGE_OWNED = 1,    /* built by the application */
    RJ_MESSAGE_RECEIVED = 2, /* view into a pull batch */
} rj_message_kind_t;

struct rj_message {
    uint8_t kind;       /* rj_message_kind_t */
    bool body_borrowed; /* OWNED: body points to caller memory */
    char *topic;
    const uint8_t *body;
    size_t body_len;
    uint8_t *body_heap; /* owned copy (OWNED) or inflated body (RECEIVED), else NULL */
    int32_t flag;
    rj_message_prop_t *props;
    uint32_t prop_count;
    uint32_t prop_cap;

    /* RECEIVED only. */
    int32_t queue_id;
    int32_t sys_flag;
    int32_t body_crc;
    int32_t reconsume_times;
    int32_t store_size;
    int64_t queue_offset;
    int64_t commitlog_offset;
    int64_t born_timestamp;
    int64_t store_timestamp;
    int64_t prepared_transaction_offset;
    rj_msg_host_t born_host;
    rj_msg_host_t store_host;
    const char *broker_name;
    const char *msg_id;         /* UNIQ_KEY, else offset_msg_id */
    const char *transaction_id; /* UNIQ_KEY of a half message, else NULL */
    char offset_msg_id[RJ_MSG_ID_MAX_HEX_SIZE];
    _Atomic int64_t consume_start_ms; /* consumer bookkeeping: when a listener got it (wall ms) */
    uint64_t pq_seq;                  /* consumer bookkeeping: position in its process queue */
    rj_pull_batch_t *batch;
};

/* Property lookup on either kind (last value of a key wins). */
const char *rj_message_prop_get(const rj_message_t *msg, const char *key);

#endif
