/*
 * Send results. The struct keeps its strings in an inline buffer (heap only
 * for very long batch id lists), so an async completion builds one on the
 * I/O thread's stack without allocating; sync sends hand a heap copy to the
 * application.
 */
#ifndef RJ_CLIENT_SEND_RESULT_H
#define RJ_CLIENT_SEND_RESULT_H

#include "common/bytes.h"
#include "ramjet/producer.h"

#include <stddef.h>
#include <stdint.h>

#define RJ_SEND_RESULT_INLINE 1024

struct rj_send_result {
    rj_send_status_t status;
    int32_t queue_id;
    int64_t queue_offset;
    int32_t response_code;
    rj_transaction_state_t transaction_state;
    const char *msg_id;
    const char *offset_msg_id;
    const char *topic;
    const char *broker_name;
    const char *transaction_id;
    const char *error;
    char *heap;
    size_t used;
    size_t cap;
    char inline_buf[RJ_SEND_RESULT_INLINE];
};

/* Empty result (all strings ""). */
void rj_send_result_init(rj_send_result_t *r);
/* Frees the heap part of a result initialised with rj_send_result_init(). */
void rj_send_result_cleanup(rj_send_result_t *r);

/* Stores a copy of `text` in the result; returns the copy ("" on ENOMEM). */
const char *rj_send_result_store(rj_send_result_t *r, rj_bytes_t text);
const char *rj_send_result_store_cstr(rj_send_result_t *r, const char *text);

/* Status for a stored-message response code (SUCCESS, FLUSH_*, SLAVE_NOT_AVAILABLE). */
rj_send_status_t rj_send_status_of_code(int32_t code);

/* Heap copy for the application; NULL on ENOMEM. */
rj_send_result_t *rj_send_result_dup(const rj_send_result_t *r);

#endif
