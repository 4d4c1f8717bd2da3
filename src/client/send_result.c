/* Send result storage and its public getters. */
#include "client/send_result.h"

#include "common/alloc.h"
#include "ramjet/status.h"
#include "remoting/response_code.h"

#include <string.h>

void
rj_send_result_init(rj_send_result_t *r)
{
    r->status = RJ_SEND_OK;
    r->queue_id = -1;
    r->queue_offset = -1;
    r->response_code = 0;
    r->transaction_state = RJ_TRANSACTION_UNKNOWN;
    r->heap = NULL;
    r->used = 1;
    r->cap = 0;
    r->inline_buf[0] = '\0';
    r->msg_id = r->offset_msg_id = r->topic = r->broker_name = r->inline_buf;
    r->transaction_id = NULL;
    r->error = r->inline_buf;
}

static void free_chain(char *block);

void
rj_send_result_cleanup(rj_send_result_t *r)
{
    free_chain(r->heap);
    r->heap = NULL;
}

const char *
rj_send_result_store(rj_send_result_t *r, rj_bytes_t text)
{
    char *dst;

    if (r->used + text.len + 1 <= sizeof(r->inline_buf)) {
        dst = r->inline_buf + r->used;
        r->used += text.len + 1;
    } else {
        /* Rare (long batch id lists): a separate block per string, chained. */
        char *block = rj_malloc(sizeof(char *) + text.len + 1);
        if (block == NULL) {
            return r->inline_buf;
        }
        memcpy(block, &r->heap, sizeof(char *));
        r->heap = block;
        dst = block + sizeof(char *);
    }
    if (text.len > 0) {
        memcpy(dst, text.data, text.len);
    }
    dst[text.len] = '\0';
    return dst;
}

const char *
rj_send_result_store_cstr(rj_send_result_t *r, const char *text)
{
    return rj_send_result_store(r, rj_bytes_from_cstr(text != NULL ? text : ""));
}

rj_send_status_t
rj_send_status_of_code(int32_t code)
{
    switch (code) {
    case RJ_RESP_FLUSH_DISK_TIMEOUT:
        return RJ_SEND_FLUSH_DISK_TIMEOUT;
    case RJ_RESP_FLUSH_SLAVE_TIMEOUT:
        return RJ_SEND_FLUSH_SLAVE_TIMEOUT;
    case RJ_RESP_SLAVE_NOT_AVAILABLE:
        return RJ_SEND_SLAVE_NOT_AVAILABLE;
    default:
        return RJ_SEND_OK;
    }
}

rj_send_result_t *
rj_send_result_dup(const rj_send_result_t *src)
{
    rj_send_result_t *r = rj_malloc(sizeof(*r));

    if (r == NULL) {
        return NULL;
    }
    rj_send_result_init(r);
    r->status = src->status;
    r->queue_id = src->queue_id;
    r->queue_offset = src->queue_offset;
    r->response_code = src->response_code;
    r->transaction_state = src->transaction_state;
    r->msg_id = rj_send_result_store_cstr(r, src->msg_id);
    r->offset_msg_id = rj_send_result_store_cstr(r, src->offset_msg_id);
    r->topic = rj_send_result_store_cstr(r, src->topic);
    r->broker_name = rj_send_result_store_cstr(r, src->broker_name);
    r->transaction_id =
        src->transaction_id != NULL ? rj_send_result_store_cstr(r, src->transaction_id) : NULL;
    r->error = rj_send_result_store_cstr(r, src->error);
    return r;
}

static void
free_chain(char *block)
{
    while (block != NULL) {
        char *next;
        memcpy(&next, block, sizeof(char *));
        rj_free(block);
        block = next;
    }
}

int
rj_send_result_create(rj_send_result_t **out)
{
    if (out == NULL) {
        return RJ_EINVAL;
    }
    *out = rj_malloc(sizeof(**out));
    if (*out == NULL) {
        return RJ_ENOMEM;
    }
    rj_send_result_init(*out);
    return RJ_OK;
}

void
rj_send_result_destroy(rj_send_result_t *r)
{
    if (r == NULL) {
        return;
    }
    free_chain(r->heap);
    rj_free(r);
}

rj_send_status_t
rj_send_result_status(const rj_send_result_t *r)
{
    return r != NULL ? r->status : RJ_SEND_OK;
}

const char *
rj_send_result_msg_id(const rj_send_result_t *r)
{
    return r != NULL ? r->msg_id : NULL;
}

const char *
rj_send_result_offset_msg_id(const rj_send_result_t *r)
{
    return r != NULL ? r->offset_msg_id : NULL;
}

const char *
rj_send_result_topic(const rj_send_result_t *r)
{
    return r != NULL ? r->topic : NULL;
}

const char *
rj_send_result_broker_name(const rj_send_result_t *r)
{
    return r != NULL ? r->broker_name : NULL;
}

int32_t
rj_send_result_queue_id(const rj_send_result_t *r)
{
    return r != NULL ? r->queue_id : -1;
}

int64_t
rj_send_result_queue_offset(const rj_send_result_t *r)
{
    return r != NULL ? r->queue_offset : -1;
}

const char *
rj_send_result_transaction_id(const rj_send_result_t *r)
{
    return r != NULL ? r->transaction_id : NULL;
}

rj_transaction_state_t
rj_send_result_transaction_state(const rj_send_result_t *r)
{
    return r != NULL ? r->transaction_state : RJ_TRANSACTION_UNKNOWN;
}

int
rj_send_result_response_code(const rj_send_result_t *r)
{
    return r != NULL ? r->response_code : 0;
}

const char *
rj_send_result_error(const rj_send_result_t *r)
{
    return r != NULL ? r->error : "";
}
